#!/usr/bin/python3
"""Independent safetensors oracle for the model tests (needs only python3-torch and numpy from Debian).

  write DIR          a DistilBERT checkpoint laid out like the real distilbert-base-uncased one
                     ("distilbert." prefix, MLM head, __metadata__, F32/F16/BF16 tensors made by torch),
                     plus DIR/expected.json: every encoder tensor as torch widens it back to float32.
  check FILE SRC     FILE was written by acgs from the float32 values in SRC (JSON {name: [values]});
                     exits 1 unless every tensor equals torch's own F16/BF16/F32 rounding of SRC.
"""
import json
import struct
import sys
from pathlib import Path

import numpy as np
import torch

CONFIG = {"model_type": "distilbert", "activation": "gelu", "vocab_size": 24, "dim": 8, "n_layers": 2,
          "n_heads": 2, "hidden_dim": 12, "max_position_embeddings": 10, "pad_token_id": 0,
          "architectures": ["DistilBertForMaskedLM"], "sinusoidal_pos_embds": False}
TORCH_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def encoder_shapes(c):
    d, h = c["dim"], c["hidden_dim"]
    shapes = {"embeddings.word_embeddings.weight": [c["vocab_size"], d],
              "embeddings.position_embeddings.weight": [c["max_position_embeddings"], d],
              "embeddings.LayerNorm.weight": [d], "embeddings.LayerNorm.bias": [d]}
    for i in range(c["n_layers"]):
        p = f"transformer.layer.{i}."
        for lin in ("q_lin", "k_lin", "v_lin", "out_lin"):
            shapes[p + f"attention.{lin}.weight"] = [d, d]
            shapes[p + f"attention.{lin}.bias"] = [d]
        for norm in ("sa_layer_norm", "output_layer_norm"):
            shapes[p + f"{norm}.weight"] = [d]
            shapes[p + f"{norm}.bias"] = [d]
        shapes[p + "ffn.lin1.weight"] = [h, d]
        shapes[p + "ffn.lin1.bias"] = [h]
        shapes[p + "ffn.lin2.weight"] = [d, h]
        shapes[p + "ffn.lin2.bias"] = [d]
    return shapes


def tensor_bytes(t):
    if t.dtype == torch.bfloat16:
        return t.contiguous().view(torch.int16).numpy().tobytes()
    return t.contiguous().numpy().tobytes()


def write(out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(1234)
    cfg = CONFIG
    tensors, expected = {}, {}
    dtypes = list(TORCH_DTYPES)
    for i, (name, shape) in enumerate(encoder_shapes(cfg).items()):
        t = (torch.randn(shape) * 3).to(TORCH_DTYPES[dtypes[i % 3]])
        tensors["distilbert." + name] = t
        expected[name] = t.float().flatten().tolist()
    d, v = cfg["dim"], cfg["vocab_size"]
    tensors["vocab_transform.weight"] = torch.randn(d, d)
    tensors["vocab_transform.bias"] = torch.randn(d)
    tensors["vocab_layer_norm.weight"] = torch.randn(d)
    tensors["vocab_layer_norm.bias"] = torch.randn(d)
    tensors["vocab_projector.bias"] = torch.randn(v)

    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        blob = tensor_bytes(t)
        dtype = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}[t.dtype]
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    (out / "model.safetensors").write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    (out / "config.json").write_text(json.dumps(cfg, indent=2))
    (out / "vocab.txt").write_text("".join(f"tok{i}\n" for i in range(v)))
    (out / "expected.json").write_text(json.dumps(expected))


def check(path, src_path):
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    source = json.loads(Path(src_path).read_text())
    bad = 0
    for name, values in source.items():
        info = header[name]
        begin, end = info["data_offsets"]
        dtype = TORCH_DTYPES[info["dtype"]]
        want = tensor_bytes(torch.tensor(values, dtype=torch.float32).reshape(info["shape"]).to(dtype))
        if data[begin:end] != want:
            print(f"{name}: {info['dtype']} bytes differ from torch's conversion", file=sys.stderr)
            bad += 1
    if set(source) != {k for k in header if k != "__metadata__"}:
        print("tensor names differ", file=sys.stderr)
        bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2])
    elif sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
