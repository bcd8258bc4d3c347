/* SPDX-License-Identifier: Apache-2.0 */
/* src/pkcs11: slot and token management functions (PKCS#11 3.0 §5.5). ABI layer only:
 * pointer checks, CK_ULONG <-> size_t, then src/token. No policy. */
#include "pkcs11/p11.h"

/* C_GetSlotList / C_GetMechanismList count convention (§5.5.1, §5.5.5): list NULL asks for the
 * count; otherwise *pulCount is the capacity; the count is written back on CKR_OK and
 * CKR_BUFFER_TOO_SMALL. */
CH_P11_EXPORT CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList,
                                  CK_ULONG_PTR pulCount)
{
    size_t count;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_out_begin(pSlotList, pulCount, &count));
    rv = ch_tok_slot_list(tokenPresent != CK_FALSE, pSlotList, &count);
    rv = ch_p11_out_end(rv, count, pulCount);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_CHECK_OUT(pInfo != NULL, CKR_ARGUMENTS_BAD);
    rv = ch_tok_slot_info(slotID, pInfo);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_CHECK_OUT(pInfo != NULL, CKR_ARGUMENTS_BAD);
    rv = ch_tok_token_info(slotID, pInfo);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList,
                                       CK_ULONG_PTR pulCount)
{
    size_t count;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_out_begin(pMechanismList, pulCount, &count));
    rv = ch_tok_mechanism_list(slotID, pMechanismList, &count);
    rv = ch_p11_out_end(rv, count, pulCount);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type,
                                       CK_MECHANISM_INFO_PTR pInfo)
{
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_CHECK_OUT(pInfo != NULL, CKR_ARGUMENTS_BAD);
    rv = ch_tok_mechanism_info(slotID, type, pInfo);
out:
    ch_tok_leave();
    return rv;
}

/* §5.5.7 C_InitToken: pLabel is 32 blank-padded bytes, not NUL-terminated. */
CH_P11_EXPORT CK_RV C_InitToken(CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
                                CK_UTF8CHAR_PTR pLabel)
{
    size_t pin_len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_CHECK_OUT(pLabel != NULL, CKR_ARGUMENTS_BAD);
    CH_TRY_OUT(ch_p11_pin(pPin, ulPinLen, &pin_len));
    rv = ch_tok_init_token(slotID, pPin, pin_len, pLabel);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
    size_t pin_len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_pin(pPin, ulPinLen, &pin_len));
    rv = ch_tok_init_pin(hSession, pPin, pin_len);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin,
                             CK_ULONG ulOldLen, CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen)
{
    size_t old_len, new_len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_pin(pOldPin, ulOldLen, &old_len));
    CH_TRY_OUT(ch_p11_pin(pNewPin, ulNewLen, &new_len));
    rv = ch_tok_set_pin(hSession, pOldPin, old_len, pNewPin, new_len);
out:
    ch_tok_leave();
    return rv;
}
