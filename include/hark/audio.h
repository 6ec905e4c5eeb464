/* hark/audio.h - audio files and resampling: reading anything libsndfile reads (WAV, FLAC,
 * OGG/Vorbis, headerless raw PCM...), mixing to mono, resampling with libsoxr, writing WAV.
 * Live capture, the ring buffer, VAD and endpointing are in hark/capture.h.
 *
 * Samples are mono float in [-1, 1] everywhere. Every loader either returns HARK_OK with at
 * least one sample, or a status (HARK_ERR_IO: cannot open/read; HARK_ERR_FORMAT: not audio,
 * truncated, zero samples, absurd rate; HARK_ERR_INVALID_ARG: bad parameters) and a one-line
 * message naming the file and the reason (hark_last_error()).
 *
 * Truncated files: a WAV whose header claims more audio than the file holds is an error
 * (HARK_ERR_FORMAT, "truncated: the header claims N bytes of audio but the file holds M"), as is
 * any file that yields fewer frames than announced: silently using part of a recording would
 * corrupt training data and transcripts alike. The one exception is a data length of 0 or
 * 0xFFFFFFFF, the placeholder left by writers that stream and cannot seek back; such files are
 * read to their end with a HARK_LOG_WARN through hark_log. */
#ifndef HARK_AUDIO_H
#define HARK_AUDIO_H

#include <stddef.h>

#include "hark/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sample rates outside this range are rejected as absurd (HARK_ERR_FORMAT). */
#define HARK_AUDIO_MIN_RATE 1000
#define HARK_AUDIO_MAX_RATE 384000

/* What a file holds, before any conversion. */
typedef struct hark_audio_info {
    int sample_rate;     /* Hz */
    int channels;        /* >= 1 */
    size_t frames;       /* samples per channel that can be read */
    double duration;     /* seconds: frames / sample_rate */
    char format[64];     /* libsndfile's description, e.g. "WAV (Microsoft) / Signed 16 bit PCM" */
} hark_audio_info;

/* Sample encodings of headerless raw PCM and of written files. */
typedef enum hark_sample_format {
    HARK_SAMPLE_S16 = 0, /* signed 16-bit (the default) */
    HARK_SAMPLE_S8,
    HARK_SAMPLE_U8,
    HARK_SAMPLE_S24,
    HARK_SAMPLE_S32,
    HARK_SAMPLE_F32,
    HARK_SAMPLE_F64
} hark_sample_format;

/* How to read a headerless raw PCM file (interleaved channels). */
typedef struct hark_audio_raw {
    int sample_rate;           /* Hz, HARK_AUDIO_MIN_RATE..HARK_AUDIO_MAX_RATE */
    int channels;              /* >= 1 */
    hark_sample_format format; /* sample encoding */
    int big_endian;            /* 0: little-endian (the usual), 1: big-endian */
} hark_audio_raw;

/* Parse "s16", "s8", "u8", "s24", "s32", "f32", "f64" (as in sox); else HARK_ERR_INVALID_ARG. */
hark_status hark_audio_parse_sample_format(const char *name, hark_sample_format *out);

/* Read the header of `path` only (cheap: for durations of whole corpora). */
hark_status hark_audio_info_read(const char *path, hark_audio_info *info);

/* Load an audio file as mono float samples.
 *   path         any format libsndfile reads; "-" reads standard input
 *   target_rate  resample to this rate (libsoxr, high quality); 0 keeps the file's rate
 *   samples      out: malloc'd array of *n samples, free() it
 *   n            out: number of samples (>= 1 on success; on failure *samples = NULL, *n = 0)
 *   orig_rate    out (may be NULL): the file's own sample rate
 * Channels are averaged into one. */
hark_status hark_audio_load(const char *path, int target_rate, float **samples, size_t *n,
                            int *orig_rate);

/* Like hark_audio_load for a headerless raw PCM file described by `raw` ("-": standard input). */
hark_status hark_audio_load_raw(const char *path, const hark_audio_raw *raw, int target_rate,
                                float **samples, size_t *n);

/* Like hark_audio_load for a file image already in memory (any libsndfile format; with `raw`
 * non-NULL, headerless PCM). `name` is only used in messages. */
hark_status hark_audio_load_memory(const void *data, size_t size, const char *name,
                                   const hark_audio_raw *raw, int target_rate, float **samples,
                                   size_t *n, int *orig_rate);

/* Write mono samples as a WAV file: HARK_SAMPLE_S16 (16-bit PCM, clipped to [-1,1]) or
 * HARK_SAMPLE_F32 (32-bit float, written as is). The file is written to a temporary name and
 * renamed, so a failure never leaves a half-written file at `path`. */
hark_status hark_audio_write_wav(const char *path, const float *samples, size_t n,
                                 int sample_rate, hark_sample_format format);

/* ---- streaming reader: files of any length with bounded memory ---------------------------- */

/* Reads a file block by block (libsndfile), mixed to mono and resampled with the streaming
 * resampler, so memory does not depend on the file's length ("-" reads standard input, which is
 * held in memory since libsndfile must seek). The same checks as hark_audio_load: a missing,
 * empty, non-audio or absurd file fails at open; truncation and non-finite samples fail at the
 * read that finds them. */
typedef struct hark_audio_reader hark_audio_reader;

/* *out = the reader, or NULL and a status with the message naming the file. target_rate 0
 * keeps the file's rate. */
hark_status hark_audio_reader_open(const char *path, int target_rate, hark_audio_reader **out);
void hark_audio_reader_close(hark_audio_reader *r);
/* The file's own rate, channels and announced length (frames 0 when unknown, as from a pipe). */
hark_status hark_audio_reader_info(const hark_audio_reader *r, hark_audio_info *info);
/* The next block: *samples points to *n mono samples at the target rate, owned by the reader and
 * valid until the next call. *n = 0 means the end of the file (HARK_OK). */
hark_status hark_audio_reader_read(hark_audio_reader *r, const float **samples, size_t *n);

/* ---- resampling (libsoxr, SOXR_HQ) --------------------------------------------------------- */

/* Resample a whole signal from in_rate to out_rate. *out is malloc'd with
 * *n_out = round(n_in * out_rate / in_rate) samples (free() it). Equal rates copy. */
hark_status hark_audio_resample(const float *in, size_t n_in, int in_rate, int out_rate,
                                float **out, size_t *n_out);

/* A streaming resampler: feed chunks of any size, get chunks back. The concatenated output of
 * all process calls plus flush is hark_audio_resample of the concatenated input (within 1e-5,
 * give or take the last sample, which the whole-signal call pins to round(n * ratio)). One
 * object per stream, not thread-safe. The output buffer grows to the largest chunk and is
 * reused, so a steady stream of similar chunks allocates nothing after the first few calls. */
typedef struct hark_resampler hark_resampler;

/* NULL on error (rates out of range; see hark_last_error). */
hark_resampler *hark_resampler_create(double in_rate, double out_rate);
void hark_resampler_free(hark_resampler *r);

/* Feed n_in samples (n_in may be 0). *out points to *n_out output samples owned by r, valid
 * until the next call on r. Output lags input by the filter delay; flush releases the tail. */
hark_status hark_resampler_process(hark_resampler *r, const float *in, size_t n_in,
                                   const float **out, size_t *n_out);

/* End of input: returns the remaining output. After flush, reset before feeding again. */
hark_status hark_resampler_flush(hark_resampler *r, const float **out, size_t *n_out);

/* Forget all input: ready for a new, unrelated signal with the same rates. */
void hark_resampler_reset(hark_resampler *r);

#ifdef __cplusplus
}
#endif
#endif
