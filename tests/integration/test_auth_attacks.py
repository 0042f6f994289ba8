"""Attacks on sender authentication, through the local gateway with the real DNS zone (issue 12 items 8-11).

- A forger who sends `MAIL FROM:<@attacker.test>` (SPF `+all`, so it passes) with `HELO bank.test` and
  `From: bank.test` must not get `dmarc=pass` for bank.test, which publishes p=reject: the SPF result belongs
  to attacker.test (RFC 7208 §4.3: postmaster@attacker.test), not to the HELO name.
- DMARC pct= sampling is a per-message random draw a forger cannot steer with the Message-ID.
- A DMARC record with an invalid sp= applies no policy (RFC 7489 §6.6.3), not p=reject with sp= dropped.
- Our Authentication-Results stays within RFC 5322's line limits however many signatures a sender adds."""

from __future__ import annotations

import base64
import re
import smtplib
from typing import Any

import authres
import pytest

from mailgate.local.gateway import LocalGateway
from tests.support.local_gateway import delivered, delivered_raw, events, outcomes, send
from tests.support.ses_events import deliver_as_ses

pytestmark = pytest.mark.integration


def authentication_details(gw: LocalGateway, message_id: str) -> dict[str, Any]:
    """What the authentication scanner recorded (after the message reached its outcome)."""
    outcomes(gw, message_id)
    scanned = next(e for e in events(gw, message_id)
                   if e["kind"] == "scanned" and e["summary"].startswith("authentication"))
    return dict(scanned["detail"]["result"]["details"])


# --- item 8: the SPF identity DMARC aligns on -------------------------------------------------------------

FORGERY = (b"From: Bank Security <security@bank.test>\r\nTo: bob@example.test\r\nSubject: verify your account\r\n"
           b"Message-ID: <forged@attacker.test>\r\n\r\nClick here.\r\n")


def assert_spf_pass_for_the_attacker_does_not_align(gw: LocalGateway, message_id: str) -> None:
    kinds = {e["kind"] for e in outcomes(gw, message_id)}
    assert "delivered" not in kinds and not delivered(gw, message_id)
    details = authentication_details(gw, message_id)
    assert details["spf"]["domain"] == "attacker.test" and details["spf"]["result"] == "pass"
    assert details["dmarc"]["result"] == "fail" and details["dmarc"]["from_domain"] == "bank.test"


@pytest.mark.parametrize("mail_from", ["@attacker.test", "attacker.test"])
def test_an_spf_pass_for_the_attackers_domain_does_not_align_with_the_victims_from(
        gateway: LocalGateway, mail_from: str) -> None:
    """The scan function's real input: an SES-shaped event carrying the envelope the sender chose."""
    assert_spf_pass_for_the_attacker_does_not_align(gateway, deliver_as_ses(gateway, mail_from, "bank.test", FORGERY))


@pytest.mark.parametrize("mail_from", ["<@attacker.test>", "<attacker.test>"])
def test_a_mail_from_without_local_part_over_smtp_is_refused_or_the_forgery_is_rejected(
        gateway: LocalGateway, mail_from: str) -> None:
    """Over SMTP, as a forger would send it: the ingress may refuse the MAIL FROM (as SES does); if it takes
    it, the forgery is rejected, never delivered with dmarc=pass."""
    with smtplib.SMTP(gateway.options.host, gateway.options.smtp_port, timeout=30) as smtp:
        smtp.ehlo("bank.test")
        code, _ = smtp.docmd(f"MAIL FROM:{mail_from}")
        if code >= 500:
            return
        assert code == 250
        assert smtp.docmd("RCPT TO:<bob@example.test>")[0] == 250
        code, reply = smtp.data(FORGERY)
        assert code == 250, reply
    assert_spf_pass_for_the_attacker_does_not_align(gateway, reply.decode().rsplit(" ", 1)[-1])



# --- items 9 and 10: DMARC policy -------------------------------------------------------------------------

def forged(domain: str, message_id: str = "<always-the-same@forger.test>") -> bytes:
    return (f"From: Billing <billing@{domain}>\r\nTo: bob@example.test\r\nSubject: your invoice\r\n"
            f"Message-ID: {message_id}\r\n\r\nPlease find the invoice attached.\r\n").encode()


def test_pct_sampling_cannot_be_steered_with_the_message_id(gateway: LocalGateway) -> None:
    """pct.test publishes p=reject; pct=50 and SPF -all: with one Message-ID for all, a forger before landed
    on the same side every time. 16 draws all on one side happen with probability 2/65,536."""
    applied = {authentication_details(gateway, send(gateway, "billing@pct.test", ["bob@example.test"],
                                                    forged("pct.test")))["dmarc"]["applied_policy"]
               for _ in range(16)}
    assert applied == {"reject", "quarantine"}


@pytest.mark.parametrize("domain", ["spbogus.test", "mail.spbogus.test"])
def test_an_invalid_sp_tag_applies_no_policy(gateway: LocalGateway, domain: str) -> None:
    """`v=DMARC1; p=reject; sp=bogus` without rua=: RFC 7489 §6.6.3 step 6 applies no DMARC processing."""
    message_id = send(gateway, f"billing@{domain}", ["bob@example.test"], forged(domain, "<x@y.test>"))
    dmarc = authentication_details(gateway, message_id)["dmarc"]
    assert dmarc["result"] == "permerror" and dmarc["applied_policy"] == "none", dmarc
    assert "sp=" in dmarc["reason"]


# --- item 11: Authentication-Results within RFC 5322's line limits ---------------------------------------

def signed_ten_times() -> bytes:
    signatures = [
        f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=team{i}.sender.test; s=s{i};\r\n"
        f" h=from:to:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
        f" b={base64.b64encode(bytes([i]) * 96).decode()}\r\n".encode() for i in range(10)]
    return b"".join(signatures) + (b"From: Alice <alice@sender.test>\r\nTo: bob@example.test\r\n"
                                   b"Subject: ten signatures\r\n\r\nHello.\r\n")


def test_ten_dkim_signatures_make_a_folded_authentication_results(gateway: LocalGateway) -> None:
    """Ten sender-added signatures made one 2,500-octet line before; now the field is folded at 78
    characters where it can be, never past 998, and unfolds to a value authres parses."""
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"], signed_ten_times())
    assert [e["kind"] for e in outcomes(gateway, message_id)] == ["delivered"]
    [raw] = delivered_raw(gateway, message_id)
    head = raw.split(b"\r\n\r\n", 1)[0]
    field = re.search(rb"^Authentication-Results: mailgate\.local;.*?(?=\r\n\S)", head, re.M | re.S)
    assert field is not None
    lines = field.group(0).split(b"\r\n")
    assert len(lines) > 10 and all(len(line) <= 78 for line in lines), [len(line) for line in lines]
    assert all(len(line) <= 998 for line in head.split(b"\r\n"))
    value = b" ".join(line.strip() for line in lines).decode().split(":", 1)[1]
    parsed = authres.all_features().parse_value(value)
    assert str(parsed.authserv_id) == "mailgate.local"
    assert [r.method for r in parsed.results].count("dkim") == 10
