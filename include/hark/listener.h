/* hark/listener.h - the pipeline: what wires audio -> features -> recognizer -> decoder -> intent.
 *
 *   hark_segmenter    cuts a stream of any length into segments of bounded length at pauses (the
 *                     VAD's non-speech runs), or at the quietest point when there is no pause
 *   hark_transcribe_* transcribes an audio file of any length with bounded memory: the file is
 *                     read in blocks, resampled in blocks, segmented, and each segment goes
 *                     through one recognizer; word times stay in file time
 *   hark_listener     the embeddable assistant: a source (a capture device, an audio file, or
 *                     samples the caller pushes) -> VAD and endpointing -> recognizer -> intent
 *                     -> events through callbacks, each with its own user_data
 *
 * Threads: a listener runs on the thread that calls hark_listener_run (or push); its callbacks
 * are called from there. hark_listener_stop may be called from any thread or a signal handler. */
#ifndef HARK_LISTENER_H
#define HARK_LISTENER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "hark/capture.h"
#include "hark/core.h"
#include "hark/decode.h"
#include "hark/grammar.h"
#include "hark/model.h"
#include "hark/nlu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Segmentation -------------------------------------------------------------------------- */

typedef struct hark_segment_params {
    hark_vad_params vad;  /* speech / non-speech per frame (hark_vad_default_params) */
    double max_seconds;   /* longest segment (default 15): its samples are all the memory used */
    int min_pause_ms;     /* a run of non-speech this long is a pause to cut in (default 200) */
    int speech_margin_ms; /* the speech span of a segment reaches this far beyond its first and
                           * last speech frames (default HARK_SPEECH_MARGIN_MS); negative: the
                           * span is the whole segment */
} hark_segment_params;

/* Non-speech kept before the first and after the last speech frame when a file is decoded: the
 * endpointer's pre-roll, so files and the microphone show the network the same lead-in. A
 * unidirectional network that heard a second or more of near-silence before a word hears the
 * word worse (docs/listen.md, "Leading silence"), so file decoding starts here too. */
#define HARK_SPEECH_MARGIN_MS 250

hark_segment_params hark_segment_default_params(int sample_rate);

/* A segment: n samples starting at sample `start` of the stream (valid during the call). */
typedef struct hark_segment {
    size_t start;          /* stream sample index of samples[0] */
    const float *samples;
    size_t n;
    size_t speech_frames;  /* VAD frames judged speech in it (0: silence or noise only) */
    int whole;             /* 1 when the stream ended before the first cut: it is all here */
    size_t speech_start;   /* the speech span, samples[speech_start, speech_end): the first to */
    size_t speech_end;     /* the last speech frame widened by the margin; all of it without one */
} hark_segment;

typedef hark_status (*hark_segment_fn)(const hark_segment *seg, void *user_data);

/* The segmenter holds at most max_seconds of audio. When that much has accumulated it cuts in
 * the middle of the longest pause in its second half (else the longest pause at least a second
 * in, else the quietest 10 ms frame of the second half) and hands the part before the cut to the
 * callback; the rest starts the next segment. Streams shorter than max_seconds come out whole.
 * Every sample is in exactly one segment; each segment carries its speech span. */
typedef struct hark_segmenter hark_segmenter;

hark_segmenter *hark_segmenter_create(const hark_segment_params *p, hark_segment_fn fn,
                                      void *user_data);
void hark_segmenter_free(hark_segmenter *s);
/* Feed n samples at the VAD's rate; segments are delivered from inside the call. */
hark_status hark_segmenter_push(hark_segmenter *s, const float *x, size_t n);
/* End of stream: the last segment (if any samples remain). The segmenter can then be reused. */
hark_status hark_segmenter_flush(hark_segmenter *s);

/* The speech span of n samples at p->vad.sample_rate, as the segmenter finds it for a segment:
 * [*start, *end) runs from speech_margin_ms before the first frame the VAD judges speech to
 * speech_margin_ms after the last; the whole buffer when no frame is speech or the margin is
 * negative. A margin above 10000 ms is HARK_ERR_INVALID_ARG, as for the segmenter. */
hark_status hark_speech_span(const hark_segment_params *p, const float *x, size_t n,
                             size_t *start, size_t *end);

/* ---- File transcription ------------------------------------------------------------------- */

/* A segment's transcript (times in file seconds) as soon as it is decoded. */
typedef hark_status (*hark_transcript_fn)(const hark_transcript *segment, void *user_data);

/* Transcribe an audio file of any length with r (its decoder: greedy, phrases or plugged in).
 * p: NULL for hark_segment_default_params at the model's rate. on_segment (may be NULL) gets
 * each segment's transcript; out (may be NULL) gets the whole file's: the segments' texts
 * joined by spaces, every word in file time, confidence the geometric mean over the segments
 * that said something, duration the file's. When a file is cut, segments in which the VAD heard
 * no speech are not decoded (a closed vocabulary would otherwise name a phrase for silence); a
 * file that fits in one segment is always decoded. Each segment is decoded from its speech span
 * (p->speech_margin_ms), all of it when the VAD heard no speech in it. Memory: the recognizer's
 * buffers for one segment, the reader's block, and the words of the transcript. */
hark_status hark_transcribe_file(hark_recognizer *r, const char *path,
                                 const hark_segment_params *p, hark_transcript_fn on_segment,
                                 void *user_data, hark_transcript *out);

/* Shorthand: a recognizer of m with greedy decoding and the default segmentation. */
hark_status hark_model_transcribe_file(const hark_model *m, const char *path, hark_transcript *out);

/* ---- Decoders for the recognizer ------------------------------------------------------------
 * Adapters that plug the beam search (hark/decode.h) into a recognizer
 * (hark_recognizer_set_decoder): with a streaming recognizer the live beam follows the audio
 * (partials are its best hypothesis); buffered recognizers run the search again over the frames
 * so far for each partial they refresh, and once more at finish. The last finished result
 * (n-best list) stays readable until the next finish. */
typedef struct hark_beam_plugin hark_beam_plugin;

/* d must outlive the plugin. NULL on allocation failure. */
hark_beam_plugin *hark_beam_plugin_create(const hark_decoder *d);
void hark_beam_plugin_free(hark_beam_plugin *p);
/* The hook to pass to hark_recognizer_set_decoder / hark_listener_set_decoder. */
hark_recognizer_decoder hark_beam_plugin_hook(hark_beam_plugin *p);
/* The last finished utterance's result (its transcript moved to the recognizer's caller). */
const hark_decode_result *hark_beam_plugin_last(const hark_beam_plugin *p);
/* Seconds spent in the search so far (for real-time factors next to the acoustic model's). */
double hark_beam_plugin_seconds(const hark_beam_plugin *p);

/* Grammar decoding (hark/grammar.h) at finish. The last result carries the intent and slots read
 * off the best path (or "none" when rejected, no intent for silence). */
typedef struct hark_grammar_plugin hark_grammar_plugin;

hark_grammar_plugin *hark_grammar_plugin_create(const hark_grammar_decoder *d);
void hark_grammar_plugin_free(hark_grammar_plugin *p);
/* The hook for decoding whole utterances (files): the recognizer's partials stay greedy. */
hark_recognizer_decoder hark_grammar_plugin_hook(hark_grammar_plugin *p);
/* The hook for live use: an incremental grammar search (hark_grammar_stream) also follows the
 * frames, so partials are the grammar path's words; it about doubles the search's cost. */
hark_recognizer_decoder hark_grammar_plugin_hook_partials(hark_grammar_plugin *p);
const hark_grammar_result *hark_grammar_plugin_last(const hark_grammar_plugin *p);
double hark_grammar_plugin_seconds(const hark_grammar_plugin *p);

/* ---- The listener ---------------------------------------------------------------------------- */

typedef enum hark_listener_source {
    HARK_SOURCE_CAPTURE, /* a capture device (hark/capture.h; PortAudio is initialised here) */
    HARK_SOURCE_FILE,    /* an audio file, read in blocks */
    HARK_SOURCE_PUSH     /* the caller feeds samples with hark_listener_push */
} hark_listener_source;

/* A finished utterance. */
typedef struct hark_listener_final {
    const hark_transcript *transcript; /* times relative to the utterance's start */
    double start, end;  /* stream seconds of the first and last word (end of speech if none) */
    double speech_end;  /* stream seconds at which the endpointer heard the end of speech */
    double emitted;     /* stream seconds (plus decoding time) when the result was ready */
} hark_listener_final;

typedef struct hark_listener_callbacks {
    /* Audio is flowing: the device's name and rate (file sources: the file and its rate). */
    void (*on_ready)(const char *device, double rate, void *user_data);
    void *ready_data;
    /* An utterance began at stream time t (pre-roll included). */
    void (*on_speech_start)(double t, void *user_data);
    void *speech_start_data;
    /* The partial transcript changed (only called when it differs from the last one). */
    void (*on_partial)(const char *text, double start, double end, void *user_data);
    void *partial_data;
    /* A final transcript (utterances that decode to nothing or below min_confidence are
     * rejected instead: on_rejected). */
    void (*on_final)(const hark_listener_final *f, void *user_data);
    void *final_data;
    void (*on_rejected)(const hark_transcript *t, double speech_end, void *user_data);
    void *rejected_data;
    /* The assistant's understanding of a final transcript: intent, slots and the response
     * (spoken afterwards when params.speak). */
    void (*on_intent)(const hark_intent_result *r, const char *text, void *user_data);
    void *intent_data;
    /* A timer the assistant set is due; `message` is what is said. */
    void (*on_timer)(const hark_timer *t, const char *message, void *user_data);
    void *timer_data;
    /* A recoverable error (the assistant failed on one utterance, speech output failed). Fatal
     * errors end hark_listener_run with a status instead. */
    void (*on_error)(hark_status status, const char *message, void *user_data);
    void *error_data;
} hark_listener_callbacks;

/* How the listener decodes. */
typedef enum hark_listener_decoding {
    HARK_LISTEN_AUTO = 0, /* the intent file's grammar when there is one and a grammar decoder
                           * can be built for the model (else as GREEDY); phrases, when set, win */
    HARK_LISTEN_GREEDY,   /* greedy (or the phrases; a phone model: the beam search over its
                           * lexicon's words); intents from the text classifier */
    HARK_LISTEN_GRAMMAR,  /* speech to intent by decoding under the intent file's grammar: intent
                           * and slots come off the best path, speech outside it is "none" */
    HARK_LISTEN_BEAM      /* dictation: the prefix beam search (beam, lm_path), partials from the
                           * live beam on streaming models; intents from the text classifier */
} hark_listener_decoding;

typedef struct hark_listener_params {
    hark_listener_source source;
    const char *device;      /* capture: device spec (hark_device_find), NULL: the default */
    double capture_rate;     /* capture: rate to ask for, 0: the device's own */
    const char *path;        /* file: the audio file ("-": standard input) */
    int realtime;            /* file: 1 plays it at real-time pace (default), 0 as fast as possible */
    double push_rate;        /* push: the rate of the samples the caller pushes (0: the model's) */
    const char *intents_path; /* the intent file; NULL: transcripts only, no intents */
    hark_assistant_params assistant; /* hark_assistant_default_params() */
    int speak;               /* speak responses and timers with espeak-ng (default 0) */
    const char *voice;       /* espeak-ng voice, NULL: "en" */
    const char *const *phrases; /* closed vocabulary (hark_recognizer_set_phrases), or NULL */
    size_t n_phrases;
    hark_endpoint_params endpoint; /* its vad.threshold_db is used; the rate is the model's */
    double min_confidence;   /* finals less likely than this are rejected (default 0.1) */
    double max_seconds;      /* stop after this much audio, 0: never */
    int partials;            /* compute partial transcripts (default 1) */
    hark_listener_decoding decoding; /* default HARK_LISTEN_AUTO */
    hark_grammar_params grammar;     /* HARK_LISTEN_GRAMMAR/AUTO (hark_grammar_default_params) */
    hark_decode_params beam;         /* HARK_LISTEN_BEAM (hark_decode_default_params) */
    const char *lm_path;             /* HARK_LISTEN_BEAM: an ARPA language model, or NULL */
    int dither;              /* add one 16-bit step of triangular dither (default 1) */
} hark_listener_params;

hark_listener_params hark_listener_default_params(void);

typedef struct hark_listener hark_listener;

/* Validates the parameters and the inputs first (the file exists and is audio, the device is
 * found and opens, the intent file is readable), then does the expensive set-up (training the
 * intent classifier, loading speech output). The model must outlive the listener. NULL with a
 * message naming the file or device and the reason. */
hark_listener *hark_listener_create(const hark_model *model, const hark_listener_params *p,
                                    const hark_listener_callbacks *cb);
void hark_listener_free(hark_listener *L);

/* Plug a decoder into the listener's recognizer (hark_recognizer_set_decoder), in place of the
 * one p.decoding chose; intents then come from the text classifier. */
hark_status hark_listener_set_decoder(hark_listener *L, const hark_recognizer_decoder *d);
/* The listener's recognizer and assistant (NULL without an intent file), e.g. to configure. */
hark_recognizer *hark_listener_recognizer(hark_listener *L);
hark_assistant *hark_listener_assistant(hark_listener *L);

/* Capture and file sources: run until the source ends, max_seconds, or hark_listener_stop.
 * HARK_OK on a normal end or stop; the status of a fatal error (a lost device, a bad block). */
hark_status hark_listener_run(hark_listener *L);
/* Ask run to return soon (async-signal-safe). */
void hark_listener_stop(hark_listener *L);
/* 1 once stop was asked for. */
int hark_listener_stopped(const hark_listener *L);

/* Push sources: feed samples at push_rate, any chunk size; events come from inside the call.
 * flush ends the stream (an open utterance is finished); samples pushed afterwards start a new
 * stream on the same clock. */
hark_status hark_listener_push(hark_listener *L, const float *x, size_t n);
hark_status hark_listener_flush(hark_listener *L);

typedef struct hark_listener_stats {
    double seconds;       /* stream seconds consumed */
    long utterances;      /* finals delivered */
    long rejected;        /* utterances rejected */
    uint64_t overruns;    /* capture overruns while listening (not while speaking) */
    uint64_t dropped;     /* frames dropped by the capture ring */
    double rate;          /* the source's rate */
} hark_listener_stats;

void hark_listener_get_stats(const hark_listener *L, hark_listener_stats *s);

#ifdef __cplusplus
}
#endif
#endif
