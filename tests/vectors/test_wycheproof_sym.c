/* SPDX-License-Identifier: Apache-2.0 */
/* Symmetric vectors through the PKCS#11 API of the dlopen'ed module: Wycheproof AES-GCM,
 * AES-CBC-PKCS5, AES-CMAC, AES-KW/KWP, HMAC and HKDF, and ACVP AES-CBC/CTR/GCM (AFT). Keys are
 * imported with C_CreateObject (CKO_SECRET_KEY), then C_Encrypt/C_Decrypt (single-part and
 * multi-part in 7-byte pieces), C_Sign/C_Verify, C_WrapKey/C_UnwrapKey or C_DeriveKey.
 * Policy: "valid" must succeed with the exact output, "invalid" must fail, "acceptable" may do
 * either but must be exact when it succeeds. Usage: test_wycheproof_sym FILE.json */
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
static int failures, passed, skipped;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

#define ATTR(t, v) {(t), (void *)(v), sizeof(*(v))}
#define ATTRN(t, v, n) {(t), (void *)(v), (CK_ULONG)(n)}

static long num(const cJSON *o, const char *name)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(n) ? (long)n->valuedouble : -1;
}

static bool eq(const CK_BYTE *a, size_t al, const CK_BYTE *b, size_t bl)
{
    return al == bl && (al == 0 || memcmp(a, b, al) == 0);
}

/* Record one outcome: ok = the module behaved as the result demands. */
static void report(const char *file, long tc, const char *what, bool ok)
{
    if (ok) {
        passed++;
        return;
    }
    failures++;
    fprintf(stderr, "%s tcId %ld: %s\n", file, tc, what);
}

static CK_OBJECT_HANDLE import_key(CK_KEY_TYPE kt, const struct ch_vec_buf *k)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_ATTRIBUTE t[] = {
        ATTR(CKA_CLASS, &cls),        ATTR(CKA_KEY_TYPE, &kt),     ATTRN(CKA_VALUE, k->p, k->len),
        ATTR(CKA_TOKEN, &no),         ATTR(CKA_ENCRYPT, &yes),     ATTR(CKA_DECRYPT, &yes),
        ATTR(CKA_SIGN, &yes),         ATTR(CKA_VERIFY, &yes),      ATTR(CKA_WRAP, &yes),
        ATTR(CKA_UNWRAP, &yes),       ATTR(CKA_DERIVE, &yes),      ATTR(CKA_EXTRACTABLE, &yes),
        ATTR(CKA_SENSITIVE, &no),
    };
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    if (F->C_CreateObject(S, t, sizeof(t) / sizeof(t[0]), &h) != CKR_OK)
        return CK_INVALID_HANDLE;
    return h;
}

/* Single-part encrypt or decrypt with the two-call size convention. */
static CK_RV crypt1(bool enc, CK_MECHANISM *m, CK_OBJECT_HANDLE k, const struct ch_vec_buf *in,
                    struct ch_vec_buf *out)
{
    CK_RV rv = enc ? F->C_EncryptInit(S, m, k) : F->C_DecryptInit(S, m, k);
    out->p = NULL;
    out->len = 0;
    if (rv != CKR_OK)
        return rv;
    CK_ULONG n = 0;
    CK_BYTE dummy = 0;
    CK_BYTE *ip = in->len ? in->p : &dummy;
    rv = enc ? F->C_Encrypt(S, ip, (CK_ULONG)in->len, NULL, &n)
             : F->C_Decrypt(S, ip, (CK_ULONG)in->len, NULL, &n);
    if (rv != CKR_OK)
        return rv;
    out->p = malloc(n + 1);
    rv = enc ? F->C_Encrypt(S, ip, (CK_ULONG)in->len, out->p, &n)
             : F->C_Decrypt(S, ip, (CK_ULONG)in->len, out->p, &n);
    out->len = n;
    return rv;
}

/* Multi-part in 7-byte pieces (each update sized first), then final. */
static CK_RV crypt_multi(bool enc, CK_MECHANISM *m, CK_OBJECT_HANDLE k, const struct ch_vec_buf *in,
                         struct ch_vec_buf *out)
{
    CK_RV rv = enc ? F->C_EncryptInit(S, m, k) : F->C_DecryptInit(S, m, k);
    out->p = malloc(in->len + 64);
    out->len = 0;
    if (rv != CKR_OK)
        return rv;
    for (size_t off = 0; off < in->len; off += 7) {
        CK_ULONG piece = (CK_ULONG)(in->len - off < 7 ? in->len - off : 7), n = 0;
        rv = enc ? F->C_EncryptUpdate(S, in->p + off, piece, NULL, &n)
                 : F->C_DecryptUpdate(S, in->p + off, piece, NULL, &n);
        if (rv != CKR_OK)
            return rv; /* a failed update ends the operation */
        rv = enc ? F->C_EncryptUpdate(S, in->p + off, piece, out->p + out->len, &n)
                 : F->C_DecryptUpdate(S, in->p + off, piece, out->p + out->len, &n);
        if (rv != CKR_OK)
            return rv;
        out->len += n;
    }
    /* Final: size first (GCM decryption releases everything here), then the output. */
    CK_ULONG n = 0;
    rv = enc ? F->C_EncryptFinal(S, NULL, &n) : F->C_DecryptFinal(S, NULL, &n);
    if (rv != CKR_OK || out->len + n > in->len + 64) {
        (void)(enc ? F->C_EncryptInit(S, NULL, k) : F->C_DecryptInit(S, NULL, k));
        return rv != CKR_OK ? rv : CKR_GENERAL_ERROR;
    }
    rv = enc ? F->C_EncryptFinal(S, out->p + out->len, &n)
             : F->C_DecryptFinal(S, out->p + out->len, &n);
    out->len += n;
    return rv;
}

static struct ch_vec_buf cat(const struct ch_vec_buf *a, const struct ch_vec_buf *b)
{
    struct ch_vec_buf r = {malloc(a->len + b->len + 1), a->len + b->len};
    if (a->len)
        memcpy(r.p, a->p, a->len);
    if (b->len)
        memcpy(r.p + a->len, b->p, b->len);
    return r;
}

/* ---- runners ------------------------------------------------------------------------------- */

/* AEAD / cipher: encrypt msg must give want_ct, decrypt want_ct must give msg (valid) or fail
 * (invalid). */
static void run_cipher(const char *file, long tc, const char *result, CK_MECHANISM *m,
                       CK_OBJECT_HANDLE k, const struct ch_vec_buf *msg, const struct ch_vec_buf *want_ct,
                       bool multi)
{
    bool valid = strcmp(result, "valid") == 0, invalid = strcmp(result, "invalid") == 0;
    struct ch_vec_buf out;
    CK_RV rv;
    if (!invalid) {
        rv = crypt1(true, m, k, msg, &out);
        bool ok = rv == CKR_OK && eq(out.p, out.len, want_ct->p, want_ct->len);
        report(file, tc, "encrypt", ok || (!valid && rv != CKR_OK));
        free(out.p);
        if (multi) {
            rv = crypt_multi(true, m, k, msg, &out);
            ok = rv == CKR_OK && eq(out.p, out.len, want_ct->p, want_ct->len);
            report(file, tc, "multi-part encrypt", ok || (!valid && rv != CKR_OK));
            free(out.p);
        }
    }
    rv = crypt1(false, m, k, want_ct, &out);
    bool ok = rv == CKR_OK && eq(out.p, out.len, msg->p, msg->len);
    if (!invalid && !ok && valid)
        fprintf(stderr, "decrypt: %s, %zu bytes\n", ch_p11t_rv_name(rv), out.len);
    report(file, tc, "decrypt", invalid ? rv != CKR_OK : (ok || (!valid && rv != CKR_OK)));
    free(out.p);
    if (multi) {
        rv = crypt_multi(false, m, k, want_ct, &out);
        ok = rv == CKR_OK && eq(out.p, out.len, msg->p, msg->len);
        report(file, tc, "multi-part decrypt",
               invalid ? rv != CKR_OK : (ok || (!valid && rv != CKR_OK)));
        free(out.p);
    }
}

static void gcm_case(const char *file, long tc, const char *result, const struct ch_vec_buf *key,
                     const struct ch_vec_buf *iv, const struct ch_vec_buf *aad, const struct ch_vec_buf *msg,
                     const struct ch_vec_buf *ct, const struct ch_vec_buf *tag, long tag_bits)
{
    CK_OBJECT_HANDLE k = import_key(CKK_AES, key);
    if (k == CK_INVALID_HANDLE) {
        report(file, tc, "key import", strcmp(result, "valid") != 0);
        return;
    }
    CK_GCM_PARAMS gp = {iv->p, (CK_ULONG)iv->len, (CK_ULONG)iv->len * 8, aad->p,
                        (CK_ULONG)aad->len, (CK_ULONG)tag_bits};
    CK_MECHANISM m = {CKM_AES_GCM, &gp, sizeof(gp)};
    struct ch_vec_buf want = cat(ct, tag);
    run_cipher(file, tc, result, &m, k, msg, &want, true);
    free(want.p);
    (void)F->C_DestroyObject(S, k);
}

static void run_wycheproof_gcm(const char *file, const cJSON *g)
{
    long tag_bits = num(g, "tagSize");
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(g, "tests"))
    {
        struct ch_vec_buf key = ch_vec_field(t, "key"), iv = ch_vec_field(t, "iv"), aad = ch_vec_field(t, "aad"),
                   msg = ch_vec_field(t, "msg"), ct = ch_vec_field(t, "ct"), tag = ch_vec_field(t, "tag");
        gcm_case(file, num(t, "tcId"), ch_vec_sval(t, "result"), &key, &iv, &aad, &msg, &ct, &tag,
                 tag_bits);
        free(key.p), free(iv.p), free(aad.p), free(msg.p), free(ct.p), free(tag.p);
    }
}

static void run_wycheproof_cbc(const char *file, const cJSON *g)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(g, "tests"))
    {
        long tc = num(t, "tcId");
        struct ch_vec_buf key = ch_vec_field(t, "key"), iv = ch_vec_field(t, "iv"), msg = ch_vec_field(t, "msg"), ct = ch_vec_field(t, "ct");
        CK_OBJECT_HANDLE k = import_key(CKK_AES, &key);
        if (k == CK_INVALID_HANDLE) {
            report(file, tc, "key import", strcmp(ch_vec_sval(t, "result"), "valid") != 0);
        } else {
            CK_MECHANISM m = {CKM_AES_CBC_PAD, iv.p, (CK_ULONG)iv.len};
            run_cipher(file, tc, ch_vec_sval(t, "result"), &m, k, &msg, &ct, true);
            (void)F->C_DestroyObject(S, k);
        }
        free(key.p), free(iv.p), free(msg.p), free(ct.p);
    }
}

static CK_MECHANISM_TYPE hmac_mech(const char *alg, bool general)
{
    static const struct {
        const char *name;
        CK_MECHANISM_TYPE full, gen;
    } t[] = {
        {"HMACSHA1", CKM_SHA_1_HMAC, CKM_SHA_1_HMAC_GENERAL},
        {"HMACSHA224", CKM_SHA224_HMAC, CKM_SHA224_HMAC_GENERAL},
        {"HMACSHA256", CKM_SHA256_HMAC, CKM_SHA256_HMAC_GENERAL},
        {"HMACSHA384", CKM_SHA384_HMAC, CKM_SHA384_HMAC_GENERAL},
        {"HMACSHA512", CKM_SHA512_HMAC, CKM_SHA512_HMAC_GENERAL},
        {"HMACSHA3-224", CKM_SHA3_224_HMAC, CKM_SHA3_224_HMAC_GENERAL},
        {"HMACSHA3-256", CKM_SHA3_256_HMAC, CKM_SHA3_256_HMAC_GENERAL},
        {"HMACSHA3-384", CKM_SHA3_384_HMAC, CKM_SHA3_384_HMAC_GENERAL},
        {"HMACSHA3-512", CKM_SHA3_512_HMAC, CKM_SHA3_512_HMAC_GENERAL},
        {"AES-CMAC", CKM_AES_CMAC, CKM_AES_CMAC_GENERAL},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strcmp(alg, t[i].name) == 0)
            return general ? t[i].gen : t[i].full;
    return CK_UNAVAILABLE_INFORMATION;
}

static void run_mac(const char *file, const char *alg, const cJSON *g)
{
    bool cmac = strcmp(alg, "AES-CMAC") == 0;
    long tag_bytes = num(g, "tagSize") / 8;
    long full = cmac ? 16 : num(g, "keySize") > 0 ? -1 : -1;
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(g, "tests"))
    {
        long tc = num(t, "tcId");
        const char *result = ch_vec_sval(t, "result");
        bool valid = strcmp(result, "valid") == 0, invalid = strcmp(result, "invalid") == 0;
        struct ch_vec_buf key = ch_vec_field(t, "key"), msg = ch_vec_field(t, "msg"), tag = ch_vec_field(t, "tag");
        CK_OBJECT_HANDLE k = import_key(cmac ? CKK_AES : CKK_GENERIC_SECRET, &key);
        if (k == CK_INVALID_HANDLE) {
            report(file, tc, "key import", !valid);
            goto next;
        }
        /* Always the _GENERAL form with the group's tag length; the full-length form too
         * when the tag is untruncated. */
        CK_ULONG mlen = (CK_ULONG)tag_bytes;
        CK_MECHANISM mg = {hmac_mech(alg, true), &mlen, sizeof(mlen)};
        CK_MECHANISM mf = {hmac_mech(alg, false), NULL, 0};
        CK_BYTE sig[128];
        CK_BYTE dummy = 0;
        CK_BYTE *mp = msg.len ? msg.p : &dummy;
        for (int pass = 0; pass < 2; pass++) {
            CK_MECHANISM *m = pass == 0 ? &mg : &mf;
            if (pass == 1) {
                CK_ULONG n = 0;
                /* Full length of the hash: probe with a sign size query. */
                if (F->C_SignInit(S, &mf, k) != CKR_OK || F->C_Sign(S, mp, 0, NULL, &n) != CKR_OK) {
                    report(file, tc, "full-length sign init", !valid);
                    (void)F->C_SignInit(S, NULL, k);
                    break;
                }
                (void)F->C_SignInit(S, NULL, k);
                if ((long)n != tag_bytes)
                    break;
            }
            (void)full;
            CK_ULONG n = sizeof(sig);
            CK_RV rv = F->C_SignInit(S, m, k);
            if (rv == CKR_OK)
                rv = F->C_Sign(S, mp, (CK_ULONG)msg.len, sig, &n);
            bool same = rv == CKR_OK && eq(sig, n, tag.p, tag.len);
            report(file, tc, "sign", invalid ? !same : (same || (!valid && rv != CKR_OK)));
            rv = F->C_VerifyInit(S, m, k);
            if (rv == CKR_OK)
                rv = F->C_Verify(S, mp, (CK_ULONG)msg.len, tag.len ? tag.p : &dummy,
                                 (CK_ULONG)tag.len);
            report(file, tc, "verify", invalid ? rv != CKR_OK : (rv == CKR_OK || !valid));
            /* Multi-part in 5-byte pieces. */
            rv = F->C_VerifyInit(S, m, k);
            for (size_t off = 0; rv == CKR_OK && off < msg.len; off += 5)
                rv = F->C_VerifyUpdate(S, msg.p + off,
                                       (CK_ULONG)(msg.len - off < 5 ? msg.len - off : 5));
            if (rv == CKR_OK)
                rv = F->C_VerifyFinal(S, tag.len ? tag.p : &dummy, (CK_ULONG)tag.len);
            else
                (void)F->C_VerifyInit(S, NULL, k);
            report(file, tc, "multi-part verify",
                   invalid ? rv != CKR_OK : (rv == CKR_OK || !valid));
        }
        (void)F->C_DestroyObject(S, k);
    next:
        free(key.p), free(msg.p), free(tag.p);
    }
}

static bool read_value(CK_OBJECT_HANDLE o, struct ch_vec_buf *out)
{
    CK_ATTRIBUTE a = {CKA_VALUE, NULL, 0};
    out->p = NULL;
    out->len = 0;
    if (F->C_GetAttributeValue(S, o, &a, 1) != CKR_OK)
        return false;
    out->p = malloc(a.ulValueLen + 1);
    a.pValue = out->p;
    if (F->C_GetAttributeValue(S, o, &a, 1) != CKR_OK)
        return false;
    out->len = a.ulValueLen;
    return true;
}

static void run_keywrap(const char *file, bool pad, const cJSON *g)
{
    CK_MECHANISM m = {pad ? CKM_AES_KEY_WRAP_PAD : CKM_AES_KEY_WRAP, NULL, 0};
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(g, "tests"))
    {
        long tc = num(t, "tcId");
        const char *result = ch_vec_sval(t, "result");
        bool valid = strcmp(result, "valid") == 0, invalid = strcmp(result, "invalid") == 0;
        struct ch_vec_buf key = ch_vec_field(t, "key"), msg = ch_vec_field(t, "msg"), ct = ch_vec_field(t, "ct");
        CK_OBJECT_HANDLE k = import_key(CKK_AES, &key);
        if (k == CK_INVALID_HANDLE) {
            report(file, tc, "key import", !valid);
            goto next;
        }
        run_cipher(file, tc, result, &m, k, &msg, &ct, false);
        /* C_WrapKey of msg as a generic secret, C_UnwrapKey of ct. */
        if (!invalid && msg.len > 0) {
            CK_OBJECT_HANDLE mk = import_key(CKK_GENERIC_SECRET, &msg);
            CK_BYTE w[1024];
            CK_ULONG wl = sizeof(w);
            CK_RV rv = F->C_WrapKey(S, &m, k, mk, w, &wl);
            report(file, tc, "C_WrapKey",
                   (rv == CKR_OK && eq(w, wl, ct.p, ct.len)) || (!valid && rv != CKR_OK));
            (void)F->C_DestroyObject(S, mk);
        }
        CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
        CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
        CK_ATTRIBUTE ut[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &kt),
                             ATTR(CKA_TOKEN, &no), ATTR(CKA_EXTRACTABLE, &yes),
                             ATTR(CKA_SENSITIVE, &no)};
        CK_OBJECT_HANDLE u = CK_INVALID_HANDLE;
        CK_BYTE dummy = 0;
        CK_RV rv = F->C_UnwrapKey(S, &m, k, ct.len ? ct.p : &dummy, (CK_ULONG)ct.len, ut, 5, &u);
        if (invalid) {
            report(file, tc, "C_UnwrapKey accepted an invalid ciphertext", rv != CKR_OK);
        } else if (rv == CKR_OK) {
            struct ch_vec_buf v;
            bool ok = read_value(u, &v) && eq(v.p, v.len, msg.p, msg.len);
            report(file, tc, "C_UnwrapKey value", ok);
            free(v.p);
        } else {
            /* An empty key cannot be an object: only then may a valid unwrap fail. */
            report(file, tc, "C_UnwrapKey", !valid || msg.len == 0);
        }
        if (u != CK_INVALID_HANDLE)
            (void)F->C_DestroyObject(S, u);
        (void)F->C_DestroyObject(S, k);
    next:
        free(key.p), free(msg.p), free(ct.p);
    }
}

static void run_hkdf(const char *file, const char *alg, const cJSON *g)
{
    CK_MECHANISM_TYPE h = strcmp(alg, "HKDF-SHA-1") == 0     ? CKM_SHA_1
                          : strcmp(alg, "HKDF-SHA-256") == 0 ? CKM_SHA256
                          : strcmp(alg, "HKDF-SHA-384") == 0 ? CKM_SHA384
                                                             : CKM_SHA512;
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(g, "tests"))
    {
        long tc = num(t, "tcId");
        const char *result = ch_vec_sval(t, "result");
        bool valid = strcmp(result, "valid") == 0, invalid = strcmp(result, "invalid") == 0;
        struct ch_vec_buf ikm = ch_vec_field(t, "ikm"), salt = ch_vec_field(t, "salt"), info = ch_vec_field(t, "info"),
                   okm = ch_vec_field(t, "okm");
        CK_OBJECT_HANDLE k = import_key(CKK_GENERIC_SECRET, &ikm);
        if (k == CK_INVALID_HANDLE) {
            /* A zero-length CKA_VALUE is not a key object here. */
            report(file, tc, "key import", !valid || ikm.len == 0);
            if (ikm.len == 0)
                skipped++;
            goto next;
        }
        CK_HKDF_PARAMS p = {CK_TRUE,
                            CK_TRUE,
                            h,
                            salt.len ? CKF_HKDF_SALT_DATA : CKF_HKDF_SALT_NULL,
                            salt.len ? salt.p : NULL,
                            (CK_ULONG)salt.len,
                            CK_INVALID_HANDLE,
                            info.len ? info.p : NULL,
                            (CK_ULONG)info.len};
        CK_MECHANISM m = {CKM_HKDF_DERIVE, &p, sizeof(p)};
        CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
        CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
        CK_ULONG size = (CK_ULONG)num(t, "size");
        CK_ATTRIBUTE dt[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &kt),
                             ATTR(CKA_VALUE_LEN, &size), ATTR(CKA_TOKEN, &no),
                             ATTR(CKA_EXTRACTABLE, &yes), ATTR(CKA_SENSITIVE, &no)};
        CK_OBJECT_HANDLE d = CK_INVALID_HANDLE;
        CK_RV rv = F->C_DeriveKey(S, &m, k, dt, 6, &d);
        if (rv == CKR_OK) {
            struct ch_vec_buf v;
            bool ok = read_value(d, &v) && eq(v.p, v.len, okm.p, okm.len);
            report(file, tc, "derived value", !invalid && ok);
            free(v.p);
            (void)F->C_DestroyObject(S, d);
        } else {
            report(file, tc, "C_DeriveKey", !valid);
        }
        (void)F->C_DestroyObject(S, k);
    next:
        free(ikm.p), free(salt.p), free(info.p), free(okm.p);
    }
}

/* ---- ACVP AES ------------------------------------------------------------------------------ */

static void run_acvp(const char *file, const char *alg, const cJSON *g)
{
    if (strcmp(ch_vec_sval(g, "testType"), "AFT") != 0) {
        skipped++; /* MCT groups are optional (vectors README) */
        return;
    }
    bool enc = strcmp(ch_vec_sval(g, "direction"), "encrypt") == 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(g, "tests"))
    {
        long tc = num(t, "tcId");
        struct ch_vec_buf key = ch_vec_field(t, "key"), iv = ch_vec_field(t, "iv"), pt = ch_vec_field(t, "pt"), ct = ch_vec_field(t, "ct"),
                   aad = ch_vec_field(t, "aad"), tag = ch_vec_field(t, "tag");
        CK_OBJECT_HANDLE k = import_key(CKK_AES, &key);
        if (k == CK_INVALID_HANDLE) {
            report(file, tc, "key import", false);
            goto next;
        }
        if (strcmp(alg, "ACVP-AES-GCM") == 0) {
            const cJSON *tp = cJSON_GetObjectItemCaseSensitive(t, "testPassed");
            bool pass = !cJSON_IsFalse(tp);
            gcm_case(file, tc, pass ? "valid" : "invalid", &key, &iv, &aad, &pt, &ct, &tag,
                     num(g, "tagLen"));
        } else if (strcmp(alg, "ACVP-AES-CBC") == 0) {
            CK_MECHANISM m = {CKM_AES_CBC, iv.p, (CK_ULONG)iv.len};
            struct ch_vec_buf out;
            CK_RV rv = crypt1(enc, &m, k, enc ? &pt : &ct, &out);
            const struct ch_vec_buf *want = enc ? &ct : &pt;
            report(file, tc, enc ? "CBC encrypt" : "CBC decrypt",
                   rv == CKR_OK && eq(out.p, out.len, want->p, want->len));
            free(out.p);
        } else { /* CTR: compare the first payloadLen bits */
            CK_AES_CTR_PARAMS cp = {128, {0}};
            memcpy(cp.cb, iv.p, iv.len < 16 ? iv.len : 16);
            CK_MECHANISM m = {CKM_AES_CTR, &cp, sizeof(cp)};
            struct ch_vec_buf out;
            long bits = num(t, "payloadLen");
            CK_RV rv = crypt_multi(enc, &m, k, enc ? &pt : &ct, &out);
            const struct ch_vec_buf *want = enc ? &ct : &pt;
            bool ok = rv == CKR_OK && out.len == want->len;
            size_t whole = (size_t)bits / 8;
            if (ok && whole > 0)
                ok = memcmp(out.p, want->p, whole) == 0;
            if (ok && bits % 8) {
                CK_BYTE mask = (CK_BYTE)(0xff00u >> (bits % 8));
                ok = ((out.p[whole] ^ want->p[whole]) & mask) == 0;
            }
            report(file, tc, enc ? "CTR encrypt" : "CTR decrypt", ok);
            free(out.p);
        }
        (void)F->C_DestroyObject(S, k);
    next:
        free(key.p), free(iv.p), free(pt.p), free(ct.p), free(aad.p), free(tag.p);
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
        free(text);
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
    if (ch_p11t_setup(&T, NULL) != 0 || ch_p11t_open(&T, true, CKU_USER, &S) != CKR_OK) {
        fprintf(stderr, "module set-up failed\n");
        cJSON_Delete(root);
        return 1;
    }
    F = T.f;
    const char *file = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
    const char *alg = ch_vec_sval(root, "algorithm");
    int unknown = 0;
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(root, "testGroups"))
    {
        const char *type = ch_vec_sval(g, "type");
        if (strncmp(alg, "ACVP-AES-", 9) == 0)
            run_acvp(file, alg, g);
        else if (strcmp(type, "AeadTest") == 0 && strcmp(alg, "AES-GCM") == 0)
            run_wycheproof_gcm(file, g);
        else if (strcmp(type, "IndCpaTest") == 0 && strcmp(alg, "AES-CBC-PKCS5") == 0)
            run_wycheproof_cbc(file, g);
        else if (strcmp(type, "MacTest") == 0 && hmac_mech(alg, true) != CK_UNAVAILABLE_INFORMATION)
            run_mac(file, alg, g);
        else if (strcmp(type, "KeywrapTest") == 0)
            run_keywrap(file, strcmp(alg, "AES-KWP") == 0, g);
        else if (strcmp(type, "HkdfTest") == 0)
            run_hkdf(file, alg, g);
        else
            unknown++;
    }
    printf("%s: %d checks passed, %d failed, %d skipped, %d unknown groups\n", file, passed,
           failures, skipped, unknown);
    (void)F->C_CloseSession(S);
    ch_p11t_teardown(&T);
    cJSON_Delete(root);
    return failures == 0 && unknown == 0 && passed > 0 ? 0 : 1;
}
