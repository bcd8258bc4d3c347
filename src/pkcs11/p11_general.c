/* SPDX-License-Identifier: Apache-2.0 */
/* src/pkcs11: general-purpose functions (PKCS#11 3.0 §5.4), the slot-event wait and the legacy
 * parallel-function calls. ABI layer only: argument checks here, everything else in src/token.
 * No policy, no crypto, no SQL. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "pkcs11/p11.h"

/* C_WaitForSlotEvent blocks until C_Finalize (we have no hot-plug events). `generation` counts
 * C_Finalize calls; a waiter samples it while still holding a module reference (so no
 * C_Finalize can complete in between) and sleeps until it moves. It is written under
 * wait_lock (for the condition variable) but read atomically, so a waiter never takes
 * wait_lock while it holds the module reference: no lock order to keep with src/token. */
static pthread_mutex_t wait_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wait_cond = PTHREAD_COND_INITIALIZER;
static _Atomic uint64_t generation;

/* fork(): a child must not inherit wait_lock held by some parent thread, nor a condition
 * variable that counts the parent's waiters, which do not exist in the child. */
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void fork_prepare(void)
{
    pthread_mutex_lock(&wait_lock);
}

static void fork_parent(void)
{
    pthread_mutex_unlock(&wait_lock);
}

static void fork_child(void)
{
    wait_cond = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
    pthread_mutex_unlock(&wait_lock); /* taken by this thread in fork_prepare */
}

static void register_atfork(void)
{
    (void)pthread_atfork(fork_prepare, fork_parent, fork_child);
}

void ch_p11_wake_waiters(void)
{
    pthread_mutex_lock(&wait_lock);
    atomic_fetch_add(&generation, 1);
    pthread_cond_broadcast(&wait_cond);
    pthread_mutex_unlock(&wait_lock);
}

/* PKCS#11 3.0 §5.4.1 C_Initialize and the CK_C_INITIALIZE_ARGS rules. We always lock with our
 * own pthread primitives: that satisfies case 2 and 4 (CKF_OS_LOCKING_OK) and, as the token
 * layer is told, case 3 (callbacks only) as well. We never create threads, so
 * CKF_LIBRARY_CANT_CREATE_OS_THREADS is fine. */
CH_P11_EXPORT CK_RV C_Initialize(CK_VOID_PTR pInitArgs)
{
    bool app_mutexes_only = false;

    if (pInitArgs != NULL) {
        const CK_C_INITIALIZE_ARGS *a = pInitArgs;
        int given = (a->CreateMutex != NULL) + (a->DestroyMutex != NULL) +
                    (a->LockMutex != NULL) + (a->UnlockMutex != NULL);

        if (a->pReserved != NULL)
            return CKR_ARGUMENTS_BAD;
        if (given != 0 && given != 4)
            return CKR_ARGUMENTS_BAD;
        app_mutexes_only = given == 4 && (a->flags & CKF_OS_LOCKING_OK) == 0;
    }
    pthread_once(&atfork_once, register_atfork);
    return ch_tok_module_init(app_mutexes_only);
}

/* PKCS#11 3.0 §5.4.2 C_Finalize; also releases a blocked C_WaitForSlotEvent. */
CH_P11_EXPORT CK_RV C_Finalize(CK_VOID_PTR pReserved)
{
    CK_RV rv;

    if (pReserved != NULL)
        return CKR_ARGUMENTS_BAD;
    rv = ch_tok_module_fini();
    if (rv == CKR_OK)
        ch_p11_wake_waiters();
    return rv;
}

CH_P11_EXPORT CK_RV C_GetInfo(CK_INFO_PTR pInfo)
{
    CH_TRY(ch_tok_enter());
    if (pInfo != NULL)
        ch_tok_get_info(pInfo);
    ch_tok_leave();
    return pInfo != NULL ? CKR_OK : CKR_ARGUMENTS_BAD;
}

/* PKCS#11 3.0 §5.4.4 C_GetFunctionList: callable before C_Initialize; the 2.40-layout list,
 * version 2.40. 3.0 clients use C_GetInterface. */
CH_P11_EXPORT CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList)
{
    if (ppFunctionList == NULL)
        return CKR_ARGUMENTS_BAD;
    *ppFunctionList = (CK_FUNCTION_LIST_PTR)&ch_p11_list_240;
    return CKR_OK;
}

/* PKCS#11 3.0 §5.5.4 C_WaitForSlotEvent: our slots never change, so there is never an event.
 * CKF_DONT_BLOCK gives CKR_NO_EVENT; otherwise the call blocks until C_Finalize and then
 * returns CKR_CRYPTOKI_NOT_INITIALIZED, as the spec requires of a blocked waiter. */
CH_P11_EXPORT CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved)
{
    uint64_t seen;

    CH_TRY(ch_tok_enter());
    if (pSlot == NULL || pReserved != NULL) {
        ch_tok_leave();
        return CKR_ARGUMENTS_BAD;
    }
    if (flags & CKF_DONT_BLOCK) {
        ch_tok_leave();
        return CKR_NO_EVENT;
    }
    seen = atomic_load(&generation);
    /* Drop our module reference before sleeping: C_Finalize waits for calls in flight. */
    ch_tok_leave();

    pthread_mutex_lock(&wait_lock);
    while (atomic_load(&generation) == seen)
        pthread_cond_wait(&wait_cond, &wait_lock);
    pthread_mutex_unlock(&wait_lock);
    return CKR_CRYPTOKI_NOT_INITIALIZED;
}

/* PKCS#11 3.0 §5.20: legacy functions. After the usual initialisation and session-handle
 * checks they answer CKR_FUNCTION_NOT_PARALLEL. */
static CK_RV legacy_parallel(CK_SESSION_HANDLE h)
{
    CK_SESSION_INFO info;
    CK_RV rv;

    CH_TRY(ch_tok_enter());
    rv = ch_tok_session_info(h, &info);
    ch_tok_leave();
    return rv == CKR_OK ? CKR_FUNCTION_NOT_PARALLEL : rv;
}

CH_P11_EXPORT CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE hSession)
{
    return legacy_parallel(hSession);
}

CH_P11_EXPORT CK_RV C_CancelFunction(CK_SESSION_HANDLE hSession)
{
    return legacy_parallel(hSession);
}
