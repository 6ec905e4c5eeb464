/* cmd_eval.c - 'hark eval': transcribe every utterance of a corpus and report WER, CER, utterance
 * accuracy, the real-time factor, per-speaker accuracy, the worst utterances and the most
 * frequent word confusions, as text or one JSON object. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "cli/cli_decode.h"
#include "cli/cli_grammar.h"
#include "cli/cli_opts.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: hark eval [options] CORPUS[:SPLIT]\n"
        "\n"
        "Measure a model on a labelled corpus (PATH[:SPLIT] as for 'hark data'): word and\n"
        "character error rates, the share of utterances transcribed exactly, the real-time\n"
        "factor (speech span + features + network + decoding time over the files' duration;\n"
        "file reading and resampling excluded), accuracy per speaker, the worst utterances\n"
        "and the most frequent word confusions, and the expected calibration error (ECE) of\n"
        "the utterance confidence: utterances are put in 15 equal-width bins of confidence\n"
        "over [0, 1], and ECE is the sum over bins of (bin share of utterances) x\n"
        "|share transcribed exactly - mean confidence|.\n"
        "A phone model (hark train --units phones) decoded greedily writes phones: it is\n"
        "compared with the phonemized reference and the character error rate becomes the phone\n"
        "error rate (PER; JSON: \"per\", and \"cer\" holds the same); with a grammar, phrase\n"
        "list or LM beam search it writes words, scored as usual.\n"
        "\n"
        "options:\n"
        "  -m, --model MODEL   the model (default: $HARK_MODEL, else models/default.hark, else\n"
        "                      models/digits.hark)\n"
        "  --json              print one JSON object (keys n, wer, cer, utt_acc, rtf, ece, and\n"
        "                      with the beam search acoustic_seconds and search_seconds: the\n"
        "                      time in features + network and in the search) (default: a text\n"
        "                      report)\n"
        "  --worst N           list the N worst utterances (default: 10)\n"
        "  --skip-empty        leave out utterances with an empty transcript (e.g. the\n"
        "                      _silence_ clips of Speech Commands) (default: keep them)\n"
        );
    cli_dec d = cli_dec_defaults();
    cli_opts_help(f, &cli_dec_opts, CLI_FOR_EVAL, &d);
    cli_decode_help(f, CLI_FOR_EVAL);
    fputc('\n', f);
    fprintf(f,
        "  --calibrate         fit the confidence calibration (temperature and bias of the\n"
        "                      confidence's logit) on this corpus with the beam search and write\n"
        "                      the model with it to -o (default: no)\n"
        "  -o, --output MODEL  where --calibrate writes the calibrated model (default: none)\n"
        "  -h, --help          show this help\n");
}

typedef struct utt_result {
    const hark_utt *u;
    char *ref; /* the reference as scored: the transcript, or its phones (PER) */
    char *hyp;
    long word_errors, char_errors;
    double score; /* character errors over reference length, for ranking the worst */
} utt_result;

static int cmp_worst(const void *a, const void *b)
{
    const utt_result *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return strcmp(x->u->path, y->u->path);
}

typedef struct speaker_acc {
    const char *speaker;
    long n, correct;
} speaker_acc;

static int cmp_speaker(const void *a, const void *b)
{
    return strcmp(((const speaker_acc *)a)->speaker, ((const speaker_acc *)b)->speaker);
}

/* Fit the calibration on (raw confidence, exactly right) pairs, store it in the model and save
 * it to path; *ece_after gets the ECE of the calibrated confidences. Returns 0, or -1 after
 * printing the error. */
static int calibrate_model(hark_model *m, float *conf, const int *right, size_t n, const char *path,
                           double *ece_after)
{
    hark_calibration c;
    if (hark_calibration_fit(conf, right, n, &c) != HARK_OK) {
        cli_error("eval", "--calibrate: %s", hark_last_error());
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        conf[i] = hark_calibration_apply(&c, conf[i]);
    *ece_after = hark_calibration_ece(conf, right, n, 15);
    char *js = hark_calibration_format(&c);
    hark_status st = js ? hark_model_set_meta(m, "calibration", js) : HARK_ERR_NOMEM;
    free(js);
    if (st == HARK_OK)
        st = hark_model_save(m, path);
    if (st != HARK_OK) {
        cli_error("eval", "%s", hark_last_error());
        return -1;
    }
    return 0;
}

int cmd_eval(int argc, char **argv)
{
    static const struct option opts[] = {{"model", required_argument, 0, 'm'},
                                         {"json", no_argument, 0, 'j'},
                                         {"worst", required_argument, 0, 'w'},
                                         {"skip-empty", no_argument, 0, 's'},
                                         {"help", no_argument, 0, 'h'},
                                         {"calibrate", no_argument, 0, 'C'},
                                         {"output", required_argument, 0, 'o'},
                                         {0, 0, 0, 0}};
    /* The decoder options come from the shared tables (cli_opts.c, cli_decode.c). */
    static const cli_opt_table *const tables[] = {&cli_dec_opts, &cli_beam_opts};
    static cli_parser P;
    cli_parser_init(&P, "eval", CLI_FOR_EVAL, opts, "m:o:h", tables, 2);
    cli_dec dec = cli_dec_defaults();
    const char *model_path = NULL;
    int json = 0, skip_empty = 0;
    cli_phrase_list pl = {0};
    long worst = 10;
    int opt, calibrate = 0;
    const char *out_model = NULL;
    cli_decode cd;
    cli_decode_init(&cd);
    cli_grammar gr = {0};
    hark_beam_plugin *beam = NULL;
    hark_grammar_plugin *grammar = NULL;
    long rejected = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, P.shortopts, P.longopts, NULL)) != -1) {
        if (cli_parser_take(&P, opt, optarg))
            continue;
        switch (opt) {
        case 'm': model_path = optarg; break;
        case 'j': json = 1; break;
        case 's': skip_empty = 1; break;
        case 'w':
            if (cli_parse_int("eval", "--worst", optarg, 0, 100000, &worst))
                return CLI_USAGE;
            break;
        case 'C': calibrate = 1; break;
        case 'o': out_model = optarg; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    /* --calibrate fits the beam search's confidences: it turns the search on too. */
    const char *beam_opt = cli_parser_first(&P, &cli_beam_opts);
    if (cli_parser_apply(&P, &cli_dec_opts, &dec) != 0 || cli_decode_apply("eval", &P, &cd) != 0
        || cli_decode_check_modes("eval", &P, calibrate ? "calibrate" : beam_opt) != 0)
        return CLI_USAGE;
    cd.active |= calibrate;
    if (optind + 1 != argc) {
        cli_error("eval", "expected exactly one CORPUS[:SPLIT] (see --help)");
        return CLI_USAGE;
    }
    if (calibrate != (out_model != NULL)) {
        cli_error("eval", "--calibrate and -o MODEL go together");
        return CLI_USAGE;
    }
    const char *spec = argv[optind];
    char *owned = NULL;
    if (!model_path) {
        owned = cli_default_model();
        if (!owned) {
            cli_error("eval", "no model given and none shipped (use -m MODEL or set HARK_MODEL)");
            return CLI_FAIL;
        }
        model_path = owned;
    }
    hark_net_set_threads((int)dec.threads);
    int rc = CLI_FAIL;
    hark_model *m = NULL;
    hark_recognizer *r = NULL;
    hark_corpus *c = NULL;
    hark_metrics *met = NULL;
    utt_result *res = NULL;
    float *confs = NULL;
    int *rights = NULL;
    speaker_acc *spk = NULL;
    size_t n_res = 0, n_spk = 0, failed = 0;
    if (!(m = hark_model_load(model_path)) || !(r = hark_recognizer_create(m))
        || !(c = hark_corpus_open(spec)) || !(met = hark_metrics_create())) {
        cli_error("eval", "%s", hark_last_error());
        goto done;
    }
    /* Every decoder plugs into the one recognizer: the model runs the same way for all. */
    if (cli_phrases_apply("eval", r, m, NULL, dec.closed, &pl) != 0
        || cli_decode_setup("eval", &cd, m, calibrate) != 0
        || cli_grammar_open("eval", m, dec.intents, dec.phrases, dec.reject, &gr) != 0)
        goto done;
    if ((cd.active && !(beam = hark_beam_plugin_create(cd.dec)))
        || (gr.dec && !(grammar = hark_grammar_plugin_create(gr.dec)))) {
        cli_error("eval", "%s", hark_last_error());
        goto done;
    }
    hark_recognizer_decoder hook = beam ? hark_beam_plugin_hook(beam)
                                        : grammar ? hark_grammar_plugin_hook(grammar)
                                                  : (hark_recognizer_decoder){0};
    if (hook.finish)
        hark_recognizer_set_decoder(r, &hook);
    /* Greedy decoding of a phone model gives phones: score them against the reference's. */
    const hark_units *phones = hark_units_kind(hark_model_units(m)) == HARK_UNITS_PHONES
                                       && !hook.finish && !pl.n && !dec.closed
                                   ? hark_model_units(m)
                                   : NULL;
    size_t n = hark_corpus_size(c);
    res = calloc(n ? n : 1, sizeof *res);
    spk = calloc(n ? n : 1, sizeof *spk);
    confs = calloc(n ? n : 1, sizeof *confs);
    rights = calloc(n ? n : 1, sizeof *rights);
    if (!res || !spk || !confs || !rights) {
        cli_error("eval", "out of memory");
        goto done;
    }
    hark_segment_params span = hark_segment_default_params(hark_model_sample_rate(m));
    span.speech_margin_ms = (int)dec.speech_margin;
    cli_progress bar;
    cli_progress_start(&bar, "eval", (double)n);
    double compute = 0, audio = 0;
    for (size_t i = 0; i < n; i++) {
        const hark_utt *u = hark_corpus_get(c, i);
        if (skip_empty && u->text[0] == '\0')
            continue;
        float *x = NULL;
        size_t nx = 0;
        hark_transcript t = {0};
        hark_status st = hark_audio_load(u->path, hark_model_sample_rate(m), &x, &nx, NULL);
        double t0 = util_now_seconds();
        size_t a = 0, b = nx; /* the speech span, as 'hark transcribe' decodes a file */
        if (st == HARK_OK)
            st = hark_speech_span(&span, x, nx, &a, &b);
        if (st == HARK_OK)
            st = hark_recognizer_push(r, x + a, b - a);
        if (st == HARK_OK)
            st = hark_recognizer_finish(r, &t);
        if (st == HARK_OK && grammar)
            rejected += hark_grammar_plugin_last(grammar)->rejected;
        compute += util_now_seconds() - t0;
        free(x);
        if (st != HARK_OK) {
            cli_error("eval", "%s", hark_last_error());
            hark_recognizer_reset(r);
            failed++;
        } else {
            audio += (double)nx / hark_model_sample_rate(m);
        }
        utt_result *ur = &res[n_res];
        ur->u = u;
        if (phones ? hark_units_spell(phones, u->text, &ur->ref) : !(ur->ref = strdup(u->text))) {
            cli_error("eval", "%s: %s", u->path, hark_last_error());
            hark_transcript_clear(&t);
            failed++;
            continue;
        }
        n_res++;
        confs[n_res - 1] = st == HARK_OK ? t.confidence : 0;
        rights[n_res - 1] = st == HARK_OK && strcmp(ur->ref, t.text) == 0;
        ur->hyp = strdup(st == HARK_OK ? t.text : "");
        hark_transcript_clear(&t);
        if (!ur->hyp || hark_metrics_add(met, ur->ref, ur->hyp, &ur->word_errors,
                                         &ur->char_errors) != HARK_OK) {
            cli_error("eval", "out of memory");
            goto done;
        }
        long ref_len = (long)strlen(ur->ref);
        ur->score = (double)ur->char_errors / (double)(ref_len > 0 ? ref_len : 1);
        size_t k = 0;
        while (k < n_spk && strcmp(spk[k].speaker, u->speaker) != 0)
            k++;
        if (k == n_spk)
            spk[n_spk++] = (speaker_acc){u->speaker, 0, 0};
        spk[k].n++;
        spk[k].correct += strcmp(ur->ref, ur->hyp) == 0;
        if (!json)
            cli_progress_update(&bar, (double)(i + 1), NULL);
    }
    if (!json)
        cli_progress_end(&bar);
    qsort(spk, n_spk, sizeof *spk, cmp_speaker);
    qsort(res, n_res, sizeof *res, cmp_worst);
    hark_metrics_summary s = hark_metrics_get(met);
    double rtf = audio > 0 ? compute / audio : 0;
    hark_substitution conf[10];
    size_t n_conf = hark_metrics_top_confusions(met, conf, 10);
    size_t n_worst = (size_t)worst < n_res ? (size_t)worst : n_res;
    double ece = hark_calibration_ece(confs, rights, n_res, 15), ece_cal = ece;
    if (calibrate && calibrate_model(m, confs, rights, n_res, out_model, &ece_cal) != 0)
        goto done;
    while (n_worst > 0 && res[n_worst - 1].score == 0)
        n_worst--; /* only utterances with errors are "worst" */

    if (json) {
        cJSON *o = cJSON_CreateObject();
        if (!o)
            goto done;
        cJSON_AddStringToObject(o, "model", model_path);
        cJSON_AddStringToObject(o, "corpus", spec);
        cJSON_AddNumberToObject(o, "n", (double)s.n);
        cJSON_AddNumberToObject(o, "wer", s.wer);
        cJSON_AddNumberToObject(o, "cer", s.cer);
        if (phones)
            cJSON_AddNumberToObject(o, "per", s.cer);
        cJSON_AddStringToObject(o, "units", phones ? "phones" : "words");
        cJSON_AddNumberToObject(o, "utt_acc", s.utt_acc);
        cJSON_AddNumberToObject(o, "rtf", rtf);
        cJSON_AddNumberToObject(o, "ece", ece);
        if (calibrate)
            cJSON_AddNumberToObject(o, "ece_calibrated", ece_cal);
        if (beam) { /* where the beam search's time went (bench/decode) */
            cJSON_AddNumberToObject(o, "acoustic_seconds", compute - hark_beam_plugin_seconds(beam));
            cJSON_AddNumberToObject(o, "search_seconds", hark_beam_plugin_seconds(beam));
        }
        if (grammar) {
            cJSON_AddNumberToObject(o, "rejected", (double)rejected);
            cJSON_AddNumberToObject(o, "decode_rtf",
                                    audio > 0 ? hark_grammar_plugin_seconds(grammar) / audio : 0);
        }
        cJSON_AddNumberToObject(o, "audio_seconds", audio);
        cJSON_AddNumberToObject(o, "ref_words", (double)s.ref_words);
        cJSON_AddNumberToObject(o, "word_errors", (double)s.word_errors);
        cJSON_AddNumberToObject(o, "ref_chars", (double)s.ref_chars);
        cJSON_AddNumberToObject(o, "char_errors", (double)s.char_errors);
        cJSON_AddNumberToObject(o, "failed", (double)failed);
        cJSON *sp = cJSON_AddObjectToObject(o, "speakers");
        for (size_t k = 0; sp && k < n_spk; k++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "n", (double)spk[k].n);
            cJSON_AddNumberToObject(e, "utt_acc", (double)spk[k].correct / (double)spk[k].n);
            cJSON_AddItemToObject(sp, spk[k].speaker[0] ? spk[k].speaker : "(unknown)", e);
        }
        cJSON *wa = cJSON_AddArrayToObject(o, "worst");
        for (size_t k = 0; wa && k < n_worst; k++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "id", res[k].u->id);
            cJSON_AddStringToObject(e, "ref", res[k].ref);
            cJSON_AddStringToObject(e, "hyp", res[k].hyp);
            cJSON_AddNumberToObject(e, "char_errors", (double)res[k].char_errors);
            cJSON_AddItemToArray(wa, e);
        }
        cJSON *ca = cJSON_AddArrayToObject(o, "confusions");
        for (size_t k = 0; ca && k < n_conf; k++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "ref", conf[k].ref);
            cJSON_AddStringToObject(e, "hyp", conf[k].hyp);
            cJSON_AddNumberToObject(e, "count", (double)conf[k].count);
            cJSON_AddItemToArray(ca, e);
        }
        char *js = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (!js)
            goto done;
        puts(js);
        free(js);
    } else {
        printf("model        %s\ncorpus       %s\n", model_path, spec);
        printf("utterances   %ld (%.1f s of audio)%s\n", s.n, audio, failed ? ", some failed" : "");
        printf("WER          %.2f%% (%ld errors / %ld words)\n", 100 * s.wer, s.word_errors, s.ref_words);
        if (phones)
            printf("PER          %.2f%% (%ld errors / %ld phones and word gaps; greedy phones "
                   "against the phonemized reference)\n", 100 * s.cer, s.char_errors, s.ref_chars);
        else
            printf("CER          %.2f%% (%ld errors / %ld characters)\n", 100 * s.cer, s.char_errors, s.ref_chars);
        printf("utterances   %.2f%% right (%ld of %ld)\n", 100 * s.utt_acc, s.utt_correct, s.n);
        printf("RTF          %.4f (%.0fx faster than real time)\n", rtf, rtf > 0 ? 1 / rtf : 0);
        if (grammar)
            printf("grammar      %ld rejected (intent \"none\"); decoding RTF %.4f\n", rejected,
                   audio > 0 ? hark_grammar_plugin_seconds(grammar) / audio : 0);
        printf("ECE          %.4f (utterance confidence, 15 bins)\n", ece);
        if (calibrate)
            printf("ECE          %.4f after calibration, written to %s\n", ece_cal, out_model);
        if (n_spk > 1 && n_spk <= 50) {
            printf("\nper speaker:\n");
            for (size_t k = 0; k < n_spk; k++)
                printf("  %-20s %6.2f%% of %ld\n", spk[k].speaker[0] ? spk[k].speaker : "(unknown)",
                       100.0 * (double)spk[k].correct / (double)spk[k].n, spk[k].n);
        }
        if (n_worst > 0) {
            printf("\nworst utterances:\n");
            for (size_t k = 0; k < n_worst; k++)
                printf("  %-28s ref \"%s\"  hyp \"%s\"\n", res[k].u->id, res[k].ref, res[k].hyp);
        }
        if (n_conf > 0) {
            printf("\nmost frequent confusions (ref -> hyp):\n");
            for (size_t k = 0; k < n_conf; k++)
                printf("  %5ld  %s -> %s\n", conf[k].count, conf[k].ref[0] ? conf[k].ref : "(inserted)",
                       conf[k].hyp[0] ? conf[k].hyp : "(deleted)");
        }
    }
    rc = failed ? CLI_FAIL : CLI_OK;
done:
    for (size_t k = 0; res && k < n_res; k++) {
        free(res[k].ref);
        free(res[k].hyp);
    }
    free(res);
    free(spk);
    free(confs);
    free(rights);
    hark_recognizer_free(r);
    r = NULL; /* before the plugins it points to */
    hark_beam_plugin_free(beam);
    hark_grammar_plugin_free(grammar);
    cli_grammar_close(&gr);
    cli_decode_free(&cd);
    hark_metrics_free(met);
    hark_corpus_free(c);
    hark_recognizer_free(r);
    hark_model_free(m);
    free(owned);
    cli_phrases_free(&pl);
    return rc;
}
