"""How a seed-style model name maps onto what the engine opens."""
from pathlib import Path

from . import _core
from ._core import ModelError

# The Hugging Face names ACGS-2 passes for its default model. Real weights cannot be downloaded here, so
# they mean our built-in default model: distilbert-base-uncased's shapes (see the README).
DEFAULT_MODEL_NAMES = frozenset({"", "default", "distilbert-base-uncased", "distilbert/distilbert-base-uncased"})


def resolve_model(name) -> str:
    """'' for the built-in default model, else the path of a local model (directory or .onnx file)."""
    if name is None or str(name) in DEFAULT_MODEL_NAMES:
        return ""
    path = Path(name).expanduser()
    if path.exists():
        return str(path)
    raise ModelError(
        f"model {str(name)!r} is neither a local model (a directory with config.json and model.safetensors, "
        "an optimum directory with model.onnx, or a .onnx file) nor 'distilbert-base-uncased' (the built-in "
        "default model); acgs_infer does not download from the Hugging Face Hub"
    )


def acgs_home() -> Path:
    """The engine's per-user folder (model/default_model.h): $ACGS_HOME, else $XDG_CACHE_HOME/acgs-infer,
    else ~/.cache/acgs-infer."""
    return Path(_core.acgs_home())
