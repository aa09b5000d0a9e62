#!/bin/sh
# Writes data/breast_cancer.csv (the scikit-learn 1.9.1 breast-cancer table with a header and 20%
# of its feature values blanked); see scripts/fetch-breast-cancer.py, which does the work.
set -eu
exec python3 "$(dirname "$0")/fetch-breast-cancer.py" "$@"
