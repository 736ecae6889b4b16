"""Issue 23 through the Python module: BERT / sentence-transformers presets in acgs_infer._core.Engine, against
the PyTorch oracle (tools/oracle/torch_reference.py, HF BertModel plus the directory's declared pooling) on the
ids `acgs-infer tokenize` gives. Engine.embed() without arguments must pool, normalize and truncate as the
model's files say. Gates: reference <= 1e-4, cpu <= 1e-3, cpu-int8 cosine >= 0.999."""
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import acgs_infer
from conftest import BINARY_DIR, TEXTS, run_cli

SOURCE_DIR = Path(os.environ.get("ACGS_SOURCE_DIR", "."))
PRESETS = {"minilm-l6": 256, "bge-small": 512}  # preset -> its sentence_bert_config.json max_seq_length
TEXTS_LONG = TEXTS + ["word " * 400]  # past minilm-l6's 256 tokens


@pytest.fixture(scope="module", params=sorted(PRESETS))
def preset(request, tmp_path_factory):
    """(model dir, PyTorch pooled vectors) of one preset."""
    name = request.param
    out = tmp_path_factory.mktemp("bert") / name
    run_cli("synth", "--preset", name, "--seed", "5", "--out", str(out))
    stdin = "".join(json.dumps({"text": t}) + "\n" for t in TEXTS_LONG)
    ids = run_cli("tokenize", "--model", str(out), "--max-length", str(PRESETS[name]), stdin=stdin)
    (out / "ids.jsonl").write_text(ids)
    torch_out = out / "torch.jsonl"
    subprocess.run(["/usr/bin/python3", str(SOURCE_DIR / "tools/oracle/torch_reference.py"), "--model", str(out),
                    "--input", str(out / "ids.jsonl"), "--output", str(torch_out), "--dtype", "float32",
                    "--mode", "padded"], check=True)
    pooled = np.array([json.loads(line)["pooled"] for line in torch_out.read_text().splitlines()])
    return str(out), pooled


@pytest.mark.parametrize("backend,gate", [("reference", 1e-4), ("cpu", 1e-3)])
def test_engine_embed_defaults_match_pytorch(preset, backend, gate):
    model, want = preset
    got = acgs_infer._core.Engine(model, backend=backend).embed(TEXTS_LONG)
    assert got.shape == want.shape
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)  # both presets declare Normalize
    assert np.abs(got - want).max() <= gate


def test_int8_cosine(preset):
    model, want = preset
    got = acgs_infer._core.Engine(model, backend="cpu-int8").embed(TEXTS_LONG).astype(np.float64)
    cos = (got * want).sum(axis=1) / np.linalg.norm(got, axis=1) / np.linalg.norm(want, axis=1)
    assert cos.min() >= 0.999


def test_explicit_arguments_override_the_model(preset):
    model, _ = preset
    engine = acgs_infer._core.Engine(model, backend="reference")
    raw = engine.embed(TEXTS[:2], normalize=False, pooling="max", max_length=16)
    assert np.abs(np.linalg.norm(raw, axis=1) - 1.0).min() > 1e-3
    with pytest.raises(ValueError, match="pooling"):
        engine.embed(TEXTS[:1], pooling="sum")


@pytest.mark.parametrize("backend,gate", [("reference", 1e-4), ("cpu", 1e-3)])
def test_server_embeddings_match_pytorch(preset, backend, gate, tmp_path):
    """POST /embed (TEI) and /v1/embeddings (OpenAI) on `serve`: the model's pooling, against PyTorch. Texts
    stay under the server's 128-token default input limit."""
    import http.client
    import socket
    import time

    model, want = preset
    short = [t for t in TEXTS if len(t) < 200]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path / "serve.log", "w")
    server = subprocess.Popen([str(BINARY_DIR / "acgs-infer"), "serve", "--model", model, "--backend", backend,
                               "--threads", "1", "--port", str(port), "--no-access-log"], stdout=log,
                              stderr=subprocess.STDOUT)

    def post(path, body):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())

    try:
        for _ in range(600):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/health")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        rows = [i for i, t in enumerate(TEXTS_LONG) if t in short]
        status, tei = post("/embed", {"inputs": short})
        assert status == 200, tei
        assert np.abs(np.array(tei) - want[rows]).max() <= gate
        status, openai = post("/v1/embeddings", {"input": short})
        assert status == 200, openai
        assert np.abs(np.array([d["embedding"] for d in openai["data"]]) - want[rows]).max() <= gate
    finally:
        server.terminate()
        server.wait(timeout=20)
