/* SPDX-License-Identifier: Apache-2.0 */
/* Key derivation: CKM_HKDF_DERIVE (PKCS#11 3.0 §6.60, RFC 5869), CKM_SP800_108_COUNTER_KDF
 * (§6.40, SP 800-108r1 §4.1 with HMAC or AES-CMAC as PRF) through C_DeriveKey, and
 * CKM_PKCS5_PBKD2 (§6.29, RFC 8018 §5.2) through C_GenerateKey. The new key's length comes from
 * CKA_VALUE_LEN of the template (consumed here); its other attributes are the token's. */
#include <stdlib.h>
#include <string.h>

#include "mech/mech_sym.h"
#include "util/ch_secmem.h"
#include "util/ch_wipe.h"

#define KDF_MAX_OUT (255 * 64) /* bytes of one derived key: HKDF-SHA-512 maximum */

/* Length and type of the key to make: CKA_VALUE_LEN (required unless `dflt` != 0), checked
 * against the key type of the template (AES: 16/24/32). */
static CK_RV out_len(const struct ch_mech_tmpl *t, size_t dflt, size_t *len, CK_KEY_TYPE *kt)
{
    CK_ULONG v, k = CKK_GENERIC_SECRET;
    (void)ch_mech_tmpl_ulong(t, CKA_KEY_TYPE, &k);
    if (ch_mech_tmpl_ulong(t, CKA_VALUE_LEN, &v)) {
        CH_CHECK(dflt == 0 || v == dflt, CKR_TEMPLATE_INCONSISTENT);
    } else {
        CH_CHECK(dflt != 0, CKR_TEMPLATE_INCOMPLETE);
        v = dflt;
    }
    CH_CHECK(v >= 1 && v <= KDF_MAX_OUT, CKR_KEY_SIZE_RANGE);
    if (k == CKK_AES)
        CH_CHECK(v == 16 || v == 24 || v == 32, CKR_TEMPLATE_INCONSISTENT);
    *len = v;
    *kt = k;
    return CKR_OK;
}

/* CKA_VALUE (+ CKA_KEY_TYPE when the template leaves it to us). */
static CK_RV put_key(const struct ch_mech_tmpl *t, CK_KEY_TYPE kt, const uint8_t *v, size_t len,
                     struct ch_attr_list *out)
{
    const void *p;
    size_t l;
    if (!ch_mech_tmpl_find(t, CKA_KEY_TYPE, &p, &l))
        CH_TRY(ch_attr_list_add_ulong(out, CKA_KEY_TYPE, kt));
    return ch_attr_list_add(out, CKA_VALUE, v, len, true);
}

/* ---- HKDF ---------------------------------------------------------------------------------- */

/* CKM_HKDF_DERIVE makes a key, CKM_HKDF_DATA a data object (PKCS#11 3.0 §6.60.4-5); the salt
 * comes from the parameter, from a second key (CKF_HKDF_SALT_KEY) or is absent. */
static CK_RV hkdf_common(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                         const struct ch_mech_key *base, const struct ch_mech_key *salt_key,
                         const struct ch_mech_tmpl *tmpl, struct ch_attr_list *out)
{
    const uint8_t *ikm;
    size_t ikm_len, len;
    CK_KEY_TYPE kt;
    CK_RV rv;
    CH_CHECK(m->pParameter != NULL && m->ulParameterLen == sizeof(CK_HKDF_PARAMS),
             CKR_MECHANISM_PARAM_INVALID);
    const CK_HKDF_PARAMS *p = m->pParameter;
    enum ch_hash h = ch_mech_sym_hash_of(p->prfHashMechanism);
    CH_CHECK(h != CH_HASH_NONE && (p->bExtract || p->bExpand), CKR_MECHANISM_PARAM_INVALID);
    const uint8_t *salt = NULL;
    size_t salt_len = 0;
    if (p->bExtract) {
        if (p->ulSaltType == CKF_HKDF_SALT_DATA) {
            CH_CHECK(p->pSalt != NULL && p->ulSaltLen > 0, CKR_MECHANISM_PARAM_INVALID);
            salt = p->pSalt;
            salt_len = p->ulSaltLen;
        } else if (p->ulSaltType == CKF_HKDF_SALT_KEY) {
            CH_CHECK(salt_key != NULL, CKR_MECHANISM_PARAM_INVALID);
            CH_CHECK(salt_key->cls == CKO_SECRET_KEY, CKR_KEY_TYPE_INCONSISTENT);
            CH_TRY(ch_mech_sym_value(salt_key, &salt, &salt_len));
        } else {
            CH_CHECK(p->ulSaltType == CKF_HKDF_SALT_NULL, CKR_MECHANISM_PARAM_INVALID);
        }
    }
    CH_CHECK(p->pInfo != NULL || p->ulInfoLen == 0, CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(base->type == CKK_GENERIC_SECRET || base->type == CKK_HKDF,
             CKR_KEY_TYPE_INCONSISTENT);
    CK_ULONG cls = CKO_SECRET_KEY;
    (void)ch_mech_tmpl_ulong(tmpl, CKA_CLASS, &cls);
    bool data = d->type == CKM_HKDF_DATA;
    CH_CHECK(data ? cls == CKO_DATA : cls == CKO_SECRET_KEY, CKR_TEMPLATE_INCONSISTENT);
    CH_TRY(ch_mech_sym_value(base, &ikm, &ikm_len));
    CH_TRY(out_len(tmpl, p->bExpand ? 0 : ch_crypto_hash_len(h), &len, &kt));
    enum ch_hkdf_mode mode = !p->bExpand    ? CH_HKDF_EXTRACT
                             : !p->bExtract ? CH_HKDF_EXPAND
                                            : CH_HKDF_BOTH;
    uint8_t *v = ch_secmem_alloc(len);
    CH_CHECK(v != NULL, CKR_HOST_MEMORY);
    rv = ch_crypto_hkdf(h, mode, ikm, ikm_len, salt, salt_len, p->bExpand ? p->pInfo : NULL,
                        p->bExpand ? p->ulInfoLen : 0, v, len);
    if (rv == CKR_OK)
        rv = data ? ch_attr_list_add(out, CKA_VALUE, v, len, true) : put_key(tmpl, kt, v, len, out);
    ch_secmem_free(v);
    return rv;
}

static CK_RV hkdf_derive(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                         const struct ch_mech_key *base, const struct ch_mech_tmpl *tmpl,
                         struct ch_attr_list *out)
{
    return hkdf_common(d, m, base, NULL, tmpl, out);
}

static CK_RV hkdf_derive_with(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                              const struct ch_mech_key *base, const struct ch_mech_key *salt,
                              const struct ch_mech_tmpl *tmpl, struct ch_attr_list *out)
{
    return hkdf_common(d, m, base, salt, tmpl, out);
}

static CK_OBJECT_HANDLE hkdf_salt_key(const CK_MECHANISM *m)
{
    if (m->pParameter == NULL || m->ulParameterLen != sizeof(CK_HKDF_PARAMS))
        return CK_INVALID_HANDLE;
    const CK_HKDF_PARAMS *p = m->pParameter;
    return p->bExtract && p->ulSaltType == CKF_HKDF_SALT_KEY ? p->hSaltKey : CK_INVALID_HANDLE;
}

/* ---- SP 800-108 counter mode --------------------------------------------------------------- */

struct prf {
    bool cmac;
    enum ch_hash h;
    const uint8_t *key;
    size_t key_len;
    size_t out_len;
};

static void put_be_le(uint8_t *o, uint64_t v, size_t bytes, bool little)
{
    for (size_t i = 0; i < bytes; i++)
        o[little ? i : bytes - 1 - i] = (uint8_t)(v >> (8 * i));
}

/* One PRF block over the data parameters with counter i (SP 800-108r1 §4.1 step 4.1). */
static CK_RV prf_block(const struct prf *f, const CK_SP800_108_KDF_PARAMS *p, uint64_t i,
                       uint64_t dkm_bits, uint8_t *out)
{
    struct ch_hmac *hm = NULL;
    struct ch_cmac *cm = NULL;
    CK_RV rv;
    if (f->cmac)
        CH_TRY(ch_crypto_cmac_new(f->key, f->key_len, &cm));
    else
        CH_TRY(ch_crypto_hmac_new(f->h, f->key, f->key_len, &hm));
    for (CK_ULONG j = 0; j < p->ulNumberOfDataParams; j++) {
        const CK_PRF_DATA_PARAM *dp = &p->pDataParams[j];
        uint8_t enc[8];
        const uint8_t *bytes = enc;
        size_t n;
        if (dp->type == CK_SP800_108_ITERATION_VARIABLE) {
            const CK_SP800_108_COUNTER_FORMAT *cf = dp->pValue;
            n = cf->ulWidthInBits / 8;
            put_be_le(enc, i, n, cf->bLittleEndian != CK_FALSE);
        } else if (dp->type == CK_SP800_108_DKM_LENGTH) {
            const CK_SP800_108_DKM_LENGTH_FORMAT *lf = dp->pValue;
            n = lf->ulWidthInBits / 8;
            put_be_le(enc, dkm_bits, n, lf->bLittleEndian != CK_FALSE);
        } else {
            bytes = dp->pValue;
            n = dp->ulValueLen;
        }
        rv = f->cmac ? ch_crypto_cmac_update(cm, bytes, n) : ch_crypto_hmac_update(hm, bytes, n);
        CH_TRY_OUT(rv);
    }
    rv = f->cmac ? ch_crypto_cmac_final(cm, out) : ch_crypto_hmac_final(hm, out);
out:
    ch_crypto_cmac_free(cm);
    ch_crypto_hmac_free(hm);
    return rv;
}

/* Parameter checks of §6.40.x for counter mode: one iteration variable with a counter format,
 * at most one DKM length, byte arrays; no additional keys (not supported here). */
static CK_RV sp108_check(const CK_SP800_108_KDF_PARAMS *p, size_t *ctr_bits,
                         const CK_SP800_108_DKM_LENGTH_FORMAT **dkm)
{
    size_t iters = 0, dkms = 0;
    CH_CHECK(p->ulNumberOfDataParams > 0 && p->pDataParams != NULL, CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(p->ulAdditionalDerivedKeys == 0, CKR_MECHANISM_PARAM_INVALID);
    *dkm = NULL;
    for (CK_ULONG j = 0; j < p->ulNumberOfDataParams; j++) {
        const CK_PRF_DATA_PARAM *dp = &p->pDataParams[j];
        if (dp->type == CK_SP800_108_ITERATION_VARIABLE) {
            CH_CHECK(dp->pValue != NULL && dp->ulValueLen == sizeof(CK_SP800_108_COUNTER_FORMAT),
                     CKR_MECHANISM_PARAM_INVALID);
            const CK_SP800_108_COUNTER_FORMAT *cf = dp->pValue;
            CH_CHECK(cf->ulWidthInBits >= 8 && cf->ulWidthInBits <= 32 &&
                         cf->ulWidthInBits % 8 == 0,
                     CKR_MECHANISM_PARAM_INVALID);
            *ctr_bits = cf->ulWidthInBits;
            iters++;
        } else if (dp->type == CK_SP800_108_DKM_LENGTH) {
            CH_CHECK(dp->pValue != NULL &&
                         dp->ulValueLen == sizeof(CK_SP800_108_DKM_LENGTH_FORMAT),
                     CKR_MECHANISM_PARAM_INVALID);
            const CK_SP800_108_DKM_LENGTH_FORMAT *lf = dp->pValue;
            CH_CHECK(lf->ulWidthInBits >= 8 && lf->ulWidthInBits <= 64 &&
                         lf->ulWidthInBits % 8 == 0 &&
                         (lf->dkmLengthMethod == CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS ||
                          lf->dkmLengthMethod == CK_SP800_108_DKM_LENGTH_SUM_OF_SEGMENTS),
                     CKR_MECHANISM_PARAM_INVALID);
            *dkm = lf;
            dkms++;
        } else {
            CH_CHECK(dp->type == CK_SP800_108_BYTE_ARRAY &&
                         (dp->pValue != NULL || dp->ulValueLen == 0),
                     CKR_MECHANISM_PARAM_INVALID);
        }
    }
    CH_CHECK(iters == 1 && dkms <= 1, CKR_MECHANISM_PARAM_INVALID);
    return CKR_OK;
}

static CK_RV sp108_derive(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                          const struct ch_mech_key *base, const struct ch_mech_tmpl *tmpl,
                          struct ch_attr_list *out)
{
    (void)d;
    struct prf f = {0};
    size_t len, ctr_bits = 0;
    CK_KEY_TYPE kt;
    const CK_SP800_108_DKM_LENGTH_FORMAT *dkm;
    CK_RV rv;
    CH_CHECK(m->pParameter != NULL && m->ulParameterLen == sizeof(CK_SP800_108_KDF_PARAMS),
             CKR_MECHANISM_PARAM_INVALID);
    const CK_SP800_108_KDF_PARAMS *p = m->pParameter;
    f.cmac = p->prfType == CKM_AES_CMAC;
    f.h = ch_mech_sym_hash_of(p->prfType);
    CH_CHECK(f.cmac || f.h != CH_HASH_NONE, CKR_MECHANISM_PARAM_INVALID);
    /* The PRF types are the HMAC mechanisms, not the bare hashes. */
    CH_CHECK(f.cmac || (p->prfType != CKM_SHA_1 && p->prfType != CKM_SHA224 &&
                        p->prfType != CKM_SHA256 && p->prfType != CKM_SHA384 &&
                        p->prfType != CKM_SHA512),
             CKR_MECHANISM_PARAM_INVALID);
    f.out_len = f.cmac ? 16 : ch_crypto_hash_len(f.h);
    CH_TRY(sp108_check(p, &ctr_bits, &dkm));
    CH_CHECK(f.cmac ? base->type == CKK_AES : base->type != CKK_AES, CKR_KEY_TYPE_INCONSISTENT);
    CH_TRY(ch_mech_sym_value(base, &f.key, &f.key_len));
    CH_TRY(out_len(tmpl, 0, &len, &kt));
    size_t blocks = (len + f.out_len - 1) / f.out_len;
    CH_CHECK(ctr_bits >= 64 || blocks < (UINT64_C(1) << ctr_bits), CKR_KEY_SIZE_RANGE);
    uint64_t dkm_bits = 0;
    if (dkm != NULL)
        dkm_bits = dkm->dkmLengthMethod == CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS
                       ? (uint64_t)len * 8
                       : (uint64_t)blocks * f.out_len * 8;
    uint8_t *v = ch_secmem_alloc(blocks * f.out_len);
    CH_CHECK(v != NULL, CKR_HOST_MEMORY);
    for (size_t i = 0; i < blocks; i++)
        CH_TRY_OUT(prf_block(&f, p, i + 1, dkm_bits, v + i * f.out_len));
    rv = put_key(tmpl, kt, v, len, out);
out:
    ch_secmem_free(v);
    return rv;
}

/* ---- PBKDF2 (C_GenerateKey) ---------------------------------------------------------------- */

static CK_RV pbkdf2_generate(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                             const struct ch_mech_tmpl *tmpl, struct ch_attr_list *out)
{
    (void)d;
    size_t len;
    CK_KEY_TYPE kt;
    CK_RV rv;
    /* CK_PKCS5_PBKD2_PARAMS2 (3.0: ulPasswordLen is a value). The 2.40 structure has the same
     * size with a pointer there; a "length" beyond any plausible password is taken as that
     * pointer, which is what 2.40 callers pass. */
    CH_CHECK(m->pParameter != NULL && m->ulParameterLen == sizeof(CK_PKCS5_PBKD2_PARAMS2),
             CKR_MECHANISM_PARAM_INVALID);
    const CK_PKCS5_PBKD2_PARAMS2 *p = m->pParameter;
    CK_ULONG pass_len = p->ulPasswordLen;
    if (pass_len > (1u << 20)) {
        const CK_PKCS5_PBKD2_PARAMS *old = m->pParameter;
        pass_len = *old->ulPasswordLen;
    }
    CH_CHECK(p->saltSource == CKZ_SALT_SPECIFIED &&
                 (p->pSaltSourceData != NULL || p->ulSaltSourceDataLen == 0),
             CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(p->iterations >= 1 && p->iterations <= UINT32_MAX, CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(p->pPassword != NULL || pass_len == 0, CKR_MECHANISM_PARAM_INVALID);
    enum ch_hash h;
    switch (p->prf) {
    case CKP_PKCS5_PBKD2_HMAC_SHA1:
        h = CH_HASH_SHA1;
        break;
    case CKP_PKCS5_PBKD2_HMAC_SHA224:
        h = CH_HASH_SHA224;
        break;
    case CKP_PKCS5_PBKD2_HMAC_SHA256:
        h = CH_HASH_SHA256;
        break;
    case CKP_PKCS5_PBKD2_HMAC_SHA384:
        h = CH_HASH_SHA384;
        break;
    case CKP_PKCS5_PBKD2_HMAC_SHA512:
        h = CH_HASH_SHA512;
        break;
    default:
        return CKR_MECHANISM_PARAM_INVALID;
    }
    CH_TRY(out_len(tmpl, 0, &len, &kt));
    uint8_t *v = ch_secmem_alloc(len);
    CH_CHECK(v != NULL, CKR_HOST_MEMORY);
    CH_TRY_OUT(ch_crypto_pbkdf2(h, p->pPassword, pass_len, p->pSaltSourceData,
                                p->ulSaltSourceDataLen, (uint32_t)p->iterations, v, len));
    CH_TRY_OUT(ch_attr_list_add_ulong(out, CKA_CLASS, CKO_SECRET_KEY));
    CH_TRY_OUT(put_key(tmpl, kt, v, len, out));
    rv = CKR_OK;
out:
    ch_secmem_free(v);
    return rv;
}

/* ---- simple derivations (PKCS#11 3.0 §2.42 / 3.2 "Miscellaneous simple key derivation") ---
 * Not approved. They can reveal a base key's bits, so the derived key keeps the base key's
 * protection: sensitive if the base is, non-extractable if the base is (a template asking for
 * less is inconsistent). */

static bool key_bool(const struct ch_mech_key *k, CK_ATTRIBUTE_TYPE t, bool dflt)
{
    const uint8_t *v;
    size_t l;
    if (!ch_mech_key_attr(k, t, &v, &l) || l != sizeof(CK_BBOOL))
        return dflt;
    return v[0] != CK_FALSE;
}

static CK_RV inherit(const struct ch_mech_key *base, const struct ch_mech_tmpl *t,
                     struct ch_attr_list *out)
{
    const void *v;
    size_t l;
    if (key_bool(base, CKA_SENSITIVE, false)) {
        if (ch_mech_tmpl_find(t, CKA_SENSITIVE, &v, &l))
            CH_CHECK(l == sizeof(CK_BBOOL) && *(const CK_BBOOL *)v != CK_FALSE,
                     CKR_TEMPLATE_INCONSISTENT);
        CH_TRY(ch_attr_list_add_bool(out, CKA_SENSITIVE, true));
    }
    if (!key_bool(base, CKA_EXTRACTABLE, true)) {
        if (ch_mech_tmpl_find(t, CKA_EXTRACTABLE, &v, &l))
            CH_CHECK(l == sizeof(CK_BBOOL) && *(const CK_BBOOL *)v == CK_FALSE,
                     CKR_TEMPLATE_INCONSISTENT);
        CH_TRY(ch_attr_list_add_bool(out, CKA_EXTRACTABLE, false));
    }
    return CKR_OK;
}

/* Length of a simply derived key: CKA_VALUE_LEN (at most `avail`), else `avail` when the
 * template names no key type or a generic secret and `natural` allows it. */
static CK_RV simple_len(const struct ch_mech_tmpl *t, size_t avail, bool natural, size_t *len,
                        CK_KEY_TYPE *kt)
{
    CK_ULONG v, k = CKK_GENERIC_SECRET;
    bool has_kt = ch_mech_tmpl_ulong(t, CKA_KEY_TYPE, &k);
    if (ch_mech_tmpl_ulong(t, CKA_VALUE_LEN, &v)) {
        CH_CHECK(v >= 1 && v <= avail, CKR_KEY_SIZE_RANGE);
    } else {
        CH_CHECK(natural && (!has_kt || k == CKK_GENERIC_SECRET) && avail > 0,
                 CKR_TEMPLATE_INCOMPLETE);
        v = avail;
    }
    if (k == CKK_AES)
        CH_CHECK(v == 16 || v == 24 || v == 32, CKR_TEMPLATE_INCONSISTENT);
    *len = v;
    *kt = k;
    return CKR_OK;
}

static CK_RV simple_derive(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                           const struct ch_mech_key *base, const struct ch_mech_tmpl *tmpl,
                           struct ch_attr_list *out)
{
    const uint8_t *b, *data = NULL;
    size_t bl, dl = 0, avail, len;
    CK_ULONG bit = 0;
    CK_KEY_TYPE kt;
    CK_RV rv;
    CH_TRY(ch_mech_sym_value(base, &b, &bl));
    if (d->type == CKM_EXTRACT_KEY_FROM_KEY) {
        CH_CHECK(m->pParameter != NULL && m->ulParameterLen == sizeof(CK_EXTRACT_PARAMS),
                 CKR_MECHANISM_PARAM_INVALID);
        memcpy(&bit, m->pParameter, sizeof(bit));
        avail = bl;
    } else {
        CH_CHECK(m->pParameter != NULL &&
                     m->ulParameterLen == sizeof(CK_KEY_DERIVATION_STRING_DATA),
                 CKR_MECHANISM_PARAM_INVALID);
        const CK_KEY_DERIVATION_STRING_DATA *sd = m->pParameter;
        CH_CHECK(sd->pData != NULL || sd->ulLen == 0, CKR_MECHANISM_PARAM_INVALID);
        data = sd->pData;
        dl = sd->ulLen;
        avail = d->type == CKM_XOR_BASE_AND_DATA ? (bl < dl ? bl : dl) : bl + dl;
    }
    CH_TRY(simple_len(tmpl, avail, d->type != CKM_EXTRACT_KEY_FROM_KEY, &len, &kt));
    CH_TRY(inherit(base, tmpl, out));
    uint8_t *v = ch_secmem_alloc(avail);
    CH_CHECK(v != NULL, CKR_HOST_MEMORY);
    switch (d->type) {
    case CKM_CONCATENATE_BASE_AND_DATA:
        memcpy(v, b, bl);
        if (dl > 0)
            memcpy(v + bl, data, dl);
        break;
    case CKM_CONCATENATE_DATA_AND_BASE:
        if (dl > 0)
            memcpy(v, data, dl);
        memcpy(v + dl, b, bl);
        break;
    case CKM_XOR_BASE_AND_DATA:
        for (size_t i = 0; i < avail; i++)
            v[i] = (uint8_t)(b[i] ^ data[i]);
        break;
    default: { /* bits b[(bit + j) mod 8*bl], b0 = the most significant bit of the first byte */
        size_t nbits = bl * 8;
        for (size_t j = 0; j < len * 8; j++) {
            size_t src = (size_t)((bit + j) % nbits);
            unsigned x = b[src / 8] >> (7 - src % 8) & 1;
            v[j / 8] = (uint8_t)(v[j / 8] | x << (7 - j % 8));
        }
        break;
    }
    }
    rv = put_key(tmpl, kt, v, len, out);
    ch_secmem_free(v);
    return rv;
}

/* CKM_CONCATENATE_BASE_AND_KEY (PKCS#11 3.0 §6.x): the parameter is the handle of the second
 * key; the new key is base || second and stays sensitive / non-extractable if either was. */
static CK_OBJECT_HANDLE concat_second(const CK_MECHANISM *m)
{
    CK_OBJECT_HANDLE h;
    if (m->pParameter == NULL || m->ulParameterLen != sizeof(CK_OBJECT_HANDLE))
        return CK_INVALID_HANDLE;
    memcpy(&h, m->pParameter, sizeof(h));
    return h;
}

static CK_RV concat_derive(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                           const struct ch_mech_key *base, const struct ch_mech_tmpl *tmpl,
                           struct ch_attr_list *out)
{
    (void)d;
    (void)m;
    (void)base;
    (void)tmpl;
    (void)out;
    return CKR_MECHANISM_PARAM_INVALID; /* no (valid) second key handle in the parameter */
}

static CK_RV concat_derive_with(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                                const struct ch_mech_key *base, const struct ch_mech_key *second,
                                const struct ch_mech_tmpl *tmpl, struct ch_attr_list *out)
{
    (void)d;
    (void)m;
    const uint8_t *a, *b;
    size_t al, bl, len;
    CK_KEY_TYPE kt;
    CH_CHECK(second->cls == CKO_SECRET_KEY, CKR_KEY_TYPE_INCONSISTENT);
    CH_TRY(ch_mech_sym_value(base, &a, &al));
    CH_TRY(ch_mech_sym_value(second, &b, &bl));
    CH_TRY(simple_len(tmpl, al + bl, true, &len, &kt));
    CH_TRY(inherit(base, tmpl, out));
    CH_TRY(inherit(second, tmpl, out));
    uint8_t *v = ch_secmem_alloc(al + bl);
    CH_CHECK(v != NULL, CKR_HOST_MEMORY);
    memcpy(v, a, al);
    memcpy(v + al, b, bl);
    CK_RV rv = put_key(tmpl, kt, v, len, out);
    ch_secmem_free(v);
    return rv;
}

static const struct ch_mech_ops hkdf_ops = {
    .derive = hkdf_derive, .second_key = hkdf_salt_key, .derive_with = hkdf_derive_with};
static const struct ch_mech_ops concat_key_ops = {
    .derive = concat_derive, .second_key = concat_second, .derive_with = concat_derive_with};
static const struct ch_mech_ops simple_ops = {.derive = simple_derive};
static const struct ch_mech_ops sp108_ops = {.derive = sp108_derive};
static const struct ch_mech_ops pbkdf2_ops = {.generate_key = pbkdf2_generate};

static const struct ch_mech_desc rows[] = {
    {.type = CKM_HKDF_DERIVE, .flags = CKF_DERIVE, .min_key = 1, .max_key = 4096,
     .approved = true, .key_type = CK_UNAVAILABLE_INFORMATION, .ops = &hkdf_ops},
    {.type = CKM_HKDF_DATA, .flags = CKF_DERIVE, .min_key = 1, .max_key = 4096,
     .approved = true, .key_type = CK_UNAVAILABLE_INFORMATION, .ops = &hkdf_ops},
    {.type = CKM_CONCATENATE_BASE_AND_KEY, .flags = CKF_DERIVE, .min_key = 1, .max_key = 4096,
     .approved = false, .key_type = CK_UNAVAILABLE_INFORMATION, .ops = &concat_key_ops},
    {.type = CKM_SP800_108_COUNTER_KDF, .flags = CKF_DERIVE, .min_key = 1, .max_key = 4096,
     .approved = true, .key_type = CK_UNAVAILABLE_INFORMATION, .ops = &sp108_ops},
#define SIMPLE_ROW(mech)                                                                           \
    {.type = (mech), .flags = CKF_DERIVE, .min_key = 1, .max_key = 4096, .approved = false,        \
     .key_type = CK_UNAVAILABLE_INFORMATION, .ops = &simple_ops}
    SIMPLE_ROW(CKM_CONCATENATE_BASE_AND_DATA),
    SIMPLE_ROW(CKM_CONCATENATE_DATA_AND_BASE),
    SIMPLE_ROW(CKM_XOR_BASE_AND_DATA),
    SIMPLE_ROW(CKM_EXTRACT_KEY_FROM_KEY),
    {.type = CKM_PKCS5_PBKD2, .flags = CKF_GENERATE, .min_key = 1, .max_key = KDF_MAX_OUT,
     .approved = true, .key_type = CK_UNAVAILABLE_INFORMATION, .ops = &pbkdf2_ops},
};

const struct ch_mech_family ch_mech_family_kdf = {.rows = rows,
                                                  .nrows = sizeof(rows) / sizeof(rows[0])};
