"""Backup: the gateway's quarantine. A copy of the original kept for the administrator."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

import msgspec

from mailgate.documents import Document
from mailgate.events.model import utc_now

BACKUP_VERSION = 1


def backup_id_for(message_id: str, recipients: tuple[str, ...]) -> str:
    """Stable per (message, recipient group): a retried invocation overwrites, never duplicates."""
    joined = "\n".join(sorted(r.lower() for r in recipients))
    digest = hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()[:12]  # any sender bytes
    return f"{message_id}.{digest}"


class BackupRecord(Document, frozen=True):
    backup_id: str
    message_id: str
    recipients: tuple[str, ...]
    sender: str
    subject: str
    reason: str  # why the copy was kept, in plain words
    object_key: str  # where the original lies in the mail bucket
    error: str | None = None  # set when the copy was kept because processing or delivery failed
    verdicts: dict[str, str] = msgspec.field(default_factory=dict)  # scanner → verdict
    created_at: str = msgspec.field(default_factory=utc_now)
    version: int = BACKUP_VERSION

    read_defaults: ClassVar[Mapping[str, Any]] = {"recipients": (), "sender": "", "subject": "", "reason": ""}

    @classmethod
    def _read(cls, data: Mapping[str, Any]) -> Mapping[str, Any]:
        return data if "created_at" in data else {**data, "created_at": ""}  # not made up now, as ever


class BackupIndex(Protocol):
    def put(self, record: BackupRecord) -> None: ...

    def get(self, backup_id: str) -> BackupRecord | None: ...

    def recent(self, limit: int = 50, token: str | None = None) -> tuple[list[BackupRecord], str | None]: ...
