/* fuzz_model.c - the .hark model file (src/model/model_file.c, with the feature configuration
 * of src/features/mfcc_json.c and the architecture it carries): load the bytes as a model
 * file. A model that loads has finite weights; a refusal says why. */
#include <math.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write("model.hark", data, size);
    hark_clear_error();
    hark_model *m = hark_model_load(fuzz_path("model.hark"));
    if (!m) {
        FUZZ_CHECK_REFUSAL();
        return 0;
    }
    const hark_net *net = hark_model_net(m);
    const float *w = hark_net_params_const(net);
    for (size_t i = 0; i < hark_net_num_params(net); i++)
        FUZZ_CHECK(isfinite(w[i]));
    /* The feature pipeline it describes can be built. */
    hark_mfcc *mf = hark_mfcc_create(hark_model_feature_config(m));
    FUZZ_CHECK(mf != NULL);
    hark_mfcc_free(mf);
    hark_model_free(m);
    return 0;
}
