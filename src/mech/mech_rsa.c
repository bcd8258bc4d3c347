/* SPDX-License-Identifier: Apache-2.0 */
/* RSA mechanisms (PKCS#11 3.0 §6.1): key-pair generation, PKCS#1 v1.5 (raw and hash-and-sign,
 * SHA-1/SHA-2/SHA-3), PSS, OAEP, raw X.509, sign-recover/verify-recover, and wrapping secret
 * keys with PKCS#1 v1.5 or OAEP. Keys below 2048 bits are refused (the rows' minimum) unless
 * the configuration's allow_weak_rsa lowers it to 1024 (ch_mech_min_key). */
#include <string.h>

#include "mech/mech_pk.h"
#include "util/ch_secmem.h"
#include "util/ch_wipe.h"

#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS CH_PK_MAX_RSA_BITS

/* Row argument: padding in the low byte, the hash of hash-and-sign rows above it. */
#define ARG(pad, h) ((uintptr_t)(pad) | ((uintptr_t)(h) << 8))
#define ARG_PAD(a) ((enum ch_pk_pad)((a)&0xffu))
#define ARG_HASH(a) ((enum ch_hash)((a) >> 8))

/* RFC 8017 §9.1.1 step 3: emLen = ceil((modBits - 1) / 8) >= hLen + sLen + 2. */
static bool pss_salt_fits(size_t bits, size_t hlen, size_t slen)
{
    size_t em_len = (bits - 1 + 7) / 8;
    return hlen + slen + 2 <= em_len;
}

static CK_RV pss_params(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                        struct ch_pk_params *pp)
{
    CK_RSA_PKCS_PSS_PARAMS prm;
    CH_CHECK(m->pParameter != NULL && m->ulParameterLen == sizeof(prm),
             CKR_MECHANISM_PARAM_INVALID);
    memcpy(&prm, m->pParameter, sizeof(prm));
    enum ch_hash h = ch_mech_pk_hash_of(prm.hashAlg), mgf = ch_mech_pk_mgf_of(prm.mgf);
    CH_CHECK(h != CH_HASH_NONE && mgf != CH_HASH_NONE, CKR_MECHANISM_PARAM_INVALID);
    /* §6.1.15: for the CKM_SHAx_RSA_PKCS_PSS rows hashAlg must be the row's hash. */
    CH_CHECK(ARG_HASH(d->arg) == CH_HASH_NONE || ARG_HASH(d->arg) == h,
             CKR_MECHANISM_PARAM_INVALID);
    pp->pad = CH_PAD_PSS;
    pp->md = h;
    pp->mgf = mgf;
    pp->salt_len = prm.sLen;
    CH_CHECK(prm.sLen <= 1024, CKR_MECHANISM_PARAM_INVALID);
    return CKR_OK;
}

static CK_RV oaep_params(const CK_MECHANISM *m, struct ch_pk_params *pp)
{
    CK_RSA_PKCS_OAEP_PARAMS prm;
    CH_CHECK(m->pParameter != NULL && m->ulParameterLen == sizeof(prm),
             CKR_MECHANISM_PARAM_INVALID);
    memcpy(&prm, m->pParameter, sizeof(prm));
    enum ch_hash h = ch_mech_pk_hash_of(prm.hashAlg), mgf = ch_mech_pk_mgf_of(prm.mgf);
    CH_CHECK(h != CH_HASH_NONE && mgf != CH_HASH_NONE, CKR_MECHANISM_PARAM_INVALID);
    /* §6.1.7: the only source is CKZ_DATA_SPECIFIED (0 tolerated for "no label"). */
    CH_CHECK(prm.source == CKZ_DATA_SPECIFIED || (prm.source == 0 && prm.ulSourceDataLen == 0),
             CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(prm.ulSourceDataLen == 0 || prm.pSourceData != NULL, CKR_MECHANISM_PARAM_INVALID);
    pp->pad = CH_PAD_OAEP;
    pp->md = h;
    pp->mgf = mgf;
    pp->label = prm.pSourceData;
    pp->label_len = prm.ulSourceDataLen;
    return CKR_OK;
}

/* The padding parameters of a mechanism (no key needed). */
static CK_RV params_of(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                       struct ch_pk_params *pp)
{
    memset(pp, 0, sizeof(*pp));
    switch (ARG_PAD(d->arg)) {
    case CH_PAD_PSS:
        return pss_params(d, m, pp);
    case CH_PAD_OAEP:
        return oaep_params(m, pp);
    default:
        CH_CHECK(m->pParameter == NULL && m->ulParameterLen == 0, CKR_MECHANISM_PARAM_INVALID);
        pp->pad = ARG_PAD(d->arg);
        pp->md = ARG_HASH(d->arg);
        return CKR_OK;
    }
}

static CK_RV rsa_init(const struct ch_mech_desc *d, enum ch_op_kind kind, const CK_MECHANISM *m,
                      const struct ch_mech_key *key, struct ch_mech_op **out)
{
    struct ch_pk_params pp;
    struct ch_pk_op *op;
    CH_CHECK(key != NULL && key->type == CKK_RSA, CKR_KEY_TYPE_INCONSISTENT);
    CH_TRY(params_of(d, m, &pp));
    CH_TRY(ch_mech_pk_op_new(d, kind, key, &pp, ARG_HASH(d->arg), &op));
    /* PSS: the salt must fit the key (checked here so the sign call cannot fail on it). */
    if (pp.pad == CH_PAD_PSS &&
        !pss_salt_fits(ch_crypto_pkey_bits(op->pk), ch_crypto_hash_len(pp.md), pp.salt_len)) {
        ch_mech_pk_free(&op->base);
        return CKR_MECHANISM_PARAM_INVALID;
    }
    *out = &op->base;
    return CKR_OK;
}

/* ---- key generation (§6.1.4) ------------------------------------------------------------- */

/* FIPS 186-5 §A.1.1 / SP 800-56B §6.2: e odd, 2^16 < e < 2^256 (the same bound the import
 * check applies, so a generated key always re-imports). Leading zero bytes are allowed. */
static bool exponent_ok(const uint8_t *e, size_t len)
{
    while (len > 0 && e[0] == 0) {
        e++;
        len--;
    }
    if (len < 3 || len > 32 || (e[len - 1] & 1) == 0)
        return false;
    return len > 3 || e[0] > 1 || e[1] > 0 || e[2] > 0; /* > 0x010000, odd: >= 65537 */
}

static CK_RV rsa_generate_pair(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                               const struct ch_mech_tmpl *pub_t, const struct ch_mech_tmpl *priv_t,
                               struct ch_attr_list *pub, struct ch_attr_list *priv)
{
    static const CK_ATTRIBUTE_TYPE priv_attrs[CH_RSA_PARTS_] = {
        CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
        CKA_PRIME_2, CKA_EXPONENT_1,      CKA_EXPONENT_2,       CKA_COEFFICIENT,
    };
    static const uint8_t f4[] = {0x01, 0x00, 0x01};
    struct ch_pkey *k = NULL;
    CK_ULONG bits;
    const void *e = f4;
    size_t e_len = sizeof(f4);
    CK_RV rv;
    (void)priv_t;
    CH_CHECK(m->pParameter == NULL && m->ulParameterLen == 0, CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(ch_mech_tmpl_ulong(pub_t, CKA_MODULUS_BITS, &bits), CKR_TEMPLATE_INCOMPLETE);
    /* Refused below 2048 bits (SP 800-131A Rev. 2) unless allow_weak_rsa; more than 8192
     * would hold the
     * session for minutes. */
    CH_CHECK(bits >= ch_mech_min_key(d) && bits <= 8192, CKR_KEY_SIZE_RANGE);
    if (ch_mech_tmpl_find(pub_t, CKA_PUBLIC_EXPONENT, &e, &e_len))
        CH_CHECK(exponent_ok(e, e_len), CKR_ATTRIBUTE_VALUE_INVALID);
    CH_TRY(ch_crypto_pkey_generate(CH_PK_RSA, CH_CURVE_NONE, bits, e, e_len, &k));
    CH_TRY_OUT(ch_mech_pk_pct(k));
    CH_TRY_OUT(ch_mech_pk_add_common(pub, CKO_PUBLIC_KEY, CKK_RSA, k, NULL));
    CH_TRY_OUT(ch_mech_pk_add_comp(pub, CKA_MODULUS, k, CH_PKC_RSA + CH_RSA_N, false));
    CH_TRY_OUT(ch_mech_pk_add_comp(pub, CKA_PUBLIC_EXPONENT, k, CH_PKC_RSA + CH_RSA_E, false));
    CH_TRY_OUT(ch_mech_pk_add_common(priv, CKO_PRIVATE_KEY, CKK_RSA, k, pub));
    for (int i = 0; i < CH_RSA_PARTS_; i++)
        CH_TRY_OUT(ch_mech_pk_add_comp(priv, priv_attrs[i], k, CH_PKC_RSA + i, i >= CH_RSA_D));
    rv = CKR_OK;
out:
    ch_crypto_pkey_free(k);
    return rv;
}

/* ---- wrapping secret keys (§6.1.6, §6.1.8) ------------------------------------------------ */

static CK_RV rsa_wrap(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                      const struct ch_mech_key *wrapping, const uint8_t *key_bytes,
                      size_t key_len, uint8_t *out, size_t *out_len)
{
    struct ch_pk_params pp;
    struct ch_pk_op *op;
    CH_CHECK(wrapping->type == CKK_RSA, CKR_WRAPPING_KEY_TYPE_INCONSISTENT);
    CH_TRY(params_of(d, m, &pp));
    CK_RV rv = ch_mech_pk_op_new(d, CH_OP_ENCRYPT, wrapping, &pp, CH_HASH_NONE, &op);
    if (rv == CKR_KEY_TYPE_INCONSISTENT)
        return CKR_WRAPPING_KEY_TYPE_INCONSISTENT;
    if (rv == CKR_KEY_SIZE_RANGE)
        return CKR_WRAPPING_KEY_SIZE_RANGE;
    CH_TRY(rv);
    rv = ch_mech_pk_oneshot(&op->base, key_bytes, key_len, out, out_len);
    if (rv == CKR_DATA_LEN_RANGE)
        rv = CKR_KEY_SIZE_RANGE; /* the key to wrap does not fit the padding */
    ch_mech_pk_free(&op->base);
    return rv;
}

static CK_RV rsa_unwrap(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                        const struct ch_mech_key *unwrapping, const uint8_t *in, size_t in_len,
                        uint8_t **plain, size_t *plain_len)
{
    struct ch_pk_params pp;
    struct ch_pk_op *op;
    uint8_t *buf = NULL;
    CH_CHECK(unwrapping->type == CKK_RSA, CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT);
    CH_TRY(params_of(d, m, &pp));
    CK_RV rv = ch_mech_pk_op_new(d, CH_OP_DECRYPT, unwrapping, &pp, CH_HASH_NONE, &op);
    if (rv == CKR_KEY_TYPE_INCONSISTENT)
        return CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT;
    if (rv == CKR_KEY_SIZE_RANGE)
        return CKR_UNWRAPPING_KEY_SIZE_RANGE;
    CH_TRY(rv);
    size_t n = ch_crypto_pkey_size(op->pk);
    buf = ch_secmem_alloc(n);
    CH_CHECK_OUT(buf != NULL, CKR_HOST_MEMORY);
    rv = ch_crypto_pkey_decrypt(op->pk, &op->pp, in, in_len, buf, &n);
    if (rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_ENCRYPTED_DATA_LEN_RANGE)
        rv = rv == CKR_ENCRYPTED_DATA_INVALID ? CKR_WRAPPED_KEY_INVALID
                                              : CKR_WRAPPED_KEY_LEN_RANGE;
    CH_TRY_OUT(rv);
    *plain = buf;
    *plain_len = n;
    buf = NULL;
out:
    ch_secmem_free(buf);
    ch_mech_pk_free(&op->base);
    return rv;
}

/* ---- the table ---------------------------------------------------------------------------- */

static const struct ch_mech_ops rsa_single_ops = {
    .init = rsa_init,
    .oneshot = ch_mech_pk_oneshot,
    .verify = ch_mech_pk_verify,
    .free = ch_mech_pk_free,
    .wrap = rsa_wrap,
    .unwrap = rsa_unwrap,
};

static const struct ch_mech_ops rsa_multi_ops = {
    .init = rsa_init,
    .oneshot = ch_mech_pk_oneshot,
    .update = ch_mech_pk_update,
    .final = ch_mech_pk_final,
    .verify = ch_mech_pk_verify,
    .verify_final = ch_mech_pk_verify_final,
    .free = ch_mech_pk_free,
};

static const struct ch_mech_ops rsa_gen_ops = {
    .generate_key_pair = rsa_generate_pair,
};

#define SV (CKF_SIGN | CKF_VERIFY)
#define ROW(mech, fl, appr, sha1, ops_, arg_)                                                      \
    {.type = (mech), .flags = (fl), .min_key = RSA_MIN_BITS, .max_key = RSA_MAX_BITS,              \
     .approved = (appr), .sha1_sign = (sha1), .key_type = CKK_RSA, .ops = &(ops_), .arg = (arg_)}
#define HS(mech, h, pad, appr, sha1) ROW(mech, SV, appr, sha1, rsa_multi_ops, ARG(pad, h))

static const struct ch_mech_desc rows[] = {
    ROW(CKM_RSA_PKCS_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR, true, false, rsa_gen_ops, 0),
    ROW(CKM_RSA_PKCS,
        CKF_ENCRYPT | CKF_DECRYPT | SV | CKF_SIGN_RECOVER | CKF_VERIFY_RECOVER | CKF_WRAP |
            CKF_UNWRAP,
        true, false, rsa_single_ops, ARG(CH_PAD_PKCS1, CH_HASH_NONE)),
    ROW(CKM_RSA_X_509,
        CKF_ENCRYPT | CKF_DECRYPT | SV | CKF_SIGN_RECOVER | CKF_VERIFY_RECOVER, false, false,
        rsa_single_ops, ARG(CH_PAD_NONE, CH_HASH_NONE)),
    ROW(CKM_RSA_PKCS_OAEP, CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP, true, false,
        rsa_single_ops, ARG(CH_PAD_OAEP, CH_HASH_NONE)),
    ROW(CKM_RSA_PKCS_PSS, SV, true, false, rsa_single_ops, ARG(CH_PAD_PSS, CH_HASH_NONE)),
    /* SHA-1 signing is refused unless allow_sha1_signing (sha1_sign); verification stays. */
    HS(CKM_SHA1_RSA_PKCS, CH_HASH_SHA1, CH_PAD_PKCS1, false, true),
    HS(CKM_SHA224_RSA_PKCS, CH_HASH_SHA224, CH_PAD_PKCS1, true, false),
    HS(CKM_SHA256_RSA_PKCS, CH_HASH_SHA256, CH_PAD_PKCS1, true, false),
    HS(CKM_SHA384_RSA_PKCS, CH_HASH_SHA384, CH_PAD_PKCS1, true, false),
    HS(CKM_SHA512_RSA_PKCS, CH_HASH_SHA512, CH_PAD_PKCS1, true, false),
    HS(CKM_SHA3_224_RSA_PKCS, CH_HASH_SHA3_224, CH_PAD_PKCS1, true, false),
    HS(CKM_SHA3_256_RSA_PKCS, CH_HASH_SHA3_256, CH_PAD_PKCS1, true, false),
    HS(CKM_SHA3_384_RSA_PKCS, CH_HASH_SHA3_384, CH_PAD_PKCS1, true, false),
    HS(CKM_SHA3_512_RSA_PKCS, CH_HASH_SHA3_512, CH_PAD_PKCS1, true, false),
    HS(CKM_SHA1_RSA_PKCS_PSS, CH_HASH_SHA1, CH_PAD_PSS, false, true),
    HS(CKM_SHA224_RSA_PKCS_PSS, CH_HASH_SHA224, CH_PAD_PSS, true, false),
    HS(CKM_SHA256_RSA_PKCS_PSS, CH_HASH_SHA256, CH_PAD_PSS, true, false),
    HS(CKM_SHA384_RSA_PKCS_PSS, CH_HASH_SHA384, CH_PAD_PSS, true, false),
    HS(CKM_SHA512_RSA_PKCS_PSS, CH_HASH_SHA512, CH_PAD_PSS, true, false),
    HS(CKM_SHA3_224_RSA_PKCS_PSS, CH_HASH_SHA3_224, CH_PAD_PSS, true, false),
    HS(CKM_SHA3_256_RSA_PKCS_PSS, CH_HASH_SHA3_256, CH_PAD_PSS, true, false),
    HS(CKM_SHA3_384_RSA_PKCS_PSS, CH_HASH_SHA3_384, CH_PAD_PSS, true, false),
    HS(CKM_SHA3_512_RSA_PKCS_PSS, CH_HASH_SHA3_512, CH_PAD_PSS, true, false),
};

static bool rsa_owns(CK_KEY_TYPE t)
{
    return t == CKK_RSA;
}

static CK_RV rsa_import_pkcs8(const uint8_t *der, size_t len, struct ch_attr_list *out)
{
    static const CK_KEY_TYPE mine[] = {CKK_RSA};
    return ch_mech_pk_import_pkcs8(der, len, out, mine, 1);
}

const struct ch_mech_family ch_mech_family_rsa = {
    .rows = rows,
    .nrows = sizeof(rows) / sizeof(rows[0]),
    .owns = rsa_owns,
    .validate = ch_mech_pk_validate,
    .export_pkcs8 = ch_mech_pk_export_pkcs8,
    .import_pkcs8 = rsa_import_pkcs8,
};
