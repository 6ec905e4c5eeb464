/* grammar_graph.c - the grammar word graph (hark/grammar.h): nodes, arcs labelled with interned
 * words and output tags, the check and index that make it decodable (arcs by source node, a
 * topological order of the epsilon-type arcs), and the phrase-list builder. */
#include <stdlib.h>
#include <string.h>

#include "hark/grammar.h"
#include "core/util.h"
#include "model/grammar_internal.h"

/* ---- interned strings: one pool, an open-addressing table of ids ---- */

static uint32_t fnv(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static int rehash(hark_grammar *g, size_t cap)
{
    int32_t *t = malloc(cap * sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < cap; i++)
        t[i] = -1;
    for (int32_t id = 0; id < g->n_strings; id++) {
        const char *s = g->pool + g->str_off[id];
        size_t j = fnv(s, strlen(s)) & (cap - 1);
        while (t[j] >= 0)
            j = (j + 1) & (cap - 1);
        t[j] = id;
    }
    free(g->table);
    g->table = t;
    g->table_cap = cap;
    return 0;
}

int32_t hark_grammar_intern(hark_grammar *g, const char *s, size_t n)
{
    if (!g || !s)
        return -1;
    if ((size_t)(g->n_strings + 1) * 2 > g->table_cap && rehash(g, g->table_cap ? 2 * g->table_cap : 256))
        return -1;
    size_t j = fnv(s, n) & (g->table_cap - 1);
    for (; g->table[j] >= 0; j = (j + 1) & (g->table_cap - 1)) {
        const char *t = g->pool + g->str_off[g->table[j]];
        if (strlen(t) == n && !memcmp(t, s, n))
            return g->table[j];
    }
    if (util_grow(&g->pool, &g->pool_cap, g->pool_len + n + 1, 1, 4096) ||
        util_grow(&g->str_off, &g->str_cap, (size_t)g->n_strings + 1, sizeof *g->str_off, 64))
        return -1;
    memcpy(g->pool + g->pool_len, s, n);
    g->pool[g->pool_len + n] = '\0';
    g->str_off[g->n_strings] = g->pool_len;
    g->pool_len += n + 1;
    g->table[j] = g->n_strings;
    return g->n_strings++;
}

const char *hark_grammar_string(const hark_grammar *g, int32_t id)
{
    return g && id >= 0 && id < g->n_strings ? g->pool + g->str_off[id] : NULL;
}

/* ---- building ---- */

hark_grammar *hark_grammar_create(void)
{
    hark_grammar *g = calloc(1, sizeof *g);
    if (!g) {
        hark_error(HARK_ERR_NOMEM, "grammar: out of memory");
        return NULL;
    }
    g->n_nodes = 1;
    g->final = -1;
    return g;
}

void hark_grammar_free(hark_grammar *g)
{
    if (!g)
        return;
    free(g->pool);
    free(g->str_off);
    free(g->table);
    free(g->arcs);
    free(g->first);
    free(g->topo);
    free(g);
}

int32_t hark_grammar_add_node(hark_grammar *g)
{
    if (!g || g->finished) {
        hark_error(HARK_ERR_INVALID_ARG, "grammar: cannot add a node to a finished grammar");
        return -1;
    }
    if (g->n_nodes >= HARK_GRAMMAR_MAX_ARCS) {
        hark_error(HARK_ERR_INVALID_ARG, "grammar: more than %d nodes", HARK_GRAMMAR_MAX_ARCS);
        return -1;
    }
    return g->n_nodes++;
}

hark_status hark_grammar_add_arc(hark_grammar *g, int32_t from, int32_t to,
                                 hark_grammar_arc_kind kind, int32_t label)
{
    if (!g || g->finished)
        return hark_error(HARK_ERR_INVALID_ARG, "grammar: cannot add an arc to a finished grammar");
    if (from < 0 || from >= g->n_nodes || to < 0 || to >= g->n_nodes)
        return hark_error(HARK_ERR_INVALID_ARG, "grammar: arc between unknown nodes %d and %d",
                          (int)from, (int)to);
    if (kind < HARK_GRAMMAR_WORD || kind > HARK_GRAMMAR_VALUE_CLOSE)
        return hark_error(HARK_ERR_INVALID_ARG, "grammar: unknown arc kind %d", (int)kind);
    int labelled = kind == HARK_GRAMMAR_WORD || kind == HARK_GRAMMAR_INTENT ||
                   kind == HARK_GRAMMAR_SLOT_OPEN || kind == HARK_GRAMMAR_SLOT_CLOSE;
    int optional = kind == HARK_GRAMMAR_VALUE_CLOSE;
    if (optional && label < 0)
        label = -1;
    else if ((labelled || optional) && (label < 0 || label >= g->n_strings))
        return hark_error(HARK_ERR_INVALID_ARG, "grammar: unknown label %d", (int)label);
    if (kind == HARK_GRAMMAR_WORD) {
        const char *w = hark_grammar_string(g, label);
        if (!w[0] || strchr(w, ' '))
            return hark_error(HARK_ERR_INVALID_ARG, "grammar: '%s' is not one word", w);
    }
    if (g->n_arcs >= HARK_GRAMMAR_MAX_ARCS)
        return hark_error(HARK_ERR_INVALID_ARG, "grammar: more than %d arcs (too large to "
                          "decode)", HARK_GRAMMAR_MAX_ARCS);
    if (util_grow(&g->arcs, &g->arcs_cap, g->n_arcs + 1, sizeof *g->arcs, 256))
        return hark_error(HARK_ERR_NOMEM, "grammar: out of memory");
    g->arcs[g->n_arcs++] = (hark_grammar_arc){from, to, kind, labelled || optional ? label : -1};
    return HARK_OK;
}

hark_status hark_grammar_set_final(hark_grammar *g, int32_t node)
{
    if (!g || g->finished || node < 0 || node >= g->n_nodes)
        return hark_error(HARK_ERR_INVALID_ARG, "grammar: bad final node");
    g->final = node;
    return HARK_OK;
}

/* ---- finishing: arcs by source, epsilon topological order, reachability ---- */

static int by_from(const void *a, const void *b)
{
    const hark_grammar_arc *x = a, *y = b;
    return (x->from > y->from) - (x->from < y->from);
}

/* Kahn's algorithm over the epsilon-type arcs; fails on a cycle. */
static hark_status order_epsilons(hark_grammar *g)
{
    int32_t *indeg = calloc((size_t)g->n_nodes, sizeof *indeg);
    g->topo = malloc((size_t)g->n_nodes * sizeof *g->topo);
    if (!indeg || !g->topo) {
        free(indeg);
        return hark_error(HARK_ERR_NOMEM, "grammar: out of memory");
    }
    for (size_t i = 0; i < g->n_arcs; i++)
        if (g->arcs[i].kind != HARK_GRAMMAR_WORD)
            indeg[g->arcs[i].to]++;
    int32_t *queue = malloc((size_t)g->n_nodes * sizeof *queue);
    if (!queue) {
        free(indeg);
        return hark_error(HARK_ERR_NOMEM, "grammar: out of memory");
    }
    int32_t head = 0, tail = 0, rank = 0;
    for (int32_t n = 0; n < g->n_nodes; n++)
        if (indeg[n] == 0)
            queue[tail++] = n;
    while (head < tail) {
        int32_t n = queue[head++];
        g->topo[n] = rank++;
        for (int32_t a = g->first[n]; a < g->first[n + 1]; a++)
            if (g->arcs[a].kind != HARK_GRAMMAR_WORD && --indeg[g->arcs[a].to] == 0)
                queue[tail++] = g->arcs[a].to;
    }
    free(queue);
    free(indeg);
    if (rank != g->n_nodes)
        return hark_error(HARK_ERR_INVALID_ARG, "grammar: a cycle of arcs that consume no word");
    return HARK_OK;
}

static int final_reachable(const hark_grammar *g)
{
    unsigned char *seen = calloc((size_t)g->n_nodes, 1);
    int32_t *stack = malloc((size_t)g->n_nodes * sizeof *stack);
    int found = 0;
    if (seen && stack) {
        int32_t sp = 0;
        stack[sp++] = 0;
        seen[0] = 1;
        while (sp && !found) {
            int32_t n = stack[--sp];
            found = n == g->final;
            for (int32_t a = g->first[n]; a < g->first[n + 1]; a++)
                if (!seen[g->arcs[a].to]) {
                    seen[g->arcs[a].to] = 1;
                    stack[sp++] = g->arcs[a].to;
                }
        }
    }
    free(seen);
    free(stack);
    return found;
}

hark_status hark_grammar_finish(hark_grammar *g)
{
    if (!g)
        return hark_error(HARK_ERR_INVALID_ARG, "grammar: NULL");
    if (g->finished)
        return HARK_OK;
    if (g->final < 0)
        return hark_error(HARK_ERR_INVALID_ARG, "grammar: empty (no final node)");
    /* A stable sort keeps each node's arcs in the order they were added (file order). */
    for (size_t i = 1; i < g->n_arcs; i++) {
        if (g->arcs[i].from < g->arcs[i - 1].from) {
            qsort(g->arcs, g->n_arcs, sizeof *g->arcs, by_from);
            break;
        }
    }
    /* A finish that failed before may have left its index behind. */
    free(g->first);
    free(g->topo);
    g->topo = NULL;
    g->first = calloc((size_t)g->n_nodes + 1, sizeof *g->first);
    if (!g->first)
        return hark_error(HARK_ERR_NOMEM, "grammar: out of memory");
    for (size_t i = 0; i < g->n_arcs; i++)
        g->first[g->arcs[i].from + 1]++;
    for (int32_t n = 0; n < g->n_nodes; n++)
        g->first[n + 1] += g->first[n];
    hark_status st = order_epsilons(g);
    if (st)
        return st;
    if (!final_reachable(g))
        return hark_error(HARK_ERR_INVALID_ARG, "grammar: no sentence (the final node cannot be "
                          "reached)");
    g->finished = 1;
    return HARK_OK;
}

size_t hark_grammar_nodes(const hark_grammar *g) { return g ? (size_t)g->n_nodes : 0; }
size_t hark_grammar_arcs(const hark_grammar *g) { return g ? g->n_arcs : 0; }

const hark_grammar_arc *hark_grammar_arc_at(const hark_grammar *g, size_t i)
{
    return g && i < g->n_arcs ? &g->arcs[i] : NULL;
}

size_t hark_grammar_word_arcs(const hark_grammar *g)
{
    size_t n = 0;
    for (size_t i = 0; g && i < g->n_arcs; i++)
        n += g->arcs[i].kind == HARK_GRAMMAR_WORD;
    return n;
}

size_t hark_grammar_words(const hark_grammar *g)
{
    if (!g)
        return 0;
    unsigned char *seen = calloc((size_t)g->n_strings + 1, 1);
    size_t n = 0;
    for (size_t i = 0; seen && i < g->n_arcs; i++)
        if (g->arcs[i].kind == HARK_GRAMMAR_WORD && !seen[g->arcs[i].label]) {
            seen[g->arcs[i].label] = 1;
            n++;
        }
    free(seen);
    return n;
}

/* ---- phrase lists: a prefix tree of words ---- */

/* Children of the prefix tree by (node, word), in an open-addressing table of node pairs. */
typedef struct trie_map {
    uint64_t *key; /* (from + 1) << 32 | word; 0 = empty */
    int32_t *to;
    size_t cap, n;
} trie_map;

static size_t map_slot(const trie_map *m, uint64_t key)
{
    size_t j = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 20) & (m->cap - 1);
    while (m->key[j] && m->key[j] != key)
        j = (j + 1) & (m->cap - 1);
    return j;
}

static int map_grow(trie_map *m)
{
    trie_map b = {calloc(m->cap * 2, sizeof *b.key), malloc(m->cap * 2 * sizeof *b.to),
                  m->cap * 2, m->n};
    if (!b.key || !b.to) {
        free(b.key);
        free(b.to);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++)
        if (m->key[i]) {
            size_t j = map_slot(&b, m->key[i]);
            b.key[j] = m->key[i];
            b.to[j] = m->to[i];
        }
    free(m->key);
    free(m->to);
    *m = b;
    return 0;
}

/* The node reached from `from` by word `w`, made when missing; -1 with the error set. */
static int32_t trie_step(hark_grammar *g, trie_map *m, int32_t from, int32_t w)
{
    if ((m->n + 1) * 2 > m->cap && map_grow(m)) {
        hark_error(HARK_ERR_NOMEM, "grammar: out of memory");
        return -1;
    }
    uint64_t key = ((uint64_t)(from + 1) << 32) | (uint32_t)w;
    size_t j = map_slot(m, key);
    if (m->key[j])
        return m->to[j];
    int32_t n = hark_grammar_add_node(g);
    if (n < 0 || hark_grammar_add_arc(g, from, n, HARK_GRAMMAR_WORD, w))
        return -1;
    m->key[j] = key;
    m->to[j] = n;
    m->n++;
    return n;
}

/* Join the end of a phrase to the final node once (a repeated phrase adds nothing): the table
 * remembers joined nodes under the word id -1. */
static int join_final(hark_grammar *g, trie_map *m, int32_t at, int32_t fin)
{
    if ((m->n + 1) * 2 > m->cap && map_grow(m)) {
        hark_error(HARK_ERR_NOMEM, "grammar: out of memory");
        return -1;
    }
    uint64_t key = ((uint64_t)(at + 1) << 32) | 0xFFFFFFFFu;
    size_t j = map_slot(m, key);
    if (m->key[j])
        return 0;
    if (hark_grammar_add_arc(g, at, fin, HARK_GRAMMAR_EPSILON, -1))
        return -1;
    m->key[j] = key;
    m->to[j] = fin;
    m->n++;
    return 0;
}

hark_grammar *hark_grammar_from_phrases(const char *const *phrases, size_t n)
{
    if (!phrases || n == 0) {
        hark_error(HARK_ERR_INVALID_ARG, "grammar: no phrases");
        return NULL;
    }
    hark_grammar *g = hark_grammar_create();
    if (!g)
        return NULL;
    trie_map m = {calloc(64, sizeof(uint64_t)), malloc(64 * sizeof(int32_t)), 64, 0};
    int32_t fin = hark_grammar_add_node(g);
    if (!m.key || !m.to) {
        hark_error(HARK_ERR_NOMEM, "grammar: out of memory");
        goto fail;
    }
    if (fin < 0 || hark_grammar_set_final(g, fin))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        int32_t at = 0;
        const char *p = phrases[i] ? phrases[i] : "";
        for (;;) {
            while (*p == ' ')
                p++;
            if (!*p)
                break;
            size_t len = strcspn(p, " ");
            int32_t w = hark_grammar_intern(g, p, len);
            if (w < 0) {
                hark_error(HARK_ERR_NOMEM, "grammar: out of memory");
                goto fail;
            }
            if ((at = trie_step(g, &m, at, w)) < 0)
                goto fail;
            p += len;
        }
        if (join_final(g, &m, at, fin))
            goto fail;
    }
    free(m.key);
    free(m.to);
    if (hark_grammar_finish(g)) {
        hark_grammar_free(g);
        return NULL;
    }
    return g;
fail:
    free(m.key);
    free(m.to);
    hark_grammar_free(g);
    return NULL;
}
