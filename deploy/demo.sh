#!/usr/bin/env bash
# The README's first command: set up, build, and run Rung's demo on built-in data (no download).
# Extra arguments go to the demo, e.g. `deploy/demo.sh --workers 3`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup.sh
mkdir -p .build
echo "rung: building in release mode (the first build takes a few minutes; log in .build/demo-build.log)"
if ! swift build -c release --product rung > .build/demo-build.log 2>&1; then
    tail -40 .build/demo-build.log >&2
    echo "rung: the build failed; the whole log is in .build/demo-build.log" >&2
    exit 1
fi
exec .build/release/rung demo "$@"
