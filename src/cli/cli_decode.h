/* cli_decode.h - the beam-search options 'hark transcribe', 'hark eval' and 'hark listen' share
 * (--beam, --lm, --lm-weight, --word-bonus, --hotword, --nbest, --prune-top-k, --prune-logprob):
 * their rows of the table-driven parser (cli_opts.h), the checks of how they combine with each
 * other and with the other decoders, and building the decoder (cli_decode.c). */
#ifndef HARK_CLI_DECODE_H
#define HARK_CLI_DECODE_H

#include "cli/cli.h"
#include "cli/cli_opts.h"

#define CLI_MAX_HOTWORDS 64

typedef struct cli_decode {
    int active;           /* a beam option was given: decode with the beam search */
    hark_decode_params p; /* from hark_decode_default_params, then the options */
    const char *lm_path;
    const char *lm_opt;   /* an LM-only option given (--lm-weight, --word-bonus), else NULL */
    hark_hotword hotwords[CLI_MAX_HOTWORDS];
    char hotword_text[CLI_MAX_HOTWORDS][256]; /* normalised as transcripts are */
    hark_lm *lm;
    hark_decoder *dec;
} cli_decode;

/* The rows; their target is a cli_decode. Every command that decodes includes this table, so the
 * options and their --help lines are the same everywhere (--nbest: transcribe only, the one
 * command that prints an n-best list). */
extern const cli_opt_table cli_beam_opts;

void cli_decode_init(cli_decode *c);
/* The --help lines of the rows that apply to command `cmd`, under a heading, with defaults. */
void cli_decode_help(FILE *f, unsigned cmd);
/* After parsing: apply the given rows to c, turn the search on when any was given, and refuse
 * (usage errors, before any model is loaded) what cannot mean anything: --nbest above --beam.
 * 0, or -1 after printing the error. */
int cli_decode_apply(const char *sub, const cli_parser *P, cli_decode *c);
/* transcribe and eval: --closed, --phrases, --intents and the beam search each pick the decoder,
 * so at most one may be given (beam_opt: the option that turned the beam search on, or NULL);
 * --reject needs --intents or --phrases. 0, or -1 after printing the usage error. */
int cli_decode_check_modes(const char *sub, const cli_parser *P, const char *beam_opt);
/* Once the model is loaded: --lm-weight and --word-bonus need --lm, or a phone model with word
 * counts (its word prior). 0, or -1 after printing the error. */
int cli_decode_check_model(const char *sub, const cli_decode *c, const hark_model *m);
/* cli_decode_check_model, then load the LM and build the decoder when active. raw: ignore the
 * model's stored calibration (for fitting a new one). Returns 0, or -1 after printing the
 * error. */
int cli_decode_setup(const char *sub, cli_decode *c, const hark_model *m, int raw);
/* Decoding runs in the recognizer through hark_beam_plugin (hark/listener.h). */
void cli_decode_free(cli_decode *c);

#endif
