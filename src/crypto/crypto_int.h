/* SPDX-License-Identifier: Apache-2.0 */
/* src/crypto private header: shared between the files of this directory only (it names OpenSSL
 * types). Other layers use crypto.h. Everything here runs in the module's private library
 * context; nothing touches OpenSSL's global default context. */
#ifndef CH_CRYPTO_INT_H
#define CH_CRYPTO_INT_H

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "crypto/crypto.h"
#include "util/ch_wipe.h"

/* Pre-fetched algorithm objects (owned by crypto_ctx.c, valid between init and fini). NULL
 * when the context is not initialised or the algorithm is unavailable. */
EVP_MD *ch_crypto_md(enum ch_hash h);
const char *ch_crypto_md_name(enum ch_hash h);
EVP_MAC *ch_crypto_mac_hmac(void);
EVP_CIPHER *ch_crypto_cipher_aes256gcm(void);
EVP_KDF *ch_crypto_kdf_pbkdf2(void);

/* Registration of our EVP_RAND provider in libctx (crypto_rand.c); called by ch_crypto_init
 * right after the context is created, before anything can instantiate its DRBGs. */
CH_MUST_CHECK CK_RV ch_crypto_rand_install(OSSL_LIB_CTX *libctx);
/* Drop our provider handle (before the context is freed). */
void ch_crypto_rand_uninstall(void);

/* Error-queue hygiene. Every public entry point that calls OpenSSL brackets the calls with
 * CH_OSSL_ENTER / CH_OSSL_LEAVE: entries OpenSSL raises on our behalf are dropped, entries the
 * host application had queued before the call are left alone (ERR_set_mark/ERR_pop_to_mark). */
#define CH_OSSL_ENTER() ((void)ERR_set_mark())
#define CH_OSSL_LEAVE() ((void)ERR_pop_to_mark())

#endif
