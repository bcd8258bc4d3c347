/* SPDX-License-Identifier: Apache-2.0 */
/* Wycheproof ML-DSA runner (tests/vectors): reads one C2SP Wycheproof mldsa_*_test.json file
 * (schemas MlDsaSign with privateSeed or privateKey, MlDsaVerify) and runs each test through
 * src/pqc/mldsa. Signing: a "valid" test must reproduce `sig` byte for byte (rnd = 32 zero
 * bytes when absent), its `mu` must match ch_mldsa_mu, and the signature must verify; an
 * "invalid" test must be refused. Verification: "valid" must verify, "invalid" must not.
 * Prints "N passed, N failed"; exits 1 on any failure or if nothing ran, 2 on a bad file. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "vec_json.h"

#include "pqc/mldsa/mldsa.h"

static unsigned long passed, failed;
static const char *file;

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

static bool set_from_name(const char *alg, enum ch_mldsa_set *set)
{
    if (alg == NULL)
        return false;
    if (strstr(alg, "44") != NULL)
        *set = CH_MLDSA_44;
    else if (strstr(alg, "65") != NULL)
        *set = CH_MLDSA_65;
    else if (strstr(alg, "87") != NULL)
        *set = CH_MLDSA_87;
    else
        return false;
    return true;
}

struct test_in {
    uint8_t *msg, *ctx, *mu, *rnd, *sig;
    size_t msg_len, ctx_len, mu_len, rnd_len, sig_len;
    bool has_msg, has_mu;
};

static void read_test(const cJSON *t, struct test_in *in)
{
    in->has_msg = ch_vec_hex(t, "msg", &in->msg, &in->msg_len);
    in->has_mu = ch_vec_hex(t, "mu", &in->mu, &in->mu_len);
    (void)ch_vec_hex(t, "ctx", &in->ctx, &in->ctx_len); /* absent = empty */
    (void)ch_vec_hex(t, "rnd", &in->rnd, &in->rnd_len);
    (void)ch_vec_hex(t, "sig", &in->sig, &in->sig_len);
}

static void free_test(struct test_in *in)
{
    free(in->msg);
    free(in->ctx);
    free(in->mu);
    free(in->rnd);
    free(in->sig);
}

/* MlDsaSign. key is xi (seed groups) or the expanded sk; pk is the group's public key. */
static void run_sign(enum ch_mldsa_set set, const uint8_t *key, size_t key_len,
                     const uint8_t *pk, size_t pk_len, const cJSON *t)
{
    static const uint8_t zero[CH_MLDSA_RND_BYTES];
    struct test_in in = {0};
    uint8_t sig[CH_MLDSA_SIG_MAX_BYTES], mu[CH_MLDSA_MU_BYTES];
    const char *res = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "result"));
    bool valid = res != NULL && strcmp(res, "valid") == 0;
    const uint8_t *rnd = zero;
    int rv;

    read_test(t, &in);
    if (in.rnd != NULL) {
        if (in.rnd_len != CH_MLDSA_RND_BYTES) {
            record(t, false, "bad rnd");
            goto out;
        }
        rnd = in.rnd;
    }
    if (in.has_msg)
        rv = ch_mldsa_sign_derand(set, sig, in.msg, in.msg_len, in.ctx, in.ctx_len, rnd, key,
                                  key_len);
    else if (in.has_mu && in.mu_len == CH_MLDSA_MU_BYTES)
        rv = ch_mldsa_sign_mu_derand(set, sig, in.mu, rnd, key, key_len);
    else {
        record(t, false, "neither msg nor a 64-byte mu");
        goto out;
    }
    if (!valid) {
        record(t, rv != CH_PQC_OK, "invalid test was signed");
        goto out;
    }
    if (rv != CH_PQC_OK) {
        record(t, false, "signing failed");
        goto out;
    }
    if (in.sig_len != ch_mldsa_sig_bytes(set) || memcmp(sig, in.sig, in.sig_len) != 0) {
        record(t, false, "signature differs");
        goto out;
    }
    if (in.has_msg && in.has_mu &&
        (ch_mldsa_mu(set, mu, in.msg, in.msg_len, in.ctx, in.ctx_len, pk, pk_len) != CH_PQC_OK ||
         in.mu_len != sizeof mu || memcmp(mu, in.mu, sizeof mu) != 0)) {
        record(t, false, "mu differs");
        goto out;
    }
    if (in.has_msg)
        rv = ch_mldsa_verify(set, sig, in.sig_len, in.msg, in.msg_len, in.ctx, in.ctx_len, pk,
                             pk_len);
    else
        rv = ch_mldsa_verify_mu(set, sig, in.sig_len, in.mu, pk, pk_len);
    record(t, rv == CH_PQC_OK, "own signature does not verify");
out:
    free_test(&in);
}

/* MlDsaVerify. */
static void run_verify(enum ch_mldsa_set set, const uint8_t *pk, size_t pk_len, const cJSON *t)
{
    struct test_in in = {0};
    const char *res = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "result"));
    bool valid = res != NULL && strcmp(res, "valid") == 0;

    read_test(t, &in);
    if (!in.has_msg || in.sig == NULL) {
        record(t, false, "missing msg or sig");
        goto out;
    }
    int rv = ch_mldsa_verify(set, in.sig, in.sig_len, in.msg, in.msg_len, in.ctx, in.ctx_len, pk,
                             pk_len);
    record(t, (rv == CH_PQC_OK) == valid, valid ? "valid signature refused"
                                                 : "invalid signature accepted");
out:
    free_test(&in);
}

/* One group: the key material, then every test. */
static void run_group(enum ch_mldsa_set set, const cJSON *g)
{
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g, "type"));
    const cJSON *tests = cJSON_GetObjectItemCaseSensitive(g, "tests");
    const cJSON *t;
    uint8_t *pk = NULL, *key = NULL;
    size_t pk_len = 0, key_len = 0;
    bool seed = false;

    (void)ch_vec_hex(g, "publicKey", &pk, &pk_len);
    if (type != NULL && strcmp(type, "MlDsaSign") == 0) {
        seed = ch_vec_hex(g, "privateSeed", &key, &key_len);
        if (!seed)
            (void)ch_vec_hex(g, "privateKey", &key, &key_len);
        /* A seed group's public key must be what KeyGen_internal derives from xi. */
        if (seed && key_len == CH_MLDSA_SEED_BYTES) {
            uint8_t gpk[CH_MLDSA_PK_MAX_BYTES], gsk[CH_MLDSA_SK_MAX_BYTES];
            bool ok = ch_mldsa_keypair_derand(set, gpk, gsk, key) == CH_PQC_OK &&
                      pk_len == ch_mldsa_pk_bytes(set) && memcmp(gpk, pk, pk_len) == 0;
            record(g, ok, "keygen from privateSeed does not give publicKey");
        }
    }
    cJSON_ArrayForEach(t, tests) {
        if (type != NULL && strcmp(type, "MlDsaSign") == 0)
            run_sign(set, key, key_len, pk, pk_len, t);
        else if (type != NULL && strcmp(type, "MlDsaVerify") == 0)
            run_verify(set, pk, pk_len, t);
        else
            record(t, false, "unknown group type");
    }
    free(pk);
    free(key);
}

int main(int argc, char **argv)
{
    enum ch_mldsa_set set;
    const cJSON *g;

    if (argc != 2) {
        fprintf(stderr, "usage: %s mldsa_<set>_<kind>_test.json\n", argv[0]);
        return 2;
    }
    file = argv[1];
    char *text = ch_vec_read_file(file);
    cJSON *root = text != NULL ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(root, "testGroups");
    if (root == NULL || !cJSON_IsArray(groups) ||
        !set_from_name(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "algorithm")),
                       &set)) {
        fprintf(stderr, "%s: not a Wycheproof ML-DSA file\n", file);
        cJSON_Delete(root);
        return 2;
    }
    cJSON_ArrayForEach(g, groups)
        run_group(set, g);
    cJSON_Delete(root);
    printf("%lu passed, %lu failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
