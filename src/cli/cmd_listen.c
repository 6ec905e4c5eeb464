/* cmd_listen.c - 'hark listen': the live assistant, a thin driver of hark_listener
 * (hark/listener.h). This file parses options, turns the listener's events into terminal lines
 * or JSON objects on stdout, and maps Ctrl-C, a closed stdout and errors to exit codes; the
 * pipeline itself (source, endpointing, recognition, intents, speech) is the library's. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "cli/cli_audio.h"
#include "cli/cli_decode.h"
#include "cli/cli_opts.h"

#define SUB "listen"

static volatile sig_atomic_t interrupted;
static hark_listener *volatile running; /* for the signal handler; NULL while setting up */

/* While the listener is being set up (training the intent classifier takes seconds) there is
 * nothing to finish: stop at once, with the same line and status as a stop while listening. */
static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
    if (!running) {
        static const char msg[] = "hark listen: interrupted; stopping\n";
        if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0)
            _exit(0);
        _exit(0);
    }
    hark_listener_stop(running);
}

typedef struct {
    /* options */
    const char *model_path, *intents_path, *device, *input, *voice;
    int no_speak, json, fast, verbose, closed, no_grammar;
    double reject;
    cli_decode bd; /* the beam search's options (dictation); its decoder is the listener's */
    double max_seconds, rate, min_confidence;
    hark_endpoint_params ep;
    /* objects */
    hark_model *model;
    hark_listener *L;
    int model_rate;
    /* output state */
    int tty;           /* stdout is a terminal: partials in place */
    int partial_shown; /* a partial line is on the terminal */
    int stdout_closed;
    double start_wall;
} listen_cli;

/* ---- output ------------------------------------------------------------------------------- */

static void stdout_gone(listen_cli *C)
{
    C->stdout_closed = 1;
    hark_listener_stop(C->L); /* nobody reads us any more */
}

static void out_flush(listen_cli *C)
{
    if (fflush(stdout) != 0 || ferror(stdout))
        stdout_gone(C);
}

static void emit_json(listen_cli *C, cJSON *o)
{
    char *s = cJSON_PrintUnformatted(o);
    if (s) {
        if (fputs(s, stdout) < 0 || fputc('\n', stdout) == EOF)
            stdout_gone(C);
        cJSON_free(s);
    }
    cJSON_Delete(o);
    out_flush(C);
}

static void clear_partial(listen_cli *C)
{
    if (C->partial_shown) {
        fputs("\r\033[K", stdout);
        C->partial_shown = 0;
    }
}

/* ---- listener events ---------------------------------------------------------------------- */

static void on_ready(const char *device, double rate, void *user)
{
    listen_cli *C = user;
    if (C->json) {
        /* Scripts wait for this line before they start talking: audio is flowing now. */
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "ready");
        cJSON_AddStringToObject(o, "device", device);
        cJSON_AddNumberToObject(o, "rate", rate);
        cJSON_AddNumberToObject(o, "model_rate", C->model_rate);
        emit_json(C, o);
    } else {
        fprintf(stderr, "hark listen: listening on %s (%g Hz); Ctrl-C to stop\n", device, rate);
    }
}

static void on_speech_start(double t, void *user)
{
    listen_cli *C = user;
    if (C->verbose)
        fprintf(stderr, "[%.2f] speech\n", t);
}

static void on_partial(const char *text, double start, double end, void *user)
{
    listen_cli *C = user;
    if (C->json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "partial");
        cJSON_AddStringToObject(o, "text", text);
        cJSON_AddNumberToObject(o, "start", start);
        cJSON_AddNumberToObject(o, "end", end);
        emit_json(C, o);
    } else if (C->tty) {
        fprintf(stdout, "\r\033[K... %s", text);
        C->partial_shown = 1;
        out_flush(C);
    }
}

static void on_rejected(const hark_transcript *t, double speech_end, void *user)
{
    listen_cli *C = user;
    if (C->verbose)
        fprintf(stderr, "[%.2f] rejected \"%s\" (confidence %.2f)\n", speech_end, t->text,
                (double)t->confidence);
    if (C->json) { /* a script can tell "heard something, not sure what" from "heard nothing" */
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "rejected");
        cJSON_AddStringToObject(o, "text", t->text);
        cJSON_AddNumberToObject(o, "confidence", t->confidence);
        cJSON_AddNumberToObject(o, "speech_end", speech_end);
        emit_json(C, o);
        return;
    }
    clear_partial(C);
    out_flush(C);
}

static void on_final(const hark_listener_final *f, void *user)
{
    listen_cli *C = user;
    if (C->json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "final");
        cJSON_AddStringToObject(o, "text", f->transcript->text);
        cJSON_AddNumberToObject(o, "start", f->start);
        cJSON_AddNumberToObject(o, "end", f->end);
        cJSON_AddNumberToObject(o, "confidence", f->transcript->confidence);
        cJSON_AddNumberToObject(o, "speech_end", f->speech_end);
        cJSON_AddNumberToObject(o, "emitted", f->emitted);
        emit_json(C, o);
    } else {
        clear_partial(C);
        printf("> %s\n", f->transcript->text);
        out_flush(C);
    }
}

static void add_slots(cJSON *o, const hark_intent_result *r)
{
    cJSON *slots = cJSON_AddObjectToObject(o, "slots");
    for (int i = 0; i < r->n_slots; i++) {
        if (r->slots[i].is_number)
            cJSON_AddNumberToObject(slots, r->slots[i].name, r->slots[i].number);
        else
            cJSON_AddStringToObject(slots, r->slots[i].name, r->slots[i].text);
    }
}

static void on_intent(const hark_intent_result *r, const char *text, void *user)
{
    listen_cli *C = user;
    if (C->json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "intent");
        cJSON_AddStringToObject(o, "name", r->intent);
        cJSON_AddNumberToObject(o, "confidence", r->confidence);
        add_slots(o, r);
        cJSON_AddStringToObject(o, "text", text);
        emit_json(C, o);
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "response");
        cJSON_AddStringToObject(o, "text", r->response);
        emit_json(C, o);
    } else {
        printf("  [%s %.2f] %s\n", r->intent, (double)r->confidence, r->response);
        out_flush(C);
    }
}

static void on_timer(const hark_timer *t, const char *msg, void *user)
{
    listen_cli *C = user;
    if (C->json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "timer");
        cJSON_AddNumberToObject(o, "id", t->id);
        cJSON_AddStringToObject(o, "label", t->label);
        cJSON_AddStringToObject(o, "text", msg);
        emit_json(C, o);
    } else {
        clear_partial(C);
        printf("* %s\n", msg);
        out_flush(C);
    }
}

static void on_error(hark_status st, const char *msg, void *user)
{
    (void)st;
    (void)user;
    fprintf(stderr, "hark listen: %s\n", msg);
}

/* ---- options --------------------------------------------------------------------------------- */

#define L_(field) offsetof(listen_cli, field)
static const cli_opt listen_rows[] = {
    {"model", 'm', NULL, "FILE", "acoustic model", CLI_OPT_STRING, 0, 0, L_(model_path), NULL, 0,
     "$HARK_MODEL, models/default.hark, else models/digits.hark", NULL},
    {"intents", 'i', NULL, "FILE", "intent file; 'none': no NLU", CLI_OPT_STRING, 0, 0,
     L_(intents_path), NULL, 0, "models/assistant.ini", NULL},
    {"closed", 0, NULL, NULL, "decode as a grammar of the model's training phrases or silence "
     "(digit and command models) instead of open vocabulary", CLI_OPT_FLAG, 1, 1, L_(closed),
     NULL, 0, NULL, NULL},
    {"no-grammar", 0, NULL, NULL, "decode freely (greedy; a phone model: the words of its "
     "lexicon) and let the text classifier find the intent, instead of decoding under the "
     "intent file's grammar, which reads intent and slots off the best path and answers "
     "\"none\" to speech outside it", CLI_OPT_FLAG, 1, 1,
     L_(no_grammar), NULL, 0, "off: the grammar when the model can spell it", NULL},
    {"reject", 0, NULL, "X", "under the grammar: \"none\" when the grammar path is more than X "
     "nats per speech frame below the free one (plus the model's weight times the share of the "
     "speech outside the path's words); negative: never", CLI_OPT_DOUBLE, -1e9, 1e9,
     L_(reject), NULL, 0, "the model's calibrated value, else 0.5", NULL},
    {"device", 'd', NULL, "SPEC", "capture device index or part of its name (see 'hark "
     "devices')", CLI_OPT_STRING, 0, 0, L_(device), NULL, 0, "the default input", NULL},
    {"rate", 0, NULL, "HZ", "capture rate to ask the device for", CLI_OPT_DOUBLE, 1000, 384000,
     L_(rate), NULL, 0, "its own", NULL},
    {"input", 0, NULL, "FILE", "play an audio file through the same path instead of the "
     "microphone, at real-time pace", CLI_OPT_STRING, 0, 0, L_(input), NULL, 0, "none", NULL},
    {"fast", 0, NULL, NULL, "with --input: as fast as possible (tests, benchmarks)",
     CLI_OPT_FLAG, 1, 1, L_(fast), NULL, 0, NULL, NULL},
    {"no-speak", 0, NULL, NULL, "print replies without speaking them", CLI_OPT_FLAG, 1, 1,
     L_(no_speak), NULL, 0, NULL, NULL},
    {"voice", 0, NULL, "NAME", "espeak-ng voice for replies", CLI_OPT_STRING, 0, 0, L_(voice),
     NULL, 0, "en", NULL},
    {"json", 0, NULL, NULL, "one JSON object per event on stdout (ready, partial, final, rejected, "
     "intent, response, timer, summary)", CLI_OPT_FLAG, 1, 1, L_(json), NULL, 0, NULL, NULL},
    {"max-seconds", 0, NULL, "S", "stop after S seconds of audio, 0: never", CLI_OPT_DOUBLE, 0,
     1e9, L_(max_seconds), NULL, 0, NULL, NULL},
    {"min-confidence", 0, NULL, "P", "drop transcripts less likely than P", CLI_OPT_DOUBLE, 0, 1,
     L_(min_confidence), NULL, 0, NULL, NULL},
    {"threshold", 0, NULL, "DB", "speech when this far above the noise floor", CLI_OPT_FLOAT, 1,
     60, L_(ep.vad.threshold_db), NULL, 0, NULL, NULL},
    {"min-speech", 0, NULL, "MS", "speech needed to start an utterance", CLI_OPT_INT, 0, 1000,
     L_(ep.min_speech_ms), NULL, 0, NULL, NULL},
    {"trailing-silence", 0, NULL, "MS", "silence that ends an utterance", CLI_OPT_INT, 10, 10000,
     L_(ep.trailing_silence_ms), NULL, 0, NULL, NULL},
    {"max-utterance", 0, NULL, "MS", "longest utterance", CLI_OPT_INT, 100, 600000,
     L_(ep.max_utterance_ms), NULL, 0, NULL, NULL},
    {"pre-roll", 0, NULL, "MS", "audio kept from before the speech onset", CLI_OPT_INT, 0, 2000,
     L_(ep.pre_roll_ms), NULL, 0, NULL, NULL},
    {"verbose", 'v', NULL, NULL, "log speech onsets and rejected utterances on stderr",
     CLI_OPT_FLAG, 1, 1, L_(verbose), NULL, 0, NULL, NULL},
};
#undef L_
static const cli_opt_table listen_opts = {listen_rows, sizeof listen_rows / sizeof *listen_rows};

static void listen_defaults(listen_cli *d)
{
    memset(d, 0, sizeof *d);
    d->ep = hark_endpoint_default_params(16000);
    d->min_confidence = hark_listener_default_params().min_confidence;
    d->reject = NAN;
    cli_decode_init(&d->bd);
}

static void usage(FILE *f)
{
    listen_cli d;
    listen_defaults(&d);
    fprintf(f, "usage: hark listen [options]\n\n"
               "The live assistant: listens to the microphone, shows what it hears, answers out "
               "loud.\n"
               "It decodes under the intent file's grammar; any beam-search option (--lm for "
               "dictation)\nswitches to the beam search, with partials from the live beam and "
               "intents from the text\nclassifier.\n\n");
    cli_opts_help(f, &listen_opts, CLI_FOR_LISTEN, &d);
    cli_decode_help(f, CLI_FOR_LISTEN);
    fputc('\n', f);
    fprintf(f, "  -h, --help                this help\n");
}

static int parse_args(listen_cli *L, int argc, char **argv)
{
    static const struct option own[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    static const cli_opt_table *const tables[] = {&listen_opts, &cli_beam_opts};
    static cli_parser P;
    cli_parser_init(&P, SUB, CLI_FOR_LISTEN, own, "h", tables, 2);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, P.shortopts, P.longopts, NULL)) != -1) {
        if (cli_parser_take(&P, c, optarg))
            continue;
        if (c == 'h') {
            usage(stdout);
            return -1;
        }
        usage(stderr);
        return CLI_USAGE;
    }
    listen_defaults(L);
    if (cli_parser_apply(&P, &listen_opts, L) != 0 || cli_decode_apply(SUB, &P, &L->bd) != 0)
        return CLI_USAGE;
    if (optind < argc) {
        cli_error(SUB, "unexpected argument '%s' (audio files go with --input)", argv[optind]);
        return CLI_USAGE;
    }
    if (L->fast && !L->input) {
        cli_error(SUB, "--fast only applies to --input");
        return CLI_USAGE;
    }
    /* Each picks the decoder; --reject is the grammar's, which the others replace. */
    const char *const modes[] = {cli_parser_given(&P, "reject") ? "reject" : NULL,
                                 L->closed ? "closed" : NULL, L->no_grammar ? "no-grammar" : NULL,
                                 cli_parser_first(&P, &cli_beam_opts)};
    if (cli_opts_exclusive(SUB, modes, sizeof modes / sizeof *modes) != 0)
        return CLI_USAGE;
    if (modes[0] && L->intents_path && !strcmp(L->intents_path, "none")) {
        cli_error(SUB, "--reject has no effect with --intents none");
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* Everything the user named is checked before the slow set-up: the model here, the input file,
 * device and intent file inside hark_listener_create, before the classifier is trained. */
static int setup(listen_cli *C)
{
    char *model_path = C->model_path ? strdup(C->model_path) : cli_default_model();
    if (!model_path) {
        cli_error(SUB, "no model found (models/default.hark or models/digits.hark); give one "
                       "with --model or HARK_MODEL");
        return CLI_FAIL;
    }
    C->model = hark_model_load(model_path);
    free(model_path);
    if (!C->model) {
        cli_error(SUB, "%s", hark_last_error());
        return CLI_FAIL;
    }
    if (cli_decode_check_model(SUB, &C->bd, C->model) != 0)
        return CLI_FAIL;
    C->model_rate = hark_model_sample_rate(C->model);
    hark_listener_params p = hark_listener_default_params();
    p.source = C->input ? HARK_SOURCE_FILE : HARK_SOURCE_CAPTURE;
    p.path = C->input;
    p.realtime = !C->fast;
    p.device = C->device;
    p.capture_rate = C->rate;
    p.speak = !C->no_speak;
    p.voice = C->voice;
    p.endpoint = C->ep;
    p.min_confidence = C->min_confidence;
    p.max_seconds = C->max_seconds;
    p.partials = C->json || C->tty;
    p.decoding = C->bd.active   ? HARK_LISTEN_BEAM
                 : C->no_grammar ? HARK_LISTEN_GREEDY
                                 : HARK_LISTEN_AUTO;
    p.lm_path = C->bd.lm_path;
    p.beam = C->bd.p; /* its hotword array lives in C until the listener has copied it */
    p.grammar.reject = (float)C->reject;
    const char **phrases = NULL;
    if (C->closed) {
        /* The model's phrases plus the empty phrase, so that noise can decode to silence. */
        size_t n = 0;
        const char *const *v = hark_model_phrases(C->model, &n);
        if (!v || n == 0) {
            cli_error(SUB, "--closed: the model stores no phrase list (trained on more than 256 "
                           "distinct transcripts)");
            return CLI_FAIL;
        }
        if (!(phrases = malloc((n + 1) * sizeof *phrases))) {
            cli_error(SUB, "out of memory");
            return CLI_FAIL;
        }
        memcpy(phrases, v, n * sizeof *v);
        phrases[n] = "";
        p.phrases = phrases;
        p.n_phrases = n + 1;
    }
    char *ini = NULL;
    if (!C->intents_path || strcmp(C->intents_path, "none") != 0) {
        ini = C->intents_path ? strdup(C->intents_path) : cli_find_data("models/assistant.ini");
        if (!ini && !C->intents_path)
            fprintf(stderr, "hark listen: no models/assistant.ini found; transcribing only\n");
    }
    p.intents_path = ini;
    /* PortAudio is started here, with its host APIs' start-up noise kept off our stderr. */
    if ((!C->input || !C->no_speak) && cli_audio_init(SUB) != 0) {
        free(ini);
        free(phrases);
        return CLI_FAIL;
    }
    hark_listener_callbacks cb = {
        on_ready, C, on_speech_start, C, on_partial, C, on_final, C, on_rejected, C,
        on_intent, C, on_timer, C, on_error, C,
    };
    C->L = hark_listener_create(C->model, &p, &cb);
    free(ini);
    free(phrases);
    if (!C->L) {
        const char *e = hark_last_error();
        if (p.speak && strstr(e, "espeak"))
            cli_error(SUB, "%s (use --no-speak to print replies only)", e);
        else
            cli_error(SUB, "%s", e);
        return CLI_FAIL;
    }
    return CLI_OK;
}

static void summary(listen_cli *C)
{
    hark_listener_stats s;
    hark_listener_get_stats(C->L, &s);
    if (C->json && !C->stdout_closed) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "summary");
        cJSON_AddNumberToObject(o, "seconds", s.seconds);
        cJSON_AddNumberToObject(o, "utterances", (double)s.utterances);
        cJSON_AddNumberToObject(o, "rejected", (double)s.rejected);
        cJSON_AddNumberToObject(o, "overruns", (double)s.overruns);
        cJSON_AddNumberToObject(o, "dropped_frames", (double)s.dropped);
        cJSON_AddNumberToObject(o, "wall_seconds", util_now_seconds() - C->start_wall);
        emit_json(C, o);
    }
    if (s.overruns > 0)
        fprintf(stderr, "hark listen: %llu capture overruns (%llu frames dropped): the "
                "reader fell behind\n",
                (unsigned long long)s.overruns, (unsigned long long)s.dropped);
}

int cmd_listen(int argc, char **argv)
{
    listen_cli C;
    memset(&C, 0, sizeof C);
    int rc = parse_args(&C, argc, argv);
    if (rc != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    C.tty = isatty(STDOUT_FILENO) && !C.json;

    /* A closed stdout must surface as EPIPE on write, not kill us mid-utterance. */
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    rc = setup(&C);
    if (rc == CLI_OK) {
        running = C.L;
        C.start_wall = util_now_seconds();
        if (hark_listener_run(C.L) != HARK_OK) {
            cli_error(SUB, "%s", hark_last_error());
            rc = CLI_FAIL;
        }
        clear_partial(&C);
        summary(&C);
        if (interrupted && rc == CLI_OK)
            fprintf(stderr, "hark listen: interrupted; stopping\n");
        if (C.stdout_closed) {
            fprintf(stderr, "hark listen: standard output closed; stopping\n");
            rc = CLI_OK;
        }
        running = NULL;
    }
    hark_listener_free(C.L);
    if (!C.no_speak || !C.input)
        cli_audio_terminate();
    hark_model_free(C.model);
    return rc;
}
