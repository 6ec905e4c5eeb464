/* test_corpus_shared.c - the readers on the real corpora in ../shared/data: counts per split,
 * speaker and word must match what each corpus's README states (parsed from the README where it
 * has a table), splits must not share speakers, and opening Speech Commands with durations must
 * be fast. Skips when ../shared is absent. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SKIP_WITHOUT_SHARED()                                                                    \
    do {                                                                                         \
        if (!tu_have_shared())                                                                   \
            skip();                                                                              \
    } while (0)

static hark_corpus *open_ok(const char *spec)
{
    hark_corpus *c = hark_corpus_open(spec);
    if (!c)
        fail_msg("open %s: %s", spec, hark_last_error());
    return c;
}

static const char *spec(const char *corpus, const char *split)
{
    static char buf[4][4096];
    static int slot;
    char *b = buf[slot++ & 3];
    snprintf(b, sizeof buf[0], "%s%s%s", tu_shared(corpus), split ? ":" : "", split ? split : "");
    return b;
}

static size_t count_if(const hark_corpus *c, const char *text, const char *speaker)
{
    size_t n = 0;
    for (size_t i = 0; i < hark_corpus_size(c); i++) {
        const hark_utt *u = hark_corpus_get(c, i);
        n += (!text || !strcmp(u->text, text)) && (!speaker || !strcmp(u->speaker, speaker));
    }
    return n;
}

static size_t n_speakers(const hark_corpus *c)
{
    hark_corpus_stats st;
    assert_int_equal(hark_corpus_get_stats(c, &st), HARK_OK);
    return st.n_speakers;
}

/* "2,995" -> 2995 */
static long parse_count(const char *s)
{
    long v = 0;
    for (; *s == ' '; s++)
        ;
    for (; (*s >= '0' && *s <= '9') || *s == ','; s++)
        if (*s != ',')
            v = v * 10 + (*s - '0');
    return v;
}

/* ---- FSDD ------------------------------------------------------------------------------- */

static void test_fsdd(void **state)
{
    (void)state;
    SKIP_WITHOUT_SHARED();
    /* README: "Speakers here: george, jackson, nicolas, theo, yweweler (10 digits x 50 takes
     * each, 2,500 files)"; takes 0-4 test, 5-49 train. */
    char *readme = tu_read_file(tu_shared("data/fsdd/README.md"), NULL);
    assert_non_null(readme);
    char *p = strstr(readme, "Speakers here: ");
    assert_non_null(p);
    p += strlen("Speakers here: ");
    char *end = strchr(p, '(');
    assert_non_null(end);
    *end = '\0';
    char *speakers[16];
    int ns = 0;
    for (char *save = NULL, *tok = strtok_r(p, ", \n", &save); tok && ns < 16;
         tok = strtok_r(NULL, ", \n", &save))
        speakers[ns++] = tok;
    assert_int_equal(ns, 5);
    const char *files = strstr(end + 1, "each, ");
    assert_non_null(files);
    long total = parse_count(files + strlen("each, "));
    assert_int_equal(total, 2500);

    hark_corpus *c = open_ok(spec("data/fsdd", NULL));
    assert_int_equal(hark_corpus_size(c), total);
    assert_int_equal(n_speakers(c), 5);
    static const char *const words[10] = {"zero", "one", "two", "three", "four",
                                          "five", "six", "seven", "eight", "nine"};
    for (int d = 0; d < 10; d++)
        assert_int_equal(count_if(c, words[d], NULL), 250);
    for (size_t i = 0; i < hark_corpus_size(c); i++) {
        const hark_utt *u = hark_corpus_get(c, i);
        assert_string_equal(u->text, words[u->id[0] - '0']);
        assert_true(u->duration > 0.1 && u->duration < 3.0);
    }
    hark_corpus_free(c);

    c = open_ok(spec("data/fsdd", "train"));
    assert_int_equal(hark_corpus_size(c), total * 45 / 50);
    assert_int_equal(hark_corpus_size(c), 2250);
    hark_corpus_free(c);
    c = open_ok(spec("data/fsdd", "test"));
    assert_int_equal(hark_corpus_size(c), 250);
    assert_int_equal(n_speakers(c), 5);
    hark_corpus_free(c);

    /* leave-one-speaker-out: every speaker of the README, both halves */
    for (int s = 0; s < ns; s++) {
        char split[64];
        snprintf(split, sizeof split, "train,speaker!=%s", speakers[s]);
        c = open_ok(spec("data/fsdd", split));
        assert_int_equal(hark_corpus_size(c), 4 * 10 * 45);
        assert_int_equal(count_if(c, NULL, speakers[s]), 0);
        assert_int_equal(n_speakers(c), 4);
        hark_corpus_free(c);
        snprintf(split, sizeof split, "speaker=%s", speakers[s]);
        c = open_ok(spec("data/fsdd", split));
        assert_int_equal(hark_corpus_size(c), 500);
        hark_corpus_free(c);
    }
    free(readme);
}

/* ---- Speech Commands ------------------------------------------------------------------- */

/* Rows "| `word` | all | train | val | test |" of the README's per-word table. */
typedef struct word_row {
    char word[32];
    long n[4];
} word_row;

static int parse_word_table(const char *readme, word_row *rows, int max)
{
    int n = 0;
    for (const char *line = readme; line && *line && n < max; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        if (strncmp(line, "| `", 3))
            continue;
        const char *w = line + 3, *we = strchr(w, '`');
        if (!we || we - w >= 32)
            continue;
        word_row *r = &rows[n];
        snprintf(r->word, sizeof r->word, "%.*s", (int)(we - w), w);
        const char *q = strchr(we, '|');
        int k = 0;
        for (; q && k < 4; k++) {
            r->n[k] = parse_count(q + 1);
            q = strchr(q + 1, '|');
        }
        if (k == 4)
            n++;
    }
    return n;
}

/* The split table: "| training | 147 | 2,689 | 306 | 2,995 |" -> speakers, files. */
static void parse_split_row(const char *readme, const char *name, long *speakers, long *files)
{
    char key[64];
    snprintf(key, sizeof key, "| %s |", name);
    const char *p = strstr(readme, key);
    assert_non_null(p);
    long v[4];
    p += strlen(key) - 1;
    for (int k = 0; k < 4; k++) {
        v[k] = parse_count(p + 1);
        p = strchr(p + 1, '|');
        assert_non_null(p);
    }
    *speakers = v[0];
    *files = v[3];
}

static void test_speech_commands(void **state)
{
    (void)state;
    SKIP_WITHOUT_SHARED();
    char *readme = tu_read_file(tu_shared("data/speech_commands/README.md"), NULL);
    assert_non_null(readme);
    word_row rows[64];
    int nrows = parse_word_table(readme, rows, 64);
    assert_int_equal(nrows, 36); /* 35 words and _silence_ */

    static const char *const splits[4] = {NULL, "train", "validation", "test"};
    static const char *const table_names[4] = {"all", "training", "validation", "testing"};
    hark_corpus *c[4];
    for (int k = 0; k < 4; k++) {
        c[k] = open_ok(spec("data/speech_commands", splits[k]));
        long speakers, files;
        parse_split_row(readme, table_names[k], &speakers, &files);
        assert_int_equal(hark_corpus_size(c[k]), files);
        assert_int_equal(n_speakers(c[k]), speakers);
        for (int r = 0; r < nrows; r++) {
            const char *text = strcmp(rows[r].word, "_silence_") ? rows[r].word : "";
            if ((long)count_if(c[k], text, NULL) != rows[r].n[k])
                fail_msg("%s %s: %zu clips, README says %ld", table_names[k], rows[r].word,
                         count_if(c[k], text, NULL), rows[r].n[k]);
        }
    }
    assert_int_equal(hark_corpus_size(c[0]), 4057);
    assert_int_equal(count_if(c[0], "yes", NULL), 334);
    /* every clip is exactly one second (16,000 samples), read from the FLAC headers */
    for (size_t i = 0; i < hark_corpus_size(c[0]); i++)
        assert_true(hark_corpus_get(c[0], i)->duration == 1.0);
    /* the split is by speaker: no speaker in two splits */
    for (int a = 1; a < 4; a++)
        for (size_t i = 0; i < hark_corpus_size(c[a]); i++) {
            const char *s = hark_corpus_get(c[a], i)->speaker;
            if (!*s)
                continue;
            for (int b = a + 1; b < 4; b++)
                if (count_if(c[b], NULL, s))
                    fail_msg("speaker %s in %s and %s", s, table_names[a], table_names[b]);
        }
    for (int k = 0; k < 4; k++)
        hark_corpus_free(c[k]);
    free(readme);
}

static void test_speech_commands_open_speed(void **state)
{
    (void)state;
    SKIP_WITHOUT_SHARED();
#if defined(__SANITIZE_ADDRESS__)
    const double limit = 3.0; /* instrumented build */
#else
    const double limit = 1.0;
#endif
    /* best of three, so a cold page cache or a busy shared machine does not decide it */
    double best = 1e9;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = tu_cpu_seconds(); /* CPU time: a busy machine does not inflate it */
        hark_corpus *c = open_ok(spec("data/speech_commands", NULL));
        double t = tu_cpu_seconds() - t0;
        assert_int_equal(hark_corpus_size(c), 4057);
        assert_true(hark_corpus_get(c, 0)->duration > 0);
        hark_corpus_free(c);
        if (t < best)
            best = t;
    }
    if (best >= limit)
        fail_msg("opening speech_commands with durations took %.3f s (limit %.1f s)", best, limit);
}

/* ---- LJSpeech ---------------------------------------------------------------------- */

static void test_ljspeech(void **state)
{
    (void)state;
    SKIP_WITHOUT_SHARED();
    /* README.md: 345 clips, 2,237 s, 1.5 to 10.0 s each; dev = the 35 clips LJ002-0126 to
     * LJ002-0160 (232 s), train = the other 310 (2,005 s); LJ002-0115 is missing. */
    hark_corpus *c = open_ok(spec("data/ljspeech", NULL));
    hark_corpus_stats st;
    assert_int_equal(hark_corpus_get_stats(c, &st), HARK_OK);
    assert_int_equal(st.n, 345);
    assert_int_equal(st.n_speakers, 1);
    assert_int_equal(st.n_empty, 0);
    assert_true(fabs(st.total_seconds - 2237) < 1.0);
    assert_true(st.min_seconds >= 1.5 - 0.05 && st.max_seconds <= 10.0 + 0.05);
    char cs[257];
    hark_corpus_charset(c, cs, sizeof cs);
    for (const char *p = cs; *p; p++)
        assert_true((*p >= 'a' && *p <= 'z') || *p == ' ' || *p == '\'');
    assert_string_equal(hark_corpus_get(c, 0)->id, "LJ001-0001");
    assert_string_equal(hark_corpus_get(c, 0)->text,
                        "printing in the only sense with which we are at present concerned "
                        "differs from most if not from all the arts and crafts represented in "
                        "the exhibition");
    for (size_t i = 0; i < st.n; i++)
        assert_string_not_equal(hark_corpus_get(c, i)->id, "LJ002-0115");
    hark_corpus_free(c);

    c = open_ok(spec("data/ljspeech", "dev"));
    assert_int_equal(hark_corpus_get_stats(c, &st), HARK_OK);
    assert_int_equal(st.n, 35);
    assert_string_equal(hark_corpus_get(c, 0)->id, "LJ002-0126");
    assert_string_equal(hark_corpus_get(c, 34)->id, "LJ002-0160");
    assert_true(fabs(st.total_seconds - 232) < 1.0);
    hark_corpus_free(c);
    c = open_ok(spec("data/ljspeech", "train"));
    assert_int_equal(hark_corpus_get_stats(c, &st), HARK_OK);
    assert_int_equal(st.n, 310);
    assert_true(fabs(st.total_seconds - 2005) < 1.0);
    hark_corpus_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fsdd),
        cmocka_unit_test(test_speech_commands),
        cmocka_unit_test(test_speech_commands_open_speed),
        cmocka_unit_test(test_ljspeech),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
