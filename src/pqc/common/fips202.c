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
 * (§3.1.2/§3.1.3), held in the local aXY. One loop iteration is one round
 * Rnd = iota . chi . pi . rho . theta, fully unrolled over the 25 lanes:
 *   theta (Alg. 1): C[x] = xor of column x, D[x] = C[x-1] ^ rot(C[x+1], 1), A[x,y] ^= D[x];
 *   rho (Alg. 2):   rotate A[x,y] by the offsets of Table 2;
 *   pi (Alg. 3):    B[y, 2x+3y] = rotated A[x,y] (the inverse form of A'[x,y] = A[x+3y, x]);
 *   chi (Alg. 4):   A[x,y] = B[x,y] ^ (~B[x+1,y] & B[x+2,y]);
 *   iota (Alg. 6):  A[0,0] ^= RC[ir]. */
void ch_keccak_f1600(uint64_t s[25])
{
    uint64_t a00, a10, a20, a30, a40,
        a01, a11, a21, a31, a41,
        a02, a12, a22, a32, a42,
        a03, a13, a23, a33, a43,
        a04, a14, a24, a34, a44;
    uint64_t b00, b10, b20, b30, b40,
        b01, b11, b21, b31, b41,
        b02, b12, b22, b32, b42,
        b03, b13, b23, b33, b43,
        b04, b14, b24, b34, b44;
    uint64_t c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;

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

    for (unsigned int ir = 0; ir < 24; ir++) {
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
        b00 = a00 ^ d0;
        b13 = ROL64(a01 ^ d0, 36);
        b21 = ROL64(a02 ^ d0, 3);
        b34 = ROL64(a03 ^ d0, 41);
        b42 = ROL64(a04 ^ d0, 18);
        b02 = ROL64(a10 ^ d1, 1);
        b10 = ROL64(a11 ^ d1, 44);
        b23 = ROL64(a12 ^ d1, 10);
        b31 = ROL64(a13 ^ d1, 45);
        b44 = ROL64(a14 ^ d1, 2);
        b04 = ROL64(a20 ^ d2, 62);
        b12 = ROL64(a21 ^ d2, 6);
        b20 = ROL64(a22 ^ d2, 43);
        b33 = ROL64(a23 ^ d2, 15);
        b41 = ROL64(a24 ^ d2, 61);
        b01 = ROL64(a30 ^ d3, 28);
        b14 = ROL64(a31 ^ d3, 55);
        b22 = ROL64(a32 ^ d3, 25);
        b30 = ROL64(a33 ^ d3, 21);
        b43 = ROL64(a34 ^ d3, 56);
        b03 = ROL64(a40 ^ d4, 27);
        b11 = ROL64(a41 ^ d4, 20);
        b24 = ROL64(a42 ^ d4, 39);
        b32 = ROL64(a43 ^ d4, 8);
        b40 = ROL64(a44 ^ d4, 14);
        a00 = b00 ^ (~b10 & b20);
        a10 = b10 ^ (~b20 & b30);
        a20 = b20 ^ (~b30 & b40);
        a30 = b30 ^ (~b40 & b00);
        a40 = b40 ^ (~b00 & b10);
        a01 = b01 ^ (~b11 & b21);
        a11 = b11 ^ (~b21 & b31);
        a21 = b21 ^ (~b31 & b41);
        a31 = b31 ^ (~b41 & b01);
        a41 = b41 ^ (~b01 & b11);
        a02 = b02 ^ (~b12 & b22);
        a12 = b12 ^ (~b22 & b32);
        a22 = b22 ^ (~b32 & b42);
        a32 = b32 ^ (~b42 & b02);
        a42 = b42 ^ (~b02 & b12);
        a03 = b03 ^ (~b13 & b23);
        a13 = b13 ^ (~b23 & b33);
        a23 = b23 ^ (~b33 & b43);
        a33 = b33 ^ (~b43 & b03);
        a43 = b43 ^ (~b03 & b13);
        a04 = b04 ^ (~b14 & b24);
        a14 = b14 ^ (~b24 & b34);
        a24 = b24 ^ (~b34 & b44);
        a34 = b34 ^ (~b44 & b04);
        a44 = b44 ^ (~b04 & b14);

        a00 ^= keccak_rc[ir];
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
