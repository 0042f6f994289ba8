"""The difference between two decisions of the same recipients, counted: pure data in, plain data out.

"Held" here is any decision that stops the copy (Anti-Spam Quarantine, Reject, Delete message); "delivered" is
Skip and Delete attachment. `would_hold` counts recipients delivered today and stopped by the proposed settings;
`would_release` the other way round.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from mailgate.rules.decision import DELETE_ATTACHMENT, DELIVER, Decision

DELIVERING = frozenset({DELIVER, DELETE_ATTACHMENT})
MAX_LISTED = 100  # recipients of one message listed with their change; the counts cover all of them


class Side(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """What one decision did for one recipient, as far as a comparison cares."""

    action: str
    rule: str
    backup: bool = False
    module: str | None = None
    verdict_class: str | None = None

    @classmethod
    def of(cls, decision: Decision | Mapping[str, Any]) -> Side:
        if isinstance(decision, Decision):
            return cls(action=decision.action, rule=decision.rule, backup=decision.backup, module=decision.module,
                       verdict_class=decision.verdict_class)
        return cls(action=str(decision.get("action")), rule=str(decision.get("rule")),
                   backup=bool(decision.get("backup")), module=decision.get("module"),
                   verdict_class=decision.get("verdict_class"))

    @property
    def delivers(self) -> bool:
        return self.action in DELIVERING


class RecipientChange(msgspec.Struct, frozen=True, kw_only=True):
    recipient: str
    live: Side
    proposed: Side


class MessageDiff(msgspec.Struct, frozen=True, kw_only=True):
    """One message: how many recipients were compared, and those whose decision differs (at most MAX_LISTED
    listed; `changed_count` counts them all)."""

    message_id: str
    recipients: int
    changed_count: int = 0
    changed: tuple[RecipientChange, ...] = ()
    sender: str = ""
    at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MessageDiff:
        return msgspec.convert(data, cls)


def compare(message_id: str, live: Iterable[tuple[str, Side]], proposed: Iterable[tuple[str, Side]],
            sender: str = "", at: str = "") -> MessageDiff:
    """Recipient by recipient (case-insensitive); a recipient only one side decided is compared with itself."""
    theirs = {recipient.lower(): side for recipient, side in proposed}
    compared = 0
    changes: list[RecipientChange] = []
    seen: set[str] = set()
    for recipient, side in live:
        key = recipient.lower()
        if key in seen:  # a retried group names its recipients again: the first decision is theirs
            continue
        seen.add(key)
        compared += 1
        other = theirs.get(key, side)
        if other != side:
            changes.append(RecipientChange(recipient=recipient, live=side, proposed=other))
    return MessageDiff(message_id=message_id, recipients=compared, changed_count=len(changes),
                       changed=tuple(changes[:MAX_LISTED]), sender=sender, at=at)


def _bump(counts: dict[str, dict[str, int]], name: str | None, side: str) -> None:
    entry = counts.setdefault(name or "-", {"live": 0, "proposed": 0})
    entry[side] += 1


class Tally(msgspec.Struct, kw_only=True):
    """Counts over many messages. `by_rule`, `by_module`, `by_verdict_class`: for the recipients whose decision
    changes, how many the live decision had under that name (`live`) and how many the proposed one (`proposed`);
    `transitions`: "deliver→delete" → recipients."""

    messages: int = 0
    recipients: int = 0
    changed_messages: int = 0
    changed_recipients: int = 0
    action_changed: int = 0
    would_hold: int = 0
    would_release: int = 0
    missing_reports: int = 0
    missing_originals: int = 0  # a proposal's Content Filtering could not read these originals: stored result kept
    transitions: dict[str, int] = msgspec.field(default_factory=dict)
    by_rule: dict[str, dict[str, int]] = msgspec.field(default_factory=dict)
    by_module: dict[str, dict[str, int]] = msgspec.field(default_factory=dict)
    by_verdict_class: dict[str, dict[str, int]] = msgspec.field(default_factory=dict)

    def add(self, diff: MessageDiff) -> None:
        self.messages += 1
        self.recipients += diff.recipients
        if diff.changed_count:
            self.changed_messages += 1
            self.changed_recipients += diff.changed_count
        for change in diff.changed:  # the listed ones (all of them but for a message to over MAX_LISTED)
            live, proposed = change.live, change.proposed
            if live.action != proposed.action:
                self.action_changed += 1
                arrow = f"{live.action}→{proposed.action}"
                self.transitions[arrow] = self.transitions.get(arrow, 0) + 1
            self.would_hold += live.delivers and not proposed.delivers
            self.would_release += proposed.delivers and not live.delivers
            for counts, attribute in ((self.by_rule, "rule"), (self.by_module, "module"),
                                      (self.by_verdict_class, "verdict_class")):
                _bump(counts, getattr(live, attribute), "live")
                _bump(counts, getattr(proposed, attribute), "proposed")

    def merge(self, other: Tally) -> None:
        """Add another tally's counts to these (a fanned-out job's counts are the sum of its workers')."""
        for name in ("messages", "recipients", "changed_messages", "changed_recipients", "action_changed",
                     "would_hold", "would_release", "missing_reports", "missing_originals"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for arrow, count in other.transitions.items():
            self.transitions[arrow] = self.transitions.get(arrow, 0) + count
        for mine, theirs in ((self.by_rule, other.by_rule), (self.by_module, other.by_module),
                             (self.by_verdict_class, other.by_verdict_class)):
            for name, sides in theirs.items():
                entry = mine.setdefault(name, {"live": 0, "proposed": 0})
                for side, count in sides.items():
                    entry[side] = entry.get(side, 0) + count

    def sentence(self) -> str:
        """The answer in one line: "3 of 40 messages (3 of 52 recipients) decided differently: would hold 3
        more recipients' copies, release 0"."""
        return (f"{self.changed_messages} of {self.messages} messages ({self.changed_recipients} of "
                f"{self.recipients} recipients) decided differently: would hold {self.would_hold} more "
                f"recipients' copies, release {self.would_release}"
                + (f"; {self.missing_reports} messages without a stored scan report skipped"
                   if self.missing_reports else "")
                + (f"; {self.missing_originals} originals gone: their stored Content Filtering result kept"
                   if self.missing_originals else ""))

    def to_dict(self) -> dict[str, Any]:
        return {**msgspec.to_builtins(self), "summary": self.sentence()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Tally:
        return msgspec.convert({k: v for k, v in data.items() if k != "summary"}, cls)
