"""export_onnx(): our C++ exporter (no PyTorch), checked by the onnx checker, by our importer, and against
ONNX Runtime as the oracle when the npm oracle is installed."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import acgs_infer
from conftest import TEXTS, cli_embeddings, run_cli

SOURCE_DIR = Path(os.environ.get("ACGS_SOURCE_DIR", Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="module")
def exported(tiny_model, tmp_path_factory):
    opt = acgs_infer.TensorRTOptimizer(tiny_model, cache_dir=tmp_path_factory.mktemp("cache"))
    assert opt.status["onnx_exported"] is False
    path = opt.export_onnx()
    assert path == opt.onnx_path and path.is_file()
    assert opt.status["onnx_exported"] is True
    return opt


def test_graph_is_valid_opset_14_with_dynamic_axes(exported):
    onnx = pytest.importorskip("onnx")  # python3-onnx, a test-only dependency
    model = onnx.load(str(exported.onnx_path))
    onnx.checker.check_model(model, full_check=True)
    assert [(o.domain, o.version) for o in model.opset_import] == [("", 14)]
    inputs = {i.name: [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim] for i in model.graph.input}
    assert inputs == {"input_ids": ["batch_size", "sequence_length"],
                      "attention_mask": ["batch_size", "sequence_length"]}
    out = model.graph.output[0]
    assert out.name == "last_hidden_state"
    assert [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim] == ["batch_size", "sequence_length", 64]


def test_onnx_engine_equals_the_source_model(exported, tiny_model, monkeypatch):
    monkeypatch.setenv("ACGS_BACKEND", "cpu")  # both sides on one backend, also where a GPU is present
    assert exported.load_onnx_runtime() is True
    assert exported.status["active_backend"] != "none"
    from_onnx = exported.infer(TEXTS)
    np.testing.assert_array_equal(from_onnx, cli_embeddings(tiny_model, TEXTS))
    np.testing.assert_array_equal(from_onnx, cli_embeddings(str(exported.onnx_path), TEXTS))


def test_existing_export_is_kept_unless_forced(exported):
    before = exported.onnx_path.stat().st_mtime_ns
    assert exported.export_onnx() == exported.onnx_path
    assert exported.onnx_path.stat().st_mtime_ns == before
    exported.export_onnx(force=True)
    assert exported.onnx_path.stat().st_mtime_ns >= before


def test_unwritable_destination_is_a_value_error(tiny_model, tmp_path):
    with pytest.raises(ValueError, match="cannot write the ONNX model"):
        acgs_infer._core.export_onnx(tiny_model, str(tmp_path / "missing-dir" / "m.onnx"))


def test_converted_back_is_the_same_model(exported, tiny_model, tmp_path):
    run_cli("convert", "--model", str(exported.onnx_path), "--out", str(tmp_path / "back"))
    assert (tmp_path / "back" / "model.safetensors").read_bytes() == (Path(tiny_model) / "model.safetensors").read_bytes()


ORT = SOURCE_DIR / "tools" / "oracle" / "ort_run.js"


@pytest.mark.skipif(shutil.which("node") is None or not (ORT.parent / "node_modules" / "onnxruntime-node").is_dir(),
                    reason="the ONNX Runtime oracle (scripts/setup.sh installs it) is not installed")
@pytest.mark.parametrize("pad_to", [0, 200])
def test_onnx_runtime_computes_what_our_engine_computes(exported, tiny_model, pad_to):
    # pad_to 200 pads every text with masked tokens, so the graph's attention mask is exercised too.
    stdin = "".join(json.dumps({"text": t}) + "\n" for t in TEXTS)
    tokenized = run_cli("tokenize", "--model", tiny_model, "--max-length", "128", stdin=stdin)
    ids = [json.loads(line)["ids"] for line in tokenized.splitlines()]
    ort = subprocess.run(["node", str(ORT), "--model", str(exported.onnx_path), "--pad-to", str(pad_to)],
                         input="\n".join(map(json.dumps, ids)), capture_output=True, text=True, check=True,
                         cwd=ORT.parent)
    ours = run_cli("embed", "--model", tiny_model, "--output", "hidden", stdin=stdin).splitlines()
    assert len(ort.stdout.splitlines()) == len(ours) == len(TEXTS)
    for ort_line, our_line in zip(ort.stdout.splitlines(), ours):
        np.testing.assert_allclose(np.array(json.loads(ort_line)["last_hidden_state"]),
                                   np.array(json.loads(our_line)["hidden"]), atol=1e-4)
