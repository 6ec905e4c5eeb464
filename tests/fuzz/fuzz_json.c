/* fuzz_json.c - the JSON hark reads outside model headers: the bytes as a feature
 * configuration (src/features/mfcc_json.c; a configuration that is accepted must build a
 * feature extractor) and as the assistant's device-state file (src/nlu/skills.c). */
#include <cjson/cJSON.h>

#include "fuzz_util.h"
#include "nlu/nlu_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *j = cJSON_ParseWithLength((const char *)data, size);
    if (j) {
        hark_mfcc_config c = hark_mfcc_default_config();
        hark_clear_error();
        if (hark_mfcc_config_from_json(j, &c) == HARK_OK) {
            hark_mfcc *m = hark_mfcc_create(&c);
            FUZZ_CHECK(m != NULL);
            hark_mfcc_free(m);
        } else {
            FUZZ_CHECK_REFUSAL();
        }
        cJSON_Delete(j);
    }
    fuzz_write("state.json", data, size);
    nlu_lights l = {0};
    hark_clear_error();
    if (nlu_lights_load(&l, fuzz_path("state.json")) != HARK_OK)
        FUZZ_CHECK_REFUSAL();
    nlu_lights_free(&l);
    return 0;
}
