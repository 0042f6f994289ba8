"""Event records: one line of a message's history, as the event log stores it."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import msgspec

from mailgate.documents import Document

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
BACKUP_REMOVED = "backup_removed"  # a Backup entry was deleted: by an administrator or by retention
BACKUP_DOWNLOADED = "backup_downloaded"  # someone was given a link to download a Backup entry's original
RELEASED = "released"  # a Backup entry was released (delivered or not: the detail has each target's outcome)
WARNING = "warning"  # about the gateway itself (stale ClamAV signatures), not about one message

EVENT_VERSION = 1

_sequence = itertools.count()


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class Event(Document, frozen=True):
    """One line of a message's history. `seq` orders it in the table's sort key; its stored form leaves it out
    (a reader numbers what it reads anew)."""

    message_id: str
    kind: str
    summary: str  # one plain sentence an administrator can read
    recipient: str | None = None
    detail: dict[str, Any] = msgspec.field(default_factory=dict)
    at: str = msgspec.field(default_factory=utc_now)
    # Orders events written within the same microsecond by one process.
    seq: int = msgspec.field(default_factory=lambda: next(_sequence))
    # Facts about the whole message, carried on each of its events so the log can be filtered by them.
    sender: str | None = None
    subject: str | None = None
    action: str | None = None  # the decision's action, on the events of that decision
    verdicts: tuple[str, ...] = ()  # scanner verdicts (e.g. "fail"), on scans and decisions
    version: int = EVENT_VERSION

    read_defaults: ClassVar[Mapping[str, Any]] = {"summary": ""}

    @classmethod
    def _stored(cls, data: dict[str, Any]) -> dict[str, Any]:
        del data["seq"]
        return data
