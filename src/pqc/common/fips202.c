/* SPDX-License-Identifier: Apache-2.0 */
/* FIPS 202 SHA-3 and SHAKE for src/pqc (see fips202.h): Keccak-p[1600,24] (Algorithm 7) and
 * the sponge (Algorithm 8) with the pad10*1 rule (Algorithm 9). Pure computation: no
 * allocation, no OpenSSL, no branch or memory index that depends on the data being hashed. */
#include "pqc/common/fips202.h"

#include <string.h>

#include "util/ch_wipe.h"

#define ROL64(v, n) (((v) << (n)) | ((v) >> (64 - (n))))

/* Domain separation suffixes with the first padding bit (FIPS 202 §6.1, §6.2 and B.2):
 * SHA3-* appends 01, SHAKE* appends 1111, then pad10*1 starts with a 1 bit. */
#define DS_SHA3 0x06u
#define DS_SHAKE 0x1Fu

/* iota round constants RC[ir] (FIPS 202 §3.2.5, Algorithm 5 and 6), precomputed. */
static const uint64_t keccak_rc[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* Keccak-f[1600] = Keccak-p[1600, 24] (FIPS 202 Algorithm 7). Lane A[x,y] is s[x + 5y]
 * (§3.1.2/§3.1.3), held in the local aXY. Each round Rnd = iota . chi . pi . rho . theta is
 * fully unrolled over the 25 lanes:
 *   theta (Alg. 1): C[x] = xor of column x, D[x] = C[x-1] ^ rot(C[x+1], 1), A[x,y] ^= D[x];
 *   rho (Alg. 2):   rotate A[x,y] by the offsets of Table 2;
 *   pi (Alg. 3):    B[y, 2x+3y] = rotated A[x,y] (the inverse form of A'[x,y] = A[x+3y, x]);
 *   chi (Alg. 4):   A[x,y] = B[x,y] ^ (~B[x+1,y] & B[x+2,y]);
 *   iota (Alg. 6):  A[0,0] ^= RC[ir].
 * The output is built one plane (fixed y) at a time: the five B lanes of plane y are computed
 * (b0..b4), then chi writes that plane of a second state eXY. That keeps only five B values
 * live, and the two states swap roles from one round to the next, so one loop iteration is
 * two rounds (A -> E, E -> A) and 24 rounds are 12 iterations. */
void ch_keccak_f1600(uint64_t s[25])
{
    uint64_t a00, a10, a20, a30, a40,
        a01, a11, a21, a31, a41,
        a02, a12, a22, a32, a42,
        a03, a13, a23, a33, a43,
        a04, a14, a24, a34, a44;
    uint64_t e00, e10, e20, e30, e40,
        e01, e11, e21, e31, e41,
        e02, e12, e22, e32, e42,
        e03, e13, e23, e33, e43,
        e04, e14, e24, e34, e44;
    uint64_t b0, b1, b2, b3, b4, c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;

    a00 = s[0];
    a10 = s[1];
    a20 = s[2];
    a30 = s[3];
    a40 = s[4];
    a01 = s[5];
    a11 = s[6];
    a21 = s[7];
    a31 = s[8];
    a41 = s[9];
    a02 = s[10];
    a12 = s[11];
    a22 = s[12];
    a32 = s[13];
    a42 = s[14];
    a03 = s[15];
    a13 = s[16];
    a23 = s[17];
    a33 = s[18];
    a43 = s[19];
    a04 = s[20];
    a14 = s[21];
    a24 = s[22];
    a34 = s[23];
    a44 = s[24];

    for (unsigned int ir = 0; ir < 24; ir += 2) {
        /* round ir: A -> E */
        c0 = a00 ^ a01 ^ a02 ^ a03 ^ a04;
        c1 = a10 ^ a11 ^ a12 ^ a13 ^ a14;
        c2 = a20 ^ a21 ^ a22 ^ a23 ^ a24;
        c3 = a30 ^ a31 ^ a32 ^ a33 ^ a34;
        c4 = a40 ^ a41 ^ a42 ^ a43 ^ a44;
        d0 = c4 ^ ROL64(c1, 1);
        d1 = c0 ^ ROL64(c2, 1);
        d2 = c1 ^ ROL64(c3, 1);
        d3 = c2 ^ ROL64(c4, 1);
        d4 = c3 ^ ROL64(c0, 1);
        b0 = a00 ^ d0;
        b1 = ROL64(a11 ^ d1, 44);
        b2 = ROL64(a22 ^ d2, 43);
        b3 = ROL64(a33 ^ d3, 21);
        b4 = ROL64(a44 ^ d4, 14);
        e00 = b0 ^ (~b1 & b2);
        e10 = b1 ^ (~b2 & b3);
        e20 = b2 ^ (~b3 & b4);
        e30 = b3 ^ (~b4 & b0);
        e40 = b4 ^ (~b0 & b1);
        e00 ^= keccak_rc[ir];
        b0 = ROL64(a30 ^ d3, 28);
        b1 = ROL64(a41 ^ d4, 20);
        b2 = ROL64(a02 ^ d0, 3);
        b3 = ROL64(a13 ^ d1, 45);
        b4 = ROL64(a24 ^ d2, 61);
        e01 = b0 ^ (~b1 & b2);
        e11 = b1 ^ (~b2 & b3);
        e21 = b2 ^ (~b3 & b4);
        e31 = b3 ^ (~b4 & b0);
        e41 = b4 ^ (~b0 & b1);
        b0 = ROL64(a10 ^ d1, 1);
        b1 = ROL64(a21 ^ d2, 6);
        b2 = ROL64(a32 ^ d3, 25);
        b3 = ROL64(a43 ^ d4, 8);
        b4 = ROL64(a04 ^ d0, 18);
        e02 = b0 ^ (~b1 & b2);
        e12 = b1 ^ (~b2 & b3);
        e22 = b2 ^ (~b3 & b4);
        e32 = b3 ^ (~b4 & b0);
        e42 = b4 ^ (~b0 & b1);
        b0 = ROL64(a40 ^ d4, 27);
        b1 = ROL64(a01 ^ d0, 36);
        b2 = ROL64(a12 ^ d1, 10);
        b3 = ROL64(a23 ^ d2, 15);
        b4 = ROL64(a34 ^ d3, 56);
        e03 = b0 ^ (~b1 & b2);
        e13 = b1 ^ (~b2 & b3);
        e23 = b2 ^ (~b3 & b4);
        e33 = b3 ^ (~b4 & b0);
        e43 = b4 ^ (~b0 & b1);
        b0 = ROL64(a20 ^ d2, 62);
        b1 = ROL64(a31 ^ d3, 55);
        b2 = ROL64(a42 ^ d4, 39);
        b3 = ROL64(a03 ^ d0, 41);
        b4 = ROL64(a14 ^ d1, 2);
        e04 = b0 ^ (~b1 & b2);
        e14 = b1 ^ (~b2 & b3);
        e24 = b2 ^ (~b3 & b4);
        e34 = b3 ^ (~b4 & b0);
        e44 = b4 ^ (~b0 & b1);
        /* round ir + 1: E -> A */
        c0 = e00 ^ e01 ^ e02 ^ e03 ^ e04;
        c1 = e10 ^ e11 ^ e12 ^ e13 ^ e14;
        c2 = e20 ^ e21 ^ e22 ^ e23 ^ e24;
        c3 = e30 ^ e31 ^ e32 ^ e33 ^ e34;
        c4 = e40 ^ e41 ^ e42 ^ e43 ^ e44;
        d0 = c4 ^ ROL64(c1, 1);
        d1 = c0 ^ ROL64(c2, 1);
        d2 = c1 ^ ROL64(c3, 1);
        d3 = c2 ^ ROL64(c4, 1);
        d4 = c3 ^ ROL64(c0, 1);
        b0 = e00 ^ d0;
        b1 = ROL64(e11 ^ d1, 44);
        b2 = ROL64(e22 ^ d2, 43);
        b3 = ROL64(e33 ^ d3, 21);
        b4 = ROL64(e44 ^ d4, 14);
        a00 = b0 ^ (~b1 & b2);
        a10 = b1 ^ (~b2 & b3);
        a20 = b2 ^ (~b3 & b4);
        a30 = b3 ^ (~b4 & b0);
        a40 = b4 ^ (~b0 & b1);
        a00 ^= keccak_rc[ir + 1];
        b0 = ROL64(e30 ^ d3, 28);
        b1 = ROL64(e41 ^ d4, 20);
        b2 = ROL64(e02 ^ d0, 3);
        b3 = ROL64(e13 ^ d1, 45);
        b4 = ROL64(e24 ^ d2, 61);
        a01 = b0 ^ (~b1 & b2);
        a11 = b1 ^ (~b2 & b3);
        a21 = b2 ^ (~b3 & b4);
        a31 = b3 ^ (~b4 & b0);
        a41 = b4 ^ (~b0 & b1);
        b0 = ROL64(e10 ^ d1, 1);
        b1 = ROL64(e21 ^ d2, 6);
        b2 = ROL64(e32 ^ d3, 25);
        b3 = ROL64(e43 ^ d4, 8);
        b4 = ROL64(e04 ^ d0, 18);
        a02 = b0 ^ (~b1 & b2);
        a12 = b1 ^ (~b2 & b3);
        a22 = b2 ^ (~b3 & b4);
        a32 = b3 ^ (~b4 & b0);
        a42 = b4 ^ (~b0 & b1);
        b0 = ROL64(e40 ^ d4, 27);
        b1 = ROL64(e01 ^ d0, 36);
        b2 = ROL64(e12 ^ d1, 10);
        b3 = ROL64(e23 ^ d2, 15);
        b4 = ROL64(e34 ^ d3, 56);
        a03 = b0 ^ (~b1 & b2);
        a13 = b1 ^ (~b2 & b3);
        a23 = b2 ^ (~b3 & b4);
        a33 = b3 ^ (~b4 & b0);
        a43 = b4 ^ (~b0 & b1);
        b0 = ROL64(e20 ^ d2, 62);
        b1 = ROL64(e31 ^ d3, 55);
        b2 = ROL64(e42 ^ d4, 39);
        b3 = ROL64(e03 ^ d0, 41);
        b4 = ROL64(e14 ^ d1, 2);
        a04 = b0 ^ (~b1 & b2);
        a14 = b1 ^ (~b2 & b3);
        a24 = b2 ^ (~b3 & b4);
        a34 = b3 ^ (~b4 & b0);
        a44 = b4 ^ (~b0 & b1);
    }

    s[0] = a00;
    s[1] = a10;
    s[2] = a20;
    s[3] = a30;
    s[4] = a40;
    s[5] = a01;
    s[6] = a11;
    s[7] = a21;
    s[8] = a31;
    s[9] = a41;
    s[10] = a02;
    s[11] = a12;
    s[12] = a22;
    s[13] = a32;
    s[14] = a42;
    s[15] = a03;
    s[16] = a13;
    s[17] = a23;
    s[18] = a33;
    s[19] = a43;
    s[20] = a04;
    s[21] = a14;
    s[22] = a24;
    s[23] = a34;
    s[24] = a44;
}

static uint64_t load64_le(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
#else
    return (uint64_t)p[0] | ((uint64_t)p[1] << 8) | ((uint64_t)p[2] << 16) |
           ((uint64_t)p[3] << 24) | ((uint64_t)p[4] << 32) | ((uint64_t)p[5] << 40) |
           ((uint64_t)p[6] << 48) | ((uint64_t)p[7] << 56);
#endif
}

static void store64_le(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &v, 8);
#else
    for (unsigned int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
#endif
}

/* State byte i is byte i mod 8 of lane i / 8, little-endian (FIPS 202 §3.1.2 with B.1). */
static void xor_byte(uint64_t s[25], unsigned int i, uint8_t b)
{
    s[i / 8] ^= (uint64_t)b << (8 * (i % 8));
}

static uint8_t get_byte(const uint64_t s[25], unsigned int i)
{
    return (uint8_t)(s[i / 8] >> (8 * (i % 8)));
}

static void sponge_init(struct ch_keccak *st, unsigned int rate)
{
    memset(st->s, 0, sizeof st->s);
    st->pos = 0;
    st->rate = rate;
}

/* Absorbing half of the sponge (FIPS 202 Algorithm 8, steps 6), streaming: pos counts the bytes
 * already xored into the current block. Whole blocks go in 64 bits at a time. */
static void sponge_absorb(struct ch_keccak *st, const uint8_t *in, size_t len)
{
    const unsigned int rate = st->rate;

    while (len > 0) {
        if (st->pos == 0 && len >= rate) {
            for (unsigned int i = 0; i < rate / 8; i++)
                st->s[i] ^= load64_le(in + 8 * i);
            ch_keccak_f1600(st->s);
            in += rate;
            len -= rate;
            continue;
        }
        size_t take = rate - st->pos;
        if (take > len)
            take = len;
        for (size_t i = 0; i < take; i++)
            xor_byte(st->s, st->pos + (unsigned int)i, in[i]);
        st->pos += (unsigned int)take;
        in += take;
        len -= take;
        if (st->pos == rate) {
            ch_keccak_f1600(st->s);
            st->pos = 0;
        }
    }
}

/* Suffix + pad10*1 (Algorithm 9) on the last, partial block, then the first permutation of the
 * squeezing phase. Afterwards pos is the read position in the output block (0: all fresh). */
static void sponge_finalize(struct ch_keccak *st, uint8_t ds)
{
    xor_byte(st->s, st->pos, ds);
    xor_byte(st->s, st->rate - 1, 0x80);
    ch_keccak_f1600(st->s);
    st->pos = 0;
}

/* Squeezing half of Algorithm 8 (steps 8-10), streaming: pos == rate means the block is used
 * up and the next byte needs a permutation first. */
static void sponge_squeeze(struct ch_keccak *st, uint8_t *out, size_t len)
{
    const unsigned int rate = st->rate;

    while (len > 0) {
        if (st->pos == rate) {
            ch_keccak_f1600(st->s);
            st->pos = 0;
        }
        if (st->pos == 0 && len >= rate) {
            for (unsigned int i = 0; i < rate / 8; i++)
                store64_le(out + 8 * i, st->s[i]);
            out += rate;
            len -= rate;
            st->pos = rate;
            continue;
        }
        size_t take = rate - st->pos;
        if (take > len)
            take = len;
        for (size_t i = 0; i < take; i++)
            out[i] = get_byte(st->s, st->pos + (unsigned int)i);
        st->pos += (unsigned int)take;
        out += take;
        len -= take;
    }
}

void ch_shake128_init(struct ch_keccak *st)
{
    sponge_init(st, CH_SHAKE128_RATE);
}

void ch_shake128_absorb(struct ch_keccak *st, const uint8_t *in, size_t len)
{
    sponge_absorb(st, in, len);
}

void ch_shake128_finalize(struct ch_keccak *st)
{
    sponge_finalize(st, DS_SHAKE);
}

void ch_shake128_squeeze(struct ch_keccak *st, uint8_t *out, size_t len)
{
    sponge_squeeze(st, out, len);
}

/* Whole blocks are just a long squeeze; with pos at a block boundary this takes the
 * 64-bit store path of sponge_squeeze for every block. */
void ch_shake128_squeezeblocks(struct ch_keccak *st, uint8_t *out, size_t nblocks)
{
    sponge_squeeze(st, out, nblocks * CH_SHAKE128_RATE);
}

void ch_shake256_init(struct ch_keccak *st)
{
    sponge_init(st, CH_SHAKE256_RATE);
}

void ch_shake256_absorb(struct ch_keccak *st, const uint8_t *in, size_t len)
{
    sponge_absorb(st, in, len);
}

void ch_shake256_finalize(struct ch_keccak *st)
{
    sponge_finalize(st, DS_SHAKE);
}

void ch_shake256_squeeze(struct ch_keccak *st, uint8_t *out, size_t len)
{
    sponge_squeeze(st, out, len);
}

void ch_shake256_squeezeblocks(struct ch_keccak *st, uint8_t *out, size_t nblocks)
{
    sponge_squeeze(st, out, nblocks * CH_SHAKE256_RATE);
}

void ch_shake128(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen)
{
    struct ch_keccak st;

    ch_shake128_init(&st);
    sponge_absorb(&st, in, inlen);
    sponge_finalize(&st, DS_SHAKE);
    sponge_squeeze(&st, out, outlen);
    ch_keccak_clear(&st);
}

void ch_shake256(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen)
{
    struct ch_keccak st;

    ch_shake256_init(&st);
    sponge_absorb(&st, in, inlen);
    sponge_finalize(&st, DS_SHAKE);
    sponge_squeeze(&st, out, outlen);
    ch_keccak_clear(&st);
}

void ch_sha3_256_init(struct ch_keccak *st)
{
    sponge_init(st, CH_SHA3_256_RATE);
}

void ch_sha3_512_init(struct ch_keccak *st)
{
    sponge_init(st, CH_SHA3_512_RATE);
}

void ch_sha3_absorb(struct ch_keccak *st, const uint8_t *in, size_t len)
{
    sponge_absorb(st, in, len);
}

/* SHA3-d = Keccak[2d](M || 01, d) (FIPS 202 §6.1); d/8 <= rate so one block suffices. */
void ch_sha3_256_final(struct ch_keccak *st, uint8_t out[32])
{
    sponge_finalize(st, DS_SHA3);
    sponge_squeeze(st, out, 32);
    ch_keccak_clear(st);
}

void ch_sha3_512_final(struct ch_keccak *st, uint8_t out[64])
{
    sponge_finalize(st, DS_SHA3);
    sponge_squeeze(st, out, 64);
    ch_keccak_clear(st);
}

void ch_sha3_256(uint8_t out[32], const uint8_t *in, size_t inlen)
{
    struct ch_keccak st;

    ch_sha3_256_init(&st);
    sponge_absorb(&st, in, inlen);
    ch_sha3_256_final(&st, out);
}

void ch_sha3_512(uint8_t out[64], const uint8_t *in, size_t inlen)
{
    struct ch_keccak st;

    ch_sha3_512_init(&st);
    sponge_absorb(&st, in, inlen);
    ch_sha3_512_final(&st, out);
}

void ch_keccak_clear(struct ch_keccak *st)
{
    ch_wipe(st, sizeof *st);
}

/* ---- Four sponges side by side (see fips202.h) ---- */

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_X4_AVX2 1
#define AVX2_TARGET __attribute__((target("avx2")))
#define ROL4(v, n) _mm256_or_si256(_mm256_slli_epi64((v), (n)), _mm256_srli_epi64((v), 64 - (n)))
#define XOR4(a, b) _mm256_xor_si256((a), (b))
#define ANDN4(a, b) _mm256_andnot_si256((a), (b)) /* ~a & b */

/* The same rounds as ch_keccak_f1600, plane by plane and two per iteration, with each of the
 * four states in one 64-bit lane of every register; ~b & c is one andnot. */
AVX2_TARGET static void keccak_f1600x4_avx2(uint64_t s[25][4])
{
    __m256i a00, a10, a20, a30, a40,
        a01, a11, a21, a31, a41,
        a02, a12, a22, a32, a42,
        a03, a13, a23, a33, a43,
        a04, a14, a24, a34, a44;
    __m256i e00, e10, e20, e30, e40,
        e01, e11, e21, e31, e41,
        e02, e12, e22, e32, e42,
        e03, e13, e23, e33, e43,
        e04, e14, e24, e34, e44;
    __m256i b0, b1, b2, b3, b4, c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;

    a00 = _mm256_loadu_si256((const __m256i *)s[0]);
    a10 = _mm256_loadu_si256((const __m256i *)s[1]);
    a20 = _mm256_loadu_si256((const __m256i *)s[2]);
    a30 = _mm256_loadu_si256((const __m256i *)s[3]);
    a40 = _mm256_loadu_si256((const __m256i *)s[4]);
    a01 = _mm256_loadu_si256((const __m256i *)s[5]);
    a11 = _mm256_loadu_si256((const __m256i *)s[6]);
    a21 = _mm256_loadu_si256((const __m256i *)s[7]);
    a31 = _mm256_loadu_si256((const __m256i *)s[8]);
    a41 = _mm256_loadu_si256((const __m256i *)s[9]);
    a02 = _mm256_loadu_si256((const __m256i *)s[10]);
    a12 = _mm256_loadu_si256((const __m256i *)s[11]);
    a22 = _mm256_loadu_si256((const __m256i *)s[12]);
    a32 = _mm256_loadu_si256((const __m256i *)s[13]);
    a42 = _mm256_loadu_si256((const __m256i *)s[14]);
    a03 = _mm256_loadu_si256((const __m256i *)s[15]);
    a13 = _mm256_loadu_si256((const __m256i *)s[16]);
    a23 = _mm256_loadu_si256((const __m256i *)s[17]);
    a33 = _mm256_loadu_si256((const __m256i *)s[18]);
    a43 = _mm256_loadu_si256((const __m256i *)s[19]);
    a04 = _mm256_loadu_si256((const __m256i *)s[20]);
    a14 = _mm256_loadu_si256((const __m256i *)s[21]);
    a24 = _mm256_loadu_si256((const __m256i *)s[22]);
    a34 = _mm256_loadu_si256((const __m256i *)s[23]);
    a44 = _mm256_loadu_si256((const __m256i *)s[24]);

    for (unsigned int ir = 0; ir < 24; ir += 2) {
        /* round ir: A -> E */
        c0 = XOR4(XOR4(XOR4(a00, a01), XOR4(a02, a03)), a04);
        c1 = XOR4(XOR4(XOR4(a10, a11), XOR4(a12, a13)), a14);
        c2 = XOR4(XOR4(XOR4(a20, a21), XOR4(a22, a23)), a24);
        c3 = XOR4(XOR4(XOR4(a30, a31), XOR4(a32, a33)), a34);
        c4 = XOR4(XOR4(XOR4(a40, a41), XOR4(a42, a43)), a44);
        d0 = XOR4(c4, ROL4(c1, 1));
        d1 = XOR4(c0, ROL4(c2, 1));
        d2 = XOR4(c1, ROL4(c3, 1));
        d3 = XOR4(c2, ROL4(c4, 1));
        d4 = XOR4(c3, ROL4(c0, 1));
        b0 = XOR4(a00, d0);
        b1 = ROL4(XOR4(a11, d1), 44);
        b2 = ROL4(XOR4(a22, d2), 43);
        b3 = ROL4(XOR4(a33, d3), 21);
        b4 = ROL4(XOR4(a44, d4), 14);
        e00 = XOR4(b0, ANDN4(b1, b2));
        e10 = XOR4(b1, ANDN4(b2, b3));
        e20 = XOR4(b2, ANDN4(b3, b4));
        e30 = XOR4(b3, ANDN4(b4, b0));
        e40 = XOR4(b4, ANDN4(b0, b1));
        e00 = XOR4(e00, _mm256_set1_epi64x((long long)keccak_rc[ir]));
        b0 = ROL4(XOR4(a30, d3), 28);
        b1 = ROL4(XOR4(a41, d4), 20);
        b2 = ROL4(XOR4(a02, d0), 3);
        b3 = ROL4(XOR4(a13, d1), 45);
        b4 = ROL4(XOR4(a24, d2), 61);
        e01 = XOR4(b0, ANDN4(b1, b2));
        e11 = XOR4(b1, ANDN4(b2, b3));
        e21 = XOR4(b2, ANDN4(b3, b4));
        e31 = XOR4(b3, ANDN4(b4, b0));
        e41 = XOR4(b4, ANDN4(b0, b1));
        b0 = ROL4(XOR4(a10, d1), 1);
        b1 = ROL4(XOR4(a21, d2), 6);
        b2 = ROL4(XOR4(a32, d3), 25);
        b3 = ROL4(XOR4(a43, d4), 8);
        b4 = ROL4(XOR4(a04, d0), 18);
        e02 = XOR4(b0, ANDN4(b1, b2));
        e12 = XOR4(b1, ANDN4(b2, b3));
        e22 = XOR4(b2, ANDN4(b3, b4));
        e32 = XOR4(b3, ANDN4(b4, b0));
        e42 = XOR4(b4, ANDN4(b0, b1));
        b0 = ROL4(XOR4(a40, d4), 27);
        b1 = ROL4(XOR4(a01, d0), 36);
        b2 = ROL4(XOR4(a12, d1), 10);
        b3 = ROL4(XOR4(a23, d2), 15);
        b4 = ROL4(XOR4(a34, d3), 56);
        e03 = XOR4(b0, ANDN4(b1, b2));
        e13 = XOR4(b1, ANDN4(b2, b3));
        e23 = XOR4(b2, ANDN4(b3, b4));
        e33 = XOR4(b3, ANDN4(b4, b0));
        e43 = XOR4(b4, ANDN4(b0, b1));
        b0 = ROL4(XOR4(a20, d2), 62);
        b1 = ROL4(XOR4(a31, d3), 55);
        b2 = ROL4(XOR4(a42, d4), 39);
        b3 = ROL4(XOR4(a03, d0), 41);
        b4 = ROL4(XOR4(a14, d1), 2);
        e04 = XOR4(b0, ANDN4(b1, b2));
        e14 = XOR4(b1, ANDN4(b2, b3));
        e24 = XOR4(b2, ANDN4(b3, b4));
        e34 = XOR4(b3, ANDN4(b4, b0));
        e44 = XOR4(b4, ANDN4(b0, b1));
        /* round ir + 1: E -> A */
        c0 = XOR4(XOR4(XOR4(e00, e01), XOR4(e02, e03)), e04);
        c1 = XOR4(XOR4(XOR4(e10, e11), XOR4(e12, e13)), e14);
        c2 = XOR4(XOR4(XOR4(e20, e21), XOR4(e22, e23)), e24);
        c3 = XOR4(XOR4(XOR4(e30, e31), XOR4(e32, e33)), e34);
        c4 = XOR4(XOR4(XOR4(e40, e41), XOR4(e42, e43)), e44);
        d0 = XOR4(c4, ROL4(c1, 1));
        d1 = XOR4(c0, ROL4(c2, 1));
        d2 = XOR4(c1, ROL4(c3, 1));
        d3 = XOR4(c2, ROL4(c4, 1));
        d4 = XOR4(c3, ROL4(c0, 1));
        b0 = XOR4(e00, d0);
        b1 = ROL4(XOR4(e11, d1), 44);
        b2 = ROL4(XOR4(e22, d2), 43);
        b3 = ROL4(XOR4(e33, d3), 21);
        b4 = ROL4(XOR4(e44, d4), 14);
        a00 = XOR4(b0, ANDN4(b1, b2));
        a10 = XOR4(b1, ANDN4(b2, b3));
        a20 = XOR4(b2, ANDN4(b3, b4));
        a30 = XOR4(b3, ANDN4(b4, b0));
        a40 = XOR4(b4, ANDN4(b0, b1));
        a00 = XOR4(a00, _mm256_set1_epi64x((long long)keccak_rc[ir + 1]));
        b0 = ROL4(XOR4(e30, d3), 28);
        b1 = ROL4(XOR4(e41, d4), 20);
        b2 = ROL4(XOR4(e02, d0), 3);
        b3 = ROL4(XOR4(e13, d1), 45);
        b4 = ROL4(XOR4(e24, d2), 61);
        a01 = XOR4(b0, ANDN4(b1, b2));
        a11 = XOR4(b1, ANDN4(b2, b3));
        a21 = XOR4(b2, ANDN4(b3, b4));
        a31 = XOR4(b3, ANDN4(b4, b0));
        a41 = XOR4(b4, ANDN4(b0, b1));
        b0 = ROL4(XOR4(e10, d1), 1);
        b1 = ROL4(XOR4(e21, d2), 6);
        b2 = ROL4(XOR4(e32, d3), 25);
        b3 = ROL4(XOR4(e43, d4), 8);
        b4 = ROL4(XOR4(e04, d0), 18);
        a02 = XOR4(b0, ANDN4(b1, b2));
        a12 = XOR4(b1, ANDN4(b2, b3));
        a22 = XOR4(b2, ANDN4(b3, b4));
        a32 = XOR4(b3, ANDN4(b4, b0));
        a42 = XOR4(b4, ANDN4(b0, b1));
        b0 = ROL4(XOR4(e40, d4), 27);
        b1 = ROL4(XOR4(e01, d0), 36);
        b2 = ROL4(XOR4(e12, d1), 10);
        b3 = ROL4(XOR4(e23, d2), 15);
        b4 = ROL4(XOR4(e34, d3), 56);
        a03 = XOR4(b0, ANDN4(b1, b2));
        a13 = XOR4(b1, ANDN4(b2, b3));
        a23 = XOR4(b2, ANDN4(b3, b4));
        a33 = XOR4(b3, ANDN4(b4, b0));
        a43 = XOR4(b4, ANDN4(b0, b1));
        b0 = ROL4(XOR4(e20, d2), 62);
        b1 = ROL4(XOR4(e31, d3), 55);
        b2 = ROL4(XOR4(e42, d4), 39);
        b3 = ROL4(XOR4(e03, d0), 41);
        b4 = ROL4(XOR4(e14, d1), 2);
        a04 = XOR4(b0, ANDN4(b1, b2));
        a14 = XOR4(b1, ANDN4(b2, b3));
        a24 = XOR4(b2, ANDN4(b3, b4));
        a34 = XOR4(b3, ANDN4(b4, b0));
        a44 = XOR4(b4, ANDN4(b0, b1));
    }

    _mm256_storeu_si256((__m256i *)s[0], a00);
    _mm256_storeu_si256((__m256i *)s[1], a10);
    _mm256_storeu_si256((__m256i *)s[2], a20);
    _mm256_storeu_si256((__m256i *)s[3], a30);
    _mm256_storeu_si256((__m256i *)s[4], a40);
    _mm256_storeu_si256((__m256i *)s[5], a01);
    _mm256_storeu_si256((__m256i *)s[6], a11);
    _mm256_storeu_si256((__m256i *)s[7], a21);
    _mm256_storeu_si256((__m256i *)s[8], a31);
    _mm256_storeu_si256((__m256i *)s[9], a41);
    _mm256_storeu_si256((__m256i *)s[10], a02);
    _mm256_storeu_si256((__m256i *)s[11], a12);
    _mm256_storeu_si256((__m256i *)s[12], a22);
    _mm256_storeu_si256((__m256i *)s[13], a32);
    _mm256_storeu_si256((__m256i *)s[14], a42);
    _mm256_storeu_si256((__m256i *)s[15], a03);
    _mm256_storeu_si256((__m256i *)s[16], a13);
    _mm256_storeu_si256((__m256i *)s[17], a23);
    _mm256_storeu_si256((__m256i *)s[18], a33);
    _mm256_storeu_si256((__m256i *)s[19], a43);
    _mm256_storeu_si256((__m256i *)s[20], a04);
    _mm256_storeu_si256((__m256i *)s[21], a14);
    _mm256_storeu_si256((__m256i *)s[22], a24);
    _mm256_storeu_si256((__m256i *)s[23], a34);
    _mm256_storeu_si256((__m256i *)s[24], a44);
}
#endif

void ch_keccak_f1600x4(uint64_t s[25][4])
{
#ifdef HAVE_X4_AVX2
    if (__builtin_cpu_supports("avx2")) {
        keccak_f1600x4_avx2(s);
        return;
    }
#endif
    ch_keccak_f1600x4_portable(s);
}

void ch_keccak_f1600x4_portable(uint64_t s[25][4])
{
    uint64_t t[25];
    for (unsigned int j = 0; j < 4; j++) {
        for (unsigned int i = 0; i < 25; i++)
            t[i] = s[i][j];
        ch_keccak_f1600(t);
        for (unsigned int i = 0; i < 25; i++)
            s[i][j] = t[i];
    }
    ch_wipe(t, sizeof t);
}

/* Lane j takes nb[j] = inlen[j] / rate + 1 blocks, the last one padded. Lanes are permuted
 * together; a lane that ends before the others has its state (padded, not yet permuted) put
 * aside and restored at the end, so that every lane is left exactly as a single sponge would
 * be: padded, awaiting the permutation that the first squeezed block starts with. */
void ch_keccakx4_absorb_once(struct ch_keccak_x4 *st, unsigned int rate, const uint8_t *const in[4],
                             const size_t inlen[4], const uint8_t ds[4])
{
    uint64_t saved[4][25];
    size_t nb[4], maxnb = 0;

    memset(st->s, 0, sizeof st->s);
    st->rate = rate;
    for (unsigned int j = 0; j < 4; j++) {
        nb[j] = inlen[j] / rate + 1;
        if (nb[j] > maxnb)
            maxnb = nb[j];
    }
    for (size_t b = 0; b < maxnb; b++) {
        for (unsigned int j = 0; j < 4; j++) {
            const size_t off = b * rate;
            if (b + 1 < nb[j]) {
                for (unsigned int i = 0; i < rate / 8; i++)
                    st->s[i][j] ^= load64_le(in[j] + off + 8 * i);
            } else if (b + 1 == nb[j]) {
                const size_t rem = inlen[j] - off;
                for (size_t t = 0; t < rem; t++)
                    st->s[t / 8][j] ^= (uint64_t)in[j][off + t] << (8 * (t % 8));
                st->s[rem / 8][j] ^= (uint64_t)ds[j] << (8 * (rem % 8));
                st->s[(rate - 1) / 8][j] ^= (uint64_t)0x80 << (8 * ((rate - 1) % 8));
                if (b + 1 < maxnb)
                    for (unsigned int i = 0; i < 25; i++)
                        saved[j][i] = st->s[i][j];
            }
        }
        if (b + 1 < maxnb)
            ch_keccak_f1600x4(st->s);
    }
    for (unsigned int j = 0; j < 4; j++)
        if (nb[j] < maxnb)
            for (unsigned int i = 0; i < 25; i++)
                st->s[i][j] = saved[j][i];
    ch_wipe(saved, sizeof saved);
}

static void x4_absorb_once(struct ch_keccak_x4 *st, unsigned int rate, const uint8_t *const in[4],
                           size_t inlen)
{
    const size_t lens[4] = {inlen, inlen, inlen, inlen};
    const uint8_t ds[4] = {DS_SHAKE, DS_SHAKE, DS_SHAKE, DS_SHAKE};

    ch_keccakx4_absorb_once(st, rate, in, lens, ds);
}

void ch_shake128x4_absorb_once(struct ch_keccak_x4 *st, const uint8_t *const in[4], size_t inlen)
{
    x4_absorb_once(st, CH_SHAKE128_RATE, in, inlen);
}

void ch_shake256x4_absorb_once(struct ch_keccak_x4 *st, const uint8_t *const in[4], size_t inlen)
{
    x4_absorb_once(st, CH_SHAKE256_RATE, in, inlen);
}

void ch_keccakx4_squeezeblocks(struct ch_keccak_x4 *st, uint8_t *const out[4], size_t nblocks)
{
    for (size_t n = 0; n < nblocks; n++) {
        ch_keccak_f1600x4(st->s);
        for (unsigned int j = 0; j < 4; j++) {
            if (out[j] == NULL)
                continue;
            for (unsigned int i = 0; i < st->rate / 8; i++)
                store64_le(out[j] + n * st->rate + 8 * i, st->s[i][j]);
        }
    }
}

void ch_keccakx4_clear(struct ch_keccak_x4 *st)
{
    ch_wipe(st, sizeof *st);
}
