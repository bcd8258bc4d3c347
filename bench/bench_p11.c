/* SPDX-License-Identifier: Apache-2.0 */
/* craton-hsm-bench (bench/, a developer tool, never shipped): ops/s of PKCS#11 operations through
 * our module and SoftHSMv2, both loaded by path with dlopen into this one process, next to the
 * same operation done with raw OpenSSL EVP in-process as the ceiling; 1 and 2 threads (one
 * session per thread), the three engines run back to back per row to share the machine's noise.
 * No timing is ever asserted: the program reports, it does not judge (except the summary). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_p11.h"

#ifndef BP_DEFAULT_MODULE
#define BP_DEFAULT_MODULE "libcraton_hsm.so"
#endif
#define BP_DEFAULT_SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"

#define N_ENG 3 /* craton, softhsm, openssl */
#define MAX_THREADS 8

enum { E_CRATON, E_SOFTHSM, E_OPENSSL };
static const char *const eng_names[N_ENG] = {"craton", "softhsm", "openssl"};

double bp_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- options ------------------------------------------------------------------------------ */

struct opts {
    double seconds;
    unsigned rounds;
    bool quick, json, no_softhsm, no_openssl;
    const char *module, *softhsm, *rows, *craton_conf;
    unsigned threads[MAX_THREADS];
    unsigned nthreads;
    bool find_token;
    bool cpu_clock; /* ops per second of the worker threads' own CPU time instead of wall time */
};

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: craton-hsm-bench [options]\n"
            "  --seconds S        wall time of each cell (default 1; --quick: 0.2)\n"
            "  --rounds N         split each cell into N slices, the engines and thread counts\n"
            "                     interleaved slice by slice; the median slice is reported,\n"
            "                     the scaling ratio is the median of the per-slice ratios\n"
            "                     (default 1)\n"
            "  --threads LIST     thread counts, e.g. 1,2 (default 1,2)\n"
            "  --rows LIST        only rows whose name contains one of these comma-separated\n"
            "                     substrings (e.g. ecdsa,find)\n"
            "  --module PATH      our module (default: the built libcraton_hsm.so)\n"
            "  --softhsm PATH     SoftHSMv2 module (default " BP_DEFAULT_SOFTHSM ")\n"
            "  --no-softhsm       measure our module and OpenSSL only\n"
            "  --no-openssl       leave out the OpenSSL ceiling (e.g. to profile a module)\n"
            "  --craton-conf TEXT append TEXT to our module's generated configuration file,\n"
            "                     e.g. $'[audit]\\nenabled = false\\n'\n"
            "  --clock wall|cpu   ops per wall-clock second (default), or per second of CPU time\n"
            "                     of the worker threads (steadier on a loaded machine; blocking\n"
            "                     time such as fsync does not count)\n"
            "  --find-objects session|token\n"
            "                     kind of the objects the find rows search (default session)\n"
            "  --quick            smoke run: short cells, find rows over 100/1,000 objects\n"
            "  --json             machine-readable output on stdout\n");
}

static int parse_threads(struct opts *o, const char *s)
{
    o->nthreads = 0;
    char *copy = strdup(s), *save = NULL;
    if (copy == NULL)
        return -1;
    for (char *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        long v = strtol(tok, NULL, 10);
        if (v < 1 || v > 64 || o->nthreads == MAX_THREADS) {
            free(copy);
            return -1;
        }
        o->threads[o->nthreads++] = (unsigned)v;
    }
    free(copy);
    return o->nthreads > 0 ? 0 : -1;
}

static int parse_opts(struct opts *o, int argc, char **argv)
{
    const char *env = getenv("CRATON_HSM_MODULE");
    bool have_seconds = false;
    *o = (struct opts){.seconds = 1.0, .rounds = 1, .module = env ? env : BP_DEFAULT_MODULE,
                       .softhsm = BP_DEFAULT_SOFTHSM, .threads = {1, 2}, .nthreads = 2};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDV()                                                                              \
    do {                                                                                     \
        if (v == NULL) {                                                                     \
            fprintf(stderr, "craton-hsm-bench: %s needs a value\n", a);                      \
            return -1;                                                                       \
        }                                                                                    \
        i++;                                                                                 \
    } while (0)
        if (strcmp(a, "--seconds") == 0) {
            NEEDV();
            o->seconds = strtod(v, NULL);
            have_seconds = true;
            if (!(o->seconds > 0 && o->seconds < 3600)) {
                fprintf(stderr, "craton-hsm-bench: bad --seconds %s\n", v);
                return -1;
            }
        } else if (strcmp(a, "--rounds") == 0) {
            NEEDV();
            long r = strtol(v, NULL, 10);
            if (r < 1 || r > 100)
                return fprintf(stderr, "craton-hsm-bench: bad --rounds %s\n", v), -1;
            o->rounds = (unsigned)r;
        } else if (strcmp(a, "--threads") == 0) {
            NEEDV();
            if (parse_threads(o, v) != 0)
                return fprintf(stderr, "craton-hsm-bench: bad --threads %s\n", v), -1;
        } else if (strcmp(a, "--rows") == 0) {
            NEEDV();
            o->rows = v;
        } else if (strcmp(a, "--module") == 0) {
            NEEDV();
            o->module = v;
        } else if (strcmp(a, "--softhsm") == 0) {
            NEEDV();
            o->softhsm = v;
        } else if (strcmp(a, "--craton-conf") == 0) {
            NEEDV();
            o->craton_conf = v;
        } else if (strcmp(a, "--find-objects") == 0) {
            NEEDV();
            if (strcmp(v, "token") == 0)
                o->find_token = true;
            else if (strcmp(v, "session") == 0)
                o->find_token = false;
            else
                return fprintf(stderr, "craton-hsm-bench: bad --find-objects %s\n", v), -1;
        } else if (strcmp(a, "--clock") == 0) {
            NEEDV();
            if (strcmp(v, "cpu") == 0)
                o->cpu_clock = true;
            else if (strcmp(v, "wall") == 0)
                o->cpu_clock = false;
            else
                return fprintf(stderr, "craton-hsm-bench: bad --clock %s\n", v), -1;
        } else if (strcmp(a, "--no-softhsm") == 0) {
            o->no_softhsm = true;
        } else if (strcmp(a, "--no-openssl") == 0) {
            o->no_openssl = true;
        } else if (strcmp(a, "--quick") == 0) {
            o->quick = true;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else {
            fprintf(stderr, "craton-hsm-bench: unknown option %s\n", a);
            usage(stderr);
            return -1;
        }
#undef NEEDV
    }
    if (o->quick && !have_seconds)
        o->seconds = 0.2;
    return 0;
}

/* ---- rows --------------------------------------------------------------------------------- */

#define MAX_ROWS 40
static struct bp_row rows[MAX_ROWS];
static size_t n_rows;

static void add_row(const char *name, enum bp_kind kind, enum bp_alg alg, CK_MECHANISM_TYPE mech,
                    size_t len, bool token)
{
    struct bp_row *r = &rows[n_rows++];
    snprintf(r->name, sizeof r->name, "%s", name);
    r->kind = kind;
    r->alg = alg;
    r->mech = mech;
    r->len = len;
    r->token = token;
}

static void build_rows(const struct opts *o)
{
    add_row("rsa2048-pkcs1-sha256-sign", BP_SIGN, BP_RSA2048, CKM_SHA256_RSA_PKCS, 64, false);
    add_row("rsa2048-pkcs1-sha256-verify", BP_VERIFY, BP_RSA2048, CKM_SHA256_RSA_PKCS, 64, false);
    add_row("rsa2048-pss-sha256-sign", BP_SIGN, BP_RSA2048, CKM_SHA256_RSA_PKCS_PSS, 64, false);
    add_row("rsa2048-pss-sha256-verify", BP_VERIFY, BP_RSA2048, CKM_SHA256_RSA_PKCS_PSS, 64,
            false);
    add_row("ecdsa-p256-sign", BP_SIGN, BP_P256, CKM_ECDSA, 32, false);
    add_row("ecdsa-p256-verify", BP_VERIFY, BP_P256, CKM_ECDSA, 32, false);
    add_row("ecdsa-p256-sha256-sign", BP_SIGN, BP_P256, CKM_ECDSA_SHA256, 64, false);
    add_row("ecdsa-p256-sha256-verify", BP_VERIFY, BP_P256, CKM_ECDSA_SHA256, 64, false);
    add_row("ecdsa-p384-sign", BP_SIGN, BP_P384, CKM_ECDSA, 48, false);
    add_row("ecdsa-p384-verify", BP_VERIFY, BP_P384, CKM_ECDSA, 48, false);
    add_row("ed25519-sign", BP_SIGN, BP_ED25519, CKM_EDDSA, 64, false);
    add_row("ed25519-verify", BP_VERIFY, BP_ED25519, CKM_EDDSA, 64, false);
    add_row("ecdh-p256-derive", BP_DERIVE, BP_P256, CKM_ECDH1_DERIVE, 0, false);
    add_row("rsa2048-keygen-session", BP_KEYGEN, BP_RSA2048, CKM_RSA_PKCS_KEY_PAIR_GEN, 0, false);
    add_row("rsa2048-keygen-token", BP_KEYGEN, BP_RSA2048, CKM_RSA_PKCS_KEY_PAIR_GEN, 0, true);
    add_row("p256-keygen-session", BP_KEYGEN, BP_P256, CKM_EC_KEY_PAIR_GEN, 0, false);
    add_row("p256-keygen-token", BP_KEYGEN, BP_P256, CKM_EC_KEY_PAIR_GEN, 0, true);
    size_t small = o->quick ? 100 : 1000, large = o->quick ? 1000 : 10000;
    char name[40];
    snprintf(name, sizeof name, "find-label-%zu", small);
    add_row(name, BP_FIND, BP_NOALG, 0, small, false);
    snprintf(name, sizeof name, "find-label-%zu", large);
    add_row(name, BP_FIND, BP_NOALG, 0, large, false);
    add_row("token-object-create", BP_CREATE, BP_NOALG, 0, 0, true);
    add_row("digest-sha256-1k", BP_DIGEST, BP_NOALG, CKM_SHA256, 1024, false);
    static const size_t sizes[3] = {64, 1024, 1024 * 1024};
    static const char *const sz[3] = {"64", "1k", "1m"};
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "aes256-gcm-encrypt-%s", sz[i]);
        add_row(name, BP_ENCRYPT, BP_AES256, CKM_AES_GCM, sizes[i], false);
    }
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "aes256-cbc-encrypt-%s", sz[i]);
        add_row(name, BP_ENCRYPT, BP_AES256, CKM_AES_CBC, sizes[i], false);
    }
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "hmac-sha256-%s", sz[i]);
        add_row(name, BP_MAC, BP_HMACKEY, CKM_SHA256_HMAC, sizes[i], false);
    }
    for (size_t i = 0; i < n_rows; i++)
        rows[i].find_token = o->find_token;
}

static bool row_selected(const struct opts *o, const char *name)
{
    if (o->rows == NULL || o->rows[0] == '\0')
        return true;
    const char *p = o->rows;
    while (*p != '\0') {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > 0) {
            char pat[64];
            snprintf(pat, sizeof pat, "%.*s", (int)(n < 63 ? n : 63), p);
            if (strstr(name, pat) != NULL)
                return true;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return false;
}

/* ---- running one cell --------------------------------------------------------------------- */

struct worker {
    const struct bp_impl *impl;
    void *ctx;
    unsigned idx;
    double secs;
    pthread_barrier_t *bar;
    unsigned long ops;
    double elapsed; /* wall seconds */
    double cpu;     /* this thread's CPU seconds */
    int status;
    char err[200];
};

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    void *thr = w->impl->thr_new(w->ctx, w->idx, w->err, sizeof w->err);
    pthread_barrier_wait(w->bar);
    if (thr == NULL) {
        w->status = -1;
        return NULL;
    }
    double c0 = thread_cpu(), t0 = bp_now(), t = t0, end = t0 + w->secs;
    unsigned long ops = 0;
    do {
        if (w->impl->op(thr, w->err, sizeof w->err) != 0) {
            w->status = -1;
            break;
        }
        ops++;
        t = bp_now();
    } while (t < end);
    w->ops = ops;
    w->elapsed = t - t0;
    w->cpu = thread_cpu() - c0;
    w->impl->thr_free(thr);
    return NULL;
}

/* ops/s summed over the threads, or -1 with a message in err. */
static double run_cell(const struct bp_impl *impl, void *ctx, unsigned nthreads, double secs,
                       bool cpu_clock, char *err, size_t errlen)
{
    struct worker w[64];
    pthread_t th[64];
    pthread_barrier_t bar;
    if (pthread_barrier_init(&bar, NULL, nthreads) != 0) {
        snprintf(err, errlen, "pthread_barrier_init failed");
        return -1;
    }
    unsigned started = 0;
    for (unsigned i = 0; i < nthreads; i++) {
        w[i] = (struct worker){.impl = impl, .ctx = ctx, .idx = i, .secs = secs, .bar = &bar};
        if (pthread_create(&th[i], NULL, worker_main, &w[i]) != 0)
            break;
        started++;
    }
    if (started != nthreads) {
        /* A barrier that can never fill: cannot happen with sane limits; give up loudly. */
        fprintf(stderr, "craton-hsm-bench: pthread_create failed\n");
        exit(2);
    }
    double rate = 0;
    int status = 0;
    for (unsigned i = 0; i < nthreads; i++) {
        pthread_join(th[i], NULL);
        if (w[i].status != 0 && status == 0) {
            status = -1;
            snprintf(err, errlen, "%s", w[i].err);
        }
        double t = cpu_clock ? w[i].cpu : w[i].elapsed;
        if (t > 0)
            rate += (double)w[i].ops / t;
    }
    pthread_barrier_destroy(&bar);
    return status == 0 ? rate : -1;
}

/* Median of the slices' rates: one slice hit by another process's burst does not move it. */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- results and output ------------------------------------------------------------------- */

enum cell_state { C_OK, C_NA, C_FAIL, C_SKIP };

struct cell {
    enum cell_state st;
    double rate;
};

struct result {
    const struct bp_row *row;
    unsigned threads;
    struct cell c[N_ENG];
    double scaling; /* on a multi-thread line: craton speed-up / openssl speed-up; NAN if none */
    double rel[N_ENG]; /* craton / engine, median of the per-slice ratios; NAN if none */
};

#define MAX_RESULTS (MAX_ROWS * MAX_THREADS)
static struct result results[MAX_RESULTS];
static size_t n_results;

struct note {
    char text[400]; /* row (40) + what (64) + message (300) */
};
static struct note notes[200];
static size_t n_notes;

static void add_note(const char *row, const char *what, const char *msg)
{
    if (n_notes < sizeof notes / sizeof notes[0])
        snprintf(notes[n_notes++].text, sizeof notes[0].text, "%s: %s: %s", row, what, msg);
}

static void fmt_rate(char *buf, size_t len, const struct cell *c)
{
    switch (c->st) {
    case C_NA: snprintf(buf, len, "n/a"); return;
    case C_FAIL: snprintf(buf, len, "fail"); return;
    case C_SKIP: snprintf(buf, len, "-"); return;
    case C_OK: break;
    }
    if (c->rate >= 100)
        snprintf(buf, len, "%.0f", c->rate);
    else
        snprintf(buf, len, "%.1f", c->rate);
}

/* Craton against engine e on one line: the median of the per-slice ratios (steadier on a
 * loaded machine than the ratio of the two medians). */
static bool rel(const struct result *r, int e, double *out)
{
    if (r->c[E_CRATON].st != C_OK || r->c[e].st != C_OK || isnan(r->rel[e]))
        return false;
    *out = r->rel[e];
    return true;
}

static void fmt_ratio(char *buf, size_t len, const struct result *res, int e)
{
    double r;
    if (!rel(res, e, &r))
        snprintf(buf, len, "-");
    else if (r >= 100)
        snprintf(buf, len, "%.0fx", r);
    else
        snprintf(buf, len, "%.2f", r);
}

static void print_header(void)
{
    printf("%-28s %3s %13s %13s %13s %9s %9s %8s\n", "row", "thr", "craton ops/s",
           "softhsm ops/s", "openssl ops/s", "c/softhsm", "c/openssl", "scaling");
    printf("%.*s\n", 102, "-------------------------------------------------------------------"
                         "--------------------------------");
}

static void print_result(const struct result *res)
{
    char a[24], b[24], c[24], r1[24], r2[24], sc[24];
    fmt_rate(a, sizeof a, &res->c[E_CRATON]);
    fmt_rate(b, sizeof b, &res->c[E_SOFTHSM]);
    fmt_rate(c, sizeof c, &res->c[E_OPENSSL]);
    fmt_ratio(r1, sizeof r1, res, E_SOFTHSM);
    fmt_ratio(r2, sizeof r2, res, E_OPENSSL);
    if (isnan(res->scaling))
        snprintf(sc, sizeof sc, "%s", res->threads > 1 ? "-" : "");
    else
        snprintf(sc, sizeof sc, "%.2f", res->scaling);
    printf("%-28s %3u %13s %13s %13s %9s %9s %8s\n", res->row->name, res->threads, a, b, c, r1,
           r2, sc);
    fflush(stdout);
}

static const struct result *find_result(const char *name, unsigned threads)
{
    for (size_t i = 0; i < n_results; i++)
        if (strcmp(results[i].row->name, name) == 0 && results[i].threads == threads)
            return &results[i];
    return NULL;
}

static void json_cell(const struct cell *c)
{
    if (c->st == C_OK)
        printf("%.3f", c->rate);
    else
        printf("null");
}

static void cpu_model(char *buf, size_t len)
{
    snprintf(buf, len, "unknown");
    FILE *fp = fopen("/proc/cpuinfo", "r");
    if (fp == NULL)
        return;
    char line[512];
    while (fgets(line, sizeof line, fp) != NULL) {
        if (strncmp(line, "model name", 10) == 0) {
            char *p = strchr(line, ':');
            if (p != NULL) {
                p++;
                while (*p == ' ')
                    p++;
                p[strcspn(p, "\n")] = '\0';
                snprintf(buf, len, "%s", p);
            }
            break;
        }
    }
    fclose(fp);
}

static void json_str(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", (unsigned char)*s);
        else
            putchar(*s);
    }
    putchar('"');
}

static void print_json(const struct opts *o, const char *date, const char *cpu, long ncpu)
{
    printf("{\n  \"date\": ");
    json_str(date);
    printf(",\n  \"cpu\": ");
    json_str(cpu);
    printf(",\n  \"nproc\": %ld,\n  \"seconds\": %g,\n  \"rounds\": %u,\n", ncpu, o->seconds,
           o->rounds);
    printf("  \"clock\": \"%s\",\n", o->cpu_clock ? "cpu" : "wall");
    printf("  \"find_objects\": \"%s\",\n  \"rows\": [\n", o->find_token ? "token" : "session");
    for (size_t i = 0; i < n_results; i++) {
        const struct result *r = &results[i];
        printf("    {\"row\": ");
        json_str(r->row->name);
        printf(", \"threads\": %u", r->threads);
        for (int e = 0; e < N_ENG; e++) {
            printf(", \"%s\": ", eng_names[e]);
            json_cell(&r->c[e]);
        }
        double x;
        printf(", \"craton_vs_softhsm\": ");
        if (rel(r, E_SOFTHSM, &x))
            printf("%.4f", x);
        else
            printf("null");
        printf(", \"craton_vs_openssl\": ");
        if (rel(r, E_OPENSSL, &x))
            printf("%.4f", x);
        else
            printf("null");
        printf(", \"scaling\": ");
        if (isnan(r->scaling))
            printf("null");
        else
            printf("%.4f", r->scaling);
        printf("}%s\n", i + 1 < n_results ? "," : "");
    }
    printf("  ],\n  \"notes\": [\n");
    for (size_t i = 0; i < n_notes; i++) {
        printf("    ");
        json_str(notes[i].text);
        printf("%s\n", i + 1 < n_notes ? "," : "");
    }
    printf("  ]\n}\n");
}

/* The targets of issues 3 and 4, judged on this run. */
static void print_targets(const struct opts *o)
{
    static const char *const sign_rows[] = {"ecdsa-p256-sign", "ecdsa-p256-sha256-sign",
                                            "ed25519-sign", "rsa2048-pkcs1-sha256-sign",
                                            "rsa2048-pss-sha256-sign"};
    printf("\nTargets (issue 3 / issue 4), judged on this run:\n");
    for (size_t i = 0; i < sizeof sign_rows / sizeof sign_rows[0]; i++) {
        for (unsigned k = 0; k < o->nthreads; k++) {
            const struct result *r = find_result(sign_rows[i], o->threads[k]);
            double x;
            if (r == NULL || !rel(r, E_OPENSSL, &x))
                continue;
            printf("  %-44s %ut: %5.1f%% of OpenSSL   %s\n", sign_rows[i], o->threads[k],
                   100 * x, x >= 0.90 ? "met (>= 90%)" : "NOT met (< 90%)");
        }
    }
    size_t below = 0, compared = 0;
    for (size_t i = 0; i < n_results; i++) {
        double x;
        if (!rel(&results[i], E_SOFTHSM, &x))
            continue;
        compared++;
        if (x < 1.0) {
            if (below++ == 0)
                printf("  rows where craton < SoftHSMv2:\n");
            printf("    %-42s %ut: %.2f\n", results[i].row->name, results[i].threads, x);
        }
    }
    if (compared > 0)
        printf("  craton >= SoftHSMv2 on every row: %s (%zu of %zu cells below)\n",
               below == 0 ? "met" : "NOT met", below, compared);
    size_t sc_n = 0, sc_below = 0;
    for (size_t i = 0; i < n_results; i++) {
        if (isnan(results[i].scaling))
            continue;
        sc_n++;
        if (results[i].scaling < 0.9) {
            if (sc_below++ == 0)
                printf("  rows whose 2-thread scaling ratio is below 0.9:\n");
            printf("    %-42s %ut: %.2f\n", results[i].row->name, results[i].threads,
                   results[i].scaling);
        }
    }
    if (sc_n > 0)
        printf("  scaling ratio >= 0.9 on every crypto row: %s (%zu of %zu below)\n",
               sc_below == 0 ? "met" : "NOT met", sc_below, sc_n);
    for (size_t i = 0; i < n_results; i++) {
        const struct result *r = &results[i];
        double x;
        if (r->row->kind == BP_FIND && r->row->len >= 10000 &&
            rel(r, E_SOFTHSM, &x))
            printf("  %s %ut: %.0fx SoftHSMv2   %s\n", r->row->name, r->threads, x,
                   x >= 1000 ? "met (>= 1000x)" : "NOT met (< 1000x)");
    }
    /* Key-pair generation must end with the FIPS 140-3 pairwise-consistency test (a signature
     * and its verification, ISO/IEC 19790 §7.10.3.3), which SoftHSMv2 does not run. The raw
     * OpenSSL cost of generate + sign + verify, from this run's own cells, is the ceiling any
     * module doing that test can reach. */
    static const char *const pct[][4] = {
        {"p256-keygen-session", "ecdsa-p256-sign", "ecdsa-p256-verify", "P-256"},
        {"rsa2048-keygen-session", "rsa2048-pkcs1-sha256-sign", "rsa2048-pkcs1-sha256-verify",
         "RSA-2048"},
    };
    for (size_t i = 0; i < sizeof pct / sizeof pct[0]; i++) {
        for (unsigned k = 0; k < o->nthreads; k++) {
            const struct result *kg = find_result(pct[i][0], o->threads[k]);
            const struct result *sg = find_result(pct[i][1], o->threads[k]);
            const struct result *vf = find_result(pct[i][2], o->threads[k]);
            if (kg == NULL || sg == NULL || vf == NULL || kg->c[E_OPENSSL].st != C_OK ||
                sg->c[E_OPENSSL].st != C_OK || vf->c[E_OPENSSL].st != C_OK ||
                kg->c[E_CRATON].st != C_OK)
                continue;
            double ceil = 1.0 / (1.0 / kg->c[E_OPENSSL].rate + 1.0 / sg->c[E_OPENSSL].rate +
                                 1.0 / vf->c[E_OPENSSL].rate);
            printf("  %s %ut: OpenSSL generate+sign+verify (the FIPS pairwise test) %.0f/s;"
                   " craton %.0f/s = %.0f%% of that ceiling",
                   pct[i][0], o->threads[k], ceil, kg->c[E_CRATON].rate,
                   100 * kg->c[E_CRATON].rate / ceil);
            if (kg->c[E_SOFTHSM].st == C_OK)
                printf("; SoftHSMv2 (no pairwise test) %.0f/s", kg->c[E_SOFTHSM].rate);
            printf("\n");
        }
    }
    const struct result *g = find_result("aes256-gcm-encrypt-1m", 1);
    double x;
    if (g != NULL && rel(g, E_OPENSSL, &x))
        printf("  aes256-gcm-encrypt-1m 1t: %.1f%% of OpenSSL   %s\n", 100 * x,
               x >= 0.9 ? "met (>= 90%)" : "NOT met (< 90%)");
}

/* ---- main --------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    struct opts o;
    if (parse_opts(&o, argc, argv) != 0)
        return 2;
    build_rows(&o);

    char date[64], cpu[256];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", &tm);
    cpu_model(cpu, sizeof cpu);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

    char err[300];
    struct bp_mod *mods[2] = {NULL, NULL};
    mods[E_CRATON] = bp_mod_open("craton", o.module, true, o.craton_conf, err, sizeof err);
    if (mods[E_CRATON] == NULL) {
        fprintf(stderr, "craton-hsm-bench: our module %s: %s\n", o.module, err);
        return 1;
    }
    if (!o.no_softhsm) {
        mods[E_SOFTHSM] = bp_mod_open("softhsm", o.softhsm, false, NULL, err, sizeof err);
        if (mods[E_SOFTHSM] == NULL)
            fprintf(stderr, "craton-hsm-bench: SoftHSMv2 %s not used: %s\n", o.softhsm, err);
    }

    if (!o.json) {
        printf("craton-hsm-bench  %s  nproc %ld  CPU: %s\n", date, ncpu, cpu);
        printf("craton:  %s\nsofthsm: %s\n", o.module,
               mods[E_SOFTHSM] ? o.softhsm : "(not used)");
        if (o.craton_conf != NULL)
            printf("craton configuration extra: %s\n", o.craton_conf);
        printf("%.3g s per cell in %u slice(s) (median slice reported), engines and thread "
               "counts interleaved\nslice by slice; ratios are medians of per-slice ratios;\n"
               "ops/s summed over threads (one session each), per second of %s\n",
               o.seconds, o.rounds,
               o.cpu_clock ? "the worker threads' CPU time" : "wall-clock time");
        printf("find rows search %s objects%s; ecdh derive includes C_DestroyObject of the "
               "derived key;\nscaling = (craton 2t/1t) / (openssl 2t/1t)\n\n",
               o.find_token ? "token" : "session",
               o.find_token ? " (left in the token: later rows see a fuller token)" : "");
        print_header();
    }

    int exit_code = 0;
    for (size_t ri = 0; ri < n_rows; ri++) {
        const struct bp_row *row = &rows[ri];
        if (!row_selected(&o, row->name))
            continue;
        fprintf(stderr, "[%s]\n", row->name);
        void *ctx[N_ENG] = {NULL, NULL, NULL};
        enum cell_state st[N_ENG];
        for (int e = 0; e < N_ENG; e++) {
            int r;
            if (e == E_OPENSSL && o.no_openssl) {
                st[e] = C_SKIP;
                continue;
            } else if (e == E_OPENSSL) {
                r = bp_ossl_row_new(row, &ctx[e], err, sizeof err);
                if (r == BP_NA) {
                    st[e] = C_SKIP;
                    continue;
                }
            } else if (mods[e] == NULL) {
                st[e] = C_SKIP;
                continue;
            } else {
                r = bp_mod_row_new(mods[e], row, &ctx[e], err, sizeof err);
            }
            st[e] = r == BP_READY ? C_OK : r == BP_NA ? C_NA : C_FAIL;
            char what[64];
            snprintf(what, sizeof what, "%s %s", eng_names[e], r == BP_NA ? "n/a" : "setup");
            if (r != BP_READY)
                add_note(row->name, what, err);
        }
        /* Slices interleave the engines and the thread counts: slice r of every cell of the
         * row is measured back to back, so a change of load on this shared machine moves
         * them together, and the scaling ratio is taken per slice, then the median. */
        size_t first = n_results;
        unsigned nk = 0;
        for (unsigned k = 0; k < o.nthreads && n_results < MAX_RESULTS; k++, nk++) {
            struct result *res = &results[n_results++];
            *res = (struct result){.row = row, .threads = o.threads[k], .scaling = NAN};
            for (int e = 0; e < N_ENG; e++) {
                res->c[e].st = st[e];
                res->rel[e] = NAN;
            }
        }
        static double slice[MAX_THREADS][N_ENG][100];
        for (unsigned round = 0; round < o.rounds; round++) {
            for (unsigned k = 0; k < nk; k++) {
                struct result *res = &results[first + k];
                for (int e = 0; e < N_ENG; e++) {
                    if (res->c[e].st != C_OK)
                        continue;
                    const struct bp_impl *impl = e == E_OPENSSL ? &bp_ossl_impl : &bp_mod_impl;
                    double rate = run_cell(impl, ctx[e], res->threads, o.seconds / o.rounds,
                                           o.cpu_clock, err, sizeof err);
                    if (rate < 0) {
                        res->c[e].st = C_FAIL;
                        char what[64];
                        snprintf(what, sizeof what, "%s %ut", eng_names[e], res->threads);
                        add_note(row->name, what, err);
                        continue;
                    }
                    slice[k][e][round] = rate;
                }
            }
        }
        const struct result *one = NULL;
        unsigned one_k = 0;
        for (unsigned k = 0; k < nk; k++)
            if (results[first + k].threads == 1) {
                one = &results[first + k];
                one_k = k;
            }
        for (unsigned k = 0; k < nk; k++) {
            struct result *res = &results[first + k];
            /* Scaling against this row's 1-thread line, slice by slice. */
            if (one != NULL && res->threads > 1 && res->c[E_CRATON].st == C_OK &&
                res->c[E_OPENSSL].st == C_OK && one->c[E_CRATON].st == C_OK &&
                one->c[E_OPENSSL].st == C_OK) {
                double per[100];
                unsigned n = 0;
                for (unsigned r = 0; r < o.rounds; r++) {
                    double c1 = slice[one_k][E_CRATON][r], o1 = slice[one_k][E_OPENSSL][r];
                    double o2 = slice[k][E_OPENSSL][r];
                    if (c1 > 0 && o1 > 0 && o2 > 0)
                        per[n++] = (slice[k][E_CRATON][r] / c1) / (o2 / o1);
                }
                if (n > 0)
                    res->scaling = median(per, n);
            }
        }
        for (unsigned k = 0; k < nk; k++) {
            struct result *res = &results[first + k];
            for (int e = E_SOFTHSM; e < N_ENG; e++) {
                double per[100];
                unsigned n = 0;
                if (res->c[E_CRATON].st != C_OK || res->c[e].st != C_OK)
                    continue;
                for (unsigned r = 0; r < o.rounds; r++)
                    if (slice[k][e][r] > 0)
                        per[n++] = slice[k][E_CRATON][r] / slice[k][e][r];
                if (n > 0)
                    res->rel[e] = median(per, n);
            }
        }
        for (unsigned k = 0; k < nk; k++) { /* median() sorts: after every per-slice use */
            struct result *res = &results[first + k];
            for (int e = 0; e < N_ENG; e++)
                if (res->c[e].st == C_OK)
                    res->c[e].rate = median(slice[k][e], o.rounds);
            if (res->c[E_CRATON].st == C_FAIL)
                exit_code = 1;
            if (!o.json)
                print_result(res);
        }
        if (ctx[E_CRATON] != NULL)
            bp_mod_row_free(ctx[E_CRATON]);
        if (ctx[E_SOFTHSM] != NULL)
            bp_mod_row_free(ctx[E_SOFTHSM]);
        if (ctx[E_OPENSSL] != NULL)
            bp_ossl_row_free(ctx[E_OPENSSL]);
        for (int e = 0; e < 2; e++)
            if (st[e] == C_FAIL && e == E_CRATON)
                exit_code = 1;
    }

    if (o.json) {
        print_json(&o, date, cpu, ncpu);
    } else {
        if (n_notes > 0) {
            printf("\nNotes:\n");
            for (size_t i = 0; i < n_notes; i++)
                printf("  %s\n", notes[i].text);
        }
        print_targets(&o);
    }
    /* Ours first: SoftHSMv2's finalisation touches OpenSSL's global state. */
    bp_mod_close(mods[E_CRATON]);
    bp_mod_close(mods[E_SOFTHSM]);
    return exit_code;
}
