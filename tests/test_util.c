/* test_util.c - the shared growable-array helper (src/core/util.c): growth from empty, the
 * starting capacity, keeping contents, and the sizes it must refuse without touching the array. */
#include <stdint.h>
#include <stdlib.h>

#include "testutil.h"
#include "core/util.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grow_from_empty_keeps_contents),
        cmocka_unit_test(test_grow_only_when_needed),
        cmocka_unit_test(test_grow_refuses_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
