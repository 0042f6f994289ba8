"""Event log filters read only the partitions of the range and mean the same in DynamoDB and in Python."""

import pytest

from mailgate.aws import resources
from mailgate.aws.event_table import DynamoEventLog
from mailgate.events import model as ev
from mailgate.events.query import EventFilter

RANGE = ("2026-11-27T00:00:00Z", "2026-11-29T00:00:00Z")


def _events():
    facts = {"sender": "alice@sender.test", "subject": "Quarterly Figures"}
    other = {"sender": "mallory@bad.test", "subject": "win a prize"}
    return [
        ev.Event("m1", ev.RECEIVED, "r", at="2026-11-27T10:00:00Z", **facts),
        ev.Event("m1", ev.SCANNED, "s", at="2026-11-27T10:00:01Z", verdicts=("pass",), **facts),
        ev.Event("m1", ev.DECISION, "d", "bob@example.test", at="2026-11-27T10:00:02Z", action="deliver",
                 verdicts=("pass",), **facts),
        ev.Event("m2", ev.RECEIVED, "r", at="2026-11-28T10:00:00Z", **other),
        ev.Event("m2", ev.SCANNED, "s", at="2026-11-28T10:00:01Z", verdicts=("fail",), **other),
        ev.Event("m2", ev.DECISION, "d", "carol@example.test", at="2026-11-28T10:00:02Z", action="reject",
                 verdicts=("fail",), **other),
        ev.Event("m3", ev.DELIVERED, "d", "xbob@example.test, dan@example.test", at="2026-11-28T11:00:00Z",
                 action="deliver", **other),
    ]


@pytest.mark.parametrize(("where", "expected"), [
    (EventFilter(subject="quarterly"), {("m1", "received"), ("m1", "scanned"), ("m1", "decision")}),
    (EventFilter(sender="BAD.test", kind="decision"), {("m2", "decision")}),
    (EventFilter(recipients_any=("dan@example.test",)), {("m3", "delivered")}),
    (EventFilter(verdict="fail"), {("m2", "scanned"), ("m2", "decision")}),
    (EventFilter(action="deliver"), {("m1", "decision"), ("m3", "delivered")}),
    (EventFilter(recipient="carol@"), {("m2", "decision")}),
    (EventFilter(message_id="m2", kind="received"), {("m2", "received")}),
    (EventFilter(recipients_any=("bob@example.test", "x@y.test")), {("m1", "decision")}),
])
def test_filters_select_the_same_events_in_dynamodb_and_in_python(aws, where, expected):
    resources.create_tables("events", "backup", "idem")
    log = DynamoEventLog("events")
    log.append(_events())
    found, token = [], None
    while True:
        page = log.between(*RANGE, limit=1, token=token, where=where)
        found += page.events
        token = page.next_token
        if not token:
            break
    assert {(e.message_id, e.kind) for e in found} == expected
    assert {(e.message_id, e.kind) for e in _events() if where.matches(e)} == expected


@pytest.mark.parametrize("token", ["eyJwIjogIjE5OTktMDEtMDEifQ==", "eyJwIjogIjIwMjYtMTEtMjciLCAia2V5IjogeyJ4IjogMX19"])
def test_a_page_token_for_another_query_is_refused(aws, token):
    resources.create_tables("events", "backup", "idem")
    with pytest.raises(ValueError, match="invalid page token"):
        DynamoEventLog("events").between(*RANGE, token=token)


def test_every_kind_the_gateway_writes_can_be_filtered_by():
    from typing import get_args

    from mailgate.api.routes_events import Kind
    from mailgate.events import model

    written = {v for k, v in vars(model).items() if k.isupper() and isinstance(v, str) and k != "EVENT_VERSION"}
    assert set(get_args(Kind)) == written
