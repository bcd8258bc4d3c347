/* SPDX-License-Identifier: Apache-2.0 */
/* craton-hsm-bench, PKCS#11 side: loads any module by path with dlopen, gives it a fresh token
 * in a temporary folder (its own configuration file: CRATON_HSM_CONFIG for ours, SOFTHSM2_CONF
 * for SoftHSMv2), prepares each row's keys/objects and runs one operation per op() call.
 * Only the module's C_* functions are used; a mechanism the module lacks makes the row n/a. */
#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_p11.h"

#define SO_PIN "bench-so-pin-0000"
#define USER_PIN "bench-user-pin-1111"
#define TOKEN_LABEL "craton-bench"
#define PIN(s) (CK_UTF8CHAR_PTR)(s), (CK_ULONG)(sizeof(s) - 1)

struct bp_mod {
    char name[32];
    void *dl;
    CK_FUNCTION_LIST_PTR f;
    CK_SLOT_ID slot;
    CK_SESSION_HANDLE main; /* logged in; session objects made here live for the whole run */
    bool initialized;
    char dir[PATH_MAX];
};

/* DER OIDs for CKA_EC_PARAMS (RFC 5480 secp256r1/secp384r1, RFC 8410 id-Ed25519). */
static const CK_BYTE oid_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const CK_BYTE oid_p384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
static const CK_BYTE oid_ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};

/* ECDH peer: the P-256 base point G (SEC 2 v2 section 2.4.2), uncompressed; a valid public point
 * every module must accept. */
static const CK_BYTE p256_g[65] = {
    0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4,
    0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8,
    0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a,
    0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40,
    0x68, 0x37, 0xbf, 0x51, 0xf5};

static CK_BBOOL ck_true = CK_TRUE;
static CK_BBOOL ck_false = CK_FALSE;

static const char *rv_name(CK_RV rv)
{
    static _Thread_local char buf[32];
    switch (rv) {
    case CKR_OK: return "CKR_OK";
    case CKR_GENERAL_ERROR: return "CKR_GENERAL_ERROR";
    case CKR_HOST_MEMORY: return "CKR_HOST_MEMORY";
    case CKR_ARGUMENTS_BAD: return "CKR_ARGUMENTS_BAD";
    case CKR_ATTRIBUTE_VALUE_INVALID: return "CKR_ATTRIBUTE_VALUE_INVALID";
    case CKR_ATTRIBUTE_TYPE_INVALID: return "CKR_ATTRIBUTE_TYPE_INVALID";
    case CKR_TEMPLATE_INCOMPLETE: return "CKR_TEMPLATE_INCOMPLETE";
    case CKR_TEMPLATE_INCONSISTENT: return "CKR_TEMPLATE_INCONSISTENT";
    case CKR_MECHANISM_INVALID: return "CKR_MECHANISM_INVALID";
    case CKR_MECHANISM_PARAM_INVALID: return "CKR_MECHANISM_PARAM_INVALID";
    case CKR_KEY_TYPE_INCONSISTENT: return "CKR_KEY_TYPE_INCONSISTENT";
    case CKR_KEY_FUNCTION_NOT_PERMITTED: return "CKR_KEY_FUNCTION_NOT_PERMITTED";
    case CKR_SIGNATURE_INVALID: return "CKR_SIGNATURE_INVALID";
    case CKR_SESSION_HANDLE_INVALID: return "CKR_SESSION_HANDLE_INVALID";
    case CKR_OBJECT_HANDLE_INVALID: return "CKR_OBJECT_HANDLE_INVALID";
    case CKR_USER_NOT_LOGGED_IN: return "CKR_USER_NOT_LOGGED_IN";
    case CKR_BUFFER_TOO_SMALL: return "CKR_BUFFER_TOO_SMALL";
    case CKR_FUNCTION_FAILED: return "CKR_FUNCTION_FAILED";
    case CKR_DEVICE_ERROR: return "CKR_DEVICE_ERROR";
    case CKR_DATA_LEN_RANGE: return "CKR_DATA_LEN_RANGE";
    case CKR_OPERATION_ACTIVE: return "CKR_OPERATION_ACTIVE";
    case CKR_PIN_INCORRECT: return "CKR_PIN_INCORRECT";
    case CKR_CRYPTOKI_NOT_INITIALIZED: return "CKR_CRYPTOKI_NOT_INITIALIZED";
    case CKR_SESSION_COUNT: return "CKR_SESSION_COUNT";
    case CKR_TOKEN_NOT_PRESENT: return "CKR_TOKEN_NOT_PRESENT";
    default: break;
    }
    snprintf(buf, sizeof buf, "CKR 0x%lx", (unsigned long)rv);
    return buf;
}

#define FAILF(...) (snprintf(err, errlen, __VA_ARGS__), BP_FAIL)

const char *bp_mod_name(const struct bp_mod *m)
{
    return m->name;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 ? 0 : 0; /* best effort */
}

static void rm_tree(const char *dir)
{
    if (dir[0] != '\0')
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (fp == NULL)
        return -1;
    int ok = fputs(text, fp) >= 0;
    if (fclose(fp) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

/* Label of a token, as the 32-byte space-padded field. */
static void pad32(CK_UTF8CHAR out[32], const char *s)
{
    size_t n = strlen(s);
    memset(out, ' ', 32);
    memcpy(out, s, n < 32 ? n : 32);
}

static int find_slot(struct bp_mod *m, bool need_init, char *err, size_t errlen)
{
    CK_SLOT_ID slots[64];
    CK_ULONG n = 64;
    CK_RV rv = m->f->C_GetSlotList(CK_TRUE, slots, &n);
    if (rv != CKR_OK || n == 0)
        return FAILF("C_GetSlotList: %s (%lu slots)", rv_name(rv), (unsigned long)n);
    CK_UTF8CHAR want[32];
    pad32(want, TOKEN_LABEL);
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO ti;
        if (m->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
            continue;
        bool inited = (ti.flags & CKF_TOKEN_INITIALIZED) != 0;
        if (!need_init) {
            if (!inited || memcmp(ti.label, want, 32) == 0) {
                m->slot = slots[i];
                return BP_READY;
            }
        } else if (inited && memcmp(ti.label, want, 32) == 0) {
            m->slot = slots[i];
            return BP_READY;
        }
    }
    if (!need_init) { /* every token initialised already: take the first */
        m->slot = slots[0];
        return BP_READY;
    }
    return FAILF("initialised token not found after C_InitToken");
}

static int token_setup(struct bp_mod *m, char *err, size_t errlen)
{
    CK_C_INITIALIZE_ARGS args;
    memset(&args, 0, sizeof args);
    args.flags = CKF_OS_LOCKING_OK;
    CK_RV rv = m->f->C_Initialize(&args);
    if (rv != CKR_OK)
        return FAILF("C_Initialize: %s", rv_name(rv));
    m->initialized = true;
    if (find_slot(m, false, err, errlen) != BP_READY)
        return BP_FAIL;
    CK_UTF8CHAR label[32];
    pad32(label, TOKEN_LABEL);
    rv = m->f->C_InitToken(m->slot, PIN(SO_PIN), label);
    if (rv != CKR_OK)
        return FAILF("C_InitToken: %s", rv_name(rv));
    /* SoftHSMv2 moves an initialised token to a new slot ID: look it up again. */
    if (find_slot(m, true, err, errlen) != BP_READY)
        return BP_FAIL;
    CK_SESSION_HANDLE s;
    rv = m->f->C_OpenSession(m->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
    if (rv != CKR_OK)
        return FAILF("C_OpenSession: %s", rv_name(rv));
    rv = m->f->C_Login(s, CKU_SO, PIN(SO_PIN));
    if (rv == CKR_OK)
        rv = m->f->C_InitPIN(s, PIN(USER_PIN));
    if (rv == CKR_OK)
        rv = m->f->C_Logout(s);
    if (rv == CKR_OK)
        rv = m->f->C_Login(s, CKU_USER, PIN(USER_PIN));
    if (rv != CKR_OK) {
        m->f->C_CloseSession(s);
        return FAILF("SO login / C_InitPIN / user login: %s", rv_name(rv));
    }
    m->main = s;
    return BP_READY;
}

struct bp_mod *bp_mod_open(const char *name, const char *path, bool craton, const char *extra,
                           char *err, size_t errlen)
{
    struct bp_mod *m = calloc(1, sizeof *m);
    if (m == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(m->name, sizeof m->name, "%s", name);
    const char *tmp = getenv("TMPDIR");
    snprintf(m->dir, sizeof m->dir, "%s/craton-bench-%s-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp", name);
    if (mkdtemp(m->dir) == NULL) {
        snprintf(err, errlen, "mkdtemp %s: %s", m->dir, strerror(errno));
        m->dir[0] = '\0';
        goto fail;
    }
    char conf[PATH_MAX + 32], text[2 * PATH_MAX + 1024];
    snprintf(conf, sizeof conf, "%s/bench.conf", m->dir);
    if (craton) {
        snprintf(text, sizeof text,
                 "[storage]\ndir = %s/store\n[security]\npbkdf2_iterations = 10000\n%.900s",
                 m->dir, extra != NULL ? extra : "");
        if (write_file(conf, text) != 0 || setenv("CRATON_HSM_CONFIG", conf, 1) != 0) {
            snprintf(err, errlen, "cannot write %s", conf);
            goto fail;
        }
    } else {
        char tokdir[PATH_MAX + 16];
        snprintf(tokdir, sizeof tokdir, "%s/tokens", m->dir);
        snprintf(text, sizeof text,
                 "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n"
                 "slots.removable = false\n",
                 tokdir);
        if (mkdir(tokdir, 0700) != 0 || write_file(conf, text) != 0 ||
            setenv("SOFTHSM2_CONF", conf, 1) != 0) {
            snprintf(err, errlen, "cannot prepare %s", conf);
            goto fail;
        }
    }
    m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (m->dl == NULL) {
        snprintf(err, errlen, "dlopen %s: %s", path, dlerror());
        goto fail;
    }
    CK_C_GetFunctionList gfl;
    *(void **)&gfl = dlsym(m->dl, "C_GetFunctionList");
    if (gfl == NULL || gfl(&m->f) != CKR_OK || m->f == NULL) {
        snprintf(err, errlen, "%s: no usable C_GetFunctionList", path);
        goto fail;
    }
    if (token_setup(m, err, errlen) != BP_READY)
        goto fail;
    return m;
fail:
    bp_mod_close(m);
    return NULL;
}

void bp_mod_close(struct bp_mod *m)
{
    if (m == NULL)
        return;
    if (m->initialized)
        m->f->C_Finalize(NULL);
    /* No dlclose: a module may leave threads or atexit handlers behind. */
    rm_tree(m->dir);
    free(m);
}

/* ---- row state ---------------------------------------------------------------------------- */

struct mrow {
    struct bp_mod *m;
    const struct bp_row *row;
    CK_MECHANISM mech;
    CK_RSA_PKCS_PSS_PARAMS pss;
    CK_ECDH1_DERIVE_PARAMS ecdh;
    CK_OBJECT_HANDLE pub, priv, key;
    CK_SESSION_HANDLE owner;  /* BP_FIND with session objects: the session holding them */
    CK_OBJECT_HANDLE *objs;   /* BP_FIND with token objects: destroyed at the end */
    size_t nobjs;
    CK_BYTE *msg;
    size_t msglen;
    CK_BYTE sig[1024];
    CK_ULONG siglen;
};

struct mthr {
    struct mrow *r;
    CK_SESSION_HANDLE s;
    unsigned idx;
    unsigned long n;
    CK_BYTE *out;
    size_t outcap;
    CK_BYTE iv[16];
    CK_GCM_PARAMS gcm;
    CK_MECHANISM mech;
    CK_OBJECT_HANDLE *made; /* token objects made by the op, destroyed after the cell */
    size_t nmade, capmade;
};

static int mech_has(struct bp_mod *m, CK_MECHANISM_TYPE mech, CK_FLAGS need)
{
    CK_MECHANISM_INFO mi;
    if (m->f->C_GetMechanismInfo(m->slot, mech, &mi) != CKR_OK)
        return 0;
    return (mi.flags & need) == need;
}

static CK_MECHANISM_TYPE keygen_mech(enum bp_alg alg)
{
    switch (alg) {
    case BP_RSA2048: return CKM_RSA_PKCS_KEY_PAIR_GEN;
    case BP_P256:
    case BP_P384: return CKM_EC_KEY_PAIR_GEN;
    case BP_ED25519: return CKM_EC_EDWARDS_KEY_PAIR_GEN;
    default: return CK_UNAVAILABLE_INFORMATION;
    }
}

/* Generate a key pair of `alg` in session s: token or session objects, the private key for
 * signing or (derive) for key derivation. */
static CK_RV gen_pair(struct bp_mod *m, CK_SESSION_HANDLE s, enum bp_alg alg, bool token,
                      bool derive, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
    static CK_ULONG bits = 2048;
    static CK_BYTE e65537[] = {0x01, 0x00, 0x01};
    CK_BBOOL *tok = token ? &ck_true : &ck_false;
    CK_MECHANISM mech = {keygen_mech(alg), NULL, 0};
    CK_ATTRIBUTE pubt[4], privt[5];
    CK_ULONG np = 0, nq = 0;
    pubt[np++] = (CK_ATTRIBUTE){CKA_TOKEN, tok, sizeof(CK_BBOOL)};
    pubt[np++] = (CK_ATTRIBUTE){derive ? CKA_DERIVE : CKA_VERIFY, &ck_true, sizeof(CK_BBOOL)};
    switch (alg) {
    case BP_RSA2048:
        pubt[np++] = (CK_ATTRIBUTE){CKA_MODULUS_BITS, &bits, sizeof bits};
        pubt[np++] = (CK_ATTRIBUTE){CKA_PUBLIC_EXPONENT, e65537, sizeof e65537};
        break;
    case BP_P256:
        pubt[np++] = (CK_ATTRIBUTE){CKA_EC_PARAMS, (void *)oid_p256, sizeof oid_p256};
        break;
    case BP_P384:
        pubt[np++] = (CK_ATTRIBUTE){CKA_EC_PARAMS, (void *)oid_p384, sizeof oid_p384};
        break;
    case BP_ED25519:
        pubt[np++] = (CK_ATTRIBUTE){CKA_EC_PARAMS, (void *)oid_ed25519, sizeof oid_ed25519};
        break;
    default: return CKR_MECHANISM_INVALID;
    }
    privt[nq++] = (CK_ATTRIBUTE){CKA_TOKEN, tok, sizeof(CK_BBOOL)};
    privt[nq++] = (CK_ATTRIBUTE){CKA_PRIVATE, &ck_true, sizeof(CK_BBOOL)};
    privt[nq++] = (CK_ATTRIBUTE){CKA_SENSITIVE, &ck_true, sizeof(CK_BBOOL)};
    privt[nq++] = (CK_ATTRIBUTE){derive ? CKA_DERIVE : CKA_SIGN, &ck_true, sizeof(CK_BBOOL)};
    return m->f->C_GenerateKeyPair(s, &mech, pubt, np, privt, nq, pub, priv);
}

static CK_RV make_data_object(struct bp_mod *m, CK_SESSION_HANDLE s, bool token,
                              const char *label, CK_OBJECT_HANDLE *h)
{
    static CK_OBJECT_CLASS cls = CKO_DATA;
    static CK_BYTE value[16] = {0x42};
    static CK_UTF8CHAR app[] = "craton-hsm-bench";
    CK_ATTRIBUTE t[] = {
        {CKA_CLASS, &cls, sizeof cls},
        {CKA_TOKEN, token ? &ck_true : &ck_false, sizeof(CK_BBOOL)},
        {CKA_PRIVATE, &ck_false, sizeof(CK_BBOOL)},
        {CKA_LABEL, (void *)label, (CK_ULONG)strlen(label)},
        {CKA_APPLICATION, app, sizeof app - 1},
        {CKA_VALUE, value, sizeof value},
    };
    return m->f->C_CreateObject(s, t, sizeof t / sizeof t[0], h);
}

static CK_RV make_secret(struct bp_mod *m, enum bp_alg alg, CK_OBJECT_HANDLE *h)
{
    static CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    static CK_KEY_TYPE aes = CKK_AES, gen = CKK_GENERIC_SECRET;
    static CK_BYTE value[32] = {0x0b, 0xad, 0xc0, 0xde, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd,
                                0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10, 0x11, 0x22,
                                0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc};
    bool is_aes = alg == BP_AES256;
    CK_ATTRIBUTE t[] = {
        {CKA_CLASS, &cls, sizeof cls},
        {CKA_KEY_TYPE, is_aes ? &aes : &gen, sizeof(CK_KEY_TYPE)},
        {CKA_TOKEN, &ck_false, sizeof(CK_BBOOL)},
        {CKA_PRIVATE, &ck_true, sizeof(CK_BBOOL)},
        {CKA_SENSITIVE, &ck_true, sizeof(CK_BBOOL)},
        {is_aes ? CKA_ENCRYPT : CKA_SIGN, &ck_true, sizeof(CK_BBOOL)},
        {CKA_VALUE, value, sizeof value},
    };
    return m->f->C_CreateObject(m->main, t, sizeof t / sizeof t[0], h);
}

static void obj_label(char *buf, size_t len, size_t i)
{
    snprintf(buf, len, "bench-find-%06zu", i);
}

/* The mechanism a row measures, with its parameters pointing into r. */
static void row_mech(struct mrow *r)
{
    const struct bp_row *row = r->row;
    r->mech = (CK_MECHANISM){row->mech, NULL, 0};
    if (row->mech == CKM_SHA256_RSA_PKCS_PSS) {
        r->pss = (CK_RSA_PKCS_PSS_PARAMS){CKM_SHA256, CKG_MGF1_SHA256, 32};
        r->mech.pParameter = &r->pss;
        r->mech.ulParameterLen = sizeof r->pss;
    } else if (row->mech == CKM_ECDH1_DERIVE) {
        r->ecdh = (CK_ECDH1_DERIVE_PARAMS){CKD_NULL, 0, NULL, sizeof p256_g, (CK_BYTE_PTR)p256_g};
        r->mech.pParameter = &r->ecdh;
        r->mech.ulParameterLen = sizeof r->ecdh;
    }
}

static int row_check(struct bp_mod *m, const struct bp_row *row, char *err, size_t errlen)
{
    CK_MECHANISM_TYPE kg = keygen_mech(row->alg);
    switch (row->kind) {
    case BP_SIGN:
    case BP_VERIFY:
        if (!mech_has(m, kg, CKF_GENERATE_KEY_PAIR))
            return snprintf(err, errlen, "no key-pair generation 0x%lx", kg), BP_NA;
        if (!mech_has(m, row->mech, CKF_SIGN | (row->kind == BP_VERIFY ? CKF_VERIFY : 0)))
            return snprintf(err, errlen, "no mechanism 0x%lx", row->mech), BP_NA;
        return BP_READY;
    case BP_DERIVE:
        if (!mech_has(m, kg, CKF_GENERATE_KEY_PAIR) || !mech_has(m, row->mech, CKF_DERIVE))
            return snprintf(err, errlen, "no ECDH"), BP_NA;
        return BP_READY;
    case BP_KEYGEN:
        if (!mech_has(m, row->mech, CKF_GENERATE_KEY_PAIR))
            return snprintf(err, errlen, "no mechanism 0x%lx", row->mech), BP_NA;
        return BP_READY;
    case BP_DIGEST:
        if (!mech_has(m, row->mech, CKF_DIGEST))
            return snprintf(err, errlen, "no mechanism 0x%lx", row->mech), BP_NA;
        return BP_READY;
    case BP_ENCRYPT:
        if (!mech_has(m, row->mech, CKF_ENCRYPT))
            return snprintf(err, errlen, "no mechanism 0x%lx", row->mech), BP_NA;
        return BP_READY;
    case BP_MAC:
        if (!mech_has(m, row->mech, CKF_SIGN))
            return snprintf(err, errlen, "no mechanism 0x%lx", row->mech), BP_NA;
        return BP_READY;
    case BP_FIND:
    case BP_CREATE: return BP_READY;
    }
    return BP_NA;
}

void bp_mod_row_free(void *ctx)
{
    struct mrow *r = ctx;
    if (r == NULL)
        return;
    CK_FUNCTION_LIST_PTR f = r->m->f;
    if (r->owner != CK_INVALID_HANDLE)
        f->C_CloseSession(r->owner); /* its session objects go with it */
    /* Token find objects stay: destroying 10,000 of them one by one takes SoftHSMv2 over half
     * an hour (each C_DestroyObject rescans its token folder). They go with the token folder. */
    if (r->priv != CK_INVALID_HANDLE)
        f->C_DestroyObject(r->m->main, r->priv);
    if (r->pub != CK_INVALID_HANDLE)
        f->C_DestroyObject(r->m->main, r->pub);
    if (r->key != CK_INVALID_HANDLE)
        f->C_DestroyObject(r->m->main, r->key);
    free(r->objs);
    free(r->msg);
    free(r);
}

static int setup_find(struct mrow *r, char *err, size_t errlen)
{
    struct bp_mod *m = r->m;
    const struct bp_row *row = r->row;
    CK_SESSION_HANDLE s = m->main;
    if (!row->find_token) {
        CK_RV rv = m->f->C_OpenSession(m->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
                                       &r->owner);
        if (rv != CKR_OK)
            return FAILF("C_OpenSession: %s", rv_name(rv));
        s = r->owner;
    } else {
        r->objs = calloc(row->len, sizeof *r->objs);
        if (r->objs == NULL)
            return FAILF("out of memory");
    }
    double t0 = bp_now();
    for (size_t i = 0; i < row->len; i++) {
        char label[32];
        CK_OBJECT_HANDLE h;
        obj_label(label, sizeof label, i);
        CK_RV rv = make_data_object(m, s, row->find_token, label, &h);
        if (rv != CKR_OK)
            return FAILF("C_CreateObject #%zu: %s", i, rv_name(rv));
        if (row->find_token)
            r->objs[r->nobjs++] = h;
    }
    fprintf(stderr, "  %s: %zu %s data objects created in %.1f s\n", m->name, row->len,
            row->find_token ? "token" : "session", bp_now() - t0);
    return BP_READY;
}

int bp_mod_row_new(struct bp_mod *m, const struct bp_row *row, void **ctx, char *err,
                   size_t errlen)
{
    *ctx = NULL;
    int st = row_check(m, row, err, errlen);
    if (st != BP_READY)
        return st;
    struct mrow *r = calloc(1, sizeof *r);
    if (r == NULL)
        return FAILF("out of memory");
    r->m = m;
    r->row = row;
    r->pub = r->priv = r->key = r->owner = CK_INVALID_HANDLE;
    row_mech(r);
    r->msglen = row->len;
    if (row->kind != BP_FIND) {
        r->msg = malloc(r->msglen > 0 ? r->msglen : 1);
        if (r->msg == NULL) {
            free(r);
            return FAILF("out of memory");
        }
        for (size_t i = 0; i < r->msglen; i++)
            r->msg[i] = (CK_BYTE)(i * 131u + 7u);
    }
    CK_RV rv = CKR_OK;
    switch (row->kind) {
    case BP_SIGN:
    case BP_VERIFY:
    case BP_DERIVE:
        rv = gen_pair(m, m->main, row->alg, false, row->kind == BP_DERIVE, &r->pub, &r->priv);
        if (rv != CKR_OK) {
            st = FAILF("C_GenerateKeyPair: %s", rv_name(rv));
            break;
        }
        if (row->kind == BP_VERIFY) {
            r->siglen = sizeof r->sig;
            rv = m->f->C_SignInit(m->main, &r->mech, r->priv);
            if (rv == CKR_OK)
                rv = m->f->C_Sign(m->main, r->msg, (CK_ULONG)r->msglen, r->sig, &r->siglen);
            if (rv != CKR_OK)
                st = FAILF("C_Sign (setup): %s", rv_name(rv));
        }
        break;
    case BP_ENCRYPT:
    case BP_MAC:
        rv = make_secret(m, row->alg, &r->key);
        if (rv != CKR_OK)
            st = FAILF("C_CreateObject (secret key): %s", rv_name(rv));
        break;
    case BP_FIND: st = setup_find(r, err, errlen); break;
    case BP_KEYGEN:
    case BP_CREATE:
    case BP_DIGEST: break;
    }
    if (st != BP_READY) {
        bp_mod_row_free(r);
        return st;
    }
    *ctx = r;
    return BP_READY;
}

/* ---- workers ------------------------------------------------------------------------------ */

static void thr_free(void *p)
{
    struct mthr *t = p;
    if (t == NULL)
        return;
    CK_FUNCTION_LIST_PTR f = t->r->m->f;
    for (size_t i = 0; i < t->nmade; i++)
        f->C_DestroyObject(t->s, t->made[i]);
    if (t->s != CK_INVALID_HANDLE)
        f->C_CloseSession(t->s);
    free(t->made);
    free(t->out);
    free(t);
}

static void *thr_new(void *ctx, unsigned idx, char *err, size_t errlen)
{
    struct mrow *r = ctx;
    struct mthr *t = calloc(1, sizeof *t);
    if (t == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->r = r;
    t->idx = idx;
    t->s = CK_INVALID_HANDLE;
    t->outcap = r->msglen + 1024;
    t->out = malloc(t->outcap);
    CK_RV rv = r->m->f->C_OpenSession(r->m->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
                                      NULL, &t->s);
    if (t->out == NULL || rv != CKR_OK) {
        snprintf(err, errlen, "C_OpenSession: %s", rv_name(rv));
        thr_free(t);
        return NULL;
    }
    t->mech = r->mech;
    return t;
}

static int remember(struct mthr *t, CK_OBJECT_HANDLE h)
{
    if (t->nmade == t->capmade) {
        size_t cap = t->capmade ? 2 * t->capmade : 256;
        CK_OBJECT_HANDLE *p = realloc(t->made, cap * sizeof *p);
        if (p == NULL)
            return -1;
        t->made = p;
        t->capmade = cap;
    }
    t->made[t->nmade++] = h;
    return 0;
}

/* A fresh IV for every encryption: the thread index and a counter. */
static void next_iv(struct mthr *t)
{
    memset(t->iv, 0, sizeof t->iv);
    t->iv[0] = (CK_BYTE)t->idx;
    for (int i = 0; i < 8; i++)
        t->iv[4 + i] = (CK_BYTE)(t->n >> (8 * i));
}

#define CK(call, what)                                                                      \
    do {                                                                                     \
        CK_RV rv_ = (call);                                                                  \
        if (rv_ != CKR_OK) {                                                                 \
            snprintf(err, errlen, "%s: %s", what, rv_name(rv_));                             \
            return -1;                                                                       \
        }                                                                                    \
    } while (0)

static int op(void *p, char *err, size_t errlen)
{
    struct mthr *t = p;
    struct mrow *r = t->r;
    CK_FUNCTION_LIST_PTR f = r->m->f;
    const struct bp_row *row = r->row;
    CK_ULONG len = (CK_ULONG)t->outcap;
    t->n++;
    switch (row->kind) {
    case BP_SIGN:
        CK(f->C_SignInit(t->s, &t->mech, r->priv), "C_SignInit");
        CK(f->C_Sign(t->s, r->msg, (CK_ULONG)r->msglen, t->out, &len), "C_Sign");
        return 0;
    case BP_VERIFY:
        CK(f->C_VerifyInit(t->s, &t->mech, r->pub), "C_VerifyInit");
        CK(f->C_Verify(t->s, r->msg, (CK_ULONG)r->msglen, r->sig, r->siglen), "C_Verify");
        return 0;
    case BP_DERIVE: {
        static CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
        static CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
        static CK_ULONG vlen = 32;
        CK_ATTRIBUTE tmpl[] = {
            {CKA_CLASS, &cls, sizeof cls},
            {CKA_KEY_TYPE, &kt, sizeof kt},
            {CKA_TOKEN, &ck_false, sizeof(CK_BBOOL)},
            {CKA_SENSITIVE, &ck_true, sizeof(CK_BBOOL)},
            {CKA_VALUE_LEN, &vlen, sizeof vlen},
        };
        CK_OBJECT_HANDLE h;
        CK(f->C_DeriveKey(t->s, &t->mech, r->priv, tmpl, sizeof tmpl / sizeof tmpl[0], &h),
           "C_DeriveKey");
        CK(f->C_DestroyObject(t->s, h), "C_DestroyObject");
        return 0;
    }
    case BP_KEYGEN: {
        CK_OBJECT_HANDLE pub, priv;
        CK(gen_pair(r->m, t->s, row->alg, row->token, false, &pub, &priv), "C_GenerateKeyPair");
        /* Session objects go when the session closes; token objects are destroyed after. */
        if (row->token && (remember(t, pub) != 0 || remember(t, priv) != 0)) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        return 0;
    }
    case BP_FIND: {
        static CK_OBJECT_CLASS cls = CKO_DATA;
        char label[32];
        /* A different object each time, spread over the whole token. */
        obj_label(label, sizeof label, (size_t)((t->n * 7919u + t->idx * 4999u) % row->len));
        CK_ATTRIBUTE tmpl[] = {
            {CKA_CLASS, &cls, sizeof cls},
            {CKA_LABEL, label, (CK_ULONG)strlen(label)},
        };
        CK_OBJECT_HANDLE found[2];
        CK_ULONG n = 0;
        CK(f->C_FindObjectsInit(t->s, tmpl, 2), "C_FindObjectsInit");
        CK_RV rv = f->C_FindObjects(t->s, found, 2, &n);
        CK_RV rv2 = f->C_FindObjectsFinal(t->s);
        CK(rv, "C_FindObjects");
        CK(rv2, "C_FindObjectsFinal");
        if (n != 1) {
            snprintf(err, errlen, "C_FindObjects found %lu objects labelled %s, expected 1",
                     (unsigned long)n, label);
            return -1;
        }
        return 0;
    }
    case BP_CREATE: {
        char label[48];
        CK_OBJECT_HANDLE h;
        snprintf(label, sizeof label, "bench-new-%u-%lu", t->idx, t->n);
        CK(make_data_object(r->m, t->s, true, label, &h), "C_CreateObject");
        if (remember(t, h) != 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        return 0;
    }
    case BP_DIGEST:
        CK(f->C_DigestInit(t->s, &t->mech), "C_DigestInit");
        CK(f->C_Digest(t->s, r->msg, (CK_ULONG)r->msglen, t->out, &len), "C_Digest");
        return 0;
    case BP_ENCRYPT:
        next_iv(t);
        if (row->mech == CKM_AES_GCM) {
            t->gcm = (CK_GCM_PARAMS){t->iv, 12, 96, NULL, 0, 128};
            t->mech.pParameter = &t->gcm;
            t->mech.ulParameterLen = sizeof t->gcm;
        } else {
            t->mech.pParameter = t->iv;
            t->mech.ulParameterLen = 16;
        }
        CK(f->C_EncryptInit(t->s, &t->mech, r->key), "C_EncryptInit");
        CK(f->C_Encrypt(t->s, r->msg, (CK_ULONG)r->msglen, t->out, &len), "C_Encrypt");
        return 0;
    case BP_MAC:
        CK(f->C_SignInit(t->s, &t->mech, r->key), "C_SignInit");
        CK(f->C_Sign(t->s, r->msg, (CK_ULONG)r->msglen, t->out, &len), "C_Sign");
        return 0;
    }
    snprintf(err, errlen, "unknown row kind");
    return -1;
}

const struct bp_impl bp_mod_impl = {thr_new, op, thr_free};
