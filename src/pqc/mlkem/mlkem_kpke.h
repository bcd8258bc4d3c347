/* SPDX-License-Identifier: Apache-2.0 */
/* K-PKE, the CPA-secure encryption scheme inside ML-KEM (FIPS 203 §5), private to
 * src/pqc/mlkem. Inputs are assumed well-formed (lengths fixed by the parameter set; the
 * §7.2/§7.3 checks are done by mlkem_kem.c). All three run in constant time with respect to
 * d, m, r and dk_pke. */
#ifndef CH_MLKEM_KPKE_H
#define CH_MLKEM_KPKE_H

#include <stdint.h>

#include "pqc/mlkem/mlkem_params.h"

/* Alg. 13: ek_pke (384k + 32 bytes), dk_pke (384k bytes) from the 32-byte seed d. */
void ch_mlkem_kpke_keygen(const struct ch_mlkem_params *p, uint8_t *ek_pke, uint8_t *dk_pke,
                          const uint8_t d[32]);
/* Alg. 14: c (ct_bytes) = Encrypt(ek_pke, m, r). ek_pke must have passed the modulus check. */
void ch_mlkem_kpke_encrypt(const struct ch_mlkem_params *p, uint8_t *c, const uint8_t *ek_pke,
                           const uint8_t m[32], const uint8_t r[32]);
/* Alg. 15: m = Decrypt(dk_pke, c). */
void ch_mlkem_kpke_decrypt(const struct ch_mlkem_params *p, uint8_t m[32],
                           const uint8_t *dk_pke, const uint8_t *c);

#endif
