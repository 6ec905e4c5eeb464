/* listener.c - the embeddable assistant (hark_listener): one reader loop from a source to events.
 *
 * Samples come from a capture device (PortAudio ring), from a file read in blocks and played at
 * real-time pace or as fast as possible, or from the caller (push). They are resampled to the
 * model's rate and go through the endpointer. Inside an utterance they stream into the
 * recognizer (partials); at its end the transcript goes to the assistant, whose reply is
 * delivered, and spoken while capture is muted when asked to. Timers the assistant set are
 * checked on every pass of the loop. Every result leaves through a callback with its own
 * user_data; nothing here prints.
 *
 * Set-up order matters: everything that can fail on the user's input (parameters, the audio file,
 * the device, the intent file's existence) is checked before the expensive steps (training the
 * intent classifier, loading the speech synthesiser), so a typo fails at once. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/util.h"
#include "hark/audio.h"
#include "hark/listener.h"

#define PARTIAL_MAX 512

struct hark_listener {
    hark_listener_params p;
    hark_listener_callbacks cb;
    char *device, *path, *voice, *intents; /* copies of the params' strings */
    const hark_model *m;
    hark_recognizer *rec;
    hark_assistant *assistant;
    hark_endpoint *ep;
    hark_resampler *rs;
    hark_capture *cap;
    hark_audio_reader *reader;
    hark_tts *tts;
    /* decoders plugged into rec (freed after it) */
    hark_grammar *graph;
    hark_grammar_decoder *gdec;
    hark_grammar_plugin *gplug;
    int grammar_on; /* gplug is the recognizer's decoder (not replaced by the caller's) */
    hark_lm *lm;
    hark_decoder *bdec;
    hark_beam_plugin *bplug;
    char *lm_path;
    int pa_up;
    int device_index;
    int model_rate;
    double source_rate;
    /* state */
    volatile sig_atomic_t stop;
    char partial[PARTIAL_MAX];
    double utt_t0;     /* stream time of the current utterance's first sample */
    int utt_done;      /* an END arrived: handle it after the push */
    double utt_end;    /* END time from the endpointer */
    double end_wall;   /* wall time when the END arrived */
    double end_stream; /* stream time when the END arrived */
    long utterances, rejected;
    uint64_t muted_overruns; /* overruns while the assistant spoke: capture was muted anyway */
    uint32_t dither;         /* generator state of push_dithered */
};

hark_listener_params hark_listener_default_params(void)
{
    hark_listener_params p;
    memset(&p, 0, sizeof p);
    p.source = HARK_SOURCE_CAPTURE;
    p.realtime = 1;
    p.assistant = hark_assistant_default_params();
    p.endpoint = hark_endpoint_default_params(16000);
    /* The confidence is the chance the whole transcript is exactly right: low for a sentence even
     * when most of its words are (docs/listen.md). */
    p.min_confidence = 0.1;
    p.partials = 1;
    p.dither = 1;
    p.decoding = HARK_LISTEN_AUTO;
    p.grammar = hark_grammar_default_params();
    p.beam = hark_decode_default_params();
    return p;
}

static void report_error(hark_listener *L, hark_status st, const char *what)
{
    if (L->cb.on_error) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s%s", what, hark_last_error());
        L->cb.on_error(st, msg, L->cb.error_data);
    }
}

/* ---- recognizer feeding and endpointer events ----------------------------------------------- */

/* Feed the recognizer with one 16-bit step of triangular dither added (Kaldi's default dither).
 * Sound servers send exact zeros when nothing plays; in the pre-roll those give log-mel
 * energies at the floor of the log, which skew per-utterance normalisation and the words after
 * them. A real microphone always has more noise than this. */
static hark_status push_dithered(hark_listener *L, const float *x, size_t n)
{
    if (!L->p.dither)
        return hark_recognizer_push(L->rec, x, n);
    float buf[512];
    while (n > 0) {
        size_t m = n < 512 ? n : 512;
        for (size_t i = 0; i < m; i++) {
            L->dither = L->dither * 1664525u + 1013904223u;
            float a = (float)(L->dither >> 16 & 0xFFFF) / 65536.0f;
            L->dither = L->dither * 1664525u + 1013904223u;
            float b = (float)(L->dither >> 16 & 0xFFFF) / 65536.0f;
            buf[i] = x[i] + (a - b) / 32768.0f;
        }
        hark_status st = hark_recognizer_push(L->rec, buf, m);
        if (st != HARK_OK)
            return st;
        x += m;
        n -= m;
    }
    return HARK_OK;
}

static hark_status on_endpoint(const hark_endpoint_event *ev, void *user)
{
    hark_listener *L = user;
    switch (ev->type) {
    case HARK_EP_START:
        hark_recognizer_reset(L->rec);
        L->utt_t0 = ev->t;
        L->partial[0] = '\0';
        if (L->cb.on_speech_start)
            L->cb.on_speech_start(ev->t, L->cb.speech_start_data);
        return HARK_OK;
    case HARK_EP_AUDIO: {
        hark_status st = push_dithered(L, ev->samples, ev->n);
        if (st != HARK_OK || !L->p.partials || !L->cb.on_partial)
            return st;
        char buf[PARTIAL_MAX];
        if (hark_recognizer_partial(L->rec, buf, sizeof buf) == HARK_OK && buf[0] &&
            strcmp(buf, L->partial) != 0) {
            memcpy(L->partial, buf, sizeof buf);
            L->cb.on_partial(buf, L->utt_t0, ev->t + (double)ev->n / L->model_rate,
                             L->cb.partial_data);
        }
        return HARK_OK;
    }
    case HARK_EP_END:
        L->utt_done = 1;
        L->utt_end = ev->t;
        L->end_wall = util_now_seconds();
        L->end_stream = hark_endpoint_time(L->ep);
        return HARK_OK;
    }
    return HARK_OK;
}

/* ---- speech output and muting ------------------------------------------------------------- */

/* Discard whatever the microphone heard while we spoke (our own voice), plus a short tail for the
 * room's echo, and restart the VAD so its floor is not skewed by it. */
static void mute_capture(hark_listener *L, double seconds)
{
    if (!L->cap)
        return;
    float buf[1024];
    double until = util_now_seconds() + seconds;
    size_t skipped = 0;
    /* What arrived while we spoke is already in the ring; reading it costs nothing. The loop
     * ends on time, not on an empty ring: a live microphone is never empty for long. */
    while (util_now_seconds() < until && !L->stop) {
        size_t got = 0;
        if (hark_capture_read(L->cap, buf, 1024, &got, 10) != HARK_OK)
            break;
        skipped += got;
    }
    hark_endpoint_reset(L->ep);
    hark_endpoint_skip(L->ep, (size_t)((double)skipped * L->model_rate / L->source_rate));
    if (L->rs)
        hark_resampler_reset(L->rs);
}

static void say(hark_listener *L, const char *text)
{
    if (!L->tts || !text[0])
        return;
    float *pcm = NULL;
    size_t n = 0;
    uint64_t before = L->cap ? hark_capture_overruns(L->cap) : 0;
    hark_status st = hark_tts_synth(L->tts, text, &pcm, &n);
    if (st == HARK_OK)
        st = hark_tts_play(-1, pcm, n, hark_tts_sample_rate(L->tts));
    if (st != HARK_OK)
        report_error(L, st, "cannot speak: ");
    free(pcm);
    mute_capture(L, 0.2);
    /* A reply longer than the ring buffer overflows it while we are deaf on purpose; those
     * samples were to be discarded, so they are not the overruns a user should hear about. */
    if (L->cap)
        L->muted_overruns += hark_capture_overruns(L->cap) - before;
}

static void check_timers(hark_listener *L)
{
    if (!L->assistant)
        return;
    time_t now = time(NULL);
    if (hark_assistant_next_timer(L->assistant, now) != 0)
        return; /* none pending, or none due yet */
    hark_timer due[4];
    size_t n = hark_assistant_due_timers(L->assistant, now, due, 4);
    for (size_t i = 0; i < n && i < 4; i++) {
        char msg[160];
        snprintf(msg, sizeof msg, "Timer %d for %s is done.", due[i].id, due[i].label);
        if (L->cb.on_timer)
            L->cb.on_timer(&due[i], msg, L->cb.timer_data);
        say(L, msg);
    }
}

/* ---- the end of an utterance ----------------------------------------------------------------- */

/* Decode what is left, deliver, understand, answer. */
static hark_status finish_utterance(hark_listener *L)
{
    L->utt_done = 0;
    hark_transcript tr = {0};
    hark_status st = hark_recognizer_finish(L->rec, &tr);
    if (st != HARK_OK)
        return st;
    /* Under a grammar, silence and noise come out with no intent at all: nothing was said. */
    const hark_grammar_result *g = L->grammar_on ? hark_grammar_plugin_last(L->gplug) : NULL;
    if (!tr.text[0] || (g && !g->has_intent) ||
        (!g && tr.confidence < L->p.min_confidence)) {
        /* Noise that got past the VAD decodes to nothing or to a guess the model doubts. */
        L->rejected++;
        if (L->cb.on_rejected)
            L->cb.on_rejected(&tr, L->utt_end, L->cb.rejected_data);
        hark_transcript_clear(&tr);
        return HARK_OK;
    }
    L->utterances++;
    hark_listener_final f = {
        .transcript = &tr,
        .start = L->utt_t0 + tr.start,
        .end = tr.end > 0 ? L->utt_t0 + tr.end : L->utt_end,
        .speech_end = L->utt_end,
        .emitted = L->end_stream + (util_now_seconds() - L->end_wall),
    };
    if (L->cb.on_final)
        L->cb.on_final(&f, L->cb.final_data);
    if (L->assistant && !L->stop) {
        hark_intent_result r;
        memset(&r, 0, sizeof r);
        if (g) { /* the intent and slots the decoder read off the path; the skill answers */
            r = g->intent;
            st = hark_assistant_respond(L->assistant, time(NULL), &r);
        } else {
            st = hark_assistant_handle(L->assistant, tr.text, time(NULL), &r);
        }
        if (st != HARK_OK) {
            report_error(L, st, "");
        } else {
            if (L->cb.on_intent)
                L->cb.on_intent(&r, tr.text, L->cb.intent_data);
            if (!L->stop)
                say(L, r.response);
        }
    }
    hark_transcript_clear(&tr);
    return HARK_OK;
}

/* Resample a chunk at the source rate and feed the endpointer; answer any utterance that ended. */
static hark_status feed(hark_listener *L, const float *x, size_t n, int flush)
{
    const float *y = x;
    size_t m = n;
    hark_status st = HARK_OK;
    if (L->rs) {
        st = flush ? hark_resampler_flush(L->rs, &y, &m) : hark_resampler_process(L->rs, x, n, &y, &m);
        if (st != HARK_OK)
            return st;
    }
    /* 10 ms at a time: an utterance's end is answered before the next can start (that takes
     * min_speech_ms), however large the caller's chunks. */
    size_t step = (size_t)L->model_rate / 100;
    for (size_t i = 0; i < m && st == HARK_OK; i += step) {
        st = hark_endpoint_push(L->ep, y + i, m - i < step ? m - i : step);
        if (st == HARK_OK && L->utt_done)
            st = finish_utterance(L);
    }
    if (st == HARK_OK && flush)
        st = hark_endpoint_flush(L->ep);
    if (st == HARK_OK && L->utt_done)
        st = finish_utterance(L);
    return st;
}

/* ---- creation ---------------------------------------------------------------------------------- */

static hark_status dup_str(char **dst, const char *src)
{
    if (src && !(*dst = strdup(src)))
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    return HARK_OK;
}

static hark_status check_params(const hark_listener_params *p)
{
    if (p->source != HARK_SOURCE_CAPTURE && p->source != HARK_SOURCE_FILE &&
        p->source != HARK_SOURCE_PUSH)
        return hark_error(HARK_ERR_INVALID_ARG, "listener: unknown source %d", (int)p->source);
    if (p->source == HARK_SOURCE_FILE && (!p->path || !p->path[0]))
        return hark_error(HARK_ERR_INVALID_ARG, "listener: a file source needs a path");
    if (p->n_phrases > 0 && !p->phrases)
        return hark_error(HARK_ERR_INVALID_ARG, "listener: n_phrases without phrases");
    if (!(p->min_confidence >= 0 && p->min_confidence <= 1) || !(p->max_seconds >= 0))
        return hark_error(HARK_ERR_INVALID_ARG, "listener: min_confidence must be in 0..1 and "
                          "max_seconds >= 0");
    if (p->source == HARK_SOURCE_PUSH && p->push_rate != 0 &&
        !(p->push_rate >= HARK_AUDIO_MIN_RATE && p->push_rate <= HARK_AUDIO_MAX_RATE))
        return hark_error(HARK_ERR_INVALID_ARG, "listener: push rate %g Hz out of range",
                          p->push_rate);
    return HARK_OK;
}

/* The intent file must be there before anything slow starts; parsing and training come last. */
static hark_status check_intents(const char *path)
{
    struct stat sb;
    if (!path)
        return HARK_OK;
    if (stat(path, &sb) != 0)
        return hark_error(HARK_ERR_IO, "%s: no such file", path);
    if (S_ISDIR(sb.st_mode))
        return hark_error(HARK_ERR_IO, "%s: is a directory, not an intent file", path);
    return HARK_OK;
}

/* Open the source: the file (checked as audio) or the device; nothing is started yet. */
static hark_status open_source(hark_listener *L)
{
    if (L->p.source == HARK_SOURCE_FILE) {
        hark_status st = hark_audio_reader_open(L->path, 0, &L->reader);
        if (st != HARK_OK)
            return st;
        hark_audio_info info;
        hark_audio_reader_info(L->reader, &info);
        L->source_rate = info.sample_rate;
        return HARK_OK;
    }
    if (L->p.source == HARK_SOURCE_PUSH) {
        L->source_rate = L->p.push_rate > 0 ? L->p.push_rate : L->model_rate;
        return HARK_OK;
    }
    /* The device is found now and opened last (open_capture): a stream opened long before it
     * starts, or before the synthesiser loads, can stay silent through the sound server. */
    return hark_device_find(L->device, 1, &L->device_index);
}

static hark_status open_capture(hark_listener *L)
{
    hark_capture_params cp = hark_capture_default_params();
    cp.device = L->device_index;
    cp.sample_rate = L->p.capture_rate;
    if (!(L->cap = hark_capture_open(&cp)))
        return HARK_ERR_DEVICE;
    L->source_rate = hark_capture_rate(L->cap);
    return HARK_OK;
}

/* The intent file's grammar plugged into the recognizer. In AUTO mode a grammar the model cannot
 * spell (a digits model under a general intent file) leaves greedy decoding in place. */
static hark_status setup_grammar(hark_listener *L, int required)
{
    const hark_intents *f = L->assistant ? hark_assistant_intents(L->assistant) : NULL;
    if (!f)
        return required ? hark_error(HARK_ERR_INVALID_ARG, "listener: grammar decoding needs an "
                                     "intent file") : HARK_OK;
    if (!(L->graph = hark_grammar_from_intents(f)) ||
        !(L->gdec = hark_grammar_decoder_create_for_model(L->graph, L->m, &L->p.grammar))) {
        if (required)
            return hark_error(HARK_ERR_INVALID_ARG, "%s: %s", L->intents, hark_last_error());
        hark_grammar_free(L->graph);
        L->graph = NULL;
        hark_clear_error();
        return HARK_OK;
    }
    if (!(L->gplug = hark_grammar_plugin_create(L->gdec)))
        return HARK_ERR_NOMEM;
    hark_recognizer_decoder hook = L->p.partials ? hark_grammar_plugin_hook_partials(L->gplug)
                                                 : hark_grammar_plugin_hook(L->gplug);
    L->grammar_on = 1;
    return hark_recognizer_set_decoder(L->rec, &hook);
}

/* Dictation: the beam search, with the language model when one is given. */
static hark_status setup_beam(hark_listener *L)
{
    hark_decode_params bp = L->p.beam;
    if (L->lm_path && !(L->lm = hark_lm_load_arpa(L->lm_path)))
        return HARK_ERR_FORMAT;
    bp.lm = L->lm;
    if (!(L->bdec = hark_decoder_create_for_model(L->m, NULL, &bp)) ||
        !(L->bplug = hark_beam_plugin_create(L->bdec)))
        return HARK_ERR_INVALID_ARG;
    hark_recognizer_decoder hook = hark_beam_plugin_hook(L->bplug);
    return hark_recognizer_set_decoder(L->rec, &hook);
}

/* Free decoding: greedy, except that a phone model decodes its lexicon's words (the beam
 * search) rather than phones the text classifier could not read. */
static hark_status setup_free(hark_listener *L)
{
    return hark_units_kind(hark_model_units(L->m)) == HARK_UNITS_PHONES ? setup_beam(L) : HARK_OK;
}

static hark_status setup_decoder(hark_listener *L)
{
    switch (L->p.decoding) {
    case HARK_LISTEN_AUTO: {
        if (L->p.n_phrases)
            return HARK_OK;
        hark_status st = setup_grammar(L, 0);
        return st == HARK_OK && !L->grammar_on ? setup_free(L) : st;
    }
    case HARK_LISTEN_GRAMMAR: return setup_grammar(L, 1);
    case HARK_LISTEN_BEAM: return setup_beam(L);
    case HARK_LISTEN_GREEDY: return L->p.n_phrases ? HARK_OK : setup_free(L);
    }
    return hark_error(HARK_ERR_INVALID_ARG, "listener: unknown decoding %d", (int)L->p.decoding);
}

static hark_status setup(hark_listener *L)
{
    hark_status st = check_params(&L->p);
    if (st == HARK_OK && (st = dup_str(&L->device, L->p.device)) == HARK_OK &&
        (st = dup_str(&L->path, L->p.path)) == HARK_OK &&
        (st = dup_str(&L->voice, L->p.voice)) == HARK_OK)
        st = dup_str(&L->intents, L->p.intents_path);
    if (st == HARK_OK && (st = dup_str(&L->lm_path, L->p.lm_path)) == HARK_OK)
        st = check_intents(L->intents);
    if (st == HARK_OK && L->lm_path)
        st = check_intents(L->lm_path); /* a missing LM fails before the classifier trains too */
    if (st != HARK_OK)
        return st;
    L->model_rate = hark_model_sample_rate(L->m);
    if (L->p.source == HARK_SOURCE_CAPTURE || L->p.speak) {
        if ((st = hark_capture_system_init()) != HARK_OK)
            return st;
        L->pa_up = 1;
    }
    if ((st = open_source(L)) != HARK_OK)
        return st;
    if (!(L->rec = hark_recognizer_create(L->m)))
        return HARK_ERR_NOMEM;
    /* Utterances are bounded by the endpointer: allocate for the longest now, so memory is flat
     * however long the assistant runs. */
    double longest = (L->p.endpoint.max_utterance_ms + L->p.endpoint.pre_roll_ms) / 1000.0 + 0.5;
    if ((st = hark_recognizer_reserve(L->rec, longest)) != HARK_OK)
        return st;
    if (L->p.n_phrases &&
        (st = hark_recognizer_set_phrases(L->rec, L->p.phrases, L->p.n_phrases)) != HARK_OK)
        return st;
    /* The endpointer works at the model's rate, whatever the source's. */
    hark_endpoint_params ep = L->p.endpoint;
    hark_vad_params vd = hark_vad_default_params(L->model_rate);
    vd.threshold_db = ep.vad.threshold_db;
    ep.vad = vd;
    if (!(L->ep = hark_endpoint_create(&ep, on_endpoint, L)))
        return HARK_ERR_INVALID_ARG;
    if (L->p.speak && !(L->tts = hark_tts_create(L->voice)))
        return HARK_ERR_UNSUPPORTED;
    /* The slow part: parsing the intent file and training its classifier. */
    if (L->intents && !(L->assistant = hark_assistant_load(L->intents, &L->p.assistant)))
        return HARK_ERR_FORMAT;
    if ((st = setup_decoder(L)) != HARK_OK)
        return st;
    if (L->p.source == HARK_SOURCE_CAPTURE && (st = open_capture(L)) != HARK_OK)
        return st;
    if ((int)L->source_rate != L->model_rate &&
        !(L->rs = hark_resampler_create(L->source_rate, L->model_rate)))
        return HARK_ERR_INVALID_ARG;
    return HARK_OK;
}

hark_listener *hark_listener_create(const hark_model *model, const hark_listener_params *p,
                                    const hark_listener_callbacks *cb)
{
    if (!model || !p) {
        hark_error(HARK_ERR_INVALID_ARG, "hark_listener_create: NULL argument");
        return NULL;
    }
    hark_listener *L = calloc(1, sizeof *L);
    if (!L) {
        hark_error(HARK_ERR_NOMEM, "out of memory");
        return NULL;
    }
    L->m = model;
    L->p = *p;
    if (cb)
        L->cb = *cb;
    if (setup(L) != HARK_OK) {
        hark_listener_free(L);
        return NULL;
    }
    /* The caller's strings may go away; ours are the copies. */
    L->p.device = L->device;
    L->p.path = L->path;
    L->p.voice = L->voice;
    L->p.intents_path = L->intents;
    L->p.lm_path = L->lm_path;
    L->p.phrases = NULL; /* copied into the recognizer */
    return L;
}

void hark_listener_free(hark_listener *L)
{
    if (!L)
        return;
    hark_capture_close(L->cap);
    hark_audio_reader_close(L->reader);
    hark_tts_free(L->tts);
    hark_resampler_free(L->rs);
    hark_endpoint_free(L->ep);
    hark_recognizer_free(L->rec); /* before the decoders it points to */
    hark_grammar_plugin_free(L->gplug);
    hark_grammar_decoder_free(L->gdec);
    hark_grammar_free(L->graph);
    hark_assistant_free(L->assistant);
    hark_beam_plugin_free(L->bplug);
    hark_decoder_free(L->bdec);
    hark_lm_free(L->lm);
    free(L->lm_path);
    if (L->pa_up)
        hark_capture_system_terminate();
    free(L->device);
    free(L->path);
    free(L->voice);
    free(L->intents);
    free(L);
}

hark_status hark_listener_set_decoder(hark_listener *L, const hark_recognizer_decoder *d)
{
    if (!L)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_listener_set_decoder: NULL listener");
    hark_status st = hark_recognizer_set_decoder(L->rec, d);
    if (st == HARK_OK)
        L->grammar_on = 0; /* intents come from the text classifier again */
    return st;
}

hark_recognizer *hark_listener_recognizer(hark_listener *L) { return L ? L->rec : NULL; }
hark_assistant *hark_listener_assistant(hark_listener *L) { return L ? L->assistant : NULL; }

void hark_listener_stop(hark_listener *L)
{
    if (L)
        L->stop = 1;
}

int hark_listener_stopped(const hark_listener *L) { return L && L->stop; }

/* ---- running ----------------------------------------------------------------------------------- */

static int limit_reached(const hark_listener *L, double stream_t)
{
    return L->p.max_seconds > 0 && stream_t >= L->p.max_seconds;
}

/* Sleep until the wall clock catches up with stream time t (real-time pace). */
static void pace(double t, double t0)
{
    double ahead = t - (util_now_seconds() - t0);
    if (ahead > 0) {
        struct timespec ts = {(time_t)ahead, (long)((ahead - floor(ahead)) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

static hark_status run_file(hark_listener *L)
{
    /* 20 ms chunks, as a capture callback would deliver them. */
    size_t chunk = (size_t)L->source_rate / 50, done = 0;
    double t0 = util_now_seconds();
    hark_status st = HARK_OK;
    int ended = 0;
    while (st == HARK_OK && !ended && !L->stop) {
        const float *x;
        size_t n;
        if ((st = hark_audio_reader_read(L->reader, &x, &n)) != HARK_OK || n == 0)
            break;
        for (size_t i = 0; i < n && st == HARK_OK; i += chunk, done += chunk) {
            double t = (double)done / L->source_rate;
            if (L->stop || (ended = limit_reached(L, t)))
                break;
            if (L->p.realtime)
                pace(t, t0);
            st = feed(L, x + i, n - i < chunk ? n - i : chunk, 0);
            check_timers(L);
        }
        /* Blocks are not multiples of the chunk: carry the clock over exactly. */
        done -= (chunk - n % chunk) % chunk;
    }
    if (st == HARK_OK && !L->stop)
        st = feed(L, NULL, 0, 1);
    return st;
}

static hark_status run_capture(hark_listener *L)
{
    hark_status st = hark_capture_start(L->cap);
    if (st != HARK_OK)
        return st;
    float buf[4096];
    double captured = 0;
    while (st == HARK_OK && !L->stop && !limit_reached(L, captured / L->source_rate)) {
        size_t got = 0;
        if ((st = hark_capture_read(L->cap, buf, 4096, &got, 50)) != HARK_OK)
            break;
        if (got && captured == 0 && L->cb.on_ready)
            L->cb.on_ready(hark_capture_device_name(L->cap), L->source_rate, L->cb.ready_data);
        captured += (double)got;
        if (got)
            st = feed(L, buf, got, 0);
        check_timers(L);
    }
    if (st == HARK_OK && !L->stop)
        st = feed(L, NULL, 0, 1);
    hark_capture_stop(L->cap);
    return st;
}

hark_status hark_listener_run(hark_listener *L)
{
    if (!L)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_listener_run: NULL listener");
    if (L->p.source == HARK_SOURCE_PUSH)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_listener_run: a push source is fed with "
                          "hark_listener_push");
    return L->p.source == HARK_SOURCE_FILE ? run_file(L) : run_capture(L);
}

hark_status hark_listener_push(hark_listener *L, const float *x, size_t n)
{
    if (!L || (n > 0 && !x))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_listener_push: NULL argument");
    if (L->p.source != HARK_SOURCE_PUSH)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_listener_push: the listener reads its own "
                          "source (hark_listener_run)");
    hark_status st = feed(L, x, n, 0);
    check_timers(L);
    return st;
}

hark_status hark_listener_flush(hark_listener *L)
{
    if (!L || L->p.source != HARK_SOURCE_PUSH)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_listener_flush: not a push listener");
    hark_status st = feed(L, NULL, 0, 1);
    /* Samples pushed after this are a new stream (on the same clock): fresh filter and VAD. */
    if (L->rs)
        hark_resampler_reset(L->rs);
    hark_endpoint_reset(L->ep);
    return st;
}

void hark_listener_get_stats(const hark_listener *L, hark_listener_stats *s)
{
    memset(s, 0, sizeof *s);
    if (!L)
        return;
    s->seconds = hark_endpoint_time(L->ep);
    s->utterances = L->utterances;
    s->rejected = L->rejected;
    s->overruns = L->cap ? hark_capture_overruns(L->cap) - L->muted_overruns : 0;
    s->dropped = L->cap ? hark_capture_dropped(L->cap) : 0;
    s->rate = L->source_rate;
}
