/* hark/grammar.h - speech grammars: a word graph that says which sentences may be heard and what
 * they mean, and a decoder that reads an utterance's intent and slots straight off the best path
 * through it (speech to intent by decoding), with rejection of speech the grammar does not cover.
 *
 * The graph (src/model/grammar_graph.c): nodes joined by arcs. A word arc consumes one word; the
 * other arcs consume nothing and carry an output tag:
 *   INTENT      a sentence of the intent named by the label starts
 *   SLOT_OPEN   slot `label` starts; the words said until the matching SLOT_CLOSE are its value
 *   SLOT_CLOSE
 *   VALUE_OPEN  the words until the matching VALUE_CLOSE are said but are not part of slot values
 *   VALUE_CLOSE ends it; its label's text (if any) goes into the slot value instead (substitutions
 *               "lounge:(living room)", numbers "25": closing at the end lets number words share
 *               a prefix tree, "twenty" once for twenty..twenty nine)
 *   EPSILON     no output (joins, optional words)
 * Labels of word and tag arcs are ids of interned strings (hark_grammar_intern). Epsilon-type arcs
 * must not form a cycle; word arcs may (a loop of digits). Building is done by the intent-file
 * compiler (hark_grammar_from_intents, src/nlu/grammar.c) or by hark_grammar_from_phrases, never
 * by expanding sentences: the graph grows with the file, not with the sentences it describes.
 *
 * The decoder (src/model/grammar_decoder.c, decode_grammar.c): Viterbi token passing over the
 * CTC outputs through the graph expanded to units: each word becomes the CTC topology of its
 * units (units with self-loops and optional blanks between them: its spelling in a character
 * model's alphabet, its pronunciation for a phone model, hark/model.h "Units"), and each graph
 * node with words leaving it gets a blank state and, when the alphabet has a space, an optional
 * space state. Only graph paths are followed. Rejection compares the best grammar path's log
 * probability with the best unconstrained CTC path (the per-frame argmax, a free loop over the
 * units) per speech frame (frames whose argmax is not blank): when the gap exceeds the threshold
 * the intent is "none".
 * Audio whose best unconstrained path is empty (silence), or is heard with a confidence below
 * the noise floor (min_confidence), gives no intent at all.
 *
 * A finished grammar and a hark_grammar_decoder are read-only and can be shared by threads. */
#ifndef HARK_GRAMMAR_H
#define HARK_GRAMMAR_H

#include <stddef.h>
#include <stdint.h>

#include "hark/core.h"
#include "hark/model.h"
#include "hark/nlu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The word graph ------------------------------------------------------------------------- */

typedef enum hark_grammar_arc_kind {
    HARK_GRAMMAR_WORD = 0,
    HARK_GRAMMAR_EPSILON,
    HARK_GRAMMAR_INTENT,
    HARK_GRAMMAR_SLOT_OPEN,
    HARK_GRAMMAR_SLOT_CLOSE,
    HARK_GRAMMAR_VALUE_OPEN,
    HARK_GRAMMAR_VALUE_CLOSE
} hark_grammar_arc_kind;

typedef struct hark_grammar_arc {
    int32_t from, to;
    int32_t kind;  /* hark_grammar_arc_kind */
    int32_t label; /* string id (words, intent and slot names, values); -1 for EPSILON,
                    * VALUE_OPEN and a VALUE_CLOSE without a value */
} hark_grammar_arc;

typedef struct hark_grammar hark_grammar;

/* An empty graph with a start node (0) and no final node yet. NULL on allocation failure. */
hark_grammar *hark_grammar_create(void);
void hark_grammar_free(hark_grammar *g);
/* A new node's id, or -1 (out of memory, or more than the size limit: see the error). */
int32_t hark_grammar_add_node(hark_grammar *g);
/* The id of `s` (n bytes), interned: equal strings get equal ids. -1 when out of memory. */
int32_t hark_grammar_intern(hark_grammar *g, const char *s, size_t n);
/* The string of an id, or NULL. */
const char *hark_grammar_string(const hark_grammar *g, int32_t id);
/* Add an arc. HARK_ERR_INVALID_ARG for unknown nodes or labels, a word that is empty or holds a
 * space, or a graph past the size limit (HARK_GRAMMAR_MAX_ARCS). */
hark_status hark_grammar_add_arc(hark_grammar *g, int32_t from, int32_t to,
                                 hark_grammar_arc_kind kind, int32_t label);
hark_status hark_grammar_set_final(hark_grammar *g, int32_t node);
/* Check and index the graph for decoding: a final node reachable from the start, no epsilon-type
 * cycle. After this the graph is read-only (adding fails). */
hark_status hark_grammar_finish(hark_grammar *g);

#define HARK_GRAMMAR_MAX_ARCS 16000000

size_t hark_grammar_nodes(const hark_grammar *g);
size_t hark_grammar_arcs(const hark_grammar *g);
const hark_grammar_arc *hark_grammar_arc_at(const hark_grammar *g, size_t i);
/* Word arcs only, and the number of distinct words. */
size_t hark_grammar_word_arcs(const hark_grammar *g);
size_t hark_grammar_words(const hark_grammar *g);

/* A graph of whole phrases (words separated by spaces; "" = silence), sharing common prefixes;
 * no intents or slots. NULL with a message for n = 0. */
hark_grammar *hark_grammar_from_phrases(const char *const *phrases, size_t n);

/* ---- Compiling an intent file (src/nlu/grammar.c) ------------------------------------------- */

/* The graph of every sentence of every intent of a parsed intent file, with its tags: one INTENT
 * arc per intent from the start, slots from {tags}, VALUE arcs from substitutions and number
 * ranges (spoken as words, valued as digits). Lists and rules are compiled in place at each use.
 * Number ranges of more than HARK_GRAMMAR_MAX_RANGE values are refused. Finished. NULL with a
 * message (naming the file and line) on failure. */
hark_grammar *hark_grammar_from_intents(const hark_intents *f);

#define HARK_GRAMMAR_MAX_RANGE 100000

/* ---- Decoding under a grammar (src/model/grammar_decoder.c, decode_grammar.c) ------------- */

/* Rejection threshold used when neither the parameters nor the model set one: the mean
 * per-speech-frame log-probability gap fitted on held-out data (see docs/grammar.md). */
#define HARK_GRAMMAR_DEFAULT_REJECT 0.5f
/* Model metadata keys holding a model's own calibrated thresholds (numbers as text). */
#define HARK_GRAMMAR_REJECT_META "grammar_reject"
#define HARK_GRAMMAR_NOISE_META "grammar_min_confidence"
#define HARK_GRAMMAR_UNCOVERED_META "grammar_uncovered_weight"

typedef struct hark_grammar_params {
    float beam;          /* log-probability beam below the best token per frame (default 16) */
    int max_active;      /* emitting states kept per frame (default 800) */
    float reject;        /* threshold on the rejection score (the per-speech-frame gap plus
                          * uncovered_weight x the uncovered share); < 0: never reject; NAN:
                          * the model's HARK_GRAMMAR_REJECT_META, else the default above */
    float min_confidence; /* audio whose unconstrained transcript's confidence (as greedy
                          * decoding reports it) is below this is noise: no intent. NAN: the
                          * model's HARK_GRAMMAR_NOISE_META, else 0 (only an empty transcript) */
    float blank_skip;    /* after a frame whose blank posterior is at least this, further such
                          * frames are skipped (their blank score added to every path); 0: off
                          * (default 0.95) */
    float uncovered_weight; /* rejection compares gap + this x uncovered (see the result) with
                          * `reject`; NAN: the model's HARK_GRAMMAR_UNCOVERED_META, else 0 */
} hark_grammar_params;

hark_grammar_params hark_grammar_default_params(void);

typedef struct hark_grammar_decoder hark_grammar_decoder;

/* Expand a finished grammar to the units of `alphabet` (see hark/model.h: code point i is unit
 * i+1, 0 the blank). A word is spelled with the characters the alphabet has (others are left
 * out: see hark_grammar_decoder_approximate); HARK_ERR_INVALID_ARG naming the word when it has
 * none of them. The grammar must outlive the decoder. */
hark_grammar_decoder *hark_grammar_decoder_create(const hark_grammar *g, const char *alphabet,
                                                  const hark_grammar_params *p);
/* The same with the model's units (a phone model's words pronounced: its lexicon, else
 * espeak-ng, on the caller's thread; HARK_ERR_UNSUPPORTED or HARK_ERR_INVALID_ARG naming a word
 * without a pronunciation) and, where p->reject / p->min_confidence are NAN, the model's stored
 * thresholds. Rejected audio gives what greedy decoding heard, or for a phone model with a stored
 * lexicon the words of a beam search over that lexicon (hark_decoder_create_for_model). */
hark_grammar_decoder *hark_grammar_decoder_create_for_model(const hark_grammar *g,
                                                            const hark_model *m,
                                                            const hark_grammar_params *p);
void hark_grammar_decoder_free(hark_grammar_decoder *d);
/* Emitting states of the expanded graph (for size figures). */
size_t hark_grammar_decoder_states(const hark_grammar_decoder *d);
float hark_grammar_decoder_reject(const hark_grammar_decoder *d);
/* Distinct words spelled without some character the alphabet lacks (0 when all fit). */
size_t hark_grammar_decoder_approximate(const hark_grammar_decoder *d);

typedef struct hark_grammar_result {
    /* The best grammar path's words with times; its confidence is acoustic, as greedy decoding
     * reports it. When rejected: the words as heard (greedy). "" for silence or noise. */
    hark_transcript transcript;
    /* has_intent 0: silence or noise, no intent at all. Else intent.intent is the path's intent
     * (or "none" when rejected; "" for a phrase grammar), its slots with values applied,
     * confidence exp(-score) with score = gap + uncovered_weight x uncovered (when positive),
     * normalized = the path's words, response "". Rejected when score > reject. */
    int has_intent;
    int rejected;
    hark_intent_result intent;
    double grammar_logprob; /* ln P of the best grammar path (-INFINITY when none) */
    double free_logprob;    /* ln P of the best unconstrained path */
    int speech_frames;      /* frames whose argmax is not blank */
    float gap;              /* (free - grammar) / max(1, speech_frames) */
    float uncovered;        /* share of the speech frames outside every word of the best grammar
                             * path: speech the grammar's sentence leaves unexplained (0..1) */
} hark_grammar_result;

void hark_grammar_result_clear(hark_grammar_result *r);

/* Set a slot's text from n bytes of value text (trimmed, truncated to fit) and its number when
 * the whole text reads as one ("25", "-3.5"): the rule the template walker applies, shared so a
 * slot decoded from speech and one read from typed text agree. */
void hark_slot_set_value(hark_slot *s, const char *value, size_t n);

/* Decode one utterance: logprobs (T, V) natural-log posteriors with blank = 0, V the decoder's
 * alphabet size + 1, frame_seconds one frame's duration (for word times). Thread-safe (own
 * scratch). Fills *out (cleared first). */
hark_status hark_grammar_decode(const hark_grammar_decoder *d, const float *logprobs, int T, int V,
                                double frame_seconds, hark_grammar_result *out);

/* Incremental search for partial transcripts: frames go in as the acoustic model produces them;
 * the partial is the words the best grammar path has finished so far (the word being spoken
 * shows once its last unit is heard). Final results still come from hark_grammar_decode over
 * the whole utterance (rejection compares it with the whole unconstrained path). The buffers are
 * kept across utterances: after the first, a stream allocates only when its trace outgrows them. */
typedef struct hark_grammar_stream hark_grammar_stream;

hark_grammar_stream *hark_grammar_stream_create(const hark_grammar_decoder *d);
void hark_grammar_stream_free(hark_grammar_stream *s);
/* Feed n frames (n, V) of log-posteriors; the first push after create or reset starts an
 * utterance. HARK_ERR_INVALID_ARG when V is not the decoder's. */
hark_status hark_grammar_stream_push(hark_grammar_stream *s, const float *logprobs, int n, int V);
/* The partial, NUL-terminated, truncated to cap - 1 bytes ("" before any frame). */
hark_status hark_grammar_stream_partial(hark_grammar_stream *s, char *buf, size_t cap);
/* Forget the utterance. */
void hark_grammar_stream_reset(hark_grammar_stream *s);

#ifdef __cplusplus
}
#endif
#endif
