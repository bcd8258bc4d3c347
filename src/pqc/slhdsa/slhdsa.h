/* SPDX-License-Identifier: Apache-2.0 */
/* SLH-DSA (FIPS 205): key generation, signing and verification for the twelve parameter sets,
 * internal (Alg. 18-20) and external (pure Alg. 22/24 and pre-hash Alg. 23/25) interfaces.
 * pqc layer: no PKCS#11 types, no OpenSSL, no randomness source (every random value is an
 * argument), no allocation. Not constant-time in public values only (indices taken from the
 * message digest are public); secrets (SK.seed, SK.prf, WOTS+/FORS secret values) are wiped
 * before every return. Thread-safe: no global state. */
#ifndef CH_SLHDSA_H
#define CH_SLHDSA_H

#include <stddef.h>
#include <stdint.h>

#include "pqc/common/pqc.h"
#include "pqc/slhdsa/slhdsa_params.h"

/* Pre-hash functions of HashSLH-DSA (FIPS 205 Alg. 23, lines 8-23: the four named there, and
 * the other approved hash functions of line 21 that PKCS#11 3.2 names in its
 * CKM_HASH_SLH_DSA_* mechanisms, plus SHA-512/224 and SHA-512/256). OIDs are
 * 2.16.840.1.101.3.4.2.x with the x given. */
enum ch_slhdsa_ph {
    CH_SLHDSA_PH_SHA256,      /* .1,  SHA-256(M), 32 bytes */
    CH_SLHDSA_PH_SHA512,      /* .3,  SHA-512(M), 64 bytes */
    CH_SLHDSA_PH_SHAKE128,    /* .11, SHAKE128(M, 256), 32 bytes */
    CH_SLHDSA_PH_SHAKE256,    /* .12, SHAKE256(M, 512), 64 bytes */
    CH_SLHDSA_PH_SHA224,      /* .4,  28 bytes */
    CH_SLHDSA_PH_SHA384,      /* .2,  48 bytes */
    CH_SLHDSA_PH_SHA512_224,  /* .5,  28 bytes */
    CH_SLHDSA_PH_SHA512_256,  /* .6,  32 bytes */
    CH_SLHDSA_PH_SHA3_224,    /* .7,  28 bytes */
    CH_SLHDSA_PH_SHA3_256,    /* .8,  32 bytes */
    CH_SLHDSA_PH_SHA3_384,    /* .9,  48 bytes */
    CH_SLHDSA_PH_SHA3_512,    /* .10, 64 bytes */
};

/* Digest length of a pre-hash function, 0 if unknown. */
size_t ch_slhdsa_ph_bytes(enum ch_slhdsa_ph ph);

/* Alg. 18 slh_keygen_internal (and Alg. 21 slh_keygen with the three random n-byte values
 * drawn by the caller). Writes sk (p->sk_bytes = SK.seed || SK.prf || PK.seed || PK.root) and
 * pk (p->pk_bytes = PK.seed || PK.root). Returns CH_PQC_OK, or CH_PQC_ERR_INPUT for a NULL
 * argument (outputs untouched). */
CH_PQC_MUST_CHECK int ch_slhdsa_keygen_internal(const struct ch_slhdsa_params *p,
                                                const uint8_t *sk_seed, const uint8_t *sk_prf,
                                                const uint8_t *pk_seed, uint8_t *sk, uint8_t *pk);

/* Consistency check of an imported private key: sk_len must be p->sk_bytes and PK.root (the
 * last n bytes) must be the root that Alg. 18 derives from SK.seed and PK.seed (costs one key
 * generation). CH_PQC_OK, or CH_PQC_ERR_INPUT for a wrong length, NULL or a mismatch. */
CH_PQC_MUST_CHECK int ch_slhdsa_check_sk(const struct ch_slhdsa_params *p, const uint8_t *sk,
                                         size_t sk_len);

/* Alg. 19 slh_sign_internal(M, SK, addrnd). sk is p->sk_bytes long. addrnd: n bytes of fresh
 * randomness (hedged), or NULL for the deterministic variant (opt_rand = PK.seed). Writes
 * exactly p->sig_bytes to sig; sig_cap is the space at sig. Returns CH_PQC_OK, or
 * CH_PQC_ERR_INPUT (NULL argument, sig_cap < p->sig_bytes) with sig untouched. */
CH_PQC_MUST_CHECK int ch_slhdsa_sign_internal(const struct ch_slhdsa_params *p, uint8_t *sig,
                                              size_t sig_cap, const uint8_t *m, size_t mlen,
                                              const uint8_t *sk, const uint8_t *addrnd);

/* Alg. 20 slh_verify_internal(M, SIG, PK). pk is p->pk_bytes long. Returns CH_PQC_OK if the
 * signature is valid, CH_PQC_ERR_VERIFY if not (including sig_len != p->sig_bytes, in which
 * case sig is not read), CH_PQC_ERR_INPUT for a NULL argument. */
CH_PQC_MUST_CHECK int ch_slhdsa_verify_internal(const struct ch_slhdsa_params *p,
                                                const uint8_t *m, size_t mlen,
                                                const uint8_t *sig, size_t sig_len,
                                                const uint8_t *pk);

/* Alg. 22 slh_sign (pure): signs M' = 0x00 || |ctx| || ctx || M. ctx may be NULL when ctx_len is
 * 0. CH_PQC_ERR_CONTEXT if ctx_len > 255; otherwise as ch_slhdsa_sign_internal. */
CH_PQC_MUST_CHECK int ch_slhdsa_sign(const struct ch_slhdsa_params *p, uint8_t *sig,
                                     size_t sig_cap, const uint8_t *m, size_t mlen,
                                     const uint8_t *ctx, size_t ctx_len, const uint8_t *sk,
                                     const uint8_t *addrnd);

/* Alg. 24 slh_verify (pure). CH_PQC_ERR_CONTEXT if ctx_len > 255; otherwise as
 * ch_slhdsa_verify_internal. */
CH_PQC_MUST_CHECK int ch_slhdsa_verify(const struct ch_slhdsa_params *p, const uint8_t *m,
                                       size_t mlen, const uint8_t *sig, size_t sig_len,
                                       const uint8_t *ctx, size_t ctx_len, const uint8_t *pk);

/* Alg. 23 hash_slh_sign / Alg. 25 hash_slh_verify with PH(M) computed here from M (with
 * src/pqc/common sha2 / fips202): M' = 0x01 || |ctx| || ctx || OID(ph) || PH(M). Errors as the
 * pure forms, plus CH_PQC_ERR_INPUT for an unknown ph. */
CH_PQC_MUST_CHECK int ch_slhdsa_hash_sign(const struct ch_slhdsa_params *p, uint8_t *sig,
                                          size_t sig_cap, const uint8_t *m, size_t mlen,
                                          const uint8_t *ctx, size_t ctx_len,
                                          enum ch_slhdsa_ph ph, const uint8_t *sk,
                                          const uint8_t *addrnd);
CH_PQC_MUST_CHECK int ch_slhdsa_hash_verify(const struct ch_slhdsa_params *p, const uint8_t *m,
                                            size_t mlen, const uint8_t *sig, size_t sig_len,
                                            const uint8_t *ctx, size_t ctx_len,
                                            enum ch_slhdsa_ph ph, const uint8_t *pk);

/* The same with PH(M) already computed by the caller (e.g. a multi-part C_SignUpdate that
 * hashed the data as it came): digest must be exactly ch_slhdsa_ph_bytes(ph) bytes, else
 * CH_PQC_ERR_INPUT. */
CH_PQC_MUST_CHECK int ch_slhdsa_hash_sign_digest(const struct ch_slhdsa_params *p, uint8_t *sig,
                                                 size_t sig_cap, const uint8_t *digest,
                                                 size_t digest_len, const uint8_t *ctx,
                                                 size_t ctx_len, enum ch_slhdsa_ph ph,
                                                 const uint8_t *sk, const uint8_t *addrnd);
CH_PQC_MUST_CHECK int ch_slhdsa_hash_verify_digest(const struct ch_slhdsa_params *p,
                                                   const uint8_t *digest, size_t digest_len,
                                                   const uint8_t *sig, size_t sig_len,
                                                   const uint8_t *ctx, size_t ctx_len,
                                                   enum ch_slhdsa_ph ph, const uint8_t *pk);

#endif
