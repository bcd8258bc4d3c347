/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the mechanism families: the key object's cache slot holding one
 * reference-counted object (a prepared AES or ChaCha20 key, an EVP key...), looked up under the
 * key's cache lock, built outside it on a miss and installed by whichever caller finishes
 * first; and the wiped buffer that holds data back until an operation's last part. Mechanism
 * layer; no OpenSSL here. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mech/mech_internal.h"
#include "mech/mech_sym.h"
#include "util/ch_wipe.h"

struct shared_entry {
    struct ch_mech_cache base;
    const struct ch_mech_shared_type *type;
    void *obj;
};

static void shared_entry_free(struct ch_mech_cache *c)
{
    struct shared_entry *e = (struct shared_entry *)c;
    e->type->unref(e->obj);
    free(e);
}

/* The slot's object if it holds one of `type`, with a new reference; NULL otherwise.
 * Caller holds the cache lock. */
static void *slot_ref(const struct ch_mech_key *key, const struct ch_mech_shared_type *type)
{
    struct ch_mech_cache *c = *key->cache;
    if (c == NULL || c->free != shared_entry_free)
        return NULL;
    struct shared_entry *e = (struct shared_entry *)c;
    return e->type == type ? type->ref(e->obj) : NULL;
}

CK_RV ch_mech_shared_get(const struct ch_mech_key *key, const struct ch_mech_shared_type *type,
                         CK_RV (*build)(const struct ch_mech_key *key, void **out), void **out)
{
    pthread_mutex_t *mu = key->cache_lock;
    bool cacheable = key->cache != NULL && mu != NULL;
    void *obj = NULL;
    *out = NULL;
    if (cacheable) {
        pthread_mutex_lock(mu);
        obj = slot_ref(key, type);
        pthread_mutex_unlock(mu);
        if (obj != NULL) {
            *out = obj;
            return CKR_OK;
        }
    }
    CK_RV rv = build(key, &obj);
    if (rv != CKR_OK)
        return rv;
    if (cacheable) {
        pthread_mutex_lock(mu);
        struct shared_entry *e;
        void *other = slot_ref(key, type);
        if (other != NULL) { /* another caller installed one meanwhile: use theirs */
            type->unref(obj);
            obj = other;
        } else if (*key->cache == NULL && (e = calloc(1, sizeof(*e))) != NULL) {
            e->base.free = shared_entry_free;
            e->type = type;
            e->obj = type->ref(obj);
            *key->cache = &e->base;
        }
        pthread_mutex_unlock(mu);
    }
    *out = obj;
    return CKR_OK;
}

CK_RV ch_mech_buf_add(struct ch_mech_buf *b, const uint8_t *in, size_t n, CK_RV too_long)
{
    if (n == 0)
        return CKR_OK;
    if (n > SIZE_MAX - b->len)
        return too_long;
    if (b->len + n > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc < b->len + n)
            nc = nc > SIZE_MAX / 2 ? b->len + n : nc * 2;
        uint8_t *nb = malloc(nc);
        if (nb == NULL)
            return CKR_HOST_MEMORY;
        size_t keep = b->len;
        if (keep > 0)
            memcpy(nb, b->p, keep);
        ch_mech_buf_free(b); /* wipes the old copy */
        b->p = nb;
        b->cap = nc;
        b->len = keep;
    }
    memcpy(b->p + b->len, in, n);
    b->len += n;
    return CKR_OK;
}

void ch_mech_buf_clear(struct ch_mech_buf *b)
{
    if (b->p != NULL)
        ch_wipe(b->p, b->len);
    b->len = 0;
}

void ch_mech_buf_free(struct ch_mech_buf *b)
{
    if (b->p != NULL) {
        ch_wipe(b->p, b->cap);
        free(b->p);
    }
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}
