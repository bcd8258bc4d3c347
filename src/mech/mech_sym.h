/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/mech: the symmetric families (mech_aes.c, mech_chacha.c, mech_hmac.c,
 * mech_kdf.c) and what they share: secret-key value look-up and random key material. */
#ifndef CH_MECH_SYM_H
#define CH_MECH_SYM_H

#include "crypto/crypto.h"
#include "mech/mech_internal.h"

extern const struct ch_mech_family ch_mech_family_aes;
extern const struct ch_mech_family ch_mech_family_hmac;
extern const struct ch_mech_family ch_mech_family_kdf;
extern const struct ch_mech_family ch_mech_family_chacha;

/* CKA_VALUE of a secret key (CKR_KEY_TYPE_INCONSISTENT when not a secret key or no value). */
CH_MUST_CHECK CK_RV ch_mech_sym_value(const struct ch_mech_key *k, const uint8_t **v, size_t *len);

/* Attributes of a new secret key of `len` random bytes from the module DRBG (CKA_CLASS,
 * CKA_KEY_TYPE, CKA_VALUE). */
CH_MUST_CHECK CK_RV ch_mech_sym_random_key(CK_KEY_TYPE kt, size_t len, struct ch_attr_list *out);

/* CKM_SHA_1 .. CKM_SHA3_512 (and CKM_SHA*_HMAC) -> enum ch_hash; CH_HASH_NONE otherwise. */
enum ch_hash ch_mech_sym_hash_of(CK_MECHANISM_TYPE m);

/* A growing buffer for data held back until an operation's last part (AEAD decryption,
 * CCM, XTS). Its contents may be plaintext or key-dependent: every release wipes. */
struct ch_mech_buf {
    uint8_t *p;
    size_t len, cap;
};

/* Append n bytes; `too_long` if the total would overflow, CKR_HOST_MEMORY if out of memory. */
CH_MUST_CHECK CK_RV ch_mech_buf_add(struct ch_mech_buf *b, const uint8_t *in, size_t n,
                                    CK_RV too_long);
/* Wipe the contents and empty the buffer (the allocation is kept for reuse). */
void ch_mech_buf_clear(struct ch_mech_buf *b);
/* Wipe and release. */
void ch_mech_buf_free(struct ch_mech_buf *b);

#endif
