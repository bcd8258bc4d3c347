/* SPDX-License-Identifier: Apache-2.0 */
/* CKM_SP800_108_FEEDBACK_KDF and CKM_SP800_108_DOUBLE_PIPELINE_KDF (src/mech/mech_kdf.c), and the
 * counter mode that shares their PRF-input builder, through the exported PKCS#11 ABI of the
 * dlopen'ed module: NIST CAVP KBKDF known answers, values of OpenSSL's KBKDF, a Python model
 * for data layouts the CAVP files do not cover, C_GetMechanismInfo, the SP800-108 attribute
 * rules, the parameter errors of PKCS#11 3.2 "SP800-108 Key Derivation", and its additional
 * derived keys (segments, L over all keys, all-or-none creation) against the test's own
 * OpenSSL HMAC. Test code only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "p11_test.h"

static struct ch_p11t T;
static CK_FUNCTION_LIST_3_0 *F;
static CK_SESSION_HANDLE S;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS secret_cls = CKO_SECRET_KEY;
static CK_KEY_TYPE generic_kt = CKK_GENERIC_SECRET;
static CK_OBJECT_HANDLE hk32; /* HMAC base key of the error tests (bytes 00..1f) */

#define ATTR(t, v) {(t), (void *)(v), sizeof(*(v))}
#define ATTRN(t, v, n) {(t), (void *)(v), (CK_ULONG)(n)}
#define FB CKM_SP800_108_FEEDBACK_KDF
#define DP CKM_SP800_108_DOUBLE_PIPELINE_KDF
#define CTR CKM_SP800_108_COUNTER_KDF

static size_t unhex(const char *s, CK_BYTE *out, size_t cap)
{
    size_t n = strlen(s) / 2;
    assert_true(n <= cap && strlen(s) % 2 == 0);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
        out[i] = (CK_BYTE)v;
    }
    return n;
}

static CK_OBJECT_HANDLE import_key(CK_KEY_TYPE kt, const CK_BYTE *v, size_t len, CK_BBOOL sens,
                                   CK_BBOOL extr)
{
    CK_ATTRIBUTE t[] = {ATTR(CKA_CLASS, &secret_cls), ATTR(CKA_KEY_TYPE, &kt),
                        ATTRN(CKA_VALUE, v, len),     ATTR(CKA_DERIVE, &yes),
                        ATTR(CKA_SENSITIVE, &sens),   ATTR(CKA_EXTRACTABLE, &extr)};
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    assert_int_equal(F->C_CreateObject(S, t, 6, &h), CKR_OK);
    return h;
}

/* A generic secret of `len` bytes 0, 1, 2, ... */
static CK_OBJECT_HANDLE counting_key(CK_KEY_TYPE kt, size_t len)
{
    CK_BYTE v[1100];
    assert_true(len <= sizeof(v));
    for (size_t i = 0; i < len; i++)
        v[i] = (CK_BYTE)i;
    return import_key(kt, v, len, CK_FALSE, CK_TRUE);
}

static size_t value(CK_OBJECT_HANDLE o, CK_BYTE *out, size_t cap)
{
    CK_ATTRIBUTE a = {CKA_VALUE, out, (CK_ULONG)cap};
    assert_int_equal(F->C_GetAttributeValue(S, o, &a, 1), CKR_OK);
    return a.ulValueLen;
}

static CK_BBOOL attr_bool(CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t)
{
    CK_BBOOL b = 0xee;
    CK_ATTRIBUTE a = {t, &b, sizeof(b)};
    assert_int_equal(F->C_GetAttributeValue(S, o, &a, 1), CKR_OK);
    return b;
}

static void destroy(CK_OBJECT_HANDLE h)
{
    assert_int_equal(F->C_DestroyObject(S, h), CKR_OK);
}

/* C_DeriveKey of a non-sensitive, extractable generic secret of `len` bytes. */
static CK_RV derive(CK_MECHANISM_TYPE mech, void *param, CK_ULONG plen, CK_OBJECT_HANDLE base,
                    CK_ULONG len, CK_OBJECT_HANDLE *out)
{
    CK_MECHANISM m = {mech, param, plen};
    CK_ATTRIBUTE t[] = {ATTR(CKA_CLASS, &secret_cls), ATTR(CKA_KEY_TYPE, &generic_kt),
                        ATTR(CKA_VALUE_LEN, &len), ATTR(CKA_SENSITIVE, &no),
                        ATTR(CKA_EXTRACTABLE, &yes)};
    *out = CK_INVALID_HANDLE;
    return F->C_DeriveKey(S, &m, base, t, 5, out);
}

/* Derive with either parameter structure (the feedback one for FB, with `iv`), compare the
 * value with `want` and destroy the key. */
static void expect(CK_MECHANISM_TYPE mech, CK_MECHANISM_TYPE prf, CK_PRF_DATA_PARAM *dp,
                   CK_ULONG ndp, CK_BYTE *iv, CK_ULONG iv_len, CK_OBJECT_HANDLE base,
                   const CK_BYTE *want, size_t want_len)
{
    CK_SP800_108_FEEDBACK_KDF_PARAMS fp = {prf, ndp, dp, iv_len, iv_len ? iv : NULL, 0, NULL};
    CK_SP800_108_KDF_PARAMS kp = {prf, ndp, dp, 0, NULL};
    CK_OBJECT_HANDLE d;
    CK_BYTE got[512];
    CK_RV rv = mech == FB ? derive(mech, &fp, sizeof(fp), base, (CK_ULONG)want_len, &d)
                          : derive(mech, &kp, sizeof(kp), base, (CK_ULONG)want_len, &d);
    assert_int_equal(rv, CKR_OK);
    assert_int_equal(value(d, got, sizeof(got)), want_len);
    assert_memory_equal(got, want, want_len);
    destroy(d);
}

static int setup(void **state)
{
    (void)state;
    if (ch_p11t_setup(&T, NULL) != 0 || ch_p11t_open(&T, true, CKU_USER, &S) != CKR_OK)
        return -1;
    F = T.f;
    hk32 = counting_key(CKK_GENERIC_SECRET, 32);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ch_p11t_teardown(&T);
    return 0;
}

/* ---- NIST CAVP KBKDF known answers ----------------------------------------------------------
 * From the CAVP "SP800-108 - KDF" response files (CAVS 12.0, KBKDF test vectors, March 2012):
 * KDFFeedback_gen.rsp of the FeedbackNOzeroiv, Feedbackwzeroiv and Feedbacknocounter sets and
 * KDFDblPipeline_gen.rsp of the pipelinewithctr and PipelineWOctr sets. In these files the PRF
 * input is [counter] || K(i-1) or A(i) || FixedInputData; the cases with a counter here are
 * CTRLOCATION=BEFORE_ITER, big endian, RLEN bits. L = the length of KO. */
struct kat {
    CK_MECHANISM_TYPE mech, prf;
    CK_ULONG rlen; /* counter bits, 0: no counter */
    const char *ki, *iv, *fid, *ko;
};

static const struct kat kats[] = {
    /* FeedbackModeNOzeroiv [PRF=CMAC_AES128][CTRLOCATION=BEFORE_ITER][RLEN=8_BITS] COUNT=0 */
    {CKM_SP800_108_FEEDBACK_KDF, CKM_AES_CMAC, 8,
         "6874c099a14942d5bcd823183a4ceb9c",
         "4ab31c84730527fbf008e446501bb26a",
         "0909d62821ec989fe16d6d77358126d272fff3e2dc4795c5a9421bee65be679b"
         "9f651668fdbc2c13d2ef4932f8830b56e5e1e0",
         "265062a5de896edbfc0d071bdfb6dfd18901f3786cee3c401e53c198e80e78ba"
         "b17c7049c723d4cd9d334952509c44d7e7bc16627a1e7177b80157a3c56ac21b"},
    /* Feedbacknocounter [PRF=CMAC_AES128] COUNT=0 */
    {CKM_SP800_108_FEEDBACK_KDF, CKM_AES_CMAC, 0,
         "5c996c922f65de97d4408373229814c6",
         "28dc945cb8337ab5336c3e9b5bad21c7",
         "62afe5fed91e797221a854336b0aadd8a05ad0e3c8345729897b2efcec5a1178"
         "a2fa4c063007b67a7015e0d6b7271ea8d86b44",
         "88a9aae193abdd3fe8143bab66014ae41dc2d12ea9d08f5871588fc5d827924e"
         "b9942989d7a36d4b3b107997566472cad5942bd13cb5cff32b9dae30f1bb6300"},
    /* Feedbacknocounter [PRF=CMAC_AES128] COUNT=5 (IVlen 0) */
    {CKM_SP800_108_FEEDBACK_KDF, CKM_AES_CMAC, 0,
         "aaa7a1f04e701fd35f445059bc062ad6",
         "",
         "932cfcf8e62d03794dc58cd90b9fb9498ec1309773e4a095edc06717c016eb85"
         "8a7b1e7b828c3639d78bbb8bf1381ed0c352b2",
         "dea320c6cece7d8dca32475aa91ad39ec92ecac3b16c0eea86d69561434c9f41"
         "136333bde3f1d33cfe9bcd9accf14284dd82ebe8fe083533f44f490565583cb8"},
    /* Feedbacknocounter [PRF=CMAC_AES128] COUNT=20 (L=528, not multiple of block) */
    {CKM_SP800_108_FEEDBACK_KDF, CKM_AES_CMAC, 0,
         "5d091c7d5e70acb9a24807fdd4f6305b",
         "2349167730a8fdc33e2c4ba9baf33057",
         "7aa011321547a61d6ba0b2816c9f5b6941d8aae921ae7c955ec88e5c297878cb"
         "40490028f0bd94d2a69407ce995c95766b0828",
         "c694e50ec053a637383bf04de74851d3695ddd6283892b5ae847d73fde5bd51b"
         "26426606badec215f1b14b02c0d09b8070d82fcae629850f81030997277b0661"
         "63db"},
    /* Feedbacknocounter [PRF=HMAC_SHA256] COUNT=0 */
    {CKM_SP800_108_FEEDBACK_KDF, CKM_SHA256_HMAC, 0,
         "4b02ffb1cb9987496e19872597b026f7409d92433f9135068c29307985598586",
         "5c2a2262d14994904c9c2de36d66c7ebdaed32b5cc441c222258857f5af29bea",
         "a38f30844136c33e00d4254a8bc5f51e8473ac20e5628e77e4d91a704d58bf0d"
         "4d0fefb5f92d897f1958b0af188180b2e2d2f7",
         "ef46a7cc3f2fd3aac2d55c7386b99279098ad8af07e113c683e43601d3e0c9a4"
         "8165a580d60b9c2df75cdfc066855607c0dd51ad8fc0296c3f72e83d3d5742e2"},
    /* Feedbacknocounter [PRF=HMAC_SHA256] COUNT=5 (IVlen 0) */
    {CKM_SP800_108_FEEDBACK_KDF, CKM_SHA256_HMAC, 0,
         "1505f4a0902c59feed020c34a34f59ce21091e8cce43a2b69be5324b15e2cb86",
         "",
         "9c369f208367a3d5ae27ef50939cb582da0e44ccf2786fa0f0ed050f4951b8ba"
         "723ed62d4ca914d13a3808dd940f71dee823d9",
         "5b9537a0889bf60891e20e3e078541de238526026df804172995968ba82298c9"
         "ce159d1156e90536f24e2743f6b8e91a1a0ae8c0b553246f4848e2525a4c1d19"},
    /* Feedbacknocounter [PRF=HMAC_SHA256] COUNT=25 (IVlen 0, L=528) */
    {CKM_SP800_108_FEEDBACK_KDF, CKM_SHA256_HMAC, 0,
         "b1cafcd548790f3ee1cbb179a82e85d688303ccda9deef136ee2e7ef769bd5c0",
         "",
         "445ceab641fc2adac3d5d9d65f88b06bda0f2581f755499398f5e8cb4a4cd92e"
         "1724a0674dac253ec29ac1620a231b4954be10",
         "046fe183ff9ab434bd77f5bd8dcbe41340e19434f1c80e65fc0fd5bb02cdb03f"
         "59e4f6a925714732b3318f80364b0f3aa4e7c19c3f7916eef25112efb357316e"
         "3032"},
    /* FeedbackModeNOzeroiv [PRF=HMAC_SHA256][CTRLOCATION=BEFORE_ITER][RLEN=16_BITS] COUNT=0 */
    {CKM_SP800_108_FEEDBACK_KDF, CKM_SHA256_HMAC, 16,
         "b773a074a89355ea774081ab1b9622a5968bc8362f387e3bea975a035346dd9a",
         "edc2adea297333a966fd2d5bae178ac63ffc615dc13ea1cc44a346e7cb56398c",
         "46a8679aa3623d7718ed668d90d6a8953c17426e6d12831fb31281e48c20049e"
         "2293aaec7bd5762b933d855e9aae5ac1f4c474",
         "111dff19034414b2249692e29fc9d0e66ad54b9e1463e4588a59a6d5a5d5b8e5"
         "ead37f0a522eeb74411cb4d01420d8dc6bc41f420329fda471cf42ef2f73c896"},
    /* Feedbackwzeroiv [PRF=CMAC_AES128][CTRLOCATION=BEFORE_ITER][RLEN=8_BITS] COUNT=5 (IVlen 0) */
    {CKM_SP800_108_FEEDBACK_KDF, CKM_AES_CMAC, 8,
         "36db18b4d4b6ebbebd49b942f25de3e4",
         "",
         "3d15a36e4837e3aae2d043353a112ee8521d36f9be36caccde0b94d8f3e48417"
         "3d49f7cfdc55225299bb938693dfc57825ab83",
         "fd354ad083a39d981facc7293c504399b0d233196e7149ad1f3b626dadc1df2c"
         "c6bda8e9f75dda2f147503ebc332e2cea0daeef1163500ff6cb4d2cd714de73d"},
    /* Feedbackwzeroiv [PRF=CMAC_AES128][CTRLOCATION=BEFORE_ITER][RLEN=8_BITS] COUNT=25 (IVlen 0, L=560) */
    {CKM_SP800_108_FEEDBACK_KDF, CKM_AES_CMAC, 8,
         "03d35f2bb227b9e9d0b0a15abab30941",
         "",
         "4cabb856eb37fb483fe0d834823db9161eae627299bfdad957c54c289236a33b"
         "042ea235946a7b60c17432c6b27dca57641e1c",
         "83e8aa96c7090ea64a879f30a979e262e12e83b2c2e91862b8e62595dbc0b5d9"
         "8096ce360daedf18511dcacf9937a188dc7fde957a153ecaf6a46b5db2fdcb90"
         "5f0eea7a3ffd"},
    /* PipelineWOctr [PRF=CMAC_AES128] COUNT=0 */
    {CKM_SP800_108_DOUBLE_PIPELINE_KDF, CKM_AES_CMAC, 0,
         "ada2452f1f141a82c7a1b7d3e09ffed1",
         "",
         "335660eb265d2044efa06eacd848d3f9f57d219011343318f3a964df4a6fb1bf"
         "6cbdee711c7fcbe73b8f257f992e47e8b065af",
         "a73bd29176e38e761222ae07d639181f4b2c555a3b261815cde5d88a67c8b95c"
         "58b6b66ea4f10608c6d799b051519fc8e89de00cdc556350a7d966475086f9af"},
    /* PipelineWOctr [PRF=CMAC_AES128] COUNT=20 (L=480) */
    {CKM_SP800_108_DOUBLE_PIPELINE_KDF, CKM_AES_CMAC, 0,
         "76abade7735d387d672b47d0c38227e6",
         "",
         "9531fd80033032c0b118df077a4e5c8bb8e59c6ea9c1b3bd86fc0dfba73fefbd"
         "35efe742f4f4ec55ab2e64f8992c79e0d9653d",
         "e734a7b973746113067208a7d107a414315251ed95a8103b65c2f3d993dfb92e"
         "43bbec6d11fc4faa01b80cb2c9883b1c31cc22ba09c0e93305b17d61"},
    /* PipelineWOctr [PRF=HMAC_SHA256] COUNT=0 */
    {CKM_SP800_108_DOUBLE_PIPELINE_KDF, CKM_SHA256_HMAC, 0,
         "7d4f86fdfd1c4ba04c674a68d60316d12c99c1b1f44f0a8e02bd2601377ebcd9",
         "",
         "921ab061920b191de12f746ac9de08004f2c20f01775e27bcacdc21ee4a5ff03"
         "87758f36d8ec71c7a8c8208284f650b611837e",
         "506bc2ba51410b2a6e7c05d33891520ddd5f702ad3d6203d76d8dae1216d0783"
         "d8c59fae2e821d8eff2d8ddd93a6741c8f144fb96e9ca7d7c532468f213f5efe"},
    /* PipelineWOctr [PRF=HMAC_SHA256] COUNT=20 (L=480) */
    {CKM_SP800_108_DOUBLE_PIPELINE_KDF, CKM_SHA256_HMAC, 0,
         "15c4512f85dd3dd8c6bc4444dd6bfc80b2e014deeb80e26c6a923b3da2a07768",
         "",
         "7deb7a561e3a88a9c2c98e6de61bc1d718d628c17e51f24dcf97553dd572bb82"
         "b74c919c89b93c5a4d0576ef3bd1039267dbe9",
         "85a508ac79d9eb30ad17990dbd5ebb7a6d3844f9b06b30e2072b931cd26ac658"
         "911e9992552bfcd612cfacb62f4d39a1bc771df4c5efd2dbca1abb29"},
    /* pipelinewithctr [PRF=CMAC_AES128][CTRLOCATION=BEFORE_ITER][RLEN=8_BITS] COUNT=0 */
    {CKM_SP800_108_DOUBLE_PIPELINE_KDF, CKM_AES_CMAC, 8,
         "c6254d95dd108e9bb29e0053ddeec351",
         "",
         "22f498fc9b8d4b72188bce30ba9875fc2b0eb3fe76874d85426e6e5b3b237c9f"
         "445f2da20a60ab189802e2c152c4a3602aa342",
         "1e133a952df55a11ee038120375f61e7c0162842c817160693b1f39dc0b795bc"
         "6f3691db775cf3af4b0a9f69fecbe99679fd4b4873dda743f5c6a2d2e873f26d"},
    /* pipelinewithctr [PRF=CMAC_AES128][CTRLOCATION=BEFORE_ITER][RLEN=8_BITS] COUNT=20 (L=560) */
    {CKM_SP800_108_DOUBLE_PIPELINE_KDF, CKM_AES_CMAC, 8,
         "d92dc7b9d007fc49734bc931ef8554e9",
         "",
         "a19d29ed42b369494d6547d8b5f1203078f2e49a85bd4cc8ff71657c10dca7f7"
         "8f4bb7429063976b1124b031edfeffe2cc5951",
         "de6dee3c072fdd13b14f593a6ecef83e83b8af85149be566e32ffcceafa09e67"
         "27f642b4ccd106de370cab0d24cc77ea8a309ed0ccde326110b7bc58b07a7f82"
         "f2016df6433e"},
};

static void test_cavp(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
        const struct kat *k = &kats[i];
        CK_BYTE ki[32], iv[32], fid[64], ko[320];
        size_t kil = unhex(k->ki, ki, sizeof(ki)), ivl = unhex(k->iv, iv, sizeof(iv));
        size_t fidl = unhex(k->fid, fid, sizeof(fid)), kol = unhex(k->ko, ko, sizeof(ko));
        CK_SP800_108_COUNTER_FORMAT cf = {CK_FALSE, k->rlen};
        CK_PRF_DATA_PARAM dp[3];
        CK_ULONG n = 0;
        if (k->rlen != 0)
            dp[n++] = (CK_PRF_DATA_PARAM){CK_SP800_108_COUNTER, &cf, sizeof(cf)};
        dp[n++] = (CK_PRF_DATA_PARAM){CK_SP800_108_ITERATION_VARIABLE, NULL, 0};
        dp[n++] = (CK_PRF_DATA_PARAM){CK_SP800_108_BYTE_ARRAY, fid, (CK_ULONG)fidl};
        CK_OBJECT_HANDLE base = import_key(k->prf == CKM_AES_CMAC ? CKK_AES : CKK_GENERIC_SECRET,
                                           ki, kil, CK_FALSE, CK_TRUE);
        expect(k->mech, k->prf, dp, n, iv, (CK_ULONG)ivl, base, ko, kol);
        destroy(base);
    }
}

/* Counter mode through the same builder: CAVP KDFCTR_gen.rsp [PRF=CMAC_AES128]
 * [CTRLOCATION=BEFORE_FIXED][RLEN=32_BITS], L = 128, KI = c10b152e..., KO = 26faf619... */
static void test_counter_cavp(void **state)
{
    (void)state;
    CK_BYTE ki[16], fid[60], ko[16];
    unhex("c10b152e8c97b77e18704e0f0bd38305", ki, sizeof(ki));
    unhex("98cd4cbbbebe15d17dc86e6dbad800a2dcbd64f7c7ad0e78e9cf94ffdba89d03"
          "e97eadf6c4f7b806caf52aa38f09d0eb71d71f497bcc6906b48d36c4",
          fid, sizeof(fid));
    unhex("26faf61908ad9ee881b8305c221db53f", ko, sizeof(ko));
    CK_SP800_108_COUNTER_FORMAT cf = {CK_FALSE, 32};
    CK_PRF_DATA_PARAM dp[] = {{CK_SP800_108_ITERATION_VARIABLE, &cf, sizeof(cf)},
                              {CK_SP800_108_BYTE_ARRAY, fid, sizeof(fid)}};
    CK_OBJECT_HANDLE base = import_key(CKK_AES, ki, 16, CK_FALSE, CK_TRUE);
    expect(CTR, CKM_AES_CMAC, dp, 2, NULL, 0, base, ko, 16);
    destroy(base);
}

/* ---- OpenSSL KBKDF cross-check ---------------------------------------------------------------
 * OpenSSL's feedback mode is K(i) = PRF(K(i-1) || [i]_32 || label || 00 || context || [L]_32),
 * K(0) = the seed. Values computed once with the OpenSSL 3.0.22 command line, e.g.
 *   openssl kdf -keylen 40 -kdfopt mac:HMAC -kdfopt digest:SHA2-256 -kdfopt mode:FEEDBACK \
 *     -kdfopt hexkey:000102...1f -kdfopt hexsalt:6c6162656c -kdfopt hexinfo:636f6e74657874 \
 *     -kdfopt hexseed:a0a1...bf KBKDF
 * (key 00..1f, seed a0..bf); the same with mac:CMAC cipher:AES-128-CBC, key 00..0f and seed
 * a0..af; and the HMAC one without -kdfopt hexseed (empty IV). */
static void test_openssl(void **state)
{
    (void)state;
    static const char *const want[3] = {
        "429d4a1f9b421653d084fd6ab43e90f9b9c51c5f4cc5f6001d37b614fade3bffc70f88ab29314deb",
        "8381b67f594ed99eedb622189d53d72d5db063e9209711c0dbdbe48cf058ed6e1f6f1a70399f019a",
        "c5115a8e2c9cf655fabbfecbe725e440a9838838f5b46130c654f368f780edd6e9e0c51b5dd20f95",
    };
    CK_SP800_108_COUNTER_FORMAT cf = {CK_FALSE, 32};
    CK_SP800_108_DKM_LENGTH_FORMAT lf = {CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS, CK_FALSE, 32};
    CK_BYTE label[] = "label", zero = 0, ctx[] = "context", iv[32], w[40];
    CK_PRF_DATA_PARAM dp[] = {
        {CK_SP800_108_ITERATION_VARIABLE, NULL, 0},
        {CK_SP800_108_COUNTER, &cf, sizeof(cf)},
        {CK_SP800_108_BYTE_ARRAY, label, 5},
        {CK_SP800_108_BYTE_ARRAY, &zero, 1},
        {CK_SP800_108_BYTE_ARRAY, ctx, 7},
        {CK_SP800_108_DKM_LENGTH, &lf, sizeof(lf)},
    };
    for (int i = 0; i < 32; i++)
        iv[i] = (CK_BYTE)(0xa0 + i);
    CK_OBJECT_HANDLE hk = counting_key(CKK_GENERIC_SECRET, 32), ak = counting_key(CKK_AES, 16);
    unhex(want[0], w, sizeof(w));
    expect(FB, CKM_SHA256_HMAC, dp, 6, iv, 32, hk, w, 40);
    unhex(want[1], w, sizeof(w));
    expect(FB, CKM_AES_CMAC, dp, 6, iv, 16, ak, w, 40);
    unhex(want[2], w, sizeof(w));
    expect(FB, CKM_SHA256_HMAC, dp, 6, NULL, 0, hk, w, 40);
    destroy(hk);
    destroy(ak);
}

/* ---- layouts beyond the CAVP files ------------------------------------------------------------
 * Expected values from an independent Python model (hmac/hashlib) of SP 800-108r1 §4.2/§4.3 with
 * the PKCS#11 piece order: little-endian counters, a DKM length inside the double-pipeline
 * A(0), the counter after the fixed data, SHA-3 and SHA-512 PRFs. Key = bytes 00..1f. */
static void test_layouts(void **state)
{
    (void)state;
    CK_BYTE w[100];
    CK_OBJECT_HANDLE k = counting_key(CKK_GENERIC_SECRET, 32);

    /* Double pipeline, HMAC-SHA-256: A(i) || [i]_16 LE || "label" || 00 || "context" ||
     * [L]_24 BE with L = the sum of segments (2 x 256 bits); A(0) = "label" 00 "context" [L]. */
    CK_SP800_108_COUNTER_FORMAT c16 = {CK_TRUE, 16};
    CK_SP800_108_DKM_LENGTH_FORMAT l24 = {CK_SP800_108_DKM_LENGTH_SUM_OF_SEGMENTS, CK_FALSE, 24};
    CK_BYTE label[] = "label", zero = 0, ctx[] = "context", fixed[] = "fixed";
    CK_PRF_DATA_PARAM dp1[] = {
        {CK_SP800_108_ITERATION_VARIABLE, NULL, 0}, {CK_SP800_108_COUNTER, &c16, sizeof(c16)},
        {CK_SP800_108_BYTE_ARRAY, label, 5},        {CK_SP800_108_BYTE_ARRAY, &zero, 1},
        {CK_SP800_108_BYTE_ARRAY, ctx, 7},          {CK_SP800_108_DKM_LENGTH, &l24, sizeof(l24)},
    };
    unhex("609b4cf0f2b9d0d9879ba55232d8ab32213ebe9ea80cced5496e8ce395a4c898d8770ed4afcd9c8b", w,
          sizeof(w));
    expect(DP, CKM_SHA256_HMAC, dp1, 6, NULL, 0, k, w, 40);

    /* Feedback, HMAC-SHA3-256, IV = 7 x 55: "label" || [L]_16 LE (sum of keys) || K(i-1) ||
     * "ctx", no counter, 50 bytes. */
    CK_SP800_108_DKM_LENGTH_FORMAT l16 = {CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS, CK_TRUE, 16};
    CK_BYTE iv[7], cx[] = "ctx";
    memset(iv, 0x55, sizeof(iv));
    CK_PRF_DATA_PARAM dp2[] = {
        {CK_SP800_108_BYTE_ARRAY, label, 5},
        {CK_SP800_108_DKM_LENGTH, &l16, sizeof(l16)},
        {CK_SP800_108_ITERATION_VARIABLE, NULL, 0},
        {CK_SP800_108_BYTE_ARRAY, cx, 3},
    };
    unhex("266b423108a94cb2ad02e6c58e406848e3a02e086954a3e29b90f17a1971c168544164d0d99d9cd79f5e"
          "9d2dd8833f1fa72c",
          w, sizeof(w));
    expect(FB, CKM_SHA3_256_HMAC, dp2, 4, iv, 7, k, w, 50);

    /* Feedback, HMAC-SHA-512, no IV: K(i-1) || "fixed" || [i]_24 BE (CTRLOCATION=AFTER_FIXED),
     * 100 bytes (two blocks, the second cut). */
    CK_SP800_108_COUNTER_FORMAT c24 = {CK_FALSE, 24};
    CK_PRF_DATA_PARAM dp3[] = {
        {CK_SP800_108_ITERATION_VARIABLE, NULL, 0},
        {CK_SP800_108_BYTE_ARRAY, fixed, 5},
        {CK_SP800_108_COUNTER, &c24, sizeof(c24)},
    };
    unhex("90d859631e681cd6636448b2db6d4ce561079e827a9d55908592e19b63dbd782f54f409f9b83a0458c5e"
          "83f2606122c4dd2708023059cb7c8d246afd555889b0a66b3d2ba247b7728aedb5543eca0c58848b5eb0"
          "e94c349ad8457e3d693f1cbd085daae2",
          w, sizeof(w));
    expect(FB, CKM_SHA512_HMAC, dp3, 3, NULL, 0, k, w, 100);

    /* Feedback with the same data is not double pipeline, nor counter mode with a counter
     * format at the iteration variable: the three modes give three different keys. */
    CK_BYTE a[32], b[32], c[32];
    CK_OBJECT_HANDLE d;
    CK_SP800_108_COUNTER_FORMAT c32 = {CK_FALSE, 32};
    CK_PRF_DATA_PARAM dpf[] = {{CK_SP800_108_ITERATION_VARIABLE, NULL, 0},
                               {CK_SP800_108_BYTE_ARRAY, fixed, 5}};
    CK_PRF_DATA_PARAM dpc[] = {{CK_SP800_108_ITERATION_VARIABLE, &c32, sizeof(c32)},
                               {CK_SP800_108_BYTE_ARRAY, fixed, 5}};
    CK_SP800_108_FEEDBACK_KDF_PARAMS fp = {CKM_SHA256_HMAC, 2, dpf, 0, NULL, 0, NULL};
    CK_SP800_108_KDF_PARAMS pp = {CKM_SHA256_HMAC, 2, dpf, 0, NULL};
    CK_SP800_108_KDF_PARAMS cp = {CKM_SHA256_HMAC, 2, dpc, 0, NULL};
    assert_int_equal(derive(FB, &fp, sizeof(fp), k, 32, &d), CKR_OK);
    value(d, a, 32);
    destroy(d);
    assert_int_equal(derive(DP, &pp, sizeof(pp), k, 32, &d), CKR_OK);
    value(d, b, 32);
    destroy(d);
    assert_int_equal(derive(CTR, &cp, sizeof(cp), k, 32, &d), CKR_OK);
    value(d, c, 32);
    destroy(d);
    assert_memory_not_equal(a, b, 32);
    assert_memory_not_equal(a, c, 32);
    assert_memory_not_equal(b, c, 32);
    destroy(k);
}

/* ---- mechanism info --------------------------------------------------------------------------- */

static void test_info(void **state)
{
    (void)state;
    static const CK_MECHANISM_TYPE ms[3] = {CTR, FB, DP};
    CK_ULONG n = 0;
    assert_int_equal(F->C_GetMechanismList(T.slot, NULL, &n), CKR_OK);
    CK_MECHANISM_TYPE *list = calloc(n, sizeof(*list));
    assert_non_null(list);
    assert_int_equal(F->C_GetMechanismList(T.slot, list, &n), CKR_OK);
    for (size_t i = 0; i < 3; i++) {
        bool listed = false;
        for (CK_ULONG j = 0; j < n; j++)
            listed |= list[j] == ms[i];
        assert_true(listed);
        CK_MECHANISM_INFO info;
        assert_int_equal(F->C_GetMechanismInfo(T.slot, ms[i], &info), CKR_OK);
        assert_int_equal(info.flags, CKF_DERIVE);
        /* Base key sizes in bits (PKCS#11 3.2 SP800-108), enforced: see test_lengths. */
        assert_int_equal(info.ulMinKeySize, 8);
        assert_int_equal(info.ulMaxKeySize, 8192);
    }
    free(list);
}

/* ---- attribute rules -------------------------------------------------------------------------- */

/* PKCS#11 3.2 "Key Derivation Attribute Rules": CKA_SENSITIVE / CKA_EXTRACTABLE left out of the
 * template take the base key's values; given, they are the template's. */
static void test_attributes(void **state)
{
    (void)state;
    CK_BYTE kv[32];
    memset(kv, 7, sizeof(kv));
    CK_OBJECT_HANDLE base = import_key(CKK_GENERIC_SECRET, kv, 32, CK_TRUE, CK_FALSE);
    CK_BYTE x[] = "x";
    CK_PRF_DATA_PARAM dp[] = {{CK_SP800_108_ITERATION_VARIABLE, NULL, 0},
                              {CK_SP800_108_BYTE_ARRAY, x, 1}};
    CK_SP800_108_FEEDBACK_KDF_PARAMS fp = {CKM_SHA256_HMAC, 2, dp, 0, NULL, 0, NULL};
    CK_MECHANISM m = {FB, &fp, sizeof(fp)};
    CK_ULONG len = 16;
    CK_ATTRIBUTE bare[] = {ATTR(CKA_CLASS, &secret_cls), ATTR(CKA_KEY_TYPE, &generic_kt),
                           ATTR(CKA_VALUE_LEN, &len)};
    CK_OBJECT_HANDLE d;
    assert_int_equal(F->C_DeriveKey(S, &m, base, bare, 3, &d), CKR_OK);
    assert_int_equal(attr_bool(d, CKA_SENSITIVE), CK_TRUE);
    assert_int_equal(attr_bool(d, CKA_EXTRACTABLE), CK_FALSE);
    CK_BYTE v[16];
    CK_ATTRIBUTE a = {CKA_VALUE, v, sizeof(v)};
    assert_int_equal(F->C_GetAttributeValue(S, d, &a, 1), CKR_ATTRIBUTE_SENSITIVE);
    destroy(d);
    /* Both may be given either way. */
    CK_ATTRIBUTE open[] = {ATTR(CKA_CLASS, &secret_cls), ATTR(CKA_KEY_TYPE, &generic_kt),
                           ATTR(CKA_VALUE_LEN, &len), ATTR(CKA_SENSITIVE, &no),
                           ATTR(CKA_EXTRACTABLE, &yes)};
    assert_int_equal(F->C_DeriveKey(S, &m, base, open, 5, &d), CKR_OK);
    assert_int_equal(attr_bool(d, CKA_SENSITIVE), CK_FALSE);
    assert_int_equal(attr_bool(d, CKA_EXTRACTABLE), CK_TRUE);
    assert_int_equal(value(d, v, sizeof(v)), 16);
    destroy(d);
    destroy(base);
    /* A non-sensitive, extractable base gives a readable key by default. */
    base = import_key(CKK_GENERIC_SECRET, kv, 32, CK_FALSE, CK_TRUE);
    assert_int_equal(F->C_DeriveKey(S, &m, base, bare, 3, &d), CKR_OK);
    assert_int_equal(attr_bool(d, CKA_SENSITIVE), CK_FALSE);
    assert_int_equal(value(d, v, sizeof(v)), 16);
    destroy(d);
    destroy(base);
}

/* ---- parameter errors ------------------------------------------------------------------------- */

/* C_DeriveKey that must fail with `want` and leave no object and no handle behind. */
static void refuse(CK_MECHANISM_TYPE mech, void *param, CK_ULONG plen, CK_OBJECT_HANDLE base,
                   CK_ULONG len, CK_RV want)
{
    CK_OBJECT_HANDLE d;
    CK_RV rv = derive(mech, param, plen, base, len, &d);
    if (rv != want)
        print_error("mechanism 0x%lx: %s, expected %s\n", (unsigned long)mech,
                    ch_p11t_rv_name(rv), ch_p11t_rv_name(want));
    assert_int_equal(rv, want);
    assert_int_equal(d, CK_INVALID_HANDLE);
}

static void fb_refuse(CK_PRF_DATA_PARAM *dp, CK_ULONG n, CK_RV want)
{
    CK_SP800_108_FEEDBACK_KDF_PARAMS fp = {CKM_SHA256_HMAC, n, dp, 0, NULL, 0, NULL};
    refuse(FB, &fp, sizeof(fp), hk32, 32, want);
}

static void dp_refuse(CK_PRF_DATA_PARAM *dp, CK_ULONG n, CK_RV want)
{
    CK_SP800_108_KDF_PARAMS kp = {CKM_SHA256_HMAC, n, dp, 0, NULL};
    refuse(DP, &kp, sizeof(kp), hk32, 32, want);
}

static void ctr_refuse(CK_PRF_DATA_PARAM *dp, CK_ULONG n, CK_RV want)
{
    CK_SP800_108_KDF_PARAMS kp = {CKM_SHA256_HMAC, n, dp, 0, NULL};
    refuse(CTR, &kp, sizeof(kp), hk32, 32, want);
}

static void test_data_params(void **state)
{
    (void)state;
    CK_BYTE x[] = "x";
    CK_SP800_108_COUNTER_FORMAT c8 = {CK_FALSE, 8}, c0 = {CK_FALSE, 0}, c12 = {CK_FALSE, 12},
                                c40 = {CK_FALSE, 40};
    CK_SP800_108_DKM_LENGTH_FORMAT l32 = {CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS, CK_FALSE, 32},
                                   l72 = {CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS, CK_FALSE, 72},
                                   lbad = {3, CK_FALSE, 32};
    CK_OBJECT_HANDLE handle = hk32;
    const CK_PRF_DATA_PARAM iter = {CK_SP800_108_ITERATION_VARIABLE, NULL, 0};
    const CK_PRF_DATA_PARAM byte = {CK_SP800_108_BYTE_ARRAY, x, 1};
    const CK_PRF_DATA_PARAM ctr8 = {CK_SP800_108_COUNTER, &c8, sizeof(c8)};
    const CK_PRF_DATA_PARAM dkm = {CK_SP800_108_DKM_LENGTH, &l32, sizeof(l32)};
    CK_PRF_DATA_PARAM p[4];
    CK_OBJECT_HANDLE d;

    /* The well-formed baseline works in both modes. */
    p[0] = iter, p[1] = ctr8, p[2] = byte, p[3] = dkm;
    CK_SP800_108_FEEDBACK_KDF_PARAMS fp = {CKM_SHA256_HMAC, 4, p, 0, NULL, 0, NULL};
    CK_SP800_108_KDF_PARAMS kp = {CKM_SHA256_HMAC, 4, p, 0, NULL};
    assert_int_equal(derive(FB, &fp, sizeof(fp), hk32, 32, &d), CKR_OK);
    destroy(d);
    assert_int_equal(derive(DP, &kp, sizeof(kp), hk32, 32, &d), CKR_OK);
    destroy(d);

    /* Missing iteration variable; two of them. */
    p[0] = byte, p[1] = ctr8;
    fb_refuse(p, 2, CKR_MECHANISM_PARAM_INVALID);
    dp_refuse(p, 2, CKR_MECHANISM_PARAM_INVALID);
    p[0] = iter, p[1] = byte, p[2] = iter;
    fb_refuse(p, 3, CKR_MECHANISM_PARAM_INVALID);
    dp_refuse(p, 3, CKR_MECHANISM_PARAM_INVALID);
    /* In feedback / double pipeline the iteration variable carries no value. */
    p[0] = (CK_PRF_DATA_PARAM){CK_SP800_108_ITERATION_VARIABLE, &c8, sizeof(c8)}, p[1] = byte;
    fb_refuse(p, 2, CKR_MECHANISM_PARAM_INVALID);
    dp_refuse(p, 2, CKR_MECHANISM_PARAM_INVALID);
    p[0] = (CK_PRF_DATA_PARAM){CK_SP800_108_ITERATION_VARIABLE, NULL, sizeof(c8)};
    fb_refuse(p, 2, CKR_MECHANISM_PARAM_INVALID);
    /* ... and in counter mode it must carry the counter format; CK_SP800_108_COUNTER is
     * invalid there. */
    p[0] = iter;
    ctr_refuse(p, 2, CKR_MECHANISM_PARAM_INVALID);
    p[0] = (CK_PRF_DATA_PARAM){CK_SP800_108_ITERATION_VARIABLE, &c8, sizeof(c8)}, p[2] = ctr8;
    ctr_refuse(p, 3, CKR_MECHANISM_PARAM_INVALID);
    /* At most one counter; widths 8..32 in whole bytes; the format's size. */
    p[0] = iter, p[1] = ctr8, p[2] = ctr8;
    fb_refuse(p, 3, CKR_MECHANISM_PARAM_INVALID);
    dp_refuse(p, 3, CKR_MECHANISM_PARAM_INVALID);
    CK_SP800_108_COUNTER_FORMAT *bad[3] = {&c0, &c12, &c40};
    for (int i = 0; i < 3; i++) {
        p[1] = (CK_PRF_DATA_PARAM){CK_SP800_108_COUNTER, bad[i], sizeof(c8)};
        fb_refuse(p, 2, CKR_MECHANISM_PARAM_INVALID);
        dp_refuse(p, 2, CKR_MECHANISM_PARAM_INVALID);
    }
    p[1] = (CK_PRF_DATA_PARAM){CK_SP800_108_COUNTER, &c8, sizeof(c8) - 1};
    fb_refuse(p, 2, CKR_MECHANISM_PARAM_INVALID);
    p[1] = (CK_PRF_DATA_PARAM){CK_SP800_108_COUNTER, NULL, sizeof(c8)};
    dp_refuse(p, 2, CKR_MECHANISM_PARAM_INVALID);
    /* At most one DKM length; widths 8..64; a known method. */
    p[1] = dkm, p[2] = dkm;
    fb_refuse(p, 3, CKR_MECHANISM_PARAM_INVALID);
    dp_refuse(p, 3, CKR_MECHANISM_PARAM_INVALID);
    p[1] = (CK_PRF_DATA_PARAM){CK_SP800_108_DKM_LENGTH, &l72, sizeof(l72)};
    fb_refuse(p, 2, CKR_MECHANISM_PARAM_INVALID);
    p[1] = (CK_PRF_DATA_PARAM){CK_SP800_108_DKM_LENGTH, &lbad, sizeof(lbad)};
    dp_refuse(p, 2, CKR_MECHANISM_PARAM_INVALID);
    /* Byte arrays: a pointer and at least one byte. */
    p[1] = (CK_PRF_DATA_PARAM){CK_SP800_108_BYTE_ARRAY, NULL, 1};
    fb_refuse(p, 2, CKR_MECHANISM_PARAM_INVALID);
    p[1] = (CK_PRF_DATA_PARAM){CK_SP800_108_BYTE_ARRAY, x, 0};
    dp_refuse(p, 2, CKR_MECHANISM_PARAM_INVALID);
    /* Key handles and unknown types are not offered. */
    p[1] = (CK_PRF_DATA_PARAM){CK_SP800_108_KEY_HANDLE, &handle, sizeof(handle)};
    fb_refuse(p, 2, CKR_MECHANISM_PARAM_INVALID);
    p[1] = (CK_PRF_DATA_PARAM){0x80000001UL, x, 1};
    dp_refuse(p, 2, CKR_MECHANISM_PARAM_INVALID);
    /* No data at all; a count without an array. */
    fb_refuse(p, 0, CKR_MECHANISM_PARAM_INVALID);
    fb_refuse(NULL, 2, CKR_MECHANISM_PARAM_INVALID);
    dp_refuse(NULL, 2, CKR_MECHANISM_PARAM_INVALID);
}

static void test_structures(void **state)
{
    (void)state;
    CK_BYTE x[] = "x", iv[16] = {0};
    CK_PRF_DATA_PARAM p[] = {{CK_SP800_108_ITERATION_VARIABLE, NULL, 0},
                             {CK_SP800_108_BYTE_ARRAY, x, 1}};
    CK_SP800_108_FEEDBACK_KDF_PARAMS fp = {CKM_SHA256_HMAC, 2, p, 16, iv, 0, NULL};
    CK_SP800_108_KDF_PARAMS kp = {CKM_SHA256_HMAC, 2, p, 0, NULL};
    /* No parameter; a parameter of the wrong size. */
    refuse(FB, NULL, 0, hk32, 32, CKR_MECHANISM_PARAM_INVALID);
    refuse(DP, NULL, 0, hk32, 32, CKR_MECHANISM_PARAM_INVALID);
    refuse(FB, NULL, sizeof(fp), hk32, 32, CKR_MECHANISM_PARAM_INVALID);
    refuse(FB, &fp, sizeof(fp) - 1, hk32, 32, CKR_MECHANISM_PARAM_INVALID);
    refuse(DP, &kp, sizeof(kp) + 1, hk32, 32, CKR_MECHANISM_PARAM_INVALID);
    /* An IV for double pipeline: its parameter has no IV, so the feedback structure is the
     * wrong parameter; and the plain structure is wrong for feedback. */
    refuse(DP, &fp, sizeof(fp), hk32, 32, CKR_MECHANISM_PARAM_INVALID);
    refuse(FB, &kp, sizeof(kp), hk32, 32, CKR_MECHANISM_PARAM_INVALID);
    /* The feedback IV: pointer and length agree. */
    fp.pIV = NULL;
    refuse(FB, &fp, sizeof(fp), hk32, 32, CKR_MECHANISM_PARAM_INVALID);
    fp.pIV = iv;
    fp.ulIVLen = 0;
    refuse(FB, &fp, sizeof(fp), hk32, 32, CKR_MECHANISM_PARAM_INVALID);
    fp.ulIVLen = 16;
    /* PRF types: the HMAC mechanisms and AES-CMAC only. */
    static const CK_MECHANISM_TYPE bad_prf[] = {CKM_SHA256, CKM_SHA256_HMAC_GENERAL,
                                                CKM_SHA3_256, CKM_DES3_CMAC, CKM_AES_ECB,
                                                CKM_AES_CMAC_GENERAL};
    for (size_t i = 0; i < sizeof(bad_prf) / sizeof(bad_prf[0]); i++) {
        fp.prfType = kp.prfType = bad_prf[i];
        refuse(FB, &fp, sizeof(fp), hk32, 32, CKR_MECHANISM_PARAM_INVALID);
        refuse(DP, &kp, sizeof(kp), hk32, 32, CKR_MECHANISM_PARAM_INVALID);
    }
    /* The base key must suit the PRF. */
    CK_OBJECT_HANDLE ak = counting_key(CKK_AES, 16);
    fp.prfType = kp.prfType = CKM_AES_CMAC;
    refuse(FB, &fp, sizeof(fp), hk32, 32, CKR_KEY_TYPE_INCONSISTENT);
    fp.prfType = kp.prfType = CKM_SHA256_HMAC;
    refuse(DP, &kp, sizeof(kp), ak, 32, CKR_KEY_TYPE_INCONSISTENT);
    destroy(ak);
}

static void test_lengths(void **state)
{
    (void)state;
    CK_OBJECT_HANDLE d;
    CK_BYTE x[] = "x";
    CK_SP800_108_COUNTER_FORMAT c8 = {CK_FALSE, 8};
    CK_SP800_108_DKM_LENGTH_FORMAT l8 = {CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS, CK_FALSE, 8};
    CK_PRF_DATA_PARAM p[] = {{CK_SP800_108_ITERATION_VARIABLE, NULL, 0},
                             {CK_SP800_108_COUNTER, &c8, sizeof(c8)},
                             {CK_SP800_108_BYTE_ARRAY, x, 1}};
    CK_SP800_108_FEEDBACK_KDF_PARAMS fp = {CKM_AES_CMAC, 3, p, 0, NULL, 0, NULL};
    CK_SP800_108_KDF_PARAMS kp = {CKM_AES_CMAC, 3, p, 0, NULL};
    CK_OBJECT_HANDLE ak = counting_key(CKK_AES, 16);
    /* An 8-bit counter allows 255 blocks of 16 bytes, not 256 (SP 800-108r1: n <= 2^r - 1). */
    assert_int_equal(derive(FB, &fp, sizeof(fp), ak, 255 * 16, &d), CKR_OK);
    destroy(d);
    refuse(FB, &fp, sizeof(fp), ak, 255 * 16 + 1, CKR_KEY_SIZE_RANGE);
    assert_int_equal(derive(DP, &kp, sizeof(kp), ak, 255 * 16, &d), CKR_OK);
    destroy(d);
    refuse(DP, &kp, sizeof(kp), ak, 255 * 16 + 1, CKR_KEY_SIZE_RANGE);
    /* An 8-bit DKM length holds L < 256 bits: 31 bytes, not 32. */
    p[1] = (CK_PRF_DATA_PARAM){CK_SP800_108_DKM_LENGTH, &l8, sizeof(l8)};
    assert_int_equal(derive(FB, &fp, sizeof(fp), ak, 31, &d), CKR_OK);
    destroy(d);
    refuse(FB, &fp, sizeof(fp), ak, 32, CKR_KEY_SIZE_RANGE);
    refuse(DP, &kp, sizeof(kp), ak, 32, CKR_KEY_SIZE_RANGE);
    /* The key length: CKA_VALUE_LEN required, 1..16320 bytes, AES sizes for AES keys. */
    p[1] = (CK_PRF_DATA_PARAM){CK_SP800_108_BYTE_ARRAY, x, 1};
    CK_MECHANISM m = {FB, &fp, sizeof(fp)};
    CK_ATTRIBUTE nolen[] = {ATTR(CKA_CLASS, &secret_cls), ATTR(CKA_KEY_TYPE, &generic_kt)};
    assert_int_equal(F->C_DeriveKey(S, &m, ak, nolen, 2, &d), CKR_TEMPLATE_INCOMPLETE);
    refuse(FB, &fp, sizeof(fp), ak, 0, CKR_KEY_SIZE_RANGE);
    refuse(FB, &fp, sizeof(fp), ak, 16321, CKR_KEY_SIZE_RANGE);
    CK_KEY_TYPE aes_kt = CKK_AES;
    CK_ULONG twenty = 20;
    CK_ATTRIBUTE aes20[] = {ATTR(CKA_CLASS, &secret_cls), ATTR(CKA_KEY_TYPE, &aes_kt),
                            ATTR(CKA_VALUE_LEN, &twenty)};
    assert_int_equal(F->C_DeriveKey(S, &m, ak, aes20, 3, &d), CKR_TEMPLATE_INCONSISTENT);
    destroy(ak);
    /* Base keys within C_GetMechanismInfo's 8..8192 bits: 1 and 1024 bytes, not 1025. */
    fp.prfType = kp.prfType = CKM_SHA256_HMAC;
    size_t sizes[3] = {1, 1024, 1025};
    for (int i = 0; i < 3; i++) {
        CK_OBJECT_HANDLE k = counting_key(CKK_GENERIC_SECRET, sizes[i]);
        if (sizes[i] <= 1024) {
            assert_int_equal(derive(DP, &kp, sizeof(kp), k, 16, &d), CKR_OK);
            destroy(d);
        } else {
            refuse(DP, &kp, sizeof(kp), k, 16, CKR_KEY_SIZE_RANGE);
        }
        destroy(k);
    }
}

static CK_ULONG count_objects(void)
{
    CK_OBJECT_HANDLE h[64];
    CK_ULONG n, total = 0;
    assert_int_equal(F->C_FindObjectsInit(S, NULL, 0), CKR_OK);
    do {
        assert_int_equal(F->C_FindObjects(S, h, 64, &n), CKR_OK);
        total += n;
    } while (n == 64);
    assert_int_equal(F->C_FindObjectsFinal(S), CKR_OK);
    return total;
}

/* ---- additional derived keys (PKCS#11 3.2 "Deriving Additional Keys") -----------------------
 * Expected values come from the test's own HMAC-SHA-256 (OpenSSL HMAC()) over the PRF inputs
 * written out by hand, with the base key hk32 (bytes 00..1f). Each key starts a new PRF segment;
 * the counter and the chaining run on across keys; L counts all keys. */

static void hmac256(const CK_BYTE *in, size_t len, CK_BYTE out[32])
{
    static const CK_BYTE key[32] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                    11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                                    22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
    unsigned int n = 0;
    assert_non_null(HMAC(EVP_sha256(), key, 32, in, len, out, &n));
    assert_int_equal(n, 32);
}

/* A non-sensitive, extractable generic secret of `*len` bytes; ATTR-compatible storage. */
#define GEN_TMPL(len)                                                                              \
    {ATTR(CKA_CLASS, &secret_cls), ATTR(CKA_KEY_TYPE, &generic_kt), ATTR(CKA_VALUE_LEN, &(len)),  \
     ATTR(CKA_SENSITIVE, &no), ATTR(CKA_EXTRACTABLE, &yes)}

/* Read a key's value, check its length, destroy it. */
static void take(CK_OBJECT_HANDLE h, CK_BYTE *out, size_t len)
{
    CK_BYTE buf[256];
    assert_int_not_equal(h, CK_INVALID_HANDLE);
    assert_int_equal(value(h, buf, sizeof(buf)), len);
    memcpy(out, buf, len);
    destroy(h);
}

/* The spec's example: a 48-byte key and a 16-byte additional key with HMAC-SHA-256 take three
 * segments, the second key all of K(3)'s first half. Counter mode, PRF input
 * [i]_32 || "label" || [L]_32. */
static void test_more_counter(void **state)
{
    (void)state;
    CK_SP800_108_COUNTER_FORMAT c32 = {CK_FALSE, 32};
    CK_SP800_108_DKM_LENGTH_FORMAT lf = {CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS, CK_FALSE, 32};
    CK_BYTE label[] = "label";
    CK_PRF_DATA_PARAM dp[] = {{CK_SP800_108_ITERATION_VARIABLE, &c32, sizeof(c32)},
                              {CK_SP800_108_BYTE_ARRAY, label, 5},
                              {CK_SP800_108_DKM_LENGTH, &lf, sizeof(lf)}};
    CK_ULONG l48 = 48, l16 = 16, l96 = 96;
    CK_ATTRIBUTE t48[] = GEN_TMPL(l48), t16[] = GEN_TMPL(l16), t96[] = GEN_TMPL(l96);
    CK_OBJECT_HANDLE h1 = CK_INVALID_HANDLE, h2 = 0x77;
    CK_DERIVED_KEY more = {t16, 5, &h2};
    CK_SP800_108_KDF_PARAMS kp = {CKM_SHA256_HMAC, 3, dp, 1, &more};
    CK_MECHANISM m = {CTR, &kp, sizeof(kp)};
    CK_BYTE k1[48], k2[16], want[3][32], in[13], keys_k2[16];

    /* L = 48 + 16 bytes = 512 bits (sum of keys). */
    assert_int_equal(F->C_DeriveKey(S, &m, hk32, t48, 5, &h1), CKR_OK);
    take(h1, k1, 48);
    take(h2, k2, 16);
    for (int i = 0; i < 3; i++) {
        CK_BYTE p[13] = {0, 0, 0, (CK_BYTE)(i + 1), 'l', 'a', 'b', 'e', 'l', 0, 0, 0x02, 0x00};
        memcpy(in, p, sizeof(in));
        hmac256(in, sizeof(in), want[i]);
    }
    assert_memory_equal(k1, want[0], 32);
    assert_memory_equal(k1 + 32, want[1], 16);
    assert_memory_equal(k2, want[2], 16);
    memcpy(keys_k2, k2, 16);

    /* L = 3 segments x 256 = 768 bits (sum of segments): other keys, and the same bytes as one
     * 96-byte key of the same L (bytes 0..47 and 64..79). */
    lf.dkmLengthMethod = CK_SP800_108_DKM_LENGTH_SUM_OF_SEGMENTS;
    assert_int_equal(F->C_DeriveKey(S, &m, hk32, t48, 5, &h1), CKR_OK);
    take(h1, k1, 48);
    take(h2, k2, 16);
    for (int i = 0; i < 3; i++) {
        CK_BYTE p[13] = {0, 0, 0, (CK_BYTE)(i + 1), 'l', 'a', 'b', 'e', 'l', 0, 0, 0x03, 0x00};
        hmac256(p, sizeof(p), want[i]);
    }
    assert_memory_equal(k1, want[0], 32);
    assert_memory_equal(k1 + 32, want[1], 16);
    assert_memory_equal(k2, want[2], 16);
    assert_memory_not_equal(k2, keys_k2, 16);
    kp.ulAdditionalDerivedKeys = 0;
    kp.pAdditionalDerivedKeys = NULL;
    CK_BYTE one[96];
    assert_int_equal(F->C_DeriveKey(S, &m, hk32, t96, 5, &h1), CKR_OK);
    take(h1, one, 96);
    assert_memory_equal(one, k1, 48);
    assert_memory_equal(one + 64, k2, 16);
}

/* Feedback mode with three additional keys of 32, 5 and 40 bytes after a 20-byte key:
 * K(i) = PRF(K(i-1) || "x"), K(0) = the IV a0..bf; segments 1 | 2 | 3 | 4-5. */
static void test_more_feedback(void **state)
{
    (void)state;
    CK_BYTE x[] = "x", iv[32], k[5][32], in[33];
    CK_PRF_DATA_PARAM dp[] = {{CK_SP800_108_ITERATION_VARIABLE, NULL, 0},
                              {CK_SP800_108_BYTE_ARRAY, x, 1}};
    CK_ULONG l20 = 20, l32 = 32, l5 = 5, l40 = 40;
    CK_ATTRIBUTE t20[] = GEN_TMPL(l20), t32[] = GEN_TMPL(l32), t5[] = GEN_TMPL(l5),
                 t40[] = GEN_TMPL(l40);
    CK_OBJECT_HANDLE h0, h[3] = {0x11, 0x22, 0x33};
    CK_DERIVED_KEY more[3] = {{t32, 5, &h[0]}, {t5, 5, &h[1]}, {t40, 5, &h[2]}};
    for (int i = 0; i < 32; i++)
        iv[i] = (CK_BYTE)(0xa0 + i);
    CK_SP800_108_FEEDBACK_KDF_PARAMS fp = {CKM_SHA256_HMAC, 2, dp, 32, iv, 3, more};
    CK_MECHANISM m = {FB, &fp, sizeof(fp)};
    assert_int_equal(F->C_DeriveKey(S, &m, hk32, t20, 5, &h0), CKR_OK);
    const CK_BYTE *prev = iv;
    for (int i = 0; i < 5; i++) {
        memcpy(in, prev, 32);
        in[32] = 'x';
        hmac256(in, 33, k[i]);
        prev = k[i];
    }
    CK_BYTE got[40];
    take(h0, got, 20);
    assert_memory_equal(got, k[0], 20);
    take(h[0], got, 32);
    assert_memory_equal(got, k[1], 32);
    take(h[1], got, 5);
    assert_memory_equal(got, k[2], 5);
    take(h[2], got, 40);
    assert_memory_equal(got, k[3], 32);
    assert_memory_equal(got + 32, k[4], 8);
}

/* Double pipeline, a 16-byte key and a 32-byte AES key: A(0) = "lbl" || [L]_16,
 * A(i) = PRF(A(i-1)), K(i) = PRF(A(i) || [i]_8 || "lbl" || [L]_16), L = 48 bytes = 384 bits. */
static void test_more_pipeline(void **state)
{
    (void)state;
    CK_SP800_108_COUNTER_FORMAT c8 = {CK_FALSE, 8};
    CK_SP800_108_DKM_LENGTH_FORMAT lf = {CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS, CK_FALSE, 16};
    CK_BYTE lbl[] = "lbl";
    CK_PRF_DATA_PARAM dp[] = {{CK_SP800_108_ITERATION_VARIABLE, NULL, 0},
                              {CK_SP800_108_COUNTER, &c8, sizeof(c8)},
                              {CK_SP800_108_BYTE_ARRAY, lbl, 3},
                              {CK_SP800_108_DKM_LENGTH, &lf, sizeof(lf)}};
    CK_ULONG l16 = 16, l32 = 32;
    CK_KEY_TYPE aes = CKK_AES;
    CK_ATTRIBUTE t16[] = GEN_TMPL(l16);
    CK_ATTRIBUTE taes[] = {ATTR(CKA_CLASS, &secret_cls), ATTR(CKA_KEY_TYPE, &aes),
                           ATTR(CKA_VALUE_LEN, &l32), ATTR(CKA_SENSITIVE, &no),
                           ATTR(CKA_EXTRACTABLE, &yes), ATTR(CKA_ENCRYPT, &yes)};
    CK_OBJECT_HANDLE h0, h1 = 0x55;
    CK_DERIVED_KEY more = {taes, 6, &h1};
    CK_SP800_108_KDF_PARAMS kp = {CKM_SHA256_HMAC, 4, dp, 1, &more};
    CK_MECHANISM m = {DP, &kp, sizeof(kp)};
    assert_int_equal(F->C_DeriveKey(S, &m, hk32, t16, 5, &h0), CKR_OK);
    CK_BYTE a0[5] = {'l', 'b', 'l', 0x01, 0x80}, a[2][32], in[38], k[2][32], got[32];
    hmac256(a0, 5, a[0]);
    hmac256(a[0], 32, a[1]);
    for (int i = 0; i < 2; i++) {
        memcpy(in, a[i], 32);
        in[32] = (CK_BYTE)(i + 1);
        memcpy(in + 33, a0, 5);
        hmac256(in, 38, k[i]);
    }
    CK_KEY_TYPE kt = 0;
    CK_ATTRIBUTE q = {CKA_KEY_TYPE, &kt, sizeof(kt)};
    assert_int_equal(F->C_GetAttributeValue(S, h1, &q, 1), CKR_OK);
    assert_int_equal(kt, CKK_AES);
    assert_int_equal(attr_bool(h1, CKA_ENCRYPT), CK_TRUE);
    take(h0, got, 16);
    assert_memory_equal(got, k[0], 16);
    take(h1, got, 32);
    assert_memory_equal(got, k[1], 32);
}

/* Sensitivity and extractability of additional keys follow the main key's rules: inherited
 * from the base when left out, ALWAYS_SENSITIVE / NEVER_EXTRACTABLE per the §4.12 footnotes. */
static void test_more_attributes(void **state)
{
    (void)state;
    CK_MECHANISM gm = {CKM_GENERIC_SECRET_KEY_GEN, NULL, 0};
    CK_ULONG l32 = 32, l16 = 16;
    CK_ATTRIBUTE gt[] = {ATTR(CKA_CLASS, &secret_cls), ATTR(CKA_KEY_TYPE, &generic_kt),
                         ATTR(CKA_VALUE_LEN, &l32), ATTR(CKA_DERIVE, &yes),
                         ATTR(CKA_SENSITIVE, &yes), ATTR(CKA_EXTRACTABLE, &no)};
    CK_OBJECT_HANDLE base, h0, h1 = 0x1, h2 = 0x2;
    assert_int_equal(F->C_GenerateKey(S, &gm, gt, 6, &base), CKR_OK);
    assert_int_equal(attr_bool(base, CKA_ALWAYS_SENSITIVE), CK_TRUE);
    assert_int_equal(attr_bool(base, CKA_NEVER_EXTRACTABLE), CK_TRUE);
    CK_BYTE x[] = "x";
    CK_PRF_DATA_PARAM dp[] = {{CK_SP800_108_ITERATION_VARIABLE, NULL, 0},
                              {CK_SP800_108_BYTE_ARRAY, x, 1}};
    CK_ATTRIBUTE bare[] = {ATTR(CKA_CLASS, &secret_cls), ATTR(CKA_KEY_TYPE, &generic_kt),
                           ATTR(CKA_VALUE_LEN, &l16)};
    CK_ATTRIBUTE open[] = GEN_TMPL(l16);
    CK_ATTRIBUTE half[] = {ATTR(CKA_VALUE_LEN, &l16), ATTR(CKA_EXTRACTABLE, &yes)};
    CK_DERIVED_KEY more[2] = {{bare, 3, &h1}, {half, 2, &h2}};
    CK_SP800_108_KDF_PARAMS kp = {CKM_SHA256_HMAC, 2, dp, 2, more};
    CK_MECHANISM m = {DP, &kp, sizeof(kp)};
    assert_int_equal(F->C_DeriveKey(S, &m, base, open, 5, &h0), CKR_OK);
    /* Main key: asked to be readable. */
    assert_int_equal(attr_bool(h0, CKA_SENSITIVE), CK_FALSE);
    assert_int_equal(attr_bool(h0, CKA_ALWAYS_SENSITIVE), CK_FALSE);
    assert_int_equal(attr_bool(h0, CKA_NEVER_EXTRACTABLE), CK_FALSE);
    /* First additional key: everything inherited. */
    assert_int_equal(attr_bool(h1, CKA_SENSITIVE), CK_TRUE);
    assert_int_equal(attr_bool(h1, CKA_EXTRACTABLE), CK_FALSE);
    assert_int_equal(attr_bool(h1, CKA_ALWAYS_SENSITIVE), CK_TRUE);
    assert_int_equal(attr_bool(h1, CKA_NEVER_EXTRACTABLE), CK_TRUE);
    CK_BYTE v[16];
    CK_ATTRIBUTE a = {CKA_VALUE, v, sizeof(v)};
    assert_int_equal(F->C_GetAttributeValue(S, h1, &a, 1), CKR_ATTRIBUTE_SENSITIVE);
    /* Second: no class or type given (a generic secret), sensitive inherited, extractable. */
    CK_KEY_TYPE kt = 0;
    CK_ATTRIBUTE q = {CKA_KEY_TYPE, &kt, sizeof(kt)};
    assert_int_equal(F->C_GetAttributeValue(S, h2, &q, 1), CKR_OK);
    assert_int_equal(kt, CKK_GENERIC_SECRET);
    assert_int_equal(attr_bool(h2, CKA_SENSITIVE), CK_TRUE);
    assert_int_equal(attr_bool(h2, CKA_EXTRACTABLE), CK_TRUE);
    assert_int_equal(attr_bool(h2, CKA_ALWAYS_SENSITIVE), CK_TRUE);
    assert_int_equal(attr_bool(h2, CKA_NEVER_EXTRACTABLE), CK_FALSE);
    destroy(h0);
    destroy(h1);
    destroy(h2);
    destroy(base);
}

/* Derive with the additional keys `more` (n entries, phKeys preset to junk) in session `sess`,
 * expect `want` and, on failure, no new object and every handle CK_INVALID_HANDLE. */
static void more_refuse(CK_SESSION_HANDLE sess, CK_MECHANISM_TYPE mech, CK_ATTRIBUTE *tmpl,
                        CK_ULONG tn, CK_DERIVED_KEY *more, CK_ULONG n, CK_RV want)
{
    CK_BYTE x[] = "x";
    CK_SP800_108_COUNTER_FORMAT c32 = {CK_FALSE, 32};
    CK_PRF_DATA_PARAM dp[] = {{CK_SP800_108_ITERATION_VARIABLE, NULL, 0},
                              {CK_SP800_108_BYTE_ARRAY, x, 1}};
    CK_PRF_DATA_PARAM dc[] = {{CK_SP800_108_ITERATION_VARIABLE, &c32, sizeof(c32)},
                              {CK_SP800_108_BYTE_ARRAY, x, 1}};
    CK_SP800_108_FEEDBACK_KDF_PARAMS fp = {CKM_SHA256_HMAC, 2, dp, 0, NULL, n, more};
    CK_SP800_108_KDF_PARAMS kp = {CKM_SHA256_HMAC, 2, mech == CTR ? dc : dp, n, more};
    CK_MECHANISM m = {mech, &kp, sizeof(kp)};
    if (mech == FB)
        m = (CK_MECHANISM){mech, &fp, sizeof(fp)};
    CK_OBJECT_HANDLE h0 = 0x99;
    for (CK_ULONG i = 0; i < n && more != NULL; i++)
        if (more[i].phKey != NULL)
            *more[i].phKey = 0x1234;
    CK_ULONG before = count_objects();
    CK_RV rv = F->C_DeriveKey(sess, &m, hk32, tmpl, tn, &h0);
    if (rv != want)
        print_error("mechanism 0x%lx: %s, expected %s\n", (unsigned long)mech,
                    ch_p11t_rv_name(rv), ch_p11t_rv_name(want));
    assert_int_equal(rv, want);
    assert_int_equal(h0, CK_INVALID_HANDLE);
    for (CK_ULONG i = 0; i < n && more != NULL && n <= 32; i++)
        if (more[i].phKey != NULL)
            assert_int_equal(*more[i].phKey, CK_INVALID_HANDLE);
    assert_int_equal(count_objects(), before);
}

/* Token objects: all created in one go, or none (a bad template in entry 2 at each stage:
 * the mechanism's length rules, the object's attribute rules, the store's write rules). */
static void test_more_atomic(void **state)
{
    (void)state;
    CK_ULONG l16 = 16, l20 = 20;
    CK_KEY_TYPE aes = CKK_AES;
    CK_ULONG bits = 1024;
    CK_ATTRIBUTE tok[] = {ATTR(CKA_CLASS, &secret_cls), ATTR(CKA_KEY_TYPE, &generic_kt),
                          ATTR(CKA_VALUE_LEN, &l16), ATTR(CKA_TOKEN, &yes)};
    CK_ATTRIBUTE sess_only[] = {ATTR(CKA_CLASS, &secret_cls), ATTR(CKA_KEY_TYPE, &generic_kt),
                                ATTR(CKA_VALUE_LEN, &l16)};
    CK_ATTRIBUTE no_len[] = {ATTR(CKA_CLASS, &secret_cls), ATTR(CKA_KEY_TYPE, &generic_kt),
                             ATTR(CKA_TOKEN, &yes)};
    CK_ATTRIBUTE aes20[] = {ATTR(CKA_CLASS, &secret_cls), ATTR(CKA_KEY_TYPE, &aes),
                            ATTR(CKA_VALUE_LEN, &l20), ATTR(CKA_TOKEN, &yes)};
    CK_ATTRIBUTE foreign[] = {ATTR(CKA_CLASS, &secret_cls), ATTR(CKA_KEY_TYPE, &generic_kt),
                              ATTR(CKA_VALUE_LEN, &l16), ATTR(CKA_TOKEN, &yes),
                              ATTR(CKA_MODULUS_BITS, &bits)};
    CK_OBJECT_HANDLE h[3], h0;
    CK_DERIVED_KEY more[3] = {{tok, 4, &h[0]}, {tok, 4, &h[1]}, {tok, 4, &h[2]}};
    CK_BYTE x[] = "x";
    CK_PRF_DATA_PARAM dp[] = {{CK_SP800_108_ITERATION_VARIABLE, NULL, 0},
                              {CK_SP800_108_BYTE_ARRAY, x, 1}};
    CK_SP800_108_KDF_PARAMS kp = {CKM_SHA256_HMAC, 2, dp, 3, more};
    CK_MECHANISM m = {DP, &kp, sizeof(kp)};

    /* Success: four token keys, found again by the search. */
    CK_ULONG before = count_objects();
    assert_int_equal(F->C_DeriveKey(S, &m, hk32, tok, 4, &h0), CKR_OK);
    assert_int_equal(count_objects(), before + 4);
    assert_int_equal(attr_bool(h0, CKA_TOKEN), CK_TRUE);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(attr_bool(h[i], CKA_TOKEN), CK_TRUE);
        assert_int_not_equal(h[i], h0);
    }
    CK_BYTE v0[16], v1[16];
    take(h0, v0, 16);
    take(h[0], v1, 16);
    assert_memory_not_equal(v0, v1, 16);
    destroy(h[1]);
    destroy(h[2]);
    assert_int_equal(count_objects(), before);

    /* Entry 2 fails the mechanism's rules (no length; an AES key of 20 bytes). */
    more[1] = (CK_DERIVED_KEY){no_len, 3, &h[1]};
    more_refuse(S, DP, tok, 4, more, 3, CKR_TEMPLATE_INCOMPLETE);
    more_refuse(S, FB, tok, 4, more, 3, CKR_TEMPLATE_INCOMPLETE);
    more_refuse(S, CTR, tok, 4, more, 3, CKR_TEMPLATE_INCOMPLETE);
    more[1] = (CK_DERIVED_KEY){aes20, 4, &h[1]};
    more_refuse(S, DP, tok, 4, more, 3, CKR_TEMPLATE_INCONSISTENT);
    /* ... the object rules (an RSA attribute on a secret key), after the KDF ran and key 1
     * was built ... */
    more[1] = (CK_DERIVED_KEY){foreign, 5, &h[1]};
    more_refuse(S, DP, tok, 4, more, 3, CKR_ATTRIBUTE_TYPE_INVALID);
    /* ... a bad attribute value in the template. */
    CK_ATTRIBUTE nullv[] = {ATTR(CKA_VALUE_LEN, &l16), {CKA_LABEL, NULL, 4}};
    more[1] = (CK_DERIVED_KEY){nullv, 2, &h[1]};
    more_refuse(S, DP, tok, 4, more, 3, CKR_ATTRIBUTE_VALUE_INVALID);
    /* The write rules at publication: a read-only session may make the session key and the
     * first additional one, not the token key of entry 3. */
    CK_SESSION_HANDLE ro;
    assert_int_equal(F->C_OpenSession(T.slot, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK);
    more[0] = (CK_DERIVED_KEY){sess_only, 3, &h[0]};
    more[1] = (CK_DERIVED_KEY){sess_only, 3, &h[1]};
    more_refuse(ro, CTR, sess_only, 3, more, 3, CKR_SESSION_READ_ONLY);
    more[2] = (CK_DERIVED_KEY){sess_only, 3, &h[2]};
    h0 = CK_INVALID_HANDLE;
    kp.ulAdditionalDerivedKeys = 3;
    assert_int_equal(F->C_DeriveKey(ro, &m, hk32, sess_only, 3, &h0), CKR_OK);
    destroy(h0);
    for (int i = 0; i < 3; i++)
        destroy(h[i]);
    assert_int_equal(F->C_CloseSession(ro), CKR_OK);
    assert_int_equal(count_objects(), before);
}

/* Malformed lists: count and array disagree, an entry without phKey or template, more than
 * 32 entries (32 work). */
static void test_more_params(void **state)
{
    (void)state;
    CK_ULONG l1 = 1, l16 = 16;
    CK_ATTRIBUTE good[] = {ATTR(CKA_CLASS, &secret_cls), ATTR(CKA_KEY_TYPE, &generic_kt),
                           ATTR(CKA_VALUE_LEN, &l16)};
    CK_ATTRIBUTE tiny[] = {ATTR(CKA_VALUE_LEN, &l1)};
    static CK_OBJECT_HANDLE h[33];
    static CK_DERIVED_KEY more[33];
    for (int i = 0; i < 33; i++)
        more[i] = (CK_DERIVED_KEY){tiny, 1, &h[i]};
    /* Count without array (phKeys cannot be reached); array without count. */
    more_refuse(S, DP, good, 3, NULL, 2, CKR_MECHANISM_PARAM_INVALID);
    more_refuse(S, FB, good, 3, NULL, 1, CKR_MECHANISM_PARAM_INVALID);
    more_refuse(S, CTR, good, 3, more, 0, CKR_MECHANISM_PARAM_INVALID);
    /* No phKey; no template (the other handles still read invalid). */
    more[1].phKey = NULL;
    more_refuse(S, DP, good, 3, more, 3, CKR_MECHANISM_PARAM_INVALID);
    more[1] = (CK_DERIVED_KEY){NULL, 1, &h[1]};
    more_refuse(S, FB, good, 3, more, 3, CKR_MECHANISM_PARAM_INVALID);
    more[1] = (CK_DERIVED_KEY){NULL, 0, &h[1]};
    more_refuse(S, CTR, good, 3, more, 3, CKR_MECHANISM_PARAM_INVALID);
    more[1] = (CK_DERIVED_KEY){tiny, 1, &h[1]};
    /* 33 entries are refused; 32 work (33 one-byte keys, 33 segments). */
    more_refuse(S, DP, good, 3, more, 33, CKR_MECHANISM_PARAM_INVALID);
    assert_int_equal(h[32], 0x1234); /* not written: the list itself was refused */
    CK_BYTE x[] = "x";
    CK_PRF_DATA_PARAM dp[] = {{CK_SP800_108_ITERATION_VARIABLE, NULL, 0},
                              {CK_SP800_108_BYTE_ARRAY, x, 1}};
    CK_SP800_108_KDF_PARAMS kp = {CKM_SHA256_HMAC, 2, dp, 32, more};
    CK_MECHANISM m = {DP, &kp, sizeof(kp)};
    CK_OBJECT_HANDLE h0;
    CK_ULONG before = count_objects();
    assert_int_equal(F->C_DeriveKey(S, &m, hk32, good, 3, &h0), CKR_OK);
    assert_int_equal(count_objects(), before + 33);
    destroy(h0);
    for (int i = 0; i < 32; i++) {
        assert_int_equal(attr_bool(h[i], CKA_SENSITIVE), CK_FALSE);
        destroy(h[i]);
    }
    /* The counter bounds all segments together: an 8-bit counter allows 255 segments, so 200
     * + 2 x 1700 bytes of HMAC-SHA-256 (7 + 2 x 54 = 115 segments) work, 200 + 2 x 4000 (7 + 2 x
     * 125 = 257) do not. */
    CK_SP800_108_COUNTER_FORMAT c8 = {CK_FALSE, 8};
    CK_PRF_DATA_PARAM dc[] = {{CK_SP800_108_ITERATION_VARIABLE, &c8, sizeof(c8)},
                              {CK_SP800_108_BYTE_ARRAY, x, 1}};
    CK_ULONG l200 = 200, lbig = 1700;
    CK_ATTRIBUTE t200[] = {ATTR(CKA_VALUE_LEN, &l200)}, tbig[] = {ATTR(CKA_VALUE_LEN, &lbig)};
    more[0] = (CK_DERIVED_KEY){tbig, 1, &h[0]};
    more[1] = (CK_DERIVED_KEY){tbig, 1, &h[1]};
    CK_SP800_108_KDF_PARAMS cp = {CKM_SHA256_HMAC, 2, dc, 2, more};
    m = (CK_MECHANISM){CTR, &cp, sizeof(cp)};
    assert_int_equal(F->C_DeriveKey(S, &m, hk32, t200, 1, &h0), CKR_OK);
    destroy(h0);
    destroy(h[0]);
    destroy(h[1]);
    lbig = 4000;
    h[0] = h[1] = 0x1234;
    assert_int_equal(F->C_DeriveKey(S, &m, hk32, t200, 1, &h0), CKR_KEY_SIZE_RANGE);
    assert_int_equal(h0, CK_INVALID_HANDLE);
    assert_int_equal(h[0], CK_INVALID_HANDLE);
    assert_int_equal(h[1], CK_INVALID_HANDLE);
    assert_int_equal(count_objects(), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cavp),        cmocka_unit_test(test_counter_cavp),
        cmocka_unit_test(test_openssl),     cmocka_unit_test(test_layouts),
        cmocka_unit_test(test_info),        cmocka_unit_test(test_attributes),
        cmocka_unit_test(test_data_params), cmocka_unit_test(test_structures),
        cmocka_unit_test(test_lengths),     cmocka_unit_test(test_more_counter),
        cmocka_unit_test(test_more_feedback), cmocka_unit_test(test_more_pipeline),
        cmocka_unit_test(test_more_attributes), cmocka_unit_test(test_more_atomic),
        cmocka_unit_test(test_more_params),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
