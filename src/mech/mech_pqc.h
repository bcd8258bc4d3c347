/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/mech: what the three PQC families (mech_mldsa.c, mech_mlkem.c, mech_slhdsa.c)
 * share: the PKCS#11 3.2 signature-context parameters, the pre-hash of HashML-DSA /
 * HashSLH-DSA computed on the token, the mapping of src/pqc return codes, and the family
 * objects registered in mech_table.c. The shared functions are defined in mech_mldsa.c. */
#ifndef CH_MECH_PQC_H
#define CH_MECH_PQC_H

#include "mech/mech_internal.h"
#include "pqc/common/fips202.h"

struct ch_digest;

/* The parsed CK_SIGN_ADDITIONAL_CONTEXT / CK_HASH_SIGN_ADDITIONAL_CONTEXT (PKCS#11 3.2
 * §6.65). The context is copied (the caller's buffer may go away after C_SignInit). */
struct ch_mech_pqc_param {
    CK_HEDGE_TYPE hedge;              /* CKH_HEDGE_PREFERRED when no parameter was given */
    uint8_t ctx[255];
    size_t ctx_len;
    CK_MECHANISM_TYPE hash;           /* CK_HASH_SIGN_ADDITIONAL_CONTEXT.hash, else unavailable */
};

/* Parse m's parameter: with_hash selects CK_HASH_SIGN_ADDITIONAL_CONTEXT (then required),
 * otherwise CK_SIGN_ADDITIONAL_CONTEXT (optional). CKR_MECHANISM_PARAM_INVALID for a wrong
 * size, an unknown hedge variant (signing only: verification ignores it) or a context over
 * 255 bytes. */
CH_MUST_CHECK CK_RV ch_mech_pqc_param(const CK_MECHANISM *m, bool with_hash, bool sign,
                                      struct ch_mech_pqc_param *out);

/* The rnd / addrnd of a signature: n fresh DRBG bytes for the hedged variants, or false with
 * out zeroed for CKH_DETERMINISTIC_REQUIRED (*hedged says which). */
CH_MUST_CHECK CK_RV ch_mech_pqc_rnd(CK_HEDGE_TYPE hedge, uint8_t *out, size_t n, bool *hedged);

/* A pre-hash computed on the token for CKM_HASH_*_<hash>: SHA-2 and SHA-3 through src/crypto,
 * SHAKE128/256 (256/512-bit output, FIPS 204 §5.4 / FIPS 205 §10.2) through src/pqc. */
struct ch_mech_pqc_ph {
    CK_MECHANISM_TYPE hash; /* CKM_SHA224 ... CKM_SHA3_512 or CH_MECH_PQC_SHAKE128/256 */
    struct ch_digest *d;
    struct ch_keccak k;
    bool shake128, shake256;
    size_t len;
};
/* hash is the digest mechanism (CKM_SHA224 ... CKM_SHA3_512) or CH_MECH_PQC_SHAKE128/256.
 * CKR_MECHANISM_PARAM_INVALID for an unsupported hash. */
#define CH_MECH_PQC_SHAKE128 ((CK_MECHANISM_TYPE)0x80fff128UL) /* internal marker values */
#define CH_MECH_PQC_SHAKE256 ((CK_MECHANISM_TYPE)0x80fff256UL)
CH_MUST_CHECK CK_RV ch_mech_pqc_ph_init(struct ch_mech_pqc_ph *ph, CK_MECHANISM_TYPE hash);
CH_MUST_CHECK CK_RV ch_mech_pqc_ph_update(struct ch_mech_pqc_ph *ph, const uint8_t *in,
                                          size_t len);
/* Writes ph->len bytes (at most 64). */
CH_MUST_CHECK CK_RV ch_mech_pqc_ph_final(struct ch_mech_pqc_ph *ph, uint8_t *out);
void ch_mech_pqc_ph_clear(struct ch_mech_pqc_ph *ph);
/* Digest length of a hash mechanism accepted by ch_mech_pqc_ph_init, 0 if unsupported. */
size_t ch_mech_pqc_hash_len(CK_MECHANISM_TYPE hash);

/* src/pqc return code to CK_RV for signature operations. */
CK_RV ch_mech_pqc_rv(int rc);

extern const struct ch_mech_family ch_mech_family_mldsa;
extern const struct ch_mech_family ch_mech_family_mlkem;
extern const struct ch_mech_family ch_mech_family_slhdsa;

#endif
