/* SPDX-License-Identifier: Apache-2.0 */
/* src/pkcs11: the message-based functions of PKCS#11 3.0 (§5.9 encrypt, §5.11 decrypt, §5.14
 * sign, §5.16 verify). ABI layer only: pointer checks and CK_ULONG <-> size_t; the per-message
 * parameter (e.g. CK_GCM_MESSAGE_PARAMS) is passed through untouched for src/token to read and
 * write back. */
#include "pkcs11/p11.h"

/* ---- shapes --------------------------------------------------------------------------------- */

/* C_Message*Init; pMechanism NULL ends the message-based process (§5.9.1). */
static CK_RV msg_init(CK_SESSION_HANDLE h, enum ch_op_kind kind, const CK_MECHANISM *mech,
                      CK_OBJECT_HANDLE key)
{
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    rv = ch_tok_op_init(h, kind, mech, key);
    ch_tok_leave();
    return rv;
}

/* C_EncryptMessage, C_DecryptMessage, C_SignMessage (aad NULL/0): output per §5.2. */
static CK_RV msg_oneshot(CK_SESSION_HANDLE h, enum ch_op_kind kind, void *param, CK_ULONG param_ul,
                         const CK_BYTE *aad, CK_ULONG aad_ul, const CK_BYTE *in, CK_ULONG in_ul,
                         CK_BYTE *out, CK_ULONG *pul_out)
{
    size_t param_len, aad_len, in_len, out_len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_in(param, param_ul, &param_len));
    CH_TRY_OUT(ch_p11_in(aad, aad_ul, &aad_len));
    CH_TRY_OUT(ch_p11_in(in, in_ul, &in_len));
    CH_TRY_OUT(ch_p11_out_begin(out, pul_out, &out_len));
    rv = ch_tok_msg_oneshot(h, kind, param, param_len, aad, aad_len, in, in_len, out, &out_len);
    rv = ch_p11_out_end(rv, out_len, pul_out);
out:
    ch_tok_leave();
    return rv;
}

/* C_*MessageBegin. */
static CK_RV msg_begin(CK_SESSION_HANDLE h, enum ch_op_kind kind, void *param, CK_ULONG param_ul,
                       const CK_BYTE *aad, CK_ULONG aad_ul)
{
    size_t param_len, aad_len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_in(param, param_ul, &param_len));
    CH_TRY_OUT(ch_p11_in(aad, aad_ul, &aad_len));
    rv = ch_tok_msg_begin(h, kind, param, param_len, aad, aad_len);
out:
    ch_tok_leave();
    return rv;
}

/* C_EncryptMessageNext / C_DecryptMessageNext / C_SignMessageNext. pul_out may be NULL only
 * for C_SignMessageNext, where it means more data follows; then no output is asked for. */
static CK_RV msg_next(CK_SESSION_HANDLE h, enum ch_op_kind kind, void *param, CK_ULONG param_ul,
                      const CK_BYTE *in, CK_ULONG in_ul, CK_BYTE *out, CK_ULONG *pul_out,
                      bool final)
{
    const bool len_optional = kind == CH_OP_MSG_SIGN;
    size_t param_len, in_len, out_len = 0;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_in(param, param_ul, &param_len));
    CH_TRY_OUT(ch_p11_in(in, in_ul, &in_len));
    CH_CHECK_OUT(pul_out != NULL || len_optional, CKR_ARGUMENTS_BAD);
    if (pul_out == NULL) {
        rv = ch_tok_msg_next(h, kind, param, param_len, in, in_len, NULL, NULL, final);
        goto out;
    }
    CH_TRY_OUT(ch_p11_out_begin(out, pul_out, &out_len));
    rv = ch_tok_msg_next(h, kind, param, param_len, in, in_len, out, &out_len, final);
    rv = ch_p11_out_end(rv, out_len, pul_out);
out:
    ch_tok_leave();
    return rv;
}

static CK_RV msg_final(CK_SESSION_HANDLE h, enum ch_op_kind kind)
{
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    rv = ch_tok_msg_final(h, kind);
    ch_tok_leave();
    return rv;
}

/* ---- message-based encryption (§5.9) -------------------------------------------------------- */

CH_P11_EXPORT CK_RV C_MessageEncryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                         CK_OBJECT_HANDLE hKey)
{
    return msg_init(hSession, CH_OP_MSG_ENCRYPT, pMechanism, hKey);
}

CH_P11_EXPORT CK_RV C_EncryptMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                     CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
                                     CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pPlaintext,
                                     CK_ULONG ulPlaintextLen, CK_BYTE_PTR pCiphertext,
                                     CK_ULONG_PTR pulCiphertextLen)
{
    return msg_oneshot(hSession, CH_OP_MSG_ENCRYPT, pParameter, ulParameterLen, pAssociatedData,
                       ulAssociatedDataLen, pPlaintext, ulPlaintextLen, pCiphertext,
                       pulCiphertextLen);
}

CH_P11_EXPORT CK_RV C_EncryptMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                          CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
                                          CK_ULONG ulAssociatedDataLen)
{
    return msg_begin(hSession, CH_OP_MSG_ENCRYPT, pParameter, ulParameterLen, pAssociatedData,
                     ulAssociatedDataLen);
}

CH_P11_EXPORT CK_RV C_EncryptMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                         CK_ULONG ulParameterLen, CK_BYTE_PTR pPlaintextPart,
                                         CK_ULONG ulPlaintextPartLen, CK_BYTE_PTR pCiphertextPart,
                                         CK_ULONG_PTR pulCiphertextPartLen, CK_FLAGS flags)
{
    return msg_next(hSession, CH_OP_MSG_ENCRYPT, pParameter, ulParameterLen, pPlaintextPart,
                    ulPlaintextPartLen, pCiphertextPart, pulCiphertextPartLen,
                    (flags & CKF_END_OF_MESSAGE) != 0);
}

CH_P11_EXPORT CK_RV C_MessageEncryptFinal(CK_SESSION_HANDLE hSession)
{
    return msg_final(hSession, CH_OP_MSG_ENCRYPT);
}

/* ---- message-based decryption (§5.11) ------------------------------------------------------- */

CH_P11_EXPORT CK_RV C_MessageDecryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                         CK_OBJECT_HANDLE hKey)
{
    return msg_init(hSession, CH_OP_MSG_DECRYPT, pMechanism, hKey);
}

CH_P11_EXPORT CK_RV C_DecryptMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                     CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
                                     CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pCiphertext,
                                     CK_ULONG ulCiphertextLen, CK_BYTE_PTR pPlaintext,
                                     CK_ULONG_PTR pulPlaintextLen)
{
    return msg_oneshot(hSession, CH_OP_MSG_DECRYPT, pParameter, ulParameterLen, pAssociatedData,
                       ulAssociatedDataLen, pCiphertext, ulCiphertextLen, pPlaintext,
                       pulPlaintextLen);
}

CH_P11_EXPORT CK_RV C_DecryptMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                          CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
                                          CK_ULONG ulAssociatedDataLen)
{
    return msg_begin(hSession, CH_OP_MSG_DECRYPT, pParameter, ulParameterLen, pAssociatedData,
                     ulAssociatedDataLen);
}

CH_P11_EXPORT CK_RV C_DecryptMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                         CK_ULONG ulParameterLen, CK_BYTE_PTR pCiphertextPart,
                                         CK_ULONG ulCiphertextPartLen, CK_BYTE_PTR pPlaintextPart,
                                         CK_ULONG_PTR pulPlaintextPartLen, CK_FLAGS flags)
{
    return msg_next(hSession, CH_OP_MSG_DECRYPT, pParameter, ulParameterLen, pCiphertextPart,
                    ulCiphertextPartLen, pPlaintextPart, pulPlaintextPartLen,
                    (flags & CKF_END_OF_MESSAGE) != 0);
}

CH_P11_EXPORT CK_RV C_MessageDecryptFinal(CK_SESSION_HANDLE hSession)
{
    return msg_final(hSession, CH_OP_MSG_DECRYPT);
}

/* ---- message-based signing (§5.14) ---------------------------------------------------------- */

CH_P11_EXPORT CK_RV C_MessageSignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                      CK_OBJECT_HANDLE hKey)
{
    return msg_init(hSession, CH_OP_MSG_SIGN, pMechanism, hKey);
}

CH_P11_EXPORT CK_RV C_SignMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                  CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                                  CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
    return msg_oneshot(hSession, CH_OP_MSG_SIGN, pParameter, ulParameterLen, NULL, 0, pData,
                       ulDataLen, pSignature, pulSignatureLen);
}

CH_P11_EXPORT CK_RV C_SignMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                       CK_ULONG ulParameterLen)
{
    return msg_begin(hSession, CH_OP_MSG_SIGN, pParameter, ulParameterLen, NULL, 0);
}

/* §5.14.4: pulSignatureLen NULL means more data follows; non-NULL asks for the signature. */
CH_P11_EXPORT CK_RV C_SignMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                      CK_ULONG ulParameterLen, CK_BYTE_PTR pDataPart,
                                      CK_ULONG ulDataPartLen, CK_BYTE_PTR pSignature,
                                      CK_ULONG_PTR pulSignatureLen)
{
    return msg_next(hSession, CH_OP_MSG_SIGN, pParameter, ulParameterLen, pDataPart,
                    ulDataPartLen, pSignature, pulSignatureLen, pulSignatureLen != NULL);
}

CH_P11_EXPORT CK_RV C_MessageSignFinal(CK_SESSION_HANDLE hSession)
{
    return msg_final(hSession, CH_OP_MSG_SIGN);
}

/* ---- message-based verification (§5.16) ----------------------------------------------------- */

CH_P11_EXPORT CK_RV C_MessageVerifyInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                        CK_OBJECT_HANDLE hKey)
{
    return msg_init(hSession, CH_OP_MSG_VERIFY, pMechanism, hKey);
}

CH_P11_EXPORT CK_RV C_VerifyMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                    CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                                    CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
    size_t param_len, data_len, sig_len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_in(pParameter, ulParameterLen, &param_len));
    CH_TRY_OUT(ch_p11_in(pData, ulDataLen, &data_len));
    CH_TRY_OUT(ch_p11_in(pSignature, ulSignatureLen, &sig_len));
    rv = ch_tok_msg_verify(hSession, pParameter, param_len, pData, data_len, pSignature, sig_len);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_VerifyMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                         CK_ULONG ulParameterLen)
{
    return msg_begin(hSession, CH_OP_MSG_VERIFY, pParameter, ulParameterLen, NULL, 0);
}

/* §5.16.4: pSignature NULL means more data follows; non-NULL is the signature to check, which
 * src/token takes in the out/out_len slot of ch_tok_msg_next. */
CH_P11_EXPORT CK_RV C_VerifyMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                        CK_ULONG ulParameterLen, CK_BYTE_PTR pDataPart,
                                        CK_ULONG ulDataPartLen, CK_BYTE_PTR pSignature,
                                        CK_ULONG ulSignatureLen)
{
    size_t param_len, data_len, sig_len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_in(pParameter, ulParameterLen, &param_len));
    CH_TRY_OUT(ch_p11_in(pDataPart, ulDataPartLen, &data_len));
    CH_TRY_OUT(ch_p11_size(ulSignatureLen, &sig_len));
    rv = ch_tok_msg_next(hSession, CH_OP_MSG_VERIFY, pParameter, param_len, pDataPart, data_len,
                         pSignature, pSignature != NULL ? &sig_len : NULL, pSignature != NULL);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_MessageVerifyFinal(CK_SESSION_HANDLE hSession)
{
    return msg_final(hSession, CH_OP_MSG_VERIFY);
}
