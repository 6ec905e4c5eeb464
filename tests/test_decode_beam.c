/* test_decode_beam.c - the CTC prefix beam search (hark/decode.h): against the reference search in
 * tests/ref/beam_ref.py (fixture beam_ref.hkfx), against exact CTC probabilities and brute force
 * on tiny inputs, LM weighting, hotwords, word times, n-best lists, streaming, phone-style
 * lexicons, calibration and bad parameters. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/decode_beam_internal.h" /* the node pool's size, for the bounded-memory test */
#include "testutil.h"

#define ABC " ab" /* the reference fixture's alphabet: unit 1 = space, 2 = a, 3 = b */
#define ENG " 'abcdefghijklmnopqrstuvwxyz"
#define VENG 29

/* ---- A bigram word scorer over the fixture's table (the LM test double) ---------------------- */

static const char *const ref_words[] = {"a", "ab", "ba", "bab"};

typedef struct bigram {
    float lm[5][5]; /* rows: <s>, a, ab, ba, bab; columns: a, ab, ba, bab, </s> (log10) */
} bigram;

static int32_t bg_word_id(const void *ctx, const char *w)
{
    (void)ctx;
    for (int i = 0; i < 4; i++)
        if (!strcmp(w, ref_words[i]))
            return i + 1;
    return -1;
}

static void bg_begin(const void *ctx, hark_lm_state *s)
{
    (void)ctx;
    memset(s, 0, sizeof *s);
    s->n = 1;
}

static float bg_score(const void *ctx, const hark_lm_state *in, int32_t w, hark_lm_state *out)
{
    const bigram *b = ctx;
    float sc = b->lm[in->words[0]][w - 1];
    memset(out, 0, sizeof *out);
    out->n = 1;
    out->words[0] = w;
    return sc;
}

static float bg_end(const void *ctx, const hark_lm_state *in)
{
    const bigram *b = ctx;
    return b->lm[in->words[0]][4];
}

static hark_lexicon *spell_all(const char *alpha, const char *const *words, int n)
{
    hark_lexicon *lx = hark_lexicon_create();
    assert_non_null(lx);
    for (int i = 0; i < n; i++)
        assert_int_equal(hark_lexicon_add_spelling(lx, alpha, words[i]), HARK_OK);
    return lx;
}

/* ---- Log-probability matrices ---------------------------------------------------------------- */

/* One frame from a spec like "c=.6 k=.3" ('|' = the space unit): the named units ('_' = blank) get those
 * probabilities, the rest of the mass is spread evenly over the other units. */
static void set_frame(float *row, const char *alpha, int V, const char *spec)
{
    double p[64] = {0}, named = 0;
    int is_named[64] = {0}, n_named = 0;
    for (const char *s = spec; *s;) {
        if (*s == ' ') {
            s++;
            continue;
        }
        char ch = *s == '|' ? ' ' : *s; /* '|' names the space unit */
        int u = ch == '_' ? 0 : (int)(strchr(alpha, ch) - alpha) + 1;
        assert_true(u >= 0 && u < V && s[1] == '=');
        char *e;
        p[u] = strtod(s + 2, &e);
        named += p[u];
        is_named[u] = 1;
        n_named++;
        s = e;
    }
    double rest = (1 - named) / (V - n_named);
    for (int v = 0; v < V; v++)
        row[v] = (float)log(is_named[v] ? p[v] : rest);
}

static float *make_frames(const char *alpha, const char *const *specs, int T)
{
    int V = (int)strlen(alpha) + 1;
    float *lp = malloc((size_t)T * V * sizeof *lp);
    assert_non_null(lp);
    for (int t = 0; t < T; t++)
        set_frame(lp + (size_t)t * V, alpha, V, specs[t]);
    return lp;
}

/* The best path is `path` (one character per frame, '_' blank) at probability 0.9. */
static float *make_path(const char *alpha, const char *path)
{
    int T = (int)strlen(path), V = (int)strlen(alpha) + 1;
    float *lp = malloc((size_t)T * V * sizeof *lp);
    assert_non_null(lp);
    for (int t = 0; t < T; t++) {
        char spec[8];
        snprintf(spec, sizeof spec, "%c=.9", path[t] == ' ' ? '|' : path[t]);
        set_frame(lp + (size_t)t * V, alpha, V, spec);
    }
    return lp;
}

static hark_decoder *decoder(const char *alpha, const hark_lexicon *lx, const hark_decode_params *p)
{
    hark_decoder *d = hark_decoder_create(alpha, lx, p);
    if (!d)
        fail_msg("hark_decoder_create: %s", hark_last_error());
    return d;
}

static void run(const hark_decoder *d, const float *lp, int T, hark_decode_result *r)
{
    hark_status st = hark_decoder_run(d, lp, T, 0.02, r);
    if (st != HARK_OK)
        fail_msg("hark_decoder_run: %s", hark_last_error());
}

/* Decode lp with a fresh decoder and check that the best text is (equal) or is not (!equal) want;
 * *out (optional) keeps the result. */
static void expect_text(const char *alpha, const hark_lexicon *lx, const hark_decode_params *p,
                        const float *lp, int T, const char *want, int equal,
                        hark_decode_result *out)
{
    hark_decoder *d = decoder(alpha, lx, p);
    hark_decode_result r = {0};
    run(d, lp, T, &r);
    if ((strcmp(r.transcript.text, want) == 0) != equal)
        fail_msg("decoded \"%s\", %s \"%s\"", r.transcript.text, equal ? "want" : "not",
                 want);
    if (out)
        *out = r;
    else
        hark_decode_result_clear(&r);
    hark_decoder_free(d);
}

/* ---- Reference fixture ----------------------------------------------------------------------- */

static void test_matches_reference(void **state)
{
    (void)state;
    tu_fixture *fx = tu_fixture_load(tu_src("tests/ref/beam_ref.hkfx"));
    assert_non_null(fx);
    bigram bg;
    memcpy(bg.lm, tu_fixture_get(fx, "lm", NULL, NULL), sizeof bg.lm);
    hark_word_scorer sc = {&bg, bg_word_id, bg_begin, bg_score, bg_end, -1};
    hark_lexicon *lx = spell_all(ABC, ref_words, 4);
    int n_cases = (int)tu_fixture_get(fx, "n_cases", NULL, NULL)[0];
    assert_true(n_cases >= 14);
    for (int c = 0; c < n_cases; c++) {
        char name[32];
        int dims[8];
        snprintf(name, sizeof name, "c%d.lp", c);
        const float *lp = tu_fixture_get(fx, name, NULL, dims);
        int T = dims[0];
        snprintf(name, sizeof name, "c%d.params", c);
        const float *pa = tu_fixture_get(fx, name, NULL, NULL);
        hark_decode_params p = hark_decode_default_params();
        p.beam = (int)pa[0];
        p.prune_top_k = (int)pa[1];
        p.prune_logprob = pa[2] <= -1e29f ? -INFINITY : pa[2];
        p.nbest = p.beam < 3 ? p.beam : 3;
        int lex = pa[3] != 0;
        snprintf(name, sizeof name, "c%d.hotword", c);
        const float *hcodes = tu_fixture_get(fx, name, NULL, NULL);
        char hot[32];
        size_t hn = 0;
        while (hcodes && hcodes[hn] >= 0 && hn < sizeof hot - 1) {
            hot[hn] = (char)hcodes[hn];
            hn++;
        }
        hot[hn] = '\0';
        hark_hotword hw = {hot, pa[6]};
        if (hn > 0) {
            p.hotwords = &hw;
            p.n_hotwords = 1;
        }
        if (lex) {
            p.scorer = &sc;
            p.lm_weight = pa[4];
            p.word_bonus = pa[5];
        }
        hark_decoder *d = decoder(ABC, lex ? lx : NULL, &p);
        hark_decode_result r = {0};
        run(d, lp, T, &r);
        snprintf(name, sizeof name, "c%d.scores", c);
        size_t n_ref = tu_fixture_numel(fx, name);
        const float *scores = tu_fixture_get(fx, name, NULL, NULL);
        snprintf(name, sizeof name, "c%d.acoustic", c);
        const float *ac = tu_fixture_get(fx, name, NULL, NULL);
        snprintf(name, sizeof name, "c%d.texts", c);
        const float *codes = tu_fixture_get(fx, name, NULL, NULL);
        assert_int_equal(r.n_nbest, n_ref);
        size_t at = 0;
        for (size_t i = 0; i < n_ref; i++) {
            char text[1024];
            size_t k = 0;
            while (codes[at] >= 0 && k < sizeof text - 1)
                text[k++] = (char)codes[at++];
            text[k] = '\0';
            at++;
            if (strcmp(text, r.nbest[i].text) != 0)
                fail_msg("case %d, hypothesis %zu: \"%s\", reference \"%s\"", c, i,
                         r.nbest[i].text, text);
            assert_float_equal(r.nbest[i].score, scores[i], 1e-3);
            assert_float_equal(r.nbest[i].acoustic, ac[i], 1e-3);
        }
        assert_string_equal(r.transcript.text, r.nbest[0].text);
        hark_decode_result_clear(&r);
        hark_decoder_free(d);
    }
    hark_lexicon_free(lx);
    tu_fixture_free(fx);
}

/* ---- Exactness and brute force --------------------------------------------------------------- */

static uint64_t rng_state = 12345;
static double uniform(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static float *random_lp(int T, int V, double peaky)
{
    float *lp = malloc((size_t)T * V * sizeof *lp);
    assert_non_null(lp);
    for (int t = 0; t < T; t++) {
        double z[16], m = -1e30, s = 0;
        for (int v = 0; v < V; v++) {
            z[v] = peaky * (uniform() * 2 - 1);
            m = z[v] > m ? z[v] : m;
        }
        for (int v = 0; v < V; v++)
            s += exp(z[v] - m);
        for (int v = 0; v < V; v++)
            lp[t * V + v] = (float)(z[v] - m - log(s));
    }
    return lp;
}

/* ln P_ctc(labels | lp) by the network module's CTC (an independent implementation). */
static double ctc_logp(const float *lp, int T, int V, const int *l, int n)
{
    float loss;
    int in_len = T, tl = n;
    assert_int_equal(hark_ctc_loss(lp, 1, T, V, &in_len, l, &tl, &loss, NULL), HARK_OK);
    return -(double)loss;
}

static void test_large_beam_is_exact_and_finds_brute_force_best(void **state)
{
    (void)state;
    const int V = 4; /* blank, space, a, b */
    hark_decode_params p = hark_decode_default_params();
    p.beam = 4096;
    p.prune_top_k = 0;
    p.prune_logprob = -INFINITY;
    p.nbest = 4;
    hark_decoder *d = decoder(ABC, NULL, &p);
    for (int trial = 0; trial < 6; trial++) {
        int T = 4 + trial % 3;
        float *lp = random_lp(T, V, 1.0 + trial);
        /* Brute force over every label sequence of length <= T. */
        double best = -INFINITY;
        int best_l[8], best_n = 0, l[8];
        for (int n = 0; n <= T; n++) {
            int total = 1;
            for (int i = 0; i < n; i++)
                total *= V - 1;
            for (int code = 0; code < total; code++) {
                for (int i = 0, c = code; i < n; i++, c /= V - 1)
                    l[i] = 1 + c % (V - 1);
                double lpv = ctc_logp(lp, T, V, l, n);
                if (lpv > best) {
                    best = lpv;
                    best_n = n;
                    memcpy(best_l, l, sizeof l);
                }
            }
        }
        hark_decode_result r = {0};
        run(d, lp, T, &r);
        /* The beam's best prefix is the most probable label sequence, scored exactly. */
        assert_float_equal(r.nbest[0].score, best, 1e-4);
        assert_float_equal(r.nbest[0].acoustic, best, 1e-4);
        char text[16];
        int k = 0;
        for (int i = 0; i < best_n; i++)
            if (best_l[i] != 1 || (k > 0 && text[k - 1] != ' '))
                text[k++] = ABC[best_l[i] - 1];
        while (k > 0 && text[k - 1] == ' ')
            k--;
        text[k] = '\0';
        assert_string_equal(r.nbest[0].text, text);
        hark_decode_result_clear(&r);
        free(lp);
    }
    hark_decoder_free(d);
}

/* ---- LM weighting ---------------------------------------------------------------------------- */

/* Acoustics: "ab" a little likelier than "ba"... each frame hesitates between a and b. */
static const char *const ambiguous[] = {"a=.5 b=.4", "_=.9", "b=.5 a=.4", "_=.9"};

static void test_lm_weight_changes_winner(void **state)
{
    (void)state;
    float *lp = make_frames(ABC, ambiguous, 4);
    bigram bg;
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++)
            bg.lm[i][j] = -1;
    bg.lm[0][2] = -0.1f; /* P(ba | <s>) high, P(ab | <s>) low */
    bg.lm[0][1] = -3.0f;
    hark_word_scorer sc = {&bg, bg_word_id, bg_begin, bg_score, bg_end, -1};
    hark_lexicon *lx = spell_all(ABC, ref_words, 4);
    hark_decode_params p = hark_decode_default_params();
    p.scorer = &sc;
    p.nbest = 2;
    hark_decode_result r = {0};
    p.lm_weight = 0;
    expect_text(ABC, lx, &p, lp, 4, "ab", 1, NULL);
    p.lm_weight = 1.0f;
    expect_text(ABC, lx, &p, lp, 4, "ba", 1, &r);
    /* The LM term of the winner: log10 P(ba | <s>) + log10 P(</s> | ba). */
    assert_float_equal(r.nbest[0].lm, -0.1 - 1.0, 1e-5);
    assert_true(r.nbest[0].score >= r.nbest[1].score);
    hark_decode_result_clear(&r);
    hark_lexicon_free(lx);
    free(lp);
}

/* Lexicon mode without a scorer only spells lexicon words. */
static void test_lexicon_constrains_spelling(void **state)
{
    (void)state;
    float *lp = make_path(ABC, "a_a_b_");  /* free: "aab", not a word */
    const char *const words[] = {"ab", "b"};
    hark_lexicon *lx = spell_all(ABC, words, 2);
    hark_decode_params p = hark_decode_default_params();
    hark_decoder *free_d = decoder(ABC, NULL, &p), *lex_d = decoder(ABC, lx, &p);
    hark_decode_result r = {0};
    run(free_d, lp, 6, &r);
    assert_string_equal(r.transcript.text, "aab");
    hark_decode_result_clear(&r);
    run(lex_d, lp, 6, &r);
    assert_string_equal(r.transcript.text, "ab");
    hark_decode_result_clear(&r);
    hark_decoder_free(free_d);
    hark_decoder_free(lex_d);
    hark_lexicon_free(lx);
    free(lp);
}

/* ---- Hotwords -------------------------------------------------------------------------------- */

static const char *const cap_or_cat[] = {"c=.9", "_=.9", "a=.9", "_=.9", "p=.5 t=.4", "_=.9"};

static void hotword_run(const hark_hotword *hw, size_t n, hark_decode_result *r)
{
    float *lp = make_frames(ENG, cap_or_cat, 6);
    hark_decode_params p = hark_decode_default_params();
    p.hotwords = hw;
    p.n_hotwords = n;
    hark_decoder *d = decoder(ENG, NULL, &p);
    run(d, lp, 6, r);
    hark_decoder_free(d);
    free(lp);
}

static void test_hotwords(void **state)
{
    (void)state;
    hark_decode_result base = {0}, r = {0};
    hotword_run(NULL, 0, &base);
    assert_string_equal(base.transcript.text, "cap");
    /* A boosted word wins ... */
    hark_hotword cat = {"cat", 3.0f};
    hotword_run(&cat, 1, &r);
    assert_string_equal(r.transcript.text, "cat");
    hark_decode_result_clear(&r);
    /* ... a too small boost does not ... */
    cat.boost = 0.05f;
    hotword_run(&cat, 1, &r);
    assert_string_equal(r.transcript.text, "cap");
    hark_decode_result_clear(&r);
    /* ... and a hotword the path only begins ("capsule") gives its bonus back at the end: the
     * score is the same as without it. */
    hark_hotword capsule = {"capsule", 7.0f};
    hotword_run(&capsule, 1, &r);
    assert_string_equal(r.transcript.text, "cap");
    assert_float_equal(r.nbest[0].score, base.nbest[0].score, 1e-6);
    hark_decode_result_clear(&r);
    /* A complete hotword keeps its whole boost. */
    hark_hotword capw = {"cap", 2.0f};
    hotword_run(&capw, 1, &r);
    assert_float_equal(r.nbest[0].score, base.nbest[0].score + 2.0, 1e-5);
    hark_decode_result_clear(&r);
    hark_decode_result_clear(&base);
}

static void test_hotword_phrase_and_parse(void **state)
{
    (void)state;
    /* "a b" hesitating with "a a": the phrase "a b" tips it. */
    const char *const fr[] = {"a=.9", "_=.9", "|=.9", "a=.5 b=.4", "_=.9"};
    float *lp = make_frames(ABC, fr, 5);
    hark_decode_params p = hark_decode_default_params();
    expect_text(ABC, NULL, &p, lp, 5, "a a", 1, NULL);
    hark_hotword hw = {"a b", 2.0f};
    p.hotwords = &hw;
    p.n_hotwords = 1;
    expect_text(ABC, NULL, &p, lp, 5, "a b", 1, NULL);
    free(lp);

    char buf[64];
    float boost;
    assert_int_equal(hark_hotword_parse("turn  on:4.5", buf, sizeof buf, &boost), HARK_OK);
    assert_string_equal(buf, "turn on");
    assert_float_equal(boost, 4.5, 1e-6);
    assert_int_equal(hark_hotword_parse(" kitchen ", buf, sizeof buf, &boost), HARK_OK);
    assert_string_equal(buf, "kitchen");
    assert_float_equal(boost, HARK_HOTWORD_DEFAULT_BOOST, 1e-6);
    const char *bad[] = {"", ":3", "word:", "word:abc", "word:0", "word:-2", "word:1e9", "w:3x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(hark_hotword_parse(bad[i], buf, sizeof buf, &boost), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_hotword_parse("longword", buf, 4, &boost), HARK_ERR_INVALID_ARG);
}

/* ---- Word times, confidences, n-best --------------------------------------------------------- */

static void test_word_times(void **state)
{
    (void)state;
    /* frame:     0123456789012345678 */
    const char *path = "__hh_e_y____w_a_s__";
    float *lp = make_path(ENG, path);
    hark_decode_params p = hark_decode_default_params();
    hark_decoder *d = decoder(ENG, NULL, &p);
    hark_decode_result r = {0};
    /* no space between the words: one word */
    run(d, lp, 19, &r);
    assert_string_equal(r.transcript.text, "heywas");
    hark_decode_result_clear(&r);
    free(lp);
    path = "__hh_e_y__ _w_a_s__";
    lp = make_path(ENG, path);
    assert_int_equal(hark_decoder_run(d, lp, 19, 0.02, &r), HARK_OK);
    assert_string_equal(r.transcript.text, "hey was");
    assert_int_equal(r.transcript.n_words, 2);
    /* "hey": first non-blank frame 2, last 7; "was": 12 .. 16 */
    assert_float_equal(r.transcript.words[0].start, 2 * 0.02, 1e-9);
    assert_float_equal(r.transcript.words[0].end, 8 * 0.02, 1e-9);
    assert_float_equal(r.transcript.words[1].start, 12 * 0.02, 1e-9);
    assert_float_equal(r.transcript.words[1].end, 17 * 0.02, 1e-9);
    assert_int_equal(r.transcript.words[1].offset, 4);
    assert_int_equal(r.transcript.words[1].length, 3);
    assert_float_equal(r.transcript.start, 0.04, 1e-9);
    assert_float_equal(r.transcript.duration, 19 * 0.02, 1e-9);
    /* Every unit peaks at 0.9: the word confidences are 0.9; the utterance's is 0.9 times the
     * best hypothesis's share of the beam. */
    assert_float_equal(r.transcript.words[0].confidence, 0.9, 1e-5);
    assert_true(r.transcript.confidence <= 0.9f + 1e-5f && r.transcript.confidence > 0.5f);
    hark_decode_result_clear(&r);
    hark_decoder_free(d);
    free(lp);
}

static void test_nbest_and_empty(void **state)
{
    (void)state;
    float *lp = random_lp(12, 4, 2.0);
    hark_decode_params p = hark_decode_default_params();
    p.beam = 12;
    p.nbest = 5;
    hark_decoder *d = decoder(ABC, NULL, &p);
    hark_decode_result r = {0};
    run(d, lp, 12, &r);
    assert_true(r.n_nbest >= 2 && r.n_nbest <= 5);
    double post = 0;
    for (size_t i = 0; i < r.n_nbest; i++) {
        post += r.nbest[i].posterior;
        if (i > 0)
            assert_true(r.nbest[i].score <= r.nbest[i - 1].score);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(r.nbest[i].text, r.nbest[j].text);
    }
    assert_float_equal(post, 1.0, 1e-5);
    hark_decode_result_clear(&r);
    hark_decode_result_clear(&r); /* twice is safe */
    /* No frames: an empty transcript. All blank: empty, confidence = the blank posterior. */
    run(d, NULL, 0, &r);
    assert_string_equal(r.transcript.text, "");
    hark_decode_result_clear(&r);
    float *blank = make_path(ABC, "____");
    run(d, blank, 4, &r);
    assert_string_equal(r.transcript.text, "");
    assert_int_equal(r.transcript.n_words, 0);
    assert_float_equal(r.transcript.confidence, 0.9, 1e-5);
    hark_decode_result_clear(&r);
    hark_decoder_free(d);
    free(blank);
    free(lp);
}

static void test_stream_matches_run(void **state)
{
    (void)state;
    float *lp = random_lp(40, 4, 2.5);
    hark_decode_params p = hark_decode_default_params();
    p.nbest = 3;
    hark_decoder *d = decoder(ABC, NULL, &p);
    hark_decode_result a = {0}, b = {0};
    run(d, lp, 40, &a);
    hark_beam_stream *s = hark_beam_stream_create(d);
    assert_non_null(s);
    char part[64];
    assert_int_equal(hark_beam_stream_partial(s, part, sizeof part), HARK_OK);
    assert_string_equal(part, "");
    for (int t = 0; t < 40; t += 7) {
        int n = 40 - t < 7 ? 40 - t : 7;
        assert_int_equal(hark_beam_stream_push(s, lp + t * 4, n), HARK_OK);
        assert_int_equal(hark_beam_stream_partial(s, part, sizeof part), HARK_OK);
    }
    assert_int_equal(hark_beam_stream_finish(s, 0.02, &b), HARK_OK);
    assert_string_equal(a.transcript.text, b.transcript.text);
    assert_float_equal(a.nbest[0].score, b.nbest[0].score, 1e-9);
    hark_decode_result_clear(&b);
    /* After finish the stream starts over: the same utterance again gives the same. */
    assert_int_equal(hark_beam_stream_push(s, lp, 40), HARK_OK);
    assert_int_equal(hark_beam_stream_finish(s, 0.02, &b), HARK_OK);
    assert_string_equal(a.transcript.text, b.transcript.text);
    /* The partial is truncated to the buffer. */
    assert_int_equal(hark_beam_stream_push(s, lp, 40), HARK_OK);
    assert_int_equal(hark_beam_stream_partial(s, part, 2), HARK_OK);
    assert_true(strlen(part) <= 1);
    hark_beam_stream_free(s);
    hark_decode_result_clear(&a);
    hark_decode_result_clear(&b);
    hark_decoder_free(d);
    free(lp);
}

/* One decoder shared by threads: hark_decoder_run gives each the same as running alone. */
typedef struct job {
    const hark_decoder *d;
    const float *lp;
    int T;
    char text[256];
    double score;
    hark_status st;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    for (int rep = 0; rep < 20; rep++) {
        hark_decode_result r = {0};
        j->st = hark_decoder_run(j->d, j->lp, j->T, 0.02, &r);
        if (j->st != HARK_OK)
            return NULL;
        snprintf(j->text, sizeof j->text, "%s", r.transcript.text);
        j->score = r.nbest[0].score;
        hark_decode_result_clear(&r);
    }
    return NULL;
}

static void test_shared_decoder_threads(void **state)
{
    (void)state;
    enum { N = 4, T = 200 };
    hark_decode_params p = hark_decode_default_params();
    hark_hotword hw = {"ab", 2.0f};
    p.hotwords = &hw;
    p.n_hotwords = 1;
    hark_decoder *d = decoder(ABC, NULL, &p);
    job jobs[N];
    pthread_t th[N];
    float *lps[N];
    for (int i = 0; i < N; i++) {
        lps[i] = random_lp(T, 4, 2.0 + i);
        jobs[i] = (job){d, lps[i], T, "", 0, HARK_OK};
        assert_int_equal(pthread_create(&th[i], NULL, run_job, &jobs[i]), 0);
    }
    for (int i = 0; i < N; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < N; i++) {
        hark_decode_result r = {0};
        assert_int_equal(jobs[i].st, HARK_OK);
        run(d, lps[i], T, &r);
        assert_string_equal(jobs[i].text, r.transcript.text);
        assert_float_equal(jobs[i].score, r.nbest[0].score, 0);
        hark_decode_result_clear(&r);
        free(lps[i]);
    }
    hark_decoder_free(d);
}

/* The pool holds the live hypotheses' prefixes (at most beam chains of emitted units), not every
 * extension ever kept (frames times beam). */
static void test_node_pool_stays_bounded(void **state)
{
    (void)state;
    enum { T = 20000 };
    hark_decode_params p = hark_decode_default_params();
    hark_decoder *d = decoder(ABC, NULL, &p);
    hark_beam_stream *s = hark_beam_stream_create(d);
    assert_non_null(s);
    float row[4];
    for (int t = 0; t < T; t++) {
        char spec[8];
        snprintf(spec, sizeof spec, "%c=.8", t % 10 ? '_' : "|ab"[(t / 10) % 3]);
        set_frame(row, ABC, 4, spec);
        assert_int_equal(hark_beam_stream_push(s, row, 1), HARK_OK);
    }
    if (s->cap_nodes > 65536) /* T / 10 = 2000 units emitted; T * beam = 320000 */
        fail_msg("%zu nodes in the pool, %zu used", s->cap_nodes, s->n_nodes);
    hark_decode_result r = {0};
    assert_int_equal(hark_beam_stream_finish(s, 0.02, &r), HARK_OK);
    assert_true(strlen(r.transcript.text) > T / 15);
    hark_decode_result_clear(&r);
    hark_beam_stream_free(s);
    hark_decoder_free(d);
}

/* Phone-style units: no separator; the lexicon says where words end. Units of "xyz": x=1 y=2
 * z=3; word "one" = x y, "two" = z, "three" = x. */
static void test_units_without_separator(void **state)
{
    (void)state;
    hark_lexicon *lx = hark_lexicon_create();
    const int one[] = {1, 2}, two[] = {3}, three[] = {1};
    assert_int_equal(hark_lexicon_add(lx, "one", one, 2), HARK_OK);
    assert_int_equal(hark_lexicon_add(lx, "two", two, 1), HARK_OK);
    assert_int_equal(hark_lexicon_add(lx, "three", three, 1), HARK_OK);
    assert_int_equal(hark_lexicon_add(lx, "three", three, 1), HARK_OK); /* again: no-op */
    assert_int_equal(hark_lexicon_size(lx), 3);
    hark_decode_params p = hark_decode_default_params();
    p.word_separator = 0;
    hark_decoder *d = decoder("xyz", lx, &p);
    float *lp = make_path("xyz", "_x_y_z__x_");
    hark_decode_result r = {0};
    run(d, lp, 10, &r);
    assert_string_equal(r.transcript.text, "one two three");
    assert_int_equal(r.transcript.n_words, 3);
    assert_float_equal(r.transcript.words[1].start, 5 * 0.02, 1e-9);
    assert_float_equal(r.transcript.words[2].end, 9 * 0.02, 1e-9);
    hark_decode_result_clear(&r);
    hark_decoder_free(d);
    hark_lexicon_free(lx);
    free(lp);
}

/* A real ARPA model through hark_lm. */
static void test_with_arpa_lm(void **state)
{
    (void)state;
    const char *arpa = "\\data\\\nngram 1=5\nngram 2=2\n\n\\1-grams:\n"
                       "-1.0\t</s>\n-99\t<s>\t-0.3\n-0.5\tab\t-0.2\n-0.5\tba\t-0.2\n-2.0\t<unk>\n\n"
                       "\\2-grams:\n-0.05\t<s> ba\n-0.05\tba </s>\n\n\\end\\\n";
    hark_lm *lm = tu_load_arpa(arpa);
    float *lp = make_frames(ABC, ambiguous, 4);
    hark_decode_params p = hark_decode_default_params();
    p.lm = lm;
    p.lm_weight = 1.0f;
    hark_decoder *d = decoder(ABC, NULL, &p); /* the lexicon is the LM's words */
    hark_decode_result r = {0};
    run(d, lp, 4, &r);
    if (strcmp(r.transcript.text, "ba") != 0)
        fail_msg("\"%s\" (lm %g, %zu hypotheses)", r.transcript.text, r.nbest[0].lm, r.n_nbest);
    assert_float_equal(r.nbest[0].lm, -0.1, 1e-5);
    hark_decode_result_clear(&r);
    hark_decoder_free(d);
    free(lp);
    /* A hotword the LM lacks joins the lexicon (scored as <unk>) and can win. */
    lp = make_path(ABC, "b_b");
    p.lm_weight = 0.5f;
    expect_text(ABC, NULL, &p, lp, 3, "bb", 0, NULL);
    hark_hotword hw = {"bb", 8.0f};
    p.hotwords = &hw;
    p.n_hotwords = 1;
    expect_text(ABC, NULL, &p, lp, 3, "bb", 1, &r);
    /* back-off of <s> + P(<unk>), then P(</s>) */
    assert_float_equal(r.nbest[0].lm, -0.3 + -2.0 + -1.0, 1e-5);
    hark_decode_result_clear(&r);
    hark_lm_free(lm);
    free(lp);
}

/* ---- Calibration ----------------------------------------------------------------------------- */

static void test_calibration(void **state)
{
    (void)state;
    /* Over-confident raw scores: right with probability raw^4. */
    enum { N = 4000 };
    float *raw = malloc(N * sizeof *raw), *cal = malloc(N * sizeof *cal);
    int *ok = malloc(N * sizeof *ok);
    assert_true(raw && cal && ok);
    for (int i = 0; i < N; i++) {
        raw[i] = (float)(0.3 + 0.7 * uniform());
        ok[i] = uniform() < pow(raw[i], 4);
    }
    double before = hark_calibration_ece(raw, ok, N, 15);
    hark_calibration c;
    assert_int_equal(hark_calibration_fit(raw, ok, N, &c), HARK_OK);
    for (int i = 0; i < N; i++)
        cal[i] = hark_calibration_apply(&c, raw[i]);
    double after = hark_calibration_ece(cal, ok, N, 15);
    assert_true(before > 0.15);
    assert_true(after < 0.03);
    /* JSON round trip and its errors. */
    char *js = hark_calibration_format(&c);
    hark_calibration back;
    assert_int_equal(hark_calibration_parse(js, &back), HARK_OK);
    assert_float_equal(back.a, c.a, 1e-6);
    assert_float_equal(back.b, c.b, 1e-6);
    free(js);
    assert_int_equal(hark_calibration_parse("{\"method\":\"platt\",\"a\":1}", &back), HARK_ERR_FORMAT);
    assert_int_equal(hark_calibration_parse("not json", &back), HARK_ERR_FORMAT);
    /* Nothing to fit: all right, or too few. */
    int all[3] = {1, 1, 1};
    assert_int_equal(hark_calibration_fit(raw, all, 3, &c), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_calibration_fit(raw, ok, 1, &c), HARK_ERR_INVALID_ARG);
    /* ECE by hand: two bins. */
    const float conf[4] = {0.2f, 0.2f, 0.9f, 0.9f};
    const int y[4] = {0, 0, 1, 0};
    assert_float_equal(hark_calibration_ece(conf, y, 4, 2), 0.5 * 0.2 + 0.5 * 0.4, 1e-6);
    free(raw);
    free(cal);
    free(ok);
}

/* ---- Bad parameters -------------------------------------------------------------------------- */

#define expect_refused(p, lx) expect_refused_at(p, lx, __LINE__)
static void expect_refused_at(const hark_decode_params *p, const hark_lexicon *lx, int line)
{
    hark_decoder *d = hark_decoder_create(ABC, lx, p);
    if (d)
        fail_msg("parameters of line %d accepted", line);
    assert_true(strlen(hark_last_error()) > 0);
}

static void test_bad_parameters(void **state)
{
    (void)state;
    hark_decode_params p = hark_decode_default_params();
    hark_decode_params b;
    b = p; b.beam = 0; expect_refused(&b, NULL);
    b = p; b.beam = 5000; expect_refused(&b, NULL);
    b = p; b.nbest = 17; expect_refused(&b, NULL);
    b = p; b.nbest = 0; expect_refused(&b, NULL);
    b = p; b.prune_top_k = -1; expect_refused(&b, NULL);
    b = p; b.prune_logprob = NAN; expect_refused(&b, NULL);
    b = p; b.prune_logprob = 1; expect_refused(&b, NULL);
    b = p; b.lm_weight = -1; expect_refused(&b, NULL);
    b = p; b.word_bonus = INFINITY; expect_refused(&b, NULL);
    b = p; b.word_separator = 4; expect_refused(&b, NULL);
    b = p; b.calibration.a = NAN; expect_refused(&b, NULL);
    hark_hotword hw = {"ab", 0};
    b = p; b.hotwords = &hw; b.n_hotwords = 1; expect_refused(&b, NULL);
    hark_hotword hz = {"zz", 2}; /* not spellable */
    b = p; b.hotwords = &hz; b.n_hotwords = 1; expect_refused(&b, NULL);
    bigram bg = {{{0}}};
    hark_word_scorer sc = {&bg, bg_word_id, bg_begin, bg_score, bg_end, -1};
    b = p; b.scorer = &sc; expect_refused(&b, NULL); /* a scorer needs a lexicon */
    hark_lexicon *empty = hark_lexicon_create();
    expect_refused(&p, empty);
    assert_null(hark_decoder_create("", NULL, &p));
    assert_null(hark_decoder_create(ABC, NULL, NULL));
    /* Lexicon entries: bad words and units. */
    const int u[] = {2, 0};
    assert_int_equal(hark_lexicon_add(empty, "a b", u, 1), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_lexicon_add(empty, "", u, 1), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_lexicon_add(empty, "x", u, 2), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_lexicon_add(empty, "x", u, 0), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_lexicon_add_spelling(empty, ABC, "abc"), HARK_ERR_INVALID_ARG);
    const int big[] = {9};
    assert_int_equal(hark_lexicon_add(empty, "x", big, 1), HARK_OK);
    expect_refused(&p, empty); /* unit 9 is not a unit of " ab" */
    hark_lexicon_free(empty);
    /* Frames that are not log-probabilities, and run arguments. */
    hark_decoder *d = decoder(ABC, NULL, &p);
    float row[4] = {NAN, -1, -1, -1};
    hark_decode_result r = {0};
    assert_int_equal(hark_decoder_run(d, row, 1, 0.02, &r), HARK_ERR_INVALID_ARG);
    row[0] = 0.5f;
    assert_int_equal(hark_decoder_run(d, row, 1, 0.02, &r), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_decoder_run(d, NULL, 3, 0.02, &r), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_decoder_run(d, row, 1, 0, &r), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_decoder_run(d, row, -1, 0.02, &r), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_decoder_run(d, row, 1, 0.02, NULL), HARK_ERR_INVALID_ARG);
    /* A frame no path can go through is refused; the stream keeps what came before. */
    const float dead[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    assert_int_equal(hark_decoder_run(d, dead, 1, 0.02, &r), HARK_ERR_NUMERIC);
    hark_beam_stream *s = hark_beam_stream_create(d);
    float *ok = make_path(ABC, "a");
    assert_int_equal(hark_beam_stream_push(s, ok, 1), HARK_OK);
    assert_int_equal(hark_beam_stream_push(s, dead, 1), HARK_ERR_NUMERIC);
    assert_int_equal(hark_beam_stream_finish(s, 0.02, &r), HARK_OK);
    assert_string_equal(r.transcript.text, "a");
    assert_float_equal(r.transcript.duration, 0.02, 1e-9);
    hark_decode_result_clear(&r);
    hark_beam_stream_free(s);
    free(ok);
    hark_decoder_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_reference),
        cmocka_unit_test(test_large_beam_is_exact_and_finds_brute_force_best),
        cmocka_unit_test(test_lm_weight_changes_winner),
        cmocka_unit_test(test_lexicon_constrains_spelling),
        cmocka_unit_test(test_hotwords),
        cmocka_unit_test(test_hotword_phrase_and_parse),
        cmocka_unit_test(test_word_times),
        cmocka_unit_test(test_nbest_and_empty),
        cmocka_unit_test(test_stream_matches_run),
        cmocka_unit_test(test_node_pool_stays_bounded),
        cmocka_unit_test(test_shared_decoder_threads),
        cmocka_unit_test(test_units_without_separator),
        cmocka_unit_test(test_with_arpa_lm),
        cmocka_unit_test(test_calibration),
        cmocka_unit_test(test_bad_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
