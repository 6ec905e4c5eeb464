/* mfcc_stream.c - the streaming extractor: audio arrives in chunks of any size and frames leave
 * as soon as their delta context exists, identical to hark_mfcc_compute on the whole signal.
 *
 * Three counters drive it: K static frames computed, Kd deltas computed, Ko frames emitted.
 * Delta d[t] needs cepstra up to t+N and the delta-delta of frame t needs deltas up to t+N, so
 * before finish() Kd trails K by N and Ko trails Kd by N; finish() lets both run to the end with
 * the last frame replicated, exactly as the batch path clamps indices. Cepstra and deltas live
 * in rings of 4N+2 rows, the samples in a buffer of one frame plus one read chunk. */
#include <stdlib.h>
#include <string.h>

#include "features/mfcc_internal.h"

#define CHUNK 4096 /* samples copied into the buffer per step */

struct hark_mfcc_stream {
    hark_mfcc *m;
    int L, S, C, D, N, order, R;
    float *buf;        /* pending samples: the next frame starts at buf[off] */
    size_t len, off, cap;
    size_t skip;       /* samples still to drop when frame_shift > frame_length */
    uint64_t rng;      /* dither noise, restarted from the seed on reset */
    float *cring;      /* R x C static cepstra, frame t at row t % R */
    float *dring;      /* R x C deltas */
    size_t K, Kd, Ko;
    float *queue;      /* frames ready to read: rows [q_head, q_len) */
    size_t q_head, q_len, q_cap;
    int finished;
    int live;          /* HARK_CMVN_LIVE: frames wait in `lv` until their window is complete */
    hark_mfcc_live lv;
    float *raw;        /* D: the frame being built, before live CMVN */
    size_t Kn;         /* frames normalised and queued (live) */
};

hark_mfcc_stream *hark_mfcc_stream_create(const hark_mfcc_config *cfg)
{
    if (hark_mfcc_config_validate(cfg) != HARK_OK)
        return NULL;
    if (cfg->cmvn == HARK_CMVN_UTTERANCE) {
        hark_error(HARK_ERR_UNSUPPORTED, "mfcc stream: per-utterance CMVN needs the whole "
                   "utterance; use global or live CMVN for streaming");
        return NULL;
    }
    hark_mfcc_stream *s = calloc(1, sizeof *s);
    if (!s) {
        hark_error(HARK_ERR_NOMEM, "mfcc stream: out of memory");
        return NULL;
    }
    s->m = hark_mfcc_create(cfg);
    if (!s->m)
        goto fail;
    s->L = hark_mfcc_frame_length(cfg);
    s->S = hark_mfcc_frame_shift(cfg);
    s->C = cfg->num_ceps;
    s->D = hark_mfcc_dim(cfg);
    s->N = cfg->delta_window;
    s->order = cfg->delta_order;
    s->R = 4 * s->N + 2;
    s->cap = (size_t)s->L + CHUNK;
    s->buf = malloc(s->cap * sizeof *s->buf);
    s->cring = malloc((size_t)s->R * (size_t)s->C * sizeof *s->cring);
    s->dring = malloc((size_t)s->R * (size_t)s->C * sizeof *s->dring);
    if (!s->buf || !s->cring || !s->dring) {
        hark_error(HARK_ERR_NOMEM, "mfcc stream: out of memory");
        goto fail;
    }
    if (cfg->cmvn == HARK_CMVN_LIVE) {
        s->raw = malloc((size_t)s->D * sizeof *s->raw);
        if (!s->raw) {
            hark_error(HARK_ERR_NOMEM, "mfcc stream: out of memory");
            goto fail;
        }
        if (hark_mfcc_live_init(&s->lv, cfg) != HARK_OK)
            goto fail;
        s->live = 1;
    }
    hark_mfcc_stream_reset(s);
    return s;
fail:
    hark_mfcc_stream_free(s);
    return NULL;
}

void hark_mfcc_stream_free(hark_mfcc_stream *s)
{
    if (!s)
        return;
    hark_mfcc_free(s->m);
    free(s->buf);
    free(s->cring);
    free(s->dring);
    free(s->queue);
    free(s->raw);
    if (s->live)
        hark_mfcc_live_free(&s->lv);
    free(s);
}

void hark_mfcc_stream_reset(hark_mfcc_stream *s)
{
    if (!s)
        return;
    s->len = s->off = s->skip = 0;
    s->K = s->Kd = s->Ko = 0;
    s->q_head = s->q_len = 0;
    s->finished = 0;
    s->rng = hark_mfcc_get_config(s->m)->dither_seed;
    s->Kn = 0;
    if (s->live)
        hark_mfcc_live_reset(&s->lv);
}

static float *crow(hark_mfcc_stream *s, size_t t) { return s->cring + (t % (size_t)s->R) * (size_t)s->C; }
static float *drow(hark_mfcc_stream *s, size_t t) { return s->dring + (t % (size_t)s->R) * (size_t)s->C; }

static size_t clamp_idx(long t, size_t n) { return t < 0 ? 0 : (size_t)t >= n ? n - 1 : (size_t)t; }

/* Room for one more frame at the end of the queue: *f points at it. */
static hark_status queue_slot(hark_mfcc_stream *s, float **f)
{
    if (s->q_len == s->q_cap) {
        if (s->q_head > 0) { /* reuse the space of frames already read */
            memmove(s->queue, s->queue + s->q_head * (size_t)s->D,
                    (s->q_len - s->q_head) * (size_t)s->D * sizeof *s->queue);
            s->q_len -= s->q_head;
            s->q_head = 0;
        } else {
            size_t cap = s->q_cap ? 2 * s->q_cap : 64;
            float *q = realloc(s->queue, cap * (size_t)s->D * sizeof *q);
            if (!q)
                return hark_error(HARK_ERR_NOMEM, "mfcc stream: out of memory");
            s->queue = q;
            s->q_cap = cap;
        }
    }
    *f = s->queue + s->q_len * (size_t)s->D;
    return HARK_OK;
}

static hark_status check_finite(const hark_mfcc_stream *s, const float *f, size_t t)
{
    if (hark_mfcc_first_nonfinite(f, (size_t)s->D) < (size_t)s->D)
        return hark_error(HARK_ERR_NUMERIC, "mfcc stream: frame %zu has a non-finite value "
                          "(input samples far outside [-1, 1]?)", t);
    return HARK_OK;
}

/* Live CMVN: queue every waiting frame whose window is complete (T: frames in all, or SIZE_MAX
 * before finish). */
static hark_status live_flush(hark_mfcc_stream *s, size_t T)
{
    const hark_mfcc_config *cfg = hark_mfcc_get_config(s->m);
    while (s->Kn < s->lv.added && hark_mfcc_live_needs(cfg, s->Kn, T) <= s->lv.added) {
        float *f = NULL;
        hark_status st = queue_slot(s, &f);
        if (st != HARK_OK)
            return st;
        hark_mfcc_live_frame(&s->lv, cfg, s->Kn, T, f);
        if ((st = check_finite(s, f, s->Kn)) != HARK_OK)
            return st;
        s->q_len++;
        s->Kn++;
    }
    return HARK_OK;
}

static hark_status push_frame(hark_mfcc_stream *s, size_t t)
{
    float *f = s->raw;
    hark_status st;
    if (!s->live && (st = queue_slot(s, &f)) != HARK_OK)
        return st;
    const int C = s->C;
    memcpy(f, crow(s, t), (size_t)C * sizeof *f);
    if (s->order >= 1)
        memcpy(f + C, drow(s, t), (size_t)C * sizeof *f);
    if (s->order >= 2) {
        const float *rows[2 * 10 + 1];
        for (int k = -s->N; k <= s->N; k++)
            rows[s->N + k] = drow(s, clamp_idx((long)t + k, s->Kd));
        hark_mfcc_delta_row(rows, s->N, C, f + 2 * C);
    }
    if (s->live) {
        if ((st = check_finite(s, f, t)) != HARK_OK)
            return st;
        hark_mfcc_live_add(&s->lv, f);
        return live_flush(s, SIZE_MAX);
    }
    hark_mfcc_cmvn_frame(s->m, f);
    if ((st = check_finite(s, f, t)) != HARK_OK)
        return st;
    s->q_len++;
    return HARK_OK;
}

/* Compute every delta and emit every frame whose context is complete. */
static hark_status advance(hark_mfcc_stream *s)
{
    const size_t N = (size_t)s->N;
    if (s->order >= 1) {
        while (s->Kd < s->K && (s->finished || s->Kd + N < s->K)) {
            const float *rows[2 * 10 + 1];
            for (int k = -s->N; k <= s->N; k++)
                rows[s->N + k] = crow(s, clamp_idx((long)s->Kd + k, s->K));
            hark_mfcc_delta_row(rows, s->N, s->C, drow(s, s->Kd));
            s->Kd++;
        }
    } else {
        s->Kd = s->K;
    }
    const int need_ctx = s->order >= 2;
    while (s->Ko < s->Kd && (!need_ctx || s->finished || s->Ko + N < s->Kd)) {
        hark_status st = push_frame(s, s->Ko);
        if (st != HARK_OK)
            return st;
        s->Ko++;
    }
    return HARK_OK;
}

hark_status hark_mfcc_stream_feed(hark_mfcc_stream *s, const float *samples, size_t n)
{
    if (!s || (!samples && n))
        return hark_error(HARK_ERR_INVALID_ARG, "mfcc stream: NULL argument");
    if (s->finished)
        return hark_error(HARK_ERR_INVALID_ARG, "mfcc stream: feed after finish (reset first)");
    size_t bad = hark_mfcc_first_nonfinite(samples, n);
    if (bad < n)
        return hark_error(HARK_ERR_NUMERIC, "mfcc stream: input sample %zu of this chunk is not a "
                          "finite number", bad);
    while (n > 0) {
        if (s->skip) {
            size_t d = n < s->skip ? n : s->skip;
            s->skip -= d;
            samples += d;
            n -= d;
            continue;
        }
        if (s->off > 0) { /* keep the partial frame at the front */
            memmove(s->buf, s->buf + s->off, (s->len - s->off) * sizeof *s->buf);
            s->len -= s->off;
            s->off = 0;
        }
        size_t take = s->cap - s->len < n ? s->cap - s->len : n;
        memcpy(s->buf + s->len, samples, take * sizeof *s->buf);
        s->len += take;
        samples += take;
        n -= take;
        while (s->len - s->off >= (size_t)s->L) {
            hark_mfcc_frame(s->m, s->buf + s->off, crow(s, s->K), &s->rng);
            s->K++;
            hark_status st = advance(s);
            if (st != HARK_OK)
                return st;
            s->off += (size_t)s->S;
            if (s->off > s->len) { /* shift longer than the frame: drop the gap as it arrives */
                s->skip = s->off - s->len;
                s->off = s->len;
            }
        }
    }
    return HARK_OK;
}

hark_status hark_mfcc_stream_finish(hark_mfcc_stream *s)
{
    if (!s)
        return hark_error(HARK_ERR_INVALID_ARG, "mfcc stream: NULL argument");
    if (s->finished)
        return HARK_OK;
    s->finished = 1;
    hark_status st = advance(s);
    if (st == HARK_OK && s->live)
        st = live_flush(s, s->Ko);
    return st;
}

size_t hark_mfcc_stream_available(const hark_mfcc_stream *s) { return s ? s->q_len - s->q_head : 0; }

size_t hark_mfcc_stream_read(hark_mfcc_stream *s, float *out, size_t max_frames)
{
    if (!s || !out)
        return 0;
    size_t n = s->q_len - s->q_head;
    if (n > max_frames)
        n = max_frames;
    if (n == 0)
        return 0;
    memcpy(out, s->queue + s->q_head * (size_t)s->D, n * (size_t)s->D * sizeof *out);
    s->q_head += n;
    if (s->q_head == s->q_len)
        s->q_head = s->q_len = 0;
    return n;
}

size_t hark_mfcc_stream_frames_out(const hark_mfcc_stream *s)
{
    return !s ? 0 : s->live ? s->Kn : s->Ko;
}

size_t hark_mfcc_stream_memory(const hark_mfcc_stream *s)
{
    if (!s)
        return 0;
    size_t live = s->live ? (s->lv.rows + 1) * (size_t)s->D * sizeof(float)
                                + (size_t)s->D * sizeof(double) : 0;
    return sizeof *s + live
           + (s->cap + 2 * (size_t)s->R * (size_t)s->C + s->q_cap * (size_t)s->D) * sizeof(float);
}
