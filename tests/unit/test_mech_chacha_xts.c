/* SPDX-License-Identifier: Apache-2.0 */
/* AES-XTS (src/mech/mech_aes.c), ChaCha20 and ChaCha20-Poly1305 (src/mech/mech_chacha.c) and the
 * CKG_GENERATE_COUNTER_XOR IV generator of the AES-GCM message API, through the exported
 * PKCS#11 ABI of the dlopen'ed module: IEEE 1619-2007 Annex B and RFC 8439 (§2.4.2, §2.8.2,
 * Appendix A.5) known answers typed in from the public documents, multi-part in odd pieces
 * equal to single-part, tag failure releasing no plaintext and ending the operation, the size
 * convention, and hostile parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "p11_test.h"

static struct ch_p11t T;
static CK_FUNCTION_LIST_3_0 *F;
static CK_SESSION_HANDLE S;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

#define ATTR(t, v) {(t), (void *)(v), sizeof(*(v))}
#define ATTRN(t, v, n) {(t), (void *)(v), (CK_ULONG)(n)}

#define RV(expected, call)                                                                         \
    do {                                                                                           \
        CK_RV rv_ = (call);                                                                        \
        if (rv_ != (CK_RV)(expected))                                                              \
            fail_msg("%s: got %s, expected %s", #call, ch_p11t_rv_name(rv_),                       \
                     ch_p11t_rv_name(expected));                                                   \
    } while (0)

static size_t unhex(const char *h, CK_BYTE *out, size_t cap)
{
    size_t n = strlen(h) / 2;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
        out[i] = (CK_BYTE)v;
    }
    return n;
}

static CK_RV import_rv(CK_KEY_TYPE kt, const CK_BYTE *v, size_t len, CK_OBJECT_HANDLE *h)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_ATTRIBUTE t[] = {ATTR(CKA_CLASS, &cls),   ATTR(CKA_KEY_TYPE, &kt),
                        ATTRN(CKA_VALUE, v, len), ATTR(CKA_ENCRYPT, &yes),
                        ATTR(CKA_DECRYPT, &yes),  ATTR(CKA_SENSITIVE, &no),
                        ATTR(CKA_EXTRACTABLE, &yes)};
    *h = CK_INVALID_HANDLE;
    return F->C_CreateObject(S, t, 7, h);
}

static CK_OBJECT_HANDLE import(CK_KEY_TYPE kt, const CK_BYTE *v, size_t len)
{
    CK_OBJECT_HANDLE h;
    RV(CKR_OK, import_rv(kt, v, len, &h));
    return h;
}

static CK_RV gen_rv(CK_MECHANISM_TYPE mech, const CK_ULONG *len, CK_OBJECT_HANDLE *h)
{
    CK_MECHANISM m = {mech, NULL, 0};
    CK_ATTRIBUTE t[] = {ATTR(CKA_ENCRYPT, &yes), ATTR(CKA_DECRYPT, &yes),
                        ATTR(CKA_SENSITIVE, &no), ATTR(CKA_EXTRACTABLE, &yes),
                        ATTR(CKA_VALUE_LEN, len)};
    return F->C_GenerateKey(S, &m, t, len != NULL ? 5 : 4, h);
}

static size_t value(CK_OBJECT_HANDLE o, CK_BYTE *out, size_t cap)
{
    CK_ATTRIBUTE a = {CKA_VALUE, out, (CK_ULONG)cap};
    RV(CKR_OK, F->C_GetAttributeValue(S, o, &a, 1));
    return a.ulValueLen;
}

static int setup(void **state)
{
    (void)state;
    if (ch_p11t_setup(&T, NULL) != 0 || ch_p11t_open(&T, true, CKU_USER, &S) != CKR_OK)
        return -1;
    F = T.f;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ch_p11t_teardown(&T);
    return 0;
}

/* Single-part through C_Encrypt/C_Decrypt with the two-call convention checked on the way:
 * a size query, then a one-byte-short buffer (CKR_BUFFER_TOO_SMALL, the needed length, the
 * operation still active), then the real call. Returns the output length. */
static size_t crypt1(CK_MECHANISM *m, CK_OBJECT_HANDLE k, bool enc, const CK_BYTE *in, size_t n,
                     CK_BYTE *out, size_t cap)
{
    CK_ULONG ol = 0;
    RV(CKR_OK, enc ? F->C_EncryptInit(S, m, k) : F->C_DecryptInit(S, m, k));
    RV(CKR_OK, enc ? F->C_Encrypt(S, (CK_BYTE *)in, (CK_ULONG)n, NULL, &ol)
                   : F->C_Decrypt(S, (CK_BYTE *)in, (CK_ULONG)n, NULL, &ol));
    CK_ULONG need = ol;
    assert_true(need <= cap);
    if (need > 0) {
        ol = need - 1;
        RV(CKR_BUFFER_TOO_SMALL, enc ? F->C_Encrypt(S, (CK_BYTE *)in, (CK_ULONG)n, out, &ol)
                                     : F->C_Decrypt(S, (CK_BYTE *)in, (CK_ULONG)n, out, &ol));
        assert_int_equal(ol, need);
    }
    ol = (CK_ULONG)cap;
    RV(CKR_OK, enc ? F->C_Encrypt(S, (CK_BYTE *)in, (CK_ULONG)n, out, &ol)
                   : F->C_Decrypt(S, (CK_BYTE *)in, (CK_ULONG)n, out, &ol));
    assert_int_equal(ol, need);
    return ol;
}

/* Multi-part in the pieces 1, 15, 17, 3, 32, 5, 64, ... (each update size-queried first). */
static size_t crypt_multi(CK_MECHANISM *m, CK_OBJECT_HANDLE k, bool enc, const CK_BYTE *in,
                          size_t n, CK_BYTE *out, size_t cap)
{
    static const size_t pieces[] = {1, 15, 17, 3, 32, 5, 64};
    size_t off = 0, o = 0, i = 0;
    RV(CKR_OK, enc ? F->C_EncryptInit(S, m, k) : F->C_DecryptInit(S, m, k));
    while (off < n) {
        size_t p = pieces[i++ % 7];
        if (p > n - off)
            p = n - off;
        CK_ULONG ol = 0;
        RV(CKR_OK, enc ? F->C_EncryptUpdate(S, (CK_BYTE *)in + off, (CK_ULONG)p, NULL, &ol)
                       : F->C_DecryptUpdate(S, (CK_BYTE *)in + off, (CK_ULONG)p, NULL, &ol));
        assert_true(o + ol <= cap);
        CK_ULONG c = ol;
        RV(CKR_OK, enc ? F->C_EncryptUpdate(S, (CK_BYTE *)in + off, (CK_ULONG)p, out + o, &ol)
                       : F->C_DecryptUpdate(S, (CK_BYTE *)in + off, (CK_ULONG)p, out + o, &ol));
        assert_true(ol <= c);
        o += ol;
        off += p;
    }
    CK_ULONG ol = 0;
    RV(CKR_OK, enc ? F->C_EncryptFinal(S, NULL, &ol) : F->C_DecryptFinal(S, NULL, &ol));
    assert_true(o + ol <= cap);
    CK_ULONG need = ol;
    if (need > 0) {
        ol = need - 1;
        RV(CKR_BUFFER_TOO_SMALL,
           enc ? F->C_EncryptFinal(S, out + o, &ol) : F->C_DecryptFinal(S, out + o, &ol));
        assert_int_equal(ol, need);
    }
    ol = (CK_ULONG)(cap - o);
    RV(CKR_OK, enc ? F->C_EncryptFinal(S, out + o, &ol) : F->C_DecryptFinal(S, out + o, &ol));
    assert_int_equal(ol, need);
    return o + ol;
}

/* ---- AES-XTS --------------------------------------------------------------------------------- */

struct xts_kat {
    const char *key, *tweak, *pt, *ct; /* key = Key1 || Key2 */
};

/* IEEE 1619-2007 Annex B. Vectors 4 and 10 are 512 bytes long; XTS works block by block (the
 * tweak of block j is alpha^j * E_K2(i)) except for a stolen tail, so their first 64 bytes
 * are a valid 64-byte vector with the same key and tweak. */
static const struct xts_kat xts_kats[] = {
    /* Vector 2 */
    {"1111111111111111111111111111111122222222222222222222222222222222",
     "33333333330000000000000000000000",
     "4444444444444444444444444444444444444444444444444444444444444444",
     "c454185e6a16936e39334038acef838bfb186fff7480adc4289382ecd6d394f0"},
    /* Vector 3 */
    {"fffefdfcfbfaf9f8f7f6f5f4f3f2f1f022222222222222222222222222222222",
     "33333333330000000000000000000000",
     "4444444444444444444444444444444444444444444444444444444444444444",
     "af85336b597afc1a900b2eb21ec949d292df4c047e0b21532186a5971a227a89"},
    /* Vector 15 (17 bytes: ciphertext stealing) */
    {"fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0bfbebdbcbbbab9b8b7b6b5b4b3b2b1b0",
     "9a785634120000000000000000000000", "000102030405060708090a0b0c0d0e0f10",
     "6c1625db4671522d3d7599601de7ca09ed"},
    /* Vector 16 (18 bytes) */
    {"fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0bfbebdbcbbbab9b8b7b6b5b4b3b2b1b0",
     "9a785634120000000000000000000000", "000102030405060708090a0b0c0d0e0f1011",
     "d069444b7a7e0cab09e24447d24deb1fedbf"},
    /* Vector 18 (20 bytes) */
    {"fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0bfbebdbcbbbab9b8b7b6b5b4b3b2b1b0",
     "9a785634120000000000000000000000", "000102030405060708090a0b0c0d0e0f10111213",
     "9d84c813f719aa2c7be3f66171c7c5c2edbf9dac"},
    /* Vector 4, first 64 bytes */
    {"2718281828459045235360287471352631415926535897932384626433832795",
     "00000000000000000000000000000000",
     "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
     "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
     "27a7479befa1d476489f308cd4cfa6e2a96e4bbe3208ff25287dd3819616e89c"
     "c78cf7f5e543445f8333d8fa7f56000005279fa5d8b5e4ad40e736ddb4d35412"},
    /* Vector 10 (XTS-AES-256), first 64 bytes */
    {"2718281828459045235360287471352662497757247093699959574966967627"
     "3141592653589793238462643383279502884197169399375105820974944592",
     "ff000000000000000000000000000000",
     "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
     "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
     "1c3b3a102f770386e4836c99e370cf9bea00803f5e482357a4ae12d414a3e63b"
     "5d31e276f8fe4a8d66b317f9ac683f44680a86ac35adfc3345befecb4bb188fd"},
};

static void test_xts_kat(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(xts_kats) / sizeof(xts_kats[0]); i++) {
        CK_BYTE key[64], tw[16], pt[64], ct[64], out[64];
        size_t kl = unhex(xts_kats[i].key, key, sizeof(key));
        unhex(xts_kats[i].tweak, tw, sizeof(tw));
        size_t n = unhex(xts_kats[i].pt, pt, sizeof(pt));
        unhex(xts_kats[i].ct, ct, sizeof(ct));
        CK_OBJECT_HANDLE k = import(CKK_AES_XTS, key, kl);
        CK_MECHANISM m = {CKM_AES_XTS, tw, 16};
        assert_int_equal(crypt1(&m, k, true, pt, n, out, sizeof(out)), n);
        assert_memory_equal(out, ct, n);
        memset(out, 0, sizeof(out));
        assert_int_equal(crypt_multi(&m, k, true, pt, n, out, sizeof(out)), n);
        assert_memory_equal(out, ct, n);
        assert_int_equal(crypt1(&m, k, false, ct, n, out, sizeof(out)), n);
        assert_memory_equal(out, pt, n);
        memset(out, 0, sizeof(out));
        assert_int_equal(crypt_multi(&m, k, false, ct, n, out, sizeof(out)), n);
        assert_memory_equal(out, pt, n);
        RV(CKR_OK, F->C_DestroyObject(S, k));
    }
}

/* Generated keys of both sizes; lengths 16, 17, 31, 32, 4096: single-part = multi-part, and
 * decryption gives the plaintext back; a different tweak gives a different ciphertext. */
static void test_xts_roundtrip(void **state)
{
    (void)state;
    static const size_t lens[] = {16, 17, 31, 32, 4096};
    CK_BYTE *pt = malloc(4096), *a = malloc(4096), *b = malloc(4096), *c = malloc(4096);
    assert_non_null(pt);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    for (size_t i = 0; i < 4096; i++)
        pt[i] = (CK_BYTE)(i * 13 + 7);
    for (CK_ULONG kl = 32; kl <= 64; kl += 32) {
        CK_OBJECT_HANDLE k;
        CK_BYTE v[64];
        CK_KEY_TYPE kt = 0;
        RV(CKR_OK, gen_rv(CKM_AES_XTS_KEY_GEN, &kl, &k));
        CK_ATTRIBUTE ta = ATTR(CKA_KEY_TYPE, &kt);
        RV(CKR_OK, F->C_GetAttributeValue(S, k, &ta, 1));
        assert_int_equal(kt, CKK_AES_XTS);
        assert_int_equal(value(k, v, sizeof(v)), kl);
        assert_memory_not_equal(v, v + kl / 2, kl / 2);
        CK_BYTE tw[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        CK_MECHANISM m = {CKM_AES_XTS, tw, 16};
        for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
            size_t n = lens[j];
            assert_int_equal(crypt1(&m, k, true, pt, n, a, 4096), n);
            assert_memory_not_equal(a, pt, n);
            assert_int_equal(crypt_multi(&m, k, true, pt, n, b, 4096), n);
            assert_memory_equal(a, b, n);
            assert_int_equal(crypt1(&m, k, false, a, n, c, 4096), n);
            assert_memory_equal(c, pt, n);
            memset(c, 0, n);
            assert_int_equal(crypt_multi(&m, k, false, a, n, c, 4096), n);
            assert_memory_equal(c, pt, n);
        }
        tw[0] ^= 1;
        assert_int_equal(crypt1(&m, k, true, pt, 32, b, 4096), 32);
        assert_memory_not_equal(a, b, 16);
        RV(CKR_OK, F->C_DestroyObject(S, k));
    }
    free(pt);
    free(a);
    free(b);
    free(c);
}

static void test_xts_refusals(void **state)
{
    (void)state;
    CK_BYTE key[64], tw[16] = {0}, buf[64] = {0}, out[64];
    CK_OBJECT_HANDLE k, h;
    CK_ULONG ol, len;
    /* IEEE 1619-2007 Vector 1 has Key1 = Key2 (all zero): refused at import, both sizes. */
    memset(key, 0, sizeof(key));
    RV(CKR_ATTRIBUTE_VALUE_INVALID, import_rv(CKK_AES_XTS, key, 32, &h));
    memset(key, 0x5c, sizeof(key));
    RV(CKR_ATTRIBUTE_VALUE_INVALID, import_rv(CKK_AES_XTS, key, 64, &h));
    RV(CKR_ATTRIBUTE_VALUE_INVALID, import_rv(CKK_AES_XTS, key, 48, &h)); /* AES-192-XTS: no */
    key[40] ^= 1;
    k = import(CKK_AES_XTS, key, 64);
    /* Generation: CKA_VALUE_LEN 32 or 64 and required. */
    len = 48;
    RV(CKR_ATTRIBUTE_VALUE_INVALID, gen_rv(CKM_AES_XTS_KEY_GEN, &len, &h));
    len = 16;
    RV(CKR_ATTRIBUTE_VALUE_INVALID, gen_rv(CKM_AES_XTS_KEY_GEN, &len, &h));
    RV(CKR_TEMPLATE_INCOMPLETE, gen_rv(CKM_AES_XTS_KEY_GEN, NULL, &h));
    /* The tweak: 16 bytes, present. */
    CK_MECHANISM m0 = {CKM_AES_XTS, NULL, 0};
    RV(CKR_MECHANISM_PARAM_INVALID, F->C_EncryptInit(S, &m0, k));
    CK_MECHANISM m8 = {CKM_AES_XTS, tw, 8};
    RV(CKR_MECHANISM_PARAM_INVALID, F->C_EncryptInit(S, &m8, k));
    CK_MECHANISM mnull = {CKM_AES_XTS, NULL, 16};
    RV(CKR_MECHANISM_PARAM_INVALID, F->C_EncryptInit(S, &mnull, k));
    /* Data unit shorter than a block: single-part and at final; the update itself is fine. */
    CK_MECHANISM m = {CKM_AES_XTS, tw, 16};
    RV(CKR_OK, F->C_EncryptInit(S, &m, k));
    ol = sizeof(out);
    RV(CKR_DATA_LEN_RANGE, F->C_Encrypt(S, buf, 15, out, &ol));
    RV(CKR_OPERATION_NOT_INITIALIZED, F->C_Encrypt(S, buf, 16, out, &ol)); /* it ended */
    RV(CKR_OK, F->C_DecryptInit(S, &m, k));
    ol = sizeof(out);
    RV(CKR_ENCRYPTED_DATA_LEN_RANGE, F->C_Decrypt(S, buf, 0, out, &ol));
    RV(CKR_OK, F->C_EncryptInit(S, &m, k));
    ol = sizeof(out);
    RV(CKR_OK, F->C_EncryptUpdate(S, buf, 15, out, &ol));
    assert_int_equal(ol, 0);
    ol = sizeof(out);
    RV(CKR_DATA_LEN_RANGE, F->C_EncryptFinal(S, out, &ol));
    /* At most 2^20 blocks (16 MiB) per data unit (SP 800-38E), single- and multi-part. */
    size_t big = ((size_t)1 << 24) + 16;
    CK_BYTE *huge = calloc(1, big);
    assert_non_null(huge);
    RV(CKR_OK, F->C_EncryptInit(S, &m, k));
    ol = (CK_ULONG)big;
    RV(CKR_DATA_LEN_RANGE, F->C_Encrypt(S, huge, (CK_ULONG)big, huge, &ol));
    RV(CKR_OK, F->C_EncryptInit(S, &m, k));
    ol = (CK_ULONG)big;
    RV(CKR_OK, F->C_Encrypt(S, huge, (CK_ULONG)big - 16, huge, &ol)); /* in place */
    assert_int_equal(ol, big - 16);
    RV(CKR_OK, F->C_DecryptInit(S, &m, k));
    RV(CKR_OK, F->C_Decrypt(S, huge, (CK_ULONG)big - 16, huge, &ol));
    for (size_t i = 0; i < big; i += 4096)
        assert_int_equal(huge[i], 0);
    RV(CKR_OK, F->C_EncryptInit(S, &m, k));
    ol = (CK_ULONG)big;
    RV(CKR_OK, F->C_EncryptUpdate(S, huge, (CK_ULONG)big - 16, huge, &ol));
    assert_int_equal(ol, 0);
    ol = (CK_ULONG)big;
    RV(CKR_DATA_LEN_RANGE, F->C_EncryptUpdate(S, huge, 16, huge, &ol));
    RV(CKR_OPERATION_NOT_INITIALIZED, F->C_EncryptFinal(S, huge, &ol));
    free(huge);
    /* Key types do not mix: an AES key with XTS, an XTS key with ECB. */
    CK_OBJECT_HANDLE aes = import(CKK_AES, key, 32);
    RV(CKR_KEY_TYPE_INCONSISTENT, F->C_EncryptInit(S, &m, aes));
    CK_MECHANISM ecb = {CKM_AES_ECB, NULL, 0};
    RV(CKR_KEY_TYPE_INCONSISTENT, F->C_EncryptInit(S, &ecb, k));
    /* A key with equal halves that arrives by unwrapping (no import check on that path) is
     * still refused when used. */
    CK_BYTE zero[32] = {0}, wrapped[64];
    CK_OBJECT_HANDLE zk = import(CKK_GENERIC_SECRET, zero, 32);
    CK_ATTRIBUTE wt = ATTR(CKA_WRAP, &yes);
    CK_ATTRIBUTE ut = ATTR(CKA_UNWRAP, &yes);
    RV(CKR_OK, F->C_SetAttributeValue(S, aes, &wt, 1));
    RV(CKR_OK, F->C_SetAttributeValue(S, aes, &ut, 1));
    CK_ULONG wl = sizeof(wrapped);
    RV(CKR_OK, F->C_WrapKey(S, &ecb, aes, zk, wrapped, &wl));
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE xkt = CKK_AES_XTS;
    CK_ATTRIBUTE utmpl[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &xkt),
                            ATTR(CKA_ENCRYPT, &yes)};
    CK_RV urv = F->C_UnwrapKey(S, &ecb, aes, wrapped, wl, utmpl, 3, &h);
    if (urv == CKR_OK)
        RV(CKR_KEY_FUNCTION_NOT_PERMITTED, F->C_EncryptInit(S, &m, h));
    else /* a token that checks unwrapped material refuses it there */
        assert_int_equal(urv, CKR_ATTRIBUTE_VALUE_INVALID);
    /* C_GetMechanismInfo: sizes in bytes, both halves. */
    CK_MECHANISM_INFO mi;
    RV(CKR_OK, F->C_GetMechanismInfo(T.slot, CKM_AES_XTS, &mi));
    assert_int_equal(mi.ulMinKeySize, 32);
    assert_int_equal(mi.ulMaxKeySize, 64);
    assert_true((mi.flags & (CKF_ENCRYPT | CKF_DECRYPT)) == (CKF_ENCRYPT | CKF_DECRYPT));
    RV(CKR_OK, F->C_GetMechanismInfo(T.slot, CKM_AES_XTS_KEY_GEN, &mi));
    assert_int_equal(mi.ulMinKeySize, 32);
    assert_int_equal(mi.ulMaxKeySize, 64);
    assert_true(mi.flags & CKF_GENERATE);
}

/* ---- ChaCha20-Poly1305 ------------------------------------------------------------------------ */

static const char *const sunscreen =
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, "
    "sunscreen would be it.";

/* RFC 8439 §2.8.2 */
static const char *const k282 = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
static const char *const n282 = "070000004041424344454647";
static const char *const a282 = "50515253c0c1c2c3c4c5c6c7";
static const char *const c282 =
    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92"
    "728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b"
    "4831d7bc3ff4def08e4b7a9de576d26586cec64b6116";
static const char *const t282 = "1ae10b594f09e26a7e902ecbd0600691";

/* RFC 8439 Appendix A.5 */
static const char *const ka5 = "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0";
static const char *const na5 = "000000000102030405060708";
static const char *const aa5 = "f33388860000000000004e91";
static const char *const ca5 =
    "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb24c6cfc18755d43eea09ee94e382d"
    "26b0bdb7b73c321b0100d4f03b7f355894cf332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1"
    "ff37c8559797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4b9166c767b804d46a59b"
    "5216cde7a4e99040c5a40433225ee282a1b0a06c523eaf4534d7f83fa1155b0047718cbc546a0d072b04b3564eea"
    "1b422273f548271a0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a1049e617d91d36"
    "1094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29a6ad5cb4022b02709b";
static const char *const ta5 = "eead9d67890cbb22392336fea1851f38";
static const char *const pa5 =
    "Internet-Drafts are draft documents valid for a maximum of six months and may be updated, "
    "replaced, or obsoleted by other documents at any time. It is inappropriate to use "
    "Internet-Drafts as reference material or to cite them other than as /\xe2\x80\x9cwork in "
    "progress./\xe2\x80\x9d";

static void test_chacha_rfc8439(void **state)
{
    (void)state;
    CK_BYTE key[32], nonce[12], aad[12], want[160], out[300], back[300];
    unhex(k282, key, sizeof(key));
    unhex(n282, nonce, sizeof(nonce));
    unhex(a282, aad, sizeof(aad));
    size_t n = strlen(sunscreen);
    assert_int_equal(unhex(c282, want, sizeof(want)), n);
    unhex(t282, want + n, 16);
    CK_OBJECT_HANDLE k = import(CKK_CHACHA20, key, 32);
    /* ulNonceLen in bits as the spec says, and in bytes as some clients pass it. */
    for (CK_ULONG nl = 96; nl >= 12; nl = nl == 96 ? 12 : 0) {
        CK_SALSA20_CHACHA20_POLY1305_PARAMS p = {nonce, nl, aad, sizeof(aad)};
        CK_MECHANISM m = {CKM_CHACHA20_POLY1305, &p, sizeof(p)};
        assert_int_equal(crypt1(&m, k, true, (const CK_BYTE *)sunscreen, n, out, sizeof(out)),
                         n + 16);
        assert_memory_equal(out, want, n + 16);
        memset(out, 0, sizeof(out));
        assert_int_equal(
            crypt_multi(&m, k, true, (const CK_BYTE *)sunscreen, n, out, sizeof(out)), n + 16);
        assert_memory_equal(out, want, n + 16);
        assert_int_equal(crypt1(&m, k, false, want, n + 16, back, sizeof(back)), n);
        assert_memory_equal(back, sunscreen, n);
        memset(back, 0, sizeof(back));
        assert_int_equal(crypt_multi(&m, k, false, want, n + 16, back, sizeof(back)), n);
        assert_memory_equal(back, sunscreen, n);
    }
    RV(CKR_OK, F->C_DestroyObject(S, k));

    /* Appendix A.5: decryption of a 265-byte message. */
    CK_BYTE ct[300];
    unhex(ka5, key, sizeof(key));
    unhex(na5, nonce, sizeof(nonce));
    unhex(aa5, aad, sizeof(aad));
    size_t cl = unhex(ca5, ct, sizeof(ct));
    assert_int_equal(cl, strlen(pa5));
    unhex(ta5, ct + cl, 16);
    k = import(CKK_CHACHA20, key, 32);
    CK_SALSA20_CHACHA20_POLY1305_PARAMS p = {nonce, 96, aad, sizeof(aad)};
    CK_MECHANISM m = {CKM_CHACHA20_POLY1305, &p, sizeof(p)};
    assert_int_equal(crypt1(&m, k, false, ct, cl + 16, back, sizeof(back)), cl);
    assert_memory_equal(back, pa5, cl);
    memset(back, 0, sizeof(back));
    assert_int_equal(crypt_multi(&m, k, false, ct, cl + 16, back, sizeof(back)), cl);
    assert_memory_equal(back, pa5, cl);
    RV(CKR_OK, F->C_DestroyObject(S, k));
}

/* A failing tag: CKR_ENCRYPTED_DATA_INVALID, the output buffer untouched, the operation over
 * (single-part and at C_DecryptFinal, where the updates have released nothing). */
static void test_chacha_tamper(void **state)
{
    (void)state;
    CK_BYTE key[32], nonce[12], aad[12], ct[160], out[160];
    unhex(k282, key, sizeof(key));
    unhex(n282, nonce, sizeof(nonce));
    unhex(a282, aad, sizeof(aad));
    size_t n = unhex(c282, ct, sizeof(ct));
    unhex(t282, ct + n, 16);
    CK_OBJECT_HANDLE k = import(CKK_CHACHA20, key, 32);
    CK_SALSA20_CHACHA20_POLY1305_PARAMS p = {nonce, 96, aad, sizeof(aad)};
    CK_MECHANISM m = {CKM_CHACHA20_POLY1305, &p, sizeof(p)};
    for (int which = 0; which < 3; which++) { /* tag, ciphertext, AAD */
        CK_BYTE *flip = which == 0 ? ct + n + 15 : which == 1 ? ct + 3 : aad + 1;
        *flip ^= 0x80;
        memset(out, 0xee, sizeof(out));
        CK_ULONG ol = sizeof(out);
        RV(CKR_OK, F->C_DecryptInit(S, &m, k));
        RV(CKR_ENCRYPTED_DATA_INVALID, F->C_Decrypt(S, ct, (CK_ULONG)n + 16, out, &ol));
        assert_int_equal(ol, sizeof(out));
        for (size_t i = 0; i < sizeof(out); i++)
            assert_int_equal(out[i], 0xee);
        RV(CKR_OPERATION_NOT_INITIALIZED, F->C_Decrypt(S, ct, (CK_ULONG)n + 16, out, &ol));
        /* Multi-part. */
        RV(CKR_OK, F->C_DecryptInit(S, &m, k));
        ol = sizeof(out);
        RV(CKR_OK, F->C_DecryptUpdate(S, ct, 50, out, &ol));
        assert_int_equal(ol, 0);
        ol = sizeof(out);
        RV(CKR_OK, F->C_DecryptUpdate(S, ct + 50, (CK_ULONG)n + 16 - 50, out, &ol));
        assert_int_equal(ol, 0);
        ol = sizeof(out);
        RV(CKR_ENCRYPTED_DATA_INVALID, F->C_DecryptFinal(S, out, &ol));
        for (size_t i = 0; i < sizeof(out); i++)
            assert_int_equal(out[i], 0xee);
        RV(CKR_OPERATION_NOT_INITIALIZED, F->C_DecryptFinal(S, out, &ol));
        *flip ^= 0x80;
    }
    /* Shorter than a tag. */
    CK_ULONG ol = sizeof(out);
    RV(CKR_OK, F->C_DecryptInit(S, &m, k));
    RV(CKR_ENCRYPTED_DATA_LEN_RANGE, F->C_Decrypt(S, ct, 15, out, &ol));
    RV(CKR_OK, F->C_DecryptInit(S, &m, k));
    ol = sizeof(out);
    RV(CKR_OK, F->C_DecryptUpdate(S, ct, 15, out, &ol));
    ol = sizeof(out);
    RV(CKR_ENCRYPTED_DATA_LEN_RANGE, F->C_DecryptFinal(S, out, &ol));
    RV(CKR_OK, F->C_DestroyObject(S, k));
}

static void test_chacha_refusals(void **state)
{
    (void)state;
    CK_BYTE key[32], nonce[24] = {0}, buf[64] = {0};
    CK_OBJECT_HANDLE k, h;
    memset(key, 0x42, sizeof(key));
    k = import(CKK_CHACHA20, key, 32);
    /* Nonces OpenSSL has no AEAD for (64-bit "original", 192-bit XChaCha20), and nonsense. */
    static const CK_ULONG bad_nl[] = {64, 8, 192, 24, 128, 16, 0, 95};
    for (size_t i = 0; i < sizeof(bad_nl) / sizeof(bad_nl[0]); i++) {
        CK_SALSA20_CHACHA20_POLY1305_PARAMS p = {nonce, bad_nl[i], NULL, 0};
        CK_MECHANISM m = {CKM_CHACHA20_POLY1305, &p, sizeof(p)};
        RV(CKR_MECHANISM_PARAM_INVALID, F->C_EncryptInit(S, &m, k));
    }
    CK_SALSA20_CHACHA20_POLY1305_PARAMS p = {nonce, 96, NULL, 5}; /* AAD length, no AAD */
    CK_MECHANISM m = {CKM_CHACHA20_POLY1305, &p, sizeof(p)};
    RV(CKR_MECHANISM_PARAM_INVALID, F->C_EncryptInit(S, &m, k));
    p.ulAADLen = 0;
    p.pNonce = NULL;
    RV(CKR_MECHANISM_PARAM_INVALID, F->C_EncryptInit(S, &m, k));
    p.pNonce = nonce;
    CK_MECHANISM m0 = {CKM_CHACHA20_POLY1305, NULL, 0};
    RV(CKR_MECHANISM_PARAM_INVALID, F->C_EncryptInit(S, &m0, k));
    CK_MECHANISM mshort = {CKM_CHACHA20_POLY1305, &p, sizeof(p) - 1};
    RV(CKR_MECHANISM_PARAM_INVALID, F->C_EncryptInit(S, &mshort, k));
    /* An AES key does not do ChaCha, a ChaCha key does not do AES. */
    CK_OBJECT_HANDLE aes = import(CKK_AES, key, 32);
    RV(CKR_KEY_TYPE_INCONSISTENT, F->C_EncryptInit(S, &m, aes));
    CK_MECHANISM ecb = {CKM_AES_ECB, NULL, 0};
    RV(CKR_KEY_TYPE_INCONSISTENT, F->C_EncryptInit(S, &ecb, k));
    /* Keys: 256 bits only. */
    RV(CKR_ATTRIBUTE_VALUE_INVALID, import_rv(CKK_CHACHA20, key, 16, &h));
    RV(CKR_OK, gen_rv(CKM_CHACHA20_KEY_GEN, NULL, &h));
    CK_BYTE v[64];
    assert_int_equal(value(h, v, sizeof(v)), 32);
    CK_ULONG l32 = 32, l16 = 16;
    RV(CKR_OK, gen_rv(CKM_CHACHA20_KEY_GEN, &l32, &h));
    RV(CKR_ATTRIBUTE_VALUE_INVALID, gen_rv(CKM_CHACHA20_KEY_GEN, &l16, &h));
    /* A generated key works: encrypt and decrypt an empty message with AAD. */
    CK_BYTE aad[3] = {1, 2, 3}, ct[16], pt[1];
    p.pAAD = aad;
    p.ulAADLen = 3;
    RV(CKR_OK, gen_rv(CKM_CHACHA20_KEY_GEN, NULL, &h));
    assert_int_equal(crypt1(&m, h, true, buf, 0, ct, sizeof(ct)), 16);
    CK_ULONG ol = sizeof(pt);
    RV(CKR_OK, F->C_DecryptInit(S, &m, h));
    RV(CKR_OK, F->C_Decrypt(S, ct, 16, pt, &ol));
    assert_int_equal(ol, 0);
    /* Mechanism information. */
    CK_MECHANISM_INFO mi;
    RV(CKR_OK, F->C_GetMechanismInfo(T.slot, CKM_CHACHA20_POLY1305, &mi));
    assert_true((mi.flags & (CKF_ENCRYPT | CKF_DECRYPT | CKF_MESSAGE_ENCRYPT |
                             CKF_MESSAGE_DECRYPT)) ==
                (CKF_ENCRYPT | CKF_DECRYPT | CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT));
    assert_int_equal(mi.ulMinKeySize, 256);
    RV(CKR_OK, F->C_GetMechanismInfo(T.slot, CKM_CHACHA20_KEY_GEN, &mi));
    assert_int_equal(mi.ulMinKeySize, 32);
    assert_int_equal(mi.ulMaxKeySize, 32);
}

/* The message-based API with CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS: the §2.8.2 vector with
 * the tag through pTag, Begin/Next in pieces, decryption, a bad tag, bad parameters. */
static void test_chacha_message(void **state)
{
    (void)state;
    CK_BYTE key[32], nonce[12], aad[12], want[160], ct[160], back[160], tag[16], wtag[16];
    unhex(k282, key, sizeof(key));
    unhex(n282, nonce, sizeof(nonce));
    unhex(a282, aad, sizeof(aad));
    size_t n = unhex(c282, want, sizeof(want));
    unhex(t282, wtag, sizeof(wtag));
    CK_OBJECT_HANDLE k = import(CKK_CHACHA20, key, 32);
    CK_MECHANISM m = {CKM_CHACHA20_POLY1305, NULL, 0};
    CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS p = {nonce, 96, tag};
    CK_ULONG l;

    RV(CKR_OK, F->C_MessageEncryptInit(S, &m, k));
    l = 0;
    RV(CKR_OK, F->C_EncryptMessage(S, &p, sizeof(p), aad, 12, (CK_BYTE *)sunscreen,
                                   (CK_ULONG)n, NULL, &l));
    assert_int_equal(l, n);
    l = (CK_ULONG)n - 1;
    RV(CKR_BUFFER_TOO_SMALL, F->C_EncryptMessage(S, &p, sizeof(p), aad, 12,
                                                 (CK_BYTE *)sunscreen, (CK_ULONG)n, ct, &l));
    assert_int_equal(l, n);
    RV(CKR_OK, F->C_EncryptMessage(S, &p, sizeof(p), aad, 12, (CK_BYTE *)sunscreen, (CK_ULONG)n,
                                   ct, &l));
    assert_memory_equal(ct, want, n);
    assert_memory_equal(tag, wtag, 16);
    /* Begin/Next in pieces of 7, 50 and the rest. */
    memset(ct, 0, sizeof(ct));
    memset(tag, 0, sizeof(tag));
    RV(CKR_OK, F->C_EncryptMessageBegin(S, &p, sizeof(p), aad, 12));
    size_t off = 0;
    static const size_t parts[] = {7, 50, 0};
    for (int i = 0; i < 3; i++) {
        size_t pl = parts[i] != 0 ? parts[i] : n - off;
        l = (CK_ULONG)pl;
        RV(CKR_OK, F->C_EncryptMessageNext(S, &p, sizeof(p), (CK_BYTE *)sunscreen + off,
                                           (CK_ULONG)pl, ct + off, &l,
                                           i == 2 ? CKF_END_OF_MESSAGE : 0));
        assert_int_equal(l, pl);
        off += pl;
    }
    assert_memory_equal(ct, want, n);
    assert_memory_equal(tag, wtag, 16);
    /* Wrong nonce lengths and a missing tag pointer. */
    CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS bad = {nonce, 64, tag};
    l = sizeof(ct);
    RV(CKR_MECHANISM_PARAM_INVALID,
       F->C_EncryptMessage(S, &bad, sizeof(bad), NULL, 0, (CK_BYTE *)sunscreen, 10, ct, &l));
    bad.ulNonceLen = 192;
    RV(CKR_MECHANISM_PARAM_INVALID,
       F->C_EncryptMessage(S, &bad, sizeof(bad), NULL, 0, (CK_BYTE *)sunscreen, 10, ct, &l));
    bad.ulNonceLen = 96;
    bad.pTag = NULL;
    RV(CKR_MECHANISM_PARAM_INVALID,
       F->C_EncryptMessage(S, &bad, sizeof(bad), NULL, 0, (CK_BYTE *)sunscreen, 10, ct, &l));
    RV(CKR_MECHANISM_PARAM_INVALID,
       F->C_EncryptMessage(S, NULL, 0, NULL, 0, (CK_BYTE *)sunscreen, 10, ct, &l));
    RV(CKR_MECHANISM_PARAM_INVALID,
       F->C_EncryptMessage(S, &p, sizeof(p) - 1, NULL, 0, (CK_BYTE *)sunscreen, 10, ct, &l));
    RV(CKR_OK, F->C_MessageEncryptFinal(S));

    /* Decryption: one shot, in pieces, and a tampered tag releasing nothing. */
    memcpy(tag, wtag, 16);
    RV(CKR_OK, F->C_MessageDecryptInit(S, &m, k));
    l = sizeof(back);
    RV(CKR_OK, F->C_DecryptMessage(S, &p, sizeof(p), aad, 12, want, (CK_ULONG)n, back, &l));
    assert_int_equal(l, n);
    assert_memory_equal(back, sunscreen, n);
    memset(back, 0, sizeof(back));
    RV(CKR_OK, F->C_DecryptMessageBegin(S, &p, sizeof(p), aad, 12));
    l = sizeof(back);
    RV(CKR_OK, F->C_DecryptMessageNext(S, &p, sizeof(p), want, 33, back, &l, 0));
    assert_int_equal(l, 0);
    l = 0;
    RV(CKR_OK, F->C_DecryptMessageNext(S, &p, sizeof(p), want + 33, (CK_ULONG)n - 33, NULL, &l,
                                       CKF_END_OF_MESSAGE));
    assert_int_equal(l, n);
    RV(CKR_OK, F->C_DecryptMessageNext(S, &p, sizeof(p), want + 33, (CK_ULONG)n - 33, back, &l,
                                       CKF_END_OF_MESSAGE));
    assert_memory_equal(back, sunscreen, n);
    tag[0] ^= 1;
    memset(back, 0xee, sizeof(back));
    l = sizeof(back);
    RV(CKR_ENCRYPTED_DATA_INVALID,
       F->C_DecryptMessage(S, &p, sizeof(p), aad, 12, want, (CK_ULONG)n, back, &l));
    for (size_t i = 0; i < sizeof(back); i++)
        assert_int_equal(back[i], 0xee);
    RV(CKR_OK, F->C_DecryptMessageBegin(S, &p, sizeof(p), aad, 12));
    l = sizeof(back);
    RV(CKR_OK, F->C_DecryptMessageNext(S, &p, sizeof(p), want, 33, back, &l, 0));
    l = sizeof(back);
    RV(CKR_ENCRYPTED_DATA_INVALID, F->C_DecryptMessageNext(S, &p, sizeof(p), want + 33,
                                                           (CK_ULONG)n - 33, back, &l,
                                                           CKF_END_OF_MESSAGE));
    for (size_t i = 0; i < sizeof(back); i++)
        assert_int_equal(back[i], 0xee);
    /* The failed message is over: Next has nothing to continue. */
    l = sizeof(back);
    RV(CKR_OPERATION_NOT_INITIALIZED,
       F->C_DecryptMessageNext(S, &p, sizeof(p), want, 10, back, &l, CKF_END_OF_MESSAGE));
    RV(CKR_OK, F->C_MessageDecryptFinal(S));
    RV(CKR_OK, F->C_DestroyObject(S, k));
}

/* CKM_CHACHA20 (the stream): RFC 8439 §2.4.2 (counter 1, little-endian block counter bytes),
 * multi-part, and the 32-bit counter refusing to wrap. */
static void test_chacha20_stream(void **state)
{
    (void)state;
    static const char *const c242 =
        "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dab"
        "cd62b3571639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806"
        "818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d";
    CK_BYTE key[32], nonce[12], want[160], out[160], ctr[4] = {1, 0, 0, 0};
    for (int i = 0; i < 32; i++)
        key[i] = (CK_BYTE)i;
    unhex("000000000000004a00000000", nonce, sizeof(nonce));
    size_t n = unhex(c242, want, sizeof(want));
    assert_int_equal(n, strlen(sunscreen));
    CK_OBJECT_HANDLE k = import(CKK_CHACHA20, key, 32);
    CK_CHACHA20_PARAMS p = {ctr, 32, nonce, 96};
    CK_MECHANISM m = {CKM_CHACHA20, &p, sizeof(p)};
    assert_int_equal(crypt1(&m, k, true, (const CK_BYTE *)sunscreen, n, out, sizeof(out)), n);
    assert_memory_equal(out, want, n);
    memset(out, 0, sizeof(out));
    assert_int_equal(crypt_multi(&m, k, true, (const CK_BYTE *)sunscreen, n, out, sizeof(out)),
                     n);
    assert_memory_equal(out, want, n);
    assert_int_equal(crypt_multi(&m, k, false, want, n, out, sizeof(out)), n);
    assert_memory_equal(out, sunscreen, n);
    /* Counter 0xffffffff: one block (64 bytes) left before it would wrap into the nonce. */
    memset(ctr, 0xff, sizeof(ctr));
    CK_BYTE in[65] = {0};
    CK_ULONG ol = sizeof(out);
    RV(CKR_OK, F->C_EncryptInit(S, &m, k));
    RV(CKR_OK, F->C_Encrypt(S, in, 64, out, &ol));
    RV(CKR_OK, F->C_EncryptInit(S, &m, k));
    ol = sizeof(out);
    RV(CKR_DATA_LEN_RANGE, F->C_Encrypt(S, in, 65, out, &ol));
    RV(CKR_OK, F->C_EncryptInit(S, &m, k));
    ol = sizeof(out);
    RV(CKR_OK, F->C_EncryptUpdate(S, in, 60, out, &ol));
    ol = sizeof(out);
    RV(CKR_DATA_LEN_RANGE, F->C_EncryptUpdate(S, in, 5, out, &ol));
    /* The original layout (64-bit nonce, 64-bit counter), from counter 2^32 - 1 so the low
     * counter word carries into the high one after the first block. Expected value from an
     * independent implementation of the RFC 8439 §2.3 block function (its state words 12..15
     * set to counter low, counter high, nonce), checked against §2.4.2 first. */
    static const char *const c64 =
        "a3b0df5d0ea3507849538cde64b8d46247910fdc1b0526ba514c133bc7261e1001501558126856ecfd1688f6"
        "13b6e5720cf3ede33a1569f8b0d62293c13329f1ee027d164772eeb73ff5799c7cf7e1017fe918c4ab399fa9"
        "0855418b483247261bbe003c2fd0c026073467640d12eb21c1e9909d49c44880ec17eb7d173efc4c4a48c734"
        "5586be752deb5e5574df1069ef70d2f46606";
    CK_BYTE ctr8[8] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, n8[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    CK_BYTE pt150[150], ct150[150];
    for (int i = 0; i < 150; i++)
        pt150[i] = (CK_BYTE)(i * 7 + 1);
    assert_int_equal(unhex(c64, ct150, sizeof(ct150)), 150);
    CK_CHACHA20_PARAMS p64 = {ctr8, 64, n8, 64};
    CK_MECHANISM m64 = {CKM_CHACHA20, &p64, sizeof(p64)};
    assert_int_equal(crypt1(&m64, k, true, pt150, 150, out, sizeof(out)), 150);
    assert_memory_equal(out, ct150, 150);
    memset(out, 0, sizeof(out));
    assert_int_equal(crypt_multi(&m64, k, false, ct150, 150, out, sizeof(out)), 150);
    assert_memory_equal(out, pt150, 150);
    /* Parameters: XChaCha20, a 96-bit nonce with a 64-bit counter, NULL. */
    CK_CHACHA20_PARAMS bad = {ctr, 64, nonce, 96};
    CK_MECHANISM bm = {CKM_CHACHA20, &bad, sizeof(bad)};
    RV(CKR_MECHANISM_PARAM_INVALID, F->C_EncryptInit(S, &bm, k));
    bad.ulNonceBits = 192;
    RV(CKR_MECHANISM_PARAM_INVALID, F->C_EncryptInit(S, &bm, k));
    CK_MECHANISM m0 = {CKM_CHACHA20, NULL, 0};
    RV(CKR_MECHANISM_PARAM_INVALID, F->C_EncryptInit(S, &m0, k));
    RV(CKR_OK, F->C_DestroyObject(S, k));
}

/* ---- CKG_GENERATE_COUNTER_XOR (AES-GCM message API) ------------------------------------------ */

static void gcm_msg(CK_OBJECT_HANDLE k, CK_GCM_MESSAGE_PARAMS *p, const CK_BYTE *pt, size_t n,
                    CK_BYTE *ct, CK_RV want)
{
    CK_ULONG l = (CK_ULONG)n;
    RV(want, F->C_EncryptMessage(S, p, sizeof(*p), NULL, 0, (CK_BYTE *)pt, (CK_ULONG)n, ct, &l));
}

static void test_counter_xor(void **state)
{
    (void)state;
    CK_BYTE key[16], base[12], iv[12], tag[16], pt[20], ct[20], ref[20], reftag[16];
    memset(key, 0x17, sizeof(key));
    memset(pt, 0x61, sizeof(pt));
    unhex("c0ffee01a5a5a5a5a5a5a5a5", base, sizeof(base));
    CK_OBJECT_HANDLE k = import(CKK_AES, key, 16);
    CK_MECHANISM m = {CKM_AES_GCM, NULL, 0};
    CK_GCM_MESSAGE_PARAMS p = {iv, 12, 32, CKG_GENERATE_COUNTER_XOR, tag, 128};
    CK_GCM_MESSAGE_PARAMS pr = {iv, 12, 0, CKG_NO_GENERATE, reftag, 128};

    RV(CKR_OK, F->C_MessageEncryptInit(S, &m, k));
    /* A size query generates nothing. */
    memcpy(iv, base, 12);
    CK_ULONG l = 0;
    RV(CKR_OK, F->C_EncryptMessage(S, &p, sizeof(p), NULL, 0, pt, 20, NULL, &l));
    assert_memory_equal(iv, base, 12);
    /* Message 0: counter 0, the IV is the base. */
    gcm_msg(k, &p, pt, 20, ct, CKR_OK);
    assert_memory_equal(iv, base, 12);
    /* Message 1, the caller passing its base again: the last byte XOR 1, written back. */
    memcpy(iv, base, 12);
    gcm_msg(k, &p, pt, 20, ct, CKR_OK);
    assert_memory_equal(iv, base, 11);
    assert_int_equal(iv[11], base[11] ^ 1);
    /* The ciphertext is that of the written-back IV. */
    gcm_msg(k, &pr, pt, 20, ref, CKR_OK);
    assert_memory_equal(ct, ref, 20);
    assert_memory_equal(tag, reftag, 16);
    /* Message 2 with the parameter block as left by message 1: counter 2 on the base. */
    gcm_msg(k, &p, pt, 20, ct, CKR_OK);
    assert_memory_equal(iv, base, 11);
    assert_int_equal(iv[11], base[11] ^ 2);
    /* Messages 3..257: the counter carries into the next byte at 256. */
    for (int i = 3; i <= 257; i++) {
        memcpy(iv, base, 12);
        gcm_msg(k, &p, pt, 20, ct, CKR_OK);
    }
    assert_memory_equal(iv, base, 10);
    assert_int_equal(iv[10], base[10] ^ 1);
    assert_int_equal(iv[11], base[11] ^ 1);
    /* The tag decrypts under the returned IV. */
    CK_BYTE back[20];
    CK_GCM_MESSAGE_PARAMS pd = {iv, 12, 0, CKG_NO_GENERATE, tag, 128};
    RV(CKR_OK, F->C_MessageDecryptInit(S, &m, k));
    l = sizeof(back);
    RV(CKR_OK, F->C_DecryptMessage(S, &pd, sizeof(pd), NULL, 0, ct, 20, back, &l));
    assert_memory_equal(back, pt, 20);
    RV(CKR_OK, F->C_MessageDecryptFinal(S));
    /* A base that varies within the operation, fewer than 32 counter bits, other fixed bits. */
    memcpy(iv, base, 12);
    iv[5] ^= 1;
    gcm_msg(k, &p, pt, 20, ct, CKR_MECHANISM_PARAM_INVALID);
    memcpy(iv, base, 12);
    p.ulIvFixedBits = 65;
    gcm_msg(k, &p, pt, 20, ct, CKR_MECHANISM_PARAM_INVALID);
    p.ulIvFixedBits = 0;
    gcm_msg(k, &p, pt, 20, ct, CKR_MECHANISM_PARAM_INVALID);
    p.ulIvFixedBits = 32;
    /* Begin/Next: the IV is generated (and written back) at Begin. */
    memcpy(iv, base, 12);
    RV(CKR_OK, F->C_EncryptMessageBegin(S, &p, sizeof(p), NULL, 0));
    assert_int_equal(iv[10], base[10] ^ 1);
    assert_int_equal(iv[11], base[11] ^ 2);
    l = sizeof(ct);
    RV(CKR_OK, F->C_EncryptMessageNext(S, &p, sizeof(p), pt, 20, ct, &l, CKF_END_OF_MESSAGE));
    RV(CKR_OK, F->C_MessageEncryptFinal(S));
    /* A new operation starts its counter at zero again (PKCS#11: "the counter starts at zero"). */
    RV(CKR_OK, F->C_MessageEncryptInit(S, &m, k));
    memcpy(iv, base, 12);
    gcm_msg(k, &p, pt, 20, ct, CKR_OK);
    assert_memory_equal(iv, base, 12);
    RV(CKR_OK, F->C_MessageEncryptFinal(S));
    /* A counter wider than a byte with no fixed part: XOR over the last 8 bytes. */
    RV(CKR_OK, F->C_MessageEncryptInit(S, &m, k));
    p.ulIvFixedBits = 0;
    memset(base, 0xff, sizeof(base));
    for (int i = 0; i < 2; i++) {
        memcpy(iv, base, 12);
        gcm_msg(k, &p, pt, 20, ct, CKR_OK);
    }
    assert_memory_equal(iv, base, 11);
    assert_int_equal(iv[11], 0xfe);
    RV(CKR_OK, F->C_MessageEncryptFinal(S));
    /* AES-CCM's message parameters share the generator. */
    CK_BYTE nonce[12], mac[16];
    unhex("0102030405060708090a0b0c", base, sizeof(base));
    CK_CCM_MESSAGE_PARAMS cp = {20, nonce, 12, 32, CKG_GENERATE_COUNTER_XOR, mac, 16};
    CK_MECHANISM ccm = {CKM_AES_CCM, NULL, 0};
    RV(CKR_OK, F->C_MessageEncryptInit(S, &ccm, k));
    for (int i = 0; i < 2; i++) {
        memcpy(nonce, base, 12);
        l = sizeof(ct);
        RV(CKR_OK, F->C_EncryptMessage(S, &cp, sizeof(cp), NULL, 0, pt, 20, ct, &l));
    }
    assert_memory_equal(nonce, base, 11);
    assert_int_equal(nonce[11], base[11] ^ 1);
    RV(CKR_OK, F->C_MessageEncryptFinal(S));
    RV(CKR_OK, F->C_DestroyObject(S, k));
}

/* ---- approved-only mode: XTS stays, the ChaCha20 mechanisms are not offered ------------------ */

static int setup_approved(void **state)
{
    (void)state;
    if (ch_p11t_setup(&T, "[fips]\napproved_only = true\n") != 0 ||
        ch_p11t_open(&T, true, CKU_USER, &S) != CKR_OK)
        return -1;
    F = T.f;
    return 0;
}

static void test_approved_only(void **state)
{
    (void)state;
    CK_MECHANISM_INFO mi;
    RV(CKR_OK, F->C_GetMechanismInfo(T.slot, CKM_AES_XTS, &mi));
    RV(CKR_OK, F->C_GetMechanismInfo(T.slot, CKM_AES_XTS_KEY_GEN, &mi));
    RV(CKR_MECHANISM_INVALID, F->C_GetMechanismInfo(T.slot, CKM_CHACHA20_POLY1305, &mi));
    RV(CKR_MECHANISM_INVALID, F->C_GetMechanismInfo(T.slot, CKM_CHACHA20, &mi));
    RV(CKR_MECHANISM_INVALID, F->C_GetMechanismInfo(T.slot, CKM_CHACHA20_KEY_GEN, &mi));
    CK_OBJECT_HANDLE h;
    RV(CKR_MECHANISM_INVALID, gen_rv(CKM_CHACHA20_KEY_GEN, NULL, &h));
    CK_BYTE key[32];
    memset(key, 3, sizeof(key));
    CK_OBJECT_HANDLE k = import(CKK_CHACHA20, key, 32);
    CK_BYTE nonce[12] = {0};
    CK_SALSA20_CHACHA20_POLY1305_PARAMS p = {nonce, 96, NULL, 0};
    CK_MECHANISM m = {CKM_CHACHA20_POLY1305, &p, sizeof(p)};
    RV(CKR_MECHANISM_INVALID, F->C_EncryptInit(S, &m, k));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xts_kat),        cmocka_unit_test(test_xts_roundtrip),
        cmocka_unit_test(test_xts_refusals),   cmocka_unit_test(test_chacha_rfc8439),
        cmocka_unit_test(test_chacha_tamper),  cmocka_unit_test(test_chacha_refusals),
        cmocka_unit_test(test_chacha_message), cmocka_unit_test(test_chacha20_stream),
        cmocka_unit_test(test_counter_xor),
    };
    const struct CMUnitTest approved[] = {cmocka_unit_test(test_approved_only)};
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    return failed + cmocka_run_group_tests(approved, setup_approved, teardown);
}
