/* SPDX-License-Identifier: Apache-2.0 */
/* A small open-addressing hash map from non-zero 64-bit keys to pointers (linear probing,
 * backward-shift deletion, power-of-two capacity). Used for session and object handles, store
 * ids and the label index, so look-ups cost the same with 10 or 100,000 entries. Not
 * thread-safe: the owner's lock guards it. */
#ifndef CH_MAP_H
#define CH_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ch_map {
    uint64_t *keys; /* 0 = empty slot */
    void **vals;
    size_t cap;     /* power of two, or 0 */
    size_t count;
};

void ch_map_init(struct ch_map *m);
void ch_map_clear(struct ch_map *m); /* frees the arrays, not the values */
void *ch_map_get(const struct ch_map *m, uint64_t key);
/* Insert or replace; false on allocation failure (the map is unchanged then). key != 0. */
bool ch_map_put(struct ch_map *m, uint64_t key, void *val);
/* Remove and return the value, or NULL. */
void *ch_map_del(struct ch_map *m, uint64_t key);
/* Iterate: start with *pos = 0; returns false at the end. */
bool ch_map_next(const struct ch_map *m, size_t *pos, uint64_t *key, void **val);

/* 64-bit FNV-1a of a byte string, never 0 (usable as a key). */
uint64_t ch_map_hash_bytes(const void *p, size_t n);

#endif
