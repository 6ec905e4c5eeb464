/* compile.c - time and memory of compiling an intent file into a grammar: parse, compile to the
 * word graph, expand to the units of an alphabet; prints the sentences the file describes
 * (counted by the parser without expanding them), graph and decoder sizes, CPU seconds and the
 * process's peak resident memory.
 *
 *   compile INTENTS [ALPHABET]
 *
 * Built and run by bench/grammar/run.sh against the build tree's libhark. */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "hark.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: compile INTENTS [ALPHABET]\n");
        return 2;
    }
    const char *alphabet = argc > 2 ? argv[2] : " 'abcdefghijklmnopqrstuvwxyz";
    clock_t c0 = clock();
    hark_intents *f = hark_intents_load(argv[1]);
    clock_t c1 = clock();
    hark_grammar *g = f ? hark_grammar_from_intents(f) : NULL;
    clock_t c2 = clock();
    hark_grammar_decoder *d = g ? hark_grammar_decoder_create(g, alphabet, NULL) : NULL;
    clock_t c3 = clock();
    if (!d) {
        fprintf(stderr, "compile: %s\n", hark_last_error());
        return 1;
    }
    double sentences = 0;
    for (size_t i = 0; i < hark_intents_count(f); i++)
        sentences += (double)hark_intents_sentence_count(f, i);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"intents\": %zu, \"sentences\": %.3g, \"nodes\": %zu, \"arcs\": %zu, "
           "\"states\": %zu, \"parse_seconds\": %.4f, \"compile_seconds\": %.4f, "
           "\"expand_seconds\": %.4f, \"peak_rss_mb\": %.1f}\n",
           hark_intents_count(f), sentences, hark_grammar_nodes(g), hark_grammar_arcs(g),
           hark_grammar_decoder_states(d), (double)(c1 - c0) / CLOCKS_PER_SEC,
           (double)(c2 - c1) / CLOCKS_PER_SEC, (double)(c3 - c2) / CLOCKS_PER_SEC,
           ru.ru_maxrss / 1024.0);
    hark_grammar_decoder_free(d);
    hark_grammar_free(g);
    hark_intents_free(f);
    return 0;
}
