#!/usr/bin/python3
"""Exports a model directory (config.json + model.safetensors) to ONNX, the peer model for ONNX Runtime.

Builds DistilBERT with Hugging Face's module tree and parameter names (torch_reference.py, independent of
our engine) and exports it the way the seed project did: torch.onnx.export, opset 14, inputs input_ids and
attention_mask (int64, dynamic batch and sequence axes), output last_hidden_state.
Needs only python3-torch (+ python3-onnx for the check) from Debian; run with /usr/bin/python3.

Usage: /usr/bin/python3 tools/oracle/export_onnx.py --model DIR --output model.onnx
"""
import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from torch_reference import load_model  # noqa: E402


class LastHiddenState(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids, attention_mask)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="directory with config.json and model.safetensors")
    parser.add_argument("--output", required=True, help="ONNX file to write")
    parser.add_argument("--opset", type=int, default=14)
    args = parser.parse_args()

    torch.set_num_threads(1)
    model, _ = load_model(args.model, torch.float32)
    example_ids = torch.tensor([[101, 7592, 2088, 102]], dtype=torch.long)
    example_mask = torch.ones_like(example_ids)
    dynamic = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        torch.onnx.export(LastHiddenState(model), (example_ids, example_mask), args.output,
                          input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                          dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic, "last_hidden_state": dynamic},
                          opset_version=args.opset, do_constant_folding=True)
    try:
        import onnx
        onnx.checker.check_model(args.output)
    except ImportError:
        pass
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
