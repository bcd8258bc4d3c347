/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/store (docs/STORAGE.md): token init, logins and PIN failure handling,
 * objects with sealing and the authenticated index, tampering through raw SQL, no plaintext on
 * disk, two handles / two processes, snapshot and restore. The tests speak SQL directly to
 * simulate an attacker with write access to the files. Small PBKDF2 counts and 1 ms backoff. */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "crypto/crypto.h"
#include "fips/fips.h"
#include "store/store.h"

static const uint8_t SO_PIN[] = "so-pin-1234";
static const uint8_t USER_PIN[] = "user-pin-5678";
#define PL(p) (p), (sizeof(p) - 1)

struct fx {
    char dir[64];
    struct ch_store_config cfg;
    struct ch_store *s;
};

static uint8_t label_of(const char *txt, uint8_t out[32])
{
    memset(out, ' ', 32);
    memcpy(out, txt, strlen(txt));
    return out[0];
}

static void cfg_init(struct ch_store_config *c, const char *dir)
{
    memset(c, 0, sizeof(*c));
    c->dir = dir;
    c->pbkdf2_iterations = CH_STORE_PBKDF2_MIN;
    c->max_failed_logins = 3;
    c->backoff_initial_ms = 1;
    c->backoff_max_ms = 1;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/ch-store-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    cfg_init(&f->cfg, f->dir);
    assert_int_equal(ch_store_open(&f->cfg, 0, &f->s), CKR_OK);
    *state = f;
    return 0;
}

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int teardown(void **state)
{
    struct fx *f = *state;
    ch_store_close(f->s);
    rm_dir(f->dir);
    free(f);
    return 0;
}

static void init_token(struct ch_store *s)
{
    uint8_t label[32];
    label_of("test token", label);
    assert_int_equal(ch_store_token_init(s, PL(SO_PIN), label), CKR_OK);
    assert_int_equal(ch_store_login(s, CH_STORE_SO, PL(SO_PIN), true), CKR_OK);
    assert_int_equal(ch_store_init_user_pin(s, PL(USER_PIN)), CKR_OK);
    ch_store_logout(s);
}

/* ---- raw SQL, as an attacker with the file would do it ------------------------------------ */

static sqlite3 *raw_open(const struct fx *f)
{
    char path[256];
    sqlite3 *db = NULL;
    assert_int_equal(ch_store_path(&f->cfg, 0, path, sizeof(path)), CKR_OK);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    return db;
}

static int64_t raw_int(const struct fx *f, const char *sql)
{
    sqlite3 *db = raw_open(f);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void raw_exec(const struct fx *f, const char *sql)
{
    sqlite3 *db = raw_open(f);
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK)
        fprintf(stderr, "raw_exec: %s\n", err != NULL ? err : "?");
    sqlite3_free(err);
    assert_int_equal(rc, SQLITE_OK);
    sqlite3_close(db);
}

/* ---- collecting records --------------------------------------------------------------------- */

struct got {
    size_t n;
    struct {
        uint64_t id, version;
        bool priv, secret_present, authenticated, secret_open;
        uint8_t clear[64], secret[64];
        size_t clear_len, secret_len;
    } r[128];
};

static CK_RV collect(void *arg, const struct ch_store_record *rec)
{
    struct got *g = arg;
    if (g->n == 128)
        return CKR_HOST_MEMORY;
    g->r[g->n].id = rec->id;
    g->r[g->n].version = rec->version;
    g->r[g->n].priv = rec->is_private;
    g->r[g->n].secret_present = rec->secret_present;
    g->r[g->n].authenticated = rec->authenticated;
    g->r[g->n].secret_open = rec->secret != NULL;
    g->r[g->n].clear_len = rec->clear_len;
    g->r[g->n].secret_len = rec->secret_len;
    if (rec->clear_len <= 64)
        memcpy(g->r[g->n].clear, rec->clear, rec->clear_len);
    if (rec->secret != NULL && rec->secret_len <= 64)
        memcpy(g->r[g->n].secret, rec->secret, rec->secret_len);
    g->n++;
    return CKR_OK;
}

static size_t walk(struct ch_store *s, struct got *g)
{
    size_t tampered = 99;
    memset(g, 0, sizeof(*g));
    assert_int_equal(ch_store_obj_foreach(s, collect, g, &tampered), CKR_OK);
    return tampered;
}

/* ---- token and PINs ------------------------------------------------------------------------- */

static void test_init_and_login(void **state)
{
    struct fx *f = *state;
    struct ch_store_token_info ti;
    uint8_t label[32];

    assert_int_equal(ch_store_token_info(f->s, &ti), CKR_OK);
    assert_false(ti.initialized);
    assert_int_equal(ch_store_login(f->s, CH_STORE_SO, PL(SO_PIN), true),
                     CKR_TOKEN_NOT_RECOGNIZED);
    label_of("first", label);
    assert_int_equal(ch_store_token_init(f->s, PL(SO_PIN), label), CKR_OK);
    assert_false(ch_store_tk_loaded(f->s));
    assert_int_equal(ch_store_token_info(f->s, &ti), CKR_OK);
    assert_true(ti.initialized);
    assert_false(ti.user_pin_initialized);
    assert_int_equal(strlen(ti.serial), 16);
    assert_memory_equal(ti.label, label, 32);
    assert_int_equal(ti.generation, 1);

    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true),
                     CKR_USER_PIN_NOT_INITIALIZED);
    assert_int_equal(ch_store_login(f->s, CH_STORE_SO, PL(USER_PIN), true), CKR_PIN_INCORRECT);
    assert_false(ch_store_tk_loaded(f->s));
    assert_int_equal(ch_store_init_user_pin(f->s, PL(USER_PIN)), CKR_USER_NOT_LOGGED_IN);
    assert_int_equal(ch_store_login(f->s, CH_STORE_SO, PL(SO_PIN), true), CKR_OK);
    assert_true(ch_store_tk_loaded(f->s));
    assert_int_equal(ch_store_token_info(f->s, &ti), CKR_OK);
    assert_int_equal(ti.so_failures, 0); /* reset on success */
    assert_int_equal(ch_store_init_user_pin(f->s, PL(USER_PIN)), CKR_OK);
    ch_store_logout(f->s);
    assert_false(ch_store_tk_loaded(f->s));

    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(SO_PIN), true), CKR_PIN_INCORRECT);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), false), CKR_OK);
    assert_false(ch_store_tk_loaded(f->s)); /* checked only */
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
    assert_true(ch_store_tk_loaded(f->s));
    /* Empty and prefix PINs are just wrong PINs. */
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, NULL, 0, true), CKR_PIN_INCORRECT);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, USER_PIN, 4, true), CKR_PIN_INCORRECT);
    assert_int_equal(ch_store_login(f->s, (enum ch_store_user)7, PL(USER_PIN), true),
                     CKR_USER_TYPE_INVALID);

    /* The serial survives close and reopen. */
    char serial[17];
    memcpy(serial, ti.serial, sizeof(serial));
    ch_store_close(f->s);
    assert_int_equal(ch_store_open(&f->cfg, 0, &f->s), CKR_OK);
    assert_int_equal(ch_store_token_info(f->s, &ti), CKR_OK);
    assert_string_equal(ti.serial, serial);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
}

static void test_failure_counter_persisted(void **state)
{
    struct fx *f = *state;
    init_token(f->s);

    assert_int_equal(raw_int(f, "SELECT user_failures FROM token"), 0);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(SO_PIN), true), CKR_PIN_INCORRECT);
    assert_int_equal(raw_int(f, "SELECT user_failures FROM token"), 1);

    /* The counter is on disk *before* the PIN is checked: a child process blocked in the
     * backoff delay (60 s, after the earlier failure) and then killed, never reaching the
     * check, still leaves its attempt counted. */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct ch_store_config c;
        struct ch_store *cs = NULL;
        cfg_init(&c, f->dir);
        c.max_failed_logins = 0;
        c.backoff_initial_ms = 60000;
        c.backoff_max_ms = 60000;
        if (ch_store_open(&c, 0, &cs) != CKR_OK)
            _exit(2);
        CK_RV rv = ch_store_login(cs, CH_STORE_USER, PL(USER_PIN), true);
        _exit(rv == CKR_OK ? 0 : 1); /* not reached before the kill */
    }
    int64_t n = 0;
    for (int i = 0; i < 2000 && n != 2; i++) { /* poll for the state, bounded */
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
        n = raw_int(f, "SELECT user_failures FROM token");
    }
    kill(pid, SIGKILL);
    int st = 0;
    waitpid(pid, &st, 0);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(n, 2);
    assert_int_equal(raw_int(f, "SELECT user_failures FROM token"), 2);

    /* Success resets it. */
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
    assert_int_equal(raw_int(f, "SELECT user_failures FROM token"), 0);
}

static void test_lock_and_initpin(void **state)
{
    struct fx *f = *state;
    struct ch_store_token_info ti;
    static const uint8_t NEW_PIN[] = "brand-new-pin";
    init_token(f->s);

    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(SO_PIN), true), CKR_PIN_INCORRECT);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(SO_PIN), true), CKR_PIN_INCORRECT);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(SO_PIN), true), CKR_PIN_LOCKED);
    assert_int_equal(ch_store_token_info(f->s, &ti), CKR_OK);
    assert_true(ti.user_locked);
    assert_int_equal(ti.user_failures, 3);
    /* Locked: even the right PIN is refused, and not even looked at. */
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_PIN_LOCKED);
    assert_false(ch_store_tk_loaded(f->s));
    assert_int_equal(ch_store_set_pin(f->s, CH_STORE_USER, PL(USER_PIN), PL(NEW_PIN)),
                     CKR_PIN_LOCKED);
    /* The SO is unaffected; C_InitPIN unlocks. */
    assert_int_equal(ch_store_login(f->s, CH_STORE_SO, PL(SO_PIN), true), CKR_OK);
    assert_int_equal(ch_store_init_user_pin(f->s, PL(NEW_PIN)), CKR_OK);
    ch_store_logout(f->s);
    assert_int_equal(ch_store_token_info(f->s, &ti), CKR_OK);
    assert_false(ti.user_locked);
    assert_int_equal(ti.user_failures, 0);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_PIN_INCORRECT);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(NEW_PIN), true), CKR_OK);

    /* A correct PIN on the last allowed attempt succeeds and resets. */
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(SO_PIN), true), CKR_PIN_INCORRECT);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(SO_PIN), true), CKR_PIN_INCORRECT);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(NEW_PIN), true), CKR_OK);
    assert_int_equal(raw_int(f, "SELECT user_failures + user_locked FROM token"), 0);

    /* The SO PIN locks too, and then re-initialisation is impossible. */
    uint8_t label[32];
    label_of("x", label);
    assert_int_equal(ch_store_login(f->s, CH_STORE_SO, PL(USER_PIN), true), CKR_PIN_INCORRECT);
    assert_int_equal(ch_store_token_init(f->s, PL(USER_PIN), label), CKR_PIN_INCORRECT);
    assert_int_equal(ch_store_token_init(f->s, PL(USER_PIN), label), CKR_PIN_LOCKED);
    assert_int_equal(ch_store_token_init(f->s, PL(SO_PIN), label), CKR_PIN_LOCKED);
}

static void test_set_pin(void **state)
{
    struct fx *f = *state;
    static const uint8_t U2[] = "second-user-pin";
    static const uint8_t S2[] = "second-so-pin";
    init_token(f->s);

    assert_int_equal(ch_store_set_pin(f->s, CH_STORE_USER, PL(SO_PIN), PL(U2)),
                     CKR_PIN_INCORRECT);
    assert_int_equal(raw_int(f, "SELECT user_failures FROM token"), 1);
    assert_int_equal(ch_store_set_pin(f->s, CH_STORE_USER, PL(USER_PIN), PL(U2)), CKR_OK);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_PIN_INCORRECT);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(U2), true), CKR_OK);
    /* Objects written before the change still open: TK is the same, only re-wrapped. */
    uint64_t id;
    struct got g;
    assert_int_equal(ch_store_obj_create(f->s, true, NULL, 0, (const uint8_t *)"k", 1, &id),
                     CKR_OK);
    assert_int_equal(ch_store_set_pin(f->s, CH_STORE_SO, PL(SO_PIN), PL(S2)), CKR_OK);
    assert_int_equal(ch_store_login(f->s, CH_STORE_SO, PL(SO_PIN), true), CKR_PIN_INCORRECT);
    assert_int_equal(ch_store_login(f->s, CH_STORE_SO, PL(S2), true), CKR_OK);
    assert_int_equal(walk(f->s, &g), 0);
    assert_int_equal(g.n, 1);
    assert_true(g.r[0].secret_open);
    assert_memory_equal(g.r[0].secret, "k", 1);

    /* Old wraps keep their iteration count when the configuration changes. */
    ch_store_close(f->s);
    f->cfg.pbkdf2_iterations = CH_STORE_PBKDF2_MIN + 1;
    assert_int_equal(ch_store_open(&f->cfg, 0, &f->s), CKR_OK);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(U2), true), CKR_OK);
    assert_int_equal(raw_int(f, "SELECT iterations FROM pin_wrap WHERE who = 1"),
                     CH_STORE_PBKDF2_MIN);
    assert_int_equal(ch_store_set_pin(f->s, CH_STORE_USER, PL(U2), PL(USER_PIN)), CKR_OK);
    assert_int_equal(raw_int(f, "SELECT iterations FROM pin_wrap WHERE who = 1"),
                     CH_STORE_PBKDF2_MIN + 1);
}

static void test_config_floor(void **state)
{
    struct fx *f = *state;
    struct ch_store_config c;
    struct ch_store *s = NULL;
    cfg_init(&c, f->dir);
    c.pbkdf2_iterations = CH_STORE_PBKDF2_MIN - 1;
    assert_int_equal(ch_store_open(&c, 1, &s), CKR_ARGUMENTS_BAD);
    assert_null(s);
    c.dir = NULL;
    assert_int_equal(ch_store_open(&c, 1, &s), CKR_ARGUMENTS_BAD);
    char small[8];
    cfg_init(&c, f->dir);
    assert_int_equal(ch_store_path(&c, 0, small, sizeof(small)), CKR_BUFFER_TOO_SMALL);
}

/* Files that are not (or no longer) ours are refused, never "fixed". */
static void test_schema_guard(void **state)
{
    struct fx *f = *state;
    struct ch_store *s2 = NULL;
    char path[256], other[256];
    uint64_t id;

    /* Objects need an initialized token. */
    assert_int_equal(ch_store_obj_create(f->s, false, (const uint8_t *)"x", 1, NULL, 0, &id),
                     CKR_TOKEN_NOT_RECOGNIZED);
    /* A schema from the future. */
    raw_exec(f, "PRAGMA user_version = 99");
    assert_int_equal(ch_store_open(&f->cfg, 0, &s2), CKR_DEVICE_ERROR);
    raw_exec(f, "PRAGMA user_version = 1");
    assert_int_equal(ch_store_open(&f->cfg, 0, &s2), CKR_OK);
    ch_store_close(s2);
    s2 = NULL;
    /* Another application's database. */
    raw_exec(f, "PRAGMA application_id = 1234");
    assert_int_equal(ch_store_open(&f->cfg, 0, &s2), CKR_DEVICE_ERROR);
    /* An unmarked database that already has tables. */
    assert_int_equal(ch_store_path(&f->cfg, 7, path, sizeof(path)), CKR_OK);
    {
        sqlite3 *db = NULL;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, "CREATE TABLE foo (x)", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
    }
    assert_int_equal(ch_store_open(&f->cfg, 7, &s2), CKR_DEVICE_ERROR);
    assert_null(s2);
    /* A planted symlink is not followed. */
    assert_int_equal(ch_store_path(&f->cfg, 8, path, sizeof(path)), CKR_OK);
    snprintf(other, sizeof(other), "%s/elsewhere", f->dir);
    assert_int_equal(symlink(other, path), 0);
    assert_int_equal(ch_store_open(&f->cfg, 8, &s2), CKR_DEVICE_ERROR);
    assert_int_equal(access(other, F_OK), -1);
}

static void test_reinit(void **state)
{
    struct fx *f = *state;
    struct ch_store_token_info a, b;
    struct got g;
    uint64_t id1, id2, id3;
    uint8_t label[32];
    init_token(f->s);

    assert_int_equal(ch_store_token_info(f->s, &a), CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, false, (const uint8_t *)"pub", 3, NULL, 0, &id1),
                     CKR_OK);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, true, NULL, 0, (const uint8_t *)"sec", 3, &id2),
                     CKR_OK);
    label_of("second", label);
    assert_int_equal(ch_store_token_init(f->s, PL(USER_PIN), label), CKR_PIN_INCORRECT);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM object"), 2);
    assert_int_equal(ch_store_token_init(f->s, PL(SO_PIN), label), CKR_OK);
    assert_false(ch_store_tk_loaded(f->s));
    assert_int_equal(raw_int(f, "SELECT count(*) FROM object"), 0);
    assert_int_equal(ch_store_token_info(f->s, &b), CKR_OK);
    assert_string_equal(a.serial, b.serial);
    assert_int_equal(b.generation, a.generation + 1);
    assert_false(b.user_pin_initialized);
    assert_memory_equal(b.label, label, 32);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true),
                     CKR_USER_PIN_NOT_INITIALIZED);
    assert_int_equal(ch_store_login(f->s, CH_STORE_SO, PL(SO_PIN), true), CKR_OK);
    assert_int_equal(walk(f->s, &g), 0);
    assert_int_equal(g.n, 0);
    /* Ids are never reused within a token. */
    assert_int_equal(ch_store_obj_create(f->s, false, (const uint8_t *)"n", 1, NULL, 0, &id3),
                     CKR_OK);
    assert_true(id3 > id2 && id2 > id1);
}

/* ---- objects -------------------------------------------------------------------------------- */

static void test_objects(void **state)
{
    struct fx *f = *state;
    struct got g;
    uint64_t pub, priv, pubsec, loose, id;
    init_token(f->s);

    /* Without login: public objects only. */
    assert_int_equal(ch_store_obj_create(f->s, true, NULL, 0, (const uint8_t *)"x", 1, &id),
                     CKR_USER_NOT_LOGGED_IN);
    assert_int_equal(ch_store_obj_create(f->s, false, (const uint8_t *)"c", 1,
                                         (const uint8_t *)"x", 1, &id),
                     CKR_USER_NOT_LOGGED_IN);
    assert_int_equal(ch_store_obj_create(f->s, true, (const uint8_t *)"c", 1,
                                         (const uint8_t *)"x", 1, &id),
                     CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_store_obj_create(f->s, false, (const uint8_t *)"loose", 5, NULL, 0,
                                         &loose),
                     CKR_OK);

    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, false, (const uint8_t *)"public-1", 8, NULL, 0,
                                         &pub),
                     CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, true, NULL, 0, (const uint8_t *)"private-1", 9,
                                         &priv),
                     CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, false, (const uint8_t *)"pubkey", 6,
                                         (const uint8_t *)"secret-attr", 11, &pubsec),
                     CKR_OK);
    assert_int_equal(walk(f->s, &g), 0);
    assert_int_equal(g.n, 4);
    assert_int_equal(g.r[0].id, loose);
    assert_false(g.r[0].authenticated); /* written without TK */
    assert_int_equal(g.r[1].id, pub);
    assert_true(g.r[1].authenticated);
    assert_memory_equal(g.r[1].clear, "public-1", 8);
    assert_false(g.r[1].secret_present);
    assert_true(g.r[2].priv && g.r[2].authenticated && g.r[2].secret_open);
    assert_int_equal(g.r[2].clear_len, 0);
    assert_int_equal(g.r[2].secret_len, 9);
    assert_memory_equal(g.r[2].secret, "private-1", 9);
    assert_memory_equal(g.r[3].clear, "pubkey", 6);
    assert_memory_equal(g.r[3].secret, "secret-attr", 11);

    /* Update: the version goes up, contents change. */
    uint64_t v0 = g.r[2].version;
    assert_int_equal(ch_store_obj_update(f->s, priv, true, NULL, 0,
                                         (const uint8_t *)"private-2", 9),
                     CKR_OK);
    memset(&g, 0, sizeof(g));
    assert_int_equal(ch_store_obj_get(f->s, priv, collect, &g), CKR_OK);
    assert_int_equal(g.n, 1);
    assert_true(g.r[0].version > v0);
    assert_memory_equal(g.r[0].secret, "private-2", 9);
    assert_int_equal(ch_store_obj_update(f->s, 9999, false, NULL, 0, NULL, 0),
                     CKR_OBJECT_HANDLE_INVALID);
    assert_int_equal(ch_store_obj_get(f->s, 9999, collect, &g), CKR_OBJECT_HANDLE_INVALID);
    /* A logged-in update authenticates the loose record. */
    assert_int_equal(ch_store_obj_update(f->s, loose, false, (const uint8_t *)"tight", 5, NULL,
                                         0),
                     CKR_OK);

    /* Logged out: clear parts readable, secrets not, nothing authenticated; authenticated
     * records cannot be changed or destroyed. */
    ch_store_logout(f->s);
    assert_int_equal(walk(f->s, &g), 0);
    assert_int_equal(g.n, 4);
    for (size_t i = 0; i < g.n; i++)
        assert_false(g.r[i].authenticated || g.r[i].secret_open);
    assert_true(g.r[2].priv && g.r[2].secret_present);
    assert_true(g.r[3].secret_present);
    assert_memory_equal(g.r[3].clear, "pubkey", 6);
    assert_int_equal(ch_store_obj_update(f->s, pub, false, (const uint8_t *)"p", 1, NULL, 0),
                     CKR_USER_NOT_LOGGED_IN);
    assert_int_equal(ch_store_obj_delete(f->s, pub), CKR_USER_NOT_LOGGED_IN);
    assert_int_equal(ch_store_obj_create(f->s, false, (const uint8_t *)"l2", 2, NULL, 0, &id),
                     CKR_OK);
    assert_int_equal(ch_store_obj_update(f->s, id, false, (const uint8_t *)"l3", 2, NULL, 0),
                     CKR_OK);
    assert_int_equal(ch_store_obj_delete(f->s, id), CKR_OK);
    assert_int_equal(ch_store_obj_delete(f->s, id), CKR_OBJECT_HANDLE_INVALID);

    /* Delete with login; nothing left over counts as tampered. */
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
    assert_int_equal(ch_store_obj_delete(f->s, pub), CKR_OK);
    assert_int_equal(walk(f->s, &g), 0);
    assert_int_equal(g.n, 3);
    for (size_t i = 0; i < g.n; i++)
        assert_true(g.r[i].authenticated);
}

static CK_RV stop_at_second(void *arg, const struct ch_store_record *rec)
{
    size_t *n = arg;
    (void)rec;
    return ++*n == 2 ? CKR_CANCEL : CKR_OK;
}

static void test_foreach_stop_and_txn(void **state)
{
    struct fx *f = *state;
    uint64_t id;
    size_t n = 0;
    struct got g;
    init_token(f->s);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ch_store_obj_create(f->s, false, (const uint8_t *)"o", 1, NULL, 0, &id),
                         CKR_OK);
    assert_int_equal(ch_store_obj_foreach(f->s, stop_at_second, &n, NULL), CKR_CANCEL);
    assert_int_equal(n, 2);

    /* Grouped writes: rolled back together, committed together. */
    assert_int_equal(ch_store_begin(f->s), CKR_OK);
    assert_int_equal(ch_store_begin(f->s), CKR_OPERATION_ACTIVE);
    assert_int_equal(ch_store_obj_create(f->s, true, NULL, 0, (const uint8_t *)"a", 1, &id),
                     CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, true, NULL, 0, (const uint8_t *)"b", 1, &id),
                     CKR_OK);
    /* A failing operation inside undoes only itself. */
    assert_int_equal(ch_store_obj_delete(f->s, 12345), CKR_OBJECT_HANDLE_INVALID);
    ch_store_rollback(f->s);
    assert_int_equal(walk(f->s, &g), 0);
    assert_int_equal(g.n, 3);
    assert_int_equal(ch_store_commit(f->s), CKR_OPERATION_NOT_INITIALIZED);
    assert_int_equal(ch_store_begin(f->s), CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, true, NULL, 0, (const uint8_t *)"a", 1, &id),
                     CKR_OK);
    assert_int_equal(ch_store_obj_delete(f->s, 12345), CKR_OBJECT_HANDLE_INVALID);
    assert_int_equal(ch_store_obj_create(f->s, true, NULL, 0, (const uint8_t *)"b", 1, &id),
                     CKR_OK);
    assert_int_equal(ch_store_commit(f->s), CKR_OK);
    assert_int_equal(walk(f->s, &g), 0);
    assert_int_equal(g.n, 5);
}

static void test_meta(void **state)
{
    struct fx *f = *state;
    uint8_t *v = NULL;
    size_t len = 1;
    bool changed;
    assert_int_equal(ch_store_meta_get(f->s, "audit.head", &v, &len), CKR_OK);
    assert_null(v);
    assert_int_equal(len, 0);
    assert_int_equal(ch_store_changed(f->s, &changed), CKR_OK);
    assert_true(changed); /* first call */
    assert_int_equal(ch_store_meta_put(f->s, "audit.head", (const uint8_t *)"abc", 3), CKR_OK);
    assert_int_equal(ch_store_meta_put(f->s, "audit.head", (const uint8_t *)"abcd", 4), CKR_OK);
    assert_int_equal(ch_store_meta_get(f->s, "audit.head", &v, &len), CKR_OK);
    assert_int_equal(len, 4);
    assert_memory_equal(v, "abcd", 4);
    free(v);
    assert_int_equal(ch_store_changed(f->s, &changed), CKR_OK);
    assert_false(changed); /* metadata does not count */
}

/* Our own writes do not count as changes, but a change another connection (process) made
 * before our write still does: the write must not hide it. */
static void test_changed_own_vs_foreign(void **state)
{
    struct fx *f = *state;
    struct ch_store *b = NULL;
    uint64_t id;
    bool changed;
    init_token(f->s);
    assert_int_equal(ch_store_open(&f->cfg, 0, &b), CKR_OK);
    assert_int_equal(ch_store_changed(f->s, &changed), CKR_OK);
    assert_int_equal(ch_store_changed(f->s, &changed), CKR_OK);
    assert_false(changed);

    assert_int_equal(ch_store_obj_create(f->s, false, (const uint8_t *)"own", 3, NULL, 0, &id),
                     CKR_OK);
    assert_int_equal(ch_store_changed(f->s, &changed), CKR_OK);
    assert_false(changed); /* only our own write */

    assert_int_equal(ch_store_obj_create(b, false, (const uint8_t *)"other", 5, NULL, 0, &id),
                     CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, false, (const uint8_t *)"own2", 4, NULL, 0, &id),
                     CKR_OK);
    assert_int_equal(ch_store_changed(f->s, &changed), CKR_OK);
    assert_true(changed); /* the other connection's write is still reported */
    assert_int_equal(ch_store_changed(f->s, &changed), CKR_OK);
    assert_false(changed);

    /* The same through an explicit transaction. */
    assert_int_equal(ch_store_obj_create(b, false, (const uint8_t *)"other2", 6, NULL, 0, &id),
                     CKR_OK);
    assert_int_equal(ch_store_begin(f->s), CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, false, (const uint8_t *)"own3", 4, NULL, 0, &id),
                     CKR_OK);
    assert_int_equal(ch_store_commit(f->s), CKR_OK);
    assert_int_equal(ch_store_changed(f->s, &changed), CKR_OK);
    assert_true(changed);
    assert_int_equal(ch_store_begin(f->s), CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, false, (const uint8_t *)"own4", 4, NULL, 0, &id),
                     CKR_OK);
    assert_int_equal(ch_store_commit(f->s), CKR_OK);
    assert_int_equal(ch_store_changed(f->s, &changed), CKR_OK);
    assert_false(changed);
    ch_store_close(b);
}

/* ---- no plaintext on disk ------------------------------------------------------------------- */

/* Does any file in dir contain needle? */
static bool dir_contains(const char *dir, const uint8_t *needle, size_t nlen)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    bool found = false;
    assert_non_null(d);
    while (!found && (e = readdir(d)) != NULL) {
        char p[512];
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        FILE *fp = fopen(p, "rb");
        if (fp == NULL)
            continue;
        fseek(fp, 0, SEEK_END);
        long sz = ftell(fp);
        fseek(fp, 0, SEEK_SET);
        uint8_t *buf = malloc(sz > 0 ? (size_t)sz : 1);
        assert_non_null(buf);
        size_t got = fread(buf, 1, (size_t)(sz > 0 ? sz : 0), fp);
        fclose(fp);
        for (size_t i = 0; i + nlen <= got && !found; i++)
            found = memcmp(buf + i, needle, nlen) == 0;
        free(buf);
    }
    closedir(d);
    return found;
}

static void test_no_plaintext_on_disk(void **state)
{
    struct fx *f = *state;
    uint8_t secret[48], marker[24];
    uint64_t id;
    struct stat stt;
    char path[256];

    for (size_t i = 0; i < sizeof(secret); i++)
        secret[i] = (uint8_t)(0xA5 ^ (i * 37));
    memcpy(marker, "PUBLIC-MARKER-0123456789", sizeof(marker));
    init_token(f->s);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, true, NULL, 0, secret, sizeof(secret), &id),
                     CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, false, marker, sizeof(marker), secret,
                                         sizeof(secret), &id),
                     CKR_OK);
    assert_int_equal(ch_store_obj_update(f->s, id, false, marker, sizeof(marker), secret,
                                         sizeof(secret)),
                     CKR_OK);
    /* While open (the data sits in -wal) and after close (checkpointed into the db). */
    for (int round = 0; round < 2; round++) {
        assert_true(dir_contains(f->dir, marker, sizeof(marker))); /* the grep works */
        assert_false(dir_contains(f->dir, secret, sizeof(secret)));
        assert_false(dir_contains(f->dir, secret, 16));
        assert_false(dir_contains(f->dir, PL(USER_PIN)));
        assert_false(dir_contains(f->dir, PL(SO_PIN)));
        ch_store_close(f->s);
        f->s = NULL;
    }
    assert_int_equal(ch_store_open(&f->cfg, 0, &f->s), CKR_OK);
    /* File and directory permissions. */
    assert_int_equal(ch_store_path(&f->cfg, 0, path, sizeof(path)), CKR_OK);
    assert_int_equal(stat(path, &stt), 0);
    assert_int_equal(stt.st_mode & 0777, 0600);
    strcat(path, "-wal");
    assert_int_equal(stat(path, &stt), 0);
    assert_int_equal(stt.st_mode & 0777, 0600);
    char sub[128];
    struct ch_store_config c;
    struct ch_store *s2 = NULL;
    snprintf(sub, sizeof(sub), "%s/sub", f->dir);
    cfg_init(&c, sub);
    assert_int_equal(ch_store_open(&c, 3, &s2), CKR_OK);
    assert_int_equal(stat(sub, &stt), 0);
    assert_int_equal(stt.st_mode & 0777, 0700);
    ch_store_close(s2);
    rm_dir(sub);
}

/* ---- tampering ------------------------------------------------------------------------------ */

static void test_tamper_flip(void **state)
{
    struct fx *f = *state;
    struct got g;
    uint64_t a, b, c;
    char sql[256];
    init_token(f->s);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, true, NULL, 0, (const uint8_t *)"AAAA", 4, &a),
                     CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, true, NULL, 0, (const uint8_t *)"BBBB", 4, &b),
                     CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, false, (const uint8_t *)"CCCC", 4, NULL, 0, &c),
                     CKR_OK);
    assert_int_equal(walk(f->s, &g), 0);
    assert_int_equal(g.n, 3);

    /* Flip one bit inside a's ciphertext (byte 13: after the 12-byte nonce). */
    {
        sqlite3 *db = raw_open(f);
        sqlite3_stmt *st = NULL;
        uint8_t buf[256];
        int n;
        assert_int_equal(sqlite3_prepare_v2(db, "SELECT sealed FROM object WHERE id = ?1", -1,
                                            &st, NULL),
                         SQLITE_OK);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)a);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        n = sqlite3_column_bytes(st, 0);
        assert_true(n > 14 && n < (int)sizeof(buf));
        memcpy(buf, sqlite3_column_blob(st, 0), (size_t)n);
        sqlite3_finalize(st);
        buf[13] ^= 0x01;
        assert_int_equal(sqlite3_prepare_v2(db, "UPDATE object SET sealed = ?1 WHERE id = ?2",
                                            -1, &st, NULL),
                         SQLITE_OK);
        sqlite3_bind_blob(st, 1, buf, n, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)a);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
        sqlite3_close(db);
    }
    assert_int_equal(walk(f->s, &g), 1);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.r[0].id, b);
    assert_int_equal(ch_store_obj_get(f->s, a, collect, &g), CKR_DEVICE_ERROR);

    /* Change the clear part of an authenticated public record. */
    snprintf(sql, sizeof(sql), "UPDATE object SET clear = X'43434344' WHERE id = %llu",
             (unsigned long long)c);
    raw_exec(f, sql);
    assert_int_equal(walk(f->s, &g), 2);
    assert_int_equal(g.n, 1);
    /* Strip its MAC instead: still detected (its id is in the index). */
    snprintf(sql, sizeof(sql), "UPDATE object SET mac = NULL, clear = X'43434343' WHERE id = %llu",
             (unsigned long long)c);
    raw_exec(f, sql);
    assert_int_equal(walk(f->s, &g), 2);
    /* Turn private b public: the flags are under the MAC. */
    snprintf(sql, sizeof(sql), "UPDATE object SET flags = 2 WHERE id = %llu",
             (unsigned long long)b);
    raw_exec(f, sql);
    assert_int_equal(walk(f->s, &g), 3);
    assert_int_equal(g.n, 0);

    /* Without TK nothing can be checked: public records are handed out unauthenticated. */
    ch_store_logout(f->s);
    assert_int_equal(walk(f->s, &g), 0);
    assert_int_equal(g.n, 3);
    /* The index itself tampered with: reads with TK refuse. */
    raw_exec(f, "UPDATE token SET idx_mac = zeroblob(32)");
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
    size_t t;
    assert_int_equal(ch_store_obj_foreach(f->s, collect, &g, &t), CKR_DEVICE_ERROR);
    assert_int_equal(ch_store_obj_create(f->s, false, (const uint8_t *)"x", 1, NULL, 0, &a),
                     CKR_DEVICE_ERROR);
}

static void test_tamper_swap_rollback(void **state)
{
    struct fx *f = *state;
    struct got g;
    uint64_t a, b, c, d;
    char sql[256];
    init_token(f->s);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, true, NULL, 0, (const uint8_t *)"AAAA", 4, &a),
                     CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, true, NULL, 0, (const uint8_t *)"BBBB", 4, &b),
                     CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, true, NULL, 0, (const uint8_t *)"old!", 4, &c),
                     CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, false, (const uint8_t *)"DDDD", 4, NULL, 0, &d),
                     CKR_OK);

    /* Swap the sealed blobs of a and b: neither opens (the AAD binds the id). */
    {
        sqlite3 *db = raw_open(f);
        snprintf(sql, sizeof(sql),
                 "BEGIN; CREATE TEMP TABLE t AS SELECT id, sealed, mac FROM object;"
                 " UPDATE object SET sealed = (SELECT sealed FROM t WHERE id = %llu)"
                 "  WHERE id = %llu;"
                 " UPDATE object SET sealed = (SELECT sealed FROM t WHERE id = %llu)"
                 "  WHERE id = %llu; COMMIT",
                 (unsigned long long)b, (unsigned long long)a, (unsigned long long)a,
                 (unsigned long long)b);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
    }
    assert_int_equal(walk(f->s, &g), 2);
    assert_int_equal(g.n, 2);

    /* Rollback of one record: keep c's current row, update c, put the old row back. */
    raw_exec(f, "CREATE TABLE saved AS SELECT * FROM object");
    assert_int_equal(ch_store_obj_update(f->s, c, true, NULL, 0, (const uint8_t *)"new!", 4),
                     CKR_OK);
    snprintf(sql, sizeof(sql),
             "UPDATE object SET (version, flags, clear, sealed, mac) = (SELECT version, flags,"
             " clear, sealed, mac FROM saved WHERE id = %llu) WHERE id = %llu",
             (unsigned long long)c, (unsigned long long)c);
    raw_exec(f, sql);
    assert_int_equal(walk(f->s, &g), 3);
    for (size_t i = 0; i < g.n; i++)
        assert_true(g.r[i].id != c);

    /* A deleted record resurrected from the saved copy is not accepted either, and a record
     * deleted behind our back is counted. */
    assert_int_equal(ch_store_obj_delete(f->s, d), CKR_OK);
    snprintf(sql, sizeof(sql), "INSERT INTO object SELECT * FROM saved WHERE id = %llu",
             (unsigned long long)d);
    raw_exec(f, sql);
    assert_int_equal(walk(f->s, &g), 4);
    snprintf(sql, sizeof(sql), "DELETE FROM object WHERE id IN (%llu, %llu)",
             (unsigned long long)d, (unsigned long long)a);
    raw_exec(f, sql);
    assert_int_equal(walk(f->s, &g), 3); /* b, c skipped; a missing */
    raw_exec(f, "DROP TABLE saved");
}

/* ---- several handles and processes ------------------------------------------------------------ */

struct writer {
    struct ch_store *s;
    int n;
    CK_RV rv;
};

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    w->rv = CKR_OK;
    for (int i = 0; i < w->n && w->rv == CKR_OK; i++) {
        uint8_t v[8];
        uint64_t id;
        memcpy(v, &i, sizeof(i));
        memcpy(v + 4, &w, 4);
        w->rv = ch_store_obj_create(w->s, i % 2 == 0, i % 2 == 0 ? NULL : v,
                                    i % 2 == 0 ? 0 : 8, v, 8, &id);
    }
    return NULL;
}

static void test_two_handles(void **state)
{
    struct fx *f = *state;
    struct ch_store *s2 = NULL;
    struct got g;
    bool ch;
    pthread_t t1, t2;
    init_token(f->s);
    assert_int_equal(ch_store_open(&f->cfg, 0, &s2), CKR_OK);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
    assert_int_equal(ch_store_login(s2, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
    assert_int_equal(ch_store_changed(f->s, &ch), CKR_OK);
    assert_int_equal(ch_store_changed(f->s, &ch), CKR_OK);
    assert_false(ch);

    struct writer w1 = {f->s, 40, CKR_OK}, w2 = {s2, 40, CKR_OK};
    assert_int_equal(pthread_create(&t1, NULL, writer_main, &w1), 0);
    assert_int_equal(pthread_create(&t2, NULL, writer_main, &w2), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    assert_int_equal(w1.rv, CKR_OK);
    assert_int_equal(w2.rv, CKR_OK);
    assert_int_equal(walk(f->s, &g), 0);
    assert_int_equal(g.n, 80);
    assert_int_equal(walk(s2, &g), 0);
    assert_int_equal(g.n, 80);

    /* The other handle's write is noticed; no write, no change. */
    assert_int_equal(ch_store_changed(f->s, &ch), CKR_OK);
    assert_true(ch);
    assert_int_equal(ch_store_changed(f->s, &ch), CKR_OK);
    assert_false(ch);
    uint64_t id;
    assert_int_equal(ch_store_obj_create(s2, false, (const uint8_t *)"z", 1, NULL, 0, &id),
                     CKR_OK);
    assert_int_equal(ch_store_changed(f->s, &ch), CKR_OK);
    assert_true(ch);
    assert_int_equal(ch_store_changed(f->s, &ch), CKR_OK);
    assert_false(ch);

    /* The other handle re-initialises the token: our TK is dropped, not misused. */
    uint8_t label[32];
    label_of("re", label);
    assert_int_equal(ch_store_token_init(s2, PL(SO_PIN), label), CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, true, NULL, 0, (const uint8_t *)"z", 1, &id),
                     CKR_USER_NOT_LOGGED_IN);
    assert_false(ch_store_tk_loaded(f->s));
    ch_store_close(s2);
}

struct grouper {
    struct ch_store *s;
    CK_RV rv;
};

/* Pairs of writes in ch_store_begin transactions, as C_GenerateKeyPair does. */
static void *grouper_main(void *arg)
{
    struct grouper *gr = arg;
    uint64_t id;
    gr->rv = CKR_OK;
    for (int i = 0; i < 10 && gr->rv == CKR_OK; i++) {
        gr->rv = ch_store_begin(gr->s);
        if (gr->rv == CKR_OK)
            gr->rv = ch_store_obj_create(gr->s, false, (const uint8_t *)"pub", 3, NULL, 0, &id);
        if (gr->rv == CKR_OK)
            gr->rv = ch_store_obj_create(gr->s, true, NULL, 0, (const uint8_t *)"prv", 3, &id);
        if (gr->rv == CKR_OK)
            gr->rv = i % 3 == 0 ? (ch_store_rollback(gr->s), CKR_OK) : ch_store_commit(gr->s);
    }
    return NULL;
}

/* One handle shared by three threads: the store's mutex and transaction ownership. */
static void test_one_handle_threads(void **state)
{
    struct fx *f = *state;
    struct got g;
    pthread_t t1, t2, t3;
    init_token(f->s);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
    struct writer w1 = {f->s, 30, CKR_OK}, w2 = {f->s, 30, CKR_OK};
    struct grouper gr = {f->s, CKR_OK};
    assert_int_equal(pthread_create(&t1, NULL, writer_main, &w1), 0);
    assert_int_equal(pthread_create(&t2, NULL, writer_main, &w2), 0);
    assert_int_equal(pthread_create(&t3, NULL, grouper_main, &gr), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    pthread_join(t3, NULL);
    assert_int_equal(w1.rv, CKR_OK);
    assert_int_equal(w2.rv, CKR_OK);
    assert_int_equal(gr.rv, CKR_OK);
    assert_int_equal(walk(f->s, &g), 0);
    assert_int_equal(g.n, 60 + 2 * 6); /* 4 of the 10 pairs rolled back */
}

static void test_fork_writers(void **state)
{
    struct fx *f = *state;
    struct got g;
    init_token(f->s);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* The child abandons the parent's handle (never uses it) and opens its own. */
        struct ch_store *cs = NULL;
        struct writer w;
        ch_store_abandon(f->s);
        f->s = NULL;
        if (ch_store_open(&f->cfg, 0, &cs) != CKR_OK ||
            ch_store_login(cs, CH_STORE_USER, PL(USER_PIN), true) != CKR_OK)
            _exit(2);
        w.s = cs;
        w.n = 30;
        writer_main(&w);
        ch_store_close(cs);
        _exit(w.rv == CKR_OK ? 0 : 1);
    }
    struct writer w = {f->s, 30, CKR_OK};
    writer_main(&w);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_int_equal(w.rv, CKR_OK);
    assert_int_equal(walk(f->s, &g), 0);
    assert_int_equal(g.n, 60);
    for (size_t i = 0; i < g.n; i++)
        assert_true(g.r[i].authenticated);
}

/* ---- atomicity: a failing write leaves nothing behind --------------------------------------- */

static void test_write_failure_atomic(void **state)
{
    struct fx *f = *state;
    struct got g;
    uint64_t id;
    init_token(f->s);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, true, NULL, 0, (const uint8_t *)"one", 3, &id),
                     CKR_OK);
    /* Make every update of the token row fail (as a full disk or I/O error would, late in the
     * transaction: the object row is already written when the counters are). */
    raw_exec(f, "CREATE TRIGGER no_token_update BEFORE UPDATE ON token"
                " BEGIN SELECT RAISE(ABORT, 'injected'); END");
    assert_int_equal(ch_store_obj_create(f->s, true, NULL, 0, (const uint8_t *)"two", 3, &id),
                     CKR_DEVICE_ERROR);
    assert_int_equal(ch_store_obj_update(f->s, 1, true, NULL, 0, (const uint8_t *)"1!", 2),
                     CKR_DEVICE_ERROR);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM object"), 1);
    assert_int_equal(walk(f->s, &g), 0);
    assert_int_equal(g.n, 1);
    assert_memory_equal(g.r[0].secret, "one", 3);
    /* If the failure counter cannot be written, the PIN is not even checked: the right PIN
     * does not log in. */
    ch_store_logout(f->s);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_DEVICE_ERROR);
    assert_false(ch_store_tk_loaded(f->s));
    raw_exec(f, "DROP TRIGGER no_token_update");
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
}

/* ---- backup and restore ----------------------------------------------------------------------- */

static void test_snapshot_restore(void **state)
{
    struct fx *f = *state;
    struct got a, b;
    uint8_t *img = NULL;
    size_t len = 0;
    uint64_t id;
    bool ch;
    init_token(f->s);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, false, (const uint8_t *)"pub", 3, NULL, 0, &id),
                     CKR_OK);
    assert_int_equal(ch_store_obj_create(f->s, true, NULL, 0, (const uint8_t *)"priv", 4, &id),
                     CKR_OK);
    assert_int_equal(walk(f->s, &a), 0);
    assert_int_equal(ch_store_snapshot(f->s, &img, &len), CKR_OK);
    assert_true(len > 0);

    /* Into a fresh directory. */
    char dir2[64];
    struct ch_store_config c2;
    struct ch_store *s2 = NULL;
    snprintf(dir2, sizeof(dir2), "/tmp/ch-store2-XXXXXX");
    assert_non_null(mkdtemp(dir2));
    rmdir(dir2); /* restore creates it */
    cfg_init(&c2, dir2);
    assert_int_equal(ch_store_restore(&c2, 5, img, len), CKR_OK);
    assert_int_equal(ch_store_open(&c2, 5, &s2), CKR_OK);
    assert_int_equal(ch_store_login(s2, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
    assert_int_equal(walk(s2, &b), 0);
    assert_int_equal(b.n, a.n);
    assert_memory_equal(&a, &b, sizeof(a));

    /* Over the live database of an open handle: it notices and sees the old state again. */
    assert_int_equal(ch_store_obj_create(f->s, false, (const uint8_t *)"after", 5, NULL, 0, &id),
                     CKR_OK);
    assert_int_equal(ch_store_changed(f->s, &ch), CKR_OK);
    assert_int_equal(ch_store_restore(&f->cfg, 0, img, len), CKR_OK);
    assert_int_equal(ch_store_changed(f->s, &ch), CKR_OK);
    assert_true(ch);
    /* Any restore ends logins (the content may be another token's): log in again. */
    assert_false(ch_store_tk_loaded(f->s));
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
    assert_int_equal(walk(f->s, &b), 0);
    assert_memory_equal(&a, &b, sizeof(a));

    /* Another token's image (same generation, another TK) over a logged-in handle: the handle
     * forgets its TK instead of reporting everything as tampered. */
    {
        static const uint8_t OTHER[] = "other-user-pin";
        struct ch_store *s3 = NULL;
        uint8_t *img3 = NULL;
        size_t len3 = 0;
        uint8_t label[32];
        struct ch_store_config c3;
        char dir3[64];
        snprintf(dir3, sizeof(dir3), "/tmp/ch-store3-XXXXXX");
        assert_non_null(mkdtemp(dir3));
        cfg_init(&c3, dir3);
        assert_int_equal(ch_store_open(&c3, 0, &s3), CKR_OK);
        label_of("other", label);
        assert_int_equal(ch_store_token_init(s3, PL(SO_PIN), label), CKR_OK);
        assert_int_equal(ch_store_login(s3, CH_STORE_SO, PL(SO_PIN), true), CKR_OK);
        assert_int_equal(ch_store_init_user_pin(s3, PL(OTHER)), CKR_OK);
        assert_int_equal(ch_store_login(s3, CH_STORE_USER, PL(OTHER), true), CKR_OK);
        assert_int_equal(ch_store_obj_create(s3, true, NULL, 0, (const uint8_t *)"o", 1, &id),
                         CKR_OK);
        assert_int_equal(ch_store_snapshot(s3, &img3, &len3), CKR_OK);
        ch_store_close(s3);
        rm_dir(dir3);

        assert_true(ch_store_tk_loaded(s2));
        assert_int_equal(ch_store_restore(&c2, 5, img3, len3), CKR_OK);
        assert_int_equal(walk(s2, &b), 0);
        assert_false(ch_store_tk_loaded(s2));
        assert_int_equal(b.n, 1);
        assert_false(b.r[0].secret_open);
        assert_int_equal(ch_store_login(s2, CH_STORE_USER, PL(USER_PIN), true),
                         CKR_PIN_INCORRECT);
        assert_int_equal(ch_store_login(s2, CH_STORE_USER, PL(OTHER), true), CKR_OK);
        assert_int_equal(walk(s2, &b), 0);
        assert_int_equal(b.n, 1);
        assert_memory_equal(b.r[0].secret, "o", 1);
        /* and back */
        assert_int_equal(ch_store_restore(&c2, 5, img, len), CKR_OK);
        assert_false(ch_store_tk_loaded(s2));
        assert_int_equal(ch_store_login(s2, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
        free(img3);
    }

    /* Not an image of ours. */
    uint8_t junk[1024];
    memset(junk, 0x5a, sizeof(junk));
    assert_int_equal(ch_store_restore(&c2, 5, junk, sizeof(junk)), CKR_ARGUMENTS_BAD);
    memcpy(junk, img, sizeof(junk)); /* header ok, truncated */
    assert_int_equal(ch_store_restore(&c2, 5, junk, sizeof(junk)), CKR_ARGUMENTS_BAD);
    {
        /* A valid SQLite database that is not a token store. */
        sqlite3 *db = NULL;
        sqlite3_int64 n = 0;
        assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, "CREATE TABLE token (id INTEGER PRIMARY KEY);"
                                          " INSERT INTO token VALUES (1)",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
        unsigned char *other = sqlite3_serialize(db, "main", &n, 0);
        assert_non_null(other);
        assert_int_equal(ch_store_restore(&c2, 5, other, (size_t)n), CKR_ARGUMENTS_BAD);
        sqlite3_free(other);
        sqlite3_close(db);
    }
    assert_int_equal(walk(s2, &b), 0); /* untouched by the refused restores */
    assert_memory_equal(&a, &b, sizeof(a));
    ch_store_close(s2);
    rm_dir(dir2);
    free(img);
}

/* Damaged images: restore either refuses them or yields a database the store handles without
 * crashing (tampered records are skipped). Deterministic byte flips, run under ASan in CI. */
static void test_restore_damaged(void **state)
{
    struct fx *f = *state;
    uint8_t *img = NULL;
    size_t len = 0;
    uint64_t id;
    struct got g;
    init_token(f->s);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(ch_store_obj_create(f->s, i % 2 == 0, i % 2 == 0 ? NULL : (const uint8_t *)"c",
                                             i % 2 == 0 ? 0 : 1, (const uint8_t *)"s", 1, &id),
                         CKR_OK);
    assert_int_equal(ch_store_snapshot(f->s, &img, &len), CKR_OK);
    uint8_t *bad = malloc(len);
    assert_non_null(bad);
    uint32_t x = 12345;
    int refused = 0, accepted = 0;
    for (int round = 0; round < 24; round++) {
        memcpy(bad, img, len);
        for (int k = 0; k < 4; k++) {
            x = x * 1103515245u + 12345u;
            size_t pos = 100 + (x >> 8) % (len - 100); /* keep the file header */
            bad[pos] ^= (uint8_t)(1u << (x & 7));
        }
        CK_RV rv = ch_store_restore(&f->cfg, 0, bad, len);
        assert_true(rv == CKR_OK || rv == CKR_ARGUMENTS_BAD);
        if (rv != CKR_OK) {
            refused++;
            continue;
        }
        accepted++;
        size_t tampered = 0;
        memset(&g, 0, sizeof(g));
        rv = ch_store_obj_foreach(f->s, collect, &g, &tampered);
        assert_true(rv == CKR_OK || rv == CKR_DEVICE_ERROR || rv == CKR_USER_NOT_LOGGED_IN);
        rv = ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true);
        assert_true(rv == CKR_OK || rv == CKR_PIN_INCORRECT || rv == CKR_DEVICE_ERROR ||
                    rv == CKR_PIN_LOCKED || rv == CKR_TOKEN_NOT_RECOGNIZED ||
                    rv == CKR_USER_PIN_NOT_INITIALIZED);
    }
    assert_int_equal(refused + accepted, 24);
    /* And the good image still restores. */
    assert_int_equal(ch_store_restore(&f->cfg, 0, img, len), CKR_OK);
    assert_int_equal(ch_store_login(f->s, CH_STORE_USER, PL(USER_PIN), true), CKR_OK);
    assert_int_equal(walk(f->s, &g), 0);
    assert_int_equal(g.n, 4);
    free(bad);
    free(img);
}

static int group_setup(void **state)
{
    (void)state;
    if (ch_crypto_init() != CKR_OK || ch_drbg_init() != CKR_OK)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    ch_drbg_fini();
    ch_crypto_fini();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init_and_login, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_counter_persisted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_and_initpin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_pin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_floor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_guard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reinit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreach_stop_and_txn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_own_vs_foreign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_plaintext_on_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_flip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_swap_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_handles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_handle_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fork_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_failure_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_restore, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_damaged, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
