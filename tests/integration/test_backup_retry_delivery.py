"""Mail held because the organisation's server was down for longer than the retries is delivered again in bulk
once it is back: `POST /backup/release` with the filter `held_by: delivery_failure` and the time range, counted
first, each entry to its own recipients, once."""

from __future__ import annotations

import uuid

import pytest

from mailgate.api.roles import Role
from tests.support.cognito import api
from tests.support.local_gateway import events, send, simple_message, wait_for
from tests.support.smtp_servers import RecordingServer

pytestmark = pytest.mark.integration


def test_held_after_every_retry_then_delivered_in_bulk_once_the_server_is_back(gateway):
    sender = f"late-{uuid.uuid4().hex[:8]}@sender.test"
    sent = [send(gateway, sender, [f"carol{n}@unreachable.test"],
                 simple_message(sender, f"carol{n}@unreachable.test", f"report {n}")) for n in range(2)]
    for message_id in sent:
        wait_for(lambda m=message_id: [e for e in events(gateway, m) if e["kind"] == "backup"], timeout=90)
    chosen = {"held_by": "delivery_failure", "sender": sender}
    status, counted = api(gateway, "POST", "/backup/release", body={"filter": chosen})
    assert status == 200 and (counted["dry_run"], counted["matched"], counted["released"]) == (True, 2, [])
    assert api(gateway, "POST", "/backup/release", role=Role.AUDITOR, body={"filter": chosen})[0] == 403

    port = gateway.config.route_for("carol0@unreachable.test").hosts[0].port
    with RecordingServer(port=port) as server:  # the organisation's server is back
        status, answer = api(gateway, "POST", "/backup/release", body={"filter": chosen, "dry_run": False})
        assert status == 200, answer
        assert sorted(o["status"] for e in answer["released"] for o in e["outcomes"]) == ["delivered", "delivered"]
        again = api(gateway, "POST", "/backup/release", body={"filter": chosen, "dry_run": False})[1]
        assert sorted(o["status"] for e in again["released"] for o in e["outcomes"]) == [
            "already_delivered", "already_delivered"]
        arrived = server.wait_for(2)
    assert sorted(r for m in arrived for r in m.rcpt_tos) == ["carol0@unreachable.test", "carol1@unreachable.test"]
    assert all(b"X-Mailgate-Released: by admin" in m.data for m in arrived) and len(server.messages) == 2
    status, released = api(gateway, "GET", f"/backup?sender={sender}&released=true")
    assert len(released["items"]) == 2
