/* SPDX-License-Identifier: Apache-2.0 */
/* SLH-DSA hypertree (FIPS 205 §7: Algorithms 12-13, ht_sign and ht_verify). pqc layer, no
 * allocation. idx_tree and idx_leaf come from the message digest and are public. */
#include <string.h>

#include "pqc/slhdsa/slhdsa_internal.h"
#include "util/ch_ct.h"

/* Alg. 12 */
void ch_slhdsa_ht_sign(const struct ch_slhdsa_ctx *c, uint8_t *sig, const uint8_t *msg,
                       uint64_t idx_tree, uint32_t idx_leaf)
{
    const struct ch_slhdsa_params *p = c->p;
    const size_t xmss_bytes = (size_t)(p->len + p->hp) * p->n;
    const uint64_t leaf_mask = ((uint64_t)1 << p->hp) - 1u;
    uint8_t adrs[CH_SLHDSA_ADRS_BYTES];
    uint8_t root[CH_SLHDSA_MAX_N];

    memset(adrs, 0, sizeof adrs);
    ch_slhdsa_adrs_set_tree(adrs, idx_tree);
    ch_slhdsa_xmss_sign(c, sig, msg, idx_leaf, adrs);
    if (p->d > 1) {
        ch_slhdsa_xmss_pk_from_sig(c, root, idx_leaf, sig, msg, adrs);
        CH_CT_PUBLIC(root, p->n);  /* an XMSS root is public: the next layer signs it */
    }
    for (uint32_t j = 1; j < p->d; j++) {
        idx_leaf = (uint32_t)(idx_tree & leaf_mask);
        idx_tree >>= p->hp;
        ch_slhdsa_adrs_set_layer(adrs, j);
        ch_slhdsa_adrs_set_tree(adrs, idx_tree);
        uint8_t *s = sig + (size_t)j * xmss_bytes;
        ch_slhdsa_xmss_sign(c, s, root, idx_leaf, adrs);
        if (j < p->d - 1) {
            ch_slhdsa_xmss_pk_from_sig(c, root, idx_leaf, s, root, adrs);
            CH_CT_PUBLIC(root, p->n);
        }
    }
}

/* Alg. 13 */
int ch_slhdsa_ht_verify(const struct ch_slhdsa_ctx *c, const uint8_t *msg, const uint8_t *sig,
                        uint64_t idx_tree, uint32_t idx_leaf, const uint8_t *pk_root)
{
    const struct ch_slhdsa_params *p = c->p;
    const size_t xmss_bytes = (size_t)(p->len + p->hp) * p->n;
    const uint64_t leaf_mask = ((uint64_t)1 << p->hp) - 1u;
    uint8_t adrs[CH_SLHDSA_ADRS_BYTES];
    uint8_t node[CH_SLHDSA_MAX_N];

    memset(adrs, 0, sizeof adrs);
    ch_slhdsa_adrs_set_tree(adrs, idx_tree);
    ch_slhdsa_xmss_pk_from_sig(c, node, idx_leaf, sig, msg, adrs);
    for (uint32_t j = 1; j < p->d; j++) {
        idx_leaf = (uint32_t)(idx_tree & leaf_mask);
        idx_tree >>= p->hp;
        ch_slhdsa_adrs_set_layer(adrs, j);
        ch_slhdsa_adrs_set_tree(adrs, idx_tree);
        ch_slhdsa_xmss_pk_from_sig(c, node, idx_leaf, sig + (size_t)j * xmss_bytes, node, adrs);
    }
    return ch_ct_eq(node, pk_root, p->n);
}
