/* decode.c - greedy CTC decoding with confidences and word timestamps, and transcripts. (The
 * alphabet mapping between text and labels is in units.c.) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "model/model_internal.h"

int model_frame_argmax(const float *row, int V)
{
    int best = 0;
    for (int v = 1; v < V; v++)
        if (row[v] > row[best])
            best = v;
    return best;
}

void hark_transcript_clear(hark_transcript *t)
{
    if (!t)
        return;
    free(t->text);
    free(t->words);
    memset(t, 0, sizeof *t);
}

/* One emitted token of the greedy path. */
typedef struct token {
    int symbol;          /* 1..V-1 */
    int first, last;     /* frames of its run */
    float peak;          /* highest posterior in the run */
} token;

hark_status hark_decode_greedy(const float *logprobs, int T, int V, const char *alphabet,
                               double frame_seconds, hark_transcript *out)
{
    if (!out)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_decode_greedy: NULL transcript");
    hark_transcript_clear(out);
    if (!alphabet || T < 0 || V < 1 || (T > 0 && !logprobs))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_decode_greedy: bad arguments (T=%d, V=%d)",
                          T, V);
    int na;
    int32_t *cps = hark_alphabet_codes(alphabet, &na);
    if (!cps)
        return na < 0 ? hark_error(HARK_ERR_INVALID_ARG, "alphabet is not valid UTF-8")
                      : hark_error(HARK_ERR_NOMEM, "out of memory");
    if (na < V - 1) {
        free(cps);
        return hark_error(HARK_ERR_INVALID_ARG, "alphabet has %d symbols, the output layer %d", na,
                          V - 1);
    }
    int32_t space = ' ';
    hark_status st = HARK_OK;
    token *toks = malloc(((size_t)T + 1) * sizeof *toks);
    out->text = malloc((size_t)T * 4 + 1);
    out->words = malloc(((size_t)T / 2 + 1) * sizeof *out->words);
    if (!toks || !out->text || !out->words) {
        st = hark_error(HARK_ERR_NOMEM, "out of memory");
        goto fail;
    }

    int nt = 0, prev = 0;
    double blank_sum = 0;
    for (int t = 0; t < T; t++) {
        const float *row = logprobs + (size_t)t * V;
        const int best = model_frame_argmax(row, V);
        float p = expf(row[best]);
        blank_sum += expf(row[0]);
        if (best != 0 && best == prev) {
            toks[nt - 1].last = t;
            if (p > toks[nt - 1].peak)
                toks[nt - 1].peak = p;
        } else if (best != 0) {
            toks[nt++] = (token){best, t, t, p};
        }
        prev = best;
    }

    /* Assemble text and words: spaces only between words, never leading, trailing or doubled. */
    size_t len = 0;
    double log_sum = 0;
    int n_emitted = 0;
    hark_word_time *w = NULL;
    double w_log = 0;
    int w_ntok = 0, w_last = 0;
    for (int i = 0; i < nt; i++) {
        int32_t cp = cps[toks[i].symbol - 1];
        double lp = log(toks[i].peak > 1e-30f ? toks[i].peak : 1e-30f);
        log_sum += lp;
        n_emitted++;
        if (cp == space) {
            if (w) {
                w->end = (w_last + 1) * frame_seconds;
                w->confidence = (float)exp(w_log / w_ntok);
                w = NULL;
            }
            continue;
        }
        if (!w) {
            if (len > 0)
                out->text[len++] = ' ';
            w = &out->words[out->n_words++];
            w->offset = len;
            w->length = 0;
            w->start = toks[i].first * frame_seconds;
            w_log = 0;
            w_ntok = 0;
        }
        int nb = hark_utf8_put(cp, out->text + len);
        len += (size_t)nb;
        w->length += (size_t)nb;
        w_log += lp;
        w_ntok++;
        w_last = toks[i].last;
    }
    if (w) {
        w->end = (w_last + 1) * frame_seconds;
        w->confidence = (float)exp(w_log / w_ntok);
    }
    out->text[len] = '\0';
    out->duration = T * frame_seconds;
    if (out->n_words > 0) {
        out->start = out->words[0].start;
        out->end = out->words[out->n_words - 1].end;
        out->confidence = (float)exp(log_sum / n_emitted);
    } else {
        out->confidence = T > 0 ? (float)(blank_sum / T) : 0.0f;
    }
    free(toks);
    free(cps);
    return HARK_OK;
fail:
    free(toks);
    free(cps);
    hark_transcript_clear(out);
    return st;
}

/* One incoming path family at a trellis state: summed in, or (Viterbi) kept if better. */
static double trellis_merge(double v, double w, unsigned char step, unsigned char *from,
                            int viterbi)
{
    if (!viterbi)
        return util_log_add(v, w);
    if (w > v) {
        *from = step;
        return w;
    }
    return v;
}

double ctc_trellis(const float *lp, int T, int V, const int *l, int n, double *a, double *b,
                   unsigned char *bp, int *end_state)
{
    int S = 2 * n + 1, viterbi = bp != NULL;
    if (end_state)
        *end_state = S - 1;
    if (T == 0)
        return n == 0 ? 0.0 : -INFINITY;
    for (int s = 0; s < S; s++)
        a[s] = -INFINITY;
    a[0] = lp[0];
    if (n > 0)
        a[1] = lp[l[0]];
    for (int t = 1; t < T; t++) {
        const float *row = lp + (size_t)t * V;
        /* Only states reachable from the start by frame t that can still reach the end by frame
         * T - 1 matter: the others are left at log zero and skipped. */
        int lo = S - 2 * (T - t), hi = 2 * t + 1;
        for (int s = 0; s < S; s++) {
            int sym = s % 2 ? l[s / 2] : 0;
            double v = a[s];
            unsigned char from = 0;
            if (s < lo || s > hi) {
                b[s] = -INFINITY;
                continue;
            }
            if (s >= 1)
                v = trellis_merge(v, a[s - 1], 1, &from, viterbi);
            if (s >= 2 && sym != 0 && sym != l[s / 2 - 1])
                v = trellis_merge(v, a[s - 2], 2, &from, viterbi);
            b[s] = v == -INFINITY ? v : v + row[sym];
            if (viterbi)
                bp[(size_t)t * S + s] = from;
        }
        double *tmp = a;
        a = b;
        b = tmp;
    }
    if (S < 2)
        return a[0];
    if (!viterbi)
        return util_log_add(a[S - 1], a[S - 2]);
    if (a[S - 2] > a[S - 1] && end_state)
        *end_state = S - 2;
    return a[S - 2] > a[S - 1] ? a[S - 2] : a[S - 1];
}

hark_status phrase_set_build(phrase_set *ps, const hark_units *u, const char *const *phrases,
                             size_t n)
{
    memset(ps, 0, sizeof *ps);
    if (n > INT32_MAX || !(ps->text = calloc(n ? n : 1, sizeof *ps->text))
        || !(ps->off = calloc(n + 1, sizeof *ps->off)))
        return phrase_set_fail(ps, hark_error(HARK_ERR_NOMEM, "out of memory"));
    size_t cap = 0;
    for (size_t i = 0; i < n; i++) {
        ps->n = i + 1;
        if (!phrases[i])
            return phrase_set_fail(ps, hark_error(HARK_ERR_INVALID_ARG, "phrase %zu is NULL", i));
        int k = 0;
        hark_status st = hark_units_encode(u, phrases[i], NULL, 0, &k);
        if (st == HARK_OK && util_grow(&ps->units, &cap, ps->off[i] + (size_t)k + 1,
                                       sizeof *ps->units, 256) != 0)
            st = hark_error(HARK_ERR_NOMEM, "out of memory");
        if (st == HARK_OK)
            st = hark_units_encode(u, phrases[i], ps->units + ps->off[i], k, &k);
        if (st == HARK_OK && !(ps->text[i] = strdup(phrases[i])))
            st = hark_error(HARK_ERR_NOMEM, "out of memory");
        if (st != HARK_OK)
            return phrase_set_fail(ps, st);
        ps->off[i + 1] = ps->off[i] + (size_t)k;
        if ((size_t)k > ps->maxlen)
            ps->maxlen = (size_t)k;
    }
    ps->n = n;
    return HARK_OK;
}

void phrase_set_free(phrase_set *ps)
{
    for (size_t i = 0; ps->text && i < ps->n; i++)
        free(ps->text[i]);
    free(ps->text);
    free(ps->units);
    free(ps->off);
    memset(ps, 0, sizeof *ps);
}

hark_status phrase_set_fail(phrase_set *ps, hark_status st)
{
    phrase_set_free(ps);
    return st;
}

hark_status hark_decode_phrases(const float *logprobs, int T, int V, const char *alphabet,
                                const char *const *phrases, int n_phrases, double frame_seconds,
                                hark_transcript *out, int *best_index)
{
    if (!out)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_decode_phrases: NULL transcript");
    hark_transcript_clear(out);
    if (!phrases || n_phrases < 1 || !alphabet)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_decode_phrases: no phrases or bad input");
    hark_units *u = hark_units_create(HARK_UNITS_CHARS, alphabet);
    if (!u)
        return HARK_ERR_INVALID_ARG;
    phrase_set ps;
    hark_status st = phrase_set_build(&ps, u, phrases, (size_t)n_phrases);
    hark_units_free(u);
    if (st == HARK_OK)
        st = decode_phrase_set(logprobs, T, V, alphabet, &ps, frame_seconds, out, best_index);
    phrase_set_free(&ps);
    return st;
}

hark_status decode_phrase_set(const float *logprobs, int T, int V, const char *alphabet,
                              const phrase_set *ps, double frame_seconds, hark_transcript *out,
                              int *best_index)
{
    hark_transcript_clear(out);
    if (ps->n < 1 || T < 0 || (T > 0 && !logprobs))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_decode_phrases: no phrases or bad input");
    /* The greedy pass gives the timing of what was said; the phrase choice replaces its text. */
    hark_status st = hark_decode_greedy(logprobs, T, V, alphabet, frame_seconds, out);
    if (st != HARK_OK)
        return st;
    size_t maxlen = ps->maxlen;
    int n_phrases = (int)ps->n;
    double *a = malloc((2 * maxlen + 1) * sizeof *a), *b = malloc((2 * maxlen + 1) * sizeof *b);
    double *ll = malloc((size_t)n_phrases * sizeof *ll);
    char *text = NULL;
    hark_word_time *words = NULL;
    if (!a || !b || !ll) {
        st = hark_error(HARK_ERR_NOMEM, "out of memory");
        goto done;
    }
    int best = 0;
    double total = -INFINITY;
    for (int i = 0; i < n_phrases; i++) {
        for (size_t k = ps->off[i]; k < ps->off[i + 1]; k++)
            if (ps->units[k] >= V) {
                st = hark_error(HARK_ERR_INVALID_ARG, "phrase \"%s\" uses unit %d of a %d-unit "
                                "model", ps->text[i], ps->units[k], V);
                goto done;
            }
        ll[i] = ctc_trellis(logprobs, T, V, ps->units + ps->off[i],
                            (int)(ps->off[i + 1] - ps->off[i]), a, b, NULL, NULL);
        total = util_log_add(total, ll[i]);
        if (ll[i] > ll[best])
            best = i;
    }
    /* Words of the chosen phrase: times from the greedy words when they line up one to one,
     * else spread evenly over the speech the greedy pass found. */
    const char *p = ps->text[best];
    size_t nw = 0;
    for (const char *q = p; *q; q++)
        nw += (q == p || q[-1] == ' ') && *q != ' ';
    text = strdup(p);
    words = malloc((nw + 1) * sizeof *words);
    if (!text || !words) {
        st = hark_error(HARK_ERR_NOMEM, "out of memory");
        goto done;
    }
    double s0 = out->n_words ? out->start : 0, s1 = out->n_words ? out->end : out->duration;
    size_t k = 0;
    for (const char *q = p; *q; q++) {
        if (*q == ' ' || (q != p && q[-1] != ' '))
            continue;
        size_t len = strcspn(q, " ");
        hark_word_time w = {(size_t)(q - p), len, 0, 0, 0};
        if (out->n_words == nw) {
            w.start = out->words[k].start;
            w.end = out->words[k].end;
        } else {
            w.start = s0 + (s1 - s0) * (double)k / (double)nw;
            w.end = s0 + (s1 - s0) * (double)(k + 1) / (double)nw;
        }
        words[k++] = w;
    }
    /* Confidence: the chosen phrase's posterior among the candidates. */
    float conf = total == -INFINITY ? 0.0f : (float)exp(ll[best] - total);
    for (size_t i = 0; i < nw; i++)
        words[i].confidence = conf;
    free(out->text);
    free(out->words);
    out->text = text;
    out->words = words;
    out->n_words = nw;
    out->confidence = conf;
    out->start = nw ? words[0].start : 0;
    out->end = nw ? words[nw - 1].end : 0;
    text = NULL;
    words = NULL;
    if (best_index)
        *best_index = best;
done:
    if (st != HARK_OK)
        hark_transcript_clear(out);
    free(text);
    free(words);
    free(a);
    free(b);
    free(ll);
    return st;
}
