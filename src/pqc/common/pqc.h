/* SPDX-License-Identifier: Apache-2.0 */
/* Shared conventions of src/pqc/: return codes and attributes. This layer knows nothing of
 * PKCS#11 or OpenSSL, allocates nothing on its hot paths and draws no randomness itself:
 * every random input (seeds, rnd, m, opt_rand) is an argument, supplied by src/mech from the
 * module's DRBG or by the test harness from vectors. */
#ifndef CH_PQC_H
#define CH_PQC_H

#include <stddef.h>
#include <stdint.h>

#define CH_PQC_OK 0
#define CH_PQC_ERR_INPUT (-1)     /* malformed input: wrong length, failed FIPS 203 7.2/7.3 check */
#define CH_PQC_ERR_VERIFY (-2)    /* signature does not verify */
#define CH_PQC_ERR_CONTEXT (-3)   /* context string longer than 255 bytes */
#define CH_PQC_ERR_INTERNAL (-4)  /* should not happen: a broken invariant */

#if defined(__GNUC__)
#define CH_PQC_MUST_CHECK __attribute__((warn_unused_result))
#else
#define CH_PQC_MUST_CHECK
#endif

#endif
