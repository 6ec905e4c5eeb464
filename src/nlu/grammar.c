/* grammar.c - the intent file compiled into a word graph (hark/grammar.h) without expanding its
 * sentences: each template node becomes a piece of graph between two given nodes, so the graph
 * grows with the file (lists and rules are compiled in place at each use), not with the number
 * of sentences. Tags become SLOT_OPEN/SLOT_CLOSE arcs, substitutions and number ranges
 * VALUE_OPEN/VALUE_CLOSE arcs (ranges as a prefix tree of their number words, the value on each
 * leaf's close), and each intent starts with an INTENT arc, so the best path of a
 * decode carries the intent and its slot values exactly as the sentence walker computes them. */
#include <stdio.h>
#include <stdlib.h>
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

/* A number range as a prefix tree of its spoken words (values sharing "twenty" share its arc),
 * inside a value span whose close carries each value's digits. Trie children are found by a
 * linear scan of siblings: a number word has at most a few dozen followers. */
typedef struct range_trie {
    int32_t *node, *first, *next, *word; /* per trie entry: graph node, first child, sibling */
    size_t n, cap;
} range_trie;

/* A new trie entry for graph node v reached by `word` (-1 for the root); its index or -1. */
static int32_t trie_add(range_trie *t, int32_t v, int32_t word)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        int32_t *arr[4] = {t->node, t->first, t->next, t->word};
        for (int i = 0; i < 4; i++) {
            int32_t *grown = realloc(arr[i], cap * sizeof *grown);
            if (!grown)
                return -1;
            arr[i] = grown;
        }
        t->node = arr[0], t->first = arr[1], t->next = arr[2], t->word = arr[3];
        t->cap = cap;
    }
    t->node[t->n] = v;
    t->first[t->n] = -1;
    t->next[t->n] = -1;
    t->word[t->n] = word;
    return (int32_t)t->n++;
}

static int32_t trie_child(compiler *c, range_trie *t, int32_t parent, int32_t word)
{
    for (int32_t k = t->first[parent]; k >= 0; k = t->next[k])
        if (t->word[k] == word)
            return k;
    int32_t v = new_node(c), k;
    if (v < 0 || hark_grammar_add_arc(c->g, t->node[parent], v, HARK_GRAMMAR_WORD, word) ||
        (k = trie_add(t, v, word)) < 0)
        return -1;
    t->next[k] = t->first[parent];
    t->first[parent] = k;
    return k;
}

/* One spoken form of a number: its words down the trie, then the close with its digits. */
static hark_status compile_number_words(compiler *c, range_trie *t, const char *words,
                                        const char *digits, int32_t to)
{
    int32_t at = 0;
    const char *p = words, *w;
    size_t n;
    while ((w = nlu_next_word(&p, &n))) {
        int32_t id = hark_grammar_intern(c->g, w, n);
        if (id < 0 || (at = trie_child(c, t, at, id)) < 0)
            return hark_error(HARK_ERR_NOMEM, "%s: out of memory compiling the grammar",
                              c->f->path);
    }
    return arc(c, t->node[at], to, HARK_GRAMMAR_VALUE_CLOSE, digits);
}

/* A number as people say it: the normal form ("one hundred five"), and from 100 on with "and"
 * before the last two digits' words ("one hundred and five", "two thousand and ten"), 1100-9999
 * in pairs ("nineteen ninety") and "a" for a leading "one" ("a hundred and five", "a thousand"). */
static hark_status compile_number(compiler *c, range_trie *t, long v, int32_t to)
{
    enum { FORM = 192 };
    char forms[5][FORM], tail[64], digits[24];
    hark_nlu_number_to_words(v, forms[0], 128); /* room left for the inserted "and " */
    snprintf(digits, sizeof digits, "%ld", v);
    int n = 1;
    if (v >= 100 && v % 100) {
        hark_nlu_number_to_words(v % 100, tail, sizeof tail);
        size_t bl = strlen(forms[0]), tl = strlen(tail);
        if (bl > tl + 1 && !strcmp(forms[0] + bl - tl, tail) && forms[0][bl - tl - 1] == ' ') {
            memcpy(forms[n], forms[0], bl - tl);
            memcpy(forms[n] + bl - tl, "and ", 4);
            memcpy(forms[n] + bl - tl + 4, tail, tl + 1);
            n++;
        }
    }
    if (v >= 1100 && v <= 9999 && (v % 100 || (v / 100) % 10)) {
        /* In pairs, as years and round amounts are read: "nineteen ninety", "twenty oh five",
         * "twenty five hundred" (not "twenty hundred"). */
        char hi[32], lo[64] = "oh ";
        hark_nlu_number_to_words(v / 100, hi, sizeof hi);
        if (v % 100 == 0)
            snprintf(lo, sizeof lo, "hundred");
        else if (v % 100 < 10)
            hark_nlu_number_to_words(v % 10, lo + 3, sizeof lo - 3);
        else
            hark_nlu_number_to_words(v % 100, lo, sizeof lo);
        snprintf(forms[n++], FORM, "%s %s", hi, lo);
    }
    for (int i = 0, m = n; i < m && v >= 100; i++)
        if (!strncmp(forms[i], "one hundred", 11) || !strncmp(forms[i], "one thousand", 12) ||
            !strncmp(forms[i], "one million", 11)) {
            forms[n][0] = 'a';
            memcpy(forms[n] + 1, forms[i] + 3, strlen(forms[i] + 3) + 1);
            n++;
        }
    hark_status st = HARK_OK;
    for (int i = 0; i < n && !st; i++)
        st = compile_number_words(c, t, forms[i], digits, to);
    return st;
}

static hark_status compile_range(compiler *c, const tnode *t, int32_t from, int32_t to)
{
    if (t->count > HARK_GRAMMAR_MAX_RANGE)
        return hark_error(HARK_ERR_INVALID_ARG, "%s:%d:%d: the number range (%ld..%ld) has %llu "
                          "values; a grammar takes at most %d", c->f->path, t->line, t->col,
                          t->lo, t->hi, (unsigned long long)t->count, HARK_GRAMMAR_MAX_RANGE);
    range_trie trie = {0};
    int32_t root = new_node(c);
    hark_status st = root < 0 ? HARK_ERR_INVALID_ARG
                              : arc(c, from, root, HARK_GRAMMAR_VALUE_OPEN, NULL);
    if (!st && trie_add(&trie, root, -1) < 0)
        st = hark_error(HARK_ERR_NOMEM, "%s: out of memory compiling the grammar", c->f->path);
    for (long v = t->lo; !st && v <= t->hi; v += t->step)
        st = compile_number(c, &trie, v, to);
    free(trie.node);
    free(trie.first);
    free(trie.next);
    free(trie.word);
    return st;
}

/* Two words people often say as one (the template wrote "what is", the speaker says "what's"):
 * the contraction is offered beside them, as a written contraction offers its normal form. */
static const char *const contracted[][3] = {
    {"what", "is", "what's"},    {"it", "is", "it's"},         {"that", "is", "that's"},
    {"there", "is", "there's"},  {"here", "is", "here's"},     {"how", "is", "how's"},
    {"where", "is", "where's"},  {"who", "is", "who's"},       {"he", "is", "he's"},
    {"she", "is", "she's"},      {"i", "am", "i'm"},           {"let", "us", "let's"},
    {"can", "not", "can't"},     {"will", "not", "won't"},     {"do", "not", "don't"},
    {"does", "not", "doesn't"},  {"did", "not", "didn't"},     {"is", "not", "isn't"},
    {"are", "not", "aren't"},    {"was", "not", "wasn't"},     {"should", "not", "shouldn't"},
    {"could", "not", "couldn't"}, {"would", "not", "wouldn't"}, {"have", "not", "haven't"},
    {"i", "will", "i'll"},       {"you", "will", "you'll"},    {"we", "will", "we'll"},
    {"i", "would", "i'd"},       {"i", "have", "i've"},        {"you", "are", "you're"},
    {"we", "are", "we're"},      {"they", "are", "they're"},
};

/* A plain word of a sequence: no tag, no substitution, not itself a written contraction. */
static int plain_word(const tnode *t)
{
    return t->kind == T_WORD && !t->tag && !t->subst && !t->said;
}

/* The contraction of words a b, or NULL. */
static const char *contraction_of(const char *a, const char *b)
{
    for (size_t i = 0; i < sizeof contracted / sizeof contracted[0]; i++)
        if (!strcmp(a, contracted[i][0]) && !strcmp(b, contracted[i][1]))
            return contracted[i][2];
    return NULL;
}

/* The contraction as one word inside a value span whose value is the two words (`norm`). */
static hark_status said_arc(compiler *c, int32_t from, int32_t to, const char *said,
                            const char *norm)
{
    int32_t a = new_node(c), b = new_node(c);
    if (a < 0 || b < 0)
        return HARK_ERR_INVALID_ARG;
    hark_status st = arc(c, from, a, HARK_GRAMMAR_VALUE_OPEN, NULL);
    if (!st)
        st = arc(c, a, b, HARK_GRAMMAR_WORD, said);
    return st ? st : arc(c, b, to, HARK_GRAMMAR_VALUE_CLOSE, norm);
}

static hark_status compile_seq(compiler *c, const tnode *t, int32_t from, int32_t to)
{
    if (t->n_kids == 0)
        return arc(c, from, to, HARK_GRAMMAR_EPSILON, NULL);
    int32_t at = from;
    for (int i = 0; i < t->n_kids; i++) {
        const tnode *k = t->kids[i], *k2 = i + 1 < t->n_kids ? t->kids[i + 1] : NULL;
        const char *said = k2 && plain_word(k) && plain_word(k2) ? contraction_of(k->word, k2->word)
                                                                 : NULL;
        int last = i + (said ? 1 : 0) + 1 == t->n_kids;
        int32_t next = last ? to : new_node(c);
        if (next < 0)
            return HARK_ERR_INVALID_ARG;
        hark_status st;
        if (said) {
            char norm[128];
            snprintf(norm, sizeof norm, "%s %s", k->word, k2->word);
            int32_t mid = new_node(c);
            if (mid < 0)
                return HARK_ERR_INVALID_ARG;
            if ((st = compile_node(c, k, at, mid)) || (st = compile_node(c, k2, mid, next)) ||
                (st = said_arc(c, at, next, said, norm)))
                return st;
            i++;
        } else if ((st = compile_node(c, k, at, next))) {
            return st;
        }
        at = next;
    }
    return HARK_OK;
}

/* A word written with an apostrophe, also as it is said: one word arc for the written form
 * ("it's", "today's"), inside a value span whose value is the normal form ("it is", "today"),
 * so slots hold what the sentence walker gives them while the transcript shows what was said. */
static hark_status compile_said(compiler *c, const tnode *t, int32_t from, int32_t to)
{
    char norm[512];
    size_t len = 0;
    const int n = t->kind == T_WORD ? 1 : t->n_kids;
    for (int i = 0; i < n; i++) {
        const tnode *w = t->kind == T_WORD ? t : t->kids[i];
        size_t l = w->kind == T_WORD ? strlen(w->word) : 0;
        if (!l || len + l + 2 > sizeof norm)
            return HARK_OK; /* not plain words (never, as parsed): the normal form alone */
        if (len)
            norm[len++] = ' ';
        memcpy(norm + len, w->word, l);
        len += l;
    }
    norm[len] = '\0';
    return said_arc(c, from, to, t->said, norm);
}

/* The node's own words between `from` and `to` (tags and substitutions are done by the caller). */
static hark_status compile_body(compiler *c, const tnode *t, int32_t from, int32_t to)
{
    if (t->said && (t->kind == T_WORD || t->kind == T_SEQ)) {
        hark_status st = compile_said(c, t, from, to);
        if (st)
            return st;
    }
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
        if ((st = arc(c, a, a2, HARK_GRAMMAR_VALUE_OPEN, NULL)) ||
            (st = arc(c, b2, b, HARK_GRAMMAR_VALUE_CLOSE, t->subst)))
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
