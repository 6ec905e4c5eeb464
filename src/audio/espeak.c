/* espeak.c - espeak-ng start-up, rendering into memory and phonemizing (see espeak_internal.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <espeak-ng/speak_lib.h>

#include "audio/espeak_internal.h"
#include "core/util.h"

static int espeak_rate; /* > 0 once espeak-ng is up */
/* espeak-ng is not re-entrant: every call into it below holds this lock, so a phonemizer on one
 * thread never runs inside another thread's rendering. */
static pthread_mutex_t espeak_lock = PTHREAD_MUTEX_INITIALIZER;
/* The voice last selected through audio_espeak_set_voice or the phonemizer ("" = unknown), so
 * phonemizing word after word selects its voice once (a selection costs about 0.1 ms). */
static char current_voice[128];

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

static hark_status start_locked(int *rate)
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

hark_status audio_espeak_start(int *rate)
{
    pthread_mutex_lock(&espeak_lock);
    hark_status st = start_locked(rate);
    pthread_mutex_unlock(&espeak_lock);
    return st;
}

hark_status audio_espeak_render(const char *what, const char *text, float **samples, size_t *n)
{
    *samples = NULL;
    *n = 0;
    hark_status st = audio_espeak_start(NULL);
    if (st != HARK_OK)
        return hark_error(st, "%s: %s", what, hark_last_error());
    sample_sink sink = {0};
    pthread_mutex_lock(&espeak_lock);
    espeak_ERROR e = espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8,
                                  NULL, &sink);
    pthread_mutex_unlock(&espeak_lock);
    if (e != EE_OK || sink.failed) {
        free(sink.buf);
        return hark_error(sink.failed ? HARK_ERR_NOMEM : HARK_ERR_INTERNAL,
                          "%s: espeak-ng failed to render \"%.40s\"", what, text);
    }
    *samples = sink.buf;
    *n = sink.n;
    return HARK_OK;
}

/* Append one chunk of phoneme names to the growing string *out (length *len, capacity *cap),
 * after a space when something is already there. */
static int append_chunk(char **out, size_t *len, size_t *cap, const char *chunk)
{
    size_t n = strlen(chunk);
    if (n == 0)
        return 0;
    if (util_grow(out, cap, *len + n + 2, 1, 64) != 0)
        return -1;
    if (*len > 0)
        (*out)[(*len)++] = ' ';
    memcpy(*out + *len, chunk, n + 1);
    *len += n;
    return 0;
}

/* Select a voice unless it is the current one. */
static hark_status set_voice_locked(const char *voice)
{
    if (strcmp(voice, current_voice) == 0)
        return HARK_OK;
    current_voice[0] = '\0';
    if (strlen(voice) >= sizeof current_voice || espeak_SetVoiceByName(voice) != EE_OK)
        return hark_error(HARK_ERR_UNSUPPORTED, "espeak-ng has no voice '%s'", voice);
    strcpy(current_voice, voice);
    return HARK_OK;
}

hark_status audio_espeak_set_voice(const char *voice)
{
    pthread_mutex_lock(&espeak_lock);
    hark_status st = start_locked(NULL);
    if (st == HARK_OK) {
        current_voice[0] = '\0'; /* always select: it also resets rate and pitch */
        st = set_voice_locked(voice);
    }
    pthread_mutex_unlock(&espeak_lock);
    return st;
}

hark_status audio_espeak_phonemes(const char *voice, const char *text, char **out)
{
    *out = NULL;
    pthread_mutex_lock(&espeak_lock);
    hark_status st = start_locked(NULL);
    if (st == HARK_OK)
        st = set_voice_locked(voice);
    size_t len = 0, cap = 0;
    const void *p = text;
    /* ASCII phoneme names (bit 1 clear) with '|' between names (bits 8-23). espeak-ng stops at
     * clause punctuation and advances p, so it is called until p is NULL. */
    while (st == HARK_OK && p) {
        const char *chunk = espeak_TextToPhonemes(&p, espeakCHARS_UTF8, '|' << 8);
        if (chunk && append_chunk(out, &len, &cap, chunk) != 0)
            st = hark_error(HARK_ERR_NOMEM, "out of memory");
    }
    pthread_mutex_unlock(&espeak_lock);
    if (st == HARK_OK && !*out && !(*out = calloc(1, 1)))
        st = hark_error(HARK_ERR_NOMEM, "out of memory");
    if (st != HARK_OK) {
        free(*out);
        *out = NULL;
    }
    return st;
}
