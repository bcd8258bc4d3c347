/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/mech: what the public-key families (mech_rsa.c, mech_ec.c, mech_eddsa.c) share:
 * the key's ch_pkey built once and kept in the object's cache slot, CKA_EC_PARAMS/CKA_EC_POINT
 * encodings, generated-key attribute lists with the pairwise-consistency test, the key hooks
 * (validate, PKCS#8) and one operation type for sign/verify/recover/encrypt/decrypt. */
#ifndef CH_MECH_PK_H
#define CH_MECH_PK_H

#include "crypto/crypto.h"
#include "mech/mech_internal.h"

/* The key object's ch_pkey: taken from its cache slot or built from its attributes and put
 * there (under the slot's mutex). Returns a new reference (ch_crypto_pkey_free it).
 * CKR_OK, CKR_KEY_TYPE_INCONSISTENT (not a public-key type), CKR_TEMPLATE_INCOMPLETE (missing
 * component), CKR_ATTRIBUTE_VALUE_INVALID (malformed component), CKR_HOST_MEMORY. */
CH_MUST_CHECK CK_RV ch_mech_pk_key(const struct ch_mech_key *k, struct ch_pkey **out);

/* CKA_EC_PARAMS: a DER OBJECT IDENTIFIER of a named curve (RFC 5480 §2.1.1.1, RFC 8410 §3) or
 * the PrintableString curve name form of PKCS#11 3.0 §6.3.3/§6.3.5. */
bool ch_mech_pk_params_decode(const uint8_t *v, size_t len, enum ch_pk_type *t, enum ch_curve *c);
/* The DER OID encoding of a curve (for keys decoded from PKCS#8). */
bool ch_mech_pk_params_encode(enum ch_pk_type t, enum ch_curve c, const uint8_t **der,
                              size_t *len);
/* A public point / public key of curve (t, c) as the application gave it: DER OCTET STRING
 * (PKCS#11 3.0 §6.3.3 CKA_EC_POINT) or the raw octets (accepted too, as clients differ).
 * False when it is neither of a length the curve allows. */
bool ch_mech_pk_point(enum ch_pk_type t, enum ch_curve c, const uint8_t *v, size_t len,
                      const uint8_t **raw, size_t *raw_len);

/* Add component `comp` of k as attribute t (secret: wiped ch_secmem copy). */
CH_MUST_CHECK CK_RV ch_mech_pk_add_comp(struct ch_attr_list *l, CK_ATTRIBUTE_TYPE t,
                                        const struct ch_pkey *k, int comp, bool secret);
/* Add the raw public key/point as a DER OCTET STRING CKA_EC_POINT. */
CH_MUST_CHECK CK_RV ch_mech_pk_add_point(struct ch_attr_list *l, const uint8_t *raw, size_t len);
/* Run the pairwise-consistency test on a new pair (FIPS 140-3 IG 10.3.A); a failure enters
 * the error state (ch_fips_set_error) and returns CKR_GENERAL_ERROR. */
CH_MUST_CHECK CK_RV ch_mech_pk_pct(const struct ch_pkey *k);
/* The same for a pair generated for key agreement only (ch_crypto_pkey_pct_agreement: the
 * public key recomputed from the private one, SP 800-56A rev3 §5.6.2.1.4). The caller decides
 * that the private key can never sign. */
CH_MUST_CHECK CK_RV ch_mech_pk_pct_agreement(const struct ch_pkey *k);
/* CKA_CLASS + CKA_KEY_TYPE + CKA_PUBLIC_KEY_INFO, common to both halves of a generated pair;
 * the SPKI is copied from spki_from (the public half's list) when that holds one. */
CH_MUST_CHECK CK_RV ch_mech_pk_add_common(struct ch_attr_list *l, CK_OBJECT_CLASS cls,
                                          CK_KEY_TYPE kt, const struct ch_pkey *k,
                                          const struct ch_attr_list *spki_from);

/* Key hooks shared by the three families (see mech_internal.h). import_pkcs8 accepts only the
 * key types in `types` (CKR_KEY_TYPE_INCONSISTENT for others). */
CK_RV ch_mech_pk_validate(const struct ch_mech_key *k);
CK_RV ch_mech_pk_export_pkcs8(const struct ch_mech_key *k, uint8_t **out, size_t *len);
CK_RV ch_mech_pk_import_pkcs8(const uint8_t *der, size_t len, struct ch_attr_list *out,
                              const CK_KEY_TYPE *types, size_t ntypes);

/* ---- the shared operation ----------------------------------------------------------------- */

struct ch_pk_op {
    struct ch_mech_op base;
    struct ch_pkey *pk;       /* own reference */
    struct ch_pk_params pp;   /* pp.label points at label below */
    enum ch_hash hash;        /* hash-and-sign: the operation hashes the data first */
    struct ch_digest *d;      /* multi-part running hash, made by the first update */
    uint8_t *label;           /* OAEP label copy */
};

/* Start an operation on key `k` (its ch_pkey is taken from the cache): checks the key class
 * against the kind, the key size against the row's bounds. Takes nothing on failure. */
CH_MUST_CHECK CK_RV ch_mech_pk_op_new(const struct ch_mech_desc *d, enum ch_op_kind kind,
                                      const struct ch_mech_key *k, const struct ch_pk_params *pp,
                                      enum ch_hash hash, struct ch_pk_op **out);
CK_RV ch_mech_pk_oneshot(struct ch_mech_op *op, const uint8_t *in, size_t in_len, uint8_t *out,
                         size_t *out_len);
CK_RV ch_mech_pk_update(struct ch_mech_op *op, const uint8_t *in, size_t in_len, uint8_t *out,
                        size_t *out_len);
CK_RV ch_mech_pk_final(struct ch_mech_op *op, uint8_t *out, size_t *out_len);
CK_RV ch_mech_pk_verify(struct ch_mech_op *op, const uint8_t *in, size_t in_len,
                        const uint8_t *sig, size_t sig_len);
CK_RV ch_mech_pk_verify_final(struct ch_mech_op *op, const uint8_t *sig, size_t sig_len);
void ch_mech_pk_free(struct ch_mech_op *op);

/* CKM_SHA_1 ... CKM_SHA3_512 -> enum ch_hash (CH_HASH_NONE if not a hash we sign with). */
enum ch_hash ch_mech_pk_hash_of(CK_MECHANISM_TYPE m);
/* CKG_MGF1_* -> enum ch_hash. */
enum ch_hash ch_mech_pk_mgf_of(CK_RSA_PKCS_MGF_TYPE g);

extern const struct ch_mech_family ch_mech_family_rsa;
extern const struct ch_mech_family ch_mech_family_ec;
extern const struct ch_mech_family ch_mech_family_eddsa;

#endif
