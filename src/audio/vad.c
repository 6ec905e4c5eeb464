/* vad.c - frame-level voice activity detection: energy against an adaptive noise floor.
 *
 * The floor is tracked in dB. It falls with a short time constant (quiet is always trusted as
 * noise) and climbs slowly, so speech, which lasts a second or two, barely lifts it. Steady
 * noise would then count as speech for a long time after it starts, so the spread of the last
 * few hundred milliseconds of levels is watched: speech swings by tens of dB from syllable to
 * syllable, fans, taps and hiss stay within a few dB, and while the signal is that steady the
 * floor climbs quickly toward it. A DC-blocking filter keeps offsets and hum at the lowest
 * frequencies out of the level.
 *
 * Both fast paths (the steady-signal rise and the minimum-statistics bound) read "loud and
 * unchanging" as noise, and a long steady vowel is exactly that: left alone they lift the floor
 * to the vowel within a second or so and cut the word in two. While an utterance is open the
 * noise under its voiced frames cannot be observed (the speech masks it), so the endpointer
 * holds the floor (hark_vad_hold_floor): on a voiced frame (clearly periodic, as vowels are and
 * fans, taps and hiss are not) the floor may still fall, since a quieter frame proves the noise
 * is lower, but it rises only at the slow rate and never more than VAD_HOLD_RISE_DB above where
 * it was when the utterance opened, and the minimum-statistics bound waits while its window
 * holds voiced frames. A vowel then ends by its own level falling back toward the floor of before
 * its onset, however steady it is (up to VAD_HOLD_MAX_MS, after which a periodic noise that
 * opened the utterance is absorbed like any other). Unvoiced frames move the floor as always, so a noise burst
 * that opened an utterance is still absorbed and closes it. Once the hold is released the fast
 * paths, whose level history kept running, catch up with any noise that came up meanwhile. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hark/capture.h"

/* Frames of level history used to judge steadiness (300 ms at 10 ms frames). */
#define VAD_HIST 30
/* Frames over which the quietest level bounds the floor from below (1.5 s at 10 ms frames):
 * commands pause at least this often, noise that never dips that low is the new floor. */
#define VAD_MINWIN 150
/* Most the floor may rise above its value at the onset while an utterance holds it: slow room
 * drift is followed a little, yet anything this much above threshold_db over the noise before
 * the onset stays speech however long it lasts. */
#define VAD_HOLD_RISE_DB 6.0f
/* Longest a hold lasts (3 s): commands and most sentences are shorter, or pause within it, and a
 * periodic noise (a motor, a hum with harmonics) that opened an utterance reads as voiced on every
 * frame; after this the floor moves as if unheld, so such a noise is absorbed and ends. */
#define VAD_HOLD_MAX_MS 3000
/* Periodicity at which a frame of a held utterance counts as voiced, hence as speech. */
#define VAD_HOLD_VOICING 0.5f
/* Window for the periodicity measure: two periods of a 70 Hz voice. */
#define VAD_VOICE_MS 32

struct hark_vad {
    hark_vad_params p;
    size_t frame;         /* samples per frame */
    float fall_coef;      /* per-frame smoothing toward a lower level */
    float rise_db;        /* slow per-frame rise in dB */
    float steady_coef;    /* per-frame smoothing toward a steady level */
    int hangover_frames;
    /* state */
    float dc_x, dc_y;     /* DC blocker memory */
    float floor_db;
    float level_db;
    int frames_seen;
    int hang;
    int hold;             /* an utterance is open: the floor may not climb from its level */
    int hold_frames;      /* frames since the hold began */
    int hold_max_frames;  /* VAD_HOLD_MAX_MS in frames */
    float hold_cap_db;    /* highest floor allowed while held */
    float hist[VAD_HIST];
    int hist_n, hist_pos;
    float minwin[VAD_MINWIN];
    unsigned char minvoiced[VAD_MINWIN]; /* 1: that frame was voiced under a hold */
    int minwin_n, minwin_pos, voiced_n;
    /* voicing: the last VAD_VOICE_MS of filtered samples, oldest first */
    float *win;
    size_t win_len;
    int lag_lo, lag_hi;
    float voicing;
};

hark_vad_params hark_vad_default_params(int sample_rate)
{
    hark_vad_params p;
    p.sample_rate = sample_rate;
    p.frame_ms = 10;
    p.threshold_db = 10.0f;
    p.min_level_db = -55.0f;
    p.floor_fall_ms = 40.0f;
    p.floor_rise_db_s = 2.0f;
    p.steady_spread_db = 4.0f;
    p.steady_rise_ms = 150.0f;
    p.hangover_ms = 30;
    return p;
}

hark_vad *hark_vad_create(const hark_vad_params *p)
{
    if (!p || p->sample_rate < 1000 || p->sample_rate > 384000) {
        hark_error(HARK_ERR_INVALID_ARG, "VAD: sample rate %d Hz out of range 1000..384000",
                   p ? p->sample_rate : 0);
        return NULL;
    }
    if (p->frame_ms < 5 || p->frame_ms > 50 || !(p->threshold_db > 0) ||
        !(p->floor_fall_ms > 0) || !(p->floor_rise_db_s >= 0) || !(p->steady_spread_db >= 0) ||
        !(p->steady_rise_ms > 0) || p->hangover_ms < 0 || !isfinite(p->min_level_db)) {
        hark_error(HARK_ERR_INVALID_ARG, "VAD: parameter out of range (frame %d ms, threshold "
                   "%g dB, hangover %d ms)", p->frame_ms, (double)p->threshold_db, p->hangover_ms);
        return NULL;
    }
    hark_vad *v = calloc(1, sizeof *v);
    if (!v) {
        hark_error(HARK_ERR_NOMEM, "VAD: out of memory");
        return NULL;
    }
    v->p = *p;
    v->frame = (size_t)p->sample_rate * (size_t)p->frame_ms / 1000;
    v->win_len = (size_t)p->sample_rate * VAD_VOICE_MS / 1000;
    if (v->win_len < v->frame)
        v->win_len = v->frame;
    v->lag_lo = p->sample_rate / 400; /* voice pitch 70..400 Hz */
    v->lag_hi = p->sample_rate / 70;
    v->win = calloc(v->win_len, sizeof *v->win);
    if (!v->win) {
        free(v);
        hark_error(HARK_ERR_NOMEM, "VAD: out of memory");
        return NULL;
    }
    float fm = (float)p->frame_ms;
    v->fall_coef = 1.0f - expf(-fm / p->floor_fall_ms);
    v->rise_db = p->floor_rise_db_s * fm / 1000.0f;
    v->steady_coef = 1.0f - expf(-fm / p->steady_rise_ms);
    v->hangover_frames = (p->hangover_ms + p->frame_ms - 1) / p->frame_ms;
    v->hold_max_frames = VAD_HOLD_MAX_MS / p->frame_ms;
    hark_vad_reset(v);
    return v;
}

void hark_vad_free(hark_vad *v)
{
    if (!v)
        return;
    free(v->win);
    free(v);
}

void hark_vad_reset(hark_vad *v)
{
    hark_vad_rewind(v);
    v->floor_db = 0;
    v->frames_seen = 0;
}

void hark_vad_rewind(hark_vad *v)
{
    v->dc_x = v->dc_y = 0;
    v->level_db = -120.0f;
    v->hang = 0;
    v->hold = 0;
    v->hold_frames = 0;
    v->hold_cap_db = 0;
    v->hist_n = v->hist_pos = 0;
    v->minwin_n = v->minwin_pos = v->voiced_n = 0;
    memset(v->minvoiced, 0, sizeof v->minvoiced);
    memset(v->win, 0, v->win_len * sizeof *v->win);
    v->voicing = 0;
}

size_t hark_vad_frame_size(const hark_vad *v) { return v->frame; }
float hark_vad_level_db(const hark_vad *v) { return v->level_db; }
float hark_vad_floor_db(const hark_vad *v) { return v->floor_db; }

void hark_vad_hold_floor(hark_vad *v, int hold)
{
    if (hold && !v->hold) {
        v->hold_cap_db = v->floor_db + VAD_HOLD_RISE_DB;
        v->hold_frames = 0;
    }
    v->hold = hold != 0;
}

/* Peak normalised autocorrelation over voice pitch lags: near 1 for a vowel, near 0 for hiss,
 * taps and clinks. Only computed for loud frames (the caller's choice) since it costs a few
 * tens of thousands of multiply-adds. */
static float periodicity(const hark_vad *v)
{
    const float *x = v->win;
    int n = (int)v->win_len, hi = v->lag_hi < n / 2 ? v->lag_hi : n / 2;
    float best = 0;
    for (int lag = v->lag_lo; lag <= hi; lag++) {
        double xy = 0, xx = 0, yy = 0;
        for (int i = 0; i + lag < n; i++) {
            xy += (double)x[i] * x[i + lag];
            xx += (double)x[i] * x[i];
            yy += (double)x[i + lag] * x[i + lag];
        }
        if (xx > 0 && yy > 0) {
            float r = (float)(xy / sqrt(xx * yy));
            if (r > best)
                best = r;
        }
    }
    return best;
}

float hark_vad_voicing(hark_vad *v)
{
    if (v->voicing < 0) /* a loud frame's, computed on demand: most callers never ask */
        v->voicing = periodicity(v);
    return v->voicing;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Whether the recent levels are steady: the 80th and 20th percentiles within steady_spread_db
 * (robust to the single jump a change of noise source makes), and the newest level close to
 * their median, so the first frames of a word after a quiet stretch do not count as steady. */
static int recent_steady(const hark_vad *v, float level)
{
    float tmp[VAD_HIST];
    memcpy(tmp, v->hist, (size_t)v->hist_n * sizeof *tmp);
    qsort(tmp, (size_t)v->hist_n, sizeof *tmp, cmp_float);
    int lo = v->hist_n / 5, hi = v->hist_n - 1 - v->hist_n / 5;
    float spread = v->p.steady_spread_db;
    return tmp[hi] - tmp[lo] < spread && fabsf(level - tmp[v->hist_n / 2]) < spread;
}

/* One frame's step of the noise floor. `voiced_held`: an utterance holds the floor and this
 * frame is voiced; then the floor rises only slowly and at most to the hold's cap, and the
 * minimum-statistics bound waits until its window holds no voiced frame. Unvoiced frames of an
 * open utterance (hiss, a clatter that opened it) move the floor as they would outside one. */
static void update_floor(hark_vad *v, float level, int voiced_held)
{
    if (level < v->floor_db) {
        v->floor_db += v->fall_coef * (level - v->floor_db);
    } else if (voiced_held) {
        float rise = fminf(v->rise_db, level - v->floor_db);
        v->floor_db = fmaxf(v->floor_db, fminf(v->floor_db + rise, v->hold_cap_db));
    } else {
        int steady = v->hist_n >= VAD_HIST / 2 && recent_steady(v, level);
        if (steady)
            v->floor_db += v->steady_coef * (level - v->floor_db);
        else
            v->floor_db += fminf(v->rise_db, level - v->floor_db);
    }

    /* Minimum statistics: once a whole window has passed, the floor is at least the quietest
     * level in it, so noise that is loud but not steady cannot hold the detector open. During a
     * hold a window with voiced frames in it is speech, not a noise estimate. */
    v->voiced_n += voiced_held - v->minvoiced[v->minwin_pos];
    v->minvoiced[v->minwin_pos] = (unsigned char)voiced_held;
    v->minwin[v->minwin_pos] = level;
    v->minwin_pos = (v->minwin_pos + 1) % VAD_MINWIN;
    if (v->minwin_n < VAD_MINWIN)
        v->minwin_n++;
    if (v->minwin_n == VAD_MINWIN && !(v->hold && v->voiced_n > 0)) {
        float lo = v->minwin[0];
        for (int i = 1; i < VAD_MINWIN; i++)
            lo = fminf(lo, v->minwin[i]);
        if (v->floor_db < lo)
            v->floor_db = lo;
    }
    /* Digital silence would drag the floor to -120 dB and make any later hiss look like speech. */
    if (v->floor_db < v->p.min_level_db - v->p.threshold_db)
        v->floor_db = v->p.min_level_db - v->p.threshold_db;
}

int hark_vad_frame(hark_vad *v, const float *x)
{
    double sum = 0;
    memmove(v->win, v->win + v->frame, (v->win_len - v->frame) * sizeof *v->win);
    float *tail = v->win + v->win_len - v->frame;
    for (size_t i = 0; i < v->frame; i++) {
        /* One-pole DC blocker (pole at 0.995: corner near 10 Hz at 16 kHz). */
        float y = x[i] - v->dc_x + 0.995f * v->dc_y;
        v->dc_x = x[i];
        v->dc_y = y;
        tail[i] = y;
        sum += (double)y * y;
    }
    float level = (float)(10.0 * log10(sum / (double)v->frame + 1e-12));
    v->level_db = level;

    v->hist[v->hist_pos] = level;
    v->hist_pos = (v->hist_pos + 1) % VAD_HIST;
    if (v->hist_n < VAD_HIST)
        v->hist_n++;

    if (v->frames_seen++ == 0) {
        /* The floor starts as low as it may go, so a stream (or a trimmed file) that starts
         * with speech is heard; a stream that starts in steady noise lifts it within a fraction
         * of a second, and the endpointer does not take a noise switching on for an onset. */
        v->floor_db = v->p.min_level_db - v->p.threshold_db;
    }
    /* Periodicity is costly: computed only for frames loud against the floor so far, at most
     * once. A held floor needs it before the update (a voiced frame is speech, not noise). */
    float per = -1.0f;
    int held = v->hold && v->hold_frames++ < v->hold_max_frames;
    if (held && level >= v->floor_db + v->p.threshold_db)
        per = periodicity(v);
    update_floor(v, level, held && per >= VAD_HOLD_VOICING);

    int loud = level >= v->p.min_level_db && level >= v->floor_db + v->p.threshold_db;
    v->voicing = loud ? per : 0.0f; /* -1: not computed yet; hark_vad_voicing computes it */
    if (loud) {
        v->hang = v->hangover_frames;
        return 1;
    }
    if (v->hang > 0) {
        v->hang--;
        return 1;
    }
    return 0;
}
