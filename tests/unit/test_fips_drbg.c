/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/fips/fips_drbg.c: the deterministic core's argument checks and limits,
 * and the module DRBG: outputs differ, requests larger than the SP 800-90A maximum are split,
 * a fork child's stream differs from the parent's, C_SeedRandom mixing, the error state stops
 * generation, and OpenSSL's randomness in our library context (RAND_bytes, EC key generation)
 * comes from the module DRBG: it fails once the DRBG is gone. Built with -DCH_TESTING: a fake
 * entropy source drives the continuous health tests into failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto/crypto.h"
#include "fips/fips.h"

static int setup(void **state)
{
    (void)state;
    return ch_drbg_init() == CKR_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ch_drbg_fini();
    ch_crypto_fini();
    return 0;
}

static void test_core_args(void **state)
{
    struct ch_hmac_drbg d = {0};
    uint8_t e[64] = {1};
    uint8_t out[64];
    (void)state;

    /* Entropy below the security strength (SHA-256: 32 bytes) is refused. */
    assert_int_equal(ch_hmac_drbg_instantiate(&d, CH_HASH_SHA256, e, 31, NULL, 0, NULL, 0),
                     CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_hmac_drbg_instantiate(&d, CH_HASH_NONE, e, 32, NULL, 0, NULL, 0),
                     CKR_MECHANISM_INVALID);
    assert_int_equal(ch_hmac_drbg_generate(&d, out, 16, NULL, 0), CKR_ARGUMENTS_BAD);
    /* SHA-1's strength is 128 bits. */
    assert_int_equal(ch_hmac_drbg_instantiate(&d, CH_HASH_SHA1, e, 16, NULL, 0, NULL, 0), CKR_OK);
    assert_int_equal(ch_hmac_drbg_reseed(&d, e, 15, NULL, 0), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_hmac_drbg_generate(&d, out, sizeof(out), NULL, 0), CKR_OK);
    /* Over the per-request maximum. */
    assert_int_equal(ch_hmac_drbg_generate(&d, out, CH_DRBG_MAX_REQUEST_BYTES + 1, NULL, 0),
                     CKR_ARGUMENTS_BAD);
    /* Re-instantiation replaces the state (no leak: ASan build checks). */
    assert_int_equal(ch_hmac_drbg_instantiate(&d, CH_HASH_SHA512, e, 64, e, 8, NULL, 0), CKR_OK);
    assert_int_equal(d.outlen, 64);
    ch_hmac_drbg_clear(&d);
    assert_null(d.mac);
    ch_hmac_drbg_clear(&d);
    ch_hmac_drbg_clear(NULL);
}

static void test_core_deterministic(void **state)
{
    struct ch_hmac_drbg a = {0};
    struct ch_hmac_drbg b = {0};
    uint8_t e[32];
    uint8_t oa[100];
    uint8_t ob[100];
    (void)state;

    memset(e, 0x42, sizeof(e));
    assert_int_equal(ch_hmac_drbg_instantiate(&a, CH_HASH_SHA256, e, 32, NULL, 0, NULL, 0), CKR_OK);
    assert_int_equal(ch_hmac_drbg_instantiate(&b, CH_HASH_SHA256, e, 32, NULL, 0, NULL, 0), CKR_OK);
    assert_int_equal(ch_hmac_drbg_generate(&a, oa, sizeof(oa), NULL, 0), CKR_OK);
    assert_int_equal(ch_hmac_drbg_generate(&b, ob, sizeof(ob), NULL, 0), CKR_OK);
    assert_memory_equal(oa, ob, sizeof(oa));
    /* Additional input changes the stream. */
    assert_int_equal(ch_hmac_drbg_generate(&a, oa, sizeof(oa), NULL, 0), CKR_OK);
    assert_int_equal(ch_hmac_drbg_generate(&b, ob, sizeof(ob), (const uint8_t *)"x", 1), CKR_OK);
    assert_memory_not_equal(oa, ob, sizeof(oa));
    ch_hmac_drbg_clear(&a);
    ch_hmac_drbg_clear(&b);
}

static void test_outputs_differ(void **state)
{
    uint8_t a[48];
    uint8_t b[48];
    (void)state;

    assert_int_equal(ch_drbg_generate(a, sizeof(a)), CKR_OK);
    assert_int_equal(ch_drbg_generate(b, sizeof(b)), CKR_OK);
    assert_memory_not_equal(a, b, sizeof(a));
    assert_int_equal(ch_drbg_generate(NULL, 0), CKR_OK);
    assert_int_equal(ch_drbg_generate(NULL, 1), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_drbg_init(), CKR_OK); /* idempotent */
}

static void test_large_request(void **state)
{
    static uint8_t big[3 * 65536 + 100];
    size_t n = sizeof(big);
    (void)state;

    memset(big, 0, n);
    assert_int_equal(ch_drbg_generate(big, n), CKR_OK);
    /* Each 64 KiB part is its own request: the parts differ, and the tail was written. */
    assert_memory_not_equal(big, big + 65536, 64);
    assert_memory_not_equal(big + 65536, big + 2 * 65536, 64);
    static const uint8_t zero[100];
    assert_memory_not_equal(big + 3 * 65536, zero, sizeof(zero));
}

static void test_fork_child_differs(void **state)
{
    uint8_t parent[32];
    uint8_t child[32];
    int fds[2];
    pid_t pid;
    int status = 0;
    (void)state;

    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        uint8_t c[32];
        close(fds[0]);
        if (ch_drbg_generate(c, sizeof(c)) != CKR_OK)
            _exit(2);
        _exit(write(fds[1], c, sizeof(c)) == (ssize_t)sizeof(c) ? 0 : 3);
    }
    close(fds[1]);
    assert_int_equal(ch_drbg_generate(parent, sizeof(parent)), CKR_OK);
    assert_int_equal(read(fds[0], child, sizeof(child)), (ssize_t)sizeof(child));
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_memory_not_equal(parent, child, sizeof(parent));
}

static void test_seed(void **state)
{
    uint8_t a[32];
    (void)state;

    assert_int_equal(ch_drbg_seed((const uint8_t *)"application seed", 16), CKR_OK);
    assert_int_equal(ch_drbg_seed(NULL, 0), CKR_OK);
    assert_int_equal(ch_drbg_seed(NULL, 5), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_drbg_generate(a, sizeof(a)), CKR_OK);
}

/* OpenSSL inside our private library context draws from the module DRBG. */
static void test_openssl_uses_module_drbg(void **state)
{
    OSSL_LIB_CTX *libctx = ch_crypto_libctx();
    uint8_t a[32];
    uint8_t b[32];
    EVP_PKEY *pk = NULL;
    (void)state;

    assert_int_equal(ch_crypto_random_bytes(a, sizeof(a), false), CKR_OK);
    assert_int_equal(ch_crypto_random_bytes(b, sizeof(b), true), CKR_OK);
    assert_memory_not_equal(a, b, sizeof(a));
    pk = EVP_PKEY_Q_keygen(libctx, NULL, "EC", "P-256");
    assert_non_null(pk);
    EVP_PKEY_free(pk);
    pk = EVP_PKEY_Q_keygen(libctx, NULL, "RSA", (size_t)1024);
    assert_non_null(pk);
    EVP_PKEY_free(pk);

    /* OpenSSL's DRBGs in our context are seeded only from the module DRBG: without it, a
     * prediction-resistant request (which must reseed from the seed source) fails. */
    EVP_RAND_CTX *primary = RAND_get0_primary(libctx);
    assert_non_null(primary);
    assert_int_equal(EVP_RAND_reseed(primary, 1, NULL, 0, NULL, 0), 1);
    ch_drbg_fini();
    assert_int_not_equal(EVP_RAND_reseed(primary, 1, NULL, 0, NULL, 0), 1);
    assert_int_equal(ch_drbg_generate(a, sizeof(a)), CKR_GENERAL_ERROR);
    assert_int_equal(ch_drbg_init(), CKR_OK);
    assert_int_equal(ch_crypto_random_bytes(a, sizeof(a), true), CKR_OK);
}

static void test_error_state_stops_generation(void **state)
{
    uint8_t a[16];
    (void)state;

    ch_fips_set_error("test: simulated health-test failure");
    assert_true(ch_fips_in_error());
    memset(a, 0xAA, sizeof(a));
    assert_int_equal(ch_drbg_generate(a, sizeof(a)), CKR_FUNCTION_FAILED);
    static const uint8_t zero[16];
    assert_memory_equal(a, zero, sizeof(a));
    /* OpenSSL's chained DRBGs cannot reseed from us in the error state either. */
    assert_int_not_equal(EVP_RAND_reseed(RAND_get0_primary(ch_crypto_libctx()), 1, NULL, 0, NULL, 0),
                         1);
    ch_fips_reset();
    assert_int_equal(ch_drbg_generate(a, sizeof(a)), CKR_OK);
}

/* ---- continuous health tests, with a scripted entropy source -------------------------------- */

static uint8_t script[32];
static unsigned script_calls;
static bool script_fail;

static CK_RV scripted_entropy(uint8_t *buf, size_t len)
{
    script_calls++;
    if (script_fail)
        return CKR_FUNCTION_FAILED;
    for (size_t i = 0; i < len; i++)
        buf[i] = script[i % sizeof(script)];
    /* Vary the block between calls (so only what a test sets up can repeat). */
    buf[0] = (uint8_t)(0x80 | (script_calls & 0x7f));
    return CKR_OK;
}

static void expect_health_failure(const char *reason)
{
    uint8_t out[16];
    memset(out, 0xAA, sizeof(out));
    assert_int_equal(ch_drbg_generate(out, sizeof(out)), CKR_FUNCTION_FAILED);
    assert_true(ch_fips_in_error());
    assert_string_equal(ch_fips_error_reason(), reason);
    static const uint8_t zero[16];
    assert_memory_equal(out, zero, sizeof(out));
    ch_fips_reset();
}

static void test_health_rct(void **state)
{
    uint8_t out[16];
    (void)state;

    /* Distinct bytes with one run of 10 equal bytes: under the cutoff (11). */
    for (size_t i = 0; i < sizeof(script); i++)
        script[i] = (uint8_t)(i + 1);
    memset(script + 10, 0x33, 10);
    ch_drbg_test_set_entropy(scripted_entropy);
    assert_int_equal(ch_drbg_generate(out, sizeof(out)), CKR_OK);
    assert_int_equal(ch_drbg_generate(out, sizeof(out)), CKR_OK);
    /* A run of 11: the Repetition Count Test fires. */
    memset(script + 10, 0x33, 11);
    expect_health_failure("DRBG entropy source failed its continuous health test");
    /* A stuck source (all zero after the first byte) too. */
    memset(script, 0, sizeof(script));
    expect_health_failure("DRBG entropy source failed its continuous health test");
    ch_drbg_test_set_entropy(NULL);
    assert_int_equal(ch_drbg_generate(out, sizeof(out)), CKR_OK);
}

static CK_RV same_block(uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(i * 37 + 11);
    return CKR_OK;
}

static void test_health_repeated_block(void **state)
{
    uint8_t out[16];
    (void)state;

    /* The first block from this source is accepted; the identical second one is not. */
    ch_drbg_test_set_entropy(same_block);
    assert_int_equal(ch_drbg_generate(out, sizeof(out)), CKR_OK);
    expect_health_failure("DRBG entropy source failed its continuous health test");
    ch_drbg_test_set_entropy(NULL);
}

static void test_entropy_source_error(void **state)
{
    (void)state;
    script_fail = true;
    ch_drbg_test_set_entropy(scripted_entropy);
    expect_health_failure("DRBG entropy source (getrandom) failed");
    assert_int_equal(ch_drbg_seed((const uint8_t *)"x", 1), CKR_FUNCTION_FAILED);
    ch_fips_reset();
    script_fail = false;
    ch_drbg_test_set_entropy(NULL);
}

/* Many threads at once: every call succeeds and no two outputs collide. */
#include <pthread.h>
#define THREADS 4
#define PER_THREAD 200
static uint8_t thread_out[THREADS][PER_THREAD][16];

static void *thread_main(void *arg)
{
    uint8_t(*mine)[16] = thread_out[(size_t)arg];
    for (int i = 0; i < PER_THREAD; i++)
        if (ch_drbg_generate(mine[i], 16) != CKR_OK)
            return (void *)1;
    return NULL;
}

static void test_threads(void **state)
{
    pthread_t t[THREADS];
    (void)state;

    for (size_t i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, thread_main, (void *)i), 0);
    for (size_t i = 0; i < THREADS; i++) {
        void *r = (void *)1;
        assert_int_equal(pthread_join(t[i], &r), 0);
        assert_null(r);
    }
    /* Compare each output with the others' first 8 bytes (a cheap all-pairs check). */
    uint8_t *all = &thread_out[0][0][0];
    size_t n = THREADS * PER_THREAD;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            assert_memory_not_equal(all + 16 * i, all + 16 * j, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core_args),
        cmocka_unit_test(test_core_deterministic),
        cmocka_unit_test(test_outputs_differ),
        cmocka_unit_test(test_large_request),
        cmocka_unit_test(test_fork_child_differs),
        cmocka_unit_test(test_seed),
        cmocka_unit_test(test_openssl_uses_module_drbg),
        cmocka_unit_test(test_error_state_stops_generation),
        cmocka_unit_test(test_health_rct),
        cmocka_unit_test(test_health_repeated_block),
        cmocka_unit_test(test_entropy_source_error),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
