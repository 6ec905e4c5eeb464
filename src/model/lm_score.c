/* lm_score.c - querying a loaded n-gram model: the vocabulary, and back-off scoring with
 * per-hypothesis states. Everything here reads the model only, so threads may share it.
 *
 * Back-off (Katz's form, which every ARPA model uses): log10 P(w | h) is the listed probability
 * of (h w) when the file lists it, else bo(h) + log10 P(w | h without its oldest word), with
 * bo(h) = 0 for a context the file does not list. */
#include "model/lm_internal.h"

#include <string.h>

int hark_lm_order(const hark_lm *lm) { return lm ? lm->order : 0; }

size_t hark_lm_vocab_size(const hark_lm *lm) { return lm ? lm->vocab.n : 0; }

size_t hark_lm_ngram_count(const hark_lm *lm, int k)
{
    if (!lm || k < 1 || k > lm->order)
        return 0;
    return k == 1 ? lm->vocab.n : lm->tab[k].n;
}

int32_t hark_lm_unk_id(const hark_lm *lm) { return lm ? lm->unk : -1; }

int32_t hark_lm_word_id(const hark_lm *lm, const char *word)
{
    if (!lm)
        return -1;
    if (!word)
        return lm->unk;
    int32_t id = lm_vocab_find(&lm->vocab, word, strlen(word));
    return id < 0 ? lm->unk : id;
}

int hark_lm_has_word(const hark_lm *lm, const char *word)
{
    if (!lm || !word)
        return 0;
    int32_t id = lm_vocab_find(&lm->vocab, word, strlen(word));
    return id >= 0 && id != lm->unk;
}

const char *hark_lm_word(const hark_lm *lm, int32_t id)
{
    if (!lm || id < 0 || (size_t)id >= lm->vocab.n)
        return NULL;
    return lm_vocab_word(&lm->vocab, id);
}

void hark_lm_begin(const hark_lm *lm, hark_lm_state *s)
{
    memset(s, 0, sizeof *s);
    if (lm && lm->order > 1) {
        s->words[0] = lm->bos;
        s->n = 1;
    }
}

/* The entry of the k-gram ids[0..k-1], or NULL when the model does not list it. */
static inline const lm_entry *find(const hark_lm *lm, const int32_t *ids, int k)
{
    return k == 1 ? &lm->uni[ids[0]] : lm_table_find(&lm->tab[k], ids);
}

float hark_lm_score(const hark_lm *lm, const hark_lm_state *in, int32_t word, hark_lm_state *out)
{
    if (word < 0 || (size_t)word >= lm->vocab.n)
        word = lm->unk;
    /* seq = the usable context followed by the word, oldest first. */
    int have = in->n < 0 ? 0 : in->n > HARK_LM_MAX_ORDER - 1 ? HARK_LM_MAX_ORDER - 1 : in->n;
    int n = have < lm->order - 1 ? have : lm->order - 1;
    int32_t seq[HARK_LM_MAX_ORDER];
    for (int i = 0; i < n; i++) {
        int32_t w = in->words[have - n + i];
        seq[i] = w < 0 || (size_t)w >= lm->vocab.n ? lm->unk : w;
    }
    seq[n] = word;

    /* Longest listed (suffix of the context, word) first; each miss adds that context's bo. */
    float backoff = 0;
    int m = n; /* context words in use */
    const lm_entry *hit;
    while (!(hit = find(lm, seq + n - m, m + 1))) {
        const lm_entry *ctx = find(lm, seq + n - m, m);
        if (ctx)
            backoff += ctx->bo;
        m--;
    }
    float score = backoff + hit->prob;

    /* The state after: the longest suffix of seq that the model lists below its top order, so
     * it can still serve as a context. A hit below the top order is that suffix already (every
     * longer suffix missed). */
    int keep = m + 1;
    if (keep == lm->order) {
        keep = lm->order - 1;
        while (keep > 0 && !find(lm, seq + n + 1 - keep, keep))
            keep--;
    }
    if (out) {
        out->n = keep;
        memcpy(out->words, seq + n + 1 - keep, (size_t)keep * sizeof *seq);
    }
    return score;
}

float hark_lm_end(const hark_lm *lm, const hark_lm_state *in)
{
    return hark_lm_score(lm, in, lm->eos, NULL);
}
