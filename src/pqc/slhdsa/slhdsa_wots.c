/* SPDX-License-Identifier: Apache-2.0 */
/* SLH-DSA WOTS+ one-time signatures (FIPS 205 §5: Algorithms 4-8, base_2b, chain via the hash
 * table, wots_pkGen, wots_sign, wots_pkFromSig). pqc layer, no allocation. lg_w = 4 for every
 * approved set, so w = 16, len1 = 2n, len2 = 3. The chain start values (PRF outputs) are
 * secret; they are chained in place, so no copy of them outlives a call. */
#include <string.h>

#include "pqc/slhdsa/slhdsa_internal.h"
#include "util/ch_wipe.h"

#define W 16u
#define LEN2 3u

/* Alg. 4. b <= 16, so the running value never needs more than b + 7 bits after masking. */
void ch_slhdsa_base_2b(uint32_t *out, const uint8_t *x, unsigned int b, unsigned int out_len)
{
    size_t in = 0;
    unsigned int bits = 0;
    uint32_t total = 0;

    for (unsigned int i = 0; i < out_len; i++) {
        while (bits < b) {
            total = (total << 8) | x[in++];
            bits += 8;
        }
        bits -= b;
        out[i] = (total >> bits) & ((1u << b) - 1u);
        total &= (1u << bits) - 1u;
    }
}

/* Alg. 7 lines 1-9 (and Alg. 8 lines 1-9): the base-w digits of M followed by those of the
 * checksum csum = sum(w - 1 - msg[i]), shifted left by (8 - (len2 * lg_w) mod 8) mod 8 = 4 and
 * written in ceil(len2 * lg_w / 8) = 2 bytes. */
static void wots_digits(const struct ch_slhdsa_params *p, uint32_t *d, const uint8_t *msg)
{
    const unsigned int len1 = 2u * p->n;
    uint32_t csum = 0;
    uint8_t cb[2];

    ch_slhdsa_base_2b(d, msg, p->lgw, len1);
    for (unsigned int i = 0; i < len1; i++)
        csum += W - 1u - d[i];
    csum <<= 4;
    cb[0] = (uint8_t)(csum >> 8);
    cb[1] = (uint8_t)csum;
    ch_slhdsa_base_2b(d + len1, cb, p->lgw, LEN2);
}

/* Alg. 6 */
void ch_slhdsa_wots_pkgen(const struct ch_slhdsa_ctx *c, uint8_t *pk, uint8_t *adrs)
{
    const struct ch_slhdsa_params *p = c->p;
    uint8_t tmp[CH_SLHDSA_MAX_LEN * CH_SLHDSA_MAX_N];
    uint32_t start[CH_SLHDSA_MAX_LEN], steps[CH_SLHDSA_MAX_LEN];
    uint8_t pk_adrs[CH_SLHDSA_ADRS_BYTES];

    for (unsigned int i = 0; i < p->len; i++) {
        start[i] = 0;
        steps[i] = W - 1u;
    }
    /* lines 1-9: secret chain starts, chained in place to the public chain ends */
    c->hash->wots_chains(c, tmp, start, steps, adrs, 1);
    memcpy(pk_adrs, adrs, sizeof pk_adrs);                     /* lines 10-13 */
    ch_slhdsa_adrs_set_type_and_clear(pk_adrs, CH_SLHDSA_WOTS_PK);
    ch_slhdsa_adrs_set_keypair(pk_adrs, ch_slhdsa_adrs_get_keypair(adrs));
    c->hash->t(c, pk, pk_adrs, tmp, p->len);
}

/* Alg. 7 */
void ch_slhdsa_wots_sign(const struct ch_slhdsa_ctx *c, uint8_t *sig, const uint8_t *msg,
                         uint8_t *adrs)
{
    const struct ch_slhdsa_params *p = c->p;
    uint32_t start[CH_SLHDSA_MAX_LEN], steps[CH_SLHDSA_MAX_LEN];

    wots_digits(p, steps, msg);                                /* lines 1-9 */
    for (unsigned int i = 0; i < p->len; i++)
        start[i] = 0;
    c->hash->wots_chains(c, sig, start, steps, adrs, 1);       /* lines 10-16 */
}

/* Alg. 8. pk may alias msg: the digits are taken before anything is written. */
void ch_slhdsa_wots_pk_from_sig(const struct ch_slhdsa_ctx *c, uint8_t *pk, const uint8_t *sig,
                                const uint8_t *msg, uint8_t *adrs)
{
    const struct ch_slhdsa_params *p = c->p;
    uint32_t start[CH_SLHDSA_MAX_LEN], steps[CH_SLHDSA_MAX_LEN];
    uint8_t tmp[CH_SLHDSA_MAX_LEN * CH_SLHDSA_MAX_N];
    uint8_t pk_adrs[CH_SLHDSA_ADRS_BYTES];

    wots_digits(p, start, msg);                                /* lines 1-9 */
    for (unsigned int i = 0; i < p->len; i++)
        steps[i] = W - 1u - start[i];
    memcpy(tmp, sig, (size_t)p->len * p->n);
    c->hash->wots_chains(c, tmp, start, steps, adrs, 0);       /* lines 10-13 */
    memcpy(pk_adrs, adrs, sizeof pk_adrs);                     /* lines 14-17 */
    ch_slhdsa_adrs_set_type_and_clear(pk_adrs, CH_SLHDSA_WOTS_PK);
    ch_slhdsa_adrs_set_keypair(pk_adrs, ch_slhdsa_adrs_get_keypair(adrs));
    c->hash->t(c, pk, pk_adrs, tmp, p->len);
}
