/* cmd_lm.c - 'hark lm': word n-gram language models. 'build' estimates a modified Kneser-Ney
 * model from text files (normalised exactly as transcripts are) and writes it as ARPA; 'eval'
 * loads an ARPA file and reports the log10 probability and perplexity of sentences. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/util.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: hark lm build [options] TEXT... -o FILE.arpa\n"
        "       hark lm eval [options] FILE.arpa TEXT\n"
        "\n"
        "Word n-gram language models for dictation ('hark transcribe --lm').\n"
        "\n"
        "build: estimate an interpolated modified Kneser-Ney model (Chen & Goodman 1998) from\n"
        "  UTF-8 text files, one sentence per line ('-' reads standard input), and write it as an\n"
        "  ARPA file. Lines are normalised exactly as transcripts are: lower case a-z, apostrophe\n"
        "  and space, numbers spelled out, accents folded, punctuation removed; lines left empty\n"
        "  are skipped.\n"
        "  -o, --output FILE  the ARPA file to write, replaced atomically (required)\n"
        "  --order N          n-gram order, 1-5 (default: 3)\n"
        "  --vocab N          keep the N most frequent words; the others are counted as <unk>\n"
        "                     (default: 0, every word)\n"
        "  --prune C          drop n-grams of the highest order seen at most C times and\n"
        "                     renormalise their contexts (default: 0, keep all)\n"
        "\n"
        "eval: score each line of TEXT (one sentence per line, '-' = standard input) with the\n"
        "  model, as <s> words </s>; words the model lacks score as <unk> and are counted as OOV.\n"
        "  Prints the model's size and load time, sentences, words, OOVs, the total log10\n"
        "  probability, the perplexity 10^(-total / (words + sentences)) (</s> counted as a\n"
        "  word) and the time scoring took per word (wall clock and processor time).\n"
        "  --per-sentence     also print each sentence's log10 probability, a TAB and the\n"
        "                     sentence as scored (default: off)\n"
        "  --no-normalize     score the words as written instead of normalising each line as a\n"
        "                     transcript (default: normalise)\n"
        "\n"
        "  -h, --help         show this help\n"
        "\n"
        "ARPA files from KenLM, SRILM and MITLM (orders 1-5) load too, and gzip-compressed ones\n"
        "when hark was built with zlib. Exit status: 0 success, 1 failure, 2 usage error.\n"
        "\n"
        "examples:\n"
        "  hark lm build corpus.txt more.txt -o dictation.arpa --order 3\n"
        "  hark lm build big.txt -o small.arpa --vocab 64000 --prune 1\n"
        "  hark lm eval dictation.arpa held_out.txt\n");
}

/* ---- reading sentences ------------------------------------------------------------------- */

typedef struct sentences {
    char **v;
    size_t n, cap;
} sentences;

static void sentences_free(sentences *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int sentences_push(sentences *s, char *line)
{
    if (util_grow(&s->v, &s->cap, s->n + 1, sizeof *s->v, 1024))
        return -1;
    s->v[s->n++] = line;
    return 0;
}

/* Append every line of `path` ('-': stdin), normalised as a transcript unless `raw`. Returns 0,
 * or -1 after printing the error. */
static int read_lines(const char *sub, const char *path, int raw, sentences *out)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        cli_error(sub, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    int rc = 0;
    while (!rc && (len = getline(&line, &lcap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        size_t need = raw ? (size_t)len : hark_text_normalize(line, NULL, 0);
        char *s = malloc(need + 1);
        if (s && raw)
            memcpy(s, line, need + 1);
        else if (s)
            hark_text_normalize(line, s, need + 1);
        if (!s || sentences_push(out, s)) {
            free(s);
            cli_error(sub, "out of memory");
            rc = -1;
        }
    }
    if (!rc && ferror(f)) {
        cli_error(sub, "%s: read error: %s", path, strerror(errno));
        rc = -1;
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return rc;
}

/* ---- build ---------------------------------------------------------------------------------- */

enum { OPT_ORDER = 256, OPT_VOCAB, OPT_PRUNE, OPT_PER_SENTENCE, OPT_NO_NORMALIZE };

static int lm_build(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"order", required_argument, NULL, OPT_ORDER},
        {"vocab", required_argument, NULL, OPT_VOCAB}, {"prune", required_argument, NULL, OPT_PRUNE},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *out = NULL;
    hark_lm_build_params params = hark_lm_build_default_params();
    long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case OPT_ORDER:
            if (cli_parse_int("lm build", "--order", optarg, 1, HARK_LM_MAX_ORDER, &v))
                return CLI_USAGE;
            params.order = (int)v;
            break;
        case OPT_VOCAB:
            if (cli_parse_int("lm build", "--vocab", optarg, 0, INT32_MAX - 3, &v))
                return CLI_USAGE;
            params.max_vocab = (size_t)v;
            break;
        case OPT_PRUNE:
            if (cli_parse_int("lm build", "--prune", optarg, 0, 1000000, &v))
                return CLI_USAGE;
            params.prune = (unsigned)v;
            break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (!out || optind >= argc) {
        cli_error("lm build", !out ? "missing -o FILE.arpa" : "missing TEXT argument");
        return CLI_USAGE;
    }
    sentences s = {0};
    int rc = CLI_OK;
    for (int i = optind; i < argc && rc == CLI_OK; i++)
        if (read_lines("lm build", argv[i], 0, &s))
            rc = CLI_FAIL;
    if (rc == CLI_OK
        && hark_lm_build_with((const char *const *)s.v, s.n, &params, out) != HARK_OK) {
        cli_error("lm build", "%s", hark_last_error());
        rc = CLI_FAIL;
    }
    sentences_free(&s);
    return rc;
}

/* ---- eval ----------------------------------------------------------------------------------- */

/* The text as word ids, sentence after sentence; start[i] is where sentence i begins. */
typedef struct id_text {
    int32_t *ids;
    size_t n, cap;
    size_t *start; /* [sentences + 1] */
    size_t oovs;
} id_text;

static int id_push(id_text *t, int32_t id)
{
    if (util_grow(&t->ids, &t->cap, t->n + 1, sizeof *t->ids, 4096))
        return -1;
    t->ids[t->n++] = id;
    return 0;
}

/* Look every word up once, so the timed loop below measures scoring alone. */
static int to_ids(const hark_lm *lm, const sentences *s, id_text *t)
{
    if (!(t->start = malloc((s->n + 1) * sizeof *t->start)))
        return -1;
    for (size_t i = 0; i < s->n; i++) {
        t->start[i] = t->n;
        char *copy = strdup(s->v[i]), *save = NULL;
        if (!copy)
            return -1;
        for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
            t->oovs += !hark_lm_has_word(lm, w);
            if (id_push(t, hark_lm_word_id(lm, w))) {
                free(copy);
                return -1;
            }
        }
        free(copy);
    }
    t->start[s->n] = t->n;
    return 0;
}

/* log10 P(<s> words </s>) of each sentence into lp[]. */
static void score_all(const hark_lm *lm, const id_text *t, size_t n_sent, double *lp)
{
    for (size_t i = 0; i < n_sent; i++) {
        hark_lm_state st;
        hark_lm_begin(lm, &st);
        double sum = 0;
        for (size_t j = t->start[i]; j < t->start[i + 1]; j++)
            sum += hark_lm_score(lm, &st, t->ids[j], &st);
        lp[i] = sum + hark_lm_end(lm, &st);
    }
}

static void print_model(const char *path, const hark_lm *lm, double load_s, double load_cpu)
{
    printf("model        %s (order %d, %zu words", path, hark_lm_order(lm), hark_lm_vocab_size(lm));
    for (int k = 1; k <= hark_lm_order(lm); k++)
        printf(", %zu %d-grams", hark_lm_ngram_count(lm, k), k);
    printf(")\nloaded in    %.3f s (%.3f s of processor time)\n", load_s, load_cpu);
}

static int lm_eval(int argc, char **argv)
{
    static const struct option opts[] = {{"per-sentence", no_argument, NULL, OPT_PER_SENTENCE},
                                         {"no-normalize", no_argument, NULL, OPT_NO_NORMALIZE},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int per_sentence = 0, raw = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_PER_SENTENCE: per_sentence = 1; break;
        case OPT_NO_NORMALIZE: raw = 1; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (argc - optind != 2) {
        cli_error("lm eval", argc - optind < 2 ? "expected FILE.arpa and TEXT" : "too many arguments");
        return CLI_USAGE;
    }
    double t0 = util_now_seconds(), c0 = util_cpu_seconds();
    hark_lm *lm = hark_lm_load_arpa(argv[optind]);
    if (!lm) {
        cli_error("lm eval", "%s", hark_last_error());
        return CLI_FAIL;
    }
    double load_s = util_now_seconds() - t0, load_cpu = util_cpu_seconds() - c0;
    sentences s = {0};
    id_text t = {0};
    double *lp = NULL;
    int rc = read_lines("lm eval", argv[optind + 1], raw, &s) ? CLI_FAIL : CLI_OK;
    if (rc == CLI_OK && (to_ids(lm, &s, &t) || !(lp = malloc((s.n + 1) * sizeof *lp)))) {
        cli_error("lm eval", "out of memory");
        rc = CLI_FAIL;
    }
    if (rc == CLI_OK) {
        t0 = util_now_seconds();
        c0 = util_cpu_seconds();
        score_all(lm, &t, s.n, lp);
        double score_s = util_now_seconds() - t0, score_cpu = util_cpu_seconds() - c0, total = 0;
        for (size_t i = 0; i < s.n; i++) {
            total += lp[i];
            if (per_sentence)
                printf("%.6f\t%s\n", lp[i], s.v[i]);
        }
        size_t scored = t.n + s.n; /* every word and each </s> */
        print_model(argv[optind], lm, load_s, load_cpu);
        printf("sentences    %zu\nwords        %zu\nOOVs         %zu\n", s.n, t.n, t.oovs);
        printf("log10 prob   %.6f\n", total);
        printf("perplexity   %.4f\n", scored ? pow(10.0, -total / (double)scored) : 0.0);
        double per = scored ? 1e9 / (double)scored : 0.0;
        printf("scoring      %.1f ns per word, %.1f ns of processor time (%zu scores)\n",
               per * score_s, per * score_cpu, scored);
    }
    free(lp);
    free(t.ids);
    free(t.start);
    sentences_free(&s);
    hark_lm_free(lm);
    return rc;
}

int cmd_lm(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(argv[1], "build"))
        return lm_build(argc - 1, argv + 1);
    if (!strcmp(argv[1], "eval"))
        return lm_eval(argc - 1, argv + 1);
    cli_error("lm", "unknown subcommand '%s' (expected build or eval)", argv[1]);
    return CLI_USAGE;
}
