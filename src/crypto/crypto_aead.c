/* SPDX-License-Identifier: Apache-2.0 */
/* src/crypto: one-shot AES-256-GCM (SP 800-38D) for sealing token records. 96-bit IVs and
 * 128-bit tags only; the caller guarantees IV uniqueness. The tag check is OpenSSL's
 * (constant time); on failure the plaintext buffer is wiped, never returned half-written. */
#include "crypto/crypto_int.h"

#include <limits.h>
#include <string.h>

/* EVP's update calls take int lengths. */
static bool len_ok(size_t n)
{
    return n <= (size_t)INT_MAX;
}

CK_RV ch_crypto_aes256gcm_seal(const uint8_t key[32], const uint8_t iv[12], const uint8_t *aad,
                               size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *ct,
                               uint8_t tag[16])
{
    EVP_CIPHER *cipher = ch_crypto_cipher_aes256gcm();
    EVP_CIPHER_CTX *ctx = NULL;
    int n = 0;
    int fin = 0;
    CK_RV rv;

    CH_CHECK(key != NULL && iv != NULL && tag != NULL, CKR_ARGUMENTS_BAD);
    CH_CHECK((aad != NULL || aad_len == 0) && (pt != NULL || pt_len == 0), CKR_ARGUMENTS_BAD);
    CH_CHECK(ct != NULL || pt_len == 0, CKR_ARGUMENTS_BAD);
    CH_CHECK(len_ok(aad_len) && len_ok(pt_len), CKR_DATA_LEN_RANGE);
    CH_CHECK(cipher != NULL, CKR_GENERAL_ERROR);
    CH_OSSL_ENTER();
    ctx = EVP_CIPHER_CTX_new();
    CH_CHECK_OUT(ctx != NULL, CKR_HOST_MEMORY);
    /* The default GCM IV length is 96 bits, which is what we use. */
    CH_CHECK_OUT(EVP_EncryptInit_ex2(ctx, cipher, key, iv, NULL) == 1, CKR_GENERAL_ERROR);
    if (aad_len != 0)
        CH_CHECK_OUT(EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aad_len) == 1,
                     CKR_GENERAL_ERROR);
    n = 0;
    if (pt_len != 0)
        CH_CHECK_OUT(EVP_EncryptUpdate(ctx, ct, &n, pt, (int)pt_len) == 1, CKR_GENERAL_ERROR);
    CH_CHECK_OUT(EVP_EncryptFinal_ex(ctx, ct + n, &fin) == 1, CKR_GENERAL_ERROR);
    CH_CHECK_OUT((size_t)n + (size_t)fin == pt_len, CKR_GENERAL_ERROR);
    CH_CHECK_OUT(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, CH_GCM_TAG_LEN, tag) == 1,
                 CKR_GENERAL_ERROR);
    rv = CKR_OK;
out:
    EVP_CIPHER_CTX_free(ctx); /* cleanses the key schedule */
    CH_OSSL_LEAVE();
    if (rv != CKR_OK) {
        ch_wipe(ct, pt_len);
        ch_wipe(tag, CH_GCM_TAG_LEN);
    }
    return rv;
}

CK_RV ch_crypto_aes256gcm_open(const uint8_t key[32], const uint8_t iv[12], const uint8_t *aad,
                               size_t aad_len, const uint8_t *ct, size_t ct_len,
                               const uint8_t tag[16], uint8_t *pt)
{
    EVP_CIPHER *cipher = ch_crypto_cipher_aes256gcm();
    EVP_CIPHER_CTX *ctx = NULL;
    uint8_t tagbuf[CH_GCM_TAG_LEN];
    int n = 0;
    int fin = 0;
    CK_RV rv;

    CH_CHECK(key != NULL && iv != NULL && tag != NULL, CKR_ARGUMENTS_BAD);
    CH_CHECK((aad != NULL || aad_len == 0) && (ct != NULL || ct_len == 0), CKR_ARGUMENTS_BAD);
    CH_CHECK(pt != NULL || ct_len == 0, CKR_ARGUMENTS_BAD);
    CH_CHECK(len_ok(aad_len) && len_ok(ct_len), CKR_ENCRYPTED_DATA_LEN_RANGE);
    CH_CHECK(cipher != NULL, CKR_GENERAL_ERROR);
    memcpy(tagbuf, tag, sizeof(tagbuf)); /* the ctrl takes a non-const pointer */
    CH_OSSL_ENTER();
    ctx = EVP_CIPHER_CTX_new();
    CH_CHECK_OUT(ctx != NULL, CKR_HOST_MEMORY);
    CH_CHECK_OUT(EVP_DecryptInit_ex2(ctx, cipher, key, iv, NULL) == 1, CKR_GENERAL_ERROR);
    if (aad_len != 0)
        CH_CHECK_OUT(EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) == 1,
                     CKR_GENERAL_ERROR);
    n = 0;
    if (ct_len != 0)
        CH_CHECK_OUT(EVP_DecryptUpdate(ctx, pt, &n, ct, (int)ct_len) == 1, CKR_GENERAL_ERROR);
    CH_CHECK_OUT(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, CH_GCM_TAG_LEN, tagbuf) == 1,
                 CKR_GENERAL_ERROR);
    /* SP 800-38D §7.2 step 8: the tag comparison happens here, inside OpenSSL (CRYPTO_memcmp). */
    CH_CHECK_OUT(EVP_DecryptFinal_ex(ctx, pt != NULL ? pt + n : NULL, &fin) == 1,
                 CKR_ENCRYPTED_DATA_INVALID);
    CH_CHECK_OUT((size_t)n + (size_t)fin == ct_len, CKR_GENERAL_ERROR);
    rv = CKR_OK;
out:
    EVP_CIPHER_CTX_free(ctx);
    CH_OSSL_LEAVE();
    if (rv != CKR_OK)
        ch_wipe(pt, ct_len);
    return rv;
}
