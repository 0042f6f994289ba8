"""A decision is a recorded path, not a boolean: what happens to one recipient's copy, and why."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

DELIVER = "deliver"  # "Skip" in the rule table: deliver as is (with our headers)
REJECT = "reject"  # bounce to the sender with the reason
DELETE = "delete"  # nothing delivered, no notice
DELETE_ATTACHMENT = "delete_attachment"  # offending parts removed, the rest delivered
HOLD = "hold"  # the Anti-Spam Quarantine: kept back, scanned again later, decided then

# The strictest action wins when several modules decide.
STRICTNESS = {DELIVER: 0, HOLD: 0, DELETE_ATTACHMENT: 1, REJECT: 2, DELETE: 3}


@dataclass(frozen=True)
class PartRemoval:
    """One attachment "Delete attachment" takes out, named in the notice part the recipient gets."""

    part_path: str  # the parser's path ("2", "2.1"), as mailgate.delivery.part_removal expects
    filename: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"part_path": self.part_path, "filename": self.filename, "reason": self.reason}


@dataclass(frozen=True)
class Decision:
    action: str
    backup: bool  # keep a copy of the original in Backup, whatever the action
    rule: str
    reason: str  # the deciding fact in one sentence
    # Why, not what: these explain the decision and do not change the copy, so recipients whose decisions
    # differ only here still share one copy. Every other field is part of `signature()`.
    module: str | None = field(default=None, metadata={"explains": True})  # the scanner whose verdict decided
    verdict_class: str | None = field(default=None, metadata={"explains": True})
    path: tuple[str, ...] = field(default=(), metadata={"explains": True})  # every step, for `mailgate explain`
    removals: tuple[PartRemoval, ...] = ()  # with DELETE_ATTACHMENT: the parts that go
    remove_headers: tuple[str, ...] = ()  # header fields removed from the delivered copy (lower case)
    set_headers: tuple[tuple[str, str], ...] = ()  # fields (name, value) set on the delivered copy
    subject_tags: tuple[str, ...] = ()  # prefixed to the delivered copy's subject, in this order
    insecure_warning: bool = False  # insert the warning about an insecure message into the body
    notifications: tuple[tuple[str, str], ...] = ()  # (who: a role or an address, verdict class)
    bcc: tuple[str, ...] = ()  # the rule's copies, sent whatever the action
    disclaimer: str = ""  # the name of the disclaimer added to the delivered copy
    hold_minutes: int = 0  # with HOLD: how long until the re-scan

    def signature(self) -> tuple[Any, ...]:
        """Recipients whose decisions share this share one delivered copy: every field that is not only an
        explanation, so a field added later cannot be forgotten here."""
        return tuple(getattr(self, f.name) for f in fields(self) if not f.metadata.get("explains"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "backup": self.backup,
            "rule": self.rule,
            "reason": self.reason,
            "module": self.module,
            "verdict_class": self.verdict_class,
            "path": list(self.path),
            "removals": [r.to_dict() for r in self.removals],
            "remove_headers": list(self.remove_headers),
            "set_headers": dict(self.set_headers),
            "subject_tags": list(self.subject_tags),
            "insecure_warning": self.insecure_warning,
            "notifications": [{"to": who, "verdict_class": verdict} for who, verdict in self.notifications],
            "bcc": list(self.bcc),
            "disclaimer": self.disclaimer or None,
            **({"hold_minutes": self.hold_minutes} if self.action == HOLD else {}),
        }
