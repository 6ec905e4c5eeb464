/* nn_lstm.c - the LSTM layer, uni- or bidirectional, forward and backward through time over a
 * padded time-major batch. Gate order and equations as torch.nn.LSTM (i, f, g, o):
 *   c' = s(f) * c + s(i) * tanh(g)      h' = s(o) * tanh(c')
 * Per step: one GEMM for W_hh h over the batch, then one fused pass over the gates.
 *
 * Reference test: tests/test_nn_ref.c (torch.nn.LSTM outputs and gradients, fixture from
 * tests/ref/nn_fixtures.py), tests/test_nn_grad.c (finite differences).
 * Benchmark: bench/train --cell lstm through 'hark bench train --cell lstm' (whole steps). */
#include "nn/nn_internal.h"


/* One utterance, one step, units j0 .. j0+n-1: the gates i, f, g, o of g hold W_ih x on entry
 * and their activations on exit. Separate restrict pointers per gate and fixed-size blocks
 * let gcc vectorise the loop at -O2. */
static inline void lstm_cell_span(float *restrict gi, float *restrict gf, float *restrict gg,
                                  float *restrict go, const float *restrict hi,
                                  const float *restrict hf, const float *restrict hg,
                                  const float *restrict ho, const float *restrict cp,
                                  float *restrict cnew, float *restrict tc_out,
                                  float *restrict hnew, float *restrict y, int n)
{
    for (int j = 0; j < n; j++) {
        float i = nn_sigmoidf(gi[j] + hi[j]);
        float f = nn_sigmoidf(gf[j] + hf[j]);
        float g = nn_tanhf(gg[j] + hg[j]);
        float o = nn_sigmoidf(go[j] + ho[j]);
        float c = f * cp[j] + i * g;
        float tc = nn_tanhf(c);
        float h = o * tc;
        gi[j] = i;
        gf[j] = f;
        gg[j] = g;
        go[j] = o;
        cnew[j] = c;
        tc_out[j] = tc;
        hnew[j] = h;
        y[j] = h;
    }
}

/* gh holds W_hh h + b_ih + b_hh (the caller's GEMM adds onto the biases). */
static void lstm_cell_forward(float *g, const float *gh, const float *cp,
                              float *cnew, float *tc_out, float *hnew, float *y, int H)
{
    int j = 0;
#define SPAN(n)                                                                                    \
    lstm_cell_span(g + j, g + H + j, g + 2 * H + j, g + 3 * H + j, gh + j, gh + H + j,              \
                   gh + 2 * H + j, gh + 3 * H + j, cp + j, cnew + j, tc_out + j, hnew + j, y + j, n)
    for (; j + NN_BLOCK <= H; j += NN_BLOCK)
        SPAN(NN_BLOCK);
    SPAN(H - j);
#undef SPAN
}

/* The time loop of one direction: a GEMM for W_hh h over the batch (onto the summed biases),
 * then the fused gates. */
void nn_lstm_forward_dir(const nn_rnn_job *job, int dir)
{
    const nn_rnn_act *a = job->a;
    const int *len = job->len;
    int H = job->d->H, D = job->d->D, GH = 4 * H, DGH = D * GH, B = job->B, T = job->T;
    const float *whh = job->p->w_hh + (size_t)dir * GH * H;
    const float *packed = nn_rnn_pack_whh(job->d, a, whh, dir, B, 0);
    const float *bih = job->p->b_ih + (size_t)dir * GH, *bhh = job->p->b_hh + (size_t)dir * GH;
    float *hs = a->hs + (size_t)dir * (T + 1) * B * H;
    float *cs = a->cs + (size_t)dir * (T + 1) * B * H;
    float *gh = a->gh + (size_t)dir * B * GH;
    for (int s = 0; s < job->Tm; s++) {
        float *hprev = hs + (size_t)s * B * H, *hnew = hprev + (size_t)B * H;
        float *cprev = cs + (size_t)s * B * H, *cnew = cprev + (size_t)B * H;
        for (int b = 0; b < B; b++) {
            float *restrict gb = gh + (size_t)b * GH;
            for (int j = 0; j < GH; j++)
                gb[j] = bih[j] + bhh[j];
        }
        nn_rec_forward_gemm(B, GH, H, hprev, whh, packed, 1.0f, gh);
        for (int b = 0; b < B; b++) {
            size_t o = (size_t)b * H;
            if (s >= len[b]) { /* past this utterance's end: freeze its state */
                memcpy(hnew + o, hprev + o, (size_t)H * sizeof(float));
                memcpy(cnew + o, cprev + o, (size_t)H * sizeof(float));
                continue;
            }
            size_t row = (size_t)nn_step_time(dir, s, len[b]) * B + b;
            lstm_cell_forward(a->gates + row * DGH + (size_t)dir * GH, gh + (size_t)b * GH, cprev + o,
                              cnew + o, a->aux + row * D * H + (size_t)dir * H, hnew + o,
                              a->y + row * D * H + (size_t)dir * H, H);
        }
    }
}

/* One utterance, one step backward: dc carries dL/dc between steps; dh is read (dL/dh from the
 * next step) and overwritten by the caller's GEMM, since h reaches the next step only through
 * W_hh. dgi and dgh get the same values (the pre-activations of both projections). */
static inline void lstm_back_span(const float *restrict gi, const float *restrict gf,
                                  const float *restrict gg, const float *restrict go,
                                  const float *restrict tc, const float *restrict cp,
                                  const float *restrict dy, const float *restrict dh,
                                  float *restrict dc, float *restrict di, float *restrict df,
                                  float *restrict dg, float *restrict dout, float *restrict ei,
                                  float *restrict ef, float *restrict eg, float *restrict eo, int n)
{
    for (int j = 0; j < n; j++) {
        float i = gi[j], f = gf[j], g = gg[j], o = go[j];
        float dhj = dy[j] + dh[j];
        float dcj = dc[j] + dhj * o * (1.0f - tc[j] * tc[j]);
        float dai = dcj * g * i * (1.0f - i);
        float daf = dcj * cp[j] * f * (1.0f - f);
        float dag = dcj * i * (1.0f - g * g);
        float dao = dhj * tc[j] * o * (1.0f - o);
        dc[j] = dcj * f;
        di[j] = ei[j] = dai;
        df[j] = ef[j] = daf;
        dg[j] = eg[j] = dag;
        dout[j] = eo[j] = dao;
    }
}

static void lstm_cell_backward(const float *g, const float *tc, const float *cp, const float *dy,
                               const float *dh, float *dc, float *dgi, float *dgh, int H)
{
    int j = 0;
#define SPAN(n)                                                                                    \
    lstm_back_span(g + j, g + H + j, g + 2 * H + j, g + 3 * H + j, tc + j, cp + j, dy + j, dh + j,  \
                   dc + j, dgi + j, dgi + H + j, dgi + 2 * H + j, dgi + 3 * H + j, dgh + j,         \
                   dgh + H + j, dgh + 2 * H + j, dgh + 3 * H + j, n)
    for (; j + NN_BLOCK <= H; j += NN_BLOCK)
        SPAN(NN_BLOCK);
    SPAN(H - j);
#undef SPAN
}

void nn_lstm_backward_dir(const nn_rnn_job *job, int dir)
{
    const nn_rnn_act *a = job->a;
    const nn_rnn_scratch *sc = job->s;
    const int *len = job->len;
    int H = job->d->H, D = job->d->D, GH = 4 * H, DGH = D * GH, B = job->B, T = job->T;
    const float *whh = job->p->w_hh + (size_t)dir * GH * H;
    const float *packed = nn_rnn_pack_whh(job->d, a, whh, dir, B, 1);
    const float *cs = a->cs + (size_t)dir * (T + 1) * B * H;
    float *dh = sc->dh + (size_t)dir * B * H, *dc = sc->dc + (size_t)dir * B * H;
    float *dgh = sc->dgh + (size_t)dir * T * B * GH;
    memset(dh, 0, (size_t)B * H * sizeof(float));
    memset(dc, 0, (size_t)B * H * sizeof(float));
    for (int s = job->Tm - 1; s >= 0; s--) {
        float *dgh_s = dgh + (size_t)s * B * GH;
        for (int b = 0; b < B; b++) {
            if (s >= len[b]) { /* frozen step: no gradient flows through it */
                memset(dgh_s + (size_t)b * GH, 0, (size_t)GH * sizeof(float));
                continue;
            }
            size_t row = (size_t)nn_step_time(dir, s, len[b]) * B + b;
            lstm_cell_backward(a->gates + row * DGH + (size_t)dir * GH,
                               a->aux + row * D * H + (size_t)dir * H, cs + ((size_t)s * B + b) * H,
                               job->dy + row * D * H + (size_t)dir * H, dh + (size_t)b * H,
                               dc + (size_t)b * H, sc->dgi + row * DGH + (size_t)dir * GH,
                               dgh_s + (size_t)b * GH, H);
        }
        /* dh = dgh W_hh: the only path from step s back to h_{s-1} besides dc */
        nn_rec_backward_gemm(B, GH, H, dgh_s, whh, packed, 0.0f, dh);
        if (job->bptt && s % job->bptt == 0) { /* truncated BPTT: nothing reaches step s-1 */
            memset(dh, 0, (size_t)B * H * sizeof(float));
            memset(dc, 0, (size_t)B * H * sizeof(float));
        }
    }
}
