/* SPDX-License-Identifier: Apache-2.0 */
/* craton-hsm-admin internals shared by its command files: parsed options, exit codes, the
 * PKCS#11 module handle, JSON output, secret (PIN/passphrase) entry, messages. Tool layer:
 * may use OpenSSL (key import/export) and the internal library; prints, never logs secrets. */
#ifndef CH_ADMIN_INT_H
#define CH_ADMIN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "craton_hsm/admin.h"
#include "craton_hsm/pkcs11.h"

/* Exit codes (documented in craton-hsm-admin(1)). */
enum {
    CH_EXIT_OK = 0,
    CH_EXIT_FAIL = 1,      /* the operation failed */
    CH_EXIT_USAGE = 2,     /* bad command line, missing PIN source, bad configuration */
    CH_EXIT_AUTH = 3,      /* PIN or passphrase problem: incorrect, locked, not initialized */
    CH_EXIT_INTEGRITY = 4, /* tampering or damage detected: audit chain, backup, self-test */
};

#define CH_OPT_UNSET UINT32_MAX

struct opts {
    /* global */
    const char *config, *storage, *module;
    bool json, quiet, help, force, yes;
    bool insecure_cli_secret; /* --insecure-secret-on-command-line */
    /* selection */
    uint32_t slot;            /* CH_OPT_UNSET if not given */
    const char *label, *id_hex;
    const char *file; /* audit: one log file instead of the slots' logs */
    const char *class_name;
    /* secrets: file, value (insecure) */
    const char *so_pin_file, *so_pin;
    const char *pin_file, *pin;
    const char *new_pin_file, *new_pin;
    const char *pass_file, *pass;
    const char *key_pass_file, *key_pass;
    bool so;    /* pin change: the SO's PIN */
    bool login; /* key list: log in as the user to see private objects */
    /* files */
    const char *input, *output;
    const char *format; /* audit export jsonl|syslog; key import pem|der */
    /* key gen / dates */
    const char *key_type;
    const char *start, *end;
    const char *since, *until, *event;
    uint32_t iterations;
    /* positional words after the command */
    int argc;
    char **argv;
};

/* ---- runtime context ---------------------------------------------------------------------- */

struct ctx {
    struct opts *o;
    char storage_dir[4096];
    char audit_dir[4096];
    char config_source[4096]; /* "" = built-in defaults */
    uint32_t slot_count;
    uint32_t pbkdf2_iterations;
    bool approved_only;
    bool config_loaded;
    /* module */
    void *dl;
    CK_FUNCTION_LIST_PTR p11;
    char module_path[4096];
    bool p11_initialized;
};

/* Load the configuration (honouring --config, --storage); message and false on failure. */
bool ch_admin_load_config(struct ctx *c);
void ch_admin_storage_of(const struct ctx *c, struct ch_admin_storage *st);

/* Resolve the module path (--module, $CRATON_HSM_MODULE, installed, build tree) into
 * c->module_path and return it. */
const char *ch_admin_module_path(struct ctx *c);
/* Load and C_Initialize the PKCS#11 module. Returns an exit code (0 ok). */
int ch_admin_p11_open(struct ctx *c);
void ch_admin_p11_close(struct ctx *c);
/* Open a session on slot (R/W if rw); log in as `user` (CKU_SO/CKU_USER) when user >= 0 with a
 * PIN from the given source. Returns an exit code; *h set on success. */
int ch_admin_session(struct ctx *c, CK_SLOT_ID slot, bool rw, long user, CK_SESSION_HANDLE *h);

/* ---- messages, rv names, exit codes ---------------------------------------------------------- */

void ch_admin_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ch_admin_note(const struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *ch_admin_rv_name(CK_RV rv);
int ch_admin_exit_for_rv(CK_RV rv);
/* "C_Login: CKR_PIN_INCORRECT (0x000000a0)" on stderr, returns ch_admin_exit_for_rv. */
int ch_admin_p11_fail(const char *what, CK_RV rv);

/* ---- secrets ------------------------------------------------------------------------------ */

enum ch_secret_kind { CH_SECRET_SO_PIN, CH_SECRET_PIN, CH_SECRET_NEW_PIN, CH_SECRET_NEW_SO_PIN,
                      CH_SECRET_INIT_SO_PIN, /* token init: SO PIN sources, typed twice */
                      CH_SECRET_PASSPHRASE, CH_SECRET_NEW_PASSPHRASE,
                      CH_SECRET_KEY_PASSPHRASE /* an encrypted key file's, for key import */ };
#define CH_SECRET_MAX 256
struct secret {
    char v[CH_SECRET_MAX + 1];
    size_t len;
};
/* Obtain a secret: from its file option (the file must be a regular file owned by the user and
 * not readable by group or others), its environment variable, its command-line value (only with
 * --insecure-secret-on-command-line), or else the terminal with echo off (twice for new ones).
 * Returns an exit code; the caller wipes with ch_admin_secret_wipe. */
int ch_admin_secret_get(const struct ctx *c, enum ch_secret_kind kind, struct secret *s);
void ch_admin_secret_wipe(struct secret *s);
/* Read the first line of a protected file (permission checks as above). Exit code. */
int ch_admin_secret_file(const char *path, struct secret *s);

/* ---- JSON output ---------------------------------------------------------------------------- */

struct jw {
    FILE *f;
    int depth;
    bool first[32];
    bool after_key;
};
void ch_jw_init(struct jw *w, FILE *f);
void ch_jw_obj(struct jw *w);
void ch_jw_obj_end(struct jw *w);
void ch_jw_arr(struct jw *w);
void ch_jw_arr_end(struct jw *w);
void ch_jw_key(struct jw *w, const char *k);
void ch_jw_str(struct jw *w, const char *s);
void ch_jw_strn(struct jw *w, const char *s, size_t n);
void ch_jw_u64(struct jw *w, uint64_t v);
void ch_jw_i64(struct jw *w, int64_t v);
void ch_jw_bool(struct jw *w, bool v);
void ch_jw_null(struct jw *w);
/* Convenience: key + value. */
void ch_jw_kstr(struct jw *w, const char *k, const char *v); /* NULL -> null */
void ch_jw_ku64(struct jw *w, const char *k, uint64_t v);
void ch_jw_kbool(struct jw *w, const char *k, bool v);
/* Finish the document with a newline. */
void ch_jw_done(struct jw *w);

/* ---- helpers -------------------------------------------------------------------------------- */

/* Copy a blank-padded PKCS#11 field into a NUL-terminated string without trailing blanks. */
void ch_admin_padded(char *out, const CK_UTF8CHAR *in, size_t n);
/* Parse hex ("0a1B..", optional "0x", ':' separators) into out. -1 on bad input. */
int ch_admin_hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *len);
void ch_admin_hex_encode(const uint8_t *in, size_t n, char *out); /* out: 2n+1 */
/* Parse a decimal u32; false on junk/overflow. */
bool ch_admin_parse_u32(const char *s, uint32_t *v);

/* ---- commands --------------------------------------------------------------------------------- */

int ch_admin_cmd_status(struct ctx *c);
int ch_admin_cmd_slots(struct ctx *c);
int ch_admin_cmd_config_check(struct ctx *c);
int ch_admin_cmd_token_init(struct ctx *c);
int ch_admin_cmd_token_delete(struct ctx *c);
int ch_admin_cmd_pin_init(struct ctx *c, bool unlock);
int ch_admin_cmd_pin_change(struct ctx *c);
int ch_admin_cmd_key_list(struct ctx *c);
int ch_admin_cmd_key_import(struct ctx *c);
int ch_admin_cmd_key_export_public(struct ctx *c);
int ch_admin_cmd_key_delete(struct ctx *c);
int ch_admin_cmd_key_gen(struct ctx *c);
int ch_admin_cmd_key_set_dates(struct ctx *c);
int ch_admin_cmd_backup(struct ctx *c);
int ch_admin_cmd_restore(struct ctx *c);
int ch_admin_cmd_audit_show(struct ctx *c);
int ch_admin_cmd_audit_verify(struct ctx *c);
int ch_admin_cmd_audit_export(struct ctx *c);
int ch_admin_cmd_selftest(struct ctx *c);

#endif
