/* cmd_eval.c - 'hark eval' (placeholder until its module lands; replaced by the module's owner). */
#include "cli/cli.h"

int cmd_eval(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("eval", "this command is not built yet");
    return CLI_FAIL;
}
