/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/crypto/crypto_hmac.c: RFC 4231 test cases 1, 2 and 6 (SHA-224/256/384/
 * 512), empty key, incremental + dup, rekey/restart reuse of one context, argument errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "crypto_test.h"

struct hmac_kat {
    enum ch_hash h;
    const char *key_hex;
    const char *msg;
    const char *mac;
};

/* RFC 4231 §4.2 (case 1), §4.3 (case 2), §4.7 (case 6). */
#define K1 "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
#define K6 /* 131 bytes of 0xaa */                                                           \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
static const struct hmac_kat kat[] = {
    {CH_HASH_SHA224, K1, "Hi There", "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22"},
    {CH_HASH_SHA256, K1, "Hi There",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {CH_HASH_SHA384, K1, "Hi There",
     "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2f"
     "a9cb6"},
    {CH_HASH_SHA512, K1, "Hi There",
     "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea"
     "3f4e4be9d914eeb61f1702e696c203a126854"},
    {CH_HASH_SHA256, "4a656665", "what do ya want for nothing?",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {CH_HASH_SHA256, K6, "Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
};

static void test_rfc4231(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
        uint8_t key[256];
        uint8_t mac[CH_HASH_MAX_LEN];
        size_t klen = ch_t_unhex(key, sizeof(key), kat[i].key_hex);
        size_t n = ch_crypto_hash_len(kat[i].h);

        assert_int_equal(ch_crypto_hmac(kat[i].h, key, klen, (const uint8_t *)kat[i].msg,
                                        strlen(kat[i].msg), mac),
                         CKR_OK);
        ch_t_expect_hex(mac, n, kat[i].mac);
    }
}

static void test_dup_and_reuse(void **state)
{
    struct ch_hmac *a = NULL;
    struct ch_hmac *b = NULL;
    uint8_t key[20];
    uint8_t ma[32];
    uint8_t mb[32];
    (void)state;

    ch_t_unhex(key, sizeof(key), K1);
    assert_int_equal(ch_crypto_hmac_new(CH_HASH_SHA256, key, sizeof(key), &a), CKR_OK);
    assert_int_equal(ch_crypto_hmac_update(a, (const uint8_t *)"Hi ", 3), CKR_OK);
    assert_int_equal(ch_crypto_hmac_dup(a, &b), CKR_OK);
    assert_int_equal(ch_crypto_hmac_update(a, (const uint8_t *)"There", 5), CKR_OK);
    assert_int_equal(ch_crypto_hmac_update(b, (const uint8_t *)"There", 5), CKR_OK);
    assert_int_equal(ch_crypto_hmac_final(a, ma), CKR_OK);
    assert_int_equal(ch_crypto_hmac_final(b, mb), CKR_OK);
    ch_t_expect_hex(ma, 32, kat[1].mac);
    assert_memory_equal(ma, mb, 32);

    /* restart: same key, new message. */
    assert_int_equal(ch_crypto_hmac_restart(b), CKR_OK);
    assert_int_equal(ch_crypto_hmac_update(b, (const uint8_t *)"Hi There", 8), CKR_OK);
    assert_int_equal(ch_crypto_hmac_final(b, mb), CKR_OK);
    ch_t_expect_hex(mb, 32, kat[1].mac);

    /* rekey: the "Jefe" vector through the same context. */
    assert_int_equal(ch_crypto_hmac_rekey(b, (const uint8_t *)"Jefe", 4), CKR_OK);
    assert_int_equal(ch_crypto_hmac_update(b, (const uint8_t *)kat[4].msg, strlen(kat[4].msg)),
                     CKR_OK);
    assert_int_equal(ch_crypto_hmac_final(b, mb), CKR_OK);
    ch_t_expect_hex(mb, 32, kat[4].mac);
    /* A dup is independent of its origin: freeing one leaves the other working. */
    ch_crypto_hmac_free(a);
    assert_int_equal(ch_crypto_hmac_restart(b), CKR_OK);
    assert_int_equal(ch_crypto_hmac_final(b, mb), CKR_OK);
    ch_crypto_hmac_free(b);
    ch_crypto_hmac_free(NULL);
}

static void test_empty_key(void **state)
{
    uint8_t a[32];
    uint8_t b[32];
    uint8_t zero[64] = {0};
    (void)state;

    /* FIPS 198-1: an empty key is padded with zeros, so it equals a 64-byte zero key. */
    assert_int_equal(ch_crypto_hmac(CH_HASH_SHA256, NULL, 0, (const uint8_t *)"x", 1, a), CKR_OK);
    assert_int_equal(ch_crypto_hmac(CH_HASH_SHA256, zero, sizeof(zero), (const uint8_t *)"x", 1, b),
                     CKR_OK);
    assert_memory_equal(a, b, 32);
    assert_int_equal(ch_crypto_hmac(CH_HASH_SHA256, zero, 1, NULL, 0, b), CKR_OK);
}

static void test_vec(void **state)
{
    struct ch_hmac *m = NULL;
    uint8_t key[20];
    uint8_t mac[32];
    const struct ch_iov parts[] = {
        {(const uint8_t *)"Hi", 2}, {NULL, 0}, {(const uint8_t *)" There", 6}};
    (void)state;

    ch_t_unhex(key, sizeof(key), K1);
    assert_int_equal(ch_crypto_hmac_new(CH_HASH_SHA256, (const uint8_t *)"other", 5, &m), CKR_OK);
    assert_int_equal(ch_crypto_hmac_vec(m, key, sizeof(key), parts, 3, mac), CKR_OK);
    ch_t_expect_hex(mac, 32, kat[1].mac);
    /* key == NULL keeps the key just set. */
    memset(mac, 0, sizeof(mac));
    assert_int_equal(ch_crypto_hmac_vec(m, NULL, 0, parts, 3, mac), CKR_OK);
    ch_t_expect_hex(mac, 32, kat[1].mac);
    /* Empty message under the "Jefe" key equals the one-shot. */
    uint8_t one[32];
    assert_int_equal(ch_crypto_hmac_vec(m, (const uint8_t *)"Jefe", 4, NULL, 0, mac), CKR_OK);
    assert_int_equal(ch_crypto_hmac(CH_HASH_SHA256, (const uint8_t *)"Jefe", 4, NULL, 0, one),
                     CKR_OK);
    assert_memory_equal(mac, one, 32);
    const struct ch_iov bad[] = {{NULL, 3}};
    assert_int_equal(ch_crypto_hmac_vec(m, NULL, 0, bad, 1, mac), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_hmac_vec(m, NULL, 0, NULL, 1, mac), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_hmac_vec(m, NULL, 0, parts, 3, NULL), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_hmac_vec(NULL, NULL, 0, parts, 3, mac), CKR_ARGUMENTS_BAD);
    ch_crypto_hmac_free(m);
}

static void test_bad_args(void **state)
{
    struct ch_hmac *m = NULL;
    uint8_t out[64] = {0};
    (void)state;

    assert_int_equal(ch_crypto_hmac_new(CH_HASH_NONE, out, 1, &m), CKR_MECHANISM_INVALID);
    assert_null(m);
    assert_int_equal(ch_crypto_hmac_new(CH_HASH_SHA256, NULL, 4, &m), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_hmac_new(CH_HASH_SHA256, out, 4, NULL), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_hmac(CH_HASH_SHA256, out, 4, NULL, 3, out), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_hmac(CH_HASH_SHA256, out, 4, out, 3, NULL), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_hmac_update(NULL, out, 1), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_hmac_final(NULL, out), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_hmac_rekey(NULL, out, 1), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_hmac_restart(NULL), CKR_ARGUMENTS_BAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4231),
        cmocka_unit_test(test_dup_and_reuse),
        cmocka_unit_test(test_empty_key),
        cmocka_unit_test(test_vec),
        cmocka_unit_test(test_bad_args),
    };
    return cmocka_run_group_tests(tests, ch_t_crypto_setup, ch_t_crypto_teardown);
}
