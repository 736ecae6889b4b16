#!/usr/bin/env bash
# HTTP load test of `acgs-infer serve` with wrk (loopback only, bounded duration), beside the in-process
# engine rate on the same texts. For each model (tiny and base synthetic presets, or MODELS="dir ..."):
# start the server on a free port, wrk -c CONC POST /embed (one text per request, texts cycled from a
# fixed list), print RPS, p50/p99, the in-process texts/s and the ratio server/engine.
#
# Usage: bash bench/load.sh [BUILD_DIR=build]   env: BACKEND=cpu DURATION=10 CONC=16 PRESETS="tiny base"
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
BACKEND=${BACKEND:-cpu}
DURATION=${DURATION:-10}
CONC=${CONC:-16}
PRESETS=${PRESETS:-"tiny base"}
BIN="$BUILD/acgs-infer"
RATE="$BUILD/server_engine_rate"
for f in "$BIN" "$RATE"; do
  [[ -x "$f" ]] || { echo "load.sh: $f not built (cmake --build $BUILD --target acgs-infer server_engine_rate)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "load.sh: wrk not installed (apt-get install wrk)" >&2; exit 1; }

work=$(mktemp -d)
server_pid=""
cleanup() { [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# 64 deterministic texts of 4..60 words (agent-bus-like vocabulary).
/usr/bin/python3 - "$work/texts.txt" <<'PY'
import random, sys
words = ("agent deploy critical policy audit rollback budget emergency report network access admin "
         "request approve deny transfer funds production database user message tool governance").split()
rng = random.Random(7)
with open(sys.argv[1], "w") as f:
    for _ in range(64):
        f.write(" ".join(rng.choice(words) for _ in range(rng.randint(4, 60))) + "\n")
PY
/usr/bin/python3 - "$work/texts.txt" "$work/post.lua" <<'PY'
import json, sys
texts = open(sys.argv[1]).read().splitlines()
with open(sys.argv[2], "w") as f:
    f.write("local bodies = {\n")
    for t in texts:
        f.write("  %s,\n" % json.dumps(json.dumps({"inputs": t})))
    f.write("}\nlocal i = 0\nwrk.method = 'POST'\nwrk.headers['Content-Type'] = 'application/json'\n"
            "request = function()\n  i = i % #bodies + 1\n  return wrk.format(nil, '/embed', nil, bodies[i])\nend\n"
            "done = function(summary, latency, requests)\n"
            "  io.write(string.format('RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d\\n', summary.requests / "
            "(summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000, "
            "summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + "
            "summary.errors.timeout))\nend\n")
PY

echo "load: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), backend $BACKEND, wrk -c $CONC -d ${DURATION}s"
printf "%-6s %8s %10s %9s %9s %7s %14s %7s\n" model threads rps p50_ms p99_ms errors engine_texts/s ratio
for preset in $PRESETS; do
  model="$work/$preset"
  "$BIN" synth --preset "$preset" --out "$model" >/dev/null
  "$BIN" serve --model "$model" --backend "$BACKEND" --host 127.0.0.1 --port 0 --no-access-log \
    --max-concurrent-requests 1024 2>"$work/server.log" &
  server_pid=$!
  port=""
  for _ in $(seq 1 600); do
    grep -q '"ready"' "$work/server.log" && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.1
  done
  port=$(grep -o '"url":"http://127.0.0.1:[0-9]*' "$work/server.log" | grep -o '[0-9]*$')
  # The in-process peer runs the engine with the server's own thread count (serve leaves the I/O thread a core).
  threads=$(curl -s "http://127.0.0.1:$port/v1/status" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["threads"])')
  result=$(wrk -t 2 -c "$CONC" -d "${DURATION}s" --timeout 30s -s "$work/post.lua" "http://127.0.0.1:$port" | grep RESULT)
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
  engine=$("$RATE" "$model" "$BACKEND" "$work/texts.txt" 64 "$DURATION" "$threads" | grep -o '"texts_per_s": [0-9.]*' | grep -o '[0-9.]*$')
  rps=$(sed 's/.*rps=\([0-9.]*\).*/\1/' <<<"$result")
  p50=$(sed 's/.*p50_ms=\([0-9.]*\).*/\1/' <<<"$result")
  p99=$(sed 's/.*p99_ms=\([0-9.]*\).*/\1/' <<<"$result")
  errors=$(sed 's/.*errors=\([0-9]*\).*/\1/' <<<"$result")
  ratio=$(awk -v a="$rps" -v b="$engine" 'BEGIN { printf "%.2f", a / b }')
  printf "%-6s %8s %10s %9s %9s %7s %14s %7s\n" "$preset" "$threads" "$rps" "$p50" "$p99" "$errors" "$engine" "$ratio"
done
