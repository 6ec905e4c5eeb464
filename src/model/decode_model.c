/* decode_model.c - log-posteriors of a model over samples, for decoders that need the frames
 * rather than the greedy transcript. They come from the one inference path, the recognizer:
 * a decoder hook that only keeps the frames it is handed at finish. */
#include <stdlib.h>
#include <string.h>

#include "hark/decode.h"
#include "model/model_internal.h"

typedef struct {
    float *lp;
    int T;
} capture;

static hark_status keep_frames(void *ctx, const float *lp, int T, int V, double frame_seconds,
                               hark_transcript *out)
{
    (void)frame_seconds;
    capture *c = ctx;
    size_t n = (size_t)T * (size_t)V;
    if (!(c->lp = malloc(n * sizeof *c->lp + 1)) || !(out->text = calloc(1, 1)))
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    if (n)
        memcpy(c->lp, lp, n * sizeof *c->lp);
    c->T = T;
    return HARK_OK;
}

hark_status hark_model_logprobs(const hark_model *m, const float *samples, size_t n,
                                float **logprobs, int *T)
{
    if (!m || !logprobs || !T || (n > 0 && !samples))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_model_logprobs: NULL argument");
    *logprobs = NULL;
    *T = 0;
    capture c = {NULL, 0};
    hark_recognizer_decoder hook = {&c, keep_frames, NULL, NULL, NULL};
    hark_recognizer *r = hark_recognizer_create(m);
    if (!r)
        return HARK_ERR_NOMEM;
    hark_transcript t = {0};
    hark_status st = hark_recognizer_set_decoder(r, &hook);
    if (st == HARK_OK)
        st = hark_recognizer_push(r, samples, n);
    if (st == HARK_OK)
        st = hark_recognizer_finish(r, &t);
    hark_transcript_clear(&t);
    hark_recognizer_free(r);
    if (st != HARK_OK || c.T == 0) {
        free(c.lp);
        return st;
    }
    *logprobs = c.lp;
    *T = c.T;
    return HARK_OK;
}
