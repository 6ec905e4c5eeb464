/* nn_lstm.c - the LSTM layer, uni- or bidirectional, forward and backward through time over a
 * padded time-major batch. Gate order and equations as torch.nn.LSTM (i, f, g, o):
 *   c' = s(f) * c + s(i) * tanh(g)      h' = s(o) * tanh(c')
 * Per step: one GEMM for W_hh h over the batch, then one fused pass over the gates. */
#include "model/nn_internal.h"

#include <cblas.h>

/* g holds W_ih x on entry and i, f, g, o (after their nonlinearities) on exit. */
static void lstm_cell_forward(float *restrict g, const float *restrict gh,
                              const float *restrict bih, const float *restrict bhh,
                              const float *restrict cp, float *restrict cnew,
                              float *restrict tc_out, float *restrict hnew, float *restrict y, int H)
{
    for (int j = 0; j < H; j++) {
        float i = nn_sigmoidf(g[j] + bih[j] + gh[j] + bhh[j]);
        float f = nn_sigmoidf(g[H + j] + bih[H + j] + gh[H + j] + bhh[H + j]);
        float gg = nn_tanhf(g[2 * H + j] + bih[2 * H + j] + gh[2 * H + j] + bhh[2 * H + j]);
        float o = nn_sigmoidf(g[3 * H + j] + bih[3 * H + j] + gh[3 * H + j] + bhh[3 * H + j]);
        float c = f * cp[j] + i * gg;
        float tc = nn_tanhf(c);
        float h = o * tc;
        g[j] = i;
        g[H + j] = f;
        g[2 * H + j] = gg;
        g[3 * H + j] = o;
        cnew[j] = c;
        tc_out[j] = tc;
        hnew[j] = h;
        y[j] = h;
    }
}

void nn_lstm_forward(const nn_rnn_dims *d, const nn_rnn_params *p, const nn_rnn_act *a,
                     const float *x, const int *len, int B, int T)
{
    int H = d->H, D = d->D, GH = 4 * H, DGH = D * GH, Tm = nn_max_len(len, B);
    memset(a->y, 0, (size_t)T * B * D * H * sizeof(float));
    if (Tm == 0)
        return;
    nn_rnn_project(d, p, x, Tm * B, a->gates);
    for (int dir = 0; dir < D; dir++) {
        const float *whh = p->w_hh + (size_t)dir * GH * H;
        const float *bih = p->b_ih + (size_t)dir * GH, *bhh = p->b_hh + (size_t)dir * GH;
        float *hs = a->hs + (size_t)dir * (T + 1) * B * H;
        float *cs = a->cs + (size_t)dir * (T + 1) * B * H;
        for (int s = 0; s < Tm; s++) {
            float *hprev = hs + (size_t)s * B * H, *hnew = hprev + (size_t)B * H;
            float *cprev = cs + (size_t)s * B * H, *cnew = cprev + (size_t)B * H;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, GH, H, 1.0f, hprev, H, whh, H,
                        0.0f, a->gh, GH);
            for (int b = 0; b < B; b++) {
                size_t o = (size_t)b * H;
                if (s >= len[b]) { /* past this utterance's end: freeze its state */
                    memcpy(hnew + o, hprev + o, (size_t)H * sizeof(float));
                    memcpy(cnew + o, cprev + o, (size_t)H * sizeof(float));
                    continue;
                }
                size_t row = (size_t)nn_step_time(dir, s, len[b]) * B + b;
                lstm_cell_forward(a->gates + row * DGH + (size_t)dir * GH, a->gh + (size_t)b * GH,
                                  bih, bhh, cprev + o, cnew + o,
                                  a->aux + row * D * H + (size_t)dir * H, hnew + o,
                                  a->y + row * D * H + (size_t)dir * H, H);
            }
        }
    }
}

/* dc carries dL/dc between steps; dh is read (dL/dh from the next step) and overwritten by the
 * caller's GEMM, since h reaches the next step only through W_hh. */
static void lstm_cell_backward(const float *restrict g, const float *restrict tc,
                               const float *restrict cp, const float *restrict dy,
                               const float *restrict dh, float *restrict dc,
                               float *restrict dgi, float *restrict dgh, int H)
{
    for (int j = 0; j < H; j++) {
        float i = g[j], f = g[H + j], gg = g[2 * H + j], o = g[3 * H + j];
        float dhj = dy[j] + dh[j];
        float dcj = dc[j] + dhj * o * (1.0f - tc[j] * tc[j]);
        float dai = dcj * gg * i * (1.0f - i);
        float daf = dcj * cp[j] * f * (1.0f - f);
        float dag = dcj * i * (1.0f - gg * gg);
        float dao = dhj * tc[j] * o * (1.0f - o);
        dc[j] = dcj * f;
        dgi[j] = dgh[j] = dai;
        dgi[H + j] = dgh[H + j] = daf;
        dgi[2 * H + j] = dgh[2 * H + j] = dag;
        dgi[3 * H + j] = dgh[3 * H + j] = dao;
    }
}

void nn_lstm_backward(const nn_rnn_dims *d, const nn_rnn_params *p, const nn_rnn_params *g,
                      const nn_rnn_act *a, const nn_rnn_scratch *sc, const float *x,
                      const int *len, int B, int T, const float *dy, float *dx)
{
    int H = d->H, D = d->D, GH = 4 * H, DGH = D * GH, Tm = nn_max_len(len, B);
    if (Tm == 0)
        return;
    nn_rnn_zero_padded(d, sc->dgi, len, B, Tm);
    for (int dir = 0; dir < D; dir++) {
        const float *whh = p->w_hh + (size_t)dir * GH * H;
        const float *cs = a->cs + (size_t)dir * (T + 1) * B * H;
        float *dh = sc->dh + (size_t)dir * B * H, *dc = sc->dc + (size_t)dir * B * H;
        float *dgh = sc->dgh + (size_t)dir * T * B * GH;
        memset(dh, 0, (size_t)B * H * sizeof(float));
        memset(dc, 0, (size_t)B * H * sizeof(float));
        for (int s = Tm - 1; s >= 0; s--) {
            float *dgh_s = dgh + (size_t)s * B * GH;
            for (int b = 0; b < B; b++) {
                if (s >= len[b]) { /* frozen step: no gradient flows through it */
                    memset(dgh_s + (size_t)b * GH, 0, (size_t)GH * sizeof(float));
                    continue;
                }
                size_t row = (size_t)nn_step_time(dir, s, len[b]) * B + b;
                lstm_cell_backward(a->gates + row * DGH + (size_t)dir * GH,
                                   a->aux + row * D * H + (size_t)dir * H,
                                   cs + ((size_t)s * B + b) * H, dy + row * D * H + (size_t)dir * H,
                                   dh + (size_t)b * H, dc + (size_t)b * H,
                                   sc->dgi + row * DGH + (size_t)dir * GH, dgh_s + (size_t)b * GH, H);
            }
            /* dh = dgh W_hh: the only path from step s back to h_{s-1} besides dc */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, H, GH, 1.0f, dgh_s, GH, whh,
                        H, 0.0f, dh, H);
        }
    }
    nn_rnn_backward_weights(d, p, g, a, sc, x, B, T, Tm, dx);
}
