/* SPDX-License-Identifier: Apache-2.0 */
/* ACVP SHA-2 / SHA-3 runner over src/crypto (ch_crypto_hash / ch_crypto_digest_*): AFT
 * (byte-aligned messages only; bit-oriented ones are skipped, PKCS#11 is byte oriented) and
 * MCT ("standard" and SHA-2 "alternate" as the vectors README describes); LDT is skipped (1-8
 * GiB messages). Arguments: one or more ACVP JSON files. Exit status 0 only if at least one
 * test ran and none failed. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "vec_json.h"

#include "crypto/crypto.h"

#define MCT_MAX_SEED 4096 /* bytes; the shared files use at most 436 */

static unsigned long n_pass, n_fail, n_skip;

static long num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (cJSON_IsNumber(v))
        return (long)v->valuedouble;
    if (cJSON_IsString(v))
        return strtol(v->valuestring, NULL, 10);
    return -1;
}

static enum ch_hash hash_of(const char *alg)
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
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i].name, alg) == 0)
            return map[i].h;
    return CH_HASH_NONE;
}

static void verdict(bool ok, const char *file, long tc, const char *what)
{
    if (ok) {
        n_pass++;
    } else {
        n_fail++;
        fprintf(stderr, "FAIL %s tcId %ld: %s\n", file, tc, what);
    }
}

static bool check_md(const uint8_t *got, size_t n, const char *hex)
{
    size_t len = 0;
    uint8_t *want = ch_vec_unhex(hex, &len);
    bool ok = want != NULL && len == n && memcmp(got, want, n) == 0;
    free(want);
    return ok;
}

/* Multi-part through the streaming interface: the message in three uneven pieces. */
static CK_RV hash_parts(enum ch_hash h, const uint8_t *m, size_t n, uint8_t *out)
{
    struct ch_digest *d = NULL;
    CK_RV rv;
    size_t a = n / 3;
    size_t b = n / 2;

    rv = ch_crypto_digest_new(h, &d);
    if (rv == CKR_OK)
        rv = ch_crypto_digest_update(d, m, a);
    if (rv == CKR_OK)
        rv = ch_crypto_digest_update(d, m + a, b - a);
    if (rv == CKR_OK)
        rv = ch_crypto_digest_update(d, m + b, n - b);
    if (rv == CKR_OK)
        rv = ch_crypto_digest_final(d, out);
    ch_crypto_digest_free(d);
    return rv;
}

static void run_aft(const char *file, enum ch_hash h, const cJSON *t)
{
    long tc = num(t, "tcId");
    long bits = num(t, "len");
    const char *msg_hex = ch_vec_str(t, "msg");
    const char *md_hex = ch_vec_str(t, "md");
    uint8_t md[CH_HASH_MAX_LEN];
    uint8_t *msg;
    size_t n = 0;
    size_t dl = ch_crypto_hash_len(h);

    if (bits < 0 || msg_hex == NULL || md_hex == NULL) {
        verdict(false, file, tc, "malformed test");
        return;
    }
    if (bits % 8 != 0) {
        n_skip++;
        return;
    }
    msg = ch_vec_unhex(msg_hex, &n);
    if (msg == NULL || (bits == 0 ? 0 : (size_t)bits / 8) > n) {
        free(msg);
        verdict(false, file, tc, "bad msg hex");
        return;
    }
    n = (size_t)bits / 8;
    verdict(ch_crypto_hash(h, msg, n, md) == CKR_OK && check_md(md, dl, md_hex), file, tc,
            "one-shot digest");
    verdict(hash_parts(h, msg, n, md) == CKR_OK && check_md(md, dl, md_hex), file, tc,
            "multi-part digest");
    free(msg);
}

/* ACVP SHA-2 MCT (standard and alternate) and SHA-3 MCT (standard). */
static void run_mct(const char *file, enum ch_hash h, bool sha3, bool alternate, const cJSON *t)
{
    static uint8_t abc[3 * MCT_MAX_SEED];
    uint8_t a[MCT_MAX_SEED];
    uint8_t b[MCT_MAX_SEED];
    uint8_t c[MCT_MAX_SEED];
    long tc = num(t, "tcId");
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(t, "resultsArray");
    size_t dl = ch_crypto_hash_len(h);
    size_t seed_len = 0;
    uint8_t *seed = ch_vec_unhex(ch_vec_str(t, "msg") != NULL ? ch_vec_str(t, "msg") : "", &seed_len);
    size_t la, lb, lc;
    int j = 0;
    bool ok = true;

    if (seed == NULL || seed_len > MCT_MAX_SEED || !cJSON_IsArray(results) ||
        (!alternate && seed_len != dl)) {
        free(seed);
        verdict(false, file, tc, "malformed MCT");
        return;
    }
    memcpy(c, seed, seed_len);
    lc = seed_len;
    const cJSON *r;
    cJSON_ArrayForEach(r, results)
    {
        if (!ok)
            break;
        if (sha3) {
            for (int i = 0; i < 1000 && ok; i++) {
                ok = ch_crypto_hash(h, c, lc, abc) == CKR_OK;
                memcpy(c, abc, dl);
                lc = dl;
            }
        } else {
            memcpy(a, c, lc);
            memcpy(b, c, lc);
            la = lb = lc;
            for (int i = 0; i < 1000 && ok; i++) {
                size_t m = la + lb + lc;
                memcpy(abc, a, la);
                memcpy(abc + la, b, lb);
                memcpy(abc + la + lb, c, lc);
                if (alternate) { /* truncate or zero-pad to the initial seed length */
                    if (m < seed_len)
                        memset(abc + m, 0, seed_len - m);
                    m = seed_len;
                }
                memcpy(a, b, lb);
                la = lb;
                memcpy(b, c, lc);
                lb = lc;
                ok = ch_crypto_hash(h, abc, m, c) == CKR_OK;
                lc = dl;
            }
        }
        ok = ok && check_md(c, dl, ch_vec_str(r, "md") != NULL ? ch_vec_str(r, "md") : "");
        j++;
    }
    verdict(ok && j == 100, file, tc, "Monte Carlo");
    free(seed);
}

static void run_file(const char *path)
{
    char *text = ch_vec_read_file(path);
    cJSON *root = text != NULL ? cJSON_Parse(text) : NULL;
    const char *alg = root != NULL ? ch_vec_str(root, "algorithm") : NULL;
    enum ch_hash h = alg != NULL ? hash_of(alg) : CH_HASH_NONE;
    const cJSON *g;

    if (h == CH_HASH_NONE) {
        fprintf(stderr, "FAIL %s: unreadable or unknown algorithm\n", path);
        n_fail++;
        goto out;
    }
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(root, "testGroups"))
    {
        const char *type = ch_vec_str(g, "testType");
        const char *ver = ch_vec_str(g, "mctVersion");
        const cJSON *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(g, "tests"))
        {
            if (type != NULL && strcmp(type, "AFT") == 0)
                run_aft(path, h, t);
            else if (type != NULL && strcmp(type, "MCT") == 0)
                run_mct(path, h, strncmp(alg, "SHA3", 4) == 0,
                        ver != NULL && strcmp(ver, "alternate") == 0, t);
            else
                n_skip++; /* LDT */
        }
    }
out:
    cJSON_Delete(root);
    free(text);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s ACVP.json...\n", argv[0]);
        return 2;
    }
    if (ch_crypto_init() != CKR_OK) {
        fprintf(stderr, "ch_crypto_init failed\n");
        return 1;
    }
    for (int i = 1; i < argc; i++)
        run_file(argv[i]);
    ch_crypto_fini();
    printf("%lu passed, %lu failed, %lu skipped\n", n_pass, n_fail, n_skip);
    return n_fail == 0 && n_pass > 0 ? 0 : 1;
}
