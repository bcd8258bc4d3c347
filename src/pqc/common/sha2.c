/* SPDX-License-Identifier: Apache-2.0 */
/* FIPS 180-4 SHA-256 / SHA-512 compression and padding, HMAC (FIPS 198-1), MGF1 (RFC 8017
 * B.2.1). pqc layer: no OpenSSL, no allocation. The SHA-256 compression has a SHA-NI variant
 * selected at run time (x86-64 only); both variants are checked against OpenSSL in
 * tests/unit/test_sha2.c. No data-dependent branches or table lookups. */
#include "pqc/common/sha2.h"

#include <string.h>

#include "util/ch_wipe.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define CH_SHA2_HAVE_X86 1
#include <immintrin.h>
#endif

/* FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first
 * 64 primes. */
static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* FIPS 180-4 §5.3.3. */
static const uint32_t IV256[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* FIPS 180-4 §5.3.2 (SHA-224). */
static const uint32_t IV224[8] = {
    0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4,
};

/* FIPS 180-4 §4.2.3: the first 64 bits of the fractional parts of the cube roots of the first
 * 80 primes. */
static const uint64_t K512[80] = {
    0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
    0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
    0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
    0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
    0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
    0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
    0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
    0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
    0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
    0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
    0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
    0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
    0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
    0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
    0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
    0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
    0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
    0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
};

/* FIPS 180-4 §5.3.5. */
static const uint64_t IV512[8] = {
    0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
    0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
};

static inline uint32_t rotr32(uint32_t x, unsigned int r)
{
    return (x >> r) | (x << (32u - r));
}

static inline uint64_t rotr64(uint64_t x, unsigned int r)
{
    return (x >> r) | (x << (64u - r));
}

static inline uint32_t load32be(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline uint64_t load64be(const uint8_t *p)
{
    return ((uint64_t)load32be(p) << 32) | load32be(p + 4);
}

static inline void store32be(uint8_t *p, uint32_t x)
{
    p[0] = (uint8_t)(x >> 24);
    p[1] = (uint8_t)(x >> 16);
    p[2] = (uint8_t)(x >> 8);
    p[3] = (uint8_t)x;
}

static inline void store64be(uint8_t *p, uint64_t x)
{
    store32be(p, (uint32_t)(x >> 32));
    store32be(p + 4, (uint32_t)x);
}

/* FIPS 180-4 §5.3.4 (SHA-384), §5.3.6.1 (SHA-512/224), §5.3.6.2 (SHA-512/256). */
static const uint64_t IV384[8] = {
    0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17, 0x152fecd8f70e5939,
    0x67332667ffc00b31, 0x8eb44a8768581511, 0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4,
};
static const uint64_t IV512_224[8] = {
    0x8c3d37c819544da2, 0x73e1996689dcd4d6, 0x1dfab7ae32ff9c82, 0x679dd514582f9fcf,
    0x0f6d2b697bd44da8, 0x77e36f7304c48942, 0x3f9d85a86a1d36c8, 0x1112e6ad91d692a1,
};
static const uint64_t IV512_256[8] = {
    0x22312194fc2bf72c, 0x9f555fa3c84c64c2, 0x2393b86b6f53b151, 0x963877195940eabd,
    0x96283ee2a88effe3, 0xbe5e1e2553863992, 0x2b0199fc2c85b8aa, 0x0eb72ddc81c52ca2,
};

/* ---- SHA-256 compression (FIPS 180-4 §6.2.2) ---- */

void ch_sha256_compress_generic(uint32_t h[8], const uint8_t *blocks, size_t nblocks)
{
    uint32_t w[64];

    while (nblocks-- > 0) {
        for (unsigned int t = 0; t < 16; t++)
            w[t] = load32be(blocks + 4 * t);
        for (unsigned int t = 16; t < 64; t++) {
            uint32_t s0 = rotr32(w[t - 15], 7) ^ rotr32(w[t - 15], 18) ^ (w[t - 15] >> 3);
            uint32_t s1 = rotr32(w[t - 2], 17) ^ rotr32(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
        uint32_t e = h[4], f = h[5], g = h[6], hh = h[7];
        for (unsigned int t = 0; t < 64; t++) {
            uint32_t t1 = hh + (rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25)) +
                          ((e & f) ^ (~e & g)) + K256[t] + w[t];
            uint32_t t2 = (rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22)) +
                          ((a & b) ^ (a & c) ^ (b & c));
            hh = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += hh;
        blocks += CH_SHA256_BLOCK_BYTES;
    }
    ch_wipe(w, sizeof w);
}

#ifdef CH_SHA2_HAVE_X86
/* SHA-NI: the state lives in two registers, ABEF and CDGH (the order sha256rnds2 wants);
 * each sha256rnds2 does two rounds, the message schedule uses sha256msg1/msg2 four words at a
 * time: W[t..t+3] = msg2(msg1(W[t-16..], W[t-12..]) + W[t-7..t-4], W[t-4..t-1]). */
__attribute__((target("sha,sse4.1,ssse3"))) static void
sha256_compress_shani(uint32_t h[8], const uint8_t *blocks, size_t nblocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i t0 = _mm_loadu_si128((const __m128i *)(const void *)&h[0]); /* a b c d */
    __m128i s1 = _mm_loadu_si128((const __m128i *)(const void *)&h[4]); /* e f g h */

    t0 = _mm_shuffle_epi32(t0, 0xB1);          /* b a d c */
    s1 = _mm_shuffle_epi32(s1, 0x1B);          /* h g f e */
    __m128i s0 = _mm_alignr_epi8(t0, s1, 8);   /* f e b a = ABEF */
    s1 = _mm_blend_epi16(s1, t0, 0xF0);        /* h g d c = CDGH */

    while (nblocks-- > 0) {
        __m128i w[4];
        const __m128i save0 = s0, save1 = s1;

        for (unsigned int g = 0; g < 16; g++) {
            __m128i msg;
            if (g < 4) {
                w[g] = _mm_shuffle_epi8(
                    _mm_loadu_si128((const __m128i *)(const void *)(blocks + 16 * g)), bswap);
            } else {
                /* w[g%4] = W_{g-4}, w[(g+1)%4] = W_{g-3}, w[(g+2)%4] = W_{g-2}, w[(g+3)%4] = W_{g-1} */
                __m128i x = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
                w[g & 3] = _mm_sha256msg2_epu32(x, w[(g + 3) & 3]);
            }
            msg = _mm_add_epi32(w[g & 3],
                                _mm_loadu_si128((const __m128i *)(const void *)&K256[4 * g]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
            msg = _mm_shuffle_epi32(msg, 0x0E);
            s0 = _mm_sha256rnds2_epu32(s0, s1, msg);
        }
        s0 = _mm_add_epi32(s0, save0);
        s1 = _mm_add_epi32(s1, save1);
        blocks += CH_SHA256_BLOCK_BYTES;
    }

    t0 = _mm_shuffle_epi32(s0, 0x1B);          /* a b e f */
    s1 = _mm_shuffle_epi32(s1, 0xB1);          /* g h c d */
    s0 = _mm_blend_epi16(t0, s1, 0xF0);        /* a b c d */
    s1 = _mm_alignr_epi8(s1, t0, 8);           /* e f g h */
    _mm_storeu_si128((__m128i *)(void *)&h[0], s0);
    _mm_storeu_si128((__m128i *)(void *)&h[4], s1);
}

/* Four independent single-block compressions interleaved: sha256rnds2 has a latency of several
 * cycles, so one message stream leaves the unit idle most of the time; four streams fill it.
 * Same register layout and schedule as sha256_compress_shani. */
__attribute__((target("sha,sse4.1,ssse3"))) static void
sha256_compress_shani_x4(uint32_t *const h[4], const uint8_t *const blocks[4])
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i s0[4], s1[4], save0[4], save1[4], w[4][4];

    for (unsigned int k = 0; k < 4; k++) {
        __m128i t0 = _mm_loadu_si128((const __m128i *)(const void *)&h[k][0]);
        __m128i t1 = _mm_loadu_si128((const __m128i *)(const void *)&h[k][4]);
        t0 = _mm_shuffle_epi32(t0, 0xB1);
        t1 = _mm_shuffle_epi32(t1, 0x1B);
        s0[k] = save0[k] = _mm_alignr_epi8(t0, t1, 8);
        s1[k] = save1[k] = _mm_blend_epi16(t1, t0, 0xF0);
    }
    for (unsigned int g = 0; g < 16; g++) {
        const __m128i kg = _mm_loadu_si128((const __m128i *)(const void *)&K256[4 * g]);
        for (unsigned int k = 0; k < 4; k++) {
            __m128i msg;
            if (g < 4) {
                w[k][g] = _mm_shuffle_epi8(
                    _mm_loadu_si128((const __m128i *)(const void *)(blocks[k] + 16 * g)), bswap);
            } else {
                __m128i x = _mm_sha256msg1_epu32(w[k][g & 3], w[k][(g + 1) & 3]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(w[k][(g + 3) & 3], w[k][(g + 2) & 3], 4));
                w[k][g & 3] = _mm_sha256msg2_epu32(x, w[k][(g + 3) & 3]);
            }
            msg = _mm_add_epi32(w[k][g & 3], kg);
            s1[k] = _mm_sha256rnds2_epu32(s1[k], s0[k], msg);
            msg = _mm_shuffle_epi32(msg, 0x0E);
            s0[k] = _mm_sha256rnds2_epu32(s0[k], s1[k], msg);
        }
    }
    for (unsigned int k = 0; k < 4; k++) {
        __m128i a = _mm_add_epi32(s0[k], save0[k]);
        __m128i b = _mm_add_epi32(s1[k], save1[k]);
        __m128i t0 = _mm_shuffle_epi32(a, 0x1B);
        b = _mm_shuffle_epi32(b, 0xB1);
        _mm_storeu_si128((__m128i *)(void *)&h[k][0], _mm_blend_epi16(t0, b, 0xF0));
        _mm_storeu_si128((__m128i *)(void *)&h[k][4], _mm_alignr_epi8(b, t0, 8));
    }
}
#endif

int ch_sha256_have_shani(void)
{
#ifdef CH_SHA2_HAVE_X86
    return __builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1") &&
           __builtin_cpu_supports("ssse3");
#else
    return 0;
#endif
}

#ifdef CH_SHA2_HAVE_X86
/* 1 if SHA-NI is to be used. Probed once; a benign race: every thread that probes stores the
 * same value. */
static int use_shani(void)
{
    static volatile int impl = 0; /* 0 = not probed yet, 1 = generic, 2 = SHA-NI */
    int i = impl;
    if (i == 0) {
        i = ch_sha256_have_shani() ? 2 : 1;
        impl = i;
    }
    return i == 2;
}
#endif

void ch_sha256_compress(uint32_t h[8], const uint8_t *blocks, size_t nblocks)
{
#ifdef CH_SHA2_HAVE_X86
    if (use_shani()) {
        sha256_compress_shani(h, blocks, nblocks);
        return;
    }
#endif
    ch_sha256_compress_generic(h, blocks, nblocks);
}

void ch_sha256_compress_x4(uint32_t *const h[4], const uint8_t *const blocks[4])
{
#ifdef CH_SHA2_HAVE_X86
    if (use_shani()) {
        sha256_compress_shani_x4(h, blocks);
        return;
    }
#endif
    for (unsigned int k = 0; k < 4; k++)
        ch_sha256_compress_generic(h[k], blocks[k], 1);
}

/* ---- SHA-512 compression (FIPS 180-4 §6.4.2) ---- */

void ch_sha512_compress(uint64_t h[8], const uint8_t *blocks, size_t nblocks)
{
    uint64_t w[80];

    while (nblocks-- > 0) {
        for (unsigned int t = 0; t < 16; t++)
            w[t] = load64be(blocks + 8 * t);
        for (unsigned int t = 16; t < 80; t++) {
            uint64_t s0 = rotr64(w[t - 15], 1) ^ rotr64(w[t - 15], 8) ^ (w[t - 15] >> 7);
            uint64_t s1 = rotr64(w[t - 2], 19) ^ rotr64(w[t - 2], 61) ^ (w[t - 2] >> 6);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        uint64_t a = h[0], b = h[1], c = h[2], d = h[3];
        uint64_t e = h[4], f = h[5], g = h[6], hh = h[7];
        for (unsigned int t = 0; t < 80; t++) {
            uint64_t t1 = hh + (rotr64(e, 14) ^ rotr64(e, 18) ^ rotr64(e, 41)) +
                          ((e & f) ^ (~e & g)) + K512[t] + w[t];
            uint64_t t2 = (rotr64(a, 28) ^ rotr64(a, 34) ^ rotr64(a, 39)) +
                          ((a & b) ^ (a & c) ^ (b & c));
            hh = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += hh;
        blocks += CH_SHA512_BLOCK_BYTES;
    }
    ch_wipe(w, sizeof w);
}

#ifdef CH_SHA2_HAVE_X86
#define ROTR4(x, r) _mm256_or_si256(_mm256_srli_epi64((x), (r)), _mm256_slli_epi64((x), 64 - (r)))

/* Four independent SHA-512 compressions, one 64-bit lane of a 256-bit register per message
 * (FIPS 180-4 §6.4.2 written for vectors). */
__attribute__((target("avx2"))) static void sha512_compress_avx2_x4(uint64_t *const h[4],
                                                                     const uint8_t *const blocks[4])
{
    __m256i w[16], v[8], save[8];

    for (unsigned int i = 0; i < 8; i++)
        v[i] = save[i] = _mm256_set_epi64x((long long)h[3][i], (long long)h[2][i],
                                           (long long)h[1][i], (long long)h[0][i]);
    for (unsigned int t = 0; t < 16; t++)
        w[t] = _mm256_set_epi64x((long long)load64be(blocks[3] + 8 * t),
                                 (long long)load64be(blocks[2] + 8 * t),
                                 (long long)load64be(blocks[1] + 8 * t),
                                 (long long)load64be(blocks[0] + 8 * t));
    for (unsigned int t = 0; t < 80; t++) {
        if (t >= 16) {
            __m256i x15 = w[(t - 15) & 15], x2 = w[(t - 2) & 15];
            __m256i s0 = _mm256_xor_si256(_mm256_xor_si256(ROTR4(x15, 1), ROTR4(x15, 8)),
                                          _mm256_srli_epi64(x15, 7));
            __m256i s1 = _mm256_xor_si256(_mm256_xor_si256(ROTR4(x2, 19), ROTR4(x2, 61)),
                                          _mm256_srli_epi64(x2, 6));
            w[t & 15] = _mm256_add_epi64(_mm256_add_epi64(w[t & 15], s0),
                                         _mm256_add_epi64(w[(t - 7) & 15], s1));
        }
        __m256i a = v[0], b = v[1], c = v[2], e = v[4], f = v[5], g = v[6];
        __m256i S1 = _mm256_xor_si256(_mm256_xor_si256(ROTR4(e, 14), ROTR4(e, 18)), ROTR4(e, 41));
        __m256i ch = _mm256_xor_si256(_mm256_and_si256(e, f), _mm256_andnot_si256(e, g));
        __m256i t1 = _mm256_add_epi64(
            _mm256_add_epi64(v[7], S1),
            _mm256_add_epi64(_mm256_add_epi64(ch, _mm256_set1_epi64x((long long)K512[t])),
                             w[t & 15]));
        __m256i S0 = _mm256_xor_si256(_mm256_xor_si256(ROTR4(a, 28), ROTR4(a, 34)), ROTR4(a, 39));
        __m256i maj = _mm256_or_si256(_mm256_and_si256(a, _mm256_or_si256(b, c)),
                                      _mm256_and_si256(b, c));
        __m256i t2 = _mm256_add_epi64(S0, maj);
        v[7] = g;
        v[6] = f;
        v[5] = e;
        v[4] = _mm256_add_epi64(v[3], t1);
        v[3] = c;
        v[2] = b;
        v[1] = a;
        v[0] = _mm256_add_epi64(t1, t2);
    }
    for (unsigned int i = 0; i < 8; i++) {
        uint64_t lanes[4];
        _mm256_storeu_si256((__m256i *)(void *)lanes, _mm256_add_epi64(v[i], save[i]));
        for (unsigned int k = 0; k < 4; k++)
            h[k][i] = lanes[k];
    }
}
#endif

void ch_sha512_compress_x4(uint64_t *const h[4], const uint8_t *const blocks[4])
{
#ifdef CH_SHA2_HAVE_X86
    if (__builtin_cpu_supports("avx2")) {
        sha512_compress_avx2_x4(h, blocks);
        return;
    }
#endif
    for (unsigned int k = 0; k < 4; k++)
        ch_sha512_compress(h[k], blocks[k], 1);
}

/* ---- SHA-256 incremental ---- */

void ch_sha256_init(struct ch_sha256 *st)
{
    memcpy(st->h, IV256, sizeof st->h);
    st->nblocks = 0;
    st->buflen = 0;
}

void ch_sha256_update(struct ch_sha256 *st, const uint8_t *in, size_t len)
{
    if (len == 0)
        return;
    if (st->buflen > 0) {
        size_t take = CH_SHA256_BLOCK_BYTES - st->buflen;
        if (take > len)
            take = len;
        memcpy(st->buf + st->buflen, in, take);
        st->buflen += (unsigned int)take;
        in += take;
        len -= take;
        if (st->buflen < CH_SHA256_BLOCK_BYTES)
            return;
        ch_sha256_compress(st->h, st->buf, 1);
        st->nblocks++;
        st->buflen = 0;
    }
    size_t nb = len / CH_SHA256_BLOCK_BYTES;
    if (nb > 0) {
        ch_sha256_compress(st->h, in, nb);
        st->nblocks += nb;
        in += nb * CH_SHA256_BLOCK_BYTES;
        len -= nb * CH_SHA256_BLOCK_BYTES;
    }
    if (len > 0) {
        memcpy(st->buf, in, len);
        st->buflen = (unsigned int)len;
    }
}

/* FIPS 180-4 §5.1.1: 0x80, zeros, then the 64-bit big-endian bit length. */
void ch_sha256_final(struct ch_sha256 *st, uint8_t out[CH_SHA256_DIGEST_BYTES])
{
    uint64_t bits = (st->nblocks * CH_SHA256_BLOCK_BYTES + st->buflen) * 8u;
    unsigned int n = st->buflen;

    st->buf[n++] = 0x80;
    if (n > CH_SHA256_BLOCK_BYTES - 8) {
        memset(st->buf + n, 0, CH_SHA256_BLOCK_BYTES - n);
        ch_sha256_compress(st->h, st->buf, 1);
        n = 0;
    }
    memset(st->buf + n, 0, CH_SHA256_BLOCK_BYTES - 8 - n);
    store64be(st->buf + CH_SHA256_BLOCK_BYTES - 8, bits);
    ch_sha256_compress(st->h, st->buf, 1);
    for (unsigned int i = 0; i < 8; i++)
        store32be(out + 4 * i, st->h[i]);
    ch_sha256_clear(st);
}

void ch_sha256(uint8_t out[CH_SHA256_DIGEST_BYTES], const uint8_t *in, size_t len)
{
    struct ch_sha256 st;
    ch_sha256_init(&st);
    ch_sha256_update(&st, in, len);
    ch_sha256_final(&st, out);
}

void ch_sha256_clear(struct ch_sha256 *st)
{
    ch_wipe(st, sizeof *st);
}

int ch_sha256_snapshot(const struct ch_sha256 *st, struct ch_sha256_mid *mid)
{
    if (st->buflen != 0)
        return CH_PQC_ERR_INPUT;
    memcpy(mid->h, st->h, sizeof mid->h);
    mid->nblocks = st->nblocks;
    return CH_PQC_OK;
}

void ch_sha256_resume(struct ch_sha256 *st, const struct ch_sha256_mid *mid)
{
    memcpy(st->h, mid->h, sizeof st->h);
    st->nblocks = mid->nblocks;
    st->buflen = 0;
}

/* ---- SHA-512 incremental ---- */

void ch_sha512_init(struct ch_sha512 *st)
{
    memcpy(st->h, IV512, sizeof st->h);
    st->nblocks = 0;
    st->buflen = 0;
}

void ch_sha512_update(struct ch_sha512 *st, const uint8_t *in, size_t len)
{
    if (len == 0)
        return;
    if (st->buflen > 0) {
        size_t take = CH_SHA512_BLOCK_BYTES - st->buflen;
        if (take > len)
            take = len;
        memcpy(st->buf + st->buflen, in, take);
        st->buflen += (unsigned int)take;
        in += take;
        len -= take;
        if (st->buflen < CH_SHA512_BLOCK_BYTES)
            return;
        ch_sha512_compress(st->h, st->buf, 1);
        st->nblocks++;
        st->buflen = 0;
    }
    size_t nb = len / CH_SHA512_BLOCK_BYTES;
    if (nb > 0) {
        ch_sha512_compress(st->h, in, nb);
        st->nblocks += nb;
        in += nb * CH_SHA512_BLOCK_BYTES;
        len -= nb * CH_SHA512_BLOCK_BYTES;
    }
    if (len > 0) {
        memcpy(st->buf, in, len);
        st->buflen = (unsigned int)len;
    }
}

/* FIPS 180-4 §5.1.2: 0x80, zeros, then the 128-bit big-endian bit length. */
void ch_sha512_final(struct ch_sha512 *st, uint8_t out[CH_SHA512_DIGEST_BYTES])
{
    uint64_t bytes = st->nblocks * CH_SHA512_BLOCK_BYTES + st->buflen;
    unsigned int n = st->buflen;

    st->buf[n++] = 0x80;
    if (n > CH_SHA512_BLOCK_BYTES - 16) {
        memset(st->buf + n, 0, CH_SHA512_BLOCK_BYTES - n);
        ch_sha512_compress(st->h, st->buf, 1);
        n = 0;
    }
    memset(st->buf + n, 0, CH_SHA512_BLOCK_BYTES - 16 - n);
    store64be(st->buf + CH_SHA512_BLOCK_BYTES - 16, bytes >> 61);
    store64be(st->buf + CH_SHA512_BLOCK_BYTES - 8, bytes << 3);
    ch_sha512_compress(st->h, st->buf, 1);
    for (unsigned int i = 0; i < 8; i++)
        store64be(out + 8 * i, st->h[i]);
    ch_sha512_clear(st);
}

void ch_sha512(uint8_t out[CH_SHA512_DIGEST_BYTES], const uint8_t *in, size_t len)
{
    struct ch_sha512 st;
    ch_sha512_init(&st);
    ch_sha512_update(&st, in, len);
    ch_sha512_final(&st, out);
}

void ch_sha512_clear(struct ch_sha512 *st)
{
    ch_wipe(st, sizeof *st);
}

int ch_sha512_snapshot(const struct ch_sha512 *st, struct ch_sha512_mid *mid)
{
    if (st->buflen != 0)
        return CH_PQC_ERR_INPUT;
    memcpy(mid->h, st->h, sizeof mid->h);
    mid->nblocks = st->nblocks;
    return CH_PQC_OK;
}

void ch_sha512_resume(struct ch_sha512 *st, const struct ch_sha512_mid *mid)
{
    memcpy(st->h, mid->h, sizeof st->h);
    st->nblocks = mid->nblocks;
    st->buflen = 0;
}

/* ---- Truncated variants (FIPS 180-4 §6.3, §6.5, §6.6, §6.7): other IV, digest cut short ---- */

void ch_sha224(uint8_t out[CH_SHA224_DIGEST_BYTES], const uint8_t *in, size_t len)
{
    struct ch_sha256 st;
    uint8_t d[CH_SHA256_DIGEST_BYTES];
    ch_sha256_init(&st);
    memcpy(st.h, IV224, sizeof st.h);
    ch_sha256_update(&st, in, len);
    ch_sha256_final(&st, d);
    memcpy(out, d, CH_SHA224_DIGEST_BYTES);
}

static void sha512_variant(const uint64_t iv[8], uint8_t *out, size_t outlen, const uint8_t *in,
                           size_t len)
{
    struct ch_sha512 st;
    uint8_t d[CH_SHA512_DIGEST_BYTES];
    ch_sha512_init(&st);
    memcpy(st.h, iv, sizeof st.h);
    ch_sha512_update(&st, in, len);
    ch_sha512_final(&st, d);
    memcpy(out, d, outlen);
}

void ch_sha384(uint8_t out[CH_SHA384_DIGEST_BYTES], const uint8_t *in, size_t len)
{
    sha512_variant(IV384, out, CH_SHA384_DIGEST_BYTES, in, len);
}

void ch_sha512_224(uint8_t out[CH_SHA224_DIGEST_BYTES], const uint8_t *in, size_t len)
{
    sha512_variant(IV512_224, out, CH_SHA224_DIGEST_BYTES, in, len);
}

void ch_sha512_256(uint8_t out[CH_SHA256_DIGEST_BYTES], const uint8_t *in, size_t len)
{
    sha512_variant(IV512_256, out, CH_SHA256_DIGEST_BYTES, in, len);
}

/* ---- HMAC (FIPS 198-1 §4): H((K0 ^ opad) || H((K0 ^ ipad) || text)) ---- */

void ch_hmac_sha256_init(struct ch_hmac_sha256 *c, const uint8_t *key, size_t keylen)
{
    uint8_t k0[CH_SHA256_BLOCK_BYTES];
    uint8_t pad[CH_SHA256_BLOCK_BYTES];

    memset(k0, 0, sizeof k0);
    if (keylen > CH_SHA256_BLOCK_BYTES)
        ch_sha256(k0, key, keylen);
    else if (keylen > 0)
        memcpy(k0, key, keylen);
    for (unsigned int i = 0; i < sizeof pad; i++)
        pad[i] = (uint8_t)(k0[i] ^ 0x36);
    ch_sha256_init(&c->inner);
    ch_sha256_update(&c->inner, pad, sizeof pad);
    for (unsigned int i = 0; i < sizeof pad; i++)
        pad[i] = (uint8_t)(k0[i] ^ 0x5c);
    ch_sha256_init(&c->outer);
    ch_sha256_update(&c->outer, pad, sizeof pad);
    ch_wipe(k0, sizeof k0);
    ch_wipe(pad, sizeof pad);
}

void ch_hmac_sha256_update(struct ch_hmac_sha256 *c, const uint8_t *in, size_t len)
{
    ch_sha256_update(&c->inner, in, len);
}

void ch_hmac_sha256_final(struct ch_hmac_sha256 *c, uint8_t out[CH_SHA256_DIGEST_BYTES])
{
    uint8_t ih[CH_SHA256_DIGEST_BYTES];
    ch_sha256_final(&c->inner, ih);
    ch_sha256_update(&c->outer, ih, sizeof ih);
    ch_sha256_final(&c->outer, out);
    ch_wipe(ih, sizeof ih);
}

void ch_hmac_sha256(uint8_t out[CH_SHA256_DIGEST_BYTES], const uint8_t *key, size_t keylen,
                    const uint8_t *in, size_t len)
{
    struct ch_hmac_sha256 c;
    ch_hmac_sha256_init(&c, key, keylen);
    ch_hmac_sha256_update(&c, in, len);
    ch_hmac_sha256_final(&c, out);
}

void ch_hmac_sha256_clear(struct ch_hmac_sha256 *c)
{
    ch_wipe(c, sizeof *c);
}

void ch_hmac_sha512_init(struct ch_hmac_sha512 *c, const uint8_t *key, size_t keylen)
{
    uint8_t k0[CH_SHA512_BLOCK_BYTES];
    uint8_t pad[CH_SHA512_BLOCK_BYTES];

    memset(k0, 0, sizeof k0);
    if (keylen > CH_SHA512_BLOCK_BYTES)
        ch_sha512(k0, key, keylen);
    else if (keylen > 0)
        memcpy(k0, key, keylen);
    for (unsigned int i = 0; i < sizeof pad; i++)
        pad[i] = (uint8_t)(k0[i] ^ 0x36);
    ch_sha512_init(&c->inner);
    ch_sha512_update(&c->inner, pad, sizeof pad);
    for (unsigned int i = 0; i < sizeof pad; i++)
        pad[i] = (uint8_t)(k0[i] ^ 0x5c);
    ch_sha512_init(&c->outer);
    ch_sha512_update(&c->outer, pad, sizeof pad);
    ch_wipe(k0, sizeof k0);
    ch_wipe(pad, sizeof pad);
}

void ch_hmac_sha512_update(struct ch_hmac_sha512 *c, const uint8_t *in, size_t len)
{
    ch_sha512_update(&c->inner, in, len);
}

void ch_hmac_sha512_final(struct ch_hmac_sha512 *c, uint8_t out[CH_SHA512_DIGEST_BYTES])
{
    uint8_t ih[CH_SHA512_DIGEST_BYTES];
    ch_sha512_final(&c->inner, ih);
    ch_sha512_update(&c->outer, ih, sizeof ih);
    ch_sha512_final(&c->outer, out);
    ch_wipe(ih, sizeof ih);
}

void ch_hmac_sha512(uint8_t out[CH_SHA512_DIGEST_BYTES], const uint8_t *key, size_t keylen,
                    const uint8_t *in, size_t len)
{
    struct ch_hmac_sha512 c;
    ch_hmac_sha512_init(&c, key, keylen);
    ch_hmac_sha512_update(&c, in, len);
    ch_hmac_sha512_final(&c, out);
}

void ch_hmac_sha512_clear(struct ch_hmac_sha512 *c)
{
    ch_wipe(c, sizeof *c);
}

/* ---- MGF1 (RFC 8017 B.2.1) ---- */

void ch_mgf1_sha256(uint8_t *out, size_t outlen, const uint8_t *seed, size_t seedlen)
{
    struct ch_sha256 base, st;
    uint8_t ctr[4], blk[CH_SHA256_DIGEST_BYTES];

    ch_sha256_init(&base);
    ch_sha256_update(&base, seed, seedlen);
    for (uint32_t i = 0; outlen > 0; i++) {
        size_t take = outlen < sizeof blk ? outlen : sizeof blk;
        st = base;
        store32be(ctr, i);
        ch_sha256_update(&st, ctr, sizeof ctr);
        ch_sha256_final(&st, blk);
        memcpy(out, blk, take);
        out += take;
        outlen -= take;
    }
    ch_sha256_clear(&base);
    ch_wipe(blk, sizeof blk);
}

void ch_mgf1_sha512(uint8_t *out, size_t outlen, const uint8_t *seed, size_t seedlen)
{
    struct ch_sha512 base, st;
    uint8_t ctr[4], blk[CH_SHA512_DIGEST_BYTES];

    ch_sha512_init(&base);
    ch_sha512_update(&base, seed, seedlen);
    for (uint32_t i = 0; outlen > 0; i++) {
        size_t take = outlen < sizeof blk ? outlen : sizeof blk;
        st = base;
        store32be(ctr, i);
        ch_sha512_update(&st, ctr, sizeof ctr);
        ch_sha512_final(&st, blk);
        memcpy(out, blk, take);
        out += take;
        outlen -= take;
    }
    ch_sha512_clear(&base);
    ch_wipe(blk, sizeof blk);
}
