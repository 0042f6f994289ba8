"""The event log stores one item per step of a message (aws/event_items.py), through the real adapter (moto):
what an administrator reads back is every event in order, whatever the sender wrote and however many recipients."""

from __future__ import annotations

import pytest

from mailgate.aws import resources
from mailgate.aws.event_items import MAX_EVENTS, events_of, index_copies, item_size
from mailgate.aws.event_table import DynamoEventLog
from mailgate.events import model as ev
from mailgate.events.query import EventFilter

DAY = ("2026-11-28T00:00:00Z", "2026-11-29T00:00:00Z")


@pytest.fixture
def log(aws):
    resources.create_tables("events", "backup", "idem")
    return DynamoEventLog("events")


def _items(log: DynamoEventLog) -> list[dict]:
    """The event items (the hourly counters share the table)."""
    return [i for i in log.table.scan()["Items"] if not str(i["message_id"]).startswith("stats#")]


def _step(mid: str, at: str = "2026-11-28T10:00") -> list[ev.Event]:
    facts = {"sender": "alice@sender.test", "subject": "Quarterly numbers"}
    return [ev.Event(mid, ev.RECEIVED, "received", at=f"{at}:00.000001Z",
                     detail={"message_id_header": "<q@sender.test>", "sender_ip": "192.0.2.7"}, **facts),
            *[ev.Event(mid, ev.SCANNED, f"{name}: pass", at=f"{at}:00.{i + 2:06d}Z", verdicts=("pass",),
                       detail={"result": {"scanner": name, "verdict": "pass", "reasons": ["x" * 200]}}, **facts)
              for i, name in enumerate(("authentication", "antivirus", "antispam", "antiphishing", "content"))]]


def test_a_step_is_one_item_and_reads_back_as_its_events_in_order(log):
    written = _step("m1")
    log.append(written)
    items = _items(log)
    assert len(items) == 1
    assert [(e.kind, e.summary, e.at) for e in log.for_message("m1")] == [(e.kind, e.summary, e.at) for e in written]
    # the index entry carries what a search filters on, not the events: a few hundred bytes
    by_day, by_header = index_copies(items[0])
    assert by_day < 600 and by_header < 300 < item_size(items[0])


def test_ten_thousand_recipients_are_cut_into_items_dynamodb_takes_and_nothing_is_lost(log):
    outcomes = [ev.Event("m2", ev.DELIVERED, "delivered", f"user{i}@example.test", at="2026-11-28T10:00:01Z",
                         sender="alice@sender.test", subject="to everyone") for i in range(10_000)]
    log.append(outcomes)
    items = _items(log)
    assert len(items) >= 10_000 // MAX_EVENTS
    assert max(item_size(i) for i in items) < 400 * 1024
    assert [e.recipient for e in log.for_message("m2")] == [e.recipient for e in outcomes]
    mine = log.between(*DAY, limit=10, where=EventFilter(recipients_any=("USER9999@example.test",)))
    assert [e.recipient for e in mine.events] == ["user9999@example.test"]
    assert not [e for e in log.between(*DAY, limit=10, where=EventFilter(recipients_any=("user1@example.test",))
                                       ).events if e.recipient != "user1@example.test"]  # not user10, user100…


def test_a_hostile_subject_and_text_that_is_not_unicode_are_stored_and_searchable(log):
    hostile = ev.Event("m3", ev.RECEIVED, "received", at="2026-11-28T11:00:00Z", sender="x\ud800@spam.test",
                       subject="FREE " + "\U0001f4b0" * 300_000, detail={"note": "\udcff" * 10})
    log.append([hostile])
    [read] = log.for_message("m3")
    assert read.subject.startswith("FREE") and "\\ud800" in read.sender  # kept visible, never dropped
    assert [e.message_id for e in log.between(*DAY, where=EventFilter(subject="free")).events] == ["m3"]


def test_pages_of_one_event_walk_through_items_of_several_events(log):
    log.append(_step("m1", "2026-11-28T10:00"))
    log.append(_step("m2", "2026-11-28T10:01"))
    seen, token = [], None
    while True:
        page = log.between(*DAY, limit=1, token=token)
        assert len(page.events) <= 1
        seen += [(e.message_id, e.summary) for e in page.events]
        token = page.next_token
        if not token:
            break
    assert seen == [(e.message_id, e.summary) for e in (*_step("m1", "2026-11-28T10:00"),
                                                         *_step("m2", "2026-11-28T10:01"))]


def test_a_range_starting_within_an_item_finds_its_later_events_and_not_its_earlier_ones(log):
    log.append(_step("m1"))
    later = log.between("2026-11-28T10:00:00.000003Z", DAY[1], limit=100)
    assert [e.summary for e in later.events] == [e.summary for e in _step("m1")[2:]]


def test_a_step_that_crosses_midnight_is_two_items_each_found_on_its_day(log):
    log.append([ev.Event("m4", ev.DECISION, "decided", at="2026-11-28T23:59:59Z"),
                ev.Event("m4", ev.DELIVERED, "delivered", at="2026-11-29T00:00:01Z")])
    assert sorted(i["day"] for i in _items(log)) == ["2026-11-28", "2026-11-29"]
    next_day = log.between("2026-11-29T00:00:00Z", "2026-11-30T00:00:00Z", limit=10)
    assert [e.summary for e in next_day.events] == ["delivered"]


def test_an_item_of_the_old_layout_is_still_read(log):
    log.table.put_item(Item={"message_id": "old", "sk": "2026-11-28T09:00:00Z#000000001", "day": "2026-11-28",
                             "sk_time": "2026-11-28T09:00:00Z#000000001#old", "kind": "received",
                             "summary": "received", "at": "2026-11-28T09:00:00Z", "version": 1})
    assert [e.kind for e in log.for_message("old")] == ["received"]
    assert events_of(_items(log)[0])[0].message_id == "old"


def test_an_item_sorts_by_its_earliest_event_whatever_the_order_they_came_in(log):
    log.append([ev.Event("m5", ev.DELIVERED, "delivered", at="2026-11-28T12:00:05Z"),
                ev.Event("m5", ev.DECISION, "decided", at="2026-11-28T12:00:01Z")])
    early = log.between("2026-11-28T12:00:00Z", "2026-11-28T12:00:02Z", limit=10)
    assert [e.summary for e in early.events] == ["decided"]


def test_long_recipient_addresses_are_all_searchable_by_substring(log):
    long_names = [f"{'x' * 200}{i:04d}@example.test" for i in range(300)]  # 300 of 217 characters: 65 KB of names
    log.append([ev.Event("m6", ev.DELIVERED, "delivered", name, at="2026-11-28T13:00:00Z") for name in long_names])
    for wanted in (long_names[0], long_names[-1]):
        found = log.between(*DAY, limit=5, where=EventFilter(recipient=wanted[-20:]))
        assert [e.recipient for e in found.events] == [wanted]
