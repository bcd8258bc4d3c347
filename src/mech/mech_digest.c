/* SPDX-License-Identifier: Apache-2.0 */
/* Message digests: CKM_SHA_1, CKM_SHA224/256/384/512, CKM_SHA512_224/256 and CKM_SHA3_*
 * (PKCS#11 3.0 §6.x "SHA-x" and "SHA3" digests), single- and multi-part, and C_DigestKey. */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "mech/mech_internal.h"

struct digest_op {
    struct ch_mech_op base;
    struct ch_digest *d;
    enum ch_hash hash;
};

static CK_RV d_init(const struct ch_mech_desc *desc, enum ch_op_kind kind, const CK_MECHANISM *m,
                    const struct ch_mech_key *key, struct ch_mech_op **out)
{
    (void)key;
    CH_CHECK(m->pParameter == NULL && m->ulParameterLen == 0, CKR_MECHANISM_PARAM_INVALID);
    struct digest_op *op = calloc(1, sizeof(*op));
    CH_CHECK(op != NULL, CKR_HOST_MEMORY);
    op->base.desc = desc;
    op->base.kind = kind;
    op->hash = (enum ch_hash)desc->arg;
    CK_RV rv = ch_crypto_digest_new(op->hash, &op->d);
    if (rv != CKR_OK) {
        free(op);
        return rv;
    }
    *out = &op->base;
    return CKR_OK;
}

static CK_RV d_update(struct ch_mech_op *o, const uint8_t *in, size_t in_len, uint8_t *out,
                      size_t *out_len)
{
    (void)out;
    (void)out_len;
    struct digest_op *op = (struct digest_op *)o;
    return ch_crypto_digest_update(op->d, in, in_len);
}

static CK_RV d_update_key(struct ch_mech_op *o, const struct ch_mech_key *key)
{
    const uint8_t *v;
    size_t l;
    CH_CHECK(key->cls == CKO_SECRET_KEY, CKR_KEY_INDIGESTIBLE);
    CH_CHECK(ch_mech_key_attr(key, CKA_VALUE, &v, &l), CKR_KEY_INDIGESTIBLE);
    struct digest_op *op = (struct digest_op *)o;
    return ch_crypto_digest_update(op->d, v, l);
}

static CK_RV d_final(struct ch_mech_op *o, uint8_t *out, size_t *out_len)
{
    struct digest_op *op = (struct digest_op *)o;
    CH_TRY(ch_mech_out_check(out, out_len, ch_crypto_hash_len(op->hash)));
    if (out == NULL)
        return CKR_OK;
    return ch_crypto_digest_final(op->d, out);
}

static CK_RV d_oneshot(struct ch_mech_op *o, const uint8_t *in, size_t in_len, uint8_t *out,
                       size_t *out_len)
{
    struct digest_op *op = (struct digest_op *)o;
    CH_TRY(ch_mech_out_check(out, out_len, ch_crypto_hash_len(op->hash)));
    if (out == NULL)
        return CKR_OK;
    CH_TRY(ch_crypto_digest_update(op->d, in, in_len));
    return ch_crypto_digest_final(op->d, out);
}

static void d_free(struct ch_mech_op *o)
{
    struct digest_op *op = (struct digest_op *)o;
    ch_crypto_digest_free(op->d);
    free(op);
}

static const struct ch_mech_ops digest_ops = {
    .init = d_init,
    .oneshot = d_oneshot,
    .update = d_update,
    .update_key = d_update_key,
    .final = d_final,
    .free = d_free,
};

#define DIGEST(mech, h, appr)                                                                      \
    {.type = (mech), .flags = CKF_DIGEST, .approved = (appr), .key_type = CK_UNAVAILABLE_INFORMATION, \
     .ops = &digest_ops, .arg = (h)}

static const struct ch_mech_desc rows[] = {
    DIGEST(CKM_SHA_1, CH_HASH_SHA1, true),
    DIGEST(CKM_SHA224, CH_HASH_SHA224, true),
    DIGEST(CKM_SHA256, CH_HASH_SHA256, true),
    DIGEST(CKM_SHA384, CH_HASH_SHA384, true),
    DIGEST(CKM_SHA512, CH_HASH_SHA512, true),
    DIGEST(CKM_SHA512_224, CH_HASH_SHA512_224, true),
    DIGEST(CKM_SHA512_256, CH_HASH_SHA512_256, true),
    DIGEST(CKM_SHA3_224, CH_HASH_SHA3_224, true),
    DIGEST(CKM_SHA3_256, CH_HASH_SHA3_256, true),
    DIGEST(CKM_SHA3_384, CH_HASH_SHA3_384, true),
    DIGEST(CKM_SHA3_512, CH_HASH_SHA3_512, true),
};

const struct ch_mech_family ch_mech_family_digest = {.rows = rows,
                                                     .nrows = sizeof(rows) / sizeof(rows[0])};
