#!/usr/bin/python3
"""Exports the ONNX head-split matrix for tests/engine/onnx_styles_test.cc: small DistilBERT-like modules
(HF parameter names; the embeddings, FFN and layer blocks of torch_reference.py) whose attention splits
q/k/v into heads in different ways, each exported with torch.onnx.export (opset 14, dynamic batch and
sequence axes, constant folding) to OUT/<name>/model.onnx, with a small WordPiece vocab.txt beside it.
No config.json is written: the importer has to prove the head count from the graph alone.

Split styles (what the attention writes; bs, seq and dim come from x.size(), so they are dynamic):
  constant        t.view(bs, -1, H, D)                      -> Reshape shape Concat(bs, -1, H, D)
  dynamic         t.view(bs, -1, H, dim // H)               -> D is Shape -> Gather -> Div(H) -> Cast
  heads_minus1    t.view(bs, seq, -1, D), scores * D**-0.5  -> only D is constant, scale after q.kT
  head_dim_minus1 t.view(bs, seq, H, -1)                    -> only H is constant
Each style runs with and without a DistilBertFor*-style wrapper that prefixes `distilbert.`.
  unprovable      (one extra file) the heads come from a tensor's run-time shape and the scale is
                  computed at run time: nothing in the graph states H; the importer must refuse it.
  eps             (one extra file) constant, with LayerNorm eps 1e-5 instead of DistilBERT's 1e-12.
  wrong_scale     (one extra file) constant, scores divided by head_dim instead of sqrt(head_dim): a graph
                  our kernels cannot compute, which must be refused.

OUT/manifest.json lists every file: {"name", "style", "prefixed", "n_heads", "head_dim", "dim", ...}.
All files are written by one process (importing torch is most of the cost).

Usage: /usr/bin/python3 tools/oracle/export_onnx_styles.py --out OUT
"""
import argparse
import json
import math
import sys
from pathlib import Path

import onnx
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from torch_reference import Embeddings, Transformer  # noqa: E402

# (n_heads, head_dim): each half has the six head counts; head_dim 16, 32 and 64; dim <= 512. Both
# halves hold (4, 16), the case (4 heads, dim 64) that the dynamic style imported as 1 head.
SHAPES = [(1, 64), (2, 32), (4, 16), (8, 64), (12, 32), (16, 16), (1, 16), (2, 64), (4, 16), (8, 16),
          (12, 16), (16, 32)]
STYLES = ["constant", "dynamic", "heads_minus1", "head_dim_minus1"]
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list("abcdefghijklmnopqrstuvwxyz.,!?") + \
        ["##" + c for c in "abcdefghijklmnopqrstuvwxyz"] + \
        ["the", "head", "count", "is", "proven", "not", "guessed", "an", "onnx", "model", "attention", "split"]


class StyledAttention(nn.Module):
    """DistilBERT's MultiHeadSelfAttention (same parameter names and arithmetic), with the head split
    written in one of STYLES."""

    def __init__(self, cfg, style):
        super().__init__()
        self.n_heads, self.dim, self.style = cfg["n_heads"], cfg["dim"], style
        self.head_dim = self.dim // self.n_heads
        self.q_lin = nn.Linear(self.dim, self.dim)
        self.k_lin = nn.Linear(self.dim, self.dim)
        self.v_lin = nn.Linear(self.dim, self.dim)
        self.out_lin = nn.Linear(self.dim, self.dim)
        # A run-time tensor of length H: the unprovable style reads the head count from its shape.
        self.register_buffer("head_marker", torch.zeros(self.n_heads), persistent=False)

    def split(self, t, x):
        bs, seq, dim = x.size()
        if self.style in ("constant", "wrong_scale"):
            return t.view(bs, -1, self.n_heads, self.head_dim)
        if self.style == "dynamic":
            return t.view(bs, -1, self.n_heads, dim // self.n_heads)
        if self.style == "heads_minus1":
            return t.view(bs, seq, -1, self.head_dim)
        if self.style == "head_dim_minus1":
            return t.view(bs, seq, self.n_heads, -1)
        # unprovable: H = the marker's length, broadcast through the run-time mask so it is not folded.
        heads = (self.head_marker.unsqueeze(0) + x[:, :1, 0].unsqueeze(-1) * 0).size(-1)
        return t.view(bs, seq, heads, -1)

    def forward(self, x, mask):
        bs = x.size(0)
        q = self.split(self.q_lin(x), x).transpose(1, 2)
        k = self.split(self.k_lin(x), x).transpose(1, 2)
        v = self.split(self.v_lin(x), x).transpose(1, 2)
        if self.style in ("constant", "dynamic", "head_dim_minus1"):
            scores = torch.matmul(q / math.sqrt(self.head_dim), k.transpose(2, 3))
        elif self.style == "heads_minus1":
            scores = torch.matmul(q, k.transpose(2, 3)) * self.head_dim ** -0.5
        elif self.style == "wrong_scale":
            scores = torch.matmul(q, k.transpose(2, 3)) / self.head_dim
        else:
            scores = torch.matmul(q, k.transpose(2, 3)) / torch.sqrt(torch.tensor(1.0) * q.size(-1))
        masked = (mask == 0).view(bs, 1, 1, -1).expand_as(scores)
        scores = scores.masked_fill(masked, torch.tensor(torch.finfo(scores.dtype).min))
        weights = nn.functional.softmax(scores, dim=-1)
        context = torch.matmul(weights, v).transpose(1, 2).contiguous().view(bs, -1, self.dim)
        return self.out_lin(context)


class Encoder(nn.Module):
    def __init__(self, cfg, style):
        super().__init__()
        self.embeddings = Embeddings(cfg)
        self.transformer = Transformer(cfg)
        for block in self.transformer.layer:
            block.attention = StyledAttention(cfg, style)

    def forward(self, input_ids, attention_mask):
        return self.transformer(self.embeddings(input_ids), attention_mask)


class Prefixed(nn.Module):
    """DistilBertFor* / BertFor*'s layout: the encoder under `prefix.` (so its initializers are named so), a
    classifier on [CLS] that the importer must ignore. Extra inputs (token_type_ids) go to the encoder."""

    def __init__(self, encoder, dim, prefix="distilbert"):
        super().__init__()
        self.prefix = prefix
        self.add_module(prefix, encoder)
        self.pre_classifier = nn.Linear(dim, dim)
        self.classifier = nn.Linear(dim, 2)

    def forward(self, input_ids, attention_mask, *more):
        hidden = getattr(self, self.prefix)(input_ids, attention_mask, *more)
        return hidden, self.classifier(torch.relu(self.pre_classifier(hidden[:, 0])))


def randomize(module):
    """Seeded random weights large enough that attention is far from uniform, so a wrong head count shows in
    the output (default init would leave every head nearly uniform)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "LayerNorm" in name or "layer_norm" in name:
                p.copy_(1.0 + 0.1 * torch.randn_like(p) if name.endswith("weight") else 0.1 * torch.randn_like(p))
            elif name.endswith("weight"):
                p.copy_(torch.randn_like(p) * (0.5 if "embeddings" in name else 1.5 / math.sqrt(p.shape[-1])))
            else:
                p.copy_(0.1 * torch.randn_like(p))


def build(n_heads, head_dim, style, prefixed, seed, eps):
    torch.manual_seed(seed)
    dim = n_heads * head_dim
    cfg = {"vocab_size": len(VOCAB), "dim": dim, "n_layers": 2, "n_heads": n_heads, "hidden_dim": 48,
           "max_position_embeddings": 40, "pad_token_id": 0}
    encoder = Encoder(cfg, "constant" if style == "eps" else style)
    for m in encoder.modules():
        if isinstance(m, nn.LayerNorm):
            m.eps = eps
    randomize(encoder)
    module = Prefixed(encoder, dim) if prefixed else encoder
    return module.eval(), cfg


def export(module, path, inputs):
    """torch.onnx.export at opset 14 with constant folding; `inputs` are named from input_ids, attention_mask
    and token_type_ids (a one-text example); outputs last_hidden_state (and a Prefixed module's logits), every
    input and last_hidden_state with dynamic batch and sequence axes."""
    ids = torch.tensor([[2, 40, 41, 3]], dtype=torch.long)
    example = {"input_ids": ids, "attention_mask": torch.ones_like(ids), "token_type_ids": torch.zeros_like(ids)}
    outputs = ["last_hidden_state", "logits"] if isinstance(module, Prefixed) else ["last_hidden_state"]
    dynamic = {0: "batch", 1: "sequence"}
    axes = {name: dynamic for name in inputs + outputs[:1]}
    axes.update({name: {0: "batch"} for name in outputs[1:]})
    with torch.no_grad():
        torch.onnx.export(module, tuple(example[name] for name in inputs), str(path), input_names=inputs,
                          output_names=outputs, dynamic_axes=axes, opset_version=14, do_constant_folding=True)
    onnx.checker.check_model(str(path))


def write_matrix(description, files):
    """main() of a matrix export script: parses --out OUT, then exports each (name, module, inputs, entry) that
    `files` yields to OUT/name/model.onnx with VOCAB's vocab.txt beside it, and lists {"name", **entry} in
    OUT/manifest.json. `files` is iterated after the arguments are parsed (torch work waits for them)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="folder to write the files and manifest.json into")
    args = parser.parse_args()

    torch.set_num_threads(1)
    out = Path(args.out)
    manifest = []
    for name, module, inputs, entry in files:
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        export(module, folder / "model.onnx", inputs)
        (folder / "vocab.txt").write_text("\n".join(VOCAB) + "\n")
        manifest.append({"name": name, **entry})
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote {len(manifest)} files under {out}", file=sys.stderr)


def files():
    # Every style gets all six head counts (one half of SHAPES), every other file wrapped.
    plan = [(style, (i + s) % 2 == 1, n_heads, head_dim, 1e-12)
            for s, style in enumerate(STYLES)
            for i, (n_heads, head_dim) in enumerate(SHAPES[6 * (s % 2):6 * (s % 2) + 6])]
    plan += [("unprovable", False, 4, 16, 1e-12), ("eps", False, 4, 16, 1e-5), ("wrong_scale", False, 4, 16, 1e-12)]
    for seed, (style, prefixed, n_heads, head_dim, eps) in enumerate(plan):
        module, cfg = build(n_heads, head_dim, style, prefixed, seed, eps)
        yield (f"{style}_{'prefixed_' if prefixed else ''}h{n_heads}_d{head_dim}", module,
               ["input_ids", "attention_mask"], {"style": style, "prefixed": prefixed, "layer_norm_eps": eps, **cfg})


if __name__ == "__main__":
    write_matrix(__doc__, files())
