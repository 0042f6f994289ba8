"""Shadow mode in the audit trail: who set a candidate and in which sections it differed, who cleared it, in time
order with the promotion (GET /audit); a candidate that cannot be audited is neither set nor cleared. The admin
API's real resolver over the DynamoDB adapters (moto); every answer checked against the OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from mailgate.api.app import create_app, openapi_document
from mailgate.api.ports import Ports
from mailgate.aws import resources
from mailgate.aws.event_table import DynamoEventLog
from mailgate.aws.settings_table import DynamoSettingsStore
from mailgate.aws.shadow_settings import DynamoShadowStore
from mailgate.config import GatewayConfig, Route
from mailgate.settings.audit import AuditEntry
from mailgate.settings.service import SettingsService
from mailgate.settings.validation import as_document
from tests.unit.api.resolver import call
from tests.unit.api.test_openapi_truth import ADMIN, _check

CONFIG = GatewayConfig(authserv_id="mx.example.org", domains={"example.org": Route(kind="ses")})
ANN, BOB = "ann@example.org", "bob@example.org"


def dropping_table() -> dict[str, Any]:
    table = as_document(CONFIG)["rules"]
    table["rules"].insert(0, {"name": "Drop bulk sender", "senders": {"addresses": ["offers@bulk.test"]},
                              "mode": "delete"})
    return table


class Gateway:
    def __init__(self) -> None:
        resources.create_tables("events", "backup", "idem")
        resources.create_settings_table("settings")
        self.settings = SettingsService(DynamoSettingsStore("settings"), lambda: CONFIG)
        self.app = create_app(Ports(events=lambda: DynamoEventLog("events"),
                                    backup=lambda: None,  # type: ignore[arg-type,return-value]
                                    settings=lambda: self.settings, config=lambda: self.settings.current().config,
                                    shadow=lambda: DynamoShadowStore("settings")))
        self.document = openapi_document(self.app)

    def call(self, method: str, path: str, body: Any = None, email: str = ANN) -> tuple[int, Any]:
        status, reply = call(self.app, method, path, ADMIN, body, email)
        _check(self.document, method.lower(), path.split("?")[0], status, "application/json", reply)
        return status, reply

    def audit(self) -> list[dict[str, Any]]:
        status, page = self.call("GET", "/audit")
        assert status == 200 and page["next_cursor"] is None, page
        return list(page["items"])


@pytest.fixture
def gateway(aws) -> Gateway:
    return Gateway()


def candidate_rules() -> dict[str, Any]:
    return {"version": 0, "sections": {"rules": dropping_table()}}


def sections(entry: dict[str, Any]) -> set[str]:
    return {change["path"].split(".")[1].split("[")[0] for change in entry["changes"]}


def test_setting_and_clearing_shadow_settings_are_audited_in_time_order_with_the_promotion(gateway):
    status, shadow = gateway.call("PUT", "/settings/shadow", candidate_rules())
    assert status == 200, shadow
    assert gateway.call("DELETE", "/settings/shadow", email=BOB) == (200, {"removed": True})
    assert gateway.call("DELETE", "/settings/shadow", email=BOB) == (200, {"removed": False})  # nothing: no entry
    candidate = {"rules": dropping_table(), "event_retention_days": 10}
    assert gateway.call("PUT", "/settings/shadow", {"version": 0, "sections": candidate})[0] == 200
    assert gateway.call("POST", "/settings/shadow/promote", {"version": 0})[0] == 200

    audit = gateway.audit()  # newest first
    assert [(e["operation"], e["actor"]) for e in audit] == [
        ("POST /settings/shadow/promote", f"ann <{ANN}>"), ("PUT /settings/shadow", f"ann <{ANN}>"),
        ("DELETE /settings/shadow", f"ann <{BOB}>"), ("PUT /settings/shadow", f"ann <{ANN}>")]
    assert [e["at"] for e in audit] == sorted((e["at"] for e in audit), reverse=True)
    promoted, second, cleared, first = audit
    assert [sections(e) for e in audit] == [{"event_retention_days", "rules"}, {"event_retention_days", "rules"},
                                            {"rules"}, {"rules"}]
    assert [(e["version_before"], e["version_after"]) for e in audit] == [(0, 1), (0, 0), (0, 0), (0, 0)]
    assert second["changes"] == promoted["changes"]  # the candidate set is exactly the change promoted
    [added] = [c for c in first["changes"] if "Drop bulk sender" in str(c["after"])]
    assert "Drop bulk sender" not in str(added["before"])  # setting: before the live value, after the candidate's
    assert cleared["changes"] == [{**c, "before": c["after"], "after": c["before"]} for c in first["changes"]]


def test_a_candidate_that_cannot_be_audited_is_neither_set_nor_cleared(gateway, monkeypatch):
    def refused(_store: DynamoSettingsStore, _entry: AuditEntry) -> None:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not authorised"}}, "PutItem")

    with monkeypatch.context() as broken:
        broken.setattr(DynamoSettingsStore, "record", refused)
        status, answer = gateway.call("PUT", "/settings/shadow", candidate_rules())
        assert status == 503 and answer["error"] == "audit_unavailable", answer
        assert "audit trail could not be written" in answer["message"] and "not authorised" in answer["message"]
    assert DynamoShadowStore("settings").get() is None
    assert gateway.audit() == []

    assert gateway.call("PUT", "/settings/shadow", candidate_rules())[0] == 200
    with monkeypatch.context() as broken:
        broken.setattr(DynamoSettingsStore, "record", refused)
        status, answer = gateway.call("DELETE", "/settings/shadow")
        assert status == 503 and "shadow settings were not changed" in answer["message"], answer
    assert DynamoShadowStore("settings").get() is not None  # still set, as its one audit entry says
    assert [e["operation"] for e in gateway.audit()] == ["PUT /settings/shadow"]


def test_a_shadow_store_failing_after_the_entry_answers_503_naming_the_entry(gateway, monkeypatch):
    def unreachable(_store: DynamoShadowStore, _shadow: Any) -> None:
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "try again"}}, "PutItem")

    monkeypatch.setattr(DynamoShadowStore, "put", unreachable)
    status, answer = gateway.call("PUT", "/settings/shadow", candidate_rules())
    [entry] = gateway.audit()
    assert status == 503 and entry["entry_id"] in answer["message"] and "attempt" in answer["message"], answer


def test_an_audit_only_entry_changes_no_version_and_pages_with_the_settings_changes(aws):
    resources.create_settings_table("settings")
    store = DynamoSettingsStore("settings")
    store.save(GatewayConfig(), 0, AuditEntry("a", "s", "PATCH /settings/general", 0, 1, (),
                                              at="2026-10-01T10:00:00.000000Z"))
    store.record(AuditEntry("a", "s", "PUT /settings/shadow", 1, 1, (), at="2026-10-02T10:00:00.000000Z"))
    store.record(AuditEntry("a", "s", "DELETE /settings/shadow", 1, 1, (), at="2026-11-01T10:00:00.000000Z"))
    assert store.load() is not None and store.load().version == 1  # type: ignore[union-attr]
    seen, cursor = [], None
    while True:
        entries, cursor = store.audit_between("2026-09-01T00:00:00Z", "2026-11-30T00:00:00Z", 1, cursor)
        seen += [e.operation for e in entries]
        if cursor is None:
            break
    assert seen == ["DELETE /settings/shadow", "PUT /settings/shadow", "PATCH /settings/general"]
