#!/usr/bin/python3
"""Accuracy of the int8 engines against the fp32 reference on the same texts: cpu-int8 (ours) and ONNX
Runtime's dynamic int8 (tools/oracle/quantize_onnx_int8.py).

The reference is ONNX Runtime fp32 on the exported model (an oracle, not our engine). Both int8 engines get
the same token ids (our tokenizer, identical to Hugging Face's). Measures, the worst over the texts:
- pooled: 1 - cos(mean-pooled int8, mean-pooled fp32);
- max abs: max |int8 - fp32| over every hidden state of every token.
Prints one JSON line per engine: {"engine", "texts", "worst_1_minus_cos", "max_abs"}.

Usage: bench/int8_accuracy.py --bin build/acgs-infer --model DIR --onnx fp32.onnx --onnx-int8 int8.onnx
                              --texts bench/parity_texts.jsonl [--backend cpu-int8 ...]
"""
import argparse
import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np

ORACLE = Path(__file__).resolve().parent.parent / "tools" / "oracle"


def run(cmd, stdin_path, **kw):
    with open(stdin_path, "rb") as stdin:
        return subprocess.run(cmd, stdin=stdin, stdout=subprocess.PIPE, check=True, **kw).stdout.decode()


def ort_hidden(models, ids_path):
    """{model path: [per text, [tokens, dim]]} from ort_run.js, one node start for all models."""
    cmd = ["node", "ort_run.js"] + [a for m in models for a in ("--model", os.path.abspath(m))]
    out = {}
    for line in run(cmd, ids_path, cwd=ORACLE).splitlines():
        r = json.loads(line)
        out.setdefault(r["model"], []).append(np.array(r["last_hidden_state"], dtype=np.float64))
    return out


def ours_hidden(bin_path, model, backend, texts_path):
    cmd = [bin_path, "embed", "--model", model, "--backend", backend, "--output", "hidden", "--max-length", "128"]
    return [np.array(json.loads(line)["hidden"], dtype=np.float64) for line in run(cmd, texts_path).splitlines()]


def errors(hidden, reference):
    worst_cos, max_abs = 0.0, 0.0
    for h, r in zip(hidden, reference, strict=True):
        assert h.shape == r.shape, (h.shape, r.shape)
        a, b = h.mean(axis=0), r.mean(axis=0)
        worst_cos = max(worst_cos, 1.0 - float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)))
        max_abs = max(max_abs, float(np.abs(h - r).max()))
    return worst_cos, max_abs


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--model", required=True, help="model directory (the one both ONNX files came from)")
    parser.add_argument("--onnx", required=True, help="fp32 ONNX export: the reference")
    parser.add_argument("--onnx-int8", required=True, help="ORT dynamic-int8 rewrite of it")
    parser.add_argument("--texts", required=True, help='JSONL {"text": ...}')
    parser.add_argument("--backend", action="append", help="our backends to measure (default cpu-int8)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ids = Path(tmp) / "ids.jsonl"
        tokenized = run([args.bin, "tokenize", "--model", args.model, "--max-length", "128"], args.texts)
        ids.write_text("".join(json.dumps(json.loads(line)["ids"]) + "\n" for line in tokenized.splitlines()))
        ort = ort_hidden([args.onnx, args.onnx_int8], ids)
    reference = ort[os.path.abspath(args.onnx)]
    engines = {"onnxruntime-int8": ort[os.path.abspath(args.onnx_int8)]}
    for backend in args.backend or ["cpu-int8"]:
        engines[backend] = ours_hidden(args.bin, args.model, backend, args.texts)
    for name, hidden in engines.items():
        cos, mx = errors(hidden, reference)
        print(json.dumps({"engine": name, "texts": len(reference), "worst_1_minus_cos": cos, "max_abs": mx}))


if __name__ == "__main__":
    main()
