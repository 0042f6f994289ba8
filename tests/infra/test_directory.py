"""The directory cache in the template: the same keys the adapter queries, and each function's share of it."""

from __future__ import annotations

from typing import Any

from mailgate.aws.resources import directory_table_spec
from tests.infra.helpers import actions, of_type, resources_text, role_id, statements

Resources = dict[str, dict[str, Any]]


def _granted(resources: Resources, part: str) -> list[tuple[str, str]]:
    return [(a, resources_text(s)) for s in statements(resources, role_id(resources, part)) for a in actions(s)]


def _environment(resources: Resources, part: str) -> dict[str, Any]:
    fn = next(f for k, f in of_type(resources, "AWS::Lambda::Function").items() if part in k)
    return dict(fn["Properties"]["Environment"]["Variables"])


def test_the_cache_table_has_the_adapters_keys_encryption_pitr_and_ttl(resources: Resources) -> None:
    tables = of_type(resources, "AWS::DynamoDB::Table")
    table = next(t["Properties"] for k, t in tables.items() if "DirectoryCache" in k)
    assert table["KeySchema"] == directory_table_spec("x")["KeySchema"]
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_the_api_writes_ldap_passwords_only_and_starts_syncs(resources: Resources) -> None:
    granted = _granted(resources, "AdminApiRole")
    writes = [r for a, r in granted if a in ("secretsmanager:CreateSecret", "secretsmanager:PutSecretValue",
                                             "secretsmanager:DeleteSecret")]
    assert len(writes) == 3 and all("secret:mailgate/ldap/*" in r for r in writes)
    reads = [r for a, r in granted if a == "secretsmanager:GetSecretValue"]
    assert all("secret:mailgate/links/*" in r for r in reads)  # LDAP passwords write-only; the digest links' keys
    assert any(a == "lambda:InvokeFunction" and "LdapSync" in r for a, r in granted)
    env = _environment(resources, "AdminApi")
    assert "DIRECTORY_TABLE" in env and "LDAP_SYNC_FUNCTION" in env


def test_scan_reads_the_cache_and_only_the_sync_and_the_api_write_it(resources: Resources) -> None:
    def writes_cache(part: str) -> bool:
        return any(a == "dynamodb:PutItem" and "DirectoryCache" in r for a, r in _granted(resources, part))

    assert any(a == "dynamodb:Query" and "DirectoryCache" in r for a, r in _granted(resources, "ProcessingScanRole"))
    assert not writes_cache("ProcessingScanRole")
    assert writes_cache("DirectoryLdapSyncRole") and writes_cache("AdminApiRole")
    assert "DIRECTORY_TABLE" in _environment(resources, "ProcessingScan")


def test_ldap_sync_has_its_application_notices_sent_by_rules(resources: Resources) -> None:
    granted = _granted(resources, "LdapSync")
    assert any(a == "lambda:InvokeFunction" and "Rules" in r for a, r in granted)
    assert "RULES_FUNCTION" in _environment(resources, "LdapSync")


def test_the_api_function_checks_the_dead_letter_queues_every_five_minutes(resources: Resources) -> None:
    import json

    schedules = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Scheduler::Schedule"]
    checks = next(s for s in schedules if "application_checks" in json.dumps(s["Target"].get("Input", "")))
    assert checks["ScheduleExpression"] == "rate(5 minutes)"
    assert "DeadLetterConfig" in checks["Target"]
