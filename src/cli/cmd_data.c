/* cmd_data.c - 'hark data': open a corpus the way training and evaluation will and summarise it
 * (utterances, hours, speakers, character set, longest utterance), so a user can check a corpus
 * and its split before spending hours on it. */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: hark data [options] CORPUS[:SPLIT]\n"
        "\n"
        "Summarise a labelled speech corpus: utterances, total duration, speakers, the character\n"
        "set of the normalised transcripts, and the longest utterance.\n"
        "\n"
        "options:\n"
        "  --json            print one JSON object instead of text (default: text)\n"
        "  --transcripts     also count the utterances of each distinct transcript (default: off)\n"
        "  --speakers        also count the utterances and seconds of each speaker (default: off)\n"
        "  --list            print every utterance as a manifest line, path<TAB>transcript<TAB>\n"
        "                    speaker, instead of the summary (default: off)\n"
        "  --no-durations    do not open the audio headers: faster, but no durations; files\n"
        "                    are still checked to exist (default: durations are read)\n"
        "  -h, --help        show this help\n"
        "\n"
        "CORPUS is a manifest file or a directory in a native layout (detected automatically):\n"
        "  manifest         UTF-8 TSV, path<TAB>transcript[<TAB>speaker] per line, paths relative\n"
        "                   to the manifest; blank lines and lines starting with '#' are skipped\n"
        "  Speech Commands  one folder per word, validation_list.txt / testing_list.txt;\n"
        "                   transcript = folder name (_silence_: none), speaker = HASH\n"
        "  LJSpeech         metadata.csv (ID|raw|normalised) and wavs/ID.wav or .flac\n"
        "  Common Voice     clips/ and train/dev/test/validated.tsv (columns path, sentence,\n"
        "                   client_id)\n"
        "  FSDD             {digit}_{speaker}_{take}.wav (in the folder or its recordings/)\n"
        "  LibriSpeech      *.trans.txt beside the FLAC files, anywhere below the folder\n"
        "\n"
        "SPLIT is a comma-separated list of filters that must all hold:\n"
        "  NAME             the corpus's own split (at most one):\n"
        "                     FSDD: train (takes 5-49), test (takes 0-4)\n"
        "                     Speech Commands: train (in neither list), validation (or dev),\n"
        "                       test (or testing)\n"
        "                     LJSpeech: train, dev (the last 10%% of clips in ID order)\n"
        "                     LibriSpeech: a subdirectory, e.g. dev-clean\n"
        "                     Common Voice: a TSV name, e.g. train, dev, test, validated\n"
        "                       (default: train+dev+test)\n"
        "                     any corpus: all\n"
        "  speaker=A+B      only these speakers\n"
        "  speaker!=A+B     all but these speakers\n"
        "If the whole argument names an existing path it has no split (paths may contain ':');\n"
        "otherwise the split follows the last ':'.\n"
        "\n"
        "Transcripts are normalised for ASR: lower case a-z, apostrophe and space; numbers\n"
        "spelled out; accents folded; other punctuation removed.\n"
        "\n"
        "examples:\n"
        "  hark data ../shared/data/fsdd:test\n"
        "  hark data ../shared/data/fsdd:train,speaker!=theo     (leave one speaker out)\n"
        "  hark data ../shared/data/speech_commands:validation --transcripts\n"
        "  hark data samples/manifest.tsv --json\n");
}

/* A tally of utterances (and their seconds) per distinct transcript or speaker, most frequent
 * first. */
typedef struct tally {
    const char *key;
    size_t count;
    double seconds;
} tally;

typedef struct keyed {
    const char *key;
    double seconds;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
    return strcmp(((const keyed *)a)->key, ((const keyed *)b)->key);
}

static int cmp_tally(const void *a, const void *b)
{
    const tally *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->key, y->key);
}

/* by_speaker 0: per transcript; 1: per speaker (utterances without one are not counted). */
static tally *count_by(const hark_corpus *c, int by_speaker, size_t *n_out)
{
    size_t n = hark_corpus_size(c), m = 0;
    keyed *keys = malloc((n ? n : 1) * sizeof *keys);
    tally *t = malloc((n ? n : 1) * sizeof *t);
    if (!keys || !t) {
        free(keys);
        free(t);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const hark_utt *u = hark_corpus_get(c, i);
        const char *key = by_speaker ? u->speaker : u->text;
        if (by_speaker && !*key)
            continue;
        keys[m++] = (keyed){key, u->duration > 0 ? u->duration : 0};
    }
    if (m)
        qsort(keys, m, sizeof *keys, cmp_keyed);
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        if (!k || strcmp(t[k - 1].key, keys[i].key))
            t[k++] = (tally){keys[i].key, 0, 0};
        t[k - 1].count++;
        t[k - 1].seconds += keys[i].seconds;
    }
    free(keys);
    if (k)
        qsort(t, k, sizeof *t, cmp_tally);
    *n_out = k;
    return t;
}

typedef struct summary {
    hark_corpus_stats st;
    char charset[257];
    tally *texts, *speakers; /* NULL unless asked for */
    size_t n_texts, n_speakers;
} summary;

static void add_tally(cJSON *o, const char *name, const tally *t, size_t n)
{
    cJSON *obj = cJSON_AddObjectToObject(o, name);
    for (size_t i = 0; obj && i < n; i++)
        cJSON_AddNumberToObject(obj, t[i].key, (double)t[i].count);
}

static int print_json(const hark_corpus *c, const summary *s)
{
    const hark_corpus_stats *st = &s->st;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return CLI_FAIL;
    cJSON_AddStringToObject(o, "corpus", hark_corpus_spec(c));
    cJSON_AddStringToObject(o, "layout", hark_corpus_layout_name(hark_corpus_get_layout(c)));
    cJSON_AddNumberToObject(o, "utterances", (double)st->n);
    cJSON_AddNumberToObject(o, "speakers", (double)st->n_speakers);
    cJSON_AddNumberToObject(o, "empty_transcripts", (double)st->n_empty);
    if (st->n_timed) {
        cJSON_AddNumberToObject(o, "seconds", st->total_seconds);
        cJSON_AddNumberToObject(o, "hours", st->total_seconds / 3600.0);
        cJSON_AddNumberToObject(o, "min_seconds", st->min_seconds);
        cJSON_AddNumberToObject(o, "mean_seconds", st->mean_seconds);
        cJSON_AddNumberToObject(o, "max_seconds", st->max_seconds);
        const hark_utt *u = hark_corpus_get(c, st->longest);
        cJSON *l = cJSON_AddObjectToObject(o, "longest");
        if (l) {
            cJSON_AddStringToObject(l, "path", u->path);
            cJSON_AddStringToObject(l, "id", u->id);
            cJSON_AddNumberToObject(l, "seconds", u->duration);
            cJSON_AddStringToObject(l, "text", u->text);
        }
    }
    cJSON_AddStringToObject(o, "charset", s->charset);
    if (s->texts)
        add_tally(o, "transcripts", s->texts, s->n_texts);
    if (s->speakers)
        add_tally(o, "speaker_utterances", s->speakers, s->n_speakers);
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    if (!text)
        return CLI_FAIL;
    puts(text);
    cJSON_free(text);
    return CLI_OK;
}

static void print_tally(const char *title, const tally *t, size_t n, int timed, const char *empty)
{
    printf("%-12s %zu distinct\n", title, n);
    for (size_t i = 0; i < n; i++) {
        printf("  %8zu", t[i].count);
        if (timed)
            printf("  %9.1f s", t[i].seconds);
        printf("  %s\n", *t[i].key ? t[i].key : empty);
    }
}

static void print_text(const hark_corpus *c, const summary *s)
{
    const hark_corpus_stats *st = &s->st;
    printf("corpus       %s (%s)\n", hark_corpus_spec(c),
           hark_corpus_layout_name(hark_corpus_get_layout(c)));
    printf("utterances   %zu", st->n);
    if (st->n_empty)
        printf(" (%zu without speech)", st->n_empty);
    printf("\nspeakers     %zu\n", st->n_speakers);
    if (st->n_timed) {
        printf("duration     %.3f h (%.1f s)\n", st->total_seconds / 3600.0, st->total_seconds);
        printf("per utt      min %.2f s, mean %.2f s, max %.2f s\n", st->min_seconds,
               st->mean_seconds, st->max_seconds);
        const hark_utt *u = hark_corpus_get(c, st->longest);
        printf("longest      %s (%.2f s)\n", u->path, u->duration);
    } else {
        printf("duration     not read (--no-durations)\n");
    }
    printf("characters   \"%s\" (%zu)\n", s->charset, strlen(s->charset));
    if (s->texts)
        print_tally("transcripts", s->texts, s->n_texts, 0, "(no speech)");
    if (s->speakers)
        print_tally("by speaker", s->speakers, s->n_speakers, st->n_timed > 0, "");
}

int cmd_data(int argc, char **argv)
{
    enum { OPT_JSON = 256, OPT_TRANSCRIPTS, OPT_SPEAKERS, OPT_LIST, OPT_NO_DURATIONS };
    static const struct option opts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"transcripts", no_argument, NULL, OPT_TRANSCRIPTS},
        {"speakers", no_argument, NULL, OPT_SPEAKERS},
        {"list", no_argument, NULL, OPT_LIST},
        {"no-durations", no_argument, NULL, OPT_NO_DURATIONS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int json = 0, transcripts = 0, speakers = 0, list = 0, c;
    hark_corpus_params params = hark_corpus_default_params();
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_JSON: json = 1; break;
        case OPT_TRANSCRIPTS: transcripts = 1; break;
        case OPT_SPEAKERS: speakers = 1; break;
        case OPT_LIST: list = 1; break;
        case OPT_NO_DURATIONS: params.read_durations = 0; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (optind != argc - 1) {
        cli_error("data", optind >= argc ? "missing CORPUS argument" : "expected one CORPUS");
        usage(stderr);
        return CLI_USAGE;
    }
    if (list && (json || transcripts || speakers)) {
        cli_error("data", "--list prints utterances; it does not combine with --json, "
                          "--transcripts or --speakers");
        return CLI_USAGE;
    }

    hark_corpus *corpus;
    hark_status status = hark_corpus_load(argv[optind], &params, &corpus);
    if (status != HARK_OK) {
        cli_error("data", "%s", hark_last_error());
        /* a mistyped split or speaker is a usage error; a broken corpus a runtime failure */
        return status == HARK_ERR_INVALID_ARG ? CLI_USAGE : CLI_FAIL;
    }
    int rc = CLI_OK;
    if (list) {
        for (size_t i = 0; i < hark_corpus_size(corpus); i++) {
            const hark_utt *u = hark_corpus_get(corpus, i);
            printf("%s\t%s\t%s\n", u->path, u->text, u->speaker);
        }
        hark_corpus_free(corpus);
        return CLI_OK;
    }
    summary sum = {0};
    if (hark_corpus_get_stats(corpus, &sum.st) != HARK_OK ||
        (transcripts && !(sum.texts = count_by(corpus, 0, &sum.n_texts))) ||
        (speakers && !(sum.speakers = count_by(corpus, 1, &sum.n_speakers)))) {
        cli_error("data", "%s: out of memory", argv[optind]);
        free(sum.texts);
        hark_corpus_free(corpus);
        return CLI_FAIL;
    }
    hark_corpus_charset(corpus, sum.charset, sizeof sum.charset);
    if (json)
        rc = print_json(corpus, &sum);
    else
        print_text(corpus, &sum);
    free(sum.texts);
    free(sum.speakers);
    hark_corpus_free(corpus);
    return rc;
}
