#!/usr/bin/python3
"""How far DistilBERT's hidden states move when only the encoder's Linear weights are rounded to fp16,
bf16 or int16 with one scale per output feature (max |w| / 32767), the activations and all arithmetic
staying fp32: the question behind storing a CPU backend's weights in 16 bits to halve the weight stream of
short texts. Compares against the same model with fp32 weights,
through the PyTorch oracle (torch_reference.py), on random token ids at 16, 64 and 128 tokens.

Prints per length: max |Δ| and RMS of the hidden states, and the worst mean-pooled cosine.

Usage: /usr/bin/python3 tools/oracle/weight_rounding_error.py --model DIR [--dtype fp16|bf16|int16] [--batch 4]
"""
import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import torch_reference  # noqa: E402


def round_weights(w, dtype):
    if dtype == "int16":
        # Rows of an HF Linear weight are output features.
        scale = w.abs().amax(dim=1, keepdim=True).clamp_min(1e-30) / 32767
        return torch.round(w / scale) * scale
    return w.to(torch.float16 if dtype == "fp16" else torch.bfloat16).float()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--dtype", choices=["fp16", "bf16", "int16"], default="fp16")
    parser.add_argument("--batch", type=int, default=4)
    args = parser.parse_args()
    exact, cfg = torch_reference.load_model(args.model, torch.float32)
    rounded, _ = torch_reference.load_model(args.model, torch.float32)
    with torch.no_grad():
        for name, p in rounded.named_parameters():
            if name.startswith("transformer.") and p.dim() == 2:
                p.copy_(round_weights(p, args.dtype))
    generator = torch.Generator().manual_seed(0)
    for length in (16, 64, 128):
        ids = torch.randint(1000, cfg.get("vocab_size", 30522), (args.batch, length), generator=generator)
        mask = torch.ones_like(ids)
        with torch.no_grad():
            a, b = exact(ids, mask), rounded(ids, mask)
        d = (a - b).abs()
        cos = torch.nn.functional.cosine_similarity(a.mean(1), b.mean(1)).min().item()
        print(f"{length:4d} tokens: max |d| {d.max().item():.3g}  rms {d.pow(2).mean().sqrt().item():.3g}  "
              f"min mean-pooled cosine {cos:.7f}")


if __name__ == "__main__":
    main()
