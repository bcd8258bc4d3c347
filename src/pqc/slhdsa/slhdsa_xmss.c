/* SPDX-License-Identifier: Apache-2.0 */
/* SLH-DSA XMSS trees (FIPS 205 §6: Algorithms 9-11, xmss_node, xmss_sign, xmss_pkFromSig).
 * pqc layer, no allocation; recursion depth is at most h' <= 9. */
#include <string.h>

#include "pqc/slhdsa/slhdsa_internal.h"

/* Alg. 9 for a subtree whose 2^z leaves fit one batched call: the leaves together, then the
 * inner nodes level by level, in place. Same addresses and results as the recursion. */
static void xmss_node_batched(const struct ch_slhdsa_ctx *c, uint8_t *node, uint32_t i,
                              uint32_t z, uint8_t *adrs)
{
    const unsigned int n = c->p->n;
    uint8_t buf[16 * CH_SLHDSA_MAX_N];
    const uint32_t count = 1u << z;

    c->hash->wots_pkgen_multi(c, buf, adrs, i << z, count);
    for (uint32_t h = 1; h <= z; h++) {
        for (uint32_t idx = 0; idx < (count >> h); idx++) {
            ch_slhdsa_adrs_set_type_and_clear(adrs, CH_SLHDSA_TREE);
            ch_slhdsa_adrs_set_tree_height(adrs, h);
            ch_slhdsa_adrs_set_tree_index(adrs, (i << (z - h)) + idx);
            c->hash->h(c, buf + (size_t)idx * n, adrs, buf + (size_t)2 * idx * n);
        }
    }
    memcpy(node, buf, n);
}

/* Alg. 9. The leaves of the subtree are computed once each, left to right. */
void ch_slhdsa_xmss_node(const struct ch_slhdsa_ctx *c, uint8_t *node, uint32_t i, uint32_t z,
                         uint8_t *adrs)
{
    const unsigned int n = c->p->n;
    uint8_t lr[2 * CH_SLHDSA_MAX_N];

    if (z > 0 && (1u << z) <= c->leaf_batch) {
        xmss_node_batched(c, node, i, z, adrs);
        return;
    }
    if (z == 0) {
        ch_slhdsa_adrs_set_type_and_clear(adrs, CH_SLHDSA_WOTS_HASH);
        ch_slhdsa_adrs_set_keypair(adrs, i);
        ch_slhdsa_wots_pkgen(c, node, adrs);
        return;
    }
    ch_slhdsa_xmss_node(c, lr, 2 * i, z - 1, adrs);
    ch_slhdsa_xmss_node(c, lr + n, 2 * i + 1, z - 1, adrs);
    ch_slhdsa_adrs_set_type_and_clear(adrs, CH_SLHDSA_TREE);
    ch_slhdsa_adrs_set_tree_height(adrs, z);
    ch_slhdsa_adrs_set_tree_index(adrs, i);
    c->hash->h(c, node, adrs, lr);
}

/* Alg. 10: SIG_XMSS = WOTS+ signature (len * n) || AUTH (h' * n). */
void ch_slhdsa_xmss_sign(const struct ch_slhdsa_ctx *c, uint8_t *sig, const uint8_t *msg,
                         uint32_t idx, uint8_t *adrs)
{
    const struct ch_slhdsa_params *p = c->p;
    uint8_t *auth = sig + (size_t)p->len * p->n;

    for (uint32_t j = 0; j < p->hp; j++) {
        uint32_t k = (idx >> j) ^ 1u;
        ch_slhdsa_xmss_node(c, auth + (size_t)j * p->n, k, j, adrs);
    }
    ch_slhdsa_adrs_set_type_and_clear(adrs, CH_SLHDSA_WOTS_HASH);
    ch_slhdsa_adrs_set_keypair(adrs, idx);
    ch_slhdsa_wots_sign(c, sig, msg, adrs);
}

/* Alg. 11. root may alias msg. */
void ch_slhdsa_xmss_pk_from_sig(const struct ch_slhdsa_ctx *c, uint8_t *root, uint32_t idx,
                                const uint8_t *sig, const uint8_t *msg, uint8_t *adrs)
{
    const struct ch_slhdsa_params *p = c->p;
    const unsigned int n = p->n;
    const uint8_t *auth = sig + (size_t)p->len * n;
    uint8_t buf[2 * CH_SLHDSA_MAX_N];   /* node0 lives in whichever half the next H needs */
    uint8_t node[CH_SLHDSA_MAX_N];

    ch_slhdsa_adrs_set_type_and_clear(adrs, CH_SLHDSA_WOTS_HASH);
    ch_slhdsa_adrs_set_keypair(adrs, idx);
    ch_slhdsa_wots_pk_from_sig(c, node, sig, msg, adrs);

    ch_slhdsa_adrs_set_type_and_clear(adrs, CH_SLHDSA_TREE);
    ch_slhdsa_adrs_set_tree_index(adrs, idx);
    for (uint32_t k = 0; k < p->hp; k++) {
        ch_slhdsa_adrs_set_tree_height(adrs, k + 1);
        uint32_t ti = ch_slhdsa_adrs_get_tree_index(adrs);
        if (((idx >> k) & 1u) == 0) {
            ch_slhdsa_adrs_set_tree_index(adrs, ti / 2);
            memcpy(buf, node, n);
            memcpy(buf + n, auth + (size_t)k * n, n);
        } else {
            ch_slhdsa_adrs_set_tree_index(adrs, (ti - 1) / 2);
            memcpy(buf, auth + (size_t)k * n, n);
            memcpy(buf + n, node, n);
        }
        c->hash->h(c, node, adrs, buf);
    }
    memcpy(root, node, n);
}
