#!/usr/bin/python3
"""PyTorch oracle for acgs-infer: DistilBERT's and BERT's last_hidden_state exactly as Hugging Face computes it.

An independent re-implementation of transformers' DistilBertModel (modeling_distilbert.py): same module
tree and parameter names, so a model directory's safetensors load with load_state_dict(strict=True); same
arithmetic (q scaled before q·kᵀ, padding masked with finfo.min, exact erf GELU, LayerNorm eps 1e-12).
Needs only python3-torch and python3-numpy from Debian (no transformers, no safetensors package).

model_type "bert" loads torch_bert.BertModel (HF BertModel's names and arithmetic) instead.

Input: JSONL, one token id list per line, either `[101, 7592, 102]` or `{"ids": [...]}` (what
`acgs-infer tokenize` prints). Output: JSONL, one object per input line, in order:
  {"hidden": [[dim floats] per token], "mean": [dim], "cls": [dim], "max": [dim], "pooled": [dim]}
mean is HF's attention-mask-weighted mean, cls the first token, max sentence-transformers' max over the real
tokens; --normalize L2-normalizes them. pooled is what sentence-transformers' encode() returns for the
directory: the Pooling module's mode, then Normalize when modules.json lists it (mean without normalization
when the directory has no modules.json), whatever --normalize says.
--npz FILE writes the same as arrays instead: hidden (packed [total_tokens, dim]), offsets, mean, cls, max, pooled.

--mode single runs each sequence on its own (no padding); --mode padded runs all of them as one batch
padded to the longest with an attention mask, which is what a real HF caller does.

Usage: /usr/bin/python3 tools/oracle/torch_reference.py --model DIR [--input ids.jsonl] [--output out.jsonl]
       [--dtype float64|float32] [--mode single|padded] [--normalize] [--npz out.npz]
"""
import argparse
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

import torch_bert

LAYER_NORM_EPS = 1e-12  # hard-coded in every DistilBERT LayerNorm; config.json has no field for it
SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16, "F64": np.float64}


def read_safetensors(path):
    """name -> float32 numpy array. BF16 is widened by placing its 16 bits on top of a float32."""
    raw = Path(path).read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len])
    data = memoryview(raw)[8 + header_len :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = info["dtype"]
        if dtype not in SAFETENSORS_DTYPES:
            raise SystemExit(f"{path}: tensor {name} has dtype {dtype}, expected one of {sorted(SAFETENSORS_DTYPES)}")
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=SAFETENSORS_DTYPES[dtype])
        if dtype == "BF16":
            array = (array.astype(np.uint32) << 16).view(np.float32)
        tensors[name] = array.astype(np.float32).reshape(info["shape"])
    return tensors


class Embeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], cfg["dim"], padding_idx=cfg.get("pad_token_id", 0))
        self.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], cfg["dim"])
        self.LayerNorm = nn.LayerNorm(cfg["dim"], eps=LAYER_NORM_EPS)

    def forward(self, input_ids):
        # Every row of a padded batch uses positions 0..seq_len-1.
        position_ids = torch.arange(input_ids.size(1), dtype=torch.long).unsqueeze(0).expand_as(input_ids)
        return self.LayerNorm(self.word_embeddings(input_ids) + self.position_embeddings(position_ids))


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.n_heads = cfg["n_heads"]
        self.dim = cfg["dim"]
        self.q_lin = nn.Linear(self.dim, self.dim)
        self.k_lin = nn.Linear(self.dim, self.dim)
        self.v_lin = nn.Linear(self.dim, self.dim)
        self.out_lin = nn.Linear(self.dim, self.dim)

    def forward(self, x, mask):
        bs, _, _ = x.size()
        dim_per_head = self.dim // self.n_heads

        def shape(t):  # (bs, len, dim) -> (bs, heads, len, dim_per_head)
            return t.view(bs, -1, self.n_heads, dim_per_head).transpose(1, 2)

        q = shape(self.q_lin(x)) / math.sqrt(dim_per_head)
        k = shape(self.k_lin(x))
        v = shape(self.v_lin(x))
        scores = torch.matmul(q, k.transpose(2, 3))
        masked = (mask == 0).view(bs, 1, 1, -1).expand_as(scores)
        scores = scores.masked_fill(masked, torch.tensor(torch.finfo(scores.dtype).min))
        weights = nn.functional.softmax(scores, dim=-1)
        context = torch.matmul(weights, v).transpose(1, 2).contiguous().view(bs, -1, self.dim)
        return self.out_lin(context)


class FFN(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.lin1 = nn.Linear(cfg["dim"], cfg["hidden_dim"])
        self.lin2 = nn.Linear(cfg["hidden_dim"], cfg["dim"])

    def forward(self, x):
        return self.lin2(nn.functional.gelu(self.lin1(x)))  # exact erf GELU, as HF's "gelu"


class TransformerBlock(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attention = MultiHeadSelfAttention(cfg)
        self.sa_layer_norm = nn.LayerNorm(cfg["dim"], eps=LAYER_NORM_EPS)
        self.ffn = FFN(cfg)
        self.output_layer_norm = nn.LayerNorm(cfg["dim"], eps=LAYER_NORM_EPS)

    def forward(self, x, mask):
        sa_output = self.sa_layer_norm(self.attention(x, mask) + x)
        return self.output_layer_norm(self.ffn(sa_output) + sa_output)


class Transformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layer = nn.ModuleList([TransformerBlock(cfg) for _ in range(cfg["n_layers"])])

    def forward(self, x, mask):
        for block in self.layer:
            x = block(x, mask)
        return x


class DistilBertModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embeddings = Embeddings(cfg)
        self.transformer = Transformer(cfg)

    def forward(self, input_ids, attention_mask):
        return self.transformer(self.embeddings(input_ids), attention_mask)


def load_bert(model_dir, cfg, dtype):
    torch_bert.check_config(cfg, f"{model_dir}/config.json")
    model = torch_bert.BertModel(cfg)
    model.load_state_dict(torch_bert.encoder_state(read_safetensors(model_dir / "model.safetensors")), strict=True)
    return model.to(dtype).eval(), cfg


def load_model(model_dir, dtype):
    model_dir = Path(model_dir)
    cfg = json.loads((model_dir / "config.json").read_text())
    if cfg.get("model_type") == "bert":
        return load_bert(model_dir, cfg, dtype)
    if cfg.get("model_type", "distilbert") != "distilbert" or cfg.get("activation", "gelu") != "gelu":
        raise SystemExit(f"{model_dir}/config.json: not a DistilBERT encoder with gelu activation")
    state = {}
    for name, array in read_safetensors(model_dir / "model.safetensors").items():
        name = name.removeprefix("distilbert.")
        # The MLM head (vocab_transform, vocab_projector...) is not part of DistilBertModel;
        # embeddings.position_ids is a non-parameter buffer some older checkpoints carry.
        if name.startswith(("embeddings.", "transformer.")) and name != "embeddings.position_ids":
            state[name] = torch.from_numpy(array)
    model = DistilBertModel(cfg)
    model.load_state_dict(state, strict=True)
    return model.to(dtype).eval(), cfg


def read_ids(stream):
    sequences = []
    for line_no, line in enumerate(stream, 1):
        if not line.strip():
            continue
        item = json.loads(line)
        ids = item["ids"] if isinstance(item, dict) else item
        if not ids or not all(isinstance(i, int) for i in ids):
            raise SystemExit(f"input line {line_no}: expected a non-empty list of token ids")
        sequences.append(ids)
    return sequences


def run_padded(model, sequences, pad_id):
    """One batch padded to the longest: (hidden [bs, max_len, dim], attention_mask [bs, max_len])."""
    max_len = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), max_len), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), max_len), dtype=torch.long)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = torch.tensor(seq)
        mask[row, : len(seq)] = 1
    return model(ids, mask), mask


def sentence_pooling(model_dir):
    """(mode, normalize) as sentence-transformers' modules.json and Pooling config declare them."""
    modules_file = Path(model_dir) / "modules.json"
    if not modules_file.exists():
        return "mean", False
    mode, normalize = None, False
    for module in json.loads(modules_file.read_text()):
        if module["type"].endswith(".Pooling"):
            pooling = json.loads((Path(model_dir) / module["path"] / "config.json").read_text())
            modes = [m for m in ("cls", "mean", "max") if pooling.get(f"pooling_mode_{m}_tokens" if m != "cls" else
                                                                      "pooling_mode_cls_token")]
            if len(modes) != 1:
                raise SystemExit(f"{model_dir}: pooling modes {modes}, expected exactly one")
            mode = modes[0]
        elif module["type"].endswith(".Normalize"):
            normalize = True
    return mode, normalize


def infer(model, cfg, sequences, mode, normalize, declared=("mean", False)):
    """Per sequence: (hidden [len, dim], mean, cls, max, pooled [dim]) as numpy arrays."""
    batches = [sequences] if mode == "padded" else [[s] for s in sequences]
    results = []
    with torch.no_grad():
        for batch in batches:
            hidden, mask = run_padded(model, batch, cfg.get("pad_token_id", 0))
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            pools = {
                "mean": (hidden * weights).sum(dim=1) / weights.sum(dim=1),
                "cls": hidden[:, 0],
                # sentence-transformers sets padded positions to -1e9 before the max.
                "max": hidden.masked_fill(weights == 0, -1e9).max(dim=1).values,
            }
            pooled = pools[declared[0]]
            if declared[1]:
                pooled = nn.functional.normalize(pooled, p=2, dim=1)
            if normalize:
                pools = {k: nn.functional.normalize(v, p=2, dim=1) for k, v in pools.items()}
            for row, seq in enumerate(batch):
                results.append((hidden[row, : len(seq)].numpy(), pools["mean"][row].numpy(), pools["cls"][row].numpy(),
                                pools["max"][row].numpy(), pooled[row].numpy()))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="directory with config.json and model.safetensors")
    parser.add_argument("--input", help="JSONL of token id lists (default: stdin)")
    parser.add_argument("--output", help="JSONL output (default: stdout)")
    parser.add_argument("--npz", help="write numpy arrays to this .npz instead of JSONL")
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    parser.add_argument("--mode", choices=["single", "padded"], default="single")
    parser.add_argument("--normalize", action="store_true", help="L2-normalize the pooled vectors")
    args = parser.parse_args()

    torch.set_num_threads(1)  # deterministic summation order, and polite on shared CI cores
    model, cfg = load_model(args.model, getattr(torch, args.dtype))
    with open(args.input) if args.input else sys.stdin as stream:
        sequences = read_ids(stream)
    if not sequences:
        raise SystemExit("no input sequences")
    for n, seq in enumerate(sequences, 1):
        if len(seq) > cfg["max_position_embeddings"] or not all(0 <= i < cfg["vocab_size"] for i in seq):
            raise SystemExit(f"sequence {n}: longer than {cfg['max_position_embeddings']} tokens or an id "
                             f"outside [0, {cfg['vocab_size']})")
    results = infer(model, cfg, sequences, args.mode, args.normalize, sentence_pooling(args.model))

    if args.npz:
        offsets = np.cumsum([0] + [len(s) for s in sequences])
        np.savez(args.npz, hidden=np.concatenate([r[0] for r in results]), offsets=offsets,
                 mean=np.stack([r[1] for r in results]), cls=np.stack([r[2] for r in results]),
                 max=np.stack([r[3] for r in results]), pooled=np.stack([r[4] for r in results]))
        return
    with open(args.output, "w") if args.output else sys.stdout as out:
        for hidden, mean, cls, max_, pooled in results:
            out.write(json.dumps({"hidden": hidden.tolist(), "mean": mean.tolist(), "cls": cls.tolist(),
                                  "max": max_.tolist(), "pooled": pooled.tolist()}) + "\n")


if __name__ == "__main__":
    main()
