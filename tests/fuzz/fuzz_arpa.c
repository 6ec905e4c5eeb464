/* fuzz_arpa.c - libFuzzer harness for the ARPA language-model loader: any bytes either load into
 * a model that then answers queries and scores a few words, or are refused with a message.
 * Seeds: tests/fuzz/arpa/seeds/; dictionary: tests/fuzz/arpa.dict. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hark/lm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hark_lm *lm = hark_lm_load_arpa_mem((const char *)data, size, "fuzz.arpa");
    if (!lm) {
        /* a refusal always says where */
        if (strncmp(hark_last_error(), "fuzz.arpa", 9) != 0)
            __builtin_trap();
        return 0;
    }
    /* Walk every word once as a sentence, so scoring touches each table the file filled. */
    hark_lm_state st;
    hark_lm_begin(lm, &st);
    int32_t n = (int32_t)hark_lm_vocab_size(lm);
    for (int32_t w = 0; w < n && w < 4096; w++) {
        float p = hark_lm_score(lm, &st, w, &st);
        if (p != p || st.n < 0 || st.n > (hark_lm_order(lm) > 1 ? hark_lm_order(lm) - 1 : 0))
            __builtin_trap();
        const char *s = hark_lm_word(lm, w);
        if (!s || hark_lm_word_id(lm, s) != w)
            __builtin_trap();
    }
    (void)hark_lm_end(lm, &st);
    hark_lm_free(lm);
    return 0;
}
