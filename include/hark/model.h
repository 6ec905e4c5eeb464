/* hark/model.h - acoustic models: the .hark model file, CTC decoding, recognition (whole files and
 * streams) and error-rate metrics. The trainer is in hark/train.h.
 *
 * A hark_model bundles what turns audio into text: the feature configuration (hark/features.h,
 * including the global CMVN statistics), the recurrent net (hark/nn.h), the output
 * alphabet and free-form metadata (provenance). A loaded model is read-only, so many recognizers
 * (streams, threads) can share one; everything that changes per stream lives in a hark_recognizer.
 *
 * Alphabet: a UTF-8 string whose i-th code point is output symbol i+1; symbol 0 is the CTC blank.
 * The default is " 'abcdefghijklmnopqrstuvwxyz" (space, apostrophe, a-z), V = 29. A phone
 * model's code points are phones instead, and its words reach units through a pronunciation
 * lexicon (see "Units" below).
 *
 * Confidence: for each emitted token, the highest posterior over the frames of its run in the
 * greedy path; the utterance confidence is the geometric mean of these peaks (a per-token
 * probability: 0.9 means the typical token was 90% likely). A word's confidence is the same mean
 * over its tokens. An empty transcript's confidence is the mean blank posterior. */
#ifndef HARK_MODEL_H
#define HARK_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "hark/core.h"
#include "hark/features.h"
#include "hark/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Transcripts ---------------------------------------------------------------------------- */

typedef struct hark_word_time {
    size_t offset;    /* byte offset of the word in hark_transcript.text */
    size_t length;    /* its length in bytes */
    double start;     /* seconds from the start of the audio: the decoders give the first frame of
                         its first token, hark_recognizer_finish the start of its speech */
    double end;       /* seconds: the end of the last frame of its last token, or of its speech */
    float confidence; /* geometric mean of its tokens' peak posteriors */
} hark_word_time;

typedef struct hark_transcript {
    char *text;            /* malloc'd UTF-8, "" when nothing was recognised; never NULL after success */
    float confidence;      /* 0..1, see the top of this file */
    double start;          /* seconds: first word's start (0 when empty) */
    double end;            /* seconds: last word's end (0 when empty) */
    double duration;       /* seconds of audio decoded */
    hark_word_time *words; /* malloc'd, n_words entries */
    size_t n_words;
} hark_transcript;

/* Free what a transcript holds and zero it (safe on a zeroed or already cleared transcript). */
void hark_transcript_clear(hark_transcript *t);

/* Move each word's start and end from the frames where the decoder emitted its units to the
 * edges of the speech around them: frame_db holds the utterance's energy in dB per output frame
 * (T frames of frame_seconds, frame k covering [k, k + 1) * frame_seconds, as the decoders
 * count), and a word reaches outwards over frames at least 6 dB above the quietest frame
 * between it and its neighbour, never into the neighbour (docs/decoding.md, "Word times").
 * hark_recognizer_finish does this for every decoder when it was given samples; callers that
 * run a decoder on their own posteriors can do the same. t->start and t->end follow. */
hark_status hark_transcript_refine_times(hark_transcript *t, const float *frame_db, int T,
                                         double frame_seconds);

/* ---- Decoding ------------------------------------------------------------------------------- */

/* Greedy (best-path) CTC decoding of one utterance: the most likely symbol per frame, repeats
 * merged, blanks removed; leading, trailing and doubled spaces dropped.
 *   logprobs      (T, V) log-posteriors, blank = 0
 *   alphabet      UTF-8, code point i is symbol i+1 (must have at least V-1 code points)
 *   frame_seconds duration of one output frame, for timestamps
 * Fills *out (cleared first). */
hark_status hark_decode_greedy(const float *logprobs, int T, int V, const char *alphabet,
                               double frame_seconds, hark_transcript *out);

/* Closed-vocabulary decoding (a grammar of whole phrases, as for commands or digits): the phrase
 * with the highest CTC probability P(phrase | audio), computed exactly by the forward recursion.
 * "" is a valid phrase (silence). Confidence is the chosen phrase's posterior among the
 * candidates; word times come from the greedy path (spread evenly when its words do not line up).
 * Every phrase must be written in the alphabet. *best_index (optional) gets the chosen index. */
hark_status hark_decode_phrases(const float *logprobs, int T, int V, const char *alphabet,
                                const char *const *phrases, int n_phrases, double frame_seconds,
                                hark_transcript *out, int *best_index);

/* Map normalised text to labels 1..V-1 with the alphabet. Writes at most cap labels and the
 * number of code points in *n (which may exceed cap: then call again with a bigger buffer).
 * HARK_ERR_INVALID_ARG naming the character when a code point is not in the alphabet. */
hark_status hark_alphabet_encode(const char *alphabet, const char *text, int *labels, int cap,
                                 int *n);
/* Number of code points in the alphabet, or -1 if it is not valid UTF-8. */
int hark_alphabet_size(const char *alphabet);

/* ---- Units ---------------------------------------------------------------------------------- */

/* What a model's output units are. Character models spell text in their alphabet. Phone models
 * have the alphabet hark_phone_alphabet(): the space (the word separator) and one code point per
 * phone; a word's units are its pronunciation from the model's lexicon, else from espeak-ng's
 * en-us phonemizer (each word phonemized once per process), words joined by the space unit.
 * The model file records the kind ("units") and the lexicon ("lexicon"); files without them
 * are character models. docs/model.md, "Units", lists the phones. */
typedef enum hark_unit_kind { HARK_UNITS_CHARS = 0, HARK_UNITS_PHONES = 1 } hark_unit_kind;

typedef struct hark_units hark_units;

/* alphabet NULL: the default (characters) or the phone alphabet (phones). */
hark_units *hark_units_create(hark_unit_kind kind, const char *alphabet);
hark_units *hark_units_copy(const hark_units *u);
void hark_units_free(hark_units *u);
hark_unit_kind hark_units_kind(const hark_units *u);
const char *hark_units_alphabet(const hark_units *u);
/* "chars" or "phones". */
const char *hark_unit_kind_name(hark_unit_kind kind);
/* The phone models' alphabet: " " then the 40 phones. */
const char *hark_phone_alphabet(void);

/* Text (words separated by spaces) as a string in the alphabet: characters, the text itself
 * (checked); phones, the words' pronunciations joined by single spaces (*out malloc'd). Phone
 * look-ups call espeak-ng, which has one global state: do it while setting up (model load,
 * decoder creation, data loading), not in audio or worker threads. HARK_ERR_INVALID_ARG or
 * HARK_ERR_UNSUPPORTED naming the word when a word has no pronunciation in the phones. */
hark_status hark_units_spell(const hark_units *u, const char *text, char **out);
/* The one way text becomes labels 1..V-1 for a model: hark_units_spell, then the alphabet
 * (hark_alphabet_encode's conventions for labels, cap and *n). */
hark_status hark_units_encode(const hark_units *u, const char *text, int *labels, int cap, int *n);
/* Phones: put every word of text into the lexicon (its espeak-ng pronunciation) unless there;
 * characters: nothing. */
hark_status hark_units_learn(hark_units *u, const char *text);
/* Set a word's pronunciation (phones in the alphabet, no spaces). */
hark_status hark_units_set_pronunciation(hark_units *u, const char *word, const char *phones);
/* The lexicon's pronunciation of word, or NULL. */
const char *hark_units_pronunciation(const hark_units *u, const char *word);
size_t hark_units_lexicon_size(const hark_units *u);
/* Walk the lexicon's words: start with *pos = 0; each call returns the next word (its
 * pronunciation: hark_units_pronunciation) and advances *pos, NULL after the last. The order is
 * the lexicon's storage order, the same for the same lexicon. */
const char *hark_units_lexicon_next(const hark_units *u, size_t *pos);

/* ---- Metrics -------------------------------------------------------------------------------- */

/* Accumulates word and character error rates (Levenshtein alignments: substitutions, deletions,
 * insertions over the reference length), utterance accuracy and a count of word substitutions. */
typedef struct hark_metrics hark_metrics;

typedef struct hark_metrics_summary {
    long n;            /* utterances */
    long ref_words;    /* words in the references */
    long word_errors;  /* S + D + I over words */
    long ref_chars;    /* characters (code points, spaces included) in the references */
    long char_errors;  /* S + D + I over characters */
    long utt_correct;  /* utterances whose hypothesis equals the reference exactly */
    double wer;        /* word_errors / ref_words (0 when there are no reference words) */
    double cer;        /* char_errors / ref_chars */
    double utt_acc;    /* utt_correct / n */
} hark_metrics_summary;

typedef struct hark_substitution {
    const char *ref; /* valid until the metrics object is freed */
    const char *hyp; /* "" for a deletion of ref, and ref is "" for an insertion */
    long count;
} hark_substitution;

hark_metrics *hark_metrics_create(void);
void hark_metrics_free(hark_metrics *m);
/* Add one utterance (both already normalised); the per-utterance error counts are returned
 * through the optional word_errors / char_errors pointers. */
hark_status hark_metrics_add(hark_metrics *m, const char *ref, const char *hyp, long *word_errors,
                             long *char_errors);
hark_metrics_summary hark_metrics_get(const hark_metrics *m);
/* The most frequent word confusions (substitutions, then deletions/insertions), most frequent
 * first; returns how many were written to out (at most cap). */
size_t hark_metrics_top_confusions(hark_metrics *m, hark_substitution *out, size_t cap);
/* Levenshtein distance between two sequences of code points / whitespace-separated words. */
long hark_edit_distance_chars(const char *a, const char *b);
long hark_edit_distance_words(const char *a, const char *b);

/* ---- The model ------------------------------------------------------------------------------ */

typedef struct hark_model hark_model;

/* The model file format version this build writes; it reads this and older versions. */
#define HARK_MODEL_FORMAT_VERSION 1

/* A new model around a fresh net (weights from `seed`).
 *   feat      the feature configuration (validated; global CMVN statistics belong in it)
 *   alphabet  see the top of this file; NULL for the default. net_cfg->n_output must be its
 *             size + 1 and net_cfg->n_input must be hark_mfcc_dim(feat). */
hark_model *hark_model_create(const hark_net_config *net_cfg, const hark_mfcc_config *feat,
                              const char *alphabet, uint64_t seed);
void hark_model_free(hark_model *m);

/* Load a .hark file, checking the header JSON, every tensor's dtype, shape and byte range against
 * the architecture and the file length. NULL with a message naming the file and the reason
 * (HARK_ERR_IO, HARK_ERR_FORMAT, HARK_ERR_VERSION for a newer format) on failure. */
hark_model *hark_model_load(const char *path);
/* Write atomically: a temporary file in the same directory, flushed and fsync'd, then renamed. */
hark_status hark_model_save(const hark_model *m, const char *path);

const hark_net *hark_model_net(const hark_model *m);
hark_net *hark_model_net_mut(hark_model *m);
/* The alphabet (see above). */
const char *hark_model_alphabet(const hark_model *m);
/* The model's units (kind, alphabet, lexicon): valid while the model lives. */
const hark_units *hark_model_units(const hark_model *m);
/* Make the model's units a copy of u's kind and lexicon (stored as the "units" and "lexicon"
 * metadata); u's alphabet must be the model's. */
hark_status hark_model_set_units(hark_model *m, const hark_units *u);
/* The feature configuration the net was trained on. */
const hark_mfcc_config *hark_model_feature_config(const hark_model *m);
/* Replace it (e.g. after computing CMVN statistics); its dimension must stay the net's input. */
hark_status hark_model_set_feature_config(hark_model *m, const hark_mfcc_config *feat);
/* Sample rate the model's features expect, in Hz. */
int hark_model_sample_rate(const hark_model *m);
/* Seconds per output frame (feature hop times the frame stacking). */
double hark_model_frame_seconds(const hark_model *m);

/* The distinct transcripts of the training set, when there were at most 256 (command and digit
 * models), for closed-vocabulary decoding: *n phrases, valid while the model lives. NULL (and
 * *n = 0) when the model does not have them. */
const char *const *hark_model_phrases(const hark_model *m, size_t *n);

/* Free-form string metadata stored in the file's __metadata__ map besides the reserved keys
 * (format, format_version, features, architecture, alphabet); "provenance" holds a JSON object
 * (corpora, steps, dev figures, date). Get returns NULL when absent. */
const char *hark_model_get_meta(const hark_model *m, const char *key);
/* A metadata entry holding a number as text (e.g. a calibrated threshold): its value, or NAN when
 * the entry is absent or is not one finite number. */
double hark_model_get_meta_number(const hark_model *m, const char *key);
hark_status hark_model_set_meta(hark_model *m, const char *key, const char *value);
/* Phone models trained by hark_train: how often each word occurs in the training transcripts, a
 * JSON object word -> count. It weights the free loop over the stored lexicon (hark/decode.h). */
#define HARK_WORD_COUNTS_META "word_counts"

/* One call: a recognizer created, fed and finished (the same path as streams), greedy decoding
 * of samples at hark_model_sample_rate (float, full scale +-1). Audio files are read by the
 * pipeline layer: hark_transcribe_file in hark/listener.h. */
hark_status hark_model_transcribe_samples(const hark_model *m, const float *samples, size_t n,
                                          hark_transcript *out);

/* ---- Streaming recognition ------------------------------------------------------------------ */

/* Per-stream state over a shared read-only model. For unidirectional nets with streamable
 * features (global, live or no CMVN), features and the recurrent state are carried across pushes
 * (nothing in the past is recomputed) and partial results are available at any time. For
 * bidirectional nets or per-utterance CMVN, the samples are buffered and the utterance is decoded
 * at finish (the partial is then empty).
 * A streaming recognizer's finish feeds HARK_RECOGNIZER_TAIL_SECONDS of silence (zero samples)
 * after the last sample of an utterance of at least one frame: a unidirectional net emits a unit
 * some frames after its sound, and audio cut tight around the speech would lose its last sounds.
 * The tail is not part of the duration, and word times stay inside the audio. (The trainer's dev
 * evaluation decodes the features without it.) */
typedef struct hark_recognizer hark_recognizer;
#define HARK_RECOGNIZER_TAIL_SECONDS 0.3

/* NULL on error. The model must outlive the recognizer. */
hark_recognizer *hark_recognizer_create(const hark_model *m);
void hark_recognizer_free(hark_recognizer *r);
/* Allocate, and touch, every per-utterance buffer for utterances of up to `seconds`, so a live
 * loop whose utterances are bounded (the endpointer's max_utterance_ms) never allocates while it
 * runs and its memory stays flat from the start. Optional: buffers still grow past it. */
hark_status hark_recognizer_reserve(hark_recognizer *r, double seconds);
/* Feed n samples at hark_model_sample_rate (float, full scale +-1), any chunk size. */
hark_status hark_recognizer_push(hark_recognizer *r, const float *samples, size_t n);
/* The transcript so far (greedy), NUL-terminated and truncated to cap-1 bytes ("" before any
 * audio). Streaming recognizers decode what the net has seen; buffered ones (bidirectional nets,
 * per-utterance CMVN) re-run the net over the buffered audio, at most once per 0.2 s of new
 * audio, and return the previous partial in between. */
hark_status hark_recognizer_partial(hark_recognizer *r, char *buf, size_t cap);
/* End of the utterance: decode what remains, fill *out (times from the first pushed sample since
 * the last reset; word edges moved to the speech around them when samples were pushed, see
 * hark_transcript_refine_times) and reset for the next utterance. */
hark_status hark_recognizer_finish(hark_recognizer *r, hark_transcript *out);
/* Decode at finish among these phrases only (hark_decode_phrases; the list is copied); NULL or
 * n = 0 returns to open-vocabulary greedy decoding. Partials stay greedy. A decoder set with
 * hark_recognizer_set_decoder takes precedence while it is set. */
hark_status hark_recognizer_set_phrases(hark_recognizer *r, const char *const *phrases, size_t n);
/* A pluggable decoder (prefix beam search, grammar, LM...), called by the recognizer instead of
 * its built-in greedy / phrase decoding. `finish` is required; `advance` and `partial` are an
 * optional pair for decoders that work incrementally: a streaming recognizer hands every new
 * block of output frames to `advance` as the net produces them and asks `partial` for the text
 * of the best hypothesis so far; a buffered recognizer, for each partial it refreshes, resets the
 * decoder, hands it every frame so far and asks `partial`, then resets it again. `finish` always
 * receives the whole utterance's posteriors, so a decoder without `advance` simply decodes them;
 * an incremental one may ignore them and close its own search. `reset` (optional) starts a new
 * utterance; the recognizer calls it after every finish and reset. All get `ctx` first. */
typedef struct hark_recognizer_decoder {
    void *ctx;
    /* logprobs (T, V), blank 0; fill *out (already cleared): text, confidence, word times. */
    hark_status (*finish)(void *ctx, const float *logprobs, int T, int V, double frame_seconds,
                          hark_transcript *out);
    hark_status (*advance)(void *ctx, const float *logprobs, int n, int V);
    hark_status (*partial)(void *ctx, char *buf, size_t cap);
    void (*reset)(void *ctx);
} hark_recognizer_decoder;

/* Decode with `d` (copied; ctx must outlive its use) from now on, before any phrases set with
 * hark_recognizer_set_phrases; NULL returns to them (or to greedy decoding). Resets the
 * utterance. HARK_ERR_INVALID_ARG when finish is missing or only one of advance/partial given. */
hark_status hark_recognizer_set_decoder(hark_recognizer *r, const hark_recognizer_decoder *d);

/* Decode log-posteriors (T, V) computed elsewhere with this recognizer's decoder (plugged-in,
 * phrases or greedy), e.g. the rows of a batched hark_net_forward in the trainer's dev
 * evaluation; does not touch the utterance being pushed. Fills *out (cleared first). */
hark_status hark_recognizer_decode(hark_recognizer *r, const float *logprobs, int T,
                                   hark_transcript *out);

/* Feed ready-made features (T, D) instead of samples: the model's own feature configuration,
 * CMVN applied (what hark_mfcc_compute gives with it). One utterance takes samples or features,
 * not both (HARK_ERR_INVALID_ARG until finish/reset). Times count one hop per frame. */
hark_status hark_recognizer_push_features(hark_recognizer *r, const float *feats, size_t T);

/* The model the recognizer runs. */
const hark_model *hark_recognizer_model(const hark_recognizer *r);

/* Drop everything pushed since the last finish/reset. */
void hark_recognizer_reset(hark_recognizer *r);
/* 1 when the recognizer streams (unidirectional net, streamable features: no recomputation
 * of the past), else 0 (buffered). */
int hark_recognizer_is_streaming(const hark_recognizer *r);

#ifdef __cplusplus
}
#endif
#endif
