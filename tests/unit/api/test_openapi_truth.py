"""The admin API's OpenAPI document tells the truth: it is a valid document, and every route, called through
the real resolver, answers with a status it declares and a body its declared schema accepts."""

from __future__ import annotations

import base64
import json
from typing import Any

import jsonschema
import pytest
from openapi_spec_validator import validate

from mailgate.api.app import create_app, openapi_document
from mailgate.api.ports import Ports
from mailgate.aws import resources
from mailgate.aws.antispam_store import DynamoS3OrganisationStore
from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.directory_table import DynamoDirectoryStore
from mailgate.aws.event_table import DynamoEventLog
from mailgate.aws.mail_store import S3MailStore
from mailgate.aws.password_vault import SecretsManagerVault
from mailgate.aws.settings_table import DynamoSettingsStore
from mailgate.config import GatewayConfig
from mailgate.directory.service import DirectoryAdmin
from mailgate.local.api_server import api_gateway_event
from mailgate.local.functions import LocalLambdaContext
from mailgate.scanners.antispam.feedback import DEFAULT_ORGANISATION, FeedbackService
from mailgate.scanners.antispam.learning import OrganisationModel
from mailgate.settings.service import SettingsService
from tests.unit.api.resolver import call, local_app
from tests.unit.directory.build import entry, snapshot

ADMIN = "Administrator"
MESSAGE = base64.b64encode(b"From: a@sender.test\r\nTo: bob@example.org\r\nSubject: hi\r\n\r\nhello\r\n").decode()


def _answer(app: Any, method: str, path: str, body: Any = None, groups: str | None = ADMIN) -> tuple[int, str, Any]:
    claims = None if groups is None else {"sub": "s-1", "cognito:username": "ann", "email": "ann@example.org",
                                          "email_verified": "true", "cognito:groups": groups}
    event = api_gateway_event(method, path, {"Content-Type": "application/json"},
                              json.dumps(body).encode() if body is not None else b"", claims)
    reply = app.resolve(event, LocalLambdaContext("api"))
    headers = {**reply.get("headers", {}), **{k: v[0] for k, v in reply.get("multiValueHeaders", {}).items()}}
    content_type = headers.get("Content-Type", "")
    text = reply["body"]
    return reply["statusCode"], content_type, json.loads(text) if content_type.startswith("application/json") else text


def _requests(app: Any) -> dict[tuple[str, str], tuple[str, Any]]:
    """One real request per documented route: (method, OpenAPI path) → (request target, body)."""
    _status, rules = call(app, "GET", "/settings/rules", ADMIN)
    version = rules["version"]
    section = {"version": version, "settings": rules["settings"]}
    return {
        ("get", "/health"): ("/health", None),
        ("get", "/me"): ("/me", None),
        ("get", "/events"): ("/events?limit=5", None),
        ("get", "/events/export"): ("/events/export?format=csv", None),
        ("get", "/messages/{message_id}/events"): ("/messages/nothing/events", None),
        ("get", "/messages/{message_id}/explanation"): ("/messages/nothing/explanation", None),
        ("get", "/backup"): ("/backup", None),
        ("get", "/backup/{backup_id}"): ("/backup/nothing", None),
        ("get", "/backup/counts"): ("/backup/counts", None),
        ("get", "/stats"): ("/stats?step=hour", None),
        ("get", "/reports"): ("/reports", None),
        ("get", "/settings/reports"): ("/settings/reports", None),
        ("get", "/settings/digest"): ("/settings/digest", None),
        ("get", "/settings/outbound"): ("/settings/outbound", None),
        ("put", "/settings/outbound"): ("/settings/outbound", {"version": version + 100, "settings": {}}),
        ("get", "/settings/prices"): ("/settings/prices", None),
        ("put", "/settings/prices"): ("/settings/prices", {"version": version + 100, "settings": {}}),
        ("put", "/settings/digest"): ("/settings/digest", {"version": version + 100, "settings": {}}),
        ("put", "/settings/reports"): ("/settings/reports", {"version": version + 100, "settings": {}}),
        ("post", "/reports/run"): ("/reports/run", {"period": "day", "mail": False}),
        ("get", "/exposure"): ("/exposure?kind=url&value=https%3A%2F%2Fbad.example%2F", None),
        ("get", "/exposure/export"): ("/exposure/export?kind=domain&value=bad.example&format=json", None),
        ("post", "/exposure/actions"): ("/exposure/actions", {"kind": "sha256", "value": "ab" * 32,
                                                              "actions": ["hold_in_flight"]}),
        ("delete", "/backup/{backup_id}"): ("/backup/nothing", None),
        ("post", "/backup/delete"): ("/backup/delete", {"filter": {"sender": "a@sender.test"}}),
        ("get", "/backup/release-requests"): ("/backup/release-requests", None),
        ("post", "/backup/{backup_id}/release-request"): ("/backup/nothing/release-request", {}),
        ("post", "/backup/{backup_id}/release-request/decline"): ("/backup/nothing/release-request/decline", {}),
        ("post", "/backup/{backup_id}/release-request/approve"): ("/backup/nothing/release-request/approve", {}),
        ("post", "/backup/release"): ("/backup/release", {"filter": {"held_by": "delivery_failure"}}),
        ("get", "/backup/{backup_id}/view"): ("/backup/nothing/view", None),
        ("post", "/backup/{backup_id}/download"): ("/backup/nothing/download", {}),
        ("post", "/backup/{backup_id}/release"): ("/backup/nothing/release", {"request_id": "r-1"}),
        ("get", "/backup/{backup_id}/history"): ("/backup/nothing/history", None),
        ("get", "/links/{token}"): ("/links/not-a-link", None),
        ("post", "/links/{token}"): ("/links/not-a-link", None),
        ("get", "/spam-quarantine"): ("/spam-quarantine", None),
        ("get", "/settings/domains"): ("/settings/domains", None),
        ("put", "/settings/domains"): ("/settings/domains", {"version": version, "domains": {}}),
        ("get", "/settings/content-filter"): ("/settings/content-filter", None),
        ("put", "/settings/content-filter"): ("/settings/content-filter", {"version": version + 100, "settings": {}}),
        ("get", "/settings/rules"): ("/settings/rules", None),
        ("put", "/settings/rules"): ("/settings/rules", section),
        ("get", "/settings/antivirus"): ("/settings/antivirus", None),
        ("put", "/settings/antivirus"): ("/settings/antivirus", {"version": version, "settings": {"port": "x"}}),
        ("get", "/settings/antispam"): ("/settings/antispam", None),
        ("put", "/settings/antispam"): ("/settings/antispam", {"version": version, "settings": {
            "known_senders": {"add": ["not a domain"]}}}),
        ("get", "/settings/modifications"): ("/settings/modifications", None),
        ("put", "/settings/modifications"): ("/settings/modifications", {"version": version + 100, "settings": {}}),
        ("get", "/settings/application-notifications"): ("/settings/application-notifications", None),
        ("put", "/settings/application-notifications"): ("/settings/application-notifications",
                                                         {"version": version + 100, "settings": {}}),
        ("get", "/settings/recipient-verification"): ("/settings/recipient-verification", None),
        ("put", "/settings/recipient-verification"): ("/settings/recipient-verification", {
            "version": version, "settings": {"also_accept": ["*@*"]}}),
        ("get", "/settings/spam-quarantine"): ("/settings/spam-quarantine", None),
        ("put", "/settings/spam-quarantine"): ("/settings/spam-quarantine", {"version": version + 100, "settings": {}}),
        ("get", "/settings/signing"): ("/settings/signing", None),
        ("put", "/settings/signing"): ("/settings/signing", {"version": version + 100, "settings": {}}),
        ("get", "/settings/general"): ("/settings/general", None),
        ("patch", "/settings/general"): ("/settings/general", {"version": version + 100}),
        ("get", "/settings/export"): ("/settings/export", None),
        ("post", "/settings/import"): ("/settings/import", {"format": "nothing"}),
        ("post", "/settings/rules/{rule_name}/import"): ("/settings/rules/No%20such%20rule/import",
                                                         {"version": version, "side": "senders", "text": "a@b.test"}),
        ("get", "/audit"): ("/audit", None),
        ("get", "/settings/notifications"): ("/settings/notifications", None),
        ("put", "/settings/notifications"): ("/settings/notifications", {"version": version + 100, "settings": {}}),
        ("post", "/notifications/preview"): ("/notifications/preview", {"name": "nothing"}),
        ("get", "/lists"): ("/lists", None),
        ("put", "/lists"): ("/lists", {"version": version + 100, "settings": {}}),
        ("post", "/lists/import"): ("/lists/import", {"version": version, "list": "deny", "text": "spam.test"}),
        ("get", "/lists/personal"): ("/lists/personal", None),
        ("put", "/lists/personal"): ("/lists/personal", {"version": 0, "allow": ["friend@partner.test"]}),
        ("get", "/lists/personal/{address}"): ("/lists/personal/bob@example.org", None),
        ("put", "/lists/personal/{address}"): ("/lists/personal/bob@example.org", {"version": 7}),
        ("post", "/rules/dry-run"): ("/rules/dry-run", {"message": MESSAGE, "recipients": ["bob@example.org"]}),
        ("post", "/replays"): ("/replays", {"sections": {}, "from": "2026-01-01", "to": "2026-01-02", "limit": 1}),
        ("get", "/replays/{job_id}"): ("/replays/" + "0" * 32, None),
        ("get", "/replays/{job_id}/results"): ("/replays/" + "0" * 32 + "/results?limit=5", None),
        ("put", "/settings/shadow"): ("/settings/shadow", {"version": version + 100, "sections": {}}),
        ("delete", "/settings/shadow"): ("/settings/shadow", None),
        ("get", "/settings/shadow/summary"): ("/settings/shadow/summary?from=2026-01-01", None),
        ("post", "/settings/shadow/promote"): ("/settings/shadow/promote", {}),
        ("post", "/antispam/feedback"): ("/antispam/feedback", {"label": "spam", "message": MESSAGE}),
        ("get", "/antispam/model"): ("/antispam/model", None),
        ("get", "/directory/connections"): ("/directory/connections", None),
        ("post", "/directory/connections"): ("/directory/connections", {"name": "x", "domain": "example.org",
                                                                         "base_dn": "DC=example,DC=org",
                                                                         "bind_dn": "reader"}),
        ("get", "/directory/connections/{connection_id}"): ("/directory/connections/c1", None),
        ("put", "/directory/connections/{connection_id}"): ("/directory/connections/c1", {"name": "x"}),
        ("delete", "/directory/connections/{connection_id}"): ("/directory/connections/c1", None),
        ("post", "/directory/connections/{connection_id}/sync"): ("/directory/connections/c1/sync", None),
        ("get", "/directory/connections/{connection_id}/sync/{sync_id}"): ("/directory/connections/c1/sync/s1", None),
        ("get", "/directory/duplicates"): ("/directory/duplicates", None),
        ("get", "/directory/search"): ("/directory/search?q=ann", None),
        ("get", "/directory/resolve"): ("/directory/resolve?address=ann@example.org", None),
    }


@pytest.fixture
def app(aws):
    return local_app(GatewayConfig(authserv_id="mx.example.org", domains={"example.org": {}}))


@pytest.fixture
def document(app):
    return openapi_document(app)


def test_the_document_is_valid_openapi_without_the_framework_error_model(document):
    validate(document)
    text = json.dumps(document)
    assert "HTTPValidationError" not in text and "ResponseValidationError" not in text
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    assert {"listBackup", "getRules", "createConnection", "listAudit"} <= set(ids)
    assert all("_" not in i and i[0].islower() for i in ids), ids


def test_each_route_declares_its_success_status_and_every_error_in_the_one_error_model(document):
    operations = document["paths"]
    assert "201" in operations["/directory/connections"]["post"]["responses"]
    assert "202" in operations["/directory/connections/{connection_id}/sync"]["post"]["responses"]
    assert "422" not in operations["/settings/general"]["get"]["responses"]  # nothing to validate
    assert {"401", "403", "409", "413", "422"} <= set(operations["/settings/general"]["patch"]["responses"])
    for path, methods in operations.items():
        for method, operation in methods.items():
            for code, answer in operation["responses"].items():
                schema = answer["content"]["application/json"]["schema"] if "application/json" in answer.get(
                    "content", {}) else None
                if code.startswith(("4", "5")):
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, code)
                elif schema is not None:
                    assert schema.get("additionalProperties") is not True, (method, path, code)


# The objects that stay free-form, and why; any other object without declared properties fails.
OPEN_OBJECTS = {
    # each kind of event carries other facts, written by several steps (scan, actions, directory sync,
    # feedback) and kept for the retention period in the shape of their time: described, not enumerated
    "/components/schemas/EventView/properties/detail",
}


def _open_objects(node: Any, where: str = "") -> list[str]:
    """Where the document says "an object" without saying which keys it has (or lets any other key in)."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("additionalProperties") is True or (node.get("type") == "object" and not {
                "properties", "additionalProperties", "$ref"} & set(node)):
            found.append(where)
        for key, value in node.items():
            found += _open_objects(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _open_objects(value, f"{where}/{index}")
    return found


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        return {node["$ref"]} if isinstance(node.get("$ref"), str) else set().union(*map(_refs, node.values()))
    if isinstance(node, list):
        return set().union(*map(_refs, node))
    return set()


def test_every_object_declares_its_keys_but_the_justified_free_form_ones(document):
    assert set(_open_objects(document)) == OPEN_OBJECTS


def test_each_settings_route_declares_its_own_section_and_every_reference_resolves(document):
    schemas = document["components"]["schemas"]
    assert {ref.removeprefix("#/components/schemas/") for ref in _refs(document)} <= set(schemas)

    def shape(model: str) -> str:
        [reference] = schemas[model]["properties"]["settings"]["allOf"]
        return str(reference["$ref"]).removeprefix("#/components/schemas/")

    for path, struct in {"/settings/rules": "RuleTable", "/settings/antivirus": "AntivirusSettings",
                         "/settings/antispam": "AntispamSettings",
                         "/settings/content-filter": "ContentFilterSettings", "/lists": "SenderLists",
                         "/settings/modifications": "ModificationSettings",
                         "/settings/spam-quarantine": "QuarantineLimits",
                         "/settings/application-notifications": "ApplicationNotifications",
                         "/settings/recipient-verification": "RecipientVerification",
                         "/settings/reports": "ReportSettings", "/settings/digest": "DigestSettings",
                         "/settings/outbound": "OutboundSettings",
                         "/settings/prices": "Prices",
                         "/settings/notifications": "NotificationSettings"}.items():
        operations = document["paths"][path]
        answer = operations["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        request = operations["put"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert shape(answer.removeprefix("#/components/schemas/")) == struct, path
        assert shape(request.removeprefix("#/components/schemas/")) == struct, path
    assert schemas["RuleTable"]["additionalProperties"] is False


def _check(document: dict[str, Any], method: str, path: str, status: int, content_type: str, body: Any) -> None:
    responses = document["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} answered {status}, declared {sorted(responses)}"
    declared = responses[str(status)]["content"]
    media = next(m for m in declared if content_type.startswith(m))
    schema = {**declared[media]["schema"], "components": document["components"]}
    jsonschema.Draft202012Validator(schema).validate(body)


def test_every_route_answers_as_it_declares(app, document):
    requests = _requests(app)
    documented = {(method, path) for path, ops in document["paths"].items() for method in ops}
    assert documented == set(requests), documented ^ set(requests)
    answered: dict[int, int] = {}
    for (method, path), (target, body) in sorted(requests.items()):
        status, content_type, reply = _answer(app, method.upper(), target, body)
        _check(document, method, path, status, content_type, reply)
        answered[status] = answered.get(status, 0) + 1
    assert answered[200] >= 20, answered  # most routes reached their view and its model


@pytest.mark.parametrize(("method", "path", "groups", "status"), [
    ("get", "/settings/general", None, 401), ("put", "/settings/domains", "Auditor", 403),
    ("get", "/events", ADMIN, 422), ("put", "/lists", "SecurityOfficer", 422),
])
def test_refusals_answer_in_the_declared_error_model(app, document, method, path, groups, status):
    target = "/events?limit=0" if path == "/events" else path
    got, content_type, reply = _answer(app, method.upper(), target, {"version": "x"} if method == "put" else None,
                                       groups)
    assert got == status
    _check(document, method, path, got, content_type, reply)


def test_the_csv_export_and_the_created_and_accepted_answers_are_declared(document):
    export = document["paths"]["/events/export"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"text/csv", "application/json"}
    created = document["paths"]["/directory/connections"]["post"]["responses"]
    assert "200" not in created and created["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ConnectionView"}


class _Exploding:
    def between(self, *_args: Any, **_kwargs: Any) -> Any:
        raise ValueError("secret internal detail from /var/task/mailgate/aws/event_table.py")

    def for_message(self, _message_id: str) -> Any:
        raise RuntimeError("secret internal detail")


def _broken_app() -> Any:
    config = GatewayConfig(authserv_id="mx.example.org")
    return create_app(Ports(events=_Exploding, backup=lambda: None, settings=lambda: None,  # type: ignore
                            config=lambda: config))


@pytest.mark.parametrize("path", ["/events", "/messages/m-1/events"])
def test_a_bug_in_a_route_is_a_500_with_a_correlation_id_and_no_exception_text(path):
    event = api_gateway_event("GET", path, {}, b"", {"sub": "s-1", "cognito:username": "ann",
                                                     "email": "ann@example.org", "cognito:groups": ADMIN})
    reply = _broken_app().resolve(event, LocalLambdaContext("api"))
    body = json.loads(reply["body"])
    assert reply["statusCode"] == 500
    assert body["error"] == "internal_error"
    assert body["correlation_id"] == event["requestContext"]["requestId"]
    assert body["correlation_id"] in body["message"]
    assert "secret" not in reply["body"] and "ValueError" not in reply["body"] and "event_table" not in reply["body"]


FORGED = base64.urlsafe_b64encode(b'{"month": "1999-01"}').decode()


@pytest.mark.parametrize(("target", "message", "field"), [
    ("/backup?cursor=MQ", "invalid page token", "cursor"),
    ("/events?cursor=eyJwIjogIjE5OTktMDEtMDEifQ==", "invalid page token", "cursor"),
    ("/events?cursor=MQ", "invalid page token", "cursor"),
    (f"/audit?cursor={FORGED}", "invalid cursor", "cursor"),
    ("/events?from=2026-02-30", "from: '2026-02-30' is not an ISO 8601 date or time", "from"),
    ("/audit?from=2026-03-02&to=2026-03-01", "from is after to", "from"),
    ("/lists/personal/*@example.org", "'*@example.org' is not an e-mail address", "address"),
])
def test_what_was_a_value_error_is_still_a_400_with_a_clear_message(app, target, message, field):
    status, reply = call(app, "GET", target, ADMIN)
    assert (status, reply["error"], reply["message"], reply["field"]) == (400, "bad_request", message, field)


class _Backed:
    """The resolver with real directory and anti-spam backends over moto, as wiring/api.py builds them, and
    the sync trigger recording what it was asked to start."""

    def __init__(self) -> None:
        resources.create_tables("events", "backup", "idem")
        resources.create_settings_table("settings")
        resources.create_directory_table("directory")
        resources.create_bucket("mail")
        config = GatewayConfig(authserv_id="mx.example.test", domains={"example.test": {}})
        self.triggered: list[tuple[str, str]] = []
        self.store = DynamoDirectoryStore("directory")
        events = DynamoEventLog("events")
        model = OrganisationModel(DEFAULT_ORGANISATION, DynamoS3OrganisationStore("settings", "mail"))
        directory = DirectoryAdmin(self.store, SecretsManagerVault(),
                                   lambda connection, sync: self.triggered.append((connection, sync)))
        feedback = FeedbackService(model, events)
        self.app = create_app(Ports(
            events=lambda: events, backup=lambda: DynamoBackupIndex("backup"),
            settings=lambda: SettingsService(DynamoSettingsStore("settings"), lambda: config),
            config=lambda: config, directory=lambda: directory, antispam=lambda: feedback,
            mail=lambda: S3MailStore("mail")))
        self.document = openapi_document(self.app)

    def answers(self, method: str, target: str, status: int, body: Any = None, path: str | None = None) -> Any:
        """The reply to a request, after checking its status and that its declared schema accepts it."""
        got, content_type, reply = _answer(self.app, method.upper(), target, body)
        assert got == status, (method, target, got, reply)
        _check(self.document, method, path or target.partition("?")[0], got, content_type, reply)
        return reply


@pytest.fixture
def backed(aws):
    return _Backed()


CONNECTION = {"name": "Corp", "domain": "example.test", "base_dn": "DC=example,DC=test", "bind_dn": "reader",
              "password": "s3cret", "kind": "ldap", "filters": {"contact": ""},
              "attributes": {"mail": ["mail", "mailAlternateAddress"], "login": "uid"}}


def test_the_directory_routes_answer_as_they_declare_with_a_real_directory(backed):
    created = backed.answers("post", "/directory/connections", 201, CONNECTION)
    assert created["filters"]["contact"] == "" and created["attributes"]["login"] == "uid"
    assert "password" not in created and created["password_secret"].startswith("mailgate/ldap/")
    duplicate = backed.answers("post", "/directory/connections", 409, CONNECTION)
    assert (duplicate["error"], duplicate["other"]) == ("duplicate_connection", "Corp")
    one = "/directory/connections/{connection_id}"
    target = f"/directory/connections/{created['connection_id']}"
    backed.answers("get", "/directory/connections", 200)
    assert backed.answers("get", target, 200, path=one)["status"]["state"] == "never"
    changed = backed.answers("put", target, 200, {**CONNECTION, "password": None, "name": "Corp LDAP"}, path=one)
    assert changed["name"] == "Corp LDAP" and changed["password_secret"] == created["password_secret"]

    started = backed.answers("post", f"{target}/sync", 202, path=f"{one}/sync")
    assert backed.triggered == [(created["connection_id"], started["sync_id"])]
    run = backed.answers("get", started["status"], 200, path=f"{one}/sync/{{sync_id}}")
    assert (run["state"], run["trigger"]) == ("queued", "api")
    backed.answers("get", f"{target}/sync/nothing", 404, path=f"{one}/sync/{{sync_id}}")
    backed.answers("post", "/directory/connections/nothing/sync", 404, path=f"{one}/sync")

    backed.store.publish(snapshot(entry("user", "Ann Smith", "ann@example.test", upn="ann@example.test", sam="ann"),
                                  entry("user", "Ann Smith", "ann.smith@example.test"),
                                  entry("group", "Sales", "sales@example.test", members=("CN=Ann Smith,OU=Staff,"
                                                                                         "DC=example,DC=test",)),
                                  connection_id=created["connection_id"]), 0)
    assert backed.answers("get", "/directory/search?q=ann", 200)["items"]
    assert backed.answers("get", "/directory/duplicates", 200)["items"]
    assert backed.answers("get", "/directory/resolve?address=ann@example.test", 200)["address"] == "ann@example.test"
    backed.answers("get", "/directory/resolve?address=nobody@example.test", 404)

    assert backed.answers("delete", target, 200, path=one) == {"deleted": created["connection_id"]}
    backed.answers("get", target, 404, path=one)
    backed.answers("put", target, 404, CONNECTION, path=one)


def test_the_antispam_routes_answer_as_they_declare_with_a_real_model(backed):
    mark = {"label": "spam", "message": MESSAGE}
    first = backed.answers("post", "/antispam/feedback", 200, mark)
    assert (first["learned"], first["model"]["spam_messages"]) == (True, 1)
    assert backed.answers("post", "/antispam/feedback", 200, mark)["learned"] is False
    moved = backed.answers("post", "/antispam/feedback", 200, {**mark, "label": "not_spam"})
    assert moved["previous_label"] == "spam"
    assert backed.answers("get", "/antispam/model", 200)["ham_messages"] == 1
    backed.answers("post", "/antispam/feedback", 404, {"label": "spam", "backup_id": "nothing"})
    not_mail = base64.b64encode(b"\x00\x01 not a message").decode()
    backed.answers("post", "/antispam/feedback", 422, {"label": "spam", "message": not_mail})
    assert backed.answers("get", "/health", 200)["models"]["antispam"]["version"] == 2
