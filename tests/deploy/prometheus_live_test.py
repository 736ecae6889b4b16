#!/usr/bin/python3
"""The shipped rules and dashboard against a real Prometheus scraping a live `acgs-infer serve`.

Hermetic: the replica (tiny synthesized model, port 0) and Debian's prometheus run as the current user on
loopback out of a temp directory and are stopped (by pid) at the end. The scrape config gives the replica
expected_backend="cuda-fp16" (it runs the reference backend), adds a target nobody listens on (up == 0) and the
replica gets a Redis nobody listens on, a 10 ms batch delay and --max-concurrent-requests 1 under three
concurrent clients: so the alerts' conditions hold and their expressions return data.

Checked through the HTTP API (/api/v1/query, /api/v1/rules):
  - Prometheus loads deploy/prometheus/acgs2.rules.yml and evaluates every rule without error;
  - every recording rule, every alert expression and every dashboard query parses and returns data, with
    two exceptions: ACGS2HighErrorRate (a healthy replica answers no 5xx, and nothing provokes one from
    outside; promtool test rules covers it firing), and the GPU panels (nv_gpu_* exist only where a GPU
    is; without one they must parse and may return nothing).

Usage: prometheus_live_test.py BUILD/acgs-infer   (exit 77 = skipped: prometheus not installed)
"""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "testing"))
from procs import Processes, free_port, wait_for  # noqa: E402

RULES = ROOT / "deploy" / "prometheus" / "acgs2.rules.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "acgs2-dashboard.json"
NO_DATA_WITHOUT_5XX = {"ACGS2HighErrorRate"}
GPU_METRIC = re.compile(r"\bnv_gpu_")
# What Grafana puts in place of the dashboard's variables: the job the rules expect, every instance.
DASHBOARD_VARIABLES = {"$__rate_interval": "1m", "$job": "acgs-infer", "$instance": ".+"}
DEADLINE_S = 90


def get(port, path, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read().decode()
    finally:
        conn.close()


def post(port, path, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


def start_replica(procs, binary, tmp):
    model = os.path.join(tmp, "model")
    subprocess.run([binary, "synth", "--preset", "tiny", "--seed", "7", "--out", model], check=True,
                   stdout=subprocess.DEVNULL)
    procs.spawn("serve", [binary, "serve", "--model", model, "--backend", "reference", "--threads", "1",
                          "--port", "0", "--no-access-log", "--state", f"redis://127.0.0.1:{free_port()}",
                          "--max-batch-delay-us", "10000", "--max-concurrent-requests", "1"])
    port = []

    def listening():
        m = re.search(r'"event":"listening","url":"http://[^:]+:(\d+)"', procs.log("serve"))
        if m:
            port.append(int(m.group(1)))
        return bool(m)

    wait_for("acgs-infer serve", listening, 60)
    wait_for("acgs-infer serve warm-up", lambda: get(port[0], "/health/ready")[0] == 200, 60)
    return port[0]


def start_prometheus(procs, tmp, replica_port):
    port = free_port()
    config = os.path.join(tmp, "prometheus.yml")
    with open(config, "w") as f:
        f.write(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ["{RULES}"]
scrape_configs:
  - job_name: acgs-infer
    static_configs:
      - targets: ["127.0.0.1:{replica_port}"]
        labels: {{expected_backend: cuda-fp16}}
      - targets: ["127.0.0.1:{free_port()}"]
""")
    procs.spawn("prometheus", ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={tmp}/data",
                               f"--web.listen-address=127.0.0.1:{port}"])
    wait_for("prometheus", lambda: get(port, "/-/ready")[0] == 200, 60)
    return port


def traffic(port, stop):
    """One client: embeddings and scores back to back, a little apart."""
    i = 0
    while not stop.is_set():
        post(port, "/embed", {"inputs": [f"message {i} for the operators' dashboard"]})
        post(port, "/v1/score", {"message": {"content": f"security review {i}"}, "context": {"agent_id": "ops"}})
        i += 1
        time.sleep(0.02)


def query(port, expr):
    """(status, result list or error text) of an instant query."""
    status, body = get(port, "/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
    data = json.loads(body)
    if status != 200 or data.get("status") != "success":
        return "error", data.get("error", body)
    return "success", data["data"]["result"]


def dashboard_queries():
    """(panel title, PromQL) of every dashboard target and variable, variables substituted."""
    board = json.loads(DASHBOARD.read_text())
    out = []

    def walk(panels):
        for p in panels:
            out.extend((p["title"], t["expr"]) for t in p.get("targets", []))
            walk(p.get("panels", []))

    walk(board["panels"])
    for var in board["templating"]["list"]:
        m = re.fullmatch(r"label_values\((.+), \w+\)", var.get("definition", ""))
        if m:
            out.append((f"variable {var['name']}", m.group(1)))
    substituted = []
    for title, expr in out:
        for name, value in DASHBOARD_VARIABLES.items():
            expr = expr.replace(name, value)
        substituted.append((title, expr))
    return substituted


def main():
    if shutil.which("prometheus") is None:
        print("skipped: prometheus is not installed (scripts/setup.sh)")
        return 77
    tmp = tempfile.mkdtemp(prefix="acgs-prometheus-")
    procs = Processes(tmp)
    stop = threading.Event()
    clients = []
    try:
        replica = start_replica(procs, os.path.abspath(sys.argv[1]), tmp)
        prom = start_prometheus(procs, tmp, replica)
        clients = [threading.Thread(target=traffic, args=(replica, stop)) for _ in range(3)]
        for c in clients:
            c.start()

        _, body = get(prom, "/api/v1/rules")
        rules = [r for g in json.loads(body)["data"]["groups"] for r in g["rules"]]
        assert len(rules) == 14, f"expected the 14 rules of {RULES.name}, Prometheus loaded {len(rules)}"
        checks = [(f"{r['type']} {r.get('name')}", r["query"], r.get("name") not in NO_DATA_WITHOUT_5XX)
                  for r in rules]
        checks += [(f"panel {t}", e, not GPU_METRIC.search(e)) for t, e in dashboard_queries()]

        # Rules need a few evaluations and the 1 s rates two scrapes: retry until everything answers.
        deadline = time.monotonic() + DEADLINE_S
        while True:
            problems = []
            for what, expr, needs_data in checks:
                status, result = query(prom, expr)
                if status != "success":
                    problems.append(f"{what}: does not evaluate: {result}\n    {expr}")
                elif needs_data and not result:
                    problems.append(f"{what}: no data\n    {expr}")
            _, body = get(prom, "/api/v1/rules")
            for g in json.loads(body)["data"]["groups"]:
                for r in g["rules"]:
                    if r["health"] == "err":
                        problems.append(f"rule {r['name']}: {r.get('lastError')}")
            if not problems or time.monotonic() > deadline:
                break
            time.sleep(2)
        for p in problems:
            print("FAIL", p)
        if problems:
            print(procs.log("prometheus")[-3000:])
        print(f"{len(checks)} expressions ({len(rules)} rules, {len(checks) - len(rules)} dashboard queries): "
              f"{len(checks) - len(problems)} ok")
        return 1 if problems else 0
    finally:
        stop.set()
        for c in clients:
            c.join()
        procs.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
