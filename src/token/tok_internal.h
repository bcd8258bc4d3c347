/* SPDX-License-Identifier: Apache-2.0 */
/* Private structures of src/token. Lock order (never taken the other way round):
 *   module life lock (read) -> session table lock -> session lock -> token lock ->
 *   object table lock -> object lock.
 * Crypto runs with only the session lock (and a reference on the key object) held. */
#ifndef CH_TOK_INTERNAL_H
#define CH_TOK_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "craton_hsm/pkcs11.h"
#include "mech/mech.h"
#include "store/store.h"
#include "token/token.h"
#include "util/ch_config.h"
#include "util/ch_map.h"

struct ch_audit;

/* ---- objects ------------------------------------------------------------------------------ */

struct ch_attr {
    CK_ATTRIBUTE_TYPE type;
    size_t len;
    uint8_t *val;     /* malloc'd, or ch_secmem for secret values; NULL when len == 0 */
    bool secret;      /* value held in ch_secmem and sealed at rest */
};

struct ch_object {
    atomic_uint refs;
    CK_OBJECT_HANDLE handle;
    struct ch_token *tok;
    pthread_rwlock_t lock;      /* guards attrs and the cached flags below */
    struct ch_attr *attrs;
    size_t nattrs, cap;
    /* Cached from attrs (refreshed whenever attrs change). */
    CK_OBJECT_CLASS cls;
    CK_KEY_TYPE ktype;          /* CK_UNAVAILABLE_INFORMATION for non-keys */
    bool on_token, is_private, modifiable, copyable, destroyable;
    bool destroyed;             /* removed from the tables; last reference frees it */
    bool secrets_missing;       /* token object whose sealed part is not loaded (no login) */
    CK_SESSION_HANDLE owner;    /* session objects: the creating session */
    uint64_t store_id, store_version;
    uint64_t label_key;         /* hash of CKA_LABEL in the label index, 0 if not indexed */
    struct ch_object *label_next, *label_prev; /* chain of objects with this label_key */
    /* Per-key mechanism cache (e.g. the EVP_PKEY), filled under cache_lock. */
    pthread_mutex_t cache_lock;
    struct ch_mech_cache *cache;
};

/* ---- tokens and slots --------------------------------------------------------------------- */

enum ch_login { CH_LOGIN_NONE = 0, CH_LOGIN_USER, CH_LOGIN_SO };

struct ch_token {
    CK_SLOT_ID slot;
    pthread_mutex_t lock;        /* login state, sessions counts, store calls that change state */
    pthread_rwlock_t objs_lock;  /* the object tables below */
    struct ch_store *store;
    struct ch_audit *audit;
    enum ch_login login;
    size_t sessions, rw_sessions;
    struct ch_map by_handle;     /* handle -> object (token and session objects) */
    struct ch_map by_store_id;   /* store id -> token object */
    struct ch_map by_label;      /* label hash -> first object with that label hash */
    uint64_t generation;         /* store generation the objects were loaded from */
};

/* ---- sessions ----------------------------------------------------------------------------- */

struct ch_find_state {
    CK_OBJECT_HANDLE *handles;
    size_t n, pos;
};

struct ch_session {
    CK_SESSION_HANDLE handle;
    struct ch_token *tok;
    CK_FLAGS flags;               /* CKF_RW_SESSION | CKF_SERIAL_SESSION */
    pthread_mutex_t lock;         /* one call at a time on a session */
    bool closing;
    struct ch_mech_op *ops[CH_OP_COUNT_];
    struct ch_object *op_keys[CH_OP_COUNT_]; /* referenced key of each active op */
    bool op_ctx_auth[CH_OP_COUNT_];  /* CKU_CONTEXT_SPECIFIC login done for this op */
    bool op_needs_ctx_auth[CH_OP_COUNT_];
    bool msg_active[CH_OP_COUNT_];   /* a Begin/Next message is in progress */
    bool finding;
    struct ch_find_state find;
};

/* ---- module ------------------------------------------------------------------------------- */

struct ch_module {
    struct ch_config cfg;
    size_t nslots;
    struct ch_token *tokens;
    pid_t pid;
    pthread_rwlock_t sessions_lock;
    struct ch_map sessions;  /* handle -> session */
};

extern struct ch_module *ch_tok_mod;

/* tok_session.c */
/* Find and lock a session: on CKR_OK *out is locked and must be released with
 * ch_tok_session_put. CKR_SESSION_HANDLE_INVALID otherwise. */
CH_MUST_CHECK CK_RV ch_tok_session_get(CK_SESSION_HANDLE h, struct ch_session **out);
void ch_tok_session_put(struct ch_session *s);
/* The PKCS#11 session state (CKS_*) of s. Token lock not needed (login is read atomically). */
CK_STATE ch_tok_session_state(const struct ch_session *s);
void ch_tok_session_end_op(struct ch_session *s, enum ch_op_kind kind);
void ch_tok_session_end_all_ops(struct ch_session *s);
struct ch_token *ch_tok_token(CK_SLOT_ID slot);
void ch_tok_sessions_close_all(void);

/* tok_object.c */
void ch_obj_ref(struct ch_object *o);
void ch_obj_unref(struct ch_object *o);
/* Look up a handle visible to session s; returns a referenced object or
 * CKR_OBJECT_HANDLE_INVALID. */
CH_MUST_CHECK CK_RV ch_obj_get(struct ch_session *s, CK_OBJECT_HANDLE h, struct ch_object **out);
const struct ch_attr *ch_obj_attr(const struct ch_object *o, CK_ATTRIBUTE_TYPE t);
bool ch_obj_bool(const struct ch_object *o, CK_ATTRIBUTE_TYPE t, bool dflt);
/* Build a key view over o (caller holds o->lock for reading while it is used). */
void ch_obj_key_view(struct ch_object *o, struct ch_mech_key *view);
/* Create an object from a template plus mechanism-produced attributes (op tells the attribute
 * policy which rules apply). On success *out is a new handle. */
enum ch_obj_origin { CH_ORIGIN_CREATE, CH_ORIGIN_GENERATE, CH_ORIGIN_DERIVE, CH_ORIGIN_UNWRAP,
                     CH_ORIGIN_COPY };
CH_MUST_CHECK CK_RV ch_obj_new_from(struct ch_session *s, enum ch_obj_origin origin,
                                    const CK_ATTRIBUTE *tmpl, size_t n,
                                    const struct ch_attr_list *extra, CK_MECHANISM_TYPE gen_mech,
                                    struct ch_object **out);
/* Register an object built by ch_obj_new_from: persist if on token, index, assign handle. For a
 * key pair, both are committed in one store transaction (second may be NULL). The tables take
 * their own reference; the caller still drops its own with ch_obj_unref, success or not. */
CH_MUST_CHECK CK_RV ch_obj_publish(struct ch_session *s, struct ch_object *a, struct ch_object *b);
/* The same for n objects (e.g. the keys of one SP 800-108 derivation with additional keys):
 * the token objects among them are committed in one store transaction, and on failure none is
 * stored or visible. */
CH_MUST_CHECK CK_RV ch_obj_publish_many(struct ch_session *s, struct ch_object *const *objs,
                                        size_t n);
void ch_obj_free_unpublished(struct ch_object *o);
/* Load/refresh the token's objects from its store (after init, login, logout, other processes'
 * changes). Caller holds tok->lock. */
CH_MUST_CHECK CK_RV ch_obj_sync(struct ch_token *tok, bool force);
/* Draw this process's CKA_UNIQUE_ID prefix (C_Initialize, after the DRBG is up). */
void ch_obj_ids_init(void);
/* Drop every object of the token (re-initialisation, finalize). Caller holds tok->lock. */
void ch_obj_drop_all(struct ch_token *tok);
/* Destroy the private session objects of the application (at logout, PKCS#11 3.0 §5.6). */
void ch_obj_drop_private_session_objects(struct ch_token *tok);
/* Destroy the session objects owned by session handle h. */
void ch_obj_drop_session_objects(struct ch_token *tok, CK_SESSION_HANDLE h);

/* tok_attr.c: the per-class attribute policy */
CH_MUST_CHECK CK_RV ch_attr_check_template(const CK_ATTRIBUTE *tmpl, size_t n);
CH_MUST_CHECK CK_RV ch_attr_validate_new(struct ch_object *o, enum ch_obj_origin origin,
                                         const CK_ATTRIBUTE *tmpl, size_t n);
CH_MUST_CHECK CK_RV ch_attr_apply_defaults(struct ch_object *o, enum ch_obj_origin origin);
CH_MUST_CHECK CK_RV ch_attr_check_set(const struct ch_object *o, const CK_ATTRIBUTE *a,
                                      bool is_copy, bool so);
bool ch_attr_is_secret(CK_OBJECT_CLASS cls, CK_ATTRIBUTE_TYPE t);
/* Is the attribute defined for this object (class / key type)? */
bool ch_attr_known(CK_OBJECT_CLASS cls, CK_KEY_TYPE kt, CK_ATTRIBUTE_TYPE t);
/* Store an attribute value in o (replacing). */
CH_MUST_CHECK CK_RV ch_obj_set_raw(struct ch_object *o, CK_ATTRIBUTE_TYPE t, const void *v,
                                   size_t len, bool secret);
void ch_obj_refresh_flags(struct ch_object *o);

/* tok_ops.c: import-time validation of key material (point on curve, consistent RSA parts),
 * delegated to the mechanism families. CKR_ATTRIBUTE_VALUE_INVALID on bad material. */
CH_MUST_CHECK CK_RV ch_tok_validate_key(struct ch_object *o);
/* Mechanism allowed by configuration (approved-only mode, PQC switch). */
bool ch_tok_mech_allowed(const struct ch_mech_desc *d);

/* tok_audit.c */
void ch_tok_audit(struct ch_token *tok, const char *event, CK_SESSION_HANDLE h,
                  CK_MECHANISM_TYPE mech, uint64_t object_id, const char *label, CK_RV rv);
/* A login attempt by `who` (CKU_SO, CKU_USER, CKU_CONTEXT_SPECIFIC) and its outcome. */
void ch_tok_audit_login(struct ch_token *tok, CK_SESSION_HANDLE h, CK_USER_TYPE who, CK_RV rv);

#endif
