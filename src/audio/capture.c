/* capture.c - PortAudio devices and input streams.
 *
 * The stream callback does one thing: copy the interleaved input into a hark_ring (a dropped
 * write counts as an overrun there; so does input the host lost before the callback ran, which
 * PortAudio flags) and bump an atomic sample counter. It never blocks, allocates
 * or calls into the library. The reader polls the ring, mixes channels down and watches for a
 * lost device: a stream that PortAudio reports finished or inactive, or one that has delivered
 * nothing for stall_seconds (ALSA plug-ins can stop calling back without any error). */
#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <portaudio.h>

#include "core/util.h"
#include "hark/capture.h"

/* Seconds a started stream may take to deliver its first audio before it counts as lost. */
#define STARTUP_STALL_S 10.0

struct hark_capture {
    PaStream *stream;
    hark_ring *ring;
    int channels;
    double rate;
    double stall_seconds;
    char name[128];
    atomic_int finished;          /* set by the finished callback */
    atomic_uint_fast64_t frames;  /* frames the callback has seen */
    atomic_uint_fast64_t host_overflows; /* callbacks flagged paInputOverflow */
    uint64_t last_frames;         /* reader: frames at the last progress */
    double last_progress;         /* reader: monotonic seconds */
    float *tmp;                   /* reader: interleaved scratch */
    size_t tmp_cap;
    int started;
};

hark_status hark_capture_system_init(void)
{
    PaError e = Pa_Initialize();
    if (e != paNoError)
        return hark_error(HARK_ERR_DEVICE, "audio system: %s", Pa_GetErrorText(e));
    return HARK_OK;
}

void hark_capture_system_terminate(void) { Pa_Terminate(); }

int hark_device_count(void)
{
    int n = Pa_GetDeviceCount();
    if (n < 0) {
        hark_error(HARK_ERR_DEVICE, "audio system: %s", Pa_GetErrorText(n));
        return -1;
    }
    return n;
}

hark_status hark_device_get(int index, hark_device_info *info)
{
    const PaDeviceInfo *d = index >= 0 ? Pa_GetDeviceInfo(index) : NULL;
    if (!d)
        return hark_error(HARK_ERR_DEVICE, "audio device %d: no such device", index);
    memset(info, 0, sizeof *info);
    info->index = index;
    snprintf(info->name, sizeof info->name, "%s", d->name ? d->name : "?");
    const PaHostApiInfo *api = Pa_GetHostApiInfo(d->hostApi);
    snprintf(info->host_api, sizeof info->host_api, "%s", api && api->name ? api->name : "?");
    info->default_rate = d->defaultSampleRate;
    info->max_input_channels = d->maxInputChannels;
    info->max_output_channels = d->maxOutputChannels;
    info->is_default_input = index == Pa_GetDefaultInputDevice();
    info->is_default_output = index == Pa_GetDefaultOutputDevice();
    return HARK_OK;
}

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return n == 0;
}

hark_status hark_device_find(const char *spec, int want_input, int *index)
{
    const char *what = want_input ? "input" : "output";
    int count = hark_device_count();
    if (count < 0)
        return HARK_ERR_DEVICE;
    if (!spec || !*spec) {
        int d = want_input ? Pa_GetDefaultInputDevice() : Pa_GetDefaultOutputDevice();
        if (d == paNoDevice)
            return hark_error(HARK_ERR_DEVICE, "no default audio %s device (%d devices found)",
                              what, count);
        *index = d;
        return HARK_OK;
    }
    char *end;
    long v = strtol(spec, &end, 10);
    if (*end == '\0') {
        const PaDeviceInfo *d = v >= 0 && v < count ? Pa_GetDeviceInfo((int)v) : NULL;
        if (!d)
            return hark_error(HARK_ERR_DEVICE, "audio device %s: no such device (%d devices; see "
                              "'hark devices')", spec, count);
        if ((want_input ? d->maxInputChannels : d->maxOutputChannels) < 1)
            return hark_error(HARK_ERR_DEVICE, "audio device %s (%s) has no %s channels", spec,
                              d->name, what);
        *index = (int)v;
        return HARK_OK;
    }
    for (int i = 0; i < count; i++) {
        const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
        if (d && (want_input ? d->maxInputChannels : d->maxOutputChannels) > 0 && d->name &&
            contains_nocase(d->name, spec)) {
            *index = i;
            return HARK_OK;
        }
    }
    return hark_error(HARK_ERR_DEVICE, "no audio %s device named like '%s' (see 'hark devices')",
                      what, spec);
}

hark_capture_params hark_capture_default_params(void)
{
    hark_capture_params p;
    p.device = -1;
    p.sample_rate = 0;
    p.buffer_seconds = 4.0;
    p.frames_per_buffer = 0;
    p.stall_seconds = 5.0;
    return p;
}

/* Runs on the audio thread: copy and count, nothing else. */
static int on_audio(const void *input, void *output, unsigned long frames,
                    const PaStreamCallbackTimeInfo *time_info, PaStreamCallbackFlags flags,
                    void *user)
{
    (void)output;
    (void)time_info;
    hark_capture *cap = user;
    if (flags & paInputOverflow)
        atomic_fetch_add_explicit(&cap->host_overflows, 1, memory_order_relaxed);
    if (input)
        hark_ring_write(cap->ring, input, frames * (unsigned long)cap->channels);
    atomic_fetch_add_explicit(&cap->frames, frames, memory_order_relaxed);
    return paContinue;
}

static void on_finished(void *user)
{
    hark_capture *cap = user;
    atomic_store_explicit(&cap->finished, 1, memory_order_release);
}

static PaError try_open(hark_capture *cap, int device, int channels, double rate,
                        unsigned frames_per_buffer)
{
    const PaDeviceInfo *d = Pa_GetDeviceInfo(device);
    /* The host's "high" input latency (tens of ms; the "low" one is a few ms): an assistant's
     * endpoint waits far longer than that anyway, while the larger buffer wakes the audio
     * threads (PortAudio's, the sound server's) a quarter as often, which is most of what
     * listening to silence costs, and rides out a busy machine without losing input. */
    PaStreamParameters in = {device, channels, paFloat32, d->defaultHighInputLatency, NULL};
    PaError e = Pa_IsFormatSupported(&in, NULL, rate);
    if (e != paFormatIsSupported)
        return e;
    cap->channels = channels;
    cap->rate = rate;
    return Pa_OpenStream(&cap->stream, &in, NULL, rate,
                         frames_per_buffer ? frames_per_buffer : paFramesPerBufferUnspecified,
                         paClipOff, on_audio, cap);
}

hark_capture *hark_capture_open(const hark_capture_params *p)
{
    hark_capture_params def = hark_capture_default_params();
    if (!p)
        p = &def;
    int device = p->device;
    if (device < 0) {
        if (hark_device_find(NULL, 1, &device) != HARK_OK)
            return NULL;
    }
    const PaDeviceInfo *d = Pa_GetDeviceInfo(device);
    if (!d || d->maxInputChannels < 1) {
        hark_error(HARK_ERR_DEVICE, "audio device %d: not an input device", device);
        return NULL;
    }
    hark_capture *cap = calloc(1, sizeof *cap);
    if (!cap) {
        hark_error(HARK_ERR_NOMEM, "capture: out of memory");
        return NULL;
    }
    snprintf(cap->name, sizeof cap->name, "%s", d->name);
    cap->stall_seconds = p->stall_seconds > 0 ? p->stall_seconds : 5.0;
    atomic_init(&cap->finished, 0);
    atomic_init(&cap->frames, 0);
    atomic_init(&cap->host_overflows, 0);

    /* Ask for the requested rate, then the device's own; mono first, then stereo (some hardware
     * devices only open in pairs). The first combination the device accepts wins. */
    double rates[2] = {p->sample_rate > 0 ? p->sample_rate : d->defaultSampleRate,
                       d->defaultSampleRate};
    int chans[2] = {1, d->maxInputChannels >= 2 ? 2 : 1};
    PaError e = paInvalidSampleRate;
    for (int r = 0; r < 2 && !cap->stream; r++)
        for (int c = 0; c < 2 && !cap->stream; c++) {
            e = try_open(cap, device, chans[c], rates[r], p->frames_per_buffer);
            if (e != paNoError)
                cap->stream = NULL;
        }
    if (!cap->stream) {
        hark_error(HARK_ERR_DEVICE, "audio device %d (%s): cannot open for capture at %g Hz: %s",
                   device, d->name, rates[0], Pa_GetErrorText(e));
        goto fail;
    }
    double secs = p->buffer_seconds > 0.1 ? p->buffer_seconds : 0.1;
    cap->ring = hark_ring_create((size_t)(secs * cap->rate) * (size_t)cap->channels);
    if (!cap->ring)
        goto fail;
    Pa_SetStreamFinishedCallback(cap->stream, on_finished);
    return cap;
fail:
    hark_capture_close(cap);
    return NULL;
}

void hark_capture_close(hark_capture *cap)
{
    if (!cap)
        return;
    if (cap->stream) {
        if (cap->started)
            Pa_AbortStream(cap->stream);
        Pa_CloseStream(cap->stream);
    }
    hark_ring_free(cap->ring);
    free(cap->tmp);
    free(cap);
}

hark_status hark_capture_start(hark_capture *cap)
{
    PaError e = Pa_StartStream(cap->stream);
    if (e != paNoError)
        return hark_error(HARK_ERR_DEVICE, "audio device %s: cannot start capture: %s", cap->name,
                          Pa_GetErrorText(e));
    cap->started = 1;
    cap->last_progress = util_now_seconds();
    cap->last_frames = 0;
    return HARK_OK;
}

hark_status hark_capture_stop(hark_capture *cap)
{
    if (!cap->started)
        return HARK_OK;
    cap->started = 0;
    PaError e = Pa_StopStream(cap->stream);
    if (e != paNoError)
        return hark_error(HARK_ERR_DEVICE, "audio device %s: cannot stop capture: %s", cap->name,
                          Pa_GetErrorText(e));
    return HARK_OK;
}

double hark_capture_rate(const hark_capture *cap) { return cap->rate; }
int hark_capture_channels(const hark_capture *cap) { return cap->channels; }
const char *hark_capture_device_name(const hark_capture *cap) { return cap->name; }
uint64_t hark_capture_overruns(const hark_capture *cap)
{
    return hark_ring_overruns(cap->ring) +
           atomic_load_explicit(&cap->host_overflows, memory_order_relaxed);
}
uint64_t hark_capture_dropped(const hark_capture *cap)
{
    return hark_ring_dropped(cap->ring) / (uint64_t)cap->channels;
}

/* Whether the device is still delivering; sets the error message when it is not. */
static hark_status check_alive(hark_capture *cap)
{
    if (atomic_load_explicit(&cap->finished, memory_order_acquire) ||
        Pa_IsStreamActive(cap->stream) != 1)
        return hark_error(HARK_ERR_DEVICE, "audio device %s: the stream stopped (device lost?)",
                          cap->name);
    uint64_t frames = atomic_load_explicit(&cap->frames, memory_order_relaxed);
    double t = util_now_seconds();
    /* Before its first audio a stream gets longer: a host such as ALSA's pulse plug-in first
     * connects to the sound server, which on a busy machine can take seconds. */
    double limit = frames == 0 && cap->stall_seconds < STARTUP_STALL_S ? STARTUP_STALL_S
                                                                       : cap->stall_seconds;
    if (frames != cap->last_frames) {
        cap->last_frames = frames;
        cap->last_progress = t;
    } else if (t - cap->last_progress > limit) {
        return hark_error(HARK_ERR_DEVICE, "audio device %s: no audio for %.1f s (device lost?)",
                          cap->name, t - cap->last_progress);
    }
    return HARK_OK;
}

hark_status hark_capture_read(hark_capture *cap, float *out, size_t max, size_t *got,
                              int timeout_ms)
{
    *got = 0;
    if (!cap->started)
        return hark_error(HARK_ERR_INVALID_ARG, "audio device %s: capture not started", cap->name);
    size_t ch = (size_t)cap->channels;
    size_t want = max * ch;
    if (ch > 1 && cap->tmp_cap < want) {
        float *t = realloc(cap->tmp, want * sizeof *t);
        if (!t)
            return hark_error(HARK_ERR_NOMEM, "capture: out of memory");
        cap->tmp = t;
        cap->tmp_cap = want;
    }
    double deadline = util_now_seconds() + timeout_ms / 1000.0;
    for (;;) {
        size_t avail = hark_ring_available(cap->ring) / ch;
        if (avail > 0) {
            size_t n = avail < max ? avail : max;
            if (ch == 1) {
                *got = hark_ring_read(cap->ring, out, n);
            } else {
                hark_ring_read(cap->ring, cap->tmp, n * ch);
                for (size_t i = 0; i < n; i++) {
                    float s = 0;
                    for (size_t c = 0; c < ch; c++)
                        s += cap->tmp[i * ch + c];
                    out[i] = s / (float)ch;
                }
                *got = n;
            }
            return check_alive(cap) == HARK_OK || *got ? HARK_OK : HARK_ERR_DEVICE;
        }
        hark_status st = check_alive(cap);
        if (st != HARK_OK)
            return st;
        if (util_now_seconds() >= deadline)
            return HARK_OK;
        /* The callback cannot signal without a lock or syscall, so the reader naps: 5 ms is well
         * under one callback period and costs next to no CPU. */
        Pa_Sleep(5);
    }
}
