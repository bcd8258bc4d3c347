/* SPDX-License-Identifier: Apache-2.0 */
/* src/fips: power-on self-tests, the module integrity check, the SP 800-90A HMAC_DRBG that
 * serves every random byte of the module, pairwise-consistency helpers and the error state.
 * Uses src/crypto and src/pqc; knows nothing of sessions or objects. */
#ifndef CH_FIPS_H
#define CH_FIPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "craton_hsm/pkcs11.h"
#include "util/check.h"

/* ---- HMAC_DRBG core (SP 800-90A Rev. 1 §10.1.2, SHA-256 and the other SHA modes) ----------- */

#define CH_DRBG_MAX_OUTLEN 64 /* bytes: SHA-512's */

/* Caller-owned state for the deterministic core: the ACVP tests drive it with given entropy. */
struct ch_hmac_drbg {
    int hash;                        /* enum ch_hash */
    size_t outlen;                   /* bytes */
    uint8_t key[CH_DRBG_MAX_OUTLEN]; /* K */
    uint8_t v[CH_DRBG_MAX_OUTLEN];   /* V */
    uint64_t reseed_counter;
};
/* §10.1.2.3 Instantiate: seed_material = entropy || nonce || perso. */
CH_MUST_CHECK CK_RV ch_hmac_drbg_instantiate(struct ch_hmac_drbg *d, int hash,
                                             const uint8_t *entropy, size_t entropy_len,
                                             const uint8_t *nonce, size_t nonce_len,
                                             const uint8_t *perso, size_t perso_len);
/* §10.1.2.4 Reseed. */
CH_MUST_CHECK CK_RV ch_hmac_drbg_reseed(struct ch_hmac_drbg *d, const uint8_t *entropy,
                                        size_t entropy_len, const uint8_t *add, size_t add_len);
/* §10.1.2.5 Generate (no internal reseed; the caller handles prediction resistance). */
CH_MUST_CHECK CK_RV ch_hmac_drbg_generate(struct ch_hmac_drbg *d, uint8_t *out, size_t out_len,
                                          const uint8_t *add, size_t add_len);
void ch_hmac_drbg_clear(struct ch_hmac_drbg *d);

/* ---- the module DRBG ---------------------------------------------------------------------- */

/* Instantiate the module DRBG (HMAC_DRBG SHA-256, prediction resistance: every request reseeds
 * from getrandom()). Thread-safe after this returns. Detects fork() by PID and reseeds in the
 * child so it never repeats the parent's stream. */
CH_MUST_CHECK CK_RV ch_drbg_init(void);
void ch_drbg_fini(void);
/* Fill out with len random bytes. Continuous health test on the entropy source and outputs;
 * a failure enters the error state and returns CKR_FUNCTION_FAILED. */
CH_MUST_CHECK CK_RV ch_drbg_generate(uint8_t *out, size_t len);
/* C_SeedRandom: mix caller bytes in as additional input (never replaces entropy). */
CH_MUST_CHECK CK_RV ch_drbg_seed(const uint8_t *in, size_t len);

/* ---- self-tests and the error state -------------------------------------------------------- */

/* Integrity check of the module file, then known-answer tests of every algorithm family.
 * On failure enters the error state and returns CKR_GENERAL_ERROR. */
CH_MUST_CHECK CK_RV ch_fips_post(void);
/* One result line per test for `craton-hsm-admin selftest`: calls cb(name, rv, arg) each. */
CK_RV ch_fips_post_report(void (*cb)(const char *name, CK_RV rv, void *arg), void *arg);
bool ch_fips_in_error(void);
/* Enter the error state (no crypto runs afterwards until re-initialisation). `why` is a fixed
 * string without secrets. */
void ch_fips_set_error(const char *why);
const char *ch_fips_error_reason(void);
/* Leave the error state: only C_Initialize does this, after a successful POST. */
void ch_fips_reset(void);

#endif
