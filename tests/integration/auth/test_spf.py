"""SPF through pyspf and our resolver: the RFC 7208 results an administrator sees."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import spf

from mailgate.dns import Resolver
from mailgate.scanners.authentication.spf import check_spf
from tests.support.dns_fixtures import LIMIT_HOST, DnsTestZone
from tests.support.dns_server import free_port


@pytest.mark.parametrize(("ip", "mail_from", "expected"), [
    ("192.0.2.55", "ceo@example.test", "pass"),
    ("203.0.113.9", "ceo@example.test", "fail"),
    ("127.0.0.1", "alice@sender.test", "pass"),
    ("198.51.100.7", "alerts@bank.test", "pass"),
    ("127.0.0.1", "alerts@bank.test", "fail"),
    ("192.0.2.1", "news@lax.test", "softfail"),
    ("192.0.2.1", "someone@nodmarc-nospf.test", "none"),
])
def test_spf_results(dns_zone: DnsTestZone, ip: str, mail_from: str, expected: str) -> None:
    result = check_spf(ip, mail_from, "client.sender.test", dns_zone.resolver())
    assert result.result == expected, result.explanation
    assert result.identity == "mailfrom"
    assert result.domain == mail_from.rpartition("@")[2]


def test_null_sender_is_checked_against_the_helo_name(dns_zone: DnsTestZone) -> None:
    result = check_spf("127.0.0.1", "", "client.sender.test", dns_zone.resolver())
    assert (result.result, result.identity, result.domain) == ("pass", "helo", "client.sender.test")


def test_more_than_ten_dns_lookups_is_permerror(dns_zone: DnsTestZone) -> None:
    result = check_spf(LIMIT_HOST, "x@toomany.limits.test", None, dns_zone.resolver())
    assert result.result == "permerror"
    assert "Too many DNS lookups" in result.explanation


def test_exactly_ten_dns_lookups_is_still_evaluated(dns_zone: DnsTestZone) -> None:
    assert check_spf(LIMIT_HOST, "x@ten.limits.test", None, dns_zone.resolver()).result == "pass"


def test_more_than_two_void_lookups_is_permerror(dns_zone: DnsTestZone) -> None:
    result = check_spf(LIMIT_HOST, "x@void.limits.test", None, dns_zone.resolver())
    assert result.result == "permerror"
    assert "Void lookup limit" in result.explanation


def test_two_void_lookups_are_allowed(dns_zone: DnsTestZone) -> None:
    assert check_spf(LIMIT_HOST, "x@twovoid.limits.test", None, dns_zone.resolver()).result == "pass"


@pytest.mark.parametrize("domain", ["multi.limits.test", "syntax.limits.test"])
def test_broken_records_are_permerror(dns_zone: DnsTestZone, domain: str) -> None:
    assert check_spf(LIMIT_HOST, f"x@{domain}", None, dns_zone.resolver()).result == "permerror"


def test_unreachable_dns_is_temperror_not_a_crash() -> None:
    dead = Resolver(["127.0.0.1"], port=free_port(), timeout=0.3)
    result = check_spf("192.0.2.55", "ceo@example.test", "mail.example.test", dead)
    assert result.result == "temperror"


def test_refused_domain_is_temperror(dns_zone: DnsTestZone) -> None:
    assert check_spf("192.0.2.55", "a@example.com", None, dns_zone.resolver()).result == "temperror"


def test_no_network_is_temperror_without_any_query() -> None:
    result = check_spf("192.0.2.55", "ceo@example.test", None, Resolver(no_network=True))
    assert (result.result, result.explanation) == ("temperror", "DNS lookups are disabled (no_network)")


@pytest.mark.parametrize("ip", [None, "", "not-an-ip"])
def test_without_a_client_ip_spf_is_not_evaluated(ip: str | None) -> None:
    assert check_spf(ip, "ceo@example.test", None, Resolver(no_network=True)).result == "none"


def test_concurrent_checks_each_use_their_own_resolver(dns_zone: DnsTestZone) -> None:
    """The pyspf hook is global; the resolver it dispatches to is per call (ContextVar)."""
    good = dns_zone.resolver()
    dead = Resolver(["127.0.0.1"], port=free_port(), timeout=0.2)

    def run(index: int) -> str:
        resolver = good if index % 2 else dead
        return check_spf("192.0.2.55", "ceo@example.test", None, resolver).result

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, range(16)))
    assert results == ["temperror", "pass"] * 8


def test_pyspf_outside_our_checks_keeps_its_own_lookup() -> None:
    assert spf.DNSLookup.mailgate_original is spf.DNSLookup_dnspython


@pytest.mark.parametrize("mail_from", ["@attacker.test", "attacker.test", "<@attacker.test>"])
def test_a_mail_from_without_local_part_is_postmaster_at_that_domain_not_the_helo(dns_zone: DnsTestZone,
                                                                                  mail_from: str) -> None:
    result = check_spf("127.0.0.1", mail_from, "bank.test", dns_zone.resolver())
    assert (result.result, result.identity, result.domain) == ("pass", "mailfrom", "attacker.test")
