/* test_mfcc_stream.c - the streaming extractor against the whole-utterance path: random chunk
 * sizes (1..4000 samples) over several seeds and configurations (global and live CMVN included)
 * must give the same frames, the memory must not grow with the length of the stream, and misuse
 * must be refused. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Real speech followed by a synthetic tone sweep and noise, so frames differ from each other. */
static float *signal_of(size_t n, int rate, uint64_t seed)
{
    float *x = malloc(n * sizeof *x);
    float *speech = NULL;
    size_t ns = 0;
    assert_int_equal(hark_audio_load(tu_src("tests/data/audio/sc_yes_022cd682.flac"), rate, &speech,
                                     &ns, NULL),
                     HARK_OK);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / rate;
        double v = 0.2 * sin(2 * 3.14159265358979 * (150 + 300 * t) * t) +
                   0.02 * (hark_augment_rng_uniform(&seed) - 0.5);
        x[i] = (float)(i < ns ? speech[i] : v);
    }
    free(speech);
    return x;
}

static float *batch(const hark_mfcc_config *cfg, const float *x, size_t n, size_t *T)
{
    hark_mfcc *m = hark_mfcc_create(cfg);
    assert_non_null(m);
    float *f = NULL;
    assert_int_equal(hark_mfcc_compute_alloc(m, x, n, &f, T), HARK_OK);
    hark_mfcc_free(m);
    return f;
}

/* Stream x in random chunks of 1..max_chunk samples, reading after every feed when `drain`,
 * else only at the end. Returns the frames and their count. */
static float *streamed(hark_mfcc_stream *s, int D, const float *x, size_t n, uint64_t seed,
                       size_t max_chunk, int drain, size_t *T)
{
    size_t cap = n / 10 + 16, got = 0;
    float *out = malloc(cap * (size_t)D * sizeof *out);
    for (size_t i = 0; i < n;) {
        size_t c = 1 + (size_t)(hark_augment_rng_uniform(&seed) * (double)max_chunk);
        if (c > n - i)
            c = n - i;
        assert_int_equal(hark_mfcc_stream_feed(s, x + i, c), HARK_OK);
        i += c;
        if (drain) {
            size_t avail = hark_mfcc_stream_available(s);
            assert_true(got + avail <= cap);
            assert_int_equal(hark_mfcc_stream_read(s, out + got * (size_t)D, avail), avail);
            got += avail;
        }
    }
    assert_int_equal(hark_mfcc_stream_finish(s), HARK_OK);
    got += hark_mfcc_stream_read(s, out + got * (size_t)D, cap - got);
    assert_int_equal(hark_mfcc_stream_available(s), 0);
    *T = got;
    return out;
}

static void check_config(hark_mfcc_config cfg, size_t n, int seeds)
{
    float *x = signal_of(n, cfg.sample_rate, 77);
    size_t Tb;
    float *fb = batch(&cfg, x, n, &Tb);
    const int D = hark_mfcc_dim(&cfg);
    hark_mfcc_stream *s = hark_mfcc_stream_create(&cfg);
    assert_non_null(s);
    for (int seed = 1; seed <= seeds; seed++) {
        size_t Ts;
        hark_mfcc_stream_reset(s);
        float *fs = streamed(s, D, x, n, (uint64_t)seed, 4000, seed % 2, &Ts);
        assert_int_equal(Ts, Tb);
        assert_int_equal(hark_mfcc_stream_frames_out(s), Tb);
        /* Same kernel on the same numbers: equal to the bit, not just close. */
        if (Tb)
            assert_memory_equal(fs, fb, Tb * (size_t)D * sizeof(float));
        free(fs);
    }
    hark_mfcc_stream_free(s);
    free(fb);
    free(x);
}

static void test_default_config_many_seeds(void **state)
{
    (void)state;
    check_config(hark_mfcc_default_config(), 16000 * 3 + 123, 8);
}

static void test_other_configs(void **state)
{
    (void)state;
    hark_mfcc_config c = hark_mfcc_default_config();
    c.delta_order = 0;
    check_config(c, 20000, 3);
    c.delta_order = 1;
    c.delta_window = 3;
    check_config(c, 20000, 3);
    c = hark_mfcc_default_config();
    c.sample_rate = 8000;
    c.window = HARK_WINDOW_HAMMING;
    c.dither = 1.0f; /* seeded: the stream draws the same noise in the same frame order */
    check_config(c, 8000 * 2 + 7, 3);
    c = hark_mfcc_default_config();
    c.frame_length_ms = 20;
    c.frame_shift_ms = 30; /* hop longer than the frame: samples between frames are skipped */
    check_config(c, 16000, 3);

    /* Global CMVN (what models use) streams exactly too. */
    c = hark_mfcc_default_config();
    c.cmvn = HARK_CMVN_GLOBAL;
    c.cmvn_dim = 39;
    for (int i = 0; i < 39; i++) {
        c.cmvn_mean[i] = (float)i * 0.25f - 3;
        c.cmvn_std[i] = 0.5f + (float)i * 0.1f;
    }
    check_config(c, 16000 * 2, 3);
}

static hark_mfcc_config live_config(int window, int min_window)
{
    hark_mfcc_config c = hark_mfcc_default_config();
    c.cmvn = HARK_CMVN_LIVE;
    c.cmvn_dim = 39;
    c.cmvn_window = window;
    c.cmvn_min_window = min_window;
    for (int i = 0; i < 39; i++)
        c.cmvn_std[i] = 0.5f + (float)i * 0.1f;
    return c;
}

/* Live CMVN streams exactly: utterances shorter than the minimum window (the whole utterance's
 * mean), windows that slide many times, Kaldi's defaults over 5 s. */
static void test_live_cmvn(void **state)
{
    (void)state;
    check_config(live_config(30, 10), 16000 * 2, 4);
    check_config(live_config(30, 30), 16000, 3);
    check_config(live_config(1, 1), 8000, 2);
    check_config(live_config(600, 100), 16000 * 5, 3);
    const size_t lens[] = {1, 400, 560, 1200, 16000};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
        check_config(live_config(600, 100), lens[i], 2);
}

/* The first frames wait for the minimum window (or finish), later ones only for deltas. */
static void test_live_cmvn_latency(void **state)
{
    (void)state;
    hark_mfcc_config c = live_config(50, 20);
    hark_mfcc_stream *s = hark_mfcc_stream_create(&c);
    assert_non_null(s);
    float *x = signal_of(16000, 16000, 5);
    /* 400 + 160 k samples hold k + 1 frames; frame t is built once frame t + 4 is in, and frame 0
     * is normalised once frames 0..19 are built: 24 frames in. */
    assert_int_equal(hark_mfcc_stream_feed(s, x, 400 + 160 * 22), HARK_OK);
    assert_int_equal(hark_mfcc_stream_available(s), 0);
    assert_int_equal(hark_mfcc_stream_frames_out(s), 0);
    assert_int_equal(hark_mfcc_stream_feed(s, x + 400 + 160 * 22, 160), HARK_OK);
    assert_int_equal(hark_mfcc_stream_available(s), 20);
    assert_int_equal(hark_mfcc_stream_feed(s, x + 400 + 160 * 23, 160), HARK_OK);
    assert_int_equal(hark_mfcc_stream_available(s), 21);
    /* Short of the minimum window, finish() releases every frame. */
    hark_mfcc_stream_reset(s);
    assert_int_equal(hark_mfcc_stream_feed(s, x, 400 + 160 * 9), HARK_OK);
    assert_int_equal(hark_mfcc_stream_available(s), 0);
    assert_int_equal(hark_mfcc_stream_finish(s), HARK_OK);
    assert_int_equal(hark_mfcc_stream_available(s), 10);
    hark_mfcc_stream_free(s);
    free(x);
}

/* Short signals: 0, 1, 2, ... frames, where every frame is an edge frame. */
static void test_short_signals(void **state)
{
    (void)state;
    hark_mfcc_config c = hark_mfcc_default_config();
    const size_t lens[] = {0, 1, 399, 400, 401, 559, 560, 720, 880, 1040, 1200, 1500};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
        check_config(c, lens[i] ? lens[i] : 1, 2);
}

/* Per-frame latency: with deltas of order 2 and window N, frame t is out once frame t+2N is in. */
static void test_latency(void **state)
{
    (void)state;
    hark_mfcc_config c = hark_mfcc_default_config();
    hark_mfcc_stream *s = hark_mfcc_stream_create(&c);
    float *x = signal_of(16000, 16000, 5);
    /* 400 + 160 k samples hold k+1 frames; the first output needs 5 frames (0..4). */
    assert_int_equal(hark_mfcc_stream_feed(s, x, 400 + 160 * 3), HARK_OK);
    assert_int_equal(hark_mfcc_stream_available(s), 0);
    assert_int_equal(hark_mfcc_stream_feed(s, x + 400 + 160 * 3, 160), HARK_OK);
    assert_int_equal(hark_mfcc_stream_available(s), 1);
    assert_int_equal(hark_mfcc_stream_finish(s), HARK_OK);
    assert_int_equal(hark_mfcc_stream_available(s), 5);
    /* Feeding after finish is refused until reset. */
    assert_int_equal(hark_mfcc_stream_feed(s, x, 10), HARK_ERR_INVALID_ARG);
    hark_mfcc_stream_reset(s);
    assert_int_equal(hark_mfcc_stream_available(s), 0);
    assert_int_equal(hark_mfcc_stream_feed(s, x, 10), HARK_OK);
    hark_mfcc_stream_free(s);
    free(x);
}

/* Ten minutes of audio through a drained stream: memory after 10 s equals memory at the end. */
static void memory_bounded(hark_mfcc_config c)
{
    hark_mfcc_stream *s = hark_mfcc_stream_create(&c);
    const size_t chunk = 1600;
    float *x = signal_of(chunk, 16000, 11);
    float out[64 * 39];
    size_t mem10 = 0, frames = 0;
    for (size_t i = 0; i < 600 * 10; i++) { /* 600 s */
        assert_int_equal(hark_mfcc_stream_feed(s, x, chunk), HARK_OK);
        frames += hark_mfcc_stream_read(s, out, 64);
        if (i == 100)
            mem10 = hark_mfcc_stream_memory(s);
    }
    assert_true(mem10 > 0);
    assert_int_equal(hark_mfcc_stream_memory(s), mem10);
    assert_true(frames > 59000);
    hark_mfcc_stream_free(s);
    free(x);
}

static void test_memory_bounded(void **state)
{
    (void)state;
    memory_bounded(hark_mfcc_default_config());
    memory_bounded(live_config(600, 100));
}

static void test_refuses_utterance_cmvn(void **state)
{
    (void)state;
    hark_mfcc_config c = hark_mfcc_default_config();
    c.cmvn = HARK_CMVN_UTTERANCE;
    assert_null(hark_mfcc_stream_create(&c));
    assert_non_null(strstr(hark_last_error(), "global or live"));
    assert_int_equal(hark_mfcc_stream_feed(NULL, NULL, 0), HARK_ERR_INVALID_ARG);
    c.cmvn = HARK_CMVN_NONE;
    hark_mfcc_stream *s = hark_mfcc_stream_create(&c);
    float bad[3] = {0, INFINITY, 0};
    assert_int_equal(hark_mfcc_stream_feed(s, bad, 3), HARK_ERR_NUMERIC);
    /* Finite but absurd samples overflow inside: the frame is refused, not passed on. */
    float *x = signal_of(4000, 16000, 1);
    x[1000] = 1e37f;
    hark_status st = hark_mfcc_stream_feed(s, x, 4000);
    if (st == HARK_OK)
        st = hark_mfcc_stream_finish(s);
    assert_int_equal(st, HARK_ERR_NUMERIC);
    free(x);
    hark_mfcc_stream_free(s);
    assert_int_equal(hark_mfcc_stream_read(NULL, NULL, 3), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_config_many_seeds),
        cmocka_unit_test(test_other_configs),
        cmocka_unit_test(test_short_signals),
        cmocka_unit_test(test_latency),
        cmocka_unit_test(test_live_cmvn),
        cmocka_unit_test(test_live_cmvn_latency),
        cmocka_unit_test(test_memory_bounded),
        cmocka_unit_test(test_refuses_utterance_cmvn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
