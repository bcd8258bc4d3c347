/* SPDX-License-Identifier: Apache-2.0 */
/* src/crypto: PBKDF2 (SP 800-132 §5.3, RFC 8018 §5.2) over EVP_KDF "PBKDF2". OpenSSL's PKCS#5
 * lower-bound checks (key >= 112 bits, salt >= 128 bits, iterations >= 1000) are switched off:
 * floors are policy, and policy lives in src/token and src/store, not here. */
#include "crypto/crypto_int.h"

#include <openssl/core_names.h>

CK_RV ch_crypto_pbkdf2(enum ch_hash h, const uint8_t *pass, size_t pass_len,
                       const uint8_t *salt, size_t salt_len, uint32_t iterations, uint8_t *out,
                       size_t out_len)
{
    static const uint8_t empty = 0;
    EVP_KDF *kdf = ch_crypto_kdf_pbkdf2();
    EVP_KDF_CTX *ctx = NULL;
    OSSL_PARAM params[6];
    uint64_t iter = iterations;
    int pkcs5_checks_off = 1;
    CK_RV rv;

    CH_CHECK(out != NULL && out_len != 0, CKR_ARGUMENTS_BAD);
    CH_CHECK((pass != NULL || pass_len == 0) && (salt != NULL || salt_len == 0),
             CKR_ARGUMENTS_BAD);
    CH_CHECK(iterations != 0, CKR_ARGUMENTS_BAD);
    CH_CHECK(ch_crypto_hash_len(h) != 0, CKR_MECHANISM_INVALID);
    CH_CHECK(kdf != NULL, CKR_GENERAL_ERROR);
    params[0] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_PASSWORD, (void *)(pass_len != 0 ? pass : &empty), pass_len);
    params[1] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_SALT, (void *)(salt_len != 0 ? salt : &empty), salt_len);
    params[2] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_ITER, &iter);
    params[3] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                                 (char *)ch_crypto_md_name(h), 0);
    params[4] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_PKCS5, &pkcs5_checks_off);
    params[5] = OSSL_PARAM_construct_end();
    CH_OSSL_ENTER();
    ctx = EVP_KDF_CTX_new(kdf);
    CH_CHECK_OUT(ctx != NULL, CKR_HOST_MEMORY);
    CH_CHECK_OUT(EVP_KDF_derive(ctx, out, out_len, params) == 1, CKR_GENERAL_ERROR);
    rv = CKR_OK;
out:
    EVP_KDF_CTX_free(ctx); /* cleanses the copied password */
    CH_OSSL_LEAVE();
    if (rv != CKR_OK)
        ch_wipe(out, out_len);
    return rv;
}
