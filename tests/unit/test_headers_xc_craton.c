/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Craton HSM test: the cross-check table of OUR PKCS#11 headers (every row of
 * test_headers_names.h). Test-only; includes no other PKCS#11 header.
 */
#include "craton_hsm/pkcs11.h"
#include "test_headers_xc.h"

#define CH_XC_WANT(s) 1

static const struct ch_xc_row rows[] = {
#include "test_headers_names.h"
};

struct ch_xc_table ch_test_xc_craton(void)
{
    struct ch_xc_table t = {"craton", rows, sizeof(rows) / sizeof(rows[0])};
    return t;
}
