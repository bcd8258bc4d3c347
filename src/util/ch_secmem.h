/* SPDX-License-Identifier: Apache-2.0 */
/* Locked, non-dumpable, wiped-on-free memory for long-lived secrets (token key, PIN-derived
 * keys, key values held by objects, DRBG state). Allocation failure of mlock is tolerated
 * (RLIMIT_MEMLOCK may be small): the memory is still wiped and excluded from core dumps. */
#ifndef CH_SECMEM_H
#define CH_SECMEM_H

#include <stddef.h>

/* Zero-filled allocation of n bytes (n > 0), or NULL. Free with ch_secmem_free. */
void *ch_secmem_alloc(size_t n);
/* Wipe and release; NULL-safe. */
void ch_secmem_free(void *p);
/* Duplicate n bytes into secure memory (n may be 0: returns a 1-byte allocation). */
void *ch_secmem_dup(const void *src, size_t n);

#endif
