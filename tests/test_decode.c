/* test_decode.c - greedy CTC decoding on hand-made log-probability matrices: repeats, blanks,
 * spaces, confidences, timestamps, the alphabet mapping and bad arguments. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define ALPHA " 'abcdefghijklmnopqrstuvwxyz"
#define V 29

/* Symbol index of a character in ALPHA (blank is '_'). */
static int sym(char c)
{
    if (c == '_')
        return 0;
    const char *p = strchr(ALPHA, c);
    assert_non_null(p);
    return (int)(p - ALPHA) + 1;
}

/* A (T, V) log-prob matrix whose best path is `path` (one char per frame, '_' = blank), with
 * the winner at probability peak[t] and the rest spread evenly. */
static float *make_lp(const char *path, const float *peak)
{
    int T = (int)strlen(path);
    float *lp = malloc((size_t)T * V * sizeof *lp);
    assert_non_null(lp);
    for (int t = 0; t < T; t++) {
        float p = peak ? peak[t] : 0.9f;
        float rest = (1 - p) / (V - 1);
        for (int v = 0; v < V; v++)
            lp[t * V + v] = logf(rest);
        lp[t * V + sym(path[t])] = logf(p);
    }
    return lp;
}

static void test_repeats_need_blank(void **state)
{
    (void)state;
    const char *path = "hh_ell_llo__";
    float *lp = make_lp(path, NULL);
    hark_transcript t = {0};
    assert_int_equal(hark_decode_greedy(lp, (int)strlen(path), V, ALPHA, 0.03, &t), HARK_OK);
    assert_string_equal(t.text, "hello");
    assert_int_equal(t.n_words, 1);
    assert_float_equal(t.words[0].start, 0.0, 1e-9);
    assert_float_equal(t.words[0].end, 10 * 0.03, 1e-9); /* 'o' is frame 9 */
    assert_float_equal(t.duration, 12 * 0.03, 1e-9);
    assert_float_equal(t.confidence, 0.9, 1e-5);
    hark_transcript_clear(&t);
    assert_null(t.text);
    free(lp);
}

static void test_spaces_and_words(void **state)
{
    (void)state;
    /* Leading, doubled and trailing spaces disappear; words keep their frames. */
    const char *path = "_ _no_ _ _go__ _";
    float *lp = make_lp(path, NULL);
    hark_transcript t = {0};
    assert_int_equal(hark_decode_greedy(lp, (int)strlen(path), V, ALPHA, 0.1, &t), HARK_OK);
    assert_string_equal(t.text, "no go");
    assert_int_equal(t.n_words, 2);
    assert_int_equal(t.words[0].offset, 0);
    assert_int_equal(t.words[0].length, 2);
    assert_int_equal(t.words[1].offset, 3);
    assert_int_equal(t.words[1].length, 2);
    assert_float_equal(t.words[0].start, 0.3, 1e-9); /* 'n' is frame 3, 'o' frame 4 */
    assert_float_equal(t.words[0].end, 0.5, 1e-9);
    assert_float_equal(t.words[1].start, 1.0, 1e-9);
    assert_float_equal(t.words[1].end, 1.2, 1e-9);
    assert_float_equal(t.start, 0.3, 1e-9);
    assert_float_equal(t.end, 1.2, 1e-9);
    hark_transcript_clear(&t);
    free(lp);
}

static void test_confidence_is_geometric_mean_of_peaks(void **state)
{
    (void)state;
    /* 'a' run peaks at 0.8 (frames 0.5, 0.8), 'b' at 0.6, the blank frame does not count. */
    const char *path = "aa_b";
    float peak[] = {0.5f, 0.8f, 0.99f, 0.6f};
    float *lp = make_lp(path, peak);
    hark_transcript t = {0};
    assert_int_equal(hark_decode_greedy(lp, 4, V, ALPHA, 0.01, &t), HARK_OK);
    assert_string_equal(t.text, "ab");
    assert_float_equal(t.confidence, sqrt(0.8 * 0.6), 1e-5);
    assert_float_equal(t.words[0].confidence, sqrt(0.8 * 0.6), 1e-5);
    hark_transcript_clear(&t);
    free(lp);
}

static void test_all_blank_and_empty(void **state)
{
    (void)state;
    float peak[] = {0.7f, 0.9f, 0.8f};
    float *lp = make_lp("___", peak);
    hark_transcript t = {0};
    assert_int_equal(hark_decode_greedy(lp, 3, V, ALPHA, 0.01, &t), HARK_OK);
    assert_string_equal(t.text, "");
    assert_int_equal(t.n_words, 0);
    assert_float_equal(t.confidence, 0.8, 1e-5);
    /* Zero frames: a valid empty result, not an error. */
    assert_int_equal(hark_decode_greedy(NULL, 0, V, ALPHA, 0.01, &t), HARK_OK);
    assert_string_equal(t.text, "");
    assert_float_equal(t.confidence, 0.0, 1e-9);
    hark_transcript_clear(&t);
    free(lp);
}

static void test_utf8_alphabet(void **state)
{
    (void)state;
    /* Symbols 1, 2, 3 = 'é', ' ', 'ü' (multi-byte code points). */
    const char *alpha = "\xc3\xa9 \xc3\xbc";
    float lp[4 * 4];
    int path[4] = {1, 0, 2, 3};
    for (int t = 0; t < 4; t++)
        for (int v = 0; v < 4; v++)
            lp[t * 4 + v] = v == path[t] ? logf(0.97f) : logf(0.01f);
    hark_transcript t = {0};
    assert_int_equal(hark_decode_greedy(lp, 4, 4, alpha, 0.01, &t), HARK_OK);
    assert_string_equal(t.text, "\xc3\xa9 \xc3\xbc");
    assert_int_equal(t.n_words, 2);
    assert_int_equal(t.words[1].offset, 3);
    assert_int_equal(t.words[1].length, 2);
    hark_transcript_clear(&t);
    assert_int_equal(hark_alphabet_size(alpha), 3);
    assert_int_equal(hark_alphabet_size("\xff"), -1);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    float lp[2 * V] = {0};
    hark_transcript t = {0};
    /* The alphabet must cover every output symbol. */
    assert_int_equal(hark_decode_greedy(lp, 2, V, "abc", 0.01, &t), HARK_ERR_INVALID_ARG);
    assert_non_null(strstr(hark_last_error(), "alphabet"));
    assert_null(t.text);
    assert_int_equal(hark_decode_greedy(lp, -1, V, ALPHA, 0.01, &t), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_decode_greedy(NULL, 2, V, ALPHA, 0.01, &t), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_decode_greedy(lp, 2, V, "\xc3", 0.01, &t), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_decode_greedy(lp, 2, V, ALPHA, 0.01, NULL), HARK_ERR_INVALID_ARG);
}

static void test_alphabet_encode(void **state)
{
    (void)state;
    int labels[16], n = 0;
    assert_int_equal(hark_alphabet_encode(ALPHA, "don't go", labels, 16, &n), HARK_OK);
    assert_int_equal(n, 8);
    const char *s = "don't go";
    for (int i = 0; i < n; i++)
        assert_int_equal(labels[i], sym(s[i]));
    /* Too small a buffer: the count still tells the size needed. */
    assert_int_equal(hark_alphabet_encode(ALPHA, "seven", labels, 2, &n), HARK_OK);
    assert_int_equal(n, 5);
    assert_int_equal(labels[1], sym('e'));
    /* A character outside the alphabet is named. */
    assert_int_equal(hark_alphabet_encode(ALPHA, "go 2", labels, 16, &n), HARK_ERR_INVALID_ARG);
    assert_non_null(strstr(hark_last_error(), "'2'"));
    assert_int_equal(hark_alphabet_encode(ALPHA, "G", labels, 16, &n), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_alphabet_encode(ALPHA, "a\xff", labels, 16, &n), HARK_ERR_INVALID_ARG);
    assert_non_null(strstr(hark_last_error(), "UTF-8"));
}

static void test_phrases_hand_worked(void **state)
{
    (void)state;
    /* Two frames, alphabet "a": each frame blank 0.4, a 0.6.
     * P("a") = aa + a_ + _a = 0.36 + 0.24 + 0.24 = 0.84, P("") = 0.16, P("aa") = 0 (needs a
     * blank between the two a's: three frames). */
    float lp[4] = {logf(0.4f), logf(0.6f), logf(0.4f), logf(0.6f)};
    const char *phrases[] = {"aa", "", "a"};
    hark_transcript t = {0};
    int best = -1;
    assert_int_equal(hark_decode_phrases(lp, 2, 2, "a", phrases, 3, 0.1, &t, &best), HARK_OK);
    assert_int_equal(best, 2);
    assert_string_equal(t.text, "a");
    assert_float_equal(t.confidence, 0.84, 1e-5);
    assert_int_equal(t.n_words, 1);
    /* Without "a", silence wins with all of the remaining probability. */
    assert_int_equal(hark_decode_phrases(lp, 2, 2, "a", phrases, 2, 0.1, &t, &best), HARK_OK);
    assert_int_equal(best, 1);
    assert_string_equal(t.text, "");
    assert_float_equal(t.confidence, 1.0, 1e-6);
    hark_transcript_clear(&t);
}

static void test_phrases_fix_spelling(void **state)
{
    (void)state;
    /* Greedy says "fo" (no 'u', no 'r'); among digit words "four" is the most likely. */
    const char *path = "f_oo__";
    float peak[] = {0.9f, 0.9f, 0.6f, 0.6f, 0.9f, 0.9f};
    float *lp = make_lp(path, peak);
    /* give 'u' and 'r' some mass in the o and blank frames */
    for (int t = 2; t < 6; t++)
        lp[t * V + sym(t < 4 ? 'u' : 'r')] = logf(0.3f);
    const char *digits[] = {"zero", "one", "two", "four", "five", "nine"};
    hark_transcript t = {0};
    assert_int_equal(hark_decode_greedy(lp, 6, V, ALPHA, 0.02, &t), HARK_OK);
    assert_string_equal(t.text, "fo");
    int best = -1;
    assert_int_equal(hark_decode_phrases(lp, 6, V, ALPHA, digits, 6, 0.02, &t, &best), HARK_OK);
    assert_string_equal(t.text, "four");
    assert_int_equal(best, 3);
    assert_true(t.confidence > 0.5f && t.confidence <= 1.0f);
    /* greedy found one word; the phrase's one word takes its times */
    assert_float_equal(t.words[0].start, 0.0, 1e-9);
    /* A phrase outside the alphabet is an error, as are no phrases. */
    const char *bad[] = {"f0ur"};
    assert_int_equal(hark_decode_phrases(lp, 6, V, ALPHA, bad, 1, 0.02, &t, NULL), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_decode_phrases(lp, 6, V, ALPHA, digits, 0, 0.02, &t, NULL), HARK_ERR_INVALID_ARG);
    hark_transcript_clear(&t);
    free(lp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repeats_need_blank),
        cmocka_unit_test(test_spaces_and_words),
        cmocka_unit_test(test_confidence_is_geometric_mean_of_peaks),
        cmocka_unit_test(test_all_blank_and_empty),
        cmocka_unit_test(test_utf8_alphabet),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_alphabet_encode),
        cmocka_unit_test(test_phrases_hand_worked),
        cmocka_unit_test(test_phrases_fix_spelling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
