/* nn_rnn.c - what GRU and LSTM layers share: the parameter and activation layouts of one
 * recurrent layer (see nn_internal.h), the layer pass around each cell's time loop (input
 * projection, direction threads, weight gradients), the per-step recurrent products and two
 * small vector helpers.
 *
 * Reference test: through the GRU and LSTM tests (tests/test_nn_ref.c, tests/test_nn_grad.c,
 * tests/test_nn_bptt.c). Benchmark: bench/gru_layer and bench/train. */
#include "nn/nn_internal.h"

#include <cblas.h>
#include <pthread.h>

/* Process-wide, like OpenBLAS's own thread count that it mirrors (set once at start-up). */
static int g_threads = 1;

void hark_net_set_threads(int n)
{
    g_threads = n < 1 ? 1 : n;
    openblas_set_num_threads(g_threads);
}

typedef struct dir_task {
    const nn_rnn_job *job;
    nn_rnn_dir_fn fn;
} dir_task;

static void *dir_thread(void *arg)
{
    dir_task *t = arg;
    t->fn(t->job, 1);
    return NULL;
}

void nn_rnn_each_dir(const nn_rnn_job *job, nn_rnn_dir_fn fn)
{
    pthread_t th;
    dir_task task = {job, fn};
    if (job->d->D == 2 && g_threads >= 2) {
        openblas_set_num_threads(1);
        if (pthread_create(&th, NULL, dir_thread, &task) == 0) {
            fn(job, 0);
            pthread_join(th, NULL);
            openblas_set_num_threads(g_threads);
            return;
        }
        openblas_set_num_threads(g_threads); /* no thread: run both here */
    }
    for (int dir = 0; dir < job->d->D; dir++)
        fn(job, dir);
}

size_t nn_rnn_num_params(const nn_rnn_dims *d)
{
    size_t gh = (size_t)d->D * nn_cell_gates(d->cell) * d->H;
    return gh * (size_t)d->in + gh * (size_t)d->H + 2 * gh;
}

nn_rnn_params nn_rnn_carve(const nn_rnn_dims *d, float *base)
{
    size_t gh = (size_t)d->D * nn_cell_gates(d->cell) * d->H;
    nn_rnn_params p;
    p.w_ih = base;
    p.w_hh = p.w_ih + gh * (size_t)d->in;
    p.b_ih = p.w_hh + gh * (size_t)d->H;
    p.b_hh = p.b_ih + gh;
    return p;
}

size_t nn_rnn_pack_floats(const nn_rnn_dims *d)
{
    int GH = nn_cell_gates(d->cell) * d->H;
    size_t f = nn_pack_floats(GH, d->H), b = nn_pack_floats(d->H, GH);
    return f > b ? f : b;
}

static size_t act_pack_floats(const nn_rnn_dims *d, int B)
{
    return B >= NN_PACK_MIN_B ? (size_t)d->D * nn_rnn_pack_floats(d) : 0;
}

/* Cell states exist for the LSTM only. */
static size_t cell_state_floats(const nn_rnn_dims *d, int B, int T)
{
    return d->cell == HARK_CELL_LSTM ? (size_t)d->D * (size_t)(T + 1) * B * d->H : 0;
}

size_t nn_rnn_act_floats(const nn_rnn_dims *d, int B, int T)
{
    size_t rows = (size_t)T * B, G = (size_t)nn_cell_gates(d->cell), H = (size_t)d->H, D = (size_t)d->D;
    size_t states = D * (size_t)(T + 1) * B * H;
    return rows * D * G * H + rows * D * H + states + cell_state_floats(d, B, T) + rows * D * H +
           D * B * G * H + act_pack_floats(d, B);
}

nn_rnn_act nn_rnn_act_carve(const nn_rnn_dims *d, int B, int T, float *base)
{
    size_t rows = (size_t)T * B, G = (size_t)nn_cell_gates(d->cell), H = (size_t)d->H, D = (size_t)d->D;
    size_t states = D * (size_t)(T + 1) * B * H;
    nn_rnn_act a;
    a.gates = base;
    a.aux = a.gates + rows * D * G * H;
    a.hs = a.aux + rows * D * H;
    a.cs = cell_state_floats(d, B, T) ? a.hs + states : NULL;
    a.y = a.hs + states + cell_state_floats(d, B, T);
    a.gh = a.y + rows * D * H;
    a.wpack = act_pack_floats(d, B) ? a.gh + D * B * G * H : NULL;
    return a;
}

size_t nn_rnn_scratch_floats(const nn_rnn_dims *d, int B, int T)
{
    size_t rows = (size_t)T * B, G = (size_t)nn_cell_gates(d->cell), H = (size_t)d->H, D = (size_t)d->D;
    return 2 * rows * D * G * H + 2 * D * (size_t)B * H;
}

nn_rnn_scratch nn_rnn_scratch_carve(const nn_rnn_dims *d, int B, int T, float *base)
{
    size_t rows = (size_t)T * B, G = (size_t)nn_cell_gates(d->cell), H = (size_t)d->H, D = (size_t)d->D;
    nn_rnn_scratch s;
    s.dgi = base;
    s.dgh = s.dgi + rows * D * G * H;
    s.dh = s.dgh + rows * D * G * H;
    s.dc = s.dh + D * (size_t)B * H;
    return s;
}

int nn_max_len(const int *len, int B)
{
    int m = 0;
    for (int b = 0; b < B; b++)
        m = len[b] > m ? len[b] : m;
    return m;
}

void nn_colsum_acc(const float *m, int rows, int cols, float *acc)
{
    for (int r = 0; r < rows; r++) {
        const float *restrict row = m + (size_t)r * cols;
        float *restrict out = acc;
        for (int c = 0; c < cols; c++)
            out[c] += row[c];
    }
}

/* One GEMM for the input projection of every frame and both directions; biases are added in
 * the fused gate loop, which reads these values anyway. */
static void rnn_project(const nn_rnn_dims *d, const nn_rnn_params *p, const float *x, int rows,
                    float *gates)
{
    int n = d->D * nn_cell_gates(d->cell) * d->H;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, n, d->in, 1.0f, x, d->in, p->w_ih,
                d->in, 0.0f, gates, n);
}

/* The weight gradients that need no recurrence, one GEMM each after the time loop:
 * dW_hh[d] += dgh[d]^T hs[d][0..Tm), dW_ih += dgi^T x, dx += dgi W_ih, and the bias sums. */
static void rnn_backward_weights(const nn_rnn_dims *d, const nn_rnn_params *p,
                                 const nn_rnn_params *g, const nn_rnn_act *a,
                                 const nn_rnn_scratch *s, const float *x, int B, int T, int Tm,
                                 float *dx)
{
    int GH = nn_cell_gates(d->cell) * d->H, DGH = d->D * GH, rows = Tm * B;
    for (int dir = 0; dir < d->D; dir++) {
        const float *dgh = s->dgh + (size_t)dir * T * B * GH;
        const float *hs = a->hs + (size_t)dir * (T + 1) * B * d->H;
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, GH, d->H, rows, 1.0f, dgh, GH, hs,
                    d->H, 1.0f, g->w_hh + (size_t)dir * GH * d->H, d->H);
        nn_colsum_acc(dgh, rows, GH, g->b_hh + (size_t)dir * GH);
    }
    nn_colsum_acc(s->dgi, rows, DGH, g->b_ih);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, DGH, d->in, rows, 1.0f, s->dgi, DGH, x,
                d->in, 1.0f, g->w_ih, d->in);
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, d->in, DGH, 1.0f, s->dgi, DGH,
                    p->w_ih, d->in, 1.0f, dx, d->in);
}

/* Padded rows of dgi (real time t >= len[b]) are never written by the time loop; the weight
 * GEMMs read them, so they must be zero. */
static void rnn_zero_padded(const nn_rnn_dims *d, float *dgi, const int *len, int B, int Tm)
{
    size_t DGH = (size_t)d->D * nn_cell_gates(d->cell) * d->H;
    for (int b = 0; b < B; b++)
        for (int t = len[b] > 0 ? len[b] : 0; t < Tm; t++)
            memset(dgi + ((size_t)t * B + b) * DGH, 0, DGH * sizeof(float));
}

/* A layer pass is the same for both cells around the time loop: the input projection (or the
 * zeroing of padded gradient rows) before it, each direction's loop, and the weight GEMMs after
 * it; only the loop itself is the cell's. */
void nn_rnn_forward(const nn_rnn_dims *d, const nn_rnn_params *p, const nn_rnn_act *a,
                    const float *x, const int *len, int B, int T)
{
    int Tm = nn_max_len(len, B);
    memset(a->y, 0, (size_t)T * B * d->D * d->H * sizeof(float));
    if (Tm == 0)
        return;
    rnn_project(d, p, x, Tm * B, a->gates);
    nn_rnn_job job = {.d = d, .p = p, .a = a, .len = len, .B = B, .T = T, .Tm = Tm};
    nn_rnn_each_dir(&job, d->cell == HARK_CELL_LSTM ? nn_lstm_forward_dir : nn_gru_forward_dir);
}

void nn_rnn_backward(const nn_rnn_dims *d, const nn_rnn_params *p, const nn_rnn_params *g,
                     const nn_rnn_act *a, const nn_rnn_scratch *s, const float *x,
                     const int *len, int B, int T, const float *dy, float *dx)
{
    nn_rnn_backward_bptt(d, p, g, a, s, x, len, B, T, dy, dx, 0);
}

void nn_rnn_backward_bptt(const nn_rnn_dims *d, const nn_rnn_params *p, const nn_rnn_params *g,
                          const nn_rnn_act *a, const nn_rnn_scratch *s, const float *x,
                          const int *len, int B, int T, const float *dy, float *dx, int bptt)
{
    int Tm = nn_max_len(len, B);
    if (Tm == 0)
        return;
    rnn_zero_padded(d, s->dgi, len, B, Tm);
    nn_rnn_job job = {.d = d, .p = p, .a = a, .s = s, .len = len, .dy = dy, .B = B, .T = T, .Tm = Tm,
                      .bptt = bptt > 0 ? bptt : 0};
    nn_rnn_each_dir(&job, d->cell == HARK_CELL_LSTM ? nn_lstm_backward_dir : nn_gru_backward_dir);
    rnn_backward_weights(d, p, g, a, s, x, B, T, Tm, dx);
}

/* The per-step recurrent products. A single stream (B = 1) goes through sgemv: sgemm with one
 * row would repack the whole weight matrix at every step, six times slower. With beta = 0 the
 * output is cleared first, since some OpenBLAS versions compute 0 * y and keep a stale NaN. */
const float *nn_rnn_pack_whh(const nn_rnn_dims *d, const nn_rnn_act *a, const float *whh,
                             int dir, int B, int backward)
{
    if (!a->wpack || B < NN_PACK_MIN_B)
        return NULL;
    int GH = nn_cell_gates(d->cell) * d->H;
    float *p = a->wpack + (size_t)dir * nn_rnn_pack_floats(d);
    if (backward)
        nn_pack_b(whh, GH, d->H, p);
    else
        nn_pack_bt(whh, GH, d->H, p);
    return p;
}

/* out (B, N) = in (B, K) op(W_hh) + beta out, W_hh (GH, H): op is the transpose forward
 * (N = GH, K = H) and W_hh itself backward (N = H, K = GH). */
static void rec_gemm(CBLAS_TRANSPOSE op, int B, int N, int K, const float *in, const float *whh,
                     const float *packed, float beta, float *out)
{
    int GH = op == CblasTrans ? N : K, H = op == CblasTrans ? K : N;
    if (packed)
        nn_gemm_packed(B, N, K, in, K, packed, beta, out, N);
    else if (B == 1) {
        if (beta == 0.0f)
            memset(out, 0, (size_t)N * sizeof(float));
        /* one row: W_hh in forward, W_hh^T in backward */
        cblas_sgemv(CblasRowMajor, op == CblasTrans ? CblasNoTrans : CblasTrans, GH, H, 1.0f, whh,
                    H, in, 1, beta, out, 1);
    }
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, op, B, N, K, 1.0f, in, K, whh, H, beta, out, N);
}

void nn_rec_forward_gemm(int B, int GH, int H, const float *h, const float *whh,
                         const float *packed, float beta, float *gh)
{
    rec_gemm(CblasTrans, B, GH, H, h, whh, packed, beta, gh);
}

void nn_rec_backward_gemm(int B, int GH, int H, const float *dgh, const float *whh,
                          const float *packed, float beta, float *dh)
{
    rec_gemm(CblasNoTrans, B, H, GH, dgh, whh, packed, beta, dh);
}
