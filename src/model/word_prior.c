/* word_prior.c - the word prior of a phone model's free loop over its lexicon: a unigram of the
 * training transcripts (the model's HARK_WORD_COUNTS_META), add-one smoothed over the lexicon,
 * seen by the beam search as a word scorer. Without it the loop cannot tell homophones apart
 * ("no" / "know", "right" / "write": one pronunciation, so one acoustic score) and gives a rare
 * word the same chance as a common one. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "model/decode_internal.h"

struct word_prior {
    char **words; /* counted words, sorted */
    float *logp;  /* [n + 1] log10 P(word); logp[n]: a lexicon word never counted */
    size_t n;
};

void word_prior_free(word_prior *wp)
{
    if (!wp)
        return;
    for (size_t i = 0; i < wp->n; i++)
        free(wp->words[i]);
    free(wp->words);
    free(wp->logp);
    free(wp);
}

typedef struct counted {
    char *word;
    double count;
} counted;

static int cmp_counted(const void *a, const void *b)
{
    return strcmp(((const counted *)a)->word, ((const counted *)b)->word);
}

/* The prior from the counts object: P(w) = (c(w) + 1) / (N + V), V the larger of the lexicon's
 * size and the number of counted words. */
static hark_status prior_from_json(const cJSON *o, size_t vocab, word_prior *wp)
{
    size_t n = (size_t)cJSON_GetArraySize(o);
    counted *c = calloc(n ? n : 1, sizeof *c);
    wp->words = calloc(n ? n : 1, sizeof *wp->words);
    wp->logp = malloc((n + 1) * sizeof *wp->logp);
    if (!c || !wp->words || !wp->logp) {
        free(c);
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    }
    double total = 0;
    size_t k = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, o)
    {
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || !isfinite(v->valuedouble)) {
            free(c);
            return hark_error(HARK_ERR_FORMAT, "metadata '%s': the count of \"%s\" is not a "
                              "number >= 0", HARK_WORD_COUNTS_META, v->string);
        }
        c[k].word = v->string;
        c[k++].count = v->valuedouble;
        total += v->valuedouble;
    }
    qsort(c, n, sizeof *c, cmp_counted);
    double denom = total + (double)(vocab > n ? vocab : n);
    hark_status st = HARK_OK;
    for (size_t i = 0; i < n && st == HARK_OK; i++) {
        if (!(wp->words[i] = strdup(c[i].word)))
            st = hark_error(HARK_ERR_NOMEM, "out of memory");
        else
            wp->n++;
        wp->logp[i] = (float)log10((c[i].count + 1) / denom);
    }
    wp->logp[n] = (float)log10(1 / denom);
    free(c);
    return st;
}

hark_status word_prior_from_model(const hark_model *m, size_t vocab, word_prior **out)
{
    *out = NULL;
    const char *js = hark_model_get_meta(m, HARK_WORD_COUNTS_META);
    if (!js)
        return HARK_OK;
    cJSON *o = cJSON_Parse(js);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return hark_error(HARK_ERR_FORMAT, "metadata '%s' is not a JSON object",
                          HARK_WORD_COUNTS_META);
    }
    word_prior *wp = calloc(1, sizeof *wp);
    hark_status st = wp ? prior_from_json(o, vocab, wp)
                        : hark_error(HARK_ERR_NOMEM, "out of memory");
    cJSON_Delete(o);
    if (st != HARK_OK) {
        word_prior_free(wp);
        return st;
    }
    *out = wp;
    return HARK_OK;
}

/* ---- the scorer view: no context, so the state never changes ---- */

static int cmp_word(const void *key, const void *elem)
{
    return strcmp((const char *)key, *(char *const *)elem);
}

static int32_t prior_word_id(const void *ctx, const char *word)
{
    const word_prior *wp = ctx;
    char *const *hit = bsearch(word, wp->words, wp->n, sizeof *wp->words, cmp_word);
    return hit ? (int32_t)(hit - wp->words) : (int32_t)wp->n;
}

static void prior_begin(const void *ctx, hark_lm_state *s)
{
    (void)ctx;
    memset(s, 0, sizeof *s);
}

static float prior_score(const void *ctx, const hark_lm_state *in, int32_t word,
                         hark_lm_state *out)
{
    const word_prior *wp = ctx;
    *out = *in;
    return wp->logp[word];
}

static float prior_end(const void *ctx, const hark_lm_state *in)
{
    (void)ctx;
    (void)in;
    return 0;
}

hark_word_scorer word_prior_scorer(const word_prior *wp)
{
    return (hark_word_scorer){.ctx = wp,
                              .word_id = prior_word_id,
                              .begin = prior_begin,
                              .score = prior_score,
                              .end = prior_end,
                              .unk_id = (int32_t)wp->n};
}
