/* SPDX-License-Identifier: Apache-2.0 */
/* src/crypto: public-key keys over EVP_PKEY in the private library context: building keys from
 * PKCS#11 components, generation, component export, validation and pairwise tests, PKCS#8.
 * The operations (sign, verify, encrypt, decrypt, derive) are in crypto_pkey_ops.c. No PKCS#11
 * policy here (key-size minimums, SHA-1 rules are src/mech's). */
#include "crypto/crypto_pkey_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "util/ch_secmem.h"

static const struct {
    const char *group;
    size_t bits;
    int nid;
} curves[] = {
    [CH_CURVE_NONE] = {NULL, 0, NID_undef},
    [CH_CURVE_P256] = {"prime256v1", 256, NID_X9_62_prime256v1},
    [CH_CURVE_P384] = {"secp384r1", 384, NID_secp384r1},
    [CH_CURVE_P521] = {"secp521r1", 521, NID_secp521r1},
};

static const struct {
    const char *name;
    size_t pub, priv, sig;
} raws[] = {
    [CH_PK_ED25519] = {"ED25519", 32, 32, 64},
    [CH_PK_ED448] = {"ED448", 57, 57, 114},
    [CH_PK_X25519] = {"X25519", 32, 32, 32},
    [CH_PK_X448] = {"X448", 56, 56, 56},
};

static bool is_raw(enum ch_pk_type t)
{
    return t == CH_PK_ED25519 || t == CH_PK_ED448 || t == CH_PK_X25519 || t == CH_PK_X448;
}

/* Wrap an EVP_PKEY (taken) into a new ch_pkey and fill the derived sizes. */
static CK_RV wrap_pkey(EVP_PKEY *pk, enum ch_pk_type t, enum ch_curve c, bool priv,
                       struct ch_pkey **out)
{
    struct ch_pkey *k = calloc(1, sizeof(*k));
    if (k == NULL) {
        EVP_PKEY_free(pk);
        return CKR_HOST_MEMORY;
    }
    k->pk = pk;
    k->type = t;
    k->curve = c;
    k->priv = priv;
    k->refs = 1;
    pthread_mutex_init(&k->lock, NULL);
    int bits = EVP_PKEY_get_bits(pk);
    k->bits = bits > 0 ? (size_t)bits : 0;
    switch (t) {
    case CH_PK_RSA:
        k->size = (k->bits + 7) / 8;
        break;
    case CH_PK_EC:
        k->olen = (curves[c].bits + 7) / 8;
        k->size = 2 * k->olen;
        break;
    default:
        k->size = raws[t].sig;
        k->olen = raws[t].pub;
        /* Curve size as PKCS#11 counts it (OpenSSL reports 253/256/448/456). */
        k->bits = (t == CH_PK_ED25519 || t == CH_PK_X25519) ? 255 : 448;
        break;
    }
    *out = k;
    return CKR_OK;
}

struct ch_pkey *ch_crypto_pkey_ref(struct ch_pkey *k)
{
    if (k != NULL)
        __atomic_fetch_add(&k->refs, 1, __ATOMIC_RELAXED);
    return k;
}

void ch_crypto_pkey_free(struct ch_pkey *k)
{
    if (k == NULL || __atomic_sub_fetch(&k->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    for (size_t i = 0; i < CH_PKT_COUNT_; i++) {
        EVP_PKEY_CTX_free(k->tmpl[i]);
        EVP_PKEY_CTX_free(k->conf[i]);
    }
    EVP_MD_CTX_free(k->ed[0]);
    EVP_MD_CTX_free(k->ed[1]);
    EVP_PKEY_free(k->pk); /* private parts cleansed by OpenSSL's key management */
    pthread_mutex_destroy(&k->lock);
    free(k);
}

enum ch_pk_type ch_crypto_pkey_type(const struct ch_pkey *k)
{
    return k->type;
}

bool ch_crypto_pkey_is_private(const struct ch_pkey *k)
{
    return k->priv;
}

size_t ch_crypto_pkey_bits(const struct ch_pkey *k)
{
    return k->type == CH_PK_EC ? curves[k->curve].bits : k->bits;
}

size_t ch_crypto_pkey_size(const struct ch_pkey *k)
{
    return k->size;
}

size_t ch_crypto_pkey_secret_len(const struct ch_pkey *k)
{
    return k->olen;
}

enum ch_curve ch_crypto_pkey_curve(const struct ch_pkey *k)
{
    return k->curve;
}

/* A key-management context for algorithm `alg` in our library context. It is fetched by the
 * algorithm's OID, which OpenSSL 3.0 does not map to a legacy NID: by its plain name ("EC",
 * "RSA") OpenSSL would first ask for a process-wide default ENGINE for that key type, and
 * with one installed (e.g. `openssl -engine pkcs11` loading libp11) it would hand back that
 * engine's context instead of our provider's. */
static EVP_PKEY_CTX *ctx_by_name(const char *alg)
{
    static const struct {
        const char *name, *oid;
    } oids[] = {
        {"RSA", "1.2.840.113549.1.1.1"}, {"EC", "1.2.840.10045.2.1"},
        {"ED25519", "1.3.101.112"},      {"ED448", "1.3.101.113"},
        {"X25519", "1.3.101.110"},       {"X448", "1.3.101.111"},
    };
    for (size_t i = 0; i < sizeof(oids) / sizeof(oids[0]); i++)
        if (strcmp(alg, oids[i].name) == 0)
            return EVP_PKEY_CTX_new_from_name(ch_crypto_libctx(), oids[i].oid, NULL);
    return EVP_PKEY_CTX_new_from_name(ch_crypto_libctx(), alg, NULL);
}

/* ---- building ----------------------------------------------------------------------------- */

static CK_RV fromdata(const char *alg, OSSL_PARAM_BLD *b, int selection, EVP_PKEY **pk)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(b);
    EVP_PKEY_CTX *ctx = NULL;
    CK_RV rv = CKR_ATTRIBUTE_VALUE_INVALID;
    if (params == NULL)
        return CKR_HOST_MEMORY;
    ctx = ctx_by_name(alg);
    if (ctx == NULL) {
        rv = CKR_GENERAL_ERROR;
        goto out;
    }
    if (EVP_PKEY_fromdata_init(ctx) == 1 && EVP_PKEY_fromdata(ctx, pk, selection, params) == 1)
        rv = CKR_OK;
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params); /* secret BNs were pushed from the secure heap: cleared there */
    return rv;
}

CK_RV ch_crypto_pkey_rsa_new(const struct ch_pk_bytes parts[CH_RSA_PARTS_], struct ch_pkey **out)
{
    static const char *const names[CH_RSA_PARTS_] = {
        OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,         OSSL_PKEY_PARAM_RSA_D,
        OSSL_PKEY_PARAM_RSA_FACTOR1,   OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
    };
    BIGNUM *bn[CH_RSA_PARTS_] = {0};
    OSSL_PARAM_BLD *b = NULL;
    EVP_PKEY *pk = NULL;
    CK_RV rv;
    size_t crt = 0;

    CH_CHECK(out != NULL, CKR_ARGUMENTS_BAD);
    *out = NULL;
    CH_CHECK(parts[CH_RSA_N].len > 0 && parts[CH_RSA_E].len > 0, CKR_ATTRIBUTE_VALUE_INVALID);
    CH_CHECK(parts[CH_RSA_N].len <= CH_PK_MAX_RSA_BITS / 8 && parts[CH_RSA_E].len <= 64,
             CKR_ATTRIBUTE_VALUE_INVALID);
    for (int i = CH_RSA_P; i < CH_RSA_PARTS_; i++)
        crt += parts[i].len > 0;
    /* CRT parts: all five or none (PKCS#11 3.0 §6.1.3; OpenSSL 3.0 derives none of them). */
    CH_CHECK(crt == 0 || (crt == 5 && parts[CH_RSA_D].len > 0), CKR_ATTRIBUTE_VALUE_INVALID);
    CH_OSSL_ENTER();
    b = OSSL_PARAM_BLD_new();
    CH_CHECK_OUT(b != NULL, CKR_HOST_MEMORY);
    for (int i = 0; i < CH_RSA_PARTS_; i++) {
        if (parts[i].len == 0)
            continue;
        bn[i] = i >= CH_RSA_D ? BN_secure_new() : BN_new();
        CH_CHECK_OUT(bn[i] != NULL, CKR_HOST_MEMORY);
        CH_CHECK_OUT(parts[i].len <= INT_MAX &&
                         BN_bin2bn(parts[i].p, (int)parts[i].len, bn[i]) != NULL,
                     CKR_HOST_MEMORY);
        CH_CHECK_OUT(!BN_is_zero(bn[i]), CKR_ATTRIBUTE_VALUE_INVALID);
        CH_CHECK_OUT(OSSL_PARAM_BLD_push_BN(b, names[i], bn[i]) == 1, CKR_HOST_MEMORY);
    }
    CH_TRY_OUT(fromdata("RSA", b, parts[CH_RSA_D].len ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        &pk));
    rv = wrap_pkey(pk, CH_PK_RSA, CH_CURVE_NONE, parts[CH_RSA_D].len > 0, out);
    pk = NULL;
    if (rv == CKR_OK && (*out)->bits < 512) { /* not a key we can use for anything */
        ch_crypto_pkey_free(*out);
        *out = NULL;
        rv = CKR_ATTRIBUTE_VALUE_INVALID;
    }
out:
    for (int i = 0; i < CH_RSA_PARTS_; i++)
        BN_clear_free(bn[i]);
    OSSL_PARAM_BLD_free(b);
    EVP_PKEY_free(pk);
    CH_OSSL_LEAVE();
    return rv;
}

/* Per-curve domain parameters made once (ch_crypto_pkey_tables_init): an EC_GROUP for point
 * arithmetic here and a parameters-only EVP_PKEY that new keys are made from. OpenSSL 3.0 builds
 * a fresh EC_GROUP from the curve name (curve data, Montgomery set-up, an inversion) each time
 * a key is built from parameters; duplicating a template copies the group instead. Immutable
 * after init, so shared by every thread without a lock. */
static struct {
    EC_GROUP *group[CH_CURVE_P521 + 1];
    EVP_PKEY *tmpl[CH_CURVE_P521 + 1];
} tabs;

CK_RV ch_crypto_pkey_tables_init(void)
{
    CK_RV rv = CKR_OK;
    for (int c = CH_CURVE_P256; c <= CH_CURVE_P521 && rv == CKR_OK; c++) {
        if (tabs.tmpl[c] != NULL)
            continue;
        tabs.group[c] = EC_GROUP_new_by_curve_name_ex(ch_crypto_libctx(), NULL, curves[c].nid);
        OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
        if (tabs.group[c] == NULL || b == NULL ||
            OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, curves[c].group, 0) !=
                1 ||
            OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                            "uncompressed", 0) != 1)
            rv = CKR_GENERAL_ERROR;
        if (rv == CKR_OK && fromdata("EC", b, EVP_PKEY_KEY_PARAMETERS, &tabs.tmpl[c]) != CKR_OK)
            rv = CKR_GENERAL_ERROR;
        OSSL_PARAM_BLD_free(b);
    }
    if (rv != CKR_OK)
        ch_crypto_pkey_tables_fini();
    return rv;
}

void ch_crypto_pkey_tables_fini(void)
{
    for (int c = 0; c <= CH_CURVE_P521; c++) {
        EVP_PKEY_free(tabs.tmpl[c]);
        EC_GROUP_free(tabs.group[c]);
        tabs.tmpl[c] = NULL;
        tabs.group[c] = NULL;
    }
}

/* SP 800-56A rev3 §5.6.2.3.4 ECC partial public-key validation of a SEC 1 encoding, on the
 * curve's shared group: the point is not the point at infinity (no 1-byte encoding reaches
 * here: the caller checked the length), each coordinate is in [0, p-1] (EC_POINT_oct2point
 * refuses a field element >= p, and a compressed x without a square root), and it satisfies the
 * curve equation. For P-256/384/521 (cofactor 1) that places it in the prime-order group, so
 * the full check's n*Q multiplication (§5.6.2.3.3 step 4) adds nothing. On success the point is
 * written uncompressed to out (room for 1 + 2 * 66 bytes). */
static bool ec_point_valid(enum ch_curve c, const uint8_t *in, size_t in_len, uint8_t *out,
                           size_t *out_len)
{
    const EC_GROUP *g = tabs.group[c];
    EC_POINT *q = g != NULL ? EC_POINT_new(g) : NULL;
    bool ok = q != NULL && EC_POINT_oct2point(g, q, in, in_len, NULL) == 1 &&
              EC_POINT_is_at_infinity(g, q) == 0 && EC_POINT_is_on_curve(g, q, NULL) == 1;
    if (ok && in[0] == POINT_CONVERSION_UNCOMPRESSED) {
        memcpy(out, in, in_len);
        *out_len = in_len;
    } else if (ok) {
        *out_len = EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, out, *out_len, NULL);
        ok = *out_len > 0;
    }
    EC_POINT_free(q);
    return ok;
}

/* Q = d*G in uncompressed SEC 1 form (SEC 1 §3.2.1 step 3): PKCS#11 private EC keys carry no
 * public point, but PKCS#8 encoding and the pairwise check want one. OpenSSL's fixed-base
 * multiplication is constant time. out has room for 1 + 2 * 66 bytes. */
static bool ec_public_from_private(enum ch_curve c, const BIGNUM *d, uint8_t *out, size_t *len)
{
    const EC_GROUP *g = tabs.group[c];
    EC_POINT *q = g != NULL ? EC_POINT_new(g) : NULL;
    BN_CTX *bc = BN_CTX_secure_new_ex(ch_crypto_libctx());
    bool ok = q != NULL && bc != NULL && EC_POINT_mul(g, q, d, NULL, NULL, bc) == 1;
    if (ok) {
        *len = EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, out, *len, bc);
        ok = *len > 0;
    }
    BN_CTX_free(bc);
    EC_POINT_free(q);
    return ok;
}

/* A public key from a validated uncompressed point: a copy of the curve's template with the
 * point set (about a tenth of EVP_PKEY_fromdata's cost, which rebuilds the group). */
static CK_RV ec_public_new(enum ch_curve c, const uint8_t *q, size_t ql, struct ch_pkey **out)
{
    EVP_PKEY *pk = tabs.tmpl[c] != NULL ? EVP_PKEY_dup(tabs.tmpl[c]) : NULL;
    CH_CHECK(pk != NULL, CKR_HOST_MEMORY);
    if (EVP_PKEY_set1_encoded_public_key(pk, q, ql) != 1) {
        EVP_PKEY_free(pk);
        return CKR_ATTRIBUTE_VALUE_INVALID;
    }
    CH_TRY(wrap_pkey(pk, CH_PK_EC, c, false, out));
    memcpy((*out)->pub, q, ql);
    (*out)->pub_len = ql;
    return CKR_OK;
}

CK_RV ch_crypto_pkey_ec_new(enum ch_curve c, const uint8_t *point, size_t point_len,
                            const uint8_t *priv, size_t priv_len, struct ch_pkey **out)
{
    OSSL_PARAM_BLD *b = NULL;
    BIGNUM *d = NULL;
    EVP_PKEY *pk = NULL;
    uint8_t q[1 + 2 * 66];
    size_t ql = sizeof(q);
    CK_RV rv;

    CH_CHECK(out != NULL, CKR_ARGUMENTS_BAD);
    *out = NULL;
    CH_CHECK(c > CH_CURVE_NONE && c <= CH_CURVE_P521, CKR_ATTRIBUTE_VALUE_INVALID);
    CH_CHECK(point_len > 0 || priv_len > 0, CKR_ATTRIBUTE_VALUE_INVALID);
    size_t fl = (curves[c].bits + 7) / 8;
    CH_CHECK(point_len == 0 || point_len == 1 + fl || point_len == 1 + 2 * fl,
             CKR_ATTRIBUTE_VALUE_INVALID);
    CH_CHECK(priv_len <= fl, CKR_ATTRIBUTE_VALUE_INVALID);
    CH_OSSL_ENTER();
    if (point_len > 0)
        CH_CHECK_OUT(ec_point_valid(c, point, point_len, q, &ql), CKR_ATTRIBUTE_VALUE_INVALID);
    if (priv_len == 0) { /* a public key: every ECDH derive builds its peer's here */
        rv = ec_public_new(c, q, ql, out);
        goto out;
    }
    b = OSSL_PARAM_BLD_new();
    CH_CHECK_OUT(b != NULL, CKR_HOST_MEMORY);
    CH_CHECK_OUT(OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, curves[c].group,
                                                 0) == 1 &&
                     OSSL_PARAM_BLD_push_utf8_string(
                         b, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "uncompressed", 0) == 1,
                 CKR_HOST_MEMORY);
    d = BN_secure_new();
    CH_CHECK_OUT(d != NULL && BN_bin2bn(priv, (int)priv_len, d) != NULL, CKR_HOST_MEMORY);
    CH_CHECK_OUT(OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, d) == 1, CKR_HOST_MEMORY);
    /* 0 < d (the range check against n is ch_crypto_pkey_check's); a private key without its
     * point gets the point computed. */
    CH_CHECK_OUT(!BN_is_zero(d), CKR_ATTRIBUTE_VALUE_INVALID);
    if (point_len == 0)
        CH_CHECK_OUT(ec_public_from_private(c, d, q, &ql), CKR_ATTRIBUTE_VALUE_INVALID);
    CH_CHECK_OUT(OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, q, ql) == 1,
                 CKR_HOST_MEMORY);
    CH_TRY_OUT(fromdata("EC", b, EVP_PKEY_KEYPAIR, &pk));
    rv = wrap_pkey(pk, CH_PK_EC, c, true, out);
    pk = NULL;
    if (rv == CKR_OK) {
        memcpy((*out)->pub, q, ql);
        (*out)->pub_len = ql;
    }
out:
    BN_clear_free(d);
    OSSL_PARAM_BLD_free(b);
    EVP_PKEY_free(pk);
    CH_OSSL_LEAVE();
    return rv;
}

CK_RV ch_crypto_pkey_raw_new(enum ch_pk_type t, const uint8_t *pub, size_t pub_len,
                             const uint8_t *priv, size_t priv_len, struct ch_pkey **out)
{
    EVP_PKEY *pk;
    CK_RV rv;

    CH_CHECK(out != NULL, CKR_ARGUMENTS_BAD);
    *out = NULL;
    CH_CHECK(is_raw(t), CKR_ATTRIBUTE_VALUE_INVALID);
    CH_CHECK(priv_len > 0 ? priv_len == raws[t].priv : pub_len == raws[t].pub,
             CKR_ATTRIBUTE_VALUE_INVALID);
    CH_OSSL_ENTER();
    /* A private key carries its public value, recomputed by OpenSSL from the private one. */
    if (priv_len > 0)
        pk = EVP_PKEY_new_raw_private_key_ex(ch_crypto_libctx(), raws[t].name, NULL, priv,
                                             priv_len);
    else
        pk = EVP_PKEY_new_raw_public_key_ex(ch_crypto_libctx(), raws[t].name, NULL, pub,
                                            pub_len);
    if (pk == NULL)
        rv = CKR_ATTRIBUTE_VALUE_INVALID;
    else
        rv = wrap_pkey(pk, t, CH_CURVE_NONE, priv_len > 0, out);
    CH_OSSL_LEAVE();
    return rv;
}

CK_RV ch_crypto_pkey_generate(enum ch_pk_type t, enum ch_curve c, size_t bits, const uint8_t *e,
                              size_t e_len, struct ch_pkey **out)
{
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pk = NULL;
    BIGNUM *bne = NULL;
    CK_RV rv;

    CH_CHECK(out != NULL, CKR_ARGUMENTS_BAD);
    *out = NULL;
    const char *alg = t == CH_PK_RSA ? "RSA" : t == CH_PK_EC ? "EC" : is_raw(t) ? raws[t].name : NULL;
    CH_CHECK(alg != NULL, CKR_MECHANISM_INVALID);
    if (t == CH_PK_RSA)
        CH_CHECK(bits >= 512 && bits <= CH_PK_MAX_RSA_BITS, CKR_KEY_SIZE_RANGE);
    if (t == CH_PK_EC)
        CH_CHECK(c > CH_CURVE_NONE && c <= CH_CURVE_P521, CKR_ATTRIBUTE_VALUE_INVALID);
    CH_OSSL_ENTER();
    /* EC: from the curve's template, which carries the group (no set-up from the name). */
    ctx = t == CH_PK_EC ? (tabs.tmpl[c] != NULL
                               ? EVP_PKEY_CTX_new_from_pkey(ch_crypto_libctx(), tabs.tmpl[c], NULL)
                               : NULL)
                        : ctx_by_name(alg);
    CH_CHECK_OUT(ctx != NULL && EVP_PKEY_keygen_init(ctx) == 1, CKR_GENERAL_ERROR);
    if (t == CH_PK_RSA) {
        CH_CHECK_OUT(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) == 1, CKR_KEY_SIZE_RANGE);
        if (e != NULL && e_len > 0) {
            bne = BN_bin2bn(e, (int)(e_len > 64 ? 64 : e_len), NULL);
            CH_CHECK_OUT(bne != NULL, CKR_HOST_MEMORY);
            /* RFC 8017 §3.1: 3 <= e < n, odd. FIPS 186-5 A.1.1 wants 2^16 < e < 2^256; that
             * bound is the caller's policy. */
            CH_CHECK_OUT(e_len <= 64 && BN_is_odd(bne) && BN_num_bits(bne) >= 2,
                         CKR_ATTRIBUTE_VALUE_INVALID);
            CH_CHECK_OUT(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, bne) == 1,
                         CKR_ATTRIBUTE_VALUE_INVALID);
        }
    }
    CH_CHECK_OUT(EVP_PKEY_generate(ctx, &pk) == 1, CKR_FUNCTION_FAILED);
    rv = wrap_pkey(pk, t, t == CH_PK_EC ? c : CH_CURVE_NONE, true, out);
    pk = NULL;
    if (rv == CKR_OK && t == CH_PK_EC) { /* the point, read once for CKA_EC_POINT and the SPKI */
        struct ch_pkey *k = *out;
        if (EVP_PKEY_get_octet_string_param(k->pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, k->pub,
                                            sizeof(k->pub), &k->pub_len) != 1 ||
            k->pub_len != 1 + 2 * k->olen || k->pub[0] != POINT_CONVERSION_UNCOMPRESSED)
            k->pub_len = 0; /* not expected; the accessors then ask OpenSSL */
    }
out:
    BN_free(bne);
    EVP_PKEY_free(pk);
    EVP_PKEY_CTX_free(ctx);
    CH_OSSL_LEAVE();
    return rv;
}

/* ---- components --------------------------------------------------------------------------- */

static CK_RV put(const uint8_t *src, size_t n, uint8_t *out, size_t *len)
{
    size_t cap = *len;
    *len = n;
    if (out == NULL)
        return CKR_OK;
    CH_CHECK(cap >= n, CKR_BUFFER_TOO_SMALL);
    memcpy(out, src, n);
    return CKR_OK;
}

static CK_RV get_bn(const struct ch_pkey *k, const char *name, size_t pad, uint8_t *out,
                    size_t *len)
{
    BIGNUM *bn = NULL;
    CK_RV rv;
    if (EVP_PKEY_get_bn_param(k->pk, name, &bn) != 1)
        return CKR_KEY_FUNCTION_NOT_PERMITTED;
    size_t n = (size_t)BN_num_bytes(bn);
    if (pad > n)
        n = pad;
    size_t cap = *len;
    *len = n;
    if (out == NULL)
        rv = CKR_OK;
    else if (cap < n)
        rv = CKR_BUFFER_TOO_SMALL;
    else
        rv = BN_bn2binpad(bn, out, (int)n) == (int)n ? CKR_OK : CKR_GENERAL_ERROR;
    BN_clear_free(bn);
    return rv;
}

/* SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) written directly for named-curve EC keys (RFC 5480)
 * and the RFC 8410 curves: SEQUENCE { AlgorithmIdentifier, BIT STRING (0 unused bits) key }.
 * OpenSSL 3.0's encoder path (i2d_PUBKEY) builds an encoder chain per call, which was most of
 * an EC key generation's cost. Returns the length, or 0 to fall back to OpenSSL (RSA). */
#define CH_SPKI_FAST_MAX 160
static size_t spki_fast(const struct ch_pkey *k, uint8_t out[CH_SPKI_FAST_MAX])
{
    static const uint8_t p256[] = {0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
                                   0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    static const uint8_t p384[] = {0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                                   0x02, 0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
    static const uint8_t p521[] = {0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                                   0x02, 0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
    static const uint8_t x25519[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e};
    static const uint8_t x448[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6f};
    static const uint8_t ed25519[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};
    static const uint8_t ed448[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71};
    const uint8_t *alg = NULL;
    size_t alg_len = 0, key_len = 0;
    uint8_t key[CH_SPKI_FAST_MAX];

    if (k->type == CH_PK_EC) {
        const uint8_t *a[] = {NULL, p256, p384, p521};
        const size_t al[] = {0, sizeof(p256), sizeof(p384), sizeof(p521)};
        if (k->curve <= CH_CURVE_NONE || k->curve > CH_CURVE_P521)
            return 0;
        alg = a[k->curve];
        alg_len = al[k->curve];
        if (k->pub_len > 0) {
            memcpy(key, k->pub, k->pub_len);
            key_len = k->pub_len;
        } else if (EVP_PKEY_get_octet_string_param(k->pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, key,
                                            sizeof(key), &key_len) != 1)
            return 0;
    } else if (is_raw(k->type)) {
        alg = k->type == CH_PK_ED25519 ? ed25519
              : k->type == CH_PK_ED448 ? ed448
              : k->type == CH_PK_X25519 ? x25519
                                        : x448;
        alg_len = sizeof(ed25519);
        key_len = sizeof(key);
        if (EVP_PKEY_get_raw_public_key(k->pk, key, &key_len) != 1)
            return 0;
    } else {
        return 0;
    }
    /* DER lengths below 128 take one byte, up to 255 two (0x81 nn): enough for P-521. */
    size_t bits_len = key_len + 1, bits_hdr = bits_len < 128 ? 2 : 3;
    size_t body = alg_len + bits_hdr + bits_len, hdr = body < 128 ? 2 : 3;
    if (hdr + body > CH_SPKI_FAST_MAX)
        return 0;
    size_t o = 0;
    out[o++] = 0x30;
    if (hdr == 3)
        out[o++] = 0x81;
    out[o++] = (uint8_t)body;
    memcpy(out + o, alg, alg_len);
    o += alg_len;
    out[o++] = 0x03;
    if (bits_hdr == 3)
        out[o++] = 0x81;
    out[o++] = (uint8_t)bits_len;
    out[o++] = 0x00;
    memcpy(out + o, key, key_len);
    return o + key_len;
}

CK_RV ch_crypto_pkey_get(const struct ch_pkey *k, int comp, uint8_t *out, size_t *len)
{
    static const char *const rsa_names[CH_RSA_PARTS_] = {
        OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,         OSSL_PKEY_PARAM_RSA_D,
        OSSL_PKEY_PARAM_RSA_FACTOR1,   OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
    };
    CK_RV rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
    CH_CHECK(k != NULL && len != NULL, CKR_ARGUMENTS_BAD);
    CH_OSSL_ENTER();
    if (k->type == CH_PK_RSA && comp >= CH_PKC_RSA && comp < CH_PKC_RSA + CH_RSA_PARTS_) {
        rv = get_bn(k, rsa_names[comp - CH_PKC_RSA], 0, out, len);
    } else if (k->type == CH_PK_EC && comp == CH_PKC_EC_PRIV && k->priv) {
        if (out == NULL) { /* the size query needs no OpenSSL call: always the order's bytes */
            *len = k->olen;
            rv = CKR_OK;
        } else {
            rv = get_bn(k, OSSL_PKEY_PARAM_PRIV_KEY, k->olen, out, len);
        }
    } else if (k->type == CH_PK_EC && comp == CH_PKC_EC_POINT && k->pub_len > 0) {
        rv = put(k->pub, k->pub_len, out, len);
    } else if (k->type == CH_PK_EC && comp == CH_PKC_EC_POINT) {
        size_t n = 0;
        if (EVP_PKEY_get_octet_string_param(k->pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0,
                                            &n) == 1) {
            size_t cap = *len;
            *len = n;
            rv = out == NULL ? CKR_OK : cap < n ? CKR_BUFFER_TOO_SMALL : CKR_GENERAL_ERROR;
            if (out != NULL && cap >= n &&
                EVP_PKEY_get_octet_string_param(k->pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out,
                                                cap, &n) == 1)
                rv = CKR_OK;
        }
    } else if (is_raw(k->type) && (comp == CH_PKC_RAW_PUB || comp == CH_PKC_RAW_PRIV)) {
        uint8_t buf[64];
        size_t n = sizeof(buf);
        int ok = comp == CH_PKC_RAW_PUB ? EVP_PKEY_get_raw_public_key(k->pk, buf, &n)
                 : k->priv                ? EVP_PKEY_get_raw_private_key(k->pk, buf, &n)
                                          : 0;
        if (ok == 1)
            rv = put(buf, n, out, len);
        ch_wipe(buf, sizeof(buf));
    } else if (comp == CH_PKC_SPKI) {
        uint8_t spki[CH_SPKI_FAST_MAX];
        size_t n = spki_fast(k, spki);
        if (n > 0) {
            rv = put(spki, n, out, len);
        } else {
            unsigned char *der = NULL;
            int dn = i2d_PUBKEY(k->pk, &der);
            if (dn > 0)
                rv = put(der, (size_t)dn, out, len);
            OPENSSL_free(der);
        }
    }
    CH_OSSL_LEAVE();
    return rv;
}

/* ---- validation and pairwise tests -------------------------------------------------------- */

static bool rsa_has_crt(const struct ch_pkey *k)
{
    BIGNUM *p = NULL;
    bool has = EVP_PKEY_get_bn_param(k->pk, OSSL_PKEY_PARAM_RSA_FACTOR1, &p) == 1;
    BN_clear_free(p);
    return has;
}

/* Raw RSA round trip m -> m^e -> (m^e)^d: the private exponent inverts the public one. */
static bool rsa_roundtrip(struct ch_pkey *k)
{
    uint8_t m[CH_PK_MAX_RSA_BITS / 8], c[CH_PK_MAX_RSA_BITS / 8], r[CH_PK_MAX_RSA_BITS / 8];
    size_t n = k->size, cl = sizeof(c), rl = sizeof(r);
    struct ch_pk_params p = {.pad = CH_PAD_NONE};
    if (n < 2 || n > sizeof(m))
        return false;
    memset(m, 0x5a, n);
    m[0] = 0; /* below n */
    bool ok = ch_crypto_pkey_encrypt(k, &p, m, n, c, &cl) == CKR_OK &&
              ch_crypto_pkey_decrypt(k, &p, c, cl, r, &rl) == CKR_OK && rl == n &&
              ch_ct_eq(m, r, n);
    ch_wipe(r, sizeof(r));
    return ok;
}

CK_RV ch_crypto_pkey_check(const struct ch_pkey *k)
{
    CK_RV rv = CKR_ATTRIBUTE_VALUE_INVALID;
    CH_CHECK(k != NULL, CKR_ARGUMENTS_BAD);
    if (is_raw(k->type))
        return CKR_OK; /* lengths checked when built; every string is a valid X25519 key */
    CH_OSSL_ENTER();
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(ch_crypto_libctx(), k->pk, NULL);
    if (c == NULL) {
        rv = CKR_HOST_MEMORY;
        goto out;
    }
    if (k->type == CH_PK_RSA) {
        if (EVP_PKEY_public_check(c) != 1)
            goto out;
        if (k->priv && rsa_has_crt(k)) {
            /* p*q = n, d*e = 1 mod lcm(p-1, q-1), CRT values (SP 800-56B §6.4.1.2.x). */
            if (EVP_PKEY_check(c) != 1)
                goto out;
        } else if (k->priv && !rsa_roundtrip((struct ch_pkey *)k)) {
            goto out;
        }
    } else if (k->type == CH_PK_EC) {
        /* The public point was validated when built (ec_point_valid: partial validation,
         * which for these cofactor-1 curves leaves nothing for the full check to find); here a
         * private scalar in [1, n-1] and, when both are present, Q = d*G. */
        if (k->priv && EVP_PKEY_private_check(c) != 1)
            goto out;
        size_t n = 0;
        bool has_pub = EVP_PKEY_get_octet_string_param(
                           k->pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0, &n) == 1;
        if (k->priv && has_pub && EVP_PKEY_pairwise_check(c) != 1)
            goto out;
    }
    rv = CKR_OK;
out:
    EVP_PKEY_CTX_free(c);
    CH_OSSL_LEAVE();
    return rv;
}

CK_RV ch_crypto_pkey_pct(const struct ch_pkey *kc)
{
    struct ch_pkey *k = (struct ch_pkey *)kc; /* operations take a non-const key (templates) */
    static const uint8_t msg[32] = "Craton HSM pairwise consistency";
    uint8_t sig[CH_PK_MAX_SIG];
    size_t sl = sizeof(sig);
    CK_RV rv = CKR_GENERAL_ERROR;
    CH_CHECK(k != NULL && k->priv, CKR_GENERAL_ERROR);
    if (k->type == CH_PK_X25519 || k->type == CH_PK_X448) {
        /* SP 800-56A §5.6.2.1.4: recompute the public key from the private one. */
        uint8_t priv[64], pub[64], pub2[64];
        size_t l1 = sizeof(priv), l2 = sizeof(pub), l3 = sizeof(pub2);
        struct ch_pkey *again = NULL;
        if (ch_crypto_pkey_get(k, CH_PKC_RAW_PRIV, priv, &l1) == CKR_OK &&
            ch_crypto_pkey_get(k, CH_PKC_RAW_PUB, pub, &l2) == CKR_OK &&
            ch_crypto_pkey_raw_new(k->type, NULL, 0, priv, l1, &again) == CKR_OK &&
            ch_crypto_pkey_get(again, CH_PKC_RAW_PUB, pub2, &l3) == CKR_OK && l2 == l3 &&
            ch_ct_eq(pub, pub2, l2))
            rv = CKR_OK;
        ch_crypto_pkey_free(again);
        ch_wipe(priv, sizeof(priv));
        return rv;
    }
    struct ch_pk_params p = {.pad = k->type == CH_PK_RSA ? CH_PAD_PKCS1 : CH_PAD_NONE,
                             .md = k->type == CH_PK_RSA ? CH_HASH_SHA256 : CH_HASH_NONE};
    if (ch_crypto_pkey_sign(k, &p, msg, sizeof(msg), sig, &sl) == CKR_OK &&
        ch_crypto_pkey_verify(k, &p, msg, sizeof(msg), sig, sl) == CKR_OK)
        rv = CKR_OK;
    return rv;
}

CK_RV ch_crypto_pkey_pct_agreement(const struct ch_pkey *k)
{
    uint8_t q[1 + 2 * 66], have[1 + 2 * 66];
    size_t ql = sizeof(q), hl = 0;
    BIGNUM *d = NULL;
    CK_RV rv = CKR_GENERAL_ERROR;
    CH_CHECK(k != NULL && k->priv, CKR_GENERAL_ERROR);
    if (k->type != CH_PK_EC)
        return ch_crypto_pkey_pct(k); /* X25519/X448: already the recomputation below */
    CH_OSSL_ENTER();
    /* SP 800-56A rev3 §5.6.2.1.4 (b): recompute Q' = d*G from the private key and compare it
     * with the public key. One fixed-base multiplication, where EVP_PKEY_pairwise_check would
     * also run the full public-key check (n*Q) and a sign+verify test a verification. */
    if (k->pub_len > 0) {
        memcpy(have, k->pub, k->pub_len);
        hl = k->pub_len;
    } else if (EVP_PKEY_get_octet_string_param(k->pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, have,
                                               sizeof(have), &hl) != 1) {
        goto out;
    }
    if (EVP_PKEY_get_bn_param(k->pk, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 &&
        ec_public_from_private(k->curve, d, q, &ql) && ql == hl && ch_ct_eq(q, have, ql))
        rv = CKR_OK;
out:
    BN_clear_free(d);
    CH_OSSL_LEAVE();
    return rv;
}

/* ---- PKCS#8 ------------------------------------------------------------------------------- */

CK_RV ch_crypto_pkey_to_pkcs8(const struct ch_pkey *k, uint8_t **der, size_t *len)
{
    OSSL_ENCODER_CTX *ec = NULL;
    unsigned char *data = NULL;
    size_t dl = 0;
    CK_RV rv = CKR_KEY_NOT_WRAPPABLE;
    CH_CHECK(k != NULL && der != NULL && len != NULL, CKR_ARGUMENTS_BAD);
    *der = NULL;
    CH_CHECK(k->priv, CKR_KEY_NOT_WRAPPABLE);
    CH_OSSL_ENTER();
    ec = OSSL_ENCODER_CTX_new_for_pkey(k->pk, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", NULL);
    if (ec != NULL && OSSL_ENCODER_CTX_get_num_encoders(ec) > 0 &&
        OSSL_ENCODER_to_data(ec, &data, &dl) == 1 && dl > 0) {
        *der = ch_secmem_dup(data, dl);
        *len = dl;
        rv = *der != NULL ? CKR_OK : CKR_HOST_MEMORY;
    }
    if (data != NULL)
        OPENSSL_clear_free(data, dl);
    OSSL_ENCODER_CTX_free(ec);
    CH_OSSL_LEAVE();
    return rv;
}

static enum ch_curve curve_of(EVP_PKEY *pk)
{
    char name[64];
    size_t n = 0;
    if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &n) != 1)
        return CH_CURVE_NONE;
    for (int c = CH_CURVE_P256; c <= CH_CURVE_P521; c++)
        if (strcmp(name, curves[c].group) == 0)
            return (enum ch_curve)c;
    if (strcmp(name, "P-256") == 0)
        return CH_CURVE_P256;
    if (strcmp(name, "P-384") == 0)
        return CH_CURVE_P384;
    if (strcmp(name, "P-521") == 0)
        return CH_CURVE_P521;
    return CH_CURVE_NONE;
}

CK_RV ch_crypto_pkey_from_pkcs8(const uint8_t *der, size_t len, struct ch_pkey **out)
{
    OSSL_DECODER_CTX *dc = NULL;
    EVP_PKEY *pk = NULL;
    CK_RV rv = CKR_WRAPPED_KEY_INVALID;
    CH_CHECK(der != NULL && out != NULL, CKR_ARGUMENTS_BAD);
    *out = NULL;
    CH_OSSL_ENTER();
    dc = OSSL_DECODER_CTX_new_for_pkey(&pk, "DER", "PrivateKeyInfo", NULL, EVP_PKEY_KEYPAIR,
                                       ch_crypto_libctx(), NULL);
    const unsigned char *p = der;
    size_t left = len;
    if (dc == NULL || OSSL_DECODER_from_data(dc, &p, &left) != 1 || pk == NULL || left != 0)
        goto out;
    enum ch_pk_type t = CH_PK_NONE;
    enum ch_curve c = CH_CURVE_NONE;
    if (EVP_PKEY_is_a(pk, "RSA"))
        t = CH_PK_RSA;
    else if (EVP_PKEY_is_a(pk, "EC") && (c = curve_of(pk)) != CH_CURVE_NONE)
        t = CH_PK_EC;
    else
        for (int i = CH_PK_ED25519; i <= CH_PK_X448; i++)
            if (EVP_PKEY_is_a(pk, raws[i].name))
                t = (enum ch_pk_type)i;
    if (t == CH_PK_NONE) {
        rv = CKR_KEY_TYPE_INCONSISTENT;
        goto out;
    }
    rv = wrap_pkey(pk, t, c, true, out);
    pk = NULL;
out:
    EVP_PKEY_free(pk);
    OSSL_DECODER_CTX_free(dc);
    CH_OSSL_LEAVE();
    return rv;
}
