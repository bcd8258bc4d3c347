/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Craton HSM: the PKCS #11 header every part of the project (and any application) includes.
 * Public ABI header, written for this project from the OASIS PKCS #11 v3.2 text; it gives the
 * v3.0 interface plus the v3.2 additions with the standard names, types and layouts, so code
 * written against the usual OASIS header layout compiles unchanged. Valid C17 and C++17.
 */
#ifndef CRATON_HSM_PKCS11_H
#define CRATON_HSM_PKCS11_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Platform directives (PKCS #11 3.2 section 2.1 "Structure packing" and 2.2 "Pointer-related
 * macros"). On Unix-like systems structures use the compiler's natural packing: no pragmas.
 * An application may predefine these macros before including this header.
 */
#ifndef CK_PTR
#define CK_PTR *
#endif

/* The module is built with -fvisibility=hidden; the C_* entry points must stay visible. */
#ifndef CK_SPEC
#if defined(__GNUC__) || defined(__clang__)
#define CK_SPEC __attribute__((visibility("default")))
#else
#define CK_SPEC
#endif
#endif

#ifndef CK_DECLARE_FUNCTION
#define CK_DECLARE_FUNCTION(returnType, name) CK_SPEC returnType name
#endif

/* 2.x-era name some code uses at function definitions. */
#ifndef CK_DEFINE_FUNCTION
#define CK_DEFINE_FUNCTION(returnType, name) CK_SPEC returnType name
#endif

#ifndef CK_DECLARE_FUNCTION_POINTER
#define CK_DECLARE_FUNCTION_POINTER(returnType, name) returnType (CK_PTR name)
#endif

#ifndef CK_CALLBACK_FUNCTION
#define CK_CALLBACK_FUNCTION(returnType, name) returnType (CK_PTR name)
#endif

#ifndef NULL_PTR
#ifdef __cplusplus
#define NULL_PTR nullptr
#else
#define NULL_PTR ((void *)0)
#endif
#endif

#include "pkcs11t.h"
#include "pkcs11f.h"

#ifdef __cplusplus
}
#endif

#endif /* CRATON_HSM_PKCS11_H */
