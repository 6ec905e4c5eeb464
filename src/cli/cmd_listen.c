/* cmd_listen.c - 'hark listen': the live assistant.
 *
 * One reader loop: samples come from the microphone (PortAudio capture ring) or from a file
 * played at real-time pace (--input), are resampled to the model's rate, and go through the
 * endpointer. Inside an utterance they stream into the recognizer (partials on a terminal or as
 * JSON); at its end the transcript goes to the assistant, whose reply is printed and spoken while
 * capture is muted. Timers the assistant set are checked on every pass of the loop.
 * Ctrl-C, a lost device and a closed stdout all end the loop the same way: through `stop`. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "cli/cli_audio.h"

#define SUB "listen"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

typedef struct {
    /* options */
    const char *model_path, *intents_path, *device, *input, *voice;
    int no_speak, json, fast, verbose, closed;
    const char **phrases; /* --closed: the model's phrases plus "" (silence) */
    double max_seconds, rate, min_confidence;
    hark_endpoint_params ep;
    /* objects */
    hark_model *model;
    hark_recognizer *rec;
    hark_assistant *assistant;
    hark_endpoint *endpoint;
    hark_resampler *resampler;
    hark_capture *capture;
    hark_tts *tts;
    int audio_up;
    int model_rate;
    /* state */
    int tty;              /* stdout is a terminal: partials in place */
    int partial_shown;    /* a partial line is on the terminal */
    char partial[512];
    double utt_t0;        /* stream time of the current utterance's first sample */
    int utt_done;         /* an END arrived: handle it after the push */
    double utt_end;       /* END time from the endpointer */
    double end_wall;      /* wall time when the END arrived */
    double end_stream;    /* stream time when the END arrived */
    int stdout_closed;
    long utterances, rejected;
    uint64_t muted_overruns; /* overruns while the assistant spoke: capture was muted anyway */
    uint32_t dither;         /* generator state of push_dithered */
    double start_wall;
} listener;

/* ---- output ------------------------------------------------------------------------------- */

static void out_flush(listener *L)
{
    if (fflush(stdout) != 0 || ferror(stdout))
        L->stdout_closed = 1;
}

static void emit_json(listener *L, cJSON *o)
{
    char *s = cJSON_PrintUnformatted(o);
    if (s) {
        if (fputs(s, stdout) < 0 || fputc('\n', stdout) == EOF)
            L->stdout_closed = 1;
        cJSON_free(s);
    }
    cJSON_Delete(o);
    out_flush(L);
}

static void clear_partial(listener *L)
{
    if (L->partial_shown) {
        fputs("\r\033[K", stdout);
        L->partial_shown = 0;
    }
}

static void show_partial(listener *L, const char *text, double now_t)
{
    if (!strcmp(text, L->partial))
        return;
    snprintf(L->partial, sizeof L->partial, "%s", text);
    if (L->json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "partial");
        cJSON_AddStringToObject(o, "text", text);
        cJSON_AddNumberToObject(o, "start", L->utt_t0);
        cJSON_AddNumberToObject(o, "end", now_t);
        emit_json(L, o);
    } else if (L->tty) {
        fprintf(stdout, "\r\033[K... %s", text);
        L->partial_shown = 1;
        out_flush(L);
    }
}

static void say(listener *L, const char *text);

/* ---- endpointer events ------------------------------------------------------------------- */

/* Feed the recognizer with one 16-bit step of triangular dither added (Kaldi's default dither).
 * Sound servers send exact zeros when nothing plays; in the pre-roll those give log-mel
 * energies at the floor of the log, which skew per-utterance normalisation and the words after
 * them. A real microphone always has more noise than this. */
static hark_status push_dithered(listener *L, const float *x, size_t n)
{
    float buf[512];
    while (n > 0) {
        size_t m = n < 512 ? n : 512;
        for (size_t i = 0; i < m; i++) {
            L->dither = L->dither * 1664525u + 1013904223u;
            float a = (float)(L->dither >> 16 & 0xFFFF) / 65536.0f;
            L->dither = L->dither * 1664525u + 1013904223u;
            float b = (float)(L->dither >> 16 & 0xFFFF) / 65536.0f;
            buf[i] = x[i] + (a - b) / 32768.0f;
        }
        hark_status st = hark_recognizer_push(L->rec, buf, m);
        if (st != HARK_OK)
            return st;
        x += m;
        n -= m;
    }
    return HARK_OK;
}

static hark_status on_endpoint(const hark_endpoint_event *ev, void *user)
{
    listener *L = user;
    switch (ev->type) {
    case HARK_EP_START:
        hark_recognizer_reset(L->rec);
        L->utt_t0 = ev->t;
        L->partial[0] = '\0';
        if (L->verbose)
            fprintf(stderr, "[%.2f] speech\n", ev->t);
        return HARK_OK;
    case HARK_EP_AUDIO: {
        hark_status st = push_dithered(L, ev->samples, ev->n);
        if (st != HARK_OK)
            return st;
        if (L->json || L->tty) {
            char buf[512];
            if (hark_recognizer_partial(L->rec, buf, sizeof buf) == HARK_OK && buf[0])
                show_partial(L, buf, ev->t + (double)ev->n / L->model_rate);
        }
        return HARK_OK;
    }
    case HARK_EP_END:
        L->utt_done = 1;
        L->utt_end = ev->t;
        L->end_wall = cli_now();
        L->end_stream = hark_endpoint_time(L->endpoint);
        return HARK_OK;
    }
    return HARK_OK;
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

/* The utterance ended: decode what is left, print, understand, answer. */
static hark_status finish_utterance(listener *L)
{
    L->utt_done = 0;
    hark_transcript tr = {0};
    hark_status st = hark_recognizer_finish(L->rec, &tr);
    if (st != HARK_OK)
        return st;
    double emitted = L->end_stream + (cli_now() - L->end_wall);
    if (!tr.text[0] || tr.confidence < L->min_confidence) {
        /* Noise that got past the VAD decodes to nothing or to a guess the model doubts. */
        L->rejected++;
        if (L->verbose)
            fprintf(stderr, "[%.2f] rejected \"%s\" (confidence %.2f)\n", L->utt_end, tr.text,
                    (double)tr.confidence);
        clear_partial(L);
        out_flush(L);
        hark_transcript_clear(&tr);
        return HARK_OK;
    }
    L->utterances++;
    double start = L->utt_t0 + tr.start, end = tr.end > 0 ? L->utt_t0 + tr.end : L->utt_end;
    if (L->json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "final");
        cJSON_AddStringToObject(o, "text", tr.text);
        cJSON_AddNumberToObject(o, "start", start);
        cJSON_AddNumberToObject(o, "end", end);
        cJSON_AddNumberToObject(o, "confidence", tr.confidence);
        cJSON_AddNumberToObject(o, "speech_end", L->utt_end);
        cJSON_AddNumberToObject(o, "emitted", emitted);
        emit_json(L, o);
    } else {
        clear_partial(L);
        printf("> %s\n", tr.text);
        out_flush(L);
    }
    if (L->assistant && !L->stdout_closed) {
        hark_intent_result r;
        memset(&r, 0, sizeof r);
        if (hark_assistant_handle(L->assistant, tr.text, time(NULL), &r) != HARK_OK)
            fprintf(stderr, "hark listen: %s\n", hark_last_error());
        if (L->json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "type", "intent");
            cJSON_AddStringToObject(o, "name", r.intent);
            cJSON_AddNumberToObject(o, "confidence", r.confidence);
            add_slots(o, &r);
            cJSON_AddStringToObject(o, "text", tr.text);
            emit_json(L, o);
            o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "type", "response");
            cJSON_AddStringToObject(o, "text", r.response);
            emit_json(L, o);
        } else {
            printf("  [%s %.2f] %s\n", r.intent, (double)r.confidence, r.response);
            out_flush(L);
        }
        if (r.response[0])
            say(L, r.response);
    }
    hark_transcript_clear(&tr);
    return HARK_OK;
}

/* ---- speech output and muting -------------------------------------------------------------- */

/* Discard whatever the microphone heard while we spoke (our own voice), plus a short tail for the
 * room's echo, and restart the VAD so its floor is not skewed by it. */
static void mute_capture(listener *L, double seconds)
{
    if (!L->capture)
        return;
    float buf[1024];
    double until = cli_now() + seconds;
    size_t skipped = 0;
    /* What arrived while we spoke is already in the ring; reading it costs nothing. The loop
     * ends on time, not on an empty ring: a live microphone is never empty for long. */
    while (cli_now() < until && !interrupted) {
        size_t got = 0;
        if (hark_capture_read(L->capture, buf, 1024, &got, 10) != HARK_OK)
            break;
        skipped += got;
    }
    hark_endpoint_reset(L->endpoint);
    hark_endpoint_skip(L->endpoint,
                       (size_t)((double)skipped * L->model_rate / hark_capture_rate(L->capture)));
    if (L->resampler)
        hark_resampler_reset(L->resampler);
}

static void say(listener *L, const char *text)
{
    if (!L->tts)
        return;
    float *pcm = NULL;
    size_t n = 0;
    uint64_t before = L->capture ? hark_capture_overruns(L->capture) : 0;
    if (hark_tts_synth(L->tts, text, &pcm, &n) != HARK_OK ||
        hark_tts_play(-1, pcm, n, hark_tts_sample_rate(L->tts)) != HARK_OK)
        fprintf(stderr, "hark listen: cannot speak: %s\n", hark_last_error());
    free(pcm);
    mute_capture(L, 0.2);
    /* A reply longer than the ring buffer overflows it while we are deaf on purpose; those
     * samples were to be discarded, so they are not the overruns a user should hear about. */
    if (L->capture)
        L->muted_overruns += hark_capture_overruns(L->capture) - before;
}

static void check_timers(listener *L)
{
    if (!L->assistant)
        return;
    time_t now = time(NULL);
    if (hark_assistant_next_timer(L->assistant, now) != 0)
        return; /* none pending, or none due yet */
    hark_timer due[4];
    size_t n = hark_assistant_due_timers(L->assistant, now, due, 4);
    for (size_t i = 0; i < n && i < 4; i++) {
        char msg[160];
        snprintf(msg, sizeof msg, "Timer %d for %s is done.", due[i].id, due[i].label);
        if (L->json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "type", "timer");
            cJSON_AddNumberToObject(o, "id", due[i].id);
            cJSON_AddStringToObject(o, "label", due[i].label);
            cJSON_AddStringToObject(o, "text", msg);
            emit_json(L, o);
        } else {
            clear_partial(L);
            printf("* %s\n", msg);
            out_flush(L);
        }
        say(L, msg);
    }
}

/* ---- the sample path ----------------------------------------------------------------------- */

/* Resample a chunk at the source rate and feed the endpointer; answer any utterance that ended. */
static hark_status feed(listener *L, const float *x, size_t n, int flush)
{
    const float *y = x;
    size_t m = n;
    hark_status st = HARK_OK;
    if (L->resampler) {
        st = flush ? hark_resampler_flush(L->resampler, &y, &m)
                   : hark_resampler_process(L->resampler, x, n, &y, &m);
        if (st != HARK_OK)
            return st;
    }
    st = hark_endpoint_push(L->endpoint, y, m);
    if (st == HARK_OK && flush)
        st = hark_endpoint_flush(L->endpoint);
    if (st == HARK_OK && L->utt_done)
        st = finish_utterance(L);
    return st;
}

static int stop_requested(listener *L, double stream_t)
{
    return interrupted || L->stdout_closed || (L->max_seconds > 0 && stream_t >= L->max_seconds);
}

static int run_file(listener *L)
{
    float *x = NULL;
    size_t n = 0;
    int rate = 0;
    if (hark_audio_load(L->input, 0, &x, &n, &rate) != HARK_OK) {
        cli_error(SUB, "%s", hark_last_error());
        return CLI_FAIL;
    }
    if (rate != L->model_rate) {
        L->resampler = hark_resampler_create(rate, L->model_rate);
        if (!L->resampler) {
            free(x);
            cli_error(SUB, "%s", hark_last_error());
            return CLI_FAIL;
        }
    }
    /* 20 ms chunks, as a capture callback would deliver them. */
    size_t chunk = (size_t)rate / 50;
    double t0 = cli_now();
    hark_status st = HARK_OK;
    size_t i = 0;
    for (; i < n && st == HARK_OK; i += chunk) {
        double t = (double)i / rate;
        if (stop_requested(L, t))
            break;
        if (!L->fast) {
            double ahead = t - (cli_now() - t0);
            if (ahead > 0) {
                struct timespec ts = {(time_t)ahead, (long)((ahead - floor(ahead)) * 1e9)};
                nanosleep(&ts, NULL);
            }
        }
        st = feed(L, x + i, n - i < chunk ? n - i : chunk, 0);
        check_timers(L);
    }
    if (st == HARK_OK && !interrupted && !L->stdout_closed)
        st = feed(L, NULL, 0, 1);
    free(x);
    if (st != HARK_OK) {
        cli_error(SUB, "%s", hark_last_error());
        return CLI_FAIL;
    }
    return CLI_OK;
}

static void announce(listener *L, double rate)
{
    if (L->json) {
        /* Scripts wait for this line before they start talking: audio is flowing now. */
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "ready");
        cJSON_AddStringToObject(o, "device", hark_capture_device_name(L->capture));
        cJSON_AddNumberToObject(o, "rate", rate);
        cJSON_AddNumberToObject(o, "model_rate", L->model_rate);
        emit_json(L, o);
    } else {
        fprintf(stderr, "hark listen: listening on %s (%g Hz); Ctrl-C to stop\n",
                hark_capture_device_name(L->capture), rate);
    }
}

static int run_mic(listener *L)
{
    int dev;
    if (hark_device_find(L->device, 1, &dev) != HARK_OK) {
        cli_error(SUB, "%s", hark_last_error());
        return CLI_FAIL;
    }
    hark_capture_params cp = hark_capture_default_params();
    cp.device = dev;
    cp.sample_rate = L->rate;
    L->capture = hark_capture_open(&cp);
    if (!L->capture) {
        cli_error(SUB, "%s", hark_last_error());
        return CLI_FAIL;
    }
    double rate = hark_capture_rate(L->capture);
    if (L->rate > 0 && rate != L->rate)
        fprintf(stderr, "hark listen: %s refused %g Hz; capturing at %g Hz and resampling\n",
                hark_capture_device_name(L->capture), L->rate, rate);
    if ((int)rate != L->model_rate) {
        L->resampler = hark_resampler_create(rate, L->model_rate);
        if (!L->resampler) {
            cli_error(SUB, "%s", hark_last_error());
            return CLI_FAIL;
        }
    }
    if (hark_capture_start(L->capture) != HARK_OK) {
        cli_error(SUB, "%s", hark_last_error());
        return CLI_FAIL;
    }
    float buf[4096];
    double captured = 0;
    hark_status st = HARK_OK;
    while (st == HARK_OK && !stop_requested(L, captured / rate)) {
        size_t got = 0;
        st = hark_capture_read(L->capture, buf, 4096, &got, 50);
        if (st != HARK_OK)
            break;
        if (got && captured == 0)
            announce(L, rate);
        captured += (double)got;
        if (got)
            st = feed(L, buf, got, 0);
        check_timers(L);
    }
    if (st == HARK_OK && !interrupted && !L->stdout_closed)
        st = feed(L, NULL, 0, 1);
    hark_capture_stop(L->capture);
    if (st != HARK_OK) {
        cli_error(SUB, "%s", hark_last_error());
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* ---- options --------------------------------------------------------------------------------- */

static void usage(FILE *f, const hark_endpoint_params *d)
{
    fprintf(f,
            "usage: hark listen [options]\n\n"
            "The live assistant: listens to the microphone, shows what it hears, answers out loud.\n\n"
            "  -m, --model FILE          acoustic model (default: $HARK_MODEL, models/default.hark,\n"
            "                            else models/digits.hark)\n"
            "  -i, --intents FILE        intent file (default: models/assistant.ini; 'none': no NLU)\n"
            "      --closed              decode as a grammar of the model's training phrases or\n"
            "                            silence (digit and command models; default: open\n"
            "                            vocabulary, greedy)\n"
            "  -d, --device SPEC         capture device index or part of its name (default: the\n"
            "                            default input; see 'hark devices')\n"
            "      --rate HZ             capture rate to ask the device for (default: its own)\n"
            "      --input FILE          play an audio file through the same path instead of the\n"
            "                            microphone, at real-time pace\n"
            "      --fast                with --input: as fast as possible (tests, benchmarks)\n"
            "      --no-speak            print replies without speaking them\n"
            "      --voice NAME          espeak-ng voice for replies (default: en)\n"
            "      --json                one JSON object per event on stdout (ready, partial,\n"
            "                            final, intent, response, timer, summary)\n"
            "      --max-seconds S       stop after S seconds of audio (default: 0, never)\n"
            "      --min-confidence P    drop transcripts less likely than P (default: %.2f)\n"
            "      --threshold DB        speech when this far above the noise floor (default: %.0f)\n"
            "      --min-speech MS       speech needed to start an utterance (default: %d)\n"
            "      --trailing-silence MS silence that ends an utterance (default: %d)\n"
            "      --max-utterance MS    longest utterance (default: %d)\n"
            "      --pre-roll MS         audio kept from before the speech onset (default: %d)\n"
            "  -v, --verbose             log speech onsets and rejected utterances on stderr\n"
            "  -h, --help                this help\n",
            0.5, (double)d->vad.threshold_db, d->min_speech_ms, d->trailing_silence_ms,
            d->max_utterance_ms, d->pre_roll_ms);
}

enum {
    OPT_RATE = 256, OPT_INPUT, OPT_FAST, OPT_NO_SPEAK, OPT_VOICE, OPT_JSON, OPT_MAX_SECONDS,
    OPT_MIN_CONF, OPT_THRESHOLD, OPT_CLOSED, OPT_MIN_SPEECH, OPT_TRAILING, OPT_MAX_UTT, OPT_PRE_ROLL
};

static int parse_args(listener *L, int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, 'm'},
        {"intents", required_argument, NULL, 'i'},
        {"device", required_argument, NULL, 'd'},
        {"rate", required_argument, NULL, OPT_RATE},
        {"input", required_argument, NULL, OPT_INPUT},
        {"fast", no_argument, NULL, OPT_FAST},
        {"closed", no_argument, NULL, OPT_CLOSED},
        {"no-speak", no_argument, NULL, OPT_NO_SPEAK},
        {"voice", required_argument, NULL, OPT_VOICE},
        {"json", no_argument, NULL, OPT_JSON},
        {"max-seconds", required_argument, NULL, OPT_MAX_SECONDS},
        {"min-confidence", required_argument, NULL, OPT_MIN_CONF},
        {"threshold", required_argument, NULL, OPT_THRESHOLD},
        {"min-speech", required_argument, NULL, OPT_MIN_SPEECH},
        {"trailing-silence", required_argument, NULL, OPT_TRAILING},
        {"max-utterance", required_argument, NULL, OPT_MAX_UTT},
        {"pre-roll", required_argument, NULL, OPT_PRE_ROLL},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    hark_endpoint_params d = hark_endpoint_default_params(16000);
    L->ep = d;
    L->min_confidence = 0.5;
    int c;
    long v;
    double f;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:i:d:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'm': L->model_path = optarg; break;
        case 'i': L->intents_path = optarg; break;
        case 'd': L->device = optarg; break;
        case 'v': L->verbose = 1; break;
        case OPT_INPUT: L->input = optarg; break;
        case OPT_FAST: L->fast = 1; break;
        case OPT_CLOSED: L->closed = 1; break;
        case OPT_NO_SPEAK: L->no_speak = 1; break;
        case OPT_VOICE: L->voice = optarg; break;
        case OPT_JSON: L->json = 1; break;
        case OPT_RATE:
            if (cli_parse_float(SUB, "--rate", optarg, 1000, 384000, &L->rate))
                return CLI_USAGE;
            break;
        case OPT_MAX_SECONDS:
            if (cli_parse_float(SUB, "--max-seconds", optarg, 0, 1e9, &L->max_seconds))
                return CLI_USAGE;
            break;
        case OPT_MIN_CONF:
            if (cli_parse_float(SUB, "--min-confidence", optarg, 0, 1, &L->min_confidence))
                return CLI_USAGE;
            break;
        case OPT_THRESHOLD:
            if (cli_parse_float(SUB, "--threshold", optarg, 1, 60, &f))
                return CLI_USAGE;
            L->ep.vad.threshold_db = (float)f;
            break;
        case OPT_MIN_SPEECH:
            if (cli_parse_int(SUB, "--min-speech", optarg, 0, 1000, &v))
                return CLI_USAGE;
            L->ep.min_speech_ms = (int)v;
            break;
        case OPT_TRAILING:
            if (cli_parse_int(SUB, "--trailing-silence", optarg, 10, 10000, &v))
                return CLI_USAGE;
            L->ep.trailing_silence_ms = (int)v;
            break;
        case OPT_MAX_UTT:
            if (cli_parse_int(SUB, "--max-utterance", optarg, 100, 600000, &v))
                return CLI_USAGE;
            L->ep.max_utterance_ms = (int)v;
            break;
        case OPT_PRE_ROLL:
            if (cli_parse_int(SUB, "--pre-roll", optarg, 0, 2000, &v))
                return CLI_USAGE;
            L->ep.pre_roll_ms = (int)v;
            break;
        case 'h': usage(stdout, &d); return -1;
        default: usage(stderr, &d); return CLI_USAGE;
        }
    }
    if (optind < argc) {
        cli_error(SUB, "unexpected argument '%s' (audio files go with --input)", argv[optind]);
        return CLI_USAGE;
    }
    if (L->fast && !L->input) {
        cli_error(SUB, "--fast only applies to --input");
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int setup(listener *L)
{
    char *model_path = L->model_path ? strdup(L->model_path) : cli_default_model();
    if (!model_path) {
        cli_error(SUB, "no model found (models/default.hark or models/digits.hark); give one "
                       "with --model or HARK_MODEL");
        return CLI_FAIL;
    }
    L->model = hark_model_load(model_path);
    free(model_path);
    if (!L->model) {
        cli_error(SUB, "%s", hark_last_error());
        return CLI_FAIL;
    }
    L->model_rate = hark_model_sample_rate(L->model);
    L->rec = hark_recognizer_create(L->model);
    if (!L->rec) {
        cli_error(SUB, "%s", hark_last_error());
        return CLI_FAIL;
    }
    if (L->closed) {
        /* The model's phrases plus the empty phrase, so that noise can decode to silence. */
        size_t n = 0;
        const char *const *v = hark_model_phrases(L->model, &n);
        if (!v || n == 0) {
            cli_error(SUB, "--closed: the model stores no phrase list (trained on more than 256 "
                           "distinct transcripts)");
            return CLI_FAIL;
        }
        L->phrases = malloc((n + 1) * sizeof *L->phrases);
        if (!L->phrases) {
            cli_error(SUB, "out of memory");
            return CLI_FAIL;
        }
        memcpy(L->phrases, v, n * sizeof *v);
        L->phrases[n] = "";
        if (hark_recognizer_set_phrases(L->rec, L->phrases, n + 1) != HARK_OK) {
            cli_error(SUB, "%s", hark_last_error());
            return CLI_FAIL;
        }
    }
    if (!L->intents_path || strcmp(L->intents_path, "none") != 0) {
        char *ini = L->intents_path ? strdup(L->intents_path) : cli_find_data("models/assistant.ini");
        if (!ini && !L->intents_path) {
            fprintf(stderr, "hark listen: no models/assistant.ini found; transcribing only\n");
        } else {
            hark_assistant_params ap = hark_assistant_default_params();
            L->assistant = ini ? hark_assistant_load(ini, &ap) : NULL;
            free(ini);
            if (!L->assistant) {
                cli_error(SUB, "%s", hark_last_error());
                return CLI_FAIL;
            }
        }
    }
    /* The endpointer works at the model's rate, whatever the source's. */
    hark_endpoint_params ep = L->ep;
    hark_vad_params vd = hark_vad_default_params(L->model_rate);
    vd.threshold_db = ep.vad.threshold_db;
    ep.vad = vd;
    L->endpoint = hark_endpoint_create(&ep, on_endpoint, L);
    if (!L->endpoint) {
        cli_error(SUB, "%s", hark_last_error());
        return CLI_FAIL;
    }
    if (!L->input || !L->no_speak) {
        if (cli_audio_init(SUB) != 0)
            return CLI_FAIL;
        L->audio_up = 1;
    }
    if (!L->no_speak) {
        L->tts = hark_tts_create(L->voice);
        if (!L->tts) {
            cli_error(SUB, "%s (use --no-speak to print replies only)", hark_last_error());
            return CLI_FAIL;
        }
    }
    return CLI_OK;
}

static void teardown(listener *L)
{
    hark_capture_close(L->capture);
    hark_tts_free(L->tts);
    if (L->audio_up)
        cli_audio_terminate();
    hark_resampler_free(L->resampler);
    hark_endpoint_free(L->endpoint);
    hark_assistant_free(L->assistant);
    hark_recognizer_free(L->rec);
    hark_model_free(L->model);
    free(L->phrases);
}

int cmd_listen(int argc, char **argv)
{
    listener L;
    memset(&L, 0, sizeof L);
    int rc = parse_args(&L, argc, argv);
    if (rc != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    L.tty = isatty(STDOUT_FILENO) && !L.json;

    /* A closed stdout must surface as EPIPE on write, not kill us mid-utterance. */
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    rc = setup(&L);
    if (rc == CLI_OK) {
        L.start_wall = cli_now();
        rc = L.input ? run_file(&L) : run_mic(&L);
        clear_partial(&L);
        if (L.json && !L.stdout_closed) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "type", "summary");
            cJSON_AddNumberToObject(o, "seconds", hark_endpoint_time(L.endpoint));
            cJSON_AddNumberToObject(o, "utterances", (double)L.utterances);
            cJSON_AddNumberToObject(o, "rejected", (double)L.rejected);
            cJSON_AddNumberToObject(o, "overruns",
                                    L.capture ? (double)(hark_capture_overruns(L.capture) -
                                                         L.muted_overruns)
                                              : 0);
            cJSON_AddNumberToObject(o, "dropped_frames",
                                    L.capture ? (double)hark_capture_dropped(L.capture) : 0);
            cJSON_AddNumberToObject(o, "wall_seconds", cli_now() - L.start_wall);
            emit_json(&L, o);
        }
        if (L.capture && hark_capture_overruns(L.capture) > L.muted_overruns)
            fprintf(stderr, "hark listen: %llu capture overruns (%llu frames dropped): the "
                    "reader fell behind\n",
                    (unsigned long long)(hark_capture_overruns(L.capture) - L.muted_overruns),
                    (unsigned long long)hark_capture_dropped(L.capture));
        if (interrupted && rc == CLI_OK)
            fprintf(stderr, "hark listen: interrupted; stopping\n");
        if (L.stdout_closed) {
            fprintf(stderr, "hark listen: standard output closed; stopping\n");
            rc = CLI_OK;
        }
    }
    teardown(&L);
    return rc;
}
