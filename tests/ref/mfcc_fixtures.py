"""Reference MFCC features from torchaudio.compliance.kaldi.mfcc, deltas from
torchaudio.functional.compute_deltas and sliding-window CMN from
torchaudio.functional.sliding_window_cmn, for tests/test_mfcc.c.

Run from the repository root with Debian's python (torch 1.13, torchaudio 0.13):
    /usr/bin/python3 tests/ref/mfcc_fixtures.py
It writes tests/ref/mfcc_fixtures.hkfx (see tests/ref/hkfx.py). For every case it stores
    CASE/config  the settings, in the order of CONFIG_KEYS below (the C test builds its config
                 from these numbers, so the two sides cannot drift apart)
    CASE/mfcc    (T, num_ceps) torchaudio's MFCC
    CASE/delta   (T, num_ceps) compute_deltas(mfcc), win_length 5
    CASE/ddelta  (T, num_ceps) compute_deltas(delta)
and per source recording SRC/wave: the samples torchaudio.load gives (in [-1, 1]). For live CMVN,
per window case cmn_W_M (W frames of history, M at the start; CMN_CASES below):
    cmn_W_M/out  (T, 39) sliding_window_cmn(default16k's mfcc|delta|ddelta, W, M, center=False),
                 computed in double, divided by CMN_STD (the training set's std in hark)
"""
import os
import sys

import torch
import torchaudio

sys.path.insert(0, os.path.dirname(__file__))
import hkfx  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
AUDIO = os.path.join(ROOT, "tests", "data", "audio")

SOURCES = {
    "fsdd8k": "fsdd_3_jackson_7.wav",  # 8 kHz
    "sc16k": "sc_yes_022cd682.flac",   # 16 kHz
}

WINDOWS = {"povey": 0, "hamming": 1, "hanning": 2, "rectangular": 3}
CONFIG_KEYS = ["sample_rate", "frame_length", "frame_shift", "preemphasis", "remove_dc",
               "window", "pow2", "num_mel_bins", "low_freq", "high_freq", "use_energy",
               "raw_energy", "energy_floor", "input_scale", "num_ceps", "cepstral_lifter"]

# Kaldi's compute-mfcc-feats defaults (what hark_mfcc_default_config gives), then variations that
# exercise every option the C extractor has a counterpart for.
DEFAULT = dict(frame_length=25.0, frame_shift=10.0, preemphasis=0.97, remove_dc=1, window="povey",
               pow2=1, num_mel_bins=23, low_freq=20.0, high_freq=0.0, use_energy=1, raw_energy=1,
               energy_floor=0.0, input_scale=32768.0, num_ceps=13, cepstral_lifter=22.0)

CASES = {
    "default16k": ("sc16k", {}),
    "default8k": ("fsdd8k", {}),
    "hamming16k": ("sc16k", dict(window="hamming", num_mel_bins=40, num_ceps=20, low_freq=60.0,
                                 high_freq=-400.0, cepstral_lifter=0.0, use_energy=0,
                                 preemphasis=0.5, remove_dc=0, frame_length=20.0,
                                 frame_shift=12.0, pow2=0)),
    "hann8k": ("fsdd8k", dict(window="hanning", raw_energy=0, energy_floor=1.0, input_scale=1.0,
                              num_mel_bins=15, num_ceps=10, cepstral_lifter=10.0)),
    "rect16k": ("sc16k", dict(window="rectangular", high_freq=7000.0, frame_shift=7.5)),
}


# (cmn_window, min_cmn_window): the utterance (98 frames) shorter than the minimum window, then
# windows that slide, down to one frame.
CMN_CASES = [(600, 100), (20, 5), (8, 8), (1, 1)]
CMN_STD = [1.0 + 0.05 * i for i in range(39)]


def main():
    arrays = {}
    waves = {}
    for name, fname in SOURCES.items():
        w, sr = torchaudio.load(os.path.join(AUDIO, fname))
        waves[name] = (w[:1], sr)
        arrays[name + "/wave"] = w[0].numpy()
    for case, (src, over) in CASES.items():
        cfg = dict(DEFAULT, **over)
        w, sr = waves[src]
        cfg["sample_rate"] = sr
        mf = torchaudio.compliance.kaldi.mfcc(
            w * cfg["input_scale"], sample_frequency=sr, frame_length=cfg["frame_length"],
            frame_shift=cfg["frame_shift"], dither=0.0, preemphasis_coefficient=cfg["preemphasis"],
            remove_dc_offset=bool(cfg["remove_dc"]), window_type=cfg["window"],
            round_to_power_of_two=bool(cfg["pow2"]), num_mel_bins=cfg["num_mel_bins"],
            low_freq=cfg["low_freq"], high_freq=cfg["high_freq"],
            use_energy=bool(cfg["use_energy"]), raw_energy=bool(cfg["raw_energy"]),
            energy_floor=cfg["energy_floor"], num_ceps=cfg["num_ceps"],
            cepstral_lifter=cfg["cepstral_lifter"], snip_edges=True)
        d = torchaudio.functional.compute_deltas(mf.T.unsqueeze(0), win_length=5)
        dd = torchaudio.functional.compute_deltas(d, win_length=5)
        conf = [float(WINDOWS[cfg[k]]) if k == "window" else float(cfg[k]) for k in CONFIG_KEYS]
        arrays[case + "/config"] = conf
        arrays[case + "/source"] = [float(list(SOURCES).index(src))]
        arrays[case + "/mfcc"] = mf.numpy()
        arrays[case + "/delta"] = d[0].T.numpy()
        arrays[case + "/ddelta"] = dd[0].T.numpy()
        print(f"{case}: {tuple(mf.shape)} from {src}")
        if case == "default16k":
            feats = torch.cat([mf, d[0].T, dd[0].T], dim=1).double()
            std = torch.tensor(CMN_STD, dtype=torch.float64)
            for win, least in CMN_CASES:
                out = torchaudio.functional.sliding_window_cmn(feats, cmn_window=win,
                                                               min_cmn_window=least, center=False)
                arrays[f"cmn_{win}_{least}/out"] = (out / std).float().numpy()
            arrays["cmn/std"] = CMN_STD
    out = os.path.join(ROOT, "tests", "ref", "mfcc_fixtures.hkfx")
    hkfx.write(out, arrays)
    print("wrote", out, os.path.getsize(out), "bytes")


if __name__ == "__main__":
    main()
