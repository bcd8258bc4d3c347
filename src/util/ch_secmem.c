/* SPDX-License-Identifier: Apache-2.0 */
/* ch_secmem: locked (mlock), non-dumpable (MADV_DONTDUMP), wiped-on-free memory for secrets.
 * Small requests come from size-class pools carved out of locked 64 KiB chunks, so creating a
 * key object costs a free-list pop instead of mmap+mlock+madvise (and munlock+munmap, with its
 * TLB shoot-down on every core, when it goes). Requests above the largest class get pages of
 * their own. Chunks are never returned: the pool's size is the peak number of live secrets. */
#include "util/ch_secmem.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/ch_wipe.h"

#if defined(__SANITIZE_ADDRESS__)
#define CH_SECMEM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CH_SECMEM_ASAN 1
#endif
#endif
#ifdef CH_SECMEM_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* Every block starts with this header; the caller's bytes follow, 16-byte aligned. */
struct hdr {
    uint32_t magic;    /* MAGIC_POOL or MAGIC_PAGES: catches frees of foreign pointers */
    uint32_t cls;      /* size class index (pool blocks) */
    uint32_t user_len; /* bytes handed out (wiped on free); pool blocks only */
    uint32_t pad;
    size_t map_len; /* mapping length (page blocks) */
    size_t user_big;
};
_Static_assert(sizeof(struct hdr) % 16 == 0, "user data must stay 16-byte aligned");

#define MAGIC_POOL 0x5ec9001cu
#define MAGIC_PAGES 0x5ec9a9e5u
#define MAGIC_FREE 0x5ec9f4eeu
#define CHUNK_LEN ((size_t)64 * 1024)

/* Block sizes (header included). A freed block's user area holds the free-list link. */
static const uint32_t class_size[] = {64, 128, 256, 512, 1024, 2048, 4096};
#define NCLASS (sizeof(class_size) / sizeof(class_size[0]))

struct pool {
    pthread_mutex_t mu;
    struct hdr *free_list; /* blocks linked through their first user bytes */
    uint8_t *carve;        /* unused tail of the newest chunk */
    size_t carve_left;
};

static struct pool pools[NCLASS] = {
#define P {PTHREAD_MUTEX_INITIALIZER, NULL, NULL, 0}
    P, P, P, P, P, P, P,
#undef P
};
_Static_assert(sizeof(pools) / sizeof(pools[0]) == NCLASS, "one pool per class");

/* fork() while another thread holds a pool lock would leave it held in the child. */
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void atfork_prepare(void)
{
    for (size_t i = 0; i < NCLASS; i++)
        (void)pthread_mutex_lock(&pools[i].mu);
}

static void atfork_release(void)
{
    for (size_t i = NCLASS; i-- > 0;)
        (void)pthread_mutex_unlock(&pools[i].mu);
}

static void atfork_register(void)
{
    (void)pthread_atfork(atfork_prepare, atfork_release, atfork_release);
}

/* Locked, non-dumpable anonymous pages (zero-filled by the kernel). mlock may fail under a
 * small RLIMIT_MEMLOCK: the memory is still wiped on free and kept out of core dumps. */
static void *pages_get(size_t len)
{
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    (void)mlock(m, len);
#ifdef MADV_DONTDUMP
    (void)madvise(m, len, MADV_DONTDUMP);
#endif
    return m;
}

static void *big_alloc(size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t need;
    if (__builtin_add_overflow(n, sizeof(struct hdr), &need) || need > SIZE_MAX - page)
        return NULL;
    size_t map_len = (need + page - 1) / page * page;
    struct hdr *h = pages_get(map_len);
    if (h == NULL)
        return NULL;
    h->magic = MAGIC_PAGES;
    h->map_len = map_len;
    h->user_big = n;
    return h + 1;
}

static void *pool_alloc(size_t c, size_t n)
{
    struct pool *p = &pools[c];
    size_t bs = class_size[c];
    struct hdr *h = NULL;
    (void)pthread_mutex_lock(&p->mu);
    if (p->free_list != NULL) {
        h = p->free_list;
        UNPOISON(h, bs);
        memcpy(&p->free_list, h + 1, sizeof(p->free_list));
    } else {
        if (p->carve_left < bs) {
            uint8_t *chunk = pages_get(CHUNK_LEN);
            if (chunk != NULL) {
                POISON(chunk, CHUNK_LEN);
                p->carve = chunk;
                p->carve_left = CHUNK_LEN;
            }
        }
        if (p->carve_left >= bs) {
            h = (struct hdr *)p->carve;
            p->carve += bs;
            p->carve_left -= bs;
            UNPOISON(h, bs);
        }
    }
    (void)pthread_mutex_unlock(&p->mu);
    if (h == NULL)
        return NULL;
    /* Freed blocks were wiped; only the free-list link needs clearing. */
    memset(h, 0, sizeof(*h) + sizeof(struct hdr *));
    h->magic = MAGIC_POOL;
    h->cls = (uint32_t)c;
    h->user_len = (uint32_t)n;
    return h + 1;
}

void *ch_secmem_alloc(size_t n)
{
    if (n == 0)
        n = 1;
    (void)pthread_once(&atfork_once, atfork_register);
    for (size_t c = 0; c < NCLASS; c++)
        if (n <= class_size[c] - sizeof(struct hdr))
            return pool_alloc(c, n);
    return big_alloc(n);
}

void ch_secmem_free(void *ptr)
{
    if (ptr == NULL)
        return;
    struct hdr *h = (struct hdr *)ptr - 1;
    if (h->magic == MAGIC_PAGES) {
        size_t map_len = h->map_len;
        ch_wipe(ptr, h->user_big);
        ch_wipe(h, sizeof(*h));
        (void)munlock(h, map_len);
        (void)munmap(h, map_len);
        return;
    }
    /* Anything else is a double free or a pointer we never handed out: continuing would
     * corrupt the pools, so stop here like the C library's allocator does. */
    if (h->magic != MAGIC_POOL || h->cls >= NCLASS ||
        h->user_len > class_size[h->cls] - sizeof(struct hdr))
        abort();
    size_t c = h->cls;
    struct pool *p = &pools[c];
    ch_wipe(ptr, h->user_len);
    h->magic = MAGIC_FREE;
    (void)pthread_mutex_lock(&p->mu);
    memcpy(ptr, &p->free_list, sizeof(p->free_list));
    p->free_list = h;
    POISON(h, class_size[c]);
    (void)pthread_mutex_unlock(&p->mu);
}

void *ch_secmem_dup(const void *src, size_t n)
{
    void *p = ch_secmem_alloc(n);
    if (p != NULL && n != 0)
        memcpy(p, src, n);
    return p;
}
