#!/usr/bin/env python3
# How much a source-pretrained small CNN helps on a 20-labels-per-class Fashion-MNIST target, for
# several source → target class splits, with a PyTorch twin of Rung's small CNN (conv 3×3 32 →
# max-pool → conv 3×3 64 → max-pool → linear). Source: every training image of the source classes,
# 2 epochs, batch 64, Adam 1e-3. Target: `--shots` training images and 100 validation images per
# class from the training file (drawn by the few-shot seed), 20 epochs, batch 16, Adam at 1e-3 and
# 3e-3; from scratch, linear probe and full fine-tuning, each at the learning rate with the best
# validation accuracy; test on the t10k images of the target classes. Prints one line per seed.
# Leaves out augmentation, gradual unfreezing and other backbones. About 2 + 1 minutes per split
# and seed on one thread.
# Usage: python3 scripts/bench/transfer_splits.py [split …]   (splits: see SPLITS)
import gzip
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist/"
SPLITS = {  # name: (source classes, target classes)
    "0-4to5-9": ([0, 1, 2, 3, 4], [5, 6, 7, 8, 9]),
    "odd-to-even": ([1, 3, 5, 7, 9], [0, 2, 4, 6, 8]),
    "to-tops5": ([1, 5, 7, 8, 9], [0, 2, 3, 4, 6]),
    "to-tops4": ([1, 3, 5, 7, 8, 9], [0, 2, 4, 6]),
    "mixed": ([0, 1, 2, 5, 8], [3, 4, 6, 7, 9]),
}


def idx(name, images):
    raw = gzip.open(DATA + name).read()
    if images:
        return np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
    return np.frombuffer(raw, np.uint8, offset=8).astype(np.int64)


class SmallCNN(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3, padding=1)
        self.c2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc = nn.Linear(64 * 7 * 7, classes)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.c1(x)), 2)
        return self.fc(F.relu(F.max_pool2d(self.c2(h), 2)).flatten(1))


def subset(x, y, classes):
    keep = np.isin(y, classes)
    relabel = {c: i for i, c in enumerate(classes)}
    return torch.tensor(x[keep]), torch.tensor([relabel[v] for v in y[keep]])


def train(net, x, y, epochs, lr, batch, params, seed):
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(params, lr=lr)
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), batch):
            b = order[i:i + batch]
            opt.zero_grad()
            F.cross_entropy(net(x[b]), y[b]).backward()
            opt.step()


def accuracy(net, x, y):
    with torch.no_grad():
        return (net(x).argmax(1) == y).float().mean().item()


def main():
    torch.set_num_threads(1)
    xtr, ytr = idx("train-images-idx3-ubyte.gz", True), idx("train-labels-idx1-ubyte.gz", False)
    xte, yte = idx("t10k-images-idx3-ubyte.gz", True), idx("t10k-labels-idx1-ubyte.gz", False)
    for split in sys.argv[1:] or list(SPLITS):
        source, target = SPLITS[split]
        torch.manual_seed(1)
        sx, sy = subset(xtr, ytr, source)
        pre = SmallCNN(len(source))
        train(pre, sx, sy, 2, 1e-3, 64, pre.parameters(), 0)
        tx, ty = subset(xtr, ytr, target)
        test_x, test_y = subset(xte, yte, target)
        for seed in (0, 1, 2):
            rng = np.random.default_rng(seed)
            fit, val = [], []
            for c in range(len(target)):
                rows = rng.permutation(np.where(ty.numpy() == c)[0])
                fit += list(rows[:20])
                val += list(rows[20:120])
            best = {}
            for kind in ("scratch", "probe", "full"):
                for lr in (1e-3, 3e-3):
                    torch.manual_seed(seed + 10)
                    net = SmallCNN(len(target))
                    if kind != "scratch":
                        net.load_state_dict({k: v for k, v in pre.state_dict().items() if not k.startswith("fc")}, strict=False)
                    params = net.fc.parameters() if kind == "probe" else net.parameters()
                    train(net, tx[fit], ty[fit], 20, lr, 16, params, seed)
                    v = accuracy(net, tx[val], ty[val])
                    if v > best.get(kind, (-1,))[0]:
                        best[kind] = (v, accuracy(net, test_x, test_y), lr)
            pretrained = max(best["probe"], best["full"], key=lambda r: r[0])
            cells = "  ".join(f"{k} val {v:.3f} test {t:.3f} (lr {lr:g})" for k, (v, t, lr) in best.items())
            print(f"{split} seed {seed}: {cells}  gain {pretrained[1] - best['scratch'][1]:+.3f}", flush=True)


if __name__ == "__main__":
    main()
