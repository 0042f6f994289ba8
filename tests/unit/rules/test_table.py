"""The rule table document: what validation tells an administrator, and the Default rule's place."""

from __future__ import annotations

import msgspec
import pytest

from mailgate.rules.table import DEFAULT_RULE, Rule, RuleTable, load_table, validate_table


def problems(*rules: dict) -> dict[str, str]:
    return dict(validate_table({"rules": list(rules)}))


def test_a_fresh_table_has_only_the_default_rule_and_it_is_valid():
    table = RuleTable()
    assert [r.name for r in table.rules] == [DEFAULT_RULE]
    assert validate_table(msgspec.to_builtins(table)) == []


def test_rule_names_are_unique_whatever_their_case():
    found = problems({"name": "Finance"}, {"name": "finance"}, {"name": "Default"})
    assert "already the name of rules[0]" in found["rules[1].name"]


def test_the_default_rule_must_be_last_enabled_and_unconditional():
    assert "must be the last rule" in problems({"name": "Default"}, {"name": "Sales"})["rules[0]"]
    assert "must be the last rule" in problems({"name": "Sales"})["rules"]
    assert "cannot be disabled" in problems({"name": "Default", "enabled": False})["rules[0].enabled"]
    assert "no conditions" in problems({"name": "Default", "senders": {"domains": ["x.test"]}})["rules[0]"]


def test_bad_regular_expressions_networks_domains_and_addresses_are_named_by_field():
    found = problems({"name": "Bad", "senders": {"regexes": ["ok@x", "(unclosed"], "networks": ["10.0.0.0/8",
                                                                                                 "10.1.2.300/24"],
                                                 "domains": ["exa mple.test"], "addresses": ["no-at-sign"]},
                      "recipients": {"networks": ["192.0.2.0/24"]}},
                     {"name": "Default"})
    assert "regular expression" in found["rules[0].senders.regexes[1]"]
    assert "rules[0].senders.regexes[0]" not in found
    assert "rules[0].senders.networks[1]" in found and "rules[0].senders.networks[0]" not in found
    assert "is not a domain" in found["rules[0].senders.domains[0]"]
    assert "is not an address" in found["rules[0].senders.addresses[0]"]
    assert "use them in senders" in found["rules[0].recipients.networks"]


def test_unknown_modules_verdict_classes_and_fields_are_refused_with_their_place():
    assert validate_table({"rules": [{"name": "A", "modules": {"antiworm": {}}}, {"name": "Default"}]}) == [
        ("rules[0].modules", "Object contains unknown field `antiworm`")]
    assert validate_table({"rules": [{"name": "A", "modules": {"antispam": {"ham": {}}}}, {"name": "Default"}]}) == [
        ("rules[0].modules.antispam", "Object contains unknown field `ham`")]
    [(path, message)] = validate_table({"rules": [{"name": "A", "mode": "bounce"}, {"name": "Default"}]})
    assert (path, message) == ("rules[0].mode", "Invalid enum value 'bounce'")


def test_delete_attachment_is_refused_where_the_verdict_names_no_attachment():
    found = problems({"name": "A", "modules": {"antispam": {"spam": {"action": "delete_attachment"}},
                                               "antivirus": {"infected": {"action": "delete_attachment"}}}},
                     {"name": "Default"})
    assert "no attachment" in found["rules[0].modules.antispam.spam.action"]
    assert "rules[0].modules.antivirus.infected.action" not in found


def test_notification_targets_and_header_names_are_checked():
    found = problems({"name": "A", "bcc": ["archive"],
                      "set_headers": {"Bad Name": "x"},
                      "modules": {"antivirus": {"infected": {"notify": ["administrator", "soc@example.test", "boss"],
                                                             "set_headers": {"X-Ok": "a\r\nBcc: evil@x"}}}}},
                     {"name": "Default"})
    assert "boss" in found["rules[0].modules.antivirus.infected.notify[2]"]
    assert "rules[0].modules.antivirus.infected.notify[1]" not in found
    assert "one line" in found["rules[0].modules.antivirus.infected.set_headers.X-Ok"]
    assert "not a header field name" in found["rules[0].set_headers"]
    assert "not an e-mail address" in found["rules[0].bcc[0]"]


def test_thresholds_must_be_ordered_and_positive():
    found = problems({"name": "A", "modules": {"antispam": {"probable_threshold": 7, "spam_threshold": 5},
                                               "antiphishing": {"phishing_threshold": -1}}}, {"name": "Default"})
    assert "higher than" in found["rules[0].modules.antispam.probable_threshold"]
    assert "positive" in found["rules[0].modules.antiphishing.phishing_threshold"]


def test_load_table_raises_with_every_problem_and_rules_insert_above_default_which_cannot_go():
    with pytest.raises(ValueError, match=r"rules\[0\]\.senders\.regexes\[0\]"):
        load_table({"rules": [{"name": "A", "senders": {"regexes": ["["]}}, {"name": "Default"}]})
    table = RuleTable().insert(Rule(name="Sales")).insert(Rule(name="Finance"), 0)
    assert [r.name for r in table.rules] == ["Finance", "Sales", DEFAULT_RULE]
    assert [r.name for r in table.insert(Rule(name="Late"), 99).rules][-1] == DEFAULT_RULE
    assert [r.name for r in table.remove("Sales").rules] == ["Finance", DEFAULT_RULE]
    with pytest.raises(ValueError, match="cannot be deleted"):
        table.remove(DEFAULT_RULE)


def test_defaults_are_what_an_administrator_expects():
    modules = RuleTable().rules[-1].modules
    assert (modules.antispam.spam.action, modules.antispam.spam.backup) == ("delete_message", True)
    assert modules.antispam.probable_spam.subject_tag == "[Probable spam]"
    assert modules.antispam.blacklisted.action == "reject"
    assert modules.antispam.mass_mailing.asks() is False
    assert modules.antiphishing.probable_phishing.insecure_warning
    assert modules.links.phishing_link.backup and modules.links.malicious_link.action == "delete_message"
    assert (modules.authentication.dmarc_reject.action, modules.authentication.dmarc_reject.backup) == ("reject", True)
