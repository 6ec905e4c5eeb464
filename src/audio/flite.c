/* flite.c - flite voices rendered into memory (see flite_internal.h). It sits in src/audio
 * beside espeak.c because this layer owns every speech engine libhark links: turning text into
 * samples is audio work, and src/corpus (synth.c) only decides what to say with which voice and
 * writes the corpus. Nothing here prints, plays or writes files. */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <flite/flite.h>

#include "audio/flite_internal.h"

/* Each voice library exports its registration function; flite1-dev ships no header for them. */
cst_voice *register_cmu_us_kal(const char *voxdir);
cst_voice *register_cmu_us_kal16(const char *voxdir);
cst_voice *register_cmu_us_awb(const char *voxdir);
cst_voice *register_cmu_us_rms(const char *voxdir);
cst_voice *register_cmu_us_slt(const char *voxdir);

/* F0 ranges (Hz) around each voice's own mean F0. kal and kal16 declare 95 Hz; the clustergen
 * voices' means were measured on flite 2.2 renderings (median autocorrelation pitch of voiced
 * 40 ms frames of one sentence): awb 123, rms 102, slt 167 Hz. The ranges run from 10-15 %
 * below to 25-40 % above, about the span the recipe's plan.awk drew for the flite program
 * (also listed in cmd_synth.c's --help and docs/synth.md). */
typedef struct {
    const char *name;
    cst_voice *(*reg)(const char *voxdir);
    double f0_lo, f0_hi;
    cst_voice *voice; /* registered on first use */
    float own_f0;     /* the mean F0 the voice declares as a feature, 0 if none */
} flite_voice;

static flite_voice voices[] = {
    {"kal", register_cmu_us_kal, 85, 135, NULL, 0},
    {"kal16", register_cmu_us_kal16, 85, 135, NULL, 0},
    {"awb", register_cmu_us_awb, 105, 165, NULL, 0},
    {"rms", register_cmu_us_rms, 95, 110, NULL, 0},
    {"slt", register_cmu_us_slt, 150, 210, NULL, 0},
};
#define N_VOICES (sizeof voices / sizeof voices[0])

const char *audio_flite_voices(void) { return "kal,kal16,awb,rms,slt"; }

static flite_voice *find(const char *name)
{
    for (size_t i = 0; name && i < N_VOICES; i++)
        if (strcmp(voices[i].name, name) == 0)
            return &voices[i];
    return NULL;
}

hark_status audio_flite_check_voice(const char *what, const char *voice)
{
    if (find(voice))
        return HARK_OK;
    return hark_error(HARK_ERR_UNSUPPORTED, "%s: flite has no voice '%s' (hark links %s)", what,
                      voice ? voice : "(null)", audio_flite_voices());
}

void audio_flite_f0_range(const char *voice, double *lo, double *hi)
{
    const flite_voice *v = find(voice);
    *lo = v ? v->f0_lo : 0;
    *hi = v ? v->f0_hi : 0;
}

/* flite_init and each voice's registration run once per process. */
static cst_voice *get_voice(flite_voice *v)
{
    static int started;
    if (!started) {
        flite_init();
        started = 1;
    }
    if (!v->voice && (v->voice = v->reg(NULL)))
        v->own_f0 = flite_get_param_float(v->voice->features, "int_f0_target_mean", 0);
    return v->voice;
}

/* flite reports a fatal error through cst_error(), which exits unless cst_errjmp is set: set it
 * around the synthesis so an error comes back here. What flite had allocated then leaks. */
static cst_wave *synthesize(const char *text, cst_voice *voice)
{
    jmp_buf env;
    jmp_buf *saved = cst_errjmp;
    cst_wave *volatile w = NULL;
    if (setjmp(env) == 0) {
        cst_errjmp = &env;
        w = flite_text_to_wave(text, voice);
    }
    cst_errjmp = saved;
    return w;
}

hark_status audio_flite_render(const char *what, const char *voice, unsigned seed, double stretch,
                               double f0, const char *text, float **samples, size_t *n,
                               int *rate)
{
    *samples = NULL;
    *n = 0;
    *rate = 0;
    flite_voice *fv = find(voice);
    if (!fv || !text)
        return fv ? hark_error(HARK_ERR_INVALID_ARG, "%s: no text", what)
                  : audio_flite_check_voice(what, voice);
    if (!(stretch >= 0.2 && stretch <= 5) || !(f0 == 0 || (f0 >= 40 && f0 <= 500)))
        return hark_error(HARK_ERR_INVALID_ARG, "%s: flite duration stretch %g or mean F0 %g Hz "
                          "out of range (0.2..5; 40..500 or 0)", what, stretch, f0);
    cst_voice *v = get_voice(fv);
    if (!v)
        return hark_error(HARK_ERR_UNSUPPORTED, "%s: flite voice '%s' did not load", what, voice);
    /* Set on every call: the features live in the shared voice and outlast this rendering. */
    flite_feat_set_float(v->features, "duration_stretch", (float)stretch);
    if (f0 > 0 || fv->own_f0 > 0)
        flite_feat_set_float(v->features, "int_f0_target_mean", f0 > 0 ? (float)f0 : fv->own_f0);
    else
        flite_feat_remove(v->features, "int_f0_target_mean");
    srand(seed);
    cst_wave *w = synthesize(text, v);
    if (!w || w->num_channels != 1 || w->sample_rate <= 0 || w->num_samples < 0) {
        if (w)
            delete_wave(w);
        return hark_error(HARK_ERR_INTERNAL, "%s: flite failed to render \"%.40s\"", what, text);
    }
    size_t len = (size_t)w->num_samples;
    float *x = malloc((len ? len : 1) * sizeof *x);
    if (!x) {
        delete_wave(w);
        return hark_error(HARK_ERR_NOMEM, "%s: out of memory", what);
    }
    for (size_t i = 0; i < len; i++)
        x[i] = (float)w->samples[i] / 32768.0f;
    *samples = x;
    *n = len;
    *rate = w->sample_rate;
    delete_wave(w);
    return HARK_OK;
}
