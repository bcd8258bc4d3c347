/* SPDX-License-Identifier: Apache-2.0 */
/* src/pkcs11: object management functions (PKCS#11 3.0 §5.7). ABI layer only: template and
 * pointer checks, CK_ULONG <-> size_t, then src/token, which owns the attribute policy. */
#include "pkcs11/p11.h"

CH_P11_EXPORT CK_RV C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate,
                                   CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phObject)
{
    size_t n;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_CHECK_OUT(phObject != NULL, CKR_ARGUMENTS_BAD);
    CH_TRY_OUT(ch_p11_tmpl(pTemplate, ulCount, &n));
    rv = ch_tok_create_object(hSession, pTemplate, n, phObject);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_CopyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                                 CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                                 CK_OBJECT_HANDLE_PTR phNewObject)
{
    size_t n;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_CHECK_OUT(phNewObject != NULL, CKR_ARGUMENTS_BAD);
    CH_TRY_OUT(ch_p11_tmpl(pTemplate, ulCount, &n));
    rv = ch_tok_copy_object(hSession, hObject, pTemplate, n, phNewObject);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject)
{
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    rv = ch_tok_destroy_object(hSession, hObject);
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                                    CK_ULONG_PTR pulSize)
{
    size_t size;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_CHECK_OUT(pulSize != NULL, CKR_ARGUMENTS_BAD);
    CH_TRY_OUT(ch_tok_object_size(hSession, hObject, &size));
    rv = ch_p11_ulong(size, pulSize);
out:
    ch_tok_leave();
    return rv;
}

/* §5.7.5: the template is in/out and pValue NULL asks for an entry's length, so only the
 * array pointer itself is checked here; the per-entry rules are src/token's. */
CH_P11_EXPORT CK_RV C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                                        CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
    size_t n;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_CHECK_OUT(pTemplate != NULL || ulCount == 0, CKR_ARGUMENTS_BAD);
    CH_TRY_OUT(ch_p11_size(ulCount, &n));
    rv = ch_tok_get_attributes(hSession, hObject, pTemplate, n);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                                        CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
    size_t n;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_tmpl(pTemplate, ulCount, &n));
    rv = ch_tok_set_attributes(hSession, hObject, pTemplate, n);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate,
                                      CK_ULONG ulCount)
{
    size_t n;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_tmpl(pTemplate, ulCount, &n));
    rv = ch_tok_find_init(hSession, pTemplate, n);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject,
                                  CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount)
{
    size_t max, count = 0;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_CHECK_OUT(phObject != NULL && pulObjectCount != NULL, CKR_ARGUMENTS_BAD);
    CH_TRY_OUT(ch_p11_size(ulMaxObjectCount, &max));
    CH_TRY_OUT(ch_tok_find(hSession, phObject, max, &count));
    rv = ch_p11_ulong(count, pulObjectCount);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE hSession)
{
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    rv = ch_tok_find_final(hSession);
    ch_tok_leave();
    return rv;
}
