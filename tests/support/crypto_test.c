/* SPDX-License-Identifier: Apache-2.0 */
/* Test support: see crypto_test.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "crypto_test.h"

size_t ch_t_unhex(uint8_t *out, size_t cap, const char *hex)
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

void ch_t_expect_hex(const uint8_t *got, size_t n, const char *hex)
{
    uint8_t want[256];
    assert_int_equal(ch_t_unhex(want, sizeof(want), hex), n);
    assert_memory_equal(got, want, n);
}

int ch_t_crypto_setup(void **state)
{
    (void)state;
    return ch_crypto_init() == CKR_OK ? 0 : -1;
}

int ch_t_crypto_teardown(void **state)
{
    (void)state;
    ch_crypto_fini();
    return 0;
}
