#!/usr/bin/env bash
# Release-build micro-benchmark of the tensor core: MLP training steps/s (forward, backward,
# AdamW) at 1 and 2 BLAS threads. Usage: scripts/bench-tensors.sh [SECONDS_PER_CASE] (default 2).
# When PyTorch is installed, its twin (scripts/tensorbench/mlp_step_torch.py) runs right after
# for a same-minute comparison; the full comparison with FineTune's optimizer is `rung bench`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swift build -c release --target Tensors 2>&1 | grep -E "error" || true
out="$(mktemp -d)"
swiftc -O -module-name TensorBench scripts/tensorbench/MLPStep.swift \
  -I .build/release/Modules -I Sources/CBLAS .build/release/Tensors.build/*.o -o "$out/tensorbench"
"$out/tensorbench" "${1:-2}"
if python3 -c "import torch" 2>/dev/null; then
  echo
  python3 "$root/scripts/tensorbench/mlp_step_torch.py" "${1:-2}"
fi
