/* trainer.c - what the training configuration means for the data: its defaults and checks,
 * the provenance record a model carries, the progress callback, and the augmentation step that turns one utterance's
 * audio into the features a training step sees (speed, gain, tilt, room, noise, telephone
 * line and VTLP, then SpecAugment).
 *
 * Reproducibility: the augmentation draws from an RNG state the caller derives from the
 * utterance's position in the epoch's plan (train_mix), so it does not depend on which thread or
 * rank reads the utterance, nor on what was read before. The rest of training lives beside this
 * file (train_internal.h lists who owns what). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/util.h"
#include "hark/audio.h"
#include "model/model_internal.h"
#include "train/train_internal.h"

hark_train_config hark_train_default_config(void)
{
    hark_train_config c;
    memset(&c, 0, sizeof c);
    c.net = hark_net_default_config();
    c.feat = hark_mfcc_default_config();
    c.epochs = 30;
    c.batch = 16;
    c.lr = 2e-3f;
    c.warmup = 200;
    c.final_lr_ratio = 0.05f;
    c.clip = 5.0f;
    c.seed = 1;
    c.patience = 5;
    c.threads = 1;
    c.checkpoint_every = 1000;
    c.noise_prob = 0.5f;
    c.snr_min = 5;
    c.snr_max = 20;
    c.speed_min = 1;
    c.speed_max = 1;
    c.spec = hark_augment_specaugment_default();
    return c;
}

/* One utterance for the augmentation step: its audio at the feature rate, and its clean
 * features (computed here when needed). */
typedef struct sample {
    float *feats;
    int T;
    const float *audio;
    size_t n_audio;
} sample;

/* The clean features of s's audio, into t->clean. */
static hark_status clean_features(train_augmenter *t, const sample *s, float **dst, int *T)
{
    size_t nf = hark_mfcc_num_frames(hark_mfcc_get_config(t->mfcc), s->n_audio);
    if (util_grow(&t->clean, &t->cap_clean, (nf ? nf : 1) * (size_t)t->D, sizeof(float), 0))
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    size_t got = 0;
    hark_status st = hark_mfcc_compute(t->mfcc, s->audio, s->n_audio, t->clean, &got);
    if (st != HARK_OK)
        return st;
    *dst = t->clean;
    *T = (int)got;
    return HARK_OK;
}

static int has_audio_ext(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (strcmp(dot, ".wav") == 0 || strcmp(dot, ".flac") == 0 || strcmp(dot, ".ogg") == 0);
}

/* Every audio file in the folder (sorted, so runs are reproducible), silent ones left out. */
static hark_status load_noise(train_augmenter *t, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return hark_error(HARK_ERR_IO, "%s: %s", dir, strerror(errno));
    char **names = NULL;
    size_t nn = 0, cap = 0;
    hark_status st = HARK_OK;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!has_audio_ext(e->d_name))
            continue;
        if (nn == cap) {
            cap = cap ? 2 * cap : 64;
            char **nb = realloc(names, cap * sizeof *nb);
            if (!nb) {
                st = hark_error(HARK_ERR_NOMEM, "out of memory");
                goto done;
            }
            names = nb;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        if (!(names[nn] = malloc(len))) {
            st = hark_error(HARK_ERR_NOMEM, "out of memory");
            goto done;
        }
        snprintf(names[nn++], len, "%s/%s", dir, e->d_name);
    }
    if (nn > 1)
        qsort(names, nn, sizeof *names, util_cmp_str_p);
    t->noise.x = calloc(nn ? nn : 1, sizeof *t->noise.x);
    t->noise.n = calloc(nn ? nn : 1, sizeof *t->noise.n);
    if (!t->noise.x || !t->noise.n) {
        st = hark_error(HARK_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nn; i++) {
        float *x;
        size_t n;
        st = hark_audio_load(names[i], t->cfg->feat.sample_rate, &x, &n, NULL);
        if (st != HARK_OK)
            goto done;
        double p = 0;
        for (size_t j = 0; j < n; j++)
            p += (double)x[j] * x[j];
        if (p / (double)n < 1e-10) { /* digital silence adds nothing and has no SNR */
            free(x);
            continue;
        }
        t->noise.x[t->noise.count] = x;
        t->noise.n[t->noise.count++] = n;
    }
    if (t->noise.count == 0)
        st = hark_error(HARK_ERR_INVALID_ARG, "%s: no audible noise recordings (.wav/.flac/.ogg)", dir);
done:
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return st;
}

static double uniform(uint64_t *rng, double lo, double hi)
{
    return lo + (hi - lo) * hark_augment_rng_uniform(rng);
}

/* Features of training sample s for this step into *dst (T, D): the cached clean features, or
 * freshly computed from augmented audio. SpecAugment applies either way. */
static hark_status sample_features(train_augmenter *t, const sample *s, float **dst, int *T)
{
    const hark_train_config *c = t->cfg;
    hark_status st;
    if (!t->keep_audio) {
        *dst = s->feats;
        *T = s->T;
    } else {
        float *a = NULL;
        size_t na = 0;
        if (c->speed_min != 1 || c->speed_max != 1) {
            double f = uniform(&t->rng, c->speed_min, c->speed_max);
            st = hark_augment_speed(s->audio, s->n_audio, f, &a, &na);
            if (st != HARK_OK)
                return st;
        } else {
            a = malloc(s->n_audio * sizeof *a);
            if (!a)
                return hark_error(HARK_ERR_NOMEM, "out of memory");
            memcpy(a, s->audio, s->n_audio * sizeof *a);
            na = s->n_audio;
        }
        if (c->lead_max_s > 0 && hark_augment_rng_uniform(&t->rng) < 0.5) {
            size_t lead = (size_t)(uniform(&t->rng, 0, c->lead_max_s)
                                   * hark_mfcc_get_config(t->mfcc)->sample_rate);
            float rms = (float)(pow(10.0, uniform(&t->rng, 0, 2)) / 32768.0);
            float *b = NULL;
            size_t nb = 0;
            st = hark_augment_lead(a, na, lead, rms, &t->rng, &b, &nb);
            free(a);
            if (st != HARK_OK)
                return st;
            a = b;
            na = nb;
        }
        if (c->gain_db > 0)
            hark_augment_gain(a, na, (float)uniform(&t->rng, -c->gain_db, c->gain_db));
        if (c->tilt > 0) { /* backwards, so each sample sees its unfiltered predecessor */
            float k = (float)uniform(&t->rng, -c->tilt, c->tilt);
            for (size_t i = na - 1; i > 0; i--)
                a[i] -= k * a[i - 1];
        }
        hark_mfcc *ex = t->mfcc;
        st = t->room ? hark_augmenter_room(t->room, a, na, &t->rng) : HARK_OK;
        if (t->noise.count > 0 && hark_augment_rng_uniform(&t->rng) < c->noise_prob) {
            size_t k = (size_t)(hark_augment_rng_uniform(&t->rng) * (double)t->noise.count);
            float snr = (float)uniform(&t->rng, c->snr_min, c->snr_max);
            hark_augment_add_noise(a, na, t->noise.x[k], t->noise.n[k], snr, &t->rng);
        }
        if (st == HARK_OK && t->room)
            st = hark_augmenter_channel(t->room, a, na, &t->rng, t->mfcc, &ex);
        if (st != HARK_OK) {
            free(a);
            return st;
        }
        size_t nf = hark_mfcc_num_frames(hark_mfcc_get_config(t->mfcc), na);
        if (nf * (size_t)t->D > t->cap_aug) {
            float *nb = realloc(t->aug, nf * (size_t)t->D * sizeof *nb);
            if (!nb) {
                free(a);
                return hark_error(HARK_ERR_NOMEM, "out of memory");
            }
            t->aug = nb;
            t->cap_aug = nf * (size_t)t->D;
        }
        size_t got = 0;
        st = hark_mfcc_compute(ex, a, na, t->aug, &got);
        free(a);
        if (st != HARK_OK)
            return st;
        if (got == 0) /* sped up below one frame: fall back to the clean features */
            return clean_features(t, s, dst, T);
        *dst = t->aug;
        *T = (int)got;
    }
    return HARK_OK;
}


int train_wants_audio(const hark_train_config *c)
{
    return c->noise_dir || c->speed_min != 1 || c->speed_max != 1 || c->gain_db > 0
           || c->tilt > 0 || c->lead_max_s > 0 || c->vtlp > 0 || c->reverb_prob > 0
           || c->telephone_prob > 0;
}

hark_status train_augmenter_init(train_augmenter *t, const hark_train_config *c,
                                 const hark_mfcc_config *feat, int augment)
{
    memset(t, 0, sizeof *t);
    t->cfg = c;
    t->augment = augment;
    t->keep_audio = augment && train_wants_audio(c);
    t->D = hark_mfcc_dim(feat);
    if (!(t->mfcc = hark_mfcc_create(feat)))
        return HARK_ERR_INVALID_ARG;
    if (augment && (c->vtlp > 0 || c->reverb_prob > 0 || c->telephone_prob > 0)) {
        hark_augmenter_config ac = hark_augmenter_default_config();
        ac.vtlp = c->vtlp;
        ac.reverb_prob = c->reverb_prob;
        ac.telephone_prob = c->telephone_prob;
        ac.seed = c->seed;
        if (!(t->room = hark_augmenter_create(feat, &ac)))
            return HARK_ERR_INVALID_ARG;
    }
    if (augment && c->noise_dir)
        return load_noise(t, c->noise_dir);
    return HARK_OK;
}

void train_augmenter_free(train_augmenter *t)
{
    for (size_t i = 0; i < t->noise.count; i++)
        free(t->noise.x[i]);
    free(t->noise.x);
    free(t->noise.n);
    hark_mfcc_free(t->mfcc);
    hark_augmenter_free(t->room);
    free(t->aug);
    free(t->clean);
    free(t->out);
    memset(t, 0, sizeof *t);
}

hark_status train_augment_utt(train_augmenter *t, const float *audio, size_t n, uint64_t rng,
                              const float **f, int *T)
{
    sample s = {.audio = audio, .n_audio = n};
    float *src = NULL;
    int Tb = 0;
    hark_status st;
    t->rng = rng;
    if (!t->keep_audio && (st = clean_features(t, &s, &s.feats, &s.T)) != HARK_OK)
        return st;
    if ((st = sample_features(t, &s, &src, &Tb)) != HARK_OK)
        return st;
    /* SpecAugment masks a copy: src may be the clean features of a later fallback. */
    if (util_grow(&t->out, &t->cap_out, ((size_t)Tb + 1) * (size_t)t->D, sizeof(float), 0))
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    memcpy(t->out, src, (size_t)Tb * (size_t)t->D * sizeof *t->out);
    if (t->augment && t->cfg->specaugment && Tb > 0)
        hark_augment_specaugment(t->out, Tb, t->D, &t->cfg->spec, &t->rng);
    *f = t->out;
    *T = Tb;
    return HARK_OK;
}

hark_status train_check_config(const hark_train_config *cfg)
{
    if (!cfg || !cfg->train || !cfg->output)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_train: the training corpus and the output "
                                                "path are required");
    if (cfg->epochs < 1 || cfg->batch < 1 || cfg->batch > 512 || !(cfg->lr > 0)
        || cfg->speed_min <= 0 || cfg->speed_max < cfg->speed_min || cfg->snr_max < cfg->snr_min
        || cfg->bptt_steps < 0 || cfg->threads < 1 || cfg->threads > 256)
        return hark_error(HARK_ERR_INVALID_ARG,
                          "hark_train: epochs >= 1, batch 1..512, lr > 0, bptt steps >= 0, "
                          "threads 1..256, speed and SNR ranges with min <= max are required");
    if (cfg->units != HARK_UNITS_CHARS && cfg->units != HARK_UNITS_PHONES)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_train: units must be characters or phones");
    if (cfg->units == HARK_UNITS_PHONES && cfg->alphabet)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_train: a phone model has the phone "
                          "alphabet; give no alphabet");
    if (cfg->init && cfg->resume)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_train: fine-tune a model (init) or resume "
                          "a checkpoint, not both");
    if (cfg->lexicon_words && cfg->units != HARK_UNITS_PHONES && !cfg->resume && !cfg->init)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_train: a lexicon word list is for phone "
                          "models");
    if (cfg->new_dev && (!cfg->resume || !cfg->dev))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_train: a new dev set (--new-dev) needs a "
                          "checkpoint to resume and a dev set");
    return HARK_OK;
}

/* Lower-case ASCII, as hark normalises transcripts. */
static void lower_ascii(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

hark_status train_learn_words(hark_units *u, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return hark_error(HARK_ERR_IO, "%s: cannot open the word list", path);
    char line[1024];
    long no = 0;
    hark_status st = HARK_OK;
    while (st == HARK_OK && fgets(line, sizeof line, f)) {
        no++;
        line[strcspn(line, "\r\n")] = '\0';
        for (char *p = line; *p; p++)
            if (*p == '\t')
                *p = ' ';
        lower_ascii(line);
        if ((st = hark_units_learn(u, line)) != HARK_OK) {
            char why[600];
            snprintf(why, sizeof why, "%s", hark_last_error());
            st = hark_error(st, "%s:%ld: %s", path, no, why);
        }
    }
    if (st == HARK_OK && ferror(f))
        st = hark_error(HARK_ERR_IO, "%s: read error", path);
    fclose(f);
    return st;
}

static void iso_date(char *buf, size_t n)
{
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tmv);
}

/* Provenance: what the model was trained on and how well it did. */
int train_notify(trainer *t, hark_train_event ev)
{
    t->pr.event = ev;
    t->pr.elapsed = util_now_seconds() - t->t0;
    t->pr.audio_per_second = t->pr.elapsed > 0 ? t->audio_done / t->pr.elapsed : 0;
    return t->cb ? t->cb(&t->pr, t->user) : 0;
}

hark_status train_set_provenance(trainer *t)
{
    const hark_train_config *c = t->cfg;
    cJSON *p = cJSON_CreateObject();
    if (!p)
        return HARK_ERR_NOMEM;
    char date[32];
    iso_date(date, sizeof date);
    cJSON_AddStringToObject(p, "train", c->train);
    if (c->dev)
        cJSON_AddStringToObject(p, "dev", c->dev);
    cJSON_AddNumberToObject(p, "train_utterances", (double)t->train.n);
    cJSON_AddNumberToObject(p, "train_hours", t->train.total_seconds / 3600);
    cJSON_AddNumberToObject(p, "steps", (double)t->s.step);
    cJSON_AddNumberToObject(p, "epochs", t->pr.epoch);
    cJSON_AddNumberToObject(p, "seed", (double)c->seed);
    cJSON_AddStringToObject(p, "units", hark_unit_kind_name(hark_units_kind(hark_model_units(t->model))));
    if (c->bptt_steps > 0)
        cJSON_AddNumberToObject(p, "bptt_steps", c->bptt_steps);
    if (t->pr.dev_cer >= 0) {
        cJSON_AddNumberToObject(p, "dev_cer", t->pr.dev_cer);
        cJSON_AddNumberToObject(p, "dev_wer", t->pr.dev_wer);
        cJSON_AddNumberToObject(p, "dev_utt_acc", t->pr.dev_utt_acc);
    }
    cJSON *aug = cJSON_AddObjectToObject(p, "augmentation");
    if (aug) {
        if (c->noise_dir) {
            cJSON_AddStringToObject(aug, "noise", c->noise_dir);
            cJSON_AddNumberToObject(aug, "snr_min", c->snr_min);
            cJSON_AddNumberToObject(aug, "snr_max", c->snr_max);
        }
        cJSON_AddNumberToObject(aug, "speed_min", c->speed_min);
        cJSON_AddNumberToObject(aug, "speed_max", c->speed_max);
        cJSON_AddNumberToObject(aug, "gain_db", c->gain_db);
        cJSON_AddNumberToObject(aug, "tilt", c->tilt);
        cJSON_AddNumberToObject(aug, "lead_silence", c->lead_max_s);
        cJSON_AddNumberToObject(aug, "vtlp", c->vtlp);
        cJSON_AddNumberToObject(aug, "reverb_prob", c->reverb_prob);
        cJSON_AddNumberToObject(aug, "telephone_prob", c->telephone_prob);
        cJSON_AddBoolToObject(aug, "specaugment", c->specaugment);
    }
    cJSON_AddStringToObject(p, "date", date);
    cJSON_AddStringToObject(p, "hark_version", hark_version());
    char *s = cJSON_PrintUnformatted(p);
    cJSON_Delete(p);
    if (!s)
        return HARK_ERR_NOMEM;
    hark_status st = hark_model_set_meta(t->model, "provenance", s);
    free(s);
    return st;
}

