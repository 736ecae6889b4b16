"""ACGS-2's tensorrt_optimizer (TensorRTOptimizer, get_optimization_status, optimize_distilbert) on the
acgs-infer engine. Same names, arguments, dict keys and return types as the seed; what its words mean here:

- "tensorrt" is our CUDA engine plan (what ``acgs-infer optimize`` writes): cuBLASLt GEMM algorithms
  autotuned for this GPU and model, with the packed weights. ``trt_path`` is that file; its extension is
  .plan, so a TensorRT engine the seed left in the same folder is never mistaken for one.
  ``tensorrt_available``: the CUDA plugin runs on a usable GPU here. ``tensorrt_ready``: the plan file
  exists (as in the seed; convert_to_tensorrt() and the engine check it against the model and GPU).
- "onnx" is the ONNX file our exporter writes from the engine's weights (opset 14, dynamic batch and
  sequence axes), which ``load_onnx_runtime()`` reads back through our ONNX import. Both are built in, so
  ``onnx_available`` is always True; ``torch_available`` is always False (nothing here uses PyTorch).
- ``active_backend`` is "none" until an engine is loaded, then the engine's backend: "cuda-fp16",
  "cuda-fp32", "cpu" or "reference" (``acgs-infer status`` says why the others were skipped).
"""
import functools
import json
import logging
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import numpy as np

from . import _core
from ._models import acgs_home, resolve_model

logger = logging.getLogger(__name__)

ONNX_AVAILABLE = True
TORCH_AVAILABLE = False


@functools.lru_cache(maxsize=None)
def _device() -> Dict[str, Any]:
    """The CUDA plugin's report on device 0, probed on first use rather than at import, so a process that
    only imports this module (a forked worker, say) never starts CUDA."""
    return _core.cuda_device()


def _tensorrt_available() -> bool:
    return bool(_device()["available"])


def __getattr__(name: str) -> Any:
    # The seed's module constant TENSORRT_AVAILABLE, computed when first read (PEP 562).
    if name == "TENSORRT_AVAILABLE":
        return _tensorrt_available()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class TensorRTOptimizer:
    """DistilBERT embeddings through the fastest engine this machine runs: CUDA plan, ONNX import, CPU.

    model_name_or_path: "distilbert-base-uncased" (the built-in default model), a model directory, an
    optimum directory holding model.onnx, or a .onnx file. The seed's keyword `model_name=` is accepted
    too, so existing callers keep working. cache_dir (default $ACGS_HOME/optimized_models) holds
    the exported ONNX file and the plan, named after the model as the seed named them.
    """

    def __init__(
        self,
        model_name_or_path: str = "distilbert-base-uncased",
        max_seq_length: int = 128,
        use_fp16: bool = True,
        cache_dir: Optional[Path] = None,
        *,
        model_name: Optional[str] = None,
    ):
        if model_name is not None:
            if model_name_or_path not in ("distilbert-base-uncased", model_name):
                raise ValueError(f"model_name={model_name!r} and model_name_or_path={model_name_or_path!r} "
                                 "name different models: pass one of them")
            model_name_or_path = model_name
        model_name = model_name_or_path
        if not isinstance(max_seq_length, int) or max_seq_length < 2:
            raise ValueError(f"max_seq_length must be an int >= 2 ([CLS] and [SEP]), got {max_seq_length!r}")
        self.model_name = model_name
        self.max_seq_length = max_seq_length
        self.use_fp16 = use_fp16
        self._model = resolve_model(model_name)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else acgs_home() / "optimized_models"
        self.cache_dir.mkdir(parents=True, exist_ok=True)

        self.model_id = str(model_name).replace("/", "_").replace("-", "_")
        self.onnx_path = self.cache_dir / f"{self.model_id}.onnx"
        self.trt_path = self.cache_dir / f"{self.model_id}.plan"

        self._engine: Optional[_core.Engine] = None
        self._optimization_status = {
            "onnx_exported": self.onnx_path.exists(),
            "tensorrt_ready": self.trt_path.exists(),
            "active_backend": "none",
        }

    @property
    def status(self) -> Dict[str, Any]:
        """The seed's status dict (see the module docstring for what each key means here)."""
        return {
            **self._optimization_status,
            "torch_available": TORCH_AVAILABLE,
            "onnx_available": ONNX_AVAILABLE,
            "tensorrt_available": _tensorrt_available(),
            "model_name": self.model_name,
            "max_seq_length": self.max_seq_length,
            "use_fp16": self.use_fp16,
        }

    def engine_status(self) -> Dict[str, Any]:
        """The loaded engine's full status as ``acgs-infer status`` prints it: every backend with the reason
        it was skipped, the plan, the model, versions. {} before an engine is loaded."""
        return json.loads(self._engine.status_json()) if self._engine is not None else {}

    @property
    def _precision(self) -> str:
        return "fp16" if self.use_fp16 else "fp32"

    def export_onnx(self, force: bool = False) -> Path:
        """Writes onnx_path from the engine's weights, checked by reading it back; kept unless force."""
        if self.onnx_path.exists() and not force:
            logger.info("ONNX model already exists: %s", self.onnx_path)
        else:
            result = _core.export_onnx(self._model, str(self.onnx_path))
            logger.info("ONNX model exported to %s (opset %d, %d bytes)", self.onnx_path, result["opset"], result["bytes"])
        self._optimization_status["onnx_exported"] = True
        return self.onnx_path

    def convert_to_tensorrt(self, force: bool = False) -> Optional[Path]:
        """Builds the CUDA plan at trt_path (an existing one is kept when it is valid for this model and
        GPU, unless force). None, as in the seed, when no usable GPU is present."""
        if not _tensorrt_available():
            logger.warning("No CUDA plan without a usable GPU: %s", _device()["reason"])
            return None
        if self.trt_path.exists() and not force:
            problem = _core.plan_problem(str(self.trt_path), self._model, self._precision, self.max_seq_length)
            if not problem:
                logger.info("CUDA plan already exists: %s", self.trt_path)
                self._optimization_status["tensorrt_ready"] = True
                return self.trt_path
            logger.info("Rebuilding the CUDA plan %s: %s", self.trt_path, problem)
        logger.info("Building the CUDA plan (autotuning on %s)...", _device()["name"])
        _core.build_plan(self._model, str(self.trt_path), self._precision, self.max_seq_length)
        self._optimization_status["tensorrt_ready"] = True
        return self.trt_path

    def load_tensorrt_engine(self) -> bool:
        """Starts the CUDA backend from the plan: cuda-fp16, or cuda-fp32 with use_fp16=False (its status
        notes say "plan PATH" when the plan was used, or why not, in which case it autotuned in memory)."""
        if not _tensorrt_available():
            logger.warning("CUDA backend not available: %s", _device()["reason"])
            return False
        if not self.trt_path.exists():
            logger.warning("CUDA plan not found: %s", self.trt_path)
            return False
        return self._load(self._model, backend=f"cuda-{self._precision}", plan_path=str(self.trt_path), build_plan=False)

    def load_onnx_runtime(self) -> bool:
        """Opens the exported ONNX file through our ONNX import, on the best backend here."""
        if not self.onnx_path.exists():
            logger.warning("ONNX model not found: %s", self.onnx_path)
            return False
        return self._load(str(self.onnx_path))

    def infer(self, text: Union[str, List[str]]) -> np.ndarray:
        """Pooled embeddings, float32 [number of texts, dim] ([1, dim] for one string, as the seed
        returned), each text truncated to max_seq_length tokens: mean-pooled for a plain DistilBERT/BERT
        directory, pooled and normalized as a sentence-transformers directory declares otherwise. Opens the default chain on first use when
        no engine was loaded."""
        texts = [text] if isinstance(text, str) else list(text)
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise TypeError(f"infer() takes a str or a list of str; item {i} is {type(t).__name__}")
        if self._engine is None:
            self._load(self._model, raise_errors=True)
        return self._engine.embed(texts, max_length=self.max_seq_length)

    def benchmark(self, num_samples: int = 100) -> Dict[str, Any]:
        """The seed's benchmark: 10 warm-up calls, then num_samples single-text infer() calls, timed."""
        if num_samples < 1:
            raise ValueError(f"num_samples must be >= 1, got {num_samples}")
        sample_texts = [
            "Critical security breach detected in blockchain consensus layer",
            "Standard health check request",
            "Unauthorized financial transfer attempt blocked",
            "Performance metrics indicate potential anomaly",
        ]
        for _ in range(10):
            self.infer(sample_texts[0])
        latencies = []
        for i in range(num_samples):
            start = time.perf_counter()
            self.infer(sample_texts[i % len(sample_texts)])
            latencies.append((time.perf_counter() - start) * 1000)
        ordered = sorted(latencies)
        n = len(ordered)
        return {
            "backend": self._optimization_status["active_backend"],
            "num_samples": n,
            "latency_p50_ms": ordered[int(n * 0.50)],
            "latency_p95_ms": ordered[int(n * 0.95)],
            "latency_p99_ms": ordered[int(n * 0.99)],
            "latency_mean_ms": sum(latencies) / n,
            "latency_min_ms": ordered[0],
            "latency_max_ms": ordered[-1],
        }

    def _load(self, model: str, raise_errors: bool = False, **engine_options) -> bool:
        try:
            engine = _core.Engine(model, max_seq=self.max_seq_length, **engine_options)
            engine.embed(["warm-up"], max_length=self.max_seq_length)  # fails now, not on the first infer()
        except (_core.ModelError, _core.UnavailableError) as e:
            if raise_errors:
                raise
            logger.error("Cannot load %s: %s", model or "the default model", e)
            return False
        self._engine = engine
        self._optimization_status["active_backend"] = engine.active_backend
        logger.info("Engine loaded: %s on %s", engine.model_path, engine.active_backend)
        return True


def get_optimization_status() -> Dict[str, Any]:
    """The default optimizer's status (nothing is loaded to answer)."""
    return TensorRTOptimizer().status


def optimize_distilbert(force: bool = False) -> Dict[str, Any]:
    """The seed's one-shot pipeline: export ONNX, build the CUDA plan when a GPU is present, load the best
    engine (plan, else the ONNX import), benchmark it."""
    optimizer = TensorRTOptimizer("distilbert-base-uncased")
    results: Dict[str, Any] = {"initial_status": optimizer.status.copy(), "steps_completed": []}
    try:
        results["onnx_path"] = str(optimizer.export_onnx(force=force))
        results["steps_completed"].append("onnx_export")
    except (ValueError, RuntimeError) as e:  # ModelError and UnavailableError included
        results["onnx_error"] = str(e)
        return results
    if _tensorrt_available():
        try:
            results["tensorrt_path"] = str(optimizer.convert_to_tensorrt(force=force))
            results["steps_completed"].append("tensorrt_convert")
        except RuntimeError as e:  # UnavailableError included
            results["tensorrt_error"] = str(e)
    else:
        results["tensorrt_skipped"] = f"no usable GPU: {_device()['reason']}"
    if not optimizer.load_tensorrt_engine():
        optimizer.load_onnx_runtime()
    try:
        results["benchmark"] = optimizer.benchmark(num_samples=50)
        results["steps_completed"].append("benchmark")
    except (ValueError, RuntimeError) as e:  # ModelError and UnavailableError included
        results["benchmark_error"] = str(e)
    results["active_backend"] = optimizer.status["active_backend"]
    results["final_status"] = optimizer.status.copy()
    return results
