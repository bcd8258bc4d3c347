/* SPDX-License-Identifier: Apache-2.0 */
/* ML-KEM sampling (FIPS 203 §4.2.2): SampleNTT (Alg. 7) from SHAKE128 with rejection, which
 * only ever sees the public seed rho, and SamplePolyCBD (Alg. 8) from PRF_eta = SHAKE256
 * (§4.1), which sees secrets and is branch-free. src/pqc layer: no allocation. */
#include <string.h>

#include "pqc/common/fips202.h"
#include "pqc/mlkem/mlkem_poly.h"
#include "util/ch_wipe.h"

/* The parsing loop of Alg. 7 (steps 3-13): three bytes give two 12-bit candidates d1, d2, each
 * kept if < q, until 256 coefficients are filled. Continues at coefficient j; returns the new
 * count. The branches depend on XOF output from the public rho only. */
static unsigned int rej_uniform(int16_t *r, unsigned int j, const uint8_t *buf, size_t len)
{
    size_t pos = 0;

    /* While two more coefficients fit, store both candidates unconditionally and advance by
     * the acceptance bits: a rejected candidate is overwritten by the next one. */
    for (; pos + 3 <= len && j + 2 <= CH_MLKEM_N; pos += 3) {
        const uint16_t d1 = (uint16_t)(buf[pos] | ((buf[pos + 1] & 0x0F) << 8));
        const uint16_t d2 = (uint16_t)((buf[pos + 1] >> 4) | (buf[pos + 2] << 4));
        r[j] = (int16_t)d1;
        j += d1 < CH_MLKEM_Q;
        r[j] = (int16_t)d2;
        j += d2 < CH_MLKEM_Q;
    }
    for (; pos + 3 <= len && j < CH_MLKEM_N; pos += 3) {
        const uint16_t d1 = (uint16_t)(buf[pos] | ((buf[pos + 1] & 0x0F) << 8));
        const uint16_t d2 = (uint16_t)((buf[pos + 1] >> 4) | (buf[pos + 2] << 4));
        if (d1 < CH_MLKEM_Q)
            r[j++] = (int16_t)d1;
        if (d2 < CH_MLKEM_Q && j < CH_MLKEM_N)
            r[j++] = (int16_t)d2;
    }
    return j;
}

/* Alg. 7. Three blocks (504 bytes, 336 candidates) suffice almost always; more blocks are
 * squeezed as needed. A block is 168 bytes, a multiple of 3, so no candidate straddles two
 * blocks. */
void ch_mlkem_sample_ntt(struct ch_mlkem_poly *a, const uint8_t rho[32], uint8_t x, uint8_t y)
{
    struct ch_keccak st;
    uint8_t buf[3 * CH_SHAKE128_RATE];
    uint8_t ext[2] = {x, y};

    ch_shake128_init(&st);
    ch_shake128_absorb(&st, rho, 32);
    ch_shake128_absorb(&st, ext, 2);
    ch_shake128_finalize(&st);
    ch_shake128_squeezeblocks(&st, buf, 3);
    unsigned int j = rej_uniform(a->c, 0, buf, sizeof buf);
    while (j < CH_MLKEM_N) {
        ch_shake128_squeezeblocks(&st, buf, 1);
        j = rej_uniform(a->c, j, buf, CH_SHAKE128_RATE);
    }
}

/* Alg. 7 four times at once on the four-way SHAKE128; lanes with a[j] == NULL are idle. */
void ch_mlkem_sample_ntt_x4(struct ch_mlkem_poly *const a[4], const uint8_t rho[32],
                            const uint8_t xy[4][2])
{
    struct ch_keccak_x4 st;
    uint8_t in[4][34];
    uint8_t buf[4][3 * CH_SHAKE128_RATE];
    const uint8_t *const ins[4] = {in[0], in[1], in[2], in[3]};
    uint8_t *outs[4];
    unsigned int cnt[4];

    for (unsigned int l = 0; l < 4; l++) {
        memcpy(in[l], rho, 32);
        in[l][32] = xy[l][0];
        in[l][33] = xy[l][1];
        outs[l] = a[l] != NULL ? buf[l] : NULL;
    }
    ch_shake128x4_absorb_once(&st, ins, sizeof in[0]);
    ch_keccakx4_squeezeblocks(&st, outs, 3);
    int more = 0;
    for (unsigned int l = 0; l < 4; l++) {
        cnt[l] = a[l] != NULL ? rej_uniform(a[l]->c, 0, buf[l], sizeof buf[l]) : CH_MLKEM_N;
        more |= cnt[l] < CH_MLKEM_N;
    }
    while (more) {
        for (unsigned int l = 0; l < 4; l++)
            outs[l] = cnt[l] < CH_MLKEM_N ? buf[l] : NULL;
        ch_keccakx4_squeezeblocks(&st, outs, 1);
        more = 0;
        for (unsigned int l = 0; l < 4; l++) {
            if (cnt[l] < CH_MLKEM_N)
                cnt[l] = rej_uniform(a[l]->c, cnt[l], buf[l], CH_SHAKE128_RATE);
            more |= cnt[l] < CH_MLKEM_N;
        }
    }
}

void ch_mlkem_gen_matrix_rows(struct ch_mlkem_polyvec *rows, const uint8_t rho[32],
                              unsigned int i, unsigned int nrows, unsigned int k, int transposed)
{
    struct ch_mlkem_poly *a[4] = {NULL, NULL, NULL, NULL};
    uint8_t xy[4][2] = {{0, 0}, {0, 0}, {0, 0}, {0, 0}};
    unsigned int l = 0;

    for (unsigned int r = 0; r < nrows; r++) {
        for (unsigned int j = 0; j < k && l < 4; j++, l++) {
            a[l] = &rows[r].p[j];
            xy[l][0] = (uint8_t)(transposed ? i + r : j);
            xy[l][1] = (uint8_t)(transposed ? j : i + r);
        }
    }
    ch_mlkem_sample_ntt_x4(a, rho, xy);
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

/* Alg. 8 four times at once: PRF_eta[l](sigma, n[l]) on the four-way SHAKE256. Two blocks
 * (272 bytes) cover eta = 3 (192 bytes), one block (136) covers eta = 2 (128); a lane with a
 * smaller eta simply uses a prefix of its stream, which is exactly its own PRF output. */
void ch_mlkem_sample_cbd_x4(struct ch_mlkem_poly *const r[4], const uint8_t sigma[32],
                            const uint8_t n[4], const unsigned int eta[4])
{
    struct ch_keccak_x4 st;
    uint8_t in[4][33];
    uint8_t buf[4][2 * CH_SHAKE256_RATE];
    const uint8_t *const ins[4] = {in[0], in[1], in[2], in[3]};
    uint8_t *outs[4];
    size_t blocks = 1;

    for (unsigned int l = 0; l < 4; l++) {
        memcpy(in[l], sigma, 32);
        in[l][32] = n[l];
        outs[l] = r[l] != NULL ? buf[l] : NULL;
        if (r[l] != NULL && eta[l] == 3)
            blocks = 2;
    }
    ch_shake256x4_absorb_once(&st, ins, sizeof in[0]);
    ch_keccakx4_squeezeblocks(&st, outs, blocks);
    for (unsigned int l = 0; l < 4; l++) {
        if (r[l] == NULL)
            continue;
        if (eta[l] == 3)
            cbd3(r[l], buf[l]);
        else
            cbd2(r[l], buf[l]);
    }
    ch_keccakx4_clear(&st);
    ch_wipe(in, sizeof in);
    ch_wipe(buf, sizeof buf);
}
