/* model_internal.h - helpers shared by the files of src/model (not part of the public API). */
#ifndef HARK_MODEL_INTERNAL_H
#define HARK_MODEL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "hark/model.h"

/* Decode one UTF-8 code point at *s, advancing *s past it. Returns the code point, or -1 for an
 * invalid sequence (then *s advances by one byte). Never reads past the terminating NUL. */
int32_t hark_utf8_next(const char **s);
/* Encode a code point into buf (at least 4 bytes); returns the number of bytes (0 if invalid). */
int hark_utf8_put(int32_t cp, char *buf);

/* The CTC trellis over the blank-extended labels (blank, l1, blank, ..., ln, blank), S = 2n + 1
 * states, with two rows of scratch a and b (S doubles each). bp NULL: the forward recursion,
 * returning ln P(labels | lp) summed over all alignments. bp (T x S bytes): Viterbi, returning
 * the best alignment's log probability, with bp[t * S + s] the step (0, 1, 2 states back) into
 * s at frame t and *end_state (optional) its last state. -INFINITY when no alignment exists. */
double ctc_trellis(const float *lp, int T, int V, const int *l, int n, double *a, double *b,
                   unsigned char *bp, int *end_state);

struct cJSON;

/* The model object: immutable after loading, shared by recognizers. */
struct hark_model {
    hark_net *net;
    hark_mfcc_config feat;
    char *alphabet;
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

#endif
