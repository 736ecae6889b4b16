#!/usr/bin/env bash
# The GPU checks of issue 4 as one command, from the repository root of a lent GPU machine:
#
#   bash scripts/gpu_check.sh
#
# Needs the bundle made here by scripts/gpu_bundle.sh (build-gpu/bundle/ or build-gpu/acgs-gpu-bundle.tar.xz;
# ACGS_BUNDLE=DIR names another folder holding bin/acgs-infer). Stages, in this order: GPU info, bundle,
# synthetic models, smoke (embed on the tiny model), parity (cuda-fp16/fp32 hidden states vs our reference and
# vs PyTorch fp32, also with the mma attention kernel forced), our benchmarks, the per-op GPU profile
# (ACGS_CUDA_PROFILE=1), the A/B runs (wmma vs mma attention forced, GEMM autotuning off), the PyTorch fp16
# peer (eager and SDPA), engine plan build + load, GPU unit tests, compute-sanitizer memcheck and racecheck,
# summary table against the issue's targets. Every stage runs under a timeout inside an overall budget
# (ACGS_GPU_BUDGET_S, default 450 s), and a failed stage does not stop the later ones. Writes
# $OUT/gpu_results.json, $OUT/gpu_check.log and per-stage logs ($OUT defaults to ./gpu_out).
# Without a GPU (this machine) the GPU stages print "skipped: no CUDA device" and the rest still run.
# ACGS_GPU_DRYRUN=1 runs the GPU stages anyway with CPU stand-ins (the reference backend under the cuda-*
# labels, the tiny model, few samples, PyTorch on the CPU in float32), to test this script's plumbing.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
REPO=$PWD
OUT=${OUT:-$REPO/gpu_out}
WORK=${ACGS_GPU_WORK:-/tmp/acgs-gpu-check}
BUDGET=${ACGS_GPU_BUDGET_S:-450}
START=$(date +%s)
mkdir -p "$OUT" "$WORK"
LOG=$OUT/gpu_check.log
: >"$LOG"
STAGES=$WORK/stages.jsonl
: >"$STAGES"
exec 3>&1 4>&2
exec > >(tee -a "$LOG") 2>&1
TEE_PID=$!

note() { echo "[gpu_check $(date -u +%T)] $*"; }
record() {  # name status seconds detail
  printf '{"stage":"%s","status":"%s","seconds":%s,"detail":"%s"}\n' "$1" "$2" "$3" "${4//\"/\'}" >>"$STAGES"
}
skip() {  # name reason
  note "[$1] skipped: $2"
  record "$1" skipped 0 "$2"
}
# stage NAME LIMIT_S FUNCTION: runs FUNCTION in a subshell under `timeout`, capped by the remaining budget
# (30 s are kept back for the summary).
stage() {
  local name=$1 limit=$2 fn=$3 left rc t0 t1 status
  left=$((BUDGET - 30 - ($(date +%s) - START)))
  if ((left < 10)); then skip "$name" "overall budget of ${BUDGET}s used up"; return 1; fi
  ((limit > left)) && limit=$left
  note "[$name] start (limit ${limit}s)"
  t0=$(date +%s.%N)
  timeout -k 10 "$limit" bash -c "$fn"
  rc=$?
  t1=$(date +%s.%N)
  case $rc in 0) status=ok ;; 124 | 137) status=timeout ;; *) status=failed ;; esac
  local secs
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
  note "[$name] $status (rc $rc, ${secs}s)"
  record "$name" "$status" "$secs" "rc $rc"
  return $rc
}

# ---- environment ---------------------------------------------------------------------------------------
PY=${ACGS_PYTHON:-}
if [ -z "$PY" ]; then
  for cand in python3 /usr/bin/python3; do
    if command -v "$cand" >/dev/null && "$cand" -c 'import torch' 2>/dev/null; then PY=$(command -v "$cand"); break; fi
  done
fi
HAVE_GPU=0
if command -v nvidia-smi >/dev/null && timeout 20 nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then HAVE_GPU=1; fi
NO_GPU="no CUDA device (nvidia-smi lists no GPU)"
[ -d "$REPO/data" ] && export ACGS_DATA_DIR=$REPO/data
export ACGS_SOURCE_DIR=$REPO ACGS_HOME=$WORK/home PYTHONUNBUFFERED=1
DRYRUN=${ACGS_GPU_DRYRUN:-0}
# What runs under each label, on which model, how long: the real thing, or the dry-run stand-ins.
if ((DRYRUN)); then
  BK_fp16=reference BK_fp32=reference SAMPLES_B1=20 SAMPLES_B128=3 TORCH_DEV=cpu TORCH_DTYPE=float32 TORCH_ITERS=10
  SAMPLES_PROFILE_B1=5 SAMPLES_PROFILE_BIG=2
  BIG=8  # stands in for batch 128
else
  BK_fp16=cuda-fp16 BK_fp32=cuda-fp32 SAMPLES_B1=1000 SAMPLES_B128=100 TORCH_DEV=cuda TORCH_DTYPE=float16 TORCH_ITERS=300
  SAMPLES_PROFILE_B1=300 SAMPLES_PROFILE_BIG=30
  BIG=128
fi
export REPO OUT WORK PY HAVE_GPU DRYRUN BIG BK_fp16 BK_fp32 SAMPLES_B1 SAMPLES_B128 TORCH_DEV TORCH_DTYPE TORCH_ITERS
export SAMPLES_PROFILE_B1 SAMPLES_PROFILE_BIG
note "repo $REPO, out $OUT, work $WORK, python ${PY:-none}, gpu $HAVE_GPU, dry run $DRYRUN, budget ${BUDGET}s"

gpu_info() {
  if ((HAVE_GPU)); then
    nvidia-smi
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv
    nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | head -1 >"$WORK/gpu_name.txt"
  else
    echo "$NO_GPU"
  fi
  command -v nvcc >/dev/null && nvcc --version | tail -2
  # Availability only: whether the next session can use Nsight Systems / Compute for deeper profiles.
  local tool
  for tool in nsys ncu; do
    echo "$tool: $(command -v "$tool" || ls /usr/local/cuda/bin/"$tool" 2>/dev/null || echo 'not found')"
  done
  [ -n "$PY" ] && "$PY" -c 'import torch, sys; print("python", sys.version.split()[0], "torch", torch.__version__,
"cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")'
  return 0
}
export NO_GPU
export -f gpu_info
stage gpu_info 60 gpu_info

# ---- bundle: find or unpack it, and make its libraries and the target's cuBLASLt loadable --------------------
find_bundle() {
  if [ -n "${ACGS_BUNDLE:-}" ]; then echo "$ACGS_BUNDLE"; return; fi
  if [ -x "$REPO/build-gpu/bundle/bin/acgs-infer" ]; then echo "$REPO/build-gpu/bundle"; return; fi
  local tarball=$REPO/build-gpu/acgs-gpu-bundle.tar.xz
  if [ -f "$tarball" ]; then
    rm -rf "$WORK/unpacked" && mkdir -p "$WORK/unpacked"
    # Python's tarfile needs no xz binary, which a minimal image may lack.
    if tar -C "$WORK/unpacked" -xJf "$tarball" 2>/dev/null ||
      "${PY:-python3}" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' \
        "$tarball" "$WORK/unpacked"; then
      echo "$WORK/unpacked/bundle"
    fi
  fi
}
cublaslt_dir() {
  local d
  for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/lib/x86_64-linux-gnu; do
    [ -e "$d/libcublasLt.so.13" ] && { echo "$d"; return; }
  done
  if [ -n "$PY" ]; then  # the cuBLAS wheel PyTorch ships with
    d=$("$PY" - <<'EOF' 2>/dev/null
import glob, os, site
for root in site.getsitepackages():
    for hit in glob.glob(os.path.join(root, "nvidia", "**", "libcublasLt.so.13*"), recursive=True):
        print(os.path.dirname(hit)); raise SystemExit
EOF
)
    [ -n "$d" ] && { echo "$d"; return; }
  fi
  d=$(timeout 20 find /usr /opt -name 'libcublasLt.so.13*' -print -quit 2>/dev/null)
  [ -n "$d" ] && dirname "$d"
}

# Our binaries get the bundle's libraries through $BIN, a wrapper that sets LD_LIBRARY_PATH for them alone:
# exported globally, the bundled libcrypto/libz/libgomp would also be picked up by Python and PyTorch.
BUNDLE=$(find_bundle)
BIN="" REAL_BIN="" OUR_LD=""
if [ -z "$BUNDLE" ] || [ ! -x "$BUNDLE/bin/acgs-infer" ]; then
  skip bundle "no bundle: run scripts/gpu_bundle.sh on the build machine and carry build-gpu/bundle or its .tar.xz"
else
  REAL_BIN=$BUNDLE/bin/acgs-infer
  # acgs-infer finds the plugin beside itself; the test executables in tests/ need to be told.
  [ -f "$BUNDLE/bin/libacgs_cuda.so" ] && export ACGS_CUDA_PLUGIN=$BUNDLE/bin/libacgs_cuda.so
  LT=$(cublaslt_dir)
  OUR_LD="$BUNDLE/lib${LT:+:$LT}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  # The target's libstdc++ is normally newer than ours; fall back to the bundled one if it is not.
  if ! LD_LIBRARY_PATH=$OUR_LD "$REAL_BIN" --help >/dev/null 2>"$WORK/help.err" &&
    grep -q 'GLIBCXX\|CXXABI\|GCC_' "$WORK/help.err"; then
    OUR_LD="$BUNDLE/lib-compat:$OUR_LD"
  fi
  mkdir -p "$WORK/bin"
  BIN=$WORK/bin/acgs-infer
  printf '#!/bin/sh\nLD_LIBRARY_PATH="%s" exec "%s" "$@"\n' "$OUR_LD" "$REAL_BIN" >"$BIN"
  chmod +x "$BIN"
  note "bundle $BUNDLE; cuBLASLt ${LT:-NOT FOUND}; our LD_LIBRARY_PATH=$OUR_LD"
  [ -f "$BUNDLE/MANIFEST.txt" ] && head -8 "$BUNDLE/MANIFEST.txt"
  if "$BIN" --help >/dev/null; then
    record bundle ok 0 "$BUNDLE"
  else
    record bundle failed 0 "acgs-infer does not start: $(head -c 300 "$WORK/help.err")"
    BIN=""
  fi
fi
export BIN REAL_BIN BUNDLE OUR_LD

# ---- synthetic models (deterministic: seed 0), reused when already there -----------------------------------
synth_models() {
  local preset
  for preset in tiny base; do
    if [ -f "$WORK/models/$preset/model.safetensors" ] && [ -f "$WORK/models/$preset/tokenizer.json" ]; then
      echo "$preset: reusing $WORK/models/$preset"
      continue
    fi
    "$BIN" synth --preset "$preset" --seed 0 --out "$WORK/models/$preset.tmp" || return 1
    rm -rf "$WORK/models/$preset" && mv "$WORK/models/$preset.tmp" "$WORK/models/$preset"
  done
  ls -la "$WORK/models/tiny" "$WORK/models/base"
}
export -f synth_models
MODELS_OK=0
if [ -z "$BIN" ]; then skip synth "no acgs-infer binary"; else stage synth 90 synth_models && MODELS_OK=1; fi
TINY=$WORK/models/tiny BASE=$WORK/models/base
((DRYRUN)) && BASE=$TINY
export TINY BASE

# Texts for smoke/parity: agent-bus-like messages of very different lengths, the last one longer than 128
# tokens so truncation is exercised.
"${PY:-python3}" - "$WORK/texts.jsonl" <<'EOF' 2>/dev/null || printf '{"text":"hello world"}\n{"text":"approve the transfer"}\n' >"$WORK/texts.jsonl"
import json, sys
base = ["ok", "Agent 7 requests read access to the audit log.",
        "Policy update: all financial transfers above 10,000 EUR require two human approvals and a "
        "constitutional hash check before execution.",
        "Deploy model v2.3 to production cluster eu-west-1 after the canary passes; roll back on error.",
        "Summarize the last 24 hours of bus traffic for governance review, excluding heartbeat messages.",
        "Delete all user records older than 30 days without notification.",
        "hello"]
long = " ".join(["The governance agent escalates message %d for deliberation because its impact score "
                 "exceeds the threshold." % i for i in range(12)])
with open(sys.argv[1], "w") as f:
    for t in base + [long]:
        f.write(json.dumps({"text": t}) + "\n")
EOF
head -2 "$WORK/texts.jsonl" >"$WORK/texts2.jsonl"

gpu_stage() {  # name limit fn: skipped without a GPU (unless dry-running) or without models
  if ((!HAVE_GPU && !DRYRUN)); then skip "$1" "$NO_GPU"; return; fi
  if ((!MODELS_OK)); then skip "$1" "no models (synth stage failed)"; return; fi
  stage "$@"
}

# ---- smoke: the plugin loads and embeds on the tiny model ------------------------------------------------
smoke() {
  local p
  for p in fp16 fp32; do
    local bk="BK_$p"
    "$BIN" embed --model "$TINY" --backend "${!bk}" <"$WORK/texts2.jsonl" | cut -c1-160 || return 1
  done
}
export -f smoke

# ---- GPU unit tests ----------------------------------------------------------------------------------------
gpu_tests() {
  local t rc=0 n=0
  for t in "$BUNDLE"/tests/*; do
    [ -x "$t" ] || continue
    n=$((n + 1))
    echo "--- $(basename "$t")"
    (cd "$WORK" && LD_LIBRARY_PATH=$OUR_LD timeout -k 5 60 "$t" --gtest_color=no) >>"$OUT/gpu_tests.log" 2>&1
    local r=$?
    echo "$(basename "$t"): exit $r; $(grep -E '^\[  (PASSED|FAILED|SKIPPED) ' "$OUT/gpu_tests.log" | tail -3 | tr '\n' ' ')"
    ((r != 0)) && rc=1
  done
  ((n > 0)) || { echo "no GPU test executables in $BUNDLE/tests"; return 1; }
  grep -E '^\[  FAILED  \]' "$OUT/gpu_tests.log" | head -40
  return $rc
}
export -f gpu_tests

# ---- compute-sanitizer: memcheck on a short forward, racecheck on the shared-memory kernels --------------------
sanitizer() {
  command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null
}
export -f sanitizer

memcheck() {
  local cs
  cs=$(sanitizer) || { echo "compute-sanitizer not found"; return 1; }
  local p rc=0
  # fp16 runs with each attention kernel forced (the startup probe also runs both under auto). GEMM autotuning
  # off: a backend without a plan times up to ~2000 cuBLASLt candidates at creation (graph captures and
  # launches), which under the sanitizer would take the stage's whole limit; the tuned GEMMs run unsanitized in
  # gpu_tests, bench_ours and plan.
  for p in fp16:wmma fp16:mma fp32:auto; do
    ACGS_CUDA_TUNE=0 ACGS_CUDA_ATTENTION=${p#*:} LD_LIBRARY_PATH=$OUR_LD "$cs" --tool memcheck --error-exitcode 99 \
      --print-limit 20 "$REAL_BIN" embed --model "$TINY" --backend "cuda-${p%%:*}" <"$WORK/texts2.jsonl" \
      >>"$OUT/sanitizer.log" 2>&1
    local r=$?
    echo "memcheck cuda-$p: exit $r; $(grep -E 'ERROR SUMMARY' "$OUT/sanitizer.log" | tail -1)"
    ((r != 0)) && rc=1
  done
  return $rc
}
export -f memcheck

# memcheck does not see races on shared memory. The mma attention kernel (tiles staged with cp.async, reused
# after barriers) and pooling (partial sums met in shared memory) are the kernels whose barriers the unit tests
# can only judge by their results, and rows a tile zero-fills past a sequence are masked out afterwards.
racecheck() {
  local cs
  cs=$(sanitizer) || { echo "compute-sanitizer not found"; return 1; }
  (cd "$WORK" && LD_LIBRARY_PATH=$OUR_LD "$cs" --tool racecheck --error-exitcode 99 --print-limit 20 \
    "$BUNDLE/tests/cuda_kernels_test" --gtest_color=no \
    --gtest_filter='CudaAttentionMma.*:*PoolingMatchesHostPooling*') >>"$OUT/sanitizer.log" 2>&1
  local r=$?
  echo "racecheck (mma attention, pooling): exit $r; $(grep -E 'RACECHECK SUMMARY' "$OUT/sanitizer.log" | tail -1)"
  return $r
}
export -f racecheck

# ---- parity: hidden states of cuda-fp16/fp32 vs our reference and vs PyTorch fp32 ------------------------------
parity() {
  "$BIN" tokenize --model "$BASE" --max-length 128 <"$WORK/texts.jsonl" >"$WORK/ids.jsonl" || return 1
  local b args=()
  for b in reference:reference cuda-fp32:$BK_fp32 cuda-fp16:$BK_fp16; do
    "$BIN" embed --model "$BASE" --backend "${b#*:}" --output hidden --max-length 128 --batch-size 16 \
      <"$WORK/texts.jsonl" >"$WORK/hidden_${b%%:*}.jsonl" || return 1
    args+=(--ours "${b%%:*}=$WORK/hidden_${b%%:*}.jsonl")
  done
  # The FlashAttention-2 style kernel forced, whatever the startup probe picks (it must pass the same gate).
  ACGS_CUDA_ATTENTION=mma "$BIN" embed --model "$BASE" --backend "$BK_fp16" --output hidden --max-length 128 \
    --batch-size 16 <"$WORK/texts.jsonl" >"$WORK/hidden_cuda-fp16-mma.jsonl" || return 1
  args+=(--ours "cuda-fp16-mma=$WORK/hidden_cuda-fp16-mma.jsonl")
  "$PY" "$REPO/tools/oracle/gpu_peer.py" parity --model "$BASE" --ids "$WORK/ids.jsonl" "${args[@]}" \
    --baseline reference --device "$TORCH_DEV" --out "$WORK/parity.json"
}
export -f parity

# ---- our benchmarks (acgs-infer bench, same JSON as the CPU issue) -------------------------------------------
bench_ours() {
  local p rc=0
  for p in fp16 fp32; do
    local bk="BK_$p"
    "$BIN" bench --model "$BASE" --backend "${!bk}" --batch 1 --seqs 16,64,128 --samples "$SAMPLES_B1" \
      --warmup $((SAMPLES_B1 / 10)) >"$WORK/bench_cuda-${p}_b1.json" || rc=1
    cat "$WORK/bench_cuda-${p}_b1.json"
    "$BIN" bench --model "$BASE" --backend "${!bk}" --throughput --batch "$BIG" --seqs 128 --samples "$SAMPLES_B128" \
      --warmup $((SAMPLES_B128 / 10 + 1)) >"$WORK/bench_cuda-${p}_b128.json" || rc=1
    cat "$WORK/bench_cuda-${p}_b128.json"
  done
  return $rc
}
export -f bench_ours

# ---- per-op GPU time (ACGS_CUDA_PROFILE=1: direct launches behind a hold kernel, an event after every op) ----
profile() {
  local b n rc=0
  for b in 1 "$BIG"; do
    n=$SAMPLES_PROFILE_B1
    [ "$b" = 1 ] || n=$SAMPLES_PROFILE_BIG
    ACGS_CUDA_PROFILE=1 "$BIN" bench --model "$BASE" --backend "$BK_fp16" --batch "$b" --seqs 128 --samples "$n" \
      --warmup 3 >"$WORK/profile_b${b}x128.json" 2>"$WORK/profile_b${b}x128.txt" || rc=1
    cp "$WORK/profile_b${b}x128.txt" "$OUT/"
    cat "$WORK/profile_b${b}x128.json" "$WORK/profile_b${b}x128.txt"
  done
  return $rc
}
export -f profile

# ---- A/B: the same benchmarks with each fp16 attention kernel forced (ACGS_CUDA_ATTENTION), and with the
# in-memory GEMM autotuning off (ACGS_CUDA_TUNE=0: cuBLASLt's first heuristic choice, the run-2 behaviour) --
attention_ab() {
  local ab k rc=0
  for ab in wmma:ACGS_CUDA_ATTENTION=wmma mma:ACGS_CUDA_ATTENTION=mma gemm-heuristic:ACGS_CUDA_TUNE=0; do
    k=${ab%%:*}
    env "${ab#*:}" "$BIN" bench --model "$BASE" --backend "$BK_fp16" --batch 1 --seqs 128 \
      --samples "$SAMPLES_B1" --warmup $((SAMPLES_B1 / 10)) >"$WORK/ab_${k}_b1.json" || rc=1
    env "${ab#*:}" "$BIN" bench --model "$BASE" --backend "$BK_fp16" --throughput --batch "$BIG" --seqs 128 \
      --samples "$SAMPLES_B128" --warmup $((SAMPLES_B128 / 10 + 1)) >"$WORK/ab_${k}_b128.json" || rc=1
    cat "$WORK/ab_${k}_b1.json" "$WORK/ab_${k}_b128.json"
  done
  return $rc
}
export -f attention_ab

# ---- engine plan: build (autotune) and load ----------------------------------------------------------------
plan() {
  local t0 t1
  t0=$(date +%s.%N)
  "$BIN" optimize --model "$BASE" --precision fp16 --max-batch 128 --max-seq 128 --out "$WORK/base-fp16.plan" \
    >"$WORK/optimize.json" || return 1
  t1=$(date +%s.%N)
  echo "optimize wall seconds: $(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')"
  head -c 1500 "$WORK/optimize.json"
  "$BIN" plan-info "$WORK/base-fp16.plan" --model "$BASE" --load --strict >"$WORK/plan_info.json" || return 1
  cat "$WORK/plan_info.json"
}
export -f plan

# ---- PyTorch peer: HF DistilBertModel fp16, eager and SDPA --------------------------------------------------
torch_peer() {
  "$PY" "$REPO/tools/oracle/gpu_peer.py" bench --model "$BASE" --device "$TORCH_DEV" --dtype "$TORCH_DTYPE" \
    --attn eager,sdpa --shape 1x128 --shape "${BIG}x128" --iters "$TORCH_ITERS" --warmup $((TORCH_ITERS / 10 + 1)) \
    --out "$WORK/torch_bench.json"
}
export -f torch_peer

# ---- run order: smoke and the kernel tests first (they say what is wrong when numbers are), then the acceptance numbers
if [ -n "$BIN" ] && ((MODELS_OK)) && ((!HAVE_GPU)); then
  # Without a GPU the request must fail with the reason, not crash (issue 5 acceptance).
  "$BIN" embed --model "$TINY" --backend cuda-fp16 <"$WORK/texts2.jsonl" >/dev/null 2>"$WORK/nogpu.err"
  note "cuda-fp16 without a GPU: exit $? — $(head -c 400 "$WORK/nogpu.err")"
fi
: >"$OUT/gpu_tests.log"
: >"$OUT/sanitizer.log"
gpu_stage smoke 60 smoke
gpu_stage gpu_tests 90 gpu_tests
if [ -z "$PY" ]; then skip parity "no python with torch"; else gpu_stage parity 90 parity; fi
gpu_stage bench_ours 90 bench_ours
gpu_stage profile 30 profile
gpu_stage attention_ab 60 attention_ab
if [ -z "$PY" ]; then skip torch_peer "no python with torch"; else gpu_stage torch_peer 90 torch_peer; fi
gpu_stage plan 60 plan
if ((!HAVE_GPU)); then skip memcheck "$NO_GPU"; else gpu_stage memcheck 60 memcheck; fi
if ((!HAVE_GPU)); then skip racecheck "$NO_GPU"; else gpu_stage racecheck 45 racecheck; fi

# ---- summary --------------------------------------------------------------------------------------------------
"${PY:-python3}" "$REPO/scripts/gpu_summary.py" --work "$WORK" --big-batch "$BIG" --out "$OUT/gpu_results.json" ||
  note "summary failed (raw results are in $WORK)"
note "done in $(($(date +%s) - START))s; results: $OUT/gpu_results.json, log: $LOG"
exec 1>&3 2>&4
wait "$TEE_PID" 2>/dev/null
