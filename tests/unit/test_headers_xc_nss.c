/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Craton HSM test: the cross-check table of NSS's PKCS#11 3.0 headers (libnss3-dev), used only
 * to catch typos in our header; unlike p11-kit's it has CK_FUNCTION_LIST_3_0 and most
 * mechanism parameter structures. Structures NSS lacks (3.1/3.2 ones) are skipped below.
 */
#include <pkcs11.h>
#include "craton_hsm/pkcs11x.h"
#include "test_headers_xc.h"

/* Every parameter of our prototypes has the same type as in this header (the tables of
 * pkcs11x.h only use standard type names, so they expand here against the foreign types). */
#define CH_XC_SIGNATURE(name, args) \
    _Static_assert(__builtin_types_compatible_p(CK_##name, CK_RV (*) args), #name);
CH_P11_FUNCS_V240(CH_XC_SIGNATURE)
CH_P11_FUNCS_V30(CH_XC_SIGNATURE)

#define CH_XC_WANT(s) (!CH_XC_NSS_LACKS_##s)
#define CH_XC_NSS_LACKS_CK_FUNCTION_LIST_3_2 1
#define CH_XC_NSS_LACKS_CK_ASYNC_DATA 1
#define CH_XC_NSS_LACKS_CK_SIGN_ADDITIONAL_CONTEXT 1
#define CH_XC_NSS_LACKS_CK_HASH_SIGN_ADDITIONAL_CONTEXT 1
#define CH_XC_NSS_LACKS_CK_GCM_WRAP_PARAMS 1
#define CH_XC_NSS_LACKS_CK_CCM_WRAP_PARAMS 1
#define CH_XC_NSS_LACKS_CK_TLS12_EXTENDED_MASTER_KEY_DERIVE_PARAMS 1
#define CH_XC_NSS_LACKS_CK_IKE2_PRF_PLUS_DERIVE_PARAMS 1
#define CH_XC_NSS_LACKS_CK_IKE_PRF_DERIVE_PARAMS 1
#define CH_XC_NSS_LACKS_CK_IKE1_PRF_DERIVE_PARAMS 1
#define CH_XC_NSS_LACKS_CK_IKE1_EXTENDED_DERIVE_PARAMS 1

static const struct ch_xc_row rows[] = {
#include "test_headers_names.h"
};

struct ch_xc_table ch_test_xc_nss(void)
{
    struct ch_xc_table t = {"nss", rows, sizeof(rows) / sizeof(rows[0])};
    return t;
}
