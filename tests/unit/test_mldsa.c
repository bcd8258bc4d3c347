/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/pqc/mldsa (FIPS 204): the arithmetic against straightforward reference
 * forms (exhaustively where cheap), round trips for every parameter set, the refusals
 * (context > 255, corrupted signature/message/context, malformed hints, wrong lengths, bad
 * private key), and the equivalences the API promises (seed vs expanded key, mu vs message,
 * internal vs external). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pqc/common/fips202.h"
#include "pqc/mldsa/mldsa.h"
#include "pqc/mldsa/mldsa_internal.h"

#define Q CH_MLDSA_Q

static const enum ch_mldsa_set sets[] = {CH_MLDSA_44, CH_MLDSA_65, CH_MLDSA_87};
static const uint8_t zero_rnd[CH_MLDSA_RND_BYTES];

/* Deterministic test data. */
static uint32_t lcg_state = 12345;
static uint32_t lcg(void)
{
    lcg_state = lcg_state * 1103515245u + 12345u;
    return lcg_state >> 1;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + 31 * i);
}

/* A key pair and one signature over "message" with context "ctx" for a set. */
struct fixture {
    enum ch_mldsa_set set;
    const struct ch_mldsa_params *p;
    uint8_t seed[CH_MLDSA_SEED_BYTES];
    uint8_t pk[CH_MLDSA_PK_MAX_BYTES], sk[CH_MLDSA_SK_MAX_BYTES], sig[CH_MLDSA_SIG_MAX_BYTES];
    size_t pk_len, sk_len, sig_len;
};

static const uint8_t msg[] = "message to be signed";
static const uint8_t ctx[] = "ctx";

static void make_fixture(struct fixture *f, enum ch_mldsa_set set)
{
    f->set = set;
    f->p = ch_mldsa_params_get(set);
    assert_non_null(f->p);
    fill(f->seed, sizeof f->seed, (uint8_t)set);
    f->pk_len = ch_mldsa_pk_bytes(set);
    f->sk_len = ch_mldsa_sk_bytes(set);
    f->sig_len = ch_mldsa_sig_bytes(set);
    assert_int_equal(ch_mldsa_keypair_derand(set, f->pk, f->sk, f->seed), CH_PQC_OK);
    assert_int_equal(ch_mldsa_sign_derand(set, f->sig, msg, sizeof msg, ctx, sizeof ctx,
                                          zero_rnd, f->sk, f->sk_len),
                     CH_PQC_OK);
}

static int verify_fixture_sig(const struct fixture *f, const uint8_t *sig)
{
    return ch_mldsa_verify(f->set, sig, f->sig_len, msg, sizeof msg, ctx, sizeof ctx, f->pk,
                           f->pk_len);
}

/* ---- arithmetic ----------------------------------------------------------------------------- */

static void ref_decompose(int32_t r, int32_t g2, int32_t *r1, int32_t *r0)
{
    int32_t a = r % (2 * g2);
    if (a > g2)
        a -= 2 * g2;
    if (r - a == Q - 1) {
        *r1 = 0;
        *r0 = a - 1;
    } else {
        *r1 = (r - a) / (2 * g2);
        *r0 = a;
    }
}

/* Alg. 36 on every r in [0, q) for both gamma2: the multiply-shift division is exact. */
static void test_decompose_exhaustive(void **state)
{
    (void)state;
    const int32_t g2s[2] = {(Q - 1) / 88, (Q - 1) / 32};
    for (int k = 0; k < 2; k++) {
        int32_t g2 = g2s[k];
        unsigned long bad = 0;
        for (int32_t r = 0; r < Q; r++) {
            int32_t r1, r0, e1, e0;
            r1 = ch_mldsa_decompose(&r0, r, g2);
            ref_decompose(r, g2, &e1, &e0);
            bad += (r1 != e1) | (r0 != e0);
        }
        assert_int_equal(bad, 0);
    }
}

/* Alg. 35 on every r in [0, q). */
static void test_power2round_exhaustive(void **state)
{
    (void)state;
    unsigned long bad = 0;
    for (int32_t r = 0; r < Q; r++) {
        int32_t r0;
        int32_t r1 = ch_mldsa_power2round(&r0, r);
        int32_t e0 = r % 8192;
        if (e0 > 4096)
            e0 -= 8192;
        bad += (r0 != e0) | (r1 != (r - e0) / 8192);
    }
    assert_int_equal(bad, 0);
}

/* FIPS 204 Lemma (§7.4): UseHint(MakeHint(z, r), r) = HighBits(r + z) for |z| <= gamma2, and
 * MakeHint agrees with its definition. */
static void test_hints(void **state)
{
    (void)state;
    const int32_t g2s[2] = {(Q - 1) / 88, (Q - 1) / 32};
    for (int k = 0; k < 2; k++) {
        int32_t g2 = g2s[k];
        for (int i = 0; i < 200000; i++) {
            int32_t r = (int32_t)(lcg() % Q);
            int32_t z = (int32_t)(lcg() % (uint32_t)(2 * g2 + 1)) - g2;
            int32_t zq = (z + Q) % Q;
            int32_t rz = (r + zq) % Q;
            int32_t h = ch_mldsa_make_hint(zq, r, g2);
            assert_int_equal(h, ch_mldsa_highbits(r, g2) != ch_mldsa_highbits(rz, g2));
            assert_int_equal(ch_mldsa_use_hint(h, r, g2), ch_mldsa_highbits(rz, g2));
        }
    }
}

/* NTT-domain product = schoolbook product in Z_q[X]/(X^256 + 1). */
static void test_ntt_product(void **state)
{
    (void)state;
    for (int round = 0; round < 4; round++) {
        struct ch_mldsa_poly a, b, c;
        int64_t ref[CH_MLDSA_N] = {0};
        for (int i = 0; i < CH_MLDSA_N; i++) {
            a.c[i] = (int32_t)(lcg() % Q) - (Q - 1) / 2;  /* |a_i| < q */
            b.c[i] = (int32_t)(lcg() % Q);
        }
        for (int i = 0; i < CH_MLDSA_N; i++)
            for (int j = 0; j < CH_MLDSA_N; j++) {
                int64_t pr = ((int64_t)a.c[i] * b.c[j]) % Q;
                if (i + j < CH_MLDSA_N)
                    ref[i + j] = (ref[i + j] + pr) % Q;
                else
                    ref[i + j - CH_MLDSA_N] = (ref[i + j - CH_MLDSA_N] - pr) % Q;
            }
        ch_mldsa_ntt(&a);
        ch_mldsa_ntt(&b);
        ch_mldsa_poly_pointwise(&c, &a, &b);
        ch_mldsa_invntt_tomont(&c);
        for (int i = 0; i < CH_MLDSA_N; i++) {
            assert_true(c.c[i] > -Q && c.c[i] < Q);
            assert_int_equal(((c.c[i] - ref[i]) % Q + Q) % Q, 0);
        }
    }
}

/* The dispatched transforms (AVX2 where the CPU has it) give exactly what the portable C
 * forms give, on inputs spanning the allowed ranges. */
static void test_ntt_paths_agree(void **state)
{
    (void)state;
    for (int round = 0; round < 200; round++) {
        struct ch_mldsa_poly a, b;
        for (int i = 0; i < CH_MLDSA_N; i++)
            a.c[i] = (int32_t)(lcg() % (2 * Q - 1)) - (Q - 1); /* |a_i| < q */
        if (round == 0)
            for (int i = 0; i < CH_MLDSA_N; i++)
                a.c[i] = (i & 1) ? Q - 1 : -(Q - 1);           /* extremes */
        b = a;
        ch_mldsa_ntt(&a);
        ch_mldsa_ntt_c(&b);
        assert_memory_equal(a.c, b.c, sizeof a.c);
        for (int i = 0; i < CH_MLDSA_N; i++)
            a.c[i] = b.c[i] = (int32_t)(lcg() % (2 * Q - 1)) - (Q - 1);
        ch_mldsa_invntt_tomont(&a);
        ch_mldsa_invntt_tomont_c(&b);
        assert_memory_equal(a.c, b.c, sizeof a.c);
    }
    print_message("NTT path: %s\n", ch_mldsa_have_avx2() ? "AVX2" : "portable C");
}

/* Four-way Keccak and SHAKE (mldsa_xof4.c) against src/pqc/common/fips202.c. */
static void test_xof4(void **state)
{
    (void)state;
    uint64_t s4[25][4], s1[4][25];
    for (unsigned int i = 0; i < 25; i++)
        for (unsigned int j = 0; j < 4; j++)
            s4[i][j] = s1[j][i] = ((uint64_t)lcg() << 32) ^ lcg();
    ch_mldsa_f1600x4(s4);
    for (unsigned int j = 0; j < 4; j++) {
        ch_keccak_f1600(s1[j]);
        for (unsigned int i = 0; i < 25; i++)
            assert_true(s4[i][j] == s1[j][i]);
    }
    const unsigned int rates[2] = {CH_SHAKE128_RATE, CH_SHAKE256_RATE};
    for (unsigned int k = 0; k < 2; k++) {
        uint8_t in[4][66], out[4][2 * CH_SHAKE128_RATE], ref[2 * CH_SHAKE128_RATE];
        const uint8_t *inp[4];
        uint8_t *o1[4], *o2[4];
        struct ch_mldsa_xof4 st;
        for (unsigned int j = 0; j < 4; j++) {
            fill(in[j], sizeof in[j], (uint8_t)(j * 40 + k));
            inp[j] = in[j];
            o1[j] = out[j];
            o2[j] = out[j] + rates[k];
        }
        ch_mldsa_xof4_absorb(&st, rates[k], inp, 66);
        ch_mldsa_xof4_squeezeblock(&st, o1);
        ch_mldsa_xof4_squeezeblock(&st, o2);
        for (unsigned int j = 0; j < 4; j++) {
            if (k == 0)
                ch_shake128(ref, 2 * rates[k], in[j], 66);
            else
                ch_shake256(ref, 2 * rates[k], in[j], 66);
            assert_memory_equal(out[j], ref, 2 * rates[k]);
        }
    }
}

/* Bit packing round trips and the skDecode range check. */
static void test_pack_roundtrip(void **state)
{
    (void)state;
    static const unsigned int widths[] = {3, 4, 6, 10, 13, 18, 20};
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        struct ch_mldsa_poly a, b;
        uint8_t buf[32 * 20];
        int32_t top = 1 << (widths[w] - 1);
        for (int i = 0; i < CH_MLDSA_N; i++)
            a.c[i] = top - (int32_t)(lcg() % (1u << widths[w]));
        ch_mldsa_bitpack(buf, &a, top, widths[w]);
        ch_mldsa_bitunpack(&b, buf, top, widths[w]);
        assert_memory_equal(a.c, b.c, sizeof a.c);
    }
}

/* ---- round trips ---------------------------------------------------------------------------- */

static void test_roundtrip_all_sets(void **state)
{
    (void)state;
    for (size_t s = 0; s < 3; s++) {
        struct fixture f;
        make_fixture(&f, sets[s]);
        assert_int_equal(verify_fixture_sig(&f, f.sig), CH_PQC_OK);
        /* hedged signing: a different signature, also valid */
        uint8_t rnd[CH_MLDSA_RND_BYTES], sig2[CH_MLDSA_SIG_MAX_BYTES];
        fill(rnd, sizeof rnd, 7);
        assert_int_equal(ch_mldsa_sign_derand(f.set, sig2, msg, sizeof msg, ctx, sizeof ctx, rnd,
                                              f.sk, f.sk_len),
                         CH_PQC_OK);
        assert_memory_not_equal(sig2, f.sig, f.sig_len);
        assert_int_equal(verify_fixture_sig(&f, sig2), CH_PQC_OK);
        /* empty message, empty context (NULL pointers allowed with length 0) */
        assert_int_equal(ch_mldsa_sign_derand(f.set, sig2, NULL, 0, NULL, 0, zero_rnd, f.sk,
                                              f.sk_len),
                         CH_PQC_OK);
        assert_int_equal(ch_mldsa_verify(f.set, sig2, f.sig_len, NULL, 0, NULL, 0, f.pk,
                                         f.pk_len),
                         CH_PQC_OK);
    }
}

static void test_fixed_size_wrappers(void **state)
{
    (void)state;
    uint8_t seed[32], pk[CH_MLDSA65_PK_BYTES], sk[CH_MLDSA65_SK_BYTES];
    uint8_t sig[CH_MLDSA65_SIG_BYTES], sig2[CH_MLDSA65_SIG_BYTES];
    fill(seed, sizeof seed, 3);
    assert_int_equal(ch_mldsa65_keypair_derand(pk, sk, seed), CH_PQC_OK);
    assert_int_equal(ch_mldsa65_sign_derand(sig, msg, sizeof msg, NULL, 0, zero_rnd, sk),
                     CH_PQC_OK);
    assert_int_equal(ch_mldsa65_sign_seed_derand(sig2, msg, sizeof msg, NULL, 0, zero_rnd, seed),
                     CH_PQC_OK);
    assert_memory_equal(sig, sig2, sizeof sig);
    assert_int_equal(ch_mldsa65_verify(sig, msg, sizeof msg, NULL, 0, pk), CH_PQC_OK);
    sig[5] ^= 1;
    assert_int_equal(ch_mldsa65_verify(sig, msg, sizeof msg, NULL, 0, pk), CH_PQC_ERR_VERIFY);
}

/* ---- contexts ------------------------------------------------------------------------------- */

static void test_context_lengths(void **state)
{
    (void)state;
    struct fixture f;
    uint8_t big[256], sig[CH_MLDSA_SIG_MAX_BYTES];
    make_fixture(&f, CH_MLDSA_44);
    fill(big, sizeof big, 9);
    assert_int_equal(ch_mldsa_sign_derand(f.set, sig, msg, sizeof msg, big, 255, zero_rnd, f.sk,
                                          f.sk_len),
                     CH_PQC_OK);
    assert_int_equal(ch_mldsa_verify(f.set, sig, f.sig_len, msg, sizeof msg, big, 255, f.pk,
                                     f.pk_len),
                     CH_PQC_OK);
    /* 256 bytes: refused by signing (output zeroed) and by verification */
    assert_int_equal(ch_mldsa_sign_derand(f.set, sig, msg, sizeof msg, big, 256, zero_rnd, f.sk,
                                          f.sk_len),
                     CH_PQC_ERR_CONTEXT);
    for (size_t i = 0; i < f.sig_len; i++)
        assert_int_equal(sig[i], 0);
    assert_int_equal(ch_mldsa_verify(f.set, f.sig, f.sig_len, msg, sizeof msg, big, 256, f.pk,
                                     f.pk_len),
                     CH_PQC_ERR_CONTEXT);
    uint8_t digest[32] = {0};
    assert_int_equal(ch_mldsa_hash_sign_derand(f.set, sig, CH_MLDSA_PH_SHA2_256, digest, 32, big,
                                               256, zero_rnd, f.sk, f.sk_len),
                     CH_PQC_ERR_CONTEXT);
}

/* ---- corruption ----------------------------------------------------------------------------- */

static void test_corruption_rejected(void **state)
{
    (void)state;
    for (size_t s = 0; s < 3; s++) {
        struct fixture f;
        uint8_t sig[CH_MLDSA_SIG_MAX_BYTES];
        make_fixture(&f, sets[s]);
        /* one flipped bit in ctilde, in z (first and last byte), in the hint section */
        const size_t spots[4] = {0, f.p->ctilde_bytes, f.sig_len - f.p->omega - f.p->k - 1,
                                 f.sig_len - 1};
        for (size_t i = 0; i < 4; i++) {
            memcpy(sig, f.sig, f.sig_len);
            sig[spots[i]] ^= 0x04;
            assert_int_equal(verify_fixture_sig(&f, sig), CH_PQC_ERR_VERIFY);
        }
        uint8_t m2[sizeof msg];
        memcpy(m2, msg, sizeof msg);
        m2[0] ^= 1;
        assert_int_equal(ch_mldsa_verify(f.set, f.sig, f.sig_len, m2, sizeof m2, ctx, sizeof ctx,
                                         f.pk, f.pk_len),
                         CH_PQC_ERR_VERIFY);
        assert_int_equal(ch_mldsa_verify(f.set, f.sig, f.sig_len, msg, sizeof msg, ctx,
                                         sizeof ctx - 1, f.pk, f.pk_len),
                         CH_PQC_ERR_VERIFY);
        assert_int_equal(ch_mldsa_verify(f.set, f.sig, f.sig_len, msg, sizeof msg, NULL, 0,
                                         f.pk, f.pk_len),
                         CH_PQC_ERR_VERIFY);
        uint8_t pk2[CH_MLDSA_PK_MAX_BYTES];
        memcpy(pk2, f.pk, f.pk_len);
        pk2[40] ^= 1;
        assert_int_equal(ch_mldsa_verify(f.set, f.sig, f.sig_len, msg, sizeof msg, ctx,
                                         sizeof ctx, pk2, f.pk_len),
                         CH_PQC_ERR_VERIFY);
    }
}

/* HintBitUnpack (Alg. 21) refusals, each on an otherwise valid signature. */
static void test_malformed_hints(void **state)
{
    (void)state;
    for (size_t s = 0; s < 3; s++) {
        struct fixture f;
        uint8_t sig[CH_MLDSA_SIG_MAX_BYTES];
        make_fixture(&f, sets[s]);
        const unsigned int omega = f.p->omega, k = f.p->k;
        const uint8_t *y0 = f.sig + f.sig_len - omega - k;
        unsigned int total = y0[omega + k - 1];
        assert_true(total >= 2 && total < omega);
        /* a polynomial with at least two hints */
        unsigned int poly = 0, start = 0;
        while (y0[omega + poly] - start < 2) {
            start = y0[omega + poly];
            poly++;
            assert_true(poly < k);
        }

        /* last limit above omega */
        memcpy(sig, f.sig, f.sig_len);
        sig[f.sig_len - 1] = (uint8_t)(omega + 1);
        assert_int_equal(verify_fixture_sig(&f, sig), CH_PQC_ERR_VERIFY);
        /* a limit going backwards */
        memcpy(sig, f.sig, f.sig_len);
        uint8_t *y = sig + f.sig_len - omega - k;
        if (poly + 1 < k) {
            y[omega + poly + 1] = (uint8_t)(y[omega + poly] - 1);
            assert_int_equal(verify_fixture_sig(&f, sig), CH_PQC_ERR_VERIFY);
        }
        /* indices not strictly increasing: swap, then repeat */
        memcpy(sig, f.sig, f.sig_len);
        uint8_t t = y[start];
        y[start] = y[start + 1];
        y[start + 1] = t;
        assert_int_equal(verify_fixture_sig(&f, sig), CH_PQC_ERR_VERIFY);
        memcpy(sig, f.sig, f.sig_len);
        y[start + 1] = y[start];
        assert_int_equal(verify_fixture_sig(&f, sig), CH_PQC_ERR_VERIFY);
        /* non-zero padding after the last index */
        memcpy(sig, f.sig, f.sig_len);
        y[total] = 1;
        assert_int_equal(verify_fixture_sig(&f, sig), CH_PQC_ERR_VERIFY);
        /* the untouched signature still verifies */
        assert_int_equal(verify_fixture_sig(&f, f.sig), CH_PQC_OK);
    }
}

/* ---- lengths and keys ----------------------------------------------------------------------- */

static void test_wrong_lengths(void **state)
{
    (void)state;
    struct fixture f;
    uint8_t sig[CH_MLDSA_SIG_MAX_BYTES + 1], mu[CH_MLDSA_MU_BYTES];
    make_fixture(&f, CH_MLDSA_65);
    memcpy(sig, f.sig, f.sig_len);
    sig[f.sig_len] = 0;
    assert_int_equal(ch_mldsa_verify(f.set, sig, f.sig_len - 1, msg, sizeof msg, ctx, sizeof ctx,
                                     f.pk, f.pk_len),
                     CH_PQC_ERR_INPUT);
    assert_int_equal(ch_mldsa_verify(f.set, sig, f.sig_len + 1, msg, sizeof msg, ctx, sizeof ctx,
                                     f.pk, f.pk_len),
                     CH_PQC_ERR_INPUT);
    assert_int_equal(ch_mldsa_verify(f.set, sig, f.sig_len, msg, sizeof msg, ctx, sizeof ctx,
                                     f.pk, f.pk_len - 1),
                     CH_PQC_ERR_INPUT);
    assert_int_equal(ch_mldsa_verify(f.set, sig, f.sig_len, msg, sizeof msg, ctx, sizeof ctx,
                                     f.pk, f.pk_len + 1),
                     CH_PQC_ERR_INPUT);
    /* the signature of another set's length */
    assert_int_equal(ch_mldsa_verify(CH_MLDSA_44, sig, f.sig_len, msg, sizeof msg, ctx,
                                     sizeof ctx, f.pk, f.pk_len),
                     CH_PQC_ERR_INPUT);
    const size_t bad_sk[] = {0, 31, 33, f.sk_len - 1, f.sk_len + 1};
    for (size_t i = 0; i < sizeof bad_sk / sizeof bad_sk[0]; i++)
        assert_int_equal(ch_mldsa_sign_derand(f.set, sig, msg, sizeof msg, NULL, 0, zero_rnd,
                                              f.sk, bad_sk[i]),
                         CH_PQC_ERR_INPUT);
    assert_int_equal(ch_mldsa_sign_derand((enum ch_mldsa_set)66, sig, msg, sizeof msg, NULL, 0,
                                          zero_rnd, f.sk, f.sk_len),
                     CH_PQC_ERR_INPUT);
    assert_int_equal(ch_mldsa_pk_bytes((enum ch_mldsa_set)66), 0);
    assert_int_equal(ch_mldsa_mu(f.set, mu, msg, sizeof msg, NULL, 0, f.pk, f.pk_len - 1),
                     CH_PQC_ERR_INPUT);
    /* pre-hash digest of the wrong length, unknown pre-hash */
    uint8_t digest[65] = {0};
    assert_int_equal(ch_mldsa_hash_sign_derand(f.set, sig, CH_MLDSA_PH_SHA2_256, digest, 31,
                                               NULL, 0, zero_rnd, f.sk, f.sk_len),
                     CH_PQC_ERR_INPUT);
    assert_int_equal(ch_mldsa_hash_sign_derand(f.set, sig, CH_MLDSA_PH_SHAKE256, digest, 65,
                                               NULL, 0, zero_rnd, f.sk, f.sk_len),
                     CH_PQC_ERR_INPUT);
    assert_int_equal(ch_mldsa_hash_verify(f.set, f.sig, f.sig_len, (enum ch_mldsa_prehash)13,
                                          digest, 32, NULL, 0, f.pk, f.pk_len),
                     CH_PQC_ERR_INPUT);
}

/* An expanded key with an s1 or s2 field above 2 eta is refused (Wycheproof InvalidPrivateKey). */
static void test_bad_private_key(void **state)
{
    (void)state;
    for (size_t s = 0; s < 3; s++) {
        struct fixture f;
        uint8_t sk[CH_MLDSA_SK_MAX_BYTES], sig[CH_MLDSA_SIG_MAX_BYTES];
        make_fixture(&f, sets[s]);
        const size_t s_off = 128, s2_off = 128 + 32u * f.p->eta_bits * f.p->l;
        const size_t offs[2] = {s_off, s2_off};
        for (size_t i = 0; i < 2; i++) {
            memcpy(sk, f.sk, f.sk_len);
            sk[offs[i]] = 0xFF; /* field values 7 (eta 2, 3 bits) or 15 (eta 4, 4 bits) */
            assert_int_equal(ch_mldsa_sign_derand(f.set, sig, msg, sizeof msg, NULL, 0,
                                                  zero_rnd, sk, f.sk_len),
                             CH_PQC_ERR_INPUT);
            for (size_t j = 0; j < f.sig_len; j++)
                assert_int_equal(sig[j], 0);
        }
    }
}

/* ---- equivalences --------------------------------------------------------------------------- */

static void test_seed_equals_expanded(void **state)
{
    (void)state;
    for (size_t s = 0; s < 3; s++) {
        struct fixture f;
        uint8_t a[CH_MLDSA_SIG_MAX_BYTES], b[CH_MLDSA_SIG_MAX_BYTES], rnd[32], digest[48], mu[64];
        make_fixture(&f, sets[s]);
        fill(rnd, sizeof rnd, 77);
        fill(digest, sizeof digest, 5);
        fill(mu, sizeof mu, 6);
        assert_int_equal(ch_mldsa_sign_derand(f.set, a, msg, sizeof msg, ctx, sizeof ctx, rnd,
                                              f.sk, f.sk_len),
                         CH_PQC_OK);
        assert_int_equal(ch_mldsa_sign_derand(f.set, b, msg, sizeof msg, ctx, sizeof ctx, rnd,
                                              f.seed, sizeof f.seed),
                         CH_PQC_OK);
        assert_memory_equal(a, b, f.sig_len);
        assert_int_equal(ch_mldsa_hash_sign_derand(f.set, a, CH_MLDSA_PH_SHA3_384, digest, 48,
                                                   ctx, sizeof ctx, rnd, f.sk, f.sk_len),
                         CH_PQC_OK);
        assert_int_equal(ch_mldsa_hash_sign_derand(f.set, b, CH_MLDSA_PH_SHA3_384, digest, 48,
                                                   ctx, sizeof ctx, rnd, f.seed, 32),
                         CH_PQC_OK);
        assert_memory_equal(a, b, f.sig_len);
        assert_int_equal(ch_mldsa_sign_mu_derand(f.set, a, mu, rnd, f.sk, f.sk_len), CH_PQC_OK);
        assert_int_equal(ch_mldsa_sign_mu_derand(f.set, b, mu, rnd, f.seed, 32), CH_PQC_OK);
        assert_memory_equal(a, b, f.sig_len);
        assert_int_equal(ch_mldsa_verify_mu(f.set, a, f.sig_len, mu, f.pk, f.pk_len), CH_PQC_OK);
    }
}

/* Alg. 2 = Alg. 7 on M' = 0 || |ctx| || ctx || M = Alg. 7 with mu = H(tr || M'). */
static void test_external_internal_mu(void **state)
{
    (void)state;
    struct fixture f;
    uint8_t mprime[2 + sizeof ctx + sizeof msg], mu[64], sig[CH_MLDSA_SIG_MAX_BYTES];
    make_fixture(&f, CH_MLDSA_87);
    mprime[0] = 0;
    mprime[1] = sizeof ctx;
    memcpy(mprime + 2, ctx, sizeof ctx);
    memcpy(mprime + 2 + sizeof ctx, msg, sizeof msg);
    assert_int_equal(ch_mldsa_sign_internal_derand(f.set, sig, mprime, sizeof mprime, zero_rnd,
                                                   f.sk, f.sk_len),
                     CH_PQC_OK);
    assert_memory_equal(sig, f.sig, f.sig_len);
    assert_int_equal(ch_mldsa_verify_internal(f.set, f.sig, f.sig_len, mprime, sizeof mprime,
                                              f.pk, f.pk_len),
                     CH_PQC_OK);
    assert_int_equal(ch_mldsa_mu(f.set, mu, msg, sizeof msg, ctx, sizeof ctx, f.pk, f.pk_len),
                     CH_PQC_OK);
    assert_int_equal(ch_mldsa_sign_mu_derand(f.set, sig, mu, zero_rnd, f.sk, f.sk_len),
                     CH_PQC_OK);
    assert_memory_equal(sig, f.sig, f.sig_len);
    mu[0] ^= 1;
    assert_int_equal(ch_mldsa_verify_mu(f.set, f.sig, f.sig_len, mu, f.pk, f.pk_len),
                     CH_PQC_ERR_VERIFY);
}

/* HashML-DSA is domain-separated from ML-DSA and binds the hash function. */
static void test_prehash(void **state)
{
    (void)state;
    struct fixture f;
    uint8_t digest[64], sig[CH_MLDSA_SIG_MAX_BYTES];
    make_fixture(&f, CH_MLDSA_44);
    fill(digest, sizeof digest, 11);
    assert_int_equal(ch_mldsa_hash_sign_derand(f.set, sig, CH_MLDSA_PH_SHA2_512, digest, 64, ctx,
                                               sizeof ctx, zero_rnd, f.sk, f.sk_len),
                     CH_PQC_OK);
    assert_int_equal(ch_mldsa_hash_verify(f.set, sig, f.sig_len, CH_MLDSA_PH_SHA2_512, digest, 64,
                                          ctx, sizeof ctx, f.pk, f.pk_len),
                     CH_PQC_OK);
    assert_int_equal(ch_mldsa_hash_verify(f.set, sig, f.sig_len, CH_MLDSA_PH_SHA3_512, digest, 64,
                                          ctx, sizeof ctx, f.pk, f.pk_len),
                     CH_PQC_ERR_VERIFY);
    assert_int_equal(ch_mldsa_verify(f.set, sig, f.sig_len, digest, 64, ctx, sizeof ctx, f.pk,
                                     f.pk_len),
                     CH_PQC_ERR_VERIFY);
    assert_int_equal(ch_mldsa_prehash_bytes(CH_MLDSA_PH_SHA2_512_224), 28);
    assert_int_equal(ch_mldsa_prehash_bytes(CH_MLDSA_PH_SHAKE128), 32);
}

/* A prepared key signs exactly like the key it was prepared from, for every message form, from
 * sk and from xi; unprepared, cleared or malformed keys are refused. */
static struct ch_mldsa_prepared prepared; /* 69 KiB: not on the test's stack */

static void test_prepared_key(void **state)
{
    (void)state;
    for (size_t s = 0; s < 3; s++) {
        struct fixture f;
        uint8_t a[CH_MLDSA_SIG_MAX_BYTES], b[CH_MLDSA_SIG_MAX_BYTES], rnd[32], digest[32], mu[64];
        make_fixture(&f, sets[s]);
        fill(rnd, sizeof rnd, 21);
        fill(digest, sizeof digest, 22);
        fill(mu, sizeof mu, 23);
        for (int from_seed = 0; from_seed < 2; from_seed++) {
            assert_int_equal(ch_mldsa_prepare(f.set, &prepared, from_seed ? f.seed : f.sk,
                                              from_seed ? sizeof f.seed : f.sk_len),
                             CH_PQC_OK);
            assert_int_equal(ch_mldsa_prepared_sign_derand(&prepared, a, msg, sizeof msg, ctx,
                                                           sizeof ctx, zero_rnd),
                             CH_PQC_OK);
            assert_memory_equal(a, f.sig, f.sig_len);
            assert_int_equal(ch_mldsa_prepared_hash_sign_derand(&prepared, a, CH_MLDSA_PH_SHA2_256,
                                                                digest, 32, NULL, 0, rnd),
                             CH_PQC_OK);
            assert_int_equal(ch_mldsa_hash_sign_derand(f.set, b, CH_MLDSA_PH_SHA2_256, digest, 32,
                                                       NULL, 0, rnd, f.sk, f.sk_len),
                             CH_PQC_OK);
            assert_memory_equal(a, b, f.sig_len);
            assert_int_equal(ch_mldsa_prepared_sign_mu_derand(&prepared, a, mu, rnd), CH_PQC_OK);
            assert_int_equal(ch_mldsa_sign_mu_derand(f.set, b, mu, rnd, f.sk, f.sk_len),
                             CH_PQC_OK);
            assert_memory_equal(a, b, f.sig_len);
            /* a context of 256 bytes is still refused */
            uint8_t big[256] = {0};
            assert_int_equal(ch_mldsa_prepared_sign_derand(&prepared, a, msg, sizeof msg, big,
                                                           sizeof big, zero_rnd),
                             CH_PQC_ERR_CONTEXT);
            ch_mldsa_prepared_clear(&prepared);
            assert_int_equal(ch_mldsa_prepared_sign_derand(&prepared, a, msg, sizeof msg, NULL, 0,
                                                           zero_rnd),
                             CH_PQC_ERR_INPUT);
        }
        /* a malformed key is refused and leaves the structure cleared */
        uint8_t sk[CH_MLDSA_SK_MAX_BYTES];
        memcpy(sk, f.sk, f.sk_len);
        sk[128] = 0xFF;
        assert_int_equal(ch_mldsa_prepare(f.set, &prepared, sk, f.sk_len), CH_PQC_ERR_INPUT);
        assert_int_equal(ch_mldsa_prepared_sign_mu_derand(&prepared, a, mu, rnd),
                         CH_PQC_ERR_INPUT);
        assert_int_equal(ch_mldsa_prepare(f.set, &prepared, f.sk, f.sk_len - 1),
                         CH_PQC_ERR_INPUT);
    }
    ch_mldsa_prepared_clear(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decompose_exhaustive),
        cmocka_unit_test(test_power2round_exhaustive),
        cmocka_unit_test(test_hints),
        cmocka_unit_test(test_ntt_product),
        cmocka_unit_test(test_ntt_paths_agree),
        cmocka_unit_test(test_xof4),
        cmocka_unit_test(test_pack_roundtrip),
        cmocka_unit_test(test_roundtrip_all_sets),
        cmocka_unit_test(test_fixed_size_wrappers),
        cmocka_unit_test(test_context_lengths),
        cmocka_unit_test(test_corruption_rejected),
        cmocka_unit_test(test_malformed_hints),
        cmocka_unit_test(test_wrong_lengths),
        cmocka_unit_test(test_bad_private_key),
        cmocka_unit_test(test_seed_equals_expanded),
        cmocka_unit_test(test_external_internal_mu),
        cmocka_unit_test(test_prehash),
        cmocka_unit_test(test_prepared_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
