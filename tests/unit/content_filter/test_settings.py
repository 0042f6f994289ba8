"""Content Filtering settings are data: validated field by field, stored with the gateway's settings."""

from __future__ import annotations

from typing import Any

import pytest

from mailgate.aws import resources
from mailgate.aws.settings_table import DynamoSettingsStore
from mailgate.config import GatewayConfig
from mailgate.scanners.content_filter.scanner import ContentFilterScanner
from mailgate.settings.document import export_document, parse_document
from mailgate.settings.errors import SettingsInvalid
from mailgate.settings.service import Actor, SettingsService
from mailgate.settings.validation import as_document, validate_settings

from .helpers import mail, scan, triggered

EXAMPLE: dict[str, Any] = {
    "dictionaries": [
        {"name": "Payment words", "type": "text", "strings": ["wire transfer"], "regexes": [r"\bIBAN\b"]},
        {"name": "Programs", "type": "file_types", "categories": ["executables", "scripts"]},
    ],
    "expressions": [
        {"name": "Payment change from outside", "match": "all", "action": "skip", "backup": True,
         "set_headers": {"X-Mailgate-Warning": "payment change"},
         "conditions": [{"attribute": "body", "operator": "dictionary", "dictionary": "Payment words"},
                        {"attribute": "sender", "operator": "wildcard", "value": "*@corp.test", "negate": True}]},
        {"name": "Programs", "action": "delete_attachment", "backup": True,
         "conditions": [{"attribute": "attachment_type", "operator": "dictionary", "dictionary": "Programs"}]},
    ],
}


def _problems(content_filter: dict[str, Any]) -> list[dict[str, str]]:
    with pytest.raises(SettingsInvalid) as invalid:
        validate_settings({"content_filter": content_filter})
    return invalid.value.problems


def test_the_shipped_defaults_are_valid_and_round_trip() -> None:
    document = as_document(GatewayConfig())
    assert [e["name"] for e in document["content_filter"]["expressions"]] == [
        "Executables and scripts", "Double extension", "Disk images", "Office macros from outside",
        "Encrypted attachments"]
    assert validate_settings(document) == GatewayConfig()


def test_an_administrator_s_expressions_and_dictionaries_validate() -> None:
    config = validate_settings({"content_filter": EXAMPLE})
    assert [e.name for e in config.content_filter.expressions] == ["Payment change from outside", "Programs"]


def test_every_problem_is_reported_with_its_path() -> None:
    broken = {
        "dictionaries": [
            {"name": "Words", "type": "text", "regexes": ["(unclosed"]},
            {"name": "words", "type": "text", "strings": ["x"]},
            {"name": "Types", "type": "file_types", "categories": ["executables"], "strings": ["x"]},
            {"name": "Empty", "type": "text"},
        ],
        "expressions": [
            {"name": "A", "conditions": [
                {"attribute": "subject", "operator": "dictionary", "dictionary": "Missing"},
                {"attribute": "subject", "operator": "regex", "value": "[z-a]"},
                {"attribute": "sender", "operator": "dictionary", "dictionary": "Types"},
                {"attribute": "message_size", "operator": "contains", "value": "big"},
                {"attribute": "subject", "operator": "greater_than", "value": 5},
                {"attribute": "header", "operator": "contains", "value": "x"},
                {"attribute": "subject", "operator": "contains", "value": ""},
            ]},
            {"name": "a", "conditions": [], "set_headers": {"Bad Name": "x"}},
        ],
    }
    problems = {p["path"]: p["message"] for p in _problems(broken)}
    base = "$.content_filter"
    assert problems[f"{base}.dictionaries[0].regexes[0]"].startswith("not a valid regular expression")
    assert problems[f"{base}.dictionaries[1].name"] == "another dictionary is already named 'words'"
    assert problems[f"{base}.dictionaries[2].strings"] == "not used by a file_types dictionary"
    assert problems[f"{base}.dictionaries[3]"] == "the text dictionary 'Empty' has no entries"
    conditions = f"{base}.expressions[0].conditions"
    assert problems[f"{conditions}[0].dictionary"] == "unknown dictionary 'Missing'"
    assert problems[f"{conditions}[1].value"].startswith("not a valid regular expression")
    assert "only applies to attachment_type" in problems[f"{conditions}[2].dictionary"]
    assert problems[f"{conditions}[3].operator"] == "message_size is compared with greater_than or less_than"
    assert problems[f"{conditions}[4].operator"].startswith("greater_than only compares message_size")
    assert problems[f"{conditions}[5].header"] == "attribute header needs the header field's name"
    assert problems[f"{conditions}[6].value"] == "operator contains needs a non-empty string"
    assert problems[f"{base}.expressions[1].name"] == "another expression is already named 'a'"
    assert problems[f"{base}.expressions[1].conditions"] == "an expression needs at least one condition"
    assert problems[f'{base}.expressions[1].set_headers["Bad Name"]'] == "'Bad Name' is not a header field name"


def test_type_errors_name_the_field() -> None:
    [problem] = _problems({"expressions": [{"name": "x", "action": "quarantine",
                                            "conditions": [{"attribute": "subject", "operator": "contains",
                                                            "value": "x"}]}]})
    assert problem["path"] == "$.content_filter.expressions[0].action"


def test_settings_export_and_import_carry_the_content_filter() -> None:
    config = validate_settings({"content_filter": EXAMPLE})
    assert parse_document(export_document(config, 3)) == config


def test_expressions_stored_in_dynamodb_drive_the_scanner(aws) -> None:
    resources.create_settings_table("settings")
    service = SettingsService(DynamoSettingsStore("settings"), GatewayConfig)
    service.change(0, lambda c: validate_settings({**as_document(c), "content_filter": EXAMPLE}),
                   Actor("admin", "sub", "PUT /settings/import"))

    stored = DynamoSettingsStore("settings").load()
    assert stored is not None
    filter_ = ContentFilterScanner(stored.config.content_filter)
    result = scan(mail(text="Please send the wire transfer to our new IBAN"), filter_,
                  mail_from="ceo@partner.test")
    assert triggered(result) == ["Payment change from outside"]
    assert result.details["header_changes"]["set"] == {"X-Mailgate-Warning": "payment change"}
    assert result.details["backup"] is True
