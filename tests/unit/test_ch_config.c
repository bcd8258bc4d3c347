/* SPDX-License-Identifier: Apache-2.0 */
/* Configuration loader: defaults, every kind of value, and the file:line:key error messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/ch_config.h"

static char path[64];

static int load_text(const char *text, struct ch_config *cfg, char *err, size_t cap)
{
    strcpy(path, "/tmp/ch-config-test-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    err[0] = '\0';
    int r = ch_config_load(path, cfg, err, cap);
    unlink(path);
    return r;
}

static void test_defaults(void **state)
{
    (void)state;
    struct ch_config c;
    char err[256];
    unsetenv("CRATON_HSM_CONFIG");
    assert_int_equal(ch_config_load(NULL, &c, err, sizeof(err)), 0);
    assert_int_equal(c.slot_count, 1);
    assert_int_equal(c.pbkdf2_iterations, 600000);
    assert_int_equal(c.max_failed_logins, 10);
    assert_int_equal(c.backoff_initial_ms, 100);
    assert_int_equal(c.backoff_max_ms, 5000);
    assert_false(c.allow_sha1_signing);
    assert_true(c.enable_pqc);
    assert_false(c.approved_only);
    assert_string_equal(c.source, "");
}

static void test_values(void **state)
{
    (void)state;
    struct ch_config c;
    char err[256];
    assert_int_equal(load_text("[storage]\ndir = \"/var/tmp/x\"\n[slots]\ncount = 256\n"
                               "[security]\nmax_failed_logins = 0\n[algorithms]\n"
                               "allow_sha1_signing = yes\nenable_pqc = off\n[fips]\n"
                               "approved_only = true\n[logging]\nlevel = debug\n",
                               &c, err, sizeof(err)),
                     0);
    assert_string_equal(c.storage_dir, "/var/tmp/x");
    assert_int_equal(c.slot_count, 256);
    assert_int_equal(c.max_failed_logins, 0);
    assert_true(c.allow_sha1_signing);
    assert_false(c.enable_pqc);
    assert_true(c.approved_only);
    assert_int_equal(c.log_level, CH_LOG_DEBUG);
    /* A relative storage dir is relative to the file's directory. */
    assert_int_equal(load_text("[storage]\ndir = tokens\n", &c, err, sizeof(err)), 0);
    assert_string_equal(c.storage_dir, "/tmp/tokens");
}

static void test_errors(void **state)
{
    (void)state;
    struct ch_config c;
    char err[256];
    assert_int_equal(load_text("[slots]\ncount = 257\n", &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ":2: [slots] count: expected an integer from 1 to 256"));
    assert_int_equal(load_text("\n\n[security]\nfoo = 1\n", &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ":4: [security] foo: unknown key"));
    assert_int_equal(load_text("[fips]\napproved_only = maybe\n", &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "expected true or false"));
    assert_int_equal(load_text("[security]\npbkdf2_iterations = 9999\n", &c, err, sizeof(err)), -1);
    assert_int_equal(load_text("[security]\npbkdf2_iterations = -5\n", &c, err, sizeof(err)), -1);
    assert_int_equal(load_text("[security]\nmin_pin_len = 9\nmax_pin_len = 8\n", &c, err,
                               sizeof(err)),
                     -1);
    assert_int_equal(load_text("[logging]\nlevel = loud\n", &c, err, sizeof(err)), -1);
    assert_int_equal(load_text("[storage\n", &c, err, sizeof(err)), -1);
    assert_int_equal(ch_config_load("/nonexistent/craton.conf", &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "cannot open configuration"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
