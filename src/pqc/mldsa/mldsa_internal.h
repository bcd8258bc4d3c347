/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA internals shared by the files of src/pqc/mldsa (private header, src/pqc layer):
 * the polynomial type, modular arithmetic, and the FIPS 204 building blocks (NTT, rounding,
 * sampling, encodings). Not for use outside src/pqc/mldsa and its tests. */
#ifndef CH_MLDSA_INTERNAL_H
#define CH_MLDSA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pqc/mldsa/mldsa_params.h"

/* q^-1 mod 2^32 (for Montgomery reduction with R = 2^32, FIPS 204 Alg. 49). */
#define CH_MLDSA_QINV 58728449

/* Montgomery reduction (Alg. 49): for |a| < 2^31 q returns r = a 2^-32 mod q with |r| < q.
 * Constant time. */
static inline int32_t ch_mldsa_mont_reduce(int64_t a)
{
    int32_t t = (int32_t)(uint32_t)((uint64_t)a * (uint64_t)CH_MLDSA_QINV);
    return (int32_t)((a - (int64_t)t * CH_MLDSA_Q) >> 32);
}

/* For |a| < 2^31 - 2^22: r = a mod q in [0, q). Constant time. */
static inline int32_t ch_mldsa_freeze(int32_t a)
{
    int32_t t = (a + (1 << 22)) >> 23; /* a - t q is in (-q, q) */
    a -= t * CH_MLDSA_Q;
    a += (a >> 31) & CH_MLDSA_Q;
    return a;
}

/* For a in [0, q): a mod+- q, i.e. in [-(q-1)/2, (q-1)/2]. Constant time. */
static inline int32_t ch_mldsa_center(int32_t a)
{
    int32_t over = ((CH_MLDSA_Q - 1) / 2 - a) >> 31; /* all ones iff a > (q-1)/2 */
    return a - (over & CH_MLDSA_Q);
}

/* ---- mldsa_ntt.c (Alg. 41, 42, 45) ---------------------------------------------------------- */

/* The AVX2 forms exist on x86-64 with GCC or Clang; they are used when the CPU has AVX2 and
 * compute exactly what the portable forms (the _c functions, kept callable for tests) do.
 * -DCH_MLDSA_NO_AVX2 builds the portable code only (to test it on an AVX2 machine). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(CH_MLDSA_NO_AVX2)
#define CH_MLDSA_AVX2 1
#else
#define CH_MLDSA_AVX2 0
#endif

/* In place NTT (Alg. 41). Input |a_i| < q, output |a_i| < 9q. Constant time. */
void ch_mldsa_ntt(struct ch_mldsa_poly *a);
/* In place inverse NTT (Alg. 42), times 2^32: input |a_i| < q, output |a_i| < q.
 * Following a Montgomery product (factor 2^-32) it gives the plain product. Constant time. */
void ch_mldsa_invntt_tomont(struct ch_mldsa_poly *a);
/* Portable forms of the two transforms (the functions above may use AVX2 instead), and
 * whether the AVX2 forms (here and in mldsa_xof4.c) are used on this CPU. */
void ch_mldsa_ntt_c(struct ch_mldsa_poly *a);
void ch_mldsa_invntt_tomont_c(struct ch_mldsa_poly *a);
int ch_mldsa_have_avx2(void);
/* c = a o b (Alg. 45) with Montgomery reduction: c_i = a_i b_i 2^-32, |c_i| < q, for
 * |a_i b_i| < 2^31 q. */
void ch_mldsa_poly_pointwise(struct ch_mldsa_poly *c, const struct ch_mldsa_poly *a,
                             const struct ch_mldsa_poly *b);
/* c = (a o b + d) 2^-32 with one Montgomery reduction (|a_i b_i + d_i| < 2^31 q; c may be d).
 * After ch_mldsa_invntt_tomont this is NTT^-1(a o b) + NTT^-1(d): the signer's z = y + c s1 in
 * one inverse NTT, from NTT(y) (Alg. 7 lines 18, 20). */
void ch_mldsa_poly_pointwise_add(struct ch_mldsa_poly *c, const struct ch_mldsa_poly *a,
                                 const struct ch_mldsa_poly *b, const struct ch_mldsa_poly *d);
/* c = sum_{j<n} a[j] o b[j] (one row of Alg. 48) with one Montgomery reduction per coefficient:
 * needs sum |a b| < 2^31 q; output |c_i| < q. */
void ch_mldsa_poly_pointwise_acc(struct ch_mldsa_poly *c, const struct ch_mldsa_poly *a,
                                 const struct ch_mldsa_poly *b, unsigned int n);

/* ---- mldsa_poly.c --------------------------------------------------------------------------- */

void ch_mldsa_poly_add(struct ch_mldsa_poly *c, const struct ch_mldsa_poly *a,
                       const struct ch_mldsa_poly *b);
void ch_mldsa_poly_sub(struct ch_mldsa_poly *c, const struct ch_mldsa_poly *a,
                       const struct ch_mldsa_poly *b);
/* a_i = a_i mod q in [0, q), for |a_i| < 2^31 - 2^22. */
void ch_mldsa_poly_freeze(struct ch_mldsa_poly *a);
/* a_i = a_i mod+- q, for |a_i| < 2^31 - 2^22. */
void ch_mldsa_poly_center(struct ch_mldsa_poly *a);
/* All ones if some |a_i| >= bound (a centered), else 0. Constant time: reads every coefficient. */
uint32_t ch_mldsa_poly_norm_exceeds(const struct ch_mldsa_poly *a, int32_t bound);

/* ---- mldsa_rounding.c (Alg. 35-40) ---------------------------------------------------------- */

/* Power2Round (Alg. 35) for r in [0, q): returns r1, sets r0 in (-2^12, 2^12]. CT. */
int32_t ch_mldsa_power2round(int32_t *r0, int32_t r);
/* Decompose (Alg. 36) for r in [0, q): returns r1 in [0, (q-1)/(2 gamma2)), sets r0. CT. */
int32_t ch_mldsa_decompose(int32_t *r0, int32_t r, int32_t gamma2);
/* HighBits / LowBits (Alg. 37, 38) for r in [0, q). CT. */
int32_t ch_mldsa_highbits(int32_t r, int32_t gamma2);
int32_t ch_mldsa_lowbits(int32_t r, int32_t gamma2);
/* MakeHint (Alg. 39) for z, r in [0, q): 1 if HighBits(r) != HighBits(r + z), else 0. CT. */
int32_t ch_mldsa_make_hint(int32_t z, int32_t r, int32_t gamma2);
/* UseHint (Alg. 40) for h in {0,1}, r in [0, q). Public data only (verification). */
int32_t ch_mldsa_use_hint(int32_t h, int32_t r, int32_t gamma2);

/* ---- mldsa_xof4.c: four SHAKE instances at once ------------------------------------------- */

/* s[i][j] is lane i of instance j. Caller-owned; wipe it when the inputs were secret. */
struct ch_mldsa_xof4 {
    uint64_t s[25][4];
    unsigned int rate;
};

/* Keccak-f[1600] on four states (AVX2 where available). */
void ch_mldsa_f1600x4(uint64_t s[25][4]);
/* SHAKE (rate 168: SHAKE128, 136: SHAKE256) of four inputs of the same length len < rate:
 * absorb and pad. */
void ch_mldsa_xof4_absorb(struct ch_mldsa_xof4 *st, unsigned int rate, const uint8_t *const in[4],
                          size_t len);
/* The next `rate` output bytes of each instance. */
void ch_mldsa_xof4_squeezeblock(struct ch_mldsa_xof4 *st, uint8_t *const out[4]);

/* ---- mldsa_sample.c (Alg. 29-34) ------------------------------------------------------------ */

/* SampleInBall (Alg. 29) from ctilde (public: branches on the XOF output). */
void ch_mldsa_sample_in_ball(struct ch_mldsa_poly *c, const uint8_t *ctilde, size_t ctilde_len,
                             unsigned int tau);
/* ExpandA (Alg. 32, with RejNTTPoly, Alg. 30): a[r * l + s] = A[r][s] for the k x l matrix of p.
 * rho is public. Entries in [0, q). */
void ch_mldsa_expand_a(struct ch_mldsa_poly *a, const uint8_t rho[32],
                       const struct ch_mldsa_params *p);
/* Row r of A only: row[s] = A[r][s], s < l. */
void ch_mldsa_expand_a_row(struct ch_mldsa_poly *row, const uint8_t rho[32], unsigned int r,
                           const struct ch_mldsa_params *p);
/* RejBoundedPoly (Alg. 31) is used through ExpandS: on secret input, it reveals only the
 * accept/reject decision of each half-byte (CT build: declassified there). */
/* ExpandS (Alg. 33): s1 (l polys) and s2 (k polys), coefficients in [-eta, eta]. */
void ch_mldsa_expand_s(struct ch_mldsa_poly *s1, struct ch_mldsa_poly *s2, const uint8_t rhop[64],
                       const struct ch_mldsa_params *p);
/* ExpandMask (Alg. 34): y (l polys) from rho'' and kappa; coefficients in (-gamma1, gamma1]. CT. */
void ch_mldsa_expand_mask(struct ch_mldsa_poly *y, const uint8_t rhopp[64], uint16_t kappa,
                          const struct ch_mldsa_params *p);

/* ---- mldsa_encode.c (Alg. 16-28) ------------------------------------------------------------ */

/* BitPack(w, a, b) (Alg. 17) of one polynomial: stores b - w_i in `bits` bits each,
 * 32 * bits bytes. SimpleBitPack (Alg. 16) is the case a = 0 with w_i = -(value): use
 * ch_mldsa_simple_bitpack. Constant time. */
void ch_mldsa_bitpack(uint8_t *out, const struct ch_mldsa_poly *w, int32_t b, unsigned int bits);
/* BitUnpack (Alg. 19): w_i = b - (bits-bit field i). Constant time. */
void ch_mldsa_bitunpack(struct ch_mldsa_poly *w, const uint8_t *in, int32_t b, unsigned int bits);
/* SimpleBitPack / SimpleBitUnpack (Alg. 16, 18): w_i in [0, 2^bits). */
void ch_mldsa_simple_bitpack(uint8_t *out, const struct ch_mldsa_poly *w, unsigned int bits);
void ch_mldsa_simple_bitunpack(struct ch_mldsa_poly *w, const uint8_t *in, unsigned int bits);

/* pkEncode (Alg. 22), one t1 polynomial at a time: the i-th 320-byte block. */
void ch_mldsa_pk_pack_t1(uint8_t *pk, unsigned int i, const struct ch_mldsa_poly *t1);
void ch_mldsa_pk_unpack_t1(struct ch_mldsa_poly *t1, const uint8_t *pk, unsigned int i);

/* skEncode (Alg. 24). s1, s2 in [-eta, eta], t0 in (-2^12, 2^12]. */
void ch_mldsa_sk_encode(uint8_t *sk, const uint8_t rho[32], const uint8_t key[32],
                        const uint8_t tr[64], const struct ch_mldsa_poly *s1,
                        const struct ch_mldsa_poly *s2, const struct ch_mldsa_poly *t0,
                        const struct ch_mldsa_params *p);
/* skDecode (Alg. 25). Also checks that every s1/s2 field is at most 2 eta (a field above it
 * decodes to a coefficient outside [-eta, eta], which no skEncode output holds): returns false
 * for such a key. Constant time apart from that one decision. */
bool ch_mldsa_sk_decode(uint8_t rho[32], uint8_t key[32], uint8_t tr[64],
                        struct ch_mldsa_poly *s1, struct ch_mldsa_poly *s2,
                        struct ch_mldsa_poly *t0, const uint8_t *sk,
                        const struct ch_mldsa_params *p);

/* sigEncode (Alg. 26): z centered in (-gamma1, gamma1], h_i in {0,1} with at most omega ones. */
void ch_mldsa_sig_encode(uint8_t *sig, const uint8_t *ctilde, const struct ch_mldsa_poly *z,
                         const uint8_t h[][CH_MLDSA_N], const struct ch_mldsa_params *p);
/* sigDecode (Alg. 27) with HintBitUnpack (Alg. 21) and all of its checks: false (the spec's
 * bottom) for a malformed hint section. ctilde points into sig. */
bool ch_mldsa_sig_decode(const uint8_t **ctilde, struct ch_mldsa_poly *z, uint8_t h[][CH_MLDSA_N],
                         const uint8_t *sig, const struct ch_mldsa_params *p);

/* w1Encode (Alg. 28) of one polynomial (w1 in [0, (q-1)/(2 gamma2))): 32 * w1_bits bytes. */
void ch_mldsa_w1_encode_poly(uint8_t *out, const struct ch_mldsa_poly *w1,
                             const struct ch_mldsa_params *p);

#endif
