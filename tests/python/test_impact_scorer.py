"""ImpactScorer: the seed's names and dataclasses over the C++ scorer, equal to `acgs-infer score`."""
import asyncio
import enum
import json
from dataclasses import dataclass, field, fields

import pytest

import acgs_infer
from acgs_infer import ImpactAnalysis, ImpactScorer, ScoringConfig
from conftest import run_cli

MESSAGES = [
    {"content": "critical security breach: unauthorized transfer", "priority": "critical", "from_agent": "a1"},
    {"content": "routine status check", "tools": [{"name": "read_logs"}], "from_agent": "a1"},
    {"content": {"text": "governance policy vote"}, "message_type": "governance_request", "from_agent": "a2"},
    {"content": "payment", "payload": {"message": "wire funds", "amount": 50000}, "tools": ["execute_transfer"]},
    {"content": "héllo wörld", "priority": 2},
]


class Priority(enum.IntEnum):
    LOW = 0
    CRITICAL = 3


@dataclass
class AgentMessage:
    content: str
    priority: Priority = Priority.LOW
    from_agent: str = "agent"
    tools: list = field(default_factory=list)
    impact_score: float = 0.0


def cli_scores(model_args, messages):
    stdin = "".join(json.dumps(m) + "\n" for m in messages)
    return [json.loads(line) for line in run_cli("score", *model_args, stdin=stdin).splitlines()]


def test_dataclass_fields_are_the_seeds():
    assert [f.name for f in fields(ScoringConfig)][:9] == [
        "semantic_weight", "permission_weight", "volume_weight", "context_weight", "drift_weight",
        "priority_weight", "type_weight", "critical_priority_boost", "high_semantic_boost"]
    assert [f.name for f in fields(ImpactAnalysis)] == ["score", "factors", "recommendation", "requires_deliberation"]


@pytest.mark.parametrize("backend", ["heuristic", "cpu"])
def test_analyses_equal_the_cli(tiny_model, backend):
    scorer = ImpactScorer(model_name=tiny_model, backend=backend)
    assert scorer.backend == backend
    got = scorer.batch_analyze_impact(MESSAGES)
    assert [vars(a) for a in got] == cli_scores(["--model", tiny_model, "--backend", backend], MESSAGES)


def test_auto_uses_the_model(tiny_model):
    assert ImpactScorer(model_name=tiny_model).backend in ("cpu", "reference", "cuda-fp16", "cuda-fp32")


def test_batch_equals_one_by_one(tiny_model):
    contexts = [None, {"agent_id": "a1"}, {"priority": "high"}, None, {"semantic_override": 0.9}]
    batch = ImpactScorer(model_name=tiny_model, backend="cpu").batch_score_impact(MESSAGES, contexts)
    single = ImpactScorer(model_name=tiny_model, backend="cpu")
    assert batch == [single.calculate_impact_score(m, c) for m, c in zip(MESSAGES, contexts)]
    assert ImpactScorer(model_name=tiny_model, backend="cpu").score_messages_batch(MESSAGES) == \
        ImpactScorer(model_name=tiny_model, backend="cpu").batch_score_impact(MESSAGES)


def test_seed_semantics_for_empty_and_objects(tiny_model):
    scorer = ImpactScorer(model_name=tiny_model)
    assert scorer.calculate_impact_score({}) == 0.1
    assert scorer.batch_score_impact([]) == []
    msg = AgentMessage("emergency exploit in progress", priority=Priority.CRITICAL, tools=["delete_all"])
    score = scorer.calculate_impact_score(msg)
    assert msg.impact_score == score >= 0.9  # critical priority boost, written back as the seed did
    analysis = scorer.analyze_impact({"content": "x", "priority": Priority.CRITICAL})
    assert analysis.factors["priority"] == 1.0 and analysis.requires_deliberation is True


def test_config_changes_the_score(tiny_model):
    heavy = ScoringConfig(semantic_weight=0.0, permission_weight=0.5, critical_priority_boost=0.95)
    scorer = ImpactScorer(config=heavy, model_name=tiny_model, backend="heuristic")
    # permission 0.9·0.5 + volume 0.1·0.1 + context 0.2·0.1 + drift 0 + priority 0.5·0.1 + type 0.2·0.1
    assert scorer.calculate_impact_score({"content": "hi", "tools": ["execute"]}) == pytest.approx(0.55)
    assert scorer.calculate_impact_score({"content": "hi", "priority": "critical"}) == 0.95
    assert scorer.high_impact_keywords[:3] == ["critical", "emergency", "security"]


def test_errors_are_python_exceptions(tiny_model):
    scorer = ImpactScorer(model_name=tiny_model, backend="heuristic")
    with pytest.raises(ValueError, match=r"message.tools\[0\] must be a string or an object"):
        scorer.calculate_impact_score({"content": "x", "tools": [3]})
    with pytest.raises(ValueError, match=r"contexts length \(1\) must match messages length \(2\)"):
        scorer.batch_score_impact([{"content": "a"}, {"content": "b"}], [None])
    with pytest.raises(ValueError, match="semantic_override must be in"):
        scorer.calculate_impact_score({"content": "x"}, {"semantic_override": 2})
    with pytest.raises(ValueError, match="weights.semantic"):
        ImpactScorer(config=ScoringConfig(semantic_weight=-1), backend="heuristic")
    with pytest.raises(acgs_infer.ModelError, match="does not download"):
        ImpactScorer(model_name="roberta-base")


def test_async_and_module_helpers(tiny_model):
    acgs_infer.reset_impact_scorer()
    scorer = acgs_infer.get_impact_scorer(model_name=tiny_model, backend="heuristic")
    assert acgs_infer.get_impact_scorer() is scorer
    assert 0.0 <= acgs_infer.calculate_message_impact({"content": "audit"}) <= 1.0
    assert 0.0 <= asyncio.run(scorer.calculate_impact_score_async({"content": "audit"})) <= 1.0
    assert len(asyncio.run(scorer.batch_calculate_impact(MESSAGES))) == len(MESSAGES)
    acgs_infer.reset_impact_scorer()
