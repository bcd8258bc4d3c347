/* SPDX-License-Identifier: Apache-2.0 */
/* Test support (never shipped): load the built libcraton_hsm.so with dlopen so tests go through
 * the real exported ABI, give each test a fresh storage folder and configuration file, and set
 * up an initialised token with known PINs. The module path comes from the environment variable
 * CRATON_HSM_MODULE (meson sets it to module_lib.full_path()). */
#ifndef CH_P11_TEST_H
#define CH_P11_TEST_H

#include <dlfcn.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "craton_hsm/pkcs11.h"

#define CH_P11T_SO_PIN "so-pin-0000"
#define CH_P11T_USER_PIN "user-pin-1111"
#define CH_P11T_LABEL "craton test token"

/* CK_UTF8CHAR pointer and CK_ULONG length of a string literal (PINs). */
#define CH_P11T_STR(s) (CK_UTF8CHAR_PTR)(s), (CK_ULONG)(sizeof(s) - 1)

struct ch_p11t {
    void *dl;                  /* dlopen handle */
    CK_FUNCTION_LIST_3_0 *f;   /* from C_GetInterface("PKCS 11", 3.0) */
    char dir[PATH_MAX];        /* fresh storage folder, removed by ch_p11t_env_free */
    char conf[PATH_MAX];       /* its configuration file */
    CK_SLOT_ID slot;           /* first slot, after ch_p11t_token_init */
};

/* dlopen flags of every test load. No RTLD_NODELETE: each test unloads the module, so under
 * LeakSanitizer anything a load/initialise/finalise/unload cycle leaves behind is reported. */
#define CH_P11T_DLOPEN_FLAGS (RTLD_NOW | RTLD_LOCAL)

/* The module path from CRATON_HSM_MODULE; aborts the test program when unset. */
const char *ch_p11t_module_path(void);

/* dlopen the module and fetch the 3.0 function list. 0 on success, -1 with a message on stderr. */
int ch_p11t_load(struct ch_p11t *t);
void ch_p11t_unload(struct ch_p11t *t);

/* Make a fresh storage folder and configuration file (fast PBKDF2, 1 ms backoff) and point
 * CRATON_HSM_CONFIG at it. `extra` is appended to the file verbatim (NULL for none), e.g.
 * "[slots]\ncount = 2\n". 0 on success, -1 with a message on stderr. */
int ch_p11t_env_new(struct ch_p11t *t, const char *extra);
/* Remove the folder and everything in it, and unset CRATON_HSM_CONFIG. */
void ch_p11t_env_free(struct ch_p11t *t);

/* C_Initialize, then initialise the first slot's token with CH_P11T_SO_PIN / CH_P11T_LABEL and
 * set the user PIN to CH_P11T_USER_PIN. Leaves the module initialised with no session open.
 * Returns the first failing CK_RV (after printing which call failed) or CKR_OK. */
CK_RV ch_p11t_token_init(struct ch_p11t *t);

/* Open a session on t->slot (R/W when rw) and log in as `user` (CKU_USER or CKU_SO with the
 * matching test PIN) unless user == CH_P11T_NOBODY. */
#define CH_P11T_NOBODY ((CK_USER_TYPE)~0UL)
CK_RV ch_p11t_open(struct ch_p11t *t, bool rw, CK_USER_TYPE user, CK_SESSION_HANDLE *h);

/* Everything in one: load, env_new(extra), token_init; on failure all of it is undone. */
int ch_p11t_setup(struct ch_p11t *t, const char *extra);
/* C_Finalize (ignoring "not initialised"), env_free, unload. */
void ch_p11t_teardown(struct ch_p11t *t);

/* Name of a CK_RV for messages ("CKR_OK", ...; "0x..." for others). Not thread-safe for the
 * unknown-code case. */
const char *ch_p11t_rv_name(CK_RV rv);

#endif
