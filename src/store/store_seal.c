/* SPDX-License-Identifier: Apache-2.0 */
/* src/store: the cryptography of docs/STORAGE.md §3-§6 — keys derived from TK, sealing of
 * record parts with AES-256-GCM, record and index MACs, and TK wraps under PIN keys. Calls
 * src/crypto and the module DRBG only; no SQL, no policy. Every temporary secret is wiped at
 * `out:`. */
#include <string.h>

#include "crypto/crypto.h"
#include "fips/fips.h"
#include "store/store_int.h"
#include "util/ch_ct.h"
#include "util/ch_wipe.h"

/* A bounded writer for AADs and KDF inputs; every input here has a fixed maximum size. */
struct wr {
    uint8_t b[96];
    size_t n;
    bool failed;
};

static void put(struct wr *w, const void *p, size_t len)
{
    if (w->failed || len > sizeof(w->b) - w->n) {
        w->failed = true;
        return;
    }
    memcpy(w->b + w->n, p, len);
    w->n += len;
}

static void put_u64(struct wr *w, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    put(w, b, sizeof(b));
}

static void put_u32(struct wr *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(w, b, sizeof(b));
}

/* The serial as exactly 16 bytes (zero padded if shorter: only before the first init). */
static void put_serial(struct wr *w, const char *serial)
{
    uint8_t b[CH_STORE_SERIAL_LEN] = {0};
    memcpy(b, serial, strnlen(serial, CH_STORE_SERIAL_LEN));
    put(w, b, sizeof(b));
}

/* SP 800-108r1 §4.1 KDF in counter mode, PRF = HMAC-SHA-256, one block (L = 256 bits):
 * K(i) = PRF(TK, [i]_32 || Label || 0x00 || Context || [L]_32), Context = serial || generation. */
static CK_RV kdf(const uint8_t tk[CH_STORE_KEY_LEN], const char *label, const char *serial,
                 uint64_t generation, uint8_t out[CH_STORE_KEY_LEN])
{
    struct wr w = {.n = 0};
    CK_RV rv;

    put_u32(&w, 1);
    put(&w, label, strlen(label));
    put(&w, "", 1);
    put_serial(&w, serial);
    put_u64(&w, generation);
    put_u32(&w, 256);
    CH_CHECK(!w.failed, CKR_GENERAL_ERROR);
    rv = ch_crypto_hmac(CH_HASH_SHA256, tk, CH_STORE_KEY_LEN, w.b, w.n, out);
    ch_wipe(&w, sizeof(w));
    return rv;
}

CK_RV ch_store_keys_derive(struct ch_store_keys *keys, const char *serial, uint64_t generation)
{
    CK_RV rv;
    CH_TRY_OUT(kdf(keys->tk, "CHSM seal v1", serial, generation, keys->k_seal));
    CH_TRY_OUT(kdf(keys->tk, "CHSM rec-mac v1", serial, generation, keys->k_mac));
    CH_TRY_OUT(kdf(keys->tk, "CHSM index v1", serial, generation, keys->k_idx));
    CH_CT_SECRET(keys, sizeof(*keys));
out:
    if (rv != CKR_OK)
        ch_wipe(keys, sizeof(*keys));
    return rv;
}

#define FIELD_SECRET 1u /* field tag of a record's sealed part in the AAD */

static void record_aad(struct wr *w, const char *serial, uint64_t generation, uint64_t id,
                       uint64_t version)
{
    put(w, "CHSM-REC-v1", 11);
    put_serial(w, serial);
    put_u64(w, generation);
    put_u64(w, id);
    put_u64(w, version);
    put_u32(w, FIELD_SECRET);
}

CK_RV ch_store_seal(const struct ch_store_keys *keys, const char *serial, uint64_t generation,
                    uint64_t id, uint64_t version, const uint8_t *pt, size_t pt_len,
                    uint8_t *out)
{
    struct wr aad = {.n = 0};

    record_aad(&aad, serial, generation, id, version);
    CH_CHECK(!aad.failed, CKR_GENERAL_ERROR);
    /* Random 96-bit nonce per write (SP 800-38D §8.2.2); layout nonce || ct || tag. */
    CH_TRY(ch_drbg_generate(out, CH_GCM_IV_LEN));
    CK_RV rv = ch_crypto_aes256gcm_seal(keys->k_seal, out, aad.b, aad.n, pt, pt_len,
                                        out + CH_GCM_IV_LEN, out + CH_GCM_IV_LEN + pt_len);
    if (rv != CKR_OK)
        ch_wipe(out, pt_len + CH_STORE_SEAL_OVERHEAD);
    return rv;
}

CK_RV ch_store_unseal(const struct ch_store_keys *keys, const char *serial, uint64_t generation,
                      uint64_t id, uint64_t version, const uint8_t *sealed, size_t sealed_len,
                      uint8_t *pt)
{
    struct wr aad = {.n = 0};

    CH_CHECK(sealed_len >= CH_STORE_SEAL_OVERHEAD, CKR_ENCRYPTED_DATA_INVALID);
    record_aad(&aad, serial, generation, id, version);
    CH_CHECK(!aad.failed, CKR_GENERAL_ERROR);
    size_t ct_len = sealed_len - CH_STORE_SEAL_OVERHEAD;
    CK_RV rv = ch_crypto_aes256gcm_open(keys->k_seal, sealed, aad.b, aad.n,
                                        sealed + CH_GCM_IV_LEN, ct_len,
                                        sealed + CH_GCM_IV_LEN + ct_len, pt);
    if (rv != CKR_OK) {
        ch_wipe(pt, ct_len);
        return CKR_ENCRYPTED_DATA_INVALID;
    }
    CH_CT_SECRET(pt, ct_len);
    return CKR_OK;
}

/* HMAC over a fixed header followed by length-prefixed variable parts. */
static CK_RV mac_parts(const uint8_t key[CH_STORE_KEY_LEN], const struct wr *hdr,
                       const uint8_t *a, size_t a_len, bool with_b, const uint8_t *b,
                       size_t b_len, uint8_t mac[CH_STORE_MAC_LEN])
{
    struct ch_hmac *m = NULL;
    struct wr len = {.n = 0};
    CK_RV rv;

    CH_CHECK(!hdr->failed, CKR_GENERAL_ERROR);
    CH_TRY(ch_crypto_hmac_new(CH_HASH_SHA256, key, CH_STORE_KEY_LEN, &m));
    CH_TRY_OUT(ch_crypto_hmac_update(m, hdr->b, hdr->n));
    put_u64(&len, a_len);
    CH_TRY_OUT(ch_crypto_hmac_update(m, len.b, len.n));
    if (a_len != 0)
        CH_TRY_OUT(ch_crypto_hmac_update(m, a, a_len));
    if (with_b) {
        len.n = 0;
        put_u64(&len, b_len);
        CH_TRY_OUT(ch_crypto_hmac_update(m, len.b, len.n));
        if (b_len != 0)
            CH_TRY_OUT(ch_crypto_hmac_update(m, b, b_len));
    }
    CH_TRY_OUT(ch_crypto_hmac_final(m, mac));
out:
    ch_crypto_hmac_free(m);
    return rv;
}

CK_RV ch_store_record_mac(const struct ch_store_keys *keys, const char *serial,
                          uint64_t generation, uint64_t id, uint64_t version, uint32_t flags,
                          const uint8_t *clear, size_t clear_len, const uint8_t *sealed,
                          size_t sealed_len, uint8_t mac[CH_STORE_MAC_LEN])
{
    struct wr h = {.n = 0};
    put(&h, "CHSM-MAC-v1", 11);
    put_serial(&h, serial);
    put_u64(&h, generation);
    put_u64(&h, id);
    put_u64(&h, version);
    put_u32(&h, flags);
    /* The sealed part is length-prefixed only when present; the flags say whether it is, so
     * "absent" and "empty" cannot be confused. */
    return mac_parts(keys->k_mac, &h, clear, clear_len, sealed != NULL, sealed, sealed_len, mac);
}

CK_RV ch_store_index_mac(const struct ch_store_keys *keys, const char *serial,
                         uint64_t generation, const uint8_t *idx, size_t idx_len,
                         uint8_t mac[CH_STORE_MAC_LEN])
{
    struct wr h = {.n = 0};
    put(&h, "CHSM-IDX-v1", 11);
    put_serial(&h, serial);
    put_u64(&h, generation);
    return mac_parts(keys->k_idx, &h, idx, idx_len, false, NULL, 0, mac);
}

static void wrap_aad(struct wr *w, const char *serial, uint64_t generation,
                     enum ch_store_user who, uint32_t iterations,
                     const uint8_t salt[CH_STORE_SALT_LEN])
{
    uint8_t who_b = (uint8_t)who;
    put(w, "CHSM-WRAP-v1", 12);
    put_serial(w, serial);
    put_u64(w, generation);
    put(w, &who_b, 1);
    put_u32(w, iterations);
    put(w, salt, CH_STORE_SALT_LEN);
}

/* SP 800-132 §5.3: the PIN key, PBKDF2-HMAC-SHA-256 with the wrap's salt and iterations. */
static CK_RV pin_key(const uint8_t *pin, size_t pin_len, const struct ch_store_wrap *w,
                     uint8_t kp[CH_STORE_KEY_LEN])
{
    CK_RV rv = ch_crypto_pbkdf2(CH_HASH_SHA256, pin, pin_len, w->salt, sizeof(w->salt),
                                w->iterations, kp, CH_STORE_KEY_LEN);
    if (rv == CKR_OK)
        CH_CT_SECRET(kp, CH_STORE_KEY_LEN);
    return rv;
}

CK_RV ch_store_wrap_tk(const uint8_t *pin, size_t pin_len, uint32_t iterations,
                       const char *serial, uint64_t generation, enum ch_store_user who,
                       const uint8_t tk[CH_STORE_KEY_LEN], struct ch_store_wrap *w)
{
    uint8_t kp[CH_STORE_KEY_LEN];
    struct wr aad = {.n = 0};
    CK_RV rv;

    w->iterations = iterations;
    CH_TRY_OUT(ch_drbg_generate(w->salt, sizeof(w->salt)));
    CH_TRY_OUT(ch_drbg_generate(w->nonce, sizeof(w->nonce)));
    CH_TRY_OUT(pin_key(pin, pin_len, w, kp));
    wrap_aad(&aad, serial, generation, who, iterations, w->salt);
    CH_CHECK_OUT(!aad.failed, CKR_GENERAL_ERROR);
    CH_TRY_OUT(ch_crypto_aes256gcm_seal(kp, w->nonce, aad.b, aad.n, tk, CH_STORE_KEY_LEN,
                                        w->wrapped, w->wrapped + CH_STORE_KEY_LEN));
out:
    ch_wipe(kp, sizeof(kp));
    if (rv != CKR_OK)
        ch_wipe(w, sizeof(*w));
    return rv;
}

CK_RV ch_store_unwrap_tk(const uint8_t *pin, size_t pin_len, const char *serial,
                         uint64_t generation, enum ch_store_user who,
                         const struct ch_store_wrap *w, uint8_t tk[CH_STORE_KEY_LEN])
{
    uint8_t kp[CH_STORE_KEY_LEN];
    struct wr aad = {.n = 0};
    CK_RV rv;

    CH_TRY_OUT(pin_key(pin, pin_len, w, kp));
    wrap_aad(&aad, serial, generation, who, w->iterations, w->salt);
    CH_CHECK_OUT(!aad.failed, CKR_GENERAL_ERROR);
    /* The PIN is correct iff the wrap opens (docs/STORAGE.md §3): no separate verifier. */
    rv = ch_crypto_aes256gcm_open(kp, w->nonce, aad.b, aad.n, w->wrapped, CH_STORE_KEY_LEN,
                                  w->wrapped + CH_STORE_KEY_LEN, tk);
    if (rv == CKR_ENCRYPTED_DATA_INVALID)
        rv = CKR_PIN_INCORRECT;
out:
    ch_wipe(kp, sizeof(kp));
    if (rv != CKR_OK)
        ch_wipe(tk, CH_STORE_KEY_LEN);
    else
        CH_CT_SECRET(tk, CH_STORE_KEY_LEN);
    return rv;
}
