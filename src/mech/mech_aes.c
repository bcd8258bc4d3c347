/* SPDX-License-Identifier: Apache-2.0 */
/* AES mechanisms (PKCS#11 3.0 §6.10-6.13, §6.7 key wrap): CKM_AES_KEY_GEN, ECB, CBC, CBC_PAD,
 * CTR, GCM (single-part, multi-part and the message-based API with IV generation), CCM, CTS,
 * XTS (CKK_AES_XTS keys, CKM_AES_XTS_KEY_GEN), KEY_WRAP (RFC 3394) and KEY_WRAP_PAD / KWP
 * (RFC 5649); also CKM_GENERIC_SECRET_KEY_GEN and the helpers the other symmetric families share. Computes through src/crypto; block buffering,
 * padding and the PKCS#11 output-size conventions are done here. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "fips/fips.h"
#include "mech/mech_internal.h"
#include "mech/mech_sym.h"
#include "util/ch_ct.h"
#include "util/ch_secmem.h"
#include "util/ch_wipe.h"

enum aes_kind { K_ECB = 0, K_CBC, K_CBC_PAD, K_CTR, K_GCM, K_WRAP, K_WRAP_PAD, K_CCM, K_CTS, K_XTS };

#define GCM_MAX_IV 128
/* SP 800-38D §8.3: at most 2^32 invocations with random (or generated) IVs per key. */
#define GCM_MAX_GENERATED (UINT64_C(1) << 32)

/* ---- shared helpers ------------------------------------------------------------------------ */

CK_RV ch_mech_sym_value(const struct ch_mech_key *k, const uint8_t **v, size_t *len)
{
    CH_CHECK(k != NULL && k->cls == CKO_SECRET_KEY, CKR_KEY_TYPE_INCONSISTENT);
    CH_CHECK(ch_mech_key_attr(k, CKA_VALUE, v, len), CKR_KEY_TYPE_INCONSISTENT);
    return CKR_OK;
}

CK_RV ch_mech_sym_random_key(CK_KEY_TYPE kt, size_t len, struct ch_attr_list *out)
{
    CK_RV rv;
    uint8_t *v = ch_secmem_alloc(len);
    CH_CHECK(v != NULL, CKR_HOST_MEMORY);
    CH_TRY_OUT(ch_drbg_generate(v, len));
    CH_CT_SECRET(v, len);
    CH_TRY_OUT(ch_attr_list_add_ulong(out, CKA_CLASS, CKO_SECRET_KEY));
    CH_TRY_OUT(ch_attr_list_add_ulong(out, CKA_KEY_TYPE, kt));
    CH_TRY_OUT(ch_attr_list_add(out, CKA_VALUE, v, len, true));
    rv = CKR_OK;
out:
    ch_secmem_free(v);
    return rv;
}

enum ch_hash ch_mech_sym_hash_of(CK_MECHANISM_TYPE m)
{
    switch (m) {
    case CKM_SHA_1:
    case CKM_SHA_1_HMAC:
    case CKM_SHA_1_HMAC_GENERAL:
        return CH_HASH_SHA1;
    case CKM_SHA224:
    case CKM_SHA224_HMAC:
    case CKM_SHA224_HMAC_GENERAL:
        return CH_HASH_SHA224;
    case CKM_SHA256:
    case CKM_SHA256_HMAC:
    case CKM_SHA256_HMAC_GENERAL:
        return CH_HASH_SHA256;
    case CKM_SHA384:
    case CKM_SHA384_HMAC:
    case CKM_SHA384_HMAC_GENERAL:
        return CH_HASH_SHA384;
    case CKM_SHA512:
    case CKM_SHA512_HMAC:
    case CKM_SHA512_HMAC_GENERAL:
        return CH_HASH_SHA512;
    case CKM_SHA3_224:
    case CKM_SHA3_224_HMAC:
    case CKM_SHA3_224_HMAC_GENERAL:
        return CH_HASH_SHA3_224;
    case CKM_SHA3_256:
    case CKM_SHA3_256_HMAC:
    case CKM_SHA3_256_HMAC_GENERAL:
        return CH_HASH_SHA3_256;
    case CKM_SHA3_384:
    case CKM_SHA3_384_HMAC:
    case CKM_SHA3_384_HMAC_GENERAL:
        return CH_HASH_SHA3_384;
    case CKM_SHA3_512:
    case CKM_SHA3_512_HMAC:
    case CKM_SHA3_512_HMAC_GENERAL:
        return CH_HASH_SHA3_512;
    default:
        return CH_HASH_NONE;
    }
}

/* ---- the per-key state: expanded key + GCM IV generator ------------------------------------ */

/* Shared by the key object's cache slot and every running operation (reference counted), so
 * the generated-IV counter and the invocation count survive the end of an operation. */
struct aes_key {
    atomic_uint refs;
    struct ch_aes_key *k;
    pthread_mutex_t mu;
    uint64_t ctr;         /* next CKG_GENERATE value (random start: method not defined) */
    uint64_t ctr_zero;    /* next CKG_GENERATE_COUNTER value: "the initial IV counter is
                           * zero" (PKCS#11 3.2, AES-GCM, MessageEncrypt); kept for the key's
                           * life in this process, so its operations never repeat an IV */
    uint64_t generated;   /* messages encrypted with an IV generated here */
};

static struct aes_key *ak_ref(struct aes_key *a)
{
    atomic_fetch_add(&a->refs, 1);
    return a;
}

static void ak_free(struct aes_key *a)
{
    if (a == NULL || atomic_fetch_sub(&a->refs, 1) != 1)
        return;
    ch_crypto_aes_key_free(a->k);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

static CK_RV ak_build(const struct ch_mech_key *key, struct aes_key **out)
{
    const uint8_t *v;
    size_t len;
    CK_RV rv;
    bool xts = key->type == CKK_AES_XTS;
    CH_TRY(ch_mech_sym_value(key, &v, &len));
    if (xts)
        CH_CHECK(len == 32 || len == 64, CKR_KEY_SIZE_RANGE);
    else
        CH_CHECK(len == 16 || len == 24 || len == 32, CKR_KEY_SIZE_RANGE);
    struct aes_key *a = calloc(1, sizeof(*a));
    CH_CHECK(a != NULL, CKR_HOST_MEMORY);
    if (pthread_mutex_init(&a->mu, NULL) != 0) {
        free(a);
        return CKR_HOST_MEMORY;
    }
    atomic_init(&a->refs, 1);
    CH_TRY_OUT(ch_drbg_generate((uint8_t *)&a->ctr, sizeof(a->ctr)));
    if (xts) {
        /* Equal halves (refused at import, but a key may arrive by unwrapping or derivation):
         * the key must not be used for XTS at all (IEEE 1619-2007 §5.1). */
        rv = ch_crypto_aes_xts_key_new(v, len, &a->k);
        CH_CHECK_OUT(rv != CKR_ATTRIBUTE_VALUE_INVALID, CKR_KEY_FUNCTION_NOT_PERMITTED);
        CH_TRY_OUT(rv);
    } else {
        CH_TRY_OUT(ch_crypto_aes_key_new(v, len, &a->k));
    }
    *out = a;
    return CKR_OK;
out:
    ak_free(a);
    return rv;
}

static void *ak_ref_v(void *a)
{
    return ak_ref(a);
}

static void ak_free_v(void *a)
{
    ak_free(a);
}

static const struct ch_mech_shared_type ak_type = {ak_ref_v, ak_free_v};

static CK_RV ak_build_v(const struct ch_mech_key *key, void **out)
{
    struct aes_key *a = NULL;
    CK_RV rv = ak_build(key, &a);
    *out = a;
    return rv;
}

/* The key object's aes_key from its cache slot (built and installed on first use). */
static CK_RV ak_get(const struct ch_mech_key *key, struct aes_key **out)
{
    void *a;
    CH_TRY(ch_mech_shared_get(key, &ak_type, ak_build_v, &a));
    *out = a;
    return CKR_OK;
}

/* ---- operations ---------------------------------------------------------------------------- */

struct aes_op {
    struct ch_mech_op base;
    enum aes_kind kind;
    bool enc;
    struct aes_key *ak;
    uint8_t iv[GCM_MAX_IV];
    size_t iv_len;
    uint8_t *aad; /* GCM single-part AAD copy */
    size_t aad_len;
    size_t tag_len;
    struct ch_aes *c; /* running multi-part cipher, started by the first update */
    uint8_t buf[16];  /* block modes: input not yet processed */
    size_t buf_len;
    uint64_t ctr_room; /* CTR: blocks left before the counter bits wrap (saturating) */
    uint64_t ctr_bytes;
    struct ch_mech_buf acc; /* GCM decryption: ciphertext buffered until the tag is checked */
    size_t ccm_len; /* CCM: the payload length announced in CK_CCM_PARAMS */
    bool msg_open;  /* message API: a Begin is waiting for its last Next */
    /* CKG_GENERATE_COUNTER_XOR: the caller's IV of the first message (the base), the IV last
     * written back, and the operation's counter (starts at zero, see gen_iv_xor). */
    bool xor_set;
    uint8_t xor_base[GCM_MAX_IV], xor_last[GCM_MAX_IV];
    size_t xor_len, xor_fixed;
    uint64_t xor_ctr;
};

static bool tag_bits_ok(CK_ULONG bits)
{
    /* SP 800-38D §5.2.1.2: 128, 120, 112, 104, 96, and 64 or 32 for some applications. */
    return bits == 128 || bits == 120 || bits == 112 || bits == 104 || bits == 96 || bits == 64 ||
           bits == 32;
}

/* Blocks that the low `bits` of the counter block can still count (2^bits - value). */
static uint64_t ctr_room(const uint8_t cb[16], size_t bits)
{
    if (bits > 64) {
        /* Bits 64..bits-1 of the counter: not all ones means >= 2^64 blocks left. */
        for (size_t i = 64; i < bits; i++) {
            size_t byte = 15 - i / 8;
            if (!(cb[byte] >> (i % 8) & 1))
                return UINT64_MAX;
        }
        bits = 64;
    }
    uint64_t low = 0;
    for (int i = 8; i < 16; i++)
        low = low << 8 | cb[i];
    if (bits < 64)
        low &= (UINT64_C(1) << bits) - 1;
    if (bits == 64)
        return low == 0 ? UINT64_MAX : (UINT64_MAX - low) + 1;
    return (UINT64_C(1) << bits) - low;
}

static CK_RV aes_init(const struct ch_mech_desc *d, enum ch_op_kind kind, const CK_MECHANISM *m,
                      const struct ch_mech_key *key, struct ch_mech_op **out)
{
    enum aes_kind ak = (enum aes_kind)d->arg;
    bool msg = kind == CH_OP_MSG_ENCRYPT || kind == CH_OP_MSG_DECRYPT;
    CK_RV rv;
    CH_CHECK(kind == CH_OP_ENCRYPT || kind == CH_OP_DECRYPT ||
                 (msg && (ak == K_GCM || ak == K_CCM)),
             CKR_MECHANISM_INVALID);
    CH_CHECK(key != NULL && key->type == (ak == K_XTS ? CKK_AES_XTS : CKK_AES),
             CKR_KEY_TYPE_INCONSISTENT);
    struct aes_op *op = calloc(1, sizeof(*op));
    CH_CHECK(op != NULL, CKR_HOST_MEMORY);
    op->base.desc = d;
    op->base.kind = kind;
    op->kind = ak;
    op->enc = kind == CH_OP_ENCRYPT || kind == CH_OP_MSG_ENCRYPT;
    const void *p = m->pParameter;
    size_t pl = m->ulParameterLen;
    switch (ak) {
    case K_ECB:
        CH_CHECK_OUT(pl == 0, CKR_MECHANISM_PARAM_INVALID);
        break;
    case K_CBC:
    case K_CBC_PAD:
    case K_CTS:
    case K_XTS: /* XTS: the 16-byte data unit sequence number (tweak), §AES-XTS */
        CH_CHECK_OUT(p != NULL && pl == 16, CKR_MECHANISM_PARAM_INVALID);
        memcpy(op->iv, p, 16);
        op->iv_len = 16;
        break;
    case K_CTR: {
        CH_CHECK_OUT(p != NULL && pl == sizeof(CK_AES_CTR_PARAMS), CKR_MECHANISM_PARAM_INVALID);
        const CK_AES_CTR_PARAMS *cp = p;
        CH_CHECK_OUT(cp->ulCounterBits >= 1 && cp->ulCounterBits <= 128,
                     CKR_MECHANISM_PARAM_INVALID);
        memcpy(op->iv, cp->cb, 16);
        op->iv_len = 16;
        op->ctr_room = ctr_room(cp->cb, cp->ulCounterBits);
        break;
    }
    case K_GCM: {
        if (msg) /* per-message parameters come with each message */
            break;
        CH_CHECK_OUT(p != NULL && pl == sizeof(CK_GCM_PARAMS), CKR_MECHANISM_PARAM_INVALID);
        const CK_GCM_PARAMS *gp = p;
        CH_CHECK_OUT(gp->pIv != NULL && gp->ulIvLen >= 1 && gp->ulIvLen <= GCM_MAX_IV,
                     CKR_MECHANISM_PARAM_INVALID);
        CH_CHECK_OUT(gp->pAAD != NULL || gp->ulAADLen == 0, CKR_MECHANISM_PARAM_INVALID);
        CH_CHECK_OUT(tag_bits_ok(gp->ulTagBits), CKR_MECHANISM_PARAM_INVALID);
        memcpy(op->iv, gp->pIv, gp->ulIvLen);
        op->iv_len = gp->ulIvLen;
        op->tag_len = gp->ulTagBits / 8;
        if (gp->ulAADLen > 0) {
            op->aad = malloc(gp->ulAADLen);
            CH_CHECK_OUT(op->aad != NULL, CKR_HOST_MEMORY);
            memcpy(op->aad, gp->pAAD, gp->ulAADLen);
            op->aad_len = gp->ulAADLen;
        }
        break;
    }
    case K_CCM: {
        if (msg) /* per-message parameters come with each message */
            break;
        CH_CHECK_OUT(p != NULL && pl == sizeof(CK_CCM_PARAMS), CKR_MECHANISM_PARAM_INVALID);
        const CK_CCM_PARAMS *cp = p;
        /* SP 800-38C §A.1: nonce 7..13 bytes, MAC 4..16 bytes (even); the payload length must
         * fit the length field of 15 - nonce bytes. */
        CH_CHECK_OUT(cp->pNonce != NULL && cp->ulNonceLen >= 7 && cp->ulNonceLen <= 13,
                     CKR_MECHANISM_PARAM_INVALID);
        CH_CHECK_OUT(cp->ulMACLen >= 4 && cp->ulMACLen <= 16 && cp->ulMACLen % 2 == 0,
                     CKR_MECHANISM_PARAM_INVALID);
        CH_CHECK_OUT(cp->pAAD != NULL || cp->ulAADLen == 0, CKR_MECHANISM_PARAM_INVALID);
        size_t lbytes = 15 - cp->ulNonceLen;
        CH_CHECK_OUT(lbytes >= 8 || cp->ulDataLen < ((CK_ULONG)1 << (8 * lbytes)),
                     CKR_MECHANISM_PARAM_INVALID);
        memcpy(op->iv, cp->pNonce, cp->ulNonceLen);
        op->iv_len = cp->ulNonceLen;
        op->tag_len = cp->ulMACLen;
        op->ccm_len = cp->ulDataLen;
        if (cp->ulAADLen > 0) {
            op->aad = malloc(cp->ulAADLen);
            CH_CHECK_OUT(op->aad != NULL, CKR_HOST_MEMORY);
            memcpy(op->aad, cp->pAAD, cp->ulAADLen);
            op->aad_len = cp->ulAADLen;
        }
        break;
    }
    case K_WRAP:
    case K_WRAP_PAD:
        CH_CHECK_OUT(pl == 0 || pl == (ak == K_WRAP ? 8u : 4u), CKR_MECHANISM_PARAM_INVALID);
        if (pl > 0)
            memcpy(op->iv, p, pl);
        op->iv_len = pl;
        break;
    }
    CH_TRY_OUT(ak_get(key, &op->ak));
    *out = &op->base;
    return CKR_OK;
out:
    free(op->aad);
    free(op);
    return rv;
}

static void aes_free(struct ch_mech_op *o)
{
    struct aes_op *op = (struct aes_op *)o;
    ch_crypto_aes_free(op->c);
    ak_free(op->ak);
    free(op->aad);
    ch_mech_buf_free(&op->acc);
    ch_wipe(op, sizeof(*op));
    free(op);
}

static enum ch_aes_mode mode_of(enum aes_kind k)
{
    switch (k) {
    case K_ECB:
        return CH_AES_ECB;
    case K_CBC:
    case K_CBC_PAD:
        return CH_AES_CBC;
    case K_CTR:
        return CH_AES_CTR;
    case K_CTS:
        return CH_AES_CTS;
    case K_XTS:
        return CH_AES_XTS;
    default:
        return CH_AES_GCM;
    }
}

static CK_RV start(struct aes_op *op, struct ch_aes **c)
{
    CH_TRY(ch_crypto_aes_start(op->ak->k, mode_of(op->kind), op->enc, op->iv, op->iv_len, c));
    if (op->kind == K_GCM && op->aad_len > 0) {
        CK_RV rv = ch_crypto_aes_aad(*c, op->aad, op->aad_len);
        if (rv != CKR_OK) {
            ch_crypto_aes_free(*c);
            *c = NULL;
            return rv;
        }
    }
    return CKR_OK;
}

static CK_RV len_range(const struct aes_op *op)
{
    return op->enc ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE;
}

/* PKCS#7 padding check of the last block (RFC 5652 §6.3), without data-dependent branches:
 * the pad length on success, 0 on failure. */
static size_t unpad(const uint8_t blk[16])
{
    unsigned p = blk[15];
    unsigned bad = (unsigned)(p == 0) | (unsigned)(p > 16);
    for (unsigned i = 0; i < 16; i++) {
        unsigned in_pad = (16 - i) <= p;
        bad |= in_pad & (unsigned)(blk[i] != p);
    }
    return bad ? 0 : p;
}

static CK_RV ctr_account(struct aes_op *op, size_t n)
{
    uint64_t total = op->ctr_bytes + n;
    CH_CHECK(total >= op->ctr_bytes, CKR_DATA_LEN_RANGE);
    uint64_t blocks = total / 16 + (total % 16 != 0);
    /* Refuse rather than let the counter bits wrap (§6.10.3: the counter must not repeat). */
    CH_CHECK(blocks <= op->ctr_room, CKR_DATA_LEN_RANGE);
    return CKR_OK;
}

static CK_RV wrap_run(struct aes_op *op, bool wrap, const uint8_t *in, size_t in_len,
                      uint8_t *out, size_t *out_len);

/* GCM decryption of ct || tag with a fresh cipher: size convention, then decrypted into the
 * caller's buffer and wiped there unless the tag verifies, so nothing is released on failure
 * (SP 800-38D §7.2 step 8). */
static CK_RV gcm_open(struct aes_op *op, struct ch_aes *c_started, const uint8_t *in,
                      size_t in_len, const uint8_t *tag, uint8_t *out, size_t *out_len)
{
    struct ch_aes *c = c_started;
    uint8_t t[16];
    CK_RV rv;
    CH_TRY(ch_mech_out_check(out, out_len, in_len));
    if (out == NULL)
        return CKR_OK;
    memcpy(t, tag, op->tag_len); /* before out (which may alias the input) is written */
    if (c == NULL)
        CH_TRY(start(op, &c));
    CH_TRY_OUT(ch_crypto_aes_update(c, in, in_len, out));
    rv = ch_crypto_aes_gcm_check(c, t, op->tag_len);
    if (rv != CKR_OK)
        ch_wipe(out, in_len);
out:
    if (c != c_started)
        ch_crypto_aes_free(c);
    return rv;
}

/* CCM over the whole message (SP 800-38C §6.1/6.2): CCM needs the payload length before any
 * data, so multi-part CCM buffers and does everything here at final. */
static CK_RV ccm_run(struct aes_op *op, const uint8_t *in, size_t in_len, uint8_t *out,
                     size_t *out_len)
{
    if (op->enc) {
        CH_CHECK(in_len == op->ccm_len, CKR_DATA_LEN_RANGE);
        CH_TRY(ch_mech_out_check(out, out_len, in_len + op->tag_len));
        if (out == NULL)
            return CKR_OK;
        return ch_crypto_aes_ccm(op->ak->k, true, op->iv, op->iv_len, op->aad, op->aad_len, in,
                                 in_len, out, out + in_len, op->tag_len);
    }
    CH_CHECK(in_len == op->ccm_len + op->tag_len, CKR_ENCRYPTED_DATA_LEN_RANGE);
    CH_TRY(ch_mech_out_check(out, out_len, op->ccm_len));
    if (out == NULL)
        return CKR_OK;
    uint8_t tag[16];
    memcpy(tag, in + op->ccm_len, op->tag_len); /* out may alias in */
    return ch_crypto_aes_ccm(op->ak->k, false, op->iv, op->iv_len, op->aad, op->aad_len, in,
                             op->ccm_len, out, tag, op->tag_len);
}

static CK_RV aes_oneshot(struct ch_mech_op *o, const uint8_t *in, size_t in_len, uint8_t *out,
                         size_t *out_len)
{
    struct aes_op *op = (struct aes_op *)o;
    struct ch_aes *c = NULL;
    uint8_t *tmp = NULL;
    size_t need;
    CK_RV rv;
    CH_CHECK(op->c == NULL && op->buf_len == 0 && op->acc.len == 0, CKR_OPERATION_ACTIVE);
    switch (op->kind) {
    case K_ECB:
    case K_CBC:
        CH_CHECK(in_len % 16 == 0, len_range(op));
        need = in_len;
        break;
    case K_CBC_PAD:
        CH_CHECK(op->enc || (in_len > 0 && in_len % 16 == 0), len_range(op));
        need = op->enc ? in_len - in_len % 16 + 16 : in_len;
        break;
    case K_CTR:
        CH_TRY(ctr_account(op, in_len));
        need = in_len;
        break;
    case K_CCM:
        return ccm_run(op, in, in_len, out, out_len);
    case K_CTS: /* single-part only (§ AES-CTS: "no final part") */
        CH_CHECK(in_len >= 16, len_range(op));
        need = in_len;
        break;
    case K_XTS: /* the input is one data unit (SP 800-38E §5), >= one block */
        CH_CHECK(in_len >= 16 && in_len <= CH_AES_XTS_MAX_UNIT, len_range(op));
        need = in_len;
        break;
    case K_GCM:
        CH_CHECK(op->enc || in_len >= op->tag_len, CKR_ENCRYPTED_DATA_LEN_RANGE);
        if (!op->enc)
            return gcm_open(op, NULL, in, in_len - op->tag_len, in + in_len - op->tag_len, out,
                            out_len);
        need = in_len + op->tag_len;
        break;
    default:
        return wrap_run(op, op->enc, in, in_len, out, out_len);
    }
    if (op->kind == K_CBC_PAD && !op->enc && out != NULL) {
        /* Exact length: decrypt into a scratch buffer first, so a buffer that fits the
         * unpadded plaintext is enough and a too-small one consumes nothing. */
        tmp = ch_secmem_alloc(in_len);
        CH_CHECK(tmp != NULL, CKR_HOST_MEMORY);
        CH_TRY_OUT(start(op, &c));
        CH_TRY_OUT(ch_crypto_aes_update(c, in, in_len, tmp));
        size_t p = unpad(tmp + in_len - 16);
        CH_CHECK_OUT(p != 0, CKR_ENCRYPTED_DATA_INVALID);
        CH_TRY_OUT(ch_mech_out_check(out, out_len, in_len - p));
        memcpy(out, tmp, in_len - p);
        rv = CKR_OK;
        goto out;
    }
    CH_TRY(ch_mech_out_check(out, out_len, need));
    if (out == NULL)
        return CKR_OK;
    CH_TRY_OUT(start(op, &c));
    if (op->kind == K_CBC_PAD) { /* encrypt: whole blocks, then the padded last block */
        size_t whole = in_len - in_len % 16;
        uint8_t last[16];
        uint8_t pad = (uint8_t)(16 - in_len % 16);
        memcpy(last, in + whole, in_len % 16);
        memset(last + in_len % 16, pad, pad);
        CH_TRY_OUT(ch_crypto_aes_update(c, in, whole, out));
        rv = ch_crypto_aes_update(c, last, 16, out + whole);
        ch_wipe(last, sizeof(last));
        CH_TRY_OUT(rv);
    } else if (op->kind == K_GCM && op->enc) {
        CH_TRY_OUT(ch_crypto_aes_update(c, in, in_len, out));
        CH_TRY_OUT(ch_crypto_aes_gcm_tag(c, out + in_len, op->tag_len));
    } else {
        CH_TRY_OUT(ch_crypto_aes_update(c, in, in_len, out));
    }
    rv = CKR_OK;
out:
    ch_crypto_aes_free(c);
    if (tmp != NULL)
        ch_secmem_free(tmp);
    return rv;
}

static CK_RV block_update(struct aes_op *op, const uint8_t *in, size_t in_len, uint8_t *out,
                          size_t need);

static CK_RV aes_update(struct ch_mech_op *o, const uint8_t *in, size_t in_len, uint8_t *out,
                        size_t *out_len)
{
    struct aes_op *op = (struct aes_op *)o;
    size_t need, keep = 0;
    CH_CHECK(out_len != NULL, CKR_ARGUMENTS_BAD);
    switch (op->kind) {
    case K_ECB:
    case K_CBC:
    case K_CBC_PAD: {
        size_t total = op->buf_len + in_len;
        keep = total % 16;
        if (op->kind == K_CBC_PAD && !op->enc && keep == 0 && total > 0)
            keep = 16; /* the last block holds the padding: kept for final */
        need = total - keep;
        break;
    }
    case K_CTR:
        CH_TRY(ctr_account(op, in_len));
        need = in_len;
        break;
    case K_GCM:
        need = op->enc ? in_len : 0;
        break;
    case K_CCM:
        need = 0;
        break;
    case K_XTS:
        /* Multi-part XTS: ciphertext stealing and the tweak chain need the whole data unit,
         * which OpenSSL takes in one call; the updates collect it (returning nothing) and
         * C_*Final processes it. The unit is bounded as in single-part. */
        CH_CHECK(in_len <= CH_AES_XTS_MAX_UNIT - op->acc.len, len_range(op));
        need = 0;
        break;
    default:
        return CKR_KEY_FUNCTION_NOT_PERMITTED; /* key wrap is single-part */
    }
    CH_TRY(ch_mech_out_check(out, out_len, need));
    if (out == NULL)
        return CKR_OK;
    if ((op->kind == K_GCM && !op->enc) || op->kind == K_CCM || op->kind == K_XTS)
        return ch_mech_buf_add(&op->acc, in, in_len, CKR_ENCRYPTED_DATA_LEN_RANGE);
    if (op->c == NULL)
        CH_TRY(start(op, &op->c));
    if (op->kind == K_CTR || op->kind == K_GCM) {
        CH_TRY(ch_crypto_aes_update(op->c, in, in_len, out));
        op->ctr_bytes += in_len;
        return CKR_OK;
    }
    if (need == 0) {
        memcpy(op->buf + op->buf_len, in, in_len);
        op->buf_len += in_len;
        return CKR_OK;
    }
    /* Overlapping in/out (in-place updates) with buffered bytes would shift the data under
     * the cipher: work from a copy of the input then. */
    uint8_t *copy = NULL;
    uintptr_t ia = (uintptr_t)in, oa = (uintptr_t)out;
    if (op->buf_len > 0 && oa < ia + in_len && ia < oa + need) {
        copy = malloc(in_len);
        CH_CHECK(copy != NULL, CKR_HOST_MEMORY);
        memcpy(copy, in, in_len);
        in = copy;
    }
    CK_RV rv = block_update(op, in, in_len, out, need);
    if (copy != NULL) {
        ch_wipe(copy, in_len);
        free(copy);
    }
    return rv;
}

static CK_RV block_update(struct aes_op *op, const uint8_t *in, size_t in_len, uint8_t *out,
                          size_t need)
{
    size_t used = 0, o_done = 0;
    if (op->buf_len > 0) {
        used = 16 - op->buf_len;
        memcpy(op->buf + op->buf_len, in, used);
        CH_TRY(ch_crypto_aes_update(op->c, op->buf, 16, out));
        o_done = 16;
    }
    CH_TRY(ch_crypto_aes_update(op->c, in + used, need - o_done, out + o_done));
    used += need - o_done;
    memcpy(op->buf, in + used, in_len - used);
    op->buf_len = in_len - used;
    return CKR_OK;
}

static CK_RV aes_final(struct ch_mech_op *o, uint8_t *out, size_t *out_len)
{
    struct aes_op *op = (struct aes_op *)o;
    struct ch_aes *c = NULL;
    uint8_t blk[16];
    CK_RV rv;
    switch (op->kind) {
    case K_ECB:
    case K_CBC:
        CH_CHECK(op->buf_len == 0, len_range(op));
        /* fall through */
    case K_CTR:
        return ch_mech_out_check(out, out_len, 0);
    case K_CBC_PAD:
        if (op->enc) {
            CH_TRY(ch_mech_out_check(out, out_len, 16));
            if (out == NULL)
                return CKR_OK;
            if (op->c == NULL)
                CH_TRY(start(op, &op->c));
            uint8_t pad = (uint8_t)(16 - op->buf_len);
            memset(op->buf + op->buf_len, pad, pad);
            return ch_crypto_aes_update(op->c, op->buf, 16, out);
        }
        CH_CHECK(op->buf_len == 16, CKR_ENCRYPTED_DATA_LEN_RANGE);
        /* A copy of the running cipher: a size query must not consume the chaining value. */
        if (op->c == NULL)
            CH_TRY(start(op, &c));
        else
            CH_TRY(ch_crypto_aes_dup(op->c, &c));
        CH_TRY_OUT(ch_crypto_aes_update(c, op->buf, 16, blk));
        size_t p = unpad(blk);
        CH_CHECK_OUT(p != 0, CKR_ENCRYPTED_DATA_INVALID);
        CH_TRY_OUT(ch_mech_out_check(out, out_len, 16 - p));
        if (out != NULL)
            memcpy(out, blk, 16 - p);
        rv = CKR_OK;
        goto out;
    case K_GCM:
        if (op->enc) {
            CH_TRY(ch_mech_out_check(out, out_len, op->tag_len));
            if (out == NULL)
                return CKR_OK;
            if (op->c == NULL)
                CH_TRY(start(op, &op->c));
            return ch_crypto_aes_gcm_tag(op->c, out, op->tag_len);
        }
        CH_CHECK(op->acc.len >= op->tag_len, CKR_ENCRYPTED_DATA_LEN_RANGE);
        return gcm_open(op, NULL, op->acc.p, op->acc.len - op->tag_len,
                        op->acc.p + op->acc.len - op->tag_len, out, out_len);
    case K_CCM:
        return ccm_run(op, op->acc.p, op->acc.len, out, out_len);
    case K_XTS: /* the data unit collected by the updates, >= one block */
        CH_CHECK(op->acc.len >= 16, len_range(op));
        CH_TRY(ch_mech_out_check(out, out_len, op->acc.len));
        if (out == NULL)
            return CKR_OK;
        CH_TRY(start(op, &c));
        rv = ch_crypto_aes_update(c, op->acc.p, op->acc.len, out);
        goto out;
    default:
        return CKR_KEY_FUNCTION_NOT_PERMITTED;
    }
out:
    ch_wipe(blk, sizeof(blk));
    ch_crypto_aes_free(c);
    return rv;
}

/* ---- key wrap (RFC 3394 / RFC 5649) -------------------------------------------------------- */

/* KW/KWP through C_Encrypt/C_Decrypt (op) and C_WrapKey/C_UnwrapKey. Unwrapping goes through a
 * scratch buffer so the exact length is known and nothing is released on failure. */
static CK_RV kw_run(struct aes_key *ak, bool pad, bool wrap, const uint8_t *iv, size_t iv_len,
                    const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len,
                    uint8_t **alloc_out)
{
    size_t need;
    CK_RV rv;
    if (wrap) {
        CH_CHECK(pad ? in_len >= 1 : (in_len >= 16 && in_len % 8 == 0), CKR_DATA_LEN_RANGE);
        need = (in_len + 7) / 8 * 8 + 8;
        if (alloc_out == NULL) {
            CH_TRY(ch_mech_out_check(out, out_len, need));
            if (out == NULL)
                return CKR_OK;
        }
        size_t got = 0;
        CH_TRY(ch_crypto_aes_wrap(ak->k, pad, true, iv, iv_len, in, in_len, out, &got));
        *out_len = got;
        return CKR_OK;
    }
    CH_CHECK(in_len >= (pad ? 16u : 24u) && in_len % 8 == 0, CKR_WRAPPED_KEY_LEN_RANGE);
    if (alloc_out == NULL && out == NULL) { /* size query: an upper bound */
        *out_len = in_len - 8;
        return CKR_OK;
    }
    uint8_t *tmp = ch_secmem_alloc(in_len - 8);
    size_t got = 0;
    CH_CHECK(tmp != NULL, CKR_HOST_MEMORY);
    CH_TRY_OUT(ch_crypto_aes_wrap(ak->k, pad, false, iv, iv_len, in, in_len, tmp, &got));
    if (alloc_out != NULL) {
        *alloc_out = tmp;
        *out_len = got;
        return CKR_OK;
    }
    CH_TRY_OUT(ch_mech_out_check(out, out_len, got));
    memcpy(out, tmp, got);
    rv = CKR_OK;
out:
    ch_secmem_free(tmp);
    return rv;
}

static CK_RV wrap_run(struct aes_op *op, bool wrap, const uint8_t *in, size_t in_len,
                      uint8_t *out, size_t *out_len)
{
    CK_RV rv = kw_run(op->ak, op->kind == K_WRAP_PAD, wrap, op->iv_len ? op->iv : NULL,
                      op->iv_len, in, in_len, out, out_len, NULL);
    if (rv == CKR_WRAPPED_KEY_INVALID)
        rv = CKR_ENCRYPTED_DATA_INVALID;
    if (rv == CKR_WRAPPED_KEY_LEN_RANGE)
        rv = CKR_ENCRYPTED_DATA_LEN_RANGE;
    return rv;
}

static CK_RV kw_param(const struct ch_mech_desc *d, const CK_MECHANISM *m, const uint8_t **iv,
                      size_t *iv_len)
{
    size_t want = (enum aes_kind)d->arg == K_WRAP ? 8 : 4;
    CH_CHECK(m->ulParameterLen == 0 || (m->pParameter != NULL && m->ulParameterLen == want),
             CKR_MECHANISM_PARAM_INVALID);
    *iv = m->ulParameterLen ? m->pParameter : NULL;
    *iv_len = m->ulParameterLen;
    return CKR_OK;
}

/* ECB/CBC/CBC-PAD/GCM as wrapping mechanisms (PKCS#11 3.0 §6.10-6.13 tables): the key bytes
 * are encrypted exactly as C_Encrypt would, through a one-shot operation. */
static bool cipher_wraps(enum aes_kind k)
{
    return k == K_ECB || k == K_CBC || k == K_CBC_PAD || k == K_GCM;
}

static CK_RV cipher_wrap(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                         const struct ch_mech_key *wrapping, const uint8_t *in, size_t in_len,
                         uint8_t *out, size_t *out_len)
{
    struct ch_mech_op *o;
    CK_RV rv = aes_init(d, CH_OP_ENCRYPT, m, wrapping, &o);
    if (rv == CKR_KEY_TYPE_INCONSISTENT)
        return CKR_WRAPPING_KEY_TYPE_INCONSISTENT;
    if (rv == CKR_KEY_SIZE_RANGE)
        return CKR_WRAPPING_KEY_SIZE_RANGE;
    CH_TRY(rv);
    rv = aes_oneshot(o, in, in_len, out, out_len);
    aes_free(o);
    return rv == CKR_DATA_LEN_RANGE ? CKR_KEY_SIZE_RANGE : rv;
}

static CK_RV cipher_unwrap(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                           const struct ch_mech_key *unwrapping, const uint8_t *in,
                           size_t in_len, uint8_t **plain, size_t *plain_len)
{
    struct ch_mech_op *o;
    CH_CHECK(in_len > 0, CKR_WRAPPED_KEY_LEN_RANGE);
    CK_RV rv = aes_init(d, CH_OP_DECRYPT, m, unwrapping, &o);
    if (rv == CKR_KEY_TYPE_INCONSISTENT)
        return CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT;
    if (rv == CKR_KEY_SIZE_RANGE)
        return CKR_UNWRAPPING_KEY_SIZE_RANGE;
    CH_TRY(rv);
    uint8_t *buf = ch_secmem_alloc(in_len);
    size_t n = in_len;
    rv = buf != NULL ? aes_oneshot(o, in, in_len, buf, &n) : CKR_HOST_MEMORY;
    aes_free(o);
    if (rv == CKR_OK && n == 0)
        rv = CKR_WRAPPED_KEY_INVALID; /* nothing to make a key of */
    if (rv != CKR_OK) {
        ch_secmem_free(buf);
        return rv == CKR_ENCRYPTED_DATA_INVALID       ? CKR_WRAPPED_KEY_INVALID
               : rv == CKR_ENCRYPTED_DATA_LEN_RANGE ? CKR_WRAPPED_KEY_LEN_RANGE
                                                    : rv;
    }
    *plain = buf;
    *plain_len = n;
    return CKR_OK;
}

static CK_RV aes_wrap(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                      const struct ch_mech_key *wrapping, const uint8_t *key_bytes,
                      size_t key_len, uint8_t *out, size_t *out_len)
{
    const uint8_t *iv;
    size_t iv_len;
    struct aes_key *ak;
    if (cipher_wraps((enum aes_kind)d->arg))
        return cipher_wrap(d, m, wrapping, key_bytes, key_len, out, out_len);
    CH_TRY(kw_param(d, m, &iv, &iv_len));
    CH_CHECK(wrapping->type == CKK_AES, CKR_WRAPPING_KEY_TYPE_INCONSISTENT);
    CK_RV rv = ak_get(wrapping, &ak);
    CH_CHECK(rv != CKR_KEY_SIZE_RANGE, CKR_WRAPPING_KEY_SIZE_RANGE);
    CH_TRY(rv);
    rv = kw_run(ak, (enum aes_kind)d->arg == K_WRAP_PAD, true, iv, iv_len, key_bytes, key_len,
                out, out_len, NULL);
    ak_free(ak);
    return rv == CKR_DATA_LEN_RANGE ? CKR_KEY_SIZE_RANGE : rv;
}

static CK_RV aes_unwrap(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                        const struct ch_mech_key *unwrapping, const uint8_t *in, size_t in_len,
                        uint8_t **plain, size_t *plain_len)
{
    const uint8_t *iv;
    size_t iv_len;
    struct aes_key *ak;
    if (cipher_wraps((enum aes_kind)d->arg))
        return cipher_unwrap(d, m, unwrapping, in, in_len, plain, plain_len);
    CH_TRY(kw_param(d, m, &iv, &iv_len));
    CH_CHECK(unwrapping->type == CKK_AES, CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT);
    CK_RV rv = ak_get(unwrapping, &ak);
    CH_CHECK(rv != CKR_KEY_SIZE_RANGE, CKR_UNWRAPPING_KEY_SIZE_RANGE);
    CH_TRY(rv);
    rv = kw_run(ak, (enum aes_kind)d->arg == K_WRAP_PAD, false, iv, iv_len, in, in_len, NULL,
                plain_len, plain);
    ak_free(ak);
    return rv;
}

/* ---- message-based AES-GCM (PKCS#11 3.0 §5.13-5.14, §6.13.x CK_GCM_MESSAGE_PARAMS) -------- */

static CK_RV msg_params(void *params, size_t len, CK_GCM_MESSAGE_PARAMS **out)
{
    CH_CHECK(params != NULL && len == sizeof(CK_GCM_MESSAGE_PARAMS), CKR_MECHANISM_PARAM_INVALID);
    CK_GCM_MESSAGE_PARAMS *gp = params;
    CH_CHECK(gp->pIv != NULL && gp->ulIvLen >= 1 && gp->ulIvLen <= GCM_MAX_IV,
             CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(gp->pTag != NULL && tag_bits_ok(gp->ulTagBits), CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(gp->ulIvFixedBits <= gp->ulIvLen * 8, CKR_MECHANISM_PARAM_INVALID);
    *out = gp;
    return CKR_OK;
}

/* The IV of a message being encrypted: the caller's (CKG_NO_GENERATE) or the caller's fixed
 * leading bits followed by a per-key counter (CKG_GENERATE, CKG_GENERATE_COUNTER; SP 800-38D
 * §8.2.1) or random bits (CKG_GENERATE_RANDOM; §8.2.2), written back to pIv. */
static CK_RV gen_iv_xor(struct aes_op *op, uint8_t *iv, size_t iv_len, size_t fixed);

static CK_RV gen_iv(struct aes_op *op, uint8_t *iv, size_t iv_len, size_t fixed,
                     CK_GENERATOR_FUNCTION gen)
{
    CK_RV rv = CKR_OK;
    if (!op->enc || gen == CKG_NO_GENERATE)
        return CKR_OK;
    if (gen == CKG_GENERATE_COUNTER_XOR)
        return gen_iv_xor(op, iv, iv_len, fixed);
    CH_CHECK(gen == CKG_GENERATE || gen == CKG_GENERATE_COUNTER || gen == CKG_GENERATE_RANDOM,
             CKR_MECHANISM_PARAM_INVALID);
    size_t total = iv_len * 8, var = total - fixed;
    bool random = gen == CKG_GENERATE_RANDOM;
    /* Counters need room for the per-key limit; random fields at least 64 bits. */
    CH_CHECK(var >= (random ? 64u : 32u), CKR_MECHANISM_PARAM_INVALID);
    uint8_t r[GCM_MAX_IV] = {0};
    struct aes_key *ak = op->ak;
    pthread_mutex_lock(&ak->mu);
    if (ak->generated >= GCM_MAX_GENERATED) {
        rv = CKR_KEY_FUNCTION_NOT_PERMITTED; /* invocation limit of the key reached */
    } else {
        ak->generated++;
        uint64_t v = gen == CKG_GENERATE_COUNTER ? ak->ctr_zero++ : ak->ctr++;
        for (int i = 0; i < 8; i++)
            r[GCM_MAX_IV - 1 - i] = (uint8_t)(v >> (8 * i));
    }
    pthread_mutex_unlock(&ak->mu);
    CH_TRY(rv);
    if (random)
        CH_TRY(ch_drbg_generate(r, sizeof(r)));
    /* Bits fixed..total-1 of the IV from the low `var` bits of r. */
    for (size_t i = fixed; i < total; i++) {
        size_t from = GCM_MAX_IV * 8 - (total - i); /* bit index in r, MSB first */
        unsigned bit = r[from / 8] >> (7 - from % 8) & 1;
        uint8_t mask = (uint8_t)(0x80u >> (i % 8));
        iv[i / 8] = (uint8_t)((iv[i / 8] & ~mask) | (bit ? mask : 0));
    }
    ch_wipe(r, sizeof(r));
    return CKR_OK;
}

/* One generated IV against the key's invocation limit (SP 800-38D §8.3). */
static CK_RV count_generated(struct aes_key *ak)
{
    CK_RV rv = CKR_OK;
    pthread_mutex_lock(&ak->mu);
    if (ak->generated >= GCM_MAX_GENERATED)
        rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
    else
        ak->generated++;
    pthread_mutex_unlock(&ak->mu);
    return rv;
}

/* CKG_GENERATE_COUNTER_XOR (PKCS#11 3.0, AES-GCM message parameters): "the non-fixed portion
 * of the IV is xored with a counter. The value of the non-fixed portion passed must not vary
 * from call to call. Like CKG_GENERATE_COUNTER, the counter starts at zero." This is the
 * TLS 1.3 per-record nonce (RFC 8446 §5.3: static IV XOR sequence number). The counter belongs
 * to the operation (C_MessageEncryptInit starts it at zero, as NSS's TLS 1.3 expects), so IV
 * uniqueness across operations on one key rests on the caller's base, as with
 * CKG_NO_GENERATE; each message still counts against the key's invocation limit. The first
 * message's IV is the base; later messages must pass the base again or the IV written back by
 * the previous message (a caller re-using its parameter block), anything else is
 * CKR_MECHANISM_PARAM_INVALID. The counter takes the low bits of the non-fixed part (>= 32
 * bits, like the other counters), big-endian, and the result is written back to pIv. */
static CK_RV gen_iv_xor(struct aes_op *op, uint8_t *iv, size_t iv_len, size_t fixed)
{
    size_t total = iv_len * 8, var = total - fixed;
    CH_CHECK(var >= 32, CKR_MECHANISM_PARAM_INVALID);
    if (!op->xor_set) {
        memcpy(op->xor_base, iv, iv_len);
        memcpy(op->xor_last, iv, iv_len);
        op->xor_len = iv_len;
        op->xor_fixed = fixed;
        op->xor_ctr = 0;
        op->xor_set = true;
    } else {
        CH_CHECK(iv_len == op->xor_len && fixed == op->xor_fixed, CKR_MECHANISM_PARAM_INVALID);
        CH_CHECK(ch_ct_eq(iv, op->xor_base, iv_len) || ch_ct_eq(iv, op->xor_last, iv_len),
                 CKR_MECHANISM_PARAM_INVALID);
    }
    /* var >= 64: the 64-bit counter cannot wrap before the key's 2^32 limit. */
    CH_CHECK(var >= 64 || op->xor_ctr < (UINT64_C(1) << var), CKR_KEY_FUNCTION_NOT_PERMITTED);
    CH_TRY(count_generated(op->ak));
    uint64_t v = op->xor_ctr++;
    memcpy(iv, op->xor_base, iv_len);
    for (size_t i = 0; i < 64 && i < var; i++) { /* bit i of v onto IV bit total-1-i */
        size_t bit = total - 1 - i;
        iv[bit / 8] ^= (uint8_t)(((v >> i) & 1) << (7 - bit % 8));
    }
    memcpy(op->xor_last, iv, iv_len);
    return CKR_OK;
}

static CK_RV msg_iv(struct aes_op *op, CK_GCM_MESSAGE_PARAMS *gp)
{
    return gen_iv(op, gp->pIv, gp->ulIvLen, gp->ulIvFixedBits, gp->ivGenerator);
}

/* ---- message-based AES-CCM (CK_CCM_MESSAGE_PARAMS): the payload length is announced per
 * message; Begin/Next buffer and everything is computed with the last part. */

static CK_RV ccm_msg_params(void *params, size_t len, CK_CCM_MESSAGE_PARAMS **out)
{
    CH_CHECK(params != NULL && len == sizeof(CK_CCM_MESSAGE_PARAMS), CKR_MECHANISM_PARAM_INVALID);
    CK_CCM_MESSAGE_PARAMS *cp = params;
    CH_CHECK(cp->pNonce != NULL && cp->ulNonceLen >= 7 && cp->ulNonceLen <= 13,
             CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(cp->pMAC != NULL && cp->ulMACLen >= 4 && cp->ulMACLen <= 16 && cp->ulMACLen % 2 == 0,
             CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(cp->ulNonceFixedBits <= cp->ulNonceLen * 8, CKR_MECHANISM_PARAM_INVALID);
    size_t lbytes = 15 - cp->ulNonceLen;
    CH_CHECK(lbytes >= 8 || cp->ulDataLen < ((CK_ULONG)1 << (8 * lbytes)),
             CKR_MECHANISM_PARAM_INVALID);
    *out = cp;
    return CKR_OK;
}

static CK_RV ccm_msg_run(struct aes_op *op, CK_CCM_MESSAGE_PARAMS *cp, const uint8_t *aad,
                         size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out)
{
    uint8_t tag[16];
    if (op->enc)
        return ch_crypto_aes_ccm(op->ak->k, true, cp->pNonce, cp->ulNonceLen, aad, aad_len, in,
                                 in_len, out, cp->pMAC, cp->ulMACLen);
    memcpy(tag, cp->pMAC, cp->ulMACLen);
    return ch_crypto_aes_ccm(op->ak->k, false, cp->pNonce, cp->ulNonceLen, aad, aad_len, in,
                             in_len, out, tag, cp->ulMACLen);
}

static CK_RV msg_start(struct aes_op *op, CK_GCM_MESSAGE_PARAMS *gp, const uint8_t *aad,
                       size_t aad_len, struct ch_aes **c)
{
    op->tag_len = gp->ulTagBits / 8;
    CH_TRY(ch_crypto_aes_start(op->ak->k, CH_AES_GCM, op->enc, gp->pIv, gp->ulIvLen, c));
    CK_RV rv = ch_crypto_aes_aad(*c, aad, aad_len);
    if (rv != CKR_OK) {
        ch_crypto_aes_free(*c);
        *c = NULL;
    }
    return rv;
}

static void msg_reset(struct aes_op *op)
{
    op->msg_open = false;
    ch_crypto_aes_free(op->c);
    op->c = NULL;
    ch_mech_buf_clear(&op->acc);
}

static CK_RV aes_msg_oneshot(struct ch_mech_op *o, void *params, size_t params_len,
                             const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t in_len,
                             uint8_t *out, size_t *out_len)
{
    struct aes_op *op = (struct aes_op *)o;
    CK_GCM_MESSAGE_PARAMS *gp;
    struct ch_aes *c = NULL;
    CK_RV rv;
    if (op->kind == K_CCM) {
        CK_CCM_MESSAGE_PARAMS *cp;
        CH_TRY(ccm_msg_params(params, params_len, &cp));
        CH_CHECK(in_len == cp->ulDataLen, len_range(op));
        CH_TRY(ch_mech_out_check(out, out_len, in_len));
        if (out == NULL)
            return CKR_OK;
        CH_TRY(gen_iv(op, cp->pNonce, cp->ulNonceLen, cp->ulNonceFixedBits, cp->nonceGenerator));
        return ccm_msg_run(op, cp, aad, aad_len, in, in_len, out);
    }
    CH_TRY(msg_params(params, params_len, &gp));
    CH_TRY(ch_mech_out_check(out, out_len, in_len));
    if (out == NULL)
        return CKR_OK;
    if (!op->enc) {
        op->tag_len = gp->ulTagBits / 8;
        CH_TRY(msg_start(op, gp, aad, aad_len, &c));
        rv = gcm_open(op, c, in, in_len, gp->pTag, out, out_len);
        ch_crypto_aes_free(c);
        return rv;
    }
    CH_TRY(msg_iv(op, gp));
    CH_TRY(msg_start(op, gp, aad, aad_len, &c));
    CH_TRY_OUT(ch_crypto_aes_update(c, in, in_len, out));
    CH_TRY_OUT(ch_crypto_aes_gcm_tag(c, gp->pTag, op->tag_len));
    rv = CKR_OK;
out:
    ch_crypto_aes_free(c);
    return rv;
}

static CK_RV aes_msg_begin(struct ch_mech_op *o, void *params, size_t params_len,
                           const uint8_t *aad, size_t aad_len)
{
    struct aes_op *op = (struct aes_op *)o;
    CK_GCM_MESSAGE_PARAMS *gp;
    msg_reset(op);
    if (op->kind == K_CCM) {
        CK_CCM_MESSAGE_PARAMS *cp;
        CH_TRY(ccm_msg_params(params, params_len, &cp));
        free(op->aad);
        op->aad = NULL;
        op->aad_len = 0;
        if (aad_len > 0) {
            op->aad = malloc(aad_len);
            CH_CHECK(op->aad != NULL, CKR_HOST_MEMORY);
            memcpy(op->aad, aad, aad_len);
            op->aad_len = aad_len;
        }
        CH_TRY(gen_iv(op, cp->pNonce, cp->ulNonceLen, cp->ulNonceFixedBits, cp->nonceGenerator));
        op->msg_open = true;
        return CKR_OK;
    }
    CH_TRY(msg_params(params, params_len, &gp));
    CH_TRY(msg_iv(op, gp));
    CH_TRY(msg_start(op, gp, aad, aad_len, &op->c));
    op->msg_open = true;
    return CKR_OK;
}

static CK_RV aes_msg_next(struct ch_mech_op *o, void *params, size_t params_len,
                          const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len,
                          bool final)
{
    struct aes_op *op = (struct aes_op *)o;
    CK_GCM_MESSAGE_PARAMS *gp;
    CK_RV rv;
    CH_CHECK(op->msg_open, CKR_OPERATION_NOT_INITIALIZED);
    if (op->kind == K_CCM) {
        CK_CCM_MESSAGE_PARAMS *cp;
        CH_TRY(ccm_msg_params(params, params_len, &cp));
        size_t need = final ? op->acc.len + in_len : 0;
        CH_CHECK(!final || need == cp->ulDataLen, len_range(op));
        CH_TRY(ch_mech_out_check(out, out_len, need));
        if (out == NULL)
            return CKR_OK;
        rv = ch_mech_buf_add(&op->acc, in, in_len, CKR_ENCRYPTED_DATA_LEN_RANGE);
        if (rv == CKR_OK && final)
            rv = ccm_msg_run(op, cp, op->aad, op->aad_len, op->acc.p, op->acc.len, out);
        if (final || rv != CKR_OK)
            msg_reset(op);
        return rv;
    }
    CH_TRY(msg_params(params, params_len, &gp));
    CH_CHECK(gp->ulTagBits / 8 == op->tag_len, CKR_MECHANISM_PARAM_INVALID);
    if (op->enc) {
        CH_TRY(ch_mech_out_check(out, out_len, in_len));
        if (out == NULL)
            return CKR_OK;
        CH_TRY_OUT(ch_crypto_aes_update(op->c, in, in_len, out));
        if (final)
            CH_TRY_OUT(ch_crypto_aes_gcm_tag(op->c, gp->pTag, op->tag_len));
        rv = CKR_OK;
        goto out;
    }
    /* Decryption releases plaintext only with the last part, once the tag has verified. */
    if (!final) {
        CH_TRY(ch_mech_out_check(out, out_len, 0));
        if (out == NULL)
            return CKR_OK;
        CH_TRY_OUT(ch_mech_buf_add(&op->acc, in, in_len, CKR_ENCRYPTED_DATA_LEN_RANGE));
        rv = CKR_OK;
        goto out;
    }
    CH_TRY(ch_mech_out_check(out, out_len, op->acc.len + in_len));
    if (out == NULL)
        return CKR_OK;
    CH_TRY_OUT(ch_mech_buf_add(&op->acc, in, in_len, CKR_ENCRYPTED_DATA_LEN_RANGE));
    rv = gcm_open(op, op->c, op->acc.p, op->acc.len, gp->pTag, out, out_len);
out:
    if (final || rv != CKR_OK)
        msg_reset(op);
    return rv;
}

/* ---- key generation ------------------------------------------------------------------------ */

/* An AES-XTS key of two independent halves: drawn again in the (2^-128) event that they are
 * equal, which IEEE 1619-2007 §5.1 forbids. */
static CK_RV xts_random_key(size_t len, struct ch_attr_list *out)
{
    CK_RV rv;
    uint8_t *v = ch_secmem_alloc(len);
    CH_CHECK(v != NULL, CKR_HOST_MEMORY);
    int tries = 0;
    do {
        CH_CHECK_OUT(tries++ < 4, CKR_FUNCTION_FAILED);
        CH_TRY_OUT(ch_drbg_generate(v, len));
    } while (ch_ct_eq(v, v + len / 2, len / 2));
    CH_CT_SECRET(v, len);
    CH_TRY_OUT(ch_attr_list_add_ulong(out, CKA_CLASS, CKO_SECRET_KEY));
    CH_TRY_OUT(ch_attr_list_add_ulong(out, CKA_KEY_TYPE, CKK_AES_XTS));
    CH_TRY_OUT(ch_attr_list_add(out, CKA_VALUE, v, len, true));
    rv = CKR_OK;
out:
    ch_secmem_free(v);
    return rv;
}

static CK_RV sym_generate(const struct ch_mech_desc *d, const CK_MECHANISM *m,
                          const struct ch_mech_tmpl *tmpl, struct ch_attr_list *out)
{
    CK_ULONG len;
    CH_CHECK(m->ulParameterLen == 0, CKR_MECHANISM_PARAM_INVALID);
    CH_CHECK(ch_mech_tmpl_ulong(tmpl, CKA_VALUE_LEN, &len), CKR_TEMPLATE_INCOMPLETE);
    if (d->type == CKM_AES_KEY_GEN) {
        CH_CHECK(len == 16 || len == 24 || len == 32, CKR_ATTRIBUTE_VALUE_INVALID);
        return ch_mech_sym_random_key(CKK_AES, len, out);
    }
    if (d->type == CKM_AES_XTS_KEY_GEN) {
        CH_CHECK(len == 32 || len == 64, CKR_ATTRIBUTE_VALUE_INVALID);
        return xts_random_key(len, out);
    }
    /* Generic secret: bounds in bits in the row (§6.42), the template in bytes. */
    CH_CHECK(len >= d->min_key / 8 && len <= d->max_key / 8, CKR_ATTRIBUTE_VALUE_INVALID);
    CK_ULONG kt = CKK_GENERIC_SECRET;
    (void)ch_mech_tmpl_ulong(tmpl, CKA_KEY_TYPE, &kt);
    CH_CHECK(kt == CKK_GENERIC_SECRET || (kt >= CKK_SHA256_HMAC && kt <= CKK_SHA224_HMAC) ||
                 kt == CKK_SHA_1_HMAC || (kt >= CKK_SHA3_224_HMAC && kt <= CKK_SHA3_512_HMAC),
             CKR_TEMPLATE_INCONSISTENT);
    return ch_mech_sym_random_key(kt, len, out);
}

/* ---- the table ----------------------------------------------------------------------------- */

static const struct ch_mech_ops aes_ops = {
    .init = aes_init,
    .oneshot = aes_oneshot,
    .update = aes_update,
    .final = aes_final,
    .free = aes_free,
    .wrap = aes_wrap,
    .unwrap = aes_unwrap,
    .msg_oneshot = aes_msg_oneshot,
    .msg_begin = aes_msg_begin,
    .msg_next = aes_msg_next,
};

static const struct ch_mech_ops gen_ops = {.generate_key = sym_generate};

#define ENC_DEC (CKF_ENCRYPT | CKF_DECRYPT)
#define AES_ROW(mech, fl, kind)                                                                    \
    {.type = (mech), .flags = (fl), .min_key = 16, .max_key = 32, .approved = true,                \
     .key_type = CKK_AES, .ops = &aes_ops, .arg = (kind)}

static const struct ch_mech_desc rows[] = {
    {.type = CKM_AES_KEY_GEN, .flags = CKF_GENERATE, .min_key = 16, .max_key = 32,
     .approved = true, .key_type = CK_UNAVAILABLE_INFORMATION, .ops = &gen_ops},
    {.type = CKM_GENERIC_SECRET_KEY_GEN, .flags = CKF_GENERATE, .min_key = 8, .max_key = 8192,
     .approved = true, .key_type = CK_UNAVAILABLE_INFORMATION, .ops = &gen_ops},
    AES_ROW(CKM_AES_ECB, ENC_DEC | CKF_WRAP | CKF_UNWRAP, K_ECB),
    AES_ROW(CKM_AES_CBC, ENC_DEC | CKF_WRAP | CKF_UNWRAP, K_CBC),
    /* CBC-PAD wraps too: NSS's pk12util imports PKCS#12 keys with it (test_nss.sh). */
    AES_ROW(CKM_AES_CBC_PAD, ENC_DEC | CKF_WRAP | CKF_UNWRAP, K_CBC_PAD),
    AES_ROW(CKM_AES_CTR, ENC_DEC, K_CTR),
    AES_ROW(CKM_AES_GCM, ENC_DEC | CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT | CKF_WRAP | CKF_UNWRAP,
            K_GCM),
    AES_ROW(CKM_AES_CCM, ENC_DEC | CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT, K_CCM),
    AES_ROW(CKM_AES_CTS, ENC_DEC, K_CTS),
    /* XTS (SP 800-38E): key sizes in bytes (§AES-XTS), the whole key (both halves). No
     * CKF_WRAP/UNWRAP: an unauthenticated storage mode is not offered for key transport. */
    {.type = CKM_AES_XTS_KEY_GEN, .flags = CKF_GENERATE, .min_key = 32, .max_key = 64,
     .approved = true, .key_type = CK_UNAVAILABLE_INFORMATION, .ops = &gen_ops},
    {.type = CKM_AES_XTS, .flags = ENC_DEC, .min_key = 32, .max_key = 64, .approved = true,
     .key_type = CKK_AES_XTS, .ops = &aes_ops, .arg = K_XTS},
    AES_ROW(CKM_AES_KEY_WRAP, ENC_DEC | CKF_WRAP | CKF_UNWRAP, K_WRAP),
    AES_ROW(CKM_AES_KEY_WRAP_PAD, ENC_DEC | CKF_WRAP | CKF_UNWRAP, K_WRAP_PAD),
#ifdef CKM_AES_KEY_WRAP_KWP
    AES_ROW(CKM_AES_KEY_WRAP_KWP, ENC_DEC | CKF_WRAP | CKF_UNWRAP, K_WRAP_PAD),
#endif
};

static bool aes_owns(CK_KEY_TYPE t)
{
    return t == CKK_AES || t == CKK_AES_XTS;
}

/* FIPS 197 §5: 128, 192 or 256-bit keys only. AES-XTS: 32 or 64 bytes whose halves differ
 * (IEEE 1619-2007 §5.1). */
static CK_RV aes_validate(const struct ch_mech_key *k)
{
    const uint8_t *v;
    size_t len;
    if (k->cls != CKO_SECRET_KEY || !ch_mech_key_attr(k, CKA_VALUE, &v, &len))
        return CKR_OK;
    if (k->type == CKK_AES_XTS)
        return (len == 32 || len == 64) && !ch_ct_eq(v, v + len / 2, len / 2)
                   ? CKR_OK
                   : CKR_ATTRIBUTE_VALUE_INVALID;
    return len == 16 || len == 24 || len == 32 ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
}

const struct ch_mech_family ch_mech_family_aes = {.rows = rows,
                                                  .nrows = sizeof(rows) / sizeof(rows[0]),
                                                  .owns = aes_owns,
                                                  .validate = aes_validate};
