#!/usr/bin/python3
"""Copies a model directory with activation outliers planted: every LayerNorm's weight and bias multiplied by
FACTOR at a few hidden dimensions, so those features come out FACTOR times larger after every LayerNorm, as
trained BERTs' do (bert-base: dimensions 308 and 381). Random synthetic weights have no such features, and
they are what per-token or per-tensor activation scales must survive (bench/int8_accuracy.py on the copy and
its ONNX export compares the int8 engines on it; tests/backend/cpu/cpu_base_test.cc plants the same in C++).

Usage: /usr/bin/python3 tools/oracle/plant_outliers.py --model DIR --out DIR [--factor 50] [--dims 77,308,381,588]
"""
import argparse
import json
import shutil
import struct
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from torch_reference import read_safetensors  # noqa: E402


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, array in tensors.items():
        blob = np.ascontiguousarray(array, dtype=np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)  # the data starts 8-byte aligned
    Path(path).write_bytes(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--factor", type=float, default=50.0)
    parser.add_argument("--dims", default="77,308,381,588")
    args = parser.parse_args()
    dims = [int(d) for d in args.dims.split(",")]
    src, out = Path(args.model), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.name != "model.safetensors" and f.is_file():
            shutil.copy(f, out / f.name)
    tensors = read_safetensors(src / "model.safetensors")
    planted = 0
    for name, array in tensors.items():
        if ("LayerNorm" in name or "layer_norm" in name) and array.ndim == 1:
            array[dims] *= args.factor
            planted += 1
    if planted == 0:
        raise SystemExit(f"plant_outliers: no LayerNorm tensors in {src}")
    write_safetensors(out / "model.safetensors", tensors)
    print(f"wrote {out}: dimensions {dims} x{args.factor:g} in {planted} LayerNorm tensors")


if __name__ == "__main__":
    main()
