/* test_augment.c - training augmentation: noise mixed at the asked SNR, speed perturbation
 * changing length and pitch by the factor, gain, a lead-in of quiet noise, SpecAugment masks within their bounds, the VTLP
 * warp and warped extractors, image-method room responses, FFT convolution against a direct
 * sum, the telephone line's band, the augmenter bundle, and reproducibility from the seed. */
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

static double sum_sq(const float *x, size_t from, size_t to)
{
    double e = 0;
    for (size_t i = from; i < to; i++)
        e += (double)x[i] * x[i];
    return e;
}

static double power(const float *x, size_t n) { return sum_sq(x, 0, n) / (double)n; }

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

/* A lead-in: the noise first (RMS as asked, zero mean, Gaussian: 95% within 2 RMS), the
 * utterance after it unchanged; RMS 0 is digital silence; the same seed gives the same noise. */
static void test_lead(void **state)
{
    (void)state;
    enum { N = 800, LEAD = 24000 };
    float x[N];
    for (int i = 0; i < N; i++)
        x[i] = (float)sin(0.05 * i);
    uint64_t rng = 3, rng2 = 3;
    float *y = NULL, *y2 = NULL;
    size_t ny = 0, ny2 = 0;
    assert_int_equal(hark_augment_lead(x, N, LEAD, 0.01f, &rng, &y, &ny), HARK_OK);
    assert_int_equal(ny, LEAD + N);
    assert_memory_equal(y + LEAD, x, N * sizeof *x);
    double s = 0, s2 = 0;
    int within = 0;
    for (int i = 0; i < LEAD; i++) {
        s += y[i];
        s2 += (double)y[i] * y[i];
        within += fabsf(y[i]) < 0.02f;
    }
    assert_true(fabs(s / LEAD) < 3e-4);
    assert_true(fabs(sqrt(s2 / LEAD) - 0.01) < 5e-4);
    assert_true(fabs((double)within / LEAD - 0.9545) < 0.01);
    assert_int_equal(hark_augment_lead(x, N, LEAD, 0.01f, &rng2, &y2, &ny2), HARK_OK);
    assert_memory_equal(y, y2, ny * sizeof *y);
    free(y);
    free(y2);
    assert_int_equal(hark_augment_lead(x, N, 5, 0, &rng, &y, &ny), HARK_OK);
    for (int i = 0; i < 5; i++)
        assert_true(y[i] == 0.0f);
    free(y);
    assert_int_equal(hark_augment_lead(x, N, 0, 0.01f, &rng, &y, &ny), HARK_OK);
    assert_int_equal(ny, N);
    assert_memory_equal(y, x, N * sizeof *x);
    free(y);
    assert_int_equal(hark_augment_lead(NULL, N, 5, 0.01f, &rng, &y, &ny), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_augment_lead(x, N, 5, -1, &rng, &y, &ny), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_augment_lead(x, N, 5, 0.01f, NULL, &y, &ny), HARK_ERR_INVALID_ARG);
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

static float *sine(size_t n, double hz, int rate, double amp)
{
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(amp * sin(2 * PI * hz * (double)i / rate));
    return x;
}

static void test_vtlp_warp(void **state)
{
    (void)state;
    const double nyq = 8000;
    for (double f = 0; f <= nyq; f += 250)
        assert_true(fabs(hark_augment_vtlp_warp(f, 1.0, nyq) - f) < 1e-9);
    const double alphas[] = {0.9, 0.95, 1.05, 1.1};
    for (int k = 0; k < 4; k++) {
        double a = alphas[k], prev = -1;
        assert_true(fabs(hark_augment_vtlp_warp(0, a, nyq)) < 1e-9);
        assert_true(fabs(hark_augment_vtlp_warp(nyq, a, nyq) - nyq) < 1e-9);
        assert_true(fabs(hark_augment_vtlp_warp(1000, a, nyq) - 1000 * a) < 1e-9); /* linear part */
        for (double f = 0; f <= nyq; f += 10) { /* monotonic and continuous */
            double w = hark_augment_vtlp_warp(f, a, nyq);
            assert_true(w > prev);
            if (prev >= 0)
                assert_true(w - prev < 10 * 1.6);
            prev = w;
        }
    }
    /* The paper's boundary: 4800 Hz at 16 kHz, where alpha <= 1 still scales linearly. */
    assert_true(fabs(hark_augment_vtlp_warp(4800, 0.9, nyq) - 4320) < 1e-9);
}

/* Mean squared distance between two feature matrices of T x D. */
static double feat_dist(const float *a, const float *b, size_t T, int D)
{
    double s = 0;
    for (size_t i = 0; i < T * (size_t)D; i++)
        s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return s / (double)(T * (size_t)D);
}

static void test_mfcc_warped(void **state)
{
    (void)state;
    hark_mfcc_config c = hark_mfcc_default_config();
    c.delta_order = 0;
    c.use_energy = 0;
    const size_t n = 8000;
    float *t1000 = sine(n, 1000, 16000, 0.3), *t1100 = sine(n, 1100, 16000, 0.3);
    hark_mfcc *plain = hark_mfcc_create(&c), *same = hark_mfcc_create_warped(&c, 1.0);
    hark_mfcc *up = hark_mfcc_create_warped(&c, 1.1);
    assert_non_null(plain);
    assert_non_null(same);
    assert_non_null(up);
    float *a, *b, *w, *ref;
    size_t Ta, Tb, Tw, Tr;
    assert_int_equal(hark_mfcc_compute_alloc(plain, t1000, n, &a, &Ta), HARK_OK);
    assert_int_equal(hark_mfcc_compute_alloc(same, t1000, n, &b, &Tb), HARK_OK);
    assert_int_equal(hark_mfcc_compute_alloc(up, t1000, n, &w, &Tw), HARK_OK);
    assert_int_equal(hark_mfcc_compute_alloc(plain, t1100, n, &ref, &Tr), HARK_OK);
    assert_true(Ta == Tb && Ta == Tw && Ta == Tr);
    assert_memory_equal(a, b, Ta * 13 * sizeof *a); /* alpha 1 is the plain extractor */
    /* Warping by 1.1 moves a 1000 Hz tone to where the plain filterbank sees 1100 Hz. */
    double to_shifted = feat_dist(w, ref, Ta, 13), to_orig = feat_dist(w, a, Ta, 13);
    if (!(to_shifted < 0.35 * to_orig))
        fail_msg("warped 1000 Hz: distance %g to plain 1100 Hz, %g to plain 1000 Hz", to_shifted,
                 to_orig);
    assert_null(hark_mfcc_create_warped(&c, 3.0));
    free(a);
    free(b);
    free(w);
    free(ref);
    free(t1000);
    free(t1100);
    hark_mfcc_free(plain);
    hark_mfcc_free(same);
    hark_mfcc_free(up);
}

static void test_room_response(void **state)
{
    (void)state;
    hark_room r = {{5, 4, 3}, {2, 2, 1.5}, {3.5, 2, 1.5}, 0.4};
    float *h;
    size_t n;
    assert_int_equal(hark_augment_room_response(&r, 16000, 0.5, &h, &n), HARK_OK);
    assert_int_equal(n, (size_t)(0.4 * 16000) + 2);
    assert_true(fabsf(h[0] - 1.0f) < 1e-6f); /* direct sound first, unit gain */
    /* The wall at x = 0 mirrors the talker to x = -2: 5.5 m away, 4 m more than the direct path,
     * attenuated by beta 1.5 / 5.5 against the direct sound (Sabine's beta for this room). */
    const double V = 60, S = 2 * (20 + 15 + 12), beta = sqrt(1 - 0.161 * V / (S * 0.4));
    const double t = 4.0 / 343.0 * 16000;
    const size_t k = (size_t)t;
    double got = h[k] + h[k + 1];
    const double want = beta * 1.5 / 5.5;
    if (!(fabs(got - want) < 0.01))
        fail_msg("wall reflection %g at sample %zu, want %g", got, k, want);
    /* It decays: the last quarter holds far less energy than the first. */
    assert_true(sum_sq(h, 3 * n / 4, n) < 0.1 * sum_sq(h, 0, n / 4));
    /* A longer RT60 in the same room leaves more energy after 50 ms. */
    float *h2;
    size_t n2;
    r.rt60 = 0.8;
    assert_int_equal(hark_augment_room_response(&r, 16000, 0.5, &h2, &n2), HARK_OK);
    assert_int_equal(n2, (size_t)(0.5 * 16000) + 2); /* cut at max_seconds */
    assert_true(sum_sq(h2, 800, n2) > 1.5 * sum_sq(h, 800, n));
    free(h);
    free(h2);
    /* Rooms that cannot exist are refused. */
    hark_room bad = r;
    bad.mic[0] = 6;
    assert_int_equal(hark_augment_room_response(&bad, 16000, 0.5, &h, &n), HARK_ERR_INVALID_ARG);
    bad = r;
    bad.rt60 = 0.06; /* absorption above 1 */
    assert_int_equal(hark_augment_room_response(&bad, 16000, 0.5, &h, &n), HARK_ERR_INVALID_ARG);
    bad = r;
    bad.size[2] = -1;
    assert_int_equal(hark_augment_room_response(&bad, 16000, 0.5, &h, &n), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_augment_room_response(&r, 16000, 0, &h, &n), HARK_ERR_INVALID_ARG);
    /* Every random room is a valid one. */
    uint64_t rng = 5;
    for (int i = 0; i < 200; i++) {
        hark_room rr;
        hark_augment_random_room(&rng, &rr);
        assert_int_equal(hark_augment_room_response(&rr, 8000, 0.1, &h, &n), HARK_OK);
        free(h);
    }
}

static void test_convolve(void **state)
{
    (void)state;
    size_t n;
    float *x = speech(&n);
    n = 4000;
    float *y = malloc(n * sizeof *y), *ref = malloc(n * sizeof *ref);
    uint64_t rng = 11;
    float h[50];
    for (int i = 0; i < 50; i++)
        h[i] = (float)(hark_augment_rng_uniform(&rng) - 0.5) * expf(-i / 10.0f);
    /* Direct sum, scaled to x's power as the function promises. */
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t j = 0; j < 50 && j <= i; j++)
            s += (double)h[j] * x[i - j];
        ref[i] = (float)s;
    }
    double g = sqrt(sum_sq(x, 0, n) / sum_sq(ref, 0, n));
    memcpy(y, x, n * sizeof *y);
    assert_int_equal(hark_augment_convolve(y, n, h, 50), HARK_OK);
    for (size_t i = 0; i < n; i++)
        if (!(fabs(y[i] - g * ref[i]) < 1e-4))
            fail_msg("sample %zu: FFT %g, direct %g", i, y[i], g * ref[i]);
    /* A unit impulse leaves the signal as it was. */
    float one = 1;
    memcpy(y, x, n * sizeof *y);
    assert_int_equal(hark_augment_convolve(y, n, &one, 1), HARK_OK);
    for (size_t i = 0; i < n; i++)
        assert_true(fabsf(y[i] - x[i]) < 1e-5f);
    assert_int_equal(hark_augment_convolve(NULL, 5, &one, 1), HARK_ERR_INVALID_ARG);
    free(x);
    free(y);
    free(ref);
}

static void test_telephone(void **state)
{
    (void)state;
    const size_t n = 16000;
    const double freqs[] = {100, 1000, 2500, 5000};
    const double lo[] = {0, 0.5, 0.5, 0}, hi[] = {0.02, 1.2, 1.2, 0.001};
    for (int k = 0; k < 4; k++) {
        float *x = sine(n, freqs[k], 16000, 0.5);
        double before = sum_sq(x, 4000, 12000);
        assert_int_equal(hark_augment_telephone(x, n, 16000), HARK_OK);
        double ratio = sum_sq(x, 4000, 12000) / before;
        if (!(ratio >= lo[k] && ratio <= hi[k]))
            fail_msg("%g Hz through the telephone: power ratio %g, want %g..%g", freqs[k], ratio,
                     lo[k], hi[k]);
        free(x);
    }
    float x[10] = {0};
    assert_int_equal(hark_augment_telephone(x, 10, 4000), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_augment_telephone(x, 0, 16000), HARK_OK);
}

static void test_augmenter(void **state)
{
    (void)state;
    hark_mfcc_config fc = hark_mfcc_default_config();
    hark_mfcc *plain = hark_mfcc_create(&fc);
    hark_augmenter_config ac = hark_augmenter_default_config();
    hark_augmenter *off = hark_augmenter_create(&fc, &ac);
    assert_non_null(off);
    size_t n;
    float *x = speech(&n);
    float *y = malloc(n * sizeof *y), *z = malloc(n * sizeof *z);
    memcpy(y, x, n * sizeof *y);
    uint64_t rng = 3;
    hark_mfcc *ex = NULL;
    assert_int_equal(hark_augmenter_room(off, y, n, &rng), HARK_OK);
    assert_int_equal(hark_augmenter_channel(off, y, n, &rng, plain, &ex), HARK_OK);
    assert_ptr_equal(ex, plain);
    assert_memory_equal(x, y, n * sizeof *x); /* everything off: untouched */

    ac.vtlp = 0.1f;
    ac.reverb_prob = 1;
    ac.telephone_prob = 1;
    ac.n_rooms = 4;
    hark_augmenter *on = hark_augmenter_create(&fc, &ac);
    assert_non_null(on);
    uint64_t r1 = 9, r2 = 9;
    memcpy(y, x, n * sizeof *y);
    memcpy(z, x, n * sizeof *z);
    hark_mfcc *e1, *e2;
    assert_int_equal(hark_augmenter_room(on, y, n, &r1), HARK_OK);
    assert_int_equal(hark_augmenter_channel(on, y, n, &r1, plain, &e1), HARK_OK);
    assert_int_equal(hark_augmenter_room(on, z, n, &r2), HARK_OK);
    assert_int_equal(hark_augmenter_channel(on, z, n, &r2, plain, &e2), HARK_OK);
    assert_memory_equal(y, z, n * sizeof *y); /* reproducible from the seed */
    assert_ptr_equal(e1, e2);
    assert_true(e1 != plain);
    assert_true(feat_dist(x, y, n, 1) > 1e-6); /* and it changed the signal */
    ac.vtlp = 0.9f;
    assert_null(hark_augmenter_create(&fc, &ac));
    hark_augmenter_free(off);
    hark_augmenter_free(on);
    hark_mfcc_free(plain);
    free(x);
    free(y);
    free(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng),
        cmocka_unit_test(test_noise_snr),
        cmocka_unit_test(test_speed),
        cmocka_unit_test(test_gain),
        cmocka_unit_test(test_lead),
        cmocka_unit_test(test_specaugment),
        cmocka_unit_test(test_vtlp_warp),
        cmocka_unit_test(test_mfcc_warped),
        cmocka_unit_test(test_room_response),
        cmocka_unit_test(test_convolve),
        cmocka_unit_test(test_telephone),
        cmocka_unit_test(test_augmenter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
