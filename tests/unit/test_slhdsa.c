/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/pqc/slhdsa (FIPS 205): sign/verify round trips for the parameter sets that
 * have no sigGen vector (SHA2-128f, SHA2-192f, SHAKE-128s, SHAKE-256s), and the negative cases
 * of the external interface (context length, modified message/signature/context, wrong
 * signature length, pre-hash domain separation) on the fast 'f' sets. OpenSSL (test only)
 * provides the reference digests for the twelve pre-hash functions. Known answers for all
 * twelve sets come from the ACVP vectors (suite 'vectors'). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "pqc/common/sha2.h"
#include "pqc/common/fips202.h"
#include "pqc/slhdsa/slhdsa.h"
#include "pqc/slhdsa/slhdsa_internal.h"

static uint8_t sig[CH_SLHDSA_MAX_SIG_BYTES + 16];
static uint8_t sig2[CH_SLHDSA_MAX_SIG_BYTES + 16];
static uint8_t ctx255[256];
static const uint8_t msg[] = "the quick brown fox jumps over the lazy dog";

struct keys {
    uint8_t sk[CH_SLHDSA_MAX_SK_BYTES];
    uint8_t pk[CH_SLHDSA_MAX_PK_BYTES];
};

static const struct ch_slhdsa_params *set(enum ch_slhdsa_set s)
{
    const struct ch_slhdsa_params *p = ch_slhdsa_params_get(s);
    assert_non_null(p);
    return p;
}

static void keygen(const struct ch_slhdsa_params *p, struct keys *k, uint8_t salt)
{
    uint8_t seeds[3 * CH_SLHDSA_MAX_N];
    for (size_t i = 0; i < sizeof seeds; i++)
        seeds[i] = (uint8_t)(i * 29u + salt);
    assert_int_equal(ch_slhdsa_keygen_internal(p, seeds, seeds + p->n, seeds + 2 * p->n, k->sk,
                                               k->pk),
                     CH_PQC_OK);
    /* sk = SK.seed || SK.prf || PK.seed || PK.root and pk = PK.seed || PK.root */
    assert_memory_equal(k->sk, seeds, 3 * p->n);
    assert_memory_equal(k->sk + 2 * p->n, k->pk, 2 * p->n);
}

/* Sign (pure, with a context, hedged), verify, then tamper with message, signature, context. */
static void roundtrip(enum ch_slhdsa_set s)
{
    const struct ch_slhdsa_params *p = set(s);
    struct keys k;
    uint8_t rnd[CH_SLHDSA_MAX_N];
    uint8_t m2[sizeof msg];
    static const uint8_t ctx[] = {'c', 't', 'x'};

    keygen(p, &k, (uint8_t)s);
    memset(rnd, 0x5A, sizeof rnd);
    assert_int_equal(ch_slhdsa_sign(p, sig, sizeof sig, msg, sizeof msg, ctx, sizeof ctx, k.sk,
                                    rnd),
                     CH_PQC_OK);
    assert_int_equal(ch_slhdsa_verify(p, msg, sizeof msg, sig, p->sig_bytes, ctx, sizeof ctx,
                                      k.pk),
                     CH_PQC_OK);

    memcpy(m2, msg, sizeof msg);
    m2[3] ^= 0x01;
    assert_int_equal(ch_slhdsa_verify(p, m2, sizeof m2, sig, p->sig_bytes, ctx, sizeof ctx,
                                      k.pk),
                     CH_PQC_ERR_VERIFY);
    assert_int_equal(ch_slhdsa_verify(p, msg, sizeof msg, sig, p->sig_bytes, ctx, sizeof ctx - 1,
                                      k.pk),
                     CH_PQC_ERR_VERIFY);
    /* a flipped bit in R, in the FORS part and in the last hypertree layer */
    const size_t where[] = {0, p->n + 5, p->sig_bytes - 1};
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
        sig[where[i]] ^= 0x10;
        assert_int_equal(ch_slhdsa_verify(p, msg, sizeof msg, sig, p->sig_bytes, ctx,
                                          sizeof ctx, k.pk),
                         CH_PQC_ERR_VERIFY);
        sig[where[i]] ^= 0x10;
    }
    /* the internal interface does not accept the external signature (M' != M) */
    assert_int_equal(ch_slhdsa_verify_internal(p, msg, sizeof msg, sig, p->sig_bytes, k.pk),
                     CH_PQC_ERR_VERIFY);
}

static void test_roundtrip_sha2_128f(void **state)
{
    (void)state;
    roundtrip(CH_SLHDSA_SHA2_128F);
}

static void test_roundtrip_sha2_192f(void **state)
{
    (void)state;
    roundtrip(CH_SLHDSA_SHA2_192F);
}

static void test_roundtrip_shake_128s(void **state)
{
    (void)state;
    roundtrip(CH_SLHDSA_SHAKE_128S);
}

static void test_roundtrip_shake_256s(void **state)
{
    (void)state;
    roundtrip(CH_SLHDSA_SHAKE_256S);
}

/* Contexts of 0 and 255 bytes work; 256 is refused by sign and verify without touching sig. */
static void test_context_length(void **state)
{
    (void)state;
    const struct ch_slhdsa_params *p = set(CH_SLHDSA_SHA2_128F);
    struct keys k;

    keygen(p, &k, 1);
    for (size_t i = 0; i < sizeof ctx255; i++)
        ctx255[i] = (uint8_t)i;
    assert_int_equal(ch_slhdsa_sign(p, sig, sizeof sig, msg, sizeof msg, ctx255, 255, k.sk, NULL),
                     CH_PQC_OK);
    assert_int_equal(ch_slhdsa_verify(p, msg, sizeof msg, sig, p->sig_bytes, ctx255, 255, k.pk),
                     CH_PQC_OK);
    ctx255[200] ^= 1;
    assert_int_equal(ch_slhdsa_verify(p, msg, sizeof msg, sig, p->sig_bytes, ctx255, 255, k.pk),
                     CH_PQC_ERR_VERIFY);
    ctx255[200] ^= 1;

    memset(sig2, 0xEE, sizeof sig2);
    assert_int_equal(ch_slhdsa_sign(p, sig2, sizeof sig2, msg, sizeof msg, ctx255, 256, k.sk,
                                    NULL),
                     CH_PQC_ERR_CONTEXT);
    assert_int_equal(sig2[0], 0xEE);
    assert_int_equal(sig2[p->sig_bytes - 1], 0xEE);
    assert_int_equal(ch_slhdsa_verify(p, msg, sizeof msg, sig, p->sig_bytes, ctx255, 256, k.pk),
                     CH_PQC_ERR_CONTEXT);
    assert_int_equal(ch_slhdsa_hash_sign(p, sig2, sizeof sig2, msg, sizeof msg, ctx255, 256,
                                         CH_SLHDSA_PH_SHA256, k.sk, NULL),
                     CH_PQC_ERR_CONTEXT);

    /* empty context: NULL is accepted with length 0 and differs from a 1-byte context */
    assert_int_equal(ch_slhdsa_sign(p, sig, sizeof sig, msg, sizeof msg, NULL, 0, k.sk, NULL),
                     CH_PQC_OK);
    assert_int_equal(ch_slhdsa_verify(p, msg, sizeof msg, sig, p->sig_bytes, NULL, 0, k.pk),
                     CH_PQC_OK);
    assert_int_equal(ch_slhdsa_verify(p, msg, sizeof msg, sig, p->sig_bytes, ctx255, 1, k.pk),
                     CH_PQC_ERR_VERIFY);
}

/* A signature of the wrong length is refused without being read: the buffers handed over are
 * heap blocks of exactly that length, so ASan would flag any read past them. */
static void test_wrong_length(void **state)
{
    (void)state;
    const struct ch_slhdsa_params *p = set(CH_SLHDSA_SHA2_128F);
    struct keys k;

    keygen(p, &k, 2);
    assert_int_equal(ch_slhdsa_sign(p, sig, sizeof sig, msg, sizeof msg, NULL, 0, k.sk, NULL),
                     CH_PQC_OK);
    const size_t lens[] = {0, 1, p->n, p->sig_bytes - 1, p->sig_bytes + 1,
                           CH_SLHDSA_128S_SIG_BYTES};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        uint8_t *s = malloc(lens[i] + 1);
        assert_non_null(s);
        memcpy(s, sig, lens[i] < p->sig_bytes ? lens[i] : p->sig_bytes);
        assert_int_equal(ch_slhdsa_verify(p, msg, sizeof msg, s, lens[i], NULL, 0, k.pk),
                         CH_PQC_ERR_VERIFY);
        assert_int_equal(ch_slhdsa_verify_internal(p, msg, sizeof msg, s, lens[i], k.pk),
                         CH_PQC_ERR_VERIFY);
        assert_int_equal(ch_slhdsa_hash_verify(p, msg, sizeof msg, s, lens[i], NULL, 0,
                                               CH_SLHDSA_PH_SHA256, k.pk),
                         CH_PQC_ERR_VERIFY);
        free(s);
    }
    /* the right length still verifies */
    assert_int_equal(ch_slhdsa_verify(p, msg, sizeof msg, sig, p->sig_bytes, NULL, 0, k.pk),
                     CH_PQC_OK);
    /* an output buffer one byte short is refused and left alone */
    memset(sig2, 0xEE, sizeof sig2);
    assert_int_equal(ch_slhdsa_sign(p, sig2, p->sig_bytes - 1, msg, sizeof msg, NULL, 0, k.sk,
                                    NULL),
                     CH_PQC_ERR_INPUT);
    assert_int_equal(ch_slhdsa_sign_internal(p, sig2, p->sig_bytes - 1, msg, sizeof msg, k.sk,
                                             NULL),
                     CH_PQC_ERR_INPUT);
    assert_int_equal(sig2[0], 0xEE);
}

/* Deterministic signing repeats itself and equals hedged signing with addrnd = PK.seed;
 * another addrnd gives another (valid) signature. */
static void test_deterministic_hedged(void **state)
{
    (void)state;
    const struct ch_slhdsa_params *p = set(CH_SLHDSA_SHAKE_128F);
    struct keys k;
    uint8_t rnd[CH_SLHDSA_MAX_N];

    keygen(p, &k, 3);
    assert_int_equal(ch_slhdsa_sign_internal(p, sig, sizeof sig, msg, sizeof msg, k.sk, NULL),
                     CH_PQC_OK);
    assert_int_equal(ch_slhdsa_sign_internal(p, sig2, sizeof sig2, msg, sizeof msg, k.sk,
                                             k.pk),
                     CH_PQC_OK);
    assert_memory_equal(sig, sig2, p->sig_bytes);
    memset(rnd, 0x33, sizeof rnd);
    assert_int_equal(ch_slhdsa_sign_internal(p, sig2, sizeof sig2, msg, sizeof msg, k.sk, rnd),
                     CH_PQC_OK);
    assert_memory_not_equal(sig, sig2, p->n);
    assert_int_equal(ch_slhdsa_verify_internal(p, msg, sizeof msg, sig2, p->sig_bytes, k.pk),
                     CH_PQC_OK);
    /* an empty message is a message */
    assert_int_equal(ch_slhdsa_sign_internal(p, sig, sizeof sig, NULL, 0, k.sk, NULL), CH_PQC_OK);
    assert_int_equal(ch_slhdsa_verify_internal(p, NULL, 0, sig, p->sig_bytes, k.pk), CH_PQC_OK);
}

/* HashSLH-DSA: every pre-hash verifies with itself only, the digest form equals the message
 * form, and a pre-hash signature is no pure signature (domain separator 1 vs 0). */
static void test_prehash(void **state)
{
    (void)state;
    const struct ch_slhdsa_params *p = set(CH_SLHDSA_SHA2_128F);
    struct keys k;
    static const enum ch_slhdsa_ph phs[] = {CH_SLHDSA_PH_SHA256, CH_SLHDSA_PH_SHA512,
                                            CH_SLHDSA_PH_SHAKE128, CH_SLHDSA_PH_SHAKE256};
    static const uint8_t ctx[] = {0x01, 0x02};

    keygen(p, &k, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(ch_slhdsa_hash_sign(p, sig, sizeof sig, msg, sizeof msg, ctx,
                                             sizeof ctx, phs[i], k.sk, NULL),
                         CH_PQC_OK);
        assert_int_equal(ch_slhdsa_hash_verify(p, msg, sizeof msg, sig, p->sig_bytes, ctx,
                                               sizeof ctx, phs[i], k.pk),
                         CH_PQC_OK);
        assert_int_equal(ch_slhdsa_hash_verify(p, msg, sizeof msg, sig, p->sig_bytes, ctx,
                                               sizeof ctx, phs[(i + 1) % 4], k.pk),
                         CH_PQC_ERR_VERIFY);
        assert_int_equal(ch_slhdsa_verify(p, msg, sizeof msg, sig, p->sig_bytes, ctx,
                                          sizeof ctx, k.pk),
                         CH_PQC_ERR_VERIFY);
        assert_int_equal(ch_slhdsa_hash_verify(p, msg, sizeof msg - 1, sig, p->sig_bytes, ctx,
                                               sizeof ctx, phs[i], k.pk),
                         CH_PQC_ERR_VERIFY);
    }
    /* the digest form with the right digest gives the same signature */
    uint8_t d[64];
    assert_int_equal(ch_slhdsa_hash_sign(p, sig, sizeof sig, msg, sizeof msg, ctx, sizeof ctx,
                                         CH_SLHDSA_PH_SHA512, k.sk, NULL),
                     CH_PQC_OK);
    assert_int_equal(ch_slhdsa_ph_bytes(CH_SLHDSA_PH_SHA512), 64);
    ch_sha512(d, msg, sizeof msg);
    assert_int_equal(ch_slhdsa_hash_sign_digest(p, sig2, sizeof sig2, d, 64, ctx, sizeof ctx,
                                                CH_SLHDSA_PH_SHA512, k.sk, NULL),
                     CH_PQC_OK);
    assert_memory_equal(sig, sig2, p->sig_bytes);
    assert_int_equal(ch_slhdsa_hash_verify_digest(p, d, 64, sig, p->sig_bytes, ctx, sizeof ctx,
                                                  CH_SLHDSA_PH_SHA512, k.pk),
                     CH_PQC_OK);
    /* wrong digest length or unknown pre-hash */
    assert_int_equal(ch_slhdsa_hash_verify_digest(p, d, 32, sig, p->sig_bytes, ctx, sizeof ctx,
                                                  CH_SLHDSA_PH_SHA512, k.pk),
                     CH_PQC_ERR_INPUT);
    assert_int_equal(ch_slhdsa_hash_sign_digest(p, sig2, sizeof sig2, d, 63, ctx, sizeof ctx,
                                                CH_SLHDSA_PH_SHA512, k.sk, NULL),
                     CH_PQC_ERR_INPUT);
    assert_int_equal(ch_slhdsa_hash_sign(p, sig2, sizeof sig2, msg, sizeof msg, ctx, sizeof ctx,
                                         (enum ch_slhdsa_ph)99, k.sk, NULL),
                     CH_PQC_ERR_INPUT);
}

/* Each of the twelve pre-hash functions: the message form (PH computed in src/pqc) signs the
 * same bytes as the digest form fed with OpenSSL's digest of M, and the signature does not
 * verify under any other PH of the same digest length (the OIDs differ). */
static void test_prehash_all(void **state)
{
    (void)state;
    const struct ch_slhdsa_params *p = set(CH_SLHDSA_SHA2_128F);
    struct keys k;
    struct {
        enum ch_slhdsa_ph ph;
        const char *ossl;
        size_t len;
    } const t[] = {
        {CH_SLHDSA_PH_SHA256, "SHA256", 32},         {CH_SLHDSA_PH_SHA512, "SHA512", 64},
        {CH_SLHDSA_PH_SHAKE128, "SHAKE128", 32},     {CH_SLHDSA_PH_SHAKE256, "SHAKE256", 64},
        {CH_SLHDSA_PH_SHA224, "SHA224", 28},         {CH_SLHDSA_PH_SHA384, "SHA384", 48},
        {CH_SLHDSA_PH_SHA512_224, "SHA512-224", 28}, {CH_SLHDSA_PH_SHA512_256, "SHA512-256", 32},
        {CH_SLHDSA_PH_SHA3_224, "SHA3-224", 28},     {CH_SLHDSA_PH_SHA3_256, "SHA3-256", 32},
        {CH_SLHDSA_PH_SHA3_384, "SHA3-384", 48},     {CH_SLHDSA_PH_SHA3_512, "SHA3-512", 64},
    };
    /* a message longer than every rate, to cross block boundaries */
    static uint8_t big[1000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7u + 1u);

    keygen(p, &k, 5);
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint8_t d[64];
        size_t dl = t[i].len;
        EVP_MD *md = EVP_MD_fetch(NULL, t[i].ossl, NULL);
        EVP_MD_CTX *mc = EVP_MD_CTX_new();
        assert_non_null(md);
        assert_non_null(mc);
        assert_int_equal(EVP_DigestInit_ex(mc, md, NULL), 1);
        assert_int_equal(EVP_DigestUpdate(mc, big, sizeof big), 1);
        if (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF)
            assert_int_equal(EVP_DigestFinalXOF(mc, d, dl), 1);
        else
            assert_int_equal(EVP_DigestFinal_ex(mc, d, NULL), 1);
        EVP_MD_CTX_free(mc);
        EVP_MD_free(md);

        assert_int_equal(ch_slhdsa_ph_bytes(t[i].ph), dl);
        assert_int_equal(ch_slhdsa_hash_sign(p, sig, sizeof sig, big, sizeof big, NULL, 0,
                                             t[i].ph, k.sk, NULL),
                         CH_PQC_OK);
        assert_int_equal(ch_slhdsa_hash_sign_digest(p, sig2, sizeof sig2, d, dl, NULL, 0,
                                                    t[i].ph, k.sk, NULL),
                         CH_PQC_OK);
        assert_memory_equal(sig, sig2, p->sig_bytes);
        assert_int_equal(ch_slhdsa_hash_verify(p, big, sizeof big, sig, p->sig_bytes, NULL, 0,
                                               t[i].ph, k.pk),
                         CH_PQC_OK);
        /* every other PH with the same digest length has another OID: no match */
        for (size_t j = 0; j < sizeof t / sizeof t[0]; j++) {
            if (j != i && t[j].len == dl)
                assert_int_equal(ch_slhdsa_hash_verify_digest(p, d, dl, sig, p->sig_bytes, NULL,
                                                              0, t[j].ph, k.pk),
                                 CH_PQC_ERR_VERIFY);
        }
    }
    assert_int_equal(ch_slhdsa_ph_bytes((enum ch_slhdsa_ph)12), 0);
}

/* The table agrees with FIPS 205 Table 2 and the size macros; names resolve both ways. */
static void test_params(void **state)
{
    (void)state;
    static const size_t sizes[][3] = {
        {CH_SLHDSA_128S_PK_BYTES, CH_SLHDSA_128S_SK_BYTES, CH_SLHDSA_128S_SIG_BYTES},
        {CH_SLHDSA_128F_PK_BYTES, CH_SLHDSA_128F_SK_BYTES, CH_SLHDSA_128F_SIG_BYTES},
        {CH_SLHDSA_192S_PK_BYTES, CH_SLHDSA_192S_SK_BYTES, CH_SLHDSA_192S_SIG_BYTES},
        {CH_SLHDSA_192F_PK_BYTES, CH_SLHDSA_192F_SK_BYTES, CH_SLHDSA_192F_SIG_BYTES},
        {CH_SLHDSA_256S_PK_BYTES, CH_SLHDSA_256S_SK_BYTES, CH_SLHDSA_256S_SIG_BYTES},
        {CH_SLHDSA_256F_PK_BYTES, CH_SLHDSA_256F_SK_BYTES, CH_SLHDSA_256F_SIG_BYTES},
    };
    for (int s = 0; s < CH_SLHDSA_SET_COUNT; s++) {
        const struct ch_slhdsa_params *p = set((enum ch_slhdsa_set)s);
        assert_ptr_equal(ch_slhdsa_params_by_name(p->name), p);
        assert_int_equal(p->pk_bytes, sizes[s / 2][0]);
        assert_int_equal(p->sk_bytes, sizes[s / 2][1]);
        assert_int_equal(p->sig_bytes, sizes[s / 2][2]);
        assert_int_equal(p->h, p->d * p->hp);
        assert_true(p->sig_bytes <= CH_SLHDSA_MAX_SIG_BYTES);
    }
    assert_null(ch_slhdsa_params_get(CH_SLHDSA_SET_COUNT));
    assert_null(ch_slhdsa_params_by_name("SLH-DSA-SHA2-128x"));
    assert_null(ch_slhdsa_params_by_name(NULL));
    assert_string_equal(set(CH_SLHDSA_SHAKE_256F)->name, "SLH-DSA-SHAKE-256f");
}

/* The four-lane permutation equals four runs of the scalar one. */
static void test_keccak_x4(void **state)
{
    (void)state;
    uint64_t st[25][4], one[4][25];
    uint64_t x = 0x0123456789ABCDEFull;
    for (unsigned int i = 0; i < 25; i++) {
        for (unsigned int k = 0; k < 4; k++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            st[i][k] = one[k][i] = x;
        }
    }
    for (unsigned int r = 0; r < 3; r++) {
        ch_slhdsa_keccak_x4(st);
        for (unsigned int k = 0; k < 4; k++) {
            ch_keccak_f1600(one[k]);
            for (unsigned int i = 0; i < 25; i++)
                assert_true(st[i][k] == one[k][i]);
        }
    }
}

/* The four-lane forms of the hash table (wots_chains, prf_x4, f_x4, h_x4) against the plain
 * one-call-at-a-time forms (Alg. 5 chain, PRF, F, H), for each of the three families. */
static void check_lanes(enum ch_slhdsa_set s)
{
    const struct ch_slhdsa_params *p = set(s);
    const unsigned int n = p->n;
    struct ch_slhdsa_ctx c;
    uint8_t seed[2 * CH_SLHDSA_MAX_N];
    uint8_t adrs[CH_SLHDSA_ADRS_BYTES], a2[CH_SLHDSA_ADRS_BYTES];
    uint8_t x[CH_SLHDSA_MAX_LEN * CH_SLHDSA_MAX_N], y[CH_SLHDSA_MAX_LEN * CH_SLHDSA_MAX_N];
    uint32_t start[CH_SLHDSA_MAX_LEN], steps[CH_SLHDSA_MAX_LEN];

    for (size_t i = 0; i < sizeof seed; i++)
        seed[i] = (uint8_t)(i * 13u + 7u);
    ch_slhdsa_ctx_init(&c, p, seed, seed + n);
    memset(adrs, 0, sizeof adrs);
    ch_slhdsa_adrs_set_layer(adrs, 3);
    ch_slhdsa_adrs_set_tree(adrs, 0x0123456789ull);
    ch_slhdsa_adrs_set_type_and_clear(adrs, CH_SLHDSA_WOTS_HASH);
    ch_slhdsa_adrs_set_keypair(adrs, 5);

    for (unsigned int round = 0; round < 2; round++) {
        int gen_sk = round == 0;
        for (unsigned int i = 0; i < p->len; i++) {
            start[i] = gen_sk ? 0 : (i * 7u) % 16u;
            steps[i] = gen_sk ? (i * 5u) % 16u : 15u - start[i];
        }
        for (size_t i = 0; i < sizeof x; i++)
            x[i] = y[i] = (uint8_t)(i * 31u);
        memcpy(a2, adrs, sizeof a2);
        c.hash->wots_chains(&c, x, start, steps, a2, gen_sk);
        /* reference: Alg. 6/7 lines with one PRF and one chain call per chain */
        uint8_t sk_adrs[CH_SLHDSA_ADRS_BYTES];
        memcpy(sk_adrs, adrs, sizeof sk_adrs);
        ch_slhdsa_adrs_set_type_and_clear(sk_adrs, CH_SLHDSA_WOTS_PRF);
        ch_slhdsa_adrs_set_keypair(sk_adrs, 5);
        for (unsigned int i = 0; i < p->len; i++) {
            memcpy(a2, adrs, sizeof a2);
            if (gen_sk) {
                ch_slhdsa_adrs_set_chain(sk_adrs, i);
                c.hash->prf(&c, y + i * n, sk_adrs);
            }
            ch_slhdsa_adrs_set_chain(a2, i);
            c.hash->chain(&c, y + i * n, y + i * n, start[i], steps[i], a2);
        }
        assert_memory_equal(x, y, (size_t)p->len * n);
    }

    /* wots_pkgen_multi (batched leaves) against one wots_pkgen per key pair */
    for (unsigned int count = 1; count <= 16; count = count * 2 + (count == 4)) {
        uint8_t pk1[16 * CH_SLHDSA_MAX_N], pk2[16 * CH_SLHDSA_MAX_N];
        memcpy(a2, adrs, sizeof a2);
        c.hash->wots_pkgen_multi(&c, pk1, a2, 40, count);
        for (unsigned int i = 0; i < count; i++) {
            memcpy(a2, adrs, sizeof a2);
            ch_slhdsa_adrs_set_type_and_clear(a2, CH_SLHDSA_WOTS_HASH);
            ch_slhdsa_adrs_set_keypair(a2, 40 + i);
            ch_slhdsa_wots_pkgen(&c, pk2 + (size_t)i * n, a2);
        }
        assert_memory_equal(pk1, pk2, (size_t)count * n);
    }

    /* prf_x4 / f_x4 / h_x4, with outputs overwriting the inputs */
    uint8_t ad[4][CH_SLHDSA_ADRS_BYTES];
    const uint8_t *const a[4] = {ad[0], ad[1], ad[2], ad[3]};
    uint8_t *o[4];
    const uint8_t *in[4];
    for (unsigned int k = 0; k < 4; k++) {
        memcpy(ad[k], adrs, sizeof adrs);
        ch_slhdsa_adrs_set_type_and_clear(ad[k], CH_SLHDSA_FORS_TREE);
        ch_slhdsa_adrs_set_tree_index(ad[k], 100 + k);
        o[k] = x + (size_t)k * 2 * n;
        in[k] = o[k];
    }
    for (size_t i = 0; i < sizeof x; i++)
        x[i] = y[i] = (uint8_t)(i * 3u);
    c.hash->h_x4(&c, o, a, in);
    for (unsigned int k = 0; k < 4; k++)
        c.hash->h(&c, y + (size_t)k * 2 * n, ad[k], y + (size_t)k * 2 * n);
    for (unsigned int k = 0; k < 4; k++)
        assert_memory_equal(x + (size_t)k * 2 * n, y + (size_t)k * 2 * n, n);
    c.hash->f_x4(&c, o, a, in);
    for (unsigned int k = 0; k < 4; k++)
        c.hash->f(&c, y + (size_t)k * 2 * n, ad[k], y + (size_t)k * 2 * n);
    for (unsigned int k = 0; k < 4; k++)
        assert_memory_equal(x + (size_t)k * 2 * n, y + (size_t)k * 2 * n, n);
    c.hash->prf_x4(&c, o, a);
    for (unsigned int k = 0; k < 4; k++)
        c.hash->prf(&c, y + (size_t)k * 2 * n, ad[k]);
    for (unsigned int k = 0; k < 4; k++)
        assert_memory_equal(x + (size_t)k * 2 * n, y + (size_t)k * 2 * n, n);
    ch_slhdsa_ctx_clear(&c);
}

static void test_lanes_match_plain(void **state)
{
    (void)state;
    check_lanes(CH_SLHDSA_SHA2_128F);   /* SHA-256 H, T */
    check_lanes(CH_SLHDSA_SHA2_256F);   /* SHA-512 H, T */
    check_lanes(CH_SLHDSA_SHAKE_192F);
    /* again without the AVX-512 sixteen-lane chains (the four-lane path), and a whole
     * sign/verify on that path */
    ch_slhdsa_test_no_x16 = 1;
    check_lanes(CH_SLHDSA_SHA2_128F);
    check_lanes(CH_SLHDSA_SHA2_192F);
    check_lanes(CH_SLHDSA_SHAKE_128F);
    roundtrip(CH_SLHDSA_SHA2_128F);
    ch_slhdsa_test_no_x16 = 0;
}

/* An imported private key is accepted only with its own PK.root and its exact length. */
static void test_check_sk(void **state)
{
    (void)state;
    const struct ch_slhdsa_params *p = set(CH_SLHDSA_SHAKE_128F);
    struct keys k;

    keygen(p, &k, 6);
    assert_int_equal(ch_slhdsa_check_sk(p, k.sk, p->sk_bytes), CH_PQC_OK);
    assert_int_equal(ch_slhdsa_check_sk(p, k.sk, p->sk_bytes - 1), CH_PQC_ERR_INPUT);
    assert_int_equal(ch_slhdsa_check_sk(p, NULL, p->sk_bytes), CH_PQC_ERR_INPUT);
    for (size_t pos = 0; pos < p->sk_bytes; pos += p->n) {  /* every quarter matters but SK.prf */
        k.sk[pos] ^= 0x80;
        int rc = ch_slhdsa_check_sk(p, k.sk, p->sk_bytes);
        k.sk[pos] ^= 0x80;
        if (pos == p->n)
            assert_int_equal(rc, CH_PQC_OK);   /* SK.prf does not enter PK.root */
        else
            assert_int_equal(rc, CH_PQC_ERR_INPUT);
    }
}

static void test_null_args(void **state)
{
    (void)state;
    const struct ch_slhdsa_params *p = set(CH_SLHDSA_SHA2_128F);
    uint8_t sk[64] = {0}, pk[32] = {0};
    assert_int_equal(ch_slhdsa_keygen_internal(NULL, sk, sk, sk, sk, pk), CH_PQC_ERR_INPUT);
    assert_int_equal(ch_slhdsa_keygen_internal(p, NULL, sk, sk, sk, pk), CH_PQC_ERR_INPUT);
    assert_int_equal(ch_slhdsa_sign(p, NULL, 0, msg, 1, NULL, 0, sk, NULL), CH_PQC_ERR_INPUT);
    assert_int_equal(ch_slhdsa_sign(p, sig, sizeof sig, NULL, 5, NULL, 0, sk, NULL),
                     CH_PQC_ERR_INPUT);
    assert_int_equal(ch_slhdsa_sign(p, sig, sizeof sig, msg, 1, NULL, 3, sk, NULL),
                     CH_PQC_ERR_INPUT);
    assert_int_equal(ch_slhdsa_verify(p, msg, 1, sig, p->sig_bytes, NULL, 0, NULL),
                     CH_PQC_ERR_INPUT);
    assert_int_equal(ch_slhdsa_verify_internal(p, msg, 1, NULL, p->sig_bytes, pk),
                     CH_PQC_ERR_INPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_null_args),
        cmocka_unit_test(test_check_sk),
        cmocka_unit_test(test_keccak_x4),
        cmocka_unit_test(test_lanes_match_plain),
        cmocka_unit_test(test_roundtrip_sha2_128f),
        cmocka_unit_test(test_roundtrip_sha2_192f),
        cmocka_unit_test(test_roundtrip_shake_128s),
        cmocka_unit_test(test_roundtrip_shake_256s),
        cmocka_unit_test(test_context_length),
        cmocka_unit_test(test_wrong_length),
        cmocka_unit_test(test_deterministic_hedged),
        cmocka_unit_test(test_prehash),
        cmocka_unit_test(test_prehash_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
