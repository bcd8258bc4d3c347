/* SPDX-License-Identifier: Apache-2.0 */
/* ML-KEM number-theoretic transform (FIPS 203 §4.3): NTT (Alg. 9), NTT^-1 (Alg. 10) and
 * multiplication in T_q (Alg. 11, 12), on Montgomery-form twiddle factors. No branches or
 * table lookups depend on coefficient values (only on loop counters). src/pqc layer. */
#include "pqc/mlkem/mlkem_poly.h"

/* zetas[i] = 17^BitRev7(i) * 2^16 mod q, centred: the zeta of Alg. 9 step 5 / Alg. 10 step 5
 * in Montgomery form (Appendix A lists the plain values). zetas[0] is not used. */
static const int16_t zetas[128] = {
    -1044, -758, -359, -1517, 1493, 1422, 287, 202,
    -171, 622, 1577, 182, 962, -1202, -1474, 1468,
    573, -1325, 264, 383, -829, 1458, -1602, -130,
    -681, 1017, 732, 608, -1542, 411, -205, -1571,
    1223, 652, -552, 1015, -1293, 1491, -282, -1544,
    516, -8, -320, -666, -1618, -1162, 126, 1469,
    -853, -90, -271, 830, 107, -1421, -247, -951,
    -398, 961, -1508, -725, 448, -1065, 677, -1275,
    -1103, 430, 555, 843, -1251, 871, 1550, 105,
    422, 587, 177, -235, -291, -460, 1574, 1653,
    -246, 778, 1159, -147, -777, 1483, -602, 1119,
    -1590, 644, -872, 349, 418, 329, -156, -75,
    817, 1097, 603, 610, 1322, -1285, -1465, 384,
    -1215, -136, 1218, -1335, -874, 220, -1187, -1659,
    -1185, -1530, -1278, 794, -1510, -854, -870, 478,
    -108, -308, 996, 991, 958, -1460, 1522, 1628,
};

/* gammas[i] = 17^(2 BitRev7(i) + 1) * 2^16 mod q, centred: the gamma of Alg. 11 step 2. */
static const int16_t gammas[128] = {
    -1103, 1103, 430, -430, 555, -555, 843, -843,
    -1251, 1251, 871, -871, 1550, -1550, 105, -105,
    422, -422, 587, -587, 177, -177, -235, 235,
    -291, 291, -460, 460, 1574, -1574, 1653, -1653,
    -246, 246, 778, -778, 1159, -1159, -147, 147,
    -777, 777, 1483, -1483, -602, 602, 1119, -1119,
    -1590, 1590, 644, -644, -872, 872, 349, -349,
    418, -418, 329, -329, -156, 156, -75, 75,
    817, -817, 1097, -1097, 603, -603, 610, -610,
    1322, -1322, -1285, 1285, -1465, 1465, 384, -384,
    -1215, 1215, -136, 136, 1218, -1218, -1335, 1335,
    -874, 874, 220, -220, -1187, 1187, -1659, 1659,
    -1185, 1185, -1530, 1530, -1278, 1278, 794, -794,
    -1510, 1510, -854, 854, -870, 870, 478, -478,
    -108, 108, -308, 308, 996, -996, 991, -991,
    958, -958, -1460, 1460, 1522, -1522, 1628, -1628,
};

int16_t ch_mlkem_gamma(unsigned int i)
{
    return gammas[i & 127];
}

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* One layer of Alg. 9 (steps 3-9 for one value of len). Inlined with a constant len, so every
 * inner loop has a fixed trip count and the compiler can vectorise it. z points at the first
 * zeta of the layer; the layer uses 128 / len of them in increasing order. */
static ALWAYS_INLINE void ntt_layer(int16_t c[CH_MLKEM_N], unsigned int len, const int16_t *z)
{
    for (unsigned int start = 0; start < CH_MLKEM_N; start += 2 * len) {
        const int16_t zeta = *z++;
        for (unsigned int j = start; j < start + len; j++) {
            int16_t t = ch_mlkem_fqmul(zeta, c[j + len]);
            c[j + len] = (int16_t)(c[j] - t);
            c[j] = (int16_t)(c[j] + t);
        }
    }
}

/* Alg. 9. fqmul by a Montgomery-form zeta multiplies by the plain zeta, so the output is the
 * plain NTT. Each layer adds at most q to the bound: |out| < |in| + 7q < 8q < 2^15. Layer
 * len = 2^(8-l) uses zetas[2^(l-1) .. 2^l - 1] (the counter i of step 5). */
void ch_mlkem_ntt(struct ch_mlkem_poly *f)
{
    ntt_layer(f->c, 128, zetas + 1);
    ntt_layer(f->c, 64, zetas + 2);
    ntt_layer(f->c, 32, zetas + 4);
    ntt_layer(f->c, 16, zetas + 8);
    ntt_layer(f->c, 8, zetas + 16);
    ntt_layer(f->c, 4, zetas + 32);
    ntt_layer(f->c, 2, zetas + 64);
}

/* One layer of Alg. 10 (steps 3-9): zetas are used in decreasing order from z. Differences go
 * through fqmul (result below q). Sums are Barrett-reduced only when `reduce` is set: a slot
 * that is a sum at every layer doubles its bound each time, so from an input below 2q it
 * reaches 8q < 2^15 after two layers; reducing the sums of layers 2, 4 and 6 therefore keeps
 * every value below 8q (and a difference below 8q times a zeta below q/2 is well inside
 * fqmul's input range q 2^15). */
static ALWAYS_INLINE void invntt_layer(int16_t c[CH_MLKEM_N], unsigned int len,
                                       const int16_t *z, int reduce)
{
    for (unsigned int start = 0; start < CH_MLKEM_N; start += 2 * len) {
        const int16_t zeta = *z--;
        for (unsigned int j = start; j < start + len; j++) {
            int16_t t = c[j];
            int16_t sum = (int16_t)(t + c[j + len]);
            c[j] = reduce ? ch_mlkem_barrett_reduce(sum) : sum;
            c[j + len] = ch_mlkem_fqmul(zeta, (int16_t)(c[j + len] - t));
        }
    }
}

/* Alg. 10, with the final multiplication by 128^-1 (step 14) merged with a conversion to
 * Montgomery form: 1441 = 2^32 / 128 mod q, so fqmul(x, 1441) = x * 2^16 / 128. Callers use
 * it right after basemul (which leaves a factor 2^-16), so the two factors cancel. The counter
 * i of step 5 runs from 127 down: layer len = 2^l starts at zetas[2^(8-l) - 1]. Input
 * |f| < 2q (what basemul produces); output |f| < q (the last fqmul). */
void ch_mlkem_invntt_tomont(struct ch_mlkem_poly *f)
{
    invntt_layer(f->c, 2, zetas + 127, 0);
    invntt_layer(f->c, 4, zetas + 63, 1);
    invntt_layer(f->c, 8, zetas + 31, 0);
    invntt_layer(f->c, 16, zetas + 15, 1);
    invntt_layer(f->c, 32, zetas + 7, 0);
    invntt_layer(f->c, 64, zetas + 3, 1);
    invntt_layer(f->c, 128, zetas + 1, 0);
    for (unsigned int j = 0; j < CH_MLKEM_N; j++)
        f->c[j] = ch_mlkem_fqmul(f->c[j], 1441);
}

/* Alg. 11 over the 128 degree-1 factors X^2 - gamma_i, each by Alg. 12:
 * (a0 + a1 X)(b0 + b1 X) = (a0 b0 + a1 b1 gamma) + (a0 b1 + a1 b0) X. Every fqmul adds a
 * factor 2^-16 (once per term; a1 b1 gamma gets two, one of which cancels the Montgomery
 * factor of gamma). Inputs |.| < 2^15 with one side < q keep fqmul in range. */
void ch_mlkem_basemul(struct ch_mlkem_poly *h, const struct ch_mlkem_poly *f,
                      const struct ch_mlkem_poly *g)
{
    for (unsigned int i = 0; i < 128; i++) {
        const int16_t a0 = f->c[2 * i], a1 = f->c[2 * i + 1];
        const int16_t b0 = g->c[2 * i], b1 = g->c[2 * i + 1];
        int16_t t = ch_mlkem_fqmul(ch_mlkem_fqmul(a1, b1), gammas[i]);
        h->c[2 * i] = (int16_t)(t + ch_mlkem_fqmul(a0, b0));
        h->c[2 * i + 1] = (int16_t)(ch_mlkem_fqmul(a0, b1) + ch_mlkem_fqmul(a1, b0));
    }
}
