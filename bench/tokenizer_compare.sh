#!/usr/bin/env bash
# Tokenizer speed against HF tokenizers, single thread, same corpus and tokenizer.json:
#   bash bench/tokenizer_compare.sh [BUILD_DIR=build] [SECONDS=2] [MAX_LENGTH=0] [CORPUS]
# Prints texts/s of ours and of HF (per-text encode() and one-thread encodeBatch()) and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SECONDS_PER_RUN=${2:-2}
MAX_LENGTH=${3:-0}
CORPUS=$(realpath "${4:-tests/tokenizer/corpus.jsonl}")
TOKENIZER=$(realpath data/bert-base-uncased/tokenizer.json)

ours=$("$BUILD/tokenizer_bench" "$TOKENIZER" "$CORPUS" "$SECONDS_PER_RUN" "$MAX_LENGTH")
# One thread everywhere on the HF side: Rayon pool, the tokenizers parallelism switch, libuv pool.
hf=$(cd tools/oracle && RAYON_NUM_THREADS=1 RAYON_RS_NUM_CPUS=1 TOKENIZERS_PARALLELISM=false UV_THREADPOOL_SIZE=1 \
  node ../../bench/tokenizer/tokenizer_bench.js "$TOKENIZER" "$CORPUS" "$SECONDS_PER_RUN" "$MAX_LENGTH")
echo "$ours"
echo "$hf"
/usr/bin/python3 - "$ours" "$hf" <<'PY'
import json, sys
ours = json.loads(sys.argv[1])
for line in sys.argv[2].splitlines():
    hf = json.loads(line)
    print(f"acgs / {hf['impl']}: {ours['texts_per_s'] / hf['texts_per_s']:.2f}x "
          f"({ours['texts_per_s']:.0f} vs {hf['texts_per_s']:.0f} texts/s)")
PY
