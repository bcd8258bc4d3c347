/* SPDX-License-Identifier: Apache-2.0 */
/* src/crypto: the only place in src/ that includes OpenSSL headers. Everything runs in the
 * module's private OSSL_LIB_CTX so the host application's OpenSSL configuration (which may
 * load a PKCS#11 provider itself) never recurses into us. No PKCS#11 policy here: callers
 * decide what is allowed, this layer computes. Return codes are CK_RV. */
#ifndef CH_CRYPTO_H
#define CH_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "craton_hsm/pkcs11.h"
#include "util/check.h"

/* ---- library context ---------------------------------------------------------------------- */

/* Create the private library context and fetch the algorithms used on hot paths.
 * Idempotent; CKR_OK, CKR_HOST_MEMORY, CKR_GENERAL_ERROR. Not thread-safe against itself:
 * called under the module's init lock. */
CH_MUST_CHECK CK_RV ch_crypto_init(void);
/* Free the context (C_Finalize, or a fork child's re-initialisation). */
void ch_crypto_fini(void);
/* The private library context, as an opaque pointer (OSSL_LIB_CTX *) for other src/crypto
 * files. */
void *ch_crypto_libctx(void);

/* ---- digests ------------------------------------------------------------------------------ */

enum ch_hash {
    CH_HASH_NONE = 0,
    CH_HASH_SHA1,
    CH_HASH_SHA224,
    CH_HASH_SHA256,
    CH_HASH_SHA384,
    CH_HASH_SHA512,
    CH_HASH_SHA512_224,
    CH_HASH_SHA512_256,
    CH_HASH_SHA3_224,
    CH_HASH_SHA3_256,
    CH_HASH_SHA3_384,
    CH_HASH_SHA3_512,
    CH_HASH_COUNT_
};
#define CH_HASH_MAX_LEN 64

/* Output length in bytes (0 for CH_HASH_NONE or out of range). */
size_t ch_crypto_hash_len(enum ch_hash h);
/* Block length in bytes (HMAC's). */
size_t ch_crypto_hash_block_len(enum ch_hash h);

/* A running digest. Opaque, heap allocated. */
struct ch_digest;
CH_MUST_CHECK CK_RV ch_crypto_digest_new(enum ch_hash h, struct ch_digest **out);
CH_MUST_CHECK CK_RV ch_crypto_digest_update(struct ch_digest *d, const uint8_t *in, size_t len);
/* Writes ch_crypto_hash_len(h) bytes to out; the digest cannot be updated afterwards. */
CH_MUST_CHECK CK_RV ch_crypto_digest_final(struct ch_digest *d, uint8_t *out);
CH_MUST_CHECK CK_RV ch_crypto_digest_dup(const struct ch_digest *d, struct ch_digest **out);
void ch_crypto_digest_free(struct ch_digest *d); /* NULL-safe */
/* One shot. */
CH_MUST_CHECK CK_RV ch_crypto_hash(enum ch_hash h, const uint8_t *in, size_t len, uint8_t *out);

/* ---- HMAC --------------------------------------------------------------------------------- */

struct ch_hmac;
CH_MUST_CHECK CK_RV ch_crypto_hmac_new(enum ch_hash h, const uint8_t *key, size_t key_len,
                                       struct ch_hmac **out);
CH_MUST_CHECK CK_RV ch_crypto_hmac_update(struct ch_hmac *m, const uint8_t *in, size_t len);
/* Writes ch_crypto_hash_len(h) bytes. */
CH_MUST_CHECK CK_RV ch_crypto_hmac_final(struct ch_hmac *m, uint8_t *out);
CH_MUST_CHECK CK_RV ch_crypto_hmac_dup(const struct ch_hmac *m, struct ch_hmac **out);
void ch_crypto_hmac_free(struct ch_hmac *m); /* NULL-safe, wipes the key schedule */
CH_MUST_CHECK CK_RV ch_crypto_hmac(enum ch_hash h, const uint8_t *key, size_t key_len,
                                   const uint8_t *in, size_t len, uint8_t *out);
/* Start a new message under a new key (same hash), reusing the context: no allocation. Used
 * by the HMAC_DRBG, whose Update function changes the key twice per call. */
CH_MUST_CHECK CK_RV ch_crypto_hmac_rekey(struct ch_hmac *m, const uint8_t *key, size_t key_len);
/* Start a new message under the current key (after final, or to discard input). */
CH_MUST_CHECK CK_RV ch_crypto_hmac_restart(struct ch_hmac *m);

/* ---- AES-256-GCM sealing (token store) ----------------------------------------------------- */

#define CH_GCM_IV_LEN 12
#define CH_GCM_TAG_LEN 16
/* ct has pt_len bytes; tag 16 bytes. aad may be NULL when aad_len == 0. */
CH_MUST_CHECK CK_RV ch_crypto_aes256gcm_seal(const uint8_t key[32], const uint8_t iv[12],
                                             const uint8_t *aad, size_t aad_len,
                                             const uint8_t *pt, size_t pt_len, uint8_t *ct,
                                             uint8_t tag[16]);
/* CKR_OK, or CKR_ENCRYPTED_DATA_INVALID when the tag does not verify (pt is then wiped). */
CH_MUST_CHECK CK_RV ch_crypto_aes256gcm_open(const uint8_t key[32], const uint8_t iv[12],
                                             const uint8_t *aad, size_t aad_len,
                                             const uint8_t *ct, size_t ct_len,
                                             const uint8_t tag[16], uint8_t *pt);

/* ---- PBKDF2 ------------------------------------------------------------------------------- */

CH_MUST_CHECK CK_RV ch_crypto_pbkdf2(enum ch_hash h, const uint8_t *pass, size_t pass_len,
                                     const uint8_t *salt, size_t salt_len, uint32_t iterations,
                                     uint8_t *out, size_t out_len);

/* ---- OpenSSL's own randomness in the private context --------------------------------------- */

/* ch_crypto_init makes a built-in EVP_RAND the seed source and primary/public/private DRBG
 * type of the private library context; it draws from `fn` (src/fips registers the module
 * DRBG, ch_drbg_generate). Until a source is set, OpenSSL randomness in the context fails
 * (key generation returns an error rather than using another generator). fn must be
 * thread-safe; NULL unregisters. */
void ch_crypto_rand_set_source(CK_RV (*fn)(uint8_t *out, size_t len));
/* RAND_bytes_ex / RAND_priv_bytes_ex (priv) on the private context: for tests and for
 * checking the wiring above. CKR_OK or CKR_FUNCTION_FAILED (out wiped). */
CH_MUST_CHECK CK_RV ch_crypto_random_bytes(uint8_t *out, size_t len, bool priv);

#endif
