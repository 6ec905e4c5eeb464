/* extract.c - the whole-utterance extractor: samples -> static cepstra frame by frame
 * (mfcc.c's kernel), deltas, then CMVN in the configured mode (cmvn.c), the same steps in the
 * same order as the stream (mfcc_stream.c). */
#include <stdint.h>
#include <stdlib.h>

#include "features/mfcc_internal.h"

/* Deltas of columns [src, src+C) into [dst, dst+C) for all T frames, edges replicated. */
static void deltas(float *feats, size_t T, int D, int C, int src, int dst, int N)
{
    const float *rows[2 * 10 + 1];
    for (size_t t = 0; t < T; t++) {
        for (int k = -N; k <= N; k++) {
            long r = (long)t + k;
            r = r < 0 ? 0 : r >= (long)T ? (long)T - 1 : r;
            rows[N + k] = feats + (size_t)r * (size_t)D + (size_t)src;
        }
        hark_mfcc_delta_row(rows, N, C, feats + t * (size_t)D + (size_t)dst);
    }
}

hark_status hark_mfcc_compute(hark_mfcc *m, const float *samples, size_t n, float *out, size_t *T)
{
    if (!m || (!samples && n) || !T || (!out && n))
        return hark_error(HARK_ERR_INVALID_ARG, "mfcc: NULL argument");
    size_t bad = hark_mfcc_first_nonfinite(samples, n);
    if (bad < n)
        return hark_error(HARK_ERR_NUMERIC, "mfcc: input sample %zu is not a finite number", bad);
    const hark_mfcc_config *cfg = hark_mfcc_get_config(m);
    const size_t nf = hark_mfcc_num_frames(cfg, n);
    const int D = hark_mfcc_dim(cfg), C = cfg->num_ceps, N = cfg->delta_window;
    const size_t shift = (size_t)hark_mfcc_frame_shift(cfg);
    uint64_t rng = cfg->dither_seed;
    for (size_t t = 0; t < nf; t++)
        hark_mfcc_frame(m, samples + t * shift, out + t * (size_t)D, &rng);
    if (cfg->delta_order >= 1)
        deltas(out, nf, D, C, 0, C, N);
    if (cfg->delta_order >= 2)
        deltas(out, nf, D, C, C, 2 * C, N);
    hark_status st = hark_mfcc_cmvn_run(cfg, hark_mfcc_cmvn_acc(m), out, nf);
    if (st != HARK_OK)
        return st;
    /* Finite but huge samples (a float file holding 1e30) can still overflow. */
    bad = hark_mfcc_first_nonfinite(out, nf * (size_t)D);
    if (bad < nf * (size_t)D)
        return hark_error(HARK_ERR_NUMERIC, "mfcc: frame %zu has a non-finite value (input "
                          "samples far outside [-1, 1]?)", bad / (size_t)D);
    *T = nf;
    return HARK_OK;
}

hark_status hark_mfcc_compute_alloc(hark_mfcc *m, const float *samples, size_t n, float **out,
                                    size_t *T)
{
    if (!m || !out || !T)
        return hark_error(HARK_ERR_INVALID_ARG, "mfcc: NULL argument");
    *out = NULL;
    *T = 0;
    const hark_mfcc_config *cfg = hark_mfcc_get_config(m);
    size_t nf = hark_mfcc_num_frames(cfg, n);
    if (nf == 0)
        return HARK_OK;
    float *f = malloc(nf * (size_t)hark_mfcc_dim(cfg) * sizeof *f);
    if (!f)
        return hark_error(HARK_ERR_NOMEM, "mfcc: out of memory for %zu frames", nf);
    hark_status st = hark_mfcc_compute(m, samples, n, f, T);
    if (st != HARK_OK) {
        free(f);
        return st;
    }
    *out = f;
    return HARK_OK;
}
