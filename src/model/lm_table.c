/* lm_table.c - the vocabulary and n-gram hash tables under the language model (see
 * lm_internal.h): open addressing with linear probing, kept under half full. */
#include "model/lm_internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* ---- vocabulary ------------------------------------------------------------------------ */

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a, then a final mix for the low bits */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 32);
}

static size_t vocab_probe(const lm_vocab *v, const char *w, size_t len)
{
    size_t mask = v->slot_cap - 1, s = (size_t)hash_bytes(w, len) & mask;
    while (v->slots[s] >= 0) {
        const char *x = lm_vocab_word(v, v->slots[s]);
        if (!strncmp(x, w, len) && x[len] == '\0')
            return s;
        s = (s + 1) & mask;
    }
    return s;
}

int32_t lm_vocab_find(const lm_vocab *v, const char *w, size_t len)
{
    if (!v->slot_cap)
        return -1;
    return v->slots[vocab_probe(v, w, len)];
}

static int vocab_rehash(lm_vocab *v)
{
    size_t cap = v->slot_cap ? v->slot_cap * 2 : 1024;
    int32_t *slots = malloc(cap * sizeof *slots);
    if (!slots)
        return -1;
    memset(slots, 0xff, cap * sizeof *slots);
    free(v->slots);
    v->slots = slots;
    v->slot_cap = cap;
    for (size_t i = 0; i < v->n; i++) {
        const char *w = lm_vocab_word(v, (int32_t)i);
        v->slots[vocab_probe(v, w, strlen(w))] = (int32_t)i;
    }
    return 0;
}

int32_t lm_vocab_add(lm_vocab *v, const char *w, size_t len, int *added)
{
    if (added)
        *added = 0;
    if (2 * (v->n + 1) >= v->slot_cap && vocab_rehash(v))
        return -1;
    size_t s = vocab_probe(v, w, len);
    if (v->slots[s] >= 0)
        return v->slots[s];
    if (v->n >= INT32_MAX - 1 || util_grow(&v->off, &v->off_cap, v->n + 1, sizeof *v->off, 1024)
        || util_grow(&v->text, &v->text_cap, v->text_len + len + 1, 1, 8192))
        return -1;
    memcpy(v->text + v->text_len, w, len);
    v->text[v->text_len + len] = '\0';
    v->off[v->n] = v->text_len;
    v->text_len += len + 1;
    v->slots[s] = (int32_t)v->n;
    if (added)
        *added = 1;
    return (int32_t)v->n++;
}

void lm_vocab_free(lm_vocab *v)
{
    free(v->text);
    free(v->off);
    free(v->slots);
    memset(v, 0, sizeof *v);
}

/* ---- n-gram table ------------------------------------------------------------------------ */

static int table_alloc(lm_table *t, size_t cap)
{
    if (cap > SIZE_MAX / t->stride)
        return -1;
    t->slots = malloc(cap * t->stride);
    if (!t->slots)
        return -1;
    t->cap = cap;
    for (size_t s = 0; s < cap; s++)
        lm_table_key(t, s)[0] = -1;
    return 0;
}

int lm_table_init(lm_table *t, int order, size_t val_size, size_t expect)
{
    memset(t, 0, sizeof *t);
    t->order = order;
    t->val_size = val_size;
    t->stride = 4 * (size_t)order + val_size;
    size_t cap = 16;
    while (cap < SIZE_MAX / 4 && cap <= 2 * expect)
        cap *= 2;
    return table_alloc(t, cap);
}

void lm_table_free(lm_table *t)
{
    free(t->slots);
    memset(t, 0, sizeof *t);
}

/* The slot where `ids` is or would go. */
static size_t table_probe(const lm_table *t, const int32_t *ids)
{
    size_t mask = t->cap - 1, s = (size_t)lm_hash_ids(ids, t->order) & mask;
    size_t klen = 4 * (size_t)t->order;
    for (;;) {
        const int32_t *k = lm_table_key(t, s);
        if (k[0] < 0 || !memcmp(k, ids, klen))
            return s;
        s = (s + 1) & mask;
    }
}

static int table_grow(lm_table *t)
{
    lm_table old = *t;
    if (old.cap > SIZE_MAX / 4 || table_alloc(t, old.cap * 2)) {
        *t = old;
        return -1;
    }
    for (size_t s = 0; s < old.cap; s++) {
        const int32_t *k = lm_table_key(&old, s);
        if (k[0] >= 0)
            memcpy(t->slots + table_probe(t, k) * t->stride, k, t->stride);
    }
    free(old.slots);
    return 0;
}

void *lm_table_insert(lm_table *t, const int32_t *ids, int *added)
{
    if (added)
        *added = 0;
    if (2 * (t->n + 1) > t->cap && table_grow(t))
        return NULL;
    size_t s = table_probe(t, ids);
    int32_t *k = lm_table_key(t, s);
    if (k[0] < 0) {
        memcpy(k, ids, 4 * (size_t)t->order);
        memset(lm_table_val(t, s), 0, t->val_size);
        t->n++;
        if (added)
            *added = 1;
    }
    return lm_table_val(t, s);
}
