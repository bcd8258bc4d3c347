/* SPDX-License-Identifier: Apache-2.0 */
/* K-PKE.KeyGen / Encrypt / Decrypt (FIPS 203 Alg. 13, 14, 15). Works on the NTT-domain
 * polynomials of mlkem_poly.h; every secret intermediate is wiped before returning. The only
 * data-dependent branches are in SampleNTT, which sees the public rho alone. src/pqc layer:
 * no allocation (the matrix is generated row by row; at most about 15 KiB of stack), no
 * randomness source. */
#include "pqc/mlkem/mlkem_kpke.h"

#include <string.h>

#include "pqc/common/fips202.h"
#include "pqc/mlkem/mlkem_poly.h"
#include "util/ch_ct.h"
#include "util/ch_wipe.h"

static void polyvec_ntt(struct ch_mlkem_polyvec *v, unsigned int k)
{
    for (unsigned int i = 0; i < k; i++) {
        ch_mlkem_ntt(&v->p[i]);
        ch_mlkem_poly_reduce(&v->p[i]);
    }
}

/* Matrix rows per four-way SampleNTT: both rows of the 2 x 2 matrix of ML-KEM-512 at once,
 * else one row. */
static unsigned int rows_per_batch(unsigned int k)
{
    return k == 2 ? 2 : 1;
}

/* One noise polynomial to sample: SamplePolyCBD_eta(PRF_eta(seed, n)). */
struct noise_job {
    struct ch_mlkem_poly *p;
    uint8_t n;
    unsigned int eta;
};

/* Runs the jobs four at a time on the four-way PRF. Batching changes nothing in the results:
 * each polynomial is exactly what ch_mlkem_sample_cbd(p, seed, n, eta) gives for its job. */
static void sample_noise(const struct noise_job *jobs, unsigned int count, const uint8_t seed[32])
{
    for (unsigned int i = 0; i < count; i += 4) {
        struct ch_mlkem_poly *r[4] = {NULL, NULL, NULL, NULL};
        uint8_t n[4] = {0, 0, 0, 0};
        unsigned int eta[4] = {2, 2, 2, 2};
        for (unsigned int l = 0; l < 4 && i + l < count; l++) {
            r[l] = jobs[i + l].p;
            n[l] = jobs[i + l].n;
            eta[l] = jobs[i + l].eta;
        }
        ch_mlkem_sample_cbd_x4(r, seed, n, eta);
    }
}

void ch_mlkem_kpke_keygen(const struct ch_mlkem_params *p, uint8_t *ek_pke, uint8_t *dk_pke,
                          const uint8_t d[32])
{
    const unsigned int k = p->k;
    struct ch_mlkem_polyvec a_rows[2];
    struct ch_mlkem_polyvec s, e, t;
    struct ch_mlkem_polyvec_cache cache;
    uint8_t in[33];
    uint8_t rs[64]; /* rho || sigma */
    const uint8_t *rho = rs, *sigma = rs + 32;
    struct noise_job jobs[2 * CH_MLKEM_MAX_K] = {{NULL, 0, 0}};

    /* Step 1: (rho, sigma) = G(d || k), the k byte separating the parameter sets. */
    memcpy(in, d, 32);
    in[32] = (uint8_t)k;
    ch_sha3_512(rs, in, sizeof in);
    CH_CT_PUBLIC(rs, 32); /* rho becomes part of ek */

    /* Steps 8-15: s[i] with N = i, e[i] with N = k + i, all CBD_eta1. */
    for (unsigned int i = 0; i < k; i++) {
        jobs[i] = (struct noise_job){&s.p[i], (uint8_t)i, p->eta1};
        jobs[k + i] = (struct noise_job){&e.p[i], (uint8_t)(k + i), p->eta1};
    }
    sample_noise(jobs, 2 * k, sigma);
    /* Steps 16-17. */
    polyvec_ntt(&s, k);
    polyvec_ntt(&e, k);
    /* Step 18: t_hat = A_hat o s_hat + e_hat (tomont undoes basemul's 2^-16), with row i of
     * A_hat[i][j] = SampleNTT(rho || j || i) (steps 3-7) generated just before its use. */
    ch_mlkem_polyvec_mulcache(&cache, &s, k);
    for (unsigned int i = 0; i < k; i++) {
        if (i % rows_per_batch(k) == 0)
            ch_mlkem_gen_matrix_rows(a_rows, rho, i, rows_per_batch(k), k, 0);
        ch_mlkem_polyvec_basemul_acc(&t.p[i], &a_rows[i % rows_per_batch(k)], &s, &cache, k);
        ch_mlkem_poly_tomont(&t.p[i]);
        ch_mlkem_poly_add(&t.p[i], &e.p[i]);
    }
    /* Steps 19-20: ek_pke = ByteEncode_12(t_hat) || rho, dk_pke = ByteEncode_12(s_hat). */
    for (unsigned int i = 0; i < k; i++) {
        ch_mlkem_poly_tobytes(ek_pke + CH_MLKEM_POLY_BYTES * i, &t.p[i]);
        ch_mlkem_poly_tobytes(dk_pke + CH_MLKEM_POLY_BYTES * i, &s.p[i]);
    }
    memcpy(ek_pke + CH_MLKEM_POLY_BYTES * k, rho, 32);
    CH_CT_PUBLIC(ek_pke, CH_MLKEM_POLY_BYTES * k + 32);

    ch_wipe(&s, sizeof s);
    ch_wipe(&e, sizeof e);
    ch_wipe(&t, sizeof t);
    ch_wipe(&cache, sizeof cache);
    ch_wipe(in, sizeof in);
    ch_wipe(rs, sizeof rs);
}

void ch_mlkem_kpke_encrypt(const struct ch_mlkem_params *p, uint8_t *c, const uint8_t *ek_pke,
                           const uint8_t m[32], const uint8_t r[32])
{
    const unsigned int k = p->k;
    struct ch_mlkem_polyvec at_rows[2];
    struct ch_mlkem_polyvec t, y, e1, u;
    struct ch_mlkem_polyvec_cache cache;
    struct ch_mlkem_poly e2, mu, v;
    uint8_t rho[32];
    struct noise_job jobs[2 * CH_MLKEM_MAX_K + 1] = {{NULL, 0, 0}};

    /* Steps 2-3: t_hat = ByteDecode_12(ek_pke[0 : 384k]), rho = ek_pke[384k : 384k + 32]. */
    for (unsigned int i = 0; i < k; i++)
        ch_mlkem_poly_frombytes(&t.p[i], ek_pke + CH_MLKEM_POLY_BYTES * i);
    memcpy(rho, ek_pke + CH_MLKEM_POLY_BYTES * k, 32);
    CH_CT_PUBLIC(rho, 32); /* public key material, even when read out of a secret dk */

    /* Steps 9-17: y[i] (eta1) with N = i, e1[i] (eta2) with N = k + i, e2 (eta2) with N = 2k. */
    for (unsigned int i = 0; i < k; i++) {
        jobs[i] = (struct noise_job){&y.p[i], (uint8_t)i, p->eta1};
        jobs[k + i] = (struct noise_job){&e1.p[i], (uint8_t)(k + i), p->eta2};
    }
    jobs[2 * k] = (struct noise_job){&e2, (uint8_t)(2 * k), p->eta2};
    sample_noise(jobs, 2 * k + 1, r);
    /* Step 18. */
    polyvec_ntt(&y, k);
    ch_mlkem_polyvec_mulcache(&cache, &y, k);
    /* Step 19: u = NTT^-1(A_hat^T o y_hat) + e1, row i of A_hat^T (steps 4-8, transposed:
     * at_rows[.].p[j] = A_hat[j][i]) generated just before its use. */
    for (unsigned int i = 0; i < k; i++) {
        if (i % rows_per_batch(k) == 0)
            ch_mlkem_gen_matrix_rows(at_rows, rho, i, rows_per_batch(k), k, 1);
        ch_mlkem_polyvec_basemul_acc(&u.p[i], &at_rows[i % rows_per_batch(k)], &y, &cache, k);
        ch_mlkem_invntt_tomont(&u.p[i]);
        ch_mlkem_poly_add(&u.p[i], &e1.p[i]);
    }
    /* Step 20: mu = Decompress_1(ByteDecode_1(m)). */
    ch_mlkem_poly_decompress(&mu, m, 1);
    /* Step 21: v = NTT^-1(t_hat^T o y_hat) + e2 + mu. */
    ch_mlkem_polyvec_basemul_acc(&v, &t, &y, &cache, k);
    ch_mlkem_invntt_tomont(&v);
    ch_mlkem_poly_add(&v, &e2);
    ch_mlkem_poly_add(&v, &mu);
    /* Steps 22-23: c1 = ByteEncode_du(Compress_du(u)), c2 = ByteEncode_dv(Compress_dv(v)). */
    for (unsigned int i = 0; i < k; i++)
        ch_mlkem_poly_compress(c + 32 * p->du * i, &u.p[i], p->du);
    ch_mlkem_poly_compress(c + p->c1_bytes, &v, p->dv);

    ch_wipe(&y, sizeof y);
    ch_wipe(&cache, sizeof cache);
    ch_wipe(&e1, sizeof e1);
    ch_wipe(&u, sizeof u);
    ch_wipe(&e2, sizeof e2);
    ch_wipe(&mu, sizeof mu);
    ch_wipe(&v, sizeof v);
}

void ch_mlkem_kpke_decrypt(const struct ch_mlkem_params *p, uint8_t m[32],
                           const uint8_t *dk_pke, const uint8_t *c)
{
    const unsigned int k = p->k;
    struct ch_mlkem_polyvec u, s;
    struct ch_mlkem_polyvec_cache cache;
    struct ch_mlkem_poly v, w;

    /* Steps 1-4: u' = Decompress_du(ByteDecode_du(c1)), v' = Decompress_dv(ByteDecode_dv(c2)). */
    for (unsigned int i = 0; i < k; i++)
        ch_mlkem_poly_decompress(&u.p[i], c + 32 * p->du * i, p->du);
    ch_mlkem_poly_decompress(&v, c + p->c1_bytes, p->dv);
    /* Step 5: s_hat = ByteDecode_12(dk_pke). */
    for (unsigned int i = 0; i < k; i++)
        ch_mlkem_poly_frombytes(&s.p[i], dk_pke + CH_MLKEM_POLY_BYTES * i);
    /* Step 6: w = v' - NTT^-1(s_hat^T o NTT(u')). */
    polyvec_ntt(&u, k);
    ch_mlkem_polyvec_mulcache(&cache, &u, k);
    ch_mlkem_polyvec_basemul_acc(&w, &s, &u, &cache, k);
    ch_mlkem_invntt_tomont(&w);
    ch_mlkem_poly_sub(&w, &v, &w);
    /* Step 7: m = ByteEncode_1(Compress_1(w)). */
    ch_mlkem_poly_compress(m, &w, 1);

    ch_wipe(&s, sizeof s);
    ch_wipe(&w, sizeof w);
    ch_wipe(&u, sizeof u);
}
