/* cmd_data.c - 'hark data' (placeholder until its module lands; replaced by the module's owner). */
#include "cli/cli.h"

int cmd_data(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("data", "this command is not built yet");
    return CLI_FAIL;
}
