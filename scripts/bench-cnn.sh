#!/usr/bin/env bash
# Trains the small CNN and the small ResNet (1×28×28, batch 64, AdamW, random data) in Rung
# (release build) and PyTorch CPU in one run, at 1 and 2 threads, then times EfficientNet-Lite0
# inference on both sides. Rounds alternate Rung and PyTorch; each figure is the best of the
# rounds, which damps the noise of a shared machine.
# Usage: scripts/bench-cnn.sh [seconds per case, default 3] [rounds, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_CASE="${1:-3}"
ROUNDS="${2:-3}"
swift build -c release --product rung >/dev/null
RUNG="$(swift build -c release --show-bin-path)/rung"
python3 -c "import torch" 2>/dev/null || { echo "error: PyTorch is not installed (python3 -c 'import torch' failed)" >&2; exit 1; }
echo "CPU load: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%M:%SZ)"
best() { sort -g | tail -1; }
rate() { grep -o '[0-9.]* steps/s' | cut -d' ' -f1; }
printf '%-13s %7s %12s %12s %8s\n' model threads "Rung st/s" "PyTorch st/s" ratio
for model in small-cnn small-resnet; do
    for t in 1 2; do
        r=""; p=""
        for _ in $(seq "$ROUNDS"); do
            r+="$("$RUNG" bench cnn --model "$model" --threads "$t" --seconds "$SECONDS_PER_CASE" | rate)"$'\n'
            p+="$(OMP_NUM_THREADS="$t" python3 scripts/bench/cnn_torch.py --model "$model" --threads "$t" --seconds "$SECONDS_PER_CASE" | rate)"$'\n'
        done
        rb="$(printf '%s' "$r" | best)"; pb="$(printf '%s' "$p" | best)"
        printf '%-13s %7s %12s %12s %7.2fx\n' "$model" "$t" "$rb" "$pb" "$(echo "$rb / $pb" | bc -l)"
    done
done
# EfficientNet-Lite0 inference, best images/s of the rounds at batch 1 and batch 16.
ips() { grep "batch *$1 " | grep -o '[0-9.]* images/s' | cut -d' ' -f1; }
printf '%-22s %7s %12s %12s %8s\n' "EfficientNet-Lite0" threads "Rung img/s" "PyTorch img/s" ratio
for t in 1 2; do
    r=""; p=""
    for _ in $(seq "$ROUNDS"); do
        r+="$("$RUNG" bench efficientnet --threads "$t" --seconds "$SECONDS_PER_CASE")"$'\n'
        p+="$(OMP_NUM_THREADS="$t" python3 scripts/bench/efficientnet_torch.py --threads "$t" --seconds "$SECONDS_PER_CASE")"$'\n'
    done
    for n in 1 16; do
        rb="$(printf '%s' "$r" | ips "$n" | best)"; pb="$(printf '%s' "$p" | ips "$n" | best)"
        printf '%-22s %7s %12s %12s %7.2fx\n' "224×224, batch $n" "$t" "$rb" "$pb" "$(echo "$rb / $pb" | bc -l)"
    done
done
