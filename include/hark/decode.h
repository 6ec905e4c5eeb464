/* hark/decode.h - CTC prefix beam search over a model's output units, with a lexicon, a word
 * n-gram language model (hark/lm.h) or any other word-level scorer (a grammar), hotwords, word
 * times, calibrated confidences and n-best lists (src/model/decode_beam.c, lexicon.c, ...).
 *
 * Units: the model's output symbols. Symbol 0 is the CTC blank; symbol i (1..V-1) is the i-th
 * code point of the model's alphabet (hark/model.h "Units": characters, or phones with the
 * space as word separator). A lexicon maps each word to one or more unit sequences (for
 * character models simply its spelling, for phone models its pronunciation); the decoder compiles it into a prefix trie, so a hypothesis only
 * ever extends by units that continue some lexicon word, and the work per frame does not grow
 * with the vocabulary. Without a lexicon or LM the decoder spells freely (open vocabulary).
 *
 * Objects: a hark_decoder is immutable after hark_decoder_create, so any number of threads and
 * streams can share one (hark_decoder_run is thread-safe). Everything that changes while decoding
 * lives in a hark_beam_stream (one per stream: push frames, read partials, finish).
 *
 * Scores are natural logs unless said otherwise. A hypothesis W with unit sequence U scores
 *     log P_ctc(U | X) + lm_weight * ln P_lm(W) + word_bonus * |W| + hotword bonuses
 * where P_ctc sums over all CTC alignments of U (prefix beam search keeps it as a blank / non-blank
 * split per prefix: Graves & Jaitly, ICML 2014; Hannun et al., arXiv:1408.2873, 2014). */
#ifndef HARK_DECODE_H
#define HARK_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "hark/core.h"
#include "hark/lm.h"
#include "hark/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Lexicon -------------------------------------------------------------------------------- */

/* Words and their unit sequences (pronunciations or spellings). Mutable while being built; the
 * decoder copies what it needs, so a lexicon may be freed once decoders are created. */
typedef struct hark_lexicon hark_lexicon;

hark_lexicon *hark_lexicon_create(void);
void hark_lexicon_free(hark_lexicon *lx);
/* Add one unit sequence (units 1..V-1, n >= 1) for `word` (non-empty UTF-8 without spaces or
 * control characters). A word may be added several times with different sequences; adding the
 * same sequence twice is a no-op. */
hark_status hark_lexicon_add(hark_lexicon *lx, const char *word, const int *units, int n);
/* Add `word` as the units give it (hark_units_encode: a character model's spelling, a phone
 * model's pronunciation): HARK_ERR_INVALID_ARG naming the character when the alphabet cannot
 * spell it, HARK_ERR_UNSUPPORTED or HARK_ERR_INVALID_ARG when it has no pronunciation. */
hark_status hark_lexicon_add_word(hark_lexicon *lx, const hark_units *u, const char *word);
/* Add `word` spelled in the alphabet (character models): HARK_ERR_INVALID_ARG naming the
 * character when the alphabet cannot spell it. */
hark_status hark_lexicon_add_spelling(hark_lexicon *lx, const char *alphabet, const char *word);
/* Distinct words. */
size_t hark_lexicon_size(const hark_lexicon *lx);
/* The words of a phone model's stored lexicon with their pronunciations (hark_units_lexicon_next);
 * an empty lexicon for characters or an empty store. NULL with a message when out of memory. */
hark_lexicon *hark_lexicon_from_units(const hark_units *u);

/* ---- Word scorers (language models, grammars) ----------------------------------------------- */

/* A word-level model the search consults at every word end, with a small per-hypothesis state.
 * hark_lm (ARPA n-grams) is one; a grammar's word graph can be another (its state: the graph
 * node in words[0]). Scores are log10 probabilities as in ARPA files; -INFINITY forbids the word
 * (or the end of the sentence) in that state. Two hypotheses with the same prefix and equal
 * states are merged. All callbacks must be thread-safe for concurrent reads of ctx. */
typedef struct hark_word_scorer {
    const void *ctx;
    /* The id of a word, or -1 when the scorer cannot score it (the word is then left out of the
     * lexicon the decoder builds, or scored as `unk_id` when that is >= 0). */
    int32_t (*word_id)(const void *ctx, const char *word);
    void (*begin)(const void *ctx, hark_lm_state *s);
    float (*score)(const void *ctx, const hark_lm_state *in, int32_t word, hark_lm_state *out);
    float (*end)(const void *ctx, const hark_lm_state *in);
    int32_t unk_id; /* scored for hotwords the scorer does not know; -1: none */
} hark_word_scorer;

/* The scorer view of an ARPA language model (valid while lm lives). */
hark_word_scorer hark_word_scorer_lm(const hark_lm *lm);

/* ---- Parameters ----------------------------------------------------------------------------- */

/* A word or phrase to favour: `boost` (natural log, > 0) is added to a hypothesis as it spells the
 * phrase out, spread evenly over its units, and withdrawn if the hypothesis leaves the phrase
 * before its end (contextual biasing by shallow fusion with subtractive failure arcs, as in
 * Zhao et al., "Shallow-fusion end-to-end contextual biasing", Interspeech 2019). */
typedef struct hark_hotword {
    const char *phrase; /* one or more words separated by single spaces, in the lexicon's units */
    float boost;
} hark_hotword;

/* The boost a hotword gets when its specification names none. */
#define HARK_HOTWORD_DEFAULT_BOOST 5.0f

/* Parse "WORD[:BOOST]" (a phrase may hold spaces: "turn on:4"). Writes the phrase, trimmed, into
 * buf (cap bytes) and the boost (HARK_HOTWORD_DEFAULT_BOOST when absent) into *boost.
 * HARK_ERR_INVALID_ARG for an empty phrase, a boost that is not a number in (0, 100], or a
 * phrase longer than cap - 1. */
hark_status hark_hotword_parse(const char *spec, char *buf, size_t cap, float *boost);

/* Confidence calibration: a raw confidence r in (0,1) becomes sigmoid(a * logit(r) + b), a
 * temperature (1/a) with a bias, fitted on a dev set by hark_calibration_fit (Platt scaling:
 * Platt 1999; Guo et al., "On calibration of modern neural networks", ICML 2017). */
typedef struct hark_calibration {
    float a; /* 1 = identity */
    float b; /* 0 = identity */
} hark_calibration;

typedef struct hark_decode_params {
    int beam;              /* hypotheses kept after each frame (default 16; 1..4096) */
    int prune_top_k;       /* units (besides blank) tried per frame, most likely first (default
                            * 12; 0 = all) */
    float prune_logprob;   /* units whose log-posterior at a frame is below this are not tried
                            * there (default -12; -INFINITY = none) */
    const hark_lm *lm;     /* word n-gram LM, or NULL */
    const hark_word_scorer *scorer; /* any word scorer instead of lm (lm must then be NULL) */
    float lm_weight;       /* multiplies ln P_lm(word | context) (default 0.5) */
    float word_bonus;      /* added per word scored by the lm or scorer (default 1.0; unused
                            * without one) */
    int word_separator;    /* the unit that separates words: -1 = the alphabet's space when it has
                            * one (default), 0 = none (phone models: a word ends where the lexicon
                            * says so, and the next unit may start another) */
    const hark_hotword *hotwords; /* copied by hark_decoder_create */
    size_t n_hotwords;
    int nbest;             /* hypotheses returned in the n-best list (default 1; 1..beam) */
    hark_calibration calibration; /* default identity; see hark_decoder_create_for_model */
} hark_decode_params;

hark_decode_params hark_decode_default_params(void);

/* ---- Decoder -------------------------------------------------------------------------------- */

typedef struct hark_decoder hark_decoder;

/* A decoder over V = hark_alphabet_size(alphabet) + 1 units.
 *   lexicon  words to allow; NULL: the scorer's words the alphabet can spell (with lm/scorer) or
 *            free spelling (without). Hotword words missing from it are added.
 * NULL with a message when a parameter is out of range or the lexicon is empty. */
hark_decoder *hark_decoder_create(const char *alphabet, const hark_lexicon *lexicon,
                                  const hark_decode_params *params);
/* The same with any units (hark/model.h): the words of the LM and the hotwords are spelled or
 * pronounced by them (hark_units_encode), on the caller's thread; a phone model's words are
 * named by their lexicon word. */
hark_decoder *hark_decoder_create_units(const hark_units *units, const hark_lexicon *lexicon,
                                        const hark_decode_params *params);
/* The same with the model's units (so a phone model's lexicon holds pronunciations: the model's
 * lexicon, else espeak-ng's, phonemized here on the caller's thread), and the model's stored
 * calibration ("calibration" metadata, see hark_calibration_format) instead of
 * params->calibration when it has one. A phone model given no lexicon, LM or scorer decodes a
 * free loop over the words of its stored lexicon (hark_lexicon_from_units), so its beam search
 * writes words, not phones; when the model holds the counts of its training words
 * (HARK_WORD_COUNTS_META) they weight the loop as a unigram LM (add-one smoothed; lm_weight and
 * word_bonus apply as to an LM), which also decides between homophones. For phones use
 * hark_decoder_create_units with no lexicon. */
hark_decoder *hark_decoder_create_for_model(const hark_model *m, const hark_lexicon *lexicon,
                                            const hark_decode_params *params);
/* The same search with params->calibration, not the model's stored one (raw confidences, as
 * fitting a calibration needs). */
hark_decoder *hark_decoder_create_for_model_raw(const hark_model *m, const hark_lexicon *lexicon,
                                                const hark_decode_params *params);
/* The lexicon hark_decoder_create_for_model decodes when given none: for a phone model with a
 * stored lexicon and params without an LM or scorer, hark_lexicon_from_units (*out, to free);
 * otherwise *out = NULL. HARK_ERR_NOMEM when out of memory. */
hark_status hark_decoder_model_lexicon(const hark_model *m, const hark_decode_params *params,
                                       hark_lexicon **out);
void hark_decoder_free(hark_decoder *d);
/* Units including the blank (V). */
int hark_decoder_units(const hark_decoder *d);

/* One hypothesis of an n-best list. */
typedef struct hark_hypothesis {
    char *text;        /* malloc'd; words separated by single spaces */
    double score;      /* the total the search ranks by (see the top of this file) */
    double acoustic;   /* ln P_ctc(units | audio) as the beam accumulated it */
    double lm;         /* log10 P_lm(words, </s>) from the scorer; 0 without one */
    float posterior;   /* exp(score) normalised over the returned list */
} hark_hypothesis;

typedef struct hark_decode_result {
    hark_transcript transcript; /* the best hypothesis: text, word times from its CTC alignment,
                                 * calibrated confidences */
    hark_hypothesis *nbest;     /* best first, n_nbest <= params.nbest entries */
    size_t n_nbest;
} hark_decode_result;

/* Free and zero (safe on a zeroed or cleared result). */
void hark_decode_result_clear(hark_decode_result *r);

/* Decode one utterance: logprobs (T, V) log-posteriors, blank = 0; frame_seconds is one frame's
 * duration for the word times. Thread-safe: uses its own scratch. Fills *out (cleared first).
 * Confidences: a word's raw confidence is the geometric mean, over its units, of each unit's
 * highest posterior on the best path's Viterbi alignment; the utterance's is the geometric mean
 * over all its units times the best hypothesis's share of the final beam; both then go through
 * the calibration. An empty result's raw confidence is the mean blank posterior. */
hark_status hark_decoder_run(const hark_decoder *d, const float *logprobs, int T,
                             double frame_seconds, hark_decode_result *out);

/* ---- Incremental decoding ------------------------------------------------------------------- */

/* Per-stream search state: frames go in as the acoustic model produces them; the partial is the
 * live beam's best hypothesis. Its buffers only grow (no allocation per frame once warm). */
typedef struct hark_beam_stream hark_beam_stream;

hark_beam_stream *hark_beam_stream_create(const hark_decoder *d);
void hark_beam_stream_free(hark_beam_stream *s);
/* Feed n frames of log-posteriors (n, V). HARK_ERR_INVALID_ARG for a NaN or a value above 0;
 * HARK_ERR_NUMERIC, with the frame left out, when no hypothesis can continue through a frame (its
 * allowed units and blank all -inf). Frames before the failing one stay pushed. */
hark_status hark_beam_stream_push(hark_beam_stream *s, const float *logprobs, int n);
/* The best hypothesis so far (its last word may be unfinished), NUL-terminated, truncated to
 * cap - 1 bytes. */
hark_status hark_beam_stream_partial(hark_beam_stream *s, char *buf, size_t cap);
/* End of the utterance: finish every hypothesis (last word, end of sentence), fill *out as
 * hark_decoder_run does, and reset for the next utterance. */
hark_status hark_beam_stream_finish(hark_beam_stream *s, double frame_seconds,
                                    hark_decode_result *out);
void hark_beam_stream_reset(hark_beam_stream *s);

/* ---- Calibration ---------------------------------------------------------------------------- */

/* sigmoid(a * logit(raw) + b), raw clamped to [1e-6, 1 - 1e-6]. */
float hark_calibration_apply(const hark_calibration *c, float raw);
/* Fit a and b by maximum likelihood (Newton's method on the log loss) to n raw confidences and
 * whether each utterance was right (1) or not (0). HARK_ERR_INVALID_ARG when n < 2 or all labels
 * are equal (nothing to fit). */
hark_status hark_calibration_fit(const float *raw, const int *correct, size_t n,
                                 hark_calibration *out);
/* Expected calibration error: the n confidences are put in `bins` equal-width bins over [0, 1];
 * ECE = sum over bins of (bin size / n) * |mean correctness - mean confidence| (Naeini et al.,
 * AAAI 2015; Guo et al. 2017). 0 when n = 0. */
double hark_calibration_ece(const float *conf, const int *correct, size_t n, int bins);
/* As JSON for model metadata ("calibration"): {"method":"platt","a":A,"b":B}; malloc'd. */
char *hark_calibration_format(const hark_calibration *c);
/* Parse what hark_calibration_format wrote; HARK_ERR_FORMAT when malformed. */
hark_status hark_calibration_parse(const char *json, hark_calibration *out);

/* ---- From audio ----------------------------------------------------------------------------- */

/* Features and the model's forward pass over samples at hark_model_sample_rate: *logprobs gets a
 * malloc'd (T, V) array of log-posteriors (NULL when T = 0). */
hark_status hark_model_logprobs(const hark_model *m, const float *samples, size_t n,
                                float **logprobs, int *T);

#ifdef __cplusplus
}
#endif
#endif
