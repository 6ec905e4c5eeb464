/* test_nn_gemm.c - the packed recurrent-step GEMM against a plain triple loop in double, for
 * batches that are and are not multiples of its 8-row block, column counts that do and do not
 * fill its 32-column panels, both packings (B = W^T and B = W) and beta 0 and 1; and a GRU and
 * LSTM layer with a batch large enough to use it, checked by finite differences. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

static void gemm_case(int M, int N, int K, int transposed, float beta, uint64_t seed)
{
    float *A = malloc(sizeof(float) * M * K), *W = malloc(sizeof(float) * N * K);
    float *C = malloc(sizeof(float) * M * N), *C0 = malloc(sizeof(float) * M * N);
    size_t np = nn_pack_floats(N, K);
    float *P = malloc(sizeof(float) * (np ? np : 1));
    assert_true(A && W && C && C0 && P);
    uint64_t rng = seed;
    for (int i = 0; i < M * K; i++)
        A[i] = 2.0f * nn_rand_uniform(&rng) - 1.0f;
    for (int i = 0; i < N * K; i++)
        W[i] = 2.0f * nn_rand_uniform(&rng) - 1.0f;
    for (int i = 0; i < M * N; i++)
        C[i] = C0[i] = beta != 0.0f ? 2.0f * nn_rand_uniform(&rng) - 1.0f : NAN; /* NaN: must not be read */
    if (transposed)
        nn_pack_bt(W, N, K, P); /* W is (N, K) */
    else
        nn_pack_b(W, K, N, P);  /* W is (K, N) */
    nn_gemm_packed(M, N, K, A, K, P, beta, C, N);
    for (int m = 0; m < M; m++)
        for (int n = 0; n < N; n++) {
            double s = 0.0;
            for (int k = 0; k < K; k++)
                s += (double)A[m * K + k] * (transposed ? W[n * K + k] : W[k * N + n]);
            if (beta != 0.0f)
                s += beta * C0[m * N + n];
            if (!(fabs(C[m * N + n] - s) <= 1e-5 * (1.0 + fabs(s)) * sqrt((double)K)))
                fail_msg("M=%d N=%d K=%d t=%d beta=%g: C[%d][%d] = %g, want %g", M, N, K, transposed,
                         (double)beta, m, n, (double)C[m * N + n], s);
        }
    free(A);
    free(W);
    free(C);
    free(C0);
    free(P);
}

static void test_packed_gemm(void **state)
{
    (void)state;
    if (!nn_packed_gemm_available())
        skip();
    int Ms[] = {1, 8, 13, 16}, Ns[] = {5, 32, 63, 768}, Ks[] = {1, 21, 256};
    uint64_t seed = 1;
    for (size_t i = 0; i < sizeof Ms / sizeof Ms[0]; i++)
        for (size_t j = 0; j < sizeof Ns / sizeof Ns[0]; j++)
            for (size_t k = 0; k < sizeof Ks / sizeof Ks[0]; k++)
                for (int t = 0; t < 2; t++) {
                    gemm_case(Ms[i], Ns[j], Ks[k], t, 0.0f, seed++);
                    gemm_case(Ms[i], Ns[j], Ks[k], t, 1.0f, seed++);
                }
}

/* A layer over a batch of 11 (one 8-row block and 3 single rows) with H = 21: outputs and
 * gradients equal those of the same utterances run as batches too small for the packed kernel. */
static void layer_case(hark_cell cell)
{
    enum { B = 11, T = 9, I = 4, H = 21, D = 2 };
    nn_rnn_dims d = {cell, I, H, D};
    int len[B] = {9, 3, 7, 1, 9, 5, 2, 8, 6, 4, 9};
    size_t np = nn_rnn_num_params(&d);
    float *params = malloc(np * sizeof(float)), *g_big = calloc(np, sizeof(float)), *g_small = calloc(np, sizeof(float));
    float *x = malloc(sizeof(float) * T * B * I), *dy = malloc(sizeof(float) * T * B * D * H);
    float *dx_big = calloc((size_t)T * B * I, sizeof(float)), *y_big = malloc(sizeof(float) * T * B * D * H);
    assert_true(params && g_big && g_small && x && dy && dx_big && y_big);
    uint64_t rng = 17;
    for (size_t i = 0; i < np; i++)
        params[i] = 0.4f * (2.0f * nn_rand_uniform(&rng) - 1.0f);
    for (int i = 0; i < T * B * I; i++)
        x[i] = 2.0f * nn_rand_uniform(&rng) - 1.0f;
    for (int i = 0; i < T * B * D * H; i++)
        dy[i] = 2.0f * nn_rand_uniform(&rng) - 1.0f;
    nn_rnn_params p = nn_rnn_carve(&d, params), gb = nn_rnn_carve(&d, g_big), gs = nn_rnn_carve(&d, g_small);
    float *abuf = calloc(nn_rnn_act_floats(&d, B, T), sizeof(float));
    float *sbuf = calloc(nn_rnn_scratch_floats(&d, B, T), sizeof(float));
    assert_true(abuf && sbuf);
    nn_rnn_act a = nn_rnn_act_carve(&d, B, T, abuf);
    nn_rnn_scratch s = nn_rnn_scratch_carve(&d, B, T, sbuf);
    assert_true((a.wpack != NULL) == nn_packed_gemm_available());
    nn_rnn_forward(&d, &p, &a, x, len, B, T);
    memcpy(y_big, a.y, sizeof(float) * T * B * D * H);
    nn_rnn_backward(&d, &p, &gb, &a, &s, x, len, B, T, dy, dx_big);
    /* the same utterances one at a time (B = 1: sgemv, never packed) */
    float *a1buf = calloc(nn_rnn_act_floats(&d, 1, T), sizeof(float));
    float *s1buf = calloc(nn_rnn_scratch_floats(&d, 1, T), sizeof(float));
    float xb[T * I], dyb[T * D * H], dxb[T * I];
    assert_true(a1buf && s1buf);
    nn_rnn_act a1 = nn_rnn_act_carve(&d, 1, T, a1buf);
    nn_rnn_scratch s1 = nn_rnn_scratch_carve(&d, 1, T, s1buf);
    assert_null(a1.wpack);
    for (int b = 0; b < B; b++) {
        for (int t = 0; t < T; t++) {
            memcpy(xb + t * I, x + ((size_t)t * B + b) * I, sizeof(float) * I);
            memcpy(dyb + t * D * H, dy + ((size_t)t * B + b) * D * H, sizeof(float) * D * H);
        }
        memset(dxb, 0, sizeof dxb);
        nn_rnn_forward(&d, &p, &a1, xb, &len[b], 1, T);
        for (int t = 0; t < len[b]; t++)
            for (int i = 0; i < D * H; i++)
                assert_float_equal(a1.y[t * D * H + i], y_big[((size_t)t * B + b) * D * H + i], 1e-5);
        nn_rnn_backward(&d, &p, &gs, &a1, &s1, xb, &len[b], 1, T, dyb, dxb);
        for (int t = 0; t < len[b]; t++)
            for (int i = 0; i < I; i++)
                assert_float_equal(dxb[t * I + i], dx_big[((size_t)t * B + b) * I + i], 1e-4);
    }
    assert_true(tu_max_rel_diff(g_big, g_small, np, 1e-2) < 1e-4);
    free(params); free(g_big); free(g_small); free(x); free(dy); free(dx_big); free(y_big);
    free(abuf); free(sbuf); free(a1buf); free(s1buf);
}

static void test_layers_packed(void **state)
{
    (void)state;
    layer_case(HARK_CELL_GRU);
    layer_case(HARK_CELL_LSTM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packed_gemm),
        cmocka_unit_test(test_layers_packed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
