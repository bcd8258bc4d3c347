/* SPDX-License-Identifier: Apache-2.0 */
/* src/crypto: the module's private OSSL_LIB_CTX, its providers and the algorithm objects
 * fetched once at start-up (fetching per call is slow: it walks the provider store under a
 * lock). Never touches OpenSSL's default (global) library context. */
#include "crypto/crypto_int.h"
#include "crypto/crypto_pkey_int.h"

#include <openssl/provider.h>

static struct {
    OSSL_LIB_CTX *libctx;
    OSSL_PROVIDER *deflt;
    OSSL_PROVIDER *base;
    EVP_MD *md[CH_HASH_COUNT_];
    EVP_MAC *hmac;
    EVP_CIPHER *aes256gcm;
    EVP_KDF *pbkdf2;
    EVP_KDF *sskdf;
} g;

/* Name, output length and block length of each hash (FIPS 180-4 §1 table, FIPS 202 §6.1). */
static const struct {
    const char *name;
    size_t len;
    size_t block;
} hashes[CH_HASH_COUNT_] = {
    [CH_HASH_NONE] = {NULL, 0, 0},
    [CH_HASH_SHA1] = {"SHA1", 20, 64},
    [CH_HASH_SHA224] = {"SHA2-224", 28, 64},
    [CH_HASH_SHA256] = {"SHA2-256", 32, 64},
    [CH_HASH_SHA384] = {"SHA2-384", 48, 128},
    [CH_HASH_SHA512] = {"SHA2-512", 64, 128},
    [CH_HASH_SHA512_224] = {"SHA2-512/224", 28, 128},
    [CH_HASH_SHA512_256] = {"SHA2-512/256", 32, 128},
    [CH_HASH_SHA3_224] = {"SHA3-224", 28, 144},
    [CH_HASH_SHA3_256] = {"SHA3-256", 32, 136},
    [CH_HASH_SHA3_384] = {"SHA3-384", 48, 104},
    [CH_HASH_SHA3_512] = {"SHA3-512", 64, 72},
};

static bool hash_ok(enum ch_hash h)
{
    return (int)h > (int)CH_HASH_NONE && (int)h < (int)CH_HASH_COUNT_;
}

size_t ch_crypto_hash_len(enum ch_hash h)
{
    return hash_ok(h) ? hashes[h].len : 0;
}

size_t ch_crypto_hash_block_len(enum ch_hash h)
{
    return hash_ok(h) ? hashes[h].block : 0;
}

const char *ch_crypto_md_name(enum ch_hash h)
{
    return hash_ok(h) ? hashes[h].name : NULL;
}

EVP_MD *ch_crypto_md(enum ch_hash h)
{
    return hash_ok(h) ? g.md[h] : NULL;
}

EVP_MAC *ch_crypto_mac_hmac(void)
{
    return g.hmac;
}

EVP_CIPHER *ch_crypto_cipher_aes256gcm(void)
{
    return g.aes256gcm;
}

EVP_KDF *ch_crypto_kdf_pbkdf2(void)
{
    return g.pbkdf2;
}

EVP_KDF *ch_crypto_kdf_sskdf(void)
{
    return g.sskdf;
}

void *ch_crypto_libctx(void)
{
    return g.libctx;
}

CK_RV ch_crypto_init(void)
{
    CK_RV rv;

    if (g.libctx != NULL)
        return CKR_OK;
    CH_OSSL_ENTER();
    g.libctx = OSSL_LIB_CTX_new();
    CH_CHECK_OUT(g.libctx != NULL, CKR_HOST_MEMORY);
    /* Before anything can instantiate the context's DRBGs: make ours their type. */
    CH_TRY_OUT(ch_crypto_rand_install(g.libctx));
    g.deflt = OSSL_PROVIDER_load(g.libctx, "default");
    CH_CHECK_OUT(g.deflt != NULL, CKR_GENERAL_ERROR);
    g.base = OSSL_PROVIDER_load(g.libctx, "base");
    CH_CHECK_OUT(g.base != NULL, CKR_GENERAL_ERROR);

    for (int h = CH_HASH_NONE + 1; h < CH_HASH_COUNT_; h++) {
        g.md[h] = EVP_MD_fetch(g.libctx, hashes[h].name, NULL);
        CH_CHECK_OUT(g.md[h] != NULL, CKR_GENERAL_ERROR);
    }
    g.hmac = EVP_MAC_fetch(g.libctx, "HMAC", NULL);
    CH_CHECK_OUT(g.hmac != NULL, CKR_GENERAL_ERROR);
    g.aes256gcm = EVP_CIPHER_fetch(g.libctx, "AES-256-GCM", NULL);
    CH_CHECK_OUT(g.aes256gcm != NULL, CKR_GENERAL_ERROR);
    g.pbkdf2 = EVP_KDF_fetch(g.libctx, "PBKDF2", NULL);
    CH_CHECK_OUT(g.pbkdf2 != NULL, CKR_GENERAL_ERROR);
    g.sskdf = EVP_KDF_fetch(g.libctx, "SSKDF", NULL);
    CH_CHECK_OUT(g.sskdf != NULL, CKR_GENERAL_ERROR);
    CH_TRY_OUT(ch_crypto_pkey_tables_init());
    rv = CKR_OK;
out:
    CH_OSSL_LEAVE();
    if (rv != CKR_OK)
        ch_crypto_fini();
    return rv;
}

void ch_crypto_fini(void)
{
    for (int h = 0; h < CH_HASH_COUNT_; h++) {
        EVP_MD_free(g.md[h]);
        g.md[h] = NULL;
    }
    EVP_MAC_free(g.hmac);
    EVP_CIPHER_free(g.aes256gcm);
    EVP_KDF_free(g.pbkdf2);
    EVP_KDF_free(g.sskdf);
    ch_crypto_pkey_tables_fini(); /* before the providers and the context go */
    if (g.base != NULL)
        (void)OSSL_PROVIDER_unload(g.base);
    if (g.deflt != NULL)
        (void)OSSL_PROVIDER_unload(g.deflt);
    ch_crypto_rand_uninstall();
    OSSL_LIB_CTX_free(g.libctx); /* NULL-safe (NULL means the default context: a no-op) */
    g.hmac = NULL;
    g.aes256gcm = NULL;
    g.pbkdf2 = NULL;
    g.sskdf = NULL;
    g.base = NULL;
    g.deflt = NULL;
    g.libctx = NULL;
}
