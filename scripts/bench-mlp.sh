#!/usr/bin/env bash
# Trains the same MLPs in Rung (release build) and PyTorch CPU in one run, at 1 and 2 threads,
# and prints steps/s, samples/s and the Rung/PyTorch ratio: 30→256→256→2 at batch 64 and
# 784→512→256→10 at batch 128, AdamW, random data.
# Usage: scripts/bench-mlp.sh [seconds per case, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_CASE="${1:-3}"
swift build -c release --product rung >/dev/null
RUNG="$(swift build -c release --show-bin-path)/rung"
python3 -c "import torch" 2>/dev/null || { echo "error: PyTorch is not installed (python3 -c 'import torch' failed)" >&2; exit 1; }
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT
for t in 1 2; do
    "$RUNG" bench mlp --threads "$t" --seconds "$SECONDS_PER_CASE" --json >>"$OUT"
    OMP_NUM_THREADS="$t" python3 scripts/bench/mlp_torch.py --threads "$t" --seconds "$SECONDS_PER_CASE" --json >>"$OUT"
done
python3 - "$OUT" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
by = {(r["impl"], r["case"], r["threads"]): r for r in rows}
version = next((r["version"] for r in rows if r["impl"] == "torch"), "?")
print(f"{'case':22s} {'threads':>7s} {'Rung steps/s':>13s} {'torch steps/s':>14s} {'Rung samples/s':>15s} {'torch samples/s':>16s} {'ratio':>6s}")
for (impl, case, t), r in sorted(by.items(), key=lambda kv: (kv[0][1], kv[0][2])):
    if impl != "rung":
        continue
    p = by[("torch", case, t)]
    print(f"{case:22s} {t:7d} {r['steps_per_s']:13.1f} {p['steps_per_s']:14.1f} {r['samples_per_s']:15.0f} {p['samples_per_s']:16.0f} {r['steps_per_s'] / p['steps_per_s']:5.2f}x")
print(f"(PyTorch {version}; ratio = Rung / PyTorch, higher is better)")
PY
