"""Releasing from Backup through local mode, as an administrator and a user do: spam (GTUBE) for two recipients is
held, released as is to one of them through the API, arrives downstream once with the release fields and SCL -1,
a second click delivers nothing new; released as an attachment it arrives as message/rfc822."""

from __future__ import annotations

import uuid

import pytest

from mailgate.api.roles import Role
from mailgate.scanners.antispam.rules import GTUBE
from tests.support.cognito import api
from tests.support.local_gateway import delivered, delivered_raw, outcomes, send, simple_message, wait_for

pytestmark = pytest.mark.integration

BOB, CAROL = "bob@example.test", "carol@example.test"


def held_spam(gateway) -> tuple[str, dict]:
    """GTUBE from a fresh sender to Bob and Carol, with an SCL field of the sender's own; the Default rule keeps it."""
    sender = f"rel-{uuid.uuid4().hex[:8]}@sender.test"
    data = simple_message(sender, f"{BOB}, {CAROL}", "Cheap fasteners", body=f"Buy now.\n{GTUBE}\n",
                          extra_headers=[("X-MS-Exchange-Organization-SCL", "-1"), ("X-Mailgate-Released", "by me")])
    message_id = send(gateway, sender, [BOB, CAROL], data)
    kinds = {e["kind"] for e in outcomes(gateway, message_id, recipients=2)}
    assert "backup" in kinds and "delivered" not in kinds
    status, page = api(gateway, "GET", f"/backup?sender={sender}")
    assert status == 200
    [entry] = page["items"]
    assert entry["held_by"] == "antispam" and sorted(entry["recipients"]) == [BOB, CAROL]
    return message_id, entry


def test_an_administrator_releases_held_spam_as_is_to_one_recipient_and_a_second_click_delivers_nothing(gateway):
    message_id, entry = held_spam(gateway)
    backup_id = entry["backup_id"]
    body = {"to": [BOB], "request_id": f"click-{uuid.uuid4().hex}"}

    status, answer = api(gateway, "POST", f"/backup/{backup_id}/release", body=body)
    assert status == 200, answer
    assert [(o["to"], o["status"]) for o in answer["outcomes"]] == [(BOB, "delivered")]
    [(copy, envelope)] = wait_for(lambda: delivered(gateway, message_id))
    assert envelope["recipients"] == [BOB]
    assert copy.get_all("X-MS-Exchange-Organization-SCL") == ["-1"]  # ours only: the sender's is gone
    [released] = copy.get_all("X-Mailgate-Released")
    assert released.startswith("by admin") and released.endswith(f"backup {backup_id}")
    assert "ARC-Seal" in copy and GTUBE in copy.get_body().get_content()
    [raw] = delivered_raw(gateway, message_id)
    assert raw.count(b"X-MS-Exchange-Organization-SCL") == 1 and b"by me" not in raw

    status, again = api(gateway, "POST", f"/backup/{backup_id}/release", body=body)
    assert status == 200 and [o["status"] for o in again["outcomes"]] == ["already_delivered"]
    assert len(delivered_raw(gateway, message_id)) == 1
    status, history = api(gateway, "GET", f"/backup/{backup_id}/history")
    assert status == 200
    [release] = [h for h in history["history"] if h["action"] == "released"]
    assert (release["to"], release["outcome"]) == ([BOB], "delivered") and release["actor"].startswith("admin")
    status, shown = api(gateway, "GET", f"/backup/{backup_id}")
    assert shown["released_to"] == [BOB]
    status, logged = api(gateway, "GET", f"/messages/{message_id}/events")
    assert [e["recipient"] for e in logged["events"] if e["kind"] == "released"] == [BOB]


def test_released_as_an_attachment_it_arrives_as_message_rfc822_once_for_a_double_click(gateway):
    message_id, entry = held_spam(gateway)
    backup_id = entry["backup_id"]
    first = api(gateway, "POST", f"/backup/{backup_id}/release", body={"to": [CAROL], "as_attachment": True})
    second = api(gateway, "POST", f"/backup/{backup_id}/release", body={"to": [CAROL], "as_attachment": True})
    assert first[0] == second[0] == 200
    assert [o["status"] for o in first[1]["outcomes"] + second[1]["outcomes"]] == ["delivered", "already_delivered"]
    [(copy, envelope)] = wait_for(lambda: delivered(gateway, message_id))
    assert envelope["recipients"] == [CAROL]
    assert copy["Subject"] == "Released from Backup: Cheap fasteners"
    assert copy.get_all("X-MS-Exchange-Organization-SCL") == ["-1"]
    text, attached = [p for p in copy.iter_parts()]
    assert "Held because:" in text.get_content() and "admin" in text.get_content()
    assert attached.get_content_type() == "message/rfc822"
    original = attached.get_content()
    assert original["Subject"] == "Cheap fasteners" and GTUBE in original.get_body().get_content()
    assert len(delivered_raw(gateway, message_id)) == 1


def test_a_user_releases_their_own_spam_to_themselves_only(gateway):
    message_id, entry = held_spam(gateway)
    path = f"/backup/{entry['backup_id']}/release"
    status, refused = api(gateway, "POST", path, role=Role.PERSONAL_USER, body={"to": [CAROL]})
    assert status == 403 and CAROL in refused["message"]
    assert api(gateway, "POST", path, role=Role.AUDITOR, body={})[0] == 403
    status, answer = api(gateway, "POST", path, role=Role.PERSONAL_USER, body={})
    assert status == 200, answer
    assert [(o["to"], o["status"]) for o in answer["outcomes"]] == [(BOB, "delivered")]
    assert [h["to"] for h in answer["history"]] == [[BOB]]
    [(_copy, envelope)] = wait_for(lambda: delivered(gateway, message_id))
    assert envelope["recipients"] == [BOB]
