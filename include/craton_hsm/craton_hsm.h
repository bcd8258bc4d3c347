/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Craton HSM: vendor constants of the module (library version, identity strings, interface
 * names, vendor-defined values). Public header, valid C17 and C++17; includes pkcs11.h.
 * No code here. Vendor values live in the CK*_VENDOR_DEFINED ranges and never change once
 * released: a stored object or an application may hold them.
 */
#ifndef CRATON_HSM_CRATON_HSM_H
#define CRATON_HSM_CRATON_HSM_H

#include "pkcs11.h"

/* Library version (CK_INFO.libraryVersion); bump the minor on every release. */
#define CH_VERSION_MAJOR 0
#define CH_VERSION_MINOR 1

/* Identity strings. PKCS #11 text fields are blank padded to their size, not NUL terminated;
 * these are the unpadded texts (all shorter than the 32-byte fields). */
#define CH_MANUFACTURER_ID       "Craton HSM"
#define CH_LIBRARY_DESCRIPTION   "Craton HSM PKCS#11 module"
#define CH_TOKEN_MODEL           "Craton soft HSM"    /* CK_TOKEN_INFO.model: 16 bytes */
#define CH_SLOT_DESCRIPTION      "Craton HSM slot"

/* Interface names (3.6 CK_INTERFACE): the standard one, and our vendor interface name,
 * reserved for vendor functions ("Vendor " prefix, 3.6). */
#define CH_INTERFACE_NAME        "PKCS 11"
#define CH_VENDOR_INTERFACE_NAME "Vendor Craton HSM"

/* Function-list versions we offer through C_GetInterfaceList (see STYLE.md section 7). */
#define CH_INTERFACE_V240_MAJOR  2
#define CH_INTERFACE_V240_MINOR  40
#define CH_INTERFACE_V30_MAJOR   3
#define CH_INTERFACE_V30_MINOR   0
#define CH_INTERFACE_V32_MAJOR   3
#define CH_INTERFACE_V32_MINOR   2

/*
 * The 3.2 text ends CK_FUNCTION_LIST_3_2 with C_AsyncJoin (102 entries), but some 3.2 headers
 * (NSS's among them) append C_WrapKeyAuthenticated and C_UnwrapKeyAuthenticated after it. A
 * caller built with such a header reads two pointers past a plain CK_FUNCTION_LIST_3_2. The
 * module's static 3.2 list is therefore this structure: `base` is handed out as the
 * CK_FUNCTION_LIST_3_2, and the two trailing pointers are valid functions either way.
 */
struct ch_function_list_3_2_ext {
    CK_FUNCTION_LIST_3_2        base;
    CK_C_WrapKeyAuthenticated   C_WrapKeyAuthenticated;
    CK_C_UnwrapKeyAuthenticated C_UnwrapKeyAuthenticated;
};

/*
 * Vendor-defined values. Our block inside each vendor range starts at 0x00434800 ("CH" in
 * bits 8-23, clear of CKF_ARRAY_ATTRIBUTE), so CKx_VENDOR_DEFINED | 0x00434800 | n cannot
 * collide with a vendor that counts up from CKx_VENDOR_DEFINED + 1. Allocated below;
 * add them here with a comment naming what they select, and never reuse a retired number.
 */
#define CH_VENDOR_PREFIX         0x00434800UL
#define CKM_CH_BASE              (CKM_VENDOR_DEFINED | CH_VENDOR_PREFIX)
#define CKA_CH_BASE              (CKA_VENDOR_DEFINED | CH_VENDOR_PREFIX)
#define CKR_CH_BASE              (CKR_VENDOR_DEFINED | CH_VENDOR_PREFIX)

/* CK_BBOOL, read-only, on EC private keys: TRUE when the key pair was generated for key
 * agreement only (CKA_SIGN = FALSE, CKA_DERIVE = TRUE) and so passed the SP 800-56A rev3
 * §5.6.2.1.4 pairwise test (Q == d*G) instead of a signature and its verification. Such a key
 * can never be given CKA_SIGN or CKA_SIGN_RECOVER = TRUE (CKR_ATTRIBUTE_READ_ONLY). */
#define CKA_CH_AGREEMENT_ONLY    (CKA_CH_BASE | 0x01UL)

#endif /* CRATON_HSM_CRATON_HSM_H */
