"""A connection is validated as a whole: every problem at once, with the field it concerns."""

from __future__ import annotations

import pytest

from mailgate.directory.connection import parse_connection
from mailgate.directory.errors import ConnectionInvalid

GOOD = {"connection_id": "c1", "name": "Corp AD", "domain": "example.com", "base_dn": "DC=example,DC=com",
        "bind_dn": "svc-mailgate@example.com", "password_secret": "mailgate/ldap/c1"}


def test_defaults_are_ldaps_with_srv_discovery_contacts_and_a_30_minute_schedule():
    conn = parse_connection(GOOD)
    assert (conn.tls, conn.servers, conn.read_contacts, conn.schedule_minutes, conn.default_port()) == (
        "ldaps", (), True, 30, 636)


def test_every_problem_is_reported_with_its_field():
    with pytest.raises(ConnectionInvalid) as invalid:
        parse_connection({**GOOD, "domain": "not a domain", "base_dn": "example.com",
                          "servers": [{"host": "bad host!"}], "password_secret": "elsewhere/pw",
                          "ca_pem": "not a certificate", "bind_method": "ntlm"})
    assert {p["path"] for p in invalid.value.problems} == {"domain", "base_dn", "servers[0].host", "password_secret",
                                                          "ca_pem", "bind_dn"}


def test_a_type_error_names_the_field():
    with pytest.raises(ConnectionInvalid) as invalid:
        parse_connection({**GOOD, "schedule_minutes": 5})
    assert invalid.value.problems[0]["path"] == "schedule_minutes"


def test_the_same_domain_and_search_base_compare_regardless_of_case_and_spacing():
    one = parse_connection({**GOOD, "domain": "Example.COM."})
    other = parse_connection({**GOOD, "connection_id": "c2", "base_dn": "dc = example, DC=Com"})
    elsewhere = parse_connection({**GOOD, "connection_id": "c3", "base_dn": "OU=Partners,DC=example,DC=com"})
    assert one.domain_key == other.domain_key != elsewhere.domain_key
