# plan.awk - assign a synthetic voice and speaking style to every sentence (models/recipes/default.sh).
# Input lines: DOMAIN<TAB>TEXT. Output lines: ID<TAB>ENGINE<TAB>VOICE<TAB>P1<TAB>P2<TAB>P3<TAB>TEXT,
# one per rendering, deterministic for a seed:
#   espeak    VOICE = accent+variant, P1 = words per minute, P2 = pitch 0-99, P3 = word gap (10 ms)
#   flite     VOICE = flite voice,    P1 = duration stretch, P2 = mean F0 (Hz), P3 = shift (cents)
#   festival  VOICE = voice function, P1 = duration stretch, P2 unused,         P3 = shift (cents)
#
#   awk -F'\t' -v seed=1 -v renders=2 -v prefix=tr -v set=train -f plan.awk sentences.tsv
# set=train draws from the training voices, set=heldout from the voices kept for evaluation;
# the two lists below never share a voice (nor, for flite/festival, a speaker).
# shift=LO:HI renders flite and festival voices only, each shifted up by LO-HI cents (sox pitch:
# fundamental and formants together), which turns their male speakers into higher, female- and
# child-like voices; without it P3 is 0 (no shift) and the engines are mixed as below.
BEGIN {
    OFS = "\t";
    srand(seed + 0);
    n_acc_train = split("en en-us en-gb-x-rp en-gb-scotland en-gb-x-gbclan en-029 en-us-nyc", acc_train, " ");
    n_acc_held = split("en-gb-x-gbcwmd", acc_held, " ");
    n_var_held = split("f3 m6 steph2 edward2 Annie", var_held, " ");
    for (i = 1; i <= n_var_held; i++) is_held[var_held[i]] = 1;
    n_var_train = 0;
    for (i = 1; i <= split(variants, all, " "); i++)
        if (!(all[i] in is_held)) var_train[++n_var_train] = all[i];
    var_train[++n_var_train] = "none";
    n_fl_train = split("kal kal16 awb rms", fl_train, " ");
    n_fl_held = split("slt", fl_held, " ");
    n_fe_train = split("kal_diphone ked_diphone", fe_train, " ");
    n_fe_held = split("cmu_us_slt_arctic_hts", fe_held, " ");
    count = 0;
    if (shift != "") { split(shift, sh, ":"); shift_lo = sh[1] + 0; shift_hi = sh[2] + 0 }
}
function pick(arr, k) { return arr[int(rand() * k) + 1] }
function uni(lo, hi) { return lo + (hi - lo) * rand() }
function espeak(text, acc, var, v) {
    acc = set == "heldout" ? pick(acc_held, n_acc_held) : pick(acc_train, n_acc_train);
    if (set == "heldout")
        var = rand() < 0.5 ? pick(var_held, n_var_held) : pick(var_train, n_var_train);
    else
        var = pick(var_train, n_var_train);
    v = var == "none" ? acc : acc "+" var;
    return "espeak" OFS v OFS int(uni(120, 221)) OFS int(uni(25, 76)) OFS int(uni(0, 9)) OFS text;
}
function cents() { return shift == "" ? 0 : int(uni(shift_lo, shift_hi)) }
function flite(text, v, f0) {
    v = set == "heldout" ? pick(fl_held, n_fl_held) : pick(fl_train, n_fl_train);
    f0 = v == "slt" ? uni(150, 210) : uni(85, 135);
    return "flite" OFS v OFS sprintf("%.2f", uni(0.8, 1.3)) OFS int(f0) OFS cents() OFS text;
}
function festival(text, v) {
    v = set == "heldout" ? pick(fe_held, n_fe_held) : pick(fe_train, n_fe_train);
    return "festival" OFS v OFS sprintf("%.2f", uni(0.8, 1.3)) OFS 0 OFS cents() OFS text;
}
{
    for (r = 0; r < renders; r++) {
        u = rand();
        if (shift != "")
            line = u < 0.6 ? flite($2) : festival($2);
        else
            line = u < 0.6 ? espeak($2) : u < 0.85 ? flite($2) : festival($2);
        printf "%s%06d_%s\t%s\n", prefix, count++, $1, line;
    }
}
