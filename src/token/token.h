/* SPDX-License-Identifier: Apache-2.0 */
/* src/token: the module state, slots, tokens, PKCS#11 sessions and login state, the object
 * model with its per-class attribute policy, and the dispatch of cryptographic operations to
 * src/mech. This is where PKCS#11 policy lives; src/pkcs11 only checks pointers, converts
 * lengths and calls in here. No OpenSSL and no SQL in this layer.
 *
 * Conventions of every function below:
 *  - The caller (src/pkcs11) has already rejected NULL pointers that the spec forbids and
 *    holds a module reference (ch_tok_enter/ch_tok_leave).
 *  - Output buffers follow the PKCS#11 size convention: on entry *out_len is the capacity of
 *    out; out == NULL asks for the size only (CKR_OK with *out_len set); a too small out gives
 *    CKR_BUFFER_TOO_SMALL with *out_len set to the size needed. On any other failure outputs
 *    are untouched or wiped and handles are CK_INVALID_HANDLE.
 *  - Templates are the caller's CK_ATTRIBUTE arrays; they are never written except by
 *    ch_tok_get_attributes, which follows C_GetAttributeValue's per-entry rules. */
#ifndef CH_TOKEN_H
#define CH_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "craton_hsm/pkcs11.h"
#include "mech/mech.h" /* enum ch_op_kind */
#include "util/check.h"

/* ---- module lifetime ---------------------------------------------------------------------- */

/* C_Initialize after argument checks: pid-aware (a fork child may initialise anew), reads the
 * configuration, starts crypto, the DRBG and the self-tests, opens the slots.
 * CKR_OK, CKR_CRYPTOKI_ALREADY_INITIALIZED, CKR_GENERAL_ERROR (self-test or configuration
 * failure; the reason is logged), CKR_HOST_MEMORY, CKR_CANT_LOCK. */
CH_MUST_CHECK CK_RV ch_tok_module_init(bool app_mutexes_only);
/* C_Finalize: waits for calls in flight, closes every session and store. */
CH_MUST_CHECK CK_RV ch_tok_module_fini(void);
/* Every entry point brackets its work with these: enter fails with
 * CKR_CRYPTOKI_NOT_INITIALIZED (also in a fork child that has not re-initialised). */
CH_MUST_CHECK CK_RV ch_tok_enter(void);
void ch_tok_leave(void);

/* ---- general information ------------------------------------------------------------------ */

void ch_tok_get_info(CK_INFO *out);
CH_MUST_CHECK CK_RV ch_tok_slot_list(bool token_present, CK_SLOT_ID *list, size_t *count);
CH_MUST_CHECK CK_RV ch_tok_slot_info(CK_SLOT_ID slot, CK_SLOT_INFO *out);
CH_MUST_CHECK CK_RV ch_tok_token_info(CK_SLOT_ID slot, CK_TOKEN_INFO *out);
CH_MUST_CHECK CK_RV ch_tok_mechanism_list(CK_SLOT_ID slot, CK_MECHANISM_TYPE *list, size_t *count);
CH_MUST_CHECK CK_RV ch_tok_mechanism_info(CK_SLOT_ID slot, CK_MECHANISM_TYPE type,
                                          CK_MECHANISM_INFO *out);

/* ---- token and PIN administration ---------------------------------------------------------- */

CH_MUST_CHECK CK_RV ch_tok_init_token(CK_SLOT_ID slot, const uint8_t *pin, size_t pin_len,
                                      const uint8_t label[32]);
CH_MUST_CHECK CK_RV ch_tok_init_pin(CK_SESSION_HANDLE h, const uint8_t *pin, size_t pin_len);
CH_MUST_CHECK CK_RV ch_tok_set_pin(CK_SESSION_HANDLE h, const uint8_t *old_pin, size_t old_len,
                                   const uint8_t *new_pin, size_t new_len);

/* ---- sessions and login ------------------------------------------------------------------- */

CH_MUST_CHECK CK_RV ch_tok_open_session(CK_SLOT_ID slot, CK_FLAGS flags, CK_SESSION_HANDLE *out);
CH_MUST_CHECK CK_RV ch_tok_close_session(CK_SESSION_HANDLE h);
CH_MUST_CHECK CK_RV ch_tok_close_all_sessions(CK_SLOT_ID slot);
CH_MUST_CHECK CK_RV ch_tok_session_info(CK_SESSION_HANDLE h, CK_SESSION_INFO *out);
/* C_SessionCancel: flags name the operations (CKF_ENCRYPT, CKF_SIGN, ... CKF_FIND_OBJECTS). */
CH_MUST_CHECK CK_RV ch_tok_session_cancel(CK_SESSION_HANDLE h, CK_FLAGS flags);
/* C_Login / C_LoginUser (username must be absent/empty: we have one user). */
CH_MUST_CHECK CK_RV ch_tok_login(CK_SESSION_HANDLE h, CK_USER_TYPE who, const uint8_t *pin,
                                 size_t pin_len, const uint8_t *user, size_t user_len);
CH_MUST_CHECK CK_RV ch_tok_logout(CK_SESSION_HANDLE h);
CH_MUST_CHECK CK_RV ch_tok_get_operation_state(CK_SESSION_HANDLE h, uint8_t *out, size_t *out_len);
CH_MUST_CHECK CK_RV ch_tok_set_operation_state(CK_SESSION_HANDLE h, const uint8_t *state,
                                               size_t len, CK_OBJECT_HANDLE enc_key,
                                               CK_OBJECT_HANDLE auth_key);

/* ---- objects ------------------------------------------------------------------------------ */

CH_MUST_CHECK CK_RV ch_tok_create_object(CK_SESSION_HANDLE h, const CK_ATTRIBUTE *tmpl, size_t n,
                                         CK_OBJECT_HANDLE *out);
CH_MUST_CHECK CK_RV ch_tok_copy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj,
                                       const CK_ATTRIBUTE *tmpl, size_t n, CK_OBJECT_HANDLE *out);
CH_MUST_CHECK CK_RV ch_tok_destroy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj);
CH_MUST_CHECK CK_RV ch_tok_object_size(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, size_t *out);
/* C_GetAttributeValue with its per-entry rules (CKR_ATTRIBUTE_SENSITIVE,
 * CKR_ATTRIBUTE_TYPE_INVALID, CKR_BUFFER_TOO_SMALL, CK_UNAVAILABLE_INFORMATION). */
CH_MUST_CHECK CK_RV ch_tok_get_attributes(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj,
                                          CK_ATTRIBUTE *tmpl, size_t n);
CH_MUST_CHECK CK_RV ch_tok_set_attributes(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj,
                                          const CK_ATTRIBUTE *tmpl, size_t n);
CH_MUST_CHECK CK_RV ch_tok_find_init(CK_SESSION_HANDLE h, const CK_ATTRIBUTE *tmpl, size_t n);
CH_MUST_CHECK CK_RV ch_tok_find(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE *out, size_t max,
                                size_t *count);
CH_MUST_CHECK CK_RV ch_tok_find_final(CK_SESSION_HANDLE h);

/* ---- cryptographic operations -------------------------------------------------------------- */

/* C_EncryptInit, C_DecryptInit, C_DigestInit (key CK_INVALID_HANDLE), C_SignInit, ...,
 * C_Message*Init. mech == NULL cancels the active operation of that kind (the 3.0 rule). */
CH_MUST_CHECK CK_RV ch_tok_op_init(CK_SESSION_HANDLE h, enum ch_op_kind kind,
                                   const CK_MECHANISM *mech, CK_OBJECT_HANDLE key);
/* Single-part: C_Encrypt, C_Decrypt, C_Digest, C_Sign, C_SignRecover, C_VerifyRecover.
 * Ends the operation except on CKR_BUFFER_TOO_SMALL or a size query. */
CH_MUST_CHECK CK_RV ch_tok_op_oneshot(CK_SESSION_HANDLE h, enum ch_op_kind kind,
                                      const uint8_t *in, size_t in_len, uint8_t *out,
                                      size_t *out_len);
/* C_Verify: in = data, sig = signature. CKR_SIGNATURE_INVALID / CKR_SIGNATURE_LEN_RANGE. */
CH_MUST_CHECK CK_RV ch_tok_verify(CK_SESSION_HANDLE h, const uint8_t *in, size_t in_len,
                                  const uint8_t *sig, size_t sig_len);
/* Multi-part update: out/out_len are NULL for digest, sign and verify. */
CH_MUST_CHECK CK_RV ch_tok_op_update(CK_SESSION_HANDLE h, enum ch_op_kind kind,
                                     const uint8_t *in, size_t in_len, uint8_t *out,
                                     size_t *out_len);
/* C_DigestKey. */
CH_MUST_CHECK CK_RV ch_tok_digest_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key);
/* C_EncryptFinal, C_DecryptFinal, C_DigestFinal, C_SignFinal. */
CH_MUST_CHECK CK_RV ch_tok_op_final(CK_SESSION_HANDLE h, enum ch_op_kind kind, uint8_t *out,
                                    size_t *out_len);
/* C_VerifyFinal. */
CH_MUST_CHECK CK_RV ch_tok_verify_final(CK_SESSION_HANDLE h, const uint8_t *sig, size_t sig_len);

/* Dual-function updates: C_DigestEncryptUpdate (first = DIGEST, second = ENCRYPT),
 * C_DecryptDigestUpdate, C_SignEncryptUpdate, C_DecryptVerifyUpdate. */
CH_MUST_CHECK CK_RV ch_tok_dual_update(CK_SESSION_HANDLE h, enum ch_op_kind first,
                                       enum ch_op_kind second, const uint8_t *in, size_t in_len,
                                       uint8_t *out, size_t *out_len);

/* Message-based API (PKCS#11 3.0 §5.x): one message at a time per operation, or interleaved
 * through Begin/Next. params is the per-message mechanism parameter (e.g. CK_GCM_MESSAGE_PARAMS),
 * written back where the spec says (generated IV, tag). */
CH_MUST_CHECK CK_RV ch_tok_msg_oneshot(CK_SESSION_HANDLE h, enum ch_op_kind kind, void *params,
                                       size_t params_len, const uint8_t *aad, size_t aad_len,
                                       const uint8_t *in, size_t in_len, uint8_t *out,
                                       size_t *out_len);
CH_MUST_CHECK CK_RV ch_tok_msg_begin(CK_SESSION_HANDLE h, enum ch_op_kind kind, void *params,
                                     size_t params_len, const uint8_t *aad, size_t aad_len);
/* Encrypt/decrypt Next: in -> out; sign/verify Next: out is the signature (sign: output with
 * the size convention; verify: input in `out`/`*out_len`). `final` = CKF_END_OF_MESSAGE. */
CH_MUST_CHECK CK_RV ch_tok_msg_next(CK_SESSION_HANDLE h, enum ch_op_kind kind, void *params,
                                    size_t params_len, const uint8_t *in, size_t in_len,
                                    uint8_t *out, size_t *out_len, bool final);
/* C_VerifyMessage: data and signature in. */
CH_MUST_CHECK CK_RV ch_tok_msg_verify(CK_SESSION_HANDLE h, void *params, size_t params_len,
                                      const uint8_t *in, size_t in_len, const uint8_t *sig,
                                      size_t sig_len);
/* C_Message*Final: ends the message operation. */
CH_MUST_CHECK CK_RV ch_tok_msg_final(CK_SESSION_HANDLE h, enum ch_op_kind kind);

/* ---- keys --------------------------------------------------------------------------------- */

CH_MUST_CHECK CK_RV ch_tok_generate_key(CK_SESSION_HANDLE h, const CK_MECHANISM *mech,
                                        const CK_ATTRIBUTE *tmpl, size_t n, CK_OBJECT_HANDLE *out);
CH_MUST_CHECK CK_RV ch_tok_generate_key_pair(CK_SESSION_HANDLE h, const CK_MECHANISM *mech,
                                             const CK_ATTRIBUTE *pub_tmpl, size_t pub_n,
                                             const CK_ATTRIBUTE *priv_tmpl, size_t priv_n,
                                             CK_OBJECT_HANDLE *pub_out, CK_OBJECT_HANDLE *priv_out);
CH_MUST_CHECK CK_RV ch_tok_wrap_key(CK_SESSION_HANDLE h, const CK_MECHANISM *mech,
                                    CK_OBJECT_HANDLE wrapping_key, CK_OBJECT_HANDLE key,
                                    uint8_t *out, size_t *out_len);
CH_MUST_CHECK CK_RV ch_tok_unwrap_key(CK_SESSION_HANDLE h, const CK_MECHANISM *mech,
                                      CK_OBJECT_HANDLE unwrapping_key, const uint8_t *wrapped,
                                      size_t wrapped_len, const CK_ATTRIBUTE *tmpl, size_t n,
                                      CK_OBJECT_HANDLE *out);
CH_MUST_CHECK CK_RV ch_tok_derive_key(CK_SESSION_HANDLE h, const CK_MECHANISM *mech,
                                      CK_OBJECT_HANDLE base, const CK_ATTRIBUTE *tmpl, size_t n,
                                      CK_OBJECT_HANDLE *out);
/* PKCS#11 3.2 C_EncapsulateKey / C_DecapsulateKey. */
CH_MUST_CHECK CK_RV ch_tok_encapsulate(CK_SESSION_HANDLE h, const CK_MECHANISM *mech,
                                       CK_OBJECT_HANDLE pub, const CK_ATTRIBUTE *tmpl, size_t n,
                                       uint8_t *ct, size_t *ct_len, CK_OBJECT_HANDLE *out);
CH_MUST_CHECK CK_RV ch_tok_decapsulate(CK_SESSION_HANDLE h, const CK_MECHANISM *mech,
                                       CK_OBJECT_HANDLE priv, const CK_ATTRIBUTE *tmpl, size_t n,
                                       const uint8_t *ct, size_t ct_len, CK_OBJECT_HANDLE *out);

/* ---- random ------------------------------------------------------------------------------- */

CH_MUST_CHECK CK_RV ch_tok_seed_random(CK_SESSION_HANDLE h, const uint8_t *seed, size_t len);
CH_MUST_CHECK CK_RV ch_tok_generate_random(CK_SESSION_HANDLE h, uint8_t *out, size_t len);

#endif
