/* SPDX-License-Identifier: Apache-2.0 */
/* src/store: the SQLite side of the token store. Connection set-up (PRAGMAs of
 * docs/STORAGE.md §1), schema creation and migrations (§2), the per-connection statement cache,
 * transactions and the one SQLite->CK_RV mapping. No cryptography and no policy here. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_int.h"

static const char *const stmt_sql[CH_ST_COUNT_] = {
    [CH_ST_BEGIN_IMM] = "BEGIN IMMEDIATE",
    [CH_ST_COMMIT] = "COMMIT",
    [CH_ST_ROLLBACK] = "ROLLBACK",
    [CH_ST_SP_W] = "SAVEPOINT ch_w",
    [CH_ST_REL_W] = "RELEASE ch_w",
    [CH_ST_RB_W] = "ROLLBACK TO ch_w",
    [CH_ST_SP_R] = "SAVEPOINT ch_r",
    [CH_ST_REL_R] = "RELEASE ch_r",
    [CH_ST_TOKEN_GET] = "SELECT initialized, label, serial, generation, user_pin_initialized,"
                        " user_failures, so_failures, user_locked, so_locked,"
                        " user_pin_to_be_changed, so_pin_to_be_changed, next_id, write_seq,"
                        " change_counter, epoch FROM token WHERE id = 1",
    [CH_ST_FAIL_SET_SO] = "UPDATE token SET so_failures = ?1, so_locked = ?2,"
                          " change_counter = change_counter + 1 WHERE id = 1",
    [CH_ST_FAIL_SET_USER] = "UPDATE token SET user_failures = ?1, user_locked = ?2,"
                            " change_counter = change_counter + 1 WHERE id = 1",
    [CH_ST_TOKEN_INIT] = "UPDATE token SET initialized = 1, label = ?1, serial = ?2,"
                         " generation = ?3, user_pin_initialized = 0, user_failures = 0,"
                         " so_failures = 0, user_locked = 0, so_locked = 0,"
                         " user_pin_to_be_changed = 0, so_pin_to_be_changed = 0, idx = ?4,"
                         " idx_mac = ?5, change_counter = change_counter + 1 WHERE id = 1",
    [CH_ST_USER_PIN_SET] = "UPDATE token SET user_pin_initialized = 1, user_failures = 0,"
                           " user_locked = 0, user_pin_to_be_changed = 0,"
                           " change_counter = change_counter + 1 WHERE id = 1",
    [CH_ST_BUMP] = "UPDATE token SET change_counter = change_counter + 1 WHERE id = 1",
    [CH_ST_COUNTERS_SET] = "UPDATE token SET next_id = ?1, write_seq = ?2,"
                           " idx = coalesce(?3, idx), idx_mac = coalesce(?4, idx_mac),"
                           " change_counter = change_counter + 1 WHERE id = 1",
    [CH_ST_IDX_GET] = "SELECT idx, idx_mac FROM token WHERE id = 1",
    [CH_ST_WRAP_GET] = "SELECT iterations, salt, nonce, wrapped FROM pin_wrap WHERE who = ?1",
    [CH_ST_WRAP_PUT] = "INSERT OR REPLACE INTO pin_wrap (who, iterations, salt, nonce, wrapped)"
                       " VALUES (?1, ?2, ?3, ?4, ?5)",
    [CH_ST_WRAP_DEL_ALL] = "DELETE FROM pin_wrap",
    [CH_ST_OBJ_DEL_ALL] = "DELETE FROM object",
    [CH_ST_OBJ_INSERT] = "INSERT INTO object (id, version, flags, clear, sealed, mac)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [CH_ST_OBJ_UPDATE] = "UPDATE object SET version = ?2, flags = ?3, clear = ?4, sealed = ?5,"
                         " mac = ?6 WHERE id = ?1",
    [CH_ST_OBJ_DELETE] = "DELETE FROM object WHERE id = ?1",
    [CH_ST_OBJ_GET] = "SELECT id, version, flags, clear, sealed, mac FROM object WHERE id = ?1",
    [CH_ST_OBJ_ALL] = "SELECT id, version, flags, clear, sealed, mac FROM object ORDER BY id",
    [CH_ST_META_PUT] = "INSERT OR REPLACE INTO meta (key, val) VALUES (?1, ?2)",
    [CH_ST_META_GET] = "SELECT val FROM meta WHERE key = ?1",
};

/* Schema version 1 (docs/STORAGE.md §2). The token row starts uninitialized with a blank label. */
static const char schema_v1[] =
    "CREATE TABLE token ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " initialized INTEGER NOT NULL, label BLOB NOT NULL, serial TEXT NOT NULL,"
    " generation INTEGER NOT NULL, user_pin_initialized INTEGER NOT NULL,"
    " user_failures INTEGER NOT NULL, so_failures INTEGER NOT NULL,"
    " user_locked INTEGER NOT NULL, so_locked INTEGER NOT NULL,"
    " user_pin_to_be_changed INTEGER NOT NULL, so_pin_to_be_changed INTEGER NOT NULL,"
    " next_id INTEGER NOT NULL, write_seq INTEGER NOT NULL, change_counter INTEGER NOT NULL,"
    " epoch INTEGER NOT NULL, idx BLOB, idx_mac BLOB);"
    "CREATE TABLE pin_wrap ("
    " who INTEGER PRIMARY KEY CHECK (who IN (0, 1)), iterations INTEGER NOT NULL,"
    " salt BLOB NOT NULL, nonce BLOB NOT NULL, wrapped BLOB NOT NULL);"
    "CREATE TABLE object ("
    " id INTEGER PRIMARY KEY, version INTEGER NOT NULL, flags INTEGER NOT NULL,"
    " clear BLOB NOT NULL, sealed BLOB, mac BLOB);"
    "CREATE TABLE meta (key TEXT PRIMARY KEY, val BLOB NOT NULL);"
    "INSERT INTO token VALUES (1, 0, CAST(printf('%32s', '') AS BLOB), '', 0, 0, 0, 0, 0, 0,"
    " 0, 0, 1, 0, 1, abs(random() / 2), NULL, NULL);";

/* migrations[v] brings a database from schema version v to v + 1, inside one transaction. */
static const char *const migrations[CH_STORE_SCHEMA_VERSION] = {
    schema_v1,
};

CK_RV ch_store_sql_rv(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return CKR_OK;
    case SQLITE_NOMEM:
        return CKR_HOST_MEMORY;
    case SQLITE_FULL:
        return CKR_DEVICE_MEMORY;
    case SQLITE_READONLY:
        return CKR_TOKEN_WRITE_PROTECTED;
    default:
        return CKR_DEVICE_ERROR;
    }
}

static CK_RV exec_sql(sqlite3 *db, const char *sql)
{
    return ch_store_sql_rv(sqlite3_exec(db, sql, NULL, NULL, NULL));
}

/* An int pragma's value (application_id, user_version). */
static CK_RV pragma_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int64(st, 0);
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            rc = SQLITE_CORRUPT;
        }
    }
    sqlite3_finalize(st);
    return ch_store_sql_rv(rc);
}

/* Create or migrate the schema (docs/STORAGE.md §2). Runs under BEGIN IMMEDIATE so two
 * processes opening a fresh file at once do not both create it. */
static CK_RV schema_setup(sqlite3 *db)
{
    int64_t app = 0, ver = 0, tables = 0;
    CK_RV rv;

    CH_TRY(exec_sql(db, "BEGIN IMMEDIATE"));
    CH_TRY_OUT(pragma_int(db, "PRAGMA application_id", &app));
    CH_TRY_OUT(pragma_int(db, "PRAGMA user_version", &ver));
    CH_TRY_OUT(pragma_int(db, "SELECT count(*) FROM sqlite_master", &tables));
    /* Someone else's database, or one from a newer release: do not touch it. */
    CH_CHECK_OUT(app == CH_STORE_APP_ID || (app == 0 && ver == 0 && tables == 0),
                 CKR_DEVICE_ERROR);
    CH_CHECK_OUT(ver >= 0 && ver <= CH_STORE_SCHEMA_VERSION, CKR_DEVICE_ERROR);
    for (int64_t v = ver; v < CH_STORE_SCHEMA_VERSION; v++)
        CH_TRY_OUT(exec_sql(db, migrations[v]));
    if (ver != CH_STORE_SCHEMA_VERSION) {
        char sql[96];
        (void)snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; PRAGMA user_version = %d",
                       CH_STORE_APP_ID, CH_STORE_SCHEMA_VERSION);
        CH_TRY_OUT(exec_sql(db, sql));
    }
    rv = exec_sql(db, "COMMIT");
out:
    if (rv != CKR_OK)
        (void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rv;
}

/* Create the file ourselves so it is 0600 from the first byte; SQLite gives -wal/-shm the
 * database file's mode. O_NOFOLLOW: a planted symlink is not followed. */
static CK_RV create_file(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return errno == EACCES || errno == EROFS ? CKR_TOKEN_WRITE_PROTECTED : CKR_DEVICE_ERROR;
    (void)close(fd);
    return CKR_OK;
}

CK_RV ch_store_db_open(const char *path, sqlite3 **out)
{
    sqlite3 *db = NULL;
    char mode[16] = {0};
    CK_RV rv;

    *out = NULL;
    CH_TRY(create_file(path));
    int rc = sqlite3_open_v2(path, &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW,
                             NULL);
    CH_CHECK_OUT(rc == SQLITE_OK, CKR_DEVICE_ERROR);
    (void)sqlite3_extended_result_codes(db, 1);
    CH_TRY_OUT(ch_store_sql_rv(sqlite3_busy_timeout(db, CH_STORE_BUSY_TIMEOUT_MS)));
    CH_TRY_OUT(exec_sql(db, "PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;"
                            " PRAGMA synchronous = FULL; PRAGMA trusted_schema = OFF"));
    /* journal_mode answers with the mode in force: insist on WAL. */
    {
        sqlite3_stmt *st = NULL;
        rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
        if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
            const unsigned char *m = sqlite3_column_text(st, 0);
            if (m != NULL)
                (void)snprintf(mode, sizeof(mode), "%s", (const char *)m);
        } else if (rc == SQLITE_OK) {
            rc = sqlite3_errcode(db);
        }
        sqlite3_finalize(st);
        CH_TRY_OUT(ch_store_sql_rv(rc));
        CH_CHECK_OUT(strcmp(mode, "wal") == 0, CKR_DEVICE_ERROR);
    }
    CH_TRY_OUT(schema_setup(db));
    *out = db;
    db = NULL;
    rv = CKR_OK;
out:
    sqlite3_close(db); /* NULL-safe */
    return rv;
}

sqlite3_stmt *ch_store_stmt(struct ch_store *s, enum ch_store_stmt which)
{
    sqlite3_stmt *st = s->st[which];
    if (st == NULL) {
        if (sqlite3_prepare_v3(s->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &st,
                               NULL) != SQLITE_OK)
            return NULL;
        s->st[which] = st;
    } else {
        (void)sqlite3_reset(st);
        (void)sqlite3_clear_bindings(st);
    }
    return st;
}

void ch_store_stmts_free(struct ch_store *s)
{
    for (size_t i = 0; i < CH_ST_COUNT_; i++) {
        sqlite3_finalize(s->st[i]);
        s->st[i] = NULL;
    }
}

CK_RV ch_store_step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    (void)sqlite3_reset(st);
    if (rc == SQLITE_ROW) /* a statement expected to return nothing did */
        return CKR_DEVICE_ERROR;
    return ch_store_sql_rv(rc);
}

CK_RV ch_store_exec(struct ch_store *s, enum ch_store_stmt which)
{
    sqlite3_stmt *st = ch_store_stmt(s, which);
    CH_CHECK(st != NULL, CKR_DEVICE_ERROR);
    return ch_store_step_done(st);
}

/* For clean-up statements (ROLLBACK, RELEASE) whose failure leaves nothing better to do. */
static void exec_cleanup(struct ch_store *s, enum ch_store_stmt which)
{
    CK_RV ignored = ch_store_exec(s, which);
    (void)ignored;
}

/* The change counter as this connection sees it now, or false. */
static bool counter_now(struct ch_store *s, uint64_t *c)
{
    struct ch_store_tok t;
    if (ch_store_tok_get(s, &t) != CKR_OK)
        return false;
    *c = t.change_counter;
    return true;
}

CK_RV ch_store_wtx_begin(struct ch_store *s)
{
    if (s->txn_open)
        return ch_store_exec(s, CH_ST_SP_W);
    CK_RV rv = ch_store_exec(s, CH_ST_BEGIN_IMM);
    /* Holding the write lock: no other process can move the counter until we commit. */
    s->wtx_c0_valid = rv == CKR_OK && counter_now(s, &s->wtx_c0);
    return rv;
}

CK_RV ch_store_wtx_end(struct ch_store *s, CK_RV rv)
{
    if (s->txn_open) {
        if (rv != CKR_OK) {
            exec_cleanup(s, CH_ST_RB_W); /* undo this operation only */
            exec_cleanup(s, CH_ST_REL_W);
            return rv;
        }
        return ch_store_exec(s, CH_ST_REL_W);
    }
    if (rv == CKR_OK) {
        uint64_t c1 = 0;
        bool own = s->wtx_c0_valid && s->seen_valid && s->wtx_c0 == s->seen_counter &&
                   counter_now(s, &c1);
        rv = ch_store_exec(s, CH_ST_COMMIT);
        if (rv == CKR_OK) {
            /* Nobody else wrote between our last look and this transaction, so every change
             * up to c1 is ours and already in memory: ch_store_changed need not report it.
             * If someone did, the counter stays unseen and the next check reloads. */
            if (own)
                s->seen_counter = c1;
            s->wtx_c0_valid = false;
            return CKR_OK;
        }
    }
    s->wtx_c0_valid = false;
    /* Reset every statement first: a pending read statement would make ROLLBACK fail. */
    for (size_t i = 0; i < CH_ST_COUNT_; i++)
        if (s->st[i] != NULL)
            (void)sqlite3_reset(s->st[i]);
    if (!sqlite3_get_autocommit(s->db))
        exec_cleanup(s, CH_ST_ROLLBACK);
    return rv;
}

CK_RV ch_store_rtx_begin(struct ch_store *s)
{
    return ch_store_exec(s, CH_ST_SP_R);
}

void ch_store_rtx_end(struct ch_store *s)
{
    exec_cleanup(s, CH_ST_REL_R);
}

int ch_store_bind_blob(sqlite3_stmt *st, int col, const uint8_t *p, size_t len)
{
    static const uint8_t empty[1] = {0};
    if (len > CH_STORE_MAX_BLOB)
        return SQLITE_TOOBIG;
    return sqlite3_bind_blob64(st, col, len == 0 ? empty : p, (sqlite3_uint64)len,
                               SQLITE_STATIC);
}

/* Copy a fixed-size blob column; false if absent or of another size. */
static bool col_fixed(sqlite3_stmt *st, int col, void *dst, size_t len)
{
    const void *p = sqlite3_column_blob(st, col);
    if (p == NULL || (size_t)sqlite3_column_bytes(st, col) != len)
        return false;
    memcpy(dst, p, len);
    return true;
}

static uint64_t col_u64(sqlite3_stmt *st, int col)
{
    int64_t v = sqlite3_column_int64(st, col);
    return v < 0 ? 0 : (uint64_t)v;
}

static uint32_t col_u32(sqlite3_stmt *st, int col)
{
    int64_t v = sqlite3_column_int64(st, col);
    return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

CK_RV ch_store_tok_get(struct ch_store *s, struct ch_store_tok *t)
{
    sqlite3_stmt *st = ch_store_stmt(s, CH_ST_TOKEN_GET);
    CK_RV rv = CKR_DEVICE_ERROR;

    CH_CHECK(st != NULL, CKR_DEVICE_ERROR);
    memset(t, 0, sizeof(*t));
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        rv = rc == SQLITE_DONE ? CKR_DEVICE_ERROR : ch_store_sql_rv(rc);
        if (rv == CKR_OK)
            rv = CKR_DEVICE_ERROR;
        goto out;
    }
    t->initialized = sqlite3_column_int64(st, 0) != 0;
    CH_CHECK_OUT(col_fixed(st, 1, t->label, sizeof(t->label)), CKR_DEVICE_ERROR);
    const unsigned char *serial = sqlite3_column_text(st, 2);
    size_t serial_len = (size_t)sqlite3_column_bytes(st, 2);
    CH_CHECK_OUT(serial != NULL && serial_len <= CH_STORE_SERIAL_LEN, CKR_DEVICE_ERROR);
    CH_CHECK_OUT(!t->initialized || serial_len == CH_STORE_SERIAL_LEN, CKR_DEVICE_ERROR);
    memcpy(t->serial, serial, serial_len);
    t->serial[serial_len] = '\0';
    t->generation = col_u64(st, 3);
    t->user_pin_initialized = sqlite3_column_int64(st, 4) != 0;
    t->failures[CH_STORE_USER] = col_u32(st, 5);
    t->failures[CH_STORE_SO] = col_u32(st, 6);
    t->locked[CH_STORE_USER] = sqlite3_column_int64(st, 7) != 0;
    t->locked[CH_STORE_SO] = sqlite3_column_int64(st, 8) != 0;
    t->to_be_changed[CH_STORE_USER] = sqlite3_column_int64(st, 9) != 0;
    t->to_be_changed[CH_STORE_SO] = sqlite3_column_int64(st, 10) != 0;
    t->next_id = col_u64(st, 11);
    t->write_seq = col_u64(st, 12);
    t->change_counter = col_u64(st, 13);
    t->epoch = col_u64(st, 14);
    rv = CKR_OK;
out:
    (void)sqlite3_reset(st);
    return rv;
}

CK_RV ch_store_wrap_get(struct ch_store *s, enum ch_store_user who, struct ch_store_wrap *w)
{
    sqlite3_stmt *st = ch_store_stmt(s, CH_ST_WRAP_GET);
    CK_RV rv;

    CH_CHECK(st != NULL, CKR_DEVICE_ERROR);
    CH_TRY_OUT(ch_store_sql_rv(sqlite3_bind_int(st, 1, (int)who)));
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        rv = CKR_USER_PIN_NOT_INITIALIZED;
        goto out;
    }
    CH_CHECK_OUT(rc == SQLITE_ROW, ch_store_sql_rv(rc) == CKR_OK ? CKR_DEVICE_ERROR
                                                                  : ch_store_sql_rv(rc));
    int64_t it = sqlite3_column_int64(st, 0);
    CH_CHECK_OUT(it > 0 && it <= UINT32_MAX, CKR_DEVICE_ERROR);
    w->iterations = (uint32_t)it;
    CH_CHECK_OUT(col_fixed(st, 1, w->salt, sizeof(w->salt)) &&
                     col_fixed(st, 2, w->nonce, sizeof(w->nonce)) &&
                     col_fixed(st, 3, w->wrapped, sizeof(w->wrapped)),
                 CKR_DEVICE_ERROR);
    rv = CKR_OK;
out:
    (void)sqlite3_reset(st);
    return rv;
}

CK_RV ch_store_wrap_put(struct ch_store *s, enum ch_store_user who, const struct ch_store_wrap *w)
{
    sqlite3_stmt *st = ch_store_stmt(s, CH_ST_WRAP_PUT);
    CH_CHECK(st != NULL, CKR_DEVICE_ERROR);
    int rc = sqlite3_bind_int(st, 1, (int)who);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, (sqlite3_int64)w->iterations);
    if (rc == SQLITE_OK)
        rc = ch_store_bind_blob(st, 3, w->salt, sizeof(w->salt));
    if (rc == SQLITE_OK)
        rc = ch_store_bind_blob(st, 4, w->nonce, sizeof(w->nonce));
    if (rc == SQLITE_OK)
        rc = ch_store_bind_blob(st, 5, w->wrapped, sizeof(w->wrapped));
    if (rc != SQLITE_OK) {
        (void)sqlite3_reset(st);
        return ch_store_sql_rv(rc);
    }
    return ch_store_step_done(st);
}
