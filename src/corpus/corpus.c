/* corpus.c - the corpus object: parsing "PATH[:SPLIT]" specs, dispatching to the layout readers,
 * speaker filters, reading durations from audio headers, and the summary queries (stats,
 * character set). Layout readers live in readers.c and manifest.c; the string arena and the
 * file helpers they share with this file in store.c. */
/* realpath() is an XSI extension of POSIX. */
#define _XOPEN_SOURCE 700

#include "corpus_internal.h"
#include "core/util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- files ------------------------------------------------------------------------ */

static int path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* ---- layouts ----------------------------------------------------------------------- */

const char *hark_corpus_layout_name(hark_corpus_layout layout)
{
    switch (layout) {
    case HARK_CORPUS_MANIFEST: return "manifest";
    case HARK_CORPUS_FSDD: return "fsdd";
    case HARK_CORPUS_SPEECH_COMMANDS: return "speech_commands";
    case HARK_CORPUS_LJSPEECH: return "ljspeech";
    case HARK_CORPUS_LIBRISPEECH: return "librispeech";
    case HARK_CORPUS_COMMON_VOICE: return "common_voice";
    case HARK_CORPUS_MIXED: return "mixed";
    }
    return "unknown";
}

typedef hark_status (*reader_fn)(hark_corpus *, const corpus_reader_args *);

static reader_fn reader_for(hark_corpus_layout layout)
{
    switch (layout) {
    case HARK_CORPUS_MANIFEST: return corpus_read_manifest;
    case HARK_CORPUS_FSDD: return corpus_read_fsdd;
    case HARK_CORPUS_SPEECH_COMMANDS: return corpus_read_speech_commands;
    case HARK_CORPUS_LJSPEECH: return corpus_read_ljspeech;
    case HARK_CORPUS_LIBRISPEECH: return corpus_read_librispeech;
    case HARK_CORPUS_COMMON_VOICE: return corpus_read_common_voice;
    case HARK_CORPUS_MIXED: break;
    }
    return NULL;
}

/* ---- specs and filters ---------------------------------------------------------------- */

/* Split "PATH[:SPLIT]" by the rule in corpus.h. *path and *split are malloc'd (*split NULL when
 * there is none). */
static hark_status parse_spec(const char *spec, char **path, char **split)
{
    *path = *split = NULL;
    if (!spec || !*spec)
        return hark_error(HARK_ERR_INVALID_ARG, "corpus: empty corpus argument");
    const char *colon = strrchr(spec, ':');
    if (path_exists(spec) || !colon) {
        *path = strdup(spec);
        return *path ? HARK_OK : hark_error(HARK_ERR_NOMEM, "corpus: out of memory");
    }
    *path = strndup(spec, (size_t)(colon - spec));
    *split = colon[1] ? strdup(colon + 1) : NULL;
    if (!*path || (colon[1] && !*split)) {
        free(*path);
        free(*split);
        *path = *split = NULL;
        return hark_error(HARK_ERR_NOMEM, "corpus: out of memory");
    }
    return HARK_OK;
}

#define MAX_SPEAKER_FILTER 64

typedef struct split_filter {
    char *name;                           /* layout split, NULL = all (points into buf) */
    char *include[MAX_SPEAKER_FILTER];    /* speaker=... */
    size_t n_include;
    char *exclude[MAX_SPEAKER_FILTER];    /* speaker!=... */
    size_t n_exclude;
} split_filter;

static hark_status parse_speakers(char *list, char **out, size_t *n, const char *split)
{
    for (char *save = NULL, *tok = strtok_r(list, "+", &save); tok;
         tok = strtok_r(NULL, "+", &save)) {
        if (*n == MAX_SPEAKER_FILTER)
            return hark_error(HARK_ERR_INVALID_ARG, "corpus: split '%s': more than %d speakers",
                              split, MAX_SPEAKER_FILTER);
        out[(*n)++] = tok;
    }
    return HARK_OK;
}

/* Parse the comma-separated filters of `split` (modified in place). */
static hark_status parse_split(char *split, const char *orig, split_filter *f)
{
    memset(f, 0, sizeof *f);
    if (!split)
        return HARK_OK;
    char *save = NULL;
    for (char *tok = strtok_r(split, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        hark_status st = HARK_OK;
        if (!strncmp(tok, "speaker!=", 9) && tok[9]) {
            st = parse_speakers(tok + 9, f->exclude, &f->n_exclude, orig);
        } else if (!strncmp(tok, "speaker=", 8) && tok[8]) {
            st = parse_speakers(tok + 8, f->include, &f->n_include, orig);
        } else if (!strncmp(tok, "speaker", 7)) {
            st = hark_error(HARK_ERR_INVALID_ARG,
                            "corpus: bad filter '%s' in split '%s' (use speaker=A+B or "
                            "speaker!=A+B)", tok, orig);
        } else if (!strcmp(tok, "all")) {
            /* everything: the same as no name */
        } else if (f->name) {
            st = hark_error(HARK_ERR_INVALID_ARG,
                            "corpus: split '%s' names two splits ('%s', '%s')", orig, f->name,
                            tok);
        } else {
            f->name = tok;
        }
        if (st != HARK_OK)
            return st;
    }
    return HARK_OK;
}

static int speaker_listed(const char *speaker, char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(speaker, list[i]))
            return 1;
    return 0;
}

/* Error for a speaker filter naming nobody in the selection, listing a few who are there. */
static hark_status unknown_speaker(const hark_corpus *c, const char *who, const char *spec)
{
    const char **names = malloc((c->n ? c->n : 1) * sizeof *names);
    if (!names)
        return hark_error(HARK_ERR_NOMEM, "corpus: out of memory");
    for (size_t i = 0; i < c->n; i++)
        names[i] = c->items[i].utt.speaker;
    qsort(names, c->n, sizeof *names, util_cmp_str_p);
    char known[256] = "";
    size_t shown = 0, len = 0;
    for (size_t i = 0; i < c->n && len < sizeof known - 1; i++) {
        if (!*names[i] || (i > 0 && !strcmp(names[i], names[i - 1])))
            continue;
        if (shown == 8) {
            len += (size_t)snprintf(known + len, sizeof known - len, ", ...");
            break;
        }
        len += (size_t)snprintf(known + len, sizeof known - len, "%s%s", shown ? ", " : "",
                                names[i]);
        shown++;
    }
    free(names);
    return hark_error(HARK_ERR_INVALID_ARG, "%s: no speaker '%s' in this selection (speakers: %s)",
                      spec, who, shown ? known : "none");
}

static hark_status apply_speaker_filter(hark_corpus *c, const split_filter *f, const char *spec)
{
    if (!f->n_include && !f->n_exclude)
        return HARK_OK;
    for (size_t k = 0; k < f->n_include + f->n_exclude; k++) {
        const char *who = k < f->n_include ? f->include[k] : f->exclude[k - f->n_include];
        size_t i = 0;
        while (i < c->n && strcmp(c->items[i].utt.speaker, who))
            i++;
        if (i == c->n)
            return unknown_speaker(c, who, spec);
    }
    size_t kept = 0;
    for (size_t i = 0; i < c->n; i++) {
        const char *s = c->items[i].utt.speaker;
        if (f->n_include && !speaker_listed(s, f->include, f->n_include))
            continue;
        if (speaker_listed(s, f->exclude, f->n_exclude))
            continue;
        c->items[kept++] = c->items[i];
    }
    c->n = kept;
    return HARK_OK;
}

static int cmp_item(const void *a, const void *b)
{
    const corpus_item *x = a, *y = b;
    int r = strcmp(x->utt.path, y->utt.path);
    if (r)
        return r;
    return (x->line > y->line) - (x->line < y->line);
}

/* Where an utterance came from, for messages: "list.tsv:12: " or "". */
static void origin(const corpus_item *it, char *buf, size_t cap)
{
    if (it->src && it->line)
        snprintf(buf, cap, "%s:%zu: ", it->src, it->line);
    else
        buf[0] = '\0';
}

/* Durations from the audio headers (libsndfile reads the header only; FLAC keeps the length in
 * STREAMINFO), which also proves every file is audio before a long training run starts. */
static hark_status read_durations(hark_corpus *c, int open_headers)
{
    char where[PATH_MAX + 32], why[1024];
    for (size_t i = 0; i < c->n; i++) {
        corpus_item *it = &c->items[i];
        hark_status st = HARK_OK;
        if (open_headers) {
            st = corpus_audio_duration(it->utt.path, &it->utt.duration);
        } else {
            struct stat sb;
            int found = stat(it->utt.path, &sb) == 0;
            if (!found || !S_ISREG(sb.st_mode))
                st = hark_error(HARK_ERR_FORMAT, "audio file %s: %s", it->utt.path,
                                found ? "not a regular file" : strerror(errno));
        }
        if (st != HARK_OK) { /* prefix the line that named the file */
            snprintf(why, sizeof why, "%s", hark_last_error());
            origin(it, where, sizeof where);
            return hark_error(st, "%s%s", where, why);
        }
    }
    return HARK_OK;
}

hark_corpus_params hark_corpus_default_params(void)
{
    hark_corpus_params p;
    memset(&p, 0, sizeof p);
    p.read_durations = 1;
    return p;
}

/* Open `spec` into *out; the status says why not. */
static hark_status open_spec(const char *spec, const hark_corpus_params *params, hark_corpus **out)
{
    hark_corpus_params p = params ? *params : hark_corpus_default_params();
    char *path = NULL, *split = NULL, *split_copy = NULL;
    hark_corpus *c = NULL;
    char root[PATH_MAX];
    split_filter filter;
    hark_status st;

    *out = NULL;
    if ((st = parse_spec(spec, &path, &split)) != HARK_OK)
        return st;
    if (!realpath(path, root)) {
        st = hark_error(HARK_ERR_IO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    split_copy = split ? strdup(split) : NULL;
    c = calloc(1, sizeof *c);
    if ((split && !split_copy) || !c || !(c->spec = strdup(spec))) {
        st = hark_error(HARK_ERR_NOMEM, "corpus: out of memory");
        goto fail;
    }
    if ((st = parse_split(split_copy, split, &filter)) != HARK_OK)
        goto fail;
    if (corpus_is_dir(root)) {
        if ((st = corpus_detect(root, &c->layout)) != HARK_OK)
            goto fail;
    } else if (corpus_is_file(root)) {
        c->layout = HARK_CORPUS_MANIFEST;
    } else {
        st = hark_error(HARK_ERR_IO, "%s: neither a manifest file nor a corpus directory", path);
        goto fail;
    }
    corpus_reader_args args = {root, filter.name};
    if ((st = reader_for(c->layout)(c, &args)) != HARK_OK)
        goto fail;
    if ((st = apply_speaker_filter(c, &filter, spec)) != HARK_OK)
        goto fail;
    if (c->n)
        qsort(c->items, c->n, sizeof *c->items, cmp_item);
    if ((st = read_durations(c, p.read_durations)) != HARK_OK)
        goto fail;
    *out = c;
    c = NULL;
fail:
    free(path);
    free(split);
    free(split_copy);
    hark_corpus_free(c);
    return st;
}

hark_corpus *hark_corpus_open(const char *spec) { return hark_corpus_open_with(spec, NULL); }

hark_corpus *hark_corpus_open_with(const char *spec, const hark_corpus_params *params)
{
    hark_corpus *c;
    open_spec(spec, params, &c);
    return c;
}

hark_status hark_corpus_load(const char *spec, const hark_corpus_params *params,
                             hark_corpus **out)
{
    if (!out)
        return hark_error(HARK_ERR_INVALID_ARG, "corpus: NULL output for hark_corpus_load");
    return open_spec(spec, params, out);
}

hark_status hark_corpus_append(hark_corpus *c, const char *spec, const hark_corpus_params *params)
{
    if (!c)
        return hark_error(HARK_ERR_INVALID_ARG, "corpus: append to a NULL corpus");
    hark_corpus *o;
    hark_status st = open_spec(spec, params, &o);
    if (st != HARK_OK)
        return st;
    size_t need = c->n + o->n;
    if (need > c->cap) {
        corpus_item *items = realloc(c->items, need * sizeof *items);
        if (!items)
            goto nomem;
        c->items = items; /* c->n is unchanged, so c still holds what it held */
        c->cap = need;
    }
    size_t speclen = strlen(c->spec) + 3 + strlen(o->spec) + 1;
    char *newspec = malloc(speclen);
    if (!newspec)
        goto nomem;
    snprintf(newspec, speclen, "%s + %s", c->spec, o->spec);
    free(c->spec);
    c->spec = newspec;
    if (o->n)
        memcpy(c->items + c->n, o->items, o->n * sizeof *o->items);
    c->n = need;
    corpus_arena_take(c, o); /* the strings stay in o's arena blocks */
    if (c->layout != o->layout)
        c->layout = HARK_CORPUS_MIXED;
    hark_corpus_free(o);
    if (c->n)
        qsort(c->items, c->n, sizeof *c->items, cmp_item);
    return HARK_OK;
nomem:
    hark_corpus_free(o);
    return hark_error(HARK_ERR_NOMEM, "corpus: out of memory");
}

void hark_corpus_free(hark_corpus *c)
{
    if (!c)
        return;
    corpus_arena_free(c);
    free(c->items);
    free(c->spec);
    free(c);
}

size_t hark_corpus_size(const hark_corpus *c) { return c ? c->n : 0; }

const hark_utt *hark_corpus_get(const hark_corpus *c, size_t i)
{
    return c && i < c->n ? &c->items[i].utt : NULL;
}

hark_corpus_layout hark_corpus_get_layout(const hark_corpus *c)
{
    return c ? c->layout : HARK_CORPUS_MANIFEST;
}

const char *hark_corpus_spec(const hark_corpus *c) { return c ? c->spec : ""; }

hark_status hark_corpus_get_stats(const hark_corpus *c, hark_corpus_stats *s)
{
    if (!c || !s)
        return hark_error(HARK_ERR_INVALID_ARG, "corpus: NULL argument to hark_corpus_get_stats");
    memset(s, 0, sizeof *s);
    s->n = c->n;
    const char **names = malloc((c->n ? c->n : 1) * sizeof *names);
    if (!names)
        return hark_error(HARK_ERR_NOMEM, "corpus: out of memory");
    size_t nn = 0;
    for (size_t i = 0; i < c->n; i++) {
        const hark_utt *u = &c->items[i].utt;
        if (*u->speaker)
            names[nn++] = u->speaker;
        if (!*u->text)
            s->n_empty++;
        if (u->duration < 0)
            continue;
        if (!s->n_timed || u->duration < s->min_seconds)
            s->min_seconds = u->duration;
        if (!s->n_timed || u->duration > s->max_seconds) {
            s->max_seconds = u->duration;
            s->longest = i;
        }
        s->total_seconds += u->duration;
        s->n_timed++;
    }
    if (s->n_timed)
        s->mean_seconds = s->total_seconds / (double)s->n_timed;
    qsort(names, nn, sizeof *names, util_cmp_str_p);
    for (size_t i = 0; i < nn; i++)
        if (i == 0 || strcmp(names[i], names[i - 1]))
            s->n_speakers++;
    free(names);
    return HARK_OK;
}

size_t hark_corpus_charset(const hark_corpus *c, char *out, size_t cap)
{
    unsigned char seen[256] = {0};
    for (size_t i = 0; c && i < c->n; i++)
        for (const unsigned char *p = (const unsigned char *)c->items[i].utt.text; *p; p++)
            seen[*p] = 1;
    size_t n = 0;
    for (int ch = 1; ch < 256; ch++) {
        if (!seen[ch])
            continue;
        if (n + 1 < cap)
            out[n] = (char)ch;
        n++;
    }
    if (cap > 0)
        out[n < cap ? n : cap - 1] = '\0';
    return n;
}
