/* cli_grammar.c - the grammar decoding shared by 'hark transcribe' and 'hark eval': build the
 * word graph from an intent file or a phrase list and its decoder (which runs inside the
 * recognizer as a hark_grammar_plugin), print the intent and slots it carries. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_grammar.h"

int cli_grammar_open(const char *sub, const hark_model *m, const char *intents_file,
                     const char *phrase_file, double reject, cli_grammar *g)
{
    memset(g, 0, sizeof *g);
    if (!intents_file && !phrase_file)
        return 0;
    if (intents_file && phrase_file) {
        cli_error(sub, "--intents and --phrases cannot be used together");
        return -1;
    }
    if (intents_file) {
        if (!(g->intents = hark_intents_load(intents_file)) ||
            !(g->graph = hark_grammar_from_intents(g->intents))) {
            cli_error(sub, "%s", hark_last_error());
            cli_grammar_close(g);
            return -1;
        }
    } else {
        cli_phrase_list pl = {0};
        if (cli_phrases_read(sub, phrase_file, &pl) != 0)
            return -1;
        g->graph = hark_grammar_from_phrases((const char *const *)pl.v, pl.n);
        cli_phrases_free(&pl);
        if (!g->graph) {
            cli_error(sub, "%s: %s", phrase_file, hark_last_error());
            return -1;
        }
    }
    hark_grammar_params p = hark_grammar_default_params();
    p.reject = (float)reject;
    if (!(g->dec = hark_grammar_decoder_create_for_model(g->graph, m, &p))) {
        cli_error(sub, "%s: %s", intents_file ? intents_file : phrase_file, hark_last_error());
        cli_grammar_close(g);
        return -1;
    }
    return 0;
}

void cli_grammar_close(cli_grammar *g)
{
    hark_grammar_decoder_free(g->dec);
    hark_grammar_free(g->graph);
    hark_intents_free(g->intents);
    memset(g, 0, sizeof *g);
}

void cli_grammar_json(cJSON *o, const hark_grammar_result *r)
{
    if (!r->has_intent) {
        cJSON_AddNullToObject(o, "intent");
        return;
    }
    cJSON *in = cJSON_AddObjectToObject(o, "intent");
    if (!in)
        return;
    cJSON_AddStringToObject(in, "text", r->intent.normalized);
    cJSON_AddStringToObject(in, "intent", r->intent.intent);
    cJSON_AddNumberToObject(in, "confidence", round(r->intent.confidence * 10000.0) / 10000.0);
    cJSON *slots = cJSON_AddObjectToObject(in, "slots");
    for (int i = 0; slots && i < r->intent.n_slots; i++) {
        const hark_slot *s = &r->intent.slots[i];
        if (s->is_number)
            cJSON_AddNumberToObject(slots, s->name, s->number);
        else
            cJSON_AddStringToObject(slots, s->name, s->text);
    }
    cJSON_AddStringToObject(in, "response", r->intent.response);
    cJSON_AddNumberToObject(in, "gap", round(r->gap * 10000.0) / 10000.0);
    cJSON_AddNumberToObject(in, "uncovered", round(r->uncovered * 10000.0) / 10000.0);
}

void cli_grammar_text(const hark_grammar_result *r, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (!r->has_intent || cap == 0)
        return;
    size_t len = (size_t)snprintf(buf, cap, "%s", r->intent.intent);
    for (int i = 0; i < r->intent.n_slots && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s=%s", i ? "," : "\t",
                                r->intent.slots[i].name, r->intent.slots[i].text);
}
