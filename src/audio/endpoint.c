/* endpoint.c - cuts a sample stream into utterances from the VAD's frame decisions.
 *
 * Three states. SILENCE keeps the last pre_roll_ms of audio. PENDING starts at the first speech
 * frame and holds audio until the onset is believable: min_speech_ms of speech frames, and a level
 * swing of at least onset_swing_db among them (speech rises and falls; a noise that switches on
 * stays flat), so knocks and noise steps never open an utterance. SPEECH streams frames to the
 * caller and ends after trailing_silence_ms without speech or at max_utterance_ms.
 * Audio before confirmation lives in a circular history sized for pre-roll plus the longest
 * pending stretch, so nothing is allocated while streaming.
 * From confirmation to the end, the VAD's noise floor is held (hark_vad_hold_floor): the
 * utterance's own level, however steady (a long vowel), must not become the noise it is measured
 * against. Only confirmed utterances hold it, so a noise that switches on, which never confirms,
 * is still absorbed into the floor at once. With the floor held low, a word that ends by falling
 * end_drop_db under its peak may leave a tail the VAD still hears (reverberation, a creaky or
 * breathy offset); until that sound stops or rises to a word's level again it cannot confirm a
 * new utterance, or one word would come out as two. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hark/capture.h"

/* An onset that has not proven itself in this long is abandoned (and may start again later). */
#define PENDING_MAX_MS 1000
/* A pause this long inside a pending onset cancels it. */
#define PENDING_GAP_MS 100
/* A voiced onset this short that falls silent counts as a word even without a swing. */
#define SHORT_WORD_MS 500
/* A pause this long inside a pending onset restarts its speech count and swing. */
#define PENDING_REBASE_MS 30

enum ep_state { EP_SILENCE, EP_PENDING, EP_SPEECH };

struct hark_endpoint {
    hark_endpoint_params p;
    hark_endpoint_fn fn;
    void *user;
    hark_vad *vad;
    size_t frame;          /* samples per VAD frame */
    int frame_ms;
    double rate;
    /* partial frame carried between pushes */
    float *fbuf;
    size_t fill;
    /* circular history of the audio not yet delivered (pre-roll + pending) */
    float *hist;
    size_t hist_cap, hist_len, hist_pos; /* hist_pos: next write index */
    size_t preroll;        /* samples of pre-roll */
    /* state */
    enum ep_state state;
    uint64_t pos;          /* samples consumed (stream clock) */
    uint64_t onset;        /* stream position of the first speech frame of the onset */
    int speech_frames;     /* in PENDING */
    int loud_frames;       /* of those, loud in their own right (not the VAD's hangover) */
    int gap_frames;        /* non-speech run (PENDING and SPEECH) */
    int pending_frames;
    float lvl[3];          /* last three frame levels, for a 30 ms smoothed level */
    float baseline;        /* smoothed level over the onset's first frames */
    float swing;           /* largest |smoothed level - baseline| over its speech frames */
    float lvl_peak;        /* loudest speech frame of the onset */
    int voiced_frames;     /* speech frames of the onset with a clear pitch */
    uint64_t utt_start;    /* first delivered sample of the utterance */
    uint64_t last_speech_end;
    float peak;            /* loudest frame level of the utterance so far */
    int tail;              /* the last utterance ended on its fall and the VAD still hears it */
    float tail_peak;       /* that utterance's peak */
};

hark_endpoint_params hark_endpoint_default_params(int sample_rate)
{
    hark_endpoint_params p;
    p.vad = hark_vad_default_params(sample_rate);
    p.min_speech_ms = 120;
    p.trailing_silence_ms = 160;
    p.max_utterance_ms = 10000;
    p.pre_roll_ms = 250;
    p.onset_swing_db = 8.0f;
    p.min_voiced_ms = 50;
    p.voicing_threshold = 0.6f;
    p.end_drop_db = 30.0f;
    return p;
}

hark_endpoint *hark_endpoint_create(const hark_endpoint_params *p, hark_endpoint_fn fn,
                                    void *user_data)
{
    if (!p || !fn) {
        hark_error(HARK_ERR_INVALID_ARG, "endpointer: parameters and callback are required");
        return NULL;
    }
    if (p->min_speech_ms < 0 || p->min_speech_ms > PENDING_MAX_MS || p->trailing_silence_ms < 10 ||
        p->trailing_silence_ms > 10000 || p->max_utterance_ms < 100 || p->pre_roll_ms < 0 ||
        p->pre_roll_ms > 2000 || !(p->onset_swing_db >= 0) || !(p->end_drop_db > 0)) {
        hark_error(HARK_ERR_INVALID_ARG,
                   "endpointer: parameter out of range (min speech %d ms (0..%d), trailing "
                   "silence %d ms (10..10000), max utterance %d ms (>=100), pre-roll %d ms "
                   "(0..2000))",
                   p->min_speech_ms, PENDING_MAX_MS, p->trailing_silence_ms, p->max_utterance_ms,
                   p->pre_roll_ms);
        return NULL;
    }
    hark_endpoint *ep = calloc(1, sizeof *ep);
    if (!ep) {
        hark_error(HARK_ERR_NOMEM, "endpointer: out of memory");
        return NULL;
    }
    ep->p = *p;
    ep->fn = fn;
    ep->user = user_data;
    ep->vad = hark_vad_create(&p->vad);
    if (!ep->vad)
        goto fail;
    ep->frame = hark_vad_frame_size(ep->vad);
    ep->frame_ms = p->vad.frame_ms;
    ep->rate = p->vad.sample_rate;
    ep->preroll = (size_t)((double)p->pre_roll_ms * ep->rate / 1000.0);
    ep->hist_cap = ep->preroll + (size_t)((PENDING_MAX_MS + 2 * p->vad.frame_ms) * ep->rate / 1000.0);
    ep->fbuf = malloc(ep->frame * sizeof *ep->fbuf);
    ep->hist = malloc(ep->hist_cap * sizeof *ep->hist);
    if (!ep->fbuf || !ep->hist) {
        hark_error(HARK_ERR_NOMEM, "endpointer: out of memory");
        goto fail;
    }
    return ep;
fail:
    hark_endpoint_free(ep);
    return NULL;
}

void hark_endpoint_free(hark_endpoint *ep)
{
    if (!ep)
        return;
    hark_vad_free(ep->vad);
    free(ep->fbuf);
    free(ep->hist);
    free(ep);
}

static void hist_push(hark_endpoint *ep, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ep->hist[ep->hist_pos] = x[i];
        ep->hist_pos = (ep->hist_pos + 1) % ep->hist_cap;
    }
    ep->hist_len = ep->hist_len + n > ep->hist_cap ? ep->hist_cap : ep->hist_len + n;
}

/* Deliver the newest `n` samples of the history (n <= hist_len) as AUDIO events: at most two
 * pieces around the wrap. */
static hark_status hist_emit(hark_endpoint *ep, size_t n)
{
    size_t start = (ep->hist_pos + ep->hist_cap - n) % ep->hist_cap;
    size_t first = ep->hist_cap - start < n ? ep->hist_cap - start : n;
    hark_endpoint_event ev = {HARK_EP_AUDIO, 0, ep->hist + start, first, HARK_EP_SILENCE};
    ev.t = (double)(ep->pos - n) / ep->rate;
    hark_status st = first ? ep->fn(&ev, ep->user) : HARK_OK;
    if (st != HARK_OK || first == n)
        return st;
    ev.samples = ep->hist;
    ev.n = n - first;
    ev.t = (double)(ep->pos - ev.n) / ep->rate;
    return ep->fn(&ev, ep->user);
}

static hark_status emit_end(hark_endpoint *ep, hark_endpoint_reason reason)
{
    hark_endpoint_event ev = {HARK_EP_END, (double)ep->last_speech_end / ep->rate, NULL, 0, reason};
    /* Ended by its own fall (not cut at the maximum length): what follows without a pause and
     * stays end_drop_db under its peak is its tail, not a new word (see hark_endpoint_push). */
    ep->tail = reason == HARK_EP_SILENCE;
    ep->tail_peak = ep->peak;
    ep->state = EP_SILENCE;
    ep->hist_len = 0;
    ep->gap_frames = 0;
    hark_vad_hold_floor(ep->vad, 0);
    return ep->fn(&ev, ep->user);
}

/* Whether the VAD's last frame was loud in its own right (not held on by its hangover). At
 * least three quarters of an onset's min_speech_ms must be such frames: the hangover bridges
 * dips inside speech, but a faint blip (a lip noise before a word) flickering at the threshold
 * would otherwise reach min_speech_ms largely on hangover and open an utterance of its own,
 * cutting the word that follows in two. */
static int vad_loud(const hark_endpoint *ep, float level)
{
    return level >= ep->p.vad.min_level_db &&
           level >= hark_vad_floor_db(ep->vad) + ep->p.vad.threshold_db;
}

static void start_pending(hark_endpoint *ep, float level)
{
    ep->state = EP_PENDING;
    ep->onset = ep->pos - ep->frame;
    ep->speech_frames = 1;
    ep->loud_frames = vad_loud(ep, level);
    ep->gap_frames = 0;
    ep->pending_frames = 1;
    ep->lvl[0] = ep->lvl[1] = ep->lvl[2] = level;
    ep->baseline = level;
    ep->swing = 0;
    ep->voiced_frames = 0;
    ep->lvl_peak = level;
}

/* Onset swing: speech rises out of its first frames (fricative or plosive into a vowel) or decays
 * from them (a vowel onset), by 10-30 dB within a word; a noise that switches on stays within its
 * own few-dB flicker of where it began. Levels are smoothed over three frames to tame that
 * flicker, and only speech frames count, so a noise that switches off again is no swing. */
static void track_swing(hark_endpoint *ep, float level)
{
    ep->lvl[ep->pending_frames % 3] = level;
    float smooth = (ep->lvl[0] + ep->lvl[1] + ep->lvl[2]) / 3.0f;
    if (ep->speech_frames <= 3) {
        ep->baseline = smooth;
        return;
    }
    ep->swing = fmaxf(ep->swing, fabsf(smooth - ep->baseline));
}

/* The frame just analysed is the newest ep->frame samples of the history (SILENCE/PENDING) or
 * of fbuf (SPEECH); ep->pos already counts it. */
static hark_status step(hark_endpoint *ep, int speech, float level)
{
    int frame_ms = ep->frame_ms;
    switch (ep->state) {
    case EP_SILENCE:
        if (speech)
            start_pending(ep, level);
        return HARK_OK;
    case EP_PENDING:
        ep->pending_frames++;
        if (speech) {
            ep->speech_frames++;
            if (vad_loud(ep, level))
                ep->loud_frames++;
            ep->gap_frames = 0;
            ep->lvl_peak = fmaxf(ep->lvl_peak, level);
            track_swing(ep, level);
            if (hark_vad_voicing(ep->vad) >= ep->p.voicing_threshold)
                ep->voiced_frames++;
        } else if (ep->gap_frames == 0 && ep->speech_frames * frame_ms >= ep->p.min_speech_ms &&
                   ep->voiced_frames * frame_ms >= ep->p.min_voiced_ms &&
                   ep->pending_frames * frame_ms <= SHORT_WORD_MS &&
                   ep->lvl_peak - level >= ep->p.vad.threshold_db) {
            /* A short voiced run whose level has just fallen well below its peak: a level word
             * (a flat "one"), not a noise switching on, which would go on, nor the detector's
             * floor catching up with a noise, where the level does not fall. The fall itself is
             * the swing. */
            ep->swing = fmaxf(ep->swing, ep->p.onset_swing_db);
            ep->gap_frames = 1;
        } else if (++ep->gap_frames * frame_ms >= PENDING_GAP_MS) {
            ep->state = EP_SILENCE;
            return HARK_OK;
        } else if (ep->gap_frames * frame_ms >= PENDING_REBASE_MS) {
            /* Whatever comes next is judged on its own: a flicker of noise followed by a noise
             * switching on is not a swing. The onset (and so the pre-roll) stays put. */
            ep->speech_frames = 0;
            ep->loud_frames = 0;
            ep->voiced_frames = 0;
            ep->swing = 0;
        }
        if (ep->speech_frames * frame_ms >= ep->p.min_speech_ms &&
            4 * ep->loud_frames * frame_ms >= 3 * ep->p.min_speech_ms &&
            ep->swing >= ep->p.onset_swing_db &&
            ep->voiced_frames * frame_ms >= ep->p.min_voiced_ms && !ep->tail) {
            uint64_t from = ep->onset > ep->preroll ? ep->onset - ep->preroll : 0;
            size_t n = (size_t)(ep->pos - from);
            if (n > ep->hist_len) {
                n = ep->hist_len;
                from = ep->pos - n;
            }
            ep->state = EP_SPEECH;
            hark_vad_hold_floor(ep->vad, 1);
            ep->utt_start = from;
            /* Confirmed on the frame that fell silent: speech ended one frame ago. */
            ep->last_speech_end = speech ? ep->pos : ep->pos - ep->frame;
            ep->gap_frames = speech ? 0 : 1;
            ep->peak = ep->lvl_peak;
            hark_endpoint_event ev = {HARK_EP_START, (double)from / ep->rate, NULL, 0,
                                      HARK_EP_SILENCE};
            hark_status st = ep->fn(&ev, ep->user);
            if (st != HARK_OK)
                return st;
            st = hist_emit(ep, n);
            ep->hist_len = 0;
            return st;
        }
        if (ep->pending_frames * frame_ms >= PENDING_MAX_MS) {
            /* A long, flat stretch: not an onset. Look for a fresh one from here. */
            ep->state = EP_SILENCE;
        }
        return HARK_OK;
    case EP_SPEECH: {
        hark_endpoint_event ev = {HARK_EP_AUDIO, (double)(ep->pos - ep->frame) / ep->rate,
                                  ep->fbuf, ep->frame, HARK_EP_SILENCE};
        hark_status st = ep->fn(&ev, ep->user);
        if (st != HARK_OK)
            return st;
        /* In a quiet room the VAD hears a word's reverberant tail far below the word; past
         * end_drop_db under the utterance's peak, frames count toward the trailing silence. */
        if (speech && level > ep->peak)
            ep->peak = level;
        if (speech && level >= ep->peak - ep->p.end_drop_db) {
            ep->gap_frames = 0;
            ep->last_speech_end = ep->pos;
        } else {
            ep->gap_frames++;
        }
        if (ep->gap_frames * frame_ms >= ep->p.trailing_silence_ms)
            return emit_end(ep, HARK_EP_SILENCE);
        if ((double)(ep->pos - ep->utt_start) * 1000.0 / ep->rate >= ep->p.max_utterance_ms)
            return emit_end(ep, HARK_EP_MAX_LEN);
        return HARK_OK;
    }
    }
    return HARK_OK;
}

hark_status hark_endpoint_push(hark_endpoint *ep, const float *x, size_t n)
{
    if (!ep || (!x && n))
        return hark_error(HARK_ERR_INVALID_ARG, "endpointer: NULL samples");
    while (n > 0) {
        size_t take = ep->frame - ep->fill;
        if (take > n)
            take = n;
        memcpy(ep->fbuf + ep->fill, x, take * sizeof *x);
        ep->fill += take;
        x += take;
        n -= take;
        if (ep->fill < ep->frame)
            break;
        ep->fill = 0;
        int speech = hark_vad_frame(ep->vad, ep->fbuf);
        float level = hark_vad_level_db(ep->vad);
        ep->pos += ep->frame;
        /* A word's tail (its reverberation, a trailing creak) ends at the first frame the VAD
         * calls silence, and an onset pending since inside it was the tail: dropped. A sound as
         * loud as a word again (within half of end_drop_db of the last one's peak: a tail
         * flickers around the end_drop_db line) also ends the tail; an onset pending then is
         * judged as usual. */
        if (ep->tail && !speech && ep->state == EP_PENDING)
            ep->state = EP_SILENCE;
        if (!speech || level >= ep->tail_peak - 0.5f * ep->p.end_drop_db)
            ep->tail = 0;
        if (ep->state != EP_SPEECH)
            hist_push(ep, ep->fbuf, ep->frame);
        hark_status st = step(ep, speech, level);
        if (st != HARK_OK)
            return st;
    }
    return HARK_OK;
}

hark_status hark_endpoint_flush(hark_endpoint *ep)
{
    if (!ep)
        return hark_error(HARK_ERR_INVALID_ARG, "endpointer: NULL");
    hark_status st = HARK_OK;
    if (ep->state == EP_SPEECH) {
        if (ep->fill > 0) {
            hark_endpoint_event ev = {HARK_EP_AUDIO, (double)ep->pos / ep->rate, ep->fbuf,
                                      ep->fill, HARK_EP_SILENCE};
            st = ep->fn(&ev, ep->user);
            ep->pos += ep->fill;
        }
        if (st == HARK_OK)
            st = emit_end(ep, HARK_EP_FLUSH);
    } else {
        ep->pos += ep->fill;
    }
    ep->fill = 0;
    ep->state = EP_SILENCE;
    ep->hist_len = 0;
    return st;
}

void hark_endpoint_reset(hark_endpoint *ep)
{
    ep->tail = 0;
    ep->pos += ep->fill;
    ep->fill = 0;
    ep->state = EP_SILENCE;
    ep->hist_len = 0;
    ep->gap_frames = 0;
    hark_vad_reset(ep->vad);
}

void hark_endpoint_skip(hark_endpoint *ep, size_t n) { ep->pos += n; }

int hark_endpoint_in_speech(const hark_endpoint *ep) { return ep->state == EP_SPEECH; }

double hark_endpoint_time(const hark_endpoint *ep) { return (double)(ep->pos + ep->fill) / ep->rate; }
