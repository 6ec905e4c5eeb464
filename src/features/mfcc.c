/* mfcc.c - the MFCC extractor: config defaults and validation, the tables built once per
 * extractor (window, sparse mel weights, liftered DCT, FFTW plan), the per-frame kernel and
 * deltas (CMVN: cmvn.c).
 *
 * Speed: frames are transformed with a real-input FFT (r2c); each mel filter is stored as the
 * contiguous run of FFT bins where its weight is non-zero; the lifter is folded into the DCT
 * matrix; the power spectrum is computed only over bins some filter uses; nothing is allocated
 * per frame or per call. */
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

#include "core/util.h"
#include "features/mfcc_internal.h"

#define PI 3.14159265358979323846
/* Independent partial sums per reduction: one running sum is a chain of dependent additions
 * (about 4 cycles each); LANES of them fill one AVX register and run in parallel. */
#define LANES 8

struct hark_mfcc {
    hark_mfcc_config cfg;
    int L, shift, N;  /* frame length, shift, FFT size (samples) */
    int C, M, D;      /* cepstra, mel bins, output dims */
    int bin_lo, bin_hi; /* FFT bins [bin_lo, bin_hi) carry mel weight */
    float *window;    /* L */
    int *mel_start;   /* M: first FFT bin of each filter */
    int *mel_len;     /* M: bins in each filter */
    int *mel_off;     /* M: offset of each filter's weights in mel_w */
    float *mel_w;     /* concatenated filter weights */
    float *dct;       /* M x Cp (Cp = C rounded up to LANES), lifter folded in */
    int Cp;
    float *cep_acc;   /* Cp */
    float *frame;     /* L: working copy of the frame */
    float *fft_in;    /* N, zero beyond L (fftwf_malloc: aligned as the plan expects) */
    fftwf_complex *fft_out; /* N/2 + 1 */
    float *power;     /* N/2 + 1 */
    float *logmel;    /* M */
    fftwf_plan plan;
    double log_floor; /* log(energy_floor) or -inf */
    double *acc;      /* 2 D: utterance CMVN sums */
    double warp;      /* VTLP factor of the filterbank's frequency axis (1: none) */
};

/* FFTW's planner is not thread-safe (execution is); this lock covers plan creation and
 * destruction only, so extractors on different threads never share anything else. */
static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;

void hark_fftw_planner_lock(void) { pthread_mutex_lock(&planner_lock); }
void hark_fftw_planner_unlock(void) { pthread_mutex_unlock(&planner_lock); }

hark_mfcc_config hark_mfcc_default_config(void)
{
    hark_mfcc_config c;
    memset(&c, 0, sizeof c);
    c.sample_rate = 16000;
    c.frame_length_ms = 25.0f;
    c.frame_shift_ms = 10.0f;
    c.dither = 0.0f;
    c.dither_seed = 0x9E3779B97F4A7C15ull;
    c.input_scale = 32768.0f;
    c.preemphasis = 0.97f;
    c.remove_dc = 1;
    c.window = HARK_WINDOW_POVEY;
    c.fft_size = 0;
    c.num_mel_bins = 23;
    c.low_freq = 20.0f;
    c.high_freq = 0.0f;
    c.use_energy = 1;
    c.raw_energy = 1;
    c.energy_floor = 0.0f;
    c.num_ceps = 13;
    c.cepstral_lifter = 22.0f;
    c.delta_order = 2;
    c.delta_window = 2;
    c.cmvn = HARK_CMVN_NONE;
    c.cmvn_variance = 0;
    c.cmvn_dim = 0;
    c.cmvn_window = 600;
    c.cmvn_min_window = 100;
    return c;
}

/* Kaldi/torchaudio compute sizes in double and truncate: keep the same arithmetic. */
int hark_mfcc_frame_length(const hark_mfcc_config *cfg)
{
    return (int)((double)cfg->sample_rate * (double)cfg->frame_length_ms * 0.001);
}

int hark_mfcc_frame_shift(const hark_mfcc_config *cfg)
{
    return (int)((double)cfg->sample_rate * (double)cfg->frame_shift_ms * 0.001);
}

int hark_mfcc_dim(const hark_mfcc_config *cfg) { return cfg->num_ceps * (1 + cfg->delta_order); }

size_t hark_mfcc_num_frames(const hark_mfcc_config *cfg, size_t n)
{
    size_t L = (size_t)hark_mfcc_frame_length(cfg), S = (size_t)hark_mfcc_frame_shift(cfg);
    if (L == 0 || S == 0 || n < L)
        return 0;
    return 1 + (n - L) / S;
}

static int fft_size_of(const hark_mfcc_config *cfg, int L)
{
    if (cfg->fft_size > 0)
        return cfg->fft_size;
    int n = 1;
    while (n < L)
        n *= 2;
    return n;
}

static int is_finite(double x) { return x == x && x - x == 0; }

hark_status hark_mfcc_config_validate(const hark_mfcc_config *c)
{
#define BAD(...) return hark_error(HARK_ERR_INVALID_ARG, "mfcc config: " __VA_ARGS__)
    if (!c)
        BAD("NULL");
    if (c->sample_rate < 1000 || c->sample_rate > 384000)
        BAD("sample_rate %d outside 1000..384000 Hz", c->sample_rate);
    if (!is_finite(c->frame_length_ms) || !is_finite(c->frame_shift_ms) || c->frame_length_ms <= 0 ||
        c->frame_shift_ms <= 0 || c->frame_length_ms > 1000 || c->frame_shift_ms > 1000)
        BAD("frame_length_ms %g / frame_shift_ms %g must be in (0, 1000]", c->frame_length_ms,
            c->frame_shift_ms);
    int L = hark_mfcc_frame_length(c), S = hark_mfcc_frame_shift(c);
    if (L < 2 || S < 1)
        BAD("frame of %d samples every %d samples is too short", L, S);
    if (c->fft_size < 0 || (c->fft_size > 0 && (c->fft_size < L || c->fft_size % 2)) ||
        fft_size_of(c, L) > 65536)
        BAD("fft_size %d must be 0 (next power of two) or an even number >= the frame length %d "
            "and <= 65536", c->fft_size, L);
    if (!is_finite(c->dither) || c->dither < 0)
        BAD("dither %g must be >= 0", c->dither);
    if (!is_finite(c->input_scale) || c->input_scale <= 0)
        BAD("input_scale %g must be > 0", c->input_scale);
    if (!is_finite(c->preemphasis) || c->preemphasis < 0 || c->preemphasis > 1)
        BAD("preemphasis %g must be in [0, 1]", c->preemphasis);
    if ((unsigned)c->window > HARK_WINDOW_RECTANGULAR)
        BAD("unknown window %d", (int)c->window);
    if (c->num_mel_bins < 3 || c->num_mel_bins > 256)
        BAD("num_mel_bins %d outside 3..256", c->num_mel_bins);
    double nyq = 0.5 * c->sample_rate;
    double hi = c->high_freq <= 0 ? nyq + c->high_freq : c->high_freq;
    if (!is_finite(c->low_freq) || !is_finite(c->high_freq) || c->low_freq < 0 || c->low_freq >= nyq ||
        hi <= 0 || hi > nyq || c->low_freq >= hi)
        BAD("mel range low_freq %g .. high_freq %g (%g Hz) must satisfy 0 <= low < high <= "
            "Nyquist %g Hz", c->low_freq, c->high_freq, hi, nyq);
    if (!is_finite(c->energy_floor) || c->energy_floor < 0)
        BAD("energy_floor %g must be >= 0", c->energy_floor);
    if (c->num_ceps < 1 || c->num_ceps > c->num_mel_bins || c->num_ceps > HARK_MFCC_MAX_CEPS)
        BAD("num_ceps %d outside 1..min(num_mel_bins=%d, %d)", c->num_ceps, c->num_mel_bins,
            HARK_MFCC_MAX_CEPS);
    if (!is_finite(c->cepstral_lifter) || c->cepstral_lifter < 0)
        BAD("cepstral_lifter %g must be >= 0", c->cepstral_lifter);
    if (c->delta_order < 0 || c->delta_order > 2)
        BAD("delta_order %d outside 0..2", c->delta_order);
    if (c->delta_window < 1 || c->delta_window > 10)
        BAD("delta_window %d outside 1..10", c->delta_window);
    if ((unsigned)c->cmvn > HARK_CMVN_LIVE)
        BAD("unknown cmvn mode %d", (int)c->cmvn);
    if (c->cmvn == HARK_CMVN_LIVE &&
        (c->cmvn_window < 1 || c->cmvn_window > HARK_MFCC_MAX_CMVN_WINDOW))
        BAD("cmvn_window %d outside 1..%d", c->cmvn_window, HARK_MFCC_MAX_CMVN_WINDOW);
    if (c->cmvn == HARK_CMVN_LIVE && (c->cmvn_min_window < 1 || c->cmvn_min_window > c->cmvn_window))
        BAD("cmvn_min_window %d outside 1..cmvn_window (%d)", c->cmvn_min_window, c->cmvn_window);
    if (c->cmvn == HARK_CMVN_GLOBAL || c->cmvn == HARK_CMVN_LIVE) {
        int D = hark_mfcc_dim(c);
        if (c->cmvn_dim != D)
            BAD("%s CMVN statistics have %d dimensions, features have %d",
                c->cmvn == HARK_CMVN_LIVE ? "live" : "global", c->cmvn_dim, D);
        for (int i = 0; i < D; i++)
            if (!is_finite(c->cmvn_mean[i]) || !is_finite(c->cmvn_std[i]) || c->cmvn_std[i] <= 0)
                BAD("global CMVN statistic %d (mean %g, std %g) is not usable", i, c->cmvn_mean[i],
                    c->cmvn_std[i]);
    } else if (c->cmvn_dim < 0 || c->cmvn_dim > HARK_MFCC_MAX_DIM) {
        BAD("cmvn_dim %d outside 0..%d", c->cmvn_dim, HARK_MFCC_MAX_DIM);
    }
    return HARK_OK;
#undef BAD
}

static double mel_of(double hz) { return 1127.0 * log(1.0 + hz / 700.0); }

static void make_window(float *w, int L, hark_window type)
{
    double a = 2.0 * PI / (L - 1);
    for (int i = 0; i < L; i++) {
        double hann = 0.5 - 0.5 * cos(a * i);
        switch (type) {
        case HARK_WINDOW_POVEY: w[i] = (float)pow(hann, 0.85); break;
        case HARK_WINDOW_HAMMING: w[i] = (float)(0.54 - 0.46 * cos(a * i)); break;
        case HARK_WINDOW_HANN: w[i] = (float)hann; break;
        case HARK_WINDOW_RECTANGULAR: w[i] = 1.0f; break;
        }
    }
}

/* The VTLP frequency warp (public as part of the augmentation API; the warped filterbank of
 * hark_mfcc_create_warped is its one user here). */
double hark_augment_vtlp_warp(double f, double alpha, double nyquist)
{
    const double f_hi = 0.6 * nyquist;
    const double knee = f_hi * (alpha < 1 ? alpha : 1.0); /* warped frequency of the boundary */
    const double bound = knee / alpha;
    if (f <= bound)
        return f * alpha;
    return nyquist - (nyquist - knee) / (nyquist - bound) * (nyquist - f);
}

/* Mel position of a bin's frequency, read through the VTLP warp when one is set (training). */
static double bin_mel(const hark_mfcc *m, double hz, double nyq)
{
    return mel_of(m->warp == 1.0 ? hz : hark_augment_vtlp_warp(hz, m->warp, nyq));
}

/* Kaldi's triangular filters on the mel scale, over bins 0..N/2-1 (the Nyquist bin gets no
 * weight in Kaldi), stored sparsely. */
static int make_mel(hark_mfcc *m)
{
    const hark_mfcc_config *c = &m->cfg;
    const int nbins = m->N / 2;
    const double nyq = 0.5 * c->sample_rate;
    const double hi = c->high_freq <= 0 ? nyq + c->high_freq : c->high_freq;
    const double mlo = mel_of(c->low_freq), mhi = mel_of(hi);
    const double dmel = (mhi - mlo) / (m->M + 1);
    const double bin_hz = (double)c->sample_rate / m->N;

    m->mel_start = calloc((size_t)m->M, sizeof(int));
    m->mel_len = calloc((size_t)m->M, sizeof(int));
    m->mel_off = calloc((size_t)m->M, sizeof(int));
    m->mel_w = malloc((size_t)m->M * (size_t)nbins * sizeof(float));
    if (!m->mel_start || !m->mel_len || !m->mel_off || !m->mel_w)
        return -1;
    int off = 0;
    m->bin_lo = nbins;
    m->bin_hi = 0;
    for (int b = 0; b < m->M; b++) {
        double left = mlo + b * dmel, center = left + dmel, right = center + dmel;
        int first = -1, last = -1;
        for (int k = 0; k < nbins; k++) {
            double mel = bin_mel(m, bin_hz * k, nyq);
            double up = (mel - left) / (center - left), down = (right - mel) / (right - center);
            double w = up < down ? up : down;
            if (w > 0) {
                if (first < 0)
                    first = k;
                last = k;
            }
        }
        m->mel_off[b] = off;
        if (first < 0) { /* a filter narrower than one bin: log(epsilon), as in Kaldi */
            m->mel_start[b] = 0;
            m->mel_len[b] = 0;
            continue;
        }
        m->mel_start[b] = first;
        m->mel_len[b] = last - first + 1;
        for (int k = first; k <= last; k++) {
            double mel = bin_mel(m, bin_hz * k, nyq);
            double up = (mel - left) / (center - left), down = (right - mel) / (right - center);
            double w = up < down ? up : down;
            m->mel_w[off++] = (float)(w > 0 ? w : 0);
        }
        if (first < m->bin_lo)
            m->bin_lo = first;
        if (last + 1 > m->bin_hi)
            m->bin_hi = last + 1;
    }
    if (m->bin_hi < m->bin_lo)
        m->bin_lo = m->bin_hi = 0;
    return 0;
}

/* Orthonormal DCT-II with Kaldi's c0 scale sqrt(1/M), each cepstrum times its lifter weight,
 * stored transposed (mel bin major, zero-padded to Cp) so the per-frame product is a sequence of
 * independent vector multiply-adds rather than C dot products. */
static void make_dct(hark_mfcc *m)
{
    const int M = m->M, Cp = m->Cp;
    const double Q = m->cfg.cepstral_lifter;
    memset(m->dct, 0, (size_t)M * (size_t)Cp * sizeof *m->dct);
    for (int i = 0; i < m->C; i++) {
        double lift = Q != 0 ? 1.0 + 0.5 * Q * sin(PI * i / Q) : 1.0;
        for (int j = 0; j < M; j++) {
            double v = i == 0 ? sqrt(1.0 / M) : sqrt(2.0 / M) * cos(PI / M * (j + 0.5) * i);
            m->dct[(size_t)j * (size_t)Cp + (size_t)i] = (float)(v * lift);
        }
    }
}

hark_mfcc *hark_mfcc_create(const hark_mfcc_config *cfg) { return hark_mfcc_create_warped(cfg, 1.0); }

hark_mfcc *hark_mfcc_create_warped(const hark_mfcc_config *cfg, double alpha)
{
    if (hark_mfcc_config_validate(cfg) != HARK_OK)
        return NULL;
    if (!(alpha >= 0.5 && alpha <= 2.0)) {
        hark_error(HARK_ERR_INVALID_ARG, "mfcc: VTLP warp factor %g outside 0.5..2", alpha);
        return NULL;
    }
    hark_mfcc *m = calloc(1, sizeof *m);
    if (!m) {
        hark_error(HARK_ERR_NOMEM, "mfcc: out of memory");
        return NULL;
    }
    m->cfg = *cfg;
    m->warp = alpha;
    m->L = hark_mfcc_frame_length(cfg);
    m->shift = hark_mfcc_frame_shift(cfg);
    m->N = fft_size_of(cfg, m->L);
    m->C = cfg->num_ceps;
    m->M = cfg->num_mel_bins;
    m->D = hark_mfcc_dim(cfg);
    m->Cp = (m->C + LANES - 1) / LANES * LANES;
    m->log_floor = cfg->energy_floor > 0 ? log(cfg->energy_floor) : -HUGE_VAL;

    m->window = malloc((size_t)m->L * sizeof(float));
    m->dct = malloc((size_t)m->Cp * (size_t)m->M * sizeof(float));
    m->cep_acc = malloc((size_t)m->Cp * sizeof(float));
    m->frame = malloc((size_t)m->L * sizeof(float));
    m->power = calloc((size_t)m->N / 2 + 1, sizeof(float));
    m->logmel = malloc((size_t)m->M * sizeof(float));
    m->acc = malloc(2 * (size_t)m->D * sizeof(double));
    m->fft_in = fftwf_malloc((size_t)m->N * sizeof(float));
    m->fft_out = fftwf_malloc(((size_t)m->N / 2 + 1) * sizeof(fftwf_complex));
    if (!m->window || !m->dct || !m->cep_acc || !m->frame || !m->power || !m->logmel || !m->acc || !m->fft_in ||
        !m->fft_out || make_mel(m)) {
        hark_error(HARK_ERR_NOMEM, "mfcc: out of memory");
        goto fail;
    }
    make_window(m->window, m->L, cfg->window);
    make_dct(m);
    /* FFTW_ESTIMATE: the plan is chosen by rule, not by timing, so every extractor computes
     * bit-identical features on every run (streams and batches agree exactly) and creation is
     * cheap. Measured here for the 512-point r2c: ESTIMATE plans in 0.9 ms, MEASURE in 107 ms
     * for 8% faster transforms, and the FFT is under a third of the per-frame time anyway. */
    pthread_mutex_lock(&planner_lock);
    m->plan = fftwf_plan_dft_r2c_1d(m->N, m->fft_in, m->fft_out, FFTW_ESTIMATE);
    pthread_mutex_unlock(&planner_lock);
    if (!m->plan) {
        hark_error(HARK_ERR_INTERNAL, "mfcc: FFTW could not plan a %d-point transform", m->N);
        goto fail;
    }
    memset(m->fft_in, 0, (size_t)m->N * sizeof(float)); /* the padding stays zero */
    return m;
fail:
    hark_mfcc_free(m);
    return NULL;
}

void hark_mfcc_free(hark_mfcc *m)
{
    if (!m)
        return;
    if (m->plan) {
        pthread_mutex_lock(&planner_lock);
        fftwf_destroy_plan(m->plan);
        pthread_mutex_unlock(&planner_lock);
    }
    fftwf_free(m->fft_in);
    fftwf_free(m->fft_out);
    free(m->window);
    free(m->mel_start);
    free(m->mel_len);
    free(m->mel_off);
    free(m->mel_w);
    free(m->dct);
    free(m->cep_acc);
    free(m->frame);
    free(m->power);
    free(m->logmel);
    free(m->acc);
    free(m);
}

const hark_mfcc_config *hark_mfcc_get_config(const hark_mfcc *m) { return m ? &m->cfg : NULL; }

/* splitmix64 and Box-Muller: the dither (reproducible from cfg.dither_seed) and the lead-ins of
 * hark_augment_lead. */
float hark_mfcc_gauss(uint64_t *rng)
{
    double u1 = util_rng_uniform(rng), u2 = util_rng_uniform(rng);
    return (float)(sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * PI * u2));
}

/* The kernels below are written as blocks of LANES with a fixed inner trip count: that is the
 * shape GCC vectorises at -O2 (its "very cheap" cost model), so the library is fast without
 * asking the build for -O3 or -ffast-math. Reductions keep LANES partial sums. */
static float dot(const float *restrict a, const float *restrict b, int n)
{
    float acc[LANES] = {0};
    int i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int j = 0; j < LANES; j++)
            acc[j] += a[i + j] * b[i + j];
    float s = 0;
    for (; i < n; i++)
        s += a[i] * b[i];
    for (int j = 0; j < LANES; j++)
        s += acc[j];
    return s;
}

static float sum(const float *restrict a, int n)
{
    float acc[LANES] = {0};
    int i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int j = 0; j < LANES; j++)
            acc[j] += a[i + j];
    float s = 0;
    for (; i < n; i++)
        s += a[i];
    for (int j = 0; j < LANES; j++)
        s += acc[j];
    return s;
}

/* x = src * scale */
static void scale_copy(float *restrict x, const float *restrict src, float scale, int n)
{
    int i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int j = 0; j < LANES; j++)
            x[i + j] = src[i + j] * scale;
    for (; i < n; i++)
        x[i] = src[i] * scale;
}

/* x += c */
static void add_const(float *restrict x, float c, int n)
{
    int i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int j = 0; j < LANES; j++)
            x[i + j] += c;
    for (; i < n; i++)
        x[i] += c;
}

/* out[i] = w[i] (x[i] - k x[i-1]) for i >= 1: pre-emphasis fused with the window. */
static void preemph_window(float *restrict out, const float *restrict x, const float *restrict w,
                           float k, int n)
{
    int i = 1;
    for (; i + LANES <= n; i += LANES)
        for (int j = 0; j < LANES; j++)
            out[i + j] = w[i + j] * (x[i + j] - k * x[i + j - 1]);
    for (; i < n; i++)
        out[i] = w[i] * (x[i] - k * x[i - 1]);
}

/* pw[b] = |X[b]|^2 for b in [lo, hi), X interleaved (re, im). */
static void power_spectrum(float *restrict pw, const float *restrict X, int lo, int hi)
{
    int b = lo;
    for (; b + LANES <= hi; b += LANES)
        for (int j = 0; j < LANES; j++)
            pw[b + j] = X[2 * (b + j)] * X[2 * (b + j)] + X[2 * (b + j) + 1] * X[2 * (b + j) + 1];
    for (; b < hi; b++)
        pw[b] = X[2 * b] * X[2 * b] + X[2 * b + 1] * X[2 * b + 1];
}

static float log_energy(const hark_mfcc *m, const float *x, int n)
{
    float e = dot(x, x, n);
    /* Floors written so that NaN passes through them (and is caught) instead of becoming
     * silence. */
    double le = log(e < FLT_EPSILON ? FLT_EPSILON : e);
    return (float)(le < m->log_floor ? m->log_floor : le);
}

void hark_mfcc_frame(hark_mfcc *m, const float *src, float *ceps, uint64_t *rng)
{
    const hark_mfcc_config *c = &m->cfg;
    const int L = m->L;
    float *restrict x = m->frame;
    const float scale = c->input_scale;

    scale_copy(x, src, scale, L);
    if (c->dither > 0)
        for (int i = 0; i < L; i++)
            x[i] += c->dither * hark_mfcc_gauss(rng);
    if (c->remove_dc)
        add_const(x, -(sum(x, L) / (float)L), L);
    float energy = 0;
    if (c->raw_energy)
        energy = log_energy(m, x, L);

    /* Pre-emphasis (with x[-1] = x[0], as Kaldi) fused with the window. */
    float *restrict in = m->fft_in;
    const float k = c->preemphasis;
    in[0] = m->window[0] * (x[0] - k * x[0]);
    preemph_window(in, x, m->window, k, L);
    if (!c->raw_energy)
        energy = log_energy(m, in, L);

    fftwf_execute(m->plan);

    float *restrict pw = m->power;
    power_spectrum(pw, (const float *)m->fft_out, m->bin_lo, m->bin_hi);

    for (int b = 0; b < m->M; b++) {
        float e = dot(m->mel_w + m->mel_off[b], pw + m->mel_start[b], m->mel_len[b]);
        m->logmel[b] = logf(e < FLT_EPSILON ? FLT_EPSILON : e); /* NaN stays NaN */
    }

    /* Cepstra, LANES at a time: a multiply-add of a slice of each DCT column per mel bin, into
     * local accumulators the compiler keeps in one register (Cp is a multiple of LANES). */
    const int Cp = m->Cp;
    for (int i = 0; i < Cp; i += LANES) {
        float acc[LANES] = {0};
        for (int j = 0; j < m->M; j++) {
            const float *restrict col = m->dct + (size_t)j * (size_t)Cp + (size_t)i;
            const float lm = m->logmel[j];
            for (int l = 0; l < LANES; l++)
                acc[l] += col[l] * lm;
        }
        memcpy(m->cep_acc + i, acc, sizeof acc);
    }
    memcpy(ceps, m->cep_acc, (size_t)m->C * sizeof *ceps);
    if (c->use_energy)
        ceps[0] = energy;
}

size_t hark_mfcc_first_nonfinite(const float *x, size_t n)
{
    /* NaN would otherwise pass through the log floors as silence. x * 0 is 0 for every finite
     * x and NaN for NaN or infinity, so one vectorised sum finds out whether to look closer. */
    float acc[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int l = 0; l < LANES; l++)
            acc[l] += x[i + l] * 0.0f;
    float s = 0;
    for (; i < n; i++)
        s += x[i] * 0.0f;
    for (int l = 0; l < LANES; l++)
        s += acc[l];
    if (s == 0)
        return n;
    for (i = 0; i < n && fabsf(x[i]) <= FLT_MAX; i++)
        ;
    return i;
}

void hark_mfcc_delta_row(const float *const *rows, int N, int C, float *out)
{
    const float denom = (float)(N * (N + 1) * (2 * N + 1)) / 3.0f;
    for (int i = 0; i < C; i++) {
        float s = 0;
        for (int k = 1; k <= N; k++)
            s += (float)k * (rows[N + k][i] - rows[N - k][i]);
        out[i] = s / denom;
    }
}

double *hark_mfcc_cmvn_acc(hark_mfcc *m) { return m->acc; }
