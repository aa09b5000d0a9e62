#!/usr/bin/env bash
# Fetches the VADER sentiment sentences (Hutto & Gilbert 2014; sdist of vadersentiment==3.3.2 on
# PyPI, file additional_resources/hutto_ICWSM_2014.tar.gz) and writes the movie-review snippets
# as data/text/movie_reviews.jsonl, one JSON object a line: {"text": …, "label": "positive"|"negative"} (positive if the mean human score
# is > 0, negative if < 0; the 37 neutral snippets are left out). Never committed; idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=data/text/movie_reviews.jsonl
if [ -f "$OUT" ] && [ "$(wc -l < "$OUT")" -ge 10000 ]; then echo "VADER movie snippets already in $OUT"; exit 0; fi
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
echo "fetching vadersentiment==3.3.2 (sdist) from PyPI…"
python3 -m pip download --no-deps --no-binary :all: -q vadersentiment==3.3.2 -d "$TMP"
mkdir -p data/text
python3 - "$TMP"/vaderSentiment-3.3.2.tar.gz "$OUT" <<'PY'
import io, json, sys, tarfile
sdist, out = sys.argv[1], sys.argv[2]
with tarfile.open(sdist) as outer:
    member = next(m for m in outer.getmembers() if m.name.endswith("additional_resources/hutto_ICWSM_2014.tar.gz"))
    inner = tarfile.open(fileobj=io.BytesIO(outer.extractfile(member).read()))
    snippets = next(m for m in inner.getmembers() if "movieReviewSnippets_GroundTruth" in m.name and m.isfile())
    text = inner.extractfile(snippets).read().decode("utf-8", errors="replace")
rows = []
for line in text.splitlines():
    parts = line.rstrip("\r").split("\t")
    if len(parts) < 3: continue
    score = float(parts[1]); sentence = "\t".join(parts[2:]).strip().replace("\t", " ")
    if score == 0: continue
    rows.append((sentence, "positive" if score > 0 else "negative"))
with open(out, "w") as f:
    for text, label in rows:
        f.write(json.dumps({"text": text, "label": label}, ensure_ascii=False) + "\n")
pos = sum(1 for _, l in rows if l == "positive")
print(f"{len(rows)} snippets ({pos} positive, {len(rows) - pos} negative) -> {out}")
PY
