"""Directory synchronisation against Samba as a real Active Directory domain controller.

Few and meaningful (Samba costs ~4 s to provision and start, once per session): discovery from the
domain's own SRV records, LDAPS validated with the domain's CA, AD's own NetBIOS name, computed
memberOf and nested groups, proxyAddresses; then an incremental read by uSNChanged that sees a
change, an added member and a deletion; and the errors an administrator must be able to tell apart.
"""

from __future__ import annotations

import uuid

import ldap3
import pytest

from mailgate.directory.cache import DirectoryCache
from mailgate.directory.connection import parse_connection
from mailgate.directory.runner import run_sync
from mailgate.dns import Resolver
from tests.support.samba import ADMIN_PASSWORD, ADMIN_UPN, HOST_IP, AdPopulator

pytestmark = pytest.mark.integration


def ad_connection(store, secrets, dc, base_dn, **fields):
    connection_id = uuid.uuid4().hex[:12]
    secret = f"mailgate/ldap/{connection_id}"
    secrets.put(secret, fields.pop("password", ADMIN_PASSWORD))
    conn = parse_connection({"connection_id": connection_id, "name": "Samba AD", "domain": "example.test",
                             "base_dn": base_dn, "bind_dn": ADMIN_UPN, "password_secret": secret,
                             "tls": "ldaps", "ca_pem": dc.ca_pem, "connect_timeout_seconds": 2, **fields})
    store.put_connection(conn)
    return conn


@pytest.fixture
def ad_env(sync_env):
    from dataclasses import replace

    return replace(sync_env, resolver=Resolver([HOST_IP], 53, timeout=2.0))  # Samba's own DNS


def test_active_directory_full_then_incremental_sync(samba_dc, directory_store, secrets, ad_env):
    with samba_dc.admin() as admin:
        ou = AdPopulator(admin, f"t{uuid.uuid4().hex[:8]}")
        alice = ou.user("alice", "Alice Able", "alice@example.test",
                        ("SMTP:alice@example.test", "smtp:a.able@example.test"))
        bob = ou.user("bob", "Bob Baker", "bob@example.test")
        ops = ou.group("Operations", (bob,), "ops@example.test")
        ou.group("All Staff", (alice, ops), "staff@example.test")
        ou.contact("Carol External", "carol@partner.example.org")
    conn = ad_connection(directory_store, secrets, samba_dc, ou.base)

    first = run_sync(conn, ad_env)

    assert (first.state, first.mode) == ("succeeded", "full"), first.errors
    assert first.server.startswith("dc1.example.test:636")  # found through _ldap._tcp.example.test
    assert first.counts == {"users": 2, "groups": 2, "contacts": 1, "addresses": 6}
    index = DirectoryCache(directory_store).index()
    alice_found = index.resolve("a.able@example.test")
    assert (alice_found.account.primary, alice_found.account.ntlm_name) == ("alice@example.test", "EXAMPLE\\alice")
    assert [g.display_name for g in index.resolve("bob@example.test").groups] == ["All Staff", "Operations"]

    with samba_dc.admin() as admin:
        admin.modify(bob, {"mail": [(ldap3.MODIFY_REPLACE, ["robert@example.test"])]})
        dave = ou.user("dave", "Dave Dunn", "dave@example.test")
        admin.modify(ops, {"member": [(ldap3.MODIFY_ADD, [dave])]})
        admin.delete(alice)

    second = run_sync(conn, ad_env)

    assert (second.state, second.mode) == ("succeeded", "incremental"), (second.errors, second.full_reason)
    assert second.changed == 3  # bob, dave and the Operations group: not the whole directory
    index = DirectoryCache(directory_store).index()
    assert index.resolve("bob@example.test") is None
    assert index.resolve("robert@example.test").account.display_name == "Bob Baker"
    assert [g.display_name for g in index.resolve("dave@example.test").groups] == ["All Staff", "Operations"]
    assert index.resolve("alice@example.test") is None
    assert index.group_addresses("staff@example.test") == ["dave@example.test", "robert@example.test"]


def test_a_wrong_password_and_an_untrusted_certificate_are_told_apart(samba_dc, directory_store, secrets, ad_env):
    wrong = ad_connection(directory_store, secrets, samba_dc, "DC=example,DC=test", password="Wr0ng!Password")
    untrusted = ad_connection(directory_store, secrets, samba_dc, "DC=example,DC=test", ca_pem=None)

    assert (run_sync(wrong, ad_env).error_kind, run_sync(untrusted, ad_env).error_kind) == ("credentials", "tls")
