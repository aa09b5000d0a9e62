#!/usr/bin/env python3
"""Check that a safetensors file written by Rung loads in the `safetensors` Python package.

Usage:  python3 scripts/check-safetensors.py FILE [EXPECTED.json]

FILE is written by Rung's test suite when RUNG_SAFETENSORS_OUT is set, e.g.
  RUNG_SAFETENSORS_OUT=/tmp/rung.safetensors swift test --filter SafeTensorsTests
It holds the tensors and metadata listed in EXPECTED.json (default:
Tests/FineTuneTests/Fixtures/safetensors/reference.json). The script loads FILE with
safetensors (torch backend), compares names, dtypes, shapes, metadata and every value bit for
bit, and also compares FILE's bytes with the file the Python package wrote for the same tensors.
Exits non-zero on any difference.
"""
import json
import pathlib
import sys

import torch
from safetensors import safe_open

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_EXPECTED = ROOT / "Tests/FineTuneTests/Fixtures/safetensors/reference.json"


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    path = pathlib.Path(sys.argv[1])
    expected_path = pathlib.Path(sys.argv[2]) if len(sys.argv) == 3 else DEFAULT_EXPECTED
    expected = json.loads(expected_path.read_text())
    problems = []
    with safe_open(str(path), framework="pt") as f:
        if f.metadata() != expected["metadata"]:
            problems.append(f"metadata {f.metadata()} != {expected['metadata']}")
        names = set(f.keys())
        if names != set(expected["tensors"]):
            problems.append(f"tensor names {sorted(names)} != {sorted(expected['tensors'])}")
        for name, want in expected["tensors"].items():
            if name not in names:
                continue
            t = f.get_tensor(name)
            if str(t.dtype).replace("torch.", "") != want["dtype"]:
                problems.append(f"{name}: dtype {t.dtype}, expected {want['dtype']}")
            if list(t.shape) != want["shape"]:
                problems.append(f"{name}: shape {list(t.shape)}, expected {want['shape']}")
            if "bits" in want:
                got = [int(v) & 0xFFFFFFFF for v in t.to(torch.float32).reshape(-1).view(torch.int32).tolist()]
                if got != want["bits"]:
                    problems.append(f"{name}: float32 bit patterns {got} != {want['bits']}")
            else:
                got = [int(v) for v in t.reshape(-1).tolist()]
                if got != want["ints"]:
                    problems.append(f"{name}: values {got} != {want['ints']}")
    python_written = expected_path.with_suffix(".safetensors")
    if python_written.exists() and python_written.read_bytes() != path.read_bytes():
        problems.append(f"bytes differ from {python_written} (valid, but not the Python package's layout)")
    if problems:
        print(f"FAIL {path}:")
        for p in problems:
            print("  " + p)
        sys.exit(1)
    print(f"OK {path}: {len(expected['tensors'])} tensors and metadata load in safetensors "
          f"and match {expected_path.name} bit for bit; bytes identical to {python_written.name}")


if __name__ == "__main__":
    main()
