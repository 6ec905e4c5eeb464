/* test_synth.c - synthetic corpora from espeak-ng (hark_synth_render, hark_synth_corpus): audio
 * that is speech-like at the requested rate, a manifest the corpus reader opens, reproducibility
 * from the seed, and refusals of unknown voices, wordless sentences and bad parameters. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void test_render_rates(void **state)
{
    (void)state;
    float *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    assert_int_equal(hark_synth_render("en-us", 175, 50, 50, "seven", 8000, &a, &na), HARK_OK);
    assert_int_equal(hark_synth_render("en-us", 175, 50, 50, "seven", 16000, &b, &nb), HARK_OK);
    /* espeak-ng speaks a two-syllable word in a few tenths of a second, plus its own silence */
    assert_true(na > 0.2 * 8000 && na < 2.0 * 8000);
    /* the same rendering at twice the rate: twice the samples */
    assert_true(fabs((double)nb / (double)na - 2.0) < 0.01);
    assert_true(tu_rms(a, na) > 0.01);
    for (size_t i = 0; i < na; i++)
        assert_true(a[i] >= -1.0f && a[i] <= 1.0f);
    free(a);
    free(b);
    /* a slower speaking rate gives a longer utterance */
    assert_int_equal(hark_synth_render("en", 90, 50, 50, "seventeen seventy", 8000, &a, &na),
                     HARK_OK);
    assert_int_equal(hark_synth_render("en", 300, 50, 50, "seventeen seventy", 8000, &b, &nb),
                     HARK_OK);
    assert_true(na > nb + nb / 2);
    free(a);
    free(b);
}

static void test_render_errors(void **state)
{
    (void)state;
    float *a = (float *)1;
    size_t n = 7;
    assert_int_equal(hark_synth_render("xx-nonexistent", 175, 50, 50, "one", 8000, &a, &n),
                     HARK_ERR_UNSUPPORTED);
    assert_null(a);
    assert_int_equal(n, 0);
    assert_non_null(strstr(hark_last_error(), "xx-nonexistent"));
    assert_int_equal(hark_synth_render("en", 175, 50, 50, "one", 10, &a, &n),
                     HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_synth_render(NULL, 175, 50, 50, "one", 8000, &a, &n),
                     HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_synth_render("en", 175, 50, 50, "one", 8000, NULL, &n),
                     HARK_ERR_INVALID_ARG);
}

static void test_corpus(void **state)
{
    (void)state;
    const char *dir = tu_path_in(tu_tmpdir(), "synth_a");
    const char *sentences[] = {"Turn ON the light!", "7"};
    hark_synth_params p = hark_synth_default_params();
    p.sample_rate = 8000;
    p.per_sentence = 2;
    p.seed = 3;
    assert_int_equal(hark_synth_corpus(sentences, 2, dir, &p, NULL, NULL), HARK_OK);
    hark_corpus *c = hark_corpus_open(tu_path_in(dir, "manifest.tsv"));
    assert_non_null(c);
    assert_int_equal(hark_corpus_size(c), 4);
    int light = 0, seven = 0;
    for (size_t i = 0; i < 4; i++) {
        const hark_utt *u = hark_corpus_get(c, i);
        light += strcmp(u->text, "turn on the light") == 0;
        seven += strcmp(u->text, "seven") == 0;
        assert_true(strlen(u->speaker) > 1); /* the voice that spoke it */
        assert_true(u->duration > 0.15 && u->duration < 4.0);
        float *x = NULL;
        size_t n = 0;
        int rate = 0;
        assert_int_equal(hark_audio_load(u->path, 0, &x, &n, &rate), HARK_OK);
        assert_int_equal(rate, 8000);
        assert_true(tu_rms(x, n) > 0.01);
        free(x);
    }
    assert_int_equal(light, 2);
    assert_int_equal(seven, 2);
    hark_corpus_free(c);

    /* the same seed writes the same corpus, another seed other voices */
    size_t la, lb, lc;
    char *a = tu_read_file(tu_path_in(dir, "manifest.tsv"), &la);
    const char *dir_b = tu_path_in(tu_tmpdir(), "synth_b");
    assert_int_equal(hark_synth_corpus(sentences, 2, dir_b, &p, NULL, NULL), HARK_OK);
    char *b = tu_read_file(tu_path_in(dir_b, "manifest.tsv"), &lb);
    size_t nwa, nwb;
    char *wa = tu_read_file(tu_path_in(dir, "wav/000001_01.wav"), &nwa);
    char *wb = tu_read_file(tu_path_in(dir_b, "wav/000001_01.wav"), &nwb);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    /* espeak-ng carries state between utterances in one process: lengths agree within a few
     * samples (tests/cli/synth.sh checks two fresh processes write identical files) */
    assert_non_null(wa);
    assert_non_null(wb);
    assert_true(labs((long)nwa - (long)nwb) < 64);
    p.seed = 4;
    const char *dir_c = tu_path_in(tu_tmpdir(), "synth_c");
    assert_int_equal(hark_synth_corpus(sentences, 2, dir_c, &p, NULL, NULL), HARK_OK);
    char *cc = tu_read_file(tu_path_in(dir_c, "manifest.tsv"), &lc);
    assert_non_null(cc);
    assert_string_not_equal(a, cc);
    free(a);
    free(b);
    free(cc);
    free(wa);
    free(wb);
}

static int count_calls(size_t done, size_t total, void *user_data)
{
    size_t *calls = user_data;
    assert_int_equal(done, ++*calls);
    assert_int_equal(total, 3);
    return done == 2; /* stop after the second file */
}

static void test_augment_and_progress(void **state)
{
    (void)state;
    const char *sentences[] = {"nine"};
    hark_synth_params p = hark_synth_default_params();
    p.per_sentence = 3;
    p.augment = 1;
    p.voices = "en-gb-x-rp";
    p.variants = "f2";
    size_t calls = 0;
    const char *dir = tu_path_in(tu_tmpdir(), "synth_aug");
    assert_int_equal(hark_synth_corpus(sentences, 1, dir, &p, count_calls, &calls),
                     HARK_ERR_INTERRUPTED);
    assert_int_equal(calls, 2);
    struct stat sb;
    assert_int_not_equal(stat(tu_path_in(dir, "manifest.tsv"), &sb), 0); /* no partial manifest */
    assert_int_equal(hark_synth_corpus(sentences, 1, dir, &p, NULL, NULL), HARK_OK);
    hark_corpus *c = hark_corpus_open(tu_path_in(dir, "manifest.tsv"));
    assert_non_null(c);
    assert_int_equal(hark_corpus_size(c), 3);
    assert_string_equal(hark_corpus_get(c, 0)->speaker, "en-gb-x-rp+f2");
    float *x = NULL;
    size_t n = 0;
    assert_int_equal(hark_audio_load(hark_corpus_get(c, 0)->path, 0, &x, &n, NULL), HARK_OK);
    assert_true(tu_rms(x, n) > 0.003);
    free(x);
    hark_corpus_free(c);
}

static void test_corpus_errors(void **state)
{
    (void)state;
    const char *dir = tu_path_in(tu_tmpdir(), "synth_bad");
    const char *ok[] = {"one"};
    const char *wordless[] = {"one", "?!"};
    hark_synth_params p = hark_synth_default_params();
    struct stat sb;

    p.voices = "en,xx-nonexistent";
    assert_int_equal(hark_synth_corpus(ok, 1, dir, &p, NULL, NULL), HARK_ERR_UNSUPPORTED);
    assert_non_null(strstr(hark_last_error(), "xx-nonexistent"));
    assert_int_not_equal(stat(dir, &sb), 0); /* checked before anything is written */
    p = hark_synth_default_params();
    p.variants = "none,nosuchvariant";
    assert_int_equal(hark_synth_corpus(ok, 1, dir, &p, NULL, NULL), HARK_ERR_UNSUPPORTED);
    p = hark_synth_default_params();
    p.voices = " , ";
    assert_int_equal(hark_synth_corpus(ok, 1, dir, &p, NULL, NULL), HARK_ERR_INVALID_ARG);

    p = hark_synth_default_params();
    assert_int_equal(hark_synth_corpus(wordless, 2, dir, &p, NULL, NULL), HARK_ERR_INVALID_ARG);
    assert_non_null(strstr(hark_last_error(), "sentence 2"));
    p.per_sentence = 0;
    assert_int_equal(hark_synth_corpus(ok, 1, dir, &p, NULL, NULL), HARK_ERR_INVALID_ARG);
    p = hark_synth_default_params();
    p.pitch_min = 80;
    p.pitch_max = 20;
    assert_int_equal(hark_synth_corpus(ok, 1, dir, &p, NULL, NULL), HARK_ERR_INVALID_ARG);
    p = hark_synth_default_params();
    p.rate_max = 9000;
    assert_int_equal(hark_synth_corpus(ok, 1, dir, &p, NULL, NULL), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_synth_corpus(ok, 0, dir, NULL, NULL, NULL), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_synth_corpus(NULL, 1, dir, NULL, NULL, NULL), HARK_ERR_INVALID_ARG);
    /* the output folder's parent does not exist */
    assert_int_equal(hark_synth_corpus(ok, 1, tu_path_in(tu_tmpdir(), "no/such/dir"), NULL, NULL,
                                       NULL), HARK_ERR_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_rates),  cmocka_unit_test(test_render_errors),
        cmocka_unit_test(test_corpus),        cmocka_unit_test(test_augment_and_progress),
        cmocka_unit_test(test_corpus_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
