/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Craton HSM: the PKCS #11 function set as X-macro tables, one per interface version, in
 * function-list order (PKCS #11 v3.2 text, 3.6 and chapter 5). Public ABI header; macros only,
 * no declarations, so tests can expand the tables against other PKCS#11 headers too.
 * pkcs11f.h derives the C_* prototypes, CK_C_* types and CK_FUNCTION_LIST* structures from it.
 */
#ifndef CRATON_HSM_PKCS11X_H
#define CRATON_HSM_PKCS11X_H

/*
 * Each table entry is X(name, (parameter list)). A table is expanded with a macro that
 * takes those two arguments, e.g. CH_P11_FUNCS_V240(MY_X). Keeping one table means the
 * prototypes, the pointer typedefs and the structures can never disagree.
 */

/* The 68 functions of the v2.40 CK_FUNCTION_LIST, in structure order (3.6 CK_FUNCTION_LIST). */
#define CH_P11_FUNCS_V240(X) \
    X(C_Initialize,        (CK_VOID_PTR pInitArgs)) \
    X(C_Finalize,          (CK_VOID_PTR pReserved)) \
    X(C_GetInfo,           (CK_INFO_PTR pInfo)) \
    X(C_GetFunctionList,   (CK_FUNCTION_LIST_PTR_PTR ppFunctionList)) \
    X(C_GetSlotList,       (CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, \
                            CK_ULONG_PTR pulCount)) \
    X(C_GetSlotInfo,       (CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)) \
    X(C_GetTokenInfo,      (CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)) \
    X(C_GetMechanismList,  (CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList, \
                            CK_ULONG_PTR pulCount)) \
    X(C_GetMechanismInfo,  (CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, \
                            CK_MECHANISM_INFO_PTR pInfo)) \
    X(C_InitToken,         (CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen, \
                            CK_UTF8CHAR_PTR pLabel)) \
    X(C_InitPIN,           (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, \
                            CK_ULONG ulPinLen)) \
    X(C_SetPIN,            (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, \
                            CK_ULONG ulOldLen, CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen)) \
    X(C_OpenSession,       (CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication, \
                            CK_NOTIFY Notify, CK_SESSION_HANDLE_PTR phSession)) \
    X(C_CloseSession,      (CK_SESSION_HANDLE hSession)) \
    X(C_CloseAllSessions,  (CK_SLOT_ID slotID)) \
    X(C_GetSessionInfo,    (CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo)) \
    X(C_GetOperationState, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState, \
                            CK_ULONG_PTR pulOperationStateLen)) \
    X(C_SetOperationState, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState, \
                            CK_ULONG ulOperationStateLen, CK_OBJECT_HANDLE hEncryptionKey, \
                            CK_OBJECT_HANDLE hAuthenticationKey)) \
    X(C_Login,             (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, \
                            CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)) \
    X(C_Logout,            (CK_SESSION_HANDLE hSession)) \
    X(C_CreateObject,      (CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, \
                            CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phObject)) \
    X(C_CopyObject,        (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, \
                            CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, \
                            CK_OBJECT_HANDLE_PTR phNewObject)) \
    X(C_DestroyObject,     (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject)) \
    X(C_GetObjectSize,     (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, \
                            CK_ULONG_PTR pulSize)) \
    X(C_GetAttributeValue, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, \
                            CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)) \
    X(C_SetAttributeValue, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, \
                            CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)) \
    X(C_FindObjectsInit,   (CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, \
                            CK_ULONG ulCount)) \
    X(C_FindObjects,       (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject, \
                            CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount)) \
    X(C_FindObjectsFinal,  (CK_SESSION_HANDLE hSession)) \
    X(C_EncryptInit,       (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
                            CK_OBJECT_HANDLE hKey)) \
    X(C_Encrypt,           (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, \
                            CK_BYTE_PTR pEncryptedData, CK_ULONG_PTR pulEncryptedDataLen)) \
    X(C_EncryptUpdate,     (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen, \
                            CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen)) \
    X(C_EncryptFinal,      (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastEncryptedPart, \
                            CK_ULONG_PTR pulLastEncryptedPartLen)) \
    X(C_DecryptInit,       (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
                            CK_OBJECT_HANDLE hKey)) \
    X(C_Decrypt,           (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedData, \
                            CK_ULONG ulEncryptedDataLen, CK_BYTE_PTR pData, \
                            CK_ULONG_PTR pulDataLen)) \
    X(C_DecryptUpdate,     (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart, \
                            CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, \
                            CK_ULONG_PTR pulPartLen)) \
    X(C_DecryptFinal,      (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastPart, \
                            CK_ULONG_PTR pulLastPartLen)) \
    X(C_DigestInit,        (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism)) \
    X(C_Digest,            (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, \
                            CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen)) \
    X(C_DigestUpdate,      (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)) \
    X(C_DigestKey,         (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey)) \
    X(C_DigestFinal,       (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pDigest, \
                            CK_ULONG_PTR pulDigestLen)) \
    X(C_SignInit,          (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
                            CK_OBJECT_HANDLE hKey)) \
    X(C_Sign,              (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, \
                            CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)) \
    X(C_SignUpdate,        (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)) \
    X(C_SignFinal,         (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, \
                            CK_ULONG_PTR pulSignatureLen)) \
    X(C_SignRecoverInit,   (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
                            CK_OBJECT_HANDLE hKey)) \
    X(C_SignRecover,       (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, \
                            CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)) \
    X(C_VerifyInit,        (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
                            CK_OBJECT_HANDLE hKey)) \
    X(C_Verify,            (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, \
                            CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)) \
    X(C_VerifyUpdate,      (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)) \
    X(C_VerifyFinal,       (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, \
                            CK_ULONG ulSignatureLen)) \
    X(C_VerifyRecoverInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
                            CK_OBJECT_HANDLE hKey)) \
    X(C_VerifyRecover,     (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, \
                            CK_ULONG ulSignatureLen, CK_BYTE_PTR pData, \
                            CK_ULONG_PTR pulDataLen)) \
    X(C_DigestEncryptUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, \
                              CK_ULONG ulPartLen, CK_BYTE_PTR pEncryptedPart, \
                              CK_ULONG_PTR pulEncryptedPartLen)) \
    X(C_DecryptDigestUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart, \
                              CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, \
                              CK_ULONG_PTR pulPartLen)) \
    X(C_SignEncryptUpdate,   (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, \
                              CK_ULONG ulPartLen, CK_BYTE_PTR pEncryptedPart, \
                              CK_ULONG_PTR pulEncryptedPartLen)) \
    X(C_DecryptVerifyUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart, \
                              CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, \
                              CK_ULONG_PTR pulPartLen)) \
    X(C_GenerateKey,       (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
                            CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, \
                            CK_OBJECT_HANDLE_PTR phKey)) \
    X(C_GenerateKeyPair,   (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
                            CK_ATTRIBUTE_PTR pPublicKeyTemplate, \
                            CK_ULONG ulPublicKeyAttributeCount, \
                            CK_ATTRIBUTE_PTR pPrivateKeyTemplate, \
                            CK_ULONG ulPrivateKeyAttributeCount, \
                            CK_OBJECT_HANDLE_PTR phPublicKey, \
                            CK_OBJECT_HANDLE_PTR phPrivateKey)) \
    X(C_WrapKey,           (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
                            CK_OBJECT_HANDLE hWrappingKey, CK_OBJECT_HANDLE hKey, \
                            CK_BYTE_PTR pWrappedKey, CK_ULONG_PTR pulWrappedKeyLen)) \
    X(C_UnwrapKey,         (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
                            CK_OBJECT_HANDLE hUnwrappingKey, CK_BYTE_PTR pWrappedKey, \
                            CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE_PTR pTemplate, \
                            CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)) \
    X(C_DeriveKey,         (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
                            CK_OBJECT_HANDLE hBaseKey, CK_ATTRIBUTE_PTR pTemplate, \
                            CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)) \
    X(C_SeedRandom,        (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen)) \
    X(C_GenerateRandom,    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR RandomData, \
                            CK_ULONG ulRandomLen)) \
    X(C_GetFunctionStatus, (CK_SESSION_HANDLE hSession)) \
    X(C_CancelFunction,    (CK_SESSION_HANDLE hSession)) \
    X(C_WaitForSlotEvent,  (CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved))

/* The 24 functions v3.0 appends (3.6 CK_FUNCTION_LIST_3_0), in structure order. */
#define CH_P11_FUNCS_V30(X) \
    X(C_GetInterfaceList,  (CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount)) \
    X(C_GetInterface,      (CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion, \
                            CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags)) \
    X(C_LoginUser,         (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, \
                            CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen, \
                            CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen)) \
    X(C_SessionCancel,     (CK_SESSION_HANDLE hSession, CK_FLAGS flags)) \
    X(C_MessageEncryptInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
                             CK_OBJECT_HANDLE hKey)) \
    X(C_EncryptMessage,    (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
                            CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData, \
                            CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pPlaintext, \
                            CK_ULONG ulPlaintextLen, CK_BYTE_PTR pCiphertext, \
                            CK_ULONG_PTR pulCiphertextLen)) \
    X(C_EncryptMessageBegin, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
                              CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData, \
                              CK_ULONG ulAssociatedDataLen)) \
    X(C_EncryptMessageNext, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
                             CK_ULONG ulParameterLen, CK_BYTE_PTR pPlaintextPart, \
                             CK_ULONG ulPlaintextPartLen, CK_BYTE_PTR pCiphertextPart, \
                             CK_ULONG_PTR pulCiphertextPartLen, CK_FLAGS flags)) \
    X(C_MessageEncryptFinal, (CK_SESSION_HANDLE hSession)) \
    X(C_MessageDecryptInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
                             CK_OBJECT_HANDLE hKey)) \
    X(C_DecryptMessage,    (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
                            CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData, \
                            CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pCiphertext, \
                            CK_ULONG ulCiphertextLen, CK_BYTE_PTR pPlaintext, \
                            CK_ULONG_PTR pulPlaintextLen)) \
    X(C_DecryptMessageBegin, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
                              CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData, \
                              CK_ULONG ulAssociatedDataLen)) \
    X(C_DecryptMessageNext, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
                             CK_ULONG ulParameterLen, CK_BYTE_PTR pCiphertextPart, \
                             CK_ULONG ulCiphertextPartLen, CK_BYTE_PTR pPlaintextPart, \
                             CK_ULONG_PTR pulPlaintextPartLen, CK_FLAGS flags)) \
    X(C_MessageDecryptFinal, (CK_SESSION_HANDLE hSession)) \
    X(C_MessageSignInit,   (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
                            CK_OBJECT_HANDLE hKey)) \
    X(C_SignMessage,       (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
                            CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen, \
                            CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)) \
    X(C_SignMessageBegin,  (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
                            CK_ULONG ulParameterLen)) \
    X(C_SignMessageNext,   (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
                            CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen, \
                            CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)) \
    X(C_MessageSignFinal,  (CK_SESSION_HANDLE hSession)) \
    X(C_MessageVerifyInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
                            CK_OBJECT_HANDLE hKey)) \
    X(C_VerifyMessage,     (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
                            CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen, \
                            CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)) \
    X(C_VerifyMessageBegin, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
                             CK_ULONG ulParameterLen)) \
    X(C_VerifyMessageNext, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
                            CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen, \
                            CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)) \
    X(C_MessageVerifyFinal, (CK_SESSION_HANDLE hSession))

/*
 * The 10 functions v3.2 appends (3.6 CK_FUNCTION_LIST_3_2), in structure order. The 3.2 text
 * ends CK_FUNCTION_LIST_3_2 with C_AsyncJoin; C_WrapKeyAuthenticated and
 * C_UnwrapKeyAuthenticated (5.18) are functions of 3.2 but have no slot in that structure, so
 * they are in the table below instead and only get prototypes and pointer types.
 */
#define CH_P11_FUNCS_V32(X) \
    X(C_EncapsulateKey,    (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
                            CK_OBJECT_HANDLE hPublicKey, CK_ATTRIBUTE_PTR pTemplate, \
                            CK_ULONG ulAttributeCount, CK_BYTE_PTR pCiphertext, \
                            CK_ULONG_PTR pulCiphertextLen, CK_OBJECT_HANDLE_PTR phKey)) \
    X(C_DecapsulateKey,    (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
                            CK_OBJECT_HANDLE hPrivateKey, CK_ATTRIBUTE_PTR pTemplate, \
                            CK_ULONG ulAttributeCount, CK_BYTE_PTR pCiphertext, \
                            CK_ULONG ulCiphertextLen, CK_OBJECT_HANDLE_PTR phKey)) \
    X(C_VerifySignatureInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
                              CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pSignature, \
                              CK_ULONG ulSignatureLen)) \
    X(C_VerifySignature,   (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen)) \
    X(C_VerifySignatureUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, \
                                CK_ULONG ulPartLen)) \
    X(C_VerifySignatureFinal, (CK_SESSION_HANDLE hSession)) \
    X(C_GetSessionValidationFlags, (CK_SESSION_HANDLE hSession, \
                                    CK_SESSION_VALIDATION_FLAGS_TYPE type, \
                                    CK_FLAGS_PTR pFlags)) \
    X(C_AsyncComplete,     (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pFunctionName, \
                            CK_ASYNC_DATA_PTR pResult)) \
    X(C_AsyncGetID,        (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pFunctionName, \
                            CK_ULONG_PTR pulID)) \
    X(C_AsyncJoin,         (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pFunctionName, \
                            CK_ULONG ulID, CK_BYTE_PTR pData, CK_ULONG ulData))

/* v3.2 functions outside every function-list structure (see above). */
#define CH_P11_FUNCS_V32_UNLISTED(X) \
    X(C_WrapKeyAuthenticated, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
                               CK_OBJECT_HANDLE hWrappingKey, CK_OBJECT_HANDLE hKey, \
                               CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen, \
                               CK_BYTE_PTR pWrappedKey, CK_ULONG_PTR pulWrappedKeyLen)) \
    X(C_UnwrapKeyAuthenticated, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
                                 CK_OBJECT_HANDLE hUnwrappingKey, CK_BYTE_PTR pWrappedKey, \
                                 CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE_PTR pTemplate, \
                                 CK_ULONG ulAttributeCount, CK_BYTE_PTR pAssociatedData, \
                                 CK_ULONG ulAssociatedDataLen, CK_OBJECT_HANDLE_PTR phKey))

#endif /* CRATON_HSM_PKCS11X_H */
