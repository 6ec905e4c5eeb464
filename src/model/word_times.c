/* word_times.c - word boundaries from the signal: every decoder times a word by the frames where
 * CTC emits its units, and those spikes mark where the model decided, not where the word is
 * spoken (a CTC model emits each unit on one or two frames, often early, and predicts blank
 * with near certainty over the rest of the word). This file moves each word's edges to the
 * edges of the run of speech energy around its loudest emitted frame, bounded by its
 * neighbours, and measures that energy per frame (frame_energy_*) for the recognizer. */
#include <math.h>
#include <stdlib.h>

#include "core/util.h"
#include "model/model_internal.h"

/* A frame is speech when its energy is this far above the quietest frame between the word and
 * its neighbour (the local noise floor, or the dip between words spoken without a pause): twice
 * the noise amplitude, clear of the frame-to-frame wobble of steady noise (a few dB), and about
 * one frame of a word's decaying tail, which falls by several dB per 30 ms. */
#define MARGIN_DB 6.0f
/* A word may hold a quieter stretch this long (a stop closure inside or at the end of a word
 * lasts some 50-100 ms) without being cut there. */
#define BRIDGE_SECONDS 0.09
/* An edge moves at most this far outwards from the word's emitted frames: a word's last unit is
 * emitted before the word's final sound has ended, not half a second before. */
#define REACH_SECONDS 0.5
/* The energy of digital silence (and the floor of every frame): below 16-bit quantisation noise. */
#define SILENCE_DB -100.0f

/* The loudest frame in [a, b]. */
static int loudest(const float *db, int a, int b)
{
    int best = a;
    for (int k = a + 1; k <= b; k++)
        if (db[k] > db[best])
            best = k;
    return best;
}

/* The speech threshold of the frames [a, b] between a word and its neighbour (or the end of
 * the audio): their quietest frame's energy plus the margin. NAN when no frame there is clearly
 * quieter than the word's loudest, `peak` (none, or speech running on to the edge of the audio):
 * nothing says where the word ends on that side. */
static float threshold(const float *db, int a, int b, float peak)
{
    float m = INFINITY;
    for (int k = a; k <= b; k++)
        if (db[k] < m)
            m = db[k];
    return m + MARGIN_DB <= peak ? m + MARGIN_DB : NAN;
}

/* From frame `from` step by `dir` (-1, +1) while frames are speech (>= thr), crossing at most
 * `bridge` quieter frames in a row, never past `limit`. Returns the last speech frame reached. */
static int walk(const float *db, int from, int dir, int limit, float thr, int bridge)
{
    int edge = from, quiet = 0;
    for (int k = from + dir; dir < 0 ? k >= limit : k <= limit; k += dir) {
        if (db[k] >= thr) {
            edge = k;
            quiet = 0;
        } else if (++quiet > bridge) {
            break;
        }
    }
    return edge;
}

/* Where two refined words meet or overlap, the quietest frame between them separates them and
 * belongs to neither; each keeps its loudest frame. */
static void separate(const float *db, int *last, int *first, int a0, int a1)
{
    if (*last < *first)
        return;
    int m = *first;
    for (int k = *first; k <= *last; k++)
        if (db[k] < db[m])
            m = k;
    *last = m - 1 >= a0 ? m - 1 : a0;
    *first = m + 1 <= a1 ? m + 1 : a1;
}

hark_status word_spans_refine(const float *db, int T, double frame_seconds, int n, int *first,
                              int *last)
{
    if (n < 1)
        return HARK_OK;
    if (!db || T < 1 || !first || !last || !(frame_seconds > 0))
        return hark_error(HARK_ERR_INVALID_ARG, "word_spans_refine: bad arguments");
    for (int i = 0; i < n; i++)
        if (first[i] < 0 || last[i] < first[i] || last[i] >= T || (i && first[i] <= last[i - 1]))
            return HARK_OK; /* not frame spans in order (e.g. times spread evenly): keep them */
    int *anchor = malloc((size_t)n * sizeof *anchor);
    if (!anchor)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++)
        anchor[i] = loudest(db, first[i], last[i]);
    int bridge = (int)(BRIDGE_SECONDS / frame_seconds + 1e-6);
    int reach = (int)ceil(REACH_SECONDS / frame_seconds);
    /* Each side of a word is judged by the frames strictly between its loudest frame and its
     * neighbour's (or the edge of the audio); a side without a clearly quieter frame keeps the
     * decoder's edge. */
    for (int i = 0; i < n; i++) {
        int a = anchor[i];
        int lo = i ? anchor[i - 1] + 1 : 0, hi = i + 1 < n ? anchor[i + 1] - 1 : T - 1;
        float left = threshold(db, lo, a - 1, db[a]), right = threshold(db, a + 1, hi, db[a]);
        if (!isnan(left))
            first[i] = walk(db, a, -1, first[i] - reach > lo ? first[i] - reach : lo, left, bridge);
        if (!isnan(right))
            last[i] = walk(db, a, +1, last[i] + reach < hi ? last[i] + reach : hi, right, bridge);
        if (i)
            separate(db, &last[i - 1], &first[i], anchor[i - 1], a);
    }
    free(anchor);
    return HARK_OK;
}

hark_status hark_transcript_refine_times(hark_transcript *t, const float *frame_db, int T,
                                         double frame_seconds)
{
    if (!t || T < 0 || (T > 0 && !frame_db) || !(frame_seconds > 0))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_transcript_refine_times: bad arguments");
    int n = (int)t->n_words;
    if (n == 0 || T == 0 || t->n_words > (size_t)T)
        return HARK_OK;
    int *first = malloc((size_t)n * sizeof *first), *last = malloc((size_t)n * sizeof *last);
    hark_status st = first && last ? HARK_OK : hark_error(HARK_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n && st == HARK_OK; i++) {
        first[i] = (int)lround(t->words[i].start / frame_seconds);
        last[i] = (int)lround(t->words[i].end / frame_seconds) - 1;
    }
    if (st == HARK_OK)
        st = word_spans_refine(frame_db, T, frame_seconds, n, first, last);
    for (int i = 0; i < n && st == HARK_OK; i++) {
        t->words[i].start = first[i] * frame_seconds;
        t->words[i].end = (last[i] + 1) * frame_seconds;
    }
    if (st == HARK_OK) {
        t->start = t->words[0].start;
        t->end = t->words[n - 1].end;
    }
    free(first);
    free(last);
    return st;
}

/* ---- Frame energy --------------------------------------------------------------------------- */

void frame_energy_reset(frame_energy *e)
{
    e->n = 0;
    e->sum = 0;
    e->count = 0;
}

void frame_energy_free(frame_energy *e)
{
    free(e->db);
    e->db = NULL;
    e->cap = 0;
    frame_energy_reset(e);
}

static int frame_energy_close(frame_energy *e)
{
    if (util_grow(&e->db, &e->cap, e->n + 1, sizeof *e->db, 256))
        return -1;
    double ms = e->sum / (double)e->count;
    e->db[e->n++] = ms > 1e-10 ? (float)(10.0 * log10(ms)) : SILENCE_DB;
    e->sum = 0;
    e->count = 0;
    return 0;
}

hark_status frame_energy_feed(frame_energy *e, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        e->sum += (double)x[i] * x[i];
        if (++e->count == e->block && frame_energy_close(e))
            return hark_error(HARK_ERR_NOMEM, "out of memory");
    }
    return HARK_OK;
}

hark_status frame_energy_finish(frame_energy *e, int T)
{
    if (e->count > 0 && frame_energy_close(e))
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    if (T > 0 && util_grow(&e->db, &e->cap, (size_t)T, sizeof *e->db, 256))
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    /* The net's last frame may cover a zero-padded stack beyond the audio: silence. */
    while (e->n < (size_t)T)
        e->db[e->n++] = SILENCE_DB;
    return HARK_OK;
}
