"""Backup: the gateway's quarantine. A copy of the original kept for the administrator."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Protocol

from mailgate.events.model import utc_now


def backup_id_for(message_id: str, recipients: tuple[str, ...]) -> str:
    """Stable per (message, recipient group): a retried invocation overwrites, never duplicates."""
    joined = "\n".join(sorted(r.lower() for r in recipients))
    digest = hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()[:12]  # any sender bytes
    return f"{message_id}.{digest}"


@dataclass(frozen=True)
class BackupRecord:
    backup_id: str
    message_id: str
    recipients: tuple[str, ...]
    sender: str
    subject: str
    reason: str  # why the copy was kept, in plain words
    object_key: str  # where the original lies in the mail bucket
    error: str | None = None  # set when the copy was kept because processing or delivery failed
    verdicts: dict[str, str] = field(default_factory=dict)  # scanner → verdict
    created_at: str = field(default_factory=utc_now)

    def to_dict(self) -> dict[str, Any]:
        return {
            "backup_id": self.backup_id,
            "message_id": self.message_id,
            "recipients": list(self.recipients),
            "sender": self.sender,
            "subject": self.subject,
            "reason": self.reason,
            "object_key": self.object_key,
            "error": self.error,
            "verdicts": dict(self.verdicts),
            "created_at": self.created_at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BackupRecord:
        return cls(
            backup_id=str(data["backup_id"]),
            message_id=str(data["message_id"]),
            recipients=tuple(data.get("recipients") or ()),
            sender=str(data.get("sender", "")),
            subject=str(data.get("subject", "")),
            reason=str(data.get("reason", "")),
            object_key=str(data["object_key"]),
            error=data.get("error"),
            verdicts={str(k): str(v) for k, v in (data.get("verdicts") or {}).items()},
            created_at=str(data.get("created_at", "")),
        )


class BackupIndex(Protocol):
    def put(self, record: BackupRecord) -> None: ...

    def get(self, backup_id: str) -> BackupRecord | None: ...

    def recent(self, limit: int = 50, token: str | None = None) -> tuple[list[BackupRecord], str | None]: ...
