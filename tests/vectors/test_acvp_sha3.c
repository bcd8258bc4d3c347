/* SPDX-License-Identifier: Apache-2.0 */
/* ACVP SHA3-256 / SHA3-512 vectors against src/pqc/common/fips202.c (the Keccak ML-KEM and
 * ML-DSA use; the PKCS#11 digests go through src/crypto and have their own runner). AFT with
 * byte-aligned lengths and the "standard" MCT (md = seed; 100 x {1000 x md = H(md); record});
 * bit-oriented AFT messages and the multi-GiB LDT are skipped. Prints "N passed, N failed,
 * N skipped"; exit 1 on a failure or if nothing passed, 2 on a bad file. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "vec_json.h"

#include "pqc/common/fips202.h"

static unsigned long passed, failed, skipped;

static size_t mdlen;

static void hash(uint8_t *out, const uint8_t *in, size_t len)
{
    if (mdlen == 32)
        ch_sha3_256(out, in, len);
    else
        ch_sha3_512(out, in, len);
}

static void check(int tcid, const uint8_t *got, const uint8_t *want, size_t wlen)
{
    if (want != NULL && wlen == mdlen && memcmp(got, want, mdlen) == 0) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "tcId %d: FAIL\n", tcid);
    }
}

static void run_aft(const cJSON *t, int tcid)
{
    const cJSON *len = cJSON_GetObjectItemCaseSensitive(t, "len");
    size_t ml = 0, wl = 0;
    uint8_t md[64];

    if (!cJSON_IsNumber(len) || (long)len->valuedouble % 8 != 0) {
        skipped++; /* bit-oriented message */
        return;
    }
    uint8_t *msg = ch_vec_unhex(ch_vec_str(t, "msg"), &ml);
    uint8_t *want = ch_vec_unhex(ch_vec_str(t, "md"), &wl);
    if (msg == NULL || ml * 8 < (size_t)len->valuedouble) {
        failed++;
        fprintf(stderr, "tcId %d: bad msg\n", tcid);
    } else {
        hash(md, msg, (size_t)len->valuedouble / 8);
        check(tcid, md, want, wl);
    }
    free(msg);
    free(want);
}

static void run_mct(const cJSON *t, int tcid)
{
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(t, "resultsArray");
    size_t sl = 0;
    uint8_t *seed = ch_vec_unhex(ch_vec_str(t, "msg"), &sl);
    uint8_t md[64];

    if (seed == NULL || sl != mdlen || !cJSON_IsArray(results)) {
        free(seed);
        skipped++;
        return;
    }
    memcpy(md, seed, mdlen);
    const cJSON *r;
    bool ok = true;
    int j = 0;
    cJSON_ArrayForEach(r, results) {
        for (int i = 0; i < 1000; i++)
            hash(md, md, mdlen); /* the sponge absorbs all input before writing out */
        size_t wl = 0;
        uint8_t *want = ch_vec_unhex(ch_vec_str(r, "md"), &wl);
        if (want == NULL || wl != mdlen || memcmp(md, want, mdlen) != 0) {
            fprintf(stderr, "tcId %d: MCT iteration %d differs\n", tcid, j);
            ok = false;
        }
        free(want);
        j++;
    }
    if (ok && j > 0)
        passed++;
    else
        failed++;
    free(seed);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s SHA3-256-2.0.json|SHA3-512-2.0.json\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 2;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *text = n > 0 ? malloc((size_t)n + 1) : NULL;
    if (text == NULL || fread(text, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(text);
        return 2;
    }
    fclose(f);
    text[n] = '\0';
    cJSON *root = cJSON_Parse(text);
    free(text);
    const cJSON *alg = cJSON_GetObjectItemCaseSensitive(root, "algorithm");
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(root, "testGroups");
    if (!cJSON_IsString(alg) || !cJSON_IsArray(groups)) {
        fprintf(stderr, "%s: not an ACVP SHA-3 file\n", argv[1]);
        cJSON_Delete(root);
        return 2;
    }
    if (strcmp(alg->valuestring, "SHA3-256") == 0) {
        mdlen = 32;
    } else if (strcmp(alg->valuestring, "SHA3-512") == 0) {
        mdlen = 64;
    } else {
        fprintf(stderr, "%s: %s is not provided by fips202.c\n", argv[1], alg->valuestring);
        cJSON_Delete(root);
        return 77;
    }
    const cJSON *g;
    cJSON_ArrayForEach(g, groups) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(g, "testType");
        const cJSON *tests = cJSON_GetObjectItemCaseSensitive(g, "tests");
        const cJSON *t;
        cJSON_ArrayForEach(t, tests) {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(t, "tcId");
            int tcid = cJSON_IsNumber(id) ? id->valueint : -1;
            if (cJSON_IsString(type) && strcmp(type->valuestring, "AFT") == 0)
                run_aft(t, tcid);
            else if (cJSON_IsString(type) && strcmp(type->valuestring, "MCT") == 0)
                run_mct(t, tcid);
            else
                skipped++; /* LDT: 1-8 GiB messages, too slow for the normal suite */
        }
    }
    cJSON_Delete(root);
    fprintf(stderr, "%lu passed, %lu failed, %lu skipped\n", passed, failed, skipped);
    return (failed > 0 || passed == 0) ? 1 : 0;
}
