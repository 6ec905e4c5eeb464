/* loop.c - hark_train: set up (model fresh or from a checkpoint, the datasets, global CMVN from a
 * sample of the training set), then per epoch a length-bucketed shuffled plan of global batches
 * that the reader thread streams from disk, one data-parallel step per batch (reduce.c), Adam with
 * warm-up and cosine decay, dev evaluation with the best model kept, early stopping, and
 * checkpoints that resume exactly.
 *
 * Reproducibility: the plan of an epoch is a pure function of (seed, epoch); augmentation draws
 * from (seed, epoch, batch, utterance) and dropout from (seed, step, utterance), so stop + resume
 * equals an uninterrupted run, and the weights do not depend on timing. With MPI, every rank runs
 * this loop on its slice of each batch, steps the same Adam state, evaluates the same dev set
 * (so all reach the same decisions), and only rank 0 writes files. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "model/model_internal.h"
#include "train/train_internal.h"

/* Global CMVN statistics come from at most this much training audio (a seeded sample), so
 * setting up costs the same for 1 hour and for 1000. */
#define CMVN_BUDGET_SECONDS 3600.0
#define READ_AHEAD 2

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

/* One optimiser step on global batch b (this rank holds its slice). */
static hark_status train_step(trainer *t, const train_batch *b, size_t B_global)
{
    const hark_train_config *c = t->cfg;
    hark_net *net = hark_model_net_mut(t->model);
    train_dp_result r;
    hark_status st = train_dp_step(t->dp, b, train_mix(c->seed ^ 0xD5, (uint64_t)t->s.step), &r);
    if (st != HARK_OK)
        return st;
    t->audio_done += r.seconds;
    long finite = (long)r.finite;
    t->pr.skipped += (long)B_global - finite;
    t->s.step++;
    t->pr.lr = lr_at(c, t->s.step - 1, t->sched_steps);
    if (finite == 0)
        return HARK_OK;
    /* The mean loss over the batch's utterances is what the step minimises. */
    float scale = 1.0f / (float)finite, *g = hark_net_grads(net);
    size_t np = hark_net_num_params(net);
    for (size_t i = 0; i < np; i++)
        g[i] *= scale;
    float norm = 0;
    st = hark_adam_step(t->adam, hark_net_params(net), g, (float)t->pr.lr, &norm);
    if (st == HARK_ERR_NUMERIC) { /* a bad batch must not poison the weights: skip it */
        t->pr.skipped += finite;
        return HARK_OK;
    }
    if (st != HARK_OK)
        return st;
    t->pr.grad_norm = norm;
    t->s.loss_sum += r.loss_sum;
    t->s.loss_n += finite;
    return HARK_OK;
}

static hark_batcher *make_batcher(const train_dataset *d, int batch)
{
    double *secs = malloc((d->n ? d->n : 1) * sizeof *secs);
    if (!secs) {
        hark_error(HARK_ERR_NOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < d->n; i++)
        secs[i] = d->seconds[i];
    hark_batch_params bp = hark_batch_default_params();
    bp.max_utts = (size_t)batch;
    hark_batcher *b = hark_batcher_new(secs, d->n, &bp);
    free(secs);
    return b;
}

typedef struct eval_ctx {
    trainer *t;
    hark_metrics *m;
    hark_transcript tr;
    const train_batch *b;
} eval_ctx;

/* Decode one slice of a dev batch and score it (called in slice order). */
static hark_status eval_slice(const float *lp, const int *out_len, int B, int T_out, int first,
                              void *user)
{
    eval_ctx *e = user;
    const char *text = e->b->texts;
    for (int u = 0; u < first; u++)
        text += strlen(text) + 1;
    double fs = hark_model_frame_seconds(e->t->model);
    hark_status st = HARK_OK;
    for (int u = 0; u < B && st == HARK_OK; u++) {
        st = hark_decode_greedy(lp + (size_t)u * T_out * e->t->V, out_len[u], e->t->V,
                                hark_model_alphabet(e->t->model), fs, &e->tr);
        if (st == HARK_OK)
            st = hark_metrics_add(e->m, text, e->tr.text, NULL, NULL);
        text += strlen(text) + 1;
    }
    return st;
}

/* Dev CER/WER/utterance accuracy with greedy decoding, batched by length, streamed like the
 * training data, each batch's forward split over the worker threads. Every rank evaluates the
 * whole set, so all take the same decisions without talking. */
static hark_status evaluate(trainer *t, hark_metrics_summary *out)
{
    eval_ctx e = {.t = t, .m = hark_metrics_create()};
    hark_metrics *m = e.m;
    hark_batcher *bt = make_batcher(&t->dev, t->cfg->batch);
    train_reader *r = NULL;
    hark_status st = m && bt ? HARK_OK : HARK_ERR_NOMEM;
    if (st == HARK_OK) {
        train_reader_config rc = {.data = &t->dev, .plan = bt, .first = 0,
                                  .end = hark_batcher_count(bt), .rank = 0, .ranks = 1,
                                  .aug = &t->clean, .depth = READ_AHEAD};
        if (!(r = train_reader_start(&rc)))
            st = HARK_ERR_NOMEM;
    }
    train_batch *b = NULL;
    while (st == HARK_OK && (st = train_reader_next(r, &b)) == HARK_OK && b) {
        e.b = b;
        st = train_dp_forward(t->dp, b, eval_slice, &e);
        train_reader_release(r, b);
    }
    if (st == HARK_OK)
        *out = hark_metrics_get(m);
    train_reader_stop(r);
    hark_transcript_clear(&e.tr);
    hark_batcher_free(bt);
    hark_metrics_free(m);
    return st;
}

/* A small closed set of training transcripts (commands, digits) is kept in the model so it can be
 * decoded as a grammar of whole phrases (hark_decode_phrases). */
static hark_status store_phrases(trainer *t)
{
    if (t->train.many_phrases)
        return HARK_OK;
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < t->train.n_phrases; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(t->train.phrases[i]));
    char *js = a ? cJSON_PrintUnformatted(a) : NULL;
    cJSON_Delete(a);
    hark_status st = js ? hark_model_set_meta(t->model, "phrases", js)
                        : hark_error(HARK_ERR_NOMEM, "out of memory");
    free(js);
    return st;
}

/* A fine-tuned model's base counts (kept by train_init_load) added to the new data's. */
static hark_status add_base_word_counts(trainer *t)
{
    const char *js = hark_model_get_meta(t->model, "base_word_counts");
    if (!js)
        return HARK_OK;
    cJSON *o = cJSON_Parse(js);
    hark_status st = cJSON_IsObject(o) ? HARK_OK
                     : hark_error(HARK_ERR_FORMAT, "the base model's word counts are not a "
                                                   "JSON object");
    const cJSON *v;
    cJSON_ArrayForEach(v, o) {
        if (st == HARK_OK && cJSON_IsNumber(v) && v->valuedouble >= 1)
            st = str_count_add(&t->train.words, v->string, (uint64_t)v->valuedouble);
    }
    cJSON_Delete(o);
    return st;
}

/* Phone models: how often each word occurs in the training transcripts (plus a fine-tuned
 * model's base counts), as the JSON object (words sorted) the lexicon loop's word prior is made
 * from (HARK_WORD_COUNTS_META). Counted afresh from the data at every start, so a resumed run
 * does not count twice. */
static hark_status store_word_counts(trainer *t)
{
    const str_count *wc = &t->train.words;
    hark_status st0 = t->units ? add_base_word_counts(t) : HARK_OK;
    if (st0 != HARK_OK)
        return st0;
    if (!t->units || wc->n == 0)
        return HARK_OK;
    const char **keys = str_count_sorted_keys(wc);
    cJSON *o = cJSON_CreateObject();
    int ok = keys && o;
    for (size_t i = 0; ok && i < wc->n; i++)
        ok = cJSON_AddNumberToObject(o, keys[i], (double)str_count_get(wc, keys[i])) != NULL;
    char *js = ok ? cJSON_PrintUnformatted(o) : NULL;
    free(keys);
    cJSON_Delete(o);
    hark_status st = js ? hark_model_set_meta(t->model, HARK_WORD_COUNTS_META, js)
                        : hark_error(HARK_ERR_NOMEM, "out of memory");
    free(js);
    return st;
}

static int cmvn_progress(size_t done, size_t total, void *user)
{
    trainer *t = user;
    t->pr.loaded = done;
    t->pr.to_load = total;
    return train_notify(t, HARK_TRAIN_LOADING);
}

/* Whether the model comes from a file (a checkpoint to resume, a model to fine-tune) rather
 * than from the configuration. */
static int from_file(const hark_train_config *c)
{
    return c->resume || c->init;
}

/* Phone models: the units that spell the transcripts (the loaded model's, with its lexicon, when
 * resuming or fine-tuning) with the extra word list learnt. Character models need none. */
static hark_status make_units(trainer *t)
{
    const hark_train_config *c = t->cfg;
    hark_unit_kind kind = from_file(c) ? hark_units_kind(hark_model_units(t->model)) : c->units;
    if (kind != HARK_UNITS_PHONES)
        return HARK_OK;
    t->units = from_file(c) ? hark_units_copy(hark_model_units(t->model))
                            : hark_units_create(HARK_UNITS_PHONES, NULL);
    if (!t->units)
        return HARK_ERR_NOMEM;
    return c->lexicon_words ? train_learn_words(t->units, c->lexicon_words) : HARK_OK;
}

/* A fresh model for the training set's alphabet (the phones' for phone models), or the loaded
 * one; phone models then carry the lexicon of the training words. */
static hark_status make_model(trainer *t, const hark_mfcc_config *raw)
{
    const hark_train_config *c = t->cfg;
    if (from_file(c))
        return t->units ? hark_model_set_units(t->model, t->units) : HARK_OK;
    const char *alpha = t->units ? hark_units_alphabet(t->units)
                        : c->alphabet ? c->alphabet : t->train.charset;
    if (!alpha[0])
        return hark_error(HARK_ERR_INVALID_ARG, "%s: the transcripts are all empty", c->train);
    hark_net_config nc = c->net;
    nc.n_input = hark_mfcc_dim(raw);
    nc.n_output = hark_alphabet_size(alpha) + 1;
    if (!(t->model = hark_model_create(&nc, raw, alpha, c->seed)))
        return HARK_ERR_INVALID_ARG;
    hark_status st = t->units ? hark_model_set_units(t->model, t->units) : HARK_OK;
    if (st != HARK_OK)
        return st;
    t->pr.best_cer = t->pr.dev_cer = t->pr.dev_wer = t->pr.dev_utt_acc = -1;
    if (!(t->adam = train_adam_create(c, hark_net_num_params(hark_model_net(t->model)))))
        return HARK_ERR_NOMEM;
    return HARK_OK;
}

/* The final feature configuration: per-utterance CMVN as configured, the loaded model's when
 * resuming or fine-tuning, else statistics from a sample of the training set: global CMVN's of the raw
 * features, live CMVN's of the features less their sliding mean (so the net's inputs have unit
 * variance either way). A checkpoint of global CMVN resumed with live CMVN asked for switches to
 * it here: the network goes on from its weights with the new inputs (a warm start). */
static hark_status feature_config(trainer *t, const hark_mfcc_config *raw)
{
    const int live = t->cfg->feat.cmvn == HARK_CMVN_LIVE;
    t->feat = *raw;
    if (from_file(t->cfg)) {
        t->feat = *hark_model_feature_config(t->model);
        if (!live || t->feat.cmvn != HARK_CMVN_GLOBAL)
            return HARK_OK;
        t->feat.cmvn = HARK_CMVN_NONE;
        t->feat.cmvn_window = t->cfg->feat.cmvn_window;
        t->feat.cmvn_min_window = t->cfg->feat.cmvn_min_window;
    }
    if (t->feat.cmvn == HARK_CMVN_UTTERANCE)
        return hark_model_set_feature_config(t->model, &t->feat);
    hark_mfcc_config sample = t->feat;
    if (live) {
        sample.cmvn = HARK_CMVN_LIVE;
        hark_mfcc_stats_identity(&sample);
    }
    hark_mfcc_stats stats;
    hark_mfcc_stats_init(&stats, t->D);
    hark_status st = train_cmvn_sample(&t->train, &sample, t->cfg->seed, CMVN_BUDGET_SECONDS,
                                       &stats, cmvn_progress, t);
    if (st == HARK_OK)
        st = hark_mfcc_stats_apply(&stats, &t->feat);
    if (live)
        t->feat.cmvn = HARK_CMVN_LIVE;
    if (st == HARK_OK)
        st = hark_model_set_feature_config(t->model, &t->feat);
    return st;
}

/* Build the model (fresh or from the checkpoint), index the data, compute CMVN. */
static hark_status setup(trainer *t)
{
    const hark_train_config *c = t->cfg;
    hark_status st;
    hark_mfcc_config raw = c->feat;
    if (raw.cmvn != HARK_CMVN_UTTERANCE)
        raw.cmvn = HARK_CMVN_NONE;
    if (c->resume && (st = train_checkpoint_load(t, c->resume)) != HARK_OK)
        return st;
    if (c->init && (st = train_init_load(t, c->init)) != HARK_OK)
        return st;
    if (c->resume && c->new_dev) { /* the checkpoint's best was measured on another dev set */
        t->pr.best_cer = t->s.best_cer = -1;
        t->pr.best_epoch = t->s.best_epoch = 0;
        t->s.bad_epochs = 0;
    }
    if ((st = make_units(t)) != HARK_OK)
        return st;
    t->pr.cer_name = t->units ? "PER" : "CER";
    const char *alpha = from_file(c) ? hark_model_alphabet(t->model)
                        : t->units ? hark_units_alphabet(t->units) : c->alphabet;
    if ((st = train_dataset_open(&t->train, c->train, &raw, c->max_duration, alpha, t->units, 1))
        != HARK_OK)
        return st;
    t->D = hark_mfcc_dim(&raw);
    if ((st = make_model(t, &raw)) != HARK_OK || (st = feature_config(t, &raw)) != HARK_OK)
        return st;
    t->V = hark_net_get_config(hark_model_net(t->model))->n_output;
    if (c->dev && (st = train_dataset_open(&t->dev, c->dev, &raw, 0, NULL, t->units, 0)) != HARK_OK)
        return st;
    if ((st = train_augmenter_init(&t->aug, c, &t->feat, 1)) != HARK_OK
        || (st = train_augmenter_init(&t->clean, c, &t->feat, 0)) != HARK_OK)
        return st;
    if ((st = store_phrases(t)) != HARK_OK || (st = store_word_counts(t)) != HARK_OK)
        return st;
    if (!(t->batcher = make_batcher(&t->train, c->batch)))
        return HARK_ERR_NOMEM;
    if (!(t->dp = train_dp_create(hark_model_net_mut(t->model), c->threads, c->bptt_steps)))
        return HARK_ERR_NOMEM;
    t->rank = train_dp_rank(t->dp);
    /* Workspaces for the longest utterance now (it grows later if a header understated it). */
    double longest = t->train.max_seconds > t->dev.max_seconds ? t->train.max_seconds
                                                                 : t->dev.max_seconds;
    if (train_wants_audio(c) && c->speed_min < 1)
        longest /= c->speed_min;
    int max_T = (int)hark_mfcc_num_frames(&t->feat, (size_t)(longest * t->feat.sample_rate)) + 2;
    int ranks = train_dp_ranks(t->dp), per = (c->batch + ranks - 1) / ranks;
    return train_dp_reserve(t->dp, (per + c->threads - 1) / c->threads, max_T);
}

/* End of an epoch: evaluate, keep the best model, decide on early stopping. Returns 1 to stop,
 * 2 when the callback asked to. */
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
        t->pr.best_epoch = t->s.epoch + 1;
        t->s.bad_epochs = 0;
        if (t->rank == 0 && (*st = train_set_provenance(t)) == HARK_OK)
            *st = hark_model_save(t->model, c->output);
        if (*st != HARK_OK)
            return 1;
        t->pr.path = c->output;
        if (t->rank == 0 && train_notify(t, HARK_TRAIN_SAVED))
            return 2;
    } else {
        t->s.bad_epochs++;
    }
    if (train_notify(t, HARK_TRAIN_EVAL))
        return 2;
    return c->patience > 0 && t->s.bad_epochs >= c->patience;
}

/* The callback's wish to stop, agreed by all ranks (any rank's Ctrl-C stops them all at the
 * same step). */
static int want_stop(trainer *t)
{
    double v = train_notify(t, HARK_TRAIN_STEP) ? 1 : 0;
    if (train_dp_sum(t->dp, &v, 1) != HARK_OK)
        return 1;
    return v > 0;
}

/* The batches of one epoch from t->s.next_batch on. Returns 1 when max_steps ended the run. */
static int run_epoch(trainer *t, size_t nb, hark_status *st)
{
    const hark_train_config *c = t->cfg;
    train_reader_config rc = {.data = &t->train, .plan = t->batcher,
                              .first = (size_t)t->s.next_batch, .end = nb,
                              .rank = t->rank, .ranks = train_dp_ranks(t->dp),
                              .alphabet = hark_model_alphabet(t->model), .aug = &t->aug,
                              .seed = train_mix(c->seed, (uint64_t)t->s.epoch + 1),
                              .depth = READ_AHEAD};
    train_reader *r = train_reader_start(&rc);
    if (!r) {
        *st = HARK_ERR_NOMEM;
        return 0;
    }
    int stop = 0;
    train_batch *b = NULL;
    while ((*st = train_reader_next(r, &b)) == HARK_OK && b) {
        if (c->max_steps > 0 && t->s.step >= c->max_steps) {
            train_reader_release(r, b);
            stop = 1;
            break;
        }
        size_t Bg;
        hark_batcher_batch(t->batcher, b->index, &Bg);
        size_t index = b->index;
        *st = train_step(t, b, Bg);
        train_reader_release(r, b); /* b is the reader's again */
        if (*st != HARK_OK)
            break;
        t->s.next_batch = (double)(index + 1); /* a checkpoint resumes after this batch */
        t->pr.step = t->s.step;
        t->pr.loss = t->s.loss_n > 0 ? t->s.loss_sum / (double)t->s.loss_n : 0;
        int ask = want_stop(t);
        if (ask || (c->checkpoint_every > 0 && t->s.step % c->checkpoint_every == 0))
            if ((*st = train_checkpoint_save(t)) != HARK_OK)
                break;
        if (ask) {
            *st = hark_error(HARK_ERR_INTERRUPTED, "training interrupted at step %ld; resume "
                             "with the checkpoint %s", t->s.step, t->ckpt_path);
            break;
        }
    }
    train_reader_stop(r);
    return stop;
}

static void trainer_free(trainer *t)
{
    train_dataset_close(&t->train);
    train_dataset_close(&t->dev);
    train_augmenter_free(&t->aug);
    train_augmenter_free(&t->clean);
    hark_batcher_free(t->batcher);
    hark_adam_free(t->adam);
    train_dp_free(t->dp);
    hark_model_free(t->model);
    hark_units_free(t->units);
    free(t->ckpt_owned);
}

static hark_status trainer_init(trainer *t, const hark_train_config *cfg, hark_train_callback cb,
                                void *user_data)
{
    memset(t, 0, sizeof *t);
    t->cfg = cfg;
    t->cb = cb;
    t->user = user_data;
    t->t0 = util_now_seconds();
    t->pr.epochs = cfg->epochs;
    t->pr.best_cer = t->pr.dev_cer = t->pr.dev_wer = t->pr.dev_utt_acc = -1;
    if (cfg->checkpoint) {
        t->ckpt_path = cfg->checkpoint;
        return HARK_OK;
    }
    size_t len = strlen(cfg->output) + 6;
    if (!(t->ckpt_owned = malloc(len)))
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    snprintf(t->ckpt_owned, len, "%s.ckpt", cfg->output);
    t->ckpt_path = t->ckpt_owned;
    return HARK_OK;
}

/* The epochs; st is the outcome. */
static hark_status run(trainer *t)
{
    const hark_train_config *cfg = t->cfg;
    size_t nb = hark_batcher_plan(t->batcher, cfg->seed * 1000003u + (uint64_t)t->s.epoch, 1);
    t->sched_steps = t->pr.total_steps = (long)nb * cfg->epochs;
    if (cfg->max_steps > 0 && cfg->max_steps < t->pr.total_steps)
        t->pr.total_steps = cfg->max_steps;
    hark_status st = HARK_OK;
    int stop = 0; /* 1: finished early */
    for (; t->s.epoch < cfg->epochs && !stop; t->s.epoch++) {
        nb = hark_batcher_plan(t->batcher, cfg->seed * 1000003u + (uint64_t)t->s.epoch, 1);
        t->pr.epoch = t->s.epoch + 1;
        stop = run_epoch(t, nb, &st);
        if (st != HARK_OK)
            return st;
        if (stop)
            break;
        t->s.next_batch = 0;
        int e = end_epoch(t, &st);
        if (st != HARK_OK)
            return st;
        if (e == 2) {
            t->s.epoch++;
            train_checkpoint_save(t);
            return hark_error(HARK_ERR_INTERRUPTED, "training interrupted after epoch %d", t->s.epoch);
        }
        stop = e;
        t->s.loss_sum = 0;
        t->s.loss_n = 0;
    }
    if (stop == 1 && cfg->max_steps > 0 && t->s.step >= cfg->max_steps)
        st = train_checkpoint_save(t);
    if (st == HARK_OK && !cfg->dev && t->rank == 0) { /* nothing to choose by: the last weights */
        if ((st = train_set_provenance(t)) == HARK_OK)
            st = hark_model_save(t->model, cfg->output);
        t->pr.path = cfg->output;
        if (st == HARK_OK)
            train_notify(t, HARK_TRAIN_SAVED);
    }
    return st;
}

hark_status hark_train(const hark_train_config *cfg, hark_train_callback cb, void *user_data)
{
    hark_status st = train_check_config(cfg);
    if (st != HARK_OK)
        return st;
    trainer t;
    st = trainer_init(&t, cfg, cb, user_data);
    if (st == HARK_OK)
        st = setup(&t);
    if (st == HARK_OK)
        st = run(&t);
    trainer_free(&t);
    return st;
}
