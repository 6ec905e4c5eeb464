/* batch.c - length bucketing for padded mini-batch training.
 *
 * A padded batch costs count x longest, so utterances of similar duration should share a batch.
 * Sorting by duration and cutting gives the least padding but the same batches every epoch; a
 * seeded relative jitter on the sort key varies which neighbours meet while keeping padding
 * small, and shuffling the batch order keeps the optimiser from seeing lengths in a trend.
 * Everything is a pure function of the seed, with its own generator (no global state). */
#include "hark/corpus.h"

#include <stdlib.h>
#include <string.h>

typedef struct batch_entry {
    double key;
    size_t idx;
} batch_entry;

struct hark_batcher {
    hark_batch_params p;
    double *sec;        /* [n] durations as given */
    size_t n;
    batch_entry *ent;   /* [n] sort scratch */
    size_t *order;      /* [n_kept] utterance indices, batch after batch */
    size_t *starts;     /* [n_batches + 1] offsets into order */
    size_t *scratch;    /* [n] order being rebuilt while shuffling */
    size_t *old_starts; /* [n + 1] starts before shuffling */
    size_t *perm;       /* [n] batch permutation */
    size_t n_kept, n_batches, dropped;
};

/* splitmix64: small, fast, and good enough to shuffle; each plan seeds its own. */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double next_unit(uint64_t *s) { return (double)(next_u64(s) >> 11) * 0x1.0p-53; }

static int cmp_entry(const void *a, const void *b)
{
    const batch_entry *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

hark_batch_params hark_batch_default_params(void)
{
    hark_batch_params p;
    memset(&p, 0, sizeof p);
    p.max_utts = 16;
    p.jitter = 0.1;
    return p;
}

void hark_batcher_free(hark_batcher *b)
{
    if (!b)
        return;
    free(b->sec);
    free(b->ent);
    free(b->order);
    free(b->starts);
    free(b->scratch);
    free(b->old_starts);
    free(b->perm);
    free(b);
}

hark_batcher *hark_batcher_new(const double *seconds, size_t n, const hark_batch_params *params)
{
    hark_batch_params p = params ? *params : hark_batch_default_params();
    if ((n && !seconds) || p.max_utts < 1 || p.max_seconds < 0 || p.max_duration < 0 ||
        p.jitter < 0 || p.jitter > 1) {
        hark_error(HARK_ERR_INVALID_ARG, "batcher: bad parameters (max_utts >= 1, max_seconds "
                                         ">= 0, max_duration >= 0, jitter in 0..1)");
        return NULL;
    }
    hark_batcher *b = calloc(1, sizeof *b);
    size_t m = n ? n : 1;
    if (!b || !(b->sec = malloc(m * sizeof *b->sec)) || !(b->ent = malloc(m * sizeof *b->ent)) ||
        !(b->order = malloc(m * sizeof *b->order)) ||
        !(b->starts = malloc((m + 1) * sizeof *b->starts)) ||
        !(b->scratch = malloc(m * sizeof *b->scratch)) ||
        !(b->old_starts = malloc((m + 1) * sizeof *b->old_starts)) ||
        !(b->perm = malloc(m * sizeof *b->perm))) {
        hark_batcher_free(b);
        hark_error(HARK_ERR_NOMEM, "batcher: out of memory for %zu utterances", n);
        return NULL;
    }
    if (n)
        memcpy(b->sec, seconds, n * sizeof *seconds);
    b->n = n;
    b->p = p;
    hark_batcher_plan(b, 0, 0);
    return b;
}

hark_batcher *hark_batcher_from_corpus(const hark_corpus *c, const hark_batch_params *params)
{
    size_t n = hark_corpus_size(c);
    double *sec = malloc((n ? n : 1) * sizeof *sec);
    if (!sec) {
        hark_error(HARK_ERR_NOMEM, "batcher: out of memory for %zu utterances", n);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        sec[i] = hark_corpus_get(c, i)->duration;
    hark_batcher *b = hark_batcher_new(sec, n, params);
    free(sec);
    return b;
}

size_t hark_batcher_plan(hark_batcher *b, uint64_t seed, int shuffle)
{
    if (!b)
        return 0;
    uint64_t rng = seed;
    size_t k = 0;
    b->dropped = 0;
    for (size_t i = 0; i < b->n; i++) {
        double d = b->sec[i] > 0 ? b->sec[i] : 0;
        if (b->p.max_duration > 0 && d > b->p.max_duration) {
            b->dropped++;
            continue;
        }
        double jitter = shuffle ? 1.0 + b->p.jitter * (2.0 * next_unit(&rng) - 1.0) : 1.0;
        b->ent[k++] = (batch_entry){d * jitter, i};
    }
    b->n_kept = k;
    qsort(b->ent, k, sizeof *b->ent, cmp_entry);

    /* Greedy cut: grow a batch while it stays within max_utts and the padded-size budget. */
    b->n_batches = 0;
    double longest = 0;
    size_t count = 0;
    for (size_t i = 0; i < k; i++) {
        double d = b->sec[b->ent[i].idx] > 0 ? b->sec[b->ent[i].idx] : 0;
        double l = d > longest ? d : longest;
        int fits = count < b->p.max_utts &&
                   (b->p.max_seconds <= 0 || (double)(count + 1) * l <= b->p.max_seconds);
        if (count == 0 || !fits) {
            b->starts[b->n_batches++] = i;
            count = 0;
            l = d;
        }
        longest = l;
        count++;
        b->order[i] = b->ent[i].idx;
    }
    b->starts[b->n_batches] = k;

    if (shuffle && b->n_batches > 1) {
        size_t nb = b->n_batches;
        for (size_t i = 0; i < nb; i++)
            b->perm[i] = i;
        for (size_t i = nb - 1; i > 0; i--) { /* Fisher-Yates */
            size_t j = (size_t)(next_unit(&rng) * (double)(i + 1));
            if (j > i)
                j = i;
            size_t t = b->perm[i];
            b->perm[i] = b->perm[j];
            b->perm[j] = t;
        }
        /* Lay the batches out in their new order (scratch arrays were sized at creation). */
        memcpy(b->old_starts, b->starts, (nb + 1) * sizeof *b->starts);
        size_t pos = 0;
        for (size_t i = 0; i < nb; i++) {
            size_t s = b->old_starts[b->perm[i]], e = b->old_starts[b->perm[i] + 1];
            b->starts[i] = pos;
            memcpy(b->scratch + pos, b->order + s, (e - s) * sizeof *b->order);
            pos += e - s;
        }
        b->starts[nb] = pos;
        memcpy(b->order, b->scratch, k * sizeof *b->order);
    }
    return b->n_batches;
}

size_t hark_batcher_count(const hark_batcher *b) { return b ? b->n_batches : 0; }

const size_t *hark_batcher_batch(const hark_batcher *b, size_t i, size_t *count)
{
    if (!b || i >= b->n_batches) {
        if (count)
            *count = 0;
        return NULL;
    }
    if (count)
        *count = b->starts[i + 1] - b->starts[i];
    return b->order + b->starts[i];
}

size_t hark_batcher_dropped(const hark_batcher *b) { return b ? b->dropped : 0; }
