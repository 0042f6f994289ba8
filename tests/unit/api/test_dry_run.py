"""POST /rules/dry-run: an uploaded message against the current or a proposed rule table, no side effects."""

from __future__ import annotations

import base64
import email.policy
from email.message import EmailMessage

from mailgate.api.upload import MAX_UPLOAD_BYTES
from mailgate.aws.clients import client
from tests.unit.api.resolver import call, local_app

OFFICER = "SecurityOfficer"


def upload() -> str:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@sender.test", "finance@example.org, bob@example.org", "tools"
    msg["Date"], msg["Message-ID"] = "Thu, 01 Jan 2026 10:00:00 +0000", "<1@sender.test>"
    msg.set_content("the tool you asked for\n")
    msg.add_attachment(b"MZ\x90\x00" + bytes(200), maintype="application", subtype="octet-stream",
                       filename="setup.exe")
    return base64.b64encode(msg.as_bytes(policy=email.policy.SMTP)).decode()


PROPOSED = {"rules": [{"name": "Finance", "mode": "reject", "recipients": {"addresses": ["finance@example.org"]}},
                      {"name": "Default"}]}


def test_an_upload_against_the_current_and_a_proposed_table(aws) -> None:
    app = local_app()
    status, current = call(app, "POST", "/rules/dry-run", OFFICER, {"message": upload()})
    assert status == 200, current
    assert current["table"] == "current" and current["verdicts"]["antivirus"]["verdict"] == "skipped"
    [group] = current["groups"]
    assert group["recipients"] == ["finance@example.org", "bob@example.org"]
    assert group["decision"]["action"] == "delete_attachment"
    assert any("Anti-Virus does not run" in note for note in current["notes"])

    status, proposed = call(app, "POST", "/rules/dry-run", OFFICER, {"message": upload(), "rules": PROPOSED})
    assert status == 200, proposed
    decisions = {tuple(g["recipients"]): g["decision"] for g in proposed["groups"]}
    assert decisions[("finance@example.org",)]["rule"] == "Finance"
    assert decisions[("finance@example.org",)]["action"] == "reject"
    assert decisions[("bob@example.org",)]["action"] == "delete_attachment"
    assert call(app, "GET", "/settings/rules", "Administrator")[1]["settings"]["rules"][0]["name"] == "Default"
    for table in ("events", "backup"):  # nothing logged, nothing kept
        assert client("dynamodb").scan(TableName=table)["Count"] == 0, table


def test_bad_requests_are_refused_clearly(aws) -> None:
    app = local_app()
    broken = {"rules": [{"name": "Broken", "senders": {"networks": ["10.0.0.0/33"]}}, {"name": "Default"}]}
    status, body = call(app, "POST", "/rules/dry-run", OFFICER, {"message": upload(), "rules": broken})
    assert status == 422 and "networks" in body["problems"][0]["path"]
    assert call(app, "POST", "/rules/dry-run", OFFICER, {})[0] == 422
    assert call(app, "POST", "/rules/dry-run", OFFICER, {"message": upload(), "message_id": "x"})[0] == 422
    status, body = call(app, "POST", "/rules/dry-run", OFFICER, {"message": "***"})
    assert status == 422 and body["problems"][0]["path"] == "body.message"
    status, body = call(app, "POST", "/rules/dry-run", OFFICER,
                        {"message": base64.b64encode(b"just some words, not mail").decode()})
    assert status == 422
    status, body = call(app, "POST", "/rules/dry-run", OFFICER, {"message_id": "never-seen"})
    assert status == 404
    assert call(app, "POST", "/rules/dry-run", OFFICER, {"message": upload(), "client_ip": "300.1.1.1"})[0] == 422
    assert call(app, "POST", "/rules/dry-run", "Auditor", {"message": upload()})[0] == 403


def test_a_message_larger_than_the_api_carries_is_refused_with_413(aws) -> None:
    app = local_app()
    just_too_large = base64.b64encode(b"Subject: big\r\n\r\n" + b"x" * MAX_UPLOAD_BYTES).decode()
    status, body = call(app, "POST", "/rules/dry-run", OFFICER, {"message": just_too_large})
    assert status == 413 and body["error"] == "message_too_large" and str(MAX_UPLOAD_BYTES) in body["message"]
