"""Schema profiles: what a sync searches for in Active Directory and in a stock OpenLDAP, how an entry's
attributes become an account, and what the administrator may replace (issue 12 item 19)."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from mailgate.directory.connection import parse_connection
from mailgate.directory.errors import ConnectionInvalid
from mailgate.directory.index import DirectoryIndex
from mailgate.directory.model import Snapshot
from mailgate.directory.reader import entry_from
from mailgate.directory.status import SyncRun
from mailgate.directory.sync import no_users_warning, scope_of
from mailgate.directory.sync_events import sync_events

BASE = {"connection_id": "c1", "name": "Corp", "domain": "example.org", "base_dn": "dc=example,dc=org",
        "bind_dn": "cn=svc,dc=example,dc=org", "password_secret": "mailgate/ldap/c1"}
ENTRY_UUID = "0b8f2c1e-6c55-103f-9a7e-2f1b1c3d4e5f"


def test_the_profile_follows_the_kind_unless_named():
    assert parse_connection(BASE).profile == "active_directory"
    assert parse_connection({**BASE, "kind": "ldap"}).profile == "openldap"
    assert parse_connection({**BASE, "kind": "ldap", "profile": "active_directory"}).profile == "active_directory"


def test_the_openldap_profile_searches_the_ordinary_classes_and_reads_their_attributes():
    schema = parse_connection({**BASE, "kind": "ldap"}).schema()
    assert schema.filters == {
        "user": "(|(objectClass=inetOrgPerson)(objectClass=posixAccount))",
        "group": "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))",
        "contact": ""}
    assert {"entryUUID", "mail", "mailAlternateAddress", "uid", "memberOf"} <= set(schema.attributes("user"))
    assert {"member", "uniqueMember", "memberUid"} <= set(schema.attributes("group"))
    assert "member" not in schema.attributes("user")


def test_filters_and_attribute_names_replace_only_what_is_given():
    schema = parse_connection({**BASE, "kind": "ldap", "filters": {"user": "(objectClass=person)", "contact": ""},
                               "attributes": {"mail": ["mail", "mailLocalAddress"], "kerberos": "krbPrincipalName"}}
                              ).schema()
    assert schema.filters["user"] == "(objectClass=person)"
    assert schema.filters["group"].startswith("(|(objectClass=groupOfNames)")
    assert (schema.mail, schema.kerberos, schema.login) == (("mail", "mailLocalAddress"), "krbPrincipalName", "uid")


@pytest.mark.parametrize(("fields", "path"), [
    ({"filters": {"user": "objectClass=person"}}, "filters.user"),
    ({"filters": {"user": ""}}, "filters.user"),  # a connection must find users
    ({"filters": {"group": "(&(objectClass=groupOfNames)"}}, "filters.group"),
    ({"filters": {"contact": "(cn=a)(cn=b)"}}, "filters.contact"),
    ({"attributes": {"mail": ["mail", "mail,cn"]}}, "attributes.mail[1]"),
    ({"attributes": {"key": ""}}, "attributes.key"),
    ({"attributes": {"login": "uid)(cn=*"}}, "attributes.login"),
    ({"attributes": {"surprise": "x"}}, "attributes"),  # msgspec: "unknown field `surprise`"
    ({"profile": "novell"}, "profile"),
])
def test_a_bad_filter_or_attribute_name_is_refused_with_its_path(fields, path):
    with pytest.raises(ConnectionInvalid) as invalid:
        parse_connection({**BASE, "kind": "ldap", **fields})
    assert [p["path"] for p in invalid.value.problems] == [path]


def test_empty_group_and_contact_filters_and_optional_attributes_read_nothing_of_them():
    schema = parse_connection({**BASE, "kind": "ldap", "filters": {"group": ""},
                               "attributes": {"member_of": "", "member_uid": ""}}).schema()
    assert schema.filters["group"] == "" and "memberOf" not in schema.attributes("group")


def test_an_openldap_person_has_every_address_of_mail_and_mail_alternate_address():
    profile = parse_connection({**BASE, "kind": "ldap"}).schema()
    raw = {"entryUUID": [ENTRY_UUID.encode()], "cn": [b"Alice Able"], "uid": [b"alice"],
           "MAIL": [b"Alice@Example.org", b"a.able@example.org"],  # names as the server spells them
           "mailAlternateAddress": [b"alice.able@example.org", b"alice@example.org"],
           "memberOf": [b"cn=Staff, ou=groups,dc=example,dc=org"]}
    alice = entry_from("user", "uid=alice,ou=people,dc=example,dc=org", raw, profile)
    assert (alice.key, alice.display_name, alice.sam, alice.upn) == (ENTRY_UUID, "Alice Able", "alice", "")
    assert (alice.primary, alice.addresses) == (
        "alice@example.org", ("alice@example.org", "a.able@example.org", "alice.able@example.org"))
    assert alice.member_of == ("cn=staff,ou=groups,dc=example,dc=org",)


def test_openldap_groups_have_members_by_dn_by_unique_member_and_by_login_name():
    profile = parse_connection({**BASE, "kind": "ldap"}).schema()
    unique = entry_from("group", "cn=Finance,ou=groups,dc=example,dc=org",
                        {"cn": [b"Finance"], "uniqueMember": [b"uid=erin,ou=people,dc=example,dc=org#'0101'B"]},
                        profile)
    assert unique.members == ("uid=erin,ou=people,dc=example,dc=org",)
    posix = entry_from("group", "cn=dev,ou=groups,dc=example,dc=org",
                       {"cn": [b"dev"], "memberUid": [b"Alice", b" dave "]}, profile)
    assert (posix.members, posix.member_uids) == ((), ("alice", "dave"))
    assert posix.key == "cn=dev,ou=groups,dc=example,dc=org"  # no entryUUID asked for: the DN


def test_active_directory_entries_read_as_before():
    guid = uuid.uuid4()
    raw = {"objectGUID": [guid.bytes_le], "displayName": [b"Bob Baker"], "sAMAccountName": [b"bob"],
           "userPrincipalName": [b"Bob@example.org"], "mail": [b"bob@example.org"],
           "proxyAddresses": [b"smtp:bob@example.org", b"SMTP:b.baker@example.org", b"X500:/o=x"],
           "userAccountControl": [b"514"], "uSNChanged": [b"4711"]}
    bob = entry_from("user", "CN=Bob Baker,DC=example,DC=org", raw, parse_connection(BASE).schema())
    assert (bob.key, bob.upn, bob.sam, bob.primary, bob.disabled, bob.usn) == (
        str(guid), "bob@example.org", "bob", "b.baker@example.org", True, 4711)


def test_member_uid_names_a_user_of_the_same_directory_only():
    profile = parse_connection({**BASE, "kind": "ldap"}).schema()

    def person(uid: str, mail: str) -> object:
        return entry_from("user", f"uid={uid},ou=people,dc=example,dc=org",
                          {"entryUUID": [str(uuid.uuid4()).encode()], "uid": [uid.encode()], "mail": [mail.encode()]},
                          profile)

    dev = entry_from("group", "cn=dev,ou=groups,dc=example,dc=org", {"cn": [b"dev"], "memberUid": [b"alice"]},
                     profile)
    here = Snapshot(connection_id="c1", domain="example.org", entries=(person("alice", "alice@example.org"), dev))
    elsewhere = Snapshot(connection_id="c2", domain="example.net", entries=(person("alice", "alice@example.net"),))
    index = DirectoryIndex([here, elsewhere])
    assert [g.display_name for g in index.resolve("alice@example.org").groups] == ["dev"]
    assert index.resolve("alice@example.net").groups == ()
    assert index.group_addresses("cn=dev,ou=groups,dc=example,dc=org") == ["alice@example.org"]


def test_no_users_where_the_search_base_holds_entries_is_a_warning_naming_what_is_there():
    conn = parse_connection({**BASE, "kind": "ldap", "profile": "active_directory"})
    assert no_users_warning(conn, Counter()) == ()  # an empty directory: nothing to say
    [warning] = no_users_warning(conn, Counter({"inetOrgPerson": 3, "organizationalUnit": 2}))
    assert "no users found although dc=example,dc=org holds entries" in warning
    assert "inetOrgPerson (3), organizationalUnit (2)" in warning and "active_directory" in warning


def test_the_warning_is_an_event_once_not_at_every_sync():
    first = SyncRun(sync_id="s1", connection_id="c1", trigger="schedule", requested_at="t", state="succeeded",
                    warnings=["no users found although …"], previous_state="ok")
    [event] = sync_events(first, "Corp")
    assert event.kind == "warning" and "'Corp' needs a look: no users found" in event.summary
    again = SyncRun(sync_id="s2", connection_id="c1", trigger="schedule", requested_at="t", state="succeeded",
                    warnings=["no users found although …"], previous_state="warning")
    assert sync_events(again, "Corp") == []


def test_a_changed_profile_or_filter_changes_the_scope_so_the_next_read_is_full():
    ad = parse_connection(BASE)
    assert scope_of(ad) != scope_of(parse_connection({**BASE, "filters": {"user": "(objectClass=user)"}}))
    assert scope_of(ad) != scope_of(parse_connection({**BASE, "profile": "openldap"}))
    assert scope_of(ad) == scope_of(parse_connection(dict(BASE)))
