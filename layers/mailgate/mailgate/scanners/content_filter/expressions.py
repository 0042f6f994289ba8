"""An expression: its enabled conditions joined by "all" or "any", evaluated once, or once per
envelope recipient when a condition tests the recipient (scanning is recipient-independent, so the
match says which recipients it applies to: None means all of them).

In an "all" expression the positive attachment conditions must hold for the same file: "name is
*.pdf" and "type is executable" catch one lying file, not a real PDF beside a real program.
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


class CompiledExpression:
    def __init__(self, spec: ContentExpression, dictionaries: Mapping[str, ContentDictionary]) -> None:
        self.spec = spec
        self.conditions = tuple(CompiledCondition(c, dictionaries) for c in spec.conditions if c.enabled)
        self.per_recipient = any(c.tests_recipient for c in self.conditions)
        self.tests_files = any(c.tests_files for c in self.conditions)

    def evaluate(self, values: MessageValues, budget: Budget, errors: list[dict[str, str]]) -> ExpressionMatch | None:
        if not self.spec.enabled or not self.conditions:
            return None
        shared: dict[int, Result] = {}  # conditions that do not test the recipient run once

        def run(recipient: str | None) -> dict[int, Result]:
            results: dict[int, Result] = {}
            for index, condition in enumerate(self.conditions):
                if condition.tests_recipient:
                    results[index] = condition.evaluate(values, recipient, budget)
                else:
                    results[index] = shared.get(index) or shared.setdefault(
                        index, condition.evaluate(values, None, budget))
                if self.spec.match == "all" and not results[index].matched:
                    break  # "all" has failed: later conditions (a costly regex) need not run
            self._record_errors(results, errors)
            return results

        if not self.per_recipient:
            return self._combine(run(None), values)
        first: ExpressionMatch | None = None
        matched: list[str] = []
        parts: dict[str, None] = {}
        for recipient in values.recipients:
            found = self._combine(run(recipient), values)
            if found is not None:
                matched.append(recipient)
                parts.update(dict.fromkeys(found.parts))
                first = first or found
        if first is None:
            return None
        return ExpressionMatch(self.spec, first.conditions, tuple(parts), tuple(matched))

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
