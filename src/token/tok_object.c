/* SPDX-License-Identifier: Apache-2.0 */
/* The object model: attribute storage, reference counting, the per-token tables (handle, store
 * id, label index), persistence through src/store and reloading after other processes' changes,
 * and the object-management functions (create, copy, destroy, size, get/set attributes, find).
 * Secret attribute values live in ch_secmem and are sealed at rest; nothing here does crypto. */
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "fips/fips.h"
#include "token/tok_internal.h"
#include "util/ch_log.h"
#include "util/ch_secmem.h"
#include "util/ch_wipe.h"

bool ch_attr_is_template(CK_OBJECT_CLASS cls, CK_KEY_TYPE kt, CK_ATTRIBUTE_TYPE t);
bool ch_attr_needs_so(CK_OBJECT_CLASS cls, CK_KEY_TYPE kt, const CK_ATTRIBUTE *a);

/* ---- attribute storage -------------------------------------------------------------------- */

static void attr_free_value(struct ch_attr *a)
{
    if (a->secret)
        ch_secmem_free(a->val);
    else
        free(a->val);
    a->val = NULL;
    a->len = 0;
}

const struct ch_attr *ch_obj_attr(const struct ch_object *o, CK_ATTRIBUTE_TYPE t)
{
    for (size_t i = 0; i < o->nattrs; i++)
        if (o->attrs[i].type == t)
            return &o->attrs[i];
    return NULL;
}

bool ch_obj_bool(const struct ch_object *o, CK_ATTRIBUTE_TYPE t, bool dflt)
{
    const struct ch_attr *a = ch_obj_attr(o, t);
    if (a == NULL || a->len != sizeof(CK_BBOOL))
        return dflt;
    return a->val[0] != CK_FALSE;
}

static CK_ULONG obj_ulong(const struct ch_object *o, CK_ATTRIBUTE_TYPE t, CK_ULONG dflt)
{
    const struct ch_attr *a = ch_obj_attr(o, t);
    CK_ULONG v;
    if (a == NULL || a->len != sizeof(CK_ULONG))
        return dflt;
    memcpy(&v, a->val, sizeof(v));
    return v;
}

CK_RV ch_obj_set_raw(struct ch_object *o, CK_ATTRIBUTE_TYPE t, const void *v, size_t len,
                     bool secret)
{
    uint8_t *copy = NULL;
    if (len > 0) {
        copy = secret ? ch_secmem_dup(v, len) : malloc(len);
        CH_CHECK(copy != NULL, CKR_HOST_MEMORY);
        if (!secret)
            memcpy(copy, v, len);
    }
    for (size_t i = 0; i < o->nattrs; i++) {
        if (o->attrs[i].type == t) {
            attr_free_value(&o->attrs[i]);
            o->attrs[i].val = copy;
            o->attrs[i].len = len;
            o->attrs[i].secret = secret && len > 0;
            return CKR_OK;
        }
    }
    if (o->nattrs == o->cap) {
        size_t ncap = o->cap ? o->cap * 2 : 24;
        struct ch_attr *na = realloc(o->attrs, ncap * sizeof(*na));
        if (na == NULL) {
            if (secret)
                ch_secmem_free(copy);
            else
                free(copy);
            return CKR_HOST_MEMORY;
        }
        o->attrs = na;
        o->cap = ncap;
    }
    o->attrs[o->nattrs++] = (struct ch_attr){t, len, copy, secret && len > 0};
    return CKR_OK;
}

void ch_obj_refresh_flags(struct ch_object *o)
{
    o->cls = obj_ulong(o, CKA_CLASS, CK_UNAVAILABLE_INFORMATION);
    o->ktype = obj_ulong(o, CKA_KEY_TYPE, CK_UNAVAILABLE_INFORMATION);
    o->on_token = ch_obj_bool(o, CKA_TOKEN, false);
    o->is_private = ch_obj_bool(o, CKA_PRIVATE, false);
    o->modifiable = ch_obj_bool(o, CKA_MODIFIABLE, true);
    o->copyable = ch_obj_bool(o, CKA_COPYABLE, true);
    o->destroyable = ch_obj_bool(o, CKA_DESTROYABLE, true);
}

static struct ch_object *obj_alloc(struct ch_token *tok)
{
    struct ch_object *o = calloc(1, sizeof(*o));
    if (o == NULL)
        return NULL;
    atomic_init(&o->refs, 1);
    o->tok = tok;
    o->ktype = CK_UNAVAILABLE_INFORMATION;
    pthread_rwlock_init(&o->lock, NULL);
    pthread_mutex_init(&o->cache_lock, NULL);
    return o;
}

static void obj_drop_cache(struct ch_object *o)
{
    pthread_mutex_lock(&o->cache_lock);
    if (o->cache != NULL)
        o->cache->free(o->cache);
    o->cache = NULL;
    pthread_mutex_unlock(&o->cache_lock);
}

static void obj_free(struct ch_object *o)
{
    for (size_t i = 0; i < o->nattrs; i++)
        attr_free_value(&o->attrs[i]);
    free(o->attrs);
    obj_drop_cache(o);
    pthread_rwlock_destroy(&o->lock);
    pthread_mutex_destroy(&o->cache_lock);
    free(o);
}

void ch_obj_free_unpublished(struct ch_object *o)
{
    if (o != NULL)
        obj_free(o);
}

void ch_obj_ref(struct ch_object *o)
{
    atomic_fetch_add_explicit(&o->refs, 1, memory_order_relaxed);
}

void ch_obj_unref(struct ch_object *o)
{
    if (o != NULL && atomic_fetch_sub_explicit(&o->refs, 1, memory_order_acq_rel) == 1)
        obj_free(o);
}

static bool attr_get(const void *obj, CK_ATTRIBUTE_TYPE t, const uint8_t **val, size_t *len)
{
    const struct ch_attr *a = ch_obj_attr(obj, t);
    if (a == NULL)
        return false;
    *val = a->val;
    *len = a->len;
    return true;
}

void ch_obj_key_view(struct ch_object *o, struct ch_mech_key *view)
{
    view->cls = o->cls;
    view->type = o->ktype;
    view->get = attr_get;
    view->obj = o;
    view->cache = &o->cache;
    view->cache_lock = &o->cache_lock;
}

/* ---- serialisation for the store -----------------------------------------------------------
 * A blob is a sequence of entries: type (8 bytes, little endian), length (8 bytes), value.
 * Public token objects put their non-secret attributes in the clear part and secret values in
 * the sealed part; private objects put everything in the sealed part. */

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Serialise the attributes for which want(secret) holds; *out is ch_secmem when `sec`. */
static CK_RV serialise(const struct ch_object *o, int which, bool sec, uint8_t **out, size_t *len)
{
    size_t n = 0;
    for (size_t i = 0; i < o->nattrs; i++) {
        bool s = o->attrs[i].secret;
        if (which == 2 || (which == 1) == s)
            n += 16 + o->attrs[i].len;
    }
    *out = NULL;
    *len = n;
    if (n == 0)
        return CKR_OK;
    uint8_t *b = sec ? ch_secmem_alloc(n) : malloc(n);
    CH_CHECK(b != NULL, CKR_HOST_MEMORY);
    size_t off = 0;
    for (size_t i = 0; i < o->nattrs; i++) {
        const struct ch_attr *a = &o->attrs[i];
        if (!(which == 2 || (which == 1) == a->secret))
            continue;
        put_u64(b + off, a->type);
        put_u64(b + off + 8, a->len);
        if (a->len)
            memcpy(b + off + 16, a->val, a->len);
        off += 16 + a->len;
    }
    *out = b;
    return CKR_OK;
}

static CK_RV deserialise(struct ch_object *o, const uint8_t *b, size_t n, bool secret_part)
{
    size_t off = 0;
    while (off < n) {
        CH_CHECK(n - off >= 16, CKR_DEVICE_ERROR);
        uint64_t t = get_u64(b + off), l = get_u64(b + off + 8);
        CH_CHECK(l <= n - off - 16, CKR_DEVICE_ERROR);
        bool secret = secret_part && ch_attr_is_secret(obj_ulong(o, CKA_CLASS, 0), t);
        /* Class first: private records carry it inside the sealed part. */
        CH_TRY(ch_obj_set_raw(o, (CK_ATTRIBUTE_TYPE)t, b + off + 16, (size_t)l, secret));
        off += 16 + (size_t)l;
    }
    return CKR_OK;
}

/* Attributes are serialised with CKA_CLASS first (it is added first on every creation path),
 * so deserialise() knows the class before it meets a secret value. */
static void mark_secrets(struct ch_object *o)
{
    for (size_t i = 0; i < o->nattrs; i++) {
        struct ch_attr *a = &o->attrs[i];
        if (!a->secret && a->len > 0 && ch_attr_is_secret(o->cls, a->type)) {
            uint8_t *s = ch_secmem_dup(a->val, a->len);
            if (s == NULL)
                continue; /* stays in ordinary memory; still sealed at rest by `secret` below */
            ch_wipe(a->val, a->len);
            free(a->val);
            a->val = s;
            a->secret = true;
        }
    }
}

static CK_RV persist(struct ch_object *o, bool create)
{
    uint8_t *clear = NULL, *sec = NULL;
    size_t clear_len = 0, sec_len = 0;
    CK_RV rv;
    if (o->is_private) {
        CH_TRY_OUT(serialise(o, 2, true, &sec, &sec_len));
    } else {
        CH_TRY_OUT(serialise(o, 0, false, &clear, &clear_len));
        CH_TRY_OUT(serialise(o, 1, true, &sec, &sec_len));
    }
    if (create)
        rv = ch_store_obj_create(o->tok->store, o->is_private, clear, clear_len, sec, sec_len,
                                 &o->store_id);
    else
        rv = ch_store_obj_update(o->tok->store, o->store_id, o->is_private, clear, clear_len, sec,
                                 sec_len);
    if (rv == CKR_OK)
        o->store_version = ch_store_last_version(o->tok->store);
out:
    free(clear);
    ch_secmem_free(sec);
    return rv;
}

/* Object handles are never reused in a process, not even across C_Finalize/C_Initialize, so a
 * stale handle can never reach a different object. */
static atomic_ulong next_handle = 1;

static CK_OBJECT_HANDLE new_handle(void)
{
    return atomic_fetch_add_explicit(&next_handle, 1, memory_order_relaxed);
}

/* ---- tables ------------------------------------------------------------------------------- */

static uint64_t label_key_of(const struct ch_object *o)
{
    const struct ch_attr *l = ch_obj_attr(o, CKA_LABEL);
    return l == NULL ? 0 : ch_map_hash_bytes(l->val, l->len);
}

/* Push o at the head of the chain of its label_key; false (o unlinked) if the index cannot
 * grow. Caller holds objs_lock (write). */
static bool label_link(struct ch_token *t, struct ch_object *o)
{
    struct ch_object *head = ch_map_get(&t->by_label, o->label_key);
    if (!ch_map_put(&t->by_label, o->label_key, o))
        return false;
    o->label_prev = NULL;
    o->label_next = head;
    if (head != NULL)
        head->label_prev = o;
    return true;
}

/* Caller holds objs_lock for writing. */
static bool index_insert(struct ch_token *t, struct ch_object *o)
{
    if (!ch_map_put(&t->by_handle, o->handle, o))
        return false;
    if (o->on_token && o->store_id != 0 && !ch_map_put(&t->by_store_id, o->store_id, o)) {
        (void)ch_map_del(&t->by_handle, o->handle);
        return false;
    }
    o->label_key = label_key_of(o);
    if (!label_link(t, o)) {
        /* Keep the label index exact: an object missing from it would be invisible to
         * searches by label, so refuse the insert instead. */
        (void)ch_map_del(&t->by_handle, o->handle);
        if (o->on_token && o->store_id != 0)
            (void)ch_map_del(&t->by_store_id, o->store_id);
        return false;
    }
    return true;
}

/* Unlink o from its label chain in O(1) (the chain is doubly linked: closing a session with
 * many objects of one label, or of none, must not walk the chain once per object). Caller holds
 * objs_lock (write). */
static void label_unlink(struct ch_token *t, struct ch_object *o)
{
    if (o->label_prev != NULL) {
        o->label_prev->label_next = o->label_next;
    } else if (ch_map_get(&t->by_label, o->label_key) == o) {
        if (o->label_next != NULL)
            (void)ch_map_put(&t->by_label, o->label_key, o->label_next); /* replace: no growth */
        else
            (void)ch_map_del(&t->by_label, o->label_key);
    } else {
        return; /* not in the index (relabel ran out of memory) */
    }
    if (o->label_next != NULL)
        o->label_next->label_prev = o->label_prev;
    o->label_next = NULL;
    o->label_prev = NULL;
}

/* Remove from every table and drop the table's reference. Caller holds objs_lock (write). */
static void index_remove(struct ch_token *t, struct ch_object *o)
{
    (void)ch_map_del(&t->by_handle, o->handle);
    if (o->on_token && o->store_id != 0 && ch_map_get(&t->by_store_id, o->store_id) == o)
        (void)ch_map_del(&t->by_store_id, o->store_id);
    label_unlink(t, o);
    o->destroyed = true;
    ch_obj_unref(o);
}

/* The label changed: move o in the label index. Caller holds objs_lock (write). */
static void index_relabel(struct ch_token *t, struct ch_object *o)
{
    label_unlink(t, o);
    o->label_key = label_key_of(o);
    if (!label_link(t, o))
        ch_log(CH_LOG_ERROR, "slot %lu: out of memory indexing a relabelled object",
               (unsigned long)t->slot);
}

enum drop_which { DROP_ALL, DROP_PRIVATE_SESSION, DROP_SESSION_OF };

static bool drop_match(const struct ch_object *o, enum drop_which w, CK_SESSION_HANDLE h)
{
    switch (w) {
    case DROP_ALL:
        return true;
    case DROP_PRIVATE_SESSION:
        return !o->on_token && o->is_private;
    case DROP_SESSION_OF:
        return !o->on_token && o->owner == h;
    }
    return false;
}

/* Remove every indexed object that matches. Removing from the handle map moves entries
 * (backward-shift deletion), so the matches are collected in one pass and removed after:
 * linear in the number of objects. Should that list not fit in memory, fall back to restarting
 * the scan after each removal (quadratic, but nothing is left behind). */
static void drop_where(struct ch_token *t, enum drop_which w, CK_SESSION_HANDLE h)
{
    pthread_rwlock_wrlock(&t->objs_lock);
    size_t n = 0, pos = 0;
    uint64_t k;
    void *v;
    struct ch_object **list = malloc((t->by_handle.count + 1) * sizeof(*list));
    if (list != NULL) {
        while (ch_map_next(&t->by_handle, &pos, &k, &v))
            if (drop_match(v, w, h))
                list[n++] = v;
        for (size_t i = 0; i < n; i++)
            index_remove(t, list[i]);
        free(list);
    } else {
        bool again = true;
        while (again) {
            again = false;
            pos = 0;
            while (ch_map_next(&t->by_handle, &pos, &k, &v)) {
                if (drop_match(v, w, h)) {
                    index_remove(t, v);
                    again = true;
                    break;
                }
            }
        }
    }
    pthread_rwlock_unlock(&t->objs_lock);
}

void ch_obj_drop_all(struct ch_token *t)
{
    drop_where(t, DROP_ALL, CK_INVALID_HANDLE);
}

void ch_obj_drop_private_session_objects(struct ch_token *t)
{
    drop_where(t, DROP_PRIVATE_SESSION, CK_INVALID_HANDLE);
}

void ch_obj_drop_session_objects(struct ch_token *t, CK_SESSION_HANDLE h)
{
    drop_where(t, DROP_SESSION_OF, h);
}

/* ---- loading from the store ---------------------------------------------------------------- */

struct sync_ctx {
    struct ch_token *tok;
    struct ch_map seen; /* store id -> (void *)1 */
    CK_RV rv;
};

static CK_RV sync_record(void *arg, const struct ch_store_record *rec)
{
    struct sync_ctx *sc = arg;
    struct ch_token *t = sc->tok;
    bool missing = rec->secret_present && rec->secret == NULL;
    if (rec->is_private && rec->secret == NULL)
        return CKR_OK; /* not visible without the token key */
    struct ch_object *old = ch_map_get(&t->by_store_id, rec->id);
    if (!ch_map_put(&sc->seen, rec->id, (void *)1))
        return CKR_HOST_MEMORY;
    if (old != NULL && old->store_version == rec->version && old->secrets_missing == missing)
        return CKR_OK;

    struct ch_object *o = obj_alloc(t);
    CH_CHECK(o != NULL, CKR_HOST_MEMORY);
    CK_RV rv = deserialise(o, rec->clear, rec->clear_len, false);
    if (rv == CKR_OK && rec->secret != NULL)
        rv = deserialise(o, rec->secret, rec->secret_len, true);
    if (rv != CKR_OK) {
        obj_free(o);
        ch_log(CH_LOG_WARN, "slot %lu: record %llu is malformed; skipped", (unsigned long)t->slot,
               (unsigned long long)rec->id);
        return CKR_OK;
    }
    ch_obj_refresh_flags(o);
    mark_secrets(o);
    o->store_id = rec->id;
    o->store_version = rec->version;
    o->secrets_missing = missing;
    o->on_token = true;
    /* A reloaded object keeps its handle, so applications holding it are not disturbed. */
    o->handle = old != NULL ? old->handle : new_handle();
    pthread_rwlock_wrlock(&t->objs_lock);
    if (old != NULL)
        index_remove(t, old);
    bool ok = index_insert(t, o);
    pthread_rwlock_unlock(&t->objs_lock);
    if (!ok) {
        obj_free(o);
        return CKR_HOST_MEMORY;
    }
    return CKR_OK;
}

CK_RV ch_obj_sync(struct ch_token *t, bool force)
{
    struct ch_store_token_info ti;
    bool changed = true;
    CK_RV rv;
    CH_TRY(ch_store_changed(t->store, &changed));
    if (!changed && !force)
        return CKR_OK;
    CH_TRY(ch_store_token_info(t->store, &ti));
    if (ti.generation != t->generation) {
        /* The token was re-initialised (maybe by another process): every object is gone. */
        ch_obj_drop_all(t);
        t->generation = ti.generation;
    }
    if (t->login != CH_LOGIN_NONE && !ch_store_tk_loaded(t->store)) {
        /* Re-initialised or restored elsewhere: the store dropped the token key, so this
         * application is logged out too. */
        __atomic_store_n(&t->login, CH_LOGIN_NONE, __ATOMIC_RELEASE);
    }
    struct sync_ctx sc = {.tok = t, .rv = CKR_OK};
    ch_map_init(&sc.seen);
    size_t tampered = 0;
    rv = ch_store_obj_foreach(t->store, sync_record, &sc, &tampered);
    if (tampered > 0)
        ch_log(CH_LOG_ERROR, "slot %lu: %zu stored record(s) failed authentication and were ignored",
               (unsigned long)t->slot, tampered);
    if (rv == CKR_OK) {
        /* Drop token objects that are gone from the store or no longer visible. */
        pthread_rwlock_wrlock(&t->objs_lock);
        bool again = true;
        while (again) {
            again = false;
            size_t pos = 0;
            uint64_t k;
            void *v;
            while (ch_map_next(&t->by_store_id, &pos, &k, &v)) {
                if (ch_map_get(&sc.seen, k) == NULL) {
                    index_remove(t, v);
                    again = true;
                    break;
                }
            }
        }
        pthread_rwlock_unlock(&t->objs_lock);
    }
    ch_map_clear(&sc.seen);
    return rv;
}

/* ---- visibility and look-up ---------------------------------------------------------------- */

static bool visible(const struct ch_session *s, const struct ch_object *o)
{
    if (o->is_private && __atomic_load_n(&s->tok->login, __ATOMIC_ACQUIRE) != CH_LOGIN_USER)
        return false;
    return true;
}

CK_RV ch_obj_get(struct ch_session *s, CK_OBJECT_HANDLE h, struct ch_object **out)
{
    struct ch_token *t = s->tok;
    pthread_rwlock_rdlock(&t->objs_lock);
    struct ch_object *o = ch_map_get(&t->by_handle, h);
    if (o == NULL || !visible(s, o)) {
        pthread_rwlock_unlock(&t->objs_lock);
        return CKR_OBJECT_HANDLE_INVALID;
    }
    ch_obj_ref(o);
    pthread_rwlock_unlock(&t->objs_lock);
    *out = o;
    return CKR_OK;
}

/* ---- creation ----------------------------------------------------------------------------- */

static CK_RV copy_template_value(struct ch_object *o, const CK_ATTRIBUTE *a);

CK_RV ch_obj_new_from(struct ch_session *s, enum ch_obj_origin origin, const CK_ATTRIBUTE *tmpl,
                      size_t n, const struct ch_attr_list *extra, CK_MECHANISM_TYPE gen_mech,
                      struct ch_object **out)
{
    CK_RV rv;
    struct ch_object *o = obj_alloc(s->tok);
    CH_CHECK(o != NULL, CKR_HOST_MEMORY);
    CH_TRY_OUT(ch_attr_check_template(tmpl, n));

    /* Class and key type come first: the rest of the policy depends on them. */
    CK_ULONG cls = CK_UNAVAILABLE_INFORMATION, kt = CK_UNAVAILABLE_INFORMATION;
    for (size_t i = 0; extra != NULL && i < extra->n; i++) {
        if (extra->v[i].type == CKA_CLASS && extra->v[i].len == sizeof(CK_ULONG))
            memcpy(&cls, extra->v[i].val, sizeof(cls));
        if (extra->v[i].type == CKA_KEY_TYPE && extra->v[i].len == sizeof(CK_ULONG))
            memcpy(&kt, extra->v[i].val, sizeof(kt));
    }
    for (size_t i = 0; i < n; i++) {
        if (tmpl[i].type == CKA_CLASS || tmpl[i].type == CKA_KEY_TYPE) {
            CK_ULONG v;
            CH_CHECK_OUT(tmpl[i].ulValueLen == sizeof(CK_ULONG), CKR_ATTRIBUTE_VALUE_INVALID);
            memcpy(&v, tmpl[i].pValue, sizeof(v));
            CK_ULONG *dst = tmpl[i].type == CKA_CLASS ? &cls : &kt;
            /* A template may repeat what the mechanism decides, never contradict it. */
            CH_CHECK_OUT(*dst == CK_UNAVAILABLE_INFORMATION || *dst == v,
                         CKR_TEMPLATE_INCONSISTENT);
            *dst = v;
        }
    }
    CH_CHECK_OUT(cls != CK_UNAVAILABLE_INFORMATION, CKR_TEMPLATE_INCOMPLETE);
    CH_TRY_OUT(ch_obj_set_raw(o, CKA_CLASS, &cls, sizeof(cls), false));
    o->cls = cls;
    if (cls == CKO_PUBLIC_KEY || cls == CKO_PRIVATE_KEY || cls == CKO_SECRET_KEY) {
        CH_CHECK_OUT(kt != CK_UNAVAILABLE_INFORMATION, CKR_TEMPLATE_INCOMPLETE);
        CH_TRY_OUT(ch_obj_set_raw(o, CKA_KEY_TYPE, &kt, sizeof(kt), false));
        o->ktype = kt;
    }
    CH_TRY_OUT(ch_attr_validate_new(o, origin, tmpl, n));
    bool so = ch_tok_session_state(s) == CKS_RW_SO_FUNCTIONS;
    for (size_t i = 0; i < n; i++) {
        if (tmpl[i].type == CKA_CLASS || tmpl[i].type == CKA_KEY_TYPE)
            continue;
        CH_CHECK_OUT(so || !ch_attr_needs_so(o->cls, o->ktype, &tmpl[i]), CKR_ATTRIBUTE_READ_ONLY);
        CH_TRY_OUT(copy_template_value(o, &tmpl[i]));
    }
    for (size_t i = 0; extra != NULL && i < extra->n; i++) {
        const struct ch_attr_item *e = &extra->v[i];
        if (e->type == CKA_CLASS || e->type == CKA_KEY_TYPE)
            continue;
        CH_TRY_OUT(ch_obj_set_raw(o, e->type, e->val, e->len,
                                  e->secret || ch_attr_is_secret(o->cls, e->type)));
    }
    if (origin == CH_ORIGIN_GENERATE)
        CH_TRY_OUT(ch_obj_set_raw(o, CKA_KEY_GEN_MECHANISM, &gen_mech, sizeof(gen_mech), false));
    CH_TRY_OUT(ch_attr_apply_defaults(o, origin));
    ch_obj_refresh_flags(o);
    mark_secrets(o);
    o->owner = s->handle;
    *out = o;
    return CKR_OK;
out:
    obj_free(o);
    return rv;
}

/* Template values: nested templates are flattened into our blob encoding. */
static CK_RV copy_template_value(struct ch_object *o, const CK_ATTRIBUTE *a)
{
    bool secret = ch_attr_is_secret(o->cls, a->type);
    if (!ch_attr_is_template(o->cls, o->ktype, a->type))
        return ch_obj_set_raw(o, a->type, a->pValue, a->ulValueLen, secret);
    const CK_ATTRIBUTE *in = a->pValue;
    size_t cnt = a->ulValueLen / sizeof(CK_ATTRIBUTE), total = 0;
    for (size_t i = 0; i < cnt; i++)
        total += 16 + in[i].ulValueLen;
    uint8_t *b = malloc(total ? total : 1);
    CH_CHECK(b != NULL, CKR_HOST_MEMORY);
    size_t off = 0;
    for (size_t i = 0; i < cnt; i++) {
        put_u64(b + off, in[i].type);
        put_u64(b + off + 8, in[i].ulValueLen);
        if (in[i].ulValueLen)
            memcpy(b + off + 16, in[i].pValue, in[i].ulValueLen);
        off += 16 + in[i].ulValueLen;
    }
    CK_RV rv = ch_obj_set_raw(o, a->type, b, total, false);
    free(b);
    return rv;
}

/* Session-state rules for a new or changed object (PKCS#11 3.0 §5.7, Table 30/31). */
static CK_RV check_write_rules(struct ch_session *s, const struct ch_object *o)
{
    CK_STATE st = ch_tok_session_state(s);
    if (o->on_token && !(s->flags & CKF_RW_SESSION))
        return CKR_SESSION_READ_ONLY;
    if (o->is_private && st != CKS_RO_USER_FUNCTIONS && st != CKS_RW_USER_FUNCTIONS)
        return CKR_USER_NOT_LOGGED_IN;
    /* Secret material can only be sealed with the token key, which needs a login. */
    if (o->on_token && !ch_store_tk_loaded(s->tok->store)) {
        for (size_t i = 0; i < o->nattrs; i++)
            if (o->attrs[i].secret)
                return CKR_USER_NOT_LOGGED_IN;
    }
    return CKR_OK;
}

/* CKA_UNIQUE_ID (PKCS#11 3.0 §4.4.1) must be unique within the token, not secret or
 * unpredictable: 8 random bytes drawn at C_Initialize (so processes, and a fork child that
 * re-initialises, differ) followed by a 64-bit counter, in hex. Drawing 16 bytes from the
 * prediction-resistant DRBG for every object would reseed it each time for nothing. */
static uint8_t uid_prefix[8];
static bool uid_prefix_ok;
static atomic_uint_fast64_t uid_counter;

void ch_obj_ids_init(void)
{
    uid_prefix_ok = ch_drbg_generate(uid_prefix, sizeof(uid_prefix)) == CKR_OK;
}

static CK_RV assign_unique_id(struct ch_object *o)
{
    static const char d[] = "0123456789abcdef";
    uint8_t r[16];
    char hex[33];
    if (uid_prefix_ok) {
        uint64_t c = atomic_fetch_add_explicit(&uid_counter, 1, memory_order_relaxed);
        memcpy(r, uid_prefix, 8);
        for (int i = 0; i < 8; i++)
            r[8 + i] = (uint8_t)(c >> (56 - 8 * i));
    } else {
        CH_TRY(ch_drbg_generate(r, sizeof(r)));
    }
    for (size_t i = 0; i < sizeof(r); i++) {
        hex[2 * i] = d[r[i] >> 4];
        hex[2 * i + 1] = d[r[i] & 15];
    }
    return ch_obj_set_raw(o, CKA_UNIQUE_ID, hex, 32, false);
}

CK_RV ch_obj_publish_many(struct ch_session *s, struct ch_object *const *objs, size_t n)
{
    struct ch_token *t = s->tok;
    bool tx = false, any_token = false;
    CK_RV rv = CKR_OK;

    for (size_t i = 0; i < n; i++) {
        CH_TRY(check_write_rules(s, objs[i]));
        CH_TRY(assign_unique_id(objs[i]));
        any_token = any_token || objs[i]->on_token;
    }
    pthread_mutex_lock(&t->lock);
    /* One transaction for all token objects: they are stored together or not at all. */
    if (any_token) {
        CH_TRY_OUT(ch_store_begin(t->store));
        tx = true;
    }
    for (size_t i = 0; i < n; i++)
        if (objs[i]->on_token)
            CH_TRY_OUT(persist(objs[i], true));
    if (tx) {
        tx = false;
        CH_TRY_OUT(ch_store_commit(t->store));
    }
    pthread_rwlock_wrlock(&t->objs_lock);
    for (size_t i = 0; i < n; i++) {
        objs[i]->handle = new_handle();
        /* The tables get their own reference: the caller keeps (and drops) the one it has,
         * so it may read the object after publishing even if another thread removes it. */
        ch_obj_ref(objs[i]);
        if (!index_insert(t, objs[i])) {
            ch_obj_unref(objs[i]);
            rv = CKR_HOST_MEMORY;
            for (size_t j = 0; j < i; j++) /* all or none are visible */
                index_remove(t, objs[j]);
            break;
        }
    }
    pthread_rwlock_unlock(&t->objs_lock);
    if (rv != CKR_OK) {
        /* Stored but not indexed: take the records back out. */
        for (size_t i = 0; i < n; i++)
            if (objs[i]->on_token && objs[i]->store_id != 0)
                if (ch_store_obj_delete(t->store, objs[i]->store_id) != CKR_OK)
                    ch_log(CH_LOG_ERROR, "slot %lu: could not remove an unindexed record",
                           (unsigned long)t->slot);
    }
out:
    if (tx)
        ch_store_rollback(t->store);
    pthread_mutex_unlock(&t->lock);
    return rv;
}

CK_RV ch_obj_publish(struct ch_session *s, struct ch_object *a, struct ch_object *b)
{
    struct ch_object *objs[2] = {a, b};
    return ch_obj_publish_many(s, objs, b != NULL ? 2 : 1);
}

static const char *obj_label(const struct ch_object *o, char *buf, size_t cap)
{
    const struct ch_attr *l = ch_obj_attr(o, CKA_LABEL);
    if (l == NULL || l->len == 0)
        return NULL;
    size_t n = l->len < cap - 1 ? l->len : cap - 1;
    memcpy(buf, l->val, n);
    buf[n] = '\0';
    return buf;
}

CK_RV ch_tok_create_object(CK_SESSION_HANDLE h, const CK_ATTRIBUTE *tmpl, size_t n,
                           CK_OBJECT_HANDLE *out)
{
    struct ch_session *s;
    struct ch_object *o = NULL;
    CK_RV rv;
    char lb[128];
    CH_TRY(ch_tok_session_get(h, &s));
    CH_CHECK_OUT(!ch_fips_in_error(), CKR_GENERAL_ERROR);
    CH_TRY_OUT(ch_obj_new_from(s, CH_ORIGIN_CREATE, tmpl, n, NULL, CK_UNAVAILABLE_INFORMATION, &o));
    CH_TRY_OUT(ch_tok_validate_key(o));
    CH_TRY_OUT(ch_obj_publish(s, o, NULL));
    *out = o->handle;
    if (o->on_token && o->cls != CKO_DATA && o->cls != CKO_CERTIFICATE)
        ch_tok_audit(s->tok, CH_AUDIT_EV_OBJ_CREATE, h, CK_UNAVAILABLE_INFORMATION, o->store_id,
                     obj_label(o, lb, sizeof(lb)), CKR_OK);
out:
    ch_obj_unref(o);
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_copy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, const CK_ATTRIBUTE *tmpl,
                         size_t n, CK_OBJECT_HANDLE *out)
{
    struct ch_session *s;
    struct ch_object *src = NULL, *o = NULL;
    CK_RV rv;
    CH_TRY(ch_tok_session_get(h, &s));
    CH_TRY_OUT(ch_attr_check_template(tmpl, n));
    CH_TRY_OUT(ch_obj_get(s, obj, &src));
    CH_CHECK_OUT(!src->secrets_missing, CKR_USER_NOT_LOGGED_IN);
    o = obj_alloc(s->tok);
    CH_CHECK_OUT(o != NULL, CKR_HOST_MEMORY);
    pthread_rwlock_rdlock(&src->lock);
    rv = src->copyable ? CKR_OK : CKR_ACTION_PROHIBITED;
    for (size_t i = 0; rv == CKR_OK && i < src->nattrs; i++) {
        const struct ch_attr *a = &src->attrs[i];
        if (a->type != CKA_UNIQUE_ID)
            rv = ch_obj_set_raw(o, a->type, a->val, a->len, a->secret);
    }
    pthread_rwlock_unlock(&src->lock);
    CH_TRY_OUT(rv);
    ch_obj_refresh_flags(o);
    bool so = ch_tok_session_state(s) == CKS_RW_SO_FUNCTIONS;
    for (size_t i = 0; i < n; i++) {
        CH_TRY_OUT(ch_attr_check_set(o, &tmpl[i], true, so));
        CH_TRY_OUT(copy_template_value(o, &tmpl[i]));
    }
    ch_obj_refresh_flags(o);
    o->owner = s->handle;
    CH_TRY_OUT(ch_obj_publish(s, o, NULL));
    *out = o->handle;
    if (o->on_token)
        ch_tok_audit(s->tok, CH_AUDIT_EV_OBJ_COPY, h, CK_UNAVAILABLE_INFORMATION, o->store_id, NULL,
                     CKR_OK);
out:
    ch_obj_unref(o);
    ch_obj_unref(src);
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_destroy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj)
{
    struct ch_session *s;
    struct ch_object *o = NULL;
    CK_RV rv;
    CH_TRY(ch_tok_session_get(h, &s));
    struct ch_token *t = s->tok;
    CH_TRY_OUT(ch_obj_get(s, obj, &o));
    CH_CHECK_OUT(o->destroyable, CKR_ACTION_PROHIBITED);
    CH_CHECK_OUT(!o->on_token || (s->flags & CKF_RW_SESSION), CKR_SESSION_READ_ONLY);
    pthread_mutex_lock(&t->lock);
    rv = o->on_token ? ch_store_obj_delete(t->store, o->store_id) : CKR_OK;
    if (rv == CKR_OK || rv == CKR_OBJECT_HANDLE_INVALID) {
        pthread_rwlock_wrlock(&t->objs_lock);
        if (!o->destroyed)
            index_remove(t, o);
        pthread_rwlock_unlock(&t->objs_lock);
        rv = CKR_OK;
    }
    pthread_mutex_unlock(&t->lock);
    if (o->on_token && o->cls != CKO_DATA && o->cls != CKO_CERTIFICATE)
        ch_tok_audit(t, CH_AUDIT_EV_OBJ_DESTROY, h, CK_UNAVAILABLE_INFORMATION, o->store_id, NULL,
                     rv);
out:
    ch_obj_unref(o);
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_object_size(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, size_t *out)
{
    struct ch_session *s;
    struct ch_object *o = NULL;
    CK_RV rv;
    CH_TRY(ch_tok_session_get(h, &s));
    CH_TRY_OUT(ch_obj_get(s, obj, &o));
    size_t sz = sizeof(struct ch_object);
    pthread_rwlock_rdlock(&o->lock);
    for (size_t i = 0; i < o->nattrs; i++)
        sz += sizeof(struct ch_attr) + o->attrs[i].len;
    pthread_rwlock_unlock(&o->lock);
    *out = sz;
out:
    ch_obj_unref(o);
    ch_tok_session_put(s);
    return rv;
}

/* ---- attributes --------------------------------------------------------------------------- */

static bool is_unreadable(const struct ch_object *o, const struct ch_attr *a)
{
    if (!ch_attr_is_secret(o->cls, a->type))
        return false;
    if (o->secrets_missing)
        return true;
    return ch_obj_bool(o, CKA_SENSITIVE, false) || !ch_obj_bool(o, CKA_EXTRACTABLE, true);
}

/* Copy a nested template out per C_GetAttributeValue's rules for array attributes. */
static CK_RV get_template(const struct ch_attr *a, CK_ATTRIBUTE *dst)
{
    size_t cnt = 0;
    for (size_t off = 0; off + 16 <= a->len; off += 16 + (size_t)get_u64(a->val + off + 8))
        cnt++;
    if (dst->pValue == NULL) {
        dst->ulValueLen = cnt * sizeof(CK_ATTRIBUTE);
        return CKR_OK;
    }
    if (dst->ulValueLen < cnt * sizeof(CK_ATTRIBUTE)) {
        dst->ulValueLen = CK_UNAVAILABLE_INFORMATION;
        return CKR_BUFFER_TOO_SMALL;
    }
    CK_ATTRIBUTE *out = dst->pValue;
    CK_RV rv = CKR_OK;
    size_t off = 0;
    for (size_t i = 0; i < cnt; i++) {
        CK_ULONG l = (CK_ULONG)get_u64(a->val + off + 8);
        out[i].type = (CK_ATTRIBUTE_TYPE)get_u64(a->val + off);
        if (out[i].pValue == NULL) {
            out[i].ulValueLen = l;
        } else if (out[i].ulValueLen < l) {
            out[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_BUFFER_TOO_SMALL;
        } else {
            memcpy(out[i].pValue, a->val + off + 16, l);
            out[i].ulValueLen = l;
        }
        off += 16 + l;
    }
    dst->ulValueLen = cnt * sizeof(CK_ATTRIBUTE);
    return rv;
}

CK_RV ch_tok_get_attributes(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE *tmpl, size_t n)
{
    struct ch_session *s;
    struct ch_object *o = NULL;
    CK_RV rv;
    CH_TRY(ch_tok_session_get(h, &s));
    CH_TRY_OUT(ch_obj_get(s, obj, &o));
    pthread_rwlock_rdlock(&o->lock);
    /* PKCS#11 3.0 §5.7.5: every entry is processed; the result reports one of the problems. */
    for (size_t i = 0; i < n; i++) {
        CK_ATTRIBUTE *d = &tmpl[i];
        const struct ch_attr *a = ch_obj_attr(o, d->type);
        if (a == NULL) {
            d->ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_ATTRIBUTE_TYPE_INVALID;
            continue;
        }
        if (is_unreadable(o, a)) {
            d->ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_ATTRIBUTE_SENSITIVE;
            continue;
        }
        if (ch_attr_is_template(o->cls, o->ktype, d->type)) {
            CK_RV r = get_template(a, d);
            if (r != CKR_OK)
                rv = r;
            continue;
        }
        if (d->pValue == NULL) {
            d->ulValueLen = a->len;
        } else if (d->ulValueLen < a->len) {
            d->ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_BUFFER_TOO_SMALL;
        } else {
            if (a->len)
                memcpy(d->pValue, a->val, a->len);
            d->ulValueLen = a->len;
        }
    }
    pthread_rwlock_unlock(&o->lock);
out:
    ch_obj_unref(o);
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_set_attributes(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, const CK_ATTRIBUTE *tmpl,
                            size_t n)
{
    struct ch_session *s;
    struct ch_object *o = NULL, *nw = NULL;
    CK_RV rv;
    CH_TRY(ch_tok_session_get(h, &s));
    struct ch_token *t = s->tok;
    CH_TRY_OUT(ch_attr_check_template(tmpl, n));
    CH_TRY_OUT(ch_obj_get(s, obj, &o));
    CH_CHECK_OUT(o->modifiable, CKR_ACTION_PROHIBITED);
    CH_CHECK_OUT(!o->on_token || (s->flags & CKF_RW_SESSION), CKR_SESSION_READ_ONLY);
    CH_CHECK_OUT(!o->secrets_missing || !o->on_token || ch_store_tk_loaded(t->store),
                 CKR_USER_NOT_LOGGED_IN);
    bool so = ch_tok_session_state(s) == CKS_RW_SO_FUNCTIONS;

    /* Work on a copy so a failure part-way leaves the object as it was. */
    nw = obj_alloc(t);
    CH_CHECK_OUT(nw != NULL, CKR_HOST_MEMORY);
    pthread_rwlock_rdlock(&o->lock);
    rv = CKR_OK;
    for (size_t i = 0; rv == CKR_OK && i < o->nattrs; i++)
        rv = ch_obj_set_raw(nw, o->attrs[i].type, o->attrs[i].val, o->attrs[i].len,
                            o->attrs[i].secret);
    pthread_rwlock_unlock(&o->lock);
    CH_TRY_OUT(rv);
    ch_obj_refresh_flags(nw);
    for (size_t i = 0; i < n; i++) {
        CH_TRY_OUT(ch_attr_check_set(nw, &tmpl[i], false, so));
        CH_TRY_OUT(copy_template_value(nw, &tmpl[i]));
    }
    pthread_mutex_lock(&t->lock);
    if (o->on_token) {
        nw->tok = t;
        nw->is_private = o->is_private;
        nw->store_id = o->store_id;
        rv = persist(nw, false);
    }
    if (rv == CKR_OK) {
        /* Swap the attribute arrays under the object's lock; the old values are freed with nw. */
        pthread_rwlock_wrlock(&t->objs_lock);
        pthread_rwlock_wrlock(&o->lock);
        struct ch_attr *tmp = o->attrs;
        size_t tn = o->nattrs, tc = o->cap;
        o->attrs = nw->attrs;
        o->nattrs = nw->nattrs;
        o->cap = nw->cap;
        nw->attrs = tmp;
        nw->nattrs = tn;
        nw->cap = tc;
        ch_obj_refresh_flags(o);
        o->store_version = nw->store_version;
        pthread_rwlock_unlock(&o->lock);
        index_relabel(t, o);
        pthread_rwlock_unlock(&t->objs_lock);
        obj_drop_cache(o);
    }
    pthread_mutex_unlock(&t->lock);
    if (o->on_token && o->cls != CKO_DATA && o->cls != CKO_CERTIFICATE)
        ch_tok_audit(t, CH_AUDIT_EV_OBJ_SET_ATTR, h, CK_UNAVAILABLE_INFORMATION, o->store_id, NULL,
                     rv);
out:
    ch_obj_free_unpublished(nw);
    ch_obj_unref(o);
    ch_tok_session_put(s);
    return rv;
}

/* ---- search ------------------------------------------------------------------------------- */

static bool matches(const struct ch_object *o, const CK_ATTRIBUTE *tmpl, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct ch_attr *a = ch_obj_attr(o, tmpl[i].type);
        if (a == NULL || a->len != tmpl[i].ulValueLen)
            return false;
        if (a->secret && is_unreadable(o, a))
            return false; /* never let a search probe a sensitive value */
        if (a->len != 0 && memcmp(a->val, tmpl[i].pValue, a->len) != 0)
            return false;
    }
    return true;
}

static bool push_handle(struct ch_find_state *f, size_t *cap, CK_OBJECT_HANDLE h)
{
    if (f->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        CK_OBJECT_HANDLE *nh = realloc(f->handles, nc * sizeof(*nh));
        if (nh == NULL)
            return false;
        f->handles = nh;
        *cap = nc;
    }
    f->handles[f->n++] = h;
    return true;
}

CK_RV ch_tok_find_init(CK_SESSION_HANDLE h, const CK_ATTRIBUTE *tmpl, size_t n)
{
    struct ch_session *s;
    CK_RV rv;
    CH_TRY(ch_tok_session_get(h, &s));
    struct ch_token *t = s->tok;
    CH_CHECK_OUT(!s->finding, CKR_OPERATION_ACTIVE);
    CH_TRY_OUT(ch_attr_check_template(tmpl, n));
    pthread_mutex_lock(&t->lock);
    rv = ch_obj_sync(t, false);
    pthread_mutex_unlock(&t->lock);
    CH_TRY_OUT(rv);

    const CK_ATTRIBUTE *label = NULL;
    for (size_t i = 0; i < n; i++)
        if (tmpl[i].type == CKA_LABEL)
            label = &tmpl[i];
    size_t cap = 0;
    struct ch_find_state f = {0};
    rv = CKR_OK;
    pthread_rwlock_rdlock(&t->objs_lock);
    if (label != NULL) {
        /* The label index makes a search by label independent of the number of objects. */
        uint64_t key = ch_map_hash_bytes(label->pValue, label->ulValueLen);
        for (struct ch_object *o = ch_map_get(&t->by_label, key); o != NULL; o = o->label_next) {
            pthread_rwlock_rdlock(&o->lock);
            bool ok = visible(s, o) && matches(o, tmpl, n);
            pthread_rwlock_unlock(&o->lock);
            if (ok && !push_handle(&f, &cap, o->handle)) {
                rv = CKR_HOST_MEMORY;
                break;
            }
        }
    } else {
        size_t pos = 0;
        uint64_t k;
        void *v;
        while (ch_map_next(&t->by_handle, &pos, &k, &v)) {
            struct ch_object *o = v;
            pthread_rwlock_rdlock(&o->lock);
            bool ok = visible(s, o) && matches(o, tmpl, n);
            pthread_rwlock_unlock(&o->lock);
            if (ok && !push_handle(&f, &cap, o->handle)) {
                rv = CKR_HOST_MEMORY;
                break;
            }
        }
    }
    pthread_rwlock_unlock(&t->objs_lock);
    if (rv != CKR_OK) {
        free(f.handles);
        goto out;
    }
    s->find = f;
    s->finding = true;
out:
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_find(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE *out, size_t max, size_t *count)
{
    struct ch_session *s;
    CK_RV rv = CKR_OK;
    CH_TRY(ch_tok_session_get(h, &s));
    CH_CHECK_OUT(s->finding, CKR_OPERATION_NOT_INITIALIZED);
    size_t k = 0;
    while (k < max && s->find.pos < s->find.n)
        out[k++] = s->find.handles[s->find.pos++];
    *count = k;
out:
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_find_final(CK_SESSION_HANDLE h)
{
    struct ch_session *s;
    CK_RV rv = CKR_OK;
    CH_TRY(ch_tok_session_get(h, &s));
    CH_CHECK_OUT(s->finding, CKR_OPERATION_NOT_INITIALIZED);
    free(s->find.handles);
    memset(&s->find, 0, sizeof(s->find));
    s->finding = false;
out:
    ch_tok_session_put(s);
    return rv;
}
