/* segment.c - cutting a stream of any length into segments of bounded length at pauses.
 *
 * The segmenter keeps the current segment's samples (at most max_seconds) and, per 10 ms VAD
 * frame, whether it was speech and its level. Only when the buffer is full does it choose a cut,
 * so a stream shorter than max_seconds is one segment and decodes exactly as a whole file. The
 * cut goes in the middle of the longest pause (a non-speech run of at least min_pause_ms) of the
 * buffer's second half, where the segment is already long and the rest is short; without one,
 * in the longest pause at least a second in; without any, at the quietest frame of the second
 * half, which is more likely a gap between words than the middle of one.
 *
 * Each segment also carries its speech span: from the margin before its first speech frame to the
 * margin after its last. Decoders start there, not at the segment's first sample. */
#include <stdlib.h>
#include <string.h>

#include "hark/listener.h"

struct hark_segmenter {
    hark_segment_params p;
    hark_segment_fn fn;
    void *user;
    hark_vad *vad;
    hark_vad *span_vad; /* finds each segment's speech span (two passes over it) */
    size_t F;          /* samples per VAD frame */
    size_t max_frames; /* the buffer: max_frames * F samples */
    float *x;          /* the current segment's samples */
    size_t n;          /* samples in x */
    size_t nf;         /* frames of x analysed */
    unsigned char *speech; /* (max_frames) VAD decision per analysed frame */
    float *level;          /* (max_frames) level in dBFS per analysed frame */
    size_t start;          /* stream sample index of x[0] */
    int cut;               /* a cut was made since the stream began */
};

hark_segment_params hark_segment_default_params(int sample_rate)
{
    hark_segment_params p;
    memset(&p, 0, sizeof p);
    p.vad = hark_vad_default_params(sample_rate);
    p.max_seconds = 15;
    p.min_pause_ms = 200;
    p.speech_margin_ms = HARK_SPEECH_MARGIN_MS;
    return p;
}

hark_segmenter *hark_segmenter_create(const hark_segment_params *p, hark_segment_fn fn,
                                      void *user_data)
{
    if (!p || !fn) {
        hark_error(HARK_ERR_INVALID_ARG, "segmenter: NULL argument");
        return NULL;
    }
    if (!(p->max_seconds >= 1 && p->max_seconds <= 3600) || p->min_pause_ms < 10 ||
        p->min_pause_ms > 10000 || p->speech_margin_ms > 10000) {
        hark_error(HARK_ERR_INVALID_ARG, "segmenter: max segment length %g s (1..3600), minimum "
                   "pause %d ms (10..10000) or speech margin %d ms (at most 10000) out of range",
                   p->max_seconds, p->min_pause_ms, p->speech_margin_ms);
        return NULL;
    }
    hark_segmenter *s = calloc(1, sizeof *s);
    if (!s) {
        hark_error(HARK_ERR_NOMEM, "out of memory");
        return NULL;
    }
    s->p = *p;
    s->fn = fn;
    s->user = user_data;
    if (!(s->vad = hark_vad_create(&p->vad)) || !(s->span_vad = hark_vad_create(&p->vad)))
        goto fail;
    s->F = hark_vad_frame_size(s->vad);
    s->max_frames = (size_t)(p->max_seconds * p->vad.sample_rate) / s->F;
    if (s->max_frames < 4) {
        hark_error(HARK_ERR_INVALID_ARG, "segmenter: max segment length too short");
        goto fail;
    }
    s->x = malloc(s->max_frames * s->F * sizeof *s->x);
    s->speech = malloc(s->max_frames);
    s->level = malloc(s->max_frames * sizeof *s->level);
    if (!s->x || !s->speech || !s->level) {
        hark_error(HARK_ERR_NOMEM, "out of memory");
        goto fail;
    }
    return s;
fail:
    hark_segmenter_free(s);
    return NULL;
}

void hark_segmenter_free(hark_segmenter *s)
{
    if (!s)
        return;
    hark_vad_free(s->vad);
    hark_vad_free(s->span_vad);
    free(s->x);
    free(s->speech);
    free(s->level);
    free(s);
}

/* The frame to cut at (1..nf-1): see the top of the file. */
static size_t choose_cut(const hark_segmenter *s)
{
    size_t pause = (size_t)s->p.min_pause_ms * (size_t)s->p.vad.sample_rate / 1000 / s->F;
    size_t one_second = (size_t)s->p.vad.sample_rate / s->F;
    size_t half = s->nf / 2, best_late = 0, len_late = 0, best_any = 0, len_any = 0;
    if (pause < 1)
        pause = 1;
    for (size_t a = 0; a < s->nf;) {
        if (s->speech[a]) {
            a++;
            continue;
        }
        size_t b = a;
        while (b < s->nf && !s->speech[b])
            b++;
        size_t mid = (a + b) / 2, len = b - a;
        if (a > 0 && len >= pause && mid > 0) {
            if (mid >= half && len > len_late)
                best_late = mid, len_late = len;
            if (mid >= one_second && len > len_any)
                best_any = mid, len_any = len;
        }
        a = b;
    }
    if (best_late)
        return best_late;
    if (best_any)
        return best_any;
    size_t q = half;
    for (size_t i = half; i < s->nf; i++)
        if (s->level[i] < s->level[q])
            q = i;
    return q > 0 ? q : 1;
}

/* The speech span [*a, *b) of x[0, n): margin_ms before the first frame a VAD judges speech to
 * margin_ms after the last; all of it without speech or with a negative margin. The VAD hears the
 * samples twice and decides on the second pass: its noise floor starts low so that speech at
 * the very start is heard, which makes steady noise at the start speech until the floor has
 * climbed to it; after one pass it sits at the noise of the end, as a stream's would. v is
 * reset first. */
static void span_of(hark_vad *v, int margin_ms, int rate, const float *x, size_t n, size_t *a,
                    size_t *b)
{
    *a = 0;
    *b = n;
    if (margin_ms < 0 || n == 0)
        return;
    hark_vad_reset(v);
    size_t F = hark_vad_frame_size(v), frames = n / F, first = frames, last = 0;
    for (size_t i = 0; i < frames; i++)
        hark_vad_frame(v, x + i * F);
    hark_vad_rewind(v);
    for (size_t i = 0; i < frames; i++)
        if (hark_vad_frame(v, x + i * F)) {
            if (first == frames)
                first = i;
            last = i;
        }
    if (first == frames)
        return;
    size_t m = (size_t)margin_ms * (size_t)rate / 1000;
    size_t lo = first * F, hi = (last + 1) * F;
    *a = lo > m ? lo - m : 0;
    *b = n - hi > m ? hi + m : n;
}

/* Hand over the first `samples` samples as a segment and keep the rest. */
static hark_status emit(hark_segmenter *s, size_t samples, size_t frames, int last)
{
    hark_segment seg = {s->start, s->x, samples, 0, last && !s->cut, 0, samples};
    for (size_t i = 0; i < frames; i++)
        seg.speech_frames += s->speech[i];
    span_of(s->span_vad, s->p.speech_margin_ms, s->p.vad.sample_rate, s->x, samples,
            &seg.speech_start, &seg.speech_end);
    s->cut |= !last;
    hark_status st = s->fn(&seg, s->user);
    memmove(s->x, s->x + samples, (s->n - samples) * sizeof *s->x);
    memmove(s->speech, s->speech + frames, s->nf - frames);
    memmove(s->level, s->level + frames, (s->nf - frames) * sizeof *s->level);
    s->n -= samples;
    s->nf -= frames;
    s->start += samples;
    return st;
}

hark_status hark_segmenter_push(hark_segmenter *s, const float *x, size_t n)
{
    if (!s || (n > 0 && !x))
        return hark_error(HARK_ERR_INVALID_ARG, "segmenter push: NULL argument");
    const size_t cap = s->max_frames * s->F;
    while (n > 0) {
        size_t take = cap - s->n < n ? cap - s->n : n;
        memcpy(s->x + s->n, x, take * sizeof *x);
        s->n += take;
        x += take;
        n -= take;
        for (; (s->nf + 1) * s->F <= s->n; s->nf++) {
            s->speech[s->nf] = (unsigned char)hark_vad_frame(s->vad, s->x + s->nf * s->F);
            s->level[s->nf] = hark_vad_level_db(s->vad);
        }
        if (s->n == cap) {
            size_t cut = choose_cut(s);
            hark_status st = emit(s, cut * s->F, cut, 0);
            if (st != HARK_OK)
                return st;
        }
    }
    return HARK_OK;
}

hark_status hark_segmenter_flush(hark_segmenter *s)
{
    if (!s)
        return hark_error(HARK_ERR_INVALID_ARG, "segmenter flush: NULL argument");
    hark_status st = s->n > 0 ? emit(s, s->n, s->nf, 1) : HARK_OK;
    s->n = s->nf = 0;
    s->start = 0;
    s->cut = 0;
    hark_vad_reset(s->vad);
    return st;
}

hark_status hark_speech_span(const hark_segment_params *p, const float *x, size_t n,
                             size_t *start, size_t *end)
{
    if (!p || (n > 0 && !x) || !start || !end)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_speech_span: NULL argument");
    if (p->speech_margin_ms > 10000)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_speech_span: speech margin %d ms out of "
                          "range (at most 10000, negative for the whole buffer)",
                          p->speech_margin_ms);
    *start = 0;
    *end = n;
    if (p->speech_margin_ms < 0 || n == 0)
        return HARK_OK;
    hark_vad *v = hark_vad_create(&p->vad);
    if (!v)
        return HARK_ERR_INVALID_ARG;
    span_of(v, p->speech_margin_ms, p->vad.sample_rate, x, n, start, end);
    hark_vad_free(v);
    return HARK_OK;
}
