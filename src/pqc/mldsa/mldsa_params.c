/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA parameter table: FIPS 204 Table 1 values and the Table 2 sizes, one row per set.
 * Data only (src/pqc layer). */
#include "pqc/mldsa/mldsa_params.h"

/* Table 1, column by column. gamma2: (q-1)/88 = 95232, (q-1)/32 = 261888.
 * lambda = 128/192/256 gives ctilde 32/48/64 bytes. gamma1 = 2^17 needs 18 bits per z
 * coefficient, 2^19 needs 20. (q-1)/(2 gamma2) - 1 = 43 or 15 needs 6 or 4 bits. 2 eta = 4 or 8
 * needs 3 or 4 bits. */
static const struct ch_mldsa_params params[3] = {
    {CH_MLDSA_44, 4, 4, 2, 39, 78, 80, 1 << 17, (CH_MLDSA_Q - 1) / 88, 32, 18, 6, 3,
     CH_MLDSA44_PK_BYTES, CH_MLDSA44_SK_BYTES, CH_MLDSA44_SIG_BYTES},
    {CH_MLDSA_65, 6, 5, 4, 49, 196, 55, 1 << 19, (CH_MLDSA_Q - 1) / 32, 48, 20, 4, 4,
     CH_MLDSA65_PK_BYTES, CH_MLDSA65_SK_BYTES, CH_MLDSA65_SIG_BYTES},
    {CH_MLDSA_87, 8, 7, 2, 60, 120, 75, 1 << 19, (CH_MLDSA_Q - 1) / 32, 64, 20, 4, 3,
     CH_MLDSA87_PK_BYTES, CH_MLDSA87_SK_BYTES, CH_MLDSA87_SIG_BYTES},
};

const struct ch_mldsa_params *ch_mldsa_params_get(enum ch_mldsa_set set)
{
    switch (set) {
    case CH_MLDSA_44:
        return &params[0];
    case CH_MLDSA_65:
        return &params[1];
    case CH_MLDSA_87:
        return &params[2];
    }
    return NULL;
}
