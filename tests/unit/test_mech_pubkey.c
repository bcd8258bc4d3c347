/* SPDX-License-Identifier: Apache-2.0 */
/* Public-key mechanisms (src/mech/mech_rsa.c, mech_ec.c, mech_eddsa.c, src/crypto/crypto_pkey*.c)
 * through the exported PKCS#11 ABI of the dlopen'ed module: key generation of every type,
 * sign/verify single and multi-part, sign-recover/verify-recover, OAEP with a label, the
 * two-call size convention, ECDH/X25519, RSA wrapping of secret keys, AES-KWP wrapping of
 * private keys as PKCS#8, and the refusals (wrong key type, bad
 * PSS parameters, SHA-1 signing, weak RSA, invalid imported points and RSA parts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "craton_hsm/craton_hsm.h"
#include "p11_test.h"

static struct ch_p11t T;
static CK_FUNCTION_LIST_3_0 *F;
static CK_SESSION_HANDLE S;
static CK_OBJECT_HANDLE rsa_pub, rsa_priv; /* one RSA-2048 pair for the whole run */

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static const CK_BYTE p256_oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const CK_BYTE p384_oid[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
static const CK_BYTE p521_oid[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
static const CK_BYTE ed25519_oid[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static const CK_BYTE ed448_oid[] = {0x06, 0x03, 0x2b, 0x65, 0x71};
static const CK_BYTE x25519_oid[] = {0x06, 0x03, 0x2b, 0x65, 0x6e};
static const CK_BYTE x448_oid[] = {0x06, 0x03, 0x2b, 0x65, 0x6f};
static const CK_BYTE p256_name[] = "\x13\x0aprime256v1";
static CK_BYTE msg[] = "The quick brown fox jumps over the lazy dog";

#define ATTR(t, v) {(t), (void *)(v), sizeof(*(v))}
#define ATTRN(t, v, n) {(t), (void *)(v), (CK_ULONG)(n)}

static void gen_rsa(CK_ULONG bits, CK_RV want, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
    CK_MECHANISM m = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
    CK_BYTE e[] = {1, 0, 1};
    CK_ATTRIBUTE pt[] = {ATTR(CKA_MODULUS_BITS, &bits), ATTRN(CKA_PUBLIC_EXPONENT, e, 3),
                         ATTR(CKA_VERIFY, &yes), ATTR(CKA_ENCRYPT, &yes), ATTR(CKA_WRAP, &yes),
                         ATTR(CKA_VERIFY_RECOVER, &yes)};
    CK_ATTRIBUTE vt[] = {ATTR(CKA_SIGN, &yes), ATTR(CKA_DECRYPT, &yes), ATTR(CKA_UNWRAP, &yes),
                         ATTR(CKA_SIGN_RECOVER, &yes)};
    assert_int_equal(F->C_GenerateKeyPair(S, &m, pt, 6, vt, 4, pub, priv), want);
}

static void gen_curve(CK_MECHANISM_TYPE mech, const CK_BYTE *params, size_t plen, bool derive,
                      CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
    CK_MECHANISM m = {mech, NULL, 0};
    CK_ATTRIBUTE pt[] = {ATTRN(CKA_EC_PARAMS, params, plen), ATTR(CKA_VERIFY, &yes)};
    CK_ATTRIBUTE vt[] = {ATTR(derive ? CKA_DERIVE : CKA_SIGN, &yes)};
    assert_int_equal(F->C_GenerateKeyPair(S, &m, pt, 2, vt, 1, pub, priv), CKR_OK);
}

static CK_ULONG attr_len(CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t)
{
    CK_ATTRIBUTE a = {t, NULL, 0};
    if (F->C_GetAttributeValue(S, o, &a, 1) != CKR_OK)
        return 0;
    return a.ulValueLen;
}

static void get_attr(CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t, CK_BYTE *buf, CK_ULONG *len)
{
    CK_ATTRIBUTE a = {t, buf, *len};
    assert_int_equal(F->C_GetAttributeValue(S, o, &a, 1), CKR_OK);
    *len = a.ulValueLen;
}

/* Sign then verify (single-part), and a flipped signature must fail. Returns the sig length. */
static CK_ULONG sign_verify(CK_MECHANISM *m, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub,
                            CK_BYTE *data, CK_ULONG dlen)
{
    CK_BYTE sig[1024];
    CK_ULONG sl = 0;
    assert_int_equal(F->C_SignInit(S, m, priv), CKR_OK);
    assert_int_equal(F->C_Sign(S, data, dlen, NULL, &sl), CKR_OK); /* size query */
    assert_true(sl > 0 && sl <= sizeof(sig));
    CK_ULONG need = sl;
    sl = need - 1;
    assert_int_equal(F->C_Sign(S, data, dlen, sig, &sl), CKR_BUFFER_TOO_SMALL);
    assert_int_equal(sl, need);
    assert_int_equal(F->C_Sign(S, data, dlen, sig, &sl), CKR_OK);
    assert_int_equal(F->C_VerifyInit(S, m, pub), CKR_OK);
    assert_int_equal(F->C_Verify(S, data, dlen, sig, sl), CKR_OK);
    sig[sl / 2] ^= 0x01;
    assert_int_equal(F->C_VerifyInit(S, m, pub), CKR_OK);
    assert_int_equal(F->C_Verify(S, data, dlen, sig, sl), CKR_SIGNATURE_INVALID);
    return sl;
}

/* Multi-part sign, single-part verify and vice versa. */
static void sign_verify_multi(CK_MECHANISM *m, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub)
{
    CK_BYTE sig[1024];
    CK_ULONG sl = sizeof(sig);
    CK_ULONG half = sizeof(msg) / 2;
    assert_int_equal(F->C_SignInit(S, m, priv), CKR_OK);
    assert_int_equal(F->C_SignUpdate(S, msg, half), CKR_OK);
    assert_int_equal(F->C_SignUpdate(S, msg + half, sizeof(msg) - half), CKR_OK);
    CK_ULONG q = 0;
    assert_int_equal(F->C_SignFinal(S, NULL, &q), CKR_OK);
    assert_true(q <= sl);
    assert_int_equal(F->C_SignFinal(S, sig, &sl), CKR_OK);
    assert_int_equal(F->C_VerifyInit(S, m, pub), CKR_OK);
    assert_int_equal(F->C_Verify(S, msg, sizeof(msg), sig, sl), CKR_OK);
    assert_int_equal(F->C_VerifyInit(S, m, pub), CKR_OK);
    assert_int_equal(F->C_VerifyUpdate(S, msg, 3), CKR_OK);
    assert_int_equal(F->C_VerifyUpdate(S, msg + 3, sizeof(msg) - 3), CKR_OK);
    assert_int_equal(F->C_VerifyFinal(S, sig, sl), CKR_OK);
    assert_int_equal(F->C_VerifyInit(S, m, pub), CKR_OK);
    assert_int_equal(F->C_VerifyUpdate(S, msg, 3), CKR_OK);
    assert_int_equal(F->C_VerifyFinal(S, sig, sl), CKR_SIGNATURE_INVALID);
}

static int setup(void **state)
{
    (void)state;
    if (ch_p11t_setup(&T, NULL) != 0)
        return -1;
    F = T.f;
    if (ch_p11t_open(&T, true, CKU_USER, &S) != CKR_OK)
        return -1;
    CK_MECHANISM m = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
    CK_ULONG bits = 2048;
    CK_ATTRIBUTE pt[] = {ATTR(CKA_MODULUS_BITS, &bits), ATTR(CKA_WRAP, &yes),
                         ATTR(CKA_VERIFY_RECOVER, &yes)};
    CK_ATTRIBUTE vt[] = {ATTR(CKA_UNWRAP, &yes), ATTR(CKA_SIGN_RECOVER, &yes)};
    return F->C_GenerateKeyPair(S, &m, pt, 3, vt, 2, &rsa_pub, &rsa_priv) == CKR_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ch_p11t_teardown(&T);
    return 0;
}

/* ---- key generation ----------------------------------------------------------------------- */

static void test_keygen_rsa(void **state)
{
    (void)state;
    CK_BYTE buf[600];
    CK_ULONG l = sizeof(buf);
    get_attr(rsa_pub, CKA_MODULUS, buf, &l);
    assert_int_equal(l, 256);
    assert_true(buf[0] & 0x80);
    l = sizeof(buf);
    get_attr(rsa_pub, CKA_PUBLIC_EXPONENT, buf, &l);
    assert_int_equal(l, 3);
    assert_true(attr_len(rsa_pub, CKA_PUBLIC_KEY_INFO) > 256);
    CK_ULONG kt = 0;
    l = sizeof(kt);
    get_attr(rsa_priv, CKA_KEY_TYPE, (CK_BYTE *)&kt, &l);
    assert_int_equal(kt, CKK_RSA);
    CK_BBOOL local = CK_FALSE;
    l = 1;
    get_attr(rsa_priv, CKA_LOCAL, &local, &l);
    assert_true(local);
    /* Private parts are sensitive by default. */
    CK_ATTRIBUTE a = {CKA_PRIME_1, buf, sizeof(buf)};
    assert_int_equal(F->C_GetAttributeValue(S, rsa_priv, &a, 1), CKR_ATTRIBUTE_SENSITIVE);
}

static void test_keygen_rsa_weak_refused(void **state)
{
    (void)state;
    CK_OBJECT_HANDLE pub = 0, priv = 0;
    gen_rsa(1024, CKR_KEY_SIZE_RANGE, &pub, &priv);
    CK_MECHANISM m = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pt[] = {ATTR(CKA_VERIFY, &yes)}; /* no CKA_MODULUS_BITS */
    assert_int_equal(F->C_GenerateKeyPair(S, &m, pt, 1, NULL, 0, &pub, &priv),
                     CKR_TEMPLATE_INCOMPLETE);
    /* e = 3 and even exponents are refused (FIPS 186-5: odd, 2^16 < e < 2^256). */
    CK_ULONG bits = 2048;
    static CK_BYTE e3[] = {3}, e_even[] = {1, 0, 0}, e_big[33] = {1, [32] = 1};
    CK_BYTE *es[] = {e3, e_even, e_big};
    CK_ULONG el[] = {1, 3, 33};
    for (int i = 0; i < 3; i++) {
        CK_ATTRIBUTE et[] = {ATTR(CKA_MODULUS_BITS, &bits), ATTRN(CKA_PUBLIC_EXPONENT, es[i], el[i])};
        assert_int_equal(F->C_GenerateKeyPair(S, &m, et, 2, NULL, 0, &pub, &priv),
                         CKR_ATTRIBUTE_VALUE_INVALID);
    }
    /* The boundary: 65537 given explicitly (as pkcs11-tool and Java do) is accepted, also with
     * a leading zero byte. */
    static CK_BYTE f4[] = {1, 0, 1}, f4z[] = {0, 1, 0, 1};
    CK_ATTRIBUTE ok1[] = {ATTR(CKA_MODULUS_BITS, &bits), ATTRN(CKA_PUBLIC_EXPONENT, f4, 3)};
    assert_int_equal(F->C_GenerateKeyPair(S, &m, ok1, 2, NULL, 0, &pub, &priv), CKR_OK);
    CK_ATTRIBUTE ok2[] = {ATTR(CKA_MODULUS_BITS, &bits), ATTRN(CKA_PUBLIC_EXPONENT, f4z, 4)};
    assert_int_equal(F->C_GenerateKeyPair(S, &m, ok2, 2, NULL, 0, &pub, &priv), CKR_OK);
}

static void test_keygen_curves(void **state)
{
    (void)state;
    static const struct {
        CK_MECHANISM_TYPE mech;
        const CK_BYTE *oid;
        size_t len;
        CK_ULONG point_len; /* DER OCTET STRING */
    } c[] = {
        {CKM_EC_KEY_PAIR_GEN, p256_oid, sizeof(p256_oid), 2 + 65},
        {CKM_EC_KEY_PAIR_GEN, p384_oid, sizeof(p384_oid), 2 + 97},
        {CKM_EC_KEY_PAIR_GEN, p521_oid, sizeof(p521_oid), 3 + 133},
        {CKM_EC_KEY_PAIR_GEN, p256_name, sizeof(p256_name) - 1, 2 + 65},
        {CKM_EC_EDWARDS_KEY_PAIR_GEN, ed25519_oid, sizeof(ed25519_oid), 2 + 32},
        {CKM_EC_EDWARDS_KEY_PAIR_GEN, ed448_oid, sizeof(ed448_oid), 2 + 57},
        {CKM_EC_MONTGOMERY_KEY_PAIR_GEN, x25519_oid, sizeof(x25519_oid), 2 + 32},
        {CKM_EC_MONTGOMERY_KEY_PAIR_GEN, x448_oid, sizeof(x448_oid), 2 + 56},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        CK_OBJECT_HANDLE pub, priv;
        gen_curve(c[i].mech, c[i].oid, c[i].len, c[i].mech == CKM_EC_MONTGOMERY_KEY_PAIR_GEN,
                  &pub, &priv);
        CK_BYTE pt[200];
        CK_ULONG l = sizeof(pt);
        get_attr(pub, CKA_EC_POINT, pt, &l);
        assert_int_equal(l, c[i].point_len);
        assert_int_equal(pt[0], 0x04);
        assert_true(attr_len(pub, CKA_PUBLIC_KEY_INFO) > 30);
        assert_int_equal(attr_len(priv, CKA_EC_PARAMS), c[i].len);
    }
    /* Unknown curve; Edwards curve for EC generation. */
    CK_OBJECT_HANDLE pub, priv;
    CK_MECHANISM m = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    static const CK_BYTE bogus[] = {0x06, 0x03, 0x2b, 0x65, 0x7f};
    CK_ATTRIBUTE pt[] = {ATTRN(CKA_EC_PARAMS, bogus, sizeof(bogus))};
    assert_int_equal(F->C_GenerateKeyPair(S, &m, pt, 1, NULL, 0, &pub, &priv),
                     CKR_CURVE_NOT_SUPPORTED);
    CK_ATTRIBUTE pt2[] = {ATTRN(CKA_EC_PARAMS, ed25519_oid, sizeof(ed25519_oid))};
    assert_int_equal(F->C_GenerateKeyPair(S, &m, pt2, 1, NULL, 0, &pub, &priv),
                     CKR_CURVE_NOT_SUPPORTED);
}

/* ---- signatures --------------------------------------------------------------------------- */

static void test_rsa_sign(void **state)
{
    (void)state;
    CK_MECHANISM m = {CKM_SHA256_RSA_PKCS, NULL, 0};
    assert_int_equal(sign_verify(&m, rsa_priv, rsa_pub, msg, sizeof(msg)), 256);
    sign_verify_multi(&m, rsa_priv, rsa_pub);
    CK_MECHANISM m3 = {CKM_SHA3_256_RSA_PKCS, NULL, 0};
    sign_verify_multi(&m3, rsa_priv, rsa_pub);
    CK_RSA_PKCS_PSS_PARAMS pss = {CKM_SHA256, CKG_MGF1_SHA256, 32};
    CK_MECHANISM mp = {CKM_SHA256_RSA_PKCS_PSS, &pss, sizeof(pss)};
    sign_verify(&mp, rsa_priv, rsa_pub, msg, sizeof(msg));
    sign_verify_multi(&mp, rsa_priv, rsa_pub);
    /* Raw PSS signs a hash of the parameter's length. */
    CK_BYTE h[32] = {1, 2, 3};
    CK_MECHANISM mr = {CKM_RSA_PKCS_PSS, &pss, sizeof(pss)};
    sign_verify(&mr, rsa_priv, rsa_pub, h, sizeof(h));
    CK_BYTE sig[256];
    CK_ULONG sl = sizeof(sig);
    assert_int_equal(F->C_SignInit(S, &mr, rsa_priv), CKR_OK);
    assert_int_equal(F->C_Sign(S, h, 20, sig, &sl), CKR_DATA_LEN_RANGE);
    /* Raw PKCS#1 and X.509 single-part only. */
    CK_MECHANISM m1 = {CKM_RSA_PKCS, NULL, 0};
    sign_verify(&m1, rsa_priv, rsa_pub, msg, sizeof(msg));
    assert_int_equal(F->C_SignInit(S, &m1, rsa_priv), CKR_OK);
    assert_int_not_equal(F->C_SignUpdate(S, msg, 4), CKR_OK);
    CK_MECHANISM mx = {CKM_RSA_X_509, NULL, 0};
    sign_verify(&mx, rsa_priv, rsa_pub, msg, sizeof(msg));
}

static void test_ec_sign(void **state)
{
    (void)state;
    static const struct {
        const CK_BYTE *oid;
        size_t len;
        CK_ULONG sig;
    } c[] = {{p256_oid, sizeof(p256_oid), 64}, {p384_oid, sizeof(p384_oid), 96},
             {p521_oid, sizeof(p521_oid), 132}};
    for (size_t i = 0; i < 3; i++) {
        CK_OBJECT_HANDLE pub, priv;
        gen_curve(CKM_EC_KEY_PAIR_GEN, c[i].oid, c[i].len, false, &pub, &priv);
        CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
        assert_int_equal(sign_verify(&m, priv, pub, msg, sizeof(msg)), c[i].sig);
        sign_verify_multi(&m, priv, pub);
        CK_MECHANISM m3 = {CKM_ECDSA_SHA3_384, NULL, 0};
        sign_verify_multi(&m3, priv, pub);
        CK_BYTE h[48] = {9, 8, 7};
        CK_MECHANISM mr = {CKM_ECDSA, NULL, 0};
        sign_verify(&mr, priv, pub, h, sizeof(h));
        /* A wrong-length signature is a length error, not just invalid. */
        CK_BYTE sig[200] = {0};
        assert_int_equal(F->C_VerifyInit(S, &mr, pub), CKR_OK);
        assert_int_equal(F->C_Verify(S, h, sizeof(h), sig, c[i].sig - 1), CKR_SIGNATURE_LEN_RANGE);
    }
}

static void test_eddsa_sign(void **state)
{
    (void)state;
    CK_OBJECT_HANDLE pub, priv;
    CK_MECHANISM m = {CKM_EDDSA, NULL, 0};
    gen_curve(CKM_EC_EDWARDS_KEY_PAIR_GEN, ed25519_oid, sizeof(ed25519_oid), false, &pub, &priv);
    assert_int_equal(sign_verify(&m, priv, pub, msg, sizeof(msg)), 64);
    CK_EDDSA_PARAMS pure = {CK_FALSE, 0, NULL};
    CK_MECHANISM mp = {CKM_EDDSA, &pure, sizeof(pure)};
    sign_verify(&mp, priv, pub, msg, sizeof(msg));
    CK_EDDSA_PARAMS ph = {CK_TRUE, 0, NULL}; /* Ed25519ph: not offered (OpenSSL 3.0) */
    CK_MECHANISM mph = {CKM_EDDSA, &ph, sizeof(ph)};
    assert_int_equal(F->C_SignInit(S, &mph, priv), CKR_MECHANISM_PARAM_INVALID);
    assert_int_equal(F->C_SignInit(S, &m, priv), CKR_OK);
    assert_int_not_equal(F->C_SignUpdate(S, msg, 3), CKR_OK); /* single-part only */
    gen_curve(CKM_EC_EDWARDS_KEY_PAIR_GEN, ed448_oid, sizeof(ed448_oid), false, &pub, &priv);
    assert_int_equal(sign_verify(&m, priv, pub, msg, sizeof(msg)), 114);
}

static void test_recover(void **state)
{
    (void)state;
    CK_BYTE sig[256], out[256];
    CK_ULONG sl = sizeof(sig), ol = 0;
    CK_MECHANISM m = {CKM_RSA_PKCS, NULL, 0};
    assert_int_equal(F->C_SignRecoverInit(S, &m, rsa_priv), CKR_OK);
    assert_int_equal(F->C_SignRecover(S, msg, sizeof(msg), sig, &sl), CKR_OK);
    assert_int_equal(sl, 256);
    assert_int_equal(F->C_VerifyRecoverInit(S, &m, rsa_pub), CKR_OK);
    assert_int_equal(F->C_VerifyRecover(S, sig, sl, NULL, &ol), CKR_OK);
    assert_true(ol >= sizeof(msg));
    ol = 4;
    assert_int_equal(F->C_VerifyRecover(S, sig, sl, out, &ol), CKR_BUFFER_TOO_SMALL);
    assert_int_equal(ol, sizeof(msg));
    assert_int_equal(F->C_VerifyRecover(S, sig, sl, out, &ol), CKR_OK);
    assert_int_equal(ol, sizeof(msg));
    assert_memory_equal(out, msg, sizeof(msg));
    /* Raw X.509: the recovered block is the zero-extended input. */
    CK_MECHANISM mx = {CKM_RSA_X_509, NULL, 0};
    sl = sizeof(sig);
    assert_int_equal(F->C_SignRecoverInit(S, &mx, rsa_priv), CKR_OK);
    assert_int_equal(F->C_SignRecover(S, msg, sizeof(msg), sig, &sl), CKR_OK);
    ol = sizeof(out);
    assert_int_equal(F->C_VerifyRecoverInit(S, &mx, rsa_pub), CKR_OK);
    assert_int_equal(F->C_VerifyRecover(S, sig, sl, out, &ol), CKR_OK);
    assert_int_equal(ol, 256);
    assert_memory_equal(out + 256 - sizeof(msg), msg, sizeof(msg));
    /* A corrupted signature does not recover. */
    sig[10] ^= 0x40;
    sl = 256;
    ol = sizeof(out);
    assert_int_equal(F->C_VerifyRecoverInit(S, &m, rsa_pub), CKR_OK);
    assert_int_equal(F->C_VerifyRecover(S, sig, sl, out, &ol), CKR_SIGNATURE_INVALID);
}

/* ---- encryption --------------------------------------------------------------------------- */

static void enc_dec(CK_MECHANISM *m, CK_BYTE *pt, CK_ULONG pl)
{
    CK_BYTE ct[256], out[256];
    CK_ULONG cl = 0, ol = 0;
    assert_int_equal(F->C_EncryptInit(S, m, rsa_pub), CKR_OK);
    assert_int_equal(F->C_Encrypt(S, pt, pl, NULL, &cl), CKR_OK);
    assert_int_equal(cl, 256);
    assert_int_equal(F->C_Encrypt(S, pt, pl, ct, &cl), CKR_OK);
    assert_int_equal(F->C_DecryptInit(S, m, rsa_priv), CKR_OK);
    assert_int_equal(F->C_Decrypt(S, ct, cl, NULL, &ol), CKR_OK);
    assert_true(ol >= pl);
    ol = sizeof(out);
    assert_int_equal(F->C_Decrypt(S, ct, cl, out, &ol), CKR_OK);
    assert_int_equal(ol, m->mechanism == CKM_RSA_X_509 ? 256 : pl);
    assert_memory_equal(out + ol - pl, pt, pl);
}

static void test_encrypt(void **state)
{
    (void)state;
    CK_MECHANISM m = {CKM_RSA_PKCS, NULL, 0};
    enc_dec(&m, msg, sizeof(msg));
    CK_MECHANISM mx = {CKM_RSA_X_509, NULL, 0};
    enc_dec(&mx, msg, sizeof(msg));
    CK_BYTE label[] = "label";
    CK_RSA_PKCS_OAEP_PARAMS o = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, label, 5};
    CK_MECHANISM mo = {CKM_RSA_PKCS_OAEP, &o, sizeof(o)};
    enc_dec(&mo, msg, sizeof(msg));
    CK_RSA_PKCS_OAEP_PARAMS o2 = {CKM_SHA384, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, NULL, 0};
    CK_MECHANISM mo2 = {CKM_RSA_PKCS_OAEP, &o2, sizeof(o2)};
    enc_dec(&mo2, msg, 10);

    /* Wrong label, corrupted PKCS#1 ciphertext: one uniform error. */
    CK_BYTE ct[256], out[256];
    CK_ULONG cl = sizeof(ct), ol = sizeof(out);
    assert_int_equal(F->C_EncryptInit(S, &mo, rsa_pub), CKR_OK);
    assert_int_equal(F->C_Encrypt(S, msg, sizeof(msg), ct, &cl), CKR_OK);
    label[0] = 'L';
    assert_int_equal(F->C_DecryptInit(S, &mo, rsa_priv), CKR_OK);
    assert_int_equal(F->C_Decrypt(S, ct, cl, out, &ol), CKR_ENCRYPTED_DATA_INVALID);
    cl = sizeof(ct);
    assert_int_equal(F->C_EncryptInit(S, &m, rsa_pub), CKR_OK);
    assert_int_equal(F->C_Encrypt(S, msg, sizeof(msg), ct, &cl), CKR_OK);
    ct[5] ^= 1;
    ol = sizeof(out);
    assert_int_equal(F->C_DecryptInit(S, &m, rsa_priv), CKR_OK);
    assert_int_equal(F->C_Decrypt(S, ct, cl, out, &ol), CKR_ENCRYPTED_DATA_INVALID);
    /* Too long for PKCS#1 v1.5 (k - 11). */
    CK_BYTE big[246] = {0};
    cl = sizeof(ct);
    assert_int_equal(F->C_EncryptInit(S, &m, rsa_pub), CKR_OK);
    assert_int_equal(F->C_Encrypt(S, big, sizeof(big), ct, &cl), CKR_DATA_LEN_RANGE);
}

/* ---- refusals ----------------------------------------------------------------------------- */

static void test_refusals(void **state)
{
    (void)state;
    CK_MECHANISM ec = {CKM_ECDSA, NULL, 0};
    assert_int_equal(F->C_SignInit(S, &ec, rsa_priv), CKR_KEY_TYPE_INCONSISTENT);
    CK_OBJECT_HANDLE pub, priv;
    gen_curve(CKM_EC_KEY_PAIR_GEN, p256_oid, sizeof(p256_oid), false, &pub, &priv);
    CK_MECHANISM rs = {CKM_SHA256_RSA_PKCS, NULL, 0};
    assert_int_equal(F->C_SignInit(S, &rs, priv), CKR_KEY_TYPE_INCONSISTENT);

    /* PSS: hash different from the mechanism's, unknown MGF, salt too long, wrong length. */
    CK_RSA_PKCS_PSS_PARAMS p1 = {CKM_SHA384, CKG_MGF1_SHA256, 32};
    CK_MECHANISM m1 = {CKM_SHA256_RSA_PKCS_PSS, &p1, sizeof(p1)};
    assert_int_equal(F->C_SignInit(S, &m1, rsa_priv), CKR_MECHANISM_PARAM_INVALID);
    CK_RSA_PKCS_PSS_PARAMS p2 = {CKM_SHA256, 0x99, 32};
    CK_MECHANISM m2 = {CKM_SHA256_RSA_PKCS_PSS, &p2, sizeof(p2)};
    assert_int_equal(F->C_SignInit(S, &m2, rsa_priv), CKR_MECHANISM_PARAM_INVALID);
    CK_RSA_PKCS_PSS_PARAMS p3 = {CKM_SHA256, CKG_MGF1_SHA256, 223};
    CK_MECHANISM m3 = {CKM_SHA256_RSA_PKCS_PSS, &p3, sizeof(p3)};
    assert_int_equal(F->C_SignInit(S, &m3, rsa_priv), CKR_MECHANISM_PARAM_INVALID);
    p3.sLen = 222; /* emLen 256 = 32 + 222 + 2: the largest salt */
    assert_int_equal(F->C_SignInit(S, &m3, rsa_priv), CKR_OK);
    assert_int_equal(F->C_SignInit(S, NULL, rsa_priv), CKR_OK); /* ends it */
    CK_MECHANISM m4 = {CKM_SHA256_RSA_PKCS_PSS, &p1, sizeof(p1) - 1};
    assert_int_equal(F->C_SignInit(S, &m4, rsa_priv), CKR_MECHANISM_PARAM_INVALID);
    CK_MECHANISM m5 = {CKM_SHA256_RSA_PKCS, &p1, sizeof(p1)};
    assert_int_equal(F->C_SignInit(S, &m5, rsa_priv), CKR_MECHANISM_PARAM_INVALID);

    /* SHA-1 signing refused by default, SHA-1 verification allowed. */
    CK_MECHANISM s1 = {CKM_SHA1_RSA_PKCS, NULL, 0};
    assert_int_equal(F->C_SignInit(S, &s1, rsa_priv), CKR_MECHANISM_INVALID);
    assert_int_equal(F->C_VerifyInit(S, &s1, rsa_pub), CKR_OK);
    CK_BYTE sig[256] = {0};
    assert_int_equal(F->C_Verify(S, msg, sizeof(msg), sig, sizeof(sig)), CKR_SIGNATURE_INVALID);
    CK_MECHANISM e1 = {CKM_ECDSA_SHA1, NULL, 0};
    assert_int_equal(F->C_SignInit(S, &e1, priv), CKR_MECHANISM_INVALID);
}

/* ---- import ------------------------------------------------------------------------------- */

static CK_RV import_ec_pub(const CK_BYTE *point, CK_ULONG len, CK_OBJECT_HANDLE *h)
{
    CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
    CK_KEY_TYPE kt = CKK_EC;
    CK_ATTRIBUTE t[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &kt),
                        ATTRN(CKA_EC_PARAMS, p256_oid, sizeof(p256_oid)),
                        ATTRN(CKA_EC_POINT, point, len), ATTR(CKA_VERIFY, &yes)};
    return F->C_CreateObject(S, t, 5, h);
}

static void test_import(void **state)
{
    (void)state;
    CK_OBJECT_HANDLE pub, priv, h;
    gen_curve(CKM_EC_KEY_PAIR_GEN, p256_oid, sizeof(p256_oid), false, &pub, &priv);
    CK_BYTE pt[80];
    CK_ULONG l = sizeof(pt);
    get_attr(pub, CKA_EC_POINT, pt, &l);
    /* DER form and raw form are both accepted and verify a signature of the generated key. */
    assert_int_equal(import_ec_pub(pt, l, &h), CKR_OK);
    assert_int_equal(import_ec_pub(pt + 2, l - 2, &h), CKR_OK);
    CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
    sign_verify(&m, priv, h, msg, sizeof(msg));
    /* Off the curve, truncated, the point at infinity: refused. */
    pt[l - 1] ^= 1;
    assert_int_equal(import_ec_pub(pt, l, &h), CKR_ATTRIBUTE_VALUE_INVALID);
    pt[l - 1] ^= 1;
    assert_int_equal(import_ec_pub(pt + 2, l - 3, &h), CKR_ATTRIBUTE_VALUE_INVALID);
    CK_BYTE inf[] = {0x04, 0x01, 0x00};
    assert_int_equal(import_ec_pub(inf, sizeof(inf), &h), CKR_ATTRIBUTE_VALUE_INVALID);

    /* RSA: a public key is accepted; a private key whose parts disagree is not. */
    CK_BYTE n[256], e[3];
    CK_ULONG nl = sizeof(n), el = sizeof(e);
    get_attr(rsa_pub, CKA_MODULUS, n, &nl);
    get_attr(rsa_pub, CKA_PUBLIC_EXPONENT, e, &el);
    CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
    CK_KEY_TYPE kt = CKK_RSA;
    CK_ATTRIBUTE rt[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &kt), ATTRN(CKA_MODULUS, n, nl),
                         ATTRN(CKA_PUBLIC_EXPONENT, e, el)};
    assert_int_equal(F->C_CreateObject(S, rt, 4, &h), CKR_OK);
    CK_OBJECT_CLASS pc = CKO_PRIVATE_KEY;
    CK_BYTE d[256];
    memset(d, 0x33, sizeof(d));
    CK_BYTE p[128], q[128];
    memset(p, 0xf1, sizeof(p));
    memset(q, 0xe3, sizeof(q));
    CK_ATTRIBUTE bad[] = {ATTR(CKA_CLASS, &pc),          ATTR(CKA_KEY_TYPE, &kt),
                          ATTRN(CKA_MODULUS, n, nl),      ATTRN(CKA_PUBLIC_EXPONENT, e, el),
                          ATTRN(CKA_PRIVATE_EXPONENT, d, sizeof(d)), ATTRN(CKA_PRIME_1, p, 128),
                          ATTRN(CKA_PRIME_2, q, 128),     ATTRN(CKA_EXPONENT_1, p, 128),
                          ATTRN(CKA_EXPONENT_2, q, 128),  ATTRN(CKA_COEFFICIENT, p, 128),
                          ATTR(CKA_SENSITIVE, &no)};
    assert_int_equal(F->C_CreateObject(S, bad, 11, &h), CKR_ATTRIBUTE_VALUE_INVALID);
    /* Without CRT parts, a wrong d fails the round-trip check. */
    assert_int_equal(F->C_CreateObject(S, bad, 5, &h), CKR_ATTRIBUTE_VALUE_INVALID);
    /* Ed25519 public key of a wrong length. */
    CK_KEY_TYPE ed = CKK_EC_EDWARDS;
    CK_BYTE edpt[33] = {0};
    CK_ATTRIBUTE et[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &ed),
                         ATTRN(CKA_EC_PARAMS, ed25519_oid, sizeof(ed25519_oid)),
                         ATTRN(CKA_EC_POINT, edpt, sizeof(edpt))};
    assert_int_equal(F->C_CreateObject(S, et, 4, &h), CKR_ATTRIBUTE_VALUE_INVALID);
}

/* ---- derivation and wrapping -------------------------------------------------------------- */

static CK_OBJECT_HANDLE derive(CK_OBJECT_HANDLE priv, CK_EC_KDF_TYPE kdf, CK_BYTE *peer,
                               CK_ULONG pl, CK_ULONG len, CK_RV want)
{
    CK_ECDH1_DERIVE_PARAMS p = {kdf, 0, NULL, pl, peer};
    CK_MECHANISM m = {CKM_ECDH1_DERIVE, &p, sizeof(p)};
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    CK_ATTRIBUTE t[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &kt), ATTR(CKA_SENSITIVE, &no),
                        ATTR(CKA_EXTRACTABLE, &yes), ATTR(CKA_VALUE_LEN, &len)};
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    assert_int_equal(F->C_DeriveKey(S, &m, priv, t, 5, &h), want);
    return h;
}

static void check_agreement(CK_MECHANISM_TYPE gen, const CK_BYTE *oid, size_t ol, CK_ULONG zlen)
{
    CK_OBJECT_HANDLE pa, va, pb, vb;
    gen_curve(gen, oid, ol, true, &pa, &va);
    gen_curve(gen, oid, ol, true, &pb, &vb);
    CK_BYTE a[200], b[200], ka[100], kb[100];
    CK_ULONG al = sizeof(a), bl = sizeof(b), kal = sizeof(ka), kbl = sizeof(kb);
    get_attr(pa, CKA_EC_POINT, a, &al);
    get_attr(pb, CKA_EC_POINT, b, &bl);
    CK_OBJECT_HANDLE x = derive(va, CKD_NULL, b, bl, zlen, CKR_OK);
    CK_OBJECT_HANDLE y = derive(vb, CKD_NULL, a + 2, al - 2, zlen, CKR_OK); /* raw form */
    get_attr(x, CKA_VALUE, ka, &kal);
    get_attr(y, CKA_VALUE, kb, &kbl);
    assert_int_equal(kal, zlen);
    assert_int_equal(kbl, zlen);
    assert_memory_equal(ka, kb, zlen);
    x = derive(va, CKD_SHA256_KDF, b, bl, 40, CKR_OK);
    y = derive(vb, CKD_SHA256_KDF, a, al, 40, CKR_OK);
    kal = kbl = sizeof(ka);
    get_attr(x, CKA_VALUE, ka, &kal);
    get_attr(y, CKA_VALUE, kb, &kbl);
    assert_int_equal(kal, 40);
    assert_memory_equal(ka, kb, 40);
    /* CKD_NULL cannot make more than Z; a bad peer point is a parameter error. */
    (void)derive(va, CKD_NULL, b, bl, zlen + 1, CKR_TEMPLATE_INCONSISTENT);
    b[bl - 1] ^= 1;
    if (gen == CKM_EC_KEY_PAIR_GEN)
        (void)derive(va, CKD_NULL, b, bl, zlen, CKR_MECHANISM_PARAM_INVALID);
}

static void test_derive(void **state)
{
    (void)state;
    check_agreement(CKM_EC_KEY_PAIR_GEN, p256_oid, sizeof(p256_oid), 32);
    check_agreement(CKM_EC_KEY_PAIR_GEN, p384_oid, sizeof(p384_oid), 48);
    check_agreement(CKM_EC_MONTGOMERY_KEY_PAIR_GEN, x25519_oid, sizeof(x25519_oid), 32);
    check_agreement(CKM_EC_MONTGOMERY_KEY_PAIR_GEN, x448_oid, sizeof(x448_oid), 56);
}

static void test_wrap(void **state)
{
    (void)state;
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    CK_BYTE v[32];
    for (size_t i = 0; i < sizeof(v); i++)
        v[i] = (CK_BYTE)(i * 7 + 1);
    CK_ATTRIBUTE t[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &kt), ATTRN(CKA_VALUE, v, 32),
                        ATTR(CKA_EXTRACTABLE, &yes), ATTR(CKA_SENSITIVE, &no)};
    CK_OBJECT_HANDLE k, u;
    assert_int_equal(F->C_CreateObject(S, t, 5, &k), CKR_OK);
    CK_RSA_PKCS_OAEP_PARAMS o = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0};
    CK_MECHANISM mo = {CKM_RSA_PKCS_OAEP, &o, sizeof(o)};
    CK_MECHANISM mp = {CKM_RSA_PKCS, NULL, 0};
    CK_MECHANISM *ms[] = {&mo, &mp};
    for (int i = 0; i < 2; i++) {
        CK_BYTE w[256];
        CK_ULONG wl = 0;
        assert_int_equal(F->C_WrapKey(S, ms[i], rsa_pub, k, NULL, &wl), CKR_OK);
        assert_int_equal(wl, 256);
        assert_int_equal(F->C_WrapKey(S, ms[i], rsa_pub, k, w, &wl), CKR_OK);
        CK_ATTRIBUTE ut[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &kt),
                             ATTR(CKA_SENSITIVE, &no), ATTR(CKA_EXTRACTABLE, &yes)};
        assert_int_equal(F->C_UnwrapKey(S, ms[i], rsa_priv, w, wl, ut, 4, &u), CKR_OK);
        CK_BYTE got[64];
        CK_ULONG gl = sizeof(got);
        get_attr(u, CKA_VALUE, got, &gl);
        assert_int_equal(gl, 32);
        assert_memory_equal(got, v, 32);
        w[7] ^= 1;
        assert_int_equal(F->C_UnwrapKey(S, ms[i], rsa_priv, w, wl, ut, 4, &u),
                         CKR_WRAPPED_KEY_INVALID);
    }
}

/* Private keys leave and re-enter the token as PKCS#8 under AES key wrap with padding
 * (RFC 5649): the unwrapped key signs what the original public key verifies. */
static void wrap_private(CK_OBJECT_HANDLE aes, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub,
                         CK_KEY_TYPE kt, CK_MECHANISM *sig_mech)
{
    CK_MECHANISM w = {CKM_AES_KEY_WRAP_PAD, NULL, 0};
    CK_BYTE blob[4096];
    CK_ULONG bl = sizeof(blob);
    assert_int_equal(F->C_WrapKey(S, &w, aes, priv, blob, &bl), CKR_OK);
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE t[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &kt), ATTR(CKA_SIGN, &yes)};
    CK_OBJECT_HANDLE u;
    assert_int_equal(F->C_UnwrapKey(S, &w, aes, blob, bl, t, 3, &u), CKR_OK);
    sign_verify(sig_mech, u, pub, msg, sizeof(msg));
    /* A damaged blob fails the key wrap's integrity check. */
    blob[bl / 2] ^= 1;
    assert_int_not_equal(F->C_UnwrapKey(S, &w, aes, blob, bl, t, 3, &u), CKR_OK);
}

static void test_wrap_private(void **state)
{
    (void)state;
    CK_MECHANISM ag = {CKM_AES_KEY_GEN, NULL, 0};
    CK_ULONG len = 32;
    CK_ATTRIBUTE at[] = {ATTR(CKA_VALUE_LEN, &len), ATTR(CKA_WRAP, &yes), ATTR(CKA_UNWRAP, &yes)};
    CK_OBJECT_HANDLE aes, pub, priv;
    assert_int_equal(F->C_GenerateKey(S, &ag, at, 3, &aes), CKR_OK);
    CK_ATTRIBUTE xt[] = {ATTR(CKA_SIGN, &yes), ATTR(CKA_EXTRACTABLE, &yes)};
    static const struct {
        CK_MECHANISM_TYPE gen, sig;
        const CK_BYTE *oid;
        size_t len;
        CK_KEY_TYPE kt;
    } c[] = {
        {CKM_EC_KEY_PAIR_GEN, CKM_ECDSA_SHA256, p256_oid, sizeof(p256_oid), CKK_EC},
        {CKM_EC_KEY_PAIR_GEN, CKM_ECDSA_SHA384, p384_oid, sizeof(p384_oid), CKK_EC},
        {CKM_EC_EDWARDS_KEY_PAIR_GEN, CKM_EDDSA, ed25519_oid, sizeof(ed25519_oid), CKK_EC_EDWARDS},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        CK_MECHANISM g = {c[i].gen, NULL, 0};
        CK_ATTRIBUTE pt[] = {ATTRN(CKA_EC_PARAMS, c[i].oid, c[i].len), ATTR(CKA_VERIFY, &yes)};
        assert_int_equal(F->C_GenerateKeyPair(S, &g, pt, 2, xt, 2, &pub, &priv), CKR_OK);
        CK_MECHANISM sm = {c[i].sig, NULL, 0};
        wrap_private(aes, priv, pub, c[i].kt, &sm);
    }
    CK_MECHANISM rg = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
    CK_ULONG bits = 2048;
    CK_ATTRIBUTE rpt[] = {ATTR(CKA_MODULUS_BITS, &bits), ATTR(CKA_VERIFY, &yes)};
    assert_int_equal(F->C_GenerateKeyPair(S, &rg, rpt, 2, xt, 2, &pub, &priv), CKR_OK);
    CK_MECHANISM rs = {CKM_SHA256_RSA_PKCS, NULL, 0};
    wrap_private(aes, priv, pub, CKK_RSA, &rs);
    /* The default private key (not extractable) cannot be wrapped. */
    CK_MECHANISM w = {CKM_AES_KEY_WRAP_PAD, NULL, 0};
    CK_BYTE blob[2048];
    CK_ULONG bl = sizeof(blob);
    assert_int_equal(F->C_WrapKey(S, &w, aes, rsa_priv, blob, &bl), CKR_KEY_UNEXTRACTABLE);
}

/* CKA_ALWAYS_AUTHENTICATE: each signing operation needs its own CKU_CONTEXT_SPECIFIC login;
 * a wrong PIN there ends the operation; the context login without an operation is refused. */
static void test_always_authenticate(void **state)
{
    (void)state;
    CK_MECHANISM g = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pt[] = {ATTRN(CKA_EC_PARAMS, p256_oid, sizeof(p256_oid)), ATTR(CKA_VERIFY, &yes)};
    CK_ATTRIBUTE vt[] = {ATTR(CKA_SIGN, &yes), ATTR(CKA_ALWAYS_AUTHENTICATE, &yes)};
    CK_OBJECT_HANDLE pub, priv;
    assert_int_equal(F->C_GenerateKeyPair(S, &g, pt, 2, vt, 2, &pub, &priv), CKR_OK);
    CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
    CK_BYTE sig[128];
    CK_ULONG sl = sizeof(sig);
    assert_int_equal(F->C_Login(S, CKU_CONTEXT_SPECIFIC, CH_P11T_STR(CH_P11T_USER_PIN)),
                     CKR_OPERATION_NOT_INITIALIZED);
    /* Without the context login the signature is refused. */
    assert_int_equal(F->C_SignInit(S, &m, priv), CKR_OK);
    assert_int_equal(F->C_Sign(S, msg, sizeof(msg) - 1, sig, &sl), CKR_USER_NOT_LOGGED_IN);
    assert_int_equal(F->C_SignInit(S, NULL, CK_INVALID_HANDLE), CKR_OK); /* cancel */
    /* A wrong context PIN ends the operation. */
    assert_int_equal(F->C_SignInit(S, &m, priv), CKR_OK);
    assert_int_equal(F->C_Login(S, CKU_CONTEXT_SPECIFIC, CH_P11T_STR("wrong-pin-9")),
                     CKR_PIN_INCORRECT);
    assert_int_equal(F->C_Sign(S, msg, sizeof(msg) - 1, sig, &sl), CKR_OPERATION_NOT_INITIALIZED);
    /* With it, one signature; the next operation needs a new context login. */
    for (int i = 0; i < 2; i++) {
        sl = sizeof(sig);
        assert_int_equal(F->C_SignInit(S, &m, priv), CKR_OK);
        assert_int_equal(F->C_Login(S, CKU_CONTEXT_SPECIFIC, CH_P11T_STR(CH_P11T_USER_PIN)),
                         CKR_OK);
        assert_int_equal(F->C_Sign(S, msg, sizeof(msg) - 1, sig, &sl), CKR_OK);
    }
    assert_int_equal(F->C_VerifyInit(S, &m, pub), CKR_OK);
    assert_int_equal(F->C_Verify(S, msg, sizeof(msg) - 1, sig, sl), CKR_OK);
    sl = sizeof(sig);
    assert_int_equal(F->C_SignInit(S, &m, priv), CKR_OK);
    assert_int_equal(F->C_Sign(S, msg, sizeof(msg) - 1, sig, &sl), CKR_USER_NOT_LOGGED_IN);
}

/* A P-256 pair generated for key agreement only (CKA_SIGN = FALSE, CKA_DERIVE = TRUE) gets the
 * SP 800-56A pairwise test instead of a signature, is marked CKA_CH_AGREEMENT_ONLY, and can
 * never be made able to sign, neither by C_SetAttributeValue nor by C_CopyObject. An ordinary
 * pair can. */
static void test_agreement_only_pair(void **state)
{
    (void)state;
    CK_MECHANISM m = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pt[] = {ATTRN(CKA_EC_PARAMS, p256_oid, sizeof(p256_oid)),
                         ATTR(CKA_DERIVE, &yes)};
    CK_ATTRIBUTE vt[] = {ATTR(CKA_SIGN, &no), ATTR(CKA_DERIVE, &yes)};
    CK_OBJECT_HANDLE pub, priv, copy = CK_INVALID_HANDLE;
    assert_int_equal(F->C_GenerateKeyPair(S, &m, pt, 2, vt, 2, &pub, &priv), CKR_OK);
    CK_BBOOL flag = CK_FALSE;
    CK_ATTRIBUTE fa = ATTR(CKA_CH_AGREEMENT_ONLY, &flag);
    assert_int_equal(F->C_GetAttributeValue(S, priv, &fa, 1), CKR_OK);
    assert_int_equal(flag, CK_TRUE);
    CK_ATTRIBUTE on[] = {ATTR(CKA_SIGN, &yes)};
    CK_ATTRIBUTE on_rec[] = {ATTR(CKA_SIGN_RECOVER, &yes)};
    assert_int_equal(F->C_SetAttributeValue(S, priv, on, 1), CKR_ATTRIBUTE_READ_ONLY);
    assert_int_equal(F->C_SetAttributeValue(S, priv, on_rec, 1), CKR_ATTRIBUTE_READ_ONLY);
    assert_int_equal(F->C_CopyObject(S, priv, on, 1, &copy), CKR_ATTRIBUTE_READ_ONLY);
    assert_int_equal(copy, CK_INVALID_HANDLE);
    CK_BBOOL tv = CK_TRUE;
    CK_BBOOL fv = CK_FALSE;
    CK_ATTRIBUTE clear_flag[] = {ATTR(CKA_CH_AGREEMENT_ONLY, &fv)};
    assert_int_equal(F->C_SetAttributeValue(S, priv, clear_flag, 1), CKR_ATTRIBUTE_READ_ONLY);
    CK_MECHANISM ecdsa = {CKM_ECDSA, NULL, 0};
    assert_int_equal(F->C_SignInit(S, &ecdsa, priv), CKR_KEY_FUNCTION_NOT_PERMITTED);
    /* Still a working key-agreement key: derive against its own public point. */
    CK_BYTE point[80];
    CK_ATTRIBUTE pa = {CKA_EC_POINT, point, sizeof(point)};
    assert_int_equal(F->C_GetAttributeValue(S, pub, &pa, 1), CKR_OK);
    CK_ECDH1_DERIVE_PARAMS dp = {CKD_NULL, 0, NULL, pa.ulValueLen, point};
    CK_MECHANISM dm = {CKM_ECDH1_DERIVE, &dp, sizeof(dp)};
    CK_OBJECT_CLASS sc = CKO_SECRET_KEY;
    CK_KEY_TYPE gk = CKK_GENERIC_SECRET;
    CK_ULONG len = 32;
    CK_ATTRIBUTE dt[] = {ATTR(CKA_CLASS, &sc), ATTR(CKA_KEY_TYPE, &gk), ATTR(CKA_VALUE_LEN, &len)};
    CK_OBJECT_HANDLE z;
    assert_int_equal(F->C_DeriveKey(S, &dm, priv, dt, 3, &z), CKR_OK);
    /* The flag cannot be given in a template either. */
    CK_ATTRIBUTE vt2[] = {ATTR(CKA_SIGN, &yes), ATTR(CKA_CH_AGREEMENT_ONLY, &tv)};
    CK_OBJECT_HANDLE pub2, priv2;
    assert_int_equal(F->C_GenerateKeyPair(S, &m, pt, 2, vt2, 2, &pub2, &priv2),
                     CKR_ATTRIBUTE_READ_ONLY);
    /* An ordinary pair: no flag, CKA_SIGN may be switched off and on again. */
    CK_ATTRIBUTE vt3[] = {ATTR(CKA_SIGN, &yes), ATTR(CKA_DERIVE, &yes)};
    assert_int_equal(F->C_GenerateKeyPair(S, &m, pt, 2, vt3, 2, &pub2, &priv2), CKR_OK);
    flag = CK_TRUE;
    assert_int_equal(F->C_GetAttributeValue(S, priv2, &fa, 1), CKR_OK);
    assert_int_equal(flag, CK_FALSE);
    CK_ATTRIBUTE off[] = {ATTR(CKA_SIGN, &no)};
    assert_int_equal(F->C_SetAttributeValue(S, priv2, off, 1), CKR_OK);
    assert_int_equal(F->C_SetAttributeValue(S, priv2, on, 1), CKR_OK);
    F->C_DestroyObject(S, z);
    F->C_DestroyObject(S, pub);
    F->C_DestroyObject(S, priv);
    F->C_DestroyObject(S, pub2);
    F->C_DestroyObject(S, priv2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keygen_rsa),    cmocka_unit_test(test_keygen_rsa_weak_refused),
        cmocka_unit_test(test_keygen_curves), cmocka_unit_test(test_rsa_sign),
        cmocka_unit_test(test_ec_sign),       cmocka_unit_test(test_eddsa_sign),
        cmocka_unit_test(test_recover),       cmocka_unit_test(test_encrypt),
        cmocka_unit_test(test_agreement_only_pair),
        cmocka_unit_test(test_refusals),      cmocka_unit_test(test_import),
        cmocka_unit_test(test_derive),        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_wrap_private),  cmocka_unit_test(test_always_authenticate),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
