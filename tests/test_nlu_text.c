/* test_nlu_text.c - text normalisation and number words (src/nlu/text.c): hand-checked cases,
 * a round trip over every number below 100000, and the inputs that must be refused. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

static void norm_is(const char *in, const char *want)
{
    char out[512];
    assert_int_equal(hark_nlu_normalize(in, out, sizeof out), HARK_OK);
    if (strcmp(out, want))
        fail_msg("normalize(\"%s\") = \"%s\", want \"%s\"", in, out, want);
}

static void test_normalize_basics(void **state)
{
    (void)state;
    norm_is("What's the TIME?", "what is the time");
    norm_is("  Turn   ON the kitchen-light!! ", "turn on the kitchen light");
    norm_is("I can't hear you", "i can not hear you");
    norm_is("don't, won't, I'll, we've, they're, I'd",
            "do not will not i will we have they are i would");
    norm_is("the kitchen's light", "the kitchen light");
    norm_is("It\xE2\x80\x99s dark", "it is dark"); /* typographic apostrophe */
    norm_is("", "");
    norm_is("?!.,;", "");
}

static void test_normalize_numbers(void **state)
{
    (void)state;
    norm_is("set a timer for 25 minutes", "set a timer for twenty five minutes");
    norm_is("what is 7+5", "what is seven plus five");
    norm_is("12 * 3", "twelve times three");
    norm_is("81 / 9", "eighty one divided by nine");
    norm_is("45 - 17", "forty five minus seventeen");
    norm_is("2.5", "two point five");
    norm_is("at 7:30", "at seven thirty");
    norm_is("at 7:05", "at seven oh five");
    norm_is("at 7:00", "at seven oclock");
    norm_is("1,000 people", "one thousand people");
    norm_is("the 3rd time", "the third time");
    norm_is("on the 21st and the 12th, 40th, 100th, 1st, 5th",
            "on the twenty first and the twelfth fortieth one hundredth first fifth");
    norm_is("5min", "five minutes");
    norm_is("room2", "room two");
    norm_is("100", "one hundred");
    norm_is("0", "zero");
    /* Too many digits to be one number: read one by one. */
    norm_is("1234567890123", "one two three four five six seven eight nine zero one two three");
}

static void test_normalize_refuses_small_buffer(void **state)
{
    (void)state;
    char out[8];
    assert_int_equal(hark_nlu_normalize("a rather long sentence", out, sizeof out),
                     HARK_ERR_INVALID_ARG);
    assert_string_equal(out, "");
    assert_int_equal(hark_nlu_normalize(NULL, out, sizeof out), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_nlu_normalize("x", NULL, 4), HARK_ERR_INVALID_ARG);
}

static void words_are(long long n, const char *want)
{
    char out[256];
    assert_int_equal(hark_nlu_number_to_words(n, out, sizeof out), HARK_OK);
    if (strcmp(out, want))
        fail_msg("number_to_words(%lld) = \"%s\", want \"%s\"", n, out, want);
}

static void test_number_words(void **state)
{
    (void)state;
    words_are(0, "zero");
    words_are(7, "seven");
    words_are(13, "thirteen");
    words_are(20, "twenty");
    words_are(25, "twenty five");
    words_are(99, "ninety nine");
    words_are(100, "one hundred");
    words_are(105, "one hundred five");
    words_are(1000, "one thousand");
    words_are(1234, "one thousand two hundred thirty four");
    words_are(2000019, "two million nineteen");
    words_are(-3, "minus three");
    char small[6];
    assert_int_equal(hark_nlu_number_to_words(77, small, sizeof small), HARK_ERR_INVALID_ARG);
    char out[64];
    assert_int_equal(hark_nlu_number_to_words(1000000000000LL, out, sizeof out),
                     HARK_ERR_INVALID_ARG);
}

static void number_is(const char *words, long long want)
{
    long long v = -12345;
    if (hark_nlu_words_to_number(words, &v) != HARK_OK)
        fail_msg("words_to_number(\"%s\") failed: %s", words, hark_last_error());
    if (v != want)
        fail_msg("words_to_number(\"%s\") = %lld, want %lld", words, v, want);
}

static void test_words_to_number(void **state)
{
    (void)state;
    number_is("zero", 0);
    number_is("twenty five", 25);
    number_is("one hundred and five", 105);
    number_is("a hundred", 100);
    number_is("nineteen hundred", 1900);
    number_is("two thousand and twenty six", 2026);
    number_is("three million four thousand", 3004000);
    number_is("minus seven", -7);
    number_is("42", 42);
    static const char *const bad[] = {
        "", "five six", "twenty thirty", "hello", "twenty five apples", "thousand million",
        "one hundred hundred", "and", "a", "seven and", "12 apples",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long long v;
        if (hark_nlu_words_to_number(bad[i], &v) == HARK_OK)
            fail_msg("words_to_number(\"%s\") accepted as %lld", bad[i], v);
    }
}

static void test_number_round_trip(void **state)
{
    (void)state;
    char words[256];
    for (long long n = -50; n < 100000; n++) {
        assert_int_equal(hark_nlu_number_to_words(n, words, sizeof words), HARK_OK);
        long long back;
        if (hark_nlu_words_to_number(words, &back) != HARK_OK || back != n)
            fail_msg("round trip of %lld via \"%s\" failed", n, words);
    }
    /* And through normalisation: digits in, words out, the number back. */
    char norm[256];
    assert_int_equal(hark_nlu_normalize("4711", norm, sizeof norm), HARK_OK);
    long long back;
    assert_int_equal(hark_nlu_words_to_number(norm, &back), HARK_OK);
    assert_int_equal(back, 4711);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize_basics),
        cmocka_unit_test(test_normalize_numbers),
        cmocka_unit_test(test_normalize_refuses_small_buffer),
        cmocka_unit_test(test_number_words),
        cmocka_unit_test(test_words_to_number),
        cmocka_unit_test(test_number_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
