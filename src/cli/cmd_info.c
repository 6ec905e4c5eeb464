/* cmd_info.c - 'hark info': what a model file holds, read back from it: its units and lexicon,
 * network, features, grammar thresholds and the training record the trainer wrote (data,
 * epochs, dev figures, and the record of every model it was fine-tuned from). */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: hark info [--json] [MODEL...]\n\n"
               "Describes acoustic model files: units and lexicon, network, features, the\n"
               "grammar decoder's calibrated thresholds, and the training record (data, epochs,\n"
               "dev figures, and the models it was fine-tuned from, newest first). Without a\n"
               "MODEL: the default model ($HARK_MODEL, else models/default.hark).\n\n"
               "      --json   one JSON object per model (the training records as the trainer\n"
               "               wrote them)\n"
               "  -h, --help   this help\n");
}

/* A metadata entry parsed as JSON, or NULL. */
static cJSON *meta_json(const hark_model *m, const char *key)
{
    const char *s = hark_model_get_meta(m, key);
    return s ? cJSON_Parse(s) : NULL;
}

static double json_number(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : (double)NAN;
}

static const char *json_string(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* One training record (the trainer's "provenance"), indented by `depth`, then the record of the
 * model it was fine-tuned from ("base"), one level deeper. `err` names the dev error rate. */
static void print_record(const cJSON *rec, int depth, const char *err)
{
    for (; cJSON_IsObject(rec); rec = cJSON_GetObjectItemCaseSensitive(rec, "base"), depth++) {
        int ind = 2 + 2 * depth;
        const char *date = json_string(rec, "date"), *ver = json_string(rec, "hark_version");
        printf("%*s%s %s%s%s:", ind, "", depth ? "fine-tuned from a model trained" : "trained",
               date ? date : "(no date)", ver ? ", hark " : "", ver ? ver : "");
        /* The run's figures, those it recorded, separated by commas. */
        const char *sep = " ";
        double v;
        if (!isnan(v = json_number(rec, "epochs")))
            printf("%s%.0f epochs", sep, v), sep = ", ";
        if (!isnan(v = json_number(rec, "steps")))
            printf("%s%.0f steps", sep, v), sep = ", ";
        if (!isnan(v = json_number(rec, "train_utterances")))
            printf("%s%.0f utterances", sep, v), sep = ", ";
        if (!isnan(v = json_number(rec, "train_hours")))
            printf(" (%.1f h)", v);
        if (!isnan(v = json_number(rec, "seed")))
            printf("%sseed %.0f", sep, v), sep = ", ";
        if (!isnan(v = json_number(rec, "dev_cer")))
            printf("%s dev %s %.1f%%", *sep == ',' ? ";" : "", err, 100 * v);
        if (!isnan(v = json_number(rec, "dev_wer")))
            printf(", WER %.1f%%", 100 * v);
        printf("\n");
        /* The training sources, one per line as given; a source given n times shows "(x n)". */
        const char *train = json_string(rec, "train");
        char *copy = train ? strdup(train) : NULL;
        enum { MAX_SOURCES = 256 };
        char *lines[MAX_SOURCES];
        int n = 0, more = 0, times[MAX_SOURCES];
        for (char *save = NULL, *l = copy ? strtok_r(copy, "\n", &save) : NULL; l;
             l = strtok_r(NULL, "\n", &save)) {
            int k = 0;
            while (k < n && strcmp(lines[k], l) != 0)
                k++;
            if (k == n && n == MAX_SOURCES) {
                more++;
                continue;
            }
            if (k == n)
                lines[n] = l, times[n++] = 0;
            times[k]++;
        }
        for (int k = 0; k < n; k++) {
            printf("%*s  data: %s", ind, "", lines[k]);
            printf(times[k] > 1 ? " (x %d)\n" : "\n", times[k]);
        }
        if (more)
            printf("%*s  data: (%d more)\n", ind, "", more);
        free(copy);
        const char *dev = json_string(rec, "dev");
        if (dev)
            printf("%*s  dev:  %s\n", ind, "", dev);
    }
}

static long file_bytes(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void describe_text(const char *path, const hark_model *m, int streams)
{
    const hark_net_config *nc = hark_net_get_config(hark_model_net(m));
    const hark_mfcc_config *fc = hark_model_feature_config(m);
    const hark_units *u = hark_model_units(m);
    int phones = hark_units_kind(u) == HARK_UNITS_PHONES;
    long bytes = file_bytes(path);
    printf("%s (%.2f MB)\n", path, bytes / 1e6);
    printf("  units:    %s, %d and the blank", hark_unit_kind_name(hark_units_kind(u)),
           nc->n_output - 1);
    if (phones)
        printf("; lexicon of %zu words%s", hark_units_lexicon_size(u),
               hark_model_get_meta(m, HARK_WORD_COUNTS_META) ? ", with their training counts" : "");
    printf("\n");
    printf("  network:  %s, %d %s layers of %d, %d frames stacked (a step every %.0f ms), "
           "%zu parameters; %s\n",
           nc->cell == HARK_CELL_LSTM ? "LSTM" : "GRU", nc->n_layers,
           nc->bidirectional ? "bidirectional" : "unidirectional", nc->hidden, nc->stack,
           1000 * hark_model_frame_seconds(m), hark_net_num_params(hark_model_net(m)),
           streams ? "streams (partial transcripts while listening)" : "decodes whole utterances");
    cJSON *fj = hark_mfcc_config_to_json(fc);
    const char *cmvn = fj ? json_string(fj, "cmvn") : NULL;
    printf("  features: %d Hz, %g ms frames every %g ms, %d mel bins, %d cepstra, deltas to order "
           "%d (%d per frame), CMVN %s\n",
           fc->sample_rate, fc->frame_length_ms, fc->frame_shift_ms, fc->num_mel_bins,
           fc->num_ceps, fc->delta_order, hark_mfcc_dim(fc), cmvn ? cmvn : "?");
    cJSON_Delete(fj);
    size_t n_phrases = 0;
    if (hark_model_phrases(m, &n_phrases) && n_phrases > 0)
        printf("  phrases:  %zu training phrases (the closed vocabulary of --closed)\n", n_phrases);
    double rej = hark_model_get_meta_number(m, HARK_GRAMMAR_REJECT_META);
    double floor = hark_model_get_meta_number(m, HARK_GRAMMAR_NOISE_META);
    double w = hark_model_get_meta_number(m, HARK_GRAMMAR_UNCOVERED_META);
    if (!isnan(rej) || !isnan(floor)) {
        printf("  grammar:  calibrated");
        if (!isnan(rej))
            printf(": rejects above %g nats per speech frame", rej);
        if (!isnan(w) && w > 0)
            printf(" (gap + %g x the uncovered share)", w);
        if (!isnan(floor))
            printf(", noise floor %g", floor);
        printf("\n");
    } else {
        printf("  grammar:  not calibrated (--reject defaults to %g)\n",
               (double)HARK_GRAMMAR_DEFAULT_REJECT);
    }
    cJSON *prov = meta_json(m, "provenance");
    cJSON *base = meta_json(m, "base_provenance");
    if (prov) {
        /* A fine-tuned model: its own run, then the base's chain. */
        if (base && !cJSON_GetObjectItemCaseSensitive(prov, "base"))
            cJSON_AddItemToObject(prov, "base", base), base = NULL;
        print_record(prov, 0, phones ? "PER" : "CER");
    } else {
        printf("  trained:  no training record\n");
    }
    cJSON_Delete(prov);
    cJSON_Delete(base);
}

/* The whole description as one JSON object. */
static cJSON *describe_json(const char *path, const hark_model *m, int streams)
{
    const hark_net_config *nc = hark_net_get_config(hark_model_net(m));
    const hark_units *u = hark_model_units(m);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", path);
    cJSON_AddNumberToObject(o, "bytes", (double)file_bytes(path));
    cJSON_AddStringToObject(o, "units", hark_unit_kind_name(hark_units_kind(u)));
    cJSON_AddNumberToObject(o, "outputs", nc->n_output);
    cJSON_AddNumberToObject(o, "lexicon_words", (double)hark_units_lexicon_size(u));
    cJSON_AddBoolToObject(o, "word_counts",
                          hark_model_get_meta(m, HARK_WORD_COUNTS_META) != NULL);
    cJSON *n = cJSON_AddObjectToObject(o, "network");
    cJSON_AddStringToObject(n, "cell", nc->cell == HARK_CELL_LSTM ? "lstm" : "gru");
    cJSON_AddNumberToObject(n, "layers", nc->n_layers);
    cJSON_AddNumberToObject(n, "hidden", nc->hidden);
    cJSON_AddBoolToObject(n, "bidirectional", nc->bidirectional);
    cJSON_AddNumberToObject(n, "stack", nc->stack);
    cJSON_AddNumberToObject(n, "inputs", nc->n_input);
    cJSON_AddNumberToObject(n, "parameters", (double)hark_net_num_params(hark_model_net(m)));
    cJSON_AddBoolToObject(n, "streaming", streams);
    cJSON_AddItemToObject(o, "features", hark_mfcc_config_to_json(hark_model_feature_config(m)));
    size_t n_phrases = 0;
    hark_model_phrases(m, &n_phrases);
    cJSON_AddNumberToObject(o, "phrases", (double)n_phrases);
    cJSON *g = cJSON_AddObjectToObject(o, "grammar");
    static const char *const keys[][2] = {{HARK_GRAMMAR_REJECT_META, "reject"},
                                          {HARK_GRAMMAR_NOISE_META, "min_confidence"},
                                          {HARK_GRAMMAR_UNCOVERED_META, "uncovered_weight"}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        double v = hark_model_get_meta_number(m, keys[i][0]);
        if (isnan(v))
            cJSON_AddNullToObject(g, keys[i][1]);
        else
            cJSON_AddNumberToObject(g, keys[i][1], v);
    }
    static const char *const records[] = {"provenance", "base_provenance"};
    for (size_t i = 0; i < 2; i++) {
        cJSON *r = meta_json(m, records[i]);
        cJSON_AddItemToObject(o, records[i], r ? r : cJSON_CreateNull());
    }
    return o;
}

int cmd_info(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    char *dflt = NULL;
    char *one[1];
    char **paths = argv + optind;
    int n = argc - optind;
    if (n == 0) {
        if (!(dflt = cli_default_model())) {
            cli_error("info", "no model given and no default model found");
            return CLI_FAIL;
        }
        one[0] = dflt, paths = one, n = 1;
    }
    int rc = CLI_OK;
    for (int i = 0; i < n; i++) {
        hark_model *m = hark_model_load(paths[i]);
        if (!m) {
            cli_error("info", "%s: %s", paths[i], hark_last_error());
            rc = CLI_FAIL;
            continue;
        }
        hark_recognizer *r = hark_recognizer_create(m);
        int streams = hark_recognizer_is_streaming(r);
        hark_recognizer_free(r);
        if (json) {
            cJSON *o = describe_json(paths[i], m, streams);
            char *s = o ? cJSON_PrintUnformatted(o) : NULL;
            if (s)
                puts(s);
            else
                rc = CLI_FAIL;
            cJSON_free(s);
            cJSON_Delete(o);
        } else {
            if (i > 0)
                printf("\n");
            describe_text(paths[i], m, streams);
        }
        hark_model_free(m);
    }
    free(dflt);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("info", "cannot write to standard output");
        return CLI_FAIL;
    }
    return rc;
}
