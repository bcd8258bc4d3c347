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

struct ch_hmac; /* src/crypto */

/* Caller-owned state for the deterministic core: the ACVP tests drive it with given entropy.
 * Zero-initialise it ({0}) before the first instantiate; release with ch_hmac_drbg_clear. */
struct ch_hmac_drbg {
    int hash;                        /* enum ch_hash */
    size_t outlen;                   /* bytes */
    uint8_t key[CH_DRBG_MAX_OUTLEN]; /* K */
    uint8_t v[CH_DRBG_MAX_OUTLEN];   /* V */
    uint64_t reseed_counter;
    struct ch_hmac *mac; /* HMAC context, allocated by instantiate, reused (re-keyed) after */
};

/* SP 800-90A Table 2 limits for HMAC_DRBG. */
#define CH_DRBG_MAX_REQUEST_BYTES 65536u /* 2^19 bits per Generate */
#define CH_DRBG_MAX_INPUT_BYTES ((size_t)1 << 32) /* far below 2^35 bits; ours is smaller */
#define CH_DRBG_RESEED_INTERVAL ((uint64_t)1 << 48)

/* §10.1.2.3 Instantiate: seed_material = entropy || nonce || perso. `hash` is an enum ch_hash
 * (any SHA-1/SHA-2/SHA-3 mode); entropy must carry at least the mode's security strength
 * (SP 800-57: 128 bits for SHA-1, 192 for the 224-bit modes, 256 otherwise).
 * CKR_OK, CKR_ARGUMENTS_BAD, CKR_MECHANISM_INVALID, CKR_HOST_MEMORY, CKR_GENERAL_ERROR.
 * On failure d is cleared. Re-instantiating a live state clears it first. */
CH_MUST_CHECK CK_RV ch_hmac_drbg_instantiate(struct ch_hmac_drbg *d, int hash,
                                             const uint8_t *entropy, size_t entropy_len,
                                             const uint8_t *nonce, size_t nonce_len,
                                             const uint8_t *perso, size_t perso_len);
/* §10.1.2.4 Reseed. */
CH_MUST_CHECK CK_RV ch_hmac_drbg_reseed(struct ch_hmac_drbg *d, const uint8_t *entropy,
                                        size_t entropy_len, const uint8_t *add, size_t add_len);
/* §10.1.2.5 Generate (no internal reseed; the caller handles prediction resistance).
 * out_len <= CH_DRBG_MAX_REQUEST_BYTES; CKR_FUNCTION_FAILED once the reseed interval is
 * exhausted (the caller must reseed). On failure out is wiped. */
CH_MUST_CHECK CK_RV ch_hmac_drbg_generate(struct ch_hmac_drbg *d, uint8_t *out, size_t out_len,
                                          const uint8_t *add, size_t add_len);
/* Wipe K, V and free the HMAC context; NULL-safe, idempotent. */
void ch_hmac_drbg_clear(struct ch_hmac_drbg *d);

/* ---- the module DRBG ---------------------------------------------------------------------- */

/* Instantiate the module DRBG (HMAC_DRBG SHA-256, prediction resistance: every request reseeds
 * from getrandom()). Thread-safe after this returns. Detects fork() by PID and reseeds in the
 * child so it never repeats the parent's stream. */
CH_MUST_CHECK CK_RV ch_drbg_init(void);
/* Wipe and free the state; call before ch_crypto_fini (the state holds an HMAC context of the
 * private library context). Also unhooks OpenSSL's randomness in that context. */
void ch_drbg_fini(void);
/* Fill out with len random bytes (any length: split at CH_DRBG_MAX_REQUEST_BYTES, each part
 * reseeded). Continuous health test on the entropy source and outputs; a failure enters the
 * error state and returns CKR_FUNCTION_FAILED, as does any call in the error state.
 * CKR_GENERAL_ERROR if not instantiated. On failure the whole of out is wiped. */
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

/* ---- module integrity (FIPS 140-3 §7.10.2; IG 10.3.A allows a MAC with a fixed public key) -- */

/* The sidecar beside the module: "<module path>.hmac", one line of 64 lower-case hex digits,
 * the HMAC-SHA-256 of the module file's bytes under CH_FIPS_INTEGRITY_KEY. Written at build
 * time by tools/integrity/ch-integrity.c, checked by ch_fips_post. Stripping or otherwise
 * editing the installed module after the build invalidates it (by design). */
#define CH_FIPS_INTEGRITY_KEY "Craton HSM module integrity key, v1 (public by design)"
#define CH_FIPS_INTEGRITY_SUFFIX ".hmac"
/* Environment variable: "1" tolerates a MISSING sidecar (tests that link the static library
 * into an executable have no sidecar). A sidecar that exists is always checked. */
#define CH_FIPS_SKIP_INTEGRITY_ENV "CRATON_HSM_SKIP_INTEGRITY"
/* HMAC-SHA-256 of the file at path. CKR_OK, CKR_ARGUMENTS_BAD, CKR_FUNCTION_FAILED (I/O). */
CH_MUST_CHECK CK_RV ch_fips_integrity_compute(const char *path, uint8_t mac[32]);
/* Recompute and compare (constant time) with path's sidecar. CKR_OK; CKR_FUNCTION_FAILED on a
 * mismatch, unreadable file or malformed sidecar; CKR_DEVICE_ERROR when the sidecar is missing
 * (the caller decides whether CH_FIPS_SKIP_INTEGRITY_ENV excuses that). */
CH_MUST_CHECK CK_RV ch_fips_integrity_check_file(const char *path);

/* ---- pairwise-consistency tests (to come) --------------------------------------------------
 * FIPS 140-3 IG 10.3.A / SP 800-56A §5.6.2.1.4: every generated key pair must pass a PCT
 * before it is used or stored (sign/verify for RSA, ECDSA, EdDSA, ML-DSA, SLH-DSA; encaps/
 * decaps for ML-KEM; a failure calls ch_fips_set_error). They belong here (src/fips) as
 * ch_fips_pct_*() helpers called by src/mech after each key generation; not written yet. */

#ifdef CH_TESTING
/* Test-only: make the named self-test (as reported by ch_fips_post_report) compare against a
 * flipped expected value, so it fails. NULL clears all. Not compiled into the product. */
void ch_fips_test_corrupt(const char *name);
/* Test-only: replace the DRBG's entropy source (NULL restores getrandom) to exercise the
 * continuous health tests. */
void ch_drbg_test_set_entropy(CK_RV (*fn)(uint8_t *buf, size_t len));
#endif

#endif
