/* fuzz_audio.c - audio files (src/audio/audio_file.c: WAV, FLAC, Ogg and the other formats
 * libsndfile reads, resampled to 16 kHz): decode the bytes from memory. Decoded audio is
 * finite; a refusal says why. */
#include <math.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    float *x = NULL;
    size_t n = 0;
    int rate = 0;
    hark_clear_error();
    hark_status st = hark_audio_load_memory(data, size, "fuzz.wav", NULL, 16000, &x, &n, &rate);
    if (st != HARK_OK) {
        FUZZ_CHECK(x == NULL);
        FUZZ_CHECK_REFUSAL();
        return 0;
    }
    FUZZ_CHECK(rate > 0);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(isfinite(x[i]));
    free(x);
    return 0;
}
