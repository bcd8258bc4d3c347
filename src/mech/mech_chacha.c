/* SPDX-License-Identifier: Apache-2.0 */
/* ChaCha20 mechanisms (PKCS#11 3.2 §ChaCha20, §Chacha20/Poly1305): CKM_CHACHA20_KEY_GEN,
 * CKM_CHACHA20 (the stream cipher, CK_CHACHA20_PARAMS) and CKM_CHACHA20_POLY1305 (RFC 8439
 * AEAD: C_Encrypt/C_Decrypt with CK_SALSA20_CHACHA20_POLY1305_PARAMS and the message-based
 * API with CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS). src/mech layer: parameter rules, output
 * sizes and the staging of unverified plaintext are here, the cipher is src/crypto's. Not
 * FIPS-approved; never releases plaintext whose tag has not verified. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mech/mech_internal.h"
#include "mech/mech_sym.h"
#include "util/ch_ct.h"
#include "util/ch_wipe.h"

enum cc_kind { CC_AEAD = 0, CC_STREAM };

struct cc_op {
    struct ch_mech_op base;
    enum cc_kind kind;
    bool enc;
    struct ch_chacha_key *key;
    uint8_t iv[16]; /* AEAD: the 12-byte nonce; stream: state words 12..15 (counter, nonce) */
    size_t iv_len;
    uint8_t *aad; /* C_Encrypt/C_Decrypt AEAD: copy of the parameter's AAD */
    size_t aad_len;
    struct ch_chacha *c; /* running cipher: multi-part, stream, or an open message */
    struct ch_mech_buf acc; /* AEAD decryption: ciphertext (and tag) held until the last part */
    uint64_t room; /* stream: bytes left before the block counter wraps (saturating) */
    uint64_t used;
    bool msg_open; /* message API: a Begin waits for its last Next */
};

/* ulNonceLen of the AEAD parameters is in bits (§Chacha20/Poly1305: "ulNonceLen is the length
 * of the nonce in bits"), but some clients pass bytes. 96 bits and 12 bytes cannot be mistaken
 * for any other valid value, so both name the RFC 8439 nonce. 64 bits ("original" ChaCha20,
 * whose AEAD formats the Poly1305 input differently) and 192 bits (XChaCha20) are constructions
 * OpenSSL does not offer: CKR_MECHANISM_PARAM_INVALID. */
static bool aead_nonce_len_ok(CK_ULONG n)
{
    return n == CH_CHACHA_NONCE_LEN * 8 || n == CH_CHACHA_NONCE_LEN;
}

static CK_RV len_range(const struct cc_op *op)
{
    return op->enc ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE;
}

/* CK_CHACHA20_PARAMS (§ChaCha20 mechanism parameters): a 96-bit nonce with a 32-bit block
 * counter (RFC 8439 §2.3, at most 2^32 blocks = 256 GiB from counter 0), or a 64-bit nonce with
 * a 32- or 64-bit counter (the original layout: a 64-bit counter in words 12-13). The counter
 * bytes are little-endian, as the state words take them (the reading NSS and RFC 9001 §5.4.4
 * use); pBlockCounter NULL means zero. XChaCha20 (192 bits): CKR_MECHANISM_PARAM_INVALID. */
static CK_RV stream_params(struct cc_op *op, const void *p, size_t pl)
{
    CH_CHECK(p != NULL && pl == sizeof(CK_CHACHA20_PARAMS), CKR_MECHANISM_PARAM_INVALID);
    const CK_CHACHA20_PARAMS *cp = p;
    size_t nonce_len, ctr_len = cp->blockCounterBits / 8;
    if (cp->ulNonceBits == 96) {
        CH_CHECK(cp->blockCounterBits == 32, CKR_MECHANISM_PARAM_INVALID);
        nonce_len = 12;
    } else if (cp->ulNonceBits == 64) {
        CH_CHECK(cp->blockCounterBits == 32 || cp->blockCounterBits == 64,
                 CKR_MECHANISM_PARAM_INVALID);
        nonce_len = 8;
    } else {
        return CKR_MECHANISM_PARAM_INVALID;
    }
    CH_CHECK(cp->pNonce != NULL, CKR_MECHANISM_PARAM_INVALID);
    memset(op->iv, 0, sizeof(op->iv));
    if (cp->pBlockCounter != NULL)
        memcpy(op->iv, cp->pBlockCounter, ctr_len);
    memcpy(op->iv + 16 - nonce_len, cp->pNonce, nonce_len);
    op->iv_len = 16;
    /* Blocks left: 2^32 - counter (96-bit nonce), 2^64 - counter (64-bit nonce). */
    uint64_t ctr = 0;
    for (size_t i = 0; i < (nonce_len == 12 ? 4u : 8u); i++)
        ctr |= (uint64_t)op->iv[i] << (8 * i);
    uint64_t blocks = nonce_len == 12 ? (UINT64_C(1) << 32) - ctr
                      : ctr == 0      ? UINT64_MAX
                                      : UINT64_MAX - ctr + 1;
    op->room = blocks > UINT64_MAX / 64 ? UINT64_MAX : blocks * 64;
    return CKR_OK;
}

static CK_RV aead_params(struct cc_op *op, const void *p, size_t pl)
{
    CH_CHECK(p != NULL && pl == sizeof(CK_SALSA20_CHACHA20_POLY1305_PARAMS),
             CKR_MECHANISM_PARAM_INVALID);
    const CK_SALSA20_CHACHA20_POLY1305_PARAMS *ap = p;
    CH_CHECK(ap->pNonce != NULL && aead_nonce_len_ok(ap->ulNonceLen), CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(ap->pAAD != NULL || ap->ulAADLen == 0, CKR_MECHANISM_PARAM_INVALID);
    memcpy(op->iv, ap->pNonce, CH_CHACHA_NONCE_LEN);
    op->iv_len = CH_CHACHA_NONCE_LEN;
    if (ap->ulAADLen > 0) {
        op->aad = malloc(ap->ulAADLen);
        CH_CHECK(op->aad != NULL, CKR_HOST_MEMORY);
        memcpy(op->aad, ap->pAAD, ap->ulAADLen);
        op->aad_len = ap->ulAADLen;
    }
    return CKR_OK;
}

/* ---- the per-key state: the key with its prepared contexts, in the key object's cache slot,
 * so an operation neither copies the key nor fetches the cipher again. */

static void *cck_ref(void *k)
{
    return ch_crypto_chacha_key_ref(k);
}

static void cck_free(void *k)
{
    ch_crypto_chacha_key_free(k);
}

static const struct ch_mech_shared_type cck_type = {cck_ref, cck_free};

static CK_RV cck_build(const struct ch_mech_key *key, void **out)
{
    const uint8_t *v;
    size_t vl;
    struct ch_chacha_key *k = NULL;
    *out = NULL;
    CH_TRY(ch_mech_sym_value(key, &v, &vl));
    CH_CHECK(vl == CH_CHACHA_KEY_LEN, CKR_KEY_SIZE_RANGE);
    CH_TRY(ch_crypto_chacha_key_new(v, &k));
    *out = k;
    return CKR_OK;
}

/* A reference to the key object's ch_chacha_key (built and installed on first use). */
static CK_RV key_get(const struct ch_mech_key *key, struct ch_chacha_key **out)
{
    void *k;
    CH_TRY(ch_mech_shared_get(key, &cck_type, cck_build, &k));
    *out = k;
    return CKR_OK;
}

static void cc_free(struct ch_mech_op *o)
{
    struct cc_op *op = (struct cc_op *)o;
    ch_crypto_chacha_free(op->c);
    ch_crypto_chacha_key_free(op->key);
    free(op->aad);
    ch_mech_buf_free(&op->acc);
    ch_wipe(op, sizeof(*op));
    free(op);
}

static CK_RV cc_init(const struct ch_mech_desc *d, enum ch_op_kind kind, const CK_MECHANISM *m,
                     const struct ch_mech_key *key, struct ch_mech_op **out)
{
    enum cc_kind ck = (enum cc_kind)d->arg;
    bool msg = kind == CH_OP_MSG_ENCRYPT || kind == CH_OP_MSG_DECRYPT;
    const uint8_t *v;
    size_t vl;
    CK_RV rv;
    CH_CHECK(kind == CH_OP_ENCRYPT || kind == CH_OP_DECRYPT || (msg && ck == CC_AEAD),
             CKR_MECHANISM_INVALID);
    CH_CHECK(key != NULL && key->type == CKK_CHACHA20, CKR_KEY_TYPE_INCONSISTENT);
    CH_TRY(ch_mech_sym_value(key, &v, &vl));
    CH_CHECK(vl == CH_CHACHA_KEY_LEN, CKR_KEY_SIZE_RANGE);
    struct cc_op *op = calloc(1, sizeof(*op));
    CH_CHECK(op != NULL, CKR_HOST_MEMORY);
    op->base.desc = d;
    op->base.kind = kind;
    op->kind = ck;
    op->enc = kind == CH_OP_ENCRYPT || kind == CH_OP_MSG_ENCRYPT;
    if (ck == CC_STREAM)
        CH_TRY_OUT(stream_params(op, m->pParameter, m->ulParameterLen));
    else if (!msg) /* message parameters come with each message */
        CH_TRY_OUT(aead_params(op, m->pParameter, m->ulParameterLen));
    CH_TRY_OUT(key_get(key, &op->key));
    *out = &op->base;
    return CKR_OK;
out:
    cc_free(&op->base);
    return rv;
}

/* A fresh cipher on `nonce` with the AAD already absorbed. */
static CK_RV start(struct cc_op *op, const uint8_t *iv, size_t iv_len, const uint8_t *aad,
                   size_t aad_len, struct ch_chacha **c)
{
    CH_TRY(ch_crypto_chacha_start(op->key, op->kind == CC_AEAD, op->enc, iv, iv_len, c));
    CK_RV rv = op->kind == CC_AEAD ? ch_crypto_chacha_aad(*c, aad, aad_len) : CKR_OK;
    if (rv != CKR_OK) {
        ch_crypto_chacha_free(*c);
        *c = NULL;
    }
    return rv;
}

/* RFC 8439 §2.8 decryption, staged: the plaintext goes to a scratch buffer and reaches `out`
 * (n bytes) only after the tag verified (API-CONVENTIONS §6). c is started, AAD absorbed. */
static CK_RV aead_open(struct ch_chacha *c, const uint8_t *ct, size_t n,
                       const uint8_t tag[CH_CHACHA_TAG_LEN], uint8_t *out)
{
    uint8_t t[CH_CHACHA_TAG_LEN];
    uint8_t *tmp = NULL;
    CK_RV rv;
    memcpy(t, tag, sizeof(t)); /* before anything is written: out may alias the input */
    if (n > 0) {
        tmp = malloc(n);
        CH_CHECK(tmp != NULL, CKR_HOST_MEMORY);
    }
    CH_TRY_OUT(ch_crypto_chacha_update(c, ct, n, tmp));
    CH_TRY_OUT(ch_crypto_chacha_check(c, t));
    if (n > 0)
        memcpy(out, tmp, n);
    rv = CKR_OK;
out:
    if (tmp != NULL) {
        ch_wipe(tmp, n);
        free(tmp);
    }
    return rv;
}

static CK_RV stream_account(struct cc_op *op, size_t n)
{
    CH_CHECK(n <= op->room - op->used, len_range(op)); /* the counter must not wrap */
    return CKR_OK;
}

static CK_RV cc_oneshot(struct ch_mech_op *o, const uint8_t *in, size_t in_len, uint8_t *out,
                        size_t *out_len)
{
    struct cc_op *op = (struct cc_op *)o;
    struct ch_chacha *c = NULL;
    CK_RV rv;
    CH_CHECK(op->c == NULL && op->acc.len == 0, CKR_OPERATION_ACTIVE);
    if (op->kind == CC_STREAM) {
        CH_TRY(stream_account(op, in_len));
        CH_TRY(ch_mech_out_check(out, out_len, in_len));
        if (out == NULL)
            return CKR_OK;
        CH_TRY(start(op, op->iv, op->iv_len, NULL, 0, &c));
        rv = ch_crypto_chacha_update(c, in, in_len, out);
        goto out;
    }
    if (op->enc) { /* ciphertext || 16-byte tag (§Chacha20/Poly1305: "the tag is appended") */
        CH_CHECK(in_len <= SIZE_MAX - CH_CHACHA_TAG_LEN, CKR_DATA_LEN_RANGE);
        CH_TRY(ch_mech_out_check(out, out_len, in_len + CH_CHACHA_TAG_LEN));
        if (out == NULL)
            return CKR_OK;
        CH_TRY(start(op, op->iv, op->iv_len, op->aad, op->aad_len, &c));
        CH_TRY_OUT(ch_crypto_chacha_update(c, in, in_len, out));
        rv = ch_crypto_chacha_tag(c, out + in_len);
        if (rv != CKR_OK) /* no half-written output (API-CONVENTIONS §6) */
            ch_wipe(out, in_len);
        goto out;
    }
    CH_CHECK(in_len >= CH_CHACHA_TAG_LEN, CKR_ENCRYPTED_DATA_LEN_RANGE);
    size_t n = in_len - CH_CHACHA_TAG_LEN;
    CH_TRY(ch_mech_out_check(out, out_len, n));
    if (out == NULL)
        return CKR_OK;
    CH_TRY(start(op, op->iv, op->iv_len, op->aad, op->aad_len, &c));
    rv = aead_open(c, in, n, in + n, out);
out:
    ch_crypto_chacha_free(c);
    return rv;
}

/* Multi-part: encryption and the stream cipher stream; AEAD decryption returns nothing before
 * C_DecryptFinal (§Chacha20/Poly1305: "no data should be returned until C_Decrypt or
 * C_DecryptFinal"), which checks the tag over everything collected. */
static CK_RV cc_update(struct ch_mech_op *o, const uint8_t *in, size_t in_len, uint8_t *out,
                       size_t *out_len)
{
    struct cc_op *op = (struct cc_op *)o;
    CH_CHECK(out_len != NULL, CKR_ARGUMENTS_BAD);
    if (op->kind == CC_AEAD && !op->enc) {
        CH_TRY(ch_mech_out_check(out, out_len, 0));
        return out == NULL ? CKR_OK
                           : ch_mech_buf_add(&op->acc, in, in_len, CKR_ENCRYPTED_DATA_LEN_RANGE);
    }
    if (op->kind == CC_STREAM)
        CH_TRY(stream_account(op, in_len));
    CH_TRY(ch_mech_out_check(out, out_len, in_len));
    if (out == NULL)
        return CKR_OK;
    if (op->c == NULL)
        CH_TRY(start(op, op->iv, op->iv_len, op->aad, op->aad_len, &op->c));
    CH_TRY(ch_crypto_chacha_update(op->c, in, in_len, out));
    op->used += in_len;
    return CKR_OK;
}

static CK_RV cc_final(struct ch_mech_op *o, uint8_t *out, size_t *out_len)
{
    struct cc_op *op = (struct cc_op *)o;
    struct ch_chacha *c = NULL;
    CK_RV rv;
    if (op->kind == CC_STREAM) /* no final part */
        return ch_mech_out_check(out, out_len, 0);
    if (op->enc) {
        CH_TRY(ch_mech_out_check(out, out_len, CH_CHACHA_TAG_LEN));
        if (out == NULL)
            return CKR_OK;
        if (op->c == NULL)
            CH_TRY(start(op, op->iv, op->iv_len, op->aad, op->aad_len, &op->c));
        return ch_crypto_chacha_tag(op->c, out);
    }
    CH_CHECK(op->acc.len >= CH_CHACHA_TAG_LEN, CKR_ENCRYPTED_DATA_LEN_RANGE);
    size_t n = op->acc.len - CH_CHACHA_TAG_LEN;
    CH_TRY(ch_mech_out_check(out, out_len, n));
    if (out == NULL)
        return CKR_OK;
    CH_TRY(start(op, op->iv, op->iv_len, op->aad, op->aad_len, &c));
    rv = aead_open(c, op->acc.p, n, op->acc.p + n, out);
    ch_crypto_chacha_free(c);
    return rv;
}

/* ---- message-based API (PKCS#11 3.0 §5.x with CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS) -----
 * The MSG parameters have no IV generator: every nonce is the caller's. The tag is returned
 * (encryption) or read (decryption) through pTag, 16 bytes. */

static CK_RV msg_params(void *params, size_t len, CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS **out)
{
    CH_CHECK(params != NULL && len == sizeof(CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS),
             CKR_MECHANISM_PARAM_INVALID);
    CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS *mp = params;
    CH_CHECK(mp->pNonce != NULL && aead_nonce_len_ok(mp->ulNonceLen), CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(mp->pTag != NULL, CKR_MECHANISM_PARAM_INVALID);
    *out = mp;
    return CKR_OK;
}

static void msg_reset(struct cc_op *op)
{
    op->msg_open = false;
    ch_crypto_chacha_free(op->c);
    op->c = NULL;
    ch_mech_buf_clear(&op->acc);
}

static CK_RV cc_msg_oneshot(struct ch_mech_op *o, void *params, size_t params_len,
                            const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t in_len,
                            uint8_t *out, size_t *out_len)
{
    struct cc_op *op = (struct cc_op *)o;
    CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS *mp;
    struct ch_chacha *c = NULL;
    CK_RV rv;
    CH_TRY(msg_params(params, params_len, &mp));
    CH_TRY(ch_mech_out_check(out, out_len, in_len));
    if (out == NULL)
        return CKR_OK;
    CH_TRY(start(op, mp->pNonce, CH_CHACHA_NONCE_LEN, aad, aad_len, &c));
    if (op->enc) {
        CH_TRY_OUT(ch_crypto_chacha_update(c, in, in_len, out));
        rv = ch_crypto_chacha_tag(c, mp->pTag);
        if (rv != CKR_OK)
            ch_wipe(out, in_len);
    } else {
        rv = aead_open(c, in, in_len, mp->pTag, out);
    }
out:
    ch_crypto_chacha_free(c);
    return rv;
}

static CK_RV cc_msg_begin(struct ch_mech_op *o, void *params, size_t params_len,
                          const uint8_t *aad, size_t aad_len)
{
    struct cc_op *op = (struct cc_op *)o;
    CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS *mp;
    msg_reset(op);
    CH_TRY(msg_params(params, params_len, &mp));
    CH_TRY(start(op, mp->pNonce, CH_CHACHA_NONCE_LEN, aad, aad_len, &op->c));
    op->msg_open = true;
    return CKR_OK;
}

static CK_RV cc_msg_next(struct ch_mech_op *o, void *params, size_t params_len,
                         const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len,
                         bool final)
{
    struct cc_op *op = (struct cc_op *)o;
    CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS *mp;
    CK_RV rv;
    CH_CHECK(op->msg_open, CKR_OPERATION_NOT_INITIALIZED);
    CH_TRY(msg_params(params, params_len, &mp));
    if (op->enc) {
        CH_TRY(ch_mech_out_check(out, out_len, in_len));
        if (out == NULL)
            return CKR_OK;
        CH_TRY_OUT(ch_crypto_chacha_update(op->c, in, in_len, out));
        rv = final ? ch_crypto_chacha_tag(op->c, mp->pTag) : CKR_OK;
        goto out;
    }
    /* Decryption releases the plaintext only with the last part, once the tag verified. */
    size_t need = final ? op->acc.len + in_len : 0;
    CH_CHECK(!final || need >= op->acc.len, CKR_ENCRYPTED_DATA_LEN_RANGE);
    CH_TRY(ch_mech_out_check(out, out_len, need));
    if (out == NULL)
        return CKR_OK;
    CH_TRY_OUT(ch_mech_buf_add(&op->acc, in, in_len, CKR_ENCRYPTED_DATA_LEN_RANGE));
    rv = final ? aead_open(op->c, op->acc.p, op->acc.len, mp->pTag, out) : CKR_OK;
out:
    if (final || rv != CKR_OK)
        msg_reset(op);
    return rv;
}

/* ---- key generation and validation --------------------------------------------------------- */

/* §ChaCha20 key generation: no parameter, 256-bit keys; CKA_VALUE_LEN may be given (32). */
static CK_RV cc_generate(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                         const struct ch_mech_tmpl *tmpl, struct ch_attr_list *out)
{
    (void)d;
    CK_ULONG len = CH_CHACHA_KEY_LEN;
    CH_CHECK(m->ulParameterLen == 0, CKR_MECHANISM_PARAM_INVALID);
    (void)ch_mech_tmpl_ulong(tmpl, CKA_VALUE_LEN, &len);
    CH_CHECK(len == CH_CHACHA_KEY_LEN, CKR_ATTRIBUTE_VALUE_INVALID);
    return ch_mech_sym_random_key(CKK_CHACHA20, CH_CHACHA_KEY_LEN, out);
}

static bool cc_owns(CK_KEY_TYPE t)
{
    return t == CKK_CHACHA20;
}

/* §ChaCha20 secret key objects: "Key length is fixed at 256 bits". */
static CK_RV cc_validate(const struct ch_mech_key *k)
{
    const uint8_t *v;
    size_t len;
    if (k->cls != CKO_SECRET_KEY || !ch_mech_key_attr(k, CKA_VALUE, &v, &len))
        return CKR_OK;
    return len == CH_CHACHA_KEY_LEN ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
}

/* ---- the table ----------------------------------------------------------------------------- */

static const struct ch_mech_ops cc_ops = {
    .init = cc_init,
    .oneshot = cc_oneshot,
    .update = cc_update,
    .final = cc_final,
    .free = cc_free,
    .msg_oneshot = cc_msg_oneshot,
    .msg_begin = cc_msg_begin,
    .msg_next = cc_msg_next,
};

static const struct ch_mech_ops cc_gen_ops = {.generate_key = cc_generate};

/* Key sizes: bytes for the key generation (§ChaCha20 key generation), bits for CKM_CHACHA20
 * (§ChaCha20 mechanism); the AEAD row follows CKM_CHACHA20, whose key rules it takes. None is
 * approved (not a FIPS 140-3 algorithm). No CKF_WRAP: no key transport with an unauthenticated
 * stream, and the AEAD row has none in the spec's table. */
static const struct ch_mech_desc rows[] = {
    {.type = CKM_CHACHA20_KEY_GEN, .flags = CKF_GENERATE, .min_key = 32, .max_key = 32,
     .approved = false, .key_type = CK_UNAVAILABLE_INFORMATION, .ops = &cc_gen_ops},
    {.type = CKM_CHACHA20, .flags = CKF_ENCRYPT | CKF_DECRYPT, .min_key = 256, .max_key = 256,
     .approved = false, .key_type = CKK_CHACHA20, .ops = &cc_ops, .arg = CC_STREAM},
    {.type = CKM_CHACHA20_POLY1305,
     .flags = CKF_ENCRYPT | CKF_DECRYPT | CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT,
     .min_key = 256, .max_key = 256, .approved = false, .key_type = CKK_CHACHA20, .ops = &cc_ops,
     .arg = CC_AEAD},
};

const struct ch_mech_family ch_mech_family_chacha = {.rows = rows,
                                                     .nrows = sizeof(rows) / sizeof(rows[0]),
                                                     .owns = cc_owns,
                                                     .validate = cc_validate};
