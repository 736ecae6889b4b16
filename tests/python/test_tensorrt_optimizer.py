"""TensorRTOptimizer against the seed's contract and the CLI's numbers."""
import threading
import sys
import time

import numpy as np
import pytest

import acgs_infer
from acgs_infer import tensorrt_optimizer
from conftest import TEXTS, cli_embeddings

SEED_STATUS_KEYS = {
    "onnx_exported", "tensorrt_ready", "active_backend", "torch_available", "onnx_available",
    "tensorrt_available", "model_name", "max_seq_length", "use_fp16",
}


def test_status_before_anything_is_loaded(tiny_model, tmp_path):
    opt = acgs_infer.TensorRTOptimizer(tiny_model, max_seq_length=64, use_fp16=False, cache_dir=tmp_path)
    status = opt.status
    assert set(status) == SEED_STATUS_KEYS
    assert status["onnx_exported"] is False
    assert status["tensorrt_ready"] is False
    assert status["active_backend"] == "none"
    assert status["torch_available"] is False
    assert status["onnx_available"] is True
    assert status["tensorrt_available"] is tensorrt_optimizer.TENSORRT_AVAILABLE
    assert (status["model_name"], status["max_seq_length"], status["use_fp16"]) == (tiny_model, 64, False)
    assert opt.onnx_path == tmp_path / f"{opt.model_id}.onnx"
    assert opt.trt_path == tmp_path / f"{opt.model_id}.plan"
    assert opt.load_onnx_runtime() is False  # nothing exported yet
    assert opt.load_tensorrt_engine() is False  # no plan built yet
    assert opt.status["active_backend"] == "none"
    assert opt.engine_status() == {}


def test_model_is_named_by_either_keyword(tiny_model, tmp_path):
    by_issue = acgs_infer.TensorRTOptimizer(model_name_or_path=tiny_model, cache_dir=tmp_path)
    by_seed = acgs_infer.TensorRTOptimizer(model_name=tiny_model, cache_dir=tmp_path)
    assert by_issue.status["model_name"] == by_seed.status["model_name"] == tiny_model
    with pytest.raises(ValueError, match="name different models"):
        acgs_infer.TensorRTOptimizer(model_name_or_path=str(tmp_path / "other"), model_name=tiny_model)


def test_module_status_is_the_default_optimizers(tmp_path, monkeypatch):
    monkeypatch.setenv("ACGS_HOME", str(tmp_path))
    status = acgs_infer.get_optimization_status()
    assert set(status) == SEED_STATUS_KEYS
    assert status["model_name"] == "distilbert-base-uncased"
    assert status["active_backend"] == "none"
    assert (tmp_path / "optimized_models").is_dir()


def test_infer_equals_cli_embed(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("ACGS_BACKEND", "cpu")  # both sides on one backend, also where a GPU is present
    opt = acgs_infer.TensorRTOptimizer(tiny_model, cache_dir=tmp_path)
    got = opt.infer(TEXTS)
    assert got.dtype == np.float32 and got.shape == (len(TEXTS), 64)
    np.testing.assert_array_equal(got, cli_embeddings(tiny_model, TEXTS))
    assert opt.status["active_backend"] == "cpu"
    engine = opt.engine_status()
    assert engine["active_backend"] == "cpu" and engine["constitutional_hash"] == acgs_infer.CONSTITUTIONAL_HASH
    assert [b["name"] for b in engine["backends"]] == ["cuda-fp16", "cuda-fp32", "cpu-int8", "cpu", "reference"]


def test_infer_one_text_is_one_row(tiny_model, tmp_path):
    opt = acgs_infer.TensorRTOptimizer(tiny_model, cache_dir=tmp_path)
    one = opt.infer(TEXTS[0])
    assert one.shape == (1, 64)
    np.testing.assert_array_equal(one[0], opt.infer(TEXTS)[0])


def test_max_seq_length_truncates_like_the_cli(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("ACGS_BACKEND", "cpu")
    opt = acgs_infer.TensorRTOptimizer(tiny_model, max_seq_length=16, cache_dir=tmp_path)
    np.testing.assert_array_equal(opt.infer(TEXTS), cli_embeddings(tiny_model, TEXTS, "--max-length", "16"))


def test_benchmark_returns_the_seed_dict(tiny_model, tmp_path):
    result = acgs_infer.TensorRTOptimizer(tiny_model, cache_dir=tmp_path).benchmark(num_samples=8)
    assert set(result) == {"backend", "num_samples", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms",
                           "latency_mean_ms", "latency_min_ms", "latency_max_ms"}
    assert result["num_samples"] == 8
    assert result["backend"] != "none"
    assert 0 < result["latency_min_ms"] <= result["latency_p50_ms"] <= result["latency_max_ms"]


@pytest.mark.skipif(tensorrt_optimizer.TENSORRT_AVAILABLE, reason="a usable GPU is present")
def test_no_plan_without_a_gpu(tiny_model, tmp_path):
    opt = acgs_infer.TensorRTOptimizer(tiny_model, cache_dir=tmp_path)
    assert opt.convert_to_tensorrt() is None
    assert opt.load_tensorrt_engine() is False
    assert opt.status["tensorrt_ready"] is False
    assert opt.status["active_backend"] == "none"


@pytest.mark.skipif(not tensorrt_optimizer.TENSORRT_AVAILABLE, reason="needs a usable GPU")
def test_plan_on_a_gpu(tiny_model, tmp_path):
    opt = acgs_infer.TensorRTOptimizer(tiny_model, cache_dir=tmp_path)
    assert opt.convert_to_tensorrt() == opt.trt_path and opt.trt_path.is_file()
    assert opt.convert_to_tensorrt() == opt.trt_path  # valid: kept
    assert opt.load_tensorrt_engine() is True
    assert opt.status["active_backend"] == "cuda-fp16" and opt.status["tensorrt_ready"] is True
    np.testing.assert_allclose(opt.infer(TEXTS), cli_embeddings(tiny_model, TEXTS, "--backend", "cpu"), atol=2e-2)


def test_unknown_model_name_says_why(tmp_path):
    with pytest.raises(acgs_infer.ModelError, match="does not download from the Hugging Face Hub"):
        acgs_infer.TensorRTOptimizer("bert-large-cased", cache_dir=tmp_path)


def test_broken_model_directory_is_a_model_error(tmp_path):
    (tmp_path / "model").mkdir()
    opt = acgs_infer.TensorRTOptimizer(str(tmp_path / "model"), cache_dir=tmp_path)
    with pytest.raises(acgs_infer.ModelError, match="config.json"):
        opt.infer("text")
    assert isinstance(acgs_infer.ModelError("x"), ValueError)


def test_bad_arguments_are_python_errors(tiny_model, tmp_path):
    with pytest.raises(ValueError, match="max_seq_length"):
        acgs_infer.TensorRTOptimizer(tiny_model, max_seq_length=1, cache_dir=tmp_path)
    opt = acgs_infer.TensorRTOptimizer(tiny_model, max_seq_length=1000, cache_dir=tmp_path)
    with pytest.raises(ValueError, match="max_length 1000 is outside"):
        opt.infer("text")
    opt = acgs_infer.TensorRTOptimizer(tiny_model, cache_dir=tmp_path)
    with pytest.raises(TypeError, match="item 1 is int"):
        opt.infer(["text", 3])
    with pytest.raises(ValueError, match="num_samples"):
        opt.benchmark(num_samples=0)


@pytest.mark.skipif(tensorrt_optimizer.TENSORRT_AVAILABLE, reason="a usable GPU is present")
def test_unavailable_backend_is_an_unavailable_error(tiny_model):
    with pytest.raises(acgs_infer.UnavailableError, match="cuda-fp32 backend unavailable"):
        acgs_infer._core.Engine(tiny_model, backend="cuda-fp32")
    assert isinstance(acgs_infer.UnavailableError("x"), RuntimeError)


def test_unknown_backend_is_a_value_error(tiny_model):
    with pytest.raises(ValueError, match="unknown backend 'gpu'"):
        acgs_infer._core.Engine(tiny_model, backend="gpu")


def test_inference_releases_the_gil(tiny_model, tmp_path):
    # With a 10 s switch interval a thread only yields the GIL by blocking or releasing it, so the main
    # thread can record ticks during embed() only if embed() released the GIL.
    opt = acgs_infer.TensorRTOptimizer(tiny_model, cache_dir=tmp_path)
    opt.infer("warm up")
    texts = [f"message number {i} about governance policy" for i in range(3000)]
    window = {}

    def work():
        window["start"] = time.perf_counter()
        opt.infer(texts)
        window["end"] = time.perf_counter()

    old = sys.getswitchinterval()
    sys.setswitchinterval(10)
    try:
        ticks = []
        worker = threading.Thread(target=work)
        worker.start()
        while worker.is_alive():
            ticks.append(time.perf_counter())
            time.sleep(0.001)
        worker.join()
    finally:
        sys.setswitchinterval(old)
    inside = [t for t in ticks if window["start"] < t < window["end"]]
    assert len(inside) >= 3, f"{len(inside)} ticks during {window['end'] - window['start']:.3f} s of inference"
