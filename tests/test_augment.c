/* test_augment.c - training augmentation: noise mixed at the asked SNR, speed perturbation
 * changing length and pitch by the factor, gain, SpecAugment masks within their bounds, and
 * reproducibility from the caller's seed. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

static float *speech(size_t *n)
{
    float *x;
    assert_int_equal(hark_audio_load(tu_src("tests/data/audio/sc_yes_022cd682.flac"), 16000, &x, n,
                                     NULL),
                     HARK_OK);
    return x;
}

static double power(const float *x, size_t n)
{
    double p = 0;
    for (size_t i = 0; i < n; i++)
        p += (double)x[i] * x[i];
    return p / (double)n;
}

static void test_rng(void **state)
{
    (void)state;
    uint64_t a = 42, b = 42, c = 43;
    for (int i = 0; i < 100; i++) {
        uint64_t va = hark_augment_rng_next(&a);
        assert_true(va == hark_augment_rng_next(&b));
        assert_true(va != hark_augment_rng_next(&c));
    }
    /* splitmix64's published first output for seed 0. */
    uint64_t z = 0;
    assert_true(hark_augment_rng_next(&z) == 0xE220A8397B1DCDAFull);
    double s = 0;
    for (int i = 0; i < 100000; i++) {
        double u = hark_augment_rng_uniform(&a);
        assert_true(u >= 0 && u < 1);
        s += u;
    }
    assert_true(fabs(s / 100000 - 0.5) < 0.01);
}

static void test_noise_snr(void **state)
{
    (void)state;
    size_t n;
    float *clean = speech(&n);
    /* Noise: uniform white noise shorter than the speech, so it has to loop. */
    const size_t nn = 5000;
    float *noise = malloc(nn * sizeof *noise);
    uint64_t seed = 7;
    for (size_t i = 0; i < nn; i++)
        noise[i] = (float)(hark_augment_rng_uniform(&seed) - 0.5);
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    const float snrs[] = {-5, 0, 5, 10, 20, 30};
    for (size_t k = 0; k < 6; k++) {
        memcpy(x, clean, n * sizeof *x);
        uint64_t rng = 100 + k;
        assert_int_equal(hark_augment_add_noise(x, n, noise, nn, snrs[k], &rng), HARK_OK);
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] - clean[i]; /* the noise that was added */
        double snr = 10 * log10(power(clean, n) / power(y, n));
        if (!(fabs(snr - snrs[k]) < 0.1))
            fail_msg("asked %g dB, measured %g dB", snrs[k], snr);
        /* Same seed, same mix. */
        memcpy(y, clean, n * sizeof *y);
        rng = 100 + k;
        assert_int_equal(hark_augment_add_noise(y, n, noise, nn, snrs[k], &rng), HARK_OK);
        assert_memory_equal(x, y, n * sizeof *x);
    }
    /* Silent noise is refused; silent speech stays silent. */
    float zeros[100] = {0};
    uint64_t rng = 1;
    memcpy(x, clean, n * sizeof *x);
    assert_int_equal(hark_augment_add_noise(x, 100, zeros, 100, 10, &rng), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_augment_add_noise(zeros, 100, noise, nn, 10, &rng), HARK_OK);
    for (int i = 0; i < 100; i++)
        assert_true(zeros[i] == 0);
    assert_int_equal(hark_augment_add_noise(x, n, noise, 0, 10, &rng), HARK_ERR_INVALID_ARG);
    free(x);
    free(y);
    free(noise);
    free(clean);
}

/* Zero crossings per second of a tone: 2 f. */
static double tone_freq(const float *x, size_t n, int rate)
{
    size_t z = 0;
    for (size_t i = 1 + n / 10; i < n - n / 10; i++)
        z += (x[i - 1] < 0) != (x[i] < 0);
    return (double)z / 2 / ((double)(n - 2 * (n / 10)) / rate);
}

static void test_speed(void **state)
{
    (void)state;
    const size_t n = 16000;
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(0.5 * sin(2 * PI * 500 * (double)i / 16000));
    const double factors[] = {0.9, 0.95, 1.0, 1.05, 1.1};
    for (size_t k = 0; k < 5; k++) {
        float *y;
        size_t m;
        assert_int_equal(hark_augment_speed(x, n, factors[k], &y, &m), HARK_OK);
        assert_int_equal(m, (size_t)llround((double)n / factors[k]));
        double f = tone_freq(y, m, 16000);
        if (!(fabs(f - 500 * factors[k]) < 2))
            fail_msg("speed %g: tone at %g Hz, want %g", factors[k], f, 500 * factors[k]);
        free(y);
    }
    float *y;
    size_t m;
    assert_int_equal(hark_augment_speed(x, n, 3.0, &y, &m), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_augment_speed(x, n, 0.1, &y, &m), HARK_ERR_INVALID_ARG);
    free(x);
}

static void test_gain(void **state)
{
    (void)state;
    float x[4] = {0.1f, -0.2f, 0.3f, 0};
    hark_augment_gain(x, 4, 20);
    assert_true(fabsf(x[0] - 1.0f) < 1e-6f && fabsf(x[1] + 2.0f) < 1e-6f && x[3] == 0);
    hark_augment_gain(x, 4, -6.0206f);
    assert_true(fabsf(x[0] - 0.5f) < 1e-4f);
}

/* Runs of filled columns/rows, checked against the limits; returns cells masked. */
static size_t check_masks(const float *f, int T, int F, const hark_specaugment *p)
{
    size_t masked = 0;
    int full_cols = 0, full_rows = 0;
    for (int j = 0; j < F; j++) {
        int all = 1;
        for (int t = 0; t < T; t++)
            all &= f[t * F + j] == p->fill;
        full_cols += all;
        if (all && p->freq_limit > 0)
            assert_true(j < p->freq_limit);
    }
    for (int t = 0; t < T; t++) {
        int all = 1;
        for (int j = 0; j < F; j++)
            all &= f[t * F + j] == p->fill;
        full_rows += all;
    }
    for (int i = 0; i < T * F; i++)
        masked += f[i] == p->fill;
    const int max_w = p->time_width < (int)floor(p->max_time_ratio * T) ? p->time_width
                                                                          : (int)floor(p->max_time_ratio * T);
    assert_true(full_cols <= p->freq_masks * p->freq_width);
    assert_true(full_rows <= p->time_masks * max_w);
    /* Every masked cell lies in a fully masked row or column. */
    assert_true(masked <= (size_t)full_cols * (size_t)T + (size_t)full_rows * (size_t)F);
    return masked;
}

static void test_specaugment(void **state)
{
    (void)state;
    const int T = 120, F = 39;
    float *a = malloc((size_t)T * F * sizeof *a), *b = malloc((size_t)T * F * sizeof *b);
    hark_specaugment p = hark_augment_specaugment_default();
    p.fill = -99;
    size_t total = 0;
    for (uint64_t seed = 1; seed <= 50; seed++) {
        for (int i = 0; i < T * F; i++)
            a[i] = b[i] = (float)i;
        uint64_t r1 = seed, r2 = seed;
        assert_int_equal(hark_augment_specaugment(a, T, F, &p, &r1), HARK_OK);
        assert_int_equal(hark_augment_specaugment(b, T, F, &p, &r2), HARK_OK);
        assert_memory_equal(a, b, (size_t)T * F * sizeof *a); /* reproducible */
        total += check_masks(a, T, F, &p);
    }
    assert_true(total > 0); /* masks do happen */

    /* Limits: frequency masks only below column 13, time masks at most 5% of T. */
    p.freq_limit = 13;
    p.freq_width = 10;
    p.max_time_ratio = 0.05f;
    p.time_width = 100;
    for (uint64_t seed = 1; seed <= 50; seed++) {
        for (int i = 0; i < T * F; i++)
            a[i] = (float)i;
        uint64_t r = seed;
        assert_int_equal(hark_augment_specaugment(a, T, F, &p, &r), HARK_OK);
        check_masks(a, T, F, &p);
    }
    /* Tiny and empty inputs are fine; bad parameters are refused. */
    uint64_t r = 3;
    assert_int_equal(hark_augment_specaugment(a, 1, 1, &p, &r), HARK_OK);
    assert_int_equal(hark_augment_specaugment(NULL, 0, 39, &p, &r), HARK_OK);
    p.max_time_ratio = 2;
    assert_int_equal(hark_augment_specaugment(a, T, F, &p, &r), HARK_ERR_INVALID_ARG);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng),
        cmocka_unit_test(test_noise_snr),
        cmocka_unit_test(test_speed),
        cmocka_unit_test(test_gain),
        cmocka_unit_test(test_specaugment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
