/* grammar_decoder.c - the grammar decoder object (hark/grammar.h): the word graph expanded once
 * to the CTC topology of each word's units, which decode_grammar.c searches.
 *
 * Expanded graph: a word arc of L units becomes 2L-1 emitting states u0 b0 u1 b1 .. u(L-1)
 * (b = optional blank; u(i) -> u(i+1) directly when the units differ), laid out contiguously so
 * successors need no lists. The start node and each node a word enters own a blank state and,
 * when the alphabet has a space, a space state, both looping back to the node. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hark/decode.h"
#include "hark/grammar.h"
#include "core/util.h"
#include "model/grammar_internal.h"
#include "model/model_internal.h"

hark_grammar_params hark_grammar_default_params(void)
{
    return (hark_grammar_params){.beam = 16.0f, .max_active = 800, .reject = NAN,
                                 .min_confidence = NAN, .blank_skip = 0.95f,
                                 .uncovered_weight = NAN};
}

void hark_grammar_decoder_free(hark_grammar_decoder *d)
{
    if (!d)
        return;
    free(d->alphabet);
    free(d->lab);
    free(d->flags);
    free(d->aux);
    free(d->entry_first);
    free(d->entries);
    hark_decoder_free(d->heard);
    free(d);
}

size_t hark_grammar_decoder_states(const hark_grammar_decoder *d) { return d ? (size_t)d->n_states : 0; }
float hark_grammar_decoder_reject(const hark_grammar_decoder *d) { return d ? d->p.reject : NAN; }
size_t hark_grammar_decoder_approximate(const hark_grammar_decoder *d) { return d ? d->approx : 0; }

/* ---- expansion ---- */

/* Which nodes own blank and space loop states: the start and every node a word arc enters (plus
 * the final node). A node reached only along epsilon-type arcs needs none: its tokens come
 * through the closure of a node that has them, at every frame. */
static unsigned char *home_nodes(const hark_grammar *g)
{
    unsigned char *h = calloc((size_t)g->n_nodes, 1);
    if (!h)
        return NULL;
    h[0] = 1;
    h[g->final] = 1;
    for (size_t a = 0; a < g->n_arcs; a++)
        if (g->arcs[a].kind == HARK_GRAMMAR_WORD)
            h[g->arcs[a].to] = 1;
    return h;
}

/* The unit of code point cp in the alphabet (i + 1 for its i-th code point), or 0. */
static int unit_of(const char *alphabet, int32_t cp)
{
    const char *s = alphabet;
    for (int i = 1; *s; i++)
        if (hark_utf8_next(&s) == cp)
            return i;
    return 0;
}

/* Append the units of `word` to *units; characters the alphabet lacks are left out (a model
 * without 'q' hears "quarter" as "uarter" at best) and counted in *approx. */
static hark_status spell_one(const char *alphabet, const char *word, int **units, size_t *total,
                             size_t *cap, size_t *approx)
{
    size_t before = *total;
    int skipped = 0;
    for (const char *p = word; *p;) {
        int u = unit_of(alphabet, hark_utf8_next(&p));
        if (!u) {
            skipped = 1;
            continue;
        }
        if (util_grow(units, cap, *total + 1, sizeof **units, 1024))
            return hark_error(HARK_ERR_NOMEM, "grammar decoder: out of memory");
        (*units)[(*total)++] = u;
    }
    if (*total == before)
        return hark_error(HARK_ERR_INVALID_ARG, "grammar: the model's alphabet cannot spell '%s'",
                          word);
    *approx += (size_t)skipped;
    return HARK_OK;
}

/* Append a phone model's units of `word`: its pronunciation (hark_units_encode), exactly. */
static hark_status pronounce_one(const hark_units *u, const char *word, int **units, size_t *total,
                                 size_t *cap)
{
    int n = 0;
    hark_status st = hark_units_encode(u, word, NULL, 0, &n);
    if (st == HARK_OK && n == 0)
        st = hark_error(HARK_ERR_INVALID_ARG, "grammar: '%s' has no pronunciation", word);
    if (st == HARK_OK && util_grow(units, cap, *total + (size_t)n, sizeof **units, 1024))
        st = hark_error(HARK_ERR_NOMEM, "grammar decoder: out of memory");
    if (st == HARK_OK)
        st = hark_units_encode(u, word, *units + *total, n, &n);
    if (st == HARK_OK)
        *total += (size_t)n;
    return st;
}

/* Units of every word, spelled (or pronounced) once per distinct word: *units holds them back
 * to back, word id w at [off[w], off[w+1]) (empty for strings that are not words). */
static hark_status spell_words(hark_grammar_decoder *d, const hark_units *u, int **units,
                               int32_t **off)
{
    const hark_grammar *g = d->g;
    *off = calloc((size_t)g->n_strings + 1, sizeof **off);
    unsigned char *is_word = calloc((size_t)g->n_strings + 1, 1);
    *units = NULL;
    if (!*off || !is_word) {
        free(is_word);
        return hark_error(HARK_ERR_NOMEM, "grammar decoder: out of memory");
    }
    for (size_t a = 0; a < g->n_arcs; a++)
        if (g->arcs[a].kind == HARK_GRAMMAR_WORD)
            is_word[g->arcs[a].label] = 1;
    size_t total = 0, cap = 0;
    hark_status st = HARK_OK;
    for (int32_t w = 0; w < g->n_strings && !st; w++) {
        (*off)[w] = (int32_t)total;
        if (is_word[w] && hark_units_kind(u) == HARK_UNITS_PHONES)
            st = pronounce_one(u, hark_grammar_string(g, w), units, &total, &cap);
        else if (is_word[w])
            st = spell_one(hark_units_alphabet(u), hark_grammar_string(g, w), units, &total, &cap,
                           &d->approx);
    }
    (*off)[g->n_strings] = (int32_t)total;
    free(is_word);
    return st;
}

static int find_space(const char *alphabet)
{
    const char *s = alphabet;
    for (int i = 1; *s; i++)
        if (hark_utf8_next(&s) == ' ')
            return i;
    return -1;
}

static hark_status build_states(hark_grammar_decoder *d, const int *units, const int32_t *off,
                                int space, int32_t **home)
{
    const hark_grammar *g = d->g;
    size_t n = 0;
    for (size_t a = 0; a < g->n_arcs; a++)
        if (g->arcs[a].kind == HARK_GRAMMAR_WORD)
            n += 2 * (size_t)(off[g->arcs[a].label + 1] - off[g->arcs[a].label]) - 1;
    *home = malloc((size_t)g->n_nodes * sizeof **home);
    unsigned char *has_home = home_nodes(g);
    if (!*home || !has_home) {
        free(has_home);
        return hark_error(HARK_ERR_NOMEM, "grammar decoder: out of memory");
    }
    for (int32_t v = 0; v < g->n_nodes; v++) {
        (*home)[v] = -1;
        if (has_home[v]) {
            (*home)[v] = (int32_t)n;
            n += space > 0 ? 2 : 1;
        }
    }
    free(has_home);
    if (n > INT32_MAX / 2)
        return hark_error(HARK_ERR_INVALID_ARG, "grammar: too large to decode");
    d->n_states = (int32_t)n;
    d->lab = malloc(n * sizeof *d->lab);
    d->flags = calloc(n, 1);
    d->aux = malloc(n * sizeof *d->aux);
    if (!d->lab || !d->flags || !d->aux)
        return hark_error(HARK_ERR_NOMEM, "grammar decoder: out of memory");
    int32_t s = 0;
    for (size_t a = 0; a < g->n_arcs; a++) {
        if (g->arcs[a].kind != HARK_GRAMMAR_WORD)
            continue;
        const int *u = units + off[g->arcs[a].label];
        int L = off[g->arcs[a].label + 1] - off[g->arcs[a].label];
        for (int k = 0; k < 2 * L - 1; k++, s++) {
            d->aux[s] = -1;
            if (k % 2) {
                d->lab[s] = 0;
                d->flags[s] = F_NEXT;
                continue;
            }
            d->lab[s] = u[k / 2];
            if (k + 1 < 2 * L - 1)
                d->flags[s] = F_NEXT | (u[k / 2] != u[k / 2 + 1] ? F_SKIP : 0);
        }
        d->flags[s - 1] |= F_END;
        d->aux[s - 1] = (int32_t)a;
    }
    for (int32_t v = 0; v < g->n_nodes; v++) {
        for (int k = 0; (*home)[v] >= 0 && k < (space > 0 ? 2 : 1); k++, s++) {
            d->lab[s] = k ? space : 0;
            d->flags[s] = F_HOME;
            d->aux[s] = v;
        }
    }
    return HARK_OK;
}

/* entries[n]: node n's loop states, then the first state of each word leaving it. */
static hark_status build_entries(hark_grammar_decoder *d, const int32_t *home, const int32_t *off,
                                 int space)
{
    const hark_grammar *g = d->g;
    d->entry_first = calloc((size_t)g->n_nodes + 1, sizeof *d->entry_first);
    size_t n_entries = 0;
    for (int32_t v = 0; v < g->n_nodes; v++)
        for (int32_t a = g->first[v]; a < g->first[v + 1]; a++)
            n_entries += g->arcs[a].kind == HARK_GRAMMAR_WORD;
    n_entries += (size_t)g->n_nodes * 2;
    d->entries = malloc(n_entries * sizeof *d->entries);
    if (!d->entry_first || !d->entries)
        return hark_error(HARK_ERR_NOMEM, "grammar decoder: out of memory");
    int32_t e = 0, s = 0;
    int32_t *word_start = malloc((g->n_arcs + 1) * sizeof *word_start);
    if (!word_start)
        return hark_error(HARK_ERR_NOMEM, "grammar decoder: out of memory");
    for (size_t a = 0; a < g->n_arcs; a++) {
        word_start[a] = s;
        if (g->arcs[a].kind == HARK_GRAMMAR_WORD)
            s += 2 * (off[g->arcs[a].label + 1] - off[g->arcs[a].label]) - 1;
    }
    for (int32_t v = 0; v < g->n_nodes; v++) {
        d->entry_first[v] = e;
        for (int k = 0; home[v] >= 0 && k < (space > 0 ? 2 : 1); k++)
            d->entries[e++] = home[v] + k;
        for (int32_t a = g->first[v]; a < g->first[v + 1]; a++)
            if (g->arcs[a].kind == HARK_GRAMMAR_WORD)
                d->entries[e++] = word_start[a];
    }
    d->entry_first[g->n_nodes] = e;
    free(word_start);
    return HARK_OK;
}

static hark_grammar_decoder *grammar_decoder_create_units(const hark_grammar *g,
                                                          const hark_units *u,
                                                          const hark_grammar_params *p);

hark_grammar_decoder *hark_grammar_decoder_create(const hark_grammar *g, const char *alphabet,
                                                  const hark_grammar_params *p)
{
    if (!alphabet) {
        hark_error(HARK_ERR_INVALID_ARG, "grammar decoder: NULL argument");
        return NULL;
    }
    hark_units *u = hark_units_create(HARK_UNITS_CHARS, alphabet);
    hark_grammar_decoder *d = u ? grammar_decoder_create_units(g, u, p) : NULL;
    hark_units_free(u);
    return d;
}

/* The decoder with the words spelled (character models) or pronounced (phone models) by u. */
static hark_grammar_decoder *grammar_decoder_create_units(const hark_grammar *g,
                                                          const hark_units *u,
                                                          const hark_grammar_params *p)
{
    if (!g || !g->finished) {
        hark_error(HARK_ERR_INVALID_ARG, "grammar decoder: %s", !g ? "NULL argument"
                                                                   : "grammar not finished");
        return NULL;
    }
    const char *alphabet = hark_units_alphabet(u);
    int n_alpha = hark_alphabet_size(alphabet);
    hark_grammar_params prm = p ? *p : hark_grammar_default_params();
    if (n_alpha < 1 || !(prm.beam > 0) || prm.max_active < 1) {
        hark_error(HARK_ERR_INVALID_ARG, "grammar decoder: %s",
                   n_alpha < 1 ? "bad alphabet" : "beam and max_active must be positive");
        return NULL;
    }
    if (isnan(prm.reject))
        prm.reject = HARK_GRAMMAR_DEFAULT_REJECT;
    if (isnan(prm.min_confidence))
        prm.min_confidence = 0;
    if (isnan(prm.uncovered_weight))
        prm.uncovered_weight = 0;
    if (!(prm.uncovered_weight >= 0)) {
        hark_error(HARK_ERR_INVALID_ARG, "grammar decoder: uncovered_weight %g must be >= 0",
                   (double)prm.uncovered_weight);
        return NULL;
    }
    hark_grammar_decoder *d = calloc(1, sizeof *d);
    int *units = NULL;
    int32_t *off = NULL, *home = NULL;
    if (!d) {
        hark_error(HARK_ERR_NOMEM, "grammar decoder: out of memory");
        return NULL;
    }
    d->g = g;
    d->V = n_alpha + 1;
    d->p = prm;
    int space = d->space = find_space(alphabet);
    d->alphabet = strdup(alphabet);
    hark_status st = d->alphabet ? spell_words(d, u, &units, &off)
                                 : hark_error(HARK_ERR_NOMEM, "grammar decoder: out of memory");
    if (!st)
        st = build_states(d, units, off, space, &home);
    if (!st)
        st = build_entries(d, home, off, space);
    free(units);
    free(off);
    free(home);
    if (st) {
        hark_grammar_decoder_free(d);
        return NULL;
    }
    return d;
}

/* A decoder whose unset parameters (NAN) are the model's calibrated ones, with a word decoder that
 * shows rejected speech as words when the model has a lexicon. */
hark_grammar_decoder *hark_grammar_decoder_create_for_model(const hark_grammar *g,
                                                            const hark_model *m,
                                                            const hark_grammar_params *p)
{
    if (!m) {
        hark_error(HARK_ERR_INVALID_ARG, "grammar decoder: NULL model");
        return NULL;
    }
    hark_grammar_params prm = p ? *p : hark_grammar_default_params();
    if (isnan(prm.reject))
        prm.reject = (float)hark_model_get_meta_number(m, HARK_GRAMMAR_REJECT_META);
    if (isnan(prm.min_confidence))
        prm.min_confidence = (float)hark_model_get_meta_number(m, HARK_GRAMMAR_NOISE_META);
    if (isnan(prm.uncovered_weight))
        prm.uncovered_weight = (float)hark_model_get_meta_number(m, HARK_GRAMMAR_UNCOVERED_META);
    const hark_units *u = hark_model_units(m);
    hark_grammar_decoder *d = grammar_decoder_create_units(g, u, &prm);
    if (d && hark_units_kind(u) == HARK_UNITS_PHONES && hark_units_lexicon_size(u) > 0) {
        /* Rejected speech shown as words, not phones (the default beam: it only runs on
         * rejection). */
        hark_decode_params bp = hark_decode_default_params();
        if (!(d->heard = hark_decoder_create_for_model(m, NULL, &bp))) {
            hark_grammar_decoder_free(d);
            return NULL;
        }
    }
    return d;
}
