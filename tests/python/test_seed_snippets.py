"""The ACGS-2 seed's own usage examples, run as written with only the import changed, and its one-shot
optimize_distilbert(), on the default model (distilbert-base-uncased's shapes). ctest points ACGS_HOME
into the build tree, so the default model is synthesized once."""
import textwrap

import numpy as np

# tensorrt_optimizer.py's module docstring; `text` is the one name the snippet leaves undefined.
OPTIMIZER_SNIPPET = """
from acgs_infer import TensorRTOptimizer

optimizer = TensorRTOptimizer("distilbert-base-uncased")
optimizer.export_onnx()  # First export to ONNX
optimizer.convert_to_tensorrt()  # Then convert to TensorRT

# Use optimized inference
embeddings = optimizer.infer(text)
"""

# impact_scorer.py's batch_score_impact docstring example.
SCORER_SNIPPET = """
from acgs_infer import ImpactScorer

scorer = ImpactScorer()
messages = [
    {"content": "critical security alert"},
    {"content": "normal status check"},
]
scores = scorer.batch_score_impact(messages)
"""


def test_optimizer_snippet():
    scope = {"text": "Critical security breach detected in blockchain consensus layer"}
    exec(textwrap.dedent(OPTIMIZER_SNIPPET), scope)
    optimizer, embeddings = scope["optimizer"], scope["embeddings"]
    assert embeddings.shape == (1, 768) and embeddings.dtype == np.float32 and np.isfinite(embeddings).all()
    assert optimizer.onnx_path.is_file() and optimizer.status["onnx_exported"] is True
    assert optimizer.status["active_backend"] != "none"


def test_scorer_snippet():
    scope = {}
    exec(textwrap.dedent(SCORER_SNIPPET), scope)
    scores = scope["scores"]
    assert len(scores) == 2 and all(0.0 <= s <= 1.0 for s in scores)
    assert scores[0] > scores[1]  # three keywords against none
    assert scope["scorer"].backend != "heuristic"


def test_optimize_distilbert_one_shot():
    from acgs_infer import optimize_distilbert
    from acgs_infer import tensorrt_optimizer

    results = optimize_distilbert()
    gpu = tensorrt_optimizer.TENSORRT_AVAILABLE
    assert results["steps_completed"] == ["onnx_export"] + (["tensorrt_convert"] if gpu else []) + ["benchmark"]
    assert ("tensorrt_skipped" in results) is not gpu
    assert results["benchmark"]["num_samples"] == 50
    assert results["active_backend"] == results["final_status"]["active_backend"] != "none"
    assert results["initial_status"]["active_backend"] == "none"
