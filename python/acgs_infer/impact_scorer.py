"""ACGS-2's impact scorer v3.1 (ImpactScorer, ScoringConfig, ImpactAnalysis and the module helpers) on
the C++ scorer: the same seven factors, weights, boosts and per-agent volume/drift state, with the
semantic factor from our engine's embeddings (keyword heuristics when the default model cannot run).

Messages are dicts (or AgentMessage-like objects) with the seed's fields: content (str, or a dict with
"text"), payload {message, amount}, priority, message_type (str, int or an enum member), tools (names or
{"name": ...}), from_agent. Contexts: agent_id, priority, message_type, semantic_override. A field of the
wrong type raises ValueError naming it.
"""
import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from . import _core
from ._models import resolve_model

logger = logging.getLogger(__name__)

_MESSAGE_FIELDS = ("content", "payload", "priority", "message_type", "tools", "from_agent")
# What the seed returned for an empty message without context, before looking at anything else.
_EMPTY_SCORE = 0.1


@dataclass
class ScoringConfig:
    semantic_weight: float = 0.3
    permission_weight: float = 0.2
    volume_weight: float = 0.1
    context_weight: float = 0.1
    drift_weight: float = 0.1
    priority_weight: float = 0.1
    type_weight: float = 0.1
    critical_priority_boost: float = 0.9  # score floor once the priority factor reaches 0.9
    high_semantic_boost: float = 0.8  # score floor once the semantic factor reaches 0.8
    deliberation_threshold: float = 0.8  # ours: ImpactAnalysis.requires_deliberation at or above it

    def to_engine_config(self) -> Dict[str, Any]:
        """The C++ scorer's config JSON (scorer/scoring_config.h); the triggers are the seed's fixed ones."""
        names = ("semantic", "permission", "volume", "context", "drift", "priority", "type")
        return {
            "weights": {n: getattr(self, f"{n}_weight") for n in names},
            "boosts": {
                "critical_priority": {"trigger": 0.9, "floor": self.critical_priority_boost},
                "high_semantic": {"trigger": 0.8, "floor": self.high_semantic_boost},
            },
            "deliberation_threshold": self.deliberation_threshold,
        }


@dataclass
class ImpactAnalysis:
    score: float
    factors: Dict[str, float]
    recommendation: str
    requires_deliberation: bool


def _fields(value: Any, names) -> Any:
    """An object (the seed's AgentMessage, its payload) as the dict of the fields the scorer reads."""
    if value is None or isinstance(value, dict):
        return value
    return {f: getattr(value, f) for f in names if getattr(value, f, None) is not None}


def _message_dict(message: Any) -> Dict[str, Any]:
    d = _fields(message, _MESSAGE_FIELDS)
    if d.get("payload") is not None and not isinstance(d["payload"], dict):
        d = {**d, "payload": _fields(d["payload"], ("message", "amount"))}
    return d


class ImpactScorer:
    """The seed's constructor. model_name: "distilbert-base-uncased" (the built-in default model) or a
    local model; onnx_model_path, when given, is opened instead through our ONNX import. use_onnx and
    tokenization_cache_size are accepted for compatibility: one engine serves both of the seed's paths, and
    our tokenizer needs no cache. backend: "auto" (the engine's fallback chain), a backend name, or
    "heuristic" (keywords only)."""

    def __init__(
        self,
        config: Optional[ScoringConfig] = None,
        model_name: str = "distilbert-base-uncased",
        use_onnx: bool = True,
        tokenization_cache_size: int = 1000,
        onnx_model_path: Optional[str] = None,
        *,
        backend: str = "auto",
        threads: int = 0,
    ):
        self.config = config or ScoringConfig()
        self.model_name = model_name
        self.use_onnx = use_onnx
        self.tokenization_cache_size = tokenization_cache_size
        self.onnx_model_path = onnx_model_path
        model = resolve_model(onnx_model_path if onnx_model_path else model_name)
        self._scorer = _core.Scorer(json.dumps(self.config.to_engine_config()), model, backend, threads)
        if self._scorer.note:
            logger.warning("%s", self._scorer.note)
        self.high_impact_keywords: List[str] = json.loads(self._scorer.config_json())["keywords"]

    @property
    def backend(self) -> str:
        """The engine backend computing the semantic factor, or "heuristic"."""
        return self._scorer.mode

    def batch_analyze_impact(
        self, messages: List[Any], contexts: Optional[List[Optional[Dict[str, Any]]]] = None
    ) -> List[ImpactAnalysis]:
        """Every factor, the recommendation and the deliberation decision per message. One engine call
        for all texts; per-agent state updates in input order (as scoring them one by one)."""
        if contexts is None:
            contexts = [None] * len(messages)
        elif len(contexts) != len(messages):
            raise ValueError(f"contexts length ({len(contexts)}) must match messages length ({len(messages)})")
        results: List[Optional[ImpactAnalysis]] = [None] * len(messages)
        scored = [i for i, (m, c) in enumerate(zip(messages, contexts)) if m or c]
        for i in set(range(len(messages))) - set(scored):
            results[i] = ImpactAnalysis(_EMPTY_SCORE, {}, "empty message without context: default low impact", False)
        raw = self._scorer.score([_message_dict(messages[i]) for i in scored], [contexts[i] for i in scored])
        for i, (score, factors, recommendation, deliberate) in zip(scored, raw):
            results[i] = ImpactAnalysis(score, factors, recommendation, deliberate)
            if hasattr(messages[i], "impact_score"):
                messages[i].impact_score = score
        return results

    def analyze_impact(self, message: Any, context: Optional[Dict[str, Any]] = None) -> ImpactAnalysis:
        return self.batch_analyze_impact([message], [context])[0]

    def calculate_impact_score(self, message: Any, context: Optional[Dict[str, Any]] = None) -> float:
        """Impact score in [0, 1]."""
        return self.analyze_impact(message, context).score

    async def calculate_impact_score_async(self, message: Any, context: Optional[Dict[str, Any]] = None) -> float:
        # The engine releases the GIL, so a worker thread keeps the event loop responsive.
        return await asyncio.to_thread(self.calculate_impact_score, message, context)

    async def calculate_impact(self, message: Any) -> float:
        return await self.calculate_impact_score_async(message)

    def batch_score_impact(
        self, messages: List[Any], contexts: Optional[List[Optional[Dict[str, Any]]]] = None
    ) -> List[float]:
        """Impact scores, equal to calculate_impact_score on each message in order."""
        return [a.score for a in self.batch_analyze_impact(messages, contexts)]

    def score_messages_batch(self, messages: List[Any]) -> List[float]:
        return self.batch_score_impact(messages)

    async def batch_calculate_impact(self, messages: List[Any]) -> List[float]:
        return await asyncio.to_thread(self.batch_score_impact, messages)


_global_scorer: Optional[ImpactScorer] = None


def get_impact_scorer(**kwargs) -> ImpactScorer:
    """A process-wide scorer, created with kwargs on first use."""
    global _global_scorer
    if _global_scorer is None:
        _global_scorer = ImpactScorer(**kwargs)
    return _global_scorer


def calculate_message_impact(message: Any) -> float:
    return get_impact_scorer().calculate_impact_score(message)


def reset_impact_scorer() -> None:
    global _global_scorer
    _global_scorer = None
