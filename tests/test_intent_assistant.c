/* test_intent_assistant.c - the default assistant's classifier and slot filling: deterministic
 * training, calibrated probabilities, out-of-scope rejection, slots read through recognition
 * errors and number words, and the load-time failures. Figures on the held-out set are checked
 * by tests/cli/intent_eval.sh and measured by bench/nlu. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static hark_assistant *shared_assistant;

static int setup(void **state)
{
    (void)state;
    shared_assistant = hark_assistant_load(tu_src("models/assistant.ini"), NULL);
    if (!shared_assistant) {
        fprintf(stderr, "cannot load the default assistant: %s\n", hark_last_error());
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hark_assistant_free(shared_assistant);
    return 0;
}

static hark_intent_result understand(const char *text)
{
    hark_intent_result r;
    assert_int_equal(hark_assistant_classify(shared_assistant, text, &r), HARK_OK);
    return r;
}

static void expect(const char *text, const char *intent, const char *slots)
{
    hark_intent_result r = understand(text);
    if (strcmp(r.intent, intent))
        fail_msg("\"%s\" -> %s (%.2f), want %s", text, r.intent, r.confidence, intent);
    char got[512] = "";
    for (int i = 0; i < r.n_slots; i++) {
        size_t len = strlen(got);
        snprintf(got + len, sizeof got - len, "%s%s=%s", i ? "," : "", r.slots[i].name,
                 r.slots[i].text);
    }
    if (strcmp(got, slots))
        fail_msg("\"%s\": slots \"%s\", want \"%s\"", text, got, slots);
}

static void test_understands(void **state)
{
    (void)state;
    expect("what time is it", "GetTime", "");
    expect("What's the date today?", "GetDate", "");
    expect("set a timer for 25 minutes", "SetTimer", "minutes=25");
    expect("set a timer for twenty five minutes", "SetTimer", "minutes=25");
    expect("set a timer for 1 hour and 15 minutes", "SetTimer", "hours=1,minutes=15");
    expect("turn on the kitchen light", "LightsOn", "room=kitchen");
    expect("switch off the lights in the lounge", "LightsOff", "room=living room");
    expect("what is 12 times 3", "Calculate", "a=12,op=times,b=3");
    expect("what's 81 divided by 9?", "Calculate", "a=81,op=divided,b=9");
    expect("turn it up", "VolumeUp", "");
    expect("turn it down", "VolumeDown", "");
    expect("stop", "Stop", "");
    expect("help", "Help", "");
    expect("yes", "Yes", "");
    expect("no", "No", "");
    expect("say that again", "Repeat", "");
    expect("cancel the timer", "CancelTimer", "");
}

static void test_tolerates_recognition_errors(void **state)
{
    (void)state;
    /* Misspelt and dropped words as a recogniser would produce them. */
    expect("turn on the kitchn light", "LightsOn", "room=kitchen");
    expect("turn of the bedrom light", "LightsOff", "room=bedroom");
    expect("set timer for fivteen minutes", "SetTimer", "minutes=15");
    expect("what tme is it", "GetTime", "");
    /* A number outside the template's range is still read as a number. */
    hark_intent_result r = understand("set a timer for 120 minutes");
    assert_string_equal(r.intent, "SetTimer");
    const hark_slot *m = hark_intent_result_slot(&r, "minutes");
    assert_non_null(m);
    assert_true(m->is_number && m->number == 120.0);
}

static void test_rejects_out_of_scope(void **state)
{
    (void)state;
    static const char *const oos[] = {"what is the weather like in paris", "play some music",
                                      "tell me a joke", "call my mother", ""};
    for (size_t i = 0; i < sizeof oos / sizeof oos[0]; i++) {
        hark_intent_result r = understand(oos[i]);
        if (strcmp(r.intent, "none"))
            fail_msg("\"%s\" -> %s (%.2f), want none", oos[i], r.intent, r.confidence);
        assert_int_equal(r.n_slots, 0);
        assert_true(r.confidence >= 0.0f && r.confidence <= 1.0f);
    }
}

static void test_calibration(void **state)
{
    (void)state;
    const hark_intents *f = hark_assistant_intents(shared_assistant);
    size_t K = hark_intents_count(f) + 1;
    float *p = malloc(K * sizeof *p);
    assert_non_null(p);
    assert_int_equal(hark_assistant_probabilities(shared_assistant, "set a timer for 5 minutes", p),
                     HARK_OK);
    double sum = 0;
    for (size_t i = 0; i < K; i++) {
        assert_true(p[i] >= 0.0f && p[i] <= 1.0f);
        sum += p[i];
    }
    assert_true(fabs(sum - 1.0) < 1e-4);
    int timer = hark_intents_find(f, "SetTimer");
    assert_true(p[timer] > 0.9f);
    /* The reported confidence is the probability of the chosen intent. */
    hark_intent_result r = understand("set a timer for 5 minutes");
    assert_true(fabsf(r.confidence - p[timer]) < 1e-6f);
    float T = hark_assistant_temperature(shared_assistant);
    float thr = hark_assistant_threshold(shared_assistant);
    assert_true(T > 0.05f && T < 20.0f);
    assert_true(thr >= 0.3f && thr <= 0.7f);
    assert_true(hark_assistant_train_seconds(shared_assistant) > 0);
    free(p);
}

static void test_deterministic(void **state)
{
    (void)state;
    hark_assistant_params p = hark_assistant_default_params();
    hark_assistant *b = hark_assistant_load(tu_src("models/assistant.ini"), &p);
    assert_non_null(b);
    p.seed = 99;
    hark_assistant *c = hark_assistant_load(tu_src("models/assistant.ini"), &p);
    assert_non_null(c);
    size_t K = hark_intents_count(hark_assistant_intents(b)) + 1;
    float *pa = malloc(K * sizeof *pa), *pb = malloc(K * sizeof *pb), *pc = malloc(K * sizeof *pc);
    assert_true(pa && pb && pc);
    static const char *const texts[] = {"turn on the light", "what is seven plus two",
                                        "the weather in rome", "hmm"};
    int differs = 0;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        hark_assistant_probabilities(shared_assistant, texts[i], pa);
        hark_assistant_probabilities(b, texts[i], pb);
        hark_assistant_probabilities(c, texts[i], pc);
        /* Same seed: bit-identical; another seed: a different (but valid) model. */
        assert_memory_equal(pa, pb, K * sizeof *pa);
        differs |= memcmp(pa, pc, K * sizeof *pa) != 0;
    }
    assert_true(differs);
    free(pa);
    free(pb);
    free(pc);
    hark_assistant_free(b);
    hark_assistant_free(c);
}

static void test_load_failures(void **state)
{
    (void)state;
    assert_null(hark_assistant_load("/nonexistent/assistant.ini", NULL));
    assert_non_null(strstr(hark_last_error(), "/nonexistent/assistant.ini"));
    assert_null(hark_assistant_load_text("[A]\nhello (there\n", "broken.ini", NULL));
    assert_non_null(strstr(hark_last_error(), "broken.ini:2:13:"));
    hark_assistant_params p = hark_assistant_default_params();
    p.none_corpus = "/nonexistent/none.txt";
    assert_null(hark_assistant_load_text("[A]\nhello\n", "a.ini", &p));
    assert_non_null(strstr(hark_last_error(), "/nonexistent/none.txt"));
    hark_intent_result r;
    assert_int_equal(hark_assistant_classify(NULL, "x", &r), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_assistant_classify(shared_assistant, "x", NULL), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_assistant_probabilities(shared_assistant, NULL, NULL),
                     HARK_ERR_INVALID_ARG);
    /* A very long input is out of scope, not an error. */
    char *longtext = malloc(20000);
    assert_non_null(longtext);
    for (int i = 0; i < 19999; i++)
        longtext[i] = i % 5 == 4 ? ' ' : 'a';
    longtext[19999] = '\0';
    assert_int_equal(hark_assistant_classify(shared_assistant, longtext, &r), HARK_OK);
    assert_string_equal(r.intent, "none");
    free(longtext);
}

static void test_huge_file_loads(void **state)
{
    (void)state;
    /* 999^4 sentences in one intent, 2^40 in another: training, slot tables and the vocabulary
     * stay bounded by the caps and the load still works. */
    char text[2048] = "[Sum]\nadd (1..999){a} and (1..999){b} and (1..999){c} and (1..999){d}\n"
                      "[Walk]\n";
    for (int i = 0; i < 40; i++)
        strcat(text, "(left | right) ");
    strcat(text, "\n");
    hark_assistant_params p = hark_assistant_default_params();
    p.per_class = 200;
    p.epochs = 3;
    hark_assistant *a = hark_assistant_load_text(text, "huge.ini", &p);
    if (!a)
        fail_msg("%s", hark_last_error());
    hark_intent_result r;
    assert_int_equal(hark_assistant_classify(a, "add 12 and 500 and 7 and 999", &r), HARK_OK);
    assert_string_equal(r.intent, "Sum");
    assert_int_equal(r.n_slots, 4);
    assert_true(hark_intent_result_slot(&r, "b")->number == 500.0);
    assert_true(hark_intent_result_slot(&r, "d")->number == 999.0);
    assert_int_equal(hark_assistant_classify(a, "left right left left right right left", &r),
                     HARK_OK);
    assert_string_equal(r.intent, "Walk");
    hark_assistant_free(a);
}

static void test_extra_none_corpus(void **state)
{
    (void)state;
    if (!tu_have_shared())
        skip();
    /* LJSpeech text as extra out-of-scope sentences (as CI has it). */
    hark_assistant_params p = hark_assistant_default_params();
    p.none_corpus = tu_shared("data/ljspeech/metadata.csv");
    hark_assistant *a = hark_assistant_load(tu_src("models/assistant.ini"), &p);
    if (!a)
        fail_msg("%s", hark_last_error());
    hark_intent_result r;
    assert_int_equal(hark_assistant_classify(a, "switch on the bedroom lights", &r), HARK_OK);
    assert_string_equal(r.intent, "LightsOn");
    assert_int_equal(hark_assistant_classify(a, "the prisoner was taken before the magistrate", &r),
                     HARK_OK);
    assert_string_equal(r.intent, "none");
    hark_assistant_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_understands),
        cmocka_unit_test(test_tolerates_recognition_errors),
        cmocka_unit_test(test_rejects_out_of_scope),
        cmocka_unit_test(test_calibration),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_load_failures),
        cmocka_unit_test(test_huge_file_loads),
        cmocka_unit_test(test_extra_none_corpus),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
