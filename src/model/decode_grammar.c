/* decode_grammar.c - CTC decoding under a grammar (hark/grammar.h) on the expanded graph of
 * grammar_decoder.c: Viterbi token passing with a beam, the output tags of the winning path
 * turned into intent and slots, rejection against the best unconstrained path, and the same
 * search run incrementally for partial transcripts.
 *
 * Graph nodes do not emit: after each frame, tokens leaving words and loop states enter their
 * nodes and are carried along the epsilon-type arcs in topological order (the graph guarantees
 * one); at the next frame they enter the nodes' words. A trace record is written only for the
 * word ends and tags of node tokens that survive the beam, so memory grows with what the beam
 * keeps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hark/decode.h"
#include "hark/grammar.h"
#include "core/util.h"
#include "model/grammar_internal.h"
#include "model/model_internal.h"

/* ---- search ---- */

typedef struct trace {
    int32_t prev;
    int32_t kind; /* hark_grammar_arc_kind */
    int32_t label;
    int32_t t0, t1;
} trace;

typedef struct token {
    float score;
    int32_t tr;    /* trace record of the path so far */
    int32_t start; /* frame the current word started */
    int32_t stamp; /* frame + 1 at which this side last touched the state */
} token;

typedef struct search {
    const hark_grammar_decoder *d;
    const hark_grammar *g;
    /* emitting states: two sides (current frame, next frame), one token per state and side */
    token *tok[2];
    int32_t *act[2];
    int32_t n_act[2];
    float floor; /* this frame's pruning threshold so far */
    float beam, skip; /* the limits of this search */
    int32_t best;     /* the best state after the last frame, or -1 */
    int32_t max_active;
    /* nodes */
    float *nscore;
    int32_t *nkind, *nsrc, *narc, *nt0, *ntr, *nstamp;
    int32_t *heap, n_heap;
    int32_t *ready, n_ready;
    trace *tv;
    size_t n_tv, cap_tv;
    int oom;
    /* frames: the side holding the last frame's tokens, rounds run, blank skipping */
    int cur;
    int32_t t, last_round;
    int blank_run;
    double skipped;
} search;

static void search_free(search *s)
{
    for (int i = 0; i < 2; i++) {
        free(s->tok[i]);
        free(s->act[i]);
    }
    free(s->nscore);
    free(s->nkind);
    free(s->nsrc);
    free(s->narc);
    free(s->nt0);
    free(s->ntr);
    free(s->nstamp);
    free(s->heap);
    free(s->ready);
    free(s->tv);
}

static int search_init(search *s, const hark_grammar_decoder *d)
{
    memset(s, 0, sizeof *s);
    s->d = d;
    s->g = d->g;
    size_t S = (size_t)d->n_states + 1, N = (size_t)d->g->n_nodes + 1;
    for (int i = 0; i < 2; i++) {
        s->tok[i] = calloc(S, sizeof(token));
        s->act[i] = malloc(S * sizeof(int32_t));
        if (!s->tok[i] || !s->act[i])
            return -1;
    }
    s->nscore = malloc(N * sizeof(float));
    s->nkind = malloc(N * sizeof(int32_t));
    s->nsrc = malloc(N * sizeof(int32_t));
    s->narc = malloc(N * sizeof(int32_t));
    s->nt0 = malloc(N * sizeof(int32_t));
    s->ntr = malloc(N * sizeof(int32_t));
    s->nstamp = calloc(N, sizeof(int32_t));
    s->heap = malloc(N * sizeof(int32_t));
    s->ready = malloc(N * sizeof(int32_t));
    return s->nscore && s->nkind && s->nsrc && s->narc && s->nt0 &&
                   s->ntr && s->nstamp && s->heap && s->ready
               ? 0
               : -1;
}

static int32_t add_trace(search *s, int32_t prev, int32_t kind, int32_t label, int32_t t0,
                         int32_t t1)
{
    if (util_grow(&s->tv, &s->cap_tv, s->n_tv + 1, sizeof *s->tv, 1024)) {
        s->oom = 1;
        return prev;
    }
    s->tv[s->n_tv] = (trace){prev, kind, label, t0, t1};
    return (int32_t)s->n_tv++;
}

/* Heap of nodes by topological rank (min first). */
static void heap_push(search *s, int32_t v)
{
    const int32_t *rank = s->g->topo;
    int32_t i = s->n_heap++;
    while (i > 0) {
        int32_t parent = (i - 1) / 2;
        if (rank[s->heap[parent]] <= rank[v])
            break;
        s->heap[i] = s->heap[parent];
        i = parent;
    }
    s->heap[i] = v;
}

static int32_t heap_pop(search *s)
{
    const int32_t *rank = s->g->topo;
    int32_t top = s->heap[0], last = s->heap[--s->n_heap], i = 0;
    for (;;) {
        int32_t c = 2 * i + 1;
        if (c >= s->n_heap)
            break;
        if (c + 1 < s->n_heap && rank[s->heap[c + 1]] < rank[s->heap[c]])
            c++;
        if (rank[last] <= rank[s->heap[c]])
            break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (s->n_heap)
        s->heap[i] = last;
    return top;
}

/* Offer node v a token in round `round` (frame t + 1; 0 before the first frame). */
static void node_offer(search *s, int32_t v, int32_t round, float sc, int32_t kind, int32_t src,
                       int32_t arc, int32_t t0)
{
    if (s->nstamp[v] != round + 1) {
        s->nstamp[v] = round + 1;
        s->nscore[v] = -INFINITY;
        heap_push(s, v);
    }
    if (sc <= s->nscore[v])
        return;
    s->nscore[v] = sc;
    s->nkind[v] = kind;
    s->nsrc[v] = src;
    s->narc[v] = arc;
    s->nt0[v] = t0;
}

/* Carry node tokens along epsilon-type arcs in topological order, dropping those below `floor`,
 * and write the trace of each survivor; they become the nodes ready for the next frame. */
static void closure(search *s, int32_t round, int32_t t, float floor)
{
    const hark_grammar *g = s->g;
    s->n_ready = 0;
    while (s->n_heap) {
        int32_t v = heap_pop(s);
        float sc = s->nscore[v];
        if (sc < floor) {
            s->nscore[v] = -INFINITY; /* pruned: not reached in this round */
            continue;
        }
        int32_t tr = s->nsrc[v];
        if (s->nkind[v] == 1) {
            const hark_grammar_arc *a = &g->arcs[s->narc[v]];
            tr = add_trace(s, tr, HARK_GRAMMAR_WORD, a->label, s->nt0[v], t);
        } else if (s->nkind[v] == 2) {
            const hark_grammar_arc *a = &g->arcs[s->narc[v]];
            tr = s->ntr[a->from];
            if (a->kind != HARK_GRAMMAR_EPSILON)
                tr = add_trace(s, tr, a->kind, a->label, t < 0 ? 0 : t, t < 0 ? 0 : t);
        }
        s->ntr[v] = tr;
        s->ready[s->n_ready++] = v;
        for (int32_t a = g->first[v]; a < g->first[v + 1]; a++)
            if (g->arcs[a].kind != HARK_GRAMMAR_WORD)
                node_offer(s, g->arcs[a].to, round, sc, 2, -1, a, 0);
    }
}

/* Offer state st the token (sc before this frame's emission). The emission is added here, and
 * anything below the beam under the best score seen so far this frame is dropped at once. */

static void relax(search *s, int nx, const float *lp, int32_t st, int32_t stamp, float sc,
                  int32_t tr, int32_t t0)
{
    sc += lp[s->d->lab[st]];
    if (sc < s->floor)
        return;
    if (sc - s->beam > s->floor)
        s->floor = sc - s->beam;
    token *k = &s->tok[nx][st];
    if (k->stamp != stamp) {
        k->stamp = stamp;
        s->act[nx][s->n_act[nx]++] = st;
        k->score = -INFINITY;
    }
    if (sc > k->score) {
        k->score = sc;
        k->tr = tr;
        k->start = t0;
    }
}

/* Raise the floor so that about max_active states stay: a histogram of the scores between the
 * floor and the best, counted down from the top (histogram pruning, as large-vocabulary
 * decoders do, instead of a sort). */
static void histogram_floor(search *s, int nx)
{
    enum { BINS = 64 };
    int32_t count[BINS] = {0};
    float lo = s->floor, width = s->beam / BINS;
    for (int32_t i = 0; i < s->n_act[nx]; i++) {
        float sc = s->tok[nx][s->act[nx][i]].score;
        if (sc < lo)
            continue;
        int b = (int)((sc - lo) / width);
        count[b >= BINS ? BINS - 1 : b]++;
    }
    int32_t kept = 0;
    for (int b = BINS - 1; b > 0; b--) {
        kept += count[b];
        if (kept >= s->max_active) {
            s->floor = lo + (float)b * width;
            return;
        }
    }
}

/* Move the token of state st on side `cur` to its successors on the other side. */
static void expand(search *s, int cur, const float *lp, int32_t st, int32_t stamp)
{
    const token *k = &s->tok[cur][st];
    int nx = !cur;
    uint8_t f = s->d->flags[st];
    relax(s, nx, lp, st, stamp, k->score, k->tr, k->start);
    if (f & F_NEXT)
        relax(s, nx, lp, st + 1, stamp, k->score, k->tr, k->start);
    if (f & F_SKIP)
        relax(s, nx, lp, st + 2, stamp, k->score, k->tr, k->start);
}

/* One frame: tokens move (self-loops, chain steps, node entries), emit, are pruned, and the ones
 * that leave words or loop states go to their nodes. */
static void step(search *s, const float *lp, int32_t t, int cur)
{
    const hark_grammar_decoder *d = s->d;
    int nx = !cur;
    int32_t stamp = t + 1;
    s->n_act[nx] = 0;
    s->floor = -INFINITY;
    /* The last frame's best token first: its successors set a floor at once, so most weak
     * candidates after it are dropped without being stored. */
    if (s->best >= 0)
        expand(s, cur, lp, s->best, stamp);
    for (int32_t i = 0; i < s->n_act[cur]; i++)
        expand(s, cur, lp, s->act[cur][i], stamp);
    for (int32_t i = 0; i < s->n_ready; i++) {
        int32_t v = s->ready[i];
        for (int32_t e = d->entry_first[v]; e < d->entry_first[v + 1]; e++)
            relax(s, nx, lp, d->entries[e], stamp, s->nscore[v], s->ntr[v], t);
    }
    if (s->n_act[nx] > s->max_active)
        histogram_floor(s, nx);
    float floor = s->floor, best = -INFINITY;
    int32_t kept = 0;
    s->best = -1;
    for (int32_t i = 0; i < s->n_act[nx]; i++) {
        int32_t st = s->act[nx][i];
        token *k = &s->tok[nx][st];
        float sc = k->score;
        if (sc < floor) {
            k->stamp = 0; /* dropped: the next touch of this side is a fresh entry */
            continue;
        }
        if (sc > best) {
            best = sc;
            s->best = st;
        }
        s->act[nx][kept++] = st;
        if (d->flags[st] & F_END)
            node_offer(s, s->g->arcs[d->aux[st]].to, stamp, sc, 1, k->tr, d->aux[st], k->start);
        else if (d->flags[st] & F_HOME)
            node_offer(s, d->aux[st], stamp, sc, 0, k->tr, -1, 0);
    }
    s->n_act[nx] = kept;
    closure(s, stamp, t, floor);
}

/* ---- the result ---- */

void hark_grammar_result_clear(hark_grammar_result *r)
{
    if (!r)
        return;
    hark_transcript_clear(&r->transcript);
    memset(r, 0, sizeof *r);
}

void hark_slot_set_value(hark_slot *s, const char *v, size_t n)
{
    while (n && *v == ' ')
        v++, n--;
    while (n && v[n - 1] == ' ')
        n--;
    if (n >= sizeof s->text)
        n = sizeof s->text - 1;
    memcpy(s->text, v, n);
    s->text[n] = '\0';
    s->is_number = 0;
    s->number = 0;
    if (n && ((s->text[0] >= '0' && s->text[0] <= '9') || s->text[0] == '-')) {
        char *end;
        double x = strtod(s->text, &end);
        if (*end == '\0') {
            s->number = x;
            s->is_number = 1;
        }
    }
}

typedef struct builder {
    char *text;
    size_t len, cap;
    hark_word_time *words;
    size_t n_words, cap_words;
    char val[HARK_NLU_RESPONSE_MAX];
    size_t val_len;
    size_t open[HARK_NLU_MAX_SLOTS * 4];
    int n_open, suppress;
} builder;

static void val_append(builder *b, const char *w)
{
    size_t n = strlen(w);
    if (!n || b->val_len + n + 2 > sizeof b->val)
        return;
    if (b->val_len)
        b->val[b->val_len++] = ' ';
    memcpy(b->val + b->val_len, w, n);
    b->val_len += n;
    b->val[b->val_len] = '\0';
}

static hark_status add_word(builder *b, const char *w, const trace *r, double fs)
{
    size_t n = strlen(w);
    if (util_grow(&b->text, &b->cap, b->len + n + 2, 1, 64) ||
        util_grow(&b->words, &b->cap_words, b->n_words + 1, sizeof *b->words, 16))
        return hark_error(HARK_ERR_NOMEM, "grammar decoder: out of memory");
    if (b->len)
        b->text[b->len++] = ' ';
    b->words[b->n_words++] = (hark_word_time){b->len, n, r->t0 * fs, (r->t1 + 1) * fs, 1.0f};
    memcpy(b->text + b->len, w, n);
    b->len += n;
    b->text[b->len] = '\0';
    return HARK_OK;
}

/* Replay the winning path's records in order into text, word times, intent and slots. */
static hark_status replay(const search *s, int32_t tr, double fs, hark_grammar_result *out)
{
    size_t n = 0;
    for (int32_t i = tr; i >= 0; i = s->tv[i].prev)
        n++;
    int32_t *path = malloc((n + 1) * sizeof *path);
    if (!path)
        return hark_error(HARK_ERR_NOMEM, "grammar decoder: out of memory");
    size_t k = n;
    for (int32_t i = tr; i >= 0; i = s->tv[i].prev)
        path[--k] = i;
    builder b = {0};
    hark_intent_result *ir = &out->intent;
    hark_status st = HARK_OK;
    for (size_t i = 0; i < n && !st; i++) {
        const trace *r = &s->tv[path[i]];
        const char *label = hark_grammar_string(s->g, r->label);
        switch (r->kind) {
        case HARK_GRAMMAR_WORD:
            st = add_word(&b, label, r, fs);
            if (!b.suppress)
                val_append(&b, label);
            break;
        case HARK_GRAMMAR_INTENT: snprintf(ir->intent, sizeof ir->intent, "%s", label); break;
        case HARK_GRAMMAR_SLOT_OPEN:
            if (b.n_open < (int)(sizeof b.open / sizeof *b.open))
                b.open[b.n_open] = b.val_len;
            b.n_open++;
            break;
        case HARK_GRAMMAR_SLOT_CLOSE:
            if (b.n_open > 0 && --b.n_open < (int)(sizeof b.open / sizeof *b.open) &&
                ir->n_slots < HARK_NLU_MAX_SLOTS) {
                hark_slot *sl = &ir->slots[ir->n_slots++];
                snprintf(sl->name, sizeof sl->name, "%s", label);
                hark_slot_set_value(sl, b.val + b.open[b.n_open], b.val_len - b.open[b.n_open]);
            }
            break;
        case HARK_GRAMMAR_VALUE_OPEN: b.suppress++; break;
        case HARK_GRAMMAR_VALUE_CLOSE:
            if (b.suppress > 0 && --b.suppress == 0 && label)
                val_append(&b, label);
            break;
        default: break;
        }
    }
    free(path);
    if (st) {
        free(b.text);
        free(b.words);
        return st;
    }
    if (!b.text && !(b.text = calloc(1, 1))) {
        free(b.words);
        return hark_error(HARK_ERR_NOMEM, "grammar decoder: out of memory");
    }
    out->transcript.text = b.text;
    out->transcript.words = b.words;
    out->transcript.n_words = b.n_words;
    if (b.n_words) {
        out->transcript.start = b.words[0].start;
        out->transcript.end = b.words[b.n_words - 1].end;
    }
    snprintf(ir->normalized, sizeof ir->normalized, "%s", b.text);
    return HARK_OK;
}

/* The best unconstrained path: the argmax of every frame. */
static void free_path(const float *lp, int T, int V, int space, double *logprob, int *speech)
{
    double sum = 0;
    int n = 0;
    for (int t = 0; t < T; t++) {
        const float *row = lp + (size_t)t * V;
        const int best = model_frame_argmax(row, V);
        sum += row[best];
        n += best != 0 && best != space;
    }
    *logprob = sum;
    *speech = n;
}

/* The share of the speech frames (argmax neither blank nor space) that lie outside every word of
 * the path: words[i] spans frames [start / fs, end / fs), as add_word wrote them. Speech the
 * grammar's sentence leaves unexplained, as when a short sentence is forced onto a long phrase;
 * a sentence that was said covers nearly all of it, however unsharply each unit was heard. */
static float uncovered_share(const float *lp, int T, int V, int space, const hark_word_time *w,
                             size_t n_words, double fs)
{
    if (!(fs > 0))
        return 0.0f;
    int speech = 0, outside = 0;
    size_t k = 0;
    for (int t = 0; t < T; t++) {
        const float *row = lp + (size_t)t * V;
        const int best = model_frame_argmax(row, V);
        if (best == 0 || best == space)
            continue;
        speech++;
        while (k < n_words && lround(w[k].end / fs) <= t)
            k++;
        outside += !(k < n_words && lround(w[k].start / fs) <= t);
    }
    return speech ? (float)outside / (float)speech : 0.0f;
}

/* Make a search that has run ready for another utterance on the same buffers: the stamps that
 * say which tokens and nodes this utterance has touched are zeroed (search_init's are zero). */
static void search_clear(search *s)
{
    size_t S = (size_t)s->d->n_states + 1, N = (size_t)s->g->n_nodes + 1;
    for (int i = 0; i < 2; i++)
        for (size_t k = 0; k < S; k++)
            s->tok[i][k].stamp = 0;
    memset(s->nstamp, 0, N * sizeof *s->nstamp);
}

/* Start an utterance on fresh or cleared buffers: the start node's token, carried along its
 * epsilon arcs. */
static void search_begin(search *s, float beam, int32_t max_active, float blank_skip)
{
    s->n_tv = 0;
    s->oom = 0;
    s->n_heap = s->n_ready = 0;
    s->beam = beam;
    s->max_active = max_active;
    s->best = -1;
    node_offer(s, 0, 0, 0.0f, 0, -1, -1, 0);
    closure(s, 0, -1, -INFINITY);
    s->cur = 0;
    s->n_act[0] = 0;
    s->t = s->last_round = 0;
    s->blank_run = 0;
    /* A run of frames where the blank is all but certain moves no token but the first frame's
     * (phone-synchronous decoding: Chen et al., Interspeech 2016): the rest add the same blank
     * score to every path, so they are counted once, at the end. */
    s->skip = blank_skip > 0 ? logf(blank_skip) : INFINITY;
    s->skipped = 0;
}

/* The next T frames of the utterance. */
static void search_push(search *s, const float *logprobs, int T, int V)
{
    for (int i = 0; i < T; i++, s->t++) {
        const float *row = logprobs + (size_t)i * V;
        if (s->blank_run && row[0] >= s->skip) {
            s->skipped += row[0];
            continue;
        }
        s->blank_run = row[0] >= s->skip;
        step(s, row, s->t, s->cur);
        s->cur = !s->cur;
        s->last_round = s->t + 1;
    }
}

/* One search over the frames with these limits; fills the path's words, intent and slots and
 * out->grammar_logprob when the final node is reached (*reached). */
static hark_status search_run(const hark_grammar_decoder *d, const float *logprobs, int T, int V,
                              float beam, int32_t max_active, float blank_skip, double fs,
                              hark_grammar_result *out, int *reached)
{
    search s;
    if (search_init(&s, d)) {
        search_free(&s);
        return hark_error(HARK_ERR_NOMEM, "grammar decoder: out of memory");
    }
    search_begin(&s, beam, max_active, blank_skip);
    search_push(&s, logprobs, T, V);
    hark_status st = HARK_OK;
    const hark_grammar *g = d->g;
    *reached = s.nstamp[g->final] == s.last_round + 1 && s.nscore[g->final] > -INFINITY;
    if (s.oom)
        st = hark_error(HARK_ERR_NOMEM, "grammar decoder: out of memory");
    else if (*reached) {
        out->grammar_logprob = s.nscore[g->final] + s.skipped;
        st = replay(&s, s.ntr[g->final], fs, out);
    }
    search_free(&s);
    return st;
}

hark_status hark_grammar_decode(const hark_grammar_decoder *d, const float *logprobs, int T, int V,
                                double frame_seconds, hark_grammar_result *out)
{
    if (!d || !out || T < 0 || (T > 0 && !logprobs))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_grammar_decode: bad arguments");
    memset(out, 0, sizeof *out);
    if (V != d->V)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_grammar_decode: %d units, the decoder has %d",
                          V, d->V);
    free_path(logprobs, T, V, d->space, &out->free_logprob, &out->speech_frames);
    out->grammar_logprob = -INFINITY;
    /* When the beam loses every path to the end (speech far from the grammar), and the caller
     * asked for the closest sentence anyway (no rejection), search again without pruning. */
    int reached = 0;
    hark_status st = search_run(d, logprobs, T, V, d->p.beam, d->p.max_active, d->p.blank_skip,
                                frame_seconds, out, &reached);
    if (st == HARK_OK && !reached && d->p.reject < 0)
        st = search_run(d, logprobs, T, V, INFINITY, d->n_states, 0, frame_seconds, out, &reached);
    if (st)
        return st;
    double gap = reached ? (out->free_logprob - out->grammar_logprob) : INFINITY;
    out->gap = (float)(gap / (out->speech_frames > 1 ? out->speech_frames : 1));
    out->uncovered = reached ? uncovered_share(logprobs, T, V, d->space, out->transcript.words,
                                               out->transcript.n_words, frame_seconds)
                             : 1.0f;
    const float score = out->gap + d->p.uncovered_weight * out->uncovered;
    out->transcript.duration = T * frame_seconds;
    if (!out->transcript.text && !(out->transcript.text = calloc(1, 1)))
        return hark_error(HARK_ERR_NOMEM, "grammar decoder: out of memory");
    /* The words' confidence is acoustic, as greedy decoding reports it (the peak posteriors of
     * the best unconstrained path), so callers' noise filters work the same; the intent's is how
     * close the grammar path comes to that path. */
    hark_transcript heard = {0};
    st = hark_decode_greedy(logprobs, T, V, d->alphabet, frame_seconds, &heard);
    if (st) {
        hark_transcript_clear(&heard);
        return st;
    }
    float conf = reached ? expf(-(score > 0 ? score : 0)) : 0.0f;
    out->transcript.confidence = heard.confidence;
    for (size_t i = 0; i < out->transcript.n_words; i++)
        out->transcript.words[i].confidence = heard.confidence;
    if (out->speech_frames == 0 || !heard.text[0] || heard.confidence < d->p.min_confidence) {
        /* Silence or noise: nothing was said, so no intent and no words. */
        hark_transcript_clear(&out->transcript);
        out->transcript.confidence = heard.confidence;
        out->transcript.duration = heard.duration;
        hark_transcript_clear(&heard);
        memset(&out->intent, 0, sizeof out->intent);
        return (out->transcript.text = calloc(1, 1))
                   ? HARK_OK
                   : hark_error(HARK_ERR_NOMEM, "grammar decoder: out of memory");
    }
    out->has_intent = 1;
    out->intent.confidence = conf;
    if (!reached || (d->p.reject >= 0 && score > d->p.reject)) {
        /* Out of the grammar: "none", and the words as heard rather than the grammar's guess. */
        out->rejected = 1;
        memset(&out->intent, 0, sizeof out->intent);
        snprintf(out->intent.intent, sizeof out->intent.intent, "none");
        out->intent.confidence = 1.0f - conf;
        hark_transcript_clear(&out->transcript);
        if (d->heard) {
            hark_decode_result words = {0};
            st = hark_decoder_run(d->heard, logprobs, T, frame_seconds, &words);
            if (st == HARK_OK) {
                words.transcript.confidence = heard.confidence; /* acoustic, as above */
                hark_transcript_clear(&heard);
                heard = words.transcript;
                memset(&words.transcript, 0, sizeof words.transcript);
            }
            hark_decode_result_clear(&words);
            if (st != HARK_OK) {
                hark_transcript_clear(&heard);
                return st;
            }
        }
        out->transcript = heard;
        snprintf(out->intent.normalized, sizeof out->intent.normalized, "%s", heard.text);
        return HARK_OK;
    }
    hark_transcript_clear(&heard);
    return st;
}

/* ---- incremental search, for partial transcripts ---- */

struct hark_grammar_stream {
    const hark_grammar_decoder *d;
    search s;
    int started; /* an utterance has frames */
    char *text;  /* the last partial's words */
    size_t cap;
};

hark_grammar_stream *hark_grammar_stream_create(const hark_grammar_decoder *d)
{
    if (!d) {
        hark_error(HARK_ERR_INVALID_ARG, "hark_grammar_stream_create: NULL decoder");
        return NULL;
    }
    hark_grammar_stream *gs = calloc(1, sizeof *gs);
    if (!gs || search_init(&gs->s, d)) {
        hark_grammar_stream_free(gs);
        hark_error(HARK_ERR_NOMEM, "grammar decoder: out of memory");
        return NULL;
    }
    gs->d = d;
    return gs;
}

void hark_grammar_stream_free(hark_grammar_stream *gs)
{
    if (!gs)
        return;
    search_free(&gs->s);
    free(gs->text);
    free(gs);
}

void hark_grammar_stream_reset(hark_grammar_stream *gs)
{
    if (gs)
        gs->started = 0;
}

hark_status hark_grammar_stream_push(hark_grammar_stream *gs, const float *logprobs, int n, int V)
{
    if (!gs || n < 0 || (n > 0 && !logprobs))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_grammar_stream_push: bad arguments");
    if (V != gs->d->V)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_grammar_stream_push: %d units, the decoder "
                          "has %d", V, gs->d->V);
    if (!gs->started) {
        const hark_grammar_params *p = &gs->d->p;
        search_clear(&gs->s); /* the buffers of the last utterance */
        search_begin(&gs->s, p->beam, p->max_active, p->blank_skip);
        gs->started = 1;
    }
    search_push(&gs->s, logprobs, n, V);
    if (gs->s.oom) {
        gs->started = 0;
        return hark_error(HARK_ERR_NOMEM, "grammar decoder: out of memory");
    }
    return HARK_OK;
}

hark_status hark_grammar_stream_partial(hark_grammar_stream *gs, char *buf, size_t cap)
{
    if (!gs || !buf || cap == 0)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_grammar_stream_partial: bad arguments");
    buf[0] = '\0';
    const search *s = &gs->s;
    if (!gs->started || s->best < 0)
        return HARK_OK;
    /* The best token's finished words, last first in the trace: count, then fill from the end. */
    size_t len = 0;
    for (int32_t i = s->tok[s->cur][s->best].tr; i >= 0; i = s->tv[i].prev)
        if (s->tv[i].kind == HARK_GRAMMAR_WORD)
            len += strlen(hark_grammar_string(s->g, s->tv[i].label)) + 1;
    if (util_grow(&gs->text, &gs->cap, len + 1, 1, 64))
        return hark_error(HARK_ERR_NOMEM, "grammar decoder: out of memory");
    size_t at = len;
    gs->text[len ? len - 1 : 0] = '\0';
    for (int32_t i = s->tok[s->cur][s->best].tr; i >= 0; i = s->tv[i].prev) {
        if (s->tv[i].kind != HARK_GRAMMAR_WORD)
            continue;
        const char *w = hark_grammar_string(s->g, s->tv[i].label);
        size_t l = strlen(w);
        at -= l + 1;
        memcpy(gs->text + at, w, l);
        if (at + l < len - 1)
            gs->text[at + l] = ' ';
    }
    snprintf(buf, cap, "%s", gs->text);
    return HARK_OK;
}
