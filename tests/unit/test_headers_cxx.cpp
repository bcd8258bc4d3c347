/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Craton HSM unit test: our public headers compile as C++17 with -Wall -Wextra -Wpedantic
 * -Werror, keep C linkage and the same layouts as in C. Test-only; calls no C_* function, so
 * it links without the module.
 */
#include <cstddef>
#include <cstring>
#include <type_traits>

#include "craton_hsm/craton_hsm.h"
#include "craton_hsm/pkcs11.h"

static_assert(std::is_same<CK_ULONG, unsigned long>::value, "CK_ULONG is unsigned long");
static_assert(std::is_same<CK_RV, unsigned long>::value, "CK_RV is CK_ULONG");
static_assert(std::is_standard_layout<CK_FUNCTION_LIST_3_2>::value, "C layout");
static_assert(CKM_AES_GCM == 0x1087UL, "CKM_AES_GCM");
static_assert(CKR_BUFFER_TOO_SMALL == 0x150UL, "CKR_BUFFER_TOO_SMALL");
static_assert(CKA_UNIQUE_ID == 0x4UL, "CKA_UNIQUE_ID");
static_assert(CKM_ML_KEM == 0x17UL && CKM_ML_DSA == 0x1dUL, "PQC mechanisms");
static_assert(offsetof(CK_FUNCTION_LIST_3_0, C_GetInterfaceList) ==
                  offsetof(CK_FUNCTION_LIST_3_0, C_Initialize) + 68 * sizeof(void *),
              "C_GetInterfaceList is entry 69");
static_assert(sizeof(CK_FUNCTION_LIST_3_0) ==
                  offsetof(CK_FUNCTION_LIST_3_0, C_Initialize) + 92 * sizeof(void *),
              "92 entries");
static_assert(sizeof(CK_FUNCTION_LIST_3_2) ==
                  offsetof(CK_FUNCTION_LIST_3_2, C_Initialize) + CH_P11_NFUNCS_V32 * sizeof(void *),
              "102 entries");

/* The prototypes have C linkage and match the pointer types (checked by the compiler only:
 * these are never called). */
static_assert(std::is_same<decltype(&C_Initialize), CK_C_Initialize>::value, "C_Initialize");
static_assert(std::is_same<decltype(&C_EncapsulateKey), CK_C_EncapsulateKey>::value, "KEM");
static_assert(std::is_same<decltype(&C_GetInterface), CK_C_GetInterface>::value, "iface");

int main()
{
    CK_FUNCTION_LIST_3_2 list;
    CK_INTERFACE iface;
    CK_ATTRIBUTE attr = {CKA_CLASS, NULL_PTR, 0};

    std::memset(&list, 0, sizeof(list));
    list.version.major = CH_INTERFACE_V32_MAJOR;
    list.version.minor = CH_INTERFACE_V32_MINOR;
    iface.pInterfaceName = reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char *>(CH_INTERFACE_NAME));
    iface.pFunctionList = &list;
    iface.flags = 0;
    return (attr.pValue == NULL_PTR && list.C_AsyncJoin == NULL_PTR &&
            static_cast<CK_FUNCTION_LIST_3_2 *>(iface.pFunctionList)->version.minor == 2)
               ? 0
               : 1;
}
