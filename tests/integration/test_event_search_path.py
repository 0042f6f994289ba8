"""Mail sent through local mode is found in the event log by its own Message-ID header, its sender IP and the
rule that decided it."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest

from tests.support.cognito import api
from tests.support.local_gateway import outcomes, send, simple_message

pytestmark = pytest.mark.integration


def test_an_administrator_finds_a_message_by_its_message_id_header_sender_ip_and_rule(gateway):
    tag = uuid.uuid4().hex[:10]
    header_id = f"<Complaint-{tag}@Sender.Test>"
    message = simple_message("alice@sender.test", "bob@example.test", f"Where is {tag}?")
    message = message.replace(b"Message-ID: ", b"X-Old-Id: ", 1)
    message = f"Message-ID: {header_id}\r\n".encode() + message
    mid = send(gateway, "alice@sender.test", ["bob@example.test"], message)
    outcomes(gateway, mid)

    # the user quotes the Message-ID as their mail program shows it: other case, no brackets
    status, found = api(gateway, "GET", f"/events?message_id_header={quote(header_id[1:-1].lower())}")
    assert status == 200
    kinds = [e["kind"] for e in found["events"]]
    assert {e["message_id"] for e in found["events"]} == {mid}
    assert kinds[0] == "received" and "decision" in kinds and "delivered" in kinds
    received = found["events"][0]
    assert received["detail"]["message_id_header"] == header_id
    sender_ip = received["detail"]["sender_ip"]
    assert sender_ip == gateway.options.host  # the SMTP client's address, as the ingress saw it

    status, found = api(gateway, "GET", f"/events?sender_ip={sender_ip}&kind=received&subject={tag}")
    assert (status, [e["message_id"] for e in found["events"]]) == (200, [mid])
    status, found = api(gateway, "GET", "/events?sender_ip=192.0.2.250&kind=received")
    assert (status, found["events"]) == (200, [])

    history = api(gateway, "GET", f"/messages/{mid}/events")[1]["events"]
    rule = next(e for e in history if e["kind"] == "decision")["detail"]["decision"]["rule"]
    status, found = api(gateway, "GET", f"/events?rule={quote(rule.upper())}&subject={tag}")
    assert (status, [(e["message_id"], e["kind"]) for e in found["events"]]) == (200, [(mid, "decision")])

    status, reply = api(gateway, "GET", "/events?sender_ip=not-an-ip")
    assert (status, reply["field"]) == (400, "sender_ip")
