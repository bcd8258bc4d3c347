/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/crypto/crypto_aead.c: AES-256-GCM known answers (McGrew & Viega, "The
 * Galois/Counter Mode of Operation", test cases 13, 14 and 16), round trips, and every kind
 * of tampering (ciphertext, tag, AAD, IV) -> CKR_ENCRYPTED_DATA_INVALID with pt wiped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "crypto_test.h"

#define TC16_K "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
#define TC16_IV "cafebabefacedbaddecaf888"
#define TC16_P                                                                                     \
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6" \
    "b525b16aedf5aa0de657ba637b39"
#define TC16_A "feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define TC16_C                                                                                     \
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b105682" \
    "8838c5f61e6393ba7a0abcc9f662"
#define TC16_T "76fc6ece0f4e1768cddf8853bb2d551b"

struct tc16 {
    uint8_t k[32], iv[12], p[60], a[20], c[60], t[16];
};

static void load16(struct tc16 *v)
{
    ch_t_unhex(v->k, 32, TC16_K);
    ch_t_unhex(v->iv, 12, TC16_IV);
    assert_int_equal(ch_t_unhex(v->p, 60, TC16_P), 60);
    ch_t_unhex(v->a, 20, TC16_A);
    ch_t_unhex(v->c, 60, TC16_C);
    ch_t_unhex(v->t, 16, TC16_T);
}

static void test_known_answers(void **state)
{
    uint8_t zero[32] = {0};
    uint8_t ct[60];
    uint8_t pt[60];
    uint8_t tag[16];
    struct tc16 v;
    (void)state;

    /* Test case 13: K = 0^256, IV = 0^96, no P, no A. */
    assert_int_equal(ch_crypto_aes256gcm_seal(zero, zero, NULL, 0, NULL, 0, NULL, tag), CKR_OK);
    ch_t_expect_hex(tag, 16, "530f8afbc74536b9a963b4f1c4cb738b");
    assert_int_equal(ch_crypto_aes256gcm_open(zero, zero, NULL, 0, NULL, 0, tag, NULL), CKR_OK);
    /* Test case 14: P = 0^128. */
    assert_int_equal(ch_crypto_aes256gcm_seal(zero, zero, NULL, 0, zero, 16, ct, tag), CKR_OK);
    ch_t_expect_hex(ct, 16, "cea7403d4d606b6e074ec5d3baf39d18");
    ch_t_expect_hex(tag, 16, "d0d1c8a799996bf0265b98b5d48ab919");
    /* Test case 16: 60-byte P with 20-byte A. */
    load16(&v);
    assert_int_equal(ch_crypto_aes256gcm_seal(v.k, v.iv, v.a, 20, v.p, 60, ct, tag), CKR_OK);
    assert_memory_equal(ct, v.c, 60);
    assert_memory_equal(tag, v.t, 16);
    assert_int_equal(ch_crypto_aes256gcm_open(v.k, v.iv, v.a, 20, v.c, 60, v.t, pt), CKR_OK);
    assert_memory_equal(pt, v.p, 60);
}

static void expect_reject(const struct tc16 *v, const uint8_t *k, const uint8_t *iv,
                          const uint8_t *a, size_t alen, const uint8_t *c, const uint8_t *t)
{
    uint8_t pt[60];
    uint8_t zero[60] = {0};

    memset(pt, 0xAA, sizeof(pt));
    assert_int_equal(ch_crypto_aes256gcm_open(k, iv, a, alen, c, 60, t, pt),
                     CKR_ENCRYPTED_DATA_INVALID);
    assert_memory_equal(pt, zero, sizeof(pt)); /* never a half-decrypted output */
    (void)v;
}

static void test_tamper(void **state)
{
    struct tc16 v;
    uint8_t x[60];
    (void)state;

    load16(&v);
    memcpy(x, v.c, 60);
    x[59] ^= 1;
    expect_reject(&v, v.k, v.iv, v.a, 20, x, v.t);
    memcpy(x, v.t, 16);
    x[0] ^= 0x80;
    expect_reject(&v, v.k, v.iv, v.a, 20, v.c, x);
    memcpy(x, v.a, 20);
    x[7] ^= 4;
    expect_reject(&v, v.k, v.iv, x, 20, v.c, v.t);
    expect_reject(&v, v.k, v.iv, v.a, 19, v.c, v.t); /* truncated AAD */
    expect_reject(&v, v.k, v.iv, NULL, 0, v.c, v.t);
    memcpy(x, v.iv, 12);
    x[11] ^= 1;
    expect_reject(&v, v.k, x, v.a, 20, v.c, v.t);
    memcpy(x, v.k, 32);
    x[31] ^= 1;
    expect_reject(&v, x, v.iv, v.a, 20, v.c, v.t);
}

static void test_round_trip_sizes(void **state)
{
    uint8_t key[32];
    uint8_t iv[12];
    uint8_t aad[37];
    uint8_t pt[1031];
    uint8_t ct[1031];
    uint8_t back[1031];
    uint8_t tag[16];
    static const size_t sizes[] = {1, 15, 16, 17, 255, 1031};
    (void)state;

    for (size_t i = 0; i < sizeof(key); i++)
        key[i] = (uint8_t)(i * 7 + 1);
    memset(iv, 0x5c, sizeof(iv));
    for (size_t i = 0; i < sizeof(pt); i++)
        pt[i] = (uint8_t)(i * 131 + 3);
    memset(aad, 0x11, sizeof(aad));
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t n = sizes[s];
        assert_int_equal(ch_crypto_aes256gcm_seal(key, iv, aad, sizeof(aad), pt, n, ct, tag),
                         CKR_OK);
        assert_memory_not_equal(ct, pt, n < 8 ? n : 8);
        assert_int_equal(ch_crypto_aes256gcm_open(key, iv, aad, sizeof(aad), ct, n, tag, back),
                         CKR_OK);
        assert_memory_equal(back, pt, n);
    }
}

static void test_bad_args(void **state)
{
    uint8_t b[32] = {0};
    (void)state;

    assert_int_equal(ch_crypto_aes256gcm_seal(NULL, b, NULL, 0, b, 1, b, b), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_aes256gcm_seal(b, b, NULL, 3, b, 1, b, b), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_aes256gcm_seal(b, b, NULL, 0, b, 1, NULL, b), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_aes256gcm_open(b, b, NULL, 0, b, 1, NULL, b), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_aes256gcm_open(b, b, NULL, 0, b, 1, b, NULL), CKR_ARGUMENTS_BAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_tamper),
        cmocka_unit_test(test_round_trip_sizes),
        cmocka_unit_test(test_bad_args),
    };
    return cmocka_run_group_tests(tests, ch_t_crypto_setup, ch_t_crypto_teardown);
}
