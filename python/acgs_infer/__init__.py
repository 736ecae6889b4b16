"""acgs_infer: the ACGS-2 impact scorer's DistilBERT inference, backed by the acgs-infer C++ engine.

A drop-in for ACGS-2's ``deliberation_layer.tensorrt_optimizer`` and ``deliberation_layer.impact_scorer``:
change the import, keep the calls. Nothing here needs PyTorch, transformers or onnxruntime.

    from acgs_infer import TensorRTOptimizer, get_optimization_status, ImpactScorer
"""
import os
from pathlib import Path

_HERE = Path(__file__).resolve().parent
# An installed package carries the tokenizer data and (when built) the CUDA plugin beside this file; the
# engine finds them through these variables unless the caller set them. The build tree needs neither.
if (_HERE / "data").is_dir():
    os.environ.setdefault("ACGS_DATA_DIR", str(_HERE / "data"))
if (_HERE / "libacgs_cuda.so").is_file():
    os.environ.setdefault("ACGS_CUDA_PLUGIN", str(_HERE / "libacgs_cuda.so"))

from ._core import ModelError, UnavailableError  # noqa: E402
from .impact_scorer import (  # noqa: E402
    ImpactAnalysis,
    ImpactScorer,
    ScoringConfig,
    calculate_message_impact,
    get_impact_scorer,
    reset_impact_scorer,
)
from .tensorrt_optimizer import TensorRTOptimizer, get_optimization_status, optimize_distilbert  # noqa: E402

CONSTITUTIONAL_HASH = "cdd01ef066bc6cf2"

__all__ = [
    "CONSTITUTIONAL_HASH",
    "ImpactAnalysis",
    "ImpactScorer",
    "ModelError",
    "ScoringConfig",
    "TensorRTOptimizer",
    "UnavailableError",
    "calculate_message_impact",
    "get_impact_scorer",
    "get_optimization_status",
    "optimize_distilbert",
    "reset_impact_scorer",
]
