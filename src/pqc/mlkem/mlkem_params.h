/* SPDX-License-Identifier: Apache-2.0 */
/* ML-KEM parameter sets (FIPS 203 §8, Table 2) and the byte sizes they imply (Table 3). Spec
 * constants live here only. Part of src/pqc: no PKCS#11, no OpenSSL, no allocation. */
#ifndef CH_MLKEM_PARAMS_H
#define CH_MLKEM_PARAMS_H

#include <stddef.h>

#define CH_MLKEM_N 256      /* polynomial degree n (§2.4) */
#define CH_MLKEM_Q 3329     /* modulus q = 2^8 * 13 + 1 (§2.4) */
#define CH_MLKEM_SYM_BYTES 32  /* d, z, m, rho, sigma, H(ek), K: 32 bytes each */
#define CH_MLKEM_SS_BYTES 32   /* shared secret K */
#define CH_MLKEM_SEED_BYTES 64 /* seed form d || z of a decapsulation key (PKCS#11 CKA_SEED) */
#define CH_MLKEM_POLY_BYTES 384 /* ByteEncode_12 of one polynomial */

/* Table 2: k, eta1, eta2, du, dv. */
#define CH_MLKEM512_K 2
#define CH_MLKEM512_ETA1 3
#define CH_MLKEM512_ETA2 2
#define CH_MLKEM512_DU 10
#define CH_MLKEM512_DV 4

#define CH_MLKEM768_K 3
#define CH_MLKEM768_ETA1 2
#define CH_MLKEM768_ETA2 2
#define CH_MLKEM768_DU 10
#define CH_MLKEM768_DV 4

#define CH_MLKEM1024_K 4
#define CH_MLKEM1024_ETA1 2
#define CH_MLKEM1024_ETA2 2
#define CH_MLKEM1024_DU 11
#define CH_MLKEM1024_DV 5

/* Table 3 sizes: ek = 384k + 32, dk = 768k + 96, c = 32 (du k + dv). */
#define CH_MLKEM_EK_BYTES_K(k) (384 * (k) + 32)
#define CH_MLKEM_DK_BYTES_K(k) (768 * (k) + 96)
#define CH_MLKEM_CT_BYTES_K(k, du, dv) (32 * ((du) * (k) + (dv)))

#define CH_MLKEM512_EK_BYTES CH_MLKEM_EK_BYTES_K(CH_MLKEM512_K)    /* 800 */
#define CH_MLKEM512_DK_BYTES CH_MLKEM_DK_BYTES_K(CH_MLKEM512_K)    /* 1632 */
#define CH_MLKEM512_CT_BYTES CH_MLKEM_CT_BYTES_K(CH_MLKEM512_K, CH_MLKEM512_DU, CH_MLKEM512_DV) /* 768 */
#define CH_MLKEM768_EK_BYTES CH_MLKEM_EK_BYTES_K(CH_MLKEM768_K)    /* 1184 */
#define CH_MLKEM768_DK_BYTES CH_MLKEM_DK_BYTES_K(CH_MLKEM768_K)    /* 2400 */
#define CH_MLKEM768_CT_BYTES CH_MLKEM_CT_BYTES_K(CH_MLKEM768_K, CH_MLKEM768_DU, CH_MLKEM768_DV) /* 1088 */
#define CH_MLKEM1024_EK_BYTES CH_MLKEM_EK_BYTES_K(CH_MLKEM1024_K)  /* 1568 */
#define CH_MLKEM1024_DK_BYTES CH_MLKEM_DK_BYTES_K(CH_MLKEM1024_K)  /* 3168 */
#define CH_MLKEM1024_CT_BYTES CH_MLKEM_CT_BYTES_K(CH_MLKEM1024_K, CH_MLKEM1024_DU, CH_MLKEM1024_DV) /* 1568 */

/* Largest of each, for stack buffers sized by a named maximum. */
#define CH_MLKEM_MAX_K 4
#define CH_MLKEM_MAX_EK_BYTES CH_MLKEM1024_EK_BYTES
#define CH_MLKEM_MAX_DK_BYTES CH_MLKEM1024_DK_BYTES
#define CH_MLKEM_MAX_CT_BYTES CH_MLKEM1024_CT_BYTES

/* Parameter set selector of the public API (mlkem.h). The values are the names' numbers. */
enum ch_mlkem_param {
    CH_MLKEM_512 = 512,
    CH_MLKEM_768 = 768,
    CH_MLKEM_1024 = 1024,
};

/* One row of Table 2 with its derived sizes. */
struct ch_mlkem_params {
    const char *name;        /* "ML-KEM-768" */
    unsigned int k, eta1, eta2, du, dv;
    size_t ek_bytes, dk_bytes, ct_bytes;
    size_t pke_dk_bytes;     /* 384k: ByteEncode_12(s_hat) */
    size_t c1_bytes;         /* 32 du k: the compressed u part of c */
};

/* The row for `ps`, or NULL if `ps` is not one of the three sets. */
const struct ch_mlkem_params *ch_mlkem_params_get(enum ch_mlkem_param ps);

#endif
