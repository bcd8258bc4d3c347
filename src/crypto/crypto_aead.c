/* SPDX-License-Identifier: Apache-2.0 */
/* src/crypto: one-shot AES-256-GCM (SP 800-38D) for sealing token records. 96-bit IVs and
 * 128-bit tags only; the caller guarantees IV uniqueness. The tag check is OpenSSL's
 * (constant time); on failure the plaintext buffer is wiped, never returned half-written.
 * Also ChaCha20 and ChaCha20-Poly1305 (RFC 8439) for the CKM_CHACHA20* mechanisms: no PKCS#11
 * policy here (nonce rules, staging of unverified plaintext are src/mech's). */
#include "crypto/crypto_int.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "util/ch_secmem.h"

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

/* ---- ChaCha20 / ChaCha20-Poly1305 (RFC 8439) ---------------------------------------------- */

struct ch_chacha_key {
    atomic_uint refs;
    pthread_mutex_t mu;          /* guards tmpl */
    uint8_t *key;                /* ch_secmem, CH_CHACHA_KEY_LEN bytes */
    EVP_CIPHER_CTX *tmpl[2][2];  /* [aead][enc], keyed on first use */
};

struct ch_chacha {
    EVP_CIPHER_CTX *ctx;
    bool aead, enc;
};

CK_RV ch_crypto_chacha_key_new(const uint8_t key[CH_CHACHA_KEY_LEN], struct ch_chacha_key **out)
{
    CH_CHECK(key != NULL && out != NULL, CKR_ARGUMENTS_BAD);
    struct ch_chacha_key *k = calloc(1, sizeof(*k));
    CH_CHECK(k != NULL, CKR_HOST_MEMORY);
    k->key = ch_secmem_dup(key, CH_CHACHA_KEY_LEN);
    if (k->key == NULL || pthread_mutex_init(&k->mu, NULL) != 0) {
        ch_secmem_free(k->key);
        free(k);
        return CKR_HOST_MEMORY;
    }
    atomic_init(&k->refs, 1);
    *out = k;
    return CKR_OK;
}

struct ch_chacha_key *ch_crypto_chacha_key_ref(struct ch_chacha_key *k)
{
    if (k != NULL)
        atomic_fetch_add(&k->refs, 1);
    return k;
}

void ch_crypto_chacha_key_free(struct ch_chacha_key *k)
{
    if (k == NULL || atomic_fetch_sub(&k->refs, 1) != 1)
        return;
    pthread_mutex_destroy(&k->mu);
    for (int a = 0; a < 2; a++)
        for (int e = 0; e < 2; e++)
            EVP_CIPHER_CTX_free(k->tmpl[a][e]); /* cleanses the key copy */
    ch_secmem_free(k->key);
    free(k);
}

/* The keyed context of (aead, enc), built on first use (inside CH_OSSL_ENTER, k->mu held). */
static EVP_CIPHER_CTX *chacha_template(struct ch_chacha_key *k, bool aead, bool enc)
{
    EVP_CIPHER_CTX **slot = &k->tmpl[aead][enc];
    if (*slot != NULL)
        return *slot;
    EVP_CIPHER *c =
        EVP_CIPHER_fetch(ch_crypto_libctx(), aead ? "ChaCha20-Poly1305" : "ChaCha20", NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (c == NULL || ctx == NULL || EVP_CipherInit_ex2(ctx, c, k->key, NULL, enc, NULL) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        ctx = NULL;
    }
    EVP_CIPHER_free(c); /* the context keeps its own reference */
    *slot = ctx;
    return ctx;
}

CK_RV ch_crypto_chacha_start(struct ch_chacha_key *k, bool aead, bool enc, const uint8_t *iv,
                             size_t iv_len, struct ch_chacha **out)
{
    CK_RV rv;
    CH_CHECK(k != NULL && out != NULL && iv != NULL, CKR_ARGUMENTS_BAD);
    CH_CHECK(iv_len == (aead ? (size_t)CH_CHACHA_NONCE_LEN : 16u), CKR_ARGUMENTS_BAD);
    struct ch_chacha *c = calloc(1, sizeof(*c));
    CH_CHECK(c != NULL, CKR_HOST_MEMORY);
    c->aead = aead;
    c->enc = enc;
    CH_OSSL_ENTER();
    c->ctx = EVP_CIPHER_CTX_new();
    CH_CHECK_OUT(c->ctx != NULL, CKR_HOST_MEMORY);
    pthread_mutex_lock(&k->mu);
    EVP_CIPHER_CTX *t = chacha_template(k, aead, enc);
    int ok = t != NULL && EVP_CIPHER_CTX_copy(c->ctx, t) == 1;
    pthread_mutex_unlock(&k->mu);
    CH_CHECK_OUT(ok, CKR_GENERAL_ERROR);
    CH_CHECK_OUT(EVP_CipherInit_ex2(c->ctx, NULL, NULL, iv, enc, NULL) == 1, CKR_GENERAL_ERROR);
    *out = c;
    c = NULL;
    rv = CKR_OK;
out:
    CH_OSSL_LEAVE();
    ch_crypto_chacha_free(c);
    return rv;
}

CK_RV ch_crypto_chacha_aad(struct ch_chacha *c, const uint8_t *aad, size_t len)
{
    int n = 0;
    CH_CHECK(c != NULL && c->aead && (aad != NULL || len == 0), CKR_ARGUMENTS_BAD);
    CH_CHECK(len_ok(len), CKR_DATA_LEN_RANGE);
    if (len == 0)
        return CKR_OK;
    CH_OSSL_ENTER();
    int ok = EVP_CipherUpdate(c->ctx, NULL, &n, aad, (int)len);
    CH_OSSL_LEAVE();
    return ok == 1 ? CKR_OK : CKR_GENERAL_ERROR;
}

CK_RV ch_crypto_chacha_update(struct ch_chacha *c, const uint8_t *in, size_t len, uint8_t *out)
{
    CH_CHECK(c != NULL, CKR_ARGUMENTS_BAD);
    if (len == 0)
        return CKR_OK;
    CH_CHECK(in != NULL && out != NULL, CKR_ARGUMENTS_BAD);
    CH_OSSL_ENTER();
    /* EVP takes int lengths: feed INT_MAX-sized pieces (a stream cipher, so any split works). */
    int ok = 1;
    while (ok && len > 0) {
        int piece = len > (size_t)INT_MAX ? INT_MAX : (int)len, n = 0;
        ok = EVP_CipherUpdate(c->ctx, out, &n, in, piece) == 1 && n == piece;
        in += piece;
        out += piece;
        len -= (size_t)piece;
    }
    CH_OSSL_LEAVE();
    return ok ? CKR_OK : CKR_GENERAL_ERROR;
}

CK_RV ch_crypto_chacha_tag(struct ch_chacha *c, uint8_t tag[CH_CHACHA_TAG_LEN])
{
    uint8_t dummy[16];
    int n = 0;
    CH_CHECK(c != NULL && c->aead && c->enc && tag != NULL, CKR_ARGUMENTS_BAD);
    CH_OSSL_ENTER();
    int ok = EVP_CipherFinal_ex(c->ctx, dummy, &n) == 1 &&
             EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_AEAD_GET_TAG, CH_CHACHA_TAG_LEN, tag) == 1;
    CH_OSSL_LEAVE();
    return ok ? CKR_OK : CKR_GENERAL_ERROR;
}

CK_RV ch_crypto_chacha_check(struct ch_chacha *c, const uint8_t tag[CH_CHACHA_TAG_LEN])
{
    uint8_t t[CH_CHACHA_TAG_LEN], dummy[16];
    int n = 0;
    CH_CHECK(c != NULL && c->aead && !c->enc && tag != NULL, CKR_ARGUMENTS_BAD);
    memcpy(t, tag, sizeof(t)); /* the ctrl takes a non-const pointer */
    CH_OSSL_ENTER();
    /* RFC 8439 §2.8: the tag is recomputed and compared in OpenSSL's final call (CRYPTO_memcmp). */
    int ok = EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_AEAD_SET_TAG, CH_CHACHA_TAG_LEN, t) == 1 &&
             EVP_CipherFinal_ex(c->ctx, dummy, &n) == 1;
    CH_OSSL_LEAVE();
    return ok ? CKR_OK : CKR_ENCRYPTED_DATA_INVALID;
}

void ch_crypto_chacha_free(struct ch_chacha *c)
{
    if (c == NULL)
        return;
    EVP_CIPHER_CTX_free(c->ctx);
    free(c);
}
