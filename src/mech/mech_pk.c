/* SPDX-License-Identifier: Apache-2.0 */
/* What the public-key families share (see mech_pk.h): the per-key ch_pkey cache, PKCS#11
 * encodings of curves and points, generated-key attribute lists, the key hooks and the one
 * operation type behind sign/verify/recover/encrypt/decrypt. Computes through src/crypto. */
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include "fips/fips.h"
#include "mech/mech_pk.h"
#include "util/ch_secmem.h"
#include "util/ch_wipe.h"

/* ---- the per-key cache -------------------------------------------------------------------- */

struct pk_cache {
    struct ch_mech_cache base;
    struct ch_pkey *pk;
};

static void pk_cache_free(struct ch_mech_cache *c)
{
    struct pk_cache *pc = (struct pk_cache *)c;
    ch_crypto_pkey_free(pc->pk);
    free(pc);
}

static bool attr(const struct ch_mech_key *k, CK_ATTRIBUTE_TYPE t, struct ch_pk_bytes *b)
{
    b->p = NULL;
    b->len = 0;
    return ch_mech_key_attr(k, t, &b->p, &b->len) && b->len > 0;
}

static CK_RV build_rsa(const struct ch_mech_key *k, struct ch_pkey **out)
{
    static const CK_ATTRIBUTE_TYPE types[CH_RSA_PARTS_] = {
        CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
        CKA_PRIME_2, CKA_EXPONENT_1,      CKA_EXPONENT_2,       CKA_COEFFICIENT,
    };
    struct ch_pk_bytes parts[CH_RSA_PARTS_];
    for (int i = 0; i < CH_RSA_PARTS_; i++)
        (void)attr(k, types[i], &parts[i]);
    if (k->cls == CKO_PUBLIC_KEY)
        for (int i = CH_RSA_D; i < CH_RSA_PARTS_; i++)
            parts[i] = (struct ch_pk_bytes){NULL, 0};
    CH_CHECK(parts[CH_RSA_N].len > 0, CKR_TEMPLATE_INCOMPLETE);
    /* OpenSSL needs e for blinding; a private key given as n/d only is refused here. */
    CH_CHECK(parts[CH_RSA_E].len > 0, CKR_TEMPLATE_INCOMPLETE);
    CH_CHECK(k->cls == CKO_PUBLIC_KEY || parts[CH_RSA_D].len > 0, CKR_TEMPLATE_INCOMPLETE);
    return ch_crypto_pkey_rsa_new(parts, out);
}

static CK_RV build_ec(const struct ch_mech_key *k, struct ch_pkey **out)
{
    struct ch_pk_bytes params, v;
    enum ch_pk_type t;
    enum ch_curve c;
    CH_CHECK(attr(k, CKA_EC_PARAMS, &params), CKR_TEMPLATE_INCOMPLETE);
    CH_CHECK(ch_mech_pk_params_decode(params.p, params.len, &t, &c), CKR_ATTRIBUTE_VALUE_INVALID);
    bool want_ec = k->type == CKK_EC;
    bool want_ed = k->type == CKK_EC_EDWARDS, want_x = k->type == CKK_EC_MONTGOMERY;
    CH_CHECK((want_ec && t == CH_PK_EC) ||
                 (want_ed && (t == CH_PK_ED25519 || t == CH_PK_ED448)) ||
                 (want_x && (t == CH_PK_X25519 || t == CH_PK_X448)),
             CKR_ATTRIBUTE_VALUE_INVALID);
    if (k->cls == CKO_PRIVATE_KEY) {
        CH_CHECK(attr(k, CKA_VALUE, &v), CKR_TEMPLATE_INCOMPLETE);
        const uint8_t *raw = v.p;
        size_t rl = v.len;
        /* Some clients wrap an Ed/X private key in an OCTET STRING (same lengths as the
         * public key for these curves). */
        if (t != CH_PK_EC && !ch_mech_pk_point(t, c, v.p, v.len, &raw, &rl))
            return CKR_ATTRIBUTE_VALUE_INVALID;
        return t == CH_PK_EC ? ch_crypto_pkey_ec_new(c, NULL, 0, raw, rl, out)
                             : ch_crypto_pkey_raw_new(t, NULL, 0, raw, rl, out);
    }
    CH_CHECK(attr(k, CKA_EC_POINT, &v), CKR_TEMPLATE_INCOMPLETE);
    const uint8_t *raw;
    size_t rl;
    CH_CHECK(ch_mech_pk_point(t, c, v.p, v.len, &raw, &rl), CKR_ATTRIBUTE_VALUE_INVALID);
    return t == CH_PK_EC ? ch_crypto_pkey_ec_new(c, raw, rl, NULL, 0, out)
                         : ch_crypto_pkey_raw_new(t, raw, rl, NULL, 0, out);
}

static CK_RV build(const struct ch_mech_key *k, struct ch_pkey **out)
{
    CH_CHECK(k->cls == CKO_PUBLIC_KEY || k->cls == CKO_PRIVATE_KEY, CKR_KEY_TYPE_INCONSISTENT);
    switch (k->type) {
    case CKK_RSA:
        return build_rsa(k, out);
    case CKK_EC:
    case CKK_EC_EDWARDS:
    case CKK_EC_MONTGOMERY:
        return build_ec(k, out);
    default:
        return CKR_KEY_TYPE_INCONSISTENT;
    }
}

CK_RV ch_mech_pk_key(const struct ch_mech_key *k, struct ch_pkey **out)
{
    pthread_mutex_t *mu = k->cache_lock;
    struct pk_cache *pc;
    struct ch_pkey *pk = NULL;
    *out = NULL;
    if (k->cache != NULL && mu != NULL) {
        pthread_mutex_lock(mu);
        if (*k->cache != NULL && (*k->cache)->free == pk_cache_free)
            pk = ch_crypto_pkey_ref(((struct pk_cache *)*k->cache)->pk);
        pthread_mutex_unlock(mu);
        if (pk != NULL) {
            *out = pk;
            return CKR_OK;
        }
    }
    /* Built outside the mutex (RSA parsing is not free); the first to finish installs it. */
    CH_TRY(build(k, &pk));
    if (k->cache == NULL || mu == NULL) {
        *out = pk;
        return CKR_OK;
    }
    pthread_mutex_lock(mu);
    if (*k->cache == NULL && (pc = calloc(1, sizeof(*pc))) != NULL) {
        pc->base.free = pk_cache_free;
        pc->pk = ch_crypto_pkey_ref(pk);
        *k->cache = &pc->base;
    } else if (*k->cache != NULL && (*k->cache)->free == pk_cache_free) {
        ch_crypto_pkey_free(pk);
        pk = ch_crypto_pkey_ref(((struct pk_cache *)*k->cache)->pk);
    }
    pthread_mutex_unlock(mu);
    *out = pk;
    return CKR_OK;
}

/* ---- curve and point encodings ------------------------------------------------------------ */

static const struct {
    enum ch_pk_type t;
    enum ch_curve c;
    const uint8_t *oid; /* DER OBJECT IDENTIFIER, tag and length included */
    size_t oid_len;
    const char *names[3]; /* PrintableString forms */
} curve_tab[] = {
    {CH_PK_EC, CH_CURVE_P256,
     (const uint8_t *)"\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07", 10,
     {"prime256v1", "secp256r1", "P-256"}},
    {CH_PK_EC, CH_CURVE_P384, (const uint8_t *)"\x06\x05\x2b\x81\x04\x00\x22", 7,
     {"secp384r1", "P-384", NULL}},
    {CH_PK_EC, CH_CURVE_P521, (const uint8_t *)"\x06\x05\x2b\x81\x04\x00\x23", 7,
     {"secp521r1", "P-521", NULL}},
    {CH_PK_ED25519, CH_CURVE_NONE, (const uint8_t *)"\x06\x03\x2b\x65\x70", 5,
     {"edwards25519", "Ed25519", NULL}},
    {CH_PK_ED448, CH_CURVE_NONE, (const uint8_t *)"\x06\x03\x2b\x65\x71", 5,
     {"edwards448", "Ed448", NULL}},
    {CH_PK_X25519, CH_CURVE_NONE, (const uint8_t *)"\x06\x03\x2b\x65\x6e", 5,
     {"curve25519", "X25519", NULL}},
    {CH_PK_X448, CH_CURVE_NONE, (const uint8_t *)"\x06\x03\x2b\x65\x6f", 5,
     {"curve448", "X448", NULL}},
};

bool ch_mech_pk_params_decode(const uint8_t *v, size_t len, enum ch_pk_type *t, enum ch_curve *c)
{
    if (v == NULL || len < 2)
        return false;
    for (size_t i = 0; i < CH_ARRAY_LEN(curve_tab); i++) {
        bool hit = len == curve_tab[i].oid_len && memcmp(v, curve_tab[i].oid, len) == 0;
        /* PrintableString (tag 0x13) with a short-form length covering the rest. */
        for (size_t j = 0; !hit && j < 3 && curve_tab[i].names[j] != NULL; j++) {
            size_t nl = strlen(curve_tab[i].names[j]);
            hit = v[0] == 0x13 && v[1] == nl && len == nl + 2 &&
                  memcmp(v + 2, curve_tab[i].names[j], nl) == 0;
        }
        if (hit) {
            *t = curve_tab[i].t;
            *c = curve_tab[i].c;
            return true;
        }
    }
    return false;
}

bool ch_mech_pk_params_encode(enum ch_pk_type t, enum ch_curve c, const uint8_t **der, size_t *len)
{
    for (size_t i = 0; i < CH_ARRAY_LEN(curve_tab); i++) {
        if (curve_tab[i].t == t && curve_tab[i].c == c) {
            *der = curve_tab[i].oid;
            *len = curve_tab[i].oid_len;
            return true;
        }
    }
    return false;
}

/* The raw lengths a public point / key of (t, c) may have: SEC 1 compressed and uncompressed
 * points for the prime curves, the fixed encodings of RFC 7748/8032 otherwise. */
static bool raw_len_ok(enum ch_pk_type t, enum ch_curve c, size_t n)
{
    static const size_t fl[] = {[CH_CURVE_P256] = 32, [CH_CURVE_P384] = 48, [CH_CURVE_P521] = 66};
    switch (t) {
    case CH_PK_EC:
        return c > CH_CURVE_NONE && c <= CH_CURVE_P521 && (n == 1 + fl[c] || n == 1 + 2 * fl[c]);
    case CH_PK_ED25519:
    case CH_PK_X25519:
        return n == 32;
    case CH_PK_ED448:
        return n == 57;
    case CH_PK_X448:
        return n == 56;
    default:
        return false;
    }
}

bool ch_mech_pk_point(enum ch_pk_type t, enum ch_curve c, const uint8_t *v, size_t len,
                      const uint8_t **raw, size_t *raw_len)
{
    if (v == NULL || len == 0)
        return false;
    /* The raw and DER lengths never coincide (the DER header adds 2 or 3 bytes), so the length
     * decides: a raw-sized value is raw, anything else must be an OCTET STRING (definite length,
     * short or one-byte long form) wrapping a raw-sized value. */
    if (raw_len_ok(t, c, len)) {
        *raw = v;
        *raw_len = len;
        return true;
    }
    size_t hdr = 0, n = 0;
    if (len >= 2 && v[0] == 0x04 && v[1] < 0x80) {
        hdr = 2;
        n = v[1];
    } else if (len >= 3 && v[0] == 0x04 && v[1] == 0x81 && v[2] >= 0x80) {
        hdr = 3;
        n = v[2];
    }
    if (hdr == 0 || hdr + n != len || !raw_len_ok(t, c, n))
        return false;
    *raw = v + hdr;
    *raw_len = n;
    return true;
}

/* ---- generated keys ------------------------------------------------------------------------ */

CK_RV ch_mech_pk_add_comp(struct ch_attr_list *l, CK_ATTRIBUTE_TYPE t, const struct ch_pkey *k,
                          int comp, bool secret)
{
    uint8_t stack[CH_PK_MAX_RSA_BITS / 8]; /* every component fits: no allocation */
    size_t n = 0;
    CH_TRY(ch_crypto_pkey_get(k, comp, NULL, &n));
    uint8_t *buf = n <= sizeof(stack) ? stack : secret ? ch_secmem_alloc(n) : malloc(n);
    CH_CHECK(buf != NULL, CKR_HOST_MEMORY);
    CK_RV rv = ch_crypto_pkey_get(k, comp, buf, &n);
    if (rv == CKR_OK)
        rv = ch_attr_list_add(l, t, buf, n, secret); /* a secret is copied to ch_secmem there */
    if (buf == stack)
        ch_wipe(stack, n);
    else if (secret)
        ch_secmem_free(buf);
    else
        free(buf);
    return rv;
}

CK_RV ch_mech_pk_add_point(struct ch_attr_list *l, const uint8_t *raw, size_t len)
{
    uint8_t buf[4 + 256];
    size_t h;
    CH_CHECK(len <= 256, CKR_GENERAL_ERROR);
    buf[0] = 0x04;
    if (len < 0x80) {
        buf[1] = (uint8_t)len;
        h = 2;
    } else {
        buf[1] = 0x81;
        buf[2] = (uint8_t)len;
        h = 3;
    }
    memcpy(buf + h, raw, len);
    return ch_attr_list_add(l, CKA_EC_POINT, buf, h + len, false);
}

CK_RV ch_mech_pk_add_common(struct ch_attr_list *l, CK_OBJECT_CLASS cls, CK_KEY_TYPE kt,
                            const struct ch_pkey *k, const struct ch_attr_list *spki_from)
{
    CH_TRY(ch_attr_list_add_ulong(l, CKA_CLASS, cls));
    CH_TRY(ch_attr_list_add_ulong(l, CKA_KEY_TYPE, kt));
    /* The SubjectPublicKeyInfo encoding is the dearest part of an EC key generation: the
     * private key's copy is taken from the public key's list when given. */
    for (size_t i = 0; spki_from != NULL && i < spki_from->n; i++)
        if (spki_from->v[i].type == CKA_PUBLIC_KEY_INFO)
            return ch_attr_list_add(l, CKA_PUBLIC_KEY_INFO, spki_from->v[i].val,
                                    spki_from->v[i].len, false);
    return ch_mech_pk_add_comp(l, CKA_PUBLIC_KEY_INFO, k, CH_PKC_SPKI, false);
}

CK_RV ch_mech_pk_pct(const struct ch_pkey *k)
{
    if (ch_crypto_pkey_pct(k) == CKR_OK)
        return CKR_OK;
    ch_fips_set_error("pairwise consistency test of a generated key pair failed");
    return CKR_GENERAL_ERROR;
}

CK_RV ch_mech_pk_pct_agreement(const struct ch_pkey *k)
{
    if (ch_crypto_pkey_pct_agreement(k) == CKR_OK)
        return CKR_OK;
    ch_fips_set_error("pairwise consistency test of a generated key-agreement pair failed");
    return CKR_GENERAL_ERROR;
}

/* ---- key hooks ---------------------------------------------------------------------------- */

CK_RV ch_mech_pk_validate(const struct ch_mech_key *k)
{
    struct ch_pkey *pk = NULL;
    if (k->cls != CKO_PUBLIC_KEY && k->cls != CKO_PRIVATE_KEY)
        return CKR_OK;
    CK_RV rv = build(k, &pk); /* not cached: the object may still be refused */
    if (rv == CKR_OK)
        rv = ch_crypto_pkey_check(pk);
    ch_crypto_pkey_free(pk);
    if (rv == CKR_HOST_MEMORY || rv == CKR_TEMPLATE_INCOMPLETE)
        return rv;
    return rv == CKR_OK ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
}

CK_RV ch_mech_pk_export_pkcs8(const struct ch_mech_key *k, uint8_t **out, size_t *len)
{
    struct ch_pkey *pk = NULL;
    CH_CHECK(k->cls == CKO_PRIVATE_KEY, CKR_KEY_NOT_WRAPPABLE);
    if (ch_mech_pk_key(k, &pk) != CKR_OK)
        return CKR_KEY_NOT_WRAPPABLE;
    CK_RV rv = ch_crypto_pkey_to_pkcs8(pk, out, len);
    ch_crypto_pkey_free(pk);
    return rv;
}

static CK_KEY_TYPE ckk_of(enum ch_pk_type t)
{
    switch (t) {
    case CH_PK_RSA:
        return CKK_RSA;
    case CH_PK_EC:
        return CKK_EC;
    case CH_PK_ED25519:
    case CH_PK_ED448:
        return CKK_EC_EDWARDS;
    case CH_PK_X25519:
    case CH_PK_X448:
        return CKK_EC_MONTGOMERY;
    default:
        return CK_UNAVAILABLE_INFORMATION;
    }
}

CK_RV ch_mech_pk_import_pkcs8(const uint8_t *der, size_t len, struct ch_attr_list *out,
                              const CK_KEY_TYPE *types, size_t ntypes)
{
    static const CK_ATTRIBUTE_TYPE rsa_attrs[CH_RSA_PARTS_] = {
        CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
        CKA_PRIME_2, CKA_EXPONENT_1,      CKA_EXPONENT_2,       CKA_COEFFICIENT,
    };
    struct ch_pkey *pk = NULL;
    CK_RV rv = ch_crypto_pkey_from_pkcs8(der, len, &pk);
    if (rv != CKR_OK)
        return rv;
    enum ch_pk_type t = ch_crypto_pkey_type(pk);
    CK_KEY_TYPE kt = ckk_of(t);
    bool mine = false;
    for (size_t i = 0; i < ntypes; i++)
        mine |= types[i] == kt;
    CH_CHECK_OUT(mine, CKR_KEY_TYPE_INCONSISTENT);
    CH_CHECK_OUT(ch_crypto_pkey_check(pk) == CKR_OK, CKR_WRAPPED_KEY_INVALID);
    CH_TRY_OUT(ch_attr_list_add_ulong(out, CKA_KEY_TYPE, kt));
    if (t == CH_PK_RSA) {
        for (int i = 0; i < CH_RSA_PARTS_; i++)
            CH_TRY_OUT(ch_mech_pk_add_comp(out, rsa_attrs[i], pk, CH_PKC_RSA + i, i >= CH_RSA_D));
    } else {
        const uint8_t *oid;
        size_t ol;
        CH_CHECK_OUT(ch_mech_pk_params_encode(t, ch_crypto_pkey_curve(pk), &oid, &ol),
                     CKR_WRAPPED_KEY_INVALID);
        CH_TRY_OUT(ch_attr_list_add(out, CKA_EC_PARAMS, oid, ol, false));
        CH_TRY_OUT(ch_mech_pk_add_comp(out, CKA_VALUE, pk,
                                       t == CH_PK_EC ? CH_PKC_EC_PRIV : CH_PKC_RAW_PRIV, true));
    }
    rv = CKR_OK;
out:
    ch_crypto_pkey_free(pk);
    return rv;
}

/* ---- hash look-ups ------------------------------------------------------------------------ */

enum ch_hash ch_mech_pk_hash_of(CK_MECHANISM_TYPE m)
{
    switch (m) {
    case CKM_SHA_1:
        return CH_HASH_SHA1;
    case CKM_SHA224:
        return CH_HASH_SHA224;
    case CKM_SHA256:
        return CH_HASH_SHA256;
    case CKM_SHA384:
        return CH_HASH_SHA384;
    case CKM_SHA512:
        return CH_HASH_SHA512;
    case CKM_SHA3_224:
        return CH_HASH_SHA3_224;
    case CKM_SHA3_256:
        return CH_HASH_SHA3_256;
    case CKM_SHA3_384:
        return CH_HASH_SHA3_384;
    case CKM_SHA3_512:
        return CH_HASH_SHA3_512;
    default:
        return CH_HASH_NONE;
    }
}

enum ch_hash ch_mech_pk_mgf_of(CK_RSA_PKCS_MGF_TYPE g)
{
    switch (g) {
    case CKG_MGF1_SHA1:
        return CH_HASH_SHA1;
    case CKG_MGF1_SHA224:
        return CH_HASH_SHA224;
    case CKG_MGF1_SHA256:
        return CH_HASH_SHA256;
    case CKG_MGF1_SHA384:
        return CH_HASH_SHA384;
    case CKG_MGF1_SHA512:
        return CH_HASH_SHA512;
    case CKG_MGF1_SHA3_224:
        return CH_HASH_SHA3_224;
    case CKG_MGF1_SHA3_256:
        return CH_HASH_SHA3_256;
    case CKG_MGF1_SHA3_384:
        return CH_HASH_SHA3_384;
    case CKG_MGF1_SHA3_512:
        return CH_HASH_SHA3_512;
    default:
        return CH_HASH_NONE;
    }
}

/* ---- the operation ------------------------------------------------------------------------ */

static bool needs_private(enum ch_op_kind kind)
{
    return kind == CH_OP_SIGN || kind == CH_OP_SIGN_RECOVER || kind == CH_OP_DECRYPT;
}

CK_RV ch_mech_pk_op_new(const struct ch_mech_desc *d, enum ch_op_kind kind,
                        const struct ch_mech_key *k, const struct ch_pk_params *pp,
                        enum ch_hash hash, struct ch_pk_op **out)
{
    struct ch_pkey *pk = NULL;
    CK_RV rv = ch_mech_pk_key(k, &pk);
    if (rv != CKR_OK)
        return rv == CKR_HOST_MEMORY ? rv : CKR_KEY_TYPE_INCONSISTENT;
    if (needs_private(kind) && !ch_crypto_pkey_is_private(pk)) {
        ch_crypto_pkey_free(pk);
        return CKR_KEY_TYPE_INCONSISTENT;
    }
    size_t bits = ch_crypto_pkey_bits(pk);
    if (bits < ch_mech_min_key(d) || bits > d->max_key) {
        ch_crypto_pkey_free(pk);
        return CKR_KEY_SIZE_RANGE;
    }
    struct ch_pk_op *op = calloc(1, sizeof(*op));
    if (op == NULL) {
        ch_crypto_pkey_free(pk);
        return CKR_HOST_MEMORY;
    }
    op->base.desc = d;
    op->base.kind = kind;
    op->pk = pk;
    op->pp = *pp;
    op->hash = hash;
    if (pp->label_len > 0) {
        op->label = malloc(pp->label_len);
        if (op->label == NULL) {
            ch_mech_pk_free(&op->base);
            return CKR_HOST_MEMORY;
        }
        memcpy(op->label, pp->label, pp->label_len);
        op->pp.label = op->label;
    } else {
        op->pp.label = NULL;
    }
    *out = op;
    return CKR_OK;
}

/* The bytes the key signs or verifies: the data, or its hash for hash-and-sign rows. */
static CK_RV tbs(struct ch_pk_op *op, const uint8_t *in, size_t in_len, uint8_t h[CH_HASH_MAX_LEN],
                 const uint8_t **p, size_t *len)
{
    if (op->hash == CH_HASH_NONE) {
        *p = in;
        *len = in_len;
        return CKR_OK;
    }
    CH_TRY(ch_crypto_hash(op->hash, in, in_len, h));
    *p = h;
    *len = ch_crypto_hash_len(op->hash);
    return CKR_OK;
}

CK_RV ch_mech_pk_oneshot(struct ch_mech_op *o, const uint8_t *in, size_t in_len, uint8_t *out,
                         size_t *out_len)
{
    struct ch_pk_op *op = (struct ch_pk_op *)o;
    uint8_t h[CH_HASH_MAX_LEN], tmp[CH_PK_MAX_RSA_BITS / 8];
    size_t size = ch_crypto_pkey_size(op->pk), n = sizeof(tmp);
    const uint8_t *p;
    size_t pl;
    CK_RV rv;

    switch (o->kind) {
    case CH_OP_SIGN:
    case CH_OP_SIGN_RECOVER:
        CH_TRY(ch_mech_out_check(out, out_len, size));
        if (out == NULL)
            return CKR_OK;
        CH_TRY(tbs(op, in, in_len, h, &p, &pl));
        return ch_crypto_pkey_sign(op->pk, &op->pp, p, pl, out, out_len);
    case CH_OP_ENCRYPT:
        CH_TRY(ch_mech_out_check(out, out_len, size));
        if (out == NULL)
            return CKR_OK;
        return ch_crypto_pkey_encrypt(op->pk, &op->pp, in, in_len, out, out_len);
    case CH_OP_DECRYPT:
    case CH_OP_VERIFY_RECOVER:
        /* Size query: the block size bounds the result without computing it. */
        if (out == NULL)
            return ch_mech_out_check(NULL, out_len, size);
        rv = o->kind == CH_OP_DECRYPT
                 ? ch_crypto_pkey_decrypt(op->pk, &op->pp, in, in_len, tmp, &n)
                 : ch_crypto_pkey_verify_recover(op->pk, &op->pp, in, in_len, tmp, &n);
        if (rv == CKR_OK)
            rv = ch_mech_out_check(out, out_len, n);
        if (rv == CKR_OK)
            memcpy(out, tmp, n);
        ch_wipe(tmp, sizeof(tmp));
        return rv;
    default:
        return CKR_OPERATION_NOT_INITIALIZED;
    }
}

CK_RV ch_mech_pk_update(struct ch_mech_op *o, const uint8_t *in, size_t in_len, uint8_t *out,
                        size_t *out_len)
{
    struct ch_pk_op *op = (struct ch_pk_op *)o;
    (void)out;
    (void)out_len;
    /* Only hash-and-sign rows have a multi-part form (PKCS#11 3.0 §6.1 tables). */
    CH_CHECK(op->hash != CH_HASH_NONE, CKR_KEY_FUNCTION_NOT_PERMITTED);
    if (op->d == NULL)
        CH_TRY(ch_crypto_digest_new(op->hash, &op->d));
    return ch_crypto_digest_update(op->d, in, in_len);
}

/* The running hash (an empty message if update was never called). */
static CK_RV finish_hash(struct ch_pk_op *op, uint8_t h[CH_HASH_MAX_LEN])
{
    CH_CHECK(op->hash != CH_HASH_NONE, CKR_OPERATION_NOT_INITIALIZED);
    if (op->d == NULL)
        return ch_crypto_hash(op->hash, NULL, 0, h);
    return ch_crypto_digest_final(op->d, h);
}

CK_RV ch_mech_pk_final(struct ch_mech_op *o, uint8_t *out, size_t *out_len)
{
    struct ch_pk_op *op = (struct ch_pk_op *)o;
    uint8_t h[CH_HASH_MAX_LEN];
    CH_CHECK(o->kind == CH_OP_SIGN, CKR_OPERATION_NOT_INITIALIZED);
    CH_TRY(ch_mech_out_check(out, out_len, ch_crypto_pkey_size(op->pk)));
    if (out == NULL)
        return CKR_OK;
    CH_TRY(finish_hash(op, h));
    return ch_crypto_pkey_sign(op->pk, &op->pp, h, ch_crypto_hash_len(op->hash), out, out_len);
}

CK_RV ch_mech_pk_verify(struct ch_mech_op *o, const uint8_t *in, size_t in_len,
                        const uint8_t *sig, size_t sig_len)
{
    struct ch_pk_op *op = (struct ch_pk_op *)o;
    uint8_t h[CH_HASH_MAX_LEN];
    const uint8_t *p;
    size_t pl;
    CH_TRY(tbs(op, in, in_len, h, &p, &pl));
    return ch_crypto_pkey_verify(op->pk, &op->pp, p, pl, sig, sig_len);
}

CK_RV ch_mech_pk_verify_final(struct ch_mech_op *o, const uint8_t *sig, size_t sig_len)
{
    struct ch_pk_op *op = (struct ch_pk_op *)o;
    uint8_t h[CH_HASH_MAX_LEN];
    CH_TRY(finish_hash(op, h));
    return ch_crypto_pkey_verify(op->pk, &op->pp, h, ch_crypto_hash_len(op->hash), sig, sig_len);
}

void ch_mech_pk_free(struct ch_mech_op *o)
{
    struct ch_pk_op *op = (struct ch_pk_op *)o;
    if (op == NULL)
        return;
    ch_crypto_pkey_free(op->pk);
    ch_crypto_digest_free(op->d);
    free(op->label);
    free(op);
}
