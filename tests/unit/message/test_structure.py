"""What scanners read: bodies, visible HTML text, attached messages, and the immutable model."""

from __future__ import annotations

import base64
import dataclasses
import json
from email.message import EmailMessage

import pytest

from mailgate.message import parse_message

from .build import PE_EXECUTABLE, raw_mail, with_attachment


def test_alternative_bodies_fill_text_html_and_visible_text() -> None:
    message = EmailMessage()
    message["From"] = "a@example.test"
    message.set_content("Plain version")
    message.add_alternative(
        "<html><head><title>T</title><style>p{color:red}</style></head><body>"
        "<p>First paragraph</p><div>Cheap Vi<b></b>agra&nbsp;now</div>"
        "<script>var x = 'hidden';</script><p>Last&#8203;word</p></body></html>", subtype="html")
    parsed = parse_message(message.as_bytes())
    assert parsed.text_body.strip() == "Plain version"
    assert "<style>" in parsed.html_body
    assert parsed.html_text == "First paragraph\nCheap Viagra now\nLastword"


def test_attached_messages_are_walked_as_nested_parts() -> None:
    inner = EmailMessage()
    inner["From"] = "ceo@example.test"
    inner["Subject"] = "wire transfer"
    inner.set_content("Pay https://pay.example/now")
    inner.add_attachment(PE_EXECUTABLE, maintype="application", subtype="octet-stream", filename="a.exe")
    outer = EmailMessage()
    outer["From"] = "fwd@example.test"
    outer["Subject"] = "Fwd: wire transfer"
    outer.set_content("see below")
    outer.add_attachment(inner)
    parsed = parse_message(outer.as_bytes())
    assert parsed.subject == "Fwd: wire transfer"
    assert [(a.part_path, a.filename) for a in parsed.attachments] == [("2.2", "a.exe")]
    assert [(u.url, u.part_path) for u in parsed.urls] == [("https://pay.example/now", "2.1")]
    assert "see below" in parsed.text_body and "Pay" in parsed.text_body
    assert parsed.max_depth_seen == 3  # multipart, message/rfc822, its multipart, its parts


def test_a_base64_encoded_attached_message_is_walked_too() -> None:
    inner = b"From: x@example.test\r\nSubject: inner\r\n\r\nhidden https://inner.example/\r\n"
    raw = raw_mail("From: a@example.test", "Content-Type: multipart/mixed; boundary=b", body=(
        "--b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(inner).decode() + "\r\n--b--\r\n"))
    parsed = parse_message(raw)
    assert [u.url for u in parsed.urls] == ["https://inner.example/"]


def test_single_part_messages_number_their_body_part_one() -> None:
    parsed = parse_message(with_attachment(b"%PDF-1.4\n", "a.pdf", "application/pdf"))
    assert [a.part_path for a in parsed.attachments] == ["2"]
    message = parse_message(raw_mail("From: a@example.test", "Content-Type: application/pdf", body="%PDF-1.4"))
    assert [a.part_path for a in message.attachments] == ["1"]
    assert message.parts_count == 1 and message.max_depth_seen == 0


def test_a_text_part_named_as_a_file_is_an_attachment_not_body() -> None:
    parsed = parse_message(with_attachment(b"secret notes", "notes.txt", "text/plain"))
    assert parsed.text_body.strip() == "See attached."
    assert [a.filename for a in parsed.attachments] == ["notes.txt"]


def test_the_model_is_immutable() -> None:
    parsed = parse_message(raw_mail("From: a@example.test", "Subject: x"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.subject = "changed"  # type: ignore[misc]


def test_facts_summarise_the_message_as_json() -> None:
    raw = with_attachment(PE_EXECUTABLE, "invoice.pdf", "application/pdf", text="Pay https://pay.example/x")
    facts = json.loads(json.dumps(parse_message(raw).facts()))
    assert facts["subject"] == "attachment"
    assert facts["from"] == [{"name": "Alice", "address": "alice@example.test"}]
    assert facts["to"] == [{"name": "", "address": "bob@example.test"}]
    assert facts["size"] == len(raw)
    assert facts["parts_count"] == 3 and facts["depth"] == 1
    attachment = facts["attachments"][0]
    assert (attachment["filename"], attachment["declared_type"], attachment["detected_type"]) == (
        "invoice.pdf", "application/pdf", "application/vnd.microsoft.portable-executable")
    assert "content" not in attachment
    assert facts["urls"] == [{"url": "https://pay.example/x", "host": "pay.example", "source": "text",
                              "anchor_text": None}]
    assert facts["defects"] == [] and facts["incomplete"] is False
