/* grammar.c - the intent file compiled into a word graph (hark/grammar.h) without expanding its
 * sentences: each template node becomes a piece of graph between two given nodes, so the graph
 * grows with the file (lists and rules are compiled in place at each use), not with the number
 * of sentences. Tags become SLOT_OPEN/SLOT_CLOSE arcs, substitutions and number ranges
 * VALUE_OPEN/VALUE_CLOSE arcs, and each intent starts with an INTENT arc, so the best path of a
 * decode carries the intent and its slot values exactly as the sentence walker computes them. */
#include <stdio.h>
#include <string.h>

#include "hark/grammar.h"
#include "hark/nlu.h"
#include "nlu/nlu_internal.h"

typedef struct compiler {
    const hark_intents *f;
    hark_grammar *g;
    int depth;
} compiler;

/* Lists nest at most this deep (the parser refuses cycles; this bounds the recursion). */
#define MAX_DEPTH 200

static int32_t intern(compiler *c, const char *s)
{
    int32_t id = hark_grammar_intern(c->g, s, strlen(s));
    if (id < 0)
        hark_error(HARK_ERR_NOMEM, "%s: out of memory compiling the grammar", c->f->path);
    return id;
}

static int32_t new_node(compiler *c) { return hark_grammar_add_node(c->g); }

static hark_status arc(compiler *c, int32_t from, int32_t to, hark_grammar_arc_kind kind,
                       const char *label)
{
    int32_t id = -1;
    if (label && (id = intern(c, label)) < 0)
        return HARK_ERR_NOMEM;
    return hark_grammar_add_arc(c->g, from, to, kind, id);
}

static hark_status compile_node(compiler *c, const tnode *t, int32_t from, int32_t to);

/* The words of a number, one word arc each, from `from` to `to`, inside a value span. */
static hark_status compile_number(compiler *c, long v, int32_t from, int32_t to)
{
    char words[128], digits[24];
    hark_nlu_number_to_words(v, words, sizeof words);
    snprintf(digits, sizeof digits, "%ld", v);
    int32_t at = new_node(c);
    if (at < 0)
        return HARK_ERR_INVALID_ARG;
    hark_status st = arc(c, from, at, HARK_GRAMMAR_VALUE_OPEN, digits);
    const char *p = words, *w;
    size_t n;
    while (!st && (w = nlu_next_word(&p, &n))) {
        char word[64];
        snprintf(word, sizeof word, "%.*s", (int)n, w);
        int32_t next = new_node(c);
        st = next < 0 ? HARK_ERR_INVALID_ARG : arc(c, at, next, HARK_GRAMMAR_WORD, word);
        at = next;
    }
    return st ? st : arc(c, at, to, HARK_GRAMMAR_VALUE_CLOSE, NULL);
}

static hark_status compile_range(compiler *c, const tnode *t, int32_t from, int32_t to)
{
    if (t->count > HARK_GRAMMAR_MAX_RANGE)
        return hark_error(HARK_ERR_INVALID_ARG, "%s:%d:%d: the number range (%ld..%ld) has %llu "
                          "values; a grammar takes at most %d", c->f->path, t->line, t->col,
                          t->lo, t->hi, (unsigned long long)t->count, HARK_GRAMMAR_MAX_RANGE);
    for (long v = t->lo; v <= t->hi; v += t->step) {
        hark_status st = compile_number(c, v, from, to);
        if (st)
            return st;
    }
    return HARK_OK;
}

static hark_status compile_seq(compiler *c, const tnode *t, int32_t from, int32_t to)
{
    if (t->n_kids == 0)
        return arc(c, from, to, HARK_GRAMMAR_EPSILON, NULL);
    int32_t at = from;
    for (int i = 0; i < t->n_kids; i++) {
        int32_t next = i + 1 == t->n_kids ? to : new_node(c);
        if (next < 0)
            return HARK_ERR_INVALID_ARG;
        hark_status st = compile_node(c, t->kids[i], at, next);
        if (st)
            return st;
        at = next;
    }
    return HARK_OK;
}

/* The node's own words between `from` and `to` (tags and substitutions are done by the caller). */
static hark_status compile_body(compiler *c, const tnode *t, int32_t from, int32_t to)
{
    switch (t->kind) {
    case T_WORD: return arc(c, from, to, HARK_GRAMMAR_WORD, t->word);
    case T_SEQ: return compile_seq(c, t, from, to);
    case T_ALT:
        for (int i = 0; i < t->n_kids; i++) {
            hark_status st = compile_node(c, t->kids[i], from, to);
            if (st)
                return st;
        }
        return HARK_OK;
    case T_RANGE: return compile_range(c, t, from, to);
    case T_LIST: {
        if (t->list < 0 || t->list >= c->f->n_lists || !c->f->lists[t->list].root)
            return hark_error(HARK_ERR_FORMAT, "%s:%d:%d: unknown list or rule", c->f->path,
                              t->line, t->col);
        if (++c->depth > MAX_DEPTH)
            return hark_error(HARK_ERR_FORMAT, "%s:%d:%d: lists nested more than %d deep",
                              c->f->path, t->line, t->col, MAX_DEPTH);
        hark_status st = compile_node(c, c->f->lists[t->list].root, from, to);
        c->depth--;
        return st;
    }
    }
    return hark_error(HARK_ERR_FORMAT, "%s:%d:%d: unknown template node", c->f->path, t->line,
                      t->col);
}

/* A node with its tag around a substitution around its body, as the walker nests them. */
static hark_status compile_node(compiler *c, const tnode *t, int32_t from, int32_t to)
{
    hark_status st = HARK_OK;
    int32_t a = from, b = to;
    if (t->tag) {
        if ((a = new_node(c)) < 0 || (b = new_node(c)) < 0)
            return HARK_ERR_INVALID_ARG;
        if ((st = arc(c, from, a, HARK_GRAMMAR_SLOT_OPEN, t->tag)) ||
            (st = arc(c, b, to, HARK_GRAMMAR_SLOT_CLOSE, t->tag)))
            return st;
    }
    if (t->subst) {
        int32_t a2 = new_node(c), b2 = new_node(c);
        if (a2 < 0 || b2 < 0)
            return HARK_ERR_INVALID_ARG;
        if ((st = arc(c, a, a2, HARK_GRAMMAR_VALUE_OPEN, t->subst)) ||
            (st = arc(c, b2, b, HARK_GRAMMAR_VALUE_CLOSE, NULL)))
            return st;
        a = a2;
        b = b2;
    }
    return compile_body(c, t, a, b);
}

hark_grammar *hark_grammar_from_intents(const hark_intents *f)
{
    if (!f || f->n_intents <= 0) {
        hark_error(HARK_ERR_INVALID_ARG, "grammar: no intents to compile");
        return NULL;
    }
    compiler c = {f, hark_grammar_create(), 0};
    if (!c.g)
        return NULL;
    int32_t fin = new_node(&c);
    hark_status st = fin < 0 ? HARK_ERR_INVALID_ARG : hark_grammar_set_final(c.g, fin);
    for (int i = 0; !st && i < f->n_intents; i++) {
        int32_t start = new_node(&c);
        if (start < 0)
            st = HARK_ERR_INVALID_ARG;
        else if (!(st = arc(&c, 0, start, HARK_GRAMMAR_INTENT, f->intents[i].name)))
            st = compile_node(&c, f->intents[i].root, start, fin);
    }
    if (!st)
        st = hark_grammar_finish(c.g);
    if (st) {
        hark_grammar_free(c.g);
        return NULL;
    }
    return c.g;
}
