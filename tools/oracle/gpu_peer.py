#!/usr/bin/env python3
"""PyTorch peer for the GPU checks (scripts/gpu_check.sh): parity truth and the speed baseline.

The model is Hugging Face transformers' DistilBertModel loaded from our model directory (config.json +
model.safetensors) when transformers is importable (the GPU machine: torch 2.11, transformers 5.x);
otherwise the pure-torch re-implementation in torch_reference.py (this Debian machine: torch 1.13, no
transformers), so the script's CPU path can be exercised anywhere. The JSON output always says which.

parity: runs every sequence alone (no padding) in float32 on --device and compares our backends' per-token
  hidden states (`acgs-infer embed --output hidden` JSONL, given as NAME=FILE) with it and, with
  --baseline NAME, with that backend too. Metrics per backend: max_abs over all tokens and dims, and the
  minimum over sequences of the cosine between mean-pooled vectors.
bench: times model(ids, attention_mask) in --dtype with --attn eager and/or sdpa at each --shape BxS.
  On CUDA: per-call CUDA events after warm-up, median/p99 ms and seq/s; on CPU: perf_counter.

Usage:
  gpu_peer.py parity --model DIR --ids ids.jsonl --ours cuda-fp16=a.jsonl [...] [--baseline reference]
                     [--device cuda] --out parity.json
  gpu_peer.py bench --model DIR [--device cuda] [--dtype float16] [--attn eager,sdpa]
                    [--shape 1x128 --shape 128x128] [--iters 200] --out torch_bench.json
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))


def have_transformers():
    try:
        import transformers  # noqa: F401

        return True
    except ImportError:
        return False


def load_hf(model_dir, dtype, attn, device):
    """transformers.DistilBertModel with the requested attention implementation, or raises."""
    import transformers

    kwargs = {"attn_implementation": attn, "local_files_only": True}
    try:
        model = transformers.DistilBertModel.from_pretrained(model_dir, dtype=dtype, **kwargs)
    except TypeError:  # transformers 4.x spells it torch_dtype
        model = transformers.DistilBertModel.from_pretrained(model_dir, torch_dtype=dtype, **kwargs)
    actual = getattr(model.config, "_attn_implementation", attn)
    if actual != attn:
        raise RuntimeError(f"asked for attn_implementation={attn}, transformers chose {actual}")
    desc = f"transformers {transformers.__version__} DistilBertModel attn={attn}"
    return model.to(device).eval(), desc


def load_fallback(model_dir, dtype, device):
    import torch_reference

    model, _ = torch_reference.load_model(model_dir, dtype)
    return model.to(device).eval(), "torch_reference.py DistilBertModel (transformers not installed)"


def load(model_dir, dtype, attn, device):
    if have_transformers():
        return load_hf(model_dir, dtype, attn, device)
    if attn != "eager":
        raise RuntimeError(f"attn={attn} needs transformers, which is not installed")
    return load_fallback(model_dir, dtype, device)


def hidden_of(model, ids, device):
    """last_hidden_state [len, dim] of one unpadded sequence, as float64 on the CPU."""
    input_ids = torch.tensor([ids], dtype=torch.long, device=device)
    mask = torch.ones_like(input_ids)
    out = model(input_ids=input_ids, attention_mask=mask) if have_transformers() else model(input_ids, mask)
    hidden = out.last_hidden_state if hasattr(out, "last_hidden_state") else out
    return hidden[0].double().cpu()


def read_jsonl(path, key):
    rows = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            item = json.loads(line)
            if key not in item:
                raise SystemExit(f"{path} line {n}: no '{key}' field: {line[:200]}")
            rows.append(item[key])
    return rows


def compare(got, want):
    """max abs difference and minimum mean-pooled cosine between two lists of [len, dim] tensors."""
    max_abs, min_cos = 0.0, 1.0
    for g, w in zip(got, want):
        if g.shape != w.shape:
            raise SystemExit(f"shape mismatch: ours {tuple(g.shape)} vs peer {tuple(w.shape)}")
        if not torch.isfinite(g).all():
            return {"max_abs": float("inf"), "min_cosine": -1.0, "non_finite": True}
        max_abs = max(max_abs, (g - w).abs().max().item())
        cos = torch.nn.functional.cosine_similarity(g.mean(0), w.mean(0), dim=0).item()
        min_cos = min(min_cos, cos)
    return {"max_abs": max_abs, "min_cosine": min_cos}


def cmd_parity(args):
    device = torch.device(args.device)
    model, desc = load(args.model, torch.float32, "eager", device)
    torch.set_float32_matmul_precision("highest")  # fp32 truth: no TF32 shortcuts in matmuls
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    sequences = read_jsonl(args.ids, "ids")
    with torch.inference_mode():
        truth = [hidden_of(model, ids, device) for ids in sequences]
    ours = {}
    for spec in args.ours:
        name, _, path = spec.partition("=")
        rows = read_jsonl(path, "hidden")
        if len(rows) != len(sequences):
            raise SystemExit(f"{path}: {len(rows)} rows, expected {len(sequences)}")
        ours[name] = [torch.tensor(r, dtype=torch.float64) for r in rows]
    result = {"truth": f"{desc}, float32 on {device}", "sequences": len(sequences),
              "tokens": sum(len(s) for s in sequences), "backends": {}}
    for name, hidden in ours.items():
        entry = {"vs_torch": compare(hidden, truth)}
        if args.baseline and args.baseline in ours and name != args.baseline:
            entry["vs_" + args.baseline] = compare(hidden, ours[args.baseline])
        result["backends"][name] = entry
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))


def time_calls(fn, iters, warmup, cuda):
    for _ in range(warmup):
        fn()
    samples = []
    if cuda:
        torch.cuda.synchronize()
        for _ in range(iters):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            end.synchronize()
            samples.append(start.elapsed_time(end))
    else:
        for _ in range(iters):
            t0 = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t0) * 1000.0)
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(0.99 * len(samples)))]
    return {"p50": statistics.median(samples), "p99": p99, "mean": statistics.fmean(samples), "iters": iters}


def cmd_bench(args):
    device = torch.device(args.device)
    dtype = getattr(torch, args.dtype)
    cfg = json.loads((Path(args.model) / "config.json").read_text())
    result = {"device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
              "torch": torch.__version__, "dtype": args.dtype, "runs": []}
    for attn in args.attn.split(","):
        try:
            model, desc = load(args.model, dtype, attn, device)
        except Exception as e:  # one implementation missing must not lose the other's numbers
            result["runs"].append({"attn": attn, "error": f"{type(e).__name__}: {e}"})
            continue
        for shape in args.shape:
            batch, seq = (int(x) for x in shape.lower().split("x"))
            gen = torch.Generator().manual_seed(batch * 1000 + seq)
            ids = torch.randint(1000, cfg["vocab_size"], (batch, seq), generator=gen).to(device)
            ids[:, 0], ids[:, -1] = 101, 102
            mask = torch.ones_like(ids)

            def call():
                with torch.inference_mode():
                    if have_transformers():
                        model(input_ids=ids, attention_mask=mask)
                    else:
                        model(ids, mask)

            iters = args.iters if batch == 1 else max(10, args.iters // 4)
            stats = time_calls(call, iters, args.warmup, device.type == "cuda")
            stats.update({"attn": attn, "model": desc, "batch": batch, "seq": seq,
                          "seq_per_s": 1000.0 * batch / stats["p50"]})
            result["runs"].append(stats)
        del model
        if device.type == "cuda":
            torch.cuda.empty_cache()
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("parity")
    p.add_argument("--model", required=True)
    p.add_argument("--ids", required=True, help="JSONL of {\"ids\": [...]} (acgs-infer tokenize)")
    p.add_argument("--ours", action="append", default=[], help="NAME=hidden.jsonl, repeatable")
    p.add_argument("--baseline", help="also compare every other backend with this one")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--out", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--model", required=True)
    b.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    b.add_argument("--dtype", default="float16", choices=["float16", "bfloat16", "float32"])
    b.add_argument("--attn", default="eager,sdpa")
    b.add_argument("--shape", action="append", help="BATCHxSEQ, repeatable (default 1x128 and 128x128)")
    b.add_argument("--iters", type=int, default=200)
    b.add_argument("--warmup", type=int, default=20)
    b.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.cmd == "bench" and not args.shape:
        args.shape = ["1x128", "128x128"]
    torch.manual_seed(0)
    {"parity": cmd_parity, "bench": cmd_bench}[args.cmd](args)


if __name__ == "__main__":
    main()
