/* cli_grammar.c - the grammar decoding shared by 'hark transcribe' and 'hark eval': build the
 * word graph from an intent file or a phrase list, run the acoustic model over a recording and
 * decode its log-posteriors under the graph, print the intent and slots it carries. */
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

/* Features and the forward pass of the whole recording (the same steps as whole-file
 * transcription), giving (T, V) log-posteriors. */
static hark_status model_logprobs(const hark_model *m, const float *x, size_t n, float **lp,
                                  int *T)
{
    *lp = NULL;
    *T = 0;
    hark_mfcc *mf = hark_mfcc_create(hark_model_feature_config(m));
    if (!mf)
        return HARK_ERR_INVALID_ARG;
    float *feats = NULL;
    size_t frames = 0;
    hark_status st = hark_mfcc_compute_alloc(mf, x, n, &feats, &frames);
    hark_mfcc_free(mf);
    if (st || frames == 0) {
        free(feats);
        return st;
    }
    const hark_net *net = hark_model_net(m);
    hark_net_ws *ws = hark_net_ws_create_inference(net, 1, (int)frames);
    if (!ws) {
        free(feats);
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    }
    int len = (int)frames, out_len = 0, t_out = 0;
    const float *out = NULL;
    st = hark_net_forward(net, ws, feats, &len, 1, len, 0, NULL, &out, &out_len, &t_out);
    int V = hark_net_get_config(net)->n_output;
    if (st == HARK_OK && out_len > 0) {
        *lp = malloc((size_t)out_len * (size_t)V * sizeof **lp);
        if (!*lp)
            st = hark_error(HARK_ERR_NOMEM, "out of memory");
        else {
            memcpy(*lp, out, (size_t)out_len * (size_t)V * sizeof **lp);
            *T = out_len;
        }
    }
    hark_net_ws_free(ws);
    free(feats);
    return st;
}

hark_status cli_grammar_run(cli_grammar *g, const hark_model *m, const float *x, size_t n,
                            hark_grammar_result *out)
{
    float *lp = NULL;
    int T = 0;
    hark_status st = model_logprobs(m, x, n, &lp, &T);
    if (st)
        return st;
    double t0 = cli_now();
    st = hark_grammar_decode(g->dec, lp, T, hark_net_get_config(hark_model_net(m))->n_output,
                             hark_model_frame_seconds(m), out);
    g->seconds += cli_now() - t0;
    if (st == HARK_OK)
        out->transcript.duration = (double)n / hark_model_sample_rate(m);
    free(lp);
    return st;
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
