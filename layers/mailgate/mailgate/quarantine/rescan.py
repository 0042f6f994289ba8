"""A held message's re-scan request: what the scheduler hands back to the scan function when the hold ends.

It travels as the body of an SQS message on the scan queue (`{"mailgate_rescan": {...}}`), put there by
EventBridge Scheduler in AWS or by the local scheduler; the scan function scans the stored original again
with the envelope it arrived with, for the held recipients only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

BODY_KEY = "mailgate_rescan"


@dataclass(frozen=True)
class RescanRequest:
    message_id: str
    bucket: str
    key: str
    envelope: dict[str, Any]  # mail_from, client_ip, helo, received_at (as the first scan saw them)
    recipients: tuple[str, ...]  # the held ones
    hold_key: str  # the quarantine ledger's entry, released when the re-scan is decided
    hold_minutes: int
    held_at: str
    due_at: str
    rule: str = ""
    size: int = 0  # of the original, so the ledger can release its bytes without reading the entry

    @classmethod
    def create(cls, message_id: str, raw_location: dict[str, str], envelope: dict[str, Any],
               recipients: tuple[str, ...], hold_minutes: int, rule: str, size: int = 0,
               now: datetime | None = None) -> RescanRequest:
        held = now or datetime.now(UTC)
        due = held + timedelta(minutes=hold_minutes)
        return cls(message_id, raw_location.get("bucket", ""), raw_location.get("key", ""),
                   {k: envelope.get(k) for k in ("mail_from", "client_ip", "helo", "received_at")},
                   recipients, hold_key(message_id, recipients), hold_minutes,
                   held.isoformat(timespec="seconds"), due.isoformat(timespec="seconds"), rule, size)

    @property
    def due(self) -> datetime:
        return datetime.fromisoformat(self.due_at)

    def to_body(self) -> dict[str, Any]:
        return {BODY_KEY: {"message_id": self.message_id, "bucket": self.bucket, "key": self.key,
                           "envelope": self.envelope, "recipients": list(self.recipients),
                           "hold_key": self.hold_key, "hold_minutes": self.hold_minutes, "held_at": self.held_at,
                           "due_at": self.due_at, "rule": self.rule, "size": self.size}}

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> RescanRequest:
        data = body[BODY_KEY]
        return cls(str(data["message_id"]), str(data["bucket"]), str(data["key"]), dict(data.get("envelope") or {}),
                   tuple(str(r) for r in data.get("recipients") or ()), str(data["hold_key"]),
                   int(data.get("hold_minutes") or 0), str(data.get("held_at") or ""), str(data.get("due_at") or ""),
                   str(data.get("rule") or ""), int(data.get("size") or 0))

    def details(self) -> dict[str, Any]:
        """What the list of held mail shows for this hold."""
        return {"message_id": self.message_id, "recipients": list(self.recipients), "sender":
                self.envelope.get("mail_from") or "", "rule": self.rule, "held_at": self.held_at,
                "due_at": self.due_at, "hold_minutes": self.hold_minutes}

    def facts(self) -> dict[str, Any]:
        """What the re-scanned report records (and the rules step reads) about the hold."""
        return {"hold_key": self.hold_key, "held_at": self.held_at, "hold_minutes": self.hold_minutes,
                "rule": self.rule, "size": self.size}


def hold_key(message_id: str, recipients: tuple[str, ...]) -> str:
    digest = hashlib.sha256(",".join(sorted(r.lower() for r in recipients)).encode()).hexdigest()[:16]
    return f"{message_id}:{digest}"


class RescanScheduler(Protocol):
    def __call__(self, request: RescanRequest) -> None: ...


class QuarantineLedger(Protocol):
    """Counts what is held against the limits; admit and release are idempotent per hold key."""

    def admit(self, hold_key: str, size: int, max_messages: int, max_bytes: int,
              details: dict[str, Any] | None = None) -> str | None:
        """None when admitted (or already held under this key); else why not, in a sentence. `details`
        (message id, recipients, rule, when due) are kept with the entry for the list of held mail."""

    def release(self, hold_key: str, size: int | None = None) -> None:
        """`size`: the held original's, when known (saves reading the entry)."""

    def pinned(self, hold_key: str) -> str | None:
        """Why the held message is kept in Backup when its hold ends whatever its re-scan finds (the exposure
        search's `hold_in_flight`); None: its re-scan decides."""
