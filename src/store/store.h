/* SPDX-License-Identifier: Apache-2.0 */
/* src/store: what the token layer needs from persistent storage. One SQLite database per token
 * (slot); records are opaque attribute blobs to this layer: the token serialises attributes,
 * the store authenticates and seals them. The only layer that speaks SQL. Holds the token key
 * TK (in ch_secmem) while a user or the SO is logged in. See docs/STORAGE.md.
 * Thread-safety: one struct ch_store per token per process; every function takes the store's
 * own mutex, so callers may call from any thread. Several processes may open the same file. */
#ifndef CH_STORE_H
#define CH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "craton_hsm/pkcs11.h"
#include "util/check.h"

struct ch_store;

struct ch_store_config {
    const char *dir;             /* storage directory; created (0700) if missing */
    uint32_t pbkdf2_iterations;  /* for new PIN wraps; >= CH_STORE_PBKDF2_MIN */
    uint32_t max_failed_logins;  /* lock after this many consecutive failures (0 = never) */
    uint32_t backoff_initial_ms; /* delay before a PIN check after a failure; doubles */
    uint32_t backoff_max_ms;     /* cap of that delay */
};
#define CH_STORE_PBKDF2_MIN 10000u
#define CH_STORE_PBKDF2_DEFAULT 600000u

enum ch_store_user { CH_STORE_SO = 0, CH_STORE_USER = 1 };

/* Open (creating if absent) the database of slot `slot_id` under cfg->dir. An absent file is an
 * uninitialized token. CKR_OK, CKR_HOST_MEMORY, CKR_DEVICE_ERROR (I/O, corrupt schema). */
CH_MUST_CHECK CK_RV ch_store_open(const struct ch_store_config *cfg, uint32_t slot_id,
                                  struct ch_store **out);
/* Forget TK (wiped) and close. NULL-safe. */
void ch_store_close(struct ch_store *s);
/* In a fork() child: drop a handle inherited from the parent without touching its SQLite
 * connection (connections must not cross fork(); closing one in the child could disturb the
 * parent's locks or WAL). Wipes TK; the connection's memory is leaked on purpose. Takes no lock
 * (another parent thread may have held it at fork time). NULL-safe. */
void ch_store_abandon(struct ch_store *s);

struct ch_store_token_info {
    bool initialized;
    uint8_t label[32]; /* blank padded, as CK_TOKEN_INFO.label */
    char serial[17];   /* 16 characters + NUL; random at first initialisation, then kept */
    bool user_pin_initialized;
    uint32_t user_failures, so_failures; /* consecutive failed logins */
    bool user_locked, so_locked;
    bool user_pin_to_be_changed, so_pin_to_be_changed;
    uint64_t generation; /* increases at every C_InitToken: objects of older ones are gone */
};
/* Reads the current row (reflects other processes' changes). */
CH_MUST_CHECK CK_RV ch_store_token_info(struct ch_store *s, struct ch_store_token_info *out);

/* C_InitToken. If the token is initialized, so_pin must verify first (same counting, backoff and
 * locking as login: CKR_PIN_INCORRECT, CKR_PIN_LOCKED). Then, in one transaction: every object
 * destroyed, a fresh TK wrapped under so_pin, no user PIN, the new label. TK is not kept loaded.
 * The serial is created at the first initialisation and kept. CKR_FUNCTION_FAILED if another
 * handle re-initialised the token meanwhile; CKR_OPERATION_ACTIVE inside ch_store_begin (also
 * for login, InitPIN and SetPIN: a failure count must commit on its own). */
CH_MUST_CHECK CK_RV ch_store_token_init(struct ch_store *s, const uint8_t *so_pin, size_t pin_len,
                                        const uint8_t label[32]);

/* Verify a PIN: the failure counter is incremented and written *before* the check, the backoff
 * delay applied when earlier attempts failed, reset on success; the PIN is locked after
 * max_failed_logins. On success TK is unwrapped into locked memory (load_tk) or only checked.
 * CKR_OK, CKR_PIN_INCORRECT, CKR_PIN_LOCKED, CKR_USER_PIN_NOT_INITIALIZED,
 * CKR_TOKEN_NOT_RECOGNIZED (uninitialized token), CKR_USER_TYPE_INVALID, CKR_DEVICE_ERROR.
 * PBKDF2 and the backoff sleep run without the store mutex. A locked SO PIN stays locked. */
CH_MUST_CHECK CK_RV ch_store_login(struct ch_store *s, enum ch_store_user who, const uint8_t *pin,
                                   size_t pin_len, bool load_tk);
/* Forget TK. */
void ch_store_logout(struct ch_store *s);
/* Whether TK is loaded; re-checks the database first: a re-initialisation or restore by any
 * handle or process ends the login (TK forgotten). */
bool ch_store_tk_loaded(const struct ch_store *s);

/* C_InitPIN: TK must be loaded (the SO is logged in) else CKR_USER_NOT_LOGGED_IN. Wraps TK
 * under the new user PIN, clears the user failure counter and lock. */
CH_MUST_CHECK CK_RV ch_store_init_user_pin(struct ch_store *s, const uint8_t *pin, size_t pin_len);
/* C_SetPIN: verifies old_pin as ch_store_login does, then re-wraps TK under new_pin. */
CH_MUST_CHECK CK_RV ch_store_set_pin(struct ch_store *s, enum ch_store_user who,
                                     const uint8_t *old_pin, size_t old_len,
                                     const uint8_t *new_pin, size_t new_len);

/* ---- objects ------------------------------------------------------------------------------ */

struct ch_store_record {
    uint64_t id;       /* assigned by the store, unique and never reused within a token */
    uint64_t version;  /* increases at every update of the record; a token-wide write sequence
                        * number (not 1, 2, 3... per record): compare, do not predict */
    bool is_private;   /* CKA_PRIVATE: then `clear` is empty and everything is in `secret` */
    const uint8_t *clear;  /* attributes readable without login; authenticated when TK is loaded */
    size_t clear_len;
    const uint8_t *secret; /* opened sealed part; NULL when TK is not loaded */
    size_t secret_len;
    bool secret_present;   /* the record has a sealed part (opened or not) */
    bool authenticated;    /* TK was loaded and the record passed its MAC and index checks;
                            * false before login, and for public records written without TK
                            * (docs/STORAGE.md §4): the token layer decides what to trust */
};

/* Create a record. A non-empty secret part or is_private needs TK loaded, else
 * CKR_USER_NOT_LOGGED_IN. *id_out gets the new id. CKR_DEVICE_ERROR on I/O errors. With TK
 * loaded the record is MAC'd and entered in the authenticated index (docs/STORAGE.md §6). */
CH_MUST_CHECK CK_RV ch_store_obj_create(struct ch_store *s, bool is_private, const uint8_t *clear,
                                        size_t clear_len, const uint8_t *secret,
                                        size_t secret_len, uint64_t *id_out);
/* Replace a record's contents (version increases). CKR_OBJECT_HANDLE_INVALID if it is gone.
 * Update and delete of a record written with TK loaded (authenticated) need TK loaded again,
 * else CKR_USER_NOT_LOGGED_IN. CKR_DEVICE_ERROR if the index fails its MAC. */
CH_MUST_CHECK CK_RV ch_store_obj_update(struct ch_store *s, uint64_t id, bool is_private,
                                        const uint8_t *clear, size_t clear_len,
                                        const uint8_t *secret, size_t secret_len);
CH_MUST_CHECK CK_RV ch_store_obj_delete(struct ch_store *s, uint64_t id);
/* The version this handle's most recent successful create/update gave its record (what
 * ch_store_obj_foreach will report for it), so the caller can recognise its own writes.
 * Meaningful when the caller serialises its writes on the handle (the token lock does). */
uint64_t ch_store_last_version(struct ch_store *s);

/* Visit every record (order by id). The record's buffers live only during the callback (the
 * opened secret part is in locked memory, wiped afterwards). With TK loaded, a record that fails
 * authentication is skipped and counted in *tampered (may be NULL), as is an authenticated
 * record missing from the file (docs/STORAGE.md §5); without TK nothing can be checked. A
 * callback returning non-CKR_OK stops the walk and its code is returned. The callback runs with
 * the store's mutex held: it must not call ch_store_* on the same handle. */
typedef CK_RV (*ch_store_obj_cb)(void *arg, const struct ch_store_record *rec);
CH_MUST_CHECK CK_RV ch_store_obj_foreach(struct ch_store *s, ch_store_obj_cb cb, void *arg,
                                         size_t *tampered);
/* Fetch one record by id (for reloading after another process changed it).
 * CKR_OBJECT_HANDLE_INVALID if absent, CKR_DEVICE_ERROR if it fails authentication. */
CH_MUST_CHECK CK_RV ch_store_obj_get(struct ch_store *s, uint64_t id, ch_store_obj_cb cb,
                                     void *arg);

/* Cheap test whether anyone (another process, or this one) changed objects or token state
 * since the previous call on this handle: a counter kept in the database, compared with the
 * last seen value. The first call on a handle reports true. ch_store_meta_put does not count. */
CH_MUST_CHECK CK_RV ch_store_changed(struct ch_store *s, bool *changed);

/* Group several changes in one transaction (C_GenerateKeyPair writes two records). Nested
 * calls are not allowed. */
CH_MUST_CHECK CK_RV ch_store_begin(struct ch_store *s);
CH_MUST_CHECK CK_RV ch_store_commit(struct ch_store *s);
void ch_store_rollback(struct ch_store *s);

/* ---- metadata for other layers (audit chain head) ----------------------------------------- */

CH_MUST_CHECK CK_RV ch_store_meta_put(struct ch_store *s, const char *key, const uint8_t *val,
                                      size_t len);
/* *val is malloc'd (free()); CKR_OK with *val = NULL when the key is absent. */
CH_MUST_CHECK CK_RV ch_store_meta_get(struct ch_store *s, const char *key, uint8_t **val,
                                      size_t *len);

/* ---- whole-token copies (backup/restore) --------------------------------------------------- */

/* A consistent image of the whole database (sealed as at rest). *buf malloc'd. */
CH_MUST_CHECK CK_RV ch_store_snapshot(struct ch_store *s, uint8_t **buf, size_t *len);
/* Replace the token's database with an image made by ch_store_snapshot, atomically: the image
 * is validated in memory (opens as SQLite, quick_check, our application id and schema version,
 * the token row), then copied with SQLite's backup API in one write transaction, so open
 * handles (also in other processes) see the old token or the new, and ch_store_changed fires.
 * Every login on the token ends (open handles forget TK: the image may hold another TK).
 * CKR_OK, CKR_ARGUMENTS_BAD (not a store image), CKR_HOST_MEMORY, CKR_DEVICE_ERROR. */
CH_MUST_CHECK CK_RV ch_store_restore(const struct ch_store_config *cfg, uint32_t slot_id,
                                     const uint8_t *buf, size_t len);
/* Path of the slot's database file into out (for the admin tool); CKR_BUFFER_TOO_SMALL. */
CH_MUST_CHECK CK_RV ch_store_path(const struct ch_store_config *cfg, uint32_t slot_id, char *out,
                                  size_t cap);

#endif
