"""When clamd stops answering, the gateway says so: mail is held (never delivered as clean), /health turns
`degraded` naming the engine, and an `error` event about the engine is in the log; when clamd answers
again, health is `ok` and mail flows."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from mailgate.api.roles import Role
from mailgate.local.api_server import get_json
from mailgate.local.ports import free_port
from mailgate.scan.service import APPLICATION_ANTIVIRUS
from tests.support.cognito import api
from tests.support.local_gateway import events, outcomes, send, wait_for
from tests.support.settings_api import put_section

pytestmark = pytest.mark.integration


def mail(subject: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "alice@sender.test", "bob@example.test", subject
    msg.set_content("The minutes of Monday's meeting.\n")
    msg.add_attachment(b"minutes\n", maintype="text", subtype="plain", filename="minutes.txt")
    return bytes(msg)


def test_an_unreachable_clamd_holds_mail_and_shows_in_health_and_the_log(gateway, restore_settings) -> None:
    working = api(gateway, "GET", "/settings/antivirus")[1]["settings"]["clamd"]
    assert working, "the test gateway runs a real clamd"
    dead = f"127.0.0.1:{free_port()}"  # nothing listens here
    put_section(gateway, "antivirus", lambda s: {**s, "clamd": dead})

    held_id = send(gateway, "alice@sender.test", ["bob@example.test"], mail("Minutes"))
    kinds = {e["kind"] for e in outcomes(gateway, held_id)}
    assert "backup" in kinds and "delivered" not in kinds
    scanned = next(e for e in events(gateway, held_id) if e["kind"] == "scanned" and "antivirus" in e["summary"])
    assert scanned["verdicts"] == ["error"]

    status, health = get_json(f"{gateway.api_url}/health", None)
    assert status == 200
    assert health["status"] == "degraded"
    engine = health["engines"]["antivirus"]
    assert engine["state"] == "down" and engine["address"] == dead
    assert any(w.startswith("antivirus: clamd at " + dead) for w in health["warnings"])

    status, log = api(gateway, "GET", f"/messages/{APPLICATION_ANTIVIRUS}/events", role=Role.AUDITOR)
    assert status == 200, log
    errors = [e for e in log["events"] if e["kind"] == "error"]
    assert errors and "does not answer" in errors[-1]["summary"] and dead in errors[-1]["summary"]

    put_section(gateway, "antivirus", lambda s: {**s, "clamd": working})
    clean_id = send(gateway, "alice@sender.test", ["bob@example.test"], mail("Minutes again"))
    assert [e["kind"] for e in outcomes(gateway, clean_id)] == ["delivered"]
    health = wait_for(lambda: (h := get_json(f"{gateway.api_url}/health", None)[1])["status"] == "ok" and h)
    assert health["engines"]["antivirus"]["state"] == "up"
    assert not [w for w in health["warnings"] if w.startswith("antivirus")]
