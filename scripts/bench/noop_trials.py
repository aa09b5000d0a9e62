#!/usr/bin/env python3
"""No-op trial throughput: Rung's coordinator against Optuna with SQLite storage, same machine, same run.

Every trial reports 9 intermediate values (epochs 1…9) on both sides, and both sides judge them
with early stopping on the same ladder (min resource 1, reduction factor 3: rungs at epochs 1, 3, 9):

- Optuna: `study.optimize` with `sqlite:///…` storage and a `SuccessiveHalvingPruner(min_resource=1,
  reduction_factor=3)`; the objective suggests x, then for each step 1…9 calls `trial.report`
  and `trial.should_prune()` (raising `TrialPruned` when told to).
- Rung: `rung bench-coordinator --noop-trials N --epochs 9`: a real coordinator (log and rows in
  SQLite, one transaction per batch) with `scheduler: asha-stopping` on the same ladder, and
  workers over ZeroMQ on loopback that answer each ASSIGN at once with the 9 REPORTs a trial
  printing 9 epoch metric lines makes, then DONE.

The objective improves with every trial (trial n reports -n at every step, minimised), so each
pruner judges every rung result and stops none, and every trial makes its 9 reports (Optuna's
counts are checked). Rung's workers run trials in parallel, so a trial's first rung result may
arrive behind better ones of later trials: the few trials that lose their first rung that way are
stopped there (counted as ended, as Optuna counts a pruned trial; the output shows how many).

With --curve, Rung also runs with CURVE on every connection (fresh keys, as across machines) and
the CURVE / plain ratio is printed (same run, so the same machine load).

Run from the package root after `swift build -c release`:
    python3 scripts/bench/noop_trials.py [--trials 2000] [--workers 4] [--epochs 9] [--rung .build/release/rung] [--curve]
"""
import argparse
import os
import re
import subprocess
import tempfile
import time

import optuna


def optuna_rate(trials: int, epochs: int) -> float:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with tempfile.TemporaryDirectory() as d:
        storage = f"sqlite:///{os.path.join(d, 'optuna.db')}"
        study = optuna.create_study(storage=storage, study_name="noop", direction="minimize",
                                    sampler=optuna.samplers.RandomSampler(seed=1),
                                    pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3))

        def objective(t: optuna.Trial) -> float:
            t.suggest_float("x", -5, 5)
            value = -float(t.number)  # each trial the best so far: judged at every rung, never pruned
            for step in range(1, epochs + 1):
                t.report(value, step)
                if t.should_prune():
                    raise optuna.TrialPruned()
            return value

        start = time.perf_counter()
        study.optimize(objective, n_trials=trials)
        seconds = time.perf_counter() - start
        done = study.get_trials(deepcopy=False)
        complete = [t for t in done if t.state == optuna.trial.TrialState.COMPLETE]
        reports = sum(len(t.intermediate_values) for t in done)
        assert len(complete) == trials and reports == trials * epochs, (len(complete), reports)
        return trials / seconds


def rung_rate(rung: str, trials: int, workers: int, epochs: int, curve: bool = False) -> float:
    out = subprocess.run([rung, "bench-coordinator", "--noop-trials", str(trials), "--workers", str(workers),
                          "--epochs", str(epochs)] + (["--curve"] if curve else []),
                         check=True, capture_output=True, text=True).stdout
    print("  " + out.strip())
    m = re.search(r"(\d+) ended \((\d+) completed, (\d+) stopped early\).* = ([0-9.]+) trials/s, (\d+) reports", out)
    assert int(m.group(1)) == trials, out
    return float(m.group(4))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=2000)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--epochs", type=int, default=9, help="intermediate values reported per trial")
    p.add_argument("--rung", default=".build/release/rung")
    p.add_argument("--curve", action="store_true", help="also run Rung with CURVE on and print the ratio")
    a = p.parse_args()
    print(f"optuna {optuna.__version__}, SQLite storage, SuccessiveHalvingPruner, {a.trials} trials × {a.epochs} reports ...")
    o = optuna_rate(a.trials, a.epochs)
    print(f"  optuna: {o:.1f} trials/s")
    print(f"rung coordinator, asha-stopping, {a.workers} workers over ZeroMQ, {a.trials} trials × {a.epochs} reports ...")
    r = rung_rate(a.rung, a.trials, a.workers, a.epochs)
    print(f"rung / optuna = {r / o:.1f}x")
    if a.curve:
        print(f"rung coordinator with CURVE, {a.workers} workers, {a.trials} trials × {a.epochs} reports ...")
        c = rung_rate(a.rung, a.trials, a.workers, a.epochs, curve=True)
        print(f"rung CURVE / plain = {c / r:.2f}; CURVE / optuna = {c / o:.1f}x")


if __name__ == "__main__":
    main()
