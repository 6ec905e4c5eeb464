/* test_core.c - status strings and thread-local error messages. */
#include "testutil.h"

#include <string.h>

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(hark_strerror(HARK_OK), "success");
    assert_string_equal(hark_strerror(HARK_ERR_IO), "input/output error");
    assert_string_equal(hark_strerror((hark_status)999), "unknown status");
}

static void test_error_message(void **state)
{
    (void)state;
    hark_clear_error();
    assert_string_equal(hark_last_error(), "");
    assert_int_equal(hark_error(HARK_ERR_FORMAT, "%s: bad header", "x.wav"), HARK_ERR_FORMAT);
    assert_string_equal(hark_last_error(), "x.wav: bad header");
}

static int log_calls;
static void on_log(hark_log_level level, const char *msg, void *ud)
{
    (void)level;
    assert_string_equal(msg, "hello 7");
    *(int *)ud += 1;
}

/* Wrapping the previous message in a new one (hark_last_error() as an argument) keeps it: the
 * message used to be formatted into its own argument and came out empty. */
static void test_error_wraps_itself(void **state)
{
    (void)state;
    hark_error(HARK_ERR_INVALID_ARG, "sample_rate %d outside 1000..384000 Hz", 5);
    hark_error(HARK_ERR_FORMAT, "%s", hark_last_error());
    assert_string_equal(hark_last_error(), "sample_rate 5 outside 1000..384000 Hz");
    hark_error(HARK_ERR_FORMAT, "%s: %s", "model.hark", hark_last_error());
    assert_string_equal(hark_last_error(), "model.hark: sample_rate 5 outside 1000..384000 Hz");
    hark_error(HARK_ERR_FORMAT, "%s (%s)", hark_last_error(), hark_last_error());
    assert_string_equal(hark_last_error(),
                        "model.hark: sample_rate 5 outside 1000..384000 Hz (model.hark: "
                        "sample_rate 5 outside 1000..384000 Hz)");
}

static void test_log_callback(void **state)
{
    (void)state;
    hark_log(HARK_LOG_INFO, "dropped %d", 1); /* no callback: nothing happens */
    hark_set_log_callback(on_log, &log_calls);
    hark_log(HARK_LOG_INFO, "hello %d", 7);
    hark_set_log_callback(NULL, NULL);
    assert_int_equal(log_calls, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_error_message),
        cmocka_unit_test(test_error_wraps_itself),
        cmocka_unit_test(test_log_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
