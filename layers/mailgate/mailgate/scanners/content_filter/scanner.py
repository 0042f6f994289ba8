"""The Content Filtering scanner: the administrator's expressions over one message."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, get_args

from mailgate.config import ContentAttribute, ContentFilterSettings
from mailgate.message.defects import DefectKind
from mailgate.scan.report import Contribution, ScannerResult
from mailgate.scanners.content_filter.details import ContentFilterDetails
from mailgate.scanners.content_filter.expressions import CompiledExpression, ExpressionMatch, Undecided
from mailgate.scanners.content_filter.outcome import resolve
from mailgate.scanners.content_filter.patterns import Budget
from mailgate.scanners.content_filter.values import MessageValues

if TYPE_CHECKING:
    from mailgate.message.model import Message
    from mailgate.scanners.base import ScanContext


_EVERYTHING = frozenset(get_args(ContentAttribute)) - {"message_size"}
_PARTS = frozenset({"body", "attachment_name", "attachment_type", "attachment_size", "attachment_count"})
# The attributes a parser cut leaves partly unseen: an expression testing one of them, and not triggered,
# is undecided ("unseen"), never clean. URL cuts hide nothing Content Filtering tests.
UNSEEN_BY_CUT: dict[DefectKind, frozenset[str]] = {
    DefectKind.STRUCTURE_CUT: _EVERYTHING,  # parts or header fields not parsed: a Content-Type, a file
    DefectKind.PARSER_FAILURE: _EVERYTHING,
    DefectKind.CONTENT_CUT: _PARTS,  # decoded bytes not kept: body text, an attached message's parts
    DefectKind.ARCHIVE_CUT: frozenset({"attachment_name", "attachment_type", "attachment_size"}),  # members
    DefectKind.HTML_CUT: frozenset({"body"}),
}


class ContentFilterScanner:
    """Scanner protocol: verdict `violation` when an expression triggers; else `error` when an expression
    could not be decided because a condition could not be evaluated (a timed-out regular expression, a
    broken reference), `unscannable` when one could not be decided because content it tests was not seen
    (a parsing bound cut the message, text beyond MAX_VALUE_CHARS); else `clean`. Never clean by default.

    details: {"action", "backup", "parts", "header_changes"} resolved over every match, "part_names"
    (attachment file names of the parts any match names), "matches"
    (each expression with its conditions, what they matched, parts and recipients), "undecided"
    (each expression not decided: reason "error" or "unseen", detail, recipients; the rules step applies
    the rule's `error` / `unscannable` actions to them, also beside a violation), "errors" (every
    condition that could not be evaluated) and "incomplete" (a parsing bound cut the message).
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
        undecided: list[Undecided] = []
        matches = [found for expression in self.expressions
                   if (found := expression.evaluate(values, budget, errors, undecided)) is not None]
        undecided += _unseen(self.expressions, message, values.recipients, matches, undecided)
        documents = [m.to_dict() for m in matches]
        outcome = resolve(ContentFilterDetails.of({"matches": documents}).matches)  # as the rules step reads them
        details: dict[str, Any] = {
            "action": outcome.action, "backup": outcome.backup, "parts": list(outcome.parts),
            "header_changes": outcome.header_changes(), "matches": documents,
            "undecided": [u.to_dict() for u in undecided], "errors": errors,
            "incomplete": message.incomplete,  # a parsing bound cut something: not everything was seen
        }
        named = {part for m in matches for part in m.parts}
        if named:  # the attachments' own names, for the notice that says what "Delete attachment" took
            details["part_names"] = {a.part_path: a.filename for a in message.attachments if a.part_path in named}
        if any(e.tests_files for e in self.expressions) and values.file_problems:
            details["file_problems"] = list(values.file_problems)
        reasons = tuple(_contribution(m) for m in matches) + tuple(
            Contribution("CF_CONDITION_ERROR", 0.0, f"Content Filtering could not decide a condition of "
                         f"{e['expression']!r}", f"{e['condition']}: {e['error']}") for e in errors) + tuple(
            Contribution("CF_UNDECIDED_ERROR" if u.reason == "error" else "CF_UNSCANNABLE", 0.0,
                         f"Content Filtering could not decide {u.expression.name!r}", u.detail[:2000])
            for u in undecided)
        verdict = "violation" if matches else "error" if any(u.reason == "error" for u in undecided) \
            else "unscannable" if undecided else "clean"
        return ScannerResult(
            scanner=self.name,
            verdict=verdict,
            score=float(len(matches)),
            reasons=reasons,
            details=details,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )


def _unseen(expressions: tuple[CompiledExpression, ...], message: Message, recipients: tuple[str, ...],
            matches: list[ExpressionMatch], undecided: list[Undecided]) -> list[Undecided]:
    """Expressions a parser cut leaves undecided: not triggered (for everyone), not already undecided, and
    testing an attribute the cut hides. Decided on the parser's defect kinds, never on its texts."""
    cuts = {kind: count for kind, count in message.defect_kinds.items() if kind in UNSEEN_BY_CUT and count}
    if not cuts:
        return []
    hidden = frozenset().union(*(UNSEEN_BY_CUT[kind] for kind in cuts))
    why = "the parser's limits left content unseen: " + ", ".join(f"{kind} x{count}" for kind, count in
                                                                  sorted(cuts.items()))
    matched = {m.expression.name: m for m in matches}
    already = {u.expression.name for u in undecided}
    found: list[Undecided] = []
    for expression in expressions:
        name = expression.spec.name
        if name in already or not expression.conditions or not expression.attributes & hidden:
            continue
        match = matched.get(name)
        if match is None:
            found.append(Undecided(expression.spec, "unseen", why))
        elif match.recipients is not None and (rest := tuple(r for r in recipients if r not in match.recipients)):
            found.append(Undecided(expression.spec, "unseen", why, rest))
    return found


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
