/* SPDX-License-Identifier: Apache-2.0 */
/* src/audit writer: formats one JSON line per event, chains it to the previous line with
 * SHA-256, appends it under flock(LOCK_EX) and mirrors the new head in the token database.
 * Never writes anything but the public fields of struct ch_audit_event. See docs/AUDIT.md. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit_int.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "util/ch_ct.h"

struct ch_audit {
    pthread_mutex_t lock; /* serialises appends of this process; flock serialises processes */
    int fd;
    struct ch_store *store; /* borrowed; may be NULL */
    struct ch_audit_opts opts;
};

CK_RV ch_audit_default_path(const char *dir, uint32_t slot, char *out, size_t cap)
{
    CH_CHECK(dir != NULL && out != NULL && cap > 0, CKR_ARGUMENTS_BAD);
    int n = snprintf(out, cap, "%s/token-%u.audit.jsonl", dir, (unsigned)slot);
    CH_CHECK(n > 0 && (size_t)n < cap, CKR_BUFFER_TOO_SMALL);
    return CKR_OK;
}

CK_RV ch_audit_open_opts(const char *path, struct ch_store *store,
                         const struct ch_audit_opts *opts, struct ch_audit **out)
{
    CH_CHECK(path != NULL && out != NULL, CKR_ARGUMENTS_BAD);
    *out = NULL;
    struct ch_audit *a = calloc(1, sizeof(*a));
    CH_CHECK(a != NULL, CKR_HOST_MEMORY);
    a->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (a->fd < 0) {
        free(a);
        return CKR_DEVICE_ERROR;
    }
    if (pthread_mutex_init(&a->lock, NULL) != 0) {
        close(a->fd);
        free(a);
        return CKR_HOST_MEMORY;
    }
    a->store = store;
    a->opts.fsync = true;
    a->opts.syslog = false;
    if (opts != NULL)
        a->opts = *opts;
    *out = a;
    return CKR_OK;
}

CK_RV ch_audit_open(const char *path, struct ch_store *store, struct ch_audit **out)
{
    return ch_audit_open_opts(path, store, NULL, out);
}

void ch_audit_close(struct ch_audit *a)
{
    if (a == NULL)
        return;
    close(a->fd);
    pthread_mutex_destroy(&a->lock);
    free(a);
}

/* ---- formatting ------------------------------------------------------------------------------ */

struct wbuf {
    char *p;
    size_t cap, len;
    bool failed;
};

static void put(struct wbuf *w, const char *s, size_t n)
{
    if (w->failed || n > w->cap - w->len) {
        w->failed = true;
        return;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

static void puts_(struct wbuf *w, const char *s)
{
    put(w, s, strlen(s));
}

/* A key (already quoted, with its colon and leading comma) followed by a decimal number. */
static void putf(struct wbuf *w, const char *key, unsigned long long v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%llu", v);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        w->failed = true;
        return;
    }
    puts_(w, key);
    put(w, tmp, (size_t)n);
}

/* A JSON string (RFC 8259 §7): quotes, backslash and every control character escaped; valid
 * UTF-8 copied; each byte of invalid UTF-8 written as \u00XX so the line stays valid JSON. At
 * most `max` input bytes are taken, cut on a character boundary. */
static void put_json_string(struct wbuf *w, const char *s, size_t max)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t full = strlen(s), n = full < max ? full : max;
    put(w, "\"", 1);
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(w, esc, 2);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            const char *named = NULL;
            switch (c) {
            case '\n': named = "\\n"; break;
            case '\r': named = "\\r"; break;
            case '\t': named = "\\t"; break;
            case '\b': named = "\\b"; break;
            case '\f': named = "\\f"; break;
            default: break;
            }
            if (named != NULL) {
                puts_(w, named);
            } else {
                snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)c);
                put(w, esc, 6);
            }
            i++;
        } else {
            size_t k = ch_audit_utf8_len(p + i, n - i);
            if (k == 0 && ch_audit_utf8_len(p + i, full - i) != 0)
                break; /* a character cut by the length limit: stop before it */
            if (k == 0) {
                snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)c);
                put(w, esc, 6);
                i++;
            } else {
                put(w, (const char *)p + i, k);
                i += k;
            }
        }
    }
    put(w, "\"", 1);
}

static bool event_name_ok(const char *ev)
{
    size_t n = strlen(ev);
    if (n == 0 || n > CH_AUDIT_EVENT_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = ev[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return false;
    }
    return true;
}

const char *ch_audit_user_name(long user_type)
{
    switch (user_type) {
    case (long)CKU_SO: return "so";
    case (long)CKU_USER: return "user";
    case (long)CKU_CONTEXT_SPECIFIC: return "context_specific";
    default: return NULL;
    }
}

static void put_hex(struct wbuf *w, const uint8_t *b, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        char two[2] = {hex[b[i] >> 4], hex[b[i] & 15]};
        put(w, two, 2);
    }
}

/* The line, without newline; field order is fixed (the verifier checks it). */
static void format_line(struct wbuf *w, const struct ch_audit_event *ev, uint64_t seq,
                        const uint8_t prev[CH_AUDIT_HASH_LEN])
{
    struct timespec ts;
    struct tm tm;
    char when[40];
    clock_gettime(CLOCK_REALTIME, &ts);
    time_t secs = ts.tv_sec;
    if (gmtime_r(&secs, &tm) == NULL || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        snprintf(when, sizeof(when), "1970-01-01T00:00:00");

    char milli[8];
    snprintf(milli, sizeof(milli), ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
    putf(w, "{\"seq\":", seq);
    puts_(w, ",\"time\":\"");
    puts_(w, when);
    puts_(w, milli);
    puts_(w, "\"");
    putf(w, ",\"pid\":", (unsigned long long)getpid());
    putf(w, ",\"slot\":", ev->slot);
    if (ev->session != 0)
        putf(w, ",\"session\":", ev->session);
    else
        puts_(w, ",\"session\":null");
    const char *user = ch_audit_user_name(ev->user_type);
    if (ev->user_type == CH_AUDIT_USER_NONE) {
        puts_(w, ",\"user\":null");
    } else if (user != NULL) {
        puts_(w, ",\"user\":\"");
        puts_(w, user);
        puts_(w, "\"");
    } else {
        putf(w, ",\"user\":", (unsigned long long)(unsigned long)ev->user_type);
    }
    puts_(w, ",\"event\":\"");
    puts_(w, ev->event); /* checked to be [a-z0-9._-] */
    puts_(w, "\"");
    if (ev->mechanism != CK_UNAVAILABLE_INFORMATION)
        putf(w, ",\"mechanism\":", ev->mechanism);
    else
        puts_(w, ",\"mechanism\":null");
    if (ev->object_id != 0)
        putf(w, ",\"object\":", ev->object_id);
    else
        puts_(w, ",\"object\":null");
    puts_(w, ",\"label\":");
    if (ev->label != NULL)
        put_json_string(w, ev->label, CH_AUDIT_LABEL_MAX);
    else
        puts_(w, "null");
    putf(w, ",\"rv\":", ev->rv);
    puts_(w, ",\"prev\":\"");
    put_hex(w, prev, CH_AUDIT_HASH_LEN);
    puts_(w, "\"}");
}

/* ---- appending -------------------------------------------------------------------------------- */

/* Where the chain continues: (seq, hash) of the entry the new line follows. *partial is set when
 * the file ends inside a line (an interrupted write): the new line must start on a line of its
 * own, leaving the fragment for the verifier to report. */
static CK_RV chain_position(int fd, struct ch_store *store, uint64_t *seq,
                            uint8_t hash[CH_AUDIT_HASH_LEN], bool *partial)
{
    char *tail = malloc(CH_AUDIT_LINE_MAX);
    struct ch_audit_entry *e = malloc(sizeof(*e));
    size_t tlen = 0;
    int state = 0;
    bool tail_ok = false, db_present = false;
    uint64_t db_seq = 0;
    uint8_t db_hash[CH_AUDIT_HASH_LEN] = {0}, tail_hash[CH_AUDIT_HASH_LEN] = {0};
    CK_RV rv;

    CH_CHECK_OUT(tail != NULL && e != NULL, CKR_HOST_MEMORY);
    CH_TRY_OUT(ch_audit_tail(fd, tail, &tlen, &state));
    *partial = state == 2;
    if (state == 1 && ch_audit_parse_line(tail, tlen, e, NULL) == CKR_OK) {
        CH_TRY_OUT(ch_audit_line_hash(tail, tlen, tail_hash));
        tail_ok = true;
    }
    if (store != NULL)
        CH_TRY_OUT(ch_audit_head_get(store, &db_present, &db_seq, db_hash));

    if (!db_present) {
        /* No mirror (no store, a new database next to an old log): the file is the chain. */
        *seq = tail_ok ? e->seq : 0;
        memcpy(hash, tail_hash, CH_AUDIT_HASH_LEN);
    } else if (tail_ok && e->seq == db_seq + 1 && ch_ct_eq(e->prev, db_hash, CH_AUDIT_HASH_LEN)) {
        /* An append was interrupted between the write and the head update: that line is
         * correctly chained to the head, continue after it (the update below heals the head). */
        *seq = e->seq;
        memcpy(hash, tail_hash, CH_AUDIT_HASH_LEN);
    } else {
        /* Normal case (the tail is the head), or the file no longer ends at the head (truncated,
         * rewritten): continue from the head so that the break stays visible to the verifier
         * instead of being papered over. */
        *seq = db_seq;
        memcpy(hash, db_hash, CH_AUDIT_HASH_LEN);
    }
    rv = CKR_OK;
out:
    free(tail);
    free(e);
    return rv;
}

static CK_RV write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return CKR_DEVICE_ERROR;
        }
        p += k;
        n -= (size_t)k;
    }
    return CKR_OK;
}

/* The append itself; the caller holds the file's exclusive flock (and, for a struct ch_audit,
 * its mutex). */
static CK_RV append_locked(int fd, struct ch_store *store, const struct ch_audit_opts *opts,
                           const struct ch_audit_event *ev)
{
    /* buf[0] may hold a newline that ends a fragment; the line itself starts at buf + 1. */
    char *buf = malloc(CH_AUDIT_LINE_MAX + 1);
    CH_CHECK(buf != NULL, CKR_HOST_MEMORY);
    char *line = buf + 1;
    struct wbuf w = {line, CH_AUDIT_LINE_MAX - 1, 0, false}; /* room for the newline */
    uint8_t prev[CH_AUDIT_HASH_LEN], hash[CH_AUDIT_HASH_LEN];
    uint64_t seq = 0;
    bool partial = false;
    CK_RV rv;

    CH_TRY_OUT(chain_position(fd, store, &seq, prev, &partial));
    CH_CHECK_OUT(seq < UINT64_MAX, CKR_DEVICE_ERROR);
    seq++;
    format_line(&w, ev, seq, prev);
    CH_CHECK_OUT(!w.failed, CKR_DEVICE_ERROR); /* cannot happen: every field is bounded */
    CH_TRY_OUT(ch_audit_line_hash(line, w.len, hash));
    line[w.len] = '\n';

    /* One write(2) on an O_APPEND descriptor: the line lands whole at the end of the file. */
    buf[0] = '\n';
    if (partial)
        CH_TRY_OUT(write_all(fd, buf, w.len + 2));
    else
        CH_TRY_OUT(write_all(fd, line, w.len + 1));
    if (opts->fsync)
        CH_CHECK_OUT(fdatasync(fd) == 0, CKR_DEVICE_ERROR);
    if (store != NULL)
        CH_TRY_OUT(ch_audit_head_put(store, seq, hash));
    if (opts->syslog)
        syslog(LOG_AUTHPRIV | LOG_NOTICE, "craton-hsm audit: %.*s", (int)w.len, line);
    rv = CKR_OK;
out:
    free(buf);
    return rv;
}

CK_RV ch_audit_log(struct ch_audit *a, const struct ch_audit_event *ev)
{
    CH_CHECK(a != NULL && ev != NULL && ev->event != NULL, CKR_ARGUMENTS_BAD);
    CH_CHECK(event_name_ok(ev->event), CKR_ARGUMENTS_BAD);
    CK_RV rv;

    pthread_mutex_lock(&a->lock);
    while (flock(a->fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            pthread_mutex_unlock(&a->lock);
            return CKR_DEVICE_ERROR;
        }
    }
    rv = append_locked(a->fd, a->store, &a->opts, ev);
    (void)flock(a->fd, LOCK_UN);
    pthread_mutex_unlock(&a->lock);
    return rv;
}

/* ---- chain head in the store ------------------------------------------------------------------ */

CK_RV ch_audit_line_hash(const char *line, size_t len, uint8_t out[CH_AUDIT_HASH_LEN])
{
    return ch_crypto_hash(CH_HASH_SHA256, (const uint8_t *)line, len, out);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

CK_RV ch_audit_head_get(struct ch_store *s, bool *present, uint64_t *seq,
                        uint8_t hash[CH_AUDIT_HASH_LEN])
{
    uint8_t *val = NULL;
    size_t len = 0;
    *present = false;
    CH_TRY(ch_store_meta_get(s, CH_AUDIT_META_HEAD, &val, &len));
    if (val == NULL)
        return CKR_OK;
    /* "<seq> <64 hex>" */
    CK_RV rv = CKR_DEVICE_ERROR;
    size_t i = 0;
    uint64_t v = 0;
    while (i < len && val[i] >= '0' && val[i] <= '9') {
        if (v > (UINT64_MAX - 9) / 10)
            goto out;
        v = v * 10 + (uint64_t)(val[i] - '0');
        i++;
    }
    if (i == 0 || len != i + 1 + 2 * CH_AUDIT_HASH_LEN || val[i] != ' ')
        goto out;
    i++;
    for (size_t k = 0; k < CH_AUDIT_HASH_LEN; k++) {
        int hi = hexval((char)val[i + 2 * k]), lo = hexval((char)val[i + 2 * k + 1]);
        if (hi < 0 || lo < 0)
            goto out;
        hash[k] = (uint8_t)(hi << 4 | lo);
    }
    *seq = v;
    *present = true;
    rv = CKR_OK;
out:
    free(val);
    return rv;
}

CK_RV ch_audit_head_put(struct ch_store *s, uint64_t seq, const uint8_t hash[CH_AUDIT_HASH_LEN])
{
    char txt[32 + 2 * CH_AUDIT_HASH_LEN];
    static const char hex[] = "0123456789abcdef";
    int n = snprintf(txt, sizeof(txt), "%llu ", (unsigned long long)seq);
    CH_CHECK(n > 0 && (size_t)n + 2 * CH_AUDIT_HASH_LEN < sizeof(txt), CKR_GENERAL_ERROR);
    for (size_t k = 0; k < CH_AUDIT_HASH_LEN; k++) {
        txt[n + 2 * (int)k] = hex[hash[k] >> 4];
        txt[n + 2 * (int)k + 1] = hex[hash[k] & 15];
    }
    return ch_store_meta_put(s, CH_AUDIT_META_HEAD, (const uint8_t *)txt,
                             (size_t)n + 2 * CH_AUDIT_HASH_LEN);
}

CK_RV ch_audit_tail(int fd, char *buf, size_t *len, int *state)
{
    struct stat st;
    CH_CHECK(fstat(fd, &st) == 0, CKR_DEVICE_ERROR);
    *len = 0;
    if (st.st_size == 0) {
        *state = 0;
        return CKR_OK;
    }
    /* Read the last CH_AUDIT_LINE_MAX bytes: a valid last line (with its newline, and the
     * newline of the line before it) fits. */
    size_t want = CH_AUDIT_LINE_MAX;
    off_t start = 0;
    if ((uint64_t)st.st_size > want)
        start = st.st_size - (off_t)want;
    else
        want = (size_t)st.st_size;
    size_t got = 0;
    while (got < want) {
        ssize_t k = pread(fd, buf + got, want - got, start + (off_t)got);
        if (k < 0 && errno == EINTR)
            continue;
        CH_CHECK(k > 0, CKR_DEVICE_ERROR);
        got += (size_t)k;
    }
    if (buf[got - 1] != '\n') {
        *state = 2;
        return CKR_OK;
    }
    size_t end = got - 1, b = end;
    while (b > 0 && buf[b - 1] != '\n')
        b--;
    if (b == 0 && start > 0) {
        *state = 3; /* no line start within the window: longer than allowed */
        return CKR_OK;
    }
    memmove(buf, buf + b, end - b);
    *len = end - b;
    *state = 1;
    return CKR_OK;
}

CK_RV ch_audit_reanchor(const char *path, struct ch_store **store, ch_audit_locked_fn fn,
                        void *arg, const struct ch_audit_event *ev)
{
    CH_CHECK(path != NULL && store != NULL, CKR_ARGUMENTS_BAD);
    CH_CHECK(ev == NULL || (ev->event != NULL && event_name_ok(ev->event)), CKR_ARGUMENTS_BAD);
    char *tail = malloc(CH_AUDIT_LINE_MAX);
    struct ch_audit_entry *e = malloc(sizeof(*e));
    const struct ch_audit_opts opts = {.fsync = true, .syslog = false};
    uint8_t hash[CH_AUDIT_HASH_LEN];
    size_t tlen = 0;
    int state = 0, fd = -1;
    bool created = false;
    CK_RV rv;

    CH_CHECK_OUT(tail != NULL && e != NULL, CKR_HOST_MEMORY);
    fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT) {
        fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        created = fd >= 0;
    }
    CH_CHECK_OUT(fd >= 0, CKR_DEVICE_ERROR);
    while (flock(fd, LOCK_EX) != 0)
        CH_CHECK_OUT(errno == EINTR, CKR_DEVICE_ERROR);
    if (fn != NULL) {
        rv = fn(arg);
        if (rv != CKR_OK) {
            if (created)
                (void)unlink(path); /* a refused replacement leaves no trace */
            goto out;
        }
    }
    CH_CHECK_OUT(*store != NULL, CKR_ARGUMENTS_BAD);
    CH_TRY_OUT(ch_audit_tail(fd, tail, &tlen, &state));
    if (state == 0) {
        /* An empty log restarts at seq 1: an all-zero head with seq 0 says so. */
        memset(hash, 0, sizeof(hash));
        CH_TRY_OUT(ch_audit_head_put(*store, 0, hash));
    } else {
        CH_CHECK_OUT(state == 1, CKR_DEVICE_ERROR);
        CH_TRY_OUT(ch_audit_parse_line(tail, tlen, e, NULL));
        CH_TRY_OUT(ch_audit_line_hash(tail, tlen, hash));
        CH_TRY_OUT(ch_audit_head_put(*store, e->seq, hash));
    }
    if (ev != NULL)
        CH_TRY_OUT(append_locked(fd, *store, &opts, ev));
    rv = CKR_OK;
out:
    if (fd >= 0)
        close(fd); /* releases the flock */
    free(tail);
    free(e);
    return rv;
}
