/* SPDX-License-Identifier: Apache-2.0 */
/* ML-KEM polynomial arithmetic in R_q and T_q (FIPS 203 §2.4.4, §2.4.5): coefficient-wise
 * add/sub, reductions and the inner product of vectors in the NTT domain (the A_hat o s_hat,
 * t_hat^T o y_hat, ... products of Alg. 13-15). Straight-line, constant time. src/pqc layer. */
#include "pqc/mlkem/mlkem_poly.h"

void ch_mlkem_poly_add(struct ch_mlkem_poly *r, const struct ch_mlkem_poly *a)
{
    for (unsigned int i = 0; i < CH_MLKEM_N; i++)
        r->c[i] = (int16_t)(r->c[i] + a->c[i]);
}

void ch_mlkem_poly_sub(struct ch_mlkem_poly *r, const struct ch_mlkem_poly *a,
                       const struct ch_mlkem_poly *b)
{
    for (unsigned int i = 0; i < CH_MLKEM_N; i++)
        r->c[i] = (int16_t)(a->c[i] - b->c[i]);
}

void ch_mlkem_poly_reduce(struct ch_mlkem_poly *r)
{
    for (unsigned int i = 0; i < CH_MLKEM_N; i++)
        r->c[i] = ch_mlkem_barrett_reduce(r->c[i]);
}

/* fqmul by 2^32 mod q = 1353 multiplies by 2^16: undoes the 2^-16 basemul leaves behind. */
void ch_mlkem_poly_tomont(struct ch_mlkem_poly *r)
{
    for (unsigned int i = 0; i < CH_MLKEM_N; i++)
        r->c[i] = ch_mlkem_fqmul(r->c[i], 1353);
}

/* b[2i+1] * gamma_i * 2^16 * 2^-16: the plain product, |.| < q. */
void ch_mlkem_polyvec_mulcache(struct ch_mlkem_polyvec_cache *cache,
                               const struct ch_mlkem_polyvec *b, unsigned int k)
{
    for (unsigned int j = 0; j < k; j++)
        for (unsigned int i = 0; i < CH_MLKEM_N / 2; i++)
            cache->c[j][i] = ch_mlkem_fqmul(b->p[j].c[2 * i + 1], ch_mlkem_gamma(i));
}

/* Alg. 11/12 summed over the vector with one Montgomery reduction per output coefficient:
 *   r[2i]   = sum_j a0 b0 + a1 (b1 gamma_i),   r[2i+1] = sum_j a0 b1 + a1 b0.
 * Every product is below q^2 in absolute value and at most 2k = 8 of them are added, so the
 * sum stays below 8 q^2 < q 2^15, the input range of ch_mlkem_mont_reduce. */
void ch_mlkem_polyvec_basemul_acc(struct ch_mlkem_poly *r, const struct ch_mlkem_polyvec *a,
                                  const struct ch_mlkem_polyvec *b,
                                  const struct ch_mlkem_polyvec_cache *cache, unsigned int k)
{
    for (unsigned int i = 0; i < CH_MLKEM_N / 2; i++) {
        int32_t r0 = 0, r1 = 0;
        for (unsigned int j = 0; j < k; j++) {
            const int32_t a0 = a->p[j].c[2 * i], a1 = a->p[j].c[2 * i + 1];
            const int32_t b0 = b->p[j].c[2 * i], b1 = b->p[j].c[2 * i + 1];
            r0 += a0 * b0 + a1 * cache->c[j][i];
            r1 += a0 * b1 + a1 * b0;
        }
        r->c[2 * i] = ch_mlkem_mont_reduce(r0);
        r->c[2 * i + 1] = ch_mlkem_mont_reduce(r1);
    }
}
