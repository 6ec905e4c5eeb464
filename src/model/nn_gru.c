/* nn_gru.c - the GRU layer, uni- or bidirectional, forward and backward through time over a
 * padded time-major batch. Gate order and equations as torch.nn.GRU:
 *   r = s(W_ir x + b_ir + W_hr h + b_hr)   z = s(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))   h' = (1 - z) * n + z * h
 * Per step: one GEMM for W_hh h over the batch, then one fused pass over the gates. */
#include "model/nn_internal.h"

#include <cblas.h>

/* One utterance, one step: g holds W_ih x on entry and r, z, n on exit; hn_out keeps
 * W_hn h + b_hn for backward. */
static void gru_cell_forward(float *restrict g, const float *restrict gh,
                             const float *restrict bih, const float *restrict bhh,
                             const float *restrict hp, float *restrict hn_out,
                             float *restrict hnew, float *restrict y, int H)
{
    for (int j = 0; j < H; j++) {
        float r = nn_sigmoidf(g[j] + bih[j] + gh[j] + bhh[j]);
        float z = nn_sigmoidf(g[H + j] + bih[H + j] + gh[H + j] + bhh[H + j]);
        float hn = gh[2 * H + j] + bhh[2 * H + j];
        float n = nn_tanhf(g[2 * H + j] + bih[2 * H + j] + r * hn);
        float h = n + z * (hp[j] - n);
        g[j] = r;
        g[H + j] = z;
        g[2 * H + j] = n;
        hn_out[j] = hn;
        hnew[j] = h;
        y[j] = h;
    }
}

void nn_gru_forward(const nn_rnn_dims *d, const nn_rnn_params *p, const nn_rnn_act *a,
                    const float *x, const int *len, int B, int T)
{
    int H = d->H, D = d->D, GH = 3 * H, DGH = D * GH, Tm = nn_max_len(len, B);
    memset(a->y, 0, (size_t)T * B * D * H * sizeof(float));
    if (Tm == 0)
        return;
    nn_rnn_project(d, p, x, Tm * B, a->gates);
    for (int dir = 0; dir < D; dir++) {
        const float *whh = p->w_hh + (size_t)dir * GH * H;
        const float *bih = p->b_ih + (size_t)dir * GH, *bhh = p->b_hh + (size_t)dir * GH;
        float *hs = a->hs + (size_t)dir * (T + 1) * B * H;
        for (int s = 0; s < Tm; s++) {
            float *hprev = hs + (size_t)s * B * H, *hnew = hprev + (size_t)B * H;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, GH, H, 1.0f, hprev, H, whh, H,
                        0.0f, a->gh, GH);
            for (int b = 0; b < B; b++) {
                if (s >= len[b]) { /* past this utterance's end: freeze its state */
                    memcpy(hnew + (size_t)b * H, hprev + (size_t)b * H, (size_t)H * sizeof(float));
                    continue;
                }
                size_t row = (size_t)nn_step_time(dir, s, len[b]) * B + b;
                gru_cell_forward(a->gates + row * DGH + (size_t)dir * GH, a->gh + (size_t)b * GH,
                                 bih, bhh, hprev + (size_t)b * H, a->aux + row * D * H + (size_t)dir * H,
                                 hnew + (size_t)b * H, a->y + row * D * H + (size_t)dir * H, H);
            }
        }
    }
}

/* One utterance, one step backward: dh carries dL/dh from the step after this one in and the
 * direct part of dL/dh_prev out (the W_hh part is added by the caller's GEMM). */
static void gru_cell_backward(const float *restrict g, const float *restrict hn,
                              const float *restrict hp, const float *restrict dy,
                              float *restrict dh, float *restrict dgi, float *restrict dgh, int H)
{
    for (int j = 0; j < H; j++) {
        float r = g[j], z = g[H + j], n = g[2 * H + j];
        float dhj = dy[j] + dh[j];
        float dan = dhj * (1.0f - z) * (1.0f - n * n);
        float daz = dhj * (hp[j] - n) * z * (1.0f - z);
        float dar = dan * hn[j] * r * (1.0f - r);
        dgi[j] = dar;
        dgi[H + j] = daz;
        dgi[2 * H + j] = dan;
        dgh[j] = dar;
        dgh[H + j] = daz;
        dgh[2 * H + j] = dan * r;
        dh[j] = dhj * z;
    }
}

void nn_gru_backward(const nn_rnn_dims *d, const nn_rnn_params *p, const nn_rnn_params *g,
                     const nn_rnn_act *a, const nn_rnn_scratch *sc, const float *x,
                     const int *len, int B, int T, const float *dy, float *dx)
{
    int H = d->H, D = d->D, GH = 3 * H, DGH = D * GH, Tm = nn_max_len(len, B);
    if (Tm == 0)
        return;
    nn_rnn_zero_padded(d, sc->dgi, len, B, Tm);
    for (int dir = 0; dir < D; dir++) {
        const float *whh = p->w_hh + (size_t)dir * GH * H;
        const float *hs = a->hs + (size_t)dir * (T + 1) * B * H;
        float *dh = sc->dh + (size_t)dir * B * H;
        float *dgh = sc->dgh + (size_t)dir * T * B * GH;
        memset(dh, 0, (size_t)B * H * sizeof(float));
        for (int s = Tm - 1; s >= 0; s--) {
            float *dgh_s = dgh + (size_t)s * B * GH;
            for (int b = 0; b < B; b++) {
                if (s >= len[b]) { /* frozen step: no gradient flows through it */
                    memset(dgh_s + (size_t)b * GH, 0, (size_t)GH * sizeof(float));
                    continue;
                }
                size_t row = (size_t)nn_step_time(dir, s, len[b]) * B + b;
                gru_cell_backward(a->gates + row * DGH + (size_t)dir * GH,
                                  a->aux + row * D * H + (size_t)dir * H,
                                  hs + ((size_t)s * B + b) * H, dy + row * D * H + (size_t)dir * H,
                                  dh + (size_t)b * H, sc->dgi + row * DGH + (size_t)dir * GH,
                                  dgh_s + (size_t)b * GH, H);
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, H, GH, 1.0f, dgh_s, GH, whh,
                        H, 1.0f, dh, H);
        }
    }
    nn_rnn_backward_weights(d, p, g, a, sc, x, B, T, Tm, dx);
}
