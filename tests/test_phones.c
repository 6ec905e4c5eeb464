/* test_phones.c - phone units: espeak-ng names to phones (known words, every inventory entry and
 * phone reachable, a dictionary sample, bad input), the units object (spelling, encoding, the
 * lexicon before espeak-ng), and phone models in the model file (units and lexicon round trip,
 * character models without the keys still loading as characters, bad keys refused). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/espeak_internal.h"
#include "hark/capture.h"
#include "model/model_internal.h"
#include "testutil.h"

static char *phones(const char *word)
{
    char *out = NULL;
    hark_status st = phones_of_word(word, &out);
    if (st != HARK_OK)
        fail_msg("\"%s\": %s", word, hark_last_error());
    return out;
}

static void test_known_words(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"hello", "həlo"},  {"world", "wɚld"},  {"church", "ʧɚʧ"},  {"judge", "ʤʌʤ"},
        {"bottle", "bɑtəl"}, {"fire", "fYɚ"},   {"think", "θɪŋk"},  {"this", "ðɪs"},
        {"vision", "vɪʒən"}, {"sure", "ʃʊr"},   {"hair", "hɛr"},    {"horse", "hɔrs"},
        {"father", "fɑðɚ"},  {"book", "bʊk"},   {"team", "tim"},    {"you", "ju"},
        {"now", "nW"},       {"boy", "bO"},     {"say", "se"},      {"go", "ɡo"},
        {"cat", "kæt"},      {"cut", "kʌt"},    {"car", "kɑr"},     {"seven", "sɛvən"},
        {"a", "ə"},          {"i", "Y"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *p = phones(cases[i][0]);
        if (strcmp(p, cases[i][1]) != 0)
            fail_msg("\"%s\" gave \"%s\", want \"%s\"", cases[i][0], p, cases[i][1]);
        free(p);
        p = phones(cases[i][0]); /* from the cache: the same */
        assert_string_equal(p, cases[i][1]);
        free(p);
    }
}

/* Every table entry converts to its phones, every phone of the alphabet is some entry's, and
 * real words reach every phone. */
static void test_inventory_reachable(void **state)
{
    (void)state;
    const char *alpha = hark_phone_alphabet();
    assert_int_equal(hark_alphabet_size(alpha), 41);
    assert_int_equal(alpha[0], ' ');
    char seen_table[64] = {0}, seen_words[64] = {0};
    for (size_t i = 0; i < phone_name_count(); i++) {
        const char *ph = NULL, *name = phone_name_at(i, &ph);
        char raw[32], *out = NULL;
        snprintf(raw, sizeof raw, "'%s", name); /* with a stress mark, as espeak-ng writes */
        hark_status st = phones_from_espeak("x", raw, &out);
        if (!*ph) {
            assert_int_equal(st, HARK_ERR_INVALID_ARG); /* a pause alone is no pronunciation */
            continue;
        }
        assert_int_equal(st, HARK_OK);
        assert_string_equal(out, ph);
        int labels[4], n = 0;
        assert_int_equal(hark_alphabet_encode(alpha, ph, labels, 4, &n), HARK_OK);
        for (int k = 0; k < n; k++)
            seen_table[labels[k]] = 1;
        free(out);
    }
    /* Words covering all 40 phones, among them foreign sounds (Bach, Utrecht, croissant,
     * denouement), a glottal stop (Britten) and an extra length mark (Wii). */
    const char *words = "hello world church judge bottle fire think this vision sure hair horse "
                        "father book team you now boy say go cat cut car sing yes measure pen zoo bach "
                        "utrecht croissant denouement britten llano wii about";
    char *sp = NULL;
    hark_units *u = hark_units_create(HARK_UNITS_PHONES, NULL);
    assert_non_null(u);
    assert_int_equal(hark_units_spell(u, words, &sp), HARK_OK);
    int labels[512], n = 0;
    assert_int_equal(hark_alphabet_encode(alpha, sp, labels, 512, &n), HARK_OK);
    for (int k = 0; k < n && k < 512; k++)
        seen_words[labels[k]] = 1;
    for (int i = 2; i <= 41; i++) { /* 1 is the space */
        if (!seen_table[i])
            fail_msg("phone %d of the alphabet is no espeak-ng name's", i);
        if (!seen_words[i])
            fail_msg("phone %d of the alphabet is in none of the words: %s", i, sp);
    }
    free(sp);
    hark_units_free(u);
}

/* A sample of Debian's word list: every word has a pronunciation in the phones (an unknown
 * espeak-ng name would fail here). */
static void test_dictionary_sample(void **state)
{
    (void)state;
    FILE *f = fopen("/usr/share/dict/american-english", "r");
    if (!f)
        skip(); /* package wamerican */
    char line[256];
    long n = 0, done = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (n++ % 25 != 0 || !*line)
            continue;
        char *p = NULL;
        hark_status st = phones_of_word(line, &p);
        if (st != HARK_OK)
            fail_msg("\"%s\": %s", line, hark_last_error());
        int k = 0;
        assert_int_equal(hark_alphabet_encode(hark_phone_alphabet(), p, NULL, 0, &k), HARK_OK);
        assert_true(k > 0);
        assert_null(strchr(p, ' '));
        free(p);
        done++;
    }
    fclose(f);
    assert_true(done > 3000);
}

static void test_bad_input(void **state)
{
    (void)state;
    char *out = (char *)1;
    assert_int_equal(phones_from_espeak("w", "h|'Q9|l", &out), HARK_ERR_UNSUPPORTED);
    assert_null(out);
    assert_non_null(strstr(hark_last_error(), "Q9"));
    assert_int_equal(phones_from_espeak("w", "_|;|_!", &out), HARK_ERR_INVALID_ARG);
    assert_int_equal(phones_from_espeak("w", "", &out), HARK_ERR_INVALID_ARG);
    assert_int_equal(phones_from_espeak("w", "'i::|z", &out), HARK_OK); /* extra length */
    assert_string_equal(out, "iz");
    free(out);
    assert_int_equal(phones_of_word("", &out), HARK_ERR_INVALID_ARG);
    assert_int_equal(phones_of_word("two words", &out), HARK_ERR_INVALID_ARG);
    assert_int_equal(phones_of_word("tab\there", &out), HARK_ERR_INVALID_ARG);
    assert_int_equal(phones_of_word("bad\xff", &out), HARK_ERR_INVALID_ARG);
    char longw[300];
    memset(longw, 'a', sizeof longw - 1);
    longw[sizeof longw - 1] = '\0';
    assert_int_equal(phones_of_word(longw, &out), HARK_ERR_INVALID_ARG);
    /* Punctuation alone has no pronunciation. */
    assert_int_not_equal(phones_of_word("...", &out), HARK_OK);

    hark_units *u = hark_units_create(HARK_UNITS_PHONES, NULL);
    assert_non_null(u);
    assert_int_equal(hark_units_set_pronunciation(u, "x", "abc!"), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_units_set_pronunciation(u, "x", ""), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_units_set_pronunciation(u, "x", "ha lo"), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_units_set_pronunciation(u, "two words", "ha"), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_units_set_pronunciation(u, "", "ha"), HARK_ERR_INVALID_ARG);
    char *sp = NULL;
    assert_int_not_equal(hark_units_spell(u, "hello ...", &sp), HARK_OK);
    assert_null(sp);
    hark_units_free(u);
    assert_null(hark_units_create((hark_unit_kind)7, NULL));
    assert_null(hark_units_create(HARK_UNITS_CHARS, "\xff"));
}

static void test_spell_and_encode(void **state)
{
    (void)state;
    hark_units *u = hark_units_create(HARK_UNITS_PHONES, NULL);
    assert_non_null(u);
    char *sp = NULL;
    assert_int_equal(hark_units_spell(u, "  hello   world ", &sp), HARK_OK);
    assert_string_equal(sp, "həlo wɚld");
    free(sp);
    assert_int_equal(hark_units_spell(u, "", &sp), HARK_OK);
    assert_string_equal(sp, "");
    free(sp);
    /* The lexicon comes before espeak-ng. */
    assert_int_equal(hark_units_set_pronunciation(u, "hello", "hɛlo"), HARK_OK);
    assert_int_equal(hark_units_spell(u, "hello world", &sp), HARK_OK);
    assert_string_equal(sp, "hɛlo wɚld");
    free(sp);
    /* Encoding: the spelling in the phone alphabet (space = 1, p = 2, ...). */
    int labels[16], n = 0;
    assert_int_equal(hark_units_encode(u, "go now", labels, 16, &n), HARK_OK);
    int want[16], nw = 0;
    assert_int_equal(hark_alphabet_encode(hark_phone_alphabet(), "ɡo nW", want, 16, &nw), HARK_OK);
    assert_int_equal(n, nw);
    assert_memory_equal(labels, want, (size_t)n * sizeof *labels);
    assert_int_equal(labels[2], 1);
    /* Learning puts words into the lexicon once. */
    assert_int_equal(hark_units_lexicon_size(u), 1);
    assert_int_equal(hark_units_learn(u, "go now go"), HARK_OK);
    assert_int_equal(hark_units_lexicon_size(u), 3);
    assert_string_equal(hark_units_pronunciation(u, "now"), "nW");
    assert_null(hark_units_pronunciation(u, "cat"));
    hark_units *c = hark_units_copy(u);
    assert_non_null(c);
    assert_string_equal(hark_units_pronunciation(c, "hello"), "hɛlo");
    hark_units_free(c);
    hark_units_free(u);

    /* Characters: the text itself. */
    u = hark_units_create(HARK_UNITS_CHARS, NULL);
    assert_non_null(u);
    assert_int_equal(hark_units_encode(u, "go", labels, 16, &n), HARK_OK);
    assert_int_equal(n, 2);
    assert_int_equal(labels[0], 9); /* " 'abcdefg": g is the 9th */
    assert_int_equal(hark_units_learn(u, "anything"), HARK_OK);
    assert_int_equal(hark_units_lexicon_size(u), 0);
    assert_int_equal(hark_units_encode(u, "GO", labels, 16, &n), HARK_ERR_INVALID_ARG);
    hark_units_free(u);
}

static void test_model_round_trip(void **state)
{
    (void)state;
    hark_model *m = tu_phone_model(3);
    assert_int_equal(hark_units_kind(hark_model_units(m)), HARK_UNITS_CHARS); /* until set */
    hark_units *u = hark_units_create(HARK_UNITS_PHONES, NULL);
    assert_int_equal(hark_units_learn(u, "go now"), HARK_OK);
    assert_int_equal(hark_units_set_pronunciation(u, "zed", "zɛd"), HARK_OK);
    assert_int_equal(hark_model_set_units(m, u), HARK_OK);
    hark_units_free(u);
    char path[512];
    snprintf(path, sizeof path, "%s/phones.hark", tu_tmpdir());
    assert_int_equal(hark_model_save(m, path), HARK_OK);
    hark_model_free(m);

    m = hark_model_load(path);
    assert_non_null(m);
    const hark_units *lu = hark_model_units(m);
    assert_int_equal(hark_units_kind(lu), HARK_UNITS_PHONES);
    assert_string_equal(hark_units_alphabet(lu), hark_phone_alphabet());
    assert_int_equal(hark_units_lexicon_size(lu), 3);
    assert_string_equal(hark_units_pronunciation(lu, "zed"), "zɛd");
    char *sp = NULL;
    assert_int_equal(hark_units_spell(lu, "zed go cat", &sp), HARK_OK);
    assert_string_equal(sp, "zɛd ɡo kæt");
    free(sp);
    /* Bad keys are refused, and leave the model as it was. */
    assert_int_equal(hark_model_set_meta(m, "units", "syllables"), HARK_ERR_FORMAT);
    assert_int_equal(hark_model_set_meta(m, "lexicon", "[1]"), HARK_ERR_FORMAT);
    assert_int_equal(hark_model_set_meta(m, "lexicon", "{\"a\":\"#\"}"), HARK_ERR_FORMAT);
    assert_int_equal(hark_model_set_meta(m, "lexicon", "{\"a\":3}"), HARK_ERR_FORMAT);
    assert_int_equal(hark_units_lexicon_size(hark_model_units(m)), 3);
    assert_int_equal(hark_units_kind(hark_model_units(m)), HARK_UNITS_PHONES);
    /* Another alphabet's units do not fit. */
    hark_units *c = hark_units_create(HARK_UNITS_CHARS, NULL);
    assert_int_equal(hark_model_set_units(m, c), HARK_ERR_INVALID_ARG);
    hark_units_free(c);
    hark_model_free(m);

    /* A file whose units key is bad does not load. */
    size_t len = 0;
    char *buf = tu_read_file(path, &len);
    assert_non_null(buf);
    char *at = strstr(buf + 8, "\"units\":\"phones\"");
    assert_non_null(at);
    memcpy(at, "\"units\":\"phonez\"", 16);
    char bad[512];
    snprintf(bad, sizeof bad, "%s/bad_units.hark", tu_tmpdir());
    assert_int_equal(tu_write_file(bad, buf, len), 0);
    free(buf);
    assert_null(hark_model_load(bad));
    assert_non_null(strstr(hark_last_error(), "units"));
}

/* The shipped character models have neither key and load as characters. */
static void test_old_files_are_chars(void **state)
{
    (void)state;
    hark_model *m = hark_model_load(tu_src("models/digits.hark"));
    assert_non_null(m);
    assert_int_equal(hark_units_kind(hark_model_units(m)), HARK_UNITS_CHARS);
    assert_string_equal(hark_units_alphabet(hark_model_units(m)), hark_model_alphabet(m));
    assert_null(hark_model_get_meta(m, "units"));
    int labels[8], n = 0;
    assert_int_equal(hark_units_encode(hark_model_units(m), "one", labels, 8, &n), HARK_OK);
    assert_int_equal(n, 3);
    hark_model_free(m);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Median pitch (Hz) of the loud 40 ms frames: the lag of the autocorrelation peak in 70-400 Hz. */
static float median_f0(const float *x, size_t n, int rate)
{
    size_t win = (size_t)rate / 25, hop = (size_t)rate / 100, k = 0;
    float *f0 = malloc((n / hop + 1) * sizeof *f0);
    assert_non_null(f0);
    for (size_t s = 0; s + win < n; s += hop) {
        double e = 0, best_c = 0;
        int best = 0;
        for (size_t i = 0; i < win; i++)
            e += (double)x[s + i] * x[s + i];
        if (e / (double)win < 1e-3)
            continue;
        for (int lag = rate / 400; lag <= rate / 70; lag++) {
            double c = 0;
            for (size_t i = 0; i + (size_t)lag < win; i++)
                c += (double)x[s + i] * x[s + i + (size_t)lag];
            if (c > best_c) {
                best_c = c;
                best = lag;
            }
        }
        if (best)
            f0[k++] = (float)rate / (float)best;
    }
    qsort(f0, k, sizeof *f0, cmp_float);
    float m = k ? f0[k / 2] : 0;
    free(f0);
    return m;
}

/* The phonemizer selects en-us; a spoken reply still comes in its own voice (espeak-ng does not
 * render bit-exactly twice, so the voices are told apart by pitch: en+f3 about 200 Hz, en-us
 * about 100 Hz). */
static void test_replies_keep_their_voice(void **state)
{
    (void)state;
    hark_tts *t = hark_tts_create("en+f3");
    if (!t)
        fail_msg("%s", hark_last_error());
    float *a = NULL, *b = NULL, *c = NULL;
    size_t na = 0, nb = 0, nc = 0;
    assert_int_equal(hark_tts_synth(t, "the kitchen light is on", &a, &na), HARK_OK);
    char *p = phones("marmalade"); /* not cached yet: espeak-ng is asked */
    free(p);
    /* Rendering now, without selecting a voice, speaks in the phonemizer's voice... */
    assert_int_equal(audio_espeak_render("test", "the kitchen light is on", &c, &nc), HARK_OK);
    int rate = hark_tts_sample_rate(t);
    float fa = median_f0(a, na, rate), fc = median_f0(c, nc, rate);
    if (!(fa > 150 && fc < 0.7f * fa))
        fail_msg("pitch of the reply voice %.0f Hz, of the phonemizer's %.0f Hz", (double)fa,
                 (double)fc);
    /* ...but a reply selects its own again. */
    assert_int_equal(hark_tts_synth(t, "the kitchen light is on", &b, &nb), HARK_OK);
    float fb = median_f0(b, nb, rate);
    if (fabsf(fb - fa) > 0.1f * fa)
        fail_msg("the reply after phonemizing has pitch %.0f Hz, before %.0f Hz", (double)fb,
                 (double)fa);
    free(a);
    free(b);
    free(c);
    hark_tts_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_words),        cmocka_unit_test(test_inventory_reachable),
        cmocka_unit_test(test_dictionary_sample),  cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_spell_and_encode),   cmocka_unit_test(test_model_round_trip),
        cmocka_unit_test(test_old_files_are_chars), cmocka_unit_test(test_replies_keep_their_voice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
