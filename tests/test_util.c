/* test_util.c - the shared growable-array helper (src/core/util.c): growth from empty, the
 * starting capacity, keeping contents, and the sizes it must refuse without touching the array;
 * the two clocks (wall and processor seconds); the string -> count map (src/core/text.c) across
 * its rehashes, and its sorted keys. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "core/util.h"
#include "hark/features.h"

static void test_grow_from_empty_keeps_contents(void **state)
{
    (void)state;
    int *a = NULL;
    size_t cap = 0;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(util_grow(&a, &cap, (size_t)i + 1, sizeof *a, 8), 0);
        assert_true(cap >= (size_t)i + 1);
        a[i] = i * 3;
    }
    for (int i = 0; i < 1000; i++)
        assert_int_equal(a[i], i * 3);
    assert_int_equal(cap, 1024); /* 8 doubled until it holds 1000 */
    free(a);
}

static void test_grow_only_when_needed(void **state)
{
    (void)state;
    double *a = NULL;
    size_t cap = 0;
    assert_int_equal(util_grow(&a, &cap, 1, sizeof *a, 16), 0);
    assert_int_equal(cap, 16);
    double *before = a;
    assert_int_equal(util_grow(&a, &cap, 16, sizeof *a, 16), 0);
    assert_ptr_equal(a, before);
    assert_int_equal(cap, 16);
    assert_int_equal(util_grow(&a, &cap, 100, sizeof *a, 16), 0); /* several doublings at once */
    assert_int_equal(cap, 128);
    free(a);
}

static void test_grow_refuses_overflow(void **state)
{
    (void)state;
    char *a = NULL;
    size_t cap = 0;
    assert_int_equal(util_grow(&a, &cap, 10, 1, 4), 0);
    char *before = a;
    assert_int_equal(util_grow(&a, &cap, SIZE_MAX, 1, 4), -1);
    assert_int_equal(util_grow(&a, &cap, SIZE_MAX / 4, 8, 4), -1);
    assert_ptr_equal(a, before);
    assert_int_equal(cap, 16);
    free(a);
}

static void test_str_count(void **state)
{
    (void)state;
    str_count m = {0};
    assert_int_equal(str_count_get(&m, "a"), 0);
    const char **none = str_count_sorted_keys(&m); /* empty: a valid, empty list */
    assert_non_null(none);
    free(none);
    /* 500 keys, key i added i + 1 times in steps: several rehashes keep every count. */
    char key[16];
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 500; i++) {
            snprintf(key, sizeof key, "w%03d", i);
            assert_int_equal(str_count_add(&m, key, round == 0 ? 1 : (uint64_t)i), HARK_OK);
        }
    assert_int_equal(m.n, 500);
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof key, "w%03d", i);
        assert_int_equal(str_count_get(&m, key), (uint64_t)i + 1);
    }
    assert_int_equal(str_count_get(&m, "w500"), 0);
    const char **keys = str_count_sorted_keys(&m);
    assert_non_null(keys);
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof key, "w%03d", i);
        assert_string_equal(keys[i], key);
    }
    free(keys);
    str_count_free(&m);
    assert_int_equal(m.n, 0);
    assert_int_equal(str_count_get(&m, "w001"), 0);
}

/* Busy work advances both clocks, and neither goes back. */
/* splitmix64 (Steele, Lea & Flood 2014; Vigna's reference splitmix64.c): from seed 0 the stream
 * starts 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4; the uniform doubles are its top 53 bits. The
 * public hark_augment_rng_* are the same stream. */
static void test_rng(void **state)
{
    (void)state;
    uint64_t s = 0;
    assert_true(util_rng_next(&s) == 0xe220a8397b1dcdafull);
    assert_true(util_rng_next(&s) == 0x6e789e6aa1b965f4ull);
    uint64_t a = 42, b = 42, c = 42;
    double lo = 1, hi = 0;
    for (int i = 0; i < 10000; i++) {
        uint64_t x = util_rng_next(&a);
        assert_true(hark_augment_rng_next(&b) == x);
        double u = util_rng_uniform(&c);
        assert_true(u == (double)(x >> 11) / 9007199254740992.0);
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
    }
    assert_true(lo >= 0 && lo < 0.01 && hi < 1 && hi > 0.99);
    uint64_t d = 7, e = 7;
    assert_true(hark_augment_rng_uniform(&d) == util_rng_uniform(&e));
}

static void test_clocks(void **state)
{
    (void)state;
    double w0 = util_now_seconds(), c0 = util_cpu_seconds(), w = w0, c = c0;
    volatile double sink = 0;
    while (c - c0 < 0.05) {
        for (int i = 0; i < 100000; i++)
            sink += i * 1e-9;
        double w1 = util_now_seconds(), c1 = util_cpu_seconds();
        assert_true(w1 >= w && c1 >= c);
        w = w1;
        c = c1;
        assert_true(w - w0 < 60.0); /* a processor clock that never moves fails here */
    }
    assert_true(w - w0 > 0.0);
    (void)sink;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grow_from_empty_keeps_contents),
        cmocka_unit_test(test_grow_only_when_needed),
        cmocka_unit_test(test_grow_refuses_overflow),
        cmocka_unit_test(test_str_count),
        cmocka_unit_test(test_clocks),
        cmocka_unit_test(test_rng),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
