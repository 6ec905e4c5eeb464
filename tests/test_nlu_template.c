/* test_nlu_template.c - the intent template file (src/nlu/template.c): parsing, hand-counted
 * expansions, slot values through substitutions and number ranges, bounded expansion of huge
 * files, sampling, the shipped assistant, and every malformed file in tests/data/nlu. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const char SMALL[] =
    "# a comment\n"
    "; another comment\n"
    "$room = (kitchen | living room | lounge:(living room))\n"
    "\n"
    "[LightsOn]\n"
    "turn on [the] $room{room} light\n"
    "(switch | turn) (1..3){n} lights on:yes{state}\n"
    "response: Okay, {room}.\n"
    "skill: lights.on\n"
    "[Greet]\r\n"
    "What's up?\r\n";

typedef struct collected {
    char text[64][128];
    hark_slot slots[64][HARK_NLU_MAX_SLOTS];
    int n_slots[64];
    size_t intent[64];
    int n;
} collected;

static int collect(size_t intent, const char *text, const hark_slot *slots, int n_slots, void *user)
{
    collected *c = user;
    if (c->n == 64)
        return 1;
    snprintf(c->text[c->n], sizeof c->text[0], "%s", text);
    memcpy(c->slots[c->n], slots, (size_t)n_slots * sizeof *slots);
    c->n_slots[c->n] = n_slots;
    c->intent[c->n] = intent;
    c->n++;
    return 0;
}

static int find_text(const collected *c, const char *text)
{
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->text[i], text))
            return i;
    return -1;
}

static const hark_slot *slot_of(const collected *c, int i, const char *name)
{
    for (int k = 0; k < c->n_slots[i]; k++)
        if (!strcmp(c->slots[i][k].name, name))
            return &c->slots[i][k];
    return NULL;
}

static void test_parse_and_count(void **state)
{
    (void)state;
    hark_intents *f = hark_intents_parse(SMALL, "small.ini");
    if (!f)
        fail_msg("%s", hark_last_error());
    assert_int_equal(hark_intents_count(f), 2);
    assert_string_equal(hark_intents_name(f, 0), "LightsOn");
    assert_string_equal(hark_intents_name(f, 1), "Greet");
    assert_int_equal(hark_intents_find(f, "Greet"), 1);
    assert_int_equal(hark_intents_find(f, "Nope"), -1);
    assert_string_equal(hark_intents_response(f, 0), "Okay, {room}.");
    assert_string_equal(hark_intents_skill(f, 0), "lights.on");
    assert_string_equal(hark_intents_response(f, 1), "");
    /* 2 (optional "the") x 3 rooms + 2 verbs x 3 numbers. */
    assert_int_equal(hark_intents_sentence_count(f, 0), 12);
    assert_int_equal(hark_intents_sentence_count(f, 1), 1);
    assert_null(hark_intents_name(f, 2));
    assert_int_equal(hark_intents_sentence_count(f, 9), 0);
    hark_intents_free(f);
}

static void test_expand_values(void **state)
{
    (void)state;
    hark_intents *f = hark_intents_parse(SMALL, "small.ini");
    assert_non_null(f);
    collected *c = calloc(1, sizeof *c);
    assert_non_null(c);
    assert_int_equal(hark_intents_expand(f, SIZE_MAX, 0, collect, c), HARK_OK);
    assert_int_equal(c->n, 13);
    /* The optional word's empty branch comes first. */
    assert_string_equal(c->text[0], "turn on kitchen light");
    int i = find_text(c, "turn on the living room light");
    assert_true(i >= 0);
    assert_string_equal(slot_of(c, i, "room")->text, "living room");
    assert_false(slot_of(c, i, "room")->is_number);
    i = find_text(c, "turn on lounge light");
    assert_true(i >= 0);
    assert_string_equal(slot_of(c, i, "room")->text, "living room");
    i = find_text(c, "switch two lights on");
    assert_true(i >= 0);
    assert_int_equal(c->n_slots[i], 2);
    assert_true(slot_of(c, i, "n")->is_number);
    assert_true(slot_of(c, i, "n")->number == 2.0);
    assert_string_equal(slot_of(c, i, "n")->text, "2");
    assert_string_equal(slot_of(c, i, "state")->text, "yes");
    /* Template words are normalised like recognised text. */
    i = find_text(c, "what is up");
    assert_true(i >= 0);
    assert_int_equal(c->intent[i], 1);
    assert_int_equal(c->n_slots[i], 0);
    /* A cap per intent, and a single intent. */
    memset(c, 0, sizeof *c);
    assert_int_equal(hark_intents_expand(f, 0, 5, collect, c), HARK_OK);
    assert_int_equal(c->n, 5);
    assert_int_equal(hark_intents_expand(f, 7, 5, collect, c), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_intents_expand(NULL, 0, 5, collect, c), HARK_ERR_INVALID_ARG);
    free(c);
    hark_intents_free(f);
}

static void test_sampling(void **state)
{
    (void)state;
    hark_intents *f = hark_intents_parse(SMALL, "small.ini");
    assert_non_null(f);
    collected *all = calloc(1, sizeof *all);
    assert_non_null(all);
    hark_intents_expand(f, 0, 0, collect, all);
    int hits[64] = {0};
    uint64_t rng = 42, rng2 = 42;
    char text[128], text2[128];
    hark_slot slots[HARK_NLU_MAX_SLOTS];
    int n_slots;
    for (int k = 0; k < 1200; k++) {
        assert_int_equal(hark_intents_sample(f, 0, &rng, text, sizeof text, slots, &n_slots),
                         HARK_OK);
        assert_int_equal(hark_intents_sample(f, 0, &rng2, text2, sizeof text2, NULL, NULL),
                         HARK_OK);
        assert_string_equal(text, text2); /* same seed, same sentences */
        int i = find_text(all, text);
        if (i < 0)
            fail_msg("sampled \"%s\" is not an expansion", text);
        assert_int_equal(n_slots, all->n_slots[i]);
        hits[i]++;
    }
    /* Uniform over the 12 sentences: each expected 100 times. */
    for (int i = 0; i < all->n; i++)
        if (hits[i] < 50 || hits[i] > 150)
            fail_msg("sentence \"%s\" drawn %d times of 1200", all->text[i], hits[i]);
    assert_int_equal(hark_intents_sample(f, 5, &rng, text, sizeof text, NULL, NULL),
                     HARK_ERR_INVALID_ARG);
    free(all);
    hark_intents_free(f);
}

static int count_cb(size_t intent, const char *text, const hark_slot *slots, int n_slots,
                    void *user)
{
    (void)intent;
    (void)text;
    (void)slots;
    (void)n_slots;
    (*(size_t *)user)++;
    return 0;
}

static void test_rules(void **state)
{
    (void)state;
    /* Rhasspy rules: "name = body" in a section, used as <name> there or <Intent.name>
     * elsewhere; tags inside a rule work wherever it is used. */
    hark_intents *f = hark_intents_parse("[Greet]\n"
                                         "greeting = (hi | hello | good (morning | evening))\n"
                                         "<greeting> [there]\n"
                                         "[Wave]\n"
                                         "<Greet.greeting>{how} and wave\n",
                                         "rules.ini");
    if (!f)
        fail_msg("%s", hark_last_error());
    assert_int_equal(hark_intents_sentence_count(f, 0), 8);
    assert_int_equal(hark_intents_sentence_count(f, 1), 4);
    collected *c = calloc(1, sizeof *c);
    assert_non_null(c);
    assert_int_equal(hark_intents_expand(f, 1, 0, collect, c), HARK_OK);
    int i = find_text(c, "good evening and wave");
    assert_true(i >= 0);
    assert_string_equal(slot_of(c, i, "how")->text, "good evening");
    free(c);
    hark_intents_free(f);
}

static void test_lists_used_before_defined(void **state)
{
    (void)state;
    /* Each list's body names the next list before it is defined, so the table of lists grows
     * while a body is being parsed (ASan catches a definition that kept a stale pointer). */
    char text[4096] = "";
    size_t len = 0;
    for (int i = 0; i < 40; i++) /* words "waa" .. "wbn": digits would be spelled out */
        len += (size_t)snprintf(text + len, sizeof text - len,
                                i < 39 ? "$l%d = (w%c%c | $l%d)\n" : "$l%d = w%c%c\n", i,
                                'a' + i / 26, 'a' + i % 26, i + 1);
    snprintf(text + len, sizeof text - len, "[A]\n$l0\n");
    hark_intents *f = hark_intents_parse(text, "chain.ini");
    if (!f)
        fail_msg("%s", hark_last_error());
    assert_int_equal(hark_intents_sentence_count(f, 0), 40);
    collected *c = calloc(1, sizeof *c);
    assert_non_null(c);
    assert_int_equal(hark_intents_expand(f, 0, 0, collect, c), HARK_OK);
    assert_int_equal(c->n, 40);
    assert_true(find_text(c, "waa") >= 0);
    assert_true(find_text(c, "wbn") >= 0);
    free(c);
    hark_intents_free(f);
}

static void test_huge_file_is_bounded(void **state)
{
    (void)state;
    /* 999^4 ~ 1e12 sentences, and 2^80 (saturates): counted, never materialised. */
    char text[4096] = "[Big]\n(1..999){a} plus (1..999){b} plus (1..999){c} plus (1..999){d}\n"
                      "[Huge]\n";
    for (int i = 0; i < 80; i++)
        strcat(text, "(a | b) ");
    strcat(text, "\n");
    hark_intents *f = hark_intents_parse(text, "huge.ini");
    if (!f)
        fail_msg("%s", hark_last_error());
    assert_true(hark_intents_sentence_count(f, 0) == 999ULL * 999ULL * 999ULL * 999ULL);
    assert_true(hark_intents_sentence_count(f, 1) == UINT64_MAX);
    size_t n = 0;
    assert_int_equal(hark_intents_expand(f, SIZE_MAX, 2000, count_cb, &n), HARK_OK);
    assert_int_equal(n, 4000);
    uint64_t rng = 7;
    char s[512];
    hark_slot slots[HARK_NLU_MAX_SLOTS];
    int ns;
    assert_int_equal(hark_intents_sample(f, 0, &rng, s, sizeof s, slots, &ns), HARK_OK);
    assert_int_equal(ns, 4);
    for (int i = 0; i < 4; i++)
        assert_true(slots[i].is_number && slots[i].number >= 1 && slots[i].number <= 999);
    assert_int_equal(hark_intents_sample(f, 1, &rng, s, sizeof s, NULL, NULL), HARK_OK);
    assert_int_equal(strlen(s), 80 * 2 - 1);
    hark_intents_free(f);
}

static void test_shipped_assistant(void **state)
{
    (void)state;
    hark_intents *f = hark_intents_load(tu_src("models/assistant.ini"));
    if (!f)
        fail_msg("%s", hark_last_error());
    static const char *const required[] = {"GetTime", "GetDate", "SetTimer", "CancelTimer",
                                           "LightsOn", "LightsOff", "VolumeUp", "VolumeDown",
                                           "Calculate", "Stop", "Help", "Yes", "No", "Repeat"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        int k = hark_intents_find(f, required[i]);
        if (k < 0)
            fail_msg("intent %s missing from models/assistant.ini", required[i]);
        assert_true(hark_intents_sentence_count(f, (size_t)k) >= 3); /* several phrasings */
        assert_true(hark_intents_response(f, (size_t)k)[0] != '\0');
    }
    hark_intents_free(f);
}

static void test_malformed_files(void **state)
{
    (void)state;
    const char *dir_path = tu_src("tests/data/nlu");
    char dir_copy[4096];
    snprintf(dir_copy, sizeof dir_copy, "%s", dir_path);
    DIR *d = opendir(dir_copy);
    assert_non_null(d);
    int checked = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".ini"))
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir_copy, e->d_name);
        /* The first line says what the error must contain: "# expect: TEXT". Files that
         * cannot carry a comment (empty, binary) are listed here. */
        char expect[512] = "";
        if (!strcmp(e->d_name, "empty.ini"))
            snprintf(expect, sizeof expect, "empty.ini:1:1: no intents");
        else if (!strcmp(e->d_name, "binary.ini"))
            snprintf(expect, sizeof expect, "binary.ini: contains NUL bytes");
        else if (!strcmp(e->d_name, "utf16.ini"))
            snprintf(expect, sizeof expect, "utf16.ini: UTF-16 text");
        else {
            size_t n;
            char *text = tu_read_file(path, &n);
            assert_non_null(text);
            if (strncmp(text, "# expect: ", 10))
                fail_msg("%s: first line must be '# expect: ...'", path);
            size_t el = strcspn(text + 10, "\n");
            /* Expectations starting with ':' follow the file name. */
            snprintf(expect, sizeof expect, "%s%.*s", text[10] == ':' ? e->d_name : "", (int)el,
                     text + 10);
            free(text);
        }
        hark_intents *f = hark_intents_load(path);
        if (f) {
            hark_intents_free(f);
            fail_msg("%s parsed although malformed", e->d_name);
        }
        if (!strstr(hark_last_error(), expect))
            fail_msg("%s: error \"%s\" does not contain \"%s\"", e->d_name, hark_last_error(),
                     expect);
        /* Every message leads with the path given. */
        assert_true(strncmp(hark_last_error(), path, strlen(path)) == 0);
        checked++;
    }
    closedir(d);
    assert_true(checked >= 35);
}

static void test_missing_file_and_bad_args(void **state)
{
    (void)state;
    assert_null(hark_intents_load("/nonexistent/intents.ini"));
    assert_non_null(strstr(hark_last_error(), "/nonexistent/intents.ini"));
    assert_null(hark_intents_load(NULL));
    assert_null(hark_intents_parse(NULL, "x"));
    assert_int_equal(hark_intents_count(NULL), 0);
    /* A UTF-8 byte-order mark is skipped; UTF-16 is refused by name. */
    hark_intents *bom = hark_intents_parse("\xEF\xBB\xBF[A]\nhello\n", "bom.ini");
    if (!bom)
        fail_msg("%s", hark_last_error());
    assert_string_equal(hark_intents_name(bom, 0), "A");
    hark_intents_free(bom);
    assert_null(hark_intents_parse("\xFF\xFE[A]", "u16.ini"));
    assert_non_null(strstr(hark_last_error(), "u16.ini: UTF-16"));
    /* A group may start a template line after the first section. */
    hark_intents *f = hark_intents_parse("[A]\n[please] stop\n(go | run) away\n", "g.ini");
    if (!f)
        fail_msg("%s", hark_last_error());
    assert_int_equal(hark_intents_sentence_count(f, 0), 4);
    hark_intents_free(f);
}

static void test_mutations_never_crash(void **state)
{
    (void)state;
    /* Seeded random edits of a valid file (bytes from the format's own alphabet): each either
     * parses, expands within its cap, or fails with a positioned message. Under the sanitizer
     * build this is a small fuzzer. */
    static const char alphabet[] = "()[]{}|:$<>=#\n ab1.,9";
    uint64_t rng = 12345;
    size_t base = strlen(SMALL);
    char *buf = malloc(base + 64);
    assert_non_null(buf);
    int parsed = 0;
    for (int round = 0; round < 3000; round++) {
        memcpy(buf, SMALL, base + 1);
        size_t len = base;
        int edits = 1 + (int)(rng % 4);
        for (int e = 0; e < edits; e++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t pos = (size_t)(rng >> 33) % len;
            char c = alphabet[(rng >> 20) % (sizeof alphabet - 1)];
            switch ((rng >> 10) % 3) {
            case 0: buf[pos] = c; break;                                 /* replace */
            case 1: memmove(buf + pos, buf + pos + 1, len - pos); len--; break; /* delete */
            default:                                                     /* insert */
                memmove(buf + pos + 1, buf + pos, len - pos + 1);
                buf[pos] = c;
                len++;
            }
        }
        hark_intents *f = hark_intents_parse(buf, "m.ini");
        if (!f) {
            if (strncmp(hark_last_error(), "m.ini:", 6))
                fail_msg("unpositioned error \"%s\" for:\n%s", hark_last_error(), buf);
            continue;
        }
        parsed++;
        size_t n = 0;
        assert_int_equal(hark_intents_expand(f, SIZE_MAX, 500, count_cb, &n), HARK_OK);
        hark_intents_free(f);
    }
    free(buf);
    assert_true(parsed > 0 && parsed < 3000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_count),
        cmocka_unit_test(test_expand_values),
        cmocka_unit_test(test_sampling),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_lists_used_before_defined),
        cmocka_unit_test(test_huge_file_is_bounded),
        cmocka_unit_test(test_shipped_assistant),
        cmocka_unit_test(test_malformed_files),
        cmocka_unit_test(test_missing_file_and_bad_args),
        cmocka_unit_test(test_mutations_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
