/* SPDX-License-Identifier: Apache-2.0 */
/* The attribute policy as data: one row per attribute and object class (and key-type family
 * where it matters) says its value kind, whether it is required, defaulted, computed by the
 * module, changeable, one-way, SO-only or secret (PKCS#11 3.0 §4, the per-class tables and
 * their footnotes). Creation, copy, C_SetAttributeValue and C_GetAttributeValue all read it. */
#include <string.h>

#include "craton_hsm/craton_hsm.h"
#include "token/tok_internal.h"

/* Object classes as a bit mask. */
#define O_DATA 0x01u
#define O_CERT 0x02u
#define O_PUB 0x04u
#define O_PRIV 0x08u
#define O_SEC 0x10u
#define O_KEY (O_PUB | O_PRIV | O_SEC)
#define O_ALL (O_DATA | O_CERT | O_KEY)

/* Key-type families. */
#define T_ANY 0u
#define T_RSA 0x01u
#define T_EC 0x02u /* CKK_EC, CKK_EC_EDWARDS, CKK_EC_MONTGOMERY */
#define T_SYM 0x04u
#define T_PQC 0x08u
#define T_KEM 0x10u /* CKK_ML_KEM (also in T_PQC) */

/* Value kinds. */
enum vk { V_BYTES, V_BOOL, V_ULONG, V_DATE, V_TMPL, V_MECHS };

/* Policy flags. */
#define P_REQ 0x001u       /* required in C_CreateObject */
#define P_COMPUTED 0x002u  /* set by the module; never in any template (CKR_ATTRIBUTE_READ_ONLY) */
#define P_NOGEN 0x004u     /* produced by the mechanism on generate/derive/unwrap; not in those
                            * templates */
#define P_RO 0x008u        /* not changeable after creation */
#define P_COPYSET 0x010u   /* changeable while copying (CKA_TOKEN, CKA_PRIVATE, ...) */
#define P_TO_TRUE 0x020u   /* may only change from FALSE to TRUE */
#define P_TO_FALSE 0x040u  /* may only change from TRUE to FALSE */
#define P_SO 0x080u        /* only the SO may set it to TRUE */
#define P_SECRET 0x100u    /* secret value: sealed at rest, unreadable when sensitive */
#define P_REQGEN 0x200u    /* required in a key generation template */
#define P_X509REQ 0x400u   /* required in C_CreateObject for CKC_X_509 certificates */

struct row {
    CK_ATTRIBUTE_TYPE type;
    unsigned classes;
    unsigned families; /* T_ANY: every key type */
    enum vk kind;
    unsigned flags;
    int dflt; /* -1: no default; 0/1 for booleans; 2: empty value; 3: CK_UNAVAILABLE_INFORMATION */
};

#define NODEF (-1)
#define DEMPTY 2
#define DUNAVAIL 3

static const struct row rows[] = {
    /* Common to all objects (§4.4, §4.5). CKA_PRIVATE's default is class-dependent. */
    {CKA_CLASS, O_ALL, T_ANY, V_ULONG, P_REQ | P_RO, NODEF},
    {CKA_TOKEN, O_ALL, T_ANY, V_BOOL, P_RO | P_COPYSET, 0},
    {CKA_PRIVATE, O_ALL, T_ANY, V_BOOL, P_RO | P_COPYSET, NODEF},
    {CKA_MODIFIABLE, O_ALL, T_ANY, V_BOOL, P_RO | P_COPYSET, 1},
    {CKA_LABEL, O_ALL, T_ANY, V_BYTES, 0, DEMPTY},
    {CKA_COPYABLE, O_ALL, T_ANY, V_BOOL, P_TO_FALSE, 1},
    {CKA_DESTROYABLE, O_ALL, T_ANY, V_BOOL, P_RO | P_COPYSET, 1},
    {CKA_UNIQUE_ID, O_ALL, T_ANY, V_BYTES, P_COMPUTED | P_RO, NODEF},
    /* Data objects (§4.7). */
    {CKA_APPLICATION, O_DATA, T_ANY, V_BYTES, 0, DEMPTY},
    {CKA_OBJECT_ID, O_DATA, T_ANY, V_BYTES, 0, DEMPTY},
    {CKA_VALUE, O_DATA, T_ANY, V_BYTES, 0, DEMPTY},
    /* Certificates (§4.8, X.509 §4.9). */
    {CKA_CERTIFICATE_TYPE, O_CERT, T_ANY, V_ULONG, P_REQ | P_RO, NODEF},
    {CKA_TRUSTED, O_CERT, T_ANY, V_BOOL, P_SO, 0},
    {CKA_CERTIFICATE_CATEGORY, O_CERT, T_ANY, V_ULONG, 0, NODEF},
    {CKA_CHECK_VALUE, O_CERT, T_ANY, V_BYTES, 0, NODEF},
    {CKA_START_DATE, O_CERT, T_ANY, V_DATE, 0, DEMPTY},
    {CKA_END_DATE, O_CERT, T_ANY, V_DATE, 0, DEMPTY},
    {CKA_PUBLIC_KEY_INFO, O_CERT, T_ANY, V_BYTES, 0, DEMPTY},
    {CKA_SUBJECT, O_CERT, T_ANY, V_BYTES, P_X509REQ | P_RO, NODEF},
    {CKA_ID, O_CERT, T_ANY, V_BYTES, 0, DEMPTY},
    {CKA_ISSUER, O_CERT, T_ANY, V_BYTES, 0, DEMPTY},
    {CKA_SERIAL_NUMBER, O_CERT, T_ANY, V_BYTES, 0, DEMPTY},
    {CKA_VALUE, O_CERT, T_ANY, V_BYTES, P_X509REQ | P_RO, NODEF},
    {CKA_URL, O_CERT, T_ANY, V_BYTES, 0, DEMPTY},
    {CKA_HASH_OF_SUBJECT_PUBLIC_KEY, O_CERT, T_ANY, V_BYTES, 0, DEMPTY},
    {CKA_HASH_OF_ISSUER_PUBLIC_KEY, O_CERT, T_ANY, V_BYTES, 0, DEMPTY},
    {CKA_JAVA_MIDP_SECURITY_DOMAIN, O_CERT, T_ANY, V_ULONG, 0, NODEF},
    {CKA_NAME_HASH_ALGORITHM, O_CERT, T_ANY, V_ULONG, 0, NODEF},
    /* All keys (§4.10). */
    {CKA_KEY_TYPE, O_KEY, T_ANY, V_ULONG, P_REQ | P_RO, NODEF},
    {CKA_ID, O_KEY, T_ANY, V_BYTES, 0, DEMPTY},
    {CKA_START_DATE, O_KEY, T_ANY, V_DATE, 0, DEMPTY},
    {CKA_END_DATE, O_KEY, T_ANY, V_DATE, 0, DEMPTY},
    {CKA_DERIVE, O_KEY, T_ANY, V_BOOL, 0, 0},
    {CKA_LOCAL, O_KEY, T_ANY, V_BOOL, P_COMPUTED | P_RO, NODEF},
    {CKA_KEY_GEN_MECHANISM, O_KEY, T_ANY, V_ULONG, P_COMPUTED | P_RO, NODEF},
    {CKA_ALLOWED_MECHANISMS, O_KEY, T_ANY, V_MECHS, 0, DEMPTY},
    /* Public keys (§4.11). */
    {CKA_SUBJECT, O_PUB | O_PRIV, T_ANY, V_BYTES, 0, DEMPTY},
    {CKA_ENCRYPT, O_PUB | O_SEC, T_ANY, V_BOOL, 0, 1},
    {CKA_VERIFY, O_PUB | O_SEC, T_ANY, V_BOOL, 0, 1},
    {CKA_VERIFY_RECOVER, O_PUB, T_ANY, V_BOOL, 0, 1},
    {CKA_WRAP, O_PUB | O_SEC, T_ANY, V_BOOL, 0, 1},
    {CKA_TRUSTED, O_PUB | O_SEC, T_ANY, V_BOOL, P_SO, 0},
    {CKA_WRAP_TEMPLATE, O_PUB | O_SEC, T_ANY, V_TMPL, 0, NODEF},
    {CKA_PUBLIC_KEY_INFO, O_PUB | O_PRIV, T_ANY, V_BYTES, 0, DEMPTY},
    /* 3.2 makes CKA_ENCAPSULATE/DECAPSULATE common to all public/private keys; they default to
     * TRUE only for KEM key types (the first matching row gives the default). */
    {CKA_ENCAPSULATE, O_PUB, T_KEM, V_BOOL, 0, 1},
    {CKA_ENCAPSULATE, O_PUB, T_ANY, V_BOOL, 0, 0},
    /* Private keys (§4.12) and secret keys (§4.13). */
    /* §4.13 gives secret keys CKA_SENSITIVE default FALSE; for private keys the default is
     * token-specific and ours is TRUE. The value is sealed at rest either way. */
    {CKA_SENSITIVE, O_PRIV, T_ANY, V_BOOL, P_TO_TRUE, 1},
    {CKA_SENSITIVE, O_SEC, T_ANY, V_BOOL, P_TO_TRUE, 0},
    {CKA_DECRYPT, O_PRIV | O_SEC, T_ANY, V_BOOL, 0, 1},
    {CKA_SIGN, O_PRIV | O_SEC, T_ANY, V_BOOL, 0, 1},
    {CKA_CH_AGREEMENT_ONLY, O_PRIV, T_EC, V_BOOL, P_COMPUTED | P_RO, 0},
    {CKA_SIGN_RECOVER, O_PRIV, T_ANY, V_BOOL, 0, 1},
    {CKA_UNWRAP, O_PRIV | O_SEC, T_ANY, V_BOOL, 0, 1},
    {CKA_EXTRACTABLE, O_PRIV, T_ANY, V_BOOL, P_TO_FALSE, 0},
    {CKA_EXTRACTABLE, O_SEC, T_ANY, V_BOOL, P_TO_FALSE, 1},
    {CKA_ALWAYS_SENSITIVE, O_PRIV | O_SEC, T_ANY, V_BOOL, P_COMPUTED | P_RO, NODEF},
    {CKA_NEVER_EXTRACTABLE, O_PRIV | O_SEC, T_ANY, V_BOOL, P_COMPUTED | P_RO, NODEF},
    {CKA_WRAP_WITH_TRUSTED, O_PRIV | O_SEC, T_ANY, V_BOOL, P_TO_TRUE, 0},
    {CKA_UNWRAP_TEMPLATE, O_PRIV | O_SEC, T_ANY, V_TMPL, 0, NODEF},
    {CKA_DERIVE_TEMPLATE, O_PRIV | O_SEC, T_ANY, V_TMPL, 0, NODEF},
    {CKA_ALWAYS_AUTHENTICATE, O_PRIV, T_ANY, V_BOOL, 0, 0},
    {CKA_DECAPSULATE, O_PRIV, T_KEM, V_BOOL, 0, 1},
    {CKA_DECAPSULATE, O_PRIV, T_ANY, V_BOOL, 0, 0},
    {CKA_CHECK_VALUE, O_SEC, T_ANY, V_BYTES, 0, NODEF},
    {CKA_VALUE, O_SEC, T_ANY, V_BYTES, P_REQ | P_NOGEN | P_RO | P_SECRET, NODEF},
    {CKA_VALUE_LEN, O_SEC, T_ANY, V_ULONG, P_RO, NODEF},
    /* RSA (§6.1.2, §6.1.3). */
    {CKA_MODULUS, O_PUB | O_PRIV, T_RSA, V_BYTES, P_REQ | P_NOGEN | P_RO, NODEF},
    {CKA_MODULUS_BITS, O_PUB, T_RSA, V_ULONG, P_REQGEN | P_RO, NODEF},
    {CKA_PUBLIC_EXPONENT, O_PUB, T_RSA, V_BYTES, P_REQ | P_RO, NODEF},
    {CKA_PUBLIC_EXPONENT, O_PRIV, T_RSA, V_BYTES, P_NOGEN | P_RO, NODEF},
    {CKA_PRIVATE_EXPONENT, O_PRIV, T_RSA, V_BYTES, P_REQ | P_NOGEN | P_RO | P_SECRET, NODEF},
    {CKA_PRIME_1, O_PRIV, T_RSA, V_BYTES, P_NOGEN | P_RO | P_SECRET, NODEF},
    {CKA_PRIME_2, O_PRIV, T_RSA, V_BYTES, P_NOGEN | P_RO | P_SECRET, NODEF},
    {CKA_EXPONENT_1, O_PRIV, T_RSA, V_BYTES, P_NOGEN | P_RO | P_SECRET, NODEF},
    {CKA_EXPONENT_2, O_PRIV, T_RSA, V_BYTES, P_NOGEN | P_RO | P_SECRET, NODEF},
    {CKA_COEFFICIENT, O_PRIV, T_RSA, V_BYTES, P_NOGEN | P_RO | P_SECRET, NODEF},
    /* EC, Edwards and Montgomery (§6.3, §6.3.5-6). */
    {CKA_EC_PARAMS, O_PUB, T_EC, V_BYTES, P_REQ | P_REQGEN | P_RO, NODEF},
    {CKA_EC_PARAMS, O_PRIV, T_EC, V_BYTES, P_REQ | P_NOGEN | P_RO, NODEF},
    {CKA_EC_POINT, O_PUB, T_EC, V_BYTES, P_REQ | P_NOGEN | P_RO, NODEF},
    {CKA_VALUE, O_PRIV, T_EC, V_BYTES, P_REQ | P_NOGEN | P_RO | P_SECRET, NODEF},
    /* ML-KEM, ML-DSA, SLH-DSA (PKCS#11 3.2 §6.x): CKA_VALUE is the encoded key. */
    {CKA_PARAMETER_SET, O_PUB, T_PQC, V_ULONG, P_REQGEN | P_RO, NODEF},
    {CKA_PARAMETER_SET, O_PRIV, T_PQC, V_ULONG, P_NOGEN | P_RO, NODEF},
    {CKA_VALUE, O_PUB, T_PQC, V_BYTES, P_REQ | P_NOGEN | P_RO, NODEF},
    {CKA_VALUE, O_PRIV, T_PQC, V_BYTES, P_NOGEN | P_RO | P_SECRET, NODEF},
    {CKA_SEED, O_PRIV, T_PQC, V_BYTES, P_NOGEN | P_RO | P_SECRET, NODEF},
};

static unsigned class_bit(CK_OBJECT_CLASS c)
{
    switch (c) {
    case CKO_DATA:
        return O_DATA;
    case CKO_CERTIFICATE:
        return O_CERT;
    case CKO_PUBLIC_KEY:
        return O_PUB;
    case CKO_PRIVATE_KEY:
        return O_PRIV;
    case CKO_SECRET_KEY:
        return O_SEC;
    default:
        return 0;
    }
}

static unsigned family_bit(CK_KEY_TYPE k)
{
    switch (k) {
    case CKK_RSA:
        return T_RSA;
    case CKK_EC:
    case CKK_EC_EDWARDS:
    case CKK_EC_MONTGOMERY:
        return T_EC;
    case CKK_ML_KEM:
        return T_PQC | T_KEM;
    case CKK_ML_DSA:
    case CKK_SLH_DSA:
        return T_PQC;
    default:
        return T_SYM;
    }
}

/* The key types this token knows, by class. */
static bool key_type_valid(CK_OBJECT_CLASS cls, CK_KEY_TYPE k)
{
    switch (k) {
    case CKK_RSA:
    case CKK_EC:
    case CKK_EC_EDWARDS:
    case CKK_EC_MONTGOMERY:
    case CKK_ML_KEM:
    case CKK_ML_DSA:
    case CKK_SLH_DSA:
        return cls == CKO_PUBLIC_KEY || cls == CKO_PRIVATE_KEY;
    case CKK_AES:
    case CKK_GENERIC_SECRET:
    case CKK_SHA_1_HMAC:
    case CKK_SHA224_HMAC:
    case CKK_SHA256_HMAC:
    case CKK_SHA384_HMAC:
    case CKK_SHA512_HMAC:
    case CKK_SHA3_224_HMAC:
    case CKK_SHA3_256_HMAC:
    case CKK_SHA3_384_HMAC:
    case CKK_SHA3_512_HMAC:
    case CKK_HKDF:
    case CKK_CHACHA20:
    case CKK_AES_XTS:
        return cls == CKO_SECRET_KEY;
    default:
        return false;
    }
}

static const struct row *find_row(CK_OBJECT_CLASS cls, CK_KEY_TYPE kt, CK_ATTRIBUTE_TYPE t)
{
    unsigned cb = class_bit(cls);
    unsigned fb = (cb & O_KEY) ? family_bit(kt) : 0;
    for (size_t i = 0; i < CH_ARRAY_LEN(rows); i++) {
        const struct row *r = &rows[i];
        if (r->type == t && (r->classes & cb) && (r->families == T_ANY || (r->families & fb)))
            return r;
    }
    return NULL;
}

bool ch_attr_known(CK_OBJECT_CLASS cls, CK_KEY_TYPE kt, CK_ATTRIBUTE_TYPE t)
{
    return find_row(cls, kt, t) != NULL;
}

bool ch_attr_is_secret(CK_OBJECT_CLASS cls, CK_ATTRIBUTE_TYPE t)
{
    for (size_t i = 0; i < CH_ARRAY_LEN(rows); i++)
        if (rows[i].type == t && (rows[i].classes & class_bit(cls)) && (rows[i].flags & P_SECRET))
            return true;
    return false;
}

/* Shape checks of one value (the kind's length rules). */
static CK_RV check_value(enum vk kind, const CK_ATTRIBUTE *a)
{
    switch (kind) {
    case V_BOOL:
        CH_CHECK(a->ulValueLen == sizeof(CK_BBOOL), CKR_ATTRIBUTE_VALUE_INVALID);
        return CKR_OK;
    case V_ULONG:
        CH_CHECK(a->ulValueLen == sizeof(CK_ULONG), CKR_ATTRIBUTE_VALUE_INVALID);
        return CKR_OK;
    case V_DATE:
        CH_CHECK(a->ulValueLen == 0 || a->ulValueLen == sizeof(CK_DATE),
                 CKR_ATTRIBUTE_VALUE_INVALID);
        if (a->ulValueLen == sizeof(CK_DATE)) {
            const uint8_t *d = a->pValue;
            for (size_t i = 0; i < sizeof(CK_DATE); i++)
                CH_CHECK(d[i] >= '0' && d[i] <= '9', CKR_ATTRIBUTE_VALUE_INVALID);
        }
        return CKR_OK;
    case V_MECHS:
        CH_CHECK(a->ulValueLen % sizeof(CK_MECHANISM_TYPE) == 0, CKR_ATTRIBUTE_VALUE_INVALID);
        return CKR_OK;
    case V_TMPL: {
        CH_CHECK(a->ulValueLen % sizeof(CK_ATTRIBUTE) == 0, CKR_ATTRIBUTE_VALUE_INVALID);
        const CK_ATTRIBUTE *in = a->pValue;
        for (size_t i = 0; i < a->ulValueLen / sizeof(CK_ATTRIBUTE); i++)
            CH_CHECK(in[i].pValue != NULL || in[i].ulValueLen == 0, CKR_ATTRIBUTE_VALUE_INVALID);
        return CKR_OK;
    }
    case V_BYTES:
        return CKR_OK;
    }
    return CKR_ATTRIBUTE_VALUE_INVALID;
}

CK_RV ch_attr_check_template(const CK_ATTRIBUTE *tmpl, size_t n)
{
    CH_CHECK(tmpl != NULL || n == 0, CKR_ARGUMENTS_BAD);
    for (size_t i = 0; i < n; i++) {
        CH_CHECK(tmpl[i].pValue != NULL || tmpl[i].ulValueLen == 0, CKR_ATTRIBUTE_VALUE_INVALID);
        CH_CHECK(tmpl[i].ulValueLen != CK_UNAVAILABLE_INFORMATION, CKR_ATTRIBUTE_VALUE_INVALID);
        /* The same attribute twice with different values is contradictory. */
        for (size_t j = 0; j < i; j++) {
            if (tmpl[j].type != tmpl[i].type)
                continue;
            CH_CHECK(tmpl[j].ulValueLen == tmpl[i].ulValueLen &&
                         (tmpl[i].ulValueLen == 0 ||
                          memcmp(tmpl[j].pValue, tmpl[i].pValue, tmpl[i].ulValueLen) == 0),
                     CKR_TEMPLATE_INCONSISTENT);
        }
    }
    return CKR_OK;
}

CK_RV ch_attr_validate_new(struct ch_object *o, enum ch_obj_origin origin, const CK_ATTRIBUTE *tmpl,
                           size_t n)
{
    if (class_bit(o->cls) == 0)
        return CKR_ATTRIBUTE_VALUE_INVALID;
    if ((class_bit(o->cls) & O_KEY) && !key_type_valid(o->cls, o->ktype))
        return CKR_ATTRIBUTE_VALUE_INVALID;
    for (size_t i = 0; i < n; i++) {
        const struct row *r = find_row(o->cls, o->ktype, tmpl[i].type);
        CH_CHECK(r != NULL, CKR_ATTRIBUTE_TYPE_INVALID);
        CH_TRY(check_value(r->kind, &tmpl[i]));
        CH_CHECK(!(r->flags & P_COMPUTED), CKR_ATTRIBUTE_READ_ONLY);
        if (origin != CH_ORIGIN_CREATE)
            CH_CHECK(!(r->flags & P_NOGEN), CKR_ATTRIBUTE_READ_ONLY);
        if (origin == CH_ORIGIN_CREATE && o->cls == CKO_SECRET_KEY && tmpl[i].type == CKA_VALUE_LEN)
            return CKR_ATTRIBUTE_READ_ONLY; /* §4.13 footnote: computed from CKA_VALUE */
    }
    return CKR_OK;
}

static CK_RV add_default(struct ch_object *o, const struct row *r)
{
    CK_BBOOL b;
    CK_ULONG u;
    switch (r->dflt) {
    case 0:
    case 1:
        b = r->dflt ? CK_TRUE : CK_FALSE;
        return ch_obj_set_raw(o, r->type, &b, sizeof(b), false);
    case DEMPTY:
        return ch_obj_set_raw(o, r->type, NULL, 0, false);
    case DUNAVAIL:
        u = CK_UNAVAILABLE_INFORMATION;
        return ch_obj_set_raw(o, r->type, &u, sizeof(u), false);
    default:
        return CKR_OK;
    }
}

CK_RV ch_attr_apply_defaults(struct ch_object *o, enum ch_obj_origin origin)
{
    unsigned cb = class_bit(o->cls);
    unsigned fb = (cb & O_KEY) ? family_bit(o->ktype) : 0;
    CK_BBOOL t = CK_TRUE, f = CK_FALSE;

    if (ch_obj_attr(o, CKA_PRIVATE) == NULL) {
        bool priv = o->cls == CKO_PRIVATE_KEY || o->cls == CKO_SECRET_KEY;
        CH_TRY(ch_obj_set_raw(o, CKA_PRIVATE, priv ? &t : &f, sizeof(CK_BBOOL), false));
    }
    for (size_t i = 0; i < CH_ARRAY_LEN(rows); i++) {
        const struct row *r = &rows[i];
        if (!(r->classes & cb) || (r->families != T_ANY && !(r->families & fb)))
            continue;
        if (ch_obj_attr(o, r->type) == NULL)
            CH_TRY(add_default(o, r));
    }
    /* Computed attributes. */
    if (cb & O_KEY) {
        bool local = origin == CH_ORIGIN_GENERATE;
        if (origin != CH_ORIGIN_COPY) {
            CH_TRY(ch_obj_set_raw(o, CKA_LOCAL, local ? &t : &f, sizeof(CK_BBOOL), false));
            if (ch_obj_attr(o, CKA_KEY_GEN_MECHANISM) == NULL) {
                CK_ULONG u = CK_UNAVAILABLE_INFORMATION;
                CH_TRY(ch_obj_set_raw(o, CKA_KEY_GEN_MECHANISM, &u, sizeof(u), false));
            }
        }
        if ((cb & (O_PRIV | O_SEC)) && origin != CH_ORIGIN_COPY) {
            /* §4.12: ALWAYS_SENSITIVE / NEVER_EXTRACTABLE hold only for keys that were born in
             * the token that way; derivation and unwrapping refine this in tok_ops.c. */
            bool sens = ch_obj_bool(o, CKA_SENSITIVE, false);
            bool extr = ch_obj_bool(o, CKA_EXTRACTABLE, false);
            bool born = origin == CH_ORIGIN_GENERATE;
            CH_TRY(ch_obj_set_raw(o, CKA_ALWAYS_SENSITIVE, (born && sens) ? &t : &f,
                                  sizeof(CK_BBOOL), false));
            CH_TRY(ch_obj_set_raw(o, CKA_NEVER_EXTRACTABLE, (born && !extr) ? &t : &f,
                                  sizeof(CK_BBOOL), false));
        }
        if (o->cls == CKO_SECRET_KEY && ch_obj_attr(o, CKA_VALUE) != NULL) {
            CK_ULONG vl = ch_obj_attr(o, CKA_VALUE)->len;
            CH_TRY(ch_obj_set_raw(o, CKA_VALUE_LEN, &vl, sizeof(vl), false));
        }
        const struct ch_attr *mod = ch_obj_attr(o, CKA_MODULUS);
        if (o->ktype == CKK_RSA && mod != NULL && o->cls == CKO_PUBLIC_KEY) {
            /* Bit length of the big-endian modulus, leading zero bytes ignored. */
            size_t i = 0;
            while (i < mod->len && mod->val[i] == 0)
                i++;
            CK_ULONG bits = 0;
            if (i < mod->len) {
                bits = (CK_ULONG)(mod->len - i - 1) * 8;
                for (uint8_t top = mod->val[i]; top; top >>= 1)
                    bits++;
            }
            CH_TRY(ch_obj_set_raw(o, CKA_MODULUS_BITS, &bits, sizeof(bits), false));
        }
    }
    /* Required attributes. */
    for (size_t i = 0; i < CH_ARRAY_LEN(rows); i++) {
        const struct row *r = &rows[i];
        if (!(r->classes & cb) || (r->families != T_ANY && !(r->families & fb)))
            continue;
        bool req = (r->flags & P_REQ) != 0;
        if (r->flags & P_X509REQ) {
            const struct ch_attr *ct = ch_obj_attr(o, CKA_CERTIFICATE_TYPE);
            CK_ULONG ctype = CK_UNAVAILABLE_INFORMATION;
            if (ct != NULL && ct->len == sizeof(CK_ULONG))
                memcpy(&ctype, ct->val, sizeof(ctype));
            req = ctype == CKC_X_509;
        }
        if (req && ch_obj_attr(o, r->type) == NULL)
            return CKR_TEMPLATE_INCOMPLETE;
    }
    return CKR_OK;
}

CK_RV ch_attr_check_set(const struct ch_object *o, const CK_ATTRIBUTE *a, bool is_copy, bool so)
{
    const struct row *r = find_row(o->cls, o->ktype, a->type);
    CH_CHECK(r != NULL, CKR_ATTRIBUTE_TYPE_INVALID);
    CH_TRY(check_value(r->kind, a));
    if (r->flags & P_COMPUTED)
        return CKR_ATTRIBUTE_READ_ONLY;
    const struct ch_attr *cur = ch_obj_attr(o, a->type);
    bool same = cur != NULL && cur->len == a->ulValueLen &&
                (cur->len == 0 || memcmp(cur->val, a->pValue, cur->len) == 0);
    if (r->flags & P_RO) {
        if (is_copy && (r->flags & P_COPYSET))
            return CKR_OK;
        return same ? CKR_OK : CKR_ATTRIBUTE_READ_ONLY;
    }
    if (r->kind == V_BOOL) {
        bool newv = *(const CK_BBOOL *)a->pValue != CK_FALSE;
        bool oldv = cur != NULL && cur->len == 1 && cur->val[0] != CK_FALSE;
        if ((r->flags & P_TO_TRUE) && oldv && !newv)
            return CKR_ATTRIBUTE_READ_ONLY;
        if ((r->flags & P_TO_FALSE) && !oldv && newv)
            return CKR_ATTRIBUTE_READ_ONLY;
        if ((r->flags & P_SO) && newv && !oldv && !so)
            return CKR_ATTRIBUTE_READ_ONLY;
        /* A pair generated for key agreement passed SP 800-56A's pairwise test, not the
         * signature one FIPS 140-3 asks of signing keys: it may never become able to sign. */
        if ((a->type == CKA_SIGN || a->type == CKA_SIGN_RECOVER) && newv &&
            ch_obj_bool(o, CKA_CH_AGREEMENT_ONLY, false))
            return CKR_ATTRIBUTE_READ_ONLY;
    }
    return CKR_OK;
}

/* For tok_object.c: the value kind decides how C_GetAttributeValue copies it out. */
bool ch_attr_is_template(CK_OBJECT_CLASS cls, CK_KEY_TYPE kt, CK_ATTRIBUTE_TYPE t);
bool ch_attr_is_template(CK_OBJECT_CLASS cls, CK_KEY_TYPE kt, CK_ATTRIBUTE_TYPE t)
{
    const struct row *r = find_row(cls, kt, t);
    return r != NULL && r->kind == V_TMPL;
}

/* Attribute SO-only rule at creation: CKA_TRUSTED true needs the SO. */
bool ch_attr_needs_so(CK_OBJECT_CLASS cls, CK_KEY_TYPE kt, const CK_ATTRIBUTE *a);
bool ch_attr_needs_so(CK_OBJECT_CLASS cls, CK_KEY_TYPE kt, const CK_ATTRIBUTE *a)
{
    const struct row *r = find_row(cls, kt, a->type);
    return r != NULL && (r->flags & P_SO) && a->ulValueLen == 1 &&
           *(const CK_BBOOL *)a->pValue != CK_FALSE;
}
