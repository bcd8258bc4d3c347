/* SPDX-License-Identifier: Apache-2.0 */
/* Edwards and Montgomery curves (PKCS#11 3.0 §6.3.5-6.3.7, §6.3.14): CKM_EC_EDWARDS_KEY_PAIR_GEN
 * (Ed25519, Ed448), CKM_EDDSA (RFC 8032 pure EdDSA; single-part), and
 * CKM_EC_MONTGOMERY_KEY_PAIR_GEN (X25519, X448; their key agreement is CKM_ECDH1_DERIVE in
 * mech_ec.c). OpenSSL 3.0 offers neither Ed25519ctx nor Ed25519ph/Ed448ph, so CK_EDDSA_PARAMS
 * asking for a pre-hash or a context is refused with CKR_MECHANISM_PARAM_INVALID. */
#include <string.h>

#include "mech/mech_pk.h"

static CK_RV eddsa_init(const struct ch_mech_desc *d, enum ch_op_kind kind, const CK_MECHANISM *m,
                        const struct ch_mech_key *key, struct ch_mech_op **out)
{
    struct ch_pk_params pp = {.pad = CH_PAD_NONE};
    struct ch_pk_op *op;
    CH_CHECK(key != NULL && key->type == CKK_EC_EDWARDS, CKR_KEY_TYPE_INCONSISTENT);
    if (m->pParameter != NULL || m->ulParameterLen != 0) {
        CK_EDDSA_PARAMS prm;
        CH_CHECK(m->pParameter != NULL && m->ulParameterLen == sizeof(prm),
                 CKR_MECHANISM_PARAM_INVALID);
        memcpy(&prm, m->pParameter, sizeof(prm));
        /* Pure mode only (RFC 8032 §5.1 Ed25519, §5.2 Ed448 with an empty context). */
        CH_CHECK(!prm.phFlag && prm.ulContextDataLen == 0, CKR_MECHANISM_PARAM_INVALID);
    }
    CH_TRY(ch_mech_pk_op_new(d, kind, key, &pp, CH_HASH_NONE, &op));
    *out = &op->base;
    return CKR_OK;
}

static CK_RV gen_pair(const CK_MECHANISM *m, const struct ch_mech_tmpl *pub_t, bool edwards,
                      struct ch_attr_list *pub, struct ch_attr_list *priv)
{
    const void *params;
    size_t plen;
    enum ch_pk_type t;
    enum ch_curve c;
    struct ch_pkey *k = NULL;
    uint8_t raw[64];
    size_t rl = sizeof(raw);
    CK_KEY_TYPE kt = edwards ? CKK_EC_EDWARDS : CKK_EC_MONTGOMERY;
    CK_RV rv;
    CH_CHECK(m->pParameter == NULL && m->ulParameterLen == 0, CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(ch_mech_tmpl_find(pub_t, CKA_EC_PARAMS, &params, &plen), CKR_TEMPLATE_INCOMPLETE);
    CH_CHECK(ch_mech_pk_params_decode(params, plen, &t, &c), CKR_CURVE_NOT_SUPPORTED);
    CH_CHECK(edwards ? (t == CH_PK_ED25519 || t == CH_PK_ED448)
                     : (t == CH_PK_X25519 || t == CH_PK_X448),
             CKR_CURVE_NOT_SUPPORTED);
    CH_TRY(ch_crypto_pkey_generate(t, CH_CURVE_NONE, 0, NULL, 0, &k));
    CH_TRY_OUT(ch_mech_pk_pct(k));
    CH_TRY_OUT(ch_crypto_pkey_get(k, CH_PKC_RAW_PUB, raw, &rl));
    CH_TRY_OUT(ch_mech_pk_add_common(pub, CKO_PUBLIC_KEY, kt, k, NULL));
    CH_TRY_OUT(ch_mech_pk_add_point(pub, raw, rl));
    CH_TRY_OUT(ch_mech_pk_add_common(priv, CKO_PRIVATE_KEY, kt, k, pub));
    CH_TRY_OUT(ch_attr_list_add(priv, CKA_EC_PARAMS, params, plen, false));
    CH_TRY_OUT(ch_mech_pk_add_comp(priv, CKA_VALUE, k, CH_PKC_RAW_PRIV, true));
    rv = CKR_OK;
out:
    ch_crypto_pkey_free(k);
    return rv;
}

static CK_RV edwards_generate(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                              const struct ch_mech_tmpl *pub_t, const struct ch_mech_tmpl *priv_t,
                              struct ch_attr_list *pub, struct ch_attr_list *priv)
{
    (void)d;
    (void)priv_t;
    return gen_pair(m, pub_t, true, pub, priv);
}

static CK_RV montgomery_generate(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                                 const struct ch_mech_tmpl *pub_t,
                                 const struct ch_mech_tmpl *priv_t, struct ch_attr_list *pub,
                                 struct ch_attr_list *priv)
{
    (void)d;
    (void)priv_t;
    return gen_pair(m, pub_t, false, pub, priv);
}

static const struct ch_mech_ops eddsa_ops = {
    .init = eddsa_init,
    .oneshot = ch_mech_pk_oneshot,
    .verify = ch_mech_pk_verify,
    .free = ch_mech_pk_free,
};
static const struct ch_mech_ops edwards_gen_ops = {.generate_key_pair = edwards_generate};
static const struct ch_mech_ops montgomery_gen_ops = {.generate_key_pair = montgomery_generate};

/* Key sizes in bits of the curve: 255 (edwards25519/curve25519) to 448. */
static const struct ch_mech_desc rows[] = {
    {.type = CKM_EC_EDWARDS_KEY_PAIR_GEN, .flags = CKF_GENERATE_KEY_PAIR, .min_key = 255,
     .max_key = 448, .approved = true, .key_type = CKK_EC_EDWARDS, .ops = &edwards_gen_ops},
    {.type = CKM_EDDSA, .flags = CKF_SIGN | CKF_VERIFY, .min_key = 255, .max_key = 448,
     .approved = true, .key_type = CKK_EC_EDWARDS, .ops = &eddsa_ops},
    /* X25519/X448 key agreement is not an SP 800-56A scheme: not approved. */
    {.type = CKM_EC_MONTGOMERY_KEY_PAIR_GEN, .flags = CKF_GENERATE_KEY_PAIR, .min_key = 255,
     .max_key = 448, .approved = false, .key_type = CKK_EC_MONTGOMERY,
     .ops = &montgomery_gen_ops},
};

static bool eddsa_owns(CK_KEY_TYPE t)
{
    return t == CKK_EC_EDWARDS || t == CKK_EC_MONTGOMERY;
}

static CK_RV eddsa_import_pkcs8(const uint8_t *der, size_t len, struct ch_attr_list *out)
{
    static const CK_KEY_TYPE mine[] = {CKK_EC_EDWARDS, CKK_EC_MONTGOMERY};
    return ch_mech_pk_import_pkcs8(der, len, out, mine, 2);
}

const struct ch_mech_family ch_mech_family_eddsa = {
    .rows = rows,
    .nrows = sizeof(rows) / sizeof(rows[0]),
    .owns = eddsa_owns,
    .validate = ch_mech_pk_validate,
    .export_pkcs8 = ch_mech_pk_export_pkcs8,
    .import_pkcs8 = eddsa_import_pkcs8,
};
