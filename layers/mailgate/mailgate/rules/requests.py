"""What one scanner's verdict asks a rule to do, and the helpers every scanner's `judge` writes its steps with.

A judge receives a `Judging`: the module it judges for (its name and label), the recipient, what the
allow/deny lists say, and the decision path, to which each step is written as it is taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mailgate.rules.decision import DELETE, DELETE_ATTACHMENT, DELIVER, REJECT, PartRemoval

if TYPE_CHECKING:
    from mailgate.rules.sender_lists import ListOutcome
    from mailgate.rules.table import VerdictAction
    from mailgate.scan.report import ScannerResult

ACTIONS = {"skip": DELIVER, "reject": REJECT, "delete_message": DELETE, "delete_attachment": DELETE_ATTACHMENT}
WORDS = {decision: word for word, decision in ACTIONS.items()}


@dataclass(frozen=True)
class Request:
    """What one module's verdict asks the rule to do."""

    action: str  # a Decision action
    module: str
    verdict_class: str
    reason: str
    options: VerdictAction  # backup, tag, headers, warning, notify
    removals: tuple[PartRemoval, ...] = ()

    @property
    def asks(self) -> bool:
        return self.action != DELIVER or self.options.asks()


@dataclass(frozen=True)
class Judging:
    """One module's judgement for one recipient: where its steps are written and what it may know."""

    module: str
    label: str
    recipient: str
    lists: ListOutcome
    path: list[str]

    def note(self, text: str) -> None:
        self.path.append(f"{self.label}: {text}")

    def ask(self, verdict_class: str, options: VerdictAction, reason: str, detail: str,
            removals: tuple[PartRemoval, ...] = (), action: str | None = None) -> Request:
        """A verdict class → the rule's action for it, written to the path as one step."""
        chosen = action or ACTIONS[options.action]
        words = [name for name, value in ((WORDS[chosen], True), ("Backup", options.backup),
                                          (f"tag {options.subject_tag}", options.subject_tag),
                                          ("insecure warning", options.insecure_warning),
                                          ("notify " + ", ".join(options.notify), options.notify)) if value]
        self.note(f"{verdict_class} ({detail}) → {' + '.join(words)}")
        return Request(chosen, self.module, verdict_class, reason, options, removals)

    def not_applied(self, why: str) -> list[Request]:
        self.note(f"not applied: {why}")
        return []

    def skipped(self, enabled: bool, result: ScannerResult | None, listed: str | None = None) -> bool:
        """An allow entry skips the module (`listed` says why), the module is off in this rule, or its scanner
        left no result: said once, nothing asked."""
        if listed:
            self.not_applied(listed)
            return True
        if not enabled:
            self.note("disabled in this rule")
            return True
        if result is None:
            self.note("no result in the scan report")
            return True
        return False


def top_tests(result: ScannerResult, limit: int = 3) -> str:
    """The heaviest named tests behind a score, for a reason: "; A, B, C" (empty without any)."""
    named = [c.test for c in sorted(result.reasons, key=lambda c: -c.score)[:limit]]
    return f"; {', '.join(named)}" if named else ""
