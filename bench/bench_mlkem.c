/* SPDX-License-Identifier: Apache-2.0 */
/* bench_mlkem: median and minimum cycles (rdtsc; nanoseconds on non-x86) and operations per
 * second of ML-KEM keygen, encaps and decaps for each FIPS 203 parameter set, straight on
 * src/pqc. rdtsc counts wall time, so on a loaded machine the minimum is the steadier figure;
 * ops/s is computed from the thread's CPU time, which time slicing does not inflate. Not a
 * test: it asserts nothing about time. Usage: bench_mlkem [ITERATIONS] (default 2000). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pqc/mlkem/mlkem.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define CYCLE_UNIT "cycles"
static uint64_t cycles(void)
{
    return __rdtsc();
}
#else
#define CYCLE_UNIT "ns"
static uint64_t cycles(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#endif

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

enum op { OP_KEYGEN, OP_ENCAPS, OP_DECAPS };
static const char *const op_name[] = {"keygen", "encaps", "decaps"};

static uint8_t ek[CH_MLKEM_MAX_EK_BYTES], dk[CH_MLKEM_MAX_DK_BYTES], ct[CH_MLKEM_MAX_CT_BYTES];
static uint8_t ss[CH_MLKEM_SS_BYTES];

static int run_once(enum ch_mlkem_param ps, enum op op, unsigned int i)
{
    uint8_t seed[64];
    for (size_t j = 0; j < sizeof seed; j++)
        seed[j] = (uint8_t)(j * 11u + i);
    switch (op) {
    case OP_KEYGEN:
        return ch_mlkem_keypair_from_seed(ps, ek, dk, seed);
    case OP_ENCAPS:
        return ch_mlkem_encaps_derand(ps, ct, ss, ek, ch_mlkem_ek_bytes(ps), seed);
    case OP_DECAPS:
        return ch_mlkem_decaps(ps, ss, ct, ch_mlkem_ct_bytes(ps), dk, ch_mlkem_dk_bytes(ps));
    }
    return -1;
}

static int measure(enum ch_mlkem_param ps, enum op op, unsigned int iters, uint64_t *c,
                   uint64_t *median, uint64_t *min, double *ops)
{
    for (unsigned int i = 0; i < 10; i++) /* warm-up */
        if (run_once(ps, op, i) != CH_PQC_OK)
            return -1;
    double t0 = cpu_now();
    for (unsigned int i = 0; i < iters; i++) {
        uint64_t s = cycles();
        if (run_once(ps, op, i) != CH_PQC_OK)
            return -1;
        c[i] = cycles() - s;
    }
    double t = cpu_now() - t0;
    qsort(c, iters, sizeof c[0], cmp_u64);
    *median = c[iters / 2];
    *min = c[0];
    *ops = t > 0 ? iters / t : 0;
    return 0;
}

int main(int argc, char **argv)
{
    static const enum ch_mlkem_param sets[] = {CH_MLKEM_512, CH_MLKEM_768, CH_MLKEM_1024};
    static const char *const names[] = {"ML-KEM-512", "ML-KEM-768", "ML-KEM-1024"};
    unsigned int iters = 2000;

    if (argc > 1) {
        long v = strtol(argv[1], NULL, 10);
        if (v < 1 || v > 1000000) {
            fprintf(stderr, "usage: %s [ITERATIONS 1..1000000]\n", argv[0]);
            return 2;
        }
        iters = (unsigned int)v;
    }
    uint64_t *c = malloc(iters * sizeof *c);
    if (c == NULL)
        return 1;
    printf("%-12s %-7s %14s %14s %12s\n", "set", "op", "median " CYCLE_UNIT, "min " CYCLE_UNIT,
           "ops/s (CPU)");
    for (size_t s = 0; s < 3; s++) {
        for (int op = OP_KEYGEN; op <= OP_DECAPS; op++) {
            uint64_t med, min;
            double ops;
            if (measure(sets[s], (enum op)op, iters, c, &med, &min, &ops) != 0) {
                fprintf(stderr, "%s %s failed\n", names[s], op_name[op]);
                free(c);
                return 1;
            }
            printf("%-12s %-7s %14llu %14llu %12.0f\n", names[s], op_name[op],
                   (unsigned long long)med, (unsigned long long)min, ops);
        }
    }
    free(c);
    return 0;
}
