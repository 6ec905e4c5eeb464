/* cmd_transcribe.c - 'hark transcribe': audio files (any format, rate or channel count the audio
 * module reads; '-' is standard input) to text, JSON with confidences and word times, or SRT/VTT
 * subtitles. In batch mode a bad file gets one error line and the others still run. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"

typedef enum { FMT_TEXT, FMT_JSON, FMT_SRT, FMT_VTT } out_format;

/* Subtitle cues hold at most this many words and seconds. */
#define CUE_WORDS 8
#define CUE_SECONDS 4.0

static void usage(FILE *f)
{
    fprintf(f,
        "usage: hark transcribe [options] FILE...\n"
        "\n"
        "Transcribe audio files of any length with an acoustic model (greedy CTC decoding). Any\n"
        "format, sample rate or channel count libsndfile reads; '-' reads standard input.\n"
        "\n"
        "options:\n"
        "  -m, --model MODEL   the model (default: $HARK_MODEL, else the shipped\n"
        "                      models/default.hark, else models/digits.hark)\n"
        "  -f, --format FMT    text: the transcript, one line per file (with several files:\n"
        "                      FILE<TAB>transcript, a manifest);\n"
        "                      json: one object per file and line with file, text, confidence,\n"
        "                      duration, start, end and words (word, start, end, confidence);\n"
        "                      srt, vtt: subtitles (default: text)\n"
        );
    cli_decode d = cli_decode_defaults();
    cli_opts_help(f, &cli_decode_opts, CLI_FOR_TRANSCRIBE, &d);
    fprintf(f, "  -h, --help                show this help\n");
    fprintf(f,
        "\n"
        "Exit status: 0 when every file was transcribed, 1 when any failed (each failure is\n"
        "one line on stderr), 2 on bad usage.\n");
}

static void fmt_stamp(char *buf, size_t n, double s, char sep)
{
    if (s < 0)
        s = 0;
    long ms = (long)(s * 1000 + 0.5);
    snprintf(buf, n, "%02ld:%02ld:%02ld%c%03ld", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, sep,
             ms % 1000);
}

/* Cues never span two segments: they are printed as each segment is decoded, numbered on
 * through the file. */
typedef struct {
    out_format fmt;
    int cue;
    cJSON *segments; /* json: [{start, end, text}] */
} cue_state;

static hark_status print_cues(const hark_transcript *t, void *user)
{
    cue_state *cs = user;
    if (cs->segments) {
        cJSON *o = cJSON_CreateObject();
        if (!o)
            return hark_error(HARK_ERR_NOMEM, "out of memory");
        cJSON_AddNumberToObject(o, "start", t->start);
        cJSON_AddNumberToObject(o, "end", t->end);
        cJSON_AddStringToObject(o, "text", t->text);
        cJSON_AddItemToArray(cs->segments, o);
        return HARK_OK;
    }
    if (cs->fmt != FMT_SRT && cs->fmt != FMT_VTT)
        return HARK_OK;
    char sep = cs->fmt == FMT_SRT ? ',' : '.';
    size_t i = 0;
    while (i < t->n_words) {
        size_t j = i;
        while (j < t->n_words && j - i < CUE_WORDS
               && (j == i || t->words[j].end - t->words[i].start <= CUE_SECONDS))
            j++;
        char a[32], b[32];
        fmt_stamp(a, sizeof a, t->words[i].start, sep);
        fmt_stamp(b, sizeof b, t->words[j - 1].end, sep);
        if (cs->fmt == FMT_SRT)
            printf("%d\n", cs->cue);
        printf("%s --> %s\n", a, b);
        size_t from = t->words[i].offset, to = t->words[j - 1].offset + t->words[j - 1].length;
        printf("%.*s\n\n", (int)(to - from), t->text + from);
        cs->cue++;
        i = j;
    }
    fflush(stdout);
    return HARK_OK;
}

static int print_json(const char *file, const hark_transcript *t, cJSON *segments)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return -1;
    cJSON_AddStringToObject(o, "file", file);
    cJSON_AddStringToObject(o, "text", t->text);
    cJSON_AddNumberToObject(o, "confidence", t->confidence);
    cJSON_AddNumberToObject(o, "duration", t->duration);
    cJSON_AddNumberToObject(o, "start", t->start);
    cJSON_AddNumberToObject(o, "end", t->end);
    cJSON *words = cJSON_AddArrayToObject(o, "words");
    for (size_t i = 0; words && i < t->n_words; i++) {
        cJSON *w = cJSON_CreateObject();
        if (!w)
            break;
        char buf[256];
        snprintf(buf, sizeof buf, "%.*s", (int)t->words[i].length, t->text + t->words[i].offset);
        cJSON_AddStringToObject(w, "word", buf);
        cJSON_AddNumberToObject(w, "start", t->words[i].start);
        cJSON_AddNumberToObject(w, "end", t->words[i].end);
        cJSON_AddNumberToObject(w, "confidence", t->words[i].confidence);
        cJSON_AddItemToArray(words, w);
    }
    cJSON_AddItemToObject(o, "segments", segments);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!s)
        return -1;
    puts(s);
    free(s);
    return 0;
}

int cmd_transcribe(int argc, char **argv)
{
    static const struct option opts[] = {{"model", required_argument, 0, 'm'},
                                         {"format", required_argument, 0, 'f'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    static const cli_opt_table *const tables[] = {&cli_decode_opts};
    static cli_parser P;
    cli_parser_init(&P, "transcribe", CLI_FOR_TRANSCRIBE, opts, "m:f:h", tables, 1);
    const char *model_path = NULL;
    out_format fmt = FMT_TEXT;
    cli_decode dec = cli_decode_defaults();
    int opt;
    cli_phrase_list pl = {0};
    optind = 1;
    while ((opt = getopt_long(argc, argv, P.shortopts, P.longopts, NULL)) != -1) {
        if (cli_parser_take(&P, opt, optarg))
            continue;
        switch (opt) {
        case 'm': model_path = optarg; break;
        case 'f':
            if (!strcmp(optarg, "text"))
                fmt = FMT_TEXT;
            else if (!strcmp(optarg, "json"))
                fmt = FMT_JSON;
            else if (!strcmp(optarg, "srt"))
                fmt = FMT_SRT;
            else if (!strcmp(optarg, "vtt"))
                fmt = FMT_VTT;
            else {
                cli_error("transcribe", "--format expects text, json, srt or vtt, got '%s'", optarg);
                return CLI_USAGE;
            }
            break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (cli_parser_apply(&P, &cli_decode_opts, &dec) != 0)
        return CLI_USAGE;
    if (optind >= argc) {
        cli_error("transcribe", "no audio file given (see --help)");
        return CLI_USAGE;
    }
    char *owned = NULL;
    if (!model_path) {
        owned = cli_default_model();
        if (!owned) {
            cli_error("transcribe", "no model given and none shipped (use -m MODEL or set HARK_MODEL)");
            return CLI_FAIL;
        }
        model_path = owned;
    }
    hark_net_set_threads((int)dec.threads);
    hark_model *m = hark_model_load(model_path);
    if (!m) {
        cli_error("transcribe", "%s", hark_last_error());
        free(owned);
        return CLI_FAIL;
    }
    hark_recognizer *r = hark_recognizer_create(m);
    if (!r) {
        cli_error("transcribe", "%s", hark_last_error());
        hark_model_free(m);
        free(owned);
        return CLI_FAIL;
    }
    if (cli_phrases_apply("transcribe", r, m, dec.phrases, dec.closed, &pl) != 0) {
        hark_recognizer_free(r);
        hark_model_free(m);
        free(owned);
        cli_phrases_free(&pl);
        return CLI_FAIL;
    }
    hark_segment_params sp = hark_segment_default_params(hark_model_sample_rate(m));
    sp.max_seconds = dec.max_segment;
    int failed = 0, several = argc - optind > 1;
    if (fmt == FMT_VTT)
        printf("WEBVTT\n\n");
    for (int i = optind; i < argc; i++) {
        const char *file = argv[i];
        hark_transcript t = {0};
        cue_state cs = {fmt, 1, fmt == FMT_JSON ? cJSON_CreateArray() : NULL};
        hark_status st = hark_transcribe_file(r, file, &sp, print_cues, &cs, &t);
        if (st != HARK_OK) {
            cli_error("transcribe", "%s", hark_last_error());
            cJSON_Delete(cs.segments);
            failed++;
            continue;
        }
        switch (fmt) {
        case FMT_TEXT:
            if (several)
                printf("%s\t%s\n", file, t.text);
            else
                printf("%s\n", t.text);
            break;
        case FMT_JSON:
            if (print_json(file, &t, cs.segments) != 0) {
                cli_error("transcribe", "%s: out of memory", file);
                failed++;
            }
            break;
        case FMT_SRT:
        case FMT_VTT:
            break;
        }
        fflush(stdout);
        hark_transcript_clear(&t);
    }
    hark_recognizer_free(r);
    hark_model_free(m);
    free(owned);
    cli_phrases_free(&pl);
    return failed ? CLI_FAIL : CLI_OK;
}
