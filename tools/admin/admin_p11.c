/* SPDX-License-Identifier: Apache-2.0 */
/* craton-hsm-admin commands on slots, tokens and PINs, expressed with the standard PKCS#11 API
 * of the loaded module (C_GetSlotList, C_GetTokenInfo, C_InitToken, C_InitPIN, C_SetPIN...),
 * so they work against any slot configuration. PINs are wiped right after the call. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin_int.h"
#include "store/store.h"

static void version_str(char *out, size_t cap, CK_VERSION v)
{
    snprintf(out, cap, "%u.%u", (unsigned)v.major, (unsigned)v.minor);
}

struct flag_name {
    CK_FLAGS f;
    const char *name;
};

static const struct flag_name token_flags[] = {
    {CKF_TOKEN_INITIALIZED, "initialized"},
    {CKF_USER_PIN_INITIALIZED, "user_pin_initialized"},
    {CKF_LOGIN_REQUIRED, "login_required"},
    {CKF_RNG, "rng"},
    {CKF_WRITE_PROTECTED, "write_protected"},
    {CKF_USER_PIN_COUNT_LOW, "user_pin_count_low"},
    {CKF_USER_PIN_FINAL_TRY, "user_pin_final_try"},
    {CKF_USER_PIN_LOCKED, "user_pin_locked"},
    {CKF_USER_PIN_TO_BE_CHANGED, "user_pin_to_be_changed"},
    {CKF_SO_PIN_COUNT_LOW, "so_pin_count_low"},
    {CKF_SO_PIN_FINAL_TRY, "so_pin_final_try"},
    {CKF_SO_PIN_LOCKED, "so_pin_locked"},
    {CKF_SO_PIN_TO_BE_CHANGED, "so_pin_to_be_changed"},
};

static int slot_list(struct ctx *c, CK_SLOT_ID **ids, CK_ULONG *n)
{
    CK_RV rv = c->p11->C_GetSlotList(CK_FALSE, NULL, n);
    if (rv != CKR_OK)
        return ch_admin_p11_fail("C_GetSlotList", rv);
    *ids = calloc(*n + 1, sizeof(CK_SLOT_ID));
    if (*ids == NULL)
        return CH_EXIT_FAIL;
    rv = c->p11->C_GetSlotList(CK_FALSE, *ids, n);
    if (rv != CKR_OK) {
        free(*ids);
        return ch_admin_p11_fail("C_GetSlotList", rv);
    }
    return CH_EXIT_OK;
}

/* One slot as JSON or text. */
static void print_slot(struct ctx *c, struct jw *w, CK_SLOT_ID id)
{
    CK_SLOT_INFO si;
    CK_TOKEN_INFO ti;
    char desc[65], label[33], serial[17], model[17], manuf[33], hw[8], fw[8];
    CK_RV rv = c->p11->C_GetSlotInfo(id, &si);
    if (rv != CKR_OK) {
        ch_admin_p11_fail("C_GetSlotInfo", rv);
        return;
    }
    ch_admin_padded(desc, si.slotDescription, sizeof(si.slotDescription));
    bool present = (si.flags & CKF_TOKEN_PRESENT) != 0;
    CK_RV trv = present ? c->p11->C_GetTokenInfo(id, &ti) : CKR_TOKEN_NOT_PRESENT;
    if (trv == CKR_OK) {
        ch_admin_padded(label, ti.label, sizeof(ti.label));
        ch_admin_padded(serial, ti.serialNumber, sizeof(ti.serialNumber));
        ch_admin_padded(model, ti.model, sizeof(ti.model));
        ch_admin_padded(manuf, ti.manufacturerID, sizeof(ti.manufacturerID));
        version_str(hw, sizeof(hw), ti.hardwareVersion);
        version_str(fw, sizeof(fw), ti.firmwareVersion);
    }
    if (w != NULL) {
        ch_jw_obj(w);
        ch_jw_ku64(w, "slot", id);
        ch_jw_kstr(w, "description", desc);
        ch_jw_kbool(w, "token_present", trv == CKR_OK);
        if (trv == CKR_OK) {
            ch_jw_key(w, "token");
            ch_jw_obj(w);
            ch_jw_kstr(w, "label", label);
            ch_jw_kstr(w, "serial", serial);
            ch_jw_kstr(w, "model", model);
            ch_jw_kstr(w, "manufacturer", manuf);
            ch_jw_key(w, "flags");
            ch_jw_arr(w);
            for (size_t i = 0; i < sizeof(token_flags) / sizeof(token_flags[0]); i++)
                if (ti.flags & token_flags[i].f)
                    ch_jw_str(w, token_flags[i].name);
            ch_jw_arr_end(w);
            ch_jw_kbool(w, "initialized", (ti.flags & CKF_TOKEN_INITIALIZED) != 0);
            ch_jw_ku64(w, "sessions", ti.ulSessionCount);
            ch_jw_ku64(w, "rw_sessions", ti.ulRwSessionCount);
            ch_jw_ku64(w, "min_pin_len", ti.ulMinPinLen);
            ch_jw_ku64(w, "max_pin_len", ti.ulMaxPinLen);
            ch_jw_obj_end(w);
        }
        ch_jw_obj_end(w);
        return;
    }
    printf("Slot %lu\n", (unsigned long)id);
    printf("    Description:     %s\n", desc);
    if (trv != CKR_OK) {
        printf("    Token present:   no\n");
        return;
    }
    printf("    Token present:   yes\n");
    printf("    Initialized:     %s\n", (ti.flags & CKF_TOKEN_INITIALIZED) ? "yes" : "no");
    printf("    User PIN init.:  %s\n", (ti.flags & CKF_USER_PIN_INITIALIZED) ? "yes" : "no");
    printf("    Label:           %s\n", label);
    printf("    Serial:          %s\n", serial);
    printf("    Model:           %s (hw %s, fw %s)\n", model, hw, fw);
    printf("    Flags:          ");
    for (size_t i = 0; i < sizeof(token_flags) / sizeof(token_flags[0]); i++)
        if (ti.flags & token_flags[i].f)
            printf(" %s", token_flags[i].name);
    printf("\n");
}

int ch_admin_cmd_slots(struct ctx *c)
{
    CK_SLOT_ID *ids = NULL;
    CK_ULONG n = 0;
    struct jw w;
    int ex = slot_list(c, &ids, &n);
    if (ex != CH_EXIT_OK)
        return ex;
    if (c->o->json) {
        ch_jw_init(&w, stdout);
        ch_jw_arr(&w);
    }
    for (CK_ULONG i = 0; i < n; i++)
        print_slot(c, c->o->json ? &w : NULL, ids[i]);
    if (c->o->json) {
        ch_jw_arr_end(&w);
        ch_jw_done(&w);
    }
    free(ids);
    return CH_EXIT_OK;
}

int ch_admin_cmd_status(struct ctx *c)
{
    CK_INFO info;
    CK_SLOT_ID *ids = NULL;
    CK_ULONG n = 0;
    char manuf[33], lib[33], ver[8], cver[8];
    struct jw w;
    CK_RV rv = c->p11->C_GetInfo(&info);
    if (rv != CKR_OK)
        return ch_admin_p11_fail("C_GetInfo", rv);
    ch_admin_padded(manuf, info.manufacturerID, sizeof(info.manufacturerID));
    ch_admin_padded(lib, info.libraryDescription, sizeof(info.libraryDescription));
    version_str(ver, sizeof(ver), info.libraryVersion);
    version_str(cver, sizeof(cver), info.cryptokiVersion);
    int ex = slot_list(c, &ids, &n);
    if (ex != CH_EXIT_OK)
        return ex;
    if (c->o->json) {
        ch_jw_init(&w, stdout);
        ch_jw_obj(&w);
        ch_jw_kstr(&w, "module", c->module_path);
        ch_jw_kstr(&w, "library", lib);
        ch_jw_kstr(&w, "manufacturer", manuf);
        ch_jw_kstr(&w, "library_version", ver);
        ch_jw_kstr(&w, "cryptoki_version", cver);
        ch_jw_kstr(&w, "config", c->config_source[0] ? c->config_source : NULL);
        ch_jw_kstr(&w, "storage_dir", c->storage_dir);
        ch_jw_kstr(&w, "audit_dir", c->audit_dir);
        /* C_Initialize runs the power-on self-tests; it succeeded to get here. */
        ch_jw_kstr(&w, "self_test", "passed");
        ch_jw_kbool(&w, "approved_only", c->approved_only);
        ch_jw_key(&w, "slots");
        ch_jw_arr(&w);
        for (CK_ULONG i = 0; i < n; i++)
            print_slot(c, &w, ids[i]);
        ch_jw_arr_end(&w);
        ch_jw_obj_end(&w);
        ch_jw_done(&w);
    } else {
        printf("Module:            %s\n", c->module_path);
        printf("Library:           %s %s (%s), Cryptoki %s\n", lib, ver, manuf, cver);
        printf("Configuration:     %s\n", c->config_source[0] ? c->config_source
                                                                : "(built-in defaults)");
        printf("Storage directory: %s\n", c->storage_dir);
        printf("Audit directory:   %s\n", c->audit_dir);
        printf("Self-test:         passed (power-on tests at C_Initialize)\n");
        printf("Approved only:     %s\n", c->approved_only ? "yes" : "no");
        printf("Slots:             %lu\n", (unsigned long)n);
        for (CK_ULONG i = 0; i < n; i++)
            print_slot(c, NULL, ids[i]);
    }
    free(ids);
    return CH_EXIT_OK;
}

static int token_info(struct ctx *c, CK_SLOT_ID slot, CK_TOKEN_INFO *ti)
{
    CK_RV rv = c->p11->C_GetTokenInfo(slot, ti);
    if (rv != CKR_OK)
        return ch_admin_p11_fail("C_GetTokenInfo", rv);
    return CH_EXIT_OK;
}

int ch_admin_cmd_token_init(struct ctx *c)
{
    CK_TOKEN_INFO ti;
    CK_UTF8CHAR label[32];
    struct secret so;
    size_t n = strlen(c->o->label);
    if (n > 32) {
        ch_admin_err("the token label is longer than 32 bytes");
        return CH_EXIT_USAGE;
    }
    memset(label, ' ', sizeof(label));
    memcpy(label, c->o->label, n);
    int ex = token_info(c, c->o->slot, &ti);
    if (ex != CH_EXIT_OK)
        return ex;
    bool was_init = (ti.flags & CKF_TOKEN_INITIALIZED) != 0;
    if (was_init && !c->o->force) {
        ch_admin_err("the token in slot %u is initialized; re-initializing destroys all its "
                     "objects: add --force (and give its current SO PIN)",
                     (unsigned)c->o->slot);
        return CH_EXIT_FAIL;
    }
    ex = ch_admin_secret_get(c, was_init ? CH_SECRET_SO_PIN : CH_SECRET_INIT_SO_PIN, &so);
    if (ex != CH_EXIT_OK)
        return ex;
    CK_RV rv = c->p11->C_InitToken(c->o->slot, (CK_UTF8CHAR_PTR)so.v, (CK_ULONG)so.len, label);
    ch_admin_secret_wipe(&so);
    if (rv != CKR_OK)
        return ch_admin_p11_fail("C_InitToken", rv);
    ch_admin_note(c, "token in slot %u initialized with label '%s'", (unsigned)c->o->slot,
                  c->o->label);
    return CH_EXIT_OK;
}

/* C_InitPIN as the SO: pin init, or pin unlock (the same call clears the user PIN's lock). */
int ch_admin_cmd_pin_init(struct ctx *c, bool unlock)
{
    CK_SESSION_HANDLE h;
    CK_TOKEN_INFO ti;
    struct secret pin;
    int ex = token_info(c, c->o->slot, &ti);
    if (ex != CH_EXIT_OK)
        return ex;
    if (unlock && !(ti.flags & CKF_USER_PIN_LOCKED))
        ch_admin_note(c, "note: the user PIN of slot %u is not locked; setting a new one anyway",
                      (unsigned)c->o->slot);
    ex = ch_admin_session(c, c->o->slot, true, (long)CKU_SO, &h);
    if (ex != CH_EXIT_OK)
        return ex;
    ex = ch_admin_secret_get(c, CH_SECRET_NEW_PIN, &pin);
    if (ex == CH_EXIT_OK) {
        CK_RV rv = c->p11->C_InitPIN(h, (CK_UTF8CHAR_PTR)pin.v, (CK_ULONG)pin.len);
        ch_admin_secret_wipe(&pin);
        if (rv != CKR_OK)
            ex = ch_admin_p11_fail("C_InitPIN", rv);
        else
            ch_admin_note(c, "user PIN of slot %u %s", (unsigned)c->o->slot,
                          unlock ? "reset and unlocked" : "set");
    }
    (void)c->p11->C_Logout(h);
    (void)c->p11->C_CloseSession(h);
    return ex;
}

int ch_admin_cmd_pin_change(struct ctx *c)
{
    CK_SESSION_HANDLE h;
    struct secret old, nw;
    bool so = c->o->so;
    /* C_SetPIN changes the PIN of the user logged in, or the user PIN when nobody is: the SO
     * logs in first, the user does not need to (PKCS#11 3.0 §5.6, C_SetPIN). */
    int ex = ch_admin_session(c, c->o->slot, true, so ? (long)CKU_SO : -1, &h);
    if (ex != CH_EXIT_OK)
        return ex;
    ex = ch_admin_secret_get(c, so ? CH_SECRET_SO_PIN : CH_SECRET_PIN, &old);
    if (ex != CH_EXIT_OK)
        goto out;
    ex = ch_admin_secret_get(c, so ? CH_SECRET_NEW_SO_PIN : CH_SECRET_NEW_PIN, &nw);
    if (ex != CH_EXIT_OK) {
        ch_admin_secret_wipe(&old);
        goto out;
    }
    CK_RV rv = c->p11->C_SetPIN(h, (CK_UTF8CHAR_PTR)old.v, (CK_ULONG)old.len,
                                (CK_UTF8CHAR_PTR)nw.v, (CK_ULONG)nw.len);
    ch_admin_secret_wipe(&old);
    ch_admin_secret_wipe(&nw);
    if (rv != CKR_OK)
        ex = ch_admin_p11_fail("C_SetPIN", rv);
    else
        ch_admin_note(c, "%s PIN of slot %u changed", so ? "SO" : "user", (unsigned)c->o->slot);
out:
    if (so)
        (void)c->p11->C_Logout(h);
    (void)c->p11->C_CloseSession(h);
    return ex;
}

/* Type the token label to confirm (no --yes). */
static bool confirm_label(const char *label)
{
    char line[64];
    FILE *tty = fopen("/dev/tty", "r+");
    if (tty == NULL)
        return false;
    fprintf(tty, "This deletes the token '%s' and every key on it.\nType its label to confirm: ",
            label);
    fflush(tty);
    bool ok = fgets(line, sizeof(line), tty) != NULL;
    fclose(tty);
    if (!ok)
        return false;
    line[strcspn(line, "\r\n")] = '\0';
    return strcmp(line, label) == 0;
}

int ch_admin_cmd_token_delete(struct ctx *c)
{
    CK_SESSION_HANDLE h;
    CK_TOKEN_INFO ti;
    char label[33], path[4200];
    struct ch_admin_storage st;
    struct ch_store_config cfg;
    uint32_t slot = c->o->slot;
    int ex = token_info(c, slot, &ti);
    if (ex != CH_EXIT_OK)
        return ex;
    ch_admin_padded(label, ti.label, sizeof(ti.label));
    if (!(ti.flags & CKF_TOKEN_INITIALIZED)) {
        ch_admin_err("slot %u holds no initialized token", (unsigned)slot);
        return CH_EXIT_FAIL;
    }
    /* The SO proves authority through the module before anything is removed. */
    ex = ch_admin_session(c, slot, true, (long)CKU_SO, &h);
    if (ex != CH_EXIT_OK)
        return ex;
    (void)c->p11->C_Logout(h);
    (void)c->p11->C_CloseSession(h);
    if (!c->o->yes && !confirm_label(label)) {
        ch_admin_err("not confirmed (or no terminal): use --yes in scripts");
        return CH_EXIT_USAGE;
    }
    ch_admin_p11_close(c); /* the module closes its handle on the database */

    ch_admin_storage_of(c, &st);
    memset(&cfg, 0, sizeof(cfg));
    cfg.dir = st.dir;
    if (ch_store_path(&cfg, slot, path, sizeof(path)) != CKR_OK)
        return CH_EXIT_FAIL;
    (void)ch_admin_audit_event(&st, slot, "token.delete", label, CKR_OK);
    const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char p[4300];
        snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
        if (unlink(p) != 0 && errno != ENOENT) {
            ch_admin_err("cannot remove %s: %s", p, strerror(errno));
            return CH_EXIT_FAIL;
        }
    }
    /* Keep the audit trail, out of the way of a future token in this slot. */
    char apath[4200], kept[4300], when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
    if (ch_admin_audit_path(&st, slot, apath, sizeof(apath)) == CKR_OK &&
        access(apath, F_OK) == 0) {
        snprintf(kept, sizeof(kept), "%s.deleted-%s", apath, when);
        if (rename(apath, kept) == 0)
            ch_admin_note(c, "audit log kept as %s", kept);
    }
    ch_admin_note(c, "token '%s' in slot %u deleted", label, (unsigned)slot);
    return CH_EXIT_OK;
}
