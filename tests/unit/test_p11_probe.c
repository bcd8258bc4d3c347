/* SPDX-License-Identifier: Apache-2.0 */
/* Probe of the exported PKCS#11 ABI of libcraton_hsm.so (loaded with dlopen): the function
 * lists and interfaces, every entry present and equal to its exported symbol, every function
 * answering CKR_CRYPTOKI_NOT_INITIALIZED before C_Initialize and, after it, a bogus session
 * handle with CKR_SESSION_HANDLE_INVALID and never CKR_FUNCTION_NOT_SUPPORTED; C_Initialize /
 * C_Finalize argument rules, legacy parallel functions, C_WaitForSlotEvent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <dlfcn.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "p11_test.h"

#define BOGUS_SESSION ((CK_SESSION_HANDLE)0x7ead5e55UL)
#define BOGUS_SLOT ((CK_SLOT_ID)0x7ead5107UL)
#define N_(a) (sizeof(a) / sizeof((a)[0]))

/* ---- names and entries of the lists, straight from the header's function tables ------------ */

#define NAME(name, args) #name,
static const char *const names_v32[] = {
    CH_P11_FUNCS_V240(NAME) CH_P11_FUNCS_V30(NAME) CH_P11_FUNCS_V32(NAME)
};
#undef NAME

typedef void (*any_fn)(void);

/* Entry i of a list as a generic function pointer; n is the number of entries to copy. */
#define ENTRY(name, args) (any_fn)l->name,
static void entries_v240(const CK_FUNCTION_LIST *l, any_fn *out)
{
    const any_fn e[] = {CH_P11_FUNCS_V240(ENTRY)};
    memcpy(out, e, sizeof(e));
}
static void entries_v30(const CK_FUNCTION_LIST_3_0 *l, any_fn *out)
{
    const any_fn e[] = {CH_P11_FUNCS_V240(ENTRY) CH_P11_FUNCS_V30(ENTRY)};
    memcpy(out, e, sizeof(e));
}
static void entries_v32(const CK_FUNCTION_LIST_3_2 *l, any_fn *out)
{
    const any_fn e[] = {CH_P11_FUNCS_V240(ENTRY) CH_P11_FUNCS_V30(ENTRY) CH_P11_FUNCS_V32(ENTRY)};
    memcpy(out, e, sizeof(e));
}
#undef ENTRY

static void *dl;

static any_fn sym(const char *name)
{
    any_fn f;
    void *p = dlsym(dl, name);
    memcpy(&f, &p, sizeof(f));
    return f;
}

static const CK_INTERFACE *get_iface(const char *name, CK_BYTE major, CK_BYTE minor)
{
    CK_C_GetInterface gi = (CK_C_GetInterface)sym("C_GetInterface");
    CK_VERSION v = {major, minor};
    CK_INTERFACE_PTR it = NULL;

    assert_non_null(gi);
    assert_int_equal(gi((CK_UTF8CHAR_PTR)name, &v, &it, 0), CKR_OK);
    assert_non_null(it);
    return it;
}

static int group_setup(void **state)
{
    dl = dlopen(ch_p11t_module_path(), CH_P11T_DLOPEN_FLAGS);
    if (dl == NULL) {
        print_error("dlopen: %s\n", dlerror());
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    dlclose(dl);
    return 0;
}

/* ---- lists and interfaces ------------------------------------------------------------------ */

static void test_function_list_240(void **state)
{
    CK_C_GetFunctionList gfl = (CK_C_GetFunctionList)sym("C_GetFunctionList");
    CK_FUNCTION_LIST_PTR l = NULL;
    any_fn e[CH_P11_NFUNCS_V240];

    assert_non_null(gfl);
    assert_int_equal(gfl(NULL), CKR_ARGUMENTS_BAD);
    assert_int_equal(gfl(&l), CKR_OK);
    assert_non_null(l);
    assert_int_equal(l->version.major, 2);
    assert_int_equal(l->version.minor, 40);
    entries_v240(l, e);
    for (size_t i = 0; i < CH_P11_NFUNCS_V240; i++) {
        if (e[i] == NULL || e[i] != sym(names_v32[i]))
            fail_msg("2.40 list entry %zu (%s) missing or not the exported symbol", i,
                     names_v32[i]);
    }
}

static void test_interface_30_all_entries(void **state)
{
    const CK_INTERFACE *it = get_iface("PKCS 11", 3, 0);
    const CK_FUNCTION_LIST_3_0 *l = it->pFunctionList;
    any_fn e[CH_P11_NFUNCS_V30];

    assert_string_equal((const char *)it->pInterfaceName, "PKCS 11");
    assert_int_equal(it->flags, 0);
    assert_int_equal(l->version.major, 3);
    assert_int_equal(l->version.minor, 0);
    entries_v30(l, e);
    for (size_t i = 0; i < CH_P11_NFUNCS_V30; i++) {
        if (e[i] == NULL || e[i] != sym(names_v32[i]))
            fail_msg("3.0 list entry %zu (%s) missing or not the exported symbol", i,
                     names_v32[i]);
    }
}

static void test_interface_32(void **state)
{
    const CK_INTERFACE *it = get_iface("PKCS 11", 3, 2);
    const CK_FUNCTION_LIST_3_2 *l = it->pFunctionList;
    any_fn e[CH_P11_NFUNCS_V32];

    assert_int_equal(l->version.major, 3);
    assert_int_equal(l->version.minor, 2);
    entries_v32(l, e);
    for (size_t i = 0; i < CH_P11_NFUNCS_V32; i++)
        if (e[i] == NULL)
            fail_msg("3.2 list entry %zu (%s) is NULL", i, names_v32[i]);
    /* The KEM calls are ours and exported; the rest of the 3.2 additions are local stubs. */
    assert_true((any_fn)l->C_EncapsulateKey == sym("C_EncapsulateKey"));
    assert_true((any_fn)l->C_DecapsulateKey == sym("C_DecapsulateKey"));
    assert_null(dlsym(dl, "C_VerifySignatureInit"));
    assert_int_equal(l->C_VerifySignatureFinal(BOGUS_SESSION), CKR_FUNCTION_NOT_SUPPORTED);
    assert_int_equal(l->C_AsyncGetID(BOGUS_SESSION, NULL, NULL), CKR_FUNCTION_NOT_SUPPORTED);
}

static void test_get_interface_rules(void **state)
{
    CK_C_GetInterface gi = (CK_C_GetInterface)sym("C_GetInterface");
    CK_VERSION v30 = {3, 0}, v240 = {2, 40}, v99 = {9, 9};
    CK_INTERFACE_PTR it = NULL;

    /* NULL name and/or version: the default, 3.0. */
    assert_int_equal(gi(NULL, NULL, &it, 0), CKR_OK);
    assert_int_equal(((CK_VERSION *)it->pFunctionList)->major, 3);
    assert_int_equal(((CK_VERSION *)it->pFunctionList)->minor, 0);
    assert_int_equal(gi((CK_UTF8CHAR_PTR) "PKCS 11", NULL, &it, 0), CKR_OK);
    assert_int_equal(((CK_VERSION *)it->pFunctionList)->minor, 0);
    assert_int_equal(gi(NULL, &v30, &it, 0), CKR_OK);
    assert_int_equal(gi(NULL, &v240, &it, 0), CKR_OK);
    assert_int_equal(((CK_VERSION *)it->pFunctionList)->major, 2);
    assert_int_equal(((CK_VERSION *)it->pFunctionList)->minor, 40);
    /* No match: unknown name, unknown version, a flag we do not offer. */
    it = NULL;
    assert_int_equal(gi((CK_UTF8CHAR_PTR) "Vendor Nobody", NULL, &it, 0), CKR_ARGUMENTS_BAD);
    assert_int_equal(gi((CK_UTF8CHAR_PTR) "PKCS 11", &v99, &it, 0), CKR_ARGUMENTS_BAD);
    assert_int_equal(gi(NULL, NULL, &it, CKF_INTERFACE_FORK_SAFE), CKR_ARGUMENTS_BAD);
    assert_null(it);
    assert_int_equal(gi(NULL, NULL, NULL, 0), CKR_ARGUMENTS_BAD);
}

static void test_interface_list_two_calls(void **state)
{
    CK_C_GetInterfaceList gil = (CK_C_GetInterfaceList)sym("C_GetInterfaceList");
    CK_INTERFACE list[4];
    CK_ULONG n = 0;
    bool seen30 = false, seen32 = false, seen240 = false;

    assert_int_equal(gil(NULL, NULL), CKR_ARGUMENTS_BAD);
    assert_int_equal(gil(list, NULL), CKR_ARGUMENTS_BAD);
    n = 12345;
    assert_int_equal(gil(NULL, &n), CKR_OK);
    assert_int_equal(n, 3);
    n = 1;
    assert_int_equal(gil(list, &n), CKR_BUFFER_TOO_SMALL);
    assert_int_equal(n, 3);
    n = 4;
    assert_int_equal(gil(list, &n), CKR_OK);
    assert_int_equal(n, 3);
    for (CK_ULONG i = 0; i < n; i++) {
        const CK_VERSION *v = list[i].pFunctionList;
        assert_string_equal((const char *)list[i].pInterfaceName, "PKCS 11");
        assert_int_equal(list[i].flags, 0);
        seen30 |= v->major == 3 && v->minor == 0;
        seen32 |= v->major == 3 && v->minor == 2;
        seen240 |= v->major == 2 && v->minor == 40;
    }
    assert_true(seen30 && seen32 && seen240);
}

/* ---- every function, with valid-looking arguments ------------------------------------------ */

struct args {
    CK_BYTE in[32], out[512], param[64], label[32];
    CK_ULONG out_len, count;
    CK_SLOT_ID slots[4];
    CK_MECHANISM_TYPE mechs[4];
    CK_MECHANISM mech;
    CK_OBJECT_CLASS cls;
    CK_ATTRIBUTE tmpl[1];
    CK_OBJECT_HANDLE obj, obj2, objs[4];
    CK_SESSION_HANDLE sess;
    CK_INFO info;
    CK_SLOT_INFO slot_info;
    CK_TOKEN_INFO token_info;
    CK_MECHANISM_INFO mech_info;
    CK_SESSION_INFO session_info;
};

static void args_init(struct args *a)
{
    memset(a, 0, sizeof(*a));
    memset(a->in, 0x5a, sizeof(a->in));
    memset(a->label, ' ', sizeof(a->label));
    a->out_len = sizeof(a->out);
    a->count = 4;
    a->mech.mechanism = CKM_SHA256;
    a->cls = CKO_DATA;
    a->tmpl[0].type = CKA_CLASS;
    a->tmpl[0].pValue = &a->cls;
    a->tmpl[0].ulValueLen = sizeof(a->cls);
}

#define PIN (CK_UTF8CHAR_PTR) "12345678", 8
#define IN a.in, sizeof(a.in)
#define OUT a.out, &a.out_len
#define PARAM a.param, sizeof(a.param)
#define KEY ((CK_OBJECT_HANDLE)0x1234)

/* Calls function `name` of list f. Returns ~0 for names it does not know. */
static CK_RV call(const CK_FUNCTION_LIST_3_2 *f, const char *name, CK_SESSION_HANDLE h,
                  CK_SLOT_ID slot)
{
    struct args a;
    args_init(&a);
#define C(fn, ...)                                                                                 \
    if (strcmp(name, #fn) == 0)                                                                    \
        return f->fn(__VA_ARGS__);
    /* General and slot functions (no session handle). */
    C(C_Finalize, NULL)
    C(C_GetInfo, &a.info)
    C(C_GetSlotList, CK_FALSE, a.slots, &a.count)
    C(C_GetSlotInfo, slot, &a.slot_info)
    C(C_GetTokenInfo, slot, &a.token_info)
    C(C_GetMechanismList, slot, a.mechs, &a.count)
    C(C_GetMechanismInfo, slot, CKM_SHA256, &a.mech_info)
    C(C_InitToken, slot, PIN, a.label)
    C(C_OpenSession, slot, CKF_SERIAL_SESSION, NULL, NULL, &a.sess)
    C(C_CloseAllSessions, slot)
    C(C_WaitForSlotEvent, CKF_DONT_BLOCK, &a.slots[0], NULL)
    /* Session functions. */
    C(C_InitPIN, h, PIN)
    C(C_SetPIN, h, PIN, PIN)
    C(C_CloseSession, h)
    C(C_GetSessionInfo, h, &a.session_info)
    C(C_GetOperationState, h, OUT)
    C(C_SetOperationState, h, IN, CK_INVALID_HANDLE, CK_INVALID_HANDLE)
    C(C_Login, h, CKU_USER, PIN)
    C(C_Logout, h)
    C(C_CreateObject, h, a.tmpl, 1, &a.obj)
    C(C_CopyObject, h, KEY, a.tmpl, 1, &a.obj)
    C(C_DestroyObject, h, KEY)
    C(C_GetObjectSize, h, KEY, &a.count)
    C(C_GetAttributeValue, h, KEY, a.tmpl, 1)
    C(C_SetAttributeValue, h, KEY, a.tmpl, 1)
    C(C_FindObjectsInit, h, a.tmpl, 1)
    C(C_FindObjects, h, a.objs, 4, &a.count)
    C(C_FindObjectsFinal, h)
    C(C_EncryptInit, h, &a.mech, KEY)
    C(C_Encrypt, h, IN, OUT)
    C(C_EncryptUpdate, h, IN, OUT)
    C(C_EncryptFinal, h, OUT)
    C(C_DecryptInit, h, &a.mech, KEY)
    C(C_Decrypt, h, IN, OUT)
    C(C_DecryptUpdate, h, IN, OUT)
    C(C_DecryptFinal, h, OUT)
    C(C_DigestInit, h, &a.mech)
    C(C_Digest, h, IN, OUT)
    C(C_DigestUpdate, h, IN)
    C(C_DigestKey, h, KEY)
    C(C_DigestFinal, h, OUT)
    C(C_SignInit, h, &a.mech, KEY)
    C(C_Sign, h, IN, OUT)
    C(C_SignUpdate, h, IN)
    C(C_SignFinal, h, OUT)
    C(C_SignRecoverInit, h, &a.mech, KEY)
    C(C_SignRecover, h, IN, OUT)
    C(C_VerifyInit, h, &a.mech, KEY)
    C(C_Verify, h, IN, IN)
    C(C_VerifyUpdate, h, IN)
    C(C_VerifyFinal, h, IN)
    C(C_VerifyRecoverInit, h, &a.mech, KEY)
    C(C_VerifyRecover, h, IN, OUT)
    C(C_DigestEncryptUpdate, h, IN, OUT)
    C(C_DecryptDigestUpdate, h, IN, OUT)
    C(C_SignEncryptUpdate, h, IN, OUT)
    C(C_DecryptVerifyUpdate, h, IN, OUT)
    C(C_GenerateKey, h, &a.mech, a.tmpl, 1, &a.obj)
    C(C_GenerateKeyPair, h, &a.mech, a.tmpl, 1, a.tmpl, 1, &a.obj, &a.obj2)
    C(C_WrapKey, h, &a.mech, KEY, KEY, OUT)
    C(C_UnwrapKey, h, &a.mech, KEY, IN, a.tmpl, 1, &a.obj)
    C(C_DeriveKey, h, &a.mech, KEY, a.tmpl, 1, &a.obj)
    C(C_SeedRandom, h, IN)
    C(C_GenerateRandom, h, a.out, 16)
    C(C_GetFunctionStatus, h)
    C(C_CancelFunction, h)
    C(C_LoginUser, h, CKU_USER, PIN, (CK_UTF8CHAR_PTR) "user", 4)
    C(C_SessionCancel, h, CKF_DIGEST)
    C(C_MessageEncryptInit, h, &a.mech, KEY)
    C(C_EncryptMessage, h, PARAM, IN, IN, OUT)
    C(C_EncryptMessageBegin, h, PARAM, IN)
    C(C_EncryptMessageNext, h, PARAM, IN, OUT, CKF_END_OF_MESSAGE)
    C(C_MessageEncryptFinal, h)
    C(C_MessageDecryptInit, h, &a.mech, KEY)
    C(C_DecryptMessage, h, PARAM, IN, IN, OUT)
    C(C_DecryptMessageBegin, h, PARAM, IN)
    C(C_DecryptMessageNext, h, PARAM, IN, OUT, CKF_END_OF_MESSAGE)
    C(C_MessageDecryptFinal, h)
    C(C_MessageSignInit, h, &a.mech, KEY)
    C(C_SignMessage, h, PARAM, IN, OUT)
    C(C_SignMessageBegin, h, PARAM)
    C(C_SignMessageNext, h, PARAM, IN, OUT)
    C(C_MessageSignFinal, h)
    C(C_MessageVerifyInit, h, &a.mech, KEY)
    C(C_VerifyMessage, h, PARAM, IN, IN)
    C(C_VerifyMessageBegin, h, PARAM)
    C(C_VerifyMessageNext, h, PARAM, IN, IN)
    C(C_MessageVerifyFinal, h)
    C(C_EncapsulateKey, h, &a.mech, KEY, a.tmpl, 1, OUT, &a.obj)
    C(C_DecapsulateKey, h, &a.mech, KEY, a.tmpl, 1, IN, &a.obj)
#undef C
    return ~(CK_RV)0;
}

/* Functions with no session handle (C_Initialize and the three pre-initialisation calls are
 * tested on their own). */
static const char *const slot_functions[] = {
    "C_GetInfo",      "C_GetSlotList",      "C_GetSlotInfo",      "C_GetTokenInfo",
    "C_GetMechanismList", "C_GetMechanismInfo", "C_InitToken",     "C_OpenSession",
    "C_CloseAllSessions", "C_WaitForSlotEvent",
};

static bool is_unsession(const char *name)
{
    static const char *const others[] = {"C_Initialize", "C_Finalize", "C_GetFunctionList",
                                         "C_GetInterfaceList", "C_GetInterface"};
    for (size_t i = 0; i < N_(slot_functions); i++)
        if (strcmp(name, slot_functions[i]) == 0)
            return true;
    for (size_t i = 0; i < N_(others); i++)
        if (strcmp(name, others[i]) == 0)
            return true;
    return false;
}

/* The 3.2 additions other than the KEM calls are stubs by design (PKCS#11 allows it). */
static bool is_unsupported_32(size_t i)
{
    return i >= CH_P11_NFUNCS_V30 + 2;
}

static void test_before_initialize(void **state)
{
    const CK_FUNCTION_LIST_3_2 *f = get_iface("PKCS 11", 3, 2)->pFunctionList;
    size_t calls = 0;

    for (size_t i = 0; i < CH_P11_NFUNCS_V32; i++) {
        const char *name = names_v32[i];
        if (is_unsupported_32(i) || strcmp(name, "C_Initialize") == 0 ||
            strcmp(name, "C_GetFunctionList") == 0 || strcmp(name, "C_GetInterfaceList") == 0 ||
            strcmp(name, "C_GetInterface") == 0)
            continue;
        CK_RV rv = call(f, name, BOGUS_SESSION, 0);
        if (rv == ~(CK_RV)0)
            fail_msg("no probe call for %s", name);
        if (rv != CKR_CRYPTOKI_NOT_INITIALIZED)
            fail_msg("%s before C_Initialize: %s", name, ch_p11t_rv_name(rv));
        calls++;
    }
    assert_int_equal(calls, CH_P11_NFUNCS_V30 + 2 - 4);
}

static void test_bogus_session_handle(void **state)
{
    struct ch_p11t t;
    const CK_FUNCTION_LIST_3_2 *f = get_iface("PKCS 11", 3, 2)->pFunctionList;
    size_t calls = 0;

    assert_int_equal(ch_p11t_env_new(&t, NULL), 0);
    assert_int_equal(f->C_Initialize(NULL), CKR_OK);
    for (size_t i = 0; i < CH_P11_NFUNCS_V32; i++) {
        const char *name = names_v32[i];
        if (is_unsupported_32(i) || is_unsession(name))
            continue;
        CK_RV rv = call(f, name, BOGUS_SESSION, 0);
        if (rv == CKR_FUNCTION_NOT_SUPPORTED || rv != CKR_SESSION_HANDLE_INVALID)
            fail_msg("%s(bogus session): %s", name, ch_p11t_rv_name(rv));
        calls++;
    }
    assert_int_equal(calls, 79); /* 77 session functions of 3.0 + the two KEM calls */
    /* Slot functions with a slot that does not exist. */
    for (size_t i = 0; i < N_(slot_functions); i++) {
        const char *name = slot_functions[i];
        if (strcmp(name, "C_GetInfo") == 0 || strcmp(name, "C_GetSlotList") == 0 ||
            strcmp(name, "C_WaitForSlotEvent") == 0)
            continue;
        CK_RV rv = call(f, name, BOGUS_SESSION, BOGUS_SLOT);
        if (rv != CKR_SLOT_ID_INVALID)
            fail_msg("%s(bogus slot): %s", name, ch_p11t_rv_name(rv));
    }
    assert_int_equal(f->C_Finalize(NULL), CKR_OK);
    ch_p11t_env_free(&t);
}

/* ---- C_Initialize / C_Finalize ------------------------------------------------------------- */

static CK_RV mx_create(CK_VOID_PTR_PTR m)
{
    *m = (void *)1;
    return CKR_OK;
}
static CK_RV mx_other(CK_VOID_PTR m)
{
    return CKR_OK;
}

static void test_initialize_finalize_rules(void **state)
{
    struct ch_p11t t;
    const CK_FUNCTION_LIST_3_0 *f = get_iface("PKCS 11", 3, 0)->pFunctionList;
    CK_C_INITIALIZE_ARGS args;
    int dummy;

    assert_int_equal(ch_p11t_env_new(&t, NULL), 0);

    memset(&args, 0, sizeof(args));
    args.pReserved = &dummy;
    assert_int_equal(f->C_Initialize(&args), CKR_ARGUMENTS_BAD);
    memset(&args, 0, sizeof(args));
    args.CreateMutex = mx_create; /* some but not all callbacks */
    assert_int_equal(f->C_Initialize(&args), CKR_ARGUMENTS_BAD);
    assert_int_equal(f->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);

    /* All four callbacks without CKF_OS_LOCKING_OK: accepted (we lock with our own). */
    args.DestroyMutex = mx_other;
    args.LockMutex = mx_other;
    args.UnlockMutex = mx_other;
    args.flags = CKF_LIBRARY_CANT_CREATE_OS_THREADS;
    assert_int_equal(f->C_Initialize(&args), CKR_OK);
    assert_int_equal(f->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
    assert_int_equal(f->C_Finalize(&dummy), CKR_ARGUMENTS_BAD);
    assert_int_equal(f->C_Finalize(NULL), CKR_OK);
    assert_int_equal(f->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);

    memset(&args, 0, sizeof(args));
    args.flags = CKF_OS_LOCKING_OK;
    assert_int_equal(f->C_Initialize(&args), CKR_OK);
    assert_int_equal(f->C_Finalize(NULL), CKR_OK);
    assert_int_equal(f->C_Initialize(NULL), CKR_OK);
    assert_int_equal(f->C_Finalize(NULL), CKR_OK);
    ch_p11t_env_free(&t);
}

/* ---- legacy parallel functions, slot events ------------------------------------------------ */

static void test_legacy_parallel(void **state)
{
    struct ch_p11t t;
    CK_SESSION_HANDLE h;

    assert_int_equal(ch_p11t_setup(&t, NULL), 0);
    assert_int_equal(ch_p11t_open(&t, false, CH_P11T_NOBODY, &h), CKR_OK);
    assert_int_equal(t.f->C_GetFunctionStatus(h), CKR_FUNCTION_NOT_PARALLEL);
    assert_int_equal(t.f->C_CancelFunction(h), CKR_FUNCTION_NOT_PARALLEL);
    assert_int_equal(t.f->C_CloseSession(h), CKR_OK);
    assert_int_equal(t.f->C_GetFunctionStatus(h), CKR_SESSION_HANDLE_INVALID);
    ch_p11t_teardown(&t);
}

struct waiter {
    const CK_FUNCTION_LIST_3_0 *f;
    CK_RV rv;
};

static void *wait_thread(void *p)
{
    struct waiter *w = p;
    CK_SLOT_ID slot;

    w->rv = w->f->C_WaitForSlotEvent(0, &slot, NULL);
    return NULL;
}

static void test_wait_for_slot_event(void **state)
{
    struct ch_p11t t;
    struct waiter w;
    pthread_t th;
    CK_SLOT_ID slot;
    int dummy;

    assert_int_equal(ch_p11t_load(&t), 0);
    assert_int_equal(ch_p11t_env_new(&t, NULL), 0);
    assert_int_equal(t.f->C_Initialize(NULL), CKR_OK);
    assert_int_equal(t.f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT);
    assert_int_equal(t.f->C_WaitForSlotEvent(CKF_DONT_BLOCK, NULL, NULL), CKR_ARGUMENTS_BAD);
    assert_int_equal(t.f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, &dummy), CKR_ARGUMENTS_BAD);

    /* A blocking wait returns CKR_CRYPTOKI_NOT_INITIALIZED once C_Finalize runs, whether the
     * thread was already blocked or only got there after C_Finalize. */
    w.f = t.f;
    w.rv = CKR_OK;
    assert_int_equal(pthread_create(&th, NULL, wait_thread, &w), 0);
    assert_int_equal(t.f->C_Finalize(NULL), CKR_OK);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(w.rv, CKR_CRYPTOKI_NOT_INITIALIZED);
    ch_p11t_env_free(&t);
    ch_p11t_unload(&t);
}

/* DESIGN.md §4: a fork child sees CKR_CRYPTOKI_NOT_INITIALIZED until it calls C_Initialize
 * itself, and then works on its own. */
static int child_checks(const CK_FUNCTION_LIST_3_0 *f)
{
    CK_INFO info;
    CK_SLOT_ID slots[4];
    CK_ULONG n = 4;

    if (f->C_GetInfo(&info) != CKR_CRYPTOKI_NOT_INITIALIZED)
        return 1;
    if (f->C_GetSlotList(CK_FALSE, slots, &n) != CKR_CRYPTOKI_NOT_INITIALIZED)
        return 2;
    if (f->C_Finalize(NULL) != CKR_CRYPTOKI_NOT_INITIALIZED)
        return 3;
    if (f->C_Initialize(NULL) != CKR_OK)
        return 4;
    if (f->C_GetSlotList(CK_FALSE, slots, &n) != CKR_OK || n == 0)
        return 5;
    if (f->C_Finalize(NULL) != CKR_OK)
        return 6;
    return 0;
}

static void test_fork_child(void **state)
{
    struct ch_p11t t;
    CK_SESSION_HANDLE h;
    CK_SESSION_INFO info;
    pid_t pid;
    int status = -1;

    assert_int_equal(ch_p11t_setup(&t, NULL), 0);
    assert_int_equal(ch_p11t_open(&t, false, CH_P11T_NOBODY, &h), CKR_OK);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(child_checks(t.f));
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* The parent is untouched. */
    assert_int_equal(t.f->C_GetSessionInfo(h, &info), CKR_OK);
    ch_p11t_teardown(&t);
}

/* fork() while another thread may be blocked in C_WaitForSlotEvent: the child's own
 * C_Initialize/C_Finalize must not hang on the parent's waiter, and the parent's waiter is
 * still released by the parent's C_Finalize. */
static void test_fork_with_waiter(void **state)
{
    struct ch_p11t t;
    struct waiter w;
    pthread_t th;
    pid_t pid;
    int status = -1;

    assert_int_equal(ch_p11t_setup(&t, NULL), 0);
    w.f = t.f;
    w.rv = CKR_OK;
    assert_int_equal(pthread_create(&th, NULL, wait_thread, &w), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(child_checks(t.f));
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(t.f->C_Finalize(NULL), CKR_OK);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(w.rv, CKR_CRYPTOKI_NOT_INITIALIZED);
    ch_p11t_teardown(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_function_list_240),
        cmocka_unit_test(test_interface_30_all_entries),
        cmocka_unit_test(test_interface_32),
        cmocka_unit_test(test_get_interface_rules),
        cmocka_unit_test(test_interface_list_two_calls),
        cmocka_unit_test(test_before_initialize),
        cmocka_unit_test(test_bogus_session_handle),
        cmocka_unit_test(test_initialize_finalize_rules),
        cmocka_unit_test(test_legacy_parallel),
        cmocka_unit_test(test_wait_for_slot_event),
        cmocka_unit_test(test_fork_child),
        cmocka_unit_test(test_fork_with_waiter),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
