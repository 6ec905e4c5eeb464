/* mix.c - writes one continuous mono 16-bit WAV from a list of pieces, for the virtual-microphone
 * tests and bench/soak: one paplay of the whole stretch, instead of one per clip, leaves no
 * stretches of digital silence between clips whose length depends on how busy the machine is.
 * Built by the scripts that use it (cc + libsndfile, already a build dependency of hark); not
 * part of libhark.
 *
 * usage: mix RATE OUT.wav PIECE...
 *   FILE[@GAIN]           an audio file at RATE (any libsndfile format; channels are averaged)
 *   white|pink|brown:SECONDS@RMS   generated noise at that RMS
 *   silence:SECONDS
 * Exit 0, or 1 with one line on stderr naming the piece and the reason. */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned rng = 12345u;

static float white(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) & 0xFFFFFF) / 16777216.0f * 2.0f - 1.0f;
}

static int put(SNDFILE *out, const float *x, sf_count_t n)
{
    return sf_writef_float(out, x, n) == n ? 0 : -1;
}

/* Noise with a 1/f (pink: five octave-spaced one-pole low-passes of white noise, summed) or
 * 1/f^2 (brown: leaky integration of white noise) spectrum, scaled to `rms` over the piece. */
static int noise(SNDFILE *out, const char *kind, double secs, double rms, int rate)
{
    sf_count_t n = (sf_count_t)(secs * rate);
    float *x = malloc((size_t)n * sizeof *x + 1);
    if (!x)
        return -1;
    float lp[5] = {0}, acc = 0;
    double sum = 0;
    for (sf_count_t i = 0; i < n; i++) {
        float w = white(), v = w;
        if (!strcmp(kind, "pink")) {
            v = 0;
            for (int k = 0; k < 5; k++) {
                float a = powf(0.5f, (float)(2 * k + 1)); /* corner halves every two octaves */
                lp[k] += a * (w - lp[k]);
                v += lp[k] / sqrtf(a);
            }
        } else if (!strcmp(kind, "brown")) {
            acc = 0.995f * acc + 0.1f * w;
            v = acc;
        }
        x[i] = v;
        sum += (double)v * v;
    }
    float g = n > 0 && sum > 0 ? (float)(rms / sqrt(sum / (double)n)) : 0;
    for (sf_count_t i = 0; i < n; i++)
        x[i] = fmaxf(-1.0f, fminf(1.0f, x[i] * g));
    int rc = put(out, x, n);
    free(x);
    return rc;
}

static int file(SNDFILE *out, const char *path, double gain, int rate)
{
    SF_INFO info = {0};
    SNDFILE *in = sf_open(path, SFM_READ, &info);
    if (!in) {
        fprintf(stderr, "mix: %s: %s\n", path, sf_strerror(NULL));
        return -1;
    }
    int rc = -1;
    float *x = malloc((size_t)info.frames * (size_t)info.channels * sizeof *x + 1);
    if (info.samplerate != rate)
        fprintf(stderr, "mix: %s: %d Hz, not %d Hz\n", path, info.samplerate, rate);
    else if (x && sf_readf_float(in, x, info.frames) == info.frames) {
        for (sf_count_t i = 0; i < info.frames; i++) {
            float s = 0;
            for (int c = 0; c < info.channels; c++)
                s += x[i * info.channels + c];
            x[i] = fmaxf(-1.0f, fminf(1.0f, (float)gain * s / (float)info.channels));
        }
        rc = put(out, x, info.frames);
    } else {
        fprintf(stderr, "mix: %s: cannot read\n", path);
    }
    free(x);
    sf_close(in);
    return rc;
}

static int piece(SNDFILE *out, const char *arg, int rate)
{
    char kind[16];
    double secs, level = 0;
    if (sscanf(arg, "silence:%lf", &secs) == 1 && secs >= 0 && secs < 3600) {
        float *z = calloc((size_t)(secs * rate) + 1, sizeof *z);
        int rc = z ? put(out, z, (sf_count_t)(secs * rate)) : -1;
        free(z);
        return rc;
    }
    if (sscanf(arg, "%15[a-z]:%lf@%lf", kind, &secs, &level) == 3 &&
        (!strcmp(kind, "white") || !strcmp(kind, "pink") || !strcmp(kind, "brown"))) {
        if (!(secs >= 0 && secs < 3600 && level >= 0 && level <= 1)) {
            fprintf(stderr, "mix: %s: seconds or RMS out of range\n", arg);
            return -1;
        }
        return noise(out, kind, secs, level, rate);
    }
    char path[4096];
    double gain = 1;
    const char *at = strrchr(arg, '@');
    size_t len = at ? (size_t)(at - arg) : strlen(arg);
    if (len >= sizeof path || (at && (sscanf(at + 1, "%lf", &gain) != 1 || !(gain >= 0)))) {
        fprintf(stderr, "mix: %s: bad piece (FILE[@GAIN], KIND:SECONDS@RMS, silence:SECONDS)\n",
                arg);
        return -1;
    }
    memcpy(path, arg, len);
    path[len] = '\0';
    return file(out, path, gain, rate);
}

int main(int argc, char **argv)
{
    int rate = argc > 1 ? atoi(argv[1]) : 0;
    if (argc < 4 || rate < 8000 || rate > 192000) {
        fprintf(stderr, "usage: mix RATE OUT.wav PIECE...\n");
        return 1;
    }
    SF_INFO info = {0};
    info.samplerate = rate;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SNDFILE *out = sf_open(argv[2], SFM_WRITE, &info);
    if (!out) {
        fprintf(stderr, "mix: %s: %s\n", argv[2], sf_strerror(NULL));
        return 1;
    }
    int rc = 0;
    for (int i = 3; i < argc && rc == 0; i++)
        rc = piece(out, argv[i], rate);
    sf_close(out);
    return rc ? 1 : 0;
}
