/* reduce.c - the data-parallel step: this rank's slice of a global batch is split over worker
 * threads (each its own copy of the net, its own workspace and gradient block), the gradients are
 * summed in thread order, then over the MPI ranks with one MPI_Allreduce on the gradient block,
 * so every rank holds the same sum and steps the same Adam state.
 *
 * Parallelism has one owner per region. With the trainer's worker threads, OpenBLAS is held to
 * one thread (hark_net_set_threads(1) -> openblas_set_num_threads(1)) for the whole run: two
 * owners would put 2 x N threads on N cores. Worker 0 runs on the calling thread.
 *
 * Determinism: the thread slices are fixed by the batch (utterances [B*k/n, B*(k+1)/n)), the
 * sum g = g0 + g1 + ... runs in thread order after all workers finish, and every utterance's
 * dropout masks come from its own stream, seeded by the step and its position in the global
 * batch (hark_net_ws_set_batch_offset). So a run gives the same numbers however the threads are
 * scheduled; a different thread or rank count regroups the float sums (a GEMM over 32
 * utterances is not bit-equal to two over 16 added), which changes the last bits only. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#ifdef HARK_MPI
#include <mpi.h>
#endif

#include "core/util.h"
#include "train/train_internal.h"

typedef struct dp_worker {
    hark_net *net;       /* worker 0: the trainer's net; others: copies refreshed every step */
    hark_net_ws *ws;
    int ws_B, ws_T, bptt;
    float *dlogits, *losses;
    size_t cap_dl, cap_losses;
    /* the job */
    const train_batch *b;
    int lo, hi, eval;    /* eval: forward only (no dropout, no gradient) */
    uint64_t rng;
    const float *lp;     /* eval: the slice's log-probabilities (in ws) */
    int out_len[512], T_out;
    /* the result */
    double loss_sum;
    int finite;
    hark_status st;
    char err[600];
    pthread_t thread;
} dp_worker;

struct train_dp {
    hark_net *net;
    int n;
    dp_worker *w;
    int rank, ranks, mpi;
};

static hark_status ensure_ws(dp_worker *w, int B, int T)
{
    if (w->ws && B <= w->ws_B && T <= w->ws_T)
        return HARK_OK;
    hark_net_ws_free(w->ws);
    w->ws_B = B > w->ws_B ? B : w->ws_B;
    w->ws_T = T > w->ws_T ? T + T / 8 : w->ws_T;
    if (!(w->ws = hark_net_ws_create(w->net, w->ws_B, w->ws_T)))
        return HARK_ERR_NOMEM;
    return hark_net_ws_set_bptt_truncation(w->ws, w->bptt);
}

/* Forward, CTC and backward of utterances [lo, hi) of the batch into w's gradient block. The
 * gradient is of the sum of the finite losses (CTC leaves infinite ones out). */
static hark_status worker_run(dp_worker *w)
{
    const train_batch *b = w->b;
    int B = w->hi - w->lo, T = b->T, D = hark_net_get_config(w->net)->n_input;
    int V = hark_net_get_config(w->net)->n_output;
    hark_net_zero_grads(w->net);
    w->loss_sum = 0;
    w->finite = 0;
    if (B == 0)
        return HARK_OK;
    size_t t0 = 0;
    for (int u = 0; u < w->lo; u++)
        t0 += (size_t)b->tlen[u];
    hark_status st = ensure_ws(w, B, T);
    if (st == HARK_OK) /* dropout masks as the whole batch would draw them */
        st = hark_net_ws_set_batch_offset(w->ws, b->first + (size_t)w->lo);
    if (st != HARK_OK)
        return st;
    const float *lp;
    int out_len[512], T_out;
    st = hark_net_forward(w->net, w->ws, b->x + (size_t)w->lo * T * D, b->lengths + w->lo, B, T, 1,
                          &w->rng, &lp, out_len, &T_out);
    if (st != HARK_OK)
        return st;
    if (util_grow(&w->dlogits, &w->cap_dl, (size_t)B * T_out * V, sizeof(float), 0)
        || util_grow(&w->losses, &w->cap_losses, (size_t)B, sizeof(float), 0))
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    st = hark_ctc_loss(lp, B, T_out, V, out_len, b->targets + t0, b->tlen + w->lo, w->losses,
                       w->dlogits);
    if (st != HARK_OK)
        return st;
    for (int u = 0; u < B; u++)
        if (isfinite(w->losses[u])) {
            w->finite++;
            w->loss_sum += w->losses[u];
        }
    if (w->finite == 0)
        return HARK_OK;
    return hark_net_backward(w->net, w->ws, w->dlogits);
}

/* Forward of utterances [lo, hi) for evaluation. */
static hark_status worker_eval(dp_worker *w)
{
    const train_batch *b = w->b;
    int B = w->hi - w->lo, D = hark_net_get_config(w->net)->n_input;
    if (B == 0)
        return HARK_OK;
    hark_status st = ensure_ws(w, B, b->T);
    if (st != HARK_OK)
        return st;
    return hark_net_forward(w->net, w->ws, b->x + (size_t)w->lo * b->T * D, b->lengths + w->lo, B,
                            b->T, 0, NULL, &w->lp, w->out_len, &w->T_out);
}

static void *worker_main(void *arg)
{
    dp_worker *w = arg;
    w->st = w->eval ? worker_eval(w) : worker_run(w);
    if (w->st != HARK_OK)
        snprintf(w->err, sizeof w->err, "%s", hark_last_error());
    return NULL;
}

train_dp *train_dp_create(hark_net *net, int threads, int bptt_steps)
{
    train_dp *dp = calloc(1, sizeof *dp);
    if (!dp || !(dp->w = calloc((size_t)threads, sizeof *dp->w))) {
        free(dp);
        hark_error(HARK_ERR_NOMEM, "out of memory");
        return NULL;
    }
    dp->net = net;
    dp->n = threads;
    dp->ranks = 1;
    /* The worker threads own the cores; OpenBLAS and the net's own threads stay at one. */
    hark_net_set_threads(1);
    for (int k = 0; k < threads; k++) {
        dp->w[k].bptt = bptt_steps;
        dp->w[k].net = k == 0 ? net : hark_net_create(hark_net_get_config(net), 0);
        if (!dp->w[k].net) {
            train_dp_free(dp);
            return NULL;
        }
    }
#ifdef HARK_MPI
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (init && !fin) {
        dp->mpi = 1;
        MPI_Comm_rank(MPI_COMM_WORLD, &dp->rank);
        MPI_Comm_size(MPI_COMM_WORLD, &dp->ranks);
        /* Errors come back as codes: a dead peer becomes a message, not an abort in MPI. */
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    }
#endif
    return dp;
}

void train_dp_free(train_dp *dp)
{
    if (!dp)
        return;
    for (int k = 0; k < dp->n; k++) {
        hark_net_ws_free(dp->w[k].ws);
        if (k > 0)
            hark_net_free(dp->w[k].net);
        free(dp->w[k].dlogits);
        free(dp->w[k].losses);
    }
    free(dp->w);
    free(dp);
}

int train_dp_rank(const train_dp *dp) { return dp->rank; }
int train_dp_ranks(const train_dp *dp) { return dp->ranks; }

hark_status train_dp_reserve(train_dp *dp, int B, int T)
{
    hark_status st = HARK_OK;
    for (int k = 0; k < dp->n && st == HARK_OK; k++)
        st = ensure_ws(&dp->w[k], B, T);
    return st;
}

#ifdef HARK_MPI
static hark_status mpi_fail(int rc, const char *what)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    return hark_error(HARK_ERR_IO, "MPI: %s failed (%s): another rank stopped or died", what, msg);
}
#endif

hark_status train_dp_sum(train_dp *dp, double *v, int n)
{
#ifdef HARK_MPI
    if (dp->mpi && dp->ranks > 1) {
        int rc = MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS)
            return mpi_fail(rc, "MPI_Allreduce");
    }
#else
    (void)dp;
    (void)v;
    (void)n;
#endif
    return HARK_OK;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

hark_status train_dp_time_allreduce(train_dp *dp, size_t n, int reps, double *median_s)
{
    *median_s = 0;
#ifdef HARK_MPI
    if (!dp->mpi || dp->ranks < 2 || reps < 1)
        return HARK_OK;
    float *v = calloc(n ? n : 1, sizeof *v);
    double *t = malloc((size_t)reps * sizeof *t);
    hark_status st = v && t ? HARK_OK : hark_error(HARK_ERR_NOMEM, "out of memory");
    for (int r = 0; r < reps && st == HARK_OK; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = util_now_seconds();
        int rc = MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        t[r] = util_now_seconds() - t0;
        if (rc != MPI_SUCCESS)
            st = mpi_fail(rc, "MPI_Allreduce");
    }
    if (st == HARK_OK) {
        qsort(t, (size_t)reps, sizeof *t, cmp_d);
        *median_s = t[reps / 2];
    }
    free(v);
    free(t);
    return st;
#else
    (void)dp;
    (void)n;
    (void)reps;
    (void)now_s;
    (void)cmp_d;
    return HARK_OK;
#endif
}

/* The gradient blocks of workers 1.. added to worker 0's, in that order. */
static void sum_threads(train_dp *dp)
{
    size_t np = hark_net_num_params(dp->net);
    float *g = hark_net_grads(dp->net);
    for (int k = 1; k < dp->n; k++) {
        const float *gk = hark_net_grads(dp->w[k].net);
        for (size_t i = 0; i < np; i++)
            g[i] += gk[i];
    }
}

static hark_status sum_ranks(train_dp *dp)
{
#ifdef HARK_MPI
    if (dp->mpi && dp->ranks > 1) {
        size_t np = hark_net_num_params(dp->net);
        float *g = hark_net_grads(dp->net);
        /* In pieces below INT_MAX elements (MPI counts are int). */
        for (size_t at = 0; at < np; at += (size_t)1 << 30) {
            size_t n = np - at < ((size_t)1 << 30) ? np - at : (size_t)1 << 30;
            int rc = MPI_Allreduce(MPI_IN_PLACE, g + at, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            if (rc != MPI_SUCCESS)
                return mpi_fail(rc, "MPI_Allreduce of the gradients");
        }
    }
#else
    (void)dp;
#endif
    return HARK_OK;
}

/* Slice batch b over the workers (fresh copies of the weights for workers 1..), run them, worker
 * 0 on this thread, and wait for all. */
static hark_status run_workers(train_dp *dp, const train_batch *b, uint64_t rng_base, int eval)
{
    size_t np = hark_net_num_params(dp->net);
    for (int k = 0; k < dp->n; k++) {
        dp_worker *w = &dp->w[k];
        w->b = b;
        w->lo = b->B * k / dp->n;
        w->hi = b->B * (k + 1) / dp->n;
        w->eval = eval;
        w->rng = rng_base; /* each worker draws its utterances' dropout streams from it */
        w->st = HARK_OK;
        if (k > 0)
            memcpy(hark_net_params(w->net), hark_net_params_const(dp->net), np * sizeof(float));
    }
    int started = 1;
    for (; started < dp->n; started++)
        if (pthread_create(&dp->w[started].thread, NULL, worker_main, &dp->w[started]) != 0)
            break;
    for (int k = started; k < dp->n; k++) /* no thread to be had: run it here */
        worker_main(&dp->w[k]);
    worker_main(&dp->w[0]);
    for (int k = 1; k < started; k++)
        pthread_join(dp->w[k].thread, NULL);
    for (int k = 0; k < dp->n; k++)
        if (dp->w[k].st != HARK_OK)
            return hark_error(dp->w[k].st, "%s", dp->w[k].err);
    return HARK_OK;
}

hark_status train_dp_forward(train_dp *dp, const train_batch *b, train_dp_output_fn fn, void *user)
{
    hark_status st = run_workers(dp, b, 0, 1);
    for (int k = 0; k < dp->n && st == HARK_OK; k++) {
        const dp_worker *w = &dp->w[k];
        if (w->hi > w->lo)
            st = fn(w->lp, w->out_len, w->hi - w->lo, w->T_out, w->lo, user);
    }
    return st;
}

hark_status train_dp_step(train_dp *dp, const train_batch *b, uint64_t rng_base,
                          train_dp_result *out)
{
    hark_status st = run_workers(dp, b, rng_base, 0);
    if (st != HARK_OK)
        return st;
    double stats[3] = {0, 0, b->seconds};
    for (int k = 0; k < dp->n; k++) {
        stats[0] += dp->w[k].loss_sum;
        stats[1] += dp->w[k].finite;
    }
    sum_threads(dp);
    double t0 = util_now_seconds();
    st = sum_ranks(dp);
    if (st == HARK_OK)
        st = train_dp_sum(dp, stats, 3);
    out->reduce_seconds = util_now_seconds() - t0;
    out->loss_sum = stats[0];
    out->finite = stats[1];
    out->seconds = stats[2];
    return st;
}
