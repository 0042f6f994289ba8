"""DKIM: our signer, verified through the test DNS, and every way a signature can fail."""

from __future__ import annotations

import base64

import dkim
import pytest

from mailgate.delivery.dkim_signing import sign_message
from mailgate.delivery.errors import DkimSigningError
from mailgate.dns import Resolver
from mailgate.scanners.authentication.dkim_check import verify_dkim
from tests.support.dns_fixtures import DnsTestZone
from tests.support.dns_server import free_port
from tests.unit.auth.helpers import plain_message


def signed(dns_zone: DnsTestZone, domain: str, selector: str, raw: bytes | None = None) -> bytes:
    key = dns_zone.key(domain, selector)
    raw = raw or plain_message(from_addr=f"Someone <someone@{domain}>")
    return sign_message(raw, domain, selector, key.private_pem, key.algorithm)


@pytest.mark.parametrize(("selector", "algorithm"), [("sel1", "rsa-sha256"), ("ed1", "ed25519-sha256")])
def test_our_signature_verifies_through_dns(dns_zone: DnsTestZone, selector: str, algorithm: str) -> None:
    [result] = verify_dkim(signed(dns_zone, "example.test", selector), dns_zone.resolver())
    assert (result.domain, result.selector, result.algorithm, result.result) == (
        "example.test", selector, algorithm, "pass")
    assert result.b


def test_signature_is_relaxed_and_oversigns_from(dns_zone: DnsTestZone) -> None:
    raw = signed(dns_zone, "example.test", "sel1")
    tags = dkim.util.parse_tag_value(raw.split(b"\r\n\r\n")[0].split(b"DKIM-Signature:")[1]
                                     .split(b"\r\nFrom:")[0].replace(b"\r\n", b""))
    assert tags[b"c"] == b"relaxed/relaxed"
    signed_headers = [h.strip() for h in tags[b"h"].split(b":")]
    assert signed_headers.count(b"from") == 2
    expected = {b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type"}
    assert expected <= set(signed_headers)


def test_lf_message_stays_lf_and_verifies(dns_zone: DnsTestZone) -> None:
    raw = signed(dns_zone, "example.test", "sel1", plain_message(from_addr="a@example.test", newline="\n"))
    assert b"\r\n" not in raw
    assert verify_dkim(raw, dns_zone.resolver())[0].result == "pass"


def test_changed_body_fails(dns_zone: DnsTestZone) -> None:
    raw = signed(dns_zone, "example.test", "sel1").replace(b"Numbers attached.", b"Pay invoice now.")
    [result] = verify_dkim(raw, dns_zone.resolver())
    assert result.result == "fail"
    assert "body hash" in result.reason


def test_changed_signed_header_fails(dns_zone: DnsTestZone) -> None:
    raw = signed(dns_zone, "example.test", "ed1").replace(b"Subject: Quarterly report", b"Subject: Urgent")
    [result] = verify_dkim(raw, dns_zone.resolver())
    assert (result.result, result.reason) == ("fail", "signature does not verify with the published key")


def test_added_second_from_breaks_the_oversigned_signature(dns_zone: DnsTestZone) -> None:
    raw = signed(dns_zone, "example.test", "sel1")
    raw = b"From: CEO <ceo@bank.test>\r\n" + raw
    assert verify_dkim(raw, dns_zone.resolver())[0].result == "fail"


def test_rsa_sha1_is_never_a_pass(dns_zone: DnsTestZone) -> None:
    key = dns_zone.key("sender.test", "s1")
    raw = plain_message()
    header = dkim.sign(raw, b"s1", b"sender.test", key.private_pem, signature_algorithm=b"rsa-sha1",
                       include_headers=[b"from", b"to", b"subject"])
    message = header + raw
    assert dkim.verify(message, dnsfunc=dns_zone.resolver().dkim_dnsfunc)  # dkimpy alone says valid
    [result] = verify_dkim(message, dns_zone.resolver())
    assert (result.result, result.algorithm) == ("policy", "rsa-sha1")
    assert "RFC 8301" in result.reason


def test_every_signature_gets_its_own_result(dns_zone: DnsTestZone) -> None:
    raw = signed(dns_zone, "sender.test", "s1", plain_message())
    raw = signed(dns_zone, "example.test", "ed1", raw)  # e.g. a list that re-signs
    results = verify_dkim(raw, dns_zone.resolver())
    assert [(r.domain, r.selector, r.result) for r in results] == [
        ("example.test", "ed1", "pass"), ("sender.test", "s1", "pass")]


def test_unknown_selector_and_revoked_key_are_permerror(dns_zone: DnsTestZone) -> None:
    raw = signed(dns_zone, "example.test", "sel1")
    for selector in (b"nosuch", b"gone"):
        forged = raw.replace(b"s=sel1;", b"s=" + selector + b";")
        [result] = verify_dkim(forged, dns_zone.resolver())
        assert result.result == "permerror", result
    [missing] = verify_dkim(raw.replace(b"s=sel1;", b"s=nosuch;"), dns_zone.resolver())
    assert "no key published" in missing.reason


def test_key_of_another_domain_fails(dns_zone: DnsTestZone) -> None:
    bank_key = dns_zone.key("bank.test", "s1")
    raw = sign_message(plain_message(from_addr="alerts@bank.test"), "bank.test", "s1",
                       dns_zone.key("sender.test", "s1").private_pem)  # forger's own key
    assert bank_key.private_pem != dns_zone.key("sender.test", "s1").private_pem
    assert verify_dkim(raw, dns_zone.resolver())[0].result == "fail"


def test_unreachable_dns_is_temperror() -> None:
    signature = b"DKIM-Signature: v=1; a=rsa-sha256; d=example.test; s=sel1; h=from; bh=AAAA; b=AAAA\r\n"
    raw = signature + plain_message()
    [result] = verify_dkim(raw, Resolver(["127.0.0.1"], port=free_port(), timeout=0.3))
    assert result.result == "temperror"
    [offline] = verify_dkim(raw, Resolver(no_network=True))
    assert (offline.result, offline.domain, offline.selector) == ("temperror", "example.test", "sel1")


def test_unsigned_message_has_no_results() -> None:
    assert verify_dkim(plain_message(), Resolver(no_network=True)) == ()


@pytest.mark.parametrize("signature", [
    b"DKIM-Signature: garbage without tags",
    b"DKIM-Signature: v=1; a=rsa-sha256; s=x",
    b"DKIM-Signature: v=1; a=rsa-sha256; d=example.test; s=sel1; h=from; bh=!!; b=!!!",
    b"DKIM-Signature: v=1; a=hmac-md5; d=example.test; s=sel1; h=from; bh=AAAA; b=AAAA",
    b"DKIM-Signature: v=1; v=2; d=a; d=b",
])
def test_malformed_signatures_are_permerror_not_a_crash(dns_zone: DnsTestZone, signature: bytes) -> None:
    [result] = verify_dkim(signature + b"\r\n" + plain_message(), dns_zone.resolver())
    assert result.result == "permerror"


def test_bad_signing_key_is_a_clear_error() -> None:
    with pytest.raises(DkimSigningError, match="unusable"):
        sign_message(plain_message(), "example.test", "sel1", b"-----BEGIN PRIVATE KEY-----\nAAAA\n"
                     b"-----END PRIVATE KEY-----\n")
    with pytest.raises(DkimSigningError, match="Ed25519"):
        sign_message(plain_message(), "example.test", "ed1", b"not a key", "ed25519-sha256")


def test_rsa_key_given_as_ed25519_is_refused(dns_zone: DnsTestZone) -> None:
    with pytest.raises(DkimSigningError, match="not an Ed25519"):
        sign_message(plain_message(), "example.test", "ed1", dns_zone.key("example.test", "sel1").private_pem,
                     "ed25519-sha256")


def test_message_without_from_cannot_be_signed(dns_zone: DnsTestZone) -> None:
    key = dns_zone.key("example.test", "sel1")
    with pytest.raises(DkimSigningError, match="no From"):
        sign_message(b"Subject: x\r\n\r\nbody\r\n", "example.test", "sel1", key.private_pem)


def test_ed25519_key_as_dknewkey_base64_seed_is_accepted(dns_zone: DnsTestZone) -> None:
    pem = dns_zone.key("example.test", "ed1").private_pem
    der = base64.b64decode(b"".join(pem.splitlines()[1:-1]))
    seed = base64.b64encode(der[16:])  # what `dknewkey --ktype ed25519` writes
    message = plain_message(from_addr="a@example.test")
    raw = sign_message(message, "example.test", "ed1", seed, "ed25519-sha256")
    assert verify_dkim(raw, dns_zone.resolver())[0].result == "pass"
