/* SPDX-License-Identifier: Apache-2.0 */
/* src/pkcs11 private helpers: the export marker for C_* entry points and the few argument
 * conversions every entry point shares (CK_ULONG <-> size_t, input views, the output-length
 * convention, templates). This layer holds no policy: it checks pointers, converts lengths,
 * brackets the call with ch_tok_enter/ch_tok_leave and returns the token's CK_RV. */
#ifndef CH_P11_H
#define CH_P11_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "craton_hsm/pkcs11.h"
#include "token/token.h"

/* The only symbols libcraton_hsm.so exports are the C_* functions carrying this marker; the
 * rest of the library is built with -fvisibility=hidden and src/module/craton_hsm.map. */
#define CH_P11_EXPORT __attribute__((visibility("default")))

/* ---- length conversion --------------------------------------------------------------------- */

/* CK_ULONG -> size_t. On LP64 both are 64 bits and this is a copy; written once so a platform
 * where CK_ULONG is wider than size_t gets CKR_ARGUMENTS_BAD instead of a silent truncation. */
CH_MUST_CHECK static inline CK_RV ch_p11_size(CK_ULONG v, size_t *out)
{
#if ULONG_MAX > SIZE_MAX
    if (v > SIZE_MAX)
        return CKR_ARGUMENTS_BAD;
#endif
    *out = (size_t)v;
    return CKR_OK;
}

/* size_t -> CK_ULONG for values the module produced; a value that does not fit is our bug. */
CH_MUST_CHECK static inline CK_RV ch_p11_ulong(size_t v, CK_ULONG *out)
{
#if SIZE_MAX > ULONG_MAX
    if (v > ULONG_MAX)
        return CKR_GENERAL_ERROR;
#endif
    *out = (CK_ULONG)v;
    return CKR_OK;
}

/* ---- inputs -------------------------------------------------------------------------------- */

/* An input byte string (p, len): NULL with a non-zero length is CKR_ARGUMENTS_BAD. */
CH_MUST_CHECK static inline CK_RV ch_p11_in(const void *p, CK_ULONG len, size_t *out)
{
    if (p == NULL && len != 0)
        return CKR_ARGUMENTS_BAD;
    return ch_p11_size(len, out);
}

/* An input template (C_CreateObject, C_FindObjectsInit, key generation, ...): NULL with a
 * non-zero count, or an entry whose pValue is NULL with a non-zero ulValueLen, is
 * CKR_ARGUMENTS_BAD. Not for C_GetAttributeValue, where pValue NULL asks for the length. */
CH_MUST_CHECK static inline CK_RV ch_p11_tmpl(const CK_ATTRIBUTE *t, CK_ULONG n, size_t *out)
{
    if (t == NULL && n != 0)
        return CKR_ARGUMENTS_BAD;
    for (CK_ULONG i = 0; i < n; i++)
        if (t[i].pValue == NULL && t[i].ulValueLen != 0)
            return CKR_ARGUMENTS_BAD;
    return ch_p11_size(n, out);
}

/* A PIN: our tokens have no protected authentication path, so the pointer is always required
 * (a NULL PIN would mean "use the protected path", CKF_PROTECTED_AUTHENTICATION_PATH). */
CH_MUST_CHECK static inline CK_RV ch_p11_pin(const CK_UTF8CHAR *pin, CK_ULONG len, size_t *out)
{
    if (pin == NULL)
        return CKR_ARGUMENTS_BAD;
    return ch_p11_size(len, out);
}

/* ---- outputs: PKCS#11 3.0 §5.2 "functions returning output in a variable-length buffer" ---- */

/* Before the call: pul must not be NULL; buf == NULL is a size query (capacity 0 is passed and
 * ignored by the token), otherwise the capacity is *pul. */
CH_MUST_CHECK static inline CK_RV ch_p11_out_begin(const void *buf, const CK_ULONG *pul,
                                                   size_t *cap)
{
    if (pul == NULL)
        return CKR_ARGUMENTS_BAD;
    if (buf == NULL) {
        *cap = 0;
        return CKR_OK;
    }
    return ch_p11_size(*pul, cap);
}

/* After the call: the length is written back on CKR_OK (the exact or the queried size) and on
 * CKR_BUFFER_TOO_SMALL (the size needed); on other errors *pul is left alone. */
CH_MUST_CHECK static inline CK_RV ch_p11_out_end(CK_RV rv, size_t len, CK_ULONG *pul)
{
    if (rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL)
        return rv;
    CK_ULONG v;
    CK_RV crv = ch_p11_ulong(len, &v);
    if (crv != CKR_OK)
        return crv;
    *pul = v;
    return rv;
}

/* ---- shared between files ------------------------------------------------------------------ */

/* The three static function lists (p11_lists.c) and the interface table built on them. */
extern const CK_FUNCTION_LIST ch_p11_list_240;
extern const CK_FUNCTION_LIST_3_0 ch_p11_list_300;
extern const CK_FUNCTION_LIST_3_2 *const ch_p11_list_320;

/* C_WaitForSlotEvent support (p11_general.c): C_Finalize calls this after the module is down
 * so that a blocked C_WaitForSlotEvent returns CKR_CRYPTOKI_NOT_INITIALIZED. */
void ch_p11_wake_waiters(void);

#endif
