/* tts.c - spoken replies: espeak-ng synthesises into memory (synchronous mode, samples handed to
 * a callback) and PortAudio plays the buffer with blocking writes. Keeping synthesis and playback
 * apart lets the listener know exactly how long it must stay deaf to its own voice. */
#include <stdlib.h>
#include <string.h>

#include <espeak-ng/speak_lib.h>
#include <portaudio.h>

#include "audio/espeak_internal.h"
#include "hark/capture.h"

struct hark_tts {
    int rate;
    char voice[128]; /* set again before every reply: the phonemizer also selects voices */
};

/* espeak-ng keeps global state (audio/espeak_internal.h): one synthesiser at a time. */
static int tts_alive;

hark_tts *hark_tts_create(const char *voice)
{
    if (tts_alive) {
        hark_error(HARK_ERR_INVALID_ARG, "speech output: only one synthesiser at a time");
        return NULL;
    }
    int rate = 0;
    if (audio_espeak_start(&rate) != HARK_OK) {
        hark_error(HARK_ERR_UNSUPPORTED, "speech output: %s", hark_last_error());
        return NULL;
    }
    if (!voice)
        voice = "en";
    if (strlen(voice) >= sizeof ((hark_tts *)0)->voice || audio_espeak_set_voice(voice) != HARK_OK) {
        hark_error(HARK_ERR_UNSUPPORTED, "speech output: espeak-ng has no voice '%s'", voice);
        return NULL;
    }
    hark_tts *t = calloc(1, sizeof *t);
    if (!t) {
        hark_error(HARK_ERR_NOMEM, "speech output: out of memory");
        return NULL;
    }
    t->rate = rate;
    strcpy(t->voice, voice);
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
    if (audio_espeak_set_voice(t->voice) != HARK_OK)
        return hark_error(HARK_ERR_UNSUPPORTED, "speech output: espeak-ng has no voice '%s'",
                          t->voice);
    return audio_espeak_render("speech output", text, samples, n);
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
