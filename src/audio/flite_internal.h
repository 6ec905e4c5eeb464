/* flite_internal.h - the one place libhark drives flite (CMU's Festival-lite, Debian's
 * flite1-dev), for synthetic training speech (src/corpus/synth.c). The voices are the five US
 * English voices linked into libhark: kal and kal16 (diphone, male), awb (male, Scottish), rms
 * (male) and slt (female), the last three clustergen voices.
 *
 * flite keeps process-wide state: its voices are registered once per process on first use and
 * never released (process exit does), and a rendering changes the shared voice's features, so
 * none of these calls is thread-safe: render from one thread at a time. */
#ifndef HARK_FLITE_INTERNAL_H
#define HARK_FLITE_INTERNAL_H

#include <stddef.h>

#include "hark/core.h"

/* The linked voices, comma-separated ("kal,kal16,awb,rms,slt"). */
const char *audio_flite_voices(void);

/* HARK_OK if `voice` is one of the linked voices, else HARK_ERR_UNSUPPORTED naming it. `what`
 * prefixes the message. */
hark_status audio_flite_check_voice(const char *what, const char *voice);

/* The range of mean F0 (Hz) that sounds natural for `voice`, around the voice's own; 0 and 0
 * for an unknown voice. rms keeps its own pitch (about 100 Hz) whatever mean is asked (measured
 * on flite 2.2), so its range only documents that pitch. */
void audio_flite_f0_range(const char *voice, double *lo, double *hi);

/* Render UTF-8 text with `voice`, a seed, a duration stretch (flite's duration_stretch: 1 = the
 * durations of the voice's model, larger is slower; kal declares 1.1 as its own; 0.2..5) and a
 * mean F0 in Hz (0 = the voice's own; else 40..500) into malloc'd mono float samples in [-1, 1]
 * at the voice's own rate (*rate: 8000 for kal, 16000 for the others). flite's own fatal errors
 * are caught (it would otherwise exit) and returned as HARK_ERR_INTERNAL; flite may still write
 * a line of its own to stderr in that case. The clustergen voices (awb, rms, slt) excite their
 * filters with noise from the C library's rand(): srand(seed) runs first, so the same seed
 * gives the same samples, and the process's rand() sequence is reseeded. */
hark_status audio_flite_render(const char *what, const char *voice, unsigned seed, double stretch,
                               double f0, const char *text, float **samples, size_t *n,
                               int *rate);

#endif
