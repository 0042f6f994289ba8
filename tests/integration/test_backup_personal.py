"""Personal Backup through local mode with real SMTP: a user releases their own spam and allows its sender, so
the sender's next message is delivered; the same user cannot release a virus but asks for it, and an
administrator's approval delivers it to them."""

from __future__ import annotations

import uuid

import pytest

from mailgate.api.roles import Role
from mailgate.scanners.antispam.rules import GTUBE
from mailgate.scanners.antivirus.database import EICAR
from tests.support.cognito import api
from tests.support.local_gateway import delivered, outcomes, send, simple_message, wait_for
from tests.support.settings_api import lists_changed

pytestmark = pytest.mark.integration

BOB = "bob@example.test"  # the local PersonalUser


def held(gateway, sender: str, body: str) -> tuple[str, dict]:
    message_id = send(gateway, sender, [BOB], simple_message(sender, BOB, "Order 1234", body=body))
    kinds = {e["kind"] for e in outcomes(gateway, message_id)}
    assert "backup" in kinds and "delivered" not in kinds, kinds
    status, page = api(gateway, "GET", f"/backup?sender={sender}", role=Role.PERSONAL_USER)
    assert status == 200
    [entry] = page["items"]
    return message_id, entry




def test_a_user_releases_their_spam_and_allows_the_sender_whose_next_message_is_delivered(gateway, bobs_lists):
    sender = f"shop-{uuid.uuid4().hex[:8]}@sender.test"
    message_id, entry = held(gateway, sender, f"Your order.\n{GTUBE}\n")
    status, answer = api(gateway, "POST", f"/backup/{entry['backup_id']}/release", role=Role.PERSONAL_USER,
                         body={"allow_sender": "personal"})
    assert status == 200, answer
    assert [o["status"] for o in answer["outcomes"]] == ["delivered"]
    assert answer["follow_up"] == [f"{sender} allowed by {BOB}"]
    wait_for(lambda: delivered(gateway, message_id))
    status, lists = api(gateway, "GET", "/lists/personal", role=Role.PERSONAL_USER)
    assert sender in lists["allow"]

    refused = api(gateway, "POST", f"/backup/{entry['backup_id']}/release", role=Role.PERSONAL_USER,
                  body={"allow_sender": "organisation"})
    assert refused[0] == 403 and "allow_sender personal" in refused[1]["message"]

    lists_changed()
    next_id = send(gateway, sender, [BOB], simple_message(sender, BOB, "Order 1235", body=f"Again.\n{GTUBE}\n"))
    assert "delivered" in {e["kind"] for e in outcomes(gateway, next_id)}
    assert wait_for(lambda: delivered(gateway, next_id))


def test_a_user_asks_for_a_virus_and_an_administrators_approval_delivers_it_to_them(gateway):
    sender = f"files-{uuid.uuid4().hex[:8]}@sender.test"
    message_id, entry = held(gateway, sender, "Here it is inline:\n" + EICAR.decode() + "\n")
    backup_id = entry["backup_id"]
    status, refused = api(gateway, "POST", f"/backup/{backup_id}/release", role=Role.PERSONAL_USER, body={})
    assert status == 403 and "release-request" in refused["message"]
    status, asked = api(gateway, "POST", f"/backup/{backup_id}/release-request", role=Role.PERSONAL_USER,
                        body={"note": "the drawings from our supplier"})
    assert status == 202, asked
    status, pending = api(gateway, "GET", "/backup/release-requests", role=Role.SECURITY_OFFICER)
    assert backup_id in [e["backup_id"] for e in pending["items"]]
    approve = f"/backup/{backup_id}/release-request/approve"
    assert api(gateway, "POST", approve, role=Role.SECURITY_OFFICER, body={"confirm": True})[0] == 403
    assert api(gateway, "POST", approve, role=Role.ADMINISTRATOR, body={})[0] == 403  # no confirmation
    status, answer = api(gateway, "POST", approve, role=Role.ADMINISTRATOR, body={"confirm": True})
    assert status == 200, answer
    assert [(o["to"], o["status"]) for o in answer["outcomes"]] == [(BOB, "delivered")]
    [(copy, envelope)] = wait_for(lambda: delivered(gateway, message_id))
    assert envelope["recipients"] == [BOB] and copy["X-Mailgate-Released"]
    status, pending = api(gateway, "GET", "/backup/release-requests", role=Role.SECURITY_OFFICER)
    assert backup_id not in [e["backup_id"] for e in pending["items"]]
    assert api(gateway, "POST", approve, role=Role.ADMINISTRATOR, body={"confirm": True})[0] == 409
    status, mine = api(gateway, "GET", f"/backup/{backup_id}/history", role=Role.PERSONAL_USER)
    assert [h["action"] for h in mine["history"]] == ["release_requested", "released"]
