/* augment.c - training-time data augmentation: noise at a chosen SNR, speed and gain
 * perturbation of waveforms, SpecAugment masks on feature matrices. All randomness comes from a
 * caller-owned splitmix64 state, so a training run is reproducible from its seed and threads
 * never share a generator. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hark/audio.h"
#include "hark/features.h"

uint64_t hark_augment_rng_next(uint64_t *rng)
{
    uint64_t z = (*rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double hark_augment_rng_uniform(uint64_t *rng)
{
    return (double)(hark_augment_rng_next(rng) >> 11) * (1.0 / 9007199254740992.0); /* 53 bits */
}

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
