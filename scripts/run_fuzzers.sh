#!/usr/bin/env bash
# Runs every libFuzzer executable (fuzz_*) in BUILD_DIR for SECONDS each, seeded from fuzz/seeds/<name>/
# when that exists; fails on the first crash, leak, sanitizer report or timeout (the reproducer is left
# in BUILD_DIR/fuzz-artifacts/<name>/).  Usage: bash scripts/run_fuzzers.sh BUILD_DIR SECONDS
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?usage: run_fuzzers.sh BUILD_DIR SECONDS}
SECONDS_EACH=${2:?usage: run_fuzzers.sh BUILD_DIR SECONDS}

shopt -s nullglob
fuzzers=()
for exe in "$BUILD"/fuzz_*; do
  [[ -f "$exe" && -x "$exe" ]] && fuzzers+=("$exe")
done
if ((${#fuzzers[@]} == 0)); then
  echo "run_fuzzers: no fuzz_* executables in $BUILD (configure with CC=clang CXX=clang++ -DACGS_FUZZ=ON)" >&2
  exit 1
fi

for exe in "${fuzzers[@]}"; do
  name=$(basename "$exe")
  work="$BUILD/fuzz-corpus/$name"       # grows across runs; the checked-in seeds stay untouched
  artifacts="$BUILD/fuzz-artifacts/$name/"
  mkdir -p "$work" "$artifacts"
  dirs=("$work")
  [[ -d "fuzz/seeds/$name" ]] && dirs+=("fuzz/seeds/$name")
  echo "run_fuzzers: $name for ${SECONDS_EACH}s"
  if ! "$exe" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
      -artifact_prefix="$artifacts" -print_final_stats=1 "${dirs[@]}" 2>"$BUILD/fuzz-$name.log"; then
    tail -n 60 "$BUILD/fuzz-$name.log" >&2
    echo "run_fuzzers: $name FAILED; reproducer in $artifacts (run: $exe <file>)" >&2
    exit 1
  fi
  grep -E "^stat::number_of_executed_units|^Done" "$BUILD/fuzz-$name.log" || true
done
echo "run_fuzzers: ${#fuzzers[@]} fuzzer(s) ran ${SECONDS_EACH}s each without a crash"
