/* cli_opts.h - one table-driven parser for the options several commands share (features,
 * decoding, segmentation) and for a command's own tables. Each option is a row: long name,
 * short letter, an older spelling kept as an alias, argument name, help text, how to parse it
 * and the field it sets. The same rows build getopt_long's array, check and apply the values,
 * and print --help with every option's default and range, so a setting has one name everywhere
 * ('hark train --ceps' and 'hark features --ceps'; '--num-ceps' stays as an alias). Repeatable
 * options (--hotword) are CLI_OPT_CALL rows: a handler takes each occurrence in order. */
#ifndef HARK_CLI_OPTS_H
#define HARK_CLI_OPTS_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

typedef enum {
    CLI_OPT_INT,    /* int field, within [lo, hi] */
    CLI_OPT_LONG,   /* long field, within [lo, hi] */
    CLI_OPT_FLOAT,  /* float field, within [lo, hi] */
    CLI_OPT_DOUBLE, /* double field, within [lo, hi] */
    CLI_OPT_SEED,   /* uint64_t field, any whole number */
    CLI_OPT_ENUM,   /* int field: the index of the value in names[] */
    CLI_OPT_FLAG,   /* int field set to lo (usually 1) when given; takes no argument */
    CLI_OPT_STRING, /* const char * field: the argument itself */
    CLI_OPT_CALL    /* repeatable: call(sub, arg, field) once per occurrence, in order */
} cli_opt_kind;

/* Which commands an option of a shared table applies to. */
enum {
    CLI_FOR_TRANSCRIBE = 1, CLI_FOR_EVAL = 2, CLI_FOR_LISTEN = 4, CLI_FOR_TRAIN = 8,
    CLI_FOR_FEATURES = 16, CLI_FOR_ALL = 31
};

/* A CLI_OPT_CALL row's handler: take one occurrence's argument into `field` (the target plus the
 * row's offset). 0, or -1 after printing the error. */
typedef int (*cli_opt_fn)(const char *sub, const char *arg, void *field);

typedef struct cli_opt {
    const char *name;        /* long name, without "--" */
    int short_name;          /* 0: none */
    const char *alias;       /* an older spelling still accepted, or NULL */
    const char *arg;         /* argument name in --help; NULL for flags */
    const char *help;        /* one line; " (default: X)" is added from the defaults */
    cli_opt_kind kind;
    double lo, hi;
    size_t off;              /* offset of the field in the table's target struct */
    const char *const *names; /* CLI_OPT_ENUM values, NULL-terminated */
    unsigned for_cmds;       /* CLI_FOR_* bits; 0 means all */
    const char *default_text; /* shown instead of the field's value when set */
    cli_opt_fn call;         /* CLI_OPT_CALL only */
} cli_opt;

typedef struct cli_opt_table {
    const cli_opt *rows;
    size_t n;
} cli_opt_table;

/* Shared tables. Feature options set a hark_mfcc_config; CMVN options too (features only;
 * 'hark train' has its own --cmvn). Decoding options set a cli_dec. */
extern const cli_opt_table cli_feature_opts;
extern const cli_opt_table cli_cmvn_opts;
extern const cli_opt_table cli_dec_opts;

typedef struct cli_dec {
    int closed;           /* --closed */
    const char *phrases;  /* --phrases FILE */
    const char *intents;  /* --intents FILE */
    double reject;        /* --reject X (NAN: the model's, else the default) */
    double max_segment;   /* --max-segment S */
    long speech_margin;   /* --speech-margin MS */
    long threads;         /* --threads N */
} cli_dec;

cli_dec cli_dec_defaults(void);

#define CLI_MAX_TABLE_OPTS 96
#define CLI_MAX_REPEATS 128 /* occurrences of repeatable options on one command line */
#define CLI_OPT_CODE 1000 /* getopt codes of table options: CLI_OPT_CODE + row index */

/* A parser for one command: its own getopt options plus the rows of some tables. Values are
 * kept as given and applied later (cli_parser_apply), so a command can first load what they
 * override (a model's feature configuration). */
typedef struct cli_parser {
    const char *sub;
    unsigned cmd;
    struct option longopts[2 * CLI_MAX_TABLE_OPTS + 48];
    const cli_opt *rows[CLI_MAX_TABLE_OPTS];
    const cli_opt_table *row_table[CLI_MAX_TABLE_OPTS];
    const char *val[CLI_MAX_TABLE_OPTS]; /* the last value given, NULL: not given */
    size_t rep_row[CLI_MAX_REPEATS];     /* CLI_OPT_CALL occurrences in command-line order */
    const char *rep_val[CLI_MAX_REPEATS];
    size_t n_rep;
    int rep_overflow;                    /* more than CLI_MAX_REPEATS: refused when applied */
    size_t n_rows;
    char shortopts[64]; /* for getopt_long: the command's own, then the tables' short letters */
} cli_parser;

/* own: the command's options, {0}-terminated (at most 40); own_shorts their getopt letters
 * (e.g. ":o:h"). tables: n of them. Pass p->longopts and p->shortopts to getopt_long. */
void cli_parser_init(cli_parser *p, const char *sub, unsigned cmd, const struct option *own,
                     const char *own_shorts, const cli_opt_table *const *tables, size_t n);
/* After getopt_long returned `code`: 1 when it was a table option (kept), else 0. */
int cli_parser_take(cli_parser *p, int code, const char *arg);
/* Apply the given options of `table` to `target`. 0, or -1 after printing the error. */
int cli_parser_apply(const cli_parser *p, const cli_opt_table *table, void *target);
/* 1 when the option called `name` was given. */
int cli_parser_given(const cli_parser *p, const char *name);
/* The name of the first row of `table` (in table order) that was given, or NULL. */
const char *cli_parser_first(const cli_parser *p, const cli_opt_table *table);

/* given[0..n): option names, NULL for those not given. At most one may be given, else a usage
 * error names the first two ("--a and --b exclude each other"). 0, or -1 after printing it. */
int cli_opts_exclusive(const char *sub, const char *const *given, size_t n);

/* --help lines of a table's options for command `cmd`, with defaults read from `defaults` (a
 * target struct holding the default values) and the accepted range of numeric options. */
void cli_opts_help(FILE *f, const cli_opt_table *table, unsigned cmd, const void *defaults);

#endif
