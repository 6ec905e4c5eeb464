/* test_lm.c - word n-gram language models: back-off scoring and states on a hand-made model,
 * parity with sphinx_lm_eval (fixture from tests/ref/lm_fixtures.sh), the Kneser-Ney builder
 * against the independent tests/ref/kn_reference.py, and refusal of malformed ARPA files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/lm_internal.h"
#include "testutil.h"

static const char *tmp_path(const char *name)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", tu_tmpdir(), name);
    return buf;
}

static hark_lm *load_str(const char *text)
{
    return hark_lm_load_arpa_mem(text, strlen(text), "t.arpa");
}

/* log10 P(<s> words </s>) for a space-separated sentence. */
static double sentence_logprob(const hark_lm *lm, const char *sentence)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", sentence);
    hark_lm_state st;
    hark_lm_begin(lm, &st);
    double sum = 0;
    for (char *w = strtok(buf, " "); w; w = strtok(NULL, " "))
        sum += hark_lm_score(lm, &st, hark_lm_word_id(lm, w), &st);
    return sum + hark_lm_end(lm, &st);
}

/* ---- scoring on a hand-made model ----------------------------------------------------------- */

static const char *const small_arpa =
    "\\data\\\r\n"
    "ngram 1 = 5\n"
    "ngram 2=4\n"
    "ngram  3=2\n"
    "\n"
    "\\1-grams:\n"
    "-99\t<s>\t-0.5\n"
    "-0.7 </s>\n"
    "-0.6\ta\t-0.2\r\n"
    "  -0.8   b   -0.25  \n"
    "-0.9\tc\n"
    "\n"
    "\\2-grams:\n"
    "-0.3\t<s> a\t-0.1\n"
    "-0.4\ta b\t-0.15\n"
    "-0.5\tb </s>\n"
    "-0.35\tb c\n"
    "\n"
    "\\3-grams:\n"
    "-0.2\t<s> a b\n"
    "-0.25\ta b c\n"
    "\n"
    "\\end\\\n";

static void test_score_backoff(void **state)
{
    (void)state;
    hark_lm *lm = load_str(small_arpa);
    assert_non_null(lm);
    assert_int_equal(hark_lm_order(lm), 3);
    /* a b c <s> </s> and the <unk> the file leaves out */
    assert_int_equal(hark_lm_vocab_size(lm), 6);
    assert_int_equal(hark_lm_ngram_count(lm, 1), 6);
    assert_int_equal(hark_lm_ngram_count(lm, 2), 4);
    assert_int_equal(hark_lm_ngram_count(lm, 3), 2);
    assert_int_equal(hark_lm_ngram_count(lm, 4), 0);
    assert_int_equal(hark_lm_ngram_count(lm, 0), 0);
    assert_true(hark_lm_has_word(lm, "a"));
    assert_false(hark_lm_has_word(lm, "zebra"));
    assert_false(hark_lm_has_word(lm, "<unk>"));
    int32_t a = hark_lm_word_id(lm, "a"), b = hark_lm_word_id(lm, "b"), c = hark_lm_word_id(lm, "c");
    assert_int_equal(hark_lm_word_id(lm, "zebra"), hark_lm_unk_id(lm));
    assert_string_equal(hark_lm_word(lm, b), "b");
    assert_null(hark_lm_word(lm, 99));
    assert_null(hark_lm_word(lm, -1));

    hark_lm_state s, t;
    hark_lm_begin(lm, &s);
    assert_int_equal(s.n, 1);
    assert_float_equal(hark_lm_score(lm, &s, a, &t), -0.3, 1e-6); /* bigram <s> a */
    assert_int_equal(t.n, 2);
    assert_float_equal(hark_lm_score(lm, &t, b, &t), -0.2, 1e-6); /* trigram <s> a b, in == out */
    assert_int_equal(t.n, 2); /* (a b) is listed as a 2-gram: still a context */
    assert_int_equal(t.words[0], a);
    assert_int_equal(t.words[1], b);
    assert_float_equal(hark_lm_score(lm, &t, c, &t), -0.25, 1e-6); /* trigram a b c */
    /* (b c) is listed, so the state keeps it; after it, </s>: no 3-gram "b c </s>", no bigram
     * "c </s>": bo(b c) is missing (0), bo(c) is missing (0), so P(</s>) = -0.7. */
    assert_int_equal(t.n, 2);
    assert_float_equal(hark_lm_end(lm, &t), -0.7, 1e-6);

    /* <s> b: no bigram: bo(<s>) + P(b) = -0.5 - 0.8; state (b) only */
    hark_lm_begin(lm, &s);
    assert_float_equal(hark_lm_score(lm, &s, b, &t), -1.3, 1e-6);
    assert_int_equal(t.n, 1);
    /* <s> a c: no 3-gram, no bigram a c: bo(<s> a) + bo(a) + P(c) = -0.1 - 0.2 - 0.9 */
    hark_lm_begin(lm, &s);
    hark_lm_score(lm, &s, a, &s);
    assert_float_equal(hark_lm_score(lm, &s, c, &t), -1.2, 1e-6);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.words[0], c);
    /* an unknown word is <unk>, which the file leaves out: the -99 floor; an id out of range
     * and a state with garbage ids are treated as <unk> too, without reading out of bounds */
    assert_float_equal(hark_lm_score(lm, &s, hark_lm_word_id(lm, "zebra"), NULL), -99.3, 1e-4);
    assert_float_equal(hark_lm_score(lm, &s, 12345, NULL), -99.3, 1e-4);
    hark_lm_state bad = {{-7, 99999, 3, 4}, 9};
    assert_true(isfinite(hark_lm_score(lm, &bad, a, &t)));
    hark_lm_free(lm);
}

/* A unigram model has no context; its states stay empty. */
static void test_unigram_model(void **state)
{
    (void)state;
    hark_lm *lm = load_str("\\data\\\nngram 1=3\n\n\\1-grams:\n-1 </s>\n-0.5 x\n-2 <unk>\n\\end\\\n");
    assert_non_null(lm);
    hark_lm_state s;
    hark_lm_begin(lm, &s);
    assert_int_equal(s.n, 0);
    assert_float_equal(hark_lm_score(lm, &s, hark_lm_word_id(lm, "x"), &s), -0.5, 1e-6);
    assert_int_equal(s.n, 0);
    assert_float_equal(hark_lm_score(lm, &s, hark_lm_word_id(lm, "y"), &s), -2, 1e-6);
    assert_float_equal(hark_lm_end(lm, &s), -1, 1e-6);
    /* <s> is not in the file: it gets an id anyway */
    assert_non_null(hark_lm_word(lm, hark_lm_word_id(lm, "<s>")));
    assert_int_equal(hark_lm_vocab_size(lm), 4);
    hark_lm_free(lm);
}

/* ---- parity with sphinx_lm_eval -------------------------------------------------------------- */

static void test_sphinx_parity(void **state)
{
    (void)state;
    size_t len;
    char *tsv = tu_read_file(tu_src("tests/data/lm/sphinx_expected.tsv"), &len);
    assert_non_null(tsv);
    hark_lm *lm = NULL;
    char loaded[64] = "";
    int n = 0;
    double worst = 0;
    char *save = NULL;
    for (char *line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[64], sentence[512];
        double want;
        assert_int_equal(sscanf(line, "%63[^\t]\t%lf\t%511[^\n]", name, &want, sentence), 3);
        if (strcmp(name, loaded)) {
            hark_lm_free(lm);
            char rel[128];
            snprintf(rel, sizeof rel, "tests/data/lm/%s", name);
            lm = hark_lm_load_arpa(tu_src(rel));
            assert_non_null(lm);
            snprintf(loaded, sizeof loaded, "%s", name);
        }
        double got = sentence_logprob(lm, sentence);
        double d = fabs(got - want);
        if (d > 1e-4)
            fail_msg("%s '%s': hark %.6f, sphinx_lm_eval %.6f", name, sentence, got, want);
        worst = d > worst ? d : worst;
        n++;
    }
    hark_lm_free(lm);
    free(tsv);
    assert_true(n >= 40);
    printf("sphinx_lm_eval parity: %d sentences, largest difference %.2g\n", n, worst);
}

/* ---- the Kneser-Ney builder against the Python reference ----------------------------------- */

static char **read_lines(const char *path, size_t *n)
{
    size_t len;
    char *text = tu_read_file(path, &len);
    assert_non_null(text);
    char **v = calloc(len + 1, sizeof *v);
    assert_non_null(v);
    *n = 0;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        v[(*n)++] = strdup(l);
    free(text);
    return v;
}

static void free_lines(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* The entry of the k-gram spelled by the ids of `from` in model `to`, or NULL. */
static const lm_entry *entry_in(const hark_lm *to, const hark_lm *from, const int32_t *ids, int k)
{
    int32_t mapped[HARK_LM_MAX_ORDER];
    for (int i = 0; i < k; i++) {
        mapped[i] = lm_vocab_find(&to->vocab, hark_lm_word(from, ids[i]),
                                  strlen(hark_lm_word(from, ids[i])));
        if (mapped[i] < 0)
            return NULL;
    }
    return k == 1 ? &to->uni[mapped[0]] : lm_table_find(&to->tab[k], mapped);
}

/* Every n-gram of `ref` is in `got` with the same probability and back-off weight, and both list
 * as many; returns the largest difference. */
static double compare_models(const hark_lm *got, const hark_lm *ref)
{
    assert_int_equal(hark_lm_order(got), hark_lm_order(ref));
    double worst = 0;
    for (int k = 1; k <= hark_lm_order(ref); k++) {
        assert_int_equal(hark_lm_ngram_count(got, k), hark_lm_ngram_count(ref, k));
        size_t n = k == 1 ? ref->vocab.n : ref->tab[k].cap;
        for (size_t s = 0; s < n; s++) {
            int32_t uni_id = (int32_t)s;
            const int32_t *ids = k == 1 ? &uni_id : lm_table_key(&ref->tab[k], s);
            if (ids[0] < 0)
                continue;
            const lm_entry *r = k == 1 ? &ref->uni[s] : lm_table_val(&ref->tab[k], s);
            const lm_entry *g = entry_in(got, ref, ids, k);
            if (!g)
                fail_msg("the built model lacks a %d-gram starting '%s'", k, hark_lm_word(ref, ids[0]));
            double d = fmax(fabs(g->prob - r->prob), fabs(g->bo - r->bo));
            if (d > 1e-4)
                fail_msg("%d-gram starting '%s': prob %.6f bo %.6f, reference %.6f %.6f", k,
                         hark_lm_word(ref, ids[0]), g->prob, g->bo, r->prob, r->bo);
            worst = fmax(worst, d);
        }
    }
    return worst;
}

static void check_kn(const char *corpus, int order, const char *ref_name)
{
    size_t n;
    char **lines = read_lines(tu_src(corpus), &n);
    const char *out = tmp_path("built.arpa");
    assert_int_equal(hark_lm_build((const char *const *)lines, n, order, out), HARK_OK);
    free_lines(lines, n);
    hark_lm *got = hark_lm_load_arpa(out);
    assert_non_null(got);
    char rel[128];
    snprintf(rel, sizeof rel, "tests/data/lm/%s", ref_name);
    hark_lm *ref = hark_lm_load_arpa(tu_src(rel));
    assert_non_null(ref);
    double worst = compare_models(got, ref);
    printf("%s: order %d matches %s, largest difference %.2g\n", corpus, order, ref_name, worst);
    hark_lm_free(got);
    hark_lm_free(ref);
}

static void test_kn_matches_reference(void **state)
{
    (void)state;
    check_kn("tests/data/lm/kn_corpus.txt", 2, "kn_ref2.arpa");
    check_kn("tests/data/lm/kn_corpus.txt", 3, "kn_ref3.arpa");
    check_kn("tests/data/lm/kn_corpus.txt", 4, "kn_ref4.arpa");
    check_kn("tests/data/lm/kn_tiny.txt", 3, "kn_tiny_ref3.arpa"); /* fallback discounts */
}

/* A built model is a distribution: the probabilities of every word after a context sum to 1. */
static void test_kn_normalised(void **state)
{
    (void)state;
    size_t n;
    char **lines = read_lines(tu_src("tests/data/lm/kn_corpus.txt"), &n);
    const char *out = tmp_path("norm.arpa");
    assert_int_equal(hark_lm_build((const char *const *)lines, n, 3, out), HARK_OK);
    hark_lm *lm = hark_lm_load_arpa(out);
    assert_non_null(lm);
    const char *contexts[] = {"", "the", "the cat", "zebra", "sat on"};
    for (size_t i = 0; i < sizeof contexts / sizeof contexts[0]; i++) {
        hark_lm_state st;
        hark_lm_begin(lm, &st);
        char buf[64];
        snprintf(buf, sizeof buf, "%s", contexts[i]);
        for (char *w = strtok(buf, " "); w; w = strtok(NULL, " "))
            hark_lm_score(lm, &st, hark_lm_word_id(lm, w), &st);
        double sum = 0;
        for (int32_t w = 0; w < (int32_t)hark_lm_vocab_size(lm); w++)
            if (w != hark_lm_word_id(lm, "<s>"))
                sum += pow(10.0, hark_lm_score(lm, &st, w, NULL));
        if (fabs(sum - 1) > 1e-3)
            fail_msg("after '%s' the probabilities sum to %.6f", contexts[i], sum);
    }
    hark_lm_free(lm);
    free_lines(lines, n);
}

static void test_build_errors(void **state)
{
    (void)state;
    const char *s[] = {"a b c", "b c"};
    const char *out = tmp_path("e.arpa");
    assert_int_equal(hark_lm_build(s, 2, 0, out), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_lm_build(s, 2, 6, out), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_lm_build(s, 2, 3, NULL), HARK_ERR_INVALID_ARG);
    const char *blank[] = {"", "   "};
    assert_int_equal(hark_lm_build(blank, 2, 3, out), HARK_ERR_INVALID_ARG);
    assert_non_null(strstr(hark_last_error(), "no words"));
    assert_int_equal(hark_lm_build(s, 2, 3, "/nonexistent-dir/x.arpa"), HARK_ERR_IO);
    assert_non_null(strstr(hark_last_error(), "/nonexistent-dir/x.arpa"));
    /* an order-5 model of a tiny text is still a valid file */
    assert_int_equal(hark_lm_build(s, 2, 5, out), HARK_OK);
    hark_lm *lm = hark_lm_load_arpa(out);
    assert_non_null(lm);
    assert_int_equal(hark_lm_order(lm), 5);
    hark_lm_free(lm);
}

/* ---- malformed files ------------------------------------------------------------------------ */

typedef struct bad_case {
    const char *text;
    size_t len;         /* 0: strlen(text) */
    const char *where;  /* "t.arpa:LINE:" */
    const char *reason; /* a substring of the message */
} bad_case;

#define HDR2 "\\data\\\nngram 1=3\nngram 2=1\n\n\\1-grams:\n-1 a\n-1 b\n-1 </s>\n\n\\2-grams:\n"

#define NUL_CASE "\\data\\\nngram 1=1\n\n\\1-grams:\n-1 a\0 junk\n\\end\\\n"

static const bad_case bad_cases[] = {
    {"", 0, "t.arpa:1:", "empty file"},
    {"hello\nworld\n", 0, "t.arpa:2:", "no \\data\\ section"},
    {"\\data\\\n\\1-grams:\n", 0, "t.arpa:2:", "no 'ngram K=COUNT'"},
    {"\\data\\\nngram 1=x\n", 0, "t.arpa:2:", "expected 'ngram K=COUNT'"},
    {"\\data\\\nngram 1=-3\n", 0, "t.arpa:2:", "expected 'ngram K=COUNT'"},
    {"\\data\\\nngram 1=1\nngram 3=1\n", 0, "t.arpa:3:", "orders must count up"},
    {"\\data\\\nngram 1=1\nngram 2=1\nngram 3=1\nngram 4=1\nngram 5=1\nngram 6=1\n", 0, "t.arpa:7:",
     "order 6 is above"},
    {"\\data\\\nngram 1=99999999999\n\n\\1-grams:\n-1 a\n\\end\\\n", 0, "t.arpa:2:",
     "more than a file of"},
    {"\\data\\\nngram 1=99999999999999999999\n", 0, "t.arpa:2:", "expected 'ngram K=COUNT'"},
    {"\\data\\\nngram 1=2\n\n\\1-grams:\n-1 a\n\n\\end\\\n", 0, "t.arpa:7:",
     "holds 1 n-grams, \\data\\ promises 2"},
    {"\\data\\\nngram 1=1\n\n\\1-grams:\n-1 a\n-1 b\n\\end\\\n", 0, "t.arpa:6:", "more 1-grams than"},
    {"\\data\\\nngram 1=2\n\n\\1-grams:\n-1 a\n-1 a\n\\end\\\n", 0, "t.arpa:6:", "listed twice"},
    {"\\data\\\nngram 1=1\n\n\\1-grams:\nabc a\n\\end\\\n", 0, "t.arpa:5:", "'abc' is not a number"},
    {"\\data\\\nngram 1=1\n\n\\1-grams:\n-1.5x a\n\\end\\\n", 0, "t.arpa:5:", "not a number"},
    {"\\data\\\nngram 1=1\n\n\\1-grams:\nnan a\n\\end\\\n", 0, "t.arpa:5:", "not a number"},
    {"\\data\\\nngram 1=1\n\n\\1-grams:\n-inf a\n\\end\\\n", 0, "t.arpa:5:", "not a number"},
    {"\\data\\\nngram 1=1\n\n\\1-grams:\n0x1p-3 a\n\\end\\\n", 0, "t.arpa:5:", "not a number"},
    {"\\data\\\nngram 1=1\n\n\\1-grams:\n-1e999 a\n\\end\\\n", 0, "t.arpa:5:", "not a number"},
    {"\\data\\\nngram 1=1\n\n\\1-grams:\n-1 a nan\n\\end\\\n", 0, "t.arpa:5:", "back-off weight"},
    {"\\data\\\nngram 1=1\n\n\\1-grams:\n0.5 a\n\\end\\\n", 0, "t.arpa:5:", "above 0"},
    {"\\data\\\nngram 1=1\n\n\\1-grams:\n-1\n\\end\\\n", 0, "t.arpa:5:", "needs a log10 probability"},
    {"\\data\\\nngram 1=1\n\n\\1-grams:\n-1 a -1 x\n\\end\\\n", 0, "t.arpa:5:", "needs a log10"},
    {"\\data\\\nngram 1=1\n\n\\1-grams:\n-1 a\n", 0, "t.arpa:5:", "ends inside the 1-grams"},
    {"\\data\\\nngram 1=1\n\n\\1-grams:\n-1 a\n\\2-grams:\n\\end\\\n", 0, "t.arpa:6:",
     "expected \\end\\"},
    {"\\data\\\nngram 1=1\nngram 2=0\n\n\\1-grams:\n-1 a\n\\end\\\n", 0, "t.arpa:7:",
     "expected \\2-grams:"},
    {"\\data\\\nngram 1=1\nngram 2=0\n\n\\1-grams:\n-1 a\n", 0, "t.arpa:6:", "ends inside"},
    {"\\data\\\nngram 1=1\n\n", 0, "t.arpa:3:", "ends before the \\1-grams:"},
    {"\\data\\\nngram 1=1\n\n\\2-grams:\n", 0, "t.arpa:4:", "expected \\1-grams:"},
    {HDR2 "-1 a zebra\n\\end\\\n", 0, "t.arpa:11:", "word 'zebra' of this 2-gram is not among"},
    {HDR2 "-1 a b\n-1 a b\n\\end\\\n", 0, "t.arpa:12:", "more 2-grams"},
    {"\\data\\\nngram 1=2\nngram 2=2\n\n\\1-grams:\n-1 a\n-1 b\n\n\\2-grams:\n-1 a b\n-1 a b\n"
     "\\end\\\n", 0, "t.arpa:11:", "2-gram is listed twice"},
    {"\\data\\\nngram 1=2\nngram 2=1\nngram 3=1\n\n\\1-grams:\n-1 a\n-1 b\n\n\\2-grams:\n-1 a b\n\n"
     "\\3-grams:\n-1 b a b\n\\end\\\n", 0, "t.arpa:14:", "context of this 3-gram"},
    {NUL_CASE, sizeof NUL_CASE - 1, "t.arpa:5:", "NUL byte"},
};

static void test_bad_files(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        size_t len = c->len ? c->len : strlen(c->text);
        hark_lm *lm = hark_lm_load_arpa_mem(c->text, len, "t.arpa");
        if (lm)
            fail_msg("case %zu (%s) was accepted", i, c->reason);
        const char *msg = hark_last_error();
        if (strncmp(msg, c->where, strlen(c->where)) || !strstr(msg, c->reason))
            fail_msg("case %zu: got '%s', want '%s ... %s'", i, msg, c->where, c->reason);
    }
}

/* Random bytes and truncations of a good file never crash the loader and fail cleanly. */
static void test_junk_and_truncations(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ull;
    unsigned char junk[4096];
    for (int trial = 0; trial < 50; trial++) {
        for (size_t i = 0; i < sizeof junk; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            junk[i] = (unsigned char)x;
        }
        hark_lm *lm = hark_lm_load_arpa_mem((const char *)junk, sizeof junk, "junk");
        assert_null(lm);
        assert_non_null(strstr(hark_last_error(), "junk:"));
    }
    size_t n = strlen(small_arpa);
    for (size_t cut = 0; cut < n; cut++) {
        hark_lm *lm = hark_lm_load_arpa_mem(small_arpa, cut, "cut");
        /* only a cut inside the final "\n" after \end\ may still load */
        if (lm) {
            assert_true(cut >= n - 1);
            hark_lm_free(lm);
        }
    }
}

static void test_file_errors(void **state)
{
    (void)state;
    assert_null(hark_lm_load_arpa(tmp_path("missing.arpa")));
    assert_non_null(strstr(hark_last_error(), "missing.arpa: No such file"));
    assert_null(hark_lm_load_arpa(NULL));
    const char *p = tmp_path("bad.arpa");
    assert_int_equal(tu_write_file(p, "\\data\\\nngram 7=1\n", 17), 0);
    assert_null(hark_lm_load_arpa(p));
    char want[600];
    snprintf(want, sizeof want, "%s:2: order 7", p);
    assert_non_null(strstr(hark_last_error(), want));
    /* a good file with a DOS line ending and a comment before \data\ loads from disk too */
    assert_int_equal(tu_write_file(p, small_arpa, strlen(small_arpa)), 0);
    hark_lm *lm = hark_lm_load_arpa(p);
    assert_non_null(lm);
    hark_lm_free(lm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_score_backoff),
        cmocka_unit_test(test_unigram_model),
        cmocka_unit_test(test_sphinx_parity),
        cmocka_unit_test(test_kn_matches_reference),
        cmocka_unit_test(test_kn_normalised),
        cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_junk_and_truncations),
        cmocka_unit_test(test_file_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
