"""PyTorch oracle module: transformers' BertModel (modeling_bert.py) re-implemented with the same module tree
and parameter names, so a BERT model directory's safetensors load with load_state_dict(strict=True).

Same arithmetic as HF: embeddings = word + token_type[0] + position (in that order), then LayerNorm with the
config's layer_norm_eps; scores = (q·kᵀ) / √head_dim with padding at finfo.min; post-LN blocks
(attention.output.LayerNorm(dense(ctx) + x), output.LayerNorm(dense(act(intermediate(x))) + x));
hidden_act gelu (erf), gelu_new (tanh) or relu. torch_reference.py loads it for model_type "bert".
"""
import math

import torch
from torch import nn

ACTIVATIONS = {
    "gelu": nn.functional.gelu,
    "gelu_new": lambda x: 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0)))),
    "relu": nn.functional.relu,
}


def check_config(cfg, where):
    if cfg.get("position_embedding_type", "absolute") != "absolute":
        raise SystemExit(f"{where}: position_embedding_type {cfg['position_embedding_type']} is not absolute")
    if cfg.get("hidden_act", "gelu") not in ACTIVATIONS:
        raise SystemExit(f"{where}: hidden_act {cfg['hidden_act']} is not one of {sorted(ACTIVATIONS)}")


class BertEmbeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        dim = cfg["hidden_size"]
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], dim, padding_idx=cfg.get("pad_token_id", 0))
        self.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], dim)
        self.token_type_embeddings = nn.Embedding(cfg.get("type_vocab_size", 2), dim)
        self.LayerNorm = nn.LayerNorm(dim, eps=cfg.get("layer_norm_eps", 1e-12))

    def forward(self, input_ids, token_type_ids=None):
        position_ids = torch.arange(input_ids.size(1), dtype=torch.long).unsqueeze(0).expand_as(input_ids)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)  # single texts: segment 0 everywhere
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        x = x + self.position_embeddings(position_ids)
        return self.LayerNorm(x)


class BertSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.n_heads = cfg["num_attention_heads"]
        dim = cfg["hidden_size"]
        self.query = nn.Linear(dim, dim)
        self.key = nn.Linear(dim, dim)
        self.value = nn.Linear(dim, dim)

    def forward(self, x, mask):
        bs, length, dim = x.size()
        head = dim // self.n_heads

        def split(t):
            return t.view(bs, length, self.n_heads, head).permute(0, 2, 1, 3)

        scores = torch.matmul(split(self.query(x)), split(self.key(x)).transpose(-1, -2)) / math.sqrt(head)
        extended = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        probs = nn.functional.softmax(scores + extended, dim=-1)
        context = torch.matmul(probs, split(self.value(x))).permute(0, 2, 1, 3).contiguous()
        return context.view(bs, length, dim)


class DenseAddNorm(nn.Module):
    """HF's BertSelfOutput (in_features = hidden_size) and BertOutput (in_features = intermediate_size):
    LayerNorm(dense(hidden) + residual), with their `dense` and `LayerNorm` parameter names."""

    def __init__(self, cfg, in_features):
        super().__init__()
        self.dense = nn.Linear(in_features, cfg["hidden_size"])
        self.LayerNorm = nn.LayerNorm(cfg["hidden_size"], eps=cfg.get("layer_norm_eps", 1e-12))

    def forward(self, hidden, residual):
        return self.LayerNorm(self.dense(hidden) + residual)


class BertAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.self = BertSelfAttention(cfg)
        self.output = DenseAddNorm(cfg, cfg["hidden_size"])

    def forward(self, x, mask):
        return self.output(self.self(x, mask), x)


class BertIntermediate(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg["hidden_size"], cfg["intermediate_size"])
        self.act = ACTIVATIONS[cfg.get("hidden_act", "gelu")]

    def forward(self, x):
        return self.act(self.dense(x))


class BertLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attention = BertAttention(cfg)
        self.intermediate = BertIntermediate(cfg)
        self.output = DenseAddNorm(cfg, cfg["intermediate_size"])

    def forward(self, x, mask):
        attended = self.attention(x, mask)
        return self.output(self.intermediate(attended), attended)


class BertEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(cfg) for _ in range(cfg["num_hidden_layers"])])

    def forward(self, x, mask):
        for block in self.layer:
            x = block(x, mask)
        return x


class BertModel(nn.Module):
    """BertModel without the pooler (its output is not an embedding any sentence encoder uses)."""

    def __init__(self, cfg):
        super().__init__()
        self.embeddings = BertEmbeddings(cfg)
        self.encoder = BertEncoder(cfg)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        return self.encoder(self.embeddings(input_ids, token_type_ids), attention_mask)


def encoder_state(tensors):
    """The BertModel parameters of a checkpoint: `bert.` prefix dropped; pooler, MLM/NSP heads and the
    position_ids / token_type_ids buffers left out."""
    state = {}
    for name, array in tensors.items():
        name = name.removeprefix("bert.")
        if name.startswith(("embeddings.", "encoder.")) and name not in (
            "embeddings.position_ids",
            "embeddings.token_type_ids",
        ):
            state[name] = torch.from_numpy(array)
    return state
