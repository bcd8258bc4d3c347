/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA key generation, signing and verification (FIPS 204 §5-6: Alg. 2-8): the internal
 * algorithms, the external pure and pre-hash forms that build M', and the external-mu forms.
 * src/pqc layer: no allocation, no randomness source (xi and rnd are arguments), secrets wiped
 * on every path, signing constant time apart from the rejection decisions the spec reveals. */
#include "pqc/mldsa/mldsa.h"

#include <string.h>

#include "pqc/common/fips202.h"
#include "pqc/mldsa/mldsa_internal.h"
#include "util/ch_ct.h"
#include "util/ch_wipe.h"

#define K_MAX CH_MLDSA_K_MAX
#define L_MAX CH_MLDSA_L_MAX
#define W1_MAX_BYTES (K_MAX * 32 * 6)   /* w1Encode of the largest k with the widest field */

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

/* The private key in the form the rejection loop uses (Alg. 7 lines 1-5) is struct
 * ch_mldsa_prepared (mldsa.h), built once per signature from sk or from xi, or once for many by
 * ch_mldsa_prepare. s1 is needed in every attempt and kept in NTT form; s2 (needed in about
 * half of the attempts) and t0 (in the last one or two) stay packed as in skEncode (Alg. 24) and
 * are unpacked and transformed one polynomial at a time when needed: 4 KiB instead of 16 KiB,
 * for about 2% more signing time. Only a is public; the rest is wiped by wipe_key(). */
#define CH_MLDSA_PREPARED_MAGIC 0x4d4c4453u /* "MLDS" */
_Static_assert(CH_MLDSA_S2T0_MAX_BYTES >= K_MAX * 32 * 4 + K_MAX * 32 * CH_MLDSA_D,
               "room for packed s2 and t0");

static void wipe_key(struct ch_mldsa_prepared *k)
{
    ch_wipe(k->key, sizeof k->key);
    ch_wipe(k->s1, sizeof k->s1);
    ch_wipe(k->s2t0, sizeof k->s2t0);
}

/* NTT of s2[i] or t0[i] from the packed form. */
static void s2_hat(struct ch_mldsa_poly *out, const struct ch_mldsa_prepared *k, unsigned int i,
                   const struct ch_mldsa_params *p)
{
    ch_mldsa_bitunpack(out, k->s2t0 + (size_t)i * 32u * p->eta_bits, (int32_t)p->eta,
                       p->eta_bits);
    ch_mldsa_ntt(out);
}

static void t0_hat(struct ch_mldsa_poly *out, const struct ch_mldsa_prepared *k, unsigned int i,
                   const struct ch_mldsa_params *p)
{
    size_t off = (size_t)p->k * 32u * p->eta_bits + (size_t)i * 32u * CH_MLDSA_D;
    ch_mldsa_bitunpack(out, k->s2t0 + off, 1 << (CH_MLDSA_D - 1), CH_MLDSA_D);
    ch_mldsa_ntt(out);
}

/* What is being signed or verified: mu given directly, or mu = H(tr || pre || ctx || oid ||
 * msg, 64) (Alg. 7 line 6 with M' laid out by Alg. 2 line 10 or Alg. 4 line 23 or given). */
struct msg_parts {
    const uint8_t *mu;
    uint8_t pre[2];
    size_t pre_len;
    const uint8_t *ctx, *oid, *msg;
    size_t ctx_len, oid_len, msg_len;
};

static void absorb(struct ch_keccak *st, const uint8_t *p, size_t n)
{
    if (n > 0)
        ch_shake256_absorb(st, p, n);
}

static void compute_mu(uint8_t mu[CH_MLDSA_MU_BYTES], const uint8_t tr[CH_MLDSA_TR_BYTES],
                       const struct msg_parts *m)
{
    struct ch_keccak st;
    if (m->mu != NULL) {
        memcpy(mu, m->mu, CH_MLDSA_MU_BYTES);
        return;
    }
    ch_shake256_init(&st);
    ch_shake256_absorb(&st, tr, CH_MLDSA_TR_BYTES);
    absorb(&st, m->pre, m->pre_len);
    absorb(&st, m->ctx, m->ctx_len);
    absorb(&st, m->oid, m->oid_len);
    absorb(&st, m->msg, m->msg_len);
    ch_shake256_finalize(&st);
    ch_shake256_squeeze(&st, mu, CH_MLDSA_MU_BYTES);
}

/* Alg. 6 lines 1-9. Fills rho, K, s1-hat = NTT(s1), s2 and t0 (coefficient domain), pk and
 * tr, and s1 (coefficient domain) when not NULL. With `a` not NULL the whole A-hat is expanded
 * into it (for signing right after); otherwise each row is sampled into `row` (l polynomials)
 * when needed, to keep the stack small. */
static void keygen_core(const struct ch_mldsa_params *p, const uint8_t seed[CH_MLDSA_SEED_BYTES],
                        uint8_t rho[32], uint8_t key[32], uint8_t tr[CH_MLDSA_TR_BYTES],
                        struct ch_mldsa_poly *s1, struct ch_mldsa_poly *s1hat,
                        struct ch_mldsa_poly *s2, struct ch_mldsa_poly *t0, uint8_t *pk,
                        struct ch_mldsa_poly *a, struct ch_mldsa_poly *row)
{
    struct ch_keccak st;
    uint8_t buf[128]; /* rho (32) || rho' (64) || K (32) */
    uint8_t dom[2] = {(uint8_t)p->k, (uint8_t)p->l};
    struct ch_mldsa_poly t, t1;

    /* line 1: H(xi || IntegerToBytes(k, 1) || IntegerToBytes(l, 1), 128) */
    ch_shake256_init(&st);
    ch_shake256_absorb(&st, seed, CH_MLDSA_SEED_BYTES);
    ch_shake256_absorb(&st, dom, sizeof dom);
    ch_shake256_finalize(&st);
    ch_shake256_squeeze(&st, buf, sizeof buf);
    memcpy(rho, buf, 32);
    CH_CT_PUBLIC(rho, 32); /* rho is part of pk */
    memcpy(key, buf + 96, 32);

    ch_mldsa_expand_s(s1hat, s2, buf + 32, p);    /* line 4 */
    if (a != NULL)
        ch_mldsa_expand_a(a, rho, p);             /* line 3 */
    for (unsigned int j = 0; j < p->l; j++) {
        if (s1 != NULL)
            s1[j] = s1hat[j];
        ch_mldsa_ntt(&s1hat[j]);
    }
    memcpy(pk, rho, 32);
    for (unsigned int i = 0; i < p->k; i++) {
        const struct ch_mldsa_poly *ai = row;
        if (a != NULL)
            ai = &a[i * p->l];
        else
            ch_mldsa_expand_a_row(row, rho, i, p);
        /* line 5: t = NTT^-1(A-hat o NTT(s1)) + s2, one row at a time */
        ch_mldsa_poly_pointwise_acc(&t, ai, s1hat, p->l);
        ch_mldsa_invntt_tomont(&t);
        ch_mldsa_poly_add(&t, &t, &s2[i]);
        ch_mldsa_poly_freeze(&t);
        /* line 6: Power2Round; line 8: pkEncode */
        for (unsigned int c = 0; c < CH_MLDSA_N; c++)
            t1.c[c] = ch_mldsa_power2round(&t0[i].c[c], t.c[c]);
        CH_CT_PUBLIC(&t1, sizeof t1);
        ch_mldsa_pk_pack_t1(pk, i, &t1);
    }
    ch_shake256(tr, CH_MLDSA_TR_BYTES, pk, p->pk_bytes); /* line 9 */

    ch_wipe(buf, sizeof buf);
    ch_wipe(&t, sizeof t);
    ch_keccak_clear(&st);
}

/* Alg. 7 lines 1-5 from an expanded key (skDecode) or from xi (Alg. 6, sharing A-hat). Out of
 * line: its temporaries and the key expansion stay off the stack of the rejection loop. */
NOINLINE static int load_key(const struct ch_mldsa_params *p, struct ch_mldsa_prepared *k,
                             const uint8_t *sk, size_t sk_len)
{
    struct ch_mldsa_poly s2[K_MAX], t0[K_MAX];
    const size_t s2_bytes = (size_t)p->k * 32u * p->eta_bits;
    int rv = CH_PQC_OK;

    if (sk == NULL)
        return CH_PQC_ERR_INPUT;
    if (sk_len == CH_MLDSA_SEED_BYTES) {
        uint8_t pk[CH_MLDSA_PK_MAX_BYTES];
        keygen_core(p, sk, k->rho, k->key, k->tr, NULL, k->s1, s2, t0, pk, k->a, NULL);
        for (unsigned int i = 0; i < p->k; i++) {
            ch_mldsa_bitpack(k->s2t0 + (size_t)i * 32u * p->eta_bits, &s2[i], (int32_t)p->eta,
                             p->eta_bits);
            ch_mldsa_bitpack(k->s2t0 + s2_bytes + (size_t)i * 32u * CH_MLDSA_D, &t0[i],
                             1 << (CH_MLDSA_D - 1), CH_MLDSA_D);
        }
    } else if (sk_len == p->sk_bytes) {
        /* skDecode for its range check on s1 and s2; s2 and t0 are then kept as packed. */
        if (!ch_mldsa_sk_decode(k->rho, k->key, k->tr, k->s1, s2, t0, sk, p)) {
            rv = CH_PQC_ERR_INPUT;
            goto out;
        }
        CH_CT_PUBLIC(k->rho, sizeof k->rho); /* rho and tr = H(pk) are public */
        CH_CT_PUBLIC(k->tr, sizeof k->tr);
        memcpy(k->s2t0, sk + p->sk_bytes - s2_bytes - (size_t)p->k * 32u * CH_MLDSA_D,
               s2_bytes + (size_t)p->k * 32u * CH_MLDSA_D);
        ch_mldsa_expand_a(k->a, k->rho, p);
        for (unsigned int j = 0; j < p->l; j++)
            ch_mldsa_ntt(&k->s1[j]);
    } else {
        return CH_PQC_ERR_INPUT;
    }
out:
    ch_wipe(s2, sizeof s2);
    ch_wipe(t0, sizeof t0);
    return rv;
}

/* All ones if |x| >= bound, for |x| < 2^30. */
static uint32_t abs_ge(int32_t x, int32_t bound)
{
    int32_t abs = x - ((x >> 31) & (2 * x));
    return (uint32_t)((bound - 1 - abs) >> 31);
}

/* Alg. 7 lines 7-34 on a loaded key. The rejection decisions are the only secret-derived
 * values that steer control flow; each is reduced to one bit and declassified (the rejection
 * loop reveals its number of attempts by design). ctilde of every attempt is declassified too
 * (SampleInBall branches on it): the zero-knowledge argument for Fiat-Shamir with aborts
 * covers the release of a rejected attempt's commitment and challenge; only its z and h must
 * stay hidden, and they do. Kept out of line so that its 21 KiB of locals and the key loading
 * (load_key, keygen_core) are never on the stack at the same time. */
NOINLINE static int sign_core(const struct ch_mldsa_params *p, const struct ch_mldsa_prepared *k,
                              const uint8_t mu[CH_MLDSA_MU_BYTES],
                              const uint8_t rnd[CH_MLDSA_RND_BYTES], uint8_t *sig)
{
    struct ch_keccak st;
    uint8_t rhopp[64], ctilde[64];
    uint8_t w1enc[W1_MAX_BYTES];
    uint8_t h[K_MAX][CH_MLDSA_N];
    struct ch_mldsa_poly yhat[L_MAX], w[K_MAX], cp, tmp;
    const size_t w1_poly_bytes = 32u * p->w1_bits;
    const int32_t g2 = p->gamma2;
    unsigned int kappa = 0;
    int rv = CH_PQC_ERR_INTERNAL;

    /* line 7: rho'' = H(K || rnd || mu, 64) */
    ch_shake256_init(&st);
    ch_shake256_absorb(&st, k->key, sizeof k->key);
    ch_shake256_absorb(&st, rnd, CH_MLDSA_RND_BYTES);
    ch_shake256_absorb(&st, mu, CH_MLDSA_MU_BYTES);
    ch_shake256_finalize(&st);
    ch_shake256_squeeze(&st, rhopp, sizeof rhopp);

    for (;;) {
        uint32_t bad = 0, hints = 0;
        /* kappa is encoded in 2 bytes (Alg. 34): stop after 65536/l > 9000 attempts, far above
         * the 814 of Appendix C Table 3 (probability below 2^-256 for a correct execution). */
        if (kappa + p->l > 0x10000u)
            goto out;
        ch_mldsa_expand_mask(yhat, rhopp, (uint16_t)kappa, p); /* line 11 */
        kappa += p->l;                                         /* line 31 */

        /* lines 12-15: w = NTT^-1(A-hat o NTT(y)), w1 = HighBits(w), ctilde. Only NTT(y) is
         * kept: z is computed from it below. */
        for (unsigned int j = 0; j < p->l; j++)
            ch_mldsa_ntt(&yhat[j]);
        for (unsigned int i = 0; i < p->k; i++) {
            ch_mldsa_poly_pointwise_acc(&w[i], &k->a[i * p->l], yhat, p->l);
            ch_mldsa_invntt_tomont(&w[i]);
            ch_mldsa_poly_freeze(&w[i]);
            for (unsigned int c = 0; c < CH_MLDSA_N; c++)
                tmp.c[c] = ch_mldsa_highbits(w[i].c[c], g2);
            ch_mldsa_w1_encode_poly(w1enc + i * w1_poly_bytes, &tmp, p);
        }
        ch_shake256_init(&st);
        ch_shake256_absorb(&st, mu, CH_MLDSA_MU_BYTES);
        ch_shake256_absorb(&st, w1enc, p->k * w1_poly_bytes);
        ch_shake256_finalize(&st);
        ch_shake256_squeeze(&st, ctilde, p->ctilde_bytes);
        CH_CT_PUBLIC(ctilde, p->ctilde_bytes);

        /* lines 16-17 */
        ch_mldsa_sample_in_ball(&cp, ctilde, p->ctilde_bytes, p->tau);
        ch_mldsa_ntt(&cp);

        /* lines 18, 20: z = y + <<c s1>> = NTT^-1(NTT(c) o s1-hat + NTT(y)), in place of
         * NTT(y); by linearity one inverse NTT gives both terms, exactly. */
        for (unsigned int j = 0; j < p->l; j++) {
            ch_mldsa_poly_pointwise_add(&yhat[j], &cp, &k->s1[j], &yhat[j]);
            ch_mldsa_invntt_tomont(&yhat[j]);
            ch_mldsa_poly_center(&yhat[j]);
            bad |= ch_mldsa_poly_norm_exceeds(&yhat[j], p->gamma1 - (int32_t)p->beta);
        }
        struct ch_mldsa_poly *z = yhat;
        /* line 23, first half: decided before <<c s2>> is computed, saving k inverse NTTs on
         * about half of the attempts. Which of the two bounds failed is revealed, as in the
         * reference implementation: each is a bound on a fresh, never released value. */
        bad = ch_ct_barrier_u32(bad) & 1u;
        CH_CT_PUBLIC(&bad, sizeof bad);
        if (bad)
            continue;
        /* lines 19, 21: w - <<c s2>> (kept in w, mod q) and r0 = its LowBits */
        for (unsigned int i = 0; i < p->k; i++) {
            s2_hat(&tmp, k, i, p);
            ch_mldsa_poly_pointwise(&tmp, &cp, &tmp);
            ch_mldsa_invntt_tomont(&tmp);
            for (unsigned int c = 0; c < CH_MLDSA_N; c++) {
                w[i].c[c] = ch_mldsa_freeze(w[i].c[c] - tmp.c[c]);
                bad |= abs_ge(ch_mldsa_lowbits(w[i].c[c], g2), g2 - (int32_t)p->beta);
            }
        }
        /* line 23, second half */
        bad = ch_ct_barrier_u32(bad) & 1u;
        CH_CT_PUBLIC(&bad, sizeof bad);
        if (bad)
            continue;

        /* lines 25-28: <<c t0>>, h = MakeHint(-<<c t0>>, w - <<c s2>> + <<c t0>>) */
        for (unsigned int i = 0; i < p->k; i++) {
            t0_hat(&tmp, k, i, p);
            ch_mldsa_poly_pointwise(&tmp, &cp, &tmp);
            ch_mldsa_invntt_tomont(&tmp);
            ch_mldsa_poly_center(&tmp);
            bad |= ch_mldsa_poly_norm_exceeds(&tmp, g2);
            for (unsigned int c = 0; c < CH_MLDSA_N; c++) {
                int32_t ct0 = tmp.c[c];
                int32_t hint = ch_mldsa_make_hint(ch_mldsa_freeze(-ct0),
                                                  ch_mldsa_freeze(w[i].c[c] + ct0), g2);
                h[i][c] = (uint8_t)hint;
                hints += (uint32_t)hint;
            }
        }
        bad |= (uint32_t)0 - ((p->omega - hints) >> 31); /* more than omega ones */
        bad = ch_ct_barrier_u32(bad) & 1u;
        CH_CT_PUBLIC(&bad, sizeof bad);
        if (bad)
            continue;

        /* line 33: the accepted (z, h) are the signature, public from here on */
        CH_CT_PUBLIC(z, sizeof yhat);
        CH_CT_PUBLIC(h, sizeof h);
        ch_mldsa_sig_encode(sig, ctilde, z, (const uint8_t(*)[CH_MLDSA_N])h, p);
        rv = CH_PQC_OK;
        break;
    }
out:
    ch_wipe(rhopp, sizeof rhopp);
    ch_wipe(w1enc, sizeof w1enc);
    ch_wipe(h, sizeof h);
    ch_wipe(yhat, sizeof yhat);
    ch_wipe(w, sizeof w);
    ch_wipe(&cp, sizeof cp);
    ch_wipe(&tmp, sizeof tmp);
    ch_keccak_clear(&st);
    return rv;
}

/* Load the key, compute mu from its tr, sign; the signature is zeroed on failure. */
static int sign_any(const struct ch_mldsa_params *p, uint8_t *sig, const struct msg_parts *m,
                    const uint8_t rnd[CH_MLDSA_RND_BYTES], const uint8_t *sk, size_t sk_len)
{
    struct ch_mldsa_prepared key;
    uint8_t mu[CH_MLDSA_MU_BYTES];
    int rv = load_key(p, &key, sk, sk_len);
    if (rv == CH_PQC_OK) {
        compute_mu(mu, key.tr, m);
        rv = sign_core(p, &key, mu, rnd, sig);
    }
    wipe_key(&key);
    if (rv == CH_PQC_OK)
        CH_CT_PUBLIC(sig, p->sig_bytes);
    else
        memset(sig, 0, p->sig_bytes);
    return rv;
}

/* Sign with a prepared key; the signature is zeroed on failure. */
static int sign_prepared(const struct ch_mldsa_prepared *key, uint8_t *sig,
                         const struct msg_parts *m, const uint8_t rnd[CH_MLDSA_RND_BYTES])
{
    const struct ch_mldsa_params *p = ch_mldsa_params_get(key->set);
    uint8_t mu[CH_MLDSA_MU_BYTES];
    int rv = CH_PQC_ERR_INPUT;
    if (p != NULL && key->magic == CH_MLDSA_PREPARED_MAGIC) {
        compute_mu(mu, key->tr, m);
        rv = sign_core(p, key, mu, rnd, sig);
    }
    if (rv == CH_PQC_OK)
        CH_CT_PUBLIC(sig, p->sig_bytes);
    else if (p != NULL)
        memset(sig, 0, p->sig_bytes);
    return rv;
}

/* Alg. 8 lines 1-13 with mu given. A-hat is sampled one row at a time, t1 one polynomial at a
 * time; everything here is public. */
static int verify_core(const struct ch_mldsa_params *p, const uint8_t *sig,
                       const uint8_t mu[CH_MLDSA_MU_BYTES], const uint8_t *pk)
{
    struct ch_keccak st;
    const uint8_t *ctilde;
    uint8_t ctilde2[64];
    uint8_t w1enc[W1_MAX_BYTES];
    uint8_t h[K_MAX][CH_MLDSA_N];
    /* z[0..l) = NTT(z) and z[l] = -NTT(c); row[0..l) = row i of A-hat and row[l] = NTT(t1 2^d),
     * so that one accumulated product gives A-hat o NTT(z) - NTT(c) o NTT(t1 2^d). */
    struct ch_mldsa_poly z[L_MAX + 1], row[L_MAX + 1], w;
    const size_t w1_poly_bytes = 32u * p->w1_bits;

    if (!ch_mldsa_sig_decode(&ctilde, z, h, sig, p)) /* line 2; line 4: h = bottom */
        return CH_PQC_ERR_VERIFY;
    for (unsigned int j = 0; j < p->l; j++)           /* line 13, first half */
        if (ch_mldsa_poly_norm_exceeds(&z[j], p->gamma1 - (int32_t)p->beta))
            return CH_PQC_ERR_VERIFY;

    ch_mldsa_sample_in_ball(&z[p->l], ctilde, p->ctilde_bytes, p->tau); /* line 8 */
    ch_mldsa_ntt(&z[p->l]);
    for (unsigned int c = 0; c < CH_MLDSA_N; c++)
        z[p->l].c[c] = -z[p->l].c[c];
    for (unsigned int j = 0; j < p->l; j++)
        ch_mldsa_ntt(&z[j]);
    for (unsigned int i = 0; i < p->k; i++) {
        /* line 9: w'_approx = NTT^-1(A-hat o NTT(z) - NTT(c) o NTT(t1 2^d)), row i */
        ch_mldsa_expand_a_row(row, pk, i, p);
        ch_mldsa_pk_unpack_t1(&row[p->l], pk, i);
        for (unsigned int c = 0; c < CH_MLDSA_N; c++)
            row[p->l].c[c] <<= CH_MLDSA_D;
        ch_mldsa_ntt(&row[p->l]);
        /* One reduction for the whole row: l products below 9q^2 each plus one below 81q^2
         * stay below 144 q^2 < 2^31 q. */
        ch_mldsa_poly_pointwise_acc(&w, row, z, p->l + 1);
        ch_mldsa_invntt_tomont(&w);
        ch_mldsa_poly_freeze(&w);
        /* line 10: w1' = UseHint(h, w'_approx) */
        for (unsigned int c = 0; c < CH_MLDSA_N; c++)
            w.c[c] = ch_mldsa_use_hint(h[i][c], w.c[c], p->gamma2);
        ch_mldsa_w1_encode_poly(w1enc + i * w1_poly_bytes, &w, p);
    }
    /* line 12: ctilde' = H(mu || w1Encode(w1'), lambda/4); line 13 */
    ch_shake256_init(&st);
    ch_shake256_absorb(&st, mu, CH_MLDSA_MU_BYTES);
    ch_shake256_absorb(&st, w1enc, p->k * w1_poly_bytes);
    ch_shake256_finalize(&st);
    ch_shake256_squeeze(&st, ctilde2, p->ctilde_bytes);
    return ch_ct_eq(ctilde, ctilde2, p->ctilde_bytes) ? CH_PQC_OK : CH_PQC_ERR_VERIFY;
}

/* Alg. 8 line 1 (length checks), line 6 (tr), line 7 (mu) and the core. */
static int verify_any(const struct ch_mldsa_params *p, const uint8_t *sig, size_t sig_len,
                      const struct msg_parts *m, const uint8_t *pk, size_t pk_len)
{
    uint8_t tr[CH_MLDSA_TR_BYTES], mu[CH_MLDSA_MU_BYTES];
    if (sig == NULL || pk == NULL || sig_len != p->sig_bytes || pk_len != p->pk_bytes)
        return CH_PQC_ERR_INPUT;
    if (m->mu == NULL)
        ch_shake256(tr, sizeof tr, pk, pk_len);
    compute_mu(mu, tr, m);
    return verify_core(p, sig, mu, pk);
}

/* ---- public interface (mldsa.h) ------------------------------------------------------------- */

size_t ch_mldsa_pk_bytes(enum ch_mldsa_set set)
{
    const struct ch_mldsa_params *p = ch_mldsa_params_get(set);
    return p != NULL ? p->pk_bytes : 0;
}

size_t ch_mldsa_sk_bytes(enum ch_mldsa_set set)
{
    const struct ch_mldsa_params *p = ch_mldsa_params_get(set);
    return p != NULL ? p->sk_bytes : 0;
}

size_t ch_mldsa_sig_bytes(enum ch_mldsa_set set)
{
    const struct ch_mldsa_params *p = ch_mldsa_params_get(set);
    return p != NULL ? p->sig_bytes : 0;
}

size_t ch_mldsa_prehash_bytes(enum ch_mldsa_prehash ph)
{
    switch (ph) {
    case CH_MLDSA_PH_SHA2_224:
    case CH_MLDSA_PH_SHA2_512_224:
    case CH_MLDSA_PH_SHA3_224:
        return 28;
    case CH_MLDSA_PH_SHA2_256:
    case CH_MLDSA_PH_SHA2_512_256:
    case CH_MLDSA_PH_SHA3_256:
    case CH_MLDSA_PH_SHAKE128:
        return 32;
    case CH_MLDSA_PH_SHA2_384:
    case CH_MLDSA_PH_SHA3_384:
        return 48;
    case CH_MLDSA_PH_SHA2_512:
    case CH_MLDSA_PH_SHA3_512:
    case CH_MLDSA_PH_SHAKE256:
        return 64;
    }
    return 0;
}

int ch_mldsa_keypair_derand(enum ch_mldsa_set set, uint8_t *pk, uint8_t *sk,
                            const uint8_t seed[CH_MLDSA_SEED_BYTES])
{
    const struct ch_mldsa_params *p = ch_mldsa_params_get(set);
    uint8_t rho[32], key[32], tr[CH_MLDSA_TR_BYTES];
    struct ch_mldsa_poly s1[L_MAX], s1hat[L_MAX], s2[K_MAX], t0[K_MAX], row[L_MAX];

    if (p == NULL || pk == NULL || sk == NULL || seed == NULL)
        return CH_PQC_ERR_INPUT;
    keygen_core(p, seed, rho, key, tr, s1, s1hat, s2, t0, pk, NULL, row);
    ch_mldsa_sk_encode(sk, rho, key, tr, s1, s2, t0, p); /* Alg. 6 line 10 */
    CH_CT_PUBLIC(pk, p->pk_bytes);
    ch_wipe(key, sizeof key);
    ch_wipe(s1, sizeof s1);
    ch_wipe(s1hat, sizeof s1hat);
    ch_wipe(s2, sizeof s2);
    ch_wipe(t0, sizeof t0);
    return CH_PQC_OK;
}

/* M' prefix of Alg. 2 line 10 / Alg. 3 line 5 (domain 0) and Alg. 4 line 23 / Alg. 5 line
 * 18 (domain 1): IntegerToBytes(domain, 1) || IntegerToBytes(|ctx|, 1) || ctx. */
static int set_prefix(struct msg_parts *m, uint8_t domain, const uint8_t *ctx, size_t ctx_len)
{
    if (ctx_len > CH_MLDSA_CTX_MAX_BYTES)
        return CH_PQC_ERR_CONTEXT;
    if (ctx == NULL && ctx_len != 0)
        return CH_PQC_ERR_INPUT;
    m->pre[0] = domain;
    m->pre[1] = (uint8_t)ctx_len;
    m->pre_len = 2;
    m->ctx = ctx;
    m->ctx_len = ctx_len;
    return CH_PQC_OK;
}

static int set_msg(struct msg_parts *m, const uint8_t *msg, size_t msg_len)
{
    if (msg == NULL && msg_len != 0)
        return CH_PQC_ERR_INPUT;
    m->msg = msg;
    m->msg_len = msg_len;
    return CH_PQC_OK;
}

/* OID(PH) of Alg. 4 lines 10-22: DER of 2.16.840.1.101.3.4.2.x; x is the enum value. */
static int set_prehash(struct msg_parts *m, uint8_t oid[11], enum ch_mldsa_prehash ph,
                       const uint8_t *digest, size_t digest_len)
{
    static const uint8_t prefix[10] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02};
    size_t want = ch_mldsa_prehash_bytes(ph);
    if (want == 0 || digest == NULL || digest_len != want)
        return CH_PQC_ERR_INPUT;
    memcpy(oid, prefix, sizeof prefix);
    oid[10] = (uint8_t)ph;
    m->oid = oid;
    m->oid_len = 11;
    m->msg = digest;
    m->msg_len = digest_len;
    return CH_PQC_OK;
}

/* Common argument checks of the signing entry points; zeroes sig on failure. */
static int sign_args(const struct ch_mldsa_params *p, uint8_t *sig, const uint8_t *rnd, int rv)
{
    if (p == NULL || sig == NULL)
        return CH_PQC_ERR_INPUT;
    if (rv == CH_PQC_OK && rnd == NULL)
        rv = CH_PQC_ERR_INPUT;
    if (rv != CH_PQC_OK)
        memset(sig, 0, p->sig_bytes);
    return rv;
}

int ch_mldsa_sign_derand(enum ch_mldsa_set set, uint8_t *sig, const uint8_t *msg, size_t msg_len,
                         const uint8_t *ctx, size_t ctx_len, const uint8_t rnd[CH_MLDSA_RND_BYTES],
                         const uint8_t *sk, size_t sk_len)
{
    const struct ch_mldsa_params *p = ch_mldsa_params_get(set);
    struct msg_parts m = {0};
    int rv = set_prefix(&m, 0, ctx, ctx_len);
    if (rv == CH_PQC_OK)
        rv = set_msg(&m, msg, msg_len);
    rv = sign_args(p, sig, rnd, rv);
    if (rv != CH_PQC_OK)
        return rv;
    return sign_any(p, sig, &m, rnd, sk, sk_len);
}

int ch_mldsa_verify(enum ch_mldsa_set set, const uint8_t *sig, size_t sig_len, const uint8_t *msg,
                    size_t msg_len, const uint8_t *ctx, size_t ctx_len, const uint8_t *pk,
                    size_t pk_len)
{
    const struct ch_mldsa_params *p = ch_mldsa_params_get(set);
    struct msg_parts m = {0};
    int rv = set_prefix(&m, 0, ctx, ctx_len);
    if (rv == CH_PQC_OK)
        rv = set_msg(&m, msg, msg_len);
    if (p == NULL)
        rv = CH_PQC_ERR_INPUT;
    if (rv != CH_PQC_OK)
        return rv;
    return verify_any(p, sig, sig_len, &m, pk, pk_len);
}

int ch_mldsa_hash_sign_derand(enum ch_mldsa_set set, uint8_t *sig, enum ch_mldsa_prehash ph,
                              const uint8_t *digest, size_t digest_len, const uint8_t *ctx,
                              size_t ctx_len, const uint8_t rnd[CH_MLDSA_RND_BYTES],
                              const uint8_t *sk, size_t sk_len)
{
    const struct ch_mldsa_params *p = ch_mldsa_params_get(set);
    struct msg_parts m = {0};
    uint8_t oid[11];
    int rv = set_prefix(&m, 1, ctx, ctx_len);
    if (rv == CH_PQC_OK)
        rv = set_prehash(&m, oid, ph, digest, digest_len);
    rv = sign_args(p, sig, rnd, rv);
    if (rv != CH_PQC_OK)
        return rv;
    return sign_any(p, sig, &m, rnd, sk, sk_len);
}

int ch_mldsa_hash_verify(enum ch_mldsa_set set, const uint8_t *sig, size_t sig_len,
                         enum ch_mldsa_prehash ph, const uint8_t *digest, size_t digest_len,
                         const uint8_t *ctx, size_t ctx_len, const uint8_t *pk, size_t pk_len)
{
    const struct ch_mldsa_params *p = ch_mldsa_params_get(set);
    struct msg_parts m = {0};
    uint8_t oid[11];
    int rv = set_prefix(&m, 1, ctx, ctx_len);
    if (rv == CH_PQC_OK)
        rv = set_prehash(&m, oid, ph, digest, digest_len);
    if (p == NULL)
        rv = CH_PQC_ERR_INPUT;
    if (rv != CH_PQC_OK)
        return rv;
    return verify_any(p, sig, sig_len, &m, pk, pk_len);
}

int ch_mldsa_sign_internal_derand(enum ch_mldsa_set set, uint8_t *sig, const uint8_t *mprime,
                                  size_t mprime_len, const uint8_t rnd[CH_MLDSA_RND_BYTES],
                                  const uint8_t *sk, size_t sk_len)
{
    const struct ch_mldsa_params *p = ch_mldsa_params_get(set);
    struct msg_parts m = {0};
    int rv = sign_args(p, sig, rnd, set_msg(&m, mprime, mprime_len));
    if (rv != CH_PQC_OK)
        return rv;
    return sign_any(p, sig, &m, rnd, sk, sk_len);
}

int ch_mldsa_verify_internal(enum ch_mldsa_set set, const uint8_t *sig, size_t sig_len,
                             const uint8_t *mprime, size_t mprime_len, const uint8_t *pk,
                             size_t pk_len)
{
    const struct ch_mldsa_params *p = ch_mldsa_params_get(set);
    struct msg_parts m = {0};
    int rv = set_msg(&m, mprime, mprime_len);
    if (p == NULL)
        rv = CH_PQC_ERR_INPUT;
    if (rv != CH_PQC_OK)
        return rv;
    return verify_any(p, sig, sig_len, &m, pk, pk_len);
}

int ch_mldsa_sign_mu_derand(enum ch_mldsa_set set, uint8_t *sig,
                            const uint8_t mu[CH_MLDSA_MU_BYTES],
                            const uint8_t rnd[CH_MLDSA_RND_BYTES], const uint8_t *sk,
                            size_t sk_len)
{
    const struct ch_mldsa_params *p = ch_mldsa_params_get(set);
    struct msg_parts m = {0};
    int rv = sign_args(p, sig, rnd, mu == NULL ? CH_PQC_ERR_INPUT : CH_PQC_OK);
    if (rv != CH_PQC_OK)
        return rv;
    m.mu = mu;
    return sign_any(p, sig, &m, rnd, sk, sk_len);
}

int ch_mldsa_verify_mu(enum ch_mldsa_set set, const uint8_t *sig, size_t sig_len,
                       const uint8_t mu[CH_MLDSA_MU_BYTES], const uint8_t *pk, size_t pk_len)
{
    const struct ch_mldsa_params *p = ch_mldsa_params_get(set);
    struct msg_parts m = {0};
    if (p == NULL || mu == NULL)
        return CH_PQC_ERR_INPUT;
    m.mu = mu;
    return verify_any(p, sig, sig_len, &m, pk, pk_len);
}

int ch_mldsa_mu(enum ch_mldsa_set set, uint8_t mu[CH_MLDSA_MU_BYTES], const uint8_t *msg,
                size_t msg_len, const uint8_t *ctx, size_t ctx_len, const uint8_t *pk,
                size_t pk_len)
{
    const struct ch_mldsa_params *p = ch_mldsa_params_get(set);
    struct msg_parts m = {0};
    uint8_t tr[CH_MLDSA_TR_BYTES];
    int rv = set_prefix(&m, 0, ctx, ctx_len);
    if (rv == CH_PQC_OK)
        rv = set_msg(&m, msg, msg_len);
    if (p == NULL || mu == NULL || pk == NULL || pk_len != p->pk_bytes)
        rv = CH_PQC_ERR_INPUT;
    if (rv != CH_PQC_OK)
        return rv;
    ch_shake256(tr, sizeof tr, pk, pk_len);
    compute_mu(mu, tr, &m);
    return CH_PQC_OK;
}

int ch_mldsa_prepare(enum ch_mldsa_set set, struct ch_mldsa_prepared *key, const uint8_t *sk,
                     size_t sk_len)
{
    const struct ch_mldsa_params *p = ch_mldsa_params_get(set);
    if (key == NULL)
        return CH_PQC_ERR_INPUT;
    memset(key, 0, sizeof *key);
    if (p == NULL)
        return CH_PQC_ERR_INPUT;
    int rv = load_key(p, key, sk, sk_len);
    if (rv != CH_PQC_OK) {
        ch_wipe(key, sizeof *key);
        return rv;
    }
    key->set = set;
    key->magic = CH_MLDSA_PREPARED_MAGIC;
    return CH_PQC_OK;
}

void ch_mldsa_prepared_clear(struct ch_mldsa_prepared *key)
{
    if (key != NULL)
        ch_wipe(key, sizeof *key);
}

/* The set of a prepared key for the argument checks, or an invalid one. */
static const struct ch_mldsa_params *prepared_params(const struct ch_mldsa_prepared *key)
{
    if (key == NULL || key->magic != CH_MLDSA_PREPARED_MAGIC)
        return NULL;
    return ch_mldsa_params_get(key->set);
}

int ch_mldsa_prepared_sign_derand(const struct ch_mldsa_prepared *key, uint8_t *sig,
                                  const uint8_t *msg, size_t msg_len, const uint8_t *ctx,
                                  size_t ctx_len, const uint8_t rnd[CH_MLDSA_RND_BYTES])
{
    struct msg_parts m = {0};
    int rv = set_prefix(&m, 0, ctx, ctx_len);
    if (rv == CH_PQC_OK)
        rv = set_msg(&m, msg, msg_len);
    rv = sign_args(prepared_params(key), sig, rnd, rv);
    if (rv != CH_PQC_OK)
        return rv;
    return sign_prepared(key, sig, &m, rnd);
}

int ch_mldsa_prepared_hash_sign_derand(const struct ch_mldsa_prepared *key, uint8_t *sig,
                                       enum ch_mldsa_prehash ph, const uint8_t *digest,
                                       size_t digest_len, const uint8_t *ctx, size_t ctx_len,
                                       const uint8_t rnd[CH_MLDSA_RND_BYTES])
{
    struct msg_parts m = {0};
    uint8_t oid[11];
    int rv = set_prefix(&m, 1, ctx, ctx_len);
    if (rv == CH_PQC_OK)
        rv = set_prehash(&m, oid, ph, digest, digest_len);
    rv = sign_args(prepared_params(key), sig, rnd, rv);
    if (rv != CH_PQC_OK)
        return rv;
    return sign_prepared(key, sig, &m, rnd);
}

int ch_mldsa_prepared_sign_mu_derand(const struct ch_mldsa_prepared *key, uint8_t *sig,
                                     const uint8_t mu[CH_MLDSA_MU_BYTES],
                                     const uint8_t rnd[CH_MLDSA_RND_BYTES])
{
    struct msg_parts m = {0};
    int rv = sign_args(prepared_params(key), sig, rnd, mu == NULL ? CH_PQC_ERR_INPUT : CH_PQC_OK);
    if (rv != CH_PQC_OK)
        return rv;
    m.mu = mu;
    return sign_prepared(key, sig, &m, rnd);
}

/* Fixed-size wrappers (mldsa.h, CH_MLDSA_DECLARE_SET). */
#define CH_MLDSA_DEFINE_SET(N)                                                                  \
    int ch_mldsa##N##_keypair_derand(uint8_t pk[CH_MLDSA##N##_PK_BYTES],                       \
                                     uint8_t sk[CH_MLDSA##N##_SK_BYTES],                       \
                                     const uint8_t seed[CH_MLDSA_SEED_BYTES])                  \
    {                                                                                          \
        return ch_mldsa_keypair_derand(CH_MLDSA_##N, pk, sk, seed);                            \
    }                                                                                          \
    int ch_mldsa##N##_sign_derand(uint8_t sig[CH_MLDSA##N##_SIG_BYTES], const uint8_t *msg,    \
                                  size_t msg_len, const uint8_t *ctx, size_t ctx_len,          \
                                  const uint8_t rnd[CH_MLDSA_RND_BYTES],                       \
                                  const uint8_t sk[CH_MLDSA##N##_SK_BYTES])                    \
    {                                                                                          \
        return ch_mldsa_sign_derand(CH_MLDSA_##N, sig, msg, msg_len, ctx, ctx_len, rnd, sk,    \
                                    CH_MLDSA##N##_SK_BYTES);                                   \
    }                                                                                          \
    int ch_mldsa##N##_sign_seed_derand(uint8_t sig[CH_MLDSA##N##_SIG_BYTES],                   \
                                       const uint8_t *msg, size_t msg_len, const uint8_t *ctx, \
                                       size_t ctx_len, const uint8_t rnd[CH_MLDSA_RND_BYTES],  \
                                       const uint8_t seed[CH_MLDSA_SEED_BYTES])                \
    {                                                                                          \
        return ch_mldsa_sign_derand(CH_MLDSA_##N, sig, msg, msg_len, ctx, ctx_len, rnd, seed,  \
                                    CH_MLDSA_SEED_BYTES);                                      \
    }                                                                                          \
    int ch_mldsa##N##_verify(const uint8_t sig[CH_MLDSA##N##_SIG_BYTES], const uint8_t *msg,   \
                             size_t msg_len, const uint8_t *ctx, size_t ctx_len,               \
                             const uint8_t pk[CH_MLDSA##N##_PK_BYTES])                         \
    {                                                                                          \
        return ch_mldsa_verify(CH_MLDSA_##N, sig, CH_MLDSA##N##_SIG_BYTES, msg, msg_len, ctx,  \
                               ctx_len, pk, CH_MLDSA##N##_PK_BYTES);                           \
    }

CH_MLDSA_DEFINE_SET(44)
CH_MLDSA_DEFINE_SET(65)
CH_MLDSA_DEFINE_SET(87)
