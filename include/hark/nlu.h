/* hark/nlu.h - public API of src/nlu: understanding a transcript.
 *
 * Three layers, each usable on its own:
 *   hark_assistant_*  the whole assistant in one object: load an intent file, then hand it text and
 *                     get back intent, slots, a calibrated confidence and a spoken-style response,
 *                     with built-in skills (time, date, arithmetic, timers, lights) applied.
 *   hark_intents_*    the intent template file (Rhasspy sentences.ini style): parse, count,
 *                     enumerate or sample its sentences (for decoding grammars and `hark synth`).
 *   hark_nlu_*        text normalisation and number words shared by training and inference.
 *
 * Intent file format (see models/assistant.ini for a full example):
 *   # comment (also ';')            whole-line comments
 *   $room = (kitchen | bedroom)     a slot list, visible in every section of the file
 *   [IntentName]                    starts an intent
 *   greeting = (hi | hello)         a rule of this intent, used as <greeting> (<Intent.greeting>
 *                                   from another section)
 *   turn on [the] $room{room} light one template per line
 *   (a | b)  [optional]  word:value  (a b):value  (1..99){minutes}  (0..100,5)  group{tag}
 *   response: Timer set for {minutes} minutes.   reply; {slot} or a skill output in braces
 *   skill: timer.set                the built-in skill the intent runs (see below)
 * A suffix (":value", "{tag}") binds to the word or group just before it: "(living room):lounge".
 * Template words are normalised like recognised text ("what's" = "what is", "5" = "five").
 * Skills and the placeholders they provide (a response may also use any slot of its intent):
 *   time {time} ("4:05 PM"); date {date} ("Monday, November 24, 2025");
 *   calculate: slots a, b (numbers) and op (plus, minus, times, divided) -> {result} {expression};
 *   timer.set: slots hours / minutes / seconds -> {duration} {id};
 *   timer.cancel: all timers, or slot timer (a timer id) -> {count};  timer.list -> {timers};
 *   lights.on / lights.off: slot room (absent: every room the file's "room" slots name) ->
 *     {room} {where} {state}, saved to the state file;  lights.status -> {lights};
 *   help -> {help} (a sentence of every intent);  repeat -> {last};  stop (no outputs).
 * When a skill cannot do what was asked (no timer to cancel, division by zero) it answers
 * instead of the response template. Slot names are case-sensitive; numbers are read from words.
 *
 * Threads: a hark_assistant is not thread-safe (it holds timers and device state); use one per
 * thread or lock around it. hark_intents objects are read-only after loading and can be shared. */
#ifndef HARK_NLU_H
#define HARK_NLU_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "hark/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Results
 * ------------------------------------------------------------------------------------------- */

#define HARK_NLU_MAX_SLOTS 8
#define HARK_NLU_NAME_MAX 48
#define HARK_NLU_VALUE_MAX 96
#define HARK_NLU_RESPONSE_MAX 512

/* One filled slot. `text` is the value as text ("kitchen", "25"); when the value is a number
 * (number ranges, or a list value that reads as a number) `is_number` is 1 and `number` holds
 * it. */
typedef struct hark_slot {
    char name[HARK_NLU_NAME_MAX];
    char text[HARK_NLU_VALUE_MAX];
    double number;
    int is_number;
} hark_slot;

/* What the assistant understood and answered. `intent` is the intent name, or "none" when the
 * utterance was rejected as out of scope (then n_slots is 0 and `response` is the polite
 * fallback). `confidence` is a calibrated probability that `intent` is right (for "none": one
 * minus the best in-scope probability). `normalized` is the text the classifier saw: normalised,
 * with words the assistant does not know snapped to the nearest one it does ("kitchn"). */
typedef struct hark_intent_result {
    char intent[HARK_NLU_NAME_MAX];
    float confidence;
    int n_slots;
    hark_slot slots[HARK_NLU_MAX_SLOTS];
    char response[HARK_NLU_RESPONSE_MAX];
    char normalized[HARK_NLU_RESPONSE_MAX];
} hark_intent_result;

/* The value of slot `name` in `r`, or NULL. */
const hark_slot *hark_intent_result_slot(const hark_intent_result *r, const char *name);

/* ---------------------------------------------------------------------------------------------
 * The assistant
 * ------------------------------------------------------------------------------------------- */

typedef struct hark_assistant hark_assistant;
typedef struct hark_intents hark_intents;

typedef struct hark_assistant_params {
    /* Device-state JSON file (lights by room). NULL: state lives in memory only. The file is
     * created on the first change; writes are atomic (temp file, fsync, rename). */
    const char *state_path;
    /* Optional extra out-of-scope sentences for the "none" class: a text file with one sentence
     * per line, or an LJSpeech-style metadata.csv ("id|text|normalized text"). NULL: only the
     * built-in list is used. */
    const char *none_corpus;
    uint64_t seed;                 /* classifier initialisation, noise and splits; default 1 */
    size_t max_sentences;          /* per-intent cap on training sentences; beyond it each
                                    * template line gets an equal sampled share; default 3000 */
    size_t per_class;              /* training examples per class, repeats garbled; default 800 */
    int epochs;                    /* Adam epochs; default 6 */
    float noise;                   /* garbling: mean fraction of characters hit; default 0.08 */
    /* Reject when the best intent's calibrated probability is below this (or "none" is more
     * likely). Default 0.5: act only when more likely right than wrong. */
    float threshold;
} hark_assistant_params;

/* Defaults for every field above. */
hark_assistant_params hark_assistant_default_params(void);

/* Parse the intent file, expand it, train the classifier and open the state file. `p` may be
 * NULL (defaults). Returns NULL and sets the error message (file:line:column for a malformed
 * intent file) on failure. Deterministic for a given file, parameters and seed. */
hark_assistant *hark_assistant_load(const char *ini_path, const hark_assistant_params *p);

/* The same from intent-file text in memory; `name` is used in error messages. */
hark_assistant *hark_assistant_load_text(const char *text, const char *name,
                                         const hark_assistant_params *p);

void hark_assistant_free(hark_assistant *a);

/* Understand `text` and act on it: classify, fill slots, run the intent's skill (which may set
 * or cancel timers and change the device state, saved to the state file) and render the
 * response. `now` is the wall-clock time used by time, date and timer skills (pass time(NULL)
 * live; a fixed value in tests). Returns HARK_OK also for rejected utterances (intent "none");
 * an error only for bad arguments or a failure to save the state file (the result is still
 * filled in then). */
hark_status hark_assistant_handle(hark_assistant *a, const char *text, time_t now,
                                  hark_intent_result *out);

/* Act on an intent already understood elsewhere (e.g. read off a grammar path by the decoder,
 * hark/grammar.h): out->intent and its slots are the input; runs the intent's skill and fills
 * out->response as hark_assistant_handle does after classifying. An intent the file does not
 * name gets the fallback reply. */
hark_status hark_assistant_respond(hark_assistant *a, time_t now, hark_intent_result *out);

/* Classify and fill slots only, with no side effects and no response. */
hark_status hark_assistant_classify(const hark_assistant *a, const char *text,
                                    hark_intent_result *out);

/* The class probabilities of the last model layer for `text`, calibrated: probs[i] for intent i
 * (in file order) and probs[n_intents] for "none". `probs` must hold n_intents + 1 floats. */
hark_status hark_assistant_probabilities(const hark_assistant *a, const char *text, float *probs);

/* The rejection threshold in use, and the softmax temperature fitted on held-out sentences
 * (temperature scaling) that makes the probabilities calibrated. */
float hark_assistant_threshold(const hark_assistant *a);
float hark_assistant_temperature(const hark_assistant *a);

/* Wall-clock seconds the load spent on training: building the (garbled) training set from the
 * expanded templates, fitting the classifier and calibrating it (for benchmarks). */
double hark_assistant_train_seconds(const hark_assistant *a);

/* The parsed intent file the assistant was built from (owned by the assistant). */
const hark_intents *hark_assistant_intents(const hark_assistant *a);

/* Timers. The library keeps the table; the caller decides when to look and how to ring. */
typedef struct hark_timer {
    int id;          /* 1, 2, ... in order of creation */
    time_t due;      /* wall-clock time it rings */
    long seconds;    /* the duration asked for */
    char label[HARK_NLU_VALUE_MAX]; /* "5 minutes" */
} hark_timer;

/* Copy up to `cap` timers that are due at `now` into `out` (earliest first), remove them from the
 * table, and return how many were due (which may exceed `cap`; the rest stay for the next call). */
size_t hark_assistant_due_timers(hark_assistant *a, time_t now, hark_timer *out, size_t cap);

/* Copy up to `cap` pending timers (earliest first) and return how many are pending. */
size_t hark_assistant_timers(const hark_assistant *a, hark_timer *out, size_t cap);

/* Seconds until the next timer is due at `now` (0 if one is already due), or -1 if none. Lets a
 * live loop sleep until then. */
long hark_assistant_next_timer(const hark_assistant *a, time_t now);

/* The light state of `room` as stored (1 on, 0 off, -1 never set). */
int hark_assistant_light(const hark_assistant *a, const char *room);

/* ---------------------------------------------------------------------------------------------
 * The intent file
 * ------------------------------------------------------------------------------------------- */

/* Parse an intent file. Errors are "FILE:LINE:COLUMN: what was expected" (HARK_ERR_FORMAT), or
 * HARK_ERR_IO when the file cannot be read. */
hark_intents *hark_intents_load(const char *path);
hark_intents *hark_intents_parse(const char *text, const char *name);
void hark_intents_free(hark_intents *f);

size_t hark_intents_count(const hark_intents *f);
const char *hark_intents_name(const hark_intents *f, size_t intent);
/* The response template / skill name of an intent ("" when absent). */
const char *hark_intents_response(const hark_intents *f, size_t intent);
const char *hark_intents_skill(const hark_intents *f, size_t intent);
/* Index of the intent called `name`, or -1. */
int hark_intents_find(const hark_intents *f, const char *name);

/* How many sentences the intent's templates expand to, counted without expanding them (two
 * spellings of the same words count twice; saturates at UINT64_MAX). */
uint64_t hark_intents_sentence_count(const hark_intents *f, size_t intent);

/* Called once per sentence: the intent, the spoken words (lower case, single spaces) and the
 * slots with their values. Return non-zero to stop. */
typedef int (*hark_sentence_fn)(size_t intent, const char *text, const hark_slot *slots,
                                int n_slots, void *user_data);

/* Enumerate the sentences of `intent` (or of every intent when intent == SIZE_MAX) in template
 * order, at most `max` per intent (0: no cap; beware of files that expand to millions). Memory
 * stays bounded by the length of one sentence whatever the count. */
hark_status hark_intents_expand(const hark_intents *f, size_t intent, uint64_t max,
                                hark_sentence_fn fn, void *user_data);

/* Draw one sentence of `intent` uniformly at random among its expansions, using and advancing
 * `*rng` (any non-zero seed). Writes the words to `text` (truncated to `cap`) and the slots. */
hark_status hark_intents_sample(const hark_intents *f, size_t intent, uint64_t *rng, char *text,
                                size_t cap, hark_slot *slots, int *n_slots);

/* ---------------------------------------------------------------------------------------------
 * Text normalisation and numbers
 * ------------------------------------------------------------------------------------------- */

/* Normalise text the way both training and recognition see it: lower case, contractions
 * expanded ("what's" -> "what is"), punctuation dropped (except inside numbers: "2.5"), digits
 * spelled out ("25" -> "twenty five", "7:30" -> "seven thirty"), single spaces. Writes at most
 * `cap` bytes including the NUL; returns HARK_ERR_INVALID_ARG if it does not fit. */
hark_status hark_nlu_normalize(const char *in, char *out, size_t cap);

/* Spell an integer in English words: 25 -> "twenty five", -3 -> "minus three", 105 -> "one
 * hundred five". |n| < 10^12. */
hark_status hark_nlu_number_to_words(long long n, char *out, size_t cap);

/* Read spoken number words back: "twenty five" -> 25, "one hundred and five" -> 105, "zero".
 * Also accepts digits ("25"). Returns HARK_OK only if the whole string is one number. */
hark_status hark_nlu_words_to_number(const char *words, long long *out);

#ifdef __cplusplus
}
#endif
#endif
