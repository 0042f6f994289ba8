"""The Content Filtering scanner: the administrator's expressions over one message."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from mailgate.config import ContentFilterSettings
from mailgate.report import Contribution, ScannerResult
from mailgate.scanners.content_filter.expressions import CompiledExpression, ExpressionMatch
from mailgate.scanners.content_filter.outcome import resolve
from mailgate.scanners.content_filter.patterns import Budget
from mailgate.scanners.content_filter.values import MessageValues

if TYPE_CHECKING:
    from mailgate.message.model import Message
    from mailgate.scanners.base import ScanContext


class ContentFilterScanner:
    """Scanner protocol: verdict `violation` when an expression triggers, else `clean`.

    details: {"action", "backup", "parts", "header_changes"} resolved over every match, "part_names"
    (attachment file names of the parts any match names), "matches"
    (each expression with its conditions, what they matched, parts and recipients), "errors"
    (conditions that could not be decided: a timed-out regular expression, a broken reference) and
    "incomplete" (a parsing bound cut the message: a `clean` then means clean as far as it was seen).
    """

    name = "content_filter"

    def __init__(self, settings: ContentFilterSettings | None = None) -> None:
        self.settings = settings or ContentFilterSettings()
        dictionaries = {d.name: d for d in self.settings.dictionaries}
        self.expressions = tuple(CompiledExpression(e, dictionaries) for e in self.settings.expressions
                                 if e.enabled) if self.settings.enabled else ()

    def scan(self, message: Message, context: ScanContext) -> ScannerResult:
        started = time.perf_counter()
        values = MessageValues(message, context.envelope)
        budget = Budget()
        errors: list[dict[str, str]] = []
        matches = [found for expression in self.expressions
                   if (found := expression.evaluate(values, budget, errors)) is not None]
        documents = [m.to_dict() for m in matches]
        outcome = resolve(documents)
        details: dict[str, Any] = {
            "action": outcome.action, "backup": outcome.backup, "parts": list(outcome.parts),
            "header_changes": outcome.header_changes(), "matches": documents, "errors": errors,
            "incomplete": message.incomplete,  # a parsing bound cut something: not everything was seen
        }
        named = {part for m in matches for part in m.parts}
        if named:  # the attachments' own names, for the notice that says what "Delete attachment" took
            details["part_names"] = {a.part_path: a.filename for a in message.attachments if a.part_path in named}
        if any(e.tests_files for e in self.expressions) and values.file_problems:
            details["file_problems"] = list(values.file_problems)
        reasons = tuple(_contribution(m) for m in matches) + tuple(
            Contribution("CF_CONDITION_ERROR", 0.0, f"Content Filtering could not decide a condition of "
                         f"{e['expression']!r}", f"{e['condition']}: {e['error']}") for e in errors)
        return ScannerResult(
            scanner=self.name,
            verdict="violation" if matches else "clean",
            score=float(len(matches)),
            reasons=reasons,
            details=details,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )


def _contribution(match: ExpressionMatch) -> Contribution:
    expression = match.expression
    action = expression.action + (" and Backup" if expression.backup else "")
    evidence = "; ".join(
        f"{c['attribute']} {'not ' if c.get('negate') else ''}{c['operator']} "
        f"{_short(c.get('dictionary') or c.get('value'))!r}"
        + (f" matched {c['matched']!r}" if c["matched"] is not None else "")
        + (f" in {c['filename']!r} (part {c['part_path']})" if c["filename"] else "")
        for c in match.conditions)
    if match.recipients is not None:
        evidence += f"; for {', '.join(match.recipients)}"
    return Contribution(f"CF:{expression.name}", 1.0, f"Content Filtering expression {expression.name!r}: {action}",
                        evidence[:2000])


def _short(value: object) -> object:
    """Long regular expressions stay readable in the one-line evidence (details keep them whole)."""
    return value[:60] + "…" if isinstance(value, str) and len(value) > 60 else value
