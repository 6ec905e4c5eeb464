/* synth.c - synthetic training corpora: sentences rendered by espeak-ng with many voices,
 * variants, rates and pitches, resampled with libsoxr and written as WAVs plus a manifest that
 * the corpus reader opens. espeak-ng runs in synchronous mode and hands its samples to a callback
 * that collects them in memory; nothing is played and nothing is printed. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <espeak-ng/speak_lib.h>

#include "audio/espeak_internal.h"
#include "hark/audio.h"
#include "hark/corpus.h"
#include "hark/features.h"

#define DEFAULT_VOICES "en,en-us,en-gb-x-rp,en-gb-scotland,en-gb-x-gbclan,en-gb-x-gbcwmd,en-029," \
                       "en-us-nyc"
/* Human-sounding variants only: the robotic, whispering and croaking ones teach nothing useful. */
#define DEFAULT_VARIANTS "none,m1,m2,m3,m4,m5,m6,m7,f1,f2,f3,f4,f5,klatt,klatt2,klatt3,klatt4," \
                         "Andy,Annie,belinda,benjamin,boris,david,edward,grandma,grandpa,john," \
                         "linda,max,michel,norbert,paul,quincy,rob,steph,travis,victor,zac"
#define MAX_ITEMS 256
#define MAX_NAME 64

hark_synth_params hark_synth_default_params(void)
{
    hark_synth_params p = {0};
    p.sample_rate = 16000;
    p.per_sentence = 1;
    p.seed = 1;
    p.rate_min = 120;
    p.rate_max = 220;
    p.pitch_min = 25;
    p.pitch_max = 75;
    p.range_min = 20;
    p.range_max = 80;
    return p;
}

const char *hark_synth_default_voices(void) { return DEFAULT_VOICES; }
const char *hark_synth_default_variants(void) { return DEFAULT_VARIANTS; }

/* The espeak-ng sample rate, once audio_espeak_start has run. */
static int espeak_rate;

static hark_status start_espeak(void)
{
    hark_status st = audio_espeak_start(&espeak_rate);
    return st == HARK_OK ? st : hark_error(st, "synth: %s", hark_last_error());
}

/* espeak_SetVoiceByName ignores a variant it cannot find, so variants are looked up in the
 * data folder: NAME must be a file in voices/!v. */
static hark_status check_variant(const char *variant)
{
    if (strcmp(variant, "none") == 0)
        return HARK_OK;
    const char *data = NULL;
    espeak_Info(&data);
    char path[4096];
    struct stat sb;
    if (strchr(variant, '/') || !data ||
        (size_t)snprintf(path, sizeof path, "%s/voices/!v/%s", data, variant) >= sizeof path ||
        stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return hark_error(HARK_ERR_UNSUPPORTED, "synth: espeak-ng has no variant '%s' (see "
                          "'espeak-ng --voices=variant')", variant);
    return HARK_OK;
}

static hark_status set_voice(const char *voice)
{
    if (audio_espeak_set_voice(voice) != HARK_OK)
        return hark_error(HARK_ERR_UNSUPPORTED, "synth: espeak-ng has no voice '%s' (see "
                          "'espeak-ng --voices=en' and 'espeak-ng --voices=variant')", voice);
    return HARK_OK;
}

/* Render text with a voice, rate (words per minute), pitch and pitch range (0-100). */
static hark_status speak(const char *voice, int wpm, int pitch, int range, const char *text,
                         float **samples, size_t *n)
{
    hark_status st = set_voice(voice);
    if (st)
        return st;
    /* After the voice: selecting a voice resets these to its own defaults. */
    espeak_SetParameter(espeakRATE, wpm, 0);
    espeak_SetParameter(espeakPITCH, pitch, 0);
    espeak_SetParameter(espeakRANGE, range, 0);
    return audio_espeak_render("synth", text, samples, n);
}

hark_status hark_synth_render(const char *voice, int wpm, int pitch, int range, const char *text,
                              int sample_rate, float **samples, size_t *n)
{
    if (!samples || !n)
        return hark_error(HARK_ERR_INVALID_ARG, "synth: no output buffer");
    *samples = NULL;
    *n = 0;
    if (!voice || !text)
        return hark_error(HARK_ERR_INVALID_ARG, "synth: no voice or text");
    if (sample_rate < HARK_AUDIO_MIN_RATE || sample_rate > HARK_AUDIO_MAX_RATE)
        return hark_error(HARK_ERR_INVALID_ARG, "synth: sample rate %d Hz is out of range",
                          sample_rate);
    hark_status st = start_espeak();
    if (st)
        return st;
    float *buf = NULL;
    size_t len = 0;
    st = speak(voice, wpm, pitch, range, text, &buf, &len);
    if (st)
        goto fail;
    if (len == 0) {
        st = hark_error(HARK_ERR_FORMAT, "synth: espeak-ng produced no audio for \"%.40s\"",
                        text);
        goto fail;
    }
    if (sample_rate == espeak_rate) {
        *samples = buf;
        *n = len;
        return HARK_OK;
    }
    st = hark_audio_resample(buf, len, espeak_rate, sample_rate, samples, n);
fail:
    free(buf);
    return st;
}

static double uniform(uint64_t *x) { return hark_augment_rng_uniform(x); }

static int pick_int(uint64_t *x, int lo, int hi)
{
    return hi <= lo ? lo : lo + (int)(hark_augment_rng_next(x) % (uint64_t)(hi - lo + 1));
}

static double gaussian(uint64_t *x)
{
    double u = uniform(x), v = uniform(x);
    return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

typedef struct {
    char name[MAX_ITEMS][MAX_NAME];
    size_t n;
} name_list;

static hark_status split_list(const char *what, const char *s, name_list *out)
{
    out->n = 0;
    const char *p = s;
    while (*p) {
        size_t len = strcspn(p, ",");
        while (len && (*p == ' ')) {
            p++;
            len--;
        }
        size_t l = len;
        while (l && p[l - 1] == ' ')
            l--;
        if (l) {
            if (l >= MAX_NAME || out->n == MAX_ITEMS)
                return hark_error(HARK_ERR_INVALID_ARG, "synth: %s list: too many entries or "
                                  "a name longer than %d characters", what, MAX_NAME - 1);
            memcpy(out->name[out->n], p, l);
            out->name[out->n][l] = '\0';
            out->n++;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    if (out->n == 0)
        return hark_error(HARK_ERR_INVALID_ARG, "synth: the %s list is empty", what);
    return HARK_OK;
}

static void voice_name(char *out, size_t cap, const char *voice, const char *variant)
{
    if (strcmp(variant, "none") == 0)
        snprintf(out, cap, "%s", voice);
    else
        snprintf(out, cap, "%s+%s", voice, variant);
}

/* Keep the speech and `pad_before`/`pad_after` seconds of what surrounds it: espeak-ng leaves a
 * long, variable tail of silence that real recordings of single words do not have. */
static size_t trim(float *x, size_t n, int rate, double pad_before, double pad_after)
{
    const float thr = 0.02f;
    size_t a = 0, b = n;
    while (a < n && fabsf(x[a]) < thr)
        a++;
    while (b > a && fabsf(x[b - 1]) < thr)
        b--;
    if (a >= b)
        return n;
    size_t pb = (size_t)(pad_before * rate), pa = (size_t)(pad_after * rate);
    size_t from = a > pb ? a - pb : 0;
    size_t to = b + pa < n ? b + pa : n;
    size_t m = to - from;
    memmove(x, x + from, m * sizeof *x);
    return m;
}

static hark_status make_dir(const char *dir)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return hark_error(HARK_ERR_IO, "%s: cannot create the folder: %s", dir, strerror(errno));
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return hark_error(HARK_ERR_IO, "%s: not a folder", dir);
    return HARK_OK;
}

static hark_status check_params(const hark_synth_params *p)
{
    if (p->sample_rate < HARK_AUDIO_MIN_RATE || p->sample_rate > HARK_AUDIO_MAX_RATE)
        return hark_error(HARK_ERR_INVALID_ARG, "synth: sample rate %d Hz is out of range",
                          p->sample_rate);
    if (p->per_sentence < 1)
        return hark_error(HARK_ERR_INVALID_ARG, "synth: per_sentence must be at least 1");
    if (p->rate_min < 80 || p->rate_max > 500 || p->rate_min > p->rate_max)
        return hark_error(HARK_ERR_INVALID_ARG, "synth: speaking rate %d..%d is not within "
                          "80..500 words per minute", p->rate_min, p->rate_max);
    if (p->pitch_min < 0 || p->pitch_max > 100 || p->pitch_min > p->pitch_max ||
        p->range_min < 0 || p->range_max > 100 || p->range_min > p->range_max)
        return hark_error(HARK_ERR_INVALID_ARG, "synth: pitch and range must be MIN..MAX "
                          "within 0..100");
    return HARK_OK;
}

hark_status hark_synth_corpus(const char *const *sentences, size_t n, const char *dir,
                              const hark_synth_params *params, hark_synth_progress_fn progress,
                              void *user_data)
{
    hark_synth_params p = params ? *params : hark_synth_default_params();
    if (!sentences || n == 0 || !dir)
        return hark_error(HARK_ERR_INVALID_ARG, "synth: no sentences or no output folder");
    hark_status st = check_params(&p);
    if (st)
        return st;
    name_list *voices = malloc(sizeof *voices), *variants = malloc(sizeof *variants);
    char **texts = calloc(n, sizeof *texts);
    char *path = NULL, *tmp_manifest = NULL, *manifest = NULL;
    float *audio = NULL;
    FILE *mf = NULL;
    if (!voices || !variants || !texts) {
        st = hark_error(HARK_ERR_NOMEM, "synth: out of memory");
        goto fail;
    }
    if ((st = split_list("voice", p.voices ? p.voices : DEFAULT_VOICES, voices)) ||
        (st = split_list("variant", p.variants ? p.variants : DEFAULT_VARIANTS, variants)))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        size_t len = hark_text_normalize(sentences[i], NULL, 0);
        if (len == 0) {
            st = hark_error(HARK_ERR_INVALID_ARG, "synth: sentence %zu (\"%.40s\") has no words",
                            i + 1, sentences[i]);
            goto fail;
        }
        if (!(texts[i] = malloc(len + 1))) {
            st = hark_error(HARK_ERR_NOMEM, "synth: out of memory");
            goto fail;
        }
        hark_text_normalize(sentences[i], texts[i], len + 1);
    }
    if ((st = start_espeak()))
        goto fail;
    /* Fail on a mistyped voice or variant before spending minutes rendering. */
    for (size_t i = 0; i < voices->n; i++)
        if ((st = set_voice(voices->name[i])))
            goto fail;
    for (size_t i = 0; i < variants->n; i++)
        if ((st = check_variant(variants->name[i])))
            goto fail;
    if ((st = make_dir(dir)))
        goto fail;
    size_t dlen = strlen(dir);
    path = malloc(dlen + 64);
    tmp_manifest = malloc(dlen + 32);
    manifest = malloc(dlen + 32);
    if (!path || !tmp_manifest || !manifest) {
        st = hark_error(HARK_ERR_NOMEM, "synth: out of memory");
        goto fail;
    }
    snprintf(path, dlen + 64, "%s/wav", dir);
    if ((st = make_dir(path)))
        goto fail;
    snprintf(manifest, dlen + 32, "%s/manifest.tsv", dir);
    snprintf(tmp_manifest, dlen + 32, "%s/manifest.tsv.tmp", dir);
    if (!(mf = fopen(tmp_manifest, "w"))) {
        st = hark_error(HARK_ERR_IO, "%s: cannot write: %s", tmp_manifest, strerror(errno));
        goto fail;
    }
    uint64_t rng = p.seed ^ 0x5eed5eed5eed5eedULL;
    size_t total = n * (size_t)p.per_sentence, done = 0;
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < p.per_sentence; k++, done++) {
            /* Every draw happens whatever the options, so one rendering's choices do not
             * depend on whether augmentation is on. */
            const char *voice = voices->name[hark_augment_rng_next(&rng) % voices->n];
            const char *variant = variants->name[hark_augment_rng_next(&rng) % variants->n];
            int wpm = pick_int(&rng, p.rate_min, p.rate_max);
            int pitch = pick_int(&rng, p.pitch_min, p.pitch_max);
            int range = pick_int(&rng, p.range_min, p.range_max);
            double gain_db = -12.0 * uniform(&rng), snr_db = 30.0 + 20.0 * uniform(&rng);
            double pad_a = 0.25 * uniform(&rng), pad_b = 0.25 * uniform(&rng);
            uint64_t noise_seed = hark_augment_rng_next(&rng);
            char name[2 * MAX_NAME + 2];
            voice_name(name, sizeof name, voice, variant);
            size_t len = 0;
            if ((st = hark_synth_render(name, wpm, pitch, range, sentences[i], p.sample_rate,
                                        &audio, &len)))
                goto fail;
            if (p.augment) {
                len = trim(audio, len, p.sample_rate, pad_a, pad_b);
                double energy = 0;
                for (size_t j = 0; j < len; j++)
                    energy += (double)audio[j] * audio[j];
                double g = pow(10.0, gain_db / 20.0);
                double sigma = sqrt(energy / (double)len) * pow(10.0, -snr_db / 20.0);
                for (size_t j = 0; j < len; j++) {
                    double v = g * (audio[j] + sigma * gaussian(&noise_seed));
                    audio[j] = (float)(v > 1 ? 1 : v < -1 ? -1 : v);
                }
            } else {
                len = trim(audio, len, p.sample_rate, 0.1, 0.1);
            }
            char rel[48];
            snprintf(rel, sizeof rel, "wav/%06zu_%02d.wav", i, k);
            snprintf(path, dlen + 64, "%s/%s", dir, rel);
            if ((st = hark_audio_write_wav(path, audio, len, p.sample_rate, HARK_SAMPLE_S16)))
                goto fail;
            free(audio);
            audio = NULL;
            if (fprintf(mf, "%s\t%s\t%s\n", rel, texts[i], name) < 0) {
                st = hark_error(HARK_ERR_IO, "%s: write failed: %s", tmp_manifest,
                                strerror(errno));
                goto fail;
            }
            if (progress && progress(done + 1, total, user_data)) {
                st = hark_error(HARK_ERR_INTERRUPTED, "synth: interrupted");
                goto fail;
            }
        }
    }
    int bad = fclose(mf) != 0;
    mf = NULL;
    if (bad || rename(tmp_manifest, manifest) != 0) {
        st = hark_error(HARK_ERR_IO, "%s: cannot write: %s", manifest, strerror(errno));
        goto fail;
    }
fail:
    if (mf) {
        fclose(mf);
        remove(tmp_manifest);
    }
    free(audio);
    free(path);
    free(tmp_manifest);
    free(manifest);
    if (texts)
        for (size_t i = 0; i < n; i++)
            free(texts[i]);
    free(texts);
    free(voices);
    free(variants);
    return st;
}
