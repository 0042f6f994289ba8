"""Content Filtering and Anti-Virus fail closed through the real path (SMTP in, real clamd, rules step,
Backup): what a filter could not see or could not decide holds the message in Backup, never delivers it
as clean. Each message here was delivered before (issue 12 items 12, 20, 21)."""

from __future__ import annotations

import base64
import email.policy
import io
import zipfile
from email.message import EmailMessage
from typing import Any

import pytest

from mailgate.local.api_server import get_json
from tests.support.local_gateway import delivered, events, outcomes, send
from tests.support.settings_api import put_section

pytestmark = pytest.mark.integration

PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(300)  # a PE file's header: a program by its bytes
SENDER, RECIPIENT = "alice@sender.test", "bob@example.test"
CATASTROPHIC = r"(a+)+$"


def zipped(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return out.getvalue()


def mail(body: str = "Please see attached.\n", attachments: tuple[tuple[str, bytes], ...] = ()) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = SENDER, RECIPIENT, "documents"
    msg.set_content(body)
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="zip", filename=name)
    return msg.as_bytes(policy=email.policy.SMTP)


def decision_of(gateway: Any, message_id: str) -> dict[str, Any]:
    outcomes(gateway, message_id)
    return dict(next(e for e in events(gateway, message_id) if e["kind"] == "decision")["detail"]["decision"])


def backup_entry(gateway: Any, message_id: str) -> dict[str, Any]:
    status, listing = get_json(f"{gateway.api_url}/backup", gateway.admin_token())
    assert status == 200
    return dict(next(item for item in listing["items"] if item["message_id"] == message_id))


def add_expression(gateway: Any, expression: dict[str, Any]) -> None:
    put_section(gateway, "content-filter",
                lambda settings: {**settings, "expressions": [*settings.get("expressions", []), expression]})


def test_a_program_five_zips_deep_is_held_in_backup_as_unscannable(gateway):
    data = zipped("invoice.exe", PROGRAM)
    for level in range(4):
        data = zipped(f"level{level}.zip", data)
    message_id = send(gateway, SENDER, [RECIPIENT], mail(attachments=(("invoice.zip", data),)))
    decision = decision_of(gateway, message_id)
    assert (decision["action"], decision["module"], decision["verdict_class"]) == (
        "delete", "content_filter", "unscannable")
    assert "archive_cut" in decision["reason"] or any("archive_cut" in step for step in decision["path"])
    assert decision["backup"] is True
    assert backup_entry(gateway, message_id)["verdicts"]["content_filter"] == "unscannable"
    assert not delivered(gateway, message_id)


@pytest.mark.parametrize("negate", [False, True], ids=["plain", "negated"])
def test_a_regex_that_times_out_holds_the_message_not_clean(gateway, restore_settings, negate):
    add_expression(gateway, {"name": "Backtracking", "action": "reject", "conditions": [
        {"attribute": "body", "operator": "regex", "value": CATASTROPHIC, "negate": negate}]})
    message_id = send(gateway, SENDER, [RECIPIENT], mail(body="a" * 50_000 + "!\n"))
    decision = decision_of(gateway, message_id)
    assert (decision["action"], decision["module"], decision["verdict_class"]) == (
        "delete", "content_filter", "error")
    assert "Backtracking" in decision["reason"]
    assert backup_entry(gateway, message_id)["verdicts"]["content_filter"] == "error"
    assert not delivered(gateway, message_id)


def test_a_banned_phrase_past_the_examined_length_is_not_clean(gateway, restore_settings):
    add_expression(gateway, {"name": "Wire fraud", "action": "reject", "conditions": [
        {"attribute": "body", "operator": "contains", "value": "wire the funds today"}]})
    body = "Quarterly notes follow.\n" + "lorem ipsum dolor sit amet\n" * 40_000 + "Please wire the funds today.\n"
    assert len(body) > 1_000_000
    message_id = send(gateway, SENDER, [RECIPIENT], mail(body=body))
    decision = decision_of(gateway, message_id)
    assert (decision["module"], decision["verdict_class"]) == ("content_filter", "unscannable")
    assert decision["action"] == "delete" and decision["backup"] is True
    assert not delivered(gateway, message_id)


def test_520_parts_with_duplicate_content_types_are_unscannable_not_clean(gateway):
    # Each part's repeated Content-Type is a defect text: the parser's 200 kept texts run out long before
    # the part limit cuts the message, so the cut must be read from its kind, not from a sentence.
    part = b"--b\r\nContent-Type: text/plain\r\nContent-Type: text/plain\r\n\r\nnote\r\n"
    raw = (f"From: {SENDER}\r\nTo: {RECIPIENT}\r\nSubject: notes\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=b\r\n\r\n").encode() + part * 520 + b"--b--\r\n"
    message_id = send(gateway, SENDER, [RECIPIENT], raw)
    decision = decision_of(gateway, message_id)
    assert (decision["action"], decision["module"], decision["verdict_class"]) == (
        "delete", "antivirus", "unscannable")
    assert "AV_UNSCANNABLE_INCOMPLETE" in decision["reason"]
    verdicts = backup_entry(gateway, message_id)["verdicts"]
    assert verdicts["antivirus"] == "unscannable"
    assert verdicts["content_filter"] == "unscannable"
    assert not delivered(gateway, message_id)


def test_a_content_type_after_1000_header_fields_does_not_smuggle_a_program(gateway):
    fillers = "".join(f"X-Note-{n}: filler\r\n" for n in range(1000)).encode()
    raw = (f"From: {SENDER}\r\nTo: {RECIPIENT}\r\nSubject: invoice\r\n".encode() + fillers
           + b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
           + b"--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
           + b"--b\r\nContent-Type: application/octet-stream; name=invoice.exe\r\n"
           + b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(PROGRAM).replace(b"\n", b"\r\n")
           + b"--b--\r\n")
    message_id = send(gateway, SENDER, [RECIPIENT], raw)
    decision = decision_of(gateway, message_id)
    assert decision["action"] == "delete" and decision["backup"] is True
    assert decision["verdict_class"] == "unscannable"
    verdicts = backup_entry(gateway, message_id)["verdicts"]
    assert verdicts["content_filter"] == "unscannable"
    assert verdicts["antivirus"] == "unscannable"
    assert not delivered(gateway, message_id)
