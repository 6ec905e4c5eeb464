/* store.c - what the corpus and its layout readers build with: the string arena that holds every
 * utterance's strings for the corpus's lifetime, appending utterances, and small file helpers
 * (tests of paths, extensions, a line reader). */
#include "corpus_internal.h"
#include "core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- string arena ---------------------------------------------------------------------- */

struct corpus_block {
    corpus_block *next;
    size_t used, cap;
    char data[];
};

#define ARENA_BLOCK 65536

static char *arena_alloc(hark_corpus *c, size_t n)
{
    corpus_block *b = c->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        b = malloc(sizeof *b + cap);
        if (!b) {
            hark_error(HARK_ERR_NOMEM, "corpus: out of memory");
            return NULL;
        }
        b->used = 0;
        b->cap = cap;
        b->next = c->blocks;
        c->blocks = b;
    }
    char *p = b->data + b->used;
    b->used += n;
    return p;
}

char *corpus_strndup(hark_corpus *c, const char *s, size_t n)
{
    char *p = arena_alloc(c, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *corpus_strdup(hark_corpus *c, const char *s) { return corpus_strndup(c, s, strlen(s)); }

char *corpus_join(hark_corpus *c, const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    int slash = a > 0 && dir[a - 1] != '/';
    char *p = arena_alloc(c, a + (size_t)slash + b + 1);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    if (slash)
        p[a] = '/';
    memcpy(p + a + slash, name, b + 1);
    return p;
}

char *corpus_normalize(hark_corpus *c, const char *raw)
{
    size_t n = hark_text_normalize(raw, NULL, 0);
    char *p = arena_alloc(c, n + 1);
    if (p)
        hark_text_normalize(raw, p, n + 1);
    return p;
}

hark_status corpus_add(hark_corpus *c, const char *path, const char *text, const char *speaker,
                       const char *id, const char *src, size_t line)
{
    if (!path || !text || !speaker || !id)
        return HARK_ERR_NOMEM; /* a corpus_strdup before us failed and set the message */
    if (util_grow(&c->items, &c->cap, c->n + 1, sizeof *c->items, 256))
        return hark_error(HARK_ERR_NOMEM, "corpus: out of memory");
    corpus_item *it = &c->items[c->n++];
    it->utt = (hark_utt){path, text, speaker, id, -1.0};
    it->src = src;
    it->line = line;
    return HARK_OK;
}

/* ---- file helpers ------------------------------------------------------------------- */

int corpus_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int corpus_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int corpus_has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    if (n <= e)
        return 0;
    for (size_t i = 0; i < e; i++) {
        char a = name[n - e + i], b = ext[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a + 32);
        if (a != b)
            return 0;
    }
    return 1;
}

hark_status corpus_lines_open(corpus_lines *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->f = fopen(path, "rb");
    if (!r->f)
        return hark_error(HARK_ERR_IO, "%s: %s", path, strerror(errno));
    return HARK_OK;
}

hark_status corpus_lines_next(corpus_lines *r, char **out)
{
    *out = NULL;
    errno = 0;
    ssize_t n = getline(&r->buf, &r->cap, r->f);
    if (n < 0) {
        if (ferror(r->f))
            return hark_error(HARK_ERR_IO, "%s: read error after line %zu: %s", r->path, r->line,
                              strerror(errno ? errno : EIO));
        return HARK_OK;
    }
    r->line++;
    /* Editors on some systems start UTF-8 files with a byte-order mark: not part of the text. */
    if (r->line == 1 && n >= 3 && !memcmp(r->buf, "\xEF\xBB\xBF", 3)) {
        memmove(r->buf, r->buf + 3, (size_t)n - 2);
        n -= 3;
    }
    if (n > 0 && r->buf[n - 1] == '\n')
        r->buf[--n] = '\0';
    if (n > 0 && r->buf[n - 1] == '\r')
        r->buf[--n] = '\0';
    r->len = (size_t)n;
    *out = r->buf;
    return HARK_OK;
}

void corpus_lines_close(corpus_lines *r)
{
    if (r->f)
        fclose(r->f);
    free(r->buf);
    memset(r, 0, sizeof *r);
}

/* ---- arena ownership --------------------------------------------------------------- */

void corpus_arena_take(hark_corpus *c, hark_corpus *o)
{
    corpus_block **tail = &c->blocks;
    while (*tail)
        tail = &(*tail)->next;
    *tail = o->blocks;
    o->blocks = NULL;
}

void corpus_arena_free(hark_corpus *c)
{
    for (corpus_block *b = c->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    c->blocks = NULL;
}
