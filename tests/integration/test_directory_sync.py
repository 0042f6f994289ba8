"""Directory synchronisation against a real OpenLDAP (AD-like schema), into the cache on moto's DynamoDB.

What an administrator checks: every account, group (nested) and contact is found by address; the
duplicates have their consequences; and when the directory fails (wrong password, untrusted
certificate, a server down between or during syncs) the cache keeps serving the last good data
and the status says why and since when it is stale. Failover follows the SRV priorities of a real
DNS server (dnsmasq).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mailgate.directory.cache import DirectoryCache
from mailgate.directory.connection import Connection, parse_connection
from mailgate.directory.reader import open_session
from mailgate.directory.runner import run_sync
from mailgate.dns import Resolver
from tests.support.dns_server import DnsmasqServer, Zone
from tests.support.slapd import ROOT_DN, ROOT_PASSWORD, Populator, SlapdServer, free_port, self_signed

pytestmark = pytest.mark.integration


def connection(secrets: Any, base_dn: str, server: SlapdServer | None = None, **fields: Any) -> Connection:
    connection_id = uuid.uuid4().hex[:12]
    secret = f"mailgate/ldap/{connection_id}"
    secrets.put(secret, fields.pop("password", ROOT_PASSWORD))
    data: dict[str, Any] = {
        "connection_id": connection_id, "name": "Corp LDAP", "domain": "example.test", "kind": "ldap",
        "profile": "active_directory",  # the session's slapd carries AD's schema (tests/fixtures/ldap/ad-lite.schema)
        "base_dn": base_dn, "bind_dn": ROOT_DN, "password_secret": secret, "tls": "ldaps",
        "connect_timeout_seconds": 1, "read_timeout_seconds": 5,
    }
    if server is not None:
        data["servers"] = [{"host": "127.0.0.1", "port": server.tls_port}]
        data["ca_pem"] = server.ca_pem
    data.update(fields)
    return parse_connection(data)


def saved(store: Any, conn: Connection) -> Connection:
    store.put_connection(conn)
    return conn


def corp(ou: Populator) -> dict[str, str]:
    alice = ou.user("Alice Able", "alice", "alice@example.test",
                    ("SMTP:alice@example.test", "smtp:a.able@example.test", "X500:/o=Corp/cn=alice"),
                    upn="alice@example.test")
    bob = ou.user("Bob Baker", "bob", "bob@example.test", upn="bob@example.test")
    ops = ou.group("Operations", (bob,), mail="ops@example.test")
    staff = ou.group("All Staff", (alice, ops), mail="staff@example.test")
    ou.contact("Carol External", "carol@partner.example.org")
    return {"alice": alice, "bob": bob, "ops": ops, "staff": staff}


def test_a_full_sync_reads_users_nested_groups_contacts_and_every_address(slapd, ldap_ou, directory_store, secrets,
                                                                         sync_env):
    corp(ldap_ou)
    conn = saved(directory_store, connection(secrets, ldap_ou.base, slapd))

    run = run_sync(conn, sync_env)

    assert (run.state, run.mode) == ("succeeded", "full"), run.errors
    assert run.counts == {"users": 2, "groups": 2, "contacts": 1, "addresses": 6}
    index = DirectoryCache(directory_store).index()
    alias = index.resolve("A.Able@example.test")
    assert alias is not None and alias.account is not None
    assert (alias.account.primary, alias.account.kerberos_name, alias.account.ntlm_name) == (
        "alice@example.test", "alice@example.test", "EXAMPLE\\alice")
    bob = index.resolve("bob@example.test")
    assert [g.display_name for g in bob.groups] == ["All Staff", "Operations"]  # nested: via Operations
    assert index.group_addresses("staff@example.test") == ["a.able@example.test", "alice@example.test",
                                                            "bob@example.test"]
    assert index.resolve("carol@partner.example.org").account.kind == "contact"
    status = directory_store.status(conn.connection_id)
    assert (status.state, status.stale_since, status.last_success) == ("ok", None, run.started_at)


def test_contacts_are_read_only_when_the_connection_says_so(slapd, ldap_ou, directory_store, secrets, sync_env):
    corp(ldap_ou)
    conn = saved(directory_store, connection(secrets, ldap_ou.base, slapd, read_contacts=False))

    run = run_sync(conn, sync_env)

    assert run.counts["contacts"] == 0
    assert DirectoryCache(directory_store).index().resolve("carol@partner.example.org") is None


def test_duplicates_switch_off_spoofing_protection_and_personal_features_for_those_concerned(
        slapd, ldap_ou, directory_store, secrets, sync_env):
    ldap_ou.user("Dana Doe", "dana", "dana@example.test", upn="dana@example.test")
    ldap_ou.user("Dana Doe (Sales)", "dana2", "dana.sales@example.test", display="Dana Doe",
                 upn="dana.sales@example.test")
    ldap_ou.user("Eve Early", "eve", "eve@example.test", upn="shared@example.test")
    ldap_ou.user("Frank Fox", "frank", "frank@example.test", proxies=("SMTP:frank@example.test",
                                                                      "smtp:shared-box@example.test"),
                 upn="shared@example.test")
    ldap_ou.contact("Gina Guest", "shared-box@example.test")
    ldap_ou.user("Hal Hart", "hal", "hal@example.test", upn="hal@example.test")
    conn = saved(directory_store, connection(secrets, ldap_ou.base, slapd))

    run = run_sync(conn, sync_env)

    assert run.duplicates == 3
    index = DirectoryCache(directory_store).index()
    found = {(d.kind, d.value): d for d in index.duplicates}
    assert set(found) == {("display_name", "Dana Doe"), ("kerberos_name", "shared@example.test"),
                          ("address", "shared-box@example.test")}
    assert "spoofing" in found[("display_name", "Dana Doe")].consequence
    names = index.spoofing_names()
    assert "doe dana" not in names and "hal hart" in names
    assert not index.personal_allowed("eve@example.test")  # same Kerberos name as Frank
    assert not index.personal_allowed("shared-box@example.test")  # two accounts claim it
    assert index.resolve("shared-box@example.test").account is None
    assert index.personal_allowed("dana@example.test")  # a shared display name does not stop personal Backup
    assert index.personal_allowed("hal@example.test")


def test_a_wrong_password_is_a_clear_error_and_the_cache_keeps_the_last_good_data(slapd, ldap_ou, directory_store,
                                                                                  secrets, sync_env):
    corp(ldap_ou)
    conn = saved(directory_store, connection(secrets, ldap_ou.base, slapd))
    assert run_sync(conn, sync_env).state == "succeeded"
    secrets.put(conn.password_secret, "not-the-password")

    run = run_sync(conn, sync_env)

    assert (run.state, run.error_kind) == ("failed", "credentials")
    assert "refused the bind account or password" in run.errors[0]
    status = directory_store.status(conn.connection_id)
    assert status.state == "failed" and status.stale_since == run.started_at and status.last_success
    assert DirectoryCache(directory_store).index().resolve("alice@example.test") is not None


def test_an_untrusted_certificate_is_refused_with_a_tls_error(slapd, ldap_ou, directory_store, secrets, sync_env,
                                                              tmp_path):
    corp(ldap_ou)
    _key, other_ca = self_signed(tmp_path, "other.test")
    for conn in (connection(secrets, ldap_ou.base, slapd, ca_pem=other_ca.read_text()),
                 connection(secrets, ldap_ou.base, slapd, ca_pem=None),  # the system's CAs do not know it
                 connection(secrets, ldap_ou.base, slapd, tls="starttls", ca_pem=other_ca.read_text(),
                            servers=[{"host": "127.0.0.1", "port": slapd.port}])):
        run = run_sync(saved(directory_store, conn), sync_env)
        assert (run.state, run.error_kind) == ("failed", "tls"), run.errors
    assert directory_store.current(conn.connection_id) == (0, None)


def test_starttls_with_the_right_ca_reads_the_directory(slapd, ldap_ou, directory_store, secrets, sync_env):
    corp(ldap_ou)
    conn = saved(directory_store, connection(secrets, ldap_ou.base, slapd, tls="starttls",
                                             servers=[{"host": "127.0.0.1", "port": slapd.port}]))
    assert run_sync(conn, sync_env).counts["users"] == 2


@pytest.fixture
def own_slapd(tmp_path: Path):
    """A server of the test's own, to stop and start."""
    server = SlapdServer(tmp_path / "slapd").start()
    try:
        yield server
    finally:
        server.stop()


def test_a_server_down_between_syncs_leaves_the_cache_in_use_and_the_status_stale(own_slapd, directory_store,
                                                                                   secrets, sync_env):
    with own_slapd.admin() as admin:
        ou = Populator(admin, "dc=example,dc=test", "staff")
        corp(ou)
    conn = saved(directory_store, connection(secrets, ou.base, own_slapd))
    assert run_sync(conn, sync_env).state == "succeeded"
    own_slapd.stop()

    first, second = run_sync(conn, sync_env), run_sync(conn, sync_env)

    assert (first.state, first.error_kind) == ("failed", "unreachable")
    status = directory_store.status(conn.connection_id)
    assert status.stale_since == first.started_at  # since the first failure, not the latest
    assert second.state == "failed"
    index = DirectoryCache(directory_store).index()
    assert [g.display_name for g in index.resolve("bob@example.test").groups] == ["All Staff", "Operations"]


def _stopping_after_bind(victim: SlapdServer):
    """The real session opener; the server dies right after the bind, in the middle of the sync."""

    def opener(conn, endpoint, password):
        session = open_session(conn, endpoint, password)
        if endpoint.port == victim.tls_port:
            victim.stop()
        return session

    return opener


def test_a_server_going_down_during_a_sync_changes_nothing_readers_see(own_slapd, directory_store, secrets, sync_env):
    with own_slapd.admin() as admin:
        ou = Populator(admin, "dc=example,dc=test", "staff")
        corp(ou)
    conn = saved(directory_store, connection(secrets, ou.base, own_slapd))
    assert run_sync(conn, sync_env).state == "succeeded"
    generation, before = directory_store.current(conn.connection_id)

    run = run_sync(conn, replace(sync_env, opener=_stopping_after_bind(own_slapd)))

    assert (run.state, run.error_kind) == ("failed", "unreachable"), run.errors
    assert directory_store.current(conn.connection_id) == (generation, before)


@pytest.fixture
def srv_zone(tmp_path: Path, slapd: SlapdServer):
    """_ldap._tcp.failover.test: priority 0 → a port where nothing listens, priority 10 → the session slapd."""
    dead = free_port()
    zone = Zone(local=("test",))
    zone.add_a("dc1.failover.test", "127.0.0.1").add_a("dc2.failover.test", "127.0.0.1")
    zone.add_srv("_ldap._tcp.failover.test", "dc1.failover.test", dead, priority=0)
    zone.add_srv("_ldap._tcp.failover.test", "dc2.failover.test", slapd.port, priority=10)
    with DnsmasqServer(zone, tmp_path / "dns") as server:
        yield Resolver([server.host], server.port, timeout=1.0)


def test_failover_follows_the_srv_priorities(slapd, ldap_ou, directory_store, secrets, sync_env, srv_zone):
    corp(ldap_ou)
    conn = saved(directory_store, connection(secrets, ldap_ou.base, None, domain="failover.test", tls="starttls",
                                             ca_pem=slapd.ca_pem))

    run = run_sync(conn, replace(sync_env, resolver=srv_zone))

    assert run.state == "succeeded", run.errors
    assert run.server == f"dc2.failover.test:{slapd.port}"
    assert len(run.errors) == 1 and "dc1.failover.test" in run.errors[0] and "priority 0" in run.errors[0]


def test_no_srv_records_is_a_discovery_error(ldap_ou, directory_store, secrets, sync_env, srv_zone):
    conn = saved(directory_store, connection(secrets, ldap_ou.base, None, domain="nowhere.test"))
    run = run_sync(conn, replace(sync_env, resolver=srv_zone))
    assert (run.state, run.error_kind) == ("failed", "discovery")
    assert "no _ldap._tcp SRV records for nowhere.test" in run.errors[0]


def test_a_sync_of_a_connection_already_syncing_is_skipped(slapd, ldap_ou, directory_store, secrets, sync_env):
    conn = saved(directory_store, connection(secrets, ldap_ou.base, slapd))
    assert directory_store.acquire_lease(conn.connection_id, "someone-else", 60)

    run = run_sync(conn, sync_env)

    assert (run.state, run.error_kind) == ("skipped", "busy")
    directory_store.release_lease(conn.connection_id, "someone-else")
    assert run_sync(conn, sync_env).state == "succeeded"

