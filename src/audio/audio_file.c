/* audio_file.c - reading audio through libsndfile (files, standard input, memory images,
 * headerless raw PCM) into mono float samples at a requested rate, and writing WAV files.
 *
 * Every way of opening ends in load_sndfile(), which validates what libsndfile reports (rate,
 * channels, length, truncation) so that all sources reject bad input the same way. */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sndfile.h>

#include "hark/audio.h"
#include "audio/audio_internal.h"

#define MAX_CHANNELS 256
#define READ_FRAMES 16384
#define TRUST_FRAMES ((size_t)1 << 24) /* 17 minutes at 16 kHz */

/* ---- libsndfile virtual I/O over a memory image ----------------------------------------- */

typedef struct {
    const unsigned char *data;
    sf_count_t size;
    sf_count_t pos;
} mem_src;

static sf_count_t mem_len(void *u) { return ((mem_src *)u)->size; }

static sf_count_t mem_seek(sf_count_t off, int whence, void *u)
{
    mem_src *m = u;
    sf_count_t base = whence == SEEK_CUR ? m->pos : whence == SEEK_END ? m->size : 0;
    sf_count_t p = base + off;
    if (p < 0 || p > m->size)
        return -1;
    m->pos = p;
    return p;
}

static sf_count_t mem_read(void *ptr, sf_count_t count, void *u)
{
    mem_src *m = u;
    sf_count_t left = m->size - m->pos;
    if (count > left)
        count = left;
    if (count > 0)
        memcpy(ptr, m->data + m->pos, (size_t)count);
    m->pos += count > 0 ? count : 0;
    return count > 0 ? count : 0;
}

static sf_count_t mem_write(const void *ptr, sf_count_t count, void *u)
{
    (void)ptr;
    (void)count;
    (void)u;
    return 0;
}

static sf_count_t mem_tell(void *u) { return ((mem_src *)u)->pos; }

/* ---- validation and reading ------------------------------------------------------------- */

static int raw_subformat(hark_sample_format f)
{
    switch (f) {
    case HARK_SAMPLE_S16: return SF_FORMAT_PCM_16;
    case HARK_SAMPLE_S8: return SF_FORMAT_PCM_S8;
    case HARK_SAMPLE_U8: return SF_FORMAT_PCM_U8;
    case HARK_SAMPLE_S24: return SF_FORMAT_PCM_24;
    case HARK_SAMPLE_S32: return SF_FORMAT_PCM_32;
    case HARK_SAMPLE_F32: return SF_FORMAT_FLOAT;
    case HARK_SAMPLE_F64: return SF_FORMAT_DOUBLE;
    }
    return 0;
}

static int sample_bytes(hark_sample_format f)
{
    switch (f) {
    case HARK_SAMPLE_S8:
    case HARK_SAMPLE_U8: return 1;
    case HARK_SAMPLE_S16: return 2;
    case HARK_SAMPLE_S24: return 3;
    case HARK_SAMPLE_S32:
    case HARK_SAMPLE_F32: return 4;
    case HARK_SAMPLE_F64: return 8;
    }
    return 0;
}

hark_status hark_audio_parse_sample_format(const char *name, hark_sample_format *out)
{
    static const struct {
        const char *name;
        hark_sample_format f;
    } names[] = {{"s16", HARK_SAMPLE_S16}, {"s8", HARK_SAMPLE_S8},   {"u8", HARK_SAMPLE_U8},
                 {"s24", HARK_SAMPLE_S24}, {"s32", HARK_SAMPLE_S32}, {"f32", HARK_SAMPLE_F32},
                 {"f64", HARK_SAMPLE_F64}};
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++) {
        if (!strcmp(name, names[i].name)) {
            *out = names[i].f;
            return HARK_OK;
        }
    }
    return hark_error(HARK_ERR_INVALID_ARG,
                      "unknown sample format '%s' (expected s16, s8, u8, s24, s32, f32 or f64)",
                      name ? name : "(null)");
}

static hark_status check_raw(const char *name, const hark_audio_raw *raw, SF_INFO *info)
{
    if (raw->sample_rate < HARK_AUDIO_MIN_RATE || raw->sample_rate > HARK_AUDIO_MAX_RATE)
        return hark_error(HARK_ERR_INVALID_ARG, "%s: raw sample rate %d Hz outside %d..%d Hz", name,
                          raw->sample_rate, HARK_AUDIO_MIN_RATE, HARK_AUDIO_MAX_RATE);
    if (raw->channels < 1 || raw->channels > MAX_CHANNELS)
        return hark_error(HARK_ERR_INVALID_ARG, "%s: raw channel count %d outside 1..%d", name,
                          raw->channels, MAX_CHANNELS);
    int sub = raw_subformat(raw->format);
    if (!sub)
        return hark_error(HARK_ERR_INVALID_ARG, "%s: unknown raw sample format %d", name,
                          (int)raw->format);
    memset(info, 0, sizeof *info);
    info->samplerate = raw->sample_rate;
    info->channels = raw->channels;
    info->format = SF_FORMAT_RAW | sub | (raw->big_endian ? SF_ENDIAN_BIG : SF_ENDIAN_LITTLE);
    return HARK_OK;
}

/* A raw file must hold whole frames: a remainder almost always means the wrong format was given. */
static hark_status check_raw_size(const char *name, const hark_audio_raw *raw, uint64_t bytes)
{
    uint64_t frame = (uint64_t)sample_bytes(raw->format) * (uint64_t)raw->channels;
    if (bytes == 0)
        return hark_error(HARK_ERR_FORMAT, "%s: empty file", name);
    if (bytes % frame)
        return hark_error(HARK_ERR_FORMAT,
                          "%s: %llu bytes is not a whole number of %llu-byte raw frames "
                          "(check the raw sample format and channel count)",
                          name, (unsigned long long)bytes, (unsigned long long)frame);
    return HARK_OK;
}

/* libsndfile's log notes "data : CLAIMED (should be ACTUAL)" when a WAV header promises more
 * audio than the file holds. Returns 1 and the two sizes if so. */
static int header_overclaims(SNDFILE *sf, unsigned long long *claimed, unsigned long long *actual)
{
    char log[4096];
    sf_command(sf, SFC_GET_LOG_INFO, log, sizeof log);
    log[sizeof log - 1] = '\0';
    for (const char *p = log; (p = strstr(p, "data : ")) != NULL; p++) {
        if (sscanf(p, "data : %llu (should be %llu)", claimed, actual) == 2)
            return 1;
    }
    return 0;
}

static hark_status open_failed(const char *name)
{
    const char *why = sf_strerror(NULL);
    if (strstr(why, "recognised") || strstr(why, "recognized"))
        return hark_error(HARK_ERR_FORMAT, "%s: not an audio file in a format libsndfile reads", name);
    return hark_error(HARK_ERR_FORMAT, "%s: unreadable audio (%s)", name, why);
}

/* Average interleaved channels into mono. */
static void mix_down(float *dst, const float *src, size_t frames, int ch)
{
    const float scale = 1.0f / (float)ch;
    for (size_t i = 0; i < frames; i++) {
        float acc = 0;
        for (int c = 0; c < ch; c++)
            acc += src[i * (size_t)ch + (size_t)c];
        dst[i] = acc * scale;
    }
}

/* What every reader checks before decoding: a plausible rate and channel count, a header that
 * does not promise more audio than the file holds, and at least one frame. */
static hark_status check_info(const char *name, SNDFILE *sf, const SF_INFO *info)
{
    unsigned long long claimed = 0, actual = 0;
    if (info->samplerate < HARK_AUDIO_MIN_RATE || info->samplerate > HARK_AUDIO_MAX_RATE)
        return hark_error(HARK_ERR_FORMAT, "%s: absurd sample rate %d Hz (accepted: %d..%d Hz)",
                          name, info->samplerate, HARK_AUDIO_MIN_RATE, HARK_AUDIO_MAX_RATE);
    if (info->channels < 1 || info->channels > MAX_CHANNELS)
        return hark_error(HARK_ERR_FORMAT, "%s: absurd channel count %d (accepted: 1..%d)", name,
                          info->channels, MAX_CHANNELS);
    if (header_overclaims(sf, &claimed, &actual)) {
        /* 0 and 0xFFFFFFFF are what streaming writers leave when they cannot seek back to fill
         * in the size: not a truncation, just an unknown length. */
        if (claimed != 0 && claimed != 0xFFFFFFFFull)
            return hark_error(HARK_ERR_FORMAT,
                              "%s: truncated: the header claims %llu bytes of audio but the file "
                              "holds %llu",
                              name, claimed, actual);
        hark_log(HARK_LOG_WARN, "%s: header has no data length; reading to the end of the file",
                 name);
    }
    if (info->frames <= 0)
        return hark_error(HARK_ERR_FORMAT, "%s: no audio samples", name);
    return HARK_OK;
}

/* Validate an open file, read all of it as mono and resample. Always closes sf. */
static hark_status load_sndfile(const char *name, SNDFILE *sf, const SF_INFO *info, int target_rate,
                                float **samples, size_t *n, int *orig_rate)
{
    hark_status st = HARK_OK;
    float *mono = NULL, *block = NULL;
    audio_sink sink = {0};

    if ((st = check_info(name, sf, info)) != HARK_OK)
        goto fail;

    const size_t ch = (size_t)info->channels;
    /* Pipes report a huge unknown length (SF_COUNT_MAX). A damaged header can also announce far
     * more frames than the file could hold: the first allocation trusts at most TRUST_FRAMES
     * and grows as data actually arrives. */
    const int known_length = (uint64_t)info->frames < ((uint64_t)1 << 40);
    const size_t expect = known_length ? (size_t)info->frames : SIZE_MAX;
    size_t cap = expect < TRUST_FRAMES ? expect : TRUST_FRAMES, got = 0;
    /* With a trusted length, decoded blocks go straight into the resampler and its output
     * buffer is the only full-length allocation; otherwise the whole file is read first. */
    const int resample = target_rate && target_rate != info->samplerate;
    const int direct = !(resample && expect <= TRUST_FRAMES);
    if (!direct && (st = audio_sink_init(&sink, info->samplerate, target_rate, expect)) != HARK_OK)
        goto fail;
    if (direct && !(mono = malloc(cap * sizeof *mono))) {
        st = hark_error(HARK_ERR_NOMEM, "%s: out of memory for %zu samples", name, cap);
        goto fail;
    }
    if ((ch > 1 || !direct) && !(block = malloc((size_t)READ_FRAMES * (ch + 1) * sizeof *block))) {
        st = hark_error(HARK_ERR_NOMEM, "%s: out of memory", name);
        goto fail;
    }
    for (;;) {
        if (got == expect)
            break;
        if (direct && got == cap) {
            float *m = realloc(mono, 2 * cap * sizeof *mono);
            if (!m) {
                st = hark_error(HARK_ERR_NOMEM, "%s: out of memory for %zu samples", name, 2 * cap);
                goto fail;
            }
            mono = m;
            cap *= 2;
        }
        const size_t room = direct ? cap - got : expect - got;
        const size_t want = room < READ_FRAMES ? room : READ_FRAMES;
        /* Mono blocks are decoded in place; others are mixed into the block's tail. */
        float *dst = direct ? mono + got : block + (ch > 1 ? READ_FRAMES * ch : 0);
        sf_count_t r = sf_readf_float(sf, ch > 1 ? block : dst, (sf_count_t)want);
        if (r <= 0)
            break;
        if (ch > 1)
            mix_down(dst, block, (size_t)r, info->channels);
        for (sf_count_t i = 0; i < r; i++) {
            if (!(fabsf(dst[i]) <= FLT_MAX)) { /* NaN or inf in a float file */
                st = hark_error(HARK_ERR_FORMAT, "%s: sample %zu is not a finite number", name,
                                got + (size_t)i);
                goto fail;
            }
        }
        if (!direct && (st = audio_sink_feed(&sink, dst, (size_t)r)) != HARK_OK)
            goto fail;
        got += (size_t)r;
    }
    if (sf_error(sf) != SF_ERR_NO_ERROR) {
        st = hark_error(HARK_ERR_FORMAT, "%s: read error after %zu frames (%s)", name, got,
                        sf_strerror(sf));
        goto fail;
    }
    if (got == 0) {
        st = hark_error(HARK_ERR_FORMAT, "%s: no audio samples could be decoded", name);
        goto fail;
    }
    if (known_length && got < (size_t)info->frames) {
        st = hark_error(HARK_ERR_FORMAT, "%s: truncated: read %zu of the %lld frames announced",
                        name, got, (long long)info->frames);
        goto fail;
    }
    free(block);
    block = NULL;
    sf_close(sf);
    sf = NULL;

    if (orig_rate)
        *orig_rate = info->samplerate;
    float *res = mono;
    size_t n_res = got;
    if (!direct) {
        if ((st = audio_sink_finish(&sink, &res, &n_res)) != HARK_OK)
            goto fail;
    } else if (resample) {
        st = hark_audio_resample(mono, got, info->samplerate, target_rate, &res, &n_res);
        free(mono);
        mono = NULL;
        if (st != HARK_OK)
            return hark_error(st, "%s: %s", name, hark_last_error());
    }
    if (n_res == 0) {
        free(res);
        return hark_error(HARK_ERR_FORMAT, "%s: too short to resample to %d Hz", name, target_rate);
    }
    /* Finite samples near FLT_MAX (a float file can hold any) overflow in the resampler's
     * filter: refuse what did not come out finite rather than pass infinities on. */
    for (size_t i = 0; i < n_res; i++) {
        if (!(fabsf(res[i]) <= FLT_MAX)) {
            free(res);
            return hark_error(HARK_ERR_FORMAT, "%s: samples too large to resample to %d Hz "
                              "(sample %zu is not finite afterwards)", name, target_rate, i);
        }
    }
    *samples = res;
    *n = n_res;
    return HARK_OK;

fail:
    free(mono);
    free(block);
    audio_sink_free(&sink);
    if (sf)
        sf_close(sf);
    return st;
}

static hark_status check_target(const char *name, int target_rate)
{
    if (target_rate != 0 && (target_rate < HARK_AUDIO_MIN_RATE || target_rate > HARK_AUDIO_MAX_RATE))
        return hark_error(HARK_ERR_INVALID_ARG, "%s: target rate %d Hz outside %d..%d Hz", name,
                          target_rate, HARK_AUDIO_MIN_RATE, HARK_AUDIO_MAX_RATE);
    return HARK_OK;
}

/* Refuse what libsndfile would report confusingly: missing files, directories, empty files. */
static hark_status check_path(const char *path, uint64_t *size)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return hark_error(HARK_ERR_IO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return hark_error(HARK_ERR_IO, "%s: is a directory, not an audio file", path);
    if (access(path, R_OK) != 0)
        return hark_error(HARK_ERR_IO, "%s: %s", path, strerror(errno));
    *size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : UINT64_MAX;
    if (*size == 0)
        return hark_error(HARK_ERR_FORMAT, "%s: empty file", path);
    return HARK_OK;
}

/* Slurp standard input (not seekable in general, and libsndfile needs to seek). */
static hark_status read_stdin(unsigned char **data, size_t *size)
{
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    if (!buf)
        return hark_error(HARK_ERR_NOMEM, "<stdin>: out of memory");
    for (;;) {
        if (len == cap) {
            unsigned char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                return hark_error(HARK_ERR_NOMEM, "<stdin>: out of memory");
            }
            buf = b;
            cap *= 2;
        }
        size_t r = fread(buf + len, 1, cap - len, stdin);
        len += r;
        if (r == 0)
            break;
    }
    if (ferror(stdin)) {
        free(buf);
        return hark_error(HARK_ERR_IO, "<stdin>: %s", strerror(errno));
    }
    *data = buf;
    *size = len;
    return HARK_OK;
}

hark_status hark_audio_load_memory(const void *data, size_t size, const char *name,
                                   const hark_audio_raw *raw, int target_rate, float **samples,
                                   size_t *n, int *orig_rate)
{
    if (!name)
        name = "<memory>";
    if ((!data && size) || !samples || !n)
        return hark_error(HARK_ERR_INVALID_ARG, "%s: NULL argument", name);
    *samples = NULL;
    *n = 0;
    hark_status st = check_target(name, target_rate);
    if (st != HARK_OK)
        return st;
    if (size == 0)
        return hark_error(HARK_ERR_FORMAT, "%s: empty file", name);
    SF_INFO info;
    memset(&info, 0, sizeof info);
    if (raw) {
        if ((st = check_raw(name, raw, &info)) != HARK_OK || (st = check_raw_size(name, raw, size)) != HARK_OK)
            return st;
    }
    mem_src src = {data, (sf_count_t)size, 0};
    SF_VIRTUAL_IO vio = {mem_len, mem_seek, mem_read, mem_write, mem_tell};
    SNDFILE *sf = sf_open_virtual(&vio, SFM_READ, &info, &src);
    if (!sf)
        return open_failed(name);
    return load_sndfile(name, sf, &info, target_rate, samples, n, orig_rate);
}

static hark_status load_path(const char *path, const hark_audio_raw *raw, int target_rate,
                             float **samples, size_t *n, int *orig_rate)
{
    if (!path || !samples || !n)
        return hark_error(HARK_ERR_INVALID_ARG, "audio load: NULL argument");
    *samples = NULL;
    *n = 0;
    if (!strcmp(path, "-")) {
        unsigned char *data = NULL;
        size_t size = 0;
        hark_status st = read_stdin(&data, &size);
        if (st != HARK_OK)
            return st;
        st = hark_audio_load_memory(data, size, "<stdin>", raw, target_rate, samples, n, orig_rate);
        free(data);
        return st;
    }
    hark_status st = check_target(path, target_rate);
    if (st != HARK_OK)
        return st;
    uint64_t size;
    if ((st = check_path(path, &size)) != HARK_OK)
        return st;
    SF_INFO info;
    memset(&info, 0, sizeof info);
    if (raw) {
        if ((st = check_raw(path, raw, &info)) != HARK_OK)
            return st;
        if (size != UINT64_MAX && (st = check_raw_size(path, raw, size)) != HARK_OK)
            return st;
    }
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf)
        return open_failed(path);
    return load_sndfile(path, sf, &info, target_rate, samples, n, orig_rate);
}

hark_status hark_audio_load(const char *path, int target_rate, float **samples, size_t *n,
                            int *orig_rate)
{
    return load_path(path, NULL, target_rate, samples, n, orig_rate);
}

hark_status hark_audio_load_raw(const char *path, const hark_audio_raw *raw, int target_rate,
                                float **samples, size_t *n)
{
    if (!raw)
        return hark_error(HARK_ERR_INVALID_ARG, "%s: no raw format given", path ? path : "(null)");
    return load_path(path, raw, target_rate, samples, n, NULL);
}

hark_status hark_audio_info_read(const char *path, hark_audio_info *out)
{
    if (!path || !out)
        return hark_error(HARK_ERR_INVALID_ARG, "audio info: NULL argument");
    memset(out, 0, sizeof *out);
    uint64_t size;
    hark_status st = check_path(path, &size);
    if (st != HARK_OK)
        return st;
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf)
        return open_failed(path);
    st = check_info(path, sf, &info);
    if (st == HARK_OK) {
        SF_FORMAT_INFO major = {.format = info.format & SF_FORMAT_TYPEMASK};
        SF_FORMAT_INFO minor = {.format = info.format & SF_FORMAT_SUBMASK};
        sf_command(NULL, SFC_GET_FORMAT_INFO, &major, sizeof major);
        sf_command(NULL, SFC_GET_FORMAT_INFO, &minor, sizeof minor);
        out->sample_rate = info.samplerate;
        out->channels = info.channels;
        out->frames = (size_t)info.frames;
        out->duration = (double)info.frames / info.samplerate;
        snprintf(out->format, sizeof out->format, "%s / %s", major.name ? major.name : "?",
                 minor.name ? minor.name : "?");
    }
    sf_close(sf);
    return st;
}

/* ---- writing ------------------------------------------------------------------------------ */

hark_status hark_audio_write_wav(const char *path, const float *samples, size_t n,
                                 int sample_rate, hark_sample_format format)
{
    if (!path || (!samples && n))
        return hark_error(HARK_ERR_INVALID_ARG, "audio write: NULL argument");
    if (sample_rate < HARK_AUDIO_MIN_RATE || sample_rate > HARK_AUDIO_MAX_RATE)
        return hark_error(HARK_ERR_INVALID_ARG, "%s: sample rate %d Hz outside %d..%d Hz", path,
                          sample_rate, HARK_AUDIO_MIN_RATE, HARK_AUDIO_MAX_RATE);
    if (format != HARK_SAMPLE_S16 && format != HARK_SAMPLE_F32)
        return hark_error(HARK_ERR_INVALID_ARG, "%s: WAV output is 16-bit PCM or 32-bit float", path);

    size_t len = strlen(path) + 16;
    char *tmp = malloc(len);
    if (!tmp)
        return hark_error(HARK_ERR_NOMEM, "%s: out of memory", path);
    snprintf(tmp, len, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        hark_status st = hark_error(HARK_ERR_IO, "%s: cannot create a file there: %s", path, strerror(errno));
        free(tmp);
        return st;
    }
    fchmod(fd, 0644);
    SF_INFO info = {.samplerate = sample_rate,
                    .channels = 1,
                    .format = SF_FORMAT_WAV | (format == HARK_SAMPLE_S16 ? SF_FORMAT_PCM_16 : SF_FORMAT_FLOAT)};
    hark_status st = HARK_OK;
    SNDFILE *sf = sf_open_fd(fd, SFM_WRITE, &info, 1);
    if (!sf) { /* libsndfile has closed fd (close_desc) */
        st = hark_error(HARK_ERR_IO, "%s: %s", path, sf_strerror(NULL));
        goto fail;
    }
    /* Saturate instead of wrapping around when a float sample is beyond full scale. */
    sf_command(sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
    size_t done = 0;
    while (done < n) {
        size_t chunk = n - done < (size_t)1 << 20 ? n - done : (size_t)1 << 20;
        if (sf_write_float(sf, samples + done, (sf_count_t)chunk) != (sf_count_t)chunk) {
            st = hark_error(HARK_ERR_IO, "%s: write failed: %s", path, sf_strerror(sf));
            sf_close(sf);
            goto fail;
        }
        done += chunk;
    }
    sf_write_sync(sf);
    if (sf_close(sf) != 0) {
        st = hark_error(HARK_ERR_IO, "%s: write failed", path);
        goto fail;
    }
    if (rename(tmp, path) != 0) {
        st = hark_error(HARK_ERR_IO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    free(tmp);
    return HARK_OK;
fail:
    unlink(tmp);
    free(tmp);
    return st;
}

/* ---- streaming reader: a file of any length in blocks, bounded memory ------------------- */

struct hark_audio_reader {
    char *name;
    SNDFILE *sf;
    SF_INFO info;
    unsigned char *data; /* standard input, slurped (libsndfile needs to seek) */
    mem_src src;
    hark_resampler *rs; /* NULL when the file is at the target rate */
    float *block;       /* READ_FRAMES interleaved frames, then READ_FRAMES mono */
    size_t got;         /* frames read from the file */
    int known_length;
    int done;
};

hark_status hark_audio_reader_open(const char *path, int target_rate, hark_audio_reader **out)
{
    if (!path || !out)
        return hark_error(HARK_ERR_INVALID_ARG, "audio reader: NULL argument");
    *out = NULL;
    hark_audio_reader *r = calloc(1, sizeof *r);
    hark_status st = r && (r->name = strdup(path)) ? HARK_OK
                                                   : hark_error(HARK_ERR_NOMEM, "out of memory");
    uint64_t size = 0;
    if (st == HARK_OK)
        st = check_target(path, target_rate);
    if (st == HARK_OK && !strcmp(path, "-")) {
        size_t n = 0;
        if ((st = read_stdin(&r->data, &n)) == HARK_OK && n == 0)
            st = hark_error(HARK_ERR_FORMAT, "<stdin>: empty file");
        if (st == HARK_OK) {
            r->src = (mem_src){r->data, (sf_count_t)n, 0};
            SF_VIRTUAL_IO vio = {mem_len, mem_seek, mem_read, mem_write, mem_tell};
            if (!(r->sf = sf_open_virtual(&vio, SFM_READ, &r->info, &r->src)))
                st = open_failed("<stdin>");
        }
    } else if (st == HARK_OK && (st = check_path(path, &size)) == HARK_OK &&
               !(r->sf = sf_open(path, SFM_READ, &r->info))) {
        st = open_failed(path);
    }
    if (st == HARK_OK)
        st = check_info(path, r->sf, &r->info);
    if (st == HARK_OK && !(r->block = malloc((size_t)READ_FRAMES * ((size_t)r->info.channels + 1) *
                                             sizeof *r->block)))
        st = hark_error(HARK_ERR_NOMEM, "%s: out of memory", path);
    if (st == HARK_OK && target_rate && target_rate != r->info.samplerate &&
        !(r->rs = hark_resampler_create(r->info.samplerate, target_rate)))
        st = hark_error(HARK_ERR_INVALID_ARG, "%s: %s", path, hark_last_error());
    if (st != HARK_OK) {
        hark_audio_reader_close(r);
        return st;
    }
    r->known_length = (uint64_t)r->info.frames < ((uint64_t)1 << 40);
    *out = r;
    return HARK_OK;
}

void hark_audio_reader_close(hark_audio_reader *r)
{
    if (!r)
        return;
    if (r->sf)
        sf_close(r->sf);
    hark_resampler_free(r->rs);
    free(r->block);
    free(r->data);
    free(r->name);
    free(r);
}

hark_status hark_audio_reader_info(const hark_audio_reader *r, hark_audio_info *info)
{
    if (!r || !info)
        return hark_error(HARK_ERR_INVALID_ARG, "audio reader: NULL argument");
    memset(info, 0, sizeof *info);
    info->sample_rate = r->info.samplerate;
    info->channels = r->info.channels;
    info->frames = r->known_length ? (size_t)r->info.frames : 0;
    info->duration = (double)info->frames / r->info.samplerate;
    SF_FORMAT_INFO fi = {.format = r->info.format & SF_FORMAT_TYPEMASK};
    if (sf_command(NULL, SFC_GET_FORMAT_INFO, &fi, sizeof fi) == 0 && fi.name)
        snprintf(info->format, sizeof info->format, "%s", fi.name);
    return HARK_OK;
}

/* The end of the file: check it held what its header announced. */
static hark_status reader_end(hark_audio_reader *r)
{
    r->done = 1;
    if (sf_error(r->sf) != SF_ERR_NO_ERROR)
        return hark_error(HARK_ERR_FORMAT, "%s: read error after %zu frames (%s)", r->name,
                          r->got, sf_strerror(r->sf));
    if (r->got == 0)
        return hark_error(HARK_ERR_FORMAT, "%s: no audio samples could be decoded", r->name);
    if (r->known_length && r->got < (size_t)r->info.frames)
        return hark_error(HARK_ERR_FORMAT, "%s: truncated: read %zu of the %lld frames announced",
                          r->name, r->got, (long long)r->info.frames);
    return HARK_OK;
}

hark_status hark_audio_reader_read(hark_audio_reader *r, const float **samples, size_t *n)
{
    if (!r || !samples || !n)
        return hark_error(HARK_ERR_INVALID_ARG, "audio reader: NULL argument");
    *samples = NULL;
    *n = 0;
    while (!r->done && *n == 0) {
        const size_t ch = (size_t)r->info.channels;
        float *mono = r->block + (size_t)READ_FRAMES * ch;
        sf_count_t got = sf_readf_float(r->sf, ch > 1 ? r->block : mono, READ_FRAMES);
        hark_status st = HARK_OK;
        if (got <= 0) {
            if ((st = reader_end(r)) != HARK_OK)
                return st;
            if (r->rs)
                return hark_resampler_flush(r->rs, samples, n);
            return HARK_OK;
        }
        if (ch > 1)
            mix_down(mono, r->block, (size_t)got, r->info.channels);
        for (sf_count_t i = 0; i < got; i++)
            if (!(fabsf(mono[i]) <= FLT_MAX))
                return hark_error(HARK_ERR_FORMAT, "%s: sample %zu is not a finite number",
                                  r->name, r->got + (size_t)i);
        r->got += (size_t)got;
        if (!r->rs) {
            *samples = mono;
            *n = (size_t)got;
        } else if ((st = hark_resampler_process(r->rs, mono, (size_t)got, samples, n)) != HARK_OK) {
            return st;
        }
    }
    return HARK_OK;
}
