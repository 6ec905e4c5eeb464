/* slots.c - slot filling by alignment. Each intent's templates are expanded into "skeletons",
 * sentences where every tagged group is one placeholder ("set a timer for $3 minutes"), and each
 * tagged group into its phrases with their values ("twenty five" -> 25). A recognised sentence is
 * aligned with every skeleton of the chosen intent by an edit distance in which a placeholder
 * absorbs a span of words at the cost of the closest phrase, so small recognition errors
 * ("kitchn", a dropped "the") still give the right slots. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hark/nlu.h"
#include "core/util.h"
#include "nlu/nlu_internal.h"

#define MAX_SKELETONS 4000  /* per intent */
#define MAX_PHRASES 5000    /* per tagged group */
#define MAX_WORDS 48        /* words of input or skeleton considered */
#define MAX_SPAN 8          /* longest slot phrase in words */
#define FUZZY_PER_WORD 0.4f /* each word of a slot phrase may differ by this much and still match */

typedef struct phrase {
    char *words; /* normalised */
    char *value;
    int n_words;
} phrase;

typedef struct slot_table {
    const tnode *node;
    int canon; /* the first tag with the same phrases ("$number{a}" and "$number{b}"), whose
                * span matches are shared */
    const tnode *range; /* the number range the slot is, through lists, or NULL */
    phrase *p;
    size_t n, cap;
    int max_words;
} slot_table;

typedef struct skeleton {
    int *word; /* word id per token (into the slotter's vocabulary), -1 for slots */
    int *tag;  /* tag id per token, -1 for words */
    int n;
} skeleton;

typedef struct intent_skels {
    skeleton *s;
    size_t n, cap;
} intent_skels;

struct nlu_slotter {
    const hark_intents *f;
    intent_skels *intents;
    slot_table *slots; /* by tag id */
    int n_tags;
    /* The skeletons' words, interned, so an input word is compared with each distinct
     * template word once per sentence rather than once per skeleton. */
    char **words;
    size_t n_words, cap_words;
    int *table; /* open addressing: word id or -1 */
    size_t cap_table;
};

typedef struct skel_ctx {
    nlu_slotter *s;
    intent_skels *is;
} skel_ctx;

static int intern(nlu_slotter *s, const char *w, size_t n)
{
    if ((s->n_words + 1) * 2 > s->cap_table) {
        size_t nc = s->cap_table ? s->cap_table * 2 : 1024;
        int *t = malloc(nc * sizeof *t);
        if (!t)
            return -1;
        for (size_t i = 0; i < nc; i++)
            t[i] = -1;
        for (size_t k = 0; k < s->n_words; k++) {
            size_t i = nlu_fnv1a(s->words[k], strlen(s->words[k]), NLU_FNV_BASIS) & (nc - 1);
            while (t[i] >= 0)
                i = (i + 1) & (nc - 1);
            t[i] = (int)k;
        }
        free(s->table);
        s->table = t;
        s->cap_table = nc;
    }
    size_t i = nlu_fnv1a(w, n, NLU_FNV_BASIS) & (s->cap_table - 1);
    for (; s->table[i] >= 0; i = (i + 1) & (s->cap_table - 1)) {
        const char *v = s->words[s->table[i]];
        if (strlen(v) == n && !memcmp(v, w, n))
            return s->table[i];
    }
    if (util_grow(&s->words, &s->cap_words, s->n_words + 1, sizeof *s->words, 256))
        return -1;
    char *copy = malloc(n + 1);
    if (!copy)
        return -1;
    memcpy(copy, w, n);
    copy[n] = '\0';
    s->words[s->n_words] = copy;
    s->table[i] = (int)s->n_words;
    return (int)s->n_words++;
}

static char *dupstr(const char *s)
{
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

static int count_words(const char *s)
{
    int n = 0;
    size_t l;
    for (const char *p = s; nlu_next_word(&p, &l);)
        n++;
    return n;
}

/* The phrases of the slot being collected, hashed, so dropping a repeat is not a scan of all
 * earlier phrases (quadratic: seconds per tag for a big number range). Entries are valid when
 * their stamp is the current generation, so starting the next slot costs nothing. */
#define PHRASE_SET 16384 /* a power of two, more than twice MAX_PHRASES */
typedef struct phrase_set {
    int gen;
    int stamp[PHRASE_SET];
    int idx[PHRASE_SET];
} phrase_set;

typedef struct phrase_ctx {
    slot_table *t;
    phrase_set *set;
} phrase_ctx;

static int phrase_cb(const nlu_sentence *s, void *user)
{
    phrase_ctx *c = user;
    slot_table *t = c->t;
    phrase_set *set = c->set;
    /* Different spellings can give the same phrase; keep the first. */
    size_t h = nlu_fnv1a(s->spoken, strlen(s->spoken), NLU_FNV_BASIS) & (PHRASE_SET - 1);
    for (; set->stamp[h] == set->gen; h = (h + 1) & (PHRASE_SET - 1))
        if (!strcmp(t->p[set->idx[h]].words, s->spoken))
            return 0;
    if (t->n >= PHRASE_SET / 2 || util_grow(&t->p, &t->cap, t->n + 1, sizeof *t->p, 16))
        return 1;
    phrase *ph = &t->p[t->n];
    ph->words = dupstr(s->spoken);
    /* The value with surrounding spaces trimmed (substitutions may leave them). */
    const char *v = s->value;
    while (*v == ' ')
        v++;
    ph->value = dupstr(v);
    if (!ph->words || !ph->value) {
        free(ph->words);
        free(ph->value);
        return 1;
    }
    size_t vl = strlen(ph->value);
    while (vl && ph->value[vl - 1] == ' ')
        ph->value[--vl] = '\0';
    ph->n_words = count_words(ph->words);
    if (ph->n_words > t->max_words)
        t->max_words = ph->n_words;
    set->stamp[h] = set->gen;
    set->idx[h] = (int)t->n++;
    return 0;
}

static int skeleton_cb(const nlu_sentence *sent, void *user)
{
    skel_ctx *c = user;
    intent_skels *is = c->is;
    if (util_grow(&is->s, &is->cap, is->n + 1, sizeof *is->s, 16))
        return 1;
    skeleton *sk = &is->s[is->n];
    int n = count_words(sent->spoken);
    if (n > MAX_WORDS)
        n = MAX_WORDS;
    sk->word = calloc((size_t)n + 1, sizeof *sk->word);
    sk->tag = calloc((size_t)n + 1, sizeof *sk->tag);
    sk->n = 0;
    if (!sk->word || !sk->tag) {
        free(sk->word);
        free(sk->tag);
        return 1;
    }
    is->n++; /* counted now so a partial skeleton is freed with the rest */
    const char *p = sent->spoken, *w;
    size_t l;
    while (sk->n < n && (w = nlu_next_word(&p, &l))) {
        if (*w == '$') {
            sk->tag[sk->n] = atoi(w + 1);
            sk->word[sk->n] = -1;
        } else {
            sk->tag[sk->n] = -1;
            if ((sk->word[sk->n] = intern(c->s, w, l)) < 0)
                return 1;
        }
        sk->n++;
    }
    return is->n >= MAX_SKELETONS;
}

void nlu_slotter_free(nlu_slotter *s)
{
    if (!s)
        return;
    if (s->intents) {
        for (size_t i = 0; i < hark_intents_count(s->f); i++) {
            for (size_t k = 0; k < s->intents[i].n; k++) {
                free(s->intents[i].s[k].word);
                free(s->intents[i].s[k].tag);
            }
            free(s->intents[i].s);
        }
    }
    free(s->intents);
    for (int t = 0; s->slots && t < s->n_tags; t++) {
        for (size_t i = 0; i < s->slots[t].n; i++) {
            free(s->slots[t].p[i].words);
            free(s->slots[t].p[i].value);
        }
        free(s->slots[t].p);
    }
    free(s->slots);
    for (size_t i = 0; i < s->n_words; i++)
        free(s->words[i]);
    free(s->words);
    free(s->table);
    free(s);
}

nlu_slotter *nlu_slotter_build(const hark_intents *f)
{
    nlu_slotter *s = calloc(1, sizeof *s);
    if (!s)
        goto nomem;
    s->f = f;
    s->n_tags = f->n_tags;
    s->intents = calloc((size_t)f->n_intents, sizeof *s->intents);
    s->slots = calloc((size_t)(f->n_tags ? f->n_tags : 1), sizeof *s->slots);
    /* The first plain tagged reference to each list, so finding a tag's canonical twin is a
     * lookup (a scan of all earlier tags was quadratic: minutes for 100,000 tags). */
    int *first_ref = malloc((size_t)(f->n_lists ? f->n_lists : 1) * sizeof *first_ref);
    if (!s->intents || !s->slots || !first_ref) {
        free(first_ref);
        goto nomem;
    }
    for (int i = 0; i < f->n_lists; i++)
        first_ref[i] = -1;
    for (int t = 0; t < f->n_tags; t++) {
        s->slots[t].node = f->tags[t];
        s->slots[t].canon = t;
        /* A tagged list reference without a substitution of its own has the list's phrases. */
        if (f->tags[t]->kind == T_LIST && !f->tags[t]->subst) {
            int *first = &first_ref[f->tags[t]->list];
            if (*first < 0)
                *first = t;
            s->slots[t].canon = *first;
        }
    }
    free(first_ref);
    phrase_set *set = calloc(1, sizeof *set);
    if (!set)
        goto nomem;
    for (int t = 0; t < f->n_tags; t++) {
        const tnode *r = f->tags[t];
        for (int depth = 0; r->kind == T_LIST && depth < 64; depth++)
            r = f->lists[r->list].root;
        s->slots[t].range = r->kind == T_RANGE ? r : NULL;
        set->gen++;
        phrase_ctx pc = {&s->slots[t], set};
        hark_status st = nlu_walk(f, f->tags[t], NLU_WALK_UNTAG_ROOT, MAX_PHRASES, NULL,
                                  phrase_cb, &pc);
        if (st) {
            free(set);
            goto fail;
        }
    }
    free(set);
    for (int i = 0; i < f->n_intents; i++) {
        skel_ctx c = {s, &s->intents[i]};
        hark_status st = nlu_walk(f, f->intents[i].root, NLU_WALK_SKELETON, MAX_SKELETONS, NULL,
                                  skeleton_cb, &c);
        if (st)
            goto fail;
    }
    return s;
nomem:
    hark_error(HARK_ERR_NOMEM, "out of memory building the slot tables");
fail:
    nlu_slotter_free(s);
    return NULL;
}

size_t nlu_slotter_values(const nlu_slotter *s, const char *name, const char **out, size_t cap)
{
    size_t n = 0;
    for (int t = 0; t < s->n_tags; t++) {
        if (strcmp(s->slots[t].node->tag, name))
            continue;
        for (size_t i = 0; i < s->slots[t].n; i++) {
            const char *v = s->slots[t].p[i].value;
            int seen = 0;
            for (size_t k = 0; k < n && !seen; k++)
                seen = !strcmp(out[k], v);
            if (!seen && v[0] && n < cap)
                out[n++] = v;
        }
    }
    return n;
}

float nlu_word_distance(const char *a, size_t na, const char *b, size_t nb)
{
    if (na == nb && !memcmp(a, b, na))
        return 0;
    if (na > 32 || nb > 32)
        return 1;
    /* Damerau-style: a transposition costs one, as in typing and recognition errors. */
    int d[33][33];
    for (size_t i = 0; i <= na; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= nb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= na; i++)
        for (size_t j = 1; j <= nb; j++) {
            int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < c)
                c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c)
                c = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < c)
                c = d[i - 2][j - 2] + 1;
            d[i][j] = c;
        }
    size_t mx = na > nb ? na : nb;
    return mx ? (float)d[na][nb] / (float)mx : 0;
}

/* ---- alignment ---- */

typedef struct input {
    const char *w[MAX_WORDS];
    size_t len[MAX_WORDS];
    int n;
} input;

/* The best phrase of slot table t for words [i, i+L): cost and value (-1 cost: none). */
typedef struct span_match {
    float cost;
    const char *value; /* points into the table or `num` */
    char num[32];
} span_match;

static void span_text(const input *in, int i, int L, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int k = i; k < i + L; k++) {
        int n = snprintf(buf + len, cap - len, "%s%.*s", k > i ? " " : "", (int)in->len[k],
                         in->w[k]);
        if (n < 0 || (size_t)n >= cap - len)
            return;
        len += (size_t)n;
    }
}

static void match_span(const slot_table *t, const input *in, int i, int L, span_match *m)
{
    char text[256];
    m->cost = -1;
    m->value = NULL;
    span_text(in, i, L, text, sizeof text);
    for (size_t k = 0; k < t->n; k++) {
        if (!strcmp(t->p[k].words, text)) {
            m->cost = 0;
            m->value = t->p[k].value;
            return;
        }
    }
    if (t->range) {
        /* Any spoken number fills a number slot; one outside the range is a worse match. */
        long long v;
        if (hark_nlu_words_to_number(text, &v) == HARK_OK) {
            snprintf(m->num, sizeof m->num, "%lld", v);
            m->value = m->num;
            m->cost = (v >= t->range->lo && v <= t->range->hi) ? 0.0f : 0.3f;
            return;
        }
    }
    /* Fuzzy: the phrase with the same number of words and the smallest summed distance. */
    float best = FUZZY_PER_WORD * (float)L;
    for (size_t k = 0; k < t->n; k++) {
        const phrase *ph = &t->p[k];
        if (ph->n_words != L)
            continue;
        float c = 0;
        const char *p = ph->words;
        for (int w = 0; w < L && c <= best; w++) {
            const char *e = strchr(p, ' ');
            size_t pl = e ? (size_t)(e - p) : strlen(p);
            size_t il = in->len[i + w], mx = il > pl ? il : pl;
            /* The length difference alone bounds the distance from below. */
            float lb = (float)(il > pl ? il - pl : pl - il) / (float)(mx ? mx : 1);
            /* Every word must be close on its own: "from six" is not "forty six". */
            float d = lb > FUZZY_PER_WORD ? lb : nlu_word_distance(in->w[i + w], il, p, pl);
            c += d > FUZZY_PER_WORD ? best + 1 : d;
            p += pl + (e ? 1 : 0);
        }
        if (c <= best) {
            best = c;
            m->cost = c;
            m->value = ph->value;
        }
    }
}

enum { MV_NONE, MV_INS, MV_DEL, MV_SUB, MV_SLOT };

typedef struct cell {
    float cost;
    unsigned char move, span;
} cell;

int nlu_slotter_fill(const nlu_slotter *s, int intent, const char *text, hark_slot *out)
{
    if (!s || intent < 0 || intent >= s->f->n_intents || !text)
        return 0;
    const intent_skels *is = &s->intents[intent];
    input in = {.n = 0};
    for (const char *p = text; in.n < MAX_WORDS && (in.w[in.n] = nlu_next_word(&p, &in.len[in.n]));)
        in.n++;
    /* Span matches are computed once per (tag, start, length) and shared by all skeletons. */
    span_match *cache = NULL;
    unsigned char *have = NULL;
    size_t per_tag = (size_t)(in.n + 1) * (MAX_SPAN + 1);
    if (s->n_tags > 0) {
        cache = malloc((size_t)s->n_tags * per_tag * sizeof *cache);
        have = calloc((size_t)s->n_tags * per_tag, 1);
        if (!cache || !have) {
            free(cache);
            free(have);
            return 0;
        }
    }
    /* Distances from each input word to each template word, filled on first use. */
    size_t n_dist = (size_t)in.n * s->n_words;
    float *dist = n_dist ? malloc(n_dist * sizeof *dist) : NULL;
    if (n_dist && !dist) {
        free(cache);
        free(have);
        return 0;
    }
    for (size_t k = 0; k < n_dist; k++)
        dist[k] = -1;
    static const float INF = 1e30f;
    cell D[MAX_WORDS + 1][MAX_WORDS + 1];
    float best_cost = INF;
    int n_best = 0;
    hark_slot best[HARK_NLU_MAX_SLOTS];
    for (size_t k = 0; k < is->n; k++) {
        const skeleton *sk = &is->s[k];
        int n = in.n, m = sk->n;
        for (int i = 0; i <= n; i++)
            for (int j = 0; j <= m; j++)
                D[i][j] = (cell){INF, MV_NONE, 0};
        D[0][0].cost = 0;
        for (int i = 0; i <= n; i++) {
            for (int j = 0; j <= m; j++) {
                float c = D[i][j].cost;
                if (c >= INF)
                    continue;
                if (i < n && c + 1 < D[i + 1][j].cost)
                    D[i + 1][j] = (cell){c + 1, MV_INS, 0};
                if (j < m && c + 1 < D[i][j + 1].cost)
                    D[i][j + 1] = (cell){c + 1, MV_DEL, 0};
                if (j >= m || i >= n)
                    continue;
                if (sk->tag[j] < 0) {
                    float *d = &dist[(size_t)i * s->n_words + (size_t)sk->word[j]];
                    if (*d < 0) {
                        const char *tw = s->words[sk->word[j]];
                        *d = nlu_word_distance(in.w[i], in.len[i], tw, strlen(tw));
                    }
                    float sub = *d;
                    if (c + sub < D[i + 1][j + 1].cost)
                        D[i + 1][j + 1] = (cell){c + sub, MV_SUB, 0};
                    continue;
                }
                int tag = sk->tag[j];
                if (tag < 0 || tag >= s->n_tags)
                    continue;
                const slot_table *t = &s->slots[tag];
                int maxL = t->max_words + 1;
                if (maxL > MAX_SPAN)
                    maxL = MAX_SPAN;
                for (int L = 1; L <= maxL && i + L <= n; L++) {
                    size_t ci = (size_t)t->canon * per_tag + (size_t)i * (MAX_SPAN + 1) + (size_t)L;
                    if (!have[ci]) {
                        match_span(t, &in, i, L, &cache[ci]);
                        have[ci] = 1;
                    }
                    if (cache[ci].cost < 0)
                        continue;
                    float nc = c + cache[ci].cost;
                    if (nc < D[i + L][j + 1].cost)
                        D[i + L][j + 1] = (cell){nc, MV_SLOT, (unsigned char)L};
                }
            }
        }
        float total = D[n][m].cost;
        if (total >= best_cost)
            continue;
        /* Trace back the slot spans of this alignment. */
        hark_slot got[HARK_NLU_MAX_SLOTS];
        int ng = 0;
        for (int i = n, j = m; i > 0 || j > 0;) {
            cell ce = D[i][j];
            if (ce.move == MV_INS)
                i--;
            else if (ce.move == MV_DEL)
                j--;
            else if (ce.move == MV_SUB)
                i--, j--;
            else if (ce.move == MV_SLOT) {
                int L = ce.span, tag = sk->tag[j - 1];
                i -= L;
                j--;
                size_t ci = (size_t)s->slots[tag].canon * per_tag + (size_t)i * (MAX_SPAN + 1) +
                            (size_t)L;
                if (ng < HARK_NLU_MAX_SLOTS && cache[ci].value) {
                    hark_slot *sl = &got[ng++];
                    memset(sl, 0, sizeof *sl);
                    snprintf(sl->name, sizeof sl->name, "%s", s->slots[tag].node->tag);
                    snprintf(sl->text, sizeof sl->text, "%s", cache[ci].value);
                    char *end;
                    double d = strtod(sl->text, &end);
                    if (sl->text[0] && *end == '\0') {
                        sl->is_number = 1;
                        sl->number = d;
                    }
                }
            } else {
                break;
            }
        }
        best_cost = total;
        /* Traceback runs right to left: store in sentence order. */
        n_best = ng;
        for (int g = 0; g < ng; g++)
            best[g] = got[ng - 1 - g];
    }
    free(cache);
    free(have);
    free(dist);
    memcpy(out, best, (size_t)n_best * sizeof *out);
    return n_best;
}
