/* cli_decode.h - the beam-search options 'hark transcribe' and 'hark eval' share (--beam, --lm,
 * --lm-weight, --word-bonus, --hotword, --nbest): parsing, help text, building the decoder, and
 * decoding samples with it (cli_decode.c). */
#ifndef HARK_CLI_DECODE_H
#define HARK_CLI_DECODE_H

#include <getopt.h>

#include "cli/cli.h"

/* getopt_long ids of the options (above any short option character). */
enum {
    CLI_OPT_BEAM = 0x300,
    CLI_OPT_LM,
    CLI_OPT_LM_WEIGHT,
    CLI_OPT_WORD_BONUS,
    CLI_OPT_HOTWORD,
    CLI_OPT_NBEST
};

#define CLI_DECODE_LONGOPTS                                                                        \
    {"beam", required_argument, 0, CLI_OPT_BEAM}, {"lm", required_argument, 0, CLI_OPT_LM},       \
        {"lm-weight", required_argument, 0, CLI_OPT_LM_WEIGHT},                                    \
        {"word-bonus", required_argument, 0, CLI_OPT_WORD_BONUS},                                  \
        {"hotword", required_argument, 0, CLI_OPT_HOTWORD},                                        \
        {"nbest", required_argument, 0, CLI_OPT_NBEST}

/* The lines of --help that describe them. */
extern const char cli_decode_help[];

#define CLI_MAX_HOTWORDS 64

typedef struct cli_decode {
    int active;           /* a beam option was given: decode with the beam search */
    hark_decode_params p; /* from hark_decode_default_params, then the options */
    const char *lm_path;
    hark_hotword hotwords[CLI_MAX_HOTWORDS];
    char hotword_text[CLI_MAX_HOTWORDS][256]; /* normalised as transcripts are */
    hark_lm *lm;
    hark_decoder *dec;
} cli_decode;

void cli_decode_init(cli_decode *c);
/* Handle option `opt` if it is one of ours (nothing to free until cli_decode_setup): 1 handled, 0 not ours, -1 bad value (printed). */
int cli_decode_option(const char *sub, cli_decode *c, int opt, const char *arg);
/* Load the LM and build the decoder when active. raw: ignore the model's stored calibration
 * (for fitting a new one). Returns 0, or -1 after printing the error. */
int cli_decode_setup(const char *sub, cli_decode *c, const hark_model *m, int raw);
/* Decoding runs in the recognizer through hark_beam_plugin (hark/listener.h). */
void cli_decode_free(cli_decode *c);

#endif
