"""No backscatter: a rejected message is bounced, and a sender notified, only when SPF or DKIM authenticates
the envelope sender's domain; never for an unauthenticated or temperror sender, never to a sender on the deny
list. Through local mode with real SMTP and DNS; what was sent is read back from SES (moto) as it left."""

from __future__ import annotations

import email.policy
import json
import urllib.request
from email.message import EmailMessage
from typing import Any

import pytest

from mailgate.scanners.antivirus.database import EICAR
from mailgate.wiring import process
from tests.support.cognito import api
from tests.support.local_gateway import events, outcomes, send, simple_message, wait_for
from tests.support.settings_api import put_section

pytestmark = pytest.mark.integration
AUTHENTICATED = "alice@sender.test"  # SPF ip4:127.0.0.0/8: the tests send from 127.0.0.1
UNAUTHENTICATED = "someone@nodmarc-nospf.test"  # no SPF, no DMARC, no signature
TEMPERROR = "someone@unresolvable.example"  # the test DNS refuses names outside .test: SPF temperror


def sent_to(gateway: Any, address: str, marker: str) -> list[str]:
    with urllib.request.urlopen(f"{gateway.moto_url}/moto-api/data.json", timeout=10) as reply:
        sent = json.loads(reply.read())["ses"]["RawMessage"]
    return [m["raw_data"] for m in sent if address in m["destinations"] and marker in m["raw_data"]]


@pytest.fixture
def refusing_rule(gateway, restore_settings) -> None:
    """Mail to refused@example.test is rejected by a rule; an infected message to bob is rejected with a note
    to the sender."""

    def change(table: dict[str, Any]) -> dict[str, Any]:
        table["rules"].insert(0, {"name": "Refused mailbox", "mode": "reject",
                                  "recipients": {"addresses": ["refused@example.test"]}})
        table["rules"][-1]["modules"]["antivirus"]["infected"] = {"action": "reject", "notify": ["sender"]}
        return table

    put_section(gateway, "rules", change)


@pytest.mark.parametrize(("sender", "bounced"), [(AUTHENTICATED, True), (UNAUTHENTICATED, False), (TEMPERROR, False)])
def test_a_rejection_is_bounced_only_to_an_authenticated_sender(gateway, refusing_rule, sender, bounced) -> None:
    marker = f"refused-{sender.replace('@', '-at-')}"
    message_id = send(gateway, sender, ["refused@example.test"], simple_message(sender, "refused@example.test", marker))
    [final] = outcomes(gateway, message_id)
    assert final["kind"] == "rejected" and final["detail"]["bounced"] is bounced, final
    assert bool(sent_to(gateway, sender, marker)) is bounced
    if not bounced:
        assert "is not authenticated" in final["summary"]
    if sender == TEMPERROR:
        assert "SPF temperror" in final["summary"], final


def test_a_sender_on_the_deny_list_never_gets_a_bounce(gateway, refusing_rule) -> None:
    current = api(gateway, "GET", "/lists")[1]
    status, saved = api(gateway, "PUT", "/lists", body={"version": current["version"],
                                                        "settings": {"deny": ["alice@sender.test"]}})
    assert status == 200, saved
    process.reset()
    message_id = send(gateway, AUTHENTICATED, ["bob@example.test"],
                      simple_message(AUTHENTICATED, "bob@example.test", "denied-alice"))
    [final] = outcomes(gateway, message_id)
    assert final["kind"] == "rejected" and final["detail"]["bounced"] is False
    assert "deny list" in final["summary"] and not sent_to(gateway, AUTHENTICATED, "denied-alice")


@pytest.mark.parametrize(("sender", "notified"), [(AUTHENTICATED, True), (UNAUTHENTICATED, False)])
def test_the_sender_is_notified_only_when_authenticated(gateway, refusing_rule, sender, notified) -> None:
    marker = f"virus-for-{sender.partition('@')[0]}"
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "bob@example.test", marker
    msg.set_content("see attached\n")
    msg.add_attachment(EICAR, maintype="text", subtype="plain", filename="eicar.txt")
    message_id = send(gateway, sender, ["bob@example.test"], msg.as_bytes(policy=email.policy.SMTP))
    outcomes(gateway, message_id)
    # the notification follows the outcome's event: wait for it rather than read too soon
    notes = wait_for(lambda: [e for e in events(gateway, message_id) if e["kind"] == "notified"] or None)
    assert notes, "the decision asks to notify the sender: the log says what became of it"
    assert (notes[0]["detail"].get("sent") is not False) is notified, notes
    assert bool(sent_to(gateway, sender, marker)) is notified
