/* test_corpus.c - corpus readers on small synthetic corpora: manifests (and every way one can be
 * malformed), FSDD, Speech Commands and LJSpeech layouts built in a temporary directory, the
 * committed LibriSpeech and Common Voice fixtures (tests/data/corpus, written by
 * tests/ref/make_corpus_fixtures.py), the PATH[:SPLIT] rule, speaker filters, stats, append. */
#include "testutil.h"

#include <limits.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- helpers ---------------------------------------------------------------------------- */

static char pbuf[8][4096];
static int pslot;

/* printf into one of a few rotating static buffers */
static const char *fmt(const char *f, ...)
{
    char *b = pbuf[pslot++ & 7];
    va_list ap;
    va_start(ap, f);
    vsnprintf(b, sizeof pbuf[0], f, ap);
    va_end(ap);
    return b;
}

/* A fresh directory under the test's temporary directory (its own buffer, not fmt's). */
static const char *fresh_dir(const char *name)
{
    static char dirs[16][4096];
    static int slot;
    char *d = dirs[slot++ & 15];
    snprintf(d, sizeof dirs[0], "%s/%s", tu_tmpdir(), name);
    assert_int_equal(mkdir(d, 0755), 0);
    return d;
}

static void mkdirs(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    mkdir(tmp, 0755);
}

/* A mono 16-bit audio file of `frames` samples (format from the extension: .wav or .flac). */
static void write_audio(const char *path, int rate, sf_count_t frames)
{
    SF_INFO info = {0};
    info.samplerate = rate;
    info.channels = 1;
    size_t n = strlen(path);
    if (n > 5 && !strcmp(path + n - 5, ".flac"))
        info.format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
    else if (n > 4 && !strcmp(path + n - 4, ".mp3")) /* Common Voice's format */
        info.format = SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
    else
        info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SNDFILE *f = sf_open(path, SFM_WRITE, &info);
    if (!f)
        fail_msg("cannot write %s: %s", path, sf_strerror(NULL));
    short *buf = calloc((size_t)frames + 1, sizeof *buf);
    assert_non_null(buf);
    for (sf_count_t i = 0; i < frames; i++)
        buf[i] = (short)((i * 37) % 2000 - 1000);
    assert_int_equal(sf_writef_short(f, buf, frames), frames);
    free(buf);
    sf_close(f);
}

static void write_text(const char *path, const char *text)
{
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
}

/* Open must fail with `status` and a message containing each of the NULL-terminated needles. */
static void expect_fail(const char *spec, hark_status status, ...)
{
    hark_corpus *c = (hark_corpus *)1;
    hark_status st = hark_corpus_load(spec, NULL, &c);
    assert_null(c);
    if (st != status)
        fail_msg("open %s: status %d (%s), want %d", spec, st, hark_last_error(), status);
    va_list ap;
    va_start(ap, status);
    for (const char *needle; (needle = va_arg(ap, const char *));)
        if (!strstr(hark_last_error(), needle))
            fail_msg("open %s: message \"%s\" lacks \"%s\"", spec, hark_last_error(), needle);
    va_end(ap);
    assert_null(hark_corpus_open(spec)); /* the NULL-returning form agrees */
}

static hark_corpus *open_ok(const char *spec)
{
    hark_corpus *c = hark_corpus_open(spec);
    if (!c)
        fail_msg("open %s: %s", spec, hark_last_error());
    return c;
}

/* Open spec and check how many utterances it selects. */
static void expect_size(const char *spec, size_t n)
{
    hark_corpus *c = open_ok(spec);
    if (hark_corpus_size(c) != n)
        fail_msg("%s: %zu utterances, want %zu", spec, hark_corpus_size(c), n);
    hark_corpus_free(c);
}

static size_t count_speaker(const hark_corpus *c, const char *speaker)
{
    size_t n = 0;
    for (size_t i = 0; i < hark_corpus_size(c); i++)
        n += !strcmp(hark_corpus_get(c, i)->speaker, speaker);
    return n;
}

static void assert_sorted_by_path(const hark_corpus *c)
{
    for (size_t i = 1; i < hark_corpus_size(c); i++)
        assert_true(strcmp(hark_corpus_get(c, i - 1)->path, hark_corpus_get(c, i)->path) <= 0);
}

/* ---- manifests ------------------------------------------------------------------------ */

static void test_manifest_good(void **state)
{
    (void)state;
    const char *d = fresh_dir("man_good");
    mkdirs(fmt("%s/sub", d));
    write_audio(fmt("%s/b.wav", d), 16000, 8000);
    write_audio(fmt("%s/sub/a.flac", d), 8000, 4000);
    const char *abs = fmt("%s/abs.wav", tu_tmpdir());
    write_audio(abs, 22050, 22050);
    write_text(fmt("%s/list.tsv", d),
               fmt("# a comment line\r\n"
                   "b.wav\tHello, World!\r\n"
                   "\r\n"
                   "./sub/../sub/a.flac\tIt's 2 o'clock\tann\r\n"
                   "%s\tCaf\xC3\xA9\tbob\n",
                   abs));
    hark_corpus *c = open_ok(fmt("%s/list.tsv", d));
    assert_int_equal(hark_corpus_size(c), 3);
    assert_int_equal(hark_corpus_get_layout(c), HARK_CORPUS_MANIFEST);
    assert_sorted_by_path(c);
    /* sorted by resolved path: /tmp/.../abs.wav, .../man_good/b.wav, .../man_good/sub/a.flac */
    const hark_utt *u = hark_corpus_get(c, 0);
    assert_string_equal(u->path, abs);
    assert_string_equal(u->text, "cafe");
    assert_string_equal(u->speaker, "bob");
    assert_true(u->duration == 1.0);
    u = hark_corpus_get(c, 1);
    assert_string_equal(u->path, fmt("%s/b.wav", d));
    assert_string_equal(u->text, "hello world");
    assert_string_equal(u->speaker, "");
    assert_string_equal(u->id, "b.wav");
    assert_true(u->duration == 0.5);
    u = hark_corpus_get(c, 2);
    assert_string_equal(u->path, fmt("%s/sub/a.flac", d)); /* "./sub/../" resolved away */
    assert_string_equal(u->text, "it's two o'clock");
    assert_true(u->duration == 0.5);
    assert_null(hark_corpus_get(c, 3));

    hark_corpus_stats st;
    assert_int_equal(hark_corpus_get_stats(c, &st), HARK_OK);
    assert_int_equal(st.n, 3);
    assert_int_equal(st.n_speakers, 2); /* ann, bob; "" is unknown, not a speaker */
    assert_int_equal(st.n_timed, 3);
    assert_true(st.total_seconds == 2.0);
    assert_true(st.min_seconds == 0.5 && st.max_seconds == 1.0);
    assert_int_equal(st.longest, 0);
    char cs[257];
    size_t ncs = hark_corpus_charset(c, cs, sizeof cs);
    assert_string_equal(cs, " 'acdefhiklorstw"); /* the distinct bytes of the three texts */
    assert_int_equal(ncs, strlen(cs));
    char small[4];
    assert_int_equal(hark_corpus_charset(c, small, sizeof small), ncs);
    assert_string_equal(small, " 'a");
    hark_corpus_free(c);

    /* speaker filters work on manifests; named splits do not exist there */
    expect_size(fmt("%s/list.tsv:speaker=ann", d), 1);
    expect_fail(fmt("%s/list.tsv:train", d), HARK_ERR_INVALID_ARG, "no split 'train'", NULL);
}

/* One malformed manifest per case: the error names the manifest and the line. */
static void test_manifest_errors(void **state)
{
    (void)state;
    const char *d = fresh_dir("man_bad");
    write_audio(fmt("%s/ok.wav", d), 8000, 800);
    write_text(fmt("%s/text.wav", d), "this is not audio at all, just text renamed\n");
    write_audio(fmt("%s/empty.wav", d), 8000, 0);
    static const struct {
        const char *name, *content, *needle;
    } cases[] = {
        {"missing.tsv", "ok.wav\tfine\nnope.wav\tgone\n", ":2: audio file "},
        {"utf8.tsv", "ok.wav\tfine\nok.wav\tbad \xC3\x28 byte\n", ":2: not valid UTF-8"},
        {"latin1.tsv", "ok.wav\tcaf\xE9\n", ":1: not valid UTF-8"},
        {"notab.tsv", "ok.wav\tfine\nok.wav no tab here\n", ":2: no tab"},
        {"empty.tsv", "ok.wav\tfine\n\nok.wav\t\n", ":3: empty transcript"},
        {"punct.tsv", "ok.wav\t?!...\n", ":1: empty transcript after normalisation"},
        {"fields.tsv", "ok.wav\ta\tb\tc\n", ":1: more than three"},
        {"nopath.tsv", "\tsome words\n", ":1: empty audio path"},
        {"notaudio.tsv", "ok.wav\tfine\ntext.wav\tbad audio\n", ":2: "},
        {"dir.tsv", "ok.wav\tfine\n.\ta directory\n", ":2: audio file "},
        {"nul.tsv", "ok.wav\tfi\0ne\n", ":1: not valid UTF-8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = fmt("%s/%s", d, cases[i].name);
        size_t len = strlen(cases[i].content);
        if (!strcmp(cases[i].name, "nul.tsv"))
            len = 14; /* the NUL byte is part of the file */
        assert_int_equal(tu_write_file(path, cases[i].content, len), 0);
        expect_fail(path, HARK_ERR_FORMAT, path, cases[i].needle, NULL);
    }
    /* the text renamed .wav is named with libsndfile's reason */
    expect_fail(fmt("%s/notaudio.tsv", d), HARK_ERR_FORMAT, "text.wav: not readable audio", NULL);
    expect_fail(fmt("%s/nothere.tsv", d), HARK_ERR_IO, "nothere.tsv", NULL);
    /* a zero-length recording is still a valid file with a duration of 0 */
    write_text(fmt("%s/zero.tsv", d), "empty.wav\tsilence here\n");
    hark_corpus *c = open_ok(fmt("%s/zero.tsv", d));
    assert_true(hark_corpus_get(c, 0)->duration == 0.0);
    hark_corpus_free(c);
}

/* Issue 13: a UTF-8 byte-order mark is not part of the first path, and a relative path that
 * does not fit PATH_MAX is refused by name instead of cut (a cut path names another file). */
static void test_manifest_bom_and_long_path(void **state)
{
    (void)state;
    const char *d = fresh_dir("man_bom");
    write_audio(fmt("%s/b.wav", d), 16000, 8000);
    write_text(fmt("%s/list.tsv", d), "\xEF\xBB\xBF" "b.wav\tHello\n");
    hark_corpus *c = open_ok(fmt("%s/list.tsv", d));
    assert_int_equal(hark_corpus_size(c), 1);
    assert_string_equal(hark_corpus_get(c, 0)->id, "b.wav");
    hark_corpus_free(c);

    /* "sub/" repeated past PATH_MAX, then a file that exists at the cut-off point's prefix
     * would not help: the error must name the manifest line and the path as written. */
    size_t n = 2 * PATH_MAX;
    char *line = malloc(n + 64);
    assert_non_null(line);
    size_t k = 0;
    while (k + 4 < n) {
        memcpy(line + k, "sub/", 4);
        k += 4;
    }
    snprintf(line + k, 64, "b.wav\thello\n");
    write_text(fmt("%s/long.tsv", d), line);
    expect_fail(fmt("%s/long.tsv", d), HARK_ERR_FORMAT, "long.tsv:1: audio path longer than",
                "sub/sub/sub/", NULL);
    free(line);
}

/* Random manifests assembled from good and bad pieces: opening one either succeeds with
 * non-empty transcripts or fails with HARK_ERR_FORMAT naming the file and a line; never a crash
 * (the sanitizer build runs this too). */
static void test_manifest_random(void **state)
{
    (void)state;
    const char *d = fresh_dir("man_random");
    write_audio(fmt("%s/ok.wav", d), 8000, 80);
    static const char *const pieces[] = {"ok.wav", "no.wav", "\t", "\t", "words", "42", "\n",
                                         "\n", "\r\n", "#", "\xFF", "\xC3\xA9", " ", "!?",
                                         "\tann", "./", "/"};
    const size_t np = sizeof pieces / sizeof pieces[0];
    uint64_t rng = 7;
    char text[1024];
    const char *path = fmt("%s/m.tsv", d);
    size_t n_ok = 0, n_bad = 0;
    for (int iter = 0; iter < 300; iter++) {
        /* 1-4 lines, each a good one or (one time in three) 1-6 random pieces */
        size_t len = 0;
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        int lines = 1 + (int)((rng >> 33) % 4);
        for (int l = 0; l < lines; l++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            int k = (rng >> 33) % 3 ? 0 : 1 + (int)((rng >> 40) % 6);
            if (!k) {
                static const char good[] = "ok.wav\tsome words\n";
                memcpy(text + len, good, sizeof good - 1);
                len += sizeof good - 1;
            }
            while (k-- > 0) {
                rng = rng * 6364136223846793005ull + 1442695040888963407ull;
                const char *p = pieces[(rng >> 33) % np];
                memcpy(text + len, p, strlen(p));
                len += strlen(p);
            }
            text[len++] = '\n';
        }
        assert_int_equal(tu_write_file(path, text, len), 0);
        hark_corpus *c = NULL;
        hark_status st = hark_corpus_load(path, NULL, &c);
        if (st == HARK_OK) {
            for (size_t i = 0; i < hark_corpus_size(c); i++)
                assert_true(hark_corpus_get(c, i)->text[0] != '\0');
            hark_corpus_free(c);
            n_ok++;
            continue;
        }
        assert_null(c);
        if (st != HARK_ERR_FORMAT || !strstr(hark_last_error(), path) ||
            !strstr(hark_last_error(), ".tsv:"))
            fail_msg("status %d, message \"%s\"", st, hark_last_error());
        n_bad++;
    }
    if (n_ok < 30 || n_bad < 30) /* both outcomes were exercised */
        fail_msg("%zu manifests opened, %zu failed", n_ok, n_bad);
}

static void test_spec_colon_rule(void **state)
{
    (void)state;
    const char *d = fresh_dir("with:colon");
    write_audio(fmt("%s/x.wav", d), 8000, 80);
    write_audio(fmt("%s/y.wav", d), 8000, 80);
    write_text(fmt("%s/m.tsv", d), "x.wav\tone\tann\ny.wav\ttwo\tbob\n");
    /* the whole spec exists: it is the path, even with ':' inside */
    hark_corpus *c = open_ok(fmt("%s/m.tsv", d));
    assert_int_equal(hark_corpus_size(c), 2);
    assert_string_equal(hark_corpus_spec(c), fmt("%s/m.tsv", d));
    hark_corpus_free(c);
    /* otherwise the split follows the last ':' */
    c = open_ok(fmt("%s/m.tsv:speaker=bob", d));
    assert_int_equal(hark_corpus_size(c), 1);
    assert_string_equal(hark_corpus_get(c, 0)->text, "two");
    hark_corpus_free(c);
    c = open_ok(fmt("%s/m.tsv:speaker!=bob", d));
    assert_int_equal(hark_corpus_size(c), 1);
    assert_string_equal(hark_corpus_get(c, 0)->text, "one");
    hark_corpus_free(c);
    expect_size(fmt("%s/m.tsv:speaker=ann+bob", d), 2);
    expect_size(fmt("%s/m.tsv:all", d), 2);
    expect_size(fmt("%s/m.tsv:", d), 2); /* an empty split is no split */
    expect_fail(fmt("%s/m.tsv:speaker=carl", d), HARK_ERR_INVALID_ARG, "no speaker 'carl'",
                "ann, bob", NULL);
    expect_fail(fmt("%s/m.tsv:speaker!=carl", d), HARK_ERR_INVALID_ARG, "no speaker 'carl'", NULL);
    expect_fail(fmt("%s/m.tsv:speaker", d), HARK_ERR_INVALID_ARG, "bad filter", NULL);
    expect_fail(fmt("%s/m.tsv:speaker=", d), HARK_ERR_INVALID_ARG, "bad filter", NULL);
    expect_fail(fmt("%s/nothing.tsv:train", d), HARK_ERR_IO, "nothing.tsv", NULL);
    expect_fail(fmt("%s/absent", tu_tmpdir()), HARK_ERR_IO, "absent", NULL);
    expect_fail("", HARK_ERR_INVALID_ARG, "empty", NULL);
    expect_fail(NULL, HARK_ERR_INVALID_ARG, "empty", NULL);
}

/* ---- native layouts built here ----------------------------------------------------------- */

/* digits 0-2, takes 0-6, speakers amy and bo: 42 files, plus files that are not recordings */
static const char *make_fsdd(const char *name, int in_recordings)
{
    const char *d = fresh_dir(name);
    const char *rec = in_recordings ? fmt("%s/recordings", d) : d;
    if (in_recordings)
        mkdirs(rec);
    char path[4096];
    for (int digit = 0; digit < 3; digit++)
        for (int s = 0; s < 2; s++)
            for (int take = 0; take < 7; take++) {
                snprintf(path, sizeof path, "%s/%d_%s_%d.wav", rec, digit, s ? "bo" : "amy", take);
                write_audio(path, 8000, 400 + 80 * take);
            }
    write_text(fmt("%s/README.md", rec), "not a recording\n");
    write_text(fmt("%s/notes_1.wav.txt", rec), "not a recording\n");
    return d;
}

static void test_fsdd(void **state)
{
    (void)state;
    const char *d = make_fsdd("fsdd", 0);
    hark_corpus *c = open_ok(d);
    assert_int_equal(hark_corpus_get_layout(c), HARK_CORPUS_FSDD);
    assert_int_equal(hark_corpus_size(c), 42);
    assert_sorted_by_path(c);
    const hark_utt *u = hark_corpus_get(c, 0);
    assert_string_equal(u->path, fmt("%s/0_amy_0.wav", d));
    assert_string_equal(u->id, "0_amy_0");
    assert_string_equal(u->text, "zero");
    assert_string_equal(u->speaker, "amy");
    assert_true(u->duration == 0.05);
    hark_corpus_free(c);

    c = open_ok(fmt("%s:train", d)); /* takes 5-49 */
    assert_int_equal(hark_corpus_size(c), 3 * 2 * 2);
    for (size_t i = 0; i < hark_corpus_size(c); i++) {
        const char *id = hark_corpus_get(c, i)->id;
        char last = id[strlen(id) - 1];
        assert_true(last == '5' || last == '6');
    }
    hark_corpus_free(c);
    c = open_ok(fmt("%s:test", d)); /* takes 0-4 */
    assert_int_equal(hark_corpus_size(c), 3 * 2 * 5);
    assert_int_equal(count_speaker(c, "amy"), 15);
    hark_corpus_free(c);
    /* leave one speaker out: train on the others' training takes, test on all of amy's */
    c = open_ok(fmt("%s:train,speaker!=amy", d));
    assert_int_equal(hark_corpus_size(c), 6);
    assert_int_equal(count_speaker(c, "bo"), 6);
    hark_corpus_free(c);
    expect_size(fmt("%s:speaker=amy", d), 21);

    expect_fail(fmt("%s:tran", d), HARK_ERR_INVALID_ARG, "unknown split 'tran'", "train", "test",
                NULL);
    expect_fail(fmt("%s:train,test", d), HARK_ERR_INVALID_ARG, "two splits", NULL);

    /* the dataset's own layout keeps the files in recordings/ */
    d = make_fsdd("fsdd_rec", 1);
    c = open_ok(fmt("%s:test", d));
    assert_int_equal(hark_corpus_size(c), 30);
    assert_non_null(strstr(hark_corpus_get(c, 0)->path, "/recordings/0_amy_0.wav"));
    hark_corpus_free(c);
}

static void test_speech_commands(void **state)
{
    (void)state;
    const char *d = fresh_dir("sc");
    mkdirs(fmt("%s/yes", d));
    mkdirs(fmt("%s/no", d));
    mkdirs(fmt("%s/_silence_", d));
    mkdirs(fmt("%s/_background_noise_", d));
    static const char *const files[] = {
        "yes/aaaa0001_nohash_0.flac", "yes/aaaa0001_nohash_1.flac", "yes/bbbb0002_nohash_0.flac",
        "yes/cccc0003_nohash_0.flac", "no/aaaa0001_nohash_0.flac",  "no/dddd0004_nohash_0.flac",
        "_silence_/0001.flac",        "_silence_/0002.flac",        "_silence_/0003.flac"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        write_audio(fmt("%s/%s", d, files[i]), 16000, 16000);
    write_audio(fmt("%s/_background_noise_/tap.wav", d), 16000, 48000);
    write_text(fmt("%s/yes/README.txt", d), "not audio\n");
    write_text(fmt("%s/validation_list.txt", d),
               "_silence_/0002.flac\nyes/bbbb0002_nohash_0.flac\n");
    write_text(fmt("%s/testing_list.txt", d), /* CRLF lists work too */
               "no/dddd0004_nohash_0.flac\r\n_silence_/0003.flac\r\n");

    hark_corpus *c = open_ok(d);
    assert_int_equal(hark_corpus_get_layout(c), HARK_CORPUS_SPEECH_COMMANDS);
    assert_int_equal(hark_corpus_size(c), 9); /* no background noise, no README */
    hark_corpus_stats st;
    assert_int_equal(hark_corpus_get_stats(c, &st), HARK_OK);
    assert_int_equal(st.n_speakers, 4);
    assert_int_equal(st.n_empty, 3);
    assert_true(st.total_seconds == 9.0);
    const hark_utt *u = hark_corpus_get(c, 0); /* "_silence_/..." sorts first */
    assert_string_equal(u->text, "");
    assert_string_equal(u->speaker, "");
    assert_string_equal(u->id, "_silence_/0001");
    hark_corpus_free(c);

    c = open_ok(fmt("%s:train", d));
    assert_int_equal(hark_corpus_size(c), 5);
    assert_int_equal(count_speaker(c, "aaaa0001"), 3);
    hark_corpus_free(c);
    const char *val_names[] = {"validation", "dev"};
    for (int k = 0; k < 2; k++) {
        c = open_ok(fmt("%s:%s", d, val_names[k]));
        assert_int_equal(hark_corpus_size(c), 2);
        assert_string_equal(hark_corpus_get(c, 1)->id, "yes/bbbb0002_nohash_0");
        assert_string_equal(hark_corpus_get(c, 1)->text, "yes");
        assert_string_equal(hark_corpus_get(c, 1)->speaker, "bbbb0002");
        hark_corpus_free(c);
    }
    c = open_ok(fmt("%s:test", d));
    assert_int_equal(hark_corpus_size(c), 2);
    assert_string_equal(hark_corpus_get(c, 1)->text, "no");
    hark_corpus_free(c);
    expect_fail(fmt("%s:valid", d), HARK_ERR_INVALID_ARG, "unknown split 'valid'", NULL);

    /* a list naming a file that is not there: the list and its line */
    write_text(fmt("%s/testing_list.txt", d),
               "no/dddd0004_nohash_0.flac\nyes/eeee0005_nohash_0.flac\n");
    expect_fail(d, HARK_ERR_FORMAT, "testing_list.txt:2", "yes/eeee0005_nohash_0.flac", NULL);
    expect_fail(fmt("%s:train", d), HARK_ERR_FORMAT, "testing_list.txt:2", NULL);
    /* a file in both lists */
    write_text(fmt("%s/testing_list.txt", d), "yes/bbbb0002_nohash_0.flac\n");
    expect_fail(d, HARK_ERR_FORMAT, "validation_list.txt:2", "also in", NULL);
    /* a list that is not text */
    write_text(fmt("%s/testing_list.txt", d), "yes/\xFF\xFE.flac\n");
    expect_fail(d, HARK_ERR_FORMAT, "testing_list.txt:1: not valid UTF-8", NULL);
    /* a clip that is not audio: named with the reason */
    write_text(fmt("%s/testing_list.txt", d), "");
    write_text(fmt("%s/no/ffff0006_nohash_0.flac", d), "garbage");
    expect_fail(d, HARK_ERR_FORMAT, "no/ffff0006_nohash_0.flac: not readable audio", NULL);
    /* without reading headers the garbage is not noticed, and durations are unknown */
    hark_corpus_params p = hark_corpus_default_params();
    assert_int_equal(p.read_durations, 1);
    p.read_durations = 0;
    c = hark_corpus_open_with(d, &p);
    assert_non_null(c);
    assert_int_equal(hark_corpus_size(c), 10);
    assert_true(hark_corpus_get(c, 0)->duration == -1.0);
    assert_int_equal(hark_corpus_get_stats(c, &st), HARK_OK);
    assert_int_equal(st.n_timed, 0);
    assert_true(st.total_seconds == 0.0 && st.max_seconds == 0.0);
    hark_corpus_free(c);
}

static void test_ljspeech(void **state)
{
    (void)state;
    const char *d = fresh_dir("lj");
    mkdirs(fmt("%s/wavs", d));
    /* 11 clips, listed out of order, half WAV and half FLAC; dev = the last ceil(11/10) = 2 */
    char meta[4096] = "";
    for (int k = 11; k >= 1; k--) {
        char id[32];
        snprintf(id, sizeof id, "LJ%03d-%04d", k <= 6 ? 1 : 2, k);
        write_audio(fmt("%s/wavs/%s.%s", d, id, k % 2 ? "wav" : "flac"), 22050, 2205 * k);
        size_t n = strlen(meta);
        snprintf(meta + n, sizeof meta - n, "%s|Raw \"text\" %d|Normalised text number %d.\r\n",
                 id, k, k);
    }
    write_text(fmt("%s/metadata.csv", d), meta);
    hark_corpus *c = open_ok(d);
    assert_int_equal(hark_corpus_get_layout(c), HARK_CORPUS_LJSPEECH);
    assert_int_equal(hark_corpus_size(c), 11);
    const hark_utt *u = hark_corpus_get(c, 0);
    assert_string_equal(u->id, "LJ001-0001");
    assert_string_equal(u->text, "normalised text number one");
    assert_string_equal(u->speaker, "LJ");
    assert_true(fabs(u->duration - 0.1) < 1e-12);
    assert_non_null(strstr(u->path, "/wavs/LJ001-0001.wav"));
    assert_non_null(strstr(hark_corpus_get(c, 1)->path, "/wavs/LJ001-0002.flac"));
    hark_corpus_free(c);
    c = open_ok(fmt("%s:dev", d));
    assert_int_equal(hark_corpus_size(c), 2);
    assert_string_equal(hark_corpus_get(c, 0)->id, "LJ002-0010");
    assert_string_equal(hark_corpus_get(c, 1)->id, "LJ002-0011");
    hark_corpus_free(c);
    c = open_ok(fmt("%s:train", d));
    assert_int_equal(hark_corpus_size(c), 9);
    assert_string_equal(hark_corpus_get(c, 8)->id, "LJ002-0009");
    hark_corpus_free(c);
    expect_fail(fmt("%s:test", d), HARK_ERR_INVALID_ARG, "unknown split 'test'", "train, dev",
                NULL);

    write_text(fmt("%s/metadata.csv", d), "LJ001-0001|a|b\r\nLJ009-0009|raw|norm\r\n");
    expect_fail(d, HARK_ERR_FORMAT, "metadata.csv:2: no audio for LJ009-0009", NULL);
    write_text(fmt("%s/metadata.csv", d), "LJ001-0001|a|b\nLJ001-0002 no pipes\n");
    expect_fail(d, HARK_ERR_FORMAT, "metadata.csv:2: expected", NULL);
    write_text(fmt("%s/metadata.csv", d), "LJ001-0001|a|b|c\n");
    expect_fail(d, HARK_ERR_FORMAT, "metadata.csv:1: expected", NULL);
    write_text(fmt("%s/metadata.csv", d), "LJ001-0001|a|--\n");
    expect_fail(d, HARK_ERR_FORMAT, "metadata.csv:1: empty transcript", NULL);
    write_text(fmt("%s/metadata.csv", d), "LJ001-0001|a|b\nLJ001-0002|a|\xE9t\xE9\n");
    expect_fail(d, HARK_ERR_FORMAT, "metadata.csv:2: not valid UTF-8", NULL);
}

/* ---- committed fixtures ---------------------------------------------------------------- */

static void test_librispeech(void **state)
{
    (void)state;
    const char *root = tu_src("tests/data/corpus/librispeech");
    hark_corpus *c = open_ok(root);
    assert_int_equal(hark_corpus_get_layout(c), HARK_CORPUS_LIBRISPEECH);
    assert_int_equal(hark_corpus_size(c), 4);
    assert_sorted_by_path(c);
    hark_corpus_stats st;
    assert_int_equal(hark_corpus_get_stats(c, &st), HARK_OK);
    assert_int_equal(st.n_speakers, 3);
    assert_true(fabs(st.total_seconds - 1.625) < 1e-9); /* 0.125 + 0.25 + 0.5 + 0.75 */
    const hark_utt *u = hark_corpus_get(c, 0);
    assert_string_equal(u->id, "174-50561-0000");
    assert_string_equal(u->speaker, "174");
    assert_string_equal(u->text, "forgotten too the name of gillian");
    hark_corpus_free(c);

    const char *spec = fmt("%s:dev-clean", root);
    c = open_ok(spec);
    assert_int_equal(hark_corpus_size(c), 3);
    assert_int_equal(count_speaker(c, "84"), 2);
    hark_corpus_free(c);
    c = open_ok(fmt("%s:test-clean", root));
    assert_int_equal(hark_corpus_size(c), 1);
    assert_true(hark_corpus_get(c, 0)->duration == 0.75);
    hark_corpus_free(c);
    expect_fail(fmt("%s:train-clean-100", root), HARK_ERR_INVALID_ARG,
                "unknown split 'train-clean-100'", "dev-clean, test-clean", NULL);
    expect_fail(fmt("%s:../librispeech", root), HARK_ERR_INVALID_ARG, "unknown split", NULL);

    /* a chapter naming an utterance without audio */
    const char *d = fresh_dir("libri");
    mkdirs(fmt("%s/19/198", d));
    write_audio(fmt("%s/19/198/19-198-0000.flac", d), 16000, 1600);
    write_text(fmt("%s/19/198/19-198.trans.txt", d), "19-198-0000 ONE\n19-198-0001 TWO\n");
    expect_fail(d, HARK_ERR_FORMAT, "19-198.trans.txt:2: no audio for 19-198-0001", NULL);
    write_text(fmt("%s/19/198/19-198.trans.txt", d), "19-198-0000\n");
    expect_fail(d, HARK_ERR_FORMAT, "19-198.trans.txt:1: expected", NULL);
}

static void test_common_voice(void **state)
{
    (void)state;
    const char *root = tu_src("tests/data/corpus/common_voice");
    hark_corpus *c = open_ok(root); /* train + dev + test */
    assert_int_equal(hark_corpus_get_layout(c), HARK_CORPUS_COMMON_VOICE);
    assert_int_equal(hark_corpus_size(c), 4);
    hark_corpus_stats st;
    assert_int_equal(hark_corpus_get_stats(c, &st), HARK_OK);
    assert_int_equal(st.n_speakers, 3);
    assert_string_equal(hark_corpus_get(c, 0)->text, "hello world");
    assert_string_equal(hark_corpus_get(c, 0)->speaker, "aaaa1111");
    assert_string_equal(hark_corpus_get(c, 0)->id, "common_voice_en_1");
    assert_string_equal(hark_corpus_get(c, 1)->text, "it's forty two degrees in the cafe");
    assert_string_equal(hark_corpus_get(c, 2)->text, "quoted text fine");
    assert_string_equal(hark_corpus_get(c, 3)->text,
                        "the second of may one thousand five hundred people");
    hark_corpus_free(c);
    expect_size(fmt("%s:train", root), 2);
    expect_size(fmt("%s:validated,speaker=aaaa1111", root), 2);
    expect_fail(fmt("%s:other", root), HARK_ERR_INVALID_ARG, "unknown split 'other'",
                "dev, test, train, validated", NULL);

    /* the real Common Voice ships MP3 clips: durations come from their headers too */
    const char *m = fresh_dir("cv_mp3");
    mkdirs(fmt("%s/clips", m));
    write_audio(fmt("%s/clips/common_voice_en_9.mp3", m), 16000, 48000);
    write_text(fmt("%s/validated.tsv", m),
               "client_id\tpath\tsentence\nzz\tcommon_voice_en_9.mp3\tThree seconds.\n");
    c = open_ok(m); /* no train/dev/test: validated.tsv */
    assert_int_equal(hark_corpus_size(c), 1);
    assert_true(fabs(hark_corpus_get(c, 0)->duration - 3.0) < 0.05);
    assert_string_equal(hark_corpus_get(c, 0)->text, "three seconds");
    hark_corpus_free(c);

    const char *d = fresh_dir("cv");
    mkdirs(fmt("%s/clips", d));
    write_audio(fmt("%s/clips/a.wav", d), 16000, 160);
    write_text(fmt("%s/train.tsv", d), "client_id\tfile\tsentence\nx\ta.wav\thi\n");
    expect_fail(d, HARK_ERR_FORMAT, "train.tsv:1: the header names no 'path'", NULL);
    write_text(fmt("%s/train.tsv", d), "client_id\tpath\tsentence\nx\ta.wav\thi\ny\tb.wav\tho\n");
    expect_fail(d, HARK_ERR_FORMAT, "train.tsv:3: audio file", "b.wav", NULL);
    write_text(fmt("%s/train.tsv", d), "client_id\tpath\tsentence\nx\ta.wav\n");
    expect_fail(d, HARK_ERR_FORMAT, "train.tsv:2: 2 fields", NULL);
    write_text(fmt("%s/train.tsv", d), "client_id\tpath\tsentence\nx\ta.wav\t\n");
    expect_fail(d, HARK_ERR_FORMAT, "train.tsv:2: empty sentence", NULL);
    write_text(fmt("%s/train.tsv", d), "");
    expect_fail(d, HARK_ERR_FORMAT, "train.tsv: empty file", NULL);
}

static void test_manifest_fixture(void **state)
{
    (void)state;
    /* a manifest whose relative paths leave its own directory */
    hark_corpus *c = open_ok(tu_src("tests/data/corpus/manifest/list.tsv"));
    assert_int_equal(hark_corpus_size(c), 3);
    for (size_t i = 0; i < 3; i++)
        assert_null(strstr(hark_corpus_get(c, i)->path, "/../"));
    assert_string_equal(hark_corpus_get(c, 2)->text, "a flac file");
    assert_int_equal(count_speaker(c, "ann"), 2);
    hark_corpus_free(c);
}

static void test_unknown_layout(void **state)
{
    (void)state;
    const char *d = fresh_dir("nothing_here");
    write_text(fmt("%s/notes.txt", d), "hello\n");
    mkdirs(fmt("%s/a/b", d));
    expect_fail(d, HARK_ERR_FORMAT, d, "unknown corpus layout", "metadata.csv", "trans.txt",
                "{digit}_{speaker}_{take}.wav", "manifest", NULL);
    expect_fail(fmt("%s:train", d), HARK_ERR_FORMAT, "unknown corpus layout", NULL);
}

static void test_append(void **state)
{
    (void)state;
    const char *fsdd = make_fsdd("fsdd_append", 0);
    hark_corpus *c = open_ok(fmt("%s:test,speaker=bo", fsdd));
    assert_int_equal(hark_corpus_size(c), 15);
    const char *cv = tu_src("tests/data/corpus/common_voice");
    assert_int_equal(hark_corpus_append(c, fmt("%s:train", cv), NULL), HARK_OK);
    assert_int_equal(hark_corpus_size(c), 17);
    assert_int_equal(hark_corpus_get_layout(c), HARK_CORPUS_MIXED);
    assert_sorted_by_path(c);
    assert_non_null(strstr(hark_corpus_spec(c), " + "));
    /* a failed append leaves the corpus as it was */
    assert_int_equal(hark_corpus_append(c, fmt("%s:nope", cv), NULL), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_corpus_size(c), 17);
    hark_corpus_stats st;
    assert_int_equal(hark_corpus_get_stats(c, &st), HARK_OK);
    assert_int_equal(st.n_speakers, 3); /* bo, aaaa1111, bbbb2222 */
    hark_corpus_free(c);
    assert_string_equal(hark_corpus_layout_name(HARK_CORPUS_SPEECH_COMMANDS), "speech_commands");
    assert_int_equal(hark_corpus_size(NULL), 0);
    assert_null(hark_corpus_get(NULL, 0));
    hark_corpus_free(NULL);
    assert_int_equal(hark_corpus_append(NULL, cv, NULL), HARK_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_good),   cmocka_unit_test(test_manifest_errors),
        cmocka_unit_test(test_manifest_bom_and_long_path),
        cmocka_unit_test(test_manifest_random), cmocka_unit_test(test_spec_colon_rule),
        cmocka_unit_test(test_fsdd),
        cmocka_unit_test(test_speech_commands), cmocka_unit_test(test_ljspeech),
        cmocka_unit_test(test_librispeech),     cmocka_unit_test(test_common_voice),
        cmocka_unit_test(test_manifest_fixture), cmocka_unit_test(test_unknown_layout),
        cmocka_unit_test(test_append),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
