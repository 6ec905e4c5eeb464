/* cli_phrases.c - the closed vocabulary of 'hark transcribe' and 'hark eval': --phrases FILE (one
 * phrase per line, normalised like transcripts; '#' starts a comment line) or --closed (the phrases
 * the model was trained on), handed to the recognizer's phrase decoder. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

void cli_phrases_free(cli_phrase_list *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i]);
    free(p->v);
    p->v = NULL;
    p->n = 0;
}

int cli_phrases_read(const char *sub, const char *path, cli_phrase_list *p)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        cli_error(sub, "%s: cannot open the phrase list", path);
        return -1;
    }
    char line[1024];
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        size_t need = hark_text_normalize(line, NULL, 0) + 1;
        char *norm = malloc(need);
        if (!norm)
            break;
        hark_text_normalize(line, norm, need);
        if (!norm[0] && strspn(line, " \t\r\n") == strlen(line)) { /* blank line */
            free(norm);
            continue;
        }
        if (p->n == cap) {
            cap = cap ? 2 * cap : 32;
            char **nv = realloc(p->v, cap * sizeof *nv);
            if (!nv) {
                free(norm);
                break;
            }
            p->v = nv;
        }
        p->v[p->n++] = norm;
    }
    fclose(f);
    if (p->n == 0) {
        cli_error(sub, "%s: no phrases in the list", path);
        return -1;
    }
    return 0;
}

/* Set the recognizer's closed vocabulary from --phrases or --closed. */
int cli_phrases_apply(const char *sub, hark_recognizer *r, const hark_model *m,
                         const char *file, int closed, cli_phrase_list *p)
{
    if (file) {
        if (cli_phrases_read(sub, file, p) != 0)
            return -1;
        if (hark_recognizer_set_phrases(r, (const char *const *)p->v, p->n) != HARK_OK) {
            cli_error(sub, "%s: %s", file, hark_last_error());
            return -1;
        }
    } else if (closed) {
        size_t n;
        const char *const *v = hark_model_phrases(m, &n);
        if (!v) {
            cli_error(sub, "--closed: the model stores no phrase list (trained on more than 256 "
                           "distinct transcripts); use --phrases FILE");
            return -1;
        }
        if (hark_recognizer_set_phrases(r, v, n) != HARK_OK) {
            cli_error(sub, "%s", hark_last_error());
            return -1;
        }
    }
    return 0;
}
