#!/usr/bin/python3
"""The PyTorch half of bench/infer: single-stream inference (batch 1, torch.inference_mode) of
the same network as 'hark bench infer' - frame stacking, a GRU/LSTM stack, linear, log_softmax -
either with random weights or with the weights of a .hark model file (safetensors layout: 8-byte
little-endian header length, JSON header with dtype/shape/data_offsets and an 'architecture'
entry in __metadata__, then raw little-endian data). One warm-up pass, then the median of --reps
passes. Prints one JSON line."""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn.functional as F


class Net(torch.nn.Module):
    def __init__(self, cell, n_input, stack, layers, hidden, bidirectional, n_output):
        super().__init__()
        self.stack = stack
        cls = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
        self.rnn = cls(n_input * stack, hidden, num_layers=layers, bidirectional=bidirectional,
                       batch_first=True)
        self.out = torch.nn.Linear(hidden * (2 if bidirectional else 1), n_output)

    def forward(self, x):
        B, T, Fd = x.shape
        k = self.stack
        To = (T + k - 1) // k
        if To * k != T:
            x = F.pad(x, (0, 0, 0, To * k - T))
        y, _ = self.rnn(x.reshape(B, To, Fd * k))
        return F.log_softmax(self.out(y), dim=-1)


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
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--model")
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--input", type=int, default=39)
    p.add_argument("--output", type=int, default=29)
    p.add_argument("--stack", type=int, default=1)
    p.add_argument("--frames", type=int, default=1000)
    p.add_argument("--cell", choices=["gru", "lstm"], default="gru")
    p.add_argument("--unidirectional", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    if a.model:
        net, n_input = load_hark(a.model)
    else:
        net = Net(a.cell, a.input, a.stack, a.layers, a.hidden, not a.unidirectional, a.output)
        n_input = a.input
    net.eval()
    x = torch.randn(1, a.frames, n_input)
    times, cpu = [], []
    with torch.inference_mode():
        for r in range(a.reps + 1):
            t0, c0 = time.perf_counter(), time.process_time()
            net(x)
            if r > 0:
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
    times.sort()
    n = len(times)
    med = times[n // 2] if n % 2 else 0.5 * (times[n // 2 - 1] + times[n // 2])
    print(json.dumps({"mode": "infer", "threads": a.threads, "forward_s": med,
                      "cpu_s": sorted(cpu)[len(cpu) // 2],
                      "rtf": med / (a.frames * 0.01)}))


if __name__ == "__main__":
    main()
