/* speed.c - the cost of decoding under a grammar next to the acoustic model's, on recordings:
 * features + forward pass (the acoustic model, hark_model_logprobs) and hark_grammar_decode are
 * timed separately in CPU time, each over every file of a manifest, best of --repeat runs; also
 * the utterances whose best path scores below a very wide search's (search errors), those whose
 * output then differs, and the share of transcripts equal to the manifest's.
 *
 *   speed MODEL INTENTS MANIFEST [--repeat N] [--beam B] [--max-active N]
 *
 * Built and run by bench/grammar/run.sh against the build tree's libhark. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hark.h"

static double cpu(void) { return (double)clock() / CLOCKS_PER_SEC; }

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: speed MODEL INTENTS MANIFEST [--repeat N] [--beam B] "
                        "[--max-active N]\n");
        return 2;
    }
    int repeat = 3;
    hark_grammar_params p = hark_grammar_default_params();
    for (int i = 4; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--repeat"))
            repeat = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--beam"))
            p.beam = (float)atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--max-active"))
            p.max_active = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--blank-skip"))
            p.blank_skip = (float)atof(argv[i + 1]);
    }
    hark_model *m = hark_model_load(argv[1]);
    hark_intents *f = m ? hark_intents_load(argv[2]) : NULL;
    hark_grammar *g = f ? hark_grammar_from_intents(f) : NULL;
    hark_grammar_decoder *d = g ? hark_grammar_decoder_create_for_model(g, m, &p) : NULL;
    hark_corpus *c = d ? hark_corpus_open(argv[3]) : NULL;
    if (!c) {
        fprintf(stderr, "speed: %s\n", hark_last_error());
        return 1;
    }
    size_t n = hark_corpus_size(c);
    float **lp = calloc(n, sizeof *lp);
    int *T = calloc(n, sizeof *T);
    double audio = 0, am = INFINITY, dec = INFINITY;
    int V = hark_net_get_config(hark_model_net(m))->n_output;
    for (int r = 0; r < repeat; r++) {
        double t_am = 0;
        for (size_t i = 0; i < n; i++) {
            float *x = NULL;
            size_t nx = 0;
            if (hark_audio_load(hark_corpus_get(c, i)->path, hark_model_sample_rate(m), &x, &nx,
                                NULL)) {
                fprintf(stderr, "speed: %s\n", hark_last_error());
                return 1;
            }
            if (r == 0)
                audio += (double)nx / hark_model_sample_rate(m);
            free(lp[i]);
            lp[i] = NULL;
            double t0 = cpu();
            hark_model_logprobs(m, x, nx, &lp[i], &T[i]);
            t_am += cpu() - t0;
            free(x);
        }
        double t0 = cpu();
        for (size_t i = 0; i < n; i++) {
            hark_grammar_result res;
            if (lp[i] && hark_grammar_decode(d, lp[i], T[i], V, hark_model_frame_seconds(m),
                                             &res) == HARK_OK)
                hark_grammar_result_clear(&res);
        }
        double t_dec = cpu() - t0;
        am = t_am < am ? t_am : am;
        dec = t_dec < dec ? t_dec : dec;
    }
    /* Search errors: utterances whose best grammar path under these limits scores below the one
     * a very wide search finds, and intents that then differ. */
    hark_grammar_params wide = p;
    wide.beam = 40;
    wide.max_active = 100000;
    wide.blank_skip = 0;
    hark_grammar_decoder *dw = hark_grammar_decoder_create_for_model(g, m, &wide);
    int search_errors = 0, intent_changes = 0, right = 0;
    for (size_t i = 0; dw && i < n; i++) {
        hark_grammar_result a, b;
        if (!lp[i] || hark_grammar_decode(d, lp[i], T[i], V, 0.03, &a))
            continue;
        right += strcmp(a.transcript.text, hark_corpus_get(c, i)->text) == 0;
        if (hark_grammar_decode(dw, lp[i], T[i], V, 0.03, &b) == HARK_OK) {
            search_errors += a.grammar_logprob < b.grammar_logprob - 0.01;
            intent_changes += strcmp(a.intent.intent, b.intent.intent) != 0 ||
                              strcmp(a.transcript.text, b.transcript.text) != 0;
            hark_grammar_result_clear(&b);
        }
        hark_grammar_result_clear(&a);
    }
    hark_grammar_decoder_free(dw);
    printf("{\"files\": %zu, \"audio_seconds\": %.2f, \"am_seconds\": %.4f, "
           "\"grammar_seconds\": %.4f, \"grammar_share_of_am\": %.4f, \"states\": %zu, "
           "\"arcs\": %zu, \"beam\": %g, \"max_active\": %d, \"search_errors\": %d, "
           "\"output_changes\": %d, \"sentence_accuracy\": %.4f}\n", n, audio, am, dec,
           dec / am, hark_grammar_decoder_states(d), hark_grammar_arcs(g), p.beam, p.max_active,
           search_errors, intent_changes, (double)right / (double)(n ? n : 1));
    for (size_t i = 0; i < n; i++)
        free(lp[i]);
    free(lp);
    free(T);
    hark_corpus_free(c);
    hark_grammar_decoder_free(d);
    hark_grammar_free(g);
    hark_intents_free(f);
    hark_model_free(m);
    return 0;
}
