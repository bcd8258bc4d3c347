/* SPDX-License-Identifier: Apache-2.0 */
/* craton-hsm-admin commands that do not go through PKCS#11: config check, backup, restore,
 * audit show/verify/export and selftest. They use the narrow API of craton_hsm/admin.h and the
 * audit reader; secrets (backup passphrases) are wiped after use. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin_int.h"
#include "audit/audit.h"
#include "crypto/crypto.h"
#include "fips/fips.h"
#include "util/ch_config.h"

/* ---- config check --------------------------------------------------------------------------- */

int ch_admin_cmd_config_check(struct ctx *c)
{
    struct ch_config *cfg = calloc(1, sizeof(*cfg));
    char err[512];
    if (cfg == NULL)
        return CH_EXIT_FAIL;
    if (c->o->config != NULL)
        setenv("CRATON_HSM_CONFIG", c->o->config, 1);
    int r = ch_config_load(NULL, cfg, err, sizeof(err));
    if (c->o->json) {
        struct jw w;
        ch_jw_init(&w, stdout);
        ch_jw_obj(&w);
        ch_jw_kbool(&w, "ok", r == 0);
        if (r != 0) {
            ch_jw_kstr(&w, "error", err);
        } else {
            ch_jw_kstr(&w, "source", cfg->source[0] ? cfg->source : NULL);
            ch_jw_kstr(&w, "storage_dir", cfg->storage_dir);
            ch_jw_ku64(&w, "slot_count", cfg->slot_count);
            ch_jw_ku64(&w, "pbkdf2_iterations", cfg->pbkdf2_iterations);
            ch_jw_ku64(&w, "max_failed_logins", cfg->max_failed_logins);
            ch_jw_ku64(&w, "min_pin_len", cfg->min_pin_len);
            ch_jw_ku64(&w, "max_pin_len", cfg->max_pin_len);
            ch_jw_kbool(&w, "allow_sha1_signing", cfg->allow_sha1_signing);
            ch_jw_kbool(&w, "allow_weak_rsa", cfg->allow_weak_rsa);
            ch_jw_kbool(&w, "enable_pqc", cfg->enable_pqc);
            ch_jw_kbool(&w, "approved_only", cfg->approved_only);
            ch_jw_kbool(&w, "audit_enabled", cfg->audit_enabled);
            ch_jw_kstr(&w, "audit_dir", cfg->audit_dir[0] ? cfg->audit_dir : cfg->storage_dir);
            ch_jw_kbool(&w, "audit_syslog", cfg->audit_syslog);
        }
        ch_jw_obj_end(&w);
        ch_jw_done(&w);
    } else if (r != 0) {
        ch_admin_err("configuration error: %s", err);
    } else {
        printf("configuration:      %s\n", cfg->source[0] ? cfg->source : "(built-in defaults)");
        printf("storage dir:        %s\n", cfg->storage_dir);
        printf("slots:              %u\n", (unsigned)cfg->slot_count);
        printf("pbkdf2 iterations:  %u\n", (unsigned)cfg->pbkdf2_iterations);
        printf("max failed logins:  %u\n", (unsigned)cfg->max_failed_logins);
        printf("PIN length:         %u..%u\n", (unsigned)cfg->min_pin_len,
               (unsigned)cfg->max_pin_len);
        printf("approved only:      %s\n", cfg->approved_only ? "yes" : "no");
        printf("PQC enabled:        %s\n", cfg->enable_pqc ? "yes" : "no");
        printf("audit:              %s, dir %s%s\n", cfg->audit_enabled ? "on" : "off",
               cfg->audit_dir[0] ? cfg->audit_dir : cfg->storage_dir,
               cfg->audit_syslog ? ", syslog copy" : "");
        printf("OK\n");
    }
    free(cfg);
    return r == 0 ? CH_EXIT_OK : CH_EXIT_USAGE;
}

/* ---- backup / restore ----------------------------------------------------------------------- */

struct prog {
    const struct ctx *c;
    int last_pct;
    const char *last_stage;
};

/* Progress on stderr for images of 4 MiB and more: one line per stage, 10% steps. */
static void on_progress(void *arg, const char *stage, uint64_t done, uint64_t total)
{
    struct prog *p = arg;
    if (p->c->o->quiet || total < (4u << 20))
        return;
    int pct = (int)(done * 100 / total);
    if (p->last_stage == NULL || strcmp(p->last_stage, stage) != 0) {
        p->last_stage = stage;
        p->last_pct = -100;
    }
    if (pct - p->last_pct >= 10 || (pct == 100 && p->last_pct != 100)) {
        fprintf(stderr, "%s: %3d%% (%.1f of %.1f MiB)\n", stage, pct, (double)done / 1048576.0,
                (double)total / 1048576.0);
        p->last_pct = pct;
    }
}

static int exit_for_archive_rv(CK_RV rv)
{
    switch (rv) {
    case CKR_OK: return CH_EXIT_OK;
    case CKR_DATA_INVALID:
    case CKR_DATA_LEN_RANGE:
    case CKR_ENCRYPTED_DATA_INVALID: return CH_EXIT_INTEGRITY;
    case CKR_ARGUMENTS_BAD: return CH_EXIT_USAGE;
    default: return CH_EXIT_FAIL;
    }
}

int ch_admin_cmd_backup(struct ctx *c)
{
    struct ch_admin_storage st;
    struct secret pass;
    struct prog pr = {c, -100, NULL};
    char err[512] = "";
    ch_admin_storage_of(c, &st);
    int ex = ch_admin_secret_get(c, CH_SECRET_NEW_PASSPHRASE, &pass);
    if (ex != CH_EXIT_OK)
        return ex;
    if (pass.len < 8) {
        ch_admin_secret_wipe(&pass);
        ch_admin_err("the backup passphrase must have at least 8 characters");
        return CH_EXIT_AUTH;
    }
    CK_RV rv = ch_admin_backup(&st, c->o->slot, (const uint8_t *)pass.v, pass.len,
                               c->o->iterations, c->o->output, c->o->force, on_progress, &pr, err,
                               sizeof(err));
    ch_admin_secret_wipe(&pass);
    if (rv != CKR_OK) {
        ch_admin_err("backup failed: %s", err[0] ? err : ch_admin_rv_name(rv));
        return rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_TOKEN_NOT_RECOGNIZED
                   ? CH_EXIT_FAIL
                   : exit_for_archive_rv(rv);
    }
    ch_admin_note(c, "backup of slot %u written to %s", (unsigned)c->o->slot, c->o->output);
    return CH_EXIT_OK;
}

int ch_admin_cmd_restore(struct ctx *c)
{
    struct ch_admin_storage st;
    struct ch_admin_backup_info info;
    struct secret pass;
    struct prog pr = {c, -100, NULL};
    char err[512] = "";
    uint32_t slot = 0;
    ch_admin_storage_of(c, &st);

    /* Cheap checks first: a foreign or truncated file is refused before asking anything. */
    CK_RV rv = ch_admin_backup_inspect(c->o->input, &info, err, sizeof(err));
    if (rv != CKR_OK) {
        ch_admin_err("refusing %s: %s; nothing was changed", c->o->input, err);
        return exit_for_archive_rv(rv);
    }
    int ex = ch_admin_secret_get(c, CH_SECRET_PASSPHRASE, &pass);
    if (ex != CH_EXIT_OK)
        return ex;
    rv = ch_admin_restore(&st, c->o->input, c->o->slot, (const uint8_t *)pass.v, pass.len,
                          c->o->force, &slot, on_progress, &pr, err, sizeof(err));
    ch_admin_secret_wipe(&pass);
    if (rv != CKR_OK) {
        ch_admin_err("restore failed: %s%s", err[0] ? err : ch_admin_rv_name(rv),
                     rv == CKR_TOKEN_WRITE_PROTECTED || exit_for_archive_rv(rv) == CH_EXIT_INTEGRITY
                         ? "; nothing was changed"
                         : "");
        return rv == CKR_TOKEN_WRITE_PROTECTED ? CH_EXIT_FAIL : exit_for_archive_rv(rv);
    }
    ch_admin_note(c, "token '%s' (serial %s) restored into slot %u", info.label, info.serial,
                  (unsigned)slot);
    return CH_EXIT_OK;
}

/* ---- audit ---------------------------------------------------------------------------------- */

static bool file_or_slot(const struct ctx *c)
{
    if (c->o->file != NULL && c->o->slot != CH_OPT_UNSET) {
        ch_admin_err("give --slot or --file, not both");
        return false;
    }
    return true;
}

/* Slots to look at: --slot, else every token-<n>.audit.jsonl in the audit directory. */
static size_t audit_slots(const struct ctx *c, uint32_t *out, size_t cap)
{
    if (c->o->slot != CH_OPT_UNSET) {
        out[0] = c->o->slot;
        return 1;
    }
    size_t n = 0;
    DIR *d = opendir(c->audit_dir);
    if (d == NULL)
        return 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < cap) {
        unsigned s;
        int used = 0;
        if (sscanf(de->d_name, "token-%u.audit.jsonl%n", &s, &used) == 1 &&
            de->d_name[used] == '\0')
            out[n++] = s;
    }
    closedir(d);
    /* ascending */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
            uint32_t t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS[.mmm]][Z]" (UTC) -> ms since the epoch. */
static bool parse_when(const char *s, int64_t *ms)
{
    struct tm tm;
    int Y = 0, M = 0, D = 0, h = 0, mi = 0, sec = 0, milli = 0, used = 0;
    memset(&tm, 0, sizeof(tm));
    if (sscanf(s, "%4d-%2d-%2d%n", &Y, &M, &D, &used) != 3)
        return false;
    const char *p = s + used;
    if (*p == 'T' || *p == ' ') {
        int u2 = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &u2) != 2)
            return false;
        p += 1 + u2;
        if (*p == ':') {
            if (sscanf(p + 1, "%2d%n", &sec, &u2) != 1)
                return false;
            p += 1 + u2;
            if (*p == '.') {
                if (sscanf(p + 1, "%3d%n", &milli, &u2) != 1)
                    return false;
                p += 1 + u2;
            }
        }
        if (*p == 'Z')
            p++;
    }
    if (*p != '\0' || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || mi > 59 || sec > 60)
        return false;
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *ms = (int64_t)timegm(&tm) * 1000 + milli;
    return true;
}

struct show {
    struct ctx *c;
    struct jw *w;  /* --json */
    FILE *out;
    int format;    /* 0 table, 1 jsonl verbatim, 2 syslog */
    bool has_since, has_until;
    int64_t since, until;
    uint64_t shown;
    char host[256];
};

static bool wanted(const struct show *s, const struct ch_audit_entry *e)
{
    if (s->has_since && e->time_ms < s->since)
        return false;
    if (s->has_until && e->time_ms >= s->until)
        return false;
    const char *ev = s->c->o->event;
    if (ev != NULL) {
        size_t n = strlen(ev);
        if (strncmp(e->event, ev, n) != 0 || (e->event[n] != '\0' && e->event[n] != '.'))
            return false;
    }
    return true;
}

static CK_RV show_cb(void *arg, const struct ch_audit_entry *e)
{
    struct show *s = arg;
    if (!wanted(s, e))
        return CKR_OK;
    s->shown++;
    if (s->format == 1) {
        fwrite(e->line, 1, e->line_len, s->out);
        fputc('\n', s->out);
        return CKR_OK;
    }
    if (s->format == 2) {
        /* RFC 5424: <PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG; authpriv.notice = 10*8+5 */
        fprintf(s->out, "<85>1 %s %s craton-hsm %lld audit - ", e->time, s->host,
                (long long)e->pid);
        fwrite(e->line, 1, e->line_len, s->out);
        fputc('\n', s->out);
        return CKR_OK;
    }
    if (s->w != NULL) {
        struct jw *w = s->w;
        ch_jw_obj(w);
        ch_jw_ku64(w, "seq", e->seq);
        ch_jw_kstr(w, "time", e->time);
        ch_jw_ku64(w, "pid", (uint64_t)e->pid);
        ch_jw_ku64(w, "slot", e->slot);
        ch_jw_key(w, "session");
        if (e->has_session)
            ch_jw_u64(w, e->session);
        else
            ch_jw_null(w);
        ch_jw_key(w, "user");
        if (!e->has_user)
            ch_jw_null(w);
        else if (ch_audit_user_name(e->user_type) != NULL)
            ch_jw_str(w, ch_audit_user_name(e->user_type));
        else
            ch_jw_u64(w, (unsigned long)e->user_type);
        ch_jw_kstr(w, "event", e->event);
        ch_jw_key(w, "mechanism");
        if (e->has_mechanism)
            ch_jw_u64(w, e->mechanism);
        else
            ch_jw_null(w);
        ch_jw_key(w, "object");
        if (e->has_object)
            ch_jw_u64(w, e->object_id);
        else
            ch_jw_null(w);
        ch_jw_kstr(w, "label", e->has_label ? e->label : NULL);
        ch_jw_ku64(w, "rv", e->rv);
        ch_jw_kstr(w, "rv_name", ch_admin_rv_name(e->rv));
        ch_jw_obj_end(w);
        return CKR_OK;
    }
    char mech[24] = "-", obj[24] = "-", sess[24] = "-";
    if (e->has_mechanism)
        snprintf(mech, sizeof(mech), "0x%08lx", e->mechanism);
    if (e->has_object)
        snprintf(obj, sizeof(obj), "%llu", (unsigned long long)e->object_id);
    if (e->has_session)
        snprintf(sess, sizeof(sess), "%lu", e->session);
    const char *user = e->has_user ? ch_audit_user_name(e->user_type) : "-";
    fprintf(s->out, "%6llu %s slot %u pid %lld sess %s user %s %-20s mech %s obj %s %s%s%s %s\n",
            (unsigned long long)e->seq, e->time, (unsigned)e->slot, (long long)e->pid, sess,
            user != NULL ? user : "?", e->event, mech, obj, e->has_label ? "label \"" : "",
            e->has_label ? e->label : "", e->has_label ? "\"" : "", ch_admin_rv_name(e->rv));
    return CKR_OK;
}

static int audit_walk(struct ctx *c, int format)
{
    struct ch_admin_storage st;
    struct jw w;
    struct show s;
    uint32_t slots[1024];
    int ex = CH_EXIT_OK;
    if (!file_or_slot(c))
        return CH_EXIT_USAGE;
    ch_admin_storage_of(c, &st);
    memset(&s, 0, sizeof(s));
    s.c = c;
    s.format = format;
    s.out = stdout;
    if (c->o->since != NULL && !(s.has_since = parse_when(c->o->since, &s.since))) {
        ch_admin_err("--since: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, got '%s'", c->o->since);
        return CH_EXIT_USAGE;
    }
    if (c->o->until != NULL && !(s.has_until = parse_when(c->o->until, &s.until))) {
        ch_admin_err("--until: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, got '%s'", c->o->until);
        return CH_EXIT_USAGE;
    }
    if (format == 2 && gethostname(s.host, sizeof(s.host) - 1) != 0)
        snprintf(s.host, sizeof(s.host), "-");
    if (c->o->output != NULL) {
        s.out = fopen(c->o->output, "w");
        if (s.out == NULL) {
            ch_admin_err("cannot write %s", c->o->output);
            return CH_EXIT_FAIL;
        }
    }
    if (format == 0 && c->o->json) {
        ch_jw_init(&w, s.out);
        s.w = &w;
        ch_jw_arr(&w);
    }
    size_t n = c->o->file != NULL ? 1 : audit_slots(c, slots, sizeof(slots) / sizeof(slots[0]));
    for (size_t i = 0; i < n; i++) {
        char path[4200];
        uint64_t bad = 0;
        if (c->o->file != NULL) {
            snprintf(path, sizeof(path), "%s", c->o->file);
            slots[i] = 0;
        } else if (ch_admin_audit_path(&st, slots[i], path, sizeof(path)) != CKR_OK) {
            continue;
        }
        CK_RV rv = ch_audit_read(path, show_cb, &s, &bad);
        if (rv == CKR_DATA_INVALID) {
            ch_admin_err("slot %u: entry %llu of %s is not a valid audit record (run 'audit "
                         "verify')",
                         (unsigned)slots[i], (unsigned long long)bad, path);
            ex = CH_EXIT_INTEGRITY;
        } else if (rv != CKR_OK) {
            ch_admin_err("slot %u: cannot read %s", (unsigned)slots[i], path);
            ex = CH_EXIT_FAIL;
        }
    }
    if (s.w != NULL) {
        ch_jw_arr_end(&w);
        ch_jw_done(&w);
    }
    if (s.out != stdout && fclose(s.out) != 0) {
        ch_admin_err("cannot write %s", c->o->output);
        ex = CH_EXIT_FAIL;
    }
    if (format != 0 || !c->o->json)
        ch_admin_note(c, "%llu entries", (unsigned long long)s.shown);
    return ex;
}

int ch_admin_cmd_audit_show(struct ctx *c)
{
    return audit_walk(c, 0);
}

int ch_admin_cmd_audit_export(struct ctx *c)
{
    const char *f = c->o->format;
    if (f == NULL || (strcmp(f, "jsonl") != 0 && strcmp(f, "syslog") != 0)) {
        ch_admin_err("audit export needs --format jsonl or --format syslog");
        return CH_EXIT_USAGE;
    }
    return audit_walk(c, strcmp(f, "jsonl") == 0 ? 1 : 2);
}

/* audit verify --file: the chain of one file, without a database head. */
static int verify_file(struct ctx *c)
{
    struct ch_audit_report r;
    CK_RV rv = ch_crypto_init();
    if (rv == CKR_OK)
        rv = ch_audit_verify(c->o->file, NULL, &r);
    if (rv != CKR_OK) {
        ch_admin_err("cannot verify %s: %s", c->o->file, ch_admin_rv_name(rv));
        return CH_EXIT_FAIL;
    }
    if (c->o->json) {
        struct jw w;
        ch_jw_init(&w, stdout);
        ch_jw_arr(&w);
        ch_jw_obj(&w);
        ch_jw_kstr(&w, "path", c->o->file);
        ch_jw_kbool(&w, "ok", r.ok);
        ch_jw_ku64(&w, "entries", r.entries);
        ch_jw_kbool(&w, "head_checked", false);
        ch_jw_key(&w, "first_bad_entry");
        if (r.ok)
            ch_jw_null(&w);
        else
            ch_jw_u64(&w, r.first_bad);
        ch_jw_kstr(&w, "reason", r.ok ? NULL : r.reason);
        ch_jw_obj_end(&w);
        ch_jw_arr_end(&w);
        ch_jw_done(&w);
    } else if (r.ok) {
        printf("%s: OK, %llu entries (chain only: no database head checked)\n", c->o->file,
               (unsigned long long)r.entries);
    } else {
        printf("%s: BROKEN at entry %llu: %s\n", c->o->file, (unsigned long long)r.first_bad,
               r.reason);
    }
    return r.ok ? CH_EXIT_OK : CH_EXIT_INTEGRITY;
}

int ch_admin_cmd_audit_verify(struct ctx *c)
{
    if (!file_or_slot(c))
        return CH_EXIT_USAGE;
    if (c->o->file != NULL)
        return verify_file(c);
    struct ch_admin_storage st;
    struct jw w;
    uint32_t slots[1024];
    int ex = CH_EXIT_OK;
    ch_admin_storage_of(c, &st);
    size_t n = audit_slots(c, slots, sizeof(slots) / sizeof(slots[0]));
    if (c->o->json) {
        ch_jw_init(&w, stdout);
        ch_jw_arr(&w);
    }
    for (size_t i = 0; i < n; i++) {
        struct ch_admin_audit_result r;
        char path[4200];
        if (ch_admin_audit_path(&st, slots[i], path, sizeof(path)) != CKR_OK)
            continue;
        CK_RV rv = ch_admin_audit_verify(&st, slots[i], &r);
        if (rv != CKR_OK) {
            ch_admin_err("slot %u: cannot verify %s: %s", (unsigned)slots[i], path,
                         ch_admin_rv_name(rv));
            if (ex == CH_EXIT_OK)
                ex = CH_EXIT_FAIL;
            continue;
        }
        if (!r.ok)
            ex = CH_EXIT_INTEGRITY;
        if (c->o->json) {
            ch_jw_obj(&w);
            ch_jw_ku64(&w, "slot", slots[i]);
            ch_jw_kstr(&w, "path", path);
            ch_jw_kbool(&w, "ok", r.ok);
            ch_jw_ku64(&w, "entries", r.entries);
            ch_jw_kbool(&w, "head_checked", r.head_checked);
            ch_jw_key(&w, "first_bad_entry");
            if (r.ok)
                ch_jw_null(&w);
            else
                ch_jw_u64(&w, r.first_bad);
            ch_jw_kstr(&w, "reason", r.ok ? NULL : r.reason);
            ch_jw_obj_end(&w);
        } else if (r.ok) {
            printf("slot %u: OK, %llu entries%s\n", (unsigned)slots[i],
                   (unsigned long long)r.entries,
                   r.head_checked ? ", chain head matches the token database"
                                  : (r.db_present ? "" : " (no token database: head not checked)"));
        } else {
            printf("slot %u: BROKEN at entry %llu: %s\n", (unsigned)slots[i],
                   (unsigned long long)r.first_bad, r.reason);
        }
    }
    if (c->o->json) {
        ch_jw_arr_end(&w);
        ch_jw_done(&w);
    } else if (n == 0) {
        printf("no audit logs in %s\n", c->audit_dir);
    }
    return ex;
}

/* ---- selftest ------------------------------------------------------------------------------- */

struct st_report {
    struct jw *w;
    unsigned passed, failed;
};

static void st_line(struct st_report *r, const char *name, CK_RV rv)
{
    if (rv == CKR_OK)
        r->passed++;
    else
        r->failed++;
    if (r->w != NULL) {
        ch_jw_obj(r->w);
        ch_jw_kstr(r->w, "test", name);
        ch_jw_kbool(r->w, "ok", rv == CKR_OK);
        ch_jw_kstr(r->w, "rv", ch_admin_rv_name(rv));
        ch_jw_obj_end(r->w);
    } else {
        printf("%-50s %s\n", name, rv == CKR_OK ? "pass" : "FAIL");
    }
}

/* The library's own integrity entry describes this executable, which carries no sidecar: the
 * module file's integrity is tested explicitly instead (below). */
static void st_cb(const char *name, CK_RV rv, void *arg)
{
    if (strncmp(name, "module integrity", 16) == 0)
        return;
    st_line(arg, name, rv);
}

int ch_admin_cmd_selftest(struct ctx *c)
{
    struct jw w;
    struct st_report r = {NULL, 0, 0};
    char name[4200];
    if (c->o->json) {
        ch_jw_init(&w, stdout);
        r.w = &w;
        ch_jw_obj(&w);
        ch_jw_key(&w, "tests");
        ch_jw_arr(&w);
    }
    const char *mod = ch_admin_module_path(c);
    snprintf(name, sizeof(name), "module integrity (%s)", mod);
    CK_RV irv = ch_crypto_init();
    if (irv == CKR_OK)
        irv = ch_fips_integrity_check_file(mod);
    st_line(&r, name, irv);

    setenv(CH_FIPS_SKIP_INTEGRITY_ENV, "1", 1);
    CK_RV rv = ch_fips_post_report(st_cb, &r);
    if (rv != CKR_OK && r.failed == 0)
        st_line(&r, "known-answer tests", rv);

    /* The module's own POST runs in C_Initialize; a failure there is reported by the module. */
    int ex = ch_admin_p11_open(c);
    st_line(&r, "module power-on self-tests (C_Initialize)", ex == CH_EXIT_OK ? CKR_OK
                                                                           : CKR_GENERAL_ERROR);
    ch_admin_p11_close(c);
    if (c->o->json) {
        ch_jw_arr_end(&w);
        ch_jw_ku64(&w, "passed", r.passed);
        ch_jw_ku64(&w, "failed", r.failed);
        ch_jw_kbool(&w, "ok", r.failed == 0);
        ch_jw_obj_end(&w);
        ch_jw_done(&w);
    } else {
        printf("%u passed, %u failed\n", r.passed, r.failed);
    }
    return r.failed == 0 ? CH_EXIT_OK : CH_EXIT_INTEGRITY;
}
