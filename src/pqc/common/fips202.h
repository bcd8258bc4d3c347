/* SPDX-License-Identifier: Apache-2.0 */
/* FIPS 202: Keccak-f[1600] (Algorithm 7, KECCAK-p[1600,24]), SHA3-256/512 and SHAKE128/256
 * with incremental absorb and squeeze, as ML-KEM (SampleNTT, PRF, J), ML-DSA (ExpandA, H, G)
 * and SLH-DSA's SHAKE parameter sets need them. Not constant-time concerns: the permutation
 * has no data-dependent branch or index. */
#ifndef CH_FIPS202_H
#define CH_FIPS202_H

#include <stddef.h>
#include <stdint.h>

#define CH_SHAKE128_RATE 168
#define CH_SHAKE256_RATE 136
#define CH_SHA3_256_RATE 136
#define CH_SHA3_512_RATE 72

/* Sponge state. Caller-owned; wipe with ch_keccak_clear when it held secrets.
 * Phase: absorbing until *_finalize, squeezing afterwards. */
struct ch_keccak {
    uint64_t s[25];
    unsigned int pos;   /* byte position inside the current block */
    unsigned int rate;  /* bytes */
};

/* Keccak-f[1600] on 25 lanes, in place. */
void ch_keccak_f1600(uint64_t s[25]);

void ch_shake128_init(struct ch_keccak *st);
void ch_shake128_absorb(struct ch_keccak *st, const uint8_t *in, size_t len);
void ch_shake128_finalize(struct ch_keccak *st);
void ch_shake128_squeeze(struct ch_keccak *st, uint8_t *out, size_t len);
/* Squeeze whole blocks (n * CH_SHAKE128_RATE bytes); only valid right after finalize or after
 * earlier whole-block squeezes. */
void ch_shake128_squeezeblocks(struct ch_keccak *st, uint8_t *out, size_t nblocks);

void ch_shake256_init(struct ch_keccak *st);
void ch_shake256_absorb(struct ch_keccak *st, const uint8_t *in, size_t len);
void ch_shake256_finalize(struct ch_keccak *st);
void ch_shake256_squeeze(struct ch_keccak *st, uint8_t *out, size_t len);
void ch_shake256_squeezeblocks(struct ch_keccak *st, uint8_t *out, size_t nblocks);

/* One-shot forms. */
void ch_shake128(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen);
void ch_shake256(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen);
void ch_sha3_256(uint8_t out[32], const uint8_t *in, size_t inlen);
void ch_sha3_512(uint8_t out[64], const uint8_t *in, size_t inlen);

/* Incremental SHA3-256/512 (for hashing scattered inputs without copies). */
void ch_sha3_256_init(struct ch_keccak *st);
void ch_sha3_512_init(struct ch_keccak *st);
void ch_sha3_absorb(struct ch_keccak *st, const uint8_t *in, size_t len);
/* Pads with the SHA-3 domain bits and writes the digest (32 or 64 bytes by the init used). */
void ch_sha3_256_final(struct ch_keccak *st, uint8_t out[32]);
void ch_sha3_512_final(struct ch_keccak *st, uint8_t out[64]);

void ch_keccak_clear(struct ch_keccak *st);

/* ---- Four sponges side by side ----------------------------------------------------------
 * For the many independent short-seed XOF/PRF calls of ML-KEM (SampleNTT, SamplePolyCBD) and
 * similar. Lane i (= x + 5y) of state j is s[i][j]. With AVX2 (checked at run time) the four
 * permutations share each 256-bit register; otherwise they run one after the other. Same
 * constant-time property as the single sponge. Convention: absorb_once pads but does not
 * permute; each squeezed block is preceded by one permutation. */
struct ch_keccak_x4 {
    uint64_t s[25][4];
    unsigned int rate;
};

/* Keccak-f[1600] on four interleaved states, in place. */
void ch_keccak_f1600x4(uint64_t s[25][4]);
/* The fallback without AVX2 (four ch_keccak_f1600 calls); exported so the unit test covers it
 * on machines that have AVX2. */
void ch_keccak_f1600x4_portable(uint64_t s[25][4]);
/* Init, absorb in[j][0 .. inlen) into state j (all four inputs have the same length), and pad
 * with the SHAKE domain bits. */
void ch_shake128x4_absorb_once(struct ch_keccak_x4 *st, const uint8_t *const in[4], size_t inlen);
void ch_shake256x4_absorb_once(struct ch_keccak_x4 *st, const uint8_t *const in[4], size_t inlen);
/* Domain-separation bytes of FIPS 202 §6 (suffix bits plus the first padding bit). */
#define CH_KECCAK_DS_SHA3 0x06
#define CH_KECCAK_DS_SHAKE 0x1F
/* The general form: lane j absorbs inlen[j] bytes of in[j] (lengths may differ) and is padded
 * with the domain byte ds[j], so a SHA3-256 and a SHAKE256 (both rate 136) can share one call.
 * An idle lane may have in[j] == NULL and inlen[j] == 0. The SHA3 digest is the first 32 or 64
 * bytes of that lane's first squeezed block. */
void ch_keccakx4_absorb_once(struct ch_keccak_x4 *st, unsigned int rate, const uint8_t *const in[4],
                             const size_t inlen[4], const uint8_t ds[4]);
/* Squeeze nblocks whole blocks (nblocks * rate bytes) of each stream into out[j]; a NULL
 * out[j] drops that stream's output. */
void ch_keccakx4_squeezeblocks(struct ch_keccak_x4 *st, uint8_t *const out[4], size_t nblocks);
void ch_keccakx4_clear(struct ch_keccak_x4 *st);

#endif
