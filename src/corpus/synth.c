/* synth.c - synthetic training corpora: sentences rendered by espeak-ng (many voices, variants,
 * rates and pitches) and flite (five voices, duration stretches and mean F0s), resampled with
 * libsoxr and written as WAVs plus a manifest that the corpus reader opens. Both engines render
 * into memory through src/audio (espeak.c, flite.c); nothing is played and nothing is printed. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <espeak-ng/speak_lib.h>

#include "audio/espeak_internal.h"
#include "audio/flite_internal.h"
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
    p.stretch_min = 0.8;
    p.stretch_max = 1.3;
    return p;
}

const char *hark_synth_default_voices(void) { return DEFAULT_VOICES; }
const char *hark_synth_default_variants(void) { return DEFAULT_VARIANTS; }
const char *hark_synth_default_flite_voices(void) { return audio_flite_voices(); }

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

/* The checks both render calls start with; clears the output. */
static hark_status check_render(const char *voice, const char *text, int sample_rate,
                                float **samples, size_t *n)
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
    return HARK_OK;
}

/* Hand an engine's rendering `buf` (len samples at `rate`) over as *samples at `sample_rate`,
 * resampling when the rates differ; `buf` is taken over either way. */
static hark_status deliver(const char *engine, const char *text, float *buf, size_t len, int rate,
                           int sample_rate, float **samples, size_t *n)
{
    hark_status st;
    if (len == 0) {
        st = hark_error(HARK_ERR_FORMAT, "synth: %s produced no audio for \"%.40s\"", engine,
                        text);
    } else if (sample_rate == rate) {
        *samples = buf;
        *n = len;
        return HARK_OK;
    } else {
        st = hark_audio_resample(buf, len, rate, sample_rate, samples, n);
    }
    free(buf);
    return st;
}

hark_status hark_synth_render(const char *voice, int wpm, int pitch, int range, const char *text,
                              int sample_rate, float **samples, size_t *n)
{
    hark_status st = check_render(voice, text, sample_rate, samples, n);
    if (st || (st = start_espeak()))
        return st;
    float *buf = NULL;
    size_t len = 0;
    if ((st = speak(voice, wpm, pitch, range, text, &buf, &len)))
        return st;
    return deliver("espeak-ng", text, buf, len, espeak_rate, sample_rate, samples, n);
}

hark_status hark_synth_render_flite(const char *voice, double stretch, double f0, unsigned seed,
                                    const char *text, int sample_rate, float **samples, size_t *n)
{
    hark_status st = check_render(voice, text, sample_rate, samples, n);
    if (st)
        return st;
    float *buf = NULL;
    size_t len = 0;
    int rate = 0;
    if ((st = audio_flite_render("synth", voice, seed, stretch, f0, text, &buf, &len, &rate)))
        return st;
    return deliver("flite", text, buf, len, rate, sample_rate, samples, n);
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

/* The voices a corpus draws from: espeak-ng voices x variants and flite voices, each list used
 * only when its engine is on. */
typedef struct {
    name_list espeak, variants, flite;
    int use_espeak, use_flite;
} voice_pool;

static hark_status parse_engines(const char *list, int *use_espeak, int *use_flite)
{
    name_list *engines = malloc(sizeof *engines);
    if (!engines)
        return hark_error(HARK_ERR_NOMEM, "synth: out of memory");
    hark_status st = split_list("engine", list, engines);
    for (size_t i = 0; !st && i < engines->n; i++) {
        if (strcmp(engines->name[i], "espeak") == 0)
            *use_espeak = 1;
        else if (strcmp(engines->name[i], "flite") == 0)
            *use_flite = 1;
        else
            st = hark_error(HARK_ERR_INVALID_ARG, "synth: unknown engine '%s' (espeak, flite)",
                            engines->name[i]);
    }
    free(engines);
    return st;
}

/* Read the lists and check every voice and variant of the engines in use, so a mistyped name
 * fails before minutes are spent rendering. */
static hark_status make_pool(const hark_synth_params *p, voice_pool *vp)
{
    hark_status st;
    if ((st = parse_engines(p->engines ? p->engines : "espeak", &vp->use_espeak,
                            &vp->use_flite)))
        return st;
    if (vp->use_espeak) {
        if ((st = split_list("voice", p->voices ? p->voices : DEFAULT_VOICES, &vp->espeak)) ||
            (st = split_list("variant", p->variants ? p->variants : DEFAULT_VARIANTS,
                             &vp->variants)) ||
            (st = start_espeak()))
            return st;
        for (size_t i = 0; i < vp->espeak.n; i++)
            if ((st = set_voice(vp->espeak.name[i])))
                return st;
        for (size_t i = 0; i < vp->variants.n; i++)
            if ((st = check_variant(vp->variants.name[i])))
                return st;
    }
    if (vp->use_flite) {
        if ((st = split_list("flite voice", p->flite_voices ? p->flite_voices
                                                            : audio_flite_voices(), &vp->flite)))
            return st;
        for (size_t i = 0; i < vp->flite.n; i++)
            if ((st = audio_flite_check_voice("synth", vp->flite.name[i])))
                return st;
    }
    return HARK_OK;
}

/* Draw one rendering's voice (every voice of every engine in use equally likely) and style,
 * render `text` at p->sample_rate and name the voice in `name`: flite voices as flite-NAME, no
 * colon, which would end the corpus path in a CORPUS:speaker=... filter. With espeak-ng alone
 * the draws are those hark synth made before flite was added, so a seed still gives the same
 * corpus. */
static hark_status render_drawn(const voice_pool *vp, const hark_synth_params *p, uint64_t *rng,
                                const char *text, char *name, size_t cap, float **audio,
                                size_t *len)
{
    size_t ne = vp->use_espeak ? vp->espeak.n : 0, nf = vp->use_flite ? vp->flite.n : 0;
    size_t k = (size_t)(hark_augment_rng_next(rng) % (ne + nf));
    if (k < ne) {
        const char *variant = vp->variants.name[hark_augment_rng_next(rng) % vp->variants.n];
        int wpm = pick_int(rng, p->rate_min, p->rate_max);
        int pitch = pick_int(rng, p->pitch_min, p->pitch_max);
        int range = pick_int(rng, p->range_min, p->range_max);
        voice_name(name, cap, vp->espeak.name[k], variant);
        return hark_synth_render(name, wpm, pitch, range, text, p->sample_rate, audio, len);
    }
    const char *voice = vp->flite.name[k - ne];
    double lo, hi;
    audio_flite_f0_range(voice, &lo, &hi);
    double stretch = p->stretch_min + (p->stretch_max - p->stretch_min) * uniform(rng);
    double f0 = lo + (hi - lo) * uniform(rng);
    unsigned seed = (unsigned)(hark_augment_rng_next(rng) >> 32);
    snprintf(name, cap, "flite-%s", voice);
    return hark_synth_render_flite(voice, stretch, f0, seed, text, p->sample_rate, audio, len);
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

hark_status hark_synth_check_params(const hark_synth_params *p)
{
    if (!p)
        return hark_error(HARK_ERR_INVALID_ARG, "synth: no parameters");
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
    if (!(p->stretch_min >= 0.2 && p->stretch_max <= 5 && p->stretch_min <= p->stretch_max))
        return hark_error(HARK_ERR_INVALID_ARG, "synth: flite duration stretch %g..%g is not "
                          "within 0.2..5", p->stretch_min, p->stretch_max);
    int espeak = 0, flite = 0;
    return parse_engines(p->engines ? p->engines : "espeak", &espeak, &flite);
}

hark_status hark_synth_corpus(const char *const *sentences, size_t n, const char *dir,
                              const hark_synth_params *params, hark_synth_progress_fn progress,
                              void *user_data)
{
    hark_synth_params p = params ? *params : hark_synth_default_params();
    if (!sentences || n == 0 || !dir)
        return hark_error(HARK_ERR_INVALID_ARG, "synth: no sentences or no output folder");
    hark_status st = hark_synth_check_params(&p);
    if (st)
        return st;
    voice_pool *vp = calloc(1, sizeof *vp);
    char **texts = calloc(n, sizeof *texts);
    char *path = NULL, *tmp_manifest = NULL, *manifest = NULL;
    float *audio = NULL;
    FILE *mf = NULL;
    if (!vp || !texts) {
        st = hark_error(HARK_ERR_NOMEM, "synth: out of memory");
        goto fail;
    }
    if ((st = make_pool(&p, vp)))
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
            char name[2 * MAX_NAME + 2];
            size_t len = 0;
            if ((st = render_drawn(vp, &p, &rng, sentences[i], name, sizeof name, &audio, &len)))
                goto fail;
            double gain_db = -12.0 * uniform(&rng), snr_db = 30.0 + 20.0 * uniform(&rng);
            double pad_a = 0.25 * uniform(&rng), pad_b = 0.25 * uniform(&rng);
            uint64_t noise_seed = hark_augment_rng_next(&rng);
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
    free(vp);
    return st;
}
