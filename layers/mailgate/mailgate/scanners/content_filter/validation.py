"""What msgspec's types cannot say about Content Filtering settings: references, regular
expressions, operators that fit the attribute, duplicate names. Each problem names its field."""

from __future__ import annotations

import re

from mailgate.config import ContentCondition, ContentDictionary, ContentExpression, ContentFilterSettings

_SIZE_OPERATORS = frozenset({"greater_than", "less_than"})
_NUMBER_ATTRIBUTES = frozenset({"message_size", "attachment_size", "attachment_count"})
_FIELD_NAME = re.compile(r"^[\x21-\x39\x3b-\x7e]{1,76}$")

Problem = tuple[str, str]  # (path below the settings object, message)


def content_filter_problems(settings: ContentFilterSettings) -> list[Problem]:
    dictionaries = {d.name: d for d in settings.dictionaries}
    problems = _duplicates([d.name for d in settings.dictionaries], ".dictionaries", "dictionary")
    problems += _duplicates([e.name for e in settings.expressions], ".expressions", "expression")
    for index, dictionary in enumerate(settings.dictionaries):
        problems += _dictionary(dictionary, f".dictionaries[{index}]")
    for index, expression in enumerate(settings.expressions):
        problems += _expression(expression, dictionaries, f".expressions[{index}]")
    return problems


def _duplicates(names: list[str], path: str, what: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, name in enumerate(names):
        if not name.strip():
            problems.append((f"{path}[{index}].name", f"a {what} needs a name"))
        elif name.lower() in seen:
            problems.append((f"{path}[{index}].name", f"another {what} is already named {name!r}"))
        seen.add(name.lower())
    return problems


def _dictionary(dictionary: ContentDictionary, path: str) -> list[Problem]:
    problems: list[Problem] = []
    text = ("strings", "wildcards", "regexes")
    kinds = ("categories", "types")
    wrong = kinds if dictionary.type == "text" else text
    problems += [(f"{path}.{name}", f"not used by a {dictionary.type} dictionary")
                 for name in wrong if getattr(dictionary, name)]
    if not any(getattr(dictionary, name) for name in (text if dictionary.type == "text" else kinds)):
        problems.append((path, f"the {dictionary.type} dictionary {dictionary.name!r} has no entries"))
    for index, pattern in enumerate(dictionary.regexes):
        problems += _regex(pattern, f"{path}.regexes[{index}]")
    return problems


def _expression(expression: ContentExpression, dictionaries: dict[str, ContentDictionary],
                path: str) -> list[Problem]:
    problems: list[Problem] = []
    if not expression.conditions:
        problems.append((f"{path}.conditions", "an expression needs at least one condition"))
    for index, condition in enumerate(expression.conditions):
        problems += _condition(condition, dictionaries, f"{path}.conditions[{index}]")
    for index, name in enumerate(expression.remove_headers):
        if not _FIELD_NAME.match(name):
            problems.append((f"{path}.remove_headers[{index}]", f"{name!r} is not a header field name"))
    for name, value in expression.set_headers.items():
        if not _FIELD_NAME.match(name):
            problems.append((f'{path}.set_headers["{name}"]', f"{name!r} is not a header field name"))
        elif "\r" in value or "\n" in value:
            problems.append((f'{path}.set_headers["{name}"]', "a header value must be one line"))
    return problems


def _condition(condition: ContentCondition, dictionaries: dict[str, ContentDictionary], path: str) -> list[Problem]:
    attribute, operator = condition.attribute, condition.operator
    if attribute in _NUMBER_ATTRIBUTES:
        if operator not in _SIZE_OPERATORS:
            return [(f"{path}.operator", f"{attribute} is compared with greater_than or less_than")]
        if not isinstance(condition.value, int) or condition.value < 0:
            return [(f"{path}.value", f"{attribute} needs a number")]
        return []
    if operator in _SIZE_OPERATORS:
        return [(f"{path}.operator", f"{operator} only compares message_size, attachment_size, attachment_count")]
    problems: list[Problem] = []
    if attribute == "header" and not _FIELD_NAME.match(condition.header):
        problems.append((f"{path}.header", "attribute header needs the header field's name"))
    elif attribute != "header" and condition.header:
        problems.append((f"{path}.header", "only for attribute header"))
    if operator == "dictionary":
        dictionary = dictionaries.get(condition.dictionary)
        if dictionary is None:
            problems.append((f"{path}.dictionary", f"unknown dictionary {condition.dictionary!r}"))
        elif dictionary.type == "file_types" and attribute != "attachment_type":
            problems.append((f"{path}.dictionary", f"{condition.dictionary!r} is a file_types dictionary: "
                                                   "it only applies to attachment_type"))
        return problems
    if condition.dictionary:
        problems.append((f"{path}.dictionary", "only for operator dictionary"))
    if not isinstance(condition.value, str) or not condition.value:
        problems.append((f"{path}.value", f"operator {operator} needs a non-empty string"))
    elif operator == "regex":
        problems += _regex(condition.value, f"{path}.value")
    return problems


def _regex(pattern: str, path: str) -> list[Problem]:
    # Imported here: the `regex` engine costs the admin API's cold start ~20 ms otherwise.
    from mailgate.scanners.content_filter.patterns import compile_regex  # noqa: PLC0415

    try:
        compile_regex(pattern)
    except ValueError as exc:
        return [(path, f"not a valid regular expression: {exc}")]
    return []
