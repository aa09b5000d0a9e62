#!/usr/bin/env python3
"""Records real learning curves for Rung's benchmark suite (benchmarks/*.csv.gz).

Regenerate (CPU only, about 10 min of CPU; deterministic up to the `seconds` column,
which is measured wall time, and float rounding of the thread pool):

    python3 -m pip install torch==2.13.0+cpu scikit-learn   # the CPU wheel, never a plain `torch`
    python3 scripts/bench/make_curves.py --out benchmarks --only digits-mlp --only cancer-mlp --only diabetes-mlp
    python3 scripts/bench/make_curves.py --out benchmarks --only fmnist-mlp --configs 300 --seeds 1
    python3 scripts/bench/make_curves.py --out benchmarks --only digits-mlp --configs 40   # a quick one

Each benchmark trains MLPs (PyTorch, one thread, many models per batched step) on a real data set for 27 epochs, for N = 400 (300 for Fashion-MNIST)
configurations drawn at random (seeded) from one search space, each with 2 training seeds (1 for
Fashion-MNIST, the slow one; 600 training images), and
writes one row per (configuration, seed, epoch) in Rung's per-epoch export format:

    trial,seed,epoch,val_error,test_error,val_loss,seconds,param.lr,param.weight_decay,...

`val_error`/`test_error` are classification error in percent (regression: 100 * (1 - R^2), the share
of variance left unexplained, in percent) on a fixed validation / test split; `val_loss` the
validation loss; `seconds` the measured wall time of that epoch (training plus evaluation) of the
batch of models trained together, split between them by their multiply-adds.
The data sets ship offline: scikit-learn's bundled digits, breast cancer and diabetes, and
Fashion-MNIST from Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
"""
import argparse, gzip, io, math, os, struct, sys, time

import numpy as np
import torch
import torch.nn as nn

from curve_space import SPACE, hash_name, sample_configs

EPOCHS = 27

def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, rows * cols)
    return np.frombuffer(data, np.uint8, offset=8)


def split(x, y, n_val, n_test, seed):
    idx = np.random.default_rng(seed).permutation(len(x))
    te, va, tr = idx[:n_test], idx[n_test:n_test + n_val], idx[n_test + n_val:]
    return (x[tr], y[tr]), (x[va], y[va]), (x[te], y[te])


def standardise(train, *others):
    mu, sd = train[0].mean(0), train[0].std(0) + 1e-6
    return [((x - mu) / sd, y) for x, y in (train,) + others]


def load(name):
    """(train, val, test, task) with float32 features; task is 'class' or 'regress'."""
    from sklearn import datasets
    if name == "digits-mlp":
        d = datasets.load_digits()
        parts = split(d.data.astype(np.float32), d.target, 360, 360, 0)
        return (*standardise(*parts), "class")
    if name == "cancer-mlp":
        d = datasets.load_breast_cancer()
        parts = split(d.data.astype(np.float32), d.target, 114, 114, 0)
        return (*standardise(*parts), "class")
    if name == "diabetes-mlp":
        d = datasets.load_diabetes()
        y = ((d.target - d.target.mean()) / d.target.std()).astype(np.float32)
        parts = split(d.data.astype(np.float32), y, 88, 88, 0)
        return (*standardise(*parts), "regress")
    if name == "fmnist-mlp":
        root = os.environ.get("FASHION_MNIST", "/usr/share/datasets/fashion-mnist")
        x = read_idx(os.path.join(root, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255
        y = read_idx(os.path.join(root, "train-labels-idx1-ubyte.gz")).astype(np.int64)
        xt = read_idx(os.path.join(root, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255
        yt = read_idx(os.path.join(root, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
        # 14x14 by 2x2 average pooling: a quarter of the compute, the task stays hard.
        pool = lambda a: a.reshape(-1, 14, 2, 14, 2).mean((2, 4)).reshape(-1, 196)
        rng = np.random.default_rng(0)
        i = rng.permutation(len(x))
        tr, va = i[:600], i[600:2600]
        te = rng.permutation(len(xt))[:2000]
        return (*standardise((pool(x[tr]), y[tr]), (pool(x[va]), y[va]), (pool(xt[te]), yt[te])), "class")
    raise SystemExit(f"unknown benchmark {name}")


def train_chunk(configs, seeds, data):
    """Trains len(configs) MLPs at once (batched matrix products; one Python step drives them all).

    All configurations of a chunk share layers, batch size and optimizer; widths differ (hidden units
    past a model's width are masked to zero, so it is exactly the narrower network) and so do the
    learning rate, weight decay and dropout. Each model has its own initialisation (PyTorch's
    default for Linear: U(-1/sqrt(fan_in), 1/sqrt(fan_in))); the chunk shares the minibatch order.
    Returns per model a list of (epoch, val_error, test_error, val_loss, seconds) and the chunk's
    measured seconds per epoch are split between models by their multiply-adds.
    """
    (xtr, ytr), (xva, yva), (xte, yte), task = data
    K = len(configs)
    c0 = configs[0]
    L, bs, adam = c0["layers"], c0["batch_size"], c0["optimizer"] == "adam"
    d_in = xtr.shape[1]
    d_out = int(ytr.max()) + 1 if task == "class" else 1
    wmax = max(c["width"] for c in configs)
    widths = torch.tensor([c["width"] for c in configs])
    mask = (torch.arange(wmax)[None, :] < widths[:, None]).float()[:, None, :]          # [K,1,W]
    gen = torch.Generator().manual_seed(int(seeds[0]) * 7919 + 17)
    params = []
    dims = [d_in] + [wmax] * L + [d_out]
    for l in range(L + 1):
        fan_in = torch.full((K,), float(d_in)) if l == 0 else widths.float()
        bound = (1.0 / fan_in.sqrt())[:, None, None]
        W = (torch.rand(K, dims[l], dims[l + 1], generator=gen) * 2 - 1) * bound
        b = (torch.rand(K, 1, dims[l + 1], generator=gen) * 2 - 1) * bound
        params += [W.requires_grad_(), b.requires_grad_()]
    lr = torch.tensor([c["lr"] for c in configs])[:, None, None]
    wd = torch.tensor([c["weight_decay"] for c in configs])[:, None, None]
    keep = (1 - torch.tensor([c["dropout"] for c in configs]))[:, None, None]
    state = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
    macs = torch.tensor([float(d_in * c["width"] + c["width"] ** 2 * (L - 1) + c["width"] * d_out) for c in configs])
    share = macs / macs.sum()
    Xtr, Ytr = torch.from_numpy(xtr), torch.from_numpy(ytr)
    evals = [(torch.from_numpy(xva), torch.from_numpy(yva)), (torch.from_numpy(xte), torch.from_numpy(yte))]

    def forward(X, train):
        h = X.expand(K, -1, -1)
        for l in range(L):
            h = torch.relu(torch.baddbmm(params[2 * l + 1], h, params[2 * l])) * mask
            if train:
                h = h * (torch.rand(h.shape, generator=gen) < keep).float() / keep
        return torch.baddbmm(params[-1], h, params[-2])

    def losses(out, Y):
        if task == "class":
            return nn.functional.cross_entropy(out.permute(0, 2, 1), Y.expand(K, -1), reduction="none").mean(1)
        return ((out.squeeze(-1) - Y[None, :]) ** 2).mean(1)

    rows = [[] for _ in range(K)]
    step = 0
    for epoch in range(1, EPOCHS + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(len(Xtr), generator=gen)
        for s in range(0, len(Xtr), bs):
            b = perm[s:s + bs]
            loss = torch.nan_to_num(losses(forward(Xtr[b], True), Ytr[b]), nan=0.0, posinf=0.0).sum()
            grads = torch.autograd.grad(loss, params)
            step += 1
            with torch.no_grad():
                for p, g, (m, v) in zip(params, grads, state):
                    g = torch.nan_to_num(g, nan=0.0, posinf=0.0, neginf=0.0)
                    if adam:   # AdamW: decoupled weight decay
                        p.mul_(1 - lr * wd)
                        m.mul_(0.9).add_(0.1 * g)
                        v.mul_(0.999).add_(0.001 * g * g)
                        mh, vh = m / (1 - 0.9 ** step), v / (1 - 0.999 ** step)
                        p.sub_(lr * mh / (vh.sqrt() + 1e-8))
                    else:      # SGD with momentum 0.9 and L2 weight decay
                        g = g + wd * p
                        m.mul_(0.9).add_(g)
                        p.sub_(lr * m)
        with torch.no_grad():
            res = []
            for X, Y in evals:
                out = forward(X, False)
                l = losses(out, Y)
                if task == "class":
                    err = 100.0 * (out.argmax(2) != Y[None, :]).float().mean(1)
                else:
                    err = 100.0 * l / float(Y.var(unbiased=False))
                bad = ~torch.isfinite(l)
                err = torch.where(bad | ~torch.isfinite(err), torch.full_like(err, 100.0 * (1 - 1 / d_out) if task == "class" else 100.0), err)
                res.append((err.clamp(max=1000.0), l))
        secs = (time.perf_counter() - t0) * share
        for k in range(K):
            rows[k].append((epoch, float(res[0][0][k]), float(res[1][0][k]), float(res[0][1][k]), float(secs[k])))
    return rows


def fmt(v):
    if isinstance(v, float):
        return "nan" if not math.isfinite(v) else f"{v:.6g}"
    return str(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="benchmarks")
    ap.add_argument("--only", action="append", help="benchmark name (repeatable)")
    ap.add_argument("--configs", type=int, default=400)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=32, help="models trained at once")
    a = ap.parse_args()
    torch.set_num_threads(1)
    names = a.only or ["digits-mlp", "cancer-mlp", "diabetes-mlp", "fmnist-mlp"]
    os.makedirs(a.out, exist_ok=True)
    for name in names:
        data = load(name)
        configs = sample_configs(a.configs, seed=hash_name(name))
        buf = io.StringIO()
        keys = list(SPACE)
        buf.write("trial,seed,epoch,val_error,test_error,val_loss,seconds," + ",".join("param." + k for k in keys) + "\n")
        t0 = time.time()
        runs = [(i, s) for i in range(len(configs)) for s in range(a.seeds)]
        groups = {}
        for i, s in runs:
            c = configs[i]
            groups.setdefault((c["layers"], c["batch_size"], c["optimizer"]), []).append((i, s))
        out = {}
        done = 0
        for key in sorted(groups):
            members = sorted(groups[key], key=lambda r: configs[r[0]]["width"])
            for j in range(0, len(members), a.chunk):
                chunk = members[j:j + a.chunk]
                rows = train_chunk([configs[i] for i, _ in chunk], [1000 * i + s for i, s in chunk], data)
                for (i, s), r in zip(chunk, rows):
                    out[(i, s)] = r
                done += len(chunk)
                print(f"{name}: {done}/{len(runs)} runs, {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
        for i, s in runs:
            c = configs[i]
            for epoch, ve, te, vl, sec in out[(i, s)]:
                buf.write(f"{i},{s},{epoch},{ve:.4g},{te:.4g},{fmt(vl)},{sec:.4g}," + ",".join(fmt(c[k]) for k in keys) + "\n")
        path = os.path.join(a.out, name + ".csv.gz")
        with gzip.GzipFile(path, "wb", mtime=0) as f:
            f.write(buf.getvalue().encode())
        print(f"{name}: wrote {path} ({os.path.getsize(path)} bytes) in {time.time() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
