"""Content Filtering's text dictionaries in rule conditions: a rule names a dictionary, and its
entries become the condition's own masks and regular expressions before the table is compiled, so a
dictionary edited through the API changes the next decision without touching the rules."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import regex

from mailgate.config import ContentDictionary
from mailgate.rules.table import Conditions, Rule, RuleTable


def dictionary_problems(table: RuleTable, dictionaries: Sequence[ContentDictionary]) -> list[tuple[str, str]]:
    """(path, message) for each dictionary a rule names that is missing or not a text dictionary."""
    kinds = {d.name: d.type for d in dictionaries}
    problems = []
    for position, rule in enumerate(table.rules):
        for side in ("senders", "recipients"):
            for index, name in enumerate(getattr(rule, side).dictionaries):
                path = f"rules[{position}].{side}.dictionaries[{index}]"
                if name not in kinds:
                    problems.append((path, f"no Content Filtering dictionary named {name!r}"))
                elif kinds[name] != "text":
                    problems.append((path, f"{name!r} lists file types, not addresses: use a text dictionary"))
    return problems


def expand_dictionaries(table: RuleTable, dictionaries: Sequence[ContentDictionary]) -> RuleTable:
    """The table with every named dictionary's entries in place: strings match when the address contains
    them, wildcards over the whole address, regular expressions searched. Unknown names match nothing."""
    if not any(r.senders.dictionaries or r.recipients.dictionaries for r in table.rules):
        return table
    by_name = {d.name: d for d in dictionaries if d.type == "text"}
    return msgspec.structs.replace(table, rules=tuple(_expanded(rule, by_name) for rule in table.rules))


def _expanded(rule: Rule, by_name: dict[str, ContentDictionary]) -> Rule:
    return msgspec.structs.replace(rule, senders=_side(rule.senders, by_name),
                                   recipients=_side(rule.recipients, by_name))


def _side(conditions: Conditions, by_name: dict[str, ContentDictionary]) -> Conditions:
    if not conditions.dictionaries:
        return conditions
    named = [by_name[name] for name in conditions.dictionaries if name in by_name]
    masks = tuple(w for d in named for w in d.wildcards)
    regexes = tuple(regex.escape(s) for d in named for s in d.strings) + tuple(r for d in named for r in d.regexes)
    if not masks and not regexes:  # a dictionary that is empty (or gone) must not turn into "anyone"
        regexes = (r"(?!)",)
    return msgspec.structs.replace(conditions, dictionaries=(), masks=(*conditions.masks, *masks),
                                   regexes=(*conditions.regexes, *regexes))
