/* SPDX-License-Identifier: Apache-2.0 */
/* FIPS 180-4 SHA-256 and SHA-512 (own compression functions, with an x86-64 SHA-NI path for
 * SHA-256 picked at run time), the HMAC (FIPS 198-1) and MGF1 (RFC 8017 B.2.1) built on them,
 * as SLH-DSA's SHA2 parameter sets need them (FIPS 205 §11.2). pqc layer: no OpenSSL, no
 * allocation. Contexts are caller-owned; clear them with *_clear when they held secrets. */
#ifndef CH_SHA2_H
#define CH_SHA2_H

#include <stddef.h>
#include <stdint.h>

#include "pqc/common/pqc.h"

#define CH_SHA256_BLOCK_BYTES 64
#define CH_SHA256_DIGEST_BYTES 32
#define CH_SHA512_BLOCK_BYTES 128
#define CH_SHA512_DIGEST_BYTES 64
#define CH_SHA224_DIGEST_BYTES 28
#define CH_SHA384_DIGEST_BYTES 48

struct ch_sha256 {
    uint32_t h[8];
    uint64_t nblocks;          /* whole blocks compressed so far */
    uint8_t buf[CH_SHA256_BLOCK_BYTES];
    unsigned int buflen;       /* bytes waiting in buf, < 64 */
};

struct ch_sha512 {
    uint64_t h[8];
    uint64_t nblocks;
    uint8_t buf[CH_SHA512_BLOCK_BYTES];
    unsigned int buflen;       /* < 128 */
};

/* A snapshot of a state taken on a block boundary: the chaining value and the block count.
 * It is what SLH-DSA keeps after absorbing PK.seed || toByte(0, 64 - n) (FIPS 205 §11.2), so
 * that every F/H/T/PRF call starts from it instead of compressing that block again. */
struct ch_sha256_mid {
    uint32_t h[8];
    uint64_t nblocks;
};

struct ch_sha512_mid {
    uint64_t h[8];
    uint64_t nblocks;
};

/* Incremental hashing. _final writes the digest and clears the context. */
void ch_sha256_init(struct ch_sha256 *st);
void ch_sha256_update(struct ch_sha256 *st, const uint8_t *in, size_t len);
void ch_sha256_final(struct ch_sha256 *st, uint8_t out[CH_SHA256_DIGEST_BYTES]);
void ch_sha256(uint8_t out[CH_SHA256_DIGEST_BYTES], const uint8_t *in, size_t len);
void ch_sha256_clear(struct ch_sha256 *st);

void ch_sha512_init(struct ch_sha512 *st);
void ch_sha512_update(struct ch_sha512 *st, const uint8_t *in, size_t len);
void ch_sha512_final(struct ch_sha512 *st, uint8_t out[CH_SHA512_DIGEST_BYTES]);
void ch_sha512(uint8_t out[CH_SHA512_DIGEST_BYTES], const uint8_t *in, size_t len);
void ch_sha512_clear(struct ch_sha512 *st);

/* One-shot SHA-224, SHA-384, SHA-512/224, SHA-512/256 (FIPS 180-4), for the HashSLH-DSA
 * pre-hash functions. */
void ch_sha224(uint8_t out[CH_SHA224_DIGEST_BYTES], const uint8_t *in, size_t len);
void ch_sha384(uint8_t out[CH_SHA384_DIGEST_BYTES], const uint8_t *in, size_t len);
void ch_sha512_224(uint8_t out[CH_SHA224_DIGEST_BYTES], const uint8_t *in, size_t len);
void ch_sha512_256(uint8_t out[CH_SHA256_DIGEST_BYTES], const uint8_t *in, size_t len);

/* Snapshot / resume. _snapshot returns CH_PQC_ERR_INPUT (and leaves *mid untouched) unless
 * the absorbed length is a whole number of blocks; _resume makes st continue from *mid exactly
 * as the state the snapshot was taken from would. */
CH_PQC_MUST_CHECK int ch_sha256_snapshot(const struct ch_sha256 *st, struct ch_sha256_mid *mid);
void ch_sha256_resume(struct ch_sha256 *st, const struct ch_sha256_mid *mid);
CH_PQC_MUST_CHECK int ch_sha512_snapshot(const struct ch_sha512 *st, struct ch_sha512_mid *mid);
void ch_sha512_resume(struct ch_sha512 *st, const struct ch_sha512_mid *mid);

/* Raw compression of nblocks consecutive 64/128-byte blocks into the chaining value h (big-endian
 * message words). ch_sha256_compress uses SHA-NI when the CPU has it; the _generic forms are the
 * portable code, exported so tests can check both paths. */
void ch_sha256_compress(uint32_t h[8], const uint8_t *blocks, size_t nblocks);
void ch_sha256_compress_generic(uint32_t h[8], const uint8_t *blocks, size_t nblocks);
/* Four independent compressions of one block each: h[k] absorbs blocks[k] (64 bytes), k < 4.
 * With SHA-NI the four are interleaved (about twice the throughput of four single calls); the
 * h[k] must not overlap. */
void ch_sha256_compress_x4(uint32_t *const h[4], const uint8_t *const blocks[4]);
void ch_sha512_compress(uint64_t h[8], const uint8_t *blocks, size_t nblocks);
/* Four independent SHA-512 compressions of one 128-byte block each (AVX2 when present). */
void ch_sha512_compress_x4(uint64_t *const h[4], const uint8_t *const blocks[4]);
/* 1 if ch_sha256_compress runs on SHA-NI on this machine. */
int ch_sha256_have_shani(void);

/* HMAC (FIPS 198-1). Any key length. _final writes the full tag and clears the context. */
struct ch_hmac_sha256 {
    struct ch_sha256 inner, outer;
};
struct ch_hmac_sha512 {
    struct ch_sha512 inner, outer;
};

void ch_hmac_sha256_init(struct ch_hmac_sha256 *c, const uint8_t *key, size_t keylen);
void ch_hmac_sha256_update(struct ch_hmac_sha256 *c, const uint8_t *in, size_t len);
void ch_hmac_sha256_final(struct ch_hmac_sha256 *c, uint8_t out[CH_SHA256_DIGEST_BYTES]);
void ch_hmac_sha256(uint8_t out[CH_SHA256_DIGEST_BYTES], const uint8_t *key, size_t keylen,
                    const uint8_t *in, size_t len);
void ch_hmac_sha256_clear(struct ch_hmac_sha256 *c);

void ch_hmac_sha512_init(struct ch_hmac_sha512 *c, const uint8_t *key, size_t keylen);
void ch_hmac_sha512_update(struct ch_hmac_sha512 *c, const uint8_t *in, size_t len);
void ch_hmac_sha512_final(struct ch_hmac_sha512 *c, uint8_t out[CH_SHA512_DIGEST_BYTES]);
void ch_hmac_sha512(uint8_t out[CH_SHA512_DIGEST_BYTES], const uint8_t *key, size_t keylen,
                    const uint8_t *in, size_t len);
void ch_hmac_sha512_clear(struct ch_hmac_sha512 *c);

/* MGF1 (RFC 8017 B.2.1): out = first outlen bytes of Hash(seed || I2OSP(0,4)) ||
 * Hash(seed || I2OSP(1,4)) || ...; outlen must be below 2^32 * hLen (always true here). */
void ch_mgf1_sha256(uint8_t *out, size_t outlen, const uint8_t *seed, size_t seedlen);
void ch_mgf1_sha512(uint8_t *out, size_t outlen, const uint8_t *seed, size_t seedlen);

#endif
