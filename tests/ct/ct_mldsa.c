/* SPDX-License-Identifier: Apache-2.0 */
/* Constant-time check of ML-DSA (tests/ct, run under valgrind by run_ct.sh): xi, the expanded
 * private key and rnd are marked secret (undefined for memcheck); key generation and signing
 * (pure, pre-hash, external mu, from sk, from xi and from a prepared key, deterministic and
 * hedged) must then run without a branch or memory index depending on them. What FIPS 204 lets leak is declassified
 * inside the library, each at one place: rho, t1 and tr (public key material), the one-bit
 * rejection decisions and each attempt's ctilde, the accepted signature, the validity bit of
 * an imported sk, and the accept bit of each half-byte in RejBoundedPoly. Results are
 * declassified here only to check them with the (public) verifier. */
#include <stdio.h>
#include <string.h>

#include "pqc/mldsa/mldsa.h"
#include "util/ch_ct.h"

static int check(enum ch_mldsa_set set, const char *name, const char *what, int rv,
                 const uint8_t *sig, const uint8_t *m, size_t mlen, const uint8_t *pk)
{
    CH_CT_PUBLIC(&rv, sizeof rv);
    if (rv != CH_PQC_OK) {
        fprintf(stderr, "%s: %s failed (%d)\n", name, what, rv);
        return 1;
    }
    CH_CT_PUBLIC(sig, ch_mldsa_sig_bytes(set));
    if (m != NULL && ch_mldsa_verify(set, sig, ch_mldsa_sig_bytes(set), m, mlen, NULL, 0, pk,
                                     ch_mldsa_pk_bytes(set)) != CH_PQC_OK) {
        fprintf(stderr, "%s: %s: signature does not verify\n", name, what);
        return 1;
    }
    return 0;
}

static struct ch_mldsa_prepared prepared;

static int run(enum ch_mldsa_set set, const char *name)
{
    uint8_t seed[CH_MLDSA_SEED_BYTES], rnd[CH_MLDSA_RND_BYTES], zero[CH_MLDSA_RND_BYTES] = {0};
    uint8_t pk[CH_MLDSA_PK_MAX_BYTES], sk[CH_MLDSA_SK_MAX_BYTES], sig[CH_MLDSA_SIG_MAX_BYTES];
    uint8_t msg[33], digest[32], mu[CH_MLDSA_MU_BYTES];
    const size_t skb = ch_mldsa_sk_bytes(set);
    int bad = 0;

    for (size_t i = 0; i < sizeof seed; i++) {
        seed[i] = (uint8_t)(i * 7 + (unsigned)set);
        rnd[i] = (uint8_t)(i * 13 + 5);
        digest[i] = (uint8_t)(i * 3);
    }
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 29 + 3);
    for (size_t i = 0; i < sizeof mu; i++)
        mu[i] = (uint8_t)(i * 17 + 1);

    CH_CT_SECRET(seed, sizeof seed);
    if (ch_mldsa_keypair_derand(set, pk, sk, seed) != CH_PQC_OK)
        return 1;
    CH_CT_SECRET(sk, skb); /* all of sk, as a token would hold it */
    CH_CT_SECRET(rnd, sizeof rnd);

    int rv = ch_mldsa_sign_derand(set, sig, msg, sizeof msg, NULL, 0, zero, sk, skb);
    bad |= check(set, name, "deterministic sign", rv, sig, msg, sizeof msg, pk);
    rv = ch_mldsa_sign_derand(set, sig, msg, sizeof msg, NULL, 0, rnd, sk, skb);
    bad |= check(set, name, "hedged sign", rv, sig, msg, sizeof msg, pk);
    rv = ch_mldsa_sign_derand(set, sig, msg, sizeof msg, NULL, 0, rnd, seed, sizeof seed);
    bad |= check(set, name, "sign from seed", rv, sig, msg, sizeof msg, pk);
    rv = ch_mldsa_hash_sign_derand(set, sig, CH_MLDSA_PH_SHA2_256, digest, sizeof digest, NULL,
                                   0, rnd, sk, skb);
    bad |= check(set, name, "HashML-DSA sign", rv, sig, NULL, 0, pk);
    rv = ch_mldsa_sign_mu_derand(set, sig, mu, rnd, sk, skb);
    bad |= check(set, name, "external-mu sign", rv, sig, NULL, 0, pk);
    rv = ch_mldsa_prepare(set, &prepared, sk, skb);
    if (rv == CH_PQC_OK)
        rv = ch_mldsa_prepared_sign_derand(&prepared, sig, msg, sizeof msg, NULL, 0, rnd);
    bad |= check(set, name, "prepared-key sign", rv, sig, msg, sizeof msg, pk);
    ch_mldsa_prepared_clear(&prepared);
    if (!bad)
        printf("%s: ok\n", name);
    return bad;
}

int main(void)
{
    int bad = 0;
    bad |= run(CH_MLDSA_44, "ML-DSA-44");
    bad |= run(CH_MLDSA_65, "ML-DSA-65");
    bad |= run(CH_MLDSA_87, "ML-DSA-87");
    return bad;
}
