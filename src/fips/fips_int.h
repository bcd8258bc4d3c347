/* SPDX-License-Identifier: Apache-2.0 */
/* src/fips private header: the self-test table shape and the comparison helper every
 * known-answer test uses (so the test-only corruption hook works for all of them). */
#ifndef CH_FIPS_INT_H
#define CH_FIPS_INT_H

#include "fips/fips.h"

/* One power-on self-test: fn returns CKR_OK on success, anything else on failure. `reason` is
 * a fixed string for the error state (NULL: a generic one is used). */
struct ch_fips_kat {
    const char *name;
    CK_RV (*fn)(void);
    const char *reason;
};

/* Compare a computed value with the expected one in constant time. CKR_OK or
 * CKR_GENERAL_ERROR. `name` is the test's name (test builds: the corruption hook). */
CH_MUST_CHECK CK_RV ch_fips_kat_expect(const char *name, const uint8_t *got, const uint8_t *want,
                                       size_t n);
/* Decode a hex constant into out (exactly n bytes); false if it does not fit. */
bool ch_fips_unhex(uint8_t *out, size_t n, const char *hex);

/* Classical KATs (fips_kat.c) and the PQC KAT rows (fips_kat_pqc.c, filled by the PQC work);
 * each table ends with a row whose name is NULL. */
extern const struct ch_fips_kat ch_fips_classic_kats[];
extern const struct ch_fips_kat ch_fips_pqc_kats[];

#endif
