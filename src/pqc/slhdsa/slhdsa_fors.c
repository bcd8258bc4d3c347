/* SPDX-License-Identifier: Apache-2.0 */
/* SLH-DSA FORS few-time signatures (FIPS 205 §8: Algorithms 14-17, fors_skGen, fors_node,
 * fors_sign, fors_pkFromSig). pqc layer, no allocation; recursion depth at most a <= 14.
 * FORS secret values are secret until revealed in a signature: leaf temporaries are wiped. */
#include <string.h>

#include "pqc/slhdsa/slhdsa_internal.h"
#include "util/ch_wipe.h"

/* Alg. 14 */
static void fors_sk_gen(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *adrs,
                        uint32_t idx)
{
    uint8_t sk_adrs[CH_SLHDSA_ADRS_BYTES];

    memcpy(sk_adrs, adrs, sizeof sk_adrs);
    ch_slhdsa_adrs_set_type_and_clear(sk_adrs, CH_SLHDSA_FORS_PRF);
    ch_slhdsa_adrs_set_keypair(sk_adrs, ch_slhdsa_adrs_get_keypair(adrs));
    ch_slhdsa_adrs_set_tree_index(sk_adrs, idx);
    c->hash->prf(c, out, sk_adrs);
}

/* Alg. 15 */
static void fors_node(const struct ch_slhdsa_ctx *c, uint8_t *node, uint32_t i, uint32_t z,
                      uint8_t *adrs)
{
    const unsigned int n = c->p->n;
    uint8_t lr[2 * CH_SLHDSA_MAX_N];

    if (z == 0) {
        uint8_t sk[CH_SLHDSA_MAX_N];
        fors_sk_gen(c, sk, adrs, i);
        ch_slhdsa_adrs_set_tree_height(adrs, 0);
        ch_slhdsa_adrs_set_tree_index(adrs, i);
        c->hash->f(c, node, adrs, sk);
        ch_wipe(sk, sizeof sk);
        return;
    }
    fors_node(c, lr, 2 * i, z - 1, adrs);
    fors_node(c, lr + n, 2 * i + 1, z - 1, adrs);
    ch_slhdsa_adrs_set_tree_height(adrs, z);
    ch_slhdsa_adrs_set_tree_index(adrs, i);
    c->hash->h(c, node, adrs, lr);
}

/* Height of the subtrees computed level by level with the four-lane hashes (16 leaves). */
#define SUB 4u

/* Node (i, SUB): Alg. 15 for the 16 leaves i*16 .. i*16+15, level by level, four hashes at a
 * time; the secret leaf values are hashed in place into the leaf nodes and the buffer wiped. */
static void fors_sub16(const struct ch_slhdsa_ctx *c, uint8_t *out, uint32_t i,
                       const uint8_t *adrs)
{
    const unsigned int n = c->p->n;
    const uint32_t kp = ch_slhdsa_adrs_get_keypair(adrs);
    uint8_t buf[(1u << SUB) * CH_SLHDSA_MAX_N];
    uint8_t ad[4][CH_SLHDSA_ADRS_BYTES];
    const uint8_t *const a[4] = {ad[0], ad[1], ad[2], ad[3]};
    uint8_t *o[4];
    const uint8_t *in[4];

    for (uint32_t g = 0; g < (1u << SUB); g += 4) {
        for (unsigned int k = 0; k < 4; k++) {                 /* Alg. 14 */
            memcpy(ad[k], adrs, CH_SLHDSA_ADRS_BYTES);
            ch_slhdsa_adrs_set_type_and_clear(ad[k], CH_SLHDSA_FORS_PRF);
            ch_slhdsa_adrs_set_keypair(ad[k], kp);
            ch_slhdsa_adrs_set_tree_index(ad[k], (i << SUB) + g + k);
            o[k] = buf + (size_t)(g + k) * n;
            in[k] = o[k];
        }
        c->hash->prf_x4(c, o, a);
        for (unsigned int k = 0; k < 4; k++) {                 /* Alg. 15 lines 2-4 */
            memcpy(ad[k], adrs, CH_SLHDSA_ADRS_BYTES);
            ch_slhdsa_adrs_set_tree_height(ad[k], 0);
            ch_slhdsa_adrs_set_tree_index(ad[k], (i << SUB) + g + k);
        }
        c->hash->f_x4(c, o, a, in);
    }
    /* Alg. 15 lines 6-9, one level at a time: node idx of level z from nodes 2idx, 2idx+1 of
     * level z-1, written in place (x4 hashes read all inputs before writing). */
    uint32_t cnt = 1u << SUB;
    for (uint32_t z = 1; z <= SUB; z++) {
        cnt /= 2;
        for (uint32_t base = 0; base < cnt; base += 4) {
            for (unsigned int k = 0; k < 4; k++) {
                uint32_t idx = base + k < cnt ? base + k : cnt - 1; /* spare lanes repeat */
                memcpy(ad[k], adrs, CH_SLHDSA_ADRS_BYTES);
                ch_slhdsa_adrs_set_tree_height(ad[k], z);
                ch_slhdsa_adrs_set_tree_index(ad[k], (i << (SUB - z)) + idx);
                in[k] = buf + (size_t)2 * idx * n;
                o[k] = buf + (size_t)idx * n;
            }
            c->hash->h_x4(c, o, a, in);
        }
    }
    memcpy(out, buf, n);
    ch_wipe(buf, sizeof buf);
}

/* Alg. 15 for z >= SUB: recursion down to the 16-leaf subtrees. */
static void fors_node_x4(const struct ch_slhdsa_ctx *c, uint8_t *node, uint32_t i, uint32_t z,
                         uint8_t *adrs)
{
    const unsigned int n = c->p->n;
    uint8_t lr[2 * CH_SLHDSA_MAX_N];

    if (z == SUB) {
        fors_sub16(c, node, i, adrs);
        return;
    }
    fors_node_x4(c, lr, 2 * i, z - 1, adrs);
    fors_node_x4(c, lr + n, 2 * i + 1, z - 1, adrs);
    ch_slhdsa_adrs_set_tree_height(adrs, z);
    ch_slhdsa_adrs_set_tree_index(adrs, i);
    c->hash->h(c, node, adrs, lr);
}

/* Alg. 16: for each of the k trees, the revealed secret value then its a authentication nodes. */
void ch_slhdsa_fors_sign(const struct ch_slhdsa_ctx *c, uint8_t *sig, const uint8_t *md,
                         uint8_t *adrs)
{
    const struct ch_slhdsa_params *p = c->p;
    const unsigned int n = p->n, a = p->a;
    uint32_t idx[CH_SLHDSA_MAX_K];

    ch_slhdsa_base_2b(idx, md, a, p->k);
    for (uint32_t i = 0; i < p->k; i++) {
        uint8_t *s = sig + (size_t)i * (a + 1u) * n;
        fors_sk_gen(c, s, adrs, (i << a) + idx[i]);
        for (uint32_t j = 0; j < a; j++) {
            uint32_t sib = (idx[i] >> j) ^ 1u;
            if (j >= SUB)
                fors_node_x4(c, s + n + (size_t)j * n, (i << (a - j)) + sib, j, adrs);
            else
                fors_node(c, s + n + (size_t)j * n, (i << (a - j)) + sib, j, adrs);
        }
    }
}

/* Alg. 17 */
void ch_slhdsa_fors_pk_from_sig(const struct ch_slhdsa_ctx *c, uint8_t *pk, const uint8_t *sig,
                                const uint8_t *md, uint8_t *adrs)
{
    const struct ch_slhdsa_params *p = c->p;
    const unsigned int n = p->n, a = p->a;
    uint32_t idx[CH_SLHDSA_MAX_K];
    uint8_t roots[CH_SLHDSA_MAX_K * CH_SLHDSA_MAX_N];
    uint8_t buf[2 * CH_SLHDSA_MAX_N];
    uint8_t pk_adrs[CH_SLHDSA_ADRS_BYTES];

    ch_slhdsa_base_2b(idx, md, a, p->k);
    for (uint32_t i = 0; i < p->k; i++) {
        const uint8_t *sk = sig + (size_t)i * (a + 1u) * n;
        const uint8_t *auth = sk + n;
        uint8_t *node = roots + (size_t)i * n;

        ch_slhdsa_adrs_set_tree_height(adrs, 0);
        ch_slhdsa_adrs_set_tree_index(adrs, (i << a) + idx[i]);
        c->hash->f(c, node, adrs, sk);
        for (uint32_t j = 0; j < a; j++) {
            ch_slhdsa_adrs_set_tree_height(adrs, j + 1);
            uint32_t ti = ch_slhdsa_adrs_get_tree_index(adrs);
            if (((idx[i] >> j) & 1u) == 0) {
                ch_slhdsa_adrs_set_tree_index(adrs, ti / 2);
                memcpy(buf, node, n);
                memcpy(buf + n, auth + (size_t)j * n, n);
            } else {
                ch_slhdsa_adrs_set_tree_index(adrs, (ti - 1) / 2);
                memcpy(buf, auth + (size_t)j * n, n);
                memcpy(buf + n, node, n);
            }
            c->hash->h(c, node, adrs, buf);
        }
    }
    memcpy(pk_adrs, adrs, sizeof pk_adrs);
    ch_slhdsa_adrs_set_type_and_clear(pk_adrs, CH_SLHDSA_FORS_ROOTS);
    ch_slhdsa_adrs_set_keypair(pk_adrs, ch_slhdsa_adrs_get_keypair(adrs));
    c->hash->t(c, pk, pk_adrs, roots, p->k);
}
