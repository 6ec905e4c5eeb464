/* cli_decode.c - the beam-search options of 'hark transcribe' and 'hark eval' (see
 * cli_decode.h). */
#include <stdlib.h>
#include <string.h>

#include "cli/cli_decode.h"

const char cli_decode_help[] =
    "  --beam N            decode with a CTC prefix beam search keeping N hypotheses\n"
    "                      (default: greedy decoding; 16 when another option below is given)\n"
    "  --lm FILE.arpa      word n-gram language model (ARPA); only its words are recognised\n"
    "                      (default: none, free spelling)\n"
    "  --lm-weight W       weight of the LM's log probability (default: 0.5)\n"
    "  --word-bonus B      log-score bonus per word, with --lm (default: 1.0)\n"
    "  --hotword WORD[:BOOST]  favour a word or phrase by BOOST (natural log, default: 5);\n"
    "                      repeatable (default: none)\n"
    "  --nbest N           alternatives in the JSON n-best list (default: 1)\n";

void cli_decode_init(cli_decode *c)
{
    memset(c, 0, sizeof *c);
    c->p = hark_decode_default_params();
}

static int add_hotword(const char *sub, cli_decode *c, const char *arg)
{
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
    return 1;
}

int cli_decode_option(const char *sub, cli_decode *c, int opt, const char *arg)
{
    long v;
    double f;
    switch (opt) {
    case CLI_OPT_BEAM:
        if (cli_parse_int(sub, "--beam", arg, 1, 4096, &v))
            return -1;
        c->p.beam = (int)v;
        break;
    case CLI_OPT_LM: c->lm_path = arg; break;
    case CLI_OPT_LM_WEIGHT:
        if (cli_parse_float(sub, "--lm-weight", arg, 0, 100, &f))
            return -1;
        c->p.lm_weight = (float)f;
        break;
    case CLI_OPT_WORD_BONUS:
        if (cli_parse_float(sub, "--word-bonus", arg, -100, 100, &f))
            return -1;
        c->p.word_bonus = (float)f;
        break;
    case CLI_OPT_HOTWORD:
        if (add_hotword(sub, c, arg) < 0)
            return -1;
        break;
    case CLI_OPT_NBEST:
        if (cli_parse_int(sub, "--nbest", arg, 1, 4096, &v))
            return -1;
        c->p.nbest = (int)v;
        break;
    default: return 0;
    }
    c->active = 1;
    return 1;
}

int cli_decode_setup(const char *sub, cli_decode *c, const hark_model *m, int raw)
{
    if (!c->active)
        return 0;
    if (c->p.nbest > c->p.beam) {
        cli_error(sub, "--nbest %d is larger than --beam %d", c->p.nbest, c->p.beam);
        return -1;
    }
    if (c->lm_path && !(c->lm = hark_lm_load_arpa(c->lm_path))) {
        cli_error(sub, "%s", hark_last_error());
        return -1;
    }
    c->p.lm = c->lm;
    c->dec = raw ? hark_decoder_create(hark_model_alphabet(m), NULL, &c->p)
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
