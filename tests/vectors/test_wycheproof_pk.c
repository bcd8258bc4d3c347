/* SPDX-License-Identifier: Apache-2.0 */
/* Wycheproof public-key vectors through the PKCS#11 API of the dlopen'ed module: every key is
 * imported with C_CreateObject, then C_Verify (RSA PKCS#1 v1.5 and PSS, ECDSA in DER converted
 * to r || s and in P1363 form, Ed25519), C_Sign (RSA PKCS#1 v1.5 generation, deterministic),
 * C_Decrypt (RSA OAEP, RSA PKCS#1 v1.5) or C_DeriveKey (ECDH with SPKI or ecpoint peers,
 * X25519). Usage: test_wycheproof_pk FILE.json (the group "type" selects the runner).
 * Policy: "valid" must succeed with the exact output; "invalid" must fail (a signature we
 * cannot even re-encode, a key we refuse to import, count as failures); "acceptable" may do
 * either, but when it succeeds its output must match. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "p11_test.h"
#include "vec_json.h"

static struct ch_p11t T;
static CK_FUNCTION_LIST_3_0 *F;
static CK_SESSION_HANDLE S;
static int failures, passed, acceptable_ok, acceptable_rej;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

#define ATTR(t, v) {(t), (void *)(v), sizeof(*(v))}
#define ATTRN(t, v, n) {(t), (void *)(v), (CK_ULONG)(n)}

/* ---- small helpers ------------------------------------------------------------------------ */

/* Unsigned big-endian integer without leading zero bytes (Wycheproof pads some with 00). */
static struct ch_vec_buf hex_int(const cJSON *o, const char *name)
{
    struct ch_vec_buf b = ch_vec_field(o, name);
    size_t z = 0;
    while (z + 1 < b.len && b.p[z] == 0)
        z++;
    memmove(b.p, b.p + z, b.len - z);
    b.len -= z;
    return b;
}

static CK_MECHANISM_TYPE hash_mech(const char *sha)
{
    static const struct {
        const char *n;
        CK_MECHANISM_TYPE m;
    } t[] = {{"SHA-1", CKM_SHA_1},       {"SHA-224", CKM_SHA224},     {"SHA-256", CKM_SHA256},
             {"SHA-384", CKM_SHA384},    {"SHA-512", CKM_SHA512},     {"SHA3-224", CKM_SHA3_224},
             {"SHA3-256", CKM_SHA3_256}, {"SHA3-384", CKM_SHA3_384}, {"SHA3-512", CKM_SHA3_512}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strcmp(sha, t[i].n) == 0)
            return t[i].m;
    return CK_UNAVAILABLE_INFORMATION;
}

static CK_RSA_PKCS_MGF_TYPE mgf_of(CK_MECHANISM_TYPE h)
{
    switch (h) {
    case CKM_SHA_1:
        return CKG_MGF1_SHA1;
    case CKM_SHA224:
        return CKG_MGF1_SHA224;
    case CKM_SHA256:
        return CKG_MGF1_SHA256;
    case CKM_SHA384:
        return CKG_MGF1_SHA384;
    case CKM_SHA512:
        return CKG_MGF1_SHA512;
    default:
        return 0;
    }
}

/* The hash-and-sign mechanism for a family and hash. */
static CK_MECHANISM_TYPE sig_mech(const char *family, CK_MECHANISM_TYPE h)
{
    static const struct {
        CK_MECHANISM_TYPE h, pkcs, pss, ecdsa;
    } t[] = {
        {CKM_SHA_1, CKM_SHA1_RSA_PKCS, CKM_SHA1_RSA_PKCS_PSS, CKM_ECDSA_SHA1},
        {CKM_SHA224, CKM_SHA224_RSA_PKCS, CKM_SHA224_RSA_PKCS_PSS, CKM_ECDSA_SHA224},
        {CKM_SHA256, CKM_SHA256_RSA_PKCS, CKM_SHA256_RSA_PKCS_PSS, CKM_ECDSA_SHA256},
        {CKM_SHA384, CKM_SHA384_RSA_PKCS, CKM_SHA384_RSA_PKCS_PSS, CKM_ECDSA_SHA384},
        {CKM_SHA512, CKM_SHA512_RSA_PKCS, CKM_SHA512_RSA_PKCS_PSS, CKM_ECDSA_SHA512},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (t[i].h == h)
            return family[0] == 'k' ? t[i].pkcs : family[0] == 's' ? t[i].pss : t[i].ecdsa;
    return CK_UNAVAILABLE_INFORMATION;
}

static const CK_BYTE p256_oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const CK_BYTE p384_oid[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
static const CK_BYTE p521_oid[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
static const CK_BYTE ed25519_oid[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static const CK_BYTE x25519_oid[] = {0x06, 0x03, 0x2b, 0x65, 0x6e};

/* Curve OID (DER) and scalar length of a Wycheproof curve name. */
static bool curve(const char *name, const CK_BYTE **oid, size_t *ol, size_t *flen)
{
    if (strcmp(name, "secp256r1") == 0) {
        *oid = p256_oid, *ol = sizeof(p256_oid), *flen = 32;
    } else if (strcmp(name, "secp384r1") == 0) {
        *oid = p384_oid, *ol = sizeof(p384_oid), *flen = 48;
    } else if (strcmp(name, "secp521r1") == 0) {
        *oid = p521_oid, *ol = sizeof(p521_oid), *flen = 66;
    } else {
        return false;
    }
    return true;
}

/* Record one result against the expectation. ok: the operation succeeded (and its output
 * matched whatever was expected of it). */
static void judge(const cJSON *t, bool ok, bool output_matched)
{
    const char *res = ch_vec_sval(t, "result");
    int id = cJSON_GetObjectItemCaseSensitive(t, "tcId")->valueint;
    if (strcmp(res, "valid") == 0) {
        if (ok && output_matched) {
            passed++;
            return;
        }
    } else if (strcmp(res, "invalid") == 0) {
        if (!ok) {
            passed++;
            return;
        }
    } else { /* acceptable */
        if (!ok) {
            acceptable_rej++;
            return;
        }
        if (output_matched) {
            acceptable_ok++;
            return;
        }
    }
    failures++;
    fprintf(stderr, "tcId %d (%s, %s): %s%s\n", id, res, ch_vec_sval(t, "comment"),
            ok ? "accepted" : "rejected", ok && !output_matched ? " with a wrong output" : "");
}

/* ---- key import --------------------------------------------------------------------------- */

static CK_RV rsa_pub(const cJSON *k, CK_OBJECT_HANDLE *h)
{
    struct ch_vec_buf n = hex_int(k, "modulus"), e = hex_int(k, "publicExponent");
    CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
    CK_KEY_TYPE kt = CKK_RSA;
    CK_ATTRIBUTE a[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &kt), ATTRN(CKA_MODULUS, n.p, n.len),
                        ATTRN(CKA_PUBLIC_EXPONENT, e.p, e.len), ATTR(CKA_VERIFY, &yes)};
    CK_RV rv = F->C_CreateObject(S, a, 5, h);
    free(n.p);
    free(e.p);
    return rv;
}

static CK_RV rsa_priv(const cJSON *k, CK_OBJECT_HANDLE *h)
{
    static const char *const names[] = {"modulus", "publicExponent", "privateExponent", "prime1",
                                        "prime2",  "exponent1",      "exponent2",       "coefficient"};
    static const CK_ATTRIBUTE_TYPE types[] = {CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT,
                                              CKA_PRIME_1, CKA_PRIME_2,         CKA_EXPONENT_1,
                                              CKA_EXPONENT_2, CKA_COEFFICIENT};
    struct ch_vec_buf v[8];
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_KEY_TYPE kt = CKK_RSA;
    CK_ATTRIBUTE a[13] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &kt), ATTR(CKA_DECRYPT, &yes),
                          ATTR(CKA_SIGN, &yes), ATTR(CKA_SENSITIVE, &no)};
    for (int i = 0; i < 8; i++) {
        v[i] = hex_int(k, names[i]);
        a[5 + i] = (CK_ATTRIBUTE)ATTRN(types[i], v[i].p, v[i].len);
    }
    CK_RV rv = F->C_CreateObject(S, a, 13, h);
    for (int i = 0; i < 8; i++)
        free(v[i].p);
    return rv;
}

static CK_RV ec_pub(const CK_BYTE *oid, size_t ol, CK_KEY_TYPE kt, const CK_BYTE *pt, size_t pl,
                    CK_OBJECT_HANDLE *h)
{
    CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
    CK_ATTRIBUTE a[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &kt), ATTRN(CKA_EC_PARAMS, oid, ol),
                        ATTRN(CKA_EC_POINT, pt, pl), ATTR(CKA_VERIFY, &yes)};
    return F->C_CreateObject(S, a, 5, h);
}

static CK_RV ec_priv(const CK_BYTE *oid, size_t ol, CK_KEY_TYPE kt, const CK_BYTE *d, size_t dl,
                     CK_OBJECT_HANDLE *h)
{
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE a[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &kt), ATTRN(CKA_EC_PARAMS, oid, ol),
                        ATTRN(CKA_VALUE, d, dl), ATTR(CKA_DERIVE, &yes)};
    return F->C_CreateObject(S, a, 5, h);
}

/* ---- DER helpers (strict DER: minimal lengths, no trailing bytes) ------------------------- */

/* One TLV at *p (< end): tag, content; advances *p. */
static bool tlv(const CK_BYTE **p, const CK_BYTE *end, CK_BYTE tag, const CK_BYTE **c, size_t *cl)
{
    const CK_BYTE *q = *p;
    if (end - q < 2 || q[0] != tag)
        return false;
    size_t n = q[1];
    q += 2;
    if (n & 0x80) {
        size_t k = n & 0x7f;
        if (k == 0 || k > 2 || (size_t)(end - q) < k || q[0] == 0)
            return false;
        n = 0;
        for (size_t i = 0; i < k; i++)
            n = n << 8 | q[i];
        q += k;
        if (n < 0x80 || (k == 2 && n < 0x100))
            return false;
    }
    if ((size_t)(end - q) < n)
        return false;
    *c = q;
    *cl = n;
    *p = q + n;
    return true;
}

/* A non-negative minimal INTEGER into olen bytes. */
static bool der_uint(const CK_BYTE *c, size_t n, CK_BYTE *out, size_t olen)
{
    if (n == 0 || (c[0] & 0x80) || (n > 1 && c[0] == 0 && !(c[1] & 0x80)))
        return false;
    if (c[0] == 0) {
        c++;
        n--;
    }
    if (n > olen)
        return false;
    memset(out, 0, olen - n);
    memcpy(out + olen - n, c, n);
    return true;
}

/* ECDSA-Sig-Value (SEC 1 §C.8) -> r || s. */
static bool ecdsa_der_to_rs(const struct ch_vec_buf *sig, size_t olen, CK_BYTE *rs)
{
    const CK_BYTE *p = sig->p, *end = sig->p + sig->len, *seq, *r, *s;
    size_t sl, rl, ssl;
    if (!tlv(&p, end, 0x30, &seq, &sl) || p != end)
        return false;
    const CK_BYTE *q = seq, *qe = seq + sl;
    if (!tlv(&q, qe, 0x02, &r, &rl) || !tlv(&q, qe, 0x02, &s, &ssl) || q != qe)
        return false;
    return der_uint(r, rl, rs, olen) && der_uint(s, ssl, rs + olen, olen);
}

/* SubjectPublicKeyInfo with id-ecPublicKey and the expected named curve -> the point. */
static bool spki_point(const struct ch_vec_buf *der, const CK_BYTE *oid, size_t ol, const CK_BYTE **pt,
                       size_t *pl)
{
    static const CK_BYTE ecpk[] = {0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
    const CK_BYTE *p = der->p, *end = der->p + der->len, *seq, *alg, *bits, *x;
    size_t sl, al, bl, xl;
    if (!tlv(&p, end, 0x30, &seq, &sl) || p != end)
        return false;
    const CK_BYTE *q = seq, *qe = seq + sl;
    if (!tlv(&q, qe, 0x30, &alg, &al) || !tlv(&q, qe, 0x03, &bits, &bl) || q != qe)
        return false;
    const CK_BYTE *a = alg, *ae = alg + al;
    if (!tlv(&a, ae, 0x06, &x, &xl) || (size_t)(a - alg) != sizeof(ecpk) ||
        memcmp(alg, ecpk, sizeof(ecpk)) != 0)
        return false;
    const CK_BYTE *c0 = a;
    if (!tlv(&a, ae, 0x06, &x, &xl) || a != ae || (size_t)(a - c0) != ol || memcmp(c0, oid, ol) != 0)
        return false;
    if (bl < 2 || bits[0] != 0)
        return false;
    *pt = bits + 1;
    *pl = bl - 1;
    return true;
}

/* ---- runners ------------------------------------------------------------------------------ */

static bool verify(CK_MECHANISM *m, CK_OBJECT_HANDLE k, const struct ch_vec_buf *msg, const CK_BYTE *sig,
                   size_t sl)
{
    if (F->C_VerifyInit(S, m, k) != CKR_OK)
        return false;
    return F->C_Verify(S, msg->p, msg->len, (CK_BYTE *)sig, sl) == CKR_OK;
}

static void run_verify_group(const cJSON *g, const char *type)
{
    CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;
    const cJSON *pk = cJSON_GetObjectItemCaseSensitive(g, "publicKey");
    CK_MECHANISM_TYPE h = hash_mech(ch_vec_sval(g, "sha"));
    CK_RSA_PKCS_PSS_PARAMS pss = {0};
    CK_MECHANISM m = {CK_UNAVAILABLE_INFORMATION, NULL, 0};
    size_t olen = 0;
    bool der = false;
    CK_RV rv;

    if (strcmp(type, "RsassaPkcs1Verify") == 0) {
        m.mechanism = sig_mech("k", h);
        rv = rsa_pub(pk, &k);
    } else if (strcmp(type, "RsassaPssVerify") == 0) {
        const cJSON *sl = cJSON_GetObjectItemCaseSensitive(g, "sLen");
        pss.hashAlg = h;
        pss.mgf = mgf_of(hash_mech(ch_vec_sval(g, "mgfSha")));
        pss.sLen = (CK_ULONG)(cJSON_IsNumber(sl) ? sl->valueint : atoi(ch_vec_sval(g, "sLen")));
        m = (CK_MECHANISM){sig_mech("s", h), &pss, sizeof(pss)};
        rv = rsa_pub(pk, &k);
    } else if (strcmp(type, "EddsaVerify") == 0) {
        m.mechanism = CKM_EDDSA;
        struct ch_vec_buf p = ch_vec_field(pk, "pk");
        rv = ec_pub(ed25519_oid, sizeof(ed25519_oid), CKK_EC_EDWARDS, p.p, p.len, &k);
        free(p.p);
    } else { /* EcdsaVerify, EcdsaP1363Verify */
        const CK_BYTE *oid;
        size_t ol;
        der = strcmp(type, "EcdsaVerify") == 0;
        m.mechanism = sig_mech("e", h);
        if (!curve(ch_vec_sval(pk, "curve"), &oid, &ol, &olen)) {
            fprintf(stderr, "unknown curve %s\n", ch_vec_sval(pk, "curve"));
            failures++;
            return;
        }
        struct ch_vec_buf p = ch_vec_field(pk, "uncompressed");
        rv = ec_pub(oid, ol, CKK_EC, p.p, p.len, &k);
        free(p.p);
    }
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(g, "tests"))
    {
        struct ch_vec_buf msg = ch_vec_field(t, "msg"), sig = ch_vec_field(t, "sig");
        bool ok = false;
        if (rv == CKR_OK) {
            if (der) {
                CK_BYTE rs[2 * 66];
                ok = ecdsa_der_to_rs(&sig, olen, rs) && verify(&m, k, &msg, rs, 2 * olen);
            } else {
                ok = verify(&m, k, &msg, sig.p, sig.len);
            }
        }
        judge(t, ok, true);
        free(msg.p);
        free(sig.p);
    }
    if (rv != CKR_OK)
        fprintf(stderr, "note: group key refused (%s)\n", ch_p11t_rv_name(rv));
    if (k != CK_INVALID_HANDLE)
        (void)F->C_DestroyObject(S, k);
}

static void run_rsa_private_group(const cJSON *g, const char *type)
{
    CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;
    CK_RV rv = rsa_priv(cJSON_GetObjectItemCaseSensitive(g, "privateKey"), &k);
    bool oaep = strcmp(type, "RsaesOaepDecrypt") == 0;
    bool gen = strcmp(type, "RsassaPkcs1Generate") == 0;
    CK_MECHANISM_TYPE h = hash_mech(ch_vec_sval(g, "sha"));
    if (rv != CKR_OK) {
        fprintf(stderr, "group key refused: %s\n", ch_p11t_rv_name(rv));
        failures++;
        return;
    }
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(g, "tests"))
    {
        struct ch_vec_buf msg = ch_vec_field(t, "msg"), ct = ch_vec_field(t, gen ? "sig" : "ct"), label = ch_vec_field(t, "label");
        CK_RSA_PKCS_OAEP_PARAMS op = {h, mgf_of(hash_mech(ch_vec_sval(g, "mgfSha"))), CKZ_DATA_SPECIFIED,
                                      label.len ? label.p : NULL, label.len};
        CK_MECHANISM m = {oaep ? CKM_RSA_PKCS_OAEP : gen ? sig_mech("k", h) : CKM_RSA_PKCS,
                          oaep ? &op : NULL, oaep ? sizeof(op) : 0};
        CK_BYTE out[1024];
        CK_ULONG ol = sizeof(out);
        bool ok, match;
        if (gen) {
            ok = F->C_SignInit(S, &m, k) == CKR_OK &&
                 F->C_Sign(S, msg.p, msg.len, out, &ol) == CKR_OK;
            match = ok && ol == ct.len && memcmp(out, ct.p, ol) == 0;
        } else {
            ok = F->C_DecryptInit(S, &m, k) == CKR_OK &&
                 F->C_Decrypt(S, ct.p, ct.len, out, &ol) == CKR_OK;
            match = ok && ol == msg.len && memcmp(out, msg.p, ol) == 0;
        }
        judge(t, ok, match);
        free(msg.p);
        free(ct.p);
        free(label.p);
    }
    (void)F->C_DestroyObject(S, k);
}

/* Derive with CKD_NULL and read the value back; false when any step is refused. */
static bool derive(CK_OBJECT_HANDLE priv, const CK_BYTE *pub, size_t pl, CK_BYTE *out,
                   CK_ULONG *len)
{
    CK_ECDH1_DERIVE_PARAMS p = {CKD_NULL, 0, NULL, (CK_ULONG)pl, (CK_BYTE *)pub};
    CK_MECHANISM m = {CKM_ECDH1_DERIVE, &p, sizeof(p)};
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    CK_ATTRIBUTE t[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &kt), ATTR(CKA_SENSITIVE, &no),
                        ATTR(CKA_EXTRACTABLE, &yes)};
    CK_OBJECT_HANDLE h;
    if (pl == 0 || F->C_DeriveKey(S, &m, priv, t, 4, &h) != CKR_OK)
        return false;
    CK_ATTRIBUTE v = {CKA_VALUE, out, *len};
    CK_RV rv = F->C_GetAttributeValue(S, h, &v, 1);
    *len = v.ulValueLen;
    (void)F->C_DestroyObject(S, h);
    return rv == CKR_OK;
}

static void run_ecdh_group(const cJSON *g, const char *type)
{
    const CK_BYTE *oid = x25519_oid;
    size_t ol = sizeof(x25519_oid), flen = 32;
    bool xdh = strcmp(type, "XdhComp") == 0, spki = strcmp(type, "EcdhTest") == 0;
    if (!xdh && !curve(ch_vec_sval(g, "curve"), &oid, &ol, &flen)) {
        fprintf(stderr, "unknown curve %s\n", ch_vec_sval(g, "curve"));
        failures++;
        return;
    }
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(g, "tests"))
    {
        struct ch_vec_buf d = xdh ? ch_vec_field(t, "private") : hex_int(t, "private"), pub = ch_vec_field(t, "public"),
                   z = ch_vec_field(t, "shared");
        CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;
        CK_BYTE out[128];
        CK_ULONG outl = sizeof(out);
        const CK_BYTE *pt = pub.p;
        size_t pl = pub.len;
        bool ok = (!spki || spki_point(&pub, oid, ol, &pt, &pl)) &&
                  ec_priv(oid, ol, xdh ? CKK_EC_MONTGOMERY : CKK_EC, d.p, d.len, &k) == CKR_OK &&
                  derive(k, pt, pl, out, &outl);
        judge(t, ok, ok && outl == z.len && memcmp(out, z.p, z.len) == 0);
        if (k != CK_INVALID_HANDLE)
            (void)F->C_DestroyObject(S, k);
        free(d.p);
        free(pub.p);
        free(z.p);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE.json\n", argv[0]);
        return 2;
    }
    FILE *fp = fopen(argv[1], "rb");
    if (fp == NULL) {
        perror(argv[1]);
        return 2;
    }
    fseek(fp, 0, SEEK_END);
    long sz = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *text = malloc((size_t)sz + 1);
    if (text == NULL || fread(text, 1, (size_t)sz, fp) != (size_t)sz) {
        fclose(fp);
        return 2;
    }
    fclose(fp);
    text[sz] = '\0';
    cJSON *root = cJSON_Parse(text);
    free(text);
    if (root == NULL) {
        fprintf(stderr, "%s: not JSON\n", argv[1]);
        return 2;
    }
    /* SHA-1 signing on for the PKCS#1 generation vectors (the policy is tested in
     * test_mech_pubkey.c; here the arithmetic is). */
    if (ch_p11t_setup(&T, "[algorithms]\nallow_sha1_signing = true\n") != 0 || ch_p11t_open(&T, true, CKU_USER, &S) != CKR_OK) {
        fprintf(stderr, "module set-up failed\n");
        return 1;
    }
    F = T.f;
    const cJSON *g;
    int unknown = 0;
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(root, "testGroups"))
    {
        const char *type = ch_vec_sval(g, "type");
        if (strcmp(type, "RsassaPkcs1Verify") == 0 || strcmp(type, "RsassaPssVerify") == 0 ||
            strcmp(type, "EcdsaVerify") == 0 || strcmp(type, "EcdsaP1363Verify") == 0 ||
            strcmp(type, "EddsaVerify") == 0)
            run_verify_group(g, type);
        else if (strcmp(type, "RsaesOaepDecrypt") == 0 || strcmp(type, "RsaesPkcs1Decrypt") == 0 ||
                 strcmp(type, "RsassaPkcs1Generate") == 0)
            run_rsa_private_group(g, type);
        else if (strcmp(type, "EcdhTest") == 0 || strcmp(type, "EcdhEcpointTest") == 0 ||
                 strcmp(type, "XdhComp") == 0)
            run_ecdh_group(g, type);
        else
            unknown++;
    }
    cJSON_Delete(root);
    ch_p11t_teardown(&T);
    printf("%s: %d passed, %d failed, acceptable: %d accepted / %d rejected%s\n", argv[1], passed,
           failures, acceptable_ok, acceptable_rej, unknown ? " (unknown groups skipped)" : "");
    if (unknown) {
        fprintf(stderr, "%d group(s) of an unknown type\n", unknown);
        return 1;
    }
    return failures == 0 && passed > 0 ? 0 : 1;
}
