/* SPDX-License-Identifier: Apache-2.0 */
/* src/store private header: the handle, the SQL statement cache, the transaction helpers, the
 * token row, the key set derived from TK and the sealing/PIN-wrap primitives of store_seal.c.
 * Only the store's own .c files include it. The scheme is docs/STORAGE.md; section numbers refer to it. */
#ifndef CH_STORE_INT_H
#define CH_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define CH_STORE_SCHEMA_VERSION 1
#define CH_STORE_APP_ID 0x4348534D /* "CHSM" */
#define CH_STORE_KEY_LEN 32
#define CH_STORE_SALT_LEN 16
#define CH_STORE_MAC_LEN 32
#define CH_STORE_SERIAL_LEN 16
#define CH_STORE_WRAPPED_LEN (CH_STORE_KEY_LEN + 16) /* ciphertext || GCM tag */
#define CH_STORE_SEAL_OVERHEAD (12 + 16)             /* nonce || ... || tag */
#define CH_STORE_BUSY_TIMEOUT_MS 10000
#define CH_STORE_MAX_BLOB (64u * 1024u * 1024u) /* one record part; far above any key */

#define CH_STORE_FLAG_PRIVATE 1u
#define CH_STORE_FLAG_SEALED 2u

/* TK and the keys derived from it (§3). Lives in ch_secmem. */
struct ch_store_keys {
    uint8_t tk[CH_STORE_KEY_LEN];
    uint8_t k_seal[CH_STORE_KEY_LEN];
    uint8_t k_mac[CH_STORE_KEY_LEN];
    uint8_t k_idx[CH_STORE_KEY_LEN];
};

/* Cached prepared statements, one set per connection (store_sqlite.c holds the SQL). */
enum ch_store_stmt {
    CH_ST_BEGIN_IMM,
    CH_ST_COMMIT,
    CH_ST_ROLLBACK,
    CH_ST_SP_W,
    CH_ST_REL_W,
    CH_ST_RB_W,
    CH_ST_SP_R,
    CH_ST_REL_R,
    CH_ST_TOKEN_GET,
    CH_ST_FAIL_SET_SO,
    CH_ST_FAIL_SET_USER,
    CH_ST_TOKEN_INIT,
    CH_ST_USER_PIN_SET,
    CH_ST_BUMP,
    CH_ST_COUNTERS_SET,
    CH_ST_IDX_GET,
    CH_ST_WRAP_GET,
    CH_ST_WRAP_PUT,
    CH_ST_WRAP_DEL_ALL,
    CH_ST_OBJ_DEL_ALL,
    CH_ST_OBJ_INSERT,
    CH_ST_OBJ_UPDATE,
    CH_ST_OBJ_DELETE,
    CH_ST_OBJ_GET,
    CH_ST_OBJ_ALL,
    CH_ST_META_PUT,
    CH_ST_META_GET,
    CH_ST_COUNT_
};

struct ch_store {
    pthread_mutex_t mu;
    pthread_cond_t cv;    /* signalled when a ch_store_begin transaction ends */
    bool txn_open;        /* ch_store_begin ... commit/rollback in progress */
    pthread_t txn_owner;  /* the thread that called ch_store_begin */
    sqlite3 *db;
    sqlite3_stmt *st[CH_ST_COUNT_];
    struct ch_store_config cfg; /* cfg.dir points at dir below */
    char *dir;
    char *path;
    uint32_t slot;
    struct ch_store_keys *keys; /* NULL unless logged in; ch_secmem */
    uint64_t keys_gen;          /* generation the keys belong to */
    uint64_t keys_epoch;        /* and the database epoch (changed by a restore) */
    bool seen_valid;
    uint64_t seen_counter; /* change_counter at the last ch_store_changed */
    bool wtx_c0_valid;     /* wtx_c0 read at the start of the open write transaction */
    uint64_t wtx_c0;       /* change_counter when it began */
    uint64_t last_version; /* version given by this handle's latest create/update */
};

/* The token row (§2). */
struct ch_store_tok {
    bool initialized;
    uint8_t label[32];
    char serial[CH_STORE_SERIAL_LEN + 1];
    uint64_t generation;
    bool user_pin_initialized;
    uint32_t failures[2]; /* indexed by enum ch_store_user */
    bool locked[2];
    bool to_be_changed[2];
    uint64_t next_id;
    uint64_t write_seq;
    uint64_t change_counter;
    uint64_t epoch; /* random; replaced by every restore, so loaded keys of the old content go */
};

/* A PIN wrap row (§3). */
struct ch_store_wrap {
    uint32_t iterations;
    uint8_t salt[CH_STORE_SALT_LEN];
    uint8_t nonce[12];
    uint8_t wrapped[CH_STORE_WRAPPED_LEN];
};

/* ---- store_sqlite.c: connection, schema, statements, transactions --------------------------- */

/* SQLite result code -> CK_RV: OK/ROW/DONE -> CKR_OK, NOMEM -> CKR_HOST_MEMORY, FULL ->
 * CKR_DEVICE_MEMORY, READONLY -> CKR_TOKEN_WRITE_PROTECTED, everything else (BUSY after the
 * timeout, IOERR, CORRUPT, NOTADB, CONSTRAINT...) -> CKR_DEVICE_ERROR. The one mapping. */
CK_RV ch_store_sql_rv(int rc);
/* Open `path` (created 0600 if missing), set the PRAGMAs of §1, create or migrate the schema. */
CH_MUST_CHECK CK_RV ch_store_db_open(const char *path, sqlite3 **out);
/* The cached statement `which`, reset and unbound, prepared on first use. NULL on failure. */
sqlite3_stmt *ch_store_stmt(struct ch_store *s, enum ch_store_stmt which);
/* Release every cached statement (before sqlite3_close). */
void ch_store_stmts_free(struct ch_store *s);
/* Step a statement that returns no row (SQLITE_DONE); resets it. */
CH_MUST_CHECK CK_RV ch_store_exec(struct ch_store *s, enum ch_store_stmt which);
CH_MUST_CHECK CK_RV ch_store_step_done(sqlite3_stmt *st);
/* Write transaction: BEGIN IMMEDIATE, or a SAVEPOINT inside a ch_store_begin transaction.
 * _end commits (rv == CKR_OK) or rolls back, and returns rv or the commit's error. */
CH_MUST_CHECK CK_RV ch_store_wtx_begin(struct ch_store *s);
CH_MUST_CHECK CK_RV ch_store_wtx_end(struct ch_store *s, CK_RV rv);
/* Read transaction (a consistent snapshot): a SAVEPOINT, which also nests. */
CH_MUST_CHECK CK_RV ch_store_rtx_begin(struct ch_store *s);
void ch_store_rtx_end(struct ch_store *s);
/* Read the token row. */
CH_MUST_CHECK CK_RV ch_store_tok_get(struct ch_store *s, struct ch_store_tok *t);
/* Read a PIN wrap; CKR_USER_PIN_NOT_INITIALIZED if absent, CKR_DEVICE_ERROR if malformed. */
CH_MUST_CHECK CK_RV ch_store_wrap_get(struct ch_store *s, enum ch_store_user who,
                                      struct ch_store_wrap *w);
CH_MUST_CHECK CK_RV ch_store_wrap_put(struct ch_store *s, enum ch_store_user who,
                                      const struct ch_store_wrap *w);
/* Bind a possibly empty blob (never NULL for empty: SQLite would store NULL). */
CH_MUST_CHECK int ch_store_bind_blob(sqlite3_stmt *st, int col, const uint8_t *p, size_t len);

/* ---- store_seal.c: keys, sealing, MACs, PIN wraps (calls src/crypto only) ------------------ */

/* keys->tk must be set; derives k_seal, k_mac, k_idx for (serial, generation) (§3). */
CH_MUST_CHECK CK_RV ch_store_keys_derive(struct ch_store_keys *keys, const char *serial,
                                         uint64_t generation);
/* out: sealed blob of pt_len + CH_STORE_SEAL_OVERHEAD bytes (§4). Fresh random nonce. */
CH_MUST_CHECK CK_RV ch_store_seal(const struct ch_store_keys *keys, const char *serial,
                                  uint64_t generation, uint64_t id, uint64_t version,
                                  const uint8_t *pt, size_t pt_len, uint8_t *out);
/* pt: sealed_len - CH_STORE_SEAL_OVERHEAD bytes. CKR_ENCRYPTED_DATA_INVALID if it fails. */
CH_MUST_CHECK CK_RV ch_store_unseal(const struct ch_store_keys *keys, const char *serial,
                                    uint64_t generation, uint64_t id, uint64_t version,
                                    const uint8_t *sealed, size_t sealed_len, uint8_t *pt);
/* Record MAC (§4). sealed may be NULL (no sealed part; distinct from an empty one). */
CH_MUST_CHECK CK_RV ch_store_record_mac(const struct ch_store_keys *keys, const char *serial,
                                        uint64_t generation, uint64_t id, uint64_t version,
                                        uint32_t flags, const uint8_t *clear, size_t clear_len,
                                        const uint8_t *sealed, size_t sealed_len,
                                        uint8_t mac[CH_STORE_MAC_LEN]);
/* Index MAC (§6). */
CH_MUST_CHECK CK_RV ch_store_index_mac(const struct ch_store_keys *keys, const char *serial,
                                       uint64_t generation, const uint8_t *idx, size_t idx_len,
                                       uint8_t mac[CH_STORE_MAC_LEN]);
/* Wrap tk under pin with a fresh salt and nonce and `iterations` (PBKDF2 runs here: call
 * without the store mutex). */
CH_MUST_CHECK CK_RV ch_store_wrap_tk(const uint8_t *pin, size_t pin_len, uint32_t iterations,
                                     const char *serial, uint64_t generation,
                                     enum ch_store_user who, const uint8_t tk[CH_STORE_KEY_LEN],
                                     struct ch_store_wrap *w);
/* CKR_OK and tk filled iff the wrap opens under pin; CKR_PIN_INCORRECT otherwise. */
CH_MUST_CHECK CK_RV ch_store_unwrap_tk(const uint8_t *pin, size_t pin_len, const char *serial,
                                       uint64_t generation, enum ch_store_user who,
                                       const struct ch_store_wrap *w,
                                       uint8_t tk[CH_STORE_KEY_LEN]);

/* ---- store.c / store_pin.c shared helpers ----------------------------------------------------- */

/* Take the handle's mutex, waiting while another thread holds a ch_store_begin transaction. */
void ch_store_lock(struct ch_store *s);
void ch_store_unlock(struct ch_store *s);
/* Wipe and drop the loaded keys. Mutex held. */
void ch_store_keys_drop(struct ch_store *s);
/* Drop the keys if they belong to another generation or epoch than the row's. Mutex held. */
void ch_store_keys_sync(struct ch_store *s, const struct ch_store_tok *t);
#endif
