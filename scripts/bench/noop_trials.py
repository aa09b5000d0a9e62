#!/usr/bin/env python3
"""No-op trial throughput: Rung's coordinator against Optuna with SQLite storage, same machine, same run.

Optuna: `study.optimize` of a trivial objective with `sqlite:///…` storage (each trial is created,
suggested, told and committed to SQLite). Rung: `rung bench-coordinator --noop-trials N`, a real
coordinator with its journal and SQLite store, and workers over ZeroMQ on loopback that answer
each ASSIGN at once with REPORT and DONE.

With --curve, Rung also runs with CURVE on every connection (fresh keys, as across machines) and
the CURVE / plain ratio is printed (same run, so the same machine load).

Run from the package root after `swift build -c release`:
    python3 scripts/bench/noop_trials.py [--trials 2000] [--workers 4] [--rung .build/release/rung] [--curve]
"""
import argparse
import os
import re
import subprocess
import tempfile
import time

import optuna


def optuna_rate(trials: int) -> float:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with tempfile.TemporaryDirectory() as d:
        storage = f"sqlite:///{os.path.join(d, 'optuna.db')}"
        study = optuna.create_study(storage=storage, study_name="noop", direction="minimize",
                                    sampler=optuna.samplers.RandomSampler(seed=1))
        start = time.perf_counter()
        study.optimize(lambda t: t.suggest_float("x", -5, 5) ** 2, n_trials=trials)
        return trials / (time.perf_counter() - start)


def rung_rate(rung: str, trials: int, workers: int, curve: bool = False) -> float:
    out = subprocess.run([rung, "bench-coordinator", "--noop-trials", str(trials), "--workers", str(workers)]
                         + (["--curve"] if curve else []),
                         check=True, capture_output=True, text=True).stdout
    print("  " + out.strip())
    return float(re.search(r"= ([0-9.]+) trials/s", out).group(1))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=2000)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--rung", default=".build/release/rung")
    p.add_argument("--curve", action="store_true", help="also run Rung with CURVE on and print the ratio")
    a = p.parse_args()
    print(f"optuna {optuna.__version__}, SQLite storage, {a.trials} trials ...")
    o = optuna_rate(a.trials)
    print(f"  optuna: {o:.1f} trials/s")
    print(f"rung coordinator, {a.workers} workers over ZeroMQ, {a.trials} trials ...")
    r = rung_rate(a.rung, a.trials, a.workers)
    print(f"rung / optuna = {r / o:.1f}x")
    if a.curve:
        print(f"rung coordinator with CURVE, {a.workers} workers, {a.trials} trials ...")
        c = rung_rate(a.rung, a.trials, a.workers, curve=True)
        print(f"rung CURVE / plain = {c / r:.2f}; CURVE / optuna = {c / o:.1f}x")


if __name__ == "__main__":
    main()
