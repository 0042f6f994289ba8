"""Content Filtering's text dictionaries used in rule conditions."""

from __future__ import annotations

import msgspec
import pytest

from mailgate.config import GatewayConfig, parse_config
from mailgate.rules.current import compiled
from mailgate.rules.dictionaries import dictionary_problems, expand_dictionaries
from mailgate.rules.matching import compile_table
from mailgate.settings.errors import SettingsInvalid
from mailgate.settings.validation import as_document, validate_settings


def config(dictionary: dict, senders: dict) -> GatewayConfig:
    document = as_document(GatewayConfig())
    document["content_filter"]["dictionaries"].append(dictionary)
    document["rules"]["rules"].insert(0, {"name": "Board", "mode": "skip", "senders": senders})
    return validate_settings(document)


BOARD = {"name": "Board members", "type": "text", "strings": ["chair@"], "wildcards": ["*@board.example"],
         "regexes": [r"^treasurer\.\w+@"]}


@pytest.mark.parametrize(("sender", "rule"), [
    ("anna@board.example", "Board"),            # wildcard
    ("chair@any.example", "Board"),             # string contained
    ("treasurer.ng@club.example", "Board"),     # regular expression
    ("anna@boardroom.example", "Default"),
    ("chairman@club.example", "Default"),        # "chair@" is not contained in "chairman@"
])
def test_a_rule_matches_senders_through_a_dictionary(sender, rule):
    table = compiled(config(BOARD, {"dictionaries": ["Board members"]}))
    assert table.matches(sender, "bob@example.test", None) == rule


def test_an_edited_dictionary_changes_the_next_decision_without_touching_the_rules():
    before = config(BOARD, {"dictionaries": ["Board members"]})
    assert compiled(before).matches("new@elsewhere.example", "bob@example.test", None) == "Default"
    edited = {**BOARD, "strings": [*BOARD["strings"], "new@elsewhere.example"]}
    after = config(edited, {"dictionaries": ["Board members"]})
    assert after.rules == before.rules
    assert compiled(after).matches("new@elsewhere.example", "bob@example.test", None) == "Board"


def test_a_dictionary_that_is_gone_matches_nobody_rather_than_everybody():
    table = config(BOARD, {"dictionaries": ["Board members"]}).rules
    without = compile_table(expand_dictionaries(table, ()))  # validation refuses this; decisions stay safe
    assert without.matches("anna@board.example", "bob@example.test", None) == "Default"


def test_a_missing_or_file_type_dictionary_is_refused_naming_the_field():
    with pytest.raises(SettingsInvalid) as refused:
        config(BOARD, {"dictionaries": ["No such list"]})
    [problem] = refused.value.problems
    assert problem["path"] == "$.rules.rules[0].senders.dictionaries[0]"
    assert "no Content Filtering dictionary named 'No such list'" in problem["message"]
    document = as_document(GatewayConfig())
    table = msgspec.convert({"rules": [{"name": "X", "senders": {"dictionaries": ["Archives"]}},
                                       {"name": "Default"}]}, type(GatewayConfig().rules))
    problems = dictionary_problems(table, parse_config(msgspec.json.encode(document)).content_filter.dictionaries)
    assert problems == [("rules[0].senders.dictionaries[0]",
                         "'Archives' lists file types, not addresses: use a text dictionary")]
