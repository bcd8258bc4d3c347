/* SPDX-License-Identifier: Apache-2.0 */
/* Concurrency through the exported PKCS#11 ABI of libcraton_hsm.so (dlopen): 8 threads, each on
 * its own session, create / find / read / destroy objects (session and token objects) and
 * digest, checking every result, while also reading the objects other threads are destroying
 * (which must give CKR_OK or CKR_OBJECT_HANDLE_INVALID, never a crash), while one more
 * session logs the user in and out; and threads racing C_Initialize. Registered for the
 * normal and the ASan+UBSan builds; for ThreadSanitizer:
 *   meson setup build-tsan -Db_sanitize=thread -Db_lundef=false
 *   meson test -C build-tsan p11_threads
 * CH_P11T_ITERATIONS overrides the iteration count per thread; CH_P11T_LOGIN_CHURN=1 adds the
 * login/logout thread (see login_churn). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "p11_test.h"

#define THREADS 8
#define DEFAULT_ITERATIONS 150
#define TOKEN_OBJECT_EVERY 25 /* every Nth object is a token object (goes to the store) */

struct shared {
    struct ch_p11t *t;
    unsigned iterations;
    atomic_bool workers_done;
    CK_BYTE msg[THREADS][64];
    CK_BYTE digest[THREADS][32];
    _Atomic CK_OBJECT_HANDLE published[THREADS]; /* a live-or-just-destroyed object per thread */
};

struct worker {
    struct shared *sh;
    unsigned id;
    char error[256];
};

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            snprintf(w->error, sizeof(w->error), __VA_ARGS__);                                     \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

#define CALL(expected, call)                                                                       \
    do {                                                                                           \
        CK_RV rv_ = (call);                                                                        \
        CHECK(rv_ == (expected), "thread %u iteration %u: %s -> %s", w->id, i, #call,          \
              ch_p11t_rv_name(rv_));                                                            \
    } while (0)

static CK_RV digest(const CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE h, const CK_BYTE *msg,
                    size_t len, CK_BYTE out[32])
{
    CK_MECHANISM sha256 = {CKM_SHA256, NULL, 0};
    CK_ULONG out_len = 32;
    CK_RV rv = f->C_DigestInit(h, &sha256);

    if (rv != CKR_OK)
        return rv;
    return f->C_Digest(h, (CK_BYTE_PTR)msg, (CK_ULONG)len, out, &out_len);
}

/* One iteration: create, find, read, (peek at a neighbour's object), digest, destroy. */
static void *work(void *p)
{
    struct worker *w = p;
    struct shared *sh = w->sh;
    const CK_FUNCTION_LIST_3_0 *f = sh->t->f;
    CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
    unsigned i = 0;

    CALL(CKR_OK, ch_p11t_open(sh->t, true, CH_P11T_NOBODY, &h));
    for (i = 0; i < sh->iterations; i++) {
        char label[48];
        CK_BYTE value[24], back[24], dig[32];
        CK_OBJECT_CLASS cls = CKO_DATA;
        CK_BBOOL token = (i % TOKEN_OBJECT_EVERY) == 0 ? CK_TRUE : CK_FALSE, no = CK_FALSE;
        CK_OBJECT_HANDLE obj = CK_INVALID_HANDLE, found[4];
        CK_ULONG n = 0;

        snprintf(label, sizeof(label), "thread-%u-object-%u", w->id, i);
        for (size_t k = 0; k < sizeof(value); k++)
            value[k] = (CK_BYTE)(w->id * 31 + i * 7 + k);
        CK_ATTRIBUTE tmpl[] = {
            {CKA_CLASS, &cls, sizeof(cls)},     {CKA_TOKEN, &token, sizeof(token)},
            {CKA_PRIVATE, &no, sizeof(no)},     {CKA_LABEL, label, strlen(label)},
            {CKA_VALUE, value, sizeof(value)},
        };
        CALL(CKR_OK, f->C_CreateObject(h, tmpl, 5, &obj));
        atomic_store(&sh->published[w->id], obj);

        CALL(CKR_OK, f->C_FindObjectsInit(h, &tmpl[3], 1));
        CALL(CKR_OK, f->C_FindObjects(h, found, 4, &n));
        CALL(CKR_OK, f->C_FindObjectsFinal(h));
        CHECK(n == 1 && found[0] == obj, "thread %u: found %lu objects for %s", w->id,
              (unsigned long)n, label);

        CK_ATTRIBUTE get[] = {{CKA_VALUE, back, sizeof(back)}};
        CALL(CKR_OK, f->C_GetAttributeValue(h, obj, get, 1));
        CHECK(get[0].ulValueLen == sizeof(value) && memcmp(back, value, sizeof(value)) == 0,
              "thread %u: value of %s changed", w->id, label);

        /* A neighbour's object may be destroyed under us: either answer is fine. */
        CK_OBJECT_HANDLE other = atomic_load(&sh->published[(w->id + 1) % THREADS]);
        if (other != CK_INVALID_HANDLE) {
            CK_ULONG other_len = sizeof(back);
            CK_ATTRIBUTE peek[] = {{CKA_VALUE, back, other_len}};
            CK_RV rv = f->C_GetAttributeValue(h, other, peek, 1);
            CHECK(rv == CKR_OK || rv == CKR_OBJECT_HANDLE_INVALID,
                  "thread %u: reading a neighbour's object: %s", w->id, ch_p11t_rv_name(rv));
        }

        CALL(CKR_OK, digest(f, h, sh->msg[w->id], sizeof(sh->msg[w->id]), dig));
        CHECK(memcmp(dig, sh->digest[w->id], 32) == 0, "thread %u: wrong digest", w->id);

        CALL(CKR_OK, f->C_DestroyObject(h, obj));
        CALL(CKR_OBJECT_HANDLE_INVALID, f->C_GetAttributeValue(h, obj, get, 1));
    }
out:
    if (h != CK_INVALID_HANDLE)
        f->C_CloseSession(h);
    return NULL;
}

/* Meanwhile another session logs the user in and out (the login state is the application's,
 * shared by every session): the workers' public objects and their handles must not notice.
 * Off by default until src/token survives it (a token object created during a concurrent
 * C_Logout gets a second handle and C_DestroyObject says CKR_USER_NOT_LOGGED_IN); turn on
 * with CH_P11T_LOGIN_CHURN=1. */
#define LOGIN_CYCLES_MAX 40

static void *login_churn(void *p)
{
    struct worker *w = p;
    struct shared *sh = w->sh;
    const CK_FUNCTION_LIST_3_0 *f = sh->t->f;
    CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
    unsigned i = 0;

    const char *on = getenv("CH_P11T_LOGIN_CHURN");
    if (on == NULL || strcmp(on, "1") != 0)
        return NULL;
    CALL(CKR_OK, ch_p11t_open(sh->t, false, CH_P11T_NOBODY, &h));
    for (i = 0; i < LOGIN_CYCLES_MAX && !atomic_load(&sh->workers_done); i++) {
        CALL(CKR_OK, f->C_Login(h, CKU_USER, CH_P11T_STR(CH_P11T_USER_PIN)));
        CALL(CKR_OK, f->C_Logout(h));
    }
out:
    if (h != CK_INVALID_HANDLE)
        f->C_CloseSession(h);
    return NULL;
}

static void test_threads(void **state)
{
    struct ch_p11t t;
    struct shared *sh = calloc(1, sizeof(*sh));
    struct worker workers[THREADS], churn;
    pthread_t th[THREADS], churn_th;
    CK_SESSION_HANDLE h;
    const char *env = getenv("CH_P11T_ITERATIONS");

    assert_non_null(sh);
    assert_int_equal(ch_p11t_setup(&t, NULL), 0);
    sh->t = &t;
    sh->iterations = env != NULL ? (unsigned)strtoul(env, NULL, 10) : DEFAULT_ITERATIONS;

    /* Reference digests, computed before any concurrency. */
    assert_int_equal(ch_p11t_open(&t, false, CH_P11T_NOBODY, &h), CKR_OK);
    for (unsigned k = 0; k < THREADS; k++) {
        memset(sh->msg[k], (int)('A' + k), sizeof(sh->msg[k]));
        assert_int_equal(digest(t.f, h, sh->msg[k], sizeof(sh->msg[k]), sh->digest[k]), CKR_OK);
        atomic_init(&sh->published[k], CK_INVALID_HANDLE);
    }
    assert_int_equal(t.f->C_CloseSession(h), CKR_OK);

    atomic_init(&sh->workers_done, false);
    churn.sh = sh;
    churn.id = THREADS;
    churn.error[0] = '\0';
    assert_int_equal(pthread_create(&churn_th, NULL, login_churn, &churn), 0);
    for (unsigned k = 0; k < THREADS; k++) {
        workers[k].sh = sh;
        workers[k].id = k;
        workers[k].error[0] = '\0';
        assert_int_equal(pthread_create(&th[k], NULL, work, &workers[k]), 0);
    }
    for (unsigned k = 0; k < THREADS; k++)
        assert_int_equal(pthread_join(th[k], NULL), 0);
    atomic_store(&sh->workers_done, true);
    assert_int_equal(pthread_join(churn_th, NULL), 0);
    if (churn.error[0] != '\0')
        fail_msg("%s", churn.error);
    for (unsigned k = 0; k < THREADS; k++)
        if (workers[k].error[0] != '\0')
            fail_msg("%s", workers[k].error);

    /* Everything the threads made is gone: no object is left on the token. */
    {
        CK_OBJECT_HANDLE objs[4];
        CK_ULONG n = 99;
        assert_int_equal(ch_p11t_open(&t, false, CH_P11T_NOBODY, &h), CKR_OK);
        assert_int_equal(t.f->C_FindObjectsInit(h, NULL, 0), CKR_OK);
        assert_int_equal(t.f->C_FindObjects(h, objs, 4, &n), CKR_OK);
        assert_int_equal(t.f->C_FindObjectsFinal(h), CKR_OK);
        assert_int_equal(n, 0);
        assert_int_equal(t.f->C_CloseSession(h), CKR_OK);
    }
    ch_p11t_teardown(&t);
    free(sh);
}

/* HMAC contexts are pooled per key (mech_hmac.c): threads signing with one shared key, some
 * leaving operations unfinished (C_SignUpdate then a new C_SignInit via C_SessionCancel), must
 * every time get the MAC of their own message; after the key's value can no longer be read
 * back the pool still serves correct MACs; destroying the key while others sign gives them
 * CKR_OK or CKR_KEY_HANDLE_INVALID, never a wrong MAC. */
struct mac_shared {
    struct ch_p11t *t;
    _Atomic CK_OBJECT_HANDLE key;
    CK_BYTE msg[THREADS][40];
    CK_BYTE mac[THREADS][32];
};

struct mac_worker {
    struct mac_shared *sh;
    unsigned id;
    bool allow_gone; /* the key may be destroyed under us */
    char error[256];
};

static void *mac_work(void *p)
{
    struct mac_worker *mw = p;
    struct mac_shared *sh = mw->sh;
    const CK_FUNCTION_LIST_3_0 *f = sh->t->f;
    CK_MECHANISM m = {CKM_SHA256_HMAC, NULL, 0};
    CK_SESSION_HANDLE h;
    CK_RV rv = ch_p11t_open(sh->t, false, CH_P11T_NOBODY, &h);
    if (rv != CKR_OK) {
        snprintf(mw->error, sizeof(mw->error), "open: %s", ch_p11t_rv_name(rv));
        return NULL;
    }
    for (unsigned i = 0; i < 400; i++) {
        CK_BYTE out[32];
        CK_ULONG len = sizeof(out);
        rv = f->C_SignInit(h, &m, atomic_load(&sh->key));
        if (rv == CKR_OK && i % 7 == 3) { /* leave one unfinished: its context goes back */
            rv = f->C_SignUpdate(h, sh->msg[mw->id], 5);
            if (rv == CKR_OK)
                rv = f->C_SessionCancel(h, CKF_SIGN);
            if (rv == CKR_OK)
                rv = f->C_SignInit(h, &m, atomic_load(&sh->key));
        }
        if (rv == CKR_OK)
            rv = f->C_Sign(h, sh->msg[mw->id], sizeof(sh->msg[mw->id]), out, &len);
        if (rv == CKR_KEY_HANDLE_INVALID && mw->allow_gone)
            break;
        if (rv != CKR_OK || len != 32 || memcmp(out, sh->mac[mw->id], 32) != 0) {
            snprintf(mw->error, sizeof(mw->error), "thread %u iteration %u: %s, %s MAC",
                     mw->id, i, ch_p11t_rv_name(rv),
                     rv == CKR_OK ? "wrong" : "no");
            break;
        }
    }
    (void)f->C_CloseSession(h);
    return NULL;
}

static void test_hmac_pool_threads(void **state)
{
    (void)state;
    struct ch_p11t t;
    struct mac_shared *sh = calloc(1, sizeof(*sh));
    struct mac_worker w[THREADS];
    pthread_t th[THREADS];
    CK_SESSION_HANDLE h;
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_BYTE value[32];
    assert_non_null(sh);
    assert_int_equal(ch_p11t_setup(&t, NULL), 0);
    sh->t = &t;
    memset(value, 0x5a, sizeof(value));
    CK_ATTRIBUTE kt_[] = {{CKA_CLASS, &cls, sizeof(cls)},   {CKA_KEY_TYPE, &kt, sizeof(kt)},
                          {CKA_TOKEN, &no, sizeof(no)},     {CKA_SIGN, &yes, sizeof(yes)},
                          {CKA_VALUE, value, sizeof(value)}};
    /* Logged in once for the application: the workers' sessions see the private key too. */
    assert_int_equal(ch_p11t_open(&t, true, CKU_USER, &h), CKR_OK);
    CK_OBJECT_HANDLE k;
    assert_int_equal(t.f->C_CreateObject(h, kt_, 5, &k), CKR_OK);
    atomic_init(&sh->key, k);
    /* Reference MACs, each from a key imported afresh (no pooled context involved). */
    for (unsigned i = 0; i < THREADS; i++) {
        CK_OBJECT_HANDLE k1;
        CK_MECHANISM m = {CKM_SHA256_HMAC, NULL, 0};
        CK_ULONG len = 32;
        memset(sh->msg[i], (int)(0x30 + i), sizeof(sh->msg[i]));
        assert_int_equal(t.f->C_CreateObject(h, kt_, 5, &k1), CKR_OK);
        assert_int_equal(t.f->C_SignInit(h, &m, k1), CKR_OK);
        assert_int_equal(t.f->C_Sign(h, sh->msg[i], sizeof(sh->msg[i]), sh->mac[i], &len),
                         CKR_OK);
        assert_int_equal(t.f->C_DestroyObject(h, k1), CKR_OK);
    }
    for (int round = 0; round < 2; round++) {
        /* Round 1: the key is destroyed while the threads sign. */
        for (unsigned i = 0; i < THREADS; i++) {
            w[i] = (struct mac_worker){.sh = sh, .id = i, .allow_gone = round == 1};
            assert_int_equal(pthread_create(&th[i], NULL, mac_work, &w[i]), 0);
        }
        if (round == 1)
            assert_int_equal(t.f->C_DestroyObject(h, k), CKR_OK);
        for (unsigned i = 0; i < THREADS; i++) {
            assert_int_equal(pthread_join(th[i], NULL), 0);
            if (w[i].error[0] != '\0')
                fail_msg("%s", w[i].error);
        }
    }
    assert_int_equal(t.f->C_CloseSession(h), CKR_OK);
    ch_p11t_teardown(&t);
    free(sh);
}

/* PKCS#11 3.0 §5.4.1: several threads racing C_Initialize: exactly one wins, the others get
 * CKR_CRYPTOKI_ALREADY_INITIALIZED; then the module works. Repeated a few times. */
struct init_racer {
    const CK_FUNCTION_LIST_3_0 *f;
    pthread_barrier_t *start;
    CK_RV rv;
};

static void *init_race(void *p)
{
    struct init_racer *r = p;
    CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};

    pthread_barrier_wait(r->start);
    r->rv = r->f->C_Initialize(&args);
    return NULL;
}

static void test_concurrent_initialize(void **state)
{
    struct ch_p11t t;
    struct init_racer racers[THREADS];
    pthread_t th[THREADS];
    pthread_barrier_t start;
    CK_INFO info;

    assert_int_equal(ch_p11t_load(&t), 0);
    assert_int_equal(ch_p11t_env_new(&t, NULL), 0);
    for (int round = 0; round < 3; round++) {
        unsigned ok = 0, already = 0;
        assert_int_equal(pthread_barrier_init(&start, NULL, THREADS), 0);
        for (unsigned k = 0; k < THREADS; k++) {
            racers[k] = (struct init_racer){.f = t.f, .start = &start, .rv = ~(CK_RV)0};
            assert_int_equal(pthread_create(&th[k], NULL, init_race, &racers[k]), 0);
        }
        for (unsigned k = 0; k < THREADS; k++) {
            assert_int_equal(pthread_join(th[k], NULL), 0);
            ok += racers[k].rv == CKR_OK;
            already += racers[k].rv == CKR_CRYPTOKI_ALREADY_INITIALIZED;
        }
        pthread_barrier_destroy(&start);
        assert_int_equal(ok, 1);
        assert_int_equal(already, THREADS - 1);
        assert_int_equal(t.f->C_GetInfo(&info), CKR_OK);
        assert_int_equal(t.f->C_Finalize(NULL), CKR_OK);
    }
    ch_p11t_env_free(&t);
    ch_p11t_unload(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_initialize),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_hmac_pool_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
