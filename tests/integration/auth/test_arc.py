"""ARC: a chain sealed by dkimpy's arc_sign validates; a modified or broken one does not."""

from __future__ import annotations

import dkim

from mailgate.delivery.dkim_signing import sign_message
from mailgate.dns import Resolver
from mailgate.scanners.authentication.arc import verify_arc
from mailgate.scanners.authentication.dkim_check import verify_dkim
from tests.support.dns_fixtures import DnsTestZone
from tests.support.dns_server import free_port
from tests.unit.auth.helpers import plain_message


def seal(dns_zone: DnsTestZone, raw: bytes, arc_result: str | None) -> bytes:
    """What an ARC-sealing forwarder does: record its own Authentication-Results, then seal."""
    key = dns_zone.key("forwarder.test", "arc1")
    results = "spf=pass smtp.mailfrom=sender.test; dkim=pass header.d=sender.test"
    if arc_result:
        results += f"; arc={arc_result}"
    with_ar = f"Authentication-Results: forwarder.test; {results}\r\n".encode() + raw
    arc_set = dkim.arc_sign(with_ar, b"arc1", b"forwarder.test", key.private_pem, b"forwarder.test")
    assert arc_set, "arc_sign found no Authentication-Results for its authserv-id"
    return b"".join(arc_set) + with_ar


def original(dns_zone: DnsTestZone) -> bytes:
    key = dns_zone.key("sender.test", "s1")
    return sign_message(plain_message(), "sender.test", "s1", key.private_pem)


def test_sealed_message_passes(dns_zone: DnsTestZone) -> None:
    result = verify_arc(seal(dns_zone, original(dns_zone), None), dns_zone.resolver())
    assert (result.result, result.instances, result.sealers) == ("pass", 1, ("forwarder.test",))


def test_two_hop_chain_passes(dns_zone: DnsTestZone) -> None:
    once = seal(dns_zone, original(dns_zone), None)
    twice = seal(dns_zone, once, "pass")
    result = verify_arc(twice, dns_zone.resolver())
    assert (result.result, result.instances) == ("pass", 2)


def test_list_that_rewrites_the_subject_breaks_dkim_but_its_seal_holds(dns_zone: DnsTestZone) -> None:
    rewritten = original(dns_zone).replace(b"Subject: Quarterly report", b"Subject: [team] Quarterly report")
    sealed = seal(dns_zone, rewritten, None)
    assert verify_dkim(sealed, dns_zone.resolver())[0].result == "fail"
    assert verify_arc(sealed, dns_zone.resolver()).result == "pass"


def test_body_changed_after_sealing_fails(dns_zone: DnsTestZone) -> None:
    sealed = seal(dns_zone, original(dns_zone), None).replace(b"Numbers attached.", b"Wire the money.")
    result = verify_arc(sealed, dns_zone.resolver())
    assert (result.result, result.instances) == ("fail", 1)
    assert "ARC-Message-Signature" in result.reason


def test_tampered_seal_fails(dns_zone: DnsTestZone) -> None:
    sealed = seal(dns_zone, original(dns_zone), None)
    forged = sealed.replace(b"ARC-Seal: i=1;", b"ARC-Seal: i=1; x=1;", 1)
    assert forged != sealed
    assert verify_arc(forged, dns_zone.resolver()).result == "fail"


def test_incomplete_set_fails_without_crashing(dns_zone: DnsTestZone) -> None:
    raw = b"ARC-Seal: i=1; a=rsa-sha256; cv=none; d=forwarder.test; s=arc1; b=AAAA\r\n" + plain_message()
    result = verify_arc(raw, dns_zone.resolver())
    assert result.result == "fail"
    assert "Incomplete" in result.reason


def test_unsealed_message_is_none() -> None:
    assert verify_arc(plain_message(), Resolver(no_network=True)).result == "none"


def test_dns_failure_is_temperror(dns_zone: DnsTestZone) -> None:
    sealed = seal(dns_zone, original(dns_zone), None)
    assert verify_arc(sealed, Resolver(no_network=True)).result == "temperror"
    dead = Resolver(["127.0.0.1"], port=free_port(), timeout=0.3)
    assert verify_arc(sealed, dead).result == "temperror"
