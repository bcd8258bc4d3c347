/* SPDX-License-Identifier: Apache-2.0 */
/* FIPS 203 Table 2 as data: the three ML-KEM parameter sets. src/pqc layer. */
#include "pqc/mlkem/mlkem_params.h"

#define ROW(name_, k_, e1_, e2_, du_, dv_)                                                       \
    {                                                                                            \
        name_, k_, e1_, e2_, du_, dv_, CH_MLKEM_EK_BYTES_K(k_), CH_MLKEM_DK_BYTES_K(k_),       \
            CH_MLKEM_CT_BYTES_K(k_, du_, dv_), 384 * (k_), 32 * (du_) * (k_)                    \
    }

static const struct ch_mlkem_params mlkem_sets[3] = {
    ROW("ML-KEM-512", CH_MLKEM512_K, CH_MLKEM512_ETA1, CH_MLKEM512_ETA2, CH_MLKEM512_DU,
        CH_MLKEM512_DV),
    ROW("ML-KEM-768", CH_MLKEM768_K, CH_MLKEM768_ETA1, CH_MLKEM768_ETA2, CH_MLKEM768_DU,
        CH_MLKEM768_DV),
    ROW("ML-KEM-1024", CH_MLKEM1024_K, CH_MLKEM1024_ETA1, CH_MLKEM1024_ETA2, CH_MLKEM1024_DU,
        CH_MLKEM1024_DV),
};

const struct ch_mlkem_params *ch_mlkem_params_get(enum ch_mlkem_param ps)
{
    switch (ps) {
    case CH_MLKEM_512:
        return &mlkem_sets[0];
    case CH_MLKEM_768:
        return &mlkem_sets[1];
    case CH_MLKEM_1024:
        return &mlkem_sets[2];
    }
    return NULL;
}
