"""Event records: one line of a message's history, as the event log stores it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# The kinds an administrator filters by; kept small and stable because SIEM exports key on them.
RECEIVED = "received"
SCANNED = "scanned"
DECISION = "decision"
DELIVERED = "delivered"
DEFERRED = "deferred"
REJECTED = "rejected"
BOUNCED = "bounced"
DELETED = "deleted"
BACKUP = "backup"
ERROR = "error"
FEEDBACK = "feedback"  # an administrator marked a message spam or not spam
PARTS_REMOVED = "parts_removed"  # Delete attachment: the named parts were cut out before delivery
COPIED = "copied"  # a rule's BCC copy was sent
NOTIFIED = "notified"  # a notification about the message was sent
HELD = "held"  # the Anti-Spam Quarantine holds the message until its re-scan
WARNING = "warning"  # about the gateway itself (stale ClamAV signatures), not about one message

_sequence = itertools.count()


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Event:
    message_id: str
    kind: str
    summary: str  # one plain sentence an administrator can read
    recipient: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    at: str = field(default_factory=utc_now)
    # Orders events written within the same microsecond by one process.
    seq: int = field(default_factory=lambda: next(_sequence))
    # Facts about the whole message, carried on each of its events so the log can be filtered by them.
    sender: str | None = None
    subject: str | None = None
    action: str | None = None  # the decision's action, on the events of that decision
    verdicts: tuple[str, ...] = ()  # scanner verdicts (e.g. "fail"), on scans and decisions

    def to_dict(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "kind": self.kind,
            "summary": self.summary,
            "recipient": self.recipient,
            "detail": self.detail,
            "at": self.at,
            "sender": self.sender,
            "subject": self.subject,
            "action": self.action,
            "verdicts": list(self.verdicts),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        return cls(
            message_id=str(data["message_id"]),
            kind=str(data["kind"]),
            summary=str(data.get("summary", "")),
            recipient=data.get("recipient"),
            detail=dict(data.get("detail") or {}),
            at=str(data["at"]),
            sender=data.get("sender"),
            subject=data.get("subject"),
            action=data.get("action"),
            verdicts=tuple(str(v) for v in data.get("verdicts") or ()),
        )
