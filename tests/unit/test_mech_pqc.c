/* SPDX-License-Identifier: Apache-2.0 */
/* PQC mechanisms (src/mech/mech_mldsa.c, mech_mlkem.c, mech_slhdsa.c) through the exported
 * PKCS#11 ABI of the dlopen'ed module: key generation for every ML-DSA and ML-KEM set and two
 * SLH-DSA 'f' sets, sign/verify single and multi-part with contexts, HashML-DSA, the two-call
 * size convention, encapsulation/decapsulation giving equal secret keys, imports with their
 * checks, and the refusals (context of 256 bytes, tampered signature, wrong key type, wrong
 * ciphertext length, enable_pqc = false). */
#include <pthread.h>
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
static CK_FUNCTION_LIST_3_2 *F32;
static CK_SESSION_HANDLE S;

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_BYTE msg[] = "The quick brown fox jumps over the lazy dog";

#define ATTR(t, v) {(t), (void *)(v), sizeof(*(v))}
#define ATTRN(t, v, n) {(t), (void *)(v), (CK_ULONG)(n)}

static int setup(void **state)
{
    (void)state;
    if (ch_p11t_setup(&T, NULL) != 0)
        return -1;
    F = T.f;
    CK_C_GetInterface gi = (CK_C_GetInterface)dlsym(T.dl, "C_GetInterface");
    CK_VERSION v32 = {3, 2};
    CK_INTERFACE_PTR it = NULL;
    if (gi == NULL || gi((CK_UTF8CHAR_PTR) "PKCS 11", &v32, &it, 0) != CKR_OK)
        return -1;
    F32 = it->pFunctionList;
    return ch_p11t_open(&T, true, CKU_USER, &S) == CKR_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ch_p11t_teardown(&T);
    return 0;
}

static void gen_pair(CK_MECHANISM_TYPE mech, CK_KEY_TYPE kt, CK_ULONG ps, CK_ATTRIBUTE_TYPE use_pub,
                     CK_ATTRIBUTE_TYPE use_priv, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
    CK_MECHANISM m = {mech, NULL, 0};
    CK_ATTRIBUTE pt[] = {ATTR(CKA_PARAMETER_SET, &ps), ATTR(use_pub, &yes)};
    CK_ATTRIBUTE vt[] = {ATTR(use_priv, &yes), ATTR(CKA_EXTRACTABLE, &no)};
    assert_int_equal(F->C_GenerateKeyPair(S, &m, pt, 2, vt, 2, pub, priv), CKR_OK);
    CK_KEY_TYPE got_kt = 0;
    CK_ULONG got_ps = 0;
    CK_ATTRIBUTE q[] = {ATTR(CKA_KEY_TYPE, &got_kt), ATTR(CKA_PARAMETER_SET, &got_ps)};
    assert_int_equal(F->C_GetAttributeValue(S, *priv, q, 2), CKR_OK);
    assert_int_equal(got_kt, kt);
    assert_int_equal(got_ps, ps);
    assert_int_equal(F->C_GetAttributeValue(S, *pub, q, 2), CKR_OK);
    assert_int_equal(got_ps, ps);
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

#define SIG_MAX 17088 /* SLH-DSA-*-128f; ML-DSA-87 is 4627 */
static CK_BYTE sig[SIG_MAX + 1], sig2[SIG_MAX + 1];

/* Single-part sign (with a size query) then verify; the signature length is returned. */
static CK_ULONG sign1(CK_MECHANISM *m, CK_OBJECT_HANDLE priv, CK_BYTE *data, CK_ULONG dlen,
                      CK_BYTE *out)
{
    CK_ULONG sl = 0;
    assert_int_equal(F->C_SignInit(S, m, priv), CKR_OK);
    assert_int_equal(F->C_Sign(S, data, dlen, NULL, &sl), CKR_OK);
    assert_true(sl > 0 && sl <= SIG_MAX);
    CK_ULONG small = sl - 1;
    assert_int_equal(F->C_Sign(S, data, dlen, out, &small), CKR_BUFFER_TOO_SMALL);
    assert_int_equal(small, sl);
    assert_int_equal(F->C_Sign(S, data, dlen, out, &sl), CKR_OK);
    return sl;
}

static CK_RV verify1(CK_MECHANISM *m, CK_OBJECT_HANDLE pub, CK_BYTE *data, CK_ULONG dlen,
                     CK_BYTE *s, CK_ULONG sl)
{
    assert_int_equal(F->C_VerifyInit(S, m, pub), CKR_OK);
    return F->C_Verify(S, data, dlen, s, sl);
}

/* Round trip single and multi-part, tampering, length and context checks for one mechanism. */
static void sign_suite(CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE pub, CK_OBJECT_HANDLE priv,
                       CK_ULONG want_len)
{
    CK_MECHANISM m = {mech, NULL, 0};
    CK_ULONG sl = sign1(&m, priv, msg, sizeof(msg) - 1, sig);
    assert_int_equal(sl, want_len);
    assert_int_equal(verify1(&m, pub, msg, sizeof(msg) - 1, sig, sl), CKR_OK);
    /* Multi-part signing in three pieces; single-part verification of the result. */
    assert_int_equal(F->C_SignInit(S, &m, priv), CKR_OK);
    assert_int_equal(F->C_SignUpdate(S, msg, 4), CKR_OK);
    assert_int_equal(F->C_SignUpdate(S, msg + 4, 0), CKR_OK);
    assert_int_equal(F->C_SignUpdate(S, msg + 4, sizeof(msg) - 5), CKR_OK);
    CK_ULONG sl2 = SIG_MAX;
    assert_int_equal(F->C_SignFinal(S, sig2, &sl2), CKR_OK);
    assert_int_equal(sl2, want_len);
    assert_int_equal(verify1(&m, pub, msg, sizeof(msg) - 1, sig2, sl2), CKR_OK);
    /* Multi-part verification. */
    assert_int_equal(F->C_VerifyInit(S, &m, pub), CKR_OK);
    assert_int_equal(F->C_VerifyUpdate(S, msg, 10), CKR_OK);
    assert_int_equal(F->C_VerifyUpdate(S, msg + 10, sizeof(msg) - 11), CKR_OK);
    assert_int_equal(F->C_VerifyFinal(S, sig, sl), CKR_OK);
    /* Tampered signature, other message, wrong lengths. */
    sig[sl / 2] ^= 0x10;
    assert_int_equal(verify1(&m, pub, msg, sizeof(msg) - 1, sig, sl), CKR_SIGNATURE_INVALID);
    sig[sl / 2] ^= 0x10;
    assert_int_equal(verify1(&m, pub, msg, sizeof(msg) - 2, sig, sl), CKR_SIGNATURE_INVALID);
    assert_int_equal(verify1(&m, pub, msg, sizeof(msg) - 1, sig, sl - 1),
                     CKR_SIGNATURE_LEN_RANGE);
    assert_int_equal(verify1(&m, pub, msg, sizeof(msg) - 1, sig, sl + 1),
                     CKR_SIGNATURE_LEN_RANGE);

    /* Contexts: 255 bytes sign and verify; a different context fails; 256 is refused. */
    static CK_BYTE ctx[256];
    for (size_t i = 0; i < sizeof(ctx); i++)
        ctx[i] = (CK_BYTE)i;
    CK_SIGN_ADDITIONAL_CONTEXT p = {CKH_HEDGE_REQUIRED, ctx, 255};
    CK_MECHANISM mc = {mech, &p, sizeof(p)};
    sl = sign1(&mc, priv, msg, sizeof(msg) - 1, sig);
    assert_int_equal(verify1(&mc, pub, msg, sizeof(msg) - 1, sig, sl), CKR_OK);
    assert_int_equal(verify1(&m, pub, msg, sizeof(msg) - 1, sig, sl), CKR_SIGNATURE_INVALID);
    p.ulContextLen = 256;
    assert_int_equal(F->C_SignInit(S, &mc, priv), CKR_MECHANISM_PARAM_INVALID);
    assert_int_equal(F->C_VerifyInit(S, &mc, pub), CKR_MECHANISM_PARAM_INVALID);
    p.ulContextLen = 3;
    p.hedgeVariant = 7;
    assert_int_equal(F->C_SignInit(S, &mc, priv), CKR_MECHANISM_PARAM_INVALID);
    /* §6.65: verification ignores hedgeVariant. */
    assert_int_equal(F->C_VerifyInit(S, &mc, pub), CKR_OK);
    assert_int_equal(F->C_VerifyInit(S, NULL, pub), CKR_OK); /* ends the operation */
    CK_MECHANISM bad_len = {mech, &p, sizeof(p) - 1};
    assert_int_equal(F->C_SignInit(S, &bad_len, priv), CKR_MECHANISM_PARAM_INVALID);

    /* Deterministic signing is reproducible; hedged signing (the default) is not. */
    p.hedgeVariant = CKH_DETERMINISTIC_REQUIRED;
    sl = sign1(&mc, priv, msg, sizeof(msg) - 1, sig);
    sl2 = sign1(&mc, priv, msg, sizeof(msg) - 1, sig2);
    assert_int_equal(sl, sl2);
    assert_memory_equal(sig, sig2, sl);
    assert_int_equal(verify1(&mc, pub, msg, sizeof(msg) - 1, sig, sl), CKR_OK);
    sl = sign1(&m, priv, msg, sizeof(msg) - 1, sig);
    sl2 = sign1(&m, priv, msg, sizeof(msg) - 1, sig2);
    assert_true(memcmp(sig, sig2, sl) != 0);
}

static void test_mldsa(void **state)
{
    (void)state;
    static const struct {
        CK_ULONG ps, pk, sk, sig;
    } sets[] = {{CKP_ML_DSA_44, 1312, 2560, 2420},
                {CKP_ML_DSA_65, 1952, 4032, 3309},
                {CKP_ML_DSA_87, 2592, 4896, 4627}};
    for (size_t i = 0; i < 3; i++) {
        CK_OBJECT_HANDLE pub, priv;
        gen_pair(CKM_ML_DSA_KEY_PAIR_GEN, CKK_ML_DSA, sets[i].ps, CKA_VERIFY, CKA_SIGN, &pub,
                 &priv);
        assert_int_equal(attr_len(pub, CKA_VALUE), sets[i].pk);
        /* Signature keys carry no KEM usage unless asked for. */
        CK_BBOOL enc = CK_TRUE, dec = CK_TRUE;
        CK_ATTRIBUTE ea = ATTR(CKA_ENCAPSULATE, &enc), da = ATTR(CKA_DECAPSULATE, &dec);
        assert_int_equal(F->C_GetAttributeValue(S, pub, &ea, 1), CKR_OK);
        assert_int_equal(F->C_GetAttributeValue(S, priv, &da, 1), CKR_OK);
        assert_false(enc);
        assert_false(dec);
        sign_suite(CKM_ML_DSA, pub, priv, sets[i].sig);
        if (i == 1)
            sign_suite(CKM_HASH_ML_DSA_SHA3_256, pub, priv, sets[i].sig);
    }
}

/* CKM_HASH_ML_DSA (data = PH(M)) against CKM_HASH_ML_DSA_SHA512 (hash on the token). */
static void test_hash_mldsa(void **state)
{
    (void)state;
    CK_OBJECT_HANDLE pub, priv;
    gen_pair(CKM_ML_DSA_KEY_PAIR_GEN, CKK_ML_DSA, CKP_ML_DSA_44, CKA_VERIFY, CKA_SIGN, &pub,
             &priv);
    CK_BYTE dg[64];
    CK_ULONG dl = sizeof(dg);
    CK_MECHANISM md = {CKM_SHA512, NULL, 0};
    assert_int_equal(F->C_DigestInit(S, &md), CKR_OK);
    assert_int_equal(F->C_Digest(S, msg, sizeof(msg) - 1, dg, &dl), CKR_OK);
    CK_BYTE ctx[] = "ctx";
    CK_SIGN_ADDITIONAL_CONTEXT p = {CKH_HEDGE_PREFERRED, ctx, 3};
    CK_MECHANISM m = {CKM_HASH_ML_DSA_SHA512, &p, sizeof(p)};
    CK_ULONG sl = sign1(&m, priv, msg, sizeof(msg) - 1, sig);
    CK_HASH_SIGN_ADDITIONAL_CONTEXT hp = {CKH_HEDGE_PREFERRED, ctx, 3, CKM_SHA512};
    CK_MECHANISM mh = {CKM_HASH_ML_DSA, &hp, sizeof(hp)};
    assert_int_equal(verify1(&mh, pub, dg, dl, sig, sl), CKR_OK);
    sl = sign1(&mh, priv, dg, dl, sig);
    assert_int_equal(verify1(&m, pub, msg, sizeof(msg) - 1, sig, sl), CKR_OK);
    /* Single-part only, PH(M) of the wrong length, a hash we do not know, no parameter. */
    assert_int_equal(F->C_SignInit(S, &mh, priv), CKR_OK);
    assert_int_equal(F->C_SignUpdate(S, dg, dl), CKR_KEY_FUNCTION_NOT_PERMITTED);
    assert_int_equal(F->C_SignInit(S, &mh, priv), CKR_OK);
    CK_ULONG l = SIG_MAX;
    assert_int_equal(F->C_Sign(S, dg, dl - 1, sig, &l), CKR_DATA_LEN_RANGE);
    hp.hash = CKM_MD5;
    assert_int_equal(F->C_SignInit(S, &mh, priv), CKR_MECHANISM_PARAM_INVALID);
    CK_MECHANISM none = {CKM_HASH_ML_DSA, NULL, 0};
    assert_int_equal(F->C_SignInit(S, &none, priv), CKR_MECHANISM_PARAM_INVALID);
}

static CK_MECHANISM m_pure_slh = {CKM_SLH_DSA, NULL, 0};

static void test_slhdsa(void **state)
{
    (void)state;
    static const CK_ULONG sets[] = {CKP_SLH_DSA_SHA2_128F, CKP_SLH_DSA_SHAKE_128F};
    for (size_t i = 0; i < 2; i++) {
        CK_OBJECT_HANDLE pub, priv;
        gen_pair(CKM_SLH_DSA_KEY_PAIR_GEN, CKK_SLH_DSA, sets[i], CKA_VERIFY, CKA_SIGN, &pub,
                 &priv);
        assert_int_equal(attr_len(pub, CKA_VALUE), 32);
        if (i == 0) {
            sign_suite(CKM_SLH_DSA, pub, priv, 17088);
            /* HashSLH-DSA both ways: PH(M) on the token and given by the caller. */
            CK_BYTE dg[32];
            CK_ULONG dl = sizeof(dg);
            CK_MECHANISM md = {CKM_SHA256, NULL, 0};
            assert_int_equal(F->C_DigestInit(S, &md), CKR_OK);
            assert_int_equal(F->C_Digest(S, msg, sizeof(msg) - 1, dg, &dl), CKR_OK);
            CK_MECHANISM mw = {CKM_HASH_SLH_DSA_SHA256, NULL, 0};
            CK_HASH_SIGN_ADDITIONAL_CONTEXT hp = {CKH_DETERMINISTIC_REQUIRED, NULL, 0, CKM_SHA256};
            CK_MECHANISM mh = {CKM_HASH_SLH_DSA, &hp, sizeof(hp)};
            CK_ULONG sl = sign1(&mw, priv, msg, sizeof(msg) - 1, sig);
            assert_int_equal(verify1(&mh, pub, dg, dl, sig, sl), CKR_OK);
            sl = sign1(&mh, priv, dg, dl, sig);
            assert_int_equal(verify1(&mw, pub, msg, sizeof(msg) - 1, sig, sl), CKR_OK);
            assert_int_equal(verify1(&m_pure_slh, pub, msg, sizeof(msg) - 1, sig, sl),
                             CKR_SIGNATURE_INVALID);
        } else {
            CK_MECHANISM m = {CKM_HASH_SLH_DSA_SHA256, NULL, 0};
            CK_ULONG sl = sign1(&m, priv, msg, sizeof(msg) - 1, sig);
            assert_int_equal(sl, 17088);
            assert_int_equal(verify1(&m, pub, msg, sizeof(msg) - 1, sig, sl), CKR_OK);
            sig[5] ^= 1;
            assert_int_equal(verify1(&m, pub, msg, sizeof(msg) - 1, sig, sl),
                             CKR_SIGNATURE_INVALID);
        }
    }
    CK_MECHANISM m = {CKM_SLH_DSA_KEY_PAIR_GEN, NULL, 0};
    CK_ULONG bad = 13;
    CK_ATTRIBUTE pt[] = {ATTR(CKA_PARAMETER_SET, &bad), ATTR(CKA_VERIFY, &yes)};
    CK_ATTRIBUTE vt[] = {ATTR(CKA_SIGN, &yes)};
    CK_OBJECT_HANDLE a, b;
    assert_int_equal(F->C_GenerateKeyPair(S, &m, pt, 2, vt, 1, &a, &b),
                     CKR_PARAMETER_SET_NOT_SUPPORTED);
}

static const CK_OBJECT_CLASS sec_cls = CKO_SECRET_KEY;
static const CK_KEY_TYPE gen_kt = CKK_GENERIC_SECRET;

static void secret_value(CK_OBJECT_HANDLE k, CK_BYTE out[32])
{
    CK_ULONG l = 32;
    get_attr(k, CKA_VALUE, out, &l);
    assert_int_equal(l, 32);
}

static void test_mlkem(void **state)
{
    (void)state;
    static const struct {
        CK_ULONG ps, ek, ct;
    } sets[] = {{CKP_ML_KEM_512, 800, 768}, {CKP_ML_KEM_768, 1184, 1088},
                {CKP_ML_KEM_1024, 1568, 1568}};
    CK_ATTRIBUTE st[] = {ATTR(CKA_CLASS, &sec_cls), ATTR(CKA_KEY_TYPE, &gen_kt),
                         ATTR(CKA_EXTRACTABLE, &yes), ATTR(CKA_SENSITIVE, &no)};
    CK_MECHANISM m = {CKM_ML_KEM, NULL, 0};
    for (size_t i = 0; i < 3; i++) {
        CK_OBJECT_HANDLE pub, priv, k1 = CK_INVALID_HANDLE, k2;
        gen_pair(CKM_ML_KEM_KEY_PAIR_GEN, CKK_ML_KEM, sets[i].ps, CKA_ENCAPSULATE,
                 CKA_DECAPSULATE, &pub, &priv);
        assert_int_equal(attr_len(pub, CKA_VALUE), sets[i].ek);
        CK_BYTE ct[1568 + 1];
        CK_ULONG cl = 0;
        assert_int_equal(F32->C_EncapsulateKey(S, &m, pub, st, 4, NULL, &cl, &k1), CKR_OK);
        assert_int_equal(cl, sets[i].ct);
        assert_int_equal(k1, CK_INVALID_HANDLE); /* a size query makes no key */
        cl = sets[i].ct - 1;
        assert_int_equal(F32->C_EncapsulateKey(S, &m, pub, st, 4, ct, &cl, &k1),
                         CKR_BUFFER_TOO_SMALL);
        assert_int_equal(cl, sets[i].ct);
        assert_int_equal(F32->C_EncapsulateKey(S, &m, pub, st, 4, ct, &cl, &k1), CKR_OK);
        assert_int_equal(F32->C_DecapsulateKey(S, &m, priv, st, 4, ct, cl, &k2), CKR_OK);
        CK_BYTE v1[32], v2[32];
        secret_value(k1, v1);
        secret_value(k2, v2);
        assert_memory_equal(v1, v2, 32);
        /* A modified ciphertext decapsulates (implicit rejection) to another key. */
        ct[3] ^= 1;
        assert_int_equal(F32->C_DecapsulateKey(S, &m, priv, st, 4, ct, cl, &k2), CKR_OK);
        secret_value(k2, v2);
        assert_true(memcmp(v1, v2, 32) != 0);
        assert_int_equal(F32->C_DecapsulateKey(S, &m, priv, st, 4, ct, cl - 1, &k2),
                         CKR_WRAPPED_KEY_LEN_RANGE);
        /* Wrong direction / key type. */
        assert_int_equal(F32->C_EncapsulateKey(S, &m, priv, st, 4, ct, &cl, &k1),
                         CKR_KEY_FUNCTION_NOT_PERMITTED);
    }
}

static void test_wrong_key_type(void **state)
{
    (void)state;
    CK_OBJECT_HANDLE dpub, dpriv, kpub, kpriv;
    gen_pair(CKM_ML_DSA_KEY_PAIR_GEN, CKK_ML_DSA, CKP_ML_DSA_44, CKA_ENCAPSULATE, CKA_SIGN,
             &dpub, &dpriv);
    gen_pair(CKM_ML_KEM_KEY_PAIR_GEN, CKK_ML_KEM, CKP_ML_KEM_512, CKA_ENCAPSULATE, CKA_SIGN,
             &kpub, &kpriv);
    CK_MECHANISM mk = {CKM_ML_KEM, NULL, 0};
    CK_MECHANISM md = {CKM_ML_DSA, NULL, 0};
    CK_MECHANISM ms = {CKM_SLH_DSA, NULL, 0};
    CK_ATTRIBUTE st[] = {ATTR(CKA_CLASS, &sec_cls), ATTR(CKA_KEY_TYPE, &gen_kt)};
    CK_BYTE ct[1568];
    CK_ULONG cl = sizeof(ct);
    CK_OBJECT_HANDLE k;
    assert_int_equal(F32->C_EncapsulateKey(S, &mk, dpub, st, 2, ct, &cl, &k),
                     CKR_KEY_TYPE_INCONSISTENT);
    assert_int_equal(F->C_SignInit(S, &md, kpriv), CKR_KEY_TYPE_INCONSISTENT);
    assert_int_equal(F->C_SignInit(S, &ms, dpriv), CKR_KEY_TYPE_INCONSISTENT);
    /* No parameter set in the public template. */
    CK_MECHANISM mg = {CKM_ML_DSA_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pt[] = {ATTR(CKA_VERIFY, &yes)};
    CK_ATTRIBUTE vt[] = {ATTR(CKA_SIGN, &yes)};
    assert_int_not_equal(F->C_GenerateKeyPair(S, &mg, pt, 1, vt, 1, &dpub, &dpriv), CKR_OK);
}

/* Imports: a seed-only ML-DSA private key signs like the generated one; seed and value must
 * agree; an ML-KEM ek with a coefficient >= q and a dk with a wrong H(ek) are refused. */
static void test_import(void **state)
{
    (void)state;
    CK_OBJECT_HANDLE pub, priv, imp;
    gen_pair(CKM_ML_DSA_KEY_PAIR_GEN, CKK_ML_DSA, CKP_ML_DSA_65, CKA_VERIFY, CKA_SIGN, &pub,
             &priv);
    /* The generated private key is sensitive: make an extractable pair to read seed/value. */
    CK_MECHANISM mg = {CKM_ML_DSA_KEY_PAIR_GEN, NULL, 0};
    CK_ULONG ps = CKP_ML_DSA_65;
    CK_ATTRIBUTE pt[] = {ATTR(CKA_PARAMETER_SET, &ps), ATTR(CKA_VERIFY, &yes)};
    CK_ATTRIBUTE vt[] = {ATTR(CKA_SIGN, &yes), ATTR(CKA_SENSITIVE, &no),
                         ATTR(CKA_EXTRACTABLE, &yes)};
    assert_int_equal(F->C_GenerateKeyPair(S, &mg, pt, 2, vt, 3, &pub, &priv), CKR_OK);
    CK_BYTE seed[32], sk[4032];
    CK_ULONG seedl = sizeof(seed), skl = sizeof(sk);
    get_attr(priv, CKA_SEED, seed, &seedl);
    get_attr(priv, CKA_VALUE, sk, &skl);
    assert_int_equal(seedl, 32);
    assert_int_equal(skl, 4032);

    CK_OBJECT_CLASS pc = CKO_PRIVATE_KEY;
    CK_KEY_TYPE kt = CKK_ML_DSA;
    CK_ATTRIBUTE it[] = {ATTR(CKA_CLASS, &pc), ATTR(CKA_KEY_TYPE, &kt),
                         ATTR(CKA_PARAMETER_SET, &ps), ATTR(CKA_SIGN, &yes),
                         ATTRN(CKA_SEED, seed, 32), ATTRN(CKA_VALUE, sk, skl)};
    assert_int_equal(F->C_CreateObject(S, it, 5, &imp), CKR_OK); /* seed only */
    CK_SIGN_ADDITIONAL_CONTEXT p = {CKH_DETERMINISTIC_REQUIRED, NULL, 0};
    CK_MECHANISM m = {CKM_ML_DSA, &p, sizeof(p)};
    CK_ULONG sl = sign1(&m, imp, msg, sizeof(msg) - 1, sig);
    CK_ULONG sl2 = sign1(&m, priv, msg, sizeof(msg) - 1, sig2);
    assert_int_equal(sl, sl2);
    assert_memory_equal(sig, sig2, sl);
    assert_int_equal(verify1(&m, pub, msg, sizeof(msg) - 1, sig, sl), CKR_OK);
    assert_int_equal(F->C_CreateObject(S, it, 6, &imp), CKR_OK); /* both, consistent */
    seed[0] ^= 1;
    assert_int_equal(F->C_CreateObject(S, it, 6, &imp), CKR_ATTRIBUTE_VALUE_INVALID);
    it[4] = (CK_ATTRIBUTE)ATTRN(CKA_SEED, seed, 31);
    assert_int_equal(F->C_CreateObject(S, it, 5, &imp), CKR_ATTRIBUTE_VALUE_INVALID);
    /* Expanded key with an s1 coefficient out of range: byte 128 starts s1 (eta = 4: 4 bits
     * per coefficient, values above 2*eta = 8 are invalid). */
    sk[128] = 0xff;
    assert_int_equal(F->C_CreateObject(S, &it[0], 4, &imp), CKR_TEMPLATE_INCOMPLETE);
    CK_ATTRIBUTE it2[] = {it[0], it[1], it[2], it[3], ATTRN(CKA_VALUE, sk, skl)};
    assert_int_equal(F->C_CreateObject(S, it2, 5, &imp), CKR_ATTRIBUTE_VALUE_INVALID);

    /* ML-KEM: ek with a coefficient >= q (the first 12 bits set to 0xfff). */
    CK_OBJECT_HANDLE kpub, kpriv;
    CK_ULONG kps = CKP_ML_KEM_512;
    CK_MECHANISM mk = {CKM_ML_KEM_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE kpt[] = {ATTR(CKA_PARAMETER_SET, &kps), ATTR(CKA_ENCAPSULATE, &yes)};
    assert_int_equal(F->C_GenerateKeyPair(S, &mk, kpt, 2, vt, 3, &kpub, &kpriv), CKR_OK);
    CK_BYTE ek[800], dk[1632];
    CK_ULONG ekl = sizeof(ek), dkl = sizeof(dk);
    get_attr(kpub, CKA_VALUE, ek, &ekl);
    get_attr(kpriv, CKA_VALUE, dk, &dkl);
    CK_OBJECT_CLASS uc = CKO_PUBLIC_KEY;
    CK_KEY_TYPE kkt = CKK_ML_KEM;
    CK_ATTRIBUTE et[] = {ATTR(CKA_CLASS, &uc), ATTR(CKA_KEY_TYPE, &kkt),
                         ATTR(CKA_PARAMETER_SET, &kps), ATTRN(CKA_VALUE, ek, ekl)};
    assert_int_equal(F->C_CreateObject(S, et, 4, &imp), CKR_OK);
    ek[0] = 0xff;
    ek[1] |= 0x0f;
    assert_int_equal(F->C_CreateObject(S, et, 4, &imp), CKR_ATTRIBUTE_VALUE_INVALID);
    CK_ATTRIBUTE dt[] = {ATTR(CKA_CLASS, &pc), ATTR(CKA_KEY_TYPE, &kkt),
                         ATTR(CKA_PARAMETER_SET, &kps), ATTRN(CKA_VALUE, dk, dkl)};
    assert_int_equal(F->C_CreateObject(S, dt, 4, &imp), CKR_OK);
    dk[768 * 2 + 32] ^= 1; /* H(ek) inside dk: 768k + 32 */
    assert_int_equal(F->C_CreateObject(S, dt, 4, &imp), CKR_ATTRIBUTE_VALUE_INVALID);
}

static void test_mechanism_info(void **state)
{
    (void)state;
    CK_MECHANISM_INFO info;
    assert_int_equal(F->C_GetMechanismInfo(T.slot, CKM_ML_KEM, &info), CKR_OK);
    assert_true(info.flags & CKF_ENCAPSULATE);
    assert_true(info.flags & CKF_DECAPSULATE);
    assert_int_equal(info.ulMinKeySize, 800);
    assert_int_equal(info.ulMaxKeySize, 1568);
    assert_int_equal(F->C_GetMechanismInfo(T.slot, CKM_ML_DSA, &info), CKR_OK);
    assert_int_equal(info.flags & (CKF_SIGN | CKF_VERIFY), CKF_SIGN | CKF_VERIFY);
    assert_int_equal(F->C_GetMechanismInfo(T.slot, CKM_SLH_DSA_KEY_PAIR_GEN, &info), CKR_OK);
    assert_true(info.flags & CKF_GENERATE_KEY_PAIR);
}

/* Several sessions sign with one fresh ML-DSA key at once: the prepared key is built and
 * installed in the key's cache by racing threads, then shared (run under ASan/TSan too). */
#define NTHREADS 4
static CK_OBJECT_HANDLE th_pub, th_priv;

static void *signer(void *arg)
{
    CK_SESSION_HANDLE s;
    CK_BYTE m[16], sg[2420];
    intptr_t bad = 0;
    if (F->C_OpenSession(T.slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
        return (void *)1;
    for (int i = 0; i < 5; i++) {
        memset(m, (int)(intptr_t)arg * 16 + i, sizeof(m));
        CK_MECHANISM mech = {CKM_ML_DSA, NULL, 0};
        CK_ULONG sl = sizeof(sg);
        bad |= F->C_SignInit(s, &mech, th_priv) != CKR_OK;
        bad |= F->C_Sign(s, m, sizeof(m), sg, &sl) != CKR_OK;
        bad |= F->C_VerifyInit(s, &mech, th_pub) != CKR_OK;
        bad |= F->C_Verify(s, m, sizeof(m), sg, sl) != CKR_OK;
        m[0] ^= 1;
        bad |= F->C_VerifyInit(s, &mech, th_pub) != CKR_OK;
        bad |= F->C_Verify(s, m, sizeof(m), sg, sl) != CKR_SIGNATURE_INVALID;
    }
    (void)F->C_CloseSession(s);
    return (void *)bad;
}

static void test_threads_share_prepared_key(void **state)
{
    (void)state;
    gen_pair(CKM_ML_DSA_KEY_PAIR_GEN, CKK_ML_DSA, CKP_ML_DSA_44, CKA_VERIFY, CKA_SIGN, &th_pub,
             &th_priv);
    pthread_t th[NTHREADS];
    for (intptr_t i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, signer, (void *)i), 0);
    for (int i = 0; i < NTHREADS; i++) {
        void *r;
        assert_int_equal(pthread_join(th[i], &r), 0);
        assert_null(r);
    }
    /* Destroying the key while nothing runs frees the cache (ASan checks for leaks). */
    assert_int_equal(F->C_DestroyObject(S, th_priv), CKR_OK);
}

static bool has_pqc(struct ch_p11t *t)
{
    CK_MECHANISM_TYPE list[512];
    CK_ULONG n = 512;
    assert_int_equal(t->f->C_GetMechanismList(t->slot, list, &n), CKR_OK);
    bool any = false;
    for (CK_ULONG i = 0; i < n; i++)
        any |= list[i] == CKM_ML_KEM || list[i] == CKM_ML_DSA || list[i] == CKM_SLH_DSA ||
               list[i] == CKM_ML_DSA_KEY_PAIR_GEN;
    return any;
}

static void test_pqc_listed(void **state)
{
    (void)state;
    assert_true(has_pqc(&T));
}

/* A module configured with enable_pqc = false hides and refuses the mechanisms. */
static void test_pqc_disabled(void **state)
{
    (void)state;
    struct ch_p11t t2;
    memset(&t2, 0, sizeof(t2));
    assert_int_equal(ch_p11t_setup(&t2, "[algorithms]\nenable_pqc = false\n"), 0);
    assert_false(has_pqc(&t2));
    CK_MECHANISM_INFO info;
    assert_int_equal(t2.f->C_GetMechanismInfo(t2.slot, CKM_ML_DSA, &info),
                     CKR_MECHANISM_INVALID);
    CK_SESSION_HANDLE s;
    assert_int_equal(ch_p11t_open(&t2, true, CKU_USER, &s), CKR_OK);
    CK_MECHANISM m = {CKM_ML_KEM_KEY_PAIR_GEN, NULL, 0};
    CK_ULONG ps = CKP_ML_KEM_512;
    CK_ATTRIBUTE pt[] = {ATTR(CKA_PARAMETER_SET, &ps)};
    CK_ATTRIBUTE vt[] = {ATTR(CKA_DECAPSULATE, &yes)};
    CK_OBJECT_HANDLE a, b;
    assert_int_equal(t2.f->C_GenerateKeyPair(s, &m, pt, 1, vt, 1, &a, &b),
                     CKR_MECHANISM_INVALID);
    ch_p11t_teardown(&t2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mldsa),          cmocka_unit_test(test_hash_mldsa),
        cmocka_unit_test(test_slhdsa),         cmocka_unit_test(test_mlkem),
        cmocka_unit_test(test_wrong_key_type), cmocka_unit_test(test_import),
        cmocka_unit_test(test_mechanism_info), cmocka_unit_test(test_pqc_listed),
        cmocka_unit_test(test_threads_share_prepared_key),
    };
    const struct CMUnitTest alone[] = {
        cmocka_unit_test(test_pqc_disabled),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    return rc | cmocka_run_group_tests(alone, NULL, NULL);
}
