/* hark/features.h - MFCC features (FFTW), deltas, CMVN, a streaming extractor and training-time
 * augmentation.
 *
 * The MFCC pipeline follows Kaldi's compute-mfcc-feats as reimplemented by
 * torchaudio.compliance.kaldi.mfcc (snip_edges=True): frames of frame_length_ms every
 * frame_shift_ms that fit wholly in the signal, dither, DC removal, raw log energy, pre-emphasis,
 * window, zero padding to the FFT size, power spectrum, triangular mel filterbank (Kaldi's mel
 * scale, 1127 ln(1 + f/700)), log, orthonormal DCT-II, liftering, c0 replaced by the log energy.
 * With the defaults and dither 0 the cepstra equal torchaudio's within 1e-3 on audio scaled by
 * input_scale. Deltas then delta-deltas are torchaudio.functional.compute_deltas applied once and
 * twice (edge frames replicated). CMVN, if any, is applied last to the whole vector.
 *
 * Frame layout: one frame is D floats, cepstra first, then deltas, then delta-deltas;
 * an utterance is (T, D) row-major. T = 0 when the signal is shorter than one frame.
 *
 * Threads: a hark_mfcc or hark_mfcc_stream is used by one thread at a time; create one per
 * thread (cheap: a few KB and one FFTW plan). Objects never share hidden state.
 *
 * Prefixes: hark_mfcc_ (extraction, config, statistics), hark_augment_ (training augmentation). */
#ifndef HARK_FEATURES_H
#define HARK_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "hark/core.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cJSON; /* from <cjson/cJSON.h>; only pointers pass through this header */

/* Upper bounds that keep the config a plain copyable struct. */
#define HARK_MFCC_MAX_CEPS 64
#define HARK_MFCC_MAX_DIM (3 * HARK_MFCC_MAX_CEPS)
#define HARK_MFCC_MAX_CMVN_WINDOW 100000 /* frames of a live CMVN window (1000 s at 10 ms) */

typedef enum hark_window {
    HARK_WINDOW_POVEY = 0, /* Kaldi's default: Hann window to the power 0.85 */
    HARK_WINDOW_HAMMING,
    HARK_WINDOW_HANN,
    HARK_WINDOW_RECTANGULAR
} hark_window;

typedef enum hark_cmvn_mode {
    HARK_CMVN_NONE = 0,  /* features as computed */
    HARK_CMVN_UTTERANCE, /* subtract each utterance's mean (and divide by its std if cmvn_variance);
                            whole-utterance only: a stream cannot know the future mean */
    HARK_CMVN_GLOBAL,    /* (x - cmvn_mean) / cmvn_std with fixed statistics, e.g. from the
                            training set (hark_mfcc_stats); what models use, streams included */
    HARK_CMVN_LIVE       /* (x - m_t) / cmvn_std, m_t the mean of a window of recent frames: Kaldi's
                            sliding-window CMN (apply-cmvn-sliding, torchaudio's
                            sliding_window_cmn, center false), frames [t - cmvn_window, t] once
                            there are that many, before that [0, max(t + 1, cmvn_min_window)),
                            the whole utterance if shorter. Removes each microphone's and room's
                            own spectral colour as it goes; a stream waits for cmvn_min_window
                            frames at the start of an utterance, never later. cmvn_std is the
                            training set's (cmvn_mean is kept but not used). */
} hark_cmvn_mode;

/* Every knob of the extractor. Get one from hark_mfcc_default_config() and change fields. */
typedef struct hark_mfcc_config {
    int sample_rate;        /* Hz of the input samples (16000) */
    float frame_length_ms;  /* analysis window (25): samples = (int)(rate * ms / 1000) */
    float frame_shift_ms;   /* hop between frames (10) */
    float dither;           /* Gaussian noise std added to each frame, in input_scale units (0) */
    uint64_t dither_seed;   /* seed of the dither noise; each compute/stream restarts from it */
    float input_scale;      /* samples in [-1,1] are multiplied by this first (32768: Kaldi's
                               int16 scale, so log energies match Kaldi on 16-bit audio) */
    float preemphasis;      /* x[i] -= k * x[i-1] (0.97); 0 disables */
    int remove_dc;          /* subtract each frame's mean (1) */
    hark_window window;     /* HARK_WINDOW_POVEY */
    int fft_size;           /* 0: next power of two >= frame length (512 at 16 kHz) */
    int num_mel_bins;       /* triangular mel filters (23) */
    float low_freq;         /* Hz, lower edge of the first filter (20) */
    float high_freq;        /* Hz, upper edge of the last; <= 0 means Nyquist + high_freq (0) */
    int use_energy;         /* replace c0 by the frame's log energy (1) */
    int raw_energy;         /* energy measured before pre-emphasis and window (1, as Kaldi) */
    float energy_floor;     /* floor on energy, 0 = none (0, Kaldi's; torchaudio's default is 1) */
    int num_ceps;           /* cepstra kept, c0 included (13), <= num_mel_bins, <= 64 */
    float cepstral_lifter;  /* Q of the lifter 1 + Q/2 sin(pi i / Q) (22); 0 disables */
    int delta_order;        /* 0 none, 1 deltas, 2 deltas and delta-deltas (2): D = ceps*(1+order) */
    int delta_window;       /* N: delta uses frames t-N..t+N (2, torchaudio win_length 5) */
    hark_cmvn_mode cmvn;    /* HARK_CMVN_NONE */
    int cmvn_variance;      /* HARK_CMVN_UTTERANCE also normalises the variance (0) */
    int cmvn_dim;           /* number of valid entries in cmvn_mean/cmvn_std: D for GLOBAL, LIVE */
    float cmvn_mean[HARK_MFCC_MAX_DIM]; /* GLOBAL statistics, cmvn_dim entries */
    float cmvn_std[HARK_MFCC_MAX_DIM];  /* > 0 */
    int cmvn_window;        /* LIVE: frames of history in the mean, 1..HARK_MFCC_MAX_CMVN_WINDOW
                               (600, Kaldi's) */
    int cmvn_min_window;    /* LIVE: frames the mean waits for at the start, 1..cmvn_window (100,
                               Kaldi's: 1 s of look-ahead for the first second only) */
} hark_mfcc_config;

/* The defaults listed above (Kaldi's, 39 dimensions at 16 kHz, no CMVN). */
hark_mfcc_config hark_mfcc_default_config(void);

/* HARK_OK, or HARK_ERR_INVALID_ARG with a message naming the offending field. */
hark_status hark_mfcc_config_validate(const hark_mfcc_config *cfg);

/* D: floats per output frame (num_ceps * (1 + delta_order)). */
int hark_mfcc_dim(const hark_mfcc_config *cfg);
/* Frame length and shift in samples. */
int hark_mfcc_frame_length(const hark_mfcc_config *cfg);
int hark_mfcc_frame_shift(const hark_mfcc_config *cfg);
/* T for n samples: 0 if n < frame length, else 1 + (n - length) / shift. */
size_t hark_mfcc_num_frames(const hark_mfcc_config *cfg, size_t n_samples);

/* The whole config as a JSON object for the model file, CMVN statistics included as arrays
 * ("cmvn_mean", "cmvn_std"). NULL on allocation failure. The caller owns it (cJSON_Delete). */
struct cJSON *hark_mfcc_config_to_json(const hark_mfcc_config *cfg);
/* Read a config written by hark_mfcc_config_to_json. Keys absent from the object keep their
 * default value; a key of the wrong type or an invalid result is HARK_ERR_FORMAT. */
hark_status hark_mfcc_config_from_json(const struct cJSON *json, hark_mfcc_config *cfg);

/* ---- whole utterances ---------------------------------------------------------------------- */

typedef struct hark_mfcc hark_mfcc;

/* An extractor for one config: window, mel weights, DCT matrix and FFTW plan are made here, once.
 * NULL on an invalid config (hark_last_error). */
hark_mfcc *hark_mfcc_create(const hark_mfcc_config *cfg);
void hark_mfcc_free(hark_mfcc *m);
const hark_mfcc_config *hark_mfcc_get_config(const hark_mfcc *m);

/* Features of a whole utterance.
 *   samples  (n) mono samples at cfg.sample_rate, in [-1, 1]
 *   out      (T, D) with room for hark_mfcc_num_frames(cfg, n) frames
 *   T        out: frames written
 * Allocates nothing. HARK_ERR_NUMERIC if a sample is NaN or infinite (it would pass the log
 * floors as silence). */
hark_status hark_mfcc_compute(hark_mfcc *m, const float *samples, size_t n, float *out, size_t *T);

/* Same, with *out malloc'd (free() it); *out is NULL when *T is 0. */
hark_status hark_mfcc_compute_alloc(hark_mfcc *m, const float *samples, size_t n, float **out,
                                    size_t *T);

/* Apply cfg's CMVN (utterance or global; none: nothing) to (T, D) features computed with
 * cmvn = HARK_CMVN_NONE, in place: the same numbers hark_mfcc_compute gives with cfg. For
 * callers that keep raw features, e.g. to estimate global statistics first. */
hark_status hark_mfcc_apply_cmvn(const hark_mfcc_config *cfg, float *feats, size_t T);

/* ---- streaming ----------------------------------------------------------------------------- */

/* Fed audio in chunks of any size, a stream produces exactly the frames hark_mfcc_compute gives
 * for the concatenated audio. A frame is ready once its samples and the delta context after it
 * have arrived: deltas need delta_window frames of look-ahead and delta-deltas as many again
 * (2 + 2 frames = 40 ms with the defaults); finish() releases the last frames, whose missing
 * context is replicated as in the whole-utterance path. Memory is bounded by one frame of
 * samples plus a read buffer, two rings of 4N+2 frames of context, and the frames not yet
 * read. HARK_CMVN_UTTERANCE is refused
 * (HARK_ERR_UNSUPPORTED): use HARK_CMVN_GLOBAL or HARK_CMVN_LIVE for streams. With
 * HARK_CMVN_LIVE the first frames wait until cmvn_min_window frames have arrived (or finish()),
 * and the stream also keeps cmvn_window + 2 frames of history. */
typedef struct hark_mfcc_stream hark_mfcc_stream;

hark_mfcc_stream *hark_mfcc_stream_create(const hark_mfcc_config *cfg);
void hark_mfcc_stream_free(hark_mfcc_stream *s);
/* Forget all input: ready for a new utterance. */
void hark_mfcc_stream_reset(hark_mfcc_stream *s);
/* Add n samples (n may be 0). HARK_ERR_INVALID_ARG after finish (reset first);
 * HARK_ERR_NUMERIC, with nothing consumed, if a sample is NaN or infinite. */
hark_status hark_mfcc_stream_feed(hark_mfcc_stream *s, const float *samples, size_t n);
/* End of the utterance: the remaining frames become readable. */
hark_status hark_mfcc_stream_finish(hark_mfcc_stream *s);
/* Frames ready to read. */
size_t hark_mfcc_stream_available(const hark_mfcc_stream *s);
/* Copy up to max_frames ready frames (max_frames, D) into out, oldest first; returns the count. */
size_t hark_mfcc_stream_read(hark_mfcc_stream *s, float *out, size_t max_frames);
/* Frames output so far (read or not) since create/reset. */
size_t hark_mfcc_stream_frames_out(const hark_mfcc_stream *s);
/* Bytes of heap the stream holds now (to check that it does not grow with stream length). */
size_t hark_mfcc_stream_memory(const hark_mfcc_stream *s);

/* ---- global CMVN statistics ---------------------------------------------------------------- */

/* Running sums over many utterances' features (computed with cmvn = HARK_CMVN_NONE). */
typedef struct hark_mfcc_stats {
    int dim;
    double count;
    double sum[HARK_MFCC_MAX_DIM];
    double sumsq[HARK_MFCC_MAX_DIM];
} hark_mfcc_stats;

void hark_mfcc_stats_init(hark_mfcc_stats *st, int dim);
/* Add T frames (T, dim). */
void hark_mfcc_stats_add(hark_mfcc_stats *st, const float *feats, size_t T);
/* Set cfg->cmvn = HARK_CMVN_GLOBAL with the mean and std (floored at 1e-3) of what was added.
 * HARK_ERR_INVALID_ARG if nothing was added or dim differs from hark_mfcc_dim(cfg). */
hark_status hark_mfcc_stats_apply(const hark_mfcc_stats *st, hark_mfcc_config *cfg);
/* Statistics that change nothing (cmvn_dim = hark_mfcc_dim(cfg), means 0, stds 1), the mode kept:
 * a live-CMVN config is complete with them before its std is known (to validate it, or to
 * compute features less their sliding mean). */
void hark_mfcc_stats_identity(hark_mfcc_config *cfg);

/* ---- augmentation for training ------------------------------------------------------------- */

/* The random numbers: splitmix64 (Steele, Lea, Flood 2014) over a caller-owned uint64_t state,
 * the same `uint64_t *rng` convention as hark/nn.h; no global state, reproducible from a seed. */
uint64_t hark_augment_rng_next(uint64_t *rng);
/* Uniform double in [0, 1). */
double hark_augment_rng_uniform(uint64_t *rng);

/* Mix noise into x (n) in place at the given signal-to-noise ratio in dB (power ratio measured
 * over the whole of x and the noise segment used). The noise is read from a random offset and
 * looped if shorter than x. HARK_ERR_INVALID_ARG if the noise is silent or empty; a silent x is
 * left unchanged (no SNR can be defined). */
hark_status hark_augment_add_noise(float *x, size_t n, const float *noise, size_t n_noise,
                                   float snr_db, uint64_t *rng);

/* Speed perturbation as in Kaldi/sox "speed": play x faster by `factor` (0.5..2; typically 0.9,
 * 1.0, 1.1), changing duration and pitch. *out is malloc'd with round(n / factor) samples. */
hark_status hark_augment_speed(const float *x, size_t n, double factor, float **out,
                               size_t *n_out);

/* A lead-in: `lead` samples of Gaussian noise with RMS `rms` (a microphone's floor before
 * someone speaks; 0: digital silence), then x (n). *out is malloc'd with lead + n samples. */
hark_status hark_augment_lead(const float *x, size_t n, size_t lead, float rms, uint64_t *rng,
                              float **out, size_t *n_out);

/* Multiply x (n) by 10^(gain_db / 20) in place. No clipping: features do not need it. */
void hark_augment_gain(float *x, size_t n, float gain_db);

/* Vocal-tract-length perturbation (VTLP; Jaitly and Hinton, "Vocal Tract Length Perturbation
 * (VTLP) improves speech recognition", ICML 2013 workshop): the frequency axis under the mel
 * filterbank is warped piecewise linearly, f -> alpha f up to a boundary, then linearly to the
 * Nyquist frequency so the band edge stays put. The paper draws alpha uniformly in 0.9..1.1 per
 * utterance and puts the boundary at 4800 Hz for 16 kHz audio; here the boundary is
 * 0.6 x Nyquist (4800 Hz at 16 kHz) for any rate. Returns the warped frequency of f (Hz,
 * 0..nyquist); alpha = 1 is the identity. */
double hark_augment_vtlp_warp(double f, double alpha, double nyquist);

/* An extractor like hark_mfcc_create(cfg) whose mel filters read the power spectrum through the
 * VTLP warp with factor alpha (0.5..2): a filter centred at c Hz now collects the bins f whose
 * warped frequency hark_augment_vtlp_warp(f, alpha) is c, as if the vocal tract were scaled by
 * alpha. alpha = 1 gives exactly hark_mfcc_create's features. Training-time only. */
hark_mfcc *hark_mfcc_create_warped(const hark_mfcc_config *cfg, double alpha);

/* A shoebox room for the image method. Metres, with the origin in a corner; every wall has the
 * same pressure reflection coefficient. */
typedef struct hark_room {
    double size[3];   /* length, width, height (> 0) */
    double source[3]; /* talker position, inside the room */
    double mic[3];    /* microphone position, inside the room */
    double rt60;      /* reverberation time in seconds (Sabine), 0.05..3 */
} hark_room;

/* A random room: 3-10 x 3-10 x 2.4-4 m, RT60 0.15-0.8 s, talker and microphone at least 0.5 m
 * from every wall and 0.3 m from each other. */
void hark_augment_random_room(uint64_t *rng, hark_room *room);

/* Room impulse response by the image method (Allen and Berkley, "Image method for efficiently
 * simulating small-room acoustics", JASA 65(4), 1979): every mirror image of the talker within
 * the response length contributes beta^(reflections) / (4 pi distance) at its delay (speed of
 * sound 343 m/s), split linearly between the two nearest samples; beta follows from the RT60 by
 * Sabine's formula, beta = sqrt(1 - 0.161 V / (S RT60)). The response is shifted so the direct
 * sound arrives at sample 0, scaled so the direct sound is 1, and cut at min(RT60, max_seconds).
 * *h is malloc'd (*n taps). HARK_ERR_INVALID_ARG for a room that is not physical. */
hark_status hark_augment_room_response(const hark_room *room, int sample_rate, double max_seconds,
                                       float **h, size_t *n);

/* x (n) convolved with h (nh), cut to the first n samples, in place (FFT, FFTW), then scaled to
 * keep x's power (so gain and SNR stay the other augmentations' business). */
hark_status hark_augment_convolve(float *x, size_t n, const float *h, size_t nh);

/* A telephone line: x (n, at sample_rate >= 8000) band-passed to 300-3400 Hz (4th-order
 * Butterworth high-pass and low-pass sections), resampled to 8 kHz, companded with G.711 mu-law
 * (8 bits, mu = 255; samples clipped to [-1, 1]) and resampled back, in place, length kept. */
hark_status hark_augment_telephone(float *x, size_t n, int sample_rate);

/* The augmentations above bundled for a trainer: a bank of rooms (made once, from a seed), a bank
 * of VTLP-warped extractors (alpha on a grid over 1 +- vtlp) and the telephone line, each applied
 * to a share of the utterances. One per thread. */
typedef struct hark_augmenter_config {
    float vtlp;           /* warp factors uniform in 1 +- vtlp (0.1 in the paper); 0 off */
    float reverb_prob;    /* share of utterances convolved with a random room (0) */
    float telephone_prob; /* share of utterances sent through the telephone line (0) */
    int n_rooms;          /* rooms in the bank (64) */
    double max_reverb_s;  /* room responses cut after this many seconds (0.5) */
    uint64_t seed;        /* the rooms' seed */
} hark_augmenter_config;

typedef struct hark_augmenter hark_augmenter;

/* Defaults as listed (every augmentation off). */
hark_augmenter_config hark_augmenter_default_config(void);
/* cfg is the extractor the warped ones copy (its CMVN included). NULL on a bad config. */
hark_augmenter *hark_augmenter_create(const hark_mfcc_config *feat, const hark_augmenter_config *cfg);
void hark_augmenter_free(hark_augmenter *a);
/* Reverberation with probability reverb_prob: apply before adding noise (the room colours the
 * talker, not the noise). */
hark_status hark_augmenter_room(hark_augmenter *a, float *x, size_t n, uint64_t *rng);
/* The telephone line with probability telephone_prob (after noise: the line carries both), then
 * the extractor to use: a random warped one, or `plain` when VTLP is off. */
hark_status hark_augmenter_channel(hark_augmenter *a, float *x, size_t n, uint64_t *rng,
                                   hark_mfcc *plain, hark_mfcc **extractor);

/* SpecAugment masks (Park et al. 2019) on a (T, F) feature matrix, in place. */
typedef struct hark_specaugment {
    int freq_masks;       /* number of frequency masks (2) */
    int freq_width;       /* each masks a uniform width in 0..freq_width columns (4) */
    int freq_limit;       /* masks cover columns < freq_limit only; 0 = all F (0) */
    int time_masks;       /* number of time masks (2) */
    int time_width;       /* each masks a uniform width in 0..time_width frames (20) */
    float max_time_ratio; /* and at most this fraction of T per mask (0.2) */
    float fill;           /* value written into masked cells (0: the mean after CMVN) */
} hark_specaugment;

hark_specaugment hark_augment_specaugment_default(void);
hark_status hark_augment_specaugment(float *feats, int T, int F, const hark_specaugment *p,
                                     uint64_t *rng);

#ifdef __cplusplus
}
#endif
#endif
