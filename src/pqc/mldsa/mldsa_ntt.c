/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA number-theoretic transform (FIPS 204 §7.5, Alg. 41, 42, 45) with Montgomery
 * arithmetic (Alg. 49, R = 2^32): portable C, and an AVX2 form chosen at run time on x86-64
 * CPUs that have it, computing the very same values (every butterfly uses the same formula).
 * src/pqc layer; constant time: no branch or memory index depends on coefficient values. */
#include "pqc/mldsa/mldsa_internal.h"

#if CH_MLDSA_AVX2
#include <immintrin.h>
#endif

/* zetas[k] = zeta^BitRev8(k) mod q for zeta = 1753 (FIPS 204 Appendix B), each multiplied by
 * 2^32 and reduced mod+- q, so that a Montgomery product with it is a plain product with the
 * spec's zeta. zetas[0] is unused (Appendix B lists 0 there). */
static const int32_t zetas[CH_MLDSA_N] = {
    0, 25847, -2608894, -518909, 237124, -777960, -876248, 466468,
    1826347, 2353451, -359251, -2091905, 3119733, -2884855, 3111497, 2680103,
    2725464, 1024112, -1079900, 3585928, -549488, -1119584, 2619752, -2108549,
    -2118186, -3859737, -1399561, -3277672, 1757237, -19422, 4010497, 280005,
    2706023, 95776, 3077325, 3530437, -1661693, -3592148, -2537516, 3915439,
    -3861115, -3043716, 3574422, -2867647, 3539968, -300467, 2348700, -539299,
    -1699267, -1643818, 3505694, -3821735, 3507263, -2140649, -1600420, 3699596,
    811944, 531354, 954230, 3881043, 3900724, -2556880, 2071892, -2797779,
    -3930395, -1528703, -3677745, -3041255, -1452451, 3475950, 2176455, -1585221,
    -1257611, 1939314, -4083598, -1000202, -3190144, -3157330, -3632928, 126922,
    3412210, -983419, 2147896, 2715295, -2967645, -3693493, -411027, -2477047,
    -671102, -1228525, -22981, -1308169, -381987, 1349076, 1852771, -1430430,
    -3343383, 264944, 508951, 3097992, 44288, -1100098, 904516, 3958618,
    -3724342, -8578, 1653064, -3249728, 2389356, -210977, 759969, -1316856,
    189548, -3553272, 3159746, -1851402, -2409325, -177440, 1315589, 1341330,
    1285669, -1584928, -812732, -1439742, -3019102, -3881060, -3628969, 3839961,
    2091667, 3407706, 2316500, 3817976, -3342478, 2244091, -2446433, -3562462,
    266997, 2434439, -1235728, 3513181, -3520352, -3759364, -1197226, -3193378,
    900702, 1859098, 909542, 819034, 495491, -1613174, -43260, -522500,
    -655327, -3122442, 2031748, 3207046, -3556995, -525098, -768622, -3595838,
    342297, 286988, -2437823, 4108315, 3437287, -3342277, 1735879, 203044,
    2842341, 2691481, -2590150, 1265009, 4055324, 1247620, 2486353, 1595974,
    -3767016, 1250494, 2635921, -3548272, -2994039, 1869119, 1903435, -1050970,
    -1333058, 1237275, -3318210, -1430225, -451100, 1312455, 3306115, -1962642,
    -1279661, 1917081, -2546312, -1374803, 1500165, 777191, 2235880, 3406031,
    -542412, -2831860, -1671176, -1846953, -2584293, -3724270, 594136, -3776993,
    -2013608, 2432395, 2454455, -164721, 1957272, 3369112, 185531, -1207385,
    -3183426, 162844, 1616392, 3014001, 810149, 1652634, -3694233, -1799107,
    -3038916, 3523897, 3866901, 269760, 2213111, -975884, 1717735, 472078,
    -426683, 1723600, -1803090, 1910376, -1667432, -1104333, -260646, -3833893,
    -2939036, -2235985, -420899, -2286327, 183443, -976891, 1612842, -3545687,
    -554416, 3919660, -48306, -1362209, 3937738, 1400424, -846154, 1976782,
};

/* The last layer of ch_mldsa_invntt_tomont also applies Alg. 42 lines 21-23 (times
 * f = 256^-1 mod q) and the extra factor 2^32: INVNTT_F = f 2^64 mod q, and INVNTT_FZ =
 * -zeta^BitRev8(1) f 2^64 mod q, the layer's own twiddle folded in (both mod+- q). */
#define INVNTT_F 41978
#define INVNTT_FZ 3975713

static inline int32_t mont_mul(int32_t a, int32_t b)
{
    return ch_mldsa_mont_reduce((int64_t)a * b);
}

/* Alg. 41. Each layer adds at most q (a Montgomery product is below q in absolute value) to
 * the coefficient bound, so |input| < q gives |output| < 9q without intermediate reductions. */
void ch_mldsa_ntt_c(struct ch_mldsa_poly *a)
{
    int32_t *w = a->c;
    unsigned int m = 0;
    for (unsigned int len = 128; len >= 1; len >>= 1) {
        for (unsigned int start = 0; start < CH_MLDSA_N; start += 2 * len) {
            int32_t z = zetas[++m];
            for (unsigned int j = start; j < start + len; j++) {
                int32_t t = mont_mul(z, w[j + len]);
                w[j + len] = w[j] - t;
                w[j] = w[j] + t;
            }
        }
    }
}

/* Alg. 42. The sums of the Gentleman-Sande butterflies double the bound once per layer: with
 * |input| < q, the largest intermediate is below 256 q = 2145386752 < 2^31, so no reduction is
 * needed; the differences are reduced by their Montgomery product with zeta. The last layer
 * (len = 128, m = 1) is written out to merge the final scaling into it. */
void ch_mldsa_invntt_tomont_c(struct ch_mldsa_poly *a)
{
    int32_t *w = a->c;
    unsigned int m = CH_MLDSA_N;
    for (unsigned int len = 1; len < CH_MLDSA_N / 2; len <<= 1) {
        for (unsigned int start = 0; start < CH_MLDSA_N; start += 2 * len) {
            int32_t z = -zetas[--m];
            for (unsigned int j = start; j < start + len; j++) {
                int32_t t = w[j];
                w[j] = t + w[j + len];
                w[j + len] = mont_mul(z, t - w[j + len]);
            }
        }
    }
    for (unsigned int j = 0; j < CH_MLDSA_N / 2; j++) {
        int32_t t = w[j];
        w[j] = mont_mul(INVNTT_F, t + w[j + 128]);
        w[j + 128] = mont_mul(INVNTT_FZ, t - w[j + 128]);
    }
}

/* c = (sum_{j<n} a[j] o b[j] + d) 2^-32 (d may be NULL, may alias c). Accumulating in 64 bits
 * and reducing once is both faster and tighter than reducing each product: A entries are in
 * [0, q), NTT outputs below 9q, so l <= 7 products (or one product of two NTT outputs plus an
 * NTT output) stay far below 2^31 q. */
static void pointwise_acc_c(struct ch_mldsa_poly *c, const struct ch_mldsa_poly *a,
                            const struct ch_mldsa_poly *b, unsigned int n,
                            const struct ch_mldsa_poly *d)
{
    for (unsigned int i = 0; i < CH_MLDSA_N; i++) {
        int64_t acc = d != NULL ? d->c[i] : 0;
        for (unsigned int j = 0; j < n; j++)
            acc += (int64_t)a[j].c[i] * b[j].c[i];
        c->c[i] = ch_mldsa_mont_reduce(acc);
    }
}

#if CH_MLDSA_AVX2
/* ---- AVX2 ------------------------------------------------------------------------------------
 * Eight coefficients per register. A Montgomery product of 8 lanes: vpmuldq multiplies the even
 * 32-bit lanes into 64-bit products, the odd lanes are shifted down first; each 64-bit product
 * p is reduced exactly as ch_mldsa_mont_reduce does, t = low32(p) q^-1 mod 2^32 and
 * (p - t q) / 2^32, whose low half is zero, so the result is the high half. Layers with
 * len >= 8 pair whole registers; the last three (len 4, 2, 1) run on 64 coefficients at a time
 * after an 8 x 8 transpose, so that lane i holds block i and the butterflies pair registers
 * again, each lane with its own zeta (tables below, rearranged from zetas[] by block). */

/* zetas[] entries by block b of 8 coefficients (lane) and butterfly s within the block:
 * fwd4[0][b] = zetas[32 + b], fwd2[s][b] = zetas[64 + 2b + s], fwd1[s][b] = zetas[128 + 4b + s];
 * inv4[0][b] = -zetas[63 - b], inv2[s][b] = -zetas[127 - 2b - s], inv1[s][b] = -zetas[255 - 4b - s]
 * (the order in which Alg. 41 and 42 consume them). */
static const int32_t fwd4[1][32] = {
    {
        2706023, 95776, 3077325, 3530437, -1661693, -3592148, -2537516, 3915439,
        -3861115, -3043716, 3574422, -2867647, 3539968, -300467, 2348700, -539299,
        -1699267, -1643818, 3505694, -3821735, 3507263, -2140649, -1600420, 3699596,
        811944, 531354, 954230, 3881043, 3900724, -2556880, 2071892, -2797779,
    },
};
static const int32_t fwd2[2][32] = {
    {
        -3930395, -3677745, -1452451, 2176455, -1257611, -4083598, -3190144, -3632928,
        3412210, 2147896, -2967645, -411027, -671102, -22981, -381987, 1852771,
        -3343383, 508951, 44288, 904516, -3724342, 1653064, 2389356, 759969,
        189548, 3159746, -2409325, 1315589, 1285669, -812732, -3019102, -3628969,
    },
    {
        -1528703, -3041255, 3475950, -1585221, 1939314, -1000202, -3157330, 126922,
        -983419, 2715295, -3693493, -2477047, -1228525, -1308169, 1349076, -1430430,
        264944, 3097992, -1100098, 3958618, -8578, -3249728, -210977, -1316856,
        -3553272, -1851402, -177440, 1341330, -1584928, -1439742, -3881060, 3839961,
    },
};
static const int32_t fwd1[4][32] = {
    {
        2091667, -3342478, 266997, -3520352, 900702, 495491, -655327, -3556995,
        342297, 3437287, 2842341, 4055324, -3767016, -2994039, -1333058, -451100,
        -1279661, 1500165, -542412, -2584293, -2013608, 1957272, -3183426, 810149,
        -3038916, 2213111, -426683, -1667432, -2939036, 183443, -554416, 3937738,
    },
    {
        3407706, 2244091, 2434439, -3759364, 1859098, -1613174, -3122442, -525098,
        286988, -3342277, 2691481, 1247620, 1250494, 1869119, 1237275, 1312455,
        1917081, 777191, -2831860, -3724270, 2432395, 3369112, 162844, 1652634,
        3523897, -975884, 1723600, -1104333, -2235985, -976891, 3919660, 1400424,
    },
    {
        2316500, -2446433, -1235728, -1197226, 909542, -43260, 2031748, -768622,
        -2437823, 1735879, -2590150, 2486353, 2635921, 1903435, -3318210, 3306115,
        -2546312, 2235880, -1671176, 594136, 2454455, 185531, 1616392, -3694233,
        3866901, 1717735, -1803090, -260646, -420899, 1612842, -48306, -846154,
    },
    {
        3817976, -3562462, 3513181, -3193378, 819034, -522500, 3207046, -3595838,
        4108315, 203044, 1265009, 1595974, -3548272, -1050970, -1430225, -1962642,
        -1374803, 3406031, -1846953, -3776993, -164721, -1207385, 3014001, -1799107,
        269760, 472078, 1910376, -3833893, -2286327, -3545687, -1362209, 1976782,
    },
};
static const int32_t inv4[1][32] = {
    {
        2797779, -2071892, 2556880, -3900724, -3881043, -954230, -531354, -811944,
        -3699596, 1600420, 2140649, -3507263, 3821735, -3505694, 1643818, 1699267,
        539299, -2348700, 300467, -3539968, 2867647, -3574422, 3043716, 3861115,
        -3915439, 2537516, 3592148, 1661693, -3530437, -3077325, -95776, -2706023,
    },
};
static const int32_t inv2[2][32] = {
    {
        -3839961, 3881060, 1439742, 1584928, -1341330, 177440, 1851402, 3553272,
        1316856, 210977, 3249728, 8578, -3958618, 1100098, -3097992, -264944,
        1430430, -1349076, 1308169, 1228525, 2477047, 3693493, -2715295, 983419,
        -126922, 3157330, 1000202, -1939314, 1585221, -3475950, 3041255, 1528703,
    },
    {
        3628969, 3019102, 812732, -1285669, -1315589, 2409325, -3159746, -189548,
        -759969, -2389356, -1653064, 3724342, -904516, -44288, -508951, 3343383,
        -1852771, 381987, 22981, 671102, 411027, 2967645, -2147896, -3412210,
        3632928, 3190144, 4083598, 1257611, -2176455, 1452451, 3677745, 3930395,
    },
};
static const int32_t inv1[4][32] = {
    {
        -1976782, 1362209, 3545687, 2286327, 3833893, -1910376, -472078, -269760,
        1799107, -3014001, 1207385, 164721, 3776993, 1846953, -3406031, 1374803,
        1962642, 1430225, 1050970, 3548272, -1595974, -1265009, -203044, -4108315,
        3595838, -3207046, 522500, -819034, 3193378, -3513181, 3562462, -3817976,
    },
    {
        846154, 48306, -1612842, 420899, 260646, 1803090, -1717735, -3866901,
        3694233, -1616392, -185531, -2454455, -594136, 1671176, -2235880, 2546312,
        -3306115, 3318210, -1903435, -2635921, -2486353, 2590150, -1735879, 2437823,
        768622, -2031748, 43260, -909542, 1197226, 1235728, 2446433, -2316500,
    },
    {
        -1400424, -3919660, 976891, 2235985, 1104333, -1723600, 975884, -3523897,
        -1652634, -162844, -3369112, -2432395, 3724270, 2831860, -777191, -1917081,
        -1312455, -1237275, -1869119, -1250494, -1247620, -2691481, 3342277, -286988,
        525098, 3122442, 1613174, -1859098, 3759364, -2434439, -2244091, -3407706,
    },
    {
        -3937738, 554416, -183443, 2939036, 1667432, 426683, -2213111, 3038916,
        -810149, 3183426, -1957272, 2013608, 2584293, 542412, -1500165, 1279661,
        451100, 1333058, 2994039, 3767016, -4055324, -2842341, -3437287, -342297,
        3556995, 655327, -495491, -900702, 3520352, -266997, 3342478, -2091667,
    },
};

#define AVX2 __attribute__((target("avx2")))

/* Montgomery reduction of four 64-bit values in the even (e) and odd (o) lanes; result in the
 * 32-bit lanes. */
AVX2 static inline __m256i mont_reduce8(__m256i pe, __m256i po)
{
    const __m256i q = _mm256_set1_epi32(CH_MLDSA_Q);
    const __m256i qinv = _mm256_set1_epi32(CH_MLDSA_QINV);
    __m256i te = _mm256_mul_epi32(_mm256_mul_epi32(pe, qinv), q);
    __m256i to = _mm256_mul_epi32(_mm256_mul_epi32(po, qinv), q);
    __m256i re = _mm256_srli_epi64(_mm256_sub_epi64(pe, te), 32);
    __m256i ro = _mm256_sub_epi64(po, to);
    return _mm256_blend_epi32(re, ro, 0xAA);
}

AVX2 static inline __m256i mont_mul8(__m256i a, __m256i z)
{
    __m256i pe = _mm256_mul_epi32(a, z);
    __m256i po = _mm256_mul_epi32(_mm256_srli_epi64(a, 32), _mm256_srli_epi64(z, 32));
    return mont_reduce8(pe, po);
}

/* r[k][i] <- r[i][k]. */
AVX2 static inline void transpose8(__m256i r[8])
{
    __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]);
    __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]);
    __m256i t4 = _mm256_unpacklo_epi32(r[4], r[5]), t5 = _mm256_unpackhi_epi32(r[4], r[5]);
    __m256i t6 = _mm256_unpacklo_epi32(r[6], r[7]), t7 = _mm256_unpackhi_epi32(r[6], r[7]);
    __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
    __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
    __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
    __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
    r[0] = _mm256_permute2x128_si256(u0, u4, 0x20);
    r[1] = _mm256_permute2x128_si256(u1, u5, 0x20);
    r[2] = _mm256_permute2x128_si256(u2, u6, 0x20);
    r[3] = _mm256_permute2x128_si256(u3, u7, 0x20);
    r[4] = _mm256_permute2x128_si256(u0, u4, 0x31);
    r[5] = _mm256_permute2x128_si256(u1, u5, 0x31);
    r[6] = _mm256_permute2x128_si256(u2, u6, 0x31);
    r[7] = _mm256_permute2x128_si256(u3, u7, 0x31);
}

#define LOAD(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define STORE(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))

/* Cooley-Tukey butterfly of Alg. 41 lines 7-9. */
AVX2 static inline void ct_bfly(__m256i *a, __m256i *b, __m256i z)
{
    __m256i t = mont_mul8(*b, z);
    *b = _mm256_sub_epi32(*a, t);
    *a = _mm256_add_epi32(*a, t);
}

/* Gentleman-Sande butterfly of Alg. 42 lines 8-11. */
AVX2 static inline void gs_bfly(__m256i *a, __m256i *b, __m256i z)
{
    __m256i t = *a;
    *a = _mm256_add_epi32(t, *b);
    *b = mont_mul8(_mm256_sub_epi32(t, *b), z);
}

AVX2 static void ntt_avx2(struct ch_mldsa_poly *a)
{
    int32_t *w = a->c;
    unsigned int m = 0;
    for (unsigned int len = 128; len >= 8; len >>= 1) {
        for (unsigned int start = 0; start < CH_MLDSA_N; start += 2 * len) {
            __m256i z = _mm256_set1_epi32(zetas[++m]);
            for (unsigned int j = start; j < start + len; j += 8) {
                __m256i x = LOAD(w + j), y = LOAD(w + j + len);
                ct_bfly(&x, &y, z);
                STORE(w + j, x);
                STORE(w + j + len, y);
            }
        }
    }
    for (unsigned int c = 0; c < CH_MLDSA_N; c += 64) {
        __m256i r[8];
        unsigned int b = c / 8;
        for (unsigned int i = 0; i < 8; i++)
            r[i] = LOAD(w + c + 8 * i);
        transpose8(r);
        __m256i z4 = LOAD(&fwd4[0][b]);
        for (unsigned int k = 0; k < 4; k++)
            ct_bfly(&r[k], &r[k + 4], z4);
        __m256i z20 = LOAD(&fwd2[0][b]), z21 = LOAD(&fwd2[1][b]);
        ct_bfly(&r[0], &r[2], z20);
        ct_bfly(&r[1], &r[3], z20);
        ct_bfly(&r[4], &r[6], z21);
        ct_bfly(&r[5], &r[7], z21);
        for (unsigned int s = 0; s < 4; s++)
            ct_bfly(&r[2 * s], &r[2 * s + 1], LOAD(&fwd1[s][b]));
        transpose8(r);
        for (unsigned int i = 0; i < 8; i++)
            STORE(w + c + 8 * i, r[i]);
    }
}

AVX2 static void invntt_avx2(struct ch_mldsa_poly *a)
{
    int32_t *w = a->c;
    for (unsigned int c = 0; c < CH_MLDSA_N; c += 64) {
        __m256i r[8];
        unsigned int b = c / 8;
        for (unsigned int i = 0; i < 8; i++)
            r[i] = LOAD(w + c + 8 * i);
        transpose8(r);
        for (unsigned int s = 0; s < 4; s++)
            gs_bfly(&r[2 * s], &r[2 * s + 1], LOAD(&inv1[s][b]));
        __m256i z20 = LOAD(&inv2[0][b]), z21 = LOAD(&inv2[1][b]);
        gs_bfly(&r[0], &r[2], z20);
        gs_bfly(&r[1], &r[3], z20);
        gs_bfly(&r[4], &r[6], z21);
        gs_bfly(&r[5], &r[7], z21);
        __m256i z4 = LOAD(&inv4[0][b]);
        for (unsigned int k = 0; k < 4; k++)
            gs_bfly(&r[k], &r[k + 4], z4);
        transpose8(r);
        for (unsigned int i = 0; i < 8; i++)
            STORE(w + c + 8 * i, r[i]);
    }
    unsigned int m = 32;
    for (unsigned int len = 8; len < CH_MLDSA_N / 2; len <<= 1) {
        for (unsigned int start = 0; start < CH_MLDSA_N; start += 2 * len) {
            __m256i z = _mm256_set1_epi32(-zetas[--m]);
            for (unsigned int j = start; j < start + len; j += 8) {
                __m256i x = LOAD(w + j), y = LOAD(w + j + len);
                gs_bfly(&x, &y, z);
                STORE(w + j, x);
                STORE(w + j + len, y);
            }
        }
    }
    const __m256i f = _mm256_set1_epi32(INVNTT_F), fz = _mm256_set1_epi32(INVNTT_FZ);
    for (unsigned int j = 0; j < CH_MLDSA_N / 2; j += 8) {
        __m256i x = LOAD(w + j), y = LOAD(w + j + 128);
        STORE(w + j, mont_mul8(_mm256_add_epi32(x, y), f));
        STORE(w + j + 128, mont_mul8(_mm256_sub_epi32(x, y), fz));
    }
}

AVX2 static void pointwise_acc_avx2(struct ch_mldsa_poly *c, const struct ch_mldsa_poly *a,
                                    const struct ch_mldsa_poly *b, unsigned int n,
                                    const struct ch_mldsa_poly *d)
{
    const __m256i one = _mm256_set1_epi32(1);
    for (unsigned int i = 0; i < CH_MLDSA_N; i += 8) {
        __m256i pe = _mm256_setzero_si256(), po = _mm256_setzero_si256();
        if (d != NULL) { /* sign-extended to 64 bits by a product with 1 */
            __m256i x = LOAD(d->c + i);
            pe = _mm256_mul_epi32(x, one);
            po = _mm256_mul_epi32(_mm256_srli_epi64(x, 32), one);
        }
        for (unsigned int j = 0; j < n; j++) {
            __m256i x = LOAD(a[j].c + i), y = LOAD(b[j].c + i);
            pe = _mm256_add_epi64(pe, _mm256_mul_epi32(x, y));
            po = _mm256_add_epi64(po, _mm256_mul_epi32(_mm256_srli_epi64(x, 32),
                                                       _mm256_srli_epi64(y, 32)));
        }
        STORE(c->c + i, mont_reduce8(pe, po));
    }
}

/* __builtin_cpu_supports reads what libgcc's constructor found; cheap enough per call. */
static int have_avx2(void)
{
    return __builtin_cpu_supports("avx2");
}
#else
static int have_avx2(void)
{
    return 0;
}
#endif

void ch_mldsa_ntt(struct ch_mldsa_poly *a)
{
#if CH_MLDSA_AVX2
    if (have_avx2()) {
        ntt_avx2(a);
        return;
    }
#endif
    ch_mldsa_ntt_c(a);
}

void ch_mldsa_invntt_tomont(struct ch_mldsa_poly *a)
{
#if CH_MLDSA_AVX2
    if (have_avx2()) {
        invntt_avx2(a);
        return;
    }
#endif
    ch_mldsa_invntt_tomont_c(a);
}

static void pointwise_any(struct ch_mldsa_poly *c, const struct ch_mldsa_poly *a,
                          const struct ch_mldsa_poly *b, unsigned int n,
                          const struct ch_mldsa_poly *d)
{
#if CH_MLDSA_AVX2
    if (have_avx2()) {
        pointwise_acc_avx2(c, a, b, n, d);
        return;
    }
#endif
    pointwise_acc_c(c, a, b, n, d);
}

void ch_mldsa_poly_pointwise(struct ch_mldsa_poly *c, const struct ch_mldsa_poly *a,
                             const struct ch_mldsa_poly *b)
{
    pointwise_any(c, a, b, 1, NULL);
}

void ch_mldsa_poly_pointwise_add(struct ch_mldsa_poly *c, const struct ch_mldsa_poly *a,
                                 const struct ch_mldsa_poly *b, const struct ch_mldsa_poly *d)
{
    pointwise_any(c, a, b, 1, d);
}

void ch_mldsa_poly_pointwise_acc(struct ch_mldsa_poly *c, const struct ch_mldsa_poly *a,
                                 const struct ch_mldsa_poly *b, unsigned int n)
{
    pointwise_any(c, a, b, n, NULL);
}

int ch_mldsa_have_avx2(void)
{
    return have_avx2();
}
