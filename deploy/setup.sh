#!/usr/bin/env bash
# Installs what Rung needs on a Debian 12 machine, only where it is missing:
# the system libraries (ZeroMQ, BLAS, SQLite, libpng, libjpeg-turbo, pkg-config) and the
# Fashion-MNIST data set (dataset-fashion-mnist) through apt-get.
# Swift 6.1 or newer must already be on PATH (https://www.swift.org/install/).
set -euo pipefail

APT_PACKAGES=(libzmq3-dev libopenblas-dev libsqlite3-dev pkg-config libpng-dev libjpeg62-turbo-dev dataset-fashion-mnist)
# Callers add packages of their own (deploy/test.sh: what only the tests need).
read -r -a EXTRA <<< "${RUNG_EXTRA_APT:-}"
APT_PACKAGES+=("${EXTRA[@]}")

missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
    echo "rung setup: installing ${missing[*]}"
    SUDO=""
    if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "rung setup: 'swift' is not on PATH; install Swift 6.1 or newer from https://www.swift.org/install/" >&2
    exit 1
fi
