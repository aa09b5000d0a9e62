#!/usr/bin/env bash
# Checks a release tarball the way a worker machine without Swift would use it: verifies its
# SHA-256, unpacks it, and, in a private mount namespace where the Swift toolchain folder is an
# empty directory, runs `rung --version`, `rung --help` and a real study (coordinator and 2 workers
# on the loopback of a private network namespace, a shell-script trainer) to completion.
#   deploy/release-check.sh [dist/rung-VERSION-linux-x86_64.tar.gz]
# Exit 0 pass, 1 fail, 77 skipped (no tarball, or no root for the mount namespace).
set -uo pipefail
cd "$(dirname "$0")/.."
TARBALL=${1:-$(ls -t dist/rung-*-linux-*.tar.gz 2>/dev/null | head -1)}
[ -n "$TARBALL" ] && [ -f "$TARBALL" ] || { echo "SKIP: no release tarball (deploy/build-release.sh makes one in dist/)"; exit 77; }
[ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v ip >/dev/null || { echo "SKIP: hiding the toolchain needs root, unshare and ip"; exit 77; }
TARBALL=$(readlink -f "$TARBALL")
SWIFT_DIR=$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift || echo /opt/swift/usr/bin/swift)")")")")
(cd "$(dirname "$TARBALL")" && sha256sum -c --quiet "$(basename "$TARBALL").sha256") || { echo "FAIL: the tarball's SHA-256 does not match"; exit 1; }

T=$(mktemp -d /tmp/rung-release-XXXXXX)
trap 'rm -rf "$T"' EXIT
tar -C "$T" -xzf "$TARBALL"
PKG=$(ls -d "$T"/rung-*)
(cd "$PKG" && sha256sum -c --quiet rung.sha256) || { echo "FAIL: bin/rung does not match rung.sha256"; exit 1; }
mkdir -p "$T/empty" "$T/study"
cat > "$T/train.sh" <<'EOF'
#!/bin/sh
e=$RUNG_FROM_EPOCH
while [ "$e" -lt "$RUNG_TO_EPOCH" ]; do
  e=$((e+1))
  awk -v lr="$1" -v e="$e" 'BEGIN { printf "{\"epoch\": %d, \"acc\": %.6f}\n", e, 1 - (lr - 0.3) ^ 2 - 0.5 / (e + 1) }'
done
echo "$e" > "$RUNG_CHECKPOINT_DIR/state"
EOF
cat > "$T/study.yaml" <<EOF
name: release-check
seed: 3
trials: 6
objective: {metric: acc, direction: maximize}
budget: {resource: epochs, min_resource: 1, max_resource: 9, reduction_factor: 3}
scheduler: asha
sampler: random
space:
  lr: {type: uniform, low: 0.0, high: 1.0}
task:
  command: ["/bin/sh", "$T/train.sh", "{lr}"]
EOF
# The study runs in a network namespace of its own (unshare --net below): its loopback ports
# cannot collide with anything else on this machine.
PORT=5555
cat > "$T/inside.sh" <<EOF
#!/bin/sh
# Runs in private mount and network namespaces: the toolchain folder is now empty.
set -u
ip link set lo up 2>/dev/null || { echo "FAIL: could not bring up loopback in the private network namespace"; exit 1; }
mount --bind "$T/empty" "$SWIFT_DIR" || { echo "FAIL: could not hide $SWIFT_DIR"; exit 1; }
if ls "$SWIFT_DIR/usr/lib/swift/linux/libswiftCore.so" >/dev/null 2>&1; then echo "FAIL: the toolchain is still visible"; exit 1; fi
echo "toolchain folder $SWIFT_DIR hidden (now empty: \$(ls -A "$SWIFT_DIR" | wc -l) entries)"
export PATH=/usr/bin:/bin
"$PKG/bin/rung" --version || exit 1
"$PKG/bin/rung" --help | head -3 || exit 1
"$PKG/bin/rung" coordinator --study "$T/study.yaml" --dir "$T/study/run" --bind tcp://127.0.0.1:$PORT \
    --publish tcp://127.0.0.1:$((PORT + 1)) --quiet > "$T/coordinator.log" 2>&1 &
C=\$!
for w in 1 2; do "$PKG/bin/rung" worker --connect tcp://127.0.0.1:$PORT --name w\$w --cache "$T/cache\$w" > "$T/worker\$w.log" 2>&1 & done
i=0; while kill -0 \$C 2>/dev/null && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i+1)); done
kill \$C 2>/dev/null
wait
tail -n 8 "$T/coordinator.log"
grep -q "6 trials" "$T/coordinator.log" && grep -q "study '" "$T/coordinator.log" || { echo "FAIL: the study did not complete"; cat "$T/worker1.log"; exit 1; }
"$PKG/bin/rung" status --dir "$T/study/run" | head -5
EOF
chmod 755 "$T/inside.sh"
unshare --mount --propagation private --net "$T/inside.sh"
rc=$?
[ $rc = 0 ] && echo "release check: $(basename "$TARBALL") runs without the toolchain" || echo "release check: FAILED"
exit $rc
