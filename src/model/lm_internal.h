/* lm_internal.h - pieces shared by the n-gram language model files (lm_table.c, lm_arpa.c,
 * lm_score.c, lm_build.c); not part of the public API.
 *
 * Two open-addressing hash tables do all the work: a vocabulary (word spelling -> dense id) and
 * an n-gram table (k word ids -> a fixed-size value stored next to the key, so a lookup touches
 * one cache line). Both the ARPA loader and the Kneser-Ney builder use them. */
#ifndef HARK_LM_INTERNAL_H
#define HARK_LM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "hark/lm.h"

/* ---- vocabulary ------------------------------------------------------------------------ */

typedef struct lm_vocab {
    char *text;      /* every spelling, NUL-terminated, back to back */
    size_t text_len, text_cap;
    size_t *off;     /* [n] offset of word i in text */
    size_t n, off_cap;
    int32_t *slots;  /* [slot_cap] word id or -1; slot_cap a power of two > 2n */
    size_t slot_cap;
} lm_vocab;

/* The id of the `len` bytes at `w`, or -1. */
int32_t lm_vocab_find(const lm_vocab *v, const char *w, size_t len);
/* The id of the word, adding it when new (*added = 1 then; may be NULL). -1 when out of memory. */
int32_t lm_vocab_add(lm_vocab *v, const char *w, size_t len, int *added);
static inline const char *lm_vocab_word(const lm_vocab *v, int32_t id)
{
    return v->text + v->off[id];
}
void lm_vocab_free(lm_vocab *v);

/* ---- n-gram table ------------------------------------------------------------------------ */

/* Keys are `order` int32 word ids; each slot holds the key followed by `val_size` bytes of value
 * (a multiple of 4). An empty slot has key[0] == -1. */
typedef struct lm_table {
    int order;
    size_t val_size, stride; /* stride = 4 * order + val_size */
    unsigned char *slots;
    size_t cap, n;           /* cap a power of two, kept > 2n so probes stay short */
} lm_table;

/* Prepare an empty table expecting about `expect` keys. 0, or -1 when out of memory. */
int lm_table_init(lm_table *t, int order, size_t val_size, size_t expect);
void lm_table_free(lm_table *t);

static inline uint64_t lm_hash_ids(const int32_t *ids, int order)
{
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < order; i++) {
        h ^= (uint32_t)ids[i];
        h *= 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
    }
    return h;
}

static inline int32_t *lm_table_key(const lm_table *t, size_t slot)
{
    return (int32_t *)(void *)(t->slots + slot * t->stride);
}

static inline void *lm_table_val(const lm_table *t, size_t slot)
{
    return t->slots + slot * t->stride + 4 * (size_t)t->order;
}

/* The value stored for `ids`, or NULL. Inline: the decoder's scoring calls it for every word. */
static inline void *lm_table_find(const lm_table *t, const int32_t *ids)
{
    if (!t->cap)
        return NULL;
    size_t mask = t->cap - 1, s = (size_t)lm_hash_ids(ids, t->order) & mask;
    for (;;) {
        const int32_t *k = lm_table_key(t, s);
        if (k[0] < 0)
            return NULL;
        int eq = 1;
        for (int i = 0; i < t->order && eq; i++)
            eq = k[i] == ids[i];
        if (eq)
            return lm_table_val(t, s);
        s = (s + 1) & mask;
    }
}

/* The value slot for `ids`, inserted zero-filled when new (*added = 1). NULL when out of memory. */
void *lm_table_insert(lm_table *t, const int32_t *ids, int *added);

/* ---- the loaded model ------------------------------------------------------------------------ */

typedef struct lm_entry {
    float prob; /* log10 P(last word | the others) */
    float bo;   /* log10 back-off weight of the n-gram as a context (0 when none) */
} lm_entry;

struct hark_lm {
    int order;
    lm_vocab vocab;
    lm_entry *uni;                      /* [vocab.n] unigrams by word id */
    lm_table tab[HARK_LM_MAX_ORDER + 1]; /* tab[k], k >= 2: the k-grams, value lm_entry */
    int32_t bos, eos, unk;
};

#endif
