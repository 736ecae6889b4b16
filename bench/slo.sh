#!/usr/bin/env bash
# The service-level objective through the HTTP service: P99 <= 5 ms (MLPerf's Server scenario with our
# bound). For each CONFIG (backend:endpoint[:preset]; a preset is synthesized with seed 0 and served instead
# of MODEL, e.g. cpu-int8:/v1/score:minilm-l6 for the all-MiniLM-L6-v2 shapes), start `acgs-infer serve` on
# a free loopback port, offer an open-loop Poisson load at each rate (bench/server/slo_loadgen: latency from
# each request's scheduled send time, keep-alive pool), and print p50/p90/p99/p99.9 and errors per rate, then
# the SLO capacity: the highest offered rate whose P99 <= 5 ms with no errors. In the same run, as the peers
# the table reads against: the generator's floor against nginx serving a static body, and the engine's
# in-process batch-1 latency and saturated rate on the same messages (bench/server/engine_slo_peer.cc).
# Writes OUT/slo.jsonl and OUT/slo.png (latency percentiles vs offered rate, one line per config).
#
# Usage: bash bench/slo.sh [BUILD_DIR=build]
# env: CONFIGS="cpu-int8:/v1/score cpu-int8:/embed cpu:/v1/score cpu-int8:/v1/score:minilm-l6"  RATES="25 100 200 300 500 750 1000"
#      SECONDS_PER_RATE=8  MODEL=<dir> (default: the built-in default model)  OUT=bench/out  MESSAGES=256
#      SERVE_ARGS="" (extra serve flags)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
CONFIGS=${CONFIGS:-"cpu-int8:/v1/score cpu-int8:/embed cpu:/v1/score cpu-int8:/v1/score:minilm-l6"}
RATES=${RATES:-"25 100 200 300 500 750 1000"}
SECONDS_PER_RATE=${SECONDS_PER_RATE:-8}
OUT=${OUT:-bench/out}
MESSAGES=${MESSAGES:-256}
SERVE_ARGS=${SERVE_ARGS:-}
PY=${PYTHON:-/usr/bin/python3}
BIN="$BUILD/acgs-infer" GEN="$BUILD/slo_loadgen" PEER="$BUILD/server_slo_peer"
for f in "$BIN" "$GEN" "$PEER"; do
  [[ -x "$f" ]] || { echo "slo.sh: $f not built (cmake --build $BUILD --target acgs-infer slo_loadgen server_slo_peer)" >&2; exit 1; }
done
mkdir -p "$OUT"
work=$(mktemp -d)
server_pid="" nginx_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null
  [[ -n "$nginx_pid" ]] && kill "$nginx_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

MODEL=${MODEL:-${ACGS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/acgs-infer}/models/synth-base-seed0}
[[ -f "$MODEL/config.json" ]] || "$BIN" status >/dev/null  # writes the default model on first use
"$PY" bench/server/slo_messages.py "$MESSAGES" "$work/score.jsonl"
"$PY" -c 'import json,sys
for l in open(sys.argv[1]): print(json.dumps({"inputs": json.loads(l)["message"]["content"]}))' "$work/score.jsonl" >"$work/embed.jsonl"
results="$OUT/slo.jsonl"
: >"$results"
echo "slo: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) (family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | xargs)), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), ${SECONDS_PER_RATE}s per rate"

row() {  # config rate json
  local j=$3
  printf "%-22s %6s %9s %8s %8s %8s %8s %7s\n" "$1" "$2" \
    "$(jq_ achieved_rps "$j")" "$(jq_ p50_ms "$j")" "$(jq_ p90_ms "$j")" "$(jq_ p99_ms "$j")" "$(jq_ p999_ms "$j")" "$(jq_ errors "$j")"
}
jq_() { "$PY" -c 'import json,sys; v=json.loads(sys.argv[2])[sys.argv[1]]; print(round(v,2) if isinstance(v,float) else v)' "$1" "$2"; }
record() { "$PY" -c 'import json,sys; d=json.loads(sys.argv[3]); d.update(config=sys.argv[1], rate=float(sys.argv[2])); print(json.dumps(d))' "$@" >>"$results"; }

# The generator's floor: nginx returning a static body on loopback.
cat >"$work/nginx.conf" <<NGINX
worker_processes 1; daemon off; pid $work/nginx.pid; error_log $work/nginx_error.log;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path $work/b; proxy_temp_path $work/p; fastcgi_temp_path $work/f;
  uwsgi_temp_path $work/u; scgi_temp_path $work/s; keepalive_requests 1000000;
  server { listen 127.0.0.1:0; location / { return 200 '{"ok":true}'; } } }
NGINX
printf "%-22s %6s %9s %8s %8s %8s %8s %7s\n" config rate achieved p50_ms p90_ms p99_ms p999_ms errors
if command -v nginx >/dev/null; then
  nport=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  sed -i "s/127.0.0.1:0/127.0.0.1:$nport/" "$work/nginx.conf"
  nginx -p "$work" -c "$work/nginx.conf" -e "$work/nginx_error.log" &
  nginx_pid=$!
  sleep 0.5
  for rate in 25 500; do
    j=$("$GEN" --port "$nport" --rate "$rate" --seconds "$SECONDS_PER_RATE" --path / --method GET)
    row "nginx-static" "$rate" "$j"; record nginx-static "$rate" "$j"
  done
  kill "$nginx_pid"; wait "$nginx_pid" 2>/dev/null || true; nginx_pid=""
fi

declare -A capacity
for config in $CONFIGS; do
  IFS=: read -r backend path preset <<<"$config"
  model=$MODEL label="$backend $path${preset:+ $preset}"
  if [[ -n "$preset" ]]; then
    model="$work/synth-$preset-seed0"
    [[ -d "$model" ]] || "$BIN" synth --preset "$preset" --seed 0 --out "$model" >/dev/null
  fi
  bodies="$work/score.jsonl"; [[ "$path" == /v1/score ]] || bodies="$work/embed.jsonl"
  # shellcheck disable=SC2086
  "$BIN" serve --model "$model" --backend "$backend" --host 127.0.0.1 --port 0 --no-access-log $SERVE_ARGS 2>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 1 600); do
    grep -q '"ready"' "$work/server.log" && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.1
  done
  port=$(grep -o '"url":"http://127.0.0.1:[0-9]*' "$work/server.log" | grep -o '[0-9]*$')
  capacity[$config]=0
  for rate in $RATES; do
    j=$("$GEN" --port "$port" --rate "$rate" --seconds "$SECONDS_PER_RATE" --path "$path" --bodies "$bodies")
    row "$label" "$rate" "$j"; record "$label" "$rate" "$j"
    ok=$("$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); print(int(d["errors"]==0 and d["p99_ms"] is not None and d["p99_ms"]<=5.0))' "$j")
    [[ "$ok" == 1 ]] && capacity[$config]=$rate
  done
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
  peer=$("$PEER" "$model" "$backend" "$work/score.jsonl" 300 32 5)
  echo "  in-process $label (same messages, 1 at a time / batches of 32): $peer"
  "$PY" -c 'import json,sys; d=json.loads(sys.argv[2]); d.update(config=sys.argv[1], peer=True); print(json.dumps(d))' "$label" "$peer" >>"$results"
done
for config in $CONFIGS; do echo "SLO capacity (P99 <= 5 ms, no errors) ${config}: ${capacity[$config]} requests/s"; done

"$PY" - "$results" "$OUT/slo.png" <<'PY'
import json, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
rows = [json.loads(l) for l in open(sys.argv[1])]
fig, ax = plt.subplots(figsize=(8, 5))
for config in dict.fromkeys(r["config"] for r in rows if "rate" in r):
    pts = sorted((r for r in rows if r.get("config") == config and "rate" in r), key=lambda r: r["rate"])
    for key, style in (("p50_ms", ":"), ("p99_ms", "-")):
        pts_ok = [p for p in pts if p[key] is not None]
        ax.plot([p["rate"] for p in pts_ok], [p[key] for p in pts_ok], style, marker="o", label=f"{config} {key[:3]}")
ax.axhline(5, color="red", linewidth=0.8, label="SLO: P99 5 ms")
ax.set_xlabel("offered requests/s (open-loop, Poisson)"); ax.set_ylabel("latency ms (from scheduled send)")
ax.set_yscale("log"); ax.grid(True, which="both", alpha=0.3); ax.legend(fontsize=7)
fig.tight_layout(); fig.savefig(sys.argv[2], dpi=110)
PY
echo "slo: wrote $results and $OUT/slo.png"
