"""Scan reports travel in the hand-off and are kept in the events table when they fit, in S3 when they do not
(aws/scan_reports.py), through the real adapters (moto): every later reader gets the same report back."""

from __future__ import annotations

import json
import secrets

import pytest

from mailgate.aws import resources
from mailgate.aws.clients import client
from mailgate.aws.event_table import DynamoEventLog
from mailgate.aws.mail_store import S3MailStore
from mailgate.aws.scan_reports import MAX_ITEM_REPORT, ReportKeeper
from mailgate.events import model as ev
from mailgate.scan.envelope import Envelope
from mailgate.scan.handoff import HandOff, pack_report
from mailgate.scan.report import ScanReport

BUCKET = "mail"


@pytest.fixture
def keeper(aws):
    resources.create_tables("events", "backup", "idem")
    resources.create_bucket(BUCKET)
    return ReportKeeper("events", S3MailStore(BUCKET))


def _report(mid: str, recipients: int = 1, noise: int = 0) -> ScanReport:
    """`noise`: octets of random text (a sender's links and names do not compress) that make the report large."""
    return ScanReport(message_id=mid, raw_location={"bucket": BUCKET, "key": f"incoming/{mid}"},
                      envelope=Envelope("alice@sender.test", tuple(f"u{i}@example.test" for i in range(recipients))),
                      facts={"subject": "Quarterly numbers", "urls": [secrets.token_hex(noise // 2)] if noise else []},
                      results=())


def _objects() -> list[str]:
    return [o["Key"] for o in client("s3").list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_a_usual_report_travels_in_the_hand_off_and_is_kept_in_the_table_not_in_s3(keeper):
    report = _report("m1", recipients=3)
    packed = pack_report(report)
    key, size = keeper.put(report, packed)
    assert (key, _objects()) == ("", []) and 0 < size < 2048
    handoff = HandOff.carrying(report, packed, BUCKET, key, "alice@sender.test", report.envelope.recipients)
    queued = json.dumps(handoff.to_dict())
    assert len(queued) < 64 * 1024  # one SQS request
    assert HandOff.from_dict(json.loads(queued)).carried_report() == report
    assert keeper.get("m1") == report


def test_a_report_too_large_for_one_queue_message_goes_to_s3_and_the_hand_off_names_it(keeper):
    report = _report("big", recipients=2, noise=3 * MAX_ITEM_REPORT)
    packed = pack_report(report)
    assert len(packed) > MAX_ITEM_REPORT
    key, size = keeper.put(report, packed)
    assert (key, size, _objects()) == ("reports/big.json", 0, ["reports/big.json"])
    handoff = HandOff.carrying(report, packed, BUCKET, key, "alice@sender.test", report.envelope.recipients)
    assert handoff.report == "" and handoff.carried_report() is None and handoff.report_key == key
    assert keeper.get("big") == report


def test_ten_thousand_recipients_still_fit_the_table(keeper):
    report = _report("many", recipients=10_000)
    assert keeper.put(report)[0] == ""
    assert keeper.get("many").envelope.recipients == report.envelope.recipients


def test_the_report_item_is_not_an_event_and_a_missing_report_is_none(keeper):
    log = DynamoEventLog("events")
    log.append([ev.Event("m1", ev.RECEIVED, "received", at="2026-11-28T10:00:00Z")])
    keeper.put(_report("m1"))
    assert [e.kind for e in log.for_message("m1")] == ["received"]
    assert [e.kind for e in log.between("2026-11-28T00:00:00Z", "2026-11-29T00:00:00Z").events] == ["received"]
    assert keeper.get("nothing") is None and keeper.get("../m1") is None and keeper.get("") is None
