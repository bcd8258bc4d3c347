/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA (FIPS 204): the public interface of src/pqc/mldsa, used by src/mech, src/fips, the
 * ACVP harness and the tests. Pure computation: no PKCS#11 types, no OpenSSL, no allocation, no
 * randomness source (the key-generation seed xi and the signing randomness rnd are arguments;
 * deterministic signing passes rnd = 32 zero bytes).
 *
 * Conventions:
 *  - The parameter set is an argument (enum ch_mldsa_set: CH_MLDSA_44/65/87, mldsa_params.h);
 *    an unknown value gives CH_PQC_ERR_INPUT. Fixed-size wrappers per set are at the end.
 *  - Inputs come with their lengths, which are checked: a public key, private key or signature
 *    of the wrong length gives CH_PQC_ERR_INPUT (FIPS 204 §3.6.2: "shall return false"; the
 *    distinct code lets src/mech answer CKR_SIGNATURE_LEN_RANGE). Outputs must have room for
 *    the sizes of the set: ch_mldsa_pk_bytes()/sk_bytes()/sig_bytes() or CH_MLDSA<n>_*_BYTES.
 *  - Private keys for signing: `sk` is either the expanded private key (skEncode, Alg. 24;
 *    sk_len = CH_MLDSA<n>_SK_BYTES) or the 32-byte seed xi (sk_len = CH_MLDSA_SEED_BYTES), from
 *    which the key is expanded by KeyGen_internal (Alg. 6) inside the call; both give the same
 *    signature. An expanded key whose s1/s2 fields lie outside [-eta, eta] is refused with
 *    CH_PQC_ERR_INPUT.
 *  - Contexts: ctx_len <= 255, else CH_PQC_ERR_CONTEXT (ctx may be NULL when ctx_len is 0;
 *    msg may be NULL when msg_len is 0).
 *  - Verification returns CH_PQC_OK for a valid signature and CH_PQC_ERR_VERIFY for any
 *    invalid one (bad hint encoding, ||z|| too large, ctilde mismatch).
 *  - On an error the signature output is zeroed. Key generation and signing are constant time
 *    in every secret (xi, sk, K, s1, s2, t0, y, rho'', rnd), apart from what the algorithm
 *    reveals by design: the number of rejection-loop attempts (and which bound ended each),
 *    each attempt's ctilde, and the positions of rejected half-bytes in RejBoundedPoly (never
 *    the accepted values). Secret intermediates are wiped before returning, on every path.
 *  - Stack: signing keeps the expanded matrix A-hat and NTT(s1) across the rejection attempts:
 *    about 96 KiB at its peak (arrays sized for ML-DSA-87, measured with -fstack-usage); key
 *    generation about 44 KiB and verification about 25 KiB (A-hat is streamed there). */
#ifndef CH_MLDSA_H
#define CH_MLDSA_H

#include <stddef.h>
#include <stdint.h>

#include "pqc/common/pqc.h"
#include "pqc/mldsa/mldsa_params.h"

/* The pre-hash functions of HashML-DSA (FIPS 204 §5.4, Alg. 4) with their OIDs
 * 2.16.840.1.101.3.4.2.x; PH(M) lengths in brackets. */
enum ch_mldsa_prehash {
    CH_MLDSA_PH_SHA2_224 = 4,      /* [28] */
    CH_MLDSA_PH_SHA2_256 = 1,      /* [32] */
    CH_MLDSA_PH_SHA2_384 = 2,      /* [48] */
    CH_MLDSA_PH_SHA2_512 = 3,      /* [64] */
    CH_MLDSA_PH_SHA2_512_224 = 5,  /* [28] */
    CH_MLDSA_PH_SHA2_512_256 = 6,  /* [32] */
    CH_MLDSA_PH_SHA3_224 = 7,      /* [28] */
    CH_MLDSA_PH_SHA3_256 = 8,      /* [32] */
    CH_MLDSA_PH_SHA3_384 = 9,      /* [48] */
    CH_MLDSA_PH_SHA3_512 = 10,     /* [64] */
    CH_MLDSA_PH_SHAKE128 = 11,     /* [32]: SHAKE128 with 256-bit output */
    CH_MLDSA_PH_SHAKE256 = 12,     /* [64]: SHAKE256 with 512-bit output */
};

/* Sizes for `set` in bytes; 0 for an unknown set. */
size_t ch_mldsa_pk_bytes(enum ch_mldsa_set set);
size_t ch_mldsa_sk_bytes(enum ch_mldsa_set set);
size_t ch_mldsa_sig_bytes(enum ch_mldsa_set set);
/* Length of PH(M) for `ph`; 0 for an unknown value. */
size_t ch_mldsa_prehash_bytes(enum ch_mldsa_prehash ph);

/* ML-DSA.KeyGen_internal (Alg. 6): pk and sk from the seed xi (PKCS#11 3.2 CKA_SEED). pk is
 * marked public for the CT checker. CH_PQC_ERR_INPUT only for an unknown set. */
CH_PQC_MUST_CHECK int ch_mldsa_keypair_derand(enum ch_mldsa_set set, uint8_t *pk, uint8_t *sk,
                                              const uint8_t seed[CH_MLDSA_SEED_BYTES]);

/* ML-DSA.Sign (Alg. 2) with the randomness given: M' = 0 || |ctx| || ctx || M. */
CH_PQC_MUST_CHECK int ch_mldsa_sign_derand(enum ch_mldsa_set set, uint8_t *sig,
                                           const uint8_t *msg, size_t msg_len,
                                           const uint8_t *ctx, size_t ctx_len,
                                           const uint8_t rnd[CH_MLDSA_RND_BYTES],
                                           const uint8_t *sk, size_t sk_len);
/* ML-DSA.Verify (Alg. 3). */
CH_PQC_MUST_CHECK int ch_mldsa_verify(enum ch_mldsa_set set, const uint8_t *sig, size_t sig_len,
                                      const uint8_t *msg, size_t msg_len, const uint8_t *ctx,
                                      size_t ctx_len, const uint8_t *pk, size_t pk_len);

/* HashML-DSA.Sign (Alg. 4) with the randomness given. `digest` is PH(M), computed by the
 * caller with the function `ph`; digest_len must be ch_mldsa_prehash_bytes(ph), else
 * CH_PQC_ERR_INPUT. M' = 1 || |ctx| || ctx || OID(ph) || PH(M). */
CH_PQC_MUST_CHECK int ch_mldsa_hash_sign_derand(enum ch_mldsa_set set, uint8_t *sig,
                                                enum ch_mldsa_prehash ph, const uint8_t *digest,
                                                size_t digest_len, const uint8_t *ctx,
                                                size_t ctx_len,
                                                const uint8_t rnd[CH_MLDSA_RND_BYTES],
                                                const uint8_t *sk, size_t sk_len);
/* HashML-DSA.Verify (Alg. 5), PH(M) given as for signing. */
CH_PQC_MUST_CHECK int ch_mldsa_hash_verify(enum ch_mldsa_set set, const uint8_t *sig,
                                           size_t sig_len, enum ch_mldsa_prehash ph,
                                           const uint8_t *digest, size_t digest_len,
                                           const uint8_t *ctx, size_t ctx_len, const uint8_t *pk,
                                           size_t pk_len);

/* ML-DSA.Sign_internal / Verify_internal (Alg. 7, 8) on an already formatted message M'
 * (ACVP "internal" interface; not for direct use by applications). */
CH_PQC_MUST_CHECK int ch_mldsa_sign_internal_derand(enum ch_mldsa_set set, uint8_t *sig,
                                                    const uint8_t *mprime, size_t mprime_len,
                                                    const uint8_t rnd[CH_MLDSA_RND_BYTES],
                                                    const uint8_t *sk, size_t sk_len);
CH_PQC_MUST_CHECK int ch_mldsa_verify_internal(enum ch_mldsa_set set, const uint8_t *sig,
                                               size_t sig_len, const uint8_t *mprime,
                                               size_t mprime_len, const uint8_t *pk,
                                               size_t pk_len);

/* External mu (Alg. 7 with line 6 done elsewhere): sign / verify the 64-byte message
 * representative mu = H(tr || M', 64), tr = H(pk, 64). */
CH_PQC_MUST_CHECK int ch_mldsa_sign_mu_derand(enum ch_mldsa_set set, uint8_t *sig,
                                              const uint8_t mu[CH_MLDSA_MU_BYTES],
                                              const uint8_t rnd[CH_MLDSA_RND_BYTES],
                                              const uint8_t *sk, size_t sk_len);
CH_PQC_MUST_CHECK int ch_mldsa_verify_mu(enum ch_mldsa_set set, const uint8_t *sig,
                                         size_t sig_len, const uint8_t mu[CH_MLDSA_MU_BYTES],
                                         const uint8_t *pk, size_t pk_len);
/* mu for pure ML-DSA: H(H(pk, 64) || 0 || |ctx| || ctx || M, 64), as the party holding the
 * message computes it before handing mu to ch_mldsa_sign_mu_derand. */
CH_PQC_MUST_CHECK int ch_mldsa_mu(enum ch_mldsa_set set, uint8_t mu[CH_MLDSA_MU_BYTES],
                                  const uint8_t *msg, size_t msg_len, const uint8_t *ctx,
                                  size_t ctx_len, const uint8_t *pk, size_t pk_len);

/* A private key prepared for repeated signing: Alg. 7 lines 1-5 done once (skDecode or
 * KeyGen_internal from xi, ExpandA, NTT(s1), tr), which is about a third of the cost of a
 * signature (more for ML-DSA-87). Caller-owned and about 69 KiB; it holds the secret key, so
 * keep it in locked, wiped memory (ch_secmem) and end its life with ch_mldsa_prepared_clear.
 * Signing only reads it: several threads may sign with one prepared key at once. The fields
 * are private to src/pqc/mldsa. */
#define CH_MLDSA_S2T0_MAX_BYTES (CH_MLDSA_K_MAX * 32 * 4 + CH_MLDSA_K_MAX * 32 * CH_MLDSA_D)
struct ch_mldsa_prepared {
    uint32_t magic;                    /* CH_MLDSA_PREPARED_MAGIC while prepared */
    enum ch_mldsa_set set;
    uint8_t rho[32], key[32], tr[CH_MLDSA_TR_BYTES];
    struct ch_mldsa_poly s1[CH_MLDSA_L_MAX];        /* NTT(s1) */
    uint8_t s2t0[CH_MLDSA_S2T0_MAX_BYTES];          /* s2 and t0 packed as in skEncode */
    struct ch_mldsa_poly a[CH_MLDSA_K_MAX * CH_MLDSA_L_MAX]; /* A-hat, row major */
};

/* Prepares `key` from sk (expanded, or the 32-byte seed xi, as for signing). Errors as for
 * signing (CH_PQC_ERR_INPUT); on error `key` is left cleared. */
CH_PQC_MUST_CHECK int ch_mldsa_prepare(enum ch_mldsa_set set, struct ch_mldsa_prepared *key,
                                       const uint8_t *sk, size_t sk_len);
/* Wipes the whole structure (NULL-safe). */
void ch_mldsa_prepared_clear(struct ch_mldsa_prepared *key);
/* ML-DSA.Sign (Alg. 2), HashML-DSA.Sign (Alg. 4) and external-mu signing with a prepared key;
 * same signatures and errors as the functions above (CH_PQC_ERR_INPUT also for a key that was
 * never prepared or was cleared). sig has room for ch_mldsa_sig_bytes(key->set). */
CH_PQC_MUST_CHECK int ch_mldsa_prepared_sign_derand(const struct ch_mldsa_prepared *key,
                                                    uint8_t *sig, const uint8_t *msg,
                                                    size_t msg_len, const uint8_t *ctx,
                                                    size_t ctx_len,
                                                    const uint8_t rnd[CH_MLDSA_RND_BYTES]);
CH_PQC_MUST_CHECK int ch_mldsa_prepared_hash_sign_derand(const struct ch_mldsa_prepared *key,
                                                         uint8_t *sig, enum ch_mldsa_prehash ph,
                                                         const uint8_t *digest,
                                                         size_t digest_len, const uint8_t *ctx,
                                                         size_t ctx_len,
                                                         const uint8_t rnd[CH_MLDSA_RND_BYTES]);
CH_PQC_MUST_CHECK int ch_mldsa_prepared_sign_mu_derand(const struct ch_mldsa_prepared *key,
                                                       uint8_t *sig,
                                                       const uint8_t mu[CH_MLDSA_MU_BYTES],
                                                       const uint8_t rnd[CH_MLDSA_RND_BYTES]);

/* Fixed-size forms for one parameter set N in {44, 65, 87}, e.g. ch_mldsa65_sign_derand;
 * same contracts as the generic functions above. sign_seed signs with the 32-byte seed xi. */
#define CH_MLDSA_DECLARE_SET(N)                                                                 \
    CH_PQC_MUST_CHECK int ch_mldsa##N##_keypair_derand(uint8_t pk[CH_MLDSA##N##_PK_BYTES],     \
                                                       uint8_t sk[CH_MLDSA##N##_SK_BYTES],     \
                                                       const uint8_t seed[CH_MLDSA_SEED_BYTES]); \
    CH_PQC_MUST_CHECK int ch_mldsa##N##_sign_derand(                                           \
        uint8_t sig[CH_MLDSA##N##_SIG_BYTES], const uint8_t *msg, size_t msg_len,             \
        const uint8_t *ctx, size_t ctx_len, const uint8_t rnd[CH_MLDSA_RND_BYTES],            \
        const uint8_t sk[CH_MLDSA##N##_SK_BYTES]);                                            \
    CH_PQC_MUST_CHECK int ch_mldsa##N##_sign_seed_derand(                                      \
        uint8_t sig[CH_MLDSA##N##_SIG_BYTES], const uint8_t *msg, size_t msg_len,             \
        const uint8_t *ctx, size_t ctx_len, const uint8_t rnd[CH_MLDSA_RND_BYTES],            \
        const uint8_t seed[CH_MLDSA_SEED_BYTES]);                                             \
    CH_PQC_MUST_CHECK int ch_mldsa##N##_verify(                                                \
        const uint8_t sig[CH_MLDSA##N##_SIG_BYTES], const uint8_t *msg, size_t msg_len,       \
        const uint8_t *ctx, size_t ctx_len, const uint8_t pk[CH_MLDSA##N##_PK_BYTES]);

CH_MLDSA_DECLARE_SET(44)
CH_MLDSA_DECLARE_SET(65)
CH_MLDSA_DECLARE_SET(87)

#endif
