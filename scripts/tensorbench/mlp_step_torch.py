# PyTorch twin of MLPStep.swift: the same two MLPs, AdamW, random data, 1 and 2 threads taking
# turns round by round, best of five rounds. Prints steps/s in the same layout.
# Run by scripts/bench-tensors.sh when PyTorch is installed (version tag: torch 2.13 CPU).
import sys
import time

import torch


def bench(sizes, batch, thread_counts, seconds):
    torch.manual_seed(0)
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    x = torch.rand(batch, sizes[0]) * 2 - 1
    y = torch.randint(0, sizes[-1], (batch,))

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(20):
        step()
    best = [0.0] * len(thread_counts)
    for _ in range(5):
        for i, t in enumerate(thread_counts):
            torch.set_num_threads(t)
            t0, n = time.perf_counter(), 0
            while time.perf_counter() - t0 < seconds / 5:
                step()
                n += 1
            best[i] = max(best[i], n / (time.perf_counter() - t0))
    return best


seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
print(f"PyTorch {torch.__version__}")
print("model              batch  threads  steps/s")
for sizes, batch in [([30, 256, 256, 2], 64), ([784, 512, 256, 10], 128)]:
    for t, rate in zip([1, 2], bench(sizes, batch, [1, 2], seconds)):
        name = "→".join(map(str, sizes))
        print(f"{name:18s} {batch:<6d} {t:<8d} {int(rate)}")
