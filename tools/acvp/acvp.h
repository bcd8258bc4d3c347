/* SPDX-License-Identifier: Apache-2.0 */
/* craton-hsm-acvp: shared interface of the ACVP harness. The driver (acvp_main.c) parses one
 * vector file, picks a handler by the file's "algorithm" and "mode", and prints the response
 * JSON; each handler runs every test group of its algorithm against src/pqc (or the module)
 * and, with --check, compares the computed fields with the expected ones in the file. */
#ifndef CH_ACVP_H
#define CH_ACVP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct ch_acvp_ctx {
    const char *file;    /* the vector file, for messages */
    bool check;          /* compare with expected values in the file */
    bool verbose;        /* print each failing tcId to stderr */
    unsigned long passed, failed, skipped;
};

/* A handler: `root` is the parsed file (object with "algorithm", "mode", "revision", "vsId",
 * "testGroups"); it appends one response group per input group to `out_groups` (a cJSON array)
 * with {"tgId", "tests": [{"tcId", <computed fields>}]}, and when ctx->check is set counts each
 * test as passed, failed or skipped (ch_acvp_result). Returns 0, or -1 if the file is malformed
 * beyond per-test errors (then the driver reports it and exits non-zero). */
typedef int (*ch_acvp_handler)(struct ch_acvp_ctx *ctx, const cJSON *root, cJSON *out_groups);

int ch_acvp_mlkem(struct ch_acvp_ctx *ctx, const cJSON *root, cJSON *out_groups);
int ch_acvp_mldsa(struct ch_acvp_ctx *ctx, const cJSON *root, cJSON *out_groups);
int ch_acvp_slhdsa(struct ch_acvp_ctx *ctx, const cJSON *root, cJSON *out_groups);

/* Helpers provided by acvp_main.c. */
/* Decode the hex string field `name` of obj into a fresh malloc'd buffer (free with free());
 * an empty string gives *out = a valid 1-byte allocation and *len = 0. False if absent/bad. */
bool ch_acvp_get_hex(const cJSON *obj, const char *name, uint8_t **out, size_t *len);
/* Add field `name` as upper-case hex of p[0..n). */
void ch_acvp_put_hex(cJSON *obj, const char *name, const uint8_t *p, size_t n);
/* Integer / string / bool field readers; false if absent or of the wrong type. */
bool ch_acvp_get_int(const cJSON *obj, const char *name, long *out);
const char *ch_acvp_get_str(const cJSON *obj, const char *name);
bool ch_acvp_get_bool(const cJSON *obj, const char *name, bool *out);
/* Compare computed bytes with the expected hex field `name` of test `t` (when ctx->check) and
 * count the result; `got` may be NULL when the computation failed. */
void ch_acvp_expect_hex(struct ch_acvp_ctx *ctx, long tgid, const cJSON *t, const char *name,
                        const uint8_t *got, size_t got_len);
/* Compare a computed pass/fail with the expected bool field `name` (e.g. "testPassed"). */
void ch_acvp_expect_bool(struct ch_acvp_ctx *ctx, long tgid, const cJSON *t, const char *name,
                         bool got);
void ch_acvp_skip(struct ch_acvp_ctx *ctx, long tgid, const cJSON *t, const char *why);

#endif
