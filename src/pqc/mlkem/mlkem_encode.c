/* SPDX-License-Identifier: Apache-2.0 */
/* ML-KEM encodings (FIPS 203 §4.2.1): Compress_d / Decompress_d (eq. 4.7, 4.8) and ByteEncode_d
 * / ByteDecode_d (Alg. 5, 6). Everything is constant time: rounding divisions by q are done by
 * multiplication (no division instruction sees a secret: the KyberSlash lesson), reductions
 * by masks, and bit packing loops depend only on d. src/pqc layer. */
#include "pqc/mlkem/mlkem_poly.h"
#include "util/ch_wipe.h"

/* The canonical representative in [0, q) of a coefficient (any int16_t). */
static uint16_t to_canonical(int16_t a)
{
    int16_t x = ch_mlkem_barrett_reduce(a);          /* |x| <= (q-1)/2 */
    x = (int16_t)(x + ((x >> 15) & CH_MLKEM_Q));    /* + q if negative */
    return (uint16_t)x;
}

/* Alg. 5 for one polynomial: bit j of value i lands at bit i d + j of the output, bytes filled
 * least significant bit first. v[] holds values < 2^d. */
static void pack_bits(uint8_t *r, const uint16_t v[CH_MLKEM_N], unsigned int d)
{
    uint32_t acc = 0;
    unsigned int bits = 0;
    size_t o = 0;

    for (unsigned int i = 0; i < CH_MLKEM_N; i++) {
        acc |= (uint32_t)v[i] << bits;
        bits += d;
        while (bits >= 8) {
            r[o++] = (uint8_t)acc;
            acc >>= 8;
            bits -= 8;
        }
    }
}

/* Alg. 6 without the final reduction: 256 values of d bits each. */
static void unpack_bits(uint16_t v[CH_MLKEM_N], const uint8_t *a, unsigned int d)
{
    uint32_t acc = 0;
    unsigned int bits = 0;
    size_t in = 0;
    const uint32_t mask = (1u << d) - 1u;

    for (unsigned int i = 0; i < CH_MLKEM_N; i++) {
        while (bits < d) {
            acc |= (uint32_t)a[in++] << bits;
            bits += 8;
        }
        v[i] = (uint16_t)(acc & mask);
        acc >>= d;
        bits -= d;
    }
}

void ch_mlkem_poly_tobytes(uint8_t r[CH_MLKEM_POLY_BYTES], const struct ch_mlkem_poly *a)
{
    for (unsigned int i = 0; i < CH_MLKEM_N / 2; i++) {
        const uint16_t x0 = to_canonical(a->c[2 * i]);
        const uint16_t x1 = to_canonical(a->c[2 * i + 1]);
        r[3 * i] = (uint8_t)x0;
        r[3 * i + 1] = (uint8_t)((x0 >> 8) | (x1 << 4));
        r[3 * i + 2] = (uint8_t)(x1 >> 4);
    }
}

/* Alg. 6 with d = 12: the 12-bit value is taken mod q. Values are < 4096 < 2q, so one masked
 * subtraction of q suffices. */
void ch_mlkem_poly_frombytes(struct ch_mlkem_poly *r, const uint8_t a[CH_MLKEM_POLY_BYTES])
{
    for (unsigned int i = 0; i < CH_MLKEM_N / 2; i++) {
        const uint16_t d1 = (uint16_t)(a[3 * i] | ((a[3 * i + 1] & 0x0F) << 8));
        const uint16_t d2 = (uint16_t)((a[3 * i + 1] >> 4) | (a[3 * i + 2] << 4));
        int16_t t1 = (int16_t)(d1 - CH_MLKEM_Q);
        int16_t t2 = (int16_t)(d2 - CH_MLKEM_Q);
        r->c[2 * i] = (int16_t)(t1 + ((t1 >> 15) & CH_MLKEM_Q));
        r->c[2 * i + 1] = (int16_t)(t2 + ((t2 >> 15) & CH_MLKEM_Q));
    }
}

/* §7.2 modulus check: ByteEncode_12(ByteDecode_12(x)) == x exactly when no 12-bit value is
 * >= q. The failures are collected into one flag (ek is public, but this costs nothing). */
int ch_mlkem_polyvec_check_modulus(const uint8_t *a, unsigned int k)
{
    uint32_t bad = 0;

    for (size_t i = 0; i < (size_t)k * CH_MLKEM_N / 2; i++) {
        const uint32_t d1 = (uint32_t)(a[3 * i] | ((a[3 * i + 1] & 0x0F) << 8));
        const uint32_t d2 = (uint32_t)((a[3 * i + 1] >> 4) | (a[3 * i + 2] << 4));
        bad |= ((uint32_t)(CH_MLKEM_Q - 1) - d1) >> 31;
        bad |= ((uint32_t)(CH_MLKEM_Q - 1) - d2) >> 31;
    }
    return bad ? -1 : 0;
}

/* Compress_d(x) = round(2^d x / q) mod 2^d for x in [0, q). With N = 2^d x + (q-1)/2 the
 * rounding is floor(N / q) (q is odd, so there is never a tie). N < 2^23, and
 * floor(N / q) = (N * ceil(2^35 / q)) >> 35 holds for all N < 2^23 because the error
 * N (ceil(2^35/q) - 2^35/q) / 2^35 < 2^23 / 2^35 < 1/q. (Checked exhaustively in the unit
 * test for every d and x.) */
static uint16_t compress(uint16_t x, unsigned int d)
{
    const uint64_t n = ((uint64_t)x << d) + (CH_MLKEM_Q - 1) / 2;
    return (uint16_t)(((n * 10321340u) >> 35) & ((1u << d) - 1u));
}

void ch_mlkem_poly_compress(uint8_t *r, const struct ch_mlkem_poly *a, unsigned int d)
{
    uint16_t v[CH_MLKEM_N];

    for (unsigned int i = 0; i < CH_MLKEM_N; i++)
        v[i] = compress(to_canonical(a->c[i]), d);
    pack_bits(r, v, d);
    ch_wipe(v, sizeof v); /* Compress_1 in K-PKE.Decrypt yields the message m' */
}

/* Decompress_d(y) = round(q y / 2^d) = (q y + 2^(d-1)) >> d (eq. 4.8). */
void ch_mlkem_poly_decompress(struct ch_mlkem_poly *r, const uint8_t *a, unsigned int d)
{
    uint16_t v[CH_MLKEM_N];

    unpack_bits(v, a, d);
    for (unsigned int i = 0; i < CH_MLKEM_N; i++)
        r->c[i] = (int16_t)(((uint32_t)v[i] * CH_MLKEM_Q + (1u << (d - 1))) >> d);
    ch_wipe(v, sizeof v); /* Decompress_1 in K-PKE.Encrypt reads the message m */
}
