#!/usr/bin/env bash
# Heap allocations per one-way REPORT in `rung bench-wire` (sender and receiver together): the
# allocations counted by scripts/bench/malloc_count.c (preloaded) in runs of 100k and 200k
# messages, differenced so that start-up cancels out, minus the codec-only phase the same runs do.
# Usage: scripts/bench/mallocs-per-report.sh [path to rung, default the release build]
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNG="${1:-$(swift build -c release --show-bin-path)/rung}"
LIB="$(mktemp -d)/malloc_count.so"
cc -O2 -shared -fPIC -o "$LIB" scripts/bench/malloc_count.c
count() {
    LD_PRELOAD="$LIB" "$RUNG" bench-wire --messages "$1" --round-trips 10 --repeats 1 --payload report ${2:-} 2>&1 \
        | sed -n 's/MCOUNT malloc=\([0-9]*\).*/\1/p'
}
full=$(( $(count 200000) - $(count 100000) ))
codec=$(( $(count 200000 --codec-only) - $(count 100000 --codec-only) ))
echo "mallocs per one-way REPORT: $(echo "scale=2; ($full - $codec) / 100000" | bc)"
