/* tts.c - spoken replies: espeak-ng synthesises into memory (synchronous mode, samples handed to
 * a callback) and PortAudio plays the buffer with blocking writes. Keeping synthesis and playback
 * apart lets the listener know exactly how long it must stay deaf to its own voice. */
#include <stdlib.h>
#include <string.h>

#include <espeak-ng/speak_lib.h>
#include <portaudio.h>

#include "hark/capture.h"

struct hark_tts {
    int rate;
};

/* espeak-ng keeps global state: one synthesiser at a time. It is initialised once per process and
 * never terminated: espeak_Terminate in Debian 12's espeak-ng 1.51 waits forever on its internal
 * event thread, even in synchronous mode. The process exit releases it. */
static int tts_alive;
static int espeak_rate;

typedef struct {
    float *buf;
    size_t n, cap;
    int failed;
} synth_sink;

static int on_samples(short *wav, int n, espeak_EVENT *events)
{
    synth_sink *s = events ? events->user_data : NULL;
    if (!s || !wav || n <= 0)
        return 0;
    if (s->n + (size_t)n > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16384;
        while (cap < s->n + (size_t)n)
            cap *= 2;
        float *b = realloc(s->buf, cap * sizeof *b);
        if (!b) {
            s->failed = 1;
            return 1; /* stop synthesis */
        }
        s->buf = b;
        s->cap = cap;
    }
    for (int i = 0; i < n; i++)
        s->buf[s->n + (size_t)i] = (float)wav[i] / 32768.0f;
    s->n += (size_t)n;
    return 0;
}

hark_tts *hark_tts_create(const char *voice)
{
    if (tts_alive) {
        hark_error(HARK_ERR_INVALID_ARG, "speech output: only one synthesiser at a time");
        return NULL;
    }
    if (espeak_rate <= 0)
        espeak_rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 200, NULL,
                                        espeakINITIALIZE_DONT_EXIT);
    int rate = espeak_rate;
    if (rate <= 0) {
        hark_error(HARK_ERR_UNSUPPORTED, "speech output: espeak-ng could not start (is "
                   "espeak-ng-data installed?)");
        return NULL;
    }
    if (espeak_SetVoiceByName(voice ? voice : "en") != EE_OK) {
        hark_error(HARK_ERR_UNSUPPORTED, "speech output: espeak-ng has no voice '%s'",
                   voice ? voice : "en");
        return NULL;
    }
    espeak_SetSynthCallback(on_samples);
    hark_tts *t = calloc(1, sizeof *t);
    if (!t) {
        hark_error(HARK_ERR_NOMEM, "speech output: out of memory");
        return NULL;
    }
    t->rate = rate;
    tts_alive = 1;
    return t;
}

void hark_tts_free(hark_tts *t)
{
    if (!t)
        return;
    tts_alive = 0;
    free(t);
}

int hark_tts_sample_rate(const hark_tts *t) { return t->rate; }

hark_status hark_tts_synth(hark_tts *t, const char *text, float **samples, size_t *n)
{
    *samples = NULL;
    *n = 0;
    if (!t || !text)
        return hark_error(HARK_ERR_INVALID_ARG, "speech output: no text");
    synth_sink sink = {0};
    espeak_ERROR e = espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8,
                                  NULL, &sink);
    if (e != EE_OK || sink.failed) {
        free(sink.buf);
        return hark_error(sink.failed ? HARK_ERR_NOMEM : HARK_ERR_INTERNAL,
                          "speech output: espeak-ng failed to synthesise \"%.40s\"", text);
    }
    *samples = sink.buf;
    *n = sink.n;
    return HARK_OK;
}

hark_status hark_tts_play(int device, const float *samples, size_t n, double rate)
{
    if (device < 0)
        device = Pa_GetDefaultOutputDevice();
    const PaDeviceInfo *d = device >= 0 ? Pa_GetDeviceInfo(device) : NULL;
    if (!d || d->maxOutputChannels < 1)
        return hark_error(HARK_ERR_DEVICE, "no audio output device to speak through");
    PaStreamParameters out = {device, 1, paFloat32, d->defaultHighOutputLatency, NULL};
    PaStream *s = NULL;
    PaError e = Pa_OpenStream(&s, NULL, &out, rate, 1024, paClipOff, NULL, NULL);
    if (e == paNoError)
        e = Pa_StartStream(s);
    for (size_t i = 0; e == paNoError && i < n; i += 1024) {
        unsigned long m = n - i < 1024 ? (unsigned long)(n - i) : 1024;
        e = Pa_WriteStream(s, samples + i, m);
        if (e == paOutputUnderflowed)
            e = paNoError;
    }
    if (s) {
        if (e == paNoError)
            e = Pa_StopStream(s); /* waits for the buffered tail */
        else
            Pa_AbortStream(s);
        Pa_CloseStream(s);
    }
    if (e != paNoError)
        return hark_error(HARK_ERR_DEVICE, "audio device %s: cannot play: %s", d->name,
                          Pa_GetErrorText(e));
    return HARK_OK;
}
