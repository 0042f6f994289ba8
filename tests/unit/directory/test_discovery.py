"""Which domain controllers are tried, in which order: SRV priority first, then weighted by chance."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from mailgate.directory.connection import parse_connection
from mailgate.directory.discovery import endpoints, rfc2782_order
from mailgate.directory.errors import SyncFailed
from mailgate.dns import DnsTempError


class Dns:
    """Answers SRV and A from a table; raises DnsTempError for names listed as failing."""

    def __init__(self, srv=None, a=None, failing=()):
        self._srv, self._a, self.failing = srv or {}, a or {}, set(failing)

    def srv(self, name):
        if name in self.failing:
            raise DnsTempError(name)
        return self._srv.get(name, [])

    def a(self, name):
        return self._a.get(name, [])


def conn(**fields):
    return parse_connection({"connection_id": "c1", "name": "AD", "domain": "example.com",
                             "base_dn": "DC=example,DC=com", "bind_dn": "svc@example.com",
                             "password_secret": "mailgate/ldap/c1", **fields})


def test_lower_priority_always_comes_first():
    records = [(20, 100, 389, "c"), (0, 0, 389, "a"), (10, 5, 389, "b"), (0, 50, 389, "a2")]
    for seed in range(20):
        order = [r[3] for r in rfc2782_order(records, random.Random(seed))]
        assert order[2:] == ["b", "c"] and set(order[:2]) == {"a", "a2"}


def test_within_a_priority_weights_share_the_first_place():
    records = [(0, 300, 389, "big"), (0, 100, 389, "small")]
    rng = random.Random(7)
    first = Counter(rfc2782_order(records, rng)[0][3] for _ in range(2000))
    assert 0.68 < first["big"] / 2000 < 0.82  # 3:1 → about 75 %


def test_ldaps_uses_636_on_the_controller_the_srv_record_names_and_validates_its_name():
    dns = Dns(srv={"_ldap._tcp.example.com": [(0, 100, 389, "dc1.example.com")]},
              a={"dc1.example.com": ["10.0.0.5"]})
    [found] = endpoints(conn(), dns)
    assert (found.host, found.port, found.tls_name) == ("10.0.0.5", 636, "dc1.example.com")
    [starttls] = endpoints(conn(tls="starttls"), dns)
    assert starttls.port == 389


def test_the_msdcs_records_are_asked_when_the_domain_has_none():
    dns = Dns(srv={"_ldap._tcp.dc._msdcs.example.com": [(0, 100, 389, "dc9.example.com")]})
    assert [e.tls_name for e in endpoints(conn(), dns)] == ["dc9.example.com"]


def test_configured_servers_are_used_as_given():
    found = endpoints(conn(servers=[{"host": "ldap.example.com"}, {"host": "10.0.0.9", "port": 3269}]), None)
    assert [(e.host, e.port) for e in found] == [("ldap.example.com", 636), ("10.0.0.9", 3269)]


@pytest.mark.parametrize(("dns", "message"), [
    (Dns(), "no _ldap._tcp SRV records for example.com"),
    (Dns(failing={"_ldap._tcp.example.com"}), "cannot look up the SRV records"),
    (Dns(srv={"_ldap._tcp.example.com": [(0, 0, 389, ".")]}), "name no server"),
])
def test_discovery_failures_say_what_is_missing(dns, message):
    with pytest.raises(SyncFailed) as failed:
        endpoints(conn(), dns)
    assert failed.value.kind == "discovery" and message in failed.value.message
