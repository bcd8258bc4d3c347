/* SPDX-License-Identifier: Apache-2.0 */
/* ACVP handler for SLH-DSA (FIPS 205): keyGen (slh_keygen_internal, Alg. 18), sigGen (groups
 * with signatureInterface "internal" -> slh_sign_internal, Alg. 19; "external" with preHash
 * "pure" -> slh_sign, Alg. 22, or "preHash" -> hash_slh_sign, Alg. 23 with any of the twelve
 * hashAlg values SHA2-224 ... SHAKE-256; groups without the
 * field, as in ACVP v1.1.0.35, are internal), sigVer (the same rules, v1.1.0.37 groups are
 * internal). deterministic groups sign with opt_rand = PK.seed, others with
 * additionalRandomness. Calls src/pqc/slhdsa directly. A test tool: malloc is fine here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acvp.h"
#include "pqc/slhdsa/slhdsa.h"

static void fold(struct ch_acvp_ctx *ctx, const struct ch_acvp_ctx *scratch)
{
    if (!ctx->check)
        return;
    if (scratch->failed > 0)
        ctx->failed++;
    else if (scratch->passed > 0)
        ctx->passed++;
    else
        ctx->skipped++;
}

static struct ch_acvp_ctx scratch_of(const struct ch_acvp_ctx *ctx)
{
    struct ch_acvp_ctx s = *ctx;
    s.passed = s.failed = s.skipped = 0;
    return s;
}

/* How a sigGen/sigVer group signs: its interface and, for pre-hash, nothing yet (the hash
 * function is a per-test field). */
enum iface { IF_INTERNAL, IF_PURE, IF_PREHASH, IF_UNKNOWN };

static enum iface group_iface(const cJSON *g)
{
    const char *si = ch_acvp_get_str(g, "signatureInterface");
    const char *ph = ch_acvp_get_str(g, "preHash");

    if (si == NULL || strcmp(si, "internal") == 0)   /* v1.1.0.35 / .37: internal only */
        return IF_INTERNAL;
    if (strcmp(si, "external") != 0)
        return IF_UNKNOWN;
    if (ph == NULL || strcmp(ph, "pure") == 0)
        return IF_PURE;
    if (strcmp(ph, "preHash") == 0)
        return IF_PREHASH;
    return IF_UNKNOWN;
}

/* ACVP hashAlg names of the pre-hash functions we support. */
static bool hash_alg(const char *name, enum ch_slhdsa_ph *ph)
{
    if (name == NULL)
        return false;
    if (strcmp(name, "SHA2-256") == 0)
        *ph = CH_SLHDSA_PH_SHA256;
    else if (strcmp(name, "SHA2-512") == 0)
        *ph = CH_SLHDSA_PH_SHA512;
    else if (strcmp(name, "SHAKE-128") == 0)
        *ph = CH_SLHDSA_PH_SHAKE128;
    else if (strcmp(name, "SHAKE-256") == 0)
        *ph = CH_SLHDSA_PH_SHAKE256;
    else if (strcmp(name, "SHA2-224") == 0)
        *ph = CH_SLHDSA_PH_SHA224;
    else if (strcmp(name, "SHA2-384") == 0)
        *ph = CH_SLHDSA_PH_SHA384;
    else if (strcmp(name, "SHA2-512/224") == 0)
        *ph = CH_SLHDSA_PH_SHA512_224;
    else if (strcmp(name, "SHA2-512/256") == 0)
        *ph = CH_SLHDSA_PH_SHA512_256;
    else if (strcmp(name, "SHA3-224") == 0)
        *ph = CH_SLHDSA_PH_SHA3_224;
    else if (strcmp(name, "SHA3-256") == 0)
        *ph = CH_SLHDSA_PH_SHA3_256;
    else if (strcmp(name, "SHA3-384") == 0)
        *ph = CH_SLHDSA_PH_SHA3_384;
    else if (strcmp(name, "SHA3-512") == 0)
        *ph = CH_SLHDSA_PH_SHA3_512;
    else
        return false;
    return true;
}

static void run_keygen(struct ch_acvp_ctx *ctx, long tgid, const struct ch_slhdsa_params *p,
                       const cJSON *t, cJSON *out)
{
    uint8_t *sks = NULL, *skp = NULL, *pks = NULL;
    size_t l1, l2, l3;
    uint8_t sk[CH_SLHDSA_MAX_SK_BYTES], pk[CH_SLHDSA_MAX_PK_BYTES];

    if (!ch_acvp_get_hex(t, "skSeed", &sks, &l1) || !ch_acvp_get_hex(t, "skPrf", &skp, &l2) ||
        !ch_acvp_get_hex(t, "pkSeed", &pks, &l3) || l1 != p->n || l2 != p->n || l3 != p->n) {
        ch_acvp_skip(ctx, tgid, t, "bad or missing skSeed/skPrf/pkSeed");
        goto out;
    }
    if (ch_slhdsa_keygen_internal(p, sks, skp, pks, sk, pk) != CH_PQC_OK) {
        ch_acvp_expect_hex(ctx, tgid, t, "pk", NULL, 0);
        goto out;
    }
    ch_acvp_put_hex(out, "sk", sk, p->sk_bytes);
    ch_acvp_put_hex(out, "pk", pk, p->pk_bytes);
    struct ch_acvp_ctx s = scratch_of(ctx);
    ch_acvp_expect_hex(&s, tgid, t, "sk", sk, p->sk_bytes);
    ch_acvp_expect_hex(&s, tgid, t, "pk", pk, p->pk_bytes);
    fold(ctx, &s);
out:
    free(sks);
    free(skp);
    free(pks);
}

/* Optional hex field: absent means empty. */
static bool get_opt_hex(const cJSON *t, const char *name, uint8_t **out, size_t *len)
{
    if (cJSON_GetObjectItemCaseSensitive(t, name) == NULL) {
        *out = NULL;
        *len = 0;
        return true;
    }
    return ch_acvp_get_hex(t, name, out, len);
}

static void run_siggen(struct ch_acvp_ctx *ctx, long tgid, const struct ch_slhdsa_params *p,
                       enum iface iface, bool deterministic, const cJSON *g, const cJSON *t,
                       cJSON *out)
{
    uint8_t *sk = NULL, *msg = NULL, *c = NULL, *rnd = NULL, *sig = NULL;
    size_t skl, ml, cl = 0, rl = 0;
    enum ch_slhdsa_ph ph = CH_SLHDSA_PH_SHA256;
    int rv;

    if (!ch_acvp_get_hex(t, "sk", &sk, &skl) && !ch_acvp_get_hex(g, "sk", &sk, &skl)) {
        ch_acvp_skip(ctx, tgid, t, "missing sk");
        goto out;
    }
    if (skl != p->sk_bytes || !ch_acvp_get_hex(t, "message", &msg, &ml) ||
        !get_opt_hex(t, "context", &c, &cl)) {
        ch_acvp_skip(ctx, tgid, t, "bad sk, message or context");
        goto out;
    }
    if (!deterministic && (!ch_acvp_get_hex(t, "additionalRandomness", &rnd, &rl) ||
                           rl != p->n)) {
        ch_acvp_skip(ctx, tgid, t, "bad or missing additionalRandomness");
        goto out;
    }
    if (iface == IF_PREHASH && !hash_alg(ch_acvp_get_str(t, "hashAlg"), &ph)) {
        ch_acvp_skip(ctx, tgid, t, "unsupported hashAlg");
        goto out;
    }
    sig = malloc(p->sig_bytes);
    if (sig == NULL) {
        ch_acvp_skip(ctx, tgid, t, "out of memory");
        goto out;
    }
    switch (iface) {
    case IF_INTERNAL:
        rv = ch_slhdsa_sign_internal(p, sig, p->sig_bytes, msg, ml, sk, rnd);
        break;
    case IF_PURE:
        rv = ch_slhdsa_sign(p, sig, p->sig_bytes, msg, ml, c, cl, sk, rnd);
        break;
    case IF_PREHASH:
        rv = ch_slhdsa_hash_sign(p, sig, p->sig_bytes, msg, ml, c, cl, ph, sk, rnd);
        break;
    default:
        rv = CH_PQC_ERR_INTERNAL;
        break;
    }
    if (rv != CH_PQC_OK) {
        ch_acvp_expect_hex(ctx, tgid, t, "signature", NULL, 0);
        goto out;
    }
    ch_acvp_put_hex(out, "signature", sig, p->sig_bytes);
    ch_acvp_expect_hex(ctx, tgid, t, "signature", sig, p->sig_bytes);
out:
    free(sk);
    free(msg);
    free(c);
    free(rnd);
    free(sig);
}

static void run_sigver(struct ch_acvp_ctx *ctx, long tgid, const struct ch_slhdsa_params *p,
                       enum iface iface, const cJSON *g, const cJSON *t, cJSON *out)
{
    uint8_t *pk = NULL, *msg = NULL, *c = NULL, *sig = NULL;
    size_t pkl, ml, cl = 0, sl;
    enum ch_slhdsa_ph ph = CH_SLHDSA_PH_SHA256;
    int rv;

    if (!ch_acvp_get_hex(t, "pk", &pk, &pkl) && !ch_acvp_get_hex(g, "pk", &pk, &pkl)) {
        ch_acvp_skip(ctx, tgid, t, "missing pk");
        goto out;
    }
    if (pkl != p->pk_bytes || !ch_acvp_get_hex(t, "message", &msg, &ml) ||
        !ch_acvp_get_hex(t, "signature", &sig, &sl) || !get_opt_hex(t, "context", &c, &cl)) {
        ch_acvp_skip(ctx, tgid, t, "bad pk, message, signature or context");
        goto out;
    }
    if (iface == IF_PREHASH && !hash_alg(ch_acvp_get_str(t, "hashAlg"), &ph)) {
        ch_acvp_skip(ctx, tgid, t, "unsupported hashAlg");
        goto out;
    }
    switch (iface) {
    case IF_INTERNAL:
        rv = ch_slhdsa_verify_internal(p, msg, ml, sig, sl, pk);
        break;
    case IF_PURE:
        rv = ch_slhdsa_verify(p, msg, ml, sig, sl, c, cl, pk);
        break;
    case IF_PREHASH:
        rv = ch_slhdsa_hash_verify(p, msg, ml, sig, sl, c, cl, ph, pk);
        break;
    default:
        rv = CH_PQC_ERR_INTERNAL;
        break;
    }
    cJSON_AddBoolToObject(out, "testPassed", rv == CH_PQC_OK);
    ch_acvp_expect_bool(ctx, tgid, t, "testPassed", rv == CH_PQC_OK);
out:
    free(pk);
    free(msg);
    free(c);
    free(sig);
}

enum mode { MODE_KEYGEN, MODE_SIGGEN, MODE_SIGVER };

int ch_acvp_slhdsa(struct ch_acvp_ctx *ctx, const cJSON *root, cJSON *out_groups)
{
    const char *mode_s = ch_acvp_get_str(root, "mode");
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(root, "testGroups");
    const cJSON *g;
    enum mode mode;

    if (mode_s == NULL || !cJSON_IsArray(groups))
        return -1;
    if (strcmp(mode_s, "keyGen") == 0) {
        mode = MODE_KEYGEN;
    } else if (strcmp(mode_s, "sigGen") == 0) {
        mode = MODE_SIGGEN;
    } else if (strcmp(mode_s, "sigVer") == 0) {
        mode = MODE_SIGVER;
    } else {
        fprintf(stderr, "craton-hsm-acvp: %s: SLH-DSA mode \"%s\" not supported\n", ctx->file,
                mode_s);
        return -1;
    }
    cJSON_ArrayForEach(g, groups) {
        long tgid;
        const cJSON *tests = cJSON_GetObjectItemCaseSensitive(g, "tests");
        const cJSON *t;
        bool deterministic = false;

        if (!ch_acvp_get_int(g, "tgId", &tgid) || !cJSON_IsArray(tests))
            return -1;
        cJSON *og = cJSON_CreateObject();
        cJSON_AddNumberToObject(og, "tgId", (double)tgid);
        cJSON *otests = cJSON_AddArrayToObject(og, "tests");
        cJSON_AddItemToArray(out_groups, og);

        const struct ch_slhdsa_params *p =
            ch_slhdsa_params_by_name(ch_acvp_get_str(g, "parameterSet"));
        enum iface iface = group_iface(g);
        bool known = p != NULL && iface != IF_UNKNOWN;
        if (mode == MODE_SIGGEN && !ch_acvp_get_bool(g, "deterministic", &deterministic))
            known = false;

        cJSON_ArrayForEach(t, tests) {
            long tcid;
            if (!ch_acvp_get_int(t, "tcId", &tcid))
                return -1;
            cJSON *ot = cJSON_CreateObject();
            cJSON_AddNumberToObject(ot, "tcId", (double)tcid);
            cJSON_AddItemToArray(otests, ot);
            if (!known) {
                ch_acvp_skip(ctx, tgid, t, "unknown parameterSet, interface or deterministic");
                continue;
            }
            switch (mode) {
            case MODE_KEYGEN: run_keygen(ctx, tgid, p, t, ot); break;
            case MODE_SIGGEN: run_siggen(ctx, tgid, p, iface, deterministic, g, t, ot); break;
            case MODE_SIGVER: run_sigver(ctx, tgid, p, iface, g, t, ot); break;
            }
        }
    }
    return 0;
}
