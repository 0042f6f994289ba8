"""One condition, compiled once from the settings and evaluated against a message's values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mailgate.config import ContentCondition, ContentDictionary
from mailgate.scanners.content_filter.files import FileView
from mailgate.scanners.content_filter.patterns import (
    Budget,
    Contains,
    Equals,
    Regex,
    RegexTimeout,
    TextCut,
    TextMatcher,
    Wildcard,
    text_dictionary,
)
from mailgate.scanners.content_filter.values import MessageValues

FILE_ATTRIBUTES = frozenset({"attachment_name", "attachment_type", "attachment_size"})
NUMBER_ATTRIBUTES = frozenset({"message_size", "attachment_size", "attachment_count"})
MAX_FILES_SHOWN = 10


@dataclass(frozen=True)
class Hit:
    """What one condition saw: the matched text, and the file when it tested attachments."""

    matched: str | None
    part_path: str | None = None
    filename: str | None = None


@dataclass(frozen=True)
class Result:
    matched: bool
    hits: Mapping[tuple[str, str] | None, Hit] = field(default_factory=dict)  # file key → hit (None: message)
    error: str | None = None  # could not be evaluated (a timed-out regex, a broken reference): undecided
    unseen: str | None = None  # text it should have examined was not seen: undecided

    @property
    def decided(self) -> bool:
        return self.error is None and self.unseen is None


@dataclass(frozen=True)
class FileTypes:
    """A `file_types` dictionary: a file matches by category or by MIME type (wildcards allowed)."""

    categories: frozenset[str]
    types: tuple[Wildcard, ...]

    def first(self, file: FileView) -> str | None:
        category = next((c for c in sorted(file.categories) if c in self.categories), None)
        if category is not None:
            return category
        return next((t for t in file.types for w in self.types if w.matches(t.lower())), None)


class CompiledCondition:
    """A condition ready to run; a setting that cannot compile (an unknown dictionary, a bad
    regular expression that validation would have refused) makes it a reported error, never a match."""

    def __init__(self, spec: ContentCondition, dictionaries: Mapping[str, ContentDictionary]) -> None:
        self.spec = spec
        self.error: str | None = None
        self.text: TextMatcher | None = None
        self.file_types: FileTypes | None = None
        try:
            self._compile(dictionaries)
        except ValueError as exc:
            self.error = str(exc)

    @property
    def tests_recipient(self) -> bool:
        return self.spec.attribute == "recipient"

    @property
    def tests_files(self) -> bool:
        return self.spec.attribute in FILE_ATTRIBUTES

    def _compile(self, dictionaries: Mapping[str, ContentDictionary]) -> None:
        spec = self.spec
        if spec.attribute in NUMBER_ATTRIBUTES:
            if not isinstance(spec.value, int) or spec.operator not in ("greater_than", "less_than"):
                raise ValueError(f"{spec.attribute} needs greater_than or less_than and a number")
            return
        if spec.operator == "dictionary":
            dictionary = dictionaries.get(spec.dictionary)
            if dictionary is None:
                raise ValueError(f"unknown dictionary {spec.dictionary!r}")
            if dictionary.type == "file_types":
                self.file_types = FileTypes(frozenset(dictionary.categories),
                                            tuple(Wildcard(t.lower()) for t in dictionary.types))
            else:
                self.text = text_dictionary(dictionary.strings, dictionary.wildcards, dictionary.regexes)
            return
        value = str(spec.value)
        if spec.operator == "contains":
            self.text = Contains(value)
        elif spec.operator == "equals":
            self.text = Equals(value)
        elif spec.operator == "wildcard":
            self.text = Wildcard(value)
        elif spec.operator == "regex":
            self.text = Regex(value)
        else:
            raise ValueError(f"operator {spec.operator!r} does not apply to {spec.attribute}")

    def evaluate(self, values: MessageValues, recipient: str | None, budget: Budget) -> Result:
        if self.error is not None:
            return Result(False, error=self.error)
        try:
            positive = self._positive(values, recipient, budget)
        except RegexTimeout as exc:  # negated or not: undecided, never "no match"
            return Result(False, error=f"regular expression {self.spec.value!r}: {exc}")
        except TextCut as exc:
            return Result(False, unseen=str(exc))
        if self.spec.negate:
            return Result(not positive)
        return Result(bool(positive), positive)

    def _positive(self, values: MessageValues, recipient: str | None, budget: Budget) -> dict[Any, Hit]:
        spec = self.spec
        if spec.attribute == "message_size":
            size = values.message.size
            return {None: Hit(f"{size} bytes")} if self._compare(size) else {}
        if spec.attribute == "attachment_count":
            count = len(values.attachment_parts)
            return {None: Hit(f"{count} attachments")} if self._compare(count) else {}
        if self.tests_files:
            return self._files(values.files, budget)
        assert self.text is not None
        matched = self.text.first(self._values(values, recipient), budget)
        return {None: Hit(matched)} if matched is not None else {}

    def _compare(self, number: int) -> bool:
        limit = int(self.spec.value)
        return number > limit if self.spec.operator == "greater_than" else number < limit

    def _files(self, files: Iterable[FileView], budget: Budget) -> dict[Any, Hit]:
        hits: dict[Any, Hit] = {}
        for file in files:
            if self.spec.attribute == "attachment_size":
                matched = f"{file.size} bytes" if file.size is not None and self._compare(file.size) else None
            elif self.file_types is not None:
                matched = self.file_types.first(file)
            else:
                assert self.text is not None
                tested = file.names if self.spec.attribute == "attachment_name" else file.types
                matched = self.text.first(tested, budget) if tested else None
            if matched is not None:
                hits[file.key] = Hit(matched, file.part_path, file.filename)
        return hits

    def _values(self, values: MessageValues, recipient: str | None) -> tuple[str, ...]:
        attribute = self.spec.attribute
        if attribute == "recipient":
            return (recipient,) if recipient is not None else values.recipients
        if attribute == "header":
            return values.header(self.spec.header)
        found: tuple[str, ...] = getattr(values, attribute)
        return found

    def describe(self) -> dict[str, Any]:
        spec = self.spec
        described: dict[str, Any] = {"attribute": spec.attribute, "operator": spec.operator}
        if spec.attribute == "header":
            described["header"] = spec.header
        if spec.operator == "dictionary":
            described["dictionary"] = spec.dictionary
        else:
            described["value"] = spec.value
        if spec.negate:
            described["negate"] = True
        return described

    def summary(self) -> str:
        spec = self.spec
        what = spec.attribute + (f" {spec.header}" if spec.attribute == "header" else "")
        verb = f"not {spec.operator}" if spec.negate else spec.operator
        target = f"dictionary {spec.dictionary!r}" if spec.operator == "dictionary" else repr(spec.value)
        return f"{what} {verb} {target}"
