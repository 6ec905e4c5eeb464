/* hark/lm.h - word n-gram language models for decoding (src/model/lm_*.c).
 *
 * A hark_lm is a back-off n-gram model of order 1-5 read from an ARPA file (as written by KenLM,
 * SRILM, MITLM or `hark lm build`). It is immutable after loading, so decoders in many threads
 * can share one. Scores are log10 probabilities, as in ARPA files.
 *
 * Words are interned to ids 0..n-1 at load time. <s>, </s> and <unk> always have ids (an <unk> the
 * file does not list gets the ARPA convention's floor, see hark_lm_load_arpa). A decoder keeps a
 * hark_lm_state per hypothesis: the last order-1 word ids, small and copyable by value. */
#ifndef HARK_LM_H
#define HARK_LM_H

#include <stddef.h>
#include <stdint.h>

#include "hark/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The largest order hark reads. */
#define HARK_LM_MAX_ORDER 5

typedef struct hark_lm hark_lm;

/* The context of a hypothesis: its last n (< order) words, most recent last. Two states with
 * equal n and words predict the same next word. */
typedef struct hark_lm_state {
    int32_t words[HARK_LM_MAX_ORDER - 1];
    int32_t n;
} hark_lm_state;

/* Load an ARPA file. NULL with a message naming the file and line on failure (HARK_ERR_IO,
 * HARK_ERR_FORMAT). Words are matched as written (the builder writes normalised text). <s>, </s>
 * or <unk> left out of the file get log10 probability -99 (cannot occur). Files compressed with
 * gzip are not read: decompress them first. */
hark_lm *hark_lm_load_arpa(const char *path);
/* The same from `len` bytes in memory; `name` (NULL: "(memory)") stands for the file in
 * messages. */
hark_lm *hark_lm_load_arpa_mem(const char *data, size_t len, const char *name);
void hark_lm_free(hark_lm *lm);

int hark_lm_order(const hark_lm *lm);
/* Number of k-grams the model lists (k = 1..order; the 1-grams include <s>, </s> and <unk>
 * even when the file left them out), 0 for other k. */
size_t hark_lm_ngram_count(const hark_lm *lm, int k);
/* Number of distinct words, <s>, </s> and <unk> included. */
size_t hark_lm_vocab_size(const hark_lm *lm);
/* The id of a word, or the id of <unk> when the model does not know it. */
int32_t hark_lm_word_id(const hark_lm *lm, const char *word);
/* 1 when the model lists the word itself (not <unk>). */
int hark_lm_has_word(const hark_lm *lm, const char *word);
/* The spelling of an id (valid while the model lives), NULL when out of range. */
const char *hark_lm_word(const hark_lm *lm, int32_t id);
int32_t hark_lm_unk_id(const hark_lm *lm);

/* The state at the start of a sentence (after <s>). */
void hark_lm_begin(const hark_lm *lm, hark_lm_state *s);
/* log10 P(word | in), backing off as ARPA says; *out (may equal in) gets the state after word,
 * trimmed to the longest context the model holds. */
float hark_lm_score(const hark_lm *lm, const hark_lm_state *in, int32_t word, hark_lm_state *out);
/* log10 P(</s> | in). */
float hark_lm_end(const hark_lm *lm, const hark_lm_state *in);

/* Estimate an interpolated modified Kneser-Ney model of the given order (1-5) from sentences
 * (one per element, already normalised as transcripts are) and write it as ARPA, atomically. */
hark_status hark_lm_build(const char *const *sentences, size_t n, int order, const char *out_path);

#ifdef __cplusplus
}
#endif
#endif
