/* SPDX-License-Identifier: Apache-2.0 */
/* Four SHAKE128 or SHAKE256 instances computed side by side (FIPS 202 Keccak-f[1600],
 * Algorithm 7, and the sponge of Algorithm 8 for one short input block), for the samplers of
 * FIPS 204 §7.3 that hash many independent seeds: ExpandA, ExpandS, ExpandMask. src/pqc layer.
 * With AVX2 the four permutations run in the four 64-bit lanes of each register; without it,
 * one after the other with ch_keccak_f1600. Constant time: only bitwise operations and fixed
 * rotations on the state. The unit test checks it against src/pqc/common/fips202.c. */
#include "pqc/mldsa/mldsa_internal.h"

#include <string.h>

#include "pqc/common/fips202.h"

#if CH_MLDSA_AVX2
#include <immintrin.h>

/* iota round constants (FIPS 202 §3.2.5, Algorithm 5 and 6). */
static const uint64_t rc[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

#define AVX2 __attribute__((target("avx2")))
#define ROL(v, n) _mm256_or_si256(_mm256_slli_epi64((v), (n)), _mm256_srli_epi64((v), 64 - (n)))

/* One round Rnd = iota . chi . pi . rho . theta on lanes a[x + 5y]; the rho offsets are FIPS 202
 * Table 2 and pi moves lane (x, y) to (y, 2x + 3y). Written out so every rotation count is an
 * immediate. */
#define THETA_RHO_PI(a, b)                                                                      \
    do {                                                                                       \
        __m256i c0 = _mm256_xor_si256(_mm256_xor_si256(a[0], a[5]),                            \
                                      _mm256_xor_si256(_mm256_xor_si256(a[10], a[15]), a[20])); \
        __m256i c1 = _mm256_xor_si256(_mm256_xor_si256(a[1], a[6]),                            \
                                      _mm256_xor_si256(_mm256_xor_si256(a[11], a[16]), a[21])); \
        __m256i c2 = _mm256_xor_si256(_mm256_xor_si256(a[2], a[7]),                            \
                                      _mm256_xor_si256(_mm256_xor_si256(a[12], a[17]), a[22])); \
        __m256i c3 = _mm256_xor_si256(_mm256_xor_si256(a[3], a[8]),                            \
                                      _mm256_xor_si256(_mm256_xor_si256(a[13], a[18]), a[23])); \
        __m256i c4 = _mm256_xor_si256(_mm256_xor_si256(a[4], a[9]),                            \
                                      _mm256_xor_si256(_mm256_xor_si256(a[14], a[19]), a[24])); \
        __m256i d0 = _mm256_xor_si256(c4, ROL(c1, 1));                                         \
        __m256i d1 = _mm256_xor_si256(c0, ROL(c2, 1));                                         \
        __m256i d2 = _mm256_xor_si256(c1, ROL(c3, 1));                                         \
        __m256i d3 = _mm256_xor_si256(c2, ROL(c4, 1));                                         \
        __m256i d4 = _mm256_xor_si256(c3, ROL(c0, 1));                                         \
        b[0] = _mm256_xor_si256(a[0], d0);                                                     \
        b[16] = ROL(_mm256_xor_si256(a[5], d0), 36);                                           \
        b[7] = ROL(_mm256_xor_si256(a[10], d0), 3);                                            \
        b[23] = ROL(_mm256_xor_si256(a[15], d0), 41);                                          \
        b[14] = ROL(_mm256_xor_si256(a[20], d0), 18);                                          \
        b[10] = ROL(_mm256_xor_si256(a[1], d1), 1);                                            \
        b[1] = ROL(_mm256_xor_si256(a[6], d1), 44);                                            \
        b[17] = ROL(_mm256_xor_si256(a[11], d1), 10);                                          \
        b[8] = ROL(_mm256_xor_si256(a[16], d1), 45);                                           \
        b[24] = ROL(_mm256_xor_si256(a[21], d1), 2);                                           \
        b[20] = ROL(_mm256_xor_si256(a[2], d2), 62);                                           \
        b[11] = ROL(_mm256_xor_si256(a[7], d2), 6);                                            \
        b[2] = ROL(_mm256_xor_si256(a[12], d2), 43);                                           \
        b[18] = ROL(_mm256_xor_si256(a[17], d2), 15);                                          \
        b[9] = ROL(_mm256_xor_si256(a[22], d2), 61);                                           \
        b[5] = ROL(_mm256_xor_si256(a[3], d3), 28);                                            \
        b[21] = ROL(_mm256_xor_si256(a[8], d3), 55);                                           \
        b[12] = ROL(_mm256_xor_si256(a[13], d3), 25);                                          \
        b[3] = ROL(_mm256_xor_si256(a[18], d3), 21);                                           \
        b[19] = ROL(_mm256_xor_si256(a[23], d3), 56);                                          \
        b[15] = ROL(_mm256_xor_si256(a[4], d4), 27);                                           \
        b[6] = ROL(_mm256_xor_si256(a[9], d4), 20);                                            \
        b[22] = ROL(_mm256_xor_si256(a[14], d4), 39);                                          \
        b[13] = ROL(_mm256_xor_si256(a[19], d4), 8);                                           \
        b[4] = ROL(_mm256_xor_si256(a[24], d4), 14);                                           \
    } while (0)

#define CHI_ROW(a, b, y)                                                                        \
    do {                                                                                       \
        a[5 * (y) + 0] = _mm256_xor_si256(b[5 * (y) + 0],                                      \
                                          _mm256_andnot_si256(b[5 * (y) + 1], b[5 * (y) + 2])); \
        a[5 * (y) + 1] = _mm256_xor_si256(b[5 * (y) + 1],                                      \
                                          _mm256_andnot_si256(b[5 * (y) + 2], b[5 * (y) + 3])); \
        a[5 * (y) + 2] = _mm256_xor_si256(b[5 * (y) + 2],                                      \
                                          _mm256_andnot_si256(b[5 * (y) + 3], b[5 * (y) + 4])); \
        a[5 * (y) + 3] = _mm256_xor_si256(b[5 * (y) + 3],                                      \
                                          _mm256_andnot_si256(b[5 * (y) + 4], b[5 * (y) + 0])); \
        a[5 * (y) + 4] = _mm256_xor_si256(b[5 * (y) + 4],                                      \
                                          _mm256_andnot_si256(b[5 * (y) + 0], b[5 * (y) + 1])); \
    } while (0)

AVX2 static void f1600x4_avx2(uint64_t s[25][4])
{
    __m256i a[25], b[25];
    for (unsigned int i = 0; i < 25; i++)
        a[i] = _mm256_loadu_si256((const __m256i *)(const void *)s[i]);
    for (unsigned int r = 0; r < 24; r++) {
        THETA_RHO_PI(a, b);
        CHI_ROW(a, b, 0);
        CHI_ROW(a, b, 1);
        CHI_ROW(a, b, 2);
        CHI_ROW(a, b, 3);
        CHI_ROW(a, b, 4);
        a[0] = _mm256_xor_si256(a[0], _mm256_set1_epi64x((long long)rc[r]));
    }
    for (unsigned int i = 0; i < 25; i++)
        _mm256_storeu_si256((__m256i *)(void *)s[i], a[i]);
}
#endif

void ch_mldsa_f1600x4(uint64_t s[25][4])
{
#if CH_MLDSA_AVX2
    if (ch_mldsa_have_avx2()) {
        f1600x4_avx2(s);
        return;
    }
#endif
    for (unsigned int j = 0; j < 4; j++) {
        uint64_t t[25];
        for (unsigned int i = 0; i < 25; i++)
            t[i] = s[i][j];
        ch_keccak_f1600(t);
        for (unsigned int i = 0; i < 25; i++)
            s[i][j] = t[i];
    }
}

/* Lane i of instance j holds state bytes 8i..8i+7, little-endian (FIPS 202 §3.1.2, B.1). */
void ch_mldsa_xof4_absorb(struct ch_mldsa_xof4 *st, unsigned int rate, const uint8_t *const in[4],
                          size_t len)
{
    memset(st->s, 0, sizeof st->s);
    st->rate = rate;
    for (unsigned int j = 0; j < 4; j++) {
        for (size_t i = 0; i < len; i++)
            st->s[i / 8][j] ^= (uint64_t)in[j][i] << (8 * (i % 8));
        st->s[len / 8][j] ^= (uint64_t)0x1F << (8 * (len % 8));        /* SHAKE suffix 1111 + pad */
        st->s[(rate - 1) / 8][j] ^= (uint64_t)0x80 << (8 * ((rate - 1) % 8)); /* pad10*1 end */
    }
}

void ch_mldsa_xof4_squeezeblock(struct ch_mldsa_xof4 *st, uint8_t *const out[4])
{
    ch_mldsa_f1600x4(st->s);
    for (unsigned int j = 0; j < 4; j++)
        for (unsigned int i = 0; i < st->rate / 8; i++) {
            uint64_t v = st->s[i][j];
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            memcpy(out[j] + 8 * i, &v, 8);
#else
            for (unsigned int k = 0; k < 8; k++)
                out[j][8 * i + k] = (uint8_t)(v >> (8 * k));
#endif
        }
}
