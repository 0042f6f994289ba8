"""`mailgate serve`, stopped with Ctrl-C and started again on the same state folder, still has what the first
run held in Backup, its settings change and its event log, and the token fetched before the restart works."""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from mailgate.local.api_server import call
from mailgate.local.ports import free_port
from mailgate.scanners.antivirus.database import EICAR
from tests.integration.test_cli_serve import Served, serve_through_a_pipe
from tests.support.cli import run_mailgate
from tests.support.local_gateway import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]


def _start(state_dir: Path, downstream: int, internet: int) -> tuple[Served, str]:
    """serve on fresh ports but the downstream and "internet" ones (the configuration it generates names them, and
    stays the same); its API."""
    api_port = free_port()
    served = serve_through_a_pipe(state_dir, "--api-port", str(api_port), downstream_port=downstream,
                                  internet_port=internet)
    wait_for(lambda: "Press Ctrl-C" in served.text() or served.shell.poll() is not None, timeout=240)
    assert "Press Ctrl-C" in served.text(), served.text()
    return served, f"http://127.0.0.1:{api_port}"


def _api(url: str, token: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    status, _headers, raw = call(method, f"{url}{path}", token, body)
    return status, json.loads(raw) if raw else None


def _virus(port: int) -> str:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "alice@sender.test", "bob@example.test", "figures"
    message.set_content("see attached\n")
    message.add_attachment(EICAR, maintype="text", subtype="plain", filename="figures.txt")
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo("client.sender.test")
        smtp.send_message(message)
        code, reply = smtp.noop()
    assert code == 250, reply
    return message.as_string()


def test_held_mail_settings_and_tokens_survive_a_restart(tmp_path_factory):
    state_dir, downstream, internet = tmp_path_factory.mktemp("restart"), free_port(), free_port()

    first, url = _start(state_dir, downstream, internet)
    try:
        token = run_mailgate("token", "--user", "admin", "--state-dir", str(state_dir)).stdout.strip()
        _virus(first.smtp_port)
        held = wait_for(lambda: _api(url, token, "GET", "/backup")[1]["items"] or None, timeout=120)
        assert [h["held_by"] for h in held] == ["antivirus"]
        status, general = _api(url, token, "GET", "/settings/general")
        assert status == 200
        status, changed = _api(url, token, "PATCH", "/settings/general",
                               {"version": general["version"], "event_retention_days": 45})
        assert status == 200, changed
    finally:
        first.ctrl_c()
    current = state_dir / "snapshot" / (state_dir / "snapshot" / "CURRENT").read_text().strip()
    saved = json.loads((current / "manifest.json").read_text())
    assert any(o["key"].startswith("backup/") for o in saved["objects"])  # the kept original, not only its entry

    second, url = _start(state_dir, downstream, internet)
    try:
        assert "note: restored the last run's state" in second.text()
        status, kept = _api(url, token, "GET", "/backup")  # the token fetched before the restart
        assert status == 200, kept
        assert [(k["backup_id"], k["held_by"]) for k in kept["items"]] == [(h["backup_id"], "antivirus")
                                                                          for h in held]
        status, general = _api(url, token, "GET", "/settings/general")
        assert (status, general["event_retention_days"], general["version"]) == (200, 45, changed["version"])
        status, history = _api(url, token, "GET", f"/messages/{held[0]['message_id']}/events")
        assert status == 200 and "backup" in [e["kind"] for e in history["events"]]
        _virus(second.smtp_port)  # and the restored gateway keeps working
        wait_for(lambda: len(_api(url, token, "GET", "/backup")[1]["items"]) == 2 or None, timeout=120)
    finally:
        second.ctrl_c()
