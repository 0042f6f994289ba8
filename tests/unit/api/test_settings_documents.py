"""Settings documents: every problem at once with its JSON path, export/import round trip, diffs."""

import pytest

from mailgate.config import GatewayConfig, parse_config
from mailgate.settings.audit import diff
from mailgate.settings.document import export_document, parse_document
from mailgate.settings.errors import SettingsInvalid
from mailgate.settings.service import merge_general, replace_domains
from mailgate.settings.validation import as_document

CONFIG = parse_config(b"""{"authserv_id": "mx.example.org", "bounce_from": "mailer-daemon@example.org",
  "domains": {"example.org": {"hosts": [{"host": "mail.example.org", "port": 25}],
                              "username_secret": "mailgate/smtp/relay"}},
  "dkim_signing": [{"domain": "example.org", "selector": "s1", "secret_name": "mailgate/dkim/example.org"}]}""")


def test_export_then_import_gives_the_same_settings_and_only_secret_names():
    document = export_document(CONFIG, 7)
    assert document["format"] == "mailgate-settings" and document["format_version"] == 1
    assert document["settings_version"] == 7
    assert document["settings"]["dkim_signing"][0]["secret_name"] == "mailgate/dkim/example.org"
    assert "-----BEGIN" not in str(document)  # no PEM key (templates may say %DATA_BEGIN%)
    assert parse_document(document) == CONFIG


def test_import_reports_every_problem_at_once_with_its_path():
    document = export_document(CONFIG, 1)
    document["format_version"] = 2
    document["surprise"] = True
    settings = document["settings"]
    settings["domains"]["bad domain!"] = {"hosts": [{"host": "x", "port": 70000}]}
    settings["domains"]["empty.example"] = {"kind": "smtp"}
    settings["dns"]["timeout_seconds"] = "slow"
    settings["event_retention_days"] = 0
    settings["dkim_signing"].append({"domain": "example.org"})
    with pytest.raises(SettingsInvalid) as invalid:
        parse_document(document)
    paths = {p["path"] for p in invalid.value.problems}
    assert paths == {
        "$.format_version", "$.surprise",
        '$.settings.domains["bad domain!"]', '$.settings.domains["bad domain!"].hosts[0].port',
        '$.settings.domains["empty.example"].hosts',
        "$.settings.dns.timeout_seconds", "$.settings.event_retention_days",
        "$.settings.dkim_signing[1].selector", "$.settings.dkim_signing[1].secret_name",
    }


@pytest.mark.parametrize("document", [None, [], "text", {"format": "mailgate-settings"}])
def test_documents_that_are_not_even_the_right_shape_are_invalid_not_errors(document):
    with pytest.raises(SettingsInvalid):
        parse_document(document)


def test_general_changes_merge_one_level_deep_and_are_validated():
    changed = merge_general(CONFIG, {"dns": {"timeout_seconds": 5}, "event_retention_days": 30})
    assert changed.dns.timeout_seconds == 5
    assert changed.dns.port == CONFIG.dns.port
    assert changed.event_retention_days == 30
    with pytest.raises(SettingsInvalid) as invalid:
        merge_general(CONFIG, {"delivery": {"max_attempts": 0, "nope": 1}, "bounce_from": "no-at-sign"})
    assert {p["path"] for p in invalid.value.problems} == {"$.delivery.max_attempts", "$.delivery.nope",
                                                          "$.bounce_from"}


def test_replacing_domains_keeps_everything_else():
    changed = replace_domains(CONFIG, {"new.example": {"kind": "ses"}})
    assert set(changed.domains) == {"new.example"}
    assert changed.dkim_signing == CONFIG.dkim_signing


def test_diff_names_each_changed_leaf():
    before = as_document(CONFIG)
    after = as_document(merge_general(CONFIG, {"delivery": {"max_attempts": 9}}))
    assert diff(before, after) == [{"path": "$.delivery.max_attempts", "before": 5, "after": 9}]
    assert diff(as_document(GatewayConfig()), as_document(GatewayConfig())) == []
