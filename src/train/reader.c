/* reader.c - the prefetching reader: one thread reads the audio of the coming batches from disk,
 * turns it into features (through the augmentation step of trainer.c) and packs this rank's
 * slice of each batch, padded, while the network trains on the batch before. The queue holds
 * `depth` batches, so memory is a few batches whatever the size of the corpus.
 *
 * Order and randomness: batches come out in plan order; the augmentation of the utterance at
 * position p of batch i draws from train_mix(seed, i, p), so what a batch holds does not depend
 * on timing, on the rank count or on where a resumed run started. The reader thread is the only
 * user of its augmenter while it runs. Also here: global CMVN statistics from a seeded sample. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "hark/audio.h"
#include "hark/model.h"
#include "train/train_internal.h"

struct train_reader {
    train_reader_config c;
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    train_batch *pool;   /* depth + 1 batches: depth queued, one with the consumer */
    int n_pool;
    int *free_list, n_free;
    train_batch **ready; /* FIFO of filled batches, in plan order */
    int head, n_ready;
    int done, stop;
    char *rec;           /* record buffer of the reader thread */
    size_t cap_rec;
};

static hark_status nomem(void)
{
    return hark_error(HARK_ERR_NOMEM, "out of memory");
}

/* Room for B utterances in b. */
static hark_status batch_reserve(train_batch *b, size_t B)
{
    size_t cap = b->cap_b;
    if (B <= cap)
        return HARK_OK;
    size_t c1 = cap, c2 = cap;
    if (util_grow(&b->lengths, &c1, B, sizeof *b->lengths, 0)
        || util_grow(&b->tlen, &c2, B, sizeof *b->tlen, 0))
        return nomem();
    b->cap_b = c1 < c2 ? c1 : c2;
    return HARK_OK;
}

/* Append one utterance's transcript (and its labels when encoding) to b. */
static hark_status batch_add_text(train_reader *r, train_batch *b, int u, const char *text,
                                  size_t *n_targets, size_t *n_texts)
{
    size_t lt = strlen(text) + 1;
    if (util_grow(&b->texts, &b->cap_texts, *n_texts + lt, 1, 0))
        return nomem();
    memcpy(b->texts + *n_texts, text, lt);
    *n_texts += lt;
    b->tlen[u] = 0;
    if (!r->c.alphabet)
        return HARK_OK;
    int nl = 0;
    hark_status st = hark_alphabet_encode(r->c.alphabet, text, NULL, 0, &nl);
    if (st != HARK_OK)
        return st;
    if (util_grow(&b->targets, &b->cap_targets, *n_targets + (size_t)nl + 1, sizeof(int), 0))
        return nomem();
    st = hark_alphabet_encode(r->c.alphabet, text, b->targets + *n_targets, nl, &b->tlen[u]);
    *n_targets += (size_t)b->tlen[u];
    return st;
}

/* Read utterance `idx` (position p of batch i) into the slice's feature arena. */
static hark_status read_utt(train_reader *r, train_batch *b, int u, size_t idx, size_t p,
                            size_t *n_feats, size_t *n_targets, size_t *n_texts)
{
    const char *path, *text;
    hark_status st = train_dataset_get(r->c.data, idx, &r->rec, &r->cap_rec, &path, &text);
    if (st != HARK_OK)
        return st;
    float *audio = NULL;
    size_t na = 0;
    const hark_mfcc_config *fc = hark_mfcc_get_config(r->c.aug->mfcc);
    if ((st = hark_audio_load(path, fc->sample_rate, &audio, &na, NULL)) != HARK_OK)
        return st;
    const float *f = NULL;
    int T = 0;
    uint64_t rng = train_mix(train_mix(r->c.seed, b->index), p);
    st = train_augment_utt(r->c.aug, audio, na, rng, &f, &T);
    free(audio);
    if (st != HARK_OK)
        return st;
    int D = r->c.aug->D, Tk = T > 0 ? T : 1; /* below one frame: one silent frame */
    if (util_grow(&b->feats, &b->cap_feats, *n_feats + (size_t)Tk * D, sizeof(float), 0))
        return nomem();
    if (T > 0)
        memcpy(b->feats + *n_feats, f, (size_t)T * D * sizeof(float));
    else
        memset(b->feats + *n_feats, 0, (size_t)D * sizeof(float));
    *n_feats += (size_t)Tk * D;
    b->lengths[u] = Tk;
    if (Tk > b->T)
        b->T = Tk;
    b->seconds += (double)na / fc->sample_rate;
    if ((st = batch_add_text(r, b, u, text, n_targets, n_texts)) != HARK_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", hark_last_error());
        return hark_error(st, "%s: %s", path, why);
    }
    return HARK_OK;
}

/* Pack the concatenated features into the padded (B, T, D) batch. */
static hark_status batch_pack(train_batch *b, int D)
{
    size_t need = (size_t)b->B * (size_t)b->T * D;
    if (util_grow(&b->x, &b->cap_x, need ? need : 1, sizeof(float), 0))
        return nomem();
    memset(b->x, 0, need * sizeof(float));
    const float *src = b->feats;
    for (int u = 0; u < b->B; u++) {
        memcpy(b->x + (size_t)u * b->T * D, src, (size_t)b->lengths[u] * D * sizeof(float));
        src += (size_t)b->lengths[u] * D;
    }
    return HARK_OK;
}

/* Fill b with this rank's slice of batch i of the plan. */
static hark_status fill_batch(train_reader *r, train_batch *b, size_t i)
{
    size_t Bg;
    const size_t *idx = hark_batcher_batch(r->c.plan, i, &Bg);
    size_t lo = Bg * (size_t)r->c.rank / (size_t)r->c.ranks;
    size_t hi = Bg * (size_t)(r->c.rank + 1) / (size_t)r->c.ranks;
    b->index = i;
    b->first = lo;
    b->B = (int)(hi - lo);
    b->T = 0;
    b->seconds = 0;
    b->st = HARK_OK;
    hark_status st = batch_reserve(b, hi - lo + 1);
    size_t n_feats = 0, n_targets = 0, n_texts = 0;
    for (size_t p = lo; p < hi && st == HARK_OK; p++)
        st = read_utt(r, b, (int)(p - lo), idx[p], p, &n_feats, &n_targets, &n_texts);
    if (st == HARK_OK)
        st = batch_pack(b, r->c.aug->D);
    return st;
}

static void *reader_main(void *arg)
{
    train_reader *r = arg;
    for (size_t i = r->c.first; i < r->c.end; i++) {
        pthread_mutex_lock(&r->mu);
        while (!r->stop && r->n_free == 0)
            pthread_cond_wait(&r->cv, &r->mu);
        if (r->stop) {
            pthread_mutex_unlock(&r->mu);
            break;
        }
        train_batch *b = &r->pool[r->free_list[--r->n_free]];
        pthread_mutex_unlock(&r->mu);
        hark_status st = fill_batch(r, b, i);
        if (st != HARK_OK) {
            b->st = st;
            snprintf(b->err, sizeof b->err, "%s", hark_last_error());
        }
        pthread_mutex_lock(&r->mu);
        r->ready[(r->head + r->n_ready++) % r->n_pool] = b;
        if (st != HARK_OK)
            r->stop = 1; /* nothing after a failure */
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        if (st != HARK_OK)
            break;
    }
    pthread_mutex_lock(&r->mu);
    r->done = 1;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static void reader_free(train_reader *r)
{
    for (int i = 0; i < r->n_pool; i++) {
        train_batch *b = &r->pool[i];
        free(b->x);
        free(b->lengths);
        free(b->tlen);
        free(b->targets);
        free(b->texts);
        free(b->feats);
    }
    free(r->pool);
    free(r->free_list);
    free(r->ready);
    free(r->rec);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r);
}

train_reader *train_reader_start(const train_reader_config *c)
{
    train_reader *r = calloc(1, sizeof *r);
    if (!r) {
        nomem();
        return NULL;
    }
    r->c = *c;
    r->n_pool = (c->depth < 1 ? 1 : c->depth) + 1;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    r->pool = calloc((size_t)r->n_pool, sizeof *r->pool);
    r->free_list = malloc((size_t)r->n_pool * sizeof *r->free_list);
    r->ready = malloc((size_t)r->n_pool * sizeof *r->ready);
    if (!r->pool || !r->free_list || !r->ready) {
        reader_free(r);
        nomem();
        return NULL;
    }
    for (int i = 0; i < r->n_pool; i++)
        r->free_list[r->n_free++] = i;
    if (pthread_create(&r->thread, NULL, reader_main, r) != 0) {
        reader_free(r);
        hark_error(HARK_ERR_IO, "training: cannot start the reader thread");
        return NULL;
    }
    r->started = 1;
    return r;
}

hark_status train_reader_next(train_reader *r, train_batch **out)
{
    pthread_mutex_lock(&r->mu);
    while (r->n_ready == 0 && !r->done)
        pthread_cond_wait(&r->cv, &r->mu);
    train_batch *b = NULL;
    if (r->n_ready > 0) {
        b = r->ready[r->head];
        r->head = (r->head + 1) % r->n_pool;
        r->n_ready--;
    }
    pthread_mutex_unlock(&r->mu);
    *out = b;
    if (b && b->st != HARK_OK)
        return hark_error(b->st, "%s", b->err);
    return HARK_OK;
}

void train_reader_release(train_reader *r, train_batch *b)
{
    pthread_mutex_lock(&r->mu);
    r->free_list[r->n_free++] = (int)(b - r->pool);
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

void train_reader_stop(train_reader *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stop = 1;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    if (r->started)
        pthread_join(r->thread, NULL);
    reader_free(r);
}

/* ---- global CMVN from a sample --------------------------------------------------------------- */

/* The utterances the statistics come from: every one when the set fits the budget (in corpus
 * order), else a seeded random choice of about `budget` seconds, taken in corpus order. */
static size_t *cmvn_choice(const train_dataset *d, uint64_t seed, double budget, size_t *n)
{
    size_t *pick = malloc(d->n * sizeof *pick);
    if (!pick)
        return NULL;
    for (size_t i = 0; i < d->n; i++)
        pick[i] = i;
    *n = d->n;
    if (budget <= 0 || d->total_seconds <= budget)
        return pick;
    uint64_t rng = train_mix(seed, 0xC3);
    double got = 0;
    size_t k = 0;
    for (; k < d->n && got < budget; k++) { /* a partial Fisher-Yates shuffle */
        size_t j = k + (size_t)(hark_augment_rng_uniform(&rng) * (double)(d->n - k));
        if (j >= d->n)
            j = d->n - 1;
        size_t tmp = pick[k];
        pick[k] = pick[j];
        pick[j] = tmp;
        got += d->seconds[pick[k]];
    }
    *n = k;
    for (size_t a = 1; a < k; a++) { /* corpus order: insertion sort (k is small) */
        size_t v = pick[a], b = a;
        for (; b > 0 && pick[b - 1] > v; b--)
            pick[b] = pick[b - 1];
        pick[b] = v;
    }
    return pick;
}

hark_status train_cmvn_sample(const train_dataset *d, const hark_mfcc_config *raw, uint64_t seed,
                              double budget, hark_mfcc_stats *stats,
                              int (*progress)(size_t done, size_t total, void *user), void *user)
{
    size_t n = 0;
    size_t *pick = cmvn_choice(d, seed, budget, &n);
    hark_mfcc *m = hark_mfcc_create(raw);
    char *rec = NULL;
    size_t cap = 0;
    hark_status st = pick && m ? HARK_OK : HARK_ERR_NOMEM;
    if (!pick)
        nomem();
    for (size_t k = 0; k < n && st == HARK_OK; k++) {
        const char *path, *text;
        float *x = NULL, *f = NULL;
        size_t nx = 0, T = 0;
        st = train_dataset_get(d, pick[k], &rec, &cap, &path, &text);
        if (st == HARK_OK)
            st = hark_audio_load(path, raw->sample_rate, &x, &nx, NULL);
        if (st == HARK_OK)
            st = hark_mfcc_compute_alloc(m, x, nx, &f, &T);
        if (st == HARK_OK)
            hark_mfcc_stats_add(stats, f, T);
        free(x);
        free(f);
        if (st == HARK_OK && progress && (k + 1) % 200 == 0 && progress(k + 1, n, user))
            st = hark_error(HARK_ERR_INTERRUPTED, "training interrupted while reading the corpus");
    }
    free(rec);
    free(pick);
    hark_mfcc_free(m);
    return st;
}
