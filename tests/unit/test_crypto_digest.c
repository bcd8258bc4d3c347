/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/crypto/crypto_ctx.c and crypto_digest.c: known digests (FIPS 180-4 /
 * FIPS 202 example values for "abc" and ""), incremental vs one-shot, dup, argument errors,
 * and the error-queue hygiene promised by crypto_int.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>

#include "crypto/crypto.h"
#include "crypto_test.h"

static const struct {
    enum ch_hash h;
    const char *msg;
    const char *md;
} kat[] = {
    {CH_HASH_SHA1, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
    {CH_HASH_SHA224, "", "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f"},
    {CH_HASH_SHA256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {CH_HASH_SHA384, "abc",
     "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca1"
     "34c825a7"},
    {CH_HASH_SHA512, "abc",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3f"
     "eebbd454d4423643ce80e2a9ac94fa54ca49f"},
    {CH_HASH_SHA512_256, "abc",
     "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"},
    {CH_HASH_SHA3_256, "abc",
     "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"},
    {CH_HASH_SHA3_512, "abc",
     "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec5764"
     "7e3934057340b4cf408d5a56592f8274eec53f0"},
};

static void test_known_digests(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
        uint8_t md[CH_HASH_MAX_LEN];
        size_t n = ch_crypto_hash_len(kat[i].h);
        struct ch_digest *d = NULL;

        assert_int_equal(ch_crypto_hash(kat[i].h, (const uint8_t *)kat[i].msg,
                                        strlen(kat[i].msg), md),
                         CKR_OK);
        ch_t_expect_hex(md, n, kat[i].md);

        /* Incremental, one byte at a time. */
        memset(md, 0, sizeof(md));
        assert_int_equal(ch_crypto_digest_new(kat[i].h, &d), CKR_OK);
        for (size_t j = 0; j < strlen(kat[i].msg); j++)
            assert_int_equal(ch_crypto_digest_update(d, (const uint8_t *)kat[i].msg + j, 1),
                             CKR_OK);
        assert_int_equal(ch_crypto_digest_update(d, NULL, 0), CKR_OK);
        assert_int_equal(ch_crypto_digest_final(d, md), CKR_OK);
        ch_crypto_digest_free(d);
        ch_t_expect_hex(md, n, kat[i].md);
    }
}

static void test_lengths(void **state)
{
    (void)state;
    assert_int_equal(ch_crypto_hash_len(CH_HASH_SHA1), 20);
    assert_int_equal(ch_crypto_hash_len(CH_HASH_SHA512_224), 28);
    assert_int_equal(ch_crypto_hash_len(CH_HASH_SHA3_384), 48);
    assert_int_equal(ch_crypto_hash_len(CH_HASH_NONE), 0);
    assert_int_equal(ch_crypto_hash_len(CH_HASH_COUNT_), 0);
    assert_int_equal(ch_crypto_hash_block_len(CH_HASH_SHA256), 64);
    assert_int_equal(ch_crypto_hash_block_len(CH_HASH_SHA384), 128);
    assert_int_equal(ch_crypto_hash_block_len(CH_HASH_SHA3_256), 136);
}

static void test_dup(void **state)
{
    struct ch_digest *a = NULL;
    struct ch_digest *b = NULL;
    uint8_t ma[32];
    uint8_t mb[32];
    (void)state;

    assert_int_equal(ch_crypto_digest_new(CH_HASH_SHA256, &a), CKR_OK);
    assert_int_equal(ch_crypto_digest_update(a, (const uint8_t *)"ab", 2), CKR_OK);
    assert_int_equal(ch_crypto_digest_dup(a, &b), CKR_OK);
    /* Both continue independently from the same state. */
    assert_int_equal(ch_crypto_digest_update(a, (const uint8_t *)"c", 1), CKR_OK);
    assert_int_equal(ch_crypto_digest_update(b, (const uint8_t *)"d", 1), CKR_OK);
    assert_int_equal(ch_crypto_digest_final(a, ma), CKR_OK);
    assert_int_equal(ch_crypto_digest_final(b, mb), CKR_OK);
    ch_t_expect_hex(ma, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(ch_crypto_hash(CH_HASH_SHA256, (const uint8_t *)"abd", 3, ma), CKR_OK);
    assert_memory_equal(ma, mb, 32);
    ch_crypto_digest_free(a);
    ch_crypto_digest_free(b);
    ch_crypto_digest_free(NULL);
}

static void test_bad_args(void **state)
{
    struct ch_digest *d = (struct ch_digest *)&d;
    uint8_t md[CH_HASH_MAX_LEN];
    (void)state;

    assert_int_equal(ch_crypto_digest_new(CH_HASH_NONE, &d), CKR_MECHANISM_INVALID);
    assert_null(d);
    assert_int_equal(ch_crypto_digest_new(CH_HASH_COUNT_, &d), CKR_MECHANISM_INVALID);
    assert_int_equal(ch_crypto_digest_new(CH_HASH_SHA256, NULL), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_hash(CH_HASH_SHA256, NULL, 1, md), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_hash(CH_HASH_SHA256, NULL, 0, NULL), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_hash((enum ch_hash)99, (const uint8_t *)"a", 1, md),
                     CKR_MECHANISM_INVALID);
    assert_int_equal(ch_crypto_digest_update(NULL, md, 1), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_crypto_digest_final(NULL, md), CKR_ARGUMENTS_BAD);
}

static void test_not_initialised(void **state)
{
    struct ch_digest *d = NULL;
    uint8_t md[32];
    (void)state;

    ch_crypto_fini();
    assert_null(ch_crypto_libctx());
    assert_int_equal(ch_crypto_digest_new(CH_HASH_SHA256, &d), CKR_GENERAL_ERROR);
    assert_int_equal(ch_crypto_hash(CH_HASH_SHA256, md, 0, md), CKR_GENERAL_ERROR);
    assert_int_equal(ch_crypto_init(), CKR_OK);
    assert_int_equal(ch_crypto_init(), CKR_OK); /* idempotent */
    assert_non_null(ch_crypto_libctx());
    assert_int_equal(ch_crypto_hash(CH_HASH_SHA256, md, 0, md), CKR_OK);
}

/* A failing call must not add to, nor swallow, the host application's error queue. */
static void test_error_queue(void **state)
{
    uint8_t key[32] = {0};
    uint8_t iv[12] = {0};
    uint8_t tag[16] = {0};
    uint8_t ct[4] = {1, 2, 3, 4};
    uint8_t pt[4];
    unsigned long host = ERR_PACK(ERR_LIB_USER, 0, 42);
    (void)state;

    ERR_clear_error();
    ERR_put_error(ERR_LIB_USER, 0, 42, __FILE__, __LINE__);
    assert_int_equal(ch_crypto_aes256gcm_open(key, iv, NULL, 0, ct, sizeof(ct), tag, pt),
                     CKR_ENCRYPTED_DATA_INVALID);
    assert_int_equal(ch_crypto_pbkdf2(CH_HASH_SHA256, NULL, 0, NULL, 0, 1, pt, sizeof(pt)),
                     CKR_OK);
    assert_int_equal(ERR_get_error(), host);
    assert_int_equal(ERR_get_error(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_digests), cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_dup),           cmocka_unit_test(test_bad_args),
        cmocka_unit_test(test_not_initialised), cmocka_unit_test(test_error_queue),
    };
    return cmocka_run_group_tests(tests, ch_t_crypto_setup, ch_t_crypto_teardown);
}
