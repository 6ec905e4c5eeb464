/* train_internal.h - what the files of src/train share. One file, one job:
 *   trainer.c     the configuration (defaults, checks, provenance), the progress callback
 *                 (train_notify) and the augmentation step
 *   dataset.c     a corpus reduced to what training keeps in memory: durations and file offsets
 *   reader.c      the prefetching reader thread: audio -> features -> padded batches, in a
 *                 bounded queue
 *   checkpoint.c  checkpoints, saved and loaded through one field table; a model loaded to
 *                 fine-tune
 *   reduce.c      the data-parallel step: worker threads, the fixed-order gradient sum, MPI
 *   loop.c        hark_train: setup, epochs, dev evaluation, early stopping
 * Not part of the public API. */
#ifndef HARK_TRAIN_INTERNAL_H
#define HARK_TRAIN_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "core/util.h"
#include "hark/corpus.h"
#include "hark/train.h"

/* A hash of (a, b) for deriving independent RNG states from positions (splitmix64's finaliser),
 * so every random draw depends on where it happens (epoch, batch, utterance), never on which
 * thread or rank happens to make it. */
uint64_t train_mix(uint64_t a, uint64_t b);

/* ---- dataset.c ---------------------------------------------------------------------------- */

/* The utterances kept for training or evaluation. Paths and transcripts go to an unlinked
 * temporary file as "path\0text\0" records, so memory holds 12 bytes per utterance (an offset
 * and a duration) however large the corpus is. */
#define TRAIN_MAX_PHRASES 256
typedef struct train_dataset {
    FILE *blob;
    uint64_t *off;        /* [n + 1] record offsets in blob */
    float *seconds;       /* [n] durations from the file headers */
    size_t n;
    double total_seconds, max_seconds;
    char charset[260];    /* distinct transcript bytes, sorted */
    char **phrases;       /* distinct transcripts, sorted, while at most TRAIN_MAX_PHRASES */
    size_t n_phrases;
    int many_phrases;     /* more than TRAIN_MAX_PHRASES distinct transcripts */
    str_count words;      /* training sets of phone models: each word and its occurrences */
} train_dataset;

/* Open the corpus spec(s) (newline-separated specs are merged), keep utterances with at least one
 * frame under feat and at most max_duration seconds (0: all). With alphabet non-NULL every
 * transcript must encode in it (a training set). With phones non-NULL (a phone model) the
 * stored transcripts are their phone spellings (hark_units_spell), made here once, and with
 * learn set their words go into phones' lexicon first and are counted (`words`); `phrases` keeps
 * the text. */
hark_status train_dataset_open(train_dataset *d, const char *specs, const hark_mfcc_config *feat,
                               double max_duration, const char *alphabet, hark_units *phones,
                               int learn);
void train_dataset_close(train_dataset *d);
/* Record i into *buf (grown as needed): *path and *text point into it. */
hark_status train_dataset_get(const train_dataset *d, size_t i, char **buf, size_t *cap,
                              const char **path, const char **text);

/* ---- trainer.c: the augmentation step ---------------------------------------------------- */

typedef struct noise_bank {
    float **x;
    size_t *n;
    size_t count;
} noise_bank;

/* Per-utterance feature making for one thread: clean features, or augmented audio turned into
 * features, then SpecAugment. Owns its scratch. */
typedef struct train_augmenter {
    const hark_train_config *cfg;
    hark_mfcc *mfcc;     /* the final (CMVN) configuration */
    hark_augmenter *room; /* rooms, telephone line, VTLP extractors (NULL: none asked) */
    int D, keep_audio, augment;
    noise_bank noise;
    uint64_t rng;        /* set per utterance by the caller */
    float *aug, *clean, *out;
    size_t cap_aug, cap_clean, cap_out;
} train_augmenter;

/* 1 when the configuration changes the audio (so features are computed from augmented audio). */
int train_wants_audio(const hark_train_config *c);
/* augment 0: clean features only (evaluation). Loads the noise bank when configured. */
hark_status train_augmenter_init(train_augmenter *t, const hark_train_config *c,
                                 const hark_mfcc_config *feat, int augment);
void train_augmenter_free(train_augmenter *t);
/* Features (T, D) of one utterance's audio (at the feature rate) for training with the
 * augmentation drawn from rng; *f points into t's scratch until the next call. */
hark_status train_augment_utt(train_augmenter *t, const float *audio, size_t n, uint64_t rng,
                              const float **f, int *T);
hark_status train_check_config(const hark_train_config *cfg);

/* ---- reader.c ------------------------------------------------------------------------------ */

/* One batch as this rank sees it: its slice [lo, hi) of the global batch, padded. */
typedef struct train_batch {
    size_t index;        /* position in the epoch's plan */
    int B, T;            /* this rank's utterances (0 possible) and padded frames */
    size_t first;        /* position of the slice's first utterance in the global batch */
    float *x;            /* (B, T, D) */
    int *lengths, *tlen, *targets;
    char *texts;         /* B NUL-terminated transcripts, one after another (for evaluation) */
    double seconds;      /* audio seconds of the slice */
    hark_status st;      /* a failed read: the message is in err */
    char err[600];
    /* capacities */
    size_t cap_x, cap_b, cap_targets, cap_texts, cap_feats;
    float *feats;        /* unpadded features of the slice, concatenated */
} train_batch;

typedef struct train_reader_config {
    const train_dataset *data;
    const hark_batcher *plan; /* the epoch's batches, not re-planned while the reader runs */
    size_t first, end;        /* batches [first, end) */
    int rank, ranks;          /* read slice [B*rank/ranks, B*(rank+1)/ranks) of each batch */
    const char *alphabet;     /* encode labels with it (NULL: none, texts only) */
    train_augmenter *aug;     /* features (and augmentation): used by the reader thread only
                                 while it runs */
    uint64_t seed;            /* per-utterance RNG = mix(seed, position) */
    int depth;                /* batches read ahead (>= 1) */
} train_reader_config;

typedef struct train_reader train_reader;

train_reader *train_reader_start(const train_reader_config *c);
/* The next batch in plan order, or *out = NULL at the end. A batch that failed to read is
 * returned with st != HARK_OK. Give every batch back with train_reader_release. */
hark_status train_reader_next(train_reader *r, train_batch **out);
void train_reader_release(train_reader *r, train_batch *b);
/* Stop the thread (it may be blocked on a full queue) and free everything. */
void train_reader_stop(train_reader *r);
/* Global CMVN statistics of a seeded sample of the dataset (all of it up to `budget` seconds). */
hark_status train_cmvn_sample(const train_dataset *d, const hark_mfcc_config *raw, uint64_t seed,
                              double budget, hark_mfcc_stats *stats,
                              int (*progress)(size_t done, size_t total, void *user), void *user);

/* ---- reduce.c ------------------------------------------------------------------------------ */

typedef struct train_dp train_dp;

/* What one data-parallel step produced, summed over threads and ranks. */
typedef struct train_dp_result {
    double loss_sum;     /* finite CTC losses */
    double finite;       /* utterances with a finite loss */
    double seconds;      /* audio seconds */
    double reduce_seconds; /* wall time in the MPI all-reduces of this step (0 without MPI) */
} train_dp_result;

/* Data-parallel workers over `net` (whose gradient block receives the sum): `threads` threads in
 * this process and, when MPI is initialised, every rank of MPI_COMM_WORLD. */
train_dp *train_dp_create(hark_net *net, int threads, int bptt_steps);
void train_dp_free(train_dp *dp);
int train_dp_rank(const train_dp *dp);
int train_dp_ranks(const train_dp *dp);
/* Forward, CTC and backward of this rank's slice b split over the threads, the gradients summed
 * in thread order then over ranks, so every rank ends with the same gradient block: the
 * gradient of the SUM of finite losses (the caller scales). rng_base seeds dropout per slice. */
hark_status train_dp_step(train_dp *dp, const train_batch *b, uint64_t rng_base,
                          train_dp_result *out);
/* Evaluation: the forward of batch b split over the threads (no dropout, no gradient); then fn
 * is called on this thread for each slice in order with its log-probabilities (B, T_out, V),
 * output lengths and the position of its first utterance in b. */
typedef hark_status (*train_dp_output_fn)(const float *logprobs, const int *out_len, int B,
                                          int T_out, int first, void *user);
hark_status train_dp_forward(train_dp *dp, const train_batch *b, train_dp_output_fn fn, void *user);
/* Size every worker's workspace for slices of up to B utterances of T frames now, so the
 * first steps do not grow them one by one. */
hark_status train_dp_reserve(train_dp *dp, int B, int T);
/* The median wall time of `reps` MPI_Allreduce sums of n floats over the ranks, each after a
 * barrier so that no rank's lateness is counted (0 without MPI or with one rank). */
hark_status train_dp_time_allreduce(train_dp *dp, size_t n, int reps, double *median_s);
/* Sum n doubles over the ranks in place (no-op without MPI). */
hark_status train_dp_sum(train_dp *dp, double *v, int n);

/* ---- loop.c / checkpoint.c ----------------------------------------------------------------- */

/* The position and figures a checkpoint carries (see checkpoint.c's field table). */
typedef struct train_state {
    long step, adam_steps, loss_n, skipped;
    int epoch;           /* 0-based epoch in progress */
    int bad_epochs, best_epoch;
    double next_batch;   /* index of the next batch in the epoch's plan */
    double loss_sum, best_cer, dev_cer, dev_wer, dev_utt_acc;
} train_state;

typedef struct trainer {
    const hark_train_config *cfg;
    hark_train_callback cb;
    void *user;
    hark_train_progress pr;
    double t0;
    hark_model *model;
    hark_units *units;       /* phone models: spell the transcripts, collect the lexicon; else NULL */
    hark_mfcc_config feat;   /* final features, with CMVN */
    int D, V;
    train_dataset train, dev;
    train_augmenter aug, clean; /* training features (augmented as configured); dev features */
    hark_batcher *batcher;
    hark_adam *adam;
    train_dp *dp;
    train_state s;
    long sched_steps;        /* steps of the learning-rate schedule: every epoch's batches */
    double audio_done;       /* audio seconds processed in this run (for the rate) */
    const char *ckpt_path;
    char *ckpt_owned;
    int rank;                /* 0 writes checkpoints, models and reports progress */
} trainer;

/* trainer.c: stamp the event, the elapsed time and the audio rate into t->pr and call the user's
 * callback; returns its answer (nonzero: stop). */
int train_notify(trainer *t, hark_train_event ev);
/* checkpoint.c: save a checkpoint (rank 0; a no-op on other ranks) / load one into t (model, Adam, state). */
hark_status train_checkpoint_save(trainer *t);
hark_status train_checkpoint_load(trainer *t, const char *path);
/* Fine-tuning (hark_train_config.init): the trained model at path, without its checkpoint
 * position if it is one, with its provenance kept as "base_provenance" and its word counts as
 * "base_word_counts", and a fresh optimiser. */
hark_status train_init_load(trainer *t, const char *path);
hark_adam *train_adam_create(const hark_train_config *c, size_t n);
/* Put the words of a word list (one or more per line, lower-cased) into the units' lexicon. */
hark_status train_learn_words(hark_units *u, const char *path);
/* The "provenance" metadata of t->model: corpora, size, steps, figures, augmentation. */
hark_status train_set_provenance(trainer *t);

#endif
