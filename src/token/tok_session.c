/* SPDX-License-Identifier: Apache-2.0 */
/* PKCS#11 sessions: the handle table, the session state machine (R/O public, R/O user, R/W
 * public, R/W user, R/W SO), login and logout for the whole application, C_SessionCancel.
 * Handles are never reused within a process, so a stale handle cannot reach a new session. */
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "fips/fips.h"
#include "token/tok_internal.h"
#include "util/ch_log.h"

/* Session handles are never reused in a process (not even across re-initialisation). */
static atomic_ulong next_session = 1;

CK_RV ch_tok_session_get(CK_SESSION_HANDLE h, struct ch_session **out)
{
    struct ch_module *m = ch_tok_mod;
    pthread_rwlock_rdlock(&m->sessions_lock);
    struct ch_session *s = ch_map_get(&m->sessions, h);
    if (s == NULL) {
        pthread_rwlock_unlock(&m->sessions_lock);
        return CKR_SESSION_HANDLE_INVALID;
    }
    /* Taking the session lock under the table lock keeps C_CloseSession from freeing it
     * between the look-up and the lock. */
    pthread_mutex_lock(&s->lock);
    pthread_rwlock_unlock(&m->sessions_lock);
    *out = s;
    return CKR_OK;
}

void ch_tok_session_put(struct ch_session *s)
{
    pthread_mutex_unlock(&s->lock);
}

CK_STATE ch_tok_session_state(const struct ch_session *s)
{
    bool rw = (s->flags & CKF_RW_SESSION) != 0;
    switch (__atomic_load_n(&s->tok->login, __ATOMIC_ACQUIRE)) {
    case CH_LOGIN_SO:
        return CKS_RW_SO_FUNCTIONS;
    case CH_LOGIN_USER:
        return rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
    default:
        return rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
    }
}

void ch_tok_session_end_op(struct ch_session *s, enum ch_op_kind kind)
{
    if (s->ops[kind] != NULL) {
        const struct ch_mech_desc *d = s->ops[kind]->desc;
        d->ops->free(s->ops[kind]);
        s->ops[kind] = NULL;
    }
    if (s->op_keys[kind] != NULL) {
        ch_obj_unref(s->op_keys[kind]);
        s->op_keys[kind] = NULL;
    }
    s->op_ctx_auth[kind] = false;
    s->op_needs_ctx_auth[kind] = false;
    s->msg_active[kind] = false;
}

static void end_find(struct ch_session *s)
{
    free(s->find.handles);
    memset(&s->find, 0, sizeof(s->find));
    s->finding = false;
}

void ch_tok_session_end_all_ops(struct ch_session *s)
{
    for (int k = 0; k < CH_OP_COUNT_; k++)
        ch_tok_session_end_op(s, (enum ch_op_kind)k);
    end_find(s);
}

CK_RV ch_tok_open_session(CK_SLOT_ID slot, CK_FLAGS flags, CK_SESSION_HANDLE *out)
{
    struct ch_module *m = ch_tok_mod;
    struct ch_token *t = ch_tok_token(slot);
    struct ch_store_token_info ti;
    CK_RV rv;

    CH_CHECK(t != NULL, CKR_SLOT_ID_INVALID);
    CH_CHECK(flags & CKF_SERIAL_SESSION, CKR_SESSION_PARALLEL_NOT_SUPPORTED);
    CH_TRY(ch_store_token_info(t->store, &ti));
    CH_CHECK(ti.initialized, CKR_TOKEN_NOT_RECOGNIZED);

    struct ch_session *s = calloc(1, sizeof(*s));
    CH_CHECK(s != NULL, CKR_HOST_MEMORY);
    pthread_mutex_init(&s->lock, NULL);
    s->tok = t;
    s->flags = flags & (CKF_RW_SESSION | CKF_SERIAL_SESSION);
    s->handle = atomic_fetch_add_explicit(&next_session, 1, memory_order_relaxed);

    pthread_rwlock_wrlock(&m->sessions_lock);
    pthread_mutex_lock(&t->lock);
    if (!(flags & CKF_RW_SESSION) && t->login == CH_LOGIN_SO) {
        rv = CKR_SESSION_READ_WRITE_SO_EXISTS;
        goto fail;
    }
    if (t->sessions >= m->cfg.max_sessions) {
        rv = CKR_SESSION_COUNT;
        goto fail;
    }
    if (!ch_map_put(&m->sessions, s->handle, s)) {
        rv = CKR_HOST_MEMORY;
        goto fail;
    }
    t->sessions++;
    if (flags & CKF_RW_SESSION)
        t->rw_sessions++;
    /* Another process may have changed the token since we last looked. */
    rv = ch_obj_sync(t, false);
    if (rv != CKR_OK)
        ch_log(CH_LOG_WARN, "slot %lu: reloading objects failed (0x%lx)", (unsigned long)slot,
               (unsigned long)rv);
    pthread_mutex_unlock(&t->lock);
    pthread_rwlock_unlock(&m->sessions_lock);
    *out = s->handle;
    return CKR_OK;
fail:
    pthread_mutex_unlock(&t->lock);
    pthread_rwlock_unlock(&m->sessions_lock);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return rv;
}

/* Called with the token lock held: the last session's close logs the application out. */
static void logout_locked(struct ch_token *t)
{
    if (t->login == CH_LOGIN_NONE)
        return;
    __atomic_store_n(&t->login, CH_LOGIN_NONE, __ATOMIC_RELEASE);
    ch_store_logout(t->store);
    /* Private session objects die with the login; their handles never come back. */
    ch_obj_drop_private_session_objects(t);
    if (ch_obj_sync(t, true) != CKR_OK)
        ch_log(CH_LOG_WARN, "slot %lu: reloading public objects after logout failed",
               (unsigned long)t->slot);
}

/* Remove s from the table and free it. Caller holds the table write lock, not s->lock. */
static void destroy_session(struct ch_session *s)
{
    struct ch_token *t = s->tok;
    (void)ch_map_del(&ch_tok_mod->sessions, s->handle);
    /* Wait for a call in flight on this session to finish. */
    pthread_mutex_lock(&s->lock);
    ch_tok_session_end_all_ops(s);
    pthread_mutex_unlock(&s->lock);
    pthread_mutex_lock(&t->lock);
    ch_obj_drop_session_objects(t, s->handle);
    t->sessions--;
    if (s->flags & CKF_RW_SESSION)
        t->rw_sessions--;
    if (t->sessions == 0)
        logout_locked(t);
    pthread_mutex_unlock(&t->lock);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

CK_RV ch_tok_close_session(CK_SESSION_HANDLE h)
{
    struct ch_module *m = ch_tok_mod;
    pthread_rwlock_wrlock(&m->sessions_lock);
    struct ch_session *s = ch_map_get(&m->sessions, h);
    if (s == NULL) {
        pthread_rwlock_unlock(&m->sessions_lock);
        return CKR_SESSION_HANDLE_INVALID;
    }
    destroy_session(s);
    pthread_rwlock_unlock(&m->sessions_lock);
    return CKR_OK;
}

static void close_matching(bool all, CK_SLOT_ID slot)
{
    struct ch_module *m = ch_tok_mod;
    pthread_rwlock_wrlock(&m->sessions_lock);
    for (;;) {
        size_t pos = 0;
        uint64_t k;
        void *v;
        struct ch_session *victim = NULL;
        while (ch_map_next(&m->sessions, &pos, &k, &v)) {
            struct ch_session *s = v;
            if (all || s->tok->slot == slot) {
                victim = s;
                break;
            }
        }
        if (victim == NULL)
            break;
        destroy_session(victim);
    }
    pthread_rwlock_unlock(&m->sessions_lock);
}

CK_RV ch_tok_close_all_sessions(CK_SLOT_ID slot)
{
    CH_CHECK(slot < ch_tok_mod->nslots, CKR_SLOT_ID_INVALID);
    close_matching(false, slot);
    return CKR_OK;
}

void ch_tok_sessions_close_all(void)
{
    close_matching(true, 0);
}

CK_RV ch_tok_session_info(CK_SESSION_HANDLE h, CK_SESSION_INFO *out)
{
    struct ch_session *s;
    CH_TRY(ch_tok_session_get(h, &s));
    out->slotID = s->tok->slot;
    out->state = ch_tok_session_state(s);
    out->flags = s->flags;
    out->ulDeviceError = 0;
    ch_tok_session_put(s);
    return CKR_OK;
}

CK_RV ch_tok_session_cancel(CK_SESSION_HANDLE h, CK_FLAGS flags)
{
    static const struct {
        CK_FLAGS flag;
        enum ch_op_kind kinds[2];
        int n;
    } map[] = {
        {CKF_ENCRYPT, {CH_OP_ENCRYPT, CH_OP_MSG_ENCRYPT}, 2},
        {CKF_DECRYPT, {CH_OP_DECRYPT, CH_OP_MSG_DECRYPT}, 2},
        {CKF_DIGEST, {CH_OP_DIGEST}, 1},
        {CKF_SIGN, {CH_OP_SIGN, CH_OP_MSG_SIGN}, 2},
        {CKF_SIGN_RECOVER, {CH_OP_SIGN_RECOVER}, 1},
        {CKF_VERIFY, {CH_OP_VERIFY, CH_OP_MSG_VERIFY}, 2},
        {CKF_VERIFY_RECOVER, {CH_OP_VERIFY_RECOVER}, 1},
        {CKF_MESSAGE_ENCRYPT, {CH_OP_MSG_ENCRYPT}, 1},
        {CKF_MESSAGE_DECRYPT, {CH_OP_MSG_DECRYPT}, 1},
        {CKF_MESSAGE_SIGN, {CH_OP_MSG_SIGN}, 1},
        {CKF_MESSAGE_VERIFY, {CH_OP_MSG_VERIFY}, 1},
    };
    const CK_FLAGS known = CKF_ENCRYPT | CKF_DECRYPT | CKF_DIGEST | CKF_SIGN | CKF_SIGN_RECOVER |
                           CKF_VERIFY | CKF_VERIFY_RECOVER | CKF_MESSAGE_ENCRYPT |
                           CKF_MESSAGE_DECRYPT | CKF_MESSAGE_SIGN | CKF_MESSAGE_VERIFY |
                           CKF_FIND_OBJECTS | CKF_GENERATE | CKF_GENERATE_KEY_PAIR | CKF_WRAP |
                           CKF_UNWRAP | CKF_DERIVE;
    struct ch_session *s;
    CH_TRY(ch_tok_session_get(h, &s));
    CK_RV rv = CKR_OK;
    if (flags & ~known) {
        rv = CKR_OPERATION_CANCEL_FAILED;
        goto out;
    }
    for (size_t i = 0; i < CH_ARRAY_LEN(map); i++)
        if (flags & map[i].flag)
            for (int j = 0; j < map[i].n; j++)
                ch_tok_session_end_op(s, map[i].kinds[j]);
    if (flags & CKF_FIND_OBJECTS)
        end_find(s);
out:
    ch_tok_session_put(s);
    return rv;
}

/* ---- login -------------------------------------------------------------------------------- */

/* CKU_CONTEXT_SPECIFIC: re-authenticate for the active operation whose key has
 * CKA_ALWAYS_AUTHENTICATE (PKCS#11 3.0 §5.6, C_Login). */
static CK_RV context_login(struct ch_session *s, const uint8_t *pin, size_t pin_len)
{
    struct ch_token *t = s->tok;
    for (int k = 0; k < CH_OP_COUNT_; k++) {
        if (s->ops[k] != NULL && s->op_needs_ctx_auth[k]) {
            if (t->login != CH_LOGIN_USER)
                return CKR_USER_NOT_LOGGED_IN;
            CK_RV rv = ch_store_login(t->store, CH_STORE_USER, pin, pin_len, false);
            if (rv == CKR_OK)
                s->op_ctx_auth[k] = true;
            else if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED)
                ch_tok_session_end_op(s, (enum ch_op_kind)k);
            return rv;
        }
    }
    return CKR_OPERATION_NOT_INITIALIZED;
}

CK_RV ch_tok_login(CK_SESSION_HANDLE h, CK_USER_TYPE who, const uint8_t *pin, size_t pin_len,
                   const uint8_t *user, size_t user_len)
{
    struct ch_session *s;
    CK_RV rv;
    CH_TRY(ch_tok_session_get(h, &s));
    struct ch_token *t = s->tok;
    /* We have one user per role: a username, when given, must be empty. */
    if (user != NULL && user_len != 0) {
        rv = CKR_USER_TYPE_INVALID;
        goto out;
    }
    if (who == CKU_CONTEXT_SPECIFIC) {
        rv = context_login(s, pin, pin_len);
        goto out;
    }
    if (who != CKU_SO && who != CKU_USER) {
        rv = CKR_USER_TYPE_INVALID;
        goto out;
    }
    pthread_mutex_lock(&t->lock);
    if (t->login != CH_LOGIN_NONE) {
        bool same = (t->login == CH_LOGIN_SO) == (who == CKU_SO);
        rv = same ? CKR_USER_ALREADY_LOGGED_IN : CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
        goto unlock;
    }
    if (who == CKU_SO && t->rw_sessions < t->sessions) {
        rv = CKR_SESSION_READ_ONLY_EXISTS;
        goto unlock;
    }
    rv = ch_store_login(t->store, who == CKU_SO ? CH_STORE_SO : CH_STORE_USER, pin, pin_len,
                        true);
    if (rv == CKR_OK) {
        __atomic_store_n(&t->login, who == CKU_SO ? CH_LOGIN_SO : CH_LOGIN_USER,
                         __ATOMIC_RELEASE);
        /* The token key is loaded: private objects and sealed attributes become available. */
        rv = ch_obj_sync(t, true);
        if (rv != CKR_OK) {
            __atomic_store_n(&t->login, CH_LOGIN_NONE, __ATOMIC_RELEASE);
            ch_store_logout(t->store);
        }
    }
unlock:
    pthread_mutex_unlock(&t->lock);
out:
    if (who == CKU_SO || who == CKU_USER || who == CKU_CONTEXT_SPECIFIC)
        ch_tok_audit_login(t, h, who, rv);
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_logout(CK_SESSION_HANDLE h)
{
    struct ch_session *s;
    CH_TRY(ch_tok_session_get(h, &s));
    struct ch_token *t = s->tok;
    CK_RV rv = CKR_OK;
    pthread_mutex_lock(&t->lock);
    if (t->login == CH_LOGIN_NONE)
        rv = CKR_USER_NOT_LOGGED_IN;
    else
        logout_locked(t);
    pthread_mutex_unlock(&t->lock);
    if (rv == CKR_OK)
        ch_tok_audit(t, CH_AUDIT_EV_LOGOUT, h, CK_UNAVAILABLE_INFORMATION, 0, NULL, rv);
    ch_tok_session_put(s);
    return rv;
}
