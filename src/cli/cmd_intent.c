/* cmd_intent.c - 'hark intent': understand sentences typed in (or read from stdin) with an
 * intent file, print intent, slots, confidence and response; --eval measures a labelled TSV;
 * --expand lists the sentences an intent file describes. */
#include <cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hark intent [options] TEXT...\n"
            "       hark intent [options] -            (one sentence per line from stdin)\n"
            "       hark intent --eval FILE.tsv [options]\n"
            "       hark intent --expand [options]\n\n"
            "Understands sentences with an intent file: prints the intent (or \"none\" when the\n"
            "sentence is out of scope), its slots, a calibrated confidence and the response. The\n"
            "classifier is trained from the intent file at start-up (well under a second).\n\n"
            "options:\n"
            "  -i, --intents FILE     intent template file (default: models/assistant.ini)\n"
            "  -j, --json             one JSON object per sentence: text, intent, confidence,\n"
            "                         slots, response (with --eval: the figures as JSON)\n"
            "  -s, --state FILE       device-state file (lights) kept across runs (default:\n"
            "                         $XDG_STATE_HOME/hark/state.json, else\n"
            "                         ~/.local/state/hark/state.json)\n"
            "      --no-state         keep device state in memory only\n"
            "      --now SECONDS      the wall-clock time for time/date/timer skills, as Unix\n"
            "                         seconds (default: the current time)\n"
            "  -e, --eval FILE        evaluate on a TSV: text<TAB>intent[<TAB>slot=value,...],\n"
            "                         intent \"none\" for out-of-scope; prints accuracy,\n"
            "                         rejection, slot accuracy, timings and a confusion\n"
            "                         matrix\n"
            "  -v, --verbose          with --eval: list every mistake\n"
            "      --expand           print intent<TAB>sentence for the file's sentences\n"
            "      --max N            with --expand: at most N sentences per intent\n"
            "                         (default 1000)\n"
            "      --sample N         print N sentences per intent drawn uniformly at random\n"
            "                         (seeded by --seed), as --expand does\n"
            "      --none-corpus FILE extra out-of-scope sentences for training (one per line,\n"
            "                         or LJSpeech metadata.csv) (default: built-in list only)\n"
            "      --threshold P      reject when the best calibrated probability is below P\n"
            "                         (default 0.5)\n"
            "      --seed N           training seed (default 1)\n"
            "  -h, --help             this help\n");
}

/* Default state path: $XDG_STATE_HOME/hark/state.json or ~/.local/state/hark/state.json. */
static char *default_state_path(void)
{
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    char buf[4096];
    if (xdg && xdg[0] == '/')
        snprintf(buf, sizeof buf, "%s/hark/state.json", xdg);
    else if (home && home[0])
        snprintf(buf, sizeof buf, "%s/.local/state/hark/state.json", home);
    else
        return NULL;
    return strdup(buf);
}

static void add_slot_json(cJSON *obj, const hark_slot *s)
{
    if (s->is_number)
        cJSON_AddNumberToObject(obj, s->name, s->number);
    else
        cJSON_AddStringToObject(obj, s->name, s->text);
}

static int print_result(const char *text, const hark_intent_result *r, int json)
{
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON *slots = cJSON_CreateObject();
        if (!o || !slots) {
            cJSON_Delete(o);
            cJSON_Delete(slots);
            return -1;
        }
        cJSON_AddStringToObject(o, "text", text);
        cJSON_AddStringToObject(o, "intent", r->intent);
        cJSON_AddNumberToObject(o, "confidence", round(r->confidence * 10000.0) / 10000.0);
        for (int i = 0; i < r->n_slots; i++)
            add_slot_json(slots, &r->slots[i]);
        cJSON_AddItemToObject(o, "slots", slots);
        cJSON_AddStringToObject(o, "response", r->response);
        char *s = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (!s)
            return -1;
        printf("%s\n", s);
        cJSON_free(s);
        return 0;
    }
    printf("intent:     %s\nconfidence: %.3f\nslots:     ", r->intent, r->confidence);
    if (!r->n_slots)
        printf(" (none)");
    for (int i = 0; i < r->n_slots; i++)
        printf(" %s=%s", r->slots[i].name, r->slots[i].text);
    printf("\nresponse:   %s\n", r->response);
    return 0;
}

/* ---- --eval ---- */

typedef struct eval_row {
    char *text, *intent, *slots;
} eval_row;

static int slot_matches(const hark_intent_result *r, const char *expected)
{
    /* expected: "name=value,name=value"; every one must be there, and nothing else. */
    int n_exp = 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", expected);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            return 0;
        *eq = '\0';
        const hark_slot *s = hark_intent_result_slot(r, tok);
        if (!s)
            return 0;
        const char *want = eq + 1;
        char *end;
        double d = strtod(want, &end);
        if (*want && *end == '\0') {
            if (!s->is_number || fabs(s->number - d) > 1e-9)
                return 0;
        } else if (strcmp(s->text, want)) {
            return 0;
        }
        n_exp++;
    }
    return n_exp == r->n_slots;
}

static int run_eval(hark_assistant *a, const char *path, int json, int verbose, double t_load,
                    double cpu_load)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        cli_error("intent", "%s: %s", path, strerror(errno));
        return CLI_FAIL;
    }
    eval_row *rows = NULL;
    size_t n = 0, cap = 0;
    char line[2048];
    int lineno = 0, rc = CLI_FAIL;
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        if (!tab) {
            cli_error("intent", "%s:%d: expected text<TAB>intent", path, lineno);
            fclose(fp);
            goto done;
        }
        *tab = '\0';
        char *intent = tab + 1, *slots = strchr(intent, '\t');
        if (slots)
            *slots++ = '\0';
        if (strcmp(intent, "none") && hark_intents_find(hark_assistant_intents(a), intent) < 0) {
            cli_error("intent", "%s:%d: unknown intent '%s'", path, lineno, intent);
            fclose(fp);
            goto done;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            eval_row *nr = realloc(rows, cap * sizeof *nr);
            if (!nr) {
                fclose(fp);
                cli_error("intent", "out of memory");
                goto done;
            }
            rows = nr;
        }
        rows[n].text = strdup(line);
        rows[n].intent = strdup(intent);
        rows[n].slots = strdup(slots ? slots : "");
        n++;
    }
    fclose(fp);
    if (n == 0) {
        cli_error("intent", "%s: no sentences", path);
        goto done;
    }
    const hark_intents *f = hark_assistant_intents(a);
    int K = (int)hark_intents_count(f) + 1; /* last: none */
    long *conf = calloc((size_t)K * (size_t)K, sizeof *conf);
    if (!conf) {
        cli_error("intent", "out of memory");
        goto done;
    }
    size_t n_in = 0, in_ok = 0, in_rej = 0, n_out = 0, out_rej = 0, n_slot = 0, slot_ok = 0;
    /* Calibration: per confidence decile, the mean confidence against the fraction right. */
    double bin_conf[10] = {0}, bin_right[10] = {0};
    size_t bin_n[10] = {0};
    hark_intent_result r;
    for (size_t i = 0; i < n; i++) {
        hark_assistant_classify(a, rows[i].text, &r);
        int e = strcmp(rows[i].intent, "none") ? hark_intents_find(f, rows[i].intent) : K - 1;
        int p = strcmp(r.intent, "none") ? hark_intents_find(f, r.intent) : K - 1;
        conf[(size_t)e * (size_t)K + (size_t)p]++;
        int wrong = e != p;
        int bin = r.confidence >= 1.0f ? 9 : (int)(r.confidence * 10.0f);
        bin = bin < 0 ? 0 : bin;
        bin_conf[bin] += r.confidence;
        bin_right[bin] += !wrong;
        bin_n[bin]++;
        if (e == K - 1) {
            n_out++;
            out_rej += (size_t)(p == K - 1);
        } else {
            n_in++;
            in_ok += (size_t)(e == p);
            in_rej += (size_t)(p == K - 1);
            if (rows[i].slots[0]) {
                n_slot++;
                int ok = e == p && slot_matches(&r, rows[i].slots);
                slot_ok += (size_t)ok;
                if (!ok && e == p && verbose && !json) {
                    printf("slots  \"%s\": expected %s, got", rows[i].text, rows[i].slots);
                    for (int s = 0; s < r.n_slots; s++)
                        printf(" %s=%s", r.slots[s].name, r.slots[s].text);
                    printf("\n");
                }
            }
        }
        if (wrong && verbose && !json)
            printf("intent \"%s\": expected %s, got %s (%.2f)\n", rows[i].text, rows[i].intent,
                   r.intent, r.confidence);
    }
    /* Timings: the classifier alone, and the whole understanding (with slot alignment). */
    float *probs = malloc((size_t)K * sizeof *probs);
    int reps = 0;
    double t0 = util_now_seconds(), t_cls, t_all;
    do {
        for (size_t i = 0; i < n; i++)
            hark_assistant_probabilities(a, rows[i].text, probs);
        reps++;
    } while (util_now_seconds() - t0 < 0.3);
    t_cls = (util_now_seconds() - t0) / (double)(reps * (double)n);
    reps = 0;
    t0 = util_now_seconds();
    do {
        for (size_t i = 0; i < n; i++)
            hark_assistant_classify(a, rows[i].text, &r);
        reps++;
    } while (util_now_seconds() - t0 < 0.3);
    t_all = (util_now_seconds() - t0) / (double)(reps * (double)n);
    free(probs);
    double acc = n_in ? (double)in_ok / (double)n_in : 0;
    double frr = n_in ? (double)in_rej / (double)n_in : 0;
    double rej = n_out ? (double)out_rej / (double)n_out : 0;
    double sacc = n_slot ? (double)slot_ok / (double)n_slot : 0;
    double ece = 0; /* expected calibration error over 10 bins */
    for (int b = 0; b < 10; b++)
        if (bin_n[b])
            ece += fabs(bin_conf[b] - bin_right[b]) / (double)n;
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "n", (double)n);
        cJSON_AddNumberToObject(o, "n_in_scope", (double)n_in);
        cJSON_AddNumberToObject(o, "n_out_of_scope", (double)n_out);
        cJSON_AddNumberToObject(o, "n_with_slots", (double)n_slot);
        cJSON_AddNumberToObject(o, "intent_accuracy", acc);
        cJSON_AddNumberToObject(o, "in_scope_rejected", frr);
        cJSON_AddNumberToObject(o, "out_of_scope_rejected", rej);
        cJSON_AddNumberToObject(o, "slot_accuracy", sacc);
        cJSON_AddNumberToObject(o, "calibration_error", ece);
        cJSON_AddNumberToObject(o, "train_seconds", hark_assistant_train_seconds(a));
        cJSON_AddNumberToObject(o, "load_seconds", t_load);
        cJSON_AddNumberToObject(o, "load_cpu_seconds", cpu_load);
        cJSON_AddNumberToObject(o, "classify_us", t_cls * 1e6);
        cJSON_AddNumberToObject(o, "understand_us", t_all * 1e6);
        cJSON_AddNumberToObject(o, "threshold", hark_assistant_threshold(a));
        cJSON_AddNumberToObject(o, "temperature", hark_assistant_temperature(a));
        char *s = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (s)
            printf("%s\n", s);
        cJSON_free(s);
    } else {
        printf("sentences:               %zu (%zu in scope, %zu out of scope, %zu with slots)\n",
               n, n_in, n_out, n_slot);
        printf("in-scope intent accuracy: %.1f%% (%zu/%zu)\n", 100 * acc, in_ok, n_in);
        printf("in-scope wrongly rejected: %.1f%% (%zu/%zu)\n", 100 * frr, in_rej, n_in);
        printf("out-of-scope rejected:    %.1f%% (%zu/%zu)\n", 100 * rej, out_rej, n_out);
        printf("slot accuracy:            %.1f%% (%zu/%zu)\n", 100 * sacc, slot_ok, n_slot);
        printf("calibration error (ECE):  %.3f (10 confidence bins)\n", ece);
        printf("training:                 %.3f s (load with parsing and expansion %.3f s, "
               "%.3f s CPU; threshold %.2f, temperature %.2f)\n", hark_assistant_train_seconds(a),
               t_load, cpu_load, hark_assistant_threshold(a),
               hark_assistant_temperature(a));
        printf("classify:                 %.1f us/sentence (%.1f us with slots)\n\n",
               t_cls * 1e6, t_all * 1e6);
        /* Columns are numbered like the rows: intent names are too long for a column. */
        printf("confusion matrix (rows: expected, columns: predicted, numbered as the rows)\n");
        printf("%-16s", "");
        for (int j = 0; j < K; j++)
            printf(" %3d", j);
        printf("\n");
        for (int i = 0; i < K; i++) {
            printf("%2d %-13.13s", i, i < K - 1 ? hark_intents_name(f, (size_t)i) : "none");
            for (int j = 0; j < K; j++) {
                long v = conf[(size_t)i * (size_t)K + (size_t)j];
                if (v)
                    printf(" %3ld", v);
                else
                    printf(" %3s", ".");
            }
            printf("\n");
        }
    }
    free(conf);
    rc = CLI_OK;
done:
    for (size_t i = 0; i < n; i++) {
        free(rows[i].text);
        free(rows[i].intent);
        free(rows[i].slots);
    }
    free(rows);
    return rc;
}

/* ---- --expand ---- */

static int expand_cb(size_t intent, const char *text, const hark_slot *slots, int n_slots,
                     void *user)
{
    const hark_intents *f = user;
    printf("%s\t%s\t", hark_intents_name(f, intent), text);
    for (int i = 0; i < n_slots; i++)
        printf("%s%s=%s", i ? "," : "", slots[i].name, slots[i].text);
    printf("\n");
    return ferror(stdout) ? 1 : 0;
}

int cmd_intent(int argc, char **argv)
{
    enum { OPT_NO_STATE = 256, OPT_NOW, OPT_EXPAND, OPT_MAX, OPT_NONE, OPT_THRESHOLD, OPT_SEED,
           OPT_SAMPLE };
    static const struct option opts[] = {
        {"intents", required_argument, 0, 'i'},   {"json", no_argument, 0, 'j'},
        {"state", required_argument, 0, 's'},     {"no-state", no_argument, 0, OPT_NO_STATE},
        {"now", required_argument, 0, OPT_NOW},   {"eval", required_argument, 0, 'e'},
        {"verbose", no_argument, 0, 'v'},         {"expand", no_argument, 0, OPT_EXPAND},
        {"max", required_argument, 0, OPT_MAX},   {"none-corpus", required_argument, 0, OPT_NONE},
        {"threshold", required_argument, 0, OPT_THRESHOLD},
        {"seed", required_argument, 0, OPT_SEED}, {"sample", required_argument, 0, OPT_SAMPLE},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *intents = NULL, *state = NULL, *eval = NULL;
    int json = 0, no_state = 0, verbose = 0, expand = 0;
    long max = 1000, seed = 1, now = -1, sample = 0;
    hark_assistant_params p = hark_assistant_default_params();
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "i:js:e:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'i': intents = optarg; break;
        case 'j': json = 1; break;
        case 's': state = optarg; break;
        case OPT_NO_STATE: no_state = 1; break;
        case OPT_NOW:
            if (cli_parse_int("intent", "--now", optarg, 0, 4102444800L, &now))
                return CLI_USAGE;
            break;
        case 'e': eval = optarg; break;
        case 'v': verbose = 1; break;
        case OPT_EXPAND: expand = 1; break;
        case OPT_MAX:
            if (cli_parse_int("intent", "--max", optarg, 1, 100000000L, &max))
                return CLI_USAGE;
            break;
        case OPT_SAMPLE:
            if (cli_parse_int("intent", "--sample", optarg, 1, 100000000L, &sample))
                return CLI_USAGE;
            expand = 1;
            break;
        case OPT_NONE: p.none_corpus = optarg; break;
        case OPT_THRESHOLD: {
            double t;
            if (cli_parse_float("intent", "--threshold", optarg, 0.0, 1.0, &t))
                return CLI_USAGE;
            p.threshold = (float)t;
            break;
        }
        case OPT_SEED:
            if (cli_parse_int("intent", "--seed", optarg, 1, 2147483647L, &seed))
                return CLI_USAGE;
            p.seed = (uint64_t)seed;
            break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    int n_text = argc - optind;
    if (!eval && !expand && n_text == 0) {
        cli_error("intent", "no text given (try 'hark intent \"what time is it\"' or --help)");
        return CLI_USAGE;
    }
    if ((eval || expand) && n_text > 0) {
        cli_error("intent", "--eval and --expand take no TEXT arguments");
        return CLI_USAGE;
    }
    char *found = NULL, *state_path = NULL;
    int rc = CLI_FAIL;
    hark_assistant *a = NULL;
    if (!intents) {
        found = cli_find_data("models/assistant.ini");
        if (!found) {
            cli_error("intent", "models/assistant.ini not found (give --intents FILE)");
            return CLI_FAIL;
        }
        intents = found;
    }
    if (expand) {
        hark_intents *f = hark_intents_load(intents);
        if (!f) {
            cli_error("intent", "%s", hark_last_error());
            goto done;
        }
        hark_status st = HARK_OK;
        if (sample) {
            uint64_t rng = (uint64_t)seed;
            char text[1024];
            hark_slot slots[HARK_NLU_MAX_SLOTS];
            int n_slots;
            for (size_t i = 0; i < hark_intents_count(f) && !st; i++)
                for (long k = 0; k < sample && !st; k++)
                    if (!(st = hark_intents_sample(f, i, &rng, text, sizeof text, slots, &n_slots)))
                        expand_cb(i, text, slots, n_slots, f);
        } else {
            st = hark_intents_expand(f, SIZE_MAX, (uint64_t)max, expand_cb, f);
        }
        hark_intents_free(f);
        if (st)
            cli_error("intent", "%s", hark_last_error());
        rc = st ? CLI_FAIL : CLI_OK;
        goto done;
    }
    /* Evaluation never touches the user's device state. */
    if (!no_state && !eval) {
        state_path = state ? strdup(state) : default_state_path();
        p.state_path = state_path;
    }
    double t_load = util_now_seconds();
    clock_t c_load = clock();
    a = hark_assistant_load(intents, &p);
    t_load = util_now_seconds() - t_load;
    double cpu_load = (double)(clock() - c_load) / CLOCKS_PER_SEC;
    if (!a) {
        cli_error("intent", "%s", hark_last_error());
        goto done;
    }
    if (eval) {
        rc = run_eval(a, eval, json, verbose, t_load, cpu_load);
        goto done;
    }
    rc = CLI_OK;
    time_t t = now >= 0 ? (time_t)now : time(NULL);
    char line[4096];
    for (int i = optind; i < argc; i++) {
        int from_stdin = !strcmp(argv[i], "-");
        for (;;) {
            const char *text = argv[i];
            if (from_stdin) {
                if (!fgets(line, sizeof line, stdin))
                    break;
                if (!strchr(line, '\n') && !feof(stdin)) {
                    /* Longer than any command: understand the start, skip the rest. */
                    int ch;
                    while ((ch = getchar()) != EOF && ch != '\n')
                        ;
                }
                line[strcspn(line, "\r\n")] = '\0';
                if (!line[0])
                    continue;
                text = line;
            }
            hark_intent_result r;
            hark_status st = hark_assistant_handle(a, text, t, &r);
            if (st) {
                /* The answer stands; saving the device state failed. */
                cli_error("intent", "%s", hark_last_error());
                rc = CLI_FAIL;
            }
            if (!json && n_text > 1)
                printf("text:       %s\n", text);
            if (print_result(text, &r, json)) {
                cli_error("intent", "out of memory");
                rc = CLI_FAIL;
            }
            if (!json && (n_text > 1 || from_stdin))
                printf("\n");
            fflush(stdout);
            if (!from_stdin)
                break;
        }
    }
done:
    hark_assistant_free(a);
    free(found);
    free(state_path);
    return rc;
}
