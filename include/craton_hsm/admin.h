/* SPDX-License-Identifier: Apache-2.0 */
/* Craton HSM narrow administrative API: the operations that PKCS#11 cannot express, used by
 * craton-hsm-admin (tools/admin) next to the module's C_* functions: encrypted whole-token
 * backup archives and their restore, and the audit log of a token. Implemented in
 * tools/admin/admin_archive.c on top of the internal store, crypto and audit layers; not
 * exported by libcraton_hsm.so. Never prints: errors come back as CK_RV plus a message. */
#ifndef CRATON_HSM_ADMIN_H
#define CRATON_HSM_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "craton_hsm/pkcs11.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where tokens live (from the module configuration, see docs/CONFIG.md). */
struct ch_admin_storage {
    const char *dir;       /* storage directory holding token-<slot> databases */
    const char *audit_dir; /* directory of the audit logs; NULL or "" = dir */
    uint32_t pbkdf2_iterations; /* the module's [security] setting, for opening stores */
};

/* ---- backup archive (docs/craton-hsm-admin.1, BACKUP FORMAT) ---------------------------------
 * A file of:  header (CH_ADMIN_BACKUP_HEADER_LEN bytes)  ||  ciphertext  ||  GCM tag (16)
 * header, big-endian:  magic "CRHSMBAK" (8) | version u16 = 1 | header length u16 |
 *   kdf u8 (1 = PBKDF2-HMAC-SHA256) | aead u8 (1 = AES-256-GCM) | reserved u16 = 0 |
 *   iterations u32 | salt (32) | iv (12) | source slot u32 | created u64 (Unix seconds) |
 *   image length u64 | token serial (16, ASCII) | token label (32, blank padded)
 * key = PBKDF2-HMAC-SHA256(passphrase, salt, iterations, 32 bytes); the plaintext is the store's
 * snapshot image (already sealed at rest); the whole header is the GCM AAD, so no header field
 * can be changed without the tag failing. */
#define CH_ADMIN_BACKUP_MAGIC "CRHSMBAK"
#define CH_ADMIN_BACKUP_VERSION 1u
#define CH_ADMIN_BACKUP_HEADER_LEN 132u
#define CH_ADMIN_BACKUP_SALT_LEN 32u
#define CH_ADMIN_BACKUP_MIN_ITER 100000u
#define CH_ADMIN_BACKUP_MAX_ITER 10000000u
#define CH_ADMIN_BACKUP_DEFAULT_ITER 600000u

struct ch_admin_backup_info {
    uint16_t version;
    uint32_t iterations;
    uint32_t slot;        /* slot the backup was taken from */
    uint64_t created;     /* Unix seconds */
    uint64_t image_len;   /* bytes of the token image */
    char serial[17];      /* NUL-terminated */
    char label[33];       /* NUL-terminated, trailing blanks removed */
};

/* Progress: stage is a fixed word ("snapshot", "encrypt", "write", "read", "decrypt",
 * "restore"); done/total in bytes (total 0 when unknown). */
typedef void (*ch_admin_progress_cb)(void *arg, const char *stage, uint64_t done, uint64_t total);

/* Write an encrypted archive of the token in `slot` to out_path (created 0600 next to it as a
 * temporary file, fsync'd, then renamed; an existing out_path is replaced only with overwrite).
 * iterations 0 = CH_ADMIN_BACKUP_DEFAULT_ITER. On success an audit "backup" event is logged.
 * CKR_OK; CKR_TOKEN_NOT_PRESENT (no database for the slot); CKR_TOKEN_NOT_RECOGNIZED (not
 * initialized); CKR_ARGUMENTS_BAD; CKR_DEVICE_ERROR (I/O: message in err); CKR_HOST_MEMORY. */
CK_RV ch_admin_backup(const struct ch_admin_storage *st, uint32_t slot, const uint8_t *pass,
                      size_t pass_len, uint32_t iterations, const char *out_path, bool overwrite,
                      ch_admin_progress_cb cb, void *cb_arg, char *err, size_t err_cap);

/* Read and check an archive's header without the passphrase (format, version, lengths).
 * CKR_OK; CKR_DATA_INVALID (foreign or damaged file: message in err); CKR_DATA_LEN_RANGE
 * (truncated or trailing bytes); CKR_DEVICE_ERROR (cannot read). */
CK_RV ch_admin_backup_inspect(const char *path, struct ch_admin_backup_info *info, char *err,
                              size_t err_cap);

/* Restore an archive into `slot` (UINT32_MAX = the slot it was taken from). Every check runs
 * before anything is changed: header, lengths, the passphrase-derived key and the GCM tag over
 * header and image, then the store validates the image; only then is the database replaced
 * atomically. A token that is initialized in the target slot is replaced only with overwrite.
 * Afterwards the audit chain head is re-anchored to the slot's existing log and a "restore"
 * event logged. *slot_out (may be NULL) gets the target slot.
 * CKR_OK; CKR_DATA_INVALID (foreign/damaged); CKR_DATA_LEN_RANGE (truncated);
 * CKR_ENCRYPTED_DATA_INVALID (wrong passphrase or altered archive); CKR_TOKEN_WRITE_PROTECTED
 * (target initialized and !overwrite); CKR_DEVICE_ERROR; CKR_HOST_MEMORY. */
CK_RV ch_admin_restore(const struct ch_admin_storage *st, const char *in_path, uint32_t slot,
                       const uint8_t *pass, size_t pass_len, bool overwrite, uint32_t *slot_out,
                       ch_admin_progress_cb cb, void *cb_arg, char *err, size_t err_cap);

/* ---- audit ---------------------------------------------------------------------------------- */

/* Path of a slot's audit log into out. CKR_OK, CKR_BUFFER_TOO_SMALL. */
CK_RV ch_admin_audit_path(const struct ch_admin_storage *st, uint32_t slot, char *out,
                          size_t cap);

struct ch_admin_audit_result {
    bool ok;
    bool db_present;     /* the token database exists (so the chain head could be checked) */
    bool head_checked;
    uint64_t entries;
    uint64_t first_bad;  /* 1-based entry number, 0 when ok */
    char reason[200];
};
/* Verify the slot's audit chain against the head in its database (when the database exists;
 * never creates one). CKR_OK with *res filled; CKR_DEVICE_ERROR (unreadable). */
CK_RV ch_admin_audit_verify(const struct ch_admin_storage *st, uint32_t slot,
                            struct ch_admin_audit_result *res);

/* Log an administrative event (backup, restore, token.delete) to the slot's audit log, with
 * the head mirrored in the slot's database when it exists. Best effort: returns the CK_RV. */
CK_RV ch_admin_audit_event(const struct ch_admin_storage *st, uint32_t slot, const char *event,
                           const char *label, CK_RV result);

#ifdef __cplusplus
}
#endif

#endif
