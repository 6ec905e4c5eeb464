/* nn_net.c - the whole acoustic network: frame stacking, a stack of GRU/LSTM layers with
 * dropout between them, and the output layer with log-softmax. Owns the parameter/gradient
 * blocks, the named-tensor table and the per-batch workspace (one allocation, sized once).
 *
 * Reference test: tests/test_nn_ref.c (a tiny whole net's first step and 10-step trajectory
 * against PyTorch), tests/test_nn_net.c, tests/test_nn_grad.c. Benchmark: bench/train and
 * bench/infer. */
#include "nn/nn_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

hark_net_config hark_net_default_config(void)
{
    hark_net_config c = {.n_input = 39, .stack = 2, .n_layers = 3, .hidden = 128,
                         .bidirectional = 1, .cell = HARK_CELL_GRU, .n_output = 29, .dropout = 0.1f};
    return c;
}

static hark_status check_config(const hark_net_config *c)
{
    if (!c)
        return hark_error(HARK_ERR_INVALID_ARG, "network config: NULL");
    if (c->n_input < 1 || c->n_input > 65536)
        return hark_error(HARK_ERR_INVALID_ARG, "network config: n_input %d not in 1..65536", c->n_input);
    if (c->stack < 1 || c->stack > 64)
        return hark_error(HARK_ERR_INVALID_ARG, "network config: stack %d not in 1..64", c->stack);
    if (c->n_layers < 1 || c->n_layers > NN_MAX_LAYERS)
        return hark_error(HARK_ERR_INVALID_ARG, "network config: n_layers %d not in 1..%d",
                          c->n_layers, NN_MAX_LAYERS);
    if (c->hidden < 1 || c->hidden > 8192)
        return hark_error(HARK_ERR_INVALID_ARG, "network config: hidden %d not in 1..8192", c->hidden);
    if (c->bidirectional != 0 && c->bidirectional != 1)
        return hark_error(HARK_ERR_INVALID_ARG, "network config: bidirectional must be 0 or 1");
    if (c->cell != HARK_CELL_GRU && c->cell != HARK_CELL_LSTM)
        return hark_error(HARK_ERR_INVALID_ARG, "network config: unknown cell type %d", (int)c->cell);
    if (c->n_output < 2 || c->n_output > 65536)
        return hark_error(HARK_ERR_INVALID_ARG, "network config: n_output %d not in 2..65536", c->n_output);
    if (!(c->dropout >= 0.0f && c->dropout < 1.0f))
        return hark_error(HARK_ERR_INVALID_ARG, "network config: dropout %g not in [0, 1)", (double)c->dropout);
    return HARK_OK;
}

/* The tensor table in torch's named_parameters() order. */
static hark_status build_tensors(hark_net *net)
{
    const hark_net_config *c = &net->cfg;
    int D = c->bidirectional ? 2 : 1;
    net->n_tensors = c->n_layers * D * 4 + 2;
    net->tensors = calloc((size_t)net->n_tensors, sizeof *net->tensors);
    net->names = calloc((size_t)net->n_tensors, 40);
    if (!net->tensors || !net->names)
        return hark_error(HARK_ERR_NOMEM, "network: out of memory for the tensor table");
    static const char *kind[4] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
    int i = 0;
    for (int l = 0; l < c->n_layers; l++) {
        const nn_rnn_dims *d = &net->dims[l];
        size_t GH = (size_t)nn_cell_gates(d->cell) * d->H;
        size_t part_off[4] = {0, D * GH * d->in, D * GH * (d->in + d->H), D * GH * (d->in + d->H + 1)};
        size_t part_len[4] = {GH * d->in, GH * d->H, GH, GH};
        for (int dir = 0; dir < D; dir++)
            for (int k = 0; k < 4; k++, i++) {
                hark_tensor_info *t = &net->tensors[i];
                char *name = net->names + (size_t)i * 40;
                snprintf(name, 40, "rnn.%s_l%d%s", kind[k], l, dir ? "_reverse" : "");
                t->name = name;
                t->ndim = k < 2 ? 2 : 1;
                t->shape[0] = (int)GH;
                t->shape[1] = k == 0 ? d->in : k == 1 ? d->H : 0;
                t->numel = part_len[k];
                t->offset = net->layer_off[l] + part_off[k] + (size_t)dir * part_len[k];
            }
    }
    int DH = D * c->hidden;
    net->tensors[i] = (hark_tensor_info){.name = "out.weight", .ndim = 2, .shape = {c->n_output, DH},
                                         .offset = net->out_w_off, .numel = (size_t)c->n_output * DH};
    net->tensors[i + 1] = (hark_tensor_info){.name = "out.bias", .ndim = 1, .shape = {c->n_output},
                                             .offset = net->out_b_off, .numel = (size_t)c->n_output};
    return HARK_OK;
}

/* PyTorch's defaults: recurrent weights and biases U(-1/sqrt(H), 1/sqrt(H)); Linear weight and
 * bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
static void init_params(hark_net *net, uint64_t seed)
{
    uint64_t rng = seed;
    float *p = net->params;
    float a = 1.0f / sqrtf((float)net->cfg.hidden);
    for (size_t i = 0; i < net->out_w_off; i++)
        p[i] = a * (2.0f * nn_rand_uniform(&rng) - 1.0f);
    float ao = 1.0f / sqrtf((float)((net->cfg.bidirectional ? 2 : 1) * net->cfg.hidden));
    for (size_t i = net->out_w_off; i < net->n_params; i++)
        p[i] = ao * (2.0f * nn_rand_uniform(&rng) - 1.0f);
}

static nn_rnn_dims layer_dims(const hark_net_config *cfg, int l)
{
    int D = cfg->bidirectional ? 2 : 1;
    return (nn_rnn_dims){.cell = cfg->cell, .in = l ? D * cfg->hidden : cfg->n_input * cfg->stack,
                         .H = cfg->hidden, .D = D};
}

size_t hark_net_config_num_params(const hark_net_config *cfg)
{
    if (check_config(cfg) != HARK_OK)
        return 0;
    size_t n = 0;
    for (int l = 0; l < cfg->n_layers; l++) {
        nn_rnn_dims d = layer_dims(cfg, l);
        n += nn_rnn_num_params(&d);
    }
    return n + (size_t)cfg->n_output * ((cfg->bidirectional ? 2 : 1) * (size_t)cfg->hidden + 1);
}

hark_net *hark_net_create(const hark_net_config *cfg, uint64_t seed)
{
    if (check_config(cfg) != HARK_OK)
        return NULL;
    hark_net *net = calloc(1, sizeof *net);
    if (!net) {
        hark_error(HARK_ERR_NOMEM, "network: out of memory");
        return NULL;
    }
    net->cfg = *cfg;
    size_t off = 0;
    for (int l = 0; l < cfg->n_layers; l++) {
        net->dims[l] = layer_dims(cfg, l);
        net->layer_off[l] = off;
        off += nn_rnn_num_params(&net->dims[l]);
    }
    net->out_w_off = off;
    off += (size_t)cfg->n_output * (cfg->bidirectional ? 2 : 1) * cfg->hidden;
    net->out_b_off = off;
    off += (size_t)cfg->n_output;
    net->n_params = off;
    net->params = malloc(off * sizeof(float));
    net->grads = calloc(off, sizeof(float));
    if (!net->params || !net->grads) {
        hark_error(HARK_ERR_NOMEM, "network: out of memory for %zu parameters", off);
        goto fail;
    }
    if (build_tensors(net) != HARK_OK)
        goto fail;
    init_params(net, seed);
    return net;
fail:
    hark_net_free(net);
    return NULL;
}

void hark_net_free(hark_net *net)
{
    if (!net)
        return;
    free(net->params);
    free(net->grads);
    free(net->tensors);
    free(net->names);
    free(net);
}

const hark_net_config *hark_net_get_config(const hark_net *net) { return &net->cfg; }
size_t hark_net_num_params(const hark_net *net) { return net->n_params; }
float *hark_net_params(hark_net *net) { return net->params; }
const float *hark_net_params_const(const hark_net *net) { return net->params; }
float *hark_net_grads(hark_net *net) { return net->grads; }
void hark_net_zero_grads(hark_net *net) { memset(net->grads, 0, net->n_params * sizeof(float)); }
int hark_net_num_tensors(const hark_net *net) { return net->n_tensors; }

hark_status hark_net_tensor(const hark_net *net, int i, hark_tensor_info *out)
{
    if (!net || !out || i < 0 || i >= net->n_tensors)
        return hark_error(HARK_ERR_INVALID_ARG, "network tensor index %d out of range", i);
    *out = net->tensors[i];
    return HARK_OK;
}

int hark_net_find_tensor(const hark_net *net, const char *name)
{
    for (int i = 0; i < net->n_tensors; i++)
        if (!strcmp(net->tensors[i].name, name))
            return i;
    return -1;
}

/* ---- workspace ----------------------------------------------------------------------------- */

struct hark_net_ws {
    const hark_net *net;
    int max_B, max_T, max_To, training_ready, can_train;
    float *mem;
    float *xs;                         /* (To*B, F*k) stacked input, time-major */
    nn_rnn_act act[NN_MAX_LAYERS];     /* per layer */
    float *mask[NN_MAX_LAYERS];        /* dropout scale on layer l's output (l < L-1), or NULL */
    float *xin[NN_MAX_LAYERS];         /* input of layer l >= 1 (dropped-out y of l-1) */
    float *logits;                     /* (To*B, V) time-major */
    float *logprobs;                   /* (B, To, V) batch-major, returned */
    nn_rnn_scratch scr;                /* backward scratch shared by the layers */
    float *dlog;                       /* (To*B, V) */
    float *dy[2];                      /* (To*B, max layer width) ping-pong */
    int *len_in, *len_out;             /* (B) of the last forward */
    int B, T, To;
    int bptt;                          /* truncation in network steps; 0: full BPTT */
    size_t first;                      /* utterance b is first + b of a larger batch (dropout) */
};

static hark_net_ws *ws_create(const hark_net *net, int max_batch, int max_frames, int training)
{
    if (!net || max_batch < 1 || max_frames < 1) {
        hark_error(HARK_ERR_INVALID_ARG, "network workspace: batch %d and frames %d must be >= 1",
                   max_batch, max_frames);
        return NULL;
    }
    hark_net_ws *ws = calloc(1, sizeof *ws);
    if (!ws) {
        hark_error(HARK_ERR_NOMEM, "network workspace: out of memory");
        return NULL;
    }
    const hark_net_config *c = &net->cfg;
    int L = c->n_layers, B = max_batch, k = c->stack, To = (max_frames + k - 1) / k;
    int D = c->bidirectional ? 2 : 1, DH = D * c->hidden, V = c->n_output;
    ws->net = net;
    ws->max_B = B;
    ws->max_T = max_frames;
    ws->max_To = To;
    ws->can_train = training;
    size_t rows = (size_t)To * B, width = (size_t)(DH > c->n_input * k ? DH : c->n_input * k);
    size_t total = rows * c->n_input * k + rows * V + (size_t)B * To * V;
    size_t scratch = 0;
    /* activation sizes do not depend on a layer's input width, so inference can alternate
     * two buffers */
    int n_act = training ? L : (L < 2 ? L : 2);
    for (int l = 0; l < n_act; l++)
        total += nn_rnn_act_floats(&net->dims[l], B, To);
    if (training) {
        for (int l = 0; l < L; l++) {
            if (l < L - 1 && c->dropout > 0.0f)
                total += 2 * rows * DH;
            size_t s = nn_rnn_scratch_floats(&net->dims[l], B, To);
            scratch = s > scratch ? s : scratch;
        }
        total += scratch + rows * V + 2 * rows * width;
    }
    ws->mem = malloc(total * sizeof(float));
    ws->len_in = malloc(2 * (size_t)B * sizeof(int));
    if (!ws->mem || !ws->len_in) {
        hark_error(HARK_ERR_NOMEM, "network workspace: out of memory for %zu MB",
                   total * sizeof(float) >> 20);
        hark_net_ws_free(ws);
        return NULL;
    }
    ws->len_out = ws->len_in + B;
    float *p = ws->mem;
    ws->xs = p;
    p += rows * c->n_input * k;
    for (int l = 0; l < n_act; l++) {
        ws->act[l] = nn_rnn_act_carve(&net->dims[l], B, To, p);
        p += nn_rnn_act_floats(&net->dims[l], B, To);
    }
    for (int l = n_act; l < L; l++)
        ws->act[l] = ws->act[l & 1];
    ws->logits = p;
    p += rows * V;
    ws->logprobs = p;
    p += (size_t)B * To * V;
    if (!training)
        return ws;
    for (int l = 0; l < L - 1 && c->dropout > 0.0f; l++) {
        ws->mask[l] = p;
        ws->xin[l + 1] = p + rows * DH;
        p += 2 * rows * DH;
    }
    ws->dlog = p;
    p += rows * V;
    ws->dy[0] = p;
    ws->dy[1] = p + rows * width;
    p += 2 * rows * width;
    ws->scr = nn_rnn_scratch_carve(&net->dims[0], B, To, p); /* the widest fits: see scratch */
    for (int l = 1; l < L; l++)
        if (nn_rnn_scratch_floats(&net->dims[l], B, To) > nn_rnn_scratch_floats(&net->dims[0], B, To))
            ws->scr = nn_rnn_scratch_carve(&net->dims[l], B, To, p);
    return ws;
}

hark_net_ws *hark_net_ws_create(const hark_net *net, int max_batch, int max_frames)
{
    return ws_create(net, max_batch, max_frames, 1);
}

hark_net_ws *hark_net_ws_create_inference(const hark_net *net, int max_batch, int max_frames)
{
    return ws_create(net, max_batch, max_frames, 0);
}

hark_status hark_net_ws_set_bptt_truncation(hark_net_ws *ws, int steps)
{
    if (!ws)
        return hark_error(HARK_ERR_INVALID_ARG, "network workspace: NULL argument");
    if (steps < 0)
        return hark_error(HARK_ERR_INVALID_ARG,
                          "network workspace: BPTT truncation %d must be >= 0 (0: full BPTT)",
                          steps);
    ws->bptt = steps;
    return HARK_OK;
}

hark_status hark_net_ws_set_batch_offset(hark_net_ws *ws, size_t first)
{
    if (!ws)
        return hark_error(HARK_ERR_INVALID_ARG, "network workspace: NULL argument");
    ws->first = first;
    return HARK_OK;
}

/* The dropout masks of layer l: utterance b draws its own stream, seeded from the call's base
 * state and its position first + b in the whole batch, and walks it frame by frame. So a batch
 * split over workers (each with its offset) draws exactly the masks of the whole batch. */
static void dropout_masks(const hark_net_ws *ws, int l, uint64_t base, float p, int DH)
{
    float keep = 1.0f / (1.0f - p), *m = ws->mask[l];
    for (int b = 0; b < ws->B; b++) {
        uint64_t u = base + 0xD1B54A32D192ED03ull * (uint64_t)(ws->first + (size_t)b + 1);
        u = nn_rand_u64(&u) ^ (uint64_t)l; /* hash, so neighbouring streams do not overlap */
        for (int t = 0; t < ws->To; t++) {
            float *mt = m + ((size_t)t * ws->B + b) * DH;
            for (int j = 0; j < DH; j++)
                mt[j] = nn_rand_uniform(&u) < p ? 0.0f : keep;
        }
    }
}

void hark_net_ws_free(hark_net_ws *ws)
{
    if (!ws)
        return;
    free(ws->mem);
    free(ws->len_in);
    free(ws);
}

/* ---- forward / backward -------------------------------------------------------------------- */

static hark_status check_batch(const hark_net *net, const hark_net_ws *ws, const float *x,
                               const int *lengths, int B, int T)
{
    if (!net || !ws || !x || !lengths)
        return hark_error(HARK_ERR_INVALID_ARG, "network forward: NULL argument");
    if (ws->net != net)
        return hark_error(HARK_ERR_INVALID_ARG, "network forward: workspace belongs to another net");
    if (B < 1 || B > ws->max_B || T < 1 || T > ws->max_T)
        return hark_error(HARK_ERR_INVALID_ARG,
                          "network forward: batch %dx%d exceeds the workspace's %dx%d", B, T,
                          ws->max_B, ws->max_T);
    for (int b = 0; b < B; b++)
        if (lengths[b] < 1 || lengths[b] > T)
            return hark_error(HARK_ERR_INVALID_ARG,
                              "network forward: length %d of utterance %d not in 1..%d", lengths[b], b, T);
    return HARK_OK;
}

hark_status hark_net_forward(const hark_net *net, hark_net_ws *ws, const float *x,
                             const int *lengths, int B, int T, int training, uint64_t *rng,
                             const float **logprobs, int *out_lengths, int *T_out)
{
    hark_status st = check_batch(net, ws, x, lengths, B, T);
    if (st != HARK_OK)
        return st;
    const hark_net_config *c = &net->cfg;
    int k = c->stack, To = (T + k - 1) / k, L = c->n_layers, V = c->n_output;
    int D = c->bidirectional ? 2 : 1, H = c->hidden, DH = D * H;
    if (training && !ws->can_train)
        return hark_error(HARK_ERR_INVALID_ARG, "network forward: an inference workspace cannot train");
    int dropout = training && c->dropout > 0.0f && L > 1;
    if (dropout && !rng)
        return hark_error(HARK_ERR_INVALID_ARG, "network forward: training with dropout needs an rng");
    ws->B = B;
    ws->T = T;
    ws->To = To;
    for (int b = 0; b < B; b++) {
        ws->len_in[b] = lengths[b];
        ws->len_out[b] = (lengths[b] + k - 1) / k;
    }
    /* One draw per training forward moves the caller's state on; the masks come from it. */
    uint64_t base = dropout ? nn_rand_u64(rng) : 0;
    nn_stack_forward(x, lengths, B, T, c->n_input, k, ws->xs);
    const float *in = ws->xs;
    size_t rows = (size_t)To * B;
    for (int l = 0; l < L; l++) {
        nn_rnn_params p = nn_net_layer(net, net->params, l);
        const nn_rnn_act *a = &ws->act[l];
        for (int dir = 0; dir < D; dir++) {
            memset(a->hs + (size_t)dir * (To + 1) * B * H, 0, (size_t)B * H * sizeof(float));
            if (a->cs)
                memset(a->cs + (size_t)dir * (To + 1) * B * H, 0, (size_t)B * H * sizeof(float));
        }
        nn_rnn_forward(&net->dims[l], &p, a, in, ws->len_out, B, To);
        in = a->y;
        if (dropout && l < L - 1) { /* inverted dropout: scale kept units by 1/(1-p) */
            dropout_masks(ws, l, base, c->dropout, DH);
            const float *m = ws->mask[l];
            float *xo = ws->xin[l + 1];
            for (size_t i = 0; i < rows * DH; i++)
                xo[i] = a->y[i] * m[i];
            in = xo;
        }
    }
    nn_dense_forward(in, net->params + net->out_w_off, net->params + net->out_b_off, ws->logits,
                     (int)rows, DH, V);
    nn_log_softmax(ws->logits, ws->logits, (int)rows, V);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < To; t++) {
            float *o = ws->logprobs + ((size_t)b * To + t) * V;
            if (t < ws->len_out[b])
                memcpy(o, ws->logits + ((size_t)t * B + b) * V, (size_t)V * sizeof(float));
            else
                memset(o, 0, (size_t)V * sizeof(float));
        }
    ws->training_ready = training ? 1 + dropout : 0;
    if (logprobs)
        *logprobs = ws->logprobs;
    if (out_lengths)
        memcpy(out_lengths, ws->len_out, (size_t)B * sizeof(int));
    if (T_out)
        *T_out = To;
    return HARK_OK;
}

hark_status hark_net_backward(hark_net *net, hark_net_ws *ws, const float *dlogits)
{
    if (!net || !ws || !dlogits)
        return hark_error(HARK_ERR_INVALID_ARG, "network backward: NULL argument");
    if (ws->net != net || !ws->training_ready)
        return hark_error(HARK_ERR_INVALID_ARG,
                          "network backward: needs a training forward on this workspace first");
    const hark_net_config *c = &net->cfg;
    int B = ws->B, To = ws->To, L = c->n_layers, V = c->n_output;
    int D = c->bidirectional ? 2 : 1, DH = D * c->hidden;
    int dropout = ws->training_ready == 2;
    size_t rows = (size_t)To * B;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < To; t++) {
            float *o = ws->dlog + ((size_t)t * B + b) * V;
            if (t < ws->len_out[b])
                memcpy(o, dlogits + ((size_t)b * To + t) * V, (size_t)V * sizeof(float));
            else
                memset(o, 0, (size_t)V * sizeof(float));
        }
    const float *yl = ws->act[L - 1].y; /* no dropout after the last recurrent layer */
    float *dy = ws->dy[0];
    memset(dy, 0, rows * DH * sizeof(float));
    nn_dense_backward(yl, net->params + net->out_w_off, ws->dlog, net->grads + net->out_w_off,
                      net->grads + net->out_b_off, dy, (int)rows, DH, V);
    for (int l = L - 1; l >= 0; l--) {
        nn_rnn_params p = nn_net_layer(net, net->params, l);
        nn_rnn_params g = nn_net_layer(net, net->grads, l);
        const float *x = l == 0 ? ws->xs : dropout ? ws->xin[l] : ws->act[l - 1].y;
        float *dx = NULL;
        if (l > 0) {
            dx = ws->dy[(L - l) & 1];
            memset(dx, 0, rows * DH * sizeof(float));
        }
        nn_rnn_backward_bptt(&net->dims[l], &p, &g, &ws->act[l], &ws->scr, x, ws->len_out, B, To,
                             dy, dx, ws->bptt);
        if (dx && dropout) {
            const float *m = ws->mask[l - 1];
            for (size_t i = 0; i < rows * DH; i++)
                dx[i] *= m[i];
        }
        dy = dx;
    }
    return HARK_OK;
}

nn_rnn_params nn_net_layer(const hark_net *net, float *block, int l)
{
    return nn_rnn_carve(&net->dims[l], block + net->layer_off[l]);
}
