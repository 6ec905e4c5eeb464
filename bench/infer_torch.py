#!/usr/bin/python3
"""The PyTorch half of bench/infer: single-stream inference (batch 1, torch.inference_mode) of
the same network as 'hark bench infer' - frame stacking, a GRU/LSTM stack, linear, log_softmax -
either with random weights or with the weights of a .hark model file (safetensors layout: 8-byte
little-endian header length, JSON header with dtype/shape/data_offsets and an 'architecture'
entry in __metadata__, then raw little-endian data). One warm-up pass, then the median of --reps
passes. Prints one JSON line."""
import argparse
import json

import numpy as np
import torch

from torch_common import Net, add_net_args, net_from_args, setup, time_runs


def load_hark(path):
    with open(path, "rb") as f:
        blob = f.read()
    n = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8:8 + n])
    arch = header["__metadata__"]["architecture"]
    arch = json.loads(arch) if isinstance(arch, str) else arch
    net = Net(arch["cell"], arch["n_input"], arch["stack"], arch["layers"], arch["hidden"],
              bool(arch["bidirectional"]), arch["n_output"])
    state = {}
    base = 8 + n
    for name, info in header.items():
        if name == "__metadata__" or info.get("dtype") != "F32":
            continue
        lo, hi = info["data_offsets"]
        arr = np.frombuffer(blob[base + lo:base + hi], dtype="<f4").reshape(info["shape"])
        state[name] = torch.from_numpy(arr.copy())
    own = net.state_dict()
    missing = [k for k in own if k not in state]
    if missing:
        raise SystemExit(f"{path}: tensors missing for PyTorch: {missing}")
    net.load_state_dict({k: state[k] for k in own})
    return net, arch["n_input"]


def main():
    p = argparse.ArgumentParser(description=__doc__)
    add_net_args(p, frames=1000)
    p.add_argument("--model")
    a = p.parse_args()
    setup(a)
    if a.model:
        net, n_input = load_hark(a.model)
    else:
        net, n_input = net_from_args(a), a.input
    net.eval()
    x = torch.randn(1, a.frames, n_input)
    with torch.inference_mode():
        med, cpu = time_runs(lambda: net(x), a.reps)
    print(json.dumps({"mode": "infer", "threads": a.threads, "forward_s": med, "cpu_s": cpu,
                      "rtf": med / (a.frames * 0.01)}))


if __name__ == "__main__":
    main()
