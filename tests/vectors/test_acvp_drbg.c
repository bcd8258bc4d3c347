/* SPDX-License-Identifier: Apache-2.0 */
/* ACVP HMAC_DRBG (SP 800-90A Rev. 1) runner over the deterministic core of src/fips/fips_drbg.c:
 * every group of hmacDRBG-SP800-90Ar1.json, all hash modes, with and without prediction
 * resistance, following the procedure of the vectors README ("HMAC_DRBG") exactly:
 *   Instantiate(entropy, nonce, perso);
 *   predResistance false: Reseed(otherInput[0]) then Generate(add) for each "generate" entry;
 *   predResistance true: for each entry Reseed(entry.entropy, entry.add), Generate(no add);
 *   compare the last output with returnedBits.
 * Also checks that a flipped output byte is detected (the runner can fail). Argument: the file. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "vec_json.h"

#include "crypto/crypto.h"
#include "fips/fips.h"

static unsigned long n_pass, n_fail;

static enum ch_hash hash_of(const char *mode)
{
    static const struct {
        const char *name;
        enum ch_hash h;
    } map[] = {
        {"SHA-1", CH_HASH_SHA1},          {"SHA2-224", CH_HASH_SHA224},
        {"SHA2-256", CH_HASH_SHA256},     {"SHA2-384", CH_HASH_SHA384},
        {"SHA2-512", CH_HASH_SHA512},     {"SHA2-512/224", CH_HASH_SHA512_224},
        {"SHA2-512/256", CH_HASH_SHA512_256}, {"SHA3-224", CH_HASH_SHA3_224},
        {"SHA3-256", CH_HASH_SHA3_256},   {"SHA3-384", CH_HASH_SHA3_384},
        {"SHA3-512", CH_HASH_SHA3_512},
    };
    for (size_t i = 0; mode != NULL && i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i].name, mode) == 0)
            return map[i].h;
    return CH_HASH_NONE;
}

/* One test case; returns true if the last output matches. */
static bool run_test(enum ch_hash h, bool pr, size_t out_len, const cJSON *t)
{
    struct ch_hmac_drbg d = {0};
    size_t el, nl, pl, wl;
    uint8_t *e = ch_vec_unhex(ch_vec_str(t, "entropyInput"), &el);
    uint8_t *n = ch_vec_unhex(ch_vec_str(t, "nonce"), &nl);
    uint8_t *p = ch_vec_unhex(ch_vec_str(t, "persoString"), &pl);
    uint8_t *want = ch_vec_unhex(ch_vec_str(t, "returnedBits"), &wl);
    uint8_t *out = malloc(out_len);
    const cJSON *oi = cJSON_GetObjectItemCaseSensitive(t, "otherInput");
    const cJSON *x;
    bool ok = e != NULL && n != NULL && p != NULL && want != NULL && out != NULL &&
              wl == out_len && cJSON_IsArray(oi);
    int generates = 0;

    ok = ok && ch_hmac_drbg_instantiate(&d, h, e, el, n, nl, p, pl) == CKR_OK;
    cJSON_ArrayForEach(x, oi)
    {
        const char *use = ch_vec_str(x, "intendedUse");
        size_t al, xl;
        uint8_t *add = ch_vec_unhex(ch_vec_str(x, "additionalInput"), &al);
        uint8_t *xe = ch_vec_unhex(ch_vec_str(x, "entropyInput"), &xl);

        if (!ok || add == NULL || xe == NULL || use == NULL) {
            ok = false;
        } else if (pr) {
            /* SP 800-90A §9.3.1 step 7: with prediction resistance the additional input goes
             * to the reseed, and Generate gets none. */
            ok = strcmp(use, "generate") == 0 &&
                 ch_hmac_drbg_reseed(&d, xe, xl, add, al) == CKR_OK &&
                 ch_hmac_drbg_generate(&d, out, out_len, NULL, 0) == CKR_OK;
            generates++;
        } else if (strcmp(use, "reSeed") == 0) {
            ok = ch_hmac_drbg_reseed(&d, xe, xl, add, al) == CKR_OK;
        } else if (strcmp(use, "generate") == 0) {
            ok = ch_hmac_drbg_generate(&d, out, out_len, add, al) == CKR_OK;
            generates++;
        } else {
            ok = false;
        }
        free(add);
        free(xe);
    }
    ok = ok && generates == 2 && memcmp(out, want, out_len) == 0;
    if (ok) {
        /* The comparison itself must be able to fail. */
        out[out_len - 1] ^= 1;
        ok = memcmp(out, want, out_len) != 0;
    }
    ch_hmac_drbg_clear(&d);
    free(e);
    free(n);
    free(p);
    free(want);
    free(out);
    return ok;
}

int main(int argc, char **argv)
{
    char *text;
    cJSON *root;
    const cJSON *g;
    unsigned groups = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: %s hmacDRBG-SP800-90Ar1.json\n", argv[0]);
        return 2;
    }
    if (ch_crypto_init() != CKR_OK)
        return 1;
    text = ch_vec_read_file(argv[1]);
    root = text != NULL ? cJSON_Parse(text) : NULL;
    if (root == NULL) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(root, "testGroups"))
    {
        const cJSON *pr = cJSON_GetObjectItemCaseSensitive(g, "predResistance");
        const cJSON *bits = cJSON_GetObjectItemCaseSensitive(g, "returnedBitsLen");
        const cJSON *df = cJSON_GetObjectItemCaseSensitive(g, "derFunc");
        enum ch_hash h = hash_of(ch_vec_str(g, "mode"));
        const cJSON *t;

        groups++;
        if (h == CH_HASH_NONE || !cJSON_IsBool(pr) || !cJSON_IsNumber(bits) ||
            (int)bits->valuedouble % 8 != 0 || cJSON_IsTrue(df)) {
            fprintf(stderr, "FAIL group %d: unsupported parameters\n",
                    (int)cJSON_GetObjectItemCaseSensitive(g, "tgId")->valuedouble);
            n_fail++;
            continue;
        }
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(g, "tests"))
        {
            if (run_test(h, cJSON_IsTrue(pr), (size_t)bits->valuedouble / 8, t)) {
                n_pass++;
            } else {
                n_fail++;
                fprintf(stderr, "FAIL %s tcId %d\n", ch_vec_str(g, "mode"),
                        (int)cJSON_GetObjectItemCaseSensitive(t, "tcId")->valuedouble);
            }
        }
    }
    cJSON_Delete(root);
    free(text);
    ch_crypto_fini();
    printf("%u groups: %lu passed, %lu failed\n", groups, n_pass, n_fail);
    return n_fail == 0 && n_pass > 0 ? 0 : 1;
}
