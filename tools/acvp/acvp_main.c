/* SPDX-License-Identifier: Apache-2.0 */
/* craton-hsm-acvp driver: reads one ACVP vector file (internalProjection shape, or the
 * [{"acvVersion"}, {...}] prompt shape), dispatches on "algorithm" to the handler of
 * acvp.h, prints the response JSON to stdout and, with --check, the tally to stderr. A test
 * tool: it may use OpenSSL and malloc freely; it never touches a token. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acvp.h"

#define ACVP_MAX_FILE (512ul * 1024 * 1024)

struct handler_entry {
    const char *algorithm;
    ch_acvp_handler fn;
};

static const struct handler_entry handlers[] = {
    {"ML-KEM", ch_acvp_mlkem},
#ifdef CH_ACVP_HAVE_MLDSA
    {"ML-DSA", ch_acvp_mldsa},
#endif
#ifdef CH_ACVP_HAVE_SLHDSA
    {"SLH-DSA", ch_acvp_slhdsa},
#endif
};

static void usage(FILE *f)
{
    fputs("usage: craton-hsm-acvp [--check] [--verbose] FILE\n"
          "Run every test of an ACVP vector FILE (ML-KEM, ML-DSA or SLH-DSA) against the\n"
          "Craton HSM PQC code and print the ACVP response JSON on stdout.\n"
          "  --check    compare with the expected values in FILE; print\n"
          "             'N passed, N failed[, N skipped]' on stderr and exit 1 if any test\n"
          "             failed or none ran\n"
          "  --verbose  name each failing or skipped test (tgId/tcId) on stderr\n"
          "  --help     this text\n"
          "Exit status: 0 success, 1 test failures, 2 usage or file errors.\n",
          f);
}

/* Whole file into a NUL-terminated malloc'd buffer; NULL with errno set on failure. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;

    if (f == NULL)
        return NULL;
    for (;;) {
        if (len + 1 >= cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *nb;
            if (ncap > ACVP_MAX_FILE) {
                errno = EFBIG;
                goto fail;
            }
            nb = realloc(buf, ncap);
            if (nb == NULL)
                goto fail;
            buf = nb;
            cap = ncap;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                errno = EIO;
                goto fail;
            }
            break;
        }
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
fail: {
    int e = errno;
    fclose(f);
    free(buf);
    errno = e;
    return NULL;
}
}

/* The vector set object: the file itself, or the array element carrying "testGroups". */
static const cJSON *find_vector_set(const cJSON *root)
{
    if (cJSON_IsObject(root))
        return root;
    if (cJSON_IsArray(root)) {
        const cJSON *e;
        cJSON_ArrayForEach(e, root) {
            if (cJSON_IsObject(e) && cJSON_GetObjectItemCaseSensitive(e, "testGroups") != NULL)
                return e;
        }
    }
    return NULL;
}

static void copy_field(cJSON *dst, const cJSON *src, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, name);
    if (v != NULL)
        cJSON_AddItemToObject(dst, name, cJSON_Duplicate(v, 1));
}

int main(int argc, char **argv)
{
    struct ch_acvp_ctx ctx = {0};
    const char *path = NULL;
    char *text = NULL;
    cJSON *root = NULL, *resp = NULL;
    int status = 2;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0) {
            ctx.check = true;
        } else if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
            ctx.verbose = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "craton-hsm-acvp: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        } else if (path == NULL) {
            path = argv[i];
        } else {
            fprintf(stderr, "craton-hsm-acvp: only one FILE may be given\n");
            return 2;
        }
    }
    if (path == NULL) {
        usage(stderr);
        return 2;
    }
    ctx.file = path;

    text = read_file(path);
    if (text == NULL) {
        fprintf(stderr, "craton-hsm-acvp: cannot read %s: %s\n", path, strerror(errno));
        goto out;
    }
    root = cJSON_Parse(text);
    if (root == NULL) {
        const char *at = cJSON_GetErrorPtr();
        fprintf(stderr, "craton-hsm-acvp: %s: malformed JSON (at byte %ld)\n", path,
                at ? (long)(at - text) : -1L);
        goto out;
    }
    const cJSON *vs = find_vector_set(root);
    const char *alg = vs ? ch_acvp_get_str(vs, "algorithm") : NULL;
    const cJSON *groups = vs ? cJSON_GetObjectItemCaseSensitive(vs, "testGroups") : NULL;
    if (alg == NULL || !cJSON_IsArray(groups)) {
        fprintf(stderr, "craton-hsm-acvp: %s: not an ACVP vector set (no \"algorithm\" or "
                        "\"testGroups\")\n", path);
        goto out;
    }
    ch_acvp_handler fn = NULL;
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
        if (strcmp(handlers[i].algorithm, alg) == 0)
            fn = handlers[i].fn;
    if (fn == NULL) {
        fprintf(stderr, "craton-hsm-acvp: %s: algorithm \"%s\" is not supported by this build\n",
                path, alg);
        goto out;
    }

    resp = cJSON_CreateArray();
    cJSON *ver = cJSON_CreateObject();
    cJSON_AddStringToObject(ver, "acvVersion", "1.0");
    cJSON_AddItemToArray(resp, ver);
    cJSON *body = cJSON_CreateObject();
    copy_field(body, vs, "vsId");
    copy_field(body, vs, "algorithm");
    copy_field(body, vs, "mode");
    copy_field(body, vs, "revision");
    cJSON *out_groups = cJSON_AddArrayToObject(body, "testGroups");
    cJSON_AddItemToArray(resp, body);

    if (fn(&ctx, vs, out_groups) != 0) {
        fprintf(stderr, "craton-hsm-acvp: %s: malformed vector set\n", path);
        goto out;
    }
    char *s = cJSON_Print(resp);
    if (s == NULL) {
        fprintf(stderr, "craton-hsm-acvp: out of memory\n");
        goto out;
    }
    puts(s);
    free(s);
    status = 0;
    if (ctx.check) {
        fprintf(stderr, "%lu passed, %lu failed", ctx.passed, ctx.failed);
        if (ctx.skipped > 0)
            fprintf(stderr, ", %lu skipped", ctx.skipped);
        fputc('\n', stderr);
        if (ctx.failed > 0 || ctx.passed == 0)
            status = 1;
    }
out:
    cJSON_Delete(resp);
    cJSON_Delete(root);
    free(text);
    return status;
}

/* ---- helpers declared in acvp.h ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool ch_acvp_get_hex(const cJSON *obj, const char *name, uint8_t **out, size_t *len)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    const char *s;
    size_t n;

    *out = NULL;
    *len = 0;
    if (!cJSON_IsString(v) || (s = v->valuestring) == NULL)
        return false;
    n = strlen(s);
    if (n % 2 != 0)
        return false;
    uint8_t *b = malloc(n / 2 + 1);
    if (b == NULL)
        return false;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(b);
            return false;
        }
        b[i] = (uint8_t)(hi << 4 | lo);
    }
    *out = b;
    *len = n / 2;
    return true;
}

void ch_acvp_put_hex(cJSON *obj, const char *name, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789ABCDEF";
    char *s = malloc(2 * n + 1);

    if (s == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = digits[p[i] >> 4];
        s[2 * i + 1] = digits[p[i] & 15];
    }
    s[2 * n] = '\0';
    cJSON_AddStringToObject(obj, name, s);
    free(s);
}

bool ch_acvp_get_int(const cJSON *obj, const char *name, long *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsNumber(v))
        return false;
    *out = (long)v->valuedouble;
    return true;
}

const char *ch_acvp_get_str(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool ch_acvp_get_bool(const cJSON *obj, const char *name, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsBool(v))
        return false;
    *out = cJSON_IsTrue(v);
    return true;
}

static long tcid_of(const cJSON *t)
{
    long id = -1;
    (void)ch_acvp_get_int(t, "tcId", &id);
    return id;
}

static void fail(struct ch_acvp_ctx *ctx, long tgid, const cJSON *t, const char *what,
                 const char *name)
{
    ctx->failed++;
    if (ctx->verbose)
        fprintf(stderr, "%s: tgId %ld tcId %ld: FAIL %s '%s'\n", ctx->file, tgid, tcid_of(t),
                what, name);
}

void ch_acvp_expect_hex(struct ch_acvp_ctx *ctx, long tgid, const cJSON *t, const char *name,
                        const uint8_t *got, size_t got_len)
{
    uint8_t *want = NULL;
    size_t want_len = 0;

    if (!ctx->check)
        return;
    if (!ch_acvp_get_hex(t, name, &want, &want_len)) {
        ch_acvp_skip(ctx, tgid, t, "no expected value");
        return;
    }
    if (got == NULL)
        fail(ctx, tgid, t, "computation failed for", name);
    else if (got_len != want_len || memcmp(got, want, got_len) != 0)
        fail(ctx, tgid, t, "mismatch in", name);
    else
        ctx->passed++;
    free(want);
}

void ch_acvp_expect_bool(struct ch_acvp_ctx *ctx, long tgid, const cJSON *t, const char *name,
                         bool got)
{
    bool want;

    if (!ctx->check)
        return;
    if (!ch_acvp_get_bool(t, name, &want)) {
        ch_acvp_skip(ctx, tgid, t, "no expected value");
        return;
    }
    if (got != want)
        fail(ctx, tgid, t, got ? "accepted, expected rejection:" : "rejected, expected pass:",
             name);
    else
        ctx->passed++;
}

void ch_acvp_skip(struct ch_acvp_ctx *ctx, long tgid, const cJSON *t, const char *why)
{
    ctx->skipped++;
    if (ctx->verbose)
        fprintf(stderr, "%s: tgId %ld tcId %ld: skipped (%s)\n", ctx->file, tgid, tcid_of(t),
                why);
}
