/* nn_internal.h - what the pieces of the network (nn_*.c) share and the unit tests reach into:
 * the recurrent layer kernels, the dense/stacking/softmax helpers, the random generator and the
 * fast vectorisable exp/sigmoid/tanh. Not installed; the public API is include/hark/nn.h.
 *
 * Internal layout. Inside a forward pass activations are TIME-MAJOR: row r = t*B + b, so one
 * GEMM covers every frame of every utterance and a recurrent step reads B consecutive rows.
 * Recurrent states are kept per direction in STEP order, hs[d][s][b][H], with step s of the
 * backward direction at real time t = len[b]-1-s: every utterance starts at its own last frame
 * (as PyTorch packed sequences do) and steps past an utterance's end just freeze its state. */
#ifndef HARK_NN_INTERNAL_H
#define HARK_NN_INTERNAL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "hark/nn.h"

/* ---- random numbers (splitmix64: tiny, seedable, good enough for init and dropout) -------- */

static inline uint64_t nn_rand_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 24 random bits. */
static inline float nn_rand_uniform(uint64_t *s) { return (float)(nn_rand_u64(s) >> 40) * (1.0f / 16777216.0f); }

/* ---- fast elementwise maths -------------------------------------------------------------- */
/* exp by range reduction to [-ln2/2, ln2/2] and a degree-6 polynomial (error ~1 ulp), written
 * without calls or branches so gcc vectorises the gate loops that use it. */
static inline float nn_expf(float x)
{
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    /* round-to-nearest by the 1.5*2^23 trick: valid for |x*log2e| < 2^22 */
    float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693145751953125f;
    r = r - n * 1.428606765330187045e-06f;
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* Gate loops run in blocks of this many units: a constant trip count is what gcc's -O2
 * vectoriser (the "very cheap" cost model) accepts. */
#define NN_BLOCK 16

static inline float nn_sigmoidf(float x) { return 1.0f / (1.0f + nn_expf(-x)); }

/* tanh through exp of -2|x|, which never overflows; the absolute error stays ~1e-7. */
static inline float nn_tanhf(float x)
{
    float ax = x < 0.0f ? -x : x;
    float e = nn_expf(-2.0f * ax);
    float t = (1.0f - e) / (1.0f + e);
    return x < 0.0f ? -t : t;
}

/* ---- recurrent layers -------------------------------------------------------------------- */

/* Gates per cell: GRU r,z,n (3); LSTM i,f,g,o (4). */
static inline int nn_cell_gates(hark_cell cell) { return cell == HARK_CELL_LSTM ? 4 : 3; }

typedef struct nn_rnn_dims {
    hark_cell cell;
    int in; /* input features */
    int H; /* hidden units per direction */
    int D; /* directions: 1 or 2 */
} nn_rnn_dims;

/* Parameters of one layer in the block, directions contiguous inside each tensor so the input
 * projection of both directions is one GEMM:
 *   w_ih (D*G*H, I) | w_hh (D*G*H, H) | b_ih (D*G*H) | b_hh (D*G*H)
 * Gradients use the same layout. */
size_t nn_rnn_num_params(const nn_rnn_dims *d);
typedef struct nn_rnn_params {
    float *w_ih, *w_hh, *b_ih, *b_hh;
} nn_rnn_params;
nn_rnn_params nn_rnn_carve(const nn_rnn_dims *d, float *base);

/* Activations a training forward keeps for backward (caller-owned memory, sizes in floats):
 *   gates  T*B*D*G*H  real-time rows [r][d][G*H]: gate activations after the nonlinearity
 *   aux    T*B*D*H    GRU: W_hn h + b_hn per row; LSTM: tanh(c) per row
 *   hs     D*(T+1)*B*H  step-order hidden states, hs[d][0] = initial state
 *   cs     D*(T+1)*B*H  LSTM cell states (NULL for the GRU)
 *   y      T*B*D*H    layer output [fwd, bwd], zero on padded rows
 *   gh     D*B*G*H    scratch for the recurrent GEMM of one step, per direction
 *   wpack  D*nn_rnn_pack_floats  W_hh packed for nn_gemm_packed (NULL when B is too small to
 *                     use it or the build has no AVX-512) */
typedef struct nn_rnn_act {
    float *gates, *aux, *hs, *cs, *y, *gh, *wpack;
} nn_rnn_act;
/* Floats of one direction's packed W_hh (0 when the packed kernel is not built). */
size_t nn_rnn_pack_floats(const nn_rnn_dims *d);
size_t nn_rnn_act_floats(const nn_rnn_dims *d, int B, int T);
nn_rnn_act nn_rnn_act_carve(const nn_rnn_dims *d, int B, int T, float *base);

/* Backward scratch, shareable by every layer (sized for the widest):
 *   dgi  T*B*D*G*H real time, dgh D*T*B*G*H step order, dh D*B*H, dc D*B*H */
typedef struct nn_rnn_scratch {
    float *dgi, *dgh, *dh, *dc;
} nn_rnn_scratch;
size_t nn_rnn_scratch_floats(const nn_rnn_dims *d, int B, int T);
nn_rnn_scratch nn_rnn_scratch_carve(const nn_rnn_dims *d, int B, int T, float *base);

/* x (T*B, I) time-major; len[b] in 0..T (0: an empty row, all outputs zero). Initial states
 * are hs[d][0] (and cs[d][0]), which the caller sets (zero for utterances). */
void nn_rnn_forward(const nn_rnn_dims *d, const nn_rnn_params *p, const nn_rnn_act *a,
                    const float *x, const int *len, int B, int T);
/* dy (T*B, D*H) gradient of the loss w.r.t. y. Accumulates parameter gradients into g and, if
 * dx is not NULL, the input gradient into dx (T*B, I). Full BPTT. */
void nn_rnn_backward(const nn_rnn_dims *d, const nn_rnn_params *p, const nn_rnn_params *g,
                     const nn_rnn_act *a, const nn_rnn_scratch *s, const float *x,
                     const int *len, int B, int T, const float *dy, float *dx);
/* The same with truncated BPTT when bptt > 0: in each direction the gradient stops flowing from
 * step s back into step s-1 wherever s is a multiple of bptt (see nn_rnn_job). bptt = 0 is
 * nn_rnn_backward. */
void nn_rnn_backward_bptt(const nn_rnn_dims *d, const nn_rnn_params *p, const nn_rnn_params *g,
                          const nn_rnn_act *a, const nn_rnn_scratch *s, const float *x,
                          const int *len, int B, int T, const float *dy, float *dx, int bptt);

/* The time loop of one direction of a layer, and what it needs. */
typedef struct nn_rnn_job {
    const nn_rnn_dims *d;
    const nn_rnn_params *p;
    const nn_rnn_act *a;
    const nn_rnn_scratch *s; /* backward only */
    const int *len;
    const float *dy;         /* backward only */
    int B, T, Tm;            /* Tm: the longest length, the steps to run */
    int bptt;                /* backward only: 0 full BPTT; K > 0 clears the carried dh (and dc)
                              * after step s whenever s % K == 0, in the direction's step order */
} nn_rnn_job;
typedef void (*nn_rnn_dir_fn)(const nn_rnn_job *job, int dir);
/* Run fn for every direction. With two directions and hark_net_set_threads(n >= 2) the backward
 * direction runs on a second thread while OpenBLAS is held to one thread (the two directions
 * touch disjoint memory), so this region is owned by our threads, not OpenBLAS's. */
void nn_rnn_each_dir(const nn_rnn_job *job, nn_rnn_dir_fn fn);

/* Each cell's time loop of one direction (nn_gru.c, nn_lstm.c); nn_rnn_forward/backward run
 * everything around it. Forward: job->a->gates holds W_ih x on entry. Backward: dgi's padded
 * rows are already zero and the weight GEMMs follow. */
void nn_gru_forward_dir(const nn_rnn_job *job, int dir);
void nn_gru_backward_dir(const nn_rnn_job *job, int dir);
void nn_lstm_forward_dir(const nn_rnn_job *job, int dir);
void nn_lstm_backward_dir(const nn_rnn_job *job, int dir);

/* gh (B, GH) = h (B, H) W_hh^T + beta gh, and dh (B, H) = dgh (B, GH) W_hh + beta dh; packed
 * is W_hh packed for that product (nn_pack_bt / nn_pack_b) or NULL. */
void nn_rec_forward_gemm(int B, int GH, int H, const float *h, const float *whh,
                         const float *packed, float beta, float *gh);
void nn_rec_backward_gemm(int B, int GH, int H, const float *dgh, const float *whh,
                          const float *packed, float beta, float *dh);
/* Pack this direction's W_hh into a->wpack for the forward (transposed) or backward product;
 * returns the packed copy, or NULL when the batch is too small or there is no packed kernel. */
const float *nn_rnn_pack_whh(const nn_rnn_dims *d, const nn_rnn_act *a, const float *whh,
                             int dir, int B, int backward);

/* Shared by both cells: real time of step s of direction dir for an utterance of length n. */
static inline int nn_step_time(int dir, int s, int n) { return dir == 0 ? s : n - 1 - s; }
int nn_max_len(const int *len, int B);
/* Sum the rows of m (rows, cols) into acc (cols). */
void nn_colsum_acc(const float *m, int rows, int cols, float *acc);

/* ---- packed GEMM for the recurrent steps (nn_gemm.c) -------------------------------------- */

/* Batches of at least this many rows use the packed kernel. */
#define NN_PACK_MIN_B 8
/* Floats to hold B (K x N) packed; 0 when the build has no packed kernel (no AVX-512). */
size_t nn_pack_floats(int N, int K);
int nn_packed_gemm_available(void);
/* Pack B = W^T for W (N, K) row-major, or B = W for W (K, N) row-major. */
void nn_pack_bt(const float *W, int N, int K, float *P);
void nn_pack_b(const float *W, int K, int N, float *P);
/* C (M, N) = A (M, K) B + beta C, B packed; with beta = 0 C is not read. */
void nn_gemm_packed(int M, int N, int K, const float *A, int lda, const float *P, float beta,
                    float *C, int ldc);

/* ---- dense, stacking, softmax, dropout --------------------------------------------------- */

/* y (N, O) = x (N, In) w^T + b, w (O, In). */
void nn_dense_forward(const float *x, const float *w, const float *b, float *y, int N, int In, int O);
/* Accumulates dw += dy^T x, db += colsum(dy), dx += dy w (dx may be NULL). */
void nn_dense_backward(const float *x, const float *w, const float *dy, float *dw, float *db,
                       float *dx, int N, int In, int O);

/* Frame stacking with subsampling, batch-major input to time-major output:
 *   x (B, T, F) -> xs (To*B, F*k), To = ceil(T/k): xs[j][b] = x[b][j*k .. j*k+k-1], frames at or
 * past len[b] are zero. */
void nn_stack_forward(const float *x, const int *len, int B, int T, int F, int k, float *xs);
/* dx (B, T, F) += the stacked gradient dxs (To*B, F*k) routed back to its frames. */
void nn_stack_backward(const float *dxs, const int *len, int B, int T, int F, int k, float *dx);

/* Row-wise log-softmax of z (rows, V) into out (may alias z). */
void nn_log_softmax(const float *z, float *out, int rows, int V);

/* ---- the net (nn_net.c), shared with the streaming code (nn_stream.c) ------------------- */

#define NN_MAX_LAYERS 16

struct hark_net {
    hark_net_config cfg;
    nn_rnn_dims dims[NN_MAX_LAYERS];
    size_t layer_off[NN_MAX_LAYERS]; /* each layer's block (nn_rnn_carve) */
    size_t out_w_off, out_b_off;     /* output layer: weight (V, D*H), bias (V) */
    size_t n_params;
    float *params, *grads;
    int n_tensors;
    hark_tensor_info *tensors;
    char *names;
};

/* Layer l's parameters (or gradients) inside block, a whole network's params or grads. */
nn_rnn_params nn_net_layer(const hark_net *net, float *block, int l);

#endif
