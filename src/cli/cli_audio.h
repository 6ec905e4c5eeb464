/* cli_audio.h - starting the audio system for the subcommands that need it (listen, devices).
 * Only these initialise PortAudio, and they hide what the host APIs (JACK, ALSA) print on stderr
 * while probing, so the user's terminal shows hark's own messages. */
#ifndef HARK_CLI_AUDIO_H
#define HARK_CLI_AUDIO_H

/* Initialise PortAudio with stderr silenced (set HARK_AUDIO_DEBUG=1 to see the host APIs' own
 * messages). Returns 0, or -1 after printing "hark SUB: ..." . */
int cli_audio_init(const char *sub);
/* Call when done with audio, before exiting (streams must be closed). */
void cli_audio_terminate(void);

#endif
