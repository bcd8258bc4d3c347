/* SPDX-License-Identifier: Apache-2.0 */
/* ACVP handler for ML-DSA (FIPS 204): keyGen (KeyGen_internal, Alg. 6), sigGen (external
 * pure Alg. 2 / preHash Alg. 4, internal Alg. 7 with M' or with externalMu; deterministic and
 * hedged; revision FIPS204-tr1 adds keyFormat "seed" | "expanded") and sigVer (Alg. 3, 5, 8).
 * Calls src/pqc/mldsa directly. PH(M) for preHash groups is computed here with OpenSSL EVP: the
 * library takes the digest as an input. Rules: /work/shared/vectors/README.md, ML-DSA. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "acvp.h"
#include "pqc/mldsa/mldsa.h"

static bool param_set(const char *name, enum ch_mldsa_set *set)
{
    if (name == NULL)
        return false;
    if (strcmp(name, "ML-DSA-44") == 0)
        *set = CH_MLDSA_44;
    else if (strcmp(name, "ML-DSA-65") == 0)
        *set = CH_MLDSA_65;
    else if (strcmp(name, "ML-DSA-87") == 0)
        *set = CH_MLDSA_87;
    else
        return false;
    return true;
}

/* ACVP hashAlg name -> our pre-hash id and the OpenSSL digest name. */
static const struct {
    const char *acvp;
    enum ch_mldsa_prehash ph;
    const char *evp;
} hashes[] = {
    {"SHA2-224", CH_MLDSA_PH_SHA2_224, "SHA224"},
    {"SHA2-256", CH_MLDSA_PH_SHA2_256, "SHA256"},
    {"SHA2-384", CH_MLDSA_PH_SHA2_384, "SHA384"},
    {"SHA2-512", CH_MLDSA_PH_SHA2_512, "SHA512"},
    {"SHA2-512/224", CH_MLDSA_PH_SHA2_512_224, "SHA512-224"},
    {"SHA2-512/256", CH_MLDSA_PH_SHA2_512_256, "SHA512-256"},
    {"SHA3-224", CH_MLDSA_PH_SHA3_224, "SHA3-224"},
    {"SHA3-256", CH_MLDSA_PH_SHA3_256, "SHA3-256"},
    {"SHA3-384", CH_MLDSA_PH_SHA3_384, "SHA3-384"},
    {"SHA3-512", CH_MLDSA_PH_SHA3_512, "SHA3-512"},
    {"SHAKE-128", CH_MLDSA_PH_SHAKE128, "SHAKE128"},
    {"SHAKE-256", CH_MLDSA_PH_SHAKE256, "SHAKE256"},
};

/* PH(M) into out (64 bytes of room); false if the hash is unknown or OpenSSL fails. */
static bool prehash(const char *name, const uint8_t *msg, size_t len, enum ch_mldsa_prehash *ph,
                    uint8_t out[64], size_t *out_len)
{
    for (size_t i = 0; name != NULL && i < sizeof hashes / sizeof hashes[0]; i++) {
        if (strcmp(name, hashes[i].acvp) != 0)
            continue;
        *ph = hashes[i].ph;
        *out_len = ch_mldsa_prehash_bytes(hashes[i].ph);
        EVP_MD *md = EVP_MD_fetch(NULL, hashes[i].evp, NULL);
        EVP_MD_CTX *c = EVP_MD_CTX_new();
        bool ok = md != NULL && c != NULL && EVP_DigestInit_ex(c, md, NULL) == 1 &&
                  EVP_DigestUpdate(c, msg, len) == 1;
        if (ok && (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF) != 0)
            ok = EVP_DigestFinalXOF(c, out, *out_len) == 1;
        else if (ok)
            ok = EVP_DigestFinal_ex(c, out, NULL) == 1;
        EVP_MD_CTX_free(c);
        EVP_MD_free(md);
        return ok;
    }
    return false;
}

/* How a group's tests are run. */
struct group {
    enum ch_mldsa_set set;
    bool deterministic;
    bool internal;      /* signatureInterface "internal" */
    bool prehash;       /* preHash "preHash" (external only) */
    bool external_mu;   /* internal only */
    bool seed_key;      /* keyFormat "seed" (FIPS204-tr1) */
};

static bool read_group(const cJSON *g, bool siggen, struct group *gr)
{
    const char *iface = ch_acvp_get_str(g, "signatureInterface");
    const char *pre = ch_acvp_get_str(g, "preHash");
    const char *kf = ch_acvp_get_str(g, "keyFormat");
    memset(gr, 0, sizeof *gr);
    if (!param_set(ch_acvp_get_str(g, "parameterSet"), &gr->set) || iface == NULL)
        return false;
    if (siggen && !ch_acvp_get_bool(g, "deterministic", &gr->deterministic))
        return false;
    gr->internal = strcmp(iface, "internal") == 0;
    if (!gr->internal && strcmp(iface, "external") != 0)
        return false;
    if (gr->internal) {
        if (!ch_acvp_get_bool(g, "externalMu", &gr->external_mu))
            gr->external_mu = false;
    } else {
        if (pre == NULL || (strcmp(pre, "pure") != 0 && strcmp(pre, "preHash") != 0))
            return false;
        gr->prehash = strcmp(pre, "preHash") == 0;
    }
    gr->seed_key = kf != NULL && strcmp(kf, "seed") == 0;
    return true;
}

static void run_keygen(struct ch_acvp_ctx *ctx, long tgid, enum ch_mldsa_set set,
                       const cJSON *t, cJSON *out)
{
    uint8_t *seed = NULL;
    size_t sl;
    uint8_t pk[CH_MLDSA_PK_MAX_BYTES], sk[CH_MLDSA_SK_MAX_BYTES];

    if (!ch_acvp_get_hex(t, "seed", &seed, &sl) || sl != CH_MLDSA_SEED_BYTES) {
        ch_acvp_skip(ctx, tgid, t, "bad or missing seed");
        goto out;
    }
    if (ch_mldsa_keypair_derand(set, pk, sk, seed) != CH_PQC_OK) {
        ch_acvp_expect_hex(ctx, tgid, t, "pk", NULL, 0);
        goto out;
    }
    ch_acvp_put_hex(out, "pk", pk, ch_mldsa_pk_bytes(set));
    ch_acvp_put_hex(out, "sk", sk, ch_mldsa_sk_bytes(set));
    /* One test, two fields: count it once, failed if either differs. */
    struct ch_acvp_ctx s = *ctx;
    s.passed = s.failed = s.skipped = 0;
    ch_acvp_expect_hex(&s, tgid, t, "pk", pk, ch_mldsa_pk_bytes(set));
    ch_acvp_expect_hex(&s, tgid, t, "sk", sk, ch_mldsa_sk_bytes(set));
    if (ctx->check) {
        if (s.failed > 0)
            ctx->failed++;
        else if (s.passed > 0)
            ctx->passed++;
        else
            ctx->skipped++;
    }
out:
    free(seed);
}

/* The inputs of one sigGen / sigVer test. */
struct inputs {
    uint8_t *msg, *mu, *ctx, *rnd, *key, *sig;
    size_t msg_len, mu_len, ctx_len, rnd_len, key_len, sig_len;
    enum ch_mldsa_prehash ph;
    uint8_t digest[64];
    size_t digest_len;
};

static void free_inputs(struct inputs *in)
{
    free(in->msg);
    free(in->mu);
    free(in->ctx);
    free(in->rnd);
    free(in->key);
    free(in->sig);
}

/* Reads message/mu, context, hashAlg (PH computed here); NULL on success or the reason. */
static const char *read_message(const struct group *gr, const cJSON *t, struct inputs *in)
{
    if (gr->internal && gr->external_mu) {
        if (!ch_acvp_get_hex(t, "mu", &in->mu, &in->mu_len) ||
            in->mu_len != CH_MLDSA_MU_BYTES)
            return "bad or missing mu";
        return NULL;
    }
    if (!ch_acvp_get_hex(t, "message", &in->msg, &in->msg_len))
        return "missing message";
    if (gr->internal)
        return NULL;
    if (!ch_acvp_get_hex(t, "context", &in->ctx, &in->ctx_len))
        return "missing context";
    if (gr->prehash &&
        !prehash(ch_acvp_get_str(t, "hashAlg"), in->msg, in->msg_len, &in->ph, in->digest,
                 &in->digest_len))
        return "unknown hashAlg or digest failure";
    return NULL;
}

static int do_sign(const struct group *gr, struct inputs *in, uint8_t *sig)
{
    static const uint8_t zero_rnd[CH_MLDSA_RND_BYTES];
    const uint8_t *rnd = gr->deterministic ? zero_rnd : in->rnd;
    if (gr->internal && gr->external_mu)
        return ch_mldsa_sign_mu_derand(gr->set, sig, in->mu, rnd, in->key, in->key_len);
    if (gr->internal)
        return ch_mldsa_sign_internal_derand(gr->set, sig, in->msg, in->msg_len, rnd, in->key,
                                             in->key_len);
    if (gr->prehash)
        return ch_mldsa_hash_sign_derand(gr->set, sig, in->ph, in->digest, in->digest_len,
                                         in->ctx, in->ctx_len, rnd, in->key, in->key_len);
    return ch_mldsa_sign_derand(gr->set, sig, in->msg, in->msg_len, in->ctx, in->ctx_len, rnd,
                                in->key, in->key_len);
}

static int do_verify(const struct group *gr, struct inputs *in)
{
    if (gr->internal && gr->external_mu)
        return ch_mldsa_verify_mu(gr->set, in->sig, in->sig_len, in->mu, in->key, in->key_len);
    if (gr->internal)
        return ch_mldsa_verify_internal(gr->set, in->sig, in->sig_len, in->msg, in->msg_len,
                                        in->key, in->key_len);
    if (gr->prehash)
        return ch_mldsa_hash_verify(gr->set, in->sig, in->sig_len, in->ph, in->digest,
                                    in->digest_len, in->ctx, in->ctx_len, in->key, in->key_len);
    return ch_mldsa_verify(gr->set, in->sig, in->sig_len, in->msg, in->msg_len, in->ctx,
                           in->ctx_len, in->key, in->key_len);
}

/* sigGen: keyFormat "seed" passes xi itself (the library expands it, the CKA_SEED path). */
static void run_siggen(struct ch_acvp_ctx *ctx, long tgid, const struct group *gr,
                       const cJSON *t, cJSON *out)
{
    struct inputs in = {0};
    uint8_t sig[CH_MLDSA_SIG_MAX_BYTES];
    const char *why = read_message(gr, t, &in);

    if (why == NULL && !ch_acvp_get_hex(t, gr->seed_key ? "seed" : "sk", &in.key, &in.key_len))
        why = gr->seed_key ? "missing seed" : "missing sk";
    if (why == NULL && !gr->deterministic &&
        (!ch_acvp_get_hex(t, "rnd", &in.rnd, &in.rnd_len) || in.rnd_len != CH_MLDSA_RND_BYTES))
        why = "bad or missing rnd";
    if (why != NULL) {
        ch_acvp_skip(ctx, tgid, t, why);
        goto out;
    }
    if (do_sign(gr, &in, sig) != CH_PQC_OK) {
        ch_acvp_expect_hex(ctx, tgid, t, "signature", NULL, 0);
        goto out;
    }
    ch_acvp_put_hex(out, "signature", sig, ch_mldsa_sig_bytes(gr->set));
    ch_acvp_expect_hex(ctx, tgid, t, "signature", sig, ch_mldsa_sig_bytes(gr->set));
out:
    free_inputs(&in);
}

static void run_sigver(struct ch_acvp_ctx *ctx, long tgid, const struct group *gr,
                       const cJSON *t, cJSON *out)
{
    struct inputs in = {0};
    const char *why = read_message(gr, t, &in);

    if (why == NULL && !ch_acvp_get_hex(t, "pk", &in.key, &in.key_len))
        why = "missing pk";
    if (why == NULL && !ch_acvp_get_hex(t, "signature", &in.sig, &in.sig_len))
        why = "missing signature";
    if (why != NULL) {
        ch_acvp_skip(ctx, tgid, t, why);
        goto out;
    }
    bool ok = do_verify(gr, &in) == CH_PQC_OK;
    cJSON_AddBoolToObject(out, "testPassed", ok);
    ch_acvp_expect_bool(ctx, tgid, t, "testPassed", ok);
out:
    free_inputs(&in);
}

int ch_acvp_mldsa(struct ch_acvp_ctx *ctx, const cJSON *root, cJSON *out_groups)
{
    const char *mode = ch_acvp_get_str(root, "mode");
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(root, "testGroups");
    const cJSON *g;

    if (mode == NULL || !cJSON_IsArray(groups))
        return -1;
    bool keygen = strcmp(mode, "keyGen") == 0;
    bool siggen = strcmp(mode, "sigGen") == 0;
    bool sigver = strcmp(mode, "sigVer") == 0;
    if (!keygen && !siggen && !sigver) {
        fprintf(stderr, "craton-hsm-acvp: %s: ML-DSA mode \"%s\" not supported\n", ctx->file,
                mode);
        return -1;
    }
    cJSON_ArrayForEach(g, groups) {
        long tgid;
        struct group gr;
        const cJSON *tests = cJSON_GetObjectItemCaseSensitive(g, "tests");
        const cJSON *t;

        if (!ch_acvp_get_int(g, "tgId", &tgid) || !cJSON_IsArray(tests))
            return -1;
        cJSON *og = cJSON_CreateObject();
        cJSON_AddNumberToObject(og, "tgId", (double)tgid);
        cJSON *otests = cJSON_AddArrayToObject(og, "tests");
        cJSON_AddItemToArray(out_groups, og);
        bool known = keygen ? param_set(ch_acvp_get_str(g, "parameterSet"), &gr.set)
                            : read_group(g, siggen, &gr);

        cJSON_ArrayForEach(t, tests) {
            long tcid;
            if (!ch_acvp_get_int(t, "tcId", &tcid))
                return -1;
            cJSON *ot = cJSON_CreateObject();
            cJSON_AddNumberToObject(ot, "tcId", (double)tcid);
            cJSON_AddItemToArray(otests, ot);
            if (!known)
                ch_acvp_skip(ctx, tgid, t, "unknown parameterSet or interface");
            else if (keygen)
                run_keygen(ctx, tgid, gr.set, t, ot);
            else if (siggen)
                run_siggen(ctx, tgid, &gr, t, ot);
            else
                run_sigver(ctx, tgid, &gr, t, ot);
        }
    }
    return 0;
}
