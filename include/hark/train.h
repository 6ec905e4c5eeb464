/* hark/train.h - training acoustic models: corpora in, a .hark model out (src/train).
 *
 * hark_train reads the corpora, featurises them, trains the net of hark/nn.h with CTC and Adam,
 * evaluates on dev every epoch and writes the best model (hark/model.h). */
#ifndef HARK_TRAIN_H
#define HARK_TRAIN_H

#include <stdint.h>

#include "hark/features.h"
#include "hark/model.h"
#include "hark/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Everything hark_train needs. Get one from hark_train_default_config() and change fields. */
typedef struct hark_train_config {
    /* Data */
    const char *train;       /* corpus spec "PATH[:SPLIT]" (hark/corpus.h); several specs
                              * separated by newlines are trained on together */
    const char *dev;         /* corpus spec evaluated after every epoch, or NULL */
    const char *output;      /* the best model (by dev CER, else the last) is written here */
    double max_duration;     /* leave out training utterances longer than this, seconds (0: keep) */
    /* Model. net.n_input and net.n_output are filled in from feat and the alphabet. */
    hark_net_config net;
    hark_mfcc_config feat;   /* cmvn HARK_CMVN_UTTERANCE is kept; HARK_CMVN_LIVE is kept with
                                the std of the training set's sliding-mean-normalised features;
                                otherwise global CMVN statistics are computed from the
                                training set */
    const char *alphabet;    /* NULL: the characters of the training transcripts, sorted */
    hark_unit_kind units;    /* HARK_UNITS_CHARS (default) or HARK_UNITS_PHONES: targets are the
                              * transcripts' pronunciations (hark/model.h, "Units"), phonemized
                              * once at load; the model stores them as its lexicon and the dev
                              * "CER" is then the phone error rate. alphabet must be NULL. */
    const char *lexicon_words; /* phones: a word list (one or more words per line) whose
                                * pronunciations the model also carries, or NULL */
    /* Optimisation: Adam, linear warm-up then cosine decay to lr * final_lr_ratio. */
    int epochs;              /* 30 */
    int batch;               /* utterances per batch, bucketed by length (16) */
    float lr;                /* peak learning rate (2e-3) */
    long warmup;             /* warm-up steps (200) */
    float final_lr_ratio;    /* (0.05) */
    float clip;              /* global gradient-norm clipping, 0 off (5) */
    float weight_decay;      /* decoupled weight decay (0: off) */
    uint64_t seed;           /* weights, batch order, dropout and augmentation (1) */
    int patience;            /* stop after this many epochs without a better dev CER; 0 never (5) */
    long max_steps;          /* stop after this many optimiser steps in all (0: no limit) */
    int bptt_steps;          /* truncated BPTT: cut the recurrent gradient every this many network
                              * steps (after frame stacking; hark_net_ws_set_bptt_truncation);
                              * 0: over the whole utterance (0) */
    /* Parallelism: each global batch is split over `threads` data-parallel worker threads and,
     * under mpirun (MPI initialised by the caller), over the ranks; gradients are summed in a
     * fixed order, so results do not depend on scheduling and differ between thread or rank
     * counts only in the last bits of float sums. OpenBLAS is held to one thread meanwhile. */
    int threads;             /* worker threads in this process (1) */
    /* Checkpoints (weights, Adam moments, RNG state and position): every checkpoint_every steps,
     * on interruption, and at a max_steps stop. */
    const char *checkpoint;  /* NULL: output + ".ckpt" */
    long checkpoint_every;   /* 0: only on interruption and at the end (1000) */
    const char *resume;      /* continue exactly from this checkpoint (NULL: start afresh) */
    int new_dev;             /* with resume: the dev set is not the checkpoint's, so its best dev
                              * CER and patience count are forgotten (0) */
    const char *init;        /* fine-tune: start from this trained model (or checkpoint): its
                              * network, weights, units with their lexicon and features with
                              * their CMVN statistics are kept (net, units, alphabet and the
                              * feature options here are not used), while the optimiser, the
                              * learning-rate schedule and the epoch count start afresh. The base
                              * model's provenance is kept as "base_provenance", and its training
                              * word counts are added to the new data's. Not with resume (NULL) */
    /* On-the-fly augmentation (each optional). Noise or speed keep raw audio in memory and
     * recompute features per batch; otherwise features are computed once. */
    const char *noise_dir;   /* folder of noise recordings (.wav/.flac/.ogg) or NULL */
    float noise_prob;        /* share of utterances that get noise (0.5) */
    float snr_min, snr_max;  /* dB, uniform (5, 20) */
    float speed_min, speed_max; /* speed factor, uniform; 1,1 off (1, 1) */
    float gain_db;           /* random gain uniform in +-gain_db; 0 off (0) */
    float lead_max_s;        /* half of the utterances start with a lead-in of quiet noise, uniform
                                in 0..lead_max_s seconds, at an RMS log-uniform in 1..100 16-bit
                                steps (a microphone before someone speaks), before gain, room,
                                noise and channel; 0 off (0) */
    float tilt;              /* random spectral tilt: the FIR y[n] = x[n] - a x[n-1] with a uniform
                                in +-tilt (a > 0 brightens, a < 0 dulls, like another microphone);
                                0 off (0) */
    float vtlp;              /* vocal-tract-length perturbation: mel filterbank warp factor uniform
                                in 1 +- vtlp (Jaitly & Hinton 2013 used 0.1); 0 off (0) */
    float reverb_prob;       /* share of utterances convolved with a random room's impulse
                                response (image method, 64 rooms from the seed); 0 off (0) */
    float telephone_prob;    /* share sent through a telephone line (300-3400 Hz, 8 kHz mu-law
                                round trip); 0 off (0) */
    int specaugment;         /* apply SpecAugment masks with `spec` (0) */
    hark_specaugment spec;
} hark_train_config;

hark_train_config hark_train_default_config(void);

typedef enum hark_train_event {
    HARK_TRAIN_LOADING,    /* global CMVN from a sample of the training set: loaded of to_load
                              utterances read */
    HARK_TRAIN_STEP,       /* one optimiser step done */
    HARK_TRAIN_EVAL,       /* dev figures of the epoch just ended are in dev_* */
    HARK_TRAIN_CHECKPOINT, /* a checkpoint was written to `path` */
    HARK_TRAIN_SAVED       /* a new best model was written to `path` */
} hark_train_event;

typedef struct hark_train_progress {
    hark_train_event event;
    size_t loaded, to_load;   /* LOADING */
    int epoch, epochs;        /* 1-based epoch */
    long step, total_steps;   /* optimiser steps done / planned */
    double loss;              /* mean CTC loss per utterance over the epoch so far */
    double lr, grad_norm;     /* of the last step (norm before clipping) */
    long skipped;             /* utterances skipped so far: infinite loss (labels longer than the
                                 frames) or a non-finite gradient */
    double dev_cer, dev_wer, dev_utt_acc; /* last evaluation, -1 before the first; for phone
                                 models dev_cer is the phone error rate and dev_wer counts words
                                 of phones */
    const char *cer_name;     /* "CER", or "PER" for phone models (set from the first event) */
    double best_cer;          /* best dev CER so far (-1 before) */
    int best_epoch;
    double audio_per_second;  /* training audio seconds processed per wall-clock second */
    double elapsed;           /* seconds since this run started */
    const char *path;         /* CHECKPOINT, SAVED */
} hark_train_progress;

/* Called on every event; return nonzero to stop: the trainer writes a checkpoint and returns
 * HARK_ERR_INTERRUPTED (how the CLI turns Ctrl-C into a clean stop). */
typedef int (*hark_train_callback)(const hark_train_progress *p, void *user_data);

/* Train a model as cfg says. Corpora are streamed from disk by a reader thread (memory holds a
 * few batches and 12 bytes per utterance); a run is reproducible for a given seed, thread and
 * rank count, and resuming from a checkpoint gives the same weights as not stopping. With MPI
 * initialised, every rank of MPI_COMM_WORLD must call this with the same cfg; only rank 0 writes
 * files. Returns HARK_OK when the epochs ran out, early stopping or max_steps ended it. */
hark_status hark_train(const hark_train_config *cfg, hark_train_callback cb, void *user_data);

#ifdef __cplusplus
}
#endif
#endif
