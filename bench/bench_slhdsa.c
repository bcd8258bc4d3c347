/* SPDX-License-Identifier: Apache-2.0 */
/* bench_slhdsa: median cycles (rdtsc) and operations per second of SLH-DSA keygen, sign
 * (deterministic, pure, empty context) and verify for every FIPS 205 parameter set, straight on
 * src/pqc. Cycles are rdtsc (wall clock, inflated when the cores are shared); ms and ops/s are
 * per-thread CPU time. Not a test: it asserts nothing about time. Usage:
 *   bench_slhdsa [--quick] [SET-NAME...]     e.g. bench_slhdsa SLH-DSA-SHA2-128s
 * --quick runs fewer iterations of the slow operations. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pqc/common/sha2.h"
#include "pqc/slhdsa/slhdsa.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
static uint64_t cycles(void)
{
    return __rdtsc();
}
#else
static uint64_t cycles(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#endif

/* CPU time of this thread: unlike rdtsc, not inflated when other processes share the cores. */
static double now(void)
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

#define MAX_ITERS 64

struct result {
    uint64_t median;   /* rdtsc cycles */
    double cpu;        /* median thread CPU seconds */
};

enum op { OP_KEYGEN, OP_SIGN, OP_VERIFY };

static uint8_t sig[CH_SLHDSA_MAX_SIG_BYTES];
static uint8_t sk[CH_SLHDSA_MAX_SK_BYTES], pk[CH_SLHDSA_MAX_PK_BYTES];
static const uint8_t msg[32] = "Craton HSM SLH-DSA benchmark!!!";

static int run_once(const struct ch_slhdsa_params *p, enum op op, unsigned int i)
{
    uint8_t seeds[3 * CH_SLHDSA_MAX_N];
    switch (op) {
    case OP_KEYGEN:
        for (size_t j = 0; j < sizeof seeds; j++)
            seeds[j] = (uint8_t)(j * 7u + i);
        return ch_slhdsa_keygen_internal(p, seeds, seeds + p->n, seeds + 2 * p->n, sk, pk);
    case OP_SIGN:
        return ch_slhdsa_sign(p, sig, sizeof sig, msg, sizeof msg, NULL, 0, sk, NULL);
    case OP_VERIFY:
        return ch_slhdsa_verify(p, msg, sizeof msg, sig, p->sig_bytes, NULL, 0, pk);
    }
    return -1;
}

static int measure(const struct ch_slhdsa_params *p, enum op op, unsigned int iters,
                   struct result *r)
{
    uint64_t c[MAX_ITERS], t[MAX_ITERS];
    for (unsigned int i = 0; i < iters; i++) {
        double t0 = now();
        uint64_t s = cycles();
        if (run_once(p, op, op == OP_KEYGEN ? i : 0) != CH_PQC_OK)
            return -1;
        c[i] = cycles() - s;
        t[i] = (uint64_t)((now() - t0) * 1e9);
    }
    qsort(c, iters, sizeof c[0], cmp_u64);
    qsort(t, iters, sizeof t[0], cmp_u64);
    r->median = c[iters / 2];
    r->cpu = (double)t[iters / 2] * 1e-9;
    return 0;
}

static int bench_set(const struct ch_slhdsa_params *p, bool quick)
{
    bool slow = p->name[strlen(p->name) - 1] == 's';
    unsigned int kg = slow ? (quick ? 1 : 3) : (quick ? 3 : 10);
    unsigned int sg = slow ? (quick ? 1 : 3) : (quick ? 3 : 10);
    unsigned int vf = quick ? 5 : 25;
    struct result rk, rs, rv;

    /* keygen leaves sk/pk of its last run for sign/verify */
    if (measure(p, OP_KEYGEN, kg, &rk) != 0 || measure(p, OP_SIGN, sg, &rs) != 0 ||
        measure(p, OP_VERIFY, vf, &rv) != 0) {
        fprintf(stderr, "%s: operation failed\n", p->name);
        return -1;
    }
    printf("%-19s keygen %11llu cyc %9.3f ms %8.1f/s | sign %11llu cyc %9.3f ms %7.2f/s | "
           "verify %9llu cyc %7.3f ms %8.1f/s\n",
           p->name, (unsigned long long)rk.median, rk.cpu * 1e3, 1.0 / rk.cpu,
           (unsigned long long)rs.median, rs.cpu * 1e3, 1.0 / rs.cpu,
           (unsigned long long)rv.median, rv.cpu * 1e3, 1.0 / rv.cpu);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    bool quick = false;
    int named = 0, rc = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else
            named++;
    }
    printf("SLH-DSA, medians: rdtsc cycles (wall), thread CPU ms, ops/s = 1 / CPU time; "
           "SHA-256 on %s\n",
           ch_sha256_have_shani() ? "SHA-NI" : "portable C");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            continue;
        const struct ch_slhdsa_params *p = ch_slhdsa_params_by_name(argv[i]);
        if (p == NULL) {
            fprintf(stderr, "unknown parameter set '%s'\n", argv[i]);
            return 2;
        }
        rc |= bench_set(p, quick);
    }
    if (named == 0) {
        for (int s = 0; s < CH_SLHDSA_SET_COUNT; s++)
            rc |= bench_set(ch_slhdsa_params_get((enum ch_slhdsa_set)s), quick);
    }
    return rc != 0;
}
