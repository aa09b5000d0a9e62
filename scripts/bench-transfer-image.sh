#!/usr/bin/env bash
# Figures of the image transfer task (release build), printed as one line per run:
#  fewshot: Fashion-MNIST classes 5–9 with 20 labels per class: the small CNN and the small ResNet from
#      scratch against the small CNN pretrained on classes 0–4 (linear probe, full, gradual);
#      the best of each group chosen by validation accuracy, its test accuracy compared;
#  full: the small CNN on all of Fashion-MNIST.
# The pretrained backbone is made here on all source images unless ZOO names a zoo that has it
# (ZOO=zoo uses the one `rung demo` keeps, pretrained on 10,000 source images).
# Usage: scripts/bench-transfer-image.sh fewshot|full   (needs Fashion-MNIST: deploy/setup.sh)
set -euo pipefail
RUNG=${RUNG:-.build/release/rung}
OUT=${OUT:-runs/bench-transfer-image}
ZOO=${ZOO:-$OUT/zoo}
mkdir -p "$OUT"

run() {   # name, flags…
    local name=$1; shift
    "$RUNG" train-image --classes 5-9 --shots 20 --zoo "$ZOO" --out "$OUT/$name" "$@" > "$OUT/$name.log"
    python3 - "$name" "$OUT/$name/metrics.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[2]))
print(f"{sys.argv[1]:28s} val {m['epochs'][-1]['accuracy']:.4f}  test {m['test']['accuracy']:.4f}")
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
full)
    "$RUNG" train-image --epochs 6 --batch-size 64 --lr 0.001 --out "$OUT/full-fmnist" | tee "$OUT/full-fmnist.log"
    ;;
*)
    echo "usage: scripts/bench-transfer-image.sh fewshot|full" >&2; exit 2
    ;;
esac
