"""Allow and deny lists through local mode with real SMTP: what arrives, what is held, what the sender gets
back, and what the event log says."""

from __future__ import annotations

import email.policy
import json
import urllib.request
from email.message import EmailMessage

import pytest

from mailgate.api.roles import Role
from mailgate.scanners.antivirus.database import EICAR
from tests.support.cognito import api
from tests.support.local_gateway import delivered, events, outcomes, send, simple_message, wait_for
from tests.support.settings_api import lists_changed, put_section

pytestmark = pytest.mark.integration

PITCH = "Limited offer: order now at a 70% discount. Free shipping, act now!\nTo unsubscribe reply STOP.\n"




def hold_probable_spam(table):
    default = table["rules"][-1]
    default["modules"]["antispam"] = {"probable_threshold": 0.5, "spam_threshold": 1000.0,
                                      "probable_spam": {"action": "delete_message", "backup": True}}
    return table


def test_a_personal_allow_entry_overrides_probable_spam_but_not_a_virus(gateway, restore_settings, bobs_lists):
    put_section(gateway, "rules", hold_probable_spam)
    current = api(gateway, "GET", "/lists/personal", role=Role.PERSONAL_USER)[1]
    status, saved = api(gateway, "PUT", "/lists/personal", role=Role.PERSONAL_USER,
                        body={"version": current["version"], "allow": ["alice@sender.test"]})
    assert status == 200, saved
    lists_changed()

    pitch = simple_message("alice@sender.test", "bob@example.test, erin@example.test", "Fasteners offer", PITCH)
    message_id = send(gateway, "alice@sender.test", ["bob@example.test", "erin@example.test"], pitch)
    [(copy, envelope)] = wait_for(lambda: delivered(gateway, message_id))
    assert envelope["recipients"] == ["bob@example.test"] and copy["Subject"] == "Fasteners offer"
    logged = wait_for(lambda: d if len(d := [e for e in events(gateway, message_id) if e["kind"] == "decision"]) == 2
                      else None)
    decisions = {e["recipient"]: e["detail"]["decision"] for e in logged}
    assert any("personal allow list (address alice@sender.test)" in step
               for step in decisions["bob@example.test"]["path"])
    assert (decisions["erin@example.test"]["action"], decisions["erin@example.test"]["backup"]) == ("delete", True)

    virus = EmailMessage()
    virus["From"], virus["To"], virus["Subject"] = "alice@sender.test", "bob@example.test", "invoice"
    virus.set_content("see attached\n")
    virus.add_attachment(EICAR, maintype="application", subtype="octet-stream", filename="invoice.com")
    infected = send(gateway, "alice@sender.test", ["bob@example.test"], virus.as_bytes(policy=email.policy.SMTP))
    kinds = {e["kind"] for e in outcomes(gateway, infected)}
    assert "backup" in kinds and "delivered" not in kinds
    [decision] = [e["detail"]["decision"] for e in events(gateway, infected) if e["kind"] == "decision"]
    assert decision["module"] == "antivirus"
    assert any("Anti-Spam: not applied" in step for step in decision["path"])  # the entry did apply


def test_a_global_deny_entry_rejects_and_the_log_says_why_but_the_sender_gets_no_bounce(gateway, restore_settings):
    status, current = api(gateway, "GET", "/lists", role=Role.SECURITY_OFFICER)
    assert status == 200
    status, saved = api(gateway, "PUT", "/lists", role=Role.SECURITY_OFFICER,
                        body={"version": current["version"], "settings": {"deny": [
                            {"entry": "*@sender.test", "comment": "spam run, ticket 99"}]}})
    assert status == 200, saved
    lists_changed()
    message_id = send(gateway, "carl@sender.test", ["bob@example.test"],
                      simple_message("carl@sender.test", "bob@example.test", "Hello again"))
    [final] = outcomes(gateway, message_id)
    assert final["kind"] == "rejected" and final["detail"]["bounced"] is False  # no backscatter to the denied
    assert "deny list (mask *@sender.test; comment: spam run, ticket 99)" in final["summary"]
    assert "no bounce: the sender is on the deny list" in final["summary"]
    with urllib.request.urlopen(f"{gateway.moto_url}/moto-api/data.json", timeout=10) as reply:
        sent = json.loads(reply.read())["ses"]["RawMessage"]
    assert not [m for m in sent if "carl@sender.test" in m["destinations"] and "Hello again" in m["raw_data"]]
