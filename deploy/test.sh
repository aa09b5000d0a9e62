#!/usr/bin/env bash
# The README's second command: set up, then build and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup.sh
swift build --build-tests
swift test --skip-build
