#!/usr/bin/env bash
# Measures sgemm speed and correctness of OpenBLAS (as detected and with forced kernels), BLIS and
# oneDNN on the GEMM shapes Rung's MLP training uses, at 1 and 2 threads, and prints one table.
# Usage: scripts/bench-blas.sh [SECONDS_PER_SHAPE]   (default 0.3; needs libopenblas-dev,
# libblis-dev, libdnnl-dev and a C compiler). A row marked WRONG means the result differs from a
# naive double-precision GEMM by more than 1e-5 relative to Σ|a·b|.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
secs="${1:-0.3}"
bin="$(mktemp -d)/blasbench"
cc -O2 -o "$bin" "$here/blasbench/blasbench.c" -ldl -lm
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-) ($(nproc) cores); $(date -u +%FT%TZ)"
printf '%-22s %s  %-16s %s  %-15s %12s  %s\n' library thr "MxNxK" op speed "time/call" error
status=0
for threads in 1 2; do
  run() { "$@" || status=1; }
  run env -u OPENBLAS_CORETYPE "$bin" openblas "$threads" "$secs"
  for core in Cooperlake SkylakeX Haswell Zen Prescott; do
    run env OPENBLAS_CORETYPE="$core" "$bin" openblas "$threads" "$secs"
  done
  run "$bin" blis "$threads" "$secs"
  run "$bin" dnnl "$threads" "$secs"
done
exit "$status"
