/* SPDX-License-Identifier: Apache-2.0 */
/* Test support (never shipped): what the src/crypto unit tests share — hex known-answer
 * helpers (cmocka assertions) and a group set-up that starts and stops the crypto context. */
#ifndef CH_CRYPTO_TEST_H
#define CH_CRYPTO_TEST_H

#include <stddef.h>
#include <stdint.h>

/* Decode hex into out (at most cap bytes; the test fails otherwise); returns the length. */
size_t ch_t_unhex(uint8_t *out, size_t cap, const char *hex);
/* Assert that got[0..n) equals the hex string (of n bytes, at most 256). */
void ch_t_expect_hex(const uint8_t *got, size_t n, const char *hex);
/* cmocka group set-up / tear-down: ch_crypto_init / ch_crypto_fini. */
int ch_t_crypto_setup(void **state);
int ch_t_crypto_teardown(void **state);

#endif
