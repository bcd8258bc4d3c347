/* SPDX-License-Identifier: Apache-2.0 */
/* src/fips: SP 800-90A Rev. 1 §10.1.2 HMAC_DRBG (deterministic core, every SHA mode) and the
 * module DRBG built on it: SHA-256, seeded from getrandom(), prediction resistance on every
 * request, fork-safe, continuous health tests. The only source of random bytes in the module.
 * HMAC comes from src/crypto; no OpenSSL headers here. */
#include "fips/fips.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "util/ch_ct.h"
#include "util/ch_secmem.h"
#include "util/ch_wipe.h"

/* ================================ deterministic core ========================================= */

/* SP 800-57 Part 1 Table 3 (security strength of the hash for HMAC_DRBG), in bytes. */
static size_t strength_bytes(enum ch_hash h)
{
    switch (h) {
    case CH_HASH_SHA1:
        return 16;
    case CH_HASH_SHA224:
    case CH_HASH_SHA512_224:
    case CH_HASH_SHA3_224:
        return 24;
    default:
        return 32;
    }
}

#define MAX_SEGS 3

/* §10.1.2.2 HMAC_DRBG_Update(provided_data, K, V); provided_data is the concatenation of the
 * segments (so seed material is never copied into a temporary). */
static CK_RV drbg_update(struct ch_hmac_drbg *d, const struct ch_iov *segs, size_t nseg)
{
    struct ch_iov msg[MAX_SEGS + 2];
    size_t provided = 0;

    CH_CHECK(nseg <= MAX_SEGS, CKR_GENERAL_ERROR);
    msg[0] = (struct ch_iov){d->v, d->outlen};
    for (size_t i = 0; i < nseg; i++) {
        msg[i + 2] = segs[i];
        provided += segs[i].n;
    }
    for (uint8_t round = 0; round < 2; round++) {
        /* Steps 1/4: K = HMAC(K, V || round || provided_data). */
        msg[1] = (struct ch_iov){&round, 1};
        CH_TRY(ch_crypto_hmac_vec(d->mac, d->key, d->outlen, msg, nseg + 2, d->key));
        /* Steps 2/5: V = HMAC(K, V). */
        CH_TRY(ch_crypto_hmac_vec(d->mac, d->key, d->outlen, msg, 1, d->v));
        /* Step 3: with no provided data, one round only. */
        if (provided == 0)
            break;
    }
    return CKR_OK;
}

void ch_hmac_drbg_clear(struct ch_hmac_drbg *d)
{
    if (d == NULL)
        return;
    ch_crypto_hmac_free(d->mac);
    ch_wipe(d, sizeof(*d));
}

CK_RV ch_hmac_drbg_instantiate(struct ch_hmac_drbg *d, int hash, const uint8_t *entropy,
                               size_t entropy_len, const uint8_t *nonce, size_t nonce_len,
                               const uint8_t *perso, size_t perso_len)
{
    enum ch_hash h = (enum ch_hash)hash;
    size_t outlen = ch_crypto_hash_len(h);
    CK_RV rv;

    CH_CHECK(d != NULL, CKR_ARGUMENTS_BAD);
    ch_hmac_drbg_clear(d);
    CH_CHECK(outlen != 0 && outlen <= CH_DRBG_MAX_OUTLEN, CKR_MECHANISM_INVALID);
    CH_CHECK(entropy != NULL && entropy_len >= strength_bytes(h), CKR_ARGUMENTS_BAD);
    CH_CHECK(nonce != NULL || nonce_len == 0, CKR_ARGUMENTS_BAD);
    CH_CHECK(perso != NULL || perso_len == 0, CKR_ARGUMENTS_BAD);
    CH_CHECK(entropy_len <= CH_DRBG_MAX_INPUT_BYTES && nonce_len <= CH_DRBG_MAX_INPUT_BYTES &&
                 perso_len <= CH_DRBG_MAX_INPUT_BYTES,
             CKR_ARGUMENTS_BAD);

    d->hash = hash;
    d->outlen = outlen;
    /* §10.1.2.3 steps 2-3: Key = 0x00 00...00, V = 0x01 01...01. */
    memset(d->key, 0x00, outlen);
    memset(d->v, 0x01, outlen);
    CH_TRY_OUT(ch_crypto_hmac_new(h, d->key, outlen, &d->mac));
    /* Steps 1 and 4: seed_material = entropy_input || nonce || personalization_string. */
    const struct ch_iov seed[3] = {{entropy, entropy_len}, {nonce, nonce_len}, {perso, perso_len}};
    CH_TRY_OUT(drbg_update(d, seed, 3));
    d->reseed_counter = 1; /* step 5 */
    rv = CKR_OK;
out:
    if (rv != CKR_OK)
        ch_hmac_drbg_clear(d);
    return rv;
}

CK_RV ch_hmac_drbg_reseed(struct ch_hmac_drbg *d, const uint8_t *entropy, size_t entropy_len,
                          const uint8_t *add, size_t add_len)
{
    CK_RV rv;

    CH_CHECK(d != NULL && d->mac != NULL, CKR_ARGUMENTS_BAD);
    CH_CHECK(entropy != NULL && entropy_len >= strength_bytes((enum ch_hash)d->hash),
             CKR_ARGUMENTS_BAD);
    CH_CHECK(add != NULL || add_len == 0, CKR_ARGUMENTS_BAD);
    CH_CHECK(entropy_len <= CH_DRBG_MAX_INPUT_BYTES && add_len <= CH_DRBG_MAX_INPUT_BYTES,
             CKR_ARGUMENTS_BAD);
    /* §10.1.2.4: seed_material = entropy_input || additional_input. */
    const struct ch_iov seed[2] = {{entropy, entropy_len}, {add, add_len}};
    rv = drbg_update(d, seed, 2);
    if (rv != CKR_OK) {
        ch_hmac_drbg_clear(d); /* a half-updated state must never be used */
        return rv;
    }
    d->reseed_counter = 1;
    return CKR_OK;
}

/* §10.1.2.5 with an optional continuous test: when prev is non-NULL, every new block V is
 * compared with the block before it (prev holds the last block of the previous call) and a
 * repeat fails the request. */
static CK_RV drbg_generate(struct ch_hmac_drbg *d, uint8_t *out, size_t out_len,
                           const uint8_t *add, size_t add_len, uint8_t *prev, bool *have_prev)
{
    const struct ch_iov addseg = {add, add_len};
    const struct ch_iov vseg = {d->v, d->outlen};
    size_t done = 0;
    CK_RV rv;

    CH_CHECK(d != NULL && d->mac != NULL, CKR_ARGUMENTS_BAD);
    CH_CHECK(out != NULL || out_len == 0, CKR_ARGUMENTS_BAD);
    CH_CHECK(add != NULL || add_len == 0, CKR_ARGUMENTS_BAD);
    CH_CHECK(out_len <= CH_DRBG_MAX_REQUEST_BYTES && add_len <= CH_DRBG_MAX_INPUT_BYTES,
             CKR_ARGUMENTS_BAD);
    /* Step 1: reseed required. */
    CH_CHECK(d->reseed_counter <= CH_DRBG_RESEED_INTERVAL, CKR_FUNCTION_FAILED);
    /* Step 2. */
    if (add_len != 0)
        CH_TRY_OUT(drbg_update(d, &addseg, 1));
    /* Steps 3-4: V = HMAC(K, V) until enough output. K is fixed here: one key set-up. */
    while (done < out_len) {
        size_t n = out_len - done < d->outlen ? out_len - done : d->outlen;
        CH_TRY_OUT(ch_crypto_hmac_vec(d->mac, done == 0 ? d->key : NULL, d->outlen, &vseg, 1,
                                      d->v));
        if (prev != NULL) {
            CH_CHECK_OUT(!(*have_prev && ch_ct_eq(prev, d->v, d->outlen)), CKR_FUNCTION_FAILED);
            memcpy(prev, d->v, d->outlen);
            *have_prev = true;
        }
        memcpy(out + done, d->v, n);
        done += n;
    }
    /* Step 6: (Key, V) = Update(additional_input, Key, V). */
    CH_TRY_OUT(drbg_update(d, &addseg, 1));
    d->reseed_counter++; /* step 7 */
    rv = CKR_OK;
out:
    if (rv != CKR_OK)
        ch_wipe(out, out_len);
    return rv;
}

CK_RV ch_hmac_drbg_generate(struct ch_hmac_drbg *d, uint8_t *out, size_t out_len,
                            const uint8_t *add, size_t add_len)
{
    return drbg_generate(d, out, out_len, add, add_len, NULL, NULL);
}

/* =================================== the module DRBG ========================================= */

#define ENTROPY_BYTES 32 /* 256 bits per (re)seed: the strength of HMAC_DRBG SHA-256 */
#define NONCE_BYTES 16   /* SP 800-90A §8.6.7: at least half the strength */
/* SP 800-90B §4.4.1 Repetition Count Test over the entropy bytes, with a deliberately low
 * assessed min-entropy H = 2 bits/byte (getrandom is not a validated 90B source, so we claim
 * little) and alpha = 2^-20: cutoff C = 1 + ceil(20 / H) = 11 identical bytes in a row. For a
 * healthy source a false alarm has probability 2^-80 per byte. */
#define RCT_CUTOFF 11

/* Everything secret or health-test history lives in ch_secmem (locked, not dumped, wiped). */
struct drbg_secret {
    struct ch_hmac_drbg d;
    uint8_t prev_entropy[ENTROPY_BYTES]; /* last entropy block: must never repeat */
    uint8_t prev_block[CH_DRBG_MAX_OUTLEN];
    uint8_t rct_last;
    bool have_entropy;
    bool have_block;
    unsigned rct_run;
};

static struct {
    pthread_mutex_t lock;
    struct drbg_secret *s; /* NULL: not instantiated */
    pid_t pid;             /* process that last seeded; a different getpid() means fork */
    uint64_t counter;      /* requests served, part of the additional input */
} m = {.lock = PTHREAD_MUTEX_INITIALIZER};

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* fork() while another thread holds the lock would leave the child's lock held forever: take
 * it around fork (prepare/parent/child). The child then reseeds on its first request because
 * its PID differs from m.pid. */
static void atfork_prepare(void)
{
    (void)pthread_mutex_lock(&m.lock);
}

static void atfork_release(void)
{
    (void)pthread_mutex_unlock(&m.lock);
}

static void atfork_register(void)
{
    (void)pthread_atfork(atfork_prepare, atfork_release, atfork_release);
}

#ifdef CH_TESTING
static CK_RV (*test_entropy)(uint8_t *buf, size_t len);

void ch_drbg_test_set_entropy(CK_RV (*fn)(uint8_t *buf, size_t len))
{
    test_entropy = fn;
}
#endif

/* The entropy source: the kernel CSPRNG through getrandom(2) (blocks until the pool is
 * initialised, never returns short reads for <= 256 bytes, but we loop anyway). */
static CK_RV get_entropy(uint8_t *buf, size_t len)
{
    size_t got = 0;

#ifdef CH_TESTING
    if (test_entropy != NULL)
        return test_entropy(buf, len);
#endif
    while (got < len) {
        ssize_t r = getrandom(buf + got, len - got, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            ch_wipe(buf, len);
            return CKR_FUNCTION_FAILED;
        }
        got += (size_t)r;
    }
    return CKR_OK;
}

/* Continuous health tests on a fresh entropy block (lock held): the RCT across blocks, and no
 * block equal to the one before (the FIPS 140-2 style CRNGT, kept as a cheap extra). */
static bool entropy_healthy(struct drbg_secret *s, const uint8_t *e, size_t len)
{
    bool ok = true;

    for (size_t i = 0; i < len; i++) {
        if (s->rct_run != 0 && e[i] == s->rct_last) {
            if (++s->rct_run >= RCT_CUTOFF)
                ok = false;
        } else {
            s->rct_last = e[i];
            s->rct_run = 1;
        }
    }
    if (len == ENTROPY_BYTES) {
        if (s->have_entropy && ch_ct_eq(s->prev_entropy, e, len))
            ok = false;
        memcpy(s->prev_entropy, e, len);
        s->have_entropy = true;
    }
    return ok;
}

static void fail(const char *why)
{
    ch_fips_set_error(why);
}

/* Additional input bound to each reseed: PID and a request counter (public, but it makes the
 * seed material of forked siblings differ even if, absurdly, their entropy did not). */
struct addin {
    uint64_t pid;
    uint64_t counter;
};

/* Reseed (prediction resistance) and generate one request of at most the spec maximum. */
static CK_RV generate_locked(pid_t pid, const uint8_t *entropy, uint8_t *out, size_t len,
                             const uint8_t *extra, size_t extra_len)
{
    struct drbg_secret *s = m.s;
    struct addin a = {(uint64_t)pid, ++m.counter};
    const uint8_t *add = extra_len != 0 ? extra : (const uint8_t *)&a;
    size_t add_len = extra_len != 0 ? extra_len : sizeof(a);
    CK_RV rv;

    if (s == NULL)
        return CKR_GENERAL_ERROR;
    if (!entropy_healthy(s, entropy, ENTROPY_BYTES)) {
        fail("DRBG entropy source failed its continuous health test");
        return CKR_FUNCTION_FAILED;
    }
    if (pid != m.pid) {
        /* Forked child: the output history belongs to the parent. */
        s->have_block = false;
        m.pid = pid;
    }
    rv = ch_hmac_drbg_reseed(&s->d, entropy, ENTROPY_BYTES, add, add_len);
    if (rv == CKR_OK && len != 0)
        rv = drbg_generate(&s->d, out, len, NULL, 0, s->prev_block, &s->have_block);
    if (rv != CKR_OK) {
        fail(rv == CKR_FUNCTION_FAILED ? "DRBG output continuous test failed"
                                       : "DRBG reseed/generate failed");
        ch_wipe(out, len);
        return CKR_FUNCTION_FAILED;
    }
    return CKR_OK;
}

CK_RV ch_drbg_init(void)
{
    uint8_t seed[ENTROPY_BYTES + NONCE_BYTES];
    struct timespec ts = {0, 0};
    char perso[96];
    struct drbg_secret *s = NULL;
    CK_RV rv;
    int n;

    (void)pthread_once(&atfork_once, atfork_register);
    CH_TRY(ch_crypto_init());
    (void)pthread_mutex_lock(&m.lock);
    if (m.s != NULL && m.s->d.mac != NULL) {
        (void)pthread_mutex_unlock(&m.lock);
        ch_crypto_rand_set_source(ch_drbg_generate);
        return CKR_OK;
    }
    if (m.s != NULL) { /* a failed reseed cleared the core state: start over */
        ch_hmac_drbg_clear(&m.s->d);
        ch_secmem_free(m.s);
        m.s = NULL;
    }
    s = ch_secmem_alloc(sizeof(*s));
    CH_CHECK_OUT(s != NULL, CKR_HOST_MEMORY);
    CH_TRY_OUT(get_entropy(seed, sizeof(seed)));
    CH_CHECK_OUT(entropy_healthy(s, seed, ENTROPY_BYTES), CKR_FUNCTION_FAILED);
    /* Personalization string (SP 800-90A §8.7.1): distinguishes instances, not secret. */
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    n = snprintf(perso, sizeof(perso), "craton-hsm module DRBG pid=%ld t=%lld.%09ld",
                 (long)getpid(), (long long)ts.tv_sec, (long)ts.tv_nsec);
    CH_CHECK_OUT(n > 0 && (size_t)n < sizeof(perso), CKR_GENERAL_ERROR);
    CH_TRY_OUT(ch_hmac_drbg_instantiate(&s->d, CH_HASH_SHA256, seed, ENTROPY_BYTES,
                                        seed + ENTROPY_BYTES, NONCE_BYTES,
                                        (const uint8_t *)perso, (size_t)n));
    m.s = s;
    m.pid = getpid();
    m.counter = 0;
    s = NULL;
    rv = CKR_OK;
out:
    (void)pthread_mutex_unlock(&m.lock);
    ch_wipe(seed, sizeof(seed));
    if (s != NULL) {
        ch_hmac_drbg_clear(&s->d);
        ch_secmem_free(s);
    }
    if (rv == CKR_OK)
        ch_crypto_rand_set_source(ch_drbg_generate); /* OpenSSL's draws in our libctx */
    return rv;
}

void ch_drbg_fini(void)
{
    ch_crypto_rand_set_source(NULL);
    (void)pthread_mutex_lock(&m.lock);
    if (m.s != NULL) {
        ch_hmac_drbg_clear(&m.s->d);
        ch_secmem_free(m.s); /* wipes the health-test history too */
        m.s = NULL;
    }
    (void)pthread_mutex_unlock(&m.lock);
}

CK_RV ch_drbg_generate(uint8_t *out, size_t len)
{
    uint8_t entropy[ENTROPY_BYTES];
    uint8_t *const start = out;
    const size_t total = len;
    const pid_t pid = getpid(); /* a syscall: made before taking the lock */
    CK_RV rv = CKR_OK;

    CH_CHECK(out != NULL || len == 0, CKR_ARGUMENTS_BAD);
    if (ch_fips_in_error()) {
        ch_wipe(out, len);
        return CKR_FUNCTION_FAILED;
    }
    /* SP 800-90A Table 2: at most 2^19 bits per request; larger ones are split, each part
     * with its own reseed (prediction resistance). */
    while (len != 0) {
        size_t chunk = len < CH_DRBG_MAX_REQUEST_BYTES ? len : CH_DRBG_MAX_REQUEST_BYTES;
        /* The syscall happens outside the lock: the lock covers only the HMAC work. */
        rv = get_entropy(entropy, sizeof(entropy));
        if (rv != CKR_OK) {
            fail("DRBG entropy source (getrandom) failed");
            break;
        }
        (void)pthread_mutex_lock(&m.lock);
        rv = generate_locked(pid, entropy, out, chunk, NULL, 0);
        (void)pthread_mutex_unlock(&m.lock);
        if (rv != CKR_OK)
            break;
        out += chunk;
        len -= chunk;
    }
    ch_wipe(entropy, sizeof(entropy));
    if (rv != CKR_OK)
        ch_wipe(start, total); /* never a partly random buffer */
    else
        CH_CT_SECRET(start, total); /* for the constant-time checker (tests/ct) */
    return rv;
}

CK_RV ch_drbg_seed(const uint8_t *in, size_t len)
{
    uint8_t entropy[ENTROPY_BYTES];
    CK_RV rv;

    CH_CHECK(in != NULL || len == 0, CKR_ARGUMENTS_BAD);
    CH_CHECK(len <= CH_DRBG_MAX_INPUT_BYTES, CKR_ARGUMENTS_BAD);
    CH_CHECK(!ch_fips_in_error(), CKR_FUNCTION_FAILED);
    if (len == 0)
        return CKR_OK;
    rv = get_entropy(entropy, sizeof(entropy));
    if (rv != CKR_OK) {
        fail("DRBG entropy source (getrandom) failed");
        return rv;
    }
    /* A reseed whose additional input is the caller's bytes: they are mixed in, and the
     * fresh entropy means they can never replace or weaken it. */
    (void)pthread_mutex_lock(&m.lock);
    rv = generate_locked(getpid(), entropy, NULL, 0, in, len);
    (void)pthread_mutex_unlock(&m.lock);
    ch_wipe(entropy, sizeof(entropy));
    return rv;
}
