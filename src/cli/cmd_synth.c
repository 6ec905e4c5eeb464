/* cmd_synth.c - 'hark synth': read sentences from a text file (one per line) or an intent file,
 * render them with espeak-ng and flite voices through hark_synth_corpus and show a progress
 * bar. The result is a folder with wav/ and manifest.tsv, a corpus for
 * 'hark train --train DIR/manifest.tsv'. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "hark/corpus.h"
#include "hark/nlu.h"

static void usage(FILE *f)
{
    hark_synth_params d = hark_synth_default_params();
    fprintf(f,
            "usage: hark synth (--sentences FILE | --intents FILE) -o DIR [options]\n"
            "\n"
            "Renders sentences with espeak-ng and flite voices into DIR/wav/*.wav and\n"
            "DIR/manifest.tsv (path<TAB>transcript<TAB>voice), a corpus for 'hark train'.\n"
            "Each rendering draws a voice (all voices of the engines in use equally likely), then\n"
            "for espeak-ng a variant, a rate, a pitch and a pitch range, for flite a duration\n"
            "stretch and a mean F0 within the voice's natural range. The voice column holds the\n"
            "espeak-ng voice (en-us+f2) or flite-VOICE (flite-kal).\n"
            "\n"
            "  --sentences FILE      UTF-8 text, one sentence per line (blank and '#' lines skipped)\n"
            "  --intents FILE        an intent file: the sentences of every intent\n"
            "  --max-per-intent N    with --intents: all sentences of an intent if it has at most N,\n"
            "                        else N drawn at random (default 50)\n"
            "  -o, --output DIR      output folder, created if missing (required)\n"
            "  --rate HZ             sample rate of the WAVs (default %d)\n"
            "  --engines LIST        comma-separated engines: espeak, flite (default espeak, so a\n"
            "                        command and seed give the same corpus as before flite came;\n"
            "                        add flite for more speakers: --engines espeak,flite)\n"
            "  --voices LIST         comma-separated espeak-ng voices (default %s)\n"
            "  --variants LIST       comma-separated variants, 'none' = plain voice\n"
            "                        (default %s)\n"
            "  --per-sentence N      renderings of each sentence (default %d)\n"
            "  --wpm MIN:MAX         speaking rate, words per minute (default %d:%d)\n"
            "  --pitch MIN:MAX       pitch, 0-100, 50 = the voice's own (default %d:%d)\n"
            "  --range MIN:MAX       pitch range, 0-100 (default %d:%d)\n"
            "  --flite-voices LIST   comma-separated flite voices (default %s)\n"
            "  --stretch MIN:MAX     flite duration stretch, 0.2-5, larger is slower (default %g:%g);\n"
            "                        the mean F0 is drawn per voice: kal, kal16 85-135 Hz, awb\n"
            "                        105-165, slt 150-210 (rms keeps its own pitch, about 100)\n"
            "  --augment             random gain, faint noise and silence padding (default off)\n"
            "  --seed N              seed of every random choice (default %llu)\n"
            "  -q, --quiet           no progress bar\n"
            "  -h, --help            this help\n"
            "\n"
            "example:\n"
            "  hark synth --sentences words.txt --rate 8000 --per-sentence 200 -o synth\n"
            "  hark synth --sentences words.txt --engines espeak,flite --per-sentence 20 -o synth2\n"
            "  hark train --train ../shared/data/fsdd:train --train synth/manifest.tsv -o m.hark\n",
            d.sample_rate, hark_synth_default_voices(), hark_synth_default_variants(),
            d.per_sentence, d.rate_min, d.rate_max, d.pitch_min, d.pitch_max, d.range_min,
            d.range_max, hark_synth_default_flite_voices(), d.stretch_min, d.stretch_max,
            (unsigned long long)d.seed);
}

typedef struct {
    char **v;
    size_t n, cap;
} str_list;

static int push(str_list *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(s)))
        return -1;
    l->n++;
    return 0;
}

static void list_free(str_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static int read_sentences(const char *path, str_list *out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        cli_error("synth", "%s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0;
    for (size_t lineno = 1; (len = getline(&line, &cap, f)) >= 0; lineno++) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        size_t lead = strspn(line, " \t");
        if (line[lead] == '\0' || line[lead] == '#')
            continue;
        if (!hark_text_valid_utf8(line, (size_t)len) || hark_text_normalize(line, NULL, 0) == 0) {
            cli_error("synth", "%s:%zu: %s", path, lineno,
                      hark_text_valid_utf8(line, (size_t)len) ? "no words to speak"
                                                              : "invalid UTF-8");
            rc = -1;
            break;
        }
        if (push(out, line + lead)) {
            cli_error("synth", "out of memory");
            rc = -1;
            break;
        }
    }
    free(line);
    fclose(f);
    if (rc == 0 && out->n == 0) {
        cli_error("synth", "%s: no sentences", path);
        rc = -1;
    }
    return rc;
}

static int on_sentence(size_t intent, const char *text, const hark_slot *slots, int n_slots,
                       void *user_data)
{
    (void)intent;
    (void)slots;
    (void)n_slots;
    return push(user_data, text) ? 1 : 0;
}

static int read_intents(const char *path, long max_per_intent, uint64_t seed, str_list *out)
{
    hark_intents *f = hark_intents_load(path);
    if (!f) {
        cli_error("synth", "%s", hark_last_error());
        return -1;
    }
    int rc = 0;
    uint64_t rng = seed | 1;
    for (size_t i = 0; i < hark_intents_count(f) && rc == 0; i++) {
        if (hark_intents_sentence_count(f, i) <= (uint64_t)max_per_intent) {
            if (hark_intents_expand(f, i, 0, on_sentence, out) != HARK_OK)
                rc = -1;
            continue;
        }
        for (long k = 0; k < max_per_intent && rc == 0; k++) {
            char text[1024];
            hark_slot slots[16];
            int n_slots = 0;
            if (hark_intents_sample(f, i, &rng, text, sizeof text, slots, &n_slots) != HARK_OK ||
                push(out, text))
                rc = -1;
        }
    }
    if (rc)
        cli_error("synth", "%s: %s", path, hark_last_error());
    else if (out->n == 0) {
        cli_error("synth", "%s: no sentences", path);
        rc = -1;
    }
    hark_intents_free(f);
    return rc;
}

/* An integer MIN:MAX option into two ints. */
static int parse_int_range(const char *opt, const char *s, long lo, long hi, int *a, int *b)
{
    double x, y;
    if (cli_parse_range("synth", opt, s, (double)lo, (double)hi, 1, &x, &y))
        return -1;
    *a = (int)x;
    *b = (int)y;
    return 0;
}

static int on_progress(size_t done, size_t total, void *user_data)
{
    (void)total;
    if (user_data)
        cli_progress_update(user_data, (double)done, NULL);
    return 0;
}

int cmd_synth(int argc, char **argv)
{
    enum { O_SENT = 256, O_INTENTS, O_MAXPI, O_RATE, O_VOICES, O_VARIANTS, O_PER, O_WPM,
           O_PITCH, O_RANGE, O_AUG, O_SEED, O_ENGINES, O_FLITE, O_STRETCH };
    static const struct option opts[] = {
        {"sentences", required_argument, 0, O_SENT}, {"intents", required_argument, 0, O_INTENTS},
        {"max-per-intent", required_argument, 0, O_MAXPI},
        {"output", required_argument, 0, 'o'}, {"rate", required_argument, 0, O_RATE},
        {"voices", required_argument, 0, O_VOICES}, {"variants", required_argument, 0, O_VARIANTS},
        {"per-sentence", required_argument, 0, O_PER}, {"wpm", required_argument, 0, O_WPM},
        {"pitch", required_argument, 0, O_PITCH}, {"range", required_argument, 0, O_RANGE},
        {"augment", no_argument, 0, O_AUG}, {"seed", required_argument, 0, O_SEED},
        {"engines", required_argument, 0, O_ENGINES},
        {"flite-voices", required_argument, 0, O_FLITE},
        {"stretch", required_argument, 0, O_STRETCH},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    hark_synth_params p = hark_synth_default_params();
    const char *sent_file = NULL, *intent_file = NULL, *out = NULL;
    long v, max_per_intent = 50;
    int quiet = 0, opt, bad = 0;
    optind = 1;
    while (!bad && (opt = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
        switch (opt) {
        case O_SENT: sent_file = optarg; break;
        case O_INTENTS: intent_file = optarg; break;
        case O_MAXPI: bad = cli_parse_int("synth", "--max-per-intent", optarg, 1, 1000000, &max_per_intent); break;
        case 'o': out = optarg; break;
        case O_RATE: bad = cli_parse_int("synth", "--rate", optarg, HARK_AUDIO_MIN_RATE, HARK_AUDIO_MAX_RATE, &v); p.sample_rate = (int)v; break;
        case O_VOICES: p.voices = optarg; break;
        case O_VARIANTS: p.variants = optarg; break;
        case O_PER: bad = cli_parse_int("synth", "--per-sentence", optarg, 1, 100000, &v); p.per_sentence = (int)v; break;
        case O_WPM: bad = parse_int_range("--wpm", optarg, 80, 500, &p.rate_min, &p.rate_max); break;
        case O_PITCH: bad = parse_int_range("--pitch", optarg, 0, 100, &p.pitch_min, &p.pitch_max); break;
        case O_RANGE: bad = parse_int_range("--range", optarg, 0, 100, &p.range_min, &p.range_max); break;
        case O_ENGINES: p.engines = optarg; break;
        case O_FLITE: p.flite_voices = optarg; break;
        case O_STRETCH: bad = cli_parse_range("synth", "--stretch", optarg, 0.2, 5, 0, &p.stretch_min, &p.stretch_max); break;
        case O_AUG: p.augment = 1; break;
        case O_SEED: bad = cli_parse_int("synth", "--seed", optarg, 0, 0x7fffffffL, &v); p.seed = (uint64_t)v; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (!bad && hark_synth_check_params(&p) != HARK_OK) {
        cli_error("synth", "%s", hark_last_error());
        bad = 1;
    }
    if (bad)
        return CLI_USAGE;
    if (optind < argc) {
        cli_error("synth", "unexpected argument '%s'", argv[optind]);
        return CLI_USAGE;
    }
    if (!out || (!sent_file == !intent_file)) {
        cli_error("synth", "give -o DIR and exactly one of --sentences FILE or --intents FILE");
        return CLI_USAGE;
    }
    str_list s = {0};
    int rc = CLI_FAIL;
    if (sent_file ? read_sentences(sent_file, &s) : read_intents(intent_file, max_per_intent, p.seed, &s))
        goto done;
    cli_progress bar;
    if (!quiet)
        cli_progress_start(&bar, "synth", (double)s.n * p.per_sentence);
    hark_status st = hark_synth_corpus((const char *const *)s.v, s.n, out, &p, on_progress,
                                       quiet ? NULL : &bar);
    if (!quiet)
        cli_progress_end(&bar);
    if (st != HARK_OK) {
        cli_error("synth", "%s", hark_last_error());
        goto done;
    }
    if (!quiet)
        fprintf(stderr, "hark synth: %zu utterances of %zu sentences in %s/manifest.tsv\n",
                s.n * (size_t)p.per_sentence, s.n, out);
    rc = CLI_OK;
done:
    list_free(&s);
    return rc;
}
