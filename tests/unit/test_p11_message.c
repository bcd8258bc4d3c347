/* SPDX-License-Identifier: Apache-2.0 */
/* The PKCS#11 3.0 message-based functions through the exported ABI of libcraton_hsm.so
 * (dlopen): AES-GCM message encryption and decryption (single part and Begin/Next, the
 * per-message CK_GCM_MESSAGE_PARAMS passed through and written back), HMAC message signing and
 * verification (C_SignMessageNext with a NULL length pointer meaning "more data", and
 * C_VerifyMessageNext with a NULL signature), the §5.2 size convention on each output, and
 * the NULL-mechanism cancel of C_Message*Init; and the 3.2 KEM calls through the 3.2 list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dlfcn.h>

#include "p11_test.h"

#define RV(expected, call)                                                                         \
    do {                                                                                           \
        CK_RV rv_ = (call);                                                                        \
        if (rv_ != (CK_RV)(expected))                                                              \
            fail_msg("%s: got %s, expected %s", #call, ch_p11t_rv_name(rv_),                       \
                     ch_p11t_rv_name(expected));                                                   \
    } while (0)

struct fixture {
    struct ch_p11t t;
    CK_SESSION_HANDLE h;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));

    if (fx == NULL || ch_p11t_setup(&fx->t, NULL) != 0 ||
        ch_p11t_open(&fx->t, false, CKU_USER, &fx->h) != CKR_OK) {
        if (fx != NULL)
            ch_p11t_teardown(&fx->t);
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    ch_p11t_teardown(&fx->t);
    free(fx);
    return 0;
}

/* A secret session key of `len` bytes made by `gen_mech`, usable for the given operations. */
static CK_OBJECT_HANDLE secret_key(struct fixture *fx, CK_MECHANISM_TYPE gen_mech, CK_ULONG len,
                                   bool crypt, bool mac)
{
    CK_MECHANISM gen = {gen_mech, NULL, 0};
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_BBOOL c = crypt ? CK_TRUE : CK_FALSE, m = mac ? CK_TRUE : CK_FALSE;
    CK_ATTRIBUTE tmpl[] = {
        {CKA_VALUE_LEN, &len, sizeof(len)}, {CKA_TOKEN, &no, 1},   {CKA_SENSITIVE, &yes, 1},
        {CKA_ENCRYPT, &c, 1},               {CKA_DECRYPT, &c, 1},  {CKA_SIGN, &m, 1},
        {CKA_VERIFY, &m, 1},
    };
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;

    RV(CKR_OK, fx->t.f->C_GenerateKey(fx->h, &gen, tmpl, 7, &key));
    return key;
}

static void gcm_params(CK_GCM_MESSAGE_PARAMS *p, CK_BYTE iv[12], CK_BYTE tag[16],
                       CK_GENERATOR_FUNCTION gen)
{
    static const CK_BYTE fixed[4] = {0xc0, 0xff, 0xee, 0x01};

    memset(iv, 0, 12);
    memcpy(iv, fixed, sizeof(fixed));
    memset(tag, 0, 16);
    *p = (CK_GCM_MESSAGE_PARAMS){.pIv = iv, .ulIvLen = 12, .ulIvFixedBits = 32,
                                 .ivGenerator = gen, .pTag = tag, .ulTagBits = 128};
}

static void test_gcm_messages(void **state)
{
    struct fixture *fx = *state;
    const CK_FUNCTION_LIST_3_0 *f = fx->t.f;
    CK_OBJECT_HANDLE key = secret_key(fx, CKM_AES_KEY_GEN, 32, true, false);
    CK_MECHANISM gcm = {CKM_AES_GCM, NULL, 0};
    CK_BYTE aad[20], pt[48], ct1[64], ct2[64], back[64], iv1[12], tag1[16], iv2[12], tag2[16];
    CK_GCM_MESSAGE_PARAMS p1, p2;
    CK_ULONG len, part;

    memset(aad, 0xaa, sizeof(aad));
    for (size_t i = 0; i < sizeof(pt); i++)
        pt[i] = (CK_BYTE)i;

    /* One message in one part, random IV after our fixed 32 bits, written back to iv1. */
    RV(CKR_OK, f->C_MessageEncryptInit(fx->h, &gcm, key));
    gcm_params(&p1, iv1, tag1, CKG_GENERATE_RANDOM);
    len = 0;
    RV(CKR_OK, f->C_EncryptMessage(fx->h, &p1, sizeof(p1), aad, sizeof(aad), pt, sizeof(pt), NULL,
                                   &len));
    assert_int_equal(len, sizeof(pt));
    len = 10;
    RV(CKR_BUFFER_TOO_SMALL, f->C_EncryptMessage(fx->h, &p1, sizeof(p1), aad, sizeof(aad), pt,
                                                 sizeof(pt), ct1, &len));
    assert_int_equal(len, sizeof(pt));
    len = sizeof(ct1);
    RV(CKR_OK, f->C_EncryptMessage(fx->h, &p1, sizeof(p1), aad, sizeof(aad), pt, sizeof(pt), ct1,
                                   &len));
    assert_int_equal(len, sizeof(pt));
    assert_memory_equal(iv1, "\xc0\xff\xee\x01", 4);
    assert_memory_not_equal(iv1 + 4, "\0\0\0\0\0\0\0\0", 8); /* 2^-64 chance of a false alarm */
    assert_memory_not_equal(tag1, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);

    /* A second message in two parts, counter IV. */
    gcm_params(&p2, iv2, tag2, CKG_GENERATE_COUNTER);
    RV(CKR_OK, f->C_EncryptMessageBegin(fx->h, &p2, sizeof(p2), aad, sizeof(aad)));
    part = sizeof(ct2);
    RV(CKR_OK, f->C_EncryptMessageNext(fx->h, &p2, sizeof(p2), pt, 16, ct2, &part, 0));
    assert_int_equal(part, 16);
    len = sizeof(ct2) - part;
    RV(CKR_OK, f->C_EncryptMessageNext(fx->h, &p2, sizeof(p2), pt + 16, sizeof(pt) - 16,
                                       ct2 + part, &len, CKF_END_OF_MESSAGE));
    assert_int_equal(part + len, sizeof(pt));
    RV(CKR_ARGUMENTS_BAD, f->C_EncryptMessageNext(fx->h, &p2, sizeof(p2), pt, 16, ct2, NULL, 0));
    RV(CKR_OK, f->C_MessageEncryptFinal(fx->h));
    len = sizeof(ct1);
    RV(CKR_OPERATION_NOT_INITIALIZED, f->C_EncryptMessage(fx->h, &p1, sizeof(p1), NULL, 0, pt,
                                                          sizeof(pt), ct1, &len));

    /* Decrypt both: single part, then Begin/Next (plaintext only with the last part). */
    RV(CKR_OK, f->C_MessageDecryptInit(fx->h, &gcm, key));
    p1.ivGenerator = CKG_NO_GENERATE;
    len = sizeof(back);
    RV(CKR_OK, f->C_DecryptMessage(fx->h, &p1, sizeof(p1), aad, sizeof(aad), ct1, sizeof(pt), back,
                                   &len));
    assert_int_equal(len, sizeof(pt));
    assert_memory_equal(back, pt, sizeof(pt));
    p2.ivGenerator = CKG_NO_GENERATE;
    RV(CKR_OK, f->C_DecryptMessageBegin(fx->h, &p2, sizeof(p2), aad, sizeof(aad)));
    part = sizeof(back);
    RV(CKR_OK, f->C_DecryptMessageNext(fx->h, &p2, sizeof(p2), ct2, 16, back, &part, 0));
    assert_int_equal(part, 0);
    len = sizeof(back);
    RV(CKR_OK, f->C_DecryptMessageNext(fx->h, &p2, sizeof(p2), ct2 + 16, sizeof(pt) - 16, back,
                                       &len, CKF_END_OF_MESSAGE));
    assert_int_equal(len, sizeof(pt));
    assert_memory_equal(back, pt, sizeof(pt));

    /* A wrong tag releases nothing. */
    tag1[0] ^= 1;
    memset(back, 0x55, sizeof(back));
    len = sizeof(back);
    RV(CKR_ENCRYPTED_DATA_INVALID, f->C_DecryptMessage(fx->h, &p1, sizeof(p1), aad, sizeof(aad),
                                                       ct1, sizeof(pt), back, &len));
    assert_memory_not_equal(back, pt, sizeof(pt));

    /* NULL mechanism ends the message-based process (§5.9.1). */
    RV(CKR_OK, f->C_MessageDecryptInit(fx->h, NULL, key));
    len = sizeof(back);
    RV(CKR_OPERATION_NOT_INITIALIZED, f->C_DecryptMessage(fx->h, &p1, sizeof(p1), aad,
                                                          sizeof(aad), ct1, sizeof(pt), back,
                                                          &len));
}

static void test_hmac_messages(void **state)
{
    struct fixture *fx = *state;
    const CK_FUNCTION_LIST_3_0 *f = fx->t.f;
    CK_OBJECT_HANDLE key = secret_key(fx, CKM_GENERIC_SECRET_KEY_GEN, 32, false, true);
    CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};
    CK_BYTE data[100], mac1[64], mac2[64];
    CK_ULONG len;

    memset(data, 0x3c, sizeof(data));
    RV(CKR_OK, f->C_MessageSignInit(fx->h, &hmac, key));
    len = 0;
    RV(CKR_OK, f->C_SignMessage(fx->h, NULL, 0, data, sizeof(data), NULL, &len));
    assert_int_equal(len, 32);
    len = 31;
    RV(CKR_BUFFER_TOO_SMALL, f->C_SignMessage(fx->h, NULL, 0, data, sizeof(data), mac1, &len));
    assert_int_equal(len, 32);
    len = sizeof(mac1);
    RV(CKR_OK, f->C_SignMessage(fx->h, NULL, 0, data, sizeof(data), mac1, &len));
    assert_int_equal(len, 32);

    /* Begin/Next: a NULL length pointer means more data follows. */
    RV(CKR_OK, f->C_SignMessageBegin(fx->h, NULL, 0));
    RV(CKR_OK, f->C_SignMessageNext(fx->h, NULL, 0, data, 40, NULL, NULL));
    len = 1;
    RV(CKR_BUFFER_TOO_SMALL, f->C_SignMessageNext(fx->h, NULL, 0, data + 40, 60, mac2, &len));
    assert_int_equal(len, 32);
    len = sizeof(mac2);
    RV(CKR_OK, f->C_SignMessageNext(fx->h, NULL, 0, data + 40, 60, mac2, &len));
    assert_int_equal(len, 32);
    assert_memory_equal(mac1, mac2, 32);
    RV(CKR_OK, f->C_MessageSignFinal(fx->h));

    RV(CKR_OK, f->C_MessageVerifyInit(fx->h, &hmac, key));
    RV(CKR_OK, f->C_VerifyMessage(fx->h, NULL, 0, data, sizeof(data), mac1, 32));
    RV(CKR_OK, f->C_VerifyMessageBegin(fx->h, NULL, 0));
    RV(CKR_OK, f->C_VerifyMessageNext(fx->h, NULL, 0, data, 40, NULL, 0));
    RV(CKR_OK, f->C_VerifyMessageNext(fx->h, NULL, 0, data + 40, 60, mac1, 32));
    mac1[31] ^= 0x80;
    RV(CKR_SIGNATURE_INVALID, f->C_VerifyMessage(fx->h, NULL, 0, data, sizeof(data), mac1, 32));
    RV(CKR_ARGUMENTS_BAD, f->C_VerifyMessage(fx->h, NULL, 0, data, sizeof(data), NULL, 32));
    RV(CKR_OK, f->C_MessageVerifyFinal(fx->h));
    RV(CKR_OPERATION_NOT_INITIALIZED,
       f->C_VerifyMessage(fx->h, NULL, 0, data, sizeof(data), mac2, 32));
}

/* PKCS#11 3.2 C_EncapsulateKey / C_DecapsulateKey through the 3.2 interface (ML-KEM-768): the
 * ciphertext follows the §5.2 size convention, and a size query creates no key. */
static void test_kem_calls(void **state)
{
    struct fixture *fx = *state;
    CK_C_GetInterface gi = (CK_C_GetInterface)(uintptr_t)dlsym(fx->t.dl, "C_GetInterface");
    CK_VERSION v32 = {3, 2};
    CK_INTERFACE_PTR it = NULL;
    const CK_FUNCTION_LIST_3_2 *f;
    CK_MECHANISM gen = {CKM_ML_KEM_KEY_PAIR_GEN, NULL, 0}, kem = {CKM_ML_KEM, NULL, 0};
    CK_ULONG ps = CKP_ML_KEM_768, len, ss_len = 32;
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE pub_t[] = {{CKA_PARAMETER_SET, &ps, sizeof(ps)}, {CKA_ENCAPSULATE, &yes, 1},
                            {CKA_TOKEN, &no, 1}};
    CK_ATTRIBUTE priv_t[] = {{CKA_DECAPSULATE, &yes, 1}, {CKA_TOKEN, &no, 1}};
    CK_ATTRIBUTE ss_t[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_KEY_TYPE, &kt, sizeof(kt)},
                           {CKA_VALUE_LEN, &ss_len, sizeof(ss_len)}, {CKA_TOKEN, &no, 1},
                           {CKA_EXTRACTABLE, &yes, 1}, {CKA_SENSITIVE, &no, 1}};
    CK_OBJECT_HANDLE pub, priv, k1 = CK_INVALID_HANDLE, k2 = CK_INVALID_HANDLE;
    CK_BYTE ct[2048], v1[32], v2[32];

    assert_non_null(gi);
    RV(CKR_OK, gi((CK_UTF8CHAR_PTR) "PKCS 11", &v32, &it, 0));
    f = it->pFunctionList;
    RV(CKR_OK, f->C_GenerateKeyPair(fx->h, &gen, pub_t, 3, priv_t, 2, &pub, &priv));

    len = 0;
    RV(CKR_OK, f->C_EncapsulateKey(fx->h, &kem, pub, ss_t, 6, NULL, &len, &k1));
    assert_int_equal(len, 1088); /* FIPS 203 Table 3, ML-KEM-768 ciphertext */
    assert_int_equal(k1, CK_INVALID_HANDLE);
    len = 100;
    RV(CKR_BUFFER_TOO_SMALL, f->C_EncapsulateKey(fx->h, &kem, pub, ss_t, 6, ct, &len, &k1));
    assert_int_equal(len, 1088);
    assert_int_equal(k1, CK_INVALID_HANDLE);
    RV(CKR_ARGUMENTS_BAD, f->C_EncapsulateKey(fx->h, &kem, pub, ss_t, 6, ct, NULL, &k1));
    RV(CKR_ARGUMENTS_BAD, f->C_EncapsulateKey(fx->h, NULL, pub, ss_t, 6, ct, &len, &k1));
    len = sizeof(ct);
    RV(CKR_OK, f->C_EncapsulateKey(fx->h, &kem, pub, ss_t, 6, ct, &len, &k1));
    assert_int_equal(len, 1088);
    RV(CKR_ARGUMENTS_BAD, f->C_DecapsulateKey(fx->h, &kem, priv, ss_t, 6, NULL, len, &k2));
    RV(CKR_ARGUMENTS_BAD, f->C_DecapsulateKey(fx->h, &kem, priv, ss_t, 6, ct, len, NULL));
    RV(CKR_OK, f->C_DecapsulateKey(fx->h, &kem, priv, ss_t, 6, ct, len, &k2));

    CK_ATTRIBUTE g1[] = {{CKA_VALUE, v1, sizeof(v1)}}, g2[] = {{CKA_VALUE, v2, sizeof(v2)}};
    RV(CKR_OK, f->C_GetAttributeValue(fx->h, k1, g1, 1));
    RV(CKR_OK, f->C_GetAttributeValue(fx->h, k2, g2, 1));
    assert_memory_equal(v1, v2, sizeof(v1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_gcm_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hmac_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kem_calls, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
