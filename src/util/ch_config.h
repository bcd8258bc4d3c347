/* SPDX-License-Identifier: Apache-2.0 */
/* Module configuration: an INI file (TOML-compatible subset) named by CRATON_HSM_CONFIG, with
 * sane defaults when the variable is unset. Unknown sections or keys and bad values are errors
 * that name the file, the line and the key. See docs/CONFIG.md. */
#ifndef CH_CONFIG_H
#define CH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CH_MAX_SLOTS 256
#define CH_CONFIG_PATH_MAX 4096

enum ch_log_level { CH_LOG_ERROR = 0, CH_LOG_WARN, CH_LOG_INFO, CH_LOG_DEBUG };

struct ch_config {
    char source[CH_CONFIG_PATH_MAX]; /* file read, or "" for built-in defaults */
    /* [storage] */
    char storage_dir[CH_CONFIG_PATH_MAX];
    /* [slots] */
    uint32_t slot_count;
    /* [security] */
    uint32_t pbkdf2_iterations;
    uint32_t max_failed_logins;
    uint32_t min_pin_len, max_pin_len;
    uint32_t backoff_initial_ms, backoff_max_ms;
    uint32_t max_sessions; /* per slot */
    /* [algorithms] */
    bool allow_sha1_signing;
    bool allow_weak_rsa;
    bool enable_pqc;
    /* [fips] */
    bool approved_only;
    /* [audit] */
    bool audit_enabled;
    char audit_dir[CH_CONFIG_PATH_MAX]; /* "" = the storage dir */
    bool audit_syslog;
    /* [logging] */
    enum ch_log_level log_level;
    char log_file[CH_CONFIG_PATH_MAX]; /* "" = stderr */
};

/* Fill *cfg with the defaults. */
void ch_config_defaults(struct ch_config *cfg);
/* Load the file named by CRATON_HSM_CONFIG (defaults when unset), or `path` when non-NULL.
 * Returns 0, or -1 with a one-line message in err (never containing secrets). */
int ch_config_load(const char *path, struct ch_config *cfg, char *err, size_t err_cap);

#endif
