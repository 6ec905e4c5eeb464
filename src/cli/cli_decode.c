/* cli_decode.c - the beam-search options of 'hark transcribe', 'hark eval' and 'hark listen'
 * (see cli_decode.h): their table rows, how they combine, and the decoder they build. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_decode.h"

static int add_hotword(const char *sub, const char *arg, void *target)
{
    cli_decode *c = target;
    size_t k = c->p.n_hotwords;
    if (k == CLI_MAX_HOTWORDS) {
        cli_error(sub, "at most %d --hotword options", CLI_MAX_HOTWORDS);
        return -1;
    }
    char phrase[512];
    float boost;
    if (hark_hotword_parse(arg, phrase, sizeof phrase, &boost) != HARK_OK) {
        cli_error(sub, "--hotword: %s", hark_last_error());
        return -1;
    }
    char *norm = c->hotword_text[k];
    if (hark_text_normalize(phrase, norm, sizeof c->hotword_text[k]) >= sizeof c->hotword_text[k]
        || !norm[0]) {
        cli_error(sub, "--hotword '%s': too long, or no word after normalising", arg);
        return -1;
    }
    c->hotwords[k] = (hark_hotword){norm, boost};
    c->p.hotwords = c->hotwords;
    c->p.n_hotwords = k + 1;
    return 0;
}

/* Ranges are hark_decode_params' (checked again by hark_decoder_create). */
#define B(field) offsetof(cli_decode, field)
static const cli_opt beam_rows[] = {
    {"beam", 0, NULL, "N", "hypotheses kept per frame", CLI_OPT_INT, 1, 4096, B(p.beam), NULL, 0,
     "greedy decoding; 16 when another beam-search option is given", NULL},
    {"lm", 0, NULL, "FILE", "word n-gram language model (ARPA); only its words are recognised",
     CLI_OPT_STRING, 0, 0, B(lm_path), NULL, 0, "none, free spelling", NULL},
    {"lm-weight", 0, NULL, "W", "weight of the LM's natural-log probability (with --lm, or a "
     "phone model's word prior)", CLI_OPT_FLOAT, 0, 100, B(p.lm_weight), NULL, 0, NULL, NULL},
    {"word-bonus", 0, NULL, "B", "log-score bonus per word (with --lm, or a phone model's word "
     "prior)", CLI_OPT_FLOAT, -100, 100, B(p.word_bonus), NULL, 0, NULL, NULL},
    {"hotword", 0, NULL, "WORD[:BOOST]", "favour a word or phrase by BOOST, natural log in "
     "(0, 100], 5 when not given", CLI_OPT_CALL, 0, 0, 0, NULL, 0, NULL, add_hotword},
    {"nbest", 0, NULL, "N", "alternatives in the n-best list of --format json, at most --beam",
     CLI_OPT_INT, 1, 4096, B(p.nbest), NULL, CLI_FOR_TRANSCRIBE, NULL, NULL},
    {"prune-top-k", 0, NULL, "K", "units (besides blank) tried per frame, most likely first; 0: "
     "all", CLI_OPT_INT, 0, 4096, B(p.prune_top_k), NULL, 0, NULL, NULL},
    {"prune-logprob", 0, NULL, "L", "units whose log-posterior at a frame is below L are not "
     "tried there", CLI_OPT_FLOAT, -1e9, 0, B(p.prune_logprob), NULL, 0, NULL, NULL},
};
#undef B

const cli_opt_table cli_beam_opts = {beam_rows, sizeof beam_rows / sizeof *beam_rows};

void cli_decode_init(cli_decode *c)
{
    memset(c, 0, sizeof *c);
    c->p = hark_decode_default_params();
}

void cli_decode_help(FILE *f, unsigned cmd)
{
    cli_decode d;
    cli_decode_init(&d);
    fputs("\nbeam search (CTC prefix beam search, see docs/decoding.md; any of these options turns "
          "it on):\n", f);
    cli_opts_help(f, &cli_beam_opts, cmd, &d);
}

int cli_decode_apply(const char *sub, const cli_parser *P, cli_decode *c)
{
    if (cli_parser_apply(P, &cli_beam_opts, c) != 0)
        return -1;
    c->active = cli_parser_first(P, &cli_beam_opts) != NULL;
    if (c->p.nbest > c->p.beam) {
        cli_error(sub, "--nbest %d is larger than --beam %d%s", c->p.nbest, c->p.beam,
                  cli_parser_given(P, "beam") ? "" : " (its default)");
        return -1;
    }
    static const char *const lm_only[] = {"lm-weight", "word-bonus"};
    for (size_t i = 0; i < sizeof lm_only / sizeof *lm_only; i++)
        if (cli_parser_given(P, lm_only[i]))
            c->lm_opt = lm_only[i];
    return 0;
}

int cli_decode_check_modes(const char *sub, const cli_parser *P, const char *beam_opt)
{
    static const char *const grammar[] = {"closed", "phrases", "intents"};
    const char *given[4] = {NULL, NULL, NULL, beam_opt};
    for (size_t i = 0; i < 3; i++)
        given[i] = cli_parser_given(P, grammar[i]) ? grammar[i] : NULL;
    if (cli_opts_exclusive(sub, given, 4) != 0)
        return -1;
    if (cli_parser_given(P, "reject") && !given[1] && !given[2]) {
        cli_error(sub, "--reject has no effect without --intents or --phrases");
        return -1;
    }
    return 0;
}

int cli_decode_check_model(const char *sub, const cli_decode *c, const hark_model *m)
{
    /* Without --lm only a phone model's word prior (its training word counts) is weighted. */
    if (!c->lm_opt || c->lm_path ||
        (hark_units_kind(hark_model_units(m)) == HARK_UNITS_PHONES &&
         hark_model_get_meta(m, HARK_WORD_COUNTS_META)))
        return 0;
    cli_error(sub, "--%s has no effect without --lm (or a phone model's word counts)", c->lm_opt);
    return -1;
}

int cli_decode_setup(const char *sub, cli_decode *c, const hark_model *m, int raw)
{
    if (!c->active)
        return 0;
    if (cli_decode_check_model(sub, c, m) != 0)
        return -1;
    if (c->lm_path && !(c->lm = hark_lm_load_arpa(c->lm_path))) {
        cli_error(sub, "%s", hark_last_error());
        return -1;
    }
    c->p.lm = c->lm;
    /* raw: without the model's calibration, but the same search. */
    c->dec = raw ? hark_decoder_create_for_model_raw(m, NULL, &c->p)
                 : hark_decoder_create_for_model(m, NULL, &c->p);
    if (!c->dec) {
        cli_error(sub, "%s", hark_last_error());
        return -1;
    }
    return 0;
}

void cli_decode_free(cli_decode *c)
{
    hark_decoder_free(c->dec);
    hark_lm_free(c->lm);
    memset(c, 0, sizeof *c);
}
