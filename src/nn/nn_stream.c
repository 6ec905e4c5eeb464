/* nn_stream.c - streaming inference for unidirectional nets: the recurrent states and the
 * partly filled frame stack are carried between pushes, and each push runs the layers over its
 * frames in chunks (one input-projection GEMM per layer and chunk, then the recurrent steps),
 * so any split of an utterance gives the outputs of one whole-utterance forward.
 *
 * Reference test: tests/test_nn_net.c (any chunking equals the whole-utterance forward).
 * Benchmark: bench/infer (single-stream inference against PyTorch). */
#include "nn/nn_internal.h"

#include <stdlib.h>

enum { STREAM_CHUNK = 32 }; /* output frames per internal chunk */

struct hark_net_stream {
    const hark_net *net;
    int pending;                       /* input frames waiting in stackbuf (< k) */
    float *mem;
    float *stackbuf;                   /* (k*F) */
    float *xs;                         /* (CHUNK, F*k) stacked frames of the chunk */
    nn_rnn_act act[NN_MAX_LAYERS];     /* (B=1, T=CHUNK); hs[0]/cs[0] carry the state */
    float *logits;                     /* (CHUNK, V) */
    int n_chunk;                       /* stacked frames waiting in xs */
};

hark_net_stream *hark_net_stream_create(const hark_net *net)
{
    if (!net) {
        hark_error(HARK_ERR_INVALID_ARG, "stream: NULL net");
        return NULL;
    }
    const hark_net_config *c = &net->cfg;
    if (c->bidirectional) {
        hark_error(HARK_ERR_UNSUPPORTED, "stream: a bidirectional net needs the whole utterance");
        return NULL;
    }
    hark_net_stream *st = calloc(1, sizeof *st);
    if (!st) {
        hark_error(HARK_ERR_NOMEM, "stream: out of memory");
        return NULL;
    }
    st->net = net;
    size_t kf = (size_t)c->stack * c->n_input;
    size_t total = kf + STREAM_CHUNK * kf + (size_t)STREAM_CHUNK * c->n_output;
    for (int l = 0; l < c->n_layers; l++)
        total += nn_rnn_act_floats(&net->dims[l], 1, STREAM_CHUNK);
    st->mem = calloc(total, sizeof(float));
    if (!st->mem) {
        free(st);
        hark_error(HARK_ERR_NOMEM, "stream: out of memory");
        return NULL;
    }
    float *p = st->mem;
    st->stackbuf = p;
    p += kf;
    st->xs = p;
    p += STREAM_CHUNK * kf;
    st->logits = p;
    p += (size_t)STREAM_CHUNK * c->n_output;
    for (int l = 0; l < c->n_layers; l++) {
        st->act[l] = nn_rnn_act_carve(&net->dims[l], 1, STREAM_CHUNK, p);
        p += nn_rnn_act_floats(&net->dims[l], 1, STREAM_CHUNK);
    }
    return st;
}

void hark_net_stream_free(hark_net_stream *st)
{
    if (!st)
        return;
    free(st->mem);
    free(st);
}

void hark_net_stream_reset(hark_net_stream *st)
{
    if (!st)
        return;
    st->pending = 0;
    st->n_chunk = 0;
    for (int l = 0; l < st->net->cfg.n_layers; l++) {
        memset(st->act[l].hs, 0, (size_t)st->net->cfg.hidden * sizeof(float));
        if (st->act[l].cs)
            memset(st->act[l].cs, 0, (size_t)st->net->cfg.hidden * sizeof(float));
    }
}

/* Run the stacked frames waiting in xs through the net, append their log-probs to out. */
static void run_chunk(const hark_net *net, hark_net_stream *st, float *out)
{
    const hark_net_config *c = &net->cfg;
    int n = st->n_chunk, H = c->hidden, V = c->n_output;
    if (n == 0)
        return;
    const float *in = st->xs;
    for (int l = 0; l < c->n_layers; l++) {
        nn_rnn_params p = nn_net_layer(net, net->params, l);
        nn_rnn_act *a = &st->act[l];
        nn_rnn_forward(&net->dims[l], &p, a, in, &n, 1, n);
        /* carry the last state into slot 0 for the next chunk */
        memmove(a->hs, a->hs + (size_t)n * H, (size_t)H * sizeof(float));
        if (a->cs)
            memmove(a->cs, a->cs + (size_t)n * H, (size_t)H * sizeof(float));
        in = a->y;
    }
    nn_dense_forward(in, net->params + net->out_w_off, net->params + net->out_b_off, st->logits,
                     n, H, V);
    nn_log_softmax(st->logits, out, n, V);
    st->n_chunk = 0;
}

hark_status hark_net_stream_push(const hark_net *net, hark_net_stream *st, const float *frames,
                                 int n, float *out, int capacity, int *n_out)
{
    if (!net || !st || (n > 0 && !frames) || n < 0 || !n_out || st->net != net)
        return hark_error(HARK_ERR_INVALID_ARG, "stream push: bad arguments");
    const hark_net_config *c = &net->cfg;
    int k = c->stack, F = c->n_input, V = c->n_output;
    int produced = (st->pending + n) / k;
    *n_out = 0;
    if (produced > 0 && (!out || capacity < produced))
        return hark_error(HARK_ERR_INVALID_ARG, "stream push: %d output frames do not fit in %d",
                          produced, capacity);
    int done = 0;
    for (int i = 0; i < n; i++) {
        memcpy(st->stackbuf + (size_t)st->pending * F, frames + (size_t)i * F, (size_t)F * sizeof(float));
        if (++st->pending < k)
            continue;
        memcpy(st->xs + (size_t)st->n_chunk * k * F, st->stackbuf, (size_t)k * F * sizeof(float));
        st->pending = 0;
        if (++st->n_chunk == STREAM_CHUNK) {
            run_chunk(net, st, out + (size_t)done * V);
            done += STREAM_CHUNK;
        }
    }
    int rest = st->n_chunk;
    run_chunk(net, st, out + (size_t)done * V);
    *n_out = done + rest;
    return HARK_OK;
}

hark_status hark_net_stream_finish(const hark_net *net, hark_net_stream *st, float *out,
                                   int capacity, int *n_out)
{
    if (!net || !st || !n_out || st->net != net)
        return hark_error(HARK_ERR_INVALID_ARG, "stream finish: bad arguments");
    *n_out = 0;
    if (st->pending == 0)
        return HARK_OK;
    if (!out || capacity < 1)
        return hark_error(HARK_ERR_INVALID_ARG, "stream finish: no room for the last output frame");
    const hark_net_config *c = &net->cfg;
    int k = c->stack, F = c->n_input;
    /* the whole-utterance forward zero-pads the last stack past the end */
    memset(st->stackbuf + (size_t)st->pending * F, 0, (size_t)(k - st->pending) * F * sizeof(float));
    memcpy(st->xs, st->stackbuf, (size_t)k * F * sizeof(float));
    st->pending = 0;
    st->n_chunk = 1;
    run_chunk(net, st, out);
    *n_out = 1;
    return HARK_OK;
}
