/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA pseudorandom sampling (FIPS 204 §7.3, Alg. 29-34, with Alg. 14-15): SampleInBall,
 * RejNTTPoly, RejBoundedPoly, ExpandA, ExpandS, ExpandMask. src/pqc layer. H = SHAKE256,
 * G = SHAKE128 (§3.7), squeezed a block at a time. Secret inputs (rho', rho'') never steer a
 * branch or an index except the accept/reject decision of RejBoundedPoly, which the spec's
 * rejection sampling reveals anyway and which is declassified for the CT checker. */
#include "pqc/mldsa/mldsa_internal.h"

#include "pqc/common/fips202.h"
#include "util/ch_ct.h"
#include "util/ch_wipe.h"

/* Alg. 29. ctilde is public (it is part of the signature, or the hash of a rejected
 * commitment, declassified by the signer), so the loop may branch on the XOF bytes. */
void ch_mldsa_sample_in_ball(struct ch_mldsa_poly *c, const uint8_t *ctilde, size_t ctilde_len,
                             unsigned int tau)
{
    struct ch_keccak st;
    uint8_t buf[CH_SHAKE256_RATE];
    uint64_t signs = 0;
    unsigned int pos = 8;

    ch_shake256_init(&st);
    ch_shake256_absorb(&st, ctilde, ctilde_len);
    ch_shake256_finalize(&st);
    ch_shake256_squeezeblocks(&st, buf, 1);
    for (unsigned int i = 0; i < 8; i++)            /* h = BytesToBits(s): little-endian bits */
        signs |= (uint64_t)buf[i] << (8 * i);

    for (unsigned int i = 0; i < CH_MLDSA_N; i++)
        c->c[i] = 0;
    for (unsigned int i = CH_MLDSA_N - tau; i < CH_MLDSA_N; i++) {
        unsigned int j;
        do {
            if (pos == CH_SHAKE256_RATE) {
                ch_shake256_squeezeblocks(&st, buf, 1);
                pos = 0;
            }
            j = buf[pos++];
        } while (j > i);
        c->c[i] = c->c[j];
        c->c[j] = 1 - 2 * (int32_t)(signs & 1);  /* (-1)^h[i + tau - 256] */
        signs >>= 1;
    }
}

/* Alg. 30 with CoeffFromThreeBytes (Alg. 14): 23-bit little-endian values below q. A SHAKE128
 * block holds 56 whole three-byte groups, so groups never straddle blocks. */
void ch_mldsa_rej_ntt_poly(struct ch_mldsa_poly *a, const uint8_t rho[32], unsigned int r,
                           unsigned int s)
{
    struct ch_keccak st;
    uint8_t seed[34];
    uint8_t buf[CH_SHAKE128_RATE];
    unsigned int j = 0;

    for (unsigned int i = 0; i < 32; i++)
        seed[i] = rho[i];
    seed[32] = (uint8_t)s;
    seed[33] = (uint8_t)r;
    ch_shake128_init(&st);
    ch_shake128_absorb(&st, seed, sizeof seed);
    ch_shake128_finalize(&st);
    while (j < CH_MLDSA_N) {
        ch_shake128_squeezeblocks(&st, buf, 1);
        for (unsigned int pos = 0; pos + 3 <= CH_SHAKE128_RATE && j < CH_MLDSA_N; pos += 3) {
            uint32_t z = (uint32_t)buf[pos] | ((uint32_t)buf[pos + 1] << 8) |
                         ((uint32_t)(buf[pos + 2] & 0x7F) << 16);
            if (z < CH_MLDSA_Q)
                a->c[j++] = (int32_t)z;
        }
    }
}

/* Alg. 32. */
void ch_mldsa_expand_a(struct ch_mldsa_poly *a, const uint8_t rho[32],
                       const struct ch_mldsa_params *p)
{
    for (unsigned int r = 0; r < p->k; r++)
        for (unsigned int s = 0; s < p->l; s++)
            ch_mldsa_rej_ntt_poly(&a[r * p->l + s], rho, r, s);
}

/* CoeffFromHalfByte (Alg. 15) without a secret-dependent branch: returns the coefficient and
 * sets *ok to 1 if b is accepted (b < 15 for eta = 2, b < 9 for eta = 4), else 0. b mod 5 for
 * b < 16 is b - 5 floor(b * 205 / 1024). */
static int32_t coeff_from_half_byte(uint32_t b, unsigned int eta, uint32_t *ok)
{
    if (eta == 2) {                                    /* branch on the public parameter */
        *ok = (b - 15u) >> 31;
        return 2 - (int32_t)(b - 5u * ((b * 205u) >> 10));
    }
    *ok = (b - 9u) >> 31;
    return 4 - (int32_t)b;
}

/* Alg. 31. */
void ch_mldsa_rej_bounded_poly(struct ch_mldsa_poly *a, const uint8_t rhop[64], uint16_t nonce,
                               unsigned int eta)
{
    struct ch_keccak st;
    uint8_t seed[66];
    uint8_t buf[CH_SHAKE256_RATE];
    unsigned int j = 0;

    for (unsigned int i = 0; i < 64; i++)
        seed[i] = rhop[i];
    seed[64] = (uint8_t)(nonce & 0xFF);
    seed[65] = (uint8_t)(nonce >> 8);
    ch_shake256_init(&st);
    ch_shake256_absorb(&st, seed, sizeof seed);
    ch_shake256_finalize(&st);
    while (j < CH_MLDSA_N) {
        ch_shake256_squeezeblocks(&st, buf, 1);
        for (unsigned int pos = 0; pos < CH_SHAKE256_RATE && j < CH_MLDSA_N; pos++) {
            uint32_t ok0, ok1;
            int32_t z0 = coeff_from_half_byte(buf[pos] & 0x0Fu, eta, &ok0);
            int32_t z1 = coeff_from_half_byte((uint32_t)buf[pos] >> 4, eta, &ok1);
            /* The decisions are public: rejection sampling shows how many draws were used. */
            CH_CT_PUBLIC(&ok0, sizeof ok0);
            CH_CT_PUBLIC(&ok1, sizeof ok1);
            if (ok0)
                a->c[j++] = z0;
            if (ok1 && j < CH_MLDSA_N)
                a->c[j++] = z1;
        }
    }
    ch_wipe(buf, sizeof buf);
    ch_wipe(seed, sizeof seed);
    ch_keccak_clear(&st);
}

/* Alg. 33. */
void ch_mldsa_expand_s(struct ch_mldsa_poly *s1, struct ch_mldsa_poly *s2, const uint8_t rhop[64],
                       const struct ch_mldsa_params *p)
{
    for (unsigned int r = 0; r < p->l; r++)
        ch_mldsa_rej_bounded_poly(&s1[r], rhop, (uint16_t)r, p->eta);
    for (unsigned int r = 0; r < p->k; r++)
        ch_mldsa_rej_bounded_poly(&s2[r], rhop, (uint16_t)(r + p->l), p->eta);
}

/* Alg. 34: 32c bytes (576 or 640) fit in 5 SHAKE256 blocks (680 bytes). */
void ch_mldsa_expand_mask(struct ch_mldsa_poly *y, const uint8_t rhopp[64], uint16_t kappa,
                          const struct ch_mldsa_params *p)
{
    struct ch_keccak st;
    uint8_t seed[66];
    uint8_t buf[5 * CH_SHAKE256_RATE];

    for (unsigned int i = 0; i < 64; i++)
        seed[i] = rhopp[i];
    for (unsigned int r = 0; r < p->l; r++) {
        uint16_t n = (uint16_t)(kappa + r);  /* IntegerToBytes(kappa + r, 2) */
        seed[64] = (uint8_t)(n & 0xFF);
        seed[65] = (uint8_t)(n >> 8);
        ch_shake256_init(&st);
        ch_shake256_absorb(&st, seed, sizeof seed);
        ch_shake256_finalize(&st);
        ch_shake256_squeezeblocks(&st, buf, 5);
        ch_mldsa_bitunpack(&y[r], buf, p->gamma1, p->gamma1_bits);
    }
    ch_wipe(buf, sizeof buf);
    ch_wipe(seed, sizeof seed);
    ch_keccak_clear(&st);
}
