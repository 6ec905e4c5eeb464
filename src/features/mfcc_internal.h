/* mfcc_internal.h - what the whole-utterance and streaming extractors share inside
 * src/features: the per-frame kernel, the delta and CMVN steps (mfcc.c, cmvn.c, extract.c). Both paths call exactly these
 * functions on the same numbers, which is what makes streaming output equal batch output. */
#ifndef HARK_MFCC_INTERNAL_H
#define HARK_MFCC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "hark/features.h"

/* Static cepstra of one frame: frame (L samples in [-1,1]) -> ceps (num_ceps floats).
 * Draws dither noise from *rng when cfg.dither > 0 (L normals per frame, in frame order). */
void hark_mfcc_frame(hark_mfcc *m, const float *frame, float *ceps, uint64_t *rng);

/* out[i] = sum_{k=1..N} k (rows[N+k][i] - rows[N-k][i]) / (2 sum k^2) for i < C, where rows
 * holds 2N+1 pointers (edge rows already replicated by the caller). */
void hark_mfcc_delta_row(const float *const *rows, int N, int C, float *out);

/* Global CMVN of one D-dim frame in place (no-op unless cfg.cmvn == HARK_CMVN_GLOBAL). */
void hark_mfcc_cmvn_frame(const hark_mfcc *m, float *frame);

/* CMVN of whole (T, D) features in the config's mode, in place; `acc` has room for 2 D doubles
 * (utterance CMVN's sums). HARK_ERR_NOMEM only (live CMVN's history). */
hark_status hark_mfcc_cmvn_run(const hark_mfcc_config *cfg, double *acc, float *feats, size_t T);

/* Live (sliding-window) CMVN, HARK_CMVN_LIVE: the raw frames the window may still need, in a
 * ring, and the running sum of the window [ws, we). Both extractors add the raw frames in order
 * and normalise frames in order with the same arithmetic, so stream and batch outputs agree
 * exactly. */
typedef struct hark_mfcc_live {
    int D;
    size_t rows;   /* cmvn_window + 2: the window, the frame leaving it and the one entering */
    float *ring;   /* rows x D raw frames, frame t at row t % rows */
    double *sum;   /* D: sum of frames [ws, we) */
    size_t ws, we; /* the window the sum holds */
    size_t added;  /* raw frames added since reset */
} hark_mfcc_live;

hark_status hark_mfcc_live_init(hark_mfcc_live *l, const hark_mfcc_config *cfg);
void hark_mfcc_live_free(hark_mfcc_live *l);
void hark_mfcc_live_reset(hark_mfcc_live *l);
/* Append the next raw (D floats) frame. */
void hark_mfcc_live_add(hark_mfcc_live *l, const float *raw);
/* How many raw frames frame t's mean needs, T frames in all (SIZE_MAX: not known yet). */
size_t hark_mfcc_live_needs(const hark_mfcc_config *cfg, size_t t, size_t T);
/* Normalise frame t (frames in order, from 0; hark_mfcc_live_needs(cfg, t, T) frames added) into
 * out (D floats). */
void hark_mfcc_live_frame(hark_mfcc_live *l, const hark_mfcc_config *cfg, size_t t, size_t T,
                          float *out);

/* The extractor's buffer of 2 D doubles for utterance CMVN's sums (hark_mfcc_cmvn_run's acc). */
double *hark_mfcc_cmvn_acc(hark_mfcc *m);

/* Index of the first NaN or infinite sample, or n if there is none. */
size_t hark_mfcc_first_nonfinite(const float *x, size_t n);

/* A standard normal deviate from the splitmix64 stream (Box-Muller): dither, lead-ins. */
float hark_mfcc_gauss(uint64_t *rng);

/* FFTW's planner is not thread-safe: every plan creation and destruction in src/features holds
 * this one lock (the extractors' and the augmentation's convolution plans). */
void hark_fftw_planner_lock(void);
void hark_fftw_planner_unlock(void);

#endif
