/* SPDX-License-Identifier: Apache-2.0 */
/* Elliptic-curve mechanisms on the NIST prime curves P-256/384/521 (PKCS#11 3.0 §6.3): key-pair
 * generation, ECDSA (raw hash input and hash-and-sign with SHA-1/SHA-2/SHA-3; signatures are
 * r || s), and ECDH1 / ECDH1-cofactor derivation with CKD_NULL, the ANSI X9.63 KDFs or the
 * SP 800-56C one-step KDFs, which also serves X25519/X448 on CKK_EC_MONTGOMERY keys (§6.3.16). */
#include <string.h>

#include "craton_hsm/craton_hsm.h"
#include "mech/mech_pk.h"
#include "util/ch_ct.h"
#include "util/ch_secmem.h"
#include "util/ch_wipe.h"

#define EC_FLAGS (CKF_EC_F_P | CKF_EC_OID | CKF_EC_UNCOMPRESS)
#define CH_ECDH_MAX_KEY 1024 /* bytes of a derived key (CKA_VALUE_LEN) */

static CK_RV ecdsa_init(const struct ch_mech_desc *d, enum ch_op_kind kind, const CK_MECHANISM *m,
                        const struct ch_mech_key *key, struct ch_mech_op **out)
{
    struct ch_pk_params pp = {.pad = CH_PAD_NONE};
    struct ch_pk_op *op;
    CH_CHECK(key != NULL && key->type == CKK_EC, CKR_KEY_TYPE_INCONSISTENT);
    CH_CHECK(m->pParameter == NULL && m->ulParameterLen == 0, CKR_MECHANISM_PARAM_INVALID);
    CH_TRY(ch_mech_pk_op_new(d, kind, key, &pp, (enum ch_hash)d->arg, &op));
    *out = &op->base;
    return CKR_OK;
}

/* ---- key generation (§6.3.6) -------------------------------------------------------------- */

/* A CK_BBOOL the template sets explicitly: 1 TRUE, 0 FALSE, -1 absent or malformed. */
static int tmpl_bool(const struct ch_mech_tmpl *t, CK_ATTRIBUTE_TYPE type)
{
    const void *v;
    size_t l;
    if (t == NULL || !ch_mech_tmpl_find(t, type, &v, &l) || l != sizeof(CK_BBOOL))
        return -1;
    return *(const CK_BBOOL *)v != CK_FALSE;
}

/* A private key asked for with CKA_SIGN = FALSE and CKA_DERIVE = TRUE is a key-agreement key:
 * it can never sign (CKA_SIGN defaults to TRUE for private keys in src/token/tok_attr.c, so
 * only an explicit FALSE gets here, and CKA_CH_AGREEMENT_ONLY keeps it from being turned on
 * later), so its pairwise-consistency test is SP 800-56A rev3
 * §5.6.2.1.4's Q == d*G. Every key that may sign gets the sign+verify test (FIPS 140-3
 * IG 10.3.A). */
static bool agreement_only(const struct ch_mech_tmpl *priv_t)
{
    return tmpl_bool(priv_t, CKA_SIGN) == 0 && tmpl_bool(priv_t, CKA_DERIVE) == 1;
}

static CK_RV ec_generate_pair(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                              const struct ch_mech_tmpl *pub_t, const struct ch_mech_tmpl *priv_t,
                              struct ch_attr_list *pub, struct ch_attr_list *priv)
{
    const void *params;
    size_t plen;
    enum ch_pk_type t;
    enum ch_curve c;
    struct ch_pkey *k = NULL;
    uint8_t pt[1 + 2 * 66];
    size_t ptl = sizeof(pt);
    CK_RV rv;
    (void)d;
    CH_CHECK(m->pParameter == NULL && m->ulParameterLen == 0, CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(ch_mech_tmpl_find(pub_t, CKA_EC_PARAMS, &params, &plen), CKR_TEMPLATE_INCOMPLETE);
    CH_CHECK(ch_mech_pk_params_decode(params, plen, &t, &c) && t == CH_PK_EC,
             CKR_CURVE_NOT_SUPPORTED);
    CH_TRY(ch_crypto_pkey_generate(CH_PK_EC, c, 0, NULL, 0, &k));
    bool agree = agreement_only(priv_t);
    CH_TRY_OUT(agree ? ch_mech_pk_pct_agreement(k) : ch_mech_pk_pct(k));
    CH_TRY_OUT(ch_crypto_pkey_get(k, CH_PKC_EC_POINT, pt, &ptl));
    CH_TRY_OUT(ch_mech_pk_add_common(pub, CKO_PUBLIC_KEY, CKK_EC, k, NULL));
    CH_TRY_OUT(ch_mech_pk_add_point(pub, pt, ptl));
    CH_TRY_OUT(ch_mech_pk_add_common(priv, CKO_PRIVATE_KEY, CKK_EC, k, pub));
    CH_TRY_OUT(ch_attr_list_add(priv, CKA_EC_PARAMS, params, plen, false));
    CH_TRY_OUT(ch_mech_pk_add_comp(priv, CKA_VALUE, k, CH_PKC_EC_PRIV, true));
    if (agree) { /* so the token never lets it sign later (tok_attr.c) */
        static const CK_BBOOL yes = CK_TRUE;
        CH_TRY_OUT(ch_attr_list_add(priv, CKA_CH_AGREEMENT_ONLY, &yes, 1, false));
    }
    rv = CKR_OK;
out:
    ch_crypto_pkey_free(k);
    return rv;
}

/* ---- ECDH1 derivation (§6.3.15-16) ------------------------------------------------------- */

/* The hash of a CKD_ value (PKCS#11 3.2, CK_EC_KDF_TYPE) and whether it is the SP 800-56C
 * one-step KDF (the _SP800 values) rather than the ANSI X9.63 KDF. CH_HASH_NONE: not one we
 * offer (CKD_NULL is handled by the caller). */
static enum ch_hash kdf_hash(CK_EC_KDF_TYPE kdf, bool *sp800)
{
    static const struct {
        CK_EC_KDF_TYPE x963, sp800;
        enum ch_hash h;
    } kdfs[] = {
        {CKD_SHA1_KDF, CKD_SHA1_KDF_SP800, CH_HASH_SHA1},
        {CKD_SHA224_KDF, CKD_SHA224_KDF_SP800, CH_HASH_SHA224},
        {CKD_SHA256_KDF, CKD_SHA256_KDF_SP800, CH_HASH_SHA256},
        {CKD_SHA384_KDF, CKD_SHA384_KDF_SP800, CH_HASH_SHA384},
        {CKD_SHA512_KDF, CKD_SHA512_KDF_SP800, CH_HASH_SHA512},
        {CKD_SHA3_224_KDF, CKD_SHA3_224_KDF_SP800, CH_HASH_SHA3_224},
        {CKD_SHA3_256_KDF, CKD_SHA3_256_KDF_SP800, CH_HASH_SHA3_256},
        {CKD_SHA3_384_KDF, CKD_SHA3_384_KDF_SP800, CH_HASH_SHA3_384},
        {CKD_SHA3_512_KDF, CKD_SHA3_512_KDF_SP800, CH_HASH_SHA3_512},
    };
    for (size_t i = 0; i < CH_ARRAY_LEN(kdfs); i++) {
        if (kdf == kdfs[i].x963 || kdf == kdfs[i].sp800) {
            *sp800 = kdf == kdfs[i].sp800;
            return kdfs[i].h;
        }
    }
    *sp800 = false;
    return CH_HASH_NONE;
}

/* ANSI X9.63 KDF (SEC 1 v2 §3.6.1): K = H(Z || Counter || SharedInfo) for Counter = 1, 2, ...
 * big-endian 32 bits, concatenated and truncated to `len`. */
static CK_RV x963_kdf(enum ch_hash h, const uint8_t *z, size_t zl, const uint8_t *info,
                      size_t il, uint8_t *out, size_t len)
{
    uint8_t block[CH_HASH_MAX_LEN];
    size_t hl = ch_crypto_hash_len(h);
    CK_RV rv = CKR_OK;
    for (uint32_t ctr = 1; len > 0 && rv == CKR_OK; ctr++) {
        uint8_t c[4] = {(uint8_t)(ctr >> 24), (uint8_t)(ctr >> 16), (uint8_t)(ctr >> 8),
                        (uint8_t)ctr};
        struct ch_digest *dg = NULL;
        rv = ch_crypto_digest_new(h, &dg);
        if (rv == CKR_OK)
            rv = ch_crypto_digest_update(dg, z, zl);
        if (rv == CKR_OK)
            rv = ch_crypto_digest_update(dg, c, sizeof(c));
        if (rv == CKR_OK && il > 0)
            rv = ch_crypto_digest_update(dg, info, il);
        if (rv == CKR_OK)
            rv = ch_crypto_digest_final(dg, block);
        ch_crypto_digest_free(dg);
        size_t n = len < hl ? len : hl;
        if (rv == CKR_OK)
            memcpy(out, block, n);
        out += n;
        len -= n;
    }
    ch_wipe(block, sizeof(block));
    return rv;
}

static CK_RV ecdh_derive(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                         const struct ch_mech_key *base, const struct ch_mech_tmpl *tmpl,
                         struct ch_attr_list *out)
{
    CK_ECDH1_DERIVE_PARAMS prm;
    struct ch_pkey *k = NULL, *peer = NULL;
    uint8_t z[66], key[CH_ECDH_MAX_KEY];
    size_t zl = sizeof(z);
    const uint8_t *raw;
    size_t rl;
    CK_ULONG want = 0;
    CK_RV rv;

    CH_CHECK(base->type == CKK_EC || base->type == CKK_EC_MONTGOMERY, CKR_KEY_TYPE_INCONSISTENT);
    CH_CHECK(base->cls == CKO_PRIVATE_KEY, CKR_KEY_TYPE_INCONSISTENT);
    CH_CHECK(m->pParameter != NULL && m->ulParameterLen == sizeof(prm),
             CKR_MECHANISM_PARAM_INVALID);
    memcpy(&prm, m->pParameter, sizeof(prm));
    bool sp800;
    enum ch_hash h = kdf_hash(prm.kdf, &sp800);
    CH_CHECK(prm.kdf == CKD_NULL || h != CH_HASH_NONE, CKR_MECHANISM_PARAM_INVALID);
    /* §6.3.15: with CKD_NULL there is no shared data. */
    CH_CHECK(prm.kdf != CKD_NULL || prm.ulSharedDataLen == 0, CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(prm.ulSharedDataLen == 0 || prm.pSharedData != NULL, CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(prm.pPublicData != NULL && prm.ulPublicDataLen > 0, CKR_MECHANISM_PARAM_INVALID);
    /* Cofactor ECDH is defined for the prime curves only. */
    CH_CHECK(d->type != CKM_ECDH1_COFACTOR_DERIVE || base->type == CKK_EC, CKR_KEY_TYPE_INCONSISTENT);
    rv = ch_mech_pk_key(base, &k);
    if (rv != CKR_OK)
        return rv == CKR_HOST_MEMORY ? rv : CKR_KEY_TYPE_INCONSISTENT;
    enum ch_pk_type t = ch_crypto_pkey_type(k);
    CH_CHECK_OUT(ch_mech_pk_point(t, ch_crypto_pkey_curve(k), prm.pPublicData,
                                  prm.ulPublicDataLen, &raw, &rl),
                 CKR_MECHANISM_PARAM_INVALID);
    /* The peer's public key, validated as it is built: SP 800-56A §5.6.2.3.4 partial
     * validation for the prime curves (cofactor 1: nothing left for the full check's n*Q);
     * X25519/X448 need none (RFC 7748 §6: the all-zero result is refused at derivation). */
    rv = t == CH_PK_EC ? ch_crypto_pkey_ec_new(ch_crypto_pkey_curve(k), raw, rl, NULL, 0, &peer)
                       : ch_crypto_pkey_raw_new(t, raw, rl, NULL, 0, &peer);
    CH_CHECK_OUT(rv == CKR_OK || rv == CKR_HOST_MEMORY, CKR_MECHANISM_PARAM_INVALID);
    CH_TRY_OUT(rv);
    rv = ch_crypto_pkey_derive(k, peer, d->type == CKM_ECDH1_COFACTOR_DERIVE, z, &zl);
    CH_CHECK_OUT(rv == CKR_OK, rv == CKR_FUNCTION_FAILED ? CKR_MECHANISM_PARAM_INVALID : rv);
    CH_CT_SECRET(z, zl);
    /* The new key's length: CKA_VALUE_LEN when given, else all of Z (CKD_NULL) or one hash
     * output. CKD_NULL cannot produce more than Z. */
    bool has_len = ch_mech_tmpl_ulong(tmpl, CKA_VALUE_LEN, &want);
    size_t len = has_len ? want : (h == CH_HASH_NONE ? zl : ch_crypto_hash_len(h));
    CH_CHECK_OUT(len > 0 && len <= sizeof(key), CKR_ATTRIBUTE_VALUE_INVALID);
    CH_CHECK_OUT(h != CH_HASH_NONE || len <= zl, CKR_TEMPLATE_INCONSISTENT);
    /* The key is assembled on the stack (wiped below); the attribute list keeps its own copy
     * in ch_secmem. */
    if (h == CH_HASH_NONE)
        memcpy(key, z + (zl - len), len); /* §6.3.15: truncation keeps the low-order bytes */
    else if (sp800)
        CH_TRY_OUT(ch_crypto_sskdf(h, z, zl, prm.pSharedData, prm.ulSharedDataLen, key, len));
    else
        CH_TRY_OUT(x963_kdf(h, z, zl, prm.pSharedData, prm.ulSharedDataLen, key, len));
    CH_TRY_OUT(ch_attr_list_add(out, CKA_VALUE, key, len, true));
    rv = CKR_OK;
out:
    ch_wipe(z, sizeof(z));
    ch_wipe(key, sizeof(key));
    ch_crypto_pkey_free(peer);
    ch_crypto_pkey_free(k);
    return rv;
}

/* ---- the table ---------------------------------------------------------------------------- */

static const struct ch_mech_ops ecdsa_single_ops = {
    .init = ecdsa_init,
    .oneshot = ch_mech_pk_oneshot,
    .verify = ch_mech_pk_verify,
    .free = ch_mech_pk_free,
};

static const struct ch_mech_ops ecdsa_multi_ops = {
    .init = ecdsa_init,
    .oneshot = ch_mech_pk_oneshot,
    .update = ch_mech_pk_update,
    .final = ch_mech_pk_final,
    .verify = ch_mech_pk_verify,
    .verify_final = ch_mech_pk_verify_final,
    .free = ch_mech_pk_free,
};

static const struct ch_mech_ops ec_gen_ops = {.generate_key_pair = ec_generate_pair};
static const struct ch_mech_ops ecdh_ops = {.derive = ecdh_derive};

#define ROW(mech, fl, appr, sha1, kt, ops_, h)                                                     \
    {.type = (mech), .flags = (fl) | EC_FLAGS, .min_key = 256, .max_key = 521,                    \
     .approved = (appr), .sha1_sign = (sha1), .key_type = (kt), .ops = &(ops_), .arg = (h)}
#define ECDSA(mech, h, appr, sha1)                                                                 \
    ROW(mech, CKF_SIGN | CKF_VERIFY, appr, sha1, CKK_EC, ecdsa_multi_ops, h)

static const struct ch_mech_desc rows[] = {
    ROW(CKM_EC_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR, true, false, CKK_EC, ec_gen_ops, 0),
    ROW(CKM_ECDSA, CKF_SIGN | CKF_VERIFY, true, false, CKK_EC, ecdsa_single_ops, CH_HASH_NONE),
    ECDSA(CKM_ECDSA_SHA1, CH_HASH_SHA1, false, true),
    ECDSA(CKM_ECDSA_SHA224, CH_HASH_SHA224, true, false),
    ECDSA(CKM_ECDSA_SHA256, CH_HASH_SHA256, true, false),
    ECDSA(CKM_ECDSA_SHA384, CH_HASH_SHA384, true, false),
    ECDSA(CKM_ECDSA_SHA512, CH_HASH_SHA512, true, false),
    ECDSA(CKM_ECDSA_SHA3_224, CH_HASH_SHA3_224, true, false),
    ECDSA(CKM_ECDSA_SHA3_256, CH_HASH_SHA3_256, true, false),
    ECDSA(CKM_ECDSA_SHA3_384, CH_HASH_SHA3_384, true, false),
    ECDSA(CKM_ECDSA_SHA3_512, CH_HASH_SHA3_512, true, false),
    /* Key type checked by ecdh_derive: CKK_EC or CKK_EC_MONTGOMERY. Bounds cover X25519 (255)
     * to P-521. */
    {.type = CKM_ECDH1_DERIVE, .flags = CKF_DERIVE | EC_FLAGS, .min_key = 255, .max_key = 521,
     .approved = true, .key_type = CK_UNAVAILABLE_INFORMATION, .ops = &ecdh_ops},
    {.type = CKM_ECDH1_COFACTOR_DERIVE, .flags = CKF_DERIVE | EC_FLAGS, .min_key = 256,
     .max_key = 521, .approved = true, .key_type = CKK_EC, .ops = &ecdh_ops},
};

static bool ec_owns(CK_KEY_TYPE t)
{
    return t == CKK_EC;
}

static CK_RV ec_import_pkcs8(const uint8_t *der, size_t len, struct ch_attr_list *out)
{
    static const CK_KEY_TYPE mine[] = {CKK_EC};
    return ch_mech_pk_import_pkcs8(der, len, out, mine, 1);
}

const struct ch_mech_family ch_mech_family_ec = {
    .rows = rows,
    .nrows = sizeof(rows) / sizeof(rows[0]),
    .owns = ec_owns,
    .validate = ch_mech_pk_validate,
    .export_pkcs8 = ch_mech_pk_export_pkcs8,
    .import_pkcs8 = ec_import_pkcs8,
};
