#!/usr/bin/python3
"""The PyTorch half of bench/train: the same network and step as 'hark bench train' (GRU or
LSTM stack, linear, log_softmax, CTC with reduction='sum', clip_grad_norm_(5), Adam), timed the
same way (one warm-up step, then the median of --reps steps). Prints one JSON line."""
import argparse
import json
import os

import torch
import torch.nn.functional as F

from torch_common import add_net_args, net_from_args, setup, time_runs


def main():
    p = argparse.ArgumentParser(description=__doc__)
    add_net_args(p, frames=200)
    p.add_argument("--batch", type=int, default=16)
    a = p.parse_args()
    setup(a)
    net = net_from_args(a)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    B, T = a.batch, a.frames
    L = max(T // 4, 1)
    x = torch.randn(B, T, a.input)
    targets = torch.randint(1, a.output, (B, L))
    il = torch.full((B,), T, dtype=torch.long)
    tl = torch.full((B,), L, dtype=torch.long)

    def step():
        opt.zero_grad()
        lp = net(x)
        loss = F.ctc_loss(lp.transpose(0, 1), targets, il, tl, reduction="sum")
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()

    med, cpu = time_runs(step, a.reps)
    print(json.dumps({"mode": "train", "threads": a.threads, "step_s": med, "cpu_s": cpu,
                      "audio_s_per_s": B * T * 0.01 / med,
                      "torch": torch.__version__,
                      "openblas_threads_env": os.environ.get("OPENBLAS_NUM_THREADS")}))


if __name__ == "__main__":
    main()
