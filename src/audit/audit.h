/* SPDX-License-Identifier: Apache-2.0 */
/* src/audit: the append-only, hash-chained audit log of one token (DESIGN.md §7, docs/AUDIT.md):
 * writer (ch_audit_open/log/close), reader (ch_audit_read) and verifier (ch_audit_verify).
 * One JSON object per line; each line carries the SHA-256 of the previous line, and the chain
 * head is mirrored in the token database so truncation and rewriting are detected.
 * Must never receive or write a secret: the event structure has no field for PINs, keys or data.
 * Uses src/store (chain head) and src/crypto (SHA-256); knows nothing of sessions or objects. */
#ifndef CH_AUDIT_H
#define CH_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "craton_hsm/pkcs11.h"
#include "util/check.h"

struct ch_store;
struct ch_audit;

/* Event names (the "event" field). Outcome is in "rv": a failed login is CH_AUDIT_EV_LOGIN with
 * rv CKR_PIN_INCORRECT, a lockout the same with CKR_PIN_LOCKED. Names are [a-z0-9._-]+. */
#define CH_AUDIT_EV_TOKEN_INIT "token.init"
#define CH_AUDIT_EV_TOKEN_DELETE "token.delete"
#define CH_AUDIT_EV_PIN_INIT "pin.init"
#define CH_AUDIT_EV_PIN_CHANGE "pin.change"
#define CH_AUDIT_EV_PIN_UNLOCK "pin.unlock"
#define CH_AUDIT_EV_LOGIN "login"
#define CH_AUDIT_EV_LOGOUT "logout"
#define CH_AUDIT_EV_OBJ_CREATE "object.create"
#define CH_AUDIT_EV_OBJ_COPY "object.copy"
#define CH_AUDIT_EV_OBJ_DESTROY "object.destroy"
#define CH_AUDIT_EV_OBJ_SET_ATTR "object.set_attribute"
#define CH_AUDIT_EV_KEY_GENERATE "key.generate"
#define CH_AUDIT_EV_KEY_GENERATE_PAIR "key.generate_pair"
#define CH_AUDIT_EV_KEY_DERIVE "key.derive"
#define CH_AUDIT_EV_KEY_WRAP "key.wrap"
#define CH_AUDIT_EV_KEY_UNWRAP "key.unwrap"
#define CH_AUDIT_EV_KEY_ENCAPSULATE "key.encapsulate"
#define CH_AUDIT_EV_KEY_DECAPSULATE "key.decapsulate"
#define CH_AUDIT_EV_BACKUP "backup"
#define CH_AUDIT_EV_RESTORE "restore"
#define CH_AUDIT_EV_SELFTEST_FAIL "selftest.failure"

#define CH_AUDIT_EVENT_MAX 63  /* bytes of an event name */
#define CH_AUDIT_LABEL_MAX 256 /* bytes of a label kept (longer ones are cut on a UTF-8 boundary) */
#define CH_AUDIT_LINE_MAX 4096 /* bytes of one line, newline included; longer lines are invalid */
#define CH_AUDIT_USER_NONE (-1L)

/* What happened. Every field is public information; there is deliberately no field that could
 * carry a PIN, key value or plaintext. */
struct ch_audit_event {
    const char *event;       /* one of CH_AUDIT_EV_* (any [a-z0-9._-]{1,63}) */
    uint32_t slot;           /* slot id */
    unsigned long session;   /* session handle, 0 for none (written as null) */
    long user_type;          /* CH_AUDIT_USER_NONE, else CKU_SO / CKU_USER / CKU_CONTEXT_SPECIFIC */
    unsigned long mechanism; /* CKM_*, CK_UNAVAILABLE_INFORMATION for none (null) */
    uint64_t object_id;      /* store record id, 0 for none (null) */
    const char *label;       /* object or token label; may be NULL; never secret */
    unsigned long rv;        /* CKR_* outcome */
};

/* Writer options. */
struct ch_audit_opts {
    bool fsync;  /* fdatasync the file after each line (default true) */
    bool syslog; /* also send each line to syslog(LOG_AUTHPRIV | LOG_NOTICE) (default false) */
};

/* Default file name of a token's log: "<dir>/token-<slot>.audit.jsonl".
 * CKR_OK, CKR_BUFFER_TOO_SMALL, CKR_ARGUMENTS_BAD. */
CH_MUST_CHECK CK_RV ch_audit_default_path(const char *dir, uint32_t slot, char *out, size_t cap);

/* Open (creating, mode 0600, O_APPEND) the log at `path` for appending. `store` is the token's
 * database that mirrors the chain head (meta key CH_AUDIT_META_HEAD); it may be NULL (then
 * nothing is mirrored and truncation at the end cannot be detected). The store stays owned by
 * the caller and must outlive the log. `opts` may be NULL (defaults). Nothing is read or
 * written until the first ch_audit_log. CKR_OK, CKR_ARGUMENTS_BAD, CKR_HOST_MEMORY,
 * CKR_DEVICE_ERROR (cannot open the file). */
CH_MUST_CHECK CK_RV ch_audit_open_opts(const char *path, struct ch_store *store,
                                       const struct ch_audit_opts *opts, struct ch_audit **out);
/* ch_audit_open_opts with default options. */
CH_MUST_CHECK CK_RV ch_audit_open(const char *path, struct ch_store *store, struct ch_audit **out);
/* Close the file; NULL-safe. A handle is not to be used across fork(): flock belongs to the open
 * file description, which parent and child would share, so a child opens its own handle (as
 * the module does when the child calls C_Initialize). */
void ch_audit_close(struct ch_audit *a);

/* Append one event. Thread-safe (internal mutex) and safe against other processes appending
 * to the same file (flock(LOCK_EX) held across: find the chain head, write the line with one
 * write(2), fdatasync if configured, update the head in the store). Must not be called inside
 * a ch_store_begin/commit transaction of the same store (the head update is its own change).
 * The chain continues from the head in the database; when the file holds exactly one more,
 * correctly chained line (an append interrupted before the head update) it continues from that
 * line. CKR_OK, CKR_ARGUMENTS_BAD (NULL, bad event name), CKR_HOST_MEMORY, CKR_DEVICE_ERROR
 * (I/O or store failure: the event may be lost; callers treat the log as best effort or fail
 * the operation by policy). */
CH_MUST_CHECK CK_RV ch_audit_log(struct ch_audit *a, const struct ch_audit_event *ev);

/* Key under which the chain head is kept in the token database: value is the ASCII text
 * "<seq> <64 hex digits>" (the sequence number and SHA-256 of the last line). */
#define CH_AUDIT_META_HEAD "audit.head"

/* Re-anchor the chain after an operator replaced the token database (a restore: the restored
 * database carries the head of backup time). With the log's exclusive lock held throughout, so
 * the module's writers wait and nothing is logged in between:
 *   1. fn(arg), if fn is not NULL (the database replacement; its failure is returned as is and
 *      nothing else happens: a log file created for the occasion is removed); it may set
 *      *store;
 *   2. the head in *store is made to agree with the end of the file at `path` (created 0600 if
 *      absent; an empty log gets the head "0" + zeros, so it restarts at entry 1);
 *   3. ev, if not NULL, is appended (chained and mirrored as by ch_audit_log, with fsync).
 * *store is borrowed, read after fn. CKR_OK; fn's code; CKR_ARGUMENTS_BAD; CKR_DEVICE_ERROR
 * (I/O, store, or a last line that is not a valid record). */
typedef CK_RV (*ch_audit_locked_fn)(void *arg);
CH_MUST_CHECK CK_RV ch_audit_reanchor(const char *path, struct ch_store **store,
                                      ch_audit_locked_fn fn, void *arg,
                                      const struct ch_audit_event *ev);

/* ---- reader ---------------------------------------------------------------------------------- */

/* One parsed line. Strings are NUL-terminated copies owned by the reader, valid only during the
 * callback. Absent (null) fields have their has_* flag false. */
struct ch_audit_entry {
    uint64_t line_no; /* 1-based line number in the file */
    uint64_t seq;
    char time[40];    /* as written: RFC 3339 UTC with milliseconds */
    int64_t time_ms;  /* the same, milliseconds since the epoch */
    int64_t pid;
    uint32_t slot;
    bool has_session;
    unsigned long session;
    bool has_user;
    long user_type;
    char event[CH_AUDIT_EVENT_MAX + 1];
    bool has_mechanism;
    unsigned long mechanism;
    bool has_object;
    uint64_t object_id;
    bool has_label;
    char label[CH_AUDIT_LABEL_MAX * 4 + 1]; /* decoded (JSON escapes undone) */
    unsigned long rv;
    uint8_t prev[32];
    const char *line; /* the raw line, without its newline */
    size_t line_len;
};

/* Parse one line (without newline) into *e (line_no left as is). CKR_OK, or CKR_DATA_INVALID with
 * a short static reason in *why (may be NULL). */
CH_MUST_CHECK CK_RV ch_audit_parse_line(const char *line, size_t len, struct ch_audit_entry *e,
                                        const char **why);

/* Call cb for each line of the file in order, up to the file's size when the walk began (taken
 * under a brief shared flock, so no half-appended line is seen; appends are not blocked while
 * the callbacks run). A line that does not parse stops the walk with
 * CKR_DATA_INVALID (*bad_line, if not NULL, gets its number). A callback returning non-CKR_OK
 * stops the walk and its code is returned. CKR_DEVICE_ERROR: cannot read the file. */
typedef CK_RV (*ch_audit_entry_cb)(void *arg, const struct ch_audit_entry *e);
CH_MUST_CHECK CK_RV ch_audit_read(const char *path, ch_audit_entry_cb cb, void *arg,
                                  uint64_t *bad_line);

/* ---- verifier -------------------------------------------------------------------------------- */

struct ch_audit_report {
    bool ok;               /* the whole chain verified (and matched the head, if checked) */
    uint64_t entries;      /* lines in the file (a partial last line counts) */
    uint64_t first_bad;    /* 1-based number of the first entry that is missing, altered or out
                              of place; 0 when ok */
    char reason[200];      /* human-readable reason for first_bad ("" when ok) */
    bool head_checked;     /* a store was given and it holds a head that was compared */
    bool head_present;     /* the store holds a head */
    uint64_t head_seq;     /* the head's sequence number (when present) */
    uint64_t last_seq;     /* seq of the last line that parsed */
    uint8_t last_hash[32]; /* SHA-256 of the last line */
};

/* Walk the chain of the file at `path` (its extent and the head read together under a brief
 * shared flock, so concurrent appends never look like a break): every line is a JSON object of
 * the exact shape written
 * by ch_audit_log, seq runs 1, 2, 3..., every prev is the SHA-256 of the line before (64 zeros
 * for the first); then compare the end with the head kept in `store` (may be NULL: no head
 * check). A missing file with no head is an empty, valid log. The result is in *out; the return
 * value is about the ability to check: CKR_OK (report filled, look at out->ok),
 * CKR_ARGUMENTS_BAD, CKR_HOST_MEMORY, CKR_DEVICE_ERROR (unreadable file or store). */
CH_MUST_CHECK CK_RV ch_audit_verify(const char *path, struct ch_store *store,
                                    struct ch_audit_report *out);

/* Name of a user type for display ("so", "user", "context_specific"), or NULL. */
const char *ch_audit_user_name(long user_type);

#endif
