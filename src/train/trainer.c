/* trainer.c - the training loop: corpora read and featurised once into memory, global CMVN from
 * the training set, length-bucketed shuffled batches, CTC loss over whole utterances (BPTT),
 * Adam with warm-up and cosine decay, on-the-fly augmentation, dev evaluation each epoch with
 * the best model kept and early stopping, and checkpoints that resume exactly.
 *
 * Reproducibility: one uint64 RNG state drives dropout and augmentation in a fixed order, the
 * batch plan of an epoch is a pure function of (seed, epoch), and a checkpoint stores weights,
 * Adam moments, the RNG and the position, so stop + resume equals an uninterrupted run.
 * Parallelism: OpenBLAS owns the threads inside the net; this loop is single-threaded. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "hark/audio.h"
#include "hark/corpus.h"
#include "hark/train.h"
#include "model/model_internal.h"

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
    c.checkpoint_every = 1000;
    c.noise_prob = 0.5f;
    c.snr_min = 5;
    c.snr_max = 20;
    c.speed_min = 1;
    c.speed_max = 1;
    c.spec = hark_augment_specaugment_default();
    return c;
}

/* One utterance in memory: clean features (T, D) already CMVN-normalised, or raw audio when the
 * features are recomputed per batch for augmentation. */
typedef struct sample {
    float *feats;
    int T;
    float *audio;
    size_t n_audio;
    int *labels;
    int n_labels;
    char *text;
    double seconds;
} sample;

typedef struct dataset {
    sample *s;
    size_t n;
    int max_T;
} dataset;

typedef struct noise_bank {
    float **x;
    size_t *n;
    size_t count;
} noise_bank;

typedef struct trainer {
    const hark_train_config *cfg;
    hark_train_callback cb;
    void *user;
    hark_train_progress pr;
    double t0;
    hark_model *model;
    hark_mfcc *mfcc;      /* with the final (CMVN) config, for augmented batches */
    hark_augmenter *augmenter; /* rooms, telephone line, VTLP extractors (NULL: none asked) */
    int D, V, keep_audio;
    dataset train, dev;
    noise_bank noise;
    hark_batcher *batcher;
    hark_adam *adam;
    hark_net_ws *ws;
    int ws_T;
    /* per-batch scratch, grown as needed */
    float *x, *dlogits, *losses, *aug;
    size_t cap_x, cap_dl, cap_aug;
    int *lengths, *targets, *tlen;
    size_t cap_targets;
    /* state that a checkpoint carries */
    uint64_t rng;
    long step;
    int epoch;           /* 0-based epoch in progress */
    size_t next_batch;   /* index of the next batch in the epoch's plan */
    double loss_sum;
    long loss_n;
    int bad_epochs;
    long sched_steps;    /* steps of the learning-rate schedule: every epoch's batches */
    double audio_done;   /* audio seconds processed in this run (for the rate) */
    const char *ckpt_path;
    char *ckpt_owned;
} trainer;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int notify(trainer *t, hark_train_event ev)
{
    t->pr.event = ev;
    t->pr.elapsed = now_seconds() - t->t0;
    t->pr.audio_per_second = t->pr.elapsed > 0 ? t->audio_done / t->pr.elapsed : 0;
    return t->cb ? t->cb(&t->pr, t->user) : 0;
}

static void dataset_free(dataset *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->s[i].feats);
        free(d->s[i].audio);
        free(d->s[i].labels);
        free(d->s[i].text);
    }
    free(d->s);
    memset(d, 0, sizeof *d);
}

/* Open the training spec: one corpus, or several separated by newlines (repeated --train),
 * merged with hark_corpus_append. */
static hark_corpus *open_specs(const char *specs)
{
    const char *nl = strchr(specs, '\n');
    if (!nl)
        return hark_corpus_open(specs);
    char *buf = strdup(specs);
    if (!buf) {
        hark_error(HARK_ERR_NOMEM, "out of memory");
        return NULL;
    }
    hark_corpus *c = NULL;
    char *save = NULL;
    for (char *one = strtok_r(buf, "\n", &save); one; one = strtok_r(NULL, "\n", &save)) {
        if (!c) {
            c = hark_corpus_open(one);
        } else if (hark_corpus_append(c, one, NULL) != HARK_OK) {
            hark_corpus_free(c);
            c = NULL;
        }
        if (!c)
            break;
    }
    free(buf);
    return c;
}

/* Read a corpus: audio at the feature rate, labels, and clean features (raw, before CMVN; the
 * statistics are added to *stats when given). Audio is kept when keep_audio. */
static hark_status load_corpus(trainer *t, const char *spec, int keep_audio, int labels,
                               hark_mfcc *raw, hark_mfcc_stats *stats, double max_duration,
                               dataset *out)
{
    hark_corpus *c = open_specs(spec);
    if (!c)
        return HARK_ERR_IO;
    hark_status st = HARK_OK;
    size_t n = hark_corpus_size(c);
    out->s = calloc(n ? n : 1, sizeof *out->s);
    if (!out->s) {
        st = hark_error(HARK_ERR_NOMEM, "out of memory");
        goto done;
    }
    const char *alphabet = hark_model_alphabet(t->model);
    t->pr.loaded = 0;
    t->pr.to_load = n;
    for (size_t i = 0; i < n; i++) {
        const hark_utt *u = hark_corpus_get(c, i);
        if (max_duration > 0 && u->duration > max_duration)
            continue;
        float *x = NULL;
        size_t nx = 0;
        st = hark_audio_load(u->path, t->cfg->feat.sample_rate, &x, &nx, NULL);
        if (st != HARK_OK)
            goto done;
        sample *s = &out->s[out->n];
        memset(s, 0, sizeof *s);
        size_t T = 0;
        st = hark_mfcc_compute_alloc(raw, x, nx, &s->feats, &T);
        if (st == HARK_OK && T == 0) { /* shorter than one frame: nothing to learn from */
            free(x);
            continue;
        }
        /* Dev utterances need only their text: a character the model cannot emit is an error
         * it makes, not a reason to refuse the corpus. */
        int nl = 0;
        if (st == HARK_OK && labels)
            st = hark_alphabet_encode(alphabet, u->text, NULL, 0, &nl);
        if (st == HARK_OK) {
            s->labels = malloc(((size_t)nl + 1) * sizeof *s->labels);
            s->text = strdup(u->text);
            if (!s->labels || !s->text)
                st = hark_error(HARK_ERR_NOMEM, "out of memory");
        }
        if (st == HARK_OK && labels)
            st = hark_alphabet_encode(alphabet, u->text, s->labels, nl, &s->n_labels);
        if (st != HARK_OK) {
            char why[512];
            snprintf(why, sizeof why, "%s", hark_last_error());
            st = hark_error(st, "%s: %s", u->path, why);
            free(x);
            out->n++; /* so dataset_free releases the partial sample */
            goto done;
        }
        s->T = (int)T;
        s->seconds = (double)nx / t->cfg->feat.sample_rate;
        if (stats)
            hark_mfcc_stats_add(stats, s->feats, T);
        if (keep_audio) {
            s->audio = x;
            s->n_audio = nx;
        } else {
            free(x);
        }
        if ((int)T > out->max_T)
            out->max_T = (int)T;
        out->n++;
        t->pr.loaded = i + 1;
        if ((i + 1) % 200 == 0 && notify(t, HARK_TRAIN_LOADING)) {
            st = hark_error(HARK_ERR_INTERRUPTED, "training interrupted while loading %s", spec);
            goto done;
        }
    }
    if (out->n == 0)
        st = hark_error(HARK_ERR_INVALID_ARG, "%s: no usable utterances", spec);
done:
    hark_corpus_free(c);
    return st;
}

static int has_audio_ext(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (strcmp(dot, ".wav") == 0 || strcmp(dot, ".flac") == 0 || strcmp(dot, ".ogg") == 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every audio file in the folder (sorted, so runs are reproducible), silent ones left out. */
static hark_status load_noise(trainer *t, const char *dir)
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
        qsort(names, nn, sizeof *names, cmp_str);
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
static hark_status sample_features(trainer *t, const sample *s, float **dst, int *T)
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
        if (c->gain_db > 0)
            hark_augment_gain(a, na, (float)uniform(&t->rng, -c->gain_db, c->gain_db));
        if (c->tilt > 0) { /* backwards, so each sample sees its unfiltered predecessor */
            float k = (float)uniform(&t->rng, -c->tilt, c->tilt);
            for (size_t i = na - 1; i > 0; i--)
                a[i] -= k * a[i - 1];
        }
        hark_mfcc *ex = t->mfcc;
        st = t->augmenter ? hark_augmenter_room(t->augmenter, a, na, &t->rng) : HARK_OK;
        if (t->noise.count > 0 && hark_augment_rng_uniform(&t->rng) < c->noise_prob) {
            size_t k = (size_t)(hark_augment_rng_uniform(&t->rng) * (double)t->noise.count);
            float snr = (float)uniform(&t->rng, c->snr_min, c->snr_max);
            hark_augment_add_noise(a, na, t->noise.x[k], t->noise.n[k], snr, &t->rng);
        }
        if (st == HARK_OK && t->augmenter)
            st = hark_augmenter_channel(t->augmenter, a, na, &t->rng, t->mfcc, &ex);
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
        if (got == 0) { /* sped up below one frame: fall back to the clean features */
            *dst = s->feats;
            *T = s->T;
            return HARK_OK;
        }
        *dst = t->aug;
        *T = (int)got;
    }
    return HARK_OK;
}

static hark_status ensure_ws(trainer *t, int B, int T)
{
    if (t->ws && T <= t->ws_T)
        return HARK_OK;
    hark_net_ws_free(t->ws);
    t->ws_T = T > t->ws_T ? T + T / 8 : t->ws_T;
    t->ws = hark_net_ws_create(hark_model_net(t->model), B, t->ws_T);
    if (!t->ws)
        return HARK_ERR_NOMEM;
    return hark_net_ws_set_bptt_truncation(t->ws, t->cfg->bptt_steps);
}

static int grow_f(float **p, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    float *nb = realloc(*p, need * sizeof *nb);
    if (!nb)
        return -1;
    *p = nb;
    *cap = need;
    return 0;
}

static double lr_at(const hark_train_config *c, long step, long total)
{
    if (c->warmup > 0 && step < c->warmup)
        return c->lr * (double)(step + 1) / (double)c->warmup;
    double span = (double)(total - c->warmup);
    double frac = span > 0 ? (double)(step - c->warmup) / span : 1.0;
    if (frac > 1)
        frac = 1;
    double lo = c->lr * c->final_lr_ratio;
    return lo + 0.5 * (c->lr - lo) * (1 + cos(3.14159265358979323846 * frac));
}

/* One optimiser step on the given training utterances. */
static hark_status train_step(trainer *t, const size_t *idx, size_t B)
{
    const hark_train_config *c = t->cfg;
    hark_net *net = hark_model_net_mut(t->model);
    hark_status st = HARK_OK;
    /* Features first (augmentation may change lengths), into the padded batch. Each utterance's
     * features are copied straight away because the augmentation scratch is reused. */
    int T = 0;
    size_t total_labels = 0;
    for (size_t b = 0; b < B; b++) {
        total_labels += (size_t)t->train.s[idx[b]].n_labels;
        int Tb = t->train.s[idx[b]].T;
        if (t->keep_audio && c->speed_min < 1)
            Tb = (int)(Tb / c->speed_min) + 2;
        if (Tb > T)
            T = Tb;
    }
    if (grow_f(&t->x, &t->cap_x, B * (size_t)T * t->D))
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    memset(t->x, 0, B * (size_t)T * t->D * sizeof *t->x);
    int T_max = 0;
    for (size_t b = 0; b < B; b++) {
        const sample *s = &t->train.s[idx[b]];
        float *f = NULL;
        int Tb = 0;
        st = sample_features(t, s, &f, &Tb);
        if (st != HARK_OK)
            return st;
        if (Tb > T)
            Tb = T; /* cannot happen with the bound above; kept as a guard */
        float *dst = t->x + b * (size_t)T * t->D;
        memcpy(dst, f, (size_t)Tb * t->D * sizeof *dst);
        if (c->specaugment)
            hark_augment_specaugment(dst, Tb, t->D, &c->spec, &t->rng);
        t->lengths[b] = Tb;
        t->tlen[b] = s->n_labels;
        if (Tb > T_max)
            T_max = Tb;
        t->audio_done += s->seconds;
    }
    /* Repack to the tight T so the net does no work on padding beyond the longest. */
    if (T_max < T) {
        for (size_t b = 1; b < B; b++)
            memmove(t->x + b * (size_t)T_max * t->D, t->x + b * (size_t)T * t->D,
                    (size_t)T_max * t->D * sizeof *t->x);
        T = T_max;
    }
    if (total_labels > t->cap_targets) {
        int *nb = realloc(t->targets, total_labels * sizeof *nb);
        if (!nb)
            return hark_error(HARK_ERR_NOMEM, "out of memory");
        t->targets = nb;
        t->cap_targets = total_labels;
    }
    size_t k = 0;
    for (size_t b = 0; b < B; b++) {
        const sample *s = &t->train.s[idx[b]];
        memcpy(t->targets + k, s->labels, (size_t)s->n_labels * sizeof *t->targets);
        k += (size_t)s->n_labels;
    }
    if ((st = ensure_ws(t, c->batch, T)) != HARK_OK)
        return st;
    const float *lp;
    int out_len[512], T_out;
    hark_net_zero_grads(net);
    st = hark_net_forward(net, t->ws, t->x, t->lengths, (int)B, T, 1, &t->rng, &lp, out_len, &T_out);
    if (st != HARK_OK)
        return st;
    if (grow_f(&t->dlogits, &t->cap_dl, B * (size_t)T_out * t->V))
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    st = hark_ctc_loss(lp, (int)B, T_out, t->V, out_len, t->targets, t->tlen, t->losses, t->dlogits);
    if (st != HARK_OK)
        return st;
    int finite = 0;
    double sum = 0;
    for (size_t b = 0; b < B; b++) {
        if (isfinite(t->losses[b])) {
            finite++;
            sum += t->losses[b];
        } else {
            t->pr.skipped++;
        }
    }
    t->step++;
    t->pr.lr = lr_at(c, t->step - 1, t->sched_steps);
    if (finite == 0)
        return HARK_OK;
    /* The mean loss over the batch's utterances is what the step minimises. */
    float scale = 1.0f / (float)finite;
    size_t ndl = B * (size_t)T_out * t->V;
    for (size_t i = 0; i < ndl; i++)
        t->dlogits[i] *= scale;
    if ((st = hark_net_backward(net, t->ws, t->dlogits)) != HARK_OK)
        return st;
    float norm = 0;
    st = hark_adam_step(t->adam, hark_net_params(net), hark_net_grads(net), (float)t->pr.lr, &norm);
    if (st == HARK_ERR_NUMERIC) { /* a bad batch must not poison the weights: skip it */
        t->pr.skipped += finite;
        return HARK_OK;
    }
    if (st != HARK_OK)
        return st;
    t->pr.grad_norm = norm;
    t->loss_sum += sum;
    t->loss_n += finite;
    return HARK_OK;
}

/* Dev CER/WER/utterance accuracy with greedy decoding, batched by length. */
static hark_status evaluate(trainer *t, hark_metrics_summary *out)
{
    hark_metrics *m = hark_metrics_create();
    if (!m)
        return HARK_ERR_NOMEM;
    hark_status st = HARK_OK;
    double *secs = malloc((t->dev.n ? t->dev.n : 1) * sizeof *secs);
    hark_batch_params bp = hark_batch_default_params();
    bp.max_utts = (size_t)t->cfg->batch;
    hark_batcher *bt = NULL;
    hark_transcript tr = {0};
    if (!secs) {
        st = hark_error(HARK_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < t->dev.n; i++)
        secs[i] = t->dev.s[i].seconds;
    if (!(bt = hark_batcher_new(secs, t->dev.n, &bp))) {
        st = HARK_ERR_NOMEM;
        goto done;
    }
    const hark_net *net = hark_model_net(t->model);
    double fs = hark_model_frame_seconds(t->model);
    for (size_t bi = 0; bi < hark_batcher_count(bt) && st == HARK_OK; bi++) {
        size_t B;
        const size_t *idx = hark_batcher_batch(bt, bi, &B);
        int T = 0;
        for (size_t b = 0; b < B; b++)
            if (t->dev.s[idx[b]].T > T)
                T = t->dev.s[idx[b]].T;
        if (grow_f(&t->x, &t->cap_x, B * (size_t)T * t->D)) {
            st = hark_error(HARK_ERR_NOMEM, "out of memory");
            break;
        }
        memset(t->x, 0, B * (size_t)T * t->D * sizeof *t->x);
        for (size_t b = 0; b < B; b++) {
            const sample *s = &t->dev.s[idx[b]];
            memcpy(t->x + b * (size_t)T * t->D, s->feats, (size_t)s->T * t->D * sizeof *t->x);
            t->lengths[b] = s->T;
        }
        if ((st = ensure_ws(t, t->cfg->batch, T)) != HARK_OK)
            break;
        const float *lp;
        int out_len[512], T_out;
        st = hark_net_forward(net, t->ws, t->x, t->lengths, (int)B, T, 0, NULL, &lp, out_len, &T_out);
        for (size_t b = 0; b < B && st == HARK_OK; b++) {
            st = hark_decode_greedy(lp + b * (size_t)T_out * t->V, out_len[b], t->V,
                                    hark_model_alphabet(t->model), fs, &tr);
            if (st == HARK_OK)
                st = hark_metrics_add(m, t->dev.s[idx[b]].text, tr.text, NULL, NULL);
        }
    }
    if (st == HARK_OK)
        *out = hark_metrics_get(m);
done:
    hark_transcript_clear(&tr);
    hark_batcher_free(bt);
    free(secs);
    hark_metrics_free(m);
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
static hark_status set_provenance(trainer *t)
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
    double secs = 0;
    for (size_t i = 0; i < t->train.n; i++)
        secs += t->train.s[i].seconds;
    cJSON_AddNumberToObject(p, "train_hours", secs / 3600);
    cJSON_AddNumberToObject(p, "steps", (double)t->step);
    cJSON_AddNumberToObject(p, "epochs", t->pr.epoch);
    cJSON_AddNumberToObject(p, "seed", (double)c->seed);
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

static hark_status save_checkpoint(trainer *t)
{
    size_t np = hark_net_num_params(hark_model_net(t->model));
    hark_extra_tensor ex[2] = {{"optimizer.m", hark_adam_m(t->adam), np},
                               {"optimizer.v", hark_adam_v(t->adam), np}};
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return HARK_ERR_NOMEM;
    char rng[32];
    snprintf(rng, sizeof rng, "%016" PRIx64, t->rng);
    cJSON_AddStringToObject(j, "rng", rng);
    cJSON_AddNumberToObject(j, "step", (double)t->step);
    cJSON_AddNumberToObject(j, "adam_steps", (double)hark_adam_steps(t->adam));
    cJSON_AddNumberToObject(j, "epoch", t->epoch);
    cJSON_AddNumberToObject(j, "next_batch", (double)t->next_batch);
    cJSON_AddNumberToObject(j, "loss_sum", t->loss_sum);
    cJSON_AddNumberToObject(j, "loss_n", (double)t->loss_n);
    cJSON_AddNumberToObject(j, "bad_epochs", t->bad_epochs);
    cJSON_AddNumberToObject(j, "skipped", (double)t->pr.skipped);
    cJSON_AddNumberToObject(j, "best_cer", t->pr.best_cer);
    cJSON_AddNumberToObject(j, "best_epoch", t->pr.best_epoch);
    cJSON_AddNumberToObject(j, "dev_cer", t->pr.dev_cer);
    cJSON_AddNumberToObject(j, "dev_wer", t->pr.dev_wer);
    cJSON_AddNumberToObject(j, "dev_utt_acc", t->pr.dev_utt_acc);
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    if (!s)
        return HARK_ERR_NOMEM;
    hark_status st = hark_model_set_meta(t->model, "checkpoint", s);
    free(s);
    if (st == HARK_OK)
        st = set_provenance(t);
    if (st == HARK_OK)
        st = hark_model_save_with(t->model, t->ckpt_path, ex, 2);
    /* The position belongs to the checkpoint only, not to models saved later. */
    cJSON_DeleteItemFromObjectCaseSensitive(t->model->meta, "checkpoint");
    if (st == HARK_OK) {
        t->pr.path = t->ckpt_path;
        notify(t, HARK_TRAIN_CHECKPOINT); /* the run stops anyway when it asked to */
    }
    return st;
}

static double json_num(const cJSON *j, const char *key, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* Load the model, the optimiser state and the position from a checkpoint. */
static hark_status load_checkpoint(trainer *t, const char *path)
{
    hark_model *tmp = hark_model_load(path); /* to learn the size */
    if (!tmp)
        return HARK_ERR_FORMAT;
    size_t np = hark_net_num_params(hark_model_net(tmp));
    int is_checkpoint = hark_model_get_meta(tmp, "checkpoint") != NULL;
    hark_model_free(tmp);
    if (!is_checkpoint)
        return hark_error(HARK_ERR_FORMAT, "%s: a model, not a training checkpoint", path);
    float *mv = malloc(2 * np * sizeof *mv);
    if (!mv)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    hark_extra_tensor ex[2] = {{"optimizer.m", mv, np}, {"optimizer.v", mv + np, np}};
    hark_model *m = hark_model_load_with(path, ex, 2);
    hark_status st = HARK_OK;
    cJSON *j = NULL;
    if (!m) {
        st = HARK_ERR_FORMAT;
        goto done;
    }
    const char *js = hark_model_get_meta(m, "checkpoint");
    j = js ? cJSON_Parse(js) : NULL;
    const cJSON *rng = cJSON_GetObjectItemCaseSensitive(j, "rng");
    if (!cJSON_IsObject(j) || !cJSON_IsString(rng)) {
        st = hark_error(HARK_ERR_FORMAT, "%s: a model, not a training checkpoint", path);
        goto done;
    }
    t->rng = strtoull(rng->valuestring, NULL, 16);
    t->step = (long)json_num(j, "step", 0);
    t->epoch = (int)json_num(j, "epoch", 0);
    t->next_batch = (size_t)json_num(j, "next_batch", 0);
    t->loss_sum = json_num(j, "loss_sum", 0);
    t->loss_n = (long)json_num(j, "loss_n", 0);
    t->bad_epochs = (int)json_num(j, "bad_epochs", 0);
    t->pr.skipped = (long)json_num(j, "skipped", 0);
    t->pr.best_cer = json_num(j, "best_cer", -1);
    t->pr.best_epoch = (int)json_num(j, "best_epoch", 0);
    t->pr.dev_cer = json_num(j, "dev_cer", -1);
    t->pr.dev_wer = json_num(j, "dev_wer", -1);
    t->pr.dev_utt_acc = json_num(j, "dev_utt_acc", -1);
    hark_adam_config ac = hark_adam_default_config();
    ac.lr = t->cfg->lr;
    ac.clip_norm = t->cfg->clip;
    ac.weight_decay = t->cfg->weight_decay;
    t->adam = hark_adam_create(np, &ac);
    if (!t->adam) {
        st = HARK_ERR_NOMEM;
        goto done;
    }
    memcpy(hark_adam_m(t->adam), mv, np * sizeof *mv);
    memcpy(hark_adam_v(t->adam), mv + np, np * sizeof *mv);
    hark_adam_set_steps(t->adam, (long)json_num(j, "adam_steps", 0));
    t->model = m;
    m = NULL;
done:
    cJSON_Delete(j);
    hark_model_free(m);
    free(mv);
    return st;
}

/* The alphabet: configured, or the sorted characters of the training transcripts. */
static char *derive_alphabet(const hark_train_config *c)
{
    if (c->alphabet)
        return strdup(c->alphabet);
    hark_corpus *corp = open_specs(c->train);
    if (!corp)
        return NULL;
    char buf[260];
    size_t n = hark_corpus_charset(corp, buf, sizeof buf);
    hark_corpus_free(corp);
    if (n == 0) {
        hark_error(HARK_ERR_INVALID_ARG, "%s: the transcripts are all empty", c->train);
        return NULL;
    }
    return strdup(buf);
}

static void trainer_free(trainer *t)
{
    dataset_free(&t->train);
    dataset_free(&t->dev);
    for (size_t i = 0; i < t->noise.count; i++)
        free(t->noise.x[i]);
    free(t->noise.x);
    free(t->noise.n);
    hark_batcher_free(t->batcher);
    hark_adam_free(t->adam);
    hark_net_ws_free(t->ws);
    hark_mfcc_free(t->mfcc);
    hark_augmenter_free(t->augmenter);
    hark_model_free(t->model);
    free(t->x);
    free(t->dlogits);
    free(t->losses);
    free(t->aug);
    free(t->lengths);
    free(t->targets);
    free(t->tlen);
    free(t->ckpt_owned);
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A small closed set of training transcripts (commands, digits) is kept in the model so it can be
 * decoded as a grammar of whole phrases (hark_decode_phrases). */
#define MAX_PHRASES 256

static hark_status store_phrases(trainer *t)
{
    const char **all = malloc(t->train.n * sizeof *all);
    if (!all)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < t->train.n; i++)
        all[i] = t->train.s[i].text;
    qsort(all, t->train.n, sizeof *all, cmp_cstr);
    size_t distinct = 0;
    for (size_t i = 0; i < t->train.n; i++)
        distinct += i == 0 || strcmp(all[i], all[i - 1]) != 0;
    hark_status st = HARK_OK;
    if (distinct <= MAX_PHRASES) {
        cJSON *a = cJSON_CreateArray();
        for (size_t i = 0; a && i < t->train.n; i++)
            if (i == 0 || strcmp(all[i], all[i - 1]) != 0)
                cJSON_AddItemToArray(a, cJSON_CreateString(all[i]));
        char *js = a ? cJSON_PrintUnformatted(a) : NULL;
        cJSON_Delete(a);
        st = js ? hark_model_set_meta(t->model, "phrases", js) : hark_error(HARK_ERR_NOMEM, "out of memory");
        free(js);
    }
    free(all);
    return st;
}

/* Build the model (fresh or from the checkpoint), read the data, compute CMVN. */
static hark_status setup(trainer *t)
{
    const hark_train_config *c = t->cfg;
    hark_status st;
    /* Per-utterance CMVN is applied by the extractor; otherwise features are computed raw and
     * normalised with global statistics of the training set. */
    int utt_cmvn = c->feat.cmvn == HARK_CMVN_UTTERANCE;
    hark_mfcc_config raw_cfg = c->feat;
    if (!utt_cmvn)
        raw_cfg.cmvn = HARK_CMVN_NONE;
    if (c->resume) {
        if ((st = load_checkpoint(t, c->resume)) != HARK_OK)
            return st;
    } else {
        char *alpha = derive_alphabet(c);
        if (!alpha)
            return HARK_ERR_INVALID_ARG;
        hark_net_config nc = c->net;
        nc.n_input = hark_mfcc_dim(&raw_cfg);
        nc.n_output = hark_alphabet_size(alpha) + 1;
        t->model = hark_model_create(&nc, &raw_cfg, alpha, c->seed);
        free(alpha);
        if (!t->model)
            return HARK_ERR_INVALID_ARG;
        t->rng = c->seed * 0x9E3779B97F4A7C15ull + 1;
        t->pr.best_cer = t->pr.dev_cer = t->pr.dev_wer = t->pr.dev_utt_acc = -1;
        hark_adam_config ac = hark_adam_default_config();
        ac.lr = c->lr;
        ac.clip_norm = c->clip;
        ac.weight_decay = c->weight_decay;
        t->adam = hark_adam_create(hark_net_num_params(hark_model_net(t->model)), &ac);
        if (!t->adam)
            return HARK_ERR_NOMEM;
    }
    t->D = hark_mfcc_dim(&raw_cfg);
    t->V = hark_net_get_config(hark_model_net(t->model))->n_output;
    const int more_aug = c->vtlp > 0 || c->reverb_prob > 0 || c->telephone_prob > 0;
    t->keep_audio = c->noise_dir || c->speed_min != 1 || c->speed_max != 1 || c->gain_db > 0
                    || c->tilt > 0 || more_aug;
    hark_mfcc *raw = hark_mfcc_create(&raw_cfg);
    if (!raw)
        return HARK_ERR_INVALID_ARG;
    hark_mfcc_stats stats;
    hark_mfcc_stats_init(&stats, t->D);
    st = load_corpus(t, c->train, t->keep_audio, 1, raw, &stats, c->max_duration, &t->train);
    hark_mfcc_config fin = raw_cfg;
    if (st == HARK_OK && !utt_cmvn)
        st = hark_mfcc_stats_apply(&stats, &fin);
    /* A resumed run keeps the statistics it started with (they are the same numbers anyway). */
    if (st == HARK_OK && c->resume)
        fin = *hark_model_feature_config(t->model);
    else if (st == HARK_OK)
        st = hark_model_set_feature_config(t->model, &fin);
    if (st == HARK_OK && c->dev)
        st = load_corpus(t, c->dev, 0, 0, raw, NULL, 0, &t->dev);
    hark_mfcc_free(raw);
    if (st != HARK_OK)
        return st;
    /* The extractor's own global CMVN, so training sees exactly the numbers inference will. */
    for (size_t i = 0; i < t->train.n && !utt_cmvn && st == HARK_OK; i++)
        st = hark_mfcc_apply_cmvn(&fin, t->train.s[i].feats, (size_t)t->train.s[i].T);
    for (size_t i = 0; i < t->dev.n && !utt_cmvn && st == HARK_OK; i++)
        st = hark_mfcc_apply_cmvn(&fin, t->dev.s[i].feats, (size_t)t->dev.s[i].T);
    if (st != HARK_OK)
        return st;
    if (t->keep_audio && !(t->mfcc = hark_mfcc_create(&fin)))
        return HARK_ERR_INVALID_ARG;
    if (more_aug) {
        hark_augmenter_config ac = hark_augmenter_default_config();
        ac.vtlp = c->vtlp;
        ac.reverb_prob = c->reverb_prob;
        ac.telephone_prob = c->telephone_prob;
        ac.seed = c->seed;
        if (!(t->augmenter = hark_augmenter_create(&fin, &ac)))
            return HARK_ERR_INVALID_ARG;
    }
    if (c->noise_dir && (st = load_noise(t, c->noise_dir)) != HARK_OK)
        return st;
    if ((st = store_phrases(t)) != HARK_OK)
        return st;

    double *secs = malloc(t->train.n * sizeof *secs);
    if (!secs)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < t->train.n; i++)
        secs[i] = t->train.s[i].seconds;
    hark_batch_params bp = hark_batch_default_params();
    bp.max_utts = (size_t)c->batch;
    t->batcher = hark_batcher_new(secs, t->train.n, &bp);
    free(secs);
    if (!t->batcher)
        return HARK_ERR_NOMEM;
    t->losses = malloc((size_t)c->batch * sizeof *t->losses);
    t->lengths = malloc((size_t)c->batch * sizeof *t->lengths);
    t->tlen = malloc((size_t)c->batch * sizeof *t->tlen);
    if (!t->losses || !t->lengths || !t->tlen)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    int max_T = t->train.max_T > t->dev.max_T ? t->train.max_T : t->dev.max_T;
    if (t->keep_audio && c->speed_min < 1)
        max_T = (int)(max_T / c->speed_min) + 2;
    return ensure_ws(t, c->batch, max_T);
}

/* End of an epoch: evaluate, keep the best model, decide on early stopping. Returns 1 to stop. */
static int end_epoch(trainer *t, hark_status *st)
{
    const hark_train_config *c = t->cfg;
    if (!c->dev)
        return 0;
    hark_metrics_summary s;
    if ((*st = evaluate(t, &s)) != HARK_OK)
        return 1;
    t->pr.dev_cer = s.cer;
    t->pr.dev_wer = s.wer;
    t->pr.dev_utt_acc = s.utt_acc;
    int improved = t->pr.best_cer < 0 || s.cer < t->pr.best_cer;
    if (improved) {
        t->pr.best_cer = s.cer;
        t->pr.best_epoch = t->epoch + 1;
        t->bad_epochs = 0;
        if ((*st = set_provenance(t)) == HARK_OK)
            *st = hark_model_save(t->model, c->output);
        if (*st != HARK_OK)
            return 1;
        t->pr.path = c->output;
        if (notify(t, HARK_TRAIN_SAVED))
            return 2;
    } else {
        t->bad_epochs++;
    }
    if (notify(t, HARK_TRAIN_EVAL))
        return 2;
    return c->patience > 0 && t->bad_epochs >= c->patience;
}

hark_status hark_train(const hark_train_config *cfg, hark_train_callback cb, void *user_data)
{
    if (!cfg || !cfg->train || !cfg->output)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_train: the training corpus and the output "
                                                "path are required");
    if (cfg->epochs < 1 || cfg->batch < 1 || cfg->batch > 512 || !(cfg->lr > 0)
        || cfg->speed_min <= 0 || cfg->speed_max < cfg->speed_min || cfg->snr_max < cfg->snr_min
        || cfg->bptt_steps < 0)
        return hark_error(HARK_ERR_INVALID_ARG,
                          "hark_train: epochs >= 1, batch 1..512, lr > 0, bptt steps >= 0, speed "
                          "and SNR ranges with min <= max are required");
    trainer t;
    memset(&t, 0, sizeof t);
    t.cfg = cfg;
    t.cb = cb;
    t.user = user_data;
    t.t0 = now_seconds();
    t.pr.epochs = cfg->epochs;
    t.pr.best_cer = t.pr.dev_cer = t.pr.dev_wer = t.pr.dev_utt_acc = -1;
    if (cfg->checkpoint) {
        t.ckpt_path = cfg->checkpoint;
    } else {
        size_t len = strlen(cfg->output) + 6;
        if (!(t.ckpt_owned = malloc(len))) {
            trainer_free(&t);
            return hark_error(HARK_ERR_NOMEM, "out of memory");
        }
        snprintf(t.ckpt_owned, len, "%s.ckpt", cfg->output);
        t.ckpt_path = t.ckpt_owned;
    }
    hark_status st = setup(&t);
    if (st != HARK_OK) {
        trainer_free(&t);
        return st;
    }
    size_t nb = hark_batcher_plan(t.batcher, cfg->seed * 1000003u + (uint64_t)t.epoch, 1);
    t.sched_steps = t.pr.total_steps = (long)nb * cfg->epochs;
    if (cfg->max_steps > 0 && cfg->max_steps < t.pr.total_steps)
        t.pr.total_steps = cfg->max_steps;
    int stop = 0; /* 1: finished early; 2: interrupted */
    for (; t.epoch < cfg->epochs && !stop; t.epoch++) {
        nb = hark_batcher_plan(t.batcher, cfg->seed * 1000003u + (uint64_t)t.epoch, 1);
        t.pr.epoch = t.epoch + 1;
        for (; t.next_batch < nb; t.next_batch++) {
            if (cfg->max_steps > 0 && t.step >= cfg->max_steps) {
                stop = 1;
                break;
            }
            size_t B;
            const size_t *idx = hark_batcher_batch(t.batcher, t.next_batch, &B);
            if ((st = train_step(&t, idx, B)) != HARK_OK)
                goto out;
            t.pr.step = t.step;
            t.pr.loss = t.loss_n > 0 ? t.loss_sum / (double)t.loss_n : 0;
            int want_stop = notify(&t, HARK_TRAIN_STEP);
            if (want_stop || (cfg->checkpoint_every > 0 && t.step % cfg->checkpoint_every == 0)) {
                t.next_batch++; /* the checkpoint resumes after this batch */
                st = save_checkpoint(&t);
                t.next_batch--;
                if (st != HARK_OK)
                    goto out;
            }
            if (want_stop) {
                st = hark_error(HARK_ERR_INTERRUPTED, "training interrupted at step %ld; resume "
                                "with the checkpoint %s", t.step, t.ckpt_path);
                goto out;
            }
        }
        if (stop)
            break;
        t.next_batch = 0;
        int e = end_epoch(&t, &st);
        if (st != HARK_OK)
            goto out;
        if (e == 2) {
            t.epoch++;
            save_checkpoint(&t);
            st = hark_error(HARK_ERR_INTERRUPTED, "training interrupted after epoch %d", t.epoch);
            goto out;
        }
        stop = e;
        t.loss_sum = 0;
        t.loss_n = 0;
    }
    if (stop == 1 && cfg->max_steps > 0 && t.step >= cfg->max_steps)
        st = save_checkpoint(&t);
    if (st == HARK_OK && !cfg->dev) { /* nothing to choose by: the last weights are the model */
        if ((st = set_provenance(&t)) == HARK_OK)
            st = hark_model_save(t.model, cfg->output);
        t.pr.path = cfg->output;
        if (st == HARK_OK)
            notify(&t, HARK_TRAIN_SAVED);
    }
out:
    trainer_free(&t);
    return st;
}
