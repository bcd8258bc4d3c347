/* SPDX-License-Identifier: Apache-2.0 */
/* bench_mldsa: median and minimum cycles (rdtsc; nanoseconds elsewhere; the minimum is what a
 * quiet machine gives for the fastest case) and operations per second of ML-DSA keygen, sign
 * (expanded key, 32-byte seed, prepared key) and verify for each FIPS 204 parameter set,
 * straight on src/pqc. Signing uses a different message each iteration, so the median covers
 * the spread of rejection-loop iterations. Not a test: it asserts nothing about time.
 * Usage: bench_mldsa [ITERATIONS] (default 1000). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pqc/mldsa/mldsa.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define UNIT "cycles"
static uint64_t ticks(void)
{
    return __rdtsc();
}
#else
#define UNIT "ns"
static uint64_t ticks(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#endif

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

enum op { KEYGEN, SIGN, SIGN_SEED, SIGN_PREPARED, VERIFY };
static const char *const op_names[] = {"keygen", "sign", "sign(seed)", "sign(prep)", "verify"};

static uint8_t seed[CH_MLDSA_SEED_BYTES], pk[CH_MLDSA_PK_MAX_BYTES], sk[CH_MLDSA_SK_MAX_BYTES];
static uint8_t sig[CH_MLDSA_SIG_MAX_BYTES], msg[64];
static const uint8_t rnd[CH_MLDSA_RND_BYTES];
static struct ch_mldsa_prepared prepared;

static int once(enum ch_mldsa_set set, enum op op, unsigned int i)
{
    msg[0] = (uint8_t)i;
    msg[1] = (uint8_t)(i >> 8);
    switch (op) {
    case KEYGEN:
        seed[0] = (uint8_t)i;
        return ch_mldsa_keypair_derand(set, pk, sk, seed);
    case SIGN:
        return ch_mldsa_sign_derand(set, sig, msg, sizeof msg, NULL, 0, rnd, sk,
                                    ch_mldsa_sk_bytes(set));
    case SIGN_SEED:
        return ch_mldsa_sign_derand(set, sig, msg, sizeof msg, NULL, 0, rnd, seed, sizeof seed);
    case SIGN_PREPARED:
        return ch_mldsa_prepared_sign_derand(&prepared, sig, msg, sizeof msg, NULL, 0, rnd);
    case VERIFY:
        msg[0] = msg[1] = 0; /* the message signed in setup */
        return ch_mldsa_verify(set, sig, ch_mldsa_sig_bytes(set), msg, sizeof msg, NULL, 0, pk,
                               ch_mldsa_pk_bytes(set));
    }
    return -1;
}

static int measure(enum ch_mldsa_set set, enum op op, unsigned int n, uint64_t *t,
                   uint64_t *median, uint64_t *min, double *per_s)
{
    if (op == VERIFY && once(set, SIGN, 0) != CH_PQC_OK) /* the signature to verify */
        return -1;
    for (unsigned int i = 0; i < 5; i++)
        if (once(set, op, i) != CH_PQC_OK)
            return -1;
    double start = seconds();
    for (unsigned int i = 0; i < n; i++) {
        uint64_t s = ticks();
        if (once(set, op, i) != CH_PQC_OK)
            return -1;
        t[i] = ticks() - s;
    }
    double elapsed = seconds() - start;
    qsort(t, n, sizeof t[0], by_value);
    *median = t[n / 2];
    *min = t[0];
    *per_s = elapsed > 0 ? n / elapsed : 0;
    return 0;
}

int main(int argc, char **argv)
{
    static const enum ch_mldsa_set sets[] = {CH_MLDSA_44, CH_MLDSA_65, CH_MLDSA_87};
    unsigned int n = argc > 1 ? (unsigned int)strtoul(argv[1], NULL, 10) : 1000;
    if (n == 0)
        n = 1;
    uint64_t *t = malloc(n * sizeof *t);
    if (t == NULL)
        return 1;
    memset(seed, 0x42, sizeof seed);
    memset(msg, 0x17, sizeof msg);
    printf("%-10s %-10s %14s %12s %12s\n", "set", "operation", "median " UNIT, "min", "ops/s");
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        seed[0] = 0;
        if (ch_mldsa_keypair_derand(sets[s], pk, sk, seed) != CH_PQC_OK)
            return 1;
        for (enum op op = KEYGEN; op <= VERIFY; op++) {
            uint64_t med, min;
            double per_s;
            if (op == SIGN) { /* keygen's loop left another key behind */
                seed[0] = 0;
                if (ch_mldsa_keypair_derand(sets[s], pk, sk, seed) != CH_PQC_OK)
                    return 1;
            }
            if (op == SIGN_PREPARED &&
                ch_mldsa_prepare(sets[s], &prepared, sk, ch_mldsa_sk_bytes(sets[s])) != CH_PQC_OK)
                return 1;
            if (measure(sets[s], op, n, t, &med, &min, &per_s) != 0) {
                fprintf(stderr, "ML-DSA-%d %s failed\n", (int)sets[s], op_names[op]);
                return 1;
            }
            printf("ML-DSA-%-3d %-10s %14llu %12llu %12.0f\n", (int)sets[s], op_names[op],
                   (unsigned long long)med, (unsigned long long)min, per_s);
        }
    }
    free(t);
    return 0;
}
