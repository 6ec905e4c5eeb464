/* cmd_features.c - 'hark features': load an audio file (any format, rate, channel count),
 * resample it to the feature rate and print its MFCC frames as text or a NumPy .npy array.
 * Every field of hark_mfcc_config has an option, listed in one table that drives parsing and
 * --help alike; -m starts from a model's own configuration, so the output is exactly what that
 * model sees. --bench times loading and extraction for bench/features (timing lives here, not
 * in the unit tests). */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"

static void usage(FILE *f)
{
    hark_mfcc_config d = hark_mfcc_default_config();
    fprintf(f,
        "usage: hark features [options] FILE\n"
        "\n"
        "Print the MFCC features of an audio file, one frame per line: cepstra, then deltas, then\n"
        "delta-deltas. FILE may be any format libsndfile reads, or '-' for standard input; it is\n"
        "mixed to mono and resampled to the feature sample rate.\n"
        "\n"
        "output:\n"
        "  --format FMT          text (one frame per line, space-separated) or npy (a NumPy\n"
        "                        float32 array of shape (T, D)) (default: text)\n"
        "  -o, --output FILE     write to FILE instead of standard output (default: stdout)\n"
        "  -m, --model MODEL     start from the feature configuration stored in a .hark model\n"
        "                        (default: none, use the defaults below); CMVN statistics\n"
        "                        included, so the output is what the model sees; the options\n"
        "                        below override it\n"
        "  --stream N            compute with the streaming extractor fed N samples at a time\n"
        "                        (default: 0, the whole-file path; both give the same frames)\n"
        "  --bench N             time N repetitions of loading+resampling and of extraction and\n"
        "                        print the medians instead of the features (default: 0)\n"
        "\n"
        "raw input (headerless PCM, interleaved, little-endian):\n"
        "  --raw-format FMT      s16, s8, u8, s24, s32, f32 or f64 (default: off, FILE has a\n"
        "                        header)\n"
        "  --raw-rate HZ         sample rate of the raw data (default: 16000)\n"
        "  --raw-channels N      channels of the raw data (default: 1)\n"
        "\n"
        "features (defaults are Kaldi's compute-mfcc-feats):\n");
    cli_opts_help(f, &cli_feature_opts, CLI_FOR_FEATURES, &d);
    cli_opts_help(f, &cli_cmvn_opts, CLI_FOR_FEATURES, &d);
    fprintf(f, "  -h, --help            show this help\n");
}

/* Features of one file through the streaming extractor, fed `chunk` samples at a time. */
static hark_status stream_features(const hark_mfcc_config *cfg, const float *x, size_t n,
                                   size_t chunk, float **out, size_t *T)
{
    *out = NULL;
    *T = 0;
    hark_mfcc_stream *s = hark_mfcc_stream_create(cfg);
    if (!s)
        return HARK_ERR_INVALID_ARG;
    const size_t D = (size_t)hark_mfcc_dim(cfg), total = hark_mfcc_num_frames(cfg, n);
    float *f = malloc((total ? total : 1) * D * sizeof *f);
    hark_status st = f ? HARK_OK : hark_error(HARK_ERR_NOMEM, "out of memory");
    size_t got = 0;
    for (size_t i = 0; st == HARK_OK && i < n; i += chunk) {
        st = hark_mfcc_stream_feed(s, x + i, n - i < chunk ? n - i : chunk);
        got += hark_mfcc_stream_read(s, f + got * D, total - got);
    }
    if (st == HARK_OK)
        st = hark_mfcc_stream_finish(s);
    if (st == HARK_OK)
        got += hark_mfcc_stream_read(s, f + got * D, total - got);
    hark_mfcc_stream_free(s);
    if (st != HARK_OK) {
        free(f);
        return st;
    }
    *out = f;
    *T = got;
    return HARK_OK;
}

static int write_text(FILE *f, const float *x, size_t T, int D)
{
    for (size_t t = 0; t < T; t++) {
        for (int i = 0; i < D; i++)
            fprintf(f, i ? " %.7g" : "%.7g", (double)x[t * (size_t)D + (size_t)i]);
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}

/* NumPy .npy version 1.0: magic, header length, a Python dict literal padded with spaces so
 * that the data starts on a 64-byte boundary, then little-endian float32 data. */
static int write_npy(FILE *f, const float *x, size_t T, int D)
{
    char dict[128];
    int len = snprintf(dict, sizeof dict,
                       "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %d), }", T, D);
    size_t total = 10 + (size_t)len + 1;
    size_t pad = (64 - total % 64) % 64;
    unsigned short hlen = (unsigned short)((size_t)len + pad + 1);
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hlen & 0xff),
                             (unsigned char)(hlen >> 8)};
    fwrite(pre, 1, sizeof pre, f);
    fwrite(dict, 1, (size_t)len, f);
    for (size_t i = 0; i < pad; i++)
        fputc(' ', f);
    fputc('\n', f);
    /* x86 and ARM Linux are little-endian, as '<f4' says. */
    if (T)
        fwrite(x, sizeof *x, T * (size_t)D, f);
    return ferror(f) ? -1 : 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, long n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static hark_status load(const char *path, const hark_audio_raw *raw, int rate, float **x,
                        size_t *n)
{
    return raw ? hark_audio_load_raw(path, raw, rate, x, n) : hark_audio_load(path, rate, x, n, NULL);
}

/* CPU time of this thread: on a shared machine wall time also counts other processes' slices. */
static double thread_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Time loading+resampling and extraction separately, `reps` times each; print the medians of
 * wall-clock and thread CPU time. */
static int run_bench(const char *path, const hark_audio_raw *raw, const hark_mfcc_config *cfg,
                     long reps)
{
    double *t = malloc(4 * (size_t)reps * sizeof *t);
    double *tl = t, *cl = t + reps, *tm = t + 2 * reps, *cm = t + 3 * reps;
    float *x = NULL, *feat = NULL;
    size_t n = 0, T = 0;
    int rc = CLI_FAIL;
    hark_mfcc *m = hark_mfcc_create(cfg);
    if (!t || !m) {
        cli_error("features", "%s", m ? "out of memory" : hark_last_error());
        goto done;
    }
    for (long r = 0; r < reps; r++) {
        free(x);
        x = NULL;
        double w0 = util_now_seconds(), c0 = thread_cpu_now();
        hark_status st = load(path, raw, cfg->sample_rate, &x, &n);
        tl[r] = util_now_seconds() - w0;
        cl[r] = thread_cpu_now() - c0;
        if (st != HARK_OK) {
            cli_error("features", "%s", hark_last_error());
            goto done;
        }
    }
    feat = malloc((hark_mfcc_num_frames(cfg, n) + 1) * (size_t)hark_mfcc_dim(cfg) * sizeof *feat);
    if (!feat) {
        cli_error("features", "out of memory");
        goto done;
    }
    for (long r = 0; r < reps; r++) {
        double w0 = util_now_seconds(), c0 = thread_cpu_now();
        if (hark_mfcc_compute(m, x, n, feat, &T) != HARK_OK) {
            cli_error("features", "%s: %s", path, hark_last_error());
            goto done;
        }
        tm[r] = util_now_seconds() - w0;
        cm[r] = thread_cpu_now() - c0;
    }
    double audio_s = (double)n / cfg->sample_rate;
    double ml = median(tl, reps), mm = median(tm, reps);
    printf("audio_seconds %.6f\nframes %zu\nrepetitions %ld\nload_resample_median_s %.9f\n"
           "load_resample_cpu_median_s %.9f\nmfcc_median_s %.9f\nmfcc_cpu_median_s %.9f\n"
           "mfcc_rtf %.3e\nload_audio_s_per_s %.1f\n",
           audio_s, T, reps, ml, median(cl, reps), mm, median(cm, reps), mm / audio_s,
           audio_s / ml);
    rc = CLI_OK;
done:
    hark_mfcc_free(m);
    free(t);
    free(x);
    free(feat);
    return rc;
}

/* Extract and write the features of one file. */
static int run(const char *path, const hark_audio_raw *raw, const hark_mfcc_config *cfg,
               long stream_chunk, int npy, const char *out_path)
{
    float *x = NULL, *feat = NULL;
    size_t n = 0, T = 0;
    int rc = CLI_FAIL;
    hark_mfcc *m = NULL;
    FILE *f = NULL;
    hark_status st = load(path, raw, cfg->sample_rate, &x, &n);
    if (st != HARK_OK) {
        cli_error("features", "%s", hark_last_error());
        goto done;
    }
    if (stream_chunk > 0)
        st = stream_features(cfg, x, n, (size_t)stream_chunk, &feat, &T);
    else if ((m = hark_mfcc_create(cfg)) == NULL)
        st = HARK_ERR_INVALID_ARG;
    else
        st = hark_mfcc_compute_alloc(m, x, n, &feat, &T);
    if (st != HARK_OK) {
        cli_error("features", "%s: %s", path, hark_last_error());
        goto done;
    }
    if (T == 0) {
        cli_error("features", "%s: %.3f s of audio is shorter than one %g ms frame", path,
                  (double)n / cfg->sample_rate, cfg->frame_length_ms);
        goto done;
    }
    f = out_path ? fopen(out_path, "wb") : stdout;
    if (!f) {
        cli_error("features", "%s: cannot write: %s", out_path, strerror(errno));
        goto done;
    }
    const int D = hark_mfcc_dim(cfg);
    if ((npy ? write_npy(f, feat, T, D) : write_text(f, feat, T, D)) || fflush(f)) {
        cli_error("features", "%s: write failed", out_path ? out_path : "<stdout>");
        goto done;
    }
    rc = CLI_OK;
done:
    if (f && f != stdout && fclose(f) != 0 && rc == CLI_OK) {
        cli_error("features", "%s: write failed", out_path);
        rc = CLI_FAIL;
    }
    hark_mfcc_free(m);
    free(x);
    free(feat);
    return rc;
}

enum { OPT_FORMAT = 256, OPT_STREAM, OPT_BENCH, OPT_RAW_FORMAT, OPT_RAW_RATE, OPT_RAW_CHANNELS };

int cmd_features(int argc, char **argv)
{
    static const struct option fixed[] = {
        {"format", required_argument, 0, OPT_FORMAT},
        {"output", required_argument, 0, 'o'},
        {"model", required_argument, 0, 'm'},
        {"stream", required_argument, 0, OPT_STREAM},
        {"bench", required_argument, 0, OPT_BENCH},
        {"raw-format", required_argument, 0, OPT_RAW_FORMAT},
        {"raw-rate", required_argument, 0, OPT_RAW_RATE},
        {"raw-channels", required_argument, 0, OPT_RAW_CHANNELS},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    /* Feature options are applied once -m is known, so that they override the model's config. */
    static const cli_opt_table *const tables[] = {&cli_feature_opts, &cli_cmvn_opts};
    static cli_parser P;
    cli_parser_init(&P, "features", CLI_FOR_FEATURES, fixed, ":o:m:h", tables, 2);
    const char *out_path = NULL, *model_path = NULL, *raw_format = NULL;
    int npy = 0;
    long stream_chunk = 0, bench = 0, raw_rate = 16000, raw_channels = 1;

    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, P.shortopts, P.longopts, NULL)) != -1) {
        if (cli_parser_take(&P, c, optarg))
            continue;
        switch (c) {
        case 'h': usage(stdout); return CLI_OK;
        case 'o': out_path = optarg; break;
        case 'm': model_path = optarg; break;
        case OPT_FORMAT:
            if (strcmp(optarg, "npy") && strcmp(optarg, "text")) {
                cli_error("features", "--format: expected text or npy, got '%s'", optarg);
                return CLI_USAGE;
            }
            npy = !strcmp(optarg, "npy");
            break;
        case OPT_STREAM:
            if (cli_parse_int("features", "--stream", optarg, 0, 1L << 24, &stream_chunk))
                return CLI_USAGE;
            break;
        case OPT_BENCH:
            if (cli_parse_int("features", "--bench", optarg, 0, 100000, &bench))
                return CLI_USAGE;
            break;
        case OPT_RAW_FORMAT: raw_format = optarg; break;
        case OPT_RAW_RATE:
            if (cli_parse_int("features", "--raw-rate", optarg, HARK_AUDIO_MIN_RATE,
                              HARK_AUDIO_MAX_RATE, &raw_rate))
                return CLI_USAGE;
            break;
        case OPT_RAW_CHANNELS:
            if (cli_parse_int("features", "--raw-channels", optarg, 1, 256, &raw_channels))
                return CLI_USAGE;
            break;
        case ':':
            cli_error("features", "option %s needs a value", argv[optind - 1]);
            return CLI_USAGE;
        case '?':
            cli_error("features", "unknown option %s (see hark features --help)", argv[optind - 1]);
            return CLI_USAGE;
        }
    }
    if (optind != argc - 1) {
        cli_error("features", optind >= argc ? "no audio file given (see hark features --help)"
                                             : "one audio file at a time (see hark features --help)");
        return CLI_USAGE;
    }

    hark_mfcc_config cfg = hark_mfcc_default_config();
    if (model_path) {
        hark_model *model = hark_model_load(model_path);
        if (!model) {
            cli_error("features", "%s", hark_last_error());
            return CLI_FAIL;
        }
        cfg = *hark_model_feature_config(model);
        hark_model_free(model);
    }
    if (cli_parser_apply(&P, &cli_feature_opts, &cfg) || cli_parser_apply(&P, &cli_cmvn_opts, &cfg))
        return CLI_USAGE;
    if ((cfg.cmvn == HARK_CMVN_GLOBAL || cfg.cmvn == HARK_CMVN_LIVE)
        && cfg.cmvn_dim != hark_mfcc_dim(&cfg)) {
        cli_error("features", "--cmvn %s needs statistics of %d dimensions: give a model (-m) "
                  "trained with this feature configuration",
                  cfg.cmvn == HARK_CMVN_LIVE ? "live" : "global", hark_mfcc_dim(&cfg));
        return CLI_USAGE;
    }
    if (hark_mfcc_config_validate(&cfg) != HARK_OK) {
        cli_error("features", "%s", hark_last_error());
        return CLI_USAGE;
    }
    hark_audio_raw raw = {(int)raw_rate, (int)raw_channels, HARK_SAMPLE_S16, 0};
    if (raw_format && hark_audio_parse_sample_format(raw_format, &raw.format) != HARK_OK) {
        cli_error("features", "--raw-format: %s", hark_last_error());
        return CLI_USAGE;
    }
    const char *path = argv[optind];
    if (bench)
        return run_bench(path, raw_format ? &raw : NULL, &cfg, bench);
    return run(path, raw_format ? &raw : NULL, &cfg, stream_chunk, npy, out_path);
}
