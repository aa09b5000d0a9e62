#!/bin/sh
# Fetches the two photographs scikit-learn ships (china.jpg, flower.jpg; BSD-3 wheel of
# scikit-learn==1.9.1, sklearn/datasets/images/) into data/images/, never committed. They are the
# check images of EfficientNet-Lite0 (ImageNet classes 698 "palace" and 985 "daisy").
# Usage: scripts/fetch-sample-images.sh   (run from the repository root)
set -eu
out=data/images
if [ -s "$out/china.jpg" ] && [ -s "$out/flower.jpg" ]; then
    echo "$out/china.jpg and $out/flower.jpg are already present"
    exit 0
fi
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pip download --no-deps --quiet --dest "$tmp" "scikit-learn==1.9.1"
wheel=$(ls "$tmp"/scikit_learn-*.whl | head -n 1)
for name in china.jpg flower.jpg; do
    python3 -c "import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read('sklearn/datasets/images/' + sys.argv[2]))" "$wheel" "$name" > "$out/$name.part"
    case $name in
        china.jpg) want=8378025ad2519d649d02e32bd98990db4ab572357d9f09841c2fbfbb4fefad29 ;;
        flower.jpg) want=a77f6ec41e353afdf8bdff2ea981b2955535d8d83294f8cfa49cf4e423dd5638 ;;
    esac
    got=$(sha256sum "$out/$name.part" | cut -d ' ' -f 1)
    if [ "$got" != "$want" ]; then
        echo "error: $out/$name.part has sha256 $got, expected $want" >&2
        exit 1
    fi
    mv "$out/$name.part" "$out/$name"
    echo "wrote $out/$name ($(wc -c < "$out/$name") bytes)"
done
