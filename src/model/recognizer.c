/* recognizer.c - per-stream recognition over a shared read-only model, for the live assistant.
 *
 * Unidirectional nets with streamable features (global or no CMVN) run as the audio arrives: the
 * streaming MFCC extractor turns samples into frames, the streaming net carries its recurrent
 * state and frame-stacking buffer, and the log-posteriors accumulate so a partial transcript is
 * one greedy pass over them. Bidirectional nets and per-utterance CMVN need the whole utterance,
 * so the samples are buffered and decoded at finish; their partials re-decode the buffer so far,
 * at most once per PARTIAL_EVERY of new audio (the small nets hark ships decode a second of audio
 * in about 2 ms, so this costs a few percent of a core while someone speaks). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "model/model_internal.h"

/* Feature frames moved from the extractor to the net per step. */
#define CHUNK_FRAMES 64
/* Buffered recognizers re-decode for a partial after this many seconds of new audio. */
#define PARTIAL_EVERY 0.2

struct hark_recognizer {
    const hark_model *m;
    hark_mfcc_stream *fs; /* streaming */
    hark_net_stream *ns;  /* streaming */
    hark_mfcc *whole;     /* buffered */
    int D, V, k;
    float *feats; /* streaming: CHUNK_FRAMES frames */
    size_t cap_feats;
    float *samples; /* buffered: the utterance so far */
    size_t n_samples, cap_samples;
    float *lp; /* (n_lp, V) log-posteriors so far (streaming only) */
    size_t n_lp, cap_lp;
    size_t frames_pushed; /* feature frames given to the streaming net */
    char **phrases;       /* closed vocabulary for finish, or NULL */
    size_t n_phrases;
    size_t samples_in;
    char *partial;          /* buffered: the last partial transcript (malloc'd) or NULL */
    size_t partial_samples; /* buffered: n_samples when it was decoded */
};

/* Room for `need` rows of `width` floats, doubling from 256 rows (core/util.h). */
static int grow(float **buf, size_t *cap, size_t need, size_t width)
{
    return util_grow(buf, cap, need, width * sizeof **buf, 256);
}

hark_recognizer *hark_recognizer_create(const hark_model *m)
{
    if (!m) {
        hark_error(HARK_ERR_INVALID_ARG, "hark_recognizer_create: NULL model");
        return NULL;
    }
    hark_recognizer *r = calloc(1, sizeof *r);
    if (!r) {
        hark_error(HARK_ERR_NOMEM, "out of memory");
        return NULL;
    }
    const hark_net_config *nc = hark_net_get_config(m->net);
    r->m = m;
    r->D = hark_mfcc_dim(&m->feat);
    r->V = nc->n_output;
    r->k = nc->stack;
    if (!nc->bidirectional && m->feat.cmvn != HARK_CMVN_UTTERANCE) {
        r->fs = hark_mfcc_stream_create(&m->feat);
        r->ns = r->fs ? hark_net_stream_create(m->net) : NULL;
        if (!r->ns)
            goto fail;
    } else if (!(r->whole = hark_mfcc_create(&m->feat))) {
        goto fail;
    }
    if (grow(&r->feats, &r->cap_feats, CHUNK_FRAMES, (size_t)r->D) != 0) {
        hark_error(HARK_ERR_NOMEM, "out of memory");
        goto fail;
    }
    return r;
fail:
    hark_recognizer_free(r);
    return NULL;
}

void hark_recognizer_free(hark_recognizer *r)
{
    if (!r)
        return;
    hark_mfcc_stream_free(r->fs);
    hark_net_stream_free(r->ns);
    hark_mfcc_free(r->whole);
    hark_recognizer_set_phrases(r, NULL, 0);
    free(r->samples);
    free(r->feats);
    free(r->lp);
    free(r->partial);
    free(r);
}

void hark_recognizer_reset(hark_recognizer *r)
{
    if (!r)
        return;
    if (r->ns) {
        hark_mfcc_stream_reset(r->fs);
        hark_net_stream_reset(r->ns);
    }
    r->n_samples = r->n_lp = r->frames_pushed = r->samples_in = r->partial_samples = 0;
    free(r->partial);
    r->partial = NULL;
}

hark_status hark_recognizer_set_phrases(hark_recognizer *r, const char *const *phrases, size_t n)
{
    if (!r || (n > 0 && !phrases))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_recognizer_set_phrases: NULL argument");
    char **copy = NULL;
    if (n > 0) {
        if (n > INT32_MAX || !(copy = calloc(n, sizeof *copy)))
            return hark_error(HARK_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
            int nl;
            hark_status st = phrases[i] ? hark_alphabet_encode(r->m->alphabet, phrases[i], NULL, 0, &nl)
                                        : hark_error(HARK_ERR_INVALID_ARG, "phrase %zu is NULL", i);
            if (st == HARK_OK && !(copy[i] = strdup(phrases[i])))
                st = hark_error(HARK_ERR_NOMEM, "out of memory");
            if (st != HARK_OK) {
                for (size_t j = 0; j < i; j++)
                    free(copy[j]);
                free(copy);
                return st;
            }
        }
    }
    for (size_t i = 0; i < r->n_phrases; i++)
        free(r->phrases[i]);
    free(r->phrases);
    r->phrases = copy;
    r->n_phrases = n;
    return HARK_OK;
}

/* Greedy, or among the phrases when a closed vocabulary is set. */
static hark_status decode(const hark_recognizer *r, const float *lp, int T, hark_transcript *out)
{
    double fs = hark_model_frame_seconds(r->m);
    if (r->n_phrases)
        return hark_decode_phrases(lp, T, r->V, r->m->alphabet, (const char *const *)r->phrases,
                                   (int)r->n_phrases, fs, out, NULL);
    return hark_decode_greedy(lp, T, r->V, r->m->alphabet, fs, out);
}

int hark_recognizer_is_streaming(const hark_recognizer *r) { return r && r->ns != NULL; }

/* Streaming: push n feature frames through the net, appending log-posteriors. */
static hark_status push_frames(hark_recognizer *r, const float *frames, int n)
{
    int cap = (n + r->k - 1) / r->k + 1;
    if (grow(&r->lp, &r->cap_lp, r->n_lp + (size_t)cap, (size_t)r->V) != 0)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    int n_out = 0;
    hark_status st = hark_net_stream_push(r->m->net, r->ns, frames, n,
                                          r->lp + r->n_lp * (size_t)r->V, cap, &n_out);
    if (st != HARK_OK)
        return st;
    r->n_lp += (size_t)n_out;
    r->frames_pushed += (size_t)n;
    return HARK_OK;
}

/* Streaming: move every ready feature frame from the extractor into the net. */
static hark_status drain(hark_recognizer *r)
{
    for (;;) {
        size_t got = hark_mfcc_stream_read(r->fs, r->feats, CHUNK_FRAMES);
        if (got == 0)
            return HARK_OK;
        hark_status st = push_frames(r, r->feats, (int)got);
        if (st != HARK_OK)
            return st;
    }
}

hark_status hark_recognizer_push(hark_recognizer *r, const float *samples, size_t n)
{
    if (!r || (n > 0 && !samples))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_recognizer_push: NULL argument");
    r->samples_in += n;
    if (!r->ns) {
        if (grow(&r->samples, &r->cap_samples, r->n_samples + n, 1) != 0)
            return hark_error(HARK_ERR_NOMEM, "out of memory");
        memcpy(r->samples + r->n_samples, samples, n * sizeof *samples);
        r->n_samples += n;
        return HARK_OK;
    }
    hark_status st = hark_mfcc_stream_feed(r->fs, samples, n);
    return st == HARK_OK ? drain(r) : st;
}

/* Buffered: features of the whole utterance, one forward; greedy, or as decode() when !greedy. */
static hark_status decode_buffered(const hark_recognizer *r, int greedy, hark_transcript *out)
{
    float *feats = NULL;
    size_t T = 0;
    hark_status st = hark_mfcc_compute_alloc(r->whole, r->samples, r->n_samples, &feats, &T);
    if (st != HARK_OK)
        return st;
    if (T == 0)
        return greedy ? hark_decode_greedy(NULL, 0, r->V, r->m->alphabet, 0, out)
                      : decode(r, NULL, 0, out);
    hark_net_ws *ws = hark_net_ws_create_inference(r->m->net, 1, (int)T);
    if (!ws) {
        free(feats);
        return HARK_ERR_NOMEM;
    }
    int len = (int)T, out_len = 0, T_out = 0;
    const float *lp = NULL;
    st = hark_net_forward(r->m->net, ws, feats, &len, 1, len, 0, NULL, &lp, &out_len, &T_out);
    if (st == HARK_OK)
        st = greedy ? hark_decode_greedy(lp, out_len, r->V, r->m->alphabet,
                                         hark_model_frame_seconds(r->m), out)
                    : decode(r, lp, out_len, out);
    hark_net_ws_free(ws);
    free(feats);
    return st;
}

hark_status hark_recognizer_partial(hark_recognizer *r, char *buf, size_t cap)
{
    if (!r || !buf || cap == 0)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_recognizer_partial: bad arguments");
    buf[0] = '\0';
    if (!r->ns) {
        size_t every = (size_t)(PARTIAL_EVERY * r->m->feat.sample_rate);
        if (r->n_samples > 0 && (!r->partial || r->n_samples >= r->partial_samples + every)) {
            hark_transcript t = {0};
            hark_status st = decode_buffered(r, 1, &t);
            char *text = st == HARK_OK ? strdup(t.text) : NULL;
            hark_transcript_clear(&t);
            if (st != HARK_OK)
                return st;
            if (!text)
                return hark_error(HARK_ERR_NOMEM, "out of memory");
            free(r->partial);
            r->partial = text;
            r->partial_samples = r->n_samples;
        }
        if (r->partial)
            snprintf(buf, cap, "%s", r->partial);
        return HARK_OK;
    }
    if (r->n_lp == 0)
        return HARK_OK;
    hark_transcript t = {0};
    hark_status st = hark_decode_greedy(r->lp, (int)r->n_lp, r->V, r->m->alphabet,
                                        hark_model_frame_seconds(r->m), &t);
    if (st == HARK_OK)
        snprintf(buf, cap, "%s", t.text);
    hark_transcript_clear(&t);
    return st;
}

hark_status hark_recognizer_finish(hark_recognizer *r, hark_transcript *out)
{
    if (!r || !out)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_recognizer_finish: NULL argument");
    hark_transcript_clear(out);
    hark_status st = HARK_OK;
    if (r->ns && (st = hark_mfcc_stream_finish(r->fs)) == HARK_OK)
        st = drain(r);
    if (st == HARK_OK && r->ns) {
        /* The whole-utterance forward zero-pads the last incomplete stack of frames; do the
         * same so both paths give the same final frame. */
        int rem = (int)(r->frames_pushed % (size_t)r->k);
        if (rem) {
            memset(r->feats, 0, (size_t)(r->k - rem) * (size_t)r->D * sizeof *r->feats);
            st = push_frames(r, r->feats, r->k - rem);
        }
        if (st == HARK_OK)
            st = decode(r, r->lp, (int)r->n_lp, out);
    } else if (st == HARK_OK) {
        st = decode_buffered(r, 0, out);
    }
    if (st == HARK_OK)
        out->duration = (double)r->samples_in / r->m->feat.sample_rate;
    hark_recognizer_reset(r);
    return st;
}
