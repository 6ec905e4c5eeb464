/* cmd_eval.c - 'hark eval': transcribe every utterance of a corpus and report WER, CER, utterance
 * accuracy, the real-time factor, per-speaker accuracy, the worst utterances and the most
 * frequent word confusions, as text or one JSON object. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "cli/cli_grammar.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: hark eval [options] CORPUS[:SPLIT]\n"
        "\n"
        "Measure a model on a labelled corpus (PATH[:SPLIT] as for 'hark data'): word and\n"
        "character error rates, the share of utterances transcribed exactly, the real-time\n"
        "factor (features + network + decoding time over audio duration; file reading and\n"
        "resampling excluded), accuracy per speaker, the worst utterances and the most frequent\n"
        "word confusions.\n"
        "\n"
        "options:\n"
        "  -m, --model MODEL   the model (default: $HARK_MODEL, else models/default.hark, else\n"
        "                      models/digits.hark)\n"
        "  --json              print one JSON object (keys n, wer, cer, utt_acc, rtf, ...)\n"
        "  --worst N           list the N worst utterances (default: 10)\n"
        "  --skip-empty        leave out utterances with an empty transcript (e.g. the\n"
        "                      _silence_ clips of Speech Commands) (default: keep them)\n"
        "  --closed            decode as a grammar of the model's training phrases (default:\n"
        "                      open vocabulary, greedy)\n"
        "  --phrases FILE      decode under a grammar of the phrases in FILE, one per line\n"
        "  --intents FILE      decode under the grammar of an intent file; also counts the\n"
        "                      utterances rejected as outside it (intent \"none\") and the\n"
        "                      time spent in grammar decoding (decode_rtf)\n"
        "  --reject X          rejection threshold for --intents/--phrases (see 'hark\n"
        "                      transcribe --help'; default: the model's, else 0.5)\n"
        "  --threads N         OpenBLAS threads (default: 1)\n"
        "  -h, --help          show this help\n");
}

typedef struct utt_result {
    const hark_utt *u;
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

int cmd_eval(int argc, char **argv)
{
    static const struct option opts[] = {{"model", required_argument, 0, 'm'},
                                         {"json", no_argument, 0, 'j'},
                                         {"worst", required_argument, 0, 'w'},
                                         {"skip-empty", no_argument, 0, 's'},
                                         {"threads", required_argument, 0, 't'},
                                         {"closed", no_argument, 0, 'c'},
                                         {"phrases", required_argument, 0, 'p'},
                                         {"intents", required_argument, 0, 'i'},
                                         {"reject", required_argument, 0, 'r'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *model_path = NULL;
    int json = 0, skip_empty = 0, closed = 0;
    const char *phrase_file = NULL, *intents_file = NULL;
    double reject = NAN;
    long rejected = 0;
    cli_phrase_list pl = {0};
    cli_grammar gr = {0};
    long worst = 10, threads = 1;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'm': model_path = optarg; break;
        case 'j': json = 1; break;
        case 'c': closed = 1; break;
        case 'p': phrase_file = optarg; break;
        case 'i': intents_file = optarg; break;
        case 'r':
            if (cli_parse_float("eval", "--reject", optarg, -1e9, 1e9, &reject))
                return CLI_USAGE;
            break;
        case 's': skip_empty = 1; break;
        case 'w':
            if (cli_parse_int("eval", "--worst", optarg, 0, 100000, &worst))
                return CLI_USAGE;
            break;
        case 't':
            if (cli_parse_int("eval", "--threads", optarg, 1, 256, &threads))
                return CLI_USAGE;
            break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (optind + 1 != argc) {
        cli_error("eval", "expected exactly one CORPUS[:SPLIT] (see --help)");
        return CLI_USAGE;
    }
    if ((closed != 0) + (phrase_file != NULL) + (intents_file != NULL) > 1) {
        cli_error("eval", "--closed, --phrases and --intents exclude each other");
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
    hark_net_set_threads((int)threads);
    int rc = CLI_FAIL;
    hark_model *m = NULL;
    hark_recognizer *r = NULL;
    hark_corpus *c = NULL;
    hark_metrics *met = NULL;
    utt_result *res = NULL;
    speaker_acc *spk = NULL;
    size_t n_res = 0, n_spk = 0, failed = 0;
    if (!(m = hark_model_load(model_path)) || !(r = hark_recognizer_create(m))
        || !(c = hark_corpus_open(spec)) || !(met = hark_metrics_create())) {
        cli_error("eval", "%s", hark_last_error());
        goto done;
    }
    if (cli_grammar_open("eval", m, intents_file, phrase_file, reject, &gr) != 0 ||
        cli_phrases_apply("eval", r, m, NULL, closed, &pl) != 0)
        goto done;
    size_t n = hark_corpus_size(c);
    res = calloc(n ? n : 1, sizeof *res);
    spk = calloc(n ? n : 1, sizeof *spk);
    if (!res || !spk) {
        cli_error("eval", "out of memory");
        goto done;
    }
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
        double t0 = cli_now();
        if (st == HARK_OK && gr.dec) {
            hark_grammar_result g = {0};
            st = cli_grammar_run(&gr, m, x, nx, &g);
            rejected += g.rejected;
            t = g.transcript;
        } else if (st == HARK_OK) {
            st = hark_recognizer_push(r, x, nx);
            if (st == HARK_OK)
                st = hark_recognizer_finish(r, &t);
        }
        compute += cli_now() - t0;
        free(x);
        if (st != HARK_OK) {
            cli_error("eval", "%s", hark_last_error());
            hark_recognizer_reset(r);
            failed++;
        } else {
            audio += t.duration;
        }
        utt_result *ur = &res[n_res++];
        ur->u = u;
        ur->hyp = strdup(st == HARK_OK ? t.text : "");
        hark_transcript_clear(&t);
        if (!ur->hyp || hark_metrics_add(met, u->text, ur->hyp, &ur->word_errors,
                                         &ur->char_errors) != HARK_OK) {
            cli_error("eval", "out of memory");
            goto done;
        }
        long ref_len = (long)strlen(u->text);
        ur->score = (double)ur->char_errors / (double)(ref_len > 0 ? ref_len : 1);
        size_t k = 0;
        while (k < n_spk && strcmp(spk[k].speaker, u->speaker) != 0)
            k++;
        if (k == n_spk)
            spk[n_spk++] = (speaker_acc){u->speaker, 0, 0};
        spk[k].n++;
        spk[k].correct += strcmp(u->text, ur->hyp) == 0;
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
        cJSON_AddNumberToObject(o, "utt_acc", s.utt_acc);
        cJSON_AddNumberToObject(o, "rtf", rtf);
        if (gr.dec) {
            cJSON_AddNumberToObject(o, "rejected", (double)rejected);
            cJSON_AddNumberToObject(o, "decode_rtf", audio > 0 ? gr.seconds / audio : 0);
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
            cJSON_AddStringToObject(e, "ref", res[k].u->text);
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
        printf("CER          %.2f%% (%ld errors / %ld characters)\n", 100 * s.cer, s.char_errors, s.ref_chars);
        printf("utterances   %.2f%% right (%ld of %ld)\n", 100 * s.utt_acc, s.utt_correct, s.n);
        printf("RTF          %.4f (%.0fx faster than real time)\n", rtf, rtf > 0 ? 1 / rtf : 0);
        if (gr.dec)
            printf("grammar      %ld rejected (intent \"none\"); decoding RTF %.4f\n", rejected,
                   audio > 0 ? gr.seconds / audio : 0);
        if (n_spk > 1 && n_spk <= 50) {
            printf("\nper speaker:\n");
            for (size_t k = 0; k < n_spk; k++)
                printf("  %-20s %6.2f%% of %ld\n", spk[k].speaker[0] ? spk[k].speaker : "(unknown)",
                       100.0 * (double)spk[k].correct / (double)spk[k].n, spk[k].n);
        }
        if (n_worst > 0) {
            printf("\nworst utterances:\n");
            for (size_t k = 0; k < n_worst; k++)
                printf("  %-28s ref \"%s\"  hyp \"%s\"\n", res[k].u->id, res[k].u->text, res[k].hyp);
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
    for (size_t k = 0; res && k < n_res; k++)
        free(res[k].hyp);
    free(res);
    free(spk);
    hark_metrics_free(met);
    hark_corpus_free(c);
    cli_grammar_close(&gr);
    hark_recognizer_free(r);
    hark_model_free(m);
    free(owned);
    cli_phrases_free(&pl);
    return rc;
}
