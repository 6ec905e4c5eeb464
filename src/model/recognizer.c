/* recognizer.c - the one inference path: per-stream recognition over a shared read-only model.
 * Whole-file transcription, the live assistant and long-file segments all run create, push,
 * finish here; the trainer's dev evaluation decodes its batched posteriors with the same
 * decoder (hark_recognizer_decode).
 *
 * Unidirectional nets with streamable features (global, live or no CMVN) run as the audio
 * arrives: the streaming MFCC extractor turns samples into frames, the streaming net carries its
 * recurrent state and frame-stacking buffer (and pads the last incomplete stack at finish), and
 * the log-posteriors accumulate so a partial transcript is one greedy pass over them. A
 * unidirectional net emits a unit some frames after the sound it stands for, so at finish the
 * stream is fed HARK_RECOGNIZER_TAIL_SECONDS of silence after the last sample: audio cut tight
 * around its speech would otherwise lose its last sounds ("right" heard as "wry"). Bidirectional
 * nets and per-utterance CMVN need the whole utterance, so the samples (or features) are
 * buffered and run through one inference workspace at finish; their partials re-decode the
 * buffer so far, at most once per PARTIAL_EVERY of new audio (the small nets hark ships decode a
 * second of audio in about 2 ms, so this costs a few percent of a core while someone speaks).
 *
 * Memory: every buffer (features, posteriors, the workspace) only grows, to the longest
 * utterance seen, so a recognizer that has warmed up allocates nothing per utterance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "model/model_internal.h"

/* Feature frames moved from the extractor to the net per step. */
#define CHUNK_FRAMES 64
/* Buffered recognizers re-decode for a partial after this many seconds of new audio. */
#define PARTIAL_EVERY 0.2

/* What the current utterance was fed with: nothing yet, samples or ready-made features. */
enum { FED_NONE, FED_SAMPLES, FED_FEATURES };

struct hark_recognizer {
    const hark_model *m;
    hark_mfcc_stream *fs; /* streaming */
    hark_net_stream *ns;  /* streaming */
    hark_mfcc *whole;     /* buffered */
    hark_net_ws *ws;      /* buffered: the inference workspace, for ws_T input frames */
    int ws_T;
    int D, V;
    int fed;
    float *feats; /* streaming: CHUNK_FRAMES frames; buffered: the utterance's (n_feats, D) */
    size_t n_feats, cap_feats;
    float *samples; /* buffered: the utterance so far */
    size_t n_samples, cap_samples;
    float *lp; /* streaming: (n_lp, V) log-posteriors so far */
    size_t n_lp, cap_lp;
    phrase_set phrases; /* closed vocabulary for finish (n = 0: none), encoded at set_phrases */
    hark_recognizer_decoder dec; /* a plugged-in decoder (dec.finish != NULL), else phrases or greedy */
    size_t samples_in;
    char *partial;          /* buffered: the last partial transcript (malloc'd) or NULL */
    size_t partial_samples; /* buffered: n_samples when it was decoded */
    frame_energy energy;    /* per output frame of the samples pushed, for word boundaries */
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
    if (!nc->bidirectional && m->feat.cmvn != HARK_CMVN_UTTERANCE) {
        r->fs = hark_mfcc_stream_create(&m->feat);
        r->ns = r->fs ? hark_net_stream_create(m->net) : NULL;
        if (!r->ns)
            goto fail;
    } else if (!(r->whole = hark_mfcc_create(&m->feat))) {
        goto fail;
    }
    r->energy.block = (size_t)hark_mfcc_frame_shift(&m->feat) * (size_t)nc->stack;
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
    hark_net_ws_free(r->ws);
    hark_recognizer_set_phrases(r, NULL, 0);
    free(r->samples);
    free(r->feats);
    free(r->lp);
    free(r->partial);
    frame_energy_free(&r->energy);
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
    if (r->dec.reset)
        r->dec.reset(r->dec.ctx);
    r->n_samples = r->n_lp = r->n_feats = r->samples_in = r->partial_samples = 0;
    r->fed = FED_NONE;
    frame_energy_reset(&r->energy);
    free(r->partial);
    r->partial = NULL;
}

hark_status hark_recognizer_set_phrases(hark_recognizer *r, const char *const *phrases, size_t n)
{
    if (!r || (n > 0 && !phrases))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_recognizer_set_phrases: NULL argument");
    phrase_set ps = {0};
    /* Encoded here, on the caller's thread: a phone model may phonemize. */
    hark_status st = n > 0 ? phrase_set_build(&ps, r->m->units, phrases, n) : HARK_OK;
    if (st != HARK_OK)
        return st;
    phrase_set_free(&r->phrases);
    r->phrases = ps;
    return HARK_OK;
}

hark_status hark_recognizer_set_decoder(hark_recognizer *r, const hark_recognizer_decoder *d)
{
    if (!r)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_recognizer_set_decoder: NULL recognizer");
    if (d && !d->finish)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_recognizer_set_decoder: no finish function");
    if (d && (d->advance != NULL) != (d->partial != NULL))
        return hark_error(HARK_ERR_INVALID_ARG,
                          "hark_recognizer_set_decoder: advance and partial go together");
    hark_recognizer_reset(r); /* the old decoder forgets the utterance; so does the new one */
    memset(&r->dec, 0, sizeof r->dec);
    if (d)
        r->dec = *d;
    return HARK_OK;
}

const hark_model *hark_recognizer_model(const hark_recognizer *r) { return r ? r->m : NULL; }

hark_status hark_recognizer_decode(hark_recognizer *r, const float *lp, int T, hark_transcript *out)
{
    if (!r || !out || T < 0 || (T > 0 && !lp))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_recognizer_decode: bad arguments");
    double fs = hark_model_frame_seconds(r->m);
    if (r->dec.finish) {
        hark_transcript_clear(out);
        return r->dec.finish(r->dec.ctx, lp, T, r->V, fs, out);
    }
    if (r->phrases.n)
        return decode_phrase_set(lp, T, r->V, r->m->alphabet, &r->phrases, fs, out, NULL);
    return hark_decode_greedy(lp, T, r->V, r->m->alphabet, fs, out);
}

int hark_recognizer_is_streaming(const hark_recognizer *r) { return r && r->ns != NULL; }

/* Streaming: push n feature frames through the net, appending log-posteriors (and handing the
 * new ones to an incremental decoder). */
static hark_status push_frames(hark_recognizer *r, const float *frames, int n)
{
    int cap = (n + hark_net_get_config(r->m->net)->stack - 1) /
                  hark_net_get_config(r->m->net)->stack + 1;
    if (grow(&r->lp, &r->cap_lp, r->n_lp + (size_t)cap, (size_t)r->V) != 0)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    int n_out = 0;
    float *at = r->lp + r->n_lp * (size_t)r->V;
    hark_status st = hark_net_stream_push(r->m->net, r->ns, frames, n, at, cap, &n_out);
    if (st == HARK_OK && n_out > 0 && r->dec.advance)
        st = r->dec.advance(r->dec.ctx, at, n_out, r->V);
    if (st == HARK_OK)
        r->n_lp += (size_t)n_out;
    return st;
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

/* One utterance is fed one way: samples or features, not both. */
static hark_status claim(hark_recognizer *r, int how)
{
    if (r->fed != FED_NONE && r->fed != how)
        return hark_error(HARK_ERR_INVALID_ARG, "the recognizer was given %s for this utterance; "
                          "finish or reset it before pushing %s",
                          r->fed == FED_SAMPLES ? "samples" : "features",
                          how == FED_SAMPLES ? "samples" : "features");
    r->fed = how;
    return HARK_OK;
}

/* Grow *buf to hold `need` rows of `width` and touch the new pages. */
static int reserve_rows(float **buf, size_t *cap, size_t need, size_t width)
{
    size_t had = *cap;
    if (grow(buf, cap, need, width) != 0)
        return -1;
    memset(*buf + had * width, 0, (*cap - had) * width * sizeof **buf);
    return 0;
}

/* Buffered: an inference workspace for at least `frames` input frames, made anew (for `want`
 * frames) only when the current one is too small. */
static hark_status ensure_ws(hark_recognizer *r, int frames, int want)
{
    if (frames <= r->ws_T)
        return HARK_OK;
    hark_net_ws_free(r->ws);
    r->ws_T = 0;
    if (!(r->ws = hark_net_ws_create_inference(r->m->net, 1, want)))
        return HARK_ERR_NOMEM;
    r->ws_T = want;
    return HARK_OK;
}

hark_status hark_recognizer_reserve(hark_recognizer *r, double seconds)
{
    if (!r || !(seconds >= 0 && seconds <= 3600))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_recognizer_reserve: bad argument");
    size_t n = (size_t)(seconds * r->m->feat.sample_rate);
    size_t T = hark_mfcc_num_frames(&r->m->feat, n) + 1;
    size_t stack = (size_t)hark_net_get_config(r->m->net)->stack;
    if ((!r->ns && reserve_rows(&r->samples, &r->cap_samples, n, 1) != 0) ||
        reserve_rows(&r->feats, &r->cap_feats, T, (size_t)r->D) != 0 ||
        reserve_rows(&r->lp, &r->cap_lp, T / stack + 2, (size_t)r->V) != 0)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    if (r->ns || (int)T <= r->ws_T)
        return HARK_OK;
    hark_status st = ensure_ws(r, (int)T, (int)T);
    if (st != HARK_OK)
        return st;
    /* One pass over the (zeroed) features touches the workspace's pages now, not during the
     * first long utterance. */
    const float *lp;
    int Tn = (int)T, T_out;
    return hark_net_forward(r->m->net, r->ws, r->feats, &Tn, 1, Tn, 0, NULL, &lp, &T_out, NULL);
}

/* Samples into the extractor (streaming) or the buffer. */
static hark_status feed(hark_recognizer *r, const float *samples, size_t n)
{
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

hark_status hark_recognizer_push(hark_recognizer *r, const float *samples, size_t n)
{
    if (!r || (n > 0 && !samples))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_recognizer_push: NULL argument");
    hark_status st = claim(r, FED_SAMPLES);
    if (st != HARK_OK)
        return st;
    r->samples_in += n;
    if ((st = frame_energy_feed(&r->energy, samples, n)) != HARK_OK)
        return st;
    return feed(r, samples, n);
}

/* Streaming: HARK_RECOGNIZER_TAIL_SECONDS of digital silence after the last sample, so the net
 * emits the units of the utterance's last sound (see the top of this file). Not counted in the
 * duration; the energy of its frames is silence (frame_energy_finish). */
static hark_status push_tail(hark_recognizer *r)
{
    static const float zeros[1024];
    size_t n = (size_t)(HARK_RECOGNIZER_TAIL_SECONDS * r->m->feat.sample_rate + 0.5);
    for (size_t k = 0; n > 0; n -= k) {
        k = n < sizeof zeros / sizeof *zeros ? n : sizeof zeros / sizeof *zeros;
        hark_status st = feed(r, zeros, k);
        if (st != HARK_OK)
            return st;
    }
    return HARK_OK;
}

hark_status hark_recognizer_push_features(hark_recognizer *r, const float *feats, size_t T)
{
    if (!r || (T > 0 && !feats))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_recognizer_push_features: NULL argument");
    hark_status st = claim(r, FED_FEATURES);
    if (st != HARK_OK)
        return st;
    r->samples_in += T * (size_t)hark_mfcc_frame_shift(&r->m->feat);
    if (r->ns) {
        for (size_t at = 0; at < T && st == HARK_OK; at += CHUNK_FRAMES) {
            size_t k = T - at < CHUNK_FRAMES ? T - at : CHUNK_FRAMES;
            st = push_frames(r, feats + at * (size_t)r->D, (int)k);
        }
        return st;
    }
    if (grow(&r->feats, &r->cap_feats, r->n_feats + T, (size_t)r->D) != 0)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    memcpy(r->feats + r->n_feats * (size_t)r->D, feats, T * (size_t)r->D * sizeof *feats);
    r->n_feats += T;
    return HARK_OK;
}

/* Buffered: the utterance's features in r->feats (computed from the samples when samples were
 * pushed), one forward through the workspace, which grows when the utterance is longer than any
 * before. *lp points into the workspace; *T_out = 0 for less than one frame. */
static hark_status forward_buffered(hark_recognizer *r, const float **lp, int *T_out)
{
    *lp = NULL;
    *T_out = 0;
    if (r->fed == FED_SAMPLES) {
        size_t need = hark_mfcc_num_frames(&r->m->feat, r->n_samples);
        if (grow(&r->feats, &r->cap_feats, need ? need : 1, (size_t)r->D) != 0)
            return hark_error(HARK_ERR_NOMEM, "out of memory");
        hark_status st = hark_mfcc_compute(r->whole, r->samples, r->n_samples, r->feats,
                                           &r->n_feats);
        if (st != HARK_OK)
            return st;
    }
    if (r->n_feats == 0)
        return HARK_OK;
    if (r->n_feats > INT32_MAX / 2)
        return hark_error(HARK_ERR_INVALID_ARG, "utterance too long: %zu frames", r->n_feats);
    int T = (int)r->n_feats;
    hark_status st = ensure_ws(r, T, r->ws_T * 2 > T ? r->ws_T * 2 : T);
    if (st != HARK_OK)
        return st;
    return hark_net_forward(r->m->net, r->ws, r->feats, &T, 1, T, 0, NULL, lp, T_out, NULL);
}

/* The partial of a buffered recognizer, refreshed after PARTIAL_EVERY of new audio: the decoder
 * hook's partial after it has followed every frame so far (then reset: the final decode runs on
 * its own), else the greedy transcript. */
static hark_status partial_buffered(hark_recognizer *r, char *buf, size_t cap)
{
    size_t every = (size_t)(PARTIAL_EVERY * r->m->feat.sample_rate);
    if (r->fed != FED_NONE &&
        (!r->partial || r->samples_in >= r->partial_samples + every)) {
        const float *lp;
        int T;
        hark_transcript t = {0};
        hark_status st = forward_buffered(r, &lp, &T);
        char *text = NULL;
        if (st == HARK_OK && r->dec.advance) {
            char hooked[1024] = "";
            if (r->dec.reset)
                r->dec.reset(r->dec.ctx);
            if (T > 0)
                st = r->dec.advance(r->dec.ctx, lp, T, r->V);
            if (st == HARK_OK)
                st = r->dec.partial(r->dec.ctx, hooked, sizeof hooked);
            if (r->dec.reset)
                r->dec.reset(r->dec.ctx);
            text = st == HARK_OK ? strdup(hooked) : NULL;
        } else if (st == HARK_OK) {
            st = hark_decode_greedy(lp, T, r->V, r->m->alphabet, hark_model_frame_seconds(r->m),
                                    &t);
            text = st == HARK_OK ? strdup(t.text) : NULL;
        }
        hark_transcript_clear(&t);
        if (st != HARK_OK)
            return st;
        if (!text)
            return hark_error(HARK_ERR_NOMEM, "out of memory");
        free(r->partial);
        r->partial = text;
        r->partial_samples = r->samples_in;
    }
    if (r->partial)
        snprintf(buf, cap, "%s", r->partial);
    return HARK_OK;
}

hark_status hark_recognizer_partial(hark_recognizer *r, char *buf, size_t cap)
{
    if (!r || !buf || cap == 0)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_recognizer_partial: bad arguments");
    buf[0] = '\0';
    if (!r->ns)
        return partial_buffered(r, buf, cap);
    if (r->n_lp == 0)
        return HARK_OK;
    if (r->dec.partial)
        return r->dec.partial(r->dec.ctx, buf, cap);
    hark_transcript t = {0};
    hark_status st = hark_decode_greedy(r->lp, (int)r->n_lp, r->V, r->m->alphabet,
                                        hark_model_frame_seconds(r->m), &t);
    if (st == HARK_OK)
        snprintf(buf, cap, "%s", t.text);
    hark_transcript_clear(&t);
    return st;
}

/* Streaming: release the extractor's last frames and the net's last (zero-padded) stack. */
static hark_status finish_stream(hark_recognizer *r)
{
    hark_status st = HARK_OK;
    if (r->fed == FED_SAMPLES) {
        if (hark_mfcc_num_frames(&r->m->feat, r->samples_in) > 0)
            st = push_tail(r);
        if (st == HARK_OK && (st = hark_mfcc_stream_finish(r->fs)) == HARK_OK)
            st = drain(r);
    }
    if (st != HARK_OK)
        return st;
    if (grow(&r->lp, &r->cap_lp, r->n_lp + 1, (size_t)r->V) != 0)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    int n_out = 0;
    float *at = r->lp + r->n_lp * (size_t)r->V;
    st = hark_net_stream_finish(r->m->net, r->ns, at, 1, &n_out);
    if (st == HARK_OK && n_out > 0 && r->dec.advance)
        st = r->dec.advance(r->dec.ctx, at, n_out, r->V);
    if (st == HARK_OK)
        r->n_lp += (size_t)n_out;
    return st;
}

/* Word times inside the audio: a unit emitted in the silent tail (or the zero-padded last
 * stack) belongs to the audio's last sound. */
static void clamp_times(hark_transcript *t)
{
    for (size_t i = 0; i < t->n_words; i++) {
        hark_word_time *w = &t->words[i];
        w->end = w->end < t->duration ? w->end : t->duration;
        w->start = w->start < w->end ? w->start : w->end;
    }
    t->end = t->end < t->duration ? t->end : t->duration;
    t->start = t->start < t->end ? t->start : t->end;
}

hark_status hark_recognizer_finish(hark_recognizer *r, hark_transcript *out)
{
    if (!r || !out)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_recognizer_finish: NULL argument");
    hark_transcript_clear(out);
    const float *lp = NULL;
    int T = 0;
    hark_status st;
    if (r->ns) {
        st = finish_stream(r);
        lp = r->lp;
        T = (int)r->n_lp;
    } else {
        st = forward_buffered(r, &lp, &T);
    }
    if (st == HARK_OK)
        st = hark_recognizer_decode(r, lp, T, out);
    /* Every decoder times words by its emitted units; the samples' energy says where they are
     * spoken (ready-made features carry no samples, so their word times stay as decoded). */
    if (st == HARK_OK && r->fed == FED_SAMPLES && out->n_words > 0 &&
        (st = frame_energy_finish(&r->energy, T)) == HARK_OK)
        st = hark_transcript_refine_times(out, r->energy.db, T, hark_model_frame_seconds(r->m));
    if (st == HARK_OK) {
        out->duration = (double)r->samples_in / r->m->feat.sample_rate;
        clamp_times(out);
    }
    hark_recognizer_reset(r);
    return st;
}

/* Whole-utterance transcription is the recognizer's path: create, push, finish. */
hark_status hark_model_transcribe_samples(const hark_model *m, const float *samples, size_t n,
                                          hark_transcript *out)
{
    if (!m || !out || (n > 0 && !samples))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_model_transcribe_samples: NULL argument");
    hark_transcript_clear(out);
    hark_recognizer *r = hark_recognizer_create(m);
    if (!r)
        return HARK_ERR_NOMEM; /* or a bad feature configuration: the message says */
    hark_status st = hark_recognizer_push(r, samples, n);
    if (st == HARK_OK)
        st = hark_recognizer_finish(r, out);
    hark_recognizer_free(r);
    return st;
}
