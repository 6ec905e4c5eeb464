/* test_nn_grad.c - finite-difference gradient checks for every backward of the network (dense,
 * frame stacking, GRU and LSTM uni/bidirectional, log-softmax + CTC, the whole net with and
 * without dropout), plus the invariances padding must keep: an utterance gives the same
 * outputs alone as inside a padded batch, and padded frames get no gradient. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

static void fill_uniform(float *x, size_t n, float a, uint64_t *rng)
{
    for (size_t i = 0; i < n; i++)
        x[i] = a * (2.0f * nn_rand_uniform(rng) - 1.0f);
}

typedef double (*loss_fn)(void *ctx);

/* Central differences on up to max_checks entries of param against grad. The loss is summed in
 * double; eps is large enough that float rounding in the forward stays well below the
 * tolerance. */
static void fd_check(const char *what, loss_fn f, void *ctx, float *param, const float *grad,
                     size_t n, int max_checks, double eps, double rtol, double atol)
{
    size_t step = n <= (size_t)max_checks ? 1 : n / (size_t)max_checks;
    int bad = 0;
    for (size_t i = 0; i < n; i += step) {
        float save = param[i];
        param[i] = (float)(save + eps);
        double lp = f(ctx);
        param[i] = (float)(save - eps);
        double lm = f(ctx);
        param[i] = save;
        double num = (lp - lm) / (2.0 * eps), ana = grad[i];
        double tol = atol + rtol * fmax(fabs(num), fabs(ana));
        if (!(fabs(num - ana) <= tol)) {
            if (bad++ < 5)
                print_error("%s[%zu]: numeric %.6g analytic %.6g\n", what, i, num, ana);
        }
    }
    assert_int_equal(bad, 0);
}

/* ---- dense and stacking --------------------------------------------------------------------- */

typedef struct {
    float *x, *w, *b, *y, *r;
    int N, I, O;
} dense_ctx;

static double dense_loss(void *p)
{
    dense_ctx *c = p;
    nn_dense_forward(c->x, c->w, c->b, c->y, c->N, c->I, c->O);
    double s = 0.0;
    for (int i = 0; i < c->N * c->O; i++)
        s += (double)c->y[i] * c->r[i];
    return s;
}

static void test_dense_grad(void **state)
{
    (void)state;
    uint64_t rng = 1;
    dense_ctx c = {.N = 4, .I = 5, .O = 3};
    float *mem = calloc(1000, sizeof(float));
    c.x = mem; c.w = mem + 20; c.b = mem + 40; c.y = mem + 50; c.r = mem + 70;
    float *dx = mem + 100, *dw = mem + 120, *db = mem + 140;
    fill_uniform(c.x, 20, 1.0f, &rng);
    fill_uniform(c.w, 15, 1.0f, &rng);
    fill_uniform(c.b, 3, 1.0f, &rng);
    fill_uniform(c.r, 12, 1.0f, &rng);
    nn_dense_backward(c.x, c.w, c.r, dw, db, dx, c.N, c.I, c.O);
    fd_check("dense dx", dense_loss, &c, c.x, dx, 20, 100, 1e-2, 1e-3, 1e-4);
    fd_check("dense dw", dense_loss, &c, c.w, dw, 15, 100, 1e-2, 1e-3, 1e-4);
    fd_check("dense db", dense_loss, &c, c.b, db, 3, 100, 1e-2, 1e-3, 1e-4);
    /* backward accumulates: a second call doubles the gradients */
    float db1[3];
    memcpy(db1, db, sizeof db1);
    nn_dense_backward(c.x, c.w, c.r, dw, db, dx, c.N, c.I, c.O);
    for (int i = 0; i < 3; i++)
        assert_float_equal(db[i], 2.0f * db1[i], 1e-6);
    free(mem);
}

/* Stacking is linear, so its backward must be the exact adjoint: <S x, r> == <x, S^T r>. */
static void test_stack_adjoint(void **state)
{
    (void)state;
    enum { B = 3, T = 7, F = 2, K = 3, TO = 3 };
    int len[B] = {7, 4, 1};
    float x[B * T * F], xs[TO * B * F * K], r[TO * B * F * K], dx[B * T * F];
    uint64_t rng = 5;
    fill_uniform(x, B * T * F, 1.0f, &rng);
    fill_uniform(r, TO * B * F * K, 1.0f, &rng);
    nn_stack_forward(x, len, B, T, F, K, xs);
    /* frame j of utterance b holds input frames 3j..3j+2 */
    assert_memory_equal(xs + (1 * B + 0) * F * K, x + (0 * T + 3) * F, F * K * sizeof(float));
    /* utterance 1 has 4 frames: output frame 1 holds frame 3 then zeros */
    const float *o = xs + (1 * B + 1) * F * K;
    assert_memory_equal(o, x + (1 * T + 3) * F, F * sizeof(float));
    for (int i = F; i < F * K; i++)
        assert_true(o[i] == 0.0f);
    memset(dx, 0, sizeof dx);
    nn_stack_backward(r, len, B, T, F, K, dx);
    double lhs = 0, rhs = 0;
    for (int i = 0; i < TO * B * F * K; i++)
        lhs += (double)xs[i] * r[i];
    for (int i = 0; i < B * T * F; i++)
        rhs += (double)x[i] * dx[i];
    assert_float_equal(lhs, rhs, 1e-5);
    for (int b = 0; b < B; b++) /* frames past the end get no gradient */
        for (int t = len[b]; t < T; t++)
            for (int f = 0; f < F; f++)
                assert_true(dx[(b * T + t) * F + f] == 0.0f);
}

/* ---- recurrent layers ----------------------------------------------------------------------- */

typedef struct {
    nn_rnn_dims d;
    int B, T, *len;
    float *params, *grads, *x, *dx, *r;
    nn_rnn_params p, g;
    nn_rnn_act a;
    nn_rnn_scratch s;
    float *mem;
} rnn_ctx;

static double rnn_loss(void *p)
{
    rnn_ctx *c = p;
    memset(c->a.hs, 0, (size_t)c->d.D * (c->T + 1) * c->B * c->d.H * sizeof(float));
    if (c->a.cs)
        memset(c->a.cs, 0, (size_t)c->d.D * (c->T + 1) * c->B * c->d.H * sizeof(float));
    nn_rnn_forward(&c->d, &c->p, &c->a, c->x, c->len, c->B, c->T);
    double s = 0.0;
    for (size_t i = 0; i < (size_t)c->T * c->B * c->d.D * c->d.H; i++)
        s += (double)c->a.y[i] * c->r[i];
    return s;
}

static void rnn_setup(rnn_ctx *c, hark_cell cell, int D, int I, int H, int B, int T, int *len,
                      uint64_t seed)
{
    memset(c, 0, sizeof *c);
    c->d = (nn_rnn_dims){.cell = cell, .in = I, .H = H, .D = D};
    c->B = B;
    c->T = T;
    c->len = len;
    size_t np = nn_rnn_num_params(&c->d), na = nn_rnn_act_floats(&c->d, B, T);
    size_t ns = nn_rnn_scratch_floats(&c->d, B, T), nx = (size_t)T * B * I, ny = (size_t)T * B * D * H;
    c->mem = calloc(2 * np + na + ns + 2 * nx + ny, sizeof(float));
    assert_non_null(c->mem);
    c->params = c->mem;
    c->grads = c->params + np;
    c->a = nn_rnn_act_carve(&c->d, B, T, c->grads + np);
    c->s = nn_rnn_scratch_carve(&c->d, B, T, c->grads + np + na);
    c->x = c->grads + np + na + ns;
    c->dx = c->x + nx;
    c->r = c->dx + nx;
    c->p = nn_rnn_carve(&c->d, c->params);
    c->g = nn_rnn_carve(&c->d, c->grads);
    uint64_t rng = seed;
    fill_uniform(c->params, np, 0.6f, &rng);
    fill_uniform(c->x, nx, 1.0f, &rng);
    fill_uniform(c->r, ny, 1.0f, &rng);
}

static void rnn_grad_case(hark_cell cell, int D, int H)
{
    int len[3] = {5, 3, 1};
    rnn_ctx c;
    rnn_setup(&c, cell, D, 3, H, 3, 6, len, 11 + (uint64_t)D + 7 * (uint64_t)cell);
    rnn_loss(&c);
    nn_rnn_backward(&c.d, &c.p, &c.g, &c.a, &c.s, c.x, len, c.B, c.T, c.r, c.dx);
    const char *name = cell == HARK_CELL_GRU ? (D == 2 ? "bigru" : "gru") : (D == 2 ? "bilstm" : "lstm");
    char what[64];
    snprintf(what, sizeof what, "%s params", name);
    fd_check(what, rnn_loss, &c, c.params, c.grads, nn_rnn_num_params(&c.d), 400, 1e-2, 2e-3, 2e-4);
    snprintf(what, sizeof what, "%s input", name);
    fd_check(what, rnn_loss, &c, c.x, c.dx, (size_t)c.T * c.B * c.d.in, 400, 1e-2, 2e-3, 2e-4);
    for (int t = 0; t < c.T; t++) /* padded frames: no gradient, zero output */
        for (int b = 0; b < c.B; b++)
            if (t >= len[b]) {
                for (int i = 0; i < c.d.in; i++)
                    assert_true(c.dx[((size_t)t * c.B + b) * c.d.in + i] == 0.0f);
                for (int i = 0; i < D * c.d.H; i++)
                    assert_true(c.a.y[((size_t)t * c.B + b) * D * c.d.H + i] == 0.0f);
            }
    free(c.mem);
}

/* H = 4 runs only the scalar tail of the gate loops, H = 21 a vector block and a tail. */
static void test_gru_grad(void **state) { (void)state; rnn_grad_case(HARK_CELL_GRU, 1, 4); }
static void test_bigru_grad(void **state)
{
    (void)state;
    rnn_grad_case(HARK_CELL_GRU, 2, 4);
    rnn_grad_case(HARK_CELL_GRU, 2, 21);
}
static void test_lstm_grad(void **state) { (void)state; rnn_grad_case(HARK_CELL_LSTM, 1, 4); }
static void test_bilstm_grad(void **state)
{
    (void)state;
    rnn_grad_case(HARK_CELL_LSTM, 2, 4);
    rnn_grad_case(HARK_CELL_LSTM, 2, 21);
}

/* An utterance alone and inside a padded batch (with garbage in its padding) gives the same
 * outputs: the backward direction starts at its own last frame. */
static void padding_case(hark_cell cell)
{
    int len[3] = {6, 2, 4}, one[1] = {2};
    rnn_ctx c, s;
    rnn_setup(&c, cell, 2, 3, 5, 3, 6, len, 21);
    rnn_setup(&s, cell, 2, 3, 5, 1, 2, one, 22);
    memcpy(s.params, c.params, nn_rnn_num_params(&c.d) * sizeof(float));
    for (int t = 0; t < 2; t++) /* utterance 1 of the batch, alone */
        memcpy(s.x + (size_t)t * 3, c.x + ((size_t)t * 3 + 1) * 3, 3 * sizeof(float));
    rnn_loss(&c);
    rnn_loss(&s);
    for (int t = 0; t < 2; t++)
        for (int i = 0; i < 10; i++)
            assert_float_equal(s.a.y[(size_t)t * 10 + i], c.a.y[((size_t)t * 3 + 1) * 10 + i], 1e-6);
    free(c.mem);
    free(s.mem);
}

static void test_padding_invariance(void **state)
{
    (void)state;
    padding_case(HARK_CELL_GRU);
    padding_case(HARK_CELL_LSTM);
}

/* ---- log-softmax + CTC ---------------------------------------------------------------------- */

typedef struct {
    float *z, *lp, *losses;
    int B, T, V, *in_len, *tgt, *tgt_len;
} ctc_ctx;

static double ctc_total(void *p)
{
    ctc_ctx *c = p;
    nn_log_softmax(c->z, c->lp, c->B * c->T, c->V);
    assert_int_equal(hark_ctc_loss(c->lp, c->B, c->T, c->V, c->in_len, c->tgt, c->tgt_len,
                                   c->losses, NULL), HARK_OK);
    double s = 0.0;
    for (int b = 0; b < c->B; b++)
        s += c->losses[b];
    return s;
}

static void test_ctc_grad(void **state)
{
    (void)state;
    enum { B = 3, T = 6, V = 5 };
    int in_len[B] = {6, 4, 3}, tgt[] = {1, 2, 2, 3, 4, 4}, tgt_len[B] = {3, 2, 1};
    float z[B * T * V], lp[B * T * V], g[B * T * V], losses[B];
    uint64_t rng = 3;
    fill_uniform(z, B * T * V, 2.0f, &rng);
    ctc_ctx c = {z, lp, losses, B, T, V, in_len, tgt, tgt_len};
    nn_log_softmax(z, lp, B * T, V);
    assert_int_equal(hark_ctc_loss(lp, B, T, V, in_len, tgt, tgt_len, losses, g), HARK_OK);
    /* padded frames carry no gradient, so the FD check only sees the valid ones */
    for (int b = 0; b < B; b++)
        for (int t = in_len[b]; t < T; t++)
            for (int v = 0; v < V; v++)
                assert_true(g[(b * T + t) * V + v] == 0.0f);
    fd_check("ctc dlogits", ctc_total, &c, z, g, B * T * V, 1000, 1e-2, 2e-3, 2e-4);
}

/* ---- the whole net -------------------------------------------------------------------------- */

typedef struct {
    hark_net *net;
    hark_net_ws *ws;
    float *x, *dlog, *losses;
    int B, T, *len, *tgt, *tgt_len;
    uint64_t seed;
} net_ctx;

static double net_loss_grad(net_ctx *c, int want_grad)
{
    const float *lp;
    int out_len[8], To;
    uint64_t rng = c->seed; /* the same dropout mask every call */
    assert_int_equal(hark_net_forward(c->net, c->ws, c->x, c->len, c->B, c->T, 1, &rng, &lp,
                                      out_len, &To), HARK_OK);
    int V = hark_net_get_config(c->net)->n_output;
    assert_int_equal(hark_ctc_loss(lp, c->B, To, V, out_len, c->tgt, c->tgt_len, c->losses,
                                   want_grad ? c->dlog : NULL), HARK_OK);
    double s = 0.0;
    for (int b = 0; b < c->B; b++)
        s += c->losses[b];
    return s;
}

static double net_loss(void *p) { return net_loss_grad(p, 0); }

static void net_grad_case(hark_cell cell, int bidir, float dropout)
{
    hark_net_config cfg = {.n_input = 3, .stack = 2, .n_layers = 2, .hidden = 4,
                           .bidirectional = bidir, .cell = cell, .n_output = 5, .dropout = dropout};
    net_ctx c = {.B = 3, .T = 9, .seed = 77};
    int len[3] = {9, 6, 3}, tgt[] = {1, 2, 3, 3, 4}, tgt_len[3] = {2, 2, 1};
    c.len = len;
    c.tgt = tgt;
    c.tgt_len = tgt_len;
    c.net = hark_net_create(&cfg, 5);
    assert_non_null(c.net);
    c.ws = hark_net_ws_create(c.net, 3, 9);
    assert_non_null(c.ws);
    float x[3 * 9 * 3], dlog[3 * 5 * 5], losses[3];
    uint64_t rng = 9;
    fill_uniform(x, sizeof x / sizeof x[0], 1.0f, &rng);
    c.x = x;
    c.dlog = dlog;
    c.losses = losses;
    hark_net_zero_grads(c.net);
    net_loss_grad(&c, 1);
    assert_int_equal(hark_net_backward(c.net, c.ws, dlog), HARK_OK);
    fd_check("net params", net_loss, &c, hark_net_params(c.net), hark_net_grads(c.net),
             hark_net_num_params(c.net), 300, 1e-2, 3e-3, 3e-4);
    hark_net_ws_free(c.ws);
    hark_net_free(c.net);
}

static void test_net_grad_gru(void **state) { (void)state; net_grad_case(HARK_CELL_GRU, 1, 0.0f); }
static void test_net_grad_lstm(void **state) { (void)state; net_grad_case(HARK_CELL_LSTM, 0, 0.0f); }
static void test_net_grad_dropout(void **state) { (void)state; net_grad_case(HARK_CELL_GRU, 1, 0.4f); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense_grad),
        cmocka_unit_test(test_stack_adjoint),
        cmocka_unit_test(test_gru_grad),
        cmocka_unit_test(test_bigru_grad),
        cmocka_unit_test(test_lstm_grad),
        cmocka_unit_test(test_bilstm_grad),
        cmocka_unit_test(test_padding_invariance),
        cmocka_unit_test(test_ctc_grad),
        cmocka_unit_test(test_net_grad_gru),
        cmocka_unit_test(test_net_grad_lstm),
        cmocka_unit_test(test_net_grad_dropout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
