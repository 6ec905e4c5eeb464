/* cmvn.c - cepstral mean and variance normalisation: global statistics (per frame, and their
 * estimation over a training set), per utterance, and live (Kaldi's sliding window, which streams).
 * The whole-utterance extractor, the stream and callers that keep raw features (the trainer) all
 * come through here, so their numbers agree exactly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "features/mfcc_internal.h"

static void cmvn_global_frame(const hark_mfcc_config *c, int D, float *f)
{
    for (int i = 0; i < D; i++)
        f[i] = (f[i] - c->cmvn_mean[i]) / c->cmvn_std[i];
}

void hark_mfcc_cmvn_frame(const hark_mfcc *m, float *f)
{
    const hark_mfcc_config *c = hark_mfcc_get_config(m);
    if (c->cmvn == HARK_CMVN_GLOBAL)
        cmvn_global_frame(c, hark_mfcc_dim(c), f);
}

/* Mean (and variance) normalisation over the utterance; `acc` has room for 2 D doubles. */
static void cmvn_utterance(int variance, int D, double *acc, float *feats, size_t T)
{
    double *mean = acc, *scale = acc + D;
    for (int i = 0; i < D; i++)
        mean[i] = scale[i] = 0;
    for (size_t t = 0; t < T; t++)
        for (int i = 0; i < D; i++)
            mean[i] += feats[t * (size_t)D + (size_t)i];
    for (int i = 0; i < D; i++)
        mean[i] /= (double)T;
    if (variance) {
        for (size_t t = 0; t < T; t++)
            for (int i = 0; i < D; i++) {
                double d = feats[t * (size_t)D + (size_t)i] - mean[i];
                scale[i] += d * d;
            }
        for (int i = 0; i < D; i++) {
            double sd = sqrt(scale[i] / (double)T);
            scale[i] = 1.0 / (sd > 1e-5 ? sd : 1e-5); /* a constant column stays finite */
        }
    }
    for (size_t t = 0; t < T; t++)
        for (int i = 0; i < D; i++) {
            float *f = feats + t * (size_t)D + (size_t)i;
            double v = *f - mean[i];
            *f = (float)(variance ? v * scale[i] : v);
        }
}

hark_status hark_mfcc_live_init(hark_mfcc_live *l, const hark_mfcc_config *c)
{
    memset(l, 0, sizeof *l);
    l->D = hark_mfcc_dim(c);
    l->rows = (size_t)c->cmvn_window + 2;
    l->ring = malloc(l->rows * (size_t)l->D * sizeof *l->ring);
    l->sum = calloc((size_t)l->D, sizeof *l->sum);
    if (!l->ring || !l->sum) {
        hark_mfcc_live_free(l);
        return hark_error(HARK_ERR_NOMEM, "mfcc: out of memory for live CMVN");
    }
    return HARK_OK;
}

void hark_mfcc_live_free(hark_mfcc_live *l)
{
    free(l->ring);
    free(l->sum);
    l->ring = NULL;
    l->sum = NULL;
}

void hark_mfcc_live_reset(hark_mfcc_live *l)
{
    for (int i = 0; i < l->D; i++)
        l->sum[i] = 0;
    l->ws = l->we = l->added = 0;
}

static float *live_row(const hark_mfcc_live *l, size_t t)
{
    return l->ring + (t % l->rows) * (size_t)l->D;
}

void hark_mfcc_live_add(hark_mfcc_live *l, const float *raw)
{
    memcpy(live_row(l, l->added), raw, (size_t)l->D * sizeof *raw);
    l->added++;
}

/* Frame t's window [*ws, *we): Kaldi's non-centred sliding window (see HARK_CMVN_LIVE). */
static void live_window(const hark_mfcc_config *c, size_t t, size_t T, size_t *ws, size_t *we)
{
    const size_t W = (size_t)c->cmvn_window, M = (size_t)c->cmvn_min_window;
    size_t s = t > W ? t - W : 0, e = t + 1 > M ? t + 1 : M;
    if (e > T) {
        s = s > e - T ? s - (e - T) : 0;
        e = T;
    }
    *ws = s;
    *we = e;
}

size_t hark_mfcc_live_needs(const hark_mfcc_config *c, size_t t, size_t T)
{
    size_t ws, we;
    live_window(c, t, T, &ws, &we);
    return we;
}

void hark_mfcc_live_frame(hark_mfcc_live *l, const hark_mfcc_config *c, size_t t, size_t T,
                          float *out)
{
    const int D = l->D;
    size_t ws, we;
    live_window(c, t, T, &ws, &we);
    for (; l->ws < ws; l->ws++) { /* frames leave, then frames enter: both paths in this order */
        const float *x = live_row(l, l->ws);
        for (int i = 0; i < D; i++)
            l->sum[i] -= x[i];
    }
    for (; l->we < we; l->we++) {
        const float *x = live_row(l, l->we);
        for (int i = 0; i < D; i++)
            l->sum[i] += x[i];
    }
    const double n = (double)(we - ws);
    const float *x = live_row(l, t);
    for (int i = 0; i < D; i++)
        out[i] = (float)(((double)x[i] - l->sum[i] / n) / c->cmvn_std[i]);
}

/* Live CMVN of a whole utterance in place: each raw frame joins the ring before its row is
 * overwritten (a row is overwritten only after every frame up to it has been added). */
static hark_status cmvn_live(const hark_mfcc_config *c, float *feats, size_t T)
{
    hark_mfcc_live l;
    hark_status st = hark_mfcc_live_init(&l, c);
    if (st != HARK_OK)
        return st;
    const size_t D = (size_t)l.D;
    for (size_t t = 0; t < T; t++) {
        size_t need = hark_mfcc_live_needs(c, t, T);
        while (l.added < need)
            hark_mfcc_live_add(&l, feats + l.added * D);
        hark_mfcc_live_frame(&l, c, t, T, feats + t * D);
    }
    hark_mfcc_live_free(&l);
    return HARK_OK;
}

hark_status hark_mfcc_cmvn_run(const hark_mfcc_config *c, double *acc, float *feats, size_t T)
{
    const int D = hark_mfcc_dim(c);
    if (c->cmvn == HARK_CMVN_UTTERANCE && T > 0)
        cmvn_utterance(c->cmvn_variance, D, acc, feats, T);
    else if (c->cmvn == HARK_CMVN_GLOBAL)
        for (size_t t = 0; t < T; t++)
            cmvn_global_frame(c, D, feats + t * (size_t)D);
    else if (c->cmvn == HARK_CMVN_LIVE && T > 0)
        return cmvn_live(c, feats, T);
    return HARK_OK;
}

hark_status hark_mfcc_apply_cmvn(const hark_mfcc_config *cfg, float *feats, size_t T)
{
    if (!cfg || (!feats && T))
        return hark_error(HARK_ERR_INVALID_ARG, "mfcc cmvn: NULL argument");
    hark_status st = hark_mfcc_config_validate(cfg);
    if (st != HARK_OK)
        return st;
    double acc[2 * HARK_MFCC_MAX_DIM];
    return hark_mfcc_cmvn_run(cfg, acc, feats, T);
}

/* ---- global statistics --------------------------------------------------------------------- */

void hark_mfcc_stats_init(hark_mfcc_stats *st, int dim)
{
    memset(st, 0, sizeof *st);
    st->dim = dim < 0 ? 0 : dim > HARK_MFCC_MAX_DIM ? HARK_MFCC_MAX_DIM : dim;
}

void hark_mfcc_stats_add(hark_mfcc_stats *st, const float *feats, size_t T)
{
    for (size_t t = 0; t < T; t++)
        for (int i = 0; i < st->dim; i++) {
            double v = feats[t * (size_t)st->dim + (size_t)i];
            st->sum[i] += v;
            st->sumsq[i] += v * v;
        }
    st->count += (double)T;
}

void hark_mfcc_stats_identity(hark_mfcc_config *cfg)
{
    int D = hark_mfcc_dim(cfg);
    cfg->cmvn_dim = D < 0 ? 0 : D > HARK_MFCC_MAX_DIM ? HARK_MFCC_MAX_DIM : D;
    for (int i = 0; i < cfg->cmvn_dim; i++) {
        cfg->cmvn_mean[i] = 0;
        cfg->cmvn_std[i] = 1;
    }
}

hark_status hark_mfcc_stats_apply(const hark_mfcc_stats *st, hark_mfcc_config *cfg)
{
    if (!st || !cfg)
        return hark_error(HARK_ERR_INVALID_ARG, "mfcc stats: NULL argument");
    if (st->count < 1)
        return hark_error(HARK_ERR_INVALID_ARG, "mfcc stats: no frames were added");
    if (st->dim != hark_mfcc_dim(cfg))
        return hark_error(HARK_ERR_INVALID_ARG, "mfcc stats: %d dimensions, the config has %d",
                          st->dim, hark_mfcc_dim(cfg));
    for (int i = 0; i < st->dim; i++) {
        double mean = st->sum[i] / st->count;
        double var = st->sumsq[i] / st->count - mean * mean;
        double sd = sqrt(var > 0 ? var : 0);
        cfg->cmvn_mean[i] = (float)mean;
        cfg->cmvn_std[i] = (float)(sd > 1e-3 ? sd : 1e-3);
    }
    cfg->cmvn_dim = st->dim;
    cfg->cmvn = HARK_CMVN_GLOBAL;
    return HARK_OK;
}
