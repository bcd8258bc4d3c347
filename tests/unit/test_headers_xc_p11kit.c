/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Craton HSM test: the cross-check table of p11-kit's pkcs11.h (libp11-kit-dev), used only
 * to catch typos in our header. p11-kit 0.24 has no 3.0 function lists and few mechanism
 * parameter structures, so only the structures it has are listed here.
 */
#include <p11-kit/pkcs11.h>
#include "craton_hsm/pkcs11x.h"
#include "test_headers_xc.h"

/* Every parameter of our prototypes has the same type as in this header (the tables of
 * pkcs11x.h only use standard type names, so they expand here against the foreign types). */
#define CH_XC_SIGNATURE(name, args) \
    _Static_assert(__builtin_types_compatible_p(CK_##name, CK_RV (*) args), #name);
CH_P11_FUNCS_V240(CH_XC_SIGNATURE)

#define CH_XC_WANT(s) CH_XC_P11KIT_HAS_##s
#define CH_XC_P11KIT_HAS_CK_VERSION 1
#define CH_XC_P11KIT_HAS_CK_INFO 1
#define CH_XC_P11KIT_HAS_CK_SLOT_INFO 1
#define CH_XC_P11KIT_HAS_CK_TOKEN_INFO 1
#define CH_XC_P11KIT_HAS_CK_SESSION_INFO 1
#define CH_XC_P11KIT_HAS_CK_ATTRIBUTE 1
#define CH_XC_P11KIT_HAS_CK_DATE 1
#define CH_XC_P11KIT_HAS_CK_MECHANISM 1
#define CH_XC_P11KIT_HAS_CK_MECHANISM_INFO 1
#define CH_XC_P11KIT_HAS_CK_C_INITIALIZE_ARGS 1
#define CH_XC_P11KIT_HAS_CK_FUNCTION_LIST 1
#define CH_XC_P11KIT_HAS_CK_RSA_PKCS_PSS_PARAMS 1
#define CH_XC_P11KIT_HAS_CK_RSA_PKCS_OAEP_PARAMS 1
#define CH_XC_P11KIT_HAS_CK_AES_CTR_PARAMS 1
#define CH_XC_P11KIT_HAS_CK_GCM_PARAMS 1
#define CH_XC_P11KIT_HAS_CK_ECDH1_DERIVE_PARAMS 1
#define CH_XC_P11KIT_HAS_CK_KEY_DERIVATION_STRING_DATA 1
#define CH_XC_P11KIT_HAS_CK_DES_CBC_ENCRYPT_DATA_PARAMS 1
#define CH_XC_P11KIT_HAS_CK_AES_CBC_ENCRYPT_DATA_PARAMS 1

static const struct ch_xc_row rows[] = {
#include "test_headers_names.h"
};

struct ch_xc_table ch_test_xc_p11kit(void)
{
    struct ch_xc_table t = {"p11-kit", rows, sizeof(rows) / sizeof(rows[0])};
    return t;
}
