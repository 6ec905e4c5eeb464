/* hark/nn.h - the recurrent acoustic network: layers, CTC loss and the Adam optimiser.
 *
 * Shapes: B batch, T frames, F input features per frame, H hidden units per direction,
 * V output symbols (index 0 is the CTC blank). Arrays are row-major, batch-major: x[b][t][f].
 *
 * Ownership (as in llm.c): a hark_net holds its parameters, gradients and nothing else, each one
 * allocation carved into named tensors; all per-batch activations live in a hark_net_ws sized
 * once for the largest batch. Forward never writes the net, so many workspaces (streams,
 * threads) can share one net read-only. Backward ACCUMULATES into the gradient block; the caller
 * zeroes it (hark_net_zero_grads) before each batch.
 *
 * Parallelism: OpenBLAS owns the threads inside the large GEMMs; the only threads hark starts
 * itself run the two directions of a bidirectional layer side by side when
 * hark_net_set_threads(n >= 2) asked for them (see there). */
#ifndef HARK_NN_H
#define HARK_NN_H

#include <stddef.h>
#include <stdint.h>

#include "hark/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hark_cell { HARK_CELL_GRU = 0, HARK_CELL_LSTM = 1 } hark_cell;

typedef struct hark_net_config {
    int n_input;       /* F: features per input frame (e.g. 39) */
    int stack;         /* k >= 1: stack k consecutive frames and keep every k-th (T_out = ceil(T/k)) */
    int n_layers;      /* recurrent layers, >= 1 */
    int hidden;        /* H: units per direction */
    int bidirectional; /* 0 or 1 */
    hark_cell cell;    /* GRU or LSTM, PyTorch gate conventions */
    int n_output;      /* V: output symbols including the blank (index 0) */
    float dropout;     /* dropout probability between recurrent layers (training only) */
} hark_net_config;

typedef struct hark_net hark_net;
typedef struct hark_net_ws hark_net_ws;
typedef struct hark_net_stream hark_net_stream;

/* Defaults: F=39, k=2, 3 bidirectional GRU layers of 128, V=29, dropout 0.1. */
hark_net_config hark_net_default_config(void);

/* Threads for every net call of the process (set once at start-up; n < 1 means 1). OpenBLAS
 * gets n threads for the large GEMMs; with n >= 2 the two directions of a bidirectional layer
 * also run their time loops side by side on two threads, OpenBLAS held to one thread meanwhile.
 * Results do not depend on n. Not to be changed while another thread is inside a net call;
 * with n >= 2, make bidirectional net calls from one thread at a time (each switches OpenBLAS's
 * process-wide thread count around its time loops). With n = 1 (the default) any number of
 * threads may run forwards on their own workspaces. */
void hark_net_set_threads(int n);

/* A new net with parameters initialised as PyTorch does (uniform +-1/sqrt(H) for recurrent
 * layers, +-1/sqrt(fan_in) for the output layer) from `seed`. NULL on error (hark_last_error). */
hark_net *hark_net_create(const hark_net_config *cfg, uint64_t seed);
void hark_net_free(hark_net *net);
const hark_net_config *hark_net_get_config(const hark_net *net);

/* The parameter and gradient blocks: hark_net_num_params() floats each, same layout. */
size_t hark_net_num_params(const hark_net *net);
/* The parameters a net of `cfg` would have, computed without allocating (so a loader can check
 * a file holds them before creating the net); 0 with the error set if `cfg` is invalid. */
size_t hark_net_config_num_params(const hark_net_config *cfg);
float *hark_net_params(hark_net *net);
const float *hark_net_params_const(const hark_net *net);
float *hark_net_grads(hark_net *net);
void hark_net_zero_grads(hark_net *net);

/* Named tensors carved out of the parameter block, for the model file and for comparing with
 * PyTorch. Names follow torch.nn.GRU/LSTM/Linear: "rnn.weight_ih_l0", "rnn.weight_hh_l0",
 * "rnn.bias_ih_l0", "rnn.bias_hh_l0", "..._reverse" for the backward direction, "out.weight",
 * "out.bias". Input size of layer 0 is F*k (stacked frames). */
typedef struct hark_tensor_info {
    const char *name;
    int ndim;
    int shape[4];
    size_t offset; /* in floats from the start of the parameter block */
    size_t numel;
} hark_tensor_info;
int hark_net_num_tensors(const hark_net *net);
hark_status hark_net_tensor(const hark_net *net, int i, hark_tensor_info *out);
/* Index of the tensor called `name`, or -1. Tensors are listed in torch's named_parameters()
 * order (per layer: weight_ih, weight_hh, bias_ih, bias_hh, then the _reverse ones; then out.*);
 * their offsets need not follow that order. */
int hark_net_find_tensor(const hark_net *net, const char *name);

/* Workspace for batches of up to max_batch utterances of up to max_frames input frames.
 * It keeps every activation backward needs: for 3 bidirectional GRU layers of 256 about
 * 60 KB per (utterance x output frame) with dropout, e.g. 1.9 GB for 16 x 2000 frames. */
hark_net_ws *hark_net_ws_create(const hark_net *net, int max_batch, int max_frames);
/* A workspace for inference only (forward with training = 0; backward refuses it): the layers
 * share two activation buffers and nothing is kept for backward, a fraction of the memory. */
hark_net_ws *hark_net_ws_create_inference(const hark_net *net, int max_batch, int max_frames);
void hark_net_ws_free(hark_net_ws *ws);
/* Truncated backpropagation through time for hark_net_backward on this workspace: with
 * steps = K > 0, each recurrent direction passes no gradient from its step s back to step s-1
 * wherever s is a multiple of K, counting steps in that direction's own order (the backward
 * direction from each utterance's last frame) and in network steps, i.e. after frame stacking.
 * The forward pass still carries the state over the whole utterance and the loss stays the
 * whole utterance's; only the gradient path is cut into chunks of K steps. 0 (the default)
 * is full BPTT; K >= the longest utterance's steps gives the same gradients as 0.
 * HARK_ERR_INVALID_ARG for steps < 0 or a NULL ws. */
hark_status hark_net_ws_set_bptt_truncation(hark_net_ws *ws, int steps);

/* Dropout of a batch split over workers: utterance b of the next forwards on ws is utterance
 * first + b of the whole batch. Each utterance's dropout masks are drawn from its own stream,
 * seeded by the caller's rng state and this position, so workers that pass the same rng state
 * and their offsets draw exactly the masks one forward over the whole batch would (0 default). */
hark_status hark_net_ws_set_batch_offset(hark_net_ws *ws, size_t first);

/* Forward pass over a padded batch.
 *   x        (B, T, F) input features; frames past lengths[b] are ignored
 *   lengths  (B) input frames per utterance, 1..T
 *   training nonzero: apply dropout (one draw from *rng seeds the call's masks, see
 *            hark_net_ws_set_batch_offset) and keep what backward needs
 * Outputs (pointers into ws, valid until the next call): *logprobs (B, T_out, V) log-softmax
 * outputs, with T_out = ceil(T/k); out_lengths[b] = ceil(lengths[b]/k). Padded frames of each
 * utterance are written as zeros. out_lengths and T_out may be NULL.
 * Output frame j sees input frames j*k .. j*k+k-1 concatenated, zeros past lengths[b]. The
 * backward direction of each utterance starts at its own last frame (as PyTorch's packed
 * sequences), so padding never changes an utterance's outputs. Dropout (inverted: kept units
 * scaled by 1/(1-p)) acts on the outputs of every recurrent layer but the last, as torch.nn.GRU. */
hark_status hark_net_forward(const hark_net *net, hark_net_ws *ws, const float *x,
                             const int *lengths, int B, int T, int training, uint64_t *rng,
                             const float **logprobs, int *out_lengths, int *T_out);

/* Training needs a workspace from hark_net_ws_create; a workspace serves one call at a time.
 *
 * Backward pass after a training forward on the same ws.
 *   dlogits (B, T_out, V): gradient of the loss with respect to the output layer's
 *            pre-softmax activations (what hark_ctc_loss returns); zero on padded frames.
 * Accumulates into hark_net_grads(net). */
hark_status hark_net_backward(hark_net *net, hark_net_ws *ws, const float *dlogits);

/* Streaming inference for unidirectional nets: recurrent state and the frame-stacking buffer
 * are carried across calls, so pushing audio in pieces gives the same outputs as one forward
 * over the whole utterance. Bidirectional nets return NULL (HARK_ERR_UNSUPPORTED). */
hark_net_stream *hark_net_stream_create(const hark_net *net);
void hark_net_stream_free(hark_net_stream *st);
void hark_net_stream_reset(hark_net_stream *st);
/* Push n input frames (n, F); writes the output frames completed so far, (pending + n) / k where
 * pending < k frames wait from earlier pushes (never more than (n + k - 1) / k), as log-probs to
 * out (capacity frames of V) and their count to *n_out. HARK_ERR_INVALID_ARG, with nothing
 * consumed, if they would not fit. */
hark_status hark_net_stream_push(const hark_net *net, hark_net_stream *st, const float *frames,
                                 int n, float *out, int capacity, int *n_out);
/* End of the utterance: if frames are waiting for a full stack, zero-pad it (as the whole
 * forward does) and write that last output frame (*n_out = 0 or 1). Then reset the stream for
 * the next utterance with hark_net_stream_reset. */
hark_status hark_net_stream_finish(const hark_net *net, hark_net_stream *st, float *out,
                                   int capacity, int *n_out);

/* ---- CTC ---------------------------------------------------------------------------------- */

/* CTC negative log-likelihood per utterance, computed in log space (Graves et al. 2006).
 *   logprobs        (B, T, V) log-softmax outputs, blank = 0
 *   in_lengths      (B) valid frames per utterance
 *   targets         concatenated label sequences (values 1..V-1)
 *   target_lengths  (B)
 *   losses          (B) output; +INFINITY where no alignment exists (labels too long)
 *   dlogits         (B, T, V) output or NULL: gradient of sum_b losses[b] with respect to the
 *                   pre-softmax logits (softmax - posterior), zero for padded frames and for
 *                   utterances whose loss is infinite.
 * Returns HARK_OK even when some losses are infinite (the trainer reports and skips them).
 * A NaN among an utterance's log-probabilities gives it a NaN loss and no gradient, and the
 * call returns HARK_ERR_NUMERIC (after filling every output). Allocates its alpha/beta
 * tables (2 x T x (2 x max label length + 1) doubles) per call. */
hark_status hark_ctc_loss(const float *logprobs, int B, int T, int V, const int *in_lengths,
                          const int *targets, const int *target_lengths, float *losses,
                          float *dlogits);

/* ---- Adam --------------------------------------------------------------------------------- */

typedef struct hark_adam_config {
    float lr;           /* 1e-3 */
    float beta1;        /* 0.9 */
    float beta2;        /* 0.999 */
    float eps;          /* 1e-8 */
    float weight_decay; /* 0: off (decoupled, AdamW style, when > 0) */
    float clip_norm;    /* global gradient-norm clipping threshold; 0: off. Default 5 */
} hark_adam_config;

typedef struct hark_adam hark_adam;

hark_adam_config hark_adam_default_config(void);
/* Moments for n parameters, one allocation. */
hark_adam *hark_adam_create(size_t n, const hark_adam_config *cfg);
void hark_adam_free(hark_adam *opt);
/* One step with bias correction at learning rate lr (the caller schedules it). Clips the global
 * gradient norm first (grads are scaled in place) and reports the norm before clipping. Returns
 * HARK_ERR_NUMERIC and leaves params untouched if the gradient holds a NaN or infinity. */
hark_status hark_adam_step(hark_adam *opt, float *params, float *grads, float lr, float *grad_norm);
/* The optimiser state, for checkpoints: step count and the two moment arrays (n floats each). */
long hark_adam_steps(const hark_adam *opt);
void hark_adam_set_steps(hark_adam *opt, long t);
float *hark_adam_m(hark_adam *opt);
float *hark_adam_v(hark_adam *opt);

#ifdef __cplusplus
}
#endif
#endif
