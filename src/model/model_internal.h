/* model_internal.h - helpers shared by the files of src/model (not part of the public API). */
#ifndef HARK_MODEL_INTERNAL_H
#define HARK_MODEL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "hark/model.h"

#include "core/util.h"

/* The alphabet (one unit per code point, units.c) as a malloc'd array of its code points; *n set
 * to its size. NULL if the alphabet is not valid UTF-8 (*n < 0) or out of memory. */
int32_t *hark_alphabet_codes(const char *alphabet, int *n);

/* The CTC trellis over the blank-extended labels (blank, l1, blank, ..., ln, blank), S = 2n + 1
 * states, with two rows of scratch a and b (S doubles each). bp NULL: the forward recursion,
 * returning ln P(labels | lp) summed over all alignments. bp (T x S bytes): Viterbi, returning
 * the best alignment's log probability, with bp[t * S + s] the step (0, 1, 2 states back) into
 * s at frame t and *end_state (optional) its last state. -INFINITY when no alignment exists. */
double ctc_trellis(const float *lp, int T, int V, const int *l, int n, double *a, double *b,
                   unsigned char *bp, int *end_state);

/* Word boundaries from frame energy (word_times.c). db: T frames of energy in dB on the
 * decoders' time axis (frame k covers [k, k + 1) * frame_seconds). first[i], last[i]: in, the
 * frames from word i's first to its last emitted unit (in order, not overlapping); out, the run
 * of speech around the loudest of those frames, reaching outwards over frames at least 6 dB
 * above the quietest frame between the word and its neighbour (across stretches of up to 90 ms
 * below it, at most 0.5 s beyond the emitted frames), never into a neighbour; two words that
 * meet are parted at the quietest frame between them. A word whose loudest frame is not above
 * that level on either side keeps its frames; spans that are not in order are left as they are. */
hark_status word_spans_refine(const float *db, int T, double frame_seconds, int n, int *first,
                              int *last);

/* Mean-square energy in dB of consecutive blocks of `block` samples (one output frame of the
 * net: hop times stack), fed as samples arrive; db grows to the longest utterance. */
typedef struct frame_energy {
    float *db;
    size_t n, cap;
    size_t block;
    double sum;   /* of squares in the open block */
    size_t count; /* samples in the open block */
} frame_energy;

hark_status frame_energy_feed(frame_energy *e, const float *x, size_t n);
/* Close the last partial block and pad with silence to at least T frames. */
hark_status frame_energy_finish(frame_energy *e, int T);
void frame_energy_reset(frame_energy *e);
void frame_energy_free(frame_energy *e);

struct cJSON;

/* ---- Units (units.c, phones.c) ---------------------------------------------------------------- */

/* espeak-ng's ASCII phoneme names of `word` ('|' between names, spaces between the words it
 * made) as a malloc'd string of phones; HARK_ERR_UNSUPPORTED naming a name the inventory lacks,
 * HARK_ERR_INVALID_ARG when no phone results. */
hark_status phones_from_espeak(const char *word, const char *names, char **out);
/* The phones of one word from espeak-ng (en-us), through the per-process cache (thread-safe). */
hark_status phones_of_word(const char *word, char **out);
/* The inventory's espeak-ng names: the i-th (NULL past the end) and its phones. */
size_t phone_name_count(void);
const char *phone_name_at(size_t i, const char **phones);

/* A closed list of phrases with their unit sequences, encoded once (hark_units_encode) so that
 * decoding never phonemizes. */
typedef struct phrase_set {
    char **text;
    int *units;  /* phrase i's labels are units[off[i] .. off[i + 1]) */
    size_t *off; /* n + 1 */
    size_t n, maxlen;
} phrase_set;

hark_status phrase_set_build(phrase_set *ps, const hark_units *u, const char *const *phrases,
                             size_t n);
void phrase_set_free(phrase_set *ps);
/* Free ps and return st. */
hark_status phrase_set_fail(phrase_set *ps, hark_status st);
/* hark_decode_phrases over an encoded set (alphabet: for the greedy timing pass). */
hark_status decode_phrase_set(const float *logprobs, int T, int V, const char *alphabet,
                              const phrase_set *ps, double frame_seconds, hark_transcript *out,
                              int *best_index);

/* The lexicon as the JSON object stored in model files (malloc'd), and back (replacing it). */
char *units_lexicon_json(const hark_units *u);
hark_status units_lexicon_parse(hark_units *u, const char *json);
/* Set the kind from its metadata name ("chars", "phones"); HARK_ERR_FORMAT otherwise. */
hark_status units_set_kind(hark_units *u, const char *name);

/* The model object: immutable after loading, shared by recognizers. */
struct hark_model {
    hark_net *net;
    hark_mfcc_config feat;
    char *alphabet;
    hark_units *units;  /* kind and lexicon; its alphabet is a copy of `alphabet` */
    struct cJSON *meta; /* object of string values: everything but the reserved keys */
    char **phrases;     /* parsed from meta "phrases" (a JSON array of strings) */
    size_t n_phrases;
};

/* Check that the net's input and output sizes fit the features and the alphabet. */
hark_status hark_model_check_shapes(const hark_net_config *nc, const hark_mfcc_config *feat,
                                    const char *alphabet);

/* Extra 1-D float tensors stored beside the net's (checkpoints keep the optimiser state so).
 * Their names start with "optimizer." so hark_model_load can skip them. */
typedef struct hark_extra_tensor {
    const char *name;
    float *data; /* n floats: written from on save, read into on load */
    size_t n;
} hark_extra_tensor;

/* hark_model_save plus extra tensors. */
hark_status hark_model_save_with(const hark_model *m, const char *path,
                                 const hark_extra_tensor *extra, int n_extra);
/* hark_model_load that also fills the extra tensors (each must be present with n floats). */
hark_model *hark_model_load_with(const char *path, hark_extra_tensor *extra, int n_extra);

/* The default alphabet: space, apostrophe, a-z. */
#define HARK_DEFAULT_ALPHABET " 'abcdefghijklmnopqrstuvwxyz"

/* The unit with the highest log-probability in one frame's row of V (the first on a tie): the
 * best unconstrained CTC path's unit at that frame (decode.c). */
int model_frame_argmax(const float *row, int V);

#endif
