/* hark/corpus.h - labelled speech corpora: readers for native layouts and plain manifests,
 * splits, transcript normalisation for ASR, and length bucketing for training.
 *
 * A corpus is opened from a spec "PATH[:SPLIT]" and becomes a read-only list of utterances
 * (audio path, normalised transcript, speaker, duration), sorted by audio path.
 *
 * PATH is a manifest file or a directory in one of these layouts (detected in this order):
 *   manifest         a UTF-8 TSV file: `path<TAB>transcript[<TAB>speaker]` per line, paths
 *                    relative to the manifest's directory (or absolute); blank lines and lines
 *                    starting with '#' are skipped; CRLF line ends are accepted.
 *   Speech Commands  a directory with validation_list.txt and/or testing_list.txt (or a
 *                    _background_noise_ folder) and one folder per word (transcript = folder
 *                    name; `_silence_` = empty transcript; other folders starting with '_' are
 *                    skipped); speaker = HASH of HASH_nohash_N.wav/.flac.
 *   LJSpeech         metadata.csv (`ID|raw|normalised`, pipe-separated, CRLF) and wavs/ID.wav
 *                    or wavs/ID.flac; the third column is the transcript; one speaker "LJ".
 *   Common Voice     clips/ and NAME.tsv files with a header naming the columns `path`,
 *                    `sentence` and (optional) `client_id` (the speaker).
 *   FSDD             Free Spoken Digit Dataset: {digit}_{speaker}_{take}.wav in the directory
 *                    (or in its recordings/ folder); transcript = the digit's English word.
 *   LibriSpeech      *.trans.txt files (`UTTID TRANSCRIPT` lines) below the directory (detected
 *                    when one is at most three levels down), beside UTTID.flac (or .wav);
 *                    speaker = UTTID up to its first '-'.
 * A directory in none of these layouts is an error naming the directory and what was looked for.
 *
 * The ':' rule: if the whole spec names an existing file or directory, it is the PATH and there
 * is no split (so paths containing ':' work). Otherwise the spec is split at its LAST ':' and the
 * part before it must exist.
 *
 * SPLIT is a comma-separated list of filters that must all hold:
 *   NAME              a split of the layout (at most one):
 *                       FSDD: train (takes 5-49), test (takes 0-4)
 *                       Speech Commands: train (in neither list; alias training),
 *                         validation (alias dev), test (alias testing)
 *                       LJSpeech: train, dev (the last 10% of clips in ID order, rounded up;
 *                         alias validation)
 *                       LibriSpeech: the name of a subdirectory of PATH (e.g. dev-clean)
 *                       Common Voice: the name of a TSV beside clips/ (train, dev, test,
 *                         validated, ...); without a NAME: train+dev+test, else validated
 *                       manifest: none
 *                     `all` (every utterance) is accepted everywhere.
 *   speaker=A+B       only utterances of these speakers
 *   speaker!=A+B      every utterance except those of these speakers
 * A speaker filter naming a speaker that is not in the selected split is an error (catches
 * typos). Examples: `fsdd:test`, `fsdd:train,speaker!=theo` (leave theo out),
 * `fsdd:speaker=theo` (only theo), `speech_commands:validation`, `LibriSpeech:dev-clean`.
 *
 * Errors: a malformed corpus fails to open with HARK_ERR_FORMAT and a message naming the file and
 * line (a manifest line with a missing audio file, invalid UTF-8, no tab or an empty transcript;
 * a Speech Commands list naming a file that is not there; an audio file libsndfile cannot read);
 * a missing path is HARK_ERR_IO; an unknown split or speaker is HARK_ERR_INVALID_ARG. */
#ifndef HARK_CORPUS_H
#define HARK_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "hark/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- transcripts ---------------------------------------------------------------------- */

/* Normalise a UTF-8 transcript for ASR: lower case; keep only a-z, apostrophe and single spaces;
 * Latin letters with accents lose them (é -> e, ß -> ss, æ -> ae); typographic apostrophes
 * (U+2018, U+2019) become "'", and an apostrophe survives only between two letters ("don't",
 * not "'quoted'"); "%" and "&" become "percent" and "and"; numbers become words as simple
 * cardinals ("42" -> "forty two", "1,000" -> "one thousand", "3.5" -> "three point five",
 * "2nd" -> "second"; digit strings with a leading zero or of more than 12 digits are read digit
 * by digit); every other character
 * (punctuation, symbols, other scripts, invalid UTF-8 bytes) separates words. No leading or
 * trailing space.
 * Writes at most cap bytes including the NUL to `out` (cap 0: nothing) and returns the length
 * of the full normalised text, like snprintf: the result was truncated if the return >= cap
 * (numbers can make it longer than the input; call once with cap 0 to size a buffer). */
size_t hark_text_normalize(const char *in, char *out, size_t cap);

/* 1 if the `len` bytes at `s` are valid UTF-8 (no overlongs, surrogates or code points beyond
 * U+10FFFF), else 0. */
int hark_text_valid_utf8(const char *s, size_t len);

/* ---- corpora ---------------------------------------------------------------------------- */

typedef enum hark_corpus_layout {
    HARK_CORPUS_MANIFEST = 0,
    HARK_CORPUS_FSDD,
    HARK_CORPUS_SPEECH_COMMANDS,
    HARK_CORPUS_LJSPEECH,
    HARK_CORPUS_LIBRISPEECH,
    HARK_CORPUS_COMMON_VOICE,
    HARK_CORPUS_MIXED /* after hark_corpus_append of a different layout */
} hark_corpus_layout;

/* A static name: "manifest", "fsdd", "speech_commands", "ljspeech", "librispeech",
 * "common_voice", "mixed". */
const char *hark_corpus_layout_name(hark_corpus_layout layout);

/* One utterance. Strings are owned by the corpus and live until hark_corpus_free. */
typedef struct hark_utt {
    const char *path;    /* audio file, absolute (the corpus root is resolved with realpath) */
    const char *text;    /* transcript normalised by hark_text_normalize ("" = no speech) */
    const char *speaker; /* speaker id ("" = unknown) */
    const char *id;      /* utterance id, e.g. "7_theo_0", "yes/0a2b400e_nohash_0", "LJ001-0001" */
    double duration;     /* seconds (from the file header), or -1 when not read */
} hark_utt;

typedef struct hark_corpus hark_corpus;

typedef struct hark_corpus_params {
    /* 1: open each audio file's header with libsndfile (no decoding) to get its duration and to
     * check it is readable audio; 0: only check the file exists, duration = -1. Default 1. */
    int read_durations;
} hark_corpus_params;

hark_corpus_params hark_corpus_default_params(void);

/* Open a corpus from "PATH[:SPLIT]" (see the top of this file) with default parameters.
 * Returns NULL and sets the error message on failure. */
hark_corpus *hark_corpus_open(const char *spec);

/* The same with explicit parameters (params NULL: defaults). */
hark_corpus *hark_corpus_open_with(const char *spec, const hark_corpus_params *params);

/* The same again, returning the status (HARK_ERR_IO, HARK_ERR_FORMAT, HARK_ERR_INVALID_ARG...)
 * so callers can tell a malformed corpus from a mistyped split; *out is NULL on failure. */
hark_status hark_corpus_load(const char *spec, const hark_corpus_params *params,
                             hark_corpus **out);

/* Add the utterances of another spec to `c` (e.g. training on two corpora), keeping the whole
 * list sorted by path. On failure `c` is unchanged. */
hark_status hark_corpus_append(hark_corpus *c, const char *spec, const hark_corpus_params *params);

void hark_corpus_free(hark_corpus *c);

/* Number of utterances. */
size_t hark_corpus_size(const hark_corpus *c);

/* Utterance i (0 <= i < size), or NULL when out of range. */
const hark_utt *hark_corpus_get(const hark_corpus *c, size_t i);

/* The layout the corpus was read in (HARK_CORPUS_MANIFEST for NULL). */
hark_corpus_layout hark_corpus_get_layout(const hark_corpus *c);

/* The spec(s) the corpus was opened from, e.g. "/data/fsdd:train" ("A + B" after append). */
const char *hark_corpus_spec(const hark_corpus *c);

/* Summary figures. Durations count only utterances whose duration is known. */
typedef struct hark_corpus_stats {
    size_t n;             /* utterances */
    size_t n_speakers;    /* distinct non-empty speaker ids */
    size_t n_empty;       /* utterances with an empty transcript (no speech) */
    size_t n_timed;       /* utterances with a known duration */
    double total_seconds; /* sum of known durations */
    double min_seconds, mean_seconds, max_seconds; /* 0 when n_timed == 0 */
    size_t longest;       /* index of the longest utterance (0 when n_timed == 0) */
} hark_corpus_stats;

/* Fill *stats (HARK_ERR_INVALID_ARG for NULL arguments, HARK_ERR_NOMEM). */
hark_status hark_corpus_get_stats(const hark_corpus *c, hark_corpus_stats *stats);

/* The distinct bytes used by the transcripts, ascending, NUL-terminated, into out[cap]
 * (cap >= 257 always suffices). Returns the number of distinct bytes; the output was truncated
 * if that is >= cap. With normalised transcripts this is a subset of " 'a-z". */
size_t hark_corpus_charset(const hark_corpus *c, char *out, size_t cap);

/* ---- length bucketing ------------------------------------------------------------------- */

/* Batches of utterances of similar duration, for padded mini-batch training: the utterances are
 * sorted by duration (optionally perturbed by a seeded relative jitter so batch membership
 * changes from epoch to epoch), cut into consecutive batches, and the batch order is shuffled
 * with a seed. Durations <= 0 (unknown) sort first, in index order. */
typedef struct hark_batch_params {
    size_t max_utts;     /* at most this many utterances per batch (default 16, >= 1) */
    double max_seconds;  /* padded size limit: count x longest duration <= this; a single longer
                            utterance still forms a batch of one (0 = no limit; default 0) */
    double max_duration; /* leave out utterances longer than this many seconds (0 = keep all) */
    double jitter;       /* relative jitter on durations when shuffling, 0..1 (default 0.1) */
} hark_batch_params;

hark_batch_params hark_batch_default_params(void);

typedef struct hark_batcher hark_batcher;

/* A batcher over n utterances with these durations (seconds[i] for utterance index i; the
 * array is copied). params NULL: defaults. The initial plan is plan(seed 0, shuffle 0). */
hark_batcher *hark_batcher_new(const double *seconds /* [n] */, size_t n,
                               const hark_batch_params *params);

/* The same with the corpus's durations. */
hark_batcher *hark_batcher_from_corpus(const hark_corpus *c, const hark_batch_params *params);

/* Re-plan the batches for an epoch and return their number. shuffle 0: sorted by duration,
 * shortest batch first, no jitter (deterministic; e.g. for a first "SortaGrad" epoch or for
 * evaluation); shuffle 1: jittered sort and shuffled batch order, a pure function of seed. */
size_t hark_batcher_plan(hark_batcher *b, uint64_t seed, int shuffle);

/* Number of batches in the current plan. */
size_t hark_batcher_count(const hark_batcher *b);

/* Batch i of the current plan: *count utterance indices (into the durations / the corpus). The
 * pointer stays valid until the next plan or free. NULL when i is out of range. */
const size_t *hark_batcher_batch(const hark_batcher *b, size_t i, size_t *count);

/* Number of utterances left out by max_duration. */
size_t hark_batcher_dropped(const hark_batcher *b);

void hark_batcher_free(hark_batcher *b);


/* ---- synthetic corpora (espeak-ng, flite) ------------------------------------------------ *
 * Renders sentences with espeak-ng voices and, when asked, flite voices into a folder of WAV
 * files plus a manifest.tsv (`path<TAB>transcript<TAB>speaker`, paths relative to the folder)
 * that hark_corpus_open reads, so a domain can be trained without recordings. Each rendering
 * draws a voice (every voice of every engine in use equally likely), then for espeak-ng a variant
 * (its voice modifiers: m1..m7, f1..f5, klatt...), a speaking rate, a pitch and a pitch range,
 * for flite a duration stretch and a mean F0 within the voice's natural range, from a generator
 * seeded by `seed`, so a run in a fresh process is reproducible (within one process espeak-ng
 * carries a little state, such as its echo buffer, from one utterance to the next, so samples
 * may differ slightly; the choices do not). The speaker column is the espeak-ng voice (e.g.
 * "en-us+f2") or "flite-" and the flite voice (e.g. "flite-kal"; no colon, so that a
 * `CORPUS:speaker!=flite-kal` filter can name it).
 * Both engines keep process-wide state (flite registers its voices once per process and never
 * releases them) and the spoken-reply module (hark_tts, hark/capture.h) uses espeak-ng: never
 * run a synth call and a hark_tts object at the same time, or two synth calls in two threads. */

typedef struct hark_synth_params {
    int sample_rate;          /* rate of the written WAVs, Hz (default 16000) */
    const char *voices;       /* comma-separated espeak-ng voice names (NULL: the default set) */
    const char *variants;     /* comma-separated variants; "none" = the plain voice (NULL:
                               * the default set) */
    int per_sentence;         /* renderings of each sentence (default 1) */
    uint64_t seed;            /* drives every random choice (default 1) */
    int rate_min, rate_max;   /* speaking rate, words per minute (default 120..220) */
    int pitch_min, pitch_max; /* espeak-ng pitch, 0..100, 50 = the voice's own (default 25..75) */
    int range_min, range_max; /* pitch range, 0..100, 0 = monotone (default 20..80) */
    const char *engines;      /* comma-separated engines: "espeak", "flite" (NULL: "espeak") */
    const char *flite_voices; /* comma-separated flite voices (NULL: kal,kal16,awb,rms,slt) */
    double stretch_min, stretch_max; /* flite duration stretch, 0.2..5, larger is slower
                                      * (default 0.8..1.3) */
    int augment;              /* 1: random gain (-12..0 dB), faint white noise (30..50 dB SNR)
                               * and random silence (0..0.25 s) around the speech; 0: speech
                               * trimmed with 0.1 s of silence each side (default 0) */
} hark_synth_params;

hark_synth_params hark_synth_default_params(void);

/* The default voice and variant lists (comma-separated), for --help. */
const char *hark_synth_default_voices(void);
const char *hark_synth_default_variants(void);
const char *hark_synth_default_flite_voices(void);

/* Check the parameters that need no engine: rate, counts and ranges, and the engine list
 * (HARK_ERR_INVALID_ARG naming the problem). Voices are checked by hark_synth_corpus. */
hark_status hark_synth_check_params(const hark_synth_params *p);

/* Called after each written file; return non-zero to stop (HARK_ERR_INTERRUPTED). */
typedef int (*hark_synth_progress_fn)(size_t done, size_t total, void *user_data);

/* Render one text with espeak-ng voice `voice` (e.g. "en-us+f2") at `wpm`, `pitch` and `range`,
 * resampled to `sample_rate`. *samples (malloc'd, in [-1,1]) and *n are set on success.
 * HARK_ERR_UNSUPPORTED when espeak-ng or its data is missing or the voice is unknown. */
hark_status hark_synth_render(const char *voice, int wpm, int pitch, int range, const char *text,
                              int sample_rate, float **samples, size_t *n);

/* Render one text with flite voice `voice` (kal, kal16, awb, rms or slt) at duration stretch
 * `stretch` (flite's duration_stretch, 0.2..5: 1 = the voice model's durations, larger is
 * slower) and mean F0 `f0` Hz (0: the voice's own, else 40..500; rms keeps its own pitch
 * whatever is asked), resampled from the voice's rate (8000 Hz for kal, else 16000 Hz) to
 * `sample_rate`. *samples (malloc'd, in [-1,1]) and *n are set on success.
 * `seed` seeds the noise of the clustergen voices (awb, rms, slt), which flite draws from the C
 * library's rand(): the call reseeds rand() (srand), and the same arguments give the same samples.
 * HARK_ERR_UNSUPPORTED for an unknown voice, HARK_ERR_INVALID_ARG for values out of range. */
hark_status hark_synth_render_flite(const char *voice, double stretch, double f0, unsigned seed,
                                    const char *text, int sample_rate, float **samples, size_t *n);

/* Render `n` sentences (UTF-8, as spoken; the manifest gets them normalised by
 * hark_text_normalize, and sentences that normalise to nothing are refused) params->per_sentence
 * times each into `dir` (created if missing; existing files of the same names are replaced).
 * Every engine, voice and variant is checked before anything is written. `progress` may be NULL. */
hark_status hark_synth_corpus(const char *const *sentences, size_t n, const char *dir,
                              const hark_synth_params *params, hark_synth_progress_fn progress,
                              void *user_data);

#ifdef __cplusplus
}
#endif
#endif
