/* nn_dense.c - the non-recurrent pieces of the network: the affine output layer, frame stacking
 * with subsampling (batch-major features in, time-major stacked frames out) and log-softmax.
 *
 * Reference test: tests/test_nn_grad.c (finite differences) and the whole-net fixture of
 * tests/test_nn_ref.c (tests/ref/nn_fixtures.py). Benchmark: bench/train (whole steps). */
#include "nn/nn_internal.h"

#include <cblas.h>

void nn_dense_forward(const float *x, const float *w, const float *b, float *y, int N, int In, int O)
{
    for (int n = 0; n < N; n++)
        memcpy(y + (size_t)n * O, b, (size_t)O * sizeof(float));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, O, In, 1.0f, x, In, w, In, 1.0f, y, O);
}

void nn_dense_backward(const float *x, const float *w, const float *dy, float *dw, float *db,
                       float *dx, int N, int In, int O)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, O, In, N, 1.0f, dy, O, x, In, 1.0f, dw, In);
    nn_colsum_acc(dy, N, O, db);
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, In, O, 1.0f, dy, O, w, In, 1.0f, dx, In);
}

void nn_stack_forward(const float *x, const int *len, int B, int T, int F, int k, float *xs)
{
    int To = (T + k - 1) / k;
    for (int j = 0; j < To; j++)
        for (int b = 0; b < B; b++) {
            float *out = xs + ((size_t)j * B + b) * F * k;
            for (int i = 0; i < k; i++) {
                int t = j * k + i;
                if (t < len[b])
                    memcpy(out + (size_t)i * F, x + ((size_t)b * T + t) * F, (size_t)F * sizeof(float));
                else
                    memset(out + (size_t)i * F, 0, (size_t)F * sizeof(float));
            }
        }
}

void nn_stack_backward(const float *dxs, const int *len, int B, int T, int F, int k, float *dx)
{
    int To = (T + k - 1) / k;
    for (int j = 0; j < To; j++)
        for (int b = 0; b < B; b++) {
            const float *in = dxs + ((size_t)j * B + b) * F * k;
            for (int i = 0; i < k; i++) {
                int t = j * k + i;
                if (t >= len[b])
                    break;
                float *restrict o = dx + ((size_t)b * T + t) * F;
                const float *restrict g = in + (size_t)i * F;
                for (int f = 0; f < F; f++)
                    o[f] += g[f];
            }
        }
}

void nn_log_softmax(const float *z, float *out, int rows, int V)
{
    for (int r = 0; r < rows; r++) {
        const float *zr = z + (size_t)r * V;
        float *o = out + (size_t)r * V;
        float m = zr[0];
        for (int v = 1; v < V; v++)
            m = zr[v] > m ? zr[v] : m;
        float sum = 0.0f;
        for (int v = 0; v < V; v++)
            sum += expf(zr[v] - m);
        float lse = m + logf(sum);
        for (int v = 0; v < V; v++)
            o[v] = zr[v] - lse;
    }
}
