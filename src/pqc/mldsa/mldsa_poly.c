/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA polynomial arithmetic in R_q (FIPS 204 §2.3, §7.6): coefficient-wise add, subtract,
 * reductions and the infinity-norm check. src/pqc layer; constant time throughout. */
#include "pqc/mldsa/mldsa_internal.h"

#include "util/ch_ct.h"

void ch_mldsa_poly_add(struct ch_mldsa_poly *c, const struct ch_mldsa_poly *a,
                       const struct ch_mldsa_poly *b)
{
    for (unsigned int i = 0; i < CH_MLDSA_N; i++)
        c->c[i] = a->c[i] + b->c[i];
}

void ch_mldsa_poly_sub(struct ch_mldsa_poly *c, const struct ch_mldsa_poly *a,
                       const struct ch_mldsa_poly *b)
{
    for (unsigned int i = 0; i < CH_MLDSA_N; i++)
        c->c[i] = a->c[i] - b->c[i];
}

void ch_mldsa_poly_freeze(struct ch_mldsa_poly *a)
{
    for (unsigned int i = 0; i < CH_MLDSA_N; i++)
        a->c[i] = ch_mldsa_freeze(a->c[i]);
}

void ch_mldsa_poly_center(struct ch_mldsa_poly *a)
{
    for (unsigned int i = 0; i < CH_MLDSA_N; i++)
        a->c[i] = ch_mldsa_center(ch_mldsa_freeze(a->c[i]));
}

/* ||a||_inf >= bound, FIPS 204 §2.3 (for centered coefficients, |a_i| <= (q-1)/2). The
 * comparison is done on all coefficients with masks, so the time does not show which
 * coefficient (if any) is too large; the caller reveals only the one-bit result. */
uint32_t ch_mldsa_poly_norm_exceeds(const struct ch_mldsa_poly *a, int32_t bound)
{
    uint32_t bad = 0;
    for (unsigned int i = 0; i < CH_MLDSA_N; i++) {
        int32_t x = a->c[i];
        int32_t abs = x - ((x >> 31) & (2 * x)); /* |x| without a branch */
        bad |= (uint32_t)((bound - 1 - abs) >> 31); /* all ones iff abs >= bound */
    }
    return (uint32_t)0 - (ch_ct_barrier_u32(bad) >> 31);
}
