"""An Administrator cannot read the gateway's other secrets through an LDAP connection (issue 12 item 3).

The attack: point a connection's `password_secret` at another secret (the DKIM key) and its server at a
host the administrator controls; the sync's bind would carry the secret there. The API refuses such a
connection with a 422 naming the field and the allowed prefix; a connection stored some other way (before
this check existed, or written straight into the table) is refused by ldap_sync's secret reader, so the
key never leaves Secrets Manager.
"""

from __future__ import annotations

import uuid

import msgspec
import pytest

from mailgate.aws.directory_table import DynamoDirectoryStore
from mailgate.directory.connection import Connection
from mailgate.local.functions import LocalLambdaContext, load_function
from mailgate.local.gateway import DIRECTORY_TABLE
from tests.integration.test_directory_api import body
from tests.support.cognito import api

pytestmark = pytest.mark.integration

DKIM_KEY = "mailgate/dkim/sender.test"  # the session gateway's real signing key


def test_a_connection_naming_the_dkim_key_is_refused_with_a_422_naming_the_field(gateway, slapd, ldap_ou):
    status, created = api(gateway, "POST", "/directory/connections", body=body(slapd, ldap_ou.base))
    assert status == 201, created
    path = f"/directory/connections/{created['connection_id']}"
    attack = {k: v for k, v in body(slapd, ldap_ou.base).items() if k != "password"}

    for name in (DKIM_KEY, "mailgate/arc/example.test", "mailgate/ldap", "other/ldap/x",
                 "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mailgate/dkim/sender.test-AbCdEf"):
        status, refused = api(gateway, "PUT", path, body={**attack, "password_secret": name})
        assert status == 422, (name, refused)
        [problem] = refused["problems"]
        assert problem["path"] == "password_secret" and "mailgate/ldap/" in problem["message"], refused
        status, refused = api(gateway, "POST", "/directory/connections",
                              body={**attack, "base_dn": f"ou=x,{ldap_ou.base}", "password_secret": name})
        assert (status, refused["problems"][0]["path"]) == (422, "password_secret")

    status, shown = api(gateway, "GET", path)
    assert shown["password_secret"] == f"mailgate/ldap/{created['connection_id']}"  # unchanged
    assert api(gateway, "DELETE", path)[0] == 200


def test_a_stored_connection_naming_the_dkim_key_never_gets_it_from_ldap_sync(gateway, slapd, ldap_ou):
    ldap_ou.user("Alice Able", "alice", "alice@example.test")
    connection_id = uuid.uuid4().hex[:12]
    store = DynamoDirectoryStore(DIRECTORY_TABLE)  # the local gateway's own directory table
    fields = {k: v for k, v in body(slapd, ldap_ou.base).items() if k != "password"}
    # as a connection saved before the API checked the prefix would be: typed, but never validated
    store.put_connection(msgspec.convert({**fields, "connection_id": connection_id, "password_secret": DKIM_KEY},
                                         Connection))
    try:
        result = load_function("ldap_sync").handler({"connection_id": connection_id, "sync_id": "s1"},
                                                    LocalLambdaContext("mailgate-ldap-sync"))
        [run] = result["runs"]
        assert (run["state"], run["error_kind"]) == ("failed", "credentials"), run
        assert "refused to read secret 'mailgate/dkim/sender.test'" in run["errors"][0]
        assert "mailgate/ldap/" in run["errors"][0]
    finally:
        store.delete_connection(connection_id)


def test_a_stored_ldap_password_goes_only_where_it_went(gateway, slapd, ldap_ou):
    """Nor can an Administrator read another connection's LDAP password: pointing the connection at a server
    of their own needs the password typed again, and no connection may borrow another one's password."""
    status, created = api(gateway, "POST", "/directory/connections", body=body(slapd, ldap_ou.base))
    assert status == 201, created
    path = f"/directory/connections/{created['connection_id']}"
    kept = {k: v for k, v in body(slapd, ldap_ou.base).items() if k != "password"}
    try:
        for changed in ({"servers": [{"host": "attacker.example", "port": 636}]},
                        {"servers": [], "domain": "evil.test"}, {"ca_pem": None}, {"tls": "starttls"},
                        {"bind_dn": "cn=someone else,dc=example,dc=test"}):
            status, refused = api(gateway, "PUT", path, body={**kept, **changed})
            assert (status, [p["path"] for p in refused["problems"]]) == (422, ["password"]), (changed, refused)
            assert "give the bind password again" in refused["problems"][0]["message"]
        status, borrowed = api(gateway, "POST", "/directory/connections", body={
            **kept, "base_dn": f"ou=other,{ldap_ou.base}", "servers": [{"host": "attacker.example", "port": 636}],
            "password_secret": created["password_secret"]})
        assert (status, borrowed["problems"][0]["path"]) == (422, "password_secret"), borrowed
        assert "stored password of the connection 'Corp LDAP'" in borrowed["problems"][0]["message"]

        assert api(gateway, "PUT", path, body={**kept, "name": "renamed"})[0] == 200  # same destination: kept
        moved = {**kept, "servers": [{"host": "localhost", "port": slapd.tls_port}], "password": "typed again"}
        assert api(gateway, "PUT", path, body=moved)[0] == 200
    finally:
        assert api(gateway, "DELETE", path)[0] == 200
