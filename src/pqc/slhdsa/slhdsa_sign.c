/* SPDX-License-Identifier: Apache-2.0 */
/* SLH-DSA key generation, signing and verification (FIPS 205 §9: Algorithms 18-20, internal;
 * §10: Algorithms 21-25, external pure and HashSLH-DSA). pqc layer: no allocation, no
 * randomness source (seeds and addrnd are arguments), no PKCS#11. Every path ends by clearing
 * the context, which holds the only copy of SK.seed this file makes. */
#include <string.h>

#include "pqc/common/fips202.h"
#include "pqc/common/sha2.h"
#include "pqc/slhdsa/slhdsa.h"
#include "pqc/slhdsa/slhdsa_internal.h"
#include "util/ch_ct.h"
#include "util/ch_wipe.h"

/* DER encodings of the pre-hash OIDs (Alg. 23 lines 10-19): 06 09 60 86 48 01 65 03 04 02 x for
 * NIST hash algorithm arc 2.16.840.1.101.3.4.2.x. */
#define OID_BYTES 11
#define PH_COUNT 12

struct ph_info {
    uint8_t arc;       /* last OID component */
    uint8_t bytes;     /* digest length */
};

static const struct ph_info ph_table[PH_COUNT] = {
    [CH_SLHDSA_PH_SHA256] = {0x01, 32},     [CH_SLHDSA_PH_SHA512] = {0x03, 64},
    [CH_SLHDSA_PH_SHAKE128] = {0x0B, 32},   [CH_SLHDSA_PH_SHAKE256] = {0x0C, 64},
    [CH_SLHDSA_PH_SHA224] = {0x04, 28},     [CH_SLHDSA_PH_SHA384] = {0x02, 48},
    [CH_SLHDSA_PH_SHA512_224] = {0x05, 28}, [CH_SLHDSA_PH_SHA512_256] = {0x06, 32},
    [CH_SLHDSA_PH_SHA3_224] = {0x07, 28},   [CH_SLHDSA_PH_SHA3_256] = {0x08, 32},
    [CH_SLHDSA_PH_SHA3_384] = {0x09, 48},   [CH_SLHDSA_PH_SHA3_512] = {0x0A, 64},
};

_Static_assert(CH_SLHDSA_PH_SHA3_512 + 1 == PH_COUNT, "ph_table covers enum ch_slhdsa_ph");

static const uint8_t oid_prefix[OID_BYTES - 1] = {0x06, 0x09, 0x60, 0x86, 0x48,
                                                  0x01, 0x65, 0x03, 0x04, 0x02};

/* Largest M' prefix: 0x01 || |ctx| || ctx (255) || OID (11) || PH(M) (64). */
#define PREFIX_MAX (2 + CH_SLHDSA_MAX_CTX_BYTES + OID_BYTES + 64)

static uint64_t to_int(const uint8_t *x, unsigned int len)
{
    uint64_t v = 0;
    for (unsigned int i = 0; i < len; i++)
        v = (v << 8) | x[i];
    return v;
}

/* Alg. 19 lines 6-10 / Alg. 20 lines 9-13: split the digest into md, idx_tree, idx_leaf. */
static void split_digest(const struct ch_slhdsa_params *p, const uint8_t *digest,
                         const uint8_t **md, uint64_t *idx_tree, uint32_t *idx_leaf)
{
    const unsigned int md_bytes = (p->k * p->a + 7u) / 8u;
    const unsigned int tree_bits = p->h - p->hp;
    const unsigned int tree_bytes = (tree_bits + 7u) / 8u;
    const unsigned int leaf_bytes = (p->hp + 7u) / 8u;
    uint64_t t = to_int(digest + md_bytes, tree_bytes);

    if (tree_bits < 64)
        t &= ((uint64_t)1 << tree_bits) - 1u;
    *md = digest;
    *idx_tree = t;
    *idx_leaf = (uint32_t)(to_int(digest + md_bytes + tree_bytes, leaf_bytes) &
                           (((uint64_t)1 << p->hp) - 1u));
}

int ch_slhdsa_keygen_internal(const struct ch_slhdsa_params *p, const uint8_t *sk_seed,
                              const uint8_t *sk_prf, const uint8_t *pk_seed, uint8_t *sk,
                              uint8_t *pk)
{
    struct ch_slhdsa_ctx c;
    uint8_t adrs[CH_SLHDSA_ADRS_BYTES];
    uint8_t out[4 * CH_SLHDSA_MAX_N];

    if (p == NULL || sk_seed == NULL || sk_prf == NULL || pk_seed == NULL || sk == NULL ||
        pk == NULL)
        return CH_PQC_ERR_INPUT;
    const unsigned int n = p->n;

    /* Alg. 18: PK.root = root of the top XMSS tree (layer d - 1, tree 0). */
    ch_slhdsa_ctx_init(&c, p, pk_seed, sk_seed);
    memset(adrs, 0, sizeof adrs);
    ch_slhdsa_adrs_set_layer(adrs, p->d - 1);
    memcpy(out, sk_seed, n);
    memcpy(out + n, sk_prf, n);
    memcpy(out + 2 * n, pk_seed, n);
    ch_slhdsa_xmss_node(&c, out + 3 * n, 0, p->hp, adrs);
    ch_slhdsa_ctx_clear(&c);
    CH_CT_PUBLIC(out + 3 * n, n);                              /* PK.root */

    memcpy(sk, out, 4u * n);
    memcpy(pk, out + 2 * n, 2u * n);
    CH_CT_PUBLIC(pk, 2u * n);
    ch_wipe(out, sizeof out);
    return CH_PQC_OK;
}

int ch_slhdsa_check_sk(const struct ch_slhdsa_params *p, const uint8_t *sk, size_t sk_len)
{
    uint8_t sk2[CH_SLHDSA_MAX_SK_BYTES], pk2[CH_SLHDSA_MAX_PK_BYTES];
    int rc;

    if (p == NULL || sk == NULL || sk_len != p->sk_bytes)
        return CH_PQC_ERR_INPUT;
    const unsigned int n = p->n;
    rc = ch_slhdsa_keygen_internal(p, sk, sk + n, sk + 2 * n, sk2, pk2);
    if (rc == CH_PQC_OK && !ch_ct_eq(pk2 + n, sk + 3 * n, n))
        rc = CH_PQC_ERR_INPUT;
    ch_wipe(sk2, sizeof sk2);
    return rc;
}

/* Alg. 19 on M = msg->pre || msg->m. sig has room for p->sig_bytes. */
static void sign_msg(const struct ch_slhdsa_params *p, uint8_t *sig,
                     const struct ch_slhdsa_msg *msg, const uint8_t *sk, const uint8_t *addrnd)
{
    const unsigned int n = p->n;
    const uint8_t *sk_seed = sk, *sk_prf = sk + n, *pk_seed = sk + 2 * n, *pk_root = sk + 3 * n;
    const uint8_t *opt_rand = addrnd != NULL ? addrnd : pk_seed; /* line 2 */
    struct ch_slhdsa_ctx c;
    uint8_t adrs[CH_SLHDSA_ADRS_BYTES];
    uint8_t digest[CH_SLHDSA_MAX_M];
    uint8_t pk_fors[CH_SLHDSA_MAX_N];
    const uint8_t *md;
    uint64_t idx_tree;
    uint32_t idx_leaf;
    uint8_t *sig_fors = sig + n;
    uint8_t *sig_ht = sig + (size_t)(1u + p->k * (1u + p->a)) * n;

    /* For the constant-time checker: PK.seed and PK.root are public, and so is R (it is part
     * of the signature); everything indexed or branched on below derives from these and M. */
    CH_CT_PUBLIC(pk_seed, 2u * n);
    ch_slhdsa_ctx_init(&c, p, pk_seed, sk_seed);
    c.hash->prf_msg(&c, sig, sk_prf, opt_rand, msg);           /* lines 3-4: R */
    CH_CT_PUBLIC(sig, n);
    c.hash->h_msg(&c, digest, sig, pk_root, msg);              /* line 5 */
    split_digest(p, digest, &md, &idx_tree, &idx_leaf);        /* lines 6-10 */

    memset(adrs, 0, sizeof adrs);                              /* lines 1, 11-13 */
    ch_slhdsa_adrs_set_tree(adrs, idx_tree);
    ch_slhdsa_adrs_set_type_and_clear(adrs, CH_SLHDSA_FORS_TREE);
    ch_slhdsa_adrs_set_keypair(adrs, idx_leaf);
    ch_slhdsa_fors_sign(&c, sig_fors, md, adrs);               /* lines 14-15 */
    ch_slhdsa_fors_pk_from_sig(&c, pk_fors, sig_fors, md, adrs); /* line 16 */
    CH_CT_PUBLIC(pk_fors, n);                                  /* signed by the hypertree */
    ch_slhdsa_ht_sign(&c, sig_ht, pk_fors, idx_tree, idx_leaf);  /* lines 17-18 */

    ch_slhdsa_ctx_clear(&c);
    CH_CT_PUBLIC(sig, p->sig_bytes);
}

/* Alg. 20 on M = msg->pre || msg->m; sig_len already checked. */
static int verify_msg(const struct ch_slhdsa_params *p, const struct ch_slhdsa_msg *msg,
                      const uint8_t *sig, const uint8_t *pk)
{
    const unsigned int n = p->n;
    struct ch_slhdsa_ctx c;
    uint8_t adrs[CH_SLHDSA_ADRS_BYTES];
    uint8_t digest[CH_SLHDSA_MAX_M];
    uint8_t pk_fors[CH_SLHDSA_MAX_N];
    const uint8_t *md;
    uint64_t idx_tree;
    uint32_t idx_leaf;
    const uint8_t *sig_fors = sig + n;
    const uint8_t *sig_ht = sig + (size_t)(1u + p->k * (1u + p->a)) * n;
    int ok;

    ch_slhdsa_ctx_init(&c, p, pk, NULL);
    c.hash->h_msg(&c, digest, sig, pk + n, msg);               /* lines 5, 8 */
    split_digest(p, digest, &md, &idx_tree, &idx_leaf);        /* lines 9-13 */
    memset(adrs, 0, sizeof adrs);                              /* lines 4, 14-16 */
    ch_slhdsa_adrs_set_tree(adrs, idx_tree);
    ch_slhdsa_adrs_set_type_and_clear(adrs, CH_SLHDSA_FORS_TREE);
    ch_slhdsa_adrs_set_keypair(adrs, idx_leaf);
    ch_slhdsa_fors_pk_from_sig(&c, pk_fors, sig_fors, md, adrs); /* line 17 */
    ok = ch_slhdsa_ht_verify(&c, pk_fors, sig_ht, idx_tree, idx_leaf, pk + n); /* line 18 */
    ch_slhdsa_ctx_clear(&c);
    return ok ? CH_PQC_OK : CH_PQC_ERR_VERIFY;
}

int ch_slhdsa_sign_internal(const struct ch_slhdsa_params *p, uint8_t *sig, size_t sig_cap,
                            const uint8_t *m, size_t mlen, const uint8_t *sk,
                            const uint8_t *addrnd)
{
    if (p == NULL || sig == NULL || sk == NULL || (m == NULL && mlen != 0))
        return CH_PQC_ERR_INPUT;
    if (sig_cap < p->sig_bytes)
        return CH_PQC_ERR_INPUT;
    const struct ch_slhdsa_msg msg = {.pre = NULL, .pre_len = 0, .m = m, .m_len = mlen};
    sign_msg(p, sig, &msg, sk, addrnd);
    return CH_PQC_OK;
}

int ch_slhdsa_verify_internal(const struct ch_slhdsa_params *p, const uint8_t *m, size_t mlen,
                              const uint8_t *sig, size_t sig_len, const uint8_t *pk)
{
    if (p == NULL || sig == NULL || pk == NULL || (m == NULL && mlen != 0))
        return CH_PQC_ERR_INPUT;
    if (sig_len != p->sig_bytes)                               /* Alg. 20 lines 1-3 */
        return CH_PQC_ERR_VERIFY;
    const struct ch_slhdsa_msg msg = {.pre = NULL, .pre_len = 0, .m = m, .m_len = mlen};
    return verify_msg(p, &msg, sig, pk);
}

/* M' prefix of Alg. 22/24: 0x00 || |ctx| || ctx. Returns its length. */
static size_t pure_prefix(uint8_t *pre, const uint8_t *ctx, size_t ctx_len)
{
    pre[0] = 0x00;
    pre[1] = (uint8_t)ctx_len;
    if (ctx_len > 0)
        memcpy(pre + 2, ctx, ctx_len);
    return 2 + ctx_len;
}

int ch_slhdsa_sign(const struct ch_slhdsa_params *p, uint8_t *sig, size_t sig_cap,
                   const uint8_t *m, size_t mlen, const uint8_t *ctx, size_t ctx_len,
                   const uint8_t *sk, const uint8_t *addrnd)
{
    uint8_t pre[PREFIX_MAX];

    if (p == NULL || sig == NULL || sk == NULL || (m == NULL && mlen != 0) ||
        (ctx == NULL && ctx_len != 0))
        return CH_PQC_ERR_INPUT;
    if (ctx_len > CH_SLHDSA_MAX_CTX_BYTES)                     /* Alg. 22 lines 1-3 */
        return CH_PQC_ERR_CONTEXT;
    if (sig_cap < p->sig_bytes)
        return CH_PQC_ERR_INPUT;
    const struct ch_slhdsa_msg msg = {
        .pre = pre, .pre_len = pure_prefix(pre, ctx, ctx_len), .m = m, .m_len = mlen};
    sign_msg(p, sig, &msg, sk, addrnd);                        /* lines 8-9 */
    return CH_PQC_OK;
}

int ch_slhdsa_verify(const struct ch_slhdsa_params *p, const uint8_t *m, size_t mlen,
                     const uint8_t *sig, size_t sig_len, const uint8_t *ctx, size_t ctx_len,
                     const uint8_t *pk)
{
    uint8_t pre[PREFIX_MAX];

    if (p == NULL || sig == NULL || pk == NULL || (m == NULL && mlen != 0) ||
        (ctx == NULL && ctx_len != 0))
        return CH_PQC_ERR_INPUT;
    if (ctx_len > CH_SLHDSA_MAX_CTX_BYTES)                     /* Alg. 24 lines 1-3 */
        return CH_PQC_ERR_CONTEXT;
    if (sig_len != p->sig_bytes)
        return CH_PQC_ERR_VERIFY;
    const struct ch_slhdsa_msg msg = {
        .pre = pre, .pre_len = pure_prefix(pre, ctx, ctx_len), .m = m, .m_len = mlen};
    return verify_msg(p, &msg, sig, pk);
}

size_t ch_slhdsa_ph_bytes(enum ch_slhdsa_ph ph)
{
    if ((unsigned int)ph >= PH_COUNT)
        return 0;
    return ph_table[ph].bytes;
}

/* SHA3-224/384 (FIPS 202 §6.1) for the pre-hash: a plain sponge over Keccak-f[1600] with the
 * SHA-3 padding 01 || 10*1; fips202.h offers only SHA3-256/512 directly. outlen < rate. */
static void sha3_rate(uint8_t *out, size_t outlen, unsigned int rate, const uint8_t *m,
                      size_t mlen)
{
    uint64_t s[25];
    uint8_t blk[CH_SHAKE128_RATE];

    memset(s, 0, sizeof s);
    for (;;) {
        size_t take = mlen < rate ? mlen : rate;
        memset(blk, 0, sizeof blk);
        if (take > 0)
            memcpy(blk, m, take);
        if (take == rate) {
            m += take;
            mlen -= take;
        } else {
            blk[take] ^= 0x06;
            blk[rate - 1] ^= 0x80;
        }
        for (unsigned int i = 0; i < rate / 8; i++) {
            uint64_t w = 0;
            for (unsigned int j = 0; j < 8; j++)
                w |= (uint64_t)blk[8 * i + j] << (8 * j);
            s[i] ^= w;
        }
        ch_keccak_f1600(s);
        if (take < rate)
            break;
    }
    for (size_t i = 0; i < outlen; i++)
        out[i] = (uint8_t)(s[i / 8] >> (8 * (i % 8)));
}

/* Alg. 23 lines 8-23: PH(M) into out (ch_slhdsa_ph_bytes(ph) bytes); ph already checked. */
static void ph_compute(enum ch_slhdsa_ph ph, uint8_t *out, const uint8_t *m, size_t mlen)
{
    switch (ph) {
    case CH_SLHDSA_PH_SHA256: ch_sha256(out, m, mlen); break;
    case CH_SLHDSA_PH_SHA512: ch_sha512(out, m, mlen); break;
    case CH_SLHDSA_PH_SHAKE128: ch_shake128(out, 32, m, mlen); break;
    case CH_SLHDSA_PH_SHAKE256: ch_shake256(out, 64, m, mlen); break;
    case CH_SLHDSA_PH_SHA224: ch_sha224(out, m, mlen); break;
    case CH_SLHDSA_PH_SHA384: ch_sha384(out, m, mlen); break;
    case CH_SLHDSA_PH_SHA512_224: ch_sha512_224(out, m, mlen); break;
    case CH_SLHDSA_PH_SHA512_256: ch_sha512_256(out, m, mlen); break;
    case CH_SLHDSA_PH_SHA3_224: sha3_rate(out, 28, 144, m, mlen); break;
    case CH_SLHDSA_PH_SHA3_256: ch_sha3_256(out, m, mlen); break;
    case CH_SLHDSA_PH_SHA3_384: sha3_rate(out, 48, 104, m, mlen); break;
    case CH_SLHDSA_PH_SHA3_512: ch_sha3_512(out, m, mlen); break;
    }
}

/* M' of Alg. 23/25 line 24: 0x01 || |ctx| || ctx || OID || PH(M). Returns its length, or 0 if
 * the arguments are bad (*rc says why). */
static size_t hash_prefix(uint8_t *pre, const uint8_t *digest, size_t digest_len,
                          const uint8_t *ctx, size_t ctx_len, enum ch_slhdsa_ph ph, int *rc)
{
    if ((unsigned int)ph >= PH_COUNT || digest == NULL || digest_len != ph_table[ph].bytes ||
        (ctx == NULL && ctx_len != 0)) {
        *rc = CH_PQC_ERR_INPUT;
        return 0;
    }
    if (ctx_len > CH_SLHDSA_MAX_CTX_BYTES) {
        *rc = CH_PQC_ERR_CONTEXT;
        return 0;
    }
    pre[0] = 0x01;
    pre[1] = (uint8_t)ctx_len;
    if (ctx_len > 0)
        memcpy(pre + 2, ctx, ctx_len);
    memcpy(pre + 2 + ctx_len, oid_prefix, OID_BYTES - 1);
    pre[2 + ctx_len + OID_BYTES - 1] = ph_table[ph].arc;
    memcpy(pre + 2 + ctx_len + OID_BYTES, digest, digest_len);
    *rc = CH_PQC_OK;
    return 2 + ctx_len + OID_BYTES + digest_len;
}

int ch_slhdsa_hash_sign_digest(const struct ch_slhdsa_params *p, uint8_t *sig, size_t sig_cap,
                               const uint8_t *digest, size_t digest_len, const uint8_t *ctx,
                               size_t ctx_len, enum ch_slhdsa_ph ph, const uint8_t *sk,
                               const uint8_t *addrnd)
{
    uint8_t pre[PREFIX_MAX];
    int rc;

    if (p == NULL || sig == NULL || sk == NULL)
        return CH_PQC_ERR_INPUT;
    size_t pre_len = hash_prefix(pre, digest, digest_len, ctx, ctx_len, ph, &rc);
    if (rc != CH_PQC_OK)
        return rc;
    if (sig_cap < p->sig_bytes)
        return CH_PQC_ERR_INPUT;
    const struct ch_slhdsa_msg msg = {.pre = pre, .pre_len = pre_len, .m = NULL, .m_len = 0};
    sign_msg(p, sig, &msg, sk, addrnd);                        /* Alg. 23 line 25 */
    return CH_PQC_OK;
}

int ch_slhdsa_hash_verify_digest(const struct ch_slhdsa_params *p, const uint8_t *digest,
                                 size_t digest_len, const uint8_t *sig, size_t sig_len,
                                 const uint8_t *ctx, size_t ctx_len, enum ch_slhdsa_ph ph,
                                 const uint8_t *pk)
{
    uint8_t pre[PREFIX_MAX];
    int rc;

    if (p == NULL || sig == NULL || pk == NULL)
        return CH_PQC_ERR_INPUT;
    size_t pre_len = hash_prefix(pre, digest, digest_len, ctx, ctx_len, ph, &rc);
    if (rc != CH_PQC_OK)
        return rc;
    if (sig_len != p->sig_bytes)
        return CH_PQC_ERR_VERIFY;
    const struct ch_slhdsa_msg msg = {.pre = pre, .pre_len = pre_len, .m = NULL, .m_len = 0};
    return verify_msg(p, &msg, sig, pk);                       /* Alg. 25 line 24 */
}

int ch_slhdsa_hash_sign(const struct ch_slhdsa_params *p, uint8_t *sig, size_t sig_cap,
                        const uint8_t *m, size_t mlen, const uint8_t *ctx, size_t ctx_len,
                        enum ch_slhdsa_ph ph, const uint8_t *sk, const uint8_t *addrnd)
{
    uint8_t ph_m[64];

    if (m == NULL && mlen != 0)
        return CH_PQC_ERR_INPUT;
    if ((unsigned int)ph >= PH_COUNT)
        return CH_PQC_ERR_INPUT;
    ph_compute(ph, ph_m, m, mlen);
    return ch_slhdsa_hash_sign_digest(p, sig, sig_cap, ph_m, ch_slhdsa_ph_bytes(ph), ctx,
                                      ctx_len, ph, sk, addrnd);
}

int ch_slhdsa_hash_verify(const struct ch_slhdsa_params *p, const uint8_t *m, size_t mlen,
                          const uint8_t *sig, size_t sig_len, const uint8_t *ctx,
                          size_t ctx_len, enum ch_slhdsa_ph ph, const uint8_t *pk)
{
    uint8_t ph_m[64];

    if (m == NULL && mlen != 0)
        return CH_PQC_ERR_INPUT;
    if ((unsigned int)ph >= PH_COUNT)
        return CH_PQC_ERR_INPUT;
    ph_compute(ph, ph_m, m, mlen);
    return ch_slhdsa_hash_verify_digest(p, ph_m, ch_slhdsa_ph_bytes(ph), sig, sig_len, ctx,
                                        ctx_len, ph, pk);
}
