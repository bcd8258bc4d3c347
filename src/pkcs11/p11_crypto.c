/* SPDX-License-Identifier: Apache-2.0 */
/* src/pkcs11: the single- and multi-part cryptographic functions (PKCS#11 3.0 §5.8 encrypt,
 * §5.10 decrypt, §5.12 digest, §5.13 sign, §5.15 verify, §5.17 dual-function). ABI layer only:
 * each entry point checks its pointers, converts lengths and calls one of the shapes below. */
#include "pkcs11/p11.h"

/* ---- the shapes every function here takes -------------------------------------------------- */

/* *Init. pMechanism NULL is allowed: since 3.0 it ends the active operation of that kind. */
static CK_RV op_init(CK_SESSION_HANDLE h, enum ch_op_kind kind, const CK_MECHANISM *mech,
                     CK_OBJECT_HANDLE key)
{
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    rv = ch_tok_op_init(h, kind, mech, key);
    ch_tok_leave();
    return rv;
}

/* Single part with output (§5.2 convention): C_Encrypt, C_Decrypt, C_Digest, C_Sign,
 * C_SignRecover, C_VerifyRecover. */
static CK_RV op_oneshot(CK_SESSION_HANDLE h, enum ch_op_kind kind, const CK_BYTE *in,
                        CK_ULONG in_ul, CK_BYTE *out, CK_ULONG *pul_out)
{
    size_t in_len, out_len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_in(in, in_ul, &in_len));
    CH_TRY_OUT(ch_p11_out_begin(out, pul_out, &out_len));
    rv = ch_tok_op_oneshot(h, kind, in, in_len, out, &out_len);
    rv = ch_p11_out_end(rv, out_len, pul_out);
out:
    ch_tok_leave();
    return rv;
}

/* Update with output: C_EncryptUpdate, C_DecryptUpdate. */
static CK_RV op_update_out(CK_SESSION_HANDLE h, enum ch_op_kind kind, const CK_BYTE *in,
                           CK_ULONG in_ul, CK_BYTE *out, CK_ULONG *pul_out)
{
    size_t in_len, out_len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_in(in, in_ul, &in_len));
    CH_TRY_OUT(ch_p11_out_begin(out, pul_out, &out_len));
    rv = ch_tok_op_update(h, kind, in, in_len, out, &out_len);
    rv = ch_p11_out_end(rv, out_len, pul_out);
out:
    ch_tok_leave();
    return rv;
}

/* Update without output: C_DigestUpdate, C_SignUpdate, C_VerifyUpdate. */
static CK_RV op_update(CK_SESSION_HANDLE h, enum ch_op_kind kind, const CK_BYTE *in,
                       CK_ULONG in_ul)
{
    size_t in_len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_in(in, in_ul, &in_len));
    rv = ch_tok_op_update(h, kind, in, in_len, NULL, NULL);
out:
    ch_tok_leave();
    return rv;
}

/* Final with output: C_EncryptFinal, C_DecryptFinal, C_DigestFinal, C_SignFinal. */
static CK_RV op_final(CK_SESSION_HANDLE h, enum ch_op_kind kind, CK_BYTE *out, CK_ULONG *pul_out)
{
    size_t out_len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_out_begin(out, pul_out, &out_len));
    rv = ch_tok_op_final(h, kind, out, &out_len);
    rv = ch_p11_out_end(rv, out_len, pul_out);
out:
    ch_tok_leave();
    return rv;
}

/* Dual-function update (§5.17), always with output. */
static CK_RV op_dual(CK_SESSION_HANDLE h, enum ch_op_kind first, enum ch_op_kind second,
                     const CK_BYTE *in, CK_ULONG in_ul, CK_BYTE *out, CK_ULONG *pul_out)
{
    size_t in_len, out_len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_in(in, in_ul, &in_len));
    CH_TRY_OUT(ch_p11_out_begin(out, pul_out, &out_len));
    rv = ch_tok_dual_update(h, first, second, in, in_len, out, &out_len);
    rv = ch_p11_out_end(rv, out_len, pul_out);
out:
    ch_tok_leave();
    return rv;
}

/* ---- encryption (§5.8) ---------------------------------------------------------------------- */

CH_P11_EXPORT CK_RV C_EncryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                  CK_OBJECT_HANDLE hKey)
{
    return op_init(hSession, CH_OP_ENCRYPT, pMechanism, hKey);
}

CH_P11_EXPORT CK_RV C_Encrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                              CK_BYTE_PTR pEncryptedData, CK_ULONG_PTR pulEncryptedDataLen)
{
    return op_oneshot(hSession, CH_OP_ENCRYPT, pData, ulDataLen, pEncryptedData,
                      pulEncryptedDataLen);
}

CH_P11_EXPORT CK_RV C_EncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart,
                                    CK_ULONG ulPartLen, CK_BYTE_PTR pEncryptedPart,
                                    CK_ULONG_PTR pulEncryptedPartLen)
{
    return op_update_out(hSession, CH_OP_ENCRYPT, pPart, ulPartLen, pEncryptedPart,
                         pulEncryptedPartLen);
}

CH_P11_EXPORT CK_RV C_EncryptFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastEncryptedPart,
                                   CK_ULONG_PTR pulLastEncryptedPartLen)
{
    return op_final(hSession, CH_OP_ENCRYPT, pLastEncryptedPart, pulLastEncryptedPartLen);
}

/* ---- decryption (§5.10) --------------------------------------------------------------------- */

CH_P11_EXPORT CK_RV C_DecryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                  CK_OBJECT_HANDLE hKey)
{
    return op_init(hSession, CH_OP_DECRYPT, pMechanism, hKey);
}

CH_P11_EXPORT CK_RV C_Decrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedData,
                              CK_ULONG ulEncryptedDataLen, CK_BYTE_PTR pData,
                              CK_ULONG_PTR pulDataLen)
{
    return op_oneshot(hSession, CH_OP_DECRYPT, pEncryptedData, ulEncryptedDataLen, pData,
                      pulDataLen);
}

CH_P11_EXPORT CK_RV C_DecryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart,
                                    CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart,
                                    CK_ULONG_PTR pulPartLen)
{
    return op_update_out(hSession, CH_OP_DECRYPT, pEncryptedPart, ulEncryptedPartLen, pPart,
                         pulPartLen);
}

CH_P11_EXPORT CK_RV C_DecryptFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastPart,
                                   CK_ULONG_PTR pulLastPartLen)
{
    return op_final(hSession, CH_OP_DECRYPT, pLastPart, pulLastPartLen);
}

/* ---- digest (§5.12) ------------------------------------------------------------------------- */

CH_P11_EXPORT CK_RV C_DigestInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism)
{
    return op_init(hSession, CH_OP_DIGEST, pMechanism, CK_INVALID_HANDLE);
}

CH_P11_EXPORT CK_RV C_Digest(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                             CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen)
{
    return op_oneshot(hSession, CH_OP_DIGEST, pData, ulDataLen, pDigest, pulDigestLen);
}

CH_P11_EXPORT CK_RV C_DigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart,
                                   CK_ULONG ulPartLen)
{
    return op_update(hSession, CH_OP_DIGEST, pPart, ulPartLen);
}

CH_P11_EXPORT CK_RV C_DigestKey(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey)
{
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    rv = ch_tok_digest_key(hSession, hKey);
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_DigestFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pDigest,
                                  CK_ULONG_PTR pulDigestLen)
{
    return op_final(hSession, CH_OP_DIGEST, pDigest, pulDigestLen);
}

/* ---- sign and MAC (§5.13) ------------------------------------------------------------------- */

CH_P11_EXPORT CK_RV C_SignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                               CK_OBJECT_HANDLE hKey)
{
    return op_init(hSession, CH_OP_SIGN, pMechanism, hKey);
}

CH_P11_EXPORT CK_RV C_Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                           CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
    return op_oneshot(hSession, CH_OP_SIGN, pData, ulDataLen, pSignature, pulSignatureLen);
}

CH_P11_EXPORT CK_RV C_SignUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
    return op_update(hSession, CH_OP_SIGN, pPart, ulPartLen);
}

CH_P11_EXPORT CK_RV C_SignFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature,
                                CK_ULONG_PTR pulSignatureLen)
{
    return op_final(hSession, CH_OP_SIGN, pSignature, pulSignatureLen);
}

CH_P11_EXPORT CK_RV C_SignRecoverInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                      CK_OBJECT_HANDLE hKey)
{
    return op_init(hSession, CH_OP_SIGN_RECOVER, pMechanism, hKey);
}

CH_P11_EXPORT CK_RV C_SignRecover(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData,
                                  CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
                                  CK_ULONG_PTR pulSignatureLen)
{
    return op_oneshot(hSession, CH_OP_SIGN_RECOVER, pData, ulDataLen, pSignature,
                      pulSignatureLen);
}

/* ---- verify (§5.15) ------------------------------------------------------------------------- */

CH_P11_EXPORT CK_RV C_VerifyInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                 CK_OBJECT_HANDLE hKey)
{
    return op_init(hSession, CH_OP_VERIFY, pMechanism, hKey);
}

CH_P11_EXPORT CK_RV C_Verify(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                             CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
    size_t data_len, sig_len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_in(pData, ulDataLen, &data_len));
    CH_TRY_OUT(ch_p11_in(pSignature, ulSignatureLen, &sig_len));
    rv = ch_tok_verify(hSession, pData, data_len, pSignature, sig_len);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_VerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart,
                                   CK_ULONG ulPartLen)
{
    return op_update(hSession, CH_OP_VERIFY, pPart, ulPartLen);
}

CH_P11_EXPORT CK_RV C_VerifyFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature,
                                  CK_ULONG ulSignatureLen)
{
    size_t sig_len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_in(pSignature, ulSignatureLen, &sig_len));
    rv = ch_tok_verify_final(hSession, pSignature, sig_len);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                        CK_OBJECT_HANDLE hKey)
{
    return op_init(hSession, CH_OP_VERIFY_RECOVER, pMechanism, hKey);
}

CH_P11_EXPORT CK_RV C_VerifyRecover(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature,
                                    CK_ULONG ulSignatureLen, CK_BYTE_PTR pData,
                                    CK_ULONG_PTR pulDataLen)
{
    return op_oneshot(hSession, CH_OP_VERIFY_RECOVER, pSignature, ulSignatureLen, pData,
                      pulDataLen);
}

/* ---- dual-function updates (§5.17) ---------------------------------------------------------- */

CH_P11_EXPORT CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart,
                                          CK_ULONG ulPartLen, CK_BYTE_PTR pEncryptedPart,
                                          CK_ULONG_PTR pulEncryptedPartLen)
{
    return op_dual(hSession, CH_OP_DIGEST, CH_OP_ENCRYPT, pPart, ulPartLen, pEncryptedPart,
                   pulEncryptedPartLen);
}

CH_P11_EXPORT CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart,
                                          CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart,
                                          CK_ULONG_PTR pulPartLen)
{
    return op_dual(hSession, CH_OP_DECRYPT, CH_OP_DIGEST, pEncryptedPart, ulEncryptedPartLen,
                   pPart, pulPartLen);
}

CH_P11_EXPORT CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart,
                                        CK_ULONG ulPartLen, CK_BYTE_PTR pEncryptedPart,
                                        CK_ULONG_PTR pulEncryptedPartLen)
{
    return op_dual(hSession, CH_OP_SIGN, CH_OP_ENCRYPT, pPart, ulPartLen, pEncryptedPart,
                   pulEncryptedPartLen);
}

CH_P11_EXPORT CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart,
                                          CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart,
                                          CK_ULONG_PTR pulPartLen)
{
    return op_dual(hSession, CH_OP_DECRYPT, CH_OP_VERIFY, pEncryptedPart, ulEncryptedPartLen,
                   pPart, pulPartLen);
}
