"""The event log searched by the message's own Message-ID header, by sender IP and by rule, through the real
DynamoDB adapter (moto) and the admin API."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from mailgate.api.app import openapi_document
from mailgate.aws import resources
from mailgate.aws.event_table import DynamoEventLog
from mailgate.events import model as ev
from mailgate.events.query import EventFilter
from tests.unit.api.resolver import call, local_app

RANGE = ("2026-11-27T00:00:00Z", "2026-11-30T00:00:00Z")


def _message(mid: str, at: str, header_id: str | None, ip: str | None, rule: str, action: str = "deliver"
             ) -> list[ev.Event]:
    """The events the scan and rules steps write for one message (same shapes as scan/service.py and
    actions/processor.py)."""
    facts = {"sender": "alice@sender.test", "subject": f"subject of {mid}"}
    return [
        ev.Event(mid, ev.RECEIVED, "received", at=f"{at}:00Z",
                 detail={"envelope": {"client_ip": ip}, "message_id_header": header_id, "sender_ip": ip}, **facts),
        ev.Event(mid, ev.SCANNED, "antispam: pass", at=f"{at}:01Z", verdicts=("pass",), **facts),
        ev.Event(mid, ev.DECISION, f"rule {rule}: {action}", "bob@example.test", at=f"{at}:02Z",
                 detail={"decision": {"rule": rule, "action": action}}, action=action, **facts),
        ev.Event(mid, ev.DELIVERED if action == "deliver" else ev.DELETED, "done", "bob@example.test",
                 at=f"{at}:03Z", action=action, **facts),
    ]


def _log() -> list[ev.Event]:
    return [
        *_message("m1", "2026-11-27T10:00", "<Invoice-1@Sender.Test>", "192.0.2.7", "Default"),
        *_message("m2", "2026-11-28T09:00", "<other@sender.test>", "2001:db8::1", "Sales", "delete"),
        # the same Message-ID header again, a day later (a resend): both messages answer
        *_message("m3", "2026-11-29T08:00", "invoice-1@sender.test", "192.0.2.7", "Default"),
        *_message("m4", "2026-11-29T09:00", None, None, "Default"),  # no Message-ID header, no IP
    ]


@pytest.fixture
def log(aws):
    resources.create_tables("events", "backup", "idem")
    found = DynamoEventLog("events")
    found.append(_log())
    return found


def _all(log: DynamoEventLog, where: EventFilter, limit: int = 2) -> list[tuple[str, str]]:
    found, token = [], None
    while True:
        page = log.between(*RANGE, limit=limit, token=token, where=where)
        found += [(e.message_id, e.kind) for e in page.events]
        token = page.next_token
        if not token:
            return found


def _header_ids() -> dict[str, str]:
    from mailgate.events.query import header_id_of

    return {e.message_id: header_id_of(e) for e in _log() if e.kind == ev.RECEIVED}


KINDS = [ev.RECEIVED, ev.SCANNED, ev.DECISION]


@pytest.mark.parametrize(("where", "expected"), [
    # brackets, blanks and case do not matter; every event of both messages with that header, page by page
    (EventFilter(header_message_id=" <INVOICE-1@sender.test> "),
     [("m1", k) for k in [*KINDS, ev.DELIVERED]] + [("m3", k) for k in [*KINDS, ev.DELIVERED]]),
    (EventFilter(header_message_id="invoice-1@sender.test", kind="decision"), [("m1", "decision"), ("m3", "decision")]),
    (EventFilter(header_message_id="invoice-1@sender.test", message_id="m3", kind="received"), [("m3", "received")]),
    (EventFilter(header_message_id="nobody@nowhere.test"), []),
    (EventFilter(sender_ip="192.0.2.7"), [("m1", "received"), ("m3", "received")]),
    (EventFilter(sender_ip="2001:DB8:0:0::1"), [("m2", "received")]),  # one address, written two ways
    (EventFilter(rule="sales"), [("m2", "decision")]),
    (EventFilter(rule="Default", action="deliver"), [("m1", "decision"), ("m3", "decision"), ("m4", "decision")]),
    (EventFilter(rule="Default", sender_ip="192.0.2.7"), []),  # one fact per event: nothing has both
])
def test_the_log_is_searched_by_message_id_header_sender_ip_and_rule(log, where, expected):
    assert _all(log, where) == expected
    assert [(e.message_id, e.kind) for e in _log() if where.matches(e, _header_ids())] == expected


class _Reads:
    """The partitions the adapter's queries name: (index or "table", partition value)."""

    def __init__(self, log: DynamoEventLog, monkeypatch: pytest.MonkeyPatch) -> None:
        self.partitions: list[tuple[str, str]] = []
        table = log.table
        original = table.query

        def counted(**kwargs: Any) -> Any:
            condition = kwargs["KeyConditionExpression"].get_expression()["values"][0]
            self.partitions.append((kwargs.get("IndexName", "table"), condition.get_expression()["values"][1]))
            return original(**kwargs)

        monkeypatch.setattr(table, "query", counted)
        monkeypatch.setattr(type(log), "table", property(lambda _self: table))


def test_a_message_id_header_search_reads_its_index_entry_and_the_messages_it_names(log, monkeypatch):
    reads = _Reads(log, monkeypatch)
    log.between(*RANGE, limit=100, where=EventFilter(header_message_id="invoice-1@sender.test"))
    assert reads.partitions == [("by_header_id", "invoice-1@sender.test"), ("table", "m1"), ("table", "m3")]
    reads.partitions.clear()
    log.between(*RANGE, limit=100, where=EventFilter(sender_ip="192.0.2.7"))  # a filter over the range's days
    assert reads.partitions == [("by_day", "2026-11-27"), ("by_day", "2026-11-28"), ("by_day", "2026-11-29")]


def test_only_items_with_a_received_event_with_a_message_id_header_are_in_its_index(log):
    from boto3.dynamodb.conditions import Key

    from mailgate.aws.event_items import events_of

    indexed = []
    for header_id in ("invoice-1@sender.test", "other@sender.test"):
        page = log.table.query(IndexName="by_header_id", KeyConditionExpression=Key("q_header_id").eq(header_id))
        for entry in page["Items"]:  # keys only: the item is read from the table
            item = log.table.get_item(Key={"message_id": entry["message_id"], "sk": entry["sk"]})["Item"]
            indexed.append((entry["message_id"], events_of(item)[0].kind))
    assert indexed == [("m1", "received"), ("m3", "received"), ("m2", "received")]
    count = log.table.scan(IndexName="by_header_id", Select="COUNT")["Count"]
    assert count == 3  # m4 has no Message-ID header; no other item of any message is indexed


HOSTILE = [
    "<" + "x" * 5000 + "@flood.test>",  # longer than any key may be
    "<\ud800lone@surrogate.test>",  # not valid Unicode
    "<tab\tand\x00nul@ctl.test>",
    "<>",  # nothing to key: the event is written, just not indexed
    "<" + "\u00e9" * 900 + "@wide.test>",  # 2 bytes a character: still under DynamoDB's 2048-byte key
]


@pytest.mark.parametrize("header_id", HOSTILE)
def test_a_hostile_message_id_header_never_breaks_the_write_and_is_found_as_written(aws, header_id):
    resources.create_tables("events", "backup", "idem")
    log = DynamoEventLog("events")
    log.append(_message("h1", "2026-11-28T10:00", header_id, "192.0.2.9", "Default"))
    assert [e.kind for e in log.for_message("h1")] == [*KINDS, ev.DELIVERED]
    found = _all(log, EventFilter(header_message_id=header_id, kind="received"))
    assert found == ([] if header_id == "<>" else [("h1", "received")])


def test_a_page_token_of_another_message_is_refused(log):
    page = log.between(*RANGE, limit=1, where=EventFilter(header_message_id="invoice-1@sender.test"))
    assert page.next_token
    with pytest.raises(ValueError, match="invalid page token"):
        log.between(*RANGE, limit=1, token=page.next_token, where=EventFilter(header_message_id="other@sender.test"))


def test_the_api_searches_by_the_new_filters_and_refuses_an_ip_that_is_not_one(aws):
    app = local_app()
    DynamoEventLog("events").append(_log())
    window = "from=2026-11-27&to=2026-11-30"
    status, body = call(app, "GET", f"/events?{window}&message_id_header={quote('<Invoice-1@Sender.Test>')}"
                        "&kind=received", "Administrator")
    assert status == 200
    assert [(e["message_id"], e["detail"]["message_id_header"]) for e in body["events"]] == [
        ("m1", "<Invoice-1@Sender.Test>"), ("m3", "invoice-1@sender.test")]
    status, body = call(app, "GET", f"/events?{window}&sender_ip=2001:db8::1", "Administrator")
    assert (status, [e["message_id"] for e in body["events"]]) == (200, ["m2"])
    status, body = call(app, "GET", f"/events?{window}&rule=Sales", "Administrator")
    assert (status, [(e["message_id"], e["kind"]) for e in body["events"]]) == (200, [("m2", "decision")])
    status, body = call(app, "GET", f"/events/export?{window}&rule=Sales&format=json", "Administrator")
    assert status == 200
    status, body = call(app, "GET", f"/events?{window}&sender_ip=999.1.1.1", "Administrator")
    assert (status, body["field"]) == (400, "sender_ip")
    assert "not an IPv4 or IPv6 address" in body["message"]
    status, body = call(app, "GET", f"/events?{window}&message_id_header=%3C%3E", "Administrator")
    assert (status, body["field"]) == (400, "message_id_header")
    status, _ = call(app, "GET", f"/events?{window}&message_id_header={'x' * 999}", "Administrator")
    assert status == 422


def test_openapi_describes_the_new_event_filters(aws):
    document = openapi_document(local_app())
    for path in ("/events", "/events/export"):
        params = {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}
        assert {"message_id_header", "sender_ip", "rule"} <= set(params)
        assert "Message-ID header" in params["message_id_header"]["description"]
        assert "IPv4 or IPv6" in params["sender_ip"]["description"]
