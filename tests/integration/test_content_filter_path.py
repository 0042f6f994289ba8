"""Content Filtering through local mode: real SMTP in, the rules step cuts the attachment out, the rest
arrives downstream with a notice part, and the original waits in Backup."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage

import pytest

from mailgate.api.roles import Role
from mailgate.local.api_server import get_json
from tests.support.cognito import api
from tests.support.local_gateway import delivered, events, send, wait_for

pytestmark = pytest.mark.integration

PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(300)  # a PE file's header: a program by its bytes


def invoice(filename: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Accounts <alice@sender.test>"
    msg["To"] = "bob@example.test"
    msg["Subject"] = "Invoice 2026-118"
    msg.set_content("Dear Bob,\n\nthe invoice is attached; the figures are in the table below.\n")
    msg.add_attachment("Item;Amount\nConsulting;1200\n", subtype="csv", filename="figures.csv")
    msg.add_attachment(PROGRAM, maintype="application", subtype="pdf", filename=filename)
    return msg.as_bytes(policy=email.policy.SMTP)


def test_a_program_disguised_as_a_pdf_is_removed_and_the_rest_delivered_with_a_notice(gateway):
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"], invoice("invoice.pdf.exe"))
    [(copy, envelope)] = wait_for(lambda: delivered(gateway, message_id))
    assert envelope["recipients"] == ["bob@example.test"]
    assert copy["X-Mailgate-Action"] == "delete_attachment"
    names = [part.get_filename() for part in copy.iter_attachments()]
    assert "invoice.pdf.exe" not in names
    assert "figures.csv" in names
    body = copy.get_body(("plain",))
    assert body is not None and "the invoice is attached" in body.get_content()
    notices = [p.get_content() for p in copy.walk()
               if p.get_content_type() == "text/plain" and "removed the following attachments" in p.get_content()]
    assert len(notices) == 1
    assert "invoice.pdf.exe" in notices[0]
    assert "Executables and scripts" in notices[0]

    kinds = [e["kind"] for e in events(gateway, message_id)]
    assert "parts_removed" in kinds and "backup" in kinds
    status, listing = get_json(f"{gateway.api_url}/backup", gateway.admin_token())
    assert status == 200
    entry = next(item for item in listing["items"] if item["message_id"] == message_id)
    assert entry["verdicts"]["content_filter"] == "violation"
    assert entry["recipients"] == ["bob@example.test"]


def test_a_program_renamed_to_an_innocent_extension_is_found_by_its_bytes(gateway):
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"], invoice("scan-0042.pdf"))
    [(copy, _envelope)] = wait_for(lambda: delivered(gateway, message_id))
    assert [part.get_filename() for part in copy.iter_attachments() if part.get_filename()] == ["figures.csv"]
    decision = next(e for e in events(gateway, message_id) if e["kind"] == "decision")["detail"]["decision"]
    assert decision["module"] == "content_filter"
    assert decision["removals"] == [{"part_path": "3", "filename": "scan-0042.pdf",
                                     "reason": "Content Filtering: Executables and scripts"}]


def test_an_ordinary_attachment_passes_untouched(gateway):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "alice@sender.test", "bob@example.test", "minutes"
    msg.set_content("Minutes attached.\n")
    msg.add_attachment("Agenda\n1. Budget\n", subtype="plain", filename="minutes.txt")
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"], msg.as_bytes(policy=email.policy.SMTP))
    [(copy, _envelope)] = wait_for(lambda: delivered(gateway, message_id))
    assert copy["X-Mailgate-Action"] == "deliver"
    assert [part.get_filename() for part in copy.iter_attachments()] == ["minutes.txt"]


def test_the_api_explains_a_logged_message_from_its_stored_report(gateway):
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"], invoice("invoice.pdf.exe"))
    wait_for(lambda: delivered(gateway, message_id))
    status, explained = api(gateway, "GET", f"/messages/{message_id}/explanation", role=Role.AUDITOR)
    assert status == 200
    assert explained["verdicts"]["content_filter"]["verdict"] == "violation"
    [group] = explained["groups"]
    assert group["recipients"] == ["bob@example.test"]
    assert group["decision"]["action"] == "delete_attachment"
    assert any("Content Filtering" in step and "triggered" in step for step in group["decision"]["path"])
    assert api(gateway, "GET", f"/messages/{message_id}/explanation", role=Role.PERSONAL_USER)[0] == 403
    status, missing = api(gateway, "GET", "/messages/no-such-message/explanation")
    assert (status, missing["error"]) == (404, "not_found")
