/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/pqc/common/fips202.c: known FIPS 202 digests, incremental absorb/squeeze
 * in odd chunk sizes against the one-shot forms, and a cross-check against OpenSSL's EVP
 * SHA3/SHAKE on pseudo-random inputs (tests may link libcrypto; src/pqc may not). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "pqc/common/fips202.h"

static size_t unhex(uint8_t *out, size_t cap, const char *hex)
{
    size_t n = strlen(hex) / 2;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned int v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void expect_hex(const uint8_t *got, size_t n, const char *hex)
{
    uint8_t want[256];
    assert_int_equal(unhex(want, sizeof want, hex), n);
    assert_memory_equal(got, want, n);
}

/* Deterministic xorshift64*, so a failure reproduces. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
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

static const uint8_t abc[3] = {'a', 'b', 'c'};

static void test_sha3_256_known(void **state)
{
    (void)state;
    uint8_t md[32];
    ch_sha3_256(md, NULL, 0);
    expect_hex(md, 32, "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
    ch_sha3_256(md, abc, 3);
    expect_hex(md, 32, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
}

static void test_sha3_512_known(void **state)
{
    (void)state;
    uint8_t md[64];
    ch_sha3_512(md, NULL, 0);
    expect_hex(md, 64,
               "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a6"
               "15b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26");
    ch_sha3_512(md, abc, 3);
    expect_hex(md, 64,
               "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e"
               "10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0");
}

static void test_shake_known(void **state)
{
    (void)state;
    uint8_t out[64];
    ch_shake128(out, 32, NULL, 0);
    expect_hex(out, 32, "7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26");
    ch_shake256(out, 64, NULL, 0);
    expect_hex(out, 64,
               "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f"
               "d75dc4ddd8c0f200cb05019d67b592f6fc821c49479ab48640292eacb3b7c4be");
}

/* A wrong digest must not slip through: flipping one input bit changes the output. */
static void test_sha3_negative(void **state)
{
    (void)state;
    uint8_t md[32];
    const uint8_t abd[3] = {'a', 'b', 'd'};
    uint8_t want[32];
    unhex(want, sizeof want, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
    ch_sha3_256(md, abd, 3);
    assert_memory_not_equal(md, want, 32);
}

/* Keccak-f on the zero state: first lane of the output, as in the Keccak team's known
 * intermediate values (KeccakF-1600-IntermediateValues.txt). */
static void test_keccak_f_zero(void **state)
{
    (void)state;
    uint64_t s[25] = {0};
    ch_keccak_f1600(s);
    assert_true(s[0] == 0xF1258F7940E1DDE7ULL);
    assert_true(s[24] == 0xEAF1FF7B5CECA249ULL);
}

enum kind { K_SHAKE128, K_SHAKE256, K_SHA3_256, K_SHA3_512 };

static void absorb(enum kind k, struct ch_keccak *st, const uint8_t *p, size_t n)
{
    switch (k) {
    case K_SHAKE128: ch_shake128_absorb(st, p, n); break;
    case K_SHAKE256: ch_shake256_absorb(st, p, n); break;
    default: ch_sha3_absorb(st, p, n); break;
    }
}

/* Absorb `in` in chunks of sizes drawn from `chunks` (cycled), squeeze likewise. */
static void incremental(enum kind k, uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen,
                        const size_t *chunks, size_t nchunks)
{
    struct ch_keccak st;
    size_t off = 0, ci = 0;

    switch (k) {
    case K_SHAKE128: ch_shake128_init(&st); break;
    case K_SHAKE256: ch_shake256_init(&st); break;
    case K_SHA3_256: ch_sha3_256_init(&st); break;
    case K_SHA3_512: ch_sha3_512_init(&st); break;
    }
    while (off < inlen) {
        size_t c = chunks[ci++ % nchunks];
        if (c > inlen - off)
            c = inlen - off;
        absorb(k, &st, in + off, c);
        off += c;
    }
    absorb(k, &st, in, 0); /* empty absorbs are harmless */
    if (k == K_SHA3_256) {
        ch_sha3_256_final(&st, out);
        return;
    }
    if (k == K_SHA3_512) {
        ch_sha3_512_final(&st, out);
        return;
    }
    if (k == K_SHAKE128)
        ch_shake128_finalize(&st);
    else
        ch_shake256_finalize(&st);
    off = 0;
    while (off < outlen) {
        size_t c = chunks[ci++ % nchunks];
        if (c > outlen - off)
            c = outlen - off;
        if (k == K_SHAKE128)
            ch_shake128_squeeze(&st, out + off, c);
        else
            ch_shake256_squeeze(&st, out + off, c);
        off += c;
    }
    ch_keccak_clear(&st);
}

static void test_incremental_matches_oneshot(void **state)
{
    (void)state;
    static const size_t chunk_sets[][5] = {
        {1, 1, 1, 1, 1}, {7, 13, 1, 200, 3}, {135, 137, 1, 168, 71}, {167, 169, 0, 72, 5},
    };
    uint8_t in[1200], a[700], b[700];
    fill(in, sizeof in);
    const size_t lens[] = {0, 1, 71, 72, 73, 135, 136, 137, 167, 168, 169, 500, 1200};
    for (size_t ci = 0; ci < sizeof chunk_sets / sizeof chunk_sets[0]; ci++) {
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
            size_t n = lens[li];
            ch_shake128(a, 700, in, n);
            incremental(K_SHAKE128, b, 700, in, n, chunk_sets[ci], 5);
            assert_memory_equal(a, b, 700);
            ch_shake256(a, 700, in, n);
            incremental(K_SHAKE256, b, 700, in, n, chunk_sets[ci], 5);
            assert_memory_equal(a, b, 700);
            ch_sha3_256(a, in, n);
            incremental(K_SHA3_256, b, 32, in, n, chunk_sets[ci], 5);
            assert_memory_equal(a, b, 32);
            ch_sha3_512(a, in, n);
            incremental(K_SHA3_512, b, 64, in, n, chunk_sets[ci], 5);
            assert_memory_equal(a, b, 64);
        }
    }
}

/* squeezeblocks, mixed with byte squeezes, gives the same stream as one long squeeze. */
static void test_squeezeblocks(void **state)
{
    (void)state;
    uint8_t in[50], a[4 * CH_SHAKE128_RATE], b[4 * CH_SHAKE128_RATE];
    struct ch_keccak st;
    fill(in, sizeof in);

    ch_shake128(a, sizeof a, in, sizeof in);
    ch_shake128_init(&st);
    ch_shake128_absorb(&st, in, sizeof in);
    ch_shake128_finalize(&st);
    ch_shake128_squeezeblocks(&st, b, 2);
    ch_shake128_squeezeblocks(&st, b + 2 * CH_SHAKE128_RATE, 1);
    ch_shake128_squeeze(&st, b + 3 * CH_SHAKE128_RATE, 5);
    ch_shake128_squeeze(&st, b + 3 * CH_SHAKE128_RATE + 5, CH_SHAKE128_RATE - 5);
    assert_memory_equal(a, b, sizeof a);

    ch_shake256(a, 3 * CH_SHAKE256_RATE, in, sizeof in);
    ch_shake256_init(&st);
    ch_shake256_absorb(&st, in, sizeof in);
    ch_shake256_finalize(&st);
    ch_shake256_squeezeblocks(&st, b, 3);
    assert_memory_equal(a, b, 3 * CH_SHAKE256_RATE);
    ch_keccak_clear(&st);
}

static void evp_digest(const EVP_MD *md, uint8_t *out, size_t outlen, const uint8_t *in,
                       size_t inlen, int xof)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_non_null(ctx);
    assert_int_equal(EVP_DigestInit_ex(ctx, md, NULL), 1);
    assert_int_equal(EVP_DigestUpdate(ctx, in, inlen), 1);
    if (xof) {
        assert_int_equal(EVP_DigestFinalXOF(ctx, out, outlen), 1);
    } else {
        unsigned int l = 0;
        assert_int_equal(EVP_DigestFinal_ex(ctx, out, &l), 1);
        assert_int_equal(l, outlen);
    }
    EVP_MD_CTX_free(ctx);
}

static void test_cross_check_openssl(void **state)
{
    (void)state;
    uint8_t in[1001], a[600], b[600];
    for (int iter = 0; iter < 300; iter++) {
        size_t n = (size_t)(rng() % 1001);
        size_t outlen = 1 + (size_t)(rng() % 600);
        fill(in, n);

        ch_sha3_256(a, in, n);
        evp_digest(EVP_sha3_256(), b, 32, in, n, 0);
        assert_memory_equal(a, b, 32);
        ch_sha3_512(a, in, n);
        evp_digest(EVP_sha3_512(), b, 64, in, n, 0);
        assert_memory_equal(a, b, 64);
        ch_shake128(a, outlen, in, n);
        evp_digest(EVP_shake128(), b, outlen, in, n, 1);
        assert_memory_equal(a, b, outlen);
        ch_shake256(a, outlen, in, n);
        evp_digest(EVP_shake256(), b, outlen, in, n, 1);
        assert_memory_equal(a, b, outlen);
    }
}

/* The four-way forms equal four single ones, lane by lane. */
static void test_x4_matches_single(void **state)
{
    (void)state;
    uint64_t s4[25][4], s1[4][25];
    for (unsigned int j = 0; j < 4; j++)
        for (unsigned int i = 0; i < 25; i++)
            s1[j][i] = s4[i][j] = rng();
    for (int it = 0; it < 4; it++) {
        if (it % 2)
            ch_keccak_f1600x4(s4); /* AVX2 when the CPU has it */
        else
            ch_keccak_f1600x4_portable(s4);
        for (unsigned int j = 0; j < 4; j++)
            ch_keccak_f1600(s1[j]);
        for (unsigned int j = 0; j < 4; j++)
            for (unsigned int i = 0; i < 25; i++)
                assert_true(s4[i][j] == s1[j][i]);
    }

    static const size_t lens[] = {0, 1, 33, 34, 135, 136, 137, 167, 168, 169, 400};
    uint8_t in[4][400], out[4][3 * CH_SHAKE128_RATE], want[3 * CH_SHAKE128_RATE];
    struct ch_keccak_x4 st;
    for (unsigned int j = 0; j < 4; j++)
        fill(in[j], sizeof in[j]);
    const uint8_t *const ins[4] = {in[0], in[1], in[2], in[3]};
    uint8_t *const outs[4] = {out[0], out[1], NULL, out[3]};
    uint8_t *const outs_next[4] = {out[0] + 2 * CH_SHAKE128_RATE, out[1] + 2 * CH_SHAKE128_RATE,
                                   NULL, out[3] + 2 * CH_SHAKE128_RATE};
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        const size_t n = lens[li];
        ch_shake128x4_absorb_once(&st, ins, n);
        ch_keccakx4_squeezeblocks(&st, outs, 2);
        ch_keccakx4_squeezeblocks(&st, outs_next, 1); /* continues the stream */
        for (unsigned int j = 0; j < 4; j++) {
            if (j == 2)
                continue;
            ch_shake128(want, sizeof want, in[j], n);
            assert_memory_equal(out[j], want, 3 * CH_SHAKE128_RATE);
        }
        ch_shake256x4_absorb_once(&st, ins, n);
        ch_keccakx4_squeezeblocks(&st, outs, 2);
        for (unsigned int j = 0; j < 4; j++) {
            if (j == 2)
                continue;
            ch_shake256(want, 2 * CH_SHAKE256_RATE, in[j], n);
            assert_memory_equal(out[j], want, 2 * CH_SHAKE256_RATE);
        }
    }
    ch_keccakx4_clear(&st);
}

/* The general four-way absorb: different lengths and domains per lane, an idle lane. */
static void test_x4_mixed_lanes(void **state)
{
    (void)state;
    static uint8_t in[4][1300];
    uint8_t out[4][2 * CH_SHAKE256_RATE], want[2 * CH_SHAKE256_RATE];
    struct ch_keccak_x4 st;
    for (unsigned int j = 0; j < 4; j++)
        fill(in[j], sizeof in[j]);
    static const size_t lens[][4] = {
        {1184, 1120, 0, 500}, {0, 135, 0, 136}, {272, 1, 0, 1299}, {800, 800, 0, 800},
    };
    for (size_t t = 0; t < sizeof lens / sizeof lens[0]; t++) {
        const uint8_t *const ins[4] = {in[0], in[1], NULL, in[3]};
        uint8_t *const outs[4] = {out[0], out[1], NULL, out[3]};
        const uint8_t ds[4] = {CH_KECCAK_DS_SHA3, CH_KECCAK_DS_SHAKE, CH_KECCAK_DS_SHAKE,
                               CH_KECCAK_DS_SHAKE};
        ch_keccakx4_absorb_once(&st, CH_SHAKE256_RATE, ins, lens[t], ds);
        ch_keccakx4_squeezeblocks(&st, outs, 2);
        ch_sha3_256(want, in[0], lens[t][0]);
        assert_memory_equal(out[0], want, 32);
        ch_shake256(want, sizeof want, in[1], lens[t][1]);
        assert_memory_equal(out[1], want, sizeof want);
        ch_shake256(want, sizeof want, in[3], lens[t][3]);
        assert_memory_equal(out[3], want, sizeof want);
    }
    /* SHA3-512 lanes (rate 72). */
    const uint8_t *const ins[4] = {in[0], in[1], in[2], in[3]};
    uint8_t *const outs[4] = {out[0], out[1], out[2], out[3]};
    const size_t lens512[4] = {0, 71, 72, 1000};
    const uint8_t ds[4] = {CH_KECCAK_DS_SHA3, CH_KECCAK_DS_SHA3, CH_KECCAK_DS_SHA3,
                           CH_KECCAK_DS_SHA3};
    ch_keccakx4_absorb_once(&st, CH_SHA3_512_RATE, ins, lens512, ds);
    ch_keccakx4_squeezeblocks(&st, outs, 1);
    for (unsigned int j = 0; j < 4; j++) {
        ch_sha3_512(want, in[j], lens512[j]);
        assert_memory_equal(out[j], want, 64);
    }
    ch_keccakx4_clear(&st);
}

static void test_clear_wipes(void **state)
{
    (void)state;
    struct ch_keccak st;
    const uint8_t zero[sizeof st] = {0};
    ch_shake256_init(&st);
    ch_shake256_absorb(&st, abc, 3);
    ch_keccak_clear(&st);
    assert_memory_equal(&st, zero, sizeof st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha3_256_known),
        cmocka_unit_test(test_sha3_512_known),
        cmocka_unit_test(test_shake_known),
        cmocka_unit_test(test_sha3_negative),
        cmocka_unit_test(test_keccak_f_zero),
        cmocka_unit_test(test_incremental_matches_oneshot),
        cmocka_unit_test(test_squeezeblocks),
        cmocka_unit_test(test_cross_check_openssl),
        cmocka_unit_test(test_x4_matches_single),
        cmocka_unit_test(test_x4_mixed_lanes),
        cmocka_unit_test(test_clear_wipes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
