/* SPDX-License-Identifier: Apache-2.0 */
/* craton-hsm-admin's narrow internal API (include/craton_hsm/admin.h): encrypted, authenticated
 * whole-token backup archives, their restore, and audit log access, on top of src/store,
 * src/crypto and src/audit. Tool side: never part of libcraton_hsm.so. Restore changes nothing
 * until every check has passed; passphrase-derived keys and plaintext images are wiped. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "craton_hsm/admin.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "util/ch_wipe.h"

#define CHUNK (1u << 20)

static void msg(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void msg(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    if (err == NULL || cap == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

static void progress(ch_admin_progress_cb cb, void *arg, const char *stage, uint64_t done,
                     uint64_t total)
{
    if (cb != NULL)
        cb(arg, stage, done, total);
}

static void store_cfg(const struct ch_admin_storage *st, struct ch_store_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->dir = st->dir;
    cfg->pbkdf2_iterations = st->pbkdf2_iterations >= CH_STORE_PBKDF2_MIN
                                 ? st->pbkdf2_iterations
                                 : CH_STORE_PBKDF2_DEFAULT;
    cfg->max_failed_logins = 10;
    cfg->backoff_initial_ms = 100;
    cfg->backoff_max_ms = 5000;
}

/* Does the slot have a database file? Opening a store would create one. */
static bool db_exists(const struct ch_admin_storage *st, uint32_t slot)
{
    struct ch_store_config cfg;
    char path[4096];
    store_cfg(st, &cfg);
    if (ch_store_path(&cfg, slot, path, sizeof(path)) != CKR_OK)
        return false;
    return access(path, F_OK) == 0;
}

/* ---- header --------------------------------------------------------------------------------- */

struct hdr {
    uint16_t version, header_len;
    uint8_t kdf, aead;
    uint32_t iterations;
    uint8_t salt[CH_ADMIN_BACKUP_SALT_LEN];
    uint8_t iv[CH_GCM_IV_LEN];
    uint32_t slot;
    uint64_t created, image_len;
    char serial[16];
    uint8_t label[32];
};

static uint8_t *be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (uint8_t)(v & 0xFF);
        v >>= 8;
    }
    return p + n;
}

static uint64_t rbe(const uint8_t **p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | (*p)[i];
    *p += n;
    return v;
}

static void hdr_encode(const struct hdr *h, uint8_t out[CH_ADMIN_BACKUP_HEADER_LEN])
{
    uint8_t *p = out;
    memcpy(p, CH_ADMIN_BACKUP_MAGIC, 8);
    p += 8;
    p = be(p, h->version, 2);
    p = be(p, h->header_len, 2);
    *p++ = h->kdf;
    *p++ = h->aead;
    p = be(p, 0, 2);
    p = be(p, h->iterations, 4);
    memcpy(p, h->salt, sizeof(h->salt));
    p += sizeof(h->salt);
    memcpy(p, h->iv, sizeof(h->iv));
    p += sizeof(h->iv);
    p = be(p, h->slot, 4);
    p = be(p, h->created, 8);
    p = be(p, h->image_len, 8);
    memcpy(p, h->serial, 16);
    p += 16;
    memcpy(p, h->label, 32);
}

/* Checks everything that can be checked without the key; file_len is the whole file's size. */
static CK_RV hdr_decode(const uint8_t *in, uint64_t file_len, struct hdr *h, char *err,
                        size_t cap)
{
    const uint8_t *p = in;
    if (file_len < 8 || memcmp(in, CH_ADMIN_BACKUP_MAGIC, 8) != 0) {
        msg(err, cap, "not a Craton HSM backup archive (bad magic)");
        return CKR_DATA_INVALID;
    }
    if (file_len < CH_ADMIN_BACKUP_HEADER_LEN) {
        msg(err, cap, "archive truncated: %" PRIu64 " bytes, shorter than its header", file_len);
        return CKR_DATA_LEN_RANGE;
    }
    p += 8;
    h->version = (uint16_t)rbe(&p, 2);
    h->header_len = (uint16_t)rbe(&p, 2);
    h->kdf = *p++;
    h->aead = *p++;
    uint16_t reserved = (uint16_t)rbe(&p, 2);
    h->iterations = (uint32_t)rbe(&p, 4);
    memcpy(h->salt, p, sizeof(h->salt));
    p += sizeof(h->salt);
    memcpy(h->iv, p, sizeof(h->iv));
    p += sizeof(h->iv);
    h->slot = (uint32_t)rbe(&p, 4);
    h->created = rbe(&p, 8);
    h->image_len = rbe(&p, 8);
    memcpy(h->serial, p, 16);
    p += 16;
    memcpy(h->label, p, 32);
    if (h->version != CH_ADMIN_BACKUP_VERSION) {
        msg(err, cap, "unsupported archive version %u (this tool reads version %u)",
            (unsigned)h->version, CH_ADMIN_BACKUP_VERSION);
        return CKR_DATA_INVALID;
    }
    if (h->header_len != CH_ADMIN_BACKUP_HEADER_LEN || h->kdf != 1 || h->aead != 1 ||
        reserved != 0) {
        msg(err, cap, "damaged archive header (unknown header length, KDF or cipher)");
        return CKR_DATA_INVALID;
    }
    if (h->iterations < CH_ADMIN_BACKUP_MIN_ITER || h->iterations > CH_ADMIN_BACKUP_MAX_ITER) {
        msg(err, cap, "damaged archive header (implausible iteration count %u)",
            (unsigned)h->iterations);
        return CKR_DATA_INVALID;
    }
    uint64_t want = (uint64_t)CH_ADMIN_BACKUP_HEADER_LEN + CH_GCM_TAG_LEN;
    if (h->image_len > UINT64_MAX - want) {
        msg(err, cap, "damaged archive header (image length)");
        return CKR_DATA_INVALID;
    }
    want += h->image_len;
    if (file_len < want) {
        msg(err, cap, "archive truncated: %" PRIu64 " of %" PRIu64 " bytes present", file_len,
            want);
        return CKR_DATA_LEN_RANGE;
    }
    if (file_len > want) {
        msg(err, cap, "archive has %" PRIu64 " unexpected trailing bytes", file_len - want);
        return CKR_DATA_LEN_RANGE;
    }
    return CKR_OK;
}

static void info_from_hdr(const struct hdr *h, struct ch_admin_backup_info *info)
{
    memset(info, 0, sizeof(*info));
    info->version = h->version;
    info->iterations = h->iterations;
    info->slot = h->slot;
    info->created = h->created;
    info->image_len = h->image_len;
    for (int i = 0; i < 16; i++)
        info->serial[i] = (h->serial[i] >= 0x20 && h->serial[i] < 0x7F) ? h->serial[i] : '?';
    memcpy(info->label, h->label, 32);
    int n = 32;
    while (n > 0 && info->label[n - 1] == ' ')
        n--;
    info->label[n] = '\0';
}

/* ---- file helpers --------------------------------------------------------------------------- */

static CK_RV read_file(const char *path, uint8_t **buf, uint64_t *len, char *err, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    *buf = NULL;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        msg(err, cap, "cannot read %s: %s", path, fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0)
            close(fd);
        return CKR_DEVICE_ERROR;
    }
    size_t n = (size_t)sb.st_size, got = 0;
    uint8_t *b = malloc(n > 0 ? n : 1);
    if (b == NULL) {
        close(fd);
        return CKR_HOST_MEMORY;
    }
    while (got < n) {
        ssize_t k = read(fd, b + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    *buf = b;
    *len = got;
    return CKR_OK;
}

static CK_RV write_all(int fd, const uint8_t *p, size_t n, ch_admin_progress_cb cb, void *arg,
                       uint64_t base, uint64_t total)
{
    size_t done = 0;
    while (done < n) {
        size_t want = n - done < CHUNK ? n - done : CHUNK;
        ssize_t k = write(fd, p + done, want);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return CKR_DEVICE_ERROR;
        done += (size_t)k;
        progress(cb, arg, "write", base + done, total);
    }
    return CKR_OK;
}

/* ---- backup --------------------------------------------------------------------------------- */

CK_RV ch_admin_backup(const struct ch_admin_storage *st, uint32_t slot, const uint8_t *pass,
                      size_t pass_len, uint32_t iterations, const char *out_path, bool overwrite,
                      ch_admin_progress_cb cb, void *cb_arg, char *err, size_t err_cap)
{
    struct ch_store_config cfg;
    struct ch_store *s = NULL;
    struct ch_store_token_info ti;
    uint8_t *image = NULL, *ct = NULL;
    size_t image_len = 0;
    uint8_t key[32], header[CH_ADMIN_BACKUP_HEADER_LEN], tag[CH_GCM_TAG_LEN];
    struct hdr h;
    char tmp[4200];
    int fd = -1;
    bool tmp_made = false;
    CK_RV rv;

    if (st == NULL || st->dir == NULL || pass == NULL || out_path == NULL)
        return CKR_ARGUMENTS_BAD;
    if (iterations == 0)
        iterations = CH_ADMIN_BACKUP_DEFAULT_ITER;
    if (iterations < CH_ADMIN_BACKUP_MIN_ITER || iterations > CH_ADMIN_BACKUP_MAX_ITER) {
        msg(err, err_cap, "iteration count must be between %u and %u", CH_ADMIN_BACKUP_MIN_ITER,
            CH_ADMIN_BACKUP_MAX_ITER);
        return CKR_ARGUMENTS_BAD;
    }
    if (!overwrite && access(out_path, F_OK) == 0) {
        msg(err, err_cap, "%s exists (use --force to replace it)", out_path);
        return CKR_ARGUMENTS_BAD;
    }
    if (!db_exists(st, slot)) {
        msg(err, err_cap, "slot %u has no token database in %s", (unsigned)slot, st->dir);
        return CKR_TOKEN_NOT_PRESENT;
    }
    store_cfg(st, &cfg);
    memset(&h, 0, sizeof(h));

    rv = ch_crypto_init();
    if (rv != CKR_OK) {
        msg(err, err_cap, "crypto initialisation failed");
        goto out;
    }
    rv = ch_store_open(&cfg, slot, &s);
    if (rv != CKR_OK) {
        msg(err, err_cap, "cannot open the token database of slot %u", (unsigned)slot);
        goto out;
    }
    rv = ch_store_token_info(s, &ti);
    if (rv == CKR_OK && !ti.initialized)
        rv = CKR_TOKEN_NOT_RECOGNIZED;
    if (rv != CKR_OK) {
        msg(err, err_cap, "the token in slot %u is not initialized", (unsigned)slot);
        goto out;
    }
    progress(cb, cb_arg, "snapshot", 0, 0);
    rv = ch_store_snapshot(s, &image, &image_len);
    if (rv != CKR_OK) {
        msg(err, err_cap, "cannot take a snapshot of the token database");
        goto out;
    }
    progress(cb, cb_arg, "snapshot", image_len, image_len);

    h.version = CH_ADMIN_BACKUP_VERSION;
    h.header_len = CH_ADMIN_BACKUP_HEADER_LEN;
    h.kdf = 1;
    h.aead = 1;
    h.iterations = iterations;
    h.slot = slot;
    h.created = (uint64_t)time(NULL);
    h.image_len = image_len;
    memcpy(h.serial, ti.serial, 16);
    memcpy(h.label, ti.label, 32);
    if (getrandom(h.salt, sizeof(h.salt), 0) != (ssize_t)sizeof(h.salt) ||
        getrandom(h.iv, sizeof(h.iv), 0) != (ssize_t)sizeof(h.iv)) {
        msg(err, err_cap, "no randomness available");
        rv = CKR_DEVICE_ERROR;
        goto out;
    }
    hdr_encode(&h, header);

    rv = ch_crypto_pbkdf2(CH_HASH_SHA256, pass, pass_len, h.salt, sizeof(h.salt), iterations, key,
                          sizeof(key));
    if (rv != CKR_OK) {
        msg(err, err_cap, "key derivation failed");
        goto out;
    }
    ct = malloc(image_len > 0 ? image_len : 1);
    if (ct == NULL) {
        rv = CKR_HOST_MEMORY;
        goto out;
    }
    progress(cb, cb_arg, "encrypt", 0, image_len);
    rv = ch_crypto_aes256gcm_seal(key, h.iv, header, sizeof(header), image, image_len, ct, tag);
    if (rv != CKR_OK) {
        msg(err, err_cap, "encryption failed");
        goto out;
    }
    progress(cb, cb_arg, "encrypt", image_len, image_len);

    if (snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", out_path, (long)getpid()) >= (int)sizeof(tmp)) {
        rv = CKR_ARGUMENTS_BAD;
        goto out;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        msg(err, err_cap, "cannot create %s: %s", tmp, strerror(errno));
        rv = CKR_DEVICE_ERROR;
        goto out;
    }
    tmp_made = true;
    uint64_t total = sizeof(header) + (uint64_t)image_len + sizeof(tag);
    rv = write_all(fd, header, sizeof(header), NULL, NULL, 0, total);
    if (rv == CKR_OK)
        rv = write_all(fd, ct, image_len, cb, cb_arg, sizeof(header), total);
    if (rv == CKR_OK)
        rv = write_all(fd, tag, sizeof(tag), NULL, NULL, 0, total);
    if (rv != CKR_OK || fsync(fd) != 0 || close(fd) != 0) {
        fd = -1;
        msg(err, err_cap, "cannot write %s: %s", tmp, strerror(errno));
        rv = CKR_DEVICE_ERROR;
        goto out;
    }
    fd = -1;
    if (rename(tmp, out_path) != 0) {
        msg(err, err_cap, "cannot rename %s to %s: %s", tmp, out_path, strerror(errno));
        rv = CKR_DEVICE_ERROR;
        goto out;
    }
    tmp_made = false;
    progress(cb, cb_arg, "write", total, total);
    rv = CKR_OK;
out:
    if (fd >= 0)
        close(fd);
    if (tmp_made)
        unlink(tmp);
    ch_wipe(key, sizeof(key));
    if (image != NULL) {
        ch_wipe(image, image_len);
        free(image);
    }
    free(ct);
    ch_store_close(s);
    if (rv == CKR_OK || rv == CKR_DEVICE_ERROR)
        (void)ch_admin_audit_event(st, slot, CH_AUDIT_EV_BACKUP, NULL, rv);
    return rv;
}

CK_RV ch_admin_backup_inspect(const char *path, struct ch_admin_backup_info *info, char *err,
                              size_t err_cap)
{
    uint8_t *buf = NULL;
    uint64_t len = 0;
    struct hdr h;
    CK_RV rv = read_file(path, &buf, &len, err, err_cap);
    if (rv != CKR_OK)
        return rv;
    rv = hdr_decode(buf, len, &h, err, err_cap);
    if (rv == CKR_OK && info != NULL)
        info_from_hdr(&h, info);
    free(buf);
    return rv;
}

/* ---- restore -------------------------------------------------------------------------------- */

struct restore_job {
    const struct ch_store_config *cfg;
    uint32_t slot;
    const uint8_t *image;
    size_t len;
    struct ch_store *store; /* opened after the replacement, for the audit head */
    CK_RV restore_rv;
};

/* mkdir -p (mode 0700) of the directory part of `file` (a fresh host has no storage yet). */
static bool make_dirs(const char *file)
{
    char d[4200];
    if (snprintf(d, sizeof(d), "%s", file) >= (int)sizeof(d))
        return false;
    char *slash = strrchr(d, '/');
    if (slash == NULL || slash == d)
        return true;
    *slash = '\0';
    for (char *p = d + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(d, 0700) != 0 && errno != EEXIST)
            return false;
        *p = '/';
    }
    return mkdir(d, 0700) == 0 || errno == EEXIST;
}

/* Runs under the audit log's exclusive lock (ch_audit_reanchor). */
static CK_RV restore_locked(void *arg)
{
    struct restore_job *j = arg;
    j->restore_rv = ch_store_restore(j->cfg, j->slot, j->image, j->len);
    if (j->restore_rv != CKR_OK)
        return j->restore_rv;
    return ch_store_open(j->cfg, j->slot, &j->store);
}

CK_RV ch_admin_restore(const struct ch_admin_storage *st, const char *in_path, uint32_t slot,
                       const uint8_t *pass, size_t pass_len, bool overwrite, uint32_t *slot_out,
                       ch_admin_progress_cb cb, void *cb_arg, char *err, size_t err_cap)
{
    struct ch_store_config cfg;
    struct ch_store *s = NULL;
    uint8_t *file = NULL, *image = NULL;
    uint64_t file_len = 0;
    uint8_t key[32];
    struct hdr h;
    CK_RV rv;

    if (st == NULL || st->dir == NULL || in_path == NULL || pass == NULL)
        return CKR_ARGUMENTS_BAD;
    store_cfg(st, &cfg);
    progress(cb, cb_arg, "read", 0, 0);
    rv = read_file(in_path, &file, &file_len, err, err_cap);
    if (rv != CKR_OK)
        goto out;
    progress(cb, cb_arg, "read", file_len, file_len);
    rv = hdr_decode(file, file_len, &h, err, err_cap);
    if (rv != CKR_OK)
        goto out;
    if (slot == UINT32_MAX)
        slot = h.slot;
    if (slot_out != NULL)
        *slot_out = slot;

    /* Refuse to replace a live token unless asked: checked before the (slow) key derivation. */
    if (db_exists(st, slot)) {
        struct ch_store_token_info ti;
        CK_RV r2 = ch_crypto_init();
        if (r2 == CKR_OK)
            r2 = ch_store_open(&cfg, slot, &s);
        if (r2 == CKR_OK)
            r2 = ch_store_token_info(s, &ti);
        ch_store_close(s);
        s = NULL;
        if (r2 != CKR_OK) {
            msg(err, err_cap, "cannot read the current token of slot %u", (unsigned)slot);
            rv = CKR_DEVICE_ERROR;
            goto out;
        }
        if (ti.initialized && !overwrite) {
            msg(err, err_cap,
                "slot %u holds an initialized token; use --force to replace it with the backup",
                (unsigned)slot);
            rv = CKR_TOKEN_WRITE_PROTECTED;
            goto out;
        }
    }

    rv = ch_crypto_init();
    if (rv != CKR_OK) {
        msg(err, err_cap, "crypto initialisation failed");
        goto out;
    }
    rv = ch_crypto_pbkdf2(CH_HASH_SHA256, pass, pass_len, h.salt, sizeof(h.salt), h.iterations,
                          key, sizeof(key));
    if (rv != CKR_OK) {
        msg(err, err_cap, "key derivation failed");
        goto out;
    }
    image = malloc(h.image_len > 0 ? (size_t)h.image_len : 1);
    if (image == NULL) {
        rv = CKR_HOST_MEMORY;
        goto out;
    }
    progress(cb, cb_arg, "decrypt", 0, h.image_len);
    rv = ch_crypto_aes256gcm_open(key, h.iv, file, CH_ADMIN_BACKUP_HEADER_LEN,
                                  file + CH_ADMIN_BACKUP_HEADER_LEN, (size_t)h.image_len,
                                  file + CH_ADMIN_BACKUP_HEADER_LEN + h.image_len, image);
    if (rv != CKR_OK) {
        msg(err, err_cap,
            "the archive does not authenticate: wrong passphrase, or the file was altered");
        rv = CKR_ENCRYPTED_DATA_INVALID;
        goto out;
    }
    progress(cb, cb_arg, "decrypt", h.image_len, h.image_len);
    progress(cb, cb_arg, "restore", 0, h.image_len);
    /* Replace the database and re-anchor the audit chain to this host's log of the slot (absent
     * on a fresh host: it restarts), then record the restore, all under the log's lock so no
     * event of a running module falls between (the restored database carries the head of
     * backup time). */
    {
        char apath[4200];
        struct restore_job job = {&cfg, slot, image, (size_t)h.image_len, NULL, CKR_OK};
        struct ch_audit_event ev = {.event = CH_AUDIT_EV_RESTORE, .slot = slot,
                                    .user_type = CH_AUDIT_USER_NONE,
                                    .mechanism = CK_UNAVAILABLE_INFORMATION, .rv = CKR_OK};
        rv = ch_admin_audit_path(st, slot, apath, sizeof(apath));
        if (rv == CKR_OK && !make_dirs(apath)) {
            msg(err, err_cap, "cannot create the directory of %s: %s", apath, strerror(errno));
            rv = CKR_DEVICE_ERROR;
            goto out;
        }
        if (rv == CKR_OK)
            rv = ch_audit_reanchor(apath, &job.store, restore_locked, &job, &ev);
        s = job.store; /* closed at out */
        if (job.restore_rv == CKR_ARGUMENTS_BAD) {
            msg(err, err_cap, "the archive's contents are not a token database");
            rv = CKR_DATA_INVALID;
            goto out;
        }
        if (job.restore_rv != CKR_OK) {
            msg(err, err_cap, "writing the token database of slot %u failed", (unsigned)slot);
            rv = job.restore_rv;
            goto out;
        }
        if (rv != CKR_OK) {
            msg(err, err_cap, "token restored, but re-anchoring its audit log failed");
            goto out;
        }
    }
    progress(cb, cb_arg, "restore", h.image_len, h.image_len);
    rv = CKR_OK;
out:
    ch_wipe(key, sizeof(key));
    if (image != NULL) {
        ch_wipe(image, (size_t)h.image_len);
        free(image);
    }
    free(file);
    ch_store_close(s);
    return rv;
}

/* ---- audit ---------------------------------------------------------------------------------- */

CK_RV ch_admin_audit_path(const struct ch_admin_storage *st, uint32_t slot, char *out, size_t cap)
{
    const char *dir = (st->audit_dir != NULL && st->audit_dir[0] != '\0') ? st->audit_dir : st->dir;
    return ch_audit_default_path(dir, slot, out, cap);
}

CK_RV ch_admin_audit_verify(const struct ch_admin_storage *st, uint32_t slot,
                            struct ch_admin_audit_result *res)
{
    struct ch_store_config cfg;
    struct ch_store *s = NULL;
    struct ch_audit_report r;
    char path[4200];
    CK_RV rv;

    memset(res, 0, sizeof(*res));
    CH_TRY(ch_admin_audit_path(st, slot, path, sizeof(path)));
    CH_TRY(ch_crypto_init());
    store_cfg(st, &cfg);
    if (db_exists(st, slot)) {
        CH_TRY(ch_store_open(&cfg, slot, &s));
        res->db_present = true;
    }
    rv = ch_audit_verify(path, s, &r);
    ch_store_close(s);
    if (rv != CKR_OK)
        return rv;
    res->ok = r.ok;
    res->head_checked = r.head_checked;
    res->entries = r.entries;
    res->first_bad = r.first_bad;
    snprintf(res->reason, sizeof(res->reason), "%s", r.reason);
    return CKR_OK;
}

CK_RV ch_admin_audit_event(const struct ch_admin_storage *st, uint32_t slot, const char *event,
                           const char *label, CK_RV result)
{
    struct ch_store_config cfg;
    struct ch_store *s = NULL;
    struct ch_audit *a = NULL;
    char path[4200];
    CK_RV rv;

    CH_TRY(ch_admin_audit_path(st, slot, path, sizeof(path)));
    CH_TRY(ch_crypto_init());
    store_cfg(st, &cfg);
    if (db_exists(st, slot))
        CH_TRY(ch_store_open(&cfg, slot, &s));
    rv = ch_audit_open(path, s, &a);
    if (rv == CKR_OK) {
        struct ch_audit_event ev = {
            .event = event,
            .slot = slot,
            .session = 0,
            .user_type = CH_AUDIT_USER_NONE,
            .mechanism = CK_UNAVAILABLE_INFORMATION,
            .object_id = 0,
            .label = label,
            .rv = result,
        };
        rv = ch_audit_log(a, &ev);
    }
    ch_audit_close(a);
    ch_store_close(s);
    return rv;
}
