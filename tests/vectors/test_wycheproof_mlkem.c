/* SPDX-License-Identifier: Apache-2.0 */
/* Wycheproof ML-KEM runner (tests/vectors): reads one C2SP Wycheproof mlkem_*_test.json file
 * (schemas MLKEMKeyGen, MLKEMTest, MLKEMEncapsTest, MLKEMDecapsValidationTest) and runs each
 * test through src/pqc/mlkem. "valid" must reproduce the outputs exactly; "invalid" must be
 * rejected with an error (no invalid ML-KEM test expects a silent wrong answer). Prints
 * "N passed, N failed" and exits 1 on any failure or if nothing ran, 2 on a bad file. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "vec_json.h"

#include "pqc/mlkem/mlkem.h"

static unsigned long passed, failed;
static const char *file;

static bool same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

static void record(const cJSON *t, bool ok, const char *why)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(t, "tcId");
    if (ok) {
        passed++;
        return;
    }
    failed++;
    fprintf(stderr, "%s: tcId %d: FAIL (%s)\n", file, cJSON_IsNumber(id) ? id->valueint : -1,
            why);
}

/* MLKEMKeyGen: seed = d || z -> ek, dk. */
static bool run_keygen(enum ch_mlkem_param ps, const cJSON *t, bool valid)
{
    uint8_t *seed, *ek, *dk;
    size_t sl, ekl, dkl;
    uint8_t gek[CH_MLKEM_MAX_EK_BYTES], gdk[CH_MLKEM_MAX_DK_BYTES];
    bool ok = false;

    ch_vec_hex(t, "seed", &seed, &sl);
    ch_vec_hex(t, "ek", &ek, &ekl);
    ch_vec_hex(t, "dk", &dk, &dkl);
    if (seed != NULL && sl == CH_MLKEM_SEED_BYTES &&
        ch_mlkem_keypair_from_seed(ps, gek, gdk, seed) == CH_PQC_OK)
        ok = ek != NULL && dk != NULL && same(gek, ch_mlkem_ek_bytes(ps), ek, ekl) &&
             same(gdk, ch_mlkem_dk_bytes(ps), dk, dkl);
    free(seed);
    free(ek);
    free(dk);
    return ok == valid;
}

/* MLKEMTest: keygen from seed (its length is checked like a PKCS#11 CKA_SEED import), compare
 * ek when given, decapsulate c and compare K. */
static bool run_decaps_seed(enum ch_mlkem_param ps, const cJSON *t, bool valid)
{
    uint8_t *seed, *ek, *c, *k;
    size_t sl, ekl, cl, kl;
    uint8_t gek[CH_MLKEM_MAX_EK_BYTES], gdk[CH_MLKEM_MAX_DK_BYTES], gk[CH_MLKEM_SS_BYTES];
    bool ok = false;

    ch_vec_hex(t, "seed", &seed, &sl);
    ch_vec_hex(t, "ek", &ek, &ekl);
    ch_vec_hex(t, "c", &c, &cl);
    ch_vec_hex(t, "K", &k, &kl);
    if (seed == NULL || c == NULL || sl != CH_MLKEM_SEED_BYTES)
        goto out; /* rejected: wrong seed length */
    if (ch_mlkem_keypair_from_seed(ps, gek, gdk, seed) != CH_PQC_OK)
        goto out;
    if (ek != NULL && !same(gek, ch_mlkem_ek_bytes(ps), ek, ekl))
        goto out;
    if (ch_mlkem_decaps(ps, gk, c, cl, gdk, ch_mlkem_dk_bytes(ps)) != CH_PQC_OK)
        goto out;
    ok = k != NULL && same(gk, sizeof gk, k, kl);
out:
    free(seed);
    free(ek);
    free(c);
    free(k);
    return ok == valid;
}

/* MLKEMEncapsTest: ek, m -> c, K; invalid keys (length, ModulusOverflow) must be refused. */
static bool run_encaps(enum ch_mlkem_param ps, const cJSON *t, bool valid)
{
    uint8_t *ek, *m, *c, *k;
    size_t ekl, ml, cl, kl;
    uint8_t gc[CH_MLKEM_MAX_CT_BYTES], gk[CH_MLKEM_SS_BYTES];
    bool ok = false;

    ch_vec_hex(t, "ek", &ek, &ekl);
    ch_vec_hex(t, "m", &m, &ml);
    ch_vec_hex(t, "c", &c, &cl);
    ch_vec_hex(t, "K", &k, &kl);
    if (ek != NULL && m != NULL && ml == 32 &&
        ch_mlkem_encaps_derand(ps, gc, gk, ek, ekl, m) == CH_PQC_OK)
        ok = c != NULL && k != NULL && same(gc, ch_mlkem_ct_bytes(ps), c, cl) &&
             same(gk, sizeof gk, k, kl);
    free(ek);
    free(m);
    free(c);
    free(k);
    return ok == valid;
}

/* MLKEMDecapsValidationTest: an expanded dk with its §7.3 checks, then decapsulation. */
static bool run_decaps_expanded(enum ch_mlkem_param ps, const cJSON *t, bool valid)
{
    uint8_t *dk, *c, *k;
    size_t dkl, cl, kl;
    uint8_t gk[CH_MLKEM_SS_BYTES];
    bool ok = false;

    ch_vec_hex(t, "dk", &dk, &dkl);
    ch_vec_hex(t, "c", &c, &cl);
    ch_vec_hex(t, "K", &k, &kl);
    if (dk != NULL && c != NULL && ch_mlkem_decaps(ps, gk, c, cl, dk, dkl) == CH_PQC_OK)
        ok = k != NULL && same(gk, sizeof gk, k, kl);
    free(dk);
    free(c);
    free(k);
    return ok == valid;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s mlkem_*_test.json\n", argv[0]);
        return 2;
    }
    file = argv[1];
    char *text = ch_vec_read_file(file);
    if (text == NULL) {
        fprintf(stderr, "%s: cannot read\n", file);
        return 2;
    }
    cJSON *root = cJSON_Parse(text);
    free(text);
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(root, "testGroups");
    if (!cJSON_IsArray(groups)) {
        fprintf(stderr, "%s: not a Wycheproof file\n", file);
        cJSON_Delete(root);
        return 2;
    }
    const cJSON *g;
    cJSON_ArrayForEach(g, groups) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(g, "type");
        const cJSON *pset = cJSON_GetObjectItemCaseSensitive(g, "parameterSet");
        const cJSON *tests = cJSON_GetObjectItemCaseSensitive(g, "tests");
        enum ch_mlkem_param ps;
        if (!cJSON_IsString(type) || !cJSON_IsString(pset) || !cJSON_IsArray(tests))
            continue;
        if (strcmp(pset->valuestring, "ML-KEM-512") == 0)
            ps = CH_MLKEM_512;
        else if (strcmp(pset->valuestring, "ML-KEM-768") == 0)
            ps = CH_MLKEM_768;
        else if (strcmp(pset->valuestring, "ML-KEM-1024") == 0)
            ps = CH_MLKEM_1024;
        else
            continue;
        const cJSON *t;
        cJSON_ArrayForEach(t, tests) {
            const cJSON *res = cJSON_GetObjectItemCaseSensitive(t, "result");
            if (!cJSON_IsString(res))
                continue;
            /* No ML-KEM test is "acceptable"; count one as valid if it ever appears. */
            bool valid = strcmp(res->valuestring, "invalid") != 0;
            const char *ty = type->valuestring;
            if (strcmp(ty, "MLKEMKeyGen") == 0)
                record(t, run_keygen(ps, t, valid), "keygen");
            else if (strcmp(ty, "MLKEMTest") == 0)
                record(t, run_decaps_seed(ps, t, valid), valid ? "decaps" : "accepted invalid");
            else if (strcmp(ty, "MLKEMEncapsTest") == 0)
                record(t, run_encaps(ps, t, valid), valid ? "encaps" : "accepted invalid ek");
            else if (strcmp(ty, "MLKEMDecapsValidationTest") == 0)
                record(t, run_decaps_expanded(ps, t, valid),
                       valid ? "decaps" : "accepted invalid dk/c");
        }
    }
    cJSON_Delete(root);
    fprintf(stderr, "%lu passed, %lu failed\n", passed, failed);
    return (failed > 0 || passed == 0) ? 1 : 0;
}
