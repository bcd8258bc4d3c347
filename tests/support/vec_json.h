/* SPDX-License-Identifier: Apache-2.0 */
/* Test support (never shipped): reading ACVP and Wycheproof vector files. One place for the
 * file, hex and field helpers every vector runner needs. */
#ifndef CH_VEC_JSON_H
#define CH_VEC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* Parse the JSON file at path; NULL (after a message on stderr) if unreadable or malformed.
 * Free with cJSON_Delete. */
cJSON *ch_vec_load(const char *path);
/* Whole file into a NUL-terminated malloc'd buffer, or NULL. */
char *ch_vec_read_file(const char *path);
/* Hex (either case) into a fresh malloc'd buffer of at least one byte, so "" gives a valid
 * pointer and *len = 0. NULL if hex is NULL, of odd length or not hex. */
uint8_t *ch_vec_unhex(const char *hex, size_t *len);
/* The hex string field `name` of o decoded as above; false if absent or not hex. */
bool ch_vec_hex(const cJSON *o, const char *name, uint8_t **out, size_t *len);
/* String field, or NULL. */
const char *ch_vec_str(const cJSON *o, const char *name);
/* Number field, or dflt when absent or not a number. */
long ch_vec_num(const cJSON *o, const char *name, long dflt);

/* A decoded field for runners that treat a missing field as empty. */
struct ch_vec_buf {
    uint8_t *p; /* malloc'd, at least one byte; free() */
    size_t len;
};
/* The hex field `name` of o, empty when absent or not hex; aborts on allocation failure. */
struct ch_vec_buf ch_vec_field(const cJSON *o, const char *name);
/* String field, or "" when absent. */
const char *ch_vec_sval(const cJSON *o, const char *name);

#endif
