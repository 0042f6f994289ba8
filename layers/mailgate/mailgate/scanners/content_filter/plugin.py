"""Content Filtering as one record: the administrator's triggered expressions, for this recipient and the
expressions this rule chooses → their own strictest action; expressions it could not decide → the rule's
`error` or `unscannable` action. Its named tests are the expressions themselves (CF:<name>)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailgate.config import ContentFilterSettings
from mailgate.rules.decision import PartRemoval
from mailgate.rules.table import ContentFilterModule, VerdictAction
from mailgate.scanners.content_filter.details import ContentFilterDetails
from mailgate.scanners.content_filter.outcome import resolve
from mailgate.scanners.plugin import ScannerDeps, ScannerPlugin

if TYPE_CHECKING:
    from mailgate.rules.requests import Judging, Request
    from mailgate.scan.report import ScannerResult
    from mailgate.scanners.base import Scanner


def build(deps: ScannerDeps) -> Scanner:
    from mailgate.scanners.content_filter.scanner import ContentFilterScanner  # noqa: PLC0415  # scan step only

    return ContentFilterScanner(deps.config.content_filter)


def judge(module: ContentFilterModule, result: ScannerResult | None, judging: Judging) -> list[Request]:
    if judging.skipped(module.enabled, result):
        return []
    assert result is not None
    chosen = {name.lower() for name in module.expressions}
    details = ContentFilterDetails.of(result.details)
    undecided = _undecided(module, details, chosen, judging)
    if result.verdict != "violation":
        if not undecided:
            judging.note("no expression triggered")
        return undecided
    matches = [m for m in details.matches if not chosen or m.expression.lower() in chosen]
    outcome = resolve(matches, judging.recipient or None)
    if not outcome.expressions:
        judging.note("the triggered expressions do not apply to this recipient"
                     + (" or are not chosen by this rule" if chosen else ""))
        return undecided
    names = ", ".join(repr(e) for e in outcome.expressions)
    reasons: dict[str, list[str]] = {}
    for match in matches:
        if match.action == "delete_attachment":
            for part in match.parts:
                reasons.setdefault(part, []).append(match.expression)
    removals = tuple(PartRemoval(part, details.part_names.get(part),
                                 "Content Filtering: " + ", ".join(reasons.get(part, ())))
                     for part in outcome.parts)
    options = VerdictAction(action=outcome.action,  # type: ignore[arg-type]  # resolve returns one of the four
                            backup=outcome.backup, set_headers=dict(outcome.set_headers),
                            remove_headers=outcome.remove_headers)
    plural = "s" if len(outcome.expressions) > 1 else ""
    return [judging.ask("violation", options, f"Content Filtering expression{plural} {names} triggered",
                        f"{names} triggered", removals), *undecided]


def _undecided(module: ContentFilterModule, details: ContentFilterDetails, chosen: set[str],
               judging: Judging) -> list[Request]:
    """Expressions Content Filtering could not decide, for this recipient and this rule's choice: the rule's
    `error` action when a condition could not be evaluated, its `unscannable` action when content was unseen."""
    entries = [u for u in details.undecided
               if (not chosen or u.expression.lower() in chosen) and u.applies_to(judging.recipient)]
    requests = []
    for verdict_class, options, words in (("error", module.error, "could not evaluate"),
                                          ("unscannable", module.unscannable, "could not see what it tests for")):
        found = [u for u in entries if (u.reason == "error") == (verdict_class == "error")]
        if found:
            names = ", ".join(repr(u.expression) for u in found)
            detail = f"{names}: {found[0].detail}"[:500]
            requests.append(judging.ask(verdict_class, options,
                                        f"Content Filtering {words} expression{'s' if len(found) > 1 else ''} "
                                        f"{names}", detail))
    return requests


PLUGIN = ScannerPlugin(name="content_filter", label="Content Filtering", module=ContentFilterModule, tests={},
                       build=build, judge=judge, settings=ContentFilterSettings, settings_field="content_filter")
