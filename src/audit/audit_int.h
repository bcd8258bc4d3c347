/* SPDX-License-Identifier: Apache-2.0 */
/* src/audit private helpers shared by the writer (audit_write.c) and the reader/verifier
 * (audit_read.c): line hashing, the chain head kept in the store, reading a file's last line,
 * UTF-8 validation. Not part of the audit interface (audit.h). */
#ifndef CH_AUDIT_INT_H
#define CH_AUDIT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"

#define CH_AUDIT_HASH_LEN 32

/* SHA-256 of the line's bytes (without its newline). */
CH_MUST_CHECK CK_RV ch_audit_line_hash(const char *line, size_t len,
                                       uint8_t out[CH_AUDIT_HASH_LEN]);

/* The head in the store: *present false when the key is absent. CKR_DEVICE_ERROR when the
 * store fails or the value is malformed. */
CH_MUST_CHECK CK_RV ch_audit_head_get(struct ch_store *s, bool *present, uint64_t *seq,
                                      uint8_t hash[CH_AUDIT_HASH_LEN]);
CH_MUST_CHECK CK_RV ch_audit_head_put(struct ch_store *s, uint64_t seq,
                                      const uint8_t hash[CH_AUDIT_HASH_LEN]);

/* The file's last line. *state: 0 empty file, 1 a complete last line is in buf[0..*len),
 * 2 the file does not end with a newline (interrupted write), 3 the last line is longer than
 * CH_AUDIT_LINE_MAX. buf holds at least CH_AUDIT_LINE_MAX bytes. CKR_DEVICE_ERROR on I/O. */
CH_MUST_CHECK CK_RV ch_audit_tail(int fd, char *buf, size_t *len, int *state);

/* Length (1-4) of the valid, shortest-form UTF-8 sequence at p (n bytes available), or 0. */
static inline size_t ch_audit_utf8_len(const uint8_t *p, size_t n)
{
    if (n == 0)
        return 0;
    uint8_t c = p[0];
    if (c < 0x80)
        return 1;
    size_t need;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xC0u) != 0x80u)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0; /* overlong or out of range */
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return 0; /* surrogates are not characters */
    return need;
}

#endif
