#!/usr/bin/env python3
# PyTorch side of `rung bench cnn`: training steps per second of the same small CNN (conv 3×3 32 pad 1
# → ReLU → max-pool 2 → conv 3×3 64 pad 1 → ReLU → max-pool 2 → linear 10), 1×28×28, AdamW, random data.
# --model small-resnet: the small ResNet of Sources/FineTune/Models/SmallResNet.swift (stem 3×3 16,
# one BasicBlock per stage at widths 16/32/64, global average pool, linear 10).
# Usage: python3 scripts/bench/cnn_torch.py --threads 2 [--seconds 3] [--batch 64] [--model small-cnn|small-resnet]
import argparse
import time

import torch
from torch import nn


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + (x if self.downsample is None else self.downsample(x)))


def small_resnet():
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                         BasicBlock(16, 16, 1), BasicBlock(16, 32, 2), BasicBlock(32, 64, 2),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seconds", type=float, default=3)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--model", choices=["small-cnn", "small-resnet"], default="small-cnn")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    if a.model == "small-resnet":
        model = small_resnet()
    else:
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
    name = "small ResNet" if a.model == "small-resnet" else "small CNN"
    print(f"PyTorch {torch.__version__} {name}  batch {a.batch}  threads {a.threads}  {steps / elapsed:.2f} steps/s")


if __name__ == "__main__":
    main()
