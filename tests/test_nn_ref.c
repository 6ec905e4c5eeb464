/* test_nn_ref.c - the network against PyTorch 1.13, from the fixtures tests/ref/nn_fixtures.py
 * writes (/usr/bin/python3 tests/ref/nn_fixtures.py): 2-layer GRU and LSTM, uni- and
 * bidirectional, over packed sequences of mixed lengths (outputs, every weight gradient and the
 * input gradient); CTC losses and logit gradients on a batch with an infeasible utterance; and
 * a tiny whole net's first-step outputs and gradients and its 10-step Adam loss trajectory.
 * Outputs must match to 1e-4, gradients to 1e-3 relative (absolute floor noted at each). */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

static const float *need(const tu_fixture *fx, const char *name, int *ndim, int dims[8])
{
    const float *a = tu_fixture_get(fx, name, ndim, dims);
    if (!a)
        fail_msg("fixture array %s missing", name);
    return a;
}

static void expect_close(const char *what, const float *got, const float *want, size_t n,
                         double rel, double floor)
{
    double d = tu_max_rel_diff(got, want, n, floor);
    if (!(d <= rel))
        fail_msg("%s: max relative difference %g > %g", what, d, rel);
}

/* (B, T, C) batch-major <-> (T*B, C) time-major */
static void to_time_major(const float *src, float *dst, int B, int T, int C)
{
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            memcpy(dst + ((size_t)t * B + b) * C, src + ((size_t)b * T + t) * C, (size_t)C * sizeof(float));
}

static void to_batch_major(const float *src, float *dst, int B, int T, int C)
{
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            memcpy(dst + ((size_t)b * T + t) * C, src + ((size_t)t * B + b) * C, (size_t)C * sizeof(float));
}

/* Pointer to torch tensor `kind` (0 w_ih, 1 w_hh, 2 b_ih, 3 b_hh) of direction dir inside one
 * layer's block. */
static float *layer_part(const nn_rnn_dims *d, const nn_rnn_params *p, int kind, int dir)
{
    size_t GH = (size_t)nn_cell_gates(d->cell) * d->H;
    switch (kind) {
    case 0: return p->w_ih + dir * GH * d->in;
    case 1: return p->w_hh + dir * GH * d->H;
    case 2: return p->b_ih + dir * GH;
    default: return p->b_hh + dir * GH;
    }
}

static const char *kinds[4] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};

static void rnn_case(const tu_fixture *fx, const char *prefix, hark_cell cell, int D)
{
    char name[128];
    int nd, dx_[8], dy_[8], dh_[8];
    snprintf(name, sizeof name, "%sx", prefix);
    const float *x = need(fx, name, &nd, dx_);
    int B = dx_[0], T = dx_[1], I = dx_[2];
    snprintf(name, sizeof name, "%sy", prefix);
    const float *y_ref = need(fx, name, &nd, dy_);
    snprintf(name, sizeof name, "%sweight_hh_l0", prefix);
    need(fx, name, &nd, dh_);
    int H = dh_[1];
    assert_int_equal(dy_[2], D * H);
    snprintf(name, sizeof name, "%slengths", prefix);
    const float *lf = need(fx, name, NULL, NULL);
    int len[8];
    for (int b = 0; b < B; b++)
        len[b] = (int)lf[b];
    snprintf(name, sizeof name, "%sr", prefix);
    const float *r = need(fx, name, NULL, NULL);

    nn_rnn_dims dims[2] = {{cell, I, H, D}, {cell, D * H, H, D}};
    size_t np[2], na[2], off = 0;
    for (int l = 0; l < 2; l++) {
        np[l] = nn_rnn_num_params(&dims[l]);
        na[l] = nn_rnn_act_floats(&dims[l], B, T);
    }
    size_t rows = (size_t)T * B, ns = nn_rnn_scratch_floats(&dims[1], B, T);
    float *mem = calloc(2 * (np[0] + np[1]) + na[0] + na[1] + ns + rows * (2 * I + 4 * D * H), sizeof(float));
    assert_non_null(mem);
    nn_rnn_params p[2], g[2];
    nn_rnn_act a[2];
    for (int l = 0; l < 2; l++) {
        p[l] = nn_rnn_carve(&dims[l], mem + off);
        g[l] = nn_rnn_carve(&dims[l], mem + off + np[l]);
        off += 2 * np[l];
    }
    for (int l = 0; l < 2; l++) {
        a[l] = nn_rnn_act_carve(&dims[l], B, T, mem + off);
        off += na[l];
    }
    nn_rnn_scratch s = nn_rnn_scratch_carve(&dims[1], B, T, mem + off);
    off += ns;
    float *xt = mem + off, *dxt = xt + rows * I, *rt = dxt + rows * I, *dy0 = rt + rows * D * H;
    float *tmp = dy0 + rows * D * H;
    for (int l = 0; l < 2; l++)
        for (int dir = 0; dir < D; dir++)
            for (int k = 0; k < 4; k++) {
                snprintf(name, sizeof name, "%s%s_l%d%s", prefix, kinds[k], l, dir ? "_reverse" : "");
                size_t n = tu_fixture_numel(fx, name);
                memcpy(layer_part(&dims[l], &p[l], k, dir), need(fx, name, NULL, NULL), n * sizeof(float));
            }
    to_time_major(x, xt, B, T, I);
    to_time_major(r, rt, B, T, D * H);
    nn_rnn_forward(&dims[0], &p[0], &a[0], xt, len, B, T);
    nn_rnn_forward(&dims[1], &p[1], &a[1], a[0].y, len, B, T);
    to_batch_major(a[1].y, tmp, B, T, D * H);
    snprintf(name, sizeof name, "%soutput", prefix);
    expect_close(name, tmp, y_ref, rows * D * H, 1e-4, 1e-2);
    nn_rnn_backward(&dims[1], &p[1], &g[1], &a[1], &s, a[0].y, len, B, T, rt, dy0);
    nn_rnn_backward(&dims[0], &p[0], &g[0], &a[0], &s, xt, len, B, T, dy0, dxt);
    to_batch_major(dxt, tmp, B, T, I);
    snprintf(name, sizeof name, "%sdx", prefix);
    expect_close(name, tmp, need(fx, name, NULL, NULL), rows * I, 1e-3, 1e-2);
    for (int l = 0; l < 2; l++)
        for (int dir = 0; dir < D; dir++)
            for (int k = 0; k < 4; k++) {
                snprintf(name, sizeof name, "%sgrad.%s_l%d%s", prefix, kinds[k], l, dir ? "_reverse" : "");
                expect_close(name, layer_part(&dims[l], &g[l], k, dir), need(fx, name, NULL, NULL),
                             tu_fixture_numel(fx, name), 1e-3, 1e-2);
            }
    free(mem);
}

static tu_fixture *load(const char *rel)
{
    tu_fixture *fx = tu_fixture_load(tu_src(rel));
    if (!fx)
        fail_msg("cannot load %s (regenerate with /usr/bin/python3 tests/ref/nn_fixtures.py)", rel);
    return fx;
}

static void test_rnn_vs_torch(void **state)
{
    (void)state;
    tu_fixture *fx = load("tests/ref/nn_rnn.hkfx");
    rnn_case(fx, "gru.", HARK_CELL_GRU, 1);
    rnn_case(fx, "gru_bi.", HARK_CELL_GRU, 2);
    rnn_case(fx, "lstm.", HARK_CELL_LSTM, 1);
    rnn_case(fx, "lstm_bi.", HARK_CELL_LSTM, 2);
    tu_fixture_free(fx);
}

static int *to_ints(const float *f, size_t n)
{
    int *v = malloc((n ? n : 1) * sizeof(int));
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = (int)f[i];
    return v;
}

static void test_ctc_vs_torch(void **state)
{
    (void)state;
    tu_fixture *fx = load("tests/ref/ctc_ref.hkfx");
    int nd, d[8];
    const float *logits = need(fx, "logits", &nd, d);
    int B = d[0], T = d[1], V = d[2];
    const float *lp_ref = need(fx, "logprobs", NULL, NULL);
    float *lp = malloc(sizeof(float) * B * T * V), *g = malloc(sizeof(float) * B * T * V);
    float losses[8];
    assert_non_null(lp);
    assert_non_null(g);
    nn_log_softmax(logits, lp, B * T, V);
    expect_close("log_softmax", lp, lp_ref, (size_t)B * T * V, 1e-5, 1.0);
    int *il = to_ints(need(fx, "in_lengths", NULL, NULL), (size_t)B);
    int *tl = to_ints(need(fx, "target_lengths", NULL, NULL), (size_t)B);
    int *tg = to_ints(need(fx, "targets", NULL, NULL), tu_fixture_numel(fx, "targets"));
    assert_int_equal(hark_ctc_loss(lp_ref, B, T, V, il, tg, tl, losses, g), HARK_OK);
    const float *want = need(fx, "losses", NULL, NULL);
    for (int b = 0; b < B; b++) {
        if (isinf(want[b]))
            assert_true(isinf(losses[b]) && losses[b] > 0);
        else
            assert_float_equal(losses[b], want[b], 1e-4 * fabs(want[b]));
    }
    expect_close("ctc dlogits", g, need(fx, "dlogits", NULL, NULL), (size_t)B * T * V, 1e-3, 1e-2);
    free(il);
    free(tl);
    free(tg);
    free(lp);
    free(g);
    tu_fixture_free(fx);
}

/* The whole net: same initial weights, same batch; step-0 outputs and gradients, then ten Adam
 * steps with clipping whose losses must follow PyTorch's. */
static void test_training_vs_torch(void **state)
{
    (void)state;
    tu_fixture *fx = load("tests/ref/nn_train.hkfx");
    int nd, d[8];
    const float *x = need(fx, "x", &nd, d);
    int B = d[0], T = d[1], F = d[2];
    int *len = to_ints(need(fx, "lengths", NULL, NULL), (size_t)B);
    int *tl = to_ints(need(fx, "target_lengths", NULL, NULL), (size_t)B);
    int *tg = to_ints(need(fx, "targets", NULL, NULL), tu_fixture_numel(fx, "targets"));
    need(fx, "init.rnn.weight_hh_l0", &nd, d);
    int H = d[1];
    need(fx, "init.out.weight", &nd, d);
    int V = d[0];
    const float *hyper = need(fx, "hyper", NULL, NULL);
    hark_net_config cfg = {.n_input = F, .stack = 2, .n_layers = 2, .hidden = H, .bidirectional = 1,
                           .cell = HARK_CELL_GRU, .n_output = V, .dropout = 0.0f};
    hark_net *net = hark_net_create(&cfg, 1);
    hark_net_ws *ws = hark_net_ws_create(net, B, T);
    assert_non_null(ws);
    char name[128];
    for (int i = 0; i < hark_net_num_tensors(net); i++) {
        hark_tensor_info t;
        assert_int_equal(hark_net_tensor(net, i, &t), HARK_OK);
        snprintf(name, sizeof name, "init.%s", t.name);
        assert_int_equal(tu_fixture_numel(fx, name), t.numel);
        memcpy(hark_net_params(net) + t.offset, need(fx, name, NULL, NULL), t.numel * sizeof(float));
    }
    hark_adam_config acfg = hark_adam_default_config();
    acfg.clip_norm = hyper[1];
    hark_adam *opt = hark_adam_create(hark_net_num_params(net), &acfg);
    assert_non_null(opt);
    const float *want_loss = need(fx, "losses", NULL, NULL), *want_norm = need(fx, "grad_norms", NULL, NULL);
    const float *lp0 = need(fx, "step0.logprobs", NULL, NULL);
    float *dlog = malloc(sizeof(float) * B * T * V), losses[8];
    assert_non_null(dlog);
    for (int step = 0; step < 10; step++) {
        const float *lp;
        int out_len[8], To;
        hark_net_zero_grads(net);
        assert_int_equal(hark_net_forward(net, ws, x, len, B, T, 1, NULL, &lp, out_len, &To), HARK_OK);
        assert_int_equal(hark_ctc_loss(lp, B, To, V, out_len, tg, tl, losses, dlog), HARK_OK);
        double loss = 0;
        for (int b = 0; b < B; b++)
            loss += losses[b];
        assert_int_equal(hark_net_backward(net, ws, dlog), HARK_OK);
        if (step == 0) {
            for (int b = 0; b < B; b++) /* torch's padded frames hold log_softmax(bias) */
                expect_close("step0 logprobs", lp + (size_t)b * To * V, lp0 + (size_t)b * To * V,
                             (size_t)out_len[b] * V, 1e-4, 1.0);
            for (int i = 0; i < hark_net_num_tensors(net); i++) {
                hark_tensor_info t;
                hark_net_tensor(net, i, &t);
                snprintf(name, sizeof name, "step0.grad.%s", t.name);
                expect_close(name, hark_net_grads(net) + t.offset, need(fx, name, NULL, NULL), t.numel,
                             1e-3, 1e-2);
            }
        }
        float norm;
        assert_int_equal(hark_adam_step(opt, hark_net_params(net), hark_net_grads(net), hyper[0], &norm),
                         HARK_OK);
        if (!(fabs(loss - want_loss[step]) <= 1e-4 * fabs(want_loss[step])))
            fail_msg("step %d: loss %.7g, PyTorch %.7g", step, loss, (double)want_loss[step]);
        assert_float_equal(norm, want_norm[step], 1e-3 * want_norm[step]);
    }
    for (int i = 0; i < hark_net_num_tensors(net); i++) {
        hark_tensor_info t;
        hark_net_tensor(net, i, &t);
        snprintf(name, sizeof name, "final.%s", t.name);
        expect_close(name, hark_net_params(net) + t.offset, need(fx, name, NULL, NULL), t.numel, 1e-3, 0.1);
    }
    free(dlog);
    free(len);
    free(tl);
    free(tg);
    hark_adam_free(opt);
    hark_net_ws_free(ws);
    hark_net_free(net);
    tu_fixture_free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rnn_vs_torch),
        cmocka_unit_test(test_ctc_vs_torch),
        cmocka_unit_test(test_training_vs_torch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
