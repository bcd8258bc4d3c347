/* SPDX-License-Identifier: Apache-2.0 */
/* MAC mechanisms: CKM_SHA{1,224,256,384,512}_HMAC, CKM_SHA3_*_HMAC and their _GENERAL forms
 * (PKCS#11 3.0 §6.20-6.25 "General-length HMAC"), CKM_AES_CMAC and CKM_AES_CMAC_GENERAL
 * (§6.10.x, SP 800-38B): single- and multi-part sign/verify and the message-based sign/verify
 * API (one MAC per message under the same key). Verification compares in constant time. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "mech/mech_sym.h"
#include "util/ch_ct.h"
#include "util/ch_secmem.h"
#include "util/ch_wipe.h"

#define CMAC_LEN 16

struct mac_op {
    struct ch_mech_op base;
    bool cmac;
    enum ch_hash hash;
    size_t mac_len;  /* output length (truncated for _GENERAL) */
    size_t full_len; /* untruncated */
    struct ch_hmac *hm;
    struct hmac_cache *hc; /* the key's cache entry hm came from (a reference), or NULL */
    struct ch_cmac *cm;
    uint8_t *key; /* CMAC: key copy (ch_secmem) to restart per message */
    size_t key_len;
    bool dirty; /* data fed since the last restart */
};

static bool hmac_key_type_ok(CK_KEY_TYPE kt, enum ch_hash h)
{
    switch (kt) {
    case CKK_GENERIC_SECRET:
        return true;
    case CKK_SHA_1_HMAC:
        return h == CH_HASH_SHA1;
    case CKK_SHA224_HMAC:
        return h == CH_HASH_SHA224;
    case CKK_SHA256_HMAC:
        return h == CH_HASH_SHA256;
    case CKK_SHA384_HMAC:
        return h == CH_HASH_SHA384;
    case CKK_SHA512_HMAC:
        return h == CH_HASH_SHA512;
    case CKK_SHA3_224_HMAC:
        return h == CH_HASH_SHA3_224;
    case CKK_SHA3_256_HMAC:
        return h == CH_HASH_SHA3_256;
    case CKK_SHA3_384_HMAC:
        return h == CH_HASH_SHA3_384;
    case CKK_SHA3_512_HMAC:
        return h == CH_HASH_SHA3_512;
    default:
        return false;
    }
}

/* The key's prepared HMAC (inner and outer pads hashed once), kept in the key object's cache
 * slot, with a few spare contexts already keyed from it. An operation takes a spare (or a copy
 * of the template) and gives it back, restarted, when it ends, so a C_SignInit/C_Sign pair
 * costs neither keying nor allocating a context. The entry is reference counted: an operation
 * keeps it alive after the slot drops it (key changed or destroyed, logout), and a dropped
 * entry takes no spares back, so no keyed state outlives the key beyond running operations.
 * One hash per key is cached (the first used); other hashes key afresh. */
#define HMAC_SPARES 4

struct hmac_cache {
    struct ch_mech_cache base;
    enum ch_hash h;
    struct ch_hmac *tmpl;
    pthread_mutex_t mu; /* guards spare, nspare, dead, and copies of tmpl */
    atomic_uint refs;   /* the slot's and each operation's */
    bool dead;          /* dropped from the slot */
    struct ch_hmac *spare[HMAC_SPARES];
    unsigned nspare;
};

static void hc_spares_free(struct hmac_cache *hc)
{
    while (hc->nspare > 0)
        ch_crypto_hmac_free(hc->spare[--hc->nspare]); /* cleanses */
}

static void hc_unref(struct hmac_cache *hc)
{
    if (hc == NULL || atomic_fetch_sub(&hc->refs, 1) != 1)
        return;
    hc_spares_free(hc);
    ch_crypto_hmac_free(hc->tmpl);
    pthread_mutex_destroy(&hc->mu);
    free(hc);
}

static void hmac_cache_free(struct ch_mech_cache *c)
{
    struct hmac_cache *hc = (struct hmac_cache *)c;
    pthread_mutex_lock(&hc->mu);
    hc->dead = true;
    hc_spares_free(hc);
    pthread_mutex_unlock(&hc->mu);
    hc_unref(hc);
}

/* A keyed context from the entry: a spare, or a copy of the template. */
static CK_RV hc_take(struct hmac_cache *hc, struct ch_hmac **out)
{
    CK_RV rv = CKR_OK;
    pthread_mutex_lock(&hc->mu);
    if (hc->nspare > 0)
        *out = hc->spare[--hc->nspare];
    else
        rv = ch_crypto_hmac_dup(hc->tmpl, out);
    pthread_mutex_unlock(&hc->mu);
    return rv;
}

/* An operation's context back to its entry, restarted (or freed). */
static void hc_give(struct hmac_cache *hc, struct ch_hmac *m)
{
    if (ch_crypto_hmac_restart(m) == CKR_OK) {
        pthread_mutex_lock(&hc->mu);
        if (!hc->dead && hc->nspare < HMAC_SPARES) {
            hc->spare[hc->nspare++] = m;
            m = NULL;
        }
        pthread_mutex_unlock(&hc->mu);
    }
    ch_crypto_hmac_free(m);
}

static CK_RV hmac_for_key(const struct ch_mech_key *key, enum ch_hash h, const uint8_t *v,
                          size_t vl, struct ch_hmac **out, struct hmac_cache **hc_out)
{
    pthread_mutex_t *mu = key->cache_lock;
    bool cacheable = key->cache != NULL && mu != NULL;
    struct hmac_cache *hc = NULL;
    *hc_out = NULL;
    if (cacheable) {
        pthread_mutex_lock(mu);
        struct hmac_cache *c = (struct hmac_cache *)*key->cache;
        if (c != NULL && c->base.free == hmac_cache_free && c->h == h) {
            atomic_fetch_add(&c->refs, 1);
            hc = c;
        }
        pthread_mutex_unlock(mu);
        if (hc != NULL) {
            CK_RV rv = hc_take(hc, out);
            if (rv != CKR_OK) {
                hc_unref(hc);
                return rv;
            }
            *hc_out = hc;
            return CKR_OK;
        }
    }
    CH_TRY(ch_crypto_hmac_new(h, v, vl, out));
    struct ch_hmac *t = NULL;
    if (cacheable && ch_crypto_hmac_dup(*out, &t) == CKR_OK) {
        struct hmac_cache *c = NULL;
        pthread_mutex_lock(mu);
        if (*key->cache == NULL && (c = calloc(1, sizeof(*c))) != NULL) {
            if (pthread_mutex_init(&c->mu, NULL) != 0) {
                free(c);
            } else {
                c->base.free = hmac_cache_free;
                c->h = h;
                c->tmpl = t;
                t = NULL;
                atomic_init(&c->refs, 1);
                *key->cache = &c->base;
            }
        }
        pthread_mutex_unlock(mu);
        ch_crypto_hmac_free(t);
    }
    return CKR_OK;
}

static CK_RV restart(struct mac_op *op)
{
    if (!op->dirty)
        return CKR_OK;
    op->dirty = false;
    if (!op->cmac)
        return ch_crypto_hmac_restart(op->hm);
    ch_crypto_cmac_free(op->cm);
    op->cm = NULL;
    return ch_crypto_cmac_new(op->key, op->key_len, &op->cm);
}

static void mac_free(struct ch_mech_op *o)
{
    struct mac_op *op = (struct mac_op *)o;
    if (op->hc != NULL && op->hm != NULL)
        hc_give(op->hc, op->hm);
    else
        ch_crypto_hmac_free(op->hm);
    hc_unref(op->hc);
    ch_crypto_cmac_free(op->cm);
    ch_secmem_free(op->key);
    free(op);
}

static CK_RV mac_init(const struct ch_mech_desc *d, enum ch_op_kind kind, const CK_MECHANISM *m,
                      const struct ch_mech_key *key, struct ch_mech_op **out)
{
    bool general = (d->arg & 1) != 0;
    bool cmac = d->type == CKM_AES_CMAC || d->type == CKM_AES_CMAC_GENERAL;
    enum ch_hash h = cmac ? CH_HASH_NONE : ch_mech_sym_hash_of(d->type);
    size_t full = cmac ? CMAC_LEN : ch_crypto_hash_len(h);
    size_t len = full;
    const uint8_t *v;
    size_t vl;
    CK_RV rv;
    CH_CHECK(kind == CH_OP_SIGN || kind == CH_OP_VERIFY || kind == CH_OP_MSG_SIGN ||
                 kind == CH_OP_MSG_VERIFY,
             CKR_MECHANISM_INVALID);
    if (general) {
        CK_ULONG want;
        CH_CHECK(m->pParameter != NULL && m->ulParameterLen == sizeof(CK_MAC_GENERAL_PARAMS),
                 CKR_MECHANISM_PARAM_INVALID);
        memcpy(&want, m->pParameter, sizeof(want));
        CH_CHECK(want >= 1 && want <= full, CKR_MECHANISM_PARAM_INVALID);
        len = want;
    } else {
        CH_CHECK(m->ulParameterLen == 0, CKR_MECHANISM_PARAM_INVALID);
    }
    CH_CHECK(key != NULL, CKR_KEY_HANDLE_INVALID);
    CH_CHECK(cmac ? key->type == CKK_AES : hmac_key_type_ok(key->type, h),
             CKR_KEY_TYPE_INCONSISTENT);
    CH_TRY(ch_mech_sym_value(key, &v, &vl));
    CH_CHECK(vl >= d->min_key && vl <= d->max_key, CKR_KEY_SIZE_RANGE);
    struct mac_op *op = calloc(1, sizeof(*op));
    CH_CHECK(op != NULL, CKR_HOST_MEMORY);
    op->base.desc = d;
    op->base.kind = kind;
    op->cmac = cmac;
    op->hash = h;
    op->mac_len = len;
    op->full_len = full;
    if (cmac) {
        op->key = ch_secmem_dup(v, vl);
        op->key_len = vl;
        CH_CHECK_OUT(op->key != NULL, CKR_HOST_MEMORY);
        CH_TRY_OUT(ch_crypto_cmac_new(v, vl, &op->cm));
    } else {
        CH_TRY_OUT(hmac_for_key(key, h, v, vl, &op->hm, &op->hc));
    }
    *out = &op->base;
    return CKR_OK;
out:
    mac_free(&op->base);
    return rv;
}

static CK_RV feed(struct mac_op *op, const uint8_t *in, size_t len)
{
    op->dirty = true;
    return op->cmac ? ch_crypto_cmac_update(op->cm, in, len)
                    : ch_crypto_hmac_update(op->hm, in, len);
}

/* The (truncated) MAC of what was fed; the context is spent afterwards (restart() renews). */
static CK_RV finish(struct mac_op *op, uint8_t *out)
{
    uint8_t full[CH_HASH_MAX_LEN];
    op->dirty = true;
    CK_RV rv = op->cmac ? ch_crypto_cmac_final(op->cm, full) : ch_crypto_hmac_final(op->hm, full);
    if (rv == CKR_OK)
        memcpy(out, full, op->mac_len);
    ch_wipe(full, sizeof(full));
    return rv;
}

static CK_RV mac_update(struct ch_mech_op *o, const uint8_t *in, size_t in_len, uint8_t *out,
                        size_t *out_len)
{
    (void)out;
    (void)out_len;
    return feed((struct mac_op *)o, in, in_len);
}

static CK_RV mac_final(struct ch_mech_op *o, uint8_t *out, size_t *out_len)
{
    struct mac_op *op = (struct mac_op *)o;
    CH_TRY(ch_mech_out_check(out, out_len, op->mac_len));
    if (out == NULL)
        return CKR_OK;
    return finish(op, out);
}

static CK_RV mac_oneshot(struct ch_mech_op *o, const uint8_t *in, size_t in_len, uint8_t *out,
                         size_t *out_len)
{
    struct mac_op *op = (struct mac_op *)o;
    CH_TRY(ch_mech_out_check(out, out_len, op->mac_len));
    if (out == NULL)
        return CKR_OK;
    CH_TRY(feed(op, in, in_len));
    return finish(op, out);
}

/* Compare a presented MAC with the computed one (constant time in the MAC bytes). */
static CK_RV check(struct mac_op *op, const uint8_t *sig, size_t sig_len)
{
    uint8_t mac[CH_HASH_MAX_LEN];
    CH_CHECK(sig_len == op->mac_len, CKR_SIGNATURE_LEN_RANGE);
    CK_RV rv = finish(op, mac);
    if (rv == CKR_OK && !ch_ct_eq(mac, sig, op->mac_len))
        rv = CKR_SIGNATURE_INVALID;
    ch_wipe(mac, sizeof(mac));
    return rv;
}

static CK_RV mac_verify(struct ch_mech_op *o, const uint8_t *in, size_t in_len,
                        const uint8_t *sig, size_t sig_len)
{
    struct mac_op *op = (struct mac_op *)o;
    CH_CHECK(sig_len == op->mac_len, CKR_SIGNATURE_LEN_RANGE);
    CH_TRY(feed(op, in, in_len));
    return check(op, sig, sig_len);
}

static CK_RV mac_verify_final(struct ch_mech_op *o, const uint8_t *sig, size_t sig_len)
{
    return check((struct mac_op *)o, sig, sig_len);
}

/* ---- message-based sign/verify (PKCS#11 3.0 §5.14, §5.16): no per-message parameter ------- */

static CK_RV no_params(const void *params, size_t len)
{
    (void)params;
    CH_CHECK(len == 0, CKR_MECHANISM_PARAM_INVALID);
    return CKR_OK;
}

static CK_RV mac_msg_oneshot(struct ch_mech_op *o, void *params, size_t params_len,
                             const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t in_len,
                             uint8_t *out, size_t *out_len)
{
    (void)aad;
    (void)aad_len;
    struct mac_op *op = (struct mac_op *)o;
    CH_TRY(no_params(params, params_len));
    CH_TRY(ch_mech_out_check(out, out_len, op->mac_len));
    if (out == NULL)
        return CKR_OK;
    CH_TRY(restart(op));
    CH_TRY(feed(op, in, in_len));
    return finish(op, out);
}

static CK_RV mac_msg_begin(struct ch_mech_op *o, void *params, size_t params_len,
                           const uint8_t *aad, size_t aad_len)
{
    (void)aad;
    (void)aad_len;
    CH_TRY(no_params(params, params_len));
    return restart((struct mac_op *)o);
}

static CK_RV mac_msg_next(struct ch_mech_op *o, void *params, size_t params_len,
                          const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len,
                          bool final)
{
    struct mac_op *op = (struct mac_op *)o;
    CH_TRY(no_params(params, params_len));
    if (op->base.kind == CH_OP_MSG_VERIFY) {
        CH_TRY(feed(op, in, in_len));
        return final ? check(op, out, *out_len) : CKR_OK;
    }
    if (!final)
        return feed(op, in, in_len);
    /* The size is known before the data is fed, so a size query consumes nothing. */
    CH_TRY(ch_mech_out_check(out, out_len, op->mac_len));
    if (out == NULL)
        return CKR_OK;
    CH_TRY(feed(op, in, in_len));
    return finish(op, out);
}

static CK_RV mac_msg_verify(struct ch_mech_op *o, void *params, size_t params_len,
                            const uint8_t *in, size_t in_len, const uint8_t *sig, size_t sig_len)
{
    struct mac_op *op = (struct mac_op *)o;
    CH_TRY(no_params(params, params_len));
    CH_TRY(restart(op));
    CH_TRY(feed(op, in, in_len));
    return check(op, sig, sig_len);
}

static const struct ch_mech_ops mac_ops = {
    .init = mac_init,
    .oneshot = mac_oneshot,
    .update = mac_update,
    .final = mac_final,
    .verify = mac_verify,
    .verify_final = mac_verify_final,
    .free = mac_free,
    .msg_oneshot = mac_msg_oneshot,
    .msg_begin = mac_msg_begin,
    .msg_next = mac_msg_next,
    .msg_verify = mac_msg_verify,
};

#define MAC_FLAGS (CKF_SIGN | CKF_VERIFY | CKF_MESSAGE_SIGN | CKF_MESSAGE_VERIFY)
/* Key sizes in bytes. HMAC takes generic-secret keys of any length (approved use needs at
 * least 112 bits, SP 800-107r1 §5.2; shorter keys are the caller's policy). */
#define HMAC_ROW(mech, general)                                                                    \
    {.type = (mech), .flags = MAC_FLAGS, .min_key = 1, .max_key = 4096, .approved = true,          \
     .key_type = CK_UNAVAILABLE_INFORMATION, .ops = &mac_ops, .arg = (general)}

static const struct ch_mech_desc rows[] = {
    HMAC_ROW(CKM_SHA_1_HMAC, 0),
    HMAC_ROW(CKM_SHA_1_HMAC_GENERAL, 1),
    HMAC_ROW(CKM_SHA224_HMAC, 0),
    HMAC_ROW(CKM_SHA224_HMAC_GENERAL, 1),
    HMAC_ROW(CKM_SHA256_HMAC, 0),
    HMAC_ROW(CKM_SHA256_HMAC_GENERAL, 1),
    HMAC_ROW(CKM_SHA384_HMAC, 0),
    HMAC_ROW(CKM_SHA384_HMAC_GENERAL, 1),
    HMAC_ROW(CKM_SHA512_HMAC, 0),
    HMAC_ROW(CKM_SHA512_HMAC_GENERAL, 1),
    HMAC_ROW(CKM_SHA3_224_HMAC, 0),
    HMAC_ROW(CKM_SHA3_224_HMAC_GENERAL, 1),
    HMAC_ROW(CKM_SHA3_256_HMAC, 0),
    HMAC_ROW(CKM_SHA3_256_HMAC_GENERAL, 1),
    HMAC_ROW(CKM_SHA3_384_HMAC, 0),
    HMAC_ROW(CKM_SHA3_384_HMAC_GENERAL, 1),
    HMAC_ROW(CKM_SHA3_512_HMAC, 0),
    HMAC_ROW(CKM_SHA3_512_HMAC_GENERAL, 1),
    {.type = CKM_AES_CMAC, .flags = MAC_FLAGS, .min_key = 16, .max_key = 32, .approved = true,
     .key_type = CKK_AES, .ops = &mac_ops, .arg = 0},
    {.type = CKM_AES_CMAC_GENERAL, .flags = MAC_FLAGS, .min_key = 16, .max_key = 32,
     .approved = true, .key_type = CKK_AES, .ops = &mac_ops, .arg = 1},
};

const struct ch_mech_family ch_mech_family_hmac = {.rows = rows,
                                                   .nrows = sizeof(rows) / sizeof(rows[0])};
