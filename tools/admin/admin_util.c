/* SPDX-License-Identifier: Apache-2.0 */
/* craton-hsm-admin helpers: messages and CKR_ names, exit-code mapping, PIN and passphrase
 * entry (terminal without echo, protected files, environment), a small JSON writer, hex.
 * Secrets live only in struct secret buffers that callers wipe; nothing here prints them. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "admin_int.h"
#include "util/ch_wipe.h"

/* ---- messages ------------------------------------------------------------------------------- */

void ch_admin_err(const char *fmt, ...)
{
    va_list ap;
    fputs("craton-hsm-admin: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void ch_admin_note(const struct ctx *c, const char *fmt, ...)
{
    va_list ap;
    if (c != NULL && c->o->quiet)
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

struct rv_name {
    CK_RV rv;
    const char *name;
};

#define RV(x) {x, #x}
static const struct rv_name rv_names[] = {
    RV(CKR_OK),
    RV(CKR_CANCEL),
    RV(CKR_HOST_MEMORY),
    RV(CKR_SLOT_ID_INVALID),
    RV(CKR_GENERAL_ERROR),
    RV(CKR_FUNCTION_FAILED),
    RV(CKR_ARGUMENTS_BAD),
    RV(CKR_NO_EVENT),
    RV(CKR_CANT_LOCK),
    RV(CKR_ATTRIBUTE_READ_ONLY),
    RV(CKR_ATTRIBUTE_SENSITIVE),
    RV(CKR_ATTRIBUTE_TYPE_INVALID),
    RV(CKR_ATTRIBUTE_VALUE_INVALID),
    RV(CKR_ACTION_PROHIBITED),
    RV(CKR_DATA_INVALID),
    RV(CKR_DATA_LEN_RANGE),
    RV(CKR_DEVICE_ERROR),
    RV(CKR_DEVICE_MEMORY),
    RV(CKR_DEVICE_REMOVED),
    RV(CKR_ENCRYPTED_DATA_INVALID),
    RV(CKR_ENCRYPTED_DATA_LEN_RANGE),
    RV(CKR_FUNCTION_CANCELED),
    RV(CKR_FUNCTION_NOT_PARALLEL),
    RV(CKR_FUNCTION_NOT_SUPPORTED),
    RV(CKR_KEY_HANDLE_INVALID),
    RV(CKR_KEY_SIZE_RANGE),
    RV(CKR_KEY_TYPE_INCONSISTENT),
    RV(CKR_KEY_FUNCTION_NOT_PERMITTED),
    RV(CKR_KEY_NOT_WRAPPABLE),
    RV(CKR_KEY_UNEXTRACTABLE),
    RV(CKR_MECHANISM_INVALID),
    RV(CKR_MECHANISM_PARAM_INVALID),
    RV(CKR_OBJECT_HANDLE_INVALID),
    RV(CKR_OPERATION_ACTIVE),
    RV(CKR_OPERATION_NOT_INITIALIZED),
    RV(CKR_PIN_INCORRECT),
    RV(CKR_PIN_INVALID),
    RV(CKR_PIN_LEN_RANGE),
    RV(CKR_PIN_EXPIRED),
    RV(CKR_PIN_LOCKED),
    RV(CKR_SESSION_CLOSED),
    RV(CKR_SESSION_COUNT),
    RV(CKR_SESSION_HANDLE_INVALID),
    RV(CKR_SESSION_PARALLEL_NOT_SUPPORTED),
    RV(CKR_SESSION_READ_ONLY),
    RV(CKR_SESSION_EXISTS),
    RV(CKR_SESSION_READ_ONLY_EXISTS),
    RV(CKR_SESSION_READ_WRITE_SO_EXISTS),
    RV(CKR_SIGNATURE_INVALID),
    RV(CKR_SIGNATURE_LEN_RANGE),
    RV(CKR_TEMPLATE_INCOMPLETE),
    RV(CKR_TEMPLATE_INCONSISTENT),
    RV(CKR_TOKEN_NOT_PRESENT),
    RV(CKR_TOKEN_NOT_RECOGNIZED),
    RV(CKR_TOKEN_WRITE_PROTECTED),
    RV(CKR_USER_ALREADY_LOGGED_IN),
    RV(CKR_USER_NOT_LOGGED_IN),
    RV(CKR_USER_PIN_NOT_INITIALIZED),
    RV(CKR_USER_TYPE_INVALID),
    RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
    RV(CKR_USER_TOO_MANY_TYPES),
    RV(CKR_DOMAIN_PARAMS_INVALID),
    RV(CKR_CURVE_NOT_SUPPORTED),
    RV(CKR_BUFFER_TOO_SMALL),
    RV(CKR_RANDOM_NO_RNG),
    RV(CKR_CRYPTOKI_NOT_INITIALIZED),
    RV(CKR_CRYPTOKI_ALREADY_INITIALIZED),
    RV(CKR_FUNCTION_REJECTED),
};
#undef RV

const char *ch_admin_rv_name(CK_RV rv)
{
    for (size_t i = 0; i < sizeof(rv_names) / sizeof(rv_names[0]); i++)
        if (rv_names[i].rv == rv)
            return rv_names[i].name;
    return "CKR_?";
}

int ch_admin_exit_for_rv(CK_RV rv)
{
    switch (rv) {
    case CKR_OK: return CH_EXIT_OK;
    case CKR_PIN_INCORRECT:
    case CKR_PIN_INVALID:
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_EXPIRED:
    case CKR_PIN_LOCKED:
    case CKR_USER_NOT_LOGGED_IN:
    case CKR_USER_PIN_NOT_INITIALIZED:
    case CKR_USER_TYPE_INVALID:
    case CKR_USER_ANOTHER_ALREADY_LOGGED_IN: return CH_EXIT_AUTH;
    default: return CH_EXIT_FAIL;
    }
}

int ch_admin_p11_fail(const char *what, CK_RV rv)
{
    const char *hint = "";
    if (rv == CKR_PIN_INCORRECT)
        hint = ": the PIN is incorrect";
    else if (rv == CKR_PIN_LOCKED)
        hint = ": the PIN is locked (the SO can reset it with 'pin unlock')";
    else if (rv == CKR_USER_PIN_NOT_INITIALIZED)
        hint = ": no user PIN yet (set one with 'pin init')";
    else if (rv == CKR_MECHANISM_INVALID)
        hint = ": the module does not offer this mechanism";
    else if (rv == CKR_TOKEN_NOT_RECOGNIZED)
        hint = ": the token is not initialized";
    ch_admin_err("%s failed: %s (0x%08lx)%s", what, ch_admin_rv_name(rv), (unsigned long)rv, hint);
    return ch_admin_exit_for_rv(rv);
}

/* ---- secrets ------------------------------------------------------------------------------ */

void ch_admin_secret_wipe(struct secret *s)
{
    ch_wipe(s, sizeof(*s));
}

int ch_admin_secret_file(const char *path, struct secret *s)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        ch_admin_err("cannot open %s: %s", path, strerror(errno));
        return CH_EXIT_USAGE;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ch_admin_err("%s is not a regular file", path);
        close(fd);
        return CH_EXIT_USAGE;
    }
    if ((st.st_mode & 077) != 0) {
        ch_admin_err("refusing %s: it is readable or writable by group or others (mode %04o); "
                     "run: chmod 600 %s",
                     path, (unsigned)(st.st_mode & 07777), path);
        close(fd);
        return CH_EXIT_USAGE;
    }
    if (st.st_uid != geteuid()) {
        ch_admin_err("refusing %s: it is owned by another user", path);
        close(fd);
        return CH_EXIT_USAGE;
    }
    char buf[CH_SECRET_MAX + 2];
    size_t n = 0;
    while (n < sizeof(buf)) {
        ssize_t k = read(fd, buf + n, sizeof(buf) - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    close(fd);
    size_t len = 0;
    while (len < n && buf[len] != '\n' && buf[len] != '\r')
        len++;
    if (len > CH_SECRET_MAX) {
        ch_wipe(buf, sizeof(buf));
        ch_admin_err("the secret in %s is longer than %d bytes", path, CH_SECRET_MAX);
        return CH_EXIT_USAGE;
    }
    memcpy(s->v, buf, len);
    s->v[len] = '\0';
    s->len = len;
    ch_wipe(buf, sizeof(buf));
    return CH_EXIT_OK;
}

/* Prompt on the controlling terminal with echo off; the line goes into s. */
static int tty_read(const char *prompt, struct secret *s)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -1;
    struct termios old, noecho;
    bool restore = false;
    if (tcgetattr(fd, &old) == 0) {
        noecho = old;
        noecho.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
        noecho.c_lflag |= ICANON;
        if (tcsetattr(fd, TCSAFLUSH, &noecho) == 0)
            restore = true;
    }
    if (write(fd, prompt, strlen(prompt)) < 0) {
        /* nothing useful to do: the read below still works */
    }
    size_t n = 0;
    char ch;
    bool ok = true;
    for (;;) {
        ssize_t k = read(fd, &ch, 1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            ok = n > 0;
            break;
        }
        if (ch == '\n' || ch == '\r')
            break;
        if (n < CH_SECRET_MAX)
            s->v[n++] = ch;
        else
            ok = false;
    }
    ch = 0;
    s->v[n] = '\0';
    s->len = n;
    if (restore)
        tcsetattr(fd, TCSAFLUSH, &old);
    if (write(fd, "\n", 1) < 0) {
        /* ignore */
    }
    close(fd);
    return ok ? 0 : -2;
}

struct secret_source {
    const char *what;     /* for prompts and messages */
    const char *file_opt; /* option names for messages */
    const char *env;
    bool confirm;         /* a new secret: type it twice */
};

static const struct secret_source sources[] = {
    [CH_SECRET_SO_PIN] = {"SO PIN", "--so-pin-file", "CRATON_HSM_SO_PIN", false},
    [CH_SECRET_PIN] = {"user PIN", "--pin-file", "CRATON_HSM_PIN", false},
    [CH_SECRET_NEW_PIN] = {"new user PIN", "--new-pin-file", "CRATON_HSM_NEW_PIN", true},
    [CH_SECRET_NEW_SO_PIN] = {"new SO PIN", "--new-pin-file", "CRATON_HSM_NEW_PIN", true},
    [CH_SECRET_INIT_SO_PIN] = {"SO PIN", "--so-pin-file", "CRATON_HSM_SO_PIN", true},
    [CH_SECRET_PASSPHRASE] = {"backup passphrase", "--passphrase-file",
                              "CRATON_HSM_BACKUP_PASSPHRASE", false},
    [CH_SECRET_NEW_PASSPHRASE] = {"backup passphrase", "--passphrase-file",
                                  "CRATON_HSM_BACKUP_PASSPHRASE", true},
    [CH_SECRET_KEY_PASSPHRASE] = {"passphrase of the key file", "--key-passphrase-file",
                                  "CRATON_HSM_KEY_PASSPHRASE", false},
};

int ch_admin_secret_get(const struct ctx *c, enum ch_secret_kind kind, struct secret *s)
{
    const struct opts *o = c->o;
    const struct secret_source *src = &sources[kind];
    const char *file = NULL, *value = NULL;
    memset(s, 0, sizeof(*s));
    switch (kind) {
    case CH_SECRET_SO_PIN:
    case CH_SECRET_INIT_SO_PIN: file = o->so_pin_file; value = o->so_pin; break;
    case CH_SECRET_PIN: file = o->pin_file; value = o->pin; break;
    case CH_SECRET_NEW_PIN:
    case CH_SECRET_NEW_SO_PIN: file = o->new_pin_file; value = o->new_pin; break;
    case CH_SECRET_PASSPHRASE:
    case CH_SECRET_NEW_PASSPHRASE: file = o->pass_file; value = o->pass; break;
    case CH_SECRET_KEY_PASSPHRASE: file = o->key_pass_file; value = o->key_pass; break;
    }
    if (file != NULL)
        return ch_admin_secret_file(file, s);
    if (value != NULL) {
        if (!o->insecure_cli_secret) {
            ch_admin_err("a %s on the command line lands in shell history and process lists; "
                         "use %s or %s, or add --insecure-pin-on-command-line",
                         src->what, src->file_opt, src->env);
            return CH_EXIT_USAGE;
        }
        if (strlen(value) > CH_SECRET_MAX) {
            ch_admin_err("the %s is too long", src->what);
            return CH_EXIT_USAGE;
        }
        s->len = strlen(value);
        memcpy(s->v, value, s->len);
        return CH_EXIT_OK;
    }
    const char *env = getenv(src->env);
    if (env != NULL) {
        if (strlen(env) > CH_SECRET_MAX) {
            ch_admin_err("%s is too long", src->env);
            return CH_EXIT_USAGE;
        }
        s->len = strlen(env);
        memcpy(s->v, env, s->len);
        return CH_EXIT_OK;
    }
    char prompt[80];
    snprintf(prompt, sizeof(prompt), "Enter %s: ", src->what);
    int r = tty_read(prompt, s);
    if (r == -1) {
        ch_admin_err("no %s given and no terminal to ask on: use %s FILE or %s", src->what,
                     src->file_opt, src->env);
        return CH_EXIT_USAGE;
    }
    if (r != 0 || s->len == 0) {
        ch_admin_secret_wipe(s);
        ch_admin_err("no %s entered (or longer than %d bytes)", src->what, CH_SECRET_MAX);
        return CH_EXIT_USAGE;
    }
    if (src->confirm) {
        struct secret again;
        snprintf(prompt, sizeof(prompt), "Repeat %s: ", src->what);
        r = tty_read(prompt, &again);
        bool same = r == 0 && again.len == s->len && memcmp(again.v, s->v, s->len) == 0;
        ch_admin_secret_wipe(&again);
        if (!same) {
            ch_admin_secret_wipe(s);
            ch_admin_err("the two entries of the %s differ", src->what);
            return CH_EXIT_USAGE;
        }
    }
    return CH_EXIT_OK;
}

/* ---- JSON ---------------------------------------------------------------------------------- */

void ch_jw_init(struct jw *w, FILE *f)
{
    memset(w, 0, sizeof(*w));
    w->f = f;
    w->first[0] = true;
}

static void sep(struct jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (!w->first[w->depth])
        fputc(',', w->f);
    w->first[w->depth] = false;
}

static void open_(struct jw *w, char ch)
{
    sep(w);
    fputc(ch, w->f);
    if (w->depth < 31)
        w->depth++;
    w->first[w->depth] = true;
}

static void close_(struct jw *w, char ch)
{
    if (w->depth > 0)
        w->depth--;
    fputc(ch, w->f);
}

void ch_jw_obj(struct jw *w) { open_(w, '{'); }
void ch_jw_obj_end(struct jw *w) { close_(w, '}'); }
void ch_jw_arr(struct jw *w) { open_(w, '['); }
void ch_jw_arr_end(struct jw *w) { close_(w, ']'); }

static void raw_str(struct jw *w, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', w->f);
    size_t i = 0;
    while (i < n) {
        unsigned char ch = p[i];
        if (ch == '"' || ch == '\\') {
            fputc('\\', w->f);
            fputc(ch, w->f);
            i++;
        } else if (ch < 0x20 || ch == 0x7F) {
            fprintf(w->f, "\\u%04x", ch);
            i++;
        } else if (ch < 0x80) {
            fputc(ch, w->f);
            i++;
        } else {
            /* copy valid UTF-8, escape stray bytes as U+00XX so the output stays JSON */
            size_t need = ch >= 0xF0 && ch <= 0xF4 ? 4 : ch >= 0xE0 ? 3 : ch >= 0xC2 ? 2 : 0;
            bool ok = need > 0 && i + need <= n && ch <= 0xF4;
            for (size_t k = 1; ok && k < need; k++)
                ok = (p[i + k] & 0xC0) == 0x80;
            if (ok) {
                fwrite(p + i, 1, need, w->f);
                i += need;
            } else {
                fprintf(w->f, "\\u%04x", ch);
                i++;
            }
        }
    }
    fputc('"', w->f);
}

void ch_jw_key(struct jw *w, const char *k)
{
    sep(w);
    raw_str(w, k, strlen(k));
    fputc(':', w->f);
    w->after_key = true;
}

void ch_jw_strn(struct jw *w, const char *s, size_t n)
{
    sep(w);
    raw_str(w, s, n);
}

void ch_jw_str(struct jw *w, const char *s)
{
    if (s == NULL) {
        ch_jw_null(w);
        return;
    }
    ch_jw_strn(w, s, strlen(s));
}

void ch_jw_u64(struct jw *w, uint64_t v)
{
    sep(w);
    fprintf(w->f, "%llu", (unsigned long long)v);
}

void ch_jw_i64(struct jw *w, int64_t v)
{
    sep(w);
    fprintf(w->f, "%lld", (long long)v);
}

void ch_jw_bool(struct jw *w, bool v)
{
    sep(w);
    fputs(v ? "true" : "false", w->f);
}

void ch_jw_null(struct jw *w)
{
    sep(w);
    fputs("null", w->f);
}

void ch_jw_kstr(struct jw *w, const char *k, const char *v)
{
    ch_jw_key(w, k);
    ch_jw_str(w, v);
}

void ch_jw_ku64(struct jw *w, const char *k, uint64_t v)
{
    ch_jw_key(w, k);
    ch_jw_u64(w, v);
}

void ch_jw_kbool(struct jw *w, const char *k, bool v)
{
    ch_jw_key(w, k);
    ch_jw_bool(w, v);
}

void ch_jw_done(struct jw *w)
{
    fputc('\n', w->f);
    fflush(w->f);
}

/* ---- helpers -------------------------------------------------------------------------------- */

void ch_admin_padded(char *out, const CK_UTF8CHAR *in, size_t n)
{
    while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\0'))
        n--;
    memcpy(out, in, n);
    out[n] = '\0';
}

int ch_admin_hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
    size_t n = 0;
    int hi = -1;
    if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
        hex += 2;
    for (const char *p = hex; *p != '\0'; p++) {
        int v;
        if (*p == ':' && hi < 0)
            continue;
        if (*p >= '0' && *p <= '9')
            v = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            v = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            v = *p - 'A' + 10;
        else
            return -1;
        if (hi < 0) {
            hi = v;
        } else {
            if (n >= cap)
                return -1;
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0)
        return -1;
    *len = n;
    return 0;
}

void ch_admin_hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[in[i] >> 4];
        out[2 * i + 1] = hx[in[i] & 15];
    }
    out[2 * n] = '\0';
}

bool ch_admin_parse_u32(const char *s, uint32_t *v)
{
    char *end = NULL;
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || x > UINT32_MAX)
        return false;
    *v = (uint32_t)x;
    return true;
}
