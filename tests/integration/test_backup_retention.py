"""Backup's retention through local mode: past the size limit the oldest entries go first, each leaving an event,
run by the api function's schedule (here: asked to run now, as the schedule would)."""

from __future__ import annotations

import uuid

import pytest

from mailgate.scanners.antivirus.database import EICAR
from mailgate.wiring import process
from tests.support.cognito import api
from tests.support.local_gateway import outcomes, send, simple_message

pytestmark = pytest.mark.integration


def held_virus(gateway, sender: str, number: int) -> str:
    padding = ("Quarterly figures attached. " * 40 + "\n") * 300  # about 340 KB
    data = simple_message(sender, "bob@example.test", f"figures {number}",
                          body=f"{padding}Inline:\n{EICAR.decode()}\n")
    message_id = send(gateway, sender, ["bob@example.test"], data)
    assert "backup" in {e["kind"] for e in outcomes(gateway, message_id)}
    return message_id


def test_past_the_size_limit_the_oldest_entries_go_first(gateway, restore_settings):
    sender = f"big-{uuid.uuid4().hex[:8]}@sender.test"
    sent = [held_virus(gateway, sender, n) for n in range(3)]  # about 1 MB in all, oldest first
    _, general = api(gateway, "GET", "/settings/general")
    status, changed = api(gateway, "PATCH", "/settings/general",
                          body={"version": general["version"], "backup_max_megabytes": 1})
    assert status == 200 and changed["backup_max_megabytes"] == 1, changed
    process.reset()

    result = gateway.jobs.run("backup_retention")["result"]
    _, counts = api(gateway, "GET", "/backup/counts")
    assert counts["bytes_now"] <= 2**20 and counts["bytes_now"] == result["bytes"]
    _, page = api(gateway, "GET", f"/backup?sender={sender}")
    assert sorted(e["message_id"] for e in page["items"]) == sorted(sent[1:])  # the oldest of the three went
    _, first = api(gateway, "GET", f"/messages/{sent[0]}/events")
    [removed] = [e for e in first["events"] if e["kind"] == "backup_removed"]
    assert "size limit of 1 MB" in removed["summary"] and "retention" in removed["summary"]
    assert removed["detail"]["backup_id"] in result["over_size"]
    assert not result["warned"]  # two of about 340 KB are left: under 90 % of 1 MB
