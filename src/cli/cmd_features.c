/* cmd_features.c - 'hark features': load an audio file (any format, rate, channel count),
 * resample it to the feature rate and print its MFCC frames as text or a NumPy .npy array.
 * Every field of hark_mfcc_config has an option; -m starts from a model's own configuration,
 * so the output is exactly what that model sees. --bench times loading and extraction for
 * bench/features (the timing lives here, not in the unit tests). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char *const window_names[] = {"povey", "hamming", "hann", "rectangular"};
static const char *const cmvn_names[] = {"none", "utterance", "global"};

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
        "raw input (headerless PCM; all three together):\n"
        "  --raw-format FMT      s16, s8, u8, s24, s32, f32 or f64, little-endian (default: off)\n"
        "  --raw-rate HZ         sample rate of the raw data (default: 16000)\n"
        "  --raw-channels N      interleaved channels (default: 1)\n"
        "\n"
        "features (defaults are Kaldi's compute-mfcc-feats):\n"
        "  --sample-rate HZ      feature sample rate; audio is resampled to it (default: %d)\n"
        "  --frame-length MS     analysis window (default: %g)\n"
        "  --frame-shift MS      hop between frames (default: %g)\n"
        "  --dither X            Gaussian dither std, in int16 units (default: %g)\n"
        "  --dither-seed N       seed of the dither noise (default: %llu)\n"
        "  --input-scale X       samples in [-1,1] are multiplied by X first (default: %g)\n"
        "  --preemphasis K       pre-emphasis coefficient, 0 disables (default: %g)\n"
        "  --remove-dc 0|1       subtract each frame's mean (default: %d)\n"
        "  --window NAME         povey, hamming, hann or rectangular (default: %s)\n"
        "  --fft-size N          FFT length, 0 = next power of two >= frame (default: %d)\n"
        "  --mel-bins N          triangular mel filters (default: %d)\n"
        "  --low-freq HZ         low edge of the mel filters (default: %g)\n"
        "  --high-freq HZ        high edge; <= 0 means offset from Nyquist (default: %g)\n"
        "  --use-energy 0|1      replace c0 by the log energy (default: %d)\n"
        "  --raw-energy 0|1      energy before pre-emphasis and window (default: %d)\n"
        "  --energy-floor X      floor on the energy, 0 = none (default: %g)\n"
        "  --ceps N              cepstra kept, c0 included (default: %d)\n"
        "  --lifter Q            cepstral liftering, 0 disables (default: %g)\n"
        "  --deltas N            0 none, 1 deltas, 2 deltas and delta-deltas (default: %d)\n"
        "  --delta-window N      frames on each side for deltas (default: %d)\n"
        "  --cmvn MODE           none, utterance, or global (needs statistics: -m) (default: %s)\n"
        "  --cmvn-variance 0|1   utterance CMVN also scales to unit variance (default: %d)\n"
        "  -h, --help            show this help\n",
        d.sample_rate, d.frame_length_ms, d.frame_shift_ms, d.dither,
        (unsigned long long)d.dither_seed, d.input_scale, d.preemphasis, d.remove_dc,
        window_names[d.window], d.fft_size, d.num_mel_bins, d.low_freq, d.high_freq, d.use_energy,
        d.raw_energy, d.energy_floor, d.num_ceps, d.cepstral_lifter, d.delta_order,
        d.delta_window, cmvn_names[d.cmvn], d.cmvn_variance);
}

enum {
    OPT_FORMAT = 256, OPT_STREAM, OPT_BENCH, OPT_RAW_FORMAT, OPT_RAW_RATE, OPT_RAW_CHANNELS,
    OPT_RATE, OPT_FLEN, OPT_FSHIFT, OPT_DITHER, OPT_SEED, OPT_SCALE, OPT_PREEMPH, OPT_DC,
    OPT_WINDOW, OPT_FFT, OPT_MEL, OPT_LOW, OPT_HIGH, OPT_USE_E, OPT_RAW_E, OPT_FLOOR, OPT_CEPS,
    OPT_LIFTER, OPT_DELTAS, OPT_DWIN, OPT_CMVN, OPT_CMVN_VAR
};

static int parse_name(const char *opt, const char *s, const char *const *names, int n, int *out)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s, names[i])) {
            *out = i;
            return 0;
        }
    cli_error("features", "%s: unknown value '%s'", opt, s);
    return -1;
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
    int len = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %d), }",
                       T, D);
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

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Time loading+resampling and extraction separately, `reps` times each. */
static int run_bench(const char *path, const hark_audio_raw *raw, const hark_mfcc_config *cfg,
                     long reps)
{
    double *tl = malloc((size_t)reps * sizeof *tl), *tm = malloc((size_t)reps * sizeof *tm);
    float *x = NULL, *feat = NULL;
    size_t n = 0, T = 0;
    int orig = 0, rc = CLI_FAIL;
    hark_mfcc *m = hark_mfcc_create(cfg);
    if (!tl || !tm || !m) {
        cli_error("features", "%s", m ? "out of memory" : hark_last_error());
        goto done;
    }
    for (long r = 0; r < reps; r++) {
        free(x);
        x = NULL;
        double t0 = cli_now();
        hark_status st = raw ? hark_audio_load_raw(path, raw, cfg->sample_rate, &x, &n)
                             : hark_audio_load(path, cfg->sample_rate, &x, &n, &orig);
        tl[r] = cli_now() - t0;
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
        double t0 = cli_now();
        if (hark_mfcc_compute(m, x, n, feat, &T) != HARK_OK) {
            cli_error("features", "%s: %s", path, hark_last_error());
            goto done;
        }
        tm[r] = cli_now() - t0;
    }
    double audio_s = (double)n / cfg->sample_rate;
    double ml = median(tl, (int)reps), mm = median(tm, (int)reps);
    printf("audio_seconds %.6f\nframes %zu\nrepetitions %ld\nload_resample_median_s %.9f\n"
           "mfcc_median_s %.9f\nmfcc_rtf %.3e\nload_audio_s_per_s %.1f\n",
           audio_s, T, reps, ml, mm, mm / audio_s, audio_s / ml);
    rc = CLI_OK;
done:
    hark_mfcc_free(m);
    free(tl);
    free(tm);
    free(x);
    free(feat);
    return rc;
}

int cmd_features(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, 0, OPT_FORMAT}, {"output", required_argument, 0, 'o'},
        {"model", required_argument, 0, 'm'}, {"stream", required_argument, 0, OPT_STREAM},
        {"bench", required_argument, 0, OPT_BENCH}, {"raw-format", required_argument, 0, OPT_RAW_FORMAT},
        {"raw-rate", required_argument, 0, OPT_RAW_RATE},
        {"raw-channels", required_argument, 0, OPT_RAW_CHANNELS},
        {"sample-rate", required_argument, 0, OPT_RATE}, {"frame-length", required_argument, 0, OPT_FLEN},
        {"frame-shift", required_argument, 0, OPT_FSHIFT}, {"dither", required_argument, 0, OPT_DITHER},
        {"dither-seed", required_argument, 0, OPT_SEED}, {"input-scale", required_argument, 0, OPT_SCALE},
        {"preemphasis", required_argument, 0, OPT_PREEMPH}, {"remove-dc", required_argument, 0, OPT_DC},
        {"window", required_argument, 0, OPT_WINDOW}, {"fft-size", required_argument, 0, OPT_FFT},
        {"mel-bins", required_argument, 0, OPT_MEL}, {"low-freq", required_argument, 0, OPT_LOW},
        {"high-freq", required_argument, 0, OPT_HIGH}, {"use-energy", required_argument, 0, OPT_USE_E},
        {"raw-energy", required_argument, 0, OPT_RAW_E}, {"energy-floor", required_argument, 0, OPT_FLOOR},
        {"ceps", required_argument, 0, OPT_CEPS}, {"lifter", required_argument, 0, OPT_LIFTER},
        {"deltas", required_argument, 0, OPT_DELTAS}, {"delta-window", required_argument, 0, OPT_DWIN},
        {"cmvn", required_argument, 0, OPT_CMVN}, {"cmvn-variance", required_argument, 0, OPT_CMVN_VAR},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};

    /* Options are applied after -m is known, so they override the model's configuration. */
    struct { int id; const char *val; } set[64];
    int nset = 0;
    const char *out_path = NULL, *model_path = NULL, *raw_format = NULL;
    int npy = 0;
    long stream_chunk = 0, bench = 0, raw_rate = 16000, raw_channels = 1;

    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:m:h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return CLI_OK;
        case 'o': out_path = optarg; break;
        case 'm': model_path = optarg; break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "npy")) npy = 1;
            else if (!strcmp(optarg, "text")) npy = 0;
            else { cli_error("features", "--format: expected text or npy, got '%s'", optarg); return CLI_USAGE; }
            break;
        case OPT_STREAM: if (cli_parse_int("features", "--stream", optarg, 0, 1L << 24, &stream_chunk)) return CLI_USAGE; break;
        case OPT_BENCH: if (cli_parse_int("features", "--bench", optarg, 0, 100000, &bench)) return CLI_USAGE; break;
        case OPT_RAW_FORMAT: raw_format = optarg; break;
        case OPT_RAW_RATE: if (cli_parse_int("features", "--raw-rate", optarg, HARK_AUDIO_MIN_RATE, HARK_AUDIO_MAX_RATE, &raw_rate)) return CLI_USAGE; break;
        case OPT_RAW_CHANNELS: if (cli_parse_int("features", "--raw-channels", optarg, 1, 256, &raw_channels)) return CLI_USAGE; break;
        case ':': cli_error("features", "option %s needs a value", argv[optind - 1]); return CLI_USAGE;
        case '?': cli_error("features", "unknown option %s (see hark features --help)", argv[optind - 1]); return CLI_USAGE;
        default:
            if (nset == (int)(sizeof set / sizeof set[0])) { cli_error("features", "too many options"); return CLI_USAGE; }
            set[nset].id = c;
            set[nset++].val = optarg;
        }
    }
    if (optind != argc - 1) {
        cli_error("features", optind >= argc ? "no audio file given (see hark features --help)"
                                             : "one audio file at a time (see hark features --help)");
        return CLI_USAGE;
    }
    const char *path = argv[optind];

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
    for (int i = 0; i < nset; i++) {
        const char *v = set[i].val;
        long l;
        double d;
        int e;
#define INT(name, lo, hi, field) if (cli_parse_int("features", name, v, lo, hi, &l)) return CLI_USAGE; cfg.field = (int)l; break
#define FLT(name, lo, hi, field) if (cli_parse_float("features", name, v, lo, hi, &d)) return CLI_USAGE; cfg.field = (float)d; break
        switch (set[i].id) {
        case OPT_RATE: INT("--sample-rate", HARK_AUDIO_MIN_RATE, HARK_AUDIO_MAX_RATE, sample_rate);
        case OPT_FLEN: FLT("--frame-length", 0.01, 1000, frame_length_ms);
        case OPT_FSHIFT: FLT("--frame-shift", 0.01, 1000, frame_shift_ms);
        case OPT_DITHER: FLT("--dither", 0, 1e6, dither);
        case OPT_SEED:
            if (cli_parse_float("features", "--dither-seed", v, 0, 9007199254740992.0, &d)) return CLI_USAGE;
            cfg.dither_seed = (uint64_t)d;
            break;
        case OPT_SCALE: FLT("--input-scale", 1e-9, 1e9, input_scale);
        case OPT_PREEMPH: FLT("--preemphasis", 0, 1, preemphasis);
        case OPT_DC: INT("--remove-dc", 0, 1, remove_dc);
        case OPT_WINDOW: if (parse_name("--window", v, window_names, 4, &e)) return CLI_USAGE; cfg.window = (hark_window)e; break;
        case OPT_FFT: INT("--fft-size", 0, 65536, fft_size);
        case OPT_MEL: INT("--mel-bins", 3, 256, num_mel_bins);
        case OPT_LOW: FLT("--low-freq", 0, 192000, low_freq);
        case OPT_HIGH: FLT("--high-freq", -192000, 192000, high_freq);
        case OPT_USE_E: INT("--use-energy", 0, 1, use_energy);
        case OPT_RAW_E: INT("--raw-energy", 0, 1, raw_energy);
        case OPT_FLOOR: FLT("--energy-floor", 0, 1e30, energy_floor);
        case OPT_CEPS: INT("--ceps", 1, HARK_MFCC_MAX_CEPS, num_ceps);
        case OPT_LIFTER: FLT("--lifter", 0, 1e6, cepstral_lifter);
        case OPT_DELTAS: INT("--deltas", 0, 2, delta_order);
        case OPT_DWIN: INT("--delta-window", 1, 10, delta_window);
        case OPT_CMVN: if (parse_name("--cmvn", v, cmvn_names, 3, &e)) return CLI_USAGE; cfg.cmvn = (hark_cmvn_mode)e; break;
        case OPT_CMVN_VAR: INT("--cmvn-variance", 0, 1, cmvn_variance);
        }
#undef INT
#undef FLT
    }
    if (cfg.cmvn == HARK_CMVN_GLOBAL && cfg.cmvn_dim != hark_mfcc_dim(&cfg)) {
        cli_error("features", "--cmvn global needs statistics of %d dimensions: give a model (-m) "
                  "trained with this feature configuration", hark_mfcc_dim(&cfg));
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
    if (bench)
        return run_bench(path, raw_format ? &raw : NULL, &cfg, bench);

    float *x = NULL, *feat = NULL;
    size_t n = 0, T = 0;
    int rc = CLI_FAIL;
    hark_mfcc *m = NULL;
    FILE *f = NULL;
    hark_status st = raw_format ? hark_audio_load_raw(path, &raw, cfg.sample_rate, &x, &n)
                                : hark_audio_load(path, cfg.sample_rate, &x, &n, NULL);
    if (st != HARK_OK) {
        cli_error("features", "%s", hark_last_error());
        goto done;
    }
    if (stream_chunk > 0) {
        st = stream_features(&cfg, x, n, (size_t)stream_chunk, &feat, &T);
    } else if ((m = hark_mfcc_create(&cfg)) == NULL) {
        st = HARK_ERR_INVALID_ARG;
    } else {
        st = hark_mfcc_compute_alloc(m, x, n, &feat, &T);
    }
    if (st != HARK_OK) {
        cli_error("features", "%s: %s", path, hark_last_error());
        goto done;
    }
    if (T == 0) {
        cli_error("features", "%s: %.3f s of audio is shorter than one %g ms frame", path,
                  (double)n / cfg.sample_rate, cfg.frame_length_ms);
        goto done;
    }
    f = out_path ? fopen(out_path, "wb") : stdout;
    if (!f) {
        cli_error("features", "%s: cannot write: %s", out_path, strerror(errno));
        goto done;
    }
    if ((npy ? write_npy(f, feat, T, hark_mfcc_dim(&cfg)) : write_text(f, feat, T, hark_mfcc_dim(&cfg))) ||
        fflush(f)) {
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
