/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/audit: the writer's line format and escaping, the verifier's detection of
 * every kind of tampering (byte flips, deleted, reordered, appended lines, truncation, a
 * consistently rewritten chain) with the right entry number, and two processes appending at
 * once. Uses a real token store in a temporary directory for the chain head. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "audit/audit.h"
#include "audit/audit_int.h"
#include "crypto/crypto.h"
#include "store/store.h"

struct fx {
    char dir[64];
    char path[128];
    struct ch_store_config cfg;
    struct ch_store *store;
    struct ch_audit *audit;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/ch-audit-test-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(ch_audit_default_path(f->dir, 0, f->path, sizeof(f->path)), CKR_OK);
    f->cfg.dir = f->dir;
    f->cfg.pbkdf2_iterations = CH_STORE_PBKDF2_MIN;
    f->cfg.max_failed_logins = 10;
    f->cfg.backoff_initial_ms = 0;
    f->cfg.backoff_max_ms = 0;
    assert_int_equal(ch_crypto_init(), CKR_OK);
    assert_int_equal(ch_store_open(&f->cfg, 0, &f->store), CKR_OK);
    struct ch_audit_opts o = {.fsync = false, .syslog = false};
    assert_int_equal(ch_audit_open_opts(f->path, f->store, &o, &f->audit), CKR_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];
    ch_audit_close(f->audit);
    ch_store_close(f->store);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void log_n(struct ch_audit *a, uint32_t slot, int n, const char *label)
{
    for (int i = 0; i < n; i++) {
        struct ch_audit_event ev = {
            .event = (i % 2) ? CH_AUDIT_EV_LOGIN : CH_AUDIT_EV_OBJ_CREATE,
            .slot = slot,
            .session = (unsigned long)(i + 1),
            .user_type = (i % 3 == 0) ? CH_AUDIT_USER_NONE : (long)CKU_USER,
            .mechanism = (i % 2) ? CK_UNAVAILABLE_INFORMATION : CKM_AES_GCM,
            .object_id = (uint64_t)i,
            .label = label,
            .rv = (i % 5 == 4) ? CKR_PIN_INCORRECT : CKR_OK,
        };
        assert_int_equal(ch_audit_log(a, &ev), CKR_OK);
    }
}

/* ---- file helpers --------------------------------------------------------------------------- */

struct lines {
    char *l[1024];
    size_t n;
};

static void read_lines(const char *path, struct lines *ls)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char *buf = NULL;
    size_t cap = 0;
    ssize_t k;
    ls->n = 0;
    while ((k = getline(&buf, &cap, fp)) > 0) {
        assert_true(ls->n < 1024);
        ls->l[ls->n++] = strndup(buf, (size_t)k); /* newline kept */
    }
    free(buf);
    fclose(fp);
}

static void write_lines(const char *path, struct lines *ls)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    for (size_t i = 0; i < ls->n; i++)
        if (ls->l[i] != NULL)
            fputs(ls->l[i], fp);
    fclose(fp);
}

static void free_lines(struct lines *ls)
{
    for (size_t i = 0; i < ls->n; i++)
        free(ls->l[i]);
    ls->n = 0;
}

static struct ch_audit_report verify(struct fx *f, bool with_store)
{
    struct ch_audit_report r;
    assert_int_equal(ch_audit_verify(f->path, with_store ? f->store : NULL, &r), CKR_OK);
    return r;
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_fresh_log_verifies(void **state)
{
    struct fx *f = *state;
    struct ch_audit_report r = verify(f, true);
    assert_true(r.ok); /* no file, no head: an empty log */
    assert_int_equal(r.entries, 0);

    log_n(f->audit, 0, 10, "key-a");
    r = verify(f, true);
    assert_true(r.ok);
    assert_true(r.head_checked);
    assert_int_equal(r.entries, 10);
    assert_int_equal(r.last_seq, 10);
    assert_int_equal(r.head_seq, 10);
    assert_int_equal(r.first_bad, 0);

    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* Each line is one JSON object with the documented fields; the first prev is 64 zeros. */
    struct lines ls;
    read_lines(f->path, &ls);
    assert_int_equal(ls.n, 10);
    for (size_t i = 0; i < ls.n; i++) {
        cJSON *j = cJSON_Parse(ls.l[i]);
        assert_non_null(j);
        const char *keys[] = {"seq",       "time",   "pid",   "slot", "session", "user", "event",
                              "mechanism", "object", "label", "rv",   "prev"};
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            assert_non_null(cJSON_GetObjectItemCaseSensitive(j, keys[k]));
        assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "seq")->valuedouble, (double)(i + 1));
        if (i == 0)
            assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "prev")->valuestring,
                                "0000000000000000000000000000000000000000000000000000000000000000");
        cJSON_Delete(j);
    }
    free_lines(&ls);
}

static void flip_and_expect(struct fx *f, size_t line_idx, const char *needle, uint64_t expect)
{
    struct lines ls;
    read_lines(f->path, &ls);
    char *p = strstr(ls.l[line_idx], needle);
    assert_non_null(p);
    p += strlen(needle);
    *p ^= 0x01; /* one bit of the byte right after the needle */
    write_lines(f->path, &ls);
    struct ch_audit_report r = verify(f, true);
    assert_false(r.ok);
    assert_int_equal(r.first_bad, expect);
    assert_true(strlen(r.reason) > 0);
    /* restore the original byte: the chain verifies again */
    *p ^= 0x01;
    write_lines(f->path, &ls);
    r = verify(f, true);
    assert_true(r.ok);
    free_lines(&ls);
}

static void test_flip_byte(void **state)
{
    struct fx *f = *state;
    log_n(f->audit, 0, 10, "abcdef");
    flip_and_expect(f, 4, "\"label\":\"abc", 5);   /* inside a label: entry 6 no longer links */
    flip_and_expect(f, 4, "\"prev\":\"", 5);       /* inside entry 5's prev field */
    flip_and_expect(f, 4, "\"pid\":", 5);          /* a digit of the pid */
    flip_and_expect(f, 4, "{\"seq\":", 5);         /* the sequence number */
    flip_and_expect(f, 4, "{\"seq\":5,", 5);       /* the quote of "time": not JSON any more */
    flip_and_expect(f, 0, "\"label\":\"", 1);      /* the first entry */
    flip_and_expect(f, 9, "\"label\":\"abc", 10);  /* the last: caught by the database head */
    flip_and_expect(f, 9, "\"prev\":\"", 10);     /* the last entry's prev field */
}

static void test_delete_line(void **state)
{
    struct fx *f = *state;
    log_n(f->audit, 0, 10, "k");
    struct lines ls;
    read_lines(f->path, &ls);
    free(ls.l[3]);
    ls.l[3] = NULL; /* entry 4 */
    write_lines(f->path, &ls);
    struct ch_audit_report r = verify(f, true);
    assert_false(r.ok);
    assert_int_equal(r.first_bad, 4);
    assert_int_equal(r.entries, 9);
    free_lines(&ls);

    /* deleting the first line */
    read_lines(f->path, &ls);
    free(ls.l[0]);
    ls.l[0] = NULL;
    write_lines(f->path, &ls);
    r = verify(f, true);
    assert_false(r.ok);
    assert_int_equal(r.first_bad, 1);
    free_lines(&ls);
}

static void test_truncate(void **state)
{
    struct fx *f = *state;
    log_n(f->audit, 0, 10, "k");
    struct lines ls;
    read_lines(f->path, &ls);
    free(ls.l[9]);
    ls.l[9] = NULL;
    free(ls.l[8]);
    ls.l[8] = NULL; /* the last two entries go: the chain itself is intact */
    write_lines(f->path, &ls);

    struct ch_audit_report r = verify(f, false);
    assert_true(r.ok); /* without the database head, truncation at the end is invisible */
    r = verify(f, true);
    assert_false(r.ok);
    assert_int_equal(r.first_bad, 9);
    assert_non_null(strstr(r.reason, "truncated"));
    free_lines(&ls);

    /* Cut in the middle of a line: an incomplete last line. */
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(truncate(f->path, st.st_size - 20), 0);
    r = verify(f, false);
    assert_false(r.ok);
    assert_int_equal(r.first_bad, 8);

    /* Everything gone while the database still knows entry 10. */
    assert_int_equal(truncate(f->path, 0), 0);
    r = verify(f, true);
    assert_false(r.ok);
    assert_int_equal(r.first_bad, 1);
    assert_int_equal(unlink(f->path), 0);
    r = verify(f, true);
    assert_false(r.ok);
    assert_int_equal(r.first_bad, 1);
}

static void test_reorder(void **state)
{
    struct fx *f = *state;
    log_n(f->audit, 0, 10, "k");
    struct lines ls;
    read_lines(f->path, &ls);
    char *t = ls.l[5];
    ls.l[5] = ls.l[6];
    ls.l[6] = t; /* entries 6 and 7 swapped */
    write_lines(f->path, &ls);
    struct ch_audit_report r = verify(f, true);
    assert_false(r.ok);
    assert_int_equal(r.first_bad, 6);
    free_lines(&ls);
}

/* An attacker who rewrites entry 3 and recomputes every later hash keeps the chain valid, but
 * not the head in the database. */
static void test_rewrite_whole_chain(void **state)
{
    struct fx *f = *state;
    log_n(f->audit, 0, 5, "genuine");
    struct lines ls;
    read_lines(f->path, &ls);
    char *p = strstr(ls.l[2], "genuine");
    assert_non_null(p);
    memcpy(p, "forgery", 7);
    uint8_t h[32];
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 3; i < ls.n; i++) {
        assert_int_equal(ch_audit_line_hash(ls.l[i - 1], strlen(ls.l[i - 1]) - 1, h), CKR_OK);
        char *q = strstr(ls.l[i], "\"prev\":\"") + 8;
        for (int k = 0; k < 32; k++) {
            q[2 * k] = hx[h[k] >> 4];
            q[2 * k + 1] = hx[h[k] & 15];
        }
    }
    write_lines(f->path, &ls);
    struct ch_audit_report r = verify(f, false);
    assert_true(r.ok); /* the file alone cannot tell */
    r = verify(f, true);
    assert_false(r.ok);
    assert_int_equal(r.first_bad, 5);
    assert_non_null(strstr(r.reason, "head"));
    free_lines(&ls);
}

/* Lines appended outside the module are not confirmed by the head. */
static void test_appended_forgery(void **state)
{
    struct fx *f = *state;
    log_n(f->audit, 0, 3, "k");
    struct lines ls;
    read_lines(f->path, &ls);
    /* A second writer without the store (as a forger without database access). */
    struct ch_audit *rogue;
    assert_int_equal(ch_audit_open(f->path, NULL, &rogue), CKR_OK);
    log_n(rogue, 0, 2, "rogue");
    ch_audit_close(rogue);
    struct ch_audit_report r = verify(f, true);
    assert_false(r.ok);
    assert_int_equal(r.first_bad, 4);
    free_lines(&ls);
}

/* A crash between the write and the head update leaves the file one entry ahead: verify flags
 * it; the next append continues after that entry and heals the head. */
static void test_interrupted_append_heals(void **state)
{
    struct fx *f = *state;
    log_n(f->audit, 0, 4, "k");
    struct ch_audit_report r = verify(f, true);
    assert_true(r.ok);
    struct lines ls;
    read_lines(f->path, &ls);
    uint8_t h[32];
    assert_int_equal(ch_audit_line_hash(ls.l[2], strlen(ls.l[2]) - 1, h), CKR_OK);
    assert_int_equal(ch_audit_head_put(f->store, 3, h), CKR_OK); /* head back at entry 3 */
    r = verify(f, true);
    assert_false(r.ok);
    assert_int_equal(r.first_bad, 4);
    log_n(f->audit, 0, 1, "k");
    r = verify(f, true);
    assert_true(r.ok);
    assert_int_equal(r.entries, 5);
    free_lines(&ls);
}

/* When the file was truncated, the writer continues from the head: the gap stays visible. */
static void test_writer_does_not_hide_truncation(void **state)
{
    struct fx *f = *state;
    log_n(f->audit, 0, 6, "k");
    struct lines ls;
    read_lines(f->path, &ls);
    free(ls.l[5]);
    ls.l[5] = NULL;
    write_lines(f->path, &ls);
    log_n(f->audit, 0, 1, "after");
    struct ch_audit_report r = verify(f, true);
    assert_false(r.ok);
    assert_int_equal(r.first_bad, 6);
    free_lines(&ls);
}

/* A write cut short leaves a fragment without newline: the next append starts a new line (the
 * record is not swallowed), and the verifier reports the fragment's entry. */
static void test_fragment_not_swallowed(void **state)
{
    struct fx *f = *state;
    log_n(f->audit, 0, 3, "k");
    FILE *fp = fopen(f->path, "a");
    assert_non_null(fp);
    fputs("{\"seq\":4,\"time\":\"2026-", fp);
    fclose(fp);
    struct ch_audit_report r = verify(f, true);
    assert_false(r.ok);
    assert_int_equal(r.first_bad, 4);
    log_n(f->audit, 0, 1, "after-crash");
    struct lines ls;
    read_lines(f->path, &ls);
    assert_int_equal(ls.n, 5);
    struct ch_audit_entry e = {0};
    assert_int_equal(ch_audit_parse_line(ls.l[4], strlen(ls.l[4]) - 1, &e, NULL), CKR_OK);
    assert_string_equal(e.label, "after-crash");
    assert_int_equal(e.seq, 4); /* continues from the database head */
    r = verify(f, true);
    assert_false(r.ok);
    assert_int_equal(r.first_bad, 4);
    free_lines(&ls);
}

/* After restoring an older database, an operator re-anchors the head to the file. */
static void test_reanchor(void **state)
{
    struct fx *f = *state;
    log_n(f->audit, 0, 3, "k");
    uint8_t z[32] = {0};
    assert_int_equal(ch_audit_head_put(f->store, 1, z), CKR_OK);
    struct ch_audit_report r = verify(f, true);
    assert_false(r.ok);
    assert_int_equal(ch_audit_reanchor(f->path, &f->store, NULL, NULL, NULL), CKR_OK);
    r = verify(f, true);
    assert_true(r.ok);
    log_n(f->audit, 0, 2, "k");
    r = verify(f, true);
    assert_true(r.ok);
    assert_int_equal(r.entries, 5);
}

static CK_RV fail_fn(void *arg)
{
    (*(int *)arg)++;
    return CKR_DEVICE_MEMORY;
}

static CK_RV ok_fn(void *arg)
{
    (*(int *)arg)++;
    return CKR_OK;
}

/* Re-anchoring with work under the lock: a failing job changes nothing (not even a new empty
 * log); a succeeding one is followed by the head update and the event, in one locked step. */
static void test_reanchor_with_job(void **state)
{
    struct fx *f = *state;
    int calls = 0;
    struct ch_audit_event ev = {.event = CH_AUDIT_EV_RESTORE, .user_type = CH_AUDIT_USER_NONE,
                                .mechanism = CK_UNAVAILABLE_INFORMATION, .rv = CKR_OK};
    ch_audit_close(f->audit); /* setup's handle created the (empty) file: start without one */
    assert_int_equal(unlink(f->path), 0);
    assert_int_equal(ch_audit_reanchor(f->path, &f->store, fail_fn, &calls, &ev),
                     CKR_DEVICE_MEMORY);
    assert_int_equal(calls, 1);
    assert_int_equal(access(f->path, F_OK), -1); /* not created */

    assert_int_equal(ch_audit_reanchor(f->path, &f->store, ok_fn, &calls, &ev), CKR_OK);
    assert_int_equal(calls, 2);
    struct ch_audit_report r = verify(f, true);
    assert_true(r.ok);
    assert_int_equal(r.entries, 1);

    assert_int_equal(ch_audit_open(f->path, f->store, &f->audit), CKR_OK);
    log_n(f->audit, 0, 2, "k");
    uint8_t z[32] = {0};
    assert_int_equal(ch_audit_head_put(f->store, 1, z), CKR_OK); /* an "older database" */
    assert_int_equal(ch_audit_reanchor(f->path, &f->store, ok_fn, &calls, &ev), CKR_OK);
    r = verify(f, true);
    assert_true(r.ok);
    assert_int_equal(r.entries, 4);
    ev.event = "Bad";
    assert_int_equal(ch_audit_reanchor(f->path, &f->store, NULL, NULL, &ev), CKR_ARGUMENTS_BAD);
}

static void test_label_escaping(void **state)
{
    struct fx *f = *state;
    const char *label = "q\"uo\\te\nnew\r\tline\x01\x1f\x7f caf\xc3\xa9 bad\xff end";
    log_n(f->audit, 0, 1, label);
    log_n(f->audit, 0, 1, NULL);
    struct lines ls;
    read_lines(f->path, &ls);
    assert_int_equal(ls.n, 2); /* the newline did not split the record */
    for (const char *p = ls.l[0]; *p != '\n'; p++)
        assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p != 0x7f);
    cJSON *j = cJSON_Parse(ls.l[0]);
    assert_non_null(j);
    const char *got = cJSON_GetObjectItemCaseSensitive(j, "label")->valuestring;
    /* Valid text round-trips; the invalid byte 0xff became U+00FF. */
    assert_string_equal(got, "q\"uo\\te\nnew\r\tline\x01\x1f\x7f caf\xc3\xa9 bad\xc3\xbf end");
    cJSON_Delete(j);
    j = cJSON_Parse(ls.l[1]);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "label")));
    cJSON_Delete(j);

    struct ch_audit_entry e = {0};
    const char *why = NULL;
    assert_int_equal(ch_audit_parse_line(ls.l[0], strlen(ls.l[0]) - 1, &e, &why), CKR_OK);
    assert_string_equal(e.label, "q\"uo\\te\nnew\r\tline\x01\x1f\x7f caf\xc3\xa9 bad\xc3\xbf end");
    assert_true(e.has_user == false || e.user_type == CH_AUDIT_USER_NONE);
    assert_true(e.has_mechanism);
    assert_int_equal(e.mechanism, CKM_AES_GCM);
    free_lines(&ls);

    /* A long label is cut at CH_AUDIT_LABEL_MAX bytes, on a character boundary. */
    char big[600];
    memset(big, 'a', sizeof(big));
    memcpy(big + CH_AUDIT_LABEL_MAX - 1, "\xc3\xa9", 2);
    big[sizeof(big) - 1] = '\0';
    log_n(f->audit, 0, 1, big);
    read_lines(f->path, &ls);
    assert_int_equal(ch_audit_parse_line(ls.l[2], strlen(ls.l[2]) - 1, &e, &why), CKR_OK);
    assert_int_equal(strlen(e.label), CH_AUDIT_LABEL_MAX - 1);
    free_lines(&ls);
    assert_true(verify(f, true).ok);
}

static void test_bad_events_rejected(void **state)
{
    struct fx *f = *state;
    struct ch_audit_event ev = {.event = "Bad Event", .mechanism = CK_UNAVAILABLE_INFORMATION,
                                .user_type = CH_AUDIT_USER_NONE};
    assert_int_equal(ch_audit_log(f->audit, &ev), CKR_ARGUMENTS_BAD);
    ev.event = "";
    assert_int_equal(ch_audit_log(f->audit, &ev), CKR_ARGUMENTS_BAD);
    ev.event = "x\"y";
    assert_int_equal(ch_audit_log(f->audit, &ev), CKR_ARGUMENTS_BAD);
    ev.event = NULL;
    assert_int_equal(ch_audit_log(f->audit, &ev), CKR_ARGUMENTS_BAD);
    assert_int_equal(ch_audit_log(f->audit, NULL), CKR_ARGUMENTS_BAD);
    struct ch_audit_report r = verify(f, true);
    assert_true(r.ok);
    assert_int_equal(r.entries, 0);
}

static void test_parser_strict(void **state)
{
    (void)state;
    const char *z = "0000000000000000000000000000000000000000000000000000000000000000";
    char ok[512], bad[600];
    struct ch_audit_entry e;
    const char *why;
    snprintf(ok, sizeof(ok),
             "{\"seq\":1,\"time\":\"2026-11-28T09:45:10.123Z\",\"pid\":7,\"slot\":0,\"session\":"
             "null,\"user\":\"so\",\"event\":\"token.init\",\"mechanism\":null,\"object\":null,"
             "\"label\":\"t\",\"rv\":0,\"prev\":\"%s\"}",
             z);
    assert_int_equal(ch_audit_parse_line(ok, strlen(ok), &e, &why), CKR_OK);
    assert_int_equal(e.user_type, (long)CKU_SO);
    assert_int_equal(e.time_ms, 1795859110123LL);
    const char *mutations[][2] = {
        {"{\"seq\":1,", "{\"seq\": 1,"},   /* whitespace */
        {"{\"seq\":1,", "{\"seq\":01,"},   /* leading zero */
        {"{\"seq\":1,", "{\"seq\":0,"},    /* seq starts at 1 */
        {".123Z", ".123+00:00"},          /* not the written time form */
        {"\"user\":\"so\"", "\"user\":\"root\""},
        {"token.init", "Token.Init"},
        {",\"rv\":0", ",\"rv\":-1"},
        {",\"rv\":0", ""},                 /* missing key */
        {"\"label\":\"t\"", "\"label\":\"\\x\""}, /* bad escape */
        {"\"label\":\"t\"", "\"label\":\"\\ud800\""}, /* lone surrogate */
    };
    for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
        const char *at = strstr(ok, mutations[i][0]);
        assert_non_null(at);
        snprintf(bad, sizeof(bad), "%.*s%s%s", (int)(at - ok), ok, mutations[i][1],
                 at + strlen(mutations[i][0]));
        assert_int_equal(ch_audit_parse_line(bad, strlen(bad), &e, &why), CKR_DATA_INVALID);
    }
    /* upper-case hex in prev */
    snprintf(bad, sizeof(bad), "%s", ok);
    char *pv = strstr(bad, "\"prev\":\"") + 8;
    memcpy(pv, "AB", 2);
    assert_int_equal(ch_audit_parse_line(bad, strlen(bad), &e, &why), CKR_DATA_INVALID);
    snprintf(bad, sizeof(bad), "%s ", ok); /* trailing text */
    assert_int_equal(ch_audit_parse_line(bad, strlen(bad), &e, &why), CKR_DATA_INVALID);
}

/* Two processes, each with its own store handle and log handle, append 200 events each at the
 * same time: one valid chain of 400 entries, 200 from each pid. */
static void test_two_processes(void **state)
{
    struct fx *f = *state;
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            struct ch_store *s = NULL;
            struct ch_audit *a = NULL;
            struct ch_audit_opts o = {.fsync = false, .syslog = false};
            int bad = 0;
            if (ch_crypto_init() != CKR_OK || ch_store_open(&f->cfg, 0, &s) != CKR_OK ||
                ch_audit_open_opts(f->path, s, &o, &a) != CKR_OK)
                _exit(2);
            for (int i = 0; i < 200; i++) {
                struct ch_audit_event ev = {.event = CH_AUDIT_EV_LOGIN, .slot = 0,
                                            .session = (unsigned long)i + 1,
                                            .user_type = (long)CKU_USER,
                                            .mechanism = CK_UNAVAILABLE_INFORMATION,
                                            .label = k ? "child-b" : "child-a", .rv = CKR_OK};
                if (ch_audit_log(a, &ev) != CKR_OK)
                    bad++;
            }
            ch_audit_close(a);
            ch_store_close(s);
            _exit(bad ? 1 : 0);
        }
    }
    for (int k = 0; k < 2; k++) {
        int st = 0;
        assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
    }
    struct ch_audit_report r = verify(f, true);
    assert_true(r.ok);
    assert_int_equal(r.entries, 400);
    assert_int_equal(r.head_seq, 400);

    struct lines ls;
    read_lines(f->path, &ls);
    int a = 0, b = 0;
    for (size_t i = 0; i < ls.n; i++) {
        if (strstr(ls.l[i], "child-a") != NULL)
            a++;
        if (strstr(ls.l[i], "child-b") != NULL)
            b++;
    }
    assert_int_equal(a, 200);
    assert_int_equal(b, 200);
    free_lines(&ls);
}

/* Threads of one process share one log handle: the mutex keeps the chain whole. */
static void *thread_logger(void *arg)
{
    log_n(arg, 1, 50, "thread");
    return NULL;
}

static void test_threads(void **state)
{
    struct fx *f = *state;
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, thread_logger, f->audit), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    struct ch_audit_report r = verify(f, true);
    assert_true(r.ok);
    assert_int_equal(r.entries, 200);
}

/* The parser meets arbitrary bytes in a tampered file: mutated and cut copies of a valid line
 * never crash it (run under ASan/UBSan), and whatever it accepts re-parses identically. A
 * fixed seed keeps the run reproducible. */
static void test_parser_mutations(void **state)
{
    (void)state;
    const char *good =
        "{\"seq\":12,\"time\":\"2026-11-28T09:45:10.123Z\",\"pid\":7,\"slot\":3,\"session\":9,"
        "\"user\":\"user\",\"event\":\"object.create\",\"mechanism\":4225,\"object\":77,"
        "\"label\":\"k\\u00e9y \\\"x\\\"\",\"rv\":0,\"prev\":"
        "\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"}";
    size_t n = strlen(good);
    char buf[512];
    struct ch_audit_entry e, e2;
    uint32_t x = 0x12345678u;
    const char *why;
    assert_int_equal(ch_audit_parse_line(good, n, &e, &why), CKR_OK);
    assert_string_equal(e.label, "k\xc3\xa9y \"x\"");
    assert_int_equal(e.session, 9);
    assert_int_equal(e.mechanism, 4225);
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(buf, good, n);
        size_t len = n;
        int edits = 1 + (int)(x % 3);
        for (int k = 0; k < edits && len > 0; k++) {
            x = x * 1103515245u + 12345u;
            size_t at = (x >> 8) % len;
            x = x * 1103515245u + 12345u;
            switch ((x >> 16) % 4) {
            case 0: buf[at] = (char)(x >> 24); break;         /* any byte */
            case 1: buf[at] ^= (char)(1u << ((x >> 24) % 8)); break;
            case 2: len = at; break;                          /* cut */
            default: buf[at] = "\"\\{}:,0u"[(x >> 24) % 9]; break;
            }
        }
        e.line_no = 0;
        if (ch_audit_parse_line(buf, len, &e, &why) == CKR_OK) {
            assert_int_equal(ch_audit_parse_line(buf, len, &e2, &why), CKR_OK);
            assert_int_equal(e.seq, e2.seq);
            assert_string_equal(e.label, e2.label);
        } else {
            assert_non_null(why);
        }
    }
}

/* Verifying while another process appends never reports a false break: the verifier's shared
 * lock keeps each append (line + head) whole from its point of view. */
static void test_verify_during_appends(void **state)
{
    struct fx *f = *state;
    log_n(f->audit, 0, 1, "first");
    pid_t kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        struct ch_store *s = NULL;
        struct ch_audit *a = NULL;
        struct ch_audit_opts o = {.fsync = false, .syslog = false};
        if (ch_crypto_init() != CKR_OK || ch_store_open(&f->cfg, 0, &s) != CKR_OK ||
            ch_audit_open_opts(f->path, s, &o, &a) != CKR_OK)
            _exit(2);
        struct ch_audit_event ev = {.event = CH_AUDIT_EV_LOGIN, .user_type = (long)CKU_USER,
                                    .mechanism = CK_UNAVAILABLE_INFORMATION, .rv = CKR_OK};
        for (int i = 0; i < 150; i++)
            if (ch_audit_log(a, &ev) != CKR_OK)
                _exit(1);
        ch_audit_close(a);
        ch_store_close(s);
        _exit(0);
    }
    int st = 0, rounds = 0;
    for (;;) {
        pid_t done = waitpid(kid, &st, WNOHANG);
        struct ch_audit_report r = verify(f, true);
        if (!r.ok)
            fail_msg("false alarm while appending: entry %llu: %s",
                     (unsigned long long)r.first_bad, r.reason);
        rounds++;
        if (done == kid)
            break;
    }
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    struct ch_audit_report r = verify(f, true);
    assert_true(r.ok);
    assert_int_equal(r.entries, 151);
    assert_true(rounds >= 1);
}

static CK_RV count_cb(void *arg, const struct ch_audit_entry *e)
{
    int *n = arg;
    (*n)++;
    if (e->seq != (uint64_t)*n)
        return CKR_GENERAL_ERROR;
    return CKR_OK;
}

static void test_reader(void **state)
{
    struct fx *f = *state;
    int n = 0;
    uint64_t bad = 99;
    assert_int_equal(ch_audit_read(f->path, count_cb, &n, &bad), CKR_OK); /* no file yet */
    assert_int_equal(n, 0);
    log_n(f->audit, 3, 7, "r");
    assert_int_equal(ch_audit_read(f->path, count_cb, &n, &bad), CKR_OK);
    assert_int_equal(n, 7);
    assert_int_equal(bad, 0);
    FILE *fp = fopen(f->path, "a");
    fputs("garbage\n", fp);
    fclose(fp);
    n = 0;
    assert_int_equal(ch_audit_read(f->path, count_cb, &n, &bad), CKR_DATA_INVALID);
    assert_int_equal(bad, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fresh_log_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flip_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reorder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewrite_whole_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_appended_forgery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interrupted_append_heals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_does_not_hide_truncation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reanchor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reanchor_with_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fragment_not_swallowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_label_escaping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_events_rejected, setup, teardown),
        cmocka_unit_test(test_parser_strict),
        cmocka_unit_test(test_parser_mutations),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_processes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_during_appends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
