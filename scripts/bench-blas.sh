#!/usr/bin/env bash
# Measures sgemm speed and correctness of OpenBLAS (as detected and with forced kernels), BLIS and
# oneDNN on the GEMM shapes Rung's MLP training uses, at 1 and 2 threads, and prints a table per
# thread count. All libraries run interleaved in one process, so machine load hits them alike.
# Usage: scripts/bench-blas.sh [SECONDS_PER_SHAPE_AND_LIBRARY]   (default 0.3; needs libopenblas-dev,
# libblis-dev, libdnnl-dev and a C compiler). A library marked WRONG means the result differs from a
# naive double-precision GEMM by more than 1e-5 relative to Σ|a·b|.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
secs="${1:-0.3}"
bin="$(mktemp -d)/blasbench"
cc -O2 -o "$bin" "$here/blasbench/blasbench.c" -ldl -lm
echo "CPU:$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-) ($(nproc) cores); load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
status=0
for threads in 1 2; do
  "$bin" "$threads" "$secs" || status=1
  echo
done
exit "$status"
