/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Craton HSM: the C_* prototypes, CK_C_* pointer types and CK_FUNCTION_LIST* structures,
 * all expanded from the tables of pkcs11x.h so they can never disagree. Public ABI header,
 * written for this project from the OASIS PKCS #11 v3.2 text (3.6, 5.x).
 * Include "craton_hsm/pkcs11.h", not this file.
 */
#ifndef CRATON_HSM_PKCS11F_H
#define CRATON_HSM_PKCS11F_H

#ifndef CRATON_HSM_PKCS11_H
#error "include craton_hsm/pkcs11.h instead of craton_hsm/pkcs11f.h"
#endif

#include "pkcs11x.h"

/* Number of function pointers (after `version`) in each structure. */
#define CH_P11_NFUNCS_V240 68
#define CH_P11_NFUNCS_V30  92
#define CH_P11_NFUNCS_V32  102

/* The function lists reference each other through C_GetFunctionList / C_GetInterface. */
typedef struct CK_FUNCTION_LIST CK_FUNCTION_LIST;
typedef struct CK_FUNCTION_LIST_3_0 CK_FUNCTION_LIST_3_0;
typedef struct CK_FUNCTION_LIST_3_2 CK_FUNCTION_LIST_3_2;
typedef CK_FUNCTION_LIST CK_PTR CK_FUNCTION_LIST_PTR;
typedef CK_FUNCTION_LIST_PTR CK_PTR CK_FUNCTION_LIST_PTR_PTR;
typedef CK_FUNCTION_LIST_3_0 CK_PTR CK_FUNCTION_LIST_3_0_PTR;
typedef CK_FUNCTION_LIST_3_0_PTR CK_PTR CK_FUNCTION_LIST_3_0_PTR_PTR;
typedef CK_FUNCTION_LIST_3_2 CK_PTR CK_FUNCTION_LIST_3_2_PTR;
typedef CK_FUNCTION_LIST_3_2_PTR CK_PTR CK_FUNCTION_LIST_3_2_PTR_PTR;

/* 3.6 CK_INTERFACE: pFunctionList points at one of the structures above. */
typedef struct CK_INTERFACE {
    CK_UTF8CHAR_PTR pInterfaceName;
    CK_VOID_PTR     pFunctionList;
    CK_FLAGS        flags;
} CK_INTERFACE;
typedef CK_INTERFACE CK_PTR CK_INTERFACE_PTR;
typedef CK_INTERFACE_PTR CK_PTR CK_INTERFACE_PTR_PTR;

/* Prototypes: CK_RV C_Xxx(args); */
#define CH_P11_X_PROTOTYPE(name, args) CK_DECLARE_FUNCTION(CK_RV, name) args;
CH_P11_FUNCS_V240(CH_P11_X_PROTOTYPE)
CH_P11_FUNCS_V30(CH_P11_X_PROTOTYPE)
CH_P11_FUNCS_V32(CH_P11_X_PROTOTYPE)
CH_P11_FUNCS_V32_UNLISTED(CH_P11_X_PROTOTYPE)
#undef CH_P11_X_PROTOTYPE

/* Pointer types: typedef CK_RV (*CK_C_Xxx)(args); */
#define CH_P11_X_POINTER(name, args) typedef CK_DECLARE_FUNCTION_POINTER(CK_RV, CK_##name) args;
CH_P11_FUNCS_V240(CH_P11_X_POINTER)
CH_P11_FUNCS_V30(CH_P11_X_POINTER)
CH_P11_FUNCS_V32(CH_P11_X_POINTER)
CH_P11_FUNCS_V32_UNLISTED(CH_P11_X_POINTER)
#undef CH_P11_X_POINTER

/* Structure members: CK_C_Xxx C_Xxx; */
#define CH_P11_X_MEMBER(name, args) CK_##name name;

struct CK_FUNCTION_LIST {
    CK_VERSION version;     /* 2.40 for this structure */
    CH_P11_FUNCS_V240(CH_P11_X_MEMBER)
};

struct CK_FUNCTION_LIST_3_0 {
    CK_VERSION version;     /* 3.0 or later */
    CH_P11_FUNCS_V240(CH_P11_X_MEMBER)
    CH_P11_FUNCS_V30(CH_P11_X_MEMBER)
};

struct CK_FUNCTION_LIST_3_2 {
    CK_VERSION version;     /* 3.2 or later */
    CH_P11_FUNCS_V240(CH_P11_X_MEMBER)
    CH_P11_FUNCS_V30(CH_P11_X_MEMBER)
    CH_P11_FUNCS_V32(CH_P11_X_MEMBER)
};

#undef CH_P11_X_MEMBER

#endif /* CRATON_HSM_PKCS11F_H */
