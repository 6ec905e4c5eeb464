/* test_nn_bptt.c - truncated backpropagation through time (hark_net_ws_set_bptt_truncation):
 * a truncation at or past the utterance length is full BPTT bit for bit, a shorter one changes
 * the gradient, with the loss only in the last chunk no gradient reaches the frames before it
 * (checked exactly through an input feature that is zero inside that chunk only), and a GRU's
 * gradients match a small double-precision re-implementation with the same cut. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hark/nn.h"

enum { F = 3, H = 4, V = 5, T = 9, MAXB = 2 };

static hark_net *make_net(hark_cell cell, int bidirectional, uint64_t seed)
{
    hark_net_config c = hark_net_default_config();
    c.n_input = F;
    c.stack = 1;
    c.n_layers = 1;
    c.hidden = H;
    c.bidirectional = bidirectional;
    c.cell = cell;
    c.n_output = V;
    c.dropout = 0.0f;
    hark_net *net = hark_net_create(&c, seed);
    assert_non_null(net);
    return net;
}

static float frand(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((*s >> 40) & 0xffffff) / 16777216.0f * 2.0f - 1.0f;
}

/* The parameter gradient of one training forward and backward with truncation k, into out. */
static void grads_with(hark_net *net, hark_net_ws *ws, const float *x, const int *len, int B,
                       const float *dlogits, int k, float *out)
{
    uint64_t rng = 7;
    const float *lp = NULL;
    int To = 0;
    assert_int_equal(hark_net_ws_set_bptt_truncation(ws, k), HARK_OK);
    hark_net_zero_grads(net);
    assert_int_equal(hark_net_forward(net, ws, x, len, B, T, 1, &rng, &lp, NULL, &To), HARK_OK);
    assert_int_equal(To, T);
    assert_int_equal(hark_net_backward(net, ws, dlogits), HARK_OK);
    memcpy(out, hark_net_grads(net), hark_net_num_params(net) * sizeof(float));
}

static void full_equal_case(hark_cell cell, int bidirectional)
{
    hark_net *net = make_net(cell, bidirectional, 11);
    hark_net_ws *ws = hark_net_ws_create(net, MAXB, T);
    assert_non_null(ws);
    size_t n = hark_net_num_params(net);
    float x[MAXB * T * F], dl[MAXB * T * V];
    int len[MAXB] = {T, T - 3};
    uint64_t s = 3;
    for (int i = 0; i < MAXB * T * F; i++)
        x[i] = frand(&s);
    for (int b = 0; b < MAXB; b++)
        for (int t = 0; t < T; t++)
            for (int v = 0; v < V; v++)
                dl[(b * T + t) * V + v] = t < len[b] ? frand(&s) : 0.0f;
    float *g0 = malloc(n * sizeof *g0), *gk = malloc(n * sizeof *gk);
    assert_non_null(g0);
    assert_non_null(gk);
    grads_with(net, ws, x, len, MAXB, dl, 0, g0);
    grads_with(net, ws, x, len, MAXB, dl, T, gk);
    assert_memory_equal(g0, gk, n * sizeof(float));
    grads_with(net, ws, x, len, MAXB, dl, 1000, gk);
    assert_memory_equal(g0, gk, n * sizeof(float));
    grads_with(net, ws, x, len, MAXB, dl, 3, gk);
    assert_memory_not_equal(g0, gk, n * sizeof(float));
    free(g0);
    free(gk);
    hark_net_ws_free(ws);
    hark_net_free(net);
}

static void test_full_equal(void **state)
{
    (void)state;
    full_equal_case(HARK_CELL_GRU, 0);
    full_equal_case(HARK_CELL_GRU, 1);
    full_equal_case(HARK_CELL_LSTM, 0);
    full_equal_case(HARK_CELL_LSTM, 1);
}

/* A unidirectional net, one utterance of T = 9 steps, truncation 3 (chunks [0,3) [3,6) [6,9)),
 * the loss gradient only on steps 6..8, and input feature 2 zero on exactly those steps. The
 * weight_ih gradient is sum_t dgates[t] x[t]^T, so its column 2 collects only steps before 6:
 * exactly zero when truncation keeps the gradient inside the last chunk, non-zero with full
 * BPTT. Cutting more often (every step) would also zero it, so the gradient must differ from
 * truncation 1 and equal truncation 6, whose only cut inside the utterance is the same one. */
static void cut_case(hark_cell cell)
{
    enum { K = 3, CUT = 6 };
    hark_net *net = make_net(cell, 0, 5);
    hark_net_ws *ws = hark_net_ws_create(net, 1, T);
    assert_non_null(ws);
    size_t n = hark_net_num_params(net);
    int len[1] = {T};
    float x[T * F], dl[T * V];
    uint64_t s = 9;
    for (int t = 0; t < T; t++)
        for (int f = 0; f < F; f++)
            x[t * F + f] = f == 2 && t >= CUT ? 0.0f : frand(&s);
    for (int t = 0; t < T; t++)
        for (int v = 0; v < V; v++)
            dl[t * V + v] = t >= CUT ? frand(&s) : 0.0f;
    int wi = hark_net_find_tensor(net, "rnn.weight_ih_l0");
    assert_true(wi >= 0);
    hark_tensor_info ti;
    assert_int_equal(hark_net_tensor(net, wi, &ti), HARK_OK);
    assert_int_equal(ti.shape[1], F);
    int rows = ti.shape[0];

    float *gf = malloc(n * sizeof *gf), *gk = malloc(n * sizeof *gk), *g1 = malloc(n * sizeof *g1);
    assert_non_null(gf);
    assert_non_null(gk);
    assert_non_null(g1);
    grads_with(net, ws, x, len, 1, dl, 0, gf);
    grads_with(net, ws, x, len, 1, dl, K, gk);
    grads_with(net, ws, x, len, 1, dl, 1, g1);
    double full_col2 = 0, trunc_col2 = 0, trunc_rest = 0;
    for (int r = 0; r < rows; r++) {
        full_col2 += fabs(gf[ti.offset + (size_t)r * F + 2]);
        trunc_col2 += fabs(gk[ti.offset + (size_t)r * F + 2]);
        trunc_rest += fabs(gk[ti.offset + (size_t)r * F]) + fabs(gk[ti.offset + (size_t)r * F + 1]);
    }
    assert_true(full_col2 > 1e-6);   /* full BPTT reaches the steps before the cut */
    assert_true(trunc_col2 == 0.0);  /* truncation does not */
    assert_true(trunc_rest > 1e-6);  /* but the last chunk still learns */
    assert_memory_not_equal(gk, g1, n * sizeof(float));
    grads_with(net, ws, x, len, 1, dl, CUT, g1);
    assert_memory_equal(gk, g1, n * sizeof(float));
    free(gf);
    free(gk);
    free(g1);
    hark_net_ws_free(ws);
    hark_net_free(net);
}

static void test_cut(void **state)
{
    (void)state;
    cut_case(HARK_CELL_GRU);
    cut_case(HARK_CELL_LSTM);
}

/* ---- a double-precision GRU reference (torch.nn.GRU equations, see nn_gru.c) -------------- */

static double sigm(double v) { return 1.0 / (1.0 + exp(-v)); }

typedef struct gru_ref {
    const float *wih, *whh, *bih, *bhh, *wout; /* the net's own parameters */
    double dwih[3 * H * F], dwhh[3 * H * H], dbih[3 * H], dbhh[3 * H];
} gru_ref;

static const float *tensor_of(const hark_net *net, const float *block, const char *name)
{
    int i = hark_net_find_tensor(net, name);
    assert_true(i >= 0);
    hark_tensor_info ti;
    assert_int_equal(hark_net_tensor(net, i, &ti), HARK_OK);
    return block + ti.offset;
}

/* Forward over one utterance of T steps, then backward with dL/dlogits = dl, the carried dh
 * cleared after every step t with k > 0 and t % k == 0. */
static void gru_ref_run(gru_ref *g, const float *x, const float *dl, int k)
{
    double hs[T + 1][H], r[T][H], z[T][H], nv[T][H], hn[T][H];
    memset(hs, 0, sizeof hs);
    for (int t = 0; t < T; t++)
        for (int j = 0; j < H; j++) {
            double a[3], b[3];
            for (int q = 0; q < 3; q++) {
                int row = q * H + j;
                a[q] = g->bih[row];
                for (int f = 0; f < F; f++)
                    a[q] += (double)g->wih[row * F + f] * x[t * F + f];
                b[q] = g->bhh[row];
                for (int i = 0; i < H; i++)
                    b[q] += (double)g->whh[row * H + i] * hs[t][i];
            }
            r[t][j] = sigm(a[0] + b[0]);
            z[t][j] = sigm(a[1] + b[1]);
            hn[t][j] = b[2];
            nv[t][j] = tanh(a[2] + r[t][j] * b[2]);
            hs[t + 1][j] = (1 - z[t][j]) * nv[t][j] + z[t][j] * hs[t][j];
        }
    memset(g->dwih, 0, sizeof g->dwih);
    memset(g->dwhh, 0, sizeof g->dwhh);
    memset(g->dbih, 0, sizeof g->dbih);
    memset(g->dbhh, 0, sizeof g->dbhh);
    double dh[H] = {0};
    for (int t = T - 1; t >= 0; t--) {
        double dgi[3 * H], dgh[3 * H], dprev[H];
        for (int j = 0; j < H; j++) {
            double d = dh[j];
            for (int v = 0; v < V; v++)
                d += (double)g->wout[v * H + j] * dl[t * V + v];
            double dan = d * (1 - z[t][j]) * (1 - nv[t][j] * nv[t][j]);
            double daz = d * (hs[t][j] - nv[t][j]) * z[t][j] * (1 - z[t][j]);
            double dar = dan * hn[t][j] * r[t][j] * (1 - r[t][j]);
            dgi[j] = dgh[j] = dar;
            dgi[H + j] = dgh[H + j] = daz;
            dgi[2 * H + j] = dan;
            dgh[2 * H + j] = dan * r[t][j];
            dprev[j] = d * z[t][j];
        }
        for (int row = 0; row < 3 * H; row++) {
            g->dbih[row] += dgi[row];
            g->dbhh[row] += dgh[row];
            for (int f = 0; f < F; f++)
                g->dwih[row * F + f] += dgi[row] * x[t * F + f];
            for (int i = 0; i < H; i++) {
                g->dwhh[row * H + i] += dgh[row] * hs[t][i];
                dprev[i] += dgh[row] * g->whh[row * H + i];
            }
        }
        for (int j = 0; j < H; j++)
            dh[j] = k > 0 && t % k == 0 ? 0.0 : dprev[j];
    }
}

static void expect_close(const float *got, const double *want, int n)
{
    for (int i = 0; i < n; i++)
        if (fabs(got[i] - want[i]) > 1e-4 + 1e-3 * fabs(want[i]))
            fail_msg("gradient %d: net %.7g, reference %.7g", i, (double)got[i], want[i]);
}

/* Truncation 4 over 9 steps leaves a short last chunk; 0 checks the reference itself. */
static void test_gru_reference(void **state)
{
    (void)state;
    hark_net *net = make_net(HARK_CELL_GRU, 0, 21);
    hark_net_ws *ws = hark_net_ws_create(net, 1, T);
    assert_non_null(ws);
    size_t n = hark_net_num_params(net);
    int len[1] = {T};
    float x[T * F], dl[T * V];
    uint64_t s = 17;
    for (int i = 0; i < T * F; i++)
        x[i] = frand(&s);
    for (int i = 0; i < T * V; i++)
        dl[i] = frand(&s);
    const float *p = hark_net_params_const(net);
    gru_ref g = {.wih = tensor_of(net, p, "rnn.weight_ih_l0"),
                 .whh = tensor_of(net, p, "rnn.weight_hh_l0"),
                 .bih = tensor_of(net, p, "rnn.bias_ih_l0"),
                 .bhh = tensor_of(net, p, "rnn.bias_hh_l0"),
                 .wout = tensor_of(net, p, "out.weight")};
    float *got = malloc(n * sizeof *got);
    assert_non_null(got);
    const int ks[] = {0, 4, 1};
    for (size_t c = 0; c < sizeof ks / sizeof ks[0]; c++) {
        grads_with(net, ws, x, len, 1, dl, ks[c], got);
        gru_ref_run(&g, x, dl, ks[c]);
        expect_close(tensor_of(net, got, "rnn.weight_ih_l0"), g.dwih, 3 * H * F);
        expect_close(tensor_of(net, got, "rnn.weight_hh_l0"), g.dwhh, 3 * H * H);
        expect_close(tensor_of(net, got, "rnn.bias_ih_l0"), g.dbih, 3 * H);
        expect_close(tensor_of(net, got, "rnn.bias_hh_l0"), g.dbhh, 3 * H);
    }
    free(got);
    hark_net_ws_free(ws);
    hark_net_free(net);
}

static void test_bad_args(void **state)
{
    (void)state;
    assert_int_equal(hark_net_ws_set_bptt_truncation(NULL, 3), HARK_ERR_INVALID_ARG);
    hark_net *net = make_net(HARK_CELL_GRU, 0, 1);
    hark_net_ws *ws = hark_net_ws_create(net, 1, T);
    assert_non_null(ws);
    assert_int_equal(hark_net_ws_set_bptt_truncation(ws, -1), HARK_ERR_INVALID_ARG);
    assert_true(strstr(hark_last_error(), "truncation") != NULL);
    assert_int_equal(hark_net_ws_set_bptt_truncation(ws, 0), HARK_OK);
    hark_net_ws_free(ws);
    hark_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_equal),
        cmocka_unit_test(test_cut),
        cmocka_unit_test(test_gru_reference),
        cmocka_unit_test(test_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
