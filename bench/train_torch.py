#!/usr/bin/python3
"""The PyTorch half of bench/train: the same network and step as 'hark bench train' (GRU or
LSTM stack, linear, log_softmax, CTC with reduction='sum', clip_grad_norm_(5), Adam), timed the
same way (one warm-up step, then the median of --reps steps). Prints one JSON line."""
import argparse
import json
import os
import time

import torch
import torch.nn.functional as F


class Net(torch.nn.Module):
    def __init__(self, a):
        super().__init__()
        cls = torch.nn.LSTM if a.cell == "lstm" else torch.nn.GRU
        self.rnn = cls(a.input, a.hidden, num_layers=a.layers, bidirectional=not a.unidirectional,
                       batch_first=True)
        self.out = torch.nn.Linear(a.hidden * (1 if a.unidirectional else 2), a.output)

    def forward(self, x):
        y, _ = self.rnn(x)
        return F.log_softmax(self.out(y), dim=-1)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--input", type=int, default=39)
    p.add_argument("--output", type=int, default=29)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--frames", type=int, default=200)
    p.add_argument("--cell", choices=["gru", "lstm"], default="gru")
    p.add_argument("--unidirectional", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = Net(a)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    B, T = a.batch, a.frames
    L = max(T // 4, 1)
    x = torch.randn(B, T, a.input)
    targets = torch.randint(1, a.output, (B, L))
    il = torch.full((B,), T, dtype=torch.long)
    tl = torch.full((B,), L, dtype=torch.long)
    times, cpu = [], []
    for r in range(a.reps + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad()
        lp = net(x)
        loss = F.ctc_loss(lp.transpose(0, 1), targets, il, tl, reduction="sum")
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        if r > 0:
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    times.sort()
    n = len(times)
    med = times[n // 2] if n % 2 else 0.5 * (times[n // 2 - 1] + times[n // 2])
    print(json.dumps({"mode": "train", "threads": a.threads, "step_s": med,
                      "cpu_s": sorted(cpu)[len(cpu) // 2],
                      "audio_s_per_s": B * T * 0.01 / med,
                      "torch": torch.__version__,
                      "openblas_threads_env": os.environ.get("OPENBLAS_NUM_THREADS")}))


if __name__ == "__main__":
    main()
