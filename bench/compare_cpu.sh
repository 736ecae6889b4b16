#!/usr/bin/env bash
# CPU backends vs ONNX Runtime on the same machine, model, thread count and input, in one run.
#
# Exports a synthetic model (PRESET, default base: distilbert-base-uncased shapes; minilm-l6 for the
# all-MiniLM-L6-v2 shapes; any `synth` preset; seed 0) to ONNX with the PyTorch
# reference (tools/oracle/export_onnx.py), then times, round-robin per configuration, ONNX Runtime
# (tools/oracle/ort_bench.js, npm onnxruntime-node, graph optimizations on) on that model and on its dynamic
# int8 rewrite (tools/oracle/quantize_onnx_int8.py: what ORT's quantize_dynamic emits), and `acgs-infer bench`
# for cpu and cpu-int8, on batch 1 × {16, 64, 128} tokens and batch 8 × 64 tokens. Prints a table of p50 ms,
# speed-ups over ORT fp32 (cpu) and ORT int8 (cpu-int8) (best of the rounds, and the median of the same-round
# ratios), the fraction of the fp32 FMA peak reached, the weight-stream floor of short texts, and both int8
# engines' error against ORT fp32 on bench/parity_texts.jsonl (bench/int8_accuracy.py).
#
# Usage: bench/compare_cpu.sh [BUILD_DIR]   (default build; needs acgs-infer, fma_peak and read_bandwidth built)
# Env:   PRESET (base), THREADS (default 2), SAMPLES (30), WARMUP (5), ROUNDS (4: each configuration is timed ROUNDS times,
#        interleaved across engines, and the best p50 kept, since the machine may be shared).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
THREADS=${THREADS:-2}
SAMPLES=${SAMPLES:-30}
WARMUP=${WARMUP:-5}
ROUNDS=${ROUNDS:-4}
PRESET=${PRESET:-base}
BIN=$BUILD/acgs-infer
WORK=$BUILD/bench-cpu
PY=/usr/bin/python3
for f in "$BIN" "$BUILD/fma_peak" "$BUILD/read_bandwidth"; do
  [ -x "$f" ] || { echo "compare_cpu: $f not found; build it first (cmake --build $BUILD)" >&2; exit 1; }
done
[ -d tools/oracle/node_modules/onnxruntime-node ] || { echo "compare_cpu: run scripts/setup.sh (npm oracles)" >&2; exit 1; }
mkdir -p "$WORK"
MODEL=$WORK/synth-$PRESET-seed0
ONNX=$WORK/synth-$PRESET-seed0.onnx
ONNX_INT8=$WORK/synth-$PRESET-seed0-int8.onnx
[ -f "$MODEL/model.safetensors" ] || "$BIN" synth --preset "$PRESET" --seed 0 --out "$MODEL" >&2
[ -f "$ONNX" ] || $PY tools/oracle/export_onnx.py --model "$MODEL" --output "$ONNX"
[ -f "$ONNX_INT8" ] || $PY tools/oracle/quantize_onnx_int8.py --input "$ONNX" --output "$ONNX_INT8" >&2

RESULTS=$WORK/results-$PRESET.jsonl
: > "$RESULTS"
ABS_ONNX=$(realpath "$ONNX")
ABS_ONNX_INT8=$(realpath "$ONNX_INT8")
for round in $(seq "$ROUNDS"); do
  for config in "1 16,64,128" "8 64"; do
    set -- $config
    batch=$1 seqs=$2
    (cd tools/oracle && node ort_bench.js --model "$ABS_ONNX" --seqs "$seqs" --batch "$batch" --samples "$SAMPLES" \
      --warmup "$WARMUP" --threads "$THREADS") >> "$RESULTS"
    (cd tools/oracle && node ort_bench.js --model "$ABS_ONNX_INT8" --seqs "$seqs" --batch "$batch" --samples "$SAMPLES" \
      --warmup "$WARMUP" --threads "$THREADS" --name onnxruntime-int8) >> "$RESULTS"
    for backend in cpu cpu-int8; do
      "$BIN" bench --model "$MODEL" --backend "$backend" --seqs "$seqs" --batch "$batch" --samples "$SAMPLES" \
        --warmup "$WARMUP" --threads "$THREADS" --op forward >> "$RESULTS"
    done
  done
  echo "compare_cpu: round $round of $ROUNDS done (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
done
PEAK_CORE=$("$BUILD/fma_peak" 2>/dev/null)
# vpdpbusd's peak (0 without AVX-512 VNNI): both int8 engines run their GEMMs on it here.
PEAK_I8_CORE=$("$BUILD/fma_peak" vnni 2>/dev/null || echo 0)
READ_GBS=$("$BUILD/read_bandwidth" "$THREADS" 2>/dev/null)
ACCURACY=$WORK/accuracy-$PRESET.jsonl
$PY bench/int8_accuracy.py --bin "$BIN" --model "$MODEL" --onnx "$ONNX" --onnx-int8 "$ONNX_INT8" \
  --texts bench/parity_texts.jsonl > "$ACCURACY"

$PY - "$RESULTS" "$PEAK_CORE" "$THREADS" "$READ_GBS" "$ACCURACY" "$PEAK_I8_CORE" "$MODEL/config.json" <<'PY'
import json, statistics, sys
results, peak_core, threads, read_gbs = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
accuracy = [json.loads(line) for line in open(sys.argv[5])]
peak_i8 = float(sys.argv[6]) * threads
cfg = json.load(open(sys.argv[7]))
# DistilBERT's and BERT's names for the encoder's sizes.
D = cfg.get("dim", cfg.get("hidden_size"))
H = cfg.get("hidden_dim", cfg.get("intermediate_size"))
LAYERS = cfg.get("n_layers", cfg.get("num_hidden_layers"))
print(f"model: {cfg['model_type']} {D} wide, {LAYERS} layers, FFN {H}")
best = {}  # (engine, batch, tokens) -> best p50 over rounds
rounds = {}  # (engine, batch, tokens) -> p50 of each round, in order
for line in open(results):
    r = json.loads(line)
    for tokens, stats in r["ms"].items():
        key = (r["backend"], r["batch"], int(tokens))
        best[key] = min(best.get(key, float("inf")), stats["p50"])
        rounds.setdefault(key, []).append(stats["p50"])

def flops(tokens, d=D, h=H, layers=LAYERS):
    """One forward pass of the encoder over one sequence: the GEMMs plus q·kᵀ and p·v."""
    return layers * (2 * tokens * (4 * d * d + 2 * d * h) + 4 * tokens * tokens * d)

peak = peak_core * threads
print(f"threads={threads}  fp32 FMA peak {peak:.0f} GFLOP/s ({peak_core:.1f} per core, fma_peak)")
if peak_i8 > 0:
    print(f"int8 (vpdpbusd) peak {peak_i8:.0f} GOP/s (fma_peak vnni); i8 %: ORT8's and ours, all FLOPs counted as int8")
print("cpu x ORT: over ORT fp32; int8 x ORT8: cpu-int8 over ORT's dynamic int8")


def median_ratio(peer, engine, batch, tokens):
    """Median over rounds of the peer's p50 / the engine's p50 in the same round: robust to a round that caught
    the host in a fast or slow phase, which the best-of columns are not."""
    pairs = zip(rounds[(peer, batch, tokens)], rounds[(engine, batch, tokens)])
    return statistics.median(o / e for o, e in pairs)

print(f"{'input':>10} | {'ORT ms':>8} | {'cpu ms':>8} {'x ORT':>6} {'med':>6} | {'ORT8 ms':>8} | {'int8 ms':>8} "
      f"{'x ORT8':>6} {'med':>6} | cpu % peak | i8 % peak")
for batch, tokens in [(1, 16), (1, 64), (1, 128), (8, 64)]:
    ort = best[("onnxruntime", batch, tokens)]
    ort8 = best[("onnxruntime-int8", batch, tokens)]
    cpu = best[("cpu", batch, tokens)]
    i8 = best[("cpu-int8", batch, tokens)]
    frac = batch * flops(tokens) / (cpu * 1e-3) / (peak * 1e9)
    med_cpu = median_ratio("onnxruntime", "cpu", batch, tokens)
    med_i8 = median_ratio("onnxruntime-int8", "cpu-int8", batch, tokens)
    i8_frac = (lambda ms: f"{100 * batch * flops(tokens) / (ms * 1e-3) / (peak_i8 * 1e9):3.0f}%") if peak_i8 else (
        lambda ms: "  -")
    print(f"{batch:>3} x {tokens:<4} | {ort:8.2f} | {cpu:8.2f} {ort / cpu:5.2f}x {med_cpu:5.2f}x | {ort8:8.2f} "
          f"| {i8:8.2f} {ort8 / i8:5.2f}x {med_i8:5.2f}x | {100 * frac:8.1f}%  | {i8_frac(ort8)} {i8_frac(i8)}")
print("x ORT(8): the peer's best p50 / ours over the rounds; med: the median over rounds of the same-round ratio")

# A forward pass streams every encoder weight once; for short texts that, not the FLOPs, sets the floor.
params = LAYERS * (4 * D * D + 2 * D * H)
for name, engine, peer, nbytes in [("fp32", "cpu", "onnxruntime", 4), ("int8", "cpu-int8", "onnxruntime-int8", 1)]:
    floor = params * nbytes / (read_gbs * 1e9) * 1e3
    at16 = best[(engine, 1, 16)]
    print(f"{name} weights {params * nbytes / 1e6:.0f} MB at {read_gbs:.1f} GB/s (read_bandwidth {threads}): "
          f"{floor:.2f} ms floor; 1 x 16 runs at {100 * floor / at16:.0f}% of it, "
          f"so at most {best[(peer, 1, 16)] / floor:.2f}x {peer} there")

print(f"int8 accuracy vs ORT fp32 on {accuracy[0]['texts']} texts (bench/parity_texts.jsonl, bench/int8_accuracy.py):")
print(f"{'engine':>18} | {'worst 1-cos':>11} | {'max abs':>8}")
for a in accuracy:
    print(f"{a['engine']:>18} | {a['worst_1_minus_cos']:11.2e} | {a['max_abs']:8.4f}")
PY
