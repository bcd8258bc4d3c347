/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/pqc/common/sha2.c: SHA-256/512 (one-shot, incremental in odd pieces,
 * generic and SHA-NI compression), snapshot/resume, HMAC and MGF1, each cross-checked against
 * OpenSSL EVP (tests may link libcrypto; src/pqc may not). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "pqc/common/sha2.h"

#define MAXLEN 600

static uint8_t msg[MAXLEN + 300];

static void fill(void)
{
    uint32_t x = 0x12345678u;
    for (size_t i = 0; i < sizeof msg; i++) {
        x = x * 1103515245u + 12345u;
        msg[i] = (uint8_t)(x >> 16);
    }
}

static void ossl_digest(const EVP_MD *md, const uint8_t *in, size_t len, uint8_t *out)
{
    unsigned int olen = 0;
    assert_int_equal(EVP_Digest(in, len, out, &olen, md, NULL), 1);
}

static void test_sha256_lengths(void **state)
{
    (void)state;
    uint8_t a[32], b[32];
    for (size_t len = 0; len <= MAXLEN; len++) {
        ch_sha256(a, msg, len);
        ossl_digest(EVP_sha256(), msg, len, b);
        assert_memory_equal(a, b, 32);

        /* incremental, in pieces of 1, 7, 63, 64, 65 ... bytes */
        struct ch_sha256 st;
        ch_sha256_init(&st);
        size_t off = 0, step = 1 + len % 70;
        while (off < len) {
            size_t take = len - off < step ? len - off : step;
            ch_sha256_update(&st, msg + off, take);
            off += take;
        }
        ch_sha256_final(&st, a);
        assert_memory_equal(a, b, 32);
    }
}

static void test_sha512_lengths(void **state)
{
    (void)state;
    uint8_t a[64], b[64];
    for (size_t len = 0; len <= MAXLEN; len++) {
        ch_sha512(a, msg, len);
        ossl_digest(EVP_sha512(), msg, len, b);
        assert_memory_equal(a, b, 64);

        struct ch_sha512 st;
        ch_sha512_init(&st);
        size_t off = 0, step = 1 + len % 140;
        while (off < len) {
            size_t take = len - off < step ? len - off : step;
            ch_sha512_update(&st, msg + off, take);
            off += take;
        }
        ch_sha512_final(&st, a);
        assert_memory_equal(a, b, 64);
    }
}

static void test_truncated_variants(void **state)
{
    (void)state;
    uint8_t a[64], b[64];
    for (size_t len = 0; len <= 300; len++) {
        ch_sha224(a, msg, len);
        ossl_digest(EVP_sha224(), msg, len, b);
        assert_memory_equal(a, b, 28);
        ch_sha384(a, msg, len);
        ossl_digest(EVP_sha384(), msg, len, b);
        assert_memory_equal(a, b, 48);
        ch_sha512_224(a, msg, len);
        ossl_digest(EVP_sha512_224(), msg, len, b);
        assert_memory_equal(a, b, 28);
        ch_sha512_256(a, msg, len);
        ossl_digest(EVP_sha512_256(), msg, len, b);
        assert_memory_equal(a, b, 32);
    }
}

/* The generic and the dispatched (SHA-NI where present) compression give the same state. */
static void test_sha256_compress_paths(void **state)
{
    (void)state;
    for (size_t nb = 1; nb <= 9; nb++) {
        uint32_t h1[8] = {1, 2, 3, 4, 5, 6, 7, (uint32_t)nb};
        uint32_t h2[8];
        memcpy(h2, h1, sizeof h1);
        ch_sha256_compress_generic(h1, msg + nb, nb);
        ch_sha256_compress(h2, msg + nb, nb);
        assert_memory_equal(h1, h2, sizeof h1);
    }
}

/* Four interleaved compressions equal four generic ones. */
static void test_sha256_compress_x4(void **state)
{
    (void)state;
    for (size_t r = 0; r < 20; r++) {
        uint32_t a[4][8], b[4][8];
        uint32_t *hp[4];
        const uint8_t *bp[4];
        for (unsigned int k = 0; k < 4; k++) {
            for (unsigned int i = 0; i < 8; i++)
                a[k][i] = b[k][i] = (uint32_t)(r * 131u + k * 17u + i * 0x01010101u);
            hp[k] = a[k];
            bp[k] = msg + r * 7 + k * 64;
            ch_sha256_compress_generic(b[k], bp[k], 1);
        }
        ch_sha256_compress_x4(hp, bp);
        assert_memory_equal(a, b, sizeof a);
    }
}

static void test_sha512_compress_x4(void **state)
{
    (void)state;
    for (size_t r = 0; r < 20; r++) {
        uint64_t a[4][8], b[4][8];
        uint64_t *hp[4];
        const uint8_t *bp[4];
        for (unsigned int k = 0; k < 4; k++) {
            for (unsigned int i = 0; i < 8; i++)
                a[k][i] = b[k][i] = (uint64_t)(r * 131u + k * 17u) * 0x0101010101010101ull + i;
            hp[k] = a[k];
            bp[k] = msg + r * 5 + k * 128;
            ch_sha512_compress(b[k], bp[k], 1);
        }
        ch_sha512_compress_x4(hp, bp);
        assert_memory_equal(a, b, sizeof a);
    }
}

/* Snapshot after a block-aligned prefix, resume many times with different suffixes: each result
 * equals hashing prefix || suffix in one go (the FIPS 205 §11.2 PK.seed-block trick). */
static void test_sha256_snapshot(void **state)
{
    (void)state;
    for (size_t pre = 0; pre <= 192; pre += 64) {
        struct ch_sha256 st;
        struct ch_sha256_mid mid;
        ch_sha256_init(&st);
        ch_sha256_update(&st, msg, pre);
        assert_int_equal(ch_sha256_snapshot(&st, &mid), CH_PQC_OK);
        for (size_t suf = 0; suf <= 200; suf += 3) {
            uint8_t a[32], b[32];
            struct ch_sha256 r;
            ch_sha256_resume(&r, &mid);
            ch_sha256_update(&r, msg + pre, suf);
            ch_sha256_final(&r, a);
            ossl_digest(EVP_sha256(), msg, pre + suf, b);
            assert_memory_equal(a, b, 32);
        }
    }
    /* not on a block boundary: refused, mid untouched */
    struct ch_sha256 st;
    struct ch_sha256_mid mid;
    memset(&mid, 0xAA, sizeof mid);
    ch_sha256_init(&st);
    ch_sha256_update(&st, msg, 65);
    assert_int_equal(ch_sha256_snapshot(&st, &mid), CH_PQC_ERR_INPUT);
    assert_int_equal(mid.nblocks, 0xAAAAAAAAAAAAAAAAull);
}

static void test_sha512_snapshot(void **state)
{
    (void)state;
    for (size_t pre = 0; pre <= 256; pre += 128) {
        struct ch_sha512 st;
        struct ch_sha512_mid mid;
        ch_sha512_init(&st);
        ch_sha512_update(&st, msg, pre);
        assert_int_equal(ch_sha512_snapshot(&st, &mid), CH_PQC_OK);
        for (size_t suf = 0; suf <= 300; suf += 7) {
            uint8_t a[64], b[64];
            struct ch_sha512 r;
            ch_sha512_resume(&r, &mid);
            ch_sha512_update(&r, msg + pre, suf);
            ch_sha512_final(&r, a);
            ossl_digest(EVP_sha512(), msg, pre + suf, b);
            assert_memory_equal(a, b, 64);
        }
    }
    struct ch_sha512 st;
    struct ch_sha512_mid mid;
    ch_sha512_init(&st);
    ch_sha512_update(&st, msg, 127);
    assert_int_equal(ch_sha512_snapshot(&st, &mid), CH_PQC_ERR_INPUT);
}

static void test_hmac(void **state)
{
    (void)state;
    static const size_t keylens[] = {0, 1, 16, 32, 63, 64, 65, 127, 128, 129, 200};
    for (size_t k = 0; k < sizeof keylens / sizeof keylens[0]; k++) {
        for (size_t len = 0; len <= 300; len += 13) {
            uint8_t a[64], b[64];
            unsigned int blen = 0;
            const uint8_t *key = msg + 500;
            ch_hmac_sha256(a, key, keylens[k], msg, len);
            assert_non_null(HMAC(EVP_sha256(), key, (int)keylens[k], msg, len, b, &blen));
            assert_int_equal(blen, 32);
            assert_memory_equal(a, b, 32);
            ch_hmac_sha512(a, key, keylens[k], msg, len);
            assert_non_null(HMAC(EVP_sha512(), key, (int)keylens[k], msg, len, b, &blen));
            assert_int_equal(blen, 64);
            assert_memory_equal(a, b, 64);
        }
    }
    /* a wrong key gives another tag */
    uint8_t a[32], b[32];
    ch_hmac_sha256(a, msg, 16, msg + 100, 50);
    ch_hmac_sha256(b, msg + 1, 16, msg + 100, 50);
    assert_memory_not_equal(a, b, 32);
}

/* MGF1 written out by hand with OpenSSL's digests. */
static void mgf1_ref(const EVP_MD *md, size_t hlen, uint8_t *out, size_t outlen,
                     const uint8_t *seed, size_t seedlen)
{
    uint8_t buf[400], d[64];
    memcpy(buf, seed, seedlen);
    for (uint32_t i = 0; outlen > 0; i++) {
        buf[seedlen] = (uint8_t)(i >> 24);
        buf[seedlen + 1] = (uint8_t)(i >> 16);
        buf[seedlen + 2] = (uint8_t)(i >> 8);
        buf[seedlen + 3] = (uint8_t)i;
        ossl_digest(md, buf, seedlen + 4, d);
        size_t take = outlen < hlen ? outlen : hlen;
        memcpy(out, d, take);
        out += take;
        outlen -= take;
    }
}

static void test_mgf1(void **state)
{
    (void)state;
    uint8_t a[300], b[300];
    for (size_t outlen = 0; outlen <= 300; outlen += 11) {
        for (size_t seedlen = 0; seedlen <= 130; seedlen += 26) {
            ch_mgf1_sha256(a, outlen, msg, seedlen);
            mgf1_ref(EVP_sha256(), 32, b, outlen, msg, seedlen);
            assert_memory_equal(a, b, outlen);
            ch_mgf1_sha512(a, outlen, msg, seedlen);
            mgf1_ref(EVP_sha512(), 64, b, outlen, msg, seedlen);
            assert_memory_equal(a, b, outlen);
        }
    }
}

int main(void)
{
    fill();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_lengths),  cmocka_unit_test(test_sha512_lengths),
        cmocka_unit_test(test_truncated_variants),
        cmocka_unit_test(test_sha256_compress_paths),
        cmocka_unit_test(test_sha256_compress_x4),
        cmocka_unit_test(test_sha512_compress_x4), cmocka_unit_test(test_sha256_snapshot),
        cmocka_unit_test(test_sha512_snapshot), cmocka_unit_test(test_hmac),
        cmocka_unit_test(test_mgf1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
