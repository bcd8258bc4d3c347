/* SPDX-License-Identifier: Apache-2.0 */
/* craton-hsm-bench, raw OpenSSL ceiling: the same operation as each PKCS#11 row done with EVP in
 * this process (default library context), with everything preparable prepared once per thread
 * (key, fetched algorithms, an initialised context that each op copies or re-initialises).
 * Rows without a crypto operation (find, object creation) have no ceiling. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "bench_p11.h"

struct orow {
    const struct bp_row *row;
    EVP_PKEY *pkey;
    EVP_PKEY *peer;
    EVP_MD *md;          /* the hash of a hash-and-sign mechanism or of the digest row */
    EVP_CIPHER *cipher;
    EVP_MAC *mac;
    uint8_t *msg;
    size_t msglen;
    uint8_t sig[1024];
    size_t siglen;
    uint8_t key[32];
};

struct othr {
    struct orow *r;
    unsigned idx;
    unsigned long n;
    EVP_MD_CTX *tmpl;    /* initialised DigestSign/DigestVerify context that each op copies */
    EVP_MD_CTX *work;
    EVP_PKEY_CTX *pctx;  /* raw sign/verify, derive, keygen */
    EVP_CIPHER_CTX *cctx;
    EVP_MAC_CTX *mctx;
    uint8_t *out;
    size_t outcap;
    uint8_t iv[16];
};

static int ossl_err(char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[160];
    ERR_error_string_n(e, buf, sizeof buf);
    snprintf(err, errlen, "%s: %s", what, e ? buf : "failed");
    ERR_clear_error();
    return -1;
}

static bool is_raw_ecdsa(const struct bp_row *row)
{
    return row->mech == CKM_ECDSA;
}

static const char *md_name(CK_MECHANISM_TYPE mech)
{
    switch (mech) {
    case CKM_SHA256_RSA_PKCS:
    case CKM_SHA256_RSA_PKCS_PSS:
    case CKM_ECDSA_SHA256:
    case CKM_SHA256:
    case CKM_SHA256_HMAC: return "SHA256";
    case CKM_ECDSA_SHA384: return "SHA384";
    default: return NULL;
    }
}

static EVP_PKEY *gen_key(enum bp_alg alg)
{
    switch (alg) {
    case BP_RSA2048: return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    case BP_P256: return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    case BP_P384: return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    case BP_ED25519: return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    default: return NULL;
    }
}

void bp_ossl_row_free(void *ctx)
{
    struct orow *r = ctx;
    if (r == NULL)
        return;
    EVP_PKEY_free(r->pkey);
    EVP_PKEY_free(r->peer);
    EVP_MD_free(r->md);
    EVP_CIPHER_free(r->cipher);
    EVP_MAC_free(r->mac);
    free(r->msg);
    free(r);
}

/* Set the PSS parameters of the row on a signing/verifying context. */
static int pss_params(const struct bp_row *row, EVP_PKEY_CTX *pctx)
{
    if (row->mech != CKM_SHA256_RSA_PKCS_PSS)
        return 1;
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) > 0;
}

int bp_ossl_row_new(const struct bp_row *row, void **ctx, char *err, size_t errlen)
{
    *ctx = NULL;
    if (row->kind == BP_FIND || row->kind == BP_CREATE)
        return snprintf(err, errlen, "no crypto"), BP_NA;
    struct orow *r = calloc(1, sizeof *r);
    if (r == NULL)
        return snprintf(err, errlen, "out of memory"), BP_FAIL;
    r->row = row;
    r->msglen = row->len;
    r->msg = malloc(r->msglen > 0 ? r->msglen : 1);
    if (r->msg == NULL)
        goto fail_mem;
    for (size_t i = 0; i < r->msglen; i++)
        r->msg[i] = (uint8_t)(i * 131u + 7u);
    for (size_t i = 0; i < sizeof r->key; i++)
        r->key[i] = (uint8_t)(0xb0 + i);
    const char *mdn = md_name(row->mech);
    if (mdn != NULL && (r->md = EVP_MD_fetch(NULL, mdn, NULL)) == NULL)
        goto fail_ssl;
    switch (row->kind) {
    case BP_SIGN:
    case BP_VERIFY:
    case BP_DERIVE:
        if ((r->pkey = gen_key(row->alg)) == NULL)
            goto fail_ssl;
        if (row->kind == BP_DERIVE && (r->peer = gen_key(row->alg)) == NULL)
            goto fail_ssl;
        if (row->kind == BP_VERIFY) {
            r->siglen = sizeof r->sig;
            int ok;
            if (is_raw_ecdsa(row)) {
                EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, r->pkey, NULL);
                ok = pc != NULL && EVP_PKEY_sign_init(pc) > 0 &&
                     EVP_PKEY_sign(pc, r->sig, &r->siglen, r->msg, r->msglen) > 0;
                EVP_PKEY_CTX_free(pc);
            } else {
                EVP_MD_CTX *mc = EVP_MD_CTX_new();
                EVP_PKEY_CTX *pc = NULL;
                ok = mc != NULL &&
                     EVP_DigestSignInit_ex(mc, &pc, mdn, NULL, NULL, r->pkey, NULL) > 0 &&
                     pss_params(row, pc) &&
                     EVP_DigestSign(mc, r->sig, &r->siglen, r->msg, r->msglen) > 0;
                EVP_MD_CTX_free(mc);
            }
            if (!ok)
                goto fail_ssl;
        }
        break;
    case BP_KEYGEN: break;
    case BP_DIGEST: break;
    case BP_ENCRYPT:
        r->cipher = EVP_CIPHER_fetch(NULL, row->mech == CKM_AES_GCM ? "AES-256-GCM" : "AES-256-CBC",
                                     NULL);
        if (r->cipher == NULL)
            goto fail_ssl;
        break;
    case BP_MAC:
        if ((r->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
            goto fail_ssl;
        break;
    case BP_FIND:
    case BP_CREATE: break;
    }
    *ctx = r;
    return BP_READY;
fail_mem:
    bp_ossl_row_free(r);
    return snprintf(err, errlen, "out of memory"), BP_FAIL;
fail_ssl:
    ossl_err(err, errlen, "OpenSSL setup");
    bp_ossl_row_free(r);
    return BP_FAIL;
}

static void thr_free(void *p)
{
    struct othr *t = p;
    if (t == NULL)
        return;
    EVP_MD_CTX_free(t->tmpl);
    EVP_MD_CTX_free(t->work);
    EVP_PKEY_CTX_free(t->pctx);
    EVP_CIPHER_CTX_free(t->cctx);
    EVP_MAC_CTX_free(t->mctx);
    free(t->out);
    free(t);
}

static void *thr_new(void *ctx, unsigned idx, char *err, size_t errlen)
{
    struct orow *r = ctx;
    const struct bp_row *row = r->row;
    struct othr *t = calloc(1, sizeof *t);
    if (t == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->r = r;
    t->idx = idx;
    t->outcap = r->msglen + 1024;
    if ((t->out = malloc(t->outcap)) == NULL)
        goto fail;
    const char *mdn = r->md != NULL ? EVP_MD_get0_name(r->md) : NULL;
    int ok = 1;
    switch (row->kind) {
    case BP_SIGN:
    case BP_VERIFY:
        if (is_raw_ecdsa(row)) {
            t->pctx = EVP_PKEY_CTX_new_from_pkey(NULL, r->pkey, NULL);
            ok = t->pctx != NULL && (row->kind == BP_SIGN ? EVP_PKEY_sign_init(t->pctx)
                                                          : EVP_PKEY_verify_init(t->pctx)) > 0;
        } else {
            EVP_PKEY_CTX *pc = NULL;
            t->tmpl = EVP_MD_CTX_new();
            t->work = EVP_MD_CTX_new();
            ok = t->tmpl != NULL && t->work != NULL &&
                 (row->kind == BP_SIGN
                      ? EVP_DigestSignInit_ex(t->tmpl, &pc, mdn, NULL, NULL, r->pkey, NULL)
                      : EVP_DigestVerifyInit_ex(t->tmpl, &pc, mdn, NULL, NULL, r->pkey, NULL)) >
                     0 &&
                 pss_params(row, pc);
        }
        break;
    case BP_DERIVE:
        t->pctx = EVP_PKEY_CTX_new_from_pkey(NULL, r->pkey, NULL);
        ok = t->pctx != NULL && EVP_PKEY_derive_init(t->pctx) > 0 &&
             EVP_PKEY_derive_set_peer(t->pctx, r->peer) > 0;
        break;
    case BP_KEYGEN:
        t->pctx = EVP_PKEY_CTX_new_from_name(NULL, row->alg == BP_RSA2048 ? "RSA" : "EC", NULL);
        ok = t->pctx != NULL && EVP_PKEY_keygen_init(t->pctx) > 0 &&
             (row->alg == BP_RSA2048 ? EVP_PKEY_CTX_set_rsa_keygen_bits(t->pctx, 2048)
                                     : EVP_PKEY_CTX_set_group_name(t->pctx, "P-256")) > 0;
        break;
    case BP_DIGEST:
        ok = (t->work = EVP_MD_CTX_new()) != NULL;
        break;
    case BP_ENCRYPT:
        /* Key schedule once; each op sets a fresh IV. */
        t->cctx = EVP_CIPHER_CTX_new();
        ok = t->cctx != NULL && EVP_EncryptInit_ex2(t->cctx, r->cipher, r->key, NULL, NULL) > 0 &&
             EVP_CIPHER_CTX_set_padding(t->cctx, 0) > 0;
        break;
    case BP_MAC: {
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
            OSSL_PARAM_construct_end()};
        t->mctx = EVP_MAC_CTX_new(r->mac);
        ok = t->mctx != NULL && EVP_MAC_CTX_set_params(t->mctx, params) > 0 &&
             EVP_MAC_init(t->mctx, r->key, sizeof r->key, NULL) > 0;
        break;
    }
    case BP_FIND:
    case BP_CREATE: ok = 0; break;
    }
    if (!ok)
        goto fail;
    return t;
fail:
    ossl_err(err, errlen, "OpenSSL thread setup");
    thr_free(t);
    return NULL;
}

static int op(void *p, char *err, size_t errlen)
{
    struct othr *t = p;
    struct orow *r = t->r;
    const struct bp_row *row = r->row;
    size_t len = t->outcap;
    int outl = 0, outl2 = 0;
    t->n++;
    switch (row->kind) {
    case BP_SIGN:
        if (is_raw_ecdsa(row)) {
            if (EVP_PKEY_sign(t->pctx, t->out, &len, r->msg, r->msglen) <= 0)
                return ossl_err(err, errlen, "EVP_PKEY_sign");
        } else if (EVP_MD_CTX_copy_ex(t->work, t->tmpl) <= 0 ||
                   EVP_DigestSign(t->work, t->out, &len, r->msg, r->msglen) <= 0) {
            return ossl_err(err, errlen, "EVP_DigestSign");
        }
        return 0;
    case BP_VERIFY:
        if (is_raw_ecdsa(row)) {
            if (EVP_PKEY_verify(t->pctx, r->sig, r->siglen, r->msg, r->msglen) != 1)
                return ossl_err(err, errlen, "EVP_PKEY_verify");
        } else if (EVP_MD_CTX_copy_ex(t->work, t->tmpl) <= 0 ||
                   EVP_DigestVerify(t->work, r->sig, r->siglen, r->msg, r->msglen) != 1) {
            return ossl_err(err, errlen, "EVP_DigestVerify");
        }
        return 0;
    case BP_DERIVE:
        len = 32;
        if (EVP_PKEY_derive(t->pctx, t->out, &len) <= 0)
            return ossl_err(err, errlen, "EVP_PKEY_derive");
        return 0;
    case BP_KEYGEN: {
        EVP_PKEY *k = NULL;
        if (EVP_PKEY_generate(t->pctx, &k) <= 0)
            return ossl_err(err, errlen, "EVP_PKEY_generate");
        EVP_PKEY_free(k);
        return 0;
    }
    case BP_DIGEST: {
        unsigned int dl = 0;
        if (EVP_DigestInit_ex2(t->work, r->md, NULL) <= 0 ||
            EVP_DigestUpdate(t->work, r->msg, r->msglen) <= 0 ||
            EVP_DigestFinal_ex(t->work, t->out, &dl) <= 0)
            return ossl_err(err, errlen, "EVP_Digest");
        return 0;
    }
    case BP_ENCRYPT: {
        memset(t->iv, 0, sizeof t->iv);
        t->iv[0] = (uint8_t)t->idx;
        for (int i = 0; i < 8; i++)
            t->iv[4 + i] = (uint8_t)(t->n >> (8 * i));
        if (EVP_EncryptInit_ex2(t->cctx, NULL, NULL, t->iv, NULL) <= 0 ||
            EVP_EncryptUpdate(t->cctx, t->out, &outl, r->msg, (int)r->msglen) <= 0 ||
            EVP_EncryptFinal_ex(t->cctx, t->out + outl, &outl2) <= 0)
            return ossl_err(err, errlen, "EVP_Encrypt");
        if (row->mech == CKM_AES_GCM &&
            EVP_CIPHER_CTX_ctrl(t->cctx, EVP_CTRL_AEAD_GET_TAG, 16, t->out + outl + outl2) <= 0)
            return ossl_err(err, errlen, "EVP_CTRL_AEAD_GET_TAG");
        return 0;
    }
    case BP_MAC:
        /* NULL key: OpenSSL 3 restarts HMAC with the key already set. */
        if (EVP_MAC_init(t->mctx, NULL, 0, NULL) <= 0 ||
            EVP_MAC_update(t->mctx, r->msg, r->msglen) <= 0 ||
            EVP_MAC_final(t->mctx, t->out, &len, t->outcap) <= 0)
            return ossl_err(err, errlen, "EVP_MAC");
        return 0;
    case BP_FIND:
    case BP_CREATE: break;
    }
    snprintf(err, errlen, "no OpenSSL operation");
    return -1;
}

const struct bp_impl bp_ossl_impl = {thr_new, op, thr_free};
