/* test_nlu_hostile.c - intent files built to hurt the parser (issue 13): over-long rule
 * references, thousands of nested groups, template lines of 20,000 words, 50,000 lists, 2,000
 * intents, chains of 20,000 list references, multi-megabyte lines of alternatives. Each is
 * generated here, and each must end within 2 seconds in a clear FILE:LINE:COLUMN error or a
 * correct result, in the normal and the sanitizer builds. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* CPU seconds allowed for every input. Measured: under 1 s each, sanitizers included, on an
 * idle machine; the sanitizer builds get HARK_TEST_CPU_SCALE times the room. What these inputs
 * cost before the fixes (a crash, or 25 s to minutes) stays well outside either bound. */
#define TIME_LIMIT (2.0 * HARK_TEST_CPU_SCALE)

/* ---- a growable text buffer for generating files ---- */

typedef struct text {
    char *s;
    size_t n, cap;
} text;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert_true(need >= 0);
    if (t->n + (size_t)need + 1 > t->cap) {
        t->cap = (t->n + (size_t)need + 1) * 2;
        t->s = realloc(t->s, t->cap);
        assert_non_null(t->s);
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
    va_end(ap);
    t->n += (size_t)need;
}

static void repeat(text *t, const char *piece, int times)
{
    for (int i = 0; i < times; i++)
        put(t, "%s", piece);
}

/* Distinct letters-only names: a, b, ..., z, ba, bb, ... (digits would be spoken as words). */
static const char *letters(int i)
{
    static char buf[16];
    int n = 0;
    do {
        buf[n++] = (char)('a' + i % 26);
        i /= 26;
    } while (i && n < 15);
    buf[n] = '\0';
    return buf;
}

/* ---- expectations ---- */

/* Parsing `t` fails within the time limit with a message naming "hostile.ini:LINE:COL" (col 0:
 * any column; line 0: any line and column) and containing `needle`. */
static void expect_error(text *t, int line, int col, const char *needle)
{
    double t0 = tu_cpu_seconds();
    hark_clear_error();
    hark_intents *f = hark_intents_parse(t->s, "hostile.ini");
    double dt = tu_cpu_seconds() - t0;
    const char *msg = hark_last_error();
    if (f) {
        hark_intents_free(f);
        fail_msg("parsed, but expected an error with \"%s\"", needle);
    }
    char where[64];
    if (col)
        snprintf(where, sizeof where, "hostile.ini:%d:%d: ", line, col);
    else if (line)
        snprintf(where, sizeof where, "hostile.ini:%d:", line);
    else
        snprintf(where, sizeof where, "hostile.ini:");
    if (strncmp(msg, where, strlen(where)) || !strstr(msg, needle))
        fail_msg("message \"%s\" does not start with \"%s\" or lacks \"%s\"", msg, where, needle);
    if (dt > TIME_LIMIT)
        fail_msg("took %.2f s to refuse (\"%s\")", dt, msg);
    free(t->s);
    *t = (text){0};
}

/* An assistant built from `t` (parse, slots, training) within the time limit. */
static hark_assistant *expect_assistant(text *t)
{
    double t0 = tu_cpu_seconds();
    hark_assistant_params p = hark_assistant_default_params();
    hark_assistant *a = hark_assistant_load_text(t->s, "hostile.ini", &p);
    double dt = tu_cpu_seconds() - t0;
    if (!a)
        fail_msg("refused: %s", hark_last_error());
    if (dt > TIME_LIMIT)
        fail_msg("took %.2f s to build the assistant", dt);
    free(t->s);
    *t = (text){0};
    return a;
}

/* ---- the inputs ---- */

static void test_long_rule_reference(void **state)
{
    (void)state;
    /* The name is copied into a 97-byte buffer: 100 characters read past it, 20,000 crashed. */
    int lengths[] = {97, 98, 100, 20000};
    for (int i = 0; i < 4; i++) {
        text t = {0};
        put(&t, "[A]\nx = hi\nsay <");
        repeat(&t, "r", lengths[i]);
        put(&t, ">\n");
        expect_error(&t, 3, 6, "rule reference longer than 97 characters");
    }
    /* The longest reference that fits ("A." and 95 letters) is still resolved (and is unknown
     * here). */
    text t = {0};
    put(&t, "[A]\nx = hi\nsay <");
    repeat(&t, "r", 95);
    put(&t, ">\n");
    expect_error(&t, 3, 5, "unknown rule");
}

static void test_deep_nesting(void **state)
{
    (void)state;
    const char *open[] = {"(", "["}, *close[] = {")", "]"};
    int depths[] = {5000, 8000};
    for (int k = 0; k < 2; k++) {
        text t = {0};
        put(&t, "[A]\n");
        repeat(&t, open[k], depths[k]);
        put(&t, "a");
        repeat(&t, close[k], depths[k]);
        put(&t, "\n");
        /* The 101st group, at column 101, is one too deep. */
        expect_error(&t, 2, 101, "groups nested more than 100 deep");
    }
    /* 100 levels are fine. */
    text t = {0};
    put(&t, "[A]\n");
    repeat(&t, "(", 100);
    put(&t, "a");
    repeat(&t, ")", 100);
    put(&t, "\n");
    hark_intents *f = hark_intents_parse(t.s, "deep.ini");
    assert_non_null(f);
    assert_int_equal(hark_intents_sentence_count(f, 0), 1);
    hark_intents_free(f);
    free(t.s);
}

static void test_long_template_line(void **state)
{
    (void)state;
    int words[] = {10000, 20000};
    for (int k = 0; k < 2; k++) {
        text t = {0};
        put(&t, "[A]\n");
        repeat(&t, "word ", words[k]);
        put(&t, "\n");
        /* Each "word " is 5 columns: the 2048th word starts at column 5 * 2047 + 1. */
        expect_error(&t, 2, 5 * 2047 + 1, "longer than 2048 words and groups");
    }
    /* A long sentence that fits (1,000 bytes) still expands. */
    text t = {0};
    put(&t, "[A]\n");
    repeat(&t, "ab ", 333);
    put(&t, "\n");
    hark_intents *f = hark_intents_parse(t.s, "long.ini");
    assert_non_null(f);
    hark_intents_free(f);
    free(t.s);
    /* 1,500 bytes: parsed, but no sentence of it can be expanded; the error names the intent. */
    t = (text){0};
    put(&t, "[A]\n");
    repeat(&t, "abcd ", 300);
    put(&t, "\n");
    assert_null(hark_assistant_load_text(t.s, "hostile.ini", NULL));
    assert_non_null(strstr(hark_last_error(), "hostile.ini:1:1: a sentence is longer than 1024"));
    free(t.s);
}

static void test_many_lists(void **state)
{
    (void)state;
    text t = {0};
    put(&t, "[A]\nturn on the $l1{thing}\n[B]\nstop the music\n");
    for (int i = 0; i < 50000; i++)
        put(&t, "$l%d = thing %s\n", i, letters(i));
    hark_assistant *a = expect_assistant(&t);
    hark_intent_result r;
    assert_int_equal(hark_assistant_classify(a, "turn on the thing b", &r), HARK_OK);
    assert_string_equal(r.intent, "A");
    assert_string_equal(hark_intent_result_slot(&r, "thing")->text, "thing b");
    hark_assistant_free(a);
}

static void test_too_many_intents(void **state)
{
    (void)state;
    text t = {0};
    for (int i = 0; i < 2000; i++)
        put(&t, "[I%d]\nsay %s please\n", i, letters(i));
    /* Intent 256 is on line 2 * 255 + 1, refused before any training. */
    expect_error(&t, 511, 1, "more than 255 intents");
}

static void test_list_reference_chain(void **state)
{
    (void)state;
    /* Defined top-down and used from the top, and used from the bottom with the lists defined
     * the other way round: both orders of counting must stop. */
    for (int order = 0; order < 2; order++) {
        text t = {0};
        put(&t, "[A]\nsay $l%d\n", order ? 20000 : 0);
        for (int i = 0; i < 20000; i++) {
            int k = order ? 20000 - 1 - i : i;
            put(&t, "$l%d = $l%d\n", order ? k + 1 : k, order ? k : k + 1);
        }
        put(&t, "$l%d = end\n", order ? 0 : 20000);
        expect_error(&t, 0, 0, "longer than 2048 words and groups");
    }
    /* Rules chained the same way. */
    text t = {0};
    put(&t, "[A]\n");
    for (int i = 0; i < 3000; i++) {
        char name[16];
        snprintf(name, sizeof name, "%s", letters(i)); /* letters() reuses one buffer */
        put(&t, "r%s = <r%s> x\n", name, letters(i + 1));
    }
    put(&t, "r%s = end\n", letters(3000));
    put(&t, "say <r%s>\n", letters(0));
    expect_error(&t, 0, 0, "longer than 2048 words and groups");
}

static void test_huge_line_of_alternatives(void **state)
{
    (void)state;
    /* 10 MB: refused by size before parsing. */
    text t = {0};
    put(&t, "[A]\nsay (");
    for (int i = 0; t.n < (10u << 20); i++)
        put(&t, "%s%s", i ? " | " : "", letters(i));
    put(&t, ")\n");
    double t0 = tu_cpu_seconds();
    assert_null(hark_intents_parse(t.s, "big.ini"));
    assert_true(tu_cpu_seconds() - t0 < TIME_LIMIT);
    assert_non_null(strstr(hark_last_error(), "big.ini: larger than 4 MB"));
    /* 3 MB (about 500,000 alternatives): parsed, sampled and trained on in bounded time
     * (sampling picks an alternative by binary search, not a scan). */
    t.n = 0;
    put(&t, "[A]\nsay (");
    for (int i = 0; t.n < (3u << 20); i++)
        put(&t, "%s%s", i ? " | " : "", letters(i));
    put(&t, ")\n[B]\nstop the music\n");
    hark_assistant *a = expect_assistant(&t);
    hark_intent_result r;
    assert_int_equal(hark_assistant_classify(a, "stop the music", &r), HARK_OK);
    assert_string_equal(r.intent, "B");
    hark_assistant_free(a);
}

static void test_many_templates(void **state)
{
    (void)state;
    /* 100,000 distinct short words: the spelling index used to scan every word sharing a
     * deletion key for each new one, and to reallocate its counts per word (quadratic). */
    text t = {0};
    put(&t, "[A]\n");
    for (int i = 0; i < 100000; i++)
        put(&t, "say %s\n", letters(i));
    put(&t, "[B]\nstop the music\n");
    hark_assistant *a = expect_assistant(&t);
    hark_assistant_free(a);
}

static void test_many_tagged_lists(void **state)
{
    (void)state;
    /* 50,000 tagged references to distinct lists: the slot tables used to compare every tag
     * with every earlier one. */
    text t = {0};
    put(&t, "[A]\nsay (");
    for (int i = 0; i < 50000; i++)
        put(&t, "%s$l%d{t}", i ? " | " : "", i);
    put(&t, ")\n[B]\nstop the music\n");
    for (int i = 0; i < 50000; i++)
        put(&t, "$l%d = thing %s\n", i, letters(i));
    hark_assistant *a = expect_assistant(&t);
    hark_intent_result r;
    assert_int_equal(hark_assistant_classify(a, "say thing b", &r), HARK_OK);
    assert_string_equal(r.intent, "A");
    hark_assistant_free(a);
}

static void test_many_tagged_ranges(void **state)
{
    (void)state;
    /* Each tagged range has 5,000 phrases for the slot tables; dropping repeats used to scan
     * every earlier phrase (found by fuzzing: tests/fuzz/intent/crashes/). */
    text t = {0};
    put(&t, "[A]\n");
    for (int i = 0; i < 100; i++)
        put(&t, "set (0..100000){n%s}\n", letters(i));
    put(&t, "[B]\nstop the music\n");
    hark_assistant *a = expect_assistant(&t);
    hark_assistant_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_rule_reference),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_long_template_line),
        cmocka_unit_test(test_many_lists),
        cmocka_unit_test(test_too_many_intents),
        cmocka_unit_test(test_list_reference_chain),
        cmocka_unit_test(test_huge_line_of_alternatives),
        cmocka_unit_test(test_many_templates),
        cmocka_unit_test(test_many_tagged_lists),
        cmocka_unit_test(test_many_tagged_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
