/* test_nn_net.c - the network object: config checks, the named-tensor table, workspace and
 * forward argument checks, log-softmax outputs with zeroed padding, streaming equal to the
 * whole-utterance forward for any chunking, and the batch/alone equivalence of the whole net. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

static void test_config_checks(void **state)
{
    (void)state;
    hark_net_config c = hark_net_default_config();
    assert_int_equal(c.n_input, 39);
    assert_int_equal(c.n_output, 29);
    hark_net_config bad = c;
    bad.hidden = 0;
    assert_null(hark_net_create(&bad, 1));
    assert_true(strstr(hark_last_error(), "hidden") != NULL);
    bad = c;
    bad.dropout = 1.0f;
    assert_null(hark_net_create(&bad, 1));
    bad = c;
    bad.n_output = 1;
    assert_null(hark_net_create(&bad, 1));
    bad = c;
    bad.cell = (hark_cell)7;
    assert_null(hark_net_create(&bad, 1));
    bad = c;
    bad.stack = 0;
    assert_null(hark_net_create(&bad, 1));
    assert_null(hark_net_create(NULL, 1));
}

/* Names, shapes and offsets tile the parameter block exactly, in torch's order. */
static void test_tensor_table(void **state)
{
    (void)state;
    hark_net_config c = {.n_input = 5, .stack = 3, .n_layers = 2, .hidden = 7, .bidirectional = 1,
                         .cell = HARK_CELL_LSTM, .n_output = 4, .dropout = 0.0f};
    hark_net *net = hark_net_create(&c, 1);
    assert_non_null(net);
    int n = hark_net_num_tensors(net);
    assert_int_equal(n, 2 * 2 * 4 + 2);
    hark_tensor_info t;
    assert_int_equal(hark_net_tensor(net, 0, &t), HARK_OK);
    assert_string_equal(t.name, "rnn.weight_ih_l0");
    assert_int_equal(t.shape[0], 28);
    assert_int_equal(t.shape[1], 15);
    assert_int_equal(hark_net_tensor(net, 4, &t), HARK_OK);
    assert_string_equal(t.name, "rnn.weight_ih_l0_reverse");
    assert_int_equal(hark_net_tensor(net, 9, &t), HARK_OK);
    assert_string_equal(t.name, "rnn.weight_hh_l1");
    assert_int_equal(t.shape[1], 7);
    assert_int_equal(hark_net_find_tensor(net, "out.weight"), n - 2);
    assert_int_equal(hark_net_find_tensor(net, "rnn.bias_hh_l1_reverse"), n - 3);
    assert_int_equal(hark_net_find_tensor(net, "nope"), -1);
    assert_int_equal(hark_net_tensor(net, n, &t), HARK_ERR_INVALID_ARG);
    char *covered = calloc(hark_net_num_params(net), 1);
    assert_non_null(covered);
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        assert_int_equal(hark_net_tensor(net, i, &t), HARK_OK);
        size_t numel = 1;
        for (int k = 0; k < t.ndim; k++)
            numel *= (size_t)t.shape[k];
        assert_int_equal(numel, t.numel);
        assert_true(t.offset + t.numel <= hark_net_num_params(net));
        for (size_t k = 0; k < t.numel; k++)
            covered[t.offset + k]++;
        total += t.numel;
    }
    assert_int_equal(total, hark_net_num_params(net));
    for (size_t k = 0; k < total; k++)
        assert_int_equal(covered[k], 1);
    free(covered);
    /* PyTorch's init bounds: 1/sqrt(H) for the LSTM, 1/sqrt(2H) for the output layer */
    const float *p = hark_net_params_const(net);
    float bound = 1.0f / sqrtf(7.0f);
    for (size_t k = 0; k < total; k++)
        assert_true(fabsf(p[k]) <= bound);
    hark_net_free(net);
}

static void test_forward_args(void **state)
{
    (void)state;
    hark_net_config c = {.n_input = 2, .stack = 1, .n_layers = 1, .hidden = 3, .bidirectional = 0,
                         .cell = HARK_CELL_GRU, .n_output = 3, .dropout = 0.5f};
    hark_net *net = hark_net_create(&c, 1), *other = hark_net_create(&c, 2);
    hark_net_ws *ws = hark_net_ws_create(net, 2, 4);
    assert_non_null(net);
    assert_non_null(ws);
    float x[2 * 5 * 2] = {0}, dl[2 * 4 * 3] = {0};
    int len[2] = {4, 2}, bad[2] = {5, 2}, zero[2] = {0, 1};
    const float *lp;
    assert_int_equal(hark_net_forward(net, ws, x, len, 3, 4, 0, NULL, &lp, NULL, NULL), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_net_forward(net, ws, x, len, 2, 5, 0, NULL, &lp, NULL, NULL), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_net_forward(net, ws, x, bad, 2, 4, 0, NULL, &lp, NULL, NULL), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_net_forward(net, ws, x, zero, 2, 4, 0, NULL, &lp, NULL, NULL), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_net_forward(other, ws, x, len, 2, 4, 0, NULL, &lp, NULL, NULL), HARK_ERR_INVALID_ARG);
    /* backward needs a training forward first */
    assert_int_equal(hark_net_forward(net, ws, x, len, 2, 4, 0, NULL, &lp, NULL, NULL), HARK_OK);
    assert_int_equal(hark_net_backward(net, ws, dl), HARK_ERR_INVALID_ARG);
    assert_null(hark_net_ws_create(net, 0, 4));
    hark_net_ws_free(ws);
    hark_net_free(net);
    hark_net_free(other);
    assert_null(hark_net_stream_create(NULL));
}

/* Rows of log-probs normalise; padded frames are zero; an utterance gives the same outputs
 * alone as in a padded batch (both cells, bidirectional, with stacking). */
static void batch_alone_case(hark_cell cell)
{
    hark_net_config c = {.n_input = 3, .stack = 2, .n_layers = 2, .hidden = 6, .bidirectional = 1,
                         .cell = cell, .n_output = 5, .dropout = 0.2f};
    hark_net *net = hark_net_create(&c, 42);
    hark_net_ws *ws = hark_net_ws_create(net, 3, 11);
    assert_non_null(ws);
    enum { B = 3, T = 11, F = 3, V = 5 };
    float x[B * T * F];
    uint64_t rng = 4;
    for (int i = 0; i < B * T * F; i++)
        x[i] = 2.0f * nn_rand_uniform(&rng) - 1.0f;
    int len[B] = {11, 5, 8}, out_len[B], To;
    const float *lp;
    assert_int_equal(hark_net_forward(net, ws, x, len, B, T, 0, NULL, &lp, out_len, &To), HARK_OK);
    assert_int_equal(To, 6);
    assert_int_equal(out_len[1], 3);
    float batch[B * 6 * V];
    memcpy(batch, lp, sizeof batch);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < To; t++) {
            double s = 0;
            for (int v = 0; v < V; v++)
                s += exp(batch[(b * To + t) * V + v]);
            if (t < out_len[b])
                assert_float_equal(s, 1.0, 1e-5);
            else
                assert_float_equal(s, V, 1e-6); /* zeros */
        }
    for (int b = 0; b < B; b++) {
        int ol, To1;
        assert_int_equal(hark_net_forward(net, ws, x + b * T * F, &len[b], 1, len[b], 0, NULL, &lp,
                                          &ol, &To1), HARK_OK);
        assert_int_equal(ol, out_len[b]);
        for (int i = 0; i < ol * V; i++)
            assert_float_equal(lp[i], batch[b * To * V + i], 1e-5);
    }
    hark_net_ws_free(ws);
    hark_net_free(net);
}

static void test_batch_alone(void **state)
{
    (void)state;
    batch_alone_case(HARK_CELL_GRU);
    batch_alone_case(HARK_CELL_LSTM);
}

/* Streaming in random pieces equals one forward, for k = 1 and 3, GRU and LSTM. */
static void stream_case(hark_cell cell, int k, uint64_t seed)
{
    enum { T = 97, F = 4, V = 6 };
    hark_net_config c = {.n_input = F, .stack = k, .n_layers = 3, .hidden = 8, .bidirectional = 0,
                         .cell = cell, .n_output = V, .dropout = 0.0f};
    hark_net *net = hark_net_create(&c, seed);
    hark_net_ws *ws = hark_net_ws_create(net, 1, T);
    hark_net_stream *st = hark_net_stream_create(net);
    assert_non_null(st);
    float x[T * F], out[T * V];
    uint64_t rng = seed;
    for (int i = 0; i < T * F; i++)
        x[i] = 2.0f * nn_rand_uniform(&rng) - 1.0f;
    int len = T, To;
    const float *lp;
    assert_int_equal(hark_net_forward(net, ws, x, &len, 1, T, 0, NULL, &lp, NULL, &To), HARK_OK);
    for (int round = 0; round < 3; round++) {
        hark_net_stream_reset(st);
        int pos = 0, got = 0, n_out;
        while (pos < T) {
            int n = 1 + (int)(nn_rand_u64(&rng) % (round == 2 ? 70 : 9));
            n = n > T - pos ? T - pos : n;
            assert_int_equal(hark_net_stream_push(net, st, x + pos * F, n, out + got * V, To - got,
                                                  &n_out), HARK_OK);
            pos += n;
            got += n_out;
        }
        assert_int_equal(hark_net_stream_finish(net, st, out + got * V, To - got, &n_out), HARK_OK);
        got += n_out;
        assert_int_equal(got, To);
        for (int i = 0; i < To * V; i++)
            assert_float_equal(out[i], lp[i], 1e-5);
    }
    /* an output buffer too small is refused without consuming anything */
    hark_net_stream_reset(st);
    int n_out;
    assert_int_equal(hark_net_stream_push(net, st, x, 2 * k, out, 1, &n_out), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_net_stream_push(net, st, x, 2 * k, out, 2, &n_out), HARK_OK);
    assert_int_equal(n_out, 2);
    assert_float_equal(out[0], lp[0], 1e-5);
    hark_net_stream_free(st);
    hark_net_ws_free(ws);
    hark_net_free(net);
}

/* Dropout of a split batch: two forwards over halves (offsets 0 and 2, the same rng state) draw
 * the masks of one forward over the whole batch, so the outputs agree; without the offset the
 * second half draws the first half's masks and they differ (the check can fail). */
static void test_dropout_split(void **state)
{
    (void)state;
    enum { B = 4, T = 9, F = 3, V = 5 };
    hark_net_config c = {.n_input = F, .stack = 1, .n_layers = 3, .hidden = 6, .bidirectional = 1,
                         .cell = HARK_CELL_GRU, .n_output = V, .dropout = 0.5f};
    hark_net *net = hark_net_create(&c, 5);
    hark_net_ws *whole = hark_net_ws_create(net, B, T), *half = hark_net_ws_create(net, B, T);
    assert_non_null(whole);
    assert_non_null(half);
    float x[B * T * F], ref[B * T * V];
    uint64_t r = 11;
    for (int i = 0; i < B * T * F; i++)
        x[i] = 2.0f * nn_rand_uniform(&r) - 1.0f;
    int len[B] = {T, T, T, T};
    const float *lp;
    uint64_t rng = 77;
    assert_int_equal(hark_net_forward(net, whole, x, len, B, T, 1, &rng, &lp, NULL, NULL), HARK_OK);
    memcpy(ref, lp, sizeof ref);
    for (int split = 0; split < 2; split++) {
        size_t offset = split ? 2 : 0; /* the second pass of each pair: with and without */
        rng = 77;
        assert_int_equal(hark_net_ws_set_batch_offset(half, 0), HARK_OK);
        assert_int_equal(hark_net_forward(net, half, x, len, 2, T, 1, &rng, &lp, NULL, NULL), HARK_OK);
        for (int i = 0; i < 2 * T * V; i++)
            assert_float_equal(lp[i], ref[i], 1e-5);
        rng = 77;
        assert_int_equal(hark_net_ws_set_batch_offset(half, offset), HARK_OK);
        assert_int_equal(hark_net_forward(net, half, x + 2 * T * F, len, 2, T, 1, &rng, &lp, NULL, NULL),
                         HARK_OK);
        double worst = 0;
        for (int i = 0; i < 2 * T * V; i++)
            worst = fmax(worst, fabs((double)lp[i] - ref[2 * T * V + i]));
        if (split)
            assert_true(worst <= 1e-5);
        else
            assert_true(worst > 1e-3);
    }
    assert_int_equal(hark_net_ws_set_batch_offset(NULL, 0), HARK_ERR_INVALID_ARG);
    hark_net_ws_free(whole);
    hark_net_ws_free(half);
    hark_net_free(net);
}

static void test_stream(void **state)
{
    (void)state;
    stream_case(HARK_CELL_GRU, 1, 3);
    stream_case(HARK_CELL_GRU, 3, 4);
    stream_case(HARK_CELL_LSTM, 2, 5);
}

static void test_stream_bidirectional_refused(void **state)
{
    (void)state;
    hark_net_config c = hark_net_default_config();
    c.hidden = 4;
    hark_net *net = hark_net_create(&c, 1);
    assert_non_null(net);
    assert_null(hark_net_stream_create(net));
    assert_true(strstr(hark_last_error(), "bidirectional") != NULL);
    hark_net_free(net);
}

/* The inference workspace (layers sharing two buffers) gives the training workspace's outputs,
 * and refuses to train. Three layers, so the third reuses the first one's buffer; a batch of 9
 * so the packed kernel runs where it is built. */
static void test_inference_ws(void **state)
{
    (void)state;
    enum { B = 9, T = 13, F = 3, V = 4 };
    hark_net_config c = {.n_input = F, .stack = 1, .n_layers = 3, .hidden = 10, .bidirectional = 1,
                         .cell = HARK_CELL_GRU, .n_output = V, .dropout = 0.3f};
    hark_net *net = hark_net_create(&c, 3);
    hark_net_ws *tr = hark_net_ws_create(net, B, T), *inf = hark_net_ws_create_inference(net, B, T);
    assert_non_null(tr);
    assert_non_null(inf);
    float x[B * T * F], ref[B * T * V], dl[B * T * V] = {0};
    int len[B] = {13, 1, 7, 13, 2, 9, 11, 4, 6};
    uint64_t rng = 6;
    for (int i = 0; i < B * T * F; i++)
        x[i] = 2.0f * nn_rand_uniform(&rng) - 1.0f;
    const float *lp;
    assert_int_equal(hark_net_forward(net, tr, x, len, B, T, 0, NULL, &lp, NULL, NULL), HARK_OK);
    memcpy(ref, lp, sizeof ref);
    assert_int_equal(hark_net_forward(net, inf, x, len, B, T, 0, NULL, &lp, NULL, NULL), HARK_OK);
    for (int i = 0; i < B * T * V; i++)
        assert_float_equal(lp[i], ref[i], 1e-6);
    assert_int_equal(hark_net_forward(net, inf, x, len, B, T, 1, &rng, &lp, NULL, NULL), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_net_backward(net, inf, dl), HARK_ERR_INVALID_ARG);
    /* training with dropout needs an rng; the same seed gives the same outputs, another seed
     * and evaluation mode differ */
    assert_int_equal(hark_net_forward(net, tr, x, len, B, T, 1, NULL, &lp, NULL, NULL), HARK_ERR_INVALID_ARG);
    float run[3][B * T * V];
    uint64_t seeds[3] = {5, 5, 6};
    for (int r = 0; r < 3; r++) {
        uint64_t sr = seeds[r];
        assert_int_equal(hark_net_forward(net, tr, x, len, B, T, 1, &sr, &lp, NULL, NULL), HARK_OK);
        assert_true(sr != seeds[r]); /* the generator advanced */
        memcpy(run[r], lp, sizeof run[r]);
    }
    assert_memory_equal(run[0], run[1], sizeof run[0]);
    assert_true(tu_max_abs_diff(run[0], run[2], B * T * V) > 1e-3);
    assert_true(tu_max_abs_diff(run[0], ref, B * T * V) > 1e-3);
    hark_net_ws_free(tr);
    hark_net_ws_free(inf);
    hark_net_free(net);
}

/* Two threads (directions side by side, OpenBLAS threads for the big GEMMs) give the results
 * of one. */
static void threads_case(hark_cell cell)
{
    enum { B = 3, T = 40, F = 5, V = 7 };
    hark_net_config c = {.n_input = F, .stack = 2, .n_layers = 2, .hidden = 21, .bidirectional = 1,
                         .cell = cell, .n_output = V, .dropout = 0.0f};
    hark_net *net = hark_net_create(&c, 8);
    hark_net_ws *ws = hark_net_ws_create(net, B, T);
    assert_non_null(ws);
    float x[B * T * F], lp1[B * 20 * V], dlog[B * 20 * V], loss[B];
    int len[B] = {40, 17, 33}, out_len[B], To, tg[] = {1, 2, 3, 4, 5, 6}, tl[B] = {3, 1, 2};
    uint64_t rng = 12;
    for (int i = 0; i < B * T * F; i++)
        x[i] = 2.0f * nn_rand_uniform(&rng) - 1.0f;
    size_t n = hark_net_num_params(net);
    float *g1 = malloc(n * sizeof(float));
    assert_non_null(g1);
    for (int threads = 1; threads <= 2; threads++) {
        const float *lp;
        hark_net_set_threads(threads);
        hark_net_zero_grads(net);
        assert_int_equal(hark_net_forward(net, ws, x, len, B, T, 1, NULL, &lp, out_len, &To), HARK_OK);
        assert_int_equal(hark_ctc_loss(lp, B, To, V, out_len, tg, tl, loss, dlog), HARK_OK);
        assert_int_equal(hark_net_backward(net, ws, dlog), HARK_OK);
        if (threads == 1) {
            memcpy(lp1, lp, sizeof lp1);
            memcpy(g1, hark_net_grads(net), n * sizeof(float));
            continue;
        }
        for (int i = 0; i < B * To * V; i++)
            assert_float_equal(lp[i], lp1[i], 1e-6);
        assert_true(tu_max_rel_diff(hark_net_grads(net), g1, n, 1e-3) < 1e-4);
    }
    hark_net_set_threads(1);
    free(g1);
    hark_net_ws_free(ws);
    hark_net_free(net);
}

static void test_threads(void **state)
{
    (void)state;
    threads_case(HARK_CELL_GRU);
    threads_case(HARK_CELL_LSTM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_checks),
        cmocka_unit_test(test_tensor_table),
        cmocka_unit_test(test_forward_args),
        cmocka_unit_test(test_batch_alone),
        cmocka_unit_test(test_dropout_split),
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_stream_bidirectional_refused),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_inference_ws),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
