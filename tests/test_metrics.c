/* test_metrics.c - word/character error rates, utterance accuracy and the confusion tally on
 * hand-worked examples. */
#include <string.h>

#include "testutil.h"

static void test_edit_distances(void **state)
{
    (void)state;
    assert_int_equal(hark_edit_distance_chars("kitten", "sitting"), 3);
    assert_int_equal(hark_edit_distance_chars("", "abc"), 3);
    assert_int_equal(hark_edit_distance_chars("abc", ""), 3);
    assert_int_equal(hark_edit_distance_chars("same", "same"), 0);
    /* Code points, not bytes: e-acute vs e is one substitution. */
    assert_int_equal(hark_edit_distance_chars("caf\xc3\xa9", "cafe"), 1);
    assert_int_equal(hark_edit_distance_words("the cat sat", "the cat sat"), 0);
    assert_int_equal(hark_edit_distance_words("the cat sat down", "a cat sat"), 2);
    /* Extra whitespace does not make words. */
    assert_int_equal(hark_edit_distance_words("  one   two ", "one two"), 0);
    assert_int_equal(hark_edit_distance_words("", "one two"), 2);
}

static void test_rates_hand_worked(void **state)
{
    (void)state;
    hark_metrics *m = hark_metrics_create();
    assert_non_null(m);
    long we = -1, ce = -1;
    /* ref 4 words / 18 chars; hyp: substitution "the"->"a", deletion "down": 2 word errors.
     * chars: "the cat sat down" -> "a cat sat": t,h->deleted + e->a = 3, " down" deleted = 5: 8 */
    assert_int_equal(hark_metrics_add(m, "the cat sat down", "a cat sat", &we, &ce), HARK_OK);
    assert_int_equal(we, 2);
    assert_int_equal(ce, 8);
    /* A correct utterance. */
    assert_int_equal(hark_metrics_add(m, "yes", "yes", &we, &ce), HARK_OK);
    assert_int_equal(we, 0);
    assert_int_equal(ce, 0);
    /* An insertion: hyp says more than ref. */
    assert_int_equal(hark_metrics_add(m, "go", "go left", &we, &ce), HARK_OK);
    assert_int_equal(we, 1);
    assert_int_equal(ce, 5);
    hark_metrics_summary s = hark_metrics_get(m);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.ref_words, 6);
    assert_int_equal(s.word_errors, 3);
    assert_int_equal(s.ref_chars, 16 + 3 + 2);
    assert_int_equal(s.char_errors, 13);
    assert_int_equal(s.utt_correct, 1);
    assert_float_equal(s.wer, 3.0 / 6.0, 1e-12);
    assert_float_equal(s.cer, 13.0 / 21.0, 1e-12);
    assert_float_equal(s.utt_acc, 1.0 / 3.0, 1e-12);
    hark_metrics_free(m);
}

static void test_confusions(void **state)
{
    (void)state;
    hark_metrics *m = hark_metrics_create();
    assert_non_null(m);
    assert_int_equal(hark_metrics_add(m, "five", "nine", NULL, NULL), HARK_OK);
    assert_int_equal(hark_metrics_add(m, "off", "up", NULL, NULL), HARK_OK);
    assert_int_equal(hark_metrics_add(m, "five", "nine", NULL, NULL), HARK_OK);
    assert_int_equal(hark_metrics_add(m, "go", "", NULL, NULL), HARK_OK);
    assert_int_equal(hark_metrics_add(m, "go", "go", NULL, NULL), HARK_OK);
    hark_substitution sub[8];
    size_t n = hark_metrics_top_confusions(m, sub, 8);
    assert_int_equal(n, 3);
    assert_string_equal(sub[0].ref, "five");
    assert_string_equal(sub[0].hyp, "nine");
    assert_int_equal(sub[0].count, 2);
    assert_string_equal(sub[1].ref, "off");
    assert_string_equal(sub[1].hyp, "up");
    assert_int_equal(sub[1].count, 1);
    /* Deletions come after substitutions. */
    assert_string_equal(sub[2].ref, "go");
    assert_string_equal(sub[2].hyp, "");
    assert_int_equal(hark_metrics_top_confusions(m, sub, 1), 1);
    hark_metrics_free(m);
}

static void test_empty_and_bad(void **state)
{
    (void)state;
    hark_metrics *m = hark_metrics_create();
    assert_non_null(m);
    hark_metrics_summary s = hark_metrics_get(m);
    assert_int_equal(s.n, 0);
    assert_float_equal(s.wer, 0.0, 0);
    assert_float_equal(s.utt_acc, 0.0, 0);
    /* A silence clip recognised as silence is correct; as a word it is an insertion. */
    assert_int_equal(hark_metrics_add(m, "", "", NULL, NULL), HARK_OK);
    assert_int_equal(hark_metrics_add(m, "", "no", NULL, NULL), HARK_OK);
    s = hark_metrics_get(m);
    assert_int_equal(s.utt_correct, 1);
    assert_int_equal(s.word_errors, 1);
    assert_int_equal(hark_metrics_add(m, NULL, "x", NULL, NULL), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_metrics_add(NULL, "x", "x", NULL, NULL), HARK_ERR_INVALID_ARG);
    hark_metrics_free(m);
    hark_metrics_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edit_distances),
        cmocka_unit_test(test_rates_hand_worked),
        cmocka_unit_test(test_confusions),
        cmocka_unit_test(test_empty_and_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
