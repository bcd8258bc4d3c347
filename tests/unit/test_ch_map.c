/* SPDX-License-Identifier: Apache-2.0 */
/* ch_map: insert/replace/delete against a reference array, with deletions that exercise the
 * backward shift across the wrap-around of the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "util/ch_map.h"

#define N 5000

static void test_against_reference(void **state)
{
    (void)state;
    static uintptr_t ref[N + 1]; /* key i -> value, 0 = absent */
    struct ch_map m;
    ch_map_init(&m);
    uint64_t x = 88172645463325252ULL;
    for (int round = 0; round < 200000; round++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
        uint64_t k = 1 + x % N;
        switch ((x >> 32) % 3) {
        case 0:
        case 1:
            assert_true(ch_map_put(&m, k, (void *)(uintptr_t)(round + 1)));
            ref[k] = (uintptr_t)(round + 1);
            break;
        default:
            assert_int_equal((uintptr_t)ch_map_del(&m, k), ref[k]);
            ref[k] = 0;
        }
        if (round % 997 == 0) {
            size_t count = 0;
            for (uint64_t i = 1; i <= N; i++) {
                assert_int_equal((uintptr_t)ch_map_get(&m, i), ref[i]);
                count += ref[i] != 0;
            }
            assert_int_equal(count, m.count);
        }
    }
    size_t pos = 0, seen = 0;
    uint64_t k;
    void *v;
    while (ch_map_next(&m, &pos, &k, &v)) {
        assert_int_equal((uintptr_t)v, ref[k]);
        seen++;
    }
    assert_int_equal(seen, m.count);
    ch_map_clear(&m);
}

static void test_edges(void **state)
{
    (void)state;
    struct ch_map m;
    ch_map_init(&m);
    assert_null(ch_map_get(&m, 1));       /* empty map */
    assert_null(ch_map_del(&m, 1));
    assert_false(ch_map_put(&m, 0, &m)); /* key 0 is reserved */
    assert_true(ch_map_put(&m, UINT64_MAX, &m));
    assert_ptr_equal(ch_map_get(&m, UINT64_MAX), &m);
    assert_ptr_equal(ch_map_del(&m, UINT64_MAX), &m);
    assert_int_equal(m.count, 0);
    assert_int_not_equal(ch_map_hash_bytes("", 0), 0);
    assert_int_not_equal(ch_map_hash_bytes("a", 1), ch_map_hash_bytes("b", 1));
    ch_map_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_reference),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
