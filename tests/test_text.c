/* test_text.c - transcript normalisation for ASR (hark_text_normalize) and UTF-8 validation. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

/* Normalise and compare; also checks that the sizing call agrees with the written length. */
static void expect(const char *in, const char *want)
{
    char out[512];
    size_t need = hark_text_normalize(in, NULL, 0);
    size_t n = hark_text_normalize(in, out, sizeof out);
    assert_int_equal(n, need);
    assert_int_equal(n, strlen(out));
    if (strcmp(out, want))
        fail_msg("normalize(\"%s\") = \"%s\", want \"%s\"", in, out, want);
}

static void test_case_and_punctuation(void **state)
{
    (void)state;
    expect("Hello, World!", "hello world");
    expect("  many   spaces\there\n", "many spaces here");
    expect("", "");
    expect("...?!", "");
    expect("Printing, in the only sense with which we are at present concerned,",
           "printing in the only sense with which we are at present concerned");
    expect("well-known (and) \"quoted\"; semi:colon", "well known and quoted semi colon");
    expect("UPPER lower MiXeD", "upper lower mixed");
    expect(NULL, "");
    expect("50% & more", "fifty percent and more");
    expect("AT&T", "at and t");
}

static void test_apostrophes(void **state)
{
    (void)state;
    expect("Don't stop", "don't stop");
    expect("'quoted' words'", "quoted words");
    expect("rock 'n' roll", "rock n roll");
    expect("it\xE2\x80\x99s typographic", "it's typographic"); /* U+2019 */
    expect("students' books", "students books");
    expect("a''b", "a b");
    expect("the 1990's", "the one thousand nine hundred ninety's");
}

static void test_numbers(void **state)
{
    (void)state;
    expect("0", "zero");
    expect("7", "seven");
    expect("13", "thirteen");
    expect("42", "forty two");
    expect("100", "one hundred");
    expect("105", "one hundred five");
    expect("999", "nine hundred ninety nine");
    expect("1000", "one thousand");
    expect("1,000", "one thousand");
    expect("1,500,001", "one million five hundred thousand one");
    expect("2,000,000,000", "two billion");
    expect("3.5", "three point five");
    expect("0.25", "zero point two five");
    expect("1st 2nd 3rd 4th 11th 12th 20th 21st 100th", "first second third fourth eleventh "
                                                         "twelfth twentieth twenty first "
                                                         "one hundredth");
    expect("007", "zero zero seven");
    expect("999999999999", "nine hundred ninety nine billion nine hundred ninety nine million "
                           "nine hundred ninety nine thousand nine hundred ninety nine");
    expect("1000000000000", /* 13 digits: past the cardinal range, digit by digit */
           "one zero zero zero zero zero zero zero zero zero zero zero zero");
    expect("1234567890123456", /* too long for words: digit by digit */
           "one two three four five six seven eight nine zero one two three four five six");
    expect("10am", "ten am");
    expect("abc123def", "abc one hundred twenty three def");
    expect("12,34", "twelve thirty four");     /* not a thousands group */
    expect("costs $30.", "costs thirty");
    expect("1.", "one");
    expect("the 5th.", "the fifth");
}

static void test_accents_and_scripts(void **state)
{
    (void)state;
    expect("raison d'\xC3\xAAtre", "raison d'etre");
    expect("Caf\xC3\xA9 na\xC3\xAFve \xC3\x86sop", "cafe naive aesop");
    expect("Stra\xC3\x9F" "e", "strasse");
    expect("\xC5\x81\xC3\xB3" "d\xC5\xBA", "lodz");
    expect("\xC2\xA3" "30", "thirty"); /* the pound sign is a separator */
    expect("\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 hi", "hi"); /* Cyrillic dropped */
    expect("a\xC3\x97" "b", "a b");                                    /* multiplication sign */
    expect("bad\xFF" "byte", "bad byte");
    expect("cut\xE2\x80", "cut");
}

static void test_truncation(void **state)
{
    (void)state;
    char out[6];
    size_t n = hark_text_normalize("Hello World", out, sizeof out);
    assert_int_equal(n, 11);
    assert_string_equal(out, "hello");
    memset(out, 'x', sizeof out);
    assert_int_equal(hark_text_normalize("abc", out, 0), 3);
    assert_int_equal(out[0], 'x'); /* cap 0 writes nothing */
    assert_int_equal(hark_text_normalize("abc", out, 1), 3);
    assert_string_equal(out, "");
}

static void test_output_alphabet(void **state)
{
    (void)state;
    /* Every byte value, in every position: the output only ever holds a-z, ' and single
     * spaces, with no space or apostrophe at either end. */
    char in[3 * 256 + 1], out[8192];
    for (int shift = 0; shift < 3; shift++) {
        size_t k = 0;
        for (int i = 0; i < 256; i++)
            if ((i + shift) % 256)
                in[k++] = (char)((i + shift) % 256);
        in[k] = '\0';
        size_t n = hark_text_normalize(in, out, sizeof out);
        assert_true(n < sizeof out);
        for (size_t j = 0; j < n; j++) {
            char ch = out[j];
            assert_true((ch >= 'a' && ch <= 'z') || ch == '\'' || ch == ' ');
            if (ch == ' ')
                assert_true(j > 0 && j + 1 < n && out[j + 1] != ' ');
            if (ch == '\'')
                assert_true(j > 0 && j + 1 < n && out[j - 1] != ' ' && out[j + 1] != ' ');
        }
    }
    /* idempotent on its own output */
    char again[8192];
    hark_text_normalize(out, again, sizeof again);
    assert_string_equal(out, again);
}

/* Random byte strings biased towards the interesting ones (digits, separators, apostrophes,
 * UTF-8 lead and continuation bytes): the output invariants hold and normalising is idempotent. */
static void test_random_inputs(void **state)
{
    (void)state;
    static const char pieces[] = "0123456789,.'' \t-%&aZ\xC3\xA9\xE2\x80\x99\xFF\x80stndrh";
    uint64_t rng = 42;
    char in[256], out[4096], again[4096];
    for (int iter = 0; iter < 5000; iter++) {
        size_t len = 0, want = (size_t)(iter % 60);
        while (len < want) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            in[len++] = pieces[(rng >> 33) % (sizeof pieces - 1)];
        }
        in[len] = '\0';
        size_t n = hark_text_normalize(in, out, sizeof out);
        assert_true(n < sizeof out);
        assert_int_equal(n, hark_text_normalize(in, NULL, 0));
        for (size_t j = 0; j < n; j++)
            assert_true((out[j] >= 'a' && out[j] <= 'z') || out[j] == '\'' ||
                        (out[j] == ' ' && j > 0 && j + 1 < n && out[j + 1] != ' '));
        assert_true(!n || (out[0] != '\'' && out[n - 1] != '\''));
        hark_text_normalize(out, again, sizeof again);
        if (strcmp(out, again))
            fail_msg("not idempotent: \"%s\" -> \"%s\" -> \"%s\"", in, out, again);
        /* a truncated write is a prefix of the full one, NUL-terminated */
        char small[8];
        hark_text_normalize(in, small, sizeof small);
        assert_int_equal(strncmp(small, out, strlen(small)), 0);
        assert_true(strlen(small) == (n < sizeof small ? n : sizeof small - 1));
    }
}

static void test_valid_utf8(void **state)
{
    (void)state;
    assert_true(hark_text_valid_utf8("plain", 5));
    assert_true(hark_text_valid_utf8("", 0));
    const char *mixed = "caf\xC3\xA9 \xE2\x80\x99 \xF0\x9F\x98\x80";
    assert_true(hark_text_valid_utf8(mixed, strlen(mixed)));
    assert_false(hark_text_valid_utf8(mixed, strlen(mixed) - 1)); /* cut inside the emoji */
    assert_false(hark_text_valid_utf8("\xC3", 1));             /* truncated */
    assert_false(hark_text_valid_utf8("\xC0\xAF", 2));         /* overlong '/' */
    assert_false(hark_text_valid_utf8("\xED\xA0\x80", 3));     /* surrogate */
    assert_false(hark_text_valid_utf8("\xF4\x90\x80\x80", 4)); /* beyond U+10FFFF */
    assert_false(hark_text_valid_utf8("\xFF", 1));
    assert_false(hark_text_valid_utf8("ok\x80", 3)); /* stray continuation */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case_and_punctuation), cmocka_unit_test(test_apostrophes),
        cmocka_unit_test(test_numbers),              cmocka_unit_test(test_accents_and_scripts),
        cmocka_unit_test(test_truncation),           cmocka_unit_test(test_output_alphabet),
        cmocka_unit_test(test_random_inputs),        cmocka_unit_test(test_valid_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
