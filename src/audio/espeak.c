/* espeak.c - espeak-ng start-up and rendering into memory (see espeak_internal.h). */
#include <stdlib.h>
#include <string.h>

#include <espeak-ng/speak_lib.h>

#include "audio/espeak_internal.h"
#include "core/util.h"

static int espeak_rate; /* > 0 once espeak-ng is up */

typedef struct {
    float *buf;
    size_t n, cap;
    int failed;
} sample_sink;

/* espeak-ng's synth callback: append the block to the sink named by the event's user data. */
static int collect(short *wav, int n, espeak_EVENT *events)
{
    sample_sink *s = events ? events->user_data : NULL;
    if (!s || !wav || n <= 0)
        return 0;
    if (util_grow(&s->buf, &s->cap, s->n + (size_t)n, sizeof *s->buf, 16384) != 0) {
        s->failed = 1;
        return 1; /* stops synthesis */
    }
    for (int i = 0; i < n; i++)
        s->buf[s->n + (size_t)i] = (float)wav[i] / 32768.0f;
    s->n += (size_t)n;
    return 0;
}

hark_status audio_espeak_start(int *rate)
{
    if (espeak_rate <= 0)
        espeak_rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL,
                                        espeakINITIALIZE_DONT_EXIT);
    if (espeak_rate <= 0)
        return hark_error(HARK_ERR_UNSUPPORTED, "espeak-ng could not start (is the espeak-ng-data "
                          "package installed?)");
    espeak_SetSynthCallback(collect);
    if (rate)
        *rate = espeak_rate;
    return HARK_OK;
}

hark_status audio_espeak_render(const char *what, const char *text, float **samples, size_t *n)
{
    *samples = NULL;
    *n = 0;
    hark_status st = audio_espeak_start(NULL);
    if (st != HARK_OK)
        return hark_error(st, "%s: %s", what, hark_last_error());
    sample_sink sink = {0};
    espeak_ERROR e = espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8,
                                  NULL, &sink);
    if (e != EE_OK || sink.failed) {
        free(sink.buf);
        return hark_error(sink.failed ? HARK_ERR_NOMEM : HARK_ERR_INTERNAL,
                          "%s: espeak-ng failed to render \"%.40s\"", what, text);
    }
    *samples = sink.buf;
    *n = sink.n;
    return HARK_OK;
}
