/* SPDX-License-Identifier: Apache-2.0 */
/* Guard macros used across src/ (not src/pqc, which returns int codes). Each one is a single
 * statement; none hides a loop or allocation.
 *   CH_CHECK(cond, rv)  if cond is false, return rv. Only while the function owns nothing.
 *   CH_TRY(expr)        evaluate a CK_RV expression; return it unless CKR_OK.
 *   CH_TRY_OUT(expr)    evaluate a CK_RV expression into the local `rv`; on error goto out.
 *   CH_CHECK_OUT(cond, code)  if cond is false, set rv = code and goto out.
 * Functions using the _OUT forms declare `CK_RV rv;` and have one `out:` label that releases
 * and wipes everything they own (STYLE.md §3). */
#ifndef CH_CHECK_H
#define CH_CHECK_H

#if defined(__GNUC__)
#define CH_MUST_CHECK __attribute__((warn_unused_result))
#define CH_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define CH_MUST_CHECK
#define CH_UNLIKELY(x) (x)
#endif

#define CH_CHECK(cond, code)                                                                       \
    do {                                                                                           \
        if (CH_UNLIKELY(!(cond)))                                                                  \
            return (code);                                                                         \
    } while (0)

#define CH_TRY(expr)                                                                               \
    do {                                                                                           \
        CK_RV ch_try_rv_ = (expr);                                                                 \
        if (CH_UNLIKELY(ch_try_rv_ != CKR_OK))                                                     \
            return ch_try_rv_;                                                                     \
    } while (0)

#define CH_TRY_OUT(expr)                                                                           \
    do {                                                                                           \
        rv = (expr);                                                                               \
        if (CH_UNLIKELY(rv != CKR_OK))                                                             \
            goto out;                                                                              \
    } while (0)

#define CH_CHECK_OUT(cond, code)                                                                   \
    do {                                                                                           \
        if (CH_UNLIKELY(!(cond))) {                                                                \
            rv = (code);                                                                           \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

#define CH_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
