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

/* Each basemul term is below 2q in absolute value, so up to four of them sum below 8q < 2^15
 * before the one Barrett reduction at the end. */
void ch_mlkem_polyvec_basemul_acc(struct ch_mlkem_poly *r, const struct ch_mlkem_polyvec *a,
                                  const struct ch_mlkem_polyvec *b, unsigned int k)
{
    struct ch_mlkem_poly t;

    ch_mlkem_basemul(r, &a->p[0], &b->p[0]);
    for (unsigned int i = 1; i < k; i++) {
        ch_mlkem_basemul(&t, &a->p[i], &b->p[i]);
        ch_mlkem_poly_add(r, &t);
    }
    ch_mlkem_poly_reduce(r);
}
