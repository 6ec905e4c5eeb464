/* decode_lm.c - the beam search's view of an ARPA language model (hark/lm.h): a word scorer over
 * it, and the lexicon of its words that a character model can spell. */
#include <string.h>

#include "model/decode_beam_internal.h"

static int32_t lm_word_id(const void *ctx, const char *word)
{
    return hark_lm_has_word(ctx, word) ? hark_lm_word_id(ctx, word) : -1;
}

static void lm_begin(const void *ctx, hark_lm_state *s) { hark_lm_begin(ctx, s); }

static float lm_score(const void *ctx, const hark_lm_state *in, int32_t word, hark_lm_state *out)
{
    return hark_lm_score(ctx, in, word, out);
}

static float lm_end(const void *ctx, const hark_lm_state *in) { return hark_lm_end(ctx, in); }

hark_word_scorer hark_word_scorer_lm(const hark_lm *lm)
{
    hark_word_scorer s = {lm, lm_word_id, lm_begin, lm_score, lm_end, hark_lm_unk_id(lm)};
    return s;
}

hark_lexicon *lexicon_from_lm(const hark_lm *lm, const hark_units *u)
{
    hark_lexicon *lx = hark_lexicon_create();
    size_t n = hark_lm_vocab_size(lm);
    for (size_t i = 0; lx && i < n; i++) {
        const char *w = hark_lm_word(lm, (int32_t)i);
        if (!w || (int32_t)i == hark_lm_unk_id(lm) || !strcmp(w, "<s>") || !strcmp(w, "</s>"))
            continue;
        hark_status st = hark_lexicon_add_word(lx, u, w);
        if (st == HARK_ERR_INVALID_ARG || st == HARK_ERR_UNSUPPORTED)
            continue; /* a word the model cannot spell or pronounce can never be recognised */
        if (st != HARK_OK) {
            hark_lexicon_free(lx);
            return NULL;
        }
    }
    hark_clear_error();
    return lx;
}
