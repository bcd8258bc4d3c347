/* SPDX-License-Identifier: Apache-2.0 */
/* src/fips: the power-on self-test coordinator (FIPS 140-3 §7.10): the integrity test of the
 * module file first, then every known-answer test (fips_kat.c, fips_kat_pqc.c). Any failure
 * enters the error state. Runs no crypto itself; knows nothing of sessions. */
#include "fips/fips_int.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "util/ch_ct.h"

/* An object inside this module: dladdr() on it names the file the module was loaded from
 * (the .so for the product, the executable when the static library is linked into one). */
static const char module_anchor = 0;

#ifdef CH_TESTING
#define CORRUPT_MAX 8
static const char *corrupt[CORRUPT_MAX];

void ch_fips_test_corrupt(const char *name)
{
    if (name == NULL) {
        memset(corrupt, 0, sizeof(corrupt));
        return;
    }
    for (size_t i = 0; i < CORRUPT_MAX; i++) {
        if (corrupt[i] == NULL) {
            corrupt[i] = name;
            return;
        }
    }
}

static bool corrupted(const char *name)
{
    for (size_t i = 0; i < CORRUPT_MAX; i++)
        if (corrupt[i] != NULL && name != NULL && strcmp(corrupt[i], name) == 0)
            return true;
    return false;
}
#else
static bool corrupted(const char *name)
{
    (void)name;
    return false;
}
#endif

CK_RV ch_fips_kat_expect(const char *name, const uint8_t *got, const uint8_t *want, size_t n)
{
    int eq = ch_ct_eq(got, want, n);
    /* Test builds: compare as if the expected value had a flipped bit, i.e. never equal. */
    if (corrupted(name))
        eq = 0;
    return eq ? CKR_OK : CKR_GENERAL_ERROR;
}

static bool skip_missing_sidecar(void)
{
    const char *v = getenv(CH_FIPS_SKIP_INTEGRITY_ENV);
    return v != NULL && strcmp(v, "1") == 0;
}

/* Returns CKR_OK, or CKR_OK with *skipped when the sidecar is missing and that is excused. */
static CK_RV integrity_test(bool *skipped)
{
    Dl_info info;
    CK_RV rv;

    *skipped = false;
    memset(&info, 0, sizeof(info));
    if (dladdr(&module_anchor, &info) == 0 || info.dli_fname == NULL ||
        info.dli_fname[0] == '\0')
        rv = CKR_DEVICE_ERROR; /* cannot even name our file: treat as a missing sidecar */
    else
        rv = ch_fips_integrity_check_file(info.dli_fname);
    if (rv == CKR_DEVICE_ERROR && info.dli_fname != NULL && info.dli_fname[0] != '\0') {
        /* Loaded through a symlink (libcraton_hsm.so -> libcraton_hsm.so.1.2.3)? Then the
         * sidecar may sit beside the real file instead. */
        char *real = realpath(info.dli_fname, NULL);
        if (real != NULL && strcmp(real, info.dli_fname) != 0)
            rv = ch_fips_integrity_check_file(real);
        free(real);
    }
    if (corrupted("module integrity"))
        rv = CKR_FUNCTION_FAILED;
    if (rv == CKR_DEVICE_ERROR && skip_missing_sidecar()) {
        *skipped = true;
        rv = CKR_OK;
    }
    return rv;
}

static void report(void (*cb)(const char *, CK_RV, void *), void *arg, const char *name,
                   CK_RV rv)
{
    if (cb != NULL)
        cb(name, rv, arg);
}

static void run_table(const struct ch_fips_kat *t, void (*cb)(const char *, CK_RV, void *),
                      void *arg, const char **why)
{
    for (; t->name != NULL; t++) {
        CK_RV rv = t->fn();
        report(cb, arg, t->name, rv);
        if (rv != CKR_OK && *why == NULL)
            *why = t->reason != NULL ? t->reason : "self-test failed: known-answer test";
    }
}

CK_RV ch_fips_post_report(void (*cb)(const char *name, CK_RV rv, void *arg), void *arg)
{
    const char *why = NULL;
    bool skipped = false;
    CK_RV rv;

    rv = ch_crypto_init();
    if (rv != CKR_OK) {
        report(cb, arg, "crypto library", rv);
        ch_fips_set_error("self-test failed: crypto library initialisation");
        return CKR_GENERAL_ERROR;
    }
    rv = integrity_test(&skipped);
    report(cb, arg,
           skipped ? "module integrity (skipped: no sidecar, " CH_FIPS_SKIP_INTEGRITY_ENV "=1)"
                   : "module integrity",
           rv);
    if (rv != CKR_OK)
        why = "self-test failed: module integrity";
    run_table(ch_fips_classic_kats, cb, arg, &why);
    run_table(ch_fips_pqc_kats, cb, arg, &why);
    if (why != NULL) {
        ch_fips_set_error(why);
        return CKR_GENERAL_ERROR;
    }
    return CKR_OK;
}

CK_RV ch_fips_post(void)
{
    return ch_fips_post_report(NULL, NULL);
}
