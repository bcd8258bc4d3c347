/* SPDX-License-Identifier: Apache-2.0 */
/* craton-hsm-admin key commands over PKCS#11: list, import (OpenSSL parses PEM/DER keys and
 * certificates here, in the tool; the module only sees C_CreateObject templates), export of
 * public keys as PEM, delete, generate, lifecycle dates. Private key material passes through
 * template buffers that are wiped before release. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "admin_int.h"
#include "util/ch_wipe.h"

/* ---- attribute templates -------------------------------------------------------------------- */

#define TMPL_MAX 40
struct tmpl {
    CK_ATTRIBUTE a[TMPL_MAX];
    bool secret[TMPL_MAX]; /* value owned and to be wiped */
    size_t n;
    bool failed;
};

static void t_add(struct tmpl *t, CK_ATTRIBUTE_TYPE type, const void *v, size_t len, bool secret)
{
    if (t->failed || t->n >= TMPL_MAX) {
        t->failed = true;
        return;
    }
    void *copy = malloc(len > 0 ? len : 1);
    if (copy == NULL) {
        t->failed = true;
        return;
    }
    if (len > 0)
        memcpy(copy, v, len);
    t->a[t->n].type = type;
    t->a[t->n].pValue = copy;
    t->a[t->n].ulValueLen = (CK_ULONG)len;
    t->secret[t->n] = secret;
    t->n++;
}

static void t_bool(struct tmpl *t, CK_ATTRIBUTE_TYPE type, bool v)
{
    CK_BBOOL b = v ? CK_TRUE : CK_FALSE;
    t_add(t, type, &b, sizeof(b), false);
}

static void t_ulong(struct tmpl *t, CK_ATTRIBUTE_TYPE type, CK_ULONG v)
{
    t_add(t, type, &v, sizeof(v), false);
}

static void t_str(struct tmpl *t, CK_ATTRIBUTE_TYPE type, const char *s)
{
    t_add(t, type, s, strlen(s), false);
}

static void t_bn(struct tmpl *t, CK_ATTRIBUTE_TYPE type, const BIGNUM *bn, size_t pad, bool secret)
{
    if (bn == NULL) {
        t->failed = true;
        return;
    }
    size_t n = pad > 0 ? pad : (size_t)BN_num_bytes(bn);
    uint8_t *b = malloc(n > 0 ? n : 1);
    if (b == NULL || BN_bn2binpad(bn, b, (int)n) < 0) {
        free(b);
        t->failed = true;
        return;
    }
    t_add(t, type, b, n, secret);
    ch_wipe(b, n);
    free(b);
}

static void t_free(struct tmpl *t)
{
    for (size_t i = 0; i < t->n; i++) {
        if (t->secret[i])
            ch_wipe(t->a[i].pValue, t->a[i].ulValueLen);
        free(t->a[i].pValue);
    }
    t->n = 0;
}

/* DER OCTET STRING around v (CKA_EC_POINT). */
static void t_octet(struct tmpl *t, CK_ATTRIBUTE_TYPE type, const uint8_t *v, size_t n)
{
    uint8_t hdr[4];
    size_t h = 0;
    hdr[h++] = 0x04;
    if (n < 0x80) {
        hdr[h++] = (uint8_t)n;
    } else if (n < 0x100) {
        hdr[h++] = 0x81;
        hdr[h++] = (uint8_t)n;
    } else {
        hdr[h++] = 0x82;
        hdr[h++] = (uint8_t)(n >> 8);
        hdr[h++] = (uint8_t)n;
    }
    uint8_t *b = malloc(h + n);
    if (b == NULL) {
        t->failed = true;
        return;
    }
    memcpy(b, hdr, h);
    memcpy(b + h, v, n);
    t_add(t, type, b, h + n, false);
    free(b);
}

/* Undo t_octet: the contents of a DER OCTET STRING, or the input when it is not one. */
static const uint8_t *unwrap_octet(const uint8_t *v, size_t n, size_t *out_len)
{
    if (n >= 2 && v[0] == 0x04) {
        size_t len = v[1], h = 2;
        if (v[1] == 0x81 && n >= 3) {
            len = v[2];
            h = 3;
        } else if (v[1] == 0x82 && n >= 4) {
            len = (size_t)v[2] << 8 | v[3];
            h = 4;
        }
        if (h + len == n) {
            *out_len = len;
            return v + h;
        }
    }
    *out_len = n;
    return v;
}

static const uint8_t ED25519_OID[] = {0x06, 0x03, 0x2B, 0x65, 0x70};

/* PKCS#11 3.2 §6.65-6.67: post-quantum key types and their CKA_PARAMETER_SET values. */
struct pqc_set {
    const char *name;
    CK_KEY_TYPE kt;
    CK_MECHANISM_TYPE gen;
    CK_ULONG set;
};
static const struct pqc_set pqc_sets[] = {
    {"ml-dsa-44", CKK_ML_DSA, CKM_ML_DSA_KEY_PAIR_GEN, CKP_ML_DSA_44},
    {"ml-dsa-65", CKK_ML_DSA, CKM_ML_DSA_KEY_PAIR_GEN, CKP_ML_DSA_65},
    {"ml-dsa-87", CKK_ML_DSA, CKM_ML_DSA_KEY_PAIR_GEN, CKP_ML_DSA_87},
    {"ml-kem-512", CKK_ML_KEM, CKM_ML_KEM_KEY_PAIR_GEN, CKP_ML_KEM_512},
    {"ml-kem-768", CKK_ML_KEM, CKM_ML_KEM_KEY_PAIR_GEN, CKP_ML_KEM_768},
    {"ml-kem-1024", CKK_ML_KEM, CKM_ML_KEM_KEY_PAIR_GEN, CKP_ML_KEM_1024},
    {"slh-dsa-sha2-128s", CKK_SLH_DSA, CKM_SLH_DSA_KEY_PAIR_GEN, CKP_SLH_DSA_SHA2_128S},
    {"slh-dsa-shake-128s", CKK_SLH_DSA, CKM_SLH_DSA_KEY_PAIR_GEN, CKP_SLH_DSA_SHAKE_128S},
    {"slh-dsa-sha2-128f", CKK_SLH_DSA, CKM_SLH_DSA_KEY_PAIR_GEN, CKP_SLH_DSA_SHA2_128F},
    {"slh-dsa-shake-128f", CKK_SLH_DSA, CKM_SLH_DSA_KEY_PAIR_GEN, CKP_SLH_DSA_SHAKE_128F},
    {"slh-dsa-sha2-192s", CKK_SLH_DSA, CKM_SLH_DSA_KEY_PAIR_GEN, CKP_SLH_DSA_SHA2_192S},
    {"slh-dsa-shake-192s", CKK_SLH_DSA, CKM_SLH_DSA_KEY_PAIR_GEN, CKP_SLH_DSA_SHAKE_192S},
    {"slh-dsa-sha2-192f", CKK_SLH_DSA, CKM_SLH_DSA_KEY_PAIR_GEN, CKP_SLH_DSA_SHA2_192F},
    {"slh-dsa-shake-192f", CKK_SLH_DSA, CKM_SLH_DSA_KEY_PAIR_GEN, CKP_SLH_DSA_SHAKE_192F},
    {"slh-dsa-sha2-256s", CKK_SLH_DSA, CKM_SLH_DSA_KEY_PAIR_GEN, CKP_SLH_DSA_SHA2_256S},
    {"slh-dsa-shake-256s", CKK_SLH_DSA, CKM_SLH_DSA_KEY_PAIR_GEN, CKP_SLH_DSA_SHAKE_256S},
    {"slh-dsa-sha2-256f", CKK_SLH_DSA, CKM_SLH_DSA_KEY_PAIR_GEN, CKP_SLH_DSA_SHA2_256F},
    {"slh-dsa-shake-256f", CKK_SLH_DSA, CKM_SLH_DSA_KEY_PAIR_GEN, CKP_SLH_DSA_SHAKE_256F},
};

static const struct pqc_set *pqc_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof(pqc_sets) / sizeof(pqc_sets[0]); i++)
        if (strcmp(pqc_sets[i].name, name) == 0)
            return &pqc_sets[i];
    return NULL;
}

static const char *pqc_set_name(CK_KEY_TYPE kt, CK_ULONG set)
{
    for (size_t i = 0; i < sizeof(pqc_sets) / sizeof(pqc_sets[0]); i++)
        if (pqc_sets[i].kt == kt && pqc_sets[i].set == set)
            return pqc_sets[i].name;
    return NULL;
}

/* ---- object selection -------------------------------------------------------------------- */

static bool class_of(const char *name, CK_OBJECT_CLASS *cls)
{
    static const struct {
        const char *n;
        CK_OBJECT_CLASS c;
    } names[] = {{"private", CKO_PRIVATE_KEY}, {"public", CKO_PUBLIC_KEY},
                 {"secret", CKO_SECRET_KEY},   {"certificate", CKO_CERTIFICATE},
                 {"cert", CKO_CERTIFICATE},    {"data", CKO_DATA}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(name, names[i].n) == 0) {
            *cls = names[i].c;
            return true;
        }
    return false;
}

static const char *class_name(CK_OBJECT_CLASS c)
{
    switch (c) {
    case CKO_DATA: return "data";
    case CKO_CERTIFICATE: return "certificate";
    case CKO_PUBLIC_KEY: return "public";
    case CKO_PRIVATE_KEY: return "private";
    case CKO_SECRET_KEY: return "secret";
    default: return "other";
    }
}

static const char *key_type_name(CK_KEY_TYPE k)
{
    switch (k) {
    case CKK_RSA: return "rsa";
    case CKK_EC: return "ec";
    case CKK_EC_EDWARDS: return "ec-edwards";
    case CKK_EC_MONTGOMERY: return "ec-montgomery";
    case CKK_AES: return "aes";
    case CKK_GENERIC_SECRET: return "generic-secret";
    case CKK_SHA256_HMAC: return "sha256-hmac";
    case CKK_ML_DSA: return "ml-dsa";
    case CKK_ML_KEM: return "ml-kem";
    case CKK_SLH_DSA: return "slh-dsa";
    default: return "other";
    }
}

/* Template of --label/--id/--class; exit code. */
static int selection(const struct ctx *c, struct tmpl *t, bool need_one)
{
    if (need_one && c->o->label == NULL && c->o->id_hex == NULL) {
        ch_admin_err("select the object with --label or --id");
        return CH_EXIT_USAGE;
    }
    if (c->o->label != NULL)
        t_str(t, CKA_LABEL, c->o->label);
    if (c->o->id_hex != NULL) {
        uint8_t id[256];
        size_t n;
        if (ch_admin_hex_decode(c->o->id_hex, id, sizeof(id), &n) != 0) {
            ch_admin_err("--id must be hexadecimal");
            return CH_EXIT_USAGE;
        }
        t_add(t, CKA_ID, id, n, false);
    }
    if (c->o->class_name != NULL) {
        CK_OBJECT_CLASS cls;
        if (!class_of(c->o->class_name, &cls)) {
            ch_admin_err("--class: private, public, secret, certificate or data");
            return CH_EXIT_USAGE;
        }
        t_ulong(t, CKA_CLASS, cls);
    }
    return t->failed ? CH_EXIT_FAIL : CH_EXIT_OK;
}

static int find(struct ctx *c, CK_SESSION_HANDLE h, struct tmpl *t, CK_OBJECT_HANDLE **objs,
                size_t *n)
{
    size_t cap = 64;
    *n = 0;
    *objs = malloc(cap * sizeof(CK_OBJECT_HANDLE));
    if (*objs == NULL)
        return CH_EXIT_FAIL;
    CK_RV rv = c->p11->C_FindObjectsInit(h, t->n ? t->a : NULL, (CK_ULONG)t->n);
    if (rv != CKR_OK)
        return ch_admin_p11_fail("C_FindObjectsInit", rv);
    for (;;) {
        CK_ULONG got = 0;
        if (*n == cap) {
            CK_OBJECT_HANDLE *bigger = realloc(*objs, 2 * cap * sizeof(CK_OBJECT_HANDLE));
            if (bigger == NULL)
                break;
            *objs = bigger;
            cap *= 2;
        }
        rv = c->p11->C_FindObjects(h, *objs + *n, (CK_ULONG)(cap - *n), &got);
        if (rv != CKR_OK || got == 0)
            break;
        *n += got;
    }
    (void)c->p11->C_FindObjectsFinal(h);
    if (rv != CKR_OK)
        return ch_admin_p11_fail("C_FindObjects", rv);
    return CH_EXIT_OK;
}

/* Read one attribute (malloc'd). CKR_* of C_GetAttributeValue; *len = 0 when empty. */
static CK_RV get_attr(struct ctx *c, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
                      CK_ATTRIBUTE_TYPE type, uint8_t **val, size_t *len)
{
    CK_ATTRIBUTE a = {type, NULL, 0};
    *val = NULL;
    *len = 0;
    CK_RV rv = c->p11->C_GetAttributeValue(h, o, &a, 1);
    if (rv != CKR_OK)
        return rv;
    if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
        return CKR_ATTRIBUTE_TYPE_INVALID;
    a.pValue = malloc(a.ulValueLen > 0 ? a.ulValueLen : 1);
    if (a.pValue == NULL)
        return CKR_HOST_MEMORY;
    rv = c->p11->C_GetAttributeValue(h, o, &a, 1);
    if (rv != CKR_OK) {
        free(a.pValue);
        return rv;
    }
    *val = a.pValue;
    *len = a.ulValueLen;
    return CKR_OK;
}

static bool get_ulong(struct ctx *c, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
                      CK_ATTRIBUTE_TYPE type, CK_ULONG *v)
{
    CK_ATTRIBUTE a = {type, v, sizeof(*v)};
    return c->p11->C_GetAttributeValue(h, o, &a, 1) == CKR_OK;
}

/* -1 unknown, 0 false, 1 true */
static int get_bool(struct ctx *c, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
    CK_BBOOL b = CK_FALSE;
    CK_ATTRIBUTE a = {type, &b, sizeof(b)};
    if (c->p11->C_GetAttributeValue(h, o, &a, 1) != CKR_OK)
        return -1;
    return b ? 1 : 0;
}

/* Curve name and size from a DER OID in CKA_EC_PARAMS. */
static int curve_of(const uint8_t *params, size_t len, const char **name)
{
    const unsigned char *p = params;
    ASN1_OBJECT *obj = d2i_ASN1_OBJECT(NULL, &p, (long)len);
    int nid = obj != NULL ? OBJ_obj2nid(obj) : NID_undef;
    ASN1_OBJECT_free(obj);
    *name = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
    switch (nid) {
    case NID_X9_62_prime256v1: return 256;
    case NID_secp384r1: return 384;
    case NID_secp521r1: return 521;
    case NID_ED25519: return 255;
    case NID_ED448: return 448;
    default: return 0;
    }
}

/* ---- key list ------------------------------------------------------------------------------- */

static const struct {
    CK_ATTRIBUTE_TYPE t;
    const char *name;
} bool_attrs[] = {
    {CKA_TOKEN, "token"},         {CKA_PRIVATE, "private"},
    {CKA_MODIFIABLE, "modifiable"}, {CKA_SENSITIVE, "sensitive"},
    {CKA_EXTRACTABLE, "extractable"}, {CKA_ALWAYS_SENSITIVE, "always_sensitive"},
    {CKA_NEVER_EXTRACTABLE, "never_extractable"}, {CKA_LOCAL, "local"},
    {CKA_SIGN, "sign"},           {CKA_VERIFY, "verify"},
    {CKA_ENCRYPT, "encrypt"},     {CKA_DECRYPT, "decrypt"},
    {CKA_WRAP, "wrap"},           {CKA_UNWRAP, "unwrap"},
    {CKA_DERIVE, "derive"},       {CKA_TRUSTED, "trusted"},
    {CKA_ENCAPSULATE, "encapsulate"}, {CKA_DECAPSULATE, "decapsulate"},
};

static void date_str(struct ctx *c, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
                     CK_ATTRIBUTE_TYPE t, char out[11])
{
    uint8_t *v;
    size_t n;
    out[0] = '\0';
    if (get_attr(c, h, o, t, &v, &n) == CKR_OK && n == sizeof(CK_DATE)) {
        const CK_DATE *d = (const CK_DATE *)v;
        snprintf(out, 11, "%.4s-%.2s-%.2s", (const char *)d->year, (const char *)d->month,
                 (const char *)d->day);
    }
    if (v != NULL)
        free(v);
}

static void list_one(struct ctx *c, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, struct jw *w)
{
    CK_ULONG cls = (CK_ULONG)-1, kt = (CK_ULONG)-1, ul = 0;
    uint8_t *v = NULL;
    size_t n = 0;
    char label[256] = "", idhex[2 * 128 + 1] = "", size[48] = "", start[11], end[11];
    const char *curve = NULL;

    get_ulong(c, h, o, CKA_CLASS, &cls);
    bool is_key = cls == CKO_PRIVATE_KEY || cls == CKO_PUBLIC_KEY || cls == CKO_SECRET_KEY;
    if (is_key)
        get_ulong(c, h, o, CKA_KEY_TYPE, &kt);
    if (get_attr(c, h, o, CKA_LABEL, &v, &n) == CKR_OK) {
        snprintf(label, sizeof(label), "%.*s", (int)n, (const char *)v);
        free(v);
    }
    if (get_attr(c, h, o, CKA_ID, &v, &n) == CKR_OK) {
        ch_admin_hex_encode(v, n < 128 ? n : 128, idhex);
        free(v);
    }
    if (kt == CKK_RSA) {
        if (get_ulong(c, h, o, CKA_MODULUS_BITS, &ul) && ul > 0) {
            snprintf(size, sizeof(size), "%lu", (unsigned long)ul);
        } else if (get_attr(c, h, o, CKA_MODULUS, &v, &n) == CKR_OK) {
            snprintf(size, sizeof(size), "%zu", n * 8);
            free(v);
        }
    } else if (kt == CKK_EC || kt == CKK_EC_EDWARDS || kt == CKK_EC_MONTGOMERY) {
        if (get_attr(c, h, o, CKA_EC_PARAMS, &v, &n) == CKR_OK) {
            int bits = curve_of(v, n, &curve);
            if (bits > 0)
                snprintf(size, sizeof(size), "%d", bits);
            free(v);
        }
    } else if (kt == CKK_ML_DSA || kt == CKK_ML_KEM || kt == CKK_SLH_DSA) {
        if (get_ulong(c, h, o, CKA_PARAMETER_SET, &ul))
            curve = pqc_set_name(kt, ul); /* shown as the "curve"/parameter column */
    } else if (is_key && get_ulong(c, h, o, CKA_VALUE_LEN, &ul)) {
        snprintf(size, sizeof(size), "%lu", (unsigned long)ul * 8);
    }
    date_str(c, h, o, CKA_START_DATE, start);
    date_str(c, h, o, CKA_END_DATE, end);

    if (w != NULL) {
        ch_jw_obj(w);
        ch_jw_ku64(w, "handle", o);
        ch_jw_kstr(w, "label", label);
        ch_jw_kstr(w, "id", idhex);
        ch_jw_kstr(w, "class", class_name(cls));
        ch_jw_kstr(w, "key_type", is_key ? key_type_name(kt) : NULL);
        ch_jw_key(w, "size_bits");
        if (size[0])
            ch_jw_u64(w, strtoull(size, NULL, 10));
        else
            ch_jw_null(w);
        ch_jw_kstr(w, "curve", kt == CKK_EC || kt == CKK_EC_EDWARDS ? curve : NULL);
        ch_jw_kstr(w, "parameter_set", kt == CKK_EC || kt == CKK_EC_EDWARDS ? NULL : curve);
        ch_jw_key(w, "flags");
        ch_jw_arr(w);
        for (size_t i = 0; i < sizeof(bool_attrs) / sizeof(bool_attrs[0]); i++)
            if (get_bool(c, h, o, bool_attrs[i].t) == 1)
                ch_jw_str(w, bool_attrs[i].name);
        ch_jw_arr_end(w);
        ch_jw_kstr(w, "start_date", start[0] ? start : NULL);
        ch_jw_kstr(w, "end_date", end[0] ? end : NULL);
        ch_jw_obj_end(w);
        return;
    }
    printf("%-12s %-14s %-6s %-24s id %s\n", class_name(cls), is_key ? key_type_name(kt) : "-",
           size[0] ? size : "-", label[0] ? label : "(no label)", idhex[0] ? idhex : "-");
    printf("             flags:");
    for (size_t i = 0; i < sizeof(bool_attrs) / sizeof(bool_attrs[0]); i++)
        if (get_bool(c, h, o, bool_attrs[i].t) == 1)
            printf(" %s", bool_attrs[i].name);
    if (curve != NULL)
        printf("  %s: %s", kt == CKK_EC || kt == CKK_EC_EDWARDS ? "curve" : "parameters", curve);
    if (start[0] || end[0])
        printf("  dates: %s..%s", start[0] ? start : "", end[0] ? end : "");
    printf("\n");
}

static bool want_login(const struct ctx *c)
{
    return c->o->login || c->o->pin_file != NULL || c->o->pin != NULL;
}

int ch_admin_cmd_key_list(struct ctx *c)
{
    CK_SESSION_HANDLE h;
    struct tmpl t = {0};
    CK_OBJECT_HANDLE *objs = NULL;
    size_t n = 0;
    struct jw w;
    int ex = selection(c, &t, false);
    if (ex != CH_EXIT_OK) {
        t_free(&t);
        return ex;
    }
    ex = ch_admin_session(c, c->o->slot, false, want_login(c) ? (long)CKU_USER : -1, &h);
    if (ex != CH_EXIT_OK) {
        t_free(&t);
        return ex;
    }
    ex = find(c, h, &t, &objs, &n);
    if (ex == CH_EXIT_OK) {
        if (c->o->json) {
            ch_jw_init(&w, stdout);
            ch_jw_arr(&w);
        }
        for (size_t i = 0; i < n; i++)
            list_one(c, h, objs[i], c->o->json ? &w : NULL);
        if (c->o->json) {
            ch_jw_arr_end(&w);
            ch_jw_done(&w);
        } else if (n == 0) {
            printf("no objects%s\n", want_login(c) ? "" : " (public only: add --login to see "
                                                          "private objects)");
        }
    }
    free(objs);
    t_free(&t);
    (void)c->p11->C_CloseSession(h);
    return ex;
}

/* ---- key import ----------------------------------------------------------------------------- */

static void ossl_err(const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "";
    if (e != 0)
        ERR_error_string_n(e, buf, sizeof(buf));
    ch_admin_err("%s%s%s", what, buf[0] ? ": " : "", buf);
    ERR_clear_error();
}

struct pass_arg {
    const struct ctx *c;
    int asked; /* exit code of the secret source, -1 before it is asked */
};

/* OpenSSL's pem_password_cb: only called for an encrypted key. */
static int key_pass_cb(char *buf, int size, int rwflag, void *u)
{
    struct pass_arg *pa = u;
    struct secret s;
    (void)rwflag;
    if (pa->asked > 0)
        return -1; /* no source: reported once, not once per decoder OpenSSL tries */
    pa->asked = ch_admin_secret_get(pa->c, CH_SECRET_KEY_PASSPHRASE, &s);
    if (pa->asked != CH_EXIT_OK || size < 0 || s.len > (size_t)size) {
        ch_admin_secret_wipe(&s);
        return -1;
    }
    memcpy(buf, s.v, s.len);
    int n = (int)s.len;
    ch_admin_secret_wipe(&s);
    return n;
}

/* Parse the input as a private key or certificate, PEM or DER. */
static int load_input(const struct ctx *c, EVP_PKEY **pkey, X509 **cert)
{
    struct pass_arg pa = {c, -1};
    BIO *b = BIO_new_file(c->o->input, "rb");
    const char *fmt = c->o->format;
    *pkey = NULL;
    *cert = NULL;
    if (b == NULL) {
        ossl_err("cannot open the input file");
        return CH_EXIT_USAGE;
    }
    if (fmt != NULL && strcmp(fmt, "pem") != 0 && strcmp(fmt, "der") != 0) {
        BIO_free(b);
        ch_admin_err("--format: pem or der");
        return CH_EXIT_USAGE;
    }
    if (fmt == NULL || strcmp(fmt, "pem") == 0) {
        *pkey = PEM_read_bio_PrivateKey(b, NULL, key_pass_cb, &pa);
        if (*pkey == NULL) {
            (void)BIO_reset(b);
            *cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
        }
        if (*pkey == NULL && *cert == NULL)
            (void)BIO_reset(b);
    }
    if (*pkey == NULL && *cert == NULL && (fmt == NULL || strcmp(fmt, "der") == 0)) {
        *pkey = d2i_PrivateKey_bio(b, NULL);
        if (*pkey == NULL && pa.asked < 0) {
            (void)BIO_reset(b);
            *pkey = d2i_PKCS8PrivateKey_bio(b, NULL, key_pass_cb, &pa);
        }
        if (*pkey == NULL) {
            (void)BIO_reset(b);
            *cert = d2i_X509_bio(b, NULL);
        }
    }
    BIO_free(b);
    if (*pkey == NULL && *cert == NULL && pa.asked > 0)
        return pa.asked; /* no passphrase source: already reported */
    if (*pkey == NULL && *cert == NULL && pa.asked == 0) {
        ossl_err("cannot decrypt the key file (wrong passphrase?)");
        return CH_EXIT_AUTH;
    }
    if (*pkey == NULL && *cert == NULL) {
        ossl_err("the input is neither a private key nor an X.509 certificate (PEM or DER)");
        return CH_EXIT_USAGE;
    }
    ERR_clear_error();
    return CH_EXIT_OK;
}

/* RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
static bool key_id(X509_PUBKEY *xpk, uint8_t id[SHA_DIGEST_LENGTH])
{
    const unsigned char *pk = NULL;
    int pklen = 0;
    if (xpk == NULL || !X509_PUBKEY_get0_param(NULL, &pk, &pklen, NULL, xpk))
        return false;
    return SHA1(pk, (size_t)pklen, id) != NULL;
}

static void common_attrs(const struct ctx *c, struct tmpl *t, CK_OBJECT_CLASS cls,
                         const uint8_t *id, size_t id_len)
{
    t_ulong(t, CKA_CLASS, cls);
    t_bool(t, CKA_TOKEN, true);
    t_str(t, CKA_LABEL, c->o->label);
    t_add(t, CKA_ID, id, id_len, false);
}

/* Usage flags spelled out, so nothing depends on the module's defaults. */
static void priv_usage(struct tmpl *t, bool sign, bool decrypt, bool derive)
{
    t_bool(t, CKA_SIGN, sign);
    t_bool(t, CKA_DECRYPT, decrypt);
    t_bool(t, CKA_UNWRAP, false);
    t_bool(t, CKA_DERIVE, derive);
}

static void pub_usage(struct tmpl *t, bool verify, bool encrypt)
{
    t_bool(t, CKA_VERIFY, verify);
    t_bool(t, CKA_ENCRYPT, encrypt);
    t_bool(t, CKA_WRAP, false);
}

static int create(struct ctx *c, CK_SESSION_HANDLE h, struct tmpl *t, const char *what)
{
    CK_OBJECT_HANDLE o;
    if (t->failed) {
        ch_admin_err("cannot build the %s template", what);
        return CH_EXIT_FAIL;
    }
    CK_RV rv = c->p11->C_CreateObject(h, t->a, (CK_ULONG)t->n, &o);
    if (rv != CKR_OK) {
        char msgbuf[96];
        snprintf(msgbuf, sizeof(msgbuf), "C_CreateObject (%s)", what);
        return ch_admin_p11_fail(msgbuf, rv);
    }
    ch_admin_note(c, "created %s object '%s'", what, c->o->label);
    return CH_EXIT_OK;
}

static int import_cert(struct ctx *c, CK_SESSION_HANDLE h, X509 *x, const uint8_t *id,
                       size_t id_len)
{
    struct tmpl t = {0};
    unsigned char *der = NULL, *subj = NULL, *iss = NULL, *ser = NULL;
    int dl = i2d_X509(x, &der);
    int sl = i2d_X509_NAME(X509_get_subject_name(x), &subj);
    int il = i2d_X509_NAME(X509_get_issuer_name(x), &iss);
    int rl = i2d_ASN1_INTEGER(X509_get_serialNumber(x), &ser);
    int ex = CH_EXIT_FAIL;
    if (dl > 0 && sl > 0 && il > 0 && rl > 0) {
        common_attrs(c, &t, CKO_CERTIFICATE, id, id_len);
        t_ulong(&t, CKA_CERTIFICATE_TYPE, CKC_X_509);
        t_bool(&t, CKA_PRIVATE, false);
        t_add(&t, CKA_SUBJECT, subj, (size_t)sl, false);
        t_add(&t, CKA_ISSUER, iss, (size_t)il, false);
        t_add(&t, CKA_SERIAL_NUMBER, ser, (size_t)rl, false);
        t_add(&t, CKA_VALUE, der, (size_t)dl, false);
        ex = create(c, h, &t, "certificate");
    } else {
        ossl_err("cannot encode the certificate");
    }
    OPENSSL_free(der);
    OPENSSL_free(subj);
    OPENSSL_free(iss);
    OPENSSL_free(ser);
    t_free(&t);
    return ex;
}

static BIGNUM *bn_param(EVP_PKEY *k, const char *name)
{
    BIGNUM *bn = NULL;
    if (!EVP_PKEY_get_bn_param(k, name, &bn))
        return NULL;
    return bn;
}

static int import_rsa(struct ctx *c, CK_SESSION_HANDLE h, EVP_PKEY *k, const uint8_t *id,
                      size_t id_len)
{
    struct tmpl priv = {0}, pub = {0};
    const char *names[] = {OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
                           OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
                           OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
                           OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    const CK_ATTRIBUTE_TYPE types[] = {CKA_MODULUS,   CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT,
                                       CKA_PRIME_1,   CKA_PRIME_2,         CKA_EXPONENT_1,
                                       CKA_EXPONENT_2, CKA_COEFFICIENT};
    BIGNUM *bn[8] = {0};
    int ex = CH_EXIT_FAIL;
    for (size_t i = 0; i < 8; i++) {
        bn[i] = bn_param(k, names[i]);
        if (bn[i] == NULL) {
            ossl_err("the RSA key lacks a component (multi-prime or public-only keys are not "
                     "supported)");
            goto out;
        }
    }
    common_attrs(c, &priv, CKO_PRIVATE_KEY, id, id_len);
    t_ulong(&priv, CKA_KEY_TYPE, CKK_RSA);
    t_bool(&priv, CKA_PRIVATE, true);
    t_bool(&priv, CKA_SENSITIVE, true);
    t_bool(&priv, CKA_EXTRACTABLE, false);
    priv_usage(&priv, true, true, false);
    for (size_t i = 0; i < 8; i++)
        t_bn(&priv, types[i], bn[i], 0, i >= 2);
    common_attrs(c, &pub, CKO_PUBLIC_KEY, id, id_len);
    t_ulong(&pub, CKA_KEY_TYPE, CKK_RSA);
    t_bool(&pub, CKA_PRIVATE, false);
    pub_usage(&pub, true, true);
    t_bn(&pub, CKA_MODULUS, bn[0], 0, false);
    t_bn(&pub, CKA_PUBLIC_EXPONENT, bn[1], 0, false);
    ex = create(c, h, &priv, "RSA private key");
    if (ex == CH_EXIT_OK)
        ex = create(c, h, &pub, "RSA public key");
out:
    for (size_t i = 0; i < 8; i++)
        BN_clear_free(bn[i]);
    t_free(&priv);
    t_free(&pub);
    return ex;
}

static int import_ec(struct ctx *c, CK_SESSION_HANDLE h, EVP_PKEY *k, const uint8_t *id,
                     size_t id_len)
{
    struct tmpl priv = {0}, pub = {0};
    char group[64];
    uint8_t point[256];
    size_t plen = 0;
    unsigned char *oid = NULL;
    BIGNUM *d = NULL;
    int ex = CH_EXIT_FAIL;

    if (!EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                        NULL)) {
        ossl_err("the EC key has no named curve");
        return CH_EXIT_FAIL;
    }
    int nid = OBJ_sn2nid(group);
    if (nid == NID_undef)
        nid = OBJ_ln2nid(group);
    int oid_len = nid != NID_undef ? i2d_ASN1_OBJECT(OBJ_nid2obj(nid), &oid) : -1;
    /* uncompressed point, whatever form the file used */
    if (oid_len <= 0 ||
        !EVP_PKEY_set_utf8_string_param(k, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                        "uncompressed") ||
        !EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point),
                                         &plen) ||
        (d = bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY)) == NULL) {
        ossl_err("cannot read the EC key");
        goto out;
    }
    int bits = EVP_PKEY_get_bits(k);
    size_t flen = (size_t)(bits + 7) / 8;
    common_attrs(c, &priv, CKO_PRIVATE_KEY, id, id_len);
    t_ulong(&priv, CKA_KEY_TYPE, CKK_EC);
    t_bool(&priv, CKA_PRIVATE, true);
    t_bool(&priv, CKA_SENSITIVE, true);
    t_bool(&priv, CKA_EXTRACTABLE, false);
    priv_usage(&priv, true, false, true);
    t_add(&priv, CKA_EC_PARAMS, oid, (size_t)oid_len, false);
    t_bn(&priv, CKA_VALUE, d, flen, true);
    common_attrs(c, &pub, CKO_PUBLIC_KEY, id, id_len);
    t_ulong(&pub, CKA_KEY_TYPE, CKK_EC);
    t_bool(&pub, CKA_PRIVATE, false);
    pub_usage(&pub, true, false);
    t_add(&pub, CKA_EC_PARAMS, oid, (size_t)oid_len, false);
    t_octet(&pub, CKA_EC_POINT, point, plen);
    ex = create(c, h, &priv, "EC private key");
    if (ex == CH_EXIT_OK)
        ex = create(c, h, &pub, "EC public key");
out:
    BN_clear_free(d);
    OPENSSL_free(oid);
    t_free(&priv);
    t_free(&pub);
    return ex;
}

static int import_ed25519(struct ctx *c, CK_SESSION_HANDLE h, EVP_PKEY *k, const uint8_t *id,
                          size_t id_len)
{
    struct tmpl priv = {0}, pub = {0};
    uint8_t sk[32], pk[32];
    size_t skl = sizeof(sk), pkl = sizeof(pk);
    int ex = CH_EXIT_FAIL;
    if (!EVP_PKEY_get_raw_private_key(k, sk, &skl) || !EVP_PKEY_get_raw_public_key(k, pk, &pkl)) {
        ossl_err("cannot read the Ed25519 key");
        goto out;
    }
    common_attrs(c, &priv, CKO_PRIVATE_KEY, id, id_len);
    t_ulong(&priv, CKA_KEY_TYPE, CKK_EC_EDWARDS);
    t_bool(&priv, CKA_PRIVATE, true);
    t_bool(&priv, CKA_SENSITIVE, true);
    t_bool(&priv, CKA_EXTRACTABLE, false);
    priv_usage(&priv, true, false, false);
    t_add(&priv, CKA_EC_PARAMS, ED25519_OID, sizeof(ED25519_OID), false);
    t_add(&priv, CKA_VALUE, sk, skl, true);
    common_attrs(c, &pub, CKO_PUBLIC_KEY, id, id_len);
    t_ulong(&pub, CKA_KEY_TYPE, CKK_EC_EDWARDS);
    t_bool(&pub, CKA_PRIVATE, false);
    pub_usage(&pub, true, false);
    t_add(&pub, CKA_EC_PARAMS, ED25519_OID, sizeof(ED25519_OID), false);
    t_octet(&pub, CKA_EC_POINT, pk, pkl);
    ex = create(c, h, &priv, "Ed25519 private key");
    if (ex == CH_EXIT_OK)
        ex = create(c, h, &pub, "Ed25519 public key");
out:
    ch_wipe(sk, sizeof(sk));
    t_free(&priv);
    t_free(&pub);
    return ex;
}

int ch_admin_cmd_key_import(struct ctx *c)
{
    EVP_PKEY *k = NULL;
    X509 *x = NULL;
    X509_PUBKEY *xpk = NULL;
    uint8_t id[256];
    size_t id_len = 0;
    CK_SESSION_HANDLE h;
    int ex = load_input(c, &k, &x);
    if (ex != CH_EXIT_OK)
        return ex;
    if (c->o->id_hex != NULL) {
        if (ch_admin_hex_decode(c->o->id_hex, id, sizeof(id), &id_len) != 0 || id_len == 0) {
            ch_admin_err("--id must be hexadecimal");
            ex = CH_EXIT_USAGE;
            goto out;
        }
    } else {
        if (k != NULL && !X509_PUBKEY_set(&xpk, k)) {
            ossl_err("cannot encode the public key");
            ex = CH_EXIT_FAIL;
            goto out;
        }
        if (!key_id(k != NULL ? xpk : X509_get_X509_PUBKEY(x), id)) {
            ossl_err("cannot compute the key id");
            ex = CH_EXIT_FAIL;
            goto out;
        }
        id_len = SHA_DIGEST_LENGTH;
    }
    ex = ch_admin_session(c, c->o->slot, true, (long)CKU_USER, &h);
    if (ex != CH_EXIT_OK)
        goto out;
    if (x != NULL) {
        ex = import_cert(c, h, x, id, id_len);
    } else if (EVP_PKEY_is_a(k, "RSA")) {
        ex = import_rsa(c, h, k, id, id_len);
    } else if (EVP_PKEY_is_a(k, "EC")) {
        ex = import_ec(c, h, k, id, id_len);
    } else if (EVP_PKEY_is_a(k, "ED25519")) {
        ex = import_ed25519(c, h, k, id, id_len);
    } else {
        ch_admin_err("unsupported key type %s (RSA, EC and Ed25519 are)",
                     EVP_PKEY_get0_type_name(k));
        ex = CH_EXIT_USAGE;
    }
    if (ex == CH_EXIT_OK) {
        char hex[2 * 256 + 1];
        ch_admin_hex_encode(id, id_len, hex);
        ch_admin_note(c, "id %s", hex);
    }
    (void)c->p11->C_Logout(h);
    (void)c->p11->C_CloseSession(h);
out:
    X509_PUBKEY_free(xpk);
    EVP_PKEY_free(k);
    X509_free(x);
    return ex;
}

/* ---- key export-public -------------------------------------------------------------------- */

static EVP_PKEY *pkey_from_params(OSSL_PARAM_BLD *bld, const char *alg)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
    EVP_PKEY *k = NULL;
    if (params == NULL || pc == NULL || EVP_PKEY_fromdata_init(pc) <= 0 ||
        EVP_PKEY_fromdata(pc, &k, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        k = NULL;
    EVP_PKEY_CTX_free(pc);
    OSSL_PARAM_free(params);
    return k;
}

/* Public key of an object: a public key (RSA, EC, Ed25519), a certificate, or an RSA private
 * key's public attributes. */
static EVP_PKEY *public_of(struct ctx *c, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o)
{
    CK_ULONG cls = (CK_ULONG)-1, kt = (CK_ULONG)-1;
    uint8_t *a = NULL, *b = NULL;
    size_t al = 0, bl = 0;
    EVP_PKEY *k = NULL;
    get_ulong(c, h, o, CKA_CLASS, &cls);
    if (cls == CKO_CERTIFICATE) {
        if (get_attr(c, h, o, CKA_VALUE, &a, &al) == CKR_OK) {
            const unsigned char *p = a;
            X509 *x = d2i_X509(NULL, &p, (long)al);
            if (x != NULL)
                k = X509_get_pubkey(x);
            X509_free(x);
        }
        free(a);
        return k;
    }
    get_ulong(c, h, o, CKA_KEY_TYPE, &kt);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *n = NULL, *e = NULL;
    if (bld == NULL)
        return NULL;
    if (kt == CKK_RSA && get_attr(c, h, o, CKA_MODULUS, &a, &al) == CKR_OK &&
        get_attr(c, h, o, CKA_PUBLIC_EXPONENT, &b, &bl) == CKR_OK) {
        n = BN_bin2bn(a, (int)al, NULL);
        e = BN_bin2bn(b, (int)bl, NULL);
        if (n != NULL && e != NULL && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
            k = pkey_from_params(bld, "RSA");
    } else if (cls == CKO_PUBLIC_KEY && (kt == CKK_EC || kt == CKK_EC_EDWARDS) &&
               get_attr(c, h, o, CKA_EC_PARAMS, &a, &al) == CKR_OK &&
               get_attr(c, h, o, CKA_EC_POINT, &b, &bl) == CKR_OK) {
        const char *curve = NULL;
        size_t pl;
        const uint8_t *pt = unwrap_octet(b, bl, &pl);
        int bits = curve_of(a, al, &curve);
        if (kt == CKK_EC_EDWARDS && bits == 255)
            k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pt, pl);
        else if (kt == CKK_EC && curve != NULL &&
                 OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve, 0) &&
                 OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, pl))
            k = pkey_from_params(bld, "EC");
    }
    BN_free(n);
    BN_free(e);
    free(a);
    free(b);
    OSSL_PARAM_BLD_free(bld);
    return k;
}

int ch_admin_cmd_key_export_public(struct ctx *c)
{
    CK_SESSION_HANDLE h;
    struct tmpl t = {0};
    CK_OBJECT_HANDLE *objs = NULL;
    size_t n = 0;
    EVP_PKEY *k = NULL;
    int ex = selection(c, &t, true);
    if (ex != CH_EXIT_OK) {
        t_free(&t);
        return ex;
    }
    ex = ch_admin_session(c, c->o->slot, false, want_login(c) ? (long)CKU_USER : -1, &h);
    if (ex != CH_EXIT_OK) {
        t_free(&t);
        return ex;
    }
    ex = find(c, h, &t, &objs, &n);
    /* Prefer the public key object, then a certificate, then a private key. */
    const CK_OBJECT_CLASS order[] = {CKO_PUBLIC_KEY, CKO_CERTIFICATE, CKO_PRIVATE_KEY};
    for (size_t pass = 0; ex == CH_EXIT_OK && k == NULL && pass < 3; pass++)
        for (size_t i = 0; k == NULL && i < n; i++) {
            CK_ULONG cls = (CK_ULONG)-1;
            get_ulong(c, h, objs[i], CKA_CLASS, &cls);
            if (cls == order[pass])
                k = public_of(c, h, objs[i]);
        }
    if (ex == CH_EXIT_OK && k == NULL) {
        ch_admin_err(n == 0 ? "no matching object" : "no public key could be read from the "
                                                     "matching objects");
        ex = CH_EXIT_FAIL;
    }
    if (ex == CH_EXIT_OK) {
        BIO *out = c->o->output != NULL ? BIO_new_file(c->o->output, "w")
                                        : BIO_new_fp(stdout, BIO_NOCLOSE);
        if (out == NULL || !PEM_write_bio_PUBKEY(out, k)) {
            ossl_err("cannot write the public key");
            ex = CH_EXIT_FAIL;
        }
        BIO_free(out);
    }
    EVP_PKEY_free(k);
    free(objs);
    t_free(&t);
    (void)c->p11->C_CloseSession(h);
    return ex;
}

/* ---- key delete ----------------------------------------------------------------------------- */

int ch_admin_cmd_key_delete(struct ctx *c)
{
    CK_SESSION_HANDLE h;
    struct tmpl t = {0};
    CK_OBJECT_HANDLE *objs = NULL;
    size_t n = 0, done = 0;
    int ex = selection(c, &t, true);
    if (ex == CH_EXIT_OK)
        ex = ch_admin_session(c, c->o->slot, true, (long)CKU_USER, &h);
    if (ex != CH_EXIT_OK) {
        t_free(&t);
        return ex;
    }
    ex = find(c, h, &t, &objs, &n);
    for (size_t i = 0; ex == CH_EXIT_OK && i < n; i++) {
        CK_RV rv = c->p11->C_DestroyObject(h, objs[i]);
        if (rv != CKR_OK)
            ex = ch_admin_p11_fail("C_DestroyObject", rv);
        else
            done++;
    }
    if (ex == CH_EXIT_OK && n == 0) {
        ch_admin_err("no matching object");
        ex = CH_EXIT_FAIL;
    }
    ch_admin_note(c, "%zu object(s) destroyed", done);
    free(objs);
    t_free(&t);
    (void)c->p11->C_Logout(h);
    (void)c->p11->C_CloseSession(h);
    return ex;
}

/* ---- key gen -------------------------------------------------------------------------------- */

int ch_admin_cmd_key_gen(struct ctx *c)
{
    struct tmpl pub = {0}, priv = {0};
    CK_MECHANISM mech = {0, NULL, 0};
    CK_SESSION_HANDLE h;
    CK_OBJECT_HANDLE ho, hp;
    uint8_t id[64];
    size_t id_len = 8;
    const char *ty = c->o->key_type;
    uint32_t bits = 0;
    int ex = CH_EXIT_OK;

    if (c->o->id_hex != NULL) {
        if (ch_admin_hex_decode(c->o->id_hex, id, sizeof(id), &id_len) != 0 || id_len == 0) {
            ch_admin_err("--id must be hexadecimal");
            return CH_EXIT_USAGE;
        }
    } else if (getrandom(id, id_len, 0) != (ssize_t)id_len) {
        return CH_EXIT_FAIL;
    }
    bool pair = true;
    common_attrs(c, &priv, CKO_PRIVATE_KEY, id, id_len);
    t_bool(&priv, CKA_PRIVATE, true);
    t_bool(&priv, CKA_SENSITIVE, true);
    t_bool(&priv, CKA_EXTRACTABLE, false);
    common_attrs(c, &pub, CKO_PUBLIC_KEY, id, id_len);
    t_bool(&pub, CKA_PRIVATE, false);
    /* Usage flags spelled out per type (priv_usage/pub_usage), never left to defaults. */
    if (strncmp(ty, "rsa:", 4) == 0 && ch_admin_parse_u32(ty + 4, &bits) && bits >= 1024 &&
        bits <= 16384) {
        static const uint8_t f4[] = {0x01, 0x00, 0x01};
        mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
        t_ulong(&pub, CKA_MODULUS_BITS, bits);
        t_add(&pub, CKA_PUBLIC_EXPONENT, f4, sizeof(f4), false);
        pub_usage(&pub, true, true);
        priv_usage(&priv, true, true, false);
    } else if (strncmp(ty, "ec:", 3) == 0) {
        int nid = strcmp(ty + 3, "P-256") == 0   ? NID_X9_62_prime256v1
                  : strcmp(ty + 3, "P-384") == 0 ? NID_secp384r1
                  : strcmp(ty + 3, "P-521") == 0 ? NID_secp521r1
                                                 : NID_undef;
        unsigned char *oid = NULL;
        int ol = nid != NID_undef ? i2d_ASN1_OBJECT(OBJ_nid2obj(nid), &oid) : -1;
        if (ol <= 0) {
            ch_admin_err("--type ec: P-256, P-384 or P-521");
            ex = CH_EXIT_USAGE;
            goto out;
        }
        mech.mechanism = CKM_EC_KEY_PAIR_GEN;
        t_add(&pub, CKA_EC_PARAMS, oid, (size_t)ol, false);
        pub_usage(&pub, true, false);
        priv_usage(&priv, true, false, true);
        OPENSSL_free(oid);
    } else if (strcmp(ty, "ed25519") == 0) {
        mech.mechanism = CKM_EC_EDWARDS_KEY_PAIR_GEN;
        t_add(&pub, CKA_EC_PARAMS, ED25519_OID, sizeof(ED25519_OID), false);
        pub_usage(&pub, true, false);
        priv_usage(&priv, true, false, false);
    } else if (pqc_by_name(ty) != NULL) {
        const struct pqc_set *ps = pqc_by_name(ty);
        bool kem = ps->kt == CKK_ML_KEM; /* encapsulates, never signs (3.2 §6.66) */
        mech.mechanism = ps->gen;
        t_ulong(&pub, CKA_PARAMETER_SET, ps->set);
        pub_usage(&pub, !kem, false);
        priv_usage(&priv, !kem, false, false);
        t_bool(&pub, CKA_ENCAPSULATE, kem);
        t_bool(&priv, CKA_DECAPSULATE, kem);
    } else if (strncmp(ty, "aes:", 4) == 0 && ch_admin_parse_u32(ty + 4, &bits) &&
               (bits == 128 || bits == 192 || bits == 256)) {
        pair = false;
        mech.mechanism = CKM_AES_KEY_GEN;
        t_free(&priv);
        common_attrs(c, &priv, CKO_SECRET_KEY, id, id_len);
        t_ulong(&priv, CKA_KEY_TYPE, CKK_AES);
        t_ulong(&priv, CKA_VALUE_LEN, bits / 8);
        t_bool(&priv, CKA_PRIVATE, true);
        t_bool(&priv, CKA_SENSITIVE, true);
        t_bool(&priv, CKA_EXTRACTABLE, false);
        t_bool(&priv, CKA_ENCRYPT, true);
        t_bool(&priv, CKA_DECRYPT, true);
        t_bool(&priv, CKA_WRAP, true);
        t_bool(&priv, CKA_UNWRAP, true);
    } else {
        ch_admin_err("--type: rsa:BITS (1024..16384), ec:P-256|P-384|P-521, ed25519, "
                     "aes:128|192|256, ml-dsa-44|65|87, ml-kem-512|768|1024, "
                     "slh-dsa-{sha2,shake}-{128,192,256}{s,f}");
        ex = CH_EXIT_USAGE;
        goto out;
    }
    if (pub.failed || priv.failed) {
        ex = CH_EXIT_FAIL;
        goto out;
    }
    ex = ch_admin_session(c, c->o->slot, true, (long)CKU_USER, &h);
    if (ex != CH_EXIT_OK)
        goto out;
    CK_RV rv = pair ? c->p11->C_GenerateKeyPair(h, &mech, pub.a, (CK_ULONG)pub.n, priv.a,
                                                (CK_ULONG)priv.n, &ho, &hp)
                    : c->p11->C_GenerateKey(h, &mech, priv.a, (CK_ULONG)priv.n, &ho);
    if (rv != CKR_OK) {
        ex = ch_admin_p11_fail(pair ? "C_GenerateKeyPair" : "C_GenerateKey", rv);
    } else {
        char hex[2 * 64 + 1];
        ch_admin_hex_encode(id, id_len, hex);
        ch_admin_note(c, "generated %s key '%s', id %s", ty, c->o->label, hex);
    }
    (void)c->p11->C_Logout(h);
    (void)c->p11->C_CloseSession(h);
out:
    t_free(&pub);
    t_free(&priv);
    return ex;
}

/* ---- key set-dates ------------------------------------------------------------------------ */

/* "YYYY-MM-DD" -> CK_DATE; "" -> empty value (no date). */
static bool parse_date(const char *s, CK_DATE *d, size_t *len)
{
    if (s[0] == '\0') {
        *len = 0;
        return true;
    }
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int m = (s[5] - '0') * 10 + (s[6] - '0'), dd = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || dd < 1 || dd > 31)
        return false;
    memcpy(d->year, s, 4);
    memcpy(d->month, s + 5, 2);
    memcpy(d->day, s + 8, 2);
    *len = sizeof(*d);
    return true;
}

int ch_admin_cmd_key_set_dates(struct ctx *c)
{
    CK_SESSION_HANDLE h;
    struct tmpl t = {0};
    CK_OBJECT_HANDLE *objs = NULL;
    CK_ATTRIBUTE set[2];
    CK_DATE start, end;
    size_t sl = 0, el = 0, n = 0, ns = 0, done = 0;
    if (c->o->start == NULL && c->o->end == NULL) {
        ch_admin_err("give --start and/or --end (YYYY-MM-DD, or '' to clear)");
        return CH_EXIT_USAGE;
    }
    if ((c->o->start != NULL && !parse_date(c->o->start, &start, &sl)) ||
        (c->o->end != NULL && !parse_date(c->o->end, &end, &el))) {
        ch_admin_err("dates are YYYY-MM-DD");
        return CH_EXIT_USAGE;
    }
    if (c->o->start != NULL)
        set[ns++] = (CK_ATTRIBUTE){CKA_START_DATE, sl ? &start : NULL, (CK_ULONG)sl};
    if (c->o->end != NULL)
        set[ns++] = (CK_ATTRIBUTE){CKA_END_DATE, el ? &end : NULL, (CK_ULONG)el};
    int ex = selection(c, &t, true);
    if (ex == CH_EXIT_OK)
        ex = ch_admin_session(c, c->o->slot, true, (long)CKU_USER, &h);
    if (ex != CH_EXIT_OK) {
        t_free(&t);
        return ex;
    }
    ex = find(c, h, &t, &objs, &n);
    for (size_t i = 0; ex == CH_EXIT_OK && i < n; i++) {
        CK_ULONG cls = (CK_ULONG)-1;
        get_ulong(c, h, objs[i], CKA_CLASS, &cls);
        if (cls != CKO_PRIVATE_KEY && cls != CKO_PUBLIC_KEY && cls != CKO_SECRET_KEY)
            continue; /* dates are key attributes */
        CK_RV rv = c->p11->C_SetAttributeValue(h, objs[i], set, (CK_ULONG)ns);
        if (rv != CKR_OK)
            ex = ch_admin_p11_fail("C_SetAttributeValue", rv);
        else
            done++;
    }
    if (ex == CH_EXIT_OK && done == 0) {
        ch_admin_err("no matching key");
        ex = CH_EXIT_FAIL;
    }
    if (ex == CH_EXIT_OK)
        ch_admin_note(c, "dates set on %zu key(s)", done);
    free(objs);
    t_free(&t);
    (void)c->p11->C_Logout(h);
    (void)c->p11->C_CloseSession(h);
    return ex;
}
