/* fuzz_util.h - what the fuzz harnesses share: a private scratch directory for parsers that
 * read files, writing the input there, and the checks every harness makes (a refusal always
 * says why; a violated invariant aborts, which libFuzzer and the replay driver report). */
#ifndef HARK_FUZZ_UTIL_H
#define HARK_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hark.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with a message when an invariant fails: a crash to the fuzzer, a failure to ctest. */
#define FUZZ_CHECK(cond)                                                                      \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: invariant failed: %s (last error: \"%s\")\n", __FILE__,   \
                    __LINE__, #cond, hark_last_error());                                      \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

/* A refused input must come with a message, or the user sees "hark: FILE: " and nothing. */
#define FUZZ_CHECK_REFUSAL() FUZZ_CHECK(hark_last_error()[0] != '\0')

static char fuzz_dir_path[512];

static inline void fuzz_remove_tree(void)
{
    if (!fuzz_dir_path[0])
        return;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir_path);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", fuzz_dir_path);
}

/* A scratch directory for this process under $TMPDIR (else /tmp), removed at a normal exit
 * (libFuzzer ends some runs without one: point TMPDIR at a directory you remove). */
static inline const char *fuzz_dir(void)
{
    if (!fuzz_dir_path[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/hark-fuzz-XXXXXX",
                 tmp && *tmp && strlen(tmp) < 400 ? tmp : "/tmp");
        if (!mkdtemp(fuzz_dir_path)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(fuzz_remove_tree);
    }
    return fuzz_dir_path;
}

/* "<scratch>/rel" in a static buffer (one of four, so a few can be alive at once). */
static inline const char *fuzz_path(const char *rel)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", fuzz_dir(), rel);
    return buf[k];
}

static inline void fuzz_mkdir(const char *rel)
{
    if (mkdir(fuzz_path(rel), 0755) != 0 && access(fuzz_path(rel), F_OK) != 0) {
        perror("fuzz: mkdir");
        abort();
    }
}

static inline void fuzz_write(const char *rel, const void *data, size_t size)
{
    FILE *f = fopen(fuzz_path(rel), "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror("fuzz: writing the input");
        abort();
    }
}

/* A short tone as a 16 kHz WAV file, for layouts whose transcripts name audio. */
static inline void fuzz_write_wav(const char *rel)
{
    float x[1600];
    for (int i = 0; i < 1600; i++)
        x[i] = 0.1f * (float)((i % 40) - 20) / 20.0f;
    FUZZ_CHECK(hark_audio_write_wav(fuzz_path(rel), x, 1600, 16000, HARK_SAMPLE_S16) == HARK_OK);
}

#endif
