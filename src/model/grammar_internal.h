/* grammar_internal.h - the grammar graph's representation, shared by grammar_graph.c (building,
 * indexing) and decode_grammar.c (expanding to units, decoding); not part of the public API. */
#ifndef HARK_GRAMMAR_INTERNAL_H
#define HARK_GRAMMAR_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

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

#endif
