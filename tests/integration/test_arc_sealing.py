"""Our ARC seal: a message we modified after the sender signed it still carries a chain that validates,
and the chain records what we found at the edge."""

from __future__ import annotations

import dkim
import pytest

from mailgate.config import DkimSigningKey
from mailgate.delivery.arc_sealing import ArcSealer, seal_message
from mailgate.delivery.dkim_signing import sign_message
from mailgate.delivery.errors import ArcSealingError, MessageNotSealable
from mailgate.scanners.authentication.arc import verify_arc
from mailgate.scanners.authentication.dkim_check import verify_dkim
from tests.support.dns_fixtures import DnsTestZone
from tests.unit.auth.helpers import plain_message

OURS = "mx.mailgate.test"


def received_and_judged(dns_zone: DnsTestZone, arc: str = "none") -> bytes:
    """The sender's signed message as we deliver it: our Authentication-Results on top, the subject tagged."""
    key = dns_zone.key("sender.test", "s1")
    signed = sign_message(plain_message(), "sender.test", "s1", key.private_pem)
    ours = f"Authentication-Results: {OURS}; dkim=pass header.d=sender.test; arc={arc}\r\n".encode()
    return ours + signed.replace(b"Subject: Quarterly report", b"Subject: [Probable spam] Quarterly report")


def seal(dns_zone: DnsTestZone, raw: bytes) -> bytes:
    return seal_message(raw, "example.test", "sel1", dns_zone.key("example.test", "sel1").private_pem, OURS)


def test_modified_message_fails_dkim_but_our_seal_validates(dns_zone: DnsTestZone) -> None:
    sealed = seal(dns_zone, received_and_judged(dns_zone))
    assert verify_dkim(sealed, dns_zone.resolver())[0].result == "fail"  # the tag broke the sender's signature
    result = verify_arc(sealed, dns_zone.resolver())
    assert (result.result, result.instances, result.sealers) == ("pass", 1, ("example.test",))


def test_seal_carries_our_authentication_results(dns_zone: DnsTestZone) -> None:
    sealed = seal(dns_zone, received_and_judged(dns_zone))
    aar = next(line for line in sealed.split(b"\r\n") if line.startswith(b"ARC-Authentication-Results:"))
    assert b"i=1; " + OURS.encode() in aar
    assert b"dkim=pass header.d=sender.test" in sealed.split(b"ARC-Authentication-Results:")[1].split(b"ARC-")[0]


def test_we_extend_a_forwarders_chain(dns_zone: DnsTestZone) -> None:
    forwarder = dns_zone.key("forwarder.test", "arc1")
    key = dns_zone.key("sender.test", "s1")
    original = sign_message(plain_message(), "sender.test", "s1", key.private_pem)
    with_ar = b"Authentication-Results: forwarder.test; dkim=pass header.d=sender.test\r\n" + original
    forwarded = b"".join(dkim.arc_sign(with_ar, b"arc1", b"forwarder.test", forwarder.private_pem,
                                       b"forwarder.test")) + with_ar
    assert verify_arc(forwarded, dns_zone.resolver()).result == "pass"
    ours = f"Authentication-Results: {OURS}; dkim=pass header.d=sender.test; arc=pass\r\n".encode()
    sealed = seal(dns_zone, ours + forwarded)
    result = verify_arc(sealed, dns_zone.resolver())
    assert (result.result, result.instances) == ("pass", 2)
    assert set(result.sealers) == {"forwarder.test", "example.test"}


def test_changes_after_our_seal_are_detected(dns_zone: DnsTestZone) -> None:
    sealed = seal(dns_zone, received_and_judged(dns_zone))
    assert verify_arc(sealed.replace(b"Numbers attached.", b"Wire the money."), dns_zone.resolver()).result == "fail"


def test_lf_message_is_sealed_with_lf(dns_zone: DnsTestZone) -> None:
    raw = received_and_judged(dns_zone).replace(b"\r\n", b"\n")
    sealed = seal(dns_zone, raw)
    assert b"\r\n" not in sealed
    assert verify_arc(sealed.replace(b"\n", b"\r\n"), dns_zone.resolver()).result == "pass"


def test_without_our_authentication_results_nothing_is_sealed(dns_zone: DnsTestZone) -> None:
    raw = received_and_judged(dns_zone).replace(OURS.encode(), b"someone-else.test")
    with pytest.raises(MessageNotSealable, match=r"no Authentication-Results of mx\.mailgate\.test"):
        seal(dns_zone, raw)


def test_unusable_key_and_missing_from_are_clear_errors(dns_zone: DnsTestZone) -> None:
    with pytest.raises(ArcSealingError, match="unusable") as raised:
        seal_message(received_and_judged(dns_zone), "example.test", "sel1", b"not a key", OURS)
    assert not isinstance(raised.value, MessageNotSealable)  # our fault: an error event, not a note
    no_from = b"\r\n".join(line for line in received_and_judged(dns_zone).split(b"\r\n")
                           if not line.startswith(b"From:"))
    with pytest.raises(MessageNotSealable, match="no From header"):
        seal(dns_zone, no_from)


def test_sealer_reads_its_key_from_the_secret_store_and_refuses_ed25519(dns_zone: DnsTestZone) -> None:
    pem = dns_zone.key("example.test", "sel1").private_pem.decode()
    secrets = {"mailgate/arc": pem}

    class Store:
        def get(self, name: str) -> str:
            return secrets[name]

    sealer = ArcSealer(DkimSigningKey(domain="example.test", selector="sel1", secret_name="mailgate/arc"),
                       Store(), OURS)
    assert verify_arc(sealer(received_and_judged(dns_zone)), dns_zone.resolver()).result == "pass"
    with pytest.raises(ArcSealingError, match="rsa-sha256"):
        ArcSealer(DkimSigningKey(domain="example.test", selector="ed1", secret_name="x",
                                 algorithm="ed25519-sha256"), Store(), OURS)
