"""What the gateway does to the bytes it delivers, checked on the copy the organisation's server receives."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from mailgate.scanners.authentication.arc import verify_arc
from tests.support.dns_fixtures import DnsTestZone
from tests.support.local_gateway import delivered_raw, events, send, simple_message, wait_for
from tests.support.settings_api import put_section

pytestmark = pytest.mark.integration


def test_delivered_mail_is_arc_sealed_with_our_verdicts(gateway, dns_zone: DnsTestZone) -> None:
    message_id = send(gateway, "alice@sender.test", ["carol@example.test"],
                      simple_message("Alice <alice@sender.test>", "carol@example.test", "Minutes of Monday"))
    [raw] = wait_for(lambda: delivered_raw(gateway, message_id) or None)
    result = verify_arc(raw, dns_zone.resolver())
    assert (result.result, result.instances, result.sealers) == ("pass", 1, ("example.test",))
    aar = raw.split(b"ARC-Authentication-Results:", 1)[1].split(b"\nARC-", 1)[0]
    aar = aar.split(b"\nAuthentication-Results", 1)[0]
    assert b"i=1; mailgate.local" in aar and b"spf=" in aar and b"dmarc=" in aar
    assert not [e for e in events(gateway, message_id) if e["kind"] == "error"]


def test_a_disclaimer_goes_on_all_outgoing_mail_once_per_thread(gateway, restore_settings, dns_zone) -> None:
    put_section(gateway, "modifications", lambda m: {**m, "disclaimers": [
        {"name": "Legal", "text": "Example Test Ltd, registered in Testshire.\nThis mail is confidential.",
         "position": "bottom"}]})

    def outgoing(table):
        out = {"name": "Outgoing", "description": "our own users' mail, from our mail server",
               "senders": {"domains": ["example.test"]}, "disclaimer": "Legal",
               "modules": {"authentication": {"enabled": False}}}
        table["rules"] = [out, table["rules"][-1]]
        return table

    put_section(gateway, "rules", outgoing)
    first = send(gateway, "carol@example.test", ["dave@example.test"],
                 simple_message("Carol <carol@example.test>", "dave@example.test", "Offer", "Please find our offer.\n"))
    [raw] = wait_for(lambda: delivered_raw(gateway, first) or None)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    body = parsed.get_body(("plain",)).get_content()
    assert body.startswith("Please find our offer.")
    assert body.rstrip().endswith("Example Test Ltd, registered in Testshire.\r\nThis mail is confidential.")
    assert verify_arc(raw, dns_zone.resolver()).result == "pass"  # sealed after the body changed

    quoted = "\n".join("> " + line for line in body.splitlines())
    reply = send(gateway, "dave@example.test", ["carol@example.test"],
                 simple_message("Dave <dave@example.test>", "carol@example.test", "Re: Offer",
                                "Thanks, accepted.\n\n" + quoted + "\n"))
    [raw_reply] = wait_for(lambda: delivered_raw(gateway, reply) or None)
    reply_body = email.message_from_bytes(raw_reply, policy=email.policy.default).get_body(("plain",)).get_content()
    assert reply_body.count("registered in Testshire") == 1

    inbound = send(gateway, "alice@sender.test", ["dave@example.test"],
                   simple_message("alice@sender.test", "dave@example.test", "From outside"))
    [raw_inbound] = wait_for(lambda: delivered_raw(gateway, inbound) or None)
    assert b"Testshire" not in raw_inbound


def test_uncertain_mail_is_tagged_and_carries_the_warning_in_every_body_part(gateway, restore_settings) -> None:
    def warn(table):
        default = table["rules"][-1]
        default["modules"]["antispam"] = {"probable_threshold": 0.5, "spam_threshold": 1000.0, "probable_spam": {
            "subject_tag": "[Suspicious]", "insecure_warning": True}}
        return table

    put_section(gateway, "rules", warn)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "alice@sender.test", "bob@example.test", "Réduction: 70 % today"
    msg.set_content("Limited offer: order now at a 70% discount. Free shipping, act now!\n",
                    charset="iso-8859-1", cte="quoted-printable")
    msg.add_alternative("<html><body><p>Limited offer: order now at a 70% discount.</p></body></html>\n",
                        subtype="html")
    msg.add_attachment(b"%PDF-1.4 price list", maintype="application", subtype="pdf", filename="prices.pdf")
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"], msg.as_bytes(policy=email.policy.SMTP))
    [raw] = wait_for(lambda: delivered_raw(gateway, message_id) or None)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == "[Suspicious] Réduction: 70 % today"
    assert [p.get_content_type() for p in parsed.walk()] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "text/html", "application/pdf"]
    assert parsed.get_body(("plain",)).get_content().startswith("Caution: the mail gateway found this message")
    assert "<body><div" in parsed.get_body(("html",)).get_content()
    assert "Caution: the mail gateway" in parsed.get_body(("html",)).get_content()
    assert next(parsed.iter_attachments()).get_content() == b"%PDF-1.4 price list"
