#!/usr/bin/env python3
"""Records learning curves with Rung's own training core (`rung train`) for the benchmark suite.

Regenerate (no PyTorch; about 3 minutes for both on two cores; deterministic up to the `seconds`
column, which is measured wall time):

    swift build -c release --product rung
    python3 scripts/bench/record_rung_curves.py --out benchmarks --jobs 2                 # both
    python3 scripts/bench/record_rung_curves.py --out /tmp/b --only digits-rung --configs 20   # a quick one

Where make_curves.py trains PyTorch twins, this drives the trainer Rung's workers run: one
`rung train --config FILE.json --test-every-epoch --threads 1` process per (configuration, seed),
27 epochs, reading the per-epoch validation accuracy and loss, test accuracy and seconds from its
metrics.json. N = 400 configurations are drawn at random (seeded by the benchmark's name, as in
make_curves.py) from the same 7-parameter space, each trained with seeds 0 and 1 on one fixed split
(split seed 0, Rung's stratified split):

    lr           log-uniform 1e-4 .. 0.3        weight_decay  log-uniform 1e-6 .. 0.1
    width        log-int 8 .. 256               layers        int 1 .. 3     (hidden = [width] * layers)
    dropout      uniform 0 .. 0.6               batch_size    32, 64, 128, 256
    optimizer    adam (Rung's adamw: decoupled weight decay) or sgd (momentum 0.9, L2 weight decay)

Everything else is Rung's default trial: ReLU, no LayerNorm, cosine learning-rate schedule over the
27 epochs, no warmup, no clipping, no label smoothing; preprocessing (imputation of missing cells,
standardisation, one-hot categoricals) fitted on the training split.

Benchmarks (the tables are real data that ship offline; data/ is never committed):

    cancer-rung  data/breast_cancer.csv (scripts/fetch-breast-cancer.sh: scikit-learn's breast
                 cancer table with 20% of its cells blanked), target diagnosis, 20% / 20% held out
                 for validation / test (343 / 113 / 113 rows)
    digits-rung  data/digits.csv, scikit-learn's bundled digits (8x8 images as 64 pixel columns),
                 written here from sklearn.datasets.load_digits, target digit, 20% / 20% held out
                 (1,079 / 359 / 359 rows)

Writes one row per (configuration, seed, epoch) in Rung's per-epoch export format, as
make_curves.py does:

    trial,seed,epoch,val_error,test_error,val_loss,seconds,param.lr,param.weight_decay,...

val_error / test_error: classification error in percent; val_loss: validation cross-entropy;
seconds: the epoch's wall time (training and validation; the per-epoch test evaluation is outside
it). Runs finished are kept in --work (one JSON line each), so an interrupted recording resumes.
"""
import argparse, concurrent.futures, csv, gzip, io, json, math, os, re, subprocess, sys, tempfile, threading, time

import numpy as np

from curve_space import SPACE, hash_name, sample_configs

EPOCHS = 27
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

BENCHMARKS = {   # name: (data file or None for the built-in synthetic table, target, val., test fraction)
    "cancer-rung": ("data/breast_cancer.csv", "diagnosis", 0.2, 0.2),
    "digits-rung": ("data/digits.csv", "digit", 0.2, 0.2),
}


def prepare_data(name):
    """Makes sure the benchmark's table exists under data/ and returns its path (None: built-in)."""
    rel = BENCHMARKS[name][0]
    if rel is None:
        return None
    path = os.path.join(ROOT, rel)
    if os.path.exists(path):
        return path
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if name == "cancer-rung":
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "fetch-breast-cancer.py")], check=True)
    elif name == "digits-rung":
        from sklearn import datasets
        d = datasets.load_digits()
        tmp = path + ".tmp"
        with open(tmp, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow([f"px{i}" for i in range(d.data.shape[1])] + ["digit"])
            for x, y in zip(d.data, d.target):
                w.writerow([str(int(v)) for v in x] + [f"d{int(y)}"])
        os.replace(tmp, path)
    return path


def trial_config(name, data, c, seed):
    _, target, val, test = BENCHMARKS[name]
    cfg = {
        "hidden": [c["width"]] * c["layers"],
        "dropout": c["dropout"],
        "optimizer": "adamw" if c["optimizer"] == "adam" else "sgd",
        "learningRate": c["lr"],
        "weightDecay": c["weight_decay"],
        "batchSize": c["batch_size"],
        "epochs": EPOCHS,
        "seed": seed,
        "splitSeed": 0,
        "validationFraction": val,
        "testFraction": test,
    }
    if data is not None:
        cfg["data"], cfg["target"] = data, target
    return cfg


def number(v):
    """metrics.json writes non-finite numbers as the strings "nan", "inf", "-inf"."""
    return float(v)


def run_one(rung, name, data, c, trial, seed, work):
    with tempfile.TemporaryDirectory(dir=work) as d:
        path = os.path.join(d, "config.json")
        with open(path, "w") as f:
            json.dump(trial_config(name, data, c, seed), f)
        t0 = time.perf_counter()
        p = subprocess.run([rung, "train", "--config", path, "--test-every-epoch", "--threads", "1", "--out", d],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - t0
        if p.returncode == 0:
            with open(os.path.join(d, "metrics.json")) as f:
                m = json.load(f)
            rows = [(int(e["epoch"]), 100.0 * (1.0 - number(e["accuracy"])), 100.0 * (1.0 - number(e["testAccuracy"])),
                     number(e["validationLoss"]), number(e["seconds"])) for e in m["epochs"]]
        elif "is -nan" in p.stderr or "is nan" in p.stderr:
            rows = diverged(p.stdout, wall)
        else:
            raise RuntimeError(f"{name} trial {trial} seed {seed}: rung train failed: {p.stderr.strip()[-500:]}")
    if [r[0] for r in rows] != list(range(1, EPOCHS + 1)):
        raise RuntimeError(f"{name} trial {trial} seed {seed}: epochs {[r[0] for r in rows]}")
    return rows


def diverged(stdout, wall):
    """The curve of a run that diverged: `rung train` refuses the non-finite predictions of a model
    whose weights became NaN (the trial fails, as it would on a worker) and writes no metrics.json,
    so the epochs before are read from its table (accuracies exact as k/n of the split's rows, losses
    to 4 decimals, seconds to the millisecond), and every epoch from the divergence on is recorded
    as make_curves.py records one: chance-level error 100 * (1 - 1/classes), loss nan, and the
    median seconds of the epochs before (the run's wall time / 27 when it diverged in epoch 1)."""
    n_val = n_test = classes = None
    rows = []
    for line in stdout.splitlines():
        if line.startswith("data: "):
            counts = re.search(r"(\d+) train / (\d+) validation / (\d+) test rows", line)
            n_val, n_test = int(counts.group(2)), int(counts.group(3))
            classes = len(line.split("classes ", 1)[1].split(", "))
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 9 and cells[0].isdigit():
            acc, tacc = round(float(cells[3]) * n_val) / n_val, round(float(cells[8]) * n_test) / n_test
            amount, unit = cells[6].split()
            secs = float(amount) * {"ms": 1e-3, "s": 1.0}[unit]
            rows.append((int(cells[0]), 100.0 * (1 - acc), 100.0 * (1 - tacc), float(cells[2]), secs))
    chance = 100.0 * (1 - 1 / classes)
    sec = float(np.median([r[4] for r in rows])) if rows else wall / EPOCHS
    return rows + [(e, chance, chance, math.nan, sec) for e in range(len(rows) + 1, EPOCHS + 1)]


def fmt(v):
    if isinstance(v, float):
        return "nan" if not math.isfinite(v) else f"{v:.6g}"
    return str(v)


def record(name, a):
    data = prepare_data(name)
    configs = sample_configs(a.configs, seed=hash_name(name))
    runs = [(i, s) for i in range(len(configs)) for s in range(a.seeds)]
    os.makedirs(a.work, exist_ok=True)
    cache_path = os.path.join(a.work, f"{name}-{a.configs}x{a.seeds}.jsonl")
    done = {}
    if os.path.exists(cache_path):
        with open(cache_path) as f:
            for line in f:
                try:
                    r = json.loads(line)
                except json.JSONDecodeError:
                    continue   # a line cut short by an interruption
                done[(r["trial"], r["seed"])] = [tuple(x) for x in r["rows"]]
    todo = [r for r in runs if r not in done]
    print(f"{name}: {len(runs)} runs, {len(done)} already recorded in {cache_path}", file=sys.stderr, flush=True)
    lock = threading.Lock()
    t0 = time.time()
    with open(cache_path, "a") as cache, concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        futures = {pool.submit(run_one, a.rung, name, data, configs[i], i, s, a.work): (i, s) for i, s in todo}
        for n, fut in enumerate(concurrent.futures.as_completed(futures), 1):
            i, s = futures[fut]
            rows = fut.result()
            with lock:
                done[(i, s)] = rows
                cache.write(json.dumps({"trial": i, "seed": s, "rows": rows}) + "\n")
                cache.flush()
            if n % 20 == 0 or n == len(todo):
                print(f"{name}: {len(done)}/{len(runs)} runs, {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    keys = list(SPACE)
    buf = io.StringIO()
    buf.write("trial,seed,epoch,val_error,test_error,val_loss,seconds," + ",".join("param." + k for k in keys) + "\n")
    for i, s in runs:
        c = configs[i]
        for epoch, ve, te, vl, sec in done[(i, s)]:
            buf.write(f"{i},{s},{epoch},{ve:.4g},{te:.4g},{fmt(vl)},{sec:.4g}," + ",".join(fmt(c[k]) for k in keys) + "\n")
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, name + ".csv.gz")
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        f.write(buf.getvalue().encode())
    final = np.array([[np.mean([done[(i, s)][-1][1] for s in range(a.seeds)])] for i in range(len(configs))])
    print(f"{name}: wrote {path} ({os.path.getsize(path)} bytes); mean val. error at {EPOCHS} epochs: best "
          f"{final.min():.2f}, median {np.median(final):.2f}, worst {final.max():.2f}", file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rung", default=os.path.join(ROOT, ".build", "release", "rung"))
    ap.add_argument("--out", default=os.path.join(ROOT, "benchmarks"))
    ap.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="benchmark name (repeatable)")
    ap.add_argument("--configs", type=int, default=400)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=2, help="rung train processes at once (one BLAS thread each)")
    ap.add_argument("--work", default=os.path.join(ROOT, "data", ".cache", "rung-curves"),
                    help="runs recorded so far (resumable) and the runs' scratch directories")
    a = ap.parse_args()
    for name in a.only or sorted(BENCHMARKS):
        record(name, a)


if __name__ == "__main__":
    main()
