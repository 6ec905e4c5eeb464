/* cmd_synth.c - 'hark synth' (placeholder until its module lands; replaced by the module's owner). */
#include "cli/cli.h"

int cmd_synth(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("synth", "this command is not built yet");
    return CLI_FAIL;
}
