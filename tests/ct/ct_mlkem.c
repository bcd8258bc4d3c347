/* SPDX-License-Identifier: Apache-2.0 */
/* Constant-time check of ML-KEM (tests/ct, run under valgrind by run_ct.sh): d, z, m and dk
 * are marked secret (undefined for memcheck); keygen, encaps and decaps (honest and modified
 * ciphertext) must then run without a branch or memory index depending on them. Values that
 * are public by design (ek, c, the outcome of the §7.3 hash check) are declassified inside
 * the library; results are declassified here only to check correctness. */
#include <stdio.h>
#include <string.h>

#include "pqc/mlkem/mlkem.h"
#include "util/ch_ct.h"

static int run(enum ch_mlkem_param ps, const char *name)
{
    uint8_t d[32], z[32], m[32];
    uint8_t ek[CH_MLKEM_MAX_EK_BYTES], dk[CH_MLKEM_MAX_DK_BYTES], c[CH_MLKEM_MAX_CT_BYTES];
    uint8_t k1[32], k2[32], k3[32];
    const size_t ekb = ch_mlkem_ek_bytes(ps), dkb = ch_mlkem_dk_bytes(ps);
    const size_t ctb = ch_mlkem_ct_bytes(ps);

    for (size_t i = 0; i < 32; i++) {
        d[i] = (uint8_t)(i * 7 + 1);
        z[i] = (uint8_t)(i * 13 + 5);
        m[i] = (uint8_t)(i * 29 + 3);
    }
    CH_CT_SECRET(d, sizeof d);
    CH_CT_SECRET(z, sizeof z);
    CH_CT_SECRET(m, sizeof m);

    if (ch_mlkem_keypair_derand(ps, ek, dk, d, z) != CH_PQC_OK)
        return 1;
    CH_CT_SECRET(dk, dkb); /* all of dk, as a token would hold it */
    if (ch_mlkem_encaps_derand(ps, c, k1, ek, ekb, m) != CH_PQC_OK)
        return 1;
    if (ch_mlkem_decaps(ps, k2, c, ctb, dk, dkb) != CH_PQC_OK)
        return 1;
    c[5] ^= 0x10; /* implicit rejection path */
    if (ch_mlkem_decaps(ps, k3, c, ctb, dk, dkb) != CH_PQC_OK)
        return 1;

    CH_CT_PUBLIC(k1, sizeof k1);
    CH_CT_PUBLIC(k2, sizeof k2);
    CH_CT_PUBLIC(k3, sizeof k3);
    if (memcmp(k1, k2, 32) != 0 || memcmp(k1, k3, 32) == 0) {
        fprintf(stderr, "%s: wrong shared secret\n", name);
        return 1;
    }
    printf("%s: ok\n", name);
    return 0;
}

int main(void)
{
    int bad = 0;
    bad |= run(CH_MLKEM_512, "ML-KEM-512");
    bad |= run(CH_MLKEM_768, "ML-KEM-768");
    bad |= run(CH_MLKEM_1024, "ML-KEM-1024");
    return bad;
}
