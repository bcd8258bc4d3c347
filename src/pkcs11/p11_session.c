/* SPDX-License-Identifier: Apache-2.0 */
/* src/pkcs11: session management functions (PKCS#11 3.0 §5.6). ABI layer only: pointer
 * checks, CK_ULONG <-> size_t, then src/token, which owns the session state machine. */
#include "pkcs11/p11.h"

/* §5.6.1: pApplication and Notify are accepted and never used; we raise no notifications
 * (the spec allows a library never to call Notify). */
CH_P11_EXPORT CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication,
                                  CK_NOTIFY Notify, CK_SESSION_HANDLE_PTR phSession)
{
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_CHECK_OUT(phSession != NULL, CKR_ARGUMENTS_BAD);
    rv = ch_tok_open_session(slotID, flags, phSession);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_CloseSession(CK_SESSION_HANDLE hSession)
{
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    rv = ch_tok_close_session(hSession);
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_CloseAllSessions(CK_SLOT_ID slotID)
{
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    rv = ch_tok_close_all_sessions(slotID);
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo)
{
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_CHECK_OUT(pInfo != NULL, CKR_ARGUMENTS_BAD);
    rv = ch_tok_session_info(hSession, pInfo);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags)
{
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    rv = ch_tok_session_cancel(hSession, flags);
    ch_tok_leave();
    return rv;
}

/* §5.6.6: the §5.2 output convention applies to the saved state. */
CH_P11_EXPORT CK_RV C_GetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
                                        CK_ULONG_PTR pulOperationStateLen)
{
    size_t len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_out_begin(pOperationState, pulOperationStateLen, &len));
    rv = ch_tok_get_operation_state(hSession, pOperationState, &len);
    rv = ch_p11_out_end(rv, len, pulOperationStateLen);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_SetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
                                        CK_ULONG ulOperationStateLen,
                                        CK_OBJECT_HANDLE hEncryptionKey,
                                        CK_OBJECT_HANDLE hAuthenticationKey)
{
    size_t len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_CHECK_OUT(pOperationState != NULL, CKR_ARGUMENTS_BAD);
    CH_TRY_OUT(ch_p11_size(ulOperationStateLen, &len));
    rv = ch_tok_set_operation_state(hSession, pOperationState, len, hEncryptionKey,
                                    hAuthenticationKey);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType,
                            CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
    size_t pin_len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_pin(pPin, ulPinLen, &pin_len));
    rv = ch_tok_login(hSession, userType, pPin, pin_len, NULL, 0);
out:
    ch_tok_leave();
    return rv;
}

/* §5.6.9 C_LoginUser: the user name is passed on; src/token decides what names it accepts. */
CH_P11_EXPORT CK_RV C_LoginUser(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType,
                                CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername,
                                CK_ULONG ulUsernameLen)
{
    size_t pin_len, user_len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_pin(pPin, ulPinLen, &pin_len));
    CH_TRY_OUT(ch_p11_in(pUsername, ulUsernameLen, &user_len));
    rv = ch_tok_login(hSession, userType, pPin, pin_len, pUsername, user_len);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_Logout(CK_SESSION_HANDLE hSession)
{
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    rv = ch_tok_logout(hSession);
    ch_tok_leave();
    return rv;
}
