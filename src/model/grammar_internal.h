/* grammar_internal.h - the grammar graph's representation, shared by grammar_graph.c (building,
 * indexing), grammar_decoder.c (expanding it to units) and decode_grammar.c (decoding), and the
 * expanded decoder the last two share; not part of the public API. */
#ifndef HARK_GRAMMAR_INTERNAL_H
#define HARK_GRAMMAR_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "hark/decode.h"
#include "hark/grammar.h"

struct hark_grammar {
    int32_t n_nodes;
    int32_t final;
    hark_grammar_arc *arcs; /* sorted by `from` once finished */
    size_t n_arcs, arcs_cap;
    int32_t *first; /* finished: arcs of node n are [first[n], first[n+1]) */
    int32_t *topo;  /* finished: rank of each node in a topological order of epsilon-type arcs */
    int finished;
    /* interned strings */
    char *pool;
    size_t pool_len, pool_cap;
    size_t *str_off;
    size_t str_cap;
    int32_t n_strings;
    int32_t *table;
    size_t table_cap;
};

/* Emitting-state flags of the expanded graph. */
enum { F_NEXT = 1, F_SKIP = 2, F_END = 4, F_HOME = 8 };

struct hark_grammar_decoder {
    const hark_grammar *g;
    int V;
    int space; /* the alphabet's space unit, or -1 */
    size_t approx; /* words spelled without a character the alphabet lacks */
    char *alphabet;
    hark_grammar_params p;
    int32_t n_states;
    int32_t *lab;    /* unit of each emitting state (0 = blank) */
    uint8_t *flags;
    int32_t *aux;    /* F_END: the word arc; F_HOME: the node; else -1 */
    int32_t *entry_first, *entries; /* states a token at node n may enter: CSR by node */
    hark_decoder *heard; /* phone models: the words of rejected speech (a beam search over the
                          * model's lexicon); NULL: greedy decoding's text */
};

#endif
