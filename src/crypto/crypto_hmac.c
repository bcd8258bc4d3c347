/* SPDX-License-Identifier: Apache-2.0 */
/* src/crypto: HMAC (FIPS 198-1) over EVP_MAC "HMAC" of the private library context. The key
 * schedule lives inside OpenSSL's context and is cleansed when it is freed; callers own (and
 * wipe) the key bytes they pass. */
#include "crypto/crypto_int.h"

#include <openssl/core_names.h>
#include <stdlib.h>

struct ch_hmac {
    EVP_MAC_CTX *ctx;
    enum ch_hash h;
};

/* HMAC with an empty key is legal (FIPS 198-1 pads K with zeros). OpenSSL takes a NULL key as
 * "keep the previous key", so an empty key is passed as a valid pointer with length 0. */
static const uint8_t empty_key = 0;

static int mac_init(struct ch_hmac *m, const uint8_t *key, size_t key_len, bool set_digest)
{
    OSSL_PARAM params[2];
    const uint8_t *k = key_len != 0 ? key : &empty_key;

    if (!set_digest)
        return EVP_MAC_init(m->ctx, k, key_len, NULL);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *)ch_crypto_md_name(m->h), 0);
    params[1] = OSSL_PARAM_construct_end();
    return EVP_MAC_init(m->ctx, k, key_len, params);
}

CK_RV ch_crypto_hmac_new(enum ch_hash h, const uint8_t *key, size_t key_len,
                         struct ch_hmac **out)
{
    struct ch_hmac *m = NULL;
    EVP_MAC *mac = ch_crypto_mac_hmac();
    CK_RV rv;

    CH_CHECK(out != NULL && (key != NULL || key_len == 0), CKR_ARGUMENTS_BAD);
    *out = NULL;
    CH_CHECK(ch_crypto_hash_len(h) != 0, CKR_MECHANISM_INVALID);
    CH_CHECK(mac != NULL, CKR_GENERAL_ERROR);
    CH_OSSL_ENTER();
    m = calloc(1, sizeof(*m));
    CH_CHECK_OUT(m != NULL, CKR_HOST_MEMORY);
    m->h = h;
    m->ctx = EVP_MAC_CTX_new(mac);
    CH_CHECK_OUT(m->ctx != NULL, CKR_HOST_MEMORY);
    CH_CHECK_OUT(mac_init(m, key, key_len, true) == 1, CKR_GENERAL_ERROR);
    *out = m;
    m = NULL;
    rv = CKR_OK;
out:
    ch_crypto_hmac_free(m);
    CH_OSSL_LEAVE();
    return rv;
}

CK_RV ch_crypto_hmac_rekey(struct ch_hmac *m, const uint8_t *key, size_t key_len)
{
    CK_RV rv = CKR_OK;
    int ok;

    CH_CHECK(m != NULL && (key != NULL || key_len == 0), CKR_ARGUMENTS_BAD);
    CH_OSSL_ENTER();
    ok = mac_init(m, key, key_len, false);
    CH_OSSL_LEAVE();
    if (ok != 1)
        rv = CKR_GENERAL_ERROR;
    return rv;
}

CK_RV ch_crypto_hmac_restart(struct ch_hmac *m)
{
    CK_RV rv = CKR_OK;

    CH_CHECK(m != NULL, CKR_ARGUMENTS_BAD);
    CH_OSSL_ENTER();
    if (EVP_MAC_init(m->ctx, NULL, 0, NULL) != 1) /* NULL key: same key, fresh message */
        rv = CKR_GENERAL_ERROR;
    CH_OSSL_LEAVE();
    return rv;
}

CK_RV ch_crypto_hmac_vec(struct ch_hmac *m, const uint8_t *key, size_t key_len,
                        const struct ch_iov *iov, size_t n_iov, uint8_t *out)
{
    size_t want;
    size_t n = 0;
    int ok;

    CH_CHECK(m != NULL && out != NULL && (iov != NULL || n_iov == 0), CKR_ARGUMENTS_BAD);
    for (size_t i = 0; i < n_iov; i++)
        CH_CHECK(iov[i].p != NULL || iov[i].n == 0, CKR_ARGUMENTS_BAD);
    want = ch_crypto_hash_len(m->h);
    CH_OSSL_ENTER();
    ok = key != NULL ? mac_init(m, key, key_len, false) : EVP_MAC_init(m->ctx, NULL, 0, NULL);
    for (size_t i = 0; ok == 1 && i < n_iov; i++)
        if (iov[i].n != 0)
            ok = EVP_MAC_update(m->ctx, iov[i].p, iov[i].n);
    if (ok == 1)
        ok = EVP_MAC_final(m->ctx, out, &n, want) == 1 && n == want;
    CH_OSSL_LEAVE();
    if (ok != 1) {
        ch_wipe(out, want);
        return CKR_GENERAL_ERROR;
    }
    return CKR_OK;
}

CK_RV ch_crypto_hmac_update(struct ch_hmac *m, const uint8_t *in, size_t len)
{
    CK_RV rv = CKR_OK;

    CH_CHECK(m != NULL && (in != NULL || len == 0), CKR_ARGUMENTS_BAD);
    if (len == 0)
        return CKR_OK;
    CH_OSSL_ENTER();
    if (EVP_MAC_update(m->ctx, in, len) != 1)
        rv = CKR_GENERAL_ERROR;
    CH_OSSL_LEAVE();
    return rv;
}

CK_RV ch_crypto_hmac_final(struct ch_hmac *m, uint8_t *out)
{
    CK_RV rv = CKR_OK;
    size_t n = 0;
    size_t want;

    CH_CHECK(m != NULL && out != NULL, CKR_ARGUMENTS_BAD);
    want = ch_crypto_hash_len(m->h);
    CH_OSSL_ENTER();
    if (EVP_MAC_final(m->ctx, out, &n, want) != 1 || n != want)
        rv = CKR_GENERAL_ERROR;
    CH_OSSL_LEAVE();
    if (rv != CKR_OK)
        ch_wipe(out, want);
    return rv;
}

CK_RV ch_crypto_hmac_dup(const struct ch_hmac *m, struct ch_hmac **out)
{
    struct ch_hmac *c = NULL;
    CK_RV rv;

    CH_CHECK(m != NULL && out != NULL, CKR_ARGUMENTS_BAD);
    *out = NULL;
    CH_OSSL_ENTER();
    c = calloc(1, sizeof(*c));
    CH_CHECK_OUT(c != NULL, CKR_HOST_MEMORY);
    c->h = m->h;
    c->ctx = EVP_MAC_CTX_dup(m->ctx);
    CH_CHECK_OUT(c->ctx != NULL, CKR_HOST_MEMORY);
    *out = c;
    c = NULL;
    rv = CKR_OK;
out:
    ch_crypto_hmac_free(c);
    CH_OSSL_LEAVE();
    return rv;
}

void ch_crypto_hmac_free(struct ch_hmac *m)
{
    if (m == NULL)
        return;
    EVP_MAC_CTX_free(m->ctx); /* HMAC_CTX_free cleanses the padded keys and digest states */
    free(m);
}

CK_RV ch_crypto_hmac(enum ch_hash h, const uint8_t *key, size_t key_len, const uint8_t *in,
                     size_t len, uint8_t *out)
{
    struct ch_hmac *m = NULL;
    CK_RV rv;

    CH_CHECK(out != NULL && (in != NULL || len == 0), CKR_ARGUMENTS_BAD);
    CH_TRY(ch_crypto_hmac_new(h, key, key_len, &m));
    CH_TRY_OUT(ch_crypto_hmac_update(m, in, len));
    CH_TRY_OUT(ch_crypto_hmac_final(m, out));
    rv = CKR_OK;
out:
    ch_crypto_hmac_free(m);
    return rv;
}
