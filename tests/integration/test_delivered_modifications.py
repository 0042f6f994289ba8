"""What the gateway does to the bytes it delivers, checked on the copy the organisation's server receives."""

from __future__ import annotations

import pytest

from mailgate.scanners.authentication.arc import verify_arc
from tests.support.dns_fixtures import DnsTestZone
from tests.support.local_gateway import delivered_raw, events, send, simple_message, wait_for

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
