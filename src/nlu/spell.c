/* spell.c - snapping misrecognised words back onto the assistant's vocabulary before
 * classification. The vocabulary is every word of the training sentences (in-scope templates
 * and the out-of-scope ones, so "weather" stays "weather"). Lookup is symmetric-delete
 * (the SymSpell idea): every vocabulary word is indexed under the strings obtained by deleting
 * up to two of its letters, and a query generates its own deletions, so candidates within edit
 * distance two are found with a few dozen hash probes instead of a scan of the vocabulary.
 * Candidates are then verified with the true (Damerau) distance. */
#include <stdlib.h>
#include <string.h>

#include "hark/nlu.h"
#include "core/util.h"
#include "nlu/nlu_internal.h"

#define MAX_WORD 24 /* longer words are left alone */

typedef struct entry {
    uint32_t key;  /* offset of the key string in `chars` */
    int32_t word;  /* vocabulary word id, for exact keys; -1 for a pure deletion key */
    int32_t first; /* first link of the words this deletion key leads to, or -1 */
} entry;

typedef struct link {
    int32_t word, next;
} link;

struct nlu_speller {
    char *chars;
    size_t n_chars, cap_chars;
    entry *tab; /* open addressing */
    size_t cap_tab, n_tab;
    link *links;
    size_t n_links, cap_links;
    uint32_t *word_key; /* word id -> key offset */
    uint32_t *freq;
    size_t n_words, cap_words;
};

static entry *find_slot(const nlu_speller *s, const char *k, size_t n)
{
    size_t mask = s->cap_tab - 1, i = nlu_fnv1a(k, n, NLU_FNV_BASIS) & mask;
    for (;;) {
        entry *e = &s->tab[i];
        if (e->key == UINT32_MAX)
            return e;
        const char *key = s->chars + e->key;
        if (strlen(key) == n && !memcmp(key, k, n))
            return e;
        i = (i + 1) & mask;
    }
}

static int rehash(nlu_speller *s)
{
    size_t old_cap = s->cap_tab;
    entry *old = s->tab;
    s->cap_tab = old_cap ? old_cap * 2 : 4096;
    s->tab = malloc(s->cap_tab * sizeof *s->tab);
    if (!s->tab) {
        s->tab = old;
        s->cap_tab = old_cap;
        return -1;
    }
    for (size_t i = 0; i < s->cap_tab; i++)
        s->tab[i].key = UINT32_MAX;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].key == UINT32_MAX)
            continue;
        const char *k = s->chars + old[i].key;
        *find_slot(s, k, strlen(k)) = old[i];
    }
    free(old);
    return 0;
}

/* The entry for key k, created if missing. */
static entry *get_entry(nlu_speller *s, const char *k, size_t n)
{
    if ((s->n_tab + 1) * 2 > s->cap_tab && rehash(s))
        return NULL;
    entry *e = find_slot(s, k, n);
    if (e->key != UINT32_MAX)
        return e;
    if (util_grow(&s->chars, &s->cap_chars, s->n_chars + n + 1, sizeof *s->chars, 256))
        return NULL;
    memcpy(s->chars + s->n_chars, k, n);
    s->chars[s->n_chars + n] = '\0';
    e->key = (uint32_t)s->n_chars;
    e->word = -1;
    e->first = -1;
    s->n_chars += n + 1;
    s->n_tab++;
    return e;
}

static int add_link(nlu_speller *s, entry *e, int32_t word)
{
    /* Words are indexed one at a time, so a repeat of `word` under this entry (both deletions
     * of "aab" give "ab") can only be its newest link: checking the head keeps indexing linear
     * where a scan of the whole chain was quadratic in the vocabulary. */
    if (e->first >= 0 && s->links[e->first].word == word)
        return 0;
    if (util_grow(&s->links, &s->cap_links, s->n_links + 1, sizeof *s->links, 256))
        return -1;
    s->links[s->n_links] = (link){word, e->first};
    e->first = (int32_t)s->n_links++;
    return 0;
}

/* Index `w` under every string with one or two letters deleted. */
static int index_deletes(nlu_speller *s, const char *w, size_t n, int32_t id)
{
    char buf[MAX_WORD];
    for (size_t i = 0; i < n; i++) {
        memcpy(buf, w, i);
        memcpy(buf + i, w + i + 1, n - i - 1);
        entry *e = get_entry(s, buf, n - 1);
        if (!e || add_link(s, e, id))
            return -1;
        for (size_t j = i; j + 1 < n; j++) {
            char b2[MAX_WORD];
            memcpy(b2, buf, j);
            memcpy(b2 + j, buf + j + 1, n - 1 - j - 1);
            /* Re-fetch: get_entry may have rehashed. */
            entry *e2 = get_entry(s, b2, n - 2);
            if (!e2 || add_link(s, e2, id))
                return -1;
        }
    }
    return 0;
}

static int add_word(nlu_speller *s, const char *w, size_t n)
{
    if (n == 0 || n >= MAX_WORD)
        return 0;
    entry *e = get_entry(s, w, n);
    if (!e)
        return -1;
    if (e->word >= 0) {
        s->freq[e->word]++;
        return 0;
    }
    size_t old_cap = s->cap_words;
    if (util_grow(&s->word_key, &s->cap_words, s->n_words + 1, sizeof *s->word_key, 256))
        return -1;
    if (s->cap_words != old_cap || !s->freq) {
        /* Only when word_key grew: a realloc per word copies the array each time under some
         * allocators (AddressSanitizer's always does), quadratic in the vocabulary. */
        void *nf = realloc(s->freq, s->cap_words * sizeof *s->freq);
        if (!nf)
            return -1;
        s->freq = nf;
    }
    int32_t id = (int32_t)s->n_words++;
    e->word = id;
    s->word_key[id] = e->key;
    s->freq[id] = 1;
    return n >= 3 ? index_deletes(s, w, n, id) : 0;
}

void nlu_speller_free(nlu_speller *s)
{
    if (!s)
        return;
    free(s->chars);
    free(s->tab);
    free(s->links);
    free(s->word_key);
    free(s->freq);
    free(s);
}

nlu_speller *nlu_speller_build(const char *const *texts, size_t n)
{
    nlu_speller *s = calloc(1, sizeof *s);
    if (!s || rehash(s))
        goto nomem;
    for (size_t t = 0; t < n; t++) {
        const char *p = texts[t], *w;
        size_t l;
        while ((w = nlu_next_word(&p, &l)))
            if (add_word(s, w, l))
                goto nomem;
    }
    return s;
nomem:
    nlu_speller_free(s);
    hark_error(HARK_ERR_NOMEM, "out of memory building the vocabulary");
    return NULL;
}

static int is_word(const nlu_speller *s, const char *w, size_t n)
{
    const entry *e = find_slot(s, w, n);
    return e->key != UINT32_MAX && e->word >= 0;
}

static void consider(const nlu_speller *s, int32_t id, const char *w, size_t n, int32_t *best,
                     float *best_d)
{
    const char *v = s->chars + s->word_key[id];
    size_t vl = strlen(v);
    float d = nlu_word_distance(w, n, v, vl) * (float)(vl > n ? vl : n); /* edits */
    int better = d < *best_d - 1e-3f;
    int tie_more_frequent = d < *best_d + 1e-3f && *best >= 0 && s->freq[id] > s->freq[*best];
    if (better || tie_more_frequent) {
        *best_d = d;
        *best = id;
    }
}

/* Best vocabulary word within `maxd` edits of w (-1 if none). Ties: the more frequent word,
 * then the first found. */
static int32_t best_match(const nlu_speller *s, const char *w, size_t n, int maxd)
{
    int32_t best = -1;
    float best_d = (float)maxd + 0.5f;
    char buf[MAX_WORD], b2[MAX_WORD];
    /* The query itself and its deletions, each looked up as a word and as a deletion key. */
    const char *cands[1 + MAX_WORD + MAX_WORD * MAX_WORD / 2];
    size_t cand_len[sizeof cands / sizeof cands[0]];
    char store[sizeof cands / sizeof cands[0]][MAX_WORD];
    size_t nc = 0;
    cands[nc] = w;
    cand_len[nc++] = n;
    for (size_t i = 0; i < n; i++) {
        memcpy(buf, w, i);
        memcpy(buf + i, w + i + 1, n - i - 1);
        memcpy(store[nc], buf, n - 1);
        cands[nc] = store[nc];
        cand_len[nc++] = n - 1;
        if (maxd < 2)
            continue;
        for (size_t j = i; j + 1 < n; j++) {
            memcpy(b2, buf, j);
            memcpy(b2 + j, buf + j + 1, n - 1 - j - 1);
            memcpy(store[nc], b2, n - 2);
            cands[nc] = store[nc];
            cand_len[nc++] = n - 2;
        }
    }
    for (size_t c = 0; c < nc; c++) {
        const entry *e = find_slot(s, cands[c], cand_len[c]);
        if (e->key == UINT32_MAX)
            continue;
        /* The word this key is (if any), then every word it is a deletion of. */
        if (e->word >= 0)
            consider(s, e->word, w, n, &best, &best_d);
        for (int32_t l = e->first; l >= 0; l = s->links[l].next)
            consider(s, s->links[l].word, w, n, &best, &best_d);
    }
    return best;
}

static size_t put(char *out, size_t len, size_t cap, const char *w, size_t n, int *overflow)
{
    if (len + n + 2 > cap) {
        *overflow = 1;
        return len;
    }
    if (len)
        out[len++] = ' ';
    memcpy(out + len, w, n);
    len += n;
    out[len] = '\0';
    return len;
}

hark_status nlu_speller_correct(const nlu_speller *s, const char *in, char *out, size_t cap)
{
    size_t len = 0;
    int overflow = 0;
    if (cap == 0)
        return HARK_ERR_INVALID_ARG;
    out[0] = '\0';
    const char *next = in, *p;
    size_t n;
    while ((p = nlu_next_word(&next, &n))) {
        /* Short words are too ambiguous to correct; long ones are left as they are. */
        if (n < 3 || n >= MAX_WORD || is_word(s, p, n)) {
            len = put(out, len, cap, p, n, &overflow);
            continue;
        }
        int32_t id = best_match(s, p, n, n <= 7 ? 1 : 2);
        if (id >= 0) {
            const char *v = s->chars + s->word_key[id];
            len = put(out, len, cap, v, strlen(v), &overflow);
            continue;
        }
        /* Two words run together ("thetime"): split where both halves are words. */
        size_t split = 0;
        for (size_t k = 2; k + 2 <= n && !split; k++)
            if (is_word(s, p, k) && is_word(s, p + k, n - k))
                split = k;
        if (split) {
            len = put(out, len, cap, p, split, &overflow);
            len = put(out, len, cap, p + split, n - split, &overflow);
        } else {
            len = put(out, len, cap, p, n, &overflow);
        }
    }
    return overflow ? HARK_ERR_INVALID_ARG : HARK_OK;
}
