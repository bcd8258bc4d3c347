/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the narrow admin API (include/craton_hsm/admin.h, tools/admin/admin_archive.c):
 * backup archives round-trip onto a fresh storage directory; a changed byte in every header
 * field, a changed ciphertext or tag byte, truncation at many lengths, trailing bytes, a foreign
 * file and a wrong passphrase are refused with the target untouched; the audit chain of a slot
 * is re-anchored and records backup and restore. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "craton_hsm/admin.h"
#include "crypto/crypto.h"
#include "fips/fips.h"
#include "store/store.h"

#define ITER CH_ADMIN_BACKUP_MIN_ITER
static const uint8_t PASS[] = "correct horse battery";
static const uint8_t SO_PIN[] = "so-pin-1234";

struct fx {
    char src[64], dst[64], bak[96];
    struct ch_admin_storage st_src, st_dst;
    uint8_t *archive;
    size_t archive_len;
};

static void rm_rf(const char *dir)
{
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static void read_all(const char *path, uint8_t **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    *buf = malloc((size_t)n);
    assert_non_null(*buf);
    assert_int_equal(fread(*buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
}

static void write_all(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len > 0)
        assert_int_equal(fwrite(buf, 1, len, f), len);
    fclose(f);
}

static CK_RV count_cb(void *arg, const struct ch_store_record *rec)
{
    (void)rec;
    (*(size_t *)arg)++;
    return CKR_OK;
}

/* A token with a label, SO PIN and two public records, backed up once. */
static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct ch_store_config cfg = {0};
    struct ch_store *s = NULL;
    uint8_t label[32];
    uint64_t id;
    char err[256];
    assert_non_null(f);
    snprintf(f->src, sizeof(f->src), "/tmp/ch-admin-src-XXXXXX");
    snprintf(f->dst, sizeof(f->dst), "/tmp/ch-admin-dst-XXXXXX");
    assert_non_null(mkdtemp(f->src));
    assert_non_null(mkdtemp(f->dst));
    snprintf(f->bak, sizeof(f->bak), "%s/token.bak", f->src);
    f->st_src = (struct ch_admin_storage){f->src, NULL, CH_STORE_PBKDF2_MIN};
    f->st_dst = (struct ch_admin_storage){f->dst, NULL, CH_STORE_PBKDF2_MIN};
    cfg.dir = f->src;
    cfg.pbkdf2_iterations = CH_STORE_PBKDF2_MIN;
    cfg.max_failed_logins = 10;
    assert_int_equal(ch_store_open(&cfg, 3, &s), CKR_OK);
    memset(label, ' ', sizeof(label));
    memcpy(label, "backup me", 9);
    assert_int_equal(ch_store_token_init(s, SO_PIN, sizeof(SO_PIN) - 1, label), CKR_OK);
    assert_int_equal(ch_store_login(s, CH_STORE_SO, SO_PIN, sizeof(SO_PIN) - 1, true), CKR_OK);
    assert_int_equal(ch_store_obj_create(s, false, (const uint8_t *)"one", 3, NULL, 0, &id),
                     CKR_OK);
    assert_int_equal(ch_store_obj_create(s, false, (const uint8_t *)"two", 3, NULL, 0, &id),
                     CKR_OK);
    ch_store_close(s);
    assert_int_equal(ch_admin_audit_event(&f->st_src, 3, CH_AUDIT_EV_TOKEN_INIT, "backup me",
                                          CKR_OK),
                     CKR_OK);

    assert_int_equal(ch_admin_backup(&f->st_src, 3, PASS, sizeof(PASS) - 1, ITER, f->bak, false,
                                     NULL, NULL, err, sizeof(err)),
                     CKR_OK);
    read_all(f->bak, &f->archive, &f->archive_len);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    rm_rf(f->src);
    rm_rf(f->dst);
    free(f->archive);
    free(f);
    return 0;
}

static CK_RV try_restore(struct fx *f, const uint8_t *buf, size_t len, const uint8_t *pass,
                         size_t pass_len)
{
    char path[128], err[256] = "";
    snprintf(path, sizeof(path), "%s/candidate.bak", f->src);
    write_all(path, buf, len);
    CK_RV rv = ch_admin_restore(&f->st_dst, path, UINT32_MAX, pass, pass_len, false, NULL, NULL,
                                NULL, err, sizeof(err));
    if (rv != CKR_OK)
        assert_true(strlen(err) > 0); /* always a message */
    return rv;
}

static void test_round_trip(void **state)
{
    struct fx *f = *state;
    struct ch_admin_backup_info info;
    char err[256];
    uint32_t slot = 0;
    assert_int_equal(ch_admin_backup_inspect(f->bak, &info, err, sizeof(err)), CKR_OK);
    assert_int_equal(info.version, CH_ADMIN_BACKUP_VERSION);
    assert_int_equal(info.slot, 3);
    assert_int_equal(info.iterations, ITER);
    assert_string_equal(info.label, "backup me");
    assert_int_equal(f->archive_len, CH_ADMIN_BACKUP_HEADER_LEN + info.image_len + 16);

    struct stat sb;
    assert_int_equal(stat(f->bak, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);

    assert_int_equal(ch_admin_restore(&f->st_dst, f->bak, UINT32_MAX, PASS, sizeof(PASS) - 1,
                                      false, &slot, NULL, NULL, err, sizeof(err)),
                     CKR_OK);
    assert_int_equal(slot, 3);

    struct ch_store_config cfg = {.dir = f->dst, .pbkdf2_iterations = CH_STORE_PBKDF2_MIN,
                                  .max_failed_logins = 10};
    struct ch_store *s = NULL;
    struct ch_store_token_info ti;
    size_t n = 0;
    assert_int_equal(ch_store_open(&cfg, 3, &s), CKR_OK);
    assert_int_equal(ch_store_token_info(s, &ti), CKR_OK);
    assert_true(ti.initialized);
    assert_memory_equal(ti.label, "backup me", 9);
    assert_string_equal(ti.serial, info.serial);
    assert_int_equal(ch_store_obj_foreach(s, count_cb, &n, NULL), CKR_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ch_store_login(s, CH_STORE_SO, SO_PIN, sizeof(SO_PIN) - 1, false), CKR_OK);
    ch_store_close(s);

    /* The restored token's log starts a fresh chain anchored in the restored database. */
    struct ch_admin_audit_result ar;
    assert_int_equal(ch_admin_audit_verify(&f->st_dst, 3, &ar), CKR_OK);
    assert_true(ar.ok);
    assert_true(ar.head_checked);
    assert_int_equal(ar.entries, 1); /* "restore" */
    /* The source log holds token.init and backup, and still verifies. */
    assert_int_equal(ch_admin_audit_verify(&f->st_src, 3, &ar), CKR_OK);
    assert_true(ar.ok);
    assert_int_equal(ar.entries, 2);

    /* Restoring over the now initialized token needs overwrite. */
    assert_int_equal(ch_admin_restore(&f->st_dst, f->bak, UINT32_MAX, PASS, sizeof(PASS) - 1,
                                      false, NULL, NULL, NULL, err, sizeof(err)),
                     CKR_TOKEN_WRITE_PROTECTED);
    assert_int_equal(ch_admin_restore(&f->st_dst, f->bak, UINT32_MAX, PASS, sizeof(PASS) - 1,
                                      true, NULL, NULL, NULL, err, sizeof(err)),
                     CKR_OK);
    assert_int_equal(ch_admin_audit_verify(&f->st_dst, 3, &ar), CKR_OK);
    assert_true(ar.ok); /* re-anchored onto the existing log, which goes on */
    assert_int_equal(ar.entries, 2);
}

/* Every header field is covered: by the format checks (bytes 0..23 and the image length, each
 * byte tried) or, as GCM AAD, by the tag (one byte of every other field, each costing a key
 * derivation: salt, IV, slot, time, serial, label). */
static void test_every_header_field(void **state)
{
    struct fx *f = *state;
    uint8_t *copy = malloc(f->archive_len);
    size_t at[48], n = 0;
    assert_non_null(copy);
    for (size_t i = 0; i < 20; i++)
        at[n++] = i; /* magic, version, header length, kdf, aead, reserved, iterations */
    for (size_t i = 76; i < 84; i++)
        at[n++] = i; /* image length */
    const size_t aad_only[] = {20, 51, 52, 63, 67, 75, 84, 99, 100, 131};
    for (size_t i = 0; i < sizeof(aad_only) / sizeof(aad_only[0]); i++)
        at[n++] = aad_only[i];
    for (size_t k = 0; k < n; k++) {
        memcpy(copy, f->archive, f->archive_len);
        copy[at[k]] ^= 0x04;
        CK_RV rv = try_restore(f, copy, f->archive_len, PASS, sizeof(PASS) - 1);
        if (rv == CKR_OK)
            fail_msg("header byte %zu changed and still accepted", at[k]);
        assert_int_equal(count_entries(f->dst), 0); /* nothing written */
    }
    free(copy);
}

static void test_body_and_tag(void **state)
{
    struct fx *f = *state;
    uint8_t *copy = malloc(f->archive_len);
    assert_non_null(copy);
    const size_t at[] = {CH_ADMIN_BACKUP_HEADER_LEN, CH_ADMIN_BACKUP_HEADER_LEN + 1000,
                         f->archive_len - 17, f->archive_len - 16, f->archive_len - 1};
    for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
        memcpy(copy, f->archive, f->archive_len);
        copy[at[k]] ^= 0x80;
        assert_int_equal(try_restore(f, copy, f->archive_len, PASS, sizeof(PASS) - 1),
                         CKR_ENCRYPTED_DATA_INVALID);
        assert_int_equal(count_entries(f->dst), 0);
    }
    free(copy);
}

static void test_truncated_and_trailing(void **state)
{
    struct fx *f = *state;
    const size_t lens[] = {0, 1, 7, 8, 100, CH_ADMIN_BACKUP_HEADER_LEN - 1,
                           CH_ADMIN_BACKUP_HEADER_LEN, CH_ADMIN_BACKUP_HEADER_LEN + 1,
                           f->archive_len / 2, f->archive_len - 16, f->archive_len - 1};
    for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
        CK_RV rv = try_restore(f, f->archive, lens[k], PASS, sizeof(PASS) - 1);
        assert_true(rv == CKR_DATA_LEN_RANGE || rv == CKR_DATA_INVALID);
        assert_int_equal(count_entries(f->dst), 0);
    }
    uint8_t *longer = malloc(f->archive_len + 1);
    assert_non_null(longer);
    memcpy(longer, f->archive, f->archive_len);
    longer[f->archive_len] = 0;
    assert_int_equal(try_restore(f, longer, f->archive_len + 1, PASS, sizeof(PASS) - 1),
                     CKR_DATA_LEN_RANGE);
    free(longer);
    assert_int_equal(count_entries(f->dst), 0);
}

static void test_foreign_and_wrong_passphrase(void **state)
{
    struct fx *f = *state;
    static const uint8_t sqlite_magic[] = "SQLite format 3";
    assert_int_equal(try_restore(f, sqlite_magic, sizeof(sqlite_magic), PASS, sizeof(PASS) - 1),
                     CKR_DATA_INVALID);
    assert_int_equal(try_restore(f, f->archive, f->archive_len, (const uint8_t *)"wrong", 5),
                     CKR_ENCRYPTED_DATA_INVALID);
    assert_int_equal(count_entries(f->dst), 0);
    char err[256];
    assert_int_equal(ch_admin_backup_inspect("/nonexistent/x.bak", NULL, err, sizeof(err)),
                     CKR_DEVICE_ERROR);
}

static void test_backup_refusals(void **state)
{
    struct fx *f = *state;
    char err[256], out[128];
    snprintf(out, sizeof(out), "%s/other.bak", f->src);
    /* existing output without overwrite */
    assert_int_equal(ch_admin_backup(&f->st_src, 3, PASS, sizeof(PASS) - 1, ITER, f->bak, false,
                                     NULL, NULL, err, sizeof(err)),
                     CKR_ARGUMENTS_BAD);
    /* slot without a database: none is created */
    assert_int_equal(ch_admin_backup(&f->st_src, 9, PASS, sizeof(PASS) - 1, ITER, out, false,
                                     NULL, NULL, err, sizeof(err)),
                     CKR_TOKEN_NOT_PRESENT);
    assert_int_equal(access(out, F_OK), -1);
    /* iteration count below the floor */
    assert_int_equal(ch_admin_backup(&f->st_src, 3, PASS, sizeof(PASS) - 1, 1000, out, false,
                                     NULL, NULL, err, sizeof(err)),
                     CKR_ARGUMENTS_BAD);
    /* two backups of the same token differ (fresh salt and IV) */
    uint8_t *again;
    size_t again_len;
    assert_int_equal(ch_admin_backup(&f->st_src, 3, PASS, sizeof(PASS) - 1, ITER, out, false,
                                     NULL, NULL, err, sizeof(err)),
                     CKR_OK);
    read_all(out, &again, &again_len);
    assert_true(again_len == f->archive_len);
    assert_true(memcmp(again + 20, f->archive + 20, 44) != 0); /* salt and IV */
    free(again);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_header_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_and_tag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_and_trailing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_and_wrong_passphrase, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup_refusals, setup, teardown),
    };
    /* The store draws its token key from the module DRBG: set up once for all tests. */
    if (ch_crypto_init() != CKR_OK || ch_drbg_init() != CKR_OK)
        return 1;
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    ch_drbg_fini();
    return r;
}
