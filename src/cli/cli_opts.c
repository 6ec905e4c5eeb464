/* cli_opts.c - the table-driven option parser and the shared option tables (see cli_opts.h). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"

/* ---- the shared tables ---------------------------------------------------------------------- */

static const char *const window_names[] = {"povey", "hamming", "hann", "rectangular", NULL};
static const char *const cmvn_names[] = {"none", "utterance", "global", "live", NULL};

#define F(field) offsetof(hark_mfcc_config, field)
static const cli_opt feature_rows[] = {
    {"sample-rate", 0, NULL, "HZ", "feature sample rate; audio is resampled to it", CLI_OPT_INT,
     HARK_AUDIO_MIN_RATE, HARK_AUDIO_MAX_RATE, F(sample_rate), NULL, 0, NULL, NULL},
    {"frame-length", 0, NULL, "MS", "analysis window", CLI_OPT_FLOAT, 0.01, 1000,
     F(frame_length_ms), NULL, 0, NULL, NULL},
    {"frame-shift", 0, NULL, "MS", "hop between frames", CLI_OPT_FLOAT, 0.01, 1000,
     F(frame_shift_ms), NULL, 0, NULL, NULL},
    {"dither", 0, NULL, "X", "Gaussian dither std, in input-scale units", CLI_OPT_FLOAT, 0, 1e6,
     F(dither), NULL, 0, NULL, NULL},
    {"dither-seed", 0, NULL, "N", "seed of the dither noise", CLI_OPT_SEED, 0, 0, F(dither_seed),
     NULL, 0, NULL, NULL},
    {"input-scale", 0, NULL, "X", "samples in [-1,1] are multiplied by X first", CLI_OPT_FLOAT,
     1e-9, 1e9, F(input_scale), NULL, 0, NULL, NULL},
    {"preemphasis", 0, NULL, "K", "pre-emphasis coefficient, 0 disables", CLI_OPT_FLOAT, 0, 1,
     F(preemphasis), NULL, 0, NULL, NULL},
    {"remove-dc", 0, NULL, "0|1", "subtract each frame's mean", CLI_OPT_INT, 0, 1, F(remove_dc),
     NULL, 0, NULL, NULL},
    {"window", 0, NULL, "NAME", "povey, hamming, hann or rectangular", CLI_OPT_ENUM, 0, 0,
     F(window), window_names, 0, NULL, NULL},
    {"fft-size", 0, NULL, "N", "FFT length, 0 = next power of two >= frame", CLI_OPT_INT, 0,
     65536, F(fft_size), NULL, 0, NULL, NULL},
    {"mel-bins", 0, "num-mel-bins", "N", "triangular mel filters", CLI_OPT_INT, 3, 256,
     F(num_mel_bins), NULL, 0, NULL, NULL},
    {"low-freq", 0, NULL, "HZ", "low edge of the mel filters", CLI_OPT_FLOAT, 0, 192000,
     F(low_freq), NULL, 0, NULL, NULL},
    {"high-freq", 0, NULL, "HZ", "high edge; <= 0 is an offset from Nyquist", CLI_OPT_FLOAT,
     -192000, 192000, F(high_freq), NULL, 0, NULL, NULL},
    {"use-energy", 0, NULL, "0|1", "replace c0 by the log energy", CLI_OPT_INT, 0, 1,
     F(use_energy), NULL, 0, NULL, NULL},
    {"raw-energy", 0, NULL, "0|1", "energy before pre-emphasis and window", CLI_OPT_INT, 0, 1,
     F(raw_energy), NULL, 0, NULL, NULL},
    {"energy-floor", 0, NULL, "X", "floor on the energy, 0 = none", CLI_OPT_FLOAT, 0, 1e30,
     F(energy_floor), NULL, 0, NULL, NULL},
    {"ceps", 0, "num-ceps", "N", "cepstra kept, c0 included", CLI_OPT_INT, 1, HARK_MFCC_MAX_CEPS,
     F(num_ceps), NULL, 0, NULL, NULL},
    {"lifter", 0, NULL, "Q", "cepstral liftering, 0 disables", CLI_OPT_FLOAT, 0, 1e6,
     F(cepstral_lifter), NULL, 0, NULL, NULL},
    {"deltas", 0, NULL, "N", "0 none, 1 deltas, 2 deltas and delta-deltas", CLI_OPT_INT, 0, 2,
     F(delta_order), NULL, 0, NULL, NULL},
    {"delta-window", 0, NULL, "N", "frames on each side for deltas", CLI_OPT_INT, 1, 10,
     F(delta_window), NULL, 0, NULL, NULL},
};
static const cli_opt cmvn_rows[] = {
    {"cmvn", 0, NULL, "MODE", "none, utterance, global or live (statistics from -m)",
     CLI_OPT_ENUM, 0, 0, F(cmvn), cmvn_names, 0, NULL, NULL},
    {"cmvn-variance", 0, NULL, "0|1", "utterance CMVN also scales to unit variance", CLI_OPT_INT,
     0, 1, F(cmvn_variance), NULL, 0, NULL, NULL},
    {"cmvn-window", 0, NULL, "N", "live CMVN: frames of history in the running mean", CLI_OPT_INT,
     1, HARK_MFCC_MAX_CMVN_WINDOW, F(cmvn_window), NULL, 0, NULL, NULL},
    {"cmvn-min-window", 0, NULL, "N", "live CMVN: frames the mean waits for at the start",
     CLI_OPT_INT, 1, HARK_MFCC_MAX_CMVN_WINDOW, F(cmvn_min_window), NULL, 0, NULL, NULL},
};
#undef F

#define D(field) offsetof(cli_dec, field)
static const cli_opt decode_rows[] = {
    {"closed", 0, NULL, NULL, "decode as a grammar of the model's training phrases (digit and "
     "command models) instead of open vocabulary", CLI_OPT_FLAG, 1, 1, D(closed), NULL,
     0, "off", NULL},
    {"phrases", 0, NULL, "FILE", "decode under a grammar of the phrases in FILE, one per line",
     CLI_OPT_STRING, 0, 0, D(phrases), NULL, CLI_FOR_TRANSCRIBE | CLI_FOR_EVAL, "none", NULL},
    {"intents", 0, NULL, "FILE", "decode under the grammar of an intent file (e.g. "
     "models/assistant.ini): the intent and slots the best path carries come out too, \"none\" "
     "for speech outside the grammar, no intent for silence (text: TRANSCRIPT<TAB>INTENT<TAB>"
     "SLOTS; json: an \"intent\" object as 'hark intent --json' prints; eval: the count of "
     "rejected utterances and the grammar decoding's RTF)", CLI_OPT_STRING, 0, 0, D(intents),
     NULL, CLI_FOR_TRANSCRIBE | CLI_FOR_EVAL, "none", NULL},
    {"reject", 0, NULL, "X", "with --intents/--phrases: reject (intent \"none\") when the grammar "
     "path is more than X nats per speech frame below the unconstrained path (plus the model's "
     "weight times the share of the speech outside the path's words); negative: never",
     CLI_OPT_DOUBLE, -1e9, 1e9, D(reject), NULL, CLI_FOR_TRANSCRIBE | CLI_FOR_EVAL,
     "the model's calibrated value, else 0.5", NULL},
    {"max-segment", 0, NULL, "S", "files longer than S seconds are cut at pauses into segments "
     "of at most S seconds, decoded one by one with bounded memory; times stay in file time, "
     "subtitle cues follow segments", CLI_OPT_DOUBLE, 1, 3600, D(max_segment), NULL,
     CLI_FOR_TRANSCRIBE, NULL, NULL},
    {"speech-margin", 0, NULL, "MS", "decode each file (each segment) from MS milliseconds before "
     "the first sound the voice activity detector takes for speech to MS after the last, as the "
     "microphone's endpointer does; a second of silence before a word costs the network much "
     "(docs/listen.md); negative: decode all of it", CLI_OPT_LONG, -1, 10000, D(speech_margin),
     NULL, CLI_FOR_TRANSCRIBE | CLI_FOR_EVAL, NULL, NULL},
    {"threads", 0, NULL, "N", "OpenBLAS threads", CLI_OPT_LONG, 1, 256, D(threads), NULL,
     CLI_FOR_TRANSCRIBE | CLI_FOR_EVAL, NULL, NULL},
};
#undef D

const cli_opt_table cli_feature_opts = {feature_rows, sizeof feature_rows / sizeof *feature_rows};
const cli_opt_table cli_cmvn_opts = {cmvn_rows, sizeof cmvn_rows / sizeof *cmvn_rows};
const cli_opt_table cli_dec_opts = {decode_rows, sizeof decode_rows / sizeof *decode_rows};

cli_dec cli_dec_defaults(void)
{
    cli_dec d = {0, NULL, NULL, NAN, 15, HARK_SPEECH_MARGIN_MS, 1};
    return d;
}

/* ---- the parser ------------------------------------------------------------------------------ */

static int applies(const cli_opt *o, unsigned cmd) { return !o->for_cmds || (o->for_cmds & cmd); }

void cli_parser_init(cli_parser *p, const char *sub, unsigned cmd, const struct option *own,
                     const char *own_shorts, const cli_opt_table *const *tables, size_t n)
{
    memset(p, 0, sizeof *p);
    p->sub = sub;
    p->cmd = cmd;
    snprintf(p->shortopts, sizeof p->shortopts, "%s", own_shorts ? own_shorts : "");
    size_t k = 0;
    for (; own && own[k].name; k++)
        p->longopts[k] = own[k];
    for (size_t t = 0; t < n; t++) {
        for (size_t i = 0; i < tables[t]->n && p->n_rows < CLI_MAX_TABLE_OPTS; i++) {
            const cli_opt *o = &tables[t]->rows[i];
            if (!applies(o, cmd))
                continue;
            int code = CLI_OPT_CODE + (int)p->n_rows;
            int has_arg = o->kind == CLI_OPT_FLAG ? no_argument : required_argument;
            p->longopts[k++] = (struct option){o->name, has_arg, NULL, code};
            if (o->alias)
                p->longopts[k++] = (struct option){o->alias, has_arg, NULL, code};
            p->rows[p->n_rows] = o;
            p->row_table[p->n_rows++] = tables[t];
            size_t len = strlen(p->shortopts);
            if (o->short_name && len + 3 < sizeof p->shortopts) {
                p->shortopts[len++] = (char)o->short_name;
                if (o->kind != CLI_OPT_FLAG)
                    p->shortopts[len++] = ':';
                p->shortopts[len] = '\0';
            }
        }
    }
    p->longopts[k] = (struct option){0, 0, 0, 0};
}

int cli_parser_take(cli_parser *p, int code, const char *arg)
{
    for (size_t i = 0; code > 0 && code < 128 && i < p->n_rows; i++)
        if (p->rows[i]->short_name == code)
            code = CLI_OPT_CODE + (int)i;
    if (code < CLI_OPT_CODE || code >= CLI_OPT_CODE + (int)p->n_rows)
        return 0;
    size_t row = (size_t)(code - CLI_OPT_CODE);
    p->val[row] = arg ? arg : "";
    if (p->rows[row]->kind == CLI_OPT_CALL) {
        if (p->n_rep == CLI_MAX_REPEATS) {
            p->rep_overflow = 1;
            return 1;
        }
        p->rep_row[p->n_rep] = row;
        p->rep_val[p->n_rep++] = p->val[row];
    }
    return 1;
}

int cli_parser_given(const cli_parser *p, const char *name)
{
    for (size_t i = 0; i < p->n_rows; i++)
        if (!strcmp(p->rows[i]->name, name))
            return p->val[i] != NULL;
    return 0;
}

const char *cli_parser_first(const cli_parser *p, const cli_opt_table *table)
{
    for (size_t i = 0; i < p->n_rows; i++)
        if (p->row_table[i] == table && p->val[i])
            return p->rows[i]->name;
    return NULL;
}

int cli_opts_exclusive(const char *sub, const char *const *given, size_t n)
{
    const char *first = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!given[i])
            continue;
        if (first) {
            cli_error(sub, "--%s and --%s exclude each other", first, given[i]);
            return -1;
        }
        first = given[i];
    }
    return 0;
}

static int parse_seed(const char *sub, const char *flag, const char *v, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long u = strtoull(v, &end, 10);
    if (errno || end == v || *end || *v == '-') {
        cli_error(sub, "%s expects a whole number from 0 to 2^64-1, got '%s'", flag, v);
        return -1;
    }
    *out = (uint64_t)u;
    return 0;
}

/* Set the field an option names from its text; prints the error and returns -1 if invalid. */
static int apply_one(const char *sub, const cli_opt *o, const char *v, void *target)
{
    char flag[48];
    snprintf(flag, sizeof flag, "--%s", o->name);
    void *f = (char *)target + o->off;
    long l;
    double d;
    switch (o->kind) {
    case CLI_OPT_INT:
    case CLI_OPT_LONG:
        if (cli_parse_int(sub, flag, v, (long)o->lo, (long)o->hi, &l))
            return -1;
        if (o->kind == CLI_OPT_INT)
            *(int *)f = (int)l;
        else
            *(long *)f = l;
        return 0;
    case CLI_OPT_FLOAT:
    case CLI_OPT_DOUBLE:
        if (cli_parse_float(sub, flag, v, o->lo, o->hi, &d))
            return -1;
        if (o->kind == CLI_OPT_FLOAT)
            *(float *)f = (float)d;
        else
            *(double *)f = d;
        return 0;
    case CLI_OPT_SEED: return parse_seed(sub, flag, v, (uint64_t *)f);
    case CLI_OPT_ENUM:
        for (int i = 0; o->names[i]; i++)
            if (!strcmp(v, o->names[i])) {
                *(int *)f = i;
                return 0;
            }
        cli_error(sub, "%s: unknown value '%s'", flag, v);
        return -1;
    case CLI_OPT_FLAG: *(int *)f = (int)o->lo; return 0;
    case CLI_OPT_STRING: *(const char **)f = v; return 0;
    case CLI_OPT_CALL: return o->call(sub, v, f) != 0 ? -1 : 0;
    }
    return -1;
}

/* Single-valued rows take their last value; repeatable ones every value, in command-line order. */
int cli_parser_apply(const cli_parser *p, const cli_opt_table *table, void *target)
{
    for (size_t i = 0; i < p->n_rows; i++)
        if (p->row_table[i] == table && p->val[i] && p->rows[i]->kind != CLI_OPT_CALL &&
            apply_one(p->sub, p->rows[i], p->val[i], target) != 0)
            return -1;
    for (size_t k = 0; k < p->n_rep; k++) {
        const cli_opt *o = p->rows[p->rep_row[k]];
        if (p->row_table[p->rep_row[k]] != table)
            continue;
        if (p->rep_overflow) {
            cli_error(p->sub, "more than %d repeated options such as --%s", CLI_MAX_REPEATS,
                      o->name);
            return -1;
        }
        if (apply_one(p->sub, o, p->rep_val[k], target) != 0)
            return -1;
    }
    return 0;
}

/* ---- help -------------------------------------------------------------------------------------- */

static void print_default(FILE *f, const cli_opt *o, const void *defaults)
{
    const void *v = (const char *)defaults + o->off;
    if (o->default_text) {
        fputs(o->default_text, f);
        return;
    }
    switch (o->kind) {
    case CLI_OPT_INT: fprintf(f, "%d", *(const int *)v); break;
    case CLI_OPT_LONG: fprintf(f, "%ld", *(const long *)v); break;
    case CLI_OPT_FLOAT: fprintf(f, "%g", (double)*(const float *)v); break;
    case CLI_OPT_DOUBLE: fprintf(f, "%g", *(const double *)v); break;
    case CLI_OPT_SEED: fprintf(f, "%llu", (unsigned long long)*(const uint64_t *)v); break;
    case CLI_OPT_ENUM: fputs(o->names[*(const int *)v], f); break;
    case CLI_OPT_FLAG: fputs(*(const int *)v == (int)o->lo ? "on" : "off", f); break;
    case CLI_OPT_STRING: fputs(*(const char *const *)v ? *(const char *const *)v : "none", f); break;
    case CLI_OPT_CALL: fputs("none", f); break;
    }
}

/* Bounds this far out only guard against nonsense: --help leaves them out. */
#define CLI_OPEN_BOUND 1e6

/* " (range LO..HI)" (or ">= LO", "<= HI") for numeric rows; " (repeatable)" for CALL rows. */
static void print_range(FILE *f, const cli_opt *o)
{
    switch (o->kind) {
    case CLI_OPT_INT:
    case CLI_OPT_LONG:
    case CLI_OPT_FLOAT:
    case CLI_OPT_DOUBLE: break;
    case CLI_OPT_CALL: fputs(" (repeatable)", f); return;
    default: return;
    }
    int lo = fabs(o->lo) < CLI_OPEN_BOUND, hi = fabs(o->hi) < CLI_OPEN_BOUND;
    if (lo && hi)
        fprintf(f, " (range %g..%g)", o->lo, o->hi);
    else if (lo)
        fprintf(f, " (range >= %g)", o->lo);
    else if (hi)
        fprintf(f, " (range <= %g)", o->hi);
}

/* Write `text` from column `col` on, wrapped before column 100, continuation lines at `indent`.
 * A word starting with '-' stays on the line of the word before it ("(also --num-ceps)",
 * "(range -100..100)"), so that no continuation line looks like an option of its own. */
static void wrap(FILE *f, const char *text, int col, int indent)
{
    const char *w = text;
    int first = 1;
    while (*w) {
        while (*w == ' ')
            w++;
        size_t len = strcspn(w, " ");
        if (!len)
            break;
        const char *next = w + len + strspn(w + len, " ");
        size_t keep = *next == '-' ? 1 + strcspn(next, " ") : 0; /* what must follow on this line */
        if (!first && *w != '-' && col + 1 + (int)(len + keep) > 100) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        } else if (!first) {
            fputc(' ', f);
            col++;
        }
        first = 0;
        fwrite(w, 1, len, f);
        col += (int)len;
        w += len;
    }
    fputc('\n', f);
}

void cli_opts_help(FILE *f, const cli_opt_table *table, unsigned cmd, const void *defaults)
{
    for (size_t i = 0; i < table->n; i++) {
        const cli_opt *o = &table->rows[i];
        if (!applies(o, cmd))
            continue;
        char flag[64], shortf[8] = "    ", text[1024];
        if (o->short_name)
            snprintf(shortf, sizeof shortf, "-%c, ", o->short_name);
        int n = snprintf(flag, sizeof flag, "  %s--%s%s%s", shortf, o->name, o->arg ? " " : "",
                         o->arg ? o->arg : "");
        /* help (default: X) (range ...) (also --alias), assembled to be wrapped as one text */
        FILE *mem = fmemopen(text, sizeof text, "w");
        if (!mem) {
            snprintf(text, sizeof text, "%s", o->help);
        } else {
            fprintf(mem, "%s (default: ", o->help);
            print_default(mem, o, defaults);
            fputc(')', mem);
            print_range(mem, o);
            if (o->alias)
                fprintf(mem, " (also --%s)", o->alias);
            fclose(mem);
        }
        fprintf(f, "%-27s ", flag);
        wrap(f, text, (n < 27 ? 27 : n) + 1, 28);
    }
}
