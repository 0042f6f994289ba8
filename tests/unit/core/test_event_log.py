"""The event log answers "what happened to this message" and "what happened between A and B"."""

from datetime import UTC, datetime

from mailgate.aws import resources
from mailgate.aws.event_table import DynamoEventLog
from mailgate.events import model as ev


def _log():
    resources.create_tables("events", "backup", "idem")
    return DynamoEventLog("events", retention_days=7)


def test_events_of_a_message_come_back_in_order_with_their_details(aws):
    log = _log()
    log.append([
        ev.Event("m1", ev.RECEIVED, "received", detail={"size": 10}, at="2026-11-28T10:00:00.000001Z"),
        ev.Event("m1", ev.SCANNED, "authentication: pass", detail={"score": -1.5},
                 at="2026-11-28T10:00:00.000002Z"),
        ev.Event("m2", ev.RECEIVED, "other message", at="2026-11-28T10:00:00.000003Z"),
        ev.Event("m1", ev.DELIVERED, "delivered", recipient="bob@example.test", at="2026-11-28T10:00:01Z"),
    ])
    events = log.for_message("m1")
    assert [e.kind for e in events] == [ev.RECEIVED, ev.SCANNED, ev.DELIVERED]
    assert events[1].detail == {"score": -1.5}
    assert events[2].recipient == "bob@example.test"


def test_time_range_spans_days_and_pages_with_a_token(aws):
    log = _log()
    log.append([ev.Event(f"m{i}", ev.RECEIVED, "r", at=f"2026-11-{27 + i // 5}T23:59:0{i % 5}Z")
                for i in range(10)])
    first = log.between("2026-11-27T00:00:00Z", "2026-11-29T00:00:00Z", limit=4)
    assert len(first.events) == 4 and first.next_token
    rest = []
    token = first.next_token
    while token:
        page = log.between("2026-11-27T00:00:00Z", "2026-11-29T00:00:00Z", limit=4, token=token)
        rest.extend(page.events)
        token = page.next_token
    ids = [e.message_id for e in (*first.events, *rest)]
    assert sorted(ids) == sorted(f"m{i}" for i in range(10))
    assert len(ids) == 10
    only_first_day = log.between("2026-11-27T00:00:00Z", "2026-11-28T00:00:00Z", limit=100)
    assert {e.message_id for e in only_first_day.events} == {f"m{i}" for i in range(5)}


def test_retention_is_written_as_the_ttl_attribute(aws):
    from mailgate.aws.clients import client

    _log().append([ev.Event("m1", ev.RECEIVED, "r", at="2026-11-28T00:00:00Z")])
    item = client("dynamodb").scan(TableName="events")["Items"][0]
    written = datetime(2026, 11, 28, tzinfo=UTC).timestamp()
    assert int(item["expires_at"]["N"]) == written + 7 * 86400
    ttl = client("dynamodb").describe_time_to_live(TableName="events")["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at"
