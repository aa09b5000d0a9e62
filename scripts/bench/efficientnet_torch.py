#!/usr/bin/env python3
# PyTorch side of `rung bench efficientnet`: EfficientNet-Lite0 inference (random weights, eval mode,
# no_grad) in ms per image at batch 1 and images/s at --batch, using the twin network of
# scripts/fixtures/efficientnet_lite0.py (TensorFlow "same" padding as an explicit pad).
# Usage: python3 scripts/bench/efficientnet_torch.py --threads 2 [--size 224] [--batch 16] [--seconds 3]
import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from efficientnet_lite0 import Lite0  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--seconds", type=float, default=3)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = Lite0().eval()
    for n in (1, a.batch):
        x = torch.randn(n, 3, a.size, a.size)
        with torch.no_grad():
            model(x)
            start, passes = time.perf_counter(), 0
            while True:
                model(x)
                passes += 1
                elapsed = time.perf_counter() - start
                if elapsed >= a.seconds:
                    break
        per = elapsed / (passes * n)
        print(f"PyTorch {torch.__version__} EfficientNet-Lite0 {a.size}x{a.size}  batch {n:3d}  threads {a.threads}  "
              f"{per * 1000:8.2f} ms/image  {1 / per:8.1f} images/s")


if __name__ == "__main__":
    main()
