/* SPDX-License-Identifier: Apache-2.0 */
/* FIPS 205 Table 2: the twelve approved SLH-DSA parameter sets. pqc layer, constant data only.
 * len = len1 + len2 with len1 = 8n/lg_w = 2n and len2 = 3 (Algorithm 1 with lg_w = 4). */
#include "pqc/slhdsa/slhdsa_params.h"

#include <string.h>

#define SIGB(n, h, d, a, k) ((size_t)(1u + (k) * (1u + (a)) + (h) + (d) * (2u * (n) + 3u)) * (n))

#define SET(nm, id, fam, n_, h_, d_, a_, k_, m_)                                                \
    {                                                                                           \
        .name = nm, .set = id, .family = fam, .n = n_, .h = h_, .d = d_, .hp = (h_) / (d_),     \
        .a = a_, .k = k_, .lgw = 4, .m = m_, .len = 2u * (n_) + 3u, .pk_bytes = 2u * (n_),      \
        .sk_bytes = 4u * (n_), .sig_bytes = SIGB(n_, h_, d_, a_, k_),                           \
    }

#define SHA2_1 CH_SLHDSA_FAMILY_SHA2_CAT1
#define SHA2_35 CH_SLHDSA_FAMILY_SHA2_CAT35
#define SHAKE CH_SLHDSA_FAMILY_SHAKE

static const struct ch_slhdsa_params sets[CH_SLHDSA_SET_COUNT] = {
    /*                                                     n   h   d   a   k   m */
    SET("SLH-DSA-SHA2-128s", CH_SLHDSA_SHA2_128S, SHA2_1, 16, 63, 7, 12, 14, 30),
    SET("SLH-DSA-SHAKE-128s", CH_SLHDSA_SHAKE_128S, SHAKE, 16, 63, 7, 12, 14, 30),
    SET("SLH-DSA-SHA2-128f", CH_SLHDSA_SHA2_128F, SHA2_1, 16, 66, 22, 6, 33, 34),
    SET("SLH-DSA-SHAKE-128f", CH_SLHDSA_SHAKE_128F, SHAKE, 16, 66, 22, 6, 33, 34),
    SET("SLH-DSA-SHA2-192s", CH_SLHDSA_SHA2_192S, SHA2_35, 24, 63, 7, 14, 17, 39),
    SET("SLH-DSA-SHAKE-192s", CH_SLHDSA_SHAKE_192S, SHAKE, 24, 63, 7, 14, 17, 39),
    SET("SLH-DSA-SHA2-192f", CH_SLHDSA_SHA2_192F, SHA2_35, 24, 66, 22, 8, 33, 42),
    SET("SLH-DSA-SHAKE-192f", CH_SLHDSA_SHAKE_192F, SHAKE, 24, 66, 22, 8, 33, 42),
    SET("SLH-DSA-SHA2-256s", CH_SLHDSA_SHA2_256S, SHA2_35, 32, 64, 8, 14, 22, 47),
    SET("SLH-DSA-SHAKE-256s", CH_SLHDSA_SHAKE_256S, SHAKE, 32, 64, 8, 14, 22, 47),
    SET("SLH-DSA-SHA2-256f", CH_SLHDSA_SHA2_256F, SHA2_35, 32, 68, 17, 9, 35, 49),
    SET("SLH-DSA-SHAKE-256f", CH_SLHDSA_SHAKE_256F, SHAKE, 32, 68, 17, 9, 35, 49),
};

/* The size macros in the header must agree with the table. */
_Static_assert(SIGB(16, 63, 7, 12, 14) == CH_SLHDSA_128S_SIG_BYTES, "128s sig");
_Static_assert(SIGB(16, 66, 22, 6, 33) == CH_SLHDSA_128F_SIG_BYTES, "128f sig");
_Static_assert(SIGB(24, 63, 7, 14, 17) == CH_SLHDSA_192S_SIG_BYTES, "192s sig");
_Static_assert(SIGB(24, 66, 22, 8, 33) == CH_SLHDSA_192F_SIG_BYTES, "192f sig");
_Static_assert(SIGB(32, 64, 8, 14, 22) == CH_SLHDSA_256S_SIG_BYTES, "256s sig");
_Static_assert(SIGB(32, 68, 17, 9, 35) == CH_SLHDSA_256F_SIG_BYTES, "256f sig");
_Static_assert(CH_SLHDSA_256F_SIG_BYTES == CH_SLHDSA_MAX_SIG_BYTES, "max sig");

const struct ch_slhdsa_params *ch_slhdsa_params_get(enum ch_slhdsa_set set)
{
    if ((unsigned int)set >= (unsigned int)CH_SLHDSA_SET_COUNT)
        return NULL;
    return &sets[set];
}

const struct ch_slhdsa_params *ch_slhdsa_params_by_name(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < CH_SLHDSA_SET_COUNT; i++) {
        if (strcmp(sets[i].name, name) == 0)
            return &sets[i];
    }
    return NULL;
}
