/* cmd_bench.c - 'hark bench' (placeholder until its module lands; replaced by the module's owner). */
#include "cli/cli.h"

int cmd_bench(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("bench", "this command is not built yet");
    return CLI_FAIL;
}
