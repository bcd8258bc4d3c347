/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the secure-memory pools (src/util/ch_secmem.c): zero-filled and aligned
 * blocks of every class and above, reuse hands out wiped memory, no two live blocks overlap,
 * threads and fork, and a double free stops the process instead of corrupting the pools. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/ch_secmem.h"

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

static const size_t sizes[] = {0, 1, 15, 16, 17, 47, 48, 49, 100, 111, 112, 113, 240,
                               496, 1008, 2032, 4080, 4081, 5000, 70000};

static void test_zeroed_aligned_all_sizes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = sizes[i];
        uint8_t *p = ch_secmem_alloc(n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        assert_true(all_zero(p, n == 0 ? 1 : n));
        memset(p, 0xA5, n == 0 ? 1 : n); /* the whole request is writable */
        ch_secmem_free(p);
    }
    ch_secmem_free(NULL);
}

/* A block that comes back from the free list is zero again, whatever it held. */
static void test_reuse_is_wiped(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = sizes[i] == 0 ? 1 : sizes[i];
        uint8_t *a[8];
        for (int k = 0; k < 8; k++) {
            a[k] = ch_secmem_alloc(n);
            assert_non_null(a[k]);
            memset(a[k], 0xFF, n);
        }
        for (int k = 0; k < 8; k++)
            ch_secmem_free(a[k]);
        for (int k = 0; k < 8; k++) {
            a[k] = ch_secmem_alloc(n);
            assert_non_null(a[k]);
            assert_true(all_zero(a[k], n));
        }
        for (int k = 0; k < 8; k++)
            ch_secmem_free(a[k]);
    }
}

/* Enough live blocks to span several chunks: each keeps its own pattern. */
static void test_no_overlap_across_chunks(void **state)
{
    (void)state;
    enum { N = 3000 };
    static uint8_t *p[N];
    for (size_t i = 0; i < N; i++) {
        size_t n = 1 + (i * 37) % 300;
        p[i] = ch_secmem_alloc(n);
        assert_non_null(p[i]);
        memset(p[i], (int)(i & 0xFF), n);
    }
    for (size_t i = 0; i < N; i += 2)
        ch_secmem_free(p[i]);
    for (size_t i = 1; i < N; i += 2) {
        size_t n = 1 + (i * 37) % 300;
        for (size_t j = 0; j < n; j++)
            assert_int_equal(p[i][j], (uint8_t)(i & 0xFF));
        ch_secmem_free(p[i]);
    }
}

static void test_dup(void **state)
{
    (void)state;
    static const uint8_t v[33] = "thirty-two bytes of key material";
    uint8_t *d = ch_secmem_dup(v, sizeof(v));
    assert_non_null(d);
    assert_memory_equal(d, v, sizeof(v));
    ch_secmem_free(d);
    d = ch_secmem_dup(v, 0);
    assert_non_null(d);
    ch_secmem_free(d);
}

static void *churn(void *arg)
{
    uintptr_t tag = (uintptr_t)arg;
    uint8_t *live[16] = {0};
    for (unsigned i = 0; i < 20000; i++) {
        unsigned k = (unsigned)((i * 7 + tag) % 16);
        size_t n = 1 + (i + tag) % 700;
        if (live[k] != NULL) {
            if (live[k][0] != (uint8_t)tag)
                return (void *)1;
            ch_secmem_free(live[k]);
        }
        live[k] = ch_secmem_alloc(n);
        if (live[k] == NULL || !all_zero(live[k], n))
            return (void *)1;
        memset(live[k], (int)tag, n);
    }
    for (int k = 0; k < 16; k++)
        ch_secmem_free(live[k]);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t th[4];
    for (uintptr_t i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, churn, (void *)(i + 1)), 0);
    for (int i = 0; i < 4; i++) {
        void *r = (void *)1;
        assert_int_equal(pthread_join(th[i], &r), 0);
        assert_null(r);
    }
}

static void test_fork_child_allocates(void **state)
{
    (void)state;
    uint8_t *parent = ch_secmem_alloc(40);
    assert_non_null(parent);
    memset(parent, 0x3C, 40);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        uint8_t *c = ch_secmem_alloc(40);
        bool ok = c != NULL && c != parent && all_zero(c, 40) && parent[39] == 0x3C;
        ch_secmem_free(c);
        ch_secmem_free(parent);
        _exit(ok ? 0 : 1);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    ch_secmem_free(parent);
}

static void test_double_free_aborts(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Under ASan the poisoned header read is reported first: that also ends the child
         * abnormally, which is what the test wants. */
        uint8_t *p = ch_secmem_alloc(24);
        ch_secmem_free(p);
        ch_secmem_free(p);
        _exit(0); /* reached only if the double free went unnoticed */
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_false(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zeroed_aligned_all_sizes),
        cmocka_unit_test(test_reuse_is_wiped),
        cmocka_unit_test(test_no_overlap_across_chunks),
        cmocka_unit_test(test_dup),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_fork_child_allocates),
        cmocka_unit_test(test_double_free_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
