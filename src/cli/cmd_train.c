/* cmd_train.c - 'hark train': parse the architecture, optimiser, augmentation and feature flags
 * into a hark_train_config, run hark_train with a progress bar, and turn Ctrl-C into a clean
 * stop with a checkpoint (the trainer polls a flag through its callback). Under mpirun (in a
 * build with HARK_MPI) it initialises MPI, keeps quiet on ranks other than 0, and on a failure
 * aborts the whole job so no rank waits for a peer that stopped. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_mpi.h"
#include "cli/cli_opts.h"

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
    signal(SIGINT, SIG_DFL); /* a second Ctrl-C kills at once */
}

static const char *mpi_note(void)
{
    return cli_mpi_built() ? ""
                           : "\n                        (this build has no MPI: configure with HARK_MPI=ON)";
}

static void usage(FILE *f)
{
    hark_train_config d = hark_train_default_config();
    fprintf(f,
        "usage: hark train --train CORPUS -o MODEL [options]\n"
        "\n"
        "Train a recurrent CTC acoustic model (GRU/LSTM layers) on labelled speech. The\n"
        "units are the characters of the training transcripts, or phones (--units phones);\n"
        "global CMVN statistics come from the training set (a seeded sample of 1 hour when\n"
        "it is longer). Audio is read from disk as training goes, so memory does not grow\n"
        "with the corpus. The best model by dev CER (else the last) is written to MODEL.\n"
        "\n"
        "data:\n"
        "  --train CORPUS        training corpus, PATH[:SPLIT] as for 'hark data' (required;\n"
        "                        repeat it to train on several corpora together)\n"
        "  --dev CORPUS          evaluated after every epoch (default: none)\n"
        "  -o, --output MODEL    the model file to write (required)\n"
        "  --max-duration S      leave out training utterances longer than S seconds (0: keep)\n"
        "units:\n"
        "  --units chars|phones  output units (default: chars). phones: 40 English phones from\n"
        "                        espeak-ng's en-us phonemizer, each transcript phonemized once\n"
        "                        at load; the model stores the pronunciations of the training\n"
        "                        words (its lexicon; other words are phonemized when decoding),\n"
        "                        and the dev CER shown is the phone error rate (PER)\n"
        "  --lexicon-words FILE  phones: also store the pronunciations of these words (one or\n"
        "                        more per line, lower-cased) (default: none)\n"
        "network:\n"
        "  --cell gru|lstm       recurrent cell (default: gru)\n"
        "  --layers N            recurrent layers (default: %d)\n"
        "  --hidden H            units per direction (default: %d)\n"
        "  --bidirectional       both directions (the default)\n"
        "  --unidirectional      forward only: streams with partial results\n"
        "  --stack K             stack K frames and keep every K-th (default: %d)\n"
        "  --dropout P           dropout between layers (default: %g)\n"
        "optimisation:\n"
        "  --epochs N            (default: %d)\n"
        "  --batch N             utterances per batch, bucketed by length (default: %d)\n"
        "  --lr X                peak learning rate of Adam (default: %g)\n"
        "  --warmup N            linear warm-up steps, then cosine decay (default: %ld)\n"
        "  --final-lr R          decay to lr*R by the last step (default: %g)\n"
        "  --clip X              global gradient-norm clipping, 0 off (default: %g)\n"
        "  --weight-decay X      decoupled weight decay (default: 0, off)\n"
        "  --seed N              weights, batch order, dropout, augmentation (default: %llu)\n"
        "  --patience N          stop after N epochs without a better dev CER, 0 never\n"
        "                        (default: %d)\n"
        "  --max-steps N         stop after N optimiser steps (default: 0, no limit)\n"
        "  --bptt N              truncate backpropagation through time to N network steps\n"
        "                        (default: 0, whole utterance)\n"
        "  --threads N           data-parallel worker threads, each a slice of every batch;\n"
        "                        OpenBLAS stays single-threaded (default: 1). Across machines:\n"
        "                        mpirun -np N hark train ... splits each batch over N ranks%s\n"
        "checkpoints:\n"
        "  --checkpoint FILE     where checkpoints go (default: MODEL.ckpt)\n"
        "  --checkpoint-every N  steps between checkpoints, 0: only at Ctrl-C/end (default: %ld)\n"
        "  --resume FILE         continue exactly from a checkpoint\n"
        "  --init MODEL          fine-tune: start from a trained model (or a checkpoint) with\n"
        "                        its network, weights, units with their lexicon and features\n"
        "                        with their CMVN statistics; the optimiser, schedule and epochs\n"
        "                        start afresh. The network and units options are refused, the\n"
        "                        feature options not used. E.g. adapt models/default.hark to\n"
        "                        your own recordings with --lr 0.0003 --epochs 5\n"
        "  --new-dev             with --resume: the dev set differs from the checkpoint's, so\n"
        "                        its best dev CER and patience count are forgotten (default: off)\n"
        "",
        d.net.n_layers, d.net.hidden, d.net.stack, (double)d.net.dropout, d.epochs, d.batch,
        (double)d.lr, d.warmup, (double)d.final_lr_ratio, (double)d.clip,
        (unsigned long long)d.seed, d.patience, mpi_note(), d.checkpoint_every);
    fprintf(f,
        "augmentation (all off by default):\n"
        "  --noise DIR           mix in noise recordings from DIR (.wav/.flac/.ogg)\n"
        "  --noise-prob P        share of utterances that get noise (default: %g)\n"
        "  --snr MIN:MAX         noise SNR range in dB (default: %g:%g)\n"
        "  --speed MIN:MAX       speed perturbation range (e.g. 0.9:1.1; default: 1:1, off)\n"
        "  --gain DB             random gain in +-DB (default: 0, off)\n"
        "  --lead-silence S      half of the utterances start with 0..S seconds of quiet noise\n"
        "                        (RMS 1-100 16-bit steps, log-uniform): recordings that begin\n"
        "                        with a second of near-silence (docs/listen.md) (default: 0, off)\n"
        "  --tilt A              random spectral tilt, y[n] = x[n] - a x[n-1] with a in +-A\n"
        "                        (another microphone's colour; e.g. 0.5) (default: 0, off)\n"
        "  --vtlp A              vocal-tract-length perturbation: mel filterbank warped by a\n"
        "                        factor in 1+-A (Jaitly & Hinton 2013; e.g. 0.1) (default: 0, off)\n"
        "  --reverb P            share of utterances in a random simulated room (image method,\n"
        "                        RT60 0.15-0.8 s) (default: 0, off)\n"
        "  --telephone P         share of utterances sent through a telephone line (300-3400 Hz,\n"
        "                        8 kHz mu-law) (default: 0, off)\n"
        "  --specaugment         SpecAugment: 2 frequency masks of <= 4 bins and 2 time masks\n"
        "                        of <= 20 frames (default: off)\n"
        "features:\n",
        (double)d.noise_prob, (double)d.snr_min, (double)d.snr_max);
    cli_opts_help(f, &cli_feature_opts, CLI_FOR_TRAIN, &d.feat);
    fprintf(f,
        "  --cmvn global|live|utterance  feature normalisation: global statistics of the\n"
        "                        training set; live: the mean of a sliding window of recent\n"
        "                        frames (Kaldi's sliding CMN: robust to microphones and still\n"
        "                        streamable; look-ahead only at the start of an utterance)\n"
        "                        over the training set's std; or each utterance's own mean\n"
        "                        and variance (decoded at the end) (default: global). With\n"
        "                        --resume of a global-CMVN checkpoint, live switches it to live\n"
        "                        CMVN from there on (a warm start with fresh statistics)\n"
        "  --cmvn-window N       live: frames of history in the mean (default: %d)\n"
        "  --cmvn-min-window N   live: frames the mean waits for at the start (default: %d)\n"
        "other:\n"
        "  -q, --quiet           no progress bar\n"
        "  -h, --help            show this help\n"
        "\n"
        "example:\n"
        "  hark train --train ../shared/data/fsdd:train --dev ../shared/data/fsdd:test \\\n"
        "             --sample-rate 8000 -o digits.hark\n",
        d.feat.cmvn_window, d.feat.cmvn_min_window);
}

/* A MIN:MAX option into two floats (cli_parse_range does the parsing and the messages). */
static int parse_range(const char *opt, const char *s, double lo, double hi, float *a, float *b)
{
    double x, y;
    if (cli_parse_range("train", opt, s, lo, hi, 0, &x, &y))
        return -1;
    *a = (float)x;
    *b = (float)y;
    return 0;
}

/* The dev error rate's name: CER, or PER (phone error rate) for phone models. */
static const char *cer_name(const hark_train_progress *p)
{
    return p->cer_name ? p->cer_name : "CER";
}

typedef struct progress_state {
    cli_progress bar, load;
    int quiet, started;
    size_t loading; /* size of the corpus being loaded (0: none) */
} progress_state;

static int on_progress(const hark_train_progress *p, void *user)
{
    progress_state *ps = user;
    char extra[256];
    if (ps->quiet)
        return interrupted;
    switch (p->event) {
    case HARK_TRAIN_LOADING:
        if (ps->loading != p->to_load) {
            if (ps->loading)
                cli_progress_end(&ps->load);
            cli_progress_start(&ps->load, "load", (double)p->to_load);
            ps->loading = p->to_load;
        }
        cli_progress_update(&ps->load, (double)p->loaded, "utterances read and featurised");
        break;
    case HARK_TRAIN_STEP:
        if (!ps->started) {
            if (ps->loading)
                cli_progress_end(&ps->load);
            cli_progress_start(&ps->bar, "train", (double)p->total_steps);
            ps->started = 1;
        }
        if (p->dev_cer >= 0)
            snprintf(extra, sizeof extra,
                     "epoch %d/%d loss %.3f dev %s %.2f%% WER %.2f%% %.0f audio-s/s", p->epoch,
                     p->epochs, p->loss, cer_name(p), 100 * p->dev_cer, 100 * p->dev_wer,
                     p->audio_per_second);
        else
            snprintf(extra, sizeof extra, "epoch %d/%d loss %.3f %.0f audio-s/s", p->epoch,
                     p->epochs, p->loss, p->audio_per_second);
        cli_progress_update(&ps->bar, (double)p->step, extra);
        break;
    case HARK_TRAIN_EVAL:
        if (ps->started && ps->bar.tty)
            fputc('\n', stderr);
        fprintf(stderr,
                "epoch %d: loss %.3f, dev %s %.2f%%, WER %.2f%%, utterances right %.2f%% "
                "(best %s %.2f%% at epoch %d)%s",
                p->epoch, p->loss, cer_name(p), 100 * p->dev_cer, 100 * p->dev_wer,
                100 * p->dev_utt_acc, cer_name(p), 100 * p->best_cer, p->best_epoch,
                ps->bar.tty ? "" : "\n");
        if (ps->bar.tty)
            fputc('\n', stderr);
        break;
    case HARK_TRAIN_CHECKPOINT:
        if (interrupted)
            fprintf(stderr, "\ncheckpoint written to %s\n", p->path);
        break;
    case HARK_TRAIN_SAVED:
        break;
    }
    return interrupted;
}

/* Repeated --train options become one newline-separated list, as hark_train_config.train takes. */
static int add_train_spec(char *list, size_t cap, const char *spec)
{
    size_t len = strlen(list);
    if (strchr(spec, '\n') || len + strlen(spec) + 2 > cap) {
        cli_error("train", "--train: '%.40s' is too long or has a newline", spec);
        return -1;
    }
    snprintf(list + len, cap - len, "%s%s", len ? "\n" : "", spec);
    return 0;
}

int cmd_train(int argc, char **argv)
{
    enum {
        O_TRAIN = 256, O_DEV, O_MAXDUR, O_CELL, O_LAYERS, O_HIDDEN, O_BI, O_UNI, O_STACK,
        O_DROPOUT, O_EPOCHS, O_BATCH, O_LR, O_WARMUP, O_FINAL_LR, O_CLIP, O_WD, O_SEED,
        O_PATIENCE, O_MAX_STEPS, O_THREADS, O_CKPT, O_CKPT_EVERY, O_RESUME, O_NOISE, O_NOISE_PROB,
        O_SNR, O_SPEED, O_GAIN, O_LEAD, O_SPECAUG, O_CMVN, O_TILT, O_BPTT, O_VTLP, O_REVERB, O_PHONE,
        O_UNITS, O_LEXWORDS, O_NEW_DEV, O_CMVN_WIN, O_CMVN_MIN, O_INIT
    };
    static const struct option opts[] = {
        {"train", required_argument, 0, O_TRAIN}, {"dev", required_argument, 0, O_DEV},
        {"output", required_argument, 0, 'o'}, {"max-duration", required_argument, 0, O_MAXDUR},
        {"cell", required_argument, 0, O_CELL}, {"layers", required_argument, 0, O_LAYERS},
        {"hidden", required_argument, 0, O_HIDDEN}, {"bidirectional", no_argument, 0, O_BI},
        {"unidirectional", no_argument, 0, O_UNI}, {"stack", required_argument, 0, O_STACK},
        {"dropout", required_argument, 0, O_DROPOUT}, {"epochs", required_argument, 0, O_EPOCHS},
        {"batch", required_argument, 0, O_BATCH}, {"lr", required_argument, 0, O_LR},
        {"warmup", required_argument, 0, O_WARMUP}, {"final-lr", required_argument, 0, O_FINAL_LR},
        {"clip", required_argument, 0, O_CLIP}, {"weight-decay", required_argument, 0, O_WD},
        {"seed", required_argument, 0, O_SEED}, {"patience", required_argument, 0, O_PATIENCE},
        {"max-steps", required_argument, 0, O_MAX_STEPS},
        {"bptt", required_argument, 0, O_BPTT},
        {"threads", required_argument, 0, O_THREADS}, {"checkpoint", required_argument, 0, O_CKPT},
        {"checkpoint-every", required_argument, 0, O_CKPT_EVERY},
        {"resume", required_argument, 0, O_RESUME}, {"new-dev", no_argument, 0, O_NEW_DEV},
        {"init", required_argument, 0, O_INIT}, {"noise", required_argument, 0, O_NOISE},
        {"noise-prob", required_argument, 0, O_NOISE_PROB}, {"snr", required_argument, 0, O_SNR},
        {"speed", required_argument, 0, O_SPEED}, {"gain", required_argument, 0, O_GAIN},
        {"tilt", required_argument, 0, O_TILT}, {"lead-silence", required_argument, 0, O_LEAD},
        {"vtlp", required_argument, 0, O_VTLP}, {"reverb", required_argument, 0, O_REVERB},
        {"telephone", required_argument, 0, O_PHONE},
        {"specaugment", no_argument, 0, O_SPECAUG}, {"cmvn", required_argument, 0, O_CMVN},
        {"cmvn-window", required_argument, 0, O_CMVN_WIN},
        {"cmvn-min-window", required_argument, 0, O_CMVN_MIN},
        {"units", required_argument, 0, O_UNITS}, {"lexicon-words", required_argument, 0, O_LEXWORDS},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    hark_train_config c = hark_train_default_config();
    char train_specs[8192] = "";
    long threads = 1, v;
    double x;
    progress_state ps = {0};
    const char *shape_opt = NULL; /* the first network or units option given */
    int opt;
    /* Feature options come from the table every command shares (cli_opts.c). */
    static const cli_opt_table *const tables[] = {&cli_feature_opts};
    static cli_parser P;
    cli_parser_init(&P, "train", CLI_FOR_TRAIN, opts, "o:qh", tables, 1);
    optind = 1;
    while ((opt = getopt_long(argc, argv, P.shortopts, P.longopts, NULL)) != -1) {
        int bad = 0;
        if (cli_parser_take(&P, opt, optarg))
            continue;
        static const int shape_opts[] = {O_CELL, O_LAYERS, O_HIDDEN, O_BI, O_UNI, O_STACK,
                                         O_DROPOUT, O_UNITS};
        for (size_t i = 0; i < sizeof shape_opts / sizeof shape_opts[0]; i++)
            for (size_t k = 0; opt == shape_opts[i] && !shape_opt && opts[k].name; k++)
                if (opts[k].val == opt)
                    shape_opt = opts[k].name;
        switch (opt) {
        case O_TRAIN: bad = add_train_spec(train_specs, sizeof train_specs, optarg); c.train = train_specs; break;
        case O_DEV: c.dev = optarg; break;
        case 'o': c.output = optarg; break;
        case O_MAXDUR: bad = cli_parse_float("train", "--max-duration", optarg, 0, 1e6, &c.max_duration); break;
        case O_CELL:
            if (!strcmp(optarg, "gru"))
                c.net.cell = HARK_CELL_GRU;
            else if (!strcmp(optarg, "lstm"))
                c.net.cell = HARK_CELL_LSTM;
            else {
                cli_error("train", "--cell expects gru or lstm, got '%s'", optarg);
                bad = 1;
            }
            break;
        case O_LAYERS: bad = cli_parse_int("train", "--layers", optarg, 1, 16, &v); c.net.n_layers = (int)v; break;
        case O_HIDDEN: bad = cli_parse_int("train", "--hidden", optarg, 1, 4096, &v); c.net.hidden = (int)v; break;
        case O_BI: c.net.bidirectional = 1; break;
        case O_UNI: c.net.bidirectional = 0; break;
        case O_STACK: bad = cli_parse_int("train", "--stack", optarg, 1, 16, &v); c.net.stack = (int)v; break;
        case O_DROPOUT: bad = cli_parse_float("train", "--dropout", optarg, 0, 0.9, &x); c.net.dropout = (float)x; break;
        case O_EPOCHS: bad = cli_parse_int("train", "--epochs", optarg, 1, 100000, &v); c.epochs = (int)v; break;
        case O_BATCH: bad = cli_parse_int("train", "--batch", optarg, 1, 512, &v); c.batch = (int)v; break;
        case O_LR: bad = cli_parse_float("train", "--lr", optarg, 1e-7, 1, &x); c.lr = (float)x; break;
        case O_WARMUP: bad = cli_parse_int("train", "--warmup", optarg, 0, 10000000, &c.warmup); break;
        case O_FINAL_LR: bad = cli_parse_float("train", "--final-lr", optarg, 0, 1, &x); c.final_lr_ratio = (float)x; break;
        case O_CLIP: bad = cli_parse_float("train", "--clip", optarg, 0, 1e6, &x); c.clip = (float)x; break;
        case O_WD: bad = cli_parse_float("train", "--weight-decay", optarg, 0, 1, &x); c.weight_decay = (float)x; break;
        case O_SEED: bad = cli_parse_int("train", "--seed", optarg, 0, 0x7fffffffL, &v); c.seed = (uint64_t)v; break;
        case O_PATIENCE: bad = cli_parse_int("train", "--patience", optarg, 0, 100000, &v); c.patience = (int)v; break;
        case O_MAX_STEPS: bad = cli_parse_int("train", "--max-steps", optarg, 0, 1000000000L, &c.max_steps); break;
        case O_BPTT: bad = cli_parse_int("train", "--bptt", optarg, 0, 1000000, &v); c.bptt_steps = (int)v; break;
        case O_THREADS: bad = cli_parse_int("train", "--threads", optarg, 1, 256, &threads); break;
        case O_CKPT: c.checkpoint = optarg; break;
        case O_CKPT_EVERY: bad = cli_parse_int("train", "--checkpoint-every", optarg, 0, 1000000000L, &c.checkpoint_every); break;
        case O_RESUME: c.resume = optarg; break;
        case O_INIT: c.init = optarg; break;
        case O_NEW_DEV: c.new_dev = 1; break;
        case O_NOISE: c.noise_dir = optarg; break;
        case O_NOISE_PROB: bad = cli_parse_float("train", "--noise-prob", optarg, 0, 1, &x); c.noise_prob = (float)x; break;
        case O_SNR: bad = parse_range("--snr", optarg, -30, 100, &c.snr_min, &c.snr_max); break;
        case O_SPEED: bad = parse_range("--speed", optarg, 0.5, 2, &c.speed_min, &c.speed_max); break;
        case O_GAIN: bad = cli_parse_float("train", "--gain", optarg, 0, 40, &x); c.gain_db = (float)x; break;
        case O_LEAD: bad = cli_parse_float("train", "--lead-silence", optarg, 0, 5, &x); c.lead_max_s = (float)x; break;
        case O_TILT: bad = cli_parse_float("train", "--tilt", optarg, 0, 0.95, &x); c.tilt = (float)x; break;
        case O_VTLP: bad = cli_parse_float("train", "--vtlp", optarg, 0, 0.4, &x); c.vtlp = (float)x; break;
        case O_REVERB: bad = cli_parse_float("train", "--reverb", optarg, 0, 1, &x); c.reverb_prob = (float)x; break;
        case O_PHONE: bad = cli_parse_float("train", "--telephone", optarg, 0, 1, &x); c.telephone_prob = (float)x; break;
        case O_SPECAUG: c.specaugment = 1; break;
        case O_CMVN:
            if (!strcmp(optarg, "global")) {
                c.feat.cmvn = HARK_CMVN_NONE; /* the trainer adds the statistics */
            } else if (!strcmp(optarg, "utterance")) {
                c.feat.cmvn = HARK_CMVN_UTTERANCE;
                c.feat.cmvn_variance = 1;
            } else if (!strcmp(optarg, "live")) {
                c.feat.cmvn = HARK_CMVN_LIVE; /* the trainer adds the statistics (the std) */
            } else {
                cli_error("train", "--cmvn expects global, live or utterance, got '%s'", optarg);
                bad = 1;
            }
            break;
        case O_CMVN_WIN:
            bad = cli_parse_int("train", "--cmvn-window", optarg, 1, HARK_MFCC_MAX_CMVN_WINDOW, &v);
            c.feat.cmvn_window = (int)v;
            break;
        case O_CMVN_MIN:
            bad = cli_parse_int("train", "--cmvn-min-window", optarg, 1, HARK_MFCC_MAX_CMVN_WINDOW,
                                &v);
            c.feat.cmvn_min_window = (int)v;
            break;
        case O_UNITS:
            if (!strcmp(optarg, "chars") || !strcmp(optarg, "phones")) {
                c.units = optarg[0] == 'p' ? HARK_UNITS_PHONES : HARK_UNITS_CHARS;
            } else {
                cli_error("train", "--units expects chars or phones, got '%s'", optarg);
                bad = 1;
            }
            break;
        case O_LEXWORDS: c.lexicon_words = optarg; break;
        case 'q': ps.quiet = 1; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
        if (bad)
            return CLI_USAGE;
    }
    if (optind < argc) {
        cli_error("train", "unexpected argument '%s' (corpora go after --train/--dev)", argv[optind]);
        return CLI_USAGE;
    }
    if (!c.train || !c.output) {
        cli_error("train", "--train CORPUS and -o MODEL are required (see --help)");
        return CLI_USAGE;
    }
    if (c.init && c.resume) {
        cli_error("train", "--init MODEL starts a new run and --resume CHECKPOINT continues one: "
                  "give one of them");
        return CLI_USAGE;
    }
    if (c.init && shape_opt) {
        cli_error("train", "--init MODEL keeps the model's network and units; leave out --%s",
                  shape_opt);
        return CLI_USAGE;
    }
    if (c.new_dev && (!c.resume || !c.dev)) {
        cli_error("train", "--new-dev needs --resume CHECKPOINT and --dev CORPUS");
        return CLI_USAGE;
    }
    if (cli_parser_apply(&P, &cli_feature_opts, &c.feat) != 0)
        return CLI_USAGE;
    hark_mfcc_config check = c.feat; /* live CMVN as it will be once the trainer adds the std */
    if (check.cmvn == HARK_CMVN_LIVE)
        hark_mfcc_stats_identity(&check);
    if (hark_mfcc_config_validate(&check) != HARK_OK) {
        cli_error("train", "bad feature options: %s", hark_last_error());
        return CLI_USAGE;
    }
    c.threads = (int)threads;
    int rank, size;
    if (cli_mpi_start("train", &rank, &size))
        return CLI_FAIL;
    if (rank != 0)
        ps.quiet = 1; /* rank 0 speaks for the job */
    interrupted = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    hark_status st = hark_train(&c, on_progress, &ps);
    signal(SIGINT, SIG_DFL);
    if (ps.started)
        cli_progress_end(&ps.bar);
    if (st != HARK_OK) {
        if (size > 1)
            cli_error("train", "rank %d of %d: %s", rank, size, hark_last_error());
        else
            cli_error("train", "%s", hark_last_error());
        cli_mpi_finish(size, 0);
        return CLI_FAIL;
    }
    cli_mpi_finish(size, 1);
    if (!ps.quiet)
        fprintf(stderr, "model written to %s\n", c.output);
    return CLI_OK;
}
