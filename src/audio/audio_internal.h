/* audio_internal.h - shared inside src/audio: resampling a signal of known length in pieces
 * straight into its final buffer, so a file can be decoded block by block into the resampler
 * without a full-length intermediate copy. */
#ifndef HARK_AUDIO_INTERNAL_H
#define HARK_AUDIO_INTERNAL_H

#include <stddef.h>

#include "hark/core.h"

typedef struct audio_sink {
    void *soxr;   /* soxr_t */
    float *out;   /* want samples */
    size_t want;  /* round(n_in * out_rate / in_rate) */
    size_t have;  /* written so far */
} audio_sink;

/* Prepare to resample n_in samples from in_rate to out_rate (rates already validated). */
hark_status audio_sink_init(audio_sink *s, int in_rate, int out_rate, size_t n_in);
/* Feed the next n samples; output beyond `want` is dropped. */
hark_status audio_sink_feed(audio_sink *s, const float *in, size_t n);
/* Drain the filter, zero-pad to exactly `want` samples and hand the buffer over. */
hark_status audio_sink_finish(audio_sink *s, float **out, size_t *n_out);
/* Release everything not handed over (safe after finish and on error paths). */
void audio_sink_free(audio_sink *s);

#endif
