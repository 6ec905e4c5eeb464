/* cmd_features.c - 'hark features' (placeholder until its module lands; replaced by the module's owner). */
#include "cli/cli.h"

int cmd_features(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("features", "this command is not built yet");
    return CLI_FAIL;
}
