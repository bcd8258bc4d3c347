/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/crypto/crypto_kdf.c: PBKDF2-HMAC-SHA1 values of RFC 6070 §2 (the
 * 16,777,216-iteration case is left out: too slow for the unit suite), PBKDF2-HMAC-SHA256 from
 * RFC 7914 §11 (first case) and two more SHA-256 values cross-checked with `openssl kdf`;
 * small parameters accepted (OpenSSL's PKCS#5 lower bounds are off), argument errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "crypto_test.h"

struct pb_kat {
    enum ch_hash h;
    const char *pass;
    size_t pass_len;
    const char *salt;
    size_t salt_len;
    uint32_t iter;
    const char *dk;
};

static const struct pb_kat kat[] = {
    {CH_HASH_SHA1, "password", 8, "salt", 4, 1, "0c60c80f961f0e71f3a9b524af6012062fe037a6"},
    {CH_HASH_SHA1, "password", 8, "salt", 4, 2, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"},
    {CH_HASH_SHA1, "password", 8, "salt", 4, 4096, "4b007901b765489abead49d926f721d065a429c1"},
    {CH_HASH_SHA1, "passwordPASSWORDpassword", 24, "saltSALTsaltSALTsaltSALTsaltSALTsalt", 36,
     4096, "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"},
    {CH_HASH_SHA1, "pass\0word", 9, "sa\0lt", 5, 4096, "56fa6aa75548099dcc37d7f03425e0c3"},
    {CH_HASH_SHA256, "passwd", 6, "salt", 4, 1,
     "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b3"
     "9d77ef317c71b845b1e30bd509112041d3a19783"},
    {CH_HASH_SHA256, "password", 8, "salt", 4, 1,
     "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"},
    {CH_HASH_SHA256, "password", 8, "salt", 4, 4096,
     "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"},
};

static void test_known_values(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
        uint8_t dk[64];
        size_t n = strlen(kat[i].dk) / 2;
        assert_int_equal(ch_crypto_pbkdf2(kat[i].h, (const uint8_t *)kat[i].pass,
                                          kat[i].pass_len, (const uint8_t *)kat[i].salt,
                                          kat[i].salt_len, kat[i].iter, dk, n),
                         CKR_OK);
        ch_t_expect_hex(dk, n, kat[i].dk);
    }
}

static void test_prefix_property(void **state)
{
    uint8_t a[100];
    uint8_t b[10];
    (void)state;

    /* Longer outputs extend shorter ones (RFC 8018 §5.2: T_1 || T_2 || ...). */
    assert_int_equal(ch_crypto_pbkdf2(CH_HASH_SHA512, (const uint8_t *)"pw", 2,
                                      (const uint8_t *)"s", 1, 3, a, sizeof(a)),
                     CKR_OK);
    assert_int_equal(ch_crypto_pbkdf2(CH_HASH_SHA512, (const uint8_t *)"pw", 2,
                                      (const uint8_t *)"s", 1, 3, b, sizeof(b)),
                     CKR_OK);
    assert_memory_equal(a, b, sizeof(b));
    /* Empty password and salt are accepted (policy is not this layer's). */
    assert_int_equal(ch_crypto_pbkdf2(CH_HASH_SHA256, NULL, 0, NULL, 0, 1, b, sizeof(b)), CKR_OK);
}

static void test_bad_args(void **state)
{
    uint8_t out[32];
    (void)state;

    assert_int_equal(ch_crypto_pbkdf2(CH_HASH_SHA256, (const uint8_t *)"p", 1,
                                      (const uint8_t *)"s", 1, 0, out, sizeof(out)),
                     CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_pbkdf2(CH_HASH_SHA256, NULL, 1, (const uint8_t *)"s", 1, 1, out,
                                      sizeof(out)),
                     CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_pbkdf2(CH_HASH_SHA256, (const uint8_t *)"p", 1,
                                      (const uint8_t *)"s", 1, 1, NULL, 32),
                     CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_pbkdf2(CH_HASH_SHA256, (const uint8_t *)"p", 1,
                                      (const uint8_t *)"s", 1, 1, out, 0),
                     CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_pbkdf2(CH_HASH_NONE, (const uint8_t *)"p", 1,
                                      (const uint8_t *)"s", 1, 1, out, sizeof(out)),
                     CKR_MECHANISM_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_prefix_property),
        cmocka_unit_test(test_bad_args),
    };
    return cmocka_run_group_tests(tests, ch_t_crypto_setup, ch_t_crypto_teardown);
}
