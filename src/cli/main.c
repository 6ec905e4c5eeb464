/* main.c - the hark program: dispatches to subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

typedef struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} subcommand;

static const subcommand subcommands[] = {
    {"transcribe", cmd_transcribe, "transcribe audio files"},
    {"listen", cmd_listen, "the live assistant: microphone, transcript, intent, spoken reply"},
    {"devices", cmd_devices, "list audio capture devices"},
    {"train", cmd_train, "train an acoustic model on labelled speech"},
    {"eval", cmd_eval, "measure a model's WER/CER/accuracy on a corpus"},
    {"intent", cmd_intent, "understand a sentence: intent, slots, response"},
    {"features", cmd_features, "print the MFCC features of an audio file"},
    {"data", cmd_data, "summarise a speech corpus"},
    {"synth", cmd_synth, "render an intent file into a synthetic labelled corpus"},
    {"lm", cmd_lm, "build and evaluate word n-gram language models (ARPA)"},
    {"info", cmd_info, "describe a model file: units, network, features, thresholds, training"},
    {"bench", cmd_bench, "run built-in micro-benchmarks"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: hark <command> [options]\n\n"
               "hark is an offline speech-to-text voice assistant.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        fprintf(f, "  %-11s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(f, "\nRun 'hark <command> --help' for the options of a command.\n"
               "'hark --version' prints the version.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("hark %s\n", hark_version());
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (!strcmp(argv[1], subcommands[i].name))
            return subcommands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "hark: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
