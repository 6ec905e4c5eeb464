/* corpus_internal.h - what the corpus readers share: the corpus object under construction, a
 * string arena (utterance strings live as long as the corpus, so they are never freed one by
 * one), and small file helpers. Not part of the public API. */
#ifndef HARK_CORPUS_INTERNAL_H
#define HARK_CORPUS_INTERNAL_H

#include <stdio.h>

#include "hark/corpus.h"

typedef struct corpus_block corpus_block;

/* An utterance plus where it came from, so late errors (unreadable audio) can name the line of
 * the manifest or list that introduced it. `utt` is first so &item->utt is the public view. */
typedef struct corpus_item {
    hark_utt utt;
    const char *src; /* file that named the utterance (NULL: found by listing a directory) */
    size_t line;     /* 1-based line in src (0: none) */
} corpus_item;

struct hark_corpus {
    corpus_item *items;
    size_t n, cap;
    corpus_block *blocks; /* string arena */
    hark_corpus_layout layout;
    char *spec;
};

/* Requested split: the layout-specific name (NULL: all) is handled by the reader; speaker
 * filters are applied afterwards by corpus.c. */
typedef struct corpus_reader_args {
    const char *root;  /* absolute path of the corpus file or directory */
    const char *split; /* NULL = everything */
} corpus_reader_args;

/* Copy a string (or n bytes of one) into the corpus's arena; NULL on allocation failure (the
 * error message is set). */
char *corpus_strdup(hark_corpus *c, const char *s);
char *corpus_strndup(hark_corpus *c, const char *s, size_t n);
/* "dir/name" in the arena. */
char *corpus_join(hark_corpus *c, const char *dir, const char *name);
/* Normalise a transcript into the arena. */
char *corpus_normalize(hark_corpus *c, const char *raw);

/* Move o's arena blocks to c (c then owns the strings of o's utterances); free c's blocks. */
void corpus_arena_take(hark_corpus *c, hark_corpus *o);
void corpus_arena_free(hark_corpus *c);
/* Append an utterance whose strings already live in the arena. */
hark_status corpus_add(hark_corpus *c, const char *path, const char *text, const char *speaker,
                       const char *id, const char *src, size_t line);

/* An audio file's duration in seconds from its header (libsndfile, no decoding). On failure,
 * HARK_ERR_FORMAT with a message naming the file and libsndfile's reason. */
hark_status corpus_audio_duration(const char *path, double *seconds);

/* Helpers over the file system. */
int corpus_is_dir(const char *path);
int corpus_is_file(const char *path);
/* 1 if name ends with ext (case-insensitive, ext includes the dot). */
int corpus_has_ext(const char *name, const char *ext);

/* Read a text file line by line: returns the next line without its "\n" or "\r\n" (the buffer
 * is reused), NULL at the end. *line counts lines from 1. */
typedef struct corpus_lines {
    FILE *f;
    char *buf;
    size_t cap;
    size_t line;
    const char *path;
    size_t len; /* length of the current line (it may contain NUL bytes) */
} corpus_lines;
hark_status corpus_lines_open(corpus_lines *r, const char *path);
/* Returns HARK_OK with *out set (NULL at end of file) or an error. */
hark_status corpus_lines_next(corpus_lines *r, char **out);
void corpus_lines_close(corpus_lines *r);

/* Listing a directory: sorted names (malloc'd array of malloc'd strings). */
hark_status corpus_list_dir(const char *dir, char ***names, size_t *n);
void corpus_free_names(char **names, size_t n);

/* Readers, one per layout. Each adds the utterances of args->split (validating the name), or
 * all of them when it is NULL. */
hark_status corpus_read_manifest(hark_corpus *c, const corpus_reader_args *args);
hark_status corpus_read_fsdd(hark_corpus *c, const corpus_reader_args *args);
hark_status corpus_read_speech_commands(hark_corpus *c, const corpus_reader_args *args);
hark_status corpus_read_ljspeech(hark_corpus *c, const corpus_reader_args *args);
hark_status corpus_read_librispeech(hark_corpus *c, const corpus_reader_args *args);
hark_status corpus_read_common_voice(hark_corpus *c, const corpus_reader_args *args);

/* Layout detection for a directory; HARK_ERR_FORMAT naming what was looked for. */
hark_status corpus_detect(const char *dir, hark_corpus_layout *layout);

#endif
