/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA encodings (FIPS 204 §7.1-7.2, Alg. 16-28): bit packing, pkEncode/pkDecode,
 * skEncode/skDecode, sigEncode/sigDecode with the strict HintBitUnpack checks, w1Encode.
 * src/pqc layer. Packing of secrets (s1, s2, t0) is constant time; the hint routines run on
 * public data only (a signature being verified, or one that is being released). */
#include "pqc/mldsa/mldsa_internal.h"

#include "util/ch_ct.h"

static void store32_le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t load32_le(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

/* Bits are packed little-endian: coefficient i occupies bits [i*bits, (i+1)*bits) of the byte
 * string (BitsToBytes, Alg. 12, of the concatenated IntegerToBits, Alg. 9). 256 coefficients
 * of `bits` bits are exactly 32*bits bytes. Field i is b - w_i (BitPack) or w_i (SimpleBitPack,
 * b = 0 and `offset` false); no temporary copy, so nothing secret is left behind. */
static void pack_fields(uint8_t *out, const struct ch_mldsa_poly *w, int32_t b, bool offset,
                        unsigned int bits)
{
    /* 32 bits are written at a time: with at most 20-bit fields the accumulator never holds
     * more than 31 + 20 bits. 256 fields are a whole number of 32-bit words. */
    uint64_t acc = 0;
    unsigned int n = 0;
    size_t o = 0;
    for (unsigned int i = 0; i < CH_MLDSA_N; i++) {
        uint32_t v = offset ? (uint32_t)(b - w->c[i]) : (uint32_t)w->c[i];
        acc |= (uint64_t)v << n;
        n += bits;
        if (n >= 32) {
            store32_le(out + o, (uint32_t)acc);
            o += 4;
            acc >>= 32;
            n -= 32;
        }
    }
}

static void unpack_fields(struct ch_mldsa_poly *w, const uint8_t *in, int32_t b, bool offset,
                          unsigned int bits)
{
    /* 32 bits are read at a time, never past the 32 * bits input bytes (a multiple of 4). */
    uint64_t acc = 0;
    unsigned int n = 0;
    size_t o = 0;
    uint32_t mask = (1u << bits) - 1u;
    for (unsigned int i = 0; i < CH_MLDSA_N; i++) {
        if (n < bits) {
            acc |= (uint64_t)load32_le(in + o) << n;
            o += 4;
            n += 32;
        }
        int32_t v = (int32_t)((uint32_t)acc & mask);
        w->c[i] = offset ? b - v : v;
        acc >>= bits;
        n -= bits;
    }
}

/* Alg. 17. */
void ch_mldsa_bitpack(uint8_t *out, const struct ch_mldsa_poly *w, int32_t b, unsigned int bits)
{
    pack_fields(out, w, b, true, bits);
}

/* Alg. 19. */
void ch_mldsa_bitunpack(struct ch_mldsa_poly *w, const uint8_t *in, int32_t b, unsigned int bits)
{
    unpack_fields(w, in, b, true, bits);
}

/* Alg. 16. */
void ch_mldsa_simple_bitpack(uint8_t *out, const struct ch_mldsa_poly *w, unsigned int bits)
{
    pack_fields(out, w, 0, false, bits);
}

/* Alg. 18. */
void ch_mldsa_simple_bitunpack(struct ch_mldsa_poly *w, const uint8_t *in, unsigned int bits)
{
    unpack_fields(w, in, 0, false, bits);
}

/* pkEncode / pkDecode (Alg. 22, 23): pk = rho || SimpleBitPack(t1[i], 2^10 - 1) for each i;
 * bitlen(q-1) - d = 10 bits, 320 bytes per polynomial. */
#define T1_BITS 10
#define T1_POLY_BYTES (32 * T1_BITS)

void ch_mldsa_pk_pack_t1(uint8_t *pk, unsigned int i, const struct ch_mldsa_poly *t1)
{
    ch_mldsa_simple_bitpack(pk + 32 + (size_t)i * T1_POLY_BYTES, t1, T1_BITS);
}

void ch_mldsa_pk_unpack_t1(struct ch_mldsa_poly *t1, const uint8_t *pk, unsigned int i)
{
    ch_mldsa_simple_bitunpack(t1, pk + 32 + (size_t)i * T1_POLY_BYTES, T1_BITS);
}

/* skEncode (Alg. 24): rho || K || tr || BitPack(s1[i], eta, eta) || BitPack(s2[i], eta, eta)
 * || BitPack(t0[i], 2^(d-1) - 1, 2^(d-1)). */
void ch_mldsa_sk_encode(uint8_t *sk, const uint8_t rho[32], const uint8_t key[32],
                        const uint8_t tr[64], const struct ch_mldsa_poly *s1,
                        const struct ch_mldsa_poly *s2, const struct ch_mldsa_poly *t0,
                        const struct ch_mldsa_params *p)
{
    size_t o = 0;
    for (unsigned int i = 0; i < 32; i++)
        sk[o++] = rho[i];
    for (unsigned int i = 0; i < 32; i++)
        sk[o++] = key[i];
    for (unsigned int i = 0; i < 64; i++)
        sk[o++] = tr[i];
    for (unsigned int i = 0; i < p->l; i++, o += 32u * p->eta_bits)
        ch_mldsa_bitpack(sk + o, &s1[i], (int32_t)p->eta, p->eta_bits);
    for (unsigned int i = 0; i < p->k; i++, o += 32u * p->eta_bits)
        ch_mldsa_bitpack(sk + o, &s2[i], (int32_t)p->eta, p->eta_bits);
    for (unsigned int i = 0; i < p->k; i++, o += 32u * CH_MLDSA_D)
        ch_mldsa_bitpack(sk + o, &t0[i], 1 << (CH_MLDSA_D - 1), CH_MLDSA_D);
}

/* All ones if some coefficient of a is below -eta (its field exceeded 2 eta). */
static uint32_t below_minus_eta(const struct ch_mldsa_poly *a, unsigned int eta)
{
    uint32_t bad = 0;
    for (unsigned int i = 0; i < CH_MLDSA_N; i++)
        bad |= (uint32_t)(a->c[i] + (int32_t)eta) >> 31;
    return (uint32_t)0 - bad;
}

/* skDecode (Alg. 25). */
bool ch_mldsa_sk_decode(uint8_t rho[32], uint8_t key[32], uint8_t tr[64],
                        struct ch_mldsa_poly *s1, struct ch_mldsa_poly *s2,
                        struct ch_mldsa_poly *t0, const uint8_t *sk,
                        const struct ch_mldsa_params *p)
{
    size_t o = 0;
    uint32_t bad = 0;
    for (unsigned int i = 0; i < 32; i++)
        rho[i] = sk[o++];
    for (unsigned int i = 0; i < 32; i++)
        key[i] = sk[o++];
    for (unsigned int i = 0; i < 64; i++)
        tr[i] = sk[o++];
    for (unsigned int i = 0; i < p->l; i++, o += 32u * p->eta_bits) {
        ch_mldsa_bitunpack(&s1[i], sk + o, (int32_t)p->eta, p->eta_bits);
        bad |= below_minus_eta(&s1[i], p->eta);
    }
    for (unsigned int i = 0; i < p->k; i++, o += 32u * p->eta_bits) {
        ch_mldsa_bitunpack(&s2[i], sk + o, (int32_t)p->eta, p->eta_bits);
        bad |= below_minus_eta(&s2[i], p->eta);
    }
    for (unsigned int i = 0; i < p->k; i++, o += 32u * CH_MLDSA_D)
        ch_mldsa_bitunpack(&t0[i], sk + o, 1 << (CH_MLDSA_D - 1), CH_MLDSA_D);
    /* Whether the key is well formed is not a secret worth protecting: reveal that bit only. */
    bad = ch_ct_barrier_u32(bad) & 1u;
    CH_CT_PUBLIC(&bad, sizeof bad);
    return bad == 0;
}

/* sigEncode (Alg. 26) with HintBitPack (Alg. 20). */
void ch_mldsa_sig_encode(uint8_t *sig, const uint8_t *ctilde, const struct ch_mldsa_poly *z,
                         const uint8_t h[][CH_MLDSA_N], const struct ch_mldsa_params *p)
{
    size_t o = 0;
    for (unsigned int i = 0; i < p->ctilde_bytes; i++)
        sig[o++] = ctilde[i];
    for (unsigned int i = 0; i < p->l; i++, o += 32u * p->gamma1_bits)
        ch_mldsa_bitpack(sig + o, &z[i], p->gamma1, p->gamma1_bits);
    uint8_t *y = sig + o;
    for (unsigned int i = 0; i < p->omega + p->k; i++)
        y[i] = 0;
    unsigned int index = 0;
    for (unsigned int i = 0; i < p->k; i++) {
        for (unsigned int j = 0; j < CH_MLDSA_N; j++)
            if (h[i][j] != 0)
                y[index++] = (uint8_t)j;
        y[p->omega + i] = (uint8_t)index;
    }
}

/* HintBitUnpack (Alg. 21): y is omega + k bytes. Every malformed encoding is refused: a limit
 * that decreases or exceeds omega, indices not strictly increasing within a polynomial, or
 * non-zero bytes after the last index. */
static bool hint_unpack(uint8_t h[][CH_MLDSA_N], const uint8_t *y, const struct ch_mldsa_params *p)
{
    unsigned int index = 0;
    for (unsigned int i = 0; i < p->k; i++) {
        for (unsigned int j = 0; j < CH_MLDSA_N; j++)
            h[i][j] = 0;
        unsigned int limit = y[p->omega + i];
        if (limit < index || limit > p->omega)
            return false;
        unsigned int first = index;
        while (index < limit) {
            if (index > first && y[index - 1] >= y[index])
                return false;
            h[i][y[index]] = 1;
            index++;
        }
    }
    for (unsigned int i = index; i < p->omega; i++)
        if (y[i] != 0)
            return false;
    return true;
}

/* sigDecode (Alg. 27). */
bool ch_mldsa_sig_decode(const uint8_t **ctilde, struct ch_mldsa_poly *z, uint8_t h[][CH_MLDSA_N],
                         const uint8_t *sig, const struct ch_mldsa_params *p)
{
    size_t o = p->ctilde_bytes;
    *ctilde = sig;
    for (unsigned int i = 0; i < p->l; i++, o += 32u * p->gamma1_bits)
        ch_mldsa_bitunpack(&z[i], sig + o, p->gamma1, p->gamma1_bits);
    return hint_unpack(h, sig + o, p);
}

/* w1Encode (Alg. 28), one polynomial. */
void ch_mldsa_w1_encode_poly(uint8_t *out, const struct ch_mldsa_poly *w1,
                             const struct ch_mldsa_params *p)
{
    ch_mldsa_simple_bitpack(out, w1, p->w1_bits);
}
