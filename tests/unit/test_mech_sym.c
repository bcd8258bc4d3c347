/* SPDX-License-Identifier: Apache-2.0 */
/* Symmetric mechanisms (src/mech/mech_aes.c, mech_hmac.c, mech_kdf.c, src/crypto/crypto_cipher.c)
 * through the exported PKCS#11 ABI of the dlopen'ed module: key generation, multi-part in odd
 * pieces equal to single-part, the size convention (queries consume nothing), GCM tag failure
 * releasing no plaintext, CTR counter overflow, MAC verification codes, key wrap, KDF known
 * answers, and the message-based API (every IV generator, interleaving, misuse). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "p11_test.h"

static struct ch_p11t T;
static CK_FUNCTION_LIST_3_0 *F;
static CK_SESSION_HANDLE S;
static CK_OBJECT_HANDLE aes; /* AES-256 generated once */
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

#define ATTR(t, v) {(t), (void *)(v), sizeof(*(v))}
#define ATTRN(t, v, n) {(t), (void *)(v), (CK_ULONG)(n)}

static CK_RV gen(CK_MECHANISM_TYPE mech, CK_ULONG len, CK_OBJECT_HANDLE *h)
{
    CK_MECHANISM m = {mech, NULL, 0};
    CK_ATTRIBUTE t[] = {ATTR(CKA_VALUE_LEN, &len),  ATTR(CKA_ENCRYPT, &yes),
                        ATTR(CKA_DECRYPT, &yes),    ATTR(CKA_SIGN, &yes),
                        ATTR(CKA_VERIFY, &yes),     ATTR(CKA_WRAP, &yes),
                        ATTR(CKA_UNWRAP, &yes),     ATTR(CKA_EXTRACTABLE, &yes),
                        ATTR(CKA_SENSITIVE, &no),   ATTR(CKA_DERIVE, &yes)};
    return F->C_GenerateKey(S, &m, t, 10, h);
}

static CK_OBJECT_HANDLE import(CK_KEY_TYPE kt, const CK_BYTE *v, size_t len)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_ATTRIBUTE t[] = {ATTR(CKA_CLASS, &cls),    ATTR(CKA_KEY_TYPE, &kt),
                        ATTRN(CKA_VALUE, v, len), ATTR(CKA_SIGN, &yes),
                        ATTR(CKA_VERIFY, &yes),   ATTR(CKA_DERIVE, &yes),
                        ATTR(CKA_ENCRYPT, &yes),  ATTR(CKA_DECRYPT, &yes),
                        ATTR(CKA_SENSITIVE, &no), ATTR(CKA_EXTRACTABLE, &yes)};
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    assert_int_equal(F->C_CreateObject(S, t, 10, &h), CKR_OK);
    return h;
}

static size_t value(CK_OBJECT_HANDLE o, CK_BYTE *out, size_t cap)
{
    CK_ATTRIBUTE a = {CKA_VALUE, out, (CK_ULONG)cap};
    assert_int_equal(F->C_GetAttributeValue(S, o, &a, 1), CKR_OK);
    return a.ulValueLen;
}

static int setup(void **state)
{
    (void)state;
    if (ch_p11t_setup(&T, NULL) != 0 || ch_p11t_open(&T, true, CKU_USER, &S) != CKR_OK)
        return -1;
    F = T.f;
    return gen(CKM_AES_KEY_GEN, 32, &aes) == CKR_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ch_p11t_teardown(&T);
    return 0;
}

/* ---- key generation ------------------------------------------------------------------------ */

static void test_keygen(void **state)
{
    (void)state;
    CK_OBJECT_HANDLE h;
    CK_BYTE v[64];
    CK_ULONG vl = 0, kt = 0;
    for (CK_ULONG len = 16; len <= 32; len += 8) {
        assert_int_equal(gen(CKM_AES_KEY_GEN, len, &h), CKR_OK);
        CK_ATTRIBUTE a[] = {ATTR(CKA_VALUE_LEN, &vl), ATTR(CKA_KEY_TYPE, &kt)};
        assert_int_equal(F->C_GetAttributeValue(S, h, a, 2), CKR_OK);
        assert_int_equal(vl, len);
        assert_int_equal(kt, CKK_AES);
        assert_int_equal(value(h, v, sizeof(v)), len);
        assert_int_equal(F->C_DestroyObject(S, h), CKR_OK);
    }
    assert_int_not_equal(gen(CKM_AES_KEY_GEN, 20, &h), CKR_OK);
    CK_MECHANISM m = {CKM_AES_KEY_GEN, NULL, 0};
    CK_ATTRIBUTE none[] = {ATTR(CKA_ENCRYPT, &yes)};
    assert_int_equal(F->C_GenerateKey(S, &m, none, 1, &h), CKR_TEMPLATE_INCOMPLETE);
    assert_int_equal(gen(CKM_GENERIC_SECRET_KEY_GEN, 37, &h), CKR_OK);
    assert_int_equal(value(h, v, sizeof(v)), 37);
    CK_ATTRIBUTE a = ATTR(CKA_KEY_TYPE, &kt);
    assert_int_equal(F->C_GetAttributeValue(S, h, &a, 1), CKR_OK);
    assert_int_equal(kt, CKK_GENERIC_SECRET);
    assert_int_equal(F->C_DestroyObject(S, h), CKR_OK);
    /* Importing an AES key of a length FIPS 197 does not define fails. */
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE ak = CKK_AES;
    CK_ATTRIBUTE bad[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &ak), ATTRN(CKA_VALUE, v, 20)};
    assert_int_equal(F->C_CreateObject(S, bad, 3, &h), CKR_ATTRIBUTE_VALUE_INVALID);
}

/* ---- single vs multi-part, size convention ------------------------------------------------- */

static size_t enc1(CK_MECHANISM *m, bool enc, const CK_BYTE *in, size_t n, CK_BYTE *out)
{
    CK_ULONG ol = 0;
    assert_int_equal(enc ? F->C_EncryptInit(S, m, aes) : F->C_DecryptInit(S, m, aes), CKR_OK);
    /* Two size queries, a too-small buffer: none may consume the operation. */
    assert_int_equal(enc ? F->C_Encrypt(S, (CK_BYTE *)in, (CK_ULONG)n, NULL, &ol)
                         : F->C_Decrypt(S, (CK_BYTE *)in, (CK_ULONG)n, NULL, &ol),
                     CKR_OK);
    CK_ULONG need = ol;
    assert_int_equal(enc ? F->C_Encrypt(S, (CK_BYTE *)in, (CK_ULONG)n, NULL, &ol)
                         : F->C_Decrypt(S, (CK_BYTE *)in, (CK_ULONG)n, NULL, &ol),
                     CKR_OK);
    assert_int_equal(ol, need);
    /* CBC-PAD decryption reports an upper bound; the rest report the exact size. */
    if (need > 0 && (enc || m->mechanism != CKM_AES_CBC_PAD)) {
        ol = 0;
        assert_int_equal(enc ? F->C_Encrypt(S, (CK_BYTE *)in, (CK_ULONG)n, out, &ol)
                             : F->C_Decrypt(S, (CK_BYTE *)in, (CK_ULONG)n, out, &ol),
                         CKR_BUFFER_TOO_SMALL);
    }
    ol = 4096;
    assert_int_equal(enc ? F->C_Encrypt(S, (CK_BYTE *)in, (CK_ULONG)n, out, &ol)
                         : F->C_Decrypt(S, (CK_BYTE *)in, (CK_ULONG)n, out, &ol),
                     CKR_OK);
    assert_true(ol <= need);
    return ol;
}

static size_t enc_multi(CK_MECHANISM *m, bool enc, const CK_BYTE *in, size_t n, CK_BYTE *out)
{
    static const size_t pieces[] = {1, 15, 17, 3, 32, 5, 64};
    size_t off = 0, o = 0, k = 0;
    assert_int_equal(enc ? F->C_EncryptInit(S, m, aes) : F->C_DecryptInit(S, m, aes), CKR_OK);
    while (off < n) {
        size_t p = pieces[k++ % 7];
        if (p > n - off)
            p = n - off;
        CK_ULONG ol = 0;
        assert_int_equal(enc ? F->C_EncryptUpdate(S, (CK_BYTE *)in + off, (CK_ULONG)p, NULL, &ol)
                             : F->C_DecryptUpdate(S, (CK_BYTE *)in + off, (CK_ULONG)p, NULL, &ol),
                         CKR_OK);
        CK_ULONG cap = ol;
        assert_int_equal(enc ? F->C_EncryptUpdate(S, (CK_BYTE *)in + off, (CK_ULONG)p, out + o, &ol)
                             : F->C_DecryptUpdate(S, (CK_BYTE *)in + off, (CK_ULONG)p, out + o, &ol),
                         CKR_OK);
        assert_true(ol <= cap);
        o += ol;
        off += p;
    }
    CK_ULONG ol = 0;
    assert_int_equal(enc ? F->C_EncryptFinal(S, NULL, &ol) : F->C_DecryptFinal(S, NULL, &ol), CKR_OK);
    CK_ULONG need = ol;
    assert_int_equal(enc ? F->C_EncryptFinal(S, out + o, &ol) : F->C_DecryptFinal(S, out + o, &ol),
                     CKR_OK);
    assert_true(ol <= need);
    return o + ol;
}

static void roundtrip(CK_MECHANISM *m, size_t n, bool aligned_only)
{
    CK_BYTE in[300], a[400], b[400], c[400];
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (CK_BYTE)(i * 7 + 3);
    if (aligned_only)
        n -= n % 16;
    size_t la = enc1(m, true, in, n, a);
    size_t lb = enc_multi(m, true, in, n, b);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    size_t lc = enc1(m, false, a, la, c);
    assert_int_equal(lc, n);
    assert_memory_equal(c, in, n);
    memset(c, 0, sizeof(c));
    lc = enc_multi(m, false, a, la, c);
    assert_int_equal(lc, n);
    assert_memory_equal(c, in, n);
}

static void test_modes(void **state)
{
    (void)state;
    CK_BYTE iv[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    CK_BYTE aad[5] = {9, 8, 7, 6, 5};
    CK_AES_CTR_PARAMS cp = {32, {0}};
    memcpy(cp.cb, iv, 16);
    CK_GCM_PARAMS gp = {iv, 12, 96, aad, 5, 128};
    CK_GCM_PARAMS gp96 = {iv, 16, 128, NULL, 0, 96};
    CK_MECHANISM ms[] = {
        {CKM_AES_ECB, NULL, 0},       {CKM_AES_CBC, iv, 16},        {CKM_AES_CBC_PAD, iv, 16},
        {CKM_AES_CTR, &cp, sizeof(cp)}, {CKM_AES_GCM, &gp, sizeof(gp)},
        {CKM_AES_GCM, &gp96, sizeof(gp96)},
    };
    static const size_t lens[] = {0, 1, 15, 16, 17, 31, 32, 33, 100, 255};
    for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
        for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
            bool aligned = ms[i].mechanism == CKM_AES_ECB || ms[i].mechanism == CKM_AES_CBC;
            if (aligned && lens[j] % 16 != 0)
                continue;
            if (lens[j] == 0 && ms[i].mechanism != CKM_AES_GCM &&
                ms[i].mechanism != CKM_AES_CBC_PAD)
                continue;
            roundtrip(&ms[i], lens[j], aligned);
        }
    /* ECB/CBC refuse partial blocks (single-part at once, multi-part at final). */
    CK_BYTE buf[32], out[64];
    CK_ULONG ol = sizeof(out);
    memset(buf, 0, sizeof(buf));
    assert_int_equal(F->C_EncryptInit(S, &ms[1], aes), CKR_OK);
    assert_int_equal(F->C_Encrypt(S, buf, 17, out, &ol), CKR_DATA_LEN_RANGE);
    assert_int_equal(F->C_EncryptInit(S, &ms[1], aes), CKR_OK);
    ol = sizeof(out);
    assert_int_equal(F->C_EncryptUpdate(S, buf, 17, out, &ol), CKR_OK);
    assert_int_equal(ol, 16);
    ol = sizeof(out);
    assert_int_equal(F->C_EncryptFinal(S, out, &ol), CKR_DATA_LEN_RANGE);
    /* Bad padding on decryption. */
    CK_MECHANISM raw = {CKM_AES_CBC, iv, 16}, padm = {CKM_AES_CBC_PAD, iv, 16};
    ol = sizeof(out);
    assert_int_equal(F->C_EncryptInit(S, &raw, aes), CKR_OK);
    assert_int_equal(F->C_Encrypt(S, buf, 16, out, &ol), CKR_OK); /* last byte decrypts to 0 */
    CK_BYTE pt[32];
    CK_ULONG pl = sizeof(pt);
    assert_int_equal(F->C_DecryptInit(S, &padm, aes), CKR_OK);
    assert_int_equal(F->C_Decrypt(S, out, 16, pt, &pl), CKR_ENCRYPTED_DATA_INVALID);
    /* Parameter checks. */
    CK_GCM_PARAMS badtag = {iv, 12, 96, NULL, 0, 100};
    CK_MECHANISM bm = {CKM_AES_GCM, &badtag, sizeof(badtag)};
    assert_int_equal(F->C_EncryptInit(S, &bm, aes), CKR_MECHANISM_PARAM_INVALID);
    CK_MECHANISM shortiv = {CKM_AES_CBC, iv, 8};
    assert_int_equal(F->C_EncryptInit(S, &shortiv, aes), CKR_MECHANISM_PARAM_INVALID);
}

/* Contexts are reused per key (crypto_cipher.c spares): one key used for GCM with IV lengths
 * 12, 16, 12, 8, 60, for CBC left in the middle of a multi-part operation, and again, must give
 * what a key seen for the first time gives. */
static void gcm_once(CK_OBJECT_HANDLE k, size_t ivlen, CK_BYTE *ct, CK_ULONG *cl)
{
    CK_BYTE iv[60], pt[37];
    for (size_t i = 0; i < sizeof(iv); i++)
        iv[i] = (CK_BYTE)(i * 7 + ivlen);
    memset(pt, 0x42, sizeof(pt));
    CK_GCM_PARAMS gp = {iv, (CK_ULONG)ivlen, (CK_ULONG)ivlen * 8, NULL, 0, 128};
    CK_MECHANISM m = {CKM_AES_GCM, &gp, sizeof(gp)};
    assert_int_equal(F->C_EncryptInit(S, &m, k), CKR_OK);
    assert_int_equal(F->C_Encrypt(S, pt, sizeof(pt), ct, cl), CKR_OK);
}

static void test_context_reuse(void **state)
{
    (void)state;
    static const CK_BYTE kv[32] = {9, 8, 7, 6, 5, 4, 3, 2, 1};
    static const size_t ivs[] = {12, 16, 12, 8, 60, 12};
    CK_OBJECT_HANDLE used = import(CKK_AES, kv, sizeof(kv));
    for (size_t r = 0; r < 2; r++) {
        for (size_t i = 0; i < sizeof(ivs) / sizeof(ivs[0]); i++) {
            CK_BYTE a[64], b[64];
            CK_ULONG al = sizeof(a), bl = sizeof(b);
            CK_OBJECT_HANDLE fresh = import(CKK_AES, kv, sizeof(kv));
            gcm_once(used, ivs[i], a, &al);
            gcm_once(fresh, ivs[i], b, &bl);
            assert_int_equal(al, bl);
            assert_memory_equal(a, b, al);
            assert_int_equal(F->C_DestroyObject(S, fresh), CKR_OK);
        }
        /* A CBC operation abandoned after a partial block, then a complete one. */
        CK_BYTE iv[16] = {1}, in[32], out[48], ref[48];
        CK_ULONG ol = sizeof(out), rl = sizeof(ref);
        memset(in, 0x17, sizeof(in));
        CK_MECHANISM cbc = {CKM_AES_CBC, iv, sizeof(iv)};
        assert_int_equal(F->C_EncryptInit(S, &cbc, used), CKR_OK);
        assert_int_equal(F->C_EncryptUpdate(S, in, 7, out, &ol), CKR_OK);
        assert_int_equal(F->C_SessionCancel(S, CKF_ENCRYPT), CKR_OK);
        ol = sizeof(out);
        assert_int_equal(F->C_EncryptInit(S, &cbc, used), CKR_OK);
        assert_int_equal(F->C_Encrypt(S, in, sizeof(in), out, &ol), CKR_OK);
        CK_OBJECT_HANDLE fresh = import(CKK_AES, kv, sizeof(kv));
        assert_int_equal(F->C_EncryptInit(S, &cbc, fresh), CKR_OK);
        assert_int_equal(F->C_Encrypt(S, in, sizeof(in), ref, &rl), CKR_OK);
        assert_int_equal(ol, rl);
        assert_memory_equal(out, ref, ol);
        assert_int_equal(F->C_DestroyObject(S, fresh), CKR_OK);
    }
    assert_int_equal(F->C_DestroyObject(S, used), CKR_OK);
}

static void test_gcm_tag_failure(void **state)
{
    (void)state;
    CK_BYTE iv[12] = {0}, pt[40], ct[64], out[64];
    memset(pt, 0x5a, sizeof(pt));
    CK_GCM_PARAMS gp = {iv, 12, 96, NULL, 0, 128};
    CK_MECHANISM m = {CKM_AES_GCM, &gp, sizeof(gp)};
    CK_ULONG cl = sizeof(ct), ol = sizeof(out);
    assert_int_equal(F->C_EncryptInit(S, &m, aes), CKR_OK);
    assert_int_equal(F->C_Encrypt(S, pt, 40, ct, &cl), CKR_OK);
    assert_int_equal(cl, 56);
    ct[cl - 1] ^= 1;
    memset(out, 0xee, sizeof(out));
    assert_int_equal(F->C_DecryptInit(S, &m, aes), CKR_OK);
    assert_int_equal(F->C_Decrypt(S, ct, cl, out, &ol), CKR_ENCRYPTED_DATA_INVALID);
    for (size_t i = 0; i < 40; i++)
        assert_int_not_equal(out[i], 0x5a);
    /* Multi-part: updates release nothing, final fails. */
    assert_int_equal(F->C_DecryptInit(S, &m, aes), CKR_OK);
    ol = sizeof(out);
    assert_int_equal(F->C_DecryptUpdate(S, ct, 30, out, &ol), CKR_OK);
    assert_int_equal(ol, 0);
    ol = sizeof(out);
    assert_int_equal(F->C_DecryptUpdate(S, ct + 30, cl - 30, out, &ol), CKR_OK);
    assert_int_equal(ol, 0);
    ol = sizeof(out);
    assert_int_equal(F->C_DecryptFinal(S, out, &ol), CKR_ENCRYPTED_DATA_INVALID);
    /* Too short for the tag. */
    assert_int_equal(F->C_DecryptInit(S, &m, aes), CKR_OK);
    ol = sizeof(out);
    assert_int_equal(F->C_Decrypt(S, ct, 15, out, &ol), CKR_ENCRYPTED_DATA_LEN_RANGE);
}

static void test_ctr_overflow(void **state)
{
    (void)state;
    CK_AES_CTR_PARAMS cp = {8, {0}};
    cp.cb[15] = 0xfe; /* two blocks left in an 8-bit counter */
    CK_MECHANISM m = {CKM_AES_CTR, &cp, sizeof(cp)};
    CK_BYTE in[48] = {0}, out[48];
    CK_ULONG ol = sizeof(out);
    assert_int_equal(F->C_EncryptInit(S, &m, aes), CKR_OK);
    assert_int_equal(F->C_Encrypt(S, in, 32, out, &ol), CKR_OK);
    ol = sizeof(out);
    assert_int_equal(F->C_EncryptInit(S, &m, aes), CKR_OK);
    assert_int_equal(F->C_Encrypt(S, in, 33, out, &ol), CKR_DATA_LEN_RANGE);
    assert_int_equal(F->C_EncryptInit(S, &m, aes), CKR_OK);
    ol = sizeof(out);
    assert_int_equal(F->C_EncryptUpdate(S, in, 20, out, &ol), CKR_OK);
    ol = sizeof(out);
    assert_int_equal(F->C_EncryptUpdate(S, in, 13, out, &ol), CKR_DATA_LEN_RANGE);
    CK_AES_CTR_PARAMS bad = {0, {0}};
    CK_MECHANISM bm = {CKM_AES_CTR, &bad, sizeof(bad)};
    assert_int_equal(F->C_EncryptInit(S, &bm, aes), CKR_MECHANISM_PARAM_INVALID);
}

/* ---- MACs ---------------------------------------------------------------------------------- */

static void test_hmac(void **state)
{
    (void)state;
    /* RFC 4231 test case 2: key "Jefe". */
    static const CK_BYTE want[32] = {
        0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
        0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
    CK_BYTE data[] = "what do ya want for nothing?";
    CK_OBJECT_HANDLE k = import(CKK_GENERIC_SECRET, (const CK_BYTE *)"Jefe", 4);
    CK_MECHANISM m = {CKM_SHA256_HMAC, NULL, 0};
    CK_BYTE mac[64];
    CK_ULONG ml = 0;
    assert_int_equal(F->C_SignInit(S, &m, k), CKR_OK);
    assert_int_equal(F->C_Sign(S, data, 28, NULL, &ml), CKR_OK);
    assert_int_equal(ml, 32);
    assert_int_equal(F->C_Sign(S, data, 28, mac, &ml), CKR_OK);
    assert_memory_equal(mac, want, 32);
    /* Multi-part. */
    assert_int_equal(F->C_SignInit(S, &m, k), CKR_OK);
    assert_int_equal(F->C_SignUpdate(S, data, 5), CKR_OK);
    assert_int_equal(F->C_SignUpdate(S, data + 5, 23), CKR_OK);
    ml = sizeof(mac);
    assert_int_equal(F->C_SignFinal(S, mac, &ml), CKR_OK);
    assert_memory_equal(mac, want, 32);
    /* Verify: right, wrong, wrong length. */
    assert_int_equal(F->C_VerifyInit(S, &m, k), CKR_OK);
    assert_int_equal(F->C_Verify(S, data, 28, mac, 32), CKR_OK);
    mac[31] ^= 1;
    assert_int_equal(F->C_VerifyInit(S, &m, k), CKR_OK);
    assert_int_equal(F->C_Verify(S, data, 28, mac, 32), CKR_SIGNATURE_INVALID);
    assert_int_equal(F->C_VerifyInit(S, &m, k), CKR_OK);
    assert_int_equal(F->C_Verify(S, data, 28, mac, 31), CKR_SIGNATURE_LEN_RANGE);
    /* General form: truncated. */
    CK_ULONG tl = 16;
    CK_MECHANISM g = {CKM_SHA256_HMAC_GENERAL, &tl, sizeof(tl)};
    ml = sizeof(mac);
    assert_int_equal(F->C_SignInit(S, &g, k), CKR_OK);
    assert_int_equal(F->C_Sign(S, data, 28, mac, &ml), CKR_OK);
    assert_int_equal(ml, 16);
    assert_memory_equal(mac, want, 16);
    tl = 33;
    assert_int_equal(F->C_SignInit(S, &g, k), CKR_MECHANISM_PARAM_INVALID);
    /* Message-based signing: the same MAC per message, twice on one init. */
    assert_int_equal(F->C_MessageSignInit(S, &m, k), CKR_OK);
    for (int i = 0; i < 2; i++) {
        ml = sizeof(mac);
        assert_int_equal(F->C_SignMessage(S, NULL, 0, data, 28, mac, &ml), CKR_OK);
        assert_memory_equal(mac, want, 32);
    }
    assert_int_equal(F->C_SignMessageBegin(S, NULL, 0), CKR_OK);
    assert_int_equal(F->C_SignMessageNext(S, NULL, 0, data, 10, NULL, NULL), CKR_OK);
    ml = sizeof(mac);
    assert_int_equal(F->C_SignMessageNext(S, NULL, 0, data + 10, 18, mac, &ml), CKR_OK);
    assert_memory_equal(mac, want, 32);
    assert_int_equal(F->C_MessageSignFinal(S), CKR_OK);
    assert_int_equal(F->C_MessageVerifyInit(S, &m, k), CKR_OK);
    assert_int_equal(F->C_VerifyMessage(S, NULL, 0, data, 28, mac, 32), CKR_OK);
    mac[0] ^= 1;
    assert_int_equal(F->C_VerifyMessage(S, NULL, 0, data, 28, mac, 32), CKR_SIGNATURE_INVALID);
    assert_int_equal(F->C_MessageVerifyFinal(S), CKR_OK);
    /* An AES key is not an HMAC key; a CKK_SHA256_HMAC key serves SHA-256 HMAC only. */
    assert_int_equal(F->C_SignInit(S, &m, aes), CKR_KEY_TYPE_INCONSISTENT);
    CK_KEY_TYPE hkt = CKK_SHA256_HMAC;
    CK_ULONG hlen = 32;
    CK_MECHANISM gm = {CKM_GENERIC_SECRET_KEY_GEN, NULL, 0};
    CK_ATTRIBUTE ht[] = {ATTR(CKA_KEY_TYPE, &hkt), ATTR(CKA_VALUE_LEN, &hlen), ATTR(CKA_SIGN, &yes)};
    CK_OBJECT_HANDLE hk;
    assert_int_equal(F->C_GenerateKey(S, &gm, ht, 3, &hk), CKR_OK);
    assert_int_equal(F->C_SignInit(S, &m, hk), CKR_OK);
    ml = sizeof(mac);
    assert_int_equal(F->C_Sign(S, data, 28, mac, &ml), CKR_OK);
    CK_MECHANISM m384 = {CKM_SHA384_HMAC, NULL, 0};
    assert_int_equal(F->C_SignInit(S, &m384, hk), CKR_KEY_TYPE_INCONSISTENT);
    (void)F->C_DestroyObject(S, hk);
    (void)F->C_DestroyObject(S, k);
}

/* ---- wrap and derive ----------------------------------------------------------------------- */

static void test_wrap(void **state)
{
    (void)state;
    CK_OBJECT_HANDLE k;
    assert_int_equal(gen(CKM_GENERIC_SECRET_KEY_GEN, 21, &k), CKR_OK);
    CK_BYTE v[64], w[128], u[64];
    size_t vl = value(k, v, sizeof(v));
    CK_MECHANISM_TYPE mechs[] = {CKM_AES_KEY_WRAP_PAD, CKM_AES_KEY_WRAP};
    for (int i = 0; i < 2; i++) {
        CK_MECHANISM m = {mechs[i], NULL, 0};
        CK_ULONG wl = 0;
        CK_OBJECT_HANDLE src = k;
        if (i == 1) /* KW needs a multiple of 8 bytes */
            assert_int_equal(gen(CKM_AES_KEY_GEN, 24, &src), CKR_OK);
        size_t sl = value(src, v, sizeof(v));
        assert_int_equal(F->C_WrapKey(S, &m, aes, src, NULL, &wl), CKR_OK);
        assert_int_equal(wl, (sl + 7) / 8 * 8 + 8);
        assert_int_equal(F->C_WrapKey(S, &m, aes, src, w, &wl), CKR_OK);
        CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
        CK_KEY_TYPE kt = i == 1 ? CKK_AES : CKK_GENERIC_SECRET;
        CK_ATTRIBUTE t[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &kt),
                            ATTR(CKA_SENSITIVE, &no), ATTR(CKA_EXTRACTABLE, &yes)};
        CK_OBJECT_HANDLE h;
        assert_int_equal(F->C_UnwrapKey(S, &m, aes, w, wl, t, 4, &h), CKR_OK);
        assert_int_equal(value(h, u, sizeof(u)), sl);
        assert_memory_equal(u, v, sl);
        w[3] ^= 1;
        assert_int_equal(F->C_UnwrapKey(S, &m, aes, w, wl, t, 4, &h), CKR_WRAPPED_KEY_INVALID);
    }
    (void)vl;
}

static void test_kdf(void **state)
{
    (void)state;
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE gk = CKK_GENERIC_SECRET;
    CK_BYTE out[64];
    /* SP 800-108 counter mode, HMAC-SHA-256: [i]_32 || "label" || 00 || "context" || [L]_32
     * (expected value computed independently with Python's hmac module). */
    static const CK_BYTE want108[48] = {
        0x8c, 0x1b, 0xf9, 0x9e, 0x82, 0x9b, 0x47, 0x57, 0x36, 0xec, 0x0c, 0x02, 0x72, 0xa0, 0xfb, 0x4f,
        0x61, 0x7b, 0xb1, 0x5e, 0x23, 0xd8, 0x74, 0xda, 0x55, 0x19, 0x55, 0x14, 0x3e, 0x92, 0xba, 0x81,
        0xb1, 0x13, 0x39, 0x23, 0x26, 0x00, 0xc6, 0xa0, 0x85, 0x27, 0x71, 0x2c, 0x01, 0x7f, 0x25, 0x81};
    CK_BYTE kv[32];
    memset(kv, 1, sizeof(kv));
    CK_OBJECT_HANDLE base = import(CKK_GENERIC_SECRET, kv, 32);
    CK_SP800_108_COUNTER_FORMAT cf = {CK_FALSE, 32};
    CK_SP800_108_DKM_LENGTH_FORMAT lf = {CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS, CK_FALSE, 32};
    CK_BYTE label[] = "label", zero = 0, ctx[] = "context";
    CK_PRF_DATA_PARAM dp[] = {
        {CK_SP800_108_ITERATION_VARIABLE, &cf, sizeof(cf)},
        {CK_SP800_108_BYTE_ARRAY, label, 5},
        {CK_SP800_108_BYTE_ARRAY, &zero, 1},
        {CK_SP800_108_BYTE_ARRAY, ctx, 7},
        {CK_SP800_108_DKM_LENGTH, &lf, sizeof(lf)},
    };
    CK_SP800_108_KDF_PARAMS kp = {CKM_SHA256_HMAC, 5, dp, 0, NULL};
    CK_MECHANISM m = {CKM_SP800_108_COUNTER_KDF, &kp, sizeof(kp)};
    CK_ULONG len = 48;
    CK_ATTRIBUTE t[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &gk), ATTR(CKA_VALUE_LEN, &len),
                        ATTR(CKA_SENSITIVE, &no), ATTR(CKA_EXTRACTABLE, &yes)};
    CK_OBJECT_HANDLE d;
    assert_int_equal(F->C_DeriveKey(S, &m, base, t, 5, &d), CKR_OK);
    assert_int_equal(value(d, out, sizeof(out)), 48);
    assert_memory_equal(out, want108, 48);
    kp.ulNumberOfDataParams = 4;
    kp.pDataParams = dp + 1; /* no iteration variable */
    assert_int_equal(F->C_DeriveKey(S, &m, base, t, 5, &d), CKR_MECHANISM_PARAM_INVALID);

    /* CMAC PRF, byte array first, 8-bit little-endian counter, 16-bit little-endian DKM length
     * as the sum of segments (2 blocks = 256 bits), 20 bytes (value from Python's
     * cryptography CMAC). */
    static const CK_BYTE want_cmac[20] = {0x38, 0x53, 0xb5, 0x92, 0x2f, 0xb8, 0xa5, 0x3f, 0xc5, 0x05,
                                          0xa7, 0x28, 0xd8, 0x82, 0xef, 0x90, 0x46, 0x0e, 0xbd, 0xe3};
    CK_BYTE ak[16];
    for (int i = 0; i < 16; i++)
        ak[i] = (CK_BYTE)i;
    CK_OBJECT_HANDLE abase = import(CKK_AES, ak, 16);
    CK_SP800_108_COUNTER_FORMAT cf8 = {CK_TRUE, 8};
    CK_SP800_108_DKM_LENGTH_FORMAT lf16 = {CK_SP800_108_DKM_LENGTH_SUM_OF_SEGMENTS, CK_TRUE, 16};
    CK_BYTE cx[] = "ctx";
    CK_PRF_DATA_PARAM dp2[] = {
        {CK_SP800_108_BYTE_ARRAY, cx, 3},
        {CK_SP800_108_ITERATION_VARIABLE, &cf8, sizeof(cf8)},
        {CK_SP800_108_DKM_LENGTH, &lf16, sizeof(lf16)},
    };
    CK_SP800_108_KDF_PARAMS kp2 = {CKM_AES_CMAC, 3, dp2, 0, NULL};
    CK_MECHANISM m2 = {CKM_SP800_108_COUNTER_KDF, &kp2, sizeof(kp2)};
    len = 20;
    assert_int_equal(F->C_DeriveKey(S, &m2, abase, t, 5, &d), CKR_OK);
    assert_int_equal(value(d, out, sizeof(out)), 20);
    assert_memory_equal(out, want_cmac, 20);

    /* HKDF: extract then expand equals both at once. */
    CK_BYTE salt[3] = {1, 2, 3}, info[2] = {4, 5};
    CK_HKDF_PARAMS hp = {CK_TRUE, CK_TRUE, CKM_SHA256, CKF_HKDF_SALT_DATA, salt, 3,
                         CK_INVALID_HANDLE, info, 2};
    CK_MECHANISM hm = {CKM_HKDF_DERIVE, &hp, sizeof(hp)};
    len = 40;
    assert_int_equal(F->C_DeriveKey(S, &hm, base, t, 5, &d), CKR_OK);
    CK_BYTE both[64], step[64];
    assert_int_equal(value(d, both, sizeof(both)), 40);
    hp.bExpand = CK_FALSE;
    CK_ATTRIBUTE t2[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &gk), ATTR(CKA_SENSITIVE, &no),
                         ATTR(CKA_EXTRACTABLE, &yes), ATTR(CKA_DERIVE, &yes)};
    CK_OBJECT_HANDLE prk;
    assert_int_equal(F->C_DeriveKey(S, &hm, base, t2, 5, &prk), CKR_OK);
    hp.bExpand = CK_TRUE;
    hp.bExtract = CK_FALSE;
    assert_int_equal(F->C_DeriveKey(S, &hm, prk, t, 5, &d), CKR_OK);
    assert_int_equal(value(d, step, sizeof(step)), 40);
    assert_memory_equal(both, step, 40);
    hp.bExpand = CK_FALSE;
    assert_int_equal(F->C_DeriveKey(S, &hm, prk, t, 5, &d), CKR_MECHANISM_PARAM_INVALID);

    /* PBKDF2 (RFC 6070 case 1): "password", "salt", 1 iteration, HMAC-SHA-1, 20 bytes. */
    static const CK_BYTE want_pb[20] = {0x0c, 0x60, 0xc8, 0x0f, 0x96, 0x1f, 0x0e, 0x71, 0xf3, 0xa9,
                                        0xb5, 0x24, 0xaf, 0x60, 0x12, 0x06, 0x2f, 0xe0, 0x37, 0xa6};
    CK_PKCS5_PBKD2_PARAMS2 pp = {CKZ_SALT_SPECIFIED, (CK_BYTE *)"salt", 4, 1,
                                 CKP_PKCS5_PBKD2_HMAC_SHA1, NULL, 0, (CK_UTF8CHAR *)"password", 8};
    CK_MECHANISM pm = {CKM_PKCS5_PBKD2, &pp, sizeof(pp)};
    len = 20;
    CK_ATTRIBUTE pt[] = {ATTR(CKA_KEY_TYPE, &gk), ATTR(CKA_VALUE_LEN, &len),
                         ATTR(CKA_SENSITIVE, &no), ATTR(CKA_EXTRACTABLE, &yes)};
    assert_int_equal(F->C_GenerateKey(S, &pm, pt, 4, &d), CKR_OK);
    assert_int_equal(value(d, out, sizeof(out)), 20);
    assert_memory_equal(out, want_pb, 20);
}

/* ---- message-based AES-GCM ----------------------------------------------------------------- */

static void msg_decrypt_check(CK_BYTE *iv, size_t iv_len, CK_BYTE *tag, const CK_BYTE *ct,
                              const CK_BYTE *want, size_t n)
{
    CK_MECHANISM m = {CKM_AES_GCM, NULL, 0};
    CK_GCM_MESSAGE_PARAMS p = {iv, (CK_ULONG)iv_len, 0, CKG_NO_GENERATE, tag, 128};
    CK_BYTE out[128], aad[2] = {1, 2};
    CK_ULONG ol = sizeof(out);
    assert_int_equal(F->C_MessageDecryptInit(S, &m, aes), CKR_OK);
    assert_int_equal(F->C_DecryptMessage(S, &p, sizeof(p), aad, 2, (CK_BYTE *)ct, (CK_ULONG)n, out,
                                         &ol),
                     CKR_OK);
    assert_int_equal(ol, n);
    assert_memory_equal(out, want, n);
    tag[0] ^= 1;
    ol = sizeof(out);
    assert_int_equal(F->C_DecryptMessage(S, &p, sizeof(p), aad, 2, (CK_BYTE *)ct, (CK_ULONG)n, out,
                                         &ol),
                     CKR_ENCRYPTED_DATA_INVALID);
    tag[0] ^= 1;
    assert_int_equal(F->C_MessageDecryptFinal(S), CKR_OK);
}

/* CKG_GENERATE_COUNTER: "the initial IV counter is zero" (PKCS#11 3.2, AES-GCM
 * MessageEncrypt), and the counter belongs to the key, so a second operation on the same key
 * continues it instead of repeating IVs. */
static void test_msg_counter_starts_at_zero(void **state)
{
    (void)state;
    static const CK_BYTE kv[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    CK_OBJECT_HANDLE k = import(CKK_AES, kv, sizeof(kv));
    CK_MECHANISM m = {CKM_AES_GCM, NULL, 0};
    CK_BYTE pt[16] = {0}, ct[16], tag[16];
    for (uint64_t want = 0; want < 3; want++) {
        CK_BYTE iv[12];
        memset(iv, 0x5c, sizeof(iv));
        CK_GCM_MESSAGE_PARAMS p = {iv, 12, 32, CKG_GENERATE_COUNTER, tag, 128};
        CK_ULONG cl = sizeof(ct);
        if (want != 1)
            assert_int_equal(F->C_MessageEncryptInit(S, &m, k), CKR_OK);
        assert_int_equal(F->C_EncryptMessage(S, &p, sizeof(p), NULL, 0, pt, 16, ct, &cl), CKR_OK);
        uint64_t got = 0;
        for (int i = 4; i < 12; i++)
            got = got << 8 | iv[i];
        assert_true(got == want);
        for (int i = 0; i < 4; i++)
            assert_int_equal(iv[i], 0x5c);
        if (want != 0)
            assert_int_equal(F->C_MessageEncryptFinal(S), CKR_OK);
    }
    assert_int_equal(F->C_DestroyObject(S, k), CKR_OK);
}

static void test_msg_generators(void **state)
{
    (void)state;
    CK_MECHANISM m = {CKM_AES_GCM, NULL, 0};
    CK_BYTE pt[50], ct[50], aad[2] = {1, 2};
    memset(pt, 0x33, sizeof(pt));
    CK_GENERATOR_FUNCTION gens[] = {CKG_NO_GENERATE, CKG_GENERATE, CKG_GENERATE_COUNTER,
                                    CKG_GENERATE_RANDOM};
    for (size_t g = 0; g < 4; g++) {
        CK_BYTE iv1[12], iv2[12], tag[16];
        memset(iv1, 0xa5, sizeof(iv1));
        assert_int_equal(F->C_MessageEncryptInit(S, &m, aes), CKR_OK);
        CK_GCM_MESSAGE_PARAMS p = {iv1, 12, 32, gens[g], tag, 128};
        CK_ULONG cl = sizeof(ct);
        /* A size query generates nothing. */
        assert_int_equal(F->C_EncryptMessage(S, &p, sizeof(p), aad, 2, pt, 50, NULL, &cl), CKR_OK);
        assert_int_equal(cl, 50);
        for (int i = 0; i < 12; i++)
            assert_int_equal(iv1[i], 0xa5);
        assert_int_equal(F->C_EncryptMessage(S, &p, sizeof(p), aad, 2, pt, 50, ct, &cl), CKR_OK);
        /* The fixed 32 bits stay. */
        assert_int_equal(iv1[0], 0xa5);
        assert_int_equal(iv1[3], 0xa5);
        msg_decrypt_check(iv1, 12, tag, ct, pt, 50);
        /* A second message: a generated IV differs from the first. */
        memcpy(iv2, iv1, 12);
        p.pIv = iv2;
        cl = sizeof(ct);
        assert_int_equal(F->C_EncryptMessage(S, &p, sizeof(p), aad, 2, pt, 50, ct, &cl), CKR_OK);
        if (gens[g] == CKG_NO_GENERATE) {
            assert_memory_equal(iv1, iv2, 12);
        } else {
            assert_memory_not_equal(iv1, iv2, 12);
            assert_memory_equal(iv1, iv2, 4);
        }
        if (gens[g] == CKG_GENERATE_COUNTER) { /* counter + 1 in the low bits */
            uint64_t a = 0, b = 0;
            for (int i = 4; i < 12; i++) {
                a = a << 8 | iv1[i];
                b = b << 8 | iv2[i];
            }
            assert_true(b == a + 1);
        }
        msg_decrypt_check(iv2, 12, tag, ct, pt, 50);
        assert_int_equal(F->C_MessageEncryptFinal(S), CKR_OK);
    }
    /* Too few generated bits for a random IV, an unknown generator. */
    CK_BYTE iv[12] = {0}, tag[16];
    CK_GCM_MESSAGE_PARAMS p = {iv, 12, 64, CKG_GENERATE_RANDOM, tag, 128};
    CK_ULONG cl = sizeof(ct);
    assert_int_equal(F->C_MessageEncryptInit(S, &m, aes), CKR_OK);
    assert_int_equal(F->C_EncryptMessage(S, &p, sizeof(p), NULL, 0, pt, 50, ct, &cl),
                     CKR_MECHANISM_PARAM_INVALID);
    p.ivGenerator = 77;
    p.ulIvFixedBits = 0;
    assert_int_equal(F->C_EncryptMessage(S, &p, sizeof(p), NULL, 0, pt, 50, ct, &cl),
                     CKR_MECHANISM_PARAM_INVALID);
    assert_int_equal(F->C_MessageEncryptFinal(S), CKR_OK);
}

static void test_msg_multipart_and_misuse(void **state)
{
    (void)state;
    CK_MECHANISM m = {CKM_AES_GCM, NULL, 0};
    CK_BYTE pt[70], ct[70], one[70], aad[3] = {7, 7, 7};
    CK_BYTE iv[12] = {0}, tag[16], tag1[16];
    memset(pt, 0x44, sizeof(pt));
    CK_GCM_MESSAGE_PARAMS p = {iv, 12, 0, CKG_NO_GENERATE, tag, 128};
    CK_GCM_MESSAGE_PARAMS p1 = {iv, 12, 0, CKG_NO_GENERATE, tag1, 128};
    CK_ULONG l;

    /* Misuse before any message: Next without Begin. */
    assert_int_equal(F->C_MessageEncryptInit(S, &m, aes), CKR_OK);
    l = sizeof(ct);
    assert_int_equal(F->C_EncryptMessageNext(S, &p, sizeof(p), pt, 10, ct, &l, CKF_END_OF_MESSAGE),
                     CKR_OPERATION_NOT_INITIALIZED);
    /* Single-shot reference. */
    l = sizeof(one);
    assert_int_equal(F->C_EncryptMessage(S, &p1, sizeof(p1), aad, 3, pt, 70, one, &l), CKR_OK);
    /* Begin/Next in pieces gives the same ciphertext and tag. */
    assert_int_equal(F->C_EncryptMessageBegin(S, &p, sizeof(p), aad, 3), CKR_OK);
    /* A second Begin while a message is open. */
    assert_int_equal(F->C_EncryptMessageBegin(S, &p, sizeof(p), aad, 3), CKR_OPERATION_ACTIVE);
    l = sizeof(ct);
    assert_int_equal(F->C_EncryptMessageNext(S, &p, sizeof(p), pt, 33, ct, &l, 0), CKR_OK);
    assert_int_equal(l, 33);
    l = sizeof(ct) - 33;
    assert_int_equal(F->C_EncryptMessageNext(S, &p, sizeof(p), pt + 33, 37, ct + 33, &l,
                                             CKF_END_OF_MESSAGE),
                     CKR_OK);
    assert_memory_equal(ct, one, 70);
    assert_memory_equal(tag, tag1, 16);
    /* Final with an open message discards it; then Next has nothing to continue. */
    assert_int_equal(F->C_EncryptMessageBegin(S, &p, sizeof(p), aad, 3), CKR_OK);
    assert_int_equal(F->C_MessageEncryptFinal(S), CKR_OK);
    l = sizeof(ct);
    assert_int_equal(F->C_EncryptMessageNext(S, &p, sizeof(p), pt, 10, ct, &l, 0),
                     CKR_OPERATION_NOT_INITIALIZED);

    /* Interleaved messages on two sessions: Begin A, Begin B, Next A, Next B. */
    CK_SESSION_HANDLE s2;
    assert_int_equal(F->C_OpenSession(T.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s2),
                     CKR_OK);
    CK_BYTE ivb[12] = {1}, tagb[16], ctb[70], oneb[70], tagone[16];
    CK_GCM_MESSAGE_PARAMS pb = {ivb, 12, 0, CKG_NO_GENERATE, tagb, 128};
    CK_GCM_MESSAGE_PARAMS pbo = {ivb, 12, 0, CKG_NO_GENERATE, tagone, 128};
    assert_int_equal(F->C_MessageEncryptInit(S, &m, aes), CKR_OK);
    assert_int_equal(F->C_MessageEncryptInit(s2, &m, aes), CKR_OK);
    assert_int_equal(F->C_EncryptMessageBegin(S, &p, sizeof(p), aad, 3), CKR_OK);
    assert_int_equal(F->C_EncryptMessageBegin(s2, &pb, sizeof(pb), NULL, 0), CKR_OK);
    for (size_t off = 0; off < 70; off += 35) {
        CK_FLAGS fl = off + 35 >= 70 ? CKF_END_OF_MESSAGE : 0;
        l = 35;
        assert_int_equal(F->C_EncryptMessageNext(S, &p, sizeof(p), pt + off, 35, ct + off, &l, fl),
                         CKR_OK);
        l = 35;
        assert_int_equal(
            F->C_EncryptMessageNext(s2, &pb, sizeof(pb), pt + off, 35, ctb + off, &l, fl), CKR_OK);
    }
    assert_memory_equal(ct, one, 70);
    assert_memory_equal(tag, tag1, 16);
    l = sizeof(oneb);
    assert_int_equal(F->C_EncryptMessage(s2, &pbo, sizeof(pbo), NULL, 0, pt, 70, oneb, &l), CKR_OK);
    assert_memory_equal(ctb, oneb, 70);
    assert_memory_equal(tagb, tagone, 16);
    assert_int_equal(F->C_MessageEncryptFinal(S), CKR_OK);
    assert_int_equal(F->C_MessageEncryptFinal(s2), CKR_OK);

    /* Multi-part message decryption releases plaintext only with the verified last part. */
    CK_BYTE back[70];
    assert_int_equal(F->C_MessageDecryptInit(S, &m, aes), CKR_OK);
    assert_int_equal(F->C_DecryptMessageBegin(S, &p, sizeof(p), aad, 3), CKR_OK);
    l = sizeof(back);
    assert_int_equal(F->C_DecryptMessageNext(S, &p, sizeof(p), ct, 40, back, &l, 0), CKR_OK);
    assert_int_equal(l, 0);
    l = 0;
    assert_int_equal(F->C_DecryptMessageNext(S, &p, sizeof(p), ct + 40, 30, NULL, &l,
                                             CKF_END_OF_MESSAGE),
                     CKR_OK);
    assert_int_equal(l, 70);
    assert_int_equal(F->C_DecryptMessageNext(S, &p, sizeof(p), ct + 40, 30, back, &l,
                                             CKF_END_OF_MESSAGE),
                     CKR_OK);
    assert_memory_equal(back, pt, 70);
    assert_int_equal(F->C_MessageDecryptFinal(S), CKR_OK);
    /* Message calls without an init. */
    l = sizeof(ct);
    assert_int_equal(F->C_EncryptMessage(S, &p, sizeof(p), NULL, 0, pt, 10, ct, &l),
                     CKR_OPERATION_NOT_INITIALIZED);
    assert_int_equal(F->C_CloseSession(s2), CKR_OK);
}

/* Dual-function updates (§5.12): C_DigestEncryptUpdate / C_DecryptDigestUpdate with AES-CBC-PAD
 * and SHA-256 give the same ciphertext and digest as the separate calls; in-place single-part
 * encryption (input and output the same buffer) works. */
static void test_dual_and_inplace(void **state)
{
    (void)state;
    CK_BYTE iv[16] = {3}, pt[50], ct[64], ref[64], d1[32], d2[32], back[64];
    memset(pt, 0x61, sizeof(pt));
    CK_MECHANISM cm = {CKM_AES_CBC_PAD, iv, 16}, dm = {CKM_SHA256, NULL, 0};
    CK_ULONG l = sizeof(ref), dl = 32;
    assert_int_equal(F->C_EncryptInit(S, &cm, aes), CKR_OK);
    assert_int_equal(F->C_Encrypt(S, pt, 50, ref, &l), CKR_OK);
    assert_int_equal(l, 64);
    assert_int_equal(F->C_DigestInit(S, &dm), CKR_OK);
    assert_int_equal(F->C_Digest(S, pt, 50, d1, &dl), CKR_OK);

    assert_int_equal(F->C_EncryptInit(S, &cm, aes), CKR_OK);
    assert_int_equal(F->C_DigestInit(S, &dm), CKR_OK);
    CK_ULONG o = 0;
    l = sizeof(ct);
    assert_int_equal(F->C_DigestEncryptUpdate(S, pt, 20, ct, &l), CKR_OK);
    o += l;
    l = sizeof(ct) - o;
    assert_int_equal(F->C_DigestEncryptUpdate(S, pt + 20, 30, ct + o, &l), CKR_OK);
    o += l;
    l = sizeof(ct) - o;
    assert_int_equal(F->C_EncryptFinal(S, ct + o, &l), CKR_OK);
    o += l;
    dl = 32;
    assert_int_equal(F->C_DigestFinal(S, d2, &dl), CKR_OK);
    assert_int_equal(o, 64);
    assert_memory_equal(ct, ref, 64);
    assert_memory_equal(d1, d2, 32);

    assert_int_equal(F->C_DecryptInit(S, &cm, aes), CKR_OK);
    assert_int_equal(F->C_DigestInit(S, &dm), CKR_OK);
    l = sizeof(back);
    assert_int_equal(F->C_DecryptDigestUpdate(S, ct, 64, back, &l), CKR_OK);
    assert_int_equal(l, 48); /* the last block waits for final (padding) */
    o = l;
    l = sizeof(back) - o;
    assert_int_equal(F->C_DecryptFinal(S, back + o, &l), CKR_OK);
    o += l;
    assert_int_equal(o, 50);
    assert_memory_equal(back, pt, 50);
    dl = 32;
    assert_int_equal(F->C_DigestFinal(S, d2, &dl), CKR_OK); /* of the 48 released bytes */
    assert_int_equal(dl, 32);

    /* In place: GCM and CTR single-part, output over the input. */
    CK_GCM_PARAMS gp = {iv, 12, 96, NULL, 0, 128};
    CK_MECHANISM gm = {CKM_AES_GCM, &gp, sizeof(gp)};
    CK_BYTE buf[80];
    memcpy(buf, pt, 50);
    l = sizeof(buf);
    assert_int_equal(F->C_EncryptInit(S, &gm, aes), CKR_OK);
    assert_int_equal(F->C_Encrypt(S, buf, 50, buf, &l), CKR_OK);
    assert_int_equal(l, 66);
    assert_int_equal(F->C_DecryptInit(S, &gm, aes), CKR_OK);
    assert_int_equal(F->C_Decrypt(S, buf, 66, buf, &l), CKR_OK);
    assert_int_equal(l, 50);
    assert_memory_equal(buf, pt, 50);
    /* In place, multi-part CBC in 7-byte pieces: each update writes over its own input. */
    CK_MECHANISM raw = {CKM_AES_CBC, iv, 16};
    CK_BYTE ref2[48], io[48];
    memcpy(io, pt, 48);
    l = sizeof(ref2);
    assert_int_equal(F->C_EncryptInit(S, &raw, aes), CKR_OK);
    assert_int_equal(F->C_Encrypt(S, pt, 48, ref2, &l), CKR_OK);
    assert_int_equal(F->C_EncryptInit(S, &raw, aes), CKR_OK);
    CK_ULONG w = 0;
    for (CK_ULONG off = 0; off < 48; off += 7) {
        CK_ULONG n = off + 7 <= 48 ? 7 : 48 - off;
        CK_BYTE piece[7];
        memcpy(piece, io + off, n);
        memcpy(io + w, piece, n); /* the piece sits where its output goes */
        l = n + 16;
        assert_int_equal(F->C_EncryptUpdate(S, io + w, n, io + w, &l), CKR_OK);
        w += l;
    }
    l = 16;
    assert_int_equal(F->C_EncryptFinal(S, io + w, &l), CKR_OK);
    assert_int_equal(w, 48);
    assert_memory_equal(io, ref2, 48);
}

/* AES-CCM: RFC 3610 packet vector #1 (M = 8, L = 2), single- and multi-part, tag failure. */
static void test_ccm(void **state)
{
    (void)state;
    static const CK_BYTE want[31] = {
        0x58, 0x8c, 0x97, 0x9a, 0x61, 0xc6, 0x63, 0xd2, 0xf0, 0x66, 0xd0, 0xc2, 0xc0, 0xf9, 0x89, 0x80,
        0x6d, 0x5f, 0x6b, 0x61, 0xda, 0xc3, 0x84, 0x17, 0xe8, 0xd1, 0x2c, 0xfd, 0xf9, 0x26, 0xe0};
    CK_BYTE kv[16], nonce[13] = {0x00, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0xa0, 0xa1, 0xa2, 0xa3,
                                 0xa4, 0xa5};
    CK_BYTE aad[8], pt[23], ct[64], back[64];
    for (int i = 0; i < 16; i++)
        kv[i] = (CK_BYTE)(0xc0 + i);
    for (int i = 0; i < 8; i++)
        aad[i] = (CK_BYTE)i;
    for (int i = 0; i < 23; i++)
        pt[i] = (CK_BYTE)(8 + i);
    CK_OBJECT_HANDLE k = import(CKK_AES, kv, 16);
    CK_CCM_PARAMS cp = {23, nonce, 13, aad, 8, 8};
    CK_MECHANISM m = {CKM_AES_CCM, &cp, sizeof(cp)};
    CK_ULONG l = 0;
    assert_int_equal(F->C_EncryptInit(S, &m, k), CKR_OK);
    assert_int_equal(F->C_Encrypt(S, pt, 23, NULL, &l), CKR_OK);
    assert_int_equal(l, 31);
    assert_int_equal(F->C_Encrypt(S, pt, 23, ct, &l), CKR_OK);
    assert_memory_equal(ct, want, 31);
    /* Multi-part: buffered, everything at final. */
    assert_int_equal(F->C_EncryptInit(S, &m, k), CKR_OK);
    l = sizeof(ct);
    assert_int_equal(F->C_EncryptUpdate(S, pt, 10, ct, &l), CKR_OK);
    assert_int_equal(l, 0);
    l = sizeof(ct);
    assert_int_equal(F->C_EncryptUpdate(S, pt + 10, 13, ct, &l), CKR_OK);
    l = sizeof(ct);
    assert_int_equal(F->C_EncryptFinal(S, ct, &l), CKR_OK);
    assert_int_equal(l, 31);
    assert_memory_equal(ct, want, 31);
    l = sizeof(back);
    assert_int_equal(F->C_DecryptInit(S, &m, k), CKR_OK);
    assert_int_equal(F->C_Decrypt(S, ct, 31, back, &l), CKR_OK);
    assert_int_equal(l, 23);
    assert_memory_equal(back, pt, 23);
    ct[30] ^= 1;
    l = sizeof(back);
    memset(back, 0, sizeof(back));
    assert_int_equal(F->C_DecryptInit(S, &m, k), CKR_OK);
    assert_int_equal(F->C_Decrypt(S, ct, 31, back, &l), CKR_ENCRYPTED_DATA_INVALID);
    assert_memory_not_equal(back, pt, 23);
    /* The length announced in the parameters binds. */
    assert_int_equal(F->C_EncryptInit(S, &m, k), CKR_OK);
    l = sizeof(ct);
    assert_int_equal(F->C_Encrypt(S, pt, 22, ct, &l), CKR_DATA_LEN_RANGE);
    /* Empty payload: only the tag. */
    CK_CCM_PARAMS ep = {0, nonce, 13, aad, 8, 16};
    CK_MECHANISM em = {CKM_AES_CCM, &ep, sizeof(ep)};
    CK_BYTE t[16], none[1];
    l = sizeof(t);
    assert_int_equal(F->C_EncryptInit(S, &em, k), CKR_OK);
    assert_int_equal(F->C_Encrypt(S, none, 0, t, &l), CKR_OK);
    assert_int_equal(l, 16);
    l = sizeof(back);
    assert_int_equal(F->C_DecryptInit(S, &em, k), CKR_OK);
    assert_int_equal(F->C_Decrypt(S, t, 16, back, &l), CKR_OK);
    assert_int_equal(l, 0);
    t[0] ^= 1;
    l = sizeof(back);
    assert_int_equal(F->C_DecryptInit(S, &em, k), CKR_OK);
    assert_int_equal(F->C_Decrypt(S, t, 16, back, &l), CKR_ENCRYPTED_DATA_INVALID);
    cp.ulMACLen = 5;
    assert_int_equal(F->C_EncryptInit(S, &m, k), CKR_MECHANISM_PARAM_INVALID);

    /* Message API: the RFC vector with the caller's nonce, then generated nonces. */
    CK_MECHANISM mm = {CKM_AES_CCM, NULL, 0};
    CK_BYTE mac[16], n2[13];
    CK_CCM_MESSAGE_PARAMS mp = {23, nonce, 13, 0, CKG_NO_GENERATE, mac, 8};
    assert_int_equal(F->C_MessageEncryptInit(S, &mm, k), CKR_OK);
    l = sizeof(ct);
    assert_int_equal(F->C_EncryptMessage(S, &mp, sizeof(mp), aad, 8, pt, 23, ct, &l), CKR_OK);
    assert_int_equal(l, 23);
    assert_memory_equal(ct, want, 23);
    assert_memory_equal(mac, want + 23, 8);
    /* Begin/Next in two parts gives the same. */
    CK_BYTE ct2[32];
    assert_int_equal(F->C_EncryptMessageBegin(S, &mp, sizeof(mp), aad, 8), CKR_OK);
    l = sizeof(ct2);
    assert_int_equal(F->C_EncryptMessageNext(S, &mp, sizeof(mp), pt, 11, ct2, &l, 0), CKR_OK);
    assert_int_equal(l, 0);
    l = sizeof(ct2);
    assert_int_equal(F->C_EncryptMessageNext(S, &mp, sizeof(mp), pt + 11, 12, ct2, &l,
                                             CKF_END_OF_MESSAGE),
                     CKR_OK);
    assert_int_equal(l, 23);
    assert_memory_equal(ct2, want, 23);
    /* Wrong announced length. */
    l = sizeof(ct);
    assert_int_equal(F->C_EncryptMessage(S, &mp, sizeof(mp), aad, 8, pt, 22, ct, &l),
                     CKR_DATA_LEN_RANGE);
    /* Generated nonces: fixed 32 bits kept, the rest differs between messages. */
    CK_GENERATOR_FUNCTION gens[] = {CKG_GENERATE_COUNTER, CKG_GENERATE_RANDOM};
    for (int g = 0; g < 2; g++) {
        memset(n2, 0x77, sizeof(n2));
        CK_CCM_MESSAGE_PARAMS gp = {23, n2, 13, 32, gens[g], mac, 16};
        l = sizeof(ct);
        assert_int_equal(F->C_EncryptMessage(S, &gp, sizeof(gp), NULL, 0, pt, 23, ct, &l), CKR_OK);
        assert_int_equal(n2[0], 0x77);
        assert_int_equal(n2[3], 0x77);
        CK_BYTE first[13];
        memcpy(first, n2, 13);
        assert_int_equal(F->C_EncryptMessage(S, &gp, sizeof(gp), NULL, 0, pt, 23, ct, &l), CKR_OK);
        assert_memory_not_equal(first, n2, 13);
        /* It decrypts with the returned nonce and MAC. */
        CK_CCM_MESSAGE_PARAMS dp = {23, n2, 13, 0, CKG_NO_GENERATE, mac, 16};
        assert_int_equal(F->C_MessageDecryptInit(S, &mm, k), CKR_OK);
        l = sizeof(back);
        assert_int_equal(F->C_DecryptMessage(S, &dp, sizeof(dp), NULL, 0, ct, 23, back, &l),
                         CKR_OK);
        assert_memory_equal(back, pt, 23);
        mac[0] ^= 1;
        l = sizeof(back);
        assert_int_equal(F->C_DecryptMessage(S, &dp, sizeof(dp), NULL, 0, ct, 23, back, &l),
                         CKR_ENCRYPTED_DATA_INVALID);
        assert_int_equal(F->C_MessageDecryptFinal(S), CKR_OK);
    }
    assert_int_equal(F->C_MessageEncryptFinal(S), CKR_OK);
    (void)F->C_DestroyObject(S, k);
}

/* Simple derivations with the spec's examples (PKCS#11 3.2 "Miscellaneous simple key
 * derivation"), and the base key's protection carried over. */
static void test_simple_derive(void **state)
{
    (void)state;
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE gk = CKK_GENERIC_SECRET;
    CK_BYTE bv[4] = {0x01, 0x23, 0x45, 0x67}, dv[4] = {0x89, 0xab, 0xcd, 0xef}, out[16];
    CK_OBJECT_HANDLE base = import(CKK_GENERIC_SECRET, bv, 4), d;
    CK_KEY_DERIVATION_STRING_DATA sd = {dv, 4};
    CK_ATTRIBUTE t[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_SENSITIVE, &no),
                        ATTR(CKA_EXTRACTABLE, &yes)};
    CK_MECHANISM m = {CKM_CONCATENATE_BASE_AND_DATA, &sd, sizeof(sd)};
    static const CK_BYTE cat[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
    assert_int_equal(F->C_DeriveKey(S, &m, base, t, 3, &d), CKR_OK);
    assert_int_equal(value(d, out, sizeof(out)), 8);
    assert_memory_equal(out, cat, 8);
    CK_ULONG kt = 0;
    CK_ATTRIBUTE ka = ATTR(CKA_KEY_TYPE, &kt);
    assert_int_equal(F->C_GetAttributeValue(S, d, &ka, 1), CKR_OK);
    assert_int_equal(kt, CKK_GENERIC_SECRET);
    m.mechanism = CKM_CONCATENATE_DATA_AND_BASE;
    assert_int_equal(F->C_DeriveKey(S, &m, base, t, 3, &d), CKR_OK);
    assert_int_equal(value(d, out, sizeof(out)), 8);
    assert_memory_equal(out, cat + 4, 4);
    assert_memory_equal(out + 4, cat, 4);
    m.mechanism = CKM_XOR_BASE_AND_DATA;
    assert_int_equal(F->C_DeriveKey(S, &m, base, t, 3, &d), CKR_OK);
    assert_int_equal(value(d, out, sizeof(out)), 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(out[i], bv[i] ^ dv[i]);
    /* A length beyond what the inputs give. */
    CK_ULONG len = 9;
    CK_ATTRIBUTE tl[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &gk), ATTR(CKA_VALUE_LEN, &len)};
    m.mechanism = CKM_CONCATENATE_BASE_AND_DATA;
    assert_int_equal(F->C_DeriveKey(S, &m, base, tl, 3, &d), CKR_KEY_SIZE_RANGE);
    /* Extract: 0x329F84A9 from bit 21, 2 bytes -> 0x9526. */
    CK_BYTE ev[4] = {0x32, 0x9f, 0x84, 0xa9};
    CK_OBJECT_HANDLE eb = import(CKK_GENERIC_SECRET, ev, 4);
    CK_EXTRACT_PARAMS bit = 21;
    CK_MECHANISM em = {CKM_EXTRACT_KEY_FROM_KEY, &bit, sizeof(bit)};
    len = 2;
    CK_ATTRIBUTE te[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_VALUE_LEN, &len), ATTR(CKA_SENSITIVE, &no),
                         ATTR(CKA_EXTRACTABLE, &yes)};
    assert_int_equal(F->C_DeriveKey(S, &em, eb, te, 4, &d), CKR_OK);
    assert_int_equal(value(d, out, sizeof(out)), 2);
    assert_int_equal(out[0], 0x95);
    assert_int_equal(out[1], 0x26);
    assert_int_equal(F->C_DeriveKey(S, &em, eb, te, 1, &d), CKR_TEMPLATE_INCOMPLETE);
    /* A sensitive base: the derived key is sensitive too; asking for less is refused. */
    CK_ATTRIBUTE st[] = {ATTR(CKA_CLASS, &cls),       ATTR(CKA_KEY_TYPE, &gk),
                         ATTRN(CKA_VALUE, bv, 4),     ATTR(CKA_SENSITIVE, &yes),
                         ATTR(CKA_DERIVE, &yes)};
    CK_OBJECT_HANDLE sb;
    assert_int_equal(F->C_CreateObject(S, st, 5, &sb), CKR_OK);
    assert_int_equal(F->C_DeriveKey(S, &m, sb, t, 3, &d), CKR_TEMPLATE_INCONSISTENT);
    assert_int_equal(F->C_DeriveKey(S, &m, sb, t, 1, &d), CKR_OK);
    CK_BBOOL sens = CK_FALSE;
    CK_ATTRIBUTE sa = ATTR(CKA_SENSITIVE, &sens);
    assert_int_equal(F->C_GetAttributeValue(S, d, &sa, 1), CKR_OK);
    assert_int_equal(sens, CK_TRUE);
    CK_ATTRIBUTE va = {CKA_VALUE, out, sizeof(out)};
    assert_int_equal(F->C_GetAttributeValue(S, d, &va, 1), CKR_ATTRIBUTE_SENSITIVE);
}

/* Mechanisms whose parameter names a second key (HKDF salt key, CONCATENATE_BASE_AND_KEY) and
 * CKM_HKDF_DATA, which makes a data object. */
static void test_second_key_and_hkdf_data(void **state)
{
    (void)state;
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY, dcls = CKO_DATA;
    CK_KEY_TYPE gk = CKK_GENERIC_SECRET;
    CK_BYTE ikm[22], sv[3] = {1, 2, 3}, info[2] = {4, 5}, a[64], b[64];
    memset(ikm, 0x0b, sizeof(ikm));
    CK_OBJECT_HANDLE base = import(CKK_GENERIC_SECRET, ikm, sizeof(ikm));
    CK_OBJECT_HANDLE skey = import(CKK_GENERIC_SECRET, sv, sizeof(sv)), d, dd;
    CK_ULONG len = 42;
    CK_ATTRIBUTE t[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &gk), ATTR(CKA_VALUE_LEN, &len),
                        ATTR(CKA_SENSITIVE, &no), ATTR(CKA_EXTRACTABLE, &yes)};
    CK_HKDF_PARAMS hp = {CK_TRUE, CK_TRUE, CKM_SHA256, CKF_HKDF_SALT_DATA, sv, 3,
                         CK_INVALID_HANDLE, info, 2};
    CK_MECHANISM hm = {CKM_HKDF_DERIVE, &hp, sizeof(hp)};
    assert_int_equal(F->C_DeriveKey(S, &hm, base, t, 5, &d), CKR_OK);
    assert_int_equal(value(d, a, sizeof(a)), 42);
    /* The same salt given as a key gives the same output. */
    hp.ulSaltType = CKF_HKDF_SALT_KEY;
    hp.pSalt = NULL;
    hp.ulSaltLen = 0;
    hp.hSaltKey = skey;
    assert_int_equal(F->C_DeriveKey(S, &hm, base, t, 5, &d), CKR_OK);
    assert_int_equal(value(d, b, sizeof(b)), 42);
    assert_memory_equal(a, b, 42);
    hp.hSaltKey = CK_INVALID_HANDLE;
    assert_int_equal(F->C_DeriveKey(S, &hm, base, t, 5, &d), CKR_MECHANISM_PARAM_INVALID);
    hp.hSaltKey = 0x7fffff00;
    assert_int_equal(F->C_DeriveKey(S, &hm, base, t, 5, &d), CKR_KEY_HANDLE_INVALID);
    /* CKM_HKDF_DATA: the same bytes as a readable data object; HKDF_DERIVE refuses CKO_DATA. */
    hp.ulSaltType = CKF_HKDF_SALT_DATA;
    hp.pSalt = sv;
    hp.ulSaltLen = 3;
    hp.hSaltKey = CK_INVALID_HANDLE;
    CK_ATTRIBUTE dt[] = {ATTR(CKA_CLASS, &dcls), ATTR(CKA_VALUE_LEN, &len),
                         ATTRN(CKA_LABEL, "hkdf-data", 9)};
    assert_int_equal(F->C_DeriveKey(S, &hm, base, dt, 3, &dd), CKR_TEMPLATE_INCONSISTENT);
    hm.mechanism = CKM_HKDF_DATA;
    assert_int_equal(F->C_DeriveKey(S, &hm, base, dt, 3, &dd), CKR_OK);
    assert_int_equal(value(dd, b, sizeof(b)), 42);
    assert_memory_equal(a, b, 42);
    CK_OBJECT_CLASS got = 0;
    CK_ATTRIBUTE ca = ATTR(CKA_CLASS, &got);
    assert_int_equal(F->C_GetAttributeValue(S, dd, &ca, 1), CKR_OK);
    assert_int_equal(got, CKO_DATA);
    CK_KEY_TYPE kt = 0;
    CK_ATTRIBUTE ka = ATTR(CKA_KEY_TYPE, &kt);
    assert_int_equal(F->C_GetAttributeValue(S, dd, &ka, 1), CKR_ATTRIBUTE_TYPE_INVALID);
    assert_int_equal(F->C_DeriveKey(S, &hm, base, t, 5, &d), CKR_TEMPLATE_INCONSISTENT);
    /* CKM_CONCATENATE_BASE_AND_KEY: base || second; a bad or missing handle is refused. */
    CK_BYTE bv[4] = {0x01, 0x23, 0x45, 0x67}, kv[4] = {0x89, 0xab, 0xcd, 0xef};
    static const CK_BYTE cat[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
    CK_OBJECT_HANDLE kb = import(CKK_GENERIC_SECRET, bv, 4), k2 = import(CKK_GENERIC_SECRET, kv, 4);
    CK_MECHANISM cm = {CKM_CONCATENATE_BASE_AND_KEY, &k2, sizeof(k2)};
    CK_ATTRIBUTE ct[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_SENSITIVE, &no),
                         ATTR(CKA_EXTRACTABLE, &yes)};
    assert_int_equal(F->C_DeriveKey(S, &cm, kb, ct, 3, &d), CKR_OK);
    assert_int_equal(value(d, a, sizeof(a)), 8);
    assert_memory_equal(a, cat, 8);
    CK_OBJECT_HANDLE bogus = 0x7fffff01;
    cm.pParameter = &bogus;
    assert_int_equal(F->C_DeriveKey(S, &cm, kb, ct, 3, &d), CKR_KEY_HANDLE_INVALID);
    cm.pParameter = NULL;
    cm.ulParameterLen = 0;
    assert_int_equal(F->C_DeriveKey(S, &cm, kb, ct, 3, &d), CKR_MECHANISM_PARAM_INVALID);
}

/* AES-CTS (CS3): RFC 3962 Appendix B first vector (17 bytes) and a 23-byte value from an
 * independent Python CS3 construction; exactly one block is plain CBC; < 16 bytes refused. */
static void test_cts(void **state)
{
    (void)state;
    static const CK_BYTE key[16] = {0x63, 0x68, 0x69, 0x63, 0x6b, 0x65, 0x6e, 0x20,
                                    0x74, 0x65, 0x72, 0x69, 0x79, 0x61, 0x6b, 0x69};
    static const CK_BYTE in[23] = {0x49, 0x20, 0x77, 0x6f, 0x75, 0x6c, 0x64, 0x20, 0x6c, 0x69, 0x6b, 0x65,
                                   0x20, 0x74, 0x68, 0x65, 0x20, 0x47, 0x61, 0x75, 0x27, 0x73, 0x20};
    static const CK_BYTE want17[17] = {0xc6, 0x35, 0x35, 0x68, 0xf2, 0xbf, 0x8c, 0xb4, 0xd8,
                                       0xa5, 0x80, 0x36, 0x2d, 0xa7, 0xff, 0x7f, 0x97};
    static const CK_BYTE want23[23] = {0x52, 0x3d, 0x95, 0xd3, 0x33, 0xd2, 0x23, 0xc0, 0xdd, 0x5d, 0xbb, 0x24,
                                       0xff, 0x36, 0x6e, 0x93, 0x97, 0x68, 0x72, 0x68, 0xd6, 0xec, 0xcc};
    CK_BYTE iv[16] = {0}, ct[32], back[32];
    CK_OBJECT_HANDLE k = import(CKK_AES, key, 16);
    CK_MECHANISM m = {CKM_AES_CTS, iv, 16};
    CK_ULONG l = sizeof(ct);
    assert_int_equal(F->C_EncryptInit(S, &m, k), CKR_OK);
    assert_int_equal(F->C_Encrypt(S, (CK_BYTE *)in, 17, ct, &l), CKR_OK);
    assert_int_equal(l, 17);
    assert_memory_equal(ct, want17, 17);
    l = sizeof(ct);
    assert_int_equal(F->C_EncryptInit(S, &m, k), CKR_OK);
    assert_int_equal(F->C_Encrypt(S, (CK_BYTE *)in, 23, ct, &l), CKR_OK);
    assert_memory_equal(ct, want23, 23);
    l = sizeof(back);
    assert_int_equal(F->C_DecryptInit(S, &m, k), CKR_OK);
    assert_int_equal(F->C_Decrypt(S, ct, 23, back, &l), CKR_OK);
    assert_int_equal(l, 23);
    assert_memory_equal(back, in, 23);
    l = sizeof(ct);
    assert_int_equal(F->C_EncryptInit(S, &m, k), CKR_OK);
    assert_int_equal(F->C_Encrypt(S, (CK_BYTE *)in, 15, ct, &l), CKR_DATA_LEN_RANGE);
    (void)F->C_DestroyObject(S, k);
}

/* Block modes and GCM as wrapping mechanisms: a secret key round trip under CBC and GCM,
 * tampered blobs refused, and an EC private key (PKCS#8) wrapped with GCM, unwrapped and used
 * to sign. */
static void test_cipher_wrap(void **state)
{
    (void)state;
    CK_OBJECT_HANDLE k, h;
    assert_int_equal(gen(CKM_GENERIC_SECRET_KEY_GEN, 32, &k), CKR_OK);
    CK_BYTE v[64], u[64], w[256], iv[16] = {9};
    size_t vl = value(k, v, sizeof(v));
    CK_GCM_PARAMS gp = {iv, 12, 96, NULL, 0, 128};
    CK_MECHANISM ms[] = {{CKM_AES_GCM, &gp, sizeof(gp)}, {CKM_AES_CBC, iv, 16}};
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    CK_ATTRIBUTE t[] = {ATTR(CKA_CLASS, &cls), ATTR(CKA_KEY_TYPE, &kt), ATTR(CKA_SENSITIVE, &no),
                        ATTR(CKA_EXTRACTABLE, &yes)};
    for (int i = 0; i < 2; i++) {
        CK_ULONG wl = 0;
        assert_int_equal(F->C_WrapKey(S, &ms[i], aes, k, NULL, &wl), CKR_OK);
        assert_int_equal(wl, i == 0 ? 32u + 16u : 32u);
        assert_int_equal(F->C_WrapKey(S, &ms[i], aes, k, w, &wl), CKR_OK);
        assert_int_equal(F->C_UnwrapKey(S, &ms[i], aes, w, wl, t, 4, &h), CKR_OK);
        assert_int_equal(value(h, u, sizeof(u)), vl);
        assert_memory_equal(u, v, vl);
        if (i == 0) { /* GCM authenticates; raw CBC cannot tell */
            w[wl - 1] ^= 1;
            assert_int_equal(F->C_UnwrapKey(S, &ms[i], aes, w, wl, t, 4, &h),
                             CKR_WRAPPED_KEY_INVALID);
        }
    }
    /* ECB needs whole blocks: a 21-byte key does not fit. */
    CK_OBJECT_HANDLE k21;
    assert_int_equal(gen(CKM_GENERIC_SECRET_KEY_GEN, 21, &k21), CKR_OK);
    CK_MECHANISM ecb = {CKM_AES_ECB, NULL, 0};
    CK_ULONG wl = sizeof(w);
    assert_int_equal(F->C_WrapKey(S, &ecb, aes, k21, w, &wl), CKR_KEY_SIZE_RANGE);

    /* An EC private key as PKCS#8 under GCM. */
    static const CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    CK_MECHANISM km = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pt[] = {ATTRN(CKA_EC_PARAMS, p256, sizeof(p256)), ATTR(CKA_VERIFY, &yes)};
    CK_ATTRIBUTE vt[] = {ATTR(CKA_SIGN, &yes), ATTR(CKA_EXTRACTABLE, &yes)};
    CK_OBJECT_HANDLE pub, priv, back;
    assert_int_equal(F->C_GenerateKeyPair(S, &km, pt, 2, vt, 2, &pub, &priv), CKR_OK);
    wl = sizeof(w);
    assert_int_equal(F->C_WrapKey(S, &ms[0], aes, priv, w, &wl), CKR_OK);
    CK_OBJECT_CLASS pc = CKO_PRIVATE_KEY;
    CK_KEY_TYPE ec = CKK_EC;
    CK_ATTRIBUTE ut[] = {ATTR(CKA_CLASS, &pc), ATTR(CKA_KEY_TYPE, &ec), ATTR(CKA_SIGN, &yes)};
    assert_int_equal(F->C_UnwrapKey(S, &ms[0], aes, w, wl, ut, 3, &back), CKR_OK);
    CK_MECHANISM sm = {CKM_ECDSA_SHA256, NULL, 0};
    CK_BYTE msg[] = "wrapped and back", sig[64];
    CK_ULONG sl = sizeof(sig);
    assert_int_equal(F->C_SignInit(S, &sm, back), CKR_OK);
    assert_int_equal(F->C_Sign(S, msg, sizeof(msg), sig, &sl), CKR_OK);
    assert_int_equal(F->C_VerifyInit(S, &sm, pub), CKR_OK);
    assert_int_equal(F->C_Verify(S, msg, sizeof(msg), sig, sl), CKR_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keygen),         cmocka_unit_test(test_modes),
        cmocka_unit_test(test_gcm_tag_failure), cmocka_unit_test(test_ctr_overflow),
        cmocka_unit_test(test_hmac),           cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_kdf),            cmocka_unit_test(test_msg_generators),
        cmocka_unit_test(test_msg_counter_starts_at_zero),
        cmocka_unit_test(test_context_reuse),
        cmocka_unit_test(test_msg_multipart_and_misuse), cmocka_unit_test(test_dual_and_inplace),
        cmocka_unit_test(test_ccm),            cmocka_unit_test(test_simple_derive),
        cmocka_unit_test(test_second_key_and_hkdf_data),
        cmocka_unit_test(test_cts),            cmocka_unit_test(test_cipher_wrap),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
