/* SPDX-License-Identifier: Apache-2.0 */
/* Key derivation: CKM_HKDF_DERIVE (PKCS#11 3.0 §6.60, RFC 5869), CKM_SP800_108_COUNTER_KDF,
 * _FEEDBACK_KDF and _DOUBLE_PIPELINE_KDF (PKCS#11 3.2 "SP800-108 Key Derivation", SP 800-108r1
 * §4.1-§4.3 with HMAC or AES-CMAC as PRF) and the simple derivations through C_DeriveKey, and
 * CKM_PKCS5_PBKD2 (§6.29, RFC 8018 §5.2) through C_GenerateKey. Layer src/mech: computes
 * through src/crypto, no OpenSSL here. The new key's length comes from CKA_VALUE_LEN of the
 * template (consumed here); its other attributes are the token's. SP 800-108 may derive
 * additional keys in the same call (kb_extra, kb_derive_multi); the token makes their objects. */
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

/* A CK_BBOOL attribute of a key (dflt when absent). */
static bool key_bool(const struct ch_mech_key *k, CK_ATTRIBUTE_TYPE t, bool dflt)
{
    const uint8_t *v;
    size_t l;
    if (!ch_mech_key_attr(k, t, &v, &l) || l != sizeof(CK_BBOOL))
        return dflt;
    return v[0] != CK_FALSE;
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

/* ---- SP 800-108r1 key-based KDFs ------------------------------------------------------------
 * Counter mode (SP 800-108r1 §4.1), feedback mode (§4.2) and double-pipeline mode (§4.3; §5.1-
 * §5.3 of the 2009 edition that the PKCS#11 text cites), as PKCS#11 3.2 "SP800-108 Key
 * Derivation" defines their parameters. All three build every PRF
 * input the same way, the CK_PRF_DATA_PARAM pieces concatenated in order ("Constructing PRF
 * Input Data"); they differ only in what stands at the iteration variable's place:
 *   counter:          K(i) = PRF(K_I, ... [i]_r ...)                    (the counter itself)
 *   feedback:         K(i) = PRF(K_I, ... K(i-1) ... [[i]_r] ...),      K(0) = IV (may be empty)
 *   double pipeline:  A(i) = PRF(K_I, A(i-1)),  A(0) = the pieces without the iteration
 *                     variable and the counter;  K(i) = PRF(K_I, ... A(i) ... [[i]_r] ...)
 * and the result is the leftmost L bits of K(1) || K(2) || ... || K(n). */

enum kb_mode { KB_COUNTER, KB_FEEDBACK, KB_PIPELINE };

/* The PRF (PKCS#11 3.2 table "SP800-108 Pseudo Random Functions"; HMAC or CMAC, §3). */
struct prf {
    bool cmac;
    enum ch_hash h;
    const uint8_t *key; /* K_I, the base key's CKA_VALUE */
    size_t key_len;
    size_t out_len; /* h of SP 800-108r1, in bytes */
};

/* The mechanism parameter, from whichever of the two structures carried it. What decides
 * lengths and control flow is copied once (the data-parameter array and the formats), so an
 * application thread rewriting its parameter during the call cannot make a checked value
 * unchecked; byte arrays and the IV are read in place. Release with kb_clear. */
struct kb {
    enum kb_mode mode;
    struct prf f;
    CK_PRF_DATA_PARAM *dp; /* our copy of the array */
    size_t ndp;
    const uint8_t *iv; /* feedback: K(0); NULL when empty */
    size_t iv_len;
    bool has_ctr, has_dkm;
    CK_SP800_108_COUNTER_FORMAT ctr;    /* encoding of [i]_r */
    CK_SP800_108_DKM_LENGTH_FORMAT dkm; /* encoding of [L] */
};

static void kb_clear(struct kb *kb)
{
    free(kb->dp);
    kb->dp = NULL;
}

static bool prf_of(CK_SP800_108_PRF_TYPE t, struct prf *f)
{
    switch (t) {
    case CKM_AES_CMAC:
        f->cmac = true;
        f->out_len = 16;
        return true;
    case CKM_SHA_1_HMAC:
    case CKM_SHA224_HMAC:
    case CKM_SHA256_HMAC:
    case CKM_SHA384_HMAC:
    case CKM_SHA512_HMAC:
    case CKM_SHA3_224_HMAC:
    case CKM_SHA3_256_HMAC:
    case CKM_SHA3_384_HMAC:
    case CKM_SHA3_512_HMAC:
        f->cmac = false;
        f->h = ch_mech_sym_hash_of(t);
        f->out_len = ch_crypto_hash_len(f->h);
        return f->out_len > 0;
    default: /* CKM_DES3_CMAC: the module has no DES3 keys */
        return false;
    }
}

/* One PRF computation fed in pieces. */
struct prf_run {
    const struct prf *f;
    struct ch_hmac *hm;
    struct ch_cmac *cm;
};

static CK_RV prf_start(const struct prf *f, struct prf_run *r)
{
    r->f = f;
    r->hm = NULL;
    r->cm = NULL;
    return f->cmac ? ch_crypto_cmac_new(f->key, f->key_len, &r->cm)
                   : ch_crypto_hmac_new(f->h, f->key, f->key_len, &r->hm);
}

static CK_RV prf_put(struct prf_run *r, const uint8_t *p, size_t n)
{
    if (n == 0)
        return CKR_OK;
    return r->f->cmac ? ch_crypto_cmac_update(r->cm, p, n) : ch_crypto_hmac_update(r->hm, p, n);
}

/* Ends the run whatever rv is; when rv is CKR_OK writes f->out_len bytes to out, which may be
 * one of the run's inputs (they are absorbed by then). */
static CK_RV prf_finish(struct prf_run *r, CK_RV rv, uint8_t *out)
{
    if (rv == CKR_OK)
        rv = r->f->cmac ? ch_crypto_cmac_final(r->cm, out) : ch_crypto_hmac_final(r->hm, out);
    ch_crypto_cmac_free(r->cm);
    ch_crypto_hmac_free(r->hm);
    return rv;
}

/* v as a bits-wide integer (whole bytes, at most 64 bits), big or little endian; the number of
 * bytes written. */
static size_t put_uint(uint8_t o[8], uint64_t v, CK_ULONG bits, CK_BBOOL little)
{
    size_t n = bits / 8;
    for (size_t i = 0; i < n; i++)
        o[little != CK_FALSE ? i : n - 1 - i] = (uint8_t)(v >> (8 * i));
    return n;
}

/* What one PRF input holds besides the fixed pieces. */
struct kb_round {
    uint64_t i;           /* the counter, 1..n */
    const uint8_t *chain; /* feedback: K(i-1); double pipeline: A(i) */
    size_t chain_len;
    bool fixed_only;      /* double pipeline A(0): without the iteration variable and counter */
};

/* The PRF-input builder of all three modes: PRF(K_I, the data pieces in order), with the
 * iteration variable as [i]_r (counter mode) or the chaining value, the optional counter as
 * [i]_r and the DKM length as [L]_w. The pieces were checked by kb_check_data. */
static CK_RV kb_prf(const struct kb *kb, const struct kb_round *r, uint64_t dkm_bits,
                    uint8_t *out)
{
    struct prf_run run;
    uint8_t enc[8];
    CK_RV rv = prf_start(&kb->f, &run);
    for (size_t j = 0; rv == CKR_OK && j < kb->ndp; j++) {
        const CK_PRF_DATA_PARAM *dp = &kb->dp[j];
        switch (dp->type) {
        case CK_SP800_108_ITERATION_VARIABLE:
            if (kb->mode == KB_COUNTER)
                rv = prf_put(&run, enc,
                             put_uint(enc, r->i, kb->ctr.ulWidthInBits, kb->ctr.bLittleEndian));
            else if (!r->fixed_only)
                rv = prf_put(&run, r->chain, r->chain_len);
            break;
        case CK_SP800_108_OPTIONAL_COUNTER:
            if (!r->fixed_only)
                rv = prf_put(&run, enc,
                             put_uint(enc, r->i, kb->ctr.ulWidthInBits, kb->ctr.bLittleEndian));
            break;
        case CK_SP800_108_DKM_LENGTH:
            rv = prf_put(&run, enc,
                         put_uint(enc, dkm_bits, kb->dkm.ulWidthInBits, kb->dkm.bLittleEndian));
            break;
        default: /* CK_SP800_108_BYTE_ARRAY */
            rv = prf_put(&run, dp->pValue, dp->ulValueLen);
            break;
        }
    }
    return prf_finish(&run, rv, out);
}

/* K(1) .. K(blocks), kb->f.out_len bytes each, to v (the loops of SP 800-108r1 §4.1-§4.3). */
static CK_RV kb_run(const struct kb *kb, size_t blocks, uint64_t dkm_bits, uint8_t *v)
{
    const size_t h = kb->f.out_len;
    uint8_t a[CH_HASH_MAX_LEN]; /* double pipeline A(i) */
    struct kb_round r = {.chain = kb->iv, .chain_len = kb->iv_len};
    CK_RV rv = CKR_OK;
    if (kb->mode == KB_PIPELINE) {
        /* A(1) = PRF(K_I, A(0)) is the builder's output over the fixed pieces alone. */
        r.fixed_only = true;
        CH_TRY_OUT(kb_prf(kb, &r, dkm_bits, a));
        r.fixed_only = false;
        r.chain = a;
        r.chain_len = h;
    }
    for (size_t i = 0; i < blocks; i++) {
        uint8_t *k = v + i * h;
        r.i = (uint64_t)i + 1;
        if (kb->mode == KB_PIPELINE && i > 0) { /* A(i) = PRF(K_I, A(i-1)) */
            struct prf_run run;
            rv = prf_start(&kb->f, &run);
            if (rv == CKR_OK)
                rv = prf_put(&run, a, h);
            CH_TRY_OUT(prf_finish(&run, rv, a));
        }
        CH_TRY_OUT(kb_prf(kb, &r, dkm_bits, k));
        if (kb->mode == KB_FEEDBACK) {
            r.chain = k;
            r.chain_len = h;
        }
    }
out:
    ch_wipe(a, sizeof(a));
    return rv;
}

/* Copy the counter format out of dp and check the copy. */
static bool counter_format(const CK_PRF_DATA_PARAM *dp, CK_SP800_108_COUNTER_FORMAT *cf)
{
    if (dp->pValue == NULL || dp->ulValueLen != sizeof(*cf))
        return false;
    memcpy(cf, dp->pValue, sizeof(*cf));
    /* r <= 32 (SP 800-108r1 §4), in whole bytes. */
    return cf->ulWidthInBits >= 8 && cf->ulWidthInBits <= 32 && cf->ulWidthInBits % 8 == 0;
}

/* Copy the DKM length format out of dp and check the copy. */
static bool dkm_format(const CK_PRF_DATA_PARAM *dp, CK_SP800_108_DKM_LENGTH_FORMAT *lf)
{
    if (dp->pValue == NULL || dp->ulValueLen != sizeof(*lf))
        return false;
    memcpy(lf, dp->pValue, sizeof(*lf));
    return lf->ulWidthInBits >= 8 && lf->ulWidthInBits <= 64 && lf->ulWidthInBits % 8 == 0 &&
           (lf->dkmLengthMethod == CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS ||
            lf->dkmLengthMethod == CK_SP800_108_DKM_LENGTH_SUM_OF_SEGMENTS);
}

/* The data-field rules of PKCS#11 3.2 (CK_PRF_DATA_PARAM and the per-mode tables): exactly one
 * iteration variable, which carries the counter format in counter mode and nothing (pValue
 * NULL, ulValueLen 0) in the other two, where it marks the place of K(i-1) or A(i); at most one
 * CK_SP800_108_COUNTER, invalid in counter mode; at most one DKM length; byte arrays of at
 * least one byte. CK_SP800_108_KEY_HANDLE would need key look-ups by the token: not offered. */
static CK_RV kb_check_data(struct kb *kb)
{
    size_t iters = 0, ctrs = 0, dkms = 0;
    for (size_t j = 0; j < kb->ndp; j++) {
        const CK_PRF_DATA_PARAM *dp = &kb->dp[j];
        switch (dp->type) {
        case CK_SP800_108_ITERATION_VARIABLE:
            if (kb->mode == KB_COUNTER) {
                CH_CHECK(counter_format(dp, &kb->ctr), CKR_MECHANISM_PARAM_INVALID);
                kb->has_ctr = true;
            } else {
                CH_CHECK(dp->pValue == NULL && dp->ulValueLen == 0, CKR_MECHANISM_PARAM_INVALID);
            }
            iters++;
            break;
        case CK_SP800_108_OPTIONAL_COUNTER:
            CH_CHECK(kb->mode != KB_COUNTER && counter_format(dp, &kb->ctr),
                     CKR_MECHANISM_PARAM_INVALID);
            kb->has_ctr = true;
            ctrs++;
            break;
        case CK_SP800_108_DKM_LENGTH:
            CH_CHECK(dkm_format(dp, &kb->dkm), CKR_MECHANISM_PARAM_INVALID);
            kb->has_dkm = true;
            dkms++;
            break;
        case CK_SP800_108_BYTE_ARRAY:
            CH_CHECK(dp->pValue != NULL && dp->ulValueLen > 0, CKR_MECHANISM_PARAM_INVALID);
            break;
        default:
            return CKR_MECHANISM_PARAM_INVALID;
        }
    }
    CH_CHECK(iters == 1 && ctrs <= 1 && dkms <= 1, CKR_MECHANISM_PARAM_INVALID);
    return CKR_OK;
}

/* The parameter: CK_SP800_108_KDF_PARAMS for counter and double-pipeline mode,
 * CK_SP800_108_FEEDBACK_KDF_PARAMS (with the optional IV) for feedback mode. On success kb
 * owns a copy of the data-parameter array (kb_clear); on failure it owns nothing. The
 * additional-key fields are read by kb_extra alone: the token copies and checks the entries
 * and hands their templates to kb_derive_multi. */
static CK_RV kb_param(CK_MECHANISM_TYPE type, const CK_MECHANISM *m, struct kb *kb)
{
    CK_SP800_108_FEEDBACK_KDF_PARAMS p; /* the counter/pipeline structure's fields, plus IV */
    CK_RV rv;
    memset(kb, 0, sizeof(*kb));
    memset(&p, 0, sizeof(p));
    CH_CHECK(m->pParameter != NULL, CKR_MECHANISM_PARAM_INVALID);
    if (type == CKM_SP800_108_FEEDBACK_KDF) {
        CH_CHECK(m->ulParameterLen == sizeof(p), CKR_MECHANISM_PARAM_INVALID);
        memcpy(&p, m->pParameter, sizeof(p));
        CH_CHECK((p.pIV == NULL) == (p.ulIVLen == 0), CKR_MECHANISM_PARAM_INVALID);
        kb->mode = KB_FEEDBACK;
        kb->iv = p.pIV;
        kb->iv_len = p.ulIVLen;
    } else {
        CK_SP800_108_KDF_PARAMS q;
        CH_CHECK(m->ulParameterLen == sizeof(q), CKR_MECHANISM_PARAM_INVALID);
        memcpy(&q, m->pParameter, sizeof(q));
        kb->mode = type == CKM_SP800_108_COUNTER_KDF ? KB_COUNTER : KB_PIPELINE;
        p.prfType = q.prfType;
        p.ulNumberOfDataParams = q.ulNumberOfDataParams;
        p.pDataParams = q.pDataParams;
    }
    CH_CHECK(prf_of(p.prfType, &kb->f), CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(p.ulNumberOfDataParams > 0 && p.pDataParams != NULL, CKR_MECHANISM_PARAM_INVALID);
    kb->dp = calloc(p.ulNumberOfDataParams, sizeof(*kb->dp));
    CH_CHECK(kb->dp != NULL, CKR_HOST_MEMORY);
    memcpy(kb->dp, p.pDataParams, p.ulNumberOfDataParams * sizeof(*kb->dp));
    kb->ndp = p.ulNumberOfDataParams;
    CH_TRY_OUT(kb_check_data(kb));
    return CKR_OK;
out:
    kb_clear(kb);
    return rv;
}

/* The DKM length value for `blocks` PRF segments making keys of `key_bytes` bytes in all. The
 * counter must not wrap: blocks <= 2^r - 1 (SP 800-108r1 §4.1 step 2; §4.2/§4.3 also
 * n <= 2^32 - 1 without a counter), and [L]_w must hold the value it encodes. With additional
 * keys L covers all of them (PKCS#11 3.2 CK_SP800_108_DKM_LENGTH_METHOD): the sum of the key
 * lengths, or all segments times the PRF length. CKR_KEY_SIZE_RANGE otherwise. */
static CK_RV kb_sizes(const struct kb *kb, size_t key_bytes, size_t blocks, uint64_t *dkm_bits)
{
    uint64_t n = blocks, l = 0;
    CK_ULONG r = kb->has_ctr ? kb->ctr.ulWidthInBits : 32;
    CH_CHECK(n <= (UINT64_C(1) << r) - 1, CKR_KEY_SIZE_RANGE);
    if (kb->has_dkm) {
        l = kb->dkm.dkmLengthMethod == CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS
                ? (uint64_t)key_bytes * 8
                : n * kb->f.out_len * 8;
        CH_CHECK(kb->dkm.ulWidthInBits >= 64 || l < (UINT64_C(1) << kb->dkm.ulWidthInBits),
                 CKR_KEY_SIZE_RANGE);
    }
    *dkm_bits = l;
    return CKR_OK;
}

/* PKCS#11 3.2 "Key Derivation Attribute Rules" of SP800-108: CKA_SENSITIVE and CKA_EXTRACTABLE
 * that the template leaves out take the base key's values. (CKA_ALWAYS_SENSITIVE and
 * CKA_NEVER_EXTRACTABLE follow in the token, §4.12.) */
static CK_RV kb_inherit(const struct ch_mech_key *base, const struct ch_mech_tmpl *t,
                        struct ch_attr_list *out)
{
    const void *v;
    size_t l;
    if (!ch_mech_tmpl_find(t, CKA_SENSITIVE, &v, &l))
        CH_TRY(ch_attr_list_add_bool(out, CKA_SENSITIVE, key_bool(base, CKA_SENSITIVE, false)));
    if (!ch_mech_tmpl_find(t, CKA_EXTRACTABLE, &v, &l))
        CH_TRY(ch_attr_list_add_bool(out, CKA_EXTRACTABLE, key_bool(base, CKA_EXTRACTABLE, true)));
    return CKR_OK;
}

/* The CK_DERIVED_KEY array of the parameter (PKCS#11 3.2 "Deriving Additional Keys"), for the
 * token to copy and check. The count and the pointer agree (0 exactly with NULL); at most
 * CH_MECH_MAX_EXTRA_KEYS entries. A missing or mis-sized parameter lists none: kb_derive
 * refuses it. */
static CK_RV kb_extra(const CK_MECHANISM *m, const CK_DERIVED_KEY **out, size_t *n)
{
    CK_ULONG cnt;
    CK_DERIVED_KEY_PTR arr;
    *out = NULL;
    *n = 0;
    if (m->pParameter == NULL)
        return CKR_OK;
    if (m->mechanism == CKM_SP800_108_FEEDBACK_KDF) {
        CK_SP800_108_FEEDBACK_KDF_PARAMS p;
        if (m->ulParameterLen != sizeof(p))
            return CKR_OK;
        memcpy(&p, m->pParameter, sizeof(p));
        cnt = p.ulAdditionalDerivedKeys;
        arr = p.pAdditionalDerivedKeys;
    } else {
        CK_SP800_108_KDF_PARAMS p;
        if (m->ulParameterLen != sizeof(p))
            return CKR_OK;
        memcpy(&p, m->pParameter, sizeof(p));
        cnt = p.ulAdditionalDerivedKeys;
        arr = p.pAdditionalDerivedKeys;
    }
    CH_CHECK((cnt == 0) == (arr == NULL), CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(cnt <= CH_MECH_MAX_EXTRA_KEYS, CKR_MECHANISM_PARAM_INVALID);
    *out = arr;
    *n = (size_t)cnt;
    return CKR_OK;
}

/* Key i of ntmpls (0: the C_DeriveKey key, then the additional keys in order) takes
 * ceil(len_i / h) whole PRF segments of one KDF run, so no two keys share a segment (PKCS#11
 * 3.2 "Deriving Additional Keys": 48 + 16 bytes with HMAC-SHA-256 are segments 1-2 and 3).
 * The counter and the feedback / pipeline chaining run on across keys; L counts all keys. */
static CK_RV kb_derive_multi(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                             const struct ch_mech_key *base, const struct ch_mech_tmpl *tmpls,
                             size_t ntmpls, struct ch_attr_list *outs)
{
    struct kb kb;
    size_t len[1 + CH_MECH_MAX_EXTRA_KEYS], blocks = 0, key_bytes = 0, off = 0;
    CK_KEY_TYPE kt[1 + CH_MECH_MAX_EXTRA_KEYS];
    uint64_t dkm_bits;
    uint8_t *v = NULL;
    CK_RV rv;
    CH_CHECK(ntmpls >= 1 && ntmpls <= 1 + CH_MECH_MAX_EXTRA_KEYS, CKR_MECHANISM_PARAM_INVALID);
    CH_TRY(kb_param(d->type, m, &kb));
    CH_CHECK_OUT(kb.f.cmac ? base->type == CKK_AES : base->type != CKK_AES,
                 CKR_KEY_TYPE_INCONSISTENT);
    CH_TRY_OUT(ch_mech_sym_value(base, &kb.f.key, &kb.f.key_len));
    /* The range C_GetMechanismInfo reports, in bits for these mechanisms. */
    CH_CHECK_OUT(kb.f.key_len >= d->min_key / 8 && kb.f.key_len <= d->max_key / 8,
                 CKR_KEY_SIZE_RANGE);
    /* Each key at most KDF_MAX_OUT bytes, at most 33 keys: the sums cannot overflow. */
    for (size_t i = 0; i < ntmpls; i++) {
        CH_TRY_OUT(out_len(&tmpls[i], 0, &len[i], &kt[i]));
        blocks += (len[i] + kb.f.out_len - 1) / kb.f.out_len;
        key_bytes += len[i];
    }
    CH_TRY_OUT(kb_sizes(&kb, key_bytes, blocks, &dkm_bits));
    for (size_t i = 0; i < ntmpls; i++)
        CH_TRY_OUT(kb_inherit(base, &tmpls[i], &outs[i]));
    v = ch_secmem_alloc(blocks * kb.f.out_len);
    CH_CHECK_OUT(v != NULL, CKR_HOST_MEMORY);
    CH_TRY_OUT(kb_run(&kb, blocks, dkm_bits, v));
    for (size_t i = 0; i < ntmpls; i++) {
        CH_TRY_OUT(put_key(&tmpls[i], kt[i], v + off, len[i], &outs[i]));
        off += (len[i] + kb.f.out_len - 1) / kb.f.out_len * kb.f.out_len;
    }
    rv = CKR_OK;
out:
    ch_secmem_free(v);
    kb_clear(&kb);
    return rv;
}

static CK_RV kb_derive(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                       const struct ch_mech_key *base, const struct ch_mech_tmpl *tmpl,
                       struct ch_attr_list *out)
{
    return kb_derive_multi(d, m, base, tmpl, 1, out);
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
static const struct ch_mech_ops kb_ops = {
    .derive = kb_derive, .extra_keys = kb_extra, .derive_multi = kb_derive_multi};
static const struct ch_mech_ops pbkdf2_ops = {.generate_key = pbkdf2_generate};

static const struct ch_mech_desc rows[] = {
    {.type = CKM_HKDF_DERIVE, .flags = CKF_DERIVE, .min_key = 1, .max_key = 4096,
     .approved = true, .key_type = CK_UNAVAILABLE_INFORMATION, .ops = &hkdf_ops},
    {.type = CKM_HKDF_DATA, .flags = CKF_DERIVE, .min_key = 1, .max_key = 4096,
     .approved = true, .key_type = CK_UNAVAILABLE_INFORMATION, .ops = &hkdf_ops},
    {.type = CKM_CONCATENATE_BASE_AND_KEY, .flags = CKF_DERIVE, .min_key = 1, .max_key = 4096,
     .approved = false, .key_type = CK_UNAVAILABLE_INFORMATION, .ops = &concat_key_ops},
    /* Base key sizes in bits (PKCS#11 3.2 SP800-108): any HMAC key of 1..1024 bytes (the
     * generic-secret range), AES-CMAC keys of 16/24/32 bytes within it. */
#define KB_ROW(mech)                                                                               \
    {.type = (mech), .flags = CKF_DERIVE, .min_key = 8, .max_key = 8192, .approved = true,         \
     .key_type = CK_UNAVAILABLE_INFORMATION, .ops = &kb_ops}
    KB_ROW(CKM_SP800_108_COUNTER_KDF),
    KB_ROW(CKM_SP800_108_FEEDBACK_KDF),
    KB_ROW(CKM_SP800_108_DOUBLE_PIPELINE_KDF),
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
