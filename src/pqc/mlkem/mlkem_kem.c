/* SPDX-License-Identifier: Apache-2.0 */
/* ML-KEM key generation, encapsulation and decapsulation (FIPS 203 §6 Alg. 16-18 and the §7
 * checking wrappers Alg. 19-21 minus their randomness, which the caller supplies). Implicit
 * rejection in decapsulation is a constant-time compare and conditional move. src/pqc layer:
 * see mlkem.h for the contract. */
#include "pqc/mlkem/mlkem.h"

#include <string.h>

#include "pqc/common/fips202.h"
#include "pqc/mlkem/mlkem_kpke.h"
#include "pqc/mlkem/mlkem_poly.h"
#include "util/ch_ct.h"
#include "util/ch_wipe.h"

size_t ch_mlkem_ek_bytes(enum ch_mlkem_param ps)
{
    const struct ch_mlkem_params *p = ch_mlkem_params_get(ps);
    return p ? p->ek_bytes : 0;
}

size_t ch_mlkem_dk_bytes(enum ch_mlkem_param ps)
{
    const struct ch_mlkem_params *p = ch_mlkem_params_get(ps);
    return p ? p->dk_bytes : 0;
}

size_t ch_mlkem_ct_bytes(enum ch_mlkem_param ps)
{
    const struct ch_mlkem_params *p = ch_mlkem_params_get(ps);
    return p ? p->ct_bytes : 0;
}

/* Alg. 16: dk = dk_pke || ek || H(ek) || z. */
int ch_mlkem_keypair_derand(enum ch_mlkem_param ps, uint8_t *ek, uint8_t *dk,
                            const uint8_t d[CH_MLKEM_SYM_BYTES],
                            const uint8_t z[CH_MLKEM_SYM_BYTES])
{
    const struct ch_mlkem_params *p = ch_mlkem_params_get(ps);

    if (p == NULL)
        return CH_PQC_ERR_INPUT;
    ch_mlkem_kpke_keygen(p, ek, dk, d);
    memcpy(dk + p->pke_dk_bytes, ek, p->ek_bytes);
    ch_sha3_256(dk + p->pke_dk_bytes + p->ek_bytes, ek, p->ek_bytes);
    memcpy(dk + p->pke_dk_bytes + p->ek_bytes + 32, z, 32);
    /* The secret parts of dk: s_hat and z (ek and H(ek) inside it are public). */
    CH_CT_SECRET(dk, p->pke_dk_bytes);
    CH_CT_SECRET(dk + p->pke_dk_bytes + p->ek_bytes + 32, 32);
    return CH_PQC_OK;
}

int ch_mlkem_keypair_from_seed(enum ch_mlkem_param ps, uint8_t *ek, uint8_t *dk,
                               const uint8_t seed[CH_MLKEM_SEED_BYTES])
{
    return ch_mlkem_keypair_derand(ps, ek, dk, seed, seed + CH_MLKEM_SYM_BYTES);
}

static int check_ek(const struct ch_mlkem_params *p, const uint8_t *ek, size_t ek_len)
{
    if (p == NULL || ek == NULL || ek_len != p->ek_bytes)
        return CH_PQC_ERR_INPUT;                    /* §7.2 step 1: type check */
    if (ch_mlkem_polyvec_check_modulus(ek, p->k) != 0)
        return CH_PQC_ERR_INPUT;                    /* §7.2 step 2: modulus check */
    return CH_PQC_OK;
}

/* §7.3 steps 2-3 (the ciphertext length is the caller's step 1). The hash check compares
 * public-derived data (the ek inside dk and its stored hash), so its outcome is declassified:
 * a dk either is consistent or is not, whatever its secret half. */
static int check_dk(const struct ch_mlkem_params *p, const uint8_t *dk, size_t dk_len)
{
    uint8_t h[32];
    int ok;

    if (p == NULL || dk == NULL || dk_len != p->dk_bytes)
        return CH_PQC_ERR_INPUT;
    ch_sha3_256(h, dk + p->pke_dk_bytes, p->ek_bytes);
    ok = ch_ct_eq(h, dk + p->pke_dk_bytes + p->ek_bytes, 32);
    CH_CT_PUBLIC(&ok, sizeof ok);
    return ok ? CH_PQC_OK : CH_PQC_ERR_INPUT;
}

int ch_mlkem_check_ek(enum ch_mlkem_param ps, const uint8_t *ek, size_t ek_len)
{
    return check_ek(ch_mlkem_params_get(ps), ek, ek_len);
}

int ch_mlkem_check_dk(enum ch_mlkem_param ps, const uint8_t *dk, size_t dk_len)
{
    return check_dk(ch_mlkem_params_get(ps), dk, dk_len);
}

/* Alg. 17 behind the Alg. 20 checks. */
int ch_mlkem_encaps_derand(enum ch_mlkem_param ps, uint8_t *c, uint8_t k_out[CH_MLKEM_SS_BYTES],
                           const uint8_t *ek, size_t ek_len,
                           const uint8_t m[CH_MLKEM_SYM_BYTES])
{
    const struct ch_mlkem_params *p = ch_mlkem_params_get(ps);
    uint8_t in[64]; /* m || H(ek) */
    uint8_t kr[64]; /* K || r */
    int rv = check_ek(p, ek, ek_len);

    if (rv != CH_PQC_OK) {
        ch_wipe(k_out, CH_MLKEM_SS_BYTES);
        return rv;
    }
    /* Step 1: (K, r) = G(m || H(ek)). */
    memcpy(in, m, 32);
    ch_sha3_256(in + 32, ek, p->ek_bytes);
    ch_sha3_512(kr, in, sizeof in);
    /* Step 2: c = K-PKE.Encrypt(ek, m, r). */
    ch_mlkem_kpke_encrypt(p, c, ek, m, kr + 32);
    CH_CT_PUBLIC(c, p->ct_bytes);
    memcpy(k_out, kr, CH_MLKEM_SS_BYTES);
    CH_CT_SECRET(k_out, CH_MLKEM_SS_BYTES);

    ch_wipe(in, sizeof in);
    ch_wipe(kr, sizeof kr);
    return CH_PQC_OK;
}

/* Alg. 18 behind the Alg. 21 checks. The comparison c == c' and the choice between K' and
 * K_bar are a mask and a conditional move: nothing branches on whether c was honest. The
 * §7.3 hash check H(ek) and step 7's J(z || c) are independent and both have rate 136, so
 * they share one four-way Keccak (lanes 0 and 1). */
int ch_mlkem_decaps(enum ch_mlkem_param ps, uint8_t k_out[CH_MLKEM_SS_BYTES], const uint8_t *c,
                    size_t c_len, const uint8_t *dk, size_t dk_len)
{
    const struct ch_mlkem_params *p = ch_mlkem_params_get(ps);
    uint8_t cmp[CH_MLKEM_MAX_CT_BYTES];
    uint8_t zc[32 + CH_MLKEM_MAX_CT_BYTES]; /* z || c, the input of J */
    uint8_t hblk[CH_SHAKE256_RATE], jblk[CH_SHAKE256_RATE];
    uint8_t in[64]; /* m' || h */
    uint8_t kr[64]; /* K' || r' */
    struct ch_keccak_x4 st;
    int rv = CH_PQC_OK;

    /* §7.3 steps 1-2: ciphertext and decapsulation key type checks. */
    if (p == NULL || c == NULL || c_len != p->ct_bytes || dk == NULL || dk_len != p->dk_bytes) {
        ch_wipe(k_out, CH_MLKEM_SS_BYTES);
        return CH_PQC_ERR_INPUT;
    }
    const uint8_t *dk_pke = dk;
    const uint8_t *ek_pke = dk + p->pke_dk_bytes;
    const uint8_t *h = ek_pke + p->ek_bytes;
    const uint8_t *z = h + 32;

    /* §7.3 step 3 (H(ek) == h) and Alg. 18 step 7 (K_bar = J(z || c) = SHAKE256(z || c, 256)). */
    memcpy(zc, z, 32);
    memcpy(zc + 32, c, p->ct_bytes);
    {
        const uint8_t *const ins[4] = {ek_pke, zc, NULL, NULL};
        const size_t lens[4] = {p->ek_bytes, 32 + p->ct_bytes, 0, 0};
        const uint8_t ds[4] = {CH_KECCAK_DS_SHA3, CH_KECCAK_DS_SHAKE, CH_KECCAK_DS_SHAKE,
                               CH_KECCAK_DS_SHAKE};
        uint8_t *const outs[4] = {hblk, jblk, NULL, NULL};
        ch_keccakx4_absorb_once(&st, CH_SHAKE256_RATE, ins, lens, ds);
        ch_keccakx4_squeezeblocks(&st, outs, 1);
    }
    int ok = ch_ct_eq(hblk, h, 32);
    CH_CT_PUBLIC(&ok, sizeof ok); /* see check_dk: the outcome is not secret */
    if (!ok) {
        ch_wipe(k_out, CH_MLKEM_SS_BYTES);
        rv = CH_PQC_ERR_INPUT;
        goto out;
    }

    /* Step 5: m' = K-PKE.Decrypt(dk_pke, c). */
    ch_mlkem_kpke_decrypt(p, in, dk_pke, c);
    /* Step 6: (K', r') = G(m' || h). */
    memcpy(in + 32, h, 32);
    ch_sha3_512(kr, in, sizeof in);
    /* Step 8: c' = K-PKE.Encrypt(ek_pke, m', r'). */
    ch_mlkem_kpke_encrypt(p, cmp, ek_pke, in, kr + 32);
    /* Steps 9-11: K = (c == c') ? K' : K_bar, in constant time. */
    uint8_t eq = ch_ct_eq_mask(c, cmp, p->ct_bytes);
    memcpy(k_out, jblk, CH_MLKEM_SS_BYTES);
    ch_ct_cmov(k_out, kr, CH_MLKEM_SS_BYTES, eq);
    CH_CT_SECRET(k_out, CH_MLKEM_SS_BYTES);
    ch_wipe(&eq, sizeof eq);
out:
    ch_wipe(cmp, sizeof cmp);
    ch_wipe(zc, sizeof zc);
    ch_wipe(jblk, sizeof jblk);
    ch_wipe(in, sizeof in);
    ch_wipe(kr, sizeof kr);
    ch_keccakx4_clear(&st);
    return rv;
}
