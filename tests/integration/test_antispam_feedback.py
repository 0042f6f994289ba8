"""Anti-spam feedback through local mode's admin API: mark a Backup message as spam, and its near-copies
sent through SMTP afterwards carry the organisation's LEARNED_SPAM test."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from mailgate.api.roles import Role
from mailgate.api.upload import MAX_UPLOAD_BYTES
from mailgate.aws import dynamo
from mailgate.aws.antispam_store import POINTER_PARTITION
from mailgate.local.gateway import SETTINGS_TABLE
from mailgate.scanners.antispam.feedback import DEFAULT_ORGANISATION
from tests.support.cognito import api
from tests.support.local_gateway import events, outcomes, send, simple_message

pytestmark = pytest.mark.integration

PITCH = (
    "Hello, we are a supplier of industrial fasteners and would like to offer our catalogue for the\n"
    "coming season. Our team can deliver bolts, nuts and anchors at competitive conditions to your\n"
    "warehouse within two weeks. Reply to this email for the price list and samples.\n"
)
CONVERSATION = (
    "Hi Anna,\n\nThanks for the notes from Tuesday's meeting. I went through the budget sheet and the\n"
    "numbers for the second quarter look right to me. I will send the revised draft tomorrow.\n\nJulia\n"
)


@pytest.fixture
def fresh_model(gateway) -> Iterator[None]:
    """The session's gateway is shared: what this test teaches the model is forgotten afterwards."""
    yield
    dynamo.table(SETTINGS_TABLE).delete_item(Key={"pk": POINTER_PARTITION, "sk": DEFAULT_ORGANISATION})


def antispam_reasons(gw, message_id: str) -> dict[str, dict[str, Any]]:
    scanned = next(e for e in events(gw, message_id)
                   if e["kind"] == "scanned" and e["detail"]["result"]["scanner"] == "antispam")
    return {r["test"]: r for r in scanned["detail"]["result"]["reasons"]}


def held_in_backup(gw, tag: str) -> dict[str, Any]:
    """A pitch forged in bank.test's name: DMARC p=reject refuses it and keeps the original in Backup."""
    data = simple_message("sales@bank.test", "bob@example.test", f"Fasteners catalogue {tag}", PITCH)
    message_id = send(gw, "sales@bank.test", ["bob@example.test"], data)
    outcomes(gw, message_id)
    status, listing = api(gw, "GET", "/backup?limit=500")
    assert status == 200
    return next(item for item in listing["items"] if item["message_id"] == message_id)


def test_a_backup_message_marked_spam_makes_its_near_copies_learned_spam(gateway, fresh_model):
    tag = uuid.uuid4().hex[:8]
    entry = held_in_backup(gateway, tag)
    assert "LEARNED_SPAM" not in antispam_reasons(gateway, entry["message_id"])

    status, marked = api(gateway, "POST", "/antispam/feedback", body={"label": "spam", "backup_id": entry["backup_id"]})
    assert status == 200, marked
    assert (marked["learned"], marked["label"], marked["previous_label"]) == (True, "spam", None)
    assert len(marked["message_sha256"]) == 64
    assert marked["model"]["spam_messages"] >= 1
    assert marked["model"]["updated_by"] == "admin <admin@mailgate.local>"

    status, again = api(gateway, "POST", "/antispam/feedback", body={"label": "spam", "backup_id": entry["backup_id"]},
                        role=Role.SECURITY_OFFICER)
    assert status == 200
    assert again["learned"] is False
    assert again["message_sha256"] == marked["message_sha256"]
    assert again["model"] == marked["model"]  # nothing changed: same counts, same version

    status, model = api(gateway, "GET", "/antispam/model", role=Role.AUDITOR)
    assert (status, model) == (200, marked["model"])

    feedback = [e for e in events(gateway, entry["message_id"]) if e["kind"] == "feedback"]
    assert [e["summary"] for e in feedback] == [
        "marked as spam by admin <admin@mailgate.local>: learned",
        "marked as spam by officer <officer@mailgate.local>: already learned so, nothing changed",
    ]
    assert feedback[0]["detail"]["source"] == f"backup {entry['backup_id']}"

    # a near-copy from an authenticated sender, with its own subject and Message-ID
    copy = simple_message("sales@sender.test", "erin@example.test", f"Fasteners catalogue, second offer {tag}",
                          PITCH + "Kind regards, the sales team\n")
    copy_id = send(gateway, "sales@sender.test", ["erin@example.test"], copy)
    outcomes(gateway, copy_id)
    learned = antispam_reasons(gateway, copy_id)["LEARNED_SPAM"]
    assert learned["score"] > 2.0
    assert "fasteners" in learned["evidence"]
    assert learned["description"] == "Resembles mail this organisation marked as spam"


def test_an_uploaded_message_is_learned_once_and_can_be_relabelled(gateway, fresh_model):
    raw = simple_message("julia@partner.test", "anna@example.test", f"Re: budget {uuid.uuid4().hex[:8]}",
                         CONVERSATION)
    upload = base64.b64encode(raw).decode()
    status, first = api(gateway, "POST", "/antispam/feedback", body={"label": "not_spam", "message": upload})
    assert (status, first["learned"], first["label"]) == (200, True, "not_spam")
    status, again = api(gateway, "POST", "/antispam/feedback", body={"label": "not_spam", "message": upload})
    assert (status, again["learned"], again["model"]["version"]) == (200, False, first["model"]["version"])
    status, moved = api(gateway, "POST", "/antispam/feedback", body={"label": "spam", "message": upload})
    assert (status, moved["learned"], moved["previous_label"]) == (200, True, "not_spam")
    assert moved["model"]["version"] == first["model"]["version"] + 1
    assert moved["model"]["spam_messages"] == first["model"]["spam_messages"] + 1
    assert moved["model"]["ham_messages"] == first["model"]["ham_messages"] - 1
    status, health = api(gateway, "GET", "/health", role=None)
    assert status == 200 and health["models"]["antispam"]["version"] == moved["model"]["version"]

    status, found = api(gateway, "GET", f"/events?kind=feedback&message_id=feedback-{first['message_sha256'][:24]}")
    assert status == 200
    assert [e["detail"]["learned"] for e in found["events"]] == [True, False, True]


def test_only_administrators_and_security_officers_give_feedback(gateway):
    body = {"label": "spam", "message": base64.b64encode(b"Subject: x\r\n\r\nx\r\n").decode()}
    for role in (Role.AUDITOR, Role.PERSONAL_USER):
        status, reply = api(gateway, "POST", "/antispam/feedback", body=body, role=role)
        assert (status, reply["error"]) == (403, "forbidden")
    status, reply = api(gateway, "GET", "/antispam/model", role=Role.PERSONAL_USER)
    assert status == 403
    status, reply = api(gateway, "POST", "/antispam/feedback", body=body, role=None)
    assert status == 401


@pytest.mark.parametrize(("body", "status", "error", "says"), [
    ({"label": "spam"}, 422, "validation_error", "exactly one of backup_id and message"),
    ({"label": "spam", "backup_id": "x", "message": "eA=="}, 422, "validation_error", "exactly one"),
    ({"label": "maybe", "backup_id": "x"}, 422, "validation_error", "body.label"),
    ({"label": "spam", "backup_id": "no-such-entry"}, 404, "not_found", "no Backup entry no-such-entry"),
    ({"label": "spam", "message": "this is not base64!"}, 422, "validation_error", "not valid base64"),
    ({"label": "spam", "message": base64.b64encode(b"just a line of text\n").decode()}, 422, "validation_error",
     "not an RFC 5322 mail message"),
    ({"label": "spam", "message": base64.b64encode(b"\x00\x01" * 64).decode()}, 422, "validation_error",
     "not an RFC 5322 mail message"),
])
def test_bad_feedback_is_refused_with_a_clear_answer(gateway, body, status, error, says):
    got, reply = api(gateway, "POST", "/antispam/feedback", body=body)
    assert (got, reply["error"]) == (status, error), reply
    assert says in str(reply)


def test_an_upload_larger_than_the_limit_is_refused_with_413(gateway):
    big = b"Subject: big\r\n\r\n" + b"x" * MAX_UPLOAD_BYTES
    status, reply = api(gateway, "POST", "/antispam/feedback",
                        body={"label": "spam", "message": base64.b64encode(big).decode()})
    assert (status, reply["error"]) == (413, "message_too_large")
    assert "backup_id" in reply["message"]
