/* SPDX-License-Identifier: Apache-2.0 */
/* src/crypto private header of the public-key files (crypto_pkey.c, crypto_pkey_ops.c): the
 * layout of struct ch_pkey. Names OpenSSL types; never included outside src/crypto. */
#ifndef CH_CRYPTO_PKEY_INT_H
#define CH_CRYPTO_PKEY_INT_H

#include <pthread.h>

#include "crypto/crypto_int.h"
#include "util/ch_ct.h"

/* Prepared operation contexts kept per key: an operation duplicates one (EVP_PKEY_CTX_dup /
 * EVP_MD_CTX_copy_ex), which skips the provider look-ups of a fresh EVP_PKEY_CTX. */
enum ch_pk_tmpl { CH_PKT_SIGN = 0, CH_PKT_VERIFY, CH_PKT_ENC, CH_PKT_DEC, CH_PKT_DERIVE,
                  CH_PKT_VRECOVER, CH_PKT_COUNT_ };

struct ch_pkey {
    EVP_PKEY *pk;
    enum ch_pk_type type;
    enum ch_curve curve;
    bool priv;
    size_t bits; /* EVP_PKEY_get_bits */
    size_t size; /* signature / RSA block bytes */
    size_t olen; /* EC order (= field for the NIST curves) bytes; Ed/X public key bytes */
    int refs;    /* atomic */
    pthread_mutex_t lock; /* guards the lazily made templates below */
    EVP_PKEY_CTX *tmpl[CH_PKT_COUNT_];
    EVP_MD_CTX *ed[2]; /* EdDSA DigestSign / DigestVerify templates */
    /* RSA: per template, a copy set up (padding, hashes, salt) for the parameters of the last
     * operation, conf_p (label NULL; never kept with an OAEP label). Under lock. */
    EVP_PKEY_CTX *conf[CH_PKT_COUNT_];
    struct ch_pk_params conf_p[CH_PKT_COUNT_];
    /* EC: the public point, uncompressed SEC 1 (pub_len 0 when not known yet). Written once
     * while the key is built, read-only afterwards: spares the EVP_PKEY_get_params round trip
     * (a few microseconds each) when the point is exported. */
    uint8_t pub[1 + 2 * 66];
    size_t pub_len;
};

/* Per-curve immutable objects (an EC_GROUP and a parameters-only EVP_PKEY) made once by
 * ch_crypto_init and released by ch_crypto_fini (crypto_pkey.c): OpenSSL 3.0 rebuilds an
 * EC_GROUP from the curve's name for every key built from parameters, which was a third of an
 * ECDH derive; keys are made from these instead. */
CH_MUST_CHECK CK_RV ch_crypto_pkey_tables_init(void);
void ch_crypto_pkey_tables_fini(void); /* NULL-safe, idempotent */
/* The pre-fetched SSKDF (SP 800-56C one-step KDF) of the private context (crypto_ctx.c). */
EVP_KDF *ch_crypto_kdf_sskdf(void);

#endif
