/* SPDX-License-Identifier: Apache-2.0 */
/* src/crypto: public-key operations on a struct ch_pkey: RSA PKCS#1 v1.5 / PSS / OAEP / raw
 * (RFC 8017), ECDSA with the PKCS#11 r || s encoding, EdDSA (RFC 8032, pure), ECDH and X25519/
 * X448. Each operation duplicates a context prepared once per key. No policy here. */
#include "crypto/crypto_pkey_int.h"

#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

/* A fresh context for one operation: a duplicate of the key's template, made on first use. */
static EVP_PKEY_CTX *op_ctx(struct ch_pkey *k, enum ch_pk_tmpl which)
{
    EVP_PKEY_CTX *dup = NULL;
    pthread_mutex_lock(&k->lock);
    if (k->tmpl[which] == NULL) {
        EVP_PKEY_CTX *t = EVP_PKEY_CTX_new_from_pkey(ch_crypto_libctx(), k->pk, NULL);
        int ok = 0;
        if (t != NULL) {
            switch (which) {
            case CH_PKT_SIGN:
                ok = EVP_PKEY_sign_init(t);
                break;
            case CH_PKT_VERIFY:
                ok = EVP_PKEY_verify_init(t);
                break;
            case CH_PKT_ENC:
                ok = EVP_PKEY_encrypt_init(t);
                break;
            case CH_PKT_DEC:
                ok = EVP_PKEY_decrypt_init(t);
                break;
            case CH_PKT_DERIVE:
                ok = EVP_PKEY_derive_init(t);
                break;
            case CH_PKT_VRECOVER:
                ok = EVP_PKEY_verify_recover_init(t);
                break;
            default:
                break;
            }
        }
        if (ok == 1)
            k->tmpl[which] = t;
        else
            EVP_PKEY_CTX_free(t);
    }
    if (k->tmpl[which] != NULL)
        dup = EVP_PKEY_CTX_dup(k->tmpl[which]);
    pthread_mutex_unlock(&k->lock);
    return dup;
}

/* EdDSA: a DigestSign/DigestVerify context, copied from the key's template. */
static EVP_MD_CTX *ed_ctx(struct ch_pkey *k, bool sign)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (c == NULL)
        return NULL;
    pthread_mutex_lock(&k->lock);
    if (k->ed[sign] == NULL) {
        EVP_MD_CTX *t = EVP_MD_CTX_new();
        int ok = t != NULL &&
                 (sign ? EVP_DigestSignInit_ex(t, NULL, NULL, ch_crypto_libctx(), NULL, k->pk, NULL)
                       : EVP_DigestVerifyInit_ex(t, NULL, NULL, ch_crypto_libctx(), NULL, k->pk,
                                                 NULL)) == 1;
        if (ok)
            k->ed[sign] = t;
        else
            EVP_MD_CTX_free(t);
    }
    bool ok = k->ed[sign] != NULL && EVP_MD_CTX_copy_ex(c, k->ed[sign]) == 1;
    pthread_mutex_unlock(&k->lock);
    if (!ok) { /* copying an EdDSA context is not possible everywhere: initialise afresh */
        EVP_MD_CTX_reset(c);
        int r = sign ? EVP_DigestSignInit_ex(c, NULL, NULL, ch_crypto_libctx(), NULL, k->pk, NULL)
                     : EVP_DigestVerifyInit_ex(c, NULL, NULL, ch_crypto_libctx(), NULL, k->pk,
                                               NULL);
        if (r != 1) {
            EVP_MD_CTX_free(c);
            return NULL;
        }
    }
    return c;
}

static int rsa_pad_of(enum ch_pk_pad p)
{
    switch (p) {
    case CH_PAD_PKCS1:
        return RSA_PKCS1_PADDING;
    case CH_PAD_PSS:
        return RSA_PKCS1_PSS_PADDING;
    case CH_PAD_OAEP:
        return RSA_PKCS1_OAEP_PADDING;
    default:
        return RSA_NO_PADDING;
    }
}

/* Padding parameters on an RSA context. */
static bool rsa_setup(EVP_PKEY_CTX *c, const struct ch_pk_params *p, bool sig)
{
    if (EVP_PKEY_CTX_set_rsa_padding(c, rsa_pad_of(p->pad)) != 1)
        return false;
    if (p->pad == CH_PAD_PSS) {
        if (p->salt_len > INT_MAX || ch_crypto_md(p->md) == NULL || ch_crypto_md(p->mgf) == NULL)
            return false;
        return EVP_PKEY_CTX_set_signature_md(c, ch_crypto_md(p->md)) == 1 &&
               EVP_PKEY_CTX_set_rsa_mgf1_md(c, ch_crypto_md(p->mgf)) == 1 &&
               EVP_PKEY_CTX_set_rsa_pss_saltlen(c, (int)p->salt_len) == 1;
    }
    if (p->pad == CH_PAD_OAEP) {
        if (ch_crypto_md(p->md) == NULL || ch_crypto_md(p->mgf) == NULL || p->label_len > INT_MAX)
            return false;
        if (EVP_PKEY_CTX_set_rsa_oaep_md(c, ch_crypto_md(p->md)) != 1 ||
            EVP_PKEY_CTX_set_rsa_mgf1_md(c, ch_crypto_md(p->mgf)) != 1)
            return false;
        if (p->label_len > 0) {
            void *l = OPENSSL_memdup(p->label, p->label_len);
            if (l == NULL || EVP_PKEY_CTX_set0_rsa_oaep_label(c, l, (int)p->label_len) != 1) {
                OPENSSL_free(l);
                return false;
            }
        }
        return true;
    }
    if (sig && p->pad == CH_PAD_PKCS1 && p->md != CH_HASH_NONE)
        return ch_crypto_md(p->md) != NULL &&
               EVP_PKEY_CTX_set_signature_md(c, ch_crypto_md(p->md)) == 1;
    return true;
}

/* Left-pad a raw RSA input to the modulus length (PKCS#11 3.0 §6.1.5: CKM_RSA_X_509 inputs
 * shorter than k are zero-extended on the left). */
static bool lpad(const uint8_t *in, size_t in_len, uint8_t *buf, size_t k)
{
    if (in_len > k)
        return false;
    memset(buf, 0, k - in_len);
    if (in_len > 0)
        memcpy(buf + (k - in_len), in, in_len);
    return true;
}

/* The parameters rsa_setup puts on a context (the OAEP label aside). */
static bool rsa_params_same(const struct ch_pk_params *a, const struct ch_pk_params *b)
{
    return a->pad == b->pad && a->md == b->md && a->mgf == b->mgf && a->salt_len == b->salt_len;
}

/* An RSA context for one operation, set up for p. The key keeps, per template, a copy already
 * set up for the parameters it last saw (conf[]); while operations keep those parameters (the
 * common case: one mechanism per key) a duplicate of it needs none of rsa_setup's calls, each
 * of which goes through OSSL_PARAM look-ups in the provider (7 % of an RSA-2048 verification).
 * A context with an OAEP label is never kept. */
static EVP_PKEY_CTX *rsa_ctx(struct ch_pkey *k, enum ch_pk_tmpl which, const struct ch_pk_params *p,
                             bool sig)
{
    bool keep = p->label_len == 0;
    EVP_PKEY_CTX *c = NULL, *copy;
    if (keep) {
        pthread_mutex_lock(&k->lock);
        if (k->conf[which] != NULL && rsa_params_same(&k->conf_p[which], p))
            c = EVP_PKEY_CTX_dup(k->conf[which]);
        pthread_mutex_unlock(&k->lock);
        if (c != NULL)
            return c;
    }
    c = op_ctx(k, which);
    if (c == NULL || !rsa_setup(c, p, sig)) {
        EVP_PKEY_CTX_free(c);
        return NULL;
    }
    if (keep && (copy = EVP_PKEY_CTX_dup(c)) != NULL) {
        pthread_mutex_lock(&k->lock);
        EVP_PKEY_CTX_free(k->conf[which]); /* nobody else holds it: duplicated under the lock */
        k->conf[which] = copy;
        k->conf_p[which] = *p;
        k->conf_p[which].label = NULL;
        pthread_mutex_unlock(&k->lock);
    }
    return c;
}

/* ---- ECDSA encoding (SEC 1 §4.1 DER <-> PKCS#11's fixed-length r || s) ---------------------
 * ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (SEC 1 §C.5), converted here directly
 * instead of through ECDSA_SIG and two BIGNUMs (allocations on every signature). Values are
 * public (a signature), so plain branches are fine. With at most 66-byte r and s, every length
 * is below 256: short form, or 0x81 and one byte. */

#define CH_ECDSA_DER_MAX (3 + 2 * (2 + 67))

/* A DER length at *p (short form, or 0x81 nn with nn >= 0x80). */
static bool der_len(const uint8_t **p, const uint8_t *end, size_t *n)
{
    if (end - *p < 1)
        return false;
    if ((*p)[0] < 0x80) {
        *n = (*p)[0];
        *p += 1;
        return true;
    }
    if ((*p)[0] != 0x81 || end - *p < 2 || (*p)[1] < 0x80)
        return false;
    *n = (*p)[1];
    *p += 2;
    return true;
}

/* A non-negative INTEGER at *p, written big-endian into out[0..olen). */
static bool der_uint(const uint8_t **p, const uint8_t *end, size_t olen, uint8_t *out)
{
    size_t n;
    if (end - *p < 1 || **p != 0x02)
        return false;
    *p += 1;
    if (!der_len(p, end, &n) || n == 0 || (size_t)(end - *p) < n || ((*p)[0] & 0x80) != 0)
        return false;
    const uint8_t *v = *p;
    *p += n;
    while (n > 1 && v[0] == 0) { /* the sign byte (and any other leading zero) */
        v++;
        n--;
    }
    if (n > olen)
        return false;
    memset(out, 0, olen - n);
    memcpy(out + (olen - n), v, n);
    return true;
}

static CK_RV der_to_rs(const uint8_t *der, size_t der_len_, size_t olen, uint8_t *out)
{
    const uint8_t *p = der, *end = der + der_len_;
    size_t n;
    if (der_len_ < 2 || *p++ != 0x30 || !der_len(&p, end, &n) || n != (size_t)(end - p))
        return CKR_FUNCTION_FAILED;
    if (!der_uint(&p, end, olen, out) || !der_uint(&p, end, olen, out + olen) || p != end)
        return CKR_FUNCTION_FAILED;
    return CKR_OK;
}

/* One unsigned big-endian value as a DER INTEGER (minimal: leading zeros dropped, a 0x00 sign
 * byte when the top bit is set). Returns the bytes written. */
static size_t put_uint(uint8_t *o, const uint8_t *v, size_t n)
{
    while (n > 1 && v[0] == 0) {
        v++;
        n--;
    }
    size_t body = n + (v[0] >> 7), w = 0;
    o[w++] = 0x02;
    o[w++] = (uint8_t)body; /* <= 67 */
    if (body > n)
        o[w++] = 0x00;
    memcpy(o + w, v, n);
    return w + n;
}

/* r || s -> DER in der[CH_ECDSA_DER_MAX]; returns its length. */
static size_t rs_to_der(const uint8_t *sig, size_t olen, uint8_t der[CH_ECDSA_DER_MAX])
{
    uint8_t body[2 * (2 + 67)];
    size_t bl = put_uint(body, sig, olen);
    bl += put_uint(body + bl, sig + olen, olen);
    size_t w = 0;
    der[w++] = 0x30;
    if (bl >= 0x80)
        der[w++] = 0x81;
    der[w++] = (uint8_t)bl;
    memcpy(der + w, body, bl);
    return w + bl;
}

/* ---- sign / verify ------------------------------------------------------------------------ */

CK_RV ch_crypto_pkey_sign(struct ch_pkey *k, const struct ch_pk_params *p, const uint8_t *in,
                          size_t in_len, uint8_t *sig, size_t *sig_len)
{
    uint8_t block[CH_PK_MAX_RSA_BITS / 8];
    uint8_t der[CH_ECDSA_DER_MAX];
    EVP_PKEY_CTX *c = NULL;
    EVP_MD_CTX *m = NULL;
    CK_RV rv = CKR_FUNCTION_FAILED;
    size_t n;

    CH_CHECK(k != NULL && p != NULL && sig != NULL && sig_len != NULL, CKR_ARGUMENTS_BAD);
    CH_CHECK(in != NULL || in_len == 0, CKR_ARGUMENTS_BAD);
    CH_CHECK(k->priv, CKR_KEY_TYPE_INCONSISTENT);
    CH_OSSL_ENTER();
    switch (k->type) {
    case CH_PK_RSA:
        if (p->pad == CH_PAD_NONE) {
            CH_CHECK_OUT(lpad(in, in_len, block, k->size), CKR_DATA_LEN_RANGE);
            in = block;
            in_len = k->size;
        } else if (p->pad == CH_PAD_PKCS1 && p->md == CH_HASH_NONE) {
            /* RFC 8017 §9.2 step 3: the encoded message leaves room for PS of >= 8 bytes. */
            CH_CHECK_OUT(in_len + 11 <= k->size, CKR_DATA_LEN_RANGE);
        } else {
            CH_CHECK_OUT(in_len == ch_crypto_hash_len(p->md), CKR_DATA_LEN_RANGE);
        }
        c = rsa_ctx(k, CH_PKT_SIGN, p, true);
        CH_CHECK_OUT(c != NULL, CKR_FUNCTION_FAILED);
        n = k->size;
        if (EVP_PKEY_sign(c, sig, &n, in, in_len) != 1 || n != k->size) {
            rv = p->pad == CH_PAD_NONE ? CKR_DATA_INVALID : CKR_FUNCTION_FAILED;
            goto out;
        }
        *sig_len = n;
        break;
    case CH_PK_EC:
        c = op_ctx(k, CH_PKT_SIGN);
        CH_CHECK_OUT(c != NULL, CKR_FUNCTION_FAILED);
        n = sizeof(der);
        CH_CHECK_OUT(EVP_PKEY_sign(c, der, &n, in, in_len) == 1, CKR_FUNCTION_FAILED);
        CH_TRY_OUT(der_to_rs(der, n, k->olen, sig));
        *sig_len = 2 * k->olen;
        break;
    case CH_PK_ED25519:
    case CH_PK_ED448:
        m = ed_ctx(k, true);
        CH_CHECK_OUT(m != NULL, CKR_FUNCTION_FAILED);
        n = k->size;
        CH_CHECK_OUT(EVP_DigestSign(m, sig, &n, in, in_len) == 1 && n == k->size,
                     CKR_FUNCTION_FAILED);
        *sig_len = n;
        break;
    default:
        rv = CKR_KEY_TYPE_INCONSISTENT;
        goto out;
    }
    rv = CKR_OK;
out:
    if (rv != CKR_OK)
        ch_wipe(sig, k->size);
    if (k->type == CH_PK_RSA && p->pad == CH_PAD_NONE) /* the only path that fills block */
        ch_wipe(block, k->size);
    EVP_PKEY_CTX_free(c);
    EVP_MD_CTX_free(m);
    CH_OSSL_LEAVE();
    return rv;
}

CK_RV ch_crypto_pkey_verify(struct ch_pkey *k, const struct ch_pk_params *p, const uint8_t *in,
                            size_t in_len, const uint8_t *sig, size_t sig_len)
{
    uint8_t block[CH_PK_MAX_RSA_BITS / 8], rec[CH_PK_MAX_RSA_BITS / 8];
    EVP_PKEY_CTX *c = NULL;
    EVP_MD_CTX *m = NULL;
    uint8_t der[CH_ECDSA_DER_MAX];
    CK_RV rv = CKR_SIGNATURE_INVALID;

    CH_CHECK(k != NULL && p != NULL && (sig != NULL || sig_len == 0), CKR_ARGUMENTS_BAD);
    CH_CHECK(in != NULL || in_len == 0, CKR_ARGUMENTS_BAD);
    CH_CHECK(sig_len == k->size, CKR_SIGNATURE_LEN_RANGE);
    CH_OSSL_ENTER();
    switch (k->type) {
    case CH_PK_RSA:
        if (p->pad == CH_PAD_NONE) {
            /* Raw: recover s^e mod n and compare with the zero-extended data. */
            size_t rl = sizeof(rec);
            CH_CHECK_OUT(in_len <= k->size, CKR_DATA_LEN_RANGE);
            CH_CHECK_OUT(lpad(in, in_len, block, k->size), CKR_DATA_LEN_RANGE);
            rv = ch_crypto_pkey_verify_recover(k, p, sig, sig_len, rec, &rl);
            if (rv == CKR_OK && (rl != k->size || !ch_ct_eq(rec, block, k->size)))
                rv = CKR_SIGNATURE_INVALID;
            goto out;
        }
        if (p->pad == CH_PAD_PKCS1 && p->md == CH_HASH_NONE)
            CH_CHECK_OUT(in_len + 11 <= k->size, CKR_DATA_LEN_RANGE);
        else
            CH_CHECK_OUT(in_len == ch_crypto_hash_len(p->md), CKR_DATA_LEN_RANGE);
        c = rsa_ctx(k, CH_PKT_VERIFY, p, true);
        CH_CHECK_OUT(c != NULL, CKR_FUNCTION_FAILED);
        rv = EVP_PKEY_verify(c, sig, sig_len, in, in_len) == 1 ? CKR_OK : CKR_SIGNATURE_INVALID;
        break;
    case CH_PK_EC: {
        size_t dl = rs_to_der(sig, k->olen, der);
        c = op_ctx(k, CH_PKT_VERIFY);
        CH_CHECK_OUT(c != NULL, CKR_FUNCTION_FAILED);
        rv = EVP_PKEY_verify(c, der, dl, in, in_len) == 1 ? CKR_OK : CKR_SIGNATURE_INVALID;
        break;
    }
    case CH_PK_ED25519:
    case CH_PK_ED448:
        m = ed_ctx(k, false);
        CH_CHECK_OUT(m != NULL, CKR_FUNCTION_FAILED);
        rv = EVP_DigestVerify(m, sig, sig_len, in, in_len) == 1 ? CKR_OK : CKR_SIGNATURE_INVALID;
        break;
    default:
        rv = CKR_KEY_TYPE_INCONSISTENT;
        break;
    }
out:
    EVP_PKEY_CTX_free(c);
    EVP_MD_CTX_free(m);
    CH_OSSL_LEAVE();
    return rv;
}

CK_RV ch_crypto_pkey_verify_recover(struct ch_pkey *k, const struct ch_pk_params *p,
                                    const uint8_t *sig, size_t sig_len, uint8_t *out,
                                    size_t *out_len)
{
    EVP_PKEY_CTX *c = NULL;
    CK_RV rv = CKR_SIGNATURE_INVALID;
    CH_CHECK(k != NULL && p != NULL && sig != NULL && out != NULL && out_len != NULL,
             CKR_ARGUMENTS_BAD);
    CH_CHECK(k->type == CH_PK_RSA, CKR_KEY_TYPE_INCONSISTENT);
    CH_CHECK(p->pad == CH_PAD_NONE || (p->pad == CH_PAD_PKCS1 && p->md == CH_HASH_NONE),
             CKR_MECHANISM_INVALID);
    CH_CHECK(sig_len == k->size, CKR_SIGNATURE_LEN_RANGE);
    CH_OSSL_ENTER();
    c = rsa_ctx(k, CH_PKT_VRECOVER, p, false);
    CH_CHECK_OUT(c != NULL, CKR_FUNCTION_FAILED);
    size_t n = k->size;
    if (EVP_PKEY_verify_recover(c, out, &n, sig, sig_len) == 1) {
        *out_len = n;
        rv = CKR_OK;
    }
out:
    EVP_PKEY_CTX_free(c);
    CH_OSSL_LEAVE();
    return rv;
}

/* ---- encrypt / decrypt -------------------------------------------------------------------- */

CK_RV ch_crypto_pkey_encrypt(struct ch_pkey *k, const struct ch_pk_params *p, const uint8_t *in,
                             size_t in_len, uint8_t *out, size_t *out_len)
{
    uint8_t block[CH_PK_MAX_RSA_BITS / 8];
    EVP_PKEY_CTX *c = NULL;
    CK_RV rv;
    CH_CHECK(k != NULL && p != NULL && out != NULL && out_len != NULL, CKR_ARGUMENTS_BAD);
    CH_CHECK(in != NULL || in_len == 0, CKR_ARGUMENTS_BAD);
    CH_CHECK(k->type == CH_PK_RSA, CKR_KEY_TYPE_INCONSISTENT);
    size_t hl = ch_crypto_hash_len(p->md);
    /* RFC 8017 §7.2.1 step 1 (mLen <= k - 11), §7.1.1 step 1.b (mLen <= k - 2hLen - 2). */
    if (p->pad == CH_PAD_PKCS1)
        CH_CHECK(in_len + 11 <= k->size, CKR_DATA_LEN_RANGE);
    else if (p->pad == CH_PAD_OAEP)
        CH_CHECK(hl != 0 && in_len + 2 * hl + 2 <= k->size, CKR_DATA_LEN_RANGE);
    else if (p->pad == CH_PAD_NONE)
        CH_CHECK(in_len <= k->size, CKR_DATA_LEN_RANGE);
    else
        return CKR_MECHANISM_INVALID;
    CH_OSSL_ENTER();
    if (p->pad == CH_PAD_NONE) {
        (void)lpad(in, in_len, block, k->size);
        in = block;
        in_len = k->size;
    }
    c = rsa_ctx(k, CH_PKT_ENC, p, false);
    CH_CHECK_OUT(c != NULL, CKR_FUNCTION_FAILED);
    size_t n = k->size;
    if (EVP_PKEY_encrypt(c, out, &n, in, in_len) != 1 || n != k->size) {
        rv = p->pad == CH_PAD_NONE ? CKR_DATA_INVALID : CKR_FUNCTION_FAILED;
        goto out;
    }
    *out_len = n;
    rv = CKR_OK;
out:
    ch_wipe(block, sizeof(block));
    EVP_PKEY_CTX_free(c);
    CH_OSSL_LEAVE();
    return rv;
}

/* RFC 8017 §7.2.2 step 3 in constant time over the k-byte block em: 0x00 || 0x02 || PS (>= 8
 * non-zero bytes) || 0x00 || M. Returns an all-ones mask when well formed and the offset of M
 * in *off; both computed without secret-dependent branches or memory indices. */
static uint32_t pkcs1_type2_check(const uint8_t *em, size_t k, size_t *off)
{
    uint32_t good = ch_ct_mask_eq_u32(em[0], 0) & ch_ct_mask_eq_u32(em[1], 2);
    uint32_t found = 0, zero_at = 0;
    for (size_t i = 2; i < k; i++) {
        uint32_t z = ch_ct_mask_eq_u32(em[i], 0) & ~found;
        zero_at = ch_ct_select_u32(z, (uint32_t)i, zero_at);
        found |= z;
    }
    /* PS of at least 8 bytes: the separator sits at index >= 10. */
    uint32_t ps_ok = ~ch_ct_mask_nonzero_u32((zero_at - 10u) >> 31); /* zero_at >= 10 */
    good &= found & ps_ok;
    *off = (size_t)zero_at + 1;
    return good;
}

CK_RV ch_crypto_pkey_decrypt(struct ch_pkey *k, const struct ch_pk_params *p, const uint8_t *in,
                             size_t in_len, uint8_t *out, size_t *out_len)
{
    uint8_t em[CH_PK_MAX_RSA_BITS / 8];
    EVP_PKEY_CTX *c = NULL;
    CK_RV rv = CKR_ENCRYPTED_DATA_INVALID;
    CH_CHECK(k != NULL && p != NULL && in != NULL && out != NULL && out_len != NULL,
             CKR_ARGUMENTS_BAD);
    CH_CHECK(k->type == CH_PK_RSA && k->priv, CKR_KEY_TYPE_INCONSISTENT);
    CH_CHECK(in_len == k->size, CKR_ENCRYPTED_DATA_LEN_RANGE);
    CH_CHECK(p->pad != CH_PAD_PSS, CKR_MECHANISM_INVALID);
    CH_OSSL_ENTER();
    /* OpenSSL 3.0 has no implicit rejection: PKCS#1 v1.5 is decrypted raw (blinded, constant
     * time in OpenSSL) and its padding checked here with masks, so a malformed block costs the
     * same as a good one up to the single final branch on the result. */
    struct ch_pk_params raw = {.pad = CH_PAD_NONE};
    c = rsa_ctx(k, CH_PKT_DEC, p->pad == CH_PAD_PKCS1 ? &raw : p, false);
    CH_CHECK_OUT(c != NULL, CKR_FUNCTION_FAILED);
    size_t n = k->size;
    if (p->pad == CH_PAD_PKCS1) {
        int ok = EVP_PKEY_decrypt(c, em, &n, in, in_len);
        size_t off = 0;
        uint32_t good = pkcs1_type2_check(em, k->size, &off);
        good &= ch_ct_mask_eq_u32((uint32_t)(ok == 1 && n == k->size), 1);
        if (good == 0) /* the one (unavoidable: the API reports it) branch on the padding */
            goto out;
        n = k->size - off;
        memcpy(out, em + off, n);
        *out_len = n;
        rv = CKR_OK;
        goto out;
    }
    if (EVP_PKEY_decrypt(c, out, &n, in, in_len) == 1) {
        *out_len = n;
        rv = CKR_OK;
    }
out:
    ch_wipe(em, sizeof(em));
    EVP_PKEY_CTX_free(c);
    CH_OSSL_LEAVE();
    return rv;
}

/* ---- key agreement ------------------------------------------------------------------------ */

CK_RV ch_crypto_pkey_derive(struct ch_pkey *k, struct ch_pkey *peer, bool cofactor, uint8_t *out,
                            size_t *out_len)
{
    EVP_PKEY_CTX *c = NULL;
    CK_RV rv = CKR_FUNCTION_FAILED;
    CH_CHECK(k != NULL && peer != NULL && out != NULL && out_len != NULL, CKR_ARGUMENTS_BAD);
    CH_CHECK(k->priv && k->type == peer->type && k->curve == peer->curve &&
                 (k->type == CH_PK_EC || k->type == CH_PK_X25519 || k->type == CH_PK_X448),
             CKR_KEY_TYPE_INCONSISTENT);
    CH_OSSL_ENTER();
    c = op_ctx(k, CH_PKT_DERIVE);
    CH_CHECK_OUT(c != NULL, CKR_FUNCTION_FAILED);
    if (k->type == CH_PK_EC && cofactor)
        CH_CHECK_OUT(EVP_PKEY_CTX_set_ecdh_cofactor_mode(c, 1) == 1, CKR_FUNCTION_FAILED);
    /* The peer was validated when built (ch_crypto_pkey_ec_new); skip OpenSSL's re-check. */
    CH_CHECK_OUT(EVP_PKEY_derive_set_peer_ex(c, peer->pk, 0) == 1, CKR_FUNCTION_FAILED);
    size_t n = k->olen;
    /* X25519/X448 fail on an all-zero result (RFC 7748 §6.1 check). */
    CH_CHECK_OUT(EVP_PKEY_derive(c, out, &n) == 1 && n == k->olen, CKR_FUNCTION_FAILED);
    *out_len = n;
    rv = CKR_OK;
out:
    if (rv != CKR_OK)
        ch_wipe(out, k->olen);
    EVP_PKEY_CTX_free(c);
    CH_OSSL_LEAVE();
    return rv;
}

/* NIST SP 800-56C rev2 §4.1, option 1 (H = a hash): K(i) = H(counter_i || Z || FixedInfo) with a
 * 32-bit big-endian counter from 1, the blocks concatenated and truncated to out_len. OpenSSL's
 * SSKDF is that construction: "key" is Z, "info" is FixedInfo. */
CK_RV ch_crypto_sskdf(enum ch_hash h, const uint8_t *z, size_t z_len, const uint8_t *info,
                      size_t info_len, uint8_t *out, size_t out_len)
{
    EVP_KDF_CTX *kc = NULL;
    OSSL_PARAM prm[4], *p = prm;
    CK_RV rv = CKR_FUNCTION_FAILED;
    CH_CHECK(z != NULL && z_len > 0 && out != NULL && out_len > 0, CKR_ARGUMENTS_BAD);
    CH_CHECK(info != NULL || info_len == 0, CKR_ARGUMENTS_BAD);
    const char *md = ch_crypto_md_name(h);
    CH_CHECK(md != NULL, CKR_MECHANISM_PARAM_INVALID);
    /* §4.2: at most 2^32 - 1 blocks; our callers ask for far less. */
    CH_CHECK(out_len / ch_crypto_hash_len(h) < UINT32_MAX, CKR_KEY_SIZE_RANGE);
    CH_OSSL_ENTER();
    kc = ch_crypto_kdf_sskdf() != NULL ? EVP_KDF_CTX_new(ch_crypto_kdf_sskdf()) : NULL;
    CH_CHECK_OUT(kc != NULL, CKR_HOST_MEMORY);
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)z, z_len);
    if (info_len > 0)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
    *p = OSSL_PARAM_construct_end();
    if (EVP_KDF_derive(kc, out, out_len, prm) == 1)
        rv = CKR_OK;
out:
    if (rv != CKR_OK)
        ch_wipe(out, out_len);
    EVP_KDF_CTX_free(kc); /* cleanses the copy of Z it kept */
    CH_OSSL_LEAVE();
    return rv;
}
