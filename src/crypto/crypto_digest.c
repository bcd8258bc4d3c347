/* SPDX-License-Identifier: Apache-2.0 */
/* src/crypto: message digests over EVP_MD_CTX with the pre-fetched EVP_MD objects of the
 * private library context. No policy (SHA-1 is allowed here; src/mech decides). */
#include "crypto/crypto_int.h"

#include <limits.h>
#include <stdlib.h>

struct ch_digest {
    EVP_MD_CTX *ctx;
    enum ch_hash h;
};

static struct ch_digest *digest_alloc(enum ch_hash h)
{
    struct ch_digest *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return NULL;
    d->h = h;
    d->ctx = EVP_MD_CTX_new();
    if (d->ctx == NULL) {
        free(d);
        return NULL;
    }
    return d;
}

CK_RV ch_crypto_digest_new(enum ch_hash h, struct ch_digest **out)
{
    struct ch_digest *d = NULL;
    EVP_MD *md = ch_crypto_md(h);
    CK_RV rv;

    CH_CHECK(out != NULL, CKR_ARGUMENTS_BAD);
    *out = NULL;
    CH_CHECK(ch_crypto_hash_len(h) != 0, CKR_MECHANISM_INVALID);
    CH_CHECK(md != NULL, CKR_GENERAL_ERROR); /* not initialised */
    CH_OSSL_ENTER();
    d = digest_alloc(h);
    CH_CHECK_OUT(d != NULL, CKR_HOST_MEMORY);
    CH_CHECK_OUT(EVP_DigestInit_ex2(d->ctx, md, NULL) == 1, CKR_GENERAL_ERROR);
    *out = d;
    d = NULL;
    rv = CKR_OK;
out:
    ch_crypto_digest_free(d);
    CH_OSSL_LEAVE();
    return rv;
}

CK_RV ch_crypto_digest_update(struct ch_digest *d, const uint8_t *in, size_t len)
{
    CK_RV rv = CKR_OK;

    CH_CHECK(d != NULL && (in != NULL || len == 0), CKR_ARGUMENTS_BAD);
    if (len == 0)
        return CKR_OK;
    CH_OSSL_ENTER();
    if (EVP_DigestUpdate(d->ctx, in, len) != 1)
        rv = CKR_GENERAL_ERROR;
    CH_OSSL_LEAVE();
    return rv;
}

CK_RV ch_crypto_digest_final(struct ch_digest *d, uint8_t *out)
{
    CK_RV rv = CKR_OK;
    unsigned int n = 0;

    CH_CHECK(d != NULL && out != NULL, CKR_ARGUMENTS_BAD);
    CH_OSSL_ENTER();
    if (EVP_DigestFinal_ex(d->ctx, out, &n) != 1 || n != ch_crypto_hash_len(d->h))
        rv = CKR_GENERAL_ERROR;
    CH_OSSL_LEAVE();
    if (rv != CKR_OK)
        ch_wipe(out, ch_crypto_hash_len(d->h));
    return rv;
}

CK_RV ch_crypto_digest_dup(const struct ch_digest *d, struct ch_digest **out)
{
    struct ch_digest *c = NULL;
    CK_RV rv;

    CH_CHECK(d != NULL && out != NULL, CKR_ARGUMENTS_BAD);
    *out = NULL;
    CH_OSSL_ENTER();
    c = digest_alloc(d->h);
    CH_CHECK_OUT(c != NULL, CKR_HOST_MEMORY);
    CH_CHECK_OUT(EVP_MD_CTX_copy_ex(c->ctx, d->ctx) == 1, CKR_GENERAL_ERROR);
    *out = c;
    c = NULL;
    rv = CKR_OK;
out:
    ch_crypto_digest_free(c);
    CH_OSSL_LEAVE();
    return rv;
}

void ch_crypto_digest_free(struct ch_digest *d)
{
    if (d == NULL)
        return;
    EVP_MD_CTX_free(d->ctx); /* cleanses the hash state */
    free(d);
}

CK_RV ch_crypto_hash(enum ch_hash h, const uint8_t *in, size_t len, uint8_t *out)
{
    EVP_MD *md = ch_crypto_md(h);
    unsigned int n = 0;
    static const uint8_t empty = 0;
    CK_RV rv = CKR_OK;

    CH_CHECK(out != NULL && (in != NULL || len == 0), CKR_ARGUMENTS_BAD);
    CH_CHECK(ch_crypto_hash_len(h) != 0, CKR_MECHANISM_INVALID);
    CH_CHECK(md != NULL, CKR_GENERAL_ERROR);
    CH_OSSL_ENTER();
    if (EVP_Digest(len != 0 ? in : &empty, len, out, &n, md, NULL) != 1 ||
        n != ch_crypto_hash_len(h))
        rv = CKR_GENERAL_ERROR;
    CH_OSSL_LEAVE();
    if (rv != CKR_OK)
        ch_wipe(out, ch_crypto_hash_len(h));
    return rv;
}
