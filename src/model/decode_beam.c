/* decode_beam.c - CTC prefix beam search (Graves & Jaitly, ICML 2014; Hannun et al.,
 * arXiv:1408.2873, 2014): the decoder object and the per-stream search.
 *
 * Every hypothesis is a node of a prefix tree (parent pointer + last unit), so extending a prefix
 * copies nothing, and two paths that reach the same unit sequence meet at the same node: merging
 * hypotheses by (prefix, LM state) is finding the existing child. The LM state, the lexicon trie
 * position and the hotword match are functions of the prefix, kept in the node (hyp_state). Each
 * live node carries the CTC blank / non-blank split of its probability (pb, pnb); all other score
 * terms (LM, word bonus, hotwords) are in ext, added at the unit that earns them. Nodes are only
 * created for extensions that survive the frame's pruning, so the pool grows by at most `beam`
 * nodes per frame; when the pool is full the prefixes no live hypothesis descends from are
 * dropped (collect_garbage), and every buffer only grows. Results (text, word times,
 * confidences, n-best) are assembled in decode_result.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "model/decode_beam_internal.h"
#include "model/model_internal.h"

#define LN10 2.302585092994046

/* ---- Transitions ---------------------------------------------------------------------------- */

/* Close the word in progress at lexicon trie node `hs->trie`: the best-scoring word spelled there,
 * its LM score and the word bonus go into out. 0 when no word ends there or the scorer forbids
 * all of them. */
static int close_word(const hark_decoder *d, const hyp_state *hs, hyp_state *out)
{
    const trie_node *tn = &d->trie.nodes[hs->trie];
    if (tn->n_words == 0)
        return 0;
    out->trie = 0;
    if (!d->has_scorer) {
        out->word = d->trie.words[tn->word_first];
        return 1;
    }
    float best = -INFINITY;
    for (int32_t k = 0; k < tn->n_words; k++) {
        int32_t w = d->trie.words[tn->word_first + k];
        if (d->word_sid[w] < 0)
            continue;
        hark_lm_state st;
        float sc = d->scorer.score(d->scorer.ctx, &hs->lm, d->word_sid[w], &st);
        if (sc > best) {
            best = sc;
            out->word = w;
            out->lm = st;
        }
    }
    if (best == -INFINITY)
        return 0;
    out->lm10 += best;
    out->ext += d->p.lm_weight * LN10 * best + d->p.word_bonus;
    return 1;
}

/* 1 when the unit about to be added starts a word (free spelling without a separator: any unit
 * may, as nothing marks words). */
static int starts_word(const hark_decoder *d, const hyp_state *hs, int32_t u, int flag)
{
    if (!d->sep && !d->use_lexicon)
        return 1;
    if (d->sep)
        return u != d->sep && !hs->inword;
    return flag || !hs->inword;
}

static int hw_is_end(const hark_decoder *d, int32_t hw) { return d->hw.nodes[hw].n_words > 0; }

/* Hotword matching: move along the hotword trie and earn its bonus, give back what was earned
 * when the path leaves a phrase before its end, keep it once a phrase is complete and followed
 * by a word boundary. */
static void hotword_step(const hark_decoder *d, const hyp_state *hs, int32_t u, int flag,
                         hyp_state *out)
{
    out->hw = 0;
    out->hw_gain = 0;
    if (d->hw.n_nodes <= 1)
        return;
    int32_t hw = hs->hw;
    float gain = hs->hw_gain;
    int boundary = (d->sep && u == d->sep) || flag;
    int32_t c = hw ? unit_trie_child(&d->hw, hw, u) : -1;
    if (hw && c < 0 && boundary && hw_is_end(d, hw)) {
        hw = 0; /* a complete phrase: its bonus stays */
        gain = 0;
    }
    if (hw && c >= 0) {
        out->hw = c;
        out->hw_gain = gain + d->hw_bonus[c];
        out->ext += d->hw_bonus[c];
        return;
    }
    out->ext -= gain; /* left the phrase early */
    if (!starts_word(d, hs, u, flag))
        return;
    c = unit_trie_child(&d->hw, 0, u);
    if (c >= 0) {
        out->hw = c;
        out->hw_gain = d->hw_bonus[c];
        out->ext += d->hw_bonus[c];
    }
}

/* The state after appending unit u to a prefix in state hs; 0 when the lexicon or the scorer
 * does not allow it. flag (models without a separator): u starts a new word, and `closed` is hs
 * with its word closed (close_word, done once per hypothesis and frame), NULL if it cannot be. */
static int derive(const hark_decoder *d, const hyp_state *hs, int32_t u, int flag,
                  const hyp_state *closed, hyp_state *out)
{
    if (flag && !closed)
        return 0;
    *out = flag ? *closed : *hs;
    if (!flag)
        out->word = -1;
    out->flag = (uint8_t)flag;
    if (d->sep && u == d->sep) {
        if (hs->inword) {
            if (d->use_lexicon && !close_word(d, hs, out))
                return 0;
            out->inword = 0;
        }
    } else if (d->use_lexicon) {
        int32_t c = unit_trie_child(&d->trie, flag ? 0 : hs->trie, u);
        if (c < 0)
            return 0;
        out->trie = c;
        out->inword = 1;
    } else {
        if (flag)
            return 0;
        out->inword = 1;
    }
    hotword_step(d, hs, u, flag, out);
    return 1;
}

/* The state at the end of the utterance: the last word closed, the end of the sentence scored,
 * an unfinished hotword given back. 0 when the hypothesis cannot end here. */
int beam_finish_state(const hark_decoder *d, const hyp_state *hs, hyp_state *out)
{
    *out = *hs;
    out->word = -1;
    if (hs->inword && d->use_lexicon && !close_word(d, hs, out))
        return 0;
    out->inword = 0;
    if (d->has_scorer) {
        float e = d->scorer.end(d->scorer.ctx, &out->lm);
        if (e == -INFINITY)
            return 0;
        out->lm10 += e;
        out->ext += d->p.lm_weight * LN10 * e;
    }
    if (hs->hw && !hw_is_end(d, hs->hw))
        out->ext -= hs->hw_gain;
    return 1;
}

/* ---- The stream ----------------------------------------------------------------------------- */

hark_beam_stream *hark_beam_stream_create(const hark_decoder *d)
{
    if (!d) {
        hark_error(HARK_ERR_INVALID_ARG, "hark_beam_stream_create: NULL decoder");
        return NULL;
    }
    hark_beam_stream *s = calloc(1, sizeof *s);
    if (!s) {
        hark_error(HARK_ERR_NOMEM, "out of memory");
        return NULL;
    }
    s->d = d;
    size_t per_hyp = (size_t)(d->p.prune_top_k ? d->p.prune_top_k : d->V - 1) * 2 + 2;
    s->cap_beam = (size_t)d->p.beam;
    s->beam = malloc(s->cap_beam * sizeof *s->beam);
    s->units = malloc((size_t)d->V * sizeof *s->units);
    if (!s->beam || !s->units
        || util_grow(&s->cands, &s->cap_cands, s->cap_beam * per_hyp, sizeof *s->cands, 64)
        || util_grow(&s->touched, &s->cap_touched, s->cap_beam * per_hyp, sizeof *s->touched, 64)
        || util_grow(&s->sel, &s->cap_sel, 2 * s->cap_beam * per_hyp, sizeof *s->sel, 64)
        || util_grow(&s->nodes, &s->cap_nodes, 256, sizeof *s->nodes, 256)) {
        hark_beam_stream_free(s);
        hark_error(HARK_ERR_NOMEM, "out of memory");
        return NULL;
    }
    hark_beam_stream_reset(s);
    return s;
}

void hark_beam_stream_free(hark_beam_stream *s)
{
    if (!s)
        return;
    free(s->nodes);
    free(s->beam);
    free(s->units);
    free(s->cands);
    free(s->touched);
    free(s->sel);
    free(s->lp);
    free(s);
}

void hark_beam_stream_reset(hark_beam_stream *s)
{
    if (!s)
        return;
    const hark_decoder *d = s->d;
    pnode *root = &s->nodes[0];
    memset(root, 0, sizeof *root);
    root->parent = -1;
    root->child = root->sibling = -1;
    root->s.word = -1;
    if (d->has_scorer)
        d->scorer.begin(d->scorer.ctx, &root->s.lm);
    root->pb = 0;
    root->pnb = -INFINITY;
    root->stamp = -1;
    s->n_nodes = 1;
    s->beam[0] = 0;
    s->n_beam = 1;
    s->t = 0;
    s->n_frames = 0;
}

/* Reset a node's next-frame accumulators the first time it is touched in frame s->t. */
static void touch(hark_beam_stream *s, int32_t id)
{
    pnode *n = &s->nodes[id];
    if (n->stamp == s->t)
        return;
    n->stamp = s->t;
    n->npb = n->npnb = -INFINITY;
    s->touched[s->n_touched++] = id;
}

static int32_t find_child(const hark_beam_stream *s, int32_t parent, int32_t u, int flag)
{
    for (int32_t c = s->nodes[parent].child; c >= 0; c = s->nodes[c].sibling)
        if (s->nodes[c].unit == u && s->nodes[c].s.flag == flag)
            return c;
    return -1;
}

/* The units tried as extensions at this frame: above the threshold, the top_k most likely. */
static int frame_units(const hark_decoder *d, const float *row, int32_t *units)
{
    int n = 0, k = d->p.prune_top_k ? d->p.prune_top_k : d->V - 1;
    for (int32_t u = 1; u < d->V; u++) {
        if (!(row[u] >= d->p.prune_logprob))
            continue;
        /* insertion into a list sorted by posterior, most likely first, capped at k */
        int i = n < k ? n++ : k;
        if (i == k && row[u] <= row[units[k - 1]])
            continue;
        if (i == k)
            i = k - 1;
        while (i > 0 && row[units[i - 1]] < row[u]) {
            units[i] = units[i - 1];
            i--;
        }
        units[i] = u;
    }
    return n;
}

/* Extend one live hypothesis by unit u: into its existing child when there is one, else as a
 * candidate that becomes a node only if it survives the frame. */
static void extend(hark_beam_stream *s, int32_t h, int32_t u, int flag, const hyp_state *closed,
                   double contrib)
{
    const hark_decoder *d = s->d;
    int32_t c = find_child(s, h, u, flag);
    if (c >= 0) {
        touch(s, c);
        s->nodes[c].npnb = util_log_add(s->nodes[c].npnb, contrib);
        return;
    }
    beam_cand *bc = &s->cands[s->n_cands];
    if (!derive(d, &s->nodes[h].s, u, flag, closed, &bc->s))
        return;
    bc->parent = h;
    bc->unit = u;
    bc->pnb = contrib;
    s->n_cands++;
}

static void expand(hark_beam_stream *s, int32_t h, const float *row, int n_units)
{
    const hark_decoder *d = s->d;
    touch(s, h);
    pnode *n = &s->nodes[h];
    double p = util_log_add(n->pb, n->pnb);
    n->npb = util_log_add(n->npb, p + row[0]);
    if (n->unit > 0)
        n->npnb = util_log_add(n->npnb, n->pnb + row[n->unit]);
    double pb = n->pb;
    int32_t last = n->unit;
    /* Without a separator a word may end before any unit: close it once for all of them. */
    hyp_state closed;
    int may_close = !d->sep && d->use_lexicon && n->s.inword;
    if (may_close) {
        closed = n->s;
        closed.word = -1;
        may_close = close_word(d, &n->s, &closed);
    }
    for (int i = 0; i < n_units; i++) {
        int32_t u = s->units[i];
        double contrib = (u == last ? pb : p) + row[u];
        if (contrib == -INFINITY)
            continue;
        extend(s, h, u, 0, NULL, contrib);
        if (may_close)
            extend(s, h, u, 1, &closed, contrib);
    }
}

static int cmp_sel(const void *a, const void *b)
{
    const beam_sel *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return (x->id > y->id) - (x->id < y->id);
}

static void swap_sel(beam_sel *a, beam_sel *b)
{
    beam_sel t = *a;
    *a = *b;
    *b = t;
}

/* Move the k best entries (by score) to the front of sel[0..n), best first: a three-way
 * quickselect, then a sort of the kept part only. */
static void select_best(beam_sel *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n;
    while (k < n && hi - lo > 1) {
        double pv = a[lo + (hi - lo) / 2].score;
        size_t lt = lo, i = lo, gt = hi;
        while (i < gt) { /* [lo,lt) > pv, [lt,i) == pv, [gt,hi) < pv */
            if (a[i].score > pv)
                swap_sel(&a[lt++], &a[i++]);
            else if (a[i].score < pv)
                swap_sel(&a[i], &a[--gt]);
            else
                i++;
        }
        if (k <= lt)
            hi = lt;
        else if (k <= gt)
            break;
        else
            lo = gt;
    }
    qsort(a, k < n ? k : n, sizeof *a, cmp_sel);
}

/* Make the nodes of the selected candidates; the pool has room (grown before). */
static int32_t make_node(hark_beam_stream *s, const beam_cand *c)
{
    int32_t id = (int32_t)s->n_nodes++;
    pnode *n = &s->nodes[id];
    n->parent = c->parent;
    n->unit = c->unit;
    n->s = c->s;
    n->child = -1;
    n->sibling = s->nodes[c->parent].child;
    s->nodes[c->parent].child = id;
    n->pb = -INFINITY;
    n->pnb = c->pnb;
    n->stamp = -1;
    return id;
}

/* Drop the nodes no live hypothesis descends from, keeping the others in their order (a parent
 * always precedes its children, so forward passes renumber them in place), and rebuild the
 * child lists. Runs between frames, when the pool is full: the pool then holds the live
 * hypotheses' prefixes, not every extension ever kept, so a long utterance needs about one node
 * per emitted unit. The stamp field serves as mark and new index. */
static void collect_garbage(hark_beam_stream *s)
{
    pnode *nd = s->nodes;
    for (size_t i = 0; i < s->n_nodes; i++)
        nd[i].stamp = -1;
    for (size_t i = 0; i < s->n_beam; i++)
        for (int32_t k = s->beam[i]; k >= 0 && nd[k].stamp < 0; k = nd[k].parent)
            nd[k].stamp = 0;
    nd[0].stamp = 0;
    int32_t m = 0;
    for (size_t i = 0; i < s->n_nodes; i++)
        if (nd[i].stamp >= 0)
            nd[i].stamp = m++;
    for (size_t i = 0; i < s->n_beam; i++)
        s->beam[i] = nd[s->beam[i]].stamp;
    for (size_t i = 1; i < s->n_nodes; i++)
        if (nd[i].stamp >= 0)
            nd[i].parent = nd[nd[i].parent].stamp; /* the parent's slot is not moved yet */
    for (size_t i = 0; i < s->n_nodes; i++)
        if (nd[i].stamp >= 0)
            nd[nd[i].stamp] = nd[i];
    s->n_nodes = (size_t)m;
    for (int32_t i = 0; i < m; i++) {
        nd[i].stamp = -1;
        nd[i].child = -1;
    }
    for (int32_t i = m - 1; i > 0; i--) {
        nd[i].sibling = nd[nd[i].parent].child;
        nd[nd[i].parent].child = i;
    }
}

static hark_status step(hark_beam_stream *s, const float *row)
{
    const hark_decoder *d = s->d;
    if (s->n_nodes + s->cap_beam > s->cap_nodes) {
        /* Full: drop dead prefixes; grow only when the live ones fill half of the pool. */
        collect_garbage(s);
        if (2 * (s->n_nodes + s->cap_beam) > s->cap_nodes
            && util_grow(&s->nodes, &s->cap_nodes, 2 * (s->n_nodes + s->cap_beam),
                         sizeof *s->nodes, 256))
            return hark_error(HARK_ERR_NOMEM, "out of memory");
    }
    int n_units = frame_units(d, row, s->units);
    s->n_touched = s->n_cands = 0;
    for (size_t i = 0; i < s->n_beam; i++)
        expand(s, s->beam[i], row, n_units);
    size_t n = 0;
    for (size_t i = 0; i < s->n_touched; i++) {
        const pnode *p = &s->nodes[s->touched[i]];
        double sc = util_log_add(p->npb, p->npnb);
        if (sc > -INFINITY)
            s->sel[n++] = (beam_sel){sc + p->s.ext, s->touched[i]};
    }
    for (size_t i = 0; i < s->n_cands; i++)
        s->sel[n++] = (beam_sel){s->cands[i].pnb + s->cands[i].s.ext, -1 - (int32_t)i};
    if (n == 0) /* every path has probability zero: keep the beam as it was */
        return hark_error(HARK_ERR_NUMERIC, "frame %d: no hypothesis can continue (every unit the "
                          "lexicon allows, and the blank, has log-posterior -inf)", (int)s->t);
    size_t keep = n < s->cap_beam ? n : s->cap_beam;
    select_best(s->sel, n, keep);
    for (size_t i = 0; i < keep; i++) {
        int32_t id = s->sel[i].id;
        if (id < 0) {
            id = make_node(s, &s->cands[-1 - id]);
        } else {
            s->nodes[id].pb = s->nodes[id].npb;
            s->nodes[id].pnb = s->nodes[id].npnb;
        }
        s->beam[i] = id;
    }
    s->n_beam = keep;
    s->t++;
    return HARK_OK;
}

hark_status hark_beam_stream_push(hark_beam_stream *s, const float *logprobs, int n)
{
    if (!s || n < 0 || (n > 0 && !logprobs))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_beam_stream_push: bad arguments (n=%d)", n);
    size_t V = (size_t)s->d->V;
    if (util_grow(&s->lp, &s->cap_lp, (s->n_frames + (size_t)n) * V, sizeof *s->lp, 1024))
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    for (int t = 0; t < n; t++) {
        const float *row = logprobs + (size_t)t * V;
        for (size_t v = 0; v < V; v++)
            if (isnan(row[v]) || row[v] > 1e-3f)
                return hark_error(HARK_ERR_INVALID_ARG,
                                  "log-posterior %g at frame %zu, unit %zu is not a log "
                                  "probability", (double)row[v], s->n_frames, v);
        memcpy(s->lp + s->n_frames * V, row, V * sizeof *row);
        s->n_frames++;
        hark_status st = step(s, row);
        if (st != HARK_OK) {
            s->n_frames--; /* the frame is not part of the utterance */
            return st;
        }
    }
    return HARK_OK;
}

double beam_node_score(const hark_beam_stream *s, int32_t id)
{
    const pnode *n = &s->nodes[id];
    return util_log_add(n->pb, n->pnb) + n->s.ext;
}

double beam_node_acoustic(const hark_beam_stream *s, int32_t id)
{
    return util_log_add(s->nodes[id].pb, s->nodes[id].pnb);
}
