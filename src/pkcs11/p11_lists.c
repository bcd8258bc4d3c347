/* SPDX-License-Identifier: Apache-2.0 */
/* src/pkcs11: the static function lists (2.40, 3.0, 3.2 layouts), the interface table and
 * C_GetInterfaceList / C_GetInterface (PKCS#11 3.0 §5.4.5-5.4.6). ABI layer only. The lists
 * are const: an application must never write to them (§3.6 CK_FUNCTION_LIST). */
#include <string.h>

#include "pkcs11/p11.h"

#include "craton_hsm/craton_hsm.h"

/* ---- PKCS#11 3.2 functions we do not implement ------------------------------------------- */
/* The 3.2 layout has slots for them; the spec lets a library answer
 * CKR_FUNCTION_NOT_SUPPORTED for a function it does not support. They are not exported. */

static CK_RV unsup_verify_signature_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech,
                                         CK_OBJECT_HANDLE key, CK_BYTE_PTR sig, CK_ULONG sig_len)
{
    return CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV unsup_verify_signature(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len)
{
    return CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV unsup_verify_signature_update(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len)
{
    return CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV unsup_verify_signature_final(CK_SESSION_HANDLE h)
{
    return CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV unsup_get_session_validation_flags(CK_SESSION_HANDLE h,
                                                CK_SESSION_VALIDATION_FLAGS_TYPE type,
                                                CK_FLAGS_PTR flags)
{
    return CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV unsup_async_complete(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR name,
                                  CK_ASYNC_DATA_PTR result)
{
    return CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV unsup_async_get_id(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR name, CK_ULONG_PTR id)
{
    return CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV unsup_async_join(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR name, CK_ULONG id,
                              CK_BYTE_PTR data, CK_ULONG len)
{
    return CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV unsup_wrap_authenticated(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE wk,
                                      CK_OBJECT_HANDLE k, CK_BYTE_PTR ad, CK_ULONG ad_len,
                                      CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
    return CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV unsup_unwrap_authenticated(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
                                        CK_OBJECT_HANDLE uk, CK_BYTE_PTR in, CK_ULONG in_len,
                                        CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_BYTE_PTR ad,
                                        CK_ULONG ad_len, CK_OBJECT_HANDLE_PTR out)
{
    return CKR_FUNCTION_NOT_SUPPORTED;
}

/* ---- the lists ------------------------------------------------------------------------------ */

/* The 68 functions of the 2.40 layout, shared by all three lists in the same order. */
#define CH_P11_FUNCTIONS_240                                                                       \
    .C_Initialize = C_Initialize, .C_Finalize = C_Finalize, .C_GetInfo = C_GetInfo,                \
    .C_GetFunctionList = C_GetFunctionList, .C_GetSlotList = C_GetSlotList,                        \
    .C_GetSlotInfo = C_GetSlotInfo, .C_GetTokenInfo = C_GetTokenInfo,                              \
    .C_GetMechanismList = C_GetMechanismList, .C_GetMechanismInfo = C_GetMechanismInfo,            \
    .C_InitToken = C_InitToken, .C_InitPIN = C_InitPIN, .C_SetPIN = C_SetPIN,                      \
    .C_OpenSession = C_OpenSession, .C_CloseSession = C_CloseSession,                              \
    .C_CloseAllSessions = C_CloseAllSessions, .C_GetSessionInfo = C_GetSessionInfo,                \
    .C_GetOperationState = C_GetOperationState, .C_SetOperationState = C_SetOperationState,        \
    .C_Login = C_Login, .C_Logout = C_Logout, .C_CreateObject = C_CreateObject,                    \
    .C_CopyObject = C_CopyObject, .C_DestroyObject = C_DestroyObject,                              \
    .C_GetObjectSize = C_GetObjectSize, .C_GetAttributeValue = C_GetAttributeValue,                \
    .C_SetAttributeValue = C_SetAttributeValue, .C_FindObjectsInit = C_FindObjectsInit,            \
    .C_FindObjects = C_FindObjects, .C_FindObjectsFinal = C_FindObjectsFinal,                      \
    .C_EncryptInit = C_EncryptInit, .C_Encrypt = C_Encrypt, .C_EncryptUpdate = C_EncryptUpdate,    \
    .C_EncryptFinal = C_EncryptFinal, .C_DecryptInit = C_DecryptInit, .C_Decrypt = C_Decrypt,      \
    .C_DecryptUpdate = C_DecryptUpdate, .C_DecryptFinal = C_DecryptFinal,                          \
    .C_DigestInit = C_DigestInit, .C_Digest = C_Digest, .C_DigestUpdate = C_DigestUpdate,          \
    .C_DigestKey = C_DigestKey, .C_DigestFinal = C_DigestFinal, .C_SignInit = C_SignInit,          \
    .C_Sign = C_Sign, .C_SignUpdate = C_SignUpdate, .C_SignFinal = C_SignFinal,                    \
    .C_SignRecoverInit = C_SignRecoverInit, .C_SignRecover = C_SignRecover,                        \
    .C_VerifyInit = C_VerifyInit, .C_Verify = C_Verify, .C_VerifyUpdate = C_VerifyUpdate,          \
    .C_VerifyFinal = C_VerifyFinal, .C_VerifyRecoverInit = C_VerifyRecoverInit,                    \
    .C_VerifyRecover = C_VerifyRecover, .C_DigestEncryptUpdate = C_DigestEncryptUpdate,            \
    .C_DecryptDigestUpdate = C_DecryptDigestUpdate, .C_SignEncryptUpdate = C_SignEncryptUpdate,    \
    .C_DecryptVerifyUpdate = C_DecryptVerifyUpdate, .C_GenerateKey = C_GenerateKey,                \
    .C_GenerateKeyPair = C_GenerateKeyPair, .C_WrapKey = C_WrapKey, .C_UnwrapKey = C_UnwrapKey,    \
    .C_DeriveKey = C_DeriveKey, .C_SeedRandom = C_SeedRandom,                                      \
    .C_GenerateRandom = C_GenerateRandom, .C_GetFunctionStatus = C_GetFunctionStatus,              \
    .C_CancelFunction = C_CancelFunction, .C_WaitForSlotEvent = C_WaitForSlotEvent

/* The 24 functions added by 3.0. */
#define CH_P11_FUNCTIONS_300                                                                       \
    .C_GetInterfaceList = C_GetInterfaceList, .C_GetInterface = C_GetInterface,                    \
    .C_LoginUser = C_LoginUser, .C_SessionCancel = C_SessionCancel,                                \
    .C_MessageEncryptInit = C_MessageEncryptInit, .C_EncryptMessage = C_EncryptMessage,            \
    .C_EncryptMessageBegin = C_EncryptMessageBegin, .C_EncryptMessageNext = C_EncryptMessageNext,  \
    .C_MessageEncryptFinal = C_MessageEncryptFinal, .C_MessageDecryptInit = C_MessageDecryptInit,  \
    .C_DecryptMessage = C_DecryptMessage, .C_DecryptMessageBegin = C_DecryptMessageBegin,          \
    .C_DecryptMessageNext = C_DecryptMessageNext, .C_MessageDecryptFinal = C_MessageDecryptFinal,  \
    .C_MessageSignInit = C_MessageSignInit, .C_SignMessage = C_SignMessage,                        \
    .C_SignMessageBegin = C_SignMessageBegin, .C_SignMessageNext = C_SignMessageNext,              \
    .C_MessageSignFinal = C_MessageSignFinal, .C_MessageVerifyInit = C_MessageVerifyInit,          \
    .C_VerifyMessage = C_VerifyMessage, .C_VerifyMessageBegin = C_VerifyMessageBegin,              \
    .C_VerifyMessageNext = C_VerifyMessageNext, .C_MessageVerifyFinal = C_MessageVerifyFinal

const CK_FUNCTION_LIST ch_p11_list_240 = {
    .version = {2, 40},
    CH_P11_FUNCTIONS_240,
};

const CK_FUNCTION_LIST_3_0 ch_p11_list_300 = {
    .version = {3, 0},
    CH_P11_FUNCTIONS_240,
    CH_P11_FUNCTIONS_300,
};

/* The 3.2 list as the spec lays it out (102 entries), followed by the two authenticated-wrap
 * entries that some 3.2 headers append (NSS's among them): an application built with such a
 * header reads 104 entries, so we provide them (answering CKR_FUNCTION_NOT_SUPPORTED) rather
 * than let it read past our table. */
static const struct ch_function_list_3_2_ext list_320_ext = {
    .base =
        {
            .version = {3, 2},
            CH_P11_FUNCTIONS_240,
            CH_P11_FUNCTIONS_300,
            .C_EncapsulateKey = C_EncapsulateKey,
            .C_DecapsulateKey = C_DecapsulateKey,
            .C_VerifySignatureInit = unsup_verify_signature_init,
            .C_VerifySignature = unsup_verify_signature,
            .C_VerifySignatureUpdate = unsup_verify_signature_update,
            .C_VerifySignatureFinal = unsup_verify_signature_final,
            .C_GetSessionValidationFlags = unsup_get_session_validation_flags,
            .C_AsyncComplete = unsup_async_complete,
            .C_AsyncGetID = unsup_async_get_id,
            .C_AsyncJoin = unsup_async_join,
        },
    .C_WrapKeyAuthenticated = unsup_wrap_authenticated,
    .C_UnwrapKeyAuthenticated = unsup_unwrap_authenticated,
};
const CK_FUNCTION_LIST_3_2 *const ch_p11_list_320 = &list_320_ext.base;

/* ---- interfaces ---------------------------------------------------------------------------- */

#define CH_P11_IFACE_NAME "PKCS 11"

/* The default interface (C_GetInterface with no name or no version) is 3.0: most clients
 * expect 3.0 semantics, and it is listed first so that a client taking the first entry of
 * C_GetInterfaceList gets the same one. Flags are 0: we make no CKF_INTERFACE_FORK_SAFE
 * promise (a fork child must call C_Initialize again). */
static const CK_INTERFACE interfaces[] = {
    {(CK_UTF8CHAR_PTR)CH_P11_IFACE_NAME, (CK_VOID_PTR)&ch_p11_list_300, 0},
    {(CK_UTF8CHAR_PTR)CH_P11_IFACE_NAME, (CK_VOID_PTR)&list_320_ext.base, 0},
    {(CK_UTF8CHAR_PTR)CH_P11_IFACE_NAME, (CK_VOID_PTR)&ch_p11_list_240, 0},
};

/* PKCS#11 3.0 §5.4.5 C_GetInterfaceList: callable before C_Initialize; the usual two-call
 * count convention. */
CH_P11_EXPORT CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount)
{
    const CK_ULONG n = CH_ARRAY_LEN(interfaces);

    if (pulCount == NULL)
        return CKR_ARGUMENTS_BAD;
    if (pInterfacesList == NULL) {
        *pulCount = n;
        return CKR_OK;
    }
    if (*pulCount < n) {
        *pulCount = n;
        return CKR_BUFFER_TOO_SMALL;
    }
    memcpy(pInterfacesList, interfaces, sizeof(interfaces));
    *pulCount = n;
    return CKR_OK;
}

static bool iface_matches(const CK_INTERFACE *it, const CK_UTF8CHAR *name,
                          const CK_VERSION *version, CK_FLAGS flags)
{
    const CK_VERSION *v = it->pFunctionList;

    if (name != NULL && strcmp((const char *)name, (const char *)it->pInterfaceName) != 0)
        return false;
    if (version != NULL && (version->major != v->major || version->minor != v->minor))
        return false;
    return (it->flags & flags) == flags;
}

/* PKCS#11 3.0 §5.4.6 C_GetInterface: name, version and flags must match where given. The spec
 * names no code for "no such interface"; like other modules we answer CKR_ARGUMENTS_BAD. */
CH_P11_EXPORT CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
                                   CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags)
{
    if (ppInterface == NULL)
        return CKR_ARGUMENTS_BAD;
    for (size_t i = 0; i < CH_ARRAY_LEN(interfaces); i++) {
        if (iface_matches(&interfaces[i], pInterfaceName, pVersion, flags)) {
            *ppInterface = (CK_INTERFACE_PTR)&interfaces[i];
            return CKR_OK;
        }
    }
    return CKR_ARGUMENTS_BAD;
}
