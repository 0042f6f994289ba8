"""DMARC policy as RFC 7489 says, through the local gateway with real SMTP and the real DNS zone: pct=
sampling is a per-message random draw a forger cannot steer with the Message-ID, and a record with an
invalid sp= applies no policy (§6.6.3) instead of p=reject with the tag dropped."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.local_gateway import events, outcomes, send

pytestmark = pytest.mark.integration


def forged(domain: str, message_id: str = "<always-the-same@forger.test>") -> bytes:
    return (f"From: Billing <billing@{domain}>\r\nTo: bob@example.test\r\nSubject: your invoice\r\n"
            f"Message-ID: {message_id}\r\n\r\nPlease find the invoice attached.\r\n").encode()


def dmarc_of(gateway: Any, message_id: str) -> dict[str, Any]:
    outcomes(gateway, message_id)
    scanned = next(e for e in events(gateway, message_id)
                   if e["kind"] == "scanned" and e["summary"].startswith("authentication"))
    return dict(scanned["detail"]["result"]["details"]["dmarc"])


def test_pct_sampling_cannot_be_steered_with_the_message_id(gateway) -> None:
    """pct.test publishes p=reject; pct=50 and SPF -all: with one Message-ID for all, a forger before landed
    on the same side every time. 16 draws all on one side happen with probability 2/65,536."""
    applied = {dmarc_of(gateway, send(gateway, "billing@pct.test", ["bob@example.test"], forged("pct.test")))
               ["applied_policy"] for _ in range(16)}
    assert applied == {"reject", "quarantine"}


@pytest.mark.parametrize("domain", ["spbogus.test", "mail.spbogus.test"])
def test_an_invalid_sp_tag_applies_no_policy(gateway, domain: str) -> None:
    dmarc = dmarc_of(gateway, send(gateway, f"billing@{domain}", ["bob@example.test"], forged(domain, "<x@y.test>")))
    assert dmarc["result"] == "permerror" and dmarc["applied_policy"] == "none", dmarc
    assert "sp=" in dmarc["reason"]
