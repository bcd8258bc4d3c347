/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA pseudorandom sampling (FIPS 204 §7.3, Alg. 29-34, with Alg. 14-15): SampleInBall,
 * RejNTTPoly, RejBoundedPoly, ExpandA, ExpandS, ExpandMask. src/pqc layer. H = SHAKE256,
 * G = SHAKE128 (§3.7), squeezed a block at a time; the many independent XOF calls of ExpandA,
 * ExpandS and ExpandMask run four at a time (mldsa_xof4.c). Secret inputs (rho', rho'') never
 * steer a branch or an index except the accept/reject decision of RejBoundedPoly, which the
 * spec's rejection sampling reveals anyway and which is declassified for the CT checker. */
#include "pqc/mldsa/mldsa_internal.h"

#include <string.h>

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

/* Alg. 30 with CoeffFromThreeBytes (Alg. 14), continued over one more XOF block: 23-bit
 * little-endian values below q are kept. A SHAKE128 block holds 56 whole three-byte groups, so
 * groups never straddle blocks. rho is public, so this may branch. */
static void rej_ntt_parse(struct ch_mldsa_poly *a, unsigned int *count, const uint8_t *buf)
{
    unsigned int j = *count; /* a local: with -fno-strict-aliasing *count would be reloaded */
    for (unsigned int pos = 0; pos + 3 <= CH_SHAKE128_RATE && j < CH_MLDSA_N; pos += 3) {
        uint32_t z = (uint32_t)buf[pos] | ((uint32_t)buf[pos + 1] << 8) |
                     ((uint32_t)(buf[pos + 2] & 0x7F) << 16);
        if (z < CH_MLDSA_Q)
            a->c[j++] = (int32_t)z;
    }
    *count = j;
}

/* Up to four entries of ExpandA (Alg. 32) at once: out[t] = A[r[t]][s[t]] = RejNTTPoly(rho ||
 * IntegerToBytes(s, 1) || IntegerToBytes(r, 1)) for t < n; unused lanes repeat lane 0. */
static void rej_ntt_x4(struct ch_mldsa_poly *const out[4], const uint8_t rho[32],
                       const unsigned int r[4], const unsigned int s[4], unsigned int n)
{
    struct ch_mldsa_xof4 st;
    uint8_t seed[4][34];
    uint8_t buf[4][CH_SHAKE128_RATE];
    const uint8_t *in[4];
    uint8_t *outb[4];
    unsigned int cnt[4] = {0, 0, 0, 0};

    for (unsigned int t = 0; t < 4; t++) {
        unsigned int u = t < n ? t : 0;
        memcpy(seed[t], rho, 32);
        seed[t][32] = (uint8_t)s[u];
        seed[t][33] = (uint8_t)r[u];
        in[t] = seed[t];
        outb[t] = buf[t];
    }
    ch_mldsa_xof4_absorb(&st, CH_SHAKE128_RATE, in, sizeof seed[0]);
    for (;;) {
        bool done = true;
        for (unsigned int t = 0; t < n; t++)
            done = done && cnt[t] == CH_MLDSA_N;
        if (done)
            break;
        ch_mldsa_xof4_squeezeblock(&st, outb);
        for (unsigned int t = 0; t < n; t++)
            rej_ntt_parse(out[t], &cnt[t], buf[t]);
    }
}

/* Alg. 32 for the entries from index `first` (row major, A[r][s] at r l + s) to `last`. */
static void expand_a_range(struct ch_mldsa_poly *a, const uint8_t rho[32], unsigned int first,
                           unsigned int last, const struct ch_mldsa_params *p)
{
    for (unsigned int e = first; e < last; e += 4) {
        struct ch_mldsa_poly *out[4];
        unsigned int r[4], s[4], n = last - e < 4 ? last - e : 4;
        for (unsigned int t = 0; t < 4; t++) {
            unsigned int idx = e + (t < n ? t : 0);
            out[t] = &a[idx - first];
            r[t] = idx / p->l;
            s[t] = idx % p->l;
        }
        rej_ntt_x4(out, rho, r, s, n);
    }
}

void ch_mldsa_expand_a(struct ch_mldsa_poly *a, const uint8_t rho[32],
                       const struct ch_mldsa_params *p)
{
    expand_a_range(a, rho, 0, p->k * p->l, p);
}

void ch_mldsa_expand_a_row(struct ch_mldsa_poly *row, const uint8_t rho[32], unsigned int r,
                           const struct ch_mldsa_params *p)
{
    expand_a_range(row, rho, r * p->l, (r + 1) * p->l, p);
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

/* Alg. 31 lines 4-16 over one more XOF block. */
static void rej_eta_parse(struct ch_mldsa_poly *a, unsigned int *count, const uint8_t *buf,
                          unsigned int eta)
{
    unsigned int j = *count;
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
    *count = j;
}

/* Four SHAKE256 instances on rhox || IntegerToBytes(nonce[t], 2), rhox of 64 bytes. */
static void absorb_x4_nonce(struct ch_mldsa_xof4 *st, const uint8_t rhox[64],
                            const uint16_t nonce[4])
{
    uint8_t seed[4][66];
    const uint8_t *in[4];
    for (unsigned int t = 0; t < 4; t++) {
        memcpy(seed[t], rhox, 64);
        seed[t][64] = (uint8_t)(nonce[t] & 0xFF);
        seed[t][65] = (uint8_t)(nonce[t] >> 8);
        in[t] = seed[t];
    }
    ch_mldsa_xof4_absorb(st, CH_SHAKE256_RATE, in, sizeof seed[0]);
    ch_wipe(seed, sizeof seed);
}

/* Alg. 33 (with Alg. 31 for each polynomial): s1[r] from nonce r, s2[r] from nonce r + l, four
 * polynomials at a time. */
void ch_mldsa_expand_s(struct ch_mldsa_poly *s1, struct ch_mldsa_poly *s2, const uint8_t rhop[64],
                       const struct ch_mldsa_params *p)
{
    struct ch_mldsa_xof4 st;
    uint8_t buf[4][CH_SHAKE256_RATE];
    uint8_t *outb[4] = {buf[0], buf[1], buf[2], buf[3]};
    const unsigned int total = p->l + p->k;

    for (unsigned int e = 0; e < total; e += 4) {
        struct ch_mldsa_poly *out[4];
        uint16_t nonce[4];
        unsigned int cnt[4] = {0, 0, 0, 0}, n = total - e < 4 ? total - e : 4;
        for (unsigned int t = 0; t < 4; t++) {
            unsigned int idx = e + (t < n ? t : 0);
            out[t] = idx < p->l ? &s1[idx] : &s2[idx - p->l];
            nonce[t] = (uint16_t)idx;
        }
        absorb_x4_nonce(&st, rhop, nonce);
        for (;;) {
            bool done = true;
            for (unsigned int t = 0; t < n; t++)
                done = done && cnt[t] == CH_MLDSA_N;
            if (done)
                break;
            ch_mldsa_xof4_squeezeblock(&st, outb);
            for (unsigned int t = 0; t < n; t++)
                rej_eta_parse(out[t], &cnt[t], buf[t], p->eta);
        }
    }
    ch_wipe(buf, sizeof buf);
    ch_wipe(&st, sizeof st);
}

/* Alg. 34: y[r] = BitUnpack(H(rho'' || IntegerToBytes(kappa + r, 2), 32c), gamma1 - 1, gamma1),
 * four polynomials at a time; 32c bytes (576 or 640) fit in 5 SHAKE256 blocks (680 bytes). */
void ch_mldsa_expand_mask(struct ch_mldsa_poly *y, const uint8_t rhopp[64], uint16_t kappa,
                          const struct ch_mldsa_params *p)
{
    struct ch_mldsa_xof4 st;
    uint8_t buf[4][5 * CH_SHAKE256_RATE];

    for (unsigned int e = 0; e < p->l; e += 4) {
        uint16_t nonce[4];
        uint8_t *outb[4];
        unsigned int n = p->l - e < 4 ? p->l - e : 4;
        for (unsigned int t = 0; t < 4; t++)
            nonce[t] = (uint16_t)(kappa + e + (t < n ? t : 0));
        absorb_x4_nonce(&st, rhopp, nonce);
        for (unsigned int b = 0; b < 5; b++) {
            for (unsigned int t = 0; t < 4; t++)
                outb[t] = buf[t] + b * CH_SHAKE256_RATE;
            ch_mldsa_xof4_squeezeblock(&st, outb);
        }
        for (unsigned int t = 0; t < n; t++)
            ch_mldsa_bitunpack(&y[e + t], buf[t], p->gamma1, p->gamma1_bits);
    }
    ch_wipe(buf, sizeof buf);
    ch_wipe(&st, sizeof st);
}
