/* phones.c - the phone inventory of phone models and the phonemizer behind it: espeak-ng's en-us
 * phoneme names (audio/espeak_internal.h) mapped to one code point per phone, and a per-process
 * cache so each word is phonemized once. The lexicon a model carries is in units.c. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "audio/espeak_internal.h"
#include "model/model_internal.h"

/* The voice whose pronunciations the inventory covers. */
#define PHONE_VOICE "en-us"

/* 40 phones, about ARPAbet's 39 (CMUdict) with schwa kept apart from the stressed ʌ: IPA letters
 * where one letter names the phone, and the upper-case letters Y, W, O for the diphthongs ARPAbet
 * calls AY, AW and OY, which have no one-letter IPA name. The space before them is the word
 * separator, as in character models. */
static const char PHONE_ALPHABET[] = " pbtdkɡfvθðszʃʒhʧʤmnŋlrjwæɑɔʌəɛɪiʊuɚeoYWO";

/* espeak-ng's en-us phoneme names (stress marks ' and , removed) and the phones each becomes.
 * Every name espeak-ng 1.51 gives for the 104,334 words of Debian's wamerican list is here
 * (tests/test_phones.c checks a sample), and those it gives for Latin, Greek and most Cyrillic
 * letters; a name missing here (Cyrillic "л" gives "1") is an error, never dropped. Variants
 * fold into their base phone (I2, I#, t#, t2, @2, l#; a length mark ':' the table lacks is
 * ignored: E: -> E); r-coloured vowels and syllabic consonants become two phones the way
 * CMUdict writes them (A@ "car" -> ɑ r, @L "bottle" -> ə l); foreign sounds take the nearest
 * English phone (x "Bach" -> k, * the tapped r -> r). */
static const struct phone_name {
    const char *name;
    const char *phones; /* "" = no phone (a pause or a boundary mark) */
} PHONE_NAMES[] = {
    /* consonants */
    {"p", "p"}, {"b", "b"}, {"t", "t"}, {"t#", "t"}, {"t2", "t"}, {"?", "t"}, {"d", "d"},
    {"k", "k"}, {"x", "k"}, {"C", "k"}, {"g", "ɡ"}, {"f", "f"}, {"v", "v"}, {"T", "θ"},
    {"D", "ð"}, {"s", "s"}, {"z", "z"}, {"S", "ʃ"}, {"Z", "ʒ"}, {"h", "h"}, {"tS", "ʧ"},
    {"dZ", "ʤ"}, {"m", "m"}, {"n", "n"}, {"n-", "n"}, {"N", "ŋ"}, {"l", "l"}, {"l#", "l"},
    {"r", "r"}, {"r-", "r"}, {"*", "r"}, {"j", "j"}, {"w", "w"}, {"tS;", "ʧ"}, {"n^", "n"},
    /* vowels */
    {"a", "æ"}, {"aa", "æ"}, {"a#", "ə"}, {"A:", "ɑ"}, {"0", "ɑ"}, {"A@", "ɑr"}, {"A~", "ɑn"},
    {"O:", "ɔ"}, {"O", "ɔ"}, {"O2", "ɔ"}, {"O@", "ɔr"}, {"o@", "ɔr"}, {"O~", "ɔn"},
    {"V", "ʌ"}, {"@", "ə"}, {"@2", "ə"}, {"@-", "ə"}, {"@L", "əl"}, {"E", "ɛ"}, {"e", "ɛ"},
    {"e@", "ɛr"}, {"I", "ɪ"}, {"I2", "ɪ"}, {"I#", "ɪ"}, {"i", "i"}, {"i:", "i"}, {"i@", "iə"},
    {"i@3", "ɪr"}, {"U", "ʊ"}, {"U@", "ʊr"}, {"u:", "u"}, {"u", "u"}, {"3", "ɚ"}, {"3:", "ɚ"},
    {"eI", "e"}, {"oU", "o"}, {"o", "o"}, {"aI", "Y"}, {"aI3", "Yɚ"}, {"aI@", "Yə"},
    {"aU", "W"}, {"OI", "O"},
    /* pauses and boundaries between syllables or spelled letters */
    {"_", ""}, {"_!", ""}, {"_:", ""}, {";", ""}, {":", ""},
};

const char *hark_phone_alphabet(void) { return PHONE_ALPHABET; }

size_t phone_name_count(void) { return sizeof PHONE_NAMES / sizeof *PHONE_NAMES; }

const char *phone_name_at(size_t i, const char **phones)
{
    if (i >= phone_name_count())
        return NULL;
    if (phones)
        *phones = PHONE_NAMES[i].phones;
    return PHONE_NAMES[i].name;
}

/* The phones of one espeak-ng name (len bytes at name), or NULL when the table lacks it. A
 * trailing ':' beyond the table's (extra length, as in "i::") is dropped. */
static const char *lookup_name(const char *name, size_t len)
{
    while (len > 0) {
        for (size_t i = 0; i < phone_name_count(); i++)
            if (strlen(PHONE_NAMES[i].name) == len && memcmp(PHONE_NAMES[i].name, name, len) == 0)
                return PHONE_NAMES[i].phones;
        if (len < 2 || name[len - 1] != ':')
            break;
        len--;
    }
    return NULL;
}

hark_status phones_from_espeak(const char *word, const char *names, char **out)
{
    *out = NULL;
    /* A name of L bytes gives at most 2L bytes of phones (the table's longest: 2 bytes for a
     * 1-byte name, 3 for a 2-byte one); separators and stress marks give none. */
    size_t cap = 2 * strlen(names) + 1, n = 0;
    char *buf = malloc(cap + 8);
    if (!buf)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    const char *s = names;
    while (*s) {
        size_t len = strcspn(s, "| ");
        const char *name = s;
        s += len + (s[len] != '\0');
        while (len > 0 && (*name == '\'' || *name == ',' || *name == '%' || *name == '=')) {
            name++; /* stress marks */
            len--;
        }
        if (len == 0)
            continue;
        const char *ph = lookup_name(name, len);
        if (!ph) {
            free(buf);
            return hark_error(HARK_ERR_UNSUPPORTED, "the pronunciation of \"%s\" holds espeak-ng "
                              "phoneme '%.*s', which has no phone", word, (int)len, name);
        }
        size_t k = strlen(ph);
        if (n + k > cap) {
            free(buf);
            return hark_error(HARK_ERR_INTERNAL, "phonemizer: \"%s\" overflows", word);
        }
        memcpy(buf + n, ph, k);
        n += k;
    }
    buf[n] = '\0';
    if (n == 0) {
        free(buf);
        return hark_error(HARK_ERR_INVALID_ARG, "espeak-ng gives no pronunciation for \"%s\"",
                          word);
    }
    *out = buf;
    return HARK_OK;
}

/* ---- The per-process cache: word -> phones, filled by espeak-ng on a miss ------------------- */

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static str_map cache;

/* Words espeak-ng is asked about: UTF-8 without spaces or control characters, and short. */
static hark_status check_word(const char *word)
{
    size_t len = strlen(word);
    if (len == 0 || len > 200)
        return hark_error(HARK_ERR_INVALID_ARG, "cannot phonemize \"%.40s\": empty or longer than "
                          "200 bytes", word);
    for (const unsigned char *p = (const unsigned char *)word; *p; p++)
        if (*p <= ' ' || *p == 0x7F)
            return hark_error(HARK_ERR_INVALID_ARG, "cannot phonemize \"%s\": one word without "
                              "spaces or control characters is expected", word);
    const char *s = word;
    while (*s)
        if (hark_utf8_next(&s) < 0)
            return hark_error(HARK_ERR_INVALID_ARG, "cannot phonemize \"%.40s\": not UTF-8", word);
    return HARK_OK;
}

/* Words whose pronunciation alone differs from the one heard in sentences: espeak-ng reads a
 * lone "a" as the letter's name (eI), which it almost never is in running speech. */
static const char *const WEAK_FORMS[][2] = {{"a", "ə"}};

static hark_status phonemize_uncached(const char *word, char **out)
{
    for (size_t i = 0; i < sizeof WEAK_FORMS / sizeof *WEAK_FORMS; i++)
        if (strcmp(word, WEAK_FORMS[i][0]) == 0) {
            *out = strdup(WEAK_FORMS[i][1]);
            return *out ? HARK_OK : hark_error(HARK_ERR_NOMEM, "out of memory");
        }
    char *names = NULL;
    hark_status st = audio_espeak_phonemes(PHONE_VOICE, word, &names);
    if (st == HARK_OK)
        st = phones_from_espeak(word, names, out);
    free(names);
    return st;
}

hark_status phones_of_word(const char *word, char **out)
{
    *out = NULL;
    hark_status st = check_word(word);
    if (st != HARK_OK)
        return st;
    pthread_mutex_lock(&cache_lock);
    const char *hit = str_map_get(&cache, word);
    char *ph = NULL;
    if (hit) {
        if (!(*out = strdup(hit)))
            st = hark_error(HARK_ERR_NOMEM, "out of memory");
    } else if ((st = phonemize_uncached(word, &ph)) == HARK_OK) {
        st = str_map_put(&cache, word, ph);
        *out = ph;
        if (st != HARK_OK) {
            free(ph);
            *out = NULL;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return st;
}
