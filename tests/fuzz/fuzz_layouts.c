/* fuzz_layouts.c - the corpus layouts' text files (src/corpus/readers.c): the first byte picks
 * a layout, the second a split, the rest becomes its transcript or list file: LJSpeech
 * metadata.csv, Common Voice train.tsv, a LibriSpeech chapter's trans.txt, Speech Commands
 * validation_list.txt. Each layout's directory holds a little audio for the text to name. */
#include "fuzz_util.h"

static const char *const layout_dir[4] = {"lj", "cv", "libri", "sc"};
static const char *const layout_file[4] = {"lj/metadata.csv", "cv/train.tsv",
                                           "libri/19/198/19-198.trans.txt",
                                           "sc/validation_list.txt"};
static const char *const splits[6] = {"", ":train", ":dev", ":test", ":validation",
                                      ":speaker=19"};

static void make_layouts(void)
{
    fuzz_mkdir("lj");
    fuzz_mkdir("lj/wavs");
    fuzz_write_wav("lj/wavs/LJ001-0001.wav");
    fuzz_mkdir("cv");
    fuzz_mkdir("cv/clips");
    fuzz_write_wav("cv/clips/a.wav");
    fuzz_mkdir("libri");
    fuzz_mkdir("libri/19");
    fuzz_mkdir("libri/19/198");
    fuzz_write_wav("libri/19/198/19-198-0001.wav");
    fuzz_mkdir("sc");
    fuzz_mkdir("sc/yes");
    fuzz_mkdir("sc/no");
    fuzz_write_wav("sc/yes/a_nohash_0.wav");
    fuzz_write_wav("sc/no/b_nohash_0.wav");
    fuzz_write("sc/testing_list.txt", "no/b_nohash_0.wav\n", 18);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        make_layouts();
        ready = 1;
    }
    if (size < 2)
        return 0;
    int layout = data[0] % 4, split = data[1] % 6;
    fuzz_write(layout_file[layout], data + 2, size - 2);
    char spec[600];
    snprintf(spec, sizeof spec, "%s%s", fuzz_path(layout_dir[layout]), splits[split]);
    hark_clear_error();
    hark_corpus *c = hark_corpus_open(spec);
    if (!c) {
        FUZZ_CHECK_REFUSAL();
        return 0;
    }
    for (size_t i = 0; i < hark_corpus_size(c); i++) {
        const hark_utt *u = hark_corpus_get(c, i);
        FUZZ_CHECK(u && u->path && u->text && u->id);
    }
    hark_corpus_free(c);
    return 0;
}
