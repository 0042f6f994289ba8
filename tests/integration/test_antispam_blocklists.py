"""DNS blocklists against a real dnsmasq: a listed client IP or link domain makes `blacklisted`;
a lookup that fails is neutral; with no_network nothing is looked up at all."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailgate.config import AntispamSettings, BlocklistZone
from mailgate.dns import Resolver
from tests.support.dns_server import DnsmasqServer, Zone
from tests.unit.antispam.helpers import build, context, names_fired, scanner

ZONES = (BlocklistZone(zone="zen.test", kind="ip", weight=5.0),
         BlocklistZone(zone="dbl.test", kind="domain", weight=4.0))
SETTINGS = AntispamSettings(blocklists=ZONES)


@pytest.fixture(scope="module")
def blocklist_dns(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DnsmasqServer]:
    if shutil.which("dnsmasq") is None:
        pytest.skip("dnsmasq is not installed (Debian package dnsmasq-base)")
    zone = Zone()
    zone.add_a("2.0.0.127.zen.test", "127.0.0.2")  # the conventional DNSBL test entry
    zone.add_a("4.2.0.192.zen.test", "127.255.255.254")  # the list's own "refused" code: neutral
    zone.add_a("badlinks.test.dbl.test", "127.0.1.2")
    server = DnsmasqServer(zone, tmp_path_factory.mktemp("dnsbl"), name="dnsbl", log_queries=True).start()
    try:
        yield server
    finally:
        server.stop()


def resolver_for(server: DnsmasqServer, no_network: bool = False) -> Resolver:
    return Resolver([server.host], port=server.port, timeout=1.0, no_network=no_network)


def test_a_listed_client_ip_is_blacklisted_with_the_zone_named(blocklist_dns: DnsmasqServer) -> None:
    result = scanner(resolver_for(blocklist_dns), SETTINGS).scan(build(), context(client_ip="127.0.0.2"))
    assert result.verdict == "blacklisted"
    hit = next(c for c in result.reasons if c.test == "RCVD_IN_DNSBL:zen.test")
    assert hit.score == 5.0 and "127.0.0.2" in hit.evidence
    assert result.details["scl"] == 9


def test_a_link_to_a_listed_domain_is_blacklisted(blocklist_dns: DnsmasqServer) -> None:
    message = build(body="Have a look: https://www.badlinks.test/offer and https://docs.partner.test/\n")
    result = scanner(resolver_for(blocklist_dns), SETTINGS).scan(message, context(client_ip="192.0.2.7"))
    assert result.verdict == "blacklisted"
    hit = next(c for c in result.reasons if c.test == "URIBL_DOMAIN:dbl.test")
    assert "badlinks.test" in hit.evidence


def test_an_unlisted_sender_is_not_blacklisted(blocklist_dns: DnsmasqServer) -> None:
    result = scanner(resolver_for(blocklist_dns), SETTINGS).scan(build(), context(client_ip="192.0.2.99"))
    assert result.verdict == "not_spam"
    assert result.details["blocklists"]["queried"] >= 1 and not result.details["blocklists"]["hits"]


def test_the_lists_error_code_is_not_a_listing(blocklist_dns: DnsmasqServer) -> None:
    result = scanner(resolver_for(blocklist_dns), SETTINGS).scan(build(), context(client_ip="192.0.2.4"))
    assert result.verdict == "not_spam"


def test_a_failed_lookup_is_neutral(blocklist_dns: DnsmasqServer) -> None:
    # dnsmasq refuses names outside its local domains: the resolver reports a temporary error.
    refused = AntispamSettings(blocklists=(BlocklistZone(zone="zen.invalid-upstream.example", kind="ip"),))
    baseline = scanner(resolver_for(blocklist_dns)).scan(build(), context(client_ip="127.0.0.2"))
    result = scanner(resolver_for(blocklist_dns), refused).scan(build(), context(client_ip="127.0.0.2"))
    assert result.verdict == "not_spam"
    assert result.score == baseline.score
    assert result.details["blocklists"]["unanswered"]


def test_no_network_looks_nothing_up(blocklist_dns: DnsmasqServer) -> None:
    log = Path(blocklist_dns.log_path)
    before = log.read_text() if log.exists() else ""
    result = scanner(resolver_for(blocklist_dns, no_network=True), SETTINGS).scan(
        build(body="https://www.badlinks.test/offer\n"), context(client_ip="127.0.0.2"))
    after = log.read_text() if log.exists() else ""
    assert result.verdict != "blacklisted"
    assert result.details["blocklists"]["queried"] == 0
    assert "zen.test" not in after[len(before):] and "dbl.test" not in after[len(before):]
    assert not {"RCVD_IN_DNSBL:zen.test", "URIBL_DOMAIN:dbl.test"} & names_fired(result)
