"""An expression: its enabled conditions joined by "all" or "any", evaluated once, or once per
envelope recipient when a condition tests the recipient (scanning is recipient-independent, so the
match says which recipients it applies to: None means all of them).

In an "all" expression the positive attachment conditions must hold for the same file: "name is
*.pdf" and "type is executable" catch one lying file, not a real PDF beside a real program.

A condition that could not be decided (a timed-out regular expression, text not seen) is unknown, not
false: "all" with an unknown and no false condition, or "any" with an unknown and no true one, leaves
the expression undecided, which the scanner reports as its own verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mailgate.config import ContentDictionary, ContentExpression
from mailgate.scanners.content_filter.conditions import MAX_FILES_SHOWN, CompiledCondition, Hit, Result
from mailgate.scanners.content_filter.patterns import Budget
from mailgate.scanners.content_filter.values import MessageValues


@dataclass(frozen=True)
class ExpressionMatch:
    expression: ContentExpression
    conditions: tuple[dict[str, Any], ...]  # each matching condition with what it matched
    parts: tuple[str, ...]  # attachments to remove (delete_attachment only)
    recipients: tuple[str, ...] | None  # None: every recipient

    def to_dict(self) -> dict[str, Any]:
        expression = self.expression
        return {
            "expression": expression.name,
            "action": expression.action,
            "backup": expression.backup,
            "conditions": list(self.conditions),
            "parts": list(self.parts),
            "recipients": list(self.recipients) if self.recipients is not None else None,
            "header_changes": {"remove": list(expression.remove_headers), "set": dict(expression.set_headers)},
        }


@dataclass(frozen=True)
class Undecided:
    """An expression whose outcome is unknown: `reason` "error" (a condition could not be evaluated) or
    "unseen" (content it tests was not seen); `recipients` as in ExpressionMatch."""

    expression: ContentExpression
    reason: str
    detail: str
    recipients: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"expression": self.expression.name, "reason": self.reason, "detail": self.detail,
                "recipients": list(self.recipients) if self.recipients is not None else None}


class CompiledExpression:
    def __init__(self, spec: ContentExpression, dictionaries: Mapping[str, ContentDictionary]) -> None:
        self.spec = spec
        self.conditions = tuple(CompiledCondition(c, dictionaries) for c in spec.conditions if c.enabled)
        self.per_recipient = any(c.tests_recipient for c in self.conditions)
        self.tests_files = any(c.tests_files for c in self.conditions)

    @property
    def attributes(self) -> frozenset[str]:
        return frozenset(c.spec.attribute for c in self.conditions)

    def evaluate(self, values: MessageValues, budget: Budget, errors: list[dict[str, str]],
                 undecided: list[Undecided] | None = None) -> ExpressionMatch | None:
        """The match, or None; an expression whose outcome is unknown is added to `undecided`."""
        if not self.spec.enabled or not self.conditions:
            return None
        unknown = undecided if undecided is not None else []
        shared: dict[int, Result] = {}  # conditions that do not test the recipient run once

        def run(recipient: str | None) -> dict[int, Result]:
            results: dict[int, Result] = {}
            for index, condition in enumerate(self.conditions):
                if condition.tests_recipient:
                    results[index] = condition.evaluate(values, recipient, budget)
                else:
                    results[index] = shared.get(index) or shared.setdefault(
                        index, condition.evaluate(values, None, budget))
                if self.spec.match == "all" and results[index].decided and not results[index].matched:
                    break  # "all" has failed: later conditions (a costly regex) need not run
            self._record_errors(results, errors)
            return results

        if not self.per_recipient:
            results = run(None)
            if (why := self._unknown(results)) is not None:
                unknown.append(Undecided(self.spec, *why))
                return None
            return self._combine(results, values)
        first: ExpressionMatch | None = None
        matched: list[str] = []
        parts: dict[str, None] = {}
        unknown_for: list[str] = []
        reason: tuple[str, str] | None = None
        for recipient in values.recipients:
            results = run(recipient)
            if (why := self._unknown(results)) is not None:
                unknown_for.append(recipient)
                reason = reason or why
                continue
            found = self._combine(results, values)
            if found is not None:
                matched.append(recipient)
                parts.update(dict.fromkeys(found.parts))
                first = first or found
        if reason is not None:
            unknown.append(Undecided(self.spec, *reason, tuple(unknown_for)))
        if first is None:
            return None
        return ExpressionMatch(self.spec, first.conditions, tuple(parts), tuple(matched))

    def _unknown(self, results: Mapping[int, Result]) -> tuple[str, str] | None:
        """(reason, detail) when the decided conditions leave the expression's outcome open, else None."""
        open_ = [(index, r) for index, r in sorted(results.items()) if not r.decided]
        if not open_:
            return None
        decided = [r for r in results.values() if r.decided]
        if self.spec.match == "all" and any(not r.matched for r in decided):
            return None  # a false condition decides "all"
        if self.spec.match != "all" and any(r.matched for r in decided):
            return None  # a true condition decides "any"
        index, result = next(((i, r) for i, r in open_ if r.error is not None), open_[0])
        reason = "error" if result.error is not None else "unseen"
        return reason, f"{self.conditions[index].summary()}: {result.error or result.unseen}"

    def _combine(self, results: Mapping[int, Result], values: MessageValues) -> ExpressionMatch | None:
        ordered = [(self.conditions[index], results[index]) for index in sorted(results)]
        if self.spec.match == "all":
            if not all(result.matched for _, result in ordered):
                return None
            files = _same_files(ordered)
            if files is not None and not files:
                return None
            shown = [(c, _only(r, files)) for c, r in ordered]
        else:
            shown = [(c, r) for c, r in ordered if r.matched]
            if not shown:
                return None
        parts = tuple(dict.fromkeys(hit.part_path for condition, result in shown if condition.tests_files
                                    and not condition.spec.negate for hit in result.hits.values() if hit.part_path))
        if self.spec.action == "delete_attachment" and not parts:
            parts = values.attachment_parts  # nothing file-specific matched: every attachment goes
        details = tuple(detail for condition, result in shown for detail in _details(condition, result))
        return ExpressionMatch(self.spec, details, parts if self.spec.action == "delete_attachment" else (), None)

    def _record_errors(self, results: Mapping[int, Result], errors: list[dict[str, str]]) -> None:
        for index, result in results.items():
            if result.error is not None:
                entry = {"expression": self.spec.name, "condition": self.conditions[index].summary(),
                         "error": result.error}
                if entry not in errors:
                    errors.append(entry)


def _same_files(ordered: list[tuple[CompiledCondition, Result]]) -> set[tuple[str, str]] | None:
    """The files every positive attachment condition matched; None when fewer than two such conditions."""
    sets = [{key for key in result.hits if key is not None} for condition, result in ordered
            if condition.tests_files and not condition.spec.negate]
    if len(sets) < 2:
        return None
    return set.intersection(*sets)


def _only(result: Result, files: set[tuple[str, str]] | None) -> Result:
    if files is None:
        return result
    return Result(result.matched, {key: hit for key, hit in result.hits.items() if key is None or key in files})


def _details(condition: CompiledCondition, result: Result) -> list[dict[str, Any]]:
    described = condition.describe()
    hits: list[Hit] = list(result.hits.values())[:MAX_FILES_SHOWN] or [Hit(None)]
    return [{**described, "matched": hit.matched, "part_path": hit.part_path, "filename": hit.filename}
            for hit in hits]
