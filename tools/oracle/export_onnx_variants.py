#!/usr/bin/python3
"""Exports one model directory to the ONNX layouts our importer must read (tests/model/onnx_import_test.cc).

  OUT/plain.onnx         DistilBertModel parameter names (embeddings.*, transformer.*)
  OUT/prefixed.onnx      a DistilBertForSequenceClassification-style module: the encoder under `distilbert.`,
                         pre_classifier + classifier on the [CLS] row; outputs last_hidden_state and logits
  OUT/external/model.onnx (+ model.onnx.data)  prefixed.onnx with every tensor in an external-data file

All exported like the seed project and export_onnx.py: torch.onnx.export, opset 14, input_ids and
attention_mask (int64, dynamic batch and sequence axes), constant folding on (so linear weights become
transposed onnx::MatMul_NNN initializers). The encoder is torch_reference.py's, independent of our engine.
Run with /usr/bin/python3 (Debian python3-torch, python3-onnx).

Usage: /usr/bin/python3 tools/oracle/export_onnx_variants.py --model DIR --out OUT
"""
import argparse
import sys
from pathlib import Path

import onnx
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from torch_reference import load_model  # noqa: E402


class Plain(torch.nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.embeddings = encoder.embeddings
        self.transformer = encoder.transformer

    def forward(self, input_ids, attention_mask):
        return self.transformer(self.embeddings(input_ids), attention_mask)


class ForSequenceClassification(torch.nn.Module):
    def __init__(self, encoder, dim):
        super().__init__()
        self.distilbert = encoder
        self.pre_classifier = torch.nn.Linear(dim, dim)
        self.classifier = torch.nn.Linear(dim, 2)

    def forward(self, input_ids, attention_mask):
        hidden = self.distilbert(input_ids, attention_mask)
        logits = self.classifier(torch.relu(self.pre_classifier(hidden[:, 0])))
        return hidden, logits


def export(module, path, outputs):
    ids = torch.tensor([[101, 7592, 2088, 102]], dtype=torch.long)
    dynamic = {0: "batch", 1: "sequence"}
    axes = {"input_ids": dynamic, "attention_mask": dynamic, "last_hidden_state": dynamic}
    if "logits" in outputs:
        axes["logits"] = {0: "batch"}
    with torch.no_grad():
        torch.onnx.export(module, (ids, torch.ones_like(ids)), str(path), input_names=["input_ids", "attention_mask"],
                          output_names=outputs, dynamic_axes=axes, opset_version=14, do_constant_folding=True)
    onnx.checker.check_model(str(path))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="directory with config.json and model.safetensors")
    parser.add_argument("--out", required=True, help="folder to write the variants into")
    args = parser.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(0)
    out = Path(args.out)
    (out / "external").mkdir(parents=True, exist_ok=True)
    encoder, cfg = load_model(args.model, torch.float32)
    export(Plain(encoder).eval(), out / "plain.onnx", ["last_hidden_state"])
    export(ForSequenceClassification(encoder, cfg["dim"]).eval(), out / "prefixed.onnx",
           ["last_hidden_state", "logits"])
    model = onnx.load(str(out / "prefixed.onnx"))
    onnx.save_model(model, str(out / "external" / "model.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="model.onnx.data", size_threshold=0)
    print(f"wrote {out}/plain.onnx, prefixed.onnx, external/model.onnx", file=sys.stderr)


if __name__ == "__main__":
    main()
