/* fsg.c - an intent file's word graph (the one hark decodes under) written as a finite-state
 * grammar in Sphinx's FSG text format, so PocketSphinx decodes under exactly the same sentences:
 * word arcs become word transitions, the tag arcs (intent, slots, values) and epsilon arcs null
 * transitions, each node's transitions share its probability evenly. A JSGF rendering of the same
 * graph would have PocketSphinx inline every shared rule reference, which can grow exponentially
 * with the file; FSG keeps the graph's size. hark's graph has one final node; it is the node
 * without outgoing arcs (several such nodes would all be joined to one final state).
 *
 *   fsg INTENTS > FILE.fsg      (then: pocketsphinx_batch -fsg FILE.fsg ...)
 *
 * Built and run by models/recipes/eval.sh against the build tree's libhark. */
#include <stdio.h>
#include <stdlib.h>

#include "hark.h"

/* Print the FSG of g; 0 on success. */
static int write_fsg(const hark_grammar *g, FILE *out)
{
    size_t nodes = hark_grammar_nodes(g), arcs = hark_grammar_arcs(g);
    size_t *outdeg = calloc(nodes + 1, sizeof *outdeg);
    if (!outdeg)
        return 1;
    for (size_t i = 0; i < arcs; i++)
        outdeg[hark_grammar_arc_at(g, i)->from]++;
    size_t final = nodes; /* a state of its own, reached by a null transition from each end */
    for (size_t n = 0; n < nodes; n++)
        outdeg[n] += outdeg[n] == 0;
    fprintf(out, "FSG_BEGIN intents\nNUM_STATES %zu\nSTART_STATE 0\nFINAL_STATE %zu\n",
            nodes + 1, final);
    for (size_t i = 0; i < arcs; i++) {
        const hark_grammar_arc *a = hark_grammar_arc_at(g, i);
        double p = 1.0 / (double)outdeg[a->from];
        if (a->kind == HARK_GRAMMAR_WORD)
            fprintf(out, "TRANSITION %d %d %.6f %s\n", a->from, a->to, p,
                    hark_grammar_string(g, a->label));
        else
            fprintf(out, "TRANSITION %d %d %.6f\n", a->from, a->to, p);
    }
    int *has_out = calloc(nodes, sizeof *has_out);
    if (!has_out) {
        free(outdeg);
        return 1;
    }
    for (size_t i = 0; i < arcs; i++)
        has_out[hark_grammar_arc_at(g, i)->from] = 1;
    for (size_t n = 0; n < nodes; n++)
        if (!has_out[n])
            fprintf(out, "TRANSITION %zu %zu 1.0\n", n, final);
    fprintf(out, "FSG_END\n");
    free(has_out);
    free(outdeg);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fsg INTENTS > FILE.fsg\n");
        return 2;
    }
    hark_intents *f = hark_intents_load(argv[1]);
    hark_grammar *g = f ? hark_grammar_from_intents(f) : NULL;
    if (!g) {
        fprintf(stderr, "fsg: %s\n", hark_last_error());
        hark_intents_free(f);
        return 1;
    }
    int rc = write_fsg(g, stdout);
    if (rc)
        fprintf(stderr, "fsg: out of memory\n");
    hark_grammar_free(g);
    hark_intents_free(f);
    return rc;
}
