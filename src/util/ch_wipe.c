/* SPDX-License-Identifier: Apache-2.0 */
/* ch_wipe: explicit_bzero from glibc, which is documented not to be removed by the optimiser. */
#include "util/ch_wipe.h"

#include <string.h>

void ch_wipe(void *p, size_t n)
{
    if (p != NULL && n != 0)
        explicit_bzero(p, n);
}
