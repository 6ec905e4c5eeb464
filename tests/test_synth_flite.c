/* test_synth_flite.c - flite voices in synthetic corpora (audio_flite_render,
 * hark_synth_render_flite, hark_synth_corpus with engines): every voice speaks non-silent audio
 * at its own rate, longer text and a larger stretch give longer audio, the mean F0 asked for is
 * the pitch heard (and 0 gives the voice's own back), renderings repeat exactly, a mixed corpus
 * names each voice's engine and reproduces from its seed, and unknown voices, engines and values
 * out of range are refused before anything is written. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audio/flite_internal.h"

static const char *const voices[] = {"kal", "kal16", "awb", "rms", "slt"};
#define N_VOICES (sizeof voices / sizeof voices[0])
static const char sentence[] = "turn on the kitchen light";
static const char long_sentence[] =
    "hello there, turn on the kitchen light and tell me the weather";

/* Median pitch (Hz) of the voiced 40 ms frames: the peak of the normalised autocorrelation
 * between 60 and 400 Hz, counted where it is strong (> 0.6) and the frame is not silence. */
static double median_f0(const float *x, size_t n, int rate)
{
    size_t win = (size_t)(0.04 * rate), lo = (size_t)(rate / 400), hi = (size_t)(rate / 60);
    double f0[1024];
    size_t m = 0;
    for (size_t s = 0; s + win <= n && m < 1024; s += win / 2) {
        const float *f = x + s;
        double e = 0;
        for (size_t i = 0; i < win; i++)
            e += (double)f[i] * f[i];
        if (sqrt(e / (double)win) < 0.02)
            continue;
        double best = 0;
        size_t lag = 0;
        for (size_t k = lo; k <= hi; k++) {
            double c = 0, e0 = 0, e1 = 0;
            for (size_t i = 0; i + k < win; i++) {
                c += (double)f[i] * f[i + k];
                e0 += (double)f[i] * f[i];
                e1 += (double)f[i + k] * f[i + k];
            }
            c /= sqrt(e0 * e1) + 1e-12;
            if (c > best) {
                best = c;
                lag = k;
            }
        }
        if (lag && best > 0.6)
            f0[m++] = (double)rate / (double)lag;
    }
    assert_true(m >= 10);
    for (size_t i = 1; i < m; i++) /* insertion sort: a few hundred frames */
        for (size_t j = i; j > 0 && f0[j - 1] > f0[j]; j--) {
            double t = f0[j];
            f0[j] = f0[j - 1];
            f0[j - 1] = t;
        }
    return f0[m / 2];
}

static void test_every_voice(void **state)
{
    (void)state;
    assert_string_equal(hark_synth_default_flite_voices(), "kal,kal16,awb,rms,slt");
    for (size_t v = 0; v < N_VOICES; v++) {
        float *x = NULL, *y = NULL;
        size_t n = 0, ny = 0;
        int rate = 0;
        assert_int_equal(audio_flite_render("t", voices[v], 1, 1.0, 0, sentence, &x, &n, &rate),
                         HARK_OK);
        assert_int_equal(rate, strcmp(voices[v], "kal") == 0 ? 8000 : 16000);
        /* five words: about a second and a half of speech */
        assert_true(n > 0.8 * rate && n < 4.0 * rate);
        assert_true(tu_rms(x, n) > 0.02);
        for (size_t i = 0; i < n; i++)
            assert_true(x[i] >= -1.0f && x[i] <= 1.0f);
        /* the public call resamples to the rate asked for */
        assert_int_equal(hark_synth_render_flite(voices[v], 1.0, 0, 1, sentence, 22050, &y, &ny),
                         HARK_OK);
        assert_true(fabs((double)ny / (double)n - 22050.0 / rate) < 0.01);
        assert_true(tu_rms(y, ny) > 0.02);
        free(x);
        free(y);
    }
}

static void test_length(void **state)
{
    (void)state;
    float *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    for (size_t v = 0; v < N_VOICES; v++) {
        assert_int_equal(hark_synth_render_flite(voices[v], 1.0, 0, 1, "one", 16000, &a, &na),
                         HARK_OK);
        assert_int_equal(hark_synth_render_flite(voices[v], 1.0, 0, 1,
                                                 "one two three four five six seven eight",
                                                 16000, &b, &nb), HARK_OK);
        assert_true(nb > 3 * na);
        free(a);
        free(b);
    }
    /* a larger duration stretch is slower speech */
    assert_int_equal(hark_synth_render_flite("slt", 0.8, 0, 1, sentence, 16000, &a, &na), HARK_OK);
    assert_int_equal(hark_synth_render_flite("slt", 1.3, 0, 1, sentence, 16000, &b, &nb), HARK_OK);
    assert_true(nb > na + na / 4);
    free(a);
    free(b);
}

static void test_pitch(void **state)
{
    (void)state;
    float *x = NULL;
    size_t n = 0;
    /* kal16 declares 95 Hz; slt speaks higher */
    assert_int_equal(hark_synth_render_flite("kal16", 1.0, 180, 1, long_sentence, 16000, &x, &n),
                     HARK_OK);
    double high = median_f0(x, n, 16000);
    free(x);
    assert_int_equal(hark_synth_render_flite("kal16", 1.0, 0, 1, long_sentence, 16000, &x, &n),
                     HARK_OK);
    double own = median_f0(x, n, 16000);
    free(x);
    assert_true(high > 160 && high < 200);
    assert_true(own > 80 && own < 110); /* the 180 Hz asked before does not stay */
    assert_int_equal(hark_synth_render_flite("awb", 1.0, 180, 1, long_sentence, 16000, &x, &n),
                     HARK_OK);
    double awb = median_f0(x, n, 16000);
    free(x);
    assert_true(awb > 150 && awb < 200);
    double lo, hi;
    audio_flite_f0_range("slt", &lo, &hi);
    assert_true(lo >= 140 && hi > lo);
    audio_flite_f0_range("nope", &lo, &hi);
    assert_true(lo == 0 && hi == 0);
}

static void test_repeatable(void **state)
{
    (void)state;
    float *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    assert_int_equal(hark_synth_render_flite("awb", 1.1, 130, 1, sentence, 8000, &a, &na), HARK_OK);
    assert_int_equal(hark_synth_render_flite("awb", 1.1, 130, 1, sentence, 8000, &b, &nb), HARK_OK);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na * sizeof *a);
    free(b);
    /* another seed: other noise in the excitation, the same timing */
    assert_int_equal(hark_synth_render_flite("awb", 1.1, 130, 2, sentence, 8000, &b, &nb),
                     HARK_OK);
    assert_int_equal(na, nb);
    assert_memory_not_equal(a, b, na * sizeof *a);
    free(a);
    free(b);
}

static void test_render_errors(void **state)
{
    (void)state;
    float *x = (float *)1;
    size_t n = 7;
    assert_int_equal(hark_synth_render_flite("nobody", 1.0, 0, 1, "one", 16000, &x, &n),
                     HARK_ERR_UNSUPPORTED);
    assert_null(x);
    assert_int_equal(n, 0);
    assert_non_null(strstr(hark_last_error(), "'nobody'"));
    assert_non_null(strstr(hark_last_error(), "kal,kal16,awb,rms,slt"));
    assert_int_equal(hark_synth_render_flite("kal", 0.1, 0, 1, "one", 16000, &x, &n),
                     HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_synth_render_flite("kal", 1.0, 20, 1, "one", 16000, &x, &n),
                     HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_synth_render_flite("kal", NAN, 0, 1, "one", 16000, &x, &n),
                     HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_synth_render_flite("kal", 1.0, 0, 1, "one", 10, &x, &n),
                     HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_synth_render_flite("kal", 1.0, 0, 1, NULL, 16000, &x, &n),
                     HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_synth_render_flite(NULL, 1.0, 0, 1, "one", 16000, &x, &n),
                     HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_synth_render_flite("kal", 1.0, 0, 1, "one", 16000, NULL, &n),
                     HARK_ERR_INVALID_ARG);
    assert_int_equal(audio_flite_check_voice("t", "kal16"), HARK_OK);
    assert_int_equal(audio_flite_check_voice("t", "KAL"), HARK_ERR_UNSUPPORTED);
}

/* Utterances of `c` whose speaker starts with "flite-". */
static size_t count_flite(const hark_corpus *c)
{
    size_t k = 0;
    for (size_t i = 0; i < hark_corpus_size(c); i++)
        k += strncmp(hark_corpus_get(c, i)->speaker, "flite-", 6) == 0;
    return k;
}

static void test_mixed_corpus(void **state)
{
    (void)state;
    const char *sentences[] = {"Turn ON the light!", "what time is it"};
    hark_synth_params p = hark_synth_default_params();
    p.engines = "espeak, flite";
    p.voices = "en-us";
    p.variants = "none";
    p.per_sentence = 6;
    p.seed = 2;
    const char *dir = tu_path_in(tu_tmpdir(), "flite_a");
    assert_int_equal(hark_synth_corpus(sentences, 2, dir, &p, NULL, NULL), HARK_OK);
    hark_corpus *c = hark_corpus_open(tu_path_in(dir, "manifest.tsv"));
    assert_non_null(c);
    assert_int_equal(hark_corpus_size(c), 12);
    /* one espeak-ng voice and five flite voices: mostly flite, but both */
    size_t nf = count_flite(c);
    assert_true(nf > 0 && nf < 12);
    for (size_t i = 0; i < 12; i++) {
        const hark_utt *u = hark_corpus_get(c, i);
        assert_true(strcmp(u->speaker, "en-us") == 0 ||
                    audio_flite_check_voice("t", u->speaker + 6) == HARK_OK);
        float *x = NULL;
        size_t n = 0;
        int rate = 0;
        assert_int_equal(hark_audio_load(u->path, 0, &x, &n, &rate), HARK_OK);
        assert_int_equal(rate, 16000);
        assert_true(tu_rms(x, n) > 0.01);
        free(x);
    }
    /* the same seed: the same manifest, and flite's files byte for byte */
    char *dir_b = strdup(tu_path_in(tu_tmpdir(), "flite_b")); /* tu_path_in's buffers rotate */
    assert_non_null(dir_b);
    assert_int_equal(hark_synth_corpus(sentences, 2, dir_b, &p, NULL, NULL), HARK_OK);
    size_t la, lb;
    char *a = tu_read_file(tu_path_in(dir, "manifest.tsv"), &la);
    char *b = tu_read_file(tu_path_in(dir_b, "manifest.tsv"), &lb);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    free(a);
    free(b);
    for (size_t i = 0; i < 12; i++) {
        const hark_utt *u = hark_corpus_get(c, i);
        if (strncmp(u->speaker, "flite-", 6) != 0)
            continue;
        const char *rel = strstr(u->path, "wav/");
        char *wa = tu_read_file(u->path, &la), *wb = tu_read_file(tu_path_in(dir_b, rel), &lb);
        assert_non_null(wa);
        assert_non_null(wb);
        assert_int_equal(la, lb);
        assert_memory_equal(wa, wb, la);
        free(wa);
        free(wb);
    }
    hark_corpus_free(c);
    free(dir_b);

    /* flite alone with two voices */
    p.engines = "flite";
    p.flite_voices = "kal,slt";
    p.augment = 1;
    dir = tu_path_in(tu_tmpdir(), "flite_c");
    assert_int_equal(hark_synth_corpus(sentences, 2, dir, &p, NULL, NULL), HARK_OK);
    c = hark_corpus_open(tu_path_in(dir, "manifest.tsv"));
    assert_non_null(c);
    for (size_t i = 0; i < hark_corpus_size(c); i++) {
        const char *s = hark_corpus_get(c, i)->speaker;
        assert_true(strcmp(s, "flite-kal") == 0 || strcmp(s, "flite-slt") == 0);
    }
    assert_int_equal(count_flite(c), 12);
    hark_corpus_free(c);
}

static void test_corpus_errors(void **state)
{
    (void)state;
    const char *dir = tu_path_in(tu_tmpdir(), "flite_bad");
    const char *ok[] = {"one"};
    struct stat sb;
    hark_synth_params p = hark_synth_default_params();
    p.engines = "espeak,festival";
    assert_int_equal(hark_synth_check_params(&p), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_synth_corpus(ok, 1, dir, &p, NULL, NULL), HARK_ERR_INVALID_ARG);
    assert_non_null(strstr(hark_last_error(), "'festival'"));
    p.engines = " , ";
    assert_int_equal(hark_synth_corpus(ok, 1, dir, &p, NULL, NULL), HARK_ERR_INVALID_ARG);
    p = hark_synth_default_params();
    p.engines = "flite";
    p.flite_voices = "kal,nobody";
    assert_int_equal(hark_synth_corpus(ok, 1, dir, &p, NULL, NULL), HARK_ERR_UNSUPPORTED);
    assert_non_null(strstr(hark_last_error(), "'nobody'"));
    p.flite_voices = "";
    assert_int_equal(hark_synth_corpus(ok, 1, dir, &p, NULL, NULL), HARK_ERR_INVALID_ARG);
    p = hark_synth_default_params();
    p.engines = "flite";
    p.stretch_min = 1.3;
    p.stretch_max = 0.8;
    assert_int_equal(hark_synth_corpus(ok, 1, dir, &p, NULL, NULL), HARK_ERR_INVALID_ARG);
    p.stretch_min = 0.1;
    assert_int_equal(hark_synth_check_params(&p), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_synth_check_params(NULL), HARK_ERR_INVALID_ARG);
    /* flite voices are not checked when flite is off */
    p = hark_synth_default_params();
    p.flite_voices = "nobody";
    assert_int_equal(hark_synth_check_params(&p), HARK_OK);
    assert_int_not_equal(stat(dir, &sb), 0); /* nothing was written */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_voice),   cmocka_unit_test(test_length),
        cmocka_unit_test(test_pitch),         cmocka_unit_test(test_repeatable),
        cmocka_unit_test(test_render_errors), cmocka_unit_test(test_mixed_corpus),
        cmocka_unit_test(test_corpus_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
