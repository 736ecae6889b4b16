#!/usr/bin/python3
"""Exports the BERT ONNX matrix for tests/engine/onnx_bert_test.cc: the PyTorch BERT oracle (torch_bert.py,
HF parameter names and arithmetic) with random weights, exported with torch.onnx.export (opset 14, dynamic
batch and sequence axes, constant folding) to OUT/<name>/model.onnx, a small WordPiece vocab.txt beside it
and no config.json: the importer has to prove every value from the graph.

The matrix crosses, each value in two files: head_dim 32 / 64, hidden_act gelu / relu, BertModel alone or
under `bert.` in a BertForSequenceClassification-style wrapper (a classifier on [CLS]), and token_type_ids
as a graph input or made inside the graph (zeros_like(input_ids), or transformers' way: slices of
registered position_ids / all-zero token_type_ids buffers, expanded to the batch). LayerNorm eps alternates 1e-12 / 1e-5
so it has to be read, not assumed. torch_bert's head split is view(bs, length, H, dim // H) with dim from
x.size(): the head count is proven by the constant H, the run-time dim // H and the 1/sqrt(head_dim) scale.
One more file (gelu_new) computes the tanh GELU, which the importer refuses.

OUT/manifest.json lists every file: {"name", "prefixed", "token_types", ...config.json's fields}.

Usage: /usr/bin/python3 tools/oracle/export_onnx_bert.py --out OUT
"""
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export_onnx_styles import VOCAB, Prefixed, randomize, write_matrix  # noqa: E402
from torch_bert import BertEmbeddings, BertModel  # noqa: E402

# (n_heads, head_dim, hidden_act, prefixed, token types from: "input" | "zeros_like" | "buffers", eps)
PLAN = [(4, 32, "gelu", False, "input", 1e-12), (2, 64, "relu", True, "input", 1e-5),
        (3, 32, "relu", True, "zeros_like", 1e-12), (2, 64, "gelu", False, "zeros_like", 1e-5),
        (2, 32, "gelu", True, "buffers", 1e-12), (2, 32, "gelu_new", False, "input", 1e-12)]


class BufferedEmbeddings(BertEmbeddings):
    """transformers' BertEmbeddings.forward without token_type_ids: positions and token types are slices of
    registered buffers (arange and zeros), the token types expanded to the batch."""

    def __init__(self, cfg):
        super().__init__(cfg)
        positions = torch.arange(cfg["max_position_embeddings"]).expand((1, -1))
        self.register_buffer("position_ids", positions, persistent=False)
        self.register_buffer("token_type_ids", torch.zeros(positions.size(), dtype=torch.long), persistent=False)

    def forward(self, input_ids, token_type_ids=None):
        bs, length = input_ids.size()
        token_types = self.token_type_ids[:, :length].expand(bs, length)
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_types)
        x = x + self.position_embeddings(self.position_ids[:, :length])
        return self.LayerNorm(x)


def files():
    for seed, (n_heads, head_dim, act, prefixed, token_types, eps) in enumerate(PLAN):
        torch.manual_seed(seed)
        cfg = {"model_type": "bert", "vocab_size": len(VOCAB), "hidden_size": n_heads * head_dim,
               "num_hidden_layers": 2, "num_attention_heads": n_heads, "intermediate_size": 80, "hidden_act": act,
               "layer_norm_eps": eps, "type_vocab_size": 2, "max_position_embeddings": 40, "pad_token_id": 0}
        encoder = BertModel(cfg)
        if token_types == "buffers":
            encoder.embeddings = BufferedEmbeddings(cfg)
        randomize(encoder)
        module = (Prefixed(encoder, cfg["hidden_size"], "bert") if prefixed else encoder).eval()
        inputs = ["input_ids", "attention_mask"] + (["token_type_ids"] if token_types == "input" else [])
        yield (f"{act}_{'prefixed_' if prefixed else ''}{token_types}_h{n_heads}_d{head_dim}", module, inputs,
               {"prefixed": prefixed, "token_types": token_types, **cfg})


if __name__ == "__main__":
    write_matrix(__doc__, files())
