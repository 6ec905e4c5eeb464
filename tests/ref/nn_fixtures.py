#!/usr/bin/python3
"""Reference fixtures for the recurrent network, CTC and a short training run, from PyTorch.

Run from the repository root with Debian's python (torch 1.13):
    /usr/bin/python3 tests/ref/nn_fixtures.py
It writes (HKFX containers, see tests/ref/hkfx.py; read by tests/test_nn_ref.c):
    tests/ref/nn_rnn.hkfx    GRU and LSTM, uni- and bidirectional, 2 layers, mixed lengths
                             (pack_padded_sequence): inputs, weights, outputs and the gradients
                             of every weight and of the input for the loss sum(y * R)
    tests/ref/ctc_ref.hkfx   torch.nn.functional.ctc_loss on log_softmax outputs, a batch with
                             mixed lengths and one infeasible utterance: per-utterance losses
                             (inf where infeasible) and the gradient of the summed loss with
                             respect to the logits (zero_infinity=True, so the infeasible
                             utterance contributes none)
    tests/ref/nn_train.hkfx  a tiny whole net (stack 2 + 2-layer bidirectional GRU + linear +
                             log_softmax + CTC): initial weights, inputs, the first step's outputs
                             and gradients, and 10 steps of Adam with gradient clipping (losses)
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hkfx  # noqa: E402

OUT = os.path.dirname(os.path.abspath(__file__))
torch.set_num_threads(1)


def run_rnn(rnn, x, lengths):
    packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    y, _ = rnn(packed)
    y, _ = pad_packed_sequence(y, batch_first=True, total_length=x.shape[1])
    return y


def rnn_cases():
    arrays = {}
    B, T, I, H = 3, 7, 5, 6
    lengths = [7, 4, 2]
    for cell in ("gru", "lstm"):
        for bidir in (0, 1):
            torch.manual_seed(100 + 10 * (cell == "lstm") + bidir)
            cls = torch.nn.GRU if cell == "gru" else torch.nn.LSTM
            rnn = cls(I, H, num_layers=2, bidirectional=bool(bidir), batch_first=True)
            x = torch.randn(B, T, I, requires_grad=True)
            D = 2 if bidir else 1
            r = torch.randn(B, T, D * H)
            y = run_rnn(rnn, x, lengths)
            (y * r).sum().backward()
            p = f"{cell}{'_bi' if bidir else ''}."
            arrays[p + "x"] = x.detach()
            arrays[p + "r"] = r
            arrays[p + "lengths"] = np.array(lengths, dtype=np.float32)
            arrays[p + "y"] = y.detach()
            arrays[p + "dx"] = x.grad
            for name, w in rnn.named_parameters():
                arrays[p + name] = w.detach()
                arrays[p + "grad." + name] = w.grad
    return arrays


def ctc_case():
    torch.manual_seed(7)
    B, T, V = 4, 12, 6
    in_len = [12, 9, 5, 3]
    targets = [[1, 2, 2, 3], [4, 4], [5, 1, 2], [1, 1, 2]]  # the last needs 4 frames, has 3
    logits = (2.0 * torch.randn(B, T, V)).requires_grad_()
    lp = F.log_softmax(logits, dim=-1)
    flat = torch.tensor([t for ts in targets for t in ts], dtype=torch.long)
    tl = torch.tensor([len(t) for t in targets])
    il = torch.tensor(in_len)
    losses = F.ctc_loss(lp.transpose(0, 1), flat, il, tl, blank=0, reduction="none",
                        zero_infinity=False)
    total = F.ctc_loss(lp.transpose(0, 1), flat, il, tl, blank=0, reduction="sum",
                       zero_infinity=True)
    total.backward()
    assert torch.isinf(losses[3]) and torch.isfinite(losses[:3]).all()
    return {
        "logits": logits.detach(), "logprobs": lp.detach(),
        "in_lengths": np.array(in_len, dtype=np.float32),
        "targets": flat.float(), "target_lengths": tl.float(),
        "losses": losses.detach(), "dlogits": logits.grad,
    }


class TinyNet(torch.nn.Module):
    """What hark_net computes: stack k frames (zeros past each utterance's end), keep every k-th,
    recurrent layers over packed sequences, a linear layer and log_softmax."""

    def __init__(self, F_in, k, H, V):
        super().__init__()
        self.k = k
        self.rnn = torch.nn.GRU(F_in * k, H, num_layers=2, bidirectional=True, batch_first=True)
        self.out = torch.nn.Linear(2 * H, V)

    def forward(self, x, lengths):
        B, T, Fd = x.shape
        k = self.k
        To = (T + k - 1) // k
        mask = (torch.arange(T)[None, :] < torch.tensor(lengths)[:, None]).float()
        x = x * mask[:, :, None]
        x = F.pad(x, (0, 0, 0, To * k - T)).reshape(B, To, Fd * k)
        out_len = [(n + k - 1) // k for n in lengths]
        y = run_rnn(self.rnn, x, out_len)
        return F.log_softmax(self.out(y), dim=-1), out_len


def train_case():
    torch.manual_seed(11)
    F_in, k, H, V, B, T = 4, 2, 8, 6, 3, 10
    lengths = [10, 7, 4]
    targets = [[1, 2, 3], [4, 4], [5]]
    net = TinyNet(F_in, k, H, V)
    x = torch.randn(B, T, F_in)
    arrays = {"x": x, "lengths": np.array(lengths, dtype=np.float32)}
    for name, w in net.named_parameters():
        arrays["init." + name] = w.detach().clone()
    flat = torch.tensor([t for ts in targets for t in ts], dtype=torch.long)
    tl = torch.tensor([len(t) for t in targets])
    arrays["targets"] = flat.float()
    arrays["target_lengths"] = tl.float()
    lr, clip = 0.02, 1.0
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    losses, norms = [], []
    for step in range(10):
        opt.zero_grad()
        lp, out_len = net(x, lengths)
        loss = F.ctc_loss(lp.transpose(0, 1), flat, torch.tensor(out_len), tl, blank=0,
                          reduction="sum")
        loss.backward()
        if step == 0:
            arrays["step0.logprobs"] = lp.detach()
            for name, w in net.named_parameters():
                arrays["step0.grad." + name] = w.grad.detach().clone()
        norms.append(float(torch.nn.utils.clip_grad_norm_(net.parameters(), clip)))
        opt.step()
        losses.append(float(loss))
    arrays["losses"] = np.array(losses, dtype=np.float32)
    arrays["grad_norms"] = np.array(norms, dtype=np.float32)
    arrays["hyper"] = np.array([lr, clip], dtype=np.float32)
    for name, w in net.named_parameters():
        arrays["final." + name] = w.detach()
    return arrays


def main():
    hkfx.write(os.path.join(OUT, "nn_rnn.hkfx"), rnn_cases())
    hkfx.write(os.path.join(OUT, "ctc_ref.hkfx"), ctc_case())
    hkfx.write(os.path.join(OUT, "nn_train.hkfx"), train_case())


if __name__ == "__main__":
    main()
