/* SPDX-License-Identifier: Apache-2.0 */
/* src/mech: the mechanism table and one file per mechanism family. The table is the one place
 * that says which mechanism does what: operations it supports, key types and size bounds (in
 * the units C_GetMechanismInfo uses), whether it is approved. Families compute through
 * src/crypto (OpenSSL) or src/pqc; they know keys only through struct ch_mech_key, never the
 * token's object structures, and hold no locks of their own across calls.
 * Output buffers follow the convention written atop src/token/token.h; ch_mech_out_check()
 * applies it. */
#ifndef CH_MECH_H
#define CH_MECH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "craton_hsm/pkcs11.h"
#include "util/check.h"

/* The kinds of operation a session may have active (one of each at a time). */
enum ch_op_kind {
    CH_OP_ENCRYPT = 0,
    CH_OP_DECRYPT,
    CH_OP_DIGEST,
    CH_OP_SIGN,
    CH_OP_VERIFY,
    CH_OP_SIGN_RECOVER,
    CH_OP_VERIFY_RECOVER,
    CH_OP_MSG_ENCRYPT,
    CH_OP_MSG_DECRYPT,
    CH_OP_MSG_SIGN,
    CH_OP_MSG_VERIFY,
    CH_OP_COUNT_
};

/* ---- keys as the mechanisms see them ------------------------------------------------------ */

/* A per-key cache owned by the key object (e.g. the EVP_PKEY built once per key): created by a
 * family on first use, freed through its own free function when the key changes, is destroyed,
 * or its owner logs out. */
struct ch_mech_cache {
    void (*free)(struct ch_mech_cache *c);
};

/* A read-only view of a key object for the duration of one call. */
struct ch_mech_key {
    CK_OBJECT_CLASS cls;
    CK_KEY_TYPE type;
    /* Look up an attribute value; false if the object has no such attribute. The value stays
     * valid while the view is used (the token holds a reference and the object's read lock). */
    bool (*get)(const void *obj, CK_ATTRIBUTE_TYPE t, const uint8_t **val, size_t *len);
    const void *obj;
    /* The object's cache slot and the mutex guarding it: a family fills *cache on first use
     * under the mutex and takes its own reference to what it needs (e.g. EVP_PKEY_up_ref), so
     * the cache can be dropped while an operation still runs. Families read key attributes only
     * in init/generate/derive/wrap calls, never later in an operation. */
    struct ch_mech_cache **cache;
    void *cache_lock; /* pthread_mutex_t * */
};

/* Attribute lookup helpers over a key view. */
bool ch_mech_key_attr(const struct ch_mech_key *k, CK_ATTRIBUTE_TYPE t, const uint8_t **val,
                      size_t *len);
bool ch_mech_key_ulong(const struct ch_mech_key *k, CK_ATTRIBUTE_TYPE t, CK_ULONG *out);

/* A template as the mechanisms see it (key generation, derivation, unwrapping read
 * CKA_VALUE_LEN, CKA_MODULUS_BITS, CKA_EC_PARAMS, CKA_PARAMETER_SET, ... from it). */
struct ch_mech_tmpl {
    const CK_ATTRIBUTE *attrs;
    size_t n;
};
bool ch_mech_tmpl_find(const struct ch_mech_tmpl *t, CK_ATTRIBUTE_TYPE type, const void **val,
                       size_t *len);
bool ch_mech_tmpl_ulong(const struct ch_mech_tmpl *t, CK_ATTRIBUTE_TYPE type, CK_ULONG *out);

/* Attributes a mechanism produces for a new key (values owned by the list; `secret` values are
 * kept in ch_secmem and wiped). */
struct ch_attr_item {
    CK_ATTRIBUTE_TYPE type;
    uint8_t *val;
    size_t len;
    bool secret;
};
struct ch_attr_list {
    struct ch_attr_item *v;
    size_t n, cap;
};
CH_MUST_CHECK CK_RV ch_attr_list_add(struct ch_attr_list *l, CK_ATTRIBUTE_TYPE type,
                                     const void *val, size_t len, bool secret);
CH_MUST_CHECK CK_RV ch_attr_list_add_ulong(struct ch_attr_list *l, CK_ATTRIBUTE_TYPE type,
                                           CK_ULONG v);
CH_MUST_CHECK CK_RV ch_attr_list_add_bool(struct ch_attr_list *l, CK_ATTRIBUTE_TYPE type, bool v);
void ch_attr_list_clear(struct ch_attr_list *l); /* wipes secret values */

/* ---- operations ---------------------------------------------------------------------------- */

/* A running operation. Families embed this as the first member of their own context. */
struct ch_mech_op {
    const struct ch_mech_desc *desc;
    enum ch_op_kind kind;
};

/* The most additional keys one derivation may ask for (besides the C_DeriveKey key). */
#define CH_MECH_MAX_EXTRA_KEYS 32

struct ch_mech_ops {
    /* Start an operation; key is NULL for digests. CKR_MECHANISM_PARAM_INVALID,
     * CKR_KEY_TYPE_INCONSISTENT, CKR_KEY_SIZE_RANGE, CKR_HOST_MEMORY, ... */
    CK_RV (*init)(const struct ch_mech_desc *d, enum ch_op_kind kind, const CK_MECHANISM *m,
                  const struct ch_mech_key *key, struct ch_mech_op **out);
    /* Single-part (encrypt, decrypt, digest, sign, sign-recover, verify-recover). Must answer
     * size queries without consuming the operation (return CKR_OK with *out_len set). */
    CK_RV (*oneshot)(struct ch_mech_op *op, const uint8_t *in, size_t in_len, uint8_t *out,
                     size_t *out_len);
    /* Multi-part update; out NULL and out_len NULL for digest/sign/verify. */
    CK_RV (*update)(struct ch_mech_op *op, const uint8_t *in, size_t in_len, uint8_t *out,
                    size_t *out_len);
    /* C_DigestKey: feed a secret key's value. */
    CK_RV (*update_key)(struct ch_mech_op *op, const struct ch_mech_key *key);
    CK_RV (*final)(struct ch_mech_op *op, uint8_t *out, size_t *out_len);
    CK_RV (*verify)(struct ch_mech_op *op, const uint8_t *in, size_t in_len, const uint8_t *sig,
                    size_t sig_len);
    CK_RV (*verify_final)(struct ch_mech_op *op, const uint8_t *sig, size_t sig_len);
    /* Serialise/restore the running state (C_Get/SetOperationState); NULL: unsaveable. */
    CK_RV (*save)(struct ch_mech_op *op, uint8_t *out, size_t *out_len);
    CK_RV (*restore)(const struct ch_mech_desc *d, enum ch_op_kind kind, const uint8_t *in,
                     size_t len, struct ch_mech_op **out);
    void (*free)(struct ch_mech_op *op); /* wipes */

    /* Key management (NULL where the family has none). The out lists receive the attributes
     * computed for the new key(s), e.g. CKA_VALUE, CKA_MODULUS, CKA_EC_POINT. */
    CK_RV (*generate_key)(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                          const struct ch_mech_tmpl *tmpl, struct ch_attr_list *out);
    CK_RV (*generate_key_pair)(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                               const struct ch_mech_tmpl *pub_tmpl,
                               const struct ch_mech_tmpl *priv_tmpl, struct ch_attr_list *pub_out,
                               struct ch_attr_list *priv_out);
    /* Derive: out receives CKA_VALUE (and what else the mechanism defines) of the new key. */
    CK_RV (*derive)(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                    const struct ch_mech_key *base, const struct ch_mech_tmpl *tmpl,
                    struct ch_attr_list *out);
    /* Mechanisms whose parameter names a second key object (CKM_CONCATENATE_BASE_AND_KEY,
     * HKDF with CKF_HKDF_SALT_KEY): second_key returns its handle (CK_INVALID_HANDLE when the
     * parameter names none or is malformed: derive then judges the parameter), and the token
     * calls derive_with with a view of that key instead of derive. */
    CK_OBJECT_HANDLE (*second_key)(const CK_MECHANISM *m);
    CK_RV (*derive_with)(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                         const struct ch_mech_key *base, const struct ch_mech_key *second,
                         const struct ch_mech_tmpl *tmpl, struct ch_attr_list *out);
    /* Mechanisms that derive several keys in one call (SP 800-108 "Deriving Additional Keys",
     * PKCS#11 3.2): extra_keys points *out at the parameter's CK_DERIVED_KEY array and sets *n
     * (0 and NULL when there is none, or when the parameter is malformed: derive then judges
     * it); CKR_MECHANISM_PARAM_INVALID when count and array disagree or the count exceeds
     * CH_MECH_MAX_EXTRA_KEYS. The array is caller memory: the token copies and checks it. With
     * *n > 0 the token calls derive_multi: tmpls[0] is the C_DeriveKey template, tmpls[1..] the
     * additional ones in order, and outs[i] receives what derive would give for key i. */
    CK_RV (*extra_keys)(const CK_MECHANISM *m, const CK_DERIVED_KEY **out, size_t *n);
    CK_RV (*derive_multi)(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                          const struct ch_mech_key *base, const struct ch_mech_tmpl *tmpls,
                          size_t ntmpls, struct ch_attr_list *outs);
    /* Wrap: `key_bytes` is the encoding of the key to wrap (CKA_VALUE of a secret key, or the
     * PKCS#8 of a private key, prepared by the token). */
    CK_RV (*wrap)(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                  const struct ch_mech_key *wrapping, const uint8_t *key_bytes, size_t key_len,
                  uint8_t *out, size_t *out_len);
    /* Unwrap: *plain is allocated in ch_secmem (free with ch_secmem_free). */
    CK_RV (*unwrap)(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                    const struct ch_mech_key *unwrapping, const uint8_t *in, size_t in_len,
                    uint8_t **plain, size_t *plain_len);
    CK_RV (*encapsulate)(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                         const struct ch_mech_key *pub, uint8_t *ct, size_t *ct_len,
                         uint8_t **secret, size_t *secret_len);
    CK_RV (*decapsulate)(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                         const struct ch_mech_key *priv, const uint8_t *ct, size_t ct_len,
                         uint8_t **secret, size_t *secret_len);

    /* Message-based operations (PKCS#11 3.0 §5.x), on an op started by init with a
     * CH_OP_MSG_* kind. params is the per-message parameter block (e.g. CK_GCM_MESSAGE_PARAMS),
     * updated in place where the spec says (generated IV, tag). Sign/verify use in as data and
     * out/sig as the signature. */
    CK_RV (*msg_oneshot)(struct ch_mech_op *op, void *params, size_t params_len,
                         const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t in_len,
                         uint8_t *out, size_t *out_len);
    CK_RV (*msg_begin)(struct ch_mech_op *op, void *params, size_t params_len, const uint8_t *aad,
                       size_t aad_len);
    CK_RV (*msg_next)(struct ch_mech_op *op, void *params, size_t params_len, const uint8_t *in,
                      size_t in_len, uint8_t *out, size_t *out_len, bool final);
    CK_RV (*msg_verify)(struct ch_mech_op *op, void *params, size_t params_len,
                        const uint8_t *in, size_t in_len, const uint8_t *sig, size_t sig_len);
};

/* One row of the mechanism table. */
struct ch_mech_desc {
    CK_MECHANISM_TYPE type;
    CK_FLAGS flags;               /* CKF_ENCRYPT, CKF_SIGN, CKF_DIGEST, CKF_GENERATE, ... */
    CK_ULONG min_key, max_key;    /* C_GetMechanismInfo units (bits or bytes per the spec) */
    bool approved;                /* FIPS-approved use */
    bool sha1_sign;               /* signs with SHA-1: refused unless allow_sha1_signing */
    CK_KEY_TYPE key_type;         /* the key type it needs (CK_UNAVAILABLE_INFORMATION: none) */
    const struct ch_mech_ops *ops;
    uintptr_t arg;                /* family-private (e.g. the hash of CKM_SHA256_RSA_PKCS) */
};

/* Configuration that bears on what mechanisms accept, set by the token at C_Initialize. */
struct ch_mech_policy {
    bool allow_weak_rsa; /* RSA keys from 1024 bits instead of 2048 */
    bool approved_only;  /* FIPS approved-only mode */
};
#define CH_MECH_WEAK_RSA_MIN_BITS 1024
void ch_mech_set_policy(const struct ch_mech_policy *p);
const struct ch_mech_policy *ch_mech_get_policy(void);
/* The smallest key size the row accepts under the current policy (C_GetMechanismInfo units). */
CK_ULONG ch_mech_min_key(const struct ch_mech_desc *d);

/* The table: look-up by type (NULL if unknown), and the sorted list of all types. */
const struct ch_mech_desc *ch_mech_find(CK_MECHANISM_TYPE type);
size_t ch_mech_count(void);
CK_MECHANISM_TYPE ch_mech_type_at(size_t i);
/* Fill CK_MECHANISM_INFO for the row. */
void ch_mech_info(const struct ch_mech_desc *d, CK_MECHANISM_INFO *out);
/* The CKF_ flag that an operation kind needs in the row (CKF_ENCRYPT for CH_OP_ENCRYPT, ...). */
CK_FLAGS ch_mech_flag_for(enum ch_op_kind kind);

/* Validate imported key material of key type k->type (point on the curve, consistent RSA
 * components, PQC encodings and their checks). CKR_OK when the family has nothing to check,
 * CKR_ATTRIBUTE_VALUE_INVALID for bad material. */
CH_MUST_CHECK CK_RV ch_mech_key_validate(const struct ch_mech_key *k);

/* The bytes C_WrapKey wraps: CKA_VALUE of a secret key, the PKCS#8 PrivateKeyInfo of a
 * private key (families that can encode it). *out in ch_secmem. CKR_KEY_NOT_WRAPPABLE when the
 * key cannot be encoded. */
CH_MUST_CHECK CK_RV ch_mech_key_export(const struct ch_mech_key *k, uint8_t **out, size_t *len);
/* The attributes of a private key decoded from PKCS#8 (C_UnwrapKey of a private key); the
 * list receives CKA_KEY_TYPE and the key's value attributes. CKR_WRAPPED_KEY_INVALID. */
CH_MUST_CHECK CK_RV ch_mech_key_import_pkcs8(const uint8_t *der, size_t len,
                                             struct ch_attr_list *out);

/* The size convention: out NULL asks for the size (returns CKR_OK, *out_len = need); a capacity
 * below need gives CKR_BUFFER_TOO_SMALL with *out_len = need; otherwise CKR_OK and the caller
 * writes. Returns with *out_len = need in all three cases, so check `out != NULL` after. */
CH_MUST_CHECK CK_RV ch_mech_out_check(uint8_t *out, size_t *out_len, size_t need);

#endif
