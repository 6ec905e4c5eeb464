/* espeak_internal.h - the one place libhark drives espeak-ng, shared by spoken replies (tts.c),
 * synthetic training speech (src/corpus/synth.c) and the phonemizer of phone models
 * (src/model/phones.c). espeak-ng keeps global state, so there is one initialisation per process
 * and one call into it at a time (a lock); the voice is global too, so every user sets its own
 * voice before rendering. */
#ifndef HARK_ESPEAK_INTERNAL_H
#define HARK_ESPEAK_INTERNAL_H

#include <stddef.h>

#include "hark/core.h"

/* Initialise espeak-ng once (synchronous mode, samples collected in memory) and give its sample
 * rate. It is never terminated: espeak_Terminate in Debian 12's espeak-ng 1.51 can wait forever
 * on its event thread even in synchronous mode; process exit releases it. */
hark_status audio_espeak_start(int *rate);

/* Render UTF-8 text with the current voice and parameters into malloc'd mono float samples in
 * [-1, 1] at the espeak-ng rate. `what` prefixes error messages ("speech output", "synth"). */
hark_status audio_espeak_render(const char *what, const char *text, float **samples, size_t *n);

/* Select a voice (name, language or "name+variant" as espeak_SetVoiceByName takes); this also
 * resets rate, pitch and range to the voice's own. Every voice change goes through here, so the
 * phonemizer knows when it must select its own again. HARK_ERR_UNSUPPORTED when there is none. */
hark_status audio_espeak_set_voice(const char *voice);

/* Phonemize UTF-8 text with `voice` (which stays selected afterwards): *out gets a malloc'd
 * string of espeak-ng's ASCII phoneme names separated by '|' (stress marks attached as espeak-ng
 * writes them), the words or clauses espeak-ng made separated by spaces; "" when it made none. */
hark_status audio_espeak_phonemes(const char *voice, const char *text, char **out);

#endif
