/* test_listener.c - the pipeline layer: the segmenter cuts synthetic audio with known pauses
 * inside the pauses and never beyond its maximum length, and finds each segment's speech span; file transcription keeps word times in
 * file time across segments; the listener turns a file (and pushed samples) into speech-start,
 * final and intent events, each callback with its own user_data; bad inputs fail before the
 * intent classifier is trained. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

#define RATE 16000
#define PI 3.14159265358979323846

/* Speech-like bursts: a 140 Hz buzz with harmonics, its loudness swinging at 4 Hz (syllables),
 * over a faint noise floor. Bursts at [on[i], off[i]) seconds. */
static float *bursts(size_t n, const double *on, const double *off, int k, uint64_t seed)
{
    float *x = malloc(n * sizeof *x);
    assert_non_null(x);
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / RATE, v = 0.0003 * (hark_augment_rng_uniform(&s) - 0.5);
        for (int b = 0; b < k; b++) {
            if (t >= on[b] && t < off[b]) {
                double env = 0.55 + 0.45 * sin(2 * PI * 4 * (t - on[b]));
                for (int h = 1; h <= 5; h++)
                    v += env * 0.08 / h * sin(2 * PI * 140 * h * t);
            }
        }
        x[i] = (float)v;
    }
    return x;
}

typedef struct {
    size_t next;         /* where the next segment must start */
    size_t starts[64];   /* segment starts */
    size_t lens[64];
    int whole[64];
    size_t speech[64];
    size_t span_a[64], span_b[64]; /* speech spans */
    int n;
} seg_log;

static hark_status log_segment(const hark_segment *seg, void *user)
{
    size_t start = seg->start, n = seg->n;
    const float *x = seg->samples;
    seg_log *g = user;
    g->whole[g->n < 64 ? g->n : 63] = seg->whole;
    g->speech[g->n < 64 ? g->n : 63] = seg->speech_frames;
    g->span_a[g->n < 64 ? g->n : 63] = seg->speech_start;
    g->span_b[g->n < 64 ? g->n : 63] = seg->speech_end;
    assert_non_null(x);
    assert_true(seg->speech_start <= seg->speech_end && seg->speech_end <= n);
    assert_int_equal(start, g->next); /* contiguous: every sample in exactly one segment */
    assert_true(g->n < 64);
    g->starts[g->n] = start;
    g->lens[g->n++] = n;
    g->next = start + n;
    return HARK_OK;
}

/* Segment n samples pushed at once; g gets the segments. */
static void segment_all(const hark_segment_params *p, const float *x, size_t n, seg_log *g)
{
    memset(g, 0, sizeof *g);
    hark_segmenter *s = hark_segmenter_create(p, log_segment, g);
    assert_non_null(s);
    assert_int_equal(hark_segmenter_push(s, x, n), HARK_OK);
    assert_int_equal(hark_segmenter_flush(s), HARK_OK);
    hark_segmenter_free(s);
}

/* 60 s of bursts 2.3 s long with 0.7 s pauses, pushed in odd chunks, max 10 s: each cut lies in
 * a pause, each segment is at most 10 s, and together they are the whole stream. */
static void test_segmenter_cuts_in_pauses(void **state)
{
    (void)state;
    enum { K = 20 };
    double on[K], off[K];
    for (int i = 0; i < K; i++) {
        on[i] = 0.4 + 3.0 * i;
        off[i] = on[i] + 2.3;
    }
    size_t n = 60 * RATE;
    float *x = bursts(n, on, off, K, 1);
    hark_segment_params p = hark_segment_default_params(RATE);
    p.max_seconds = 10;
    seg_log g = {0};
    hark_segmenter *s = hark_segmenter_create(&p, log_segment, &g);
    assert_non_null(s);
    for (size_t at = 0, c = 1; at < n; c = c * 7 % 5003 + 1) {
        size_t k = n - at < c ? n - at : c;
        assert_int_equal(hark_segmenter_push(s, x + at, k), HARK_OK);
        at += k;
    }
    assert_int_equal(hark_segmenter_flush(s), HARK_OK);
    assert_int_equal(g.next, n);
    assert_true(g.n >= 6);
    for (int i = 0; i < g.n; i++) {
        assert_true(g.lens[i] <= 10 * RATE);
        assert_int_equal(g.whole[i], 0);
        assert_true(g.speech[i] > 100); /* bursts of 2.3 s in every segment */
        if (i == 0)
            continue;
        double cut = (double)g.starts[i] / RATE;
        int in_pause = 0;
        for (int b = 0; b + 1 < K; b++)
            in_pause |= cut > off[b] && cut < on[b + 1];
        if (!in_pause)
            fail_msg("cut %d at %.3f s is not in a pause", i, cut);
    }
    /* A stream shorter than the maximum comes out whole. */
    memset(&g, 0, sizeof g);
    assert_int_equal(hark_segmenter_push(s, x, 5 * RATE), HARK_OK);
    assert_int_equal(g.n, 0);
    assert_int_equal(hark_segmenter_flush(s), HARK_OK);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.lens[0], 5 * RATE);
    assert_int_equal(g.whole[0], 1);
    hark_segmenter_free(s);
    free(x);
}

/* No pause at all: the cut goes to the quietest frame of the second half. */
static void test_segmenter_quietest_point(void **state)
{
    (void)state;
    double on[2] = {0, 7.52}, off[2] = {7.5, 30};
    size_t n = 12 * RATE;
    float *x = bursts(n, on, off, 2, 2); /* a 20 ms dip at 7.5 s: too short for a pause */
    hark_segment_params p = hark_segment_default_params(RATE);
    p.max_seconds = 10;
    seg_log g;
    segment_all(&p, x, n, &g);
    assert_int_equal(g.n, 2);
    double cut = (double)g.starts[1] / RATE;
    if (fabs(cut - 7.51) > 0.02)
        fail_msg("cut at %.3f s, want the dip at 7.50-7.52 s", cut);
    free(x);
    /* Bad parameters. */
    p.max_seconds = 0.5;
    assert_null(hark_segmenter_create(&p, log_segment, &g));
    p = hark_segment_default_params(RATE);
    p.min_pause_ms = 0;
    assert_null(hark_segmenter_create(&p, log_segment, &g));
    assert_null(hark_segmenter_create(&p, NULL, &g));
}

/* The speech span of a segment, and of a buffer: a burst at 1.5-2.3 s of a 3 s stream gives the
 * span from the margin before it to the margin after it; with a negative margin, or without any
 * speech, the whole. A recording's steady noise (which a detector that has just started takes for
 * speech until its floor has climbed) is outside the span: the detector hears the samples twice. */
static void test_speech_span(void **state)
{
    (void)state;
    double on[1] = {1.5}, off[1] = {2.3};
    size_t n = 3 * RATE;
    float *x = bursts(n, on, off, 1, 4);
    hark_segment_params p = hark_segment_default_params(RATE);
    assert_int_equal(p.speech_margin_ms, HARK_SPEECH_MARGIN_MS);
    seg_log g;
    segment_all(&p, x, n, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.lens[0], n);
    const double m = HARK_SPEECH_MARGIN_MS / 1000.0;
    double a = (double)g.span_a[0] / RATE, b = (double)g.span_b[0] / RATE;
    if (fabs(a - (1.5 - m)) > 0.03 || fabs(b - (2.3 + m)) > 0.07)
        fail_msg("span %.3f-%.3f s, want %.2f-%.2f s", a, b, 1.5 - m, 2.3 + m);
    size_t sa, sb;
    assert_int_equal(hark_speech_span(&p, x, n, &sa, &sb), HARK_OK);
    assert_int_equal(sa, g.span_a[0]);
    assert_int_equal(sb, g.span_b[0]);
    /* Steady noise at -40 dBFS throughout. */
    unsigned seed = 7;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] += 0.0173f * ((float)((seed >> 8) & 0xFFFFFF) / 16777216.0f * 2.0f - 1.0f);
    }
    assert_int_equal(hark_speech_span(&p, x, n, &sa, &sb), HARK_OK);
    if (fabs((double)sa / RATE - (1.5 - m)) > 0.03)
        fail_msg("in steady noise the span starts at %.3f s, want %.2f s", (double)sa / RATE,
                 1.5 - m);
    /* No margin: all of it. */
    p.speech_margin_ms = -1;
    assert_int_equal(hark_speech_span(&p, x, n, &sa, &sb), HARK_OK);
    assert_int_equal(sa, 0);
    assert_int_equal(sb, n);
    segment_all(&p, x, n, &g);
    assert_int_equal(g.span_a[0], 0);
    assert_int_equal(g.span_b[0], n);
    /* Digital silence: no speech, all of it. */
    p.speech_margin_ms = HARK_SPEECH_MARGIN_MS;
    memset(x, 0, n * sizeof *x);
    assert_int_equal(hark_speech_span(&p, x, n, &sa, &sb), HARK_OK);
    assert_int_equal(sa, 0);
    assert_int_equal(sb, n);
    /* Bad arguments. */
    p.speech_margin_ms = 10001; /* the segmenter's limit */
    assert_int_equal(hark_speech_span(&p, x, n, &sa, &sb), HARK_ERR_INVALID_ARG);
    p.speech_margin_ms = 10000;
    assert_int_equal(hark_speech_span(&p, x, n, &sa, &sb), HARK_OK);
    assert_int_equal(hark_speech_span(NULL, x, n, &sa, &sb), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_speech_span(&p, NULL, n, &sa, &sb), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_speech_span(&p, x, n, NULL, &sb), HARK_ERR_INVALID_ARG);
    p.speech_margin_ms = 20000;
    assert_null(hark_segmenter_create(&p, log_segment, &g));
    free(x);
}

/* A file made of shipped digit recordings at known places, with silences between them. Returns
 * the path; starts[] gets each recording's start in seconds. */
static const char *digits_file(const char *name, double gap, int repeat, double *starts)
{
    static const char *files[] = {"samples/0_george_2.wav", "samples/3_jackson_1.wav",
                                  "samples/5_nicolas_3.wav", "samples/7_theo_0.wav",
                                  "samples/9_yweweler_4.wav"};
    size_t cap = 0, n = 0;
    float *all = NULL;
    uint64_t s = 3;
    for (int r = 0; r < repeat; r++) {
        for (int i = 0; i < 5; i++) {
            float *x = NULL;
            size_t m = 0;
            assert_int_equal(hark_audio_load(tu_src(files[i]), 8000, &x, &m, NULL), HARK_OK);
            size_t g = (size_t)(gap * 8000);
            if (n + g + m > cap) {
                cap = (n + g + m) * 2;
                all = realloc(all, cap * sizeof *all);
                assert_non_null(all);
            }
            for (size_t j = 0; j < g; j++)
                all[n++] = (float)(0.0005 * (hark_augment_rng_uniform(&s) - 0.5));
            if (starts)
                starts[r * 5 + i] = (double)n / 8000;
            memcpy(all + n, x, m * sizeof *x);
            n += m;
            free(x);
        }
    }
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tu_tmpdir(), name);
    assert_int_equal(hark_audio_write_wav(path, all, n, 8000, HARK_SAMPLE_S16), HARK_OK);
    free(all);
    return path;
}

static const char *const WORDS[] = {"zero", "three", "five", "seven", "nine"};

/* A 30-second file cut into segments of at most 1.6 s, one recording each, decoded among the
 * model's phrases: the digits come out in order, and each word lies where its recording was put
 * in the file (phrase decoding spreads a segment's words over it, so the bounds are the
 * segment's: from the pause before the recording to the one after). */
static void test_transcribe_file_time(void **state)
{
    (void)state;
    hark_model *m = hark_model_load(tu_src("models/digits.hark"));
    assert_non_null(m);
    double starts[21];
    const char *path = digits_file("long.wav", 0.9, 4, starts);
    hark_recognizer *r = hark_recognizer_create(m);
    assert_non_null(r);
    size_t n = 0;
    const char *const *ph = hark_model_phrases(m, &n);
    assert_non_null(ph);
    assert_int_equal(hark_recognizer_set_phrases(r, ph, n), HARK_OK);
    hark_segment_params p = hark_segment_default_params(hark_model_sample_rate(m));
    p.max_seconds = 1.6;
    hark_transcript t = {0};
    assert_int_equal(hark_transcribe_file(r, path, &p, NULL, NULL, &t), HARK_OK);
    assert_true(t.duration > 25);
    assert_int_equal(t.n_words, 20);
    starts[20] = t.duration + 0.9;
    int right = 0;
    for (size_t w = 0; w < t.n_words; w++) {
        char word[32];
        snprintf(word, sizeof word, "%.*s", (int)t.words[w].length, t.text + t.words[w].offset);
        right += strcmp(word, WORDS[w % 5]) == 0;
        if (!(t.words[w].start >= starts[w] - 0.9 && t.words[w].end <= starts[w + 1]))
            fail_msg("word %zu '%s' at %.2f-%.2f s, its recording starts at %.2f s", w, word,
                     t.words[w].start, t.words[w].end, starts[w]);
    }
    assert_true(right >= 18);
    hark_transcript_clear(&t);
    /* A missing file: an error naming it. */
    assert_int_not_equal(hark_transcribe_file(r, "/nonexistent/x.wav", NULL, NULL, NULL, &t),
                         HARK_OK);
    assert_non_null(strstr(hark_last_error(), "/nonexistent/x.wav"));
    hark_recognizer_free(r);
    hark_model_free(m);
}

/* A recording after 1.5 s of faint noise: decoded from its speech span, its word still lies in
 * file time where the recording is; decoded whole (no margin), the same. */
static void test_transcribe_lead_silence(void **state)
{
    (void)state;
    hark_model *m = hark_model_load(tu_src("models/digits.hark"));
    assert_non_null(m);
    float *x = NULL;
    size_t nx = 0, lead = 12000; /* 1.5 s at 8 kHz */
    assert_int_equal(hark_audio_load(tu_src("samples/0_george_2.wav"), 8000, &x, &nx, NULL),
                     HARK_OK);
    float *all = malloc((lead + nx) * sizeof *all);
    assert_non_null(all);
    uint64_t seed = 5;
    for (size_t j = 0; j < lead; j++)
        all[j] = (float)(0.0005 * (hark_augment_rng_uniform(&seed) - 0.5));
    memcpy(all + lead, x, nx * sizeof *x);
    char path[512];
    snprintf(path, sizeof path, "%s/lead.wav", tu_tmpdir());
    assert_int_equal(hark_audio_write_wav(path, all, lead + nx, 8000, HARK_SAMPLE_S16), HARK_OK);
    free(all);
    free(x);
    const double starts[1] = {1.5};
    hark_recognizer *r = hark_recognizer_create(m);
    assert_non_null(r);
    size_t n = 0;
    const char *const *ph = hark_model_phrases(m, &n);
    assert_int_equal(hark_recognizer_set_phrases(r, ph, n), HARK_OK);
    hark_segment_params p = hark_segment_default_params(hark_model_sample_rate(m));
    for (int pass = 0; pass < 2; pass++) {
        p.speech_margin_ms = pass ? -1 : HARK_SPEECH_MARGIN_MS;
        hark_transcript t = {0};
        assert_int_equal(hark_transcribe_file(r, path, &p, NULL, NULL, &t), HARK_OK);
        assert_true(t.n_words >= 1);
        char word[32];
        snprintf(word, sizeof word, "%.*s", (int)t.words[0].length, t.text + t.words[0].offset);
        assert_string_equal(word, "zero");
        if (t.words[0].start < starts[0] - 0.3 || t.words[0].end > t.duration)
            fail_msg("margin %d: 'zero' at %.2f-%.2f s, its recording starts at %.2f s",
                     p.speech_margin_ms, t.words[0].start, t.words[0].end, starts[0]);
        assert_true(t.duration > 1.5);
        hark_transcript_clear(&t);
    }
    hark_recognizer_free(r);
    hark_model_free(m);
}

/* ---- the listener -------------------------------------------------------------------------- */

typedef struct {
    int ready, starts, finals, rejected, intents, errors;
    char texts[8][64];
    double final_start[8];
    char intent_names[8][64];
} events;

/* Each callback checks it got its own user_data: they are distinct pointers into one record. */
typedef struct {
    events ev;
    int tag_start, tag_final, tag_rejected, tag_intent, tag_error;
} ctx;

#define OWNER(p, field) ((ctx *)((char *)(p) - offsetof(ctx, field)))

static void cb_start(double t, void *u)
{
    (void)t;
    OWNER(u, tag_start)->ev.starts++;
}

static void cb_final(const hark_listener_final *f, void *u)
{
    events *e = &OWNER(u, tag_final)->ev;
    if (e->finals < 8) {
        snprintf(e->texts[e->finals], 64, "%s", f->transcript->text);
        e->final_start[e->finals] = f->start;
    }
    e->finals++;
}

static void cb_rejected(const hark_transcript *t, double end, void *u)
{
    (void)t;
    (void)end;
    OWNER(u, tag_rejected)->ev.rejected++;
}

static void cb_intent(const hark_intent_result *r, const char *text, void *u)
{
    events *e = &OWNER(u, tag_intent)->ev;
    assert_non_null(text);
    if (e->intents < 8)
        snprintf(e->intent_names[e->intents], 64, "%s", r->intent);
    e->intents++;
}

static void cb_error(hark_status st, const char *msg, void *u)
{
    (void)st;
    (void)msg;
    OWNER(u, tag_error)->ev.errors++;
}

static hark_listener_callbacks callbacks(ctx *c)
{
    hark_listener_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.on_speech_start = cb_start;
    cb.speech_start_data = &c->tag_start;
    cb.on_final = cb_final;
    cb.final_data = &c->tag_final;
    cb.on_rejected = cb_rejected;
    cb.rejected_data = &c->tag_rejected;
    cb.on_intent = cb_intent;
    cb.intent_data = &c->tag_intent;
    cb.on_error = cb_error;
    cb.error_data = &c->tag_error;
    return cb;
}

/* Five digits in a file, as fast as possible: five speech starts, five finals (the closed
 * vocabulary gets them right), each answered by the assistant; times in stream time. */
static void test_listener_file_source(void **state)
{
    (void)state;
    hark_model *m = hark_model_load(tu_src("models/digits.hark"));
    assert_non_null(m);
    double starts[5];
    const char *path = digits_file("five.wav", 1.0, 1, starts);
    size_t n = 0;
    const char *const *ph = hark_model_phrases(m, &n);
    const char **phrases = malloc((n + 1) * sizeof *phrases);
    assert_non_null(phrases);
    memcpy(phrases, ph, n * sizeof *ph);
    phrases[n] = "";
    hark_listener_params p = hark_listener_default_params();
    p.source = HARK_SOURCE_FILE;
    p.path = path;
    p.realtime = 0;
    p.phrases = phrases;
    p.n_phrases = n + 1;
    p.intents_path = tu_src("models/assistant.ini");
    p.assistant.state_path = NULL;
    ctx c;
    memset(&c, 0, sizeof c);
    hark_listener_callbacks cb = callbacks(&c);
    hark_listener *L = hark_listener_create(m, &p, &cb);
    assert_non_null(L);
    free(phrases); /* copied */
    assert_non_null(hark_listener_recognizer(L));
    assert_non_null(hark_listener_assistant(L));
    assert_int_equal(hark_listener_push(L, NULL, 0), HARK_ERR_INVALID_ARG); /* not a push source */
    assert_int_equal(hark_listener_run(L), HARK_OK);
    assert_int_equal(c.ev.starts, 5);
    assert_int_equal(c.ev.finals + c.ev.rejected, 5);
    assert_int_equal(c.ev.errors, 0);
    int right = 0;
    for (int i = 0; i < c.ev.finals && i < 5; i++) {
        right += strcmp(c.ev.texts[i], WORDS[i]) == 0;
        assert_true(fabs(c.ev.final_start[i] - starts[i]) < 0.6);
    }
    assert_true(right >= 4);
    assert_int_equal(c.ev.intents, c.ev.finals);
    hark_listener_stats s;
    hark_listener_get_stats(L, &s);
    assert_int_equal(s.utterances, c.ev.finals);
    assert_true(s.seconds > starts[4]);
    assert_float_equal(s.rate, 8000, 0);
    hark_listener_free(L);
    hark_model_free(m);
}

/* A decoder plugged in by the caller: every utterance says "hello". */
static hark_status hello_finish(void *calls, const float *lp, int T, int V, double fs,
                                hark_transcript *out)
{
    (void)lp;
    (void)V;
    ++*(int *)calls;
    out->text = strdup("hello");
    out->confidence = 1;
    out->duration = T * fs;
    return out->text ? HARK_OK : HARK_ERR_NOMEM;
}

/* Pushed samples at another rate, in small chunks; a stop request is honoured; a decoder the
 * caller plugs in decides the transcripts. */
static void test_listener_push_source(void **state)
{
    (void)state;
    hark_model *m = hark_model_load(tu_src("models/digits.hark"));
    assert_non_null(m);
    float *x = NULL;
    size_t nx = 0;
    assert_int_equal(hark_audio_load(digits_file("push.wav", 0.8, 1, NULL), 16000, &x, &nx, NULL),
                     HARK_OK);
    hark_listener_params p = hark_listener_default_params();
    p.source = HARK_SOURCE_PUSH;
    p.push_rate = 16000;
    ctx c;
    memset(&c, 0, sizeof c);
    hark_listener_callbacks cb = callbacks(&c);
    hark_listener *L = hark_listener_create(m, &p, &cb);
    assert_non_null(L);
    assert_null(hark_listener_assistant(L));
    assert_int_equal(hark_listener_run(L), HARK_ERR_INVALID_ARG); /* push sources are pushed */
    for (size_t at = 0; at < nx; at += 333)
        assert_int_equal(hark_listener_push(L, x + at, nx - at < 333 ? nx - at : 333), HARK_OK);
    assert_int_equal(hark_listener_flush(L), HARK_OK);
    assert_int_equal(c.ev.starts, 5);
    assert_int_equal(c.ev.finals + c.ev.rejected, 5);
    assert_int_equal(c.ev.intents, 0);
    int calls = 0;
    hark_recognizer_decoder hello = {&calls, hello_finish, NULL, NULL, NULL};
    assert_int_equal(hark_listener_set_decoder(L, &hello), HARK_OK);
    memset(&c.ev, 0, sizeof c.ev);
    assert_int_equal(hark_listener_push(L, x, nx), HARK_OK);
    assert_int_equal(hark_listener_flush(L), HARK_OK);
    assert_int_equal(calls, 5);
    assert_int_equal(c.ev.finals, 5);
    assert_string_equal(c.ev.texts[4], "hello");
    assert_int_equal(hark_listener_stopped(L), 0);
    hark_listener_stop(L);
    assert_int_equal(hark_listener_stopped(L), 1);
    hark_listener_free(L);
    free(x);
    hark_model_free(m);
}

/* What the user names is checked before the slow set-up: a missing file or intent file fails at
 * once (well under the classifier's training time) with a message naming it. */
static void test_listener_bad_inputs(void **state)
{
    (void)state;
    hark_model *m = hark_model_load(tu_src("models/digits.hark"));
    assert_non_null(m);
    hark_listener_params p = hark_listener_default_params();
    p.source = HARK_SOURCE_FILE;
    p.path = "/nonexistent/missing.wav";
    p.intents_path = tu_src("models/assistant.ini");
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    assert_null(hark_listener_create(m, &p, NULL));
    clock_gettime(CLOCK_MONOTONIC, &b);
    assert_non_null(strstr(hark_last_error(), "missing.wav"));
    assert_true((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) * 1e-9 < 0.5);
    p.path = tu_src("samples/7_theo_0.wav");
    p.intents_path = "/nonexistent/intents.ini";
    assert_null(hark_listener_create(m, &p, NULL));
    assert_non_null(strstr(hark_last_error(), "intents.ini"));
    p.intents_path = NULL;
    p.path = NULL;
    assert_null(hark_listener_create(m, &p, NULL));
    p.path = tu_src("samples/7_theo_0.wav");
    p.min_confidence = 2;
    assert_null(hark_listener_create(m, &p, NULL));
    assert_null(hark_listener_create(NULL, &p, NULL));
    hark_model_free(m);
}

/* Speech to intent by decoding: under a grammar of digit strings the intent and the words come
 * off the best path (the text classifier is not asked); the beam search decodes the same file as
 * dictation. */
static void test_listener_decoders(void **state)
{
    (void)state;
    hark_model *m = hark_model_load(tu_src("models/digits.hark"));
    assert_non_null(m);
    double starts[5];
    const char *path = digits_file("grammar.wav", 1.0, 1, starts);
    char ini[600];
    snprintf(ini, sizeof ini, "%s/digits.ini", tu_tmpdir());
    const char *text = "[Digits]\n(zero | one | two | three | four | five | six | seven | eight | "
                       "nine){digit}\n";
    assert_int_equal(tu_write_file(ini, text, strlen(text)), 0);
    for (int mode = 0; mode < 2; mode++) {
        hark_listener_params p = hark_listener_default_params();
        p.source = HARK_SOURCE_FILE;
        p.path = path;
        p.realtime = 0;
        p.intents_path = ini;
        p.decoding = mode == 0 ? HARK_LISTEN_GRAMMAR : HARK_LISTEN_BEAM;
        p.beam.beam = 8;
        ctx c;
        memset(&c, 0, sizeof c);
        hark_listener_callbacks cb = callbacks(&c);
        hark_listener *L = hark_listener_create(m, &p, &cb);
        assert_non_null(L);
        assert_int_equal(hark_listener_run(L), HARK_OK);
        assert_int_equal(c.ev.starts, 5);
        int right = 0, digits = 0;
        for (int i = 0; i < c.ev.finals && i < 5; i++) { /* rejected ones leave gaps */
            for (int k = i; k < 5; k++)
                if (strcmp(c.ev.texts[i], WORDS[k]) == 0) {
                    right++;
                    break;
                }
            digits += strcmp(c.ev.intent_names[i], "Digits") == 0;
        }
        if (right < 4)
            fail_msg("mode %d: %d finals, %d right: %s %s %s %s %s", mode, c.ev.finals, right,
                     c.ev.texts[0], c.ev.texts[1], c.ev.texts[2], c.ev.texts[3], c.ev.texts[4]);
        if (mode == 0) /* every final is a grammar path: its intent is the grammar's */
            assert_int_equal(digits, c.ev.finals);
        assert_int_equal(c.ev.errors, 0);
        hark_listener_free(L);
    }
    /* Grammar decoding needs an intent file. */
    hark_listener_params p = hark_listener_default_params();
    p.source = HARK_SOURCE_FILE;
    p.path = path;
    p.decoding = HARK_LISTEN_GRAMMAR;
    assert_null(hark_listener_create(m, &p, NULL));
    assert_non_null(strstr(hark_last_error(), "intent file"));
    /* ...while AUTO without one decodes greedily. */
    p.decoding = HARK_LISTEN_AUTO;
    hark_listener *L = hark_listener_create(m, &p, NULL);
    assert_non_null(L);
    hark_listener_free(L);
    hark_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segmenter_cuts_in_pauses),
        cmocka_unit_test(test_segmenter_quietest_point),
        cmocka_unit_test(test_speech_span),
        cmocka_unit_test(test_transcribe_file_time),
        cmocka_unit_test(test_transcribe_lead_silence),
        cmocka_unit_test(test_listener_file_source),
        cmocka_unit_test(test_listener_push_source),
        cmocka_unit_test(test_listener_bad_inputs),
        cmocka_unit_test(test_listener_decoders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
