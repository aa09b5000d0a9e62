#!/usr/bin/env python3
"""Rung's schedulers and samplers against Optuna on the recorded benchmarks (benchmarks/*.csv.gz).

    python3 -m pip install optuna scipy matplotlib
    swift build -c release --product rung
    python3 scripts/bench/compare_optuna.py                       # the README table and plot, 20 seeds
    python3 scripts/bench/compare_optuna.py --seeds 3 --no-optuna # Rung's contenders only, quick

Every contender gets the same budget: `--budget` full trainings' worth of epochs (default 50 x 27 =
1,350 epochs) on each benchmark, one worker (sequential, like Optuna's study.optimize), 20 seeds.
Rung's contenders run through `rung simulate --csv` (replay: nearest recorded configuration in the
study's unit space, categoricals exact; each trial replays one recorded training seed's curve).
Optuna's run here on the very same replay, re-implemented in this file with the same rules:
TPESampler + HyperbandPruner(1, 27, 3) and RandomSampler + SuccessiveHalvingPruner(1, 3).

Regret: the incumbent is the trial with the best reported validation error at the full 27 epochs;
its regret is its configuration's mean validation error over the recorded seeds minus the best mean
of any recorded configuration, in percentage points. Reports: median and IQR of regret at 25/50/100%
of the budget, the median share of the budget spent before regret <= 1 point, and two-sided
Mann-Whitney U p-values (scipy) of final regret against random search and against Optuna's
TPE+Hyperband. Writes a markdown table (--table) and a regret-versus-budget plot (--plot).
"""
import argparse, csv, gzip, io, json, math, os, subprocess, sys, tempfile, time

import numpy as np

R = 27
SPACE_YAML = """space:
  lr: {type: loguniform, low: 1.0e-4, high: 0.3}
  weight_decay: {type: loguniform, low: 1.0e-6, high: 1.0e-1}
  width: {type: int, low: 8, high: 256, log: true}
  layers: {type: int, low: 1, high: 3}
  dropout: {type: uniform, low: 0.0, high: 0.6}
  batch_size: {type: categorical, choices: [32, 64, 128, 256]}
  optimizer: {type: categorical, choices: [adam, sgd]}
"""
# (name, kind, low, high or choices, log)
SPACE = [("lr", "float", 1e-4, 0.3, True), ("weight_decay", "float", 1e-6, 1e-1, True),
         ("width", "int", 8, 256, True), ("layers", "int", 1, 3, False), ("dropout", "float", 0.0, 0.6, False),
         ("batch_size", "cat", [32, 64, 128, 256], None, None), ("optimizer", "cat", ["adam", "sgd"], None, None)]

# label -> the scheduler/sampler lines of the study file ("" = the study file defaults)
RUNG = {
    "rung-random": "scheduler: none\nsampler: random\n",
    "rung-default": "",
    "rung-asha-random": "scheduler: asha\nsampler: random\n",
    "rung-asha-tpe": "scheduler: asha\nsampler: tpe\n",
    "rung-hyperband-random": "scheduler: {type: hyperband, over: asha}\nsampler: random\n",
    "rung-hyperband-tpe": "scheduler: {type: hyperband, over: asha}\nsampler: tpe\n",
    "rung-hyperband-tpe-mv": "scheduler: {type: hyperband, over: asha}\nsampler: {type: tpe, multivariate: true}\n",
    "rung-asha-s1-tpe": "scheduler: {type: asha, min_early_stopping_rate: 1}\nsampler: tpe\n",
    "rung-hyperband-s1-tpe": "scheduler: {type: hyperband, over: asha, min_early_stopping_rate: 1}\nsampler: tpe\n",
    "rung-hyperband-s1-random": "scheduler: {type: hyperband, over: asha, min_early_stopping_rate: 1}\nsampler: random\n",
}
OPTUNA = ["optuna-tpe-hyperband", "optuna-random-sha"]


def load(path):
    """trial id -> (config, [seed curves]) with curves as arrays over epochs 1..R."""
    with gzip.open(path, "rt") as f:
        rows = list(csv.DictReader(f))
    trials = {}
    for r in rows:
        t = trials.setdefault(r["trial"], {"config": {k[6:]: r[k] for k in r if k.startswith("param.")}, "seeds": {}})
        t["seeds"].setdefault(r.get("seed", "0"), {})[int(float(r["epoch"]))] = float(r["val_error"])
    out = []
    for tid, t in trials.items():
        c = {}
        for name, kind, lo, hi, log in SPACE:
            v = t["config"][name]
            c[name] = float(v) if kind == "float" else int(float(v)) if kind == "int" else (int(v) if name == "batch_size" else v)
        curves = np.array([[s[e] for e in range(1, R + 1)] for s in t["seeds"].values()])
        out.append((tid, c, curves))
    return out


def unit(name, v):
    for n, kind, lo, hi, log in SPACE:
        if n != name:
            continue
        if kind == "float":
            return (math.log(v) - math.log(lo)) / (math.log(hi) - math.log(lo)) if log else (v - lo) / (hi - lo)
        a, b = lo - 0.5, hi + 0.5
        return (math.log(v) - math.log(a)) / (math.log(b) - math.log(a)) if log else (v - a) / (b - a)


class Replay:
    def __init__(self, path):
        self.trials = load(path)
        self.num = [s[0] for s in SPACE if s[1] != "cat"]
        self.cat = [s[0] for s in SPACE if s[1] == "cat"]
        self.points = np.array([[unit(n, c[n]) for n in self.num] for _, c, _ in self.trials])
        self.groups = {}
        for i, (_, c, _) in enumerate(self.trials):
            self.groups.setdefault(tuple(c[n] for n in self.cat), []).append(i)
        self.means = np.array([cv.mean(0) for _, _, cv in self.trials])  # [n, R]
        self.optimum = float(self.means[:, -1].min())

    def match(self, config):
        idx = self.groups.get(tuple(config[n] for n in self.cat))
        idx = np.array(idx if idx else range(len(self.trials)))
        x = np.array([unit(n, config[n]) for n in self.num])
        d = ((self.points[idx] - x) ** 2).sum(1)
        return int(idx[int(np.argmin(d))])


def run_optuna(replay, label, seed, budget):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if label == "optuna-tpe-hyperband":
        sampler = optuna.samplers.TPESampler(seed=seed)
        pruner = optuna.pruners.HyperbandPruner(min_resource=1, max_resource=R, reduction_factor=3)
    else:
        sampler = optuna.samplers.RandomSampler(seed=seed)
        pruner = optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    # A fixed study name: HyperbandPruner assigns brackets by a hash of the study's name (a random
    # UUID when none is given), so an unnamed study gives another result on every run.
    study = optuna.create_study(study_name=f"{label}-{seed}", direction="minimize", sampler=sampler, pruner=pruner)
    rng = np.random.default_rng(seed + 7919)
    used = 0
    best = math.inf
    curve = []  # (resource used, regret) at each improvement of the incumbent
    while used < budget:
        trial = study.ask()
        config = {}
        for name, kind, lo, hi, log in SPACE:
            if kind == "float":
                config[name] = trial.suggest_float(name, lo, hi, log=log)
            elif kind == "int":
                config[name] = trial.suggest_int(name, lo, hi, log=log)
            else:
                config[name] = trial.suggest_categorical(name, lo)
        i = replay.match(config)
        curves = replay.trials[i][2]
        run = curves[int(rng.integers(len(curves)))]
        state, value = optuna.trial.TrialState.COMPLETE, None
        for epoch in range(1, R + 1):
            used += 1
            value = float(run[epoch - 1])
            trial.report(value, epoch)
            if epoch < R and trial.should_prune():
                state = optuna.trial.TrialState.PRUNED
                break
        if state == optuna.trial.TrialState.COMPLETE:
            study.tell(trial, value)
            if value < best:
                best = value
                curve.append((used, float(replay.means[i, -1]) - replay.optimum))
        else:
            study.tell(trial, state=state)
    return curve


def run_rung(rung, bench, label, lines, seeds, budget, workdir):
    study = os.path.join(workdir, f"{label}.yaml")
    with open(study, "w") as f:
        f.write(f"name: {label}\nobjective: {{metric: val_error, direction: minimize}}\n"
                f"budget: {{min_resource: 1, max_resource: {R}, reduction_factor: 3}}\n"
                f"max_total_resource: {budget}\nseed: 0\n{lines}{SPACE_YAML}")
    out = os.path.join(workdir, f"{label}-{os.path.basename(bench)}.csv")
    subprocess.run([rung, "simulate", "--study", study, "--benchmark", "replay:" + bench, "--workers", "1",
                    "--repeats", str(seeds), "--seed", "0", "--csv", out], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    curves = {s: [] for s in range(seeds)}
    with open(out) as f:
        for r in csv.DictReader(f):
            curves[int(r["seed"])].append((float(r["resource"]), float(r["regret"])))
    return [curves[s] for s in range(seeds)]


def regret_at(curve, b, worst):
    v = worst
    for used, reg in curve:
        if used <= b + 1e-9:
            v = reg
    return v


def within(curve, budget, points=1.0):
    for used, reg in curve:
        if reg <= points + 1e-9:
            return used / budget
    return math.inf


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--benchmarks", nargs="*", default=None)
    ap.add_argument("--rung", default=".build/release/rung")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--budget", type=int, default=50, help="budget in full trainings of 27 epochs")
    ap.add_argument("--contenders", nargs="*", default=None)
    ap.add_argument("--no-optuna", action="store_true")
    ap.add_argument("--table", default=None, help="write the markdown table here")
    ap.add_argument("--plot", default=None, help="write the regret-versus-budget PNG here")
    ap.add_argument("--json", default=None, help="write every run's curve here")
    ap.add_argument("--load", nargs="*", default=[], help="also report the runs in these --json files (runs split over processes)")
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    benches = a.benchmarks or sorted(os.path.join(root, "benchmarks", f) for f in os.listdir(os.path.join(root, "benchmarks"))
                                     if f.endswith(".csv.gz"))
    budget = a.budget * R
    labels = a.contenders if a.contenders is not None else (list(RUNG) + ([] if a.no_optuna else OPTUNA))
    results = {}
    with tempfile.TemporaryDirectory() as work:
        for bench in benches:
            name = os.path.basename(bench).replace(".csv.gz", "")
            replay = Replay(bench)
            worst = float(replay.means[:, -1].max()) - replay.optimum
            for label in labels:
                t0 = time.time()
                if label in RUNG:
                    curves = run_rung(a.rung, bench, label, RUNG[label], a.seeds, budget, work)
                else:
                    curves = [run_optuna(replay, label, s, budget) for s in range(a.seeds)]
                results[(name, label)] = (curves, worst)
                fin = [regret_at(c, budget, worst) for c in curves]
                print(f"{name:14s} {label:24s} final median regret {np.median(fin):6.2f}  ({time.time() - t0:.0f} s)",
                      file=sys.stderr, flush=True)
    for path in a.load:
        with open(path) as f:
            for key, curves in json.load(f).items():
                name, label = key.split("/", 1)
                bench = next((b for b in benches if os.path.basename(b).replace(".csv.gz", "") == name), None)
                if bench is None:
                    continue
                replay = Replay(bench)
                results[(name, label)] = ([[tuple(p) for p in c] for c in curves],
                                          float(replay.means[:, -1].max()) - replay.optimum)
                if label not in labels:
                    labels.append(label)
    labels = [l for l in list(RUNG) + OPTUNA if l in labels]
    report(results, labels, budget, a)


def report(results, labels, budget, a):
    from scipy.stats import mannwhitneyu
    names = sorted({n for n, _ in results})
    labels = [l for l in labels if all((n, l) in results for n in names)]
    lines = ["| benchmark | contender | regret @25% | regret @50% | regret @100% (IQR) | share to ≤1 pt | p vs random | p vs Optuna TPE+HB |",
             "|---|---|---|---|---|---|---|---|"]
    dump = {}
    for name in names:
        finals = {}
        for label in labels:
            curves, worst = results[(name, label)]
            finals[label] = [regret_at(c, budget, worst) for c in curves]
        for label in labels:
            curves, worst = results[(name, label)]
            q = lambda f: [regret_at(c, f * budget, worst) for c in curves]
            r25, r50, r100 = q(0.25), q(0.5), q(1.0)
            share = float(np.median([within(c, budget) for c in curves]))
            def p(other):
                if other not in finals or other == label:
                    return "—"
                x, y = finals[label], finals[other]
                if np.allclose(x, y) or (np.ptp(x + y) == 0):
                    return "1"
                return f"{mannwhitneyu(x, y, alternative='two-sided').pvalue:.3g}"
            lines.append(f"| {name} | {label} | {np.median(r25):.2f} | {np.median(r50):.2f} | "
                         f"{np.median(r100):.2f} ({np.percentile(r100, 25):.2f}–{np.percentile(r100, 75):.2f}) | "
                         f"{'>1' if math.isinf(share) else f'{share:.2f}'} | {p('rung-random')} | {p('optuna-tpe-hyperband')} |")
            dump[f"{name}/{label}"] = curves
    text = "\n".join(lines)
    print(text)
    if a.table:
        with open(a.table, "w") as f:
            f.write(text + "\n")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(dump, f)
    if a.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        cols = min(3, len(names))
        rows = (len(names) + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.8 * rows), squeeze=False)
        for ax in axes.flat[len(names):]:
            ax.set_visible(False)
        grid = np.linspace(0.1, 1, 37)
        for ax, name in zip(axes.flat, names):
            for label in labels:
                curves, worst = results[(name, label)]
                m = np.array([[regret_at(c, f * budget, worst) for c in curves] for f in grid])
                med, lo, hi = np.median(m, 1), np.percentile(m, 25, 1), np.percentile(m, 75, 1)
                style = "--" if label.startswith("optuna") else "-"
                width = 2.4 if label in ("rung-default", "rung-random") else 1.2
                line, = ax.plot(grid, med, style, lw=width, label=label)
                if label in ("rung-default", "rung-random", "optuna-tpe-hyperband"):
                    ax.fill_between(grid, lo, hi, color=line.get_color(), alpha=0.12)
            ax.set_title(name)
            ax.set_xlabel(f"share of budget ({budget} epochs)")
            ax.set_yscale("symlog", linthresh=1)
            ax.grid(alpha=0.3)
        for row in axes:
            row[0].set_ylabel("median regret (val. error points),\nIQR shaded")
        axes[0][-1].legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(a.plot, dpi=110)


if __name__ == "__main__":
    main()
