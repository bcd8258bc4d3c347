/* SPDX-License-Identifier: Apache-2.0 */
/* SLH-DSA (FIPS 205) through PKCS#11 3.2 §6.67: CKM_SLH_DSA_KEY_PAIR_GEN (all twelve
 * parameter sets), CKM_SLH_DSA (pure, with context; multi-part by buffering the message, which
 * FIPS 205 hashes twice), CKM_HASH_SLH_DSA (data = PH(M), single-part) and
 * CKM_HASH_SLH_DSA_<hash> (hash on the token), plus the import checks. Computes through
 * src/pqc; randomness from the module DRBG; no OpenSSL here. */
#include <stdlib.h>
#include <string.h>

#include "fips/fips.h"
#include "mech/mech_pqc.h"
#include "pqc/slhdsa/slhdsa.h"
#include "util/ch_ct.h"
#include "util/ch_secmem.h"
#include "util/ch_wipe.h"

/* CKP_SLH_DSA_SHA2_128S (1) ... CKP_SLH_DSA_SHAKE_256F (12) follow the order of enum
 * ch_slhdsa_set (FIPS 205 Table 2 order, SHA2 before SHAKE). */
_Static_assert(CKP_SLH_DSA_SHAKE_256F - CKP_SLH_DSA_SHA2_128S + 1 == CH_SLHDSA_SET_COUNT,
               "CKP_SLH_DSA_* and enum ch_slhdsa_set must line up");
_Static_assert(CKP_SLH_DSA_SHA2_192F - CKP_SLH_DSA_SHA2_128S == CH_SLHDSA_SHA2_192F,
               "CKP_SLH_DSA_* and enum ch_slhdsa_set must line up");

static const struct ch_slhdsa_params *params_of(CK_ULONG ckp)
{
    if (ckp < CKP_SLH_DSA_SHA2_128S || ckp > CKP_SLH_DSA_SHAKE_256F)
        return NULL;
    return ch_slhdsa_params_get((enum ch_slhdsa_set)(ckp - CKP_SLH_DSA_SHA2_128S));
}

static const struct ch_slhdsa_params *key_params(const struct ch_mech_key *k)
{
    CK_ULONG ps;
    return ch_mech_key_ulong(k, CKA_PARAMETER_SET, &ps) ? params_of(ps) : NULL;
}

static bool ph_of(CK_MECHANISM_TYPE h, enum ch_slhdsa_ph *out)
{
    static const struct {
        CK_MECHANISM_TYPE m;
        enum ch_slhdsa_ph ph;
    } map[] = {
        {CKM_SHA224, CH_SLHDSA_PH_SHA224},         {CKM_SHA256, CH_SLHDSA_PH_SHA256},
        {CKM_SHA384, CH_SLHDSA_PH_SHA384},         {CKM_SHA512, CH_SLHDSA_PH_SHA512},
        {CKM_SHA512_224, CH_SLHDSA_PH_SHA512_224}, {CKM_SHA512_256, CH_SLHDSA_PH_SHA512_256},
        {CKM_SHA3_224, CH_SLHDSA_PH_SHA3_224},     {CKM_SHA3_256, CH_SLHDSA_PH_SHA3_256},
        {CKM_SHA3_384, CH_SLHDSA_PH_SHA3_384},     {CKM_SHA3_512, CH_SLHDSA_PH_SHA3_512},
        {CH_MECH_PQC_SHAKE128, CH_SLHDSA_PH_SHAKE128},
        {CH_MECH_PQC_SHAKE256, CH_SLHDSA_PH_SHAKE256},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (map[i].m == h) {
            *out = map[i].ph;
            return true;
        }
    }
    return false;
}

/* ---- sign / verify ------------------------------------------------------------------------ */

enum slh_mode {
    SLH_PURE,      /* CKM_SLH_DSA: the message is buffered */
    SLH_PREHASHED, /* CKM_HASH_SLH_DSA: the data is PH(M) */
    SLH_HASH_ON,   /* CKM_HASH_SLH_DSA_<hash>: PH computed here */
};

struct slh_op {
    struct ch_mech_op base;
    const struct ch_slhdsa_params *p;
    enum slh_mode mode;
    enum ch_slhdsa_ph ph;
    struct ch_mech_pqc_param par;
    struct ch_mech_pqc_ph phc;
    uint8_t key[CH_SLHDSA_MAX_SK_BYTES]; /* sk (signing, wiped) or pk (verifying) */
    uint8_t *msg;                        /* SLH_PURE: the buffered message */
    size_t msg_len, msg_cap;
};

static void slh_free(struct ch_mech_op *o)
{
    struct slh_op *op = (struct slh_op *)o;
    if (op == NULL)
        return;
    ch_mech_pqc_ph_clear(&op->phc);
    free(op->msg);
    ch_secmem_free(op); /* wipes op->key (SK when signing) */
}

static CK_RV slh_init(const struct ch_mech_desc *d, enum ch_op_kind kind, const CK_MECHANISM *m,
                      const struct ch_mech_key *key, struct ch_mech_op **out)
{
    const uint8_t *v;
    size_t l;
    CK_RV rv;
    bool sign = kind == CH_OP_SIGN;
    CH_CHECK(kind == CH_OP_SIGN || kind == CH_OP_VERIFY, CKR_MECHANISM_INVALID);
    CH_CHECK(key != NULL && key->type == CKK_SLH_DSA &&
                 key->cls == (sign ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY),
             CKR_KEY_TYPE_INCONSISTENT);
    struct slh_op *op = ch_secmem_alloc(sizeof(*op)); /* holds SK: locked, wiped on free */
    CH_CHECK(op != NULL, CKR_HOST_MEMORY);
    op->base.desc = d;
    op->base.kind = kind;
    op->mode = d->type == CKM_SLH_DSA        ? SLH_PURE
               : d->type == CKM_HASH_SLH_DSA ? SLH_PREHASHED
                                             : SLH_HASH_ON;
    CH_TRY_OUT(ch_mech_pqc_param(m, op->mode == SLH_PREHASHED, sign, &op->par));
    if (op->mode == SLH_PREHASHED)
        CH_CHECK_OUT(ph_of(op->par.hash, &op->ph), CKR_MECHANISM_PARAM_INVALID);
    if (op->mode == SLH_HASH_ON) {
        CH_CHECK_OUT(ph_of((CK_MECHANISM_TYPE)d->arg, &op->ph), CKR_GENERAL_ERROR);
        CH_TRY_OUT(ch_mech_pqc_ph_init(&op->phc, (CK_MECHANISM_TYPE)d->arg));
    }
    op->p = key_params(key);
    CH_CHECK_OUT(op->p != NULL, CKR_KEY_TYPE_INCONSISTENT);
    size_t need = sign ? op->p->sk_bytes : op->p->pk_bytes;
    CH_CHECK_OUT(ch_mech_key_attr(key, CKA_VALUE, &v, &l) && l == need,
                 CKR_KEY_TYPE_INCONSISTENT);
    memcpy(op->key, v, l);
    *out = &op->base;
    op = NULL;
    rv = CKR_OK;
out:
    slh_free(op ? &op->base : NULL);
    return rv;
}

static CK_RV slh_update(struct ch_mech_op *o, const uint8_t *in, size_t in_len, uint8_t *out,
                        size_t *out_len)
{
    (void)out;
    (void)out_len;
    struct slh_op *op = (struct slh_op *)o;
    if (op->mode == SLH_HASH_ON)
        return ch_mech_pqc_ph_update(&op->phc, in, in_len);
    CH_CHECK(op->mode == SLH_PURE, CKR_KEY_FUNCTION_NOT_PERMITTED);
    if (in_len == 0)
        return CKR_OK;
    size_t need;
    CH_CHECK(!__builtin_add_overflow(op->msg_len, in_len, &need), CKR_DATA_LEN_RANGE);
    if (need > op->msg_cap) {
        size_t cap = op->msg_cap ? op->msg_cap : 256;
        while (cap < need)
            CH_CHECK(!__builtin_mul_overflow(cap, 2, &cap), CKR_DATA_LEN_RANGE);
        uint8_t *nb = realloc(op->msg, cap);
        CH_CHECK(nb != NULL, CKR_HOST_MEMORY);
        op->msg = nb;
        op->msg_cap = cap;
    }
    memcpy(op->msg + op->msg_len, in, in_len);
    op->msg_len = need;
    return CKR_OK;
}

/* The data to sign or verify: the buffered message (pure) or PH(M) (pre-hash forms). */
static CK_RV slh_data(struct slh_op *op, const uint8_t **in, size_t *in_len, uint8_t dg[64])
{
    if (op->mode == SLH_PURE) {
        if (op->msg_len > 0) { /* multi-part: what C_*Update buffered; else the one-shot data */
            *in = op->msg;
            *in_len = op->msg_len;
        }
    } else if (op->mode == SLH_HASH_ON) {
        CH_TRY(ch_mech_pqc_ph_final(&op->phc, dg));
        *in = dg;
        *in_len = op->phc.len;
    } else {
        CH_CHECK(*in_len == ch_slhdsa_ph_bytes(op->ph), CKR_DATA_LEN_RANGE);
    }
    static const uint8_t empty[1] = {0};
    if (*in == NULL && *in_len == 0)
        *in = empty; /* src/pqc refuses NULL pointers, even for an empty message */
    return CKR_OK;
}

static CK_RV slh_sign_now(struct slh_op *op, const uint8_t *in, size_t in_len, uint8_t *sig)
{
    uint8_t rnd[CH_SLHDSA_MAX_N], dg[64];
    bool hedged;
    int rc;
    CH_TRY(slh_data(op, &in, &in_len, dg));
    CH_TRY(ch_mech_pqc_rnd(op->par.hedge, rnd, op->p->n, &hedged));
    /* FIPS 205 Alg. 22/23: addrnd NULL selects the deterministic variant (opt_rand = PK.seed). */
    if (op->mode == SLH_PURE)
        rc = ch_slhdsa_sign(op->p, sig, op->p->sig_bytes, in, in_len, op->par.ctx,
                            op->par.ctx_len, op->key, hedged ? rnd : NULL);
    else
        rc = ch_slhdsa_hash_sign_digest(op->p, sig, op->p->sig_bytes, in, in_len, op->par.ctx,
                                        op->par.ctx_len, op->ph, op->key, hedged ? rnd : NULL);
    ch_wipe(rnd, sizeof(rnd));
    return ch_mech_pqc_rv(rc);
}

static CK_RV slh_oneshot(struct ch_mech_op *o, const uint8_t *in, size_t in_len, uint8_t *out,
                         size_t *out_len)
{
    struct slh_op *op = (struct slh_op *)o;
    CH_CHECK(o->kind == CH_OP_SIGN, CKR_OPERATION_NOT_INITIALIZED);
    if (op->mode == SLH_PREHASHED)
        CH_CHECK(in_len == ch_slhdsa_ph_bytes(op->ph), CKR_DATA_LEN_RANGE);
    CH_TRY(ch_mech_out_check(out, out_len, op->p->sig_bytes));
    if (out == NULL)
        return CKR_OK;
    if (op->mode == SLH_HASH_ON)
        CH_TRY(slh_update(o, in, in_len, NULL, NULL));
    return slh_sign_now(op, in, in_len, out);
}

static CK_RV slh_final(struct ch_mech_op *o, uint8_t *out, size_t *out_len)
{
    struct slh_op *op = (struct slh_op *)o;
    CH_CHECK(op->mode != SLH_PREHASHED, CKR_OPERATION_NOT_INITIALIZED);
    CH_TRY(ch_mech_out_check(out, out_len, op->p->sig_bytes));
    if (out == NULL)
        return CKR_OK;
    return slh_sign_now(op, NULL, 0, out);
}

static CK_RV slh_verify_now(struct slh_op *op, const uint8_t *in, size_t in_len,
                            const uint8_t *sig, size_t sig_len)
{
    uint8_t dg[64];
    int rc;
    CH_CHECK(sig_len == op->p->sig_bytes, CKR_SIGNATURE_LEN_RANGE);
    CH_TRY(slh_data(op, &in, &in_len, dg));
    if (op->mode == SLH_PURE)
        rc = ch_slhdsa_verify(op->p, in, in_len, sig, sig_len, op->par.ctx, op->par.ctx_len,
                              op->key);
    else
        rc = ch_slhdsa_hash_verify_digest(op->p, in, in_len, sig, sig_len, op->par.ctx,
                                          op->par.ctx_len, op->ph, op->key);
    return ch_mech_pqc_rv(rc);
}

static CK_RV slh_verify(struct ch_mech_op *o, const uint8_t *in, size_t in_len,
                        const uint8_t *sig, size_t sig_len)
{
    struct slh_op *op = (struct slh_op *)o;
    if (op->mode == SLH_HASH_ON)
        CH_TRY(slh_update(o, in, in_len, NULL, NULL));
    return slh_verify_now(op, in, in_len, sig, sig_len);
}

static CK_RV slh_verify_final(struct ch_mech_op *o, const uint8_t *sig, size_t sig_len)
{
    struct slh_op *op = (struct slh_op *)o;
    CH_CHECK(op->mode != SLH_PREHASHED, CKR_OPERATION_NOT_INITIALIZED);
    return slh_verify_now(op, NULL, 0, sig, sig_len);
}

/* ---- key generation (§6.67 "SLH-DSA key pair generation", FIPS 205 Alg. 21) --------------- */

/* Pairwise-consistency test (FIPS 140-3 IG 10.3.A): sign and verify a fixed message. */
static CK_RV slh_pct(const struct ch_slhdsa_params *p, const uint8_t *sk, const uint8_t *pk)
{
    static const uint8_t msg[] = "SLH-DSA pairwise consistency test";
    uint8_t *sig = malloc(p->sig_bytes);
    CH_CHECK(sig != NULL, CKR_HOST_MEMORY);
    CK_RV rv = CKR_OK;
    if (ch_slhdsa_sign(p, sig, p->sig_bytes, msg, sizeof(msg), NULL, 0, sk, NULL) != CH_PQC_OK ||
        ch_slhdsa_verify(p, msg, sizeof(msg), sig, p->sig_bytes, NULL, 0, pk) != CH_PQC_OK) {
        ch_fips_set_error("pairwise consistency test failed: SLH-DSA");
        rv = CKR_GENERAL_ERROR;
    }
    free(sig);
    return rv;
}

static CK_RV slh_generate_pair(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                               const struct ch_mech_tmpl *pub_t,
                               const struct ch_mech_tmpl *priv_t, struct ch_attr_list *pub,
                               struct ch_attr_list *priv)
{
    CK_ULONG ckp;
    const struct ch_slhdsa_params *p;
    uint8_t seeds[3 * CH_SLHDSA_MAX_N], sk[CH_SLHDSA_MAX_SK_BYTES], pk[CH_SLHDSA_MAX_PK_BYTES];
    CK_RV rv;
    (void)d;
    (void)priv_t;
    CH_CHECK(m->pParameter == NULL && m->ulParameterLen == 0, CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(ch_mech_tmpl_ulong(pub_t, CKA_PARAMETER_SET, &ckp), CKR_TEMPLATE_INCOMPLETE);
    p = params_of(ckp);
    CH_CHECK(p != NULL, CKR_PARAMETER_SET_NOT_SUPPORTED);
    /* Alg. 21 lines 1-3: SK.seed, SK.prf, PK.seed, n bytes each. */
    CH_TRY_OUT(ch_drbg_generate(seeds, 3 * p->n));
    CH_CT_SECRET(seeds, 3 * p->n);
    CH_CHECK_OUT(ch_slhdsa_keygen_internal(p, seeds, seeds + p->n, seeds + 2 * p->n, sk, pk) ==
                     CH_PQC_OK,
                 CKR_GENERAL_ERROR);
    CH_TRY_OUT(slh_pct(p, sk, pk));
    CH_TRY_OUT(ch_attr_list_add_ulong(pub, CKA_CLASS, CKO_PUBLIC_KEY));
    CH_TRY_OUT(ch_attr_list_add_ulong(pub, CKA_KEY_TYPE, CKK_SLH_DSA));
    CH_TRY_OUT(ch_attr_list_add(pub, CKA_VALUE, pk, p->pk_bytes, false));
    CH_TRY_OUT(ch_attr_list_add_ulong(priv, CKA_CLASS, CKO_PRIVATE_KEY));
    CH_TRY_OUT(ch_attr_list_add_ulong(priv, CKA_KEY_TYPE, CKK_SLH_DSA));
    CH_TRY_OUT(ch_attr_list_add_ulong(priv, CKA_PARAMETER_SET, ckp));
    CH_TRY_OUT(ch_attr_list_add(priv, CKA_VALUE, sk, p->sk_bytes, true));
    rv = CKR_OK;
out:
    ch_wipe(seeds, sizeof(seeds));
    ch_wipe(sk, sizeof(sk));
    return rv;
}

/* ---- import validation -------------------------------------------------------------------- */

static CK_RV slh_validate(const struct ch_mech_key *k)
{
    CK_ULONG ckp;
    const uint8_t *v;
    size_t l;
    CH_CHECK(ch_mech_key_ulong(k, CKA_PARAMETER_SET, &ckp), CKR_TEMPLATE_INCOMPLETE);
    const struct ch_slhdsa_params *p = params_of(ckp);
    CH_CHECK(p != NULL, CKR_ATTRIBUTE_VALUE_INVALID);
    if (k->cls != CKO_PUBLIC_KEY && k->cls != CKO_PRIVATE_KEY)
        return CKR_OK;
    CH_CHECK(ch_mech_key_attr(k, CKA_VALUE, &v, &l), CKR_TEMPLATE_INCOMPLETE);
    if (k->cls == CKO_PUBLIC_KEY) {
        CH_CHECK(l == p->pk_bytes, CKR_ATTRIBUTE_VALUE_INVALID);
        return CKR_OK;
    }
    /* Length, and PK.root must be the root SK.seed and PK.seed yield (one key generation). */
    CH_CHECK(ch_slhdsa_check_sk(p, v, l) == CH_PQC_OK, CKR_ATTRIBUTE_VALUE_INVALID);
    return CKR_OK;
}

/* ---- the table ---------------------------------------------------------------------------- */

static const struct ch_mech_ops slh_gen_ops = {.generate_key_pair = slh_generate_pair};
static const struct ch_mech_ops slh_multi_ops = {
    .init = slh_init,
    .oneshot = slh_oneshot,
    .update = slh_update,
    .final = slh_final,
    .verify = slh_verify,
    .verify_final = slh_verify_final,
    .free = slh_free,
};
static const struct ch_mech_ops slh_single_ops = {
    .init = slh_init,
    .oneshot = slh_oneshot,
    .verify = slh_verify,
    .free = slh_free,
};

/* Key sizes: SLH-DSA public keys in bytes (32, 48, 64). */
#define ROW(mech, fl, ops_, h)                                                                     \
    {.type = (mech), .flags = (fl), .min_key = CH_SLHDSA_128S_PK_BYTES,                            \
     .max_key = CH_SLHDSA_MAX_PK_BYTES, .approved = true, .key_type = CKK_SLH_DSA,                 \
     .ops = &(ops_), .arg = (h)}
#define SV (CKF_SIGN | CKF_VERIFY)

static const struct ch_mech_desc rows[] = {
    ROW(CKM_SLH_DSA_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR, slh_gen_ops, 0),
    ROW(CKM_SLH_DSA, SV, slh_multi_ops, 0),
    ROW(CKM_HASH_SLH_DSA, SV, slh_single_ops, 0),
    ROW(CKM_HASH_SLH_DSA_SHA224, SV, slh_multi_ops, CKM_SHA224),
    ROW(CKM_HASH_SLH_DSA_SHA256, SV, slh_multi_ops, CKM_SHA256),
    ROW(CKM_HASH_SLH_DSA_SHA384, SV, slh_multi_ops, CKM_SHA384),
    ROW(CKM_HASH_SLH_DSA_SHA512, SV, slh_multi_ops, CKM_SHA512),
    ROW(CKM_HASH_SLH_DSA_SHA3_224, SV, slh_multi_ops, CKM_SHA3_224),
    ROW(CKM_HASH_SLH_DSA_SHA3_256, SV, slh_multi_ops, CKM_SHA3_256),
    ROW(CKM_HASH_SLH_DSA_SHA3_384, SV, slh_multi_ops, CKM_SHA3_384),
    ROW(CKM_HASH_SLH_DSA_SHA3_512, SV, slh_multi_ops, CKM_SHA3_512),
    ROW(CKM_HASH_SLH_DSA_SHAKE128, SV, slh_multi_ops, CH_MECH_PQC_SHAKE128),
    ROW(CKM_HASH_SLH_DSA_SHAKE256, SV, slh_multi_ops, CH_MECH_PQC_SHAKE256),
};

static bool slh_owns(CK_KEY_TYPE t)
{
    return t == CKK_SLH_DSA;
}

const struct ch_mech_family ch_mech_family_slhdsa = {
    .rows = rows,
    .nrows = sizeof(rows) / sizeof(rows[0]),
    .owns = slh_owns,
    .validate = slh_validate,
};
