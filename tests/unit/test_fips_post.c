/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/fips/fips_post.c, fips_kat.c, fips_integrity.c and fips_state.c. Built
 * with -DCH_TESTING (the src/fips files are compiled into this test again) for the corruption
 * hook: a corrupted KAT makes POST fail and enter the error state. The integrity test is run
 * on temporary files with and without sidecars. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "fips/fips.h"

static int setup(void **state)
{
    (void)state;
    /* This executable has no sidecar: tolerate its absence (a present one is still checked). */
    setenv(CH_FIPS_SKIP_INTEGRITY_ENV, "1", 1);
    return ch_crypto_init() == CKR_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ch_crypto_fini();
    return 0;
}

struct seen {
    int count;
    int failed;
    char first_failed[64];
    bool integrity_skipped;
};

static void collect(const char *name, CK_RV rv, void *arg)
{
    struct seen *s = arg;
    s->count++;
    if (strstr(name, "module integrity (skipped") == name)
        s->integrity_skipped = true;
    if (rv != CKR_OK) {
        if (s->failed++ == 0)
            snprintf(s->first_failed, sizeof(s->first_failed), "%s", name);
    }
}

static void test_post_passes(void **state)
{
    struct seen s = {0};
    (void)state;

    ch_fips_test_corrupt(NULL);
    ch_fips_reset();
    assert_int_equal(ch_fips_post(), CKR_OK);
    assert_false(ch_fips_in_error());
    assert_string_equal(ch_fips_error_reason(), "");
    assert_int_equal(ch_fips_post_report(collect, &s), CKR_OK);
    assert_int_equal(s.failed, 0);
    assert_int_equal(s.count, 13); /* integrity + 9 classical KATs + 3 PQC KATs */
    assert_true(s.integrity_skipped);
}

static void expect_post_fails(const char *name, const char *reason)
{
    struct seen s = {0};

    ch_fips_test_corrupt(NULL);
    ch_fips_reset();
    ch_fips_test_corrupt(name);
    assert_int_equal(ch_fips_post_report(collect, &s), CKR_GENERAL_ERROR);
    assert_int_equal(s.failed, 1);
    assert_string_equal(s.first_failed, name);
    assert_true(ch_fips_in_error());
    assert_string_equal(ch_fips_error_reason(), reason);
    ch_fips_test_corrupt(NULL);
    ch_fips_reset();
}

static void test_corrupted_kats_fail(void **state)
{
    (void)state;
    expect_post_fails("SHA-256", "self-test failed: SHA-256 KAT");
    expect_post_fails("SHA3-256", "self-test failed: SHA3-256 KAT");
    expect_post_fails("AES-256-GCM decrypt", "self-test failed: AES-256-GCM decrypt KAT");
    expect_post_fails("HMAC_DRBG", "self-test failed: HMAC_DRBG KAT");
    expect_post_fails("PBKDF2-HMAC-SHA-256", "self-test failed: PBKDF2 KAT");
    expect_post_fails("ML-KEM-768 KAT", "self-test failed: ML-KEM-768");
    expect_post_fails("ML-DSA-65 KAT", "self-test failed: ML-DSA-65");
    expect_post_fails("SLH-DSA-SHA2-128f KAT", "self-test failed: SLH-DSA-SHA2-128f");
}

static void test_error_state_sticks(void **state)
{
    uint8_t buf[8];
    (void)state;

    ch_fips_test_corrupt("SHA-1");
    assert_int_equal(ch_fips_post(), CKR_GENERAL_ERROR);
    ch_fips_test_corrupt(NULL);
    /* A later passing POST does not leave the error state by itself: only reset does. */
    assert_int_equal(ch_fips_post(), CKR_OK);
    assert_true(ch_fips_in_error());
    /* The first reason is kept. */
    ch_fips_set_error("second failure");
    assert_string_equal(ch_fips_error_reason(), "self-test failed: SHA-1 KAT");
    assert_int_equal(ch_drbg_generate(buf, sizeof(buf)), CKR_FUNCTION_FAILED);
    ch_fips_reset();
    assert_false(ch_fips_in_error());
}

static void write_file(const char *path, const char *data)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, strlen(data), f), strlen(data));
    assert_int_equal(fclose(f), 0);
}

static void write_sidecar(const char *path, const uint8_t mac[32], const char *tail)
{
    char name[512];
    char hex[65 + 8];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    snprintf(hex + 64, sizeof(hex) - 64, "%s", tail);
    snprintf(name, sizeof(name), "%s.hmac", path);
    write_file(name, hex);
}

static void test_integrity_file(void **state)
{
    char dir[] = "/tmp/ch-fips-XXXXXX";
    char path[256];
    char side[270];
    uint8_t mac[32];
    (void)state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/libmodule.so", dir);
    snprintf(side, sizeof(side), "%s.hmac", path);
    write_file(path, "pretend this is an ELF file\n");

    /* Missing sidecar: its own code, so POST can excuse it with the environment variable. */
    assert_int_equal(ch_fips_integrity_check_file(path), CKR_DEVICE_ERROR);
    assert_int_equal(ch_fips_integrity_compute(path, mac), CKR_OK);
    write_sidecar(path, mac, "\n");
    assert_int_equal(ch_fips_integrity_check_file(path), CKR_OK);
    write_sidecar(path, mac, "");
    assert_int_equal(ch_fips_integrity_check_file(path), CKR_OK);
    /* Malformed sidecars. */
    write_sidecar(path, mac, "\nextra");
    assert_int_equal(ch_fips_integrity_check_file(path), CKR_FUNCTION_FAILED);
    write_file(side, "zz");
    assert_int_equal(ch_fips_integrity_check_file(path), CKR_FUNCTION_FAILED);
    /* A changed module (one byte) or a changed MAC is detected. */
    write_sidecar(path, mac, "\n");
    write_file(path, "pretend this is an ELF filE\n");
    assert_int_equal(ch_fips_integrity_check_file(path), CKR_FUNCTION_FAILED);
    write_file(path, "pretend this is an ELF file\n");
    mac[31] ^= 1;
    write_sidecar(path, mac, "\n");
    assert_int_equal(ch_fips_integrity_check_file(path), CKR_FUNCTION_FAILED);
    /* Unreadable module. */
    assert_int_equal(ch_fips_integrity_compute("/nonexistent/x", mac), CKR_FUNCTION_FAILED);
    assert_int_equal(ch_fips_integrity_check_file(NULL), CKR_ARGUMENTS_BAD);

    unlink(side);
    unlink(path);
    rmdir(dir);
}

static void test_integrity_required_without_env(void **state)
{
    (void)state;
    ch_fips_reset();
    unsetenv(CH_FIPS_SKIP_INTEGRITY_ENV);
    /* This test executable has no sidecar: POST must fail. */
    assert_int_equal(ch_fips_post(), CKR_GENERAL_ERROR);
    assert_string_equal(ch_fips_error_reason(), "self-test failed: module integrity");
    setenv(CH_FIPS_SKIP_INTEGRITY_ENV, "yes", 1); /* only "1" counts */
    ch_fips_reset();
    assert_int_equal(ch_fips_post(), CKR_GENERAL_ERROR);
    setenv(CH_FIPS_SKIP_INTEGRITY_ENV, "1", 1);
    ch_fips_reset();
    assert_int_equal(ch_fips_post(), CKR_OK);
}

/* With a sidecar next to this executable (the file dladdr names), POST passes without the
 * environment variable, and fails once the sidecar no longer matches. */
static void test_integrity_of_this_executable(void **state)
{
    char exe[1024];
    char side[1100];
    uint8_t mac[32];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    (void)state;

    assert_true(n > 0);
    exe[n] = '\0';
    snprintf(side, sizeof(side), "%s.hmac", exe);
    assert_int_equal(ch_fips_integrity_compute(exe, mac), CKR_OK);
    write_sidecar(exe, mac, "\n");
    unsetenv(CH_FIPS_SKIP_INTEGRITY_ENV);
    ch_fips_reset();
    assert_int_equal(ch_fips_post(), CKR_OK);
    mac[0] ^= 0x80;
    write_sidecar(exe, mac, "\n");
    /* A present but wrong sidecar fails even with the variable set. */
    setenv(CH_FIPS_SKIP_INTEGRITY_ENV, "1", 1);
    assert_int_equal(ch_fips_post(), CKR_GENERAL_ERROR);
    assert_string_equal(ch_fips_error_reason(), "self-test failed: module integrity");
    unlink(side);
    ch_fips_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_post_passes),
        cmocka_unit_test(test_corrupted_kats_fail),
        cmocka_unit_test(test_error_state_sticks),
        cmocka_unit_test(test_integrity_file),
        cmocka_unit_test(test_integrity_required_without_env),
        cmocka_unit_test(test_integrity_of_this_executable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
