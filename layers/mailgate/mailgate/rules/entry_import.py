"""Importing lists of senders or recipients from text (one entry per line, or a one-column CSV), as
administrators export them from other gateways: into a rule's conditions or into an allow/deny list.

Blank lines, `#` comments, a byte order mark, CRLF and surrounding quotes are tolerated. A line is an
address, a `*`/`?` mask, a domain (`example.com` or `@example.com`), an IP network, a regular expression
written `/.../`, a directory user (`user:alice@example.com`) or group (`group:Sales`). Every bad line is
reported with its number; nothing is imported while any line is bad.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from mailgate.rules.sender_lists import classify

MAX_LINES = 50_000
FIELDS = {"address": "addresses", "mask": "masks", "domain": "domains", "network": "networks",
          "regex": "regexes", "user": "users", "group": "groups"}


@dataclass
class Imported:
    entries: dict[str, list[str]] = field(default_factory=dict)  # condition field → values, in file order
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line number, what is wrong)

    @property
    def count(self) -> int:
        return sum(len(values) for values in self.entries.values())


def _lines(text: str) -> Iterable[tuple[int, str]]:
    for number, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), 1):
        value = row[0].strip() if row else ""
        if value and not value.startswith("#"):
            yield number, value


def parse_entries(text: str, kinds: Iterable[str] = tuple(FIELDS)) -> Imported:
    """The entries of `text` by condition field; `kinds` limits what is accepted (lists take no regexes)."""
    allowed = set(kinds)
    found = Imported()
    seen: set[tuple[str, str]] = set()  # a list of 10,000 lines is deduplicated in linear time
    for number, value in _lines(text):
        if number > MAX_LINES:
            found.problems.append((number, f"more than {MAX_LINES} lines: split the file"))
            break
        kind, entry = _classify(value)
        if kind is None:
            found.problems.append((number, entry))
        elif kind not in allowed:
            found.problems.append((number, f"{value!r} is a {kind}, which is not accepted here"))
        elif (kind, entry) not in seen:
            seen.add((kind, entry))
            found.entries.setdefault(FIELDS[kind], []).append(entry)
    return found


def _classify(value: str) -> tuple[str | None, str]:
    """(kind, entry) or (None, what is wrong): the checks PUT /settings/rules makes, here with a line number."""
    if len(value) > 1024:
        return None, "an entry is longer than 1024 characters"
    lowered = value.lower()
    if lowered.startswith("group:"):
        name = value[len("group:"):].strip()
        return ("group", name) if name else (None, f"{value!r} names no group")
    if lowered.startswith("user:"):
        name = value[len("user:"):].strip()
        return ("user", name) if "@" in name else (None, f"{value!r}: a directory user is named by an e-mail address")
    if len(value) >= 2 and value.startswith("/") and value.endswith("/"):
        return _regex(value[1:-1])
    return _plain(value)


def _plain(value: str) -> tuple[str | None, str]:
    """An address, mask, domain or network, classified as the allow/deny lists classify them."""
    try:
        kind, entry = classify(value, networks=True)  # a network where none is accepted: "not accepted here"
    except ValueError as exc:
        return None, str(exc)
    if kind == "mask" and not entry.strip("*"):
        return None, f"{value!r} matches everyone: a list of everyone is no condition"
    return kind, entry


def _regex(pattern: str) -> tuple[str | None, str]:
    from mailgate.rules.table import compile_address_regex  # noqa: PLC0415 - the regex engine loads when used

    if not pattern:
        return None, "an empty regular expression matches every address"
    try:
        compile_address_regex(pattern)
    except ValueError as exc:
        return None, f"/{pattern}/ is not a usable regular expression: {exc}"
    return "regex", pattern
