/* cmd_transcribe.c - 'hark transcribe' (placeholder until its module lands; replaced by the module's owner). */
#include "cli/cli.h"

int cmd_transcribe(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("transcribe", "this command is not built yet");
    return CLI_FAIL;
}
