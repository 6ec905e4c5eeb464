/* test_word_times.c - word boundaries from frame energy (src/model/word_times.c) on synthetic
 * frame sequences: an energy envelope and the frames where a decoder emitted each word's units
 * in, the word spans out. Frames are 30 ms (the shipped models' output frame), so a stretch of
 * up to 3 quiet frames is bridged and an edge moves at most 17 frames out. Also the transcript
 * wrapper (seconds in and out) and the per-frame energy measured from samples. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"
#include "testutil.h"

#define FS 0.03
#define NOISE -60.0f
#define SPEECH -20.0f
#define MAXT 200

/* db[0..T) at the noise level, then [a, b] at `level`. */
static void fill(float *db, int T, float level, int a, int b)
{
    if (a < 0) {
        for (int k = 0; k < T; k++)
            db[k] = level;
        return;
    }
    for (int k = a; k <= b; k++)
        db[k] = level;
}

static void refine1(const float *db, int T, int f, int l, int *first, int *last)
{
    *first = f;
    *last = l;
    assert_int_equal(word_spans_refine(db, T, FS, 1, first, last), HARK_OK);
}

/* One word in a pause: the spikes cover only its middle; the word is the whole loud run. */
static void test_word_in_pause(void **state)
{
    (void)state;
    float db[MAXT];
    int T = 60, f, l;
    fill(db, T, NOISE, -1, 0);
    fill(db, T, SPEECH, 10, 29);
    refine1(db, T, 12, 16, &f, &l);
    assert_int_equal(f, 10);
    assert_int_equal(l, 29);
}

/* A decaying tail (5 dB a frame) ends at the last frame at least 6 dB over the noise. */
static void test_decaying_tail(void **state)
{
    (void)state;
    float db[MAXT];
    int T = 60, f, l;
    fill(db, T, NOISE, -1, 0);
    fill(db, T, SPEECH, 10, 19);
    for (int k = 20; k < 28; k++)
        db[k] = SPEECH - 5.0f * (float)(k - 19); /* -25 ... -60 */
    refine1(db, T, 11, 13, &f, &l);
    assert_int_equal(f, 10);
    assert_int_equal(l, 25); /* -50 at 25 is over -54, -55 at 26 is not */
}

/* A spike alone in the silence before the word (CTC's frame-0 artefact) does not drag the
 * start back: 9 silent frames lie between it and the speech. */
static void test_isolated_spike_dropped(void **state)
{
    (void)state;
    float db[MAXT];
    int T = 60, f, l;
    fill(db, T, NOISE, -1, 0);
    fill(db, T, SPEECH, 10, 29);
    refine1(db, T, 0, 16, &f, &l);
    assert_int_equal(f, 10);
    assert_int_equal(l, 29);
}

/* A closure of 2 quiet frames inside the word is crossed; a pause of 5 frames is not. */
static void test_bridge(void **state)
{
    (void)state;
    float db[MAXT];
    int T = 60, f, l;
    fill(db, T, NOISE, -1, 0);
    fill(db, T, SPEECH, 10, 20);
    fill(db, T, SPEECH, 23, 25);
    refine1(db, T, 12, 15, &f, &l);
    assert_int_equal(l, 25);
    fill(db, T, NOISE, -1, 0);
    fill(db, T, SPEECH, 10, 20);
    fill(db, T, SPEECH, 26, 28);
    refine1(db, T, 12, 15, &f, &l);
    assert_int_equal(l, 20);
}

/* Speech that goes on and on: the edge stops 0.5 s (17 frames) out from the spikes. */
static void test_reach(void **state)
{
    (void)state;
    float db[MAXT];
    int T = 120, f, l;
    fill(db, T, NOISE, -1, 0);
    fill(db, T, SPEECH, 5, 100);
    db[10] = SPEECH + 10.0f; /* the loudest frame, among the spikes */
    refine1(db, T, 10, 12, &f, &l);
    assert_int_equal(l, 12 + 17);
    assert_int_equal(f, 5); /* 5 frames back: within reach */
}

/* Two words spoken without a pause: each takes its side of the dip between them, the dip
 * belongs to neither, and they never overlap. */
static void test_adjacent_words(void **state)
{
    (void)state;
    float db[MAXT];
    int T = 50, first[2] = {11, 24}, last[2] = {14, 27};
    fill(db, T, NOISE, -1, 0);
    fill(db, T, SPEECH, 10, 30);
    db[21] = -35.0f;
    assert_int_equal(word_spans_refine(db, T, FS, 2, first, last), HARK_OK);
    assert_int_equal(first[0], 10);
    assert_int_equal(last[0], 20);
    assert_int_equal(first[1], 22);
    assert_int_equal(last[1], 30);
    /* Spikes that touch: the words still part at the quietest frame between their peaks. */
    int f2[2] = {11, 15}, l2[2] = {14, 27};
    db[12] = -10.0f;
    db[25] = -10.0f;
    assert_int_equal(word_spans_refine(db, T, FS, 2, f2, l2), HARK_OK);
    assert_true(l2[0] < f2[1]);
    assert_int_equal(l2[0], 20);
    assert_int_equal(f2[1], 22);
}

/* Two words in pauses: each is bounded by its own run; the second's start does not reach back
 * into the first. */
static void test_two_words_with_pause(void **state)
{
    (void)state;
    float db[MAXT];
    int T = 80, first[2] = {12, 42}, last[2] = {15, 45};
    fill(db, T, NOISE, -1, 0);
    fill(db, T, SPEECH, 10, 25);
    fill(db, T, -30.0f, 40, 55);
    assert_int_equal(word_spans_refine(db, T, FS, 2, first, last), HARK_OK);
    assert_int_equal(first[0], 10);
    assert_int_equal(last[0], 25);
    assert_int_equal(first[1], 40);
    assert_int_equal(last[1], 55);
}

/* The word at the very end of the audio: speech up to the last frame, nothing after it. */
static void test_word_at_end(void **state)
{
    (void)state;
    float db[MAXT];
    int T = 40, f, l;
    fill(db, T, NOISE, -1, 0);
    fill(db, T, SPEECH, 30, 39);
    refine1(db, T, 35, 39, &f, &l);
    assert_int_equal(f, 30);
    assert_int_equal(l, 39);
    /* ... and at the very start, anchored on frame 0. */
    fill(db, T, NOISE, -1, 0);
    fill(db, T, SPEECH, 0, 6);
    db[0] = -10.0f;
    refine1(db, T, 0, 2, &f, &l);
    assert_int_equal(f, 0);
    assert_int_equal(l, 6);
}

/* Silence only (flat energy): no evidence, the words keep their frames; in noise louder than
 * the word too. */
static void test_silence_only(void **state)
{
    (void)state;
    float db[MAXT];
    int T = 40, first[2] = {5, 20}, last[2] = {8, 22};
    fill(db, T, NOISE, -1, 0);
    assert_int_equal(word_spans_refine(db, T, FS, 2, first, last), HARK_OK);
    assert_int_equal(first[0], 5);
    assert_int_equal(last[0], 8);
    assert_int_equal(first[1], 20);
    assert_int_equal(last[1], 22);
}

/* Spans out of order or out of range are left alone; bad arguments are refused. */
static void test_bad_spans(void **state)
{
    (void)state;
    float db[MAXT];
    int T = 40;
    fill(db, T, NOISE, -1, 0);
    fill(db, T, SPEECH, 5, 30);
    int first[2] = {10, 9}, last[2] = {12, 14};
    assert_int_equal(word_spans_refine(db, T, FS, 2, first, last), HARK_OK);
    assert_int_equal(first[1], 9);
    assert_int_equal(last[0], 12);
    int f = 35, l = 45;
    assert_int_equal(word_spans_refine(db, T, FS, 1, &f, &l), HARK_OK);
    assert_int_equal(f, 35);
    assert_int_equal(l, 45);
    assert_int_equal(word_spans_refine(NULL, T, FS, 1, &f, &l), HARK_ERR_INVALID_ARG);
    assert_int_equal(word_spans_refine(db, T, 0.0, 1, &f, &l), HARK_ERR_INVALID_ARG);
    assert_int_equal(word_spans_refine(db, 0, FS, 1, &f, &l), HARK_ERR_INVALID_ARG);
    assert_int_equal(word_spans_refine(db, T, FS, 0, NULL, NULL), HARK_OK);
}

/* The transcript wrapper: seconds to frames and back, start and end follow. */
static void test_transcript(void **state)
{
    (void)state;
    float db[MAXT];
    int T = 80;
    fill(db, T, NOISE, -1, 0);
    fill(db, T, SPEECH, 10, 25);
    fill(db, T, SPEECH, 40, 55);
    hark_transcript t = {0};
    t.text = strdup("one two");
    t.words = calloc(2, sizeof *t.words);
    assert_non_null(t.text);
    assert_non_null(t.words);
    t.n_words = 2;
    t.words[0] = (hark_word_time){0, 3, 12 * FS, 16 * FS, 0.9f};
    t.words[1] = (hark_word_time){4, 3, 42 * FS, 46 * FS, 0.8f};
    assert_int_equal(hark_transcript_refine_times(&t, db, T, FS), HARK_OK);
    assert_float_equal(t.words[0].start, 10 * FS, 1e-9);
    assert_float_equal(t.words[0].end, 26 * FS, 1e-9);
    assert_float_equal(t.words[1].start, 40 * FS, 1e-9);
    assert_float_equal(t.words[1].end, 56 * FS, 1e-9);
    assert_float_equal(t.start, 10 * FS, 1e-9);
    assert_float_equal(t.end, 56 * FS, 1e-9);
    assert_float_equal(t.words[1].confidence, 0.8f, 1e-6); /* only times change */
    assert_int_equal(hark_transcript_refine_times(&t, NULL, T, FS), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_transcript_refine_times(NULL, db, T, FS), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_transcript_refine_times(&t, db, T, -1.0), HARK_ERR_INVALID_ARG);
    hark_transcript_clear(&t);
    /* No words: nothing to do. */
    assert_int_equal(hark_transcript_refine_times(&t, db, T, FS), HARK_OK);
}

/* Frame energy: blocks of `block` samples, the same however the samples are split; the last
 * partial block counts; finish pads with silence to the decoder's frame count. */
static void test_frame_energy(void **state)
{
    (void)state;
    enum { BLOCK = 240, N = 1000 };
    float *x = malloc(N * sizeof *x);
    assert_non_null(x);
    for (int i = 0; i < N; i++)
        x[i] = i < 480 ? 0.1f * sinf(0.3f * (float)i) : 0.0f;
    frame_energy a = {.block = BLOCK}, b = {.block = BLOCK};
    assert_int_equal(frame_energy_feed(&a, x, N), HARK_OK);
    for (int i = 0; i < N; i += 7)
        assert_int_equal(frame_energy_feed(&b, x + i, N - i < 7 ? N - i : 7), HARK_OK);
    assert_int_equal(frame_energy_finish(&a, 7), HARK_OK);
    assert_int_equal(frame_energy_finish(&b, 0), HARK_OK);
    assert_int_equal(a.n, 7);
    assert_int_equal(b.n, 5); /* 4 full blocks and the partial one */
    for (size_t k = 0; k < b.n; k++)
        assert_float_equal(a.db[k], b.db[k], 1e-4);
    /* A sine of amplitude 0.1 has a mean square of 0.005: -23 dB. */
    assert_float_equal(a.db[0], 10.0 * log10(0.005), 0.2);
    assert_float_equal(a.db[2], -100.0f, 1e-6);
    assert_float_equal(a.db[6], -100.0f, 1e-6);
    frame_energy_reset(&a);
    assert_int_equal(a.n, 0);
    frame_energy_free(&a);
    frame_energy_free(&b);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_word_in_pause),
        cmocka_unit_test(test_decaying_tail),
        cmocka_unit_test(test_isolated_spike_dropped),
        cmocka_unit_test(test_bridge),
        cmocka_unit_test(test_reach),
        cmocka_unit_test(test_adjacent_words),
        cmocka_unit_test(test_two_words_with_pause),
        cmocka_unit_test(test_word_at_end),
        cmocka_unit_test(test_silence_only),
        cmocka_unit_test(test_bad_spans),
        cmocka_unit_test(test_transcript),
        cmocka_unit_test(test_frame_energy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
