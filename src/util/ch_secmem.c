/* SPDX-License-Identifier: Apache-2.0 */
/* ch_secmem: page-granular allocations, mlock'ed and marked MADV_DONTDUMP, with the length kept
 * in a header so free can wipe exactly what was handed out. Small and slow-ish by design: it
 * serves long-lived secrets, not hot paths. */
#include "util/ch_secmem.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/ch_wipe.h"

struct hdr {
    size_t map_len;
    size_t user_len;
    uint64_t pad; /* keeps user data 16-byte aligned */
    uint64_t pad2;
};

void *ch_secmem_alloc(size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t need;
    if (n == 0)
        n = 1;
    if (__builtin_add_overflow(n, sizeof(struct hdr), &need) || need > SIZE_MAX - page)
        return NULL;
    size_t map_len = (need + page - 1) / page * page;
    void *m = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    (void)mlock(m, map_len);
#ifdef MADV_DONTDUMP
    (void)madvise(m, map_len, MADV_DONTDUMP);
#endif
    struct hdr *h = m;
    h->map_len = map_len;
    h->user_len = n;
    return h + 1;
}

void ch_secmem_free(void *p)
{
    if (p == NULL)
        return;
    struct hdr *h = (struct hdr *)p - 1;
    size_t map_len = h->map_len;
    ch_wipe(p, h->user_len);
    ch_wipe(h, sizeof(*h));
    (void)munlock(h, map_len);
    (void)munmap(h, map_len);
}

void *ch_secmem_dup(const void *src, size_t n)
{
    void *p = ch_secmem_alloc(n);
    if (p != NULL && n != 0)
        memcpy(p, src, n);
    return p;
}
