"""The Anti-Spam Quarantine's parts: when the rule table holds, the ledger's limits, the schedules."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import msgspec
import pytest

from mailgate.aws import resources
from mailgate.aws.clients import client
from mailgate.aws.quarantine_ledger import DynamoQuarantineLedger
from mailgate.aws.rescan_scheduler import EventBridgeRescanScheduler
from mailgate.local.rescan_scheduler import LocalRescanScheduler
from mailgate.quarantine.rescan import RescanRequest
from mailgate.rules.engine import decide
from mailgate.scan.inbound import parse_inbound_event
from mailgate.scan.report import ScannerResult
from tests.unit.rules.build import authentication, report, spam, table

VIRUS = ScannerResult("antivirus", "infected", 10.0, details={"threats": ["Eicar-Signature"]})
QUARANTINE = {"name": "Quarantine", "modules": {"antispam": {"quarantine": {"enabled": True, "hold_minutes": 60}}}}
HELD_AT = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)


def request(recipients: tuple[str, ...] = ("bob@example.test",)) -> RescanRequest:
    return RescanRequest.create("m1", {"bucket": "mail", "key": "incoming/m1"},
                                {"mail_from": "alice@partner.test", "client_ip": "198.51.100.7"}, recipients, 60,
                                "Quarantine", now=HELD_AT)


def test_uncertain_spam_is_held_and_decided_after_the_rescan() -> None:
    rules = table(QUARANTINE)
    held = decide(report(spam("probable_spam", 4.0), authentication()), "bob@example.test", rules)
    assert (held.action, held.hold_minutes, held.verdict_class) == ("hold", 60, "probable_spam")
    assert "held for 60 minutes" in held.path[-1]
    rescanned = report(spam("probable_spam", 4.0), authentication())
    rescanned = msgspec.structs.replace(rescanned, facts={"rescan": {"hold_key": "k"}})
    after = decide(rescanned, "bob@example.test", rules)
    assert after.action == "deliver" and after.subject_tags == ("[Probable spam]",)
    assert any("re-scan after the hold" in step for step in after.path)


def test_sure_verdicts_stricter_modules_and_a_full_quarantine_are_not_held() -> None:
    rules = table(QUARANTINE)
    assert decide(report(spam("spam", 9.0), authentication()), "b@example.test", rules).action == "delete"
    virus = decide(report(spam("probable_spam", 4.0), VIRUS, authentication()), "b@example.test", rules)
    assert virus.action == "delete" and any("not held (antivirus asks for delete)" in s for s in virus.path)
    full = decide(report(spam("probable_spam", 4.0), authentication()), "b@example.test", rules,
                  hold_refused="the quarantine is full")
    assert full.action == "deliver" and any("not held (the quarantine is full)" in s for s in full.path)
    off = table({"name": "Off", "modules": {"antispam": {"quarantine": {"enabled": False}}}})
    assert decide(report(spam("probable_spam", 4.0), authentication()), "b@example.test", off).action == "deliver"


def test_hold_minutes_are_bounded() -> None:
    from mailgate.rules.table import validate_table

    bad = {"rules": [{"name": "Q", "modules": {"antispam": {"quarantine": {"enabled": True, "hold_minutes": 0}}}},
                     {"name": "Default"}]}
    assert any("hold_minutes" in path for path, _ in validate_table(bad))


def test_the_ledger_counts_against_both_limits_once_per_hold(aws) -> None:
    resources.create_tables("events", "backup", "idem")
    ledger = DynamoQuarantineLedger("backup")
    assert ledger.admit("m1:a", 1000, 2, 10_000, request().details()) is None
    assert ledger.admit("m1:a", 1000, 2, 10_000) is None  # a retry: counted once
    assert ledger.usage() == (1, 1000)
    [held] = ledger.held()
    assert (held["hold_key"], held["message_id"], held["due_at"], held["size"]) == (
        "m1:a", "m1", "2026-11-29T02:00:00+00:00", 1000)
    assert ledger.admit("m2:a", 9500, 2, 10_000) is not None  # would exceed the bytes
    assert ledger.admit("m3:a", 100, 2, 10_000) is None
    refused = ledger.admit("m4:a", 100, 2, 10_000)
    assert refused is not None and "2 of at most 2 messages" in refused
    ledger.release("m1:a")
    ledger.release("m1:a")  # a retry: released once
    assert ledger.usage() == (1, 100)
    assert ledger.admit("m5:a", 10, 0, 10_000) is not None  # a limit of 0 holds nothing
    assert ledger.admit("m6:a", 40, 5, 10_000) is None
    ledger.release("m6:a", 40)  # the size known: released without reading the entry
    ledger.release("m6:a", 40)
    assert ledger.usage() == (1, 100)


def test_eventbridge_schedule_puts_the_request_on_the_scan_queue_when_due(aws) -> None:
    sqs = client("sqs")
    queue_arn = sqs.get_queue_attributes(QueueUrl=sqs.create_queue(QueueName="scan")["QueueUrl"],
                                         AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    client("scheduler").create_schedule_group(Name="mailgate-rescans")
    scheduler = EventBridgeRescanScheduler("mailgate-rescans", queue_arn, "arn:aws:iam::123456789012:role/rescan")
    scheduler(request())
    scheduler(request())  # a retry: the same schedule
    [listed] = client("scheduler").list_schedules(GroupName="mailgate-rescans")["Schedules"]
    schedule = client("scheduler").get_schedule(Name=listed["Name"], GroupName="mailgate-rescans")
    assert schedule["ScheduleExpression"] == "at(2026-11-29T02:00:00)"
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule["Target"]["Arn"] == queue_arn
    assert RescanRequest.from_body(json.loads(schedule["Target"]["Input"])) == request()


def test_the_scan_function_reads_a_rescan_request_as_the_held_message() -> None:
    body = json.dumps(request().to_body())
    [inbound] = parse_inbound_event({"Records": [{"eventSource": "aws:sqs", "body": body}]})
    assert (inbound.message_id, inbound.bucket, inbound.key) == ("m1", "mail", "incoming/m1")
    assert inbound.envelope is not None and inbound.envelope.recipients == ("bob@example.test",)
    assert inbound.envelope.client_ip == "198.51.100.7"
    assert inbound.rescan is not None and inbound.rescan["hold_minutes"] == 60
    with pytest.raises(ValueError, match="malformed re-scan request"):
        list(parse_inbound_event({"mailgate_rescan": {"message_id": "x"}}))


def test_local_scheduler_sends_when_due_once_per_hold() -> None:
    sent: list[dict] = []
    local = LocalRescanScheduler(sent.append)
    local(request())
    local(request())
    local(request(("carol@example.test",)))
    assert len(local.pending()) == 2
    assert local.end_holds(HELD_AT.timestamp()) == 0  # not due yet
    assert local.end_holds(HELD_AT.timestamp() + 3600) == 2
    assert [RescanRequest.from_body(b).recipients for b in sent] == [("bob@example.test",), ("carol@example.test",)]
