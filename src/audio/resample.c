/* resample.c - sample-rate conversion with libsoxr at its "high quality" setting (20-bit, linear
 * phase): a streaming object for live audio and a whole-signal wrapper built on it, so both
 * paths give the same samples. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <soxr.h>

#include "hark/audio.h"
#include "audio/audio_internal.h"
#include "core/util.h"

struct hark_resampler {
    soxr_t soxr;
    double ratio; /* out_rate / in_rate */
    float *buf;   /* output handed back to the caller, reused between calls */
    size_t cap;
    int flushed;
};

static int rate_ok(double rate) { return rate >= HARK_AUDIO_MIN_RATE && rate <= HARK_AUDIO_MAX_RATE; }

/* Mono float32 at SOXR_HQ (20-bit, linear phase), one thread: callers (trainer workers, the
 * live reader) own the parallelism. */
static soxr_t make_soxr(double in_rate, double out_rate, const char **why)
{
    soxr_error_t err = NULL;
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
    soxr_runtime_spec_t rt = soxr_runtime_spec(1);
    soxr_t s = soxr_create(in_rate, out_rate, 1, &err, &io, &q, &rt);
    if (!s || err) {
        soxr_delete(s);
        *why = err ? err : "unknown error";
        return NULL;
    }
    return s;
}

hark_resampler *hark_resampler_create(double in_rate, double out_rate)
{
    if (!rate_ok(in_rate) || !rate_ok(out_rate)) {
        hark_error(HARK_ERR_INVALID_ARG, "resampler: rates %.0f -> %.0f Hz outside %d..%d Hz",
                   in_rate, out_rate, HARK_AUDIO_MIN_RATE, HARK_AUDIO_MAX_RATE);
        return NULL;
    }
    hark_resampler *r = calloc(1, sizeof *r);
    if (!r) {
        hark_error(HARK_ERR_NOMEM, "resampler: out of memory");
        return NULL;
    }
    const char *err = NULL;
    r->soxr = make_soxr(in_rate, out_rate, &err);
    if (!r->soxr) {
        hark_error(HARK_ERR_INTERNAL, "resampler: soxr_create failed: %s", err);
        free(r);
        return NULL;
    }
    r->ratio = out_rate / in_rate;
    return r;
}

void hark_resampler_free(hark_resampler *r)
{
    if (!r)
        return;
    soxr_delete(r->soxr);
    free(r->buf);
    free(r);
}

void hark_resampler_reset(hark_resampler *r)
{
    if (!r)
        return;
    soxr_clear(r->soxr);
    r->flushed = 0;
}

static int grow(hark_resampler *r, size_t need)
{
    return util_grow(&r->buf, &r->cap, need, sizeof *r->buf, 1024);
}

/* Drive soxr until all input is used (in != NULL) or the tail is drained (in == NULL),
 * doubling the output buffer whenever soxr fills it. */
static hark_status run(hark_resampler *r, const float *in, size_t n_in, const float **out,
                       size_t *n_out)
{
    size_t used = 0, done = 0;
    if (grow(r, (size_t)ceil((double)n_in * r->ratio) + 256))
        return hark_error(HARK_ERR_NOMEM, "resampler: out of memory");
    for (;;) {
        size_t idone = 0, odone = 0;
        size_t room = r->cap - done;
        soxr_error_t err = soxr_process(r->soxr, in ? in + used : NULL, in ? n_in - used : 0,
                                        &idone, r->buf + done, room, &odone);
        if (err)
            return hark_error(HARK_ERR_INTERNAL, "resampler: %s", err);
        used += idone;
        done += odone;
        if (odone < room && (!in || used == n_in))
            break;
        if (odone == room && grow(r, r->cap * 2))
            return hark_error(HARK_ERR_NOMEM, "resampler: out of memory");
    }
    *out = r->buf;
    *n_out = done;
    return HARK_OK;
}

hark_status hark_resampler_process(hark_resampler *r, const float *in, size_t n_in,
                                   const float **out, size_t *n_out)
{
    if (!r || !out || !n_out || (!in && n_in))
        return hark_error(HARK_ERR_INVALID_ARG, "resampler: NULL argument");
    if (r->flushed)
        return hark_error(HARK_ERR_INVALID_ARG, "resampler: process after flush (reset first)");
    static const float none[1] = {0};
    return run(r, in ? in : none, n_in, out, n_out);
}

hark_status hark_resampler_flush(hark_resampler *r, const float **out, size_t *n_out)
{
    if (!r || !out || !n_out)
        return hark_error(HARK_ERR_INVALID_ARG, "resampler: NULL argument");
    if (r->flushed) {
        *out = r->buf;
        *n_out = 0;
        return HARK_OK;
    }
    r->flushed = 1;
    return run(r, NULL, 0, out, n_out);
}

/* ---- known-length resampling into one buffer (audio_internal.h) ---------------------------- */

hark_status audio_sink_init(audio_sink *s, int in_rate, int out_rate, size_t n_in)
{
    memset(s, 0, sizeof *s);
    s->want = (size_t)llround((double)n_in * out_rate / in_rate);
    s->out = malloc((s->want ? s->want : 1) * sizeof *s->out);
    if (!s->out)
        return hark_error(HARK_ERR_NOMEM, "resample: out of memory for %zu samples", s->want);
    const char *why = NULL;
    s->soxr = make_soxr(in_rate, out_rate, &why);
    if (!s->soxr) {
        free(s->out);
        s->out = NULL;
        return hark_error(HARK_ERR_INTERNAL, "resample: soxr_create failed: %s", why);
    }
    return HARK_OK;
}

hark_status audio_sink_feed(audio_sink *s, const float *in, size_t n)
{
    size_t used = 0, idone, odone;
    while (used < n && s->have < s->want) {
        soxr_error_t err = soxr_process(s->soxr, in + used, n - used, &idone, s->out + s->have,
                                        s->want - s->have, &odone);
        if (err)
            return hark_error(HARK_ERR_INTERNAL, "resample: %s", err);
        used += idone;
        s->have += odone;
    }
    return HARK_OK;
}

hark_status audio_sink_finish(audio_sink *s, float **out, size_t *n_out)
{
    size_t odone;
    do { /* the tail still inside the filter */
        odone = 0;
        if (s->have < s->want) {
            soxr_error_t err = soxr_process(s->soxr, NULL, 0, NULL, s->out + s->have,
                                            s->want - s->have, &odone);
            if (err)
                return hark_error(HARK_ERR_INTERNAL, "resample: %s", err);
        }
        s->have += odone;
    } while (odone > 0);
    /* soxr's flushed length is round(n * ratio) give or take one; pin it to that exactly. */
    memset(s->out + s->have, 0, (s->want - s->have) * sizeof *s->out);
    *out = s->out;
    *n_out = s->want;
    s->out = NULL;
    audio_sink_free(s);
    return HARK_OK;
}

void audio_sink_free(audio_sink *s)
{
    if (s->soxr)
        soxr_delete(s->soxr);
    free(s->out);
    memset(s, 0, sizeof *s);
}

hark_status hark_audio_resample(const float *in, size_t n_in, int in_rate, int out_rate,
                                float **out, size_t *n_out)
{
    if (!in || !out || !n_out)
        return hark_error(HARK_ERR_INVALID_ARG, "resample: NULL argument");
    *out = NULL;
    *n_out = 0;
    if (!rate_ok(in_rate) || !rate_ok(out_rate))
        return hark_error(HARK_ERR_INVALID_ARG, "resample: rates %d -> %d Hz outside %d..%d Hz",
                          in_rate, out_rate, HARK_AUDIO_MIN_RATE, HARK_AUDIO_MAX_RATE);
    if (in_rate == out_rate) {
        float *res = malloc((n_in ? n_in : 1) * sizeof *res);
        if (!res)
            return hark_error(HARK_ERR_NOMEM, "resample: out of memory");
        memcpy(res, in, n_in * sizeof *res);
        *out = res;
        *n_out = n_in;
        return HARK_OK;
    }
    /* soxr writes straight into the result: a second big buffer would cost as much in page
     * faults as the filtering itself. */
    audio_sink sink;
    hark_status st = audio_sink_init(&sink, in_rate, out_rate, n_in);
    if (st == HARK_OK)
        st = audio_sink_feed(&sink, in, n_in);
    if (st == HARK_OK)
        return audio_sink_finish(&sink, out, n_out);
    audio_sink_free(&sink);
    return st;
}
