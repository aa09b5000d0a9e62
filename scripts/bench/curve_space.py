"""The search space of the recorded benchmarks and its seeded sampler, shared by make_curves.py
(PyTorch twins) and record_rung_curves.py (Rung's own trainer): both draw the same configurations
for a benchmark name. numpy only.
"""
import math

import numpy as np

SPACE = {   # name: (kind, low, high) or (choice, options)
    "lr": ("logreal", 1e-4, 0.3),
    "weight_decay": ("logreal", 1e-6, 1e-1),
    "width": ("logint", 8, 256),
    "layers": ("int", 1, 3),
    "dropout": ("real", 0.0, 0.6),
    "batch_size": ("choice", [32, 64, 128, 256]),
    "optimizer": ("choice", ["adam", "sgd"]),
}


def sample_configs(n, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        c = {}
        for name, spec in SPACE.items():
            kind = spec[0]
            if kind == "logreal":
                c[name] = float(math.exp(rng.uniform(math.log(spec[1]), math.log(spec[2]))))
            elif kind == "real":
                c[name] = float(rng.uniform(spec[1], spec[2]))
            elif kind == "logint":
                c[name] = int(round(math.exp(rng.uniform(math.log(spec[1]), math.log(spec[2])))))
            elif kind == "int":
                c[name] = int(rng.integers(spec[1], spec[2] + 1))
            else:
                opts = spec[1]
                c[name] = opts[int(rng.integers(len(opts)))]
        out.append(c)
    return out


def hash_name(name):
    """The sampler's seed for a benchmark: a stable function of its name."""
    return sum((i + 1) * ord(ch) for i, ch in enumerate(name))
