"""The admin API against local mode: roles on every route, settings with versions and audit, the event log."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid

import pytest

from mailgate.api.app import create_app
from mailgate.api.guard import ROUTE_ROLES
from mailgate.api.ports import Ports
from mailgate.api.roles import Role
from mailgate.backup.model import BackupRecord
from mailgate.local.api_server import call
from mailgate.wiring import process
from tests.support.cognito import api, token
from tests.support.local_gateway import delivered, events, outcomes, send, simple_message, wait_for

pytestmark = pytest.mark.integration

create_app(Ports(*[lambda: None] * 4))  # every route registers its roles, so collection sees them all

# A request per route that passes validation, so what is tested is the role, not the input.
BODIES = {
    ("PUT", "/settings/domains"): {"version": 0, "domains": {}},
    ("PATCH", "/settings/general"): {"version": 0},
    ("PUT", "/settings/content-filter"): {"version": 0, "settings": {}},
    ("PUT", "/settings/antivirus"): {"version": 0, "settings": {}},
    ("PUT", "/settings/antispam"): {"version": 0, "settings": {}},
    ("PUT", "/settings/signing"): {"version": 0, "settings": {}},
    ("PUT", "/settings/modifications"): {"version": 0, "settings": {}},
    ("PUT", "/lists"): {"version": 0, "settings": {}},
    ("POST", "/lists/import"): {"version": 0, "list": "allow", "text": ""},
    ("POST", "/settings/rules/<rule_name>/import"): {"version": 0, "side": "senders", "text": ""},
    ("PUT", "/settings/spam-quarantine"): {"version": 0, "settings": {}},
    ("PUT", "/settings/application-notifications"): {"version": 0, "settings": {}},
    ("PUT", "/settings/recipient-verification"): {"version": 0, "settings": {}},
    ("POST", "/rules/dry-run"): {"message_id": "no-such-message"},
    ("POST", "/replays"): {"sections": {}, "from": "2000-01-01", "to": "2000-01-02", "limit": 1},
    ("PUT", "/settings/shadow"): {"version": 999999, "sections": {}},  # stale: 409, no candidate is set
    ("POST", "/settings/shadow/promote"): {"version": 999999},
    ("PUT", "/lists/personal"): {"version": 0},
    ("PUT", "/lists/personal/<address>"): {"version": 0},
    ("PUT", "/settings/rules"): {"version": 0, "settings": {}},
    ("PUT", "/settings/notifications"): {"version": 0, "settings": {}},
    ("POST", "/notifications/preview"): {"name": "admin_virus_found"},
    ("POST", "/settings/import"): {},
    ("POST", "/antispam/feedback"): {"label": "spam", "backup_id": "no-such-entry"},
    ("POST", "/backup/delete"): {"filter": {}},
    ("POST", "/backup/<backup_id>/release-request"): {},
    ("POST", "/backup/<backup_id>/release-request/decline"): {},
    ("POST", "/backup/<backup_id>/release-request/approve"): {},
    ("POST", "/backup/release"): {"filter": {}},
    ("POST", "/reports/run"): {"period": "day", "mail": False},
    ("PUT", "/settings/reports"): {"version": 0, "settings": {}},
    ("PUT", "/settings/digest"): {"version": 0, "settings": {}},
    ("PUT", "/settings/outbound"): {"version": 0, "settings": {}},
    ("PUT", "/settings/prices"): {"version": 0, "settings": {}},
    ("POST", "/directory/connections"): {"name": "n", "domain": "example.test", "base_dn": "dc=x", "bind_dn": "x"},
    ("PUT", "/directory/connections/<connection_id>"): {"name": "n", "domain": "example.test", "base_dn": "dc=x",
                                                        "bind_dn": "x"},
    ("POST", "/exposure/actions"): {"kind": "sha256", "value": "ab" * 32, "actions": ["hold_in_flight"]},
}
QUERIES = {"/directory/search": "?q=a", "/directory/resolve": "?address=a@example.test",  # required parameters
           "/exposure": "?kind=domain&value=bad.example", "/exposure/export": "?kind=domain&value=bad.example"}


def _path(rule: str) -> str:
    return re.sub(r"<(\w+)>", lambda m: f"no-such-{m[1]}", rule) + QUERIES.get(rule, "")


def _openapi_routes(gateway) -> set[tuple[str, str]]:
    status, document = api(gateway, "GET", "/openapi.json", role=None)
    assert status == 200
    return {(method.upper(), re.sub(r"{(\w+)}", r"<\1>", path))
            for path, operations in document["paths"].items() for method in operations}


def test_every_documented_route_declares_its_roles(gateway):
    documented = _openapi_routes(gateway)
    declared = {route for route, _roles in ROUTE_ROLES.items() if route != ("GET", "/openapi.json")}
    assert documented == declared


@pytest.mark.parametrize("route", sorted(ROUTE_ROLES), ids=lambda r: f"{r[0]} {r[1]}")
def test_each_role_not_allowed_is_refused_and_no_token_is_unauthorized(gateway, route):
    method, rule = route
    allowed = ROUTE_ROLES[route]
    body = BODIES.get(route)
    if not allowed:
        status, _ = api(gateway, method, _path(rule), role=None, body=body)
        assert status == (400 if rule.startswith("/links/") else 200)  # a made-up digest link: "not valid"
        return
    status, reply = api(gateway, method, _path(rule), role=None, body=body)
    assert (status, reply["error"]) == (401, "unauthorized")
    for role in Role:
        status, reply = api(gateway, method, _path(rule), role=role, body=body)
        if role in allowed:
            assert status not in (401, 403), (role, reply)
        else:
            assert (status, reply["error"]) == (403, "forbidden"), role


def test_a_forged_or_malformed_token_is_refused_before_the_handler(gateway):
    header, payload, signature = token(gateway, Role.AUDITOR).split(".")
    claims = json.loads(_b64decode(payload))
    claims["cognito:groups"] = ["Administrator"]
    forged = ".".join([header, _b64encode(json.dumps(claims).encode()), signature])
    for bad in (forged, "not-a-jwt"):
        status, _headers, raw = call("GET", f"{gateway.api_url}/settings/general", bad)
        assert status == 401
        assert json.loads(raw)["error"] == "unauthorized"


def _b64decode(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64encode(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.fixture
def original_settings(gateway):
    """Whatever a test does to the settings, the next test finds them as they were."""
    status, exported = api(gateway, "GET", "/settings/export")
    assert status == 200
    yield exported
    _status, current = api(gateway, "GET", "/settings/general")
    exported.pop("exported_at")
    status, _ = api(gateway, "POST", f"/settings/import?version={current['version']}", body=exported)
    assert status == 200
    process.reset()  # the in-process functions must not keep a changed configuration for 30 s


def test_settings_round_trip_with_versions_conflicts_and_audit(gateway, original_settings):
    version = original_settings["settings_version"]
    document = json.loads(json.dumps(original_settings))
    document["settings"]["domains"]["added.test"] = {"kind": "ses"}
    status, reply = api(gateway, "POST", f"/settings/import?version={version}", body=document)
    assert (status, reply) == (200, {"version": version + 1, "imported": True})

    status, domains = api(gateway, "GET", "/settings/domains", role=Role.AUDITOR)
    assert status == 200 and domains["version"] == version + 1
    assert domains["domains"]["added.test"]["kind"] == "ses"

    stale = {"version": version, "domains": domains["domains"]}
    status, reply = api(gateway, "PUT", "/settings/domains", body=stale)
    assert status == 409
    assert reply["error"] == "version_conflict" and reply["current_version"] == version + 1

    status, general = api(gateway, "PATCH", "/settings/general",
                          body={"version": version + 1, "delivery": {"connect_timeout_seconds": 7}})
    assert status == 200 and general["version"] == version + 2
    assert general["delivery"]["connect_timeout_seconds"] == 7
    assert general["delivery"]["max_attempts"] == original_settings["settings"]["delivery"]["max_attempts"]

    status, audit = api(gateway, "GET", "/audit?limit=2", role=Role.AUDITOR)
    assert status == 200
    latest, before = audit["items"]
    assert latest["operation"] == "PATCH /settings/general"
    assert latest["actor"] == "admin <admin@mailgate.local>"
    assert latest["changes"] == [{"path": "$.delivery.connect_timeout_seconds", "before": 5.0, "after": 7.0}]
    assert before["operation"] == "POST /settings/import"
    assert {"path": '$.domains["added.test"]', "before": None,
            "after": {"kind": "ses", "hosts": [], "require_tls": False, "verify_tls": True,
                      "username_secret": None}} in before["changes"]
    assert audit["next_cursor"]


def test_an_import_reports_every_problem_at_once_and_changes_nothing(gateway, original_settings):
    document = json.loads(json.dumps(original_settings))
    document["format_version"] = 9
    document["settings"]["domains"]["not a domain"] = {"kind": "smtp", "hosts": [{"host": "h", "port": 0}]}
    document["settings"]["dns"]["timeout_seconds"] = -1
    document["settings"]["backup_retention_days"] = "forever"
    status, reply = api(gateway, "POST", "/settings/import", body=document)
    assert status == 422
    assert reply["error"] == "validation_error"
    assert {p["path"] for p in reply["problems"]} == {
        "$.format_version", '$.settings.domains["not a domain"]',
        '$.settings.domains["not a domain"].hosts[0].port', "$.settings.dns.timeout_seconds",
        "$.settings.backup_retention_days",
    }
    status, after = api(gateway, "GET", "/settings/export")
    assert after["settings_version"] == original_settings["settings_version"]


def test_validation_and_bad_input_answers_name_the_field(gateway):
    status, reply = api(gateway, "PATCH", "/settings/general", body={"version": 1, "event_retention_days": 0})
    assert status == 422 and reply["problems"][0]["path"] == "body.event_retention_days"
    status, reply = api(gateway, "GET", "/events?from=2026-02-30")
    assert (status, reply["error"], reply["field"]) == (400, "bad_request", "from")
    status, reply = api(gateway, "GET", "/events?from=2020-01-01&to=2026-01-01")
    assert (status, reply["error"]) == (422, "range_too_large")
    status, reply = api(gateway, "GET", "/backup?cursor=MQ")
    assert (status, reply["message"]) == (400, "invalid page token")


def test_event_log_filters_and_csv_export_of_mail_sent_through_the_gateway(gateway):
    tag = uuid.uuid4().hex[:8]
    first = send(gateway, "alice@sender.test", ["bob@example.test"],
                 simple_message("alice@sender.test", "bob@example.test", f"Invoice {tag} for November"))
    second = send(gateway, "alice@sender.test", ["erin@example.test"],
                  simple_message("alice@sender.test", "erin@example.test", f"lunch {tag}?"))
    outcomes(gateway, first)
    outcomes(gateway, second)

    status, found = api(gateway, "GET", f"/events?subject=INVOICE%20{tag}&kind=decision", role=Role.AUDITOR)
    assert status == 200
    assert [(e["message_id"], e["action"]) for e in found["events"]] == [(first, "deliver")]
    assert found["events"][0]["sender"] == "alice@sender.test"

    status, found = api(gateway, "GET", f"/events?subject={tag}&recipient=ERIN@&kind=delivered")
    assert {e["message_id"] for e in found["events"]} == {second}
    status, found = api(gateway, "GET", f"/events?subject={tag}&action=deliver&verdict=pass&limit=1")
    pages = [found]
    while pages[-1]["next_cursor"]:
        cursor = pages[-1]["next_cursor"]
        status, page = api(gateway, "GET", f"/events?subject={tag}&action=deliver&verdict=pass&limit=1&cursor={cursor}")
        assert status == 200
        pages.append(page)
    events = [e for p in pages for e in p["events"]]
    assert {e["message_id"] for e in events} == {first, second}
    assert all(len(p["events"]) <= 1 for p in pages)
    status, found = api(gateway, "GET", f"/events?message_id={first}&kind=received")
    assert [e["kind"] for e in found["events"]] == ["received"]

    status, text = api(gateway, "GET", f"/events/export?format=csv&subject={tag}", role=Role.SECURITY_OFFICER)
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["message_id"] for r in rows} == {first, second}
    assert {r["subject"] for r in rows} == {f"Invoice {tag} for November", f"lunch {tag}?"}
    assert any(r["kind"] == "delivered" and r["action"] == "deliver" for r in rows)
    status, exported = api(gateway, "GET", f"/events/export?format=json&subject={tag}&kind=received")
    assert {e["message_id"] for e in exported["events"]} == {first, second}

    # the personal user bob sees events addressed to him, and nothing of erin's
    status, mine = api(gateway, "GET", f"/events?subject={tag}", role=Role.PERSONAL_USER)
    assert status == 200 and mine["events"]
    assert all("bob@example.test" in (e["recipient"] or "") for e in mine["events"])


def test_a_personal_user_sees_only_their_own_backup_entries(gateway):
    from mailgate.aws.backup_table import DynamoBackupIndex
    from mailgate.local.gateway import BACKUP_TABLE

    index = DynamoBackupIndex(BACKUP_TABLE)
    tag = uuid.uuid4().hex[:8]
    for owner in ("Bob@Example.test", "carol@example.test"):
        index.put(BackupRecord(f"{tag}.{owner}", f"m-{tag}", (owner,), "x@sender.test", "held", "test",
                               f"incoming/m-{tag}"))
    status, listing = api(gateway, "GET", "/backup?limit=500", role=Role.PERSONAL_USER)
    assert status == 200
    mine = [i["backup_id"] for i in listing["items"] if i["message_id"] == f"m-{tag}"]
    assert mine == [f"{tag}.Bob@Example.test"]
    assert api(gateway, "GET", f"/backup/{tag}.Bob@Example.test", role=Role.PERSONAL_USER)[0] == 200
    status, reply = api(gateway, "GET", f"/backup/{tag}.carol@example.test", role=Role.PERSONAL_USER)
    assert (status, reply["error"]) == (404, "not_found")
    assert api(gateway, "GET", f"/backup/{tag}.carol@example.test", role=Role.AUDITOR)[0] == 200


def test_the_token_command_prints_a_token_the_api_accepts(gateway, capsys):
    import argparse

    from mailgate.local import token_cli

    parser = argparse.ArgumentParser()
    token_cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["token", "--user", "auditor", "--state-dir", str(gateway.state_dir)])
    assert args.func(args) == 0
    printed = capsys.readouterr().out.strip()
    status, _headers, raw = call("GET", f"{gateway.api_url}/me", printed)
    assert status == 200
    assert json.loads(raw)["roles"] == ["Auditor"]


def test_content_filter_edited_through_the_api_decides_the_next_message(gateway, original_settings):
    status, current = api(gateway, "GET", "/settings/content-filter", role=Role.AUDITOR)
    assert status == 200 and current["settings"]["expressions"]
    settings = json.loads(json.dumps(current["settings"]))
    settings["dictionaries"].append({"name": "Project codenames", "type": "text", "strings": ["bluebird"]})
    settings["expressions"].insert(0, {
        "name": "No codenames to outsiders", "action": "reject", "backup": True,
        "conditions": [{"attribute": "subject", "operator": "dictionary", "dictionary": "Project codenames"}]})
    bad = json.loads(json.dumps(settings))
    bad["expressions"][0]["conditions"][0]["dictionary"] = "No such dictionary"
    status, refused = api(gateway, "PUT", "/settings/content-filter", body={"version": current["version"],
                                                                          "settings": bad})
    assert status == 422 and "No such dictionary" in json.dumps(refused["problems"])
    assert api(gateway, "PUT", "/settings/content-filter", role=Role.AUDITOR,
               body={"version": current["version"], "settings": settings})[0] == 403
    status, saved = api(gateway, "PUT", "/settings/content-filter",
                        body={"version": current["version"], "settings": settings})
    assert status == 200 and saved["version"] == current["version"] + 1
    assert saved["settings"]["expressions"][0]["name"] == "No codenames to outsiders"
    process.reset()  # the in-process functions read the change at once, not after 30 s

    message_id = send(gateway, "alice@sender.test", ["bob@example.test"],
                      simple_message("alice@sender.test", "bob@example.test", "Bluebird launch plan"))
    outcomes(gateway, message_id)
    kinds = wait_for(lambda: {e["kind"] for e in events(gateway, message_id)} >= {"rejected", "backup"} or None)
    assert kinds
    decision = next(e for e in events(gateway, message_id) if e["kind"] == "decision")["detail"]["decision"]
    assert decision["module"] == "content_filter" and "No codenames to outsiders" in decision["reason"]
    assert not delivered(gateway, message_id)
