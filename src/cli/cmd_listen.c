/* cmd_listen.c - 'hark listen' (placeholder until its module lands; replaced by the module's owner). */
#include "cli/cli.h"

int cmd_listen(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("listen", "this command is not built yet");
    return CLI_FAIL;
}
