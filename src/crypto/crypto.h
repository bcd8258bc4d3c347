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
/* A gather list for ch_crypto_hmac_vec. */
struct ch_iov {
    const uint8_t *p; /* may be NULL when n == 0 */
    size_t n;
};
/* One whole MAC on an existing context, in one call (one error-queue bracket instead of one
 * per step): new key (or key == NULL: keep the current one), message = the n_iov pieces
 * concatenated, result to out (ch_crypto_hash_len bytes; wiped on failure). Same codes as
 * ch_crypto_hmac_update/final. For the HMAC_DRBG hot path. */
CH_MUST_CHECK CK_RV ch_crypto_hmac_vec(struct ch_hmac *m, const uint8_t *key, size_t key_len,
                                       const struct ch_iov *iov, size_t n_iov, uint8_t *out);

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

/* ---- public-key algorithms (crypto_pkey.c; helper pubkey) ---------------------------------
 * RSA, ECDSA/ECDH on P-256/384/521, Ed25519/Ed448, X25519/X448 over EVP_PKEY in the private
 * context. A struct ch_pkey is built once per key object and shared by reference (the key's
 * mechanism cache holds one reference, each running operation another); it also keeps
 * prepared EVP_PKEY_CTX templates that each operation duplicates instead of re-fetching. */

enum ch_pk_type {
    CH_PK_NONE = 0,
    CH_PK_RSA,
    CH_PK_EC,
    CH_PK_ED25519,
    CH_PK_ED448,
    CH_PK_X25519,
    CH_PK_X448,
};

enum ch_curve { CH_CURVE_NONE = 0, CH_CURVE_P256, CH_CURVE_P384, CH_CURVE_P521 };

/* RSA components in PKCS#1 order (RFC 8017 §3.1-3.2), big-endian unsigned. */
enum ch_rsa_part {
    CH_RSA_N = 0,
    CH_RSA_E,
    CH_RSA_D,
    CH_RSA_P,
    CH_RSA_Q,
    CH_RSA_DP,
    CH_RSA_DQ,
    CH_RSA_QINV,
    CH_RSA_PARTS_
};

struct ch_pk_bytes {
    const uint8_t *p;
    size_t len;
};

#define CH_PK_MAX_RSA_BITS 16384
#define CH_PK_MAX_SIG 2048 /* bytes: RSA-16384 */

struct ch_pkey;

/* Build from components. RSA: n and e required; d makes it private; p, q, dp, dq, qinv all or
 * none. EC: `point` (uncompressed or compressed SEC1 octets, checked on the curve) and/or the
 * private scalar `priv` (big-endian, any length up to the order's). Raw types (Ed/X):
 * RFC 8032/7748 encodings. CKR_OK, CKR_ATTRIBUTE_VALUE_INVALID for malformed material,
 * CKR_HOST_MEMORY, CKR_GENERAL_ERROR. */
CH_MUST_CHECK CK_RV ch_crypto_pkey_rsa_new(const struct ch_pk_bytes parts[CH_RSA_PARTS_],
                                           struct ch_pkey **out);
CH_MUST_CHECK CK_RV ch_crypto_pkey_ec_new(enum ch_curve c, const uint8_t *point, size_t point_len,
                                          const uint8_t *priv, size_t priv_len,
                                          struct ch_pkey **out);
CH_MUST_CHECK CK_RV ch_crypto_pkey_raw_new(enum ch_pk_type t, const uint8_t *pub, size_t pub_len,
                                           const uint8_t *priv, size_t priv_len,
                                           struct ch_pkey **out);
/* Generate. RSA: bits in [512, CH_PK_MAX_RSA_BITS], e odd > 1 (NULL: 65537). Policy limits
 * (e.g. >= 2048 bits) are the caller's. CKR_OK, CKR_KEY_SIZE_RANGE,
 * CKR_ATTRIBUTE_VALUE_INVALID (exponent), CKR_HOST_MEMORY, CKR_FUNCTION_FAILED. */
CH_MUST_CHECK CK_RV ch_crypto_pkey_generate(enum ch_pk_type t, enum ch_curve c, size_t bits,
                                            const uint8_t *e, size_t e_len, struct ch_pkey **out);
struct ch_pkey *ch_crypto_pkey_ref(struct ch_pkey *k);
void ch_crypto_pkey_free(struct ch_pkey *k); /* drops one reference; NULL-safe */

enum ch_pk_type ch_crypto_pkey_type(const struct ch_pkey *k);
bool ch_crypto_pkey_is_private(const struct ch_pkey *k);
size_t ch_crypto_pkey_bits(const struct ch_pkey *k); /* modulus / order bits */
/* Signature length (RSA k, ECDSA 2 * order bytes, EdDSA 64/114) = RSA ciphertext length. */
size_t ch_crypto_pkey_size(const struct ch_pkey *k);
/* Shared-secret length of ch_crypto_pkey_derive (field bytes; X25519 32, X448 56). */
size_t ch_crypto_pkey_secret_len(const struct ch_pkey *k);

/* Components, written with the size convention of ch_mech_out_check (out NULL: *len = need):
 * CKR_OK, CKR_BUFFER_TOO_SMALL, CKR_KEY_FUNCTION_NOT_PERMITTED (not present). */
enum ch_pk_comp {
    CH_PKC_RSA = 0,         /* + enum ch_rsa_part */
    CH_PKC_EC_POINT = 16,   /* uncompressed SEC1 point */
    CH_PKC_EC_PRIV,         /* scalar, order bytes */
    CH_PKC_RAW_PUB,         /* Ed/X public key */
    CH_PKC_RAW_PRIV,        /* Ed/X private key */
    CH_PKC_SPKI,            /* SubjectPublicKeyInfo DER (RFC 5280 §4.1) */
};
CH_MUST_CHECK CK_RV ch_crypto_pkey_get(const struct ch_pkey *k, int comp, uint8_t *out,
                                       size_t *len);

/* Validation of imported material: EC point on the curve and in the subgroup, RSA n/e sanity,
 * private parts consistent (EVP_PKEY_check: p*q = n, d*e = 1 mod lambda(n), CRT values),
 * Ed/X public part matching the private. CKR_OK or CKR_ATTRIBUTE_VALUE_INVALID. */
CH_MUST_CHECK CK_RV ch_crypto_pkey_check(const struct ch_pkey *k);
/* Pairwise-consistency test of a private key (FIPS 140-3 IG 10.3.A): sign+verify for signature
 * keys, encrypt/decrypt for RSA, recomputed public value for X25519/X448. CKR_OK or
 * CKR_GENERAL_ERROR. */
CH_MUST_CHECK CK_RV ch_crypto_pkey_pct(const struct ch_pkey *k);
/* The pairwise-consistency test of a key pair generated for key agreement only (never used to
 * sign): SP 800-56A rev3 §5.6.2.1.4 (b), the public key recomputed from the private key and
 * compared (EC: Q == d*G, one fixed-base multiplication; X25519/X448 as ch_crypto_pkey_pct).
 * Other key types get ch_crypto_pkey_pct. CKR_OK or CKR_GENERAL_ERROR. */
CH_MUST_CHECK CK_RV ch_crypto_pkey_pct_agreement(const struct ch_pkey *k);

/* Operation parameters. */
enum ch_pk_pad { CH_PAD_NONE = 0, CH_PAD_PKCS1, CH_PAD_PSS, CH_PAD_OAEP };
struct ch_pk_params {
    enum ch_pk_pad pad;
    enum ch_hash md;  /* PKCS#1 DigestInfo hash (NONE: input is the encoded block), PSS/OAEP hash */
    enum ch_hash mgf; /* MGF1 hash */
    size_t salt_len;  /* PSS */
    const uint8_t *label; /* OAEP */
    size_t label_len;
};

/* Sign `in` (RSA: the hash, or the DigestInfo/raw block for md NONE; ECDSA: the hash, output
 * r || s of 2 * order bytes (PKCS#11 3.0 §6.3.1); EdDSA: the message, pure mode). sig has room
 * for ch_crypto_pkey_size(k) bytes; *sig_len receives the length. CKR_DATA_LEN_RANGE,
 * CKR_DATA_INVALID (raw RSA input >= n), CKR_FUNCTION_FAILED. Output wiped on failure. */
CH_MUST_CHECK CK_RV ch_crypto_pkey_sign(struct ch_pkey *k, const struct ch_pk_params *p,
                                        const uint8_t *in, size_t in_len, uint8_t *sig,
                                        size_t *sig_len);
/* CKR_OK, CKR_SIGNATURE_INVALID, CKR_SIGNATURE_LEN_RANGE. */
CH_MUST_CHECK CK_RV ch_crypto_pkey_verify(struct ch_pkey *k, const struct ch_pk_params *p,
                                          const uint8_t *in, size_t in_len, const uint8_t *sig,
                                          size_t sig_len);
/* RSA only (PKCS1 without md, or NONE): out has room for ch_crypto_pkey_size(k) bytes.
 * CKR_SIGNATURE_INVALID, CKR_SIGNATURE_LEN_RANGE. */
CH_MUST_CHECK CK_RV ch_crypto_pkey_verify_recover(struct ch_pkey *k, const struct ch_pk_params *p,
                                                  const uint8_t *sig, size_t sig_len,
                                                  uint8_t *out, size_t *out_len);
/* RSA encryption (PKCS1, OAEP, NONE). out has room for ch_crypto_pkey_size(k) bytes.
 * CKR_DATA_LEN_RANGE, CKR_DATA_INVALID. */
CH_MUST_CHECK CK_RV ch_crypto_pkey_encrypt(struct ch_pkey *k, const struct ch_pk_params *p,
                                           const uint8_t *in, size_t in_len, uint8_t *out,
                                           size_t *out_len);
/* RSA decryption; out has room for ch_crypto_pkey_size(k) bytes. Every padding failure gives
 * the same CKR_ENCRYPTED_DATA_INVALID after the same work: PKCS#1 v1.5 is unpadded here in
 * constant time after a raw (blinded) RSA operation, since OpenSSL 3.0 has no implicit
 * rejection. CKR_ENCRYPTED_DATA_LEN_RANGE for a wrong-length input. */
CH_MUST_CHECK CK_RV ch_crypto_pkey_decrypt(struct ch_pkey *k, const struct ch_pk_params *p,
                                           const uint8_t *in, size_t in_len, uint8_t *out,
                                           size_t *out_len);
/* ECDH / X25519 / X448 (SP 800-56A §5.7.1.2; RFC 7748 §6): out has room for
 * ch_crypto_pkey_secret_len(k) bytes. The peer is a public key of the same curve, validated when
 * built. cofactor: the ECC CDH primitive (h = 1 on the NIST prime curves, so identical).
 * CKR_OK, CKR_KEY_TYPE_INCONSISTENT, CKR_FUNCTION_FAILED (e.g. an all-zero X25519 result). */
CH_MUST_CHECK CK_RV ch_crypto_pkey_derive(struct ch_pkey *k, struct ch_pkey *peer, bool cofactor,
                                          uint8_t *out, size_t *out_len);

/* One-step key derivation of NIST SP 800-56C rev2 §4.1 with a hash (the CKD_*_KDF_SP800 of
 * PKCS#11 3.2, CK_EC_KDF_TYPE): K(i) = H(counter_i || Z || FixedInfo), the 32-bit big-endian
 * counter from 1 (first, unlike the X9.63 KDF's H(Z || counter || SharedInfo)). z: the shared
 * secret (z_len > 0); info may be NULL when info_len == 0; writes out_len bytes. CKR_OK,
 * CKR_MECHANISM_PARAM_INVALID (hash), CKR_FUNCTION_FAILED (out wiped), CKR_HOST_MEMORY. */
CH_MUST_CHECK CK_RV ch_crypto_sskdf(enum ch_hash h, const uint8_t *z, size_t z_len,
                                    const uint8_t *info, size_t info_len, uint8_t *out,
                                    size_t out_len);

/* PKCS#8 PrivateKeyInfo (RFC 5208) of a private key; *der in ch_secmem. */
CH_MUST_CHECK CK_RV ch_crypto_pkey_to_pkcs8(const struct ch_pkey *k, uint8_t **der, size_t *len);
/* Decode PKCS#8: CKR_OK, CKR_WRAPPED_KEY_INVALID, CKR_KEY_TYPE_INCONSISTENT (an algorithm
 * or curve we do not serve). */
CH_MUST_CHECK CK_RV ch_crypto_pkey_from_pkcs8(const uint8_t *der, size_t len, struct ch_pkey **out);
enum ch_curve ch_crypto_pkey_curve(const struct ch_pkey *k);

/* ---- AES modes, key wrap, CMAC, HKDF (crypto_cipher.c; helper symmetric) -------------------
 * A struct ch_aes_key is built once per key object (the mechanism cache keeps one reference,
 * each running operation another): it holds the key bytes and, per mode and direction, an
 * EVP_CIPHER_CTX with the key schedule already expanded that each operation duplicates. */

enum ch_aes_mode {
    CH_AES_ECB = 0, /* SP 800-38A §6.1 */
    CH_AES_CBC,     /* SP 800-38A §6.2 (no padding here: the mechanism pads) */
    CH_AES_CTR,     /* SP 800-38A §6.5, full 128-bit big-endian increment */
    CH_AES_GCM,     /* SP 800-38D */
    CH_AES_CTS,     /* CBC with ciphertext stealing, CS3 (SP 800-38A Addendum), one update */
    CH_AES_XTS,     /* SP 800-38E / IEEE 1619: keys from ch_crypto_aes_xts_key_new only */
    CH_AES_MODE_COUNT_
};

struct ch_aes_key;
/* key_len 16, 24 or 32: CKR_OK, CKR_KEY_SIZE_RANGE, CKR_HOST_MEMORY. */
CH_MUST_CHECK CK_RV ch_crypto_aes_key_new(const uint8_t *key, size_t key_len,
                                          struct ch_aes_key **out);
/* An AES-XTS key (SP 800-38E): key_len 32 (AES-128-XTS) or 64 (AES-256-XTS), the data key
 * followed by the tweak key, usable only with CH_AES_XTS (and CH_AES_XTS only with it).
 * CKR_OK, CKR_KEY_SIZE_RANGE, CKR_ATTRIBUTE_VALUE_INVALID (the two halves are equal: IEEE
 * 1619-2007 §5.1 / FIPS 140-3 IG C.I; compared in constant time), CKR_HOST_MEMORY. */
CH_MUST_CHECK CK_RV ch_crypto_aes_xts_key_new(const uint8_t *key, size_t key_len,
                                              struct ch_aes_key **out);
/* The largest XTS data unit OpenSSL processes in one call: 2^20 blocks (SP 800-38E §4,
 * IEEE 1619-2018 §5.1). */
#define CH_AES_XTS_MAX_UNIT ((size_t)1 << 24)
struct ch_aes_key *ch_crypto_aes_key_ref(struct ch_aes_key *k);
void ch_crypto_aes_key_free(struct ch_aes_key *k); /* drops one reference; NULL-safe; wipes */
size_t ch_crypto_aes_key_len(const struct ch_aes_key *k);

/* A running cipher (one message). iv: ECB none, CBC/CTR/CTS 16 bytes, GCM 1..128 bytes, XTS
 * the 16-byte tweak (data unit sequence number). */
struct ch_aes;
CH_MUST_CHECK CK_RV ch_crypto_aes_start(struct ch_aes_key *k, enum ch_aes_mode m, bool enc,
                                        const uint8_t *iv, size_t iv_len, struct ch_aes **out);
CH_MUST_CHECK CK_RV ch_crypto_aes_dup(const struct ch_aes *c, struct ch_aes **out);
/* GCM additional data, before any update. */
CH_MUST_CHECK CK_RV ch_crypto_aes_aad(struct ch_aes *c, const uint8_t *aad, size_t len);
/* Writes exactly len bytes to out (ECB/CBC: len a multiple of 16; CTS: the whole message,
 * >= 16 bytes, in one call; XTS: one whole data unit of 16..CH_AES_XTS_MAX_UNIT bytes per
 * call, each call starting again at the tweak). out may alias in. */
CH_MUST_CHECK CK_RV ch_crypto_aes_update(struct ch_aes *c, const uint8_t *in, size_t len,
                                         uint8_t *out);
/* GCM encryption: the tag's first tag_len (1..16) bytes. */
CH_MUST_CHECK CK_RV ch_crypto_aes_gcm_tag(struct ch_aes *c, uint8_t *tag, size_t tag_len);
/* GCM decryption: CKR_OK or CKR_ENCRYPTED_DATA_INVALID (compared in constant time). */
CH_MUST_CHECK CK_RV ch_crypto_aes_gcm_check(struct ch_aes *c, const uint8_t *tag, size_t tag_len);
void ch_crypto_aes_free(struct ch_aes *c); /* NULL-safe, wipes */

/* AES key wrap (RFC 3394 §2.2, pad = false; RFC 5649 §4, pad = true) with iv NULL (the default
 * IV / AIV) or 8 (KW) / 4 (KWP) bytes. Wrap output: in_len + 8 (KW: in_len % 8 == 0, >= 16),
 * round_up(in_len, 8) + 8 (KWP: in_len >= 1). Unwrap output <= in_len - 8. out has room for
 * that; *out_len receives the length. CKR_DATA_LEN_RANGE (wrap input), CKR_WRAPPED_KEY_LEN_RANGE,
 * CKR_WRAPPED_KEY_INVALID (integrity check failed; out wiped). */
CH_MUST_CHECK CK_RV ch_crypto_aes_wrap(const struct ch_aes_key *k, bool pad, bool wrap,
                                       const uint8_t *iv, size_t iv_len, const uint8_t *in,
                                       size_t in_len, uint8_t *out, size_t *out_len);

/* AES-CCM (SP 800-38C) in one call: nonce 7..13 bytes, tag 4..16 bytes (even). Encryption
 * writes len bytes to out and the tag to tag; decryption checks tag (constant time, OpenSSL)
 * and returns CKR_ENCRYPTED_DATA_INVALID with out wiped when it does not verify. */
CH_MUST_CHECK CK_RV ch_crypto_aes_ccm(const struct ch_aes_key *k, bool enc, const uint8_t *nonce,
                                      size_t nonce_len, const uint8_t *aad, size_t aad_len,
                                      const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag,
                                      size_t tag_len);

/* AES-CMAC (SP 800-38B), 16-byte output. */
struct ch_cmac;
CH_MUST_CHECK CK_RV ch_crypto_cmac_new(const uint8_t *key, size_t key_len, struct ch_cmac **out);
CH_MUST_CHECK CK_RV ch_crypto_cmac_update(struct ch_cmac *m, const uint8_t *in, size_t len);
CH_MUST_CHECK CK_RV ch_crypto_cmac_final(struct ch_cmac *m, uint8_t out[16]);
void ch_crypto_cmac_free(struct ch_cmac *m); /* NULL-safe */

/* HKDF (RFC 5869 §2.2-2.3). Extract only: out_len = hash length, out = PRK. Expand only: key is
 * the PRK, out_len <= 255 * hash length. CKR_OK, CKR_KEY_SIZE_RANGE (out_len), CKR_FUNCTION_FAILED. */
enum ch_hkdf_mode { CH_HKDF_BOTH = 0, CH_HKDF_EXTRACT, CH_HKDF_EXPAND };
CH_MUST_CHECK CK_RV ch_crypto_hkdf(enum ch_hash h, enum ch_hkdf_mode mode, const uint8_t *key,
                                   size_t key_len, const uint8_t *salt, size_t salt_len,
                                   const uint8_t *info, size_t info_len, uint8_t *out,
                                   size_t out_len);

/* ---- ChaCha20 and ChaCha20-Poly1305 (crypto_aead.c; helper symmetric) ---------------------
 * RFC 8439 over OpenSSL's "ChaCha20" and "ChaCha20-Poly1305". A struct ch_chacha_key holds the
 * 256-bit key (ch_secmem) and prepared contexts; each message copies one and sets its IV. It is
 * reference counted and thread-safe (the key's mechanism cache keeps one reference, each
 * running operation another). */

#define CH_CHACHA_KEY_LEN 32
#define CH_CHACHA_NONCE_LEN 12 /* the AEAD's nonce (RFC 8439 §2.8) */
#define CH_CHACHA_TAG_LEN 16

struct ch_chacha_key;
/* CKR_OK, CKR_HOST_MEMORY. The key is copied. */
CH_MUST_CHECK CK_RV ch_crypto_chacha_key_new(const uint8_t key[CH_CHACHA_KEY_LEN],
                                             struct ch_chacha_key **out);
struct ch_chacha_key *ch_crypto_chacha_key_ref(struct ch_chacha_key *k);
void ch_crypto_chacha_key_free(struct ch_chacha_key *k); /* drops one reference; NULL-safe; wipes */

/* A running ChaCha20-Poly1305 message (aead) or ChaCha20 key stream (!aead).
 * aead: iv is the 12-byte nonce; enc chooses sealing or opening.
 * !aead: iv is 16 bytes, the four state words 12..15 as OpenSSL takes them: the block counter
 * (little-endian; 4 bytes with a 12-byte nonce as in RFC 8439 §2.3, or 8 bytes with an 8-byte
 * nonce as in the original ChaCha20), then the nonce. OpenSSL carries a 32-bit counter overflow
 * into word 13: callers of the RFC 8439 layout must keep the counter from wrapping.
 * CKR_OK, CKR_ARGUMENTS_BAD, CKR_HOST_MEMORY, CKR_GENERAL_ERROR. */
struct ch_chacha;
CH_MUST_CHECK CK_RV ch_crypto_chacha_start(struct ch_chacha_key *k, bool aead, bool enc,
                                           const uint8_t *iv, size_t iv_len,
                                           struct ch_chacha **out);
/* AEAD additional data, before any update (may be called more than once). */
CH_MUST_CHECK CK_RV ch_crypto_chacha_aad(struct ch_chacha *c, const uint8_t *aad, size_t len);
/* Streams: writes exactly len bytes to out; out may alias in. */
CH_MUST_CHECK CK_RV ch_crypto_chacha_update(struct ch_chacha *c, const uint8_t *in, size_t len,
                                            uint8_t *out);
/* AEAD sealing: the 16-byte tag (RFC 8439 §2.8 step "tag = Poly1305(...)"). */
CH_MUST_CHECK CK_RV ch_crypto_chacha_tag(struct ch_chacha *c, uint8_t tag[CH_CHACHA_TAG_LEN]);
/* AEAD opening: CKR_OK or CKR_ENCRYPTED_DATA_INVALID (OpenSSL compares in constant time). The
 * caller must not release what update wrote before this returns CKR_OK. */
CH_MUST_CHECK CK_RV ch_crypto_chacha_check(struct ch_chacha *c,
                                           const uint8_t tag[CH_CHACHA_TAG_LEN]);
void ch_crypto_chacha_free(struct ch_chacha *c); /* NULL-safe */

#endif
