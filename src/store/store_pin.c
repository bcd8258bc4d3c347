/* SPDX-License-Identifier: Apache-2.0 */
/* src/store: PINs — login with the failure counter written before the check, backoff and
 * locking (docs/STORAGE.md §7), C_InitToken, C_InitPIN, C_SetPIN. PBKDF2 always runs without
 * the store mutex. PINs are borrowed from the caller and never copied; TK copies and PIN keys
 * are wiped on every path. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "fips/fips.h"
#include "store/store_int.h"
#include "util/ch_ct.h"
#include "util/ch_secmem.h"
#include "util/ch_wipe.h"

/* What an attempt saw when it started, to check in its second half that the wrap is unchanged. */
struct attempt {
    struct ch_store_wrap wrap;
    char serial[CH_STORE_SERIAL_LEN + 1];
    uint64_t generation;
    uint64_t epoch;
    uint32_t prev_failures;
};

static uint32_t backoff_ms(const struct ch_store_config *cfg, uint32_t prev_failures)
{
    if (prev_failures == 0 || cfg->backoff_initial_ms == 0)
        return 0;
    uint64_t d = cfg->backoff_initial_ms;
    for (uint32_t i = 1; i < prev_failures && d < cfg->backoff_max_ms; i++)
        d *= 2;
    return d > cfg->backoff_max_ms ? cfg->backoff_max_ms : (uint32_t)d;
}

static void sleep_ms(uint32_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static CK_RV fail_set(struct ch_store *s, enum ch_store_user who, uint32_t failures, bool locked)
{
    sqlite3_stmt *st = ch_store_stmt(s, who == CH_STORE_SO ? CH_ST_FAIL_SET_SO
                                                            : CH_ST_FAIL_SET_USER);
    CH_CHECK(st != NULL, CKR_DEVICE_ERROR);
    int rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)failures);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(st, 2, locked ? 1 : 0);
    if (rc != SQLITE_OK) {
        (void)sqlite3_reset(st);
        return ch_store_sql_rv(rc);
    }
    return ch_store_step_done(st);
}

/* First half of an attempt, under the mutex, one committed transaction: the state checks, the
 * counter incremented (and the lock set if this is the last allowed attempt) *before* the PIN
 * is looked at, the wrap read. */
static CK_RV attempt_start(struct ch_store *s, enum ch_store_user who, struct attempt *a)
{
    struct ch_store_tok t;
    CK_RV rv;

    CH_TRY(ch_store_wtx_begin(s));
    CH_TRY_OUT(ch_store_tok_get(s, &t));
    CH_CHECK_OUT(t.initialized, CKR_TOKEN_NOT_RECOGNIZED);
    CH_CHECK_OUT(who == CH_STORE_SO || t.user_pin_initialized, CKR_USER_PIN_NOT_INITIALIZED);
    CH_CHECK_OUT(!t.locked[who], CKR_PIN_LOCKED);
    CH_TRY_OUT(ch_store_wrap_get(s, who, &a->wrap));
    a->prev_failures = t.failures[who];
    uint32_t now = t.failures[who] == UINT32_MAX ? UINT32_MAX : t.failures[who] + 1;
    bool lock = s->cfg.max_failed_logins != 0 && now >= s->cfg.max_failed_logins;
    CH_TRY_OUT(fail_set(s, who, now, lock));
    memcpy(a->serial, t.serial, sizeof(a->serial));
    a->generation = t.generation;
    a->epoch = t.epoch;
out:
    return ch_store_wtx_end(s, rv);
}

/* Second half after a correct PIN: reset the counter and lock, provided the wrap we opened is
 * still the current one. */
static CK_RV attempt_success(struct ch_store *s, enum ch_store_user who, const struct attempt *a)
{
    struct ch_store_tok t;
    struct ch_store_wrap cur;
    CK_RV rv;

    CH_TRY(ch_store_wtx_begin(s));
    CH_TRY_OUT(ch_store_tok_get(s, &t));
    rv = ch_store_wrap_get(s, who, &cur);
    if (rv == CKR_USER_PIN_NOT_INITIALIZED)
        rv = CKR_PIN_INCORRECT;
    CH_TRY_OUT(rv);
    /* Re-init or PIN change in between: what we verified is gone (not counted as a failure,
     * but the counter written by attempt_start stays: an attempt was made). */
    CH_CHECK_OUT(t.initialized && t.generation == a->generation && t.epoch == a->epoch &&
                     ch_ct_eq(cur.salt, a->wrap.salt, sizeof(cur.salt)),
                 CKR_PIN_INCORRECT);
    CH_TRY_OUT(fail_set(s, who, 0, false));
out:
    return ch_store_wtx_end(s, rv);
}

/* Verify `pin` for `who` (§7). On CKR_OK, tk holds TK and *a describes the verified state. */
static CK_RV pin_verify(struct ch_store *s, enum ch_store_user who, const uint8_t *pin,
                        size_t pin_len, uint8_t tk[CH_STORE_KEY_LEN], struct attempt *a)
{
    CK_RV rv;

    CH_CHECK(who == CH_STORE_SO || who == CH_STORE_USER, CKR_USER_TYPE_INVALID);
    CH_CHECK(pin != NULL || pin_len == 0, CKR_ARGUMENTS_BAD);
    ch_store_lock(s);
    rv = s->txn_open ? CKR_OPERATION_ACTIVE : attempt_start(s, who, a);
    ch_store_unlock(s);
    CH_TRY(rv);

    /* Outside the mutex: the delay and the expensive PBKDF2. */
    sleep_ms(backoff_ms(&s->cfg, a->prev_failures));
    rv = ch_store_unwrap_tk(pin, pin_len, a->serial, a->generation, who, &a->wrap, tk);
    if (rv != CKR_OK) {
        /* The failure is already on disk. Report the lock if this attempt caused it. */
        if (rv == CKR_PIN_INCORRECT && s->cfg.max_failed_logins != 0 &&
            a->prev_failures + 1 >= s->cfg.max_failed_logins)
            rv = CKR_PIN_LOCKED;
        return rv;
    }
    ch_store_lock(s);
    rv = attempt_success(s, who, a);
    ch_store_unlock(s);
    if (rv != CKR_OK)
        ch_wipe(tk, CH_STORE_KEY_LEN);
    return rv;
}

CK_RV ch_store_login(struct ch_store *s, enum ch_store_user who, const uint8_t *pin,
                     size_t pin_len, bool load_tk)
{
    struct ch_store_keys *keys = NULL;
    struct attempt a;
    CK_RV rv;

    CH_CHECK(s != NULL, CKR_ARGUMENTS_BAD);
    keys = ch_secmem_alloc(sizeof(*keys));
    CH_CHECK(keys != NULL, CKR_HOST_MEMORY);
    CH_TRY_OUT(pin_verify(s, who, pin, pin_len, keys->tk, &a));
    if (load_tk) {
        CH_TRY_OUT(ch_store_keys_derive(keys, a.serial, a.generation));
        ch_store_lock(s);
        ch_store_keys_drop(s);
        s->keys = keys;
        s->keys_gen = a.generation;
        s->keys_epoch = a.epoch;
        keys = NULL;
        ch_store_unlock(s);
    }
    rv = CKR_OK;
out:
    ch_secmem_free(keys); /* wipes */
    return rv;
}

static void serial_new(char out[CH_STORE_SERIAL_LEN + 1], const uint8_t rnd[8])
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < 8; i++) {
        out[2 * i] = hex[rnd[i] >> 4];
        out[2 * i + 1] = hex[rnd[i] & 15];
    }
    out[CH_STORE_SERIAL_LEN] = '\0';
}

static CK_RV empty_index(const struct ch_store_keys *keys, const char *serial, uint64_t gen,
                         uint8_t idx[24], uint8_t mac[CH_STORE_MAC_LEN])
{
    /* seq = 0 is fine: versions are max(write_seq, seq) + 1 and write_seq never decreases in
     * an honest database; next_id likewise. */
    memset(idx, 0, 24);
    return ch_store_index_mac(keys, serial, gen, idx, 24, mac);
}

/* The transaction of C_InitToken (§7): everything replaced at once. */
static CK_RV init_commit(struct ch_store *s, uint64_t old_gen, const char *serial,
                         const uint8_t label[32], const struct ch_store_wrap *w,
                         const struct ch_store_keys *keys)
{
    struct ch_store_tok t;
    uint8_t idx[24], mac[CH_STORE_MAC_LEN];
    sqlite3_stmt *st;
    CK_RV rv;

    CH_TRY(ch_store_wtx_begin(s));
    CH_TRY_OUT(ch_store_tok_get(s, &t));
    /* Another handle re-initialised the token since we verified the SO PIN. */
    CH_CHECK_OUT(t.generation == old_gen, CKR_FUNCTION_FAILED);
    CH_TRY_OUT(empty_index(keys, serial, old_gen + 1, idx, mac));
    CH_TRY_OUT(ch_store_exec(s, CH_ST_OBJ_DEL_ALL));
    CH_TRY_OUT(ch_store_exec(s, CH_ST_WRAP_DEL_ALL));
    CH_TRY_OUT(ch_store_wrap_put(s, CH_STORE_SO, w));
    st = ch_store_stmt(s, CH_ST_TOKEN_INIT);
    CH_CHECK_OUT(st != NULL, CKR_DEVICE_ERROR);
    int rc = ch_store_bind_blob(st, 1, label, 32);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 2, serial, CH_STORE_SERIAL_LEN, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 3, (sqlite3_int64)(old_gen + 1));
    if (rc == SQLITE_OK)
        rc = ch_store_bind_blob(st, 4, idx, sizeof(idx));
    if (rc == SQLITE_OK)
        rc = ch_store_bind_blob(st, 5, mac, sizeof(mac));
    CH_TRY_OUT(ch_store_sql_rv(rc));
    CH_TRY_OUT(ch_store_step_done(st));
out:
    rv = ch_store_wtx_end(s, rv);
    if (rv == CKR_OK)
        ch_store_keys_drop(s); /* the old TK is meaningless now */
    return rv;
}

CK_RV ch_store_token_init(struct ch_store *s, const uint8_t *so_pin, size_t pin_len,
                          const uint8_t label[32])
{
    struct ch_store_keys *keys = NULL;
    struct ch_store_tok t;
    struct ch_store_wrap w;
    struct attempt a;
    char serial[CH_STORE_SERIAL_LEN + 1];
    uint8_t rnd[8];
    CK_RV rv;

    CH_CHECK(s != NULL && label != NULL, CKR_ARGUMENTS_BAD);
    CH_CHECK(so_pin != NULL || pin_len == 0, CKR_ARGUMENTS_BAD);
    keys = ch_secmem_alloc(sizeof(*keys));
    CH_CHECK(keys != NULL, CKR_HOST_MEMORY);
    ch_store_lock(s);
    rv = s->txn_open ? CKR_OPERATION_ACTIVE : ch_store_tok_get(s, &t);
    ch_store_unlock(s);
    CH_TRY_OUT(rv);
    if (t.initialized) {
        /* Same counting, backoff and locking as a login; tk is discarded. */
        CH_TRY_OUT(pin_verify(s, CH_STORE_SO, so_pin, pin_len, keys->tk, &a));
        t.generation = a.generation;
        ch_wipe(keys->tk, sizeof(keys->tk));
    }
    if (t.serial[0] != '\0') {
        memcpy(serial, t.serial, sizeof(serial)); /* the serial outlives re-initialisation */
    } else {
        CH_TRY_OUT(ch_drbg_generate(rnd, sizeof(rnd)));
        serial_new(serial, rnd);
    }
    /* The new TK, its wrap under the SO PIN and its keys: all before taking the mutex. */
    CH_TRY_OUT(ch_drbg_generate(keys->tk, sizeof(keys->tk)));
    CH_TRY_OUT(ch_store_keys_derive(keys, serial, t.generation + 1));
    CH_TRY_OUT(ch_store_wrap_tk(so_pin, pin_len, s->cfg.pbkdf2_iterations, serial,
                                t.generation + 1, CH_STORE_SO, keys->tk, &w));
    ch_store_lock(s);
    rv = s->txn_open ? CKR_OPERATION_ACTIVE
                     : init_commit(s, t.generation, serial, label, &w, keys);
    ch_store_unlock(s);
out:
    ch_secmem_free(keys);
    return rv;
}

CK_RV ch_store_init_user_pin(struct ch_store *s, const uint8_t *pin, size_t pin_len)
{
    struct ch_store_keys *keys = NULL;
    struct ch_store_tok t;
    struct ch_store_wrap w;
    uint64_t gen = 0, epoch = 0;
    CK_RV rv;

    CH_CHECK(s != NULL && (pin != NULL || pin_len == 0), CKR_ARGUMENTS_BAD);
    keys = ch_secmem_alloc(sizeof(*keys));
    CH_CHECK(keys != NULL, CKR_HOST_MEMORY);
    /* Copy TK out under the mutex; wrap it without the mutex. */
    ch_store_lock(s);
    rv = s->txn_open ? CKR_OPERATION_ACTIVE : ch_store_tok_get(s, &t);
    if (rv == CKR_OK) {
        ch_store_keys_sync(s, &t);
        if (s->keys == NULL) {
            rv = CKR_USER_NOT_LOGGED_IN;
        } else {
            memcpy(keys->tk, s->keys->tk, sizeof(keys->tk));
            gen = s->keys_gen;
            epoch = s->keys_epoch;
        }
    }
    ch_store_unlock(s);
    CH_TRY_OUT(rv);
    CH_TRY_OUT(ch_store_wrap_tk(pin, pin_len, s->cfg.pbkdf2_iterations, t.serial, gen,
                                CH_STORE_USER, keys->tk, &w));
    ch_store_lock(s);
    rv = ch_store_wtx_begin(s);
    if (rv == CKR_OK) {
        rv = ch_store_tok_get(s, &t);
        if (rv == CKR_OK && (t.generation != gen || t.epoch != epoch || !t.initialized))
            rv = CKR_USER_NOT_LOGGED_IN; /* re-initialised meanwhile: our TK is stale */
        if (rv == CKR_OK)
            rv = ch_store_wrap_put(s, CH_STORE_USER, &w);
        if (rv == CKR_OK)
            rv = ch_store_exec(s, CH_ST_USER_PIN_SET);
        rv = ch_store_wtx_end(s, rv);
    }
    ch_store_unlock(s);
out:
    ch_wipe(&w, sizeof(w));
    ch_secmem_free(keys);
    return rv;
}

CK_RV ch_store_set_pin(struct ch_store *s, enum ch_store_user who, const uint8_t *old_pin,
                       size_t old_len, const uint8_t *new_pin, size_t new_len)
{
    struct ch_store_keys *keys = NULL;
    struct ch_store_wrap w, cur;
    struct ch_store_tok t;
    struct attempt a;
    CK_RV rv;

    CH_CHECK(s != NULL && (new_pin != NULL || new_len == 0), CKR_ARGUMENTS_BAD);
    keys = ch_secmem_alloc(sizeof(*keys));
    CH_CHECK(keys != NULL, CKR_HOST_MEMORY);
    CH_TRY_OUT(pin_verify(s, who, old_pin, old_len, keys->tk, &a));
    CH_TRY_OUT(ch_store_wrap_tk(new_pin, new_len, s->cfg.pbkdf2_iterations, a.serial,
                                a.generation, who, keys->tk, &w));
    ch_store_lock(s);
    rv = ch_store_wtx_begin(s);
    if (rv == CKR_OK) {
        rv = ch_store_tok_get(s, &t);
        if (rv == CKR_OK)
            rv = ch_store_wrap_get(s, who, &cur);
        /* Only replace the wrap we verified against (no concurrent change or re-init). */
        if (rv == CKR_OK && (t.generation != a.generation || t.epoch != a.epoch ||
                             !ch_ct_eq(cur.salt, a.wrap.salt, sizeof(cur.salt))))
            rv = CKR_PIN_INCORRECT;
        if (rv == CKR_OK)
            rv = ch_store_wrap_put(s, who, &w);
        if (rv == CKR_OK)
            rv = ch_store_exec(s, CH_ST_BUMP);
        rv = ch_store_wtx_end(s, rv);
    }
    ch_store_unlock(s);
out:
    ch_wipe(&w, sizeof(w));
    ch_secmem_free(keys);
    return rv;
}
