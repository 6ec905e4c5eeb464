/* cli_grammar.h - decoding under a grammar for 'hark transcribe' and 'hark eval': --intents FILE
 * (an intent file compiled into a word graph) or --phrases FILE (a phrase list), --reject X. */
#ifndef HARK_CLI_GRAMMAR_H
#define HARK_CLI_GRAMMAR_H

#include <cjson/cJSON.h>

#include "cli/cli.h"

typedef struct cli_grammar {
    hark_intents *intents;
    hark_grammar *graph;
    hark_grammar_decoder *dec; /* NULL: no grammar asked for */
} cli_grammar;

/* Build the decoder from --intents or --phrases (at most one may be non-NULL; neither: *g stays
 * empty) for model m; reject is the --reject value or NAN. Returns 0, or -1 after printing the
 * error. */
int cli_grammar_open(const char *sub, const hark_model *m, const char *intents_file,
                     const char *phrase_file, double reject, cli_grammar *g);
void cli_grammar_close(cli_grammar *g);

/* Decoding runs in the recognizer through hark_grammar_plugin (hark/listener.h). */

/* Add "intent" to a JSON object: null without an intent (silence), else the same object
 * 'hark intent --json' prints: text, intent, confidence, slots, response. */
void cli_grammar_json(cJSON *o, const hark_grammar_result *r);

/* "intent" or "intent<TAB>slot=value,slot=value" ("" without an intent), into buf. */
void cli_grammar_text(const hark_grammar_result *r, char *buf, size_t cap);

#endif
