/* augment.c - training-time data augmentation: noise at a chosen SNR, speed and gain
 * perturbation of waveforms, room reverberation (image method), a telephone line, the VTLP
 * frequency warp, SpecAugment masks on feature matrices, and the augmenter that bundles the
 * rooms, warps and telephone line for a trainer. All randomness comes from a caller-owned
 * splitmix64 state, so a training run is reproducible from its seed and threads never share a
 * generator. */
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "hark/audio.h"
#include "hark/features.h"
#include "mfcc_internal.h"

#define PI 3.14159265358979323846
#define SPEED_OF_SOUND 343.0

uint64_t hark_augment_rng_next(uint64_t *rng) { return util_rng_next(rng); }

double hark_augment_rng_uniform(uint64_t *rng) { return util_rng_uniform(rng); }

/* Uniform integer in [0, hi]. */
static size_t uniform_int(uint64_t *rng, size_t hi)
{
    size_t v = (size_t)(hark_augment_rng_uniform(rng) * ((double)hi + 1.0));
    return v > hi ? hi : v;
}

hark_status hark_augment_add_noise(float *x, size_t n, const float *noise, size_t n_noise,
                                   float snr_db, uint64_t *rng)
{
    if (!x || !noise || !rng)
        return hark_error(HARK_ERR_INVALID_ARG, "add noise: NULL argument");
    if (n_noise == 0)
        return hark_error(HARK_ERR_INVALID_ARG, "add noise: empty noise signal");
    if (!(snr_db > -100 && snr_db < 200))
        return hark_error(HARK_ERR_INVALID_ARG, "add noise: SNR %g dB out of range", snr_db);
    if (n == 0)
        return HARK_OK;
    const size_t start = uniform_int(rng, n_noise - 1);
    double px = 0, pn = 0;
    for (size_t i = 0; i < n; i++) {
        double v = noise[(start + i) % n_noise];
        px += (double)x[i] * x[i];
        pn += v * v;
    }
    if (pn <= 0)
        return hark_error(HARK_ERR_INVALID_ARG, "add noise: the noise segment is silent");
    if (px <= 0)
        return HARK_OK; /* silence has no SNR; adding nothing keeps it honest */
    const double scale = sqrt(px / (pn * pow(10.0, snr_db / 10.0)));
    for (size_t i = 0; i < n; i++)
        x[i] += (float)(scale * noise[(start + i) % n_noise]);
    return HARK_OK;
}

hark_status hark_augment_speed(const float *x, size_t n, double factor, float **out, size_t *n_out)
{
    if (!x || !out || !n_out)
        return hark_error(HARK_ERR_INVALID_ARG, "speed: NULL argument");
    *out = NULL;
    *n_out = 0;
    if (!(factor >= 0.5 && factor <= 2.0))
        return hark_error(HARK_ERR_INVALID_ARG, "speed: factor %g outside 0.5..2", factor);
    const size_t want = (size_t)llround((double)n / factor);
    float *y = malloc((want ? want : 1) * sizeof *y);
    if (!y)
        return hark_error(HARK_ERR_NOMEM, "speed: out of memory");
    if (factor == 1.0) {
        memcpy(y, x, n * sizeof *y);
        *out = y;
        *n_out = n;
        return HARK_OK;
    }
    /* Playing faster by f is resampling from f*R to R; any R works, only the ratio counts. */
    hark_resampler *r = hark_resampler_create(16000.0 * factor, 16000.0);
    if (!r) {
        free(y);
        return HARK_ERR_INTERNAL;
    }
    size_t have = 0;
    const float *chunk;
    size_t n_chunk;
    hark_status st = hark_resampler_process(r, x, n, &chunk, &n_chunk);
    for (int pass = 0; st == HARK_OK && pass < 2; pass++) {
        size_t take = n_chunk < want - have ? n_chunk : want - have;
        memcpy(y + have, chunk, take * sizeof *y);
        have += take;
        if (pass == 0)
            st = hark_resampler_flush(r, &chunk, &n_chunk);
    }
    hark_resampler_free(r);
    if (st != HARK_OK) {
        free(y);
        return st;
    }
    memset(y + have, 0, (want - have) * sizeof *y);
    *out = y;
    *n_out = want;
    return HARK_OK;
}

hark_status hark_augment_lead(const float *x, size_t n, size_t lead, float rms, uint64_t *rng,
                              float **out, size_t *n_out)
{
    if ((n > 0 && !x) || !rng || !out || !n_out)
        return hark_error(HARK_ERR_INVALID_ARG, "lead-in: NULL argument");
    *out = NULL;
    *n_out = 0;
    if (!(rms >= 0 && rms < 1))
        return hark_error(HARK_ERR_INVALID_ARG, "lead-in: RMS %g outside [0, 1)", rms);
    float *y = malloc((lead + n ? lead + n : 1) * sizeof *y);
    if (!y)
        return hark_error(HARK_ERR_NOMEM, "lead-in: out of memory");
    for (size_t i = 0; i < lead; i++)
        y[i] = rms * hark_mfcc_gauss(rng);
    if (n > 0)
        memcpy(y + lead, x, n * sizeof *y);
    *out = y;
    *n_out = lead + n;
    return HARK_OK;
}

void hark_augment_gain(float *x, size_t n, float gain_db)
{
    const float g = powf(10.0f, gain_db / 20.0f);
    for (size_t i = 0; x && i < n; i++)
        x[i] *= g;
}

hark_specaugment hark_augment_specaugment_default(void)
{
    hark_specaugment p = {.freq_masks = 2,
                          .freq_width = 4,
                          .freq_limit = 0,
                          .time_masks = 2,
                          .time_width = 20,
                          .max_time_ratio = 0.2f,
                          .fill = 0.0f};
    return p;
}

hark_status hark_augment_specaugment(float *feats, int T, int F, const hark_specaugment *p,
                                     uint64_t *rng)
{
    if (!p || !rng || (!feats && T > 0 && F > 0))
        return hark_error(HARK_ERR_INVALID_ARG, "specaugment: NULL argument");
    if (T < 0 || F < 0 || p->freq_masks < 0 || p->time_masks < 0 || p->freq_width < 0 ||
        p->time_width < 0 || p->freq_limit < 0 || !(p->max_time_ratio >= 0 && p->max_time_ratio <= 1))
        return hark_error(HARK_ERR_INVALID_ARG, "specaugment: negative size or ratio outside [0,1]");
    if (T == 0 || F == 0)
        return HARK_OK;
    const size_t limit = p->freq_limit > 0 && p->freq_limit < F ? (size_t)p->freq_limit : (size_t)F;
    for (int k = 0; k < p->freq_masks; k++) {
        size_t w = uniform_int(rng, (size_t)p->freq_width);
        if (w > limit)
            w = limit;
        size_t f0 = uniform_int(rng, limit - w);
        for (size_t t = 0; t < (size_t)T; t++)
            for (size_t f = f0; f < f0 + w; f++)
                feats[t * (size_t)F + f] = p->fill;
    }
    size_t max_w = (size_t)p->time_width;
    const size_t ratio_w = (size_t)floor(p->max_time_ratio * (double)T);
    if (max_w > ratio_w)
        max_w = ratio_w;
    for (int k = 0; k < p->time_masks; k++) {
        size_t w = uniform_int(rng, max_w);
        size_t t0 = uniform_int(rng, (size_t)T - w);
        for (size_t t = t0; t < t0 + w; t++)
            for (size_t f = 0; f < (size_t)F; f++)
                feats[t * (size_t)F + f] = p->fill;
    }
    return HARK_OK;
}

/* ---- VTLP ---------------------------------------------------------------------------------- */

/* hark_augment_vtlp_warp, the warp itself, is defined with the filterbank it bends (mfcc.c). */

/* ---- rooms (image method) ------------------------------------------------------------------ */

static double uniform_in(uint64_t *rng, double lo, double hi)
{
    return lo + (hi - lo) * hark_augment_rng_uniform(rng);
}

static double dist3(const double *a, const double *b)
{
    double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
    return sqrt(dx * dx + dy * dy + dz * dz);
}

/* Sabine: absorption a = 0.161 V / (S RT60); the pressure reflection coefficient is sqrt(1 - a). */
static double room_absorption(const hark_room *r, double rt60)
{
    const double *L = r->size;
    const double V = L[0] * L[1] * L[2];
    const double S = 2 * (L[0] * L[1] + L[0] * L[2] + L[1] * L[2]);
    return 0.161 * V / (S * rt60);
}

void hark_augment_random_room(uint64_t *rng, hark_room *r)
{
    r->size[0] = uniform_in(rng, 3, 10);
    r->size[1] = uniform_in(rng, 3, 10);
    r->size[2] = uniform_in(rng, 2.4, 4);
    /* Large rooms cannot ring as briefly as small ones: keep the absorption below 0.9. */
    double rt60_min = room_absorption(r, 1.0) / 0.9;
    r->rt60 = uniform_in(rng, 0.15, 0.8);
    if (r->rt60 < rt60_min)
        r->rt60 = rt60_min;
    for (int tries = 0; tries < 100; tries++) {
        for (int k = 0; k < 3; k++) {
            r->source[k] = uniform_in(rng, 0.5, r->size[k] - 0.5);
            r->mic[k] = uniform_in(rng, 0.5, r->size[k] - 0.5);
        }
        if (dist3(r->source, r->mic) >= 0.3)
            break;
    }
}

static int inside(const hark_room *r, const double *p)
{
    for (int k = 0; k < 3; k++)
        if (!(p[k] > 0 && p[k] < r->size[k]))
            return 0;
    return 1;
}

/* One axis of the image lattice: for image index i (n in -nmax..nmax, q in 0..1) the offset of
 * the image from the microphone and its number of wall reflections, |n - q| + |n|. */
typedef struct axis_images {
    double *d;
    int *refl;
    int count;
} axis_images;

static int axis_make(axis_images *a, double L, double src, double mic, int nmax)
{
    a->count = 2 * (2 * nmax + 1);
    a->d = malloc((size_t)a->count * sizeof *a->d);
    a->refl = malloc((size_t)a->count * sizeof *a->refl);
    if (!a->d || !a->refl)
        return -1;
    int i = 0;
    for (int n = -nmax; n <= nmax; n++)
        for (int q = 0; q <= 1; q++, i++) {
            a->d[i] = (1 - 2 * q) * src + 2 * n * L - mic;
            a->refl[i] = abs(n - q) + abs(n);
        }
    return 0;
}

static void axis_free(axis_images *a)
{
    free(a->d);
    free(a->refl);
}

hark_status hark_augment_room_response(const hark_room *r, int sample_rate, double max_seconds,
                                       float **h, size_t *n)
{
    if (!r || !h || !n)
        return hark_error(HARK_ERR_INVALID_ARG, "room response: NULL argument");
    *h = NULL;
    *n = 0;
    for (int k = 0; k < 3; k++)
        if (!(r->size[k] > 0.1 && r->size[k] < 1000))
            return hark_error(HARK_ERR_INVALID_ARG, "room response: room size %g m out of range",
                              r->size[k]);
    if (!inside(r, r->source) || !inside(r, r->mic) || dist3(r->source, r->mic) < 0.01)
        return hark_error(HARK_ERR_INVALID_ARG, "room response: talker and microphone must be "
                                                "inside the room and apart");
    const double absorb = room_absorption(r, r->rt60);
    if (!(r->rt60 >= 0.05 && r->rt60 <= 3) || !(absorb > 0 && absorb < 1))
        return hark_error(HARK_ERR_INVALID_ARG, "room response: RT60 %g s impossible for this room "
                                                "(absorption %g)", r->rt60, absorb);
    if (sample_rate < 1000 || sample_rate > 192000 || !(max_seconds > 0 && max_seconds <= 5))
        return hark_error(HARK_ERR_INVALID_ARG, "room response: rate %d or length %g s out of range",
                          sample_rate, max_seconds);
    const double beta = sqrt(1 - absorb);
    const double len_s = r->rt60 < max_seconds ? r->rt60 : max_seconds;
    const double d0 = dist3(r->source, r->mic);
    const double dmax = d0 + len_s * SPEED_OF_SOUND;
    const size_t taps = (size_t)(len_s * sample_rate) + 2;
    float *out = calloc(taps, sizeof *out);
    axis_images ax[3] = {{0}};
    int nref = 0, ok = out != NULL;
    for (int k = 0; k < 3 && ok; k++) {
        int nmax = (int)ceil(dmax / (2 * r->size[k])) + 1;
        ok = axis_make(&ax[k], r->size[k], r->source[k], r->mic[k], nmax) == 0;
        nref += 2 * (2 * nmax + 1);
    }
    double *bpow = ok ? malloc((size_t)(nref + 1) * sizeof *bpow) : NULL;
    if (!bpow) {
        free(out);
        for (int k = 0; k < 3; k++)
            axis_free(&ax[k]);
        return hark_error(HARK_ERR_NOMEM, "room response: out of memory");
    }
    bpow[0] = 1;
    for (int i = 1; i <= nref; i++)
        bpow[i] = bpow[i - 1] * beta;
    const double spm = sample_rate / SPEED_OF_SOUND; /* samples per metre */
    const double t0 = d0 * spm;
    for (int i = 0; i < ax[0].count; i++) {
        const double dx2 = ax[0].d[i] * ax[0].d[i];
        if (dx2 > dmax * dmax)
            continue;
        for (int j = 0; j < ax[1].count; j++) {
            const double dxy2 = dx2 + ax[1].d[j] * ax[1].d[j];
            if (dxy2 > dmax * dmax)
                continue;
            for (int l = 0; l < ax[2].count; l++) {
                const double d = sqrt(dxy2 + ax[2].d[l] * ax[2].d[l]);
                double t = d * spm - t0;
                if (d > dmax || t < -1e-6 || t >= (double)(taps - 1))
                    continue;
                if (t < 0) /* the direct sound itself, up to rounding */
                    t = 0;
                const double g = bpow[ax[0].refl[i] + ax[1].refl[j] + ax[2].refl[l]] * d0 / d;
                const size_t k = (size_t)t;
                const double frac = t - (double)k;
                out[k] += (float)(g * (1 - frac));
                out[k + 1] += (float)(g * frac);
            }
        }
    }
    free(bpow);
    for (int k = 0; k < 3; k++)
        axis_free(&ax[k]);
    *h = out;
    *n = taps;
    return HARK_OK;
}

/* ---- convolution ------------------------------------------------------------------------- */

static double energy(const float *x, size_t n)
{
    double e = 0;
    for (size_t i = 0; i < n; i++)
        e += (double)x[i] * x[i];
    return e;
}

hark_status hark_augment_convolve(float *x, size_t n, const float *h, size_t nh)
{
    if ((!x && n) || (!h && nh))
        return hark_error(HARK_ERR_INVALID_ARG, "convolve: NULL argument");
    if (n == 0 || nh == 0)
        return HARK_OK;
    size_t N = 1;
    while (N < n + nh - 1)
        N <<= 1;
    if (N > ((size_t)1 << 28))
        return hark_error(HARK_ERR_INVALID_ARG, "convolve: signal too long (%zu samples)", n);
    const double ex = energy(x, n);
    float *a = fftwf_malloc(N * sizeof *a), *b = fftwf_malloc(N * sizeof *b);
    fftwf_complex *A = fftwf_malloc((N / 2 + 1) * sizeof *A);
    fftwf_complex *B = fftwf_malloc((N / 2 + 1) * sizeof *B);
    fftwf_plan fa = NULL, fb = NULL, inv = NULL;
    hark_status st = HARK_OK;
    if (!a || !b || !A || !B) {
        st = hark_error(HARK_ERR_NOMEM, "convolve: out of memory");
        goto done;
    }
    hark_fftw_planner_lock();
    fa = fftwf_plan_dft_r2c_1d((int)N, a, A, FFTW_ESTIMATE);
    fb = fftwf_plan_dft_r2c_1d((int)N, b, B, FFTW_ESTIMATE);
    inv = fftwf_plan_dft_c2r_1d((int)N, A, a, FFTW_ESTIMATE);
    hark_fftw_planner_unlock();
    if (!fa || !fb || !inv) {
        st = hark_error(HARK_ERR_INTERNAL, "convolve: FFTW could not plan %zu points", N);
        goto done;
    }
    memset(a, 0, N * sizeof *a);
    memset(b, 0, N * sizeof *b);
    memcpy(a, x, n * sizeof *a);
    memcpy(b, h, nh * sizeof *b);
    fftwf_execute(fa);
    fftwf_execute(fb);
    for (size_t k = 0; k <= N / 2; k++) {
        const float re = A[k][0] * B[k][0] - A[k][1] * B[k][1];
        const float im = A[k][0] * B[k][1] + A[k][1] * B[k][0];
        A[k][0] = re;
        A[k][1] = im;
    }
    fftwf_execute(inv); /* unnormalised: N times the convolution, fixed by the power match */
    const double ey = energy(a, n);
    const double g = ey > 0 ? sqrt(ex / ey) : 0;
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(g * a[i]);
done:
    hark_fftw_planner_lock();
    if (fa)
        fftwf_destroy_plan(fa);
    if (fb)
        fftwf_destroy_plan(fb);
    if (inv)
        fftwf_destroy_plan(inv);
    hark_fftw_planner_unlock();
    fftwf_free(a);
    fftwf_free(b);
    fftwf_free(A);
    fftwf_free(B);
    return st;
}

/* ---- telephone line ------------------------------------------------------------------------ */

/* One biquad (Bristow-Johnson's audio EQ cookbook), direct form I over x in place. */
static void biquad(float *x, size_t n, int rate, double f0, double q, int highpass)
{
    const double w0 = 2 * PI * f0 / rate, c = cos(w0), alpha = sin(w0) / (2 * q);
    const double a0 = 1 + alpha;
    const double b0 = (highpass ? (1 + c) : (1 - c)) / 2 / a0;
    const double b1 = (highpass ? -(1 + c) : (1 - c)) / a0;
    const double b2 = b0, a1 = -2 * c / a0, a2 = (1 - alpha) / a0;
    double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
    for (size_t i = 0; i < n; i++) {
        const double y = b0 * x[i] + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
        x2 = x1;
        x1 = x[i];
        y2 = y1;
        y1 = y;
        x[i] = (float)y;
    }
}

/* G.711 mu-law round trip (mu = 255, 8 bits: sign and 127 levels of the companded magnitude). */
static float mulaw(float v)
{
    const double mu = 255.0;
    double a = fabs((double)v);
    if (a > 1)
        a = 1;
    double y = round(log1p(mu * a) / log1p(mu) * 127.0) / 127.0;
    double back = (pow(1 + mu, y) - 1) / mu;
    return (float)(v < 0 ? -back : back);
}

hark_status hark_augment_telephone(float *x, size_t n, int rate)
{
    if (!x && n)
        return hark_error(HARK_ERR_INVALID_ARG, "telephone: NULL argument");
    if (rate < 8000 || rate > 192000)
        return hark_error(HARK_ERR_INVALID_ARG, "telephone: sample rate %d Hz outside 8000..192000",
                          rate);
    if (n == 0)
        return HARK_OK;
    /* 4th-order Butterworth = two biquads with Q = 1 / (2 cos(pi/8)) and 1 / (2 cos(3 pi/8)). */
    const double q1 = 0.5 / cos(PI / 8), q2 = 0.5 / cos(3 * PI / 8);
    biquad(x, n, rate, 300, q1, 1);
    biquad(x, n, rate, 300, q2, 1);
    biquad(x, n, rate, 3400, q1, 0);
    biquad(x, n, rate, 3400, q2, 0);
    float *nb = NULL, *back = NULL;
    size_t n8 = 0, nback = 0;
    hark_status st = hark_audio_resample(x, n, rate, 8000, &nb, &n8);
    if (st != HARK_OK)
        return st;
    for (size_t i = 0; i < n8; i++)
        nb[i] = mulaw(nb[i]);
    st = hark_audio_resample(nb, n8, 8000, rate, &back, &nback);
    free(nb);
    if (st != HARK_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        x[i] = i < nback ? back[i] : 0.0f;
    free(back);
    return HARK_OK;
}

/* ---- the augmenter ------------------------------------------------------------------------- */

#define VTLP_STEPS 9 /* warped extractors on an even grid over 1 +- vtlp */

struct hark_augmenter {
    hark_augmenter_config cfg;
    int rate;
    float **rooms;
    size_t *room_len;
    int n_rooms;
    hark_mfcc *warped[VTLP_STEPS];
};

hark_augmenter_config hark_augmenter_default_config(void)
{
    hark_augmenter_config c;
    memset(&c, 0, sizeof c);
    c.n_rooms = 64;
    c.max_reverb_s = 0.5;
    c.seed = 1;
    return c;
}

void hark_augmenter_free(hark_augmenter *a)
{
    if (!a)
        return;
    for (int i = 0; i < a->n_rooms; i++)
        free(a->rooms[i]);
    free(a->rooms);
    free(a->room_len);
    for (int i = 0; i < VTLP_STEPS; i++)
        hark_mfcc_free(a->warped[i]);
    free(a);
}

static hark_status make_rooms(hark_augmenter *a)
{
    a->rooms = calloc((size_t)a->cfg.n_rooms, sizeof *a->rooms);
    a->room_len = calloc((size_t)a->cfg.n_rooms, sizeof *a->room_len);
    if (!a->rooms || !a->room_len)
        return hark_error(HARK_ERR_NOMEM, "augmenter: out of memory");
    uint64_t rng = a->cfg.seed;
    for (int i = 0; i < a->cfg.n_rooms; i++) {
        hark_room room;
        hark_augment_random_room(&rng, &room);
        hark_status st = hark_augment_room_response(&room, a->rate, a->cfg.max_reverb_s,
                                                    &a->rooms[i], &a->room_len[i]);
        if (st != HARK_OK)
            return st;
        a->n_rooms = i + 1;
    }
    return HARK_OK;
}

hark_augmenter *hark_augmenter_create(const hark_mfcc_config *feat, const hark_augmenter_config *cfg)
{
    if (!feat || !cfg) {
        hark_error(HARK_ERR_INVALID_ARG, "augmenter: NULL argument");
        return NULL;
    }
    if (!(cfg->vtlp >= 0 && cfg->vtlp <= 0.4) || !(cfg->reverb_prob >= 0 && cfg->reverb_prob <= 1)
        || !(cfg->telephone_prob >= 0 && cfg->telephone_prob <= 1) || cfg->n_rooms < 1
        || cfg->n_rooms > 10000 || !(cfg->max_reverb_s > 0 && cfg->max_reverb_s <= 5)) {
        hark_error(HARK_ERR_INVALID_ARG, "augmenter: vtlp 0..0.4, probabilities 0..1, 1..10000 "
                                         "rooms and a reverb length in (0, 5] s are required");
        return NULL;
    }
    hark_augmenter *a = calloc(1, sizeof *a);
    if (!a) {
        hark_error(HARK_ERR_NOMEM, "augmenter: out of memory");
        return NULL;
    }
    a->cfg = *cfg;
    a->rate = feat->sample_rate;
    hark_status st = cfg->reverb_prob > 0 ? make_rooms(a) : HARK_OK;
    for (int i = 0; i < VTLP_STEPS && st == HARK_OK && cfg->vtlp > 0; i++) {
        double alpha = 1 - cfg->vtlp + 2.0 * cfg->vtlp * i / (VTLP_STEPS - 1);
        if (!(a->warped[i] = hark_mfcc_create_warped(feat, alpha)))
            st = HARK_ERR_INVALID_ARG;
    }
    if (st != HARK_OK) {
        hark_augmenter_free(a);
        return NULL;
    }
    return a;
}

hark_status hark_augmenter_room(hark_augmenter *a, float *x, size_t n, uint64_t *rng)
{
    if (!a || !rng)
        return hark_error(HARK_ERR_INVALID_ARG, "augmenter: NULL argument");
    if (a->cfg.reverb_prob <= 0 || hark_augment_rng_uniform(rng) >= a->cfg.reverb_prob)
        return HARK_OK;
    size_t k = uniform_int(rng, (size_t)a->n_rooms - 1);
    return hark_augment_convolve(x, n, a->rooms[k], a->room_len[k]);
}

hark_status hark_augmenter_channel(hark_augmenter *a, float *x, size_t n, uint64_t *rng,
                                   hark_mfcc *plain, hark_mfcc **extractor)
{
    if (!a || !rng || !extractor)
        return hark_error(HARK_ERR_INVALID_ARG, "augmenter: NULL argument");
    *extractor = plain;
    if (a->cfg.telephone_prob > 0 && hark_augment_rng_uniform(rng) < a->cfg.telephone_prob) {
        hark_status st = hark_augment_telephone(x, n, a->rate);
        if (st != HARK_OK)
            return st;
    }
    if (a->cfg.vtlp > 0)
        *extractor = a->warped[uniform_int(rng, VTLP_STEPS - 1)];
    return HARK_OK;
}
