#!/usr/bin/env bash
# A one-node Slurm cluster on this machine runs a small Rung study through sbatch: the coordinator
# as a job (rung-coordinator.sbatch) and an array of 2 worker jobs (rung-workers.sbatch).
#   deploy/slurm/test-cluster.sh RUNG_BINARY
# munged, slurmctld and slurmd (Debian's slurm-wlm 22.05: packages slurmctld slurmd slurm-client
# munge, installed here if missing) run as root inside a network namespace of their own, so every
# connection stays on that namespace's loopback; all state is in a temporary directory, removed
# at the end. Prints `RESULT {json}`; exit 0 pass, 1 fail, 77 skipped (the reason is printed).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
RUNG=$(readlink -f "${1:?usage: test-cluster.sh RUNG_BINARY}")
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "a private Slurm cluster needs root (munged, slurmd)"
command -v ip >/dev/null && command -v unshare >/dev/null && command -v nsenter >/dev/null \
    || skip "needs ip (iproute2), unshare and nsenter (util-linux)"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge) >/dev/null 2>&1
    command -v slurmctld >/dev/null && command -v munged >/dev/null || skip "Debian's slurmctld, slurmd, slurm-client and munge could not be installed"
fi

T=$(mktemp -d /tmp/rung-slurm-XXXXXX)
chmod 755 "$T"
NS="rungslurm$$"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; kill -9 "$p" 2>/dev/null; done
    ip netns del "$NS" 2>/dev/null
    [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
ip netns add "$NS" || skip "cannot create a network namespace"
ip -n "$NS" link set lo up
# Slurm resolves its listening address with AI_ADDRCONFIG, which needs one non-loopback IPv4
# address: a veth pair with both ends inside the namespace, on a subnet that exists only there.
ip -n "$NS" link add rs0 type veth peer name rs1
ip -n "$NS" addr add 10.213.254.1/24 dev rs0
ip -n "$NS" link set rs0 up
ip -n "$NS" link set rs1 up
# Inside: the namespace's network only (nsenter keeps this machine's /sys, whose cgroups slurmd
# needs), a mount namespace whose /etc/hosts names the node, and the node's host name.
printf '127.0.0.1 localhost rungslurm\n' > "$T/hosts"
cat > "$T/inns" <<EOF
#!/bin/sh
exec nsenter --net="/run/netns/$NS" unshare --mount --uts sh -c \
    'mount --bind "\$0" /etc/hosts && hostname rungslurm && exec "\$@"' "$T/hosts" "\$@"
EOF
chmod 755 "$T/inns"
INNS="$T/inns"

# munge: a key and a socket of our own.
mkdir -p "$T/munge" && chown munge:munge "$T/munge" && chmod 711 "$T/munge"
mungekey -c -k "$T/munge/munge.key" 2>/dev/null || dd if=/dev/urandom bs=1024 count=1 of="$T/munge/munge.key" 2>/dev/null
chown munge:munge "$T/munge/munge.key"; chmod 600 "$T/munge/munge.key"
"$INNS" setpriv --reuid=munge --regid=munge --init-groups munged --key-file="$T/munge/munge.key" \
    --socket="$T/munge/munge.socket" --pid-file="$T/munge/munged.pid" --log-file="$T/munge/munged.log" \
    --seed-file="$T/munge/munged.seed" --foreground &
PIDS+=($!)

mkdir -p "$T/state" "$T/spool" "$T/log" "$T/jobs"
# More CPUs than the machine has (config_overrides): the 3 jobs of the test share its cores.
CPUS=8
cat > "$T/slurm.conf" <<EOF
ClusterName=rungtest
SlurmctldHost=rungslurm(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.socket
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
SlurmdParameters=config_overrides
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=rungslurm NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=rung Nodes=rungslurm Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$T/slurm.conf"
for _ in $(seq 50); do [ -S "$T/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$T/munge/munge.socket" ] || { cat "$T/munge/munged.log" 2>/dev/null; skip "munged did not start"; }
"$INNS" slurmctld -D -i >"$T/log/slurmctld.out" 2>&1 &
PIDS+=($!)
"$INNS" slurmd -D -N rungslurm >"$T/log/slurmd.out" 2>&1 &
PIDS+=($!)
ready=""
for _ in $(seq 150); do
    state=$(timeout 5 "$INNS" sinfo -h -o %T 2>/dev/null | head -1)
    case "$state" in idle*|mixed*|alloc*) ready=1; break ;; esac
    sleep 0.2
done
if [ -z "$ready" ]; then
    tail -n 20 "$T/log/slurmctld.log" "$T/log/slurmd.log" "$T/log/"*.out 2>/dev/null
    skip "the one-node Slurm cluster did not become ready in 30 s (node state: '${state:-none}')"
fi
echo "slurm: node rungslurm $state ($CPUS CPUs) in namespace $NS"

# The study: a shell-script trainer (ASHA, 8 trials, epochs 1 → 9), the same kind as the
# integration tests use.
mkdir -p "$T/study"
cat > "$T/train.sh" <<'EOF'
#!/bin/sh
e=$RUNG_FROM_EPOCH
if [ "$e" -gt 0 ]; then read saved < "$RUNG_CHECKPOINT_DIR/state"; fi
while [ "$e" -lt "$RUNG_TO_EPOCH" ]; do
  e=$((e+1)); sleep 0.1
  awk -v lr="$1" -v e="$e" 'BEGIN { printf "{\"epoch\": %d, \"acc\": %.6f}\n", e, 1 - (lr - 0.3) ^ 2 - 0.5 / (e + 1) }'
done
echo "$e" > "$RUNG_CHECKPOINT_DIR/state"
EOF
chmod 755 "$T/train.sh"
cat > "$T/study.yaml" <<EOF
name: slurm-test
seed: 7
trials: 8
objective: {metric: acc, direction: maximize}
budget: {resource: epochs, min_resource: 1, max_resource: 9, reduction_factor: 3}
scheduler: asha
sampler: random
space:
  lr: {type: uniform, low: 0.0, high: 1.0}
task:
  command: ["/bin/sh", "$T/train.sh", "{lr}"]
EOF
# CURVE as across machines, where this rung has it: the coordinator binds every interface.
CFLAGS="" WFLAGS="" CURVE=false
if "$RUNG" keygen --help 2>/dev/null | grep -q "USAGE: rung keygen"; then
    mkdir -p "$T/keys/allow/workers"
    "$RUNG" keygen coordinator --out "$T/keys" >/dev/null && "$RUNG" keygen worker --out "$T/keys" >/dev/null \
        || { echo "rung keygen failed"; exit 1; }
    cp "$T/keys/worker.pub" "$T/keys/allow/workers/"
    CFLAGS="--key $T/keys/coordinator.key --allow $T/keys/allow"
    WFLAGS="--key $T/keys/worker.key --server-key $T/keys/coordinator.pub"
    CURVE=true
fi
start=$(date +%s%N)
cd "$T/jobs"
cjob=$(RUNG_COORDINATOR_FLAGS="$CFLAGS" "$INNS" sbatch --parsable --export=ALL,RUNG="$RUNG",RUNG_STUDY="$T/study.yaml",RUNG_DIR="$T/study/run",RUNG_HOST=127.0.0.1,RUNG_PORT=5555 \
       "$HERE/rung-coordinator.sbatch") || { echo "sbatch of the coordinator failed"; exit 1; }
wjob=$(RUNG_WORKER_FLAGS="$WFLAGS" "$INNS" sbatch --parsable --array=0-1 --export=ALL,RUNG="$RUNG",RUNG_DIR="$T/study/run",TMPDIR="$T" \
       "$HERE/rung-workers.sbatch") || { echo "sbatch of the workers failed"; exit 1; }
echo "slurm: coordinator job $cjob, worker array job $wjob"
done_ok=""
for _ in $(seq 600); do
    left=$(timeout 5 "$INNS" squeue -h -o %i 2>/dev/null | wc -l)
    [ "$left" = 0 ] && { done_ok=1; break; }
    sleep 0.1
done
wall=$(( ($(date +%s%N) - start) / 1000000 ))
"$INNS" squeue 2>/dev/null
echo "--- coordinator job output"; tail -n 12 "$T/jobs/rung-coordinator-$cjob.out" 2>/dev/null
for f in "$T"/jobs/rung-workers-*.out; do echo "--- $(basename "$f")"; tail -n 3 "$f"; done
complete=$(grep -c "study complete" "$T/jobs/rung-coordinator-$cjob.out" 2>/dev/null || true)
workers=$(python3 - "$T/study/run/study.sqlite" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
names = [r[0] for r in db.execute("SELECT DISTINCT worker FROM attempts")]
states = dict(db.execute("SELECT state, COUNT(*) FROM trials GROUP BY state").fetchall())
print(len(names), states.get("completed", 0) + states.get("stopped", 0), sum(states.values()))
EOF
)
read -r nworkers finished trials <<< "${workers:-0 0 0}"
echo "RESULT {\"curve\": $CURVE, \"wall_ms\": $wall, \"jobs_finished\": ${done_ok:-0}, \"study_complete\": $complete, \"workers_used\": $nworkers, \"trials\": $trials, \"trials_finished\": $finished}"
[ -n "$done_ok" ] && [ "$complete" = 1 ] && [ "$nworkers" = 2 ] && [ "$finished" = 8 ] && [ "$trials" = 8 ] || {
    tail -n 20 "$T/log/slurmctld.log" "$T/log/slurmd.log"; exit 1; }
