/* SPDX-License-Identifier: Apache-2.0 */
/* src/store: the store API of store.h — handles, token info, object records with the
 * authenticated index (docs/STORAGE.md §4-§6), change detection (§8), metadata, backup and
 * restore (§9). SQL lives in store_sqlite.c, cryptography in store_seal.c, PINs in
 * store_pin.c. Record plaintexts handed to callbacks sit in ch_secmem and are wiped after. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store_int.h"
#include "util/ch_ct.h"
#include "util/ch_secmem.h"
#include "util/ch_wipe.h"

/* ---- handle, locking, keys ------------------------------------------------------------------ */

void ch_store_lock(struct ch_store *s)
{
    (void)pthread_mutex_lock(&s->mu);
    /* A ch_store_begin transaction belongs to its thread: others wait for it to end. */
    while (s->txn_open && !pthread_equal(s->txn_owner, pthread_self()))
        (void)pthread_cond_wait(&s->cv, &s->mu);
}

void ch_store_unlock(struct ch_store *s)
{
    (void)pthread_mutex_unlock(&s->mu);
}

void ch_store_keys_drop(struct ch_store *s)
{
    ch_secmem_free(s->keys); /* wipes */
    s->keys = NULL;
    s->keys_gen = 0;
    s->keys_epoch = 0;
}

void ch_store_keys_sync(struct ch_store *s, const struct ch_store_tok *t)
{
    /* Another process re-initialised the token, or restored another image over it. */
    if (s->keys != NULL &&
        (!t->initialized || t->generation != s->keys_gen || t->epoch != s->keys_epoch))
        ch_store_keys_drop(s);
}

static CK_RV path_build(const char *dir, uint32_t slot_id, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/token-%u.db", dir, (unsigned)slot_id);
    CH_CHECK(n > 0, CKR_GENERAL_ERROR);
    CH_CHECK((size_t)n < cap, CKR_BUFFER_TOO_SMALL);
    return CKR_OK;
}

CK_RV ch_store_path(const struct ch_store_config *cfg, uint32_t slot_id, char *out, size_t cap)
{
    CH_CHECK(cfg != NULL && cfg->dir != NULL && out != NULL, CKR_ARGUMENTS_BAD);
    return path_build(cfg->dir, slot_id, out, cap);
}

/* Validate a configuration and fill in defaults. */
static CK_RV cfg_check(const struct ch_store_config *in, struct ch_store_config *out)
{
    CH_CHECK(in != NULL && in->dir != NULL && in->dir[0] != '\0', CKR_ARGUMENTS_BAD);
    *out = *in;
    if (out->pbkdf2_iterations == 0)
        out->pbkdf2_iterations = CH_STORE_PBKDF2_DEFAULT;
    CH_CHECK(out->pbkdf2_iterations >= CH_STORE_PBKDF2_MIN, CKR_ARGUMENTS_BAD);
    if (out->backoff_max_ms < out->backoff_initial_ms)
        out->backoff_max_ms = out->backoff_initial_ms;
    return CKR_OK;
}

/* The storage directory, created 0700 if missing (an existing one is left as it is). */
static CK_RV dir_make(const char *dir)
{
    if (mkdir(dir, 0700) == 0 || errno == EEXIST)
        return CKR_OK;
    return errno == EACCES || errno == EROFS ? CKR_TOKEN_WRITE_PROTECTED : CKR_DEVICE_ERROR;
}

static CK_RV path_alloc(const char *dir, uint32_t slot_id, char **out)
{
    size_t cap = strlen(dir) + 32;
    char *p = malloc(cap);
    CH_CHECK(p != NULL, CKR_HOST_MEMORY);
    CK_RV rv = path_build(dir, slot_id, p, cap);
    if (rv != CKR_OK) {
        free(p);
        return rv;
    }
    *out = p;
    return CKR_OK;
}

CK_RV ch_store_open(const struct ch_store_config *cfg, uint32_t slot_id, struct ch_store **out)
{
    struct ch_store *s = NULL;
    struct ch_store_config c;
    CK_RV rv;

    CH_CHECK(out != NULL, CKR_ARGUMENTS_BAD);
    *out = NULL;
    CH_TRY(cfg_check(cfg, &c));
    s = calloc(1, sizeof(*s));
    CH_CHECK(s != NULL, CKR_HOST_MEMORY);
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        free(s);
        return CKR_HOST_MEMORY;
    }
    if (pthread_cond_init(&s->cv, NULL) != 0) {
        (void)pthread_mutex_destroy(&s->mu);
        free(s);
        return CKR_HOST_MEMORY;
    }
    s->slot = slot_id;
    s->cfg = c;
    s->dir = strdup(c.dir);
    CH_CHECK_OUT(s->dir != NULL, CKR_HOST_MEMORY);
    s->cfg.dir = s->dir;
    CH_TRY_OUT(dir_make(s->dir));
    CH_TRY_OUT(path_alloc(s->dir, slot_id, &s->path));
    CH_TRY_OUT(ch_store_db_open(s->path, &s->db));
    *out = s;
    s = NULL;
    rv = CKR_OK;
out:
    ch_store_close(s);
    return rv;
}

void ch_store_close(struct ch_store *s)
{
    if (s == NULL)
        return;
    ch_store_keys_drop(s);
    ch_store_stmts_free(s);
    if (s->db != NULL && !sqlite3_get_autocommit(s->db))
        (void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    (void)sqlite3_close(s->db);
    (void)pthread_cond_destroy(&s->cv);
    (void)pthread_mutex_destroy(&s->mu);
    free(s->path);
    free(s->dir);
    free(s);
}

void ch_store_abandon(struct ch_store *s)
{
    if (s == NULL)
        return;
    ch_store_keys_drop(s);
    free(s->path);
    free(s->dir);
    free(s); /* s->db and its statements stay allocated: they belong to the parent's SQLite */
}

CK_RV ch_store_token_info(struct ch_store *s, struct ch_store_token_info *out)
{
    struct ch_store_tok t;

    CH_CHECK(s != NULL && out != NULL, CKR_ARGUMENTS_BAD);
    ch_store_lock(s);
    CK_RV rv = ch_store_tok_get(s, &t);
    if (rv == CKR_OK)
        ch_store_keys_sync(s, &t);
    ch_store_unlock(s);
    CH_TRY(rv);
    memset(out, 0, sizeof(*out));
    out->initialized = t.initialized;
    memcpy(out->label, t.label, sizeof(out->label));
    memcpy(out->serial, t.serial, sizeof(out->serial));
    out->user_pin_initialized = t.user_pin_initialized;
    out->user_failures = t.failures[CH_STORE_USER];
    out->so_failures = t.failures[CH_STORE_SO];
    out->user_locked = t.locked[CH_STORE_USER];
    out->so_locked = t.locked[CH_STORE_SO];
    out->user_pin_to_be_changed = t.to_be_changed[CH_STORE_USER];
    out->so_pin_to_be_changed = t.to_be_changed[CH_STORE_SO];
    out->generation = t.generation;
    return CKR_OK;
}

void ch_store_logout(struct ch_store *s)
{
    if (s == NULL)
        return;
    ch_store_lock(s);
    ch_store_keys_drop(s);
    ch_store_unlock(s);
}

bool ch_store_tk_loaded(const struct ch_store *s)
{
    struct ch_store *m = (struct ch_store *)s; /* the mutex is not part of the value */
    if (m == NULL)
        return false;
    struct ch_store_tok t;
    ch_store_lock(m);
    /* Re-check against the database: a re-init or restore elsewhere ends the login. */
    if (m->keys != NULL && ch_store_tok_get(m, &t) == CKR_OK)
        ch_store_keys_sync(m, &t);
    bool loaded = m->keys != NULL;
    ch_store_unlock(m);
    return loaded;
}

/* ---- the authenticated index (§6) --------------------------------------------------------- */

struct idx_ent {
    uint64_t id, version;
};

struct idx {
    uint64_t seq, next_id;
    size_t n, cap;
    struct idx_ent *e;
};

#define IDX_HDR 24

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static void set_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static void idx_free(struct idx *x)
{
    free(x->e);
    memset(x, 0, sizeof(*x));
}

/* Position of id, or of where it would be inserted; *found says which. */
static size_t idx_pos(const struct idx *x, uint64_t id, bool *found)
{
    size_t lo = 0, hi = x->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->e[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < x->n && x->e[lo].id == id;
    return lo;
}

static CK_RV idx_put(struct idx *x, uint64_t id, uint64_t version)
{
    bool found;
    size_t i = idx_pos(x, id, &found);
    if (found) {
        x->e[i].version = version;
        return CKR_OK;
    }
    if (x->n == x->cap) {
        size_t cap = x->cap == 0 ? 16 : x->cap * 2;
        CH_CHECK(cap < SIZE_MAX / sizeof(*x->e), CKR_HOST_MEMORY);
        struct idx_ent *e = realloc(x->e, cap * sizeof(*e));
        CH_CHECK(e != NULL, CKR_HOST_MEMORY);
        x->e = e;
        x->cap = cap;
    }
    memmove(&x->e[i + 1], &x->e[i], (x->n - i) * sizeof(*x->e));
    x->e[i].id = id;
    x->e[i].version = version;
    x->n++;
    return CKR_OK;
}

static void idx_del(struct idx *x, uint64_t id)
{
    bool found;
    size_t i = idx_pos(x, id, &found);
    if (!found)
        return;
    memmove(&x->e[i], &x->e[i + 1], (x->n - i - 1) * sizeof(*x->e));
    x->n--;
}

/* Load and verify the index. A missing or failing index with TK loaded means the token row was
 * tampered with: CKR_DEVICE_ERROR. */
static CK_RV idx_load(struct ch_store *s, const struct ch_store_tok *t, struct idx *x)
{
    sqlite3_stmt *st = ch_store_stmt(s, CH_ST_IDX_GET);
    uint8_t mac[CH_STORE_MAC_LEN];
    CK_RV rv;

    memset(x, 0, sizeof(*x));
    CH_CHECK(st != NULL, CKR_DEVICE_ERROR);
    int rc = sqlite3_step(st);
    CH_CHECK_OUT(rc == SQLITE_ROW, rc == SQLITE_DONE ? CKR_DEVICE_ERROR : ch_store_sql_rv(rc));
    const uint8_t *blob = sqlite3_column_blob(st, 0);
    size_t len = (size_t)sqlite3_column_bytes(st, 0);
    const uint8_t *tag = sqlite3_column_blob(st, 1);
    CH_CHECK_OUT(blob != NULL && tag != NULL &&
                     (size_t)sqlite3_column_bytes(st, 1) == CH_STORE_MAC_LEN,
                 CKR_DEVICE_ERROR);
    CH_CHECK_OUT(len >= IDX_HDR && (len - IDX_HDR) % 16 == 0, CKR_DEVICE_ERROR);
    CH_TRY_OUT(ch_store_index_mac(s->keys, t->serial, t->generation, blob, len, mac));
    CH_CHECK_OUT(ch_ct_eq(mac, tag, sizeof(mac)), CKR_DEVICE_ERROR);
    size_t n = (len - IDX_HDR) / 16;
    CH_CHECK_OUT(get_u64(blob + 16) == n, CKR_DEVICE_ERROR);
    x->seq = get_u64(blob);
    x->next_id = get_u64(blob + 8);
    if (n != 0) {
        x->e = calloc(n, sizeof(*x->e));
        CH_CHECK_OUT(x->e != NULL, CKR_HOST_MEMORY);
    }
    x->cap = n;
    for (size_t i = 0; i < n; i++) {
        x->e[i].id = get_u64(blob + IDX_HDR + 16 * i);
        x->e[i].version = get_u64(blob + IDX_HDR + 16 * i + 8);
        CH_CHECK_OUT(i == 0 || x->e[i].id > x->e[i - 1].id, CKR_DEVICE_ERROR);
        x->n = i + 1;
    }
    rv = CKR_OK;
out:
    (void)sqlite3_reset(st);
    if (rv != CKR_OK)
        idx_free(x);
    return rv;
}

/* Write next_id, write_seq, and (with TK) the re-MAC'd index; bumps change_counter. */
static CK_RV counters_save(struct ch_store *s, const struct ch_store_tok *t, struct idx *x,
                           uint64_t next_id, uint64_t write_seq)
{
    sqlite3_stmt *st = ch_store_stmt(s, CH_ST_COUNTERS_SET);
    uint8_t mac[CH_STORE_MAC_LEN];
    uint8_t *blob = NULL;
    size_t len = 0;
    CK_RV rv;
    int rc;

    CH_CHECK(st != NULL, CKR_DEVICE_ERROR);
    rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)next_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, (sqlite3_int64)write_seq);
    CH_TRY_OUT(ch_store_sql_rv(rc));
    if (x != NULL) {
        x->seq = write_seq;
        x->next_id = next_id;
        CH_CHECK_OUT(x->n <= (SIZE_MAX - IDX_HDR) / 16, CKR_HOST_MEMORY);
        len = IDX_HDR + 16 * x->n;
        blob = malloc(len);
        CH_CHECK_OUT(blob != NULL, CKR_HOST_MEMORY);
        set_u64(blob, x->seq);
        set_u64(blob + 8, x->next_id);
        set_u64(blob + 16, x->n);
        for (size_t i = 0; i < x->n; i++) {
            set_u64(blob + IDX_HDR + 16 * i, x->e[i].id);
            set_u64(blob + IDX_HDR + 16 * i + 8, x->e[i].version);
        }
        CH_TRY_OUT(ch_store_index_mac(s->keys, t->serial, t->generation, blob, len, mac));
        rc = ch_store_bind_blob(st, 3, blob, len);
        if (rc == SQLITE_OK)
            rc = ch_store_bind_blob(st, 4, mac, sizeof(mac));
        CH_TRY_OUT(ch_store_sql_rv(rc));
    }
    rv = ch_store_step_done(st);
out:
    (void)sqlite3_reset(st);
    free(blob);
    return rv;
}

/* ---- writing records ---------------------------------------------------------------------- */

struct obj_in {
    bool is_private;
    const uint8_t *clear;
    size_t clear_len;
    const uint8_t *secret;
    size_t secret_len;
};

/* Does the record exist, and was it written with TK (has a MAC)? */
static CK_RV obj_head(struct ch_store *s, uint64_t id, bool *has_mac)
{
    sqlite3_stmt *st = ch_store_stmt(s, CH_ST_OBJ_GET);
    CH_CHECK(st != NULL, CKR_DEVICE_ERROR);
    CK_RV rv = ch_store_sql_rv(sqlite3_bind_int64(st, 1, (sqlite3_int64)id));
    if (rv == CKR_OK) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            *has_mac = sqlite3_column_type(st, 5) != SQLITE_NULL;
        else
            rv = rc == SQLITE_DONE ? CKR_OBJECT_HANDLE_INVALID : ch_store_sql_rv(rc);
    }
    (void)sqlite3_reset(st);
    return rv;
}

static CK_RV row_write(struct ch_store *s, bool create, uint64_t id, uint64_t version,
                       uint32_t flags, const struct obj_in *in, const uint8_t *sealed,
                       size_t sealed_len, const uint8_t *mac)
{
    sqlite3_stmt *st = ch_store_stmt(s, create ? CH_ST_OBJ_INSERT : CH_ST_OBJ_UPDATE);
    CH_CHECK(st != NULL, CKR_DEVICE_ERROR);
    int rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 3, (sqlite3_int64)flags);
    if (rc == SQLITE_OK)
        rc = ch_store_bind_blob(st, 4, in->clear, in->clear_len);
    if (rc == SQLITE_OK && sealed != NULL)
        rc = ch_store_bind_blob(st, 5, sealed, sealed_len);
    if (rc == SQLITE_OK && mac != NULL)
        rc = ch_store_bind_blob(st, 6, mac, CH_STORE_MAC_LEN);
    if (rc != SQLITE_OK) {
        (void)sqlite3_reset(st);
        return ch_store_sql_rv(rc);
    }
    return ch_store_step_done(st);
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* Create (create = true, *id assigned) or update record *id. Mutex held, in a write
 * transaction. */
static CK_RV obj_write(struct ch_store *s, bool create, uint64_t *id, const struct obj_in *in)
{
    struct ch_store_tok t;
    struct idx x = {0};
    uint8_t mac[CH_STORE_MAC_LEN];
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    bool has_mac = false;
    bool need_tk = in->is_private || in->secret_len != 0;
    uint32_t flags = (in->is_private ? CH_STORE_FLAG_PRIVATE : 0) |
                     (need_tk ? CH_STORE_FLAG_SEALED : 0);
    uint64_t next_id, version;
    CK_RV rv;

    CH_TRY_OUT(ch_store_tok_get(s, &t));
    CH_CHECK_OUT(t.initialized, CKR_TOKEN_NOT_RECOGNIZED);
    ch_store_keys_sync(s, &t);
    CH_CHECK_OUT(!need_tk || s->keys != NULL, CKR_USER_NOT_LOGGED_IN);
    if (!create) {
        CH_TRY_OUT(obj_head(s, *id, &has_mac));
        /* An authenticated record changes only with TK (§4): keeps the index exact. */
        CH_CHECK_OUT(!has_mac || s->keys != NULL, CKR_USER_NOT_LOGGED_IN);
    }
    next_id = t.next_id;
    version = t.write_seq;
    if (s->keys != NULL) {
        CH_TRY_OUT(idx_load(s, &t, &x));
        next_id = max_u64(next_id, x.next_id);
        version = max_u64(version, x.seq);
    }
    CH_CHECK_OUT(next_id < INT64_MAX && version < INT64_MAX - 1, CKR_DEVICE_MEMORY);
    version++;
    if (create) {
        *id = next_id == 0 ? 1 : next_id;
        next_id = *id + 1;
    }
    if (need_tk) {
        sealed_len = in->secret_len + CH_STORE_SEAL_OVERHEAD;
        sealed = malloc(sealed_len);
        CH_CHECK_OUT(sealed != NULL, CKR_HOST_MEMORY);
        CH_TRY_OUT(ch_store_seal(s->keys, t.serial, t.generation, *id, version, in->secret,
                                 in->secret_len, sealed));
    }
    if (s->keys != NULL)
        CH_TRY_OUT(ch_store_record_mac(s->keys, t.serial, t.generation, *id, version, flags,
                                       in->clear, in->clear_len, sealed, sealed_len, mac));
    CH_TRY_OUT(row_write(s, create, *id, version, flags, in, sealed, sealed_len,
                         s->keys != NULL ? mac : NULL));
    if (s->keys != NULL)
        CH_TRY_OUT(idx_put(&x, *id, version));
    CH_TRY_OUT(counters_save(s, &t, s->keys != NULL ? &x : NULL, next_id, version));
    s->last_version = version;
out:
    free(sealed);
    idx_free(&x);
    return rv;
}

uint64_t ch_store_last_version(struct ch_store *s)
{
    ch_store_lock(s);
    uint64_t v = s->last_version;
    ch_store_unlock(s);
    return v;
}

static CK_RV obj_in_check(const struct obj_in *in)
{
    CH_CHECK(in->clear != NULL || in->clear_len == 0, CKR_ARGUMENTS_BAD);
    CH_CHECK(in->secret != NULL || in->secret_len == 0, CKR_ARGUMENTS_BAD);
    CH_CHECK(!in->is_private || in->clear_len == 0, CKR_ARGUMENTS_BAD);
    CH_CHECK(in->clear_len <= CH_STORE_MAX_BLOB &&
                 in->secret_len <= CH_STORE_MAX_BLOB - CH_STORE_SEAL_OVERHEAD,
             CKR_DEVICE_MEMORY);
    return CKR_OK;
}

CK_RV ch_store_obj_create(struct ch_store *s, bool is_private, const uint8_t *clear,
                          size_t clear_len, const uint8_t *secret, size_t secret_len,
                          uint64_t *id_out)
{
    struct obj_in in = {is_private, clear, clear_len, secret, secret_len};
    uint64_t id = 0;

    CH_CHECK(s != NULL && id_out != NULL, CKR_ARGUMENTS_BAD);
    CH_TRY(obj_in_check(&in));
    ch_store_lock(s);
    CK_RV rv = ch_store_wtx_begin(s);
    if (rv == CKR_OK)
        rv = ch_store_wtx_end(s, obj_write(s, true, &id, &in));
    ch_store_unlock(s);
    if (rv == CKR_OK)
        *id_out = id;
    return rv;
}

CK_RV ch_store_obj_update(struct ch_store *s, uint64_t id, bool is_private, const uint8_t *clear,
                          size_t clear_len, const uint8_t *secret, size_t secret_len)
{
    struct obj_in in = {is_private, clear, clear_len, secret, secret_len};

    CH_CHECK(s != NULL, CKR_ARGUMENTS_BAD);
    CH_CHECK(id != 0 && id < INT64_MAX, CKR_OBJECT_HANDLE_INVALID);
    CH_TRY(obj_in_check(&in));
    ch_store_lock(s);
    CK_RV rv = ch_store_wtx_begin(s);
    if (rv == CKR_OK)
        rv = ch_store_wtx_end(s, obj_write(s, false, &id, &in));
    ch_store_unlock(s);
    return rv;
}

static CK_RV obj_delete(struct ch_store *s, uint64_t id)
{
    struct ch_store_tok t;
    struct idx x = {0};
    bool has_mac = false;
    CK_RV rv;

    CH_TRY_OUT(ch_store_tok_get(s, &t));
    ch_store_keys_sync(s, &t);
    CH_TRY_OUT(obj_head(s, id, &has_mac));
    CH_CHECK_OUT(!has_mac || s->keys != NULL, CKR_USER_NOT_LOGGED_IN);
    if (s->keys != NULL) {
        CH_TRY_OUT(idx_load(s, &t, &x));
        idx_del(&x, id);
    }
    sqlite3_stmt *st = ch_store_stmt(s, CH_ST_OBJ_DELETE);
    CH_CHECK_OUT(st != NULL, CKR_DEVICE_ERROR);
    CH_TRY_OUT(ch_store_sql_rv(sqlite3_bind_int64(st, 1, (sqlite3_int64)id)));
    CH_TRY_OUT(ch_store_step_done(st));
    CH_TRY_OUT(counters_save(s, &t, s->keys != NULL ? &x : NULL,
                             max_u64(t.next_id, x.next_id), max_u64(t.write_seq, x.seq)));
out:
    idx_free(&x);
    return rv;
}

CK_RV ch_store_obj_delete(struct ch_store *s, uint64_t id)
{
    CH_CHECK(s != NULL, CKR_ARGUMENTS_BAD);
    CH_CHECK(id != 0 && id < INT64_MAX, CKR_OBJECT_HANDLE_INVALID);
    ch_store_lock(s);
    CK_RV rv = ch_store_wtx_begin(s);
    if (rv == CKR_OK)
        rv = ch_store_wtx_end(s, obj_delete(s, id));
    ch_store_unlock(s);
    return rv;
}

/* ---- reading records (§5) ------------------------------------------------------------------ */

struct walk {
    struct ch_store *s;
    struct ch_store_tok t;
    bool have_idx;
    struct idx x;
    bool *seen; /* one per index entry */
    size_t tampered;
    uint8_t *plain; /* ch_secmem scratch for opened secret parts, reused; wiped after each */
    size_t plain_cap;
};

/* A scratch buffer of at least n bytes in locked memory (one mapping per walk, not per
 * record). */
static uint8_t *walk_plain(struct walk *w, size_t n)
{
    if (w->plain == NULL || w->plain_cap < n) {
        ch_secmem_free(w->plain);
        w->plain_cap = n < 4096 ? 4096 : n;
        w->plain = ch_secmem_alloc(w->plain_cap);
        if (w->plain == NULL)
            w->plain_cap = 0;
    }
    return w->plain;
}

/* Check one row (statement positioned on it) and hand it to cb. Tampered rows are counted and
 * skipped (*skipped = true). Returns the callback's code or an error. */
static CK_RV deliver(struct walk *w, sqlite3_stmt *st, ch_store_obj_cb cb, void *arg,
                     bool *skipped)
{
    struct ch_store_record rec = {0};
    uint8_t *plain = NULL;
    uint8_t mac[CH_STORE_MAC_LEN];
    const struct ch_store_keys *keys = w->have_idx ? w->s->keys : NULL;
    CK_RV rv = CKR_OK;
    bool bad = true;

    *skipped = false;
    int64_t id = sqlite3_column_int64(st, 0), version = sqlite3_column_int64(st, 1);
    int64_t flags = sqlite3_column_int64(st, 2);
    bool has_sealed = sqlite3_column_type(st, 4) != SQLITE_NULL;
    bool has_mac = sqlite3_column_type(st, 5) != SQLITE_NULL;
    const uint8_t *clear = sqlite3_column_blob(st, 3);
    size_t clear_len = (size_t)sqlite3_column_bytes(st, 3);
    const uint8_t *sealed = sqlite3_column_blob(st, 4);
    size_t sealed_len = (size_t)sqlite3_column_bytes(st, 4);
    const uint8_t *tag = sqlite3_column_blob(st, 5);

    rec.id = (uint64_t)id;
    rec.version = (uint64_t)version;
    rec.is_private = (flags & CH_STORE_FLAG_PRIVATE) != 0;
    rec.clear = clear_len != 0 ? clear : (const uint8_t *)"";
    rec.clear_len = clear_len;
    rec.secret_present = has_sealed;
    /* Structure first: what no honest writer produces (checkable with or without TK). */
    if (id <= 0 || version <= 0 || (flags & ~(int64_t)3) != 0 ||
        sqlite3_column_type(st, 3) == SQLITE_NULL ||
        has_sealed != ((flags & CH_STORE_FLAG_SEALED) != 0) ||
        (rec.is_private && (clear_len != 0 || !has_sealed)) ||
        (has_sealed && (sealed == NULL || sealed_len < CH_STORE_SEAL_OVERHEAD)))
        goto out;
    if (keys != NULL) {
        bool in_idx;
        size_t pos = idx_pos(&w->x, rec.id, &in_idx);
        if (in_idx)
            w->seen[pos] = true;
        if (!has_mac) {
            /* Only public, unsealed, never-authenticated records may lack a MAC. */
            if (rec.is_private || has_sealed || in_idx)
                goto out;
        } else {
            if (tag == NULL || (size_t)sqlite3_column_bytes(st, 5) != CH_STORE_MAC_LEN)
                goto out;
            CH_TRY_OUT(ch_store_record_mac(keys, w->t.serial, w->t.generation, rec.id,
                                           rec.version, (uint32_t)flags, clear, clear_len,
                                           has_sealed ? sealed : NULL, sealed_len, mac));
            /* Rollback/replay: the MAC is right but the index names another version. */
            if (!ch_ct_eq(mac, tag, sizeof(mac)) || !in_idx ||
                w->x.e[pos].version != rec.version)
                goto out;
            if (has_sealed) {
                rec.secret_len = sealed_len - CH_STORE_SEAL_OVERHEAD;
                plain = walk_plain(w, rec.secret_len);
                CH_CHECK_OUT(plain != NULL, CKR_HOST_MEMORY);
                if (ch_store_unseal(keys, w->t.serial, w->t.generation, rec.id, rec.version,
                                    sealed, sealed_len, plain) != CKR_OK)
                    goto out;
                rec.secret = plain;
            }
            rec.authenticated = true;
        }
    }
    bad = false;
    rv = cb(arg, &rec);
out:
    if (plain != NULL)
        ch_wipe(plain, rec.secret_len);
    if (bad && rv == CKR_OK) {
        *skipped = true;
        w->tampered++;
    }
    return rv;
}

/* Start a walk: read transaction, token row, index (with TK). */
static CK_RV walk_start(struct ch_store *s, struct walk *w)
{
    CK_RV rv;

    memset(w, 0, sizeof(*w));
    w->s = s;
    CH_TRY(ch_store_rtx_begin(s));
    CH_TRY_OUT(ch_store_tok_get(s, &w->t));
    ch_store_keys_sync(s, &w->t);
    if (s->keys != NULL) {
        CH_TRY_OUT(idx_load(s, &w->t, &w->x));
        w->have_idx = true;
        w->seen = calloc(w->x.n + 1, sizeof(bool));
        CH_CHECK_OUT(w->seen != NULL, CKR_HOST_MEMORY);
    }
    rv = CKR_OK;
out:
    if (rv != CKR_OK) {
        idx_free(&w->x);
        ch_store_rtx_end(s);
    }
    return rv;
}

static void walk_end(struct walk *w)
{
    ch_secmem_free(w->plain);
    idx_free(&w->x);
    free(w->seen);
    ch_store_rtx_end(w->s);
}

CK_RV ch_store_obj_foreach(struct ch_store *s, ch_store_obj_cb cb, void *arg, size_t *tampered)
{
    struct walk w;
    sqlite3_stmt *st;
    CK_RV rv;
    bool skipped;
    int rc = SQLITE_DONE;

    CH_CHECK(s != NULL && cb != NULL, CKR_ARGUMENTS_BAD);
    ch_store_lock(s);
    CH_TRY_OUT(walk_start(s, &w));
    st = ch_store_stmt(s, CH_ST_OBJ_ALL);
    if (st == NULL)
        rv = CKR_DEVICE_ERROR;
    while (rv == CKR_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        rv = deliver(&w, st, cb, arg, &skipped);
    if (rv == CKR_OK && rc != SQLITE_DONE)
        rv = ch_store_sql_rv(rc) == CKR_OK ? CKR_DEVICE_ERROR : ch_store_sql_rv(rc);
    if (st != NULL)
        (void)sqlite3_reset(st);
    /* Authenticated records that vanished behind our back (§5). */
    if (rv == CKR_OK && w.have_idx)
        for (size_t i = 0; i < w.x.n; i++)
            w.tampered += w.seen[i] ? 0 : 1;
    if (tampered != NULL && rv == CKR_OK)
        *tampered = w.tampered;
    walk_end(&w);
out:
    ch_store_unlock(s);
    return rv;
}

CK_RV ch_store_obj_get(struct ch_store *s, uint64_t id, ch_store_obj_cb cb, void *arg)
{
    struct walk w;
    sqlite3_stmt *st;
    bool skipped = false;
    CK_RV rv;

    CH_CHECK(s != NULL && cb != NULL, CKR_ARGUMENTS_BAD);
    CH_CHECK(id != 0 && id < INT64_MAX, CKR_OBJECT_HANDLE_INVALID);
    ch_store_lock(s);
    CH_TRY_OUT(walk_start(s, &w));
    st = ch_store_stmt(s, CH_ST_OBJ_GET);
    rv = st == NULL ? CKR_DEVICE_ERROR
                    : ch_store_sql_rv(sqlite3_bind_int64(st, 1, (sqlite3_int64)id));
    if (rv == CKR_OK) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            rv = deliver(&w, st, cb, arg, &skipped);
        else
            rv = rc == SQLITE_DONE ? CKR_OBJECT_HANDLE_INVALID : ch_store_sql_rv(rc);
        (void)sqlite3_reset(st);
    }
    if (rv == CKR_OK && skipped)
        rv = CKR_DEVICE_ERROR; /* the record fails authentication */
    walk_end(&w);
out:
    ch_store_unlock(s);
    return rv;
}

/* ---- change detection, transactions, metadata ------------------------------------------------ */

CK_RV ch_store_changed(struct ch_store *s, bool *changed)
{
    CH_CHECK(s != NULL && changed != NULL, CKR_ARGUMENTS_BAD);
    struct ch_store_tok t;
    ch_store_lock(s);
    CK_RV rv = ch_store_tok_get(s, &t); /* one row: cheap */
    if (rv == CKR_OK) {
        ch_store_keys_sync(s, &t);
        *changed = !s->seen_valid || t.change_counter != s->seen_counter;
        s->seen_counter = t.change_counter;
        s->seen_valid = true;
    }
    ch_store_unlock(s);
    return rv;
}

CK_RV ch_store_begin(struct ch_store *s)
{
    CH_CHECK(s != NULL, CKR_ARGUMENTS_BAD);
    ch_store_lock(s);
    CK_RV rv = CKR_OPERATION_ACTIVE; /* nested */
    if (!s->txn_open) {
        rv = ch_store_wtx_begin(s);
        if (rv == CKR_OK) {
            s->txn_open = true;
            s->txn_owner = pthread_self();
        }
    }
    ch_store_unlock(s);
    return rv;
}

static void txn_finish(struct ch_store *s)
{
    s->txn_open = false;
    (void)pthread_cond_broadcast(&s->cv);
}

CK_RV ch_store_commit(struct ch_store *s)
{
    CH_CHECK(s != NULL, CKR_ARGUMENTS_BAD);
    ch_store_lock(s);
    CK_RV rv = CKR_OPERATION_NOT_INITIALIZED;
    if (s->txn_open) {
        s->txn_open = false; /* so wtx_end commits for real */
        rv = ch_store_wtx_end(s, CKR_OK);
        txn_finish(s);
    }
    ch_store_unlock(s);
    return rv;
}

void ch_store_rollback(struct ch_store *s)
{
    if (s == NULL)
        return;
    ch_store_lock(s);
    if (s->txn_open) {
        s->txn_open = false;
        CK_RV ignored = ch_store_wtx_end(s, CKR_FUNCTION_FAILED); /* rolls back */
        (void)ignored;
        txn_finish(s);
    }
    ch_store_unlock(s);
}

CK_RV ch_store_meta_put(struct ch_store *s, const char *key, const uint8_t *val, size_t len)
{
    CH_CHECK(s != NULL && key != NULL && (val != NULL || len == 0), CKR_ARGUMENTS_BAD);
    CH_CHECK(len <= CH_STORE_MAX_BLOB, CKR_DEVICE_MEMORY);
    ch_store_lock(s);
    CK_RV rv = ch_store_wtx_begin(s);
    if (rv == CKR_OK) {
        sqlite3_stmt *st = ch_store_stmt(s, CH_ST_META_PUT);
        CK_RV r = st == NULL ? CKR_DEVICE_ERROR
                             : ch_store_sql_rv(sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC));
        if (r == CKR_OK)
            r = ch_store_sql_rv(ch_store_bind_blob(st, 2, val, len));
        if (r == CKR_OK)
            r = ch_store_step_done(st);
        else if (st != NULL)
            (void)sqlite3_reset(st);
        rv = ch_store_wtx_end(s, r);
    }
    ch_store_unlock(s);
    return rv;
}

CK_RV ch_store_meta_get(struct ch_store *s, const char *key, uint8_t **val, size_t *len)
{
    CH_CHECK(s != NULL && key != NULL && val != NULL && len != NULL, CKR_ARGUMENTS_BAD);
    *val = NULL;
    *len = 0;
    ch_store_lock(s);
    sqlite3_stmt *st = ch_store_stmt(s, CH_ST_META_GET);
    CK_RV rv = st == NULL ? CKR_DEVICE_ERROR
                          : ch_store_sql_rv(sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC));
    if (rv == CKR_OK) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            size_t n = (size_t)sqlite3_column_bytes(st, 0);
            uint8_t *p = malloc(n == 0 ? 1 : n);
            if (p == NULL) {
                rv = CKR_HOST_MEMORY;
            } else {
                if (n != 0)
                    memcpy(p, sqlite3_column_blob(st, 0), n);
                *val = p;
                *len = n;
            }
        } else if (rc != SQLITE_DONE) {
            rv = ch_store_sql_rv(rc) == CKR_OK ? CKR_DEVICE_ERROR : ch_store_sql_rv(rc);
        }
    }
    if (st != NULL)
        (void)sqlite3_reset(st);
    ch_store_unlock(s);
    return rv;
}

/* ---- backup and restore (§9) ---------------------------------------------------------------- */

CK_RV ch_store_snapshot(struct ch_store *s, uint8_t **buf, size_t *len)
{
    sqlite3_int64 n = 0;
    CK_RV rv = CKR_OK;

    CH_CHECK(s != NULL && buf != NULL && len != NULL, CKR_ARGUMENTS_BAD);
    *buf = NULL;
    *len = 0;
    ch_store_lock(s);
    if (s->txn_open) {
        rv = CKR_OPERATION_ACTIVE; /* the image would hold uncommitted changes */
    } else {
        /* One statement over the database pages: a consistent read snapshot. */
        unsigned char *img = sqlite3_serialize(s->db, "main", &n, 0);
        if (img == NULL || n <= 0) {
            rv = CKR_DEVICE_ERROR;
        } else {
            *buf = malloc((size_t)n);
            if (*buf == NULL)
                rv = CKR_HOST_MEMORY;
            else {
                memcpy(*buf, img, (size_t)n);
                *len = (size_t)n;
            }
        }
        sqlite3_free(img);
    }
    ch_store_unlock(s);
    return rv;
}

static CK_RV q_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int64(st, 0);
            rc = SQLITE_OK;
        } else {
            rc = SQLITE_CORRUPT;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? CKR_OK : CKR_ARGUMENTS_BAD;
}

/* Open the image in a private in-memory database and check it is one of ours (§9). */
static CK_RV image_open(const uint8_t *buf, size_t len, sqlite3 **out)
{
    static const char magic[16] = "SQLite format 3";
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    unsigned char *copy = NULL;
    int64_t v = 0;
    CK_RV rv;

    CH_CHECK(len >= 512 && ch_ct_eq(buf, magic, sizeof(magic)), CKR_ARGUMENTS_BAD);
    CH_CHECK_OUT(sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK,
                 CKR_HOST_MEMORY);
    copy = sqlite3_malloc64(len);
    CH_CHECK_OUT(copy != NULL, CKR_HOST_MEMORY);
    memcpy(copy, buf, len);
    /* Header bytes 18-19 say WAL (2); an in-memory database cannot use WAL, so read it as a
     * rollback-journal image (1). The backup API sets them back for the WAL destination. */
    if (copy[18] == 2 && copy[19] == 2)
        copy[18] = copy[19] = 1;
    int rc = sqlite3_deserialize(db, "main", copy, (sqlite3_int64)len, (sqlite3_int64)len,
                                 SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY);
    copy = NULL; /* owned by SQLite now, even on failure */
    CH_CHECK_OUT(rc == SQLITE_OK, CKR_ARGUMENTS_BAD);
    rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL);
    CH_CHECK_OUT(rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW, CKR_ARGUMENTS_BAD);
    const unsigned char *res = sqlite3_column_text(st, 0);
    CH_CHECK_OUT(res != NULL && strcmp((const char *)res, "ok") == 0, CKR_ARGUMENTS_BAD);
    CH_TRY_OUT(q_int(db, "PRAGMA application_id", &v));
    CH_CHECK_OUT(v == CH_STORE_APP_ID, CKR_ARGUMENTS_BAD);
    CH_TRY_OUT(q_int(db, "PRAGMA user_version", &v));
    CH_CHECK_OUT(v >= 1 && v <= CH_STORE_SCHEMA_VERSION, CKR_ARGUMENTS_BAD);
    CH_TRY_OUT(q_int(db, "SELECT count(*) FROM token WHERE id = 1", &v));
    CH_CHECK_OUT(v == 1, CKR_ARGUMENTS_BAD);
    CH_TRY_OUT(q_int(db, "SELECT count(*) FROM object", &v));
    CH_TRY_OUT(q_int(db, "SELECT count(*) FROM pin_wrap", &v));
    *out = db;
    db = NULL;
    rv = CKR_OK;
out:
    sqlite3_finalize(st);
    sqlite3_free(copy);
    sqlite3_close(db);
    return rv;
}

CK_RV ch_store_restore(const struct ch_store_config *cfg, uint32_t slot_id, const uint8_t *buf,
                       size_t len)
{
    struct ch_store_config c;
    sqlite3 *img = NULL, *dst = NULL;
    sqlite3_backup *bk = NULL;
    char *path = NULL;
    int64_t old_counter = 0;
    CK_RV rv;

    CH_CHECK(buf != NULL, CKR_ARGUMENTS_BAD);
    CH_TRY(cfg_check(cfg, &c));
    CH_TRY(image_open(buf, len, &img));
    CH_TRY_OUT(dir_make(c.dir));
    CH_TRY_OUT(path_alloc(c.dir, slot_id, &path));
    CH_TRY_OUT(ch_store_db_open(path, &dst));
    CH_CHECK_OUT(q_int(dst, "SELECT change_counter FROM token WHERE id = 1", &old_counter) ==
                     CKR_OK,
                 CKR_DEVICE_ERROR);
    /* One write transaction on the live database: every reader sees old or new (§9). */
    bk = sqlite3_backup_init(dst, "main", img, "main");
    CH_CHECK_OUT(bk != NULL, CKR_DEVICE_ERROR);
    int rc = sqlite3_backup_step(bk, -1);
    int rc2 = sqlite3_backup_finish(bk);
    CH_CHECK_OUT(rc == SQLITE_DONE && rc2 == SQLITE_OK, CKR_DEVICE_ERROR);
    sqlite3_close(dst);
    dst = NULL;
    /* Reopen: migrates an older image's schema; then make every open handle notice. */
    CH_TRY_OUT(ch_store_db_open(path, &dst));
    char sql[128];
    (void)snprintf(sql, sizeof(sql),
                   "UPDATE token SET change_counter = max(change_counter, %lld) + 1,"
                   " epoch = abs(random() / 2) WHERE id = 1",
                   (long long)old_counter);
    CH_TRY_OUT(ch_store_sql_rv(sqlite3_exec(dst, sql, NULL, NULL, NULL)));
    rv = CKR_OK;
out:
    sqlite3_close(dst);
    sqlite3_close(img);
    free(path);
    return rv;
}
