/* SPDX-License-Identifier: Apache-2.0 */
/* CKM_ECDH1_DERIVE / CKM_ECDH1_COFACTOR_DERIVE with the SP 800-56C one-step KDFs
 * (CKD_*_KDF_SP800, src/mech/mech_ec.c -> src/crypto ch_crypto_sskdf) through the exported
 * PKCS#11 ABI of the dlopen'ed module, checked against this file's own computation of
 * H(counter || Z || OtherInfo) with OpenSSL digests and against values recorded from
 * `openssl kdf ... SSKDF`; peers in compressed form; key-agreement-only key pairs (their
 * lighter pairwise test) and the refusals (unknown KDF, shared data with CKD_NULL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "p11_test.h"

static struct ch_p11t T;
static CK_FUNCTION_LIST_3_0 *F;
static CK_SESSION_HANDLE S;

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static const CK_BYTE p256_oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const CK_BYTE x25519_oid[] = {0x06, 0x03, 0x2b, 0x65, 0x6e};
static CK_BYTE info[] = "Craton"; /* OtherInfo of the tests that use one (6 bytes) */

#define ATTR(t, v) {(t), (void *)(v), sizeof(*(v))}
#define ATTRN(t, v, n) {(t), (void *)(v), (CK_ULONG)(n)}

/* A pair for derivation. sign: the private template's CKA_SIGN (-1: not given, so the
 * token's default TRUE applies). */
static void gen_pair(CK_MECHANISM_TYPE mech, const CK_BYTE *oid, size_t ol, int sign,
                     CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
    CK_MECHANISM m = {mech, NULL, 0};
    CK_ATTRIBUTE pt[] = {ATTRN(CKA_EC_PARAMS, oid, ol), ATTR(CKA_DERIVE, &yes)};
    CK_ATTRIBUTE vt[] = {ATTR(CKA_DERIVE, &yes), ATTR(CKA_SIGN, sign ? &yes : &no)};
    assert_int_equal(F->C_GenerateKeyPair(S, &m, pt, 2, vt, sign < 0 ? 1 : 2, pub, priv),
                     CKR_OK);
}

/* The public point / key as the application reads it (DER OCTET STRING). */
static CK_ULONG get_value(CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t, CK_BYTE *buf, CK_ULONG cap)
{
    CK_ATTRIBUTE a = {t, buf, cap};
    assert_int_equal(F->C_GetAttributeValue(S, o, &a, 1), CKR_OK);
    return a.ulValueLen;
}

/* C_DeriveKey of an extractable generic secret of `len` bytes (0: no CKA_VALUE_LEN); on
 * CKR_OK its value goes to out (room for len bytes) and the object is destroyed. */
static CK_RV derive(CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE priv, CK_EC_KDF_TYPE kdf,
                    CK_BYTE *shared, CK_ULONG sl, CK_BYTE *peer, CK_ULONG pl, CK_ULONG len,
                    CK_BYTE *out, CK_ULONG *out_len)
{
    CK_ECDH1_DERIVE_PARAMS p = {kdf, sl, shared, pl, peer};
    CK_MECHANISM m = {mech, &p, sizeof(p)};
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    CK_ATTRIBUTE t[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &kt), ATTR(CKA_SENSITIVE, &no),
                        ATTR(CKA_EXTRACTABLE, &yes), ATTR(CKA_VALUE_LEN, &len)};
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_RV rv = F->C_DeriveKey(S, &m, priv, t, len ? 5 : 4, &h);
    if (rv != CKR_OK) {
        assert_int_equal(h, CK_INVALID_HANDLE);
        return rv;
    }
    *out_len = get_value(h, CKA_VALUE, out, *out_len);
    assert_int_equal(F->C_DestroyObject(S, h), CKR_OK);
    return CKR_OK;
}

/* NIST SP 800-56C rev2 §4.1 option 1, computed here independently of the module:
 * K(i) = H(counter_i as 32-bit big-endian from 1 || Z || OtherInfo), truncated to len. */
static void ref_sskdf(const char *md, const CK_BYTE *z, size_t zl, const CK_BYTE *oi, size_t ol,
                      CK_BYTE *out, size_t len)
{
    const EVP_MD *h = EVP_get_digestbyname(md);
    assert_non_null(h);
    size_t hl = (size_t)EVP_MD_get_size(h);
    for (uint32_t ctr = 1; len > 0; ctr++) {
        CK_BYTE c[4] = {(CK_BYTE)(ctr >> 24), (CK_BYTE)(ctr >> 16), (CK_BYTE)(ctr >> 8),
                        (CK_BYTE)ctr};
        CK_BYTE blk[EVP_MAX_MD_SIZE];
        EVP_MD_CTX *x = EVP_MD_CTX_new();
        assert_non_null(x);
        assert_int_equal(EVP_DigestInit_ex(x, h, NULL), 1);
        assert_int_equal(EVP_DigestUpdate(x, c, 4), 1);
        assert_int_equal(EVP_DigestUpdate(x, z, zl), 1);
        if (ol > 0)
            assert_int_equal(EVP_DigestUpdate(x, oi, ol), 1);
        assert_int_equal(EVP_DigestFinal_ex(x, blk, NULL), 1);
        EVP_MD_CTX_free(x);
        size_t n = len < hl ? len : hl;
        memcpy(out, blk, n);
        out += n;
        len -= n;
    }
}

static const struct {
    CK_EC_KDF_TYPE kdf;
    const char *md;
    CK_ULONG len; /* bytes; several need 2+ hash blocks */
} cases[] = {
    {CKD_SHA1_KDF_SP800, "SHA1", 50},          {CKD_SHA224_KDF_SP800, "SHA224", 28},
    {CKD_SHA256_KDF_SP800, "SHA256", 16},      {CKD_SHA256_KDF_SP800, "SHA256", 32},
    {CKD_SHA256_KDF_SP800, "SHA256", 80},      {CKD_SHA384_KDF_SP800, "SHA384", 97},
    {CKD_SHA512_KDF_SP800, "SHA512", 130},     {CKD_SHA3_224_KDF_SP800, "SHA3-224", 60},
    {CKD_SHA3_256_KDF_SP800, "SHA3-256", 70},  {CKD_SHA3_384_KDF_SP800, "SHA3-384", 48},
    {CKD_SHA3_512_KDF_SP800, "SHA3-512", 129},
};

/* Two pairs of one curve; every SP800 KDF from both sides, with and without OtherInfo, equals
 * the reference over Z (taken with CKD_NULL); the X9.63 KDF of the same hash differs. */
static void check_curve(CK_MECHANISM_TYPE gen, const CK_BYTE *oid, size_t ol, CK_ULONG zlen,
                        CK_MECHANISM_TYPE mech)
{
    CK_OBJECT_HANDLE pa, va, pb, vb;
    CK_BYTE a[100], b[100], z[66], z2[66], got[160], got2[160], want[160];
    gen_pair(gen, oid, ol, 0, &pa, &va); /* key-agreement only */
    gen_pair(gen, oid, ol, -1, &pb, &vb);
    CK_ULONG al = get_value(pa, CKA_EC_POINT, a, sizeof(a));
    CK_ULONG bl = get_value(pb, CKA_EC_POINT, b, sizeof(b));
    CK_ULONG zl = sizeof(z), z2l = sizeof(z2);
    assert_int_equal(derive(mech, va, CKD_NULL, NULL, 0, b, bl, zlen, z, &zl), CKR_OK);
    assert_int_equal(derive(mech, vb, CKD_NULL, NULL, 0, a, al, zlen, z2, &z2l), CKR_OK);
    assert_int_equal(zl, zlen);
    assert_memory_equal(z, z2, zlen);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int with_info = 0; with_info < 2; with_info++) {
            CK_ULONG il = with_info ? sizeof(info) - 1 : 0, gl = sizeof(got), g2l = sizeof(got2);
            CK_BYTE *ip = with_info ? info : NULL;
            ref_sskdf(cases[i].md, z, zl, ip, il, want, cases[i].len);
            assert_int_equal(derive(mech, va, cases[i].kdf, ip, il, b, bl, cases[i].len, got,
                                    &gl),
                             CKR_OK);
            assert_int_equal(gl, cases[i].len);
            assert_memory_equal(got, want, gl);
            assert_int_equal(derive(mech, vb, cases[i].kdf, ip, il, a, al, cases[i].len, got2,
                                    &g2l),
                             CKR_OK);
            assert_memory_equal(got2, want, gl);
        }
    }
    /* Without CKA_VALUE_LEN the key is one hash output. */
    CK_ULONG gl = sizeof(got);
    ref_sskdf("SHA384", z, zl, NULL, 0, want, 48);
    assert_int_equal(derive(mech, va, CKD_SHA384_KDF_SP800, NULL, 0, b, bl, 0, got, &gl), CKR_OK);
    assert_int_equal(gl, 48);
    assert_memory_equal(got, want, 48);
    /* The X9.63 KDF (Z || counter || SharedInfo) is a different function of the same hash. */
    gl = sizeof(got);
    ref_sskdf("SHA256", z, zl, info, sizeof(info) - 1, want, 32);
    assert_int_equal(derive(mech, va, CKD_SHA256_KDF, info, sizeof(info) - 1, b, bl, 32, got, &gl),
                     CKR_OK);
    assert_memory_not_equal(got, want, 32);
    /* Another OtherInfo, another key. */
    CK_BYTE other[] = "Craton!";
    gl = sizeof(got);
    assert_int_equal(
        derive(mech, va, CKD_SHA256_KDF_SP800, other, sizeof(other) - 1, b, bl, 32, got, &gl),
        CKR_OK);
    assert_memory_not_equal(got, want, 32);
}

static void test_p256(void **state)
{
    (void)state;
    check_curve(CKM_EC_KEY_PAIR_GEN, p256_oid, sizeof(p256_oid), 32, CKM_ECDH1_DERIVE);
    check_curve(CKM_EC_KEY_PAIR_GEN, p256_oid, sizeof(p256_oid), 32, CKM_ECDH1_COFACTOR_DERIVE);
}

static void test_x25519(void **state)
{
    (void)state;
    check_curve(CKM_EC_MONTGOMERY_KEY_PAIR_GEN, x25519_oid, sizeof(x25519_oid), 32,
                CKM_ECDH1_DERIVE);
}

/* P-256 with d = 1 and the generator as peer: Z is the generator's x-coordinate, so the
 * outputs can be compared with `openssl kdf -keylen 48 -kdfopt digest:SHA2-256 -kdfopt
 * hexkey:<Gx> -kdfopt hexinfo:437261746f6e SSKDF` (and digest:SHA3-256 without the info),
 * recorded below from OpenSSL 3.0.22. Also: the compressed peer encoding gives the same key. */
static void test_known_answer(void **state)
{
    (void)state;
    static const CK_BYTE gx[32] = {0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6,
                                   0xe5, 0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb,
                                   0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96};
    static const CK_BYTE gy[32] = {0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb,
                                   0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31,
                                   0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5};
    static const CK_BYTE sha256_info[48] = {
        0x9d, 0xc2, 0xd8, 0x9b, 0x70, 0x4a, 0x38, 0xd6, 0xa7, 0x30, 0x74, 0x4c,
        0xcc, 0xf8, 0x86, 0x38, 0x20, 0x55, 0xb7, 0x3e, 0x36, 0x01, 0xfd, 0xd7,
        0x4e, 0xc5, 0xad, 0xe8, 0xdc, 0xac, 0x0e, 0x94, 0x01, 0xab, 0x64, 0xdb,
        0x74, 0x0e, 0x64, 0x86, 0xaf, 0x57, 0x21, 0x7c, 0xab, 0x8b, 0xb2, 0x85};
    static const CK_BYTE sha3_256[48] = {
        0x10, 0xb1, 0x16, 0xb1, 0xd9, 0x44, 0x70, 0x6f, 0xcc, 0x53, 0xf5, 0x7a,
        0xa1, 0x66, 0xd6, 0xbf, 0xc9, 0x8a, 0xca, 0xe5, 0xe5, 0xa0, 0x00, 0x63,
        0x90, 0xbd, 0x66, 0xb3, 0xbc, 0xea, 0x0e, 0xa8, 0x1d, 0xa5, 0x4c, 0x34,
        0x12, 0xb9, 0x26, 0xc1, 0x44, 0xd7, 0x4b, 0xe1, 0x91, 0x98, 0x67, 0x4e};
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_KEY_TYPE kt = CKK_EC;
    CK_BYTE one[32] = {0};
    one[31] = 1;
    CK_ATTRIBUTE t[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &kt),
                        ATTRN(CKA_EC_PARAMS, p256_oid, sizeof(p256_oid)),
                        ATTRN(CKA_VALUE, one, sizeof(one)), ATTR(CKA_DERIVE, &yes)};
    CK_OBJECT_HANDLE v;
    assert_int_equal(F->C_CreateObject(S, t, 5, &v), CKR_OK);
    CK_BYTE g[65], gc[33], got[48];
    g[0] = 0x04;
    memcpy(g + 1, gx, 32);
    memcpy(g + 33, gy, 32);
    gc[0] = (CK_BYTE)(0x02 | (gy[31] & 1));
    memcpy(gc + 1, gx, 32);
    CK_ULONG gl = sizeof(got);
    assert_int_equal(derive(CKM_ECDH1_DERIVE, v, CKD_NULL, NULL, 0, g, 65, 32, got, &gl), CKR_OK);
    assert_memory_equal(got, gx, 32);
    gl = sizeof(got);
    assert_int_equal(derive(CKM_ECDH1_DERIVE, v, CKD_SHA256_KDF_SP800, info, sizeof(info) - 1, g,
                            65, 48, got, &gl),
                     CKR_OK);
    assert_memory_equal(got, sha256_info, 48);
    gl = sizeof(got);
    assert_int_equal(derive(CKM_ECDH1_DERIVE, v, CKD_SHA256_KDF_SP800, info, sizeof(info) - 1,
                            gc, 33, 48, got, &gl),
                     CKR_OK);
    assert_memory_equal(got, sha256_info, 48);
    gl = sizeof(got);
    assert_int_equal(
        derive(CKM_ECDH1_DERIVE, v, CKD_SHA3_256_KDF_SP800, NULL, 0, gc, 33, 48, got, &gl),
        CKR_OK);
    assert_memory_equal(got, sha3_256, 48);
    /* The compressed point with the other parity is -G: a valid point, another Z (= Gx again,
     * since x(-G) = x(G)), so the same key; an x with no point on the curve is refused. */
    gc[0] ^= 1;
    gl = sizeof(got);
    assert_int_equal(derive(CKM_ECDH1_DERIVE, v, CKD_NULL, NULL, 0, gc, 33, 32, got, &gl), CKR_OK);
    assert_memory_equal(got, gx, 32);
    gc[32] ^= 2; /* x = Gx ^ 2: x^3 - 3x + b is not a square mod p (checked with Euler's
                  * criterion), so no point has this x */
    gl = sizeof(got);
    assert_int_equal(derive(CKM_ECDH1_DERIVE, v, CKD_NULL, NULL, 0, gc, 33, 32, got, &gl),
                     CKR_MECHANISM_PARAM_INVALID);
}

static void test_refusals(void **state)
{
    (void)state;
    CK_OBJECT_HANDLE pa, va;
    CK_BYTE a[100], out[64];
    gen_pair(CKM_EC_KEY_PAIR_GEN, p256_oid, sizeof(p256_oid), 0, &pa, &va);
    CK_ULONG al = get_value(pa, CKA_EC_POINT, a, sizeof(a)), ol = sizeof(out);
    /* Unknown or unsupported KDFs. */
    static const CK_EC_KDF_TYPE bad[] = {CKD_SHA1_KDF_ASN1, CKD_SHA1_KDF_CONCATENATE,
                                         CKD_CPDIVERSIFY_KDF, CKD_BLAKE2B_256_KDF, 0x1b, 0x1000};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(derive(CKM_ECDH1_DERIVE, va, bad[i], NULL, 0, a, al, 32, out, &ol),
                         CKR_MECHANISM_PARAM_INVALID);
    /* CKD_NULL takes no shared data; a length without data is refused for the SP800 KDFs. */
    assert_int_equal(derive(CKM_ECDH1_DERIVE, va, CKD_NULL, info, sizeof(info) - 1, a, al, 32,
                            out, &ol),
                     CKR_MECHANISM_PARAM_INVALID);
    assert_int_equal(
        derive(CKM_ECDH1_DERIVE, va, CKD_SHA256_KDF_SP800, NULL, 4, a, al, 32, out, &ol),
        CKR_MECHANISM_PARAM_INVALID);
    /* A point off the curve. */
    a[al - 1] ^= 1;
    assert_int_equal(derive(CKM_ECDH1_DERIVE, va, CKD_SHA256_KDF_SP800, NULL, 0, a, al, 32, out,
                            &ol),
                     CKR_MECHANISM_PARAM_INVALID);
    /* A key-agreement-only private key (CKA_SIGN = FALSE) does not sign. */
    CK_MECHANISM m = {CKM_ECDSA, NULL, 0};
    assert_int_equal(F->C_SignInit(S, &m, va), CKR_KEY_FUNCTION_NOT_PERMITTED);
}

/* A pair generated with CKA_DERIVE and no CKA_SIGN in the template may sign (the default is
 * TRUE), so it had the sign+verify pairwise test; it signs and verifies. */
static void test_default_sign(void **state)
{
    (void)state;
    CK_OBJECT_HANDLE pb, vb;
    gen_pair(CKM_EC_KEY_PAIR_GEN, p256_oid, sizeof(p256_oid), -1, &pb, &vb);
    CK_MECHANISM m = {CKM_ECDSA, NULL, 0};
    CK_BYTE h[32] = {1, 2, 3}, sig[64];
    CK_ULONG sl = sizeof(sig);
    assert_int_equal(F->C_SignInit(S, &m, vb), CKR_OK);
    assert_int_equal(F->C_Sign(S, h, sizeof(h), sig, &sl), CKR_OK);
    CK_ATTRIBUTE vt = {CKA_VERIFY, &yes, sizeof(yes)};
    assert_int_equal(F->C_SetAttributeValue(S, pb, &vt, 1), CKR_OK);
    assert_int_equal(F->C_VerifyInit(S, &m, pb), CKR_OK);
    assert_int_equal(F->C_Verify(S, h, sizeof(h), sig, sl), CKR_OK);
}

static int setup(void **state)
{
    (void)state;
    if (ch_p11t_setup(&T, NULL) != 0)
        return -1;
    F = T.f;
    return ch_p11t_open(&T, true, CKU_USER, &S) == CKR_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ch_p11t_teardown(&T);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_p256),         cmocka_unit_test(test_x25519),
        cmocka_unit_test(test_known_answer), cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_default_sign),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
