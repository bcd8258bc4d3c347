/* SPDX-License-Identifier: Apache-2.0 */
/* SLH-DSA hash instantiations (FIPS 205 §11): PRF, PRF_msg, H_msg, F, H, T_l and the WOTS+
 * chain for SHAKE (§11.1), SHA2 category 1 (§11.2.1) and SHA2 categories 3/5 (§11.2.2), as
 * three tables so that the algorithms never branch on the family per call. pqc layer.
 * Speed: the SHA2 forms start from the state after PK.seed || toByte(0, 64 - n) (resp. 128 - n),
 * computed once per context, and every F/H/PRF whose remaining input fits in one block is a
 * single compression of a block built in place; the SHAKE forms of PRF/F/H are one
 * Keccak-f[1600] call on a state built directly from the input lanes. The WOTS+ chains and the
 * x4 forms of PRF/F/H run four independent hashes at once (interleaved SHA-NI SHA-256, AVX2
 * SHA-512, AVX2 four-state Keccak; portable fallbacks picked at run time). Temporaries holding
 * secrets (SK.seed, SK.prf, chain values) are wiped. */
#include <string.h>

#include "pqc/common/fips202.h"
#include "pqc/common/sha2.h"
#include "pqc/slhdsa/slhdsa_internal.h"
#include "util/ch_wipe.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define CH_SLHDSA_HAVE_AVX2 1
#include <immintrin.h>
#endif

static void store32be(uint8_t *p, uint32_t x)
{
    p[0] = (uint8_t)(x >> 24);
    p[1] = (uint8_t)(x >> 16);
    p[2] = (uint8_t)(x >> 8);
    p[3] = (uint8_t)x;
}

static void store64be(uint8_t *p, uint64_t x)
{
    store32be(p, (uint32_t)(x >> 32));
    store32be(p + 4, (uint32_t)x);
}

static uint64_t load64le(const uint8_t *p)
{
    uint64_t x = 0;
    for (unsigned int i = 0; i < 8; i++)
        x |= (uint64_t)p[i] << (8 * i);
    return x;
}

static void store64le(uint8_t *p, uint64_t x)
{
    for (unsigned int i = 0; i < 8; i++)
        p[i] = (uint8_t)(x >> (8 * i));
}

int ch_slhdsa_test_no_x16 = 0;

/* ---- Context ---- */

void ch_slhdsa_ctx_init(struct ch_slhdsa_ctx *c, const struct ch_slhdsa_params *p,
                        const uint8_t *pk_seed, const uint8_t *sk_seed)
{
    memset(c, 0, sizeof *c);
    c->p = p;
    memcpy(c->pk_seed, pk_seed, p->n);
    if (sk_seed != NULL)
        memcpy(c->sk_seed, sk_seed, p->n);
    c->leaf_batch = ch_slhdsa_leaf_batch(p);

    switch (p->family) {
    case CH_SLHDSA_FAMILY_SHAKE:
        c->hash = &ch_slhdsa_hash_shake;
        break;
    case CH_SLHDSA_FAMILY_SHA2_CAT1:
    case CH_SLHDSA_FAMILY_SHA2_CAT35: {
        /* §11.2: every PRF/F/H/T hashes PK.seed || toByte(0, 64 - n) (SHA-256) or
         * PK.seed || toByte(0, 128 - n) (SHA-512) first: one whole block, compressed once. */
        uint8_t blk[CH_SHA512_BLOCK_BYTES];
        memset(blk, 0, sizeof blk);
        memcpy(blk, pk_seed, p->n);
        struct ch_sha256 st256;
        ch_sha256_init(&st256);
        ch_sha256_update(&st256, blk, CH_SHA256_BLOCK_BYTES);
        int rc = ch_sha256_snapshot(&st256, &c->sha256); /* cannot fail: one whole block */
        (void)rc;
        if (p->family == CH_SLHDSA_FAMILY_SHA2_CAT35) {
            struct ch_sha512 st;
            ch_sha512_init(&st);
            ch_sha512_update(&st, blk, CH_SHA512_BLOCK_BYTES);
            rc = ch_sha512_snapshot(&st, &c->sha512);
            (void)rc;
            c->hash = &ch_slhdsa_hash_sha2_cat35;
        } else {
            c->hash = &ch_slhdsa_hash_sha2_cat1;
        }
        break;
    }
    }
}

void ch_slhdsa_ctx_clear(struct ch_slhdsa_ctx *c)
{
    ch_wipe(c, sizeof *c);
}

/* Alg. 6 for count consecutive key pairs, one after the other (every family without a batched
 * form). */
static void generic_wots_pkgen_multi(const struct ch_slhdsa_ctx *c, uint8_t *pk, uint8_t *adrs,
                                     uint32_t kp0, unsigned int count)
{
    for (unsigned int i = 0; i < count; i++) {
        ch_slhdsa_adrs_set_type_and_clear(adrs, CH_SLHDSA_WOTS_HASH);
        ch_slhdsa_adrs_set_keypair(adrs, kp0 + i);
        ch_slhdsa_wots_pkgen(c, pk + (size_t)i * c->p->n, adrs);
    }
}

/* ---- SHA2 (§11.2) ---- */

#if defined(__x86_64__) && defined(__GNUC__)
/* FIPS 180-4 §4.2.2 SHA-256 constants, for the sixteen-lane F below (sha2.c keeps its own). */
static const uint32_t K256_F[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};
#endif

/* Trunc_n(SHA-256(PK.seed || toByte(0, 64-n) || ADRSc || in)) for 22 + inlen <= 55: one
 * compression of ADRSc || in || 0x80 || 0... || bitlength from the precomputed state. */
static void sha256_one(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *adrs,
                       const uint8_t *in, size_t inlen)
{
    uint8_t blk[CH_SHA256_BLOCK_BYTES];
    uint32_t h[8];
    size_t L = CH_SLHDSA_ADRSC_BYTES + inlen;
    uint8_t dig[CH_SHA256_DIGEST_BYTES];

    ch_slhdsa_adrs_compress(blk, adrs);
    memcpy(blk + CH_SLHDSA_ADRSC_BYTES, in, inlen);
    blk[L] = 0x80;
    memset(blk + L + 1, 0, CH_SHA256_BLOCK_BYTES - 8 - L - 1);
    store64be(blk + CH_SHA256_BLOCK_BYTES - 8, (uint64_t)(CH_SHA256_BLOCK_BYTES + L) * 8u);
    memcpy(h, c->sha256.h, sizeof h);
    ch_sha256_compress(h, blk, 1);
    for (unsigned int i = 0; i < 8; i++)
        store32be(dig + 4 * i, h[i]);
    memcpy(out, dig, c->p->n);
    ch_wipe(blk, sizeof blk);
    ch_wipe(h, sizeof h);
    ch_wipe(dig, sizeof dig);
}

/* General form for inputs longer than one block (T_l). */
static void sha256_long(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *adrs,
                        const uint8_t *in, size_t inlen)
{
    struct ch_sha256 st;
    uint8_t adrsc[CH_SLHDSA_ADRSC_BYTES], dig[CH_SHA256_DIGEST_BYTES];

    ch_slhdsa_adrs_compress(adrsc, adrs);
    ch_sha256_resume(&st, &c->sha256);
    ch_sha256_update(&st, adrsc, sizeof adrsc);
    ch_sha256_update(&st, in, inlen);
    ch_sha256_final(&st, dig);
    memcpy(out, dig, c->p->n);
}

static void sha512_one(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *adrs,
                       const uint8_t *in, size_t inlen)
{
    uint8_t blk[CH_SHA512_BLOCK_BYTES];
    uint64_t h[8];
    size_t L = CH_SLHDSA_ADRSC_BYTES + inlen;   /* <= 111 */
    uint8_t dig[CH_SHA512_DIGEST_BYTES];

    ch_slhdsa_adrs_compress(blk, adrs);
    memcpy(blk + CH_SLHDSA_ADRSC_BYTES, in, inlen);
    blk[L] = 0x80;
    memset(blk + L + 1, 0, CH_SHA512_BLOCK_BYTES - 16 - L - 1);
    memset(blk + CH_SHA512_BLOCK_BYTES - 16, 0, 8);
    store64be(blk + CH_SHA512_BLOCK_BYTES - 8, (uint64_t)(CH_SHA512_BLOCK_BYTES + L) * 8u);
    memcpy(h, c->sha512.h, sizeof h);
    ch_sha512_compress(h, blk, 1);
    for (unsigned int i = 0; i < 8; i++)
        store64be(dig + 8 * i, h[i]);
    memcpy(out, dig, c->p->n);
    ch_wipe(blk, sizeof blk);
    ch_wipe(h, sizeof h);
    ch_wipe(dig, sizeof dig);
}

static void sha512_long(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *adrs,
                        const uint8_t *in, size_t inlen)
{
    struct ch_sha512 st;
    uint8_t adrsc[CH_SLHDSA_ADRSC_BYTES], dig[CH_SHA512_DIGEST_BYTES];

    ch_slhdsa_adrs_compress(adrsc, adrs);
    ch_sha512_resume(&st, &c->sha512);
    ch_sha512_update(&st, adrsc, sizeof adrsc);
    ch_sha512_update(&st, in, inlen);
    ch_sha512_final(&st, dig);
    memcpy(out, dig, c->p->n);
}

/* PRF is SHA-256 based in both SHA2 categories. */
static void sha2_prf(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *adrs)
{
    sha256_one(c, out, adrs, c->sk_seed, c->p->n);
}

/* F is SHA-256 based in both SHA2 categories. */
static void sha2_f(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *adrs,
                   const uint8_t *in)
{
    sha256_one(c, out, adrs, in, c->p->n);
}

static void sha2_h_cat1(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *adrs,
                        const uint8_t *in)
{
    sha256_one(c, out, adrs, in, 2u * c->p->n);   /* 22 + 32 <= 55 */
}

static void sha2_t_cat1(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *adrs,
                        const uint8_t *in, size_t l)
{
    sha256_long(c, out, adrs, in, l * c->p->n);
}

static void sha2_h_cat35(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *adrs,
                         const uint8_t *in)
{
    sha512_one(c, out, adrs, in, 2u * c->p->n);   /* 22 + 64 <= 111 */
}

static void sha2_t_cat35(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *adrs,
                         const uint8_t *in, size_t l)
{
    sha512_long(c, out, adrs, in, l * c->p->n);
}

/* Alg. 5 with F = SHA-256: the block ADRSc || X || padding is built once; each step rewrites
 * the hash address (ADRSc bytes 18..21) and the chaining value in place and compresses once. */
static void sha2_chain(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *in,
                       unsigned int i, unsigned int s, uint8_t *adrs)
{
    const unsigned int n = c->p->n;
    const size_t L = CH_SLHDSA_ADRSC_BYTES + n;
    uint8_t blk[CH_SHA256_BLOCK_BYTES];
    uint32_t h[8];

    if (s == 0) {
        if (out != in)
            memmove(out, in, n);
        return;
    }
    ch_slhdsa_adrs_compress(blk, adrs);
    memcpy(blk + CH_SLHDSA_ADRSC_BYTES, in, n);
    blk[L] = 0x80;
    memset(blk + L + 1, 0, CH_SHA256_BLOCK_BYTES - 8 - L - 1);
    store64be(blk + CH_SHA256_BLOCK_BYTES - 8, (uint64_t)(CH_SHA256_BLOCK_BYTES + L) * 8u);
    for (unsigned int j = i; j < i + s; j++) {
        store32be(blk + 18, j);
        memcpy(h, c->sha256.h, sizeof h);
        ch_sha256_compress(h, blk, 1);
        for (unsigned int w = 0; w < n / 4; w++)
            store32be(blk + CH_SLHDSA_ADRSC_BYTES + 4 * w, h[w]);
    }
    memcpy(out, blk + CH_SLHDSA_ADRSC_BYTES, n);
    ch_wipe(blk, sizeof blk);
    ch_wipe(h, sizeof h);
}

/* One-block SHA-256 message ADRSc || (n bytes, filled later) || 0x80 || 0... || bit length. */
static void sha256_block_template(uint8_t *blk, const uint8_t *adrsc, unsigned int n)
{
    const size_t L = CH_SLHDSA_ADRSC_BYTES + n;
    memcpy(blk, adrsc, CH_SLHDSA_ADRSC_BYTES);
    memset(blk + CH_SLHDSA_ADRSC_BYTES, 0, CH_SHA256_BLOCK_BYTES - CH_SLHDSA_ADRSC_BYTES);
    blk[L] = 0x80;
    store64be(blk + CH_SHA256_BLOCK_BYTES - 8, (uint64_t)(CH_SHA256_BLOCK_BYTES + L) * 8u);
}

/* ADRSc offsets of the chain address (ADRS[24:28]) and hash address (ADRS[28:32]). */
#define ADRSC_CHAIN 14
#define ADRSC_HASH 18
#define LANES 4

struct lane {
    unsigned int chain, j, end;
    int active;
};

/* Put the next chain with work to do into lane k (block blk), or mark the lane idle. */
static void lane_load(struct lane *ln, uint8_t *blk, const uint8_t *x, const uint32_t *start,
                      const uint32_t *steps, unsigned int *next, unsigned int len, unsigned int n)
{
    while (*next < len && steps[*next] == 0)
        (*next)++;
    if (*next == len) {
        ln->active = 0;
        return;
    }
    ln->chain = (*next)++;
    ln->j = start[ln->chain];
    ln->end = ln->j + steps[ln->chain];
    ln->active = 1;
    store32be(blk + ADRSC_CHAIN, ln->chain);
    memcpy(blk + CH_SLHDSA_ADRSC_BYTES, x + (size_t)ln->chain * n, n);
}

#ifdef CH_SLHDSA_HAVE_AVX2
#define X16 16

/* Sixteen SHA-256 compressions of one-block F / PRF messages ADRSc || V || padding, one lane of
 * a 512-bit register per message (FIPS 180-4 §6.2.2 in vector form). The message is built in
 * registers from its parts: cw = ADRSc words 0-2 with the key pair, chain and hash bytes
 * cleared (shared), kp[k], chain[k], hash[k] per lane (ADRSc bytes 10-13, 14-17, 18-21: all
 * below 2^16 except kp), and V = the n-byte input as nw big-endian words, which start at byte
 * 22 and so straddle words by 16 bits. The first nw output words replace V. */
__attribute__((target("avx512f"))) static void sha256_f_x16(const uint32_t mid[8],
                                                            const uint32_t cw[4],
                                                            const uint32_t kp[X16],
                                                            const uint32_t chain[X16],
                                                            const uint32_t hash[X16],
                                                            uint32_t val[8][X16], unsigned int nw)
{
    __m512i w[16], v[8], V[8];
    const __m512i vkp = _mm512_loadu_si512((const void *)kp);

    for (unsigned int i = 0; i < nw; i++)
        V[i] = _mm512_loadu_si512((const void *)val[i]);
    w[0] = _mm512_set1_epi32((int)cw[0]);
    w[1] = _mm512_set1_epi32((int)cw[1]);
    w[2] = _mm512_or_si512(_mm512_set1_epi32((int)cw[2]), _mm512_srli_epi32(vkp, 16));
    w[3] = _mm512_slli_epi32(vkp, 16);
    w[4] = _mm512_slli_epi32(_mm512_loadu_si512((const void *)chain), 16);
    w[5] = _mm512_or_si512(_mm512_slli_epi32(_mm512_loadu_si512((const void *)hash), 16),
                           _mm512_srli_epi32(V[0], 16));
    for (unsigned int i = 1; i < nw; i++)
        w[5 + i] = _mm512_or_si512(_mm512_slli_epi32(V[i - 1], 16), _mm512_srli_epi32(V[i], 16));
    w[5 + nw] = _mm512_or_si512(_mm512_slli_epi32(V[nw - 1], 16), _mm512_set1_epi32(0x8000));
    for (unsigned int i = 6 + nw; i < 15; i++)
        w[i] = _mm512_setzero_si512();
    w[15] = _mm512_set1_epi32((int)((CH_SHA256_BLOCK_BYTES + CH_SLHDSA_ADRSC_BYTES + 4 * nw) * 8));
    for (unsigned int i = 0; i < 8; i++)
        v[i] = _mm512_set1_epi32((int)mid[i]);

    for (unsigned int t = 0; t < 64; t++) {
        if (t >= 16) {
            __m512i x15 = w[(t - 15) & 15], x2 = w[(t - 2) & 15];
            __m512i s0 = _mm512_ternarylogic_epi32(_mm512_ror_epi32(x15, 7),
                                                   _mm512_ror_epi32(x15, 18),
                                                   _mm512_srli_epi32(x15, 3), 0x96);
            __m512i s1 = _mm512_ternarylogic_epi32(_mm512_ror_epi32(x2, 17),
                                                   _mm512_ror_epi32(x2, 19),
                                                   _mm512_srli_epi32(x2, 10), 0x96);
            w[t & 15] = _mm512_add_epi32(_mm512_add_epi32(w[t & 15], s0),
                                         _mm512_add_epi32(w[(t - 7) & 15], s1));
        }
        __m512i a = v[0], b = v[1], c = v[2], e = v[4], f = v[5], g = v[6];
        __m512i S1 = _mm512_ternarylogic_epi32(_mm512_ror_epi32(e, 6), _mm512_ror_epi32(e, 11),
                                               _mm512_ror_epi32(e, 25), 0x96);  /* xor3 */
        __m512i ch = _mm512_ternarylogic_epi32(e, f, g, 0xCA);                  /* e ? f : g */
        __m512i t1 = _mm512_add_epi32(
            _mm512_add_epi32(v[7], S1),
            _mm512_add_epi32(_mm512_add_epi32(ch, _mm512_set1_epi32((int)K256_F[t])),
                             w[t & 15]));
        __m512i S0 = _mm512_ternarylogic_epi32(_mm512_ror_epi32(a, 2), _mm512_ror_epi32(a, 13),
                                               _mm512_ror_epi32(a, 22), 0x96);
        __m512i maj = _mm512_ternarylogic_epi32(a, b, c, 0xE8);                 /* majority */
        v[7] = g;
        v[6] = f;
        v[5] = e;
        v[4] = _mm512_add_epi32(v[3], t1);
        v[3] = c;
        v[2] = b;
        v[1] = a;
        v[0] = _mm512_add_epi32(t1, _mm512_add_epi32(S0, maj));
    }
    for (unsigned int i = 0; i < nw; i++)
        _mm512_storeu_si512((void *)val[i],
                            _mm512_add_epi32(v[i], _mm512_set1_epi32((int)mid[i])));
}

static uint32_t load32be(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

struct lane16 {
    unsigned int chain[X16], j[X16], end[X16];
    uint32_t hash[X16], chainw[X16], kp[X16];
    int active[X16];
};

static void lane16_load(struct lane16 *ln, unsigned int k, uint32_t val[8][X16],
                        const uint8_t *x, const uint32_t *start, const uint32_t *steps,
                        unsigned int *next, unsigned int len, unsigned int n)
{
    while (*next < len && steps[*next] == 0)
        (*next)++;
    if (*next == len) {
        ln->active[k] = 0;
        return;
    }
    unsigned int ci = (*next)++;
    ln->chain[k] = ci;
    ln->chainw[k] = ci;
    ln->j[k] = start[ci];
    ln->end[k] = start[ci] + steps[ci];
    ln->active[k] = 1;
    for (unsigned int w = 0; w < n / 4; w++)
        val[w][k] = load32be(x + (size_t)ci * n + 4 * w);
}

/* ADRSc words 0-3 of adrs with the key pair, chain and hash bytes (ADRSc 10..21) cleared. */
static void adrsc_words(uint32_t cw[4], const uint8_t *adrs)
{
    uint8_t adrsc[CH_SLHDSA_ADRSC_BYTES];
    ch_slhdsa_adrs_compress(adrsc, adrs);
    memset(adrsc + 10, 0, 12);
    for (unsigned int i = 0; i < 4; i++)
        cw[i] = load32be(adrsc + 4 * i);
}

/* Alg. 6/7/8 chain loops with F = SHA-256 on sixteen AVX-512 lanes (as sha2_wots_chains). */
__attribute__((target("avx512f"))) static void
sha2_wots_chains_x16(const struct ch_slhdsa_ctx *c, uint8_t *x, const uint32_t *start,
                     const uint32_t *steps, uint8_t *adrs, int gen_sk)
{
    const unsigned int n = c->p->n, len = c->p->len, nw = n / 4;
    uint32_t val[8][X16];
    uint32_t cw[4];
    struct lane16 ln;
    unsigned int next = 0;

    memset(&ln, 0, sizeof ln);
    for (unsigned int k = 0; k < X16; k++)
        ln.kp[k] = ch_slhdsa_adrs_get_keypair(adrs);
    if (gen_sk) {
        uint8_t sk_adrs[CH_SLHDSA_ADRS_BYTES];
        memcpy(sk_adrs, adrs, sizeof sk_adrs);
        ch_slhdsa_adrs_set_type_and_clear(sk_adrs, CH_SLHDSA_WOTS_PRF);
        ch_slhdsa_adrs_set_keypair(sk_adrs, ch_slhdsa_adrs_get_keypair(adrs));
        adrsc_words(cw, sk_adrs);
        for (unsigned int i = 0; i < len; i += X16) {
            for (unsigned int k = 0; k < X16; k++) {
                ln.chainw[k] = i + k < len ? i + k : len - 1;
                ln.hash[k] = 0;
                for (unsigned int w = 0; w < nw; w++)
                    val[w][k] = load32be(c->sk_seed + 4 * w);
            }
            sha256_f_x16(c->sha256.h, cw, ln.kp, ln.chainw, ln.hash, val, nw);
            for (unsigned int k = 0; k < X16 && i + k < len; k++) {
                for (unsigned int w = 0; w < nw; w++)
                    store32be(x + (size_t)(i + k) * n + 4 * w, val[w][k]);
            }
        }
    }

    adrsc_words(cw, adrs);
    for (unsigned int k = 0; k < X16; k++)
        lane16_load(&ln, k, val, x, start, steps, &next, len, n);
    for (;;) {
        int any = 0;
        for (unsigned int k = 0; k < X16; k++) {
            if (ln.active[k]) {
                ln.hash[k] = ln.j[k];
                any = 1;
            }
        }
        if (!any)
            break;
        sha256_f_x16(c->sha256.h, cw, ln.kp, ln.chainw, ln.hash, val, nw); /* idle lanes: discarded */
        for (unsigned int k = 0; k < X16; k++) {
            if (!ln.active[k] || ++ln.j[k] != ln.end[k])
                continue;
            for (unsigned int w = 0; w < nw; w++)
                store32be(x + (size_t)ln.chain[k] * n + 4 * w, val[w][k]);
            lane16_load(&ln, k, val, x, start, steps, &next, len, n);
        }
    }
    ch_wipe(val, sizeof val);
}

/* Bytes [off, off + B) of the padded message ADRSc || in (total = 22 + inlen bytes) || 0x80 ||
 * 0... || bit length, where the whole padded message is `padded` bytes and the hash state has
 * already absorbed one block of B bytes (PK.seed || 0...). */
static void t_block(uint8_t *dst, size_t B, size_t off, const uint8_t *adrsc, const uint8_t *in,
                    size_t total, size_t padded)
{
    memset(dst, 0, B);
    if (off < CH_SLHDSA_ADRSC_BYTES)
        memcpy(dst, adrsc + off, CH_SLHDSA_ADRSC_BYTES - off < B ? CH_SLHDSA_ADRSC_BYTES - off : B);
    size_t ds = off > CH_SLHDSA_ADRSC_BYTES ? off : CH_SLHDSA_ADRSC_BYTES;
    size_t de = off + B < total ? off + B : total;
    if (ds < de)
        memcpy(dst + (ds - off), in + (ds - CH_SLHDSA_ADRSC_BYTES), de - ds);
    if (total >= off && total < off + B)
        dst[total - off] = 0x80;
    if (off + B == padded)
        store64be(dst + B - 8, (uint64_t)(B + total) * 8u);
}

/* Four T_len calls at once (Alg. 6 lines 10-13 for four key pairs), all inputs inlen bytes:
 * SHA-256 (category 1) or SHA-512 (categories 3/5) through the four-lane compressions. */
static void sha2_t_x4(const struct ch_slhdsa_ctx *c, uint8_t *const out[4],
                      const uint8_t *const adrs[4], const uint8_t *const in[4], size_t inlen)
{
    const int wide = c->p->family == CH_SLHDSA_FAMILY_SHA2_CAT35;
    const size_t B = wide ? CH_SHA512_BLOCK_BYTES : CH_SHA256_BLOCK_BYTES;
    const size_t LF = wide ? 16 : 8;
    const size_t total = CH_SLHDSA_ADRSC_BYTES + inlen;
    const size_t padded = (total + 1 + LF + B - 1) / B * B;
    uint8_t adrsc[LANES][CH_SLHDSA_ADRSC_BYTES];
    uint8_t blk[LANES][CH_SHA512_BLOCK_BYTES];
    const uint8_t *const bp[LANES] = {blk[0], blk[1], blk[2], blk[3]};
    uint32_t h32[LANES][8];
    uint64_t h64[LANES][8];
    uint32_t *const hp32[LANES] = {h32[0], h32[1], h32[2], h32[3]};
    uint64_t *const hp64[LANES] = {h64[0], h64[1], h64[2], h64[3]};

    for (unsigned int k = 0; k < LANES; k++) {
        ch_slhdsa_adrs_compress(adrsc[k], adrs[k]);
        memcpy(h32[k], c->sha256.h, sizeof h32[k]);
        memcpy(h64[k], c->sha512.h, sizeof h64[k]);
    }
    for (size_t off = 0; off < padded; off += B) {
        for (unsigned int k = 0; k < LANES; k++)
            t_block(blk[k], B, off, adrsc[k], in[k], total, padded);
        if (wide)
            ch_sha512_compress_x4(hp64, bp);
        else
            ch_sha256_compress_x4(hp32, bp);
    }
    for (unsigned int k = 0; k < LANES; k++) {
        for (unsigned int w = 0; w < c->p->n / 8; w++) {
            if (wide) {
                store64be(out[k] + 8 * w, h64[k][w]);
            } else {
                store32be(out[k] + 8 * w, h32[k][2 * w]);
                store32be(out[k] + 8 * w + 4, h32[k][2 * w + 1]);
            }
        }
    }
}

/* Alg. 6 for `count` consecutive key pairs kp0.. of one XMSS tree at once: their count * len
 * chains all have the same length w - 1, so they go through the sixteen lanes in groups of 16
 * (PRF, then 15 F steps with the same hash address in every lane), then T_len per key. */
__attribute__((target("avx512f"))) static void
sha2_wots_pkgen_multi_x16(const struct ch_slhdsa_ctx *c, uint8_t *pk, uint8_t *adrs,
                          uint32_t kp0, unsigned int count)
{
    const unsigned int n = c->p->n, len = c->p->len, nw = n / 4;
    const unsigned int total = count * len;
    uint8_t tmp[CH_SLHDSA_LEAF_BATCH_BYTES];
    uint32_t val[8][X16], kp[X16], chain[X16], hash[X16];
    uint32_t cw_prf[4], cw_f[4];
    uint8_t a2[CH_SLHDSA_ADRS_BYTES];

    memcpy(a2, adrs, sizeof a2);
    ch_slhdsa_adrs_set_type_and_clear(a2, CH_SLHDSA_WOTS_PRF);
    adrsc_words(cw_prf, a2);
    ch_slhdsa_adrs_set_type_and_clear(a2, CH_SLHDSA_WOTS_HASH);
    adrsc_words(cw_f, a2);
    for (unsigned int g = 0; g < total; g += X16) {
        for (unsigned int k = 0; k < X16; k++) {
            unsigned int ci = g + k < total ? g + k : total - 1;
            kp[k] = kp0 + ci / len;
            chain[k] = ci % len;
            hash[k] = 0;
            for (unsigned int w = 0; w < nw; w++)
                val[w][k] = load32be(c->sk_seed + 4 * w);
        }
        sha256_f_x16(c->sha256.h, cw_prf, kp, chain, hash, val, nw);   /* secret starts */
        for (uint32_t j = 0; j < 15; j++) {
            for (unsigned int k = 0; k < X16; k++)
                hash[k] = j;
            sha256_f_x16(c->sha256.h, cw_f, kp, chain, hash, val, nw);
        }
        for (unsigned int k = 0; k < X16 && g + k < total; k++) {
            for (unsigned int w = 0; w < nw; w++)
                store32be(tmp + (size_t)(g + k) * n + 4 * w, val[w][k]);
        }
    }
    /* lines 10-13: T_len of four keys at a time (spare lanes repeat the last key) */
    for (unsigned int i = 0; i < count; i += LANES) {
        uint8_t pa[LANES][CH_SLHDSA_ADRS_BYTES];
        const uint8_t *ap[LANES], *in[LANES];
        uint8_t *o[LANES];
        uint8_t spare[LANES][CH_SLHDSA_MAX_N];
        for (unsigned int k = 0; k < LANES; k++) {
            unsigned int leaf = i + k < count ? i + k : count - 1;
            memcpy(pa[k], a2, CH_SLHDSA_ADRS_BYTES);
            ch_slhdsa_adrs_set_type_and_clear(pa[k], CH_SLHDSA_WOTS_PK);
            ch_slhdsa_adrs_set_keypair(pa[k], kp0 + leaf);
            ap[k] = pa[k];
            in[k] = tmp + (size_t)leaf * len * n;
            o[k] = i + k < count ? pk + (size_t)(i + k) * n : spare[k];
        }
        sha2_t_x4(c, o, ap, in, (size_t)len * n);
    }
    ch_wipe(val, sizeof val);
}
#endif

/* Leaves per batched call (see ch_slhdsa_ctx.leaf_batch). */
unsigned int ch_slhdsa_leaf_batch(const struct ch_slhdsa_params *p)
{
#ifdef CH_SLHDSA_HAVE_AVX2
    if (p->family != CH_SLHDSA_FAMILY_SHAKE && !ch_slhdsa_test_no_x16 &&
        __builtin_cpu_supports("avx512f")) {
        unsigned int b = 16;
        while (b > 1 && (size_t)b * p->len * p->n > CH_SLHDSA_LEAF_BATCH_BYTES)
            b /= 2;
        return b;
    }
#endif
    (void)p;
    return 1;
}

static void sha2_wots_pkgen_multi(const struct ch_slhdsa_ctx *c, uint8_t *pk, uint8_t *adrs,
                                  uint32_t kp0, unsigned int count)
{
#ifdef CH_SLHDSA_HAVE_AVX2
    if (count > 1 && count <= c->leaf_batch) {
        sha2_wots_pkgen_multi_x16(c, pk, adrs, kp0, count);
        return;
    }
#endif
    generic_wots_pkgen_multi(c, pk, adrs, kp0, count);
}

/* Alg. 6/7/8 chain loops with F = SHA-256, four chains at a time through the interleaved
 * compression: each lane holds one chain's block (ADRSc || value || padding) and takes the next
 * chain as soon as its own is done, so the lanes stay busy until the last few steps. */
static void sha2_wots_chains(const struct ch_slhdsa_ctx *c, uint8_t *x, const uint32_t *start,
                             const uint32_t *steps, uint8_t *adrs, int gen_sk)
{
    const unsigned int n = c->p->n, len = c->p->len;
    uint8_t blk[LANES][CH_SHA256_BLOCK_BYTES];
    uint32_t h[LANES][8];
    uint32_t *const hp[LANES] = {h[0], h[1], h[2], h[3]};
    const uint8_t *const bp[LANES] = {blk[0], blk[1], blk[2], blk[3]};
    uint8_t adrsc[CH_SLHDSA_ADRSC_BYTES];
    struct lane ln[LANES];
    unsigned int next = 0;

#ifdef CH_SLHDSA_HAVE_AVX2
    if (!ch_slhdsa_test_no_x16 && __builtin_cpu_supports("avx512f")) {
        sha2_wots_chains_x16(c, x, start, steps, adrs, gen_sk);
        return;
    }
#endif
    if (gen_sk) {
        /* PRF(PK.seed, SK.seed, skADRS) for chains i..i+3 (Alg. 6 lines 3-5). */
        uint8_t sk_adrs[CH_SLHDSA_ADRS_BYTES];
        memcpy(sk_adrs, adrs, sizeof sk_adrs);
        ch_slhdsa_adrs_set_type_and_clear(sk_adrs, CH_SLHDSA_WOTS_PRF);
        ch_slhdsa_adrs_set_keypair(sk_adrs, ch_slhdsa_adrs_get_keypair(adrs));
        ch_slhdsa_adrs_compress(adrsc, sk_adrs);
        for (unsigned int k = 0; k < LANES; k++) {
            sha256_block_template(blk[k], adrsc, n);
            memcpy(blk[k] + CH_SLHDSA_ADRSC_BYTES, c->sk_seed, n);
        }
        for (unsigned int i = 0; i < len; i += LANES) {
            for (unsigned int k = 0; k < LANES; k++) {
                store32be(blk[k] + ADRSC_CHAIN, i + k < len ? i + k : len - 1);
                memcpy(h[k], c->sha256.h, sizeof h[k]);
            }
            ch_sha256_compress_x4(hp, bp);
            for (unsigned int k = 0; k < LANES && i + k < len; k++) {
                for (unsigned int w = 0; w < n / 4; w++)
                    store32be(x + (size_t)(i + k) * n + 4 * w, h[k][w]);
            }
        }
    }

    ch_slhdsa_adrs_compress(adrsc, adrs);
    for (unsigned int k = 0; k < LANES; k++) {
        sha256_block_template(blk[k], adrsc, n);
        lane_load(&ln[k], blk[k], x, start, steps, &next, len, n);
    }
    for (;;) {
        int any = 0;
        for (unsigned int k = 0; k < LANES; k++) {
            if (ln[k].active) {
                store32be(blk[k] + ADRSC_HASH, ln[k].j);
                any = 1;
            }
            memcpy(h[k], c->sha256.h, sizeof h[k]);
        }
        if (!any)
            break;
        ch_sha256_compress_x4(hp, bp);   /* idle lanes compute a discarded block */
        for (unsigned int k = 0; k < LANES; k++) {
            if (!ln[k].active)
                continue;
            for (unsigned int w = 0; w < n / 4; w++)
                store32be(blk[k] + CH_SLHDSA_ADRSC_BYTES + 4 * w, h[k][w]);
            if (++ln[k].j == ln[k].end) {
                memcpy(x + (size_t)ln[k].chain * n, blk[k] + CH_SLHDSA_ADRSC_BYTES, n);
                lane_load(&ln[k], blk[k], x, start, steps, &next, len, n);
            }
        }
    }
    ch_wipe(blk, sizeof blk);
    ch_wipe(h, sizeof h);
}

/* Four sha256_one at once through the interleaved compression. */
static void sha256_one_x4(const struct ch_slhdsa_ctx *c, uint8_t *const out[4],
                          const uint8_t *const adrs[4], const uint8_t *const in[4], size_t inlen)
{
    uint8_t blk[LANES][CH_SHA256_BLOCK_BYTES];
    uint32_t h[LANES][8];
    uint32_t *const hp[LANES] = {h[0], h[1], h[2], h[3]};
    const uint8_t *const bp[LANES] = {blk[0], blk[1], blk[2], blk[3]};
    uint8_t adrsc[CH_SLHDSA_ADRSC_BYTES];

    for (unsigned int k = 0; k < LANES; k++) {
        ch_slhdsa_adrs_compress(adrsc, adrs[k]);
        sha256_block_template(blk[k], adrsc, (unsigned int)inlen);
        memcpy(blk[k] + CH_SLHDSA_ADRSC_BYTES, in[k], inlen);
        memcpy(h[k], c->sha256.h, sizeof h[k]);
    }
    ch_sha256_compress_x4(hp, bp);
    for (unsigned int k = 0; k < LANES; k++) {
        for (unsigned int w = 0; w < c->p->n / 4; w++)
            store32be(out[k] + 4 * w, h[k][w]);
    }
    ch_wipe(blk, sizeof blk);
    ch_wipe(h, sizeof h);
}

/* Four sha512_one at once (22 + inlen <= 111). */
static void sha512_one_x4(const struct ch_slhdsa_ctx *c, uint8_t *const out[4],
                          const uint8_t *const adrs[4], const uint8_t *const in[4], size_t inlen)
{
    uint8_t blk[LANES][CH_SHA512_BLOCK_BYTES];
    uint64_t h[LANES][8];
    uint64_t *const hp[LANES] = {h[0], h[1], h[2], h[3]};
    const uint8_t *const bp[LANES] = {blk[0], blk[1], blk[2], blk[3]};
    const size_t L = CH_SLHDSA_ADRSC_BYTES + inlen;

    for (unsigned int k = 0; k < LANES; k++) {
        ch_slhdsa_adrs_compress(blk[k], adrs[k]);
        memcpy(blk[k] + CH_SLHDSA_ADRSC_BYTES, in[k], inlen);
        blk[k][L] = 0x80;
        memset(blk[k] + L + 1, 0, CH_SHA512_BLOCK_BYTES - 8 - L - 1);
        store64be(blk[k] + CH_SHA512_BLOCK_BYTES - 8, (uint64_t)(CH_SHA512_BLOCK_BYTES + L) * 8u);
        memcpy(h[k], c->sha512.h, sizeof h[k]);
    }
    ch_sha512_compress_x4(hp, bp);
    for (unsigned int k = 0; k < LANES; k++) {
        for (unsigned int w = 0; w < c->p->n / 8; w++)
            store64be(out[k] + 8 * w, h[k][w]);
    }
    ch_wipe(blk, sizeof blk);
    ch_wipe(h, sizeof h);
}

static void sha2_prf_x4(const struct ch_slhdsa_ctx *c, uint8_t *const out[4],
                        const uint8_t *const adrs[4])
{
    const uint8_t *const in[4] = {c->sk_seed, c->sk_seed, c->sk_seed, c->sk_seed};
    sha256_one_x4(c, out, adrs, in, c->p->n);
}

static void sha2_f_x4(const struct ch_slhdsa_ctx *c, uint8_t *const out[4],
                      const uint8_t *const adrs[4], const uint8_t *const in[4])
{
    sha256_one_x4(c, out, adrs, in, c->p->n);
}

static void sha2_h_x4_cat1(const struct ch_slhdsa_ctx *c, uint8_t *const out[4],
                           const uint8_t *const adrs[4], const uint8_t *const in[4])
{
    sha256_one_x4(c, out, adrs, in, 2u * c->p->n);
}

static void sha2_h_x4_cat35(const struct ch_slhdsa_ctx *c, uint8_t *const out[4],
                            const uint8_t *const adrs[4], const uint8_t *const in[4])
{
    sha512_one_x4(c, out, adrs, in, 2u * c->p->n);
}

/* PRF_msg = Trunc_n(HMAC-SHA-256(SK.prf, opt_rand || M)) (§11.2.1). */
static void sha2_prf_msg_cat1(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *sk_prf,
                              const uint8_t *opt_rand, const struct ch_slhdsa_msg *m)
{
    struct ch_hmac_sha256 mac;
    uint8_t tag[CH_SHA256_DIGEST_BYTES];

    ch_hmac_sha256_init(&mac, sk_prf, c->p->n);
    ch_hmac_sha256_update(&mac, opt_rand, c->p->n);
    ch_hmac_sha256_update(&mac, m->pre, m->pre_len);
    ch_hmac_sha256_update(&mac, m->m, m->m_len);
    ch_hmac_sha256_final(&mac, tag);
    memcpy(out, tag, c->p->n);
    ch_hmac_sha256_clear(&mac);
    ch_wipe(tag, sizeof tag);
}

/* H_msg = MGF1-SHA-256(R || PK.seed || SHA-256(R || PK.seed || PK.root || M), m) (§11.2.1). */
static void sha2_h_msg_cat1(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *r,
                            const uint8_t *pk_root, const struct ch_slhdsa_msg *m)
{
    const unsigned int n = c->p->n;
    struct ch_sha256 st;
    uint8_t seed[2 * CH_SLHDSA_MAX_N + CH_SHA256_DIGEST_BYTES];

    ch_sha256_init(&st);
    ch_sha256_update(&st, r, n);
    ch_sha256_update(&st, c->pk_seed, n);
    ch_sha256_update(&st, pk_root, n);
    ch_sha256_update(&st, m->pre, m->pre_len);
    ch_sha256_update(&st, m->m, m->m_len);
    memcpy(seed, r, n);
    memcpy(seed + n, c->pk_seed, n);
    ch_sha256_final(&st, seed + 2 * n);
    ch_mgf1_sha256(out, c->p->m, seed, 2u * n + CH_SHA256_DIGEST_BYTES);
}

/* PRF_msg = Trunc_n(HMAC-SHA-512(SK.prf, opt_rand || M)) (§11.2.2). */
static void sha2_prf_msg_cat35(const struct ch_slhdsa_ctx *c, uint8_t *out,
                               const uint8_t *sk_prf, const uint8_t *opt_rand,
                               const struct ch_slhdsa_msg *m)
{
    struct ch_hmac_sha512 mac;
    uint8_t tag[CH_SHA512_DIGEST_BYTES];

    ch_hmac_sha512_init(&mac, sk_prf, c->p->n);
    ch_hmac_sha512_update(&mac, opt_rand, c->p->n);
    ch_hmac_sha512_update(&mac, m->pre, m->pre_len);
    ch_hmac_sha512_update(&mac, m->m, m->m_len);
    ch_hmac_sha512_final(&mac, tag);
    memcpy(out, tag, c->p->n);
    ch_hmac_sha512_clear(&mac);
    ch_wipe(tag, sizeof tag);
}

/* H_msg = MGF1-SHA-512(R || PK.seed || SHA-512(R || PK.seed || PK.root || M), m) (§11.2.2). */
static void sha2_h_msg_cat35(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *r,
                             const uint8_t *pk_root, const struct ch_slhdsa_msg *m)
{
    const unsigned int n = c->p->n;
    struct ch_sha512 st;
    uint8_t seed[2 * CH_SLHDSA_MAX_N + CH_SHA512_DIGEST_BYTES];

    ch_sha512_init(&st);
    ch_sha512_update(&st, r, n);
    ch_sha512_update(&st, c->pk_seed, n);
    ch_sha512_update(&st, pk_root, n);
    ch_sha512_update(&st, m->pre, m->pre_len);
    ch_sha512_update(&st, m->m, m->m_len);
    memcpy(seed, r, n);
    memcpy(seed + n, c->pk_seed, n);
    ch_sha512_final(&st, seed + 2 * n);
    ch_mgf1_sha512(out, c->p->m, seed, 2u * n + CH_SHA512_DIGEST_BYTES);
}

const struct ch_slhdsa_hash ch_slhdsa_hash_sha2_cat1 = {
    .prf = sha2_prf,
    .f = sha2_f,
    .h = sha2_h_cat1,
    .t = sha2_t_cat1,
    .chain = sha2_chain,
    .wots_chains = sha2_wots_chains,
    .wots_pkgen_multi = sha2_wots_pkgen_multi,
    .prf_x4 = sha2_prf_x4,
    .f_x4 = sha2_f_x4,
    .h_x4 = sha2_h_x4_cat1,
    .prf_msg = sha2_prf_msg_cat1,
    .h_msg = sha2_h_msg_cat1,
};

const struct ch_slhdsa_hash ch_slhdsa_hash_sha2_cat35 = {
    .prf = sha2_prf,
    .f = sha2_f,
    .h = sha2_h_cat35,
    .t = sha2_t_cat35,
    .chain = sha2_chain,
    .wots_chains = sha2_wots_chains,
    .wots_pkgen_multi = sha2_wots_pkgen_multi,
    .prf_x4 = sha2_prf_x4,
    .f_x4 = sha2_f_x4,
    .h_x4 = sha2_h_x4_cat35,
    .prf_msg = sha2_prf_msg_cat35,
    .h_msg = sha2_h_msg_cat35,
};

/* ---- SHAKE (§11.1) ---- */

/* SHAKE256(PK.seed || ADRS || in, 8n) when n + 32 + inlen < 136 (one block): the state is built
 * directly from the lanes (n and inlen are multiples of 8), padded with the SHAKE domain bits
 * 1111 and the final 1 of pad10*1, permuted once. */
static void shake_one(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *adrs,
                      const uint8_t *in, size_t inlen)
{
    const unsigned int nw = c->p->n / 8;
    uint64_t s[25];
    unsigned int w = 0;

    memset(s, 0, sizeof s);
    for (unsigned int i = 0; i < nw; i++)
        s[w++] = load64le(c->pk_seed + 8 * i);
    for (unsigned int i = 0; i < CH_SLHDSA_ADRS_BYTES / 8; i++)
        s[w++] = load64le(adrs + 8 * i);
    for (size_t i = 0; i < inlen / 8; i++)
        s[w++] = load64le(in + 8 * i);
    s[w] ^= 0x1F;
    s[CH_SHAKE256_RATE / 8 - 1] ^= 0x8000000000000000ull;
    ch_keccak_f1600(s);
    for (unsigned int i = 0; i < nw; i++)
        store64le(out + 8 * i, s[i]);
    ch_wipe(s, sizeof s);
}

static void shake_prf(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *adrs)
{
    shake_one(c, out, adrs, c->sk_seed, c->p->n);
}

static void shake_f(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *adrs,
                    const uint8_t *in)
{
    shake_one(c, out, adrs, in, c->p->n);
}

static void shake_h(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *adrs,
                    const uint8_t *in)
{
    shake_one(c, out, adrs, in, 2u * c->p->n);   /* 32 + 32 + 64 = 128 < 136 */
}

static void shake_t(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *adrs,
                    const uint8_t *in, size_t l)
{
    struct ch_keccak st;
    ch_shake256_init(&st);
    ch_shake256_absorb(&st, c->pk_seed, c->p->n);
    ch_shake256_absorb(&st, adrs, CH_SLHDSA_ADRS_BYTES);
    ch_shake256_absorb(&st, in, l * c->p->n);
    ch_shake256_finalize(&st);
    ch_shake256_squeeze(&st, out, c->p->n);
    ch_keccak_clear(&st);
}

static void shake_chain(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *in,
                        unsigned int i, unsigned int s, uint8_t *adrs)
{
    if (out != in)
        memmove(out, in, c->p->n);
    for (unsigned int j = i; j < i + s; j++) {
        ch_slhdsa_adrs_set_hash(adrs, j);
        shake_one(c, out, adrs, out, c->p->n);
    }
}

static void shake_prf_msg(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *sk_prf,
                          const uint8_t *opt_rand, const struct ch_slhdsa_msg *m)
{
    struct ch_keccak st;
    ch_shake256_init(&st);
    ch_shake256_absorb(&st, sk_prf, c->p->n);
    ch_shake256_absorb(&st, opt_rand, c->p->n);
    ch_shake256_absorb(&st, m->pre, m->pre_len);
    ch_shake256_absorb(&st, m->m, m->m_len);
    ch_shake256_finalize(&st);
    ch_shake256_squeeze(&st, out, c->p->n);
    ch_keccak_clear(&st);
}

static void shake_h_msg(const struct ch_slhdsa_ctx *c, uint8_t *out, const uint8_t *r,
                        const uint8_t *pk_root, const struct ch_slhdsa_msg *m)
{
    struct ch_keccak st;
    ch_shake256_init(&st);
    ch_shake256_absorb(&st, r, c->p->n);
    ch_shake256_absorb(&st, c->pk_seed, c->p->n);
    ch_shake256_absorb(&st, pk_root, c->p->n);
    ch_shake256_absorb(&st, m->pre, m->pre_len);
    ch_shake256_absorb(&st, m->m, m->m_len);
    ch_shake256_finalize(&st);
    ch_shake256_squeeze(&st, out, c->p->m);
    ch_keccak_clear(&st);
}

/* ---- Four Keccak-f[1600] permutations at once (FIPS 202 §3.3, Keccak-p[1600, 24]) ---- */

/* iota round constants (FIPS 202 Algorithm 5/6) */
static const uint64_t keccak_rc[24] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808Aull, 0x8000000080008000ull,
    0x000000000000808Bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
    0x000000000000008Aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000Aull,
    0x000000008000808Bull, 0x800000000000008Bull, 0x8000000000008089ull, 0x8000000000008003ull,
    0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800Aull, 0x800000008000000Aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull,
};

/* rho offsets (FIPS 202 Table 2) of lane x + 5y */
static const unsigned int keccak_rho[25] = {
    0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14,
};

#ifdef CH_SLHDSA_HAVE_AVX2
#define ROL4(v, r) \
    ((r) == 0 ? (v) : _mm256_or_si256(_mm256_slli_epi64((v), (int)(r)), \
                                      _mm256_srli_epi64((v), 64 - (int)(r))))

/* One 256-bit register per lane index, holding that lane of the four states. */
__attribute__((target("avx2"))) static void keccak_x4_avx2(uint64_t st[25][4])
{
    __m256i a[25], b[25], c[5], d[5];

    for (unsigned int i = 0; i < 25; i++)
        a[i] = _mm256_loadu_si256((const __m256i *)(const void *)st[i]);
    for (unsigned int r = 0; r < 24; r++) {
#pragma GCC unroll 5
        for (unsigned int x = 0; x < 5; x++)              /* theta */
            c[x] = _mm256_xor_si256(_mm256_xor_si256(a[x], a[x + 5]),
                                    _mm256_xor_si256(_mm256_xor_si256(a[x + 10], a[x + 15]),
                                                     a[x + 20]));
#pragma GCC unroll 5
        for (unsigned int x = 0; x < 5; x++)
            d[x] = _mm256_xor_si256(c[(x + 4) % 5], ROL4(c[(x + 1) % 5], 1));
#pragma GCC unroll 5
        for (unsigned int y = 0; y < 5; y++) {             /* rho and pi */
#pragma GCC unroll 5
            for (unsigned int x = 0; x < 5; x++) {
                __m256i v = _mm256_xor_si256(a[x + 5 * y], d[x]);
                b[y + 5 * ((2 * x + 3 * y) % 5)] = ROL4(v, keccak_rho[x + 5 * y]);
            }
        }
#pragma GCC unroll 5
        for (unsigned int y = 0; y < 5; y++) {             /* chi */
#pragma GCC unroll 5
            for (unsigned int x = 0; x < 5; x++)
                a[x + 5 * y] = _mm256_xor_si256(
                    b[x + 5 * y],
                    _mm256_andnot_si256(b[(x + 1) % 5 + 5 * y], b[(x + 2) % 5 + 5 * y]));
        }
        a[0] = _mm256_xor_si256(a[0], _mm256_set1_epi64x((long long)keccak_rc[r])); /* iota */
    }
    for (unsigned int i = 0; i < 25; i++)
        _mm256_storeu_si256((__m256i *)(void *)st[i], a[i]);
}
#endif

/* st[i][k] is lane i of state k. Uses AVX2 when the CPU has it, else four scalar calls. */
void ch_slhdsa_keccak_x4(uint64_t st[25][4])
{
#ifdef CH_SLHDSA_HAVE_AVX2
    if (__builtin_cpu_supports("avx2")) {
        keccak_x4_avx2(st);
        return;
    }
#endif
    uint64_t one[25];
    for (unsigned int k = 0; k < 4; k++) {
        for (unsigned int i = 0; i < 25; i++)
            one[i] = st[i][k];
        ch_keccak_f1600(one);
        for (unsigned int i = 0; i < 25; i++)
            st[i][k] = one[i];
    }
    ch_wipe(one, sizeof one);
}

#ifdef CH_SLHDSA_HAVE_AVX2
/* Eight Keccak-f[1600] permutations, one 64-bit lane of a 512-bit register per state; chi and
 * the theta parities use three-input logic (vpternlogq), rho the variable rotate. */
__attribute__((target("avx512f"))) static void keccak_x8_avx512(uint64_t st[25][8])
{
    __m512i a[25], b[25], c[5], d[5];

    for (unsigned int i = 0; i < 25; i++)
        a[i] = _mm512_loadu_si512((const void *)st[i]);
    for (unsigned int r = 0; r < 24; r++) {
#pragma GCC unroll 5
        for (unsigned int x = 0; x < 5; x++)              /* theta */
            c[x] = _mm512_ternarylogic_epi64(
                _mm512_ternarylogic_epi64(a[x], a[x + 5], a[x + 10], 0x96), a[x + 15], a[x + 20],
                0x96);
#pragma GCC unroll 5
        for (unsigned int x = 0; x < 5; x++)
            d[x] = _mm512_xor_si512(c[(x + 4) % 5], _mm512_rol_epi64(c[(x + 1) % 5], 1));
#pragma GCC unroll 5
        for (unsigned int y = 0; y < 5; y++) {             /* rho and pi */
#pragma GCC unroll 5
            for (unsigned int x = 0; x < 5; x++) {
                __m512i v = _mm512_xor_si512(a[x + 5 * y], d[x]);
                b[y + 5 * ((2 * x + 3 * y) % 5)] =
                    _mm512_rolv_epi64(v, _mm512_set1_epi64((long long)keccak_rho[x + 5 * y]));
            }
        }
#pragma GCC unroll 5
        for (unsigned int y = 0; y < 5; y++) {             /* chi: b ^ (~b1 & b2) */
#pragma GCC unroll 5
            for (unsigned int x = 0; x < 5; x++)
                a[x + 5 * y] = _mm512_ternarylogic_epi64(b[x + 5 * y], b[(x + 1) % 5 + 5 * y],
                                                         b[(x + 2) % 5 + 5 * y], 0xD2);
        }
        a[0] = _mm512_xor_si512(a[0], _mm512_set1_epi64((long long)keccak_rc[r])); /* iota */
    }
    for (unsigned int i = 0; i < 25; i++)
        _mm512_storeu_si512((void *)st[i], a[i]);
}
#endif

#define SHAKE_MAXW 8

/* Lanes the SHAKE chains use on this CPU: 8 with AVX-512, else 4. */
static unsigned int shake_lanes(void)
{
#ifdef CH_SLHDSA_HAVE_AVX2
    if (!ch_slhdsa_test_no_x16 && __builtin_cpu_supports("avx512f"))
        return 8;
#endif
    return 4;
}

/* All W states of st (lane i of state k at st[i * W + k]) through Keccak-f[1600]. */
static void shake_permute(uint64_t *st, unsigned int W)
{
#ifdef CH_SLHDSA_HAVE_AVX2
    if (W == 8) {
        keccak_x8_avx512((uint64_t(*)[8])st);
        return;
    }
#endif
    ch_slhdsa_keccak_x4((uint64_t(*)[4])st);
}

/* State k of st := the one-block SHAKE256 input PK.seed || ADRS || in (inlen bytes) padded. */
static void shake_lane_load(const struct ch_slhdsa_ctx *c, uint64_t *st, unsigned int W,
                            unsigned int k, const uint8_t *adrs, const uint8_t *in,
                            unsigned int inlen)
{
    const unsigned int nw = c->p->n / 8;
    unsigned int w = 0;

    for (unsigned int i = 0; i < nw; i++)
        st[W * w++ + k] = load64le(c->pk_seed + 8 * i);
    for (unsigned int i = 0; i < CH_SLHDSA_ADRS_BYTES / 8; i++)
        st[W * w++ + k] = load64le(adrs + 8 * i);
    for (unsigned int i = 0; i < inlen / 8; i++)
        st[W * w++ + k] = load64le(in + 8 * i);
    st[W * w++ + k] = 0x1F;
    while (w < 25)
        st[W * w++ + k] = 0;
    st[W * (CH_SHAKE256_RATE / 8 - 1) + k] ^= 0x8000000000000000ull;
}

/* Four shake_one at once. */
static void shake_one_x4(const struct ch_slhdsa_ctx *c, uint8_t *const out[4],
                         const uint8_t *const adrs[4], const uint8_t *const in[4],
                         unsigned int inlen)
{
    uint64_t st[25 * LANES];

    for (unsigned int k = 0; k < LANES; k++)
        shake_lane_load(c, st, LANES, k, adrs[k], in[k], inlen);
    shake_permute(st, LANES);
    for (unsigned int k = 0; k < LANES; k++) {
        for (unsigned int w = 0; w < c->p->n / 8; w++)
            store64le(out[k] + 8 * w, st[LANES * w + k]);
    }
    ch_wipe(st, sizeof st);
}

static void shake_prf_x4(const struct ch_slhdsa_ctx *c, uint8_t *const out[4],
                         const uint8_t *const adrs[4])
{
    const uint8_t *const in[4] = {c->sk_seed, c->sk_seed, c->sk_seed, c->sk_seed};
    shake_one_x4(c, out, adrs, in, c->p->n);
}

static void shake_f_x4(const struct ch_slhdsa_ctx *c, uint8_t *const out[4],
                       const uint8_t *const adrs[4], const uint8_t *const in[4])
{
    shake_one_x4(c, out, adrs, in, c->p->n);
}

static void shake_h_x4(const struct ch_slhdsa_ctx *c, uint8_t *const out[4],
                       const uint8_t *const adrs[4], const uint8_t *const in[4])
{
    shake_one_x4(c, out, adrs, in, 2u * c->p->n);
}

/* Put the next chain with work to do into SHAKE lane k, or mark the lane idle. */
static void shake_lane_next(struct lane *ln, uint8_t *ladrs, uint8_t *val, const uint8_t *x,
                            const uint32_t *start, const uint32_t *steps, unsigned int *next,
                            unsigned int len, unsigned int n)
{
    while (*next < len && steps[*next] == 0)
        (*next)++;
    if (*next == len) {
        ln->active = 0;
        return;
    }
    ln->chain = (*next)++;
    ln->j = start[ln->chain];
    ln->end = ln->j + steps[ln->chain];
    ln->active = 1;
    ch_slhdsa_adrs_set_chain(ladrs, ln->chain);
    memcpy(val, x + (size_t)ln->chain * n, n);
}

/* Alg. 6/7/8 chain loops with F = SHAKE256, on 8 (AVX-512) or 4 (AVX2 / portable) Keccak
 * states at a time, with the lane scheduling of sha2_wots_chains. */
static void shake_wots_chains(const struct ch_slhdsa_ctx *c, uint8_t *x, const uint32_t *start,
                              const uint32_t *steps, uint8_t *adrs, int gen_sk)
{
    const unsigned int n = c->p->n, len = c->p->len, W = shake_lanes();
    uint64_t st[25 * SHAKE_MAXW];
    uint8_t ladrs[SHAKE_MAXW][CH_SLHDSA_ADRS_BYTES];
    uint8_t val[SHAKE_MAXW][CH_SLHDSA_MAX_N];
    struct lane ln[SHAKE_MAXW];
    unsigned int next = 0;

    if (gen_sk) {
        uint8_t sk_adrs[CH_SLHDSA_ADRS_BYTES];
        memcpy(sk_adrs, adrs, sizeof sk_adrs);
        ch_slhdsa_adrs_set_type_and_clear(sk_adrs, CH_SLHDSA_WOTS_PRF);
        ch_slhdsa_adrs_set_keypair(sk_adrs, ch_slhdsa_adrs_get_keypair(adrs));
        for (unsigned int i = 0; i < len; i += W) {
            for (unsigned int k = 0; k < W; k++) {
                ch_slhdsa_adrs_set_chain(sk_adrs, i + k < len ? i + k : len - 1);
                shake_lane_load(c, st, W, k, sk_adrs, c->sk_seed, n);
            }
            shake_permute(st, W);
            for (unsigned int k = 0; k < W && i + k < len; k++) {
                for (unsigned int w = 0; w < n / 8; w++)
                    store64le(x + (size_t)(i + k) * n + 8 * w, st[W * w + k]);
            }
        }
    }

    for (unsigned int k = 0; k < W; k++) {
        memcpy(ladrs[k], adrs, CH_SLHDSA_ADRS_BYTES);
        shake_lane_next(&ln[k], ladrs[k], val[k], x, start, steps, &next, len, n);
    }
    for (;;) {
        int any = 0;
        for (unsigned int k = 0; k < W; k++) {
            if (ln[k].active) {
                ch_slhdsa_adrs_set_hash(ladrs[k], ln[k].j);
                any = 1;
            }
            shake_lane_load(c, st, W, k, ladrs[k], val[k], n); /* idle lanes: discarded */
        }
        if (!any)
            break;
        shake_permute(st, W);
        for (unsigned int k = 0; k < W; k++) {
            if (!ln[k].active)
                continue;
            for (unsigned int w = 0; w < n / 8; w++)
                store64le(val[k] + 8 * w, st[W * w + k]);
            if (++ln[k].j == ln[k].end) {
                memcpy(x + (size_t)ln[k].chain * n, val[k], n);
                shake_lane_next(&ln[k], ladrs[k], val[k], x, start, steps, &next, len, n);
            }
        }
    }
    ch_wipe(st, sizeof st);
    ch_wipe(val, sizeof val);
}

const struct ch_slhdsa_hash ch_slhdsa_hash_shake = {
    .prf = shake_prf,
    .f = shake_f,
    .h = shake_h,
    .t = shake_t,
    .chain = shake_chain,
    .wots_chains = shake_wots_chains,
    .wots_pkgen_multi = generic_wots_pkgen_multi,
    .prf_x4 = shake_prf_x4,
    .f_x4 = shake_f_x4,
    .h_x4 = shake_h_x4,
    .prf_msg = shake_prf_msg,
    .h_msg = shake_h_msg,
};
