/* SPDX-License-Identifier: Apache-2.0 */
/* ML-KEM internals (private to src/pqc/mlkem): the polynomial type, modular reduction, and
 * the prototypes of the NTT, arithmetic, sampling and encoding files. Coefficients are int16_t
 * in a "loosely reduced" signed range noted per function; the encoders take care of the
 * canonical [0, q) form the spec works in. Nothing here branches on or indexes by coefficient
 * values, so everything may see secrets. */
#ifndef CH_MLKEM_POLY_H
#define CH_MLKEM_POLY_H

#include <stddef.h>
#include <stdint.h>

#include "pqc/common/pqc.h"
#include "pqc/mlkem/mlkem_params.h"

struct ch_mlkem_poly {
    int16_t c[CH_MLKEM_N];
};

struct ch_mlkem_polyvec {
    struct ch_mlkem_poly p[CH_MLKEM_MAX_K];
};

/* Per polynomial of a vector b in the NTT domain: b[2i+1] * gamma_i (Alg. 11 step 2), computed
 * once and reused by every row of a matrix-vector product. */
struct ch_mlkem_polyvec_cache {
    int16_t c[CH_MLKEM_MAX_K][CH_MLKEM_N / 2];
};

/* Montgomery arithmetic with R = 2^16: q^-1 mod 2^16, as a signed 16-bit value. */
#define CH_MLKEM_QINV (-3327)

/* a * 2^-16 mod q for |a| < q * 2^15; result in (-q, q). */
static inline int16_t ch_mlkem_mont_reduce(int32_t a)
{
    int16_t t = (int16_t)((int16_t)a * CH_MLKEM_QINV);
    return (int16_t)((a - (int32_t)t * CH_MLKEM_Q) >> 16);
}

/* a mod q in [-(q-1)/2, (q-1)/2] for any int16_t a. 20159 = round(2^26 / q). */
static inline int16_t ch_mlkem_barrett_reduce(int16_t a)
{
    int16_t t = (int16_t)((20159 * (int32_t)a + (1 << 25)) >> 26);
    return (int16_t)(a - t * CH_MLKEM_Q);
}

/* a * b * 2^-16 mod q. */
static inline int16_t ch_mlkem_fqmul(int16_t a, int16_t b)
{
    return ch_mlkem_mont_reduce((int32_t)a * b);
}

/* mlkem_ntt.c: FIPS 203 §4.3. */
/* gamma_i = 17^(2 BitRev7(i) + 1) in Montgomery form, centred (Alg. 11 step 2). */
int16_t ch_mlkem_gamma(unsigned int i);
void ch_mlkem_ntt(struct ch_mlkem_poly *f);             /* Alg. 9; |in| < q, out |.| < 8q */
/* Alg. 10, times 2^16; |in| < 2q, |out| < q. */
void ch_mlkem_invntt_tomont(struct ch_mlkem_poly *f);
/* Alg. 11 (MultiplyNTTs, using Alg. 12 BaseCaseMultiply): h = f o g * 2^-16, |h| < 2q. */
void ch_mlkem_basemul(struct ch_mlkem_poly *h, const struct ch_mlkem_poly *f,
                      const struct ch_mlkem_poly *g);

/* mlkem_poly.c: coefficient-wise arithmetic. */
void ch_mlkem_poly_add(struct ch_mlkem_poly *r, const struct ch_mlkem_poly *a);  /* r += a */
void ch_mlkem_poly_sub(struct ch_mlkem_poly *r, const struct ch_mlkem_poly *a,
                       const struct ch_mlkem_poly *b);                           /* r = a - b */
void ch_mlkem_poly_reduce(struct ch_mlkem_poly *r);  /* Barrett: |.| <= (q-1)/2 */
void ch_mlkem_poly_tomont(struct ch_mlkem_poly *r);  /* times 2^16 mod q */
/* Fill the cache of b (coefficients |.| < 2^15 with |b| < q for the products below). */
void ch_mlkem_polyvec_mulcache(struct ch_mlkem_polyvec_cache *cache,
                               const struct ch_mlkem_polyvec *b, unsigned int k);
/* r = sum_j a[j] o b[j] (NTT domain, times 2^-16), |r| < q. All inputs |.| < q. */
void ch_mlkem_polyvec_basemul_acc(struct ch_mlkem_poly *r, const struct ch_mlkem_polyvec *a,
                                  const struct ch_mlkem_polyvec *b,
                                  const struct ch_mlkem_polyvec_cache *cache, unsigned int k);

/* mlkem_sample.c: FIPS 203 §4.2.2. */
/* Alg. 7 SampleNTT(rho || x || y) into a (uniform mod q, NTT domain). rho is public. */
void ch_mlkem_sample_ntt(struct ch_mlkem_poly *a, const uint8_t rho[32], uint8_t x, uint8_t y);
/* Four SampleNTT at once (four-way SHAKE128); a[l] == NULL leaves lane l idle. XOF input of
 * lane l: rho || xy[l][0] || xy[l][1]. */
void ch_mlkem_sample_ntt_x4(struct ch_mlkem_poly *const a[4], const uint8_t rho[32],
                            const uint8_t xy[4][2]);
/* Rows i .. i + nrows - 1 of A_hat (K-PKE, Alg. 13 steps 3-7): rows[r].p[j] =
 * SampleNTT(rho || j || i + r); or of A_hat^T (Alg. 14 steps 4-8) when `transposed`:
 * rows[r].p[j] = SampleNTT(rho || i + r || j). nrows * k must be at most 4: the rows are one
 * four-way SampleNTT (one row for k = 3, 4; two rows, the whole matrix, for k = 2). Rows are
 * generated right before their use so the whole matrix never sits on the stack. */
void ch_mlkem_gen_matrix_rows(struct ch_mlkem_polyvec *rows, const uint8_t rho[32],
                              unsigned int i, unsigned int nrows, unsigned int k, int transposed);
/* Alg. 8 SamplePolyCBD_eta(PRF_eta(sigma, n)) for eta in {2, 3}; |coeff| <= eta. */
void ch_mlkem_sample_cbd(struct ch_mlkem_poly *r, const uint8_t sigma[32], uint8_t n,
                         unsigned int eta);
/* The same for up to four polynomials at once (four-way SHAKE256): r[l] =
 * SamplePolyCBD_eta[l](PRF_eta[l](sigma, n[l])); r[l] == NULL leaves lane l idle. */
void ch_mlkem_sample_cbd_x4(struct ch_mlkem_poly *const r[4], const uint8_t sigma[32],
                            const uint8_t n[4], const unsigned int eta[4]);

/* mlkem_encode.c: FIPS 203 §4.2.1 (Compress/Decompress) and Alg. 5/6 (ByteEncode/Decode). */
/* ByteEncode_12 of a (any int16_t coefficients, reduced to [0, q) first): 384 bytes. */
void ch_mlkem_poly_tobytes(uint8_t r[CH_MLKEM_POLY_BYTES], const struct ch_mlkem_poly *a);
/* ByteDecode_12 (values mod q, as Alg. 6 says for d = 12), constant time. */
void ch_mlkem_poly_frombytes(struct ch_mlkem_poly *r, const uint8_t a[CH_MLKEM_POLY_BYTES]);
/* 0 if every 12-bit value of the 384 * k bytes is < q (the §7.2 modulus check), else -1. */
CH_PQC_MUST_CHECK int ch_mlkem_polyvec_check_modulus(const uint8_t *a, unsigned int k);
/* ByteEncode_d(Compress_d(a)) for d in {1, 4, 5, 10, 11}: 32 d bytes; and the reverse. */
void ch_mlkem_poly_compress(uint8_t *r, const struct ch_mlkem_poly *a, unsigned int d);
void ch_mlkem_poly_decompress(struct ch_mlkem_poly *r, const uint8_t *a, unsigned int d);

#endif
