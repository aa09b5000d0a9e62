#!/usr/bin/env bash
# Times a MiniLM-sized encoder in Rung (release build) and PyTorch CPU in one run, same threads:
# full fine-tune, frozen-encoder and inference steps per second at sequence length 64, batch 16,
# and prints the Rung/PyTorch ratio. Rung and PyTorch take turns for ROUNDS rounds and each keeps
# its best round per case, so a burst of load from other processes hits both alike.
# Needs torch and transformers (pip).
# Usage: scripts/bench-text.sh [threads, default 2] [seconds per case, default 5] [rounds, default 2]
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS="${1:-2}"; SECS="${2:-5}"; ROUNDS="${3:-2}"
swift build -c release --product rung >/dev/null
RUNG="$(swift build -c release --show-bin-path)/rung"
OUT="$(mktemp)"; trap 'rm -f "$OUT"' EXIT
echo "load $(cut -d' ' -f1-3 /proc/loadavg) at start; $(date -u +%FT%TZ)"
for _ in $(seq "$ROUNDS"); do
    "$RUNG" bench text --threads "$THREADS" --seconds "$SECS" --json >>"$OUT"
    OMP_NUM_THREADS="$THREADS" python3 scripts/bench/text_torch.py --threads "$THREADS" --seconds "$SECS" --json >>"$OUT"
done
echo "load $(cut -d' ' -f1-3 /proc/loadavg) at end"
python3 - "$OUT" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:  # best round per implementation and case
    key = (r["impl"], r["case"])
    if key not in by or r["steps_per_s"] > by[key]["steps_per_s"]:
        by[key] = r
version = next((r["version"] for r in rows if r["impl"] == "torch"), "?")
print(f"{'case':16s} {'threads':>7s} {'Rung steps/s':>13s} {'torch steps/s':>14s} {'ratio':>6s}")
for case in ["full fine-tune", "frozen encoder", "inference"]:
    r, p = by[("rung", case)], by[("torch", case)]
    print(f"{case:16s} {r['threads']:7d} {r['steps_per_s']:13.2f} {p['steps_per_s']:14.2f} {r['steps_per_s'] / p['steps_per_s']:5.2f}x")
rounds = len(rows) // 6
print(f"(PyTorch {version}; batch 16, sequence 64; best of {rounds} alternating rounds; ratio = Rung / PyTorch, higher is better)")
PY
