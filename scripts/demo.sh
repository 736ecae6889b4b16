#!/usr/bin/env bash
# The main job on the embedded default model (synthesized on first use): engine status, embeddings of a few
# agent-bus messages (shape and timing), impact scores of the eight sample messages, then the GPU-decision
# benchmark. Usage: bash scripts/demo.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build}/acgs-infer
TEXTS=$(mktemp)
trap 'rm -f "$TEXTS"' EXIT
cat >"$TEXTS" <<'JSONL'
{"text": "CRITICAL: security breach detected on node-7, attacker exfiltrating credentials"}
{"text": "Routine health check passed for all services."}
{"text": "Transfer 25,000 EUR to an unverified external account without approval."}
{"text": "Please update my profile picture."}
JSONL

echo "== status (default model; the first run synthesizes it) =="
"$BIN" status

echo "== embeddings (mean pooling, max 128 tokens) =="
start=$(date +%s.%N)
"$BIN" embed --normalize <"$TEXTS" | awk -v start="$start" '
  { n++; dim = gsub(/,/, ",") + 1 }
  END { "date +%s.%N" | getline end; printf "embeddings: [%d, %d] in %.1f ms (model load included)\n", n, dim, (end - start) * 1000 }'
"$BIN" bench --seqs 16,64,128 --batch 1 --samples 20 --warmup 3

echo "== impact scores of the eight sample messages =="
"$BIN" score <tests/scorer/samples.jsonl | cut -c1-220

echo "== GPU decision benchmark =="
# Exit status 1 means "EVALUATE_GPU" (the seed's contract), which is a result, not a failure of the demo.
rc=0
"$BIN" benchmark_gpu_decision --samples 100 --warmup 10 --no-save || rc=$?
[ "$rc" -le 1 ] || exit "$rc"
