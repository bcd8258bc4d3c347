/* SPDX-License-Identifier: Apache-2.0 */
/* Wiping of secrets that the compiler may not elide. Usable from every layer, src/pqc included
 * (it does not depend on OpenSSL). */
#ifndef CH_WIPE_H
#define CH_WIPE_H

#include <stddef.h>

/* Overwrite n bytes at p with zeros; NULL-safe; never optimised away. */
void ch_wipe(void *p, size_t n);

#endif
