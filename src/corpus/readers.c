/* readers.c - corpora in their native layouts: Free Spoken Digit Dataset, Speech Commands,
 * LJSpeech, LibriSpeech and Common Voice, plus the detection that tells them apart. Each reader
 * follows its corpus's own split convention (see include/hark/corpus.h) and reports defects with
 * the file and line that caused them. */
#include "corpus_internal.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- directory listing --------------------------------------------------------------- */

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void corpus_free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

hark_status corpus_list_dir(const char *dir, char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return hark_error(HARK_ERR_IO, "%s: %s", dir, strerror(errno));
    size_t cap = 0;
    struct dirent *e;
    hark_status st = HARK_OK;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        if (util_grow(names, &cap, *n + 1, sizeof **names, 64)) {
            st = HARK_ERR_NOMEM;
            break;
        }
        if (!((*names)[*n] = strdup(e->d_name))) {
            st = HARK_ERR_NOMEM;
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (st != HARK_OK) {
        corpus_free_names(*names, *n);
        *names = NULL;
        *n = 0;
        return hark_error(st, "corpus: out of memory listing %s", dir);
    }
    if (*n)
        qsort(*names, *n, sizeof **names, cmp_name);
    return HARK_OK;
}

/* "a/b" in buf; "" (which names no file) when it does not fit, never a cut path that could
 * name another file. */
static char *path_join(const char *a, const char *b, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s/%s", a, b);
    if (n < 0 || (size_t)n >= cap)
        buf[0] = '\0';
    return buf;
}

/* The audio of utterance `id` in `dir`: "dir/id.<first>" if it exists, else "dir/id.<second>",
 * else NULL (with *too_long set when the paths do not fit PATH_MAX). */
static const char *audio_of(const char *dir, const char *id, const char *first,
                            const char *second, char (*buf)[PATH_MAX], int *too_long)
{
    int n1 = snprintf(buf[0], PATH_MAX, "%s/%s.%s", dir, id, first);
    int n2 = snprintf(buf[1], PATH_MAX, "%s/%s.%s", dir, id, second);
    *too_long = n1 < 0 || n2 < 0 || n1 >= PATH_MAX || n2 >= PATH_MAX;
    if (*too_long)
        return NULL;
    return corpus_is_file(buf[0]) ? buf[0] : corpus_is_file(buf[1]) ? buf[1] : NULL;
}

static hark_status id_too_long(const char *src, size_t line, const char *id)
{
    return hark_error(HARK_ERR_FORMAT, "%s:%zu: utterance ID longer than a path can be: %.64s...",
                      src, line, id);
}

/* "train, test" style list of valid names, for error messages. */
static hark_status unknown_split(const char *root, const char *split, const char *valid)
{
    return hark_error(HARK_ERR_INVALID_ARG, "%s: unknown split '%s' (this corpus has: %s)", root,
                      split, valid);
}

/* ---- Free Spoken Digit Dataset ------------------------------------------------------- */

static const char *const digit_words[10] = {"zero", "one",   "two",   "three", "four",
                                            "five", "six",   "seven", "eight", "nine"};

/* Parse "{digit}_{speaker}_{take}.wav"; the speaker is returned as [*sp, *sp + *splen). */
static int fsdd_name(const char *name, int *digit, const char **sp, size_t *splen, long *take)
{
    if (name[0] < '0' || name[0] > '9' || name[1] != '_' || !corpus_has_ext(name, ".wav"))
        return 0;
    const char *s = name + 2, *u = strchr(s, '_');
    if (!u || u == s)
        return 0;
    const char *t = u + 1, *end = name + strlen(name) - 4;
    if (t >= end)
        return 0;
    long v = 0;
    for (const char *p = t; p < end; p++) {
        if (*p < '0' || *p > '9' || v > 1000000)
            return 0;
        v = v * 10 + (*p - '0');
    }
    *digit = name[0] - '0';
    *sp = s;
    *splen = (size_t)(u - s);
    *take = v;
    return 1;
}

static int dir_has_fsdd(const char *dir)
{
    char **names;
    size_t n;
    if (corpus_list_dir(dir, &names, &n) != HARK_OK)
        return 0;
    int found = 0;
    for (size_t i = 0; i < n && !found; i++) {
        int d;
        const char *sp;
        size_t spn;
        long take;
        found = fsdd_name(names[i], &d, &sp, &spn, &take);
    }
    corpus_free_names(names, n);
    return found;
}

hark_status corpus_read_fsdd(hark_corpus *c, const corpus_reader_args *args)
{
    /* takes 0-4 are the dataset's test set, 5-49 its training set */
    int want = 0; /* 0 all, 1 train, 2 test */
    if (args->split) {
        if (!strcmp(args->split, "train"))
            want = 1;
        else if (!strcmp(args->split, "test"))
            want = 2;
        else
            return unknown_split(args->root, args->split, "train (takes 5-49), test (takes 0-4)");
    }
    char buf[PATH_MAX];
    const char *dir = args->root;
    if (!dir_has_fsdd(dir))
        dir = path_join(args->root, "recordings", buf, sizeof buf);
    const char *cdir = corpus_strdup(c, dir);
    if (!cdir)
        return HARK_ERR_NOMEM;
    char **names;
    size_t n;
    hark_status st = corpus_list_dir(dir, &names, &n);
    if (st != HARK_OK)
        return st;
    for (size_t i = 0; i < n && st == HARK_OK; i++) {
        int d;
        const char *sp;
        size_t spn;
        long take;
        if (!fsdd_name(names[i], &d, &sp, &spn, &take))
            continue; /* README.md, .gitignore... */
        if ((want == 1 && take < 5) || (want == 2 && take > 4))
            continue;
        st = corpus_add(c, corpus_join(c, cdir, names[i]), digit_words[d],
                        corpus_strndup(c, sp, spn),
                        corpus_strndup(c, names[i], strlen(names[i]) - 4), NULL, 0);
    }
    corpus_free_names(names, n);
    return st;
}

/* ---- Speech Commands ------------------------------------------------------------------ */

typedef struct sc_entry {
    char *rel;
    size_t line;
    int found;
} sc_entry;

typedef struct sc_list {
    const char *path; /* in the corpus arena (messages name it) */
    sc_entry *e;
    size_t n;
} sc_list;

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const sc_entry *)a)->rel, ((const sc_entry *)b)->rel);
}

static void sc_list_free(sc_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->e[i].rel);
    free(l->e);
    memset(l, 0, sizeof *l);
}

/* Read validation_list.txt / testing_list.txt (absent: an empty list). */
static hark_status sc_list_read(hark_corpus *c, const char *root, const char *name, sc_list *l)
{
    char buf[PATH_MAX];
    memset(l, 0, sizeof *l);
    path_join(root, name, buf, sizeof buf);
    if (!corpus_is_file(buf))
        return HARK_OK;
    if (!(l->path = corpus_strdup(c, buf)))
        return HARK_ERR_NOMEM;
    corpus_lines r;
    hark_status st = corpus_lines_open(&r, l->path);
    if (st != HARK_OK)
        return st;
    size_t cap = 0;
    char *line;
    while ((st = corpus_lines_next(&r, &line)) == HARK_OK && line) {
        if (!r.len)
            continue;
        if (memchr(line, '\0', r.len) || !hark_text_valid_utf8(line, r.len)) {
            st = hark_error(HARK_ERR_FORMAT, "%s:%zu: not valid UTF-8 text", l->path, r.line);
            break;
        }
        if (util_grow(&l->e, &cap, l->n + 1, sizeof *l->e, 256)) {
            st = hark_error(HARK_ERR_NOMEM, "corpus: out of memory");
            break;
        }
        if (!(l->e[l->n].rel = strdup(line))) {
            st = hark_error(HARK_ERR_NOMEM, "corpus: out of memory");
            break;
        }
        l->e[l->n].line = r.line;
        l->e[l->n++].found = 0;
    }
    corpus_lines_close(&r);
    if (st == HARK_OK && l->n)
        qsort(l->e, l->n, sizeof *l->e, cmp_entry);
    return st;
}

static sc_entry *sc_find(sc_list *l, const char *rel)
{
    sc_entry key = {(char *)rel, 0, 0};
    return l->n ? bsearch(&key, l->e, l->n, sizeof *l->e, cmp_entry) : NULL;
}

/* Every listed file must exist, and no file may be in both lists. */
static hark_status sc_check_lists(sc_list *val, sc_list *test)
{
    for (size_t i = 0; i < val->n; i++)
        if (sc_find(test, val->e[i].rel))
            return hark_error(HARK_ERR_FORMAT, "%s:%zu: %s is also in %s", val->path,
                              val->e[i].line, val->e[i].rel, test->path);
    sc_list *lists[2] = {val, test};
    for (int k = 0; k < 2; k++) {
        /* report the first missing file in line order */
        const sc_entry *first = NULL;
        for (size_t i = 0; i < lists[k]->n; i++)
            if (!lists[k]->e[i].found && (!first || lists[k]->e[i].line < first->line))
                first = &lists[k]->e[i];
        if (first)
            return hark_error(HARK_ERR_FORMAT, "%s:%zu: listed file %s is not in the corpus",
                              lists[k]->path, first->line, first->rel);
    }
    return HARK_OK;
}

hark_status corpus_read_speech_commands(hark_corpus *c, const corpus_reader_args *args)
{
    int want = 0; /* 0 all, 1 train, 2 validation, 3 test */
    if (args->split) {
        if (!strcmp(args->split, "train") || !strcmp(args->split, "training"))
            want = 1;
        else if (!strcmp(args->split, "validation") || !strcmp(args->split, "dev"))
            want = 2;
        else if (!strcmp(args->split, "test") || !strcmp(args->split, "testing"))
            want = 3;
        else
            return unknown_split(args->root, args->split,
                                 "train, validation (or dev), test (or testing)");
    }
    sc_list val = {0}, test = {0};
    char **words = NULL, **files = NULL;
    size_t nwords = 0, nfiles = 0;
    char dir[PATH_MAX], rel[PATH_MAX];
    hark_status st;
    if ((st = sc_list_read(c, args->root, "validation_list.txt", &val)) != HARK_OK ||
        (st = sc_list_read(c, args->root, "testing_list.txt", &test)) != HARK_OK ||
        (st = corpus_list_dir(args->root, &words, &nwords)) != HARK_OK)
        goto done;
    for (size_t w = 0; w < nwords && st == HARK_OK; w++) {
        int silence = !strcmp(words[w], "_silence_");
        /* _background_noise_ holds long noise recordings, not utterances; dot folders are
         * not words either */
        if ((words[w][0] == '_' && !silence) || words[w][0] == '.' ||
            !corpus_is_dir(path_join(args->root, words[w], dir, sizeof dir)))
            continue;
        if ((st = corpus_list_dir(dir, &files, &nfiles)) != HARK_OK)
            break;
        const char *cdir = corpus_strdup(c, dir);
        const char *text = silence ? "" : corpus_normalize(c, words[w]);
        for (size_t i = 0; i < nfiles && st == HARK_OK; i++) {
            const char *f = files[i];
            if (!corpus_has_ext(f, ".wav") && !corpus_has_ext(f, ".flac"))
                continue;
            snprintf(rel, sizeof rel, "%s/%s", words[w], f);
            sc_entry *in_val = sc_find(&val, rel), *in_test = sc_find(&test, rel);
            if (in_val)
                in_val->found = 1;
            if (in_test)
                in_test->found = 1;
            int split = in_val ? 2 : in_test ? 3 : 1;
            if (want && want != split)
                continue;
            const char *nohash = strstr(f, "_nohash_");
            const char *speaker = nohash ? corpus_strndup(c, f, (size_t)(nohash - f)) : "";
            /* id: "word/HASH_nohash_N" without the extension */
            const char *id = corpus_strndup(c, rel, strlen(rel) - strlen(strrchr(rel, '.')));
            st = corpus_add(c, corpus_join(c, cdir, f), text, speaker, id, NULL, 0);
        }
        corpus_free_names(files, nfiles);
        files = NULL;
        nfiles = 0;
    }
    if (st == HARK_OK)
        st = sc_check_lists(&val, &test);
done:
    corpus_free_names(words, nwords);
    corpus_free_names(files, nfiles);
    sc_list_free(&val);
    sc_list_free(&test);
    return st;
}

/* ---- LJSpeech ----------------------------------------------------------------------- */

static int cmp_item_id(const void *a, const void *b)
{
    return strcmp(((const corpus_item *)a)->utt.id, ((const corpus_item *)b)->utt.id);
}

hark_status corpus_read_ljspeech(hark_corpus *c, const corpus_reader_args *args)
{
    int want = 0; /* 0 all, 1 train, 2 dev */
    if (args->split) {
        if (!strcmp(args->split, "train"))
            want = 1;
        else if (!strcmp(args->split, "dev") || !strcmp(args->split, "validation"))
            want = 2;
        else
            return unknown_split(args->root, args->split,
                                 "train, dev (the last 10% of clips in ID order)");
    }
    char buf[PATH_MAX];
    const char *meta = corpus_strdup(c, path_join(args->root, "metadata.csv", buf, sizeof buf));
    const char *wavs = corpus_strdup(c, path_join(args->root, "wavs", buf, sizeof buf));
    if (!meta || !wavs)
        return HARK_ERR_NOMEM;
    corpus_lines r;
    hark_status st = corpus_lines_open(&r, meta);
    if (st != HARK_OK)
        return st;
    size_t base = c->n;
    char *line;
    while ((st = corpus_lines_next(&r, &line)) == HARK_OK && line) {
        if (!r.len)
            continue;
        if (memchr(line, '\0', r.len) || !hark_text_valid_utf8(line, r.len)) {
            st = hark_error(HARK_ERR_FORMAT, "%s:%zu: not valid UTF-8 text", meta, r.line);
            break;
        }
        /* ID|raw|normalised: no quoting (fields contain '"'), the last field is the transcript */
        char *f[4] = {line, NULL, NULL, NULL};
        int nf = 1;
        for (char *p = line; (p = strchr(p, '|')) && nf < 4; nf++) {
            *p++ = '\0';
            f[nf] = p;
        }
        if (nf < 2 || nf > 3 || !*f[0] || strchr(f[0], '/')) {
            st = hark_error(HARK_ERR_FORMAT, "%s:%zu: expected ID|transcript|normalised transcript",
                            meta, r.line);
            break;
        }
        const char *text = corpus_normalize(c, f[nf - 1]);
        if (text && !*text) {
            st = hark_error(HARK_ERR_FORMAT, "%s:%zu: empty transcript", meta, r.line);
            break;
        }
        char paths[2][PATH_MAX];
        int too_long;
        const char *audio = audio_of(wavs, f[0], "wav", "flac", paths, &too_long);
        if (too_long) {
            st = id_too_long(meta, r.line, f[0]);
            break;
        }
        if (!audio) {
            st = hark_error(HARK_ERR_FORMAT, "%s:%zu: no audio for %s (looked for wavs/%s.wav and "
                            "wavs/%s.flac)", meta, r.line, f[0], f[0], f[0]);
            break;
        }
        if ((st = corpus_add(c, corpus_strdup(c, audio), text, "LJ", corpus_strdup(c, f[0]), meta,
                             r.line)) != HARK_OK)
            break;
    }
    corpus_lines_close(&r);
    if (st != HARK_OK || !want || c->n == base)
        return st;
    size_t count = c->n - base, n_dev = (count + 9) / 10;
    qsort(c->items + base, count, sizeof *c->items, cmp_item_id);
    if (want == 2)
        memmove(c->items + base, c->items + base + (count - n_dev), n_dev * sizeof *c->items);
    c->n = base + (want == 2 ? n_dev : count - n_dev);
    return HARK_OK;
}

/* ---- LibriSpeech ------------------------------------------------------------------- */

/* One chapter's UTTID TRANSCRIPT lines, audio beside them. */
static hark_status libri_trans(hark_corpus *c, const char *dir, const char *trans)
{
    const char *src = corpus_join(c, dir, trans), *cdir = corpus_strdup(c, dir);
    if (!src || !cdir)
        return HARK_ERR_NOMEM;
    corpus_lines r;
    hark_status st = corpus_lines_open(&r, src);
    if (st != HARK_OK)
        return st;
    char *line;
    while ((st = corpus_lines_next(&r, &line)) == HARK_OK && line) {
        if (!r.len)
            continue;
        if (memchr(line, '\0', r.len) || !hark_text_valid_utf8(line, r.len)) {
            st = hark_error(HARK_ERR_FORMAT, "%s:%zu: not valid UTF-8 text", src, r.line);
            break;
        }
        char *sp = strchr(line, ' ');
        if (!sp || sp == line) {
            st = hark_error(HARK_ERR_FORMAT, "%s:%zu: expected UTTERANCE-ID TRANSCRIPT", src,
                            r.line);
            break;
        }
        *sp = '\0';
        const char *text = corpus_normalize(c, sp + 1);
        if (text && !*text) {
            st = hark_error(HARK_ERR_FORMAT, "%s:%zu: empty transcript", src, r.line);
            break;
        }
        char paths[2][PATH_MAX];
        int too_long;
        const char *audio = audio_of(dir, line, "flac", "wav", paths, &too_long);
        if (too_long) {
            st = id_too_long(src, r.line, line);
            break;
        }
        if (!audio) {
            st = hark_error(HARK_ERR_FORMAT, "%s:%zu: no audio for %s (looked for %s.flac and "
                            "%s.wav beside it)", src, r.line, line, line, line);
            break;
        }
        char *dash = strchr(line, '-');
        if ((st = corpus_add(c, corpus_strdup(c, audio), text,
                             corpus_strndup(c, line, dash ? (size_t)(dash - line) : strlen(line)),
                             corpus_strdup(c, line), src, r.line)) != HARK_OK)
            break;
    }
    corpus_lines_close(&r);
    return st;
}

/* Entries named like audio or text are files; anything else may be a directory. */
static int maybe_dir(const char *name)
{
    return !corpus_has_ext(name, ".flac") && !corpus_has_ext(name, ".wav") &&
           !corpus_has_ext(name, ".txt");
}

#define LIBRI_MAX_DEPTH 12

static hark_status libri_walk(hark_corpus *c, const char *dir, int depth)
{
    char **names;
    size_t n;
    hark_status st = corpus_list_dir(dir, &names, &n);
    if (st != HARK_OK)
        return st;
    char sub[PATH_MAX];
    for (size_t i = 0; i < n && st == HARK_OK; i++) {
        if (corpus_has_ext(names[i], ".trans.txt"))
            st = libri_trans(c, dir, names[i]);
        else if (depth < LIBRI_MAX_DEPTH && names[i][0] != '.' && maybe_dir(names[i]) &&
                 corpus_is_dir(path_join(dir, names[i], sub, sizeof sub)))
            st = libri_walk(c, sub, depth + 1);
    }
    corpus_free_names(names, n);
    return st;
}

/* 1 if a *.trans.txt is at most `depth` levels below dir. */
static int has_trans(const char *dir, int depth)
{
    char **names;
    size_t n;
    if (corpus_list_dir(dir, &names, &n) != HARK_OK)
        return 0;
    int found = 0;
    char sub[PATH_MAX];
    for (size_t i = 0; i < n && !found; i++)
        found = corpus_has_ext(names[i], ".trans.txt");
    for (size_t i = 0; i < n && !found && depth > 0; i++)
        if (names[i][0] != '.' && maybe_dir(names[i]) &&
            corpus_is_dir(path_join(dir, names[i], sub, sizeof sub)))
            found = has_trans(sub, depth - 1);
    corpus_free_names(names, n);
    return found;
}

/* The subdirectories of root, comma-separated, for an unknown-split message. */
static void subdirs_of(const char *root, char *out, size_t cap)
{
    char **names;
    size_t n, len = 0;
    char sub[PATH_MAX];
    out[0] = '\0';
    if (corpus_list_dir(root, &names, &n) != HARK_OK)
        return;
    for (size_t i = 0; i < n && len < cap; i++)
        if (names[i][0] != '.' && corpus_is_dir(path_join(root, names[i], sub, sizeof sub)))
            len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? ", " : "", names[i]);
    corpus_free_names(names, n);
}

hark_status corpus_read_librispeech(hark_corpus *c, const corpus_reader_args *args)
{
    if (!args->split)
        return libri_walk(c, args->root, 0);
    char sub[PATH_MAX];
    if (strchr(args->split, '/') || args->split[0] == '.' ||
        !corpus_is_dir(path_join(args->root, args->split, sub, sizeof sub))) {
        char valid[512];
        subdirs_of(args->root, valid, sizeof valid);
        return unknown_split(args->root, args->split, valid[0] ? valid : "no subdirectories");
    }
    return libri_walk(c, sub, 1);
}

/* ---- Common Voice -------------------------------------------------------------------- */

/* Split a TSV line in place into at most max fields; returns the count. */
static int tsv_fields(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; n < max && (p = strchr(p, '\t'));) {
        *p++ = '\0';
        f[n++] = p;
    }
    return n;
}

#define CV_MAX_FIELDS 32

static hark_status cv_tsv(hark_corpus *c, const char *root, const char *tsv)
{
    const char *src = corpus_join(c, root, tsv), *clips = corpus_join(c, root, "clips");
    if (!src || !clips)
        return HARK_ERR_NOMEM;
    corpus_lines r;
    hark_status st = corpus_lines_open(&r, src);
    if (st != HARK_OK)
        return st;
    int col_path = -1, col_sentence = -1, col_client = -1;
    char *line, *f[CV_MAX_FIELDS];
    while ((st = corpus_lines_next(&r, &line)) == HARK_OK && line) {
        if (memchr(line, '\0', r.len) || !hark_text_valid_utf8(line, r.len)) {
            st = hark_error(HARK_ERR_FORMAT, "%s:%zu: not valid UTF-8 text", src, r.line);
            break;
        }
        int nf = tsv_fields(line, f, CV_MAX_FIELDS);
        if (r.line == 1) {
            for (int i = 0; i < nf; i++) {
                if (!strcmp(f[i], "path"))
                    col_path = i;
                else if (!strcmp(f[i], "sentence"))
                    col_sentence = i;
                else if (!strcmp(f[i], "client_id"))
                    col_client = i;
            }
            if (col_path < 0 || col_sentence < 0) {
                st = hark_error(HARK_ERR_FORMAT,
                                "%s:1: the header names no 'path' and 'sentence' columns", src);
                break;
            }
            continue;
        }
        if (!r.len)
            continue;
        if (nf <= col_path || nf <= col_sentence || (col_client >= 0 && nf <= col_client)) {
            st = hark_error(HARK_ERR_FORMAT, "%s:%zu: %d fields, fewer than the header's", src,
                            r.line, nf);
            break;
        }
        const char *p = f[col_path];
        if (!*p || strchr(p, '/')) {
            st = hark_error(HARK_ERR_FORMAT, "%s:%zu: bad clip name '%s'", src, r.line, p);
            break;
        }
        const char *text = corpus_normalize(c, f[col_sentence]);
        if (text && !*text) {
            st = hark_error(HARK_ERR_FORMAT, "%s:%zu: empty sentence", src, r.line);
            break;
        }
        const char *dot = strrchr(p, '.');
        if ((st = corpus_add(c, corpus_join(c, clips, p), text,
                             corpus_strdup(c, col_client >= 0 ? f[col_client] : ""),
                             corpus_strndup(c, p, dot ? (size_t)(dot - p) : strlen(p)), src,
                             r.line)) != HARK_OK)
            break;
    }
    if (st == HARK_OK && r.line == 0)
        st = hark_error(HARK_ERR_FORMAT, "%s: empty file (no header line)", src);
    corpus_lines_close(&r);
    return st;
}

hark_status corpus_read_common_voice(hark_corpus *c, const corpus_reader_args *args)
{
    char buf[PATH_MAX], name[NAME_MAX + 1];
    if (args->split) {
        snprintf(name, sizeof name, "%s.tsv", args->split);
        if (strchr(args->split, '/') ||
            !corpus_is_file(path_join(args->root, name, buf, sizeof buf))) {
            char valid[512] = "";
            char **names;
            size_t n, len = 0;
            if (corpus_list_dir(args->root, &names, &n) == HARK_OK) {
                for (size_t i = 0; i < n && len < sizeof valid; i++)
                    if (corpus_has_ext(names[i], ".tsv"))
                        len += (size_t)snprintf(valid + len, sizeof valid - len, "%s%.*s",
                                                len ? ", " : "", (int)(strlen(names[i]) - 4),
                                                names[i]);
                corpus_free_names(names, n);
            }
            return unknown_split(args->root, args->split, valid);
        }
        return cv_tsv(c, args->root, name);
    }
    /* Without a split: the official train+dev+test partition, else everything validated. */
    static const char *const parts[] = {"train.tsv", "dev.tsv", "test.tsv"};
    int any = 0;
    for (size_t i = 0; i < 3; i++) {
        if (!corpus_is_file(path_join(args->root, parts[i], buf, sizeof buf)))
            continue;
        any = 1;
        hark_status st = cv_tsv(c, args->root, parts[i]);
        if (st != HARK_OK)
            return st;
    }
    return any ? HARK_OK : cv_tsv(c, args->root, "validated.tsv");
}

/* ---- detection ----------------------------------------------------------------------- */

hark_status corpus_detect(const char *dir, hark_corpus_layout *layout)
{
    char a[PATH_MAX], b[PATH_MAX];
#define HAS_FILE(name) corpus_is_file(path_join(dir, name, a, sizeof a))
#define HAS_DIR(name) corpus_is_dir(path_join(dir, name, b, sizeof b))
    if (HAS_FILE("validation_list.txt") || HAS_FILE("testing_list.txt") ||
        HAS_DIR("_background_noise_")) {
        *layout = HARK_CORPUS_SPEECH_COMMANDS;
    } else if (HAS_FILE("metadata.csv") && HAS_DIR("wavs")) {
        *layout = HARK_CORPUS_LJSPEECH;
    } else if (HAS_DIR("clips") && (HAS_FILE("train.tsv") || HAS_FILE("dev.tsv") ||
                                    HAS_FILE("test.tsv") || HAS_FILE("validated.tsv"))) {
        *layout = HARK_CORPUS_COMMON_VOICE;
    } else if (dir_has_fsdd(dir) || (HAS_DIR("recordings") && dir_has_fsdd(b))) {
        *layout = HARK_CORPUS_FSDD;
    } else if (has_trans(dir, 3)) {
        *layout = HARK_CORPUS_LIBRISPEECH;
    } else {
        return hark_error(HARK_ERR_FORMAT,
                          "%s: unknown corpus layout (looked for Speech Commands "
                          "validation_list.txt/testing_list.txt, LJSpeech metadata.csv with wavs/, "
                          "Common Voice clips/ with train/dev/test/validated.tsv, FSDD "
                          "{digit}_{speaker}_{take}.wav files, LibriSpeech *.trans.txt; for "
                          "anything else write a manifest: path<TAB>transcript per line)",
                          dir);
    }
#undef HAS_FILE
#undef HAS_DIR
    return HARK_OK;
}
