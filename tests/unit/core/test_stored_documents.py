"""The typed seams between the steps read what was written before them: a scan report stored by an earlier
release, and a hand-off whatever is missing from it."""

from __future__ import annotations

import json

from mailgate.scan.envelope import Envelope
from mailgate.scan.handoff import LISTED_RECIPIENTS, HandOff
from mailgate.scan.report import ScanReport

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
                    {"message_id": 7, "recipients": ["x@example.test"]}):
        handoff = HandOff.from_dict(hostile)
        assert handoff.report_key == ""
        assert handoff.all_listed
