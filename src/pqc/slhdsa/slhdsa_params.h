/* SPDX-License-Identifier: Apache-2.0 */
/* SLH-DSA parameter sets (FIPS 205 Table 2) and the sizes that follow from them. pqc layer:
 * plain data, no PKCS#11 types. One struct ch_slhdsa_params per set, looked up by enum or by
 * the FIPS 205 name ("SLH-DSA-SHA2-128s"). */
#ifndef CH_SLHDSA_PARAMS_H
#define CH_SLHDSA_PARAMS_H

#include <stddef.h>
#include <stdint.h>

/* Sizes in bytes (FIPS 205 Table 2; sk = 4n, pk = 2n, sig = (1 + k(1+a) + h + d*len) * n). The
 * SHA2 and SHAKE variants of a set have the same sizes. */
#define CH_SLHDSA_128S_PK_BYTES 32
#define CH_SLHDSA_128S_SK_BYTES 64
#define CH_SLHDSA_128S_SIG_BYTES 7856
#define CH_SLHDSA_128F_PK_BYTES 32
#define CH_SLHDSA_128F_SK_BYTES 64
#define CH_SLHDSA_128F_SIG_BYTES 17088
#define CH_SLHDSA_192S_PK_BYTES 48
#define CH_SLHDSA_192S_SK_BYTES 96
#define CH_SLHDSA_192S_SIG_BYTES 16224
#define CH_SLHDSA_192F_PK_BYTES 48
#define CH_SLHDSA_192F_SK_BYTES 96
#define CH_SLHDSA_192F_SIG_BYTES 35664
#define CH_SLHDSA_256S_PK_BYTES 64
#define CH_SLHDSA_256S_SK_BYTES 128
#define CH_SLHDSA_256S_SIG_BYTES 29792
#define CH_SLHDSA_256F_PK_BYTES 64
#define CH_SLHDSA_256F_SK_BYTES 128
#define CH_SLHDSA_256F_SIG_BYTES 49856

/* Maxima over all sets, for stack buffers. */
#define CH_SLHDSA_MAX_N 32
#define CH_SLHDSA_MAX_M 49
#define CH_SLHDSA_MAX_LEN 67          /* WOTS+ len = 2n + 3 with lg_w = 4 */
#define CH_SLHDSA_MAX_HP 9            /* h' */
#define CH_SLHDSA_MAX_A 14
#define CH_SLHDSA_MAX_K 35
#define CH_SLHDSA_MAX_PK_BYTES 64
#define CH_SLHDSA_MAX_SK_BYTES 128
#define CH_SLHDSA_MAX_SIG_BYTES 49856
#define CH_SLHDSA_MAX_CTX_BYTES 255

enum ch_slhdsa_set {
    CH_SLHDSA_SHA2_128S = 0,
    CH_SLHDSA_SHAKE_128S,
    CH_SLHDSA_SHA2_128F,
    CH_SLHDSA_SHAKE_128F,
    CH_SLHDSA_SHA2_192S,
    CH_SLHDSA_SHAKE_192S,
    CH_SLHDSA_SHA2_192F,
    CH_SLHDSA_SHAKE_192F,
    CH_SLHDSA_SHA2_256S,
    CH_SLHDSA_SHAKE_256S,
    CH_SLHDSA_SHA2_256F,
    CH_SLHDSA_SHAKE_256F,
    CH_SLHDSA_SET_COUNT
};

enum ch_slhdsa_family {
    CH_SLHDSA_FAMILY_SHAKE,       /* FIPS 205 §11.1 */
    CH_SLHDSA_FAMILY_SHA2_CAT1,   /* §11.2.1, n = 16 */
    CH_SLHDSA_FAMILY_SHA2_CAT35,  /* §11.2.2, n = 24 or 32 */
};

struct ch_slhdsa_params {
    const char *name;              /* FIPS 205 name, e.g. "SLH-DSA-SHA2-128s" */
    enum ch_slhdsa_set set;
    enum ch_slhdsa_family family;
    unsigned int n;                /* security parameter, bytes */
    unsigned int h;                /* hypertree height */
    unsigned int d;                /* hypertree layers */
    unsigned int hp;               /* h' = h / d, XMSS tree height */
    unsigned int a;                /* FORS tree height */
    unsigned int k;                /* number of FORS trees */
    unsigned int lgw;              /* log2 of the Winternitz parameter (4) */
    unsigned int m;                /* H_msg output bytes */
    unsigned int len;              /* WOTS+ chains: len1 + len2 = 2n + 3 */
    size_t pk_bytes, sk_bytes, sig_bytes;
};

/* NULL if set is out of range. */
const struct ch_slhdsa_params *ch_slhdsa_params_get(enum ch_slhdsa_set set);
/* Exact FIPS 205 name ("SLH-DSA-SHAKE-256f"); NULL if unknown. */
const struct ch_slhdsa_params *ch_slhdsa_params_by_name(const char *name);

#endif
