"""The one resolver: plain answers, library adapters, and DNS failures as DnsTempError."""

from __future__ import annotations

import time

import pytest

from mailgate.config import DnsSettings
from mailgate.dns import DnsTempError, Resolver
from tests.support.dns_fixtures import DnsTestZone
from tests.support.dns_server import free_port


def test_long_dkim_key_comes_back_as_one_joined_txt_value(dns_zone: DnsTestZone) -> None:
    key = dns_zone.key("example.test", "sel1")
    assert len(key.public_record) > 255  # published as several character-strings
    assert dns_zone.resolver().txt("sel1._domainkey.example.test") == [key.public_record]


def test_address_mx_and_ptr_answers_are_plain_data(dns_zone: DnsTestZone) -> None:
    resolver = dns_zone.resolver()
    assert resolver.a("mail.example.test") == ["192.0.2.10"]
    assert resolver.mx("example.test") == [(10, "mail.example.test")]
    assert resolver.ptr("127.0.0.1") == ["client.sender.test"]
    assert resolver.aaaa("mail.example.test") == []


def test_names_that_do_not_exist_are_empty_not_errors(dns_zone: DnsTestZone) -> None:
    resolver = dns_zone.resolver()
    assert resolver.txt("nothing-here.example.test") == []
    assert resolver.txt("a" * 70 + ".example.test") == []  # an impossible label
    assert resolver.ptr("not an ip") == []


def test_refused_name_outside_the_zone_is_a_temporary_error(dns_zone: DnsTestZone) -> None:
    with pytest.raises(DnsTempError, match="REFUSED"):
        dns_zone.resolver().txt("example.com")


def test_dead_server_is_a_temporary_error_within_the_timeout() -> None:
    resolver = Resolver(["127.0.0.1"], port=free_port(), timeout=0.5)
    started = time.monotonic()
    with pytest.raises(DnsTempError):
        resolver.txt("example.test")
    assert time.monotonic() - started < 2


def test_no_network_never_queries() -> None:
    resolver = Resolver.from_settings(DnsSettings(no_network=True))
    assert resolver.no_network
    with pytest.raises(DnsTempError, match="no_network"):
        resolver.a("example.test")
    with pytest.raises(DnsTempError):
        resolver.dkim_dnsfunc(b"sel1._domainkey.example.test.")


def test_a_host_name_as_server_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="must be an IP address"):
        Resolver(["dns.example.test"])


def test_from_settings_takes_servers_port_and_timeout(dns_zone: DnsTestZone) -> None:
    settings = DnsSettings(servers=(dns_zone.host,), port=dns_zone.port, timeout_seconds=1.5)
    resolver = Resolver.from_settings(settings)
    assert (resolver.servers, resolver.port, resolver.timeout) == ((dns_zone.host,), dns_zone.port, 1.5)
    assert resolver.a("mail.example.test") == ["192.0.2.10"]


def test_pyspf_adapter_returns_pyspf_shapes(dns_zone: DnsTestZone) -> None:
    resolver = dns_zone.resolver()
    assert resolver.spf_lookup("example.test", "TXT") == [
        (("example.test", "TXT"), (b"v=spf1 ip4:192.0.2.0/24 -all",))]
    assert resolver.spf_lookup("example.test", "MX") == [(("example.test", "MX"), (10, "mail.example.test"))]
    assert resolver.spf_lookup("mail.example.test", "A") == [(("mail.example.test", "A"), "192.0.2.10")]
    assert resolver.spf_lookup("nx.example.test", "A") == []


def test_dkimpy_adapter_takes_bytes_with_trailing_dot(dns_zone: DnsTestZone) -> None:
    resolver = dns_zone.resolver()
    record = resolver.dkim_dnsfunc(b"ed1._domainkey.example.test.")
    assert record == dns_zone.key("example.test", "ed1").public_record.encode()
    assert resolver.dkim_dnsfunc(b"nosuch._domainkey.example.test.") is None
    assert resolver.dkim_dnsfunc(b"\xff._domainkey.example.test.") is None


def test_repeated_lookups_are_answered_from_the_cache(dns_zone: DnsTestZone) -> None:
    resolver = dns_zone.resolver()
    resolver.txt("_dmarc.example.test")
    dns_zone.server.stop()
    try:
        assert resolver.txt("_dmarc.example.test") == ["v=DMARC1; p=reject; rua=mailto:dmarc@example.test"]
    finally:
        dns_zone.server.start()
