/* SPDX-License-Identifier: Apache-2.0 */
/* Private interface between the SLH-DSA files: the per-operation context (parameters, hash
 * instantiation, PK.seed and its precomputed hash states, SK.seed), addresses (FIPS 205 §4.2),
 * the hash table (§11) and the building blocks WOTS+ (§5), XMSS (§6), hypertree (§7) and FORS
 * (§8). Not installed; nothing here is part of slhdsa.h. */
#ifndef CH_SLHDSA_INTERNAL_H
#define CH_SLHDSA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "pqc/common/sha2.h"
#include "pqc/slhdsa/slhdsa_params.h"

/* ---- Addresses (FIPS 205 §4.2, Table 1; Figure 18 for ADRSc) ---- */

#define CH_SLHDSA_ADRS_BYTES 32
#define CH_SLHDSA_ADRSC_BYTES 22

enum {
    CH_SLHDSA_WOTS_HASH = 0,
    CH_SLHDSA_WOTS_PK = 1,
    CH_SLHDSA_TREE = 2,
    CH_SLHDSA_FORS_TREE = 3,
    CH_SLHDSA_FORS_ROOTS = 4,
    CH_SLHDSA_WOTS_PRF = 5,
    CH_SLHDSA_FORS_PRF = 6,
};

void ch_slhdsa_adrs_set_layer(uint8_t adrs[CH_SLHDSA_ADRS_BYTES], uint32_t layer);
void ch_slhdsa_adrs_set_tree(uint8_t adrs[CH_SLHDSA_ADRS_BYTES], uint64_t tree);
void ch_slhdsa_adrs_set_type_and_clear(uint8_t adrs[CH_SLHDSA_ADRS_BYTES], uint32_t type);
void ch_slhdsa_adrs_set_keypair(uint8_t adrs[CH_SLHDSA_ADRS_BYTES], uint32_t i);
uint32_t ch_slhdsa_adrs_get_keypair(const uint8_t adrs[CH_SLHDSA_ADRS_BYTES]);
/* chain address and tree height share word 6; hash address and tree index share word 7 */
void ch_slhdsa_adrs_set_chain(uint8_t adrs[CH_SLHDSA_ADRS_BYTES], uint32_t i);
void ch_slhdsa_adrs_set_tree_height(uint8_t adrs[CH_SLHDSA_ADRS_BYTES], uint32_t z);
void ch_slhdsa_adrs_set_hash(uint8_t adrs[CH_SLHDSA_ADRS_BYTES], uint32_t i);
void ch_slhdsa_adrs_set_tree_index(uint8_t adrs[CH_SLHDSA_ADRS_BYTES], uint32_t i);
uint32_t ch_slhdsa_adrs_get_tree_index(const uint8_t adrs[CH_SLHDSA_ADRS_BYTES]);
/* ADRSc = ADRS[3] || ADRS[8:16] || ADRS[19] || ADRS[20:32] (§11.2) */
void ch_slhdsa_adrs_compress(uint8_t out[CH_SLHDSA_ADRSC_BYTES],
                             const uint8_t adrs[CH_SLHDSA_ADRS_BYTES]);

/* ---- Context ---- */

struct ch_slhdsa_hash;

/* One per key operation, on the caller's stack. Holds SK.seed while signing: always end its
 * life with ch_slhdsa_ctx_clear. */
struct ch_slhdsa_ctx {
    const struct ch_slhdsa_params *p;
    const struct ch_slhdsa_hash *hash;
    uint8_t pk_seed[CH_SLHDSA_MAX_N];
    uint8_t sk_seed[CH_SLHDSA_MAX_N];   /* secret; all zero for verification */
    unsigned int leaf_batch;            /* WOTS+ keys per wots_pkgen_multi call worth batching */
    struct ch_sha256_mid sha256;        /* SHA-256 after PK.seed || toByte(0, 64 - n) */
    struct ch_sha512_mid sha512;        /* SHA-512 after PK.seed || toByte(0, 128 - n) */
};

/* sk_seed may be NULL (verification). Precomputes the PK.seed states of §11.2. */
void ch_slhdsa_ctx_init(struct ch_slhdsa_ctx *c, const struct ch_slhdsa_params *p,
                        const uint8_t *pk_seed, const uint8_t *sk_seed);
void ch_slhdsa_ctx_clear(struct ch_slhdsa_ctx *c);

/* A message given in two pieces, so that M' = prefix || M of Alg. 22/23 needs no copy. */
struct ch_slhdsa_msg {
    const uint8_t *pre;
    size_t pre_len;
    const uint8_t *m;
    size_t m_len;
};

/* ---- Hash instantiations (FIPS 205 §11): one table per family, chosen once per context ---- */

struct ch_slhdsa_hash {
    /* PRF(PK.seed, SK.seed, ADRS), n bytes */
    void (*prf)(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *adrs);
    /* F(PK.seed, ADRS, M1), M1 n bytes */
    void (*f)(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *adrs,
              const uint8_t *in);
    /* H(PK.seed, ADRS, M2), M2 2n bytes */
    void (*h)(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *adrs,
              const uint8_t *in);
    /* T_l(PK.seed, ADRS, Ml), Ml l*n bytes */
    void (*t)(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *adrs,
              const uint8_t *in, size_t l);
    /* Alg. 5 chain(X, i, s, PK.seed, ADRS): s applications of F with hash addresses i..i+s-1.
     * out may equal in. The hash address of adrs is left unspecified. The signing paths use
     * wots_chains; this one-chain form is the reference the unit tests compare it with. */
    void (*chain)(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *in,
                  unsigned int i, unsigned int s, uint8_t *adrs);
    /* The WOTS+ chains of one key pair (inner loops of Alg. 6, 7, 8): for every i < len,
     * x_i <- chain(x_i, start[i], steps[i]) with chain address i. With gen_sk set, x_i is first
     * set to the secret PRF(PK.seed, SK.seed, skADRS) of Alg. 6/7 (skADRS: type WOTS_PRF, same
     * key pair, chain i). adrs: WOTS_HASH address with layer, tree and key pair set; its chain
     * and hash words are left unspecified. x is len * n bytes. */
    void (*wots_chains)(const struct ch_slhdsa_ctx *c, uint8_t *x, const uint32_t *start,
                        const uint32_t *steps, uint8_t *adrs, int gen_sk);
    /* Alg. 6 for the count key pairs kp0 .. kp0 + count - 1 of the XMSS tree named by adrs
     * (layer, tree): pk + i * n gets key kp0 + i. count <= c->leaf_batch when batching pays;
     * any count works. adrs type/key pair words are left unspecified. */
    void (*wots_pkgen_multi)(const struct ch_slhdsa_ctx *c, uint8_t *pk, uint8_t *adrs,
                             uint32_t kp0, unsigned int count);
    /* Four independent PRF / F / H calls: out[k] = PRF(.., adrs[k]) etc. An out[k] may alias
     * any in[j]: all inputs are read before any output is written. */
    void (*prf_x4)(const struct ch_slhdsa_ctx *c, uint8_t *const out[4],
                   const uint8_t *const adrs[4]);
    void (*f_x4)(const struct ch_slhdsa_ctx *c, uint8_t *const out[4],
                 const uint8_t *const adrs[4], const uint8_t *const in[4]);
    void (*h_x4)(const struct ch_slhdsa_ctx *c, uint8_t *const out[4],
                 const uint8_t *const adrs[4], const uint8_t *const in[4]);
    /* PRF_msg(SK.prf, opt_rand, M), n bytes */
    void (*prf_msg)(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *sk_prf,
                    const uint8_t *opt_rand, const struct ch_slhdsa_msg *m);
    /* H_msg(R, PK.seed, PK.root, M), m bytes */
    void (*h_msg)(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *r,
                  const uint8_t *pk_root, const struct ch_slhdsa_msg *m);
};

extern const struct ch_slhdsa_hash ch_slhdsa_hash_shake;
extern const struct ch_slhdsa_hash ch_slhdsa_hash_sha2_cat1;
extern const struct ch_slhdsa_hash ch_slhdsa_hash_sha2_cat35;

/* Stack bound of one batched leaf computation (count * len * n bytes). */
#define CH_SLHDSA_LEAF_BATCH_BYTES 10240

/* How many WOTS+ keys one wots_pkgen_multi call should compute for parameter set p on this CPU
 * (1: no batching). */
unsigned int ch_slhdsa_leaf_batch(const struct ch_slhdsa_params *p);

/* Test hook, never set by the library: nonzero makes the WOTS+ chains skip the AVX-512 paths
 * (sixteen-lane SHA-256, eight-state Keccak) so that tests also run the four-lane SHA-NI /
 * AVX2 / portable paths on CPUs that have AVX-512. Only for single-threaded test programs. */
extern int ch_slhdsa_test_no_x16;

/* Four independent Keccak-f[1600] permutations; st[i][k] is lane i of state k (AVX2 when the
 * CPU has it). */
void ch_slhdsa_keccak_x4(uint64_t st[25][4]);

/* ---- WOTS+ (§5) ---- */

/* Alg. 4 base_2b: out_len integers of b bits each, read from X big-endian bit first. */
void ch_slhdsa_base_2b(uint32_t *out, const uint8_t *x, unsigned int b, unsigned int out_len);
/* Alg. 6 */
void ch_slhdsa_wots_pkgen(const struct ch_slhdsa_ctx *c, uint8_t *pk, uint8_t *adrs);
/* Alg. 7: sig is len*n bytes */
void ch_slhdsa_wots_sign(const struct ch_slhdsa_ctx *c, uint8_t *sig, const uint8_t *msg,
                         uint8_t *adrs);
/* Alg. 8 */
void ch_slhdsa_wots_pk_from_sig(const struct ch_slhdsa_ctx *c, uint8_t *pk, const uint8_t *sig,
                                const uint8_t *msg, uint8_t *adrs);

/* ---- XMSS (§6) ---- */

/* Alg. 9 */
void ch_slhdsa_xmss_node(const struct ch_slhdsa_ctx *c, uint8_t *node, uint32_t i, uint32_t z,
                         uint8_t *adrs);
/* Alg. 10: sig is (len + h') * n bytes */
void ch_slhdsa_xmss_sign(const struct ch_slhdsa_ctx *c, uint8_t *sig, const uint8_t *msg,
                         uint32_t idx, uint8_t *adrs);
/* Alg. 11 */
void ch_slhdsa_xmss_pk_from_sig(const struct ch_slhdsa_ctx *c, uint8_t *root, uint32_t idx,
                                const uint8_t *sig, const uint8_t *msg, uint8_t *adrs);

/* ---- Hypertree (§7) ---- */

/* Alg. 12: sig is (h + d*len) * n bytes */
void ch_slhdsa_ht_sign(const struct ch_slhdsa_ctx *c, uint8_t *sig, const uint8_t *msg,
                       uint64_t idx_tree, uint32_t idx_leaf);
/* Alg. 13: 1 if the computed root equals pk_root, else 0 */
int ch_slhdsa_ht_verify(const struct ch_slhdsa_ctx *c, const uint8_t *msg, const uint8_t *sig,
                        uint64_t idx_tree, uint32_t idx_leaf, const uint8_t *pk_root);

/* ---- FORS (§8) ---- */

/* Alg. 16: sig is k*(1+a)*n bytes */
void ch_slhdsa_fors_sign(const struct ch_slhdsa_ctx *c, uint8_t *sig, const uint8_t *md,
                         uint8_t *adrs);
/* Alg. 17 */
void ch_slhdsa_fors_pk_from_sig(const struct ch_slhdsa_ctx *c, uint8_t *pk, const uint8_t *sig,
                                const uint8_t *md, uint8_t *adrs);

#endif
