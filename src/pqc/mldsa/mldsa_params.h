/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA parameter sets (FIPS 204 Table 1) and the byte sizes derived from them (Table 2).
 * Pure data (src/pqc layer): every constant here carries the place in FIPS 204 it comes from,
 * and no other ML-DSA file spells a parameter value of its own. */
#ifndef CH_MLDSA_PARAMS_H
#define CH_MLDSA_PARAMS_H

#include <stddef.h>
#include <stdint.h>

/* FIPS 204 §4 / Table 1: common to all parameter sets. */
#define CH_MLDSA_N 256             /* degree of the ring R_q = Z_q[X]/(X^256 + 1) */
#define CH_MLDSA_Q 8380417         /* q = 2^23 - 2^13 + 1 */
#define CH_MLDSA_D 13              /* d, bits dropped from t (Power2Round) */
#define CH_MLDSA_SEED_BYTES 32     /* xi, Alg. 1/6 */
#define CH_MLDSA_RND_BYTES 32      /* rnd, Alg. 2/4/7; {0}^32 for deterministic signing */
#define CH_MLDSA_MU_BYTES 64       /* mu, Alg. 7 line 6 */
#define CH_MLDSA_TR_BYTES 64       /* tr = H(pk, 64), Alg. 6 line 9 */
#define CH_MLDSA_CTX_MAX_BYTES 255 /* Alg. 2 line 1: |ctx| <= 255 */

/* Largest k and l (ML-DSA-87), for stack arrays sized by named maxima. */
#define CH_MLDSA_K_MAX 8
#define CH_MLDSA_L_MAX 7

/* Table 2 sizes. pk = 32 + 32k(bitlen(q-1) - d) = 32 + 320k (Alg. 22);
 * sk = 32 + 32 + 64 + 32((l + k) bitlen(2 eta) + d k) (Alg. 24);
 * sig = lambda/4 + 32 l (1 + bitlen(gamma1 - 1)) + omega + k (Alg. 26). */
#define CH_MLDSA44_PK_BYTES 1312
#define CH_MLDSA44_SK_BYTES 2560
#define CH_MLDSA44_SIG_BYTES 2420
#define CH_MLDSA65_PK_BYTES 1952
#define CH_MLDSA65_SK_BYTES 4032
#define CH_MLDSA65_SIG_BYTES 3309
#define CH_MLDSA87_PK_BYTES 2592
#define CH_MLDSA87_SK_BYTES 4896
#define CH_MLDSA87_SIG_BYTES 4627

#define CH_MLDSA_PK_MAX_BYTES CH_MLDSA87_PK_BYTES
#define CH_MLDSA_SK_MAX_BYTES CH_MLDSA87_SK_BYTES
#define CH_MLDSA_SIG_MAX_BYTES CH_MLDSA87_SIG_BYTES

/* The parameter sets, named by their Table 1 suffix. */
enum ch_mldsa_set { CH_MLDSA_44 = 44, CH_MLDSA_65 = 65, CH_MLDSA_87 = 87 };

/* A polynomial of R_q or T_q (FIPS 204 §2.3, §2.4). Coefficient ranges are stated at each use;
 * the canonical "mod q" form is [0, q), the "mod+-" (centered) form is [-(q-1)/2, (q-1)/2]. */
struct ch_mldsa_poly {
    int32_t c[CH_MLDSA_N];
};

/* One parameter set (Table 1) with the encoding widths that follow from it. */
struct ch_mldsa_params {
    enum ch_mldsa_set set;
    unsigned int k, l;          /* dimensions of A */
    unsigned int eta;           /* private key range */
    unsigned int tau;           /* number of +-1 in c */
    unsigned int beta;          /* tau * eta */
    unsigned int omega;         /* max number of 1s in h */
    int32_t gamma1;             /* coefficient range of y: 2^17 or 2^19 */
    int32_t gamma2;             /* low-order rounding range: (q-1)/88 or (q-1)/32 */
    unsigned int ctilde_bytes;  /* lambda / 4 */
    unsigned int gamma1_bits;   /* 1 + bitlen(gamma1 - 1): z and y coefficients */
    unsigned int w1_bits;       /* bitlen((q-1)/(2 gamma2) - 1): w1Encode (Alg. 28) */
    unsigned int eta_bits;      /* bitlen(2 eta): s1, s2 in skEncode (Alg. 24) */
    size_t pk_bytes, sk_bytes, sig_bytes;
};

/* The parameters of `set`, or NULL for an unknown value. */
const struct ch_mldsa_params *ch_mldsa_params_get(enum ch_mldsa_set set);

#endif
