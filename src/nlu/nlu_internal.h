/* nlu_internal.h - what the files of src/nlu share and nobody else sees: the parsed template
 * tree, the expansion walker, the hashed-feature classifier, the slot matcher and the skills. */
#ifndef HARK_NLU_INTERNAL_H
#define HARK_NLU_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "hark/nlu.h"

/* ---- template tree (template.c) ---- */

typedef enum { T_WORD, T_SEQ, T_ALT, T_RANGE, T_LIST } tnode_kind;

typedef struct tnode tnode;
struct tnode {
    tnode_kind kind;
    const char *word;     /* T_WORD: one normalised word */
    tnode **kids;         /* T_SEQ, T_ALT */
    int n_kids;
    long lo, hi, step;    /* T_RANGE */
    int list;             /* T_LIST: index into hark_intents.lists */
    const char *tag;      /* slot name, or NULL */
    int tag_id;           /* index into hark_intents.tags when tagged */
    const char *subst;    /* substituted value (may be ""), or NULL */
    const char *said;     /* a word written with an apostrophe whose normal form differs
                           * ("it's" -> T_SEQ it is, "today's" -> T_WORD today): the word as
                           * written, lower case, which is how people say it; else NULL */
    uint64_t count;       /* sentences it expands to (saturating), filled after parsing */
    int line, col;
    const uint64_t *cum;  /* T_ALT of many kids: running totals of their counts (cum[i] =
                           * count of kids 0..i, saturating), so sampling is a binary search;
                           * NULL otherwise */
    int path;             /* nodes the longest walk through it visits (words, groups, list
                           * references); lists included once the file is validated; bounds
                           * the walker's recursion (at most NLU_MAX_PATH) */
};

/* Limits that keep hostile files bounded in time and stack; checked while parsing (and, for
 * what goes through lists, while validating), each with a FILE:LINE:COLUMN error. */
#define NLU_MAX_NESTING 100   /* '(' and '[' groups inside one another */
#define NLU_MAX_PATH 2048     /* nodes along one sentence: a sentence of NLU_TEXT_MAX bytes
                               * has at most 512 words, so this only refuses what cannot fit */
#define NLU_MAX_INTENTS 255   /* the classifier has 256 classes, one is "none" */
#define NLU_MAX_FILE_MB 4     /* an intent file larger than this is refused unread */

typedef struct nlu_list {
    const char *name; /* "room" for $room; "Intent.rule" for a rule <rule> of [Intent] */
    int rule;
    tnode *root;
    int line, col;
    int state; /* cycle detection while counting: 0 new, 1 visiting, 2 done */
} nlu_list;

typedef struct nlu_intent {
    const char *name;
    const char *response; /* "" if none */
    const char *skill;    /* "" if none */
    int skill_id;         /* -1 if none */
    tnode *root;          /* T_ALT over the templates */
    int line;
    int resp_line, resp_col; /* where the response text starts, for placeholder errors */
} nlu_intent;

struct hark_intents {
    const char *path;
    struct nlu_arena *arena;
    nlu_intent *intents;
    int n_intents;
    size_t cap_intents;
    nlu_list *lists;
    int n_lists;
    size_t cap_lists;
    int *list_slots;      /* open-addressing hash of list names: index into lists, or -1 */
    size_t n_list_slots;  /* a power of two, at least twice n_lists */
    tnode **tags; /* tag_id -> node */
    int n_tags;
    size_t cap_tags;
};

/* One sentence as the walker produces it. */
#define NLU_TEXT_MAX 1024
typedef struct nlu_sentence {
    const char *spoken; /* normalised words; in skeleton mode slots appear as "$<tag_id>" */
    const char *value;  /* the same with substitutions applied and numbers as digits */
    const hark_slot *slots;
    int n_slots;
} nlu_sentence;

typedef int (*nlu_emit_fn)(const nlu_sentence *s, void *user);

enum {
    NLU_WALK_SKELETON = 1, /* outermost tagged nodes become one "$<tag_id>" placeholder word */
    NLU_WALK_UNTAG_ROOT = 2, /* ignore the tag on `root` itself (to list a slot's phrases) */
    NLU_WALK_FULL = 4        /* skip empty alternatives: optional words are said */
};

/* Enumerate (rng NULL, at most `max` sentences, 0 = all) or draw one sentence (rng non-NULL)
 * from `root`. Returns HARK_OK, or HARK_ERR_INVALID_ARG if a sentence exceeds NLU_TEXT_MAX. */
hark_status nlu_walk(const hark_intents *f, const tnode *root, int flags, uint64_t max,
                     uint64_t *rng, nlu_emit_fn fn, void *user);

/* ---- words and hashing shared by every file ---- */

/* The next space-separated word of *p: returns its start and length *n and moves *p past it,
 * or returns NULL at the end of the text. Every sentence inside the NLU is normalised, so a
 * space is the only separator. */
static inline const char *nlu_next_word(const char **p, size_t *n)
{
    const char *w = *p;
    while (*w == ' ')
        w++;
    if (!*w) {
        *p = w;
        return NULL;
    }
    const char *e = w;
    while (*e && *e != ' ')
        e++;
    *n = (size_t)(e - w);
    *p = e;
    return w;
}

#define NLU_FNV_BASIS 2166136261u
/* FNV-1a of n bytes, continuing from h (NLU_FNV_BASIS to start). */
static inline uint32_t nlu_fnv1a(const char *s, size_t n, uint32_t h)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

/* Read the rest of fp into *text (malloc'd, NUL-terminated, *len bytes before the NUL),
 * refusing more than max_mb megabytes as "not <what>" (e.g. "an intent file"). The caller
 * opens and closes fp; errors name `path`. */
hark_status nlu_read_text(FILE *fp, const char *path, size_t max_mb, const char *what,
                          char **text, size_t *len);

/* xorshift64* random numbers shared by sampling, noise and initialisation. */
uint64_t nlu_rand(uint64_t *state);
double nlu_rand_unit(uint64_t *state); /* [0, 1) */

/* ---- skills (skills.c) ---- */

typedef struct nlu_skill_info {
    const char *name;
    const char *outputs; /* space-separated placeholder names it provides */
} nlu_skill_info;

/* Index of a skill by name, or -1; and the table. */
int nlu_skill_find(const char *name);
const nlu_skill_info *nlu_skill_table(int *count);

typedef struct nlu_timers {
    hark_timer *t; /* sorted by due time */
    size_t n, cap;
    int next_id;
} nlu_timers;

typedef struct nlu_lights {
    char (*room)[HARK_NLU_VALUE_MAX];
    int *on;
    size_t n, cap;
} nlu_lights;

#define NLU_MAX_VARS 16
typedef struct nlu_vars {
    int n;
    char name[NLU_MAX_VARS][HARK_NLU_NAME_MAX];
    char value[NLU_MAX_VARS][HARK_NLU_RESPONSE_MAX];
} nlu_vars;

void nlu_vars_set(nlu_vars *v, const char *name, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
const char *nlu_vars_get(const nlu_vars *v, const char *name);

typedef struct nlu_skill_ctx {
    nlu_timers *timers;
    nlu_lights *lights;
    const char *state_path;     /* NULL: do not persist */
    const char *last_response;  /* for repeat ("" if none) */
    const char *help;           /* for help */
    const char *const *rooms;   /* every room the file knows, for "all lights" */
    size_t n_rooms;
    time_t now;
} nlu_skill_ctx;

/* Run skill `id` on the understood slots, setting its output variables. When the skill cannot
 * do what was asked (no number to divide, no timer to cancel) it writes its own reply to
 * `reply` (otherwise leaves it empty) so the intent's response template is not used. Returns
 * an error only when saving the state file fails. */
hark_status nlu_skill_run(int id, nlu_skill_ctx *ctx, const hark_slot *slots, int n_slots,
                          nlu_vars *vars, char *reply, size_t cap);

/* Device state: JSON {"version":1,"lights":{"kitchen":true,...}}, written atomically. */
hark_status nlu_lights_load(nlu_lights *l, const char *path);
hark_status nlu_lights_save(const nlu_lights *l, const char *path);
int nlu_lights_get(const nlu_lights *l, const char *room);
hark_status nlu_lights_set(nlu_lights *l, const char *room, int on);
void nlu_lights_free(nlu_lights *l);

hark_status nlu_timers_add(nlu_timers *t, time_t now, long seconds, const char *label, int *id);
void nlu_timers_free(nlu_timers *t);

/* ---- hashed n-gram features and the classifier (classifier.c) ---- */

#define NLU_MAX_FEATS 512
typedef struct nlu_feats {
    uint32_t idx[NLU_MAX_FEATS];
    float val[NLU_MAX_FEATS];
    int n;
} nlu_feats;

/* Hash word unigrams and bigrams of `words` (vocabulary-snapped) and character 3/4-grams of
 * `chars` (the normalised text before snapping, so a wrong snap costs only part of the
 * evidence) into `dim` buckets (power of two), L2-normalised. */
void nlu_featurize(const char *words, const char *chars, uint32_t dim, nlu_feats *out);

typedef struct nlu_clf nlu_clf;

typedef struct nlu_example {
    const char *words; /* normalised, snapped to the vocabulary */
    const char *chars; /* normalised */
    int label;
} nlu_example;

typedef struct nlu_train_params {
    uint32_t dim;
    int epochs;
    int batch;
    float lr;
    float l2;
    uint64_t seed;
} nlu_train_params;

/* Train multinomial logistic regression with Adam over `n_classes` classes. */
nlu_clf *nlu_clf_train(const nlu_example *ex, size_t n, int n_classes, const nlu_train_params *p);
void nlu_clf_free(nlu_clf *c);
/* Logits (n_classes) for a featurised sentence. */
void nlu_clf_logits(const nlu_clf *c, const nlu_feats *x, float *logits);
uint32_t nlu_clf_dim(const nlu_clf *c);

/* Softmax of logits / temperature, in place. */
void nlu_softmax(float *z, int n, float temperature);

/* Fit a softmax temperature minimising the negative log-likelihood of `labels` given `logits`
 * (n rows of k). */
float nlu_fit_temperature(const float *logits, const int *labels, size_t n, int k);

/* ---- slot filling (slots.c) ---- */

typedef struct nlu_slotter nlu_slotter;

/* Precompute, for every intent, the skeleton sentences and, for every slot, its phrases. Caps
 * keep huge files bounded. */
nlu_slotter *nlu_slotter_build(const hark_intents *f);
void nlu_slotter_free(nlu_slotter *s);

/* Align normalised `text` with the closest skeleton of `intent` and fill `out` (up to
 * HARK_NLU_MAX_SLOTS); returns the number of slots. */
int nlu_slotter_fill(const nlu_slotter *s, int intent, const char *text, hark_slot *out);

/* The distinct values of every slot called `name` in the file (e.g. all rooms), for skills that
 * act on "all" of them. Returns the count, writes pointers owned by the slotter. */
size_t nlu_slotter_values(const nlu_slotter *s, const char *name, const char **out, size_t cap);

/* Character edit distance between two words divided by the longer length (0 = same). */
float nlu_word_distance(const char *a, size_t na, const char *b, size_t nb);

/* ---- vocabulary snapping (spell.c) ---- */

typedef struct nlu_speller nlu_speller;

/* The vocabulary of `texts` (normalised sentences), with word frequencies. */
nlu_speller *nlu_speller_build(const char *const *texts, size_t n);
void nlu_speller_free(nlu_speller *s);

/* Replace each out-of-vocabulary word of 3+ letters by the closest vocabulary word within one
 * edit (words up to 7 letters) or two (longer), or split it into two vocabulary words. */
hark_status nlu_speller_correct(const nlu_speller *s, const char *in, char *out, size_t cap);

/* ---- generic sentences for the "none" class (none_corpus.c) ---- */

const char *const *nlu_none_sentences(size_t *count);

#endif
