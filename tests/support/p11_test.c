/* SPDX-License-Identifier: Apache-2.0 */
/* Test support (never shipped): dlopen of the built module, per-test storage folders and
 * configuration files, token set-up with known PINs. See p11_test.h. */
#include "p11_test.h"

#include <dlfcn.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *ch_p11t_module_path(void)
{
    const char *p = getenv("CRATON_HSM_MODULE");

    if (p == NULL || p[0] == '\0') {
        fprintf(stderr, "CRATON_HSM_MODULE is not set (path of libcraton_hsm.so)\n");
        abort();
    }
    return p;
}

int ch_p11t_load(struct ch_p11t *t)
{
    const char *path = ch_p11t_module_path();
    CK_VERSION v30 = {3, 0};
    CK_INTERFACE_PTR iface = NULL;
    CK_C_GetInterface get_interface;
    CK_RV rv;

    memset(t, 0, sizeof(*t));
    t->dl = dlopen(path, CH_P11T_DLOPEN_FLAGS);
    if (t->dl == NULL) {
        fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
        return -1;
    }
    *(void **)&get_interface = dlsym(t->dl, "C_GetInterface");
    if (get_interface == NULL) {
        fprintf(stderr, "%s has no C_GetInterface\n", path);
        return -1;
    }
    rv = get_interface((CK_UTF8CHAR_PTR) "PKCS 11", &v30, &iface, 0);
    if (rv != CKR_OK || iface == NULL) {
        fprintf(stderr, "C_GetInterface(PKCS 11, 3.0): %s\n", ch_p11t_rv_name(rv));
        return -1;
    }
    t->f = iface->pFunctionList;
    return 0;
}

void ch_p11t_unload(struct ch_p11t *t)
{
    if (t->dl != NULL)
        dlclose(t->dl);
    t->dl = NULL;
    t->f = NULL;
}

int ch_p11t_env_new(struct ch_p11t *t, const char *extra)
{
    const char *tmp = getenv("TMPDIR");
    FILE *fp;

    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    if (snprintf(t->dir, sizeof(t->dir), "%s/craton-p11t-XXXXXX", tmp) >= (int)sizeof(t->dir) ||
        mkdtemp(t->dir) == NULL) {
        perror("mkdtemp");
        t->dir[0] = '\0';
        return -1;
    }
    if (snprintf(t->conf, sizeof(t->conf), "%s/craton.conf", t->dir) >= (int)sizeof(t->conf))
        return -1;
    fp = fopen(t->conf, "w");
    if (fp == NULL) {
        perror(t->conf);
        return -1;
    }
    fprintf(fp,
            "[storage]\n"
            "dir = %s/store\n"
            "[security]\n"
            "pbkdf2_iterations = 10000\n"
            "backoff_initial_ms = 1\n"
            "backoff_max_ms = 1\n"
            "%s",
            t->dir, extra != NULL ? extra : "");
    if (fclose(fp) != 0) {
        perror(t->conf);
        return -1;
    }
    return setenv("CRATON_HSM_CONFIG", t->conf, 1);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void ch_p11t_env_free(struct ch_p11t *t)
{
    if (t->dir[0] != '\0')
        nftw(t->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    t->dir[0] = '\0';
    unsetenv("CRATON_HSM_CONFIG");
}

#define TRY(call)                                                                                  \
    do {                                                                                           \
        rv = (call);                                                                               \
        if (rv != CKR_OK) {                                                                        \
            fprintf(stderr, "%s:%d: %s -> %s\n", __FILE__, __LINE__, #call,                        \
                    ch_p11t_rv_name(rv));                                                          \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

CK_RV ch_p11t_token_init(struct ch_p11t *t)
{
    CK_UTF8CHAR label[32];
    CK_SLOT_ID slots[8];
    CK_ULONG n = 8;
    CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
    CK_RV rv;

    memset(label, ' ', sizeof(label));
    memcpy(label, CH_P11T_LABEL, strlen(CH_P11T_LABEL));
    TRY(t->f->C_Initialize(NULL));
    TRY(t->f->C_GetSlotList(CK_FALSE, slots, &n));
    if (n == 0) {
        fprintf(stderr, "no slots\n");
        return CKR_GENERAL_ERROR;
    }
    t->slot = slots[0];
    TRY(t->f->C_InitToken(t->slot, CH_P11T_STR(CH_P11T_SO_PIN), label));
    TRY(t->f->C_OpenSession(t->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h));
    TRY(t->f->C_Login(h, CKU_SO, CH_P11T_STR(CH_P11T_SO_PIN)));
    TRY(t->f->C_InitPIN(h, CH_P11T_STR(CH_P11T_USER_PIN)));
    TRY(t->f->C_Logout(h));
out:
    if (h != CK_INVALID_HANDLE)
        t->f->C_CloseSession(h);
    return rv;
}

CK_RV ch_p11t_open(struct ch_p11t *t, bool rw, CK_USER_TYPE user, CK_SESSION_HANDLE *h)
{
    CK_FLAGS flags = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
    CK_RV rv;

    *h = CK_INVALID_HANDLE;
    TRY(t->f->C_OpenSession(t->slot, flags, NULL, NULL, h));
    if (user == CKU_SO)
        TRY(t->f->C_Login(*h, CKU_SO, CH_P11T_STR(CH_P11T_SO_PIN)));
    else if (user != CH_P11T_NOBODY)
        TRY(t->f->C_Login(*h, user, CH_P11T_STR(CH_P11T_USER_PIN)));
out:
    return rv;
}

int ch_p11t_setup(struct ch_p11t *t, const char *extra)
{
    if (ch_p11t_load(t) == 0 && ch_p11t_env_new(t, extra) == 0 && ch_p11t_token_init(t) == CKR_OK)
        return 0;
    /* Leave nothing behind (an initialised module would fail the next test's C_Initialize). */
    ch_p11t_teardown(t);
    return -1;
}

void ch_p11t_teardown(struct ch_p11t *t)
{
    if (t->f != NULL)
        (void)t->f->C_Finalize(NULL);
    ch_p11t_env_free(t);
    ch_p11t_unload(t);
}

const char *ch_p11t_rv_name(CK_RV rv)
{
    static const struct {
        CK_RV rv;
        const char *name;
    } names[] = {
#define N(x) {x, #x}
        N(CKR_OK),
        N(CKR_CANCEL),
        N(CKR_HOST_MEMORY),
        N(CKR_SLOT_ID_INVALID),
        N(CKR_GENERAL_ERROR),
        N(CKR_FUNCTION_FAILED),
        N(CKR_ARGUMENTS_BAD),
        N(CKR_NO_EVENT),
        N(CKR_CANT_LOCK),
        N(CKR_ATTRIBUTE_READ_ONLY),
        N(CKR_ATTRIBUTE_SENSITIVE),
        N(CKR_ATTRIBUTE_TYPE_INVALID),
        N(CKR_ATTRIBUTE_VALUE_INVALID),
        N(CKR_ACTION_PROHIBITED),
        N(CKR_DATA_INVALID),
        N(CKR_DATA_LEN_RANGE),
        N(CKR_DEVICE_ERROR),
        N(CKR_DEVICE_MEMORY),
        N(CKR_FUNCTION_CANCELED),
        N(CKR_FUNCTION_NOT_PARALLEL),
        N(CKR_FUNCTION_NOT_SUPPORTED),
        N(CKR_KEY_HANDLE_INVALID),
        N(CKR_KEY_TYPE_INCONSISTENT),
        N(CKR_KEY_FUNCTION_NOT_PERMITTED),
        N(CKR_MECHANISM_INVALID),
        N(CKR_MECHANISM_PARAM_INVALID),
        N(CKR_OBJECT_HANDLE_INVALID),
        N(CKR_OPERATION_ACTIVE),
        N(CKR_OPERATION_NOT_INITIALIZED),
        N(CKR_PIN_INCORRECT),
        N(CKR_PIN_INVALID),
        N(CKR_PIN_LEN_RANGE),
        N(CKR_PIN_LOCKED),
        N(CKR_SESSION_CLOSED),
        N(CKR_SESSION_COUNT),
        N(CKR_SESSION_HANDLE_INVALID),
        N(CKR_SESSION_PARALLEL_NOT_SUPPORTED),
        N(CKR_SESSION_READ_ONLY),
        N(CKR_SESSION_EXISTS),
        N(CKR_SESSION_READ_ONLY_EXISTS),
        N(CKR_SESSION_READ_WRITE_SO_EXISTS),
        N(CKR_SIGNATURE_INVALID),
        N(CKR_SIGNATURE_LEN_RANGE),
        N(CKR_TEMPLATE_INCOMPLETE),
        N(CKR_TEMPLATE_INCONSISTENT),
        N(CKR_TOKEN_NOT_PRESENT),
        N(CKR_TOKEN_NOT_RECOGNIZED),
        N(CKR_TOKEN_WRITE_PROTECTED),
        N(CKR_USER_ALREADY_LOGGED_IN),
        N(CKR_USER_NOT_LOGGED_IN),
        N(CKR_USER_PIN_NOT_INITIALIZED),
        N(CKR_USER_TYPE_INVALID),
        N(CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
        N(CKR_USER_TOO_MANY_TYPES),
        N(CKR_BUFFER_TOO_SMALL),
        N(CKR_CRYPTOKI_NOT_INITIALIZED),
        N(CKR_CRYPTOKI_ALREADY_INITIALIZED),
        N(CKR_OPERATION_CANCEL_FAILED),
#undef N
    };
    static char buf[32];

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].rv == rv)
            return names[i].name;
    snprintf(buf, sizeof(buf), "0x%08lx", (unsigned long)rv);
    return buf;
}
