/* cmd_transcribe.c - 'hark transcribe': audio files (any format, rate or channel count the audio
 * module reads; '-' is standard input) to text, JSON with confidences and word times, or SRT/VTT
 * subtitles. In batch mode a bad file gets one error line and the others still run. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "cli/cli_decode.h"
#include "cli/cli_grammar.h"
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
        "Transcribe audio files of any length with an acoustic model (greedy CTC decoding, or a\n"
        "beam search with --beam, --lm or --hotword: see docs/decoding.md). A phone model\n"
        "(the shipped general model is one) writes words: by default the beam search over the\n"
        "words of the model's lexicon, weighted by how often its training text used each one.\n"
        "Any format, sample rate or channel count libsndfile reads; '-' reads standard input.\n"
        "\n"
        "options:\n"
        "  -m, --model MODEL   the model (default: $HARK_MODEL, else the shipped\n"
        "                      models/default.hark, else models/digits.hark)\n"
        "  -f, --format FMT    text: the transcript, one line per file (with several files:\n"
        "                      FILE<TAB>transcript, a manifest);\n"
        "                      json: one object per file and line with file, text, confidence,\n"
        "                      duration, start, end, words (word, start, end, confidence),\n"
        "                      segments (start, end, text) and, with the beam search on a\n"
        "                      file of one segment, nbest (text, score, acoustic, lm, posterior);\n"
        "                      srt, vtt: subtitles (default: text)\n"
        "  -H, --with-filename text: FILE<TAB>transcript even for one file, for scripts\n"
        "                      (xargs may pass the last call one file) (default: off)\n"
        "  -q, --quiet         no progress bar (shown on a terminal's stderr for several files\n"
        "                      when the transcripts go to a file or a pipe) (default: off)\n"
        );
    cli_dec d = cli_dec_defaults();
    cli_opts_help(f, &cli_dec_opts, CLI_FOR_TRANSCRIBE, &d);
    cli_decode_help(f, CLI_FOR_TRANSCRIBE);
    fputc('\n', f);
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
    cJSON *segments;            /* json: [{start, end, text}] */
    const hark_beam_plugin *beam; /* the beam search's n-best lists, or NULL */
    const hark_grammar_plugin *grammar; /* grammar decoding's intents, or NULL */
    hark_grammar_result intent; /* the last segment's that carried an intent (no transcript) */
    int n_segments;
} cue_state;

static void add_nbest(cJSON *o, const hark_decode_result *res)
{
    cJSON *a = cJSON_AddArrayToObject(o, "nbest");
    for (size_t i = 0; a && i < res->n_nbest; i++) {
        cJSON *h = cJSON_CreateObject();
        if (!h)
            break;
        cJSON_AddStringToObject(h, "text", res->nbest[i].text);
        cJSON_AddNumberToObject(h, "score", res->nbest[i].score);
        cJSON_AddNumberToObject(h, "acoustic", res->nbest[i].acoustic);
        cJSON_AddNumberToObject(h, "lm", res->nbest[i].lm);
        cJSON_AddNumberToObject(h, "posterior", res->nbest[i].posterior);
        cJSON_AddItemToArray(a, h);
    }
}

static hark_status print_cues(const hark_transcript *t, void *user)
{
    cue_state *cs = user;
    cs->n_segments++;
    const hark_grammar_result *g = cs->grammar ? hark_grammar_plugin_last(cs->grammar) : NULL;
    if (g && g->has_intent) {
        cs->intent = *g; /* its transcript was handed to us as t: not copied */
        memset(&cs->intent.transcript, 0, sizeof cs->intent.transcript);
    }
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

/* The file's n-best list is its segment's when it was decoded in one segment. */
static int print_json(const char *file, const hark_transcript *t, const cue_state *cs)
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
    if (cs->beam && cs->n_segments == 1)
        add_nbest(o, hark_beam_plugin_last(cs->beam));
    if (cs->grammar)
        cli_grammar_json(o, &cs->intent);
    cJSON_AddItemToObject(o, "segments", cs->segments);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!s)
        return -1;
    puts(s);
    free(s);
    return 0;
}

/* What a run holds, released in one place. */
typedef struct {
    char *owned_model;
    hark_model *m;
    hark_recognizer *r;
    cli_phrase_list pl;
    cli_decode cd; /* the beam search's options and decoder */
    hark_beam_plugin *beam;
    cli_grammar gr; /* --intents / --phrases: the grammar and its decoder */
    hark_grammar_plugin *grammar;
} run_state;

static void run_free(run_state *rs)
{
    hark_recognizer_free(rs->r);
    hark_beam_plugin_free(rs->beam);
    hark_grammar_plugin_free(rs->grammar);
    cli_grammar_close(&rs->gr);
    cli_decode_free(&rs->cd);
    cli_phrases_free(&rs->pl);
    hark_model_free(rs->m);
    free(rs->owned_model);
}

/* Model, recognizer and its decoder: the model's phrases (--closed), a grammar (--intents,
 * --phrases) or the beam search, each plugged into the one recognizer. */
static int setup(run_state *rs, const char *model_path, const cli_dec *dec)
{
    if (!model_path && !(model_path = rs->owned_model = cli_default_model())) {
        cli_error("transcribe", "no model given and none shipped (use -m MODEL or set HARK_MODEL)");
        return CLI_FAIL;
    }
    hark_net_set_threads((int)dec->threads);
    if (!(rs->m = hark_model_load(model_path)) || !(rs->r = hark_recognizer_create(rs->m))) {
        cli_error("transcribe", "%s", hark_last_error());
        return CLI_FAIL;
    }
    /* Greedy decoding of a phone model writes phones: decode its lexicon's words instead. */
    if (!dec->closed && !dec->intents && !dec->phrases &&
        hark_units_kind(hark_model_units(rs->m)) == HARK_UNITS_PHONES)
        rs->cd.active = 1;
    if (cli_phrases_apply("transcribe", rs->r, rs->m, NULL, dec->closed, &rs->pl) != 0 ||
        cli_decode_setup("transcribe", &rs->cd, rs->m, 0) != 0 ||
        cli_grammar_open("transcribe", rs->m, dec->intents, dec->phrases, dec->reject, &rs->gr) != 0)
        return CLI_FAIL;
    if (rs->gr.dec) {
        if (!(rs->grammar = hark_grammar_plugin_create(rs->gr.dec))) {
            cli_error("transcribe", "%s", hark_last_error());
            return CLI_FAIL;
        }
        hark_recognizer_decoder hook = hark_grammar_plugin_hook(rs->grammar);
        hark_recognizer_set_decoder(rs->r, &hook);
    }
    if (rs->cd.active) {
        if (!(rs->beam = hark_beam_plugin_create(rs->cd.dec))) {
            cli_error("transcribe", "%s", hark_last_error());
            return CLI_FAIL;
        }
        hark_recognizer_decoder hook = hark_beam_plugin_hook(rs->beam);
        hark_recognizer_set_decoder(rs->r, &hook);
    }
    return CLI_OK;
}

/* A progress bar over the files on a terminal's stderr, when the transcripts go elsewhere (a
 * file or a pipe) and there is more than one file. */
static int show_progress(int n, int quiet)
{
    return n > 1 && !quiet && isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO);
}

static void draw_progress(cli_progress *bar, int done, int n, int failed)
{
    char text[64];
    snprintf(text, sizeof text, "%d/%d files, %d failed", done, n, failed);
    cli_progress_update(bar, (double)done, text);
}

static int transcribe_files(run_state *rs, out_format fmt, const cli_dec *dec, char **files, int n,
                            int with_name, int quiet)
{
    hark_segment_params sp = hark_segment_default_params(hark_model_sample_rate(rs->m));
    sp.max_seconds = dec->max_segment;
    sp.speech_margin_ms = (int)dec->speech_margin;
    int failed = 0, progress = show_progress(n, quiet);
    cli_progress bar;
    cli_progress_start(&bar, "transcribe", (double)n);
    if (fmt == FMT_VTT)
        printf("WEBVTT\n\n");
    for (int i = 0; i < n; i++) {
        if (progress)
            draw_progress(&bar, i, n, failed);
        const char *file = files[i];
        hark_transcript t = {0};
        cue_state cs;
        memset(&cs, 0, sizeof cs);
        cs.fmt = fmt;
        cs.cue = 1;
        cs.segments = fmt == FMT_JSON ? cJSON_CreateArray() : NULL;
        cs.beam = rs->beam;
        cs.grammar = rs->grammar;
        hark_status st = hark_transcribe_file(rs->r, file, &sp, print_cues, &cs, &t);
        if (st != HARK_OK) {
            cli_error("transcribe", "%s", hark_last_error());
            cJSON_Delete(cs.segments);
            failed++;
            continue;
        }
        char understood[1024] = "";
        if (rs->grammar && cs.intent.has_intent)
            cli_grammar_text(&cs.intent, understood + 1, sizeof understood - 1), understood[0] = '\t';
        switch (fmt) {
        case FMT_TEXT:
            if (n > 1 || with_name)
                printf("%s\t%s%s\n", file, t.text, understood);
            else
                printf("%s%s\n", t.text, understood);
            break;
        case FMT_JSON:
            if (print_json(file, &t, &cs) != 0) {
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
    if (progress) {
        draw_progress(&bar, n, n, failed);
        cli_progress_end(&bar);
    }
    return failed ? CLI_FAIL : CLI_OK;
}

int cmd_transcribe(int argc, char **argv)
{
    static const struct option opts[] = {{"model", required_argument, 0, 'm'},
                                         {"format", required_argument, 0, 'f'},
                                         {"with-filename", no_argument, 0, 'H'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    static const cli_opt_table *const tables[] = {&cli_dec_opts, &cli_beam_opts};
    static cli_parser P;
    cli_parser_init(&P, "transcribe", CLI_FOR_TRANSCRIBE, opts, "m:f:Hqh", tables, 2);
    const char *model_path = NULL;
    out_format fmt = FMT_TEXT;
    int with_name = 0, quiet = 0;
    cli_dec dec = cli_dec_defaults();
    run_state rs;
    memset(&rs, 0, sizeof rs);
    cli_decode_init(&rs.cd);
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, P.shortopts, P.longopts, NULL)) != -1) {
        if (cli_parser_take(&P, opt, optarg))
            continue;
        switch (opt) {
        case 'm': model_path = optarg; break;
        case 'H': with_name = 1; break;
        case 'q': quiet = 1; break;
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
    if (cli_parser_apply(&P, &cli_dec_opts, &dec) != 0 ||
        cli_decode_apply("transcribe", &P, &rs.cd) != 0 ||
        cli_decode_check_modes("transcribe", &P, cli_parser_first(&P, &cli_beam_opts)) != 0)
        return CLI_USAGE;
    if (fmt != FMT_JSON && cli_parser_given(&P, "nbest")) {
        cli_error("transcribe", "--nbest has no effect without --format json (the only output "
                                "with an n-best list)");
        return CLI_USAGE;
    }
    if (optind >= argc) {
        cli_error("transcribe", "no audio file given (see --help)");
        return CLI_USAGE;
    }
    int rc = setup(&rs, model_path, &dec);
    if (rc == CLI_OK)
        rc = transcribe_files(&rs, fmt, &dec, argv + optind, argc - optind, with_name, quiet);
    run_free(&rs);
    return rc;
}
