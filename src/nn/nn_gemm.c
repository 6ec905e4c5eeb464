/* nn_gemm.c - the per-step recurrent product C = A B over a batch, with B (the recurrent
 * weights) packed once per pass instead of at every call.
 *
 * Why not cblas_sgemm: a time step multiplies B = 8..64 rows by a weight matrix of 3H x H (or
 * H x 3H in backward), and sgemm repacks that whole matrix at every one of the T steps; the
 * repacking and the short row count keep it near two thirds of its large-matrix speed. The
 * weights do not change within a pass, so here they are packed once into column panels and an
 * AVX-512 kernel (8 rows x 32 columns of accumulators in registers) streams the panels from
 * cache. Builds without AVX-512 (or batches under NN_PACK_MIN_B rows) keep using OpenBLAS.
 *
 * Reference test: tests/test_nn_gemm.c (a double-precision triple loop; GRU/LSTM layers large
 * enough to use it by finite differences). Benchmark: 'hark bench micro' (the packed step
 * kernel row), bench/gru_layer (one layer against PyTorch) and bench/train. */
#include "nn/nn_internal.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#define NN_HAVE_PACKED 1
#else
#define NN_HAVE_PACKED 0
#endif

enum { PANEL = 32 }; /* columns per packed panel: two 16-float vectors */

static int round_up(int n, int m) { return (n + m - 1) / m * m; }

size_t nn_pack_floats(int N, int K) { return NN_HAVE_PACKED ? (size_t)round_up(N, PANEL) * K : 0; }

int nn_packed_gemm_available(void) { return NN_HAVE_PACKED; }

/* Panel layout: P[panel][k][32] holds B[k][panel*32 + j], zero past column N. */
void nn_pack_bt(const float *W, int N, int K, float *P)
{
    for (int n0 = 0; n0 < N; n0 += PANEL)
        for (int k = 0; k < K; k++) {
            float *dst = P + (size_t)n0 * K + (size_t)k * PANEL;
            for (int j = 0; j < PANEL; j++)
                dst[j] = n0 + j < N ? W[(size_t)(n0 + j) * K + k] : 0.0f;
        }
}

void nn_pack_b(const float *W, int K, int N, float *P)
{
    for (int n0 = 0; n0 < N; n0 += PANEL)
        for (int k = 0; k < K; k++) {
            float *dst = P + (size_t)n0 * K + (size_t)k * PANEL;
            const float *src = W + (size_t)k * N + n0;
            for (int j = 0; j < PANEL; j++)
                dst[j] = n0 + j < N ? src[j] : 0.0f;
        }
}

#if NN_HAVE_PACKED
/* Store one row's 32 results: C = acc + beta C on the columns that exist. */
static inline void store_row(float *c, __m512 a0, __m512 a1, float beta, __mmask16 m0, __mmask16 m1)
{
    if (beta != 0.0f) {
        __m512 vb = _mm512_set1_ps(beta);
        a0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, c), a0);
        a1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, c + 16), a1);
    }
    _mm512_mask_storeu_ps(c, m0, a0);
    _mm512_mask_storeu_ps(c + 16, m1, a1);
}

#define ROWS8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define DECL(r) __m512 c##r##0 = _mm512_setzero_ps(), c##r##1 = _mm512_setzero_ps();
#define STEP(r)                                                                                    \
    {                                                                                              \
        __m512 a = _mm512_set1_ps(A[(size_t)(m + r) * lda + k]);                                   \
        c##r##0 = _mm512_fmadd_ps(a, w0, c##r##0);                                                 \
        c##r##1 = _mm512_fmadd_ps(a, w1, c##r##1);                                                 \
    }
#define STORE(r) store_row(C + (size_t)(m + r) * ldc + n0, c##r##0, c##r##1, beta, k0, k1);

void nn_gemm_packed(int M, int N, int K, const float *A, int lda, const float *P, float beta,
                    float *C, int ldc)
{
    for (int n0 = 0; n0 < N; n0 += PANEL) {
        const float *panel = P + (size_t)n0 * K;
        int left = N - n0;
        __mmask16 k0 = left >= 16 ? 0xFFFF : (__mmask16)((1u << left) - 1);
        __mmask16 k1 = left >= 32 ? 0xFFFF : left <= 16 ? 0 : (__mmask16)((1u << (left - 16)) - 1);
        int m = 0;
        for (; m + 8 <= M; m += 8) {
            ROWS8(DECL)
            for (int k = 0; k < K; k++) {
                __m512 w0 = _mm512_loadu_ps(panel + (size_t)k * PANEL);
                __m512 w1 = _mm512_loadu_ps(panel + (size_t)k * PANEL + 16);
                ROWS8(STEP)
            }
            ROWS8(STORE)
        }
        for (; m < M; m++) { /* the last rows of a batch that is not a multiple of 8 */
            DECL(0)
            for (int k = 0; k < K; k++) {
                __m512 w0 = _mm512_loadu_ps(panel + (size_t)k * PANEL);
                __m512 w1 = _mm512_loadu_ps(panel + (size_t)k * PANEL + 16);
                STEP(0)
            }
            STORE(0)
        }
    }
}
#else
void nn_gemm_packed(int M, int N, int K, const float *A, int lda, const float *P, float beta,
                    float *C, int ldc)
{
    /* never called without AVX-512 (nn_pack_floats is 0); a plain version keeps it defined */
    for (int m = 0; m < M; m++)
        for (int n = 0; n < N; n++) {
            const float *panel = P + (size_t)(n / PANEL) * PANEL * K + n % PANEL;
            float s = 0.0f;
            for (int k = 0; k < K; k++)
                s += A[(size_t)m * lda + k] * panel[(size_t)k * PANEL];
            C[(size_t)m * ldc + n] = s + (beta != 0.0f ? beta * C[(size_t)m * ldc + n] : 0.0f);
        }
}
#endif
