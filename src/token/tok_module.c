/* SPDX-License-Identifier: Apache-2.0 */
/* Module lifetime (C_Initialize/C_Finalize, fork), general, slot and token information, token
 * and PIN administration, random numbers. Token layer: policy lives here, no OpenSSL, no SQL. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "craton_hsm/craton_hsm.h"
#include "crypto/crypto.h"
#include "fips/fips.h"
#include "token/tok_internal.h"
#include "util/ch_log.h"
#include "util/ch_wipe.h"

struct ch_module *ch_tok_mod;

/* Held for reading by every call in flight, for writing by C_Finalize. */
static pthread_rwlock_t life_lock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
/* Set in a fork child: the parent's state is unusable there (its locks, SQLite connections and
 * DRBG belong to the parent) until the child calls C_Initialize. */
static atomic_bool forked;

static void on_fork_child(void)
{
    atomic_store(&forked, true);
    pthread_rwlock_t fresh = PTHREAD_RWLOCK_INITIALIZER;
    pthread_mutex_t fresh_m = PTHREAD_MUTEX_INITIALIZER;
    memcpy(&life_lock, &fresh, sizeof(fresh));
    memcpy(&init_lock, &fresh_m, sizeof(fresh_m));
}

static void register_atfork(void)
{
    (void)pthread_atfork(NULL, NULL, on_fork_child);
}

CK_RV ch_tok_enter(void)
{
    if (pthread_rwlock_rdlock(&life_lock) != 0)
        return CKR_CANT_LOCK;
    if (ch_tok_mod == NULL || atomic_load_explicit(&forked, memory_order_relaxed)) {
        pthread_rwlock_unlock(&life_lock);
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    }
    return CKR_OK;
}

void ch_tok_leave(void)
{
    pthread_rwlock_unlock(&life_lock);
}

struct ch_token *ch_tok_token(CK_SLOT_ID slot)
{
    if (slot >= ch_tok_mod->nslots)
        return NULL;
    return &ch_tok_mod->tokens[slot];
}

static CK_RV open_token(struct ch_module *m, struct ch_token *t, CK_SLOT_ID slot)
{
    struct ch_store_config sc = {
        .dir = m->cfg.storage_dir,
        .pbkdf2_iterations = m->cfg.pbkdf2_iterations,
        .max_failed_logins = m->cfg.max_failed_logins,
        .backoff_initial_ms = m->cfg.backoff_initial_ms,
        .backoff_max_ms = m->cfg.backoff_max_ms,
    };
    t->slot = slot;
    pthread_mutex_init(&t->lock, NULL);
    pthread_rwlock_init(&t->objs_lock, NULL);
    ch_map_init(&t->by_handle);
    ch_map_init(&t->by_store_id);
    ch_map_init(&t->by_label);
    CK_RV rv = ch_store_open(&sc, (uint32_t)slot, &t->store);
    if (rv != CKR_OK) {
        ch_log(CH_LOG_ERROR, "slot %lu: cannot open token store under %s (0x%lx)",
               (unsigned long)slot, m->cfg.storage_dir, (unsigned long)rv);
        return rv;
    }
    if (m->cfg.audit_enabled) {
        char path[CH_CONFIG_PATH_MAX + 64];
        const char *dir = m->cfg.audit_dir[0] ? m->cfg.audit_dir : m->cfg.storage_dir;
        struct ch_audit_opts ao = {.fsync = true, .syslog = m->cfg.audit_syslog};
        if (ch_audit_default_path(dir, (uint32_t)slot, path, sizeof(path)) != CKR_OK ||
            ch_audit_open_opts(path, t->store, &ao, &t->audit) != CKR_OK)
            ch_log(CH_LOG_WARN, "slot %lu: audit log %s unavailable", (unsigned long)slot, path);
    }
    pthread_mutex_lock(&t->lock);
    rv = ch_obj_sync(t, true);
    pthread_mutex_unlock(&t->lock);
    return rv;
}

static void close_token(struct ch_token *t)
{
    if (t->store == NULL && t->audit == NULL)
        return;
    pthread_mutex_lock(&t->lock);
    ch_obj_drop_all(t);
    pthread_mutex_unlock(&t->lock);
    ch_audit_close(t->audit);
    ch_store_close(t->store);
    ch_map_clear(&t->by_handle);
    ch_map_clear(&t->by_store_id);
    ch_map_clear(&t->by_label);
    pthread_rwlock_destroy(&t->objs_lock);
    pthread_mutex_destroy(&t->lock);
    t->store = NULL;
    t->audit = NULL;
}

static void module_free(struct ch_module *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->nslots; i++)
        close_token(&m->tokens[i]);
    free(m->tokens);
    ch_map_clear(&m->sessions);
    pthread_rwlock_destroy(&m->sessions_lock);
    free(m);
}

CK_RV ch_tok_module_init(bool app_mutexes_only)
{
    (void)app_mutexes_only; /* we always use OS locking, which the spec allows */
    struct ch_module *m = NULL;
    char err[512];
    CK_RV rv;

    pthread_once(&atfork_once, register_atfork);
    pthread_mutex_lock(&init_lock);
    if (ch_tok_mod != NULL && !atomic_load(&forked)) {
        pthread_mutex_unlock(&init_lock);
        return CKR_CRYPTOKI_ALREADY_INITIALIZED;
    }
    /* A fork child abandons the parent's state: freeing it would touch the parent's SQLite
     * connections and locks, which must not be used across fork. */
    ch_tok_mod = NULL;
    atomic_store(&forked, false);

    m = calloc(1, sizeof(*m));
    CH_CHECK_OUT(m != NULL, CKR_HOST_MEMORY);
    pthread_rwlock_init(&m->sessions_lock, NULL);
    ch_map_init(&m->sessions);
    if (ch_config_load(NULL, &m->cfg, err, sizeof(err)) != 0) {
        ch_log(CH_LOG_ERROR, "%s", err);
        rv = CKR_GENERAL_ERROR;
        goto out;
    }
    ch_log_setup(m->cfg.log_level, m->cfg.log_file);
    struct ch_mech_policy mp = {.allow_weak_rsa = m->cfg.allow_weak_rsa,
                                .approved_only = m->cfg.approved_only};
    ch_mech_set_policy(&mp);
    CH_TRY_OUT(ch_crypto_init());
    /* Self-tests run afresh at every C_Initialize (an earlier failure is not sticky across
     * re-initialisation), before the module DRBG is instantiated and anything is served. */
    ch_fips_reset();
    if (ch_fips_post() != CKR_OK)
        ch_log(CH_LOG_ERROR, "power-on self-test failed: %s; the module is in the error state",
               ch_fips_error_reason());
    CH_TRY_OUT(ch_drbg_init());
    ch_obj_ids_init();
    if (mkdir(m->cfg.storage_dir, 0700) != 0 && errno != EEXIST) {
        ch_log(CH_LOG_ERROR, "cannot create storage directory %s: %s", m->cfg.storage_dir,
               strerror(errno));
        rv = CKR_DEVICE_ERROR;
        goto out;
    }
    m->tokens = calloc(m->cfg.slot_count, sizeof(*m->tokens));
    CH_CHECK_OUT(m->tokens != NULL, CKR_HOST_MEMORY);
    for (size_t i = 0; i < m->cfg.slot_count; i++) {
        m->nslots = i + 1;
        CH_TRY_OUT(open_token(m, &m->tokens[i], i));
    }
    m->pid = getpid();
    ch_tok_mod = m;
    m = NULL;
    rv = CKR_OK;
out:
    module_free(m);
    pthread_mutex_unlock(&init_lock);
    return rv;
}

CK_RV ch_tok_module_fini(void)
{
    pthread_mutex_lock(&init_lock);
    if (ch_tok_mod == NULL || atomic_load(&forked)) {
        pthread_mutex_unlock(&init_lock);
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    }
    /* Wait for the calls in flight, then nobody else can enter. */
    pthread_rwlock_wrlock(&life_lock);
    struct ch_module *m = ch_tok_mod;
    ch_tok_sessions_close_all();
    ch_tok_mod = NULL;
    pthread_rwlock_unlock(&life_lock);
    module_free(m);
    ch_drbg_fini();
    ch_crypto_fini();
    pthread_mutex_unlock(&init_lock);
    return CKR_OK;
}

/* ---- information -------------------------------------------------------------------------- */

static void pad(CK_UTF8CHAR *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    memset(dst, ' ', cap);
    memcpy(dst, src, n < cap ? n : cap);
}

void ch_tok_get_info(CK_INFO *out)
{
    memset(out, 0, sizeof(*out));
    out->cryptokiVersion.major = 3;
    out->cryptokiVersion.minor = 0;
    pad(out->manufacturerID, sizeof(out->manufacturerID), CH_MANUFACTURER_ID);
    out->flags = 0;
    pad(out->libraryDescription, sizeof(out->libraryDescription), "Craton HSM PKCS#11 module");
    out->libraryVersion.major = CH_VERSION_MAJOR;
    out->libraryVersion.minor = CH_VERSION_MINOR;
}

CK_RV ch_tok_slot_list(bool token_present, CK_SLOT_ID *list, size_t *count)
{
    (void)token_present; /* every slot always holds its token */
    size_t n = ch_tok_mod->nslots;
    if (list == NULL) {
        *count = n;
        return CKR_OK;
    }
    if (*count < n) {
        *count = n;
        return CKR_BUFFER_TOO_SMALL;
    }
    for (size_t i = 0; i < n; i++)
        list[i] = i;
    *count = n;
    return CKR_OK;
}

CK_RV ch_tok_slot_info(CK_SLOT_ID slot, CK_SLOT_INFO *out)
{
    char desc[64];
    CH_CHECK(slot < ch_tok_mod->nslots, CKR_SLOT_ID_INVALID);
    memset(out, 0, sizeof(*out));
    snprintf(desc, sizeof(desc), "Craton HSM slot %lu", (unsigned long)slot);
    pad(out->slotDescription, sizeof(out->slotDescription), desc);
    pad(out->manufacturerID, sizeof(out->manufacturerID), CH_MANUFACTURER_ID);
    out->flags = CKF_TOKEN_PRESENT;
    out->hardwareVersion.major = CH_VERSION_MAJOR;
    out->hardwareVersion.minor = CH_VERSION_MINOR;
    out->firmwareVersion.major = CH_VERSION_MAJOR;
    out->firmwareVersion.minor = CH_VERSION_MINOR;
    return CKR_OK;
}

static CK_FLAGS pin_flags(uint32_t failures, bool locked, uint32_t max, CK_FLAGS low,
                          CK_FLAGS final, CK_FLAGS lockf)
{
    CK_FLAGS f = 0;
    if (locked)
        return lockf;
    if (failures > 0)
        f |= low;
    if (max > 0 && failures + 1 == max)
        f |= final;
    return f;
}

CK_RV ch_tok_token_info(CK_SLOT_ID slot, CK_TOKEN_INFO *out)
{
    struct ch_store_token_info ti;
    struct ch_token *t = ch_tok_token(slot);
    CH_CHECK(t != NULL, CKR_SLOT_ID_INVALID);
    CH_TRY(ch_store_token_info(t->store, &ti));
    const struct ch_config *cfg = &ch_tok_mod->cfg;

    memset(out, 0, sizeof(*out));
    if (ti.initialized)
        memcpy(out->label, ti.label, sizeof(out->label));
    else
        pad(out->label, sizeof(out->label), "");
    pad(out->manufacturerID, sizeof(out->manufacturerID), CH_MANUFACTURER_ID);
    pad(out->model, sizeof(out->model), "Craton HSM");
    pad(out->serialNumber, sizeof(out->serialNumber), ti.initialized ? ti.serial : "");
    out->flags = CKF_RNG | CKF_LOGIN_REQUIRED | CKF_CLOCK_ON_TOKEN | CKF_DUAL_CRYPTO_OPERATIONS;
    if (ti.initialized)
        out->flags |= CKF_TOKEN_INITIALIZED;
    if (ti.user_pin_initialized)
        out->flags |= CKF_USER_PIN_INITIALIZED;
    out->flags |= pin_flags(ti.user_failures, ti.user_locked, cfg->max_failed_logins,
                            CKF_USER_PIN_COUNT_LOW, CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_LOCKED);
    out->flags |= pin_flags(ti.so_failures, ti.so_locked, cfg->max_failed_logins,
                            CKF_SO_PIN_COUNT_LOW, CKF_SO_PIN_FINAL_TRY, CKF_SO_PIN_LOCKED);
    if (ti.user_pin_to_be_changed)
        out->flags |= CKF_USER_PIN_TO_BE_CHANGED;
    if (ti.so_pin_to_be_changed)
        out->flags |= CKF_SO_PIN_TO_BE_CHANGED;
    if (ch_fips_in_error())
        out->flags &= ~(CK_FLAGS)CKF_RNG;
    pthread_mutex_lock(&t->lock);
    out->ulSessionCount = t->sessions;
    out->ulRwSessionCount = t->rw_sessions;
    pthread_mutex_unlock(&t->lock);
    out->ulMaxSessionCount = cfg->max_sessions;
    out->ulMaxRwSessionCount = cfg->max_sessions;
    out->ulMaxPinLen = cfg->max_pin_len;
    out->ulMinPinLen = cfg->min_pin_len;
    out->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
    out->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
    out->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
    out->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
    out->hardwareVersion.major = CH_VERSION_MAJOR;
    out->hardwareVersion.minor = CH_VERSION_MINOR;
    out->firmwareVersion.major = CH_VERSION_MAJOR;
    out->firmwareVersion.minor = CH_VERSION_MINOR;
    time_t now = time(NULL);
    struct tm tmv;
    char ts[64];
    gmtime_r(&now, &tmv);
    snprintf(ts, sizeof(ts), "%04d%02d%02d%02d%02d%02d00", tmv.tm_year + 1900, tmv.tm_mon + 1,
             tmv.tm_mday, tmv.tm_hour, tmv.tm_min, tmv.tm_sec);
    memcpy(out->utcTime, ts, sizeof(out->utcTime));
    return CKR_OK;
}

/* Mechanisms the configuration allows (approved-only mode, PQC switch). */
static bool mech_enabled(const struct ch_mech_desc *d)
{
    if (ch_tok_mod->cfg.approved_only && !d->approved)
        return false;
    if (!ch_tok_mod->cfg.enable_pqc &&
        (d->key_type == CKK_ML_KEM || d->key_type == CKK_ML_DSA || d->key_type == CKK_SLH_DSA))
        return false;
    return true;
}

CK_RV ch_tok_mechanism_list(CK_SLOT_ID slot, CK_MECHANISM_TYPE *list, size_t *count)
{
    CH_CHECK(slot < ch_tok_mod->nslots, CKR_SLOT_ID_INVALID);
    size_t n = 0;
    for (size_t i = 0; i < ch_mech_count(); i++)
        if (mech_enabled(ch_mech_find(ch_mech_type_at(i))))
            n++;
    if (list == NULL) {
        *count = n;
        return CKR_OK;
    }
    if (*count < n) {
        *count = n;
        return CKR_BUFFER_TOO_SMALL;
    }
    size_t j = 0;
    for (size_t i = 0; i < ch_mech_count(); i++) {
        CK_MECHANISM_TYPE t = ch_mech_type_at(i);
        if (mech_enabled(ch_mech_find(t)))
            list[j++] = t;
    }
    *count = n;
    return CKR_OK;
}

CK_RV ch_tok_mechanism_info(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *out)
{
    CH_CHECK(slot < ch_tok_mod->nslots, CKR_SLOT_ID_INVALID);
    const struct ch_mech_desc *d = ch_mech_find(type);
    CH_CHECK(d != NULL && mech_enabled(d), CKR_MECHANISM_INVALID);
    ch_mech_info(d, out);
    return CKR_OK;
}

bool ch_tok_mech_allowed(const struct ch_mech_desc *d)
{
    return mech_enabled(d);
}

/* ---- token and PIN administration ---------------------------------------------------------- */

static CK_RV check_pin_len(size_t len)
{
    const struct ch_config *cfg = &ch_tok_mod->cfg;
    CH_CHECK(len >= cfg->min_pin_len && len <= cfg->max_pin_len, CKR_PIN_LEN_RANGE);
    return CKR_OK;
}

CK_RV ch_tok_init_token(CK_SLOT_ID slot, const uint8_t *pin, size_t pin_len,
                        const uint8_t label[32])
{
    struct ch_token *t = ch_tok_token(slot);
    CK_RV rv;
    CH_CHECK(t != NULL, CKR_SLOT_ID_INVALID);
    CH_CHECK(!ch_fips_in_error(), CKR_GENERAL_ERROR);
    CH_TRY(check_pin_len(pin_len));
    pthread_mutex_lock(&t->lock);
    if (t->sessions > 0) {
        rv = CKR_SESSION_EXISTS;
        goto out;
    }
    rv = ch_store_token_init(t->store, pin, pin_len, label);
    if (rv == CKR_OK) {
        ch_obj_drop_all(t);
        t->login = CH_LOGIN_NONE;
        CK_RV srv = ch_obj_sync(t, true);
        if (srv != CKR_OK)
            rv = srv;
    }
out:
    pthread_mutex_unlock(&t->lock);
    ch_tok_audit(t, CH_AUDIT_EV_TOKEN_INIT, CK_INVALID_HANDLE, CK_UNAVAILABLE_INFORMATION, 0, NULL, rv);
    return rv;
}

CK_RV ch_tok_init_pin(CK_SESSION_HANDLE h, const uint8_t *pin, size_t pin_len)
{
    struct ch_session *s;
    CK_RV rv;
    CH_TRY(ch_tok_session_get(h, &s));
    struct ch_token *t = s->tok;
    if (ch_tok_session_state(s) != CKS_RW_SO_FUNCTIONS) {
        rv = CKR_USER_NOT_LOGGED_IN;
        goto out;
    }
    CH_TRY_OUT(check_pin_len(pin_len));
    pthread_mutex_lock(&t->lock);
    rv = ch_store_init_user_pin(t->store, pin, pin_len);
    pthread_mutex_unlock(&t->lock);
out:
    ch_tok_audit(s->tok, CH_AUDIT_EV_PIN_INIT, h, CK_UNAVAILABLE_INFORMATION, 0, NULL, rv);
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_set_pin(CK_SESSION_HANDLE h, const uint8_t *old_pin, size_t old_len,
                     const uint8_t *new_pin, size_t new_len)
{
    struct ch_session *s;
    CK_RV rv;
    CH_TRY(ch_tok_session_get(h, &s));
    CK_STATE st = ch_tok_session_state(s);
    enum ch_store_user who = CH_STORE_USER;
    if (st == CKS_RW_SO_FUNCTIONS)
        who = CH_STORE_SO;
    else if (!(s->flags & CKF_RW_SESSION)) {
        rv = CKR_SESSION_READ_ONLY;
        goto out;
    }
    CH_TRY_OUT(check_pin_len(new_len));
    rv = ch_store_set_pin(s->tok->store, who, old_pin, old_len, new_pin, new_len);
out:
    ch_tok_audit(s->tok, CH_AUDIT_EV_PIN_CHANGE, h,
                 CK_UNAVAILABLE_INFORMATION, 0, NULL, rv);
    ch_tok_session_put(s);
    return rv;
}

/* ---- random ------------------------------------------------------------------------------- */

CK_RV ch_tok_seed_random(CK_SESSION_HANDLE h, const uint8_t *seed, size_t len)
{
    struct ch_session *s;
    CH_TRY(ch_tok_session_get(h, &s));
    CK_RV rv = ch_fips_in_error() ? CKR_GENERAL_ERROR : ch_drbg_seed(seed, len);
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_generate_random(CK_SESSION_HANDLE h, uint8_t *out, size_t len)
{
    struct ch_session *s;
    CH_TRY(ch_tok_session_get(h, &s));
    CK_RV rv = ch_fips_in_error() ? CKR_GENERAL_ERROR : ch_drbg_generate(out, len);
    ch_tok_session_put(s);
    return rv;
}
