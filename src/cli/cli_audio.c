/* cli_audio.c - PortAudio start-up for 'hark listen' and 'hark devices' (see cli_audio.h). */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_audio.h"

int cli_audio_init(const char *sub)
{
    const char *dbg = getenv("HARK_AUDIO_DEBUG");
    int quiet = !(dbg && *dbg && *dbg != '0');
    int saved = -1;
    if (quiet) {
        fflush(stderr);
        saved = dup(STDERR_FILENO);
        int null = open("/dev/null", O_WRONLY);
        if (saved >= 0 && null >= 0)
            dup2(null, STDERR_FILENO);
        if (null >= 0)
            close(null);
    }
    hark_status st = hark_capture_system_init();
    if (saved >= 0) {
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
    }
    if (st != HARK_OK) {
        cli_error(sub, "%s", hark_last_error());
        return -1;
    }
    return 0;
}

/* Streams are closed by now and the process is about to exit, which releases the sound server
 * connection. Pa_Terminate is skipped on purpose: it makes ALSA unload its plug-ins, and what
 * they allocated then shows up as a leak from an unknown module under LeakSanitizer, failing
 * the sanitizer build for memory hark never owned. */
void cli_audio_terminate(void) {}
