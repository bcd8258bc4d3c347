/* SPDX-License-Identifier: Apache-2.0 */
/* ACVP handler for ML-KEM (FIPS 203): keyGen (AFT, KeyGen_internal), encapDecap with the
 * functions encapsulation (AFT, Encaps_internal), decapsulation (VAL, Decaps incl. implicit
 * rejection), encapsulationKeyCheck (§7.2) and decapsulationKeyCheck (§7.3); revision
 * FIPS203-tr1 adds keyFormat "seed" (dk re-derived from d, z). Calls src/pqc/mlkem directly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acvp.h"
#include "pqc/mlkem/mlkem.h"

static bool param_set(const char *name, enum ch_mlkem_param *ps)
{
    if (name == NULL)
        return false;
    if (strcmp(name, "ML-KEM-512") == 0)
        *ps = CH_MLKEM_512;
    else if (strcmp(name, "ML-KEM-768") == 0)
        *ps = CH_MLKEM_768;
    else if (strcmp(name, "ML-KEM-1024") == 0)
        *ps = CH_MLKEM_1024;
    else
        return false;
    return true;
}

/* A test with several expected fields counts once: its fields are checked into a scratch
 * tally which is then folded into one pass, fail or skip. */
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

static void run_keygen(struct ch_acvp_ctx *ctx, long tgid, enum ch_mlkem_param ps,
                       const cJSON *t, cJSON *out)
{
    uint8_t *d = NULL, *z = NULL;
    size_t dl, zl;
    uint8_t ek[CH_MLKEM_MAX_EK_BYTES], dk[CH_MLKEM_MAX_DK_BYTES];

    if (!ch_acvp_get_hex(t, "d", &d, &dl) || !ch_acvp_get_hex(t, "z", &z, &zl) || dl != 32 ||
        zl != 32) {
        ch_acvp_skip(ctx, tgid, t, "bad or missing d/z");
        goto out;
    }
    if (ch_mlkem_keypair_derand(ps, ek, dk, d, z) != CH_PQC_OK) {
        ch_acvp_expect_hex(ctx, tgid, t, "ek", NULL, 0);
        goto out;
    }
    ch_acvp_put_hex(out, "ek", ek, ch_mlkem_ek_bytes(ps));
    ch_acvp_put_hex(out, "dk", dk, ch_mlkem_dk_bytes(ps));
    struct ch_acvp_ctx s = scratch_of(ctx);
    ch_acvp_expect_hex(&s, tgid, t, "ek", ek, ch_mlkem_ek_bytes(ps));
    ch_acvp_expect_hex(&s, tgid, t, "dk", dk, ch_mlkem_dk_bytes(ps));
    fold(ctx, &s);
out:
    free(d);
    free(z);
}

static void run_encaps(struct ch_acvp_ctx *ctx, long tgid, enum ch_mlkem_param ps,
                       const cJSON *t, cJSON *out)
{
    uint8_t *ek = NULL, *m = NULL;
    size_t ekl, ml;
    uint8_t c[CH_MLKEM_MAX_CT_BYTES], k[CH_MLKEM_SS_BYTES];

    if (!ch_acvp_get_hex(t, "ek", &ek, &ekl) || !ch_acvp_get_hex(t, "m", &m, &ml) || ml != 32) {
        ch_acvp_skip(ctx, tgid, t, "bad or missing ek/m");
        goto out;
    }
    struct ch_acvp_ctx s = scratch_of(ctx);
    if (ch_mlkem_encaps_derand(ps, c, k, ek, ekl, m) != CH_PQC_OK) {
        ch_acvp_expect_hex(&s, tgid, t, "c", NULL, 0);
    } else {
        ch_acvp_put_hex(out, "c", c, ch_mlkem_ct_bytes(ps));
        ch_acvp_put_hex(out, "k", k, sizeof k);
        ch_acvp_expect_hex(&s, tgid, t, "c", c, ch_mlkem_ct_bytes(ps));
        ch_acvp_expect_hex(&s, tgid, t, "k", k, sizeof k);
    }
    fold(ctx, &s);
out:
    free(ek);
    free(m);
}

/* keyFormat "seed" (FIPS203-tr1): the token keeps only d || z, so dk is re-derived first. */
static void run_decaps(struct ch_acvp_ctx *ctx, long tgid, enum ch_mlkem_param ps,
                       const char *key_format, const cJSON *t, cJSON *out)
{
    uint8_t *dk = NULL, *c = NULL, *d = NULL, *z = NULL;
    size_t dkl = 0, cl, dl, zl;
    uint8_t k[CH_MLKEM_SS_BYTES];
    uint8_t ek_seed[CH_MLKEM_MAX_EK_BYTES], dk_seed[CH_MLKEM_MAX_DK_BYTES];
    const uint8_t *use_dk;
    size_t use_dkl;

    if (!ch_acvp_get_hex(t, "c", &c, &cl)) {
        ch_acvp_skip(ctx, tgid, t, "missing c");
        goto out;
    }
    if (key_format != NULL && strcmp(key_format, "seed") == 0) {
        if (!ch_acvp_get_hex(t, "d", &d, &dl) || !ch_acvp_get_hex(t, "z", &z, &zl) ||
            dl != 32 || zl != 32 || ch_mlkem_keypair_derand(ps, ek_seed, dk_seed, d, z) != 0) {
            ch_acvp_skip(ctx, tgid, t, "bad or missing d/z for keyFormat seed");
            goto out;
        }
        use_dk = dk_seed;
        use_dkl = ch_mlkem_dk_bytes(ps);
    } else {
        if (!ch_acvp_get_hex(t, "dk", &dk, &dkl)) {
            ch_acvp_skip(ctx, tgid, t, "missing dk");
            goto out;
        }
        use_dk = dk;
        use_dkl = dkl;
    }
    if (ch_mlkem_decaps(ps, k, c, cl, use_dk, use_dkl) != CH_PQC_OK) {
        ch_acvp_expect_hex(ctx, tgid, t, "k", NULL, 0);
        goto out;
    }
    ch_acvp_put_hex(out, "k", k, sizeof k);
    ch_acvp_expect_hex(ctx, tgid, t, "k", k, sizeof k);
out:
    free(dk);
    free(c);
    free(d);
    free(z);
}

static void run_key_check(struct ch_acvp_ctx *ctx, long tgid, enum ch_mlkem_param ps,
                          bool is_ek, const cJSON *t, cJSON *out)
{
    uint8_t *key = NULL;
    size_t len;

    if (!ch_acvp_get_hex(t, is_ek ? "ek" : "dk", &key, &len)) {
        ch_acvp_skip(ctx, tgid, t, is_ek ? "missing ek" : "missing dk");
        return;
    }
    int rv = is_ek ? ch_mlkem_check_ek(ps, key, len) : ch_mlkem_check_dk(ps, key, len);
    cJSON_AddBoolToObject(out, "testPassed", rv == CH_PQC_OK);
    ch_acvp_expect_bool(ctx, tgid, t, "testPassed", rv == CH_PQC_OK);
    free(key);
}

enum fn { FN_KEYGEN, FN_ENCAPS, FN_DECAPS, FN_EK_CHECK, FN_DK_CHECK };

static bool group_function(const char *mode, const cJSON *g, enum fn *fn)
{
    const char *f = ch_acvp_get_str(g, "function");

    if (mode != NULL && strcmp(mode, "keyGen") == 0) {
        *fn = FN_KEYGEN;
        return true;
    }
    if (f == NULL)
        return false;
    if (strcmp(f, "encapsulation") == 0)
        *fn = FN_ENCAPS;
    else if (strcmp(f, "decapsulation") == 0)
        *fn = FN_DECAPS;
    else if (strcmp(f, "encapsulationKeyCheck") == 0)
        *fn = FN_EK_CHECK;
    else if (strcmp(f, "decapsulationKeyCheck") == 0)
        *fn = FN_DK_CHECK;
    else
        return false;
    return true;
}

int ch_acvp_mlkem(struct ch_acvp_ctx *ctx, const cJSON *root, cJSON *out_groups)
{
    const char *mode = ch_acvp_get_str(root, "mode");
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(root, "testGroups");
    const cJSON *g;

    if (mode == NULL || !cJSON_IsArray(groups))
        return -1;
    if (strcmp(mode, "keyGen") != 0 && strcmp(mode, "encapDecap") != 0) {
        fprintf(stderr, "craton-hsm-acvp: %s: ML-KEM mode \"%s\" not supported\n", ctx->file,
                mode);
        return -1;
    }
    cJSON_ArrayForEach(g, groups) {
        long tgid;
        enum ch_mlkem_param ps = CH_MLKEM_768;
        enum fn fn = FN_KEYGEN;
        const cJSON *tests = cJSON_GetObjectItemCaseSensitive(g, "tests");
        const cJSON *t;

        if (!ch_acvp_get_int(g, "tgId", &tgid) || !cJSON_IsArray(tests))
            return -1;
        cJSON *og = cJSON_CreateObject();
        cJSON_AddNumberToObject(og, "tgId", (double)tgid);
        cJSON *otests = cJSON_AddArrayToObject(og, "tests");
        cJSON_AddItemToArray(out_groups, og);
        bool known = param_set(ch_acvp_get_str(g, "parameterSet"), &ps) &&
                     group_function(mode, g, &fn);
        const char *key_format = ch_acvp_get_str(g, "keyFormat");

        cJSON_ArrayForEach(t, tests) {
            long tcid;
            if (!ch_acvp_get_int(t, "tcId", &tcid))
                return -1;
            cJSON *ot = cJSON_CreateObject();
            cJSON_AddNumberToObject(ot, "tcId", (double)tcid);
            cJSON_AddItemToArray(otests, ot);
            if (!known) {
                ch_acvp_skip(ctx, tgid, t, "unknown parameterSet or function");
                continue;
            }
            switch (fn) {
            case FN_KEYGEN: run_keygen(ctx, tgid, ps, t, ot); break;
            case FN_ENCAPS: run_encaps(ctx, tgid, ps, t, ot); break;
            case FN_DECAPS: run_decaps(ctx, tgid, ps, key_format, t, ot); break;
            case FN_EK_CHECK: run_key_check(ctx, tgid, ps, true, t, ot); break;
            case FN_DK_CHECK: run_key_check(ctx, tgid, ps, false, t, ot); break;
            }
        }
    }
    return 0;
}
