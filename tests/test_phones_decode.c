/* test_phones_decode.c - decoding a phone model into words: log-posteriors that spell a sentence
 * in phones decode to its words under a grammar (with intent and slots), with an ARPA LM (the
 * beam search's lexicon from the LM's words, pronounced), with no LM (a free loop over the
 * model's stored lexicon, which also names what a grammar rejects, weighted by the model's
 * training word counts when it has them), with hotwords, and with a phrase list through the
 * recognizer; greedy decoding gives the phones themselves. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hark/decode.h"
#include "hark/grammar.h"
#include "hark/nlu.h"
#include "testutil.h"

/* A phone model with random weights (the decoders here only read its units). */
static hark_model *phone_model(void)
{
    hark_model *m = tu_phone_model(5);
    hark_units *u = hark_units_create(HARK_UNITS_PHONES, NULL);
    assert_non_null(u);
    /* A lexicon entry that differs from espeak-ng's, to see the model's lexicon used. */
    assert_int_equal(hark_units_set_pronunciation(u, "zed", "zed"), HARK_OK);
    assert_int_equal(hark_model_set_units(m, u), HARK_OK);
    hark_units_free(u);
    return m;
}

static int V_of(const hark_model *m) { return hark_alphabet_size(hark_model_alphabet(m)) + 1; }

/* Log-posteriors saying `units` (n labels): a blank frame, then each unit for two frames (0.9)
 * followed by a blank frame; `alt` (>= 0) takes 0.4 of every unit frame of position alt_at. */
static float *say_labels(const int *l, int n, int V, int alt_at, int alt, int *T)
{
    *T = 1 + 3 * n;
    float *lp = malloc((size_t)*T * (size_t)V * sizeof *lp);
    assert_non_null(lp);
    for (int t = 0; t < *T; t++) {
        int k = t == 0 ? -1 : (t - 1) / 3, blank = t == 0 || (t - 1) % 3 == 2;
        float rest = 0.1f / (float)(V - 1);
        for (int v = 0; v < V; v++)
            lp[t * V + v] = logf(rest);
        if (blank) {
            lp[t * V] = logf(0.9f);
        } else if (k == alt_at && alt >= 0) {
            lp[t * V + l[k]] = logf(0.5f);
            lp[t * V + alt] = logf(0.4f);
        } else {
            lp[t * V + l[k]] = logf(0.9f);
        }
    }
    return lp;
}

static float *say(const hark_model *m, const char *text, int *T)
{
    int l[256], n = 0;
    assert_int_equal(hark_units_encode(hark_model_units(m), text, l, 256, &n), HARK_OK);
    assert_true(n > 0 && n <= 256);
    return say_labels(l, n, V_of(m), -1, -1, T);
}

static const char *const INTENTS = "[Lights]\n"
                                   "rooms = (kitchen | bedroom | zed)\n"
                                   "turn (on | off){state} the <rooms>{room} lights\n"
                                   "[Timer]\n"
                                   "set a timer for (1..20){minutes} minutes\n";

static void test_grammar_words(void **state)
{
    (void)state;
    hark_model *m = phone_model();
    hark_intents *f = hark_intents_parse(INTENTS, "phones.ini");
    assert_non_null(f);
    hark_grammar *g = hark_grammar_from_intents(f);
    assert_non_null(g);
    hark_grammar_params p = hark_grammar_default_params();
    p.reject = 5.0f;
    hark_grammar_decoder *d = hark_grammar_decoder_create_for_model(g, m, &p);
    if (!d)
        fail_msg("%s", hark_last_error());
    static const char *const cases[][4] = {
        {"turn off the kitchen lights", "Lights", "state", "off"},
        {"turn on the zed lights", "Lights", "room", "zed"},
        {"set a timer for twelve minutes", "Timer", "minutes", "12"},
    };
    for (size_t i = 0; i < 3; i++) {
        int T;
        float *lp = say(m, cases[i][0], &T);
        hark_grammar_result r = {0};
        assert_int_equal(hark_grammar_decode(d, lp, T, V_of(m), 0.03, &r), HARK_OK);
        assert_string_equal(r.transcript.text, cases[i][0]);
        assert_false(r.rejected);
        assert_string_equal(r.intent.intent, cases[i][1]);
        const hark_slot *s = hark_intent_result_slot(&r.intent, cases[i][2]);
        assert_non_null(s);
        assert_string_equal(s->text, cases[i][3]);
        hark_grammar_result_clear(&r);
        free(lp);
    }
    /* The model's lexicon, not espeak-ng, pronounces "zed": espeak-ng's phones are not heard
     * as it (they decode to something else or are rejected). */
    char *es = NULL;
    hark_units *plain = hark_units_create(HARK_UNITS_PHONES, NULL);
    assert_int_equal(hark_units_spell(plain, "zed", &es), HARK_OK);
    assert_string_not_equal(es, "zed");
    free(es);
    hark_units_free(plain);
    hark_grammar_decoder_free(d);
    /* The character-model constructor cannot spell the words in phones: nothing is heard. */
    assert_null(hark_grammar_decoder_create(g, "\xff", &p));
    hark_grammar_free(g);
    hark_intents_free(f);
    hark_model_free(m);
}

static hark_lm *small_lm(void)
{
    const char *arpa = "\\data\\\nngram 1=9\nngram 2=3\n\n\\1-grams:\n"
                       "-1.0\t</s>\n-99\t<s>\t-0.3\n-1.0\tturn\t-0.2\n-1.0\ton\t-0.2\n"
                       "-1.0\toff\t-0.2\n-1.0\tthe\t-0.2\n-1.0\tlight\t-0.2\n-0.5\ttwo\t-0.2\n"
                       "-2.5\ttoo\t-0.2\n\n"
                       "\\2-grams:\n-0.1\t<s> turn\n-0.1\tturn off\n-0.1\tthe light\n\n\\end\\\n";
    return tu_load_arpa(arpa);
}

static void expect_beam(const hark_decoder *d, const float *lp, int T, const char *want)
{
    hark_decode_result r = {0};
    assert_int_equal(hark_decoder_run(d, lp, T, 0.03, &r), HARK_OK);
    if (strcmp(r.transcript.text, want) != 0)
        fail_msg("decoded \"%s\", want \"%s\"", r.transcript.text, want);
    hark_decode_result_clear(&r);
}

/* The beam search of d on log-posteriors saying `said` must give `want`. */
static void expect_said(const hark_decoder *d, const hark_model *m, const char *said,
                        const char *want)
{
    int T;
    float *lp = say(m, said, &T);
    expect_beam(d, lp, T, want);
    free(lp);
}

static void test_lm_beam_words(void **state)
{
    (void)state;
    hark_model *m = phone_model();
    hark_lm *lm = small_lm();
    hark_decode_params p = hark_decode_default_params();
    p.lm = lm;
    p.beam = 32;
    hark_decoder *d = hark_decoder_create_for_model(m, NULL, &p);
    if (!d)
        fail_msg("%s", hark_last_error());
    expect_said(d, m, "turn off the light", "turn off the light");
    /* Homophones: "two" and "too" sound the same; the LM picks the likelier. */
    expect_said(d, m, "too", "two");
    hark_decoder_free(d);
    hark_lm_free(lm);
    hark_model_free(m);
}

/* phone_model() with the words of `text` learnt into its stored lexicon. */
static hark_model *model_knowing(const char *text)
{
    hark_model *m = phone_model();
    hark_units *u = hark_units_copy(hark_model_units(m));
    assert_non_null(u);
    assert_int_equal(hark_units_learn(u, text), HARK_OK);
    assert_int_equal(hark_model_set_units(m, u), HARK_OK);
    hark_units_free(u);
    return m;
}

/* No LM: hark_decoder_create_for_model loops over the model's own lexicon, so a phone model's
 * beam search writes words; hark_decoder_create_units without a lexicon still writes phones. */
static void test_lexicon_loop(void **state)
{
    (void)state;
    hark_model *m = model_knowing("turn off the light kitchen");
    const hark_units *mu = hark_model_units(m);
    assert_int_equal(hark_units_lexicon_size(mu), 6);
    /* The walk visits every stored word once. */
    size_t pos = 0, n = 0;
    int seen_zed = 0;
    for (const char *w; (w = hark_units_lexicon_next(mu, &pos)); n++)
        seen_zed += strcmp(w, "zed") == 0;
    assert_int_equal(n, 6);
    assert_int_equal(seen_zed, 1);
    assert_null(hark_units_lexicon_next(mu, &pos));
    hark_lexicon *lx = hark_lexicon_from_units(mu);
    assert_non_null(lx);
    assert_int_equal(hark_lexicon_size(lx), 6);
    hark_lexicon_free(lx);
    /* Character units store no lexicon. */
    hark_units *chars = hark_units_create(HARK_UNITS_CHARS, NULL);
    lx = hark_lexicon_from_units(chars);
    assert_non_null(lx);
    assert_int_equal(hark_lexicon_size(lx), 0);
    hark_lexicon_free(lx);
    hark_units_free(chars);

    hark_decode_params p = hark_decode_default_params();
    p.beam = 32;
    /* The lexicon create_for_model falls back on: the stored words, unless an LM is given. */
    assert_int_equal(hark_decoder_model_lexicon(m, &p, &lx), HARK_OK);
    assert_non_null(lx);
    assert_int_equal(hark_lexicon_size(lx), 6);
    hark_lexicon_free(lx);
    hark_lm *lm = small_lm();
    hark_decode_params with_lm = p;
    with_lm.lm = lm;
    assert_int_equal(hark_decoder_model_lexicon(m, &with_lm, &lx), HARK_OK);
    assert_null(lx);
    hark_lm_free(lm);
    hark_decoder *d = hark_decoder_create_for_model(m, NULL, &p);
    if (!d)
        fail_msg("%s", hark_last_error());
    int T;
    float *lp = say(m, "turn off the kitchen light", &T);
    expect_beam(d, lp, T, "turn off the kitchen light");
    /* The live beam's partials are lexicon words only: a word not yet closed is left out. */
    hark_beam_stream *bs = hark_beam_stream_create(d);
    assert_non_null(bs);
    const int Vm = V_of(m);
    for (int t = 0; t < T; t++) {
        assert_int_equal(hark_beam_stream_push(bs, lp + (size_t)t * Vm, 1), HARK_OK);
        char part[256], *save = NULL;
        assert_int_equal(hark_beam_stream_partial(bs, part, sizeof part), HARK_OK);
        for (char *w = strtok_r(part, " ", &save); w; w = strtok_r(NULL, " ", &save))
            if (!hark_units_pronunciation(mu, w))
                fail_msg("frame %d: partial word \"%s\" is not a lexicon word", t, w);
    }
    char part[256];
    assert_int_equal(hark_beam_stream_partial(bs, part, sizeof part), HARK_OK);
    assert_string_equal(part, "turn off the kitchen light");
    hark_beam_stream_free(bs);
    free(lp);
    /* Speech that stops inside a word: with a beam too narrow to keep a hypothesis that can end,
     * the result is the finished words, without the unfinished one's phones. */
    {
        int l[64], nl = 0, nk = 0, lk[16];
        assert_int_equal(hark_units_encode(mu, "turn off the", l, 60, &nl), HARK_OK);
        assert_int_equal(hark_units_encode(mu, "kitchen", lk, 16, &nk), HARK_OK);
        l[nl++] = 1; /* the space unit between words */
        l[nl++] = lk[0];
        l[nl++] = lk[1];
        hark_decode_params np = hark_decode_default_params();
        np.beam = 2;
        hark_decoder *nd = hark_decoder_create_for_model(m, NULL, &np);
        assert_non_null(nd);
        float *cut = say_labels(l, nl, Vm, -1, -1, &T);
        expect_beam(nd, cut, T, "turn off the");
        free(cut);
        hark_decoder_free(nd);
    }
    /* The stored pronunciation of "zed", not espeak-ng's. */
    lp = say(m, "zed", &T);
    expect_beam(d, lp, T, "zed");
    hark_decoder_free(d);
    char *phones = NULL;
    assert_int_equal(hark_units_spell(mu, "zed", &phones), HARK_OK);
    d = hark_decoder_create_units(mu, NULL, &p);
    assert_non_null(d);
    expect_beam(d, lp, T, phones);
    free(phones);
    free(lp);
    hark_decoder_free(d);

    /* Speech a grammar rejects is shown as the lexicon's words too, not as phones. */
    hark_intents *f = hark_intents_parse(INTENTS, "phones.ini");
    hark_grammar *g = f ? hark_grammar_from_intents(f) : NULL;
    assert_non_null(g);
    hark_grammar_params gp = hark_grammar_default_params();
    gp.reject = 0.5f;
    hark_grammar_decoder *gd = hark_grammar_decoder_create_for_model(g, m, &gp);
    assert_non_null(gd);
    lp = say(m, "the light zed", &T);
    hark_grammar_result r = {0};
    assert_int_equal(hark_grammar_decode(gd, lp, T, V_of(m), 0.03, &r), HARK_OK);
    assert_true(r.rejected);
    assert_string_equal(r.intent.intent, "none");
    assert_string_equal(r.transcript.text, "the light zed");
    assert_true(r.transcript.confidence > 0.5f);
    hark_grammar_result_clear(&r);
    free(lp);
    hark_grammar_decoder_free(gd);
    hark_grammar_free(g);
    hark_intents_free(f);
    hark_model_free(m);
}

/* The decoder for the model's own lexicon loop, its word counts set to `counts` (NULL: none). */
static hark_decoder *loop_decoder(hark_model *m, const char *counts, int raw)
{
    if (counts)
        assert_int_equal(hark_model_set_meta(m, HARK_WORD_COUNTS_META, counts), HARK_OK);
    hark_decode_params p = hark_decode_default_params();
    p.beam = 32;
    return raw ? hark_decoder_create_for_model_raw(m, NULL, &p)
               : hark_decoder_create_for_model(m, NULL, &p);
}

/* The word prior: the model's training word counts decide between homophones, whichever way the
 * counts lean; uncounted lexicon words still decode; malformed counts are refused. */
static void test_word_prior(void **state)
{
    (void)state;
    hark_model *m = model_knowing("no know turn off the light");
    const hark_units *mu = hark_model_units(m);
    /* The premise: one pronunciation, so acoustics cannot tell them apart. */
    assert_string_equal(hark_units_pronunciation(mu, "no"), hark_units_pronunciation(mu, "know"));
    static const struct {
        const char *counts, *want;
    } cases[] = {
        {"{\"no\":50,\"know\":2,\"turn\":3}", "no"},
        {"{\"no\":2,\"know\":50,\"turn\":3}", "know"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (int raw = 0; raw < 2; raw++) {
            hark_decoder *d = loop_decoder(m, cases[i].counts, raw);
            if (!d)
                fail_msg("%s", hark_last_error());
            expect_said(d, m, "no", cases[i].want);
            hark_decoder_free(d);
        }
    /* Words the counts do not name ("off", "light", "zed") keep the smoothed share. */
    hark_decoder *d = loop_decoder(m, "{\"know\":50}", 0);
    assert_non_null(d);
    expect_said(d, m, "turn off the light zed", "turn off the light zed");
    hark_decoder_free(d);
    /* A prior applies to the model's own loop only: an explicit lexicon is decoded as given. */
    hark_lexicon *lx = hark_lexicon_create();
    assert_non_null(lx);
    assert_int_equal(hark_lexicon_add_word(lx, mu, "no"), HARK_OK);
    hark_decode_params p = hark_decode_default_params();
    d = hark_decoder_create_for_model(m, lx, &p);
    assert_non_null(d);
    expect_said(d, m, "no", "no");
    hark_decoder_free(d);
    hark_lexicon_free(lx);
    static const char *const bad[] = {"[1, 2]", "{\"no\": -1}", "{\"no\": \"many\"}", "{\"no\""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_null(loop_decoder(m, bad[i], 0));
        assert_non_null(strstr(hark_last_error(), HARK_WORD_COUNTS_META));
    }
    hark_model_free(m);
}

static void test_hotwords(void **state)
{
    (void)state;
    hark_model *m = phone_model();
    const hark_units *u = hark_model_units(m);
    hark_lexicon *lx = hark_lexicon_create();
    assert_int_equal(hark_lexicon_add_word(lx, u, "cap"), HARK_OK);
    assert_int_equal(hark_lexicon_add_word(lx, u, "cat"), HARK_OK);
    assert_int_equal(hark_lexicon_add_word(lx, u, "..."), HARK_ERR_INVALID_ARG);
    /* k æ p, with t a close second at the last phone. */
    int l[3], n = 0;
    assert_int_equal(hark_units_encode(u, "cap", l, 3, &n), HARK_OK);
    int t_unit[1], one = 0;
    assert_int_equal(hark_alphabet_encode(hark_model_alphabet(m), "t", t_unit, 1, &one), HARK_OK);
    int T;
    float *lp = say_labels(l, n, V_of(m), 2, t_unit[0], &T);
    hark_decode_params p = hark_decode_default_params();
    hark_decoder *d = hark_decoder_create_for_model(m, lx, &p);
    assert_non_null(d);
    expect_beam(d, lp, T, "cap");
    hark_decoder_free(d);
    hark_hotword hw = {"cat", 8.0f};
    p.hotwords = &hw;
    p.n_hotwords = 1;
    d = hark_decoder_create_for_model(m, lx, &p);
    assert_non_null(d);
    expect_beam(d, lp, T, "cat");
    hark_decoder_free(d);
    /* A hotword word outside the lexicon joins it with its pronunciation. */
    hark_hotword hw2 = {"cut", 8.0f};
    p.hotwords = &hw2;
    d = hark_decoder_create_for_model(m, lx, &p);
    assert_non_null(d);
    hark_decoder_free(d);
    free(lp);
    hark_lexicon_free(lx);
    hark_model_free(m);
}

static void test_phrases_and_greedy(void **state)
{
    (void)state;
    hark_model *m = phone_model();
    hark_recognizer *r = hark_recognizer_create(m);
    assert_non_null(r);
    int T;
    float *lp = say(m, "seven zed", &T);
    hark_transcript t = {0};
    /* Greedy: the phones. */
    assert_int_equal(hark_recognizer_decode(r, lp, T, &t), HARK_OK);
    assert_string_equal(t.text, "sɛvən zed");
    assert_int_equal(t.n_words, 2);
    hark_transcript_clear(&t);
    /* A phrase list: words, through the pronunciations. */
    const char *const phrases[] = {"seven zed", "seven said", "eleven", ""};
    assert_int_equal(hark_recognizer_set_phrases(r, phrases, 4), HARK_OK);
    assert_int_equal(hark_recognizer_decode(r, lp, T, &t), HARK_OK);
    assert_string_equal(t.text, "seven zed");
    assert_int_equal(t.n_words, 2);
    assert_true(t.confidence > 0.5f);
    hark_transcript_clear(&t);
    /* A phrase without a pronunciation is refused when set, not while decoding. */
    const char *const bad[] = {"seven", "..."};
    assert_int_not_equal(hark_recognizer_set_phrases(r, bad, 2), HARK_OK);
    free(lp);
    hark_recognizer_free(r);
    hark_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grammar_words),
        cmocka_unit_test(test_lm_beam_words),
        cmocka_unit_test(test_lexicon_loop),
        cmocka_unit_test(test_word_prior),
        cmocka_unit_test(test_hotwords),
        cmocka_unit_test(test_phrases_and_greedy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
