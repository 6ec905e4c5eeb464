/* decode_internal.h - what the files of the beam-search decoder share (not public): the lexicon's
 * contents and the unit trie compiled from it (lexicon.c), used by decode_beam.c; the word prior
 * of a phone model's lexicon loop (word_prior.c). */
#ifndef HARK_DECODE_INTERNAL_H
#define HARK_DECODE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/util.h"
#include "hark/decode.h"

/* One unit sequence of a lexicon word. */
typedef struct lex_entry {
    int32_t word;   /* index into the lexicon's words */
    size_t offset;  /* into the lexicon's unit array */
    int32_t n;
} lex_entry;

struct hark_lexicon {
    char **words; /* distinct words, in the order first added */
    size_t n_words, cap_words;
    int32_t *slots; /* open-addressing hash of word -> index + 1 (0 = empty), cap_slots a power of 2 */
    size_t cap_slots;
    lex_entry *entries;
    size_t n_entries, cap_entries;
    int32_t *units;
    size_t n_units, cap_units;
};

/* The index of `word` in the lexicon, or -1. */
int32_t lexicon_find(const hark_lexicon *lx, const char *word);
/* The index of `word`, adding it (with no sequence yet) when absent; -1 when out of memory. */
int32_t lexicon_intern(hark_lexicon *lx, const char *word);

/* A prefix trie over unit sequences, flattened: node 0 is the root; a node's children are
 * contiguous (first_child .. first_child + n_children - 1) and sorted by unit; the words whose
 * sequence ends at a node are words[word_first .. word_first + n_words - 1]. */
typedef struct trie_node {
    int32_t unit;
    int32_t first_child, n_children;
    int32_t word_first, n_words;
} trie_node;

typedef struct unit_trie {
    trie_node *nodes;
    size_t n_nodes;
    int32_t *words; /* lexicon word indices */
    size_t n_word_refs;
} unit_trie;

/* Compile every entry of the lexicon into a trie (duplicate sequences of one word collapse). */
hark_status unit_trie_build(const hark_lexicon *lx, unit_trie *out);
void unit_trie_free(unit_trie *t);
/* The child of node with this unit, or -1. */
int32_t unit_trie_child(const unit_trie *t, int32_t node, int32_t unit);

/* The unigram prior of a phone model's free lexicon loop, from its HARK_WORD_COUNTS_META (vocab:
 * the lexicon's size). *out NULL when the model has no counts; HARK_ERR_FORMAT when they are
 * malformed. */
typedef struct word_prior word_prior;
hark_status word_prior_from_model(const hark_model *m, size_t vocab, word_prior **out);
void word_prior_free(word_prior *wp);
/* The scorer view (valid while wp lives): log10 P(word), no context, no end-of-sentence term. */
hark_word_scorer word_prior_scorer(const word_prior *wp);

#endif
