"""The rules step's per-message EMF record: a scanned and delivered message's events, written to the event log (moto),
read back by `publish_message` and printed by Powertools; the JSON on stdout is parsed and checked."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.metrics import MetricUnit

from mailgate.actions.outcome import Outcome, OutcomeStatus
from mailgate.aws import resources
from mailgate.aws.event_table import DynamoEventLog
from mailgate.events import model as ev
from mailgate.events.model import Event
from mailgate.stats.counting import COUNTERS, increments
from mailgate.stats.metrics import MAX_METRICS, METRIC_NAMES, message_metrics, publish, publish_message

RECEIVED_AT = "2026-12-05T21:14:03.100000Z"
DELIVERED_AT = "2026-12-05T21:14:04.350000Z"  # 1,250 ms later
DELIVERED = [Outcome(status=OutcomeStatus.DELIVERED, recipients=("bob@example.test",))]


def _event(kind: str, at: str = RECEIVED_AT, recipient: str | None = None, action: str | None = None,
           **detail: object) -> Event:
    return Event("m-1", kind, "", recipient, dict(detail), at=at, sender="a@sender.test", action=action)


def _scanned(scanner: str, verdict: str, details: dict[str, object] | None = None) -> Event:
    return _event(ev.SCANNED, result={"scanner": scanner, "verdict": verdict, "score": 0, "reasons": [],
                                      "details": details or {}})


def _message() -> list[Event]:
    return [_event(ev.RECEIVED, size=48_213),
            _scanned("antivirus", "clean"), _scanned("antispam", "probable_spam"),
            _scanned("antiphishing", "phishing"), _scanned("links", "malicious_link"),
            _scanned("authentication", "fail", {"spf": {"result": "fail"}, "dkim": [{"result": "fail"}],
                                                "dmarc": {"result": "fail"}}),
            _event(ev.DECISION, action="deliver"),
            _event(ev.DELIVERED, DELIVERED_AT, "bob@example.test", "deliver")]


@pytest.fixture
def emf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.delenv("POWERTOOLS_DEV", raising=False)


def _records(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{") and '"_aws"' in line]


def _value(record: dict[str, Any], name: str) -> float:
    """Powertools prints a metric's values as a list"""
    value = record[name]
    [one] = value if isinstance(value, list) else [value]
    return float(one)


def _metrics(record: dict[str, Any]) -> dict[str, str]:
    """metric name → unit, from the record's EMF directive"""
    [directive] = record["_aws"]["CloudWatchMetrics"]
    return {m["Name"]: m["Unit"] for m in directive["Metrics"]}


def test_a_scanned_and_delivered_message_is_one_record_with_its_verdicts_latency_and_size(aws, emf, capsys):
    resources.create_tables("events", "backup", "idempotency")
    log = DynamoEventLog("events")
    log.append(_message())
    assert publish_message(log, "m-1", DELIVERED, "mailgate", "mailgate-rules") == 1
    [record] = _records(capsys.readouterr().out)
    assert record["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "mailgate"
    assert record["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]
    assert record["service"] == "mailgate-rules"
    units = _metrics(record)
    counted = {"Received", "Delivered", "AntispamProbableSpam", "AntiphishingPhishing", "LinksMaliciousLink",
               "SpfFail", "DkimFail", "DmarcFail"}
    assert units == {**dict.fromkeys(counted, "Count"), "DeliveryLatencyMs": "Milliseconds", "Bytes": "Bytes"}
    assert all(_value(record, name) == 1.0 for name in counted)
    assert _value(record, "DeliveryLatencyMs") == pytest.approx(1250.0)
    assert _value(record, "Bytes") == 48_213.0
    assert "AntivirusClean" not in record  # a verdict that found nothing is no metric (each name costs a month)


def test_the_counts_are_what_get_stats_counts():
    """Every counter `increments()` gives the message has its metric of the same value (but `delivery_failed`, the
    alarm's own metric, and verdicts that found nothing)."""
    events = [*_message(), _event(ev.BACKUP, DELIVERED_AT, "bob@example.test", "deliver", backup_id="m-1.x",
                                  error="451 later")]
    values = message_metrics(events)
    for counter, amount in next(iter(increments(events).values())).items():
        if counter in METRIC_NAMES:
            assert values[METRIC_NAMES[counter]][0] == amount
    assert set(METRIC_NAMES) <= COUNTERS
    assert "DeliveryFailed" not in values and "DeliveryFailed" not in METRIC_NAMES.values()


def test_a_message_that_is_not_finished_is_counted_when_it_is(aws, emf, capsys):
    resources.create_tables("events", "backup", "idempotency")
    log = DynamoEventLog("events")
    log.append(_message()[:6])
    for pending in (OutcomeStatus.HELD, OutcomeStatus.REFUSED):
        assert publish_message(log, "m-1", [Outcome(status=pending)], "mailgate", "mailgate-rules") == 0
    assert _records(capsys.readouterr().out) == []


def test_nothing_is_printed_when_metrics_are_disabled(aws, monkeypatch, capsys):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    resources.create_tables("events", "backup", "idempotency")
    log = DynamoEventLog("events")
    log.append(_message())
    assert publish_message(log, "m-1", DELIVERED, "mailgate", "mailgate-rules") == 0
    assert _records(capsys.readouterr().out) == []


def test_more_than_emfs_limit_of_metrics_is_split_over_records_not_dropped(emf, capsys):
    values = {f"M{i}": (float(i), MetricUnit.Count) for i in range(2 * MAX_METRICS + 5)}
    assert publish(values, "mailgate", "mailgate-rules") == 3
    records = _records(capsys.readouterr().out)
    assert [len(_metrics(r)) for r in records] == [MAX_METRICS, MAX_METRICS, 5]
    printed = {name: _value(r, name) for r in records for name in _metrics(r)}
    assert printed == {name: value for name, (value, _unit) in values.items()}


def test_a_message_without_delivery_has_no_latency_and_bad_times_are_ignored():
    values = message_metrics([_event(ev.RECEIVED, size=True), _event(ev.DELIVERED, "not a time"),
                              _event(ev.REJECTED, action="reject")])
    assert values == {"Received": (1.0, values["Received"][1]), "Rejected": (1.0, values["Rejected"][1])}
