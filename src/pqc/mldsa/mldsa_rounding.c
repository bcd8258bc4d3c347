/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA rounding (FIPS 204 §7.4, Alg. 35-40): Power2Round, Decompose, HighBits, LowBits,
 * MakeHint, UseHint. src/pqc layer. All but UseHint handle secrets (t, w, w - cs2) and are
 * constant time: divisions by constants are done with multiply-and-shift, choices with masks. */
#include "pqc/mldsa/mldsa_internal.h"

/* Alg. 35: r0 = r mod+- 2^d in (-2^12, 2^12], r1 = (r - r0) / 2^d. For r in [0, q) this is
 * r1 = floor((r + 2^12 - 1) / 2^13). */
int32_t ch_mldsa_power2round(int32_t *r0, int32_t r)
{
    int32_t r1 = (r + (1 << (CH_MLDSA_D - 1)) - 1) >> CH_MLDSA_D;
    *r0 = r - (r1 << CH_MLDSA_D);
    return r1;
}

/* Alg. 36. With r0 = r mod+- 2 gamma2 in (-gamma2, gamma2], r1 = (r - r0) / (2 gamma2) =
 * floor((r + gamma2 - 1) / (2 gamma2)), in [0, m] for m = (q-1)/(2 gamma2). The division:
 * 2 gamma2 = 2^11 * 93 (gamma2 = (q-1)/88) or 2^9 * 1023 (gamma2 = (q-1)/32), and for the
 * shifted numerators (below 4139 and 16880) floor(x / 93) = (x * 2819) >> 18 and
 * floor(x / 1023) = (x * 16401) >> 24 hold exactly (checked exhaustively by the unit test).
 * Lines 3-5: r - r0 = q - 1 (r1 = m) becomes r1 = 0, r0 = r0 - 1. */
int32_t ch_mldsa_decompose(int32_t *r0, int32_t r, int32_t gamma2)
{
    uint32_t n = (uint32_t)(r + gamma2 - 1);
    int32_t r1, m;
    if (gamma2 == (CH_MLDSA_Q - 1) / 88) {      /* branch on the public parameter only */
        r1 = (int32_t)(((n >> 11) * 2819u) >> 18);
        m = 44;
    } else {
        r1 = (int32_t)(((n >> 9) * 16401u) >> 24);
        m = 16;
    }
    int32_t rem = r - r1 * 2 * gamma2;                    /* r mod+- 2 gamma2 */
    int32_t top = ~((r1 - m) | (m - r1)) >> 31;           /* all ones iff r1 == m */
    r1 &= ~top;
    *r0 = rem + top;                                      /* -1 when top */
    return r1;
}

/* Alg. 37. */
int32_t ch_mldsa_highbits(int32_t r, int32_t gamma2)
{
    int32_t r0;
    return ch_mldsa_decompose(&r0, r, gamma2);
}

/* Alg. 38. */
int32_t ch_mldsa_lowbits(int32_t r, int32_t gamma2)
{
    int32_t r0;
    (void)ch_mldsa_decompose(&r0, r, gamma2);
    return r0;
}

/* Alg. 39: h = [HighBits(r) != HighBits(r + z)], with r + z taken mod q. */
int32_t ch_mldsa_make_hint(int32_t z, int32_t r, int32_t gamma2)
{
    int32_t v = r + z - CH_MLDSA_Q;
    v += (v >> 31) & CH_MLDSA_Q;                           /* (r + z) mod q in [0, q) */
    int32_t d = ch_mldsa_highbits(r, gamma2) ^ ch_mldsa_highbits(v, gamma2);
    return (int32_t)((uint32_t)(d | -d) >> 31);
}

/* Alg. 40. Only ever applied to public values (the verifier's w'), so it may branch. */
int32_t ch_mldsa_use_hint(int32_t h, int32_t r, int32_t gamma2)
{
    int32_t m = (CH_MLDSA_Q - 1) / (2 * gamma2);
    int32_t r0;
    int32_t r1 = ch_mldsa_decompose(&r0, r, gamma2);
    if (h == 0)
        return r1;
    if (r0 > 0)
        return (r1 + 1) % m;
    return (r1 - 1 + m) % m;
}
