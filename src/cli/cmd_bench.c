/* cmd_bench.c - 'hark bench': built-in micro-benchmarks of the numeric kernels (FMA peak, sgemm,
 * a GRU time step, CTC) and the hark halves of bench/train and bench/infer (training steps and
 * single-stream inference of a configurable network). Timings are medians of --reps runs. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cblas.h>
#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "cli/cli.h"
#include "cli/cli_mpi.h"
#include "hark/model.h"
#include "hark/nn.h"
#include "nn/nn_internal.h"
#include "train/train_internal.h"

typedef struct bench_opts {
    long threads, reps, layers, hidden, input, output, stack, batch, frames, bidirectional;
    hark_cell cell;
    const char *model;
    int json;
} bench_opts;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static uint64_t bench_rng = 0x1234567;
static float frand(void)
{
    bench_rng = bench_rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)(bench_rng >> 40) / 16777216.0f * 2.0f - 1.0f;
}

/* ---- FMA peak: ten independent accumulator chains in registers, so the loop is bound by FMA
 * throughput rather than latency ------------------------------------------------------------ */

#define FMA_BODY(fma)                                                                              \
    do {                                                                                           \
        a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);             \
        a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);             \
        a8 = fma(a8, m, c); a9 = fma(a9, m, c);                                                    \
    } while (0)

static double fma_peak(int width_bits)
{
    const long iters = 20000000;
    double t0 = util_cpu_seconds(), flops = 0; /* CPU time: other processes on the core do not count */
    (void)iters;
    (void)width_bits;
    volatile float sink = 0;
#if defined(__AVX512F__)
    if (width_bits == 512) {
        __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
        __m512 a0 = m, a1 = c, a2 = m, a3 = c, a4 = m, a5 = c, a6 = m, a7 = c, a8 = m, a9 = c;
        for (long it = 0; it < iters; it++)
            FMA_BODY(_mm512_fmadd_ps);
        a0 = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                           _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
        sink = _mm512_reduce_add_ps(_mm512_add_ps(a0, _mm512_add_ps(a8, a9)));
        flops = (double)iters * 10 * 16 * 2;
    }
#endif
#if defined(__AVX2__) && defined(__FMA__)
    if (width_bits == 256) {
        __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
        __m256 a0 = m, a1 = c, a2 = m, a3 = c, a4 = m, a5 = c, a6 = m, a7 = c, a8 = m, a9 = c;
        for (long it = 0; it < iters; it++)
            FMA_BODY(_mm256_fmadd_ps);
        a0 = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                           _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
        a0 = _mm256_add_ps(a0, _mm256_add_ps(a8, a9));
        float out[8];
        _mm256_storeu_ps(out, a0);
        sink = out[0];
        flops = (double)iters * 10 * 8 * 2;
    }
#endif
    (void)sink;
    double dt = util_cpu_seconds() - t0;
    return flops > 0 ? flops / dt * 1e-9 : 0.0;
}

/* use_cpu: time by process CPU seconds (one thread only) rather than wall-clock. */
static double sgemm_gflops_t(int M, int N, int K, int reps, int use_cpu)
{
    float *a = malloc(sizeof(float) * M * K), *b = malloc(sizeof(float) * K * N), *c = malloc(sizeof(float) * M * N);
    if (!a || !b || !c) {
        free(a); free(b); free(c);
        return 0.0;
    }
    for (long i = 0; i < (long)M * K; i++)
        a[i] = frand();
    for (long i = 0; i < (long)K * N; i++)
        b[i] = frand();
    double t[64];
    reps = reps > 64 ? 64 : reps;
    int inner = (int)(2e8 / (2.0 * M * N * K)) + 1;
    for (int r = 0; r < reps; r++) {
        double t0 = use_cpu ? util_cpu_seconds() : util_now_seconds();
        for (int i = 0; i < inner; i++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, a, K, b, K, 0.0f, c, N);
        t[r] = ((use_cpu ? util_cpu_seconds() : util_now_seconds()) - t0) / inner;
    }
    free(a); free(b); free(c);
    return 2.0 * M * N * K / median(t, reps) * 1e-9;
}

/* The recurrent-step kernel of src/model/nn_gemm.c on the same shape, weights packed once. */
static double packed_gflops(int M, int N, int K, int reps)
{
    float *a = malloc(sizeof(float) * M * K), *w = malloc(sizeof(float) * K * N);
    float *p = malloc(sizeof(float) * (nn_pack_floats(N, K) + 1)), *c = malloc(sizeof(float) * M * N);
    double gf = 0.0;
    if (a && w && p && c) {
        for (long i = 0; i < (long)M * K; i++)
            a[i] = frand();
        for (long i = 0; i < (long)K * N; i++)
            w[i] = frand();
        nn_pack_bt(w, N, K, p);
        double t[64];
        reps = reps > 64 ? 64 : reps;
        int inner = (int)(2e8 / (2.0 * M * N * K)) + 1;
        for (int r = 0; r < reps; r++) {
            double t0 = util_now_seconds();
            for (int i = 0; i < inner; i++)
                nn_gemm_packed(M, N, K, a, K, p, 0.0f, c, N);
            t[r] = (util_now_seconds() - t0) / inner;
        }
        gf = 2.0 * M * N * K / median(t, reps) * 1e-9;
    }
    free(a); free(w); free(p); free(c);
    return gf;
}

static double sgemm_gflops(int M, int N, int K, int reps) { return sgemm_gflops_t(M, N, K, reps, 0); }

/* ---- the network benchmarks ------------------------------------------------------------------ */

/* Multiply-adds x2 of one training step, counting the GEMMs only (the elementwise work is a few
 * percent): forward, and backward's two products per forward GEMM, minus layer 0's input
 * gradient, which the net does not compute. */
static double train_flops(const hark_net_config *c, int B, int T)
{
    int D = c->bidirectional ? 2 : 1, G = c->cell == HARK_CELL_LSTM ? 4 : 3, H = c->hidden;
    double To = (T + c->stack - 1) / c->stack, fwd = 0, in0 = (double)c->n_input * c->stack;
    for (int l = 0; l < c->n_layers; l++) {
        double in_w = l ? D * H : in0;
        fwd += 2.0 * D * G * H * (in_w + H);
    }
    fwd += 2.0 * D * H * c->n_output;
    return B * To * (3 * fwd - 2.0 * D * G * H * in0);
}

static double forward_flops(const hark_net_config *c, int T)
{
    return train_flops(c, 1, T) / 3 + 2.0 / 3 * (c->bidirectional ? 2 : 1) *
           (c->cell == HARK_CELL_LSTM ? 4 : 3) * c->hidden * c->n_input * c->stack * ((T + c->stack - 1) / c->stack);
}

static hark_net_config opts_config(const bench_opts *o)
{
    hark_net_config c = {.n_input = (int)o->input, .stack = (int)o->stack, .n_layers = (int)o->layers,
                         .hidden = (int)o->hidden, .bidirectional = (int)o->bidirectional,
                         .cell = o->cell, .n_output = (int)o->output, .dropout = 0.0f};
    return c;
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static int bench_train(const bench_opts *o)
{
    hark_net_config c = opts_config(o);
    int B = (int)o->batch, T = (int)o->frames, V = c.n_output, rc = CLI_FAIL;
    hark_net *net = hark_net_create(&c, 1);
    hark_net_ws *ws = net ? hark_net_ws_create(net, B, T) : NULL;
    hark_adam_config acfg = hark_adam_default_config();
    hark_adam *opt = net ? hark_adam_create(hark_net_num_params(net), &acfg) : NULL;
    int To = (T + c.stack - 1) / c.stack, L = To / 4 > 0 ? To / 4 : 1;
    float *x = malloc(sizeof(float) * B * T * c.n_input), *dlog = malloc(sizeof(float) * B * To * V);
    float *losses = malloc(sizeof(float) * B);
    int *len = malloc(sizeof(int) * B * (2 + L)), *tl = len + B, *tg = tl + B;
    double *times = malloc(sizeof(double) * 2 * (size_t)(o->reps + 1)), *cpu = times + o->reps + 1;
    if (!ws || !opt || !x || !dlog || !losses || !len || !times) {
        cli_error("bench", "%s", net ? hark_last_error() : "out of memory");
        goto done;
    }
    for (long i = 0; i < (long)B * T * c.n_input; i++)
        x[i] = frand();
    for (int b = 0; b < B; b++) {
        len[b] = T;
        tl[b] = L;
    }
    for (int i = 0; i < B * L; i++)
        tg[i] = 1 + (int)((frand() + 1.0f) * 0.5f * (V - 2));
    for (long r = 0; r <= o->reps; r++) { /* step 0 warms up caches and thread pools */
        double t0 = util_now_seconds(), c0 = util_cpu_seconds();
        const float *lp;
        int out_len[1024], To_;
        hark_net_zero_grads(net);
        if (hark_net_forward(net, ws, x, len, B, T, 1, NULL, &lp, out_len, &To_) != HARK_OK ||
            hark_ctc_loss(lp, B, To_, V, out_len, tg, tl, losses, dlog) != HARK_OK ||
            hark_net_backward(net, ws, dlog) != HARK_OK) {
            cli_error("bench", "%s", hark_last_error());
            goto done;
        }
        hark_adam_step(opt, hark_net_params(net), hark_net_grads(net), 1e-3f, NULL);
        if (r > 0) {
            times[r - 1] = util_now_seconds() - t0;
            cpu[r - 1] = util_cpu_seconds() - c0;
        }
    }
    double med = median(times, (int)o->reps), audio = B * T * 0.01;
    double gf = train_flops(&c, B, T) / med * 1e-9;
    if (o->json)
    {
        double cpu_med = median(cpu, (int)o->reps);
        printf("{\"mode\":\"train\",\"threads\":%ld,\"step_s\":%.6f,\"cpu_s\":%.6f,"
               "\"audio_s_per_s\":%.3f,\"gflops\":%.3f,\"gflops_per_cpu_s\":%.3f,\"params\":%zu}\n",
               o->threads, med, cpu_med, audio / med, gf, train_flops(&c, B, T) / cpu_med * 1e-9,
               hark_net_num_params(net));
    }
    else
        printf("train: %d x %d frames, %zu params: %.4f s/step, %.1f audio-s/s, %.1f GFLOP/s\n", B,
               T, hark_net_num_params(net), med, audio / med, gf);
    rc = CLI_OK;
done:
    free(x); free(dlog); free(losses); free(len); free(times);
    hark_adam_free(opt);
    hark_net_ws_free(ws);
    hark_net_free(net);
    return rc;
}

/* One recurrent layer (the first layer of the bench network by default: 39 inputs, GRU 256,
 * bidirectional), forward and backward through time, for bench/gru_layer. It runs as a net of
 * that one layer with an output layer of 2 units (under 1% of the flops) and a fixed random
 * output gradient, so no CTC or optimiser time is counted. */
static int bench_layer(const bench_opts *o)
{
    hark_net_config c = opts_config(o);
    c.n_layers = 1;
    c.n_output = 2;
    int B = (int)o->batch, T = (int)o->frames, rc = CLI_FAIL;
    int To = (T + c.stack - 1) / c.stack;
    hark_net *net = hark_net_create(&c, 1);
    hark_net_ws *ws = net ? hark_net_ws_create(net, B, T) : NULL;
    float *x = malloc(sizeof(float) * B * T * c.n_input), *dlog = malloc(sizeof(float) * B * To * 2);
    int *len = malloc(sizeof(int) * B);
    double *times = malloc(sizeof(double) * 2 * (size_t)(o->reps + 1)), *cpu = times + o->reps + 1;
    if (!ws || !x || !dlog || !len || !times) {
        cli_error("bench", "%s", net ? hark_last_error() : "out of memory");
        goto done;
    }
    for (long i = 0; i < (long)B * T * c.n_input; i++)
        x[i] = frand();
    for (long i = 0; i < (long)B * To * 2; i++)
        dlog[i] = frand() * 0.01f;
    for (int b = 0; b < B; b++)
        len[b] = T;
    for (long r = 0; r <= o->reps; r++) {
        double t0 = util_now_seconds(), c0 = util_cpu_seconds();
        hark_net_zero_grads(net);
        if (hark_net_forward(net, ws, x, len, B, T, 1, NULL, NULL, NULL, NULL) != HARK_OK ||
            hark_net_backward(net, ws, dlog) != HARK_OK) {
            cli_error("bench", "%s", hark_last_error());
            goto done;
        }
        if (r > 0) {
            times[r - 1] = util_now_seconds() - t0;
            cpu[r - 1] = util_cpu_seconds() - c0;
        }
    }
    double med = median(times, (int)o->reps), cpu_med = median(cpu, (int)o->reps);
    /* The layer's GEMM flops: forward, and backward's two products per GEMM minus the input
     * gradient of layer 0 (which the net skips) - as train_flops for one layer. */
    double gf = train_flops(&c, B, T) / med * 1e-9;
    if (o->json)
        printf("{\"mode\":\"layer\",\"threads\":%ld,\"step_s\":%.6f,\"cpu_s\":%.6f,"
               "\"frames_per_s\":%.1f,\"gflops\":%.3f}\n", o->threads, med, cpu_med, B * T / med, gf);
    else
        printf("layer: %d x %d frames: %.4f s forward+backward, %.1f GFLOP/s\n", B, T, med, gf);
    rc = CLI_OK;
done:
    free(x); free(dlog); free(len); free(times);
    hark_net_ws_free(ws);
    hark_net_free(net);
    return rc;
}

/* The all-reduce alone, for the gradient sizes of hark's networks: run under mpirun; rank 0
 * prints one line per network size (default model, bench network, and larger). */
static int bench_allreduce(const bench_opts *o, int rank)
{
    static const int hidden[] = {128, 256, 512, 1024};
    for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++) {
        bench_opts q = *o;
        q.hidden = hidden[i];
        hark_net_config c = opts_config(&q);
        hark_net *net = hark_net_create(&c, 1);
        train_dp *dp = net ? train_dp_create(net, 1, 0) : NULL;
        double med = 0;
        hark_status st = dp ? train_dp_time_allreduce(dp, hark_net_num_params(net), (int)o->reps, &med)
                            : HARK_ERR_NOMEM;
        size_t bytes = net ? hark_net_num_params(net) * sizeof(float) : 0;
        train_dp_free(dp);
        hark_net_free(net);
        if (st != HARK_OK) {
            cli_error("bench", "%s", hark_last_error());
            return CLI_FAIL;
        }
        if (rank == 0 && o->json)
            printf("{\"mode\":\"allreduce\",\"hidden\":%d,\"bytes\":%zu,\"allreduce_s\":%.6f}\n",
                   hidden[i], bytes, med);
        else if (rank == 0)
            printf("allreduce: %ld x GRU %d: %zu bytes in %.6f s (%.2f GB/s of gradient)\n",
                   o->layers, hidden[i], bytes, med, med > 0 ? bytes / med * 1e-9 : 0);
    }
    return CLI_OK;
}

/* Training steps through the trainer's data-parallel step (src/train/reduce.c): the batch split
 * over -j worker threads and, under mpirun, over the ranks (each rank makes only its slice), the
 * gradients summed, one Adam step. Rank 0 reports the global batch's audio per second and the
 * median time of the gradient all-reduce. */
static int bench_dp(const bench_opts *o, int rank, int ranks)
{
    hark_net_config c = opts_config(o);
    int Bg = (int)o->batch, T = (int)o->frames, V = c.n_output, rc = CLI_FAIL;
    int lo = Bg * rank / ranks, B = Bg * (rank + 1) / ranks - lo;
    hark_net *net = hark_net_create(&c, 1);
    train_dp *dp = net ? train_dp_create(net, (int)o->threads, 0) : NULL;
    hark_adam_config acfg = hark_adam_default_config();
    hark_adam *opt = net ? hark_adam_create(hark_net_num_params(net), &acfg) : NULL;
    int To = (T + c.stack - 1) / c.stack, L = To / 4 > 0 ? To / 4 : 1;
    train_batch b = {.B = B, .T = T, .first = (size_t)lo, .seconds = B * T * 0.01};
    b.x = malloc(sizeof(float) * (size_t)(B ? B : 1) * T * c.n_input);
    b.lengths = malloc(sizeof(int) * (size_t)(B + 1) * (2 + L));
    double *times = malloc(sizeof(double) * 3 * (size_t)(o->reps + 1));
    if (!dp || !opt || !b.x || !b.lengths || !times) {
        cli_error("bench", "%s", net ? hark_last_error() : "out of memory");
        goto done;
    }
    double *cpu = times + o->reps + 1, *red = cpu + o->reps + 1;
    b.tlen = b.lengths + B + 1;
    b.targets = b.tlen + B + 1;
    for (long i = 0; i < (long)B * T * c.n_input; i++)
        b.x[i] = frand();
    for (int u = 0; u < B; u++) {
        b.lengths[u] = T;
        b.tlen[u] = L;
    }
    for (int i = 0; i < B * L; i++)
        b.targets[i] = 1 + (int)((frand() + 1.0f) * 0.5f * (V - 2));
    for (long r = 0; r <= o->reps; r++) { /* step 0 warms up caches and thread pools */
        double t0 = util_now_seconds(), c0 = util_cpu_seconds();
        train_dp_result res;
        if (train_dp_step(dp, &b, (uint64_t)r, &res) != HARK_OK) {
            cli_error("bench", "%s", hark_last_error());
            goto done;
        }
        hark_adam_step(opt, hark_net_params(net), hark_net_grads(net), 1e-3f, NULL);
        if (r > 0) {
            times[r - 1] = util_now_seconds() - t0;
            cpu[r - 1] = util_cpu_seconds() - c0;
            red[r - 1] = res.reduce_seconds;
        }
    }
    double med = median(times, (int)o->reps), audio = Bg * T * 0.01;
    double cpu_med = median(cpu, (int)o->reps), red_med = median(red, (int)o->reps);
    if (train_dp_sum(dp, &cpu_med, 1) != HARK_OK) { /* CPU seconds of all ranks */
        cli_error("bench", "%s", hark_last_error());
        goto done;
    }
    if (rank == 0 && o->json)
        printf("{\"mode\":\"dp\",\"threads\":%ld,\"ranks\":%d,\"step_s\":%.6f,\"cpu_s\":%.6f,"
               "\"audio_s_per_s\":%.3f,\"allreduce_s\":%.6f,\"gradient_bytes\":%zu}\n",
               o->threads, ranks, med, cpu_med, audio / med, red_med,
               hark_net_num_params(net) * sizeof(float));
    else if (rank == 0)
        printf("dp: %d x %d frames over %ld threads x %d ranks: %.4f s/step, %.1f audio-s/s, "
               "all-reduce of %zu bytes %.4f s\n", Bg, T, o->threads, ranks, med, audio / med,
               hark_net_num_params(net) * sizeof(float), red_med);
    rc = CLI_OK;
done:
    free(b.x);
    free(b.lengths);
    free(times);
    hark_adam_free(opt);
    train_dp_free(dp);
    hark_net_free(net);
    return rc;
}

static int bench_infer(const bench_opts *o)
{
    hark_model *model = NULL;
    hark_net *own = NULL;
    const hark_net *net;
    if (o->model) {
        model = hark_model_load(o->model);
        if (!model) {
            cli_error("bench", "%s", hark_last_error());
            return CLI_FAIL;
        }
        net = hark_model_net(model);
    } else {
        hark_net_config c = opts_config(o);
        net = own = hark_net_create(&c, 1);
        if (!own) {
            cli_error("bench", "%s", hark_last_error());
            return CLI_FAIL;
        }
    }
    const hark_net_config *c = hark_net_get_config(net);
    int T = (int)o->frames, rc = CLI_FAIL;
    hark_net_ws *ws = hark_net_ws_create_inference(net, 1, T);
    float *x = malloc(sizeof(float) * T * c->n_input);
    double *times = malloc(sizeof(double) * 2 * (size_t)(o->reps + 1)), *cpu = times + o->reps + 1;
    if (!ws || !x || !times) {
        cli_error("bench", "%s", ws ? "out of memory" : hark_last_error());
        goto done;
    }
    for (long i = 0; i < (long)T * c->n_input; i++)
        x[i] = frand();
    for (long r = 0; r <= o->reps; r++) {
        double t0 = util_now_seconds(), c0 = util_cpu_seconds();
        const float *lp;
        if (hark_net_forward(net, ws, x, &T, 1, T, 0, NULL, &lp, NULL, NULL) != HARK_OK) {
            cli_error("bench", "%s", hark_last_error());
            goto done;
        }
        if (r > 0) {
            times[r - 1] = util_now_seconds() - t0;
            cpu[r - 1] = util_cpu_seconds() - c0;
        }
    }
    double med = median(times, (int)o->reps), rtf = med / (T * 0.01);
    double gf = forward_flops(c, T) / med * 1e-9;
    if (o->json)
        printf("{\"mode\":\"infer\",\"threads\":%ld,\"forward_s\":%.6f,\"cpu_s\":%.6f,\"rtf\":%.6f,"
               "\"gflops\":%.3f,\"peak_rss_kb\":%ld,\"params\":%zu}\n", o->threads, med,
               median(cpu, (int)o->reps), rtf, gf, peak_rss_kb(), hark_net_num_params(net));
    else
        printf("infer: %d frames: %.5f s, real-time factor %.5f, %.1f GFLOP/s, peak RSS %ld KB\n", T,
               med, rtf, gf, peak_rss_kb());
    rc = CLI_OK;
done:
    free(x); free(times);
    hark_net_ws_free(ws);
    hark_net_free(own);
    hark_model_free(model);
    return rc;
}

/* The machine's reference speeds for the "share of peak" figures. */
static int bench_peak(const bench_opts *o)
{
    double p512 = 0, p256 = 0;
    for (int i = 0; i < 3; i++) { /* best of three: other processes only ever slow it down */
        double a = fma_peak(512), b = fma_peak(256);
        p512 = a > p512 ? a : p512;
        p256 = b > p256 ? b : p256;
    }
    printf("{\"mode\":\"peak\",\"fma_avx512\":%.2f,\"fma_avx2\":%.2f,\"sgemm_1024\":%.2f,"
           "\"openblas_core\":\"%s\"}\n", p512, p256, sgemm_gflops_t(1024, 1024, 1024, (int)o->reps, 1),
           openblas_get_corename());
    return CLI_OK;
}

static int bench_micro(const bench_opts *o)
{
    int reps = (int)o->reps;
    printf("| benchmark | result |\n|---|---|\n");
    double p512 = fma_peak(512), p256 = fma_peak(256);
    if (p512 > 0)
        printf("| FMA peak, AVX-512, 1 thread | %.1f GFLOP/s |\n", p512);
    if (p256 > 0)
        printf("| FMA peak, AVX2, 1 thread | %.1f GFLOP/s |\n", p256);
    printf("| OpenBLAS core | %s (%d threads) |\n", openblas_get_corename(), openblas_get_num_threads());
    printf("| sgemm 1024x1024x1024 | %.1f GFLOP/s |\n", sgemm_gflops(1024, 1024, 1024, reps));
    printf("| sgemm 3200x1536x512 (input projection) | %.1f GFLOP/s |\n", sgemm_gflops(3200, 1536, 512, reps));
    printf("| sgemm 16x768x256 (GRU step, batch 16) | %.1f GFLOP/s |\n", sgemm_gflops(16, 768, 256, reps));
    printf("| sgemm 1x768x256 (GRU step, one stream) | %.1f GFLOP/s |\n", sgemm_gflops(1, 768, 256, reps));
    if (nn_packed_gemm_available())
        printf("| packed 16x768x256 (GRU step, batch 16, hark kernel) | %.1f GFLOP/s |\n",
               packed_gflops(16, 768, 256, reps));
    /* a whole GRU layer through the net: one step's cost is its share of a 1-layer forward */
    hark_net_config c = {.n_input = 256, .stack = 1, .n_layers = 1, .hidden = 256, .bidirectional = 0,
                         .cell = HARK_CELL_GRU, .n_output = 2, .dropout = 0.0f};
    hark_net *net = hark_net_create(&c, 1);
    hark_net_ws *ws = net ? hark_net_ws_create(net, 16, 200) : NULL;
    float *x = malloc(sizeof(float) * 16 * 200 * 256);
    if (ws && x) {
        int len[16];
        for (int b = 0; b < 16; b++)
            len[b] = 200;
        for (long i = 0; i < 16L * 200 * 256; i++)
            x[i] = frand();
        double t[64];
        int n = reps > 64 ? 64 : reps;
        for (int r = 0; r < n; r++) {
            double t0 = util_now_seconds();
            hark_net_forward(net, ws, x, len, 16, 200, 0, NULL, NULL, NULL, NULL);
            t[r] = (util_now_seconds() - t0) / 200;
        }
        printf("| GRU layer forward step, H=256, batch 16 (incl. input projection) | %.1f us |\n",
               median(t, n) * 1e6);
    }
    free(x);
    hark_net_ws_free(ws);
    hark_net_free(net);
    /* CTC: 16 utterances of 200 frames, 50 labels, 29 symbols */
    enum { CB = 16, CT = 200, CV = 29, CL = 50 };
    float *lp = malloc(sizeof(float) * CB * CT * CV), *g = malloc(sizeof(float) * CB * CT * CV), loss[CB];
    int il[CB], tl[CB], tg[CB * CL];
    if (lp && g) {
        for (int i = 0; i < CB * CT * CV; i++)
            lp[i] = -3.3673f;
        for (int b = 0; b < CB; b++) {
            il[b] = CT;
            tl[b] = CL;
        }
        for (int i = 0; i < CB * CL; i++)
            tg[i] = 1 + i % (CV - 1);
        double t[64];
        int n = reps > 64 ? 64 : reps;
        for (int r = 0; r < n; r++) {
            double t0 = util_now_seconds();
            hark_ctc_loss(lp, CB, CT, CV, il, tg, tl, loss, g);
            t[r] = util_now_seconds() - t0;
        }
        printf("| CTC loss+gradient, 16 x 200 frames, 50 labels | %.2f ms |\n", median(t, n) * 1e3);
    }
    free(lp);
    free(g);
    return CLI_OK;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hark bench [options] [micro|peak|train|layer|dp|allreduce|infer]\n\n"
            "Runs the built-in benchmarks:\n"
            "  micro  (default) a table of kernel speeds: FMA peak, sgemm shapes, the packed\n"
            "         recurrent-step kernel, a GRU layer step, CTC\n"
            "  peak   the FMA-loop and sgemm peaks of one core, as JSON\n"
            "  train  full training steps (forward, CTC, backward, Adam) of a network\n"
            "  layer  one recurrent layer (--layers is ignored) forward + backward through time\n"
            "  dp     training steps through the trainer's data-parallel step: the batch split\n"
            "         over -j worker threads (OpenBLAS single-threaded) and, under\n"
            "         mpirun -np N, over N ranks with an all-reduce of the gradients\n"
            "  allreduce  under mpirun: the gradient all-reduce alone for networks of --layers\n"
            "         bidirectional GRU 128, 256, 512 and 1024\n"
            "  infer  single-stream forward passes (batch 1) of a network or a model\n"
            "bench/train and bench/infer run these against PyTorch.\n\n"
            "options:\n"
            "  -j, --threads N      threads (hark_net_set_threads; dp: worker threads) (default 1)\n"
            "  -r, --reps N         timed repetitions, median reported (default 5)\n"
            "      --layers N       recurrent layers (default 3)\n"
            "      --hidden N       units per direction (default 256)\n"
            "      --input N        features per frame (default 39)\n"
            "      --output N       output symbols incl. blank (default 29)\n"
            "      --stack N        frames stacked per step (default 1)\n"
            "      --batch N        utterances per batch, train (default 16)\n"
            "      --frames N       frames per utterance (default 200; infer: 1000)\n"
            "      --cell gru|lstm  recurrent cell (default gru)\n"
            "      --unidirectional one direction (default bidirectional)\n"
            "  -m, --model FILE     infer: time the network of a .hark model instead\n"
            "      --json           one JSON object per result\n"
            "  -h, --help           this help\n");
}

int cmd_bench(int argc, char **argv)
{
    bench_opts o = {.threads = 1, .reps = 5, .layers = 3, .hidden = 256, .input = 39, .output = 29,
                    .stack = 1, .batch = 16, .frames = -1, .bidirectional = 1, .cell = HARK_CELL_GRU};
    enum { O_LAYERS = 256, O_HIDDEN, O_INPUT, O_OUTPUT, O_STACK, O_BATCH, O_FRAMES, O_CELL, O_UNI, O_JSON };
    static const struct option longopts[] = {
        {"threads", required_argument, NULL, 'j'}, {"reps", required_argument, NULL, 'r'},
        {"layers", required_argument, NULL, O_LAYERS}, {"hidden", required_argument, NULL, O_HIDDEN},
        {"input", required_argument, NULL, O_INPUT}, {"output", required_argument, NULL, O_OUTPUT},
        {"stack", required_argument, NULL, O_STACK}, {"batch", required_argument, NULL, O_BATCH},
        {"frames", required_argument, NULL, O_FRAMES}, {"cell", required_argument, NULL, O_CELL},
        {"unidirectional", no_argument, NULL, O_UNI}, {"model", required_argument, NULL, 'm'},
        {"json", no_argument, NULL, O_JSON}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "j:r:m:h", longopts, NULL)) != -1) {
        int ok = 0;
        switch (ch) {
        case 'j': ok = cli_parse_int("bench", "--threads", optarg, 1, 256, &o.threads); break;
        case 'r': ok = cli_parse_int("bench", "--reps", optarg, 1, 1000, &o.reps); break;
        case O_LAYERS: ok = cli_parse_int("bench", "--layers", optarg, 1, 16, &o.layers); break;
        case O_HIDDEN: ok = cli_parse_int("bench", "--hidden", optarg, 1, 8192, &o.hidden); break;
        case O_INPUT: ok = cli_parse_int("bench", "--input", optarg, 1, 65536, &o.input); break;
        case O_OUTPUT: ok = cli_parse_int("bench", "--output", optarg, 2, 65536, &o.output); break;
        case O_STACK: ok = cli_parse_int("bench", "--stack", optarg, 1, 64, &o.stack); break;
        case O_BATCH: ok = cli_parse_int("bench", "--batch", optarg, 1, 1024, &o.batch); break;
        case O_FRAMES: ok = cli_parse_int("bench", "--frames", optarg, 1, 1000000, &o.frames); break;
        case O_CELL:
            if (!strcmp(optarg, "gru"))
                o.cell = HARK_CELL_GRU;
            else if (!strcmp(optarg, "lstm"))
                o.cell = HARK_CELL_LSTM;
            else {
                cli_error("bench", "--cell must be gru or lstm, not '%s'", optarg);
                ok = -1;
            }
            break;
        case O_UNI: o.bidirectional = 0; break;
        case 'm': o.model = optarg; break;
        case O_JSON: o.json = 1; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
        if (ok < 0)
            return CLI_USAGE;
    }
    const char *mode = optind < argc ? argv[optind] : "micro";
    /* peak figures are per core */
    if (!strcmp(mode, "peak"))
        o.threads = 1;
    if (optind + 1 < argc) {
        cli_error("bench", "unexpected argument '%s'", argv[optind + 1]);
        return CLI_USAGE;
    }
    hark_net_set_threads((int)o.threads);
    if (!strcmp(mode, "micro"))
        return bench_micro(&o);
    if (!strcmp(mode, "peak"))
        return bench_peak(&o);
    if (!strcmp(mode, "train")) {
        o.frames = o.frames < 0 ? 200 : o.frames;
        return bench_train(&o);
    }
    if (!strcmp(mode, "infer")) {
        o.frames = o.frames < 0 ? 1000 : o.frames;
        return bench_infer(&o);
    }
    if (!strcmp(mode, "layer")) {
        o.frames = o.frames < 0 ? 200 : o.frames;
        return bench_layer(&o);
    }
    if (!strcmp(mode, "allreduce")) {
        int rank, size;
        if (cli_mpi_start("bench", &rank, &size))
            return CLI_FAIL;
        int rc = bench_allreduce(&o, rank);
        cli_mpi_finish(size, rc == CLI_OK);
        return rc;
    }
    if (!strcmp(mode, "dp")) {
        o.frames = o.frames < 0 ? 200 : o.frames;
        int rank, size;
        if (cli_mpi_start("bench", &rank, &size))
            return CLI_FAIL;
        int rc = bench_dp(&o, rank, size);
        cli_mpi_finish(size, rc == CLI_OK);
        return rc;
    }
    cli_error("bench", "unknown mode '%s' (micro, peak, train, layer, dp, allreduce or infer)", mode);
    return CLI_USAGE;
}
