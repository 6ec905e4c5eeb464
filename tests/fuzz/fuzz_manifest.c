/* fuzz_manifest.c - the corpus manifest (src/corpus/manifest.c): the bytes as a
 * path<TAB>transcript[<TAB>speaker] file in a directory holding a.wav and sub/b.wav, opened
 * as a corpus (paths resolved, audio durations read). A refusal says why. */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        fuzz_mkdir("man");
        fuzz_mkdir("man/sub");
        fuzz_write_wav("man/a.wav");
        fuzz_write_wav("man/sub/b.wav");
        ready = 1;
    }
    fuzz_write("man/list.tsv", data, size);
    hark_clear_error();
    hark_corpus *c = hark_corpus_open(fuzz_path("man/list.tsv"));
    if (!c) {
        FUZZ_CHECK_REFUSAL();
        return 0;
    }
    for (size_t i = 0; i < hark_corpus_size(c); i++) {
        const hark_utt *u = hark_corpus_get(c, i);
        FUZZ_CHECK(u && u->path && u->text && u->text[0] && u->id);
    }
    hark_corpus_free(c);
    return 0;
}
