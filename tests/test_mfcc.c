/* test_mfcc.c - MFCC parity with torchaudio.compliance.kaldi.mfcc and compute_deltas, live CMVN
 * with sliding_window_cmn (fixtures from tests/ref/mfcc_fixtures.py), config validation, JSON
 * round trip, CMVN. */
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

static tu_fixture *fx;
static const char *const sources[] = {"fsdd8k", "sc16k"};
static const char *const source_files[] = {"tests/data/audio/fsdd_3_jackson_7.wav",
                                           "tests/data/audio/sc_yes_022cd682.flac"};

static int setup(void **state)
{
    (void)state;
    fx = tu_fixture_load(tu_src("tests/ref/mfcc_fixtures.hkfx"));
    return fx ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tu_fixture_free(fx);
    return 0;
}

static const float *get(const char *cas, const char *what, int dims[8])
{
    char key[128];
    snprintf(key, sizeof key, "%s/%s", cas, what);
    int nd;
    const float *p = tu_fixture_get(fx, key, &nd, dims);
    assert_non_null(p);
    return p;
}

/* The config the fixture script used (its CONFIG_KEYS order). */
static hark_mfcc_config config_of(const char *cas)
{
    int dims[8];
    const float *v = get(cas, "config", dims);
    assert_int_equal(dims[0], 16);
    hark_mfcc_config c = hark_mfcc_default_config();
    c.sample_rate = (int)v[0];
    c.frame_length_ms = v[1];
    c.frame_shift_ms = v[2];
    c.preemphasis = v[3];
    c.remove_dc = (int)v[4];
    c.window = (hark_window)(int)v[5];
    c.fft_size = v[6] != 0 ? 0 : hark_mfcc_frame_length(&c);
    c.num_mel_bins = (int)v[7];
    c.low_freq = v[8];
    c.high_freq = v[9];
    c.use_energy = (int)v[10];
    c.raw_energy = (int)v[11];
    c.energy_floor = v[12];
    c.input_scale = v[13];
    c.num_ceps = (int)v[14];
    c.cepstral_lifter = v[15];
    c.delta_order = 2;
    c.delta_window = 2;
    c.dither = 0;
    return c;
}

/* hark's loader gives the same samples torchaudio.load does. */
static void test_loader_matches_torchaudio(void **state)
{
    (void)state;
    for (int s = 0; s < 2; s++) {
        float *x;
        size_t n;
        int rate;
        assert_int_equal(hark_audio_load(tu_src(source_files[s]), 0, &x, &n, &rate), HARK_OK);
        int dims[8];
        const float *ref = get(sources[s], "wave", dims);
        assert_int_equal(n, (size_t)dims[0]);
        assert_true(tu_max_abs_diff(x, ref, n) < 1e-7);
        assert_int_equal(rate, s == 0 ? 8000 : 16000);
        free(x);
    }
}

static void check_case(const char *cas)
{
    hark_mfcc_config c = config_of(cas);
    int sdims[8], dims[8];
    const float *src = get(cas, "source", sdims);
    const float *wave = get(sources[(int)src[0]], "wave", sdims);
    size_t n = (size_t)sdims[0];
    const float *ref[3] = {get(cas, "mfcc", dims), get(cas, "delta", dims), get(cas, "ddelta", dims)};
    const size_t T = (size_t)dims[0];
    const int C = dims[1];
    assert_int_equal(C, c.num_ceps);
    assert_int_equal(hark_mfcc_num_frames(&c, n), T);
    const int D = hark_mfcc_dim(&c);
    assert_int_equal(D, 3 * C);

    hark_mfcc *m = hark_mfcc_create(&c);
    assert_non_null(m);
    float *out = malloc(T * (size_t)D * sizeof *out);
    size_t got = 0;
    assert_int_equal(hark_mfcc_compute(m, wave, n, out, &got), HARK_OK);
    assert_int_equal(got, T);
    double worst[3] = {0, 0, 0};
    for (size_t t = 0; t < T; t++)
        for (int part = 0; part < 3; part++)
            for (int i = 0; i < C; i++) {
                double d = fabs((double)out[t * (size_t)D + (size_t)(part * C + i)] -
                                (double)ref[part][t * (size_t)C + (size_t)i]);
                if (!(d <= worst[part]))
                    worst[part] = d;
            }
    print_message("%-11s T=%3zu C=%2d max |diff| mfcc %.2e delta %.2e ddelta %.2e\n", cas, T, C,
                  worst[0], worst[1], worst[2]);
    for (int part = 0; part < 3; part++)
        assert_true(worst[part] < 1e-3);
    free(out);
    hark_mfcc_free(m);
}

static void test_parity_default16k(void **s) { (void)s; check_case("default16k"); }
static void test_parity_default8k(void **s) { (void)s; check_case("default8k"); }
static void test_parity_hamming16k(void **s) { (void)s; check_case("hamming16k"); }
static void test_parity_hann8k(void **s) { (void)s; check_case("hann8k"); }
static void test_parity_rect16k(void **s) { (void)s; check_case("rect16k"); }

static void test_defaults_and_sizes(void **state)
{
    (void)state;
    hark_mfcc_config c = hark_mfcc_default_config();
    assert_int_equal(c.sample_rate, 16000);
    assert_int_equal(hark_mfcc_frame_length(&c), 400);
    assert_int_equal(hark_mfcc_frame_shift(&c), 160);
    assert_int_equal(hark_mfcc_dim(&c), 39);
    assert_int_equal(hark_mfcc_num_frames(&c, 399), 0);
    assert_int_equal(hark_mfcc_num_frames(&c, 400), 1);
    assert_int_equal(hark_mfcc_num_frames(&c, 559), 1);
    assert_int_equal(hark_mfcc_num_frames(&c, 560), 2);
    assert_int_equal(hark_mfcc_num_frames(&c, 16000), 98);
    assert_int_equal(hark_mfcc_config_validate(&c), HARK_OK);

    /* Too short for a frame: no frames and no error, out left NULL. */
    hark_mfcc *m = hark_mfcc_create(&c);
    float x[399] = {0}, *out = (float *)1;
    size_t T = 7;
    assert_int_equal(hark_mfcc_compute_alloc(m, x, 399, &out, &T), HARK_OK);
    assert_int_equal(T, 0);
    assert_null(out);
    /* Digital silence: every value finite (log floors at epsilon). */
    float *z = calloc(4000, sizeof *z);
    assert_int_equal(hark_mfcc_compute_alloc(m, z, 4000, &out, &T), HARK_OK);
    assert_int_equal(T, 23);
    for (size_t i = 0; i < T * 39; i++)
        assert_true(isfinite(out[i]));
    free(out);
    free(z);
    hark_mfcc_free(m);
}

static void expect_invalid(hark_mfcc_config c, const char *word)
{
    assert_int_equal(hark_mfcc_config_validate(&c), HARK_ERR_INVALID_ARG);
    assert_non_null(strstr(hark_last_error(), word));
    assert_null(hark_mfcc_create(&c));
    assert_null(hark_mfcc_stream_create(&c));
}

static void test_invalid_configs(void **state)
{
    (void)state;
    hark_mfcc_config d = hark_mfcc_default_config(), c;
    c = d, c.sample_rate = 100, expect_invalid(c, "sample_rate");
    c = d, c.frame_length_ms = 0, expect_invalid(c, "frame_length_ms");
    c = d, c.frame_shift_ms = NAN, expect_invalid(c, "frame_shift_ms");
    c = d, c.fft_size = 256, expect_invalid(c, "fft_size"); /* shorter than the 400-sample frame */
    c = d, c.fft_size = 401, expect_invalid(c, "fft_size");
    c = d, c.num_mel_bins = 2, expect_invalid(c, "num_mel_bins");
    c = d, c.num_ceps = 24, expect_invalid(c, "num_ceps");
    c = d, c.low_freq = 9000, expect_invalid(c, "low_freq");
    c = d, c.high_freq = 9000, expect_invalid(c, "high_freq");
    c = d, c.high_freq = -8000, expect_invalid(c, "high_freq");
    c = d, c.preemphasis = 1.5f, expect_invalid(c, "preemphasis");
    c = d, c.delta_order = 3, expect_invalid(c, "delta_order");
    c = d, c.delta_window = 0, expect_invalid(c, "delta_window");
    c = d, c.window = (hark_window)9, expect_invalid(c, "window");
    c = d, c.cmvn = HARK_CMVN_GLOBAL, c.cmvn_dim = 13, expect_invalid(c, "39");
    c = d, c.cmvn = HARK_CMVN_GLOBAL, c.cmvn_dim = 39;
    for (int i = 0; i < 39; i++)
        c.cmvn_std[i] = 1;
    c.cmvn_std[5] = 0;
    expect_invalid(c, "statistic 5");
    c.cmvn_std[5] = 1;
    c.cmvn = HARK_CMVN_LIVE;
    assert_int_equal(hark_mfcc_config_validate(&c), HARK_OK);
    hark_mfcc_config l = c;
    l.cmvn_window = 0, expect_invalid(l, "cmvn_window");
    l = c, l.cmvn_window = HARK_MFCC_MAX_CMVN_WINDOW + 1, expect_invalid(l, "cmvn_window");
    l = c, l.cmvn_min_window = 601, expect_invalid(l, "cmvn_min_window");
    l = c, l.cmvn_min_window = 0, expect_invalid(l, "cmvn_min_window");
    l = c, l.cmvn_dim = 13, expect_invalid(l, "live CMVN statistics");
    /* Identity statistics complete a live config before its std is known; the mode stays. */
    l = d, l.cmvn = HARK_CMVN_LIVE, expect_invalid(l, "live CMVN statistics");
    hark_mfcc_stats_identity(&l);
    assert_int_equal(l.cmvn, HARK_CMVN_LIVE);
    assert_int_equal(l.cmvn_dim, 39);
    assert_true(l.cmvn_mean[38] == 0 && l.cmvn_std[0] == 1 && l.cmvn_std[38] == 1);
    assert_int_equal(hark_mfcc_config_validate(&l), HARK_OK);
    c = d, c.cmvn = (hark_cmvn_mode)4, expect_invalid(c, "cmvn mode");
}

static void test_json_round_trip(void **state)
{
    (void)state;
    hark_mfcc_config c = hark_mfcc_default_config();
    c.sample_rate = 8000;
    c.window = HARK_WINDOW_HAMMING;
    c.num_mel_bins = 30;
    c.dither = 1.0f;
    c.dither_seed = 0xFEDCBA9876543210ull;
    c.cmvn = HARK_CMVN_GLOBAL;
    c.cmvn_dim = 39;
    for (int i = 0; i < 39; i++) {
        c.cmvn_mean[i] = 0.1f * (float)i - 1.7f;
        c.cmvn_std[i] = 1.0f / (float)(i + 3);
    }
    cJSON *j = hark_mfcc_config_to_json(&c);
    assert_non_null(j);
    char *text = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    cJSON *back = cJSON_Parse(text);
    free(text);
    hark_mfcc_config r;
    memset(&r, 0xAB, sizeof r);
    assert_int_equal(hark_mfcc_config_from_json(back, &r), HARK_OK);
    cJSON_Delete(back);
    assert_int_equal(r.sample_rate, 8000);
    assert_int_equal(r.window, HARK_WINDOW_HAMMING);
    assert_int_equal(r.num_mel_bins, 30);
    assert_true(r.dither_seed == c.dither_seed);
    assert_int_equal(r.cmvn, HARK_CMVN_GLOBAL);
    assert_int_equal(r.cmvn_dim, 39);
    assert_memory_equal(r.cmvn_mean, c.cmvn_mean, 39 * sizeof(float));
    assert_memory_equal(r.cmvn_std, c.cmvn_std, 39 * sizeof(float));
    assert_true(r.frame_length_ms == c.frame_length_ms && r.preemphasis == c.preemphasis);

    /* Missing keys keep defaults; wrong types and invalid values are format errors. */
    cJSON *o = cJSON_Parse("{\"num_ceps\": 10}");
    assert_int_equal(hark_mfcc_config_from_json(o, &r), HARK_OK);
    assert_int_equal(r.num_ceps, 10);
    assert_int_equal(r.sample_rate, 16000);
    cJSON_Delete(o);
    const char *bad[] = {"{\"num_ceps\": \"ten\"}", "{\"window\": \"kaiser\"}",
                         "{\"num_ceps\": 99}", "{\"cmvn_mean\": [1, 2], \"cmvn_std\": [1]}",
                         "{\"cmvn\": \"global\"}", "[1, 2]", "{\"num_ceps\": 2.5}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o = cJSON_Parse(bad[i]);
        assert_non_null(o);
        assert_int_equal(hark_mfcc_config_from_json(o, &r), HARK_ERR_FORMAT);
        cJSON_Delete(o);
    }

    /* Live CMVN keeps its windows; the other modes do not write them. */
    c.cmvn = HARK_CMVN_LIVE;
    c.cmvn_window = 321;
    c.cmvn_min_window = 45;
    j = hark_mfcc_config_to_json(&c);
    assert_int_equal(hark_mfcc_config_from_json(j, &r), HARK_OK);
    assert_int_equal(r.cmvn, HARK_CMVN_LIVE);
    assert_int_equal(r.cmvn_window, 321);
    assert_int_equal(r.cmvn_min_window, 45);
    assert_memory_equal(r.cmvn_std, c.cmvn_std, 39 * sizeof(float));
    cJSON_Delete(j);
    c.cmvn = HARK_CMVN_GLOBAL;
    j = hark_mfcc_config_to_json(&c);
    assert_null(cJSON_GetObjectItemCaseSensitive(j, "cmvn_window"));
    cJSON_Delete(j);
    o = cJSON_Parse("{\"cmvn\": \"live\", \"cmvn_window\": 10, \"cmvn_min_window\": 11, "
                    "\"cmvn_mean\": [0], \"cmvn_std\": [1], \"num_ceps\": 1, "
                    "\"delta_order\": 0}");
    assert_int_equal(hark_mfcc_config_from_json(o, &r), HARK_ERR_FORMAT); /* min > window */
    cJSON_Delete(o);
}

/* Live CMVN against torchaudio.functional.sliding_window_cmn (Kaldi's apply-cmvn-sliding,
 * center=False) on the fixture's features, over its windows, divided by the fixture's std. */
static void test_live_cmvn_matches_torchaudio(void **state)
{
    (void)state;
    int dm[8], dd[8], ds[8];
    const float *mf = get("default16k", "mfcc", dm), *d1 = get("default16k", "delta", dd);
    const float *d2 = get("default16k", "ddelta", dd), *sd = get("cmn", "std", ds);
    const size_t T = (size_t)dm[0];
    assert_int_equal(dm[1], 13);
    assert_int_equal(ds[0], 39);
    float *raw = malloc(T * 39 * sizeof *raw), *f = malloc(T * 39 * sizeof *f);
    for (size_t t = 0; t < T; t++)
        for (int i = 0; i < 13; i++) {
            raw[t * 39 + (size_t)i] = mf[t * 13 + (size_t)i];
            raw[t * 39 + 13 + (size_t)i] = d1[t * 13 + (size_t)i];
            raw[t * 39 + 26 + (size_t)i] = d2[t * 13 + (size_t)i];
        }
    const int cases[][2] = {{600, 100}, {20, 5}, {8, 8}, {1, 1}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        hark_mfcc_config c = hark_mfcc_default_config();
        c.cmvn = HARK_CMVN_LIVE;
        c.cmvn_window = cases[k][0];
        c.cmvn_min_window = cases[k][1];
        c.cmvn_dim = 39;
        memcpy(c.cmvn_std, sd, 39 * sizeof *sd);
        memcpy(f, raw, T * 39 * sizeof *f);
        assert_int_equal(hark_mfcc_apply_cmvn(&c, f, T), HARK_OK);
        char name[32];
        snprintf(name, sizeof name, "cmn_%d_%d", cases[k][0], cases[k][1]);
        int dr[8];
        const float *ref = get(name, "out", dr);
        assert_int_equal(dr[0], (int)T);
        double worst = 0;
        for (size_t i = 0; i < T * 39; i++) {
            double e = fabs((double)f[i] - ref[i]) / (1 + fabs(ref[i]));
            worst = e > worst ? e : worst;
        }
        if (worst > 1e-5)
            fail_msg("%s: relative error %g", name, worst);
    }
    free(raw);
    free(f);
}

/* A chirp-like test signal with some noise: reproducible, covers the spectrum. */
static float *test_signal(size_t n, int rate, uint64_t seed)
{
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / rate;
        x[i] = (float)(0.3 * sin(2 * 3.14159265358979 * (200 + 900 * t) * t) +
                       0.05 * (hark_augment_rng_uniform(&seed) - 0.5));
    }
    return x;
}

static void test_cmvn(void **state)
{
    (void)state;
    hark_mfcc_config c = hark_mfcc_default_config();
    size_t n = 16000, T;
    float *x = test_signal(n, 16000, 3);
    hark_mfcc *plain = hark_mfcc_create(&c);
    float *f0, *f1;
    assert_int_equal(hark_mfcc_compute_alloc(plain, x, n, &f0, &T), HARK_OK);

    /* Utterance CMVN: zero mean (and unit variance) per dimension. */
    c.cmvn = HARK_CMVN_UTTERANCE;
    c.cmvn_variance = 1;
    hark_mfcc *utt = hark_mfcc_create(&c);
    assert_int_equal(hark_mfcc_compute_alloc(utt, x, n, &f1, &T), HARK_OK);
    for (int i = 0; i < 39; i++) {
        double s = 0, ss = 0;
        for (size_t t = 0; t < T; t++) {
            s += f1[t * 39 + (size_t)i];
            ss += (double)f1[t * 39 + (size_t)i] * f1[t * 39 + (size_t)i];
        }
        assert_true(fabs(s / (double)T) < 1e-4);
        assert_true(fabs(ss / (double)T - 1.0) < 1e-3);
    }
    free(f1);

    /* Global statistics estimated on this utterance reproduce utterance CMVN. */
    hark_mfcc_stats st;
    hark_mfcc_stats_init(&st, 39);
    hark_mfcc_config g = hark_mfcc_default_config();
    assert_int_equal(hark_mfcc_stats_apply(&st, &g), HARK_ERR_INVALID_ARG); /* nothing added */
    hark_mfcc_stats_add(&st, f0, T);
    assert_int_equal(hark_mfcc_stats_apply(&st, &g), HARK_OK);
    assert_int_equal(g.cmvn, HARK_CMVN_GLOBAL);
    hark_mfcc *glob = hark_mfcc_create(&g);
    assert_non_null(glob);
    assert_int_equal(hark_mfcc_compute_alloc(glob, x, n, &f1, &T), HARK_OK);
    for (int i = 0; i < 39; i++) {
        double s = 0;
        for (size_t t = 0; t < T; t++)
            s += f1[t * 39 + (size_t)i];
        assert_true(fabs(s / (double)T) < 1e-3);
    }
    /* Raw features + hark_mfcc_apply_cmvn give exactly what the extractor gives. */
    float *raw = malloc(T * 39 * sizeof *raw);
    memcpy(raw, f0, T * 39 * sizeof *raw);
    assert_int_equal(hark_mfcc_apply_cmvn(&g, raw, T), HARK_OK);
    assert_memory_equal(raw, f1, T * 39 * sizeof *raw);
    free(f1);
    assert_int_equal(hark_mfcc_compute_alloc(utt, x, n, &f1, &T), HARK_OK);
    memcpy(raw, f0, T * 39 * sizeof *raw);
    assert_int_equal(hark_mfcc_apply_cmvn(hark_mfcc_get_config(utt), raw, T), HARK_OK);
    assert_memory_equal(raw, f1, T * 39 * sizeof *raw);
    free(raw);
    hark_mfcc_config bad = g;
    bad.cmvn_std[3] = -1;
    assert_int_equal(hark_mfcc_apply_cmvn(&bad, f1, T), HARK_ERR_INVALID_ARG);

    hark_mfcc_stats_init(&st, 13);
    hark_mfcc_stats_add(&st, f0, 1);
    assert_int_equal(hark_mfcc_stats_apply(&st, &g), HARK_ERR_INVALID_ARG); /* 13 != 39 dims */
    free(f0);
    free(f1);
    free(x);
    hark_mfcc_free(plain);
    hark_mfcc_free(utt);
    hark_mfcc_free(glob);
}

/* Dither is seeded: the same seed gives the same features, another seed different ones. */
static void test_dither_reproducible(void **state)
{
    (void)state;
    hark_mfcc_config c = hark_mfcc_default_config();
    c.dither = 1.0f;
    size_t n = 8000, T;
    float *x = test_signal(n, 16000, 9), *a, *b;
    hark_mfcc *m = hark_mfcc_create(&c);
    assert_int_equal(hark_mfcc_compute_alloc(m, x, n, &a, &T), HARK_OK);
    assert_int_equal(hark_mfcc_compute_alloc(m, x, n, &b, &T), HARK_OK);
    assert_memory_equal(a, b, T * 39 * sizeof(float));
    hark_mfcc_free(m);
    free(b);
    c.dither_seed = 12345;
    m = hark_mfcc_create(&c);
    assert_int_equal(hark_mfcc_compute_alloc(m, x, n, &b, &T), HARK_OK);
    assert_true(tu_max_abs_diff(a, b, T * 39) > 0);
    hark_mfcc_free(m);
    free(a);
    free(b);
    free(x);
}

/* Extractors on several threads, each created and freed repeatedly (FFTW planning is locked,
 * everything else is per object), give the single-threaded result. */
typedef struct {
    const float *x;
    size_t n;
    const float *want;
    size_t T;
    int ok;
} thread_job;

static void *worker(void *arg)
{
    thread_job *j = arg;
    hark_mfcc_config c = hark_mfcc_default_config();
    j->ok = 1;
    for (int r = 0; r < 20; r++) {
        hark_mfcc *m = hark_mfcc_create(&c);
        float *f;
        size_t T;
        if (!m || hark_mfcc_compute_alloc(m, j->x, j->n, &f, &T) != HARK_OK) {
            j->ok = 0;
            hark_mfcc_free(m);
            return NULL;
        }
        j->ok &= T == j->T && memcmp(f, j->want, T * 39 * sizeof *f) == 0;
        free(f);
        hark_mfcc_free(m);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    size_t n = 8000, T;
    float *x = test_signal(n, 16000, 21), *want;
    hark_mfcc_config c = hark_mfcc_default_config();
    hark_mfcc *m = hark_mfcc_create(&c);
    assert_int_equal(hark_mfcc_compute_alloc(m, x, n, &want, &T), HARK_OK);
    hark_mfcc_free(m);
    pthread_t th[4];
    thread_job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (thread_job){x, n, want, T, 0};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_true(jobs[i].ok);
    }
    free(want);
    free(x);
}

/* A NaN sample cannot produce features: a numeric error, not garbage frames. */
static void test_nan_input(void **state)
{
    (void)state;
    hark_mfcc_config c = hark_mfcc_default_config();
    hark_mfcc *m = hark_mfcc_create(&c);
    float *x = test_signal(4000, 16000, 1), *f = (float *)1;
    x[1234] = NAN;
    size_t T;
    assert_int_equal(hark_mfcc_compute_alloc(m, x, 4000, &f, &T), HARK_ERR_NUMERIC);
    assert_null(f);
    assert_non_null(strstr(hark_last_error(), "sample 1234"));
    /* Finite but absurd samples overflow inside the pipeline: also a numeric error. */
    x[1234] = 1e37f;
    assert_int_equal(hark_mfcc_compute_alloc(m, x, 4000, &f, &T), HARK_ERR_NUMERIC);
    assert_non_null(strstr(hark_last_error(), "non-finite"));
    assert_null(f);
    hark_mfcc_free(m);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loader_matches_torchaudio),
        cmocka_unit_test(test_parity_default16k),
        cmocka_unit_test(test_parity_default8k),
        cmocka_unit_test(test_parity_hamming16k),
        cmocka_unit_test(test_parity_hann8k),
        cmocka_unit_test(test_parity_rect16k),
        cmocka_unit_test(test_defaults_and_sizes),
        cmocka_unit_test(test_invalid_configs),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_cmvn),
        cmocka_unit_test(test_live_cmvn_matches_torchaudio),
        cmocka_unit_test(test_dither_reproducible),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_nan_input),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
