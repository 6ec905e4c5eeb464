/* cmd_train.c - 'hark train' (placeholder until its module lands; replaced by the module's owner). */
#include "cli/cli.h"

int cmd_train(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("train", "this command is not built yet");
    return CLI_FAIL;
}
