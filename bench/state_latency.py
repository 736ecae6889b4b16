#!/usr/bin/env python3
"""p50/p99 latency of POST /v1/score with the per-agent state in memory vs in Redis on loopback, side by
side in one run: one redis-server and two `acgs-infer serve` processes (same model, backend and flags,
one --state memory, one --state redis://...) on free loopback ports; requests alternate between the two
over one keep-alive connection each, so both see the same machine load. Everything is stopped at the end.

Usage: python3 bench/state_latency.py BUILD/acgs-infer [--requests 2000] [--model DIR] [--backend reference]
       (default model: the tiny synthetic preset, written to a temp directory)
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools" / "testing"))
from procs import free_port, wait_for  # noqa: E402

BODY = json.dumps({"message": {"content": "unauthorized transfer flagged by the payment audit",
                               "from_agent": "bench-agent", "tools": ["transfer"]}})


def healthy(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        c.request("GET", "/health")
        return c.getresponse().status == 200
    finally:
        c.close()


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--model")
    ap.add_argument("--backend", default="reference")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="acgs_state_latency_")
    procs = []
    try:
        model = args.model
        if not model:
            model = os.path.join(tmp, "tiny")
            subprocess.run([args.binary, "synth", "--preset", "tiny", "--seed", "7", "--out", model], check=True,
                           stdout=subprocess.DEVNULL)
        redis_port = free_port()
        procs.append(subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save",
                                       "", "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL))
        wait_for("redis", lambda: socket.create_connection(("127.0.0.1", redis_port), timeout=1).close() is None, 10)
        ports = {}
        for state in ("memory", f"redis://127.0.0.1:{redis_port}/0"):
            port = free_port()
            procs.append(subprocess.Popen([args.binary, "serve", "--model", model, "--backend", args.backend,
                                           "--threads", "1", "--port", str(port), "--state", state,
                                           "--no-access-log"], stderr=subprocess.DEVNULL))
            wait_for(f"serve --state {state}", lambda: healthy(port), 120)
            ports["memory" if state == "memory" else "redis"] = port
        conns = {name: http.client.HTTPConnection("127.0.0.1", port, timeout=30) for name, port in ports.items()}
        samples = {name: [] for name in ports}
        headers = {"Content-Type": "application/json"}
        for i in range(args.requests * 2 + 100):
            name = "memory" if i % 2 == 0 else "redis"
            start = time.perf_counter()
            conns[name].request("POST", "/v1/score", BODY, headers)
            r = conns[name].getresponse()
            r.read()
            elapsed = time.perf_counter() - start
            if r.status != 200:
                raise SystemExit(f"state_latency: {name} answered {r.status}")
            if i >= 100:  # the first 50 per server warm caches and connections
                samples[name].append(elapsed * 1000)
        print(f"POST /v1/score, {args.requests} requests each, alternating, one keep-alive connection each, "
              f"backend {args.backend}, model {os.path.basename(model)}")
        for name in ("memory", "redis"):
            s = samples[name]
            print(f"  state {name:6s}: p50 {statistics.median(s):.3f} ms  p90 {percentile(s, 0.9):.3f} ms  "
                  f"p99 {percentile(s, 0.99):.3f} ms")
        print(f"  redis - memory at p50: {statistics.median(samples['redis']) - statistics.median(samples['memory']):+.3f} ms")
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
