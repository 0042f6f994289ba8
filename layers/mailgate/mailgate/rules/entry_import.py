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
    for number, value in _lines(text):
        if number > MAX_LINES:
            found.problems.append((number, f"more than {MAX_LINES} lines: split the file"))
            break
        kind, entry = _classify(value, "network" in allowed)
        if kind is None:
            found.problems.append((number, entry))
        elif kind not in allowed:
            found.problems.append((number, f"{value!r} is a {kind}, which is not accepted here"))
        else:
            values = found.entries.setdefault(FIELDS[kind], [])
            if entry not in values:
                values.append(entry)
    return found


def _classify(value: str, networks: bool) -> tuple[str | None, str]:
    if len(value) > 1024:
        return None, "an entry is longer than 1024 characters"
    lowered = value.lower()
    for prefix in ("user:", "group:"):
        if lowered.startswith(prefix):
            name = value[len(prefix):].strip()
            return (prefix[:-1], name) if name else (None, f"{value!r} names no {prefix[:-1]}")
    if len(value) >= 2 and value.startswith("/") and value.endswith("/"):
        return "regex", value[1:-1]
    try:
        return classify(value, networks)
    except ValueError as exc:
        return None, str(exc)
