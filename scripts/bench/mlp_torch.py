#!/usr/bin/env python3
# PyTorch side of scripts/bench-mlp.sh: training steps per second of the same MLPs as
# `rung bench mlp` (nn.Linear/ReLU stacks, AdamW with PyTorch's defaults, random data).
# Usage: python3 scripts/bench/mlp_torch.py --threads 2 [--seconds 3] [--warmup 50] [--json]
import argparse
import json
import time

import torch
from torch import nn

CASES = [("30-256-256-2/b64", [30, 256, 256, 2], 64), ("784-512-256-10/b128", [784, 512, 256, 10], 128)]


def mlp(widths):
    layers = []
    for a, b in zip(widths[:-2], widths[1:-1]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    layers.append(nn.Linear(widths[-2], widths[-1]))
    return nn.Sequential(*layers)


def measure(widths, batch, seconds, warmup):
    torch.manual_seed(42)
    model = mlp(widths)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randn(batch, widths[0])
    y = torch.randint(0, widths[-1], (batch,))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(warmup):
        step()
    start = time.perf_counter()
    steps = 0
    while True:
        for _ in range(10):
            step()
        steps += 10
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return steps, elapsed


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seconds", type=float, default=3)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    for name, widths, batch in CASES:
        steps, elapsed = measure(widths, batch, a.seconds, a.warmup)
        sps = steps / elapsed
        if a.json:
            print(json.dumps({"impl": "torch", "case": name, "threads": a.threads, "steps_per_s": sps,
                              "samples_per_s": sps * batch, "version": torch.__version__}))
        else:
            print(f"{name:22s} {a.threads:7d} {sps:10.1f} {sps * batch:11.1f}")


if __name__ == "__main__":
    main()
