/* SPDX-License-Identifier: Apache-2.0 */
/* src/audit reader and verifier: a strict parser for the one line shape the writer produces
 * (fixed key order, no whitespace, RFC 8259 strings), a streaming line reader, and the chain
 * walk that reports the first missing, altered or misplaced entry. Reads only; never repairs. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit_int.h"
#include "store/store.h"
#include "util/ch_ct.h"

#define ULONG_MAX_AS_U64 ((uint64_t)ULONG_MAX)

/* ---- strict line parser -------------------------------------------------------------------- */

struct cur {
    const char *p, *end;
};

static bool lit(struct cur *c, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(c->end - c->p) < n || strncmp(c->p, s, n) != 0)
        return false;
    c->p += n;
    return true;
}

/* Unsigned decimal, no sign, no leading zero (except "0"), no overflow. */
static bool parse_u64(struct cur *c, uint64_t *out)
{
    const char *s = c->p;
    uint64_t v = 0;
    if (s >= c->end || *s < '0' || *s > '9')
        return false;
    if (*s == '0' && s + 1 < c->end && s[1] >= '0' && s[1] <= '9')
        return false;
    while (s < c->end && *s >= '0' && *s <= '9') {
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
        s++;
    }
    c->p = s;
    *out = v;
    return true;
}

static int hex4(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char ch = s[i];
        uint32_t d;
        if (ch >= '0' && ch <= '9')
            d = (uint32_t)(ch - '0');
        else if (ch >= 'a' && ch <= 'f')
            d = (uint32_t)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F')
            d = (uint32_t)(ch - 'A' + 10);
        else
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A JSON string (RFC 8259 §7) decoded into out (cap bytes incl. NUL). Raw control characters,
 * invalid UTF-8, bad escapes and lone surrogates are rejected. */
static bool parse_string(struct cur *c, char *out, size_t cap)
{
    size_t n = 0;
    if (c->p >= c->end || *c->p != '"')
        return false;
    c->p++;
    while (c->p < c->end) {
        uint8_t ch = (uint8_t)*c->p;
        char tmp[4];
        size_t k;
        if (ch == '"') {
            c->p++;
            if (n >= cap)
                return false;
            out[n] = '\0';
            return true;
        }
        if (ch < 0x20)
            return false;
        if (ch == '\\') {
            if (c->end - c->p < 2)
                return false;
            char e = c->p[1];
            c->p += 2;
            uint32_t cp;
            switch (e) {
            case '"': cp = '"'; break;
            case '\\': cp = '\\'; break;
            case '/': cp = '/'; break;
            case 'b': cp = '\b'; break;
            case 'f': cp = '\f'; break;
            case 'n': cp = '\n'; break;
            case 'r': cp = '\r'; break;
            case 't': cp = '\t'; break;
            case 'u':
                if (c->end - c->p < 4 || hex4(c->p, &cp) != 0)
                    return false;
                c->p += 4;
                if (cp >= 0xDC00 && cp <= 0xDFFF)
                    return false;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    uint32_t lo;
                    if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' ||
                        hex4(c->p + 2, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF)
                        return false;
                    c->p += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                break;
            default: return false;
            }
            k = put_utf8(tmp, cp);
        } else {
            k = ch_audit_utf8_len((const uint8_t *)c->p, (size_t)(c->end - c->p));
            if (k == 0)
                return false;
            memcpy(tmp, c->p, k);
            c->p += k;
        }
        if (cap - n <= k)
            return false;
        memcpy(out + n, tmp, k);
        n += k;
    }
    return false;
}

static bool parse_null(struct cur *c)
{
    return lit(c, "null");
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" -> milliseconds since the epoch. */
static bool parse_time(const char *s, int64_t *ms)
{
    int Y, M, D, h, m, sec, milli;
    char z;
    int used = 0;
    if (strlen(s) != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[19] != '.')
        return false;
    for (int i = 0; i < 23; i++)
        if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && i != 19 &&
            (s[i] < '0' || s[i] > '9'))
            return false;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c%n", &Y, &M, &D, &h, &m, &sec, &milli, &z,
               &used) != 8 ||
        z != 'Z' || used != 24)
        return false;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return false;
    struct tm tm = {0};
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    *ms = (int64_t)t * 1000 + milli;
    return true;
}

static bool event_ok(const char *ev)
{
    size_t n = strlen(ev);
    if (n == 0 || n > CH_AUDIT_EVENT_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = ev[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
              ch == '-'))
            return false;
    }
    return true;
}

static bool parse_prev(struct cur *c, uint8_t prev[CH_AUDIT_HASH_LEN])
{
    if (!lit(c, "\"") || c->end - c->p < 2 * CH_AUDIT_HASH_LEN + 1)
        return false;
    for (size_t i = 0; i < CH_AUDIT_HASH_LEN; i++) {
        uint8_t v = 0;
        for (int j = 0; j < 2; j++) {
            char ch = c->p[2 * i + (size_t)j];
            if (ch >= '0' && ch <= '9')
                v = (uint8_t)(v << 4 | (ch - '0'));
            else if (ch >= 'a' && ch <= 'f')
                v = (uint8_t)(v << 4 | (ch - 'a' + 10));
            else
                return false; /* lower-case only, as written */
        }
        prev[i] = v;
    }
    c->p += 2 * CH_AUDIT_HASH_LEN;
    return lit(c, "\"");
}

/* Optional unsigned number: null or digits. */
static bool parse_opt_u64(struct cur *c, bool *has, uint64_t *v)
{
    *has = false;
    *v = 0;
    if (parse_null(c))
        return true;
    *has = true;
    return parse_u64(c, v);
}

CK_RV ch_audit_parse_line(const char *line, size_t len, struct ch_audit_entry *e,
                          const char **why)
{
    struct cur c = {line, line + len};
    uint64_t v;
    bool has;
    const char *w = NULL;
    uint64_t line_no = e->line_no;

    memset(e, 0, sizeof(*e));
    e->line_no = line_no;
    e->line = line;
    e->line_len = len;
    e->user_type = CH_AUDIT_USER_NONE;

#define STEP(cond, reason)                                                                         \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            w = (reason);                                                                          \
            goto bad;                                                                              \
        }                                                                                          \
    } while (0)

    STEP(len < CH_AUDIT_LINE_MAX, "line too long");
    STEP(lit(&c, "{\"seq\":") && parse_u64(&c, &e->seq) && e->seq > 0, "bad or missing \"seq\"");
    STEP(lit(&c, ",\"time\":") && parse_string(&c, e->time, sizeof(e->time)) &&
             parse_time(e->time, &e->time_ms),
         "bad or missing \"time\"");
    STEP(lit(&c, ",\"pid\":") && parse_u64(&c, &v) && v <= INT64_MAX, "bad or missing \"pid\"");
    e->pid = (int64_t)v;
    STEP(lit(&c, ",\"slot\":") && parse_u64(&c, &v) && v <= UINT32_MAX, "bad or missing \"slot\"");
    e->slot = (uint32_t)v;
    STEP(lit(&c, ",\"session\":") && parse_opt_u64(&c, &has, &v) && v <= ULONG_MAX_AS_U64,
         "bad or missing \"session\"");
    e->has_session = has;
    e->session = (unsigned long)v;
    STEP(lit(&c, ",\"user\":"), "missing \"user\"");
    if (parse_null(&c)) {
        e->has_user = false;
    } else if (c.p < c.end && *c.p == '"') {
        char u[24];
        STEP(parse_string(&c, u, sizeof(u)), "bad \"user\"");
        if (strcmp(u, "so") == 0)
            e->user_type = (long)CKU_SO;
        else if (strcmp(u, "user") == 0)
            e->user_type = (long)CKU_USER;
        else if (strcmp(u, "context_specific") == 0)
            e->user_type = (long)CKU_CONTEXT_SPECIFIC;
        else
            STEP(false, "unknown \"user\"");
        e->has_user = true;
    } else {
        STEP(parse_u64(&c, &v) && v <= ULONG_MAX_AS_U64, "bad \"user\"");
        e->has_user = true;
        e->user_type = (long)(unsigned long)v;
    }
    STEP(lit(&c, ",\"event\":") && parse_string(&c, e->event, sizeof(e->event)) &&
             event_ok(e->event),
         "bad or missing \"event\"");
    STEP(lit(&c, ",\"mechanism\":") && parse_opt_u64(&c, &has, &v) && v <= ULONG_MAX_AS_U64,
         "bad or missing \"mechanism\"");
    e->has_mechanism = has;
    e->mechanism = (unsigned long)v;
    STEP(lit(&c, ",\"object\":") && parse_opt_u64(&c, &e->has_object, &e->object_id),
         "bad or missing \"object\"");
    STEP(lit(&c, ",\"label\":"), "missing \"label\"");
    if (!parse_null(&c)) {
        STEP(parse_string(&c, e->label, sizeof(e->label)), "bad \"label\"");
        e->has_label = true;
    }
    STEP(lit(&c, ",\"rv\":") && parse_u64(&c, &v) && v <= ULONG_MAX_AS_U64,
         "bad or missing \"rv\"");
    e->rv = (unsigned long)v;
    STEP(lit(&c, ",\"prev\":") && parse_prev(&c, e->prev), "bad or missing \"prev\"");
    STEP(lit(&c, "}") && c.p == c.end, "unexpected text after the object");
#undef STEP
    if (why != NULL)
        *why = "";
    return CKR_OK;
bad:
    if (why != NULL)
        *why = w;
    return CKR_DATA_INVALID;
}

/* ---- line reader ---------------------------------------------------------------------------- */

/* Reads lines of at most CH_AUDIT_LINE_MAX bytes; longer lines are returned cut, flagged. */
struct lines {
    int fd;
    char *buf; /* 2 * CH_AUDIT_LINE_MAX */
    size_t start, end;
    bool eof;
    uint64_t left; /* bytes of the file still to read: its size when the walk began */
};

/* read(2) bounded by l->left: lines appended after the walk began are not part of it. */
static ssize_t bounded_read(struct lines *l, char *dst, size_t n)
{
    if ((uint64_t)n > l->left)
        n = (size_t)l->left;
    if (n == 0)
        return 0;
    ssize_t k = read(l->fd, dst, n);
    if (k > 0)
        l->left -= (uint64_t)k;
    return k;
}

/* Fix the extent of the walk under a shared lock: writers hold LOCK_EX across writing a line
 * and updating the head, so the size seen here ends on a whole line and matches the head read
 * under the same lock (when head_* is not NULL). The lock is released before reading, so a slow
 * reader (a pager behind 'audit show') never holds the module's writers up. */
static CK_RV lines_snapshot(struct lines *l, struct ch_store *store, bool *head_present,
                            uint64_t *head_seq, uint8_t *head_hash)
{
    struct stat sb;
    CK_RV rv = CKR_OK;
    while (flock(l->fd, LOCK_SH) != 0)
        if (errno != EINTR)
            return CKR_DEVICE_ERROR;
    if (fstat(l->fd, &sb) != 0)
        rv = CKR_DEVICE_ERROR;
    else
        l->left = (uint64_t)sb.st_size;
    if (rv == CKR_OK && store != NULL)
        rv = ch_audit_head_get(store, head_present, head_seq, head_hash);
    (void)flock(l->fd, LOCK_UN);
    return rv;
}

/* 1: a line in (*p, *n) (*complete false when the file ended without a newline, *toolong when
 * cut); 0: end of file; -1: read error. */
static int next_line(struct lines *l, const char **p, size_t *n, bool *complete, bool *toolong)
{
    const size_t cap = 2 * CH_AUDIT_LINE_MAX;
    *toolong = false;
    for (;;) {
        char *nl = memchr(l->buf + l->start, '\n', l->end - l->start);
        if (nl != NULL) {
            *p = l->buf + l->start;
            *n = (size_t)(nl - *p);
            *complete = true;
            l->start = (size_t)(nl - l->buf) + 1;
            return 1;
        }
        if (l->end - l->start >= CH_AUDIT_LINE_MAX) {
            /* Overlong line: hand back its head and skip to its end. */
            *p = l->buf + l->start;
            *n = CH_AUDIT_LINE_MAX;
            *complete = true;
            *toolong = true;
            for (;;) {
                char *q = memchr(l->buf + l->start, '\n', l->end - l->start);
                if (q != NULL) {
                    l->start = (size_t)(q - l->buf) + 1;
                    return 1;
                }
                l->start = l->end = 0;
                ssize_t k = bounded_read(l, l->buf, cap);
                if (k < 0 && errno == EINTR)
                    continue;
                if (k < 0)
                    return -1;
                if (k == 0) {
                    l->eof = true;
                    *complete = false;
                    return 1;
                }
                l->end = (size_t)k;
                /* *p now points at overwritten data; the caller only reports the line number. */
            }
        }
        if (l->eof) {
            if (l->end == l->start)
                return 0;
            *p = l->buf + l->start;
            *n = l->end - l->start;
            *complete = false;
            l->start = l->end;
            return 1;
        }
        if (l->start > 0) {
            memmove(l->buf, l->buf + l->start, l->end - l->start);
            l->end -= l->start;
            l->start = 0;
        }
        ssize_t k = bounded_read(l, l->buf + l->end, cap - l->end);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0)
            l->eof = true;
        l->end += (size_t)k;
    }
}

static CK_RV lines_open(const char *path, struct lines *l, bool *missing)
{
    memset(l, 0, sizeof(*l));
    *missing = false;
    l->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (l->fd < 0) {
        if (errno == ENOENT) {
            *missing = true;
            return CKR_OK;
        }
        return CKR_DEVICE_ERROR;
    }
    l->buf = malloc(2 * CH_AUDIT_LINE_MAX);
    if (l->buf == NULL) {
        close(l->fd);
        l->fd = -1;
        return CKR_HOST_MEMORY;
    }
    return CKR_OK;
}

static void lines_close(struct lines *l)
{
    if (l->fd >= 0)
        close(l->fd);
    free(l->buf);
}

CK_RV ch_audit_read(const char *path, ch_audit_entry_cb cb, void *arg, uint64_t *bad_line)
{
    CH_CHECK(path != NULL && cb != NULL, CKR_ARGUMENTS_BAD);
    struct lines l;
    bool missing;
    struct ch_audit_entry *e = malloc(sizeof(*e));
    CK_RV rv;
    if (bad_line != NULL)
        *bad_line = 0;
    CH_CHECK(e != NULL, CKR_HOST_MEMORY);
    rv = lines_open(path, &l, &missing);
    if (rv != CKR_OK || missing) {
        free(e);
        return rv;
    }
    CH_TRY_OUT(lines_snapshot(&l, NULL, NULL, NULL, NULL));
    uint64_t no = 0;
    for (;;) {
        const char *p;
        size_t n;
        bool complete, toolong;
        int r = next_line(&l, &p, &n, &complete, &toolong);
        CH_CHECK_OUT(r >= 0, CKR_DEVICE_ERROR);
        if (r == 0)
            break;
        no++;
        e->line_no = no;
        if (!complete || toolong || ch_audit_parse_line(p, n, e, NULL) != CKR_OK) {
            if (bad_line != NULL)
                *bad_line = no;
            rv = CKR_DATA_INVALID;
            goto out;
        }
        CH_TRY_OUT(cb(arg, e));
    }
    rv = CKR_OK;
out:
    lines_close(&l);
    free(e);
    return rv;
}

/* ---- verifier ---------------------------------------------------------------------------------- */

static void fail(struct ch_audit_report *r, uint64_t entry, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct ch_audit_report *r, uint64_t entry, const char *fmt, ...)
{
    va_list ap;
    r->ok = false;
    r->first_bad = entry;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
    va_end(ap);
}

static bool hash_eq(const uint8_t *a, const uint8_t *b)
{
    return ch_ct_eq(a, b, CH_AUDIT_HASH_LEN) == 1;
}

/* The walk keeps the hash of the previous line and, once one link is broken, looks one line
 * further to tell which side of the link was altered: when the prev field of entry j does not
 * match the hash of entry j-1, either entry j-1 was changed (then entry j+1 still links to
 * entry j) or entry j itself was changed in its prev field (then entry j+1 does not link to it
 * either, or for the last entry, the database head does not match it). */
CK_RV ch_audit_verify(const char *path, struct ch_store *store, struct ch_audit_report *out)
{
    CH_CHECK(path != NULL && out != NULL, CKR_ARGUMENTS_BAD);
    struct ch_audit_report *r = out;
    struct lines l;
    bool missing, head_present = false;
    uint64_t head_seq = 0, no = 0, broken_link = 0;
    uint8_t head_hash[CH_AUDIT_HASH_LEN] = {0}, prev_hash[CH_AUDIT_HASH_LEN] = {0};
    uint8_t hash[CH_AUDIT_HASH_LEN], hash_at_head[CH_AUDIT_HASH_LEN] = {0};
    struct ch_audit_entry *e = NULL;
    CK_RV rv;

    memset(r, 0, sizeof(*r));
    r->ok = true;
    CH_TRY(lines_open(path, &l, &missing));
    /* File extent and head are taken together under the writers' lock, so a concurrent append
     * can look neither like truncation nor like a forgery. */
    if (!missing)
        CH_TRY_OUT(lines_snapshot(&l, store, &head_present, &head_seq, head_hash));
    else if (store != NULL)
        CH_TRY_OUT(ch_audit_head_get(store, &head_present, &head_seq, head_hash));
    if (store != NULL) {
        r->head_present = head_present;
        r->head_checked = head_present;
        r->head_seq = head_seq;
    }
    e = malloc(sizeof(*e));
    CH_CHECK_OUT(e != NULL, CKR_HOST_MEMORY);

    while (!missing) {
        const char *p;
        size_t n;
        bool complete, toolong;
        int rr = next_line(&l, &p, &n, &complete, &toolong);
        CH_CHECK_OUT(rr >= 0, CKR_DEVICE_ERROR);
        if (rr == 0)
            break;
        no++;
        r->entries = no;
        if (!r->ok)
            continue; /* count the remaining lines only */
        const char *why = NULL;
        e->line_no = no;
        if (toolong) {
            fail(r, no, "entry %llu: line longer than %u bytes", (unsigned long long)no,
                 (unsigned)CH_AUDIT_LINE_MAX);
            continue;
        }
        if (!complete) {
            fail(r, no, "entry %llu: incomplete last line (the file was truncated or a write "
                        "was interrupted)",
                 (unsigned long long)no);
            continue;
        }
        if (ch_audit_parse_line(p, n, e, &why) != CKR_OK) {
            fail(r, broken_link != 0 ? broken_link : no, "entry %llu: not a valid audit record (%s)",
                 (unsigned long long)no, why);
            continue;
        }
        CH_TRY_OUT(ch_audit_line_hash(p, n, hash));
        if (broken_link != 0) {
            /* Decide which side of the broken link at entry broken_link was altered. */
            uint64_t j = broken_link;
            if (hash_eq(e->prev, prev_hash))
                fail(r, j - 1,
                     "entry %llu: its hash no longer matches the \"prev\" of entry %llu "
                     "(entry %llu was altered)",
                     (unsigned long long)(j - 1), (unsigned long long)j,
                     (unsigned long long)(j - 1));
            else
                fail(r, j, "entry %llu: \"prev\" does not match entry %llu (entry %llu was altered)",
                     (unsigned long long)j, (unsigned long long)(j - 1), (unsigned long long)j);
            continue;
        }
        if (e->seq != no) {
            fail(r, no,
                 "entry %llu: sequence number %llu where %llu was expected (entries deleted, "
                 "inserted or reordered)",
                 (unsigned long long)no, (unsigned long long)e->seq, (unsigned long long)no);
            continue;
        }
        if (!hash_eq(e->prev, prev_hash)) {
            if (no == 1) {
                fail(r, 1, "entry 1: \"prev\" is not 64 zeros (the start of the log is missing)");
                continue;
            }
            broken_link = no; /* attributed at the next line or at the end */
        }
        memcpy(prev_hash, hash, sizeof(prev_hash));
        r->last_seq = e->seq;
        memcpy(r->last_hash, hash, sizeof(hash));
        if (head_present && e->seq == head_seq)
            memcpy(hash_at_head, hash, sizeof(hash));
    }

    if (r->ok && broken_link != 0) {
        /* The broken link is at the last entry: the head tells whether that entry is intact. */
        uint64_t j = broken_link;
        if (head_present && head_seq == j && hash_eq(head_hash, prev_hash))
            fail(r, j - 1,
                 "entry %llu: its hash no longer matches the \"prev\" of entry %llu (entry %llu "
                 "was altered)",
                 (unsigned long long)(j - 1), (unsigned long long)j, (unsigned long long)(j - 1));
        else
            fail(r, j, "entry %llu: \"prev\" does not match entry %llu", (unsigned long long)j,
                 (unsigned long long)(j - 1));
    }
    if (r->ok && store != NULL) {
        uint64_t last = r->last_seq;
        if (!head_present) {
            if (r->entries > 0)
                fail(r, 1,
                     "the token database holds no chain head for this log of %llu entries (the "
                     "database was replaced or its head removed)",
                     (unsigned long long)r->entries);
        } else if (head_seq > last) {
            fail(r, last + 1,
                 "entries %llu..%llu are missing: the log ends at entry %llu but the database "
                 "head is at %llu (truncated)",
                 (unsigned long long)(last + 1), (unsigned long long)head_seq,
                 (unsigned long long)last, (unsigned long long)head_seq);
        } else if (head_seq == 0) {
            if (last > 0 || !hash_eq(head_hash, hash_at_head))
                fail(r, 1, "entry 1: not confirmed by the database head (which marks an empty log)");
        } else if (!hash_eq(head_hash, hash_at_head)) {
            fail(r, head_seq,
                 "entry %llu: does not match the chain head kept in the token database "
                 "(rewritten)",
                 (unsigned long long)head_seq);
        } else if (head_seq < last) {
            fail(r, head_seq + 1,
                 "entry %llu: not confirmed by the database head (at %llu): appended outside the "
                 "module, or an append was interrupted",
                 (unsigned long long)(head_seq + 1), (unsigned long long)head_seq);
        }
    }
    rv = CKR_OK;
out:
    lines_close(&l);
    free(e);
    return rv;
}
