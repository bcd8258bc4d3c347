/* SPDX-License-Identifier: Apache-2.0 */
/* Configuration loader over libinih. Each key is described once in a table (section, name,
 * kind, bounds, destination offset); parsing, defaults and error messages follow from it. */
#include "util/ch_config.h"

#include <errno.h>
#include <ini.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/check.h"

enum kind { K_U32, K_BOOL, K_PATH, K_LEVEL };

struct key {
    const char *section;
    const char *name;
    enum kind kind;
    uint32_t min, max;
    size_t off;
};

#define OFF(f) offsetof(struct ch_config, f)

static const struct key keys[] = {
    {"storage", "dir", K_PATH, 0, 0, OFF(storage_dir)},
    {"slots", "count", K_U32, 1, CH_MAX_SLOTS, OFF(slot_count)},
    {"security", "pbkdf2_iterations", K_U32, 10000, 100000000, OFF(pbkdf2_iterations)},
    {"security", "max_failed_logins", K_U32, 0, 1000, OFF(max_failed_logins)},
    {"security", "min_pin_len", K_U32, 1, 255, OFF(min_pin_len)},
    {"security", "max_pin_len", K_U32, 1, 255, OFF(max_pin_len)},
    {"security", "backoff_initial_ms", K_U32, 0, 60000, OFF(backoff_initial_ms)},
    {"security", "backoff_max_ms", K_U32, 0, 600000, OFF(backoff_max_ms)},
    {"security", "max_sessions", K_U32, 1, 1000000, OFF(max_sessions)},
    {"algorithms", "allow_sha1_signing", K_BOOL, 0, 0, OFF(allow_sha1_signing)},
    {"algorithms", "allow_weak_rsa", K_BOOL, 0, 0, OFF(allow_weak_rsa)},
    {"algorithms", "enable_pqc", K_BOOL, 0, 0, OFF(enable_pqc)},
    {"fips", "approved_only", K_BOOL, 0, 0, OFF(approved_only)},
    {"audit", "enabled", K_BOOL, 0, 0, OFF(audit_enabled)},
    {"audit", "dir", K_PATH, 0, 0, OFF(audit_dir)},
    {"audit", "syslog", K_BOOL, 0, 0, OFF(audit_syslog)},
    {"logging", "level", K_LEVEL, 0, 0, OFF(log_level)},
    {"logging", "file", K_PATH, 0, 0, OFF(log_file)},
};

void ch_config_defaults(struct ch_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    const char *home = getenv("HOME");
    if (home != NULL && home[0] == '/')
        snprintf(cfg->storage_dir, sizeof(cfg->storage_dir), "%s/.local/share/craton-hsm", home);
    else
        snprintf(cfg->storage_dir, sizeof(cfg->storage_dir), "/var/lib/craton-hsm");
    cfg->slot_count = 1;
    cfg->pbkdf2_iterations = 600000;
    cfg->max_failed_logins = 10;
    cfg->min_pin_len = 4;
    cfg->max_pin_len = 255;
    cfg->backoff_initial_ms = 100;
    cfg->backoff_max_ms = 5000;
    cfg->max_sessions = 4096;
    cfg->allow_sha1_signing = false;
    cfg->allow_weak_rsa = false;
    cfg->enable_pqc = true;
    cfg->approved_only = false;
    cfg->audit_enabled = true;
    cfg->audit_syslog = false;
    cfg->log_level = CH_LOG_WARN;
}

struct parse_ctx {
    struct ch_config *cfg;
    const char *path;
    char *err;
    size_t err_cap;
    int failed;
    FILE *f;
    int line; /* counted by our reader: Debian's libinih passes no line numbers */
};

static int fail(struct parse_ctx *pc, int line, const char *section, const char *name,
                const char *what)
{
    if (!pc->failed)
        snprintf(pc->err, pc->err_cap, "%s:%d: [%s] %s: %s", pc->path, line, section, name, what);
    pc->failed = 1;
    return 0;
}

static int parse_bool(const char *v, bool *out)
{
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1") || !strcasecmp(v, "on"))
        *out = true;
    else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0") ||
             !strcasecmp(v, "off"))
        *out = false;
    else
        return -1;
    return 0;
}

/* TOML-style quoting is accepted: "value" or 'value'. */
static void unquote(const char *v, char *out, size_t cap)
{
    size_t n = strlen(v);
    if (n >= 2 && ((v[0] == '"' && v[n - 1] == '"') || (v[0] == '\'' && v[n - 1] == '\''))) {
        v++;
        n -= 2;
    }
    if (n >= cap)
        n = cap - 1;
    memcpy(out, v, n);
    out[n] = '\0';
}

static char *reader(char *str, int num, void *stream)
{
    struct parse_ctx *pc = stream;
    char *r = fgets(str, num, pc->f);
    if (r != NULL)
        pc->line++;
    return r;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
    struct parse_ctx *pc = user;
    int line = pc->line;
    char v[CH_CONFIG_PATH_MAX];
    if (name == NULL)
        return 1; /* a section header alone */
    unquote(value, v, sizeof(v));
    for (size_t i = 0; i < CH_ARRAY_LEN(keys); i++) {
        const struct key *k = &keys[i];
        if (strcmp(k->section, section) != 0 || strcmp(k->name, name) != 0)
            continue;
        char *dst = (char *)pc->cfg + k->off;
        switch (k->kind) {
        case K_U32: {
            char *end = NULL;
            errno = 0;
            unsigned long x = strtoul(v, &end, 10);
            if (v[0] == '\0' || v[0] == '-' || *end != '\0' || errno != 0 || x < k->min ||
                x > k->max) {
                char what[96];
                snprintf(what, sizeof(what), "expected an integer from %u to %u", k->min, k->max);
                return fail(pc, line, section, name, what);
            }
            *(uint32_t *)(void *)dst = (uint32_t)x;
            return 1;
        }
        case K_BOOL:
            if (parse_bool(v, (bool *)(void *)dst) != 0)
                return fail(pc, line, section, name, "expected true or false");
            return 1;
        case K_PATH:
            if (strlen(v) >= CH_CONFIG_PATH_MAX - 64)
                return fail(pc, line, section, name, "path too long");
            if (v[0] != '\0' && v[0] != '/' && strcmp(name, "file") != 0 && strcmp(name, "dir") != 0)
                return fail(pc, line, section, name, "expected an absolute path");
            memcpy(dst, v, strlen(v) + 1);
            return 1;
        case K_LEVEL: {
            static const char *names[] = {"error", "warn", "info", "debug"};
            for (size_t j = 0; j < CH_ARRAY_LEN(names); j++) {
                if (!strcasecmp(v, names[j])) {
                    *(enum ch_log_level *)(void *)dst = (enum ch_log_level)j;
                    return 1;
                }
            }
            return fail(pc, line, section, name, "expected error, warn, info or debug");
        }
        }
    }
    return fail(pc, line, section, name, "unknown key");
}

int ch_config_load(const char *path, struct ch_config *cfg, char *err, size_t err_cap)
{
    ch_config_defaults(cfg);
    if (path == NULL)
        path = getenv("CRATON_HSM_CONFIG");
    if (path == NULL || path[0] == '\0')
        return 0;
    if (strlen(path) >= sizeof(cfg->source)) {
        snprintf(err, err_cap, "configuration path too long");
        return -1;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, err_cap, "%s: cannot open configuration: %s", path, strerror(errno));
        return -1;
    }
    struct parse_ctx pc = {cfg, path, err, err_cap, 0, f, 0};
    int r = ini_parse_stream(reader, &pc, on_entry, &pc);
    fclose(f);
    if (pc.failed)
        return -1;
    if (r != 0) {
        snprintf(err, err_cap, "%s:%d: syntax error", path, r);
        return -1;
    }
    if (cfg->storage_dir[0] == '\0') {
        snprintf(err, err_cap, "%s: [storage] dir must not be empty", path);
        return -1;
    }
    if (cfg->storage_dir[0] != '/') {
        /* Relative to the configuration file's directory, so a project-local config works. */
        char tmp[CH_CONFIG_PATH_MAX];
        const char *slash = strrchr(path, '/');
        int dlen = slash ? (int)(slash - path) : 1;
        const char *dir = slash ? path : ".";
        int n = snprintf(tmp, sizeof(tmp), "%.*s/%s", dlen, dir, cfg->storage_dir);
        if (n < 0 || (size_t)n >= sizeof(tmp)) {
            snprintf(err, err_cap, "%s: [storage] dir too long", path);
            return -1;
        }
        memcpy(cfg->storage_dir, tmp, (size_t)n + 1);
    }
    if (cfg->min_pin_len > cfg->max_pin_len) {
        snprintf(err, err_cap, "%s: [security] min_pin_len is larger than max_pin_len", path);
        return -1;
    }
    if (cfg->backoff_initial_ms > cfg->backoff_max_ms) {
        snprintf(err, err_cap, "%s: [security] backoff_initial_ms is larger than backoff_max_ms",
                 path);
        return -1;
    }
    snprintf(cfg->source, sizeof(cfg->source), "%s", path);
    return 0;
}
