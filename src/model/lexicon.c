/* lexicon.c - the lexicon (words and their unit sequences: spellings for character models,
 * pronunciations for phone models) and the prefix trie the beam search walks, compiled from it
 * once per decoder so that extending a hypothesis costs the same whatever the vocabulary size. */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "model/decode_internal.h"
#include "model/model_internal.h"

hark_lexicon *hark_lexicon_create(void)
{
    hark_lexicon *lx = calloc(1, sizeof *lx);
    if (!lx)
        hark_error(HARK_ERR_NOMEM, "out of memory");
    return lx;
}

void hark_lexicon_free(hark_lexicon *lx)
{
    if (!lx)
        return;
    for (size_t i = 0; i < lx->n_words; i++)
        free(lx->words[i]);
    free(lx->words);
    free(lx->slots);
    free(lx->entries);
    free(lx->units);
    free(lx);
}

size_t hark_lexicon_size(const hark_lexicon *lx) { return lx ? lx->n_words : 0; }

/* The slot where `word` is or would go. */
static size_t find_slot(const hark_lexicon *lx, const char *word)
{
    size_t mask = lx->cap_slots - 1, i = (size_t)util_hash_str(word) & mask;
    while (lx->slots[i] && strcmp(lx->words[lx->slots[i] - 1], word) != 0)
        i = (i + 1) & mask;
    return i;
}

int32_t lexicon_find(const hark_lexicon *lx, const char *word)
{
    if (!lx || lx->cap_slots == 0)
        return -1;
    return lx->slots[find_slot(lx, word)] - 1;
}

/* Keep the hash at most half full. */
static int rehash(hark_lexicon *lx)
{
    if (2 * (lx->n_words + 1) <= lx->cap_slots)
        return 0;
    size_t cap = lx->cap_slots ? 2 * lx->cap_slots : 64;
    int32_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    free(lx->slots);
    lx->slots = slots;
    lx->cap_slots = cap;
    for (size_t w = 0; w < lx->n_words; w++)
        lx->slots[find_slot(lx, lx->words[w])] = (int32_t)w + 1;
    return 0;
}

int32_t lexicon_intern(hark_lexicon *lx, const char *word)
{
    int32_t w = lexicon_find(lx, word);
    if (w >= 0)
        return w;
    if (lx->n_words >= INT32_MAX - 1 || rehash(lx) != 0
        || util_grow(&lx->words, &lx->cap_words, lx->n_words + 1, sizeof *lx->words, 64) != 0)
        return -1;
    char *copy = strdup(word);
    if (!copy)
        return -1;
    lx->words[lx->n_words] = copy;
    lx->slots[find_slot(lx, copy)] = (int32_t)lx->n_words + 1;
    return (int32_t)lx->n_words++;
}

static int valid_word(const char *word)
{
    if (!word || !*word)
        return 0;
    for (const unsigned char *p = (const unsigned char *)word; *p; p++)
        if (*p <= ' ' || *p == 0x7F)
            return 0;
    return 1;
}

hark_status hark_lexicon_add(hark_lexicon *lx, const char *word, const int *units, int n)
{
    if (!lx || !units || n < 1)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_lexicon_add: NULL argument or empty sequence");
    if (!valid_word(word))
        return hark_error(HARK_ERR_INVALID_ARG,
                          "lexicon word \"%s\" is empty or holds spaces or control characters",
                          word ? word : "(null)");
    for (int i = 0; i < n; i++)
        if (units[i] < 1)
            return hark_error(HARK_ERR_INVALID_ARG, "lexicon word \"%s\": unit %d is not >= 1",
                              word, units[i]);
    int32_t w = lexicon_intern(lx, word);
    if (w < 0
        || util_grow(&lx->entries, &lx->cap_entries, lx->n_entries + 1, sizeof *lx->entries, 64)
        || util_grow(&lx->units, &lx->cap_units, lx->n_units + (size_t)n, sizeof *lx->units, 256))
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++)
        lx->units[lx->n_units + (size_t)i] = units[i];
    lx->entries[lx->n_entries++] = (lex_entry){w, lx->n_units, n};
    lx->n_units += (size_t)n;
    return HARK_OK;
}

hark_status hark_lexicon_add_word(hark_lexicon *lx, const hark_units *u, const char *word)
{
    if (!lx || !u || !word)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_lexicon_add_word: NULL argument");
    int n = 0, buf[64];
    hark_status st = hark_units_encode(u, word, buf, 64, &n);
    if (st == HARK_OK && n == 0)
        st = hark_error(HARK_ERR_INVALID_ARG, "lexicon word \"%s\" has no units", word);
    if (st != HARK_OK || n <= 64)
        return st == HARK_OK ? hark_lexicon_add(lx, word, buf, n) : st;
    int *units = malloc((size_t)n * sizeof *units);
    if (!units)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    st = hark_units_encode(u, word, units, n, &n);
    if (st == HARK_OK)
        st = hark_lexicon_add(lx, word, units, n);
    free(units);
    return st;
}

hark_status hark_lexicon_add_spelling(hark_lexicon *lx, const char *alphabet, const char *word)
{
    if (!lx || !alphabet || !word)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_lexicon_add_spelling: NULL argument");
    hark_units *u = hark_units_create(HARK_UNITS_CHARS, alphabet);
    if (!u)
        return HARK_ERR_INVALID_ARG;
    hark_status st = hark_lexicon_add_word(lx, u, word);
    hark_units_free(u);
    return st;
}

hark_lexicon *hark_lexicon_from_units(const hark_units *u)
{
    if (!u) {
        hark_error(HARK_ERR_INVALID_ARG, "hark_lexicon_from_units: NULL units");
        return NULL;
    }
    hark_lexicon *lx = hark_lexicon_create(); /* sets the message when NULL */
    if (!lx || hark_units_kind(u) != HARK_UNITS_PHONES)
        return lx;
    size_t pos = 0;
    for (const char *w; (w = hark_units_lexicon_next(u, &pos));)
        if (hark_lexicon_add_word(lx, u, w) != HARK_OK) {
            hark_lexicon_free(lx);
            return NULL;
        }
    return lx;
}

/* ---- Trie ----------------------------------------------------------------------------------- */

/* While building: children as sibling lists, words as linked lists. */
typedef struct build_node {
    int32_t unit, first_child, next_sibling, first_word, n_words;
} build_node;

typedef struct build_word {
    int32_t word, next;
} build_word;

typedef struct builder {
    build_node *nodes;
    size_t n_nodes, cap_nodes;
    build_word *words;
    size_t n_words, cap_words;
} builder;

static int32_t build_child(builder *b, int32_t node, int32_t unit)
{
    for (int32_t c = b->nodes[node].first_child; c >= 0; c = b->nodes[c].next_sibling)
        if (b->nodes[c].unit == unit)
            return c;
    if (util_grow(&b->nodes, &b->cap_nodes, b->n_nodes + 1, sizeof *b->nodes, 256) != 0)
        return -1;
    int32_t c = (int32_t)b->n_nodes++;
    b->nodes[c] = (build_node){unit, -1, b->nodes[node].first_child, -1, 0};
    b->nodes[node].first_child = c;
    return c;
}

static int build_insert(builder *b, const hark_lexicon *lx, const lex_entry *e)
{
    int32_t node = 0;
    for (int32_t i = 0; i < e->n && node >= 0; i++)
        node = build_child(b, node, lx->units[e->offset + (size_t)i]);
    if (node < 0)
        return -1;
    for (int32_t k = b->nodes[node].first_word; k >= 0; k = b->words[k].next)
        if (b->words[k].word == e->word)
            return 0; /* the same sequence again */
    if (util_grow(&b->words, &b->cap_words, b->n_words + 1, sizeof *b->words, 256) != 0)
        return -1;
    b->words[b->n_words] = (build_word){e->word, b->nodes[node].first_word};
    b->nodes[node].first_word = (int32_t)b->n_words++;
    b->nodes[node].n_words++;
    return 0;
}

/* Children of one build node, sorted by unit, into tmp; returns how many. */
static int32_t sorted_children(const builder *b, int32_t node, int32_t *tmp)
{
    int32_t n = 0;
    for (int32_t c = b->nodes[node].first_child; c >= 0; c = b->nodes[c].next_sibling)
        tmp[n++] = c;
    for (int32_t i = 1; i < n; i++) /* insertion sort: few children per node */
        for (int32_t j = i; j > 0 && b->nodes[tmp[j - 1]].unit > b->nodes[tmp[j]].unit; j--) {
            int32_t x = tmp[j];
            tmp[j] = tmp[j - 1];
            tmp[j - 1] = x;
        }
    return n;
}

/* Breadth-first flattening: queue[i] is the build node that becomes trie node i. */
static hark_status flatten(const builder *b, unit_trie *out)
{
    int32_t *queue = malloc(b->n_nodes * sizeof *queue);
    int32_t *tmp = malloc(b->n_nodes * sizeof *tmp);
    out->nodes = malloc(b->n_nodes * sizeof *out->nodes);
    out->words = malloc((b->n_words ? b->n_words : 1) * sizeof *out->words);
    if (!queue || !tmp || !out->nodes || !out->words) {
        free(queue);
        free(tmp);
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    }
    size_t head = 0, tail = 1, nw = 0;
    queue[0] = 0;
    while (head < tail) {
        int32_t bn = queue[head];
        trie_node *tn = &out->nodes[head++];
        tn->unit = b->nodes[bn].unit;
        tn->first_child = (int32_t)tail;
        tn->n_children = sorted_children(b, bn, tmp);
        for (int32_t i = 0; i < tn->n_children; i++)
            queue[tail++] = tmp[i];
        tn->word_first = (int32_t)nw;
        tn->n_words = b->nodes[bn].n_words;
        for (int32_t k = b->nodes[bn].first_word; k >= 0; k = b->words[k].next)
            out->words[nw++] = b->words[k].word;
    }
    out->n_nodes = b->n_nodes;
    out->n_word_refs = nw;
    free(queue);
    free(tmp);
    return HARK_OK;
}

hark_status unit_trie_build(const hark_lexicon *lx, unit_trie *out)
{
    memset(out, 0, sizeof *out);
    builder b = {0};
    hark_status st = HARK_OK;
    if (util_grow(&b.nodes, &b.cap_nodes, 1, sizeof *b.nodes, 256) != 0) {
        st = hark_error(HARK_ERR_NOMEM, "out of memory");
        goto done;
    }
    b.nodes[b.n_nodes++] = (build_node){0, -1, -1, -1, 0};
    for (size_t i = 0; lx && i < lx->n_entries; i++)
        if (build_insert(&b, lx, &lx->entries[i]) != 0) {
            st = hark_error(HARK_ERR_NOMEM, "out of memory");
            goto done;
        }
    st = flatten(&b, out);
done:
    free(b.nodes);
    free(b.words);
    if (st != HARK_OK)
        unit_trie_free(out);
    return st;
}

void unit_trie_free(unit_trie *t)
{
    if (!t)
        return;
    free(t->nodes);
    free(t->words);
    memset(t, 0, sizeof *t);
}

int32_t unit_trie_child(const unit_trie *t, int32_t node, int32_t unit)
{
    const trie_node *n = &t->nodes[node];
    int32_t lo = n->first_child, hi = n->first_child + n->n_children - 1;
    while (lo <= hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (t->nodes[mid].unit == unit)
            return mid;
        if (t->nodes[mid].unit < unit)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}
