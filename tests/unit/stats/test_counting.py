"""What one append's events add to the hourly counters: messages, not recipients, and only our own verdict names."""

from __future__ import annotations

from datetime import UTC, datetime

from mailgate.events import model as ev
from mailgate.events.model import Event
from mailgate.stats.counting import COUNTERS, hour_of, increments
from mailgate.stats.series import series

AT = "2026-12-05T21:14:03.123456Z"
HOUR = "2026-12-05T21"


def _event(kind: str, recipient: str | None = None, action: str | None = None, at: str = AT,
           message_id: str = "m-1", **detail: object) -> Event:
    return Event(message_id, kind, "", recipient, dict(detail), at=at, sender="a@sender.test", action=action)


def _scanned(scanner: str, verdict: str, details: dict[str, object] | None = None) -> Event:
    return _event(ev.SCANNED, result={"scanner": scanner, "verdict": verdict, "score": 0, "reasons": [],
                                      "details": details or {}})


def test_the_scan_counts_the_message_once_and_each_modules_verdict():
    events = [_event(ev.RECEIVED, size=10),
              _scanned("antivirus", "infected"), _scanned("antispam", "spam"), _scanned("links", "clean"),
              _scanned("authentication", "fail", {"spf": {"result": "softfail"},
                                                  "dkim": [{"result": "fail"}, {"result": "pass"}],
                                                  "dmarc": {"result": "fail"}})]
    assert increments(events) == {HOUR: {"received": 1, "verdict:antivirus:infected": 1, "verdict:antispam:spam": 1,
                                         "verdict:links:clean": 1, "verdict:spf:softfail": 1,
                                         "verdict:dkim:pass": 1, "verdict:dmarc:fail": 1}}


def test_a_decision_holding_for_two_recipients_is_one_held_message():
    held = _event(ev.BACKUP, "bob@example.test, carol@example.test", "delete", backup_id="m-1.abc", error=None)
    deleted = _event(ev.DELETED, "bob@example.test, carol@example.test", "delete")
    decision = _event(ev.DECISION, "bob@example.test, carol@example.test", "delete")
    assert increments([decision]) == {}  # a retried decision writes its event again: it is not what is counted
    assert increments([held]) == {HOUR: {"held": 1}}
    assert increments([deleted]) == {HOUR: {"deleted": 1}}


def test_a_rejected_message_counts_once_however_many_recipients_were_refused():
    refused = [_event(ev.REJECTED, f"r{i}@elsewhere.test") for i in range(3)]  # the scan step: domain not accepted
    assert increments([_event(ev.RECEIVED), *refused]) == {HOUR: {"received": 1, "rejected": 1}}
    assert increments([_event(ev.REJECTED, "bob@example.test", "reject", bounced=True)]) == {HOUR: {"rejected": 1}}


def test_a_delivery_failure_is_not_a_rejection():
    refused = _event(ev.REJECTED, "bob@example.test", "deliver", bounced=True)  # the destination said 5xx
    kept = _event(ev.BACKUP, "bob@example.test", "deliver", backup_id="m-1.abc", error="451 try later")
    copy = _event(ev.BACKUP, "bob@example.test", "deliver", backup_id="m-1.abc", error=None)  # the rule keeps a copy
    assert increments([refused]) == {HOUR: {"delivery_failed": 1}}
    assert increments([kept]) == {HOUR: {"held": 1, "delivery_failed": 1}}
    assert increments([copy]) == {HOUR: {"held": 1}}
    assert increments([_event(ev.DELIVERED, "bob@example.test", "deliver")]) == {HOUR: {"delivered": 1}}


def test_two_messages_and_two_hours_in_one_append():
    events = [_event(ev.RECEIVED, message_id="m-1"), _event(ev.RECEIVED, message_id="m-2"),
              _event(ev.RECEIVED, message_id="m-3", at="2026-12-05T22:00:00.000001Z")]
    assert increments(events) == {HOUR: {"received": 2}, "2026-12-05T22": {"received": 1}}


def test_a_rescan_after_a_quarantine_hold_is_not_a_second_message():
    assert increments([_event(ev.RECEIVED, rescan=True), _scanned("antispam", "not_spam")]) == {
        HOUR: {"verdict:antispam:not_spam": 1}}


def test_hostile_or_unknown_verdict_names_are_not_counted():
    events = [_scanned("antispam", "spam\u0000; DROP"), _scanned("antispam", "x" * 5000),
              _scanned("made_up_scanner", "spam"), _scanned("antivirus", "verdict:received"),
              _scanned("authentication", "pass", {"spf": {"result": "<script>"}, "dkim": [{"result": 7}],
                                                  "dmarc": {"result": "pass"}}),
              _event(ev.SCANNED, result="not a dict"), _event(ev.SCANNED, result={"scanner": ["antispam"]}),
              _event(ev.WARNING, at="not a time")]
    found = increments(events)
    assert found == {HOUR: {"verdict:dkim:none": 1, "verdict:dmarc:pass": 1}}
    assert all(name in COUNTERS for counts in found.values() for name in counts)
    assert len(COUNTERS) < 100  # the attribute names a counter item can ever have


def test_a_failed_authentication_scanner_counts_error_for_spf_dkim_and_dmarc():
    assert increments([_scanned("authentication", "error")]) == {
        HOUR: {"verdict:spf:error": 1, "verdict:dkim:error": 1, "verdict:dmarc:error": 1}}


def test_hours_are_utc_whatever_the_offset():
    assert hour_of("2026-12-05T23:30:00+02:00") == HOUR
    assert hour_of("2026-12-05T21:59:59") == HOUR
    assert hour_of("yesterday") is None


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_every_hour_of_the_range_is_a_bucket_zeros_included():
    found = series({"2026-12-05T21": {"received": 3, "verdict:antispam:spam": 1}},
                   _moment("2026-12-05T19:30"), _moment("2026-12-05T22:00"), "hour")
    assert [b.start.hour for b in found.buckets] == [19, 20, 21]
    assert [b.traffic["received"] for b in found.buckets] == [0, 0, 3]
    assert found.buckets[2].verdicts["antispam"]["spam"] == 1 and found.buckets[0].verdicts["antispam"]["spam"] == 0
    assert (found.start, found.end) == (_moment("2026-12-05T19:00"), _moment("2026-12-05T22:00"))
    assert found.totals.traffic["received"] == 3


def test_days_sum_their_hours():
    counts = {"2026-12-04T00": {"received": 1}, "2026-12-04T23": {"received": 2, "held": 1},
              "2026-12-05T00": {"received": 4, "verdict:dmarc:fail": 2}}
    found = series(counts, _moment("2026-12-03T12:00"), _moment("2026-12-05T06:00"), "day")
    assert [b.start.day for b in found.buckets] == [3, 4, 5]
    assert [b.traffic["received"] for b in found.buckets] == [0, 3, 4]
    assert found.buckets[1].traffic["held"] == 1
    assert found.totals.traffic["received"] == 7 and found.totals.verdicts["dmarc"]["fail"] == 2
