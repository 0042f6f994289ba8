"""The last resort when processing keeps failing: keep the original in Backup and say why."""

from __future__ import annotations

from collections.abc import Sequence

from mailgate.backup.keeper import BackupKeeper
from mailgate.events import model as ev
from mailgate.events.log import EventLog


def hold_after_failure(backup: BackupKeeper, events: EventLog, message_id: str,
                       raw_location: dict[str, str], recipients: Sequence[str], sender: str,
                       error: str) -> None:
    """Nothing is dropped: a message we cannot process ends in Backup with the error recorded."""
    record = backup.keep(message_id, raw_location, tuple(recipients), sender, "", "processing failed", error)
    events.append([
        ev.Event(message_id, ev.ERROR, f"processing failed: {error}"),
        ev.Event(message_id, ev.BACKUP, "original kept in Backup after processing failed",
                 ", ".join(recipients), {"backup_id": record.backup_id, "error": error}),
    ])
