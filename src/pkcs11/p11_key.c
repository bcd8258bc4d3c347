/* SPDX-License-Identifier: Apache-2.0 */
/* src/pkcs11: key management (PKCS#11 3.0 §5.18, 3.2 C_EncapsulateKey/C_DecapsulateKey) and
 * random number functions (§5.19). ABI layer only: pointer, template and length checks, then
 * src/token. A mechanism is required here: NULL is CKR_ARGUMENTS_BAD (only *Init cancels). */
#include "pkcs11/p11.h"

CH_P11_EXPORT CK_RV C_GenerateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                  CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                                  CK_OBJECT_HANDLE_PTR phKey)
{
    size_t n;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_CHECK_OUT(pMechanism != NULL && phKey != NULL, CKR_ARGUMENTS_BAD);
    CH_TRY_OUT(ch_p11_tmpl(pTemplate, ulCount, &n));
    rv = ch_tok_generate_key(hSession, pMechanism, pTemplate, n, phKey);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                      CK_ATTRIBUTE_PTR pPublicKeyTemplate,
                                      CK_ULONG ulPublicKeyAttributeCount,
                                      CK_ATTRIBUTE_PTR pPrivateKeyTemplate,
                                      CK_ULONG ulPrivateKeyAttributeCount,
                                      CK_OBJECT_HANDLE_PTR phPublicKey,
                                      CK_OBJECT_HANDLE_PTR phPrivateKey)
{
    size_t pub_n, priv_n;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_CHECK_OUT(pMechanism != NULL && phPublicKey != NULL && phPrivateKey != NULL,
                 CKR_ARGUMENTS_BAD);
    CH_TRY_OUT(ch_p11_tmpl(pPublicKeyTemplate, ulPublicKeyAttributeCount, &pub_n));
    CH_TRY_OUT(ch_p11_tmpl(pPrivateKeyTemplate, ulPrivateKeyAttributeCount, &priv_n));
    rv = ch_tok_generate_key_pair(hSession, pMechanism, pPublicKeyTemplate, pub_n,
                                  pPrivateKeyTemplate, priv_n, phPublicKey, phPrivateKey);
out:
    ch_tok_leave();
    return rv;
}

/* §5.18.3: the wrapped key follows the §5.2 output convention. */
CH_P11_EXPORT CK_RV C_WrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                              CK_OBJECT_HANDLE hWrappingKey, CK_OBJECT_HANDLE hKey,
                              CK_BYTE_PTR pWrappedKey, CK_ULONG_PTR pulWrappedKeyLen)
{
    size_t len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_CHECK_OUT(pMechanism != NULL, CKR_ARGUMENTS_BAD);
    CH_TRY_OUT(ch_p11_out_begin(pWrappedKey, pulWrappedKeyLen, &len));
    rv = ch_tok_wrap_key(hSession, pMechanism, hWrappingKey, hKey, pWrappedKey, &len);
    rv = ch_p11_out_end(rv, len, pulWrappedKeyLen);
out:
    ch_tok_leave();
    return rv;
}

CH_P11_EXPORT CK_RV C_UnwrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                CK_OBJECT_HANDLE hUnwrappingKey, CK_BYTE_PTR pWrappedKey,
                                CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE_PTR pTemplate,
                                CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
    size_t wrapped_len, n;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_CHECK_OUT(pMechanism != NULL && phKey != NULL, CKR_ARGUMENTS_BAD);
    CH_TRY_OUT(ch_p11_in(pWrappedKey, ulWrappedKeyLen, &wrapped_len));
    CH_TRY_OUT(ch_p11_tmpl(pTemplate, ulAttributeCount, &n));
    rv = ch_tok_unwrap_key(hSession, pMechanism, hUnwrappingKey, pWrappedKey, wrapped_len,
                           pTemplate, n, phKey);
out:
    ch_tok_leave();
    return rv;
}

/* §5.18.5. phKey is required: the SSL3/TLS key-and-MAC derivations that pass NULL here are not
 * mechanisms this module offers. */
CH_P11_EXPORT CK_RV C_DeriveKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                CK_OBJECT_HANDLE hBaseKey, CK_ATTRIBUTE_PTR pTemplate,
                                CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
    size_t n;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_CHECK_OUT(pMechanism != NULL && phKey != NULL, CKR_ARGUMENTS_BAD);
    CH_TRY_OUT(ch_p11_tmpl(pTemplate, ulAttributeCount, &n));
    rv = ch_tok_derive_key(hSession, pMechanism, hBaseKey, pTemplate, n, phKey);
out:
    ch_tok_leave();
    return rv;
}

/* PKCS#11 3.2 §5.18.8 C_EncapsulateKey: the ciphertext follows the §5.2 output convention
 * (pCiphertext NULL asks for its length and creates no key). */
CH_P11_EXPORT CK_RV C_EncapsulateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                     CK_OBJECT_HANDLE hPublicKey, CK_ATTRIBUTE_PTR pTemplate,
                                     CK_ULONG ulAttributeCount, CK_BYTE_PTR pCiphertext,
                                     CK_ULONG_PTR pulCiphertextLen, CK_OBJECT_HANDLE_PTR phKey)
{
    size_t n, ct_len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_CHECK_OUT(pMechanism != NULL && phKey != NULL, CKR_ARGUMENTS_BAD);
    CH_TRY_OUT(ch_p11_tmpl(pTemplate, ulAttributeCount, &n));
    CH_TRY_OUT(ch_p11_out_begin(pCiphertext, pulCiphertextLen, &ct_len));
    rv = ch_tok_encapsulate(hSession, pMechanism, hPublicKey, pTemplate, n, pCiphertext, &ct_len,
                            phKey);
    rv = ch_p11_out_end(rv, ct_len, pulCiphertextLen);
out:
    ch_tok_leave();
    return rv;
}

/* PKCS#11 3.2 §5.18.9 C_DecapsulateKey. */
CH_P11_EXPORT CK_RV C_DecapsulateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                     CK_OBJECT_HANDLE hPrivateKey, CK_ATTRIBUTE_PTR pTemplate,
                                     CK_ULONG ulAttributeCount, CK_BYTE_PTR pCiphertext,
                                     CK_ULONG ulCiphertextLen, CK_OBJECT_HANDLE_PTR phKey)
{
    size_t n, ct_len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_CHECK_OUT(pMechanism != NULL && phKey != NULL, CKR_ARGUMENTS_BAD);
    CH_TRY_OUT(ch_p11_tmpl(pTemplate, ulAttributeCount, &n));
    CH_TRY_OUT(ch_p11_in(pCiphertext, ulCiphertextLen, &ct_len));
    rv = ch_tok_decapsulate(hSession, pMechanism, hPrivateKey, pTemplate, n, pCiphertext, ct_len,
                            phKey);
out:
    ch_tok_leave();
    return rv;
}

/* ---- random (§5.19) ------------------------------------------------------------------------- */

CH_P11_EXPORT CK_RV C_SeedRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen)
{
    size_t len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_in(pSeed, ulSeedLen, &len));
    rv = ch_tok_seed_random(hSession, pSeed, len);
out:
    ch_tok_leave();
    return rv;
}

/* A zero-length request is valid (and pRandomData may then be NULL). */
CH_P11_EXPORT CK_RV C_GenerateRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pRandomData,
                                     CK_ULONG ulRandomLen)
{
    size_t len;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    CH_TRY_OUT(ch_p11_in(pRandomData, ulRandomLen, &len));
    rv = ch_tok_generate_random(hSession, pRandomData, len);
out:
    ch_tok_leave();
    return rv;
}
