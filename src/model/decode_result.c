/* decode_result.c - turning the beam search's hypotheses into results: text from a prefix-tree
 * path (spelled from the units, or the lexicon's words for phone models), word times from a
 * Viterbi forced alignment of the best hypothesis's units to the frames, calibrated word and
 * utterance confidences, the n-best list, partials, and the whole-utterance hark_decoder_run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/decode_beam_internal.h"
#include "model/model_internal.h"

/* A hypothesis laid out: its units and, per unit, the word it belongs to (-1: a separator). */
typedef struct path {
    int32_t *units;
    int32_t *word_of;
    int n;
    int32_t *words; /* lexicon word of each word (phone models), -1 when spelled */
    int n_words;
} path;

static void path_free(path *p)
{
    free(p->units);
    free(p->word_of);
    free(p->words);
    memset(p, 0, sizeof *p);
}

/* Walk from node `id` to the root. final_word: the lexicon word that closes the last word at
 * the end (phone models), or -1. */
static hark_status path_get(const hark_beam_stream *s, int32_t id, int32_t final_word, path *p)
{
    const hark_decoder *d = s->d;
    memset(p, 0, sizeof *p);
    int n = 0;
    for (int32_t k = id; k > 0; k = s->nodes[k].parent)
        n++;
    p->units = malloc(((size_t)n + 1) * sizeof *p->units);
    p->word_of = malloc(((size_t)n + 1) * sizeof *p->word_of);
    p->words = malloc(((size_t)n + 1) * sizeof *p->words);
    if (!p->units || !p->word_of || !p->words) {
        path_free(p);
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    }
    p->n = n;
    for (int32_t k = id, i = n - 1; k > 0; k = s->nodes[k].parent, i--)
        p->units[i] = s->nodes[k].unit;
    /* Words: runs of non-separator units; phone models also split where a unit starts a word
     * (the node with the flag closed the previous word, whose lexicon entry it holds). */
    int32_t *closed = p->words; /* reuse: the closing node's word per word ordinal */
    int w = -1;
    int32_t *chain = p->word_of; /* temporarily the node ids, root-first */
    for (int32_t k = id, i = n - 1; k > 0; k = s->nodes[k].parent, i--)
        chain[i] = k;
    int prev_sep = 1;
    for (int i = 0; i < n; i++) {
        const pnode *nd = &s->nodes[chain[i]];
        int is_sep = d->sep && nd->unit == d->sep;
        if (is_sep) {
            /* Phone models: the separator closed the word, choosing among its homophones. */
            if (d->lex_words && !prev_sep && w >= 0 && closed[w] < 0)
                closed[w] = nd->s.word;
            prev_sep = 1;
            chain[i] = -1;
            continue;
        }
        if (prev_sep || nd->s.flag) {
            if (w >= 0 && nd->s.flag)
                closed[w] = nd->s.word;
            w++;
            closed[w] = -1;
        }
        prev_sep = 0;
        chain[i] = w;
    }
    if (w >= 0 && (!d->sep || (d->lex_words && closed[w] < 0)))
        closed[w] = final_word;
    p->n_words = w + 1;
    if ((d->sep && !d->lex_words) || !d->use_lexicon)
        for (int k = 0; k < p->n_words; k++)
            closed[k] = -1; /* spelled from the units */
    return HARK_OK;
}

/* A phone model's last word that no lexicon entry closes (a partial, or an utterance no
 * hypothesis could finish) would show as phones: leave it out of the words. Its units stay in the
 * path for the alignment. */
static void drop_open_word(const hark_decoder *d, path *p)
{
    if (d->lex_words && d->use_lexicon && p->n_words > 0 && p->words[p->n_words - 1] < 0)
        p->n_words--;
}

/* Append the text of word k of the path to buf at *len (buf large enough). */
static void word_text(const hark_decoder *d, const path *p, int k, char *buf, size_t *len)
{
    if (p->words[k] >= 0) {
        const char *w = d->lex->words[p->words[k]];
        size_t l = strlen(w);
        memcpy(buf + *len, w, l);
        *len += l;
        return;
    }
    for (int i = 0; i < p->n; i++)
        if (p->word_of[i] == k)
            *len += (size_t)hark_utf8_put(d->cps[p->units[i] - 1], buf + *len);
}

/* Bytes the text of a path can take. */
static size_t text_bound(const hark_decoder *d, const path *p)
{
    size_t b = (size_t)p->n * 4 + (size_t)p->n_words + 1;
    for (int k = 0; k < p->n_words; k++)
        if (p->words[k] >= 0)
            b += strlen(d->lex->words[p->words[k]]);
    return b;
}

/* The path's text, words separated by single spaces; word k starts at byte offsets[k]. */
static char *path_text(const hark_decoder *d, const path *p, size_t *offsets, size_t *lengths)
{
    char *buf = malloc(text_bound(d, p));
    if (!buf)
        return NULL;
    size_t len = 0;
    for (int k = 0; k < p->n_words; k++) {
        if (k > 0)
            buf[len++] = ' ';
        if (offsets)
            offsets[k] = len;
        size_t at = len;
        word_text(d, p, k, buf, &len);
        if (lengths)
            lengths[k] = len - at;
    }
    buf[len] = '\0';
    return buf;
}

/* The lexicon word that would close the hypothesis's last word at the end (phone models). */
static int32_t final_word_of(const hark_decoder *d, const hyp_state *hs)
{
    hyp_state fin;
    if ((d->sep && !d->lex_words) || !d->use_lexicon || !hs->inword
        || !beam_finish_state(d, hs, &fin))
        return -1;
    return fin.word;
}

hark_status hark_beam_stream_partial(hark_beam_stream *s, char *buf, size_t cap)
{
    if (!s || !buf || cap == 0)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_beam_stream_partial: bad arguments");
    buf[0] = '\0';
    int32_t id = s->beam[0]; /* the beam is kept best first */
    path p;
    hark_status st = path_get(s, id, final_word_of(s->d, &s->nodes[id].s), &p);
    if (st != HARK_OK)
        return st;
    drop_open_word(s->d, &p);
    char *text = path_text(s->d, &p, NULL, NULL);
    path_free(&p);
    if (!text)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    size_t len = strlen(text);
    if (len >= cap)
        len = cap - 1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    free(text);
    return HARK_OK;
}

void hark_decode_result_clear(hark_decode_result *r)
{
    if (!r)
        return;
    hark_transcript_clear(&r->transcript);
    for (size_t i = 0; i < r->n_nbest; i++)
        free(r->nbest[i].text);
    free(r->nbest);
    memset(r, 0, sizeof *r);
}

/* ---- Alignment ------------------------------------------------------------------------------ */

/* The alignment keeps a byte per frame and trellis state: beyond this (e.g. 4 minutes of speech
 * in one piece) word times are spread evenly instead. Long files are cut at pauses first. */
#define ALIGN_MAX_CELLS ((size_t)64 << 20)

/* Viterbi forced alignment of the labels to the frames (states: blank, l1, blank, l2, ...):
 * first[i], last[i] get the frames where label i is emitted, peak[i] its highest posterior
 * there. Returns 0, or -1 when no alignment exists or memory runs out. */
static int force_align(const float *lp, int T, int V, const int32_t *l, int n, int *first,
                       int *last, float *peak)
{
    int S = 2 * n + 1, s = 0;
    if ((size_t)T * (size_t)S > ALIGN_MAX_CELLS)
        return -1;
    double *a = malloc((size_t)S * sizeof *a), *b = malloc((size_t)S * sizeof *b);
    unsigned char *bp = malloc((size_t)T * (size_t)S + 1);
    int rc = -1;
    if (!a || !b || !bp || T < 1 || ctc_trellis(lp, T, V, l, n, a, b, bp, &s) == -INFINITY)
        goto done;
    for (int i = 0; i < n; i++) {
        first[i] = -1;
        peak[i] = 0;
    }
    for (int t = T - 1; t >= 0; t--) {
        if (s % 2) {
            int i = s / 2;
            float p = expf(lp[(size_t)t * V + l[i]]);
            if (first[i] < 0)
                last[i] = t;
            first[i] = t;
            if (p > peak[i])
                peak[i] = p;
        }
        if (t > 0)
            s -= bp[(size_t)t * S + s];
    }
    rc = 0;
done:
    free(a);
    free(b);
    free(bp);
    return rc;
}

/* ---- Final results -------------------------------------------------------------------------- */

typedef struct final_hyp {
    int32_t id;
    hyp_state s;   /* after the end of the utterance */
    double score;  /* ranking score */
    double mass;   /* ln of the summed probability of hypotheses with the same text */
    char *text;
} final_hyp;

static int cmp_final(const void *a, const void *b)
{
    const final_hyp *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return (x->id > y->id) - (x->id < y->id);
}

/* Score every live hypothesis at the end of the utterance, best first, with texts, hypotheses
 * of equal text folded into the first (their probability added to its mass). When no
 * hypothesis can end (lexicon words unfinished), they are ranked as they stand. */
static hark_status collect_finals(const hark_beam_stream *s, final_hyp *f, size_t *nf)
{
    const hark_decoder *d = s->d;
    size_t n = 0;
    for (int lenient = 0; lenient < 2 && n == 0; lenient++)
        for (size_t i = 0; i < s->n_beam; i++) {
            int32_t id = s->beam[i];
            const pnode *nd = &s->nodes[id];
            hyp_state fin;
            if (!beam_finish_state(d, &nd->s, &fin)) {
                if (!lenient)
                    continue;
                fin = nd->s;
            }
            double ac = beam_node_acoustic(s, id);
            f[n++] = (final_hyp){id, fin, ac + fin.ext, 0, NULL};
        }
    qsort(f, n, sizeof *f, cmp_final);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        path p;
        hark_status st = path_get(s, f[i].id, d->sep && !d->lex_words ? -1 : f[i].s.word, &p);
        if (st != HARK_OK)
            return st;
        drop_open_word(d, &p);
        char *text = path_text(d, &p, NULL, NULL);
        path_free(&p);
        if (!text)
            return hark_error(HARK_ERR_NOMEM, "out of memory");
        size_t j = 0;
        while (j < m && strcmp(f[j].text, text) != 0)
            j++;
        if (j < m) {
            f[j].mass = util_log_add(f[j].mass, f[i].score);
            free(text);
            continue;
        }
        f[m] = f[i];
        f[m].text = text;
        f[m].mass = f[i].score;
        m++;
    }
    *nf = m;
    return HARK_OK;
}

static hark_status fill_nbest(const hark_beam_stream *s, final_hyp *f, size_t nf,
                              hark_decode_result *out)
{
    size_t k = nf < (size_t)s->d->p.nbest ? nf : (size_t)s->d->p.nbest;
    out->nbest = calloc(k ? k : 1, sizeof *out->nbest);
    if (!out->nbest)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    double total = -INFINITY;
    for (size_t i = 0; i < k; i++)
        total = util_log_add(total, f[i].mass);
    for (size_t i = 0; i < k; i++) {
        hark_hypothesis *h = &out->nbest[i];
        h->text = f[i].text;
        f[i].text = NULL;
        h->score = f[i].score;
        h->acoustic = beam_node_acoustic(s, f[i].id);
        h->lm = f[i].s.lm10;
        h->posterior = (float)exp(f[i].mass - total);
    }
    out->n_nbest = k;
    return HARK_OK;
}

/* Text, word times and confidences of the best hypothesis. share: its part of the final beam's
 * probability. */
static hark_status fill_transcript(const hark_beam_stream *s, const final_hyp *best, double share,
                                   double frame_seconds, hark_transcript *t)
{
    const hark_decoder *d = s->d;
    int T = (int)s->n_frames;
    const hark_calibration *cal = &d->p.calibration;
    t->duration = T * frame_seconds;
    path p;
    hark_status st = path_get(s, best->id, d->sep && !d->lex_words ? -1 : best->s.word, &p);
    if (st != HARK_OK)
        return st;
    drop_open_word(d, &p);
    size_t nw = (size_t)p.n_words;
    size_t *off = malloc((nw + 1) * sizeof *off), *len = malloc((nw + 1) * sizeof *len);
    int *first = malloc(((size_t)p.n + 1) * sizeof *first);
    int *last = malloc(((size_t)p.n + 1) * sizeof *last);
    float *peak = malloc(((size_t)p.n + 1) * sizeof *peak);
    t->words = calloc(nw + 1, sizeof *t->words);
    t->text = path_text(d, &p, off, len);
    if (!off || !len || !first || !last || !peak || !t->words || !t->text) {
        st = hark_error(HARK_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (nw == 0) {
        double blank = 0;
        for (int i = 0; i < T; i++)
            blank += exp(s->lp[(size_t)i * d->V]);
        t->confidence = T ? hark_calibration_apply(cal, (float)(blank / T)) : 0.0f;
        goto done;
    }
    int aligned = force_align(s->lp, T, d->V, p.units, p.n, first, last, peak) == 0;
    double all_log = 0;
    int all_n = 0;
    for (size_t k = 0; k < nw; k++) {
        hark_word_time *w = &t->words[k];
        w->offset = off[k];
        w->length = len[k];
        double wl = 0;
        int wn = 0, f0 = -1, f1 = -1;
        for (int i = 0; i < p.n; i++) {
            if (p.word_of[i] != (int32_t)k)
                continue;
            double lpk = aligned ? log(peak[i] > 1e-30f ? peak[i] : 1e-30f) : log(1e-30);
            wl += lpk;
            wn++;
            if (aligned && f0 < 0)
                f0 = first[i];
            if (aligned)
                f1 = last[i];
        }
        all_log += wl;
        all_n += wn;
        w->start = aligned ? f0 * frame_seconds : t->duration * (double)k / (double)nw;
        w->end = aligned ? (f1 + 1) * frame_seconds : t->duration * (double)(k + 1) / (double)nw;
        w->confidence = hark_calibration_apply(cal, (float)exp(wl / (wn ? wn : 1)));
    }
    t->n_words = nw;
    t->start = t->words[0].start;
    t->end = t->words[nw - 1].end;
    t->confidence = hark_calibration_apply(cal, (float)(exp(all_log / all_n) * share));
done:
    path_free(&p);
    free(off);
    free(len);
    free(first);
    free(last);
    free(peak);
    return st;
}

hark_status hark_beam_stream_finish(hark_beam_stream *s, double frame_seconds,
                                    hark_decode_result *out)
{
    if (!out)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_beam_stream_finish: NULL result");
    memset(out, 0, sizeof *out);
    if (!s || !(frame_seconds > 0))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_beam_stream_finish: bad arguments");
    final_hyp *f = calloc(s->n_beam, sizeof *f);
    size_t nf = 0;
    hark_status st = f ? collect_finals(s, f, &nf) : hark_error(HARK_ERR_NOMEM, "out of memory");
    if (st == HARK_OK) {
        double total = -INFINITY;
        for (size_t i = 0; i < nf; i++)
            total = util_log_add(total, f[i].mass);
        double share = nf ? exp(f[0].mass - total) : 0;
        st = fill_transcript(s, &f[0], share, frame_seconds, &out->transcript);
    }
    if (st == HARK_OK)
        st = fill_nbest(s, f, nf, out);
    for (size_t i = 0; f && i < s->n_beam; i++)
        free(f[i].text);
    free(f);
    if (st != HARK_OK)
        hark_decode_result_clear(out);
    hark_beam_stream_reset(s);
    return st;
}

hark_status hark_decoder_run(const hark_decoder *d, const float *logprobs, int T,
                             double frame_seconds, hark_decode_result *out)
{
    if (!out)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_decoder_run: NULL result");
    memset(out, 0, sizeof *out);
    if (!d || T < 0 || (T > 0 && !logprobs) || !(frame_seconds > 0))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_decoder_run: bad arguments (T=%d)", T);
    hark_beam_stream *s = hark_beam_stream_create(d);
    if (!s)
        return HARK_ERR_NOMEM;
    hark_status st = hark_beam_stream_push(s, logprobs, T);
    if (st == HARK_OK)
        st = hark_beam_stream_finish(s, frame_seconds, out);
    hark_beam_stream_free(s);
    return st;
}
