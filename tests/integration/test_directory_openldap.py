"""A stock OpenLDAP (only Debian's schemas: inetOrgPerson, posixAccount, groupOfNames, groupOfUniqueNames,
posixGroup) read through a connection of kind "ldap", as an administrator of such a directory sets it up
(issue 12 item 19).

What they check: every person is found by each of their addresses, every group with its members (nested
groups by member DN, posixGroup members by login name), a rule naming a group matches its members (also
through a nested group), filters and attribute names can be replaced, and a sync that finds no users in a
search base full of entries says so (status, event, health) instead of succeeding silently.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any
from urllib.parse import quote

import pytest

from mailgate.api.roles import Role
from mailgate.directory.cache import DirectoryCache
from mailgate.directory.connection import Connection, parse_connection
from mailgate.directory.runner import run_sync
from mailgate.directory.sync_events import sync_events
from tests.support.cognito import api
from tests.support.local_gateway import simple_message, wait_for
from tests.support.slapd import ROOT_PASSWORD, SlapdServer, StockPopulator

pytestmark = pytest.mark.integration


def connection(secrets: Any, server: SlapdServer, base_dn: str, **fields: Any) -> Connection:
    connection_id = uuid.uuid4().hex[:12]
    secret = f"mailgate/ldap/{connection_id}"
    secrets.put(secret, ROOT_PASSWORD)
    return parse_connection({
        "connection_id": connection_id, "name": "Stock OpenLDAP", "domain": "example.test", "kind": "ldap",
        "base_dn": base_dn, "bind_dn": server.root_dn, "password_secret": secret, "tls": "ldaps",
        "servers": [{"host": "127.0.0.1", "port": server.tls_port}], "ca_pem": server.ca_pem,
        "connect_timeout_seconds": 1, "read_timeout_seconds": 5, **fields})


def organisation(ou: StockPopulator, tag: str = "") -> dict[str, str]:
    """People and groups as a small company keeps them in a stock OpenLDAP."""
    alice = ou.person("alice", "Alice Able", f"alice{tag}@example.test", f"a.able{tag}@example.test", posix=True,
                      display="Alice Able")
    bob = ou.person("bob", "Bob Baker", f"bob{tag}@example.test")
    carol = ou.person("carol", "Carol Clark", f"carol{tag}@example.test", extra_classes=("inetLocalMailRecipient",),
                      mailLocalAddress=f"c.clark{tag}@example.test")
    ou.posix_account("dave", "Dave Dev")  # a login without a mailbox
    erin = ou.person("erin", "Erin Early", f"erin{tag}@example.test")
    operations = ou.group_of_names("Operations", bob)
    staff = ou.group_of_names("All Staff", alice, operations)  # nested: Operations' members are staff too
    ou.group_of_unique_names("Finance", f"{erin}#'0101'B", carol)
    ou.posix_group("developers", "alice", "dave")
    return {"alice": alice, "bob": bob, "carol": carol, "erin": erin, "operations": operations, "staff": staff}


def test_a_stock_openldap_gives_its_users_addresses_groups_and_nested_members(stock_slapd, stock_ou,
                                                                             directory_store, secrets, sync_env):
    dns = organisation(stock_ou)
    conn = connection(secrets, stock_slapd, stock_ou.base)  # kind "ldap": the openldap profile by default
    directory_store.put_connection(conn)

    run = run_sync(conn, sync_env)

    assert conn.profile == "openldap"
    assert (run.state, run.warnings) == ("succeeded", []), run.errors
    assert run.counts == {"users": 5, "groups": 4, "contacts": 0, "addresses": 5}
    index = DirectoryCache(directory_store).index()
    alice = index.resolve("A.Able@example.test")
    assert alice is not None and alice.account is not None
    assert (alice.account.primary, alice.account.display_name, alice.account.addresses) == (
        "alice@example.test", "Alice Able", ("alice@example.test", "a.able@example.test"))
    assert alice.account.key == alice.account.key.lower() and len(alice.account.key) == 36  # entryUUID
    assert [g.display_name for g in alice.groups] == ["All Staff", "developers"]  # groupOfNames, memberUid
    bob = index.resolve("bob@example.test")
    assert [g.display_name for g in bob.groups] == ["All Staff", "Operations"]  # All Staff through Operations
    erin = index.resolve("erin@example.test")
    assert [g.display_name for g in erin.groups] == ["Finance"]  # uniqueMember with its #'0101'B suffix
    assert index.group_addresses(dns["staff"]) == ["a.able@example.test", "alice@example.test", "bob@example.test"]
    assert index.resolve("c.clark@example.test") is None  # mailLocalAddress is not one of the profile's


def test_member_of_is_read_where_the_memberof_overlay_computes_it(stock_slapd, stock_ou, directory_store, secrets,
                                                                  sync_env):
    dns = organisation(stock_ou)
    conn = connection(secrets, stock_slapd, stock_ou.people)  # people only: groups are not even read
    directory_store.put_connection(conn)

    assert run_sync(conn, sync_env).state == "succeeded"

    _generation, snapshot = directory_store.current(conn.connection_id)
    alice = next(e for e in snapshot.entries if e.primary == "alice@example.test")
    assert alice.member_of == (dns["staff"].lower(),)  # direct groupOfNames membership, as the overlay says


def test_filters_and_attribute_names_can_replace_the_profiles(stock_slapd, stock_ou, directory_store, secrets,
                                                               sync_env):
    organisation(stock_ou)
    conn = connection(secrets, stock_slapd, stock_ou.base,
                      filters={"user": "(objectClass=inetLocalMailRecipient)", "group": ""},
                      attributes={"mail": ["mail", "mailLocalAddress"]})
    directory_store.put_connection(conn)

    run = run_sync(conn, sync_env)

    assert run.state == "succeeded", run.errors
    assert run.counts == {"users": 1, "groups": 0, "contacts": 0, "addresses": 2}
    carol = DirectoryCache(directory_store).index().resolve("c.clark@example.test")
    assert carol is not None and carol.account is not None and carol.account.primary == "carol@example.test"


def test_no_users_in_a_search_base_full_of_entries_is_a_warning_not_a_silent_success(
        stock_slapd, stock_ou, directory_store, secrets, sync_env):
    organisation(stock_ou)
    conn = connection(secrets, stock_slapd, stock_ou.base, profile="active_directory")  # the wrong schema
    directory_store.put_connection(conn)

    run = run_sync(conn, sync_env)

    assert (run.state, run.counts["users"], run.counts["groups"]) == ("succeeded", 0, 0)
    [warning] = run.warnings
    assert f"no users found although {stock_ou.base} holds entries" in warning
    assert "inetOrgPerson (4)" in warning and "(&(objectClass=user)(!(objectClass=computer)))" in warning
    status = directory_store.status(conn.connection_id)
    assert (status.state, status.warnings) == ("warning", [warning])
    [event] = sync_events(run, conn.name)
    assert event.kind == "warning" and "needs a look: no users found" in event.summary

    again = run_sync(conn, sync_env)  # news once, not every 30 minutes
    assert again.warnings == [warning] and sync_events(again, conn.name) == []


def test_an_empty_search_base_is_no_warning(stock_slapd, stock_ou, directory_store, secrets, sync_env):
    conn = connection(secrets, stock_slapd, stock_ou.people)  # nothing below ou=people yet
    directory_store.put_connection(conn)

    run = run_sync(conn, sync_env)

    assert (run.state, run.counts["users"], run.warnings) == ("succeeded", 0, [])
    assert directory_store.status(conn.connection_id).state == "ok"


def _body(server: SlapdServer, base_dn: str, **fields: Any) -> dict[str, Any]:
    return {"name": "Stock OpenLDAP", "domain": "example.test", "kind": "ldap", "base_dn": base_dn,
            "bind_dn": server.root_dn, "password": ROOT_PASSWORD, "ca_pem": server.ca_pem,
            "servers": [{"host": "127.0.0.1", "port": server.tls_port}], "connect_timeout_seconds": 2, **fields}


def _synchronised(gateway: Any, path: str) -> dict[str, Any]:
    status, started = api(gateway, "POST", f"{path}/sync")
    assert status == 202, started
    return wait_for(lambda: r if (r := api(gateway, "GET", started["status"])[1])["state"] not in (
        "queued", "running") else None)


def test_a_rule_naming_an_openldap_group_matches_its_members_through_the_admin_api(gateway, stock_slapd,
                                                                                    stock_ou):
    tag = f".{uuid.uuid4().hex[:6]}"  # addresses of this test only: the session gateway has other directories
    organisation(stock_ou, tag)
    status, created = api(gateway, "POST", "/directory/connections", body=_body(stock_slapd, stock_ou.base))
    assert status == 201, created
    assert created["profile"] == "openldap"
    path = f"/directory/connections/{created['connection_id']}"
    try:
        run = _synchronised(gateway, path)
        assert (run["state"], run["counts"]["users"], run["counts"]["groups"]) == ("succeeded", 5, 4), run
        resolved = wait_for(lambda: (r := api(gateway, "GET", f"/directory/resolve?address=bob{tag}@example.test",
                                              Role.AUDITOR))[0] == 200 and r[1])
        assert [g["display_name"] for g in resolved["groups"]] == ["All Staff", "Operations"]

        _status, current = api(gateway, "GET", "/settings/rules")
        proposed = json.loads(json.dumps(current["settings"]))
        proposed["rules"].insert(0, {"name": "Staff", "recipients": {"groups": ["All Staff"]},
                                     "modules": {"antivirus": {"infected": {"action": "reject", "backup": True}}}})
        recipients = [f"bob{tag}@example.test", f"erin{tag}@example.test", f"alice{tag}@example.test"]
        message = simple_message("partner@sender.test", ", ".join(recipients), "Figures", "See you soon.\n")
        status, tried = api(gateway, "POST", "/rules/dry-run", Role.ADMINISTRATOR, body={
            "message": base64.b64encode(message).decode(), "recipients": recipients, "rules": proposed})
        assert status == 200, tried
        rules = {r: g["decision"]["rule"] for g in tried["groups"] for r in g["recipients"]}
        assert rules == {f"bob{tag}@example.test": "Staff", f"alice{tag}@example.test": "Staff",
                         f"erin{tag}@example.test": "Default"}
    finally:
        assert api(gateway, "DELETE", path)[0] == 200


def _all_events(gateway, query: str) -> list[dict]:
    """Every page of an event search: a filtered page may hold fewer events than asked (the session's gateway
    has logged much mail), the search is complete only when next_cursor is null."""
    found: list[dict] = []
    cursor = None
    while True:
        status, page = api(gateway, "GET", f"/events?{query}" + (f"&cursor={quote(cursor)}" if cursor else ""),
                           Role.AUDITOR)
        assert status == 200, page
        found += page["events"]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def test_the_wrong_profile_is_a_warning_in_the_status_the_event_log_and_health(gateway, stock_slapd, stock_ou):
    organisation(stock_ou, f".{uuid.uuid4().hex[:6]}")
    status, created = api(gateway, "POST", "/directory/connections",
                          body=_body(stock_slapd, stock_ou.base, name=f"Wrong profile {stock_ou.base}",
                                     profile="active_directory"))
    assert status == 201, created
    path = f"/directory/connections/{created['connection_id']}"
    try:
        run = _synchronised(gateway, path)
        assert run["state"] == "succeeded" and "no users found" in run["warnings"][0], run
        shown = api(gateway, "GET", path, Role.AUDITOR)[1]["status"]
        assert shown["state"] == "warning" and shown["warnings"] == run["warnings"]
        def logged() -> bool:  # the sync function writes its events after the run's state
            return any(created["name"] in e["summary"] and "no users found" in e["summary"]
                       for e in _all_events(gateway, "kind=warning&message_id=application:directory"))

        assert wait_for(logged, timeout=30, interval=0.5)
        assert any("found no users" in w for w in api(gateway, "GET", "/health", role=None)[1]["warnings"])
    finally:
        assert api(gateway, "DELETE", path)[0] == 200


def test_invalid_filters_and_attribute_names_are_refused_with_their_fields(gateway, stock_slapd, stock_ou):
    status, refused = api(gateway, "POST", "/directory/connections", body=_body(
        stock_slapd, stock_ou.base, filters={"user": "(objectClass=inetOrgPerson", "group": "uid=x"},
        attributes={"mail": ["mail", "mail; drop"], "key": ""}))
    assert status == 422, refused
    assert {p["path"] for p in refused["problems"]} == {"filters.user", "filters.group", "attributes.mail[1]",
                                                        "attributes.key"}


def test_the_active_directory_profile_leaves_computer_accounts_out(slapd, ldap_ou, directory_store, secrets,
                                                                   sync_env):
    """Computers are of class user in AD; the profile's filter works without AD's computed objectCategory."""
    ldap_ou.user("Alice Able", "alice", "alice@example.test")
    ldap_ou.conn.add(f"cn=WS-042,{ldap_ou.base}", ["top", "person", "organizationalPerson", "user", "computer"],
                     {"cn": "WS-042", "sn": "WS-042", "sAMAccountName": "WS-042$", "mail": "ws-042@example.test",
                      "objectGUID": uuid.uuid4().bytes_le})
    conn = connection(secrets, slapd, ldap_ou.base, profile="active_directory")
    directory_store.put_connection(conn)

    run = run_sync(conn, sync_env)

    assert (run.state, run.counts["users"]) == ("succeeded", 1), run.errors
    assert DirectoryCache(directory_store).index().resolve("ws-042@example.test") is None
