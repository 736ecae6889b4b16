#!/usr/bin/env python3
"""Issue 24's acceptance against the real binary, on loopback, bounded in time.

1. 300 slowloris connections (headers of a POST /embed with Content-Length: 1000, then one byte every
   1.5 s) held for HOLD seconds while a well-behaved client times /health and /embed.
2. 10,000 idle connections (connect, send nothing) held while the same client times the same requests;
   connections refused with 503 are counted.
3. The server's thread count and RSS before and after (after the deadlines have closed everything).
usage: hostile.py ACGS_INFER MODEL_DIR [HOLD_SECONDS=6]
"""
import http.client
import json
import os
import resource
import socket
import subprocess
import sys
import threading
import time

binary, model = sys.argv[1], sys.argv[2]
hold = float(sys.argv[3]) if len(sys.argv) > 3 else 6.0
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 20000), hard))

server = subprocess.Popen([binary, "serve", "--model", model, "--backend", "reference", "--port", "0",
                           "--no-access-log"], stderr=subprocess.PIPE, text=True)
port = None
for line in server.stderr:
    if '"listening"' in line:
        port = int(json.loads(line)["url"].rsplit(":", 1)[1])
    if '"ready"' in line:
        break
threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()


def proc_status():
    fields = dict(l.split(":", 1) for l in open(f"/proc/{server.pid}/status"))
    return int(fields["Threads"]), int(fields["VmRSS"].split()[0]) // 1024


def probe(n=10):
    """Worst latency (ms) of n /health + /embed pairs from a fresh well-behaved client, and failures."""
    worst, failed = 0.0, 0
    for _ in range(n):
        for method, path, body in (("GET", "/health", None), ("POST", "/embed", '{"inputs":"hello"}')):
            t0 = time.monotonic()
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request(method, path, body, {"Content-Type": "application/json"})
                status = c.getresponse().status
                c.close()
                failed += status != 200
            except OSError:
                failed += 1
            worst = max(worst, (time.monotonic() - t0) * 1000)
        time.sleep(0.05)
    return worst, failed


def settle(expect_threads):
    for _ in range(200):
        if proc_status()[0] == expect_threads:
            break
        time.sleep(0.05)


# warm-up traffic, then the baseline
probe(20)
threads0, rss0 = proc_status()
print(f"before: {threads0} threads, RSS {rss0} MiB")

slow = []
for _ in range(300):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /embed HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
    slow.append(s)
stop = time.monotonic() + hold
worst, failed = 0.0, 0
while time.monotonic() < stop:
    for s in slow:
        try:
            s.send(b"a")
        except OSError:
            pass
    w, f = probe(3)
    worst, failed = max(worst, w), failed + f
    time.sleep(1.5)
print(f"300 slowloris held {hold:.0f}s: worst /health|/embed {worst:.1f} ms, failures {failed}, "
      f"server threads {proc_status()[0]}")
for s in slow:
    s.close()

idle, refused = [], 0
for _ in range(10000):
    try:
        idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
    except OSError:
        refused += 1
worst, failed = probe(10)
threads_mid, rss_mid = proc_status()
for s in idle:
    s.setblocking(False)
    try:
        if s.recv(12).startswith(b"HTTP/1.1 503"):
            refused += 1
    except OSError:
        pass
print(f"10000 idle connections: worst /health|/embed {worst:.1f} ms, failures {failed}, refused {refused}, "
      f"server threads {threads_mid}, RSS {rss_mid} MiB")
for s in idle:
    s.close()
time.sleep(1.0)
probe(20)
time.sleep(1.0)  # the last probe's connection closes too
settle(threads0)
threads1, rss1 = proc_status()
print(f"after: {threads1} threads, RSS {rss1} MiB (before: {threads0} threads, RSS {rss0} MiB)")
server.terminate()
server.wait(timeout=30)
