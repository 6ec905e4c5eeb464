/* cmd_devices.c - 'hark devices' (placeholder until its module lands; replaced by the module's owner). */
#include "cli/cli.h"

int cmd_devices(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("devices", "this command is not built yet");
    return CLI_FAIL;
}
