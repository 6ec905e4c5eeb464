/* test_grammar.c - intent files compiled into word graphs and decoded under them: every template
 * feature on the decoded path (sampled sentences spelled as synthetic log-probabilities decode to
 * themselves with the walker's intent and slot values), graph size linear in the file, a 10^12
 * sentence file compiled quickly, rejection of speech outside the grammar, silence, phrase lists,
 * partial transcripts from the incremental search, and bad input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"
#include "hark/grammar.h"

#define ALPHA " 'abcdefghijklmnopqrstuvwxyz"
#define V 29

static int sym(char c)
{
    if (c == '_')
        return 0;
    const char *p = strchr(ALPHA, c);
    assert_non_null(p);
    return (int)(p - ALPHA) + 1;
}

/* Log-probabilities whose best path spells `text`: two frames per character, a blank after each,
 * `pad` blank frames around. Returns (T, V); *T set. */
static float *spell(const char *text, int pad, int *T)
{
    size_t n = strlen(text);
    int frames = (int)(3 * n) + 2 * pad;
    char *path = malloc((size_t)frames + 1);
    assert_non_null(path);
    int t = 0;
    for (int i = 0; i < pad; i++)
        path[t++] = '_';
    for (size_t i = 0; i < n; i++) {
        path[t++] = text[i];
        path[t++] = text[i];
        path[t++] = '_';
    }
    for (int i = 0; i < pad; i++)
        path[t++] = '_';
    float *lp = malloc((size_t)frames * V * sizeof *lp);
    assert_non_null(lp);
    for (int f = 0; f < frames; f++) {
        for (int v = 0; v < V; v++)
            lp[f * V + v] = logf(0.1f / (V - 1));
        lp[f * V + sym(path[f])] = logf(0.9f);
    }
    free(path);
    *T = frames;
    return lp;
}

static const char *FILE_ALL =
    "$room = (kitchen | living room | lounge:(living room) | hall:hallway)\n"
    "[Lights]\n"
    "thing = (lights | lamps)\n"
    "turn (on | off){state} [the] $room{room} <thing>\n"
    "(switch | put) <thing> (on){state} in the $room{room}\n"
    "[Timer]\n"
    "set a timer for (1..20){minutes} minutes\n"
    "set a timer for (0..60,15){seconds} seconds\n"
    "[set a timer for] (half an hour):30{minutes}\n"
    "[Nested]\n"
    "call (mister (smith | jones){name}){person}\n";

typedef struct fixture {
    hark_intents *f;
    hark_grammar *g;
    hark_grammar_decoder *d;
} fixture;

static void open_fixture(fixture *x, const char *text, float reject)
{
    x->f = hark_intents_parse(text, "test.ini");
    assert_non_null(x->f);
    x->g = hark_grammar_from_intents(x->f);
    assert_non_null(x->g);
    hark_grammar_params p = hark_grammar_default_params();
    p.reject = reject;
    x->d = hark_grammar_decoder_create(x->g, ALPHA, &p);
    assert_non_null(x->d);
}

static void close_fixture(fixture *x)
{
    hark_grammar_decoder_free(x->d);
    hark_grammar_free(x->g);
    hark_intents_free(x->f);
}

static void decode_text(const fixture *x, const char *text, hark_grammar_result *r)
{
    int T;
    float *lp = spell(text, 3, &T);
    assert_int_equal(hark_grammar_decode(x->d, lp, T, V, 0.01, r), HARK_OK);
    free(lp);
}

static void expect_slot(const hark_grammar_result *r, const char *name, const char *text)
{
    const hark_slot *s = hark_intent_result_slot(&r->intent, name);
    assert_non_null(s);
    assert_string_equal(s->text, text);
}

static void test_hand_picked_sentences(void **state)
{
    (void)state;
    fixture x;
    open_fixture(&x, FILE_ALL, 0.5f);
    hark_grammar_result r = {0};

    decode_text(&x, "turn on the lounge lamps", &r);
    assert_string_equal(r.transcript.text, "turn on the lounge lamps");
    assert_true(r.has_intent);
    assert_false(r.rejected);
    assert_string_equal(r.intent.intent, "Lights");
    assert_int_equal(r.intent.n_slots, 2);
    expect_slot(&r, "state", "on");
    expect_slot(&r, "room", "living room"); /* substitution applied */
    assert_int_equal(r.transcript.n_words, 5);
    assert_true(r.transcript.words[0].start < r.transcript.words[1].start);
    hark_grammar_result_clear(&r);

    decode_text(&x, "turn off hall lights", &r); /* optional word left out */
    assert_string_equal(r.intent.intent, "Lights");
    expect_slot(&r, "state", "off");
    expect_slot(&r, "room", "hallway");
    hark_grammar_result_clear(&r);

    decode_text(&x, "set a timer for twelve minutes", &r);
    assert_string_equal(r.intent.intent, "Timer");
    const hark_slot *m = hark_intent_result_slot(&r.intent, "minutes");
    assert_non_null(m);
    assert_true(m->is_number);
    assert_true(m->number == 12.0);
    hark_grammar_result_clear(&r);

    decode_text(&x, "set a timer for forty five seconds", &r); /* range with a step */
    expect_slot(&r, "seconds", "45");
    hark_grammar_result_clear(&r);

    decode_text(&x, "half an hour", &r);
    assert_string_equal(r.intent.intent, "Timer");
    expect_slot(&r, "minutes", "30");
    hark_grammar_result_clear(&r);

    decode_text(&x, "call mister jones", &r); /* nested tags */
    assert_string_equal(r.intent.intent, "Nested");
    expect_slot(&r, "name", "jones");
    expect_slot(&r, "person", "mister jones");
    hark_grammar_result_clear(&r);
    close_fixture(&x);
}

/* Decode `said` and expect it accepted as `intent`, transcribed as said, with slot = value. */
static void expect_heard(const fixture *x, const char *said, const char *intent, const char *slot,
                         const char *value)
{
    hark_grammar_result r = {0};
    decode_text(x, said, &r);
    assert_false(r.rejected);
    assert_string_equal(r.intent.intent, intent);
    assert_string_equal(r.transcript.text, said);
    assert_true(r.gap < 0.01f);
    expect_slot(&r, slot, value);
    hark_grammar_result_clear(&r);
}

/* A word written with an apostrophe is also decoded as it is said ("it's", one word, not the
 * normal form "it is"), and common pairs written in full also contracted; the transcript shows
 * the words as said, slots hold the normal form, as the walker gives them. */
static void test_contractions_as_said(void **state)
{
    (void)state;
    fixture x;
    open_fixture(&x,
                 "$room = (kitchen | hall)\n"
                 "[Bright]\n"
                 "It's too bright in the $room{room}\n"
                 "[Want]\n"
                 "(i'd like the kitchen's lamp){what}\n"
                 "[Ask]\n"
                 "(what is the time){q} [i do not know]\n",
                 0.5f);
    expect_heard(&x, "it's too bright in the hall", "Bright", "room", "hall");
    expect_heard(&x, "it is too bright in the kitchen", "Bright", "room", "kitchen");
    expect_heard(&x, "i'd like the kitchen's lamp", "Want", "what",
                 "i would like the kitchen lamp");
    /* And the other way: words written in full are heard contracted too. */
    expect_heard(&x, "what's the time i don't know", "Ask", "q", "what is the time");
    expect_heard(&x, "what is the time i do not know", "Ask", "q", "what is the time");
    hark_grammar_result r = {0};
    decode_text(&x, "it's too bright in the hall", &r);
    assert_int_equal(r.transcript.n_words, 6); /* "it's" is one word */
    hark_grammar_result_clear(&r);
    close_fixture(&x);
}

/* Numbers of a range from 100 on are heard as people say them too: "and" before the last two
 * digits' words, "a" for a leading "one", 1100-9999 in pairs as years are read; the slot gets
 * the same value. */
static void test_number_forms(void **state)
{
    (void)state;
    fixture x;
    open_fixture(&x, "[Channel]\nchannel (95..1010){n}\n[Year]\nin (1900..2030){year}\n", 0.5f);
    static const struct {
        const char *said, *intent, *slot, *value;
    } cases[] = {
        {"channel one hundred five", "Channel", "n", "105"},
        {"channel one hundred and five", "Channel", "n", "105"},
        {"channel a hundred and five", "Channel", "n", "105"},
        {"channel a hundred", "Channel", "n", "100"},
        {"channel ninety nine", "Channel", "n", "99"},
        {"channel one thousand and ten", "Channel", "n", "1010"},
        {"channel a thousand and one", "Channel", "n", "1001"},
        {"channel nine hundred and ninety", "Channel", "n", "990"},
        {"in nineteen ninety", "Year", "year", "1990"},
        {"in nineteen hundred", "Year", "year", "1900"},
        {"in twenty oh five", "Year", "year", "2005"},
        {"in two thousand and five", "Year", "year", "2005"},
        {"in twenty twenty four", "Year", "year", "2024"},
        {"in two thousand twenty four", "Year", "year", "2024"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_heard(&x, cases[i].said, cases[i].intent, cases[i].slot, cases[i].value);
    /* No "and" below 100, nor after a round hundred; no "twenty hundred" for 2000. */
    static const char *const refused[] = {"channel ninety and nine", "channel one hundred and",
                                          "in twenty hundred"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        hark_grammar_result r = {0};
        decode_text(&x, refused[i], &r);
        assert_true(r.rejected);
        hark_grammar_result_clear(&r);
    }
    close_fixture(&x);
}

/* Push frames in chunks of `chunk`, checking after each that the partial is a prefix of `want`
 * by whole words that never shrinks; returns how many different partials were seen. */
static int stream_text(hark_grammar_stream *s, const char *want, int chunk)
{
    int T;
    float *lp = spell(want, 3, &T);
    char buf[256], last[256] = "";
    int seen = 0;
    for (int t = 0; t < T; t += chunk) {
        int n = T - t < chunk ? T - t : chunk;
        assert_int_equal(hark_grammar_stream_push(s, lp + (size_t)t * V, n, V), HARK_OK);
        assert_int_equal(hark_grammar_stream_partial(s, buf, sizeof buf), HARK_OK);
        size_t l = strlen(buf);
        if (strncmp(want, buf, l) != 0 || (l && want[l] != ' ' && want[l] != '\0'))
            fail_msg("partial \"%s\" is not a word prefix of \"%s\"", buf, want);
        assert_true(l >= strlen(last));
        if (strcmp(buf, last) != 0)
            seen++;
        snprintf(last, sizeof last, "%s", buf);
    }
    assert_string_equal(last, want);
    free(lp);
    return seen;
}

static void test_stream_partials(void **state)
{
    (void)state;
    fixture x;
    open_fixture(&x, FILE_ALL, 0.5f);
    hark_grammar_stream *s = hark_grammar_stream_create(x.d);
    assert_non_null(s);
    char buf[64];
    assert_int_equal(hark_grammar_stream_partial(s, buf, sizeof buf), HARK_OK);
    assert_string_equal(buf, "");
    /* Frame by frame, every word shows as it ends. */
    assert_int_equal(stream_text(s, "turn on the lounge lamps", 1), 5);
    /* Reset: a new utterance on the same buffers; chunked pushes end the same way. */
    hark_grammar_stream_reset(s);
    assert_int_equal(hark_grammar_stream_partial(s, buf, sizeof buf), HARK_OK);
    assert_string_equal(buf, "");
    assert_true(stream_text(s, "set a timer for twelve minutes", 7) >= 2);
    /* The partial is truncated to the buffer. */
    assert_int_equal(hark_grammar_stream_partial(s, buf, 6), HARK_OK);
    assert_string_equal(buf, "set a");
    /* Bad input. */
    float row[V] = {0};
    assert_int_equal(hark_grammar_stream_push(s, row, 1, V - 1), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_grammar_stream_push(s, NULL, 1, V), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_grammar_stream_partial(s, buf, 0), HARK_ERR_INVALID_ARG);
    assert_null(hark_grammar_stream_create(NULL));
    hark_grammar_stream_free(s);
    hark_grammar_stream_free(NULL);
    close_fixture(&x);
}

/* Every sentence the walker draws decodes to itself with the walker's intent and slots. */
static void test_sampled_sentences_match_walker(void **state)
{
    (void)state;
    const char *text = "$room = (kitchen | living room | lounge:(living room) | hall:hallway)\n"
                       "$n = (1..99)\n"
                       "[Lights]\n"
                       "thing = (lights | lamps)\n"
                       "turn (on | off){state} [the] $room{room} <thing> [please]\n"
                       "[Timer]\n"
                       "[please] set [a | the] timer for $n{minutes} (minute | minutes)\n"
                       "timer $n{hours} hours [and] $n{minutes} minutes\n"
                       "[Calc]\n"
                       "$n{a} (plus | (take away):minus){op} $n{b}\n";
    fixture x;
    open_fixture(&x, text, 0.5f);
    uint64_t rng = 7;
    for (int i = 0; i < 150; i++) {
        size_t intent = (size_t)i % hark_intents_count(x.f);
        char sentence[512];
        hark_slot slots[HARK_NLU_MAX_SLOTS];
        int n_slots = 0;
        assert_int_equal(hark_intents_sample(x.f, intent, &rng, sentence, sizeof sentence, slots,
                                             &n_slots), HARK_OK);
        hark_grammar_result r = {0};
        decode_text(&x, sentence, &r);
        assert_string_equal(r.transcript.text, sentence);
        assert_string_equal(r.intent.intent, hark_intents_name(x.f, intent));
        assert_int_equal(r.intent.n_slots, n_slots);
        for (int k = 0; k < n_slots; k++) {
            const hark_slot *s = hark_intent_result_slot(&r.intent, slots[k].name);
            assert_non_null(s);
            assert_string_equal(s->text, slots[k].text);
            assert_int_equal(s->is_number, slots[k].is_number);
        }
        hark_grammar_result_clear(&r);
    }
    close_fixture(&x);
}

static void test_out_of_grammar_rejected(void **state)
{
    (void)state;
    fixture x;
    open_fixture(&x, FILE_ALL, 0.5f);
    hark_grammar_result r = {0};
    decode_text(&x, "play some music", &r);
    assert_true(r.has_intent);
    assert_true(r.rejected);
    assert_string_equal(r.intent.intent, "none");
    assert_int_equal(r.intent.n_slots, 0);
    assert_string_equal(r.transcript.text, "play some music"); /* the words as heard */
    assert_true(r.gap > 0.5f);
    hark_grammar_result_clear(&r);

    decode_text(&x, "turn on the kitchen lights", &r);
    assert_false(r.rejected);
    assert_true(r.gap < 0.01f);
    assert_true(r.grammar_logprob <= r.free_logprob + 1e-3);
    hark_grammar_result_clear(&r);

    /* Silence: no intent at all, no words. */
    int T = 40;
    float *lp = spell("", 20, &T);
    assert_int_equal(hark_grammar_decode(x.d, lp, T, V, 0.01, &r), HARK_OK);
    assert_false(r.has_intent);
    assert_string_equal(r.transcript.text, "");
    hark_grammar_result_clear(&r);
    assert_int_equal(hark_grammar_decode(x.d, lp, 0, V, 0.01, &r), HARK_OK); /* no frames */
    assert_false(r.has_intent);
    hark_grammar_result_clear(&r);
    free(lp);
    close_fixture(&x);

    /* Noise: a faint, doubtful "p" is below the noise floor: no intent, no words. */
    open_fixture(&x, FILE_ALL, 0.5f);
    hark_grammar_params p = hark_grammar_default_params();
    p.min_confidence = 0.5f;
    hark_grammar_decoder *noisy = hark_grammar_decoder_create(x.g, ALPHA, &p);
    assert_non_null(noisy);
    lp = spell("p", 10, &T);
    for (int t = 0; t < T; t++) /* the peak at 0.3 instead of 0.9 */
        for (int v = 0; v < V; v++)
            if (lp[t * V + v] > logf(0.5f))
                lp[t * V + v] = logf(0.3f);
    assert_int_equal(hark_grammar_decode(noisy, lp, T, V, 0.01, &r), HARK_OK);
    assert_false(r.has_intent);
    assert_string_equal(r.transcript.text, "");
    hark_grammar_result_clear(&r);
    assert_int_equal(hark_grammar_decode(x.d, lp, T, V, 0.01, &r), HARK_OK); /* no floor */
    assert_true(r.has_intent);
    assert_true(r.rejected);
    hark_grammar_result_clear(&r);
    free(lp);
    hark_grammar_decoder_free(noisy);
    close_fixture(&x);

    /* A negative threshold never rejects: the closest grammar sentence comes out. */
    open_fixture(&x, FILE_ALL, -1.0f);
    decode_text(&x, "turn on the kitchen light", &r);
    assert_false(r.rejected);
    assert_string_equal(r.intent.intent, "Lights");
    assert_string_equal(r.transcript.text, "turn on the kitchen lights");
    hark_grammar_result_clear(&r);
    /* Even speech nowhere near it, which the beam loses every path to the end for. */
    decode_text(&x, "play some music by the beatles now", &r);
    assert_false(r.rejected);
    assert_true(r.intent.intent[0] != '\0' && strcmp(r.intent.intent, "none") != 0);
    assert_true(isfinite(r.grammar_logprob));
    hark_grammar_result_clear(&r);
    close_fixture(&x);
}

/* Uncovered speech: the share of the speech frames outside every word of the grammar path. A
 * sentence that was said covers all of it; a short sentence forced onto longer speech leaves most
 * of it out; with uncovered_weight w the rejection score is gap + w x uncovered. */
static void test_uncovered_speech(void **state)
{
    (void)state;
    const char *file = "[Yes]\nyes\n[Lights]\nturn on the kitchen lights\n";
    fixture x;
    open_fixture(&x, file, -1.0f);
    hark_grammar_result r = {0};
    decode_text(&x, "turn on the kitchen lights", &r);
    assert_string_equal(r.intent.intent, "Lights");
    assert_true(r.uncovered == 0.0f);
    hark_grammar_result_clear(&r);
    /* "yes" and 20 more letters: the path's one word spans 6 of the 46 speech frames (two per
     * letter; spaces and blanks are not speech), so 40 / 46 are uncovered. */
    int T;
    float *lp = spell("yes maybe tomorrow morning", 3, &T);
    assert_int_equal(hark_grammar_decode(x.d, lp, T, V, 0.01, &r), HARK_OK);
    assert_string_equal(r.intent.intent, "Yes");
    assert_float_equal(r.uncovered, 40.0f / 46.0f, 1e-6);
    const float gap = r.gap, unc = r.uncovered;
    hark_grammar_result_clear(&r);
    close_fixture(&x);

    /* A threshold just above the gap accepts it alone; the uncovered term, weighted, rejects. */
    hark_intents *f = hark_intents_parse(file, "test.ini");
    hark_grammar *g = hark_grammar_from_intents(f);
    assert_non_null(g);
    hark_grammar_params p = hark_grammar_default_params();
    p.reject = gap + 0.05f;
    p.uncovered_weight = 0.0f;
    hark_grammar_decoder *d0 = hark_grammar_decoder_create(g, ALPHA, &p);
    p.uncovered_weight = 1.0f;
    hark_grammar_decoder *d1 = hark_grammar_decoder_create(g, ALPHA, &p);
    assert_non_null(d0);
    assert_non_null(d1);
    assert_int_equal(hark_grammar_decode(d0, lp, T, V, 0.01, &r), HARK_OK);
    assert_false(r.rejected);
    assert_float_equal(r.intent.confidence, expf(-gap), 1e-4);
    hark_grammar_result_clear(&r);
    assert_int_equal(hark_grammar_decode(d1, lp, T, V, 0.01, &r), HARK_OK);
    assert_true(r.rejected);
    assert_float_equal(r.intent.confidence, 1.0f - expf(-(gap + unc)), 1e-4);
    hark_grammar_result_clear(&r);
    /* The default is 0, as before the term existed; a negative weight is refused. */
    assert_true(isnan(hark_grammar_default_params().uncovered_weight)); /* the model's, else 0 */
    p.uncovered_weight = -1.0f;
    assert_null(hark_grammar_decoder_create(g, ALPHA, &p));
    free(lp);
    hark_grammar_decoder_free(d0);
    hark_grammar_decoder_free(d1);
    hark_grammar_free(g);
    hark_intents_free(f);
}

static char *lines_file(int lines)
{
    size_t cap = (size_t)lines * 96 + 64;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t len = (size_t)snprintf(s, cap, "[Big]\n");
    for (int i = 0; i < lines; i++)
        len += (size_t)snprintf(s + len, cap - len, "(go | walk | run) to [the] place%c%c "
                                "(now | later){when%d}\n", 'a' + i % 26, 'a' + i / 26 % 26, i);
    return s;
}

static size_t arcs_of(const char *text)
{
    hark_intents *f = hark_intents_parse(text, "lines.ini");
    assert_non_null(f);
    hark_grammar *g = hark_grammar_from_intents(f);
    assert_non_null(g);
    size_t n = hark_grammar_arcs(g);
    hark_grammar_free(g);
    hark_intents_free(f);
    return n;
}

static void test_graph_linear_in_file(void **state)
{
    (void)state;
    char *a = lines_file(200), *b = lines_file(400);
    size_t na = arcs_of(a), nb = arcs_of(b);
    double ratio = (double)nb / (double)na;
    assert_true(ratio > 1.95 && ratio < 2.05);
    assert_true(nb < 20 * strlen(b)); /* a handful of arcs per byte */
    free(a);
    free(b);
}

/* 12 slots of 10 words each, times 3 lines and a list: well over 10^12 sentences. */
static void test_huge_file_compiles_fast(void **state)
{
    (void)state;
    char text[8192];
    size_t len = (size_t)snprintf(text, sizeof text, "$d = (zero | one | two | three | four | five | "
                                  "six | seven | eight | nine)\n[Huge]\n");
    for (int line = 0; line < 3; line++) {
        len += (size_t)snprintf(text + len, sizeof text - len, "%s", line ? "say" : "dial");
        for (int k = 0; k < 12; k++)
            len += (size_t)snprintf(text + len, sizeof text - len, " $d{d%d}", k);
        len += (size_t)snprintf(text + len, sizeof text - len, " [please] (1..99){n}\n");
    }
    clock_t c0 = clock();
    hark_intents *f = hark_intents_parse(text, "huge.ini");
    assert_non_null(f);
    assert_true((double)hark_intents_sentence_count(f, 0) >= 1e12);
    hark_grammar *g = hark_grammar_from_intents(f);
    assert_non_null(g);
    double secs = (double)(clock() - c0) / CLOCKS_PER_SEC;
    assert_true(secs < 1.0 * HARK_TEST_CPU_SCALE);
    assert_true(hark_grammar_arcs(g) < 10000);
    hark_grammar_decoder *d = hark_grammar_decoder_create(g, ALPHA, NULL);
    assert_non_null(d);
    hark_grammar_result r = {0};
    int T;
    float *lp = spell("say one two three four five six seven eight nine zero one two ten", 2, &T);
    assert_int_equal(hark_grammar_decode(d, lp, T, V, 0.01, &r), HARK_OK);
    assert_string_equal(r.intent.intent, "Huge");
    assert_int_equal(r.intent.n_slots, HARK_NLU_MAX_SLOTS); /* 13 tagged, the result holds 8 */
    expect_slot(&r, "d0", "one");
    expect_slot(&r, "d7", "eight");
    free(lp);
    hark_grammar_result_clear(&r);
    hark_grammar_decoder_free(d);
    hark_grammar_free(g);
    hark_intents_free(f);
}

static void test_phrases(void **state)
{
    (void)state;
    const char *ph[] = {"yes", "no", "stop it", "stop that", "", "yes"};
    hark_grammar *g = hark_grammar_from_phrases(ph, 6);
    assert_non_null(g);
    assert_int_equal(hark_grammar_words(g), 5);
    assert_int_equal(hark_grammar_word_arcs(g), 5); /* "stop" shared, "yes" once */
    assert_int_equal(hark_grammar_arcs(g), 5 + 5);  /* and five phrase ends */
    hark_grammar_decoder *d = hark_grammar_decoder_create(g, ALPHA, NULL);
    assert_non_null(d);
    hark_grammar_result r = {0};
    int T;
    float *lp = spell("stop that", 2, &T);
    assert_int_equal(hark_grammar_decode(d, lp, T, V, 0.01, &r), HARK_OK);
    assert_string_equal(r.transcript.text, "stop that");
    assert_string_equal(r.intent.intent, ""); /* phrase lists carry no intent */
    assert_false(r.rejected);
    free(lp);
    hark_grammar_result_clear(&r);
    hark_grammar_decoder_free(d);
    hark_grammar_free(g);

    /* 40,000 phrases of three words build quickly and share their prefixes. */
    enum { N = 40000 };
    char (*big)[32] = malloc(N * sizeof *big);
    const char **v = malloc(N * sizeof *v);
    assert_non_null(big);
    assert_non_null(v);
    for (int i = 0; i < N; i++) {
        snprintf(big[i], sizeof big[i], "w%c%c x%c y%c", 'a' + i % 26, 'a' + i / 26 % 26,
                 'a' + i / 676 % 26, 'a' + i / 17576 % 26);
        v[i] = big[i];
    }
    clock_t c0 = clock();
    g = hark_grammar_from_phrases(v, N);
    assert_non_null(g);
    assert_true((double)(clock() - c0) / CLOCKS_PER_SEC < 1.0 * HARK_TEST_CPU_SCALE);
    assert_true(hark_grammar_word_arcs(g) < 3 * N);
    hark_grammar_free(g);
    free(big);
    free(v);
}

static void test_bad_input(void **state)
{
    (void)state;
    /* Empty grammars. */
    hark_grammar *g = hark_grammar_create();
    assert_non_null(g);
    assert_int_equal(hark_grammar_finish(g), HARK_ERR_INVALID_ARG);
    assert_non_null(strstr(hark_last_error(), "empty"));
    int32_t n = hark_grammar_add_node(g);
    assert_int_equal(hark_grammar_set_final(g, n), HARK_OK);
    assert_int_equal(hark_grammar_finish(g), HARK_ERR_INVALID_ARG); /* final unreachable */
    /* Bad arcs: unknown node, unknown label, two words in one arc, epsilon cycle. */
    assert_int_equal(hark_grammar_add_arc(g, 0, 99, HARK_GRAMMAR_EPSILON, -1), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_grammar_add_arc(g, 0, n, HARK_GRAMMAR_WORD, 5), HARK_ERR_INVALID_ARG);
    int32_t two = hark_grammar_intern(g, "two words", 9);
    assert_int_equal(hark_grammar_add_arc(g, 0, n, HARK_GRAMMAR_WORD, two), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_grammar_add_arc(g, 0, n, HARK_GRAMMAR_EPSILON, -1), HARK_OK);
    assert_int_equal(hark_grammar_add_arc(g, n, 0, HARK_GRAMMAR_EPSILON, -1), HARK_OK);
    assert_int_equal(hark_grammar_finish(g), HARK_ERR_INVALID_ARG);
    assert_non_null(strstr(hark_last_error(), "cycle"));
    hark_grammar_free(g);
    assert_null(hark_grammar_from_phrases(NULL, 0));
    assert_null(hark_grammar_from_intents(NULL));

    /* An unknown list stops the file before compiling, naming file, line and column. */
    assert_null(hark_intents_parse("[A]\nturn on $nothing\n", "bad.ini"));
    assert_non_null(strstr(hark_last_error(), "bad.ini:2:"));
    assert_non_null(strstr(hark_last_error(), "$nothing"));

    /* A range too large to compile. */
    hark_intents *f = hark_intents_parse("[A]\ncount (1..200000)\n", "range.ini");
    assert_non_null(f);
    assert_null(hark_grammar_from_intents(f));
    assert_non_null(strstr(hark_last_error(), "range.ini:2:"));
    hark_intents_free(f);

    /* A word the alphabet cannot spell; the wrong number of units. */
    f = hark_intents_parse("[A]\nhello there\n", "a.ini");
    g = hark_grammar_from_intents(f);
    assert_non_null(g);
    assert_null(hark_grammar_decoder_create(g, "abc", NULL));
    assert_non_null(strstr(hark_last_error(), "hello"));
    hark_grammar_decoder *d = hark_grammar_decoder_create(g, ALPHA, NULL);
    assert_non_null(d);
    hark_grammar_result r = {0};
    float lp[V] = {0};
    assert_int_equal(hark_grammar_decode(d, lp, 1, V - 1, 0.01, &r), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_grammar_decode(d, NULL, 1, V, 0.01, &r), HARK_ERR_INVALID_ARG);
    hark_grammar_params p = hark_grammar_default_params();
    p.beam = 0;
    assert_null(hark_grammar_decoder_create(g, ALPHA, &p));
    hark_grammar_decoder_free(d);
    hark_grammar_free(g);
    hark_intents_free(f);
}

/* A narrow beam still finds the sentence when the audio is clear. */
static void test_beam_limits(void **state)
{
    (void)state;
    hark_intents *f = hark_intents_parse(FILE_ALL, "t.ini");
    hark_grammar *g = hark_grammar_from_intents(f);
    hark_grammar_params p = hark_grammar_default_params();
    p.max_active = 20;
    p.beam = 8;
    hark_grammar_decoder *d = hark_grammar_decoder_create(g, ALPHA, &p);
    assert_non_null(d);
    assert_true(hark_grammar_decoder_states(d) > 20);
    hark_grammar_result r = {0};
    int T;
    float *lp = spell("switch lamps on in the living room", 2, &T);
    assert_int_equal(hark_grammar_decode(d, lp, T, V, 0.01, &r), HARK_OK);
    assert_string_equal(r.transcript.text, "switch lamps on in the living room");
    expect_slot(&r, "room", "living room");
    free(lp);
    hark_grammar_result_clear(&r);
    hark_grammar_decoder_free(d);
    hark_grammar_free(g);
    hark_intents_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_picked_sentences),
        cmocka_unit_test(test_contractions_as_said),
        cmocka_unit_test(test_number_forms),
        cmocka_unit_test(test_sampled_sentences_match_walker),
        cmocka_unit_test(test_out_of_grammar_rejected),
        cmocka_unit_test(test_uncovered_speech),
        cmocka_unit_test(test_graph_linear_in_file),
        cmocka_unit_test(test_huge_file_compiles_fast),
        cmocka_unit_test(test_phrases),
        cmocka_unit_test(test_stream_partials),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_beam_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
