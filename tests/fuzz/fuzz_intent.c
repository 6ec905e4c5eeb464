/* fuzz_intent.c - the intent template file (src/nlu/template.c): parse the bytes as an intent
 * file; when they parse, expand and sample every intent and build the slot tables, which walk
 * every template and list. Every refusal must say why. */
#include "fuzz_util.h"
#include "nlu/nlu_internal.h"

static int on_sentence(size_t intent, const char *text, const hark_slot *slots, int n_slots,
                       void *user)
{
    (void)intent;
    (void)slots;
    FUZZ_CHECK(text && strlen(text) < NLU_TEXT_MAX);
    FUZZ_CHECK(n_slots >= 0 && n_slots <= HARK_NLU_MAX_SLOTS);
    ++*(size_t *)user;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    hark_clear_error();
    hark_intents *f = hark_intents_parse(text, "fuzz.ini");
    free(text);
    if (!f) {
        FUZZ_CHECK_REFUSAL();
        return 0;
    }
    size_t n = hark_intents_count(f);
    FUZZ_CHECK(n >= 1 && n <= NLU_MAX_INTENTS);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(hark_intents_sentence_count(f, i) >= 1);
        size_t seen = 0;
        /* A sentence may be too long to expand (an error, with a message); never a crash. */
        if (hark_intents_expand(f, i, 16, on_sentence, &seen) != HARK_OK)
            FUZZ_CHECK_REFUSAL();
        uint64_t rng = 1 + i;
        char sentence[NLU_TEXT_MAX];
        hark_slot slots[HARK_NLU_MAX_SLOTS];
        int n_slots;
        for (int k = 0; k < 4; k++)
            if (hark_intents_sample(f, i, &rng, sentence, sizeof sentence, slots, &n_slots))
                FUZZ_CHECK_REFUSAL();
    }
    nlu_slotter *s = nlu_slotter_build(f);
    if (s) {
        hark_slot out[HARK_NLU_MAX_SLOTS];
        FUZZ_CHECK(nlu_slotter_fill(s, 0, "turn on the kitchen light", out) <= HARK_NLU_MAX_SLOTS);
        nlu_slotter_free(s);
    } else {
        FUZZ_CHECK_REFUSAL();
    }
    hark_intents_free(f);
    return 0;
}
