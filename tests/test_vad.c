/* test_vad.c - the frame-level voice activity detector on synthetic signals: digital silence,
 * steady noise at several levels, a noise that switches on, a steady tone under a held and an
 * unheld floor, a voiced burst, the voicing measure, reset and rewind, and bad parameters. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define RATE 16000
#define PI_F 3.14159265f

static float urand(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (float)((*s >> 8) & 0xFFFFFF) / 16777216.0f * 2.0f - 1.0f;
}

/* White noise with RMS `rms` (uniform: RMS = amplitude / sqrt 3). */
static void noise(float *x, size_t n, float rms, unsigned *seed)
{
    for (size_t i = 0; i < n; i++)
        x[i] = rms * sqrtf(3.0f) * urand(seed);
}

/* A vowel-like sound: harmonics of f0 under a syllable envelope. */
static void vowel(float *x, size_t n, float amp, float f0)
{
    for (size_t i = 0; i < n; i++) {
        float t = (float)i / RATE;
        float env = sinf(PI_F * (float)i / (float)n);
        float s = 0;
        for (int h = 1; h <= 8; h++)
            s += sinf(2.0f * PI_F * f0 * (float)h * t) / (float)h;
        x[i] += amp * env * s * 0.5f;
    }
}

static int count_speech(hark_vad *v, const float *x, size_t n, size_t from)
{
    size_t fs = hark_vad_frame_size(v);
    int speech = 0;
    for (size_t i = 0; i + fs <= n; i += fs) {
        int s = hark_vad_frame(v, x + i);
        if (i >= from)
            speech += s;
    }
    return speech;
}

static void test_bad_params(void **state)
{
    (void)state;
    hark_vad_params p = hark_vad_default_params(RATE);
    p.sample_rate = 10;
    assert_null(hark_vad_create(&p));
    assert_non_null(strstr(hark_last_error(), "sample rate"));
    p = hark_vad_default_params(RATE);
    p.threshold_db = 0;
    assert_null(hark_vad_create(&p));
    p = hark_vad_default_params(RATE);
    p.frame_ms = 200;
    assert_null(hark_vad_create(&p));
    assert_null(hark_vad_create(NULL));
    hark_vad_free(NULL);
}

static void test_frame_size(void **state)
{
    (void)state;
    hark_vad_params p = hark_vad_default_params(8000);
    hark_vad *v = hark_vad_create(&p);
    assert_int_equal(hark_vad_frame_size(v), 80);
    hark_vad_free(v);
}

static void test_digital_silence(void **state)
{
    (void)state;
    hark_vad_params p = hark_vad_default_params(RATE);
    hark_vad *v = hark_vad_create(&p);
    float *x = calloc(RATE * 3, sizeof *x);
    assert_int_equal(count_speech(v, x, RATE * 3, 0), 0);
    /* Quiet hiss right after digital silence stays below the absolute floor. */
    unsigned seed = 1;
    noise(x, RATE * 3, 0.0005f, &seed); /* -66 dBFS */
    assert_int_equal(count_speech(v, x, RATE * 3, 0), 0);
    free(x);
    hark_vad_free(v);
}

static void test_steady_noise_levels(void **state)
{
    (void)state;
    float levels[] = {0.001f, 0.01f, 0.1f, 0.5f};
    for (size_t k = 0; k < 4; k++) {
        hark_vad_params p = hark_vad_default_params(RATE);
        hark_vad *v = hark_vad_create(&p);
        size_t n = RATE * 5;
        float *x = malloc(n * sizeof *x);
        unsigned seed = 7 + (unsigned)k;
        noise(x, n, levels[k], &seed);
        /* The floor starts low (so speech at the very start is heard) and climbs onto steady
         * noise within half a second; after that, nothing. */
        size_t half = RATE / 2;
        int early = count_speech(v, x, half, 0);
        assert_true(early <= 45);
        assert_int_equal(count_speech(v, x + half, n - half, 0), 0);
        /* The floor sits at the noise level. */
        float want = 20.0f * log10f(levels[k]);
        assert_true(fabsf(hark_vad_floor_db(v) - want) < 3.0f);
        free(x);
        hark_vad_free(v);
    }
}

static void test_noise_switching_on_is_absorbed(void **state)
{
    (void)state;
    /* Quiet, then loud steady noise from 1 s: some frames may fire at the switch, but within
     * a second the floor has caught up and nothing fires for the last 3 s. */
    hark_vad_params p = hark_vad_default_params(RATE);
    hark_vad *v = hark_vad_create(&p);
    size_t n = RATE * 5;
    float *x = malloc(n * sizeof *x);
    unsigned seed = 3;
    noise(x, RATE, 0.001f, &seed);
    noise(x + RATE, n - RATE, 0.1f, &seed);
    assert_int_equal(count_speech(v, x, n, 2 * RATE), 0);
    free(x);
    hark_vad_free(v);
}

/* A steady tone of harmonics (a held vowel without envelope), `amp` peak scale. */
static void steady_tone(float *x, size_t n, float amp)
{
    for (size_t i = 0; i < n; i++) {
        float t = (float)i / RATE, s = 0;
        for (int h = 1; h <= 8; h++)
            s += sinf(2.0f * PI_F * 120.0f * (float)h * t) / (float)h;
        x[i] += amp * s * 0.4f;
    }
}

static void test_held_floor(void **state)
{
    (void)state;
    /* One second of room noise, then three seconds of a loud steady tone. Unheld, the floor
     * takes the tone for noise and climbs to it within a second; held from the tone's onset, it
     * rises at most 6 dB above the room's floor and every frame of the tone stays speech. A held
     * floor still falls: after the tone the noise drops 20 dB and the floor follows within
     * 300 ms. Only voiced frames are held: loud hiss under a hold lifts the floor as usual.
     * Released, the floor catches up with a loud steady noise within a second. */
    size_t n = 6 * RATE;
    float *x = calloc(n, sizeof *x);
    unsigned seed = 11;
    noise(x, RATE, 0.003f, &seed);
    noise(x + RATE, 3 * RATE, 0.003f, &seed);
    steady_tone(x + RATE, 3 * RATE, 0.3f);
    noise(x + 4 * RATE, 2 * RATE, 0.0003f, &seed);
    hark_vad_params p = hark_vad_default_params(RATE);
    for (int hold = 0; hold < 2; hold++) {
        hark_vad *v = hark_vad_create(&p);
        size_t fs = hark_vad_frame_size(v);
        float room = 0;
        int tone_speech = 0, tone_frames = 0;
        for (size_t i = 0; i + fs <= n; i += fs) {
            if (i == RATE) {
                room = hark_vad_floor_db(v);
                hark_vad_hold_floor(v, hold);
            }
            int sp = hark_vad_frame(v, x + i);
            if (i >= RATE && i < 4 * RATE) {
                tone_speech += sp;
                tone_frames++;
            }
            if (hold && i >= RATE && i < 4 * RATE)
                assert_true(hark_vad_floor_db(v) <= room + 6.0f + 1e-3f);
            /* 0.0003 RMS is -70 dBFS; the floor stops at min_level - threshold = -65. */
            if (hold && i == (size_t)(4.3 * RATE))
                assert_true(hark_vad_floor_db(v) < -60.0f);
        }
        if (hold) {
            assert_int_equal(tone_speech, tone_frames);
        } else {
            assert_true(tone_speech < tone_frames / 2);
        }
        hark_vad_free(v);
    }
    /* Held, but the loud sound is hiss (unvoiced), as when a noise burst opened an utterance:
     * the floor follows it as it would without a hold, and it stops counting as speech. */
    {
        hark_vad *h = hark_vad_create(&p);
        size_t fs = hark_vad_frame_size(h);
        seed = 13;
        noise(x, RATE, 0.003f, &seed);
        noise(x + RATE, 2 * RATE, 0.1f, &seed);
        for (size_t i = 0; i + fs <= 3 * RATE; i += fs) {
            if (i == RATE)
                hark_vad_hold_floor(h, 1);
            int sp = hark_vad_frame(h, x + i);
            if (i >= 2 * RATE)
                assert_int_equal(sp, 0);
        }
        hark_vad_free(h);
    }
    /* Released after a hold: loud steady noise is absorbed as quickly as without one. */
    hark_vad *v = hark_vad_create(&p);
    seed = 12;
    noise(x, RATE, 0.003f, &seed);
    noise(x + RATE, 2 * RATE, 0.1f, &seed);
    size_t fs = hark_vad_frame_size(v);
    for (size_t i = 0; i + fs <= 3 * RATE; i += fs) {
        hark_vad_hold_floor(v, i >= RATE / 2 && i < RATE);
        int sp = hark_vad_frame(v, x + i);
        if (i >= 2 * RATE)
            assert_int_equal(sp, 0);
    }
    assert_true(fabsf(hark_vad_floor_db(v) - 20.0f * log10f(0.1f)) < 3.0f);
    hark_vad_free(v);
    free(x);

    /* A periodic noise (a motor's hum: every frame voiced) opens an utterance and the hold never
     * ends: the hold lapses after 3 s and the hum is absorbed within 1.5 s more, as if unheld,
     * so it cannot keep an utterance open (or a noise floor pinned) for ever. */
    n = 10 * RATE;
    x = calloc(n, sizeof *x);
    seed = 14;
    noise(x, n, 0.003f, &seed);
    steady_tone(x + RATE, n - RATE, 0.3f);
    v = hark_vad_create(&p);
    fs = hark_vad_frame_size(v);
    int late_speech = 0, early_speech = 0, early_frames = 0;
    for (size_t i = 0; i + fs <= n; i += fs) {
        if (i == RATE)
            hark_vad_hold_floor(v, 1);
        int sp = hark_vad_frame(v, x + i);
        if (i >= RATE && i < 4 * RATE) {
            early_speech += sp;
            early_frames++;
        }
        if (i >= (size_t)(5.5 * RATE))
            late_speech += sp;
    }
    assert_int_equal(early_speech, early_frames);
    assert_int_equal(late_speech, 0);
    hark_vad_free(v);
    free(x);
}

static void test_voiced_burst_detected(void **state)
{
    (void)state;
    hark_vad_params p = hark_vad_default_params(RATE);
    hark_vad *v = hark_vad_create(&p);
    size_t n = RATE * 3;
    float *x = malloc(n * sizeof *x);
    unsigned seed = 11;
    noise(x, n, 0.003f, &seed);
    vowel(x + RATE, RATE / 2, 0.3f, 140.0f);
    size_t fs = hark_vad_frame_size(v);
    int before = 0, during = 0, after = 0;
    float best_voicing = 0;
    for (size_t i = 0; i + fs <= n; i += fs) {
        int s = hark_vad_frame(v, x + i);
        if (i >= RATE / 2 && i < RATE) /* after the floor has settled on the hiss */
            before += s;
        else if (i < RATE + RATE / 2)
            during += s, best_voicing = fmaxf(best_voicing, hark_vad_voicing(v));
        else if (i > 2 * RATE)
            after += s;
    }
    assert_int_equal(before, 0);
    assert_true(during >= 30); /* most of the 50 frames (the envelope's edges are quiet) */
    assert_int_equal(after, 0);
    assert_true(best_voicing > 0.8f);
    free(x);
    hark_vad_free(v);
}

static void test_voicing_low_for_noise(void **state)
{
    (void)state;
    /* A loud noise burst out of quiet is "speech" by energy but has no pitch. */
    hark_vad_params p = hark_vad_default_params(RATE);
    hark_vad *v = hark_vad_create(&p);
    size_t n = RATE * 2;
    float *x = malloc(n * sizeof *x);
    unsigned seed = 5;
    noise(x, RATE, 0.001f, &seed);
    noise(x + RATE, RATE / 5, 0.2f, &seed);
    noise(x + RATE + RATE / 5, n - RATE - RATE / 5, 0.001f, &seed);
    size_t fs = hark_vad_frame_size(v);
    float worst = 0;
    int loud = 0;
    for (size_t i = 0; i + fs <= n; i += fs) {
        loud += hark_vad_frame(v, x + i);
        worst = fmaxf(worst, hark_vad_voicing(v));
    }
    assert_true(loud > 0);
    assert_true(worst < 0.5f);
    free(x);
    hark_vad_free(v);
}

static void test_reset_forgets(void **state)
{
    (void)state;
    hark_vad_params p = hark_vad_default_params(RATE);
    hark_vad *v = hark_vad_create(&p);
    size_t n = RATE * 2;
    float *x = malloc(n * sizeof *x);
    unsigned seed = 9;
    noise(x, n, 0.2f, &seed);
    count_speech(v, x, n, 0);
    assert_true(hark_vad_floor_db(v) > -20.0f);
    hark_vad_reset(v);
    noise(x, n, 0.002f, &seed);
    assert_int_equal(count_speech(v, x, n, RATE / 2), 0);
    assert_true(hark_vad_floor_db(v) < -45.0f);
    free(x);
    hark_vad_free(v);
}

/* A rewind keeps the floor: steady noise that a fresh detector takes for speech on its first
 * frames (its floor starts low) is noise from the first frame of a second pass. */
static void test_rewind_keeps_floor(void **state)
{
    (void)state;
    hark_vad_params p = hark_vad_default_params(RATE);
    hark_vad *v = hark_vad_create(&p);
    size_t n = RATE;
    float *x = malloc(n * sizeof *x);
    unsigned seed = 5;
    noise(x, n, 0.01f, &seed); /* -40 dBFS */
    size_t fs = hark_vad_frame_size(v);
    assert_int_equal(hark_vad_frame(v, x), 1);
    count_speech(v, x + fs, n - fs, 0);
    float floor_db = hark_vad_floor_db(v);
    assert_true(floor_db > -50.0f);
    hark_vad_rewind(v);
    assert_true(fabsf(hark_vad_floor_db(v) - floor_db) < 1e-6f);
    assert_int_equal(count_speech(v, x, n, 0), 0);
    hark_vad_reset(v);
    assert_int_equal(hark_vad_frame(v, x), 1);
    free(x);
    hark_vad_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_params),
        cmocka_unit_test(test_frame_size),
        cmocka_unit_test(test_digital_silence),
        cmocka_unit_test(test_steady_noise_levels),
        cmocka_unit_test(test_noise_switching_on_is_absorbed),
        cmocka_unit_test(test_held_floor),
        cmocka_unit_test(test_voiced_burst_detected),
        cmocka_unit_test(test_voicing_low_for_noise),
        cmocka_unit_test(test_reset_forgets),
        cmocka_unit_test(test_rewind_keeps_floor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
