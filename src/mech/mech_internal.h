/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/mech: how family files register their rows and key validators with the
 * table in mech_table.c. */
#ifndef CH_MECH_INTERNAL_H
#define CH_MECH_INTERNAL_H

#include "mech/mech.h"

struct ch_mech_family {
    const struct ch_mech_desc *rows;
    size_t nrows;
};

/* One per family file. */
extern const struct ch_mech_family ch_mech_family_digest;

#endif
