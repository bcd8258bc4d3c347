/* SPDX-License-Identifier: Apache-2.0 */
/* src/crypto: AES in ECB/CBC/CTR/GCM/CTS/XTS (SP 800-38A, 38D, 38E), AES key wrap (RFC 3394 / 5649),
 * AES-CMAC (SP 800-38B) and HKDF (RFC 5869) over OpenSSL 3 EVP in the private library context.
 * Keys are expanded once per key object (struct ch_aes_key) and each operation copies a
 * prepared context. No PKCS#11 policy: parameter rules are the mechanism layer's. */
#include "crypto/crypto_int.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "util/ch_ct.h"
#include "util/ch_secmem.h"

#define AES_SPARES 4

struct ch_aes_key {
    atomic_uint refs;
    size_t len;
    bool xts;     /* an XTS key pair (32 or 64 bytes): CH_AES_XTS only */
    uint8_t *key; /* ch_secmem */
    pthread_mutex_t mu;
    EVP_CIPHER_CTX *tmpl[CH_AES_MODE_COUNT_][2]; /* [mode][enc], built on first use */
    /* Finished operations' contexts, keyed and set up for (mode, direction), kept for the next
     * start so a short operation costs neither a context allocation nor a copy. */
    struct ch_aes *spare[CH_AES_MODE_COUNT_][2][AES_SPARES];
    unsigned nspare[CH_AES_MODE_COUNT_][2];
};

struct ch_aes {
    EVP_CIPHER_CTX *ctx;
    struct ch_aes_key *k; /* a reference while in use; none while spare */
    enum ch_aes_mode mode;
    bool enc;
    size_t gcm_ivlen; /* GCM: the IV length the context is set up for */
};

struct ch_cmac {
    EVP_MAC_CTX *ctx;
};

static const char *const mode_names[CH_AES_MODE_COUNT_][3] = {
    [CH_AES_ECB] = {"AES-128-ECB", "AES-192-ECB", "AES-256-ECB"},
    [CH_AES_CBC] = {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"},
    [CH_AES_CTR] = {"AES-128-CTR", "AES-192-CTR", "AES-256-CTR"},
    [CH_AES_GCM] = {"AES-128-GCM", "AES-192-GCM", "AES-256-GCM"},
    [CH_AES_CTS] = {"AES-128-CBC-CTS", "AES-192-CBC-CTS", "AES-256-CBC-CTS"},
    [CH_AES_XTS] = {"AES-128-XTS", NULL, "AES-256-XTS"}, /* by the length of one half */
};

static int size_index(size_t key_len)
{
    return key_len == 16 ? 0 : key_len == 24 ? 1 : key_len == 32 ? 2 : -1;
}

static bool len_ok(size_t n)
{
    return n <= (size_t)INT_MAX;
}

static CK_RV key_new(const uint8_t *key, size_t key_len, bool xts, struct ch_aes_key **out)
{
    struct ch_aes_key *k = calloc(1, sizeof(*k));
    CH_CHECK(k != NULL, CKR_HOST_MEMORY);
    k->key = ch_secmem_dup(key, key_len);
    if (k->key == NULL || pthread_mutex_init(&k->mu, NULL) != 0) {
        ch_secmem_free(k->key);
        free(k);
        return CKR_HOST_MEMORY;
    }
    k->len = key_len;
    k->xts = xts;
    atomic_init(&k->refs, 1);
    *out = k;
    return CKR_OK;
}

CK_RV ch_crypto_aes_key_new(const uint8_t *key, size_t key_len, struct ch_aes_key **out)
{
    CH_CHECK(key != NULL && out != NULL, CKR_ARGUMENTS_BAD);
    CH_CHECK(size_index(key_len) >= 0, CKR_KEY_SIZE_RANGE);
    return key_new(key, key_len, false, out);
}

CK_RV ch_crypto_aes_xts_key_new(const uint8_t *key, size_t key_len, struct ch_aes_key **out)
{
    CH_CHECK(key != NULL && out != NULL, CKR_ARGUMENTS_BAD);
    CH_CHECK(key_len == 32 || key_len == 64, CKR_KEY_SIZE_RANGE);
    /* IEEE 1619-2007 §5.1 / FIPS 140-3 IG C.I: Key_1 != Key_2 (Rogaway's attack on XEX with a
     * single key); OpenSSL refuses such a key for encryption only, we refuse it for both. */
    CH_CHECK(!ch_ct_eq(key, key + key_len / 2, key_len / 2), CKR_ATTRIBUTE_VALUE_INVALID);
    return key_new(key, key_len, true, out);
}

struct ch_aes_key *ch_crypto_aes_key_ref(struct ch_aes_key *k)
{
    if (k != NULL)
        atomic_fetch_add(&k->refs, 1);
    return k;
}

void ch_crypto_aes_key_free(struct ch_aes_key *k)
{
    if (k == NULL || atomic_fetch_sub(&k->refs, 1) != 1)
        return;
    for (int m = 0; m < CH_AES_MODE_COUNT_; m++)
        for (int e = 0; e < 2; e++) {
            EVP_CIPHER_CTX_free(k->tmpl[m][e]); /* cleanses the schedule */
            while (k->nspare[m][e] > 0) {
                struct ch_aes *c = k->spare[m][e][--k->nspare[m][e]];
                EVP_CIPHER_CTX_free(c->ctx);
                free(c);
            }
        }
    pthread_mutex_destroy(&k->mu);
    ch_secmem_free(k->key);
    free(k);
}

size_t ch_crypto_aes_key_len(const struct ch_aes_key *k)
{
    return k->len;
}

/* The prepared context of (mode, direction); called with k->mu held. CTR and GCM use the
 * forward cipher in both directions, so they share the encryption template. */
static EVP_CIPHER_CTX *template_of(struct ch_aes_key *k, enum ch_aes_mode m, bool enc)
{
    int e = (enc || m == CH_AES_CTR || m == CH_AES_GCM) ? 1 : 0;
    if (k->tmpl[m][e] != NULL)
        return k->tmpl[m][e];
    const char *name = m == CH_AES_XTS ? mode_names[m][size_index(k->len / 2)]
                                       : mode_names[m][size_index(k->len)];
    EVP_CIPHER *c = name != NULL ? EVP_CIPHER_fetch(ch_crypto_libctx(), name, NULL) : NULL;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (c == NULL || ctx == NULL || EVP_CipherInit_ex2(ctx, c, k->key, NULL, e, NULL) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        ctx = NULL;
    } else if (m == CH_AES_ECB || m == CH_AES_CBC) {
        (void)EVP_CIPHER_CTX_set_padding(ctx, 0);
    } else if (m == CH_AES_CTS) {
        OSSL_PARAM p[2] = {OSSL_PARAM_construct_utf8_string(OSSL_CIPHER_PARAM_CTS_MODE,
                                                            (char *)OSSL_CIPHER_CTS_MODE_CS3, 0),
                           OSSL_PARAM_construct_end()};
        if (EVP_CIPHER_CTX_set_params(ctx, p) != 1) {
            EVP_CIPHER_CTX_free(ctx);
            ctx = NULL;
        }
    }
    EVP_CIPHER_free(c); /* the context keeps its own reference */
    k->tmpl[m][e] = ctx;
    return ctx;
}

/* Free a context for good (not back to the spares) and drop its key reference. */
static void aes_discard(struct ch_aes *c)
{
    if (c == NULL)
        return;
    EVP_CIPHER_CTX_free(c->ctx);
    ch_crypto_aes_key_free(c->k);
    free(c);
}

CK_RV ch_crypto_aes_start(struct ch_aes_key *k, enum ch_aes_mode m, bool enc, const uint8_t *iv,
                          size_t iv_len, struct ch_aes **out)
{
    CK_RV rv;
    CH_CHECK(k != NULL && out != NULL && (unsigned)m < CH_AES_MODE_COUNT_, CKR_ARGUMENTS_BAD);
    CH_CHECK((m == CH_AES_XTS) == k->xts, CKR_ARGUMENTS_BAD);
    if (m == CH_AES_ECB)
        CH_CHECK(iv_len == 0, CKR_ARGUMENTS_BAD);
    else if (m == CH_AES_GCM)
        CH_CHECK(iv != NULL && iv_len >= 1 && iv_len <= 128, CKR_ARGUMENTS_BAD);
    else
        CH_CHECK(iv != NULL && iv_len == 16, CKR_ARGUMENTS_BAD);
    struct ch_aes *c = NULL;
    int ok = 1;
    CH_OSSL_ENTER();
    pthread_mutex_lock(&k->mu);
    if (k->nspare[m][enc] > 0) {
        c = k->spare[m][enc][--k->nspare[m][enc]];
    } else if ((c = calloc(1, sizeof(*c))) != NULL) {
        c->mode = m;
        c->enc = enc;
        c->gcm_ivlen = 12; /* OpenSSL's default for GCM */
        EVP_CIPHER_CTX *t = template_of(k, m, enc);
        c->ctx = EVP_CIPHER_CTX_new();
        ok = t != NULL && c->ctx != NULL && EVP_CIPHER_CTX_copy(c->ctx, t) == 1;
    }
    pthread_mutex_unlock(&k->mu);
    CH_CHECK_OUT(c != NULL, CKR_HOST_MEMORY);
    c->k = ch_crypto_aes_key_ref(k);
    CH_CHECK_OUT(ok, CKR_GENERAL_ERROR);
    if (m == CH_AES_GCM && iv_len != c->gcm_ivlen) {
        size_t l = iv_len;
        OSSL_PARAM p[2] = {OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &l),
                           OSSL_PARAM_construct_end()};
        c->gcm_ivlen = 0; /* unknown until set */
        CH_CHECK_OUT(EVP_CipherInit_ex2(c->ctx, NULL, NULL, NULL, enc, NULL) == 1,
                     CKR_GENERAL_ERROR);
        CH_CHECK_OUT(EVP_CIPHER_CTX_set_params(c->ctx, p) == 1, CKR_GENERAL_ERROR);
        c->gcm_ivlen = iv_len;
    }
    /* Re-initialising with the IV (or none for ECB) resets every per-message state of a
     * context that served an earlier operation; the key schedule stays. */
    CH_CHECK_OUT(EVP_CipherInit_ex2(c->ctx, NULL, NULL, iv, enc, NULL) == 1, CKR_GENERAL_ERROR);
    *out = c;
    c = NULL;
    rv = CKR_OK;
out:
    CH_OSSL_LEAVE();
    aes_discard(c); /* a context that failed to set up never goes back to the spares */
    return rv;
}

CK_RV ch_crypto_aes_dup(const struct ch_aes *c, struct ch_aes **out)
{
    CK_RV rv;
    struct ch_aes *d = calloc(1, sizeof(*d));
    CH_CHECK(d != NULL, CKR_HOST_MEMORY);
    d->mode = c->mode;
    d->enc = c->enc;
    d->gcm_ivlen = c->gcm_ivlen;
    d->k = ch_crypto_aes_key_ref(c->k);
    CH_OSSL_ENTER();
    d->ctx = EVP_CIPHER_CTX_new();
    CH_CHECK_OUT(d->ctx != NULL, CKR_HOST_MEMORY);
    CH_CHECK_OUT(EVP_CIPHER_CTX_copy(d->ctx, c->ctx) == 1, CKR_GENERAL_ERROR);
    *out = d;
    d = NULL;
    rv = CKR_OK;
out:
    CH_OSSL_LEAVE();
    aes_discard(d);
    return rv;
}

CK_RV ch_crypto_aes_aad(struct ch_aes *c, const uint8_t *aad, size_t len)
{
    int n = 0;
    CH_CHECK(c->mode == CH_AES_GCM, CKR_ARGUMENTS_BAD);
    CH_CHECK(len_ok(len), CKR_DATA_LEN_RANGE);
    if (len == 0)
        return CKR_OK;
    CH_OSSL_ENTER();
    int ok = EVP_CipherUpdate(c->ctx, NULL, &n, aad, (int)len);
    CH_OSSL_LEAVE();
    return ok == 1 ? CKR_OK : CKR_GENERAL_ERROR;
}

CK_RV ch_crypto_aes_update(struct ch_aes *c, const uint8_t *in, size_t len, uint8_t *out)
{
    CH_CHECK(len_ok(len), CKR_DATA_LEN_RANGE);
    CH_CHECK((c->mode != CH_AES_ECB && c->mode != CH_AES_CBC) || len % 16 == 0,
             CKR_DATA_LEN_RANGE);
    CH_CHECK(c->mode != CH_AES_CTS || len >= 16, CKR_DATA_LEN_RANGE);
    CH_CHECK(c->mode != CH_AES_XTS || (len >= 16 && len <= CH_AES_XTS_MAX_UNIT),
             CKR_DATA_LEN_RANGE);
    if (len == 0)
        return CKR_OK;
    int n = 0;
    CH_OSSL_ENTER();
    int ok = EVP_CipherUpdate(c->ctx, out, &n, in, (int)len);
    CH_OSSL_LEAVE();
    CH_CHECK(ok == 1 && (size_t)n == len, CKR_GENERAL_ERROR);
    return CKR_OK;
}

CK_RV ch_crypto_aes_gcm_tag(struct ch_aes *c, uint8_t *tag, size_t tag_len)
{
    uint8_t full[16];
    int n = 0;
    CH_CHECK(c->mode == CH_AES_GCM && c->enc && tag_len >= 1 && tag_len <= 16, CKR_ARGUMENTS_BAD);
    CH_OSSL_ENTER();
    /* The parameter directly: the ctrl form is translated to it through a name search. */
    OSSL_PARAM p[2] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, full, 16),
                       OSSL_PARAM_construct_end()};
    int ok = EVP_CipherFinal_ex(c->ctx, full, &n) == 1 && EVP_CIPHER_CTX_get_params(c->ctx, p) == 1;
    CH_OSSL_LEAVE();
    if (ok)
        memcpy(tag, full, tag_len);
    ch_wipe(full, sizeof(full));
    return ok ? CKR_OK : CKR_GENERAL_ERROR;
}

CK_RV ch_crypto_aes_gcm_check(struct ch_aes *c, const uint8_t *tag, size_t tag_len)
{
    uint8_t t[16];
    int n = 0;
    CH_CHECK(c->mode == CH_AES_GCM && !c->enc && tag_len >= 1 && tag_len <= 16,
             CKR_ARGUMENTS_BAD);
    memcpy(t, tag, tag_len);
    CH_OSSL_ENTER();
    /* OpenSSL compares the (truncated) tag in constant time in its final call. */
    OSSL_PARAM p[2] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, t, tag_len),
                       OSSL_PARAM_construct_end()};
    int ok = EVP_CIPHER_CTX_set_params(c->ctx, p) == 1 && EVP_CipherFinal_ex(c->ctx, t, &n) == 1;
    CH_OSSL_LEAVE();
    return ok ? CKR_OK : CKR_ENCRYPTED_DATA_INVALID;
}

/* Back to its key's spares if there is room (a context whose set-up failed or is unknown,
 * gcm_ivlen 0, is freed instead); otherwise freed (OpenSSL cleanses it). */
void ch_crypto_aes_free(struct ch_aes *c)
{
    if (c == NULL)
        return;
    struct ch_aes_key *k = c->k;
    c->k = NULL;
    if (k != NULL && c->ctx != NULL && (c->mode != CH_AES_GCM || c->gcm_ivlen != 0)) {
        pthread_mutex_lock(&k->mu);
        if (k->nspare[c->mode][c->enc] < AES_SPARES) {
            k->spare[c->mode][c->enc][k->nspare[c->mode][c->enc]++] = c;
            c = NULL;
        }
        pthread_mutex_unlock(&k->mu);
    }
    if (c != NULL) {
        EVP_CIPHER_CTX_free(c->ctx);
        free(c);
    }
    ch_crypto_aes_key_free(k); /* may free the spares, c among them */
}

/* ---- key wrap ------------------------------------------------------------------------------ */

CK_RV ch_crypto_aes_wrap(const struct ch_aes_key *k, bool pad, bool wrap, const uint8_t *iv,
                         size_t iv_len, const uint8_t *in, size_t in_len, uint8_t *out,
                         size_t *out_len)
{
    static const char *const names[2][3] = {
        {"AES-128-WRAP", "AES-192-WRAP", "AES-256-WRAP"},
        {"AES-128-WRAP-PAD", "AES-192-WRAP-PAD", "AES-256-WRAP-PAD"},
    };
    int si = size_index(k->len);
    EVP_CIPHER *c = NULL;
    EVP_CIPHER_CTX *ctx = NULL;
    int n = 0, fin = 0;
    size_t cap;
    CK_RV rv;

    CH_CHECK(si >= 0 && !k->xts, CKR_KEY_SIZE_RANGE);
    CH_CHECK(iv == NULL || iv_len == (pad ? 4u : 8u), CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(len_ok(in_len), wrap ? CKR_DATA_LEN_RANGE : CKR_WRAPPED_KEY_LEN_RANGE);
    if (wrap) {
        CH_CHECK(pad ? in_len >= 1 : (in_len >= 16 && in_len % 8 == 0), CKR_DATA_LEN_RANGE);
        cap = (in_len + 7) / 8 * 8 + 8;
    } else {
        CH_CHECK(in_len >= (pad ? 16u : 24u) && in_len % 8 == 0, CKR_WRAPPED_KEY_LEN_RANGE);
        cap = in_len - 8;
    }
    CH_OSSL_ENTER();
    c = EVP_CIPHER_fetch(ch_crypto_libctx(), names[pad][si], NULL);
    ctx = EVP_CIPHER_CTX_new();
    CH_CHECK_OUT(c != NULL && ctx != NULL, CKR_HOST_MEMORY);
    CH_CHECK_OUT(EVP_CipherInit_ex2(ctx, c, k->key, iv, wrap ? 1 : 0, NULL) == 1, CKR_GENERAL_ERROR);
    if (EVP_CipherUpdate(ctx, out, &n, in, (int)in_len) != 1 || n < 0 || (size_t)n > cap ||
        EVP_CipherFinal_ex(ctx, out + n, &fin) != 1) {
        ch_wipe(out, cap);
        rv = wrap ? CKR_GENERAL_ERROR : CKR_WRAPPED_KEY_INVALID;
        goto out;
    }
    *out_len = (size_t)n + (size_t)fin;
    rv = CKR_OK;
out:
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
    CH_OSSL_LEAVE();
    return rv;
}

/* ---- CCM ----------------------------------------------------------------------------------- */

/* OpenSSL fixes the tag and length-field sizes when the key is set (they enter the first
 * block's flags), so CCM is keyed per message rather than copied from a template. */
CK_RV ch_crypto_aes_ccm(const struct ch_aes_key *k, bool enc, const uint8_t *nonce,
                        size_t nonce_len, const uint8_t *aad, size_t aad_len, const uint8_t *in,
                        size_t len, uint8_t *out, uint8_t *tag, size_t tag_len)
{
    static const char *const names[3] = {"AES-128-CCM", "AES-192-CCM", "AES-256-CCM"};
    EVP_CIPHER *c = NULL;
    EVP_CIPHER_CTX *ctx = NULL;
    int n = 0, e = enc ? 1 : 0;
    CK_RV rv;
    CH_CHECK(nonce != NULL && nonce_len >= 7 && nonce_len <= 13, CKR_ARGUMENTS_BAD);
    CH_CHECK(tag != NULL && tag_len >= 4 && tag_len <= 16 && tag_len % 2 == 0, CKR_ARGUMENTS_BAD);
    CH_CHECK(len_ok(len) && len_ok(aad_len), CKR_DATA_LEN_RANGE);
    CH_CHECK(!k->xts && size_index(k->len) >= 0, CKR_ARGUMENTS_BAD);
    CH_OSSL_ENTER();
    c = EVP_CIPHER_fetch(ch_crypto_libctx(), names[size_index(k->len)], NULL);
    ctx = EVP_CIPHER_CTX_new();
    CH_CHECK_OUT(c != NULL && ctx != NULL, CKR_HOST_MEMORY);
    CH_CHECK_OUT(EVP_CipherInit_ex2(ctx, c, NULL, NULL, e, NULL) == 1 &&
                     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, (int)nonce_len, NULL) == 1 &&
                     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)tag_len,
                                         enc ? NULL : tag) == 1 &&
                     EVP_CipherInit_ex2(ctx, NULL, k->key, nonce, e, NULL) == 1 &&
                     EVP_CipherUpdate(ctx, NULL, &n, NULL, (int)len) == 1,
                 CKR_GENERAL_ERROR);
    if (aad_len > 0)
        CH_CHECK_OUT(EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) == 1, CKR_GENERAL_ERROR);
    /* SP 800-38C §6.2: decryption verifies inside the one update call (also for an empty
     * payload, which needs non-NULL pointers to be taken as payload, not AAD). */
    uint8_t dummy[1];
    if (len == 0) {
        in = dummy;
        out = dummy;
    }
    if (EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1) {
        ch_wipe(out, len);
        rv = enc ? CKR_GENERAL_ERROR : CKR_ENCRYPTED_DATA_INVALID;
        goto out;
    }
    if (enc)
        CH_CHECK_OUT(EVP_CipherFinal_ex(ctx, out + n, &n) == 1 &&
                         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)tag_len, tag) == 1,
                     CKR_GENERAL_ERROR);
    rv = CKR_OK;
out:
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
    CH_OSSL_LEAVE();
    return rv;
}

/* ---- CMAC ---------------------------------------------------------------------------------- */

CK_RV ch_crypto_cmac_new(const uint8_t *key, size_t key_len, struct ch_cmac **out)
{
    static const char *const cbc[3] = {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"};
    int si = size_index(key_len);
    CK_RV rv;
    CH_CHECK(si >= 0, CKR_KEY_SIZE_RANGE);
    struct ch_cmac *m = calloc(1, sizeof(*m));
    CH_CHECK(m != NULL, CKR_HOST_MEMORY);
    CH_OSSL_ENTER();
    EVP_MAC *mac = EVP_MAC_fetch(ch_crypto_libctx(), "CMAC", NULL);
    m->ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac);
    CH_CHECK_OUT(m->ctx != NULL, CKR_HOST_MEMORY);
    OSSL_PARAM p[2] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)cbc[si], 0),
        OSSL_PARAM_construct_end(),
    };
    CH_CHECK_OUT(EVP_MAC_init(m->ctx, key, key_len, p) == 1, CKR_GENERAL_ERROR);
    *out = m;
    m = NULL;
    rv = CKR_OK;
out:
    CH_OSSL_LEAVE();
    ch_crypto_cmac_free(m);
    return rv;
}

CK_RV ch_crypto_cmac_update(struct ch_cmac *m, const uint8_t *in, size_t len)
{
    if (len == 0)
        return CKR_OK;
    CH_OSSL_ENTER();
    int ok = EVP_MAC_update(m->ctx, in, len);
    CH_OSSL_LEAVE();
    return ok == 1 ? CKR_OK : CKR_GENERAL_ERROR;
}

CK_RV ch_crypto_cmac_final(struct ch_cmac *m, uint8_t out[16])
{
    size_t n = 0;
    CH_OSSL_ENTER();
    int ok = EVP_MAC_final(m->ctx, out, &n, 16);
    CH_OSSL_LEAVE();
    return ok == 1 && n == 16 ? CKR_OK : CKR_GENERAL_ERROR;
}

void ch_crypto_cmac_free(struct ch_cmac *m)
{
    if (m == NULL)
        return;
    EVP_MAC_CTX_free(m->ctx);
    free(m);
}

/* ---- HKDF ---------------------------------------------------------------------------------- */

CK_RV ch_crypto_hkdf(enum ch_hash h, enum ch_hkdf_mode mode, const uint8_t *key, size_t key_len,
                     const uint8_t *salt, size_t salt_len, const uint8_t *info, size_t info_len,
                     uint8_t *out, size_t out_len)
{
    static const uint8_t zero = 0;
    size_t hl = ch_crypto_hash_len(h);
    const char *md = ch_crypto_md_name(h);
    int kmode = mode == CH_HKDF_EXTRACT  ? EVP_KDF_HKDF_MODE_EXTRACT_ONLY
                : mode == CH_HKDF_EXPAND ? EVP_KDF_HKDF_MODE_EXPAND_ONLY
                                         : EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND;
    CK_RV rv;
    CH_CHECK(md != NULL && hl > 0, CKR_ARGUMENTS_BAD);
    if (mode == CH_HKDF_EXTRACT)
        CH_CHECK(out_len == hl, CKR_KEY_SIZE_RANGE);
    else
        CH_CHECK(out_len >= 1 && out_len <= 255 * hl, CKR_KEY_SIZE_RANGE);
    OSSL_PARAM p[6];
    size_t np = 0;
    p[np++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
    p[np++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &kmode);
    /* OpenSSL refuses an empty key; HKDF with an empty IKM is HMAC under the salt of "", which
     * a one-byte view of length zero expresses. */
    p[np++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                                (void *)(key_len ? key : &zero), key_len);
    if (salt_len > 0)
        p[np++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
    if (info_len > 0)
        p[np++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
    p[np] = OSSL_PARAM_construct_end();
    CH_OSSL_ENTER();
    EVP_KDF *kdf = EVP_KDF_fetch(ch_crypto_libctx(), "HKDF", NULL);
    EVP_KDF_CTX *kctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    CH_CHECK_OUT(kctx != NULL, CKR_HOST_MEMORY);
    CH_CHECK_OUT(EVP_KDF_derive(kctx, out, out_len, p) == 1, CKR_FUNCTION_FAILED);
    rv = CKR_OK;
out:
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    CH_OSSL_LEAVE();
    if (rv != CKR_OK)
        ch_wipe(out, out_len);
    return rv;
}
