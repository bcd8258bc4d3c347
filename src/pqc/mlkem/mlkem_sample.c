/* SPDX-License-Identifier: Apache-2.0 */
/* ML-KEM sampling (FIPS 203 §4.2.2): SampleNTT (Alg. 7) from SHAKE128 with rejection, which
 * only ever sees the public seed rho, and SamplePolyCBD (Alg. 8) from PRF_eta = SHAKE256
 * (§4.1), which sees secrets and is branch-free. src/pqc layer: no allocation. */
#include <string.h>

#include "pqc/common/fips202.h"
#include "pqc/mlkem/mlkem_poly.h"
#include "util/ch_wipe.h"

/* Alg. 7. Three squeezed bytes give two 12-bit candidates; a candidate is kept if < q. The
 * branches depend on SHAKE128(rho || x || y) only, which is public. Three blocks (504 bytes,
 * 336 candidates) suffice almost always; more blocks are squeezed as needed. A block is 168
 * bytes, a multiple of 3, so no candidate straddles two blocks. */
void ch_mlkem_sample_ntt(struct ch_mlkem_poly *a, const uint8_t rho[32], uint8_t x, uint8_t y)
{
    struct ch_keccak st;
    uint8_t buf[3 * CH_SHAKE128_RATE];
    uint8_t ext[2] = {x, y};
    unsigned int j = 0;

    ch_shake128_init(&st);
    ch_shake128_absorb(&st, rho, 32);
    ch_shake128_absorb(&st, ext, 2);
    ch_shake128_finalize(&st);
    ch_shake128_squeezeblocks(&st, buf, 3);
    size_t len = sizeof buf;

    for (;;) {
        for (size_t pos = 0; pos + 3 <= len && j < CH_MLKEM_N; pos += 3) {
            const uint16_t d1 = (uint16_t)(buf[pos] | ((buf[pos + 1] & 0x0F) << 8));
            const uint16_t d2 = (uint16_t)((buf[pos + 1] >> 4) | (buf[pos + 2] << 4));
            if (d1 < CH_MLKEM_Q)
                a->c[j++] = (int16_t)d1;
            if (d2 < CH_MLKEM_Q && j < CH_MLKEM_N)
                a->c[j++] = (int16_t)d2;
        }
        if (j >= CH_MLKEM_N)
            break;
        ch_shake128_squeezeblocks(&st, buf, 1);
        len = CH_SHAKE128_RATE;
    }
}

void ch_mlkem_gen_matrix_row(struct ch_mlkem_polyvec *row, const uint8_t rho[32],
                             unsigned int i, unsigned int k, int transposed)
{
    for (unsigned int j = 0; j < k; j++) {
        if (transposed)
            ch_mlkem_sample_ntt(&row->p[j], rho, (uint8_t)i, (uint8_t)j);
        else
            ch_mlkem_sample_ntt(&row->p[j], rho, (uint8_t)j, (uint8_t)i);
    }
}

static uint32_t load32_le(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static uint32_t load24_le(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16);
}

/* Alg. 8 with eta = 2: coefficient i uses bits 4i..4i+1 (x) and 4i+2..4i+3 (y) of the
 * little-endian bit string (BytesToBits, Alg. 4). Pairwise bit sums are formed with a mask,
 * eight coefficients per 32-bit word. */
static void cbd2(struct ch_mlkem_poly *r, const uint8_t buf[128])
{
    for (unsigned int w = 0; w < CH_MLKEM_N / 8; w++) {
        uint32_t t = load32_le(buf + 4 * w);
        uint32_t s = (t & 0x55555555u) + ((t >> 1) & 0x55555555u);
        for (unsigned int j = 0; j < 8; j++) {
            int16_t x = (int16_t)((s >> (4 * j)) & 3u);
            int16_t y = (int16_t)((s >> (4 * j + 2)) & 3u);
            r->c[8 * w + j] = (int16_t)(x - y);
        }
    }
}

/* Alg. 8 with eta = 3: six bits per coefficient, four coefficients per 24-bit group. */
static void cbd3(struct ch_mlkem_poly *r, const uint8_t buf[192])
{
    for (unsigned int w = 0; w < CH_MLKEM_N / 4; w++) {
        uint32_t t = load24_le(buf + 3 * w);
        uint32_t s = (t & 0x249249u) + ((t >> 1) & 0x249249u) + ((t >> 2) & 0x249249u);
        for (unsigned int j = 0; j < 4; j++) {
            int16_t x = (int16_t)((s >> (6 * j)) & 7u);
            int16_t y = (int16_t)((s >> (6 * j + 3)) & 7u);
            r->c[4 * w + j] = (int16_t)(x - y);
        }
    }
}

/* PRF_eta(s, b) = SHAKE256(s || b, 8 * 64 * eta) (§4.1, eq. 4.3), then Alg. 8. */
void ch_mlkem_sample_cbd(struct ch_mlkem_poly *r, const uint8_t sigma[32], uint8_t n,
                         unsigned int eta)
{
    uint8_t in[33];
    uint8_t buf[64 * 3];

    memcpy(in, sigma, 32);
    in[32] = n;
    ch_shake256(buf, 64 * eta, in, sizeof in);
    if (eta == 3)
        cbd3(r, buf);
    else
        cbd2(r, buf);
    ch_wipe(in, sizeof in);
    ch_wipe(buf, sizeof buf);
}
