#!/usr/bin/env python3
"""Writes N /v1/score bodies of ACGS-2-style agent messages (one JSON object per line), deterministic.

Like tests/scorer/samples.jsonl: an agent, a type, a priority, a short content text (3-9 words, so the
scored text is 5-12 tokens with [CLS]/[SEP], median about 7) and the constitutional hash. Usage:
slo_messages.py N OUT [SEED]
"""
import json
import random
import sys

AGENTS = ["security-monitor-01", "treasury-agent-7", "planner-3", "governance-monitor", "ops-bot", "audit-agent-2"]
TYPES = ["command", "query", "event", "governance_request", "notification"]
PRIORITIES = ["low", "medium", "high", "critical"]
WORDS = ("deploy rollback audit policy budget emergency report network access admin request approve deny "
         "transfer funds production database user message tool governance review breach credentials node "
         "schedule backup alert quota service update").split()


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)
    with open(out, "w") as f:
        for i in range(n):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.choice([3, 4, 5, 5, 5, 6, 6, 7, 9])))
            message = {"message_id": "msg-%05d" % i, "from_agent": rng.choice(AGENTS), "to_agent": "bus",
                       "message_type": rng.choice(TYPES), "priority": rng.choice(PRIORITIES), "content": text,
                       "constitutional_hash": "cdd01ef066bc6cf2"}
            f.write(json.dumps({"message": message}) + "\n")


main()
