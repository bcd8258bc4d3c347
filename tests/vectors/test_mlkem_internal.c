/* SPDX-License-Identifier: Apache-2.0 */
/* ML-KEM self-checks (cmocka, suite unit) on src/pqc/mlkem beyond the ACVP/Wycheproof vectors:
 * Compress_d exhaustively against exact division, NTT round trip and NTT multiplication
 * against schoolbook negacyclic multiplication, KEM round trips, implicit rejection, and
 * every input check with its negative case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pqc/common/fips202.h"
#include "pqc/mlkem/mlkem.h"
#include "pqc/mlkem/mlkem_poly.h"

static uint64_t rng_state = 0x0123456789ABCDEFULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static void fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rng();
}

static int32_t modq(int32_t x)
{
    x %= CH_MLKEM_Q;
    return x < 0 ? x + CH_MLKEM_Q : x;
}

static const enum ch_mlkem_param sets[3] = {CH_MLKEM_512, CH_MLKEM_768, CH_MLKEM_1024};

/* Compress_d(x) = round(2^d x / q) mod 2^d, by exact integer division, for every x in [0, q)
 * and every d ML-KEM uses; and Decompress_d against round(q y / 2^d). */
static void test_compress_exhaustive(void **state)
{
    (void)state;
    static const unsigned int ds[] = {1, 4, 5, 10, 11};
    struct ch_mlkem_poly a, r;
    uint8_t buf[32 * 11];

    for (size_t di = 0; di < sizeof ds / sizeof ds[0]; di++) {
        const unsigned int d = ds[di];
        for (int32_t base = 0; base < CH_MLKEM_Q; base += CH_MLKEM_N) {
            for (unsigned int i = 0; i < CH_MLKEM_N; i++) {
                int32_t x = (base + (int32_t)i) % CH_MLKEM_Q;
                /* also feed non-canonical representatives: x - q and x + q */
                a.c[i] = (int16_t)(i % 3 == 0 ? x : i % 3 == 1 ? x - CH_MLKEM_Q : x + CH_MLKEM_Q);
            }
            ch_mlkem_poly_compress(buf, &a, d);
            /* unpack little-endian bit fields */
            for (unsigned int i = 0; i < CH_MLKEM_N; i++) {
                uint32_t y = 0;
                for (unsigned int j = 0; j < d; j++) {
                    unsigned int bit = i * d + j;
                    y |= (uint32_t)((buf[bit / 8] >> (bit % 8)) & 1) << j;
                }
                uint32_t x = (uint32_t)modq(a.c[i]);
                uint32_t want = ((x << d) * 2 + CH_MLKEM_Q) / (2 * CH_MLKEM_Q) % (1u << d);
                assert_int_equal(y, want);
            }
            ch_mlkem_poly_decompress(&r, buf, d);
            for (unsigned int i = 0; i < CH_MLKEM_N; i++) {
                uint32_t y = 0;
                for (unsigned int j = 0; j < d; j++) {
                    unsigned int bit = i * d + j;
                    y |= (uint32_t)((buf[bit / 8] >> (bit % 8)) & 1) << j;
                }
                uint32_t want = (2 * CH_MLKEM_Q * y + (1u << d)) / (2u << d);
                assert_int_equal(r.c[i], want);
            }
        }
    }
}

static void random_poly(struct ch_mlkem_poly *a)
{
    for (unsigned int i = 0; i < CH_MLKEM_N; i++)
        a->c[i] = (int16_t)(rng() % CH_MLKEM_Q);
}

static void test_ntt_roundtrip(void **state)
{
    (void)state;
    struct ch_mlkem_poly a, b;
    for (int it = 0; it < 20; it++) {
        random_poly(&a);
        b = a;
        ch_mlkem_ntt(&b);
        ch_mlkem_poly_reduce(&b);
        ch_mlkem_invntt_tomont(&b); /* = a * 2^16 mod q */
        for (unsigned int i = 0; i < CH_MLKEM_N; i++)
            assert_int_equal(modq(b.c[i]), modq(a.c[i] * 65536 % CH_MLKEM_Q));
    }
}

/* NTT^-1 at the edges of its input range |x| < 2q (the lazy reductions inside must not
 * overflow): NTT(NTT^-1(x) * 2^16) = x * 2^16 mod q, and the output is below q. */
static void test_invntt_extremes(void **state)
{
    (void)state;
    struct ch_mlkem_poly x, y;
    for (int pattern = 0; pattern < 6; pattern++) {
        for (unsigned int i = 0; i < CH_MLKEM_N; i++) {
            int16_t m = 2 * CH_MLKEM_Q - 1;
            switch (pattern) {
            case 0: x.c[i] = m; break;
            case 1: x.c[i] = (int16_t)-m; break;
            case 2: x.c[i] = (int16_t)(i % 2 ? m : -m); break;
            case 3: x.c[i] = (int16_t)((i / 2) % 2 ? m : -m); break;
            default: x.c[i] = (int16_t)((int32_t)(rng() % (2u * (uint32_t)m + 1)) - m); break;
            }
        }
        y = x;
        ch_mlkem_invntt_tomont(&y);
        for (unsigned int i = 0; i < CH_MLKEM_N; i++)
            assert_true(y.c[i] > -CH_MLKEM_Q && y.c[i] < CH_MLKEM_Q);
        ch_mlkem_ntt(&y);
        for (unsigned int i = 0; i < CH_MLKEM_N; i++)
            assert_int_equal(modq(y.c[i]), modq(x.c[i] * 65536 % CH_MLKEM_Q));
    }
}

/* NTT^-1(NTT(a) o NTT(b)) = a b in Z_q[X]/(X^256 + 1) (FIPS 203 §4.3.1). */
static void test_ntt_multiplication(void **state)
{
    (void)state;
    struct ch_mlkem_poly a, b, an, bn, h;
    int32_t want[CH_MLKEM_N];
    for (int it = 0; it < 10; it++) {
        random_poly(&a);
        random_poly(&b);
        memset(want, 0, sizeof want);
        for (unsigned int i = 0; i < CH_MLKEM_N; i++)
            for (unsigned int j = 0; j < CH_MLKEM_N; j++) {
                int32_t p = a.c[i] * b.c[j] % CH_MLKEM_Q;
                if (i + j < CH_MLKEM_N)
                    want[i + j] = modq(want[i + j] + p);
                else
                    want[i + j - CH_MLKEM_N] = modq(want[i + j - CH_MLKEM_N] - p);
            }
        an = a;
        bn = b;
        ch_mlkem_ntt(&an);
        ch_mlkem_poly_reduce(&an);
        ch_mlkem_ntt(&bn);
        ch_mlkem_poly_reduce(&bn);
        ch_mlkem_basemul(&h, &an, &bn);
        ch_mlkem_invntt_tomont(&h);
        for (unsigned int i = 0; i < CH_MLKEM_N; i++)
            assert_int_equal(modq(h.c[i]), want[i]);
    }
}

/* The four-way samplers (used by K-PKE) equal the one-at-a-time reference forms, with idle
 * lanes and mixed eta in one batch. */
static void test_samplers_x4(void **state)
{
    (void)state;
    uint8_t seed[32];
    struct ch_mlkem_poly got[4], want;
    fill(seed, sizeof seed);

    struct ch_mlkem_poly *const a[4] = {&got[0], &got[1], NULL, &got[3]};
    const uint8_t xy[4][2] = {{0, 1}, {3, 2}, {9, 9}, {255, 0}};
    ch_mlkem_sample_ntt_x4(a, seed, xy);
    for (unsigned int l = 0; l < 4; l++) {
        if (a[l] == NULL)
            continue;
        ch_mlkem_sample_ntt(&want, seed, xy[l][0], xy[l][1]);
        assert_memory_equal(&got[l], &want, sizeof want);
    }

    struct ch_mlkem_poly *const r[4] = {&got[0], NULL, &got[2], &got[3]};
    const uint8_t n[4] = {0, 1, 7, 8};
    const unsigned int eta[4] = {3, 2, 2, 3};
    ch_mlkem_sample_cbd_x4(r, seed, n, eta);
    for (unsigned int l = 0; l < 4; l++) {
        if (r[l] == NULL)
            continue;
        ch_mlkem_sample_cbd(&want, seed, n[l], eta[l]);
        assert_memory_equal(&got[l], &want, sizeof want);
        for (unsigned int i = 0; i < CH_MLKEM_N; i++)
            assert_true(want.c[i] >= -(int)eta[l] && want.c[i] <= (int)eta[l]);
    }
}

static void test_sizes(void **state)
{
    (void)state;
    assert_int_equal(ch_mlkem_ek_bytes(CH_MLKEM_512), 800);
    assert_int_equal(ch_mlkem_dk_bytes(CH_MLKEM_512), 1632);
    assert_int_equal(ch_mlkem_ct_bytes(CH_MLKEM_512), 768);
    assert_int_equal(ch_mlkem_ek_bytes(CH_MLKEM_768), 1184);
    assert_int_equal(ch_mlkem_dk_bytes(CH_MLKEM_768), 2400);
    assert_int_equal(ch_mlkem_ct_bytes(CH_MLKEM_768), 1088);
    assert_int_equal(ch_mlkem_ek_bytes(CH_MLKEM_1024), 1568);
    assert_int_equal(ch_mlkem_dk_bytes(CH_MLKEM_1024), 3168);
    assert_int_equal(ch_mlkem_ct_bytes(CH_MLKEM_1024), 1568);
    assert_int_equal(ch_mlkem_ek_bytes((enum ch_mlkem_param)0), 0);
}

static void test_roundtrip_and_rejection(void **state)
{
    (void)state;
    uint8_t seed[64], m[32], ek[CH_MLKEM_MAX_EK_BYTES], dk[CH_MLKEM_MAX_DK_BYTES];
    uint8_t ek2[CH_MLKEM_MAX_EK_BYTES], dk2[CH_MLKEM_MAX_DK_BYTES];
    uint8_t c[CH_MLKEM_MAX_CT_BYTES], k1[32], k2[32], kbar[32], jin[32 + CH_MLKEM_MAX_CT_BYTES];

    for (size_t s = 0; s < 3; s++) {
        const enum ch_mlkem_param ps = sets[s];
        const size_t ekb = ch_mlkem_ek_bytes(ps), dkb = ch_mlkem_dk_bytes(ps);
        const size_t ctb = ch_mlkem_ct_bytes(ps);
        for (int it = 0; it < 5; it++) {
            fill(seed, sizeof seed);
            fill(m, sizeof m);
            assert_int_equal(ch_mlkem_keypair_derand(ps, ek, dk, seed, seed + 32), CH_PQC_OK);
            assert_int_equal(ch_mlkem_keypair_from_seed(ps, ek2, dk2, seed), CH_PQC_OK);
            assert_memory_equal(ek, ek2, ekb);
            assert_memory_equal(dk, dk2, dkb);
            assert_int_equal(ch_mlkem_check_ek(ps, ek, ekb), CH_PQC_OK);
            assert_int_equal(ch_mlkem_check_dk(ps, dk, dkb), CH_PQC_OK);
            assert_int_equal(ch_mlkem_encaps_derand(ps, c, k1, ek, ekb, m), CH_PQC_OK);
            assert_int_equal(ch_mlkem_decaps(ps, k2, c, ctb, dk, dkb), CH_PQC_OK);
            assert_memory_equal(k1, k2, 32);

            /* A modified ciphertext decapsulates without error to J(z || c). */
            c[rng() % ctb] ^= (uint8_t)(1u << (rng() % 8));
            assert_int_equal(ch_mlkem_decaps(ps, k2, c, ctb, dk, dkb), CH_PQC_OK);
            memcpy(jin, dk + dkb - 32, 32);
            memcpy(jin + 32, c, ctb);
            ch_shake256(kbar, 32, jin, 32 + ctb);
            assert_memory_equal(k2, kbar, 32);
            assert_memory_not_equal(k2, k1, 32);
        }
    }
}

static void test_input_checks(void **state)
{
    (void)state;
    uint8_t seed[64], m[32], ek[CH_MLKEM_MAX_EK_BYTES + 1], dk[CH_MLKEM_MAX_DK_BYTES + 1];
    uint8_t c[CH_MLKEM_MAX_CT_BYTES + 1], k[32];
    const uint8_t zero[32] = {0};

    fill(seed, sizeof seed);
    fill(m, sizeof m);
    for (size_t s = 0; s < 3; s++) {
        const enum ch_mlkem_param ps = sets[s];
        const size_t ekb = ch_mlkem_ek_bytes(ps), dkb = ch_mlkem_dk_bytes(ps);
        const size_t ctb = ch_mlkem_ct_bytes(ps);
        assert_int_equal(ch_mlkem_keypair_from_seed(ps, ek, dk, seed), CH_PQC_OK);
        assert_int_equal(ch_mlkem_encaps_derand(ps, c, k, ek, ekb, m), CH_PQC_OK);

        /* §7.2: lengths. */
        assert_int_equal(ch_mlkem_check_ek(ps, ek, ekb - 1), CH_PQC_ERR_INPUT);
        assert_int_equal(ch_mlkem_check_ek(ps, ek, ekb + 1), CH_PQC_ERR_INPUT);
        memset(k, 0xAA, sizeof k);
        assert_int_equal(ch_mlkem_encaps_derand(ps, c, k, ek, ekb - 1, m), CH_PQC_ERR_INPUT);
        assert_memory_equal(k, zero, 32); /* K zeroed on error */
        /* §7.2: modulus check, coefficient q (= 0xD01) at the last position of t_hat. */
        uint8_t save1 = ek[384 * (ekb / 384) - 2], save2 = ek[384 * (ekb / 384) - 1];
        ek[384 * (ekb / 384) - 2] = (uint8_t)((save1 & 0x0F) | 0x10);
        ek[384 * (ekb / 384) - 1] = 0xD0; /* second value = 0xD01 = q */
        assert_int_equal(ch_mlkem_check_ek(ps, ek, ekb), CH_PQC_ERR_INPUT);
        assert_int_equal(ch_mlkem_encaps_derand(ps, c, k, ek, ekb, m), CH_PQC_ERR_INPUT);
        ek[384 * (ekb / 384) - 1] = 0xD0;
        ek[384 * (ekb / 384) - 2] = (uint8_t)(save1 & 0x0F); /* 0xD00 = q - 1: fine */
        assert_int_equal(ch_mlkem_check_ek(ps, ek, ekb), CH_PQC_OK);
        ek[384 * (ekb / 384) - 2] = save1;
        ek[384 * (ekb / 384) - 1] = save2;
        assert_int_equal(ch_mlkem_check_ek(ps, ek, ekb), CH_PQC_OK);

        /* §7.3: lengths of c and dk, and the H(ek) check. */
        assert_int_equal(ch_mlkem_decaps(ps, k, c, ctb - 1, dk, dkb), CH_PQC_ERR_INPUT);
        assert_int_equal(ch_mlkem_decaps(ps, k, c, ctb + 1, dk, dkb), CH_PQC_ERR_INPUT);
        assert_int_equal(ch_mlkem_decaps(ps, k, c, ctb, dk, dkb - 1), CH_PQC_ERR_INPUT);
        assert_int_equal(ch_mlkem_decaps(ps, k, c, ctb, dk, dkb + 1), CH_PQC_ERR_INPUT);
        assert_int_equal(ch_mlkem_check_dk(ps, dk, dkb + 1), CH_PQC_ERR_INPUT);
        dk[dkb - 64] ^= 1; /* first byte of H(ek) */
        assert_int_equal(ch_mlkem_check_dk(ps, dk, dkb), CH_PQC_ERR_INPUT);
        assert_int_equal(ch_mlkem_decaps(ps, k, c, ctb, dk, dkb), CH_PQC_ERR_INPUT);
        dk[dkb - 64] ^= 1;
        dk[dkb - 100] ^= 1; /* inside the embedded ek */
        assert_int_equal(ch_mlkem_check_dk(ps, dk, dkb), CH_PQC_ERR_INPUT);
        dk[dkb - 100] ^= 1;
        assert_int_equal(ch_mlkem_check_dk(ps, dk, dkb), CH_PQC_OK);
        assert_int_equal(ch_mlkem_decaps(ps, k, c, ctb, dk, dkb), CH_PQC_OK);
    }
    /* Unknown parameter set. */
    assert_int_equal(ch_mlkem_keypair_from_seed((enum ch_mlkem_param)3, ek, dk, seed),
                     CH_PQC_ERR_INPUT);
    assert_int_equal(ch_mlkem_check_ek((enum ch_mlkem_param)0, ek, 800), CH_PQC_ERR_INPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compress_exhaustive),
        cmocka_unit_test(test_ntt_roundtrip),
        cmocka_unit_test(test_ntt_multiplication),
        cmocka_unit_test(test_invntt_extremes),
        cmocka_unit_test(test_samplers_x4),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_roundtrip_and_rejection),
        cmocka_unit_test(test_input_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
