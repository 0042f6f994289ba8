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


def test_a_hostile_subject_is_stored_whole_enough_and_found_by_its_words(gateway):
    """What a sender controls in the subject (invalid UTF-8, a CR alone, NUL, regex-looking text, 14,000
    characters over folded lines) is kept in the message's event item and found by a substring search, and the
    message is delivered; nothing of it can fail the write or the search. (A subject is kept up to 16,384
    characters, as every text of an event: the tail of a longer one is cut, with a note of its length.)"""
    tag = uuid.uuid4().hex[:10]
    words = " ".join(f"w{i:05d}" for i in range(2000))  # about 14,000 characters, folded below
    folded = "\r\n ".join(words[i:i + 70] for i in range(0, len(words), 70)).encode()
    # a CR alone ends a line, as everywhere in the gateway: what follows it is not the subject any more
    subject = b"Subject: (.*)+$ " + tag.encode() + b" \xff\xfe bad \x00nul " + folded + b" tail-" + \
        tag.encode() + b"\rX-After-CR: cr-" + tag.encode() + b"\r\n"
    message = simple_message("alice@sender.test", "bob@example.test", "placeholder")
    message = message.replace(b"Subject: placeholder\r\n", subject, 1)
    assert subject in message
    mid = send(gateway, "alice@sender.test", ["bob@example.test"], message)
    assert any(e["kind"] == "delivered" for e in outcomes(gateway, mid))

    for needle in (tag, f"tail-{tag}", "(.*)+$"):
        status, found = api(gateway, "GET", f"/events?kind=received&subject={quote(needle)}&limit=200")
        assert status == 200, found
        assert mid in {e["message_id"] for e in found["events"]}, needle
    status, found = api(gateway, "GET", f"/events?kind=received&subject={quote('cr-' + tag)}")
    assert (status, found["events"]) == (200, [])  # after the CR: another header field, not the subject
