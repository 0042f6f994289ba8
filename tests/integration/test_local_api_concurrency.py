"""The web console asks the local API several things at once (a Backup entry and its history, the dashboard's
charts). In AWS each concurrent request has a Lambda instance of its own; local mode's one api function keeps
per-request state in Powertools' resolver (the current event, the principal), so the local API server must
give it one request at a time, as one Lambda instance gets them: the same answers as one by one, none crossed."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from mailgate.api.roles import Role
from mailgate.scanners.antispam.rules import GTUBE
from tests.support.cognito import api, token
from tests.support.local_gateway import outcomes, send, simple_message

pytestmark = pytest.mark.integration

BOB = "bob@example.test"  # the local PersonalUser
PARALLEL = 8


def test_requests_at_the_same_time_are_each_answered_as_if_alone(gateway):
    sender = f"parallel-{uuid.uuid4().hex[:8]}@sender.test"
    message = simple_message(sender, BOB, "Parallel", body=f"Your order.\n{GTUBE}\n")
    message_id = send(gateway, sender, [BOB], message)
    assert "backup" in {e["kind"] for e in outcomes(gateway, message_id)}
    status, page = api(gateway, "GET", f"/backup?sender={sender}", role=Role.PERSONAL_USER)
    assert status == 200, page
    entry = page["items"][0]["backup_id"]
    bearers = {role: token(gateway, role) for role in (Role.ADMINISTRATOR, Role.PERSONAL_USER)}

    def ask(call: tuple[Role, str]) -> tuple[Role, str, int, str]:
        role, path = call
        reply = requests.get(f"{gateway.api_url}{path}", headers={"Authorization": f"Bearer {bearers[role]}"},
                             timeout=60)
        return role, path, reply.status_code, reply.text

    paths = (f"/backup/{entry}", f"/backup/{entry}/history", "/me", "/backup")
    calls = [(role, path) for role in bearers for path in paths] * (PARALLEL * 2)
    with ThreadPoolExecutor(PARALLEL) as pool:
        answers = list(pool.map(ask, calls))
    failed = [(role, path, status, text[:200]) for role, path, status, text in answers if status != 200]
    assert failed == []
    for role, path, _status, text in answers:
        if path == "/me":
            assert role.value in text, (role, text[:200])
