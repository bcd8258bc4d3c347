/* SPDX-License-Identifier: Apache-2.0 */
/* The mechanism table: the union of every family's rows, sorted once by type for binary
 * search, plus the helpers every family shares (size convention, template and key attribute
 * look-ups, attribute lists). Adding a family = one line in `families` below. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mech/mech_internal.h"
#include "mech/mech_pk.h"
#include "mech/mech_pqc.h"
#include "mech/mech_sym.h"
#include "util/ch_secmem.h"

static const struct ch_mech_family *const families[] = {
    &ch_mech_family_digest,
    &ch_mech_family_rsa,
    &ch_mech_family_ec,
    &ch_mech_family_eddsa,
    &ch_mech_family_mldsa,
    &ch_mech_family_mlkem,
    &ch_mech_family_slhdsa,
    &ch_mech_family_aes,
    &ch_mech_family_hmac,
    &ch_mech_family_kdf,
    &ch_mech_family_chacha,
};

/* Static storage: the table lives as long as the library (no allocation to leak when the
 * module is unloaded). CH_MECH_MAX bounds the rows of all families together. */
#define CH_MECH_MAX 512
static const struct ch_mech_desc *sorted[CH_MECH_MAX];
static size_t nsorted;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int by_type(const void *a, const void *b)
{
    CK_MECHANISM_TYPE x = (*(const struct ch_mech_desc *const *)a)->type;
    CK_MECHANISM_TYPE y = (*(const struct ch_mech_desc *const *)b)->type;
    return x < y ? -1 : x > y;
}

static void build(void)
{
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
        for (size_t j = 0; j < families[i]->nrows && nsorted < CH_MECH_MAX; j++)
            sorted[nsorted++] = &families[i]->rows[j];
    qsort(sorted, nsorted, sizeof(*sorted), by_type);
}

const struct ch_mech_desc *ch_mech_find(CK_MECHANISM_TYPE type)
{
    pthread_once(&once, build);
    size_t lo = 0, hi = nsorted;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid]->type == type)
            return sorted[mid];
        if (sorted[mid]->type < type)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

size_t ch_mech_count(void)
{
    pthread_once(&once, build);
    return nsorted;
}

CK_MECHANISM_TYPE ch_mech_type_at(size_t i)
{
    pthread_once(&once, build);
    return i < nsorted ? sorted[i]->type : CK_UNAVAILABLE_INFORMATION;
}

static struct ch_mech_policy policy;

void ch_mech_set_policy(const struct ch_mech_policy *p)
{
    policy = *p;
}

const struct ch_mech_policy *ch_mech_get_policy(void)
{
    return &policy;
}

CK_ULONG ch_mech_min_key(const struct ch_mech_desc *d)
{
    if (d->key_type == CKK_RSA && policy.allow_weak_rsa && d->min_key > CH_MECH_WEAK_RSA_MIN_BITS)
        return CH_MECH_WEAK_RSA_MIN_BITS;
    return d->min_key;
}

void ch_mech_info(const struct ch_mech_desc *d, CK_MECHANISM_INFO *out)
{
    out->ulMinKeySize = ch_mech_min_key(d);
    out->ulMaxKeySize = d->max_key;
    out->flags = d->flags;
}

CK_FLAGS ch_mech_flag_for(enum ch_op_kind kind)
{
    static const CK_FLAGS f[CH_OP_COUNT_] = {
        [CH_OP_ENCRYPT] = CKF_ENCRYPT,          [CH_OP_DECRYPT] = CKF_DECRYPT,
        [CH_OP_DIGEST] = CKF_DIGEST,            [CH_OP_SIGN] = CKF_SIGN,
        [CH_OP_VERIFY] = CKF_VERIFY,            [CH_OP_SIGN_RECOVER] = CKF_SIGN_RECOVER,
        [CH_OP_VERIFY_RECOVER] = CKF_VERIFY_RECOVER,
        [CH_OP_MSG_ENCRYPT] = CKF_MESSAGE_ENCRYPT, [CH_OP_MSG_DECRYPT] = CKF_MESSAGE_DECRYPT,
        [CH_OP_MSG_SIGN] = CKF_MESSAGE_SIGN,    [CH_OP_MSG_VERIFY] = CKF_MESSAGE_VERIFY,
    };
    return (unsigned)kind < CH_OP_COUNT_ ? f[kind] : 0;
}

static const struct ch_mech_family *owner_of(CK_KEY_TYPE type)
{
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
        if (families[i]->owns != NULL && families[i]->owns(type))
            return families[i];
    return NULL;
}

CK_RV ch_mech_key_validate(const struct ch_mech_key *k)
{
    const struct ch_mech_family *f = owner_of(k->type);
    return f != NULL && f->validate != NULL ? f->validate(k) : CKR_OK;
}

CK_RV ch_mech_key_export(const struct ch_mech_key *k, uint8_t **out, size_t *len)
{
    const uint8_t *v;
    size_t l;
    if (k->cls == CKO_SECRET_KEY && ch_mech_key_attr(k, CKA_VALUE, &v, &l)) {
        *out = ch_secmem_dup(v, l);
        *len = l;
        return *out != NULL ? CKR_OK : CKR_HOST_MEMORY;
    }
    const struct ch_mech_family *f = owner_of(k->type);
    if (k->cls == CKO_PRIVATE_KEY && f != NULL && f->export_pkcs8 != NULL)
        return f->export_pkcs8(k, out, len);
    return CKR_KEY_NOT_WRAPPABLE;
}

CK_RV ch_mech_key_import_pkcs8(const uint8_t *der, size_t len, struct ch_attr_list *out)
{
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
        if (families[i]->import_pkcs8 == NULL)
            continue;
        CK_RV rv = families[i]->import_pkcs8(der, len, out);
        if (rv != CKR_KEY_TYPE_INCONSISTENT)
            return rv;
    }
    return CKR_WRAPPED_KEY_INVALID; /* no family recognises the algorithm */
}

CK_RV ch_mech_out_check(uint8_t *out, size_t *out_len, size_t need)
{
    size_t cap = *out_len;
    *out_len = need;
    if (out == NULL)
        return CKR_OK;
    return cap < need ? CKR_BUFFER_TOO_SMALL : CKR_OK;
}

/* ---- key and template look-ups ------------------------------------------------------------ */

bool ch_mech_key_attr(const struct ch_mech_key *k, CK_ATTRIBUTE_TYPE t, const uint8_t **val,
                      size_t *len)
{
    return k->get(k->obj, t, val, len);
}

bool ch_mech_key_ulong(const struct ch_mech_key *k, CK_ATTRIBUTE_TYPE t, CK_ULONG *out)
{
    const uint8_t *v;
    size_t l;
    if (!k->get(k->obj, t, &v, &l) || l != sizeof(CK_ULONG))
        return false;
    memcpy(out, v, sizeof(*out));
    return true;
}

bool ch_mech_tmpl_find(const struct ch_mech_tmpl *t, CK_ATTRIBUTE_TYPE type, const void **val,
                       size_t *len)
{
    for (size_t i = 0; t != NULL && i < t->n; i++) {
        if (t->attrs[i].type == type) {
            *val = t->attrs[i].pValue;
            *len = t->attrs[i].ulValueLen;
            return true;
        }
    }
    return false;
}

bool ch_mech_tmpl_ulong(const struct ch_mech_tmpl *t, CK_ATTRIBUTE_TYPE type, CK_ULONG *out)
{
    const void *v;
    size_t l;
    if (!ch_mech_tmpl_find(t, type, &v, &l) || l != sizeof(CK_ULONG))
        return false;
    memcpy(out, v, sizeof(*out));
    return true;
}

/* ---- attribute lists ---------------------------------------------------------------------- */

CK_RV ch_attr_list_add(struct ch_attr_list *l, CK_ATTRIBUTE_TYPE type, const void *val,
                       size_t len, bool secret)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 8;
        struct ch_attr_item *nv = realloc(l->v, nc * sizeof(*nv));
        if (nv == NULL)
            return CKR_HOST_MEMORY;
        l->v = nv;
        l->cap = nc;
    }
    uint8_t *copy = NULL;
    if (len > 0) {
        copy = secret ? ch_secmem_alloc(len) : malloc(len);
        if (copy == NULL)
            return CKR_HOST_MEMORY;
        memcpy(copy, val, len);
    }
    l->v[l->n++] = (struct ch_attr_item){type, copy, len, secret};
    return CKR_OK;
}

CK_RV ch_attr_list_add_ulong(struct ch_attr_list *l, CK_ATTRIBUTE_TYPE type, CK_ULONG v)
{
    return ch_attr_list_add(l, type, &v, sizeof(v), false);
}

CK_RV ch_attr_list_add_bool(struct ch_attr_list *l, CK_ATTRIBUTE_TYPE type, bool v)
{
    CK_BBOOL b = v ? CK_TRUE : CK_FALSE;
    return ch_attr_list_add(l, type, &b, sizeof(b), false);
}

void ch_attr_list_clear(struct ch_attr_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].secret)
            ch_secmem_free(l->v[i].val);
        else
            free(l->v[i].val);
    }
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}
