"""Matching text: strings, wildcards, regular expressions, text dictionaries, under bounds.

Every comparison is case-insensitive. A *string* matches a value that contains it; `equals` the
whole value. A *wildcard* is the whole value with `*` (any run of characters) and `?` (one
character). A *regular expression* is searched (not anchored; `(?-i)` turns case back on) with the
`regex` module's timeout, and within a per-message time budget: a hostile pattern or input ends as a
reported timeout, never a hang. Every matcher examines at most MAX_VALUE_CHARS characters of a value;
when nothing matched there and a value was longer, the condition is undecided (`TextCut`), never "no
match": the message is `unscannable` for Content Filtering, as oversized content is in mature filters.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import regex

MAX_VALUE_CHARS = 1_000_000  # characters of one value examined; a longer value unmatched is undecided
MAX_PATTERN_CHARS = 4096
REGEX_TIMEOUT_SECONDS = 0.05  # one search
REGEX_BUDGET_SECONDS = 0.25  # every regular expression of one message together
EVIDENCE_CHARS = 200


class Undecided(Exception):
    """A condition that could not be decided: neither a match nor a non-match, negated or not."""


class RegexTimeout(Undecided):
    """A regular expression ran out of time (its own or the message's budget)."""


class TextCut(Undecided):
    """Nothing matched in the first MAX_VALUE_CHARS characters and a value goes on: the rest was not seen."""


def _cut(values: Iterable[str], first: str | None) -> str | None:
    """`first` when a match was found; else raises TextCut when a value was longer than what was examined."""
    if first is None and any(len(value) > MAX_VALUE_CHARS for value in values):
        raise TextCut(f"text beyond {MAX_VALUE_CHARS} characters not examined")
    return first


@dataclass
class Budget:
    """The regular-expression time left for one message."""

    seconds: float = REGEX_BUDGET_SECONDS
    timeouts: list[str] = field(default_factory=list)

    def search(self, pattern: regex.Pattern[str], text: str) -> regex.Match[str] | None:
        if self.seconds <= 0:
            raise RegexTimeout("the message's regular-expression time budget is spent")
        started = time.perf_counter()
        try:
            return pattern.search(text[:MAX_VALUE_CHARS], timeout=min(REGEX_TIMEOUT_SECONDS, self.seconds))
        except TimeoutError as exc:
            raise RegexTimeout(f"timed out after {REGEX_TIMEOUT_SECONDS * 1000:.0f} ms") from exc
        finally:
            self.seconds -= time.perf_counter() - started


class TextMatcher(Protocol):
    def first(self, values: Iterable[str], budget: Budget) -> str | None:
        """The evidence of the first value that matches (what matched), or None."""


def compile_regex(pattern: str) -> regex.Pattern[str]:
    """Raises ValueError with the engine's message for a bad or oversized pattern."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(f"longer than {MAX_PATTERN_CHARS} characters")
    try:
        return regex.compile(pattern, regex.IGNORECASE | regex.VERSION0)
    except (regex.error, OverflowError, RecursionError) as exc:
        raise ValueError(str(exc)) from exc


def _lower(value: str) -> str:
    return value[:MAX_VALUE_CHARS].lower()


def _clip(text: str) -> str:
    return text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS] + "…"


@dataclass(frozen=True)
class Contains:
    needle: str

    def first(self, values: Iterable[str], budget: Budget) -> str | None:
        needle = self.needle.lower()
        values = tuple(values)
        return _cut(values, next((_clip(self.needle) for value in values if needle in _lower(value)), None))


@dataclass(frozen=True)
class Equals:
    expected: str

    def first(self, values: Iterable[str], budget: Budget) -> str | None:
        expected = self.expected.lower()  # a value longer than MAX_VALUE_CHARS is decided: it is not equal
        return next((_clip(value) for value in values
                     if len(value) <= MAX_VALUE_CHARS and value.lower() == expected), None)


class Wildcard:
    """`*` and `?` over the whole value, matched segment by segment from the left: linear in the
    value's length, so no pattern can backtrack (a regex translation of "*a*a*a*b" could)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        pieces = pattern.lower().split("*")
        self.anchored_end = len(pieces) > 1
        self.segments = [_segment(piece) for piece in pieces]

    def first(self, values: Iterable[str], budget: Budget) -> str | None:
        values = tuple(values)
        return _cut(values, next((_clip(value) for value in values if self.matches(_lower(value))), None))

    def matches(self, text: str) -> bool:
        first, *middle_and_last = self.segments
        if not self.anchored_end:
            return len(text) == first.size and first.at(text, 0)
        *middle, last = middle_and_last
        if not first.at(text, 0):
            return False
        position = first.size
        for segment in middle:
            found = segment.find(text, position, len(text) - last.size)
            if found < 0:
                return False
            position = found + segment.size
        end = len(text) - last.size
        return end >= position and last.at(text, end)


@dataclass(frozen=True)
class _Segment:
    """A piece of a wildcard between stars: fixed length, `?` for any one character."""

    literal: str
    pattern: re.Pattern[str] | None  # set when the piece has a `?`

    @property
    def size(self) -> int:
        return len(self.literal)

    def at(self, text: str, position: int) -> bool:
        if self.pattern is None:
            return text.startswith(self.literal, position)
        return self.pattern.match(text, position) is not None

    def find(self, text: str, start: int, limit: int) -> int:
        """The first position at or after `start` where the piece lies wholly before `limit`."""
        if self.pattern is None:
            return text.find(self.literal, start, limit)
        found = self.pattern.search(text, start, limit)
        return found.start() if found else -1


def _segment(piece: str) -> _Segment:
    if "?" not in piece:
        return _Segment(piece, None)
    return _Segment(piece, re.compile("".join("." if char == "?" else re.escape(char) for char in piece), re.DOTALL))


class Regex:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.compiled = compile_regex(pattern)

    def first(self, values: Iterable[str], budget: Budget) -> str | None:
        values = tuple(values)
        for value in values:
            found = budget.search(self.compiled, value)
            if found is not None:
                return _clip(found.group(0) or value)
        return _cut(values, None)


@dataclass(frozen=True)
class AnyOf:
    """A text dictionary: the first of its entries that matches."""

    entries: tuple[TextMatcher, ...]

    def first(self, values: Iterable[str], budget: Budget) -> str | None:
        materialised = list(values)
        undecided: Undecided | None = None
        for entry in self.entries:
            try:
                found = entry.first(materialised, budget)
            except Undecided as exc:  # a later entry may still match, which decides
                undecided = undecided or exc
                continue
            if found is not None:
                return found
        if undecided is not None:
            raise undecided
        return None


def text_dictionary(strings: Iterable[str], wildcards: Iterable[str], regexes: Iterable[str]) -> AnyOf:
    entries: list[TextMatcher] = [Contains(s) for s in strings if s]
    entries += [Wildcard(w) for w in wildcards if w]
    entries += [Regex(r) for r in regexes if r]
    return AnyOf(tuple(entries))
