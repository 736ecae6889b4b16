"""Helpers for scripts that start local servers (tests/server/scale_out_test.py,
tests/deploy/prometheus_live_test.py, bench/state_latency.py)."""
import os
import socket
import subprocess
import time


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, predicate, seconds):
    """Polls predicate() every 50 ms until it is true; connection errors count as "not yet".
    Raises TimeoutError naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not come up within {seconds} s")


class Processes:
    """Named child processes, each logging to TMP/NAME.log; stopped politely (SIGTERM, then SIGKILL after 20 s)
    so a server under test drains and a hung one still goes away."""

    def __init__(self, tmp):
        self.tmp, self.procs = tmp, {}

    def spawn(self, name, args):
        with open(os.path.join(self.tmp, name + ".log"), "w") as log:
            self.procs[name] = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=self.tmp)

    def log(self, name):
        with open(os.path.join(self.tmp, name + ".log")) as f:
            return f.read()

    def stop(self, name):
        p = self.procs.pop(name, None)
        if p is None:
            return
        p.terminate()
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def close(self):
        for name in list(self.procs):
            self.stop(name)
