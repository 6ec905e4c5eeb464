/* nn_gru.c - the GRU layer, uni- or bidirectional, forward and backward through time over a
 * padded time-major batch. Gate order and equations as torch.nn.GRU:
 *   r = s(W_ir x + b_ir + W_hr h + b_hr)   z = s(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))   h' = (1 - z) * n + z * h
 * Per step: one GEMM for W_hh h over the batch, then one fused pass over the gates.
 *
 * Reference test: tests/test_nn_ref.c (torch.nn.GRU outputs and gradients, fixture from
 * tests/ref/nn_fixtures.py), tests/test_nn_grad.c (finite differences), tests/test_nn_bptt.c.
 * Benchmark: bench/gru_layer (one layer forward + backward against PyTorch in the same run),
 * 'hark bench micro' (a GRU step) and bench/train. */
#include "nn/nn_internal.h"


/* One utterance, one step, units j0 .. j0+n-1. The gates r, z, n of g hold W_ih x on entry and
 * their activations on exit; hn keeps W_hn h + b_hn for backward. Separate restrict pointers
 * per gate and fixed-size blocks let gcc vectorise the loop at -O2. */
static inline void gru_cell_span(float *restrict gr, float *restrict gz, float *restrict gn,
                                 const float *restrict hr, const float *restrict hz,
                                 const float *restrict hh, const float *restrict bir,
                                 const float *restrict biz, const float *restrict bin,
                                 const float *restrict bhr, const float *restrict bhz,
                                 const float *restrict bhn, const float *restrict hp,
                                 float *restrict hn_out, float *restrict hnew, float *restrict y,
                                 int n)
{
    for (int j = 0; j < n; j++) {
        float r = nn_sigmoidf(gr[j] + bir[j] + hr[j] + bhr[j]);
        float z = nn_sigmoidf(gz[j] + biz[j] + hz[j] + bhz[j]);
        float hn = hh[j] + bhn[j];
        float nv = nn_tanhf(gn[j] + bin[j] + r * hn);
        float h = nv + z * (hp[j] - nv);
        gr[j] = r;
        gz[j] = z;
        gn[j] = nv;
        hn_out[j] = hn;
        hnew[j] = h;
        y[j] = h;
    }
}

static void gru_cell_forward(float *g, const float *gh, const float *bih, const float *bhh,
                             const float *hp, float *hn_out, float *hnew, float *y, int H)
{
    int j = 0;
#define SPAN(n)                                                                                    \
    gru_cell_span(g + j, g + H + j, g + 2 * H + j, gh + j, gh + H + j, gh + 2 * H + j, bih + j,     \
                  bih + H + j, bih + 2 * H + j, bhh + j, bhh + H + j, bhh + 2 * H + j, hp + j,      \
                  hn_out + j, hnew + j, y + j, n)
    for (; j + NN_BLOCK <= H; j += NN_BLOCK)
        SPAN(NN_BLOCK);
    SPAN(H - j);
#undef SPAN
}

/* The time loop of one direction: a GEMM for W_hh h over the batch, then the fused gates. */
void nn_gru_forward_dir(const nn_rnn_job *job, int dir)
{
    const nn_rnn_act *a = job->a;
    const int *len = job->len;
    int H = job->d->H, D = job->d->D, GH = 3 * H, DGH = D * GH, B = job->B, T = job->T;
    const float *whh = job->p->w_hh + (size_t)dir * GH * H;
    const float *packed = nn_rnn_pack_whh(job->d, a, whh, dir, B, 0);
    const float *bih = job->p->b_ih + (size_t)dir * GH, *bhh = job->p->b_hh + (size_t)dir * GH;
    float *hs = a->hs + (size_t)dir * (T + 1) * B * H, *gh = a->gh + (size_t)dir * B * GH;
    for (int s = 0; s < job->Tm; s++) {
        float *hprev = hs + (size_t)s * B * H, *hnew = hprev + (size_t)B * H;
        nn_rec_forward_gemm(B, GH, H, hprev, whh, packed, 0.0f, gh);
        for (int b = 0; b < B; b++) {
            if (s >= len[b]) { /* past this utterance's end: freeze its state */
                memcpy(hnew + (size_t)b * H, hprev + (size_t)b * H, (size_t)H * sizeof(float));
                continue;
            }
            size_t row = (size_t)nn_step_time(dir, s, len[b]) * B + b;
            gru_cell_forward(a->gates + row * DGH + (size_t)dir * GH, gh + (size_t)b * GH, bih, bhh,
                             hprev + (size_t)b * H, a->aux + row * D * H + (size_t)dir * H,
                             hnew + (size_t)b * H, a->y + row * D * H + (size_t)dir * H, H);
        }
    }
}

/* One utterance, one step backward, units j0 .. j0+n-1: dh carries dL/dh from the step after
 * this one in and the direct part of dL/dh_prev out (the W_hh part is added by the caller's
 * GEMM). */
static inline void gru_back_span(const float *restrict gr, const float *restrict gz,
                                 const float *restrict gn, const float *restrict hn,
                                 const float *restrict hp, const float *restrict dy,
                                 float *restrict dh, float *restrict dir_, float *restrict diz,
                                 float *restrict din, float *restrict dhr, float *restrict dhz,
                                 float *restrict dhn, int n)
{
    for (int j = 0; j < n; j++) {
        float r = gr[j], z = gz[j], nv = gn[j];
        float dhj = dy[j] + dh[j];
        float dan = dhj * (1.0f - z) * (1.0f - nv * nv);
        float daz = dhj * (hp[j] - nv) * z * (1.0f - z);
        float dar = dan * hn[j] * r * (1.0f - r);
        dir_[j] = dar;
        diz[j] = daz;
        din[j] = dan;
        dhr[j] = dar;
        dhz[j] = daz;
        dhn[j] = dan * r;
        dh[j] = dhj * z;
    }
}

static void gru_cell_backward(const float *g, const float *hn, const float *hp, const float *dy,
                              float *dh, float *dgi, float *dgh, int H)
{
    int j = 0;
#define SPAN(n)                                                                                    \
    gru_back_span(g + j, g + H + j, g + 2 * H + j, hn + j, hp + j, dy + j, dh + j, dgi + j,         \
                  dgi + H + j, dgi + 2 * H + j, dgh + j, dgh + H + j, dgh + 2 * H + j, n)
    for (; j + NN_BLOCK <= H; j += NN_BLOCK)
        SPAN(NN_BLOCK);
    SPAN(H - j);
#undef SPAN
}

void nn_gru_backward_dir(const nn_rnn_job *job, int dir)
{
    const nn_rnn_act *a = job->a;
    const nn_rnn_scratch *sc = job->s;
    const int *len = job->len;
    int H = job->d->H, D = job->d->D, GH = 3 * H, DGH = D * GH, B = job->B, T = job->T;
    const float *whh = job->p->w_hh + (size_t)dir * GH * H;
    const float *packed = nn_rnn_pack_whh(job->d, a, whh, dir, B, 1);
    const float *hs = a->hs + (size_t)dir * (T + 1) * B * H;
    float *dh = sc->dh + (size_t)dir * B * H;
    float *dgh = sc->dgh + (size_t)dir * T * B * GH;
    memset(dh, 0, (size_t)B * H * sizeof(float));
    for (int s = job->Tm - 1; s >= 0; s--) {
        float *dgh_s = dgh + (size_t)s * B * GH;
        for (int b = 0; b < B; b++) {
            if (s >= len[b]) { /* frozen step: no gradient flows through it */
                memset(dgh_s + (size_t)b * GH, 0, (size_t)GH * sizeof(float));
                continue;
            }
            size_t row = (size_t)nn_step_time(dir, s, len[b]) * B + b;
            gru_cell_backward(a->gates + row * DGH + (size_t)dir * GH,
                              a->aux + row * D * H + (size_t)dir * H, hs + ((size_t)s * B + b) * H,
                              job->dy + row * D * H + (size_t)dir * H, dh + (size_t)b * H,
                              sc->dgi + row * DGH + (size_t)dir * GH, dgh_s + (size_t)b * GH, H);
        }
        nn_rec_backward_gemm(B, GH, H, dgh_s, whh, packed, 1.0f, dh);
        if (job->bptt && s % job->bptt == 0) /* truncated BPTT: nothing reaches step s-1 */
            memset(dh, 0, (size_t)B * H * sizeof(float));
    }
}
