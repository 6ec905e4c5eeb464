"""What the PyTorch halves of bench/train and bench/infer share: the network 'hark bench'
builds (frame stacking, a GRU/LSTM stack, linear, log_softmax), its command-line options, the
thread/seed setup and the timing (one warm-up run, then medians of --reps runs)."""
import time

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


def add_net_args(p, frames):
    """The options both scripts take, with the defaults of 'hark bench'."""
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--input", type=int, default=39)
    p.add_argument("--output", type=int, default=29)
    p.add_argument("--stack", type=int, default=1)
    p.add_argument("--frames", type=int, default=frames)
    p.add_argument("--cell", choices=["gru", "lstm"], default="gru")
    p.add_argument("--unidirectional", action="store_true")


def setup(a):
    """Threads and seed, before any weights or inputs are drawn."""
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)


def net_from_args(a):
    return Net(a.cell, a.input, a.stack, a.layers, a.hidden, not a.unidirectional, a.output)


def time_runs(run, reps):
    """Call run() once to warm up, then reps times; returns the median wall time and the
    median CPU time in seconds."""
    times, cpu = [], []
    for r in range(reps + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        run()
        if r > 0:
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    times.sort()
    n = len(times)
    med = times[n // 2] if n % 2 else 0.5 * (times[n // 2 - 1] + times[n // 2])
    return med, sorted(cpu)[len(cpu) // 2]
