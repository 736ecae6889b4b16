#!/usr/bin/env python3
"""Scale-out test: nginx round-robins over two `acgs-infer serve --state redis://…` replicas sharing one
Redis. Hermetic: redis-server, nginx and the replicas run as the current user on free loopback ports out of a
temp directory, and are stopped (by pid) at the end.

  1. 300 messages from one agent, sent one at a time through nginx (so both replicas serve them), get
     exactly the volume and drift factors (and the same semantic factor) as a single in-memory replica
     given the same sequence.
  2. Redis is stopped and started again while messages keep flowing: every request still answers 200,
     /health and acgs2_state_degraded_scorings_total show the degraded scoring, and both replicas go back
     to Redis once it is up.

Usage: scale_out_test.py BUILD/acgs-infer   (exit 77 = skipped: redis-server or nginx not installed)
"""
import http.client
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "testing"))
from procs import Processes, free_port, wait_for  # noqa: E402

SOURCE = os.path.dirname(os.path.abspath(__file__))
TEXTS = [  # keyword counts 0, 1, 3 and 5+ give semantic 0.1 / 0.5 / 0.8 / 1.0, so drift moves
    "routine cache refresh for the profile service",
    "security review scheduled for tomorrow",
    "unauthorized transfer flagged by the audit of the payment system",
    "critical security breach: suspicious unauthorized transaction, attack on consensus, emergency alert",
    "health check ok",
    "policy update for compliance",
]


def request(port, method, path, body=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body),
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, r.read().decode(), dict(r.getheaders())
    finally:
        conn.close()


def message(agent, i):
    return {"message": {"content": TEXTS[(i * i + i // 3) % len(TEXTS)], "from_agent": agent,
                        "message_type": "command" if i % 4 == 0 else "notification"}}


class Stack:
    """The processes of one test run, all under one temp directory."""

    def __init__(self, binary, tmp):
        self.binary, self.tmp, self.procs = binary, tmp, Processes(tmp)
        self.model = os.path.join(tmp, "model")
        subprocess.run([binary, "synth", "--preset", "tiny", "--seed", "7", "--out", self.model], check=True,
                       stdout=subprocess.DEVNULL)
        self.redis_port = free_port()

    def spawn(self, name, args):
        self.procs.spawn(name, args)

    def stop(self, name):
        self.procs.stop(name)

    def start_redis(self):
        self.spawn("redis", ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", self.tmp, "--daemonize", "no"])
        wait_for("redis-server", lambda: subprocess.run(
            ["redis-cli", "-p", str(self.redis_port), "ping"], capture_output=True, text=True).stdout.strip() == "PONG",
            10)

    def redis(self, *args):
        return subprocess.run(["redis-cli", "-p", str(self.redis_port), *args], capture_output=True, text=True,
                              check=True).stdout.strip()

    def start_replica(self, name, state):
        port = free_port()
        self.spawn(name, [self.binary, "serve", "--model", self.model, "--backend", "reference", "--threads", "1",
                          "--port", str(port), "--state", state, "--no-access-log"])
        wait_for(name, lambda: request(port, "GET", "/health")[0] == 200, 60)
        return port

    def start_nginx(self, replica_ports):
        port = free_port()
        # As root, nginx would run its workers as nobody, who cannot read this private directory.
        user = pwd.getpwuid(os.getuid()).pw_name
        with open(os.path.join(SOURCE, "scale_out_nginx.conf.in")) as f:
            conf = (f.read().replace("@DIR@", self.tmp).replace("@PORT@", str(port))
                    .replace("@REPLICA_A@", str(replica_ports[0])).replace("@REPLICA_B@", str(replica_ports[1]))
                    .replace("@USER@", f"user {user};" if os.geteuid() == 0 else ""))
        path = os.path.join(self.tmp, "nginx.conf")
        with open(path, "w") as f:
            f.write(conf)
        self.spawn("nginx", ["nginx", "-p", self.tmp, "-c", path, "-e", os.path.join(self.tmp, "nginx_error.log")])
        wait_for("nginx", lambda: request(port, "GET", "/health")[0] == 200, 10)
        return port

    def close(self):
        self.procs.close()


def score(port, body):
    status, text, headers = request(port, "POST", "/v1/score", body)
    assert status == 200, f"/v1/score answered {status}: {text}"
    return json.loads(text), headers.get("X-Upstream", "")


def degraded_count(port):
    _, text, _ = request(port, "GET", "/metrics")
    for line in text.splitlines():
        if line.startswith("acgs2_state_degraded_scorings_total "):
            return float(line.split()[1])
    raise AssertionError("acgs2_state_degraded_scorings_total missing from /metrics")


def test_shared_state(stack, lb, reference):
    upstreams = {}
    for i in range(300):
        body = message("flooder", i)
        got, upstream = score(lb, body)
        want, _ = score(reference, body)
        upstreams[upstream] = upstreams.get(upstream, 0) + 1
        for factor in ("volume", "drift", "semantic"):
            assert got["factors"][factor] == want["factors"][factor], (
                f"message {i}: {factor} {got['factors'][factor]} via {upstream}, "
                f"{want['factors'][factor]} from the in-memory scorer")
    assert len(upstreams) == 2 and min(upstreams.values()) == 150, f"nginx spread: {upstreams}"
    assert stack.redis("GET", "acgs:agent:{flooder}:n") == "300"
    print(f"shared state: 300 messages over {upstreams}, volume/drift/semantic identical to in-memory")


def test_redis_restart(stack, lb, replicas):
    statuses, degraded_seen = [], False
    for i in range(400):
        if i == 60:
            stack.stop("redis")
        if 60 <= i < 120 and i % 10 == 9:
            health = [json.loads(request(p, "GET", "/health")[1]) for p in replicas]
            degraded_seen |= all(h["status"] == "degraded" and h["state"]["degraded"] for h in health)
        if i == 120:
            stack.start_redis()
        status, text, _ = request(lb, "POST", "/v1/score", message("survivor", i))
        statuses.append(status)
        assert status == 200, f"message {i} failed with {status} while Redis restarted: {text}"
        if i > 120 and all(json.loads(request(p, "GET", "/health")[1])["status"] == "ok" for p in replicas):
            break
        time.sleep(0.02)
    assert degraded_seen, "/health never reported degraded state on both replicas while Redis was down"
    counts = [degraded_count(p) for p in replicas]
    assert all(c > 0 for c in counts), f"degraded scorings per replica: {counts}"
    assert all(json.loads(request(p, "GET", "/health")[1])["status"] == "ok" for p in replicas), \
        "the replicas did not go back to Redis after it restarted"
    before = int(stack.redis("GET", "acgs:agent:{survivor}:n") or 0)
    for i in range(4):
        score(lb, message("survivor", 1000 + i))
    assert int(stack.redis("GET", "acgs:agent:{survivor}:n")) == before + 4, "scoring did not resume in Redis"
    print(f"redis restart: {len(statuses)} requests, all 200; degraded scorings per replica {counts}; recovered")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    missing = [tool for tool in ("redis-server", "redis-cli", "nginx") if shutil.which(tool) is None]
    if missing:
        print(f"skipped: {' '.join(missing)} not installed (scripts/setup.sh installs them)")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="acgs_scale_out_")
    stack = Stack(os.path.abspath(sys.argv[1]), tmp)
    ok = False
    try:
        stack.start_redis()
        url = f"redis://127.0.0.1:{stack.redis_port}/0"
        replicas = [stack.start_replica("replica_a", url), stack.start_replica("replica_b", url)]
        reference = stack.start_replica("in_memory", "memory")
        lb = stack.start_nginx(replicas)
        test_shared_state(stack, lb, reference)
        test_redis_restart(stack, lb, replicas)
        ok = True
    finally:
        stack.close()
        if ok:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"logs kept in {tmp}", file=sys.stderr)


if __name__ == "__main__":
    main()
