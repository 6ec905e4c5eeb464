/* decode_setup.c - building a beam-search decoder: parameter defaults and checks, the lexicon the
 * search follows (given, from the LM's vocabulary, or none for free spelling) compiled into a
 * trie, the scorer's word ids, and the hotword trie with its per-unit bonuses. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/decode_beam_internal.h"
#include "model/model_internal.h"

hark_decode_params hark_decode_default_params(void)
{
    hark_decode_params p;
    memset(&p, 0, sizeof p);
    p.beam = 16;
    p.prune_top_k = 12;
    p.prune_logprob = -12.0f;
    p.lm_weight = 0.5f;
    p.word_bonus = 1.0f;
    p.word_separator = -1;
    p.nbest = 1;
    p.calibration = (hark_calibration){1.0f, 0.0f};
    return p;
}

static hark_status check_params(const hark_decode_params *p, int V)
{
    if (p->beam < 1 || p->beam > 4096)
        return hark_error(HARK_ERR_INVALID_ARG, "beam width %d is not in 1..4096", p->beam);
    if (p->prune_top_k < 0)
        return hark_error(HARK_ERR_INVALID_ARG, "pruning top-k %d is negative", p->prune_top_k);
    if (isnan(p->prune_logprob) || p->prune_logprob > 0)
        return hark_error(HARK_ERR_INVALID_ARG, "pruning threshold %g is not a log probability",
                          (double)p->prune_logprob);
    if (!isfinite(p->lm_weight) || p->lm_weight < 0 || p->lm_weight > 100)
        return hark_error(HARK_ERR_INVALID_ARG, "LM weight %g is not in 0..100",
                          (double)p->lm_weight);
    if (!isfinite(p->word_bonus) || fabsf(p->word_bonus) > 100)
        return hark_error(HARK_ERR_INVALID_ARG, "word bonus %g is not in -100..100",
                          (double)p->word_bonus);
    if (p->word_separator < -1 || p->word_separator >= V)
        return hark_error(HARK_ERR_INVALID_ARG, "word separator unit %d is not in -1..%d",
                          p->word_separator, V - 1);
    if (p->nbest < 1 || p->nbest > p->beam)
        return hark_error(HARK_ERR_INVALID_ARG, "n-best count %d is not in 1..beam (%d)", p->nbest,
                          p->beam);
    if (p->lm && p->scorer)
        return hark_error(HARK_ERR_INVALID_ARG, "give either an LM or a word scorer, not both");
    if (p->scorer && (!p->scorer->word_id || !p->scorer->begin || !p->scorer->score
                      || !p->scorer->end))
        return hark_error(HARK_ERR_INVALID_ARG, "the word scorer lacks a callback");
    if (!isfinite(p->calibration.a) || !isfinite(p->calibration.b))
        return hark_error(HARK_ERR_INVALID_ARG, "calibration parameters are not finite");
    if (p->n_hotwords && !p->hotwords)
        return hark_error(HARK_ERR_INVALID_ARG, "%zu hotwords but no array", p->n_hotwords);
    for (size_t i = 0; i < p->n_hotwords; i++) {
        const hark_hotword *h = &p->hotwords[i];
        if (!h->phrase || !*h->phrase || !(h->boost > 0 && h->boost <= 100))
            return hark_error(HARK_ERR_INVALID_ARG, "hotword %zu (\"%s\") is empty or its boost "
                              "%g is not in (0, 100]", i + 1, h->phrase ? h->phrase : "",
                              (double)h->boost);
    }
    return HARK_OK;
}

void hark_decoder_free(hark_decoder *d)
{
    if (!d)
        return;
    free(d->cps);
    hark_lexicon_free(d->lex);
    unit_trie_free(&d->trie);
    unit_trie_free(&d->hw);
    free(d->word_sid);
    free(d->hw_bonus);
    word_prior_free(d->prior);
    free(d);
}

int hark_decoder_units(const hark_decoder *d) { return d ? d->V : 0; }

/* A copy of src (may be NULL: empty). */
static hark_lexicon *lexicon_copy(const hark_lexicon *src)
{
    hark_lexicon *lx = hark_lexicon_create();
    for (size_t i = 0; lx && src && i < src->n_entries; i++) {
        const lex_entry *e = &src->entries[i];
        if (hark_lexicon_add(lx, src->words[e->word], src->units + e->offset, e->n) != HARK_OK) {
            hark_lexicon_free(lx);
            return NULL;
        }
    }
    return lx;
}

/* The units of one word: its first lexicon sequence, else its spelling or pronunciation. */
static hark_status word_units(const hark_decoder *d, const hark_units *u, const char *word,
                              int *buf, int cap, int *n)
{
    int32_t w = lexicon_find(d->lex, word);
    for (size_t i = 0; w >= 0 && i < d->lex->n_entries; i++) {
        const lex_entry *e = &d->lex->entries[i];
        if (e->word != w)
            continue;
        *n = e->n;
        for (int k = 0; k < e->n && k < cap; k++)
            buf[k] = d->lex->units[e->offset + (size_t)k];
        return HARK_OK;
    }
    if (!d->sep && d->use_lexicon)
        return hark_error(HARK_ERR_INVALID_ARG, "hotword word \"%s\" is not in the lexicon", word);
    return hark_units_encode(u, word, buf, cap, n);
}

/* Hotword words the lexicon lacks are added with their spelling or pronunciation. */
static hark_status add_hotword_words(hark_decoder *d, const hark_units *u)
{
    for (size_t i = 0; i < d->p.n_hotwords; i++) {
        char word[256];
        const char *s = d->p.hotwords[i].phrase;
        while (*s) {
            size_t len = strcspn(s, " ");
            if (len >= sizeof word)
                return hark_error(HARK_ERR_INVALID_ARG, "hotword \"%s\": a word is too long",
                                  d->p.hotwords[i].phrase);
            memcpy(word, s, len);
            word[len] = '\0';
            s += len + (s[len] == ' ');
            if (len == 0)
                return hark_error(HARK_ERR_INVALID_ARG, "hotword \"%s\" has an empty word",
                                  d->p.hotwords[i].phrase);
            if (lexicon_find(d->lex, word) >= 0)
                continue;
            if (!d->sep)
                return hark_error(HARK_ERR_INVALID_ARG,
                                  "hotword word \"%s\" is not in the lexicon", word);
            hark_status st = hark_lexicon_add_word(d->lex, u, word);
            if (st != HARK_OK)
                return st;
        }
    }
    return HARK_OK;
}

/* One phrase as units: its words' units joined by the separator (if the model has one). */
static hark_status phrase_units(const hark_decoder *d, const hark_units *u, const char *phrase,
                                int *buf, int cap, int *n)
{
    *n = 0;
    const char *s = phrase;
    while (*s) {
        size_t len = strcspn(s, " ");
        char word[256];
        if (len == 0 || len >= sizeof word)
            return hark_error(HARK_ERR_INVALID_ARG, "hotword \"%s\" has an empty or too long word",
                              phrase);
        memcpy(word, s, len);
        word[len] = '\0';
        s += len + (s[len] == ' ');
        if (*n > 0 && d->sep && *n < cap)
            buf[(*n)++] = d->sep;
        int k = 0;
        hark_status st = word_units(d, u, word, buf + *n, cap - *n, &k);
        if (st != HARK_OK)
            return st;
        if (*n + k > cap)
            return hark_error(HARK_ERR_INVALID_ARG, "hotword \"%s\" is too long", phrase);
        *n += k;
    }
    return HARK_OK;
}

/* The hotword trie: each phrase a path; the bonus for reaching a node is the largest
 * boost / length among the phrases through it, so a complete phrase earns about its boost. */
static hark_status build_hotwords(hark_decoder *d, const hark_units *u)
{
    hark_lexicon *hl = hark_lexicon_create();
    int buf[512];
    hark_status st = hl ? HARK_OK : HARK_ERR_NOMEM;
    for (size_t i = 0; st == HARK_OK && i < d->p.n_hotwords; i++) {
        int n = 0;
        char name[32];
        snprintf(name, sizeof name, "%zu", i);
        st = phrase_units(d, u, d->p.hotwords[i].phrase, buf, 512, &n);
        if (st == HARK_OK)
            st = hark_lexicon_add(hl, name, buf, n);
    }
    if (st == HARK_OK)
        st = unit_trie_build(hl, &d->hw);
    if (st == HARK_OK && !(d->hw_bonus = calloc(d->hw.n_nodes, sizeof *d->hw_bonus)))
        st = hark_error(HARK_ERR_NOMEM, "out of memory");
    for (size_t e = 0; st == HARK_OK && e < hl->n_entries; e++) {
        const lex_entry *en = &hl->entries[e];
        float per = d->p.hotwords[en->word].boost / (float)en->n;
        int32_t node = 0;
        for (int32_t k = 0; k < en->n; k++) {
            node = unit_trie_child(&d->hw, node, hl->units[en->offset + (size_t)k]);
            if (per > d->hw_bonus[node])
                d->hw_bonus[node] = per;
        }
    }
    hark_lexicon_free(hl);
    return st;
}

/* Scorer ids for every lexicon word. */
static hark_status map_words(hark_decoder *d)
{
    d->word_sid = malloc((d->lex->n_words ? d->lex->n_words : 1) * sizeof *d->word_sid);
    if (!d->word_sid)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    for (size_t w = 0; w < d->lex->n_words; w++) {
        int32_t id = d->has_scorer ? d->scorer.word_id(d->scorer.ctx, d->lex->words[w]) : (int32_t)w;
        d->word_sid[w] = id >= 0 ? id : d->scorer.unk_id;
    }
    return HARK_OK;
}

static hark_status setup_lexicon(hark_decoder *d, const hark_units *u, const hark_lexicon *lexicon,
                                 const hark_decode_params *p)
{
    if (!lexicon && p->scorer)
        return hark_error(HARK_ERR_INVALID_ARG, "a word scorer needs a lexicon");
    d->use_lexicon = lexicon || p->lm;
    if (!d->use_lexicon)
        return HARK_OK;
    d->lex = lexicon ? lexicon_copy(lexicon) : lexicon_from_lm(p->lm, u);
    if (!d->lex)
        return HARK_ERR_NOMEM;
    hark_status st = add_hotword_words(d, u);
    if (st == HARK_OK && d->lex->n_entries == 0)
        st = hark_error(HARK_ERR_INVALID_ARG, "the lexicon has no words the model can spell");
    if (st == HARK_OK)
        st = unit_trie_build(d->lex, &d->trie);
    for (size_t i = 0; st == HARK_OK && i < d->lex->n_units; i++)
        if (d->lex->units[i] >= d->V || d->lex->units[i] == d->sep)
            st = hark_error(HARK_ERR_INVALID_ARG,
                            "the lexicon uses unit %d, not a letter of this %d-unit model",
                            d->lex->units[i], d->V);
    if (st == HARK_OK)
        st = map_words(d);
    return st;
}

hark_decoder *hark_decoder_create(const char *alphabet, const hark_lexicon *lexicon,
                                  const hark_decode_params *params)
{
    hark_units *u = alphabet ? hark_units_create(HARK_UNITS_CHARS, alphabet) : NULL;
    hark_decoder *d = u ? hark_decoder_create_units(u, lexicon, params) : NULL;
    if (!alphabet)
        hark_error(HARK_ERR_INVALID_ARG, "hark_decoder_create: no alphabet");
    hark_units_free(u);
    return d;
}

hark_decoder *hark_decoder_create_units(const hark_units *u, const hark_lexicon *lexicon,
                                        const hark_decode_params *params)
{
    if (!u) {
        hark_error(HARK_ERR_INVALID_ARG, "hark_decoder_create_units: NULL units");
        return NULL;
    }
    const char *alphabet = hark_units_alphabet(u);
    int na = hark_alphabet_size(alphabet);
    if (!params || na < 1) {
        hark_error(HARK_ERR_INVALID_ARG, "hark_decoder_create: no parameters or a bad alphabet");
        return NULL;
    }
    if (check_params(params, na + 1) != HARK_OK)
        return NULL;
    hark_decoder *d = calloc(1, sizeof *d);
    if (!d || !(d->cps = malloc((size_t)na * sizeof *d->cps))) {
        hark_error(HARK_ERR_NOMEM, "out of memory");
        hark_decoder_free(d);
        return NULL;
    }
    d->V = na + 1;
    d->p = *params;
    d->lex_words = hark_units_kind(u) == HARK_UNITS_PHONES;
    const char *s = alphabet;
    for (int i = 0; i < na; i++) {
        d->cps[i] = hark_utf8_next(&s);
        if (d->p.word_separator == -1 && d->cps[i] == ' ' && d->sep == 0)
            d->sep = i + 1;
    }
    if (d->p.word_separator >= 0)
        d->sep = d->p.word_separator;
    if (d->p.prune_top_k > d->V - 1)
        d->p.prune_top_k = 0;
    if (d->p.lm)
        d->scorer = hark_word_scorer_lm(d->p.lm);
    else if (d->p.scorer)
        d->scorer = *d->p.scorer;
    d->has_scorer = d->p.lm || d->p.scorer;
    if (!d->has_scorer)
        d->p.word_bonus = 0;
    hark_status st = setup_lexicon(d, u, lexicon, params);
    d->p.lm = NULL;
    d->p.scorer = NULL;
    if (st == HARK_OK)
        st = build_hotwords(d, u);
    d->p.hotwords = NULL;
    d->p.n_hotwords = 0;
    if (st != HARK_OK) {
        if (st == HARK_ERR_NOMEM)
            hark_error(HARK_ERR_NOMEM, "out of memory");
        hark_decoder_free(d);
        return NULL;
    }
    return d;
}

/* The search for model m; with stored_calibration its "calibration" metadata replaces
 * params->calibration. A phone model's own lexicon loop is weighted by its word prior. */
static hark_decoder *decoder_for_model(const hark_model *m, const hark_lexicon *lexicon,
                                       const hark_decode_params *params, int stored_calibration)
{
    if (!m || !params) {
        hark_error(HARK_ERR_INVALID_ARG, "hark_decoder_create_for_model: NULL argument");
        return NULL;
    }
    hark_decode_params p = *params;
    const char *cal = stored_calibration ? hark_model_get_meta(m, "calibration") : NULL;
    if (cal && hark_calibration_parse(cal, &p.calibration) != HARK_OK)
        return NULL;
    hark_lexicon *own = NULL;
    if (!lexicon && hark_decoder_model_lexicon(m, &p, &own) != HARK_OK)
        return NULL;
    word_prior *wp = NULL;
    hark_word_scorer prior;
    if (own && word_prior_from_model(m, hark_lexicon_size(own), &wp) != HARK_OK) {
        hark_lexicon_free(own);
        return NULL;
    }
    if (wp) {
        prior = word_prior_scorer(wp);
        p.scorer = &prior;
    }
    hark_decoder *d = hark_decoder_create_units(hark_model_units(m), lexicon ? lexicon : own, &p);
    hark_lexicon_free(own);
    if (d)
        d->prior = wp;
    else
        word_prior_free(wp);
    return d;
}

hark_decoder *hark_decoder_create_for_model(const hark_model *m, const hark_lexicon *lexicon,
                                            const hark_decode_params *params)
{
    return decoder_for_model(m, lexicon, params, 1);
}

hark_decoder *hark_decoder_create_for_model_raw(const hark_model *m, const hark_lexicon *lexicon,
                                                const hark_decode_params *params)
{
    return decoder_for_model(m, lexicon, params, 0);
}

/* A phone model without an LM decodes words: a free loop over its stored lexicon. */
hark_status hark_decoder_model_lexicon(const hark_model *m, const hark_decode_params *params,
                                       hark_lexicon **out)
{
    if (!m || !params || !out)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_decoder_model_lexicon: NULL argument");
    *out = NULL;
    const hark_units *u = hark_model_units(m);
    if (params->lm || params->scorer || hark_units_kind(u) != HARK_UNITS_PHONES ||
        hark_units_lexicon_size(u) == 0)
        return HARK_OK;
    return (*out = hark_lexicon_from_units(u)) ? HARK_OK : HARK_ERR_NOMEM;
}
