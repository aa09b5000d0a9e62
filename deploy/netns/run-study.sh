#!/usr/bin/env bash
# Runs the Rung study across network-namespace hosts (deploy/netns/run_study.py) after checking
# what it needs: root, iproute2 (installed here if missing), /dev/net/tun and python3.
#   deploy/netns/run-study.sh --rung .build/debug/rung [--mode netns|loopback] [--partition-seconds 10] ...
# Exit 0: the study passed its checks; 1: it did not; 77: skipped (the reason is printed).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != "0" ]; then echo "SKIP: network namespaces need root (CAP_NET_ADMIN + CAP_SYS_ADMIN)"; exit 77; fi
if ! command -v ip >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 >/dev/null 2>&1
    command -v ip >/dev/null 2>&1 || { echo "SKIP: iproute2 (ip) is not installed and could not be installed"; exit 77; }
fi
[ -c /dev/net/tun ] || { echo "SKIP: /dev/net/tun is missing; the test link needs TUN devices"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is missing"; exit 77; }
exec python3 "$HERE/run_study.py" "$@"
