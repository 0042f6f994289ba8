"""DMARC aligns on the SPF identity that was evaluated. A forger who sends `MAIL FROM:<@attacker.test>` (SPF
`+all`, so it passes) with `HELO bank.test` and `From: bank.test` must not get `dmarc=pass` for bank.test,
which publishes p=reject: the SPF result belongs to attacker.test (RFC 7208 §4.3: postmaster@attacker.test),
not to the HELO name.

The message reaches the scan function as SES delivers it (stored in S3, notified through the scan queue),
with the envelope a sender chose; the local SMTP ingress refuses such a MAIL FROM itself, as SES does."""

from __future__ import annotations

import pytest

from tests.support.local_gateway import delivered, events, outcomes
from tests.support.ses_events import deliver_as_ses

pytestmark = pytest.mark.integration


FORGERY = (b"From: Bank Security <security@bank.test>\r\nTo: bob@example.test\r\nSubject: verify your account\r\n"
           b"Message-ID: <forged@attacker.test>\r\n\r\nClick here.\r\n")


@pytest.mark.parametrize("mail_from", ["@attacker.test", "attacker.test"])
def test_an_spf_pass_for_the_attackers_domain_does_not_align_with_the_victims_from(
        gateway, mail_from: str) -> None:
    message_id = deliver_as_ses(gateway, mail_from, "bank.test", FORGERY)
    kinds = {e["kind"] for e in outcomes(gateway, message_id)}
    assert "delivered" not in kinds and not delivered(gateway, message_id)
    scanned = next(e for e in events(gateway, message_id)
                   if e["kind"] == "scanned" and e["summary"].startswith("authentication"))
    details = scanned["detail"]["result"]["details"]
    assert details["spf"]["domain"] == "attacker.test" and details["spf"]["result"] == "pass"
    assert details["dmarc"]["result"] == "fail" and details["dmarc"]["from_domain"] == "bank.test"
