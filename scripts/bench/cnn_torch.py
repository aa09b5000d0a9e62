#!/usr/bin/env python3
# PyTorch side of `rung bench cnn`: training steps per second of the same small CNN (conv 3×3 32 pad 1
# → ReLU → max-pool 2 → conv 3×3 64 pad 1 → ReLU → max-pool 2 → linear 10), 1×28×28, AdamW, random data.
# Usage: python3 scripts/bench/cnn_torch.py --threads 2 [--seconds 3] [--batch 64]
import argparse
import time

import torch
from torch import nn


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seconds", type=float, default=3)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--batch", type=int, default=64)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(64 * 7 * 7, 10))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randn(a.batch, 1, 28, 28)
    y = torch.randint(0, 10, (a.batch,))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    start, steps = time.perf_counter(), 0
    while True:
        step()
        steps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= a.seconds:
            break
    print(f"PyTorch {torch.__version__} small CNN  batch {a.batch}  threads {a.threads}  {steps / elapsed:.2f} steps/s")


if __name__ == "__main__":
    main()
