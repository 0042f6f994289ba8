"""Putting a copy of the original into Backup: the S3 object plus its metadata record."""

from __future__ import annotations

from typing import Protocol

import msgspec

from mailgate.backup.model import BackupIndex, BackupRecord, Holding, backup_id_for


class RawCopier(Protocol):
    bucket: str

    def copy(self, source_bucket: str, source_key: str, key: str) -> None: ...


class BackupKeeper:
    def __init__(self, store: RawCopier, index: BackupIndex, prefix: str = "backup/") -> None:
        self.store = store
        self.index = index
        self.prefix = prefix

    def keep(
        self,
        message_id: str,
        raw_location: dict[str, str],
        recipients: tuple[str, ...],
        sender: str,
        subject: str,
        reason: str,
        error: str | None = None,
        verdicts: dict[str, str] | None = None,
        holding: Holding | None = None,
    ) -> BackupRecord:
        """Idempotent: the same message and recipients always map to the same Backup entry."""
        backup_id = backup_id_for(message_id, recipients)
        key = f"{self.prefix}{backup_id}.eml"
        self.store.copy(raw_location["bucket"], raw_location["key"], key)
        record = BackupRecord(
            backup_id=backup_id,
            message_id=message_id,
            recipients=recipients,
            sender=sender,
            subject=subject,
            reason=reason,
            object_key=key,
            error=error,
            verdicts=dict(verdicts or {}),
            **msgspec.to_builtins(holding or Holding()),
        )
        self.index.put(record)
        return record
