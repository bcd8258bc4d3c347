/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA (FIPS 204) through PKCS#11 3.2 §6.65: CKM_ML_DSA_KEY_PAIR_GEN, CKM_ML_DSA (pure,
 * single- and multi-part: mu is computed as the data arrives), CKM_HASH_ML_DSA (data = PH(M),
 * single-part) and CKM_HASH_ML_DSA_<hash> (hash on the token), plus the import checks. Signing
 * keys are prepared once (ch_mldsa_prepare) and kept in the key's cache slot. Also the helpers
 * the PQC families share (mech_pqc.h). Computes through src/pqc; no OpenSSL here. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "fips/fips.h"
#include "mech/mech_pqc.h"
#include "pqc/mldsa/mldsa.h"
#include "util/ch_ct.h"
#include "util/ch_secmem.h"
#include "util/ch_wipe.h"

/* ---- shared PQC helpers (mech_pqc.h) ------------------------------------------------------ */

CK_RV ch_mech_pqc_param(const CK_MECHANISM *m, bool with_hash, bool sign,
                        struct ch_mech_pqc_param *out)
{
    CK_HEDGE_TYPE hedge = CKH_HEDGE_PREFERRED;
    const CK_BYTE *ctx = NULL;
    CK_ULONG ctx_len = 0;
    memset(out, 0, sizeof(*out));
    out->hash = CK_UNAVAILABLE_INFORMATION;
    if (with_hash) {
        CK_HASH_SIGN_ADDITIONAL_CONTEXT p;
        CH_CHECK(m->pParameter != NULL && m->ulParameterLen == sizeof(p),
                 CKR_MECHANISM_PARAM_INVALID);
        memcpy(&p, m->pParameter, sizeof(p));
        hedge = p.hedgeVariant;
        ctx = p.pContext;
        ctx_len = p.ulContextLen;
        out->hash = p.hash;
    } else if (m->pParameter != NULL || m->ulParameterLen != 0) {
        CK_SIGN_ADDITIONAL_CONTEXT p;
        CH_CHECK(m->pParameter != NULL && m->ulParameterLen == sizeof(p),
                 CKR_MECHANISM_PARAM_INVALID);
        memcpy(&p, m->pParameter, sizeof(p));
        hedge = p.hedgeVariant;
        ctx = p.pContext;
        ctx_len = p.ulContextLen;
    }
    /* §6.65: "On verification the hedgeVariant parameter is ignored." */
    if (!sign)
        hedge = CKH_HEDGE_PREFERRED;
    CH_CHECK(hedge == CKH_HEDGE_PREFERRED || hedge == CKH_HEDGE_REQUIRED ||
                 hedge == CKH_DETERMINISTIC_REQUIRED,
             CKR_MECHANISM_PARAM_INVALID);
    /* FIPS 204 Alg. 2 line 1 / FIPS 205 Alg. 22 line 1: |ctx| <= 255. */
    CH_CHECK(ctx_len <= sizeof(out->ctx), CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(ctx != NULL || ctx_len == 0, CKR_MECHANISM_PARAM_INVALID);
    out->hedge = hedge;
    out->ctx_len = (size_t)ctx_len;
    if (ctx_len > 0)
        memcpy(out->ctx, ctx, (size_t)ctx_len);
    return CKR_OK;
}

CK_RV ch_mech_pqc_rnd(CK_HEDGE_TYPE hedge, uint8_t *out, size_t n, bool *hedged)
{
    /* CKH_HEDGE_PREFERRED: we always hedge (FIPS 204 §3.4 recommends it). */
    *hedged = hedge != CKH_DETERMINISTIC_REQUIRED;
    if (!*hedged) {
        memset(out, 0, n);
        return CKR_OK;
    }
    return ch_drbg_generate(out, n);
}

static enum ch_hash crypto_hash_of(CK_MECHANISM_TYPE h)
{
    switch (h) {
    case CKM_SHA224:
        return CH_HASH_SHA224;
    case CKM_SHA256:
        return CH_HASH_SHA256;
    case CKM_SHA384:
        return CH_HASH_SHA384;
    case CKM_SHA512:
        return CH_HASH_SHA512;
    case CKM_SHA512_224:
        return CH_HASH_SHA512_224;
    case CKM_SHA512_256:
        return CH_HASH_SHA512_256;
    case CKM_SHA3_224:
        return CH_HASH_SHA3_224;
    case CKM_SHA3_256:
        return CH_HASH_SHA3_256;
    case CKM_SHA3_384:
        return CH_HASH_SHA3_384;
    case CKM_SHA3_512:
        return CH_HASH_SHA3_512;
    default:
        return CH_HASH_NONE;
    }
}

size_t ch_mech_pqc_hash_len(CK_MECHANISM_TYPE hash)
{
    if (hash == CH_MECH_PQC_SHAKE128)
        return 32;
    if (hash == CH_MECH_PQC_SHAKE256)
        return 64;
    enum ch_hash h = crypto_hash_of(hash);
    return h == CH_HASH_NONE ? 0 : ch_crypto_hash_len(h);
}

CK_RV ch_mech_pqc_ph_init(struct ch_mech_pqc_ph *ph, CK_MECHANISM_TYPE hash)
{
    memset(ph, 0, sizeof(*ph));
    ph->hash = hash;
    ph->len = ch_mech_pqc_hash_len(hash);
    CH_CHECK(ph->len != 0, CKR_MECHANISM_PARAM_INVALID);
    if (hash == CH_MECH_PQC_SHAKE128) {
        ph->shake128 = true;
        ch_shake128_init(&ph->k);
        return CKR_OK;
    }
    if (hash == CH_MECH_PQC_SHAKE256) {
        ph->shake256 = true;
        ch_shake256_init(&ph->k);
        return CKR_OK;
    }
    return ch_crypto_digest_new(crypto_hash_of(hash), &ph->d);
}

CK_RV ch_mech_pqc_ph_update(struct ch_mech_pqc_ph *ph, const uint8_t *in, size_t len)
{
    if (ph->shake128)
        ch_shake128_absorb(&ph->k, in, len);
    else if (ph->shake256)
        ch_shake256_absorb(&ph->k, in, len);
    else
        return ch_crypto_digest_update(ph->d, in, len);
    return CKR_OK;
}

CK_RV ch_mech_pqc_ph_final(struct ch_mech_pqc_ph *ph, uint8_t *out)
{
    if (ph->shake128) {
        ch_shake128_finalize(&ph->k);
        ch_shake128_squeeze(&ph->k, out, ph->len);
    } else if (ph->shake256) {
        ch_shake256_finalize(&ph->k);
        ch_shake256_squeeze(&ph->k, out, ph->len);
    } else {
        return ch_crypto_digest_final(ph->d, out);
    }
    return CKR_OK;
}

void ch_mech_pqc_ph_clear(struct ch_mech_pqc_ph *ph)
{
    ch_crypto_digest_free(ph->d);
    ph->d = NULL;
    ch_keccak_clear(&ph->k);
}

CK_RV ch_mech_pqc_rv(int rc)
{
    switch (rc) {
    case CH_PQC_OK:
        return CKR_OK;
    case CH_PQC_ERR_VERIFY:
        return CKR_SIGNATURE_INVALID;
    case CH_PQC_ERR_CONTEXT:
        return CKR_MECHANISM_PARAM_INVALID;
    case CH_PQC_ERR_INPUT:
        return CKR_KEY_FUNCTION_NOT_PERMITTED; /* a stored key that no longer decodes */
    default:
        return CKR_GENERAL_ERROR;
    }
}

/* ---- parameter sets and keys -------------------------------------------------------------- */

static bool set_of(CK_ULONG ckp, enum ch_mldsa_set *out)
{
    switch (ckp) {
    case CKP_ML_DSA_44:
        *out = CH_MLDSA_44;
        return true;
    case CKP_ML_DSA_65:
        *out = CH_MLDSA_65;
        return true;
    case CKP_ML_DSA_87:
        *out = CH_MLDSA_87;
        return true;
    default:
        return false;
    }
}

static bool key_set(const struct ch_mech_key *k, enum ch_mldsa_set *out)
{
    CK_ULONG ps;
    return ch_mech_key_ulong(k, CKA_PARAMETER_SET, &ps) && set_of(ps, out);
}

/* The prepared signing key, shared by the key's cache and the operations using it. */
struct dsa_cache {
    struct ch_mech_cache base;
    int refs;
    enum ch_mldsa_set set;
    uint8_t tr[CH_MLDSA_TR_BYTES];       /* H(pk, 64), for mu */
    struct ch_mldsa_prepared *key;       /* ch_secmem */
};

static void cache_unref(struct dsa_cache *c)
{
    if (c == NULL || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    if (c->key != NULL) {
        ch_mldsa_prepared_clear(c->key);
        ch_secmem_free(c->key);
    }
    ch_wipe(c->tr, sizeof(c->tr));
    free(c);
}

static void cache_free(struct ch_mech_cache *c)
{
    cache_unref((struct dsa_cache *)c);
}

/* Expand a private key into a prepared key: from CKA_VALUE (skEncode) if present, else from
 * CKA_SEED (xi, through KeyGen_internal, Alg. 6). tr is bytes 64..127 of sk (Alg. 24). */
static CK_RV cache_build(const struct ch_mech_key *k, enum ch_mldsa_set set, struct dsa_cache **out)
{
    const uint8_t *v;
    size_t l;
    uint8_t *sk = NULL, *pk = NULL;
    CK_RV rv = CKR_HOST_MEMORY;
    struct dsa_cache *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return CKR_HOST_MEMORY;
    c->refs = 1;
    c->set = set;
    c->base.free = cache_free;
    c->key = ch_secmem_alloc(sizeof(*c->key));
    if (c->key == NULL)
        goto out;
    if (ch_mech_key_attr(k, CKA_VALUE, &v, &l)) {
        rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
        if (l != ch_mldsa_sk_bytes(set) || ch_mldsa_prepare(set, c->key, v, l) != CH_PQC_OK)
            goto out;
        memcpy(c->tr, v + 64, CH_MLDSA_TR_BYTES);
    } else if (ch_mech_key_attr(k, CKA_SEED, &v, &l) && l == CH_MLDSA_SEED_BYTES) {
        sk = ch_secmem_alloc(CH_MLDSA_SK_MAX_BYTES);
        pk = malloc(CH_MLDSA_PK_MAX_BYTES);
        if (sk == NULL || pk == NULL)
            goto out;
        rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
        if (ch_mldsa_keypair_derand(set, pk, sk, v) != CH_PQC_OK ||
            ch_mldsa_prepare(set, c->key, sk, ch_mldsa_sk_bytes(set)) != CH_PQC_OK)
            goto out;
        memcpy(c->tr, sk + 64, CH_MLDSA_TR_BYTES);
    } else {
        rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
        goto out;
    }
    *out = c;
    c = NULL;
    rv = CKR_OK;
out:
    ch_secmem_free(sk);
    free(pk);
    cache_unref(c);
    return rv;
}

/* The key's prepared form with a reference for the caller: from the cache, or built (outside
 * the mutex) and installed by the first to finish. */
static CK_RV prepared_key(const struct ch_mech_key *k, enum ch_mldsa_set set,
                          struct dsa_cache **out)
{
    pthread_mutex_t *mu = k->cache_lock;
    struct dsa_cache *c = NULL;
    if (k->cache != NULL && mu != NULL) {
        pthread_mutex_lock(mu);
        if (*k->cache != NULL && (*k->cache)->free == cache_free &&
            ((struct dsa_cache *)*k->cache)->set == set) {
            c = (struct dsa_cache *)*k->cache;
            __atomic_add_fetch(&c->refs, 1, __ATOMIC_ACQ_REL);
        }
        pthread_mutex_unlock(mu);
        if (c != NULL) {
            *out = c;
            return CKR_OK;
        }
    }
    CH_TRY(cache_build(k, set, &c));
    if (k->cache != NULL && mu != NULL) {
        pthread_mutex_lock(mu);
        if (*k->cache == NULL) {
            __atomic_add_fetch(&c->refs, 1, __ATOMIC_ACQ_REL);
            *k->cache = &c->base;
        }
        pthread_mutex_unlock(mu);
    }
    *out = c;
    return CKR_OK;
}

/* ---- sign / verify ------------------------------------------------------------------------ */

enum dsa_mode {
    DSA_PURE,      /* CKM_ML_DSA: mu absorbed as data arrives */
    DSA_PREHASHED, /* CKM_HASH_ML_DSA: the data is PH(M) */
    DSA_HASH_ON,   /* CKM_HASH_ML_DSA_<hash>: PH computed here */
};

struct dsa_op {
    struct ch_mech_op base;
    enum ch_mldsa_set set;
    enum dsa_mode mode;
    enum ch_mldsa_prehash ph;
    struct ch_mech_pqc_param par;
    struct ch_keccak mu;        /* DSA_PURE: H(tr || 0 || |ctx| || ctx || M ...) */
    struct ch_mech_pqc_ph phc;  /* DSA_HASH_ON */
    struct dsa_cache *prep;     /* signing */
    uint8_t pk[CH_MLDSA_PK_MAX_BYTES];
    size_t pk_len;              /* verifying */
};

static bool prehash_of(CK_MECHANISM_TYPE h, enum ch_mldsa_prehash *out)
{
    static const struct {
        CK_MECHANISM_TYPE m;
        enum ch_mldsa_prehash ph;
    } map[] = {
        {CKM_SHA224, CH_MLDSA_PH_SHA2_224},       {CKM_SHA256, CH_MLDSA_PH_SHA2_256},
        {CKM_SHA384, CH_MLDSA_PH_SHA2_384},       {CKM_SHA512, CH_MLDSA_PH_SHA2_512},
        {CKM_SHA512_224, CH_MLDSA_PH_SHA2_512_224}, {CKM_SHA512_256, CH_MLDSA_PH_SHA2_512_256},
        {CKM_SHA3_224, CH_MLDSA_PH_SHA3_224},     {CKM_SHA3_256, CH_MLDSA_PH_SHA3_256},
        {CKM_SHA3_384, CH_MLDSA_PH_SHA3_384},     {CKM_SHA3_512, CH_MLDSA_PH_SHA3_512},
        {CH_MECH_PQC_SHAKE128, CH_MLDSA_PH_SHAKE128},
        {CH_MECH_PQC_SHAKE256, CH_MLDSA_PH_SHAKE256},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (map[i].m == h) {
            *out = map[i].ph;
            return true;
        }
    }
    return false;
}

static void dsa_free(struct ch_mech_op *o)
{
    struct dsa_op *op = (struct dsa_op *)o;
    if (op == NULL)
        return;
    cache_unref(op->prep);
    ch_mech_pqc_ph_clear(&op->phc);
    ch_wipe(op, sizeof(*op));
    free(op);
}

static CK_RV dsa_init(const struct ch_mech_desc *d, enum ch_op_kind kind, const CK_MECHANISM *m,
                      const struct ch_mech_key *key, struct ch_mech_op **out)
{
    const uint8_t *v;
    size_t l;
    uint8_t tr[CH_MLDSA_TR_BYTES];
    CK_RV rv;
    bool sign = kind == CH_OP_SIGN;
    CH_CHECK(kind == CH_OP_SIGN || kind == CH_OP_VERIFY, CKR_MECHANISM_INVALID);
    CH_CHECK(key != NULL && key->type == CKK_ML_DSA &&
                 key->cls == (sign ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY),
             CKR_KEY_TYPE_INCONSISTENT);
    struct dsa_op *op = calloc(1, sizeof(*op));
    CH_CHECK(op != NULL, CKR_HOST_MEMORY);
    op->base.desc = d;
    op->base.kind = kind;
    op->mode = d->type == CKM_ML_DSA        ? DSA_PURE
               : d->type == CKM_HASH_ML_DSA ? DSA_PREHASHED
                                            : DSA_HASH_ON;
    CH_TRY_OUT(ch_mech_pqc_param(m, op->mode == DSA_PREHASHED, sign, &op->par));
    if (op->mode == DSA_PREHASHED)
        CH_CHECK_OUT(prehash_of(op->par.hash, &op->ph), CKR_MECHANISM_PARAM_INVALID);
    if (op->mode == DSA_HASH_ON) {
        CH_CHECK_OUT(prehash_of((CK_MECHANISM_TYPE)d->arg, &op->ph), CKR_GENERAL_ERROR);
        CH_TRY_OUT(ch_mech_pqc_ph_init(&op->phc, (CK_MECHANISM_TYPE)d->arg));
    }
    CH_CHECK_OUT(key_set(key, &op->set), CKR_KEY_TYPE_INCONSISTENT);
    if (sign) {
        CH_TRY_OUT(prepared_key(key, op->set, &op->prep));
        memcpy(tr, op->prep->tr, sizeof(tr));
    } else {
        CH_CHECK_OUT(ch_mech_key_attr(key, CKA_VALUE, &v, &l) && l == ch_mldsa_pk_bytes(op->set),
                     CKR_KEY_TYPE_INCONSISTENT);
        memcpy(op->pk, v, l);
        op->pk_len = l;
        ch_shake256(tr, sizeof(tr), v, l); /* Alg. 8 line 6: tr = H(pk, 64) */
    }
    if (op->mode == DSA_PURE) {
        /* Alg. 7 line 6 with M' = 0 || |ctx| || ctx || M (Alg. 2 line 10): mu is absorbed as
         * the message arrives, so multi-part signing needs no buffer. */
        uint8_t hdr[2] = {0, (uint8_t)op->par.ctx_len};
        ch_shake256_init(&op->mu);
        ch_shake256_absorb(&op->mu, tr, sizeof(tr));
        ch_shake256_absorb(&op->mu, hdr, 2);
        ch_shake256_absorb(&op->mu, op->par.ctx, op->par.ctx_len);
    }
    *out = &op->base;
    op = NULL;
    rv = CKR_OK;
out:
    dsa_free(op ? &op->base : NULL);
    return rv;
}

static CK_RV dsa_update(struct ch_mech_op *o, const uint8_t *in, size_t in_len, uint8_t *out,
                        size_t *out_len)
{
    (void)out;
    (void)out_len;
    struct dsa_op *op = (struct dsa_op *)o;
    if (op->mode == DSA_PURE) {
        ch_shake256_absorb(&op->mu, in, in_len);
        return CKR_OK;
    }
    CH_CHECK(op->mode == DSA_HASH_ON, CKR_KEY_FUNCTION_NOT_PERMITTED);
    return ch_mech_pqc_ph_update(&op->phc, in, in_len);
}

/* Sign what has been absorbed (in/in_len: the data of CKM_HASH_ML_DSA, else NULL). */
static CK_RV dsa_sign_now(struct dsa_op *op, const uint8_t *in, size_t in_len, uint8_t *sig)
{
    uint8_t rnd[CH_MLDSA_RND_BYTES], mu[CH_MLDSA_MU_BYTES], dg[64];
    bool hedged;
    int rc;
    CK_RV rv;
    CH_TRY(ch_mech_pqc_rnd(op->par.hedge, rnd, sizeof(rnd), &hedged));
    if (op->mode == DSA_PURE) {
        ch_shake256_finalize(&op->mu);
        ch_shake256_squeeze(&op->mu, mu, sizeof(mu));
        rc = ch_mldsa_prepared_sign_mu_derand(op->prep->key, sig, mu, rnd);
    } else {
        if (op->mode == DSA_HASH_ON) {
            CH_TRY_OUT(ch_mech_pqc_ph_final(&op->phc, dg));
            in = dg;
            in_len = op->phc.len;
        }
        rc = ch_mldsa_prepared_hash_sign_derand(op->prep->key, sig, op->ph, in, in_len,
                                                op->par.ctx, op->par.ctx_len, rnd);
    }
    rv = ch_mech_pqc_rv(rc);
out:
    ch_wipe(rnd, sizeof(rnd));
    ch_wipe(mu, sizeof(mu));
    return rv;
}

static CK_RV dsa_oneshot(struct ch_mech_op *o, const uint8_t *in, size_t in_len, uint8_t *out,
                         size_t *out_len)
{
    struct dsa_op *op = (struct dsa_op *)o;
    CH_CHECK(o->kind == CH_OP_SIGN, CKR_OPERATION_NOT_INITIALIZED);
    if (op->mode == DSA_PREHASHED)
        CH_CHECK(in_len == ch_mldsa_prehash_bytes(op->ph), CKR_DATA_LEN_RANGE);
    CH_TRY(ch_mech_out_check(out, out_len, ch_mldsa_sig_bytes(op->set)));
    if (out == NULL)
        return CKR_OK;
    if (op->mode != DSA_PREHASHED)
        CH_TRY(dsa_update(o, in, in_len, NULL, NULL));
    return dsa_sign_now(op, in, in_len, out);
}

static CK_RV dsa_final(struct ch_mech_op *o, uint8_t *out, size_t *out_len)
{
    struct dsa_op *op = (struct dsa_op *)o;
    CH_CHECK(op->mode != DSA_PREHASHED, CKR_OPERATION_NOT_INITIALIZED);
    CH_TRY(ch_mech_out_check(out, out_len, ch_mldsa_sig_bytes(op->set)));
    if (out == NULL)
        return CKR_OK;
    return dsa_sign_now(op, NULL, 0, out);
}

static CK_RV dsa_verify_now(struct dsa_op *op, const uint8_t *in, size_t in_len,
                            const uint8_t *sig, size_t sig_len)
{
    uint8_t mu[CH_MLDSA_MU_BYTES], dg[64];
    int rc;
    CH_CHECK(sig_len == ch_mldsa_sig_bytes(op->set), CKR_SIGNATURE_LEN_RANGE);
    if (op->mode == DSA_PURE) {
        ch_shake256_finalize(&op->mu);
        ch_shake256_squeeze(&op->mu, mu, sizeof(mu));
        rc = ch_mldsa_verify_mu(op->set, sig, sig_len, mu, op->pk, op->pk_len);
    } else {
        if (op->mode == DSA_HASH_ON) {
            CH_TRY(ch_mech_pqc_ph_final(&op->phc, dg));
            in = dg;
            in_len = op->phc.len;
        } else {
            CH_CHECK(in_len == ch_mldsa_prehash_bytes(op->ph), CKR_DATA_LEN_RANGE);
        }
        rc = ch_mldsa_hash_verify(op->set, sig, sig_len, op->ph, in, in_len, op->par.ctx,
                                  op->par.ctx_len, op->pk, op->pk_len);
    }
    if (rc == CH_PQC_ERR_INPUT)
        return CKR_SIGNATURE_LEN_RANGE;
    return ch_mech_pqc_rv(rc);
}

static CK_RV dsa_verify(struct ch_mech_op *o, const uint8_t *in, size_t in_len,
                        const uint8_t *sig, size_t sig_len)
{
    struct dsa_op *op = (struct dsa_op *)o;
    if (op->mode != DSA_PREHASHED)
        CH_TRY(dsa_update(o, in, in_len, NULL, NULL));
    return dsa_verify_now(op, in, in_len, sig, sig_len);
}

static CK_RV dsa_verify_final(struct ch_mech_op *o, const uint8_t *sig, size_t sig_len)
{
    struct dsa_op *op = (struct dsa_op *)o;
    CH_CHECK(op->mode != DSA_PREHASHED, CKR_OPERATION_NOT_INITIALIZED);
    return dsa_verify_now(op, NULL, 0, sig, sig_len);
}

/* ---- key generation (§6.65 "ML-DSA key pair generation", FIPS 204 Alg. 1) ----------------- */

/* Pairwise-consistency test (FIPS 140-3 IG 10.3.A): sign and verify a fixed message. */
static CK_RV dsa_pct(enum ch_mldsa_set set, const uint8_t *pk, const uint8_t *sk)
{
    static const uint8_t msg[] = "ML-DSA pairwise consistency test";
    static const uint8_t zero[CH_MLDSA_RND_BYTES] = {0};
    uint8_t sig[CH_MLDSA_SIG_MAX_BYTES];
    if (ch_mldsa_sign_derand(set, sig, msg, sizeof(msg), NULL, 0, zero, sk,
                             ch_mldsa_sk_bytes(set)) != CH_PQC_OK ||
        ch_mldsa_verify(set, sig, ch_mldsa_sig_bytes(set), msg, sizeof(msg), NULL, 0, pk,
                        ch_mldsa_pk_bytes(set)) != CH_PQC_OK) {
        ch_fips_set_error("pairwise consistency test failed: ML-DSA");
        return CKR_GENERAL_ERROR;
    }
    return CKR_OK;
}

static CK_RV dsa_generate_pair(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                               const struct ch_mech_tmpl *pub_t,
                               const struct ch_mech_tmpl *priv_t, struct ch_attr_list *pub,
                               struct ch_attr_list *priv)
{
    CK_ULONG ps;
    enum ch_mldsa_set set;
    uint8_t xi[CH_MLDSA_SEED_BYTES];
    uint8_t pk[CH_MLDSA_PK_MAX_BYTES];
    uint8_t *sk = NULL;
    CK_RV rv;
    (void)d;
    (void)priv_t;
    CH_CHECK(m->pParameter == NULL && m->ulParameterLen == 0, CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(ch_mech_tmpl_ulong(pub_t, CKA_PARAMETER_SET, &ps), CKR_TEMPLATE_INCOMPLETE);
    CH_CHECK(set_of(ps, &set), CKR_PARAMETER_SET_NOT_SUPPORTED);
    sk = ch_secmem_alloc(CH_MLDSA_SK_MAX_BYTES);
    CH_CHECK(sk != NULL, CKR_HOST_MEMORY);
    CH_TRY_OUT(ch_drbg_generate(xi, sizeof(xi)));
    CH_CT_SECRET(xi, sizeof(xi));
    CH_CHECK_OUT(ch_mldsa_keypair_derand(set, pk, sk, xi) == CH_PQC_OK, CKR_GENERAL_ERROR);
    CH_TRY_OUT(dsa_pct(set, pk, sk));
    CH_TRY_OUT(ch_attr_list_add_ulong(pub, CKA_CLASS, CKO_PUBLIC_KEY));
    CH_TRY_OUT(ch_attr_list_add_ulong(pub, CKA_KEY_TYPE, CKK_ML_DSA));
    CH_TRY_OUT(ch_attr_list_add(pub, CKA_VALUE, pk, ch_mldsa_pk_bytes(set), false));
    CH_TRY_OUT(ch_attr_list_add_ulong(priv, CKA_CLASS, CKO_PRIVATE_KEY));
    CH_TRY_OUT(ch_attr_list_add_ulong(priv, CKA_KEY_TYPE, CKK_ML_DSA));
    CH_TRY_OUT(ch_attr_list_add_ulong(priv, CKA_PARAMETER_SET, ps));
    CH_TRY_OUT(ch_attr_list_add(priv, CKA_SEED, xi, sizeof(xi), true));
    CH_TRY_OUT(ch_attr_list_add(priv, CKA_VALUE, sk, ch_mldsa_sk_bytes(set), true));
    rv = CKR_OK;
out:
    ch_wipe(xi, sizeof(xi));
    ch_secmem_free(sk);
    return rv;
}

/* ---- import validation -------------------------------------------------------------------- */

static CK_RV dsa_validate(const struct ch_mech_key *k)
{
    CK_ULONG ps;
    enum ch_mldsa_set set;
    const uint8_t *v, *s;
    size_t vl, sl;
    CH_CHECK(ch_mech_key_ulong(k, CKA_PARAMETER_SET, &ps), CKR_TEMPLATE_INCOMPLETE);
    CH_CHECK(set_of(ps, &set), CKR_ATTRIBUTE_VALUE_INVALID);
    bool has_v = ch_mech_key_attr(k, CKA_VALUE, &v, &vl);
    if (k->cls == CKO_PUBLIC_KEY) {
        CH_CHECK(has_v, CKR_TEMPLATE_INCOMPLETE);
        CH_CHECK(vl == ch_mldsa_pk_bytes(set), CKR_ATTRIBUTE_VALUE_INVALID);
        return CKR_OK;
    }
    if (k->cls != CKO_PRIVATE_KEY)
        return CKR_OK;
    bool has_s = ch_mech_key_attr(k, CKA_SEED, &s, &sl);
    CH_CHECK(has_v || has_s, CKR_TEMPLATE_INCOMPLETE);
    CH_CHECK(!has_s || sl == CH_MLDSA_SEED_BYTES, CKR_ATTRIBUTE_VALUE_INVALID);
    CH_CHECK(!has_v || vl == ch_mldsa_sk_bytes(set), CKR_ATTRIBUTE_VALUE_INVALID);
    struct ch_mldsa_prepared *p = ch_secmem_alloc(sizeof(*p));
    uint8_t *sk = ch_secmem_alloc(CH_MLDSA_SK_MAX_BYTES);
    uint8_t *pk = malloc(CH_MLDSA_PK_MAX_BYTES);
    CK_RV rv = CKR_HOST_MEMORY;
    if (p == NULL || sk == NULL || pk == NULL)
        goto out;
    rv = CKR_ATTRIBUTE_VALUE_INVALID;
    /* skDecode range checks (s1, s2 coefficients within [-eta, eta]) are part of prepare. */
    if (has_v && ch_mldsa_prepare(set, p, v, vl) != CH_PQC_OK)
        goto out;
    /* Both given: the expanded key must be the one the seed yields (Alg. 6). */
    if (has_v && has_s &&
        (ch_mldsa_keypair_derand(set, pk, sk, s) != CH_PQC_OK || !ch_ct_eq(sk, v, vl)))
        goto out;
    rv = CKR_OK;
out:
    if (p != NULL)
        ch_mldsa_prepared_clear(p);
    ch_secmem_free(p);
    ch_secmem_free(sk);
    free(pk);
    return rv;
}

/* ---- the table ---------------------------------------------------------------------------- */

static const struct ch_mech_ops dsa_gen_ops = {.generate_key_pair = dsa_generate_pair};
static const struct ch_mech_ops dsa_multi_ops = {
    .init = dsa_init,
    .oneshot = dsa_oneshot,
    .update = dsa_update,
    .final = dsa_final,
    .verify = dsa_verify,
    .verify_final = dsa_verify_final,
    .free = dsa_free,
};
static const struct ch_mech_ops dsa_single_ops = {
    .init = dsa_init,
    .oneshot = dsa_oneshot,
    .verify = dsa_verify,
    .free = dsa_free,
};

/* Key sizes: ML-DSA public keys in bytes (§6.65: ulMinKeySize/ulMaxKeySize). */
#define ROW(mech, fl, ops_, h)                                                                     \
    {.type = (mech), .flags = (fl), .min_key = CH_MLDSA44_PK_BYTES,                                \
     .max_key = CH_MLDSA87_PK_BYTES, .approved = true, .key_type = CKK_ML_DSA, .ops = &(ops_),     \
     .arg = (h)}
#define SV (CKF_SIGN | CKF_VERIFY)

static const struct ch_mech_desc rows[] = {
    ROW(CKM_ML_DSA_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR, dsa_gen_ops, 0),
    ROW(CKM_ML_DSA, SV, dsa_multi_ops, 0),
    ROW(CKM_HASH_ML_DSA, SV, dsa_single_ops, 0),
    ROW(CKM_HASH_ML_DSA_SHA224, SV, dsa_multi_ops, CKM_SHA224),
    ROW(CKM_HASH_ML_DSA_SHA256, SV, dsa_multi_ops, CKM_SHA256),
    ROW(CKM_HASH_ML_DSA_SHA384, SV, dsa_multi_ops, CKM_SHA384),
    ROW(CKM_HASH_ML_DSA_SHA512, SV, dsa_multi_ops, CKM_SHA512),
    ROW(CKM_HASH_ML_DSA_SHA3_224, SV, dsa_multi_ops, CKM_SHA3_224),
    ROW(CKM_HASH_ML_DSA_SHA3_256, SV, dsa_multi_ops, CKM_SHA3_256),
    ROW(CKM_HASH_ML_DSA_SHA3_384, SV, dsa_multi_ops, CKM_SHA3_384),
    ROW(CKM_HASH_ML_DSA_SHA3_512, SV, dsa_multi_ops, CKM_SHA3_512),
    ROW(CKM_HASH_ML_DSA_SHAKE128, SV, dsa_multi_ops, CH_MECH_PQC_SHAKE128),
    ROW(CKM_HASH_ML_DSA_SHAKE256, SV, dsa_multi_ops, CH_MECH_PQC_SHAKE256),
};

static bool dsa_owns(CK_KEY_TYPE t)
{
    return t == CKK_ML_DSA;
}

const struct ch_mech_family ch_mech_family_mldsa = {
    .rows = rows,
    .nrows = sizeof(rows) / sizeof(rows[0]),
    .owns = dsa_owns,
    .validate = dsa_validate,
};
