/* cmd_intent.c - 'hark intent' (placeholder until its module lands; replaced by the module's owner). */
#include "cli/cli.h"

int cmd_intent(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("intent", "this command is not built yet");
    return CLI_FAIL;
}
