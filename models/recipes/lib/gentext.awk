# gentext.awk - sentences for the general model's synthetic speech (models/recipes/default.sh).
# Every number is written out in words, so the spoken text and its transcript agree exactly.
#
#   awk -v kind=numbers -v n=1000 -v seed=1 -f gentext.awk
#   awk -v kind=english -v n=1500 -v seed=1 -f gentext.awk /usr/share/dict/american-english
#
# kind=numbers: cardinals, years, dates, times, money, percentages, ordinals, phone numbers.
# kind=english: short phrases mixing the commonest English words (function words, a list below)
#   with words drawn uniformly from a word list given as input (lower-case a-z only kept).
BEGIN {
    srand(seed + 0);
    split("zero one two three four five six seven eight nine ten eleven twelve thirteen " \
          "fourteen fifteen sixteen seventeen eighteen nineteen", small, " ");
    split("x x twenty thirty forty fifty sixty seventy eighty ninety", tens, " ");
    split("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth " \
          "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth " \
          "twentieth", ord, " ");
    split("january february march april may june july august september october november " \
          "december", months, " ");
    split("monday tuesday wednesday thursday friday saturday sunday", days, " ");
    split("the of and to a in is it you that he was for on are with as i his they be at one " \
          "have this from or had by not word but what some we can out other were all there " \
          "when up use your how said an each she which do their time if will way about many " \
          "then them write would like so these her long make thing see him two has look more " \
          "day could go come did number sound no most people my over know water than call " \
          "first who may down side been now find any new work part take get place made live " \
          "where after back little only round man year came show every good me give our under " \
          "name very through just form great think say help low line before turn cause same " \
          "mean differ move right boy old too does tell set three want air well also play small " \
          "end put home read hand large add even here must big high such follow act why ask " \
          "men change went light kind off need house picture try us again animal point mother " \
          "world near build self earth father please open close start stop next last today " \
          "tomorrow morning evening night", common, " ");
    ncommon = length(common);
}
kind == "english" && /^[a-z]+$/ && length($0) <= 14 { dict[++ndict] = $0 }
function pick(arr, k) { return arr[int(rand() * k) + 1] }
function below100(v) {
    if (v < 20) return small[v + 1];
    return tens[int(v / 10) + 1] (v % 10 ? " " small[v % 10 + 1] : "");
}
function below1000(v, s) {
    if (v < 100) return below100(v);
    s = small[int(v / 100) + 1] " hundred";
    return v % 100 ? s (rand() < 0.3 ? " and " : " ") below100(v % 100) : s;
}
function cardinal(v, s) {
    if (v < 1000) return below1000(v);
    if (v < 1000000) {
        s = below1000(int(v / 1000)) " thousand";
        return v % 1000 ? s " " below1000(v % 1000) : s;
    }
    s = below1000(int(v / 1000000)) " million";
    return v % 1000000 ? s " " cardinal(v % 1000000) : s;
}
function ordinal(v, c) {
    if (v <= 20) return ord[v];
    if (v % 10 == 0) { c = tens[int(v / 10) + 1]; return substr(c, 1, length(c) - 1) "ieth"; }
    return tens[int(v / 10) + 1] " " ord[v % 10];
}
function year(y, hi, lo) {
    if (y >= 2000 && y < 2010) return "two thousand" (y > 2000 ? " and " small[y - 1999] : "");
    hi = int(y / 100); lo = y % 100;
    if (lo == 0) return below100(hi) " hundred";
    return below100(hi) " " (lo < 10 ? "oh " small[lo + 1] : below100(lo));
}
function clock(h, m) {
    if (m == 0) return below100(h) (rand() < 0.5 ? " o'clock" : "");
    if (m == 15 && rand() < 0.5) return "quarter past " below100(h);
    if (m == 30 && rand() < 0.5) return "half past " below100(h);
    return below100(h) " " (m < 10 ? "oh " small[m + 1] : below100(m));
}
function digits(k, s, i) {
    s = small[int(rand() * 10) + 1];
    for (i = 1; i < k; i++) s = s " " small[int(rand() * 10) + 1];
    return s;
}
function number_sentence(r, d) {
    r = int(rand() * 12);
    if (r == 0) return cardinal(int(rand() * 100));
    if (r == 1) return cardinal(int(rand() * 1000));
    if (r == 2) return cardinal(int(rand() * 1000000));
    if (r == 3) return "in " year(1800 + int(rand() * 230));
    d = int(rand() * 28) + 1;
    if (r == 4) return months[int(rand() * 12) + 1] " " ordinal(d);
    if (r == 5) return "the " ordinal(d) " of " months[int(rand() * 12) + 1];
    if (r == 6) return days[int(rand() * 7) + 1] " " months[int(rand() * 12) + 1] " " ordinal(d) \
                       " " year(1950 + int(rand() * 80));
    if (r == 7) return "at " clock(int(rand() * 12) + 1, int(rand() * 12) * 5) \
                       (rand() < 0.5 ? " in the " (rand() < 0.5 ? "morning" : "evening") : "");
    if (r == 8) return cardinal(int(rand() * 500)) " dollars" \
                       (rand() < 0.5 ? " and " cardinal(int(rand() * 99) + 1) " cents" : "");
    if (r == 9) return cardinal(int(rand() * 101)) " percent";
    if (r == 10) return "call " digits(3) " " digits(3) " " digits(4);
    return "the " ordinal(int(rand() * 99) + 1) " " (rand() < 0.5 ? "one" : "time");
}
function english_sentence(k, s, i, w) {
    k = 2 + int(rand() * 6);
    for (i = 1; i <= k; i++) {
        w = (ndict > 0 && rand() < 0.45) ? pick(dict, ndict) : pick(common, ncommon);
        s = i == 1 ? w : s " " w;
    }
    return s;
}
END {
    for (i = 0; i < n; i++)
        print kind == "numbers" ? number_sentence() : english_sentence();
}
