/* cli.h - shared pieces of the hark program: subcommand entry points, progress bars, paths.
 * Only the CLI prints or exits; library calls return a hark_status. */
#ifndef HARK_CLI_H
#define HARK_CLI_H

#include <stdio.h>

#include "core/util.h" /* util_now_seconds, the library's monotonic clock */
#include "hark.h"

/* Exit codes shared by every subcommand. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Subcommands: each parses its own options (getopt_long, with --help) and returns an exit code.
 * argv[0] is the subcommand name. */
int cmd_transcribe(int argc, char **argv);
int cmd_listen(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_intent(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_data(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_lm(int argc, char **argv);
int cmd_info(int argc, char **argv);

/* Print "hark SUB: message" to stderr (the one error line users see). */
void cli_error(const char *sub, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Resolve a shipped data file (e.g. "models/default.hark", "models/assistant.ini"): first in
 * the program's own prefix (bin/../share/hark), then in the source tree when this is the build
 * tree's program, then in the configured install data directory. Returns a malloc'd path or
 * NULL when not found. */
char *cli_find_data(const char *relpath);

/* The default model path: $HARK_MODEL, else models/default.hark, else models/digits.hark.
 * Returns malloc'd path or NULL. */
char *cli_default_model(void);

/* A progress bar on stderr, redrawn in place when stderr is a terminal and printed at most every
 * few seconds otherwise. `extra` is free text shown after the bar (loss, rate...). */
typedef struct cli_progress {
    const char *label;
    double total;      /* units of work (0: unknown) */
    double start_time; /* seconds, monotonic */
    double last_draw;
    int tty;
} cli_progress;

void cli_progress_start(cli_progress *p, const char *label, double total);
void cli_progress_update(cli_progress *p, double done, const char *extra);
void cli_progress_end(cli_progress *p);

/* Parse a positive integer / float option value; print an error and return -1 on failure. */
int cli_parse_int(const char *sub, const char *opt, const char *s, long lo, long hi, long *out);
int cli_parse_float(const char *sub, const char *opt, const char *s, double lo, double hi, double *out);
/* Parse "MIN:MAX" (integers when `integer`) within [lo, hi] with MIN <= MAX; print an error
 * and return -1 on failure. */
int cli_parse_range(const char *sub, const char *opt, const char *s, double lo, double hi,
                    int integer, double *a, double *b);

/* Closed vocabulary for 'transcribe' and 'eval' (cli_phrases.c). */
typedef struct cli_phrase_list {
    char **v;
    size_t n;
} cli_phrase_list;

/* Set the recognizer's phrases from --phrases FILE (read into *p) or, when `closed`, from the
 * model's own training phrases; nothing when neither is given. Returns 0, or -1 after printing
 * the error. */
int cli_phrases_apply(const char *sub, hark_recognizer *r, const hark_model *m, const char *file,
                      int closed, cli_phrase_list *p);
void cli_phrases_free(cli_phrase_list *p);
/* Read a phrase list (normalised; '#' comment lines and blank lines skipped) into *p. */
int cli_phrases_read(const char *sub, const char *path, cli_phrase_list *p);

#endif
