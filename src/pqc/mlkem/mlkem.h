/* SPDX-License-Identifier: Apache-2.0 */
/* ML-KEM (FIPS 203): the public interface of src/pqc/mlkem, used by src/mech, src/fips and the
 * ACVP harness. Pure computation: no PKCS#11 types, no OpenSSL, no allocation, no randomness
 * source (d, z and m are arguments; the caller draws them from the DRBG).
 *
 * Conventions:
 *  - The parameter set is an argument (enum ch_mlkem_param: CH_MLKEM_512/768/1024); an unknown
 *    value gives CH_PQC_ERR_INPUT.
 *  - Byte-string inputs of variable provenance (ek, dk, c) come with their length, which is
 *    checked (FIPS 203 §7.2/§7.3 "type checks"); outputs must have room for the sizes of the
 *    set: ch_mlkem_ek_bytes()/dk_bytes()/ct_bytes(), or the CH_MLKEM<n>_*_BYTES constants of
 *    mlkem_params.h. The shared secret is always CH_MLKEM_SS_BYTES (32).
 *  - Returns CH_PQC_OK or a negative CH_PQC_ERR_* (pqc.h). On an error no output is written,
 *    except K, which is zeroed.
 *  - Constant time in every secret (d, z, m, dk, K and the intermediates derived from them);
 *    secret intermediates are wiped before returning. */
#ifndef CH_MLKEM_H
#define CH_MLKEM_H

#include <stddef.h>
#include <stdint.h>

#include "pqc/common/pqc.h"
#include "pqc/mlkem/mlkem_params.h"

/* Sizes for `ps` in bytes; 0 for an unknown set. */
size_t ch_mlkem_ek_bytes(enum ch_mlkem_param ps);
size_t ch_mlkem_dk_bytes(enum ch_mlkem_param ps);
size_t ch_mlkem_ct_bytes(enum ch_mlkem_param ps);

/* ML-KEM.KeyGen_internal (Alg. 16): ek and dk = dk_pke || ek || H(ek) || z from the 32-byte
 * seeds d and z. Fails only for an unknown `ps`. ek is marked public for the CT checker. */
CH_PQC_MUST_CHECK int ch_mlkem_keypair_derand(enum ch_mlkem_param ps, uint8_t *ek, uint8_t *dk,
                                              const uint8_t d[CH_MLKEM_SYM_BYTES],
                                              const uint8_t z[CH_MLKEM_SYM_BYTES]);

/* The same from the 64-byte seed form d || z (PKCS#11 3.2 CKA_SEED; d first): expands a
 * stored seed into (ek, dk). */
CH_PQC_MUST_CHECK int ch_mlkem_keypair_from_seed(enum ch_mlkem_param ps, uint8_t *ek,
                                                 uint8_t *dk,
                                                 const uint8_t seed[CH_MLKEM_SEED_BYTES]);

/* ML-KEM.Encaps_internal (Alg. 17) after the §7.2 input checks (Alg. 20): ek_len must be
 * 384k + 32 and every coefficient of ek < q, else CH_PQC_ERR_INPUT. Writes c (ct_bytes) and
 * the shared secret K. m is the 32 random bytes of Alg. 20 step 1. */
CH_PQC_MUST_CHECK int ch_mlkem_encaps_derand(enum ch_mlkem_param ps, uint8_t *c,
                                             uint8_t k_out[CH_MLKEM_SS_BYTES],
                                             const uint8_t *ek, size_t ek_len,
                                             const uint8_t m[CH_MLKEM_SYM_BYTES]);

/* ML-KEM.Decaps (Alg. 21 = §7.3 checks + Decaps_internal, Alg. 18). The checks (c_len, dk_len,
 * H(ek) stored in dk equals the hash of the ek stored in dk) fail with CH_PQC_ERR_INPUT. A
 * well-formed but wrong ciphertext is not an error: K is then the implicit-rejection key
 * J(z || c), selected without any secret-dependent branch. */
CH_PQC_MUST_CHECK int ch_mlkem_decaps(enum ch_mlkem_param ps, uint8_t k_out[CH_MLKEM_SS_BYTES],
                                      const uint8_t *c, size_t c_len, const uint8_t *dk,
                                      size_t dk_len);

/* The input checks alone, for key import (C_CreateObject / C_UnwrapKey): §7.2 for an
 * encapsulation key (length + modulus check) and §7.3 for a decapsulation key (length + hash
 * check). CH_PQC_OK or CH_PQC_ERR_INPUT. */
CH_PQC_MUST_CHECK int ch_mlkem_check_ek(enum ch_mlkem_param ps, const uint8_t *ek,
                                        size_t ek_len);
CH_PQC_MUST_CHECK int ch_mlkem_check_dk(enum ch_mlkem_param ps, const uint8_t *dk,
                                        size_t dk_len);

#endif
