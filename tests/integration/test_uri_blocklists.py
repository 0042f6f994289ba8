"""URI blocklists against a real dnsmasq: `<registered-domain>.<zone>` listed makes the verdict;
a failed lookup is neutral and recorded; with no_network nothing is asked."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from mailgate.config import AntiphishingSettings, UriBlocklist
from mailgate.dns import Resolver
from mailgate.scanners.links import LinkScanner
from tests.support.dns_server import DnsmasqServer, Zone
from tests.unit.antiphishing.helpers import context, mail

SETTINGS = AntiphishingSettings(uri_blocklists=(
    UriBlocklist(zone="phish.uribl.test", verdict="phishing_link"),
    UriBlocklist(zone="malware.uribl.test", verdict="malicious_link")))


@pytest.fixture(scope="module")
def uribl_dns(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DnsmasqServer]:
    if shutil.which("dnsmasq") is None:
        pytest.skip("dnsmasq is not installed (Debian package dnsmasq-base)")
    zone = Zone()
    zone.add_a("bad-login.test.phish.uribl.test", "127.0.1.4")
    zone.add_a("dropper.test.malware.uribl.test", "127.0.1.5")
    zone.add_a("refused.test.phish.uribl.test", "127.255.255.254")  # the zone's error code: not a listing
    zone.add_a("xn--strae-oqa.test.phish.uribl.test", "127.0.1.4")  # straße.test, as browsers resolve it
    server = DnsmasqServer(zone, tmp_path_factory.mktemp("uribl"), name="uribl").start()
    try:
        yield server
    finally:
        server.stop()


def links(server: DnsmasqServer, settings: AntiphishingSettings = SETTINGS, no_network: bool = False) -> LinkScanner:
    return LinkScanner(settings, Resolver([server.host], port=server.port, timeout=1.0, no_network=no_network))


def test_a_link_whose_registered_domain_is_listed_is_a_phishing_link(uribl_dns: DnsmasqServer) -> None:
    message = mail("A <a@sender.test>", "Hi", text="https://secure.www.bad-login.test/a and https://ok.test/\n")
    result = links(uribl_dns).scan(message, context())
    assert result.verdict == "phishing_link"
    hit = next(c for c in result.reasons if c.test == "LINK_URIBL_PHISHING")
    assert "bad-login.test" in hit.evidence and "phish.uribl.test" in hit.evidence


def test_a_domain_on_a_malware_zone_is_a_malicious_link(uribl_dns: DnsmasqServer) -> None:
    result = links(uribl_dns).scan(mail("A <a@sender.test>", "Hi", text="http://cdn.dropper.test/x\n"), context())
    assert result.verdict == "malicious_link"


def test_an_error_code_from_the_zone_is_not_a_listing(uribl_dns: DnsmasqServer) -> None:
    result = links(uribl_dns).scan(mail("A <a@sender.test>", "Hi", text="https://refused.test/\n"), context())
    assert result.verdict == "clean"


def test_a_failed_lookup_is_neutral_and_recorded(uribl_dns: DnsmasqServer) -> None:
    # dnsmasq refuses names outside its local zones: the lookup fails, which must not list anything.
    unreachable = AntiphishingSettings(uri_blocklists=(UriBlocklist(zone="uribl.invalid"),))
    result = links(uribl_dns, unreachable).scan(mail("A <a@sender.test>", "Hi", text="https://bad-login.test/\n"),
                                               context())
    assert result.verdict == "clean" and not result.reasons
    assert result.details["dns_errors"]


def test_no_network_asks_nothing(uribl_dns: DnsmasqServer) -> None:
    result = links(uribl_dns, no_network=True).scan(
        mail("A <a@sender.test>", "Hi", text="https://bad-login.test/\n"), context())
    assert result.verdict == "clean" and not result.details["dns_errors"]


def test_an_international_host_is_looked_up_as_browsers_resolve_it(uribl_dns: DnsmasqServer) -> None:
    """UTS #46, non-transitional: straße.test is xn--strae-oqa.test (IDNA 2003 made it strasse.test, a
    different domain, so the listing was missed)."""
    message = mail("A <a@sender.test>", "Hi", text="Sign in at http://straße.test/login today.\n")
    result = links(uribl_dns).scan(message, context())
    assert result.verdict == "phishing_link", result.details
    hit = next(c for c in result.reasons if c.test == "LINK_URIBL_PHISHING")
    assert "xn--strae-oqa.test" in hit.evidence
