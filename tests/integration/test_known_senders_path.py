"""Well-known senders through local mode: real SMTP in, real DKIM and DMARC against the test DNS, the
organisation's own addition to the list made through the settings API, and the explanation naming the
authentication-based test that cleared a carrier's delivery notice."""

from __future__ import annotations

import email.policy
import email.utils
from email.message import EmailMessage
from typing import Any

import pytest

from mailgate.api.roles import Role
from mailgate.delivery.dkim_signing import sign_message
from tests.support.cli import run_mailgate
from tests.support.cognito import api
from tests.support.dns_fixtures import DnsTestZone
from tests.support.local_gateway import delivered, send, wait_for
from tests.support.settings_api import put_section

pytestmark = pytest.mark.integration

TEXT = ("Hello Bob,\n\nyour parcel 00340434161234567890 is out for delivery today between 10:30 and 14:30.\n"
        "Track your parcel: https://track.{domain}/p/00340434161234567890\n"
        "Not at home? Choose a neighbour or a parcel shop: https://track.{domain}/p/change\n\n"
        "Your parcel service\n")
HTML = ('<html><body><table width="600"><tr><td><img src="https://img.{domain}/logo.png" width="120">'
        "<h1>Your parcel is on its way!</h1><p>Parcel <b>00340434161234567890</b> is out for delivery today "
        "between 10:30 and 14:30.</p><p><a href=\"https://track.{domain}/p/00340434161234567890\">Track your "
        "parcel</a> | <a href=\"https://track.{domain}/p/change\">Change delivery</a></p>"
        '<img src="https://t.{domain}/open.gif" width="1" height="1"></td></tr></table></body></html>')


def delivery_notice(domain: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Parcel Service <tracking@{domain}>"
    msg["To"] = "bob@example.test"
    msg["Subject"] = "Your parcel is out for delivery today"
    msg["Message-ID"] = email.utils.make_msgid(domain=domain)
    msg["Date"] = email.utils.formatdate()
    msg.set_content(TEXT.format(domain=domain))
    msg.add_alternative(HTML.format(domain=domain), subtype="html")
    return msg.as_bytes(policy=email.policy.SMTP)


def trust(gateway: Any, *domains: str) -> None:
    put_section(gateway, "antispam", lambda s: {**s, "known_senders": {"shipped": True, "add": list(domains),
                                                                       "remove": []}})


def antispam_explained(gateway: Any, message_id: str) -> dict[str, Any]:
    status, explained = api(gateway, "GET", f"/messages/{message_id}/explanation", role=Role.AUDITOR)
    assert status == 200, explained
    return dict(explained["verdicts"]["antispam"])


def test_a_signed_delivery_notice_from_a_sender_the_organisation_trusts_is_cleared_by_name(
        gateway, dns_zone: DnsTestZone, restore_settings, tmp_path):
    trust(gateway, "sender.test")
    key = dns_zone.key("sender.test", "s1")
    raw = sign_message(delivery_notice("sender.test"), "sender.test", "s1", key.private_pem, key.algorithm)
    message_id = send(gateway, "bounces@sender.test", ["bob@example.test"], raw)
    [(copy, _envelope)] = wait_for(lambda: delivered(gateway, message_id))
    assert copy["X-Mailgate-Spam-Flag"] == "NO"
    assert "AUTH_KNOWN_SENDER=-5" in copy["X-Mailgate-Spam-Tests"]
    antispam = antispam_explained(gateway, message_id)
    [known] = [r for r in antispam["reasons"] if r["test"] == "AUTH_KNOWN_SENDER"]
    assert "DMARC pass by DKIM d=sender.test" in known["evidence"]
    assert "sender.test (other, the organisation's list)" in known["evidence"]
    assert antispam["verdict"] == "not_spam"

    (tmp_path / "notice.eml").write_bytes(raw)
    explained = run_mailgate("explain", "--state-dir", str(gateway.options.state_dir), "--dns", dns_zone.address,
                             str(tmp_path / "notice.eml"))
    assert explained.returncode == 0, explained.stderr[-2000:]
    assert "AUTH_KNOWN_SENDER" in explained.stdout and "DMARC pass" in explained.stdout


def test_the_same_from_without_authentication_gets_nothing(gateway, restore_settings):
    trust(gateway, "lax.test")  # DMARC p=none: unauthenticated mail is delivered, so the score shows
    message_id = send(gateway, "bounces@lax.test", ["bob@example.test"], delivery_notice("lax.test"))
    wait_for(lambda: delivered(gateway, message_id))
    antispam = antispam_explained(gateway, message_id)
    assert "AUTH_KNOWN_SENDER" not in {r["test"] for r in antispam["reasons"]}
    assert not any("capped" in r["description"] for r in antispam["reasons"])


def test_a_value_that_is_not_a_domain_is_refused_with_the_field_named(gateway, restore_settings):
    status, current = api(gateway, "GET", "/settings/antispam")
    settings = {**current["settings"], "known_senders": {"add": ["shop.example", "not a domain"]}}
    status, body = api(gateway, "PUT", "/settings/antispam", body={"version": current["version"],
                                                                   "settings": settings})
    assert status == 422, body
    assert "known_senders.add[1]" in str(body)


PITCH = ("Dear friend,\n\nCONGRATULATIONS! You have been selected to receive a FREE gift card worth $500.\n"
         "Click here now to claim your prize before this limited time offer expires!!! Act now, no credit\n"
         "card required, 100% guaranteed. Lowest prices on viagra and cialis, order online today and save\n"
         "90%.\n\nhttps://claim.attacker.test/prize?id=12345\n")


def test_bulk_mail_headers_do_not_launder_an_unauthenticated_pitch(gateway, restore_settings):
    """attacker.test publishes no DMARC record: its own SPF pass aligns, but nothing passes DMARC. The spam
    threshold is out of reach here so that the pitch's score sits where mass mailing and probable spam meet."""
    put_section(gateway, "antispam", lambda s: {**s, "spam_threshold": 1000})
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Deals <deals@attacker.test>", "bob@example.test", "Exclusive deal"
    msg["Message-ID"], msg["Date"] = email.utils.make_msgid(domain="attacker.test"), email.utils.formatdate()
    msg["List-Unsubscribe"] = "<https://attacker.test/u/1>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Feedback-ID"] = "deal:1:attacker"
    msg["Precedence"] = "bulk"
    msg.set_content(PITCH)
    message_id = send(gateway, "bounces@attacker.test", ["bob@example.test"], msg.as_bytes(policy=email.policy.SMTP))
    antispam = wait_for(lambda: _explained_when_decided(gateway, message_id))
    assert antispam["verdict"] == "probable_spam", antispam
    assert any(r["test"] == "BULK_MAIL" for r in antispam["reasons"])


def _explained_when_decided(gateway: Any, message_id: str) -> dict[str, Any] | None:
    status, explained = api(gateway, "GET", f"/messages/{message_id}/explanation", role=Role.AUDITOR)
    return dict(explained["verdicts"]["antispam"]) if status == 200 else None
