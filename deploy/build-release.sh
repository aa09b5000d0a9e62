#!/usr/bin/env bash
# Builds the release tarball a worker or coordinator machine needs without a Swift toolchain:
# `rung` built with the Swift runtime linked in (--static-swift-stdlib), its SHA-256, and the list
# of Debian packages the binary still loads (from ldd, plus what it dlopens: OpenBLAS).
#   deploy/build-release.sh [OUT_DIR]      # default dist/; prints the tarball's path last
# Output: OUT_DIR/rung-VERSION-linux-x86_64.tar.gz and OUT_DIR/rung-VERSION-linux-x86_64.tar.gz.sha256
# (VERSION is `rungVersion` in Sources/RungCLI/Version.swift). The build lives in .build-release/.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)

VERSION=$(sed -n 's/^let rungVersion = "\(.*\)"$/\1/p' Sources/RungCLI/Version.swift)
[ -n "$VERSION" ] || { echo "build-release: no rungVersion in Sources/RungCLI/Version.swift" >&2; exit 1; }
ARCH=$(uname -m)
NAME="rung-$VERSION-linux-$ARCH"

# The fully static Linux SDK (musl) would also drop glibc and the system libraries, but it must
# be installed with `swift sdk install`, which fetches from swift.org: not possible here. Use it
# when present, otherwise link only the Swift runtime statically.
SDK_FLAGS=()
if swift sdk list 2>/dev/null | grep -q "static-linux"; then
    SDK_FLAGS=(--swift-sdk "$(swift sdk list | grep static-linux | head -1)")
    echo "build-release: building with the fully static Linux SDK" >&2
fi

swift build -c release --product rung --static-swift-stdlib --scratch-path .build-release \
    ${SDK_FLAGS[@]+"${SDK_FLAGS[@]}"} >&2
BIN=.build-release/release/rung

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/$NAME/bin"
cp "$BIN" "$STAGE/$NAME/bin/rung"
strip "$STAGE/$NAME/bin/rung" 2>/dev/null || true
(cd "$STAGE/$NAME" && sha256sum bin/rung > rung.sha256)

# Debian packages: every shared library ldd resolves, mapped to its package, plus the ones Rung
# opens at run time (OpenBLAS; BLIS and oneDNN are optional fallbacks).
{
    echo "# Debian 12 packages a machine needs to run bin/rung (apt-get install \$(grep -v '^#' DEBIAN-PACKAGES))"
    {
        ldd "$STAGE/$NAME/bin/rung" | awk '/=> \//{print $3}' | while read -r lib; do
            real=$(readlink -f "$lib")
            dpkg -S "$real" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || true
        done | cut -d: -f1 | sort -u
        echo libopenblas0
    } | sort -u
    echo "# optional: BLAS fallbacks when OpenBLAS fails its check: libblis4 libdnnl2"
    echo "# for task: command: studies, whatever the command needs (e.g. python3)"
} > "$STAGE/$NAME/DEBIAN-PACKAGES"
if ldd "$STAGE/$NAME/bin/rung" | grep -q "/opt/swift\|libswiftCore\|libFoundation"; then
    echo "build-release: the binary still links the Swift runtime dynamically:" >&2
    ldd "$STAGE/$NAME/bin/rung" >&2
    exit 1
fi
cat > "$STAGE/$NAME/README" <<EOF
Rung $VERSION for Linux $ARCH (Debian 12 / glibc 2.36 or newer).
The Swift runtime is linked in; install the packages in DEBIAN-PACKAGES, then run bin/rung --help.
Check the binary: sha256sum -c rung.sha256. Deployment: deploy/README.md in the source tree.
EOF

TARBALL="$OUT/$NAME.tar.gz"
tar -C "$STAGE" --owner=0 --group=0 -czf "$TARBALL" "$NAME"
(cd "$OUT" && sha256sum "$NAME.tar.gz" > "$NAME.tar.gz.sha256")
echo "build-release: $(du -h "$TARBALL" | cut -f1) $(sed -n 2,99p "$STAGE/$NAME/DEBIAN-PACKAGES" | grep -v '^#' | tr '\n' ' ')" >&2
echo "$TARBALL"
