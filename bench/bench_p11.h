/* SPDX-License-Identifier: Apache-2.0 */
/* craton-hsm-bench (bench/, a developer tool, never shipped): declarations shared by the driver
 * (bench_p11.c), the PKCS#11 side that drives any module loaded with dlopen (bench_p11_mod.c)
 * and the raw OpenSSL ceiling (bench_p11_ossl.c). It links nothing of src/: the module under
 * test is only reached through its exported C_* functions. */
#ifndef BENCH_P11_H
#define BENCH_P11_H

#include <stdbool.h>
#include <stddef.h>

#include "craton_hsm/pkcs11.h"

enum bp_kind {
    BP_SIGN,    /* C_SignInit + C_Sign */
    BP_VERIFY,  /* C_VerifyInit + C_Verify of a signature made in setup */
    BP_DERIVE,  /* C_DeriveKey (ECDH) + C_DestroyObject of the derived key */
    BP_KEYGEN,  /* C_GenerateKeyPair */
    BP_FIND,    /* C_FindObjectsInit/C_FindObjects/C_FindObjectsFinal by CKA_LABEL */
    BP_CREATE,  /* C_CreateObject of a token data object */
    BP_DIGEST,  /* C_DigestInit + C_Digest */
    BP_ENCRYPT, /* C_EncryptInit + C_Encrypt */
    BP_MAC,     /* C_SignInit + C_Sign with an HMAC mechanism */
};

enum bp_alg { BP_NOALG, BP_RSA2048, BP_P256, BP_P384, BP_ED25519, BP_AES256, BP_HMACKEY };

struct bp_row {
    char name[40];          /* what --rows matches and the table prints */
    enum bp_kind kind;
    enum bp_alg alg;
    CK_MECHANISM_TYPE mech; /* the measured mechanism (keygen: the generation mechanism) */
    size_t len;             /* message bytes; BP_FIND: number of objects in the token */
    bool token;             /* BP_KEYGEN: token objects instead of session objects */
    bool find_token;        /* BP_FIND: the objects are token objects (else session objects) */
};

/* One engine's way of running a cell: each worker thread makes its own state (a session of its
 * own for a module), then calls op() until the time is up. thr_new returns NULL with a message
 * in err on failure; op returns 0, or -1 with a message in err. */
struct bp_impl {
    void *(*thr_new)(void *row_ctx, unsigned idx, char *err, size_t errlen);
    int (*op)(void *thr, char *err, size_t errlen);
    void (*thr_free)(void *thr);
};

/* Row setup results. */
#define BP_READY 1
#define BP_NA 0
#define BP_FAIL (-1)

/* A PKCS#11 module loaded by path with a fresh token of its own in a temporary folder (token
 * initialised, user PIN set, user logged in on a session kept open for the whole run). For ours
 * (craton) `extra` is appended to the generated configuration file (NULL for none). */
struct bp_mod;
struct bp_mod *bp_mod_open(const char *name, const char *path, bool craton, const char *extra,
                           char *err, size_t errlen);
void bp_mod_close(struct bp_mod *m);
const char *bp_mod_name(const struct bp_mod *m);
/* Prepare a row (keys, signature, objects). BP_READY with *ctx set, BP_NA when the module lacks
 * a mechanism (reason in err), BP_FAIL on an error (err). */
int bp_mod_row_new(struct bp_mod *m, const struct bp_row *row, void **ctx, char *err,
                   size_t errlen);
void bp_mod_row_free(void *ctx);
extern const struct bp_impl bp_mod_impl;

/* The same operation with OpenSSL EVP in this process (default library context). */
int bp_ossl_row_new(const struct bp_row *row, void **ctx, char *err, size_t errlen);
void bp_ossl_row_free(void *ctx);
extern const struct bp_impl bp_ossl_impl;

/* Monotonic clock in seconds. */
double bp_now(void);

#endif
