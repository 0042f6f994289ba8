"""Stored documents read what was written before them. The fixtures in tests/fixtures/documents are the to_dict()
of the hand-written serialisers this project had before mailgate.documents (written by that code, not by hand);
they must read into equal objects and write back the same, and readers stay as forgiving as those were."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from mailgate.backup.model import BackupRecord
from mailgate.directory.status import SyncRun, SyncStatus
from mailgate.documents import Document, MutableDocument
from mailgate.events.model import Event
from mailgate.rules.decision import HOLD, Decision, PartRemoval
from mailgate.scan.envelope import Envelope
from mailgate.scan.handoff import LISTED_RECIPIENTS, HandOff
from mailgate.scan.report import Contribution, ScannerResult, ScanReport
from mailgate.settings.audit import AuditEntry

FIXTURES = Path(__file__).parents[2] / "fixtures" / "documents"
TOP_LEVEL = (ScanReport, HandOff, Event, AuditEntry, BackupRecord, SyncStatus, SyncRun)


def stored(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def without_version(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "version"}


# A report as the scan step stored it before the envelope was typed (version 1, envelope a plain object).
STORED_BEFORE = json.loads("""{
  "version": 1, "message_id": "0100019a-old", "raw_location": {"bucket": "mail", "key": "incoming/0100019a-old"},
  "envelope": {"mail_from": "alice@sender.test", "recipients": ["bob@example.test", "carol@example.test"],
               "client_ip": "198.51.100.7", "helo": "mx.sender.test", "ses_message_id": "0100019a-old",
               "received_at": "2026-11-30T10:00:00Z", "ses_verdicts": {"spf": "PASS"}},
  "facts": {"subject": "Quarterly numbers"},
  "results": [{"scanner": "antispam", "verdict": "not_spam", "score": 0.4,
               "reasons": [{"test": "BAYES_20", "score": 0.4, "description": "Bayes 20-40%", "evidence": ""}],
               "details": {"scl": 1}, "elapsed_ms": 3.2}],
  "parse_ms": 1.5, "total_ms": 9.0
}""")


def test_a_report_stored_before_the_envelope_was_typed_is_read_and_written_back_the_same() -> None:
    report = ScanReport.from_dict(STORED_BEFORE)
    assert report.envelope == Envelope("alice@sender.test", ("bob@example.test", "carol@example.test"),
                                       "198.51.100.7", "mx.sender.test", "0100019a-old", "2026-11-30T10:00:00Z",
                                       {"spf": "PASS"})
    assert report.result("antispam") is not None
    assert report.to_dict() == STORED_BEFORE


def test_a_real_scan_report_stored_before_the_change_reads_and_writes_back_the_same() -> None:
    data = stored("scan_report")
    report = ScanReport.from_dict(data)
    assert report.to_dict() == data
    assert ScanReport.from_dict(json.loads(json.dumps(report.to_dict()))) == report
    assert isinstance(report.envelope, Envelope) and report.envelope.recipients == ("bob@example.test",
                                                                                   "carol@example.test")
    antispam = report.result("antispam")
    assert antispam is not None and (antispam.verdict, antispam.score) == ("probable_spam", 5.968)
    assert all(isinstance(c, Contribution) for r in report.results for c in r.reasons)
    assert report.facts["attachments"][0]["filename"] == "invoice.exe"


def test_a_report_with_envelope_problems_and_unrounded_figures_reads_into_the_object_that_wrote_it() -> None:
    written = ScanReport("m2", {"bucket": "b", "key": "k"},
                         Envelope("\udcffalice@sender.test", ("bob@example.test",), "203.0.113.9", helo="x" * 300),
                         {}, (ScannerResult("antispam", "spam", 7.123456789, (Contribution("T", 1.23456789, "d"),),
                                            {"scl": 9}, 12.3456789),), 1.0004999, 2.33333333)
    data = stored("scan_report_problems")
    assert written.to_dict() == data  # rounded as before: score and timings to 3 places, a contribution not
    read = ScanReport.from_dict(data)
    assert read.envelope == written.envelope and read.envelope.problems == (
        "MAIL FROM: invalid UTF-8 (kept as backslash escapes)", "HELO: 300 characters, cut to 255")
    assert read.results[0] == ScannerResult("antispam", "spam", 7.123, (Contribution("T", 1.23456789, "d"),),
                                            {"scl": 9}, 12.346)
    assert (read.parse_ms, read.total_ms) == (1.0, 2.333)
    assert written.results[0].score == 7.123456789  # rounding is the stored form's, not the object's


def test_an_envelope_without_problems_stores_no_problems_key() -> None:
    assert "problems" not in Envelope("a@sender.test", ("b@example.test",)).to_dict()


def test_the_hand_off_stored_before_reads_back_equal() -> None:
    data = stored("handoff")
    handoff = HandOff.from_dict(data)
    assert handoff == HandOff("old-1", "mail", "reports/old-1.json", {"bucket": "mail", "key": "incoming/old-1"},
                              "alice@sender.test", tuple(f"user{i}@example.test" for i in range(100)), 103)
    assert without_version(handoff.to_dict()) == data


def test_the_hand_off_lists_the_first_recipients_and_counts_them_all() -> None:
    everyone = tuple(f"user{i}@example.test" for i in range(LISTED_RECIPIENTS + 5))
    sent = HandOff("m1", "mail", "reports/m1.json", {"bucket": "mail", "key": "incoming/m1"}, "a@sender.test",
                   everyone)
    received = HandOff.from_dict(json.loads(json.dumps(sent.to_dict())))
    assert received.recipients == everyone[:LISTED_RECIPIENTS]
    assert received.recipients_count == len(everyone)
    assert not received.all_listed
    assert HandOff.from_dict(received.to_dict()) == received


def test_a_hand_off_missing_everything_still_reads_for_the_last_resort() -> None:
    for hostile in ({}, {"recipients_count": "many", "raw_location": None, "recipients": None},
                    {"message_id": 7, "recipients": ["x@example.test"]}, {"raw_location": "nowhere"}):
        handoff = HandOff.from_dict(hostile)
        assert handoff.report_key == ""
        assert handoff.all_listed


def test_events_stored_before_read_back_equal_but_for_their_sequence() -> None:
    data = stored("events")
    events = [Event.from_dict(d) for d in data]
    assert [without_version(e.to_dict()) for e in events] == data
    assert events[0] == Event("old-1", "decision", "hold for bob", "bob@example.test",
                              {"rule": "Default", "path": ["a", "b"]}, "2026-11-30T10:00:01.000001Z",
                              events[0].seq, "alice@sender.test", "Urgent", "hold", ("spam", "pass"))
    assert "seq" not in events[0].to_dict()  # it orders events in the table's sort key, not in the document


def test_an_event_read_from_the_table_ignores_its_keys_and_forgives_nulls() -> None:
    item = {"message_id": "m1", "sk": "2026-11-30T10:00:00Z#000000001", "day": "2026-11-30", "q_sender": "a",
            "kind": "scanned", "at": "2026-11-30T10:00:00Z", "detail": None, "verdicts": None, "version": 1}
    event = Event.from_dict(item)
    assert (event.summary, event.detail, event.verdicts, event.recipient) == ("", {}, (), None)


def test_an_audit_entry_stored_before_reads_back_equal() -> None:
    data = stored("audit_entry")
    entry = AuditEntry.from_dict(data)
    assert entry == AuditEntry("Ann <ann@example.test>", "sub-123", "PUT /settings/domains", 3, 4,
                               ({"path": "$.domains", "before": ["a.test"], "after": ["a.test", "b.test"]},
                                {"path": "$.x.y", "before": 1, "after": 2}),
                               "2026-11-30T09:00:00.000000Z", "abc123def456")
    assert without_version(entry.to_dict()) == data


def test_an_audit_entry_reads_versions_given_as_text_and_missing_parts() -> None:
    entry = AuditEntry.from_dict({"at": "t", "entry_id": "e1", "version_before": "3", "version_after": 4.0,
                                  "changes": None})
    assert (entry.actor, entry.operation, entry.version_before, entry.version_after, entry.changes) == (
        "", "", 3, 4, ())


def test_backup_records_stored_before_read_back_equal() -> None:
    data = stored("backup_records")
    records = [BackupRecord.from_dict(d) for d in data]
    assert records[1] == BackupRecord("old-2.x", "old-2", ("dan@example.test",), "", "", "delivery failed",
                                      "incoming/old-2", "550 no such user", {}, "2026-11-30T10:00:03.000000Z")
    # a version-1 record reads back as it was written, with the fields version 2 added at their defaults
    assert [{k: r.to_dict()[k] for k in d} for r, d in zip(records, data, strict=True)] == data
    assert (records[0].held_by, records[0].history, records[0].released) == ("rule", (), False)


def test_a_backup_record_as_dynamodb_returns_it_reads() -> None:
    item = {**stored("backup_records")[0], "version": Decimal(1), "verdicts": {"antispam": 5},
            "recipients": None, "error": None, "sk_time": "x"}
    record = BackupRecord.from_dict(item)
    assert (record.version, record.verdicts, record.recipients) == (1, {"antispam": "5"}, ())


def test_decisions_read_from_their_stored_form_and_write_it_back() -> None:
    for data in stored("decisions"):
        decision = Decision.from_dict(data)
        assert decision.to_dict() == data
    removing = Decision.from_dict(stored("decisions")[-2])
    assert removing.removals == (PartRemoval("2", "invoice.exe", "executable"), PartRemoval("3", None, "archive"))
    assert removing.set_headers == (("X-Gateway", "checked"), ("X-Score", "7"))
    assert removing.notifications == (("admin", "spam"), ("carol@example.test", "virus"))
    held = Decision.from_dict(stored("decisions")[-1])
    assert (held.action, held.hold_minutes, held.disclaimer) == (HOLD, 30, "")


def test_sync_status_and_run_stored_before_read_as_the_directory_table_reads_them() -> None:
    for name, kind in (("sync_status", SyncStatus), ("sync_run", SyncRun)):
        data = stored(name)
        document = msgspec.json.decode(json.dumps(data), type=kind)
        assert kind.from_dict(data) == document
        assert without_version(document.to_dict()) == data


def test_documents_missing_optional_fields_read_with_their_defaults() -> None:
    report = ScanReport.from_dict({"message_id": "m1"})
    assert (report.envelope, report.facts, report.results, report.version) == (Envelope("", ()), {}, (), 1)
    assert ScannerResult.from_dict({"scanner": "links", "verdict": "clean"}) == ScannerResult("links", "clean")
    assert Contribution.from_dict({"test": "T", "score": 1}) == Contribution("T", 1.0, "", "")
    assert Envelope.from_dict({}) == Envelope("", ())
    record = BackupRecord.from_dict({"backup_id": "b", "message_id": "m", "object_key": "k"})
    assert (record.recipients, record.sender, record.error, record.verdicts, record.created_at) == (
        (), "", None, {}, "")  # no creation time is made up for a record stored without one
    assert Decision.from_dict({"action": "deliver", "backup": False, "rule": "R", "reason": "r"}) == Decision(
        "deliver", False, "R", "r")


def test_documents_from_a_newer_writer_read_what_they_know() -> None:
    data = stored("scan_report")
    newer = {**data, "version": 2, "signature": "abc", "envelope": {**data["envelope"], "tls": "1.3"},
             "results": [{**r, "confidence": 0.9} for r in data["results"]]}
    report = ScanReport.from_dict(newer)
    assert report.version == 2
    assert msgspec.structs.replace(report, version=1) == ScanReport.from_dict(data)
    assert Event.from_dict({**stored("events")[0], "tenant": "t1"}).subject == "Urgent"
    assert AuditEntry.from_dict({**stored("audit_entry"), "ip": "192.0.2.1"}).entry_id == "abc123def456"


def test_readers_forgive_what_the_hand_written_readers_forgave() -> None:
    report = ScanReport.from_dict({"message_id": 5, "raw_location": {"bucket": "b", "key": 7}, "envelope": None,
                                   "facts": None, "version": "1", "parse_ms": "1.5",
                                   "results": [{"scanner": "a", "verdict": "b", "score": "1.5", "details": None,
                                                "reasons": [{"test": 1, "score": 2, "description": None}]}]})
    assert (report.message_id, report.raw_location, report.facts, report.version, report.parse_ms) == (
        "5", {"bucket": "b", "key": "7"}, {}, 1, 1.5)
    assert report.results == (ScannerResult("a", "b", 1.5, (Contribution("1", 2.0),)),)
    envelope = Envelope.from_dict({"mail_from": None, "recipients": ["a@example.test", 7], "client_ip": 7,
                                   "ses_verdicts": {"spf": 1}})
    assert envelope == Envelope("", ("a@example.test", "7"), "7", ses_verdicts={"spf": "1"})


def test_a_document_without_its_identity_is_still_an_error() -> None:
    with pytest.raises(msgspec.ValidationError):
        ScanReport.from_dict({"facts": {}})
    with pytest.raises(msgspec.ValidationError):
        BackupRecord.from_dict({"message_id": "m"})


@pytest.mark.parametrize("kind", TOP_LEVEL)
def test_every_top_level_stored_document_carries_a_version(kind: type) -> None:
    assert issubclass(kind, Document | MutableDocument)
    assert "version" in kind.__struct_fields__
