"""The directory through the admin API of the local gateway, against the session's OpenLDAP.

An administrator adds a connection (the password goes to Secrets Manager and never comes back), is
refused a second one for the same domain and search base, synchronises on demand and reads the
sync's status, searches and resolves addresses, sees duplicates listed and warned about in the
health endpoint, and deletes the connection with everything cached for it.
"""

from __future__ import annotations

import pytest

from mailgate.api.roles import Role
from mailgate.aws import clients
from mailgate.directory.names import fold_name
from tests.support.cognito import api
from tests.support.local_gateway import wait_for
from tests.support.slapd import ROOT_DN, ROOT_PASSWORD

pytestmark = pytest.mark.integration


def body(slapd, base_dn, **fields):
    # the session's slapd carries Active Directory's schema (tests/fixtures/ldap/ad-lite.schema)
    return {"name": "Corp LDAP", "domain": "example.test", "kind": "ldap", "profile": "active_directory",
            "base_dn": base_dn, "bind_dn": ROOT_DN,
            "password": ROOT_PASSWORD, "servers": [{"host": "127.0.0.1", "port": slapd.tls_port}],
            "ca_pem": slapd.ca_pem, "connect_timeout_seconds": 2, **fields}


def test_a_connection_keeps_its_password_secret_and_refuses_a_duplicate(gateway, slapd, ldap_ou):
    status, created = api(gateway, "POST", "/directory/connections", body=body(slapd, ldap_ou.base))
    assert status == 201, created
    assert "password" not in created and created["password_secret"] == f"mailgate/ldap/{created['connection_id']}"
    stored = clients.client("secretsmanager").get_secret_value(SecretId=created["password_secret"])
    assert stored["SecretString"] == ROOT_PASSWORD

    status, refused = api(gateway, "POST", "/directory/connections",
                          body=body(slapd, ldap_ou.base.upper(), domain="EXAMPLE.test", name="Again"))
    assert (status, refused["error"]) == (409, "duplicate_connection")
    assert "already reads domain example.test" in refused["message"] and refused["other"] == "Corp LDAP"

    status, invalid = api(gateway, "POST", "/directory/connections", body=body(slapd, "not a dn"))
    assert (status, invalid["problems"][0]["path"]) == (422, "base_dn")

    path = f"/directory/connections/{created['connection_id']}"
    changed = {k: v for k, v in body(slapd, ldap_ou.base, name="Corp LDAP (renamed)").items() if k != "password"}
    status, replaced = api(gateway, "PUT", path, body=changed)
    assert (status, replaced["name"], replaced["password_secret"]) == (200, "Corp LDAP (renamed)",
                                                                       created["password_secret"])
    status, shown = api(gateway, "GET", path, role=Role.AUDITOR)
    assert status == 200 and "password" not in shown and shown["status"]["state"] == "never"
    assert api(gateway, "DELETE", path, role=Role.AUDITOR)[0] == 403
    assert api(gateway, "DELETE", path)[0] == 200


def test_sync_on_demand_then_search_resolve_duplicates_and_delete(gateway, slapd, ldap_ou):
    alice = ldap_ou.user("Alice Able", "alice", "alice@example.test", ("SMTP:alice@example.test",
                                                                       "smtp:a.able@example.test"))
    ldap_ou.group("Sales", (alice,), mail="sales@example.test")
    ldap_ou.user("Alice Able (2)", "alice2", "alice.two@example.test", display="Alice Able")
    status, created = api(gateway, "POST", "/directory/connections", body=body(slapd, ldap_ou.base))
    assert status == 201, created
    path = f"/directory/connections/{created['connection_id']}"

    status, started = api(gateway, "POST", f"{path}/sync")
    assert status == 202 and started["state"] == "queued"

    def finished():
        _status, run = api(gateway, "GET", started["status"], role=Role.SECURITY_OFFICER)
        return run if run["state"] in ("succeeded", "failed", "skipped") else None

    run = wait_for(finished)
    assert (run["state"], run["trigger"], run["counts"]["users"], run["duplicates"]) == ("succeeded", "api", 2, 1)
    assert api(gateway, "GET", path)[1]["status"]["state"] == "ok"

    def search(prefix):
        _status, found = api(gateway, "GET", f"/directory/search?q={prefix}", role=Role.AUDITOR)
        return [a["primary"] for a in found["items"]]

    assert wait_for(lambda: search("a.able")) == ["alice@example.test"]
    status, resolved = api(gateway, "GET", "/directory/resolve?address=A.Able@example.test", role=Role.AUDITOR)
    assert [g["display_name"] for g in resolved["groups"]] == ["Sales"]
    status, duplicates = api(gateway, "GET", "/directory/duplicates", role=Role.AUDITOR)
    mine = [d for d in duplicates["items"] if fold_name(d["value"]) == fold_name("Alice Able")]
    assert mine and "spoofing" in mine[0]["consequence"]
    assert any("duplicate" in w for w in api(gateway, "GET", "/health", role=None)[1]["warnings"])
    status, logged = api(gateway, "GET", "/events?kind=warning&message_id=application:directory", role=Role.AUDITOR)
    assert status == 200
    warned = logged["events"]
    assert any("'Corp LDAP' has 1 duplicate" in e["summary"] for e in warned), warned

    assert api(gateway, "DELETE", path)[0] == 200
    assert api(gateway, "GET", path)[0] == 404
    assert api(gateway, "GET", f"{started['status']}")[0] == 404
    wait_for(lambda: not search("a.able") or None)
    with pytest.raises(clients.client("secretsmanager").exceptions.ResourceNotFoundException):
        clients.client("secretsmanager").get_secret_value(SecretId=created["password_secret"])


def test_a_sync_of_an_unknown_connection_is_404(gateway):
    status, reply = api(gateway, "POST", "/directory/connections/nope/sync")
    assert (status, reply["error"]) == (404, "not_found")
