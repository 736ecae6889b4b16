"""Fixtures for the acgs_infer tests: the built CLI (to compare against) and a tiny synthetic model.

ctest runs these with PYTHONPATH=<build>/python and ACGS_BINARY_DIR=<build> (tests/python/CMakeLists.txt).
"""
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

BINARY_DIR = Path(os.environ.get("ACGS_BINARY_DIR", "build"))
CLI = BINARY_DIR / "acgs-infer"

TEXTS = [
    "Critical security breach detected in blockchain consensus layer",
    "Standard health check request",
    "Unauthorized financial transfer attempt blocked",
    "héllo wörld, naïve café — ünïcode",
    "",
    "a " * 300,  # longer than 128 tokens: truncated
]


def run_cli(*args: str, stdin: str = "") -> str:
    result = subprocess.run([str(CLI), *args], input=stdin, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"acgs-infer {' '.join(args)} failed: {result.stderr}"
    return result.stdout


def cli_embeddings(model: str, texts, *extra: str) -> np.ndarray:
    stdin = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    lines = run_cli("embed", "--model", model, *extra, stdin=stdin).splitlines()
    return np.array([json.loads(line)["embedding"] for line in lines], dtype=np.float32)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    """synth --preset tiny: the default model's vocabulary and positions, 64-wide and 2 layers."""
    out = tmp_path_factory.mktemp("models") / "tiny"
    run_cli("synth", "--preset", "tiny", "--seed", "7", "--out", str(out))
    return str(out)
