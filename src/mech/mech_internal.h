/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/mech: how family files register their rows and key validators with the
 * table in mech_table.c. */
#ifndef CH_MECH_INTERNAL_H
#define CH_MECH_INTERNAL_H

#include "mech/mech.h"

struct ch_mech_family {
    const struct ch_mech_desc *rows;
    size_t nrows;
    /* Optional key hooks (NULL when the family has no keys of its own). */
    bool (*owns)(CK_KEY_TYPE type);                    /* key types this family serves */
    CK_RV (*validate)(const struct ch_mech_key *k);    /* import checks, see mech.h */
    CK_RV (*export_pkcs8)(const struct ch_mech_key *k, uint8_t **out, size_t *len);
    /* Decode PKCS#8 if it is this family's algorithm: CKR_OK with the attributes,
     * CKR_WRAPPED_KEY_INVALID if it is but malformed, CKR_KEY_TYPE_INCONSISTENT if not ours. */
    CK_RV (*import_pkcs8)(const uint8_t *der, size_t len, struct ch_attr_list *out);
};

/* A reference-counted object kept in a key object's cache slot (mech_cache.c). `ref` adds a
 * reference and returns the object, `unref` drops one. */
struct ch_mech_shared_type {
    void *(*ref)(void *obj);
    void (*unref)(void *obj);
};

/* A new reference to the key's cached object of `type`; on a miss `build` makes one (its
 * reference goes to the caller) and it is installed in the slot if the slot is free. Keys
 * without a cache slot get a fresh object every time. */
CH_MUST_CHECK CK_RV ch_mech_shared_get(const struct ch_mech_key *key,
                                       const struct ch_mech_shared_type *type,
                                       CK_RV (*build)(const struct ch_mech_key *key, void **out),
                                       void **out);

/* One per family file. */
extern const struct ch_mech_family ch_mech_family_digest;

#endif
