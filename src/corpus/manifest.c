/* manifest.c - the plain manifest: a UTF-8 TSV file, `path<TAB>transcript[<TAB>speaker]` per
 * line, audio paths relative to the manifest's directory. It is the format users write by hand
 * and other tools export, so every defect is reported with the file and line. */
/* realpath() is an XSI extension of POSIX. */
#define _XOPEN_SOURCE 700

#include "corpus_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

hark_status corpus_read_manifest(hark_corpus *c, const corpus_reader_args *args)
{
    if (args->split)
        return hark_error(HARK_ERR_INVALID_ARG,
                          "%s: a manifest has no split '%s' (only speaker=... and speaker!=... "
                          "filters apply)", args->root, args->split);
    char *dir = strdup(args->root);
    if (!dir)
        return hark_error(HARK_ERR_NOMEM, "corpus: out of memory");
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir ? 1 : 0] = '\0';
    const char *src = corpus_strdup(c, args->root);
    corpus_lines r;
    hark_status st = src ? corpus_lines_open(&r, args->root) : HARK_ERR_NOMEM;
    if (st != HARK_OK) {
        free(dir);
        return st;
    }
    char *line;
    while ((st = corpus_lines_next(&r, &line)) == HARK_OK && line) {
        size_t n = r.len;
        if (n == 0 || line[0] == '#')
            continue;
        if (memchr(line, '\0', n) || !hark_text_valid_utf8(line, n)) {
            st = hark_error(HARK_ERR_FORMAT, "%s:%zu: not valid UTF-8 text", src, r.line);
            break;
        }
        char *tab = strchr(line, '\t');
        if (!tab) {
            st = hark_error(HARK_ERR_FORMAT,
                            "%s:%zu: no tab between the audio path and the transcript", src,
                            r.line);
            break;
        }
        *tab = '\0';
        char *text = tab + 1, *speaker = strchr(text, '\t');
        if (speaker) {
            *speaker++ = '\0';
            if (strchr(speaker, '\t')) {
                st = hark_error(HARK_ERR_FORMAT,
                                "%s:%zu: more than three tab-separated fields", src, r.line);
                break;
            }
        }
        if (!*line) {
            st = hark_error(HARK_ERR_FORMAT, "%s:%zu: empty audio path", src, r.line);
            break;
        }
        const char *norm = corpus_normalize(c, text);
        if (norm && !*norm) {
            st = hark_error(HARK_ERR_FORMAT, "%s:%zu: empty transcript%s", src, r.line,
                            *text ? " after normalisation (no letters or digits)" : "");
            break;
        }
        /* Resolve "../clips/x.wav" to a clean absolute path; a missing file keeps the joined
         * path so the existence check can name it. */
        char joined[PATH_MAX], resolved[PATH_MAX];
        int jn = snprintf(joined, sizeof joined, "%s/%s", dir, line);
        if (jn < 0 || (size_t)jn >= sizeof joined) {
            /* Cutting it would name (and maybe find) another file. */
            st = hark_error(HARK_ERR_FORMAT, "%s:%zu: audio path longer than %d bytes: %.64s...",
                            src, r.line, PATH_MAX - 1, line);
            break;
        }
        const char *path = corpus_strdup(
            c, realpath(line[0] == '/' ? line : joined, resolved) ? resolved
                                                                 : line[0] == '/' ? line : joined);
        /* The id is the path as written: unique within the manifest and readable. */
        const char *id = corpus_strdup(c, line);
        if ((st = corpus_add(c, path, norm, corpus_strdup(c, speaker ? speaker : ""), id, src,
                             r.line)) != HARK_OK)
            break;
    }
    corpus_lines_close(&r);
    free(dir);
    return st;
}
