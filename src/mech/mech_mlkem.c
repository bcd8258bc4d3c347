/* SPDX-License-Identifier: Apache-2.0 */
/* ML-KEM (FIPS 203) through PKCS#11 3.2 §6.66: CKM_ML_KEM_KEY_PAIR_GEN and CKM_ML_KEM for
 * C_EncapsulateKey / C_DecapsulateKey (the family returns the shared secret; the token makes
 * the secret key object), plus the import checks of FIPS 203 §7.2 / §7.3. Computes through
 * src/pqc; randomness (d, z, m) from the module DRBG; no OpenSSL here. */
#include <stdlib.h>
#include <string.h>

#include "fips/fips.h"
#include "mech/mech_pqc.h"
#include "pqc/mlkem/mlkem.h"
#include "util/ch_ct.h"
#include "util/ch_secmem.h"
#include "util/ch_wipe.h"

static bool set_of(CK_ULONG ckp, enum ch_mlkem_param *out)
{
    switch (ckp) {
    case CKP_ML_KEM_512:
        *out = CH_MLKEM_512;
        return true;
    case CKP_ML_KEM_768:
        *out = CH_MLKEM_768;
        return true;
    case CKP_ML_KEM_1024:
        *out = CH_MLKEM_1024;
        return true;
    default:
        return false;
    }
}

static bool key_set(const struct ch_mech_key *k, enum ch_mlkem_param *out)
{
    CK_ULONG ps;
    return ch_mech_key_ulong(k, CKA_PARAMETER_SET, &ps) && set_of(ps, out);
}

/* ---- key generation (§6.66 "ML-KEM key pair generation", FIPS 203 Alg. 19) ---------------- */

/* Pairwise-consistency test (FIPS 140-3 IG 10.3.A): encapsulate to ek with fresh m, and
 * decapsulation with dk must give the same key. */
static CK_RV kem_pct(enum ch_mlkem_param ps, const uint8_t *ek, const uint8_t *dk)
{
    uint8_t m[CH_MLKEM_SYM_BYTES], k1[CH_MLKEM_SS_BYTES], k2[CH_MLKEM_SS_BYTES];
    uint8_t c[CH_MLKEM_MAX_CT_BYTES];
    CK_RV rv = ch_drbg_generate(m, sizeof(m));
    if (rv == CKR_OK) {
        rv = CKR_GENERAL_ERROR;
        if (ch_mlkem_encaps_derand(ps, c, k1, ek, ch_mlkem_ek_bytes(ps), m) == CH_PQC_OK &&
            ch_mlkem_decaps(ps, k2, c, ch_mlkem_ct_bytes(ps), dk, ch_mlkem_dk_bytes(ps)) ==
                CH_PQC_OK &&
            ch_ct_eq(k1, k2, sizeof(k1)))
            rv = CKR_OK;
        else
            ch_fips_set_error("pairwise consistency test failed: ML-KEM");
    }
    ch_wipe(m, sizeof(m));
    ch_wipe(k1, sizeof(k1));
    ch_wipe(k2, sizeof(k2));
    return rv;
}

static CK_RV kem_generate_pair(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                               const struct ch_mech_tmpl *pub_t,
                               const struct ch_mech_tmpl *priv_t, struct ch_attr_list *pub,
                               struct ch_attr_list *priv)
{
    CK_ULONG ckp;
    enum ch_mlkem_param ps;
    uint8_t seed[CH_MLKEM_SEED_BYTES];
    uint8_t ek[CH_MLKEM_MAX_EK_BYTES];
    uint8_t *dk = NULL;
    CK_RV rv;
    (void)d;
    (void)priv_t;
    CH_CHECK(m->pParameter == NULL && m->ulParameterLen == 0, CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(ch_mech_tmpl_ulong(pub_t, CKA_PARAMETER_SET, &ckp), CKR_TEMPLATE_INCOMPLETE);
    CH_CHECK(set_of(ckp, &ps), CKR_PARAMETER_SET_NOT_SUPPORTED);
    dk = ch_secmem_alloc(CH_MLKEM_MAX_DK_BYTES);
    CH_CHECK(dk != NULL, CKR_HOST_MEMORY);
    CH_TRY_OUT(ch_drbg_generate(seed, sizeof(seed))); /* d || z (Alg. 19 lines 1-2) */
    CH_CT_SECRET(seed, sizeof(seed));
    CH_CHECK_OUT(ch_mlkem_keypair_from_seed(ps, ek, dk, seed) == CH_PQC_OK, CKR_GENERAL_ERROR);
    CH_TRY_OUT(kem_pct(ps, ek, dk));
    CH_TRY_OUT(ch_attr_list_add_ulong(pub, CKA_CLASS, CKO_PUBLIC_KEY));
    CH_TRY_OUT(ch_attr_list_add_ulong(pub, CKA_KEY_TYPE, CKK_ML_KEM));
    CH_TRY_OUT(ch_attr_list_add(pub, CKA_VALUE, ek, ch_mlkem_ek_bytes(ps), false));
    CH_TRY_OUT(ch_attr_list_add_ulong(priv, CKA_CLASS, CKO_PRIVATE_KEY));
    CH_TRY_OUT(ch_attr_list_add_ulong(priv, CKA_KEY_TYPE, CKK_ML_KEM));
    CH_TRY_OUT(ch_attr_list_add_ulong(priv, CKA_PARAMETER_SET, ckp));
    CH_TRY_OUT(ch_attr_list_add(priv, CKA_SEED, seed, sizeof(seed), true));
    CH_TRY_OUT(ch_attr_list_add(priv, CKA_VALUE, dk, ch_mlkem_dk_bytes(ps), true));
    rv = CKR_OK;
out:
    ch_wipe(seed, sizeof(seed));
    ch_secmem_free(dk);
    return rv;
}

/* ---- encapsulation / decapsulation (§6.66 "ML-KEM Key Agreement") ------------------------ */

static CK_RV kem_encapsulate(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                             const struct ch_mech_key *pub, uint8_t *ct, size_t *ct_len,
                             uint8_t **secret, size_t *secret_len)
{
    enum ch_mlkem_param ps;
    const uint8_t *ek;
    size_t ek_len;
    uint8_t msg[CH_MLKEM_SYM_BYTES];
    uint8_t *k = NULL;
    CK_RV rv;
    (void)d;
    CH_CHECK(m->pParameter == NULL && m->ulParameterLen == 0, CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(pub->cls == CKO_PUBLIC_KEY && pub->type == CKK_ML_KEM, CKR_KEY_TYPE_INCONSISTENT);
    CH_CHECK(key_set(pub, &ps), CKR_KEY_TYPE_INCONSISTENT);
    CH_CHECK(ch_mech_key_attr(pub, CKA_VALUE, &ek, &ek_len), CKR_KEY_TYPE_INCONSISTENT);
    CH_TRY(ch_mech_out_check(ct, ct_len, ch_mlkem_ct_bytes(ps)));
    if (ct == NULL)
        return CKR_OK; /* size query */
    k = ch_secmem_alloc(CH_MLKEM_SS_BYTES);
    CH_CHECK(k != NULL, CKR_HOST_MEMORY);
    CH_TRY_OUT(ch_drbg_generate(msg, sizeof(msg))); /* Alg. 20 line 1 */
    /* §7.2 checks (length, modulus) inside; imported keys were already checked. */
    CH_CHECK_OUT(ch_mlkem_encaps_derand(ps, ct, k, ek, ek_len, msg) == CH_PQC_OK,
                 CKR_KEY_FUNCTION_NOT_PERMITTED);
    *secret = k;
    *secret_len = CH_MLKEM_SS_BYTES;
    k = NULL;
    rv = CKR_OK;
out:
    ch_wipe(msg, sizeof(msg));
    ch_secmem_free(k);
    return rv;
}

static CK_RV kem_decapsulate(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                             const struct ch_mech_key *priv, const uint8_t *ct, size_t ct_len,
                             uint8_t **secret, size_t *secret_len)
{
    enum ch_mlkem_param ps;
    const uint8_t *v;
    size_t l;
    uint8_t *k = NULL, *dk = NULL;
    uint8_t ek[CH_MLKEM_MAX_EK_BYTES];
    CK_RV rv;
    (void)d;
    CH_CHECK(m->pParameter == NULL && m->ulParameterLen == 0, CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(priv->cls == CKO_PRIVATE_KEY && priv->type == CKK_ML_KEM,
             CKR_KEY_TYPE_INCONSISTENT);
    CH_CHECK(key_set(priv, &ps), CKR_KEY_TYPE_INCONSISTENT);
    CH_CHECK(ct != NULL && ct_len == ch_mlkem_ct_bytes(ps), CKR_WRAPPED_KEY_LEN_RANGE);
    k = ch_secmem_alloc(CH_MLKEM_SS_BYTES);
    CH_CHECK(k != NULL, CKR_HOST_MEMORY);
    if (!ch_mech_key_attr(priv, CKA_VALUE, &v, &l)) {
        /* Seed-only key: expand d || z (Alg. 16) for this call. */
        CH_CHECK_OUT(ch_mech_key_attr(priv, CKA_SEED, &v, &l) && l == CH_MLKEM_SEED_BYTES,
                     CKR_KEY_FUNCTION_NOT_PERMITTED);
        dk = ch_secmem_alloc(CH_MLKEM_MAX_DK_BYTES);
        CH_CHECK_OUT(dk != NULL, CKR_HOST_MEMORY);
        CH_CHECK_OUT(ch_mlkem_keypair_from_seed(ps, ek, dk, v) == CH_PQC_OK, CKR_GENERAL_ERROR);
        v = dk;
        l = ch_mlkem_dk_bytes(ps);
    }
    /* A wrong but well-formed ciphertext is no error: K is the implicit-rejection key. */
    CH_CHECK_OUT(ch_mlkem_decaps(ps, k, ct, ct_len, v, l) == CH_PQC_OK,
                 CKR_KEY_FUNCTION_NOT_PERMITTED);
    *secret = k;
    *secret_len = CH_MLKEM_SS_BYTES;
    k = NULL;
    rv = CKR_OK;
out:
    ch_secmem_free(dk);
    ch_secmem_free(k);
    return rv;
}

/* ---- import validation (FIPS 203 §7.2 / §7.3) --------------------------------------------- */

static CK_RV kem_validate(const struct ch_mech_key *k)
{
    CK_ULONG ckp;
    enum ch_mlkem_param ps;
    const uint8_t *v, *s;
    size_t vl, sl;
    CH_CHECK(ch_mech_key_ulong(k, CKA_PARAMETER_SET, &ckp), CKR_TEMPLATE_INCOMPLETE);
    CH_CHECK(set_of(ckp, &ps), CKR_ATTRIBUTE_VALUE_INVALID);
    bool has_v = ch_mech_key_attr(k, CKA_VALUE, &v, &vl);
    if (k->cls == CKO_PUBLIC_KEY) {
        CH_CHECK(has_v, CKR_TEMPLATE_INCOMPLETE);
        /* §7.2: length and ByteEncode12(ByteDecode12(ek)) == ek (every coefficient < q). */
        CH_CHECK(ch_mlkem_check_ek(ps, v, vl) == CH_PQC_OK, CKR_ATTRIBUTE_VALUE_INVALID);
        return CKR_OK;
    }
    if (k->cls != CKO_PRIVATE_KEY)
        return CKR_OK;
    bool has_s = ch_mech_key_attr(k, CKA_SEED, &s, &sl);
    CH_CHECK(has_v || has_s, CKR_TEMPLATE_INCOMPLETE);
    CH_CHECK(!has_s || sl == CH_MLKEM_SEED_BYTES, CKR_ATTRIBUTE_VALUE_INVALID);
    /* §7.3: length and H(ek) stored in dk equals the hash of the ek stored in dk. */
    CH_CHECK(!has_v || ch_mlkem_check_dk(ps, v, vl) == CH_PQC_OK, CKR_ATTRIBUTE_VALUE_INVALID);
    if (!(has_v && has_s))
        return CKR_OK;
    /* Both given: dk must be the key the seed expands to. */
    uint8_t ek[CH_MLKEM_MAX_EK_BYTES];
    uint8_t *dk = ch_secmem_alloc(CH_MLKEM_MAX_DK_BYTES);
    CH_CHECK(dk != NULL, CKR_HOST_MEMORY);
    CK_RV rv = ch_mlkem_keypair_from_seed(ps, ek, dk, s) == CH_PQC_OK && ch_ct_eq(dk, v, vl)
                   ? CKR_OK
                   : CKR_ATTRIBUTE_VALUE_INVALID;
    ch_secmem_free(dk);
    return rv;
}

/* ---- the table ---------------------------------------------------------------------------- */

static const struct ch_mech_ops kem_gen_ops = {.generate_key_pair = kem_generate_pair};
static const struct ch_mech_ops kem_ops = {.encapsulate = kem_encapsulate,
                                           .decapsulate = kem_decapsulate};

/* Key sizes: ML-KEM public keys (ek) in bytes (§6.66). */
static const struct ch_mech_desc rows[] = {
    {.type = CKM_ML_KEM_KEY_PAIR_GEN, .flags = CKF_GENERATE_KEY_PAIR,
     .min_key = CH_MLKEM512_EK_BYTES, .max_key = CH_MLKEM1024_EK_BYTES, .approved = true,
     .key_type = CKK_ML_KEM, .ops = &kem_gen_ops},
    {.type = CKM_ML_KEM, .flags = CKF_ENCAPSULATE | CKF_DECAPSULATE,
     .min_key = CH_MLKEM512_EK_BYTES, .max_key = CH_MLKEM1024_EK_BYTES, .approved = true,
     .key_type = CKK_ML_KEM, .ops = &kem_ops},
};

static bool kem_owns(CK_KEY_TYPE t)
{
    return t == CKK_ML_KEM;
}

const struct ch_mech_family ch_mech_family_mlkem = {
    .rows = rows,
    .nrows = sizeof(rows) / sizeof(rows[0]),
    .owns = kem_owns,
    .validate = kem_validate,
};
