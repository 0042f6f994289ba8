"""The rules function's per-message EMF record through local mode: a message sent over SMTP is scanned and delivered
by the gateway (metrics off, as local mode keeps them); its hand-off given again to the rules handler in this process
with metrics on (the delivery is not repeated: idempotency) prints the record, read from stdout."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.local_gateway import delivered, outcomes, rules_record, send, simple_message, stored_handoff

pytestmark = pytest.mark.integration


def _records(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{") and '"_aws"' in line]


def test_a_delivered_message_prints_one_record_with_its_traffic_latency_and_size(gateway, monkeypatch, capsys):
    from mailgate.local.functions import LocalLambdaContext, load_function

    data = simple_message("alice@sender.test", "erin@example.test", "counted once")
    message_id = send(gateway, "alice@sender.test", ["erin@example.test"], data)
    outcomes(gateway, message_id)
    assert len(delivered(gateway, message_id)) == 1
    handoff = stored_handoff(message_id, ["erin@example.test"])
    rules = load_function("rules")
    capsys.readouterr()
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.delenv("POWERTOOLS_DEV", raising=False)
    reply = rules.handler({"Records": [rules_record(handoff, 2, "counted")]}, LocalLambdaContext("mailgate-rules"))
    assert reply["batchItemFailures"] == []
    assert len(delivered(gateway, message_id)) == 1
    ours = [r for r in _records(capsys.readouterr().out) if "Received" in r]
    [record] = ours
    [directive] = record["_aws"]["CloudWatchMetrics"]
    units = {m["Name"]: m["Unit"] for m in directive["Metrics"]}
    assert directive["Namespace"] == "mailgate" and record["service"] == "mailgate-rules"
    assert units["Received"] == units["Delivered"] == "Count"
    assert units["DeliveryLatencyMs"] == "Milliseconds" and units["Bytes"] == "Bytes"
    value = record["Bytes"]
    assert (value[0] if isinstance(value, list) else value) > len(data)  # with the Received lines added on the way
