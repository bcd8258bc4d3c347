/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Craton HSM test: interface of the PKCS#11 header cross-check. Each test_headers_xc_*.c file
 * includes exactly one PKCS#11 header (ours, p11-kit's or NSS's) and expands
 * test_headers_names.h into a table of rows; test_headers.c compares the tables by key.
 * Test-only code: never linked into the module.
 */
#ifndef CH_TEST_HEADERS_XC_H
#define CH_TEST_HEADERS_XC_H

#include <stddef.h>

/* One value: a constant (member == NULL, kind 'c'), a structure size (member == NULL,
 * kind 's') or a member offset (kind 'o'). */
struct ch_xc_row {
    char kind;
    const char *name;
    const char *member;
    unsigned long value;
};

struct ch_xc_table {
    const char *origin;            /* "craton", "p11-kit", "nss" */
    const struct ch_xc_row *rows;
    size_t n;
};

/* Expansions shared by every table: include test_headers_names.h between these. */
#define CH_XC_CONST(n)     {'c', #n, NULL, (unsigned long)(n)},
#define CH_XC_SIZE(s)      {'s', #s, NULL, (unsigned long)sizeof(s)},
#define CH_XC_FIELD(s, m)  {'o', #s, #m, (unsigned long)offsetof(s, m)},

struct ch_xc_table ch_test_xc_craton(void);
struct ch_xc_table ch_test_xc_p11kit(void);   /* only when built with CH_XC_HAVE_P11KIT */
struct ch_xc_table ch_test_xc_nss(void);      /* only when built with CH_XC_HAVE_NSS */

#endif /* CH_TEST_HEADERS_XC_H */
