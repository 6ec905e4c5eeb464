/* test_capture.c - device lookup errors and speech synthesis.
 *
 * The live capture path needs a sound server; it is tested end to end through the virtual
 * microphone in tests/cli/listen_pulse.sh. Here PortAudio runs with whatever devices this machine
 * has (often none): lookups must fail cleanly, name what they looked for, and never crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static int setup(void **state)
{
    (void)state;
    return hark_capture_system_init() == HARK_OK ? 0 : -1;
}

/* No hark_capture_system_terminate at the end: Pa_Terminate makes ALSA unload its plug-ins, and
 * their allocations then show up under LeakSanitizer as leaks from an unknown module. */
static int teardown(void **state)
{
    (void)state;
    return 0;
}

static void test_bad_device_specs(void **state)
{
    (void)state;
    int n = hark_device_count();
    assert_true(n >= 0);
    int idx = -7;
    assert_int_equal(hark_device_find("no such device name xyzzy", 1, &idx), HARK_ERR_DEVICE);
    assert_non_null(strstr(hark_last_error(), "xyzzy"));
    assert_int_equal(idx, -7);
    char spec[32];
    snprintf(spec, sizeof spec, "%d", n + 5);
    assert_int_equal(hark_device_find(spec, 1, &idx), HARK_ERR_DEVICE);
    assert_non_null(strstr(hark_last_error(), spec));
    assert_int_equal(hark_device_find("-1", 1, &idx), HARK_ERR_DEVICE);
    hark_device_info info;
    assert_int_equal(hark_device_get(-1, &info), HARK_ERR_DEVICE);
    assert_int_equal(hark_device_get(n, &info), HARK_ERR_DEVICE);
}

static void test_devices_consistent(void **state)
{
    (void)state;
    /* Whatever exists must be described sensibly and be found again by index and by name. */
    int n = hark_device_count();
    for (int i = 0; i < n; i++) {
        hark_device_info d;
        assert_int_equal(hark_device_get(i, &d), HARK_OK);
        assert_int_equal(d.index, i);
        assert_true(d.name[0] != '\0');
        assert_true(d.max_input_channels >= 0 && d.max_output_channels >= 0);
        if (d.max_input_channels > 0) {
            char spec[16];
            int got = -1;
            snprintf(spec, sizeof spec, "%d", i);
            assert_int_equal(hark_device_find(spec, 1, &got), HARK_OK);
            assert_int_equal(got, i);
            assert_int_equal(hark_device_find(d.name, 1, &got), HARK_OK);
            hark_device_info g;
            assert_int_equal(hark_device_get(got, &g), HARK_OK);
            assert_non_null(strstr(g.name, d.name));
        }
    }
    /* With no input device at all, the default lookup says so. */
    int any_input = 0;
    for (int i = 0; i < n; i++) {
        hark_device_info d;
        hark_device_get(i, &d);
        any_input |= d.max_input_channels > 0;
    }
    int idx;
    if (!any_input) {
        assert_int_equal(hark_device_find(NULL, 1, &idx), HARK_ERR_DEVICE);
        hark_capture_params p = hark_capture_default_params();
        assert_null(hark_capture_open(&p));
        assert_string_not_equal(hark_last_error(), "");
    }
}

static void test_default_params(void **state)
{
    (void)state;
    hark_capture_params p = hark_capture_default_params();
    assert_int_equal(p.device, -1);
    assert_true(p.buffer_seconds >= 1.0);
    assert_true(p.stall_seconds > 0);
}

static void test_tts_synth(void **state)
{
    (void)state;
    hark_tts *t = hark_tts_create("en");
    if (!t) {
        /* espeak-ng-data is a listed dependency: its absence is a failure, not a skip. */
        fail_msg("espeak-ng: %s", hark_last_error());
    }
    /* One synthesiser per process (espeak-ng is global). */
    assert_null(hark_tts_create("en"));
    int rate = hark_tts_sample_rate(t);
    assert_true(rate >= 8000 && rate <= 48000);
    float *x = NULL;
    size_t n = 0;
    assert_int_equal(hark_tts_synth(t, "The time is five past ten.", &x, &n), HARK_OK);
    /* Roughly a second or two of speech with real signal in it. */
    assert_true(n > (size_t)rate / 2 && n < (size_t)rate * 6);
    double e = 0;
    float peak = 0;
    for (size_t i = 0; i < n; i++) {
        e += (double)x[i] * x[i];
        peak = x[i] > peak ? x[i] : peak;
    }
    assert_true(e / (double)n > 1e-4);
    assert_true(peak <= 1.0f);
    free(x);
    /* A longer sentence takes longer. */
    size_t n2 = 0;
    assert_int_equal(hark_tts_synth(t, "The time is five past ten, and the kitchen light is on.",
                                    &x, &n2),
                     HARK_OK);
    assert_true(n2 > n);
    free(x);
    assert_int_equal(hark_tts_synth(t, NULL, &x, &n), HARK_ERR_INVALID_ARG);
    hark_tts_free(t);
    /* After freeing, a new one can start. */
    t = hark_tts_create(NULL);
    assert_non_null(t);
    hark_tts_free(t);
    assert_null(hark_tts_create("no-such-voice-xx"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_device_specs),
        cmocka_unit_test(test_devices_consistent),
        cmocka_unit_test(test_default_params),
        cmocka_unit_test(test_tts_synth),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
