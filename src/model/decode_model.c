/* decode_model.c - log-posteriors of a model over samples (features, then the whole-utterance
 * forward), for decoders that need the frames rather than the greedy transcript. */
#include <stdlib.h>

#include "hark/decode.h"
#include "model/model_internal.h"

hark_status hark_model_logprobs(const hark_model *m, const float *samples, size_t n,
                                float **logprobs, int *T)
{
    if (!m || !logprobs || !T || (n > 0 && !samples))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_model_logprobs: NULL argument");
    *logprobs = NULL;
    *T = 0;
    float *feats = NULL;
    size_t F = 0;
    hark_net_ws *ws = NULL;
    hark_mfcc *mf = hark_mfcc_create(&m->feat);
    hark_status st = mf ? hark_mfcc_compute_alloc(mf, samples, n, &feats, &F) : HARK_ERR_INVALID_ARG;
    if (st != HARK_OK || F == 0)
        goto done;
    if (!(ws = hark_net_ws_create_inference(m->net, 1, (int)F))) {
        st = HARK_ERR_NOMEM;
        goto done;
    }
    int len = (int)F, out_len = 0, T_out = 0;
    const float *lp = NULL;
    st = hark_net_forward(m->net, ws, feats, &len, 1, (int)F, 0, NULL, &lp, &out_len, &T_out);
    if (st != HARK_OK)
        goto done;
    size_t V = (size_t)hark_net_get_config(m->net)->n_output;
    *logprobs = malloc((size_t)out_len * V * sizeof **logprobs + 1);
    if (!*logprobs) {
        st = hark_error(HARK_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < (size_t)out_len * V; i++)
        (*logprobs)[i] = lp[i];
    *T = out_len;
done:
    free(feats);
    hark_net_ws_free(ws);
    hark_mfcc_free(mf);
    return st;
}
