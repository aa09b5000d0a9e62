#!/usr/bin/env bash
# Figures of the image transfer task (release build), printed as one line per run:
#  fewshot: Fashion-MNIST classes 5–9 with 20 labels per class: the small CNN and the small ResNet from
#      scratch against the small CNN pretrained on classes 0–4 (linear probe, full, gradual);
#      the best of each group chosen by validation accuracy, its test accuracy compared;
#  tops: the five tops (T-shirt, Pullover, Dress, Coat, Shirt; classes 0,2,3,4,6) with 20 labels per
#      class, for each few-shot draw in SPLITS (default 0 1 2): the small CNN and the small ResNet
#      from scratch against EfficientNet-Lite0 with its ImageNet weights, probed on stages 2–5 or
#      3–6 pooled to 4×4 at 128 px; the best of each group by validation accuracy, test compared;
#  full: the small CNN on all of Fashion-MNIST.
# The pretrained backbone is made here on all source images unless ZOO names a zoo that has it
# (ZOO=zoo uses the one `rung demo` keeps, pretrained on 10,000 source images).
# Usage: scripts/bench-transfer-image.sh fewshot|tops|full   (needs Fashion-MNIST: deploy/setup.sh;
# tops also EfficientNet-Lite0's weights: scripts/fetch-efficientnet-lite0.sh)
set -euo pipefail
RUNG=${RUNG:-.build/release/rung}
OUT=${OUT:-runs/bench-transfer-image}
ZOO=${ZOO:-$OUT/zoo}
mkdir -p "$OUT"

CLASSES=5-9
run() {   # name, flags…
    local name=$1; shift
    "$RUNG" train-image --classes "$CLASSES" --shots 20 --zoo "$ZOO" --out "$OUT/$name" "$@" > "$OUT/$name.log"
    python3 - "$name" "$OUT/$name/metrics.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[2]))
print(f"{sys.argv[1]:36s} val {m['epochs'][-1]['accuracy']:.4f}  test {m['test']['accuracy']:.4f}", flush=True)
EOF
}

best() {   # label, run names…: the run with the best validation accuracy
    local label=$1; shift
    python3 - "$label" "$OUT" "$@" <<'EOF'
import json, sys
label, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
runs = [(json.load(open(f"{out}/{n}/metrics.json")), n) for n in names]
m, n = max(runs, key=lambda r: r[0]["epochs"][-1]["accuracy"])
print(f"{label}: {n} (val {m['epochs'][-1]['accuracy']:.4f})  test {m['test']['accuracy']:.4f}", flush=True)
EOF
}

case "${1:-fewshot}" in
fewshot)
    if [ ! -f "$ZOO/smallcnn-fmnist-0-4.json" ]; then
        "$RUNG" pretrain --classes 0-4 --epochs 2 --zoo "$ZOO" --name smallcnn-fmnist-0-4 > "$OUT/pretrain.log"
        tail -1 "$OUT/pretrain.log"
    fi
    common=(--epochs 20 --batch-size 16)
    for lr in 0.001 0.003; do
        run "scratch-smallcnn-lr$lr" --backbone smallcnn --lr $lr "${common[@]}"
        run "scratch-smallcnn-aug-lr$lr" --backbone smallcnn --lr $lr --augment 0.3 "${common[@]}"
        run "scratch-resnet-lr$lr" --backbone resnet --lr $lr "${common[@]}"
        run "probe-lr$lr" --backbone smallcnn-fmnist-0-4 --strategy linear_probe --lr $lr "${common[@]}"
        run "full-lr$lr" --backbone smallcnn-fmnist-0-4 --strategy full --lr $lr "${common[@]}"
        run "full-mult0.1-lr$lr" --backbone smallcnn-fmnist-0-4 --strategy full --backbone-lr-mult 0.1 --lr $lr "${common[@]}"
        run "gradual-lr$lr" --backbone smallcnn-fmnist-0-4 --strategy gradual --unfreeze-every 3 --backbone-lr-mult 0.3 --lr $lr "${common[@]}"
    done
    ;;
tops)
    CLASSES=0,2,3,4,6
    for split in ${SPLITS:-0 1 2}; do
        common=(--epochs 20 --batch-size 16 --split-seed "$split")
        scratch=() pretrained=()
        for lr in 0.001 0.003; do
            run "tops$split-scratch-smallcnn-lr$lr" --backbone smallcnn --lr $lr "${common[@]}"
            scratch+=("tops$split-scratch-smallcnn-lr$lr")
        done
        run "tops$split-scratch-smallcnn-aug-lr0.003" --backbone smallcnn --lr 0.003 --augment 0.3 "${common[@]}"
        run "tops$split-scratch-resnet-lr0.003" --backbone resnet --lr 0.003 "${common[@]}"
        scratch+=("tops$split-scratch-smallcnn-aug-lr0.003" "tops$split-scratch-resnet-lr0.003")
        for taps in 2-5 3-6; do
            run "tops$split-effnet-probe-taps$taps" --backbone efficientnet-lite0 --image-size 128 --strategy linear_probe \
                --feature-taps $taps --tap-grid 4 --head-l2 1 --weight-decay 0 --lr 0.001 "${common[@]}"
            pretrained+=("tops$split-effnet-probe-taps$taps")
        done
        best "split $split, best from scratch" "${scratch[@]}"
        best "split $split, best pretrained  " "${pretrained[@]}"
    done
    ;;
full)
    "$RUNG" train-image --epochs 6 --batch-size 64 --lr 0.001 --out "$OUT/full-fmnist" | tee "$OUT/full-fmnist.log"
    ;;
*)
    echo "usage: scripts/bench-transfer-image.sh fewshot|tops|full" >&2; exit 2
    ;;
esac
