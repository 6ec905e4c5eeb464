/* cmd_transcribe.c - 'hark transcribe': audio files (any format, rate or channel count the audio
 * module reads; '-' is standard input) to text, JSON with confidences and word times, or SRT/VTT
 * subtitles. In batch mode a bad file gets one error line and the others still run. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "cli/cli_grammar.h"

typedef enum { FMT_TEXT, FMT_JSON, FMT_SRT, FMT_VTT } out_format;

/* Subtitle cues hold at most this many words and seconds. */
#define CUE_WORDS 8
#define CUE_SECONDS 4.0

static void usage(FILE *f)
{
    fprintf(f,
        "usage: hark transcribe [options] FILE...\n"
        "\n"
        "Transcribe audio files with an acoustic model (greedy CTC decoding). Any format, sample\n"
        "rate or channel count libsndfile reads; '-' reads standard input.\n"
        "\n"
        "options:\n"
        "  -m, --model MODEL   the model (default: $HARK_MODEL, else the shipped\n"
        "                      models/default.hark, else models/digits.hark)\n"
        "  -f, --format FMT    text: the transcript, one line per file (with several files:\n"
        "                      FILE<TAB>transcript, a manifest);\n"
        "                      json: one object per file and line with file, text, confidence,\n"
        "                      duration, start, end and words (word, start, end, confidence);\n"
        "                      srt, vtt: subtitles (default: text)\n"
        "  --closed            decode as a grammar of the model's training phrases (digit and\n"
        "                      command models): the most likely whole phrase (default: open\n"
        "                      vocabulary, greedy)\n"
        "  --phrases FILE      decode under a grammar of the phrases in FILE, one per line\n"
        "  --intents FILE      decode under the grammar of an intent file (e.g.\n"
        "                      models/assistant.ini): also prints the intent and slots the\n"
        "                      best path carries, \"none\" for speech outside the grammar, no\n"
        "                      intent for silence (text: TRANSCRIPT<TAB>INTENT<TAB>SLOTS;\n"
        "                      json: an \"intent\" object as 'hark intent --json' prints)\n"
        "  --reject X          with --intents/--phrases: reject (intent \"none\") when the\n"
        "                      grammar path is more than X nats per speech frame below the\n"
        "                      unconstrained path; negative: never (default: the model's\n"
        "                      calibrated value, else 0.5)\n"
        "  --threads N         OpenBLAS threads (default: 1)\n"
        "  -h, --help          show this help\n"
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

static void print_cues(const hark_transcript *t, out_format fmt)
{
    char sep = fmt == FMT_SRT ? ',' : '.';
    int cue = 1;
    size_t i = 0;
    while (i < t->n_words) {
        size_t j = i;
        while (j < t->n_words && j - i < CUE_WORDS
               && (j == i || t->words[j].end - t->words[i].start <= CUE_SECONDS))
            j++;
        char a[32], b[32];
        fmt_stamp(a, sizeof a, t->words[i].start, sep);
        fmt_stamp(b, sizeof b, t->words[j - 1].end, sep);
        if (fmt == FMT_SRT)
            printf("%d\n", cue);
        printf("%s --> %s\n", a, b);
        size_t from = t->words[i].offset, to = t->words[j - 1].offset + t->words[j - 1].length;
        printf("%.*s\n\n", (int)(to - from), t->text + from);
        cue++;
        i = j;
    }
}

static int print_json(const char *file, const hark_transcript *t, const hark_grammar_result *g)
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
    if (g)
        cli_grammar_json(o, g);
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
                                         {"threads", required_argument, 0, 't'},
                                         {"closed", no_argument, 0, 'c'},
                                         {"phrases", required_argument, 0, 'p'},
                                         {"intents", required_argument, 0, 'i'},
                                         {"reject", required_argument, 0, 'r'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *model_path = NULL;
    out_format fmt = FMT_TEXT;
    long threads = 1;
    int opt, closed = 0;
    const char *phrase_file = NULL, *intents_file = NULL;
    double reject = NAN;
    cli_phrase_list pl = {0};
    cli_grammar gr = {0};
    optind = 1;
    while ((opt = getopt_long(argc, argv, "m:f:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'm': model_path = optarg; break;
        case 'c': closed = 1; break;
        case 'p': phrase_file = optarg; break;
        case 'i': intents_file = optarg; break;
        case 'r':
            if (cli_parse_float("transcribe", "--reject", optarg, -1e9, 1e9, &reject))
                return CLI_USAGE;
            break;
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
        case 't':
            if (cli_parse_int("transcribe", "--threads", optarg, 1, 256, &threads))
                return CLI_USAGE;
            break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (optind >= argc) {
        cli_error("transcribe", "no audio file given (see --help)");
        return CLI_USAGE;
    }
    if ((closed != 0) + (phrase_file != NULL) + (intents_file != NULL) > 1) {
        cli_error("transcribe", "--closed, --phrases and --intents exclude each other");
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
    hark_net_set_threads((int)threads);
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
    if (cli_grammar_open("transcribe", m, intents_file, phrase_file, reject, &gr) != 0 ||
        cli_phrases_apply("transcribe", r, m, NULL, closed, &pl) != 0) {
        cli_grammar_close(&gr);
        hark_recognizer_free(r);
        hark_model_free(m);
        free(owned);
        cli_phrases_free(&pl);
        return CLI_FAIL;
    }
    int failed = 0, several = argc - optind > 1;
    if (fmt == FMT_VTT)
        printf("WEBVTT\n\n");
    for (int i = optind; i < argc; i++) {
        const char *file = argv[i];
        float *x = NULL;
        size_t n = 0;
        hark_transcript t = {0};
        hark_grammar_result g = {0};
        hark_status st = hark_audio_load(file, hark_model_sample_rate(m), &x, &n, NULL);
        if (st == HARK_OK && gr.dec) {
            st = cli_grammar_run(&gr, m, x, n, &g);
            t = g.transcript;
            memset(&g.transcript, 0, sizeof g.transcript);
        } else if (st == HARK_OK) {
            st = hark_recognizer_push(r, x, n);
        }
        if (st == HARK_OK && !gr.dec)
            st = hark_recognizer_finish(r, &t);
        free(x);
        if (st != HARK_OK) {
            cli_error("transcribe", "%s", hark_last_error());
            hark_recognizer_reset(r);
            failed++;
            continue;
        }
        char understood[1024] = "";
        if (gr.dec && g.has_intent)
            cli_grammar_text(&g, understood + 1, sizeof understood - 1), understood[0] = '\t';
        switch (fmt) {
        case FMT_TEXT:
            if (several)
                printf("%s\t%s%s\n", file, t.text, understood);
            else
                printf("%s%s\n", t.text, understood);
            break;
        case FMT_JSON:
            if (print_json(file, &t, gr.dec ? &g : NULL) != 0) {
                cli_error("transcribe", "%s: out of memory", file);
                failed++;
            }
            break;
        case FMT_SRT:
        case FMT_VTT:
            print_cues(&t, fmt);
            break;
        }
        fflush(stdout);
        hark_transcript_clear(&t);
    }
    cli_grammar_close(&gr);
    hark_recognizer_free(r);
    hark_model_free(m);
    free(owned);
    cli_phrases_free(&pl);
    return failed ? CLI_FAIL : CLI_OK;
}
