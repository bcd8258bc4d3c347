/* SPDX-License-Identifier: Apache-2.0 */
/* src/fips: the error state (FIPS 140-3 §7.11: after a self-test or health-test failure no
 * cryptographic service runs and every call reports the error). An atomic flag plus a fixed,
 * secret-free reason string; lock-free so it can be read on every hot path. */
#include "fips/fips.h"

#include <stdatomic.h>

static atomic_bool in_error;
static _Atomic(const char *) reason;

bool ch_fips_in_error(void)
{
    return atomic_load_explicit(&in_error, memory_order_acquire);
}

void ch_fips_set_error(const char *why)
{
    const char *expected = NULL;
    /* The first reason wins: later failures are usually consequences of the first. */
    (void)atomic_compare_exchange_strong(&reason, &expected,
                                         why != NULL ? why : "unspecified self-test failure");
    atomic_store_explicit(&in_error, true, memory_order_release);
}

const char *ch_fips_error_reason(void)
{
    const char *r = atomic_load(&reason);
    return ch_fips_in_error() && r != NULL ? r : "";
}

void ch_fips_reset(void)
{
    atomic_store(&reason, (const char *)NULL);
    atomic_store_explicit(&in_error, false, memory_order_release);
}
