/* hark/capture.h - live audio: a lock-free ring buffer, PortAudio capture from a microphone,
 * voice activity detection with an adaptive noise floor, endpointing, and spoken replies through
 * espeak-ng.
 *
 * Threads: the PortAudio callback is the only producer of a capture's ring buffer; every other
 * call here runs on one reader thread. Samples are float, full scale +-1. Times are seconds from
 * the first sample a VAD or endpointer was given. */
#ifndef HARK_CAPTURE_H
#define HARK_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "hark/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Ring buffer ----------------------------------------------------------------------------
 * A single-producer/single-consumer queue of floats with a power-of-two capacity, built on C11
 * atomics (acquire/release on the two indices), so a real-time audio callback can hand samples to
 * a reader without locks, allocation or system calls. A write that does not fit is dropped whole
 * and counted as an overrun: the producer never waits and never touches the reader's index, and
 * whole writes keep interleaved channels aligned. */
typedef struct hark_ring hark_ring;

/* A ring holding at least min_capacity floats (rounded up to a power of two, at most 2^30).
 * NULL with HARK_ERR_INVALID_ARG / HARK_ERR_NOMEM. */
hark_ring *hark_ring_create(size_t min_capacity);
void hark_ring_free(hark_ring *ring);
/* The capacity in floats (a power of two). */
size_t hark_ring_capacity(const hark_ring *ring);

/* Producer side. Append all n floats and return 1, or, when fewer than n are free, append
 * nothing, count one overrun and n dropped samples, and return 0. Wait-free. */
int hark_ring_write(hark_ring *ring, const float *x, size_t n);

/* Consumer side. Floats ready to read. */
size_t hark_ring_available(const hark_ring *ring);
/* Move up to max floats into out; returns how many. */
size_t hark_ring_read(hark_ring *ring, float *out, size_t max);

/* Either side: how many writes were dropped, and how many floats they held. */
uint64_t hark_ring_overruns(const hark_ring *ring);
uint64_t hark_ring_dropped(const hark_ring *ring);

/* ---- Devices and capture (PortAudio) --------------------------------------------------------- */

/* Start / stop PortAudio. Every other device call needs an initialised PortAudio. Host APIs (ALSA,
 * JACK) may print to stderr while initialising; callers that care redirect stderr around it.
 * Calls nest (each init needs one terminate). */
hark_status hark_capture_system_init(void);
void hark_capture_system_terminate(void);

typedef struct hark_device_info {
    int index;             /* PortAudio device index */
    char name[128];        /* device name, truncated */
    char host_api[32];     /* "ALSA", "JACK", ... */
    double default_rate;   /* Hz */
    int max_input_channels;
    int max_output_channels;
    int is_default_input;  /* 1 for the host's default input device */
    int is_default_output;
} hark_device_info;

/* Number of devices (inputs and outputs), or -1 with a message when PortAudio fails. */
int hark_device_count(void);
hark_status hark_device_get(int index, hark_device_info *info);
/* Resolve a user's device spec: "" or NULL for the default input, a decimal index, or a
 * case-insensitive substring of an input device's name (the first match). HARK_ERR_DEVICE naming
 * the spec when nothing matches or there is no input device at all. `want_input`: 1 resolves
 * among capture devices, 0 among playback devices. */
hark_status hark_device_find(const char *spec, int want_input, int *index);

typedef struct hark_capture_params {
    int device;               /* PortAudio index; -1: the default input device */
    double sample_rate;       /* Hz to ask for; 0: the device's default rate */
    double buffer_seconds;    /* ring buffer length (the reader may lag this much) */
    unsigned frames_per_buffer; /* callback size in frames; 0: PortAudio chooses */
    double stall_seconds;     /* no samples for this long while running: device lost (at least
                               * 10 s before the first samples arrive) */
} hark_capture_params;

hark_capture_params hark_capture_default_params(void);

/* A running input stream. The callback copies interleaved samples into a ring buffer and counts
 * overruns; hark_capture_read mixes channels down on the reader's side. */
typedef struct hark_capture hark_capture;

/* Open (not yet started) an input stream. When the device refuses params->sample_rate, the
 * device's default rate is used instead (hark_capture_rate tells which; the reader resamples).
 * Mono is preferred; a device that has no mono mode is opened with two channels. NULL with
 * HARK_ERR_DEVICE and the device name and PortAudio's reason. */
hark_capture *hark_capture_open(const hark_capture_params *params);
void hark_capture_close(hark_capture *cap);
hark_status hark_capture_start(hark_capture *cap);
hark_status hark_capture_stop(hark_capture *cap);
/* The rate the stream really runs at, and its channel count. */
double hark_capture_rate(const hark_capture *cap);
int hark_capture_channels(const hark_capture *cap);
/* The device's name, for messages. */
const char *hark_capture_device_name(const hark_capture *cap);

/* Read up to max mono samples, waiting up to timeout_ms for at least one. Sets *got (0 after a
 * timeout). HARK_ERR_DEVICE when the stream has stopped (callback finished, host error) or has
 * delivered nothing for stall_seconds: the device was lost. */
hark_status hark_capture_read(hark_capture *cap, float *out, size_t max, size_t *got,
                              int timeout_ms);
/* Overrun events (the reader fell behind by more than the ring buffer, or the host lost input
 * before the callback ran: PortAudio's input-overflow flag) and frames dropped from the ring. */
uint64_t hark_capture_overruns(const hark_capture *cap);
uint64_t hark_capture_dropped(const hark_capture *cap);

/* ---- Voice activity detection ---------------------------------------------------------------
 * Per 10 ms frame: the frame's energy in dB against an adaptive noise floor. The floor falls fast
 * (it follows quiet), and rises slowly, except when the signal has been steady (low frame-to-frame
 * energy spread, as in fans, taps, hiss): then it rises fast, so steady noise stops counting as
 * speech within a fraction of a second while speech, whose energy swings by syllable, does not
 * lift it. A frame is speech when it is threshold_db above the floor and above an absolute
 * floor (digital silence never counts); hangover keeps the decision on for a few frames after. */
typedef struct hark_vad_params {
    int sample_rate;          /* Hz */
    int frame_ms;             /* analysis frame, 10 by default */
    float threshold_db;       /* speech when this far above the noise floor (default 10) */
    float min_level_db;       /* never speech below this level, dBFS (default -55) */
    float floor_fall_ms;      /* time constant of the floor falling (default 40) */
    float floor_rise_db_s;    /* slow rise of the floor, dB per second (default 2) */
    float steady_spread_db;   /* energy spread below which the signal counts as steady (default 3) */
    float steady_rise_ms;     /* time constant of the floor rising under steady signal (default 150) */
    int hangover_ms;          /* keep "speech" this long after the last loud frame (default 30) */
} hark_vad_params;

hark_vad_params hark_vad_default_params(int sample_rate);

typedef struct hark_vad hark_vad;

/* NULL with HARK_ERR_INVALID_ARG on a bad parameter. */
hark_vad *hark_vad_create(const hark_vad_params *params);
void hark_vad_free(hark_vad *vad);
/* Forget the signal (the floor restarts from the next frames). */
void hark_vad_reset(hark_vad *vad);
/* Start a new stream, or a second pass over the same one, from the noise floor learnt so far:
 * everything else (filter memory, level history, hangover, hold) is forgotten. */
void hark_vad_rewind(hark_vad *vad);
/* Samples per frame (sample_rate * frame_ms / 1000). */
size_t hark_vad_frame_size(const hark_vad *vad);
/* Classify one frame of hark_vad_frame_size samples: 1 speech, 0 not. */
int hark_vad_frame(hark_vad *vad, const float *frame);
/* Diagnostics of the last frame: its level and the noise floor, dBFS. */
float hark_vad_level_db(const hark_vad *vad);
float hark_vad_floor_db(const hark_vad *vad);
/* Periodicity of the last frame (0..1: the peak normalised autocorrelation over voice pitch
 * lags, 70-400 Hz, on a 32 ms window); 0 for frames below the speech threshold. Computed when
 * first asked for (it costs more than the rest of the frame), so ask before the next frame. */
float hark_vad_voicing(hark_vad *vad);
/* Hold the noise floor (hold 1) while an utterance is open, release it (0) when it ends: on
 * voiced frames a held floor may fall but rises only slowly and at most a few dB above its value
 * when the hold began, so a long steady vowel is not taken for noise (unvoiced frames move it as
 * usual). The endpointer does this; hark_vad_reset releases it. */
void hark_vad_hold_floor(hark_vad *vad, int hold);

/* ---- Endpointing ----------------------------------------------------------------------------
 * Cuts a stream into utterances from the VAD's frame decisions. An utterance starts once
 * min_speech_ms of speech frames have been seen within a short window and their level has swung
 * by onset_swing_db (clicks, knocks and noise switching on do not start one). It is delivered
 * with pre_roll_ms of audio from before the first speech frame so word onsets are not clipped.
 * It ends after trailing_silence_ms without speech (or with only sound end_drop_db below its
 * loudest frame: a reverberant tail), or at max_utterance_ms. */
typedef struct hark_endpoint_params {
    hark_vad_params vad;
    int min_speech_ms;        /* speech needed to start an utterance (default 120) */
    int trailing_silence_ms;  /* silence that ends it (default 160) */
    int max_utterance_ms;     /* forced end (default 10000) */
    int pre_roll_ms;          /* audio kept from before the onset (default 250) */
    float onset_swing_db;     /* level swing the onset's speech frames must show (default 8) */
    int min_voiced_ms;        /* voiced (pitched) speech the onset must hold (default 50) */
    float voicing_threshold;  /* hark_vad_voicing at which a frame counts as voiced (default 0.6) */
    float end_drop_db;        /* frames this far below the utterance's peak count as trailing
                               * silence even if the VAD still hears them (default 30) */
} hark_endpoint_params;

hark_endpoint_params hark_endpoint_default_params(int sample_rate);

typedef enum hark_endpoint_event_type {
    HARK_EP_START, /* an utterance begins; `t` is its start time (pre-roll included) */
    HARK_EP_AUDIO, /* samples of the current utterance (the pre-roll arrives first) */
    HARK_EP_END    /* the utterance ended; `t` is the end of its last speech frame */
} hark_endpoint_event_type;

typedef enum hark_endpoint_reason {
    HARK_EP_SILENCE,  /* trailing silence */
    HARK_EP_MAX_LEN,  /* max_utterance_ms reached */
    HARK_EP_FLUSH     /* the stream ended (hark_endpoint_flush) */
} hark_endpoint_reason;

typedef struct hark_endpoint_event {
    hark_endpoint_event_type type;
    double t;                 /* seconds from the stream start */
    const float *samples;     /* HARK_EP_AUDIO: the samples, valid during the callback */
    size_t n;
    hark_endpoint_reason reason; /* HARK_EP_END */
} hark_endpoint_event;

/* Called for each event; a non-HARK_OK return stops the push and is returned from it. */
typedef hark_status (*hark_endpoint_fn)(const hark_endpoint_event *ev, void *user_data);

typedef struct hark_endpoint hark_endpoint;

hark_endpoint *hark_endpoint_create(const hark_endpoint_params *params, hark_endpoint_fn fn,
                                    void *user_data);
void hark_endpoint_free(hark_endpoint *ep);
/* Feed n samples of any chunk size; events are delivered from inside the call. */
hark_status hark_endpoint_push(hark_endpoint *ep, const float *x, size_t n);
/* End of stream: an open utterance ends with HARK_EP_FLUSH. */
hark_status hark_endpoint_flush(hark_endpoint *ep);
/* Drop any open utterance silently and restart the VAD (e.g. after the assistant spoke); the
 * clock keeps running so later times stay on the stream's time line. */
void hark_endpoint_reset(hark_endpoint *ep);
/* Account for n samples that were discarded (muted capture) without analysing them. */
void hark_endpoint_skip(hark_endpoint *ep, size_t n);
/* 1 while inside an utterance. */
int hark_endpoint_in_speech(const hark_endpoint *ep);
/* Seconds of stream consumed so far. */
double hark_endpoint_time(const hark_endpoint *ep);

/* ---- Speech output (espeak-ng) --------------------------------------------------------------- */

typedef struct hark_tts hark_tts;

/* Load espeak-ng (voice: e.g. "en", NULL for "en"). NULL with HARK_ERR_UNSUPPORTED when the
 * espeak-ng data or voice is missing. Only one hark_tts may exist at a time (espeak-ng keeps
 * global state). */
hark_tts *hark_tts_create(const char *voice);
void hark_tts_free(hark_tts *tts);
/* The sample rate of synthesised audio, Hz. */
int hark_tts_sample_rate(const hark_tts *tts);
/* Synthesise text into a malloc'd buffer of mono float samples at hark_tts_sample_rate. */
hark_status hark_tts_synth(hark_tts *tts, const char *text, float **samples, size_t *n);
/* Play mono samples through a PortAudio output device (-1: the default) and return when done. */
hark_status hark_tts_play(int device, const float *samples, size_t n, double rate);

#ifdef __cplusplus
}
#endif
#endif
